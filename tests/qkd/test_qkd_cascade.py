"""Cascade: corrects every frame, efficiency f <= 1.2 at QBER 1-5 %, leakage counted honestly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qtilab.errors import ConfigError, DataError
from qtilab.qkd.postprocess.cascade import cascade, cascade_block_sizes


def _pair(n: int, q: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2, n, dtype=np.uint8)
    return a, a ^ (rng.random(n) < q).astype(np.uint8)


def test_block_sizes_follow_the_rule() -> None:
    # a = ceil(log2(1/Q) - 1/2): Q = 2 % -> a = 6 -> k1 = 64, k2 = 2^9, then 4096
    assert cascade_block_sizes(0.02) == [64, 512] + [4096] * 12
    assert cascade_block_sizes(0.05)[:3] == [16, 256, 4096]
    assert cascade_block_sizes(0.01, passes=3, frame_bits=1024) == [128, 512, 512]


@pytest.mark.parametrize("q", [0.01, 0.02, 0.03, 0.05])
def test_corrects_and_is_efficient(q: float) -> None:
    a, b = _pair(1 << 17, q, seed=int(q * 1000))
    r = cascade(a, b, q, seed=3)
    assert np.array_equal(r.corrected, a)
    assert r.residual_errors == 0 and r.frame_error_rate == 0.0
    assert r.n_frames == 8
    assert r.errors_before == int(np.count_nonzero(a != b))
    # leakage is at least the Shannon limit n h(Q) (up to fluctuations) and at most 1.2 n h(Q)
    assert r.efficiency > 1.0 and r.efficiency <= 1.2
    hq = -r.qber * math.log2(r.qber) - (1 - r.qber) * math.log2(1 - r.qber)
    assert r.leaked_bits == pytest.approx(r.efficiency * r.n_bits * hq)


def test_leak_lower_bound_by_counting_blocks() -> None:
    # every pass discloses one parity per block; the bisections disclose at least log2(k1)
    # bits for each error found in pass 1 (independent count from the block sizes)
    a, b = _pair(1 << 14, 0.02, seed=5)
    r = cascade(a, b, 0.02, seed=1)
    ks = r.block_sizes
    tops = sum(math.ceil((1 << 14) / k) for k in ks)
    assert r.leaked_bits > tops + 0.5 * r.errors_before * math.log2(ks[0])


def test_short_last_frame_and_no_errors() -> None:
    a, b = _pair(20000, 0.03, seed=7)
    r = cascade(a, b, 0.03, seed=2)
    assert np.array_equal(r.corrected, a) and r.n_frames == 2
    r0 = cascade(a, a.copy(), 0.03, seed=2)
    assert r0.errors_before == 0 and np.array_equal(r0.corrected, a) and math.isnan(r0.efficiency)


def test_seeded_and_bob_not_modified() -> None:
    a, b = _pair(1 << 14, 0.02, seed=9)
    b0 = b.copy()
    r1 = cascade(a, b, 0.02, seed=4)
    r2 = cascade(a, b, 0.02, seed=4)
    assert np.array_equal(b, b0)
    assert r1.leaked_bits == r2.leaked_bits


def test_frame_error_rate_default_100_frames() -> None:
    a, b = _pair(100 << 14, 0.02, seed=11)
    r = cascade(a, b, 0.02, seed=5)
    assert r.n_frames == 100
    assert int(np.count_nonzero(r.residual_errors_per_frame)) <= 1
    assert r.efficiency <= 1.2


@pytest.mark.slow
@pytest.mark.parametrize("q", [0.01, 0.02, 0.03, 0.04, 0.05])
def test_frame_error_rate_1000_frames(q: float) -> None:
    a, b = _pair(1000 << 14, q, seed=int(q * 1e4))
    r = cascade(a, b, q, seed=6)
    assert r.n_frames == 1000
    assert int(np.count_nonzero(r.residual_errors_per_frame)) <= 1  # >= 999 of 1000 frames clean
    assert r.efficiency <= 1.2


def test_bad_input() -> None:
    a, b = _pair(1000, 0.02, seed=1)
    with pytest.raises(DataError):
        cascade(a, b[:-1], 0.02)
    with pytest.raises(DataError):
        cascade(a * 2, b, 0.02)
    with pytest.raises(ConfigError):
        cascade(a, b, 0.7)
    with pytest.raises(ConfigError):
        cascade(a, b, 0.02, frame_bits=4)
