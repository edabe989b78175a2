"""One conformance suite for every registered engine (qtilab.sim.engine.engines()).

Each engine runs the same random circuits (qtilab.testing.strategies.circuits) and is compared
with the dense reference of qtilab.testing (explicit Kronecker products and Kraus sums, which
never import qtilab.sim), using the gate matrices of the textbook table. What is checked
depends on the engine's Capabilities: exact engines to 1e-10, Monte-Carlo engines within five
of their own standard errors; noise only where capabilities.noise; vjp only where
capabilities.vjp. A new engine (MPI, GPU) that calls register_engine in a module imported
below is picked up by every test here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qtilab import Circuit, Observable, Parameter
from qtilab.sim.engine import engines, get_engine
from qtilab.sim.noise import NoiseModel, kraus_channel
from qtilab.testing import dense_states
from qtilab.testing.density import dense_density_matrix, dense_expectation
from qtilab.testing.strategies import TABLE, circuits

ALL = sorted(engines())
NOISY = [n for n in ALL if get_engine(n).capabilities.noise]
WITH_VJP = [n for n in ALL if get_engine(n).capabilities.vjp]
PAULIS = {"I": np.eye(2), "X": TABLE["x"](), "Y": TABLE["y"](), "Z": TABLE["z"]()}
SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


def run(name: str, circuit: Circuit, params: Any = None, noise: Any = None, trajectories: int = 2000, seed: int = 1, **kw: Any) -> Any:
    eng = get_engine(name)
    opts: dict[str, Any] = {}
    if "n_trajectories" in eng.capabilities.run_options:
        opts["n_trajectories"] = trajectories
    if "seed" in eng.capabilities.run_options:
        opts["seed"] = seed
    plan = eng.compile(circuit, noise=noise, dtype=kw.pop("dtype", np.complex128))
    return plan.run(params, **kw, **opts)


def close(name: str, res: Any, got: np.ndarray, want: np.ndarray, err: np.ndarray | None, atol: float = 1e-10) -> None:
    if get_engine(name).capabilities.exact or err is None:
        np.testing.assert_allclose(got, want, atol=atol, rtol=0)
    else:  # Monte-Carlo: within five standard errors (plus a floor for rows with zero spread)
        assert np.all(np.abs(got - want) <= 5 * err + 2e-3), (got, want, err)


def test_registry_lists_the_builtin_engines_with_capabilities() -> None:
    assert {"statevector", "density_matrix", "trajectories"} <= set(ALL)
    for name in ALL:
        cap = get_engine(name).capabilities
        assert cap.name == name
        assert cap.representation in ("statevector", "density_matrix", "trajectories") or cap.representation


@pytest.mark.parametrize("name", ALL)
@SETTINGS
@given(c=circuits(max_qubits=5))
def test_noiseless_probabilities_and_states_match_reference(name: str, c: Circuit) -> None:
    res = run(name, c)
    psi = dense_states(c, TABLE)[0]
    p = res.probabilities()
    assert p.shape == (2**c.n_qubits,)
    close(name, res, p, np.abs(psi) ** 2, getattr(res, "probabilities_error", lambda: None)())
    qs = list(range(c.n_qubits))[::-1][: max(1, c.n_qubits - 1)]
    marg = res.probabilities(qs)
    assert marg.shape == (2 ** len(qs),)
    assert abs(marg.sum() - 1) < 1e-9


@pytest.mark.parametrize("name", ALL)
@SETTINGS
@given(c=circuits(max_qubits=5), data=st.data())
def test_noiseless_expectations_match_reference(name: str, c: Circuit, data: st.DataObject) -> None:
    n = c.n_qubits
    rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
    terms = [(float(rng.normal()), {int(q): str(rng.choice(list("XYZ"))) for q in rng.permutation(n)[: int(rng.integers(1, n + 1))]}) for _ in range(3)]
    obs = Observable(terms)
    psi = dense_states(c, TABLE)[0]
    want = dense_expectation(np.outer(psi, psi.conj()), terms, n, PAULIS)
    got = run(name, c).expectation(obs)
    assert isinstance(got, float)
    assert abs(got - want) < 1e-10


@pytest.mark.parametrize("name", ALL)
@SETTINGS
@given(c=circuits(batch=3, max_qubits=4))
def test_batched_circuits_have_a_batch_axis_and_match_per_member(name: str, c: Circuit) -> None:
    res = run(name, c)
    want = np.abs(dense_states(c, TABLE)) ** 2
    p = res.probabilities()
    if c.batch_size is None:
        assert p.shape == (2**c.n_qubits,)
        want = want[0]
    else:
        assert p.shape == (3, 2**c.n_qubits)
        assert res.expectation("Z0").shape == (3,)
    np.testing.assert_allclose(p, want, atol=1e-10)


@pytest.mark.parametrize("name", ALL)
def test_same_shapes_whatever_the_batch_size(name: str) -> None:
    t = Parameter("t")
    c = Circuit(2, 2).ry(t, 0).cx(0, 1).measure([0, 1], [0, 1])
    one = run(name, c, {"t": 0.4})
    b1 = run(name, c, {"t": np.array([0.4])})
    b5 = run(name, c, {"t": np.linspace(0, 3, 5)})
    assert one.probabilities().shape == (4,) and isinstance(one.expectation("Z0"), float)
    assert b1.probabilities().shape == (1, 4) and b1.expectation("Z0").shape == (1,)
    assert b5.probabilities().shape == (5, 4) and b5.expectation("Z0").shape == (5,)
    np.testing.assert_allclose(b1.probabilities()[0], one.probabilities(), atol=1e-12)
    np.testing.assert_allclose(b5.expectation("Z0 Z1"), 1.0, atol=1e-10)
    np.testing.assert_allclose(b5.expectation("Z0"), np.cos(np.linspace(0, 3, 5)), atol=1e-10)
    s1, s5 = one.sample(10, seed=1), b5.sample(10, seed=1)
    assert s1.indices.shape == (10,) and s5.indices.shape == (5, 10)


@pytest.mark.parametrize("name", ALL)
def test_sampling_is_seeded_and_follows_the_probabilities(name: str) -> None:
    c = Circuit(3).ry(0.9, 0).cx(0, 2).ry(2.1, 1)
    res = run(name, c)
    a = res.sample(40_000, seed=7)
    assert np.array_equal(a.indices, res.sample(40_000, seed=7).indices)
    p = np.abs(dense_states(c, TABLE)[0]) ** 2
    freq = np.bincount(a.indices, minlength=8) / 40_000
    assert np.all(np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / 40_000) + 1e-12)
    # terminal measurements fill classical bits: qubit 2 -> bit 0 only
    m = run(name, Circuit(3, 1).x(2).measure(2, 0)).sample(5, seed=1)
    assert m.counts == {"1": 5}


@pytest.mark.parametrize("name", ALL)
def test_complex64(name: str) -> None:
    c = Circuit(3).h(0).cx(0, 1).rx(0.7, 2).cz(1, 2).u(0.1, 0.2, 0.3, 0)
    res = run(name, c, dtype=np.complex64)
    np.testing.assert_allclose(res.probabilities(), np.abs(dense_states(c, TABLE)[0]) ** 2, atol=1e-5)


# -- noise ------------------------------------------------------------------------------
def _random_kraus(rng: np.random.Generator, d: int, r: int) -> list[np.ndarray]:
    """A random CPTP Kraus set: the blocks of a random isometry (d -> r d)."""
    z = rng.normal(size=(r * d, d)) + 1j * rng.normal(size=(r * d, d))
    q, _ = np.linalg.qr(z)
    return [q[k * d:(k + 1) * d] for k in range(r)]


def _amp_damp(g: float) -> list[np.ndarray]:
    return [np.array([[1, 0], [0, np.sqrt(1 - g)]]), np.array([[0, np.sqrt(g)], [0, 0]])]


def _depol(p: float) -> list[np.ndarray]:
    return [np.sqrt(1 - 3 * p / 4) * np.eye(2)] + [np.sqrt(p / 4) * PAULIS[s] for s in "XYZ"]


@pytest.mark.parametrize("name", NOISY)
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(c=circuits(max_qubits=4, max_gates=8), seed=st.integers(0, 10_000))
def test_noisy_circuits_match_dense_kraus_reference(name: str, c: Circuit, seed: int) -> None:
    rng = np.random.default_rng(seed)
    k1 = _random_kraus(rng, 2, 2)
    k2 = _random_kraus(rng, 4, 2)
    ad = _amp_damp(float(rng.uniform(0, 0.5)))
    model = NoiseModel().add(kraus_channel(k1)).add(kraus_channel(ad), gates=["h", "rx", "u", "cx"])
    two = [g.display_name for g in c if len(g.qubits) == 2]
    if two:
        model.add(kraus_channel(k2), gates=sorted(set(two)))
    sites = []  # written here from the rules above, not asked from the model
    for i, g in enumerate(c):
        sites += [(i, k1, (q,)) for q in g.qubits]
        if g.display_name in ("h", "rx", "u", "cx"):
            sites += [(i, ad, (q,)) for q in g.qubits]
        if len(g.qubits) == 2:
            sites.append((i, k2, g.qubits))
    rho = dense_density_matrix(c, TABLE, channels=sites)
    res = run(name, c, noise=model, trajectories=1500, seed=seed)
    close(name, res, res.probabilities(), np.real(np.diag(rho)), getattr(res, "probabilities_error", lambda: None)())
    terms = [(1.0, {0: "X"}), (0.5, {c.n_qubits - 1: "Z"}), (-0.7, {0: "Y", c.n_qubits - 1: "Z"} if c.n_qubits > 1 else {0: "Y"})]
    want = dense_expectation(rho, terms, c.n_qubits, PAULIS)
    err = res.expectation_error(Observable(terms)) if hasattr(res, "expectation_error") else None
    close(name, res, np.array(res.expectation(Observable(terms))), np.array(want), err)


@pytest.mark.parametrize("name", NOISY)
def test_noisy_batch_matches_reference_per_member(name: str) -> None:
    t = Parameter("t")
    c = Circuit(2).ry(t, 0).cx(0, 1).rx(2 * t, 1)
    model = NoiseModel().add(kraus_channel(_depol(0.2))).add(kraus_channel(_amp_damp(0.3)), gates=["cx"])
    vals = np.array([0.3, 1.1, 2.5])
    res = run(name, c, {"t": vals}, noise=model, trajectories=2000)
    assert res.probabilities().shape == (3, 4)
    for b, v in enumerate(vals):
        sites = [(0, _depol(0.2), (0,)), (1, _depol(0.2), (0,)), (1, _depol(0.2), (1,)), (1, _amp_damp(0.3), (0,)), (1, _amp_damp(0.3), (1,)), (2, _depol(0.2), (1,))]
        rho = dense_density_matrix(c, TABLE, {t: v}, channels=sites)
        err = res.probabilities_error()[b] if hasattr(res, "probabilities_error") else None
        close(name, res, res.probabilities()[b], np.real(np.diag(rho)), err)


# -- gradients --------------------------------------------------------------------------
@pytest.mark.parametrize("name", WITH_VJP)
def test_vjp_matches_finite_differences_of_the_reference(name: str) -> None:
    a, b = Parameter("a"), Parameter("b")
    c = Circuit(3).ry(a, 0).cx(0, 1).rx(b, 2).crz(a - b, 2, 1).h(1)
    obs = [Observable.parse("Z0 Z1"), Observable.parse("X1") + 0.5 * Observable.parse("Y2")]
    w = np.array([0.7, -1.3])
    x = np.array([0.4, -0.9])
    plan = get_engine(name).compile(c)
    vals, vjp = plan.vjp(obs, w, {"a": x[0], "b": x[1]})

    def f(v: np.ndarray) -> float:
        psi = dense_states(c, TABLE, {a: v[0], b: v[1]})[0]
        return float(sum(wk * np.real(psi.conj() @ o.to_matrix(3) @ psi) for wk, o in zip(w, obs)))

    h = 1e-6
    fd = [(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(np.ravel(vjp), fd, atol=1e-6)
    assert np.ravel(vals).shape == (2,)


@pytest.mark.parametrize("name", sorted(set(ALL) - set(WITH_VJP)))
def test_engines_without_vjp_say_so(name: str) -> None:
    from qtilab.errors import SimulationError

    plan = get_engine(name).compile(Circuit(1).rx(Parameter("a"), 0))
    with pytest.raises(SimulationError, match="vjp|vector-Jacobian"):
        plan.vjp("Z0", [1.0], {"a": 0.1})
