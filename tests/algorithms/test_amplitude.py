"""Amplitude estimation: exact Grover-power probabilities and interval coverage over seeds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from qtilab import Circuit
from qtilab.algorithms import AlgorithmError, AmplitudeProblem, canonical_ae, iterative_ae, mlae
from qtilab.testing import dense_unitary


def problem() -> tuple[AmplitudeProblem, float]:
    """A 3-qubit preparation; the true amplitude from the dense reference simulator."""
    c = Circuit(3).ry(0.7, 0).ry(1.1, 1).cry(0.9, 0, 2).cx(1, 2).h(1)
    psi = dense_unitary(c)[:, 0]
    a = float(sum(abs(psi[i]) ** 2 for i in range(8) if (i >> 2) & 1))
    return AmplitudeProblem(c, [2]), a


def coverage_floor(n: int, level: float) -> int:
    """Smallest count of covering intervals consistent with a true coverage >= level
    (one-sided binomial test at 0.1 %)."""
    return int(stats.binom.ppf(0.001, n, level))


def test_grover_powers_follow_sin_squared():
    p, a = problem()
    theta = math.asin(math.sqrt(a))
    for k in range(5):
        assert p.good_probability(k) == pytest.approx(math.sin((2 * k + 1) * theta) ** 2, abs=1e-12)


def test_multi_qubit_objective():
    c = Circuit(2).ry(1.0, 0).ry(2.0, 1)
    p = AmplitudeProblem(c, [0, 1])
    assert p.exact_amplitude() == pytest.approx(math.sin(0.5) ** 2 * math.sin(1.0) ** 2, abs=1e-12)
    theta = math.asin(math.sqrt(p.exact_amplitude()))
    assert p.good_probability(2) == pytest.approx(math.sin(5 * theta) ** 2, abs=1e-12)


def test_canonical_exact_when_representable():
    # a = sin^2(pi * 3/16): QPE on Q is exact with m = 4
    c = Circuit(1).ry(2 * math.pi * 3 / 16, 0)
    res = canonical_ae(AmplitudeProblem(c, [0]), 4, shots=10, seed=1)
    assert res.estimate == pytest.approx(math.sin(math.pi * 3 / 16) ** 2, abs=1e-12)
    probs = res.extra["probabilities"]
    assert probs[3] + probs[13] == pytest.approx(1.0, abs=1e-10)


def test_canonical_coverage_at_stated_level():
    p, a = problem()
    n = 100
    hits = sum(canonical_ae(p, 5, seed=s).covers(a) for s in range(n))
    assert hits >= coverage_floor(n, 8 / math.pi**2)


def test_iterative_coverage_and_width():
    p, a = problem()
    n = 60
    res = [iterative_ae(p, epsilon=0.01, alpha=0.05, seed=s) for s in range(n)]
    assert sum(r.covers(a) for r in res) >= coverage_floor(n, 0.95)
    assert all((r.interval[1] - r.interval[0]) / 2 <= 0.01 + 1e-12 for r in res)
    assert all(max(r.powers) > 0 for r in res)


def test_mlae_coverage():
    p, a = problem()
    n = 60
    res = [mlae(p, 5, shots=100, seed=s) for s in range(n)]
    assert sum(r.covers(a) for r in res) >= coverage_floor(n, 0.95)
    assert np.median([abs(r.estimate - a) for r in res]) < 0.01


@pytest.mark.slow
def test_coverage_over_many_seeds():
    p, a = problem()
    n = 400
    for fn, level in ((lambda s: iterative_ae(p, 0.005, 0.1, seed=s), 0.9), (lambda s: mlae(p, 6, shots=50, alpha=0.1, seed=s), 0.9)):
        assert sum(fn(s).covers(a) for s in range(n)) >= coverage_floor(n, level)


def test_bad_input():
    c = Circuit(1).ry(0.3, 0)
    with pytest.raises(AlgorithmError):
        AmplitudeProblem(c, [1])
    with pytest.raises(AlgorithmError):
        iterative_ae(AmplitudeProblem(c, [0]), epsilon=0.7)
    with pytest.raises(AlgorithmError):
        mlae(AmplitudeProblem(c, [0]), powers=[])
