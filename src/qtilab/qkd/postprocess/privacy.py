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
* the circular convolution length is the smallest ``2**a 3**b >= n + m - 1`` (no zero
  padding to ``2n + m`` or to a power of 2: the outputs we keep never wrap around); on this
  machine pocketfft ran these sizes faster than ``scipy.fft.next_fast_len``'s (which may
  contain factors 5, 7, 11) -- ``bench/qkd_postprocess.py`` compares both;
* the +-1 mapping and the final rounding/parity with the sliding window sums are single-pass
  numba loops;
* by default two key bits share one float64 sample (``X_l = x'_2l + R x'_2l+1`` with a radix
  ``R = 2^ceil(log2(16 sqrt(n)))``), halving the FFT length; each product sample carries three
  balanced base-R digits from which the kept sums are rebuilt. A digit exceeds its range only
  if a sum of +-1 terms exceeds 8 standard deviations (about 1e-9 per 10^6-bit block, since
  the random seed makes every sum a random walk whatever the key); such an overflow carries
  into the next digit and breaks the known parity of that sum, which is checked for every
  output, and the block is then redone without packing. So the result is always exact.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from qtilab.errors import ConfigError, DataError

__all__ = [
    "MERSENNE61",
    "fft_size",
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


@njit(cache=True)
def _pm1(bits: NDArray[np.uint8], out: NDArray[Any]) -> None:
    """out[:k] = 2 * bits - 1, out[k:] = 0 (one pass)."""
    k = bits.shape[0]
    for i in range(k):
        out[i] = 2.0 * bits[i] - 1.0
    for i in range(k, out.shape[0]):
        out[i] = 0.0


@njit(cache=True)
def _finish(s: NDArray[Any], t: NDArray[np.uint8], n: int, sum_x: int) -> tuple[NDArray[np.uint8], float]:
    """Bits of (s_i + 2 sum(x) + 2 W_i - n) / 4 with W_i = sum(t[i : i + n]), and the worst
    distance of a value from its rounded integer (the rounding margin)."""
    m = s.shape[0]
    out = np.empty(m, dtype=np.uint8)
    w = 0
    for j in range(n):
        w += t[j]
    worst = 0.0
    base = 2 * sum_x - n
    for i in range(m):
        v = (np.float64(s[i]) + 2 * w + base) * 0.25
        r = np.floor(v + 0.5)
        d = abs(v - r)
        if d > worst:
            worst = d
        out[i] = np.int64(r) & 1
        if i + n < t.shape[0]:
            w += int(t[i + n]) - int(t[i])
    return out, worst


@njit(cache=True)
def _pack2(bits: NDArray[np.uint8], out: NDArray[np.float64], radix: float) -> None:
    """out[l] = (2 b[2l] - 1) + radix (2 b[2l+1] - 1): two +-1 values per float64 sample."""
    k = bits.shape[0]
    h = (k + 1) // 2
    for l in range(h):
        v = 2.0 * bits[2 * l] - 1.0
        if 2 * l + 1 < k:
            v += radix * (2.0 * bits[2 * l + 1] - 1.0)
        out[l] = v
    for l in range(h, out.shape[0]):
        out[l] = 0.0


@njit(cache=True)
def _finish_packed(
    s: NDArray[np.float64], t: NDArray[np.uint8], n: int, m: int, sum_x: int, radix: int
) -> tuple[NDArray[np.uint8], bool]:
    """Unpack the 3 base-``radix`` digits of each product sample and rebuild the kept sums.

    With X_l = x'_2l + R x'_2l+1 (same for t'), sample P_L of X * T carries
    d0 = sum t'_{2L-2l} x'_{2l}, d1 = the odd-index sums, d2 = sum t'_{2L-2l+1} x'_{2l+1}, so
    c_{2L} = d0(P_L) + d2(P_{L-1}) and c_{2L+1} = d1(P_L). Every kept c_k is a sum of n terms
    +-1, so it has the parity of n: a digit that overflowed its balanced range carries +-1
    into the next digit and breaks that parity -- then ``ok`` is False and the caller redoes
    the product without packing. ``ok`` is also False when a sample is not within 1/4 of an
    integer (float rounding). ``radix`` is a power of two: digits come from masks and shifts.
    """
    out = np.empty(m, dtype=np.uint8)
    half = radix // 2
    mask = radix - 1
    shift = 0
    while (1 << shift) < radix:
        shift += 1
    w = 0
    for j in range(n):
        w += t[j]
    base = 2 * sum_x - n
    ok = True
    k_lo = n - 1
    k_hi = n + m - 2
    L0 = k_lo // 2
    d2_prev = np.int64(0)
    if L0 >= 1:
        v = s[L0 - 1]
        r = np.floor(v + 0.5)
        if abs(v - r) > 0.25:
            ok = False
        c = np.int64(r)
        d0 = ((c + half) & mask) - half
        c1 = (c - d0) >> shift
        d1 = ((c1 + half) & mask) - half
        d2_prev = (c1 - d1) >> shift
    nparity = n & 1
    i = 0
    for L in range(L0, k_hi // 2 + 1):
        v = s[L]
        r = np.floor(v + 0.5)
        if abs(v - r) > 0.25:
            ok = False
        c = np.int64(r)
        d0 = ((c + half) & mask) - half
        c1 = (c - d0) >> shift
        d1 = ((c1 + half) & mask) - half
        d2 = (c1 - d1) >> shift
        for k in (2 * L, 2 * L + 1):
            if k < k_lo or k > k_hi:
                continue
            ck = d0 + d2_prev if k == 2 * L else d1
            if (ck & 1) != nparity:
                ok = False
            out[i] = ((ck + 2 * w + base) >> 2) & 1
            if i + n < t.shape[0]:
                w += int(t[i + n]) - int(t[i])
            i += 1
        d2_prev = d2
    return out, ok


def fft_size(length: int) -> int:
    """Smallest 2**a * 3**b >= length: pocketfft's fastest real sizes for these lengths
    (``next_fast_len`` also admits factors 5, 7, 11, which measured slower here)."""
    best = 1 << max(0, (length - 1).bit_length())
    p3 = 1
    while p3 < best:
        p2 = p3
        while p2 < length:
            p2 *= 2
        best = min(best, p2)
        p3 *= 3
    return best


def _backend(name: str) -> str:
    if name == "auto":
        import importlib.util

        return "ducc0" if importlib.util.find_spec("ducc0") is not None else "scipy"
    if name == "ducc0":
        from qtilab._optional import require

        require("ducc0", extra="fast")
        return name
    if name == "scipy":
        return name
    raise ConfigError(f"FFT backend must be 'auto', 'scipy' or 'ducc0', got {name!r}")


#: largest key length hashed with two bits per float64 sample (the digit radix grows as
#: 16 sqrt(n); beyond this the float64 rounding margin would get thin)
PACKED_MAX_BITS = 1 << 22


def _convolve(a: NDArray[Any], b: NDArray[Any], nfft: int, workers: int, backend: str) -> NDArray[Any]:
    """Circular convolution of two real arrays of length nfft (destroys a and b)."""
    if _backend(backend) == "ducc0":
        import ducc0

        fa = ducc0.fft.r2c(a, nthreads=workers)
        fb = ducc0.fft.r2c(b, nthreads=workers)
        fa *= fb
        res: NDArray[Any] = ducc0.fft.c2r(
            fa, lastsize=nfft, forward=False, inorm=2, nthreads=workers, allow_overwriting_input=True
        )
        return res
    import scipy.fft as sfft

    fa = sfft.rfft(a, overwrite_x=True, workers=workers)
    fb = sfft.rfft(b, overwrite_x=True, workers=workers)
    fa *= fb
    out: NDArray[Any] = sfft.irfft(fa, nfft, overwrite_x=True, workers=workers)
    return out


def _toeplitz_packed(
    x: NDArray[np.uint8], t: NDArray[np.uint8], m: int, workers: int, backend: str
) -> NDArray[np.uint8] | None:
    """Two bits per float64 sample (digits base R = 2^ceil(log2(16 sqrt n)), balanced): half
    the FFT length of the one-bit-per-sample product. None if a parity check fails."""
    import math

    n = x.size
    radix = 1 << math.ceil(math.log2(16.0 * math.sqrt(n)))
    len_x = (n + 1) // 2
    len_t = (n + m) // 2  # ceil((n + m - 1) / 2)
    l_min = max(0, (n - 1) // 2 - 1)
    l_max = len_x + len_t - 2
    nfft = fft_size(max(l_max - l_min + 1, (n + m - 2) // 2 + 1))
    xs = np.empty(nfft, dtype=np.float64)
    ts = np.empty(nfft, dtype=np.float64)
    _pack2(np.ascontiguousarray(x), xs, float(radix))
    _pack2(np.ascontiguousarray(t), ts, float(radix))
    sconv = np.ascontiguousarray(_convolve(xs, ts, nfft, workers, backend))
    out, ok = _finish_packed(sconv, np.ascontiguousarray(t), n, m, int(x.sum(dtype=np.int64)), radix)
    return out if ok else None


def toeplitz_hash(
    key: NDArray[np.integer],
    seed_bits: NDArray[np.integer],
    out_len: int,
    *,
    precision: str = "packed",
    workers: int = 1,
    size: int | None = None,
    backend: str = "auto",
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
        ``"packed"`` (default: two key bits per float64 sample, half-length FFTs, with parity
        and rounding checks that fall back to ``"double"``), ``"single"`` (one bit per float32
        sample, with a rounding-margin guard) or ``"double"`` (one bit per float64 sample).
    workers:
        Threads for scipy.fft.
    size:
        FFT length (>= n + m - 1) of the one-bit-per-sample paths; default :func:`fft_size`
        (giving it selects ``"single"`` instead of ``"packed"``).
    backend:
        ``"scipy"`` (pocketfft), ``"ducc0"`` (its successor, about 1.7x faster here for these
        lengths; ``pip install 'qtilab[fast]'``) or ``"auto"`` (ducc0 when installed).

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
    x = _bits("key", key)
    t = _bits("seed_bits", seed_bits)
    n = x.size
    m = int(out_len)
    if n == 0 or m <= 0 or m > n:
        raise ConfigError(f"need 0 < out_len <= len(key) = {n}, got out_len={out_len}")
    if t.size != n + m - 1:
        raise ConfigError(f"seed_bits must have len(key) + out_len - 1 = {n + m - 1} bits, got {t.size}")
    if precision not in ("packed", "single", "double"):
        raise ConfigError(f"precision must be 'packed', 'single' or 'double', got {precision!r}")
    if precision == "packed":
        if n > PACKED_MAX_BITS or size is not None:
            precision = "single"
        else:
            out_p = _toeplitz_packed(x, t, m, workers, backend)
            if out_p is not None:
                return out_p
            # a digit overflowed (probability ~1e-9 per block) or rounding was thin: redo
            precision = "double"
    dt = np.float32 if precision == "single" else np.float64
    nfft = fft_size(n + m - 1) if size is None else int(size)
    if nfft < n + m - 1:
        raise ConfigError(f"FFT size {nfft} is shorter than n + m - 1 = {n + m - 1}")
    x = np.ascontiguousarray(x)
    t = np.ascontiguousarray(t)
    # +-1 signals (the 0/1 mean would dominate the sums and the FFT's rounding error)
    xs = np.empty(nfft, dtype=dt)
    ts = np.empty(nfft, dtype=dt)
    _pm1(x, xs)
    _pm1(t, ts)
    sfull = _convolve(xs, ts, nfft, workers, backend)
    out, worst = _finish(np.ascontiguousarray(sfull[n - 1 : n - 1 + m]), t, n, int(x.sum(dtype=np.int64)))
    if precision == "single" and worst > 0.125:
        # the float32 margin is ~100x wider than this; redo in double if it is ever thin
        return toeplitz_hash(x, t, m, precision="double", workers=workers, backend=backend)
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
