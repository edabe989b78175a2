"""SP 800-22 section 2.5: binary matrix rank test."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from qtilab.rng.nist import _kernels
from qtilab.rng.nist._common import NistResult, as_bits, not_applicable

NAME = "Rank"
#: SP 800-22 2.5.7: n >= 38 M Q = 38 912 for 32 x 32 matrices
MIN_BITS = 38 * 32 * 32


def rank_probabilities(M: int, Q: int, kind: Literal["exact", "asymptotic"] = "exact") -> tuple[float, float, float]:
    """Probabilities of full rank, rank - 1 and lower for a random M x Q matrix over GF(2).

    ``exact`` is the finite-size formula the reference code evaluates for 32 x 32;
    ``asymptotic`` is the large-matrix limit the document uses in its 3 x 3 toy example.
    """
    R = min(M, Q)
    if kind == "asymptotic":
        prod = 1.0
        for j in range(1, 200):
            prod *= 1.0 - 2.0**-j
        # M, Q -> inf: P(full) = prod_j (1 - 2^-j) = 0.2888, P(full - 1) = 2 P(full) = 0.5776
        return prod, 2.0 * prod, 1.0 - 3.0 * prod

    def p_r(r: int) -> float:
        prod = 1.0
        for i in range(r):
            prod *= (1.0 - 2.0 ** (i - Q)) * (1.0 - 2.0 ** (i - M)) / (1.0 - 2.0 ** (i - r))
        return 2.0 ** (r * (Q + M - r) - M * Q) * prod

    p_full, p_m1 = p_r(R), p_r(R - 1)
    return p_full, p_m1, 1.0 - (p_full + p_m1)


def matrix_ranks(e: np.ndarray, M: int, Q: int) -> np.ndarray:
    """GF(2) ranks of the consecutive M x Q matrices filled row by row."""
    N = e.size // (M * Q)
    rows = e[: N * M * Q].reshape(N * M, Q)
    packed = np.packbits(rows, axis=1, bitorder="little")
    words = np.zeros((N * M, 8), dtype=np.uint8)
    words[:, : packed.shape[1]] = packed
    w64 = words.view("<u8").reshape(N, M).astype(np.uint64)
    return np.asarray(_kernels.gf2_ranks(w64, Q))


def rank(
    bits: Any,
    M: int = 32,
    Q: int = 32,
    probabilities: Literal["exact", "asymptotic"] | tuple[float, float, float] = "exact",
) -> NistResult:
    """Ranks of disjoint M x Q sub-matrices (reference: 32 x 32).

    ``probabilities``: ``"exact"`` (the reference's formula), ``"asymptotic"``, or the three
    class probabilities (full rank, full - 1, lower) given explicitly.

    Examples
    --------
    >>> r = rank("01011001001010101101", M=3, Q=3, probabilities=(0.2888, 0.5776, 0.1336))
    >>> round(r.statistics["chi2"], 6)
    0.596953
    """
    e = as_bits(bits)
    if not (1 <= M <= 64 and 1 <= Q <= 64):
        return not_applicable(NAME, f"matrix size {M} x {Q} outside 1..64")
    N = e.size // (M * Q)
    if N == 0:
        return not_applicable(NAME, f"n = {e.size} bits hold no {M} x {Q} matrix")
    ranks = matrix_ranks(e, M, Q)
    R = min(M, Q)
    f_full = int(np.count_nonzero(ranks == R))
    f_m1 = int(np.count_nonzero(ranks == R - 1))
    f_rest = N - f_full - f_m1
    p = probabilities if isinstance(probabilities, tuple) else rank_probabilities(M, Q, probabilities)
    chi2 = sum((f - N * pi) ** 2 / (N * pi) for f, pi in zip((f_full, f_m1, f_rest), p))
    return NistResult(
        NAME, (math.exp(-chi2 / 2.0),), ("",),
        {"N": N, "F_full": f_full, "F_minus1": f_m1, "F_rest": f_rest, "chi2": chi2, "probabilities": p},
    )
