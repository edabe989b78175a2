"""The battery: applicability rules, second-level statistics, verdicts on good and bad sources."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from qtilab.errors import ConfigError, DataError
from qtilab.rng import nist
from qtilab.rng.battery import (
    BatteryConfig,
    _proportion_band,
    allowed_failures,
    run_battery,
    run_tests,
    uniformity_p,
)
from qtilab.rng.sources import make_source


def test_empty_and_short_inputs_are_not_applicable() -> None:
    for bits in ([], [1] * 50):
        res = run_tests(np.array(bits, dtype=np.uint8))
        assert all(not r.applicable for r in res.values())
        assert all(r.reason for r in res.values())
    res = run_tests(np.zeros(0, dtype=np.uint8), enforce_min_length=False)
    assert all(not r.applicable and r.reason for r in res.values())
    r = run_tests(np.ones(120, dtype=np.uint8))
    assert r["frequency"].applicable and not r["longest_run"].applicable
    assert "128" in r["longest_run"].reason


def test_non_binary_values_rejected() -> None:
    with pytest.raises(DataError, match="offset 2"):
        nist.frequency(np.array([0, 1, 2, 1]))
    with pytest.raises(DataError, match="'a' at offset 4"):
        nist.frequency("0101a")


def test_proportion_band_and_uniformity() -> None:
    lo, hi = _proportion_band(100, 0.01)
    # SP 800-22 4.2.1: 0.99 +- 3 sqrt(0.99 * 0.01 / 100) = [0.960150, 1.019850]
    assert lo == pytest.approx(0.96015, abs=1e-6) and hi == pytest.approx(1.01985, abs=1e-6)
    p = np.random.default_rng(1).random(300)
    hist = np.histogram(p, bins=10, range=(0, 1))[0]
    ref = stats.chisquare(hist).pvalue
    got, h = uniformity_p(p)
    assert h == hist.tolist() and got == pytest.approx(ref, rel=1e-9)


def test_allowed_failures_is_calibrated() -> None:
    assert allowed_failures(1, 100, 0.01) == 0
    k = allowed_failures(148, 1, 0.01)
    # P(Bin(148, 0.01) > k) <= 1 % and P(> k - 1) > 1 %
    assert stats.binom.sf(k, 148, 0.01) <= 0.01 < stats.binom.sf(k - 1, 148, 0.01)


def test_good_generators_pass_bad_fail() -> None:
    cfg = BatteryConfig(n_bits=1_000_000)
    for spec in ("pcg64", "philox"):
        good = run_battery(make_source(spec, seed=2024), cfg)
        assert all(v.passed is not None for v in good.verdicts.values())
        # each test fails an ideal generator with probability ~1 %: allow one of the 15
        failed = [k for k, v in good.verdicts.items() if v.passed is False]
        assert len(failed) <= 1, (spec, failed)
    for spec, must_fail in (("randu", {"frequency", "runs", "rank"}), ("biased:0.51", {"frequency", "runs"}),
                            ("correlated:0.02", {"runs"}), ("lcg16", {"rank", "dft"}),
                            ("beamsplitter", {"frequency", "runs"})):
        bad = run_battery(make_source(spec, seed=1), cfg)
        failed = {k for k, v in bad.verdicts.items() if v.passed is False}
        assert not bad.passed and must_fail <= failed, (spec, failed)


def test_second_level_many_sequences_and_workers() -> None:
    cfg = BatteryConfig(n_bits=20_000, n_sequences=60, tests=("frequency", "runs", "cumulative_sums"), workers=2)
    res = run_battery(make_source("sfc64", seed=9), cfg)
    assert len(res.results) == 60
    for v in res.verdicts.values():
        for r in v.rows:
            assert r.n == 60 and r.uniformity_p is not None and sum(r.histogram) == 60
    single = run_battery(make_source("sfc64", seed=9), BatteryConfig(n_bits=20_000, n_sequences=60,
                                                                       tests=("frequency", "runs", "cumulative_sums")))
    for k in res.verdicts:
        assert [r[k].p_values for r in res.results] == [r[k].p_values for r in single.results]
    bad = run_battery(make_source("biased:0.52", seed=9), cfg)
    assert bad.verdicts["frequency"].passed is False
    assert bad.verdicts["frequency"].rows[0].proportion < 0.9


def test_array_input_and_config_errors() -> None:
    bits = make_source("pcg64", seed=1).bits(30_000)
    res = run_battery(bits, BatteryConfig(n_bits=10_000, n_sequences=3, tests=("frequency",)))
    assert [r["frequency"].p_value for r in res.results] == [nist.frequency(bits[i * 10_000 : (i + 1) * 10_000]).p_value for i in range(3)]
    with pytest.raises(ConfigError, match="unknown test"):
        run_battery(bits, BatteryConfig(tests=("nope",)))
    with pytest.raises(ConfigError, match="cannot make"):
        run_battery(bits, BatteryConfig(n_bits=20_000, n_sequences=2))
    with pytest.raises(ConfigError):
        BatteryConfig(n_bits=0).check()


def test_excursion_refusals_follow_reference() -> None:
    # a walk that never returns to zero: J = 1 cycle
    res = nist.random_excursions(np.ones(1_000_000, dtype=np.uint8))
    assert not res.applicable and "J = 1" in res.reason
    # alternating bits: J = n/2 cycles, beyond the reference's table (max(1000, n/100))
    alt = np.tile(np.array([1, 0], dtype=np.uint8), 500_000)
    r2 = nist.random_excursions(alt)
    assert not r2.applicable and "max(1000, n/100)" in r2.reason
    assert math.isnan(r2.p_value)


@pytest.mark.slow
def test_single_sequence_verdicts_are_calibrated() -> None:
    """200 PCG64 sequences of 10^6 bits, each judged alone: every test should reject an ideal
    generator about 1 % of the time (about 14 % of sequences fail some test of the 15), and the
    second-level analysis over all 200 should pass."""
    from qtilab.rng.battery import second_level
    from qtilab.rng.nist import TESTS

    res = run_battery(make_source("pcg64", seed=77), BatteryConfig(n_sequences=200, workers=2))
    keys = list(TESTS)
    any_fail = 0
    for k in keys:
        verdicts = [second_level([r], [k], 0.01)[k].passed for r in res.results]
        judged = [v for v in verdicts if v is not None]
        # Bin(n, 0.01) exceeds 6 % of n with probability < 1e-4 for n >= 100
        assert sum(v is False for v in judged) <= 0.06 * len(judged), k
    for r in res.results:
        v = second_level([r], keys, 0.01)
        any_fail += any(x.passed is False for x in v.values())
    assert 5 <= any_fail <= 60
    assert res.passed, [k for k, v in res.verdicts.items() if not v.passed]


# -- issue #25: a battery where nothing applied is not a PASS ------------------------------
def test_nothing_applicable_is_inconclusive() -> None:
    bits = make_source("pcg64", seed=1).bits(50)
    res = run_battery(bits, BatteryConfig(n_bits=50))
    assert res.verdict == "inconclusive" and res.passed is False
    assert sorted(res.not_applicable) == sorted(res.verdicts)
    assert res.to_dict()["verdict"] == "inconclusive"
    some = run_battery(make_source("pcg64", seed=1).bits(200), BatteryConfig(n_bits=200))
    assert "frequency" not in some.not_applicable and "rank" in some.not_applicable
    assert some.verdict in ("pass", "fail")


def test_empty_test_list_refused() -> None:
    with pytest.raises(ConfigError, match="empty"):
        BatteryConfig(tests=()).check()
    with pytest.raises(ConfigError, match="empty"):
        run_battery(make_source("pcg64", seed=1), BatteryConfig(n_bits=1000, tests=()))


def test_n_bits_beyond_the_input_is_an_error() -> None:
    bits = make_source("pcg64", seed=1).bits(5_000)
    with pytest.raises(ConfigError, match="at most 5000"):
        run_battery(bits, BatteryConfig(n_bits=10_000, tests=("frequency",)))


@pytest.mark.parametrize(("test", "kw"), [("block_frequency", {"M": 0}), ("linear_complexity", {"M": 0}),
                                          ("serial", {"m": 0}), ("approximate_entropy", {"m": -1}),
                                          ("universal", {"L": 0}), ("non_overlapping_template", {"N": 0}),
                                          ("block_frequency", {"M": 2.5}), ("block_frequency", {"nope": 3})])
def test_bad_block_sizes_are_clear_errors(test: str, kw: dict) -> None:
    with pytest.raises(ConfigError, match=next(iter(kw))):
        BatteryConfig(n_bits=10_000, tests=(test,), params={test: kw}).check()


def test_zero_block_size_direct_call() -> None:
    bits = make_source("pcg64", seed=1).bits(1_000)
    with pytest.raises(ConfigError, match="block size"):
        nist.block_frequency(bits, M=0)
    with pytest.raises(ConfigError, match="block size"):
        nist.linear_complexity(bits, M=0)
