"""QFT, phase estimation, order finding and Shor against exact classical answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qtilab import Circuit
from qtilab.algorithms import (
    FactoringError,
    classical_order,
    continued_fraction_candidates,
    find_order,
    hamiltonian_phase_estimation,
    phase_estimation,
    qft,
    qft_dropped_angle,
    shor,
)
from qtilab.testing import dense_unitary


def dft_matrix(n: int) -> np.ndarray:
    """F[y, x] = exp(2 pi i x y / N) / sqrt(N), written out."""
    N = 2**n
    x = np.arange(N)
    return np.exp(2j * np.pi * np.outer(x, x) / N) / np.sqrt(N)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_qft_is_the_dft_matrix(n):
    assert np.allclose(dense_unitary(qft(n)), dft_matrix(n), atol=1e-12)
    assert np.allclose(dense_unitary(qft(n, inverse=True)), dft_matrix(n).conj().T, atol=1e-12)


def test_qft_without_swaps_is_bit_reversed():
    n = 3
    rev = [int(format(i, "03b")[::-1], 2) for i in range(8)]
    assert np.allclose(dense_unitary(qft(n, do_swaps=False))[rev], dft_matrix(n), atol=1e-12)


@pytest.mark.parametrize("a", [1, 2, 3])
def test_approximate_qft_error_within_dropped_angle_bound(a):
    n = 5
    err = np.linalg.norm(dense_unitary(qft(n, approximation_degree=a)) - dft_matrix(n), 2)
    bound = qft_dropped_angle(n, a)
    assert 0 < err <= bound + 1e-12
    assert qft(n, approximation_degree=a).count_ops()["cp"] < qft(n).count_ops()["cp"]


def test_qpe_exact_phase_and_fejer_distribution():
    # exactly representable phase: probability one
    u = np.diag([1, np.exp(2j * np.pi * 5 / 16)])
    r = phase_estimation(u, 4, eigenstate=[0, 1])
    assert r.phase == 5 / 16 and r.probabilities[5] == pytest.approx(1.0, abs=1e-12)
    # a phase between grid points: the closed form |sum_k exp(2 pi i k (phi - y/M))|^2 / M^2
    phi, m = 0.3, 5
    M = 2**m
    r = phase_estimation(Circuit(1).p(2 * np.pi * phi, 0), m, eigenstate=[0, 1])
    k = np.arange(M)
    expected = np.array([abs(np.exp(2j * np.pi * k * (phi - y / M)).sum()) ** 2 / M**2 for y in range(M)])
    assert np.allclose(r.probabilities, expected, atol=1e-12)
    assert r.phase == round(phi * M) / M


def test_qpe_of_a_two_qubit_unitary_on_a_superposition():
    rng = np.random.default_rng(4)
    q, _ = np.linalg.qr(rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4)))
    phases = np.array([1, 3, 6, 13]) / 16
    u = q @ np.diag(np.exp(2j * np.pi * phases)) @ q.conj().T
    psi = q @ np.array([0.5, 0.5, 0.5, 0.5])
    r = phase_estimation(u, 4, eigenstate=psi, shots=400, seed=1)
    assert np.allclose(r.probabilities[[1, 3, 6, 13]], 0.25, atol=1e-10)
    assert set(r.counts) == {1, 3, 6, 13}


def test_hamiltonian_qpe_finds_the_ground_energy():
    h = "1.0 * Z0 Z1 + 0.5 * X0 + 0.3 * X1"
    from qtilab.core.observables import Observable

    mat = Observable.parse(h).to_matrix(2)
    w, v = np.linalg.eigh(mat)
    t = 1.0
    for method, kw in (("exact", {}), ("trotter", {"trotter_steps": 2})):
        est = hamiltonian_phase_estimation(h, 7, time=t, eigenstate=v[:, 0], method=method, **kw)
        assert abs(est.energy - w[0]) <= est.resolution / 2 + (0.02 if method == "trotter" else 1e-12)


def test_continued_fractions_recover_known_orders():
    # y / 2**8 close to 3/7 gives denominator 7
    y = round(3 / 7 * 256)
    assert 7 in continued_fraction_candidates(y, 8, 21)
    assert classical_order(2, 21) == 6 and classical_order(4, 15) == 2


@pytest.mark.parametrize("N,a", [(15, 7), (21, 2), (35, 3)])
def test_order_finding_matches_classical_order(N, a):
    r = find_order(a, N, shots=8, seed=2)
    assert r.order == r.true_order == classical_order(a, N)
    # peaks of the counting register at multiples of 2**m / r
    m, rr = r.n_counting, r.true_order
    peaks = [round(s * 2**m / rr) for s in range(rr)]
    assert r.probabilities[peaks].sum() > 0.6


@pytest.mark.parametrize("N,expected", [(15, (3, 5)), (21, (3, 7)), (35, (5, 7))])
def test_shor_factors(N, expected):
    res = shor(N, seed=11)
    assert res.factors == expected
    assert res.factors[0] * res.factors[1] == N
    assert all(att["method"] == "quantum" for att in res.attempts)


@pytest.mark.parametrize("N", [13, 22, 2, 27, 49, "15", 16])
def test_shor_rejects_bad_numbers(N):
    with pytest.raises(FactoringError):
        shor(N)


def test_shor_error_messages_say_why():
    with pytest.raises(FactoringError, match="prime"):
        shor(37)
    with pytest.raises(FactoringError, match="even"):
        shor(38)
    with pytest.raises(FactoringError, match="power of 3"):
        shor(81)


def test_phase_estimation_bad_input():
    from qtilab.algorithms import AlgorithmError

    with pytest.raises(AlgorithmError):
        phase_estimation(np.eye(3), 2)
    with pytest.raises(AlgorithmError):
        phase_estimation(np.eye(2), 2, eigenstate=[1, 0, 0])
    with pytest.raises(AlgorithmError):
        hamiltonian_phase_estimation("Z0", 3, time=-1.0)
    assert math.isclose(qft_dropped_angle(4, 0), 0.0)
