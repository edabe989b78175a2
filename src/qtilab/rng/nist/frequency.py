"""SP 800-22 section 2.1: frequency (monobit) test."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qtilab.rng.nist._common import NistResult, as_bits, erfc, not_applicable

NAME = "Frequency"
#: SP 800-22 2.1.7: n >= 100
MIN_BITS = 100


def frequency(bits: Any) -> NistResult:
    """Frequency (monobit) test: is the number of ones close to n/2?

    Examples
    --------
    >>> round(frequency("1011010101").p_value, 6)
    0.527089
    """
    e = as_bits(bits)
    n = e.size
    if n == 0:
        return not_applicable(NAME, "empty sequence")
    s = 2 * int(np.count_nonzero(e)) - n
    s_obs = abs(s) / math.sqrt(n)
    return NistResult(NAME, (erfc(s_obs / math.sqrt(2)),), ("",), {"S_n": s, "s_obs": s_obs})
