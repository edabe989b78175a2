"""Model Hamiltonians against closed forms and exact diagonalisation; Trotter error scaling."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
import scipy.sparse.linalg as spla

from qtilab.algorithms import (
    GraphError,
    NotHermitianError,
    ground_state,
    hubbard,
    lattice,
    pauli_decompose,
    sparse_matrix,
    tfim,
    trotter_circuit,
    trotter_error,
    xxz,
)
from qtilab.core.observables import Observable


def test_sparse_matrix_equals_kron_matrix():
    rng = np.random.default_rng(1)
    for _ in range(5):
        terms = []
        for _ in range(6):
            qs = rng.choice(4, size=rng.integers(1, 4), replace=False)
            terms.append((float(rng.normal()), {int(q): "XYZ"[rng.integers(3)] for q in qs}))
        obs = Observable(terms) + 0.3
        assert np.allclose(sparse_matrix(obs, 4).toarray(), obs.to_matrix(4), atol=1e-14)


def test_pauli_decompose_round_trip_and_hermiticity_check():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(8, 8)) + 1j * rng.normal(size=(8, 8))
    h = a + a.conj().T
    assert np.allclose(pauli_decompose(h).to_matrix(3), h, atol=1e-12)
    with pytest.raises(NotHermitianError, match="not Hermitian"):
        pauli_decompose(a)


def tfim_ring_exact(L: int, J: float, h: float) -> float:
    """Free-fermion ground energy of -J sum Z Z - h sum X on a ring of even L (Pfeuty 1970):
    the even-parity sector with antiperiodic momenta k = pi (2m + 1) / L."""
    k = np.pi * (2 * np.arange(L) + 1) / L
    return float(-np.sum(np.sqrt(J**2 + h**2 - 2 * J * h * np.cos(k))))


@pytest.mark.parametrize("L,h", [(6, 0.5), (8, 1.0), (12, 1.7)])
def test_tfim_ring_matches_free_fermions(L, h):
    H = tfim(lattice("chain", L, periodic=True), J=1.0, h=h)
    e0 = ground_state(H)[0][0]
    assert e0 == pytest.approx(tfim_ring_exact(L, 1.0, h), abs=1e-9)


def test_eigsh_path_matches_dense():
    H = tfim(lattice("chain", 11, periodic=True), J=1.0, h=0.8)
    w_sparse = ground_state(H, k=2)[0]
    w_dense = spla.eigsh(sparse_matrix(H).tocsc(), k=2, which="SA")[0]
    assert np.allclose(np.sort(w_sparse), np.sort(w_dense), atol=1e-9)


def test_xx_chain_is_free_fermions_and_xxx_ring_of_four():
    L, J = 7, 0.7
    eps = 4 * J * np.cos(np.pi * np.arange(1, L + 1) / (L + 1))  # 2J (c+c + h.c.) on a path
    assert ground_state(xxz(L, J=J, delta=0.0))[0][0] == pytest.approx(eps[eps < 0].sum(), abs=1e-10)
    # J sum (XX + YY + ZZ) = 4 J sum S.S; the 4-site Heisenberg ring has E0 = -2 J (S units)
    assert ground_state(xxz(lattice("chain", 4, periodic=True), J=1.0, delta=1.0))[0][0] == pytest.approx(-8.0, abs=1e-10)


def sector(H, n_qubits, n_particles, n_up=None):
    m = sparse_matrix(H, n_qubits).toarray()
    idx = [i for i in range(2**n_qubits) if bin(i).count("1") == n_particles]
    if n_up is not None:
        L = n_qubits // 2
        idx = [i for i in idx if bin(i & ((1 << L) - 1)).count("1") == n_up]
    return m[np.ix_(idx, idx)]


def test_hubbard_dimer_closed_form():
    t, U = 1.0, 4.0
    H = hubbard(2, t=t, U=U)
    w = np.linalg.eigvalsh(sector(H, 4, 2, n_up=1))
    assert w[0] == pytest.approx((U - math.sqrt(U**2 + 16 * t**2)) / 2, abs=1e-12)


@pytest.mark.parametrize("graph", [nx.path_graph(3), lattice("grid", (2, 2)), nx.cycle_graph(4)])
def test_hubbard_at_u0_fills_the_negative_orbitals(graph):
    t = 0.8
    H = hubbard(graph, t=t, U=0.0)
    eps = np.linalg.eigvalsh(-t * nx.to_numpy_array(graph, nodelist=range(graph.number_of_nodes())))
    assert ground_state(H)[0][0] == pytest.approx(2 * eps[eps < 0].sum(), abs=1e-10)


def test_hubbard_commutes_with_particle_number():
    H = sparse_matrix(hubbard(lattice("grid", (2, 2)), t=1.0, U=3.0)).toarray()
    N = np.diag([bin(i).count("1") for i in range(2**8)])
    assert np.allclose(H @ N, N @ H)


def test_graph_errors():
    g = nx.path_graph(3)
    g.add_edge(1, 1)
    with pytest.raises(GraphError, match="self-loop"):
        tfim(g)
    with pytest.raises(GraphError):
        tfim(nx.relabel_nodes(nx.path_graph(3), {0: "a"}))


@pytest.mark.parametrize("order,slope", [(1, -1), (2, -2), (4, -4)])
def test_trotter_error_scales_with_order(order, slope):
    H = tfim(4, J=1.0, h=0.9) + xxz(4, J=0.3, delta=0.5)
    psi = np.random.default_rng(3).normal(size=16) + 0j
    psi /= np.linalg.norm(psi)
    steps = [4, 8, 16, 32]
    errs = [trotter_error(H, 1.0, s, order, psi) for s in steps]
    fit = np.polyfit(np.log(steps), np.log(errs), 1)[0]
    assert abs(fit - slope) < 0.25
    assert errs[-1] < errs[0]


def test_trotter_exact_for_commuting_terms():
    H = Observable.parse("0.3 * Z0 Z1 + 0.7 * Z1 Z2 - 0.2 * Z0")
    assert trotter_error(H, 2.0, 1, 1) < 1e-12
    assert trotter_circuit(H, 1.0, 3, order=4).count_ops()["rzz"] == 3 * 5 * 2 * 2
