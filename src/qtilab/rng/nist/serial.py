"""SP 800-22 section 2.11: serial test."""

from __future__ import annotations

from typing import Any

import numpy as np

from qtilab.rng.nist import _kernels
from qtilab.rng.nist._common import NistResult, as_bits, igamc, not_applicable

NAME = "Serial"
#: SP 800-22 2.11.7 asks m < floor(log2 n) - 2; for m = 16 that is n >= 2^19
MIN_BITS = 2**19


def circular_counts(e: np.ndarray, m: int) -> np.ndarray:
    """Counts of every m-bit pattern over the n windows of the sequence read circularly."""
    if m == 0:
        return np.array([e.size], dtype=np.int64)
    return np.bincount(_kernels.windows(e, m, True), minlength=1 << m).astype(np.int64)


def psi2(counts: np.ndarray, n: int) -> float:
    m = int(np.log2(counts.size))
    if m == 0:
        return 0.0
    return float(2.0**m / n * np.sum(counts.astype(np.float64) ** 2) - n)


def serial(bits: Any, m: int = 16) -> NistResult:
    """Frequencies of all overlapping m-bit patterns (reference: m = 16); two P-values.

    Counts for m - 1 and m - 2 are marginals of the m-bit counts (circular windows).

    Examples
    --------
    >>> [round(p, 6) for p in serial("0011011101", m=3).p_values]
    [0.808792, 0.67032]
    """
    e = as_bits(bits)
    n = e.size
    if m < 2 or m > 25:
        return not_applicable(NAME, f"block length m = {m} outside 2..25")
    if n < m:
        return not_applicable(NAME, f"n = {n} < m = {m}")
    c_m = circular_counts(e, m)
    c_m1 = c_m.reshape(-1, 2).sum(axis=1)
    c_m2 = c_m1.reshape(-1, 2).sum(axis=1) if m >= 2 else np.array([n])
    p0, p1, p2 = psi2(c_m, n), psi2(c_m1, n), psi2(c_m2, n)
    d1 = p0 - p1
    d2 = p0 - 2.0 * p1 + p2
    pv = (igamc(2.0 ** (m - 2), d1 / 2.0), igamc(2.0 ** (m - 3), d2 / 2.0))
    return NistResult(NAME, pv, ("del1", "del2"), {"psi2_m": p0, "psi2_m1": p1, "psi2_m2": p2, "del1": d1, "del2": d2})
