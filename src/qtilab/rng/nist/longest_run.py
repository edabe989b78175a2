"""SP 800-22 section 2.4: test for the longest run of ones in a block."""

from __future__ import annotations

from typing import Any

import numpy as np

from qtilab.rng.nist._common import NistResult, as_bits, igamc, not_applicable

NAME = "LongestRun"
#: the reference suite refuses n < 128
MIN_BITS = 128

# (M, class boundaries v_min..v_max, class probabilities) exactly as in the reference code
_TABLES = {
    8: (1, 4, (0.21484375, 0.3671875, 0.23046875, 0.1875)),
    128: (4, 9, (0.1174035788, 0.242955959, 0.249363483, 0.17517706, 0.102701071, 0.112398847)),
    10000: (10, 16, (0.0882, 0.2092, 0.2483, 0.1933, 0.1208, 0.0675, 0.0727)),
}


def _longest_runs(blocks: np.ndarray) -> np.ndarray:
    """Longest run of ones in each row, vectorised over rows.

    Run lengths come from the positions of zeros: pad each row with a zero on both sides,
    the gaps between consecutive zeros minus one are the runs.
    """
    nb, M = blocks.shape
    padded = np.zeros((nb, M + 2), dtype=np.uint8)
    padded[:, 1:-1] = blocks
    r, c = np.nonzero(padded == 0)
    gaps = np.diff(c) - 1
    same = r[1:] == r[:-1]
    out = np.zeros(nb, dtype=np.int64)
    np.maximum.at(out, r[1:][same], gaps[same])
    return out


def longest_run(bits: Any) -> NistResult:
    """Longest run of ones in blocks of M = 8, 128 or 10^4 bits (chosen by n as the reference).

    Examples
    --------
    >>> e = "11001100000101010110110001001100111000000000001001001101010100010001001111010110100000001101011111001100111001101101100010110010"
    >>> round(longest_run(e).p_value, 6)
    0.180609
    """
    e = as_bits(bits)
    n = e.size
    if n < 128:
        return not_applicable(NAME, f"n = {n} < 128 bits (the reference suite's minimum)")
    M = 8 if n < 6272 else (128 if n < 750000 else 10000)
    vmin, vmax, pi = _TABLES[M]
    N = n // M
    longest = _longest_runs(e[: N * M].reshape(N, M))
    cls = np.clip(longest, vmin, vmax) - vmin
    nu = np.bincount(cls, minlength=len(pi)).astype(np.int64)
    p = np.asarray(pi)
    chi2 = float(np.sum((nu - N * p) ** 2 / (N * p)))
    K = len(pi) - 1
    return NistResult(NAME, (igamc(K / 2.0, chi2 / 2.0),), ("",), {"M": M, "N": N, "nu": nu.tolist(), "chi2": chi2})
