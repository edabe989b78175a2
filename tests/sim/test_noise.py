"""Noise channels, noise models, readout errors and bad input.

Every channel is checked against a map written out here (a closed form or an explicit Kraus
sum on a dense matrix), both directly and through the density-matrix engine, and the
trajectory engine against the density-matrix engine within its statistical error.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qtilab import Circuit, simulate
from qtilab.errors import ConfigError, SimulationError
from qtilab.sim.noise import (
    NoiseModel,
    ReadoutError,
    amplitude_damping,
    depolarizing,
    kraus_channel,
    pauli_channel,
    phase_damping,
    readout_error,
    thermal_relaxation,
)
from qtilab.testing import dense_states
from qtilab.testing.strategies import TABLE

X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1.0 + 0j, -1.0])
I2 = np.eye(2)


def random_rho(rng: np.random.Generator, d: int) -> np.ndarray:
    a = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
    r = a @ a.conj().T
    return r / np.trace(r)


def kraus_sum(ks: list[np.ndarray], rho: np.ndarray) -> np.ndarray:
    return sum(k @ rho @ k.conj().T for k in ks)  # type: ignore[return-value]


# expected maps, written independently of qtilab.sim.noise
def depol1(p: float):  # type: ignore[no-untyped-def]
    return lambda r: (1 - p) * r + p * np.trace(r) * I2 / 2


def depol2(p: float):  # type: ignore[no-untyped-def]
    return lambda r: (1 - p) * r + p * np.trace(r) * np.eye(4) / 4


def amp(g: float):  # type: ignore[no-untyped-def]
    return lambda r: kraus_sum([np.array([[1, 0], [0, np.sqrt(1 - g)]]), np.array([[0, np.sqrt(g)], [0, 0]])], r)


def dephase(lam: float):  # type: ignore[no-untyped-def]
    return lambda r: np.array([[r[0, 0], r[0, 1] * np.sqrt(1 - lam)], [r[1, 0] * np.sqrt(1 - lam), r[1, 1]]])


def thermal(t1: float, t2: float, t: float):  # type: ignore[no-untyped-def]
    # closed form: populations relax to |0> at rate 1/T1, coherences decay at rate 1/T2
    def f(r: np.ndarray) -> np.ndarray:
        e1, e2 = np.exp(-t / t1), np.exp(-t / t2)
        return np.array([[r[0, 0] + (1 - e1) * r[1, 1], r[0, 1] * e2], [r[1, 0] * e2, r[1, 1] * e1]])

    return f


def pauli1(px: float, py: float, pz: float):  # type: ignore[no-untyped-def]
    return lambda r: (1 - px - py - pz) * r + px * X @ r @ X + py * Y @ r @ Y + pz * Z @ r @ Z


RNG = np.random.default_rng(2024)
RANDOM_KRAUS = (lambda q: [q[:2], q[2:4], q[4:]])(np.linalg.qr(RNG.normal(size=(6, 2)) + 1j * RNG.normal(size=(6, 2)))[0])

CASES = [
    ("depolarizing", depolarizing(0.3), depol1(0.3)),
    ("depolarizing-max", depolarizing(4 / 3), depol1(4 / 3)),
    ("depolarizing2", depolarizing(0.25, 2), depol2(0.25)),
    ("amplitude_damping", amplitude_damping(0.35), amp(0.35)),
    ("phase_damping", phase_damping(0.6), dephase(0.6)),
    ("thermal_T2<T1", thermal_relaxation(50.0, 30.0, 12.0), thermal(50.0, 30.0, 12.0)),
    ("thermal_T2>T1", thermal_relaxation(20.0, 35.0, 9.0), thermal(20.0, 35.0, 9.0)),
    ("pauli", pauli_channel(px=0.1, py=0.05, pz=0.2), pauli1(0.1, 0.05, 0.2)),
    ("kraus", kraus_channel(RANDOM_KRAUS), lambda r: kraus_sum(RANDOM_KRAUS, r)),
]


@pytest.mark.parametrize("name,channel,expected", CASES, ids=[c[0] for c in CASES])
def test_channel_kraus_operators_match_the_written_map(name: str, channel, expected) -> None:  # type: ignore[no-untyped-def]
    d = 2**channel.num_qubits
    rho = random_rho(np.random.default_rng(1), d)
    np.testing.assert_allclose(kraus_sum(channel.kraus(), rho), expected(rho), atol=1e-12)
    mix = channel.mixture()
    if mix is not None:
        probs, us = mix
        assert abs(probs.sum() - 1) < 1e-12 and np.all(probs >= 0)
        np.testing.assert_allclose(sum(p * u @ rho @ u.conj().T for p, u in zip(probs, us)), expected(rho), atol=1e-12)


@pytest.mark.parametrize("name,channel,expected", CASES, ids=[c[0] for c in CASES])
def test_channel_through_the_density_matrix_engine(name: str, channel, expected) -> None:  # type: ignore[no-untyped-def]
    k = channel.num_qubits
    n = 3
    qubits = [2, 0][:k]  # a non-trivial placement: the channel's qubit 0 is circuit qubit 2
    rng = np.random.default_rng(5)
    c = Circuit(n)
    for q in range(n):
        c.u(*rng.uniform(-3, 3, 3), q)
    c.cx(0, 1)
    c.unitary(np.eye(2**k), qubits) if k > 1 else c.id(qubits[0])
    model = NoiseModel().add(channel, gates=["unitary", "id"])
    res = simulate(c, noise=model, method="density_matrix")
    psi = dense_states(c, TABLE)[0]
    rho = np.outer(psi, psi.conj())
    # expected: the written map applied to each |a><b| block of the channel's qubits
    full = _apply_local_map(expected, rho, qubits, n)
    np.testing.assert_allclose(res.density_matrix, full, atol=1e-12)


def _apply_local_map(f, rho: np.ndarray, qubits: list[int], n: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Apply a linear map f on the qubits `qubits` by acting on every |a><b| of those qubits:
    rho = sum_{ab} |a><b| (x) R_ab, so the result is sum_{ab} f(|a><b|) (x) R_ab."""
    k = len(qubits)
    d = 2**k
    dim = 2**n
    out = np.zeros_like(rho)
    for i in range(dim):
        for j in range(dim):
            if rho[i, j] == 0:
                continue
            a = sum(((i >> q) & 1) << t for t, q in enumerate(qubits))
            b = sum(((j >> q) & 1) << t for t, q in enumerate(qubits))
            e = np.zeros((d, d))
            e[a, b] = 1
            fe = f(e)
            for a2 in range(d):
                for b2 in range(d):
                    if fe[a2, b2] == 0:
                        continue
                    i2 = i
                    j2 = j
                    for t, q in enumerate(qubits):
                        i2 = (i2 & ~(1 << q)) | (((a2 >> t) & 1) << q)
                        j2 = (j2 & ~(1 << q)) | (((b2 >> t) & 1) << q)
                    out[i2, j2] += fe[a2, b2] * rho[i, j]
    return out


