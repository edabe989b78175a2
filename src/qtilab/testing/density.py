"""A dense density-matrix reference with Kraus channels (numpy only; never imports sim).

``rho`` is an explicit (2**n, 2**n) matrix; a gate is ``U rho U^dagger`` with the full unitary
of :func:`qtilab.testing.gate_unitary`, a channel is ``sum_K E rho E^dagger`` with each Kraus
operator embedded by :func:`qtilab.testing.embed` (a sum of tensor products, no index
permutations). Slow and obviously right, for small n.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from qtilab.core.circuit import Circuit

#: a channel placed in a circuit: (index of the instruction it follows, Kraus operators, qubits)
ChannelSite = tuple[int, Sequence[np.ndarray], Sequence[int]]


def apply_kraus(rho: np.ndarray, kraus: Sequence[np.ndarray], qubits: Sequence[int], n: int) -> np.ndarray:
    """``sum_K E rho E^dagger`` with ``E`` = ``K`` on ``qubits`` (qubits[0] the low index bit)."""
    from qtilab.testing import embed

    out = np.zeros_like(rho, dtype=complex)
    for k in kraus:
        e = embed(np.asarray(k, dtype=complex), list(qubits), n)
        out += e @ rho @ e.conj().T
    return out


def dense_density_matrix(
    circuit: Circuit,
    table: Any = None,
    values: Mapping[Any, Any] | None = None,
    b: int = 0,
    channels: Sequence[ChannelSite] = (),
    initial_state: np.ndarray | None = None,
) -> np.ndarray:
    """The final density matrix of batch member ``b`` with ``channels`` applied after the
    instructions they name (measurements and barriers are skipped)."""
    from qtilab.testing import gate_unitary

    n = circuit.n_qubits
    dim = 2**n
    if initial_state is None:
        rho = np.zeros((dim, dim), dtype=complex)
        rho[0, 0] = 1.0
    else:
        psi = np.asarray(initial_state, dtype=complex)
        rho = np.outer(psi, psi.conj())
    after: dict[int, list[tuple[Sequence[np.ndarray], Sequence[int]]]] = {}
    for idx, ks, qs in channels:
        after.setdefault(int(idx), []).append((ks, qs))
    for i, g in enumerate(circuit):
        if g.name not in ("barrier", "measure"):
            if g.name == "reset":
                raise ValueError("the dense reference does not model reset")
            u = gate_unitary(g, n, table, values, b)
            rho = u @ rho @ u.conj().T
        for ks, qs in after.get(i, ()):
            rho = apply_kraus(rho, ks, qs, n)
    return rho


def dense_expectation(rho: np.ndarray, terms: Sequence[tuple[float, Mapping[int, str]]], n: int, paulis: Mapping[str, np.ndarray]) -> float:
    """``tr(O rho)`` for ``O = sum c P`` with Pauli matrices from the caller's ``paulis`` table."""
    from qtilab.testing import kron_all

    total = 0.0
    for c, p in terms:
        m = kron_all([np.asarray(paulis[p.get(q, "I")]) for q in reversed(range(n))])
        total += c * float(np.real(np.trace(m @ rho)))
    return total


__all__ = ["ChannelSite", "apply_kraus", "dense_density_matrix", "dense_expectation"]
