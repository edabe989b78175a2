"""SP 800-22 section 2.2: frequency test within a block."""

from __future__ import annotations

from typing import Any

import numpy as np

from qtilab.errors import ConfigError
from qtilab.rng.nist._common import NistResult, as_bits, igamc, not_applicable

NAME = "BlockFrequency"
#: SP 800-22 2.2.7: n >= 100
MIN_BITS = 100


def block_frequency(bits: Any, M: int = 128) -> NistResult:
    """Frequency within blocks of M bits (reference default M = 128).

    Examples
    --------
    >>> round(block_frequency("0110011010", M=3).p_value, 6)
    0.801252
    """
    e = as_bits(bits)
    if isinstance(M, bool) or not isinstance(M, (int, np.integer)) or M < 1:
        raise ConfigError(f"block size M must be a positive integer, got {M!r}")
    N = e.size // M
    if M < 1 or N == 0:
        return not_applicable(NAME, f"needs at least one block of M = {M} bits, got n = {e.size}")
    ones = e[: N * M].reshape(N, M).sum(axis=1, dtype=np.int64)
    pi = ones / M
    chi2 = 4.0 * M * float(np.sum((pi - 0.5) ** 2))
    return NistResult(NAME, (igamc(N / 2.0, chi2 / 2.0),), ("",), {"N": N, "M": M, "chi2": chi2})
