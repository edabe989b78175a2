"""Decoy-state bounds (Ma et al. 2005) and the finite-key length (Lim et al. 2014)."""

from __future__ import annotations

import math

import pytest

from qtilab.errors import ConfigError
from qtilab.qkd import theory
from qtilab.qkd.postprocess.estimation import (
    check_decoy_intensities,
    finite_key_length_lim2014,
    vacuum_weak_decoy_bounds,
)


@pytest.mark.parametrize("L", [10.0, 50.0, 100.0])
def test_bounds_are_bounds_and_tight_for_weak_decoys(L: float) -> None:
    mu = 0.48
    qm, _ = theory.gain_and_qber(mu, L)
    y1 = 1.7e-6 + theory.transmittance(L)
    e1 = (0.5 * 1.7e-6 + 0.033 * theory.transmittance(L)) / y1
    prev = 0.0
    for nu in (0.2, 0.1, 0.05, 0.01):
        qn, en = theory.gain_and_qber(nu, L)
        b = vacuum_weak_decoy_bounds(mu, nu, qm, qn, en, y0=1.7e-6)
        assert b.y1_lower <= y1 * (1 + 1e-12)
        assert b.e1_upper >= e1 * (1 - 1e-12)
        assert b.y1_lower >= prev  # tighter as nu -> 0 (Ma et al. 2005, Sec. IV)
        prev = b.y1_lower
    assert b.y1_lower == pytest.approx(y1, rel=0.01)
    assert b.e1_upper == pytest.approx(e1, rel=0.02)


@pytest.mark.parametrize(
    "mu,nu,vac",
    [(0.5, 0.6, 0.0), (0.5, 0.1, 0.1), (0.5, 0.3, 0.25), (-0.5, 0.1, 0.0), (0.5, 0.1, float("nan")), (20.0, 0.1, 0.0)],
)
def test_decoy_conditions(mu: float, nu: float, vac: float) -> None:
    with pytest.raises(ConfigError):
        check_decoy_intensities(mu, nu, vac)


def _expected_counts(N: float, L: float, probs: tuple[float, float, float], ints: tuple[float, float, float]):
    """Expected sifted counts per basis (half the detections each) and Z errors."""
    nx, nz, mz = [], [], []
    for p, m in zip(probs, ints):
        q, e = theory.gain_and_qber(m, L)
        n = N * p * q / 4  # basis X chosen by both with prob 1/4
        nx.append(int(n))
        nz.append(int(n))
        mz.append(int(n * e))
    return tuple(nx), tuple(nz), tuple(mz)


def test_finite_key_grows_to_the_asymptotic_rate() -> None:
    L, ints, probs = 25.0, (0.5, 0.1, 0.0002), (0.8, 0.15, 0.05)
    rates = []
    for N in (1e8, 1e10, 1e12, 1e14):
        nx, nz, mz = _expected_counts(N, L, probs, ints)
        n = sum(nx)
        e = sum(mz) / sum(nz)
        leak = 1.2 * n * (-e * math.log2(e) - (1 - e) * math.log2(1 - e))
        fk = finite_key_length_lim2014(ints, probs, nx, nz, mz, leak)
        rates.append(fk.length / N)
        assert fk.phase_error >= 0.033 - 1e-3
    assert rates[0] < rates[1] < rates[2] < rates[3]
    # asymptote for this protocol: key from basis X only (1/4 of the pulses), f = 1.2
    asym = theory.decoy_bb84_key_rate(L, theory.PARAMETER_SETS["gys"].replace(ec_efficiency=1.2, sifting_factor=0.25), mu=0.5)
    assert rates[-1] == pytest.approx(asym * 0.8, rel=0.1)
    nx, nz, mz = _expected_counts(1e6, L, probs, ints)
    assert finite_key_length_lim2014(ints, probs, nx, nz, mz, 100.0).length == 0


def test_finite_key_bad_input() -> None:
    with pytest.raises(ConfigError):
        finite_key_length_lim2014((0.5, 0.1, 0.0), (0.5, 0.6, 0.1), (1, 1, 1), (1, 1, 1), (0, 0, 0), 0.0)
    with pytest.raises(ConfigError):
        finite_key_length_lim2014((0.5, 0.4, 0.2), (0.8, 0.1, 0.1), (1, 1, 1), (1, 1, 1), (0, 0, 0), 0.0)