@pytest.mark.parametrize("name,channel,expected", [c for c in CASES if c[0] in ("depolarizing", "amplitude_damping", "thermal_T2>T1", "kraus", "depolarizing2")], ids=lambda v: v if isinstance(v, str) else "")
def test_trajectories_agree_with_density_matrix_within_statistical_error(name: str, channel, expected) -> None:  # type: ignore[no-untyped-def]
    c = Circuit(3).h(0).cx(0, 1).ry(0.8, 2).cx(1, 2).rx(0.5, 0)
    gates = ["cx"] if channel.num_qubits == 2 else None
    model = NoiseModel().add(channel, gates=gates)
    dm = simulate(c, noise=model, method="density_matrix")
    tr = simulate(c, noise=model, method="trajectories", n_trajectories=1500, seed=11)
    for obs in ("Z0", "Z1 Z2", "X0 X1", "Y2"):
        assert abs(tr.expectation(obs) - dm.expectation(obs)) <= 5 * tr.expectation_error(obs) + 1e-9, obs
    assert np.all(np.abs(tr.probabilities() - dm.probabilities()) <= 5 * tr.probabilities_error() + 1e-3)


def test_noise_off_equals_the_state_vector() -> None:
    rng = np.random.default_rng(3)
    c = Circuit(4)
    for q in range(4):
        c.u(*rng.uniform(-3, 3, 3), q)
    c.cx(0, 3).crz(0.4, 1, 2).swap(0, 2).rzz(0.3, 1, 3)
    sv = simulate(c)
    dm = simulate(c, noise=NoiseModel(), method="density_matrix")
    np.testing.assert_allclose(dm.density_matrix, np.outer(sv.statevector, sv.statevector.conj()), atol=1e-14, rtol=0)
    tr = simulate(c, noise=NoiseModel(), method="trajectories", n_trajectories=50, seed=1)
    assert tr.n_trajectories == 1  # no channel: one trajectory is the exact answer
    assert np.array_equal(tr.states[0], sv.statevector)  # the same program, bit for bit
    assert tr.expectation_error("Z0") == 0.0
    # noise=None with the default method is the state-vector engine itself
    assert type(simulate(c)).__name__ == "Result"


