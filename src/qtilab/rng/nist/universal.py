"""SP 800-22 section 2.9: Maurer's "universal statistical" test."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qtilab.rng.nist import _kernels
from qtilab.rng.nist._common import NistResult, as_bits, erfc, not_applicable

NAME = "Universal"
#: the reference refuses L < 6, i.e. n < 387 840
MIN_BITS = 387_840

_EXPECTED = (0, 0, 0, 0, 0, 0, 5.2177052, 6.1962507, 7.1836656, 8.1764248, 9.1723243, 10.170032,
             11.168765, 12.168070, 13.167693, 14.167488, 15.167379)
_VARIANCE = (0, 0, 0, 0, 0, 0, 2.954, 3.125, 3.238, 3.311, 3.356, 3.384, 3.401, 3.410, 3.416,
             3.419, 3.421)
_L_THRESHOLDS = (387840, 904960, 2068480, 4654080, 10342400, 22753280, 49643520, 107560960,
                 231669760, 496435200, 1059061760)


def choose_L(n: int) -> int:
    """Block length L as the reference code picks it from n (5 means: too short)."""
    L = 5
    for k, t in enumerate(_L_THRESHOLDS):
        if n >= t:
            L = 6 + k
    return L


def universal(bits: Any, L: int | None = None, Q: int | None = None) -> NistResult:
    """Maurer's test: mean log2 distance between repeats of L-bit blocks.

    L and Q = 10 2^L are chosen from n as the reference does; the reference's expected values
    and variances exist for L = 6..16 only, so other L are not applicable.
    """
    e = as_bits(bits)
    n = e.size
    L = choose_L(n) if L is None else L
    Q = 10 * 2**L if Q is None else Q
    if L < 6 or L > 16:
        return not_applicable(NAME, f"L = {L} outside 6..16 (n = {n} < 387 840 bits, the reference's minimum)")
    if Q < 10 * 2**L:
        return not_applicable(NAME, f"Q = {Q} < 10 * 2^L = {10 * 2**L}")
    K = n // L - Q
    if K <= 0:
        return not_applicable(NAME, f"no test blocks: n/L = {n // L} <= Q = {Q}")
    total = Q + K
    vals = _kernels.windows(e[: total * L], L, False)[::L].astype(np.int64)  # block values
    order = np.argsort(vals, kind="stable")
    sv = vals[order]
    pos = order + 1  # 1-based block index, as the reference
    prev = np.zeros_like(pos)
    same = sv[1:] == sv[:-1]
    prev[1:][same] = pos[:-1][same]
    test = pos > Q
    s = float(np.sum(np.log2((pos[test] - prev[test]).astype(np.float64))))
    phi = s / K
    c = 0.7 - 0.8 / L + (4 + 32 / L) * K ** (-3 / L) / 15
    sigma = c * math.sqrt(_VARIANCE[L] / K)
    arg = abs(phi - _EXPECTED[L]) / (math.sqrt(2) * sigma)
    return NistResult(NAME, (erfc(arg),), ("",), {"L": L, "Q": Q, "K": K, "f_n": phi, "sigma": sigma})
