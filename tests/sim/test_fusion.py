"""Gate fusion and the cache-blocked program executor against references.

Two references: a dense one written here (each gate's full matrix applied with numpy
``tensordot`` on the state reshaped to one axis per qubit -- no qtilab kernel involved), and
the engine's unfused one-gate-at-a-time path (:func:`run_ops`). Small chunk sizes force
programs of many cache-blocked stages on small states, so that the chunk gather/scatter and
the local qubit renumbering are exercised.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from qtilab import Circuit
from qtilab.sim import fusion as F
from qtilab.sim.statevector import compile_gate, prepare_state, run_fused, run_ops, simulate

sys.path.insert(0, str(Path(__file__).parent))
from reference_gates import full_matrix as reference_full_matrix  # noqa: E402


def _haar(k: int, rng: np.random.Generator) -> np.ndarray:
    a = rng.normal(size=(2**k, 2**k)) + 1j * rng.normal(size=(2**k, 2**k))
    q, r = np.linalg.qr(a)
    return q * (np.diag(r) / np.abs(np.diag(r)))


def random_circuit(n: int, n_gates: int, rng: np.random.Generator, batch: int | None = None) -> Circuit:
    """Every structure the engine dispatches on: dense 1q/2q/kq, diagonal, controlled, batched."""
    c = Circuit(n)
    for _ in range(n_gates):
        kind = int(rng.integers(14))
        qs = [int(q) for q in rng.choice(n, size=min(n, 4), replace=False)]
        theta = rng.uniform(-np.pi, np.pi, size=batch) if (batch and rng.random() < 0.5) else float(rng.uniform(-np.pi, np.pi))
        if kind == 0:
            c.h(qs[0])
        elif kind == 1:
            c.rx(theta, qs[0])
        elif kind == 2:
            c.u(float(rng.random()), float(rng.random()), float(rng.random()), qs[0])
        elif kind == 3:
            c.cx(qs[0], qs[1])
        elif kind == 4:
            c.cp(theta, qs[0], qs[1])
        elif kind == 5:
            c.rzz(theta, qs[0], qs[1])
        elif kind == 6:
            c.t(qs[0])
        elif kind == 7:
            c.swap(qs[0], qs[1])
        elif kind == 8 and n >= 3:
            c.ccx(qs[0], qs[1], qs[2])
        elif kind == 9 and n >= 4:
            c.mcx(qs[:3], qs[3])
        elif kind == 10 and n >= 3:
            c.unitary(_haar(3, rng), qs[:3])
        elif kind == 11:
            c.ryy(theta, qs[0], qs[1])
        elif kind == 12 and n >= 3:
            c.controlled("ry", [qs[0], qs[1]], [qs[2]], [theta], ctrl_state=int(rng.integers(4)))
        else:
            c.rz(theta, qs[0])
    return c


def dense_reference(circuit: Circuit, member: int = 0) -> np.ndarray:
    """Apply each gate's full matrix with tensordot; batch parameters taken at ``member``."""
    n = circuit.n_qubits
    psi = np.zeros(2**n, dtype=complex)
    psi[0] = 1.0
    psi = psi.reshape((2,) * n)  # axis a is qubit n - 1 - a
    for g in circuit:
        m = reference_full_matrix(g, None, member)  # hand-written matrices (reference_gates.py)
        qs = list(g.qubits)  # controls first; qubits[0] is the matrix index's lowest bit
        k = len(qs)
        t = m.reshape((2,) * (2 * k))  # row axes then column axes, each highest bit first
        axes = [n - 1 - q for q in reversed(qs)]
        psi = np.tensordot(t, psi, axes=(list(range(k, 2 * k)), axes))
        # the gate's output axes are now first (highest gate bit first); move them back
        psi = np.moveaxis(psi, list(range(k)), axes)
    return psi.reshape(-1)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("max_qubits", [1, 2, 3, 5])
def test_fused_matches_dense_reference(seed: int, max_qubits: int) -> None:
    rng = np.random.default_rng(100 * seed + max_qubits)
    n = int(rng.integers(3, 8))
    c = random_circuit(n, 40, rng)
    ref = dense_reference(c)
    ops = [compile_gate(g, None, np.complex128) for g in c]
    for use_cost in (False, True):
        for chunk in (3, 15):
            st = prepare_state(n, 1, np.complex128, None, None)
            prog = F.plan(F.fuse(ops, max_qubits=max_qubits, use_cost=use_cost), n, 1, np.complex128,
                          chunk_qubits=chunk, low_qubits=1)
            F.execute(st, prog)
            np.testing.assert_allclose(st[0], ref, atol=1e-10, err_msg=f"k={max_qubits} chunk={chunk} cost={use_cost}")


