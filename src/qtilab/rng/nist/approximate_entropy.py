"""SP 800-22 section 2.12: approximate entropy test."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qtilab.rng.nist._common import NistResult, as_bits, igamc, not_applicable
from qtilab.rng.nist.serial import circular_counts

NAME = "ApproximateEntropy"
#: SP 800-22 2.12.7 asks m < floor(log2 n) - 5; for m = 10 that is n >= 2^16
MIN_BITS = 2**16


def _phi(counts: np.ndarray, n: int) -> float:
    c = counts[counts > 0].astype(np.float64)
    return float(np.sum(c * np.log(c / n)) / n)


def approximate_entropy(bits: Any, m: int = 10) -> NistResult:
    """Approximate entropy of overlapping m- and (m+1)-bit patterns (reference: m = 10).

    Examples
    --------
    >>> round(approximate_entropy("0100110101", m=3).p_value, 6)
    0.261961
    """
    e = as_bits(bits)
    n = e.size
    if m < 1 or m > 24:
        return not_applicable(NAME, f"block length m = {m} outside 1..24")
    if n < m + 1:
        return not_applicable(NAME, f"n = {n} < m + 1 = {m + 1}")
    c1 = circular_counts(e, m + 1)
    c0 = c1.reshape(-1, 2).sum(axis=1)
    apen = _phi(c0, n) - _phi(c1, n)
    chi2 = 2.0 * n * (math.log(2) - apen)
    return NistResult(NAME, (igamc(2.0 ** (m - 1), chi2 / 2.0),), ("",), {"ApEn": apen, "chi2": chi2})
