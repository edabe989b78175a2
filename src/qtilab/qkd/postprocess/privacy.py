"""Privacy amplification by Toeplitz hashing (FFT) and key verification by a universal hash.

Toeplitz hashing maps an n-bit key ``x`` to ``m`` bits ``y = T x (mod 2)`` with the Toeplitz
matrix ``T[i, j] = t[i - j + n - 1]`` given by ``n + m - 1`` public random bits ``t``; the
family is 2-universal, so the leftover hash lemma applies (Krawczyk 1994; Hayashi & Tsurumaru
2016 for the QKD use).

``y`` is the middle of the linear convolution ``t * x`` and is computed by FFT:

* the bits are mapped to +-1 (``x' = 2x - 1``): then every output of the convolution is a sum
  of ``n`` terms +-1 with the parity of ``n``, typically of size ``sqrt(n)`` rather than
  ``n/4``, and the 0/1 result is recovered exactly with prefix sums; rounding needs only an
  error below 2, which **float32** FFTs meet with a wide margin (max error ~1e-3 at n = 1e6);
  a guard checks the rounding margin of every output and redoes the product in float64 if it
  is ever thin;
* the circular convolution length is the smallest fast real size
  ``scipy.fft.next_fast_len(n + m - 1)`` (no zero padding to ``2n + m`` or to a power of 2):
  the outputs we keep never wrap around.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from qtilab.errors import ConfigError, DataError

__all__ = [
    "MERSENNE61",
    "polynomial_hash",
    "toeplitz_hash",
    "toeplitz_hash_dense",
    "verify_keys",
]

#: the prime of the verification hash, 2**61 - 1
MERSENNE61 = (1 << 61) - 1


def _bits(name: str, v: NDArray[np.integer]) -> NDArray[np.uint8]:
    a = np.asarray(v)
    if a.ndim != 1:
        raise DataError(f"{name} must be a 1-D array of bits, got shape {a.shape}")
    a = a.astype(np.uint8, copy=False)
    if a.size and a.max() > 1:
        raise DataError(f"{name} must contain only 0 and 1")
    return a


def toeplitz_hash(
    key: NDArray[np.integer],
    seed_bits: NDArray[np.integer],
    out_len: int,
    *,
    precision: str = "single",
    workers: int = 1,
) -> NDArray[np.uint8]:
    """Toeplitz hash ``T x mod 2`` of a bit array, by FFT.

    Parameters
    ----------
    key:
        The n key bits (0/1).
    seed_bits:
        The ``n + out_len - 1`` bits that define the Toeplitz matrix ``T[i, j] = t[i - j + n - 1]``.
    out_len:
        Output length m (0 < m <= n).
    precision:
        ``"single"`` (float32 FFT with a rounding-margin guard, the fast path) or ``"double"``.
    workers:
        Threads for scipy.fft.

    Returns
    -------
    ndarray of uint8
        The m output bits.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 2, 1000, dtype=np.uint8); t = rng.integers(0, 2, 1000 + 400 - 1)
    >>> bool(np.array_equal(toeplitz_hash(x, t, 400), toeplitz_hash_dense(x, t, 400)))
    True
    """
    import scipy.fft as sfft

    x = _bits("key", key)
    t = _bits("seed_bits", seed_bits)
    n = x.size
    m = int(out_len)
    if n == 0 or m <= 0 or m > n:
        raise ConfigError(f"need 0 < out_len <= len(key) = {n}, got out_len={out_len}")
    if t.size != n + m - 1:
        raise ConfigError(f"seed_bits must have len(key) + out_len - 1 = {n + m - 1} bits, got {t.size}")
    if precision not in ("single", "double"):
        raise ConfigError(f"precision must be 'single' or 'double', got {precision!r}")
    dt = np.float32 if precision == "single" else np.float64
    size = sfft.next_fast_len(n + m - 1, real=True)
    # +-1 signals (the 0/1 mean would dominate the sums and the FFT's rounding error)
    xs = np.empty(size, dtype=dt)
    xs[:n] = x
    xs[:n] *= 2
    xs[:n] -= 1
    xs[n:] = 0
    ts = np.empty(size, dtype=dt)
    ts[: n + m - 1] = t
    ts[: n + m - 1] *= 2
    ts[: n + m - 1] -= 1
    ts[n + m - 1 :] = 0
    fx = sfft.rfft(xs, overwrite_x=True, workers=workers)
    ft = sfft.rfft(ts, overwrite_x=True, workers=workers)
    fx *= ft
    s = sfft.irfft(fx, size, overwrite_x=True, workers=workers)[n - 1 : n - 1 + m]
    # sum_j t_{i-j+n-1} x_j = (S + 2 sum(x) + 2 W_i - n) / 4 with W_i = sum of t over the window
    ct = np.concatenate(([0], np.cumsum(t, dtype=np.int64)))
    w = ct[n : n + m] - ct[:m]
    exact = w * 2 + (2 * int(x.sum(dtype=np.int64)) - n)
    val = (s.astype(np.float64) + exact) * 0.25
    r = np.rint(val)
    if precision == "single" and float(np.max(np.abs(val - r))) > 0.125:
        # the float32 margin is ~100x wider than this; redo in double if it is ever thin
        return toeplitz_hash(x, t, m, precision="double", workers=workers)
    out: NDArray[np.uint8] = (r.astype(np.int64) & 1).astype(np.uint8)
    return out


def toeplitz_hash_dense(key: NDArray[np.integer], seed_bits: NDArray[np.integer], out_len: int) -> NDArray[np.uint8]:
    """Reference Toeplitz hash with the explicit dense matrix (small inputs only; for tests)."""
    from scipy.linalg import toeplitz

    x = _bits("key", key).astype(np.int64)
    t = _bits("seed_bits", seed_bits).astype(np.int64)
    n, m = x.size, int(out_len)
    if t.size != n + m - 1:
        raise ConfigError(f"seed_bits must have {n + m - 1} bits, got {t.size}")
    # T[i, j] = t[i - j + n - 1]: first column t[n-1 .. n+m-2], first row t[n-1], t[n-2], ... t[0]
    T = toeplitz(t[n - 1 : n - 1 + m], t[n - 1 :: -1])
    out: NDArray[np.uint8] = ((T @ x) & 1).astype(np.uint8)
    return out


def polynomial_hash(key: NDArray[np.integer], r: int) -> int:
    """Polynomial hash of the key over GF(2**61 - 1) at the point ``r`` (a tag of 61 bits).

    The key is packed into 32-bit words w_1..w_L and hashed as sum_i w_i r**(L - i + 1) mod p:
    two different keys of L words collide with probability <= L / p over a uniform ``r``
    (Carter-Wegman / Wegman-Carter almost-universal hashing), about 1e-14 for a 1 Mbit key.
    """
    x = _bits("key", key)
    if not (0 < r < MERSENNE61):
        raise ConfigError("the hash point r must be in (0, 2**61 - 1)")
    pad = (-x.size) % 32
    words = np.packbits(np.concatenate((x, np.zeros(pad, dtype=np.uint8)))).view(">u4")
    h = 0
    p = MERSENNE61
    for w in words.tolist():
        h = (h * r + w) % p
    # the length is hashed too, so keys that differ only by trailing zeros differ
    return (h * r + x.size) % p


def verify_keys(alice: NDArray[np.integer], bob: NDArray[np.integer], rng: np.random.Generator) -> tuple[bool, int]:
    """Compare Alice's and Bob's keys by a public 61-bit universal-hash tag.

    Returns ``(equal_tags, tag_bits)``; the tag bits are disclosed and count as leaked.
    """
    r = int(rng.integers(1, MERSENNE61))
    return polynomial_hash(alice, r) == polynomial_hash(bob, r), 61
