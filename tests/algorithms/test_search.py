"""Grover, BBHT, Deutsch-Jozsa, Bernstein-Vazirani, Simon and hypercube walk search."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qtilab.algorithms import (
    AlgorithmError,
    Oracle,
    OracleError,
    bbht_search,
    bernstein_vazirani,
    deutsch_jozsa,
    grover,
    hypercube_walk_search,
    optimal_iterations,
    simon,
)
from qtilab.algorithms.search import grover_circuit, hypercube_walk_circuit
from qtilab.testing import dense_unitary


@pytest.mark.parametrize("n,marked", [(3, [5]), (4, [1, 14]), (5, [0, 7, 30])])
def test_grover_success_probability_closed_form(n, marked):
    M, N = len(marked), 2**n
    theta = math.asin(math.sqrt(M / N))
    for k in range(4):
        r = grover(n, marked, iterations=k)
        assert r.success_probability == pytest.approx(math.sin((2 * k + 1) * theta) ** 2, abs=1e-10)
    assert optimal_iterations(n, M) == math.floor(math.pi / (4 * theta))


def test_grover_gates_oracle_equals_diagonal_and_dense_reference():
    orc = Oracle(3, marked=[2, 6])
    for cons in ("gates", "diagonal"):
        u = dense_unitary(orc.phase_circuit(cons))
        assert np.allclose(u, np.diag([(-1) ** (x in (2, 6)) for x in range(8)]))
    u = dense_unitary(grover_circuit(orc, 1))
    assert np.allclose(abs(u[:, 0]) ** 2, grover(3, [2, 6], iterations=1).probabilities, atol=1e-12)


def test_grover_from_boolean_function_finds_a_solution():
    # x with x**2 = 4 mod 17 on 5 bits: x in {2, 15, 19, 32-> out of range}
    f = lambda x: (x * x) % 17 == 4  # noqa: E731
    r = grover(5, function=f, shots=64, seed=3)
    assert r.is_marked and f(r.found)
    assert r.success_probability > 0.9


def test_bbht_finds_marked_states_within_expected_calls():
    n, marked = 8, [3, 77, 200]
    calls = []
    for s in range(20):
        r = bbht_search(n, marked, seed=s)
        assert r.found in marked
        calls.append(r.oracle_calls)
    # BBHT Theorem 3: expected calls at most (9/2) sqrt(N/M) (for lam = 6/5)
    assert np.mean(calls) <= 4.5 * math.sqrt(2**n / len(marked))


def test_oracle_marking_nothing_is_an_error():
    with pytest.raises(OracleError, match="marks no state"):
        grover(4, marked=[])
    with pytest.raises(OracleError, match="marks no state"):
        bbht_search(4, function=lambda x: False)
    with pytest.raises(OracleError):
        Oracle(3, marked=[8])


def test_deutsch_jozsa():
    assert deutsch_jozsa(4, lambda x: 1).constant
    assert deutsch_jozsa(4, lambda x: 0).probability_zero == pytest.approx(1.0)
    r = deutsch_jozsa(4, lambda x: bin(x).count("1") % 2)
    assert not r.constant and r.probability_zero == pytest.approx(0.0, abs=1e-12)
    assert not deutsch_jozsa(3, lambda x: x >= 4).constant
    with pytest.raises(OracleError, match="neither constant nor balanced"):
        deutsch_jozsa(3, lambda x: x == 1)


@pytest.mark.parametrize("s", [0, 1, 0b10110, 0b11111])
def test_bernstein_vazirani(s):
    assert bernstein_vazirani(5, secret=s) == s
    assert bernstein_vazirani(5, function=lambda x: bin(x & s).count("1") % 2) == s


def test_bernstein_vazirani_rejects_nonlinear():
    with pytest.raises(OracleError):
        bernstein_vazirani(3, function=lambda x: x == 3)


@pytest.mark.parametrize("s", [0b101, 0b011, 0b111, 0b1001])
def test_simon_recovers_the_period(s):
    n = max(3, s.bit_length())
    rng = np.random.default_rng(s)
    labels = rng.permutation(2**n)
    f = lambda x: int(labels[min(x, x ^ s)])  # noqa: E731 -- a random two-to-one function
    r = simon(n, f, seed=1)
    assert r.secret == s


def test_simon_one_to_one_and_bad_promise():
    assert simon(3, lambda x: x ^ 3, seed=2).secret == 0
    with pytest.raises(OracleError):
        simon(3, lambda x: 0)


def dense_walk(d: int, marked: int, steps: int) -> np.ndarray:
    """SKW walk written from its definition: state[c, x] over coin c < d and vertex x."""
    N = 2**d
    psi = np.full((d, N), 1 / math.sqrt(d * N), dtype=complex)
    G = 2 / d * np.ones((d, d)) - np.eye(d)
    out = []
    for _ in range(steps):
        coin = G @ psi
        coin[:, marked] = -psi[:, marked]
        new = np.empty_like(coin)
        for c in range(d):
            new[c] = coin[c][np.arange(N) ^ (1 << c)]
        psi = new
        out.append(float(np.sum(abs(psi[:, marked]) ** 2)))
    return np.array(out)


@pytest.mark.parametrize("d,marked", [(3, 6), (4, 9), (5, 0)])
def test_hypercube_walk_matches_dense_definition(d, marked):
    r = hypercube_walk_search(d, marked)
    ref = dense_walk(d, marked, r.steps)
    assert np.allclose(r.history, ref, atol=1e-10)
    assert r.found == marked
    assert r.success_probability > 1 / 2 - 2 / d
    c, nc = hypercube_walk_circuit(d, marked, 0)
    assert c.n_qubits == d + nc


def test_walk_search_bad_input():
    with pytest.raises(AlgorithmError):
        hypercube_walk_search(3, 8)
