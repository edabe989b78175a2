"""Toeplitz hashing by FFT against the explicit dense Toeplitz matrix; verification hash."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import toeplitz

from qtilab.errors import ConfigError, DataError
from qtilab.qkd.postprocess.privacy import (
    MERSENNE61,
    polynomial_hash,
    toeplitz_hash,
    toeplitz_hash_dense,
    verify_keys,
)


@pytest.mark.parametrize("n,m", [(1, 1), (7, 3), (64, 64), (1000, 1), (1237, 500), (4096, 2048)])
@pytest.mark.parametrize("precision", ["packed", "single", "double"])
def test_matches_dense(n: int, m: int, precision: str) -> None:
    rng = np.random.default_rng(n * 31 + m)
    x = rng.integers(0, 2, n, dtype=np.uint8)
    t = rng.integers(0, 2, n + m - 1, dtype=np.uint8)
    # independent reference: explicit matrix T[i, j] = t[i - j + n - 1] by index arithmetic
    T = t[np.arange(m)[:, None] - np.arange(n)[None, :] + n - 1].astype(np.int64)
    assert T[m - 1, 0] == t[m + n - 2] and T[0, n - 1] == t[0]
    ref = (T @ x.astype(np.int64)) % 2
    assert np.array_equal(toeplitz_hash(x, t, m, precision=precision), ref)
    assert np.array_equal(toeplitz_hash_dense(x, t, m), ref)
    # and it is a Toeplitz matrix in scipy's sense
    assert np.array_equal(T, toeplitz(T[:, 0], T[0, :]))


@pytest.mark.parametrize("backend", ["scipy", "ducc0"])
def test_backends_agree_with_dense(backend: str) -> None:
    if backend == "ducc0":
        pytest.importorskip("ducc0")
    rng = np.random.default_rng(8)
    for n, m in [(5, 5), (999, 321), (3000, 2999)]:
        x = rng.integers(0, 2, n, dtype=np.uint8)
        t = rng.integers(0, 2, n + m - 1, dtype=np.uint8)
        ref = toeplitz_hash_dense(x, t, m)
        assert np.array_equal(toeplitz_hash(x, t, m, backend=backend), ref)
        assert np.array_equal(toeplitz_hash(x, t, m, backend=backend, precision="double"), ref)
        # any FFT length >= n + m - 1 gives the same bits (no wrap-around into the kept outputs)
        assert np.array_equal(toeplitz_hash(x, t, m, backend=backend, size=n + m - 1 + 7), ref)


def test_fft_size() -> None:
    from qtilab.qkd.postprocess.privacy import fft_size

    for L in (1, 2, 5, 1000, 1499999, 1 << 20):
        s = fft_size(L)
        assert s >= L
        k = s
        while k % 2 == 0:
            k //= 2
        while k % 3 == 0:
            k //= 3
        assert k == 1
        # no smaller 2^a 3^b above L
        assert all(not (L <= c < s) for c in (2**a * 3**b for a in range(40) for b in range(26)))


def test_all_ones_worst_case_sums() -> None:
    # all-ones key and seed: every convolution value is extreme (n); the packed digits
    # overflow, the parity check sees it and the one-bit path gives the exact answer
    from qtilab.qkd.postprocess.privacy import _toeplitz_packed

    n, m = 20000, 5000
    x = np.ones(n, dtype=np.uint8)
    t = np.ones(n + m - 1, dtype=np.uint8)
    assert _toeplitz_packed(x, t, m, 1, "scipy") is None
    for precision in ("packed", "single", "double"):
        assert np.array_equal(toeplitz_hash(x, t, m, precision=precision), np.full(m, n % 2, dtype=np.uint8))


@pytest.mark.parametrize("backend", ["scipy", "ducc0"])
def test_packed_random_sizes(backend: str) -> None:
    from qtilab.qkd.postprocess.privacy import _toeplitz_packed

    if backend == "ducc0":
        pytest.importorskip("ducc0")
    rng = np.random.default_rng(12)
    for _ in range(150):
        n = int(rng.integers(1, 300))
        m = int(rng.integers(1, n + 1))
        x = rng.integers(0, 2, n, dtype=np.uint8)
        t = rng.integers(0, 2, n + m - 1, dtype=np.uint8)
        out = _toeplitz_packed(x, t, m, 1, backend)
        assert out is not None and np.array_equal(out, toeplitz_hash_dense(x, t, m)), (n, m)


def test_large_paths_agree() -> None:
    from qtilab.qkd.postprocess.privacy import _toeplitz_packed

    rng = np.random.default_rng(3)
    n, m = 1 << 19, 1 << 18
    x = rng.integers(0, 2, n, dtype=np.uint8)
    t = rng.integers(0, 2, n + m - 1, dtype=np.uint8)
    ref = toeplitz_hash(x, t, m, precision="double", backend="scipy")
    packed = _toeplitz_packed(x, t, m, 1, "scipy")
    assert packed is not None and np.array_equal(packed, ref)
    assert np.array_equal(toeplitz_hash(x, t, m, precision="single"), ref)


def test_linear_over_gf2() -> None:
    rng = np.random.default_rng(4)
    n, m = 3000, 1000
    x, y = rng.integers(0, 2, (2, n), dtype=np.uint8)
    t = rng.integers(0, 2, n + m - 1, dtype=np.uint8)
    assert np.array_equal(toeplitz_hash(x ^ y, t, m), toeplitz_hash(x, t, m) ^ toeplitz_hash(y, t, m))


def test_polynomial_hash_against_python_reference() -> None:
    rng = np.random.default_rng(5)
    x = rng.integers(0, 2, 100, dtype=np.uint8)  # 4 words, the last one padded
    r = 123456789
    bits = "".join(map(str, x)) + "0" * 28
    words = [int(bits[i : i + 32], 2) for i in range(0, 128, 32)]
    h = 0
    for w in words:
        h = (h * r + w) % MERSENNE61
    assert polynomial_hash(x, r) == (h * r + 100) % MERSENNE61


def test_verification_detects_one_flip() -> None:
    rng = np.random.default_rng(6)
    a = rng.integers(0, 2, 10000, dtype=np.uint8)
    b = a.copy()
    assert verify_keys(a, b, rng) == (True, 61)
    b[1234] ^= 1
    assert verify_keys(a, b, rng)[0] is False


def test_bad_input() -> None:
    x = np.zeros(10, dtype=np.uint8)
    with pytest.raises(ConfigError):
        toeplitz_hash(x, np.zeros(10, dtype=np.uint8), 5)
    with pytest.raises(ConfigError):
        toeplitz_hash(x, np.zeros(20, dtype=np.uint8), 11)
    with pytest.raises(DataError):
        toeplitz_hash(x + 2, np.zeros(14, dtype=np.uint8), 5)
    with pytest.raises(ConfigError):
        polynomial_hash(x, 0)
    with pytest.raises(ConfigError):
        toeplitz_hash(x, np.zeros(14, dtype=np.uint8), 5, backend="cufft")
    with pytest.raises(ConfigError):
        toeplitz_hash(x, np.zeros(14, dtype=np.uint8), 5, size=10)
