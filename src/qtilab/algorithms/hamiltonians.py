"""Model Hamiltonians as Pauli sums, and Trotter-Suzuki time evolution.

* :func:`tfim` -- transverse-field Ising ``H = -J sum_<ij> Z_i Z_j - h sum_i X_i``.
* :func:`xxz` -- Heisenberg XXZ ``H = J sum_<ij> (X_i X_j + Y_i Y_j + Delta Z_i Z_j)``.
* :func:`hubbard` -- Fermi-Hubbard ``H = -t sum_<ij>,s (c+_is c_js + h.c.) + U sum_i n_iu n_id
  - mu sum_is n_is`` mapped by Jordan-Wigner: spin-up orbital of site ``i`` is qubit ``i``,
  spin-down is qubit ``L + i``; ``c+_p c_q + h.c. = (X_p X_q + Y_p Y_q) Z_{p+1} ... Z_{q-1} / 2``
  for ``p < q`` and ``n_p = (1 - Z_p) / 2``.

Lattices are networkx graphs (nodes ``0..L-1``) or the names :func:`lattice` builds: a chain,
a ring, a ``rows x cols`` grid (open or periodic).

:func:`trotter_circuit` builds ``exp(-i H t)`` as ``steps`` Trotter-Suzuki steps of order 1
(``prod_k exp(-i c_k P_k dt)``), 2 (symmetric) or 4 (Suzuki's recursion
``S4(dt) = S2(p dt)**2 S2((1 - 4p) dt) S2(p dt)**2``, ``p = 1 / (4 - 4**(1/3))``).
Each ``exp(-i theta P / 2)`` is one library rotation (``rx``..``rzz``) when it can be, else a
basis change, a CX parity ladder and an ``rz``.

Examples
--------
>>> from qtilab.algorithms.hamiltonians import tfim
>>> str(tfim(3, J=1.0, h=0.5))
'-Z0 Z1 - Z1 Z2 - 0.5 * X0 - 0.5 * X1 - 0.5 * X2'
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qtilab.algorithms._base import (
    AlgorithmError,
    GraphError,
    as_observable,
    check_int,
    n_qubits_of,
)
from qtilab.core.circuit import Circuit
from qtilab.core.observables import Observable


def lattice(kind: str | Any, size: int | tuple[int, int], *, periodic: bool = False) -> Any:
    """A networkx graph: ``kind`` = ``"chain"`` (``size`` sites; ``periodic`` makes a ring) or
    ``"grid"`` (``size = (rows, cols)``; site ``r * cols + c``). A graph is returned as is."""
    import networkx as nx

    if not isinstance(kind, str):
        return kind
    if kind == "chain":
        L = check_int(size, "size", 2)
        g = nx.cycle_graph(L) if periodic and L > 2 else nx.path_graph(L)
    elif kind == "grid":
        if not (isinstance(size, tuple) and len(size) == 2):
            raise AlgorithmError(f"grid size must be (rows, cols), got {size!r}")
        r, c = (check_int(v, "grid size", 1) for v in size)
        g0 = nx.grid_2d_graph(r, c, periodic=periodic and min(r, c) > 2)
        g = nx.relabel_nodes(g0, {(i, j): i * c + j for i, j in g0.nodes})
    else:
        raise AlgorithmError(f"lattice kind must be 'chain' or 'grid', got {kind!r}")
    return g


def _edges(graph: Any, n: int | None = None) -> tuple[int, list[tuple[int, int]]]:
    import networkx as nx

    if isinstance(graph, (int, np.integer)) and not isinstance(graph, bool):
        graph = nx.path_graph(check_int(graph, "number of sites", 2))
    if not isinstance(graph, nx.Graph):
        raise GraphError(f"expected a networkx graph or a number of sites, got {type(graph).__name__}")
    nodes = list(graph.nodes)
    if set(nodes) != set(range(len(nodes))):
        raise GraphError("graph nodes must be the integers 0..L-1 (relabel with networkx.convert_node_labels_to_integers)")
    edges = []
    for u, v in graph.edges:
        if u == v:
            raise GraphError(f"graph has a self-loop at node {u}; lattice models need edges between distinct sites")
        edges.append((min(u, v), max(u, v)))
    return len(nodes), sorted(set(edges))


def tfim(graph: Any, J: float = 1.0, h: float = 1.0) -> Observable:
    """Transverse-field Ising model on ``graph`` (or an open chain of that many sites)."""
    L, edges = _edges(graph)
    terms: list[tuple[float, dict[int, str]]] = [(-J, {i: "Z", j: "Z"}) for i, j in edges]
    terms += [(-h, {i: "X"}) for i in range(L)]
    return Observable(terms)


def xxz(graph: Any, J: float = 1.0, delta: float = 1.0) -> Observable:
    """Heisenberg XXZ model ``J sum (XX + YY + delta ZZ)`` on ``graph`` (``delta = 1``: XXX)."""
    _, edges = _edges(graph)
    terms: list[tuple[float, dict[int, str]]] = []
    for i, j in edges:
        terms += [(J, {i: "X", j: "X"}), (J, {i: "Y", j: "Y"}), (J * delta, {i: "Z", j: "Z"})]
    return Observable(terms)


def hopping(p: int, q: int) -> Observable:
    """``c+_p c_q + c+_q c_p`` under Jordan-Wigner (``p != q``)."""
    if p == q:
        raise AlgorithmError("hopping needs two different orbitals")
    a, b = min(p, q), max(p, q)
    z = {k: "Z" for k in range(a + 1, b)}
    return Observable([(0.5, {a: "X", b: "X", **z}), (0.5, {a: "Y", b: "Y", **z})])


def number(p: int) -> Observable:
    """``n_p = c+_p c_p = (1 - Z_p) / 2``."""
    return Observable([(0.5, {}), (-0.5, {p: "Z"})])


def hubbard(graph: Any, t: float = 1.0, U: float = 4.0, mu: float = 0.0) -> Observable:
    """Fermi-Hubbard model on ``graph`` with ``2 L`` qubits (up spins ``0..L-1``, down ``L..2L-1``)."""
    L, edges = _edges(graph)
    h = Observable()
    for i, j in edges:
        for s in (0, L):
            h = h + (-t) * hopping(i + s, j + s)
    for i in range(L):
        nu, nd = number(i), number(i + L)
        # n_u n_d = (1 - Z_u - Z_d + Z_u Z_d) / 4
        h = h + U * Observable([(0.25, {}), (-0.25, {i: "Z"}), (-0.25, {i + L: "Z"}), (0.25, {i: "Z", i + L: "Z"})])
        if mu:
            h = h + (-mu) * (nu + nd)
    return h


# ---------------------------------------------------------------------------------------------
# Trotter-Suzuki
# ---------------------------------------------------------------------------------------------
_ROT1 = {"X": "rx", "Y": "ry", "Z": "rz"}
_ROT2 = {"XX": "rxx", "YY": "ryy", "ZZ": "rzz"}


def append_pauli_rotation(c: Circuit, pauli: dict[int, str], theta: Any) -> Circuit:
    """Append ``exp(-i theta P / 2)`` for the Pauli string ``pauli`` (``theta`` may be symbolic)."""
    items = sorted(pauli.items())
    if not items:
        return c  # a global phase
    if len(items) == 1:
        q, s = items[0]
        getattr(c, _ROT1[s])(theta, q)
        return c
    if len(items) == 2 and items[0][1] == items[1][1]:
        (q0, s), (q1, _) = items
        getattr(c, _ROT2[s + s])(theta, q0, q1)
        return c
    qs = [q for q, _ in items]
    for q, s in items:  # rotate each factor to Z: H X H = Z, (S H)^dag... RX(pi/2) Y RX(-pi/2) = Z
        if s == "X":
            c.h(q)
        elif s == "Y":
            c.rx(math.pi / 2, q)
    for a, b in zip(qs, qs[1:]):
        c.cx(a, b)
    c.rz(theta, qs[-1])
    for a, b in reversed(list(zip(qs, qs[1:]))):
        c.cx(a, b)
    for q, s in items:
        if s == "X":
            c.h(q)
        elif s == "Y":
            c.rx(-math.pi / 2, q)
    return c


def _layer(c: Circuit, terms: list[tuple[float, dict[int, str]]], dt: float, reverse: bool = False) -> None:
    seq = list(reversed(terms)) if reverse else terms
    for coeff, p in seq:
        append_pauli_rotation(c, p, 2 * coeff * dt)


def _s2(c: Circuit, terms: list[tuple[float, dict[int, str]]], dt: float) -> None:
    _layer(c, terms, dt / 2)
    _layer(c, terms, dt / 2, reverse=True)


def trotter_circuit(hamiltonian: Observable | Any, time: float, steps: int = 1, *, order: int = 2, n_qubits: int | None = None) -> Circuit:
    """``exp(-i H time)`` by ``steps`` Trotter-Suzuki steps of ``order`` 1, 2 or 4.

    Terms are applied in the Pauli sum's order; the identity term is a global phase and is
    dropped (its phase is absent from the circuit)."""
    h = as_observable(hamiltonian)
    n = n_qubits_of(h, n_qubits)
    k = check_int(steps, "steps", 1)
    if order not in (1, 2, 4):
        raise AlgorithmError(f"Trotter order must be 1, 2 or 4, got {order!r}")
    terms = [(c, p) for c, p in h.terms if p]
    dt = float(time) / k
    c = Circuit(n, name=f"trotter{order}")
    pq = 1 / (4 - 4 ** (1 / 3))
    for _ in range(k):
        if order == 1:
            _layer(c, terms, dt)
        elif order == 2:
            _s2(c, terms, dt)
        else:
            for f in (pq, pq, 1 - 4 * pq, pq, pq):
                _s2(c, terms, f * dt)
    return c


def trotter_error(hamiltonian: Observable | Any, time: float, steps: int, order: int, initial_state: Any = None, n_qubits: int | None = None) -> float:
    """``|| psi_trotter - exp(-i H t) psi ||`` with the reference by
    ``scipy.sparse.linalg.expm_multiply``; the identity part of ``H`` is left out of both."""
    import scipy.sparse.linalg as spla

    from qtilab.algorithms._base import sparse_matrix
    from qtilab.sim.statevector import simulate

    h = as_observable(hamiltonian)
    h = Observable([(c, p) for c, p in h.terms if p])
    n = n_qubits_of(h, n_qubits)
    if initial_state is None:
        psi0 = np.zeros(2**n, dtype=complex)
        psi0[0] = 1
    else:
        psi0 = np.asarray(initial_state, dtype=complex)
    ref = spla.expm_multiply(-1j * float(time) * sparse_matrix(h, n).tocsc(), psi0)
    out = simulate(trotter_circuit(h, time, steps, order=order, n_qubits=n), initial_state=psi0).statevector
    return float(np.linalg.norm(out - ref))


__all__ = [
    "append_pauli_rotation",
    "hopping",
    "hubbard",
    "lattice",
    "number",
    "tfim",
    "trotter_circuit",
    "trotter_error",
    "xxz",
]
