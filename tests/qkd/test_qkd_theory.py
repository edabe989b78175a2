"""Key-rate theory against the published GYS numbers (Ma, Qi, Zhao, Lo, PRA 72, 012326, 2005)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qtilab.errors import ConfigError
from qtilab.qkd import theory
from qtilab.qkd.theory import (
    PARAMETER_SETS,
    LinkParams,
    decoy_bb84_key_rate,
    max_distance,
    optimal_mu,
)


def _h(x: float) -> float:
    return 0.0 if x <= 0 or x >= 1 else -x * math.log2(x) - (1 - x) * math.log2(1 - x)


def _ref_rate(mu: float, L: float) -> float:
    """Independent scalar transcription of Ma et al. (2005) eqs. with the GYS numbers."""
    eta = 0.045 * 10 ** (-0.21 * L / 10)
    y0, ed = 1.7e-6, 0.033
    q = y0 + 1 - math.exp(-eta * mu)
    e = (0.5 * y0 + ed * (1 - math.exp(-eta * mu))) / q
    y1 = y0 + eta
    e1 = (0.5 * y0 + ed * eta) / y1
    q1 = y1 * mu * math.exp(-mu)
    return 0.5 * (-q * 1.22 * _h(e) + q1 * (1 - _h(e1)))


def test_gys_set_matches_the_paper() -> None:
    p = PARAMETER_SETS["gys"]
    assert p.attenuation_db_per_km == 0.21
    assert p.detector_efficiency == 0.045
    assert p.dark_count_prob == 1.7e-6
    assert p.misalignment == 0.033
    assert p.ec_efficiency == 1.22
    assert p.sifting_factor == 0.5


@pytest.mark.parametrize("L", [0.0, 25.0, 50.0, 100.0, 130.0])
def test_rate_matches_scalar_transcription(L: float) -> None:
    assert decoy_bb84_key_rate(L, "gys", mu=0.48) == pytest.approx(_ref_rate(0.48, L), rel=1e-9)
    # optimum over mu: compare with a brute-force grid on the reference
    grid = np.linspace(0.01, 1.0, 2000)
    best = max(_ref_rate(m, L) for m in grid)
    assert decoy_bb84_key_rate(L, "gys") == pytest.approx(best, rel=1e-5)


def test_optimal_mu_is_about_048() -> None:
    # Ma et al. 2005: mu_opt ~ 0.48 for GYS (nearly independent of distance)
    mus = optimal_mu(np.array([10.0, 50.0, 100.0]), "gys")
    assert np.all(np.abs(mus - 0.48) < 0.015)


def test_zero_rate_at_142_km() -> None:
    # Ma et al. 2005: maximal secure distance ~142 km for GYS with infinite decoys
    d = max_distance("gys")
    assert 141.0 < d < 143.5
    assert decoy_bb84_key_rate(d - 1.0, "gys") > 0
    assert decoy_bb84_key_rate(d + 1.0, "gys") == 0.0
    assert math.isnan(optimal_mu(d + 1.0, "gys"))


def test_vectorised_and_monotone() -> None:
    x = np.linspace(0, 200, 101)
    r = decoy_bb84_key_rate(x)
    assert isinstance(r, np.ndarray) and r.shape == x.shape
    assert np.all(np.diff(r) <= 0)
    assert isinstance(decoy_bb84_key_rate(10.0), float)


def test_ordering_single_photon_decoy_nodecoy() -> None:
    for L in (5.0, 20.0):
        sp = theory.single_photon_bb84_key_rate(L)
        dec = decoy_bb84_key_rate(L)
        nod = theory.bb84_no_decoy_key_rate(L)
        assert sp > dec > nod > 0
    assert max_distance(protocol="no-decoy") < max_distance() < max_distance(protocol="single-photon")


@pytest.mark.parametrize(
    "kw",
    [
        {"attenuation_db_per_km": -0.2},
        {"insertion_loss_db": -1.0},
        {"detector_efficiency": 1.5},
        {"detector_efficiency": 0.0},
        {"dark_count_prob": -1e-6},
        {"misalignment": 0.7},
        {"ec_efficiency": 0.9},
        {"sifting_factor": 1.2},
        {"afterpulse_prob": 1.0},
        {"detector_efficiency": float("nan")},
    ],
)
def test_impossible_parameters_raise(kw: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        PARAMETER_SETS["gys"].replace(**kw)


def test_bad_arguments_raise() -> None:
    with pytest.raises(ConfigError, match="unknown parameter set"):
        decoy_bb84_key_rate(10.0, "nope")
    with pytest.raises(ConfigError):
        decoy_bb84_key_rate(-5.0)
    with pytest.raises(ConfigError):
        decoy_bb84_key_rate(10.0, mu=-0.1)
    assert isinstance(PARAMETER_SETS["gys"], LinkParams)