def test_default_method_with_noise_is_the_density_matrix() -> None:
    res = simulate(Circuit(1).x(0), noise=NoiseModel().add(amplitude_damping(0.25)))
    np.testing.assert_allclose(res.probabilities(), [0.25, 0.75], atol=1e-14)
    with pytest.raises(SimulationError, match="does not simulate noise"):
        simulate(Circuit(1).x(0), noise=NoiseModel().add(amplitude_damping(0.25)), method="statevector")
    with pytest.raises(SimulationError, match="unknown simulation method"):
        simulate(Circuit(1), method="tensor_network")


def test_noise_rules_attach_by_name_and_qubits() -> None:
    c = Circuit(3).h(0).cx(0, 1).cx(1, 2).x(2)
    m = NoiseModel().add(depolarizing(0.1), gates=["h"]).add(depolarizing(0.2, 2), gates="cx", qubits=[2, 1]).add(amplitude_damping(0.1), gates=["cx"])
    sites = [(s.index, s.channel.name, s.qubits) for s in m.sites(c)]
    assert sites == [
        (0, "depolarizing", (0,)),
        (1, "amplitude_damping", (0,)), (1, "amplitude_damping", (1,)),
        (2, "depolarizing", (1, 2)), (2, "amplitude_damping", (1,)), (2, "amplitude_damping", (2,)),
    ]


# -- readout ----------------------------------------------------------------------------
def test_readout_error_per_qubit_matches_the_kronecker_confusion() -> None:
    c = Circuit(2).ry(1.1, 0).cx(0, 1).ry(0.4, 1)
    a0 = np.array([[0.9, 0.1], [0.2, 0.8]])
    a1 = np.array([[0.97, 0.03], [0.05, 0.95]])
    m = NoiseModel().add_readout(ReadoutError(a0), [0]).add_readout(ReadoutError(a1), [1])
    res = simulate(c, noise=m)
    p = np.abs(dense_states(c, TABLE)[0]) ** 2
    # A[true, reported] over index b0 + 2 b1 is kron(A1, A0); reported = p @ A
    want = p @ np.kron(a1, a0)
    np.testing.assert_allclose(res.readout_probabilities(), want, atol=1e-12)
    np.testing.assert_allclose(res.probabilities(), p, atol=1e-12)  # the state is unaffected
    np.testing.assert_allclose(res.readout_probabilities([1]), want.reshape(2, 2).sum(axis=1), atol=1e-12)
    s = res.sample(100_000, seed=3)
    freq = np.bincount(s.indices, minlength=4) / 100_000
    assert np.all(np.abs(freq - want) < 5 * np.sqrt(want * (1 - want) / 100_000))


def test_correlated_readout_error() -> None:
    rng = np.random.default_rng(4)
    a = rng.uniform(0.01, 1, size=(4, 4))
    a /= a.sum(axis=1, keepdims=True)
    c = Circuit(3).h(0).cx(0, 2).ry(0.3, 1)
    m = NoiseModel().add_readout(ReadoutError(a), [2, 0])  # qubit 2 is the low bit of A's index
    res = simulate(c, noise=m, method="trajectories", n_trajectories=10, seed=1)
    p = np.abs(dense_states(c, TABLE)[0]) ** 2
    want = np.zeros(8)
    for i in range(8):
        t = ((i >> 2) & 1) | ((i & 1) << 1)  # true index over (2, 0)
        for r in range(4):
            j = (i & 0b010) | (r & 1) << 2 | ((r >> 1) & 1)
            want[j] += p[i] * a[t, r]
    np.testing.assert_allclose(res.readout_probabilities(), want, atol=1e-12)


# -- device descriptions ----------------------------------------------------------------
DEVICE = """
name = "toy-3"
error_2q = 0.02
[gate_times]
"1q" = 0.05
"2q" = 0.4
[[qubits]]
t1 = 100.0
t2 = 80.0
error_1q = 0.001
readout = [0.02, 0.05]
[[qubits]]
t1 = 60.0
t2 = 100.0
readout = 0.03
[[qubits]]
t1 = 90.0
t2 = 90.0
"""


