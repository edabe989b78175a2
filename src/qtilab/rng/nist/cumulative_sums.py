"""SP 800-22 section 2.13: cumulative sums (cusum) test, forward and reverse."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qtilab.rng.nist._common import NistResult, as_bits, normal_cdf, not_applicable

NAME = "CumulativeSums"
#: SP 800-22 2.13.7: n >= 100
MIN_BITS = 100


def _cdiv(a: int, b: int) -> int:
    """C integer division (truncates toward zero), as the reference's loop bounds use."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def cusum_p(z: int, n: int) -> float:
    """P-value of a maximal excursion z of a random walk of n steps (reference formula)."""
    sq = math.sqrt(n)
    s1 = 0.0
    for k in range(_cdiv(_cdiv(-n, z) + 1, 4), _cdiv(_cdiv(n, z) - 1, 4) + 1):
        s1 += normal_cdf((4 * k + 1) * z / sq) - normal_cdf((4 * k - 1) * z / sq)
    s2 = 0.0
    for k in range(_cdiv(_cdiv(-n, z) - 3, 4), _cdiv(_cdiv(n, z) - 1, 4) + 1):
        s2 += normal_cdf((4 * k + 3) * z / sq) - normal_cdf((4 * k + 1) * z / sq)
    return 1.0 - s1 + s2


def cumulative_sums(bits: Any) -> NistResult:
    """Maximal excursion of the +-1 random walk from the start (forward) and the end (reverse).

    Examples
    --------
    >>> [round(p, 6) for p in cumulative_sums("1011010111").p_values]
    [0.411659, 0.411659]
    """
    e = as_bits(bits)
    n = e.size
    if n == 0:
        return not_applicable(NAME, "empty sequence")
    s = np.cumsum(2 * e.astype(np.int64) - 1)
    z_f = int(np.max(np.abs(s)))
    # reverse walk: partial sums from the end are S_n - S_{k}, k = n-1..0 (S_0 = 0)
    prefix = np.concatenate(([0], s[:-1]))
    z_r = int(np.max(np.abs(s[-1] - prefix)))
    return NistResult(
        NAME, (cusum_p(z_f, n), cusum_p(z_r, n)), ("forward", "reverse"), {"z_forward": z_f, "z_reverse": z_r}
    )
