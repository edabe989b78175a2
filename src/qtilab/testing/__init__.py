"""A deliberately simple, numpy-only dense reference simulator and assertion helpers.

It never imports :mod:`qtilab.sim`: tests compare the engine against it. The full unitary of
each gate is built with ``np.kron`` over all qubits (qubit q is bit q of the index, so the
kron order puts the highest qubit leftmost), which is slow and obviously right.

Gate matrices come from a table passed by the caller (a test writes its own), falling back
to :mod:`qtilab.core.gates` only when no table is given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from qtilab.core.circuit import Circuit, Gate, resolve

MatrixTable = Mapping[str, Callable[..., np.ndarray]]

_P0 = np.array([[1, 0], [0, 0]], dtype=complex)
_P1 = np.array([[0, 0], [0, 1]], dtype=complex)


def kron_all(factors_high_to_low: list[np.ndarray]) -> np.ndarray:
    out = np.ones((1, 1), dtype=complex)
    for f in factors_high_to_low:
        out = np.kron(out, f)
    return out


def embed_1q(m: np.ndarray, q: int, n: int) -> np.ndarray:
    """The 2**n x 2**n operator that applies ``m`` to qubit ``q``."""
    return kron_all([m if k == q else np.eye(2) for k in reversed(range(n))])


def embed(m: np.ndarray, qubits: list[int], n: int) -> np.ndarray:
    """Apply a 2**k x 2**k matrix (qubits[0] = lowest index bit) to ``qubits`` of n.

    Built as a sum over matrix elements of tensor products of |a><b| on each qubit, so it needs
    no permutation logic that could share a bug with the engine.
    """
    k = len(qubits)
    dim = 2**n
    out = np.zeros((dim, dim), dtype=complex)
    for r in range(2**k):
        for c in range(2**k):
            if m[r, c] == 0:
                continue
            factors = []
            for q in reversed(range(n)):
                if q in qubits:
                    t = qubits.index(q)
                    rb, cb = (r >> t) & 1, (c >> t) & 1
                    e = np.zeros((2, 2), dtype=complex)
                    e[rb, cb] = 1
                    factors.append(e)
                else:
                    factors.append(np.eye(2, dtype=complex))
            out += m[r, c] * kron_all(factors)
    return out


def controlled(base: np.ndarray, n_ctrl: int, ctrl_state: int | None = None) -> np.ndarray:
    """Matrix on (controls..., targets...) with controls as the low bits: base where the
    controls read ``ctrl_state`` (all ones by default), identity elsewhere."""
    dt = base.shape[0]
    dc = 2**n_ctrl
    cs = dc - 1 if ctrl_state is None else ctrl_state
    out = np.eye(dc * dt, dtype=complex)
    idx = [cs + (t << n_ctrl) for t in range(dt)]
    for i, r in enumerate(idx):
        for j, c in enumerate(idx):
            out[r, c] = base[i, j]
    return out


def gate_unitary(g: Gate, n: int, table: MatrixTable | None = None, values: Mapping[Any, Any] | None = None, b: int = 0) -> np.ndarray:
    """Full 2**n unitary of one gate for batch member ``b``."""
    if g.name == "unitary":
        base = np.asarray(g.matrix)
    else:
        ps = [resolve(p, values) for p in g.params]
        ps = [p[b] if np.ndim(p) else p for p in ps]
        if table is not None:
            base = np.asarray(table[g.name](*ps), dtype=complex)
        else:
            from qtilab.core.gates import LIBRARY

            base = np.asarray(LIBRARY[g.name].matrix(*ps), dtype=complex)
    full = controlled(base, g.ctrl, g.ctrl_state) if g.ctrl else base
    return embed(full, list(g.qubits), n)


def dense_unitary(circuit: Circuit, table: MatrixTable | None = None, values: Mapping[Any, Any] | None = None, b: int = 0) -> np.ndarray:
    """Product of the full gate unitaries (barriers and terminal measurements ignored)."""
    n = circuit.n_qubits
    u = np.eye(2**n, dtype=complex)
    for g in circuit:
        if g.name in ("barrier", "measure"):
            continue
        if g.name == "reset":
            raise ValueError("reset has no unitary")
        u = gate_unitary(g, n, table, values, b) @ u
    return u


def dense_states(circuit: Circuit, table: MatrixTable | None = None, values: Mapping[Any, Any] | None = None) -> np.ndarray:
    """Final states from |0...0>, shape (B, 2**n) (B = 1 without batch parameters)."""
    batch = circuit.batch_size or 1
    if values:
        for v in values.values():
            if np.ndim(v) == 1:
                batch = len(v)
    return np.stack([dense_unitary(circuit, table, values, b)[:, 0] for b in range(batch)])


def assert_states_close(actual: np.ndarray, expected: np.ndarray, atol: float = 1e-10, up_to_phase: bool = False) -> None:
    """Assert two state batches agree entrywise (optionally up to a global phase per row)."""
    a = np.atleast_2d(actual)
    e = np.atleast_2d(expected)
    if a.shape != e.shape:
        raise AssertionError(f"shapes differ: {a.shape} vs {e.shape}")
    if up_to_phase:
        for i in range(a.shape[0]):
            k = int(np.argmax(np.abs(e[i])))
            if abs(a[i, k]) > 0:
                a = a.copy()
                a[i] *= (e[i, k] / a[i, k]) / abs(e[i, k] / a[i, k])
    err = float(np.max(np.abs(a - e)))
    if err > atol:
        raise AssertionError(f"states differ by {err:.3g} > {atol:.1g}")


def __getattr__(name: str) -> Any:
    # the density-matrix reference lives in its own module (qtilab.testing.density)
    if name in ("apply_kraus", "dense_density_matrix", "dense_expectation"):
        from qtilab.testing import density

        return getattr(density, name)
    raise AttributeError(f"module 'qtilab.testing' has no attribute {name!r}")


__all__ = [
    "apply_kraus",
    "dense_density_matrix",
    "dense_expectation",
    "assert_states_close",
    "controlled",
    "dense_states",
    "dense_unitary",
    "embed",
    "embed_1q",
    "gate_unitary",
    "kron_all",
]