def test_device_model_from_toml(tmp_path: Path) -> None:
    f = tmp_path / "dev.toml"
    f.write_text(DEVICE)
    m = NoiseModel.from_device(f)
    c = Circuit(3).h(0).cx(0, 1)
    sites = [(s.index, s.channel.name, s.channel.params, s.qubits) for s in m.sites(c)]
    assert (0, "depolarizing", (0.001, 1.0), (0,)) in sites
    assert (0, "thermal_relaxation", (100.0, 80.0, 0.05), (0,)) in sites
    assert (1, "depolarizing", (0.02, 2.0), (0, 1)) in sites
    assert (1, "thermal_relaxation", (60.0, 100.0, 0.4), (1,)) in sites
    assert len(sites) == 5
    ro = dict(m.readout_for([0, 1, 2]))
    np.testing.assert_allclose(ro[(0,)], [[0.98, 0.02], [0.05, 0.95]])
    np.testing.assert_allclose(ro[(1,)], [[0.97, 0.03], [0.03, 0.97]])
    assert (2,) not in ro
    g = tmp_path / "dev.json"
    import json

    import tomllib

    g.write_text(json.dumps(tomllib.loads(DEVICE)))
    assert len(NoiseModel.from_device(g).sites(c)) == 5


# -- bad input --------------------------------------------------------------------------
def test_bad_channels_name_the_value() -> None:
    with pytest.raises(ConfigError, match="not trace preserving.*1.21"):
        kraus_channel([1.1 * np.eye(2)])
    with pytest.raises(ConfigError, match=r"\[0, 1\], got 1.5"):
        amplitude_damping(1.5)
    with pytest.raises(ConfigError, match="got -0.1"):
        phase_damping(-0.1)
    with pytest.raises(ConfigError, match="1.4"):
        depolarizing(1.4)
    with pytest.raises(ConfigError, match="T2 = 250.*2 T1 = 200"):
        thermal_relaxation(100, 250, 1)
    with pytest.raises(ConfigError, match="sum to 1.2"):
        pauli_channel(px=0.6, pz=0.6)
    with pytest.raises(ConfigError, match="got 1.2"):
        readout_error(1.2)
    with pytest.raises(ConfigError, match="row sums"):
        ReadoutError(np.array([[0.9, 0.2], [0.1, 0.9]]))
    with pytest.raises(ConfigError, match="T2 = 300 > 2 T1 = 200"):
        NoiseModel.from_device({"qubits": [{"t1": 100, "t2": 300}]})
    with pytest.raises(ConfigError, match="unknown key"):
        NoiseModel.from_device({"qubits": [{"t1": 100, "T2": 30}]})


def test_noise_on_a_qubit_the_circuit_does_not_have() -> None:
    m = NoiseModel().add(depolarizing(0.1), gates=["x"], qubits=[5])
    with pytest.raises(ConfigError, match="qubit 5.*3 qubits"):
        simulate(Circuit(3).x(0), noise=m)
    m2 = NoiseModel().add_readout(readout_error(0.1), [4])
    with pytest.raises(ConfigError, match="qubit 4"):
        simulate(Circuit(2).x(0), noise=m2, method="trajectories")
    dev = NoiseModel.from_device({"qubits": [{"t1": 1.0, "t2": 1.0}] * 2})
    with pytest.raises(ConfigError, match="3 qubits.*describes 2"):
        simulate(Circuit(3).x(0), noise=dev)


def test_density_matrix_too_big_for_memory() -> None:
    with pytest.raises(SimulationError, match=r"14-qubit density matrix .* needs 4.00 GiB.*trajectories"):
        simulate(Circuit(14).h(0), noise=NoiseModel().add(depolarizing(0.1)), max_memory=1 << 30)
    with pytest.raises(SimulationError, match="trajectories of 20 qubits need"):
        simulate(Circuit(20).h(0), noise=NoiseModel().add(depolarizing(0.1)), method="trajectories", n_trajectories=1000, max_memory=1 << 30)
    with pytest.raises(SimulationError, match="n_trajectories"):
        simulate(Circuit(1).h(0), noise=NoiseModel().add(depolarizing(0.1)), method="trajectories", n_trajectories=0)
