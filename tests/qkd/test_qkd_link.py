"""End-to-end link simulation against the key-rate theory and the textbook attack signatures."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qtilab.errors import ConfigError
from qtilab.qkd import theory
from qtilab.qkd.channel import EveConfig, apply_dead_time, pns_strategy
from qtilab.qkd.protocols import LinkConfig, simulate_link
from qtilab.qkd.theory import PARAMETER_SETS

GYS = PARAMETER_SETS["gys"]


def _h2(x: float) -> float:
    return -x * math.log2(x) - (1 - x) * math.log2(1 - x)


def _gys_by_hand(mu: float, L: float) -> tuple[float, float, float]:
    """Gain, QBER and GLLP key rate with infinitely many decoys (Ma, Qi, Zhao, Lo, PRA 72,
    012326 (2005), eqs. 7-12), with the GYS figures typed in here, not read from qtilab:
    0.21 dB/km, eta_Bob 4.5 %, Y0 1.7e-6, e_detector 3.3 %, f = 1.22, q = 1/2."""
    eta = 0.045 * 10 ** (-0.21 * L / 10)
    y0, ed = 1.7e-6, 0.033
    q_mu = y0 + 1 - math.exp(-eta * mu)
    e_mu = (0.5 * y0 + ed * (1 - math.exp(-eta * mu))) / q_mu
    y1 = y0 + eta
    e1 = (0.5 * y0 + ed * eta) / y1
    q1 = y1 * mu * math.exp(-mu)
    rate = 0.5 * (-q_mu * 1.22 * _h2(e_mu) + q1 * (1 - _h2(e1)))
    return q_mu, e_mu, rate


def _check_against_theory(L: float, pulses: int, seed: int) -> None:
    r = simulate_link(LinkConfig(distance_km=L, pulses=pulses, seed=seed, postprocess=False))
    mu = r.config["mu"]
    assert mu == pytest.approx(0.48, abs=0.02)
    # gain and QBER of the signal: binomial errors
    q_th, e_th, rate_th = _gys_by_hand(mu, L)
    n_sig = r.stats["sent_signal"]
    assert abs(r.stats["gain_signal"] - q_th) < 4 * math.sqrt(q_th / n_sig)
    n_sift = r.stats["sifted_signal"]
    assert abs(r.stats["qber_signal"] - e_th) < 4 * math.sqrt(e_th / n_sift)
    # key rate (true single-photon contributions, as with infinitely many decoys)
    est = r.estimates
    assert est["key_rate_theory"] == pytest.approx(rate_th, rel=1e-3)
    assert abs(est["key_rate_sim"] - est["key_rate_theory"]) < 3.5 * est["key_rate_sim_err"]
    assert est["key_rate_sim_err"] < 0.3 * est["key_rate_theory"]
    # the practical vacuum+weak decoy estimate is close to (and on average below) it
    assert est["key_rate_decoy_estimate"] == pytest.approx(est["key_rate_theory"], rel=0.5)


def test_simulation_matches_theory_25km() -> None:
    _check_against_theory(25.0, 6_000_000, seed=11)


@pytest.mark.slow
@pytest.mark.parametrize("L,pulses", [(25.0, 20_000_000), (50.0, 50_000_000), (100.0, 300_000_000)])
def test_simulation_matches_theory(L: float, pulses: int) -> None:
    _check_against_theory(L, pulses, seed=int(L))


def test_end_to_end_final_keys_equal_and_seeded() -> None:
    cfg = LinkConfig(distance_km=10.0, pulses=3_000_000, seed=5)
    r = simulate_link(cfg)
    assert r.status == "ok", r.message
    assert r.final_key_bits > 1000 and r.final_keys_equal
    p = r.postprocessing
    assert p["residual_errors"] == 0 and p["verification_passed"]
    assert p["cascade_efficiency"] <= 1.25
    # the final key is shorter than the single-photon part of the reconciled key
    assert r.final_key_bits < p["reconciled_bits"] * r.estimates["decoy_bounds"]["q1_lower"] / r.stats["gain_signal"]
    r2 = simulate_link(cfg)
    assert np.array_equal(r.alice_key, r2.alice_key)
    r3 = simulate_link(LinkConfig(distance_km=10.0, pulses=3_000_000, seed=6))
    assert not np.array_equal(r.alice_key[:500], r3.alice_key[:500])
    assert 0.45 < r.alice_key.mean() < 0.55


def test_full_intercept_resend_gives_25_percent_and_aborts() -> None:
    r = simulate_link(LinkConfig(distance_km=20.0, pulses=2_000_000, eve=EveConfig("intercept-resend"), seed=3))
    # QBER = 1/4 + e_d/2 for a full attack (Eve's basis wrong half the time)
    expected = 0.25 + GYS.misalignment / 2
    n = r.stats["sifted_signal"]
    assert abs(r.stats["qber_signal"] - expected) < 4 * math.sqrt(0.25 / n)
    assert r.status == "aborted" and r.aborted
    assert r.message.startswith("aborted: QBER ") and "% > threshold 11.0 %" in r.message
    assert r.alice_key is None and not r.final_keys_equal


def test_partial_intercept_resend() -> None:
    f = 0.2
    r = simulate_link(LinkConfig(distance_km=20.0, pulses=3_000_000, eve=EveConfig("intercept-resend", f), seed=4))
    ed = GYS.misalignment
    expected = f * (0.25 + ed / 2) + (1 - f) * ed
    n = r.stats["sifted_signal"]
    assert abs(r.stats["qber_signal"] - expected) < 4 * math.sqrt(expected / n)
    assert 0.2 < r.stats["eve_known_fraction_of_sifted_signal"] / f < 0.8


def test_pns_attack_is_caught_by_the_decoys() -> None:
    L = 40.0
    r = simulate_link(LinkConfig(distance_km=L, pulses=4_000_000, eve=EveConfig("pns"), seed=8))
    mu = r.config["mu"]
    q_th, _ = theory.gain_and_qber(mu, L)
    # Eve keeps Bob's signal gain and QBER at their honest values...
    assert abs(r.stats["gain_signal"] - q_th) < 5 * math.sqrt(q_th / r.stats["sent_signal"])
    assert r.stats["qber_signal"] < 0.05
    # ... and knows most of the sifted key,
    assert r.stats["eve_known_fraction_of_sifted_signal"] > 0.5
    # but the decoy gain exposes her: no key is produced
    assert r.estimates["key_rate_decoy_estimate"] <= 0
    assert r.status == "aborted" and "decoy" in r.message


def test_pns_strategy_keeps_signal_gain() -> None:
    eta = theory.transmittance(30.0)
    b1, b2 = pns_strategy(0.5, eta, GYS.detector_efficiency, 0.0)
    p = [math.exp(-0.5) * 0.5**n / math.factorial(n) for n in range(40)]
    gain = sum(p[n] * (1 - (1 - GYS.detector_efficiency) ** (n - 1)) * (1 - b2) for n in range(2, 40))
    gain += p[1] * (1 - b1) * GYS.detector_efficiency
    assert gain == pytest.approx(-math.expm1(-eta * 0.5), rel=1e-9)


def test_single_photon_source() -> None:
    L = 30.0
    r = simulate_link(LinkConfig(protocol="bb84-single-photon", distance_km=L, pulses=1_000_000, seed=2))
    eta = theory.transmittance(L)
    y1 = GYS.dark_count_prob + eta
    assert abs(r.stats["gain_signal"] - y1) < 4 * math.sqrt(y1 / 1e6)
    assert r.status == "ok" and r.final_keys_equal
    assert abs(r.estimates["key_rate_sim"] - r.estimates["key_rate_theory"]) < 4 * r.estimates["key_rate_sim_err"]


def test_e91_chsh_violation_and_attack() -> None:
    good = GYS.replace(detector_efficiency=0.6, misalignment=0.01, name="test")
    r = simulate_link(LinkConfig(protocol="e91", distance_km=5.0, params=good, pulses=1_000_000, mu=0.01, seed=1))
    vis = 1 - 2 * 0.01
    assert abs(r.stats["chsh_s"] - 2 * math.sqrt(2) * vis) < 4 * r.stats["chsh_s_err"] + 0.06
    assert r.stats["chsh_s"] > 2.5
    assert r.status == "ok" and r.final_keys_equal
    ir = simulate_link(
        LinkConfig(protocol="e91", distance_km=5.0, params=good, pulses=1_000_000, mu=0.01,
                   eve=EveConfig("intercept-resend"), seed=1)
    )
    assert ir.stats["chsh_s"] < 2.0 and ir.aborted and "CHSH" in ir.message


def test_bbm92_runs() -> None:
    good = GYS.replace(detector_efficiency=0.5, misalignment=0.02, name="test")
    r = simulate_link(LinkConfig(protocol="bbm92", distance_km=10.0, params=good, pulses=1_000_000, mu=0.01, seed=3))
    assert 0.015 < r.stats["qber"] < 0.06
    assert r.status == "ok" and r.final_keys_equal


def test_dead_time_limits_the_count_rate() -> None:
    # 0 km, bright pulses, 10-slot dead time: registered rate ~ Q / (1 + 10 Q)
    p = GYS.replace(detector_efficiency=0.5, dead_time_ns=5000.0, repetition_rate_hz=2e6, name="dt")
    r = simulate_link(LinkConfig(distance_km=0.0, params=p, pulses=200_000, mu=0.8, nu=0.1, probs=(1.0 - 2e-6, 1e-6, 1e-6), postprocess=False, seed=1))
    q = -math.expm1(-0.5 * 0.8)
    assert r.stats["gain_signal"] == pytest.approx(q / (1 + 10 * q), rel=0.05)


def test_apply_dead_time_kernel() -> None:
    keep = apply_dead_time(np.array([0, 1, 2, 5, 6, 11], dtype=np.int64), 3, -100)
    assert keep.tolist() == [True, False, False, True, False, True]


def test_afterpulses_raise_the_qber() -> None:
    p = GYS.replace(afterpulse_prob=0.05, name="ap")
    r = simulate_link(LinkConfig(distance_km=10.0, params=p, pulses=2_000_000, postprocess=False, seed=2))
    r0 = simulate_link(LinkConfig(distance_km=10.0, pulses=2_000_000, postprocess=False, seed=2))
    assert r.stats["qber_signal"] > r0.stats["qber_signal"] + 0.01


def test_float_pulse_count_is_accepted() -> None:
    cfg = LinkConfig(pulses=1e5, postprocess=False, seed=1)
    assert cfg.pulses == 100_000 and isinstance(cfg.pulses, int)
    with pytest.raises(ConfigError):
        LinkConfig(pulses=1.5e3 + 0.5)
    with pytest.raises(ConfigError):
        LinkConfig(pulses=float("inf"))


def test_intensity_fluctuation_runs() -> None:
    r = simulate_link(LinkConfig(distance_km=10.0, pulses=500_000, intensity_fluctuation=0.1, postprocess=False, seed=2))
    assert r.stats["gain_signal"] > 0


def test_finite_key_option() -> None:
    good = GYS.replace(detector_efficiency=0.5, dark_count_prob=1e-7, misalignment=0.01, name="test")
    r = simulate_link(
        LinkConfig(distance_km=10.0, params=good, pulses=10_000_000, mu=0.6, nu=0.2, probs=(0.6, 0.3, 0.1), finite_key=True, seed=1)
    )
    assert r.status == "ok", r.message
    fk = r.postprocessing["finite_key"]
    assert 0 < fk["length"] == r.final_key_bits
    assert r.final_keys_equal
    # finite statistics cost key: below the asymptotic single-photon bound of the same run
    assert fk["phase_error"] > r.stats["single_photon_error_signal"]
    assert fk["s_x1"] < r.postprocessing["reconciled_bits"]


@pytest.mark.parametrize(
    "kw",
    [
        {"protocol": "b92"},
        {"distance_km": -1.0},
        {"pulses": 10},
        {"nu": 0.6, "mu": 0.5},
        {"probs": (0.5, 0.5, 0.5)},
        {"probs": (1.0, 0.0, 0.0)},
        {"params": "unknown"},
        {"qber_threshold": 0.0},
        {"intensity_fluctuation": -0.1},
        {"finite_key": True, "protocol": "bbm92"},
    ],
)
def test_bad_config(kw: dict) -> None:
    with pytest.raises(ConfigError):
        LinkConfig(**kw)
    with pytest.raises(ConfigError):
        EveConfig("man-in-the-middle")
    with pytest.raises(ConfigError):
        EveConfig("intercept-resend", 1.5)


def test_runs_whose_detections_cannot_fit_are_refused_with_figures() -> None:
    from qtilab.qkd.protocols import (
        BYTES_PER_DETECTION,
        check_detection_memory,
        expected_detections,
    )

    cfg = LinkConfig(distance_km=0.0, pulses=1e11)
    # at 0 km the signal (mu 0.48) clicks with probability 1 - exp(-0.045 * 0.48), written here
    clicks = 1e11 * (1 - math.exp(-0.045 * 0.48))
    assert clicks <= expected_detections(cfg) <= 1.03 * clicks + 1e11 * 4e-6  # an upper estimate
    with pytest.raises(ConfigError, match=r"2.1\de\+09 detections.*GiB"):
        check_detection_memory(cfg, max_memory=10 * 2**30)
    assert expected_detections(cfg) * BYTES_PER_DETECTION > 150 * 2**30  # what simulate_link checks first
    assert check_detection_memory(LinkConfig(distance_km=50.0, pulses=1e6)) > 0


@pytest.mark.parametrize("seed", ["abc", 1.5, -1, True])
def test_bad_seed_is_a_config_error(seed: object) -> None:
    with pytest.raises(ConfigError, match="seed"):
        LinkConfig(seed=seed)
