"""SP 800-22 section 2.10: linear complexity test."""

from __future__ import annotations

from typing import Any

import numpy as np

from qtilab.errors import ConfigError
from qtilab.rng.nist import _kernels
from qtilab.rng.nist._common import NistResult, as_bits, igamc, not_applicable

NAME = "LinearComplexity"
#: SP 800-22 2.10.7: n >= 10^6
MIN_BITS = 1_000_000

#: class probabilities as printed in the reference code
_PI = np.array([0.01047, 0.03125, 0.12500, 0.50000, 0.25000, 0.06250, 0.020833])


def linear_complexities(e: np.ndarray, M: int) -> np.ndarray:
    """Berlekamp-Massey linear complexity of each M-bit block."""
    N = e.size // M
    blocks = e[: N * M].reshape(N, M)[:, ::-1]
    nw = M // 64 + 3
    padded = np.zeros((N, nw * 64), dtype=np.uint8)
    padded[:, :M] = blocks
    rev = np.packbits(padded, axis=1, bitorder="little").view("<u8").astype(np.uint64)
    return np.asarray(_kernels.berlekamp_massey_packed(np.ascontiguousarray(rev), M))


def linear_complexity(bits: Any, M: int = 500) -> NistResult:
    """Linear complexity of M-bit blocks against its distribution (reference: M = 500).

    Examples
    --------
    >>> int(linear_complexities(as_bits("1101011110001"), 13)[0])
    4
    """
    e = as_bits(bits)
    if isinstance(M, bool) or not isinstance(M, (int, np.integer)) or M < 1:
        raise ConfigError(f"block size M must be a positive integer, got {M!r}")
    N = e.size // M
    if M < 2 or N == 0:
        return not_applicable(NAME, f"n = {e.size} bits hold no block of M = {M} bits")
    L = linear_complexities(e, M)
    sign = 1.0 if (M + 1) % 2 else -1.0
    mean = M / 2.0 + (9.0 + sign) / 36.0 - (M / 3.0 + 2.0 / 9.0) / 2.0**M
    sign = 1.0 if M % 2 == 0 else -1.0
    T = sign * (L - mean) + 2.0 / 9.0
    cls = np.searchsorted(np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]), T, side="left")
    nu = np.bincount(cls, minlength=7)
    chi2 = float(np.sum((nu - N * _PI) ** 2 / (N * _PI)))
    return NistResult(NAME, (igamc(3.0, chi2 / 2.0),), ("",), {"M": M, "N": N, "nu": nu.tolist(), "chi2": chi2})
