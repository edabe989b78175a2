"""Monte Carlo tests: exact Ising energies, estimators on good and bad sources."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qtilab.rng.montecarlo import (
    K_CRITICAL,
    MonteCarloConfig,
    ising_exact_energy,
    ising_wolff,
    pi_buffon,
    pi_hit_or_miss,
    pi_study,
    random_walk,
    run_montecarlo,
)
from qtilab.rng.sources import make_source


def _brute_energy(L: int, M: int, K: float) -> float:
    """Energy per spin by enumerating every configuration of an M x L periodic lattice."""
    N = L * M
    idx = np.arange(2**N)
    s = (((idx[:, None] >> np.arange(N)) & 1) * 2 - 1).reshape(-1, M, L)
    e = -(s * np.roll(s, 1, axis=1)).sum(axis=(1, 2)) - (s * np.roll(s, 1, axis=2)).sum(axis=(1, 2))
    w = np.exp(-K * (e - e.min()))
    return float((e * w).sum() / w.sum() / N)


@pytest.mark.parametrize(("L", "M", "K"), [(2, 2, K_CRITICAL), (4, 4, K_CRITICAL), (4, 4, 0.3), (3, 4, 0.6), (4, 3, K_CRITICAL)])
def test_exact_energy_against_enumeration(L: int, M: int, K: float) -> None:
    assert ising_exact_energy(L, K, M=M) == pytest.approx(_brute_energy(L, M, K), abs=1e-10)


def test_exact_energy_l16_published() -> None:
    # Ferrenberg, Landau and Wong, PRL 69, 3382 (1992): E = 1.4530649 (per spin, sign -) for L = 16
    assert ising_exact_energy(16) == pytest.approx(-1.4530649, abs=1e-7)
    # the infinite-lattice limit at K_c is -sqrt(2), approached as 1/L
    d = [ising_exact_energy(L) + math.sqrt(2) for L in (64, 128)]
    assert -0.7 / 64 < d[0] < 0 and d[1] / d[0] == pytest.approx(0.5, abs=0.01)


def test_wolff_small_lattice_matches_exact() -> None:
    r = ising_wolff(make_source("pcg64", seed=7), L=4, clusters=40_000, thermalize=500, bins=20)
    assert r.exact == pytest.approx(_brute_energy(4, 4, K_CRITICAL), abs=1e-10)
    assert abs(r.z) < 4, (r.energy, r.error, r.exact)


def test_wolff_detects_a_bad_generator() -> None:
    good = ising_wolff(make_source("sfc64", seed=3), L=16, clusters=20_000, thermalize=500)
    bad = ising_wolff(make_source("lcg16", seed=3), L=16, clusters=20_000, thermalize=500)
    assert abs(good.z) < 4
    assert abs(bad.z) > 6


def test_pi_estimators() -> None:
    u = make_source("pcg64", seed=1).uniforms(2 * 200_000)
    sd_hm = math.sqrt(math.pi * (4 - math.pi) / 200_000)
    assert abs(pi_hit_or_miss(u) - math.pi) < 5 * sd_hm
    # Buffon with l = 1, t = 2: P = 1/pi; delta method sd = pi^2 sqrt(P(1-P)/N)
    p = 1 / math.pi
    sd_b = math.pi**2 * math.sqrt(p * (1 - p) / 200_000)
    assert abs(pi_buffon(u) - math.pi) < 5 * sd_b
    est = pi_study(make_source("pcg64", seed=2), (10**3, 10**4), replicas=40)
    assert len(est) == 4 and all(abs(e.z) < 5 for e in est)
    # sample std over 40 replicas against the exact std: chi-square(39) 1e-4 .. 1 - 1e-4 band
    assert all(0.55 < e.std / e.exact_std < 1.5 for e in est), [(e.method, e.std / e.exact_std) for e in est]
    bad = pi_study(make_source("biased:0.51", seed=2), (10**5,), replicas=5)
    assert any(abs(e.z) > 5 for e in bad)


def test_random_walk() -> None:
    good = random_walk(make_source("pcg64", seed=4), walkers=4000, steps=500)
    assert abs(good.mean_z) < 5 and abs(good.msd_z) < 5 and good.chi2_p > 1e-4
    bad = random_walk(make_source("correlated:0.1", seed=4), walkers=4000, steps=500)
    # positive step correlation inflates <x^2> by (1 + rho) / (1 - rho)
    assert bad.msd_z > 5 and bad.chi2_p < 1e-4


def test_run_montecarlo_config() -> None:
    cfg = MonteCarloConfig(tests=("pi", "walk", "ising"), pi_sizes=(1000,), pi_replicas=5, walkers=100, steps=50,
                           ising_L=8, ising_clusters=2000, ising_thermalize=100, ising_bins=10)
    res = run_montecarlo(make_source("philox", seed=1), cfg)
    assert res.pi and res.walk is not None and res.ising is not None


@pytest.mark.slow
def test_ising_l16_flw_check() -> None:
    """The Ferrenberg-Landau-Wong check: 16x16 Wolff at K_c, 10^6 cluster flips."""
    for spec in ("pcg64", "mt19937", "sfc64"):
        r = ising_wolff(make_source(spec, seed=1992), L=16, clusters=1_000_000, thermalize=10_000, bins=50)
        assert abs(r.z) < 4, (spec, r.energy, r.error)
        assert r.error < 5e-4
    bad = ising_wolff(make_source("lcg16", seed=1992), L=16, clusters=200_000, thermalize=10_000, bins=20)
    assert abs(bad.z) > 10
