"""Shared pieces of the algorithm library: errors, controlled circuits, Hamiltonian handling.

Qubit order everywhere: qubit ``q`` is bit ``q`` of the basis-state index.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from qtilab.core.circuit import Circuit, Gate
from qtilab.core.observables import Observable
from qtilab.errors import QtilabError


class AlgorithmError(QtilabError, ValueError):
    """An algorithm got input it cannot work with (the message says what to change)."""


class NotHermitianError(AlgorithmError):
    """A "Hamiltonian" or linear-system matrix is not Hermitian."""


class OracleError(AlgorithmError):
    """An oracle is malformed, marks no state, or breaks an algorithm's promise."""


class GraphError(AlgorithmError):
    """A graph has self-loops, negative or non-finite weights, or too many nodes."""


class FactoringError(AlgorithmError):
    """Shor's algorithm got a number it cannot factor (prime, even, a prime power, < 15...)."""


def check_int(value: Any, name: str, lo: int, hi: int | None = None) -> int:
    """``value`` as an int in [lo, hi], else :class:`AlgorithmError`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise AlgorithmError(f"{name} must be an integer, got {value!r}")
    v = int(value)
    if v < lo or (hi is not None and v > hi):
        rng = f">= {lo}" if hi is None else f"in [{lo}, {hi}]"
        raise AlgorithmError(f"{name} must be {rng}, got {v}")
    return v


def rng_of(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


# ---------------------------------------------------------------------------------------------
# controlled circuits (the engine has controlled gates; this adds one control to every gate)
# ---------------------------------------------------------------------------------------------
def controlled_gate(g: Gate, control: int, *, ctrl_value: int = 1) -> Gate:
    """``g`` with one more control (placed first). ``ctrl_value`` is the value it must read."""
    if not g.is_unitary:
        raise AlgorithmError(f"cannot control the non-unitary instruction {g.name}")
    if control in g.qubits:
        raise AlgorithmError(f"control qubit {control} is already used by {g.display_name}")
    old = g.ctrl_state if g.ctrl_state is not None else (1 << g.ctrl) - 1
    state: int | None = (old << 1) | (ctrl_value & 1)
    if g.ctrl_state is None and ctrl_value == 1:
        state = None
    return g.replace(qubits=(control, *g.qubits), ctrl=g.ctrl + 1, ctrl_state=state)


def append_controlled(
    target: Circuit, block: Circuit, control: int, qubits: Sequence[int] | None = None, power: int = 1
) -> Circuit:
    """Append ``block`` (placed on ``qubits``), controlled by ``control``, ``power`` times.

    A global phase of ``block`` is not represented by its gates; callers that need one (phase
    estimation of ``-U``) add it on the control qubit themselves.
    """
    qmap = list(range(block.n_qubits)) if qubits is None else list(qubits)
    if len(qmap) != block.n_qubits:
        raise AlgorithmError(f"give {block.n_qubits} qubits for the block, got {len(qmap)}")
    mapped = [g.replace(qubits=tuple(qmap[q] for q in g.qubits)) for g in block if g.name != "barrier"]
    ctrl = [controlled_gate(g, control) for g in mapped]
    for _ in range(power):
        for g in ctrl:
            target.append(g)
    return target


def append_controlled_unitary(target: Circuit, matrix: np.ndarray, control: int, qubits: Sequence[int], label: str | None = None) -> Circuit:
    """Append a dense unitary on ``qubits`` (``qubits[0]`` the lowest matrix bit), controlled by ``control``."""
    m = np.array(matrix, dtype=complex)
    d = 2 ** len(qubits)
    if m.shape != (d, d):
        raise AlgorithmError(f"unitary has shape {m.shape}, expected ({d}, {d}) for {len(qubits)} qubits")
    if not np.allclose(m.conj().T @ m, np.eye(d), atol=1e-9):
        raise AlgorithmError("matrix is not unitary (U^dag U != 1 to 1e-9)")
    m.setflags(write=False)
    return target.append(Gate("unitary", (control, *qubits), (), 1, None, m, label=label))


# ---------------------------------------------------------------------------------------------
# Hamiltonians
# ---------------------------------------------------------------------------------------------
_PAULI_LABELS = "IXYZ"


def pauli_decompose(matrix: Any, *, atol: float = 1e-12) -> Observable:
    """The Pauli-sum form of a Hermitian ``2**n x 2**n`` matrix.

    Coefficients are ``tr(P M) / 2**n`` (fast Walsh-Hadamard style, one pass per qubit).
    Raises :class:`NotHermitianError` if ``matrix`` is not Hermitian.
    """
    m = np.asarray(matrix, dtype=complex)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] < 2 or m.shape[0] & (m.shape[0] - 1):
        raise AlgorithmError(f"expected a square matrix of size 2**n, got shape {m.shape}")
    if not np.all(np.isfinite(m)):
        raise AlgorithmError("matrix has NaN or infinite entries")
    herm_err = float(np.max(np.abs(m - m.conj().T)))
    if herm_err > 1e-10 * max(1.0, float(np.max(np.abs(m)))):
        raise NotHermitianError(
            f"the matrix is not Hermitian (max |M - M^dag| = {herm_err:.3g}); a Hamiltonian must be "
            "Hermitian -- symmetrise it with (M + M^dag)/2 if that is what you meant"
        )
    n = m.shape[0].bit_length() - 1
    terms = []
    # coefficient of P = tr(P M)/2^n; enumerate all 4^n strings (small n only)
    if n > 8:
        raise AlgorithmError(f"pauli_decompose is for up to 8 qubits (4**n terms), got {n}")
    from itertools import product

    mats = {"I": np.eye(2), "X": np.array([[0, 1], [1, 0]]), "Y": np.array([[0, -1j], [1j, 0]]), "Z": np.diag([1.0, -1.0])}
    for labels in product(_PAULI_LABELS, repeat=n):  # labels[0] acts on the highest qubit
        p = np.ones((1, 1), dtype=complex)
        for lab in labels:
            p = np.kron(p, mats[lab])
        c = np.trace(p @ m) / m.shape[0]
        if abs(c) > atol:
            terms.append((float(c.real), {n - 1 - k: lab for k, lab in enumerate(labels) if lab != "I"}))
    return Observable(terms)


def as_observable(h: Any) -> Observable:
    """An :class:`Observable` from an Observable, a string like ``"Z0 Z1 + 0.5 X0"``, a Hermitian
    matrix, or a list of ``(coefficient, {qubit: 'X'|'Y'|'Z'})`` with real coefficients."""
    if isinstance(h, Observable):
        return h
    if isinstance(h, str):
        return Observable.parse(h)
    if isinstance(h, np.ndarray) or sp.issparse(h):
        arr = h.toarray() if sp.issparse(h) else h
        return pauli_decompose(arr)
    if isinstance(h, (list, tuple)):
        for c, _ in h:
            if abs(complex(c).imag) > 1e-12:
                raise NotHermitianError(
                    f"Pauli-sum coefficient {c!r} is not real: a sum of Pauli strings with complex "
                    "coefficients is not Hermitian"
                )
        return Observable([(complex(c).real, p) for c, p in h])
    raise AlgorithmError(f"cannot read a Hamiltonian from {type(h).__name__}; give an Observable, a string or a Hermitian matrix")


def n_qubits_of(h: Observable, n_qubits: int | None = None) -> int:
    need = max(h.max_qubit + 1, 1)
    if n_qubits is None:
        return need
    if n_qubits < need:
        raise AlgorithmError(f"the Hamiltonian acts on qubit {h.max_qubit}, beyond {n_qubits} qubits")
    return int(n_qubits)


def sparse_matrix(h: Observable | Any, n_qubits: int | None = None) -> sp.csr_matrix:
    """The ``2**n x 2**n`` sparse (CSR) matrix of a Pauli sum (qubit q = bit q of the index).

    Each Pauli string is a signed permutation: column ``j`` goes to row ``j ^ x_mask`` with
    the phase ``(-i)**n_y (-1)**popcount(j & z_mask)`` (Y = -i Z X... acting on bit values).
    """
    obs = as_observable(h)
    n = n_qubits_of(obs, n_qubits)
    dim = 1 << n
    cols = np.arange(dim, dtype=np.int64)
    acc: dict[int, np.ndarray] = {}
    for c, xm, zm, ny in obs.masks():
        # <j^x| P |j> = i^{ny} * (-1)^{popcount(j & zm)} for Y = i X Z (on bit values: Y|b> = i(-1)^b |1-b>)
        par = np.zeros(dim, dtype=np.int64)
        v = cols & zm
        while np.any(v):
            par ^= v & 1
            v = v >> 1
        phase = (1j) ** ny * (1 - 2 * par)
        vals = c * phase
        if xm in acc:
            acc[xm] = acc[xm] + vals
        else:
            acc[xm] = vals.astype(complex)
    rows_l, cols_l, data_l = [], [], []
    for xm, vals in acc.items():
        keep = vals != 0
        rows_l.append((cols ^ xm)[keep])
        cols_l.append(cols[keep])
        data_l.append(vals[keep])
    if not rows_l:
        return sp.csr_matrix((dim, dim), dtype=complex)
    mat = sp.csr_matrix(
        (np.concatenate(data_l), (np.concatenate(rows_l), np.concatenate(cols_l))), shape=(dim, dim)
    )
    return mat


def ground_state(h: Observable | Any, n_qubits: int | None = None, k: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` lowest eigenvalues and eigenvectors by exact diagonalisation (dense up to
    10 qubits, scipy.sparse.linalg.eigsh above). Returns ``(energies (k,), vectors (2**n, k))``."""
    import scipy.sparse.linalg as sla

    m = sparse_matrix(h, n_qubits)
    dim = m.shape[0]
    if dim <= 1024 or k >= dim - 1:
        w, v = np.linalg.eigh(m.toarray())
        return w[:k], v[:, :k]
    w, v = sla.eigsh(m, k=k, which="SA", tol=1e-12)
    order = np.argsort(w)
    return w[order], v[:, order]