@pytest.mark.parametrize("seed", range(4))
def test_fused_matches_unfused_path_many_stages(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 10
    c = random_circuit(n, 120, rng)
    ops = [compile_gate(g, None, np.complex128) for g in c]
    a = prepare_state(n, 1, np.complex128, None, None)
    run_ops(a, ops)
    for k in (2, 4):
        b = prepare_state(n, 1, np.complex128, None, None)
        prog = run_fused(b, ops, max_qubits=k, chunk_qubits=6)
        assert prog.passes > 1  # really cache-blocked
        np.testing.assert_allclose(b, a, atol=1e-10)


@pytest.mark.parametrize("batch", [3, 9])
def test_batched_parameters_per_member(batch: int) -> None:
    rng = np.random.default_rng(batch)
    n = 6
    c = random_circuit(n, 50, rng, batch=batch)
    assert c.batch_size == batch
    res = simulate(c)
    for b in range(batch):
        np.testing.assert_allclose(res.statevector[b], dense_reference(c, b), atol=1e-10)
    # and with several stages
    ops = [compile_gate(g, None, np.complex128) for g in c]
    st = prepare_state(n, batch, np.complex128, None, None)
    run_fused(st, ops, chunk_qubits=3)
    np.testing.assert_allclose(st, res.statevector, atol=1e-10)


def test_complex64() -> None:
    rng = np.random.default_rng(5)
    c = random_circuit(7, 60, rng)
    res = simulate(c, dtype=np.complex64)
    assert res.statevector.dtype == np.complex64
    np.testing.assert_allclose(res.statevector, dense_reference(c), atol=2e-5)


def test_initial_state_is_respected() -> None:
    rng = np.random.default_rng(9)
    n = 5
    psi = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    psi /= np.linalg.norm(psi)
    c = random_circuit(n, 30, rng)
    u = np.stack([dense_reference_unitary_column(c, i) for i in range(2**n)], axis=1)
    np.testing.assert_allclose(simulate(c, initial_state=psi).statevector, u @ psi, atol=1e-10)


def dense_reference_unitary_column(c: Circuit, i: int) -> np.ndarray:
    prep = Circuit(c.n_qubits)
    for q in range(c.n_qubits):
        if (i >> q) & 1:
            prep.x(q)
    return dense_reference(prep + c)


def test_diagonal_runs_stay_diagonal_and_blocks_respect_k() -> None:
    c = Circuit(8)
    for q in range(7):
        c.cp(0.1 * (q + 1), q, q + 1)
        c.rz(0.3, q)
        c.t(q + 1)
    ops = [compile_gate(g, None, np.complex128) for g in c]
    fused = F.fuse(ops, max_qubits=2, max_diag_qubits=8)
    assert len(fused) == 1 and fused[0].diagonal and fused[0].n_gates == len(c)
    rng = np.random.default_rng(3)
    c2 = random_circuit(8, 80, rng)
    ops2 = [compile_gate(g, None, np.complex128) for g in c2]
    for k in (2, 3, 4, 5):
        fused2 = F.fuse(ops2, max_qubits=k)
        # a block of several gates never exceeds k qubits (a single larger gate stays as it is)
        assert all(len(f.qubits) <= k for f in fused2 if not f.diagonal and f.n_gates > 1)
        assert any(len(f.qubits) == k for f in fused2 if not f.diagonal and f.n_gates > 1)
        assert sum(f.n_gates for f in fused2) == len(c2)


def test_one_compiled_call_per_circuit(monkeypatch: pytest.MonkeyPatch) -> None:
    """simulate() runs the whole circuit in one run_program call, no per-gate kernel calls."""
    from qtilab.sim import kernels as K

    calls = []
    real = K.run_program

    def spy(*args: object) -> object:
        calls.append(1)
        return real(*args)

    def forbidden(*args: object) -> None:
        raise AssertionError("per-gate kernel called")

    monkeypatch.setattr(K, "run_program", spy)
    for name in ("apply_1q", "apply_2q", "apply_kq", "apply_diag"):
        monkeypatch.setattr(K, name, forbidden)
    c = random_circuit(12, 200, np.random.default_rng(1))
    simulate(c)
    assert len(calls) == 1
