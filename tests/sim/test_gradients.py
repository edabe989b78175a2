"""Adjoint, parameter-shift and finite-difference gradients.

References: central finite differences of expectation values computed with a dense
Kronecker-product simulator written here (numpy only, with the hand-written matrices of
``tests/sim/reference_gates.py``), and closed forms.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from qtilab import Circuit, Observable, Parameter
from qtilab.errors import CircuitError, SimulationError
from qtilab.sim.gradients import (
    adjoint_jacobian,
    adjoint_vjp,
    expectation_values,
    finite_difference_jacobian,
    jacobian,
    parameter_shift_jacobian,
)

sys.path.insert(0, str(Path(__file__).parent))
from reference_gates import full_matrix as reference_full_matrix  # noqa: E402

# ---------------------------------------------------------------------------------------
# dense reference
# ---------------------------------------------------------------------------------------


def _apply_dense(state: np.ndarray, M: np.ndarray, qubits: tuple[int, ...]) -> np.ndarray:
    n = int(np.log2(state.shape[0]))
    k = len(qubits)
    t = state.reshape((2,) * n)
    m = M.reshape((2,) * (2 * k))
    axes = [n - 1 - qubits[k - 1 - s] for s in range(k)]
    out = np.tensordot(m, t, axes=(list(range(k, 2 * k)), axes))
    return np.moveaxis(out, list(range(k)), axes).reshape(-1)


def _dense_expvals(circ: Circuit, values: dict, obs: list[str], batch: int) -> np.ndarray:
    """(K, B) expectation values from explicit matrices, one batch member at a time."""
    n = circ.n_qubits
    mats = [Observable.parse(o).to_matrix(n) for o in obs]
    out = np.zeros((len(obs), batch))
    for b in range(batch):
        vb = {k: (v[b] if np.ndim(v) else v) for k, v in values.items()}
        s = np.zeros(2**n, dtype=complex)
        s[0] = 1
        for g in circ:
            s = _apply_dense(s, reference_full_matrix(g, vb), g.qubits)
        for k, m in enumerate(mats):
            out[k, b] = np.vdot(s, m @ s).real
    return out


def _dense_fd(circ: Circuit, values: dict, obs: list[str], batch: int, h: float = 1e-6) -> np.ndarray:
    names = [p.name for p in circ.parameters]
    jac = np.zeros((len(obs), batch, len(names)))
    for j, name in enumerate(names):
        plus, minus = dict(values), dict(values)
        plus[name] = values[name] + h
        minus[name] = values[name] - h
        jac[:, :, j] = (_dense_expvals(circ, plus, obs, batch) - _dense_expvals(circ, minus, obs, batch)) / (2 * h)
    return jac


# ---------------------------------------------------------------------------------------
# random circuits over every parametric gate of the library
# ---------------------------------------------------------------------------------------

_ONE = ["rx", "ry", "rz", "p"]
_TWO = ["rxx", "ryy", "rzz"]
_CTRL = ["crx", "cry", "crz", "cp"]


def _random_circuit(rng: np.random.Generator, n: int, n_gates: int, params: list[Parameter]) -> Circuit:
    c = Circuit(n)
    for q in range(n):
        c.h(q) if rng.random() < 0.5 else c.sx(q)

    def angle():
        p = params[rng.integers(len(params))]
        r = rng.random()
        if r < 0.5:
            return p
        if r < 0.8:
            return float(rng.normal()) * p + float(rng.normal())
        q = params[rng.integers(len(params))]
        return p - 0.5 * q + 0.25

    for _ in range(n_gates):
        kind = rng.integers(7)
        qs = [int(x) for x in rng.permutation(n)[:3]]
        if kind == 0:
            getattr(c, _ONE[rng.integers(4)])(angle(), qs[0])
        elif kind == 1:
            getattr(c, _TWO[rng.integers(3)])(angle(), qs[0], qs[1])
        elif kind == 2:
            getattr(c, _CTRL[rng.integers(4)])(angle(), qs[0], qs[1])
        elif kind == 3:
            c.u(angle(), angle(), angle(), qs[0])
        elif kind == 4:
            c.controlled("u", [qs[1]], [qs[0]], [angle(), angle(), angle()])
        elif kind == 5:
            base = ["rx", "ry", "rz", "p"][rng.integers(4)]
            c.controlled(base, [qs[1], qs[2]], [qs[0]], [angle()], ctrl_state=int(rng.integers(4)))
        else:
            c.cx(qs[0], qs[1])
    return c


@pytest.mark.parametrize("seed", range(6))
def test_adjoint_and_shift_agree_with_dense_finite_differences(seed):
    rng = np.random.default_rng(seed)
    n = 4
    params = [Parameter(f"t{i}") for i in range(4)]
    circ = _random_circuit(rng, n, 14, params)
    batch = 3
    values = {}
    for i, p in enumerate(params):
        values[p.name] = rng.uniform(-3, 3, size=batch) if i % 2 else float(rng.uniform(-3, 3))
    present = {p.name for p in circ.parameters}
    values = {k: v for k, v in values.items() if k in present}
    obs = ["Z0", "0.5 * X1 Y2 - Z3", "Y0 Y3 + X2"]
    ref = _dense_fd(circ, values, obs, batch)
    ga = adjoint_jacobian(circ, obs, values)
    gp = parameter_shift_jacobian(circ, obs, values)
    gf = finite_difference_jacobian(circ, obs, values)
    assert ga.jacobian.shape == (3, batch, len(circ.parameters))
    np.testing.assert_allclose(ga.jacobian, ref, atol=1e-6)
    np.testing.assert_allclose(gp.jacobian, ref, atol=1e-6)
    np.testing.assert_allclose(gf.jacobian, ref, atol=1e-6)
    np.testing.assert_allclose(ga.values, _dense_expvals(circ, values, obs, batch), atol=1e-12)


def test_closed_form_single_rotation_and_chain_rule():
    t = Parameter("t")
    c = Circuit(1).ry(3 * t - 0.2, 0)
    ts = np.array([0.1, 0.7, -1.3])
    g = adjoint_jacobian(c, "Z0", {"t": ts})
    np.testing.assert_allclose(g.values[0], np.cos(3 * ts - 0.2), atol=1e-14)
    np.testing.assert_allclose(g.jacobian[0, :, 0], -3 * np.sin(3 * ts - 0.2), atol=1e-13)


def test_controlled_rotation_closed_form():
    # H on control, CRX(t): <Z1> = 1/2 + cos(t)/2, derivative -sin(t)/2
    t = Parameter("t")
    c = Circuit(2).h(0).crx(t, 0, 1)
    for method in ("adjoint", "parameter-shift", "finite-difference"):
        g = jacobian(c, "Z1", {"t": 0.9}, method=method)
        assert g.values[0, 0] == pytest.approx(0.5 + np.cos(0.9) / 2, abs=1e-12)
        assert g.jacobian[0, 0, 0] == pytest.approx(-np.sin(0.9) / 2, abs=1e-9)


def test_vjp_equals_contracted_jacobian_and_wrt_subset():
    rng = np.random.default_rng(11)
    params = [Parameter(f"w{i}") for i in range(3)]
    circ = _random_circuit(rng, 3, 10, params)
    names = [p.name for p in circ.parameters]
    values = {nm: rng.uniform(-2, 2, size=4) for nm in names}
    obs = ["Z0", "X1", "Z2 Z0"]
    g = adjoint_jacobian(circ, obs, values)
    w = rng.normal(size=(3, 4))
    vals, vjp = adjoint_vjp(circ, obs, w, values)
    np.testing.assert_allclose(vjp, np.einsum("kb,kbp->bp", w, g.jacobian), atol=1e-12)
    np.testing.assert_allclose(vals, g.values, atol=1e-12)
    sub = adjoint_jacobian(circ, obs, values, wrt=[names[-1]])
    np.testing.assert_allclose(sub.jacobian[..., 0], g.jacobian[..., -1], atol=1e-12)
    np.testing.assert_allclose(expectation_values(circ, obs, values), g.values, atol=1e-12)


def test_complex64_is_close():
    rng = np.random.default_rng(2)
    params = [Parameter("a"), Parameter("b")]
    circ = _random_circuit(rng, 3, 8, params)
    values = {p.name: 0.4 for p in circ.parameters}
    g64 = adjoint_jacobian(circ, "Z0 + X1", values, dtype=np.complex64)
    g128 = adjoint_jacobian(circ, "Z0 + X1", values)
    np.testing.assert_allclose(g64.jacobian, g128.jacobian, atol=1e-4)


def test_large_batch_path_matches_small_batch():
    # B >= 8 parallelises over the batch: same numbers as one member at a time
    rng = np.random.default_rng(3)
    params = [Parameter("a"), Parameter("b")]
    circ = _random_circuit(rng, 4, 12, params)
    names = [p.name for p in circ.parameters]
    vals = {nm: rng.uniform(-2, 2, size=10) for nm in names}
    g = adjoint_jacobian(circ, "Z1 X2", vals)
    for b in (0, 9):
        gb = adjoint_jacobian(circ, "Z1 X2", {k: v[b] for k, v in vals.items()})
        np.testing.assert_allclose(g.jacobian[0, b], gb.jacobian[0, 0], atol=1e-12)


def test_errors_are_typed():
    t = Parameter("t")
    c = Circuit(2).rx(t, 0)
    with pytest.raises(CircuitError, match="unbound"):
        adjoint_jacobian(c, "Z0")
    with pytest.raises(SimulationError, match="beyond"):
        adjoint_jacobian(c, "Z5", {"t": 0.1})
    with pytest.raises(CircuitError, match="no parameter"):
        adjoint_jacobian(c, "Z0", {"t": 0.1}, wrt=["s"])
    with pytest.raises(SimulationError, match="method"):
        jacobian(c, "Z0", {"t": 0.1}, method="magic")
    m = Circuit(2, 1).rx(t, 0)
    m.measure(0, 0)
    with pytest.raises(SimulationError, match="measure"):
        adjoint_jacobian(m, "Z0", {"t": 0.1})
    with pytest.raises(SimulationError, match="cotangent"):
        adjoint_vjp(c, "Z0", np.ones((1, 3)), {"t": 0.1})


@pytest.mark.parametrize("batch", [1, 9])
def test_paired_single_qubit_gates_hardware_efficient(batch):
    # RY then RZ on each qubit: the backward sweep treats each pair in one pass
    rng = np.random.default_rng(5)
    n, layers = 4, 2
    ps = [Parameter(f"w{i}") for i in range(2 * n * layers)]
    c = Circuit(n)
    k = 0
    for _ in range(layers):
        for q in range(n):
            c.ry(ps[k], q).rz(0.5 * ps[k + 1] - 0.1, q)
            k += 2
        for q in range(n - 1):
            c.cx(q, q + 1)
    values = {p.name: (rng.uniform(-3, 3, size=batch) if i % 3 == 0 else float(rng.uniform(-3, 3))) for i, p in enumerate(ps)}
    obs = ["Z0", "X2 Y3"]
    g = adjoint_jacobian(c, obs, values)
    np.testing.assert_allclose(g.jacobian, _dense_fd(c, values, obs, batch), atol=1e-6)


def test_cache_blocked_rotation_layers_on_a_large_state():
    # 16 qubits > the 14-bit cache block: pairs on qubits 0-13 go through one blocked pass,
    # qubits 14-15 one pass each; checked against the parameter-shift rule (forward runs only)
    n = 16
    ps = [Parameter(f"w{i}") for i in range(4 * n)]
    c = Circuit(n)
    for layer in range(2):
        for q in range(n):
            c.ry(ps[2 * n * layer + 2 * q], q).rz(ps[2 * n * layer + 2 * q + 1], q)
        for q in range(n - 1):
            c.cx(q, q + 1)
    theta = list(np.random.default_rng(4).uniform(-3, 3, len(ps)))
    # one observable: one backward vector, the blocked path; two: pair by pair
    for obs in (["Z0 + 0.5 * X15 Z3"], ["Z0", "X15 Z3"]):
        ga = adjoint_jacobian(c, obs, theta)
        gp = parameter_shift_jacobian(c, obs, theta)
        np.testing.assert_allclose(ga.jacobian, gp.jacobian, atol=1e-10)
