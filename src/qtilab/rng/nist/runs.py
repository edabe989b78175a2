"""SP 800-22 section 2.3: runs test."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qtilab.rng.nist._common import NistResult, as_bits, erfc, not_applicable

NAME = "Runs"
#: SP 800-22 2.3.7: n >= 100
MIN_BITS = 100


def runs(bits: Any) -> NistResult:
    """Total number of runs against its expectation given the proportion of ones.

    When the frequency prerequisite |pi - 1/2| >= 2/sqrt(n) fails, the reference suite reports
    P = 0 without computing the statistic; so do we (``statistics['prerequisite'] = False``).

    Examples
    --------
    >>> round(runs("1001101011").p_value, 6)
    0.147232
    """
    e = as_bits(bits)
    n = e.size
    if n < 2:
        return not_applicable(NAME, f"needs at least 2 bits, got n = {n}")
    pi = np.count_nonzero(e) / n
    if abs(pi - 0.5) > 2.0 / math.sqrt(n):
        return NistResult(NAME, (0.0,), ("",), {"pi": pi, "prerequisite": False})
    v_obs = 1 + int(np.count_nonzero(e[1:] != e[:-1]))
    arg = abs(v_obs - 2.0 * n * pi * (1 - pi)) / (2.0 * math.sqrt(2.0 * n) * pi * (1 - pi))
    return NistResult(NAME, (erfc(arg),), ("",), {"pi": pi, "V_obs": v_obs, "prerequisite": True})
