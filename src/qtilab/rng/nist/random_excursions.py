"""SP 800-22 section 2.14: random excursions test."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qtilab.rng.nist._common import NistResult, as_bits, igamc, not_applicable

NAME = "RandomExcursions"
#: SP 800-22 2.14.7: n >= 10^6
MIN_BITS = 1_000_000
STATES = (-4, -3, -2, -1, 1, 2, 3, 4)

#: pi_k(x), k = 0..5 (5 = "5 or more"), by |x| = 1..4, as printed in the reference code
_PI = np.array([
    [0.5000000000, 0.25000000000, 0.12500000000, 0.06250000000, 0.03125000000, 0.0312500000],
    [0.7500000000, 0.06250000000, 0.04687500000, 0.03515625000, 0.02636718750, 0.0791015625],
    [0.8333333333, 0.02777777778, 0.02314814815, 0.01929012346, 0.01607510288, 0.0803755143],
    [0.8750000000, 0.01562500000, 0.01367187500, 0.01196289063, 0.01046752930, 0.0732727051],
])


def walk_cycles(e: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Partial sums S_k, the cycle index of every step, and the number of cycles J."""
    s = np.cumsum(2 * e.astype(np.int64) - 1)
    zero = s == 0
    cycle = np.concatenate(([0], np.cumsum(zero)[:-1]))  # zeros before position k
    J = int(np.count_nonzero(zero)) + (1 if s[-1] != 0 else 0)
    return s, cycle, J


def min_cycles(n: int) -> int:
    """The reference suite's minimum number of cycles, max(0.005 sqrt(n), 500)."""
    return int(max(0.005 * math.sqrt(n), 500))


def random_excursions(bits: Any, min_cycles_required: int | None = None, check_max_cycles: bool = True) -> NistResult:
    """Visits to the states -4..4 per cycle of the random walk; eight P-values.

    The reference refuses when J < max(0.005 sqrt n, 500) (``min_cycles_required`` overrides,
    0 reproduces the document's toy example) and when J > max(1000, n/100) (its cycle table
    overflows; ``check_max_cycles=False`` computes anyway).

    Examples
    --------
    >>> r = random_excursions("0110110101", min_cycles_required=0)
    >>> round(r.p_values[STATES.index(1)], 6)  # the document prints 0.502529 (rounding slip)
    0.502488
    """
    e = as_bits(bits)
    n = e.size
    if n == 0:
        return not_applicable(NAME, "empty sequence")
    s, cycle, J = walk_cycles(e)
    need = min_cycles(n) if min_cycles_required is None else min_cycles_required
    if J < need:
        return not_applicable(NAME, f"J = {J} cycles < {need} (max(0.005 sqrt(n), 500), the reference's rule)", J=J)
    zeros = J - (1 if s[-1] != 0 else 0)  # the reference checks the count of returns to zero
    if check_max_cycles and zeros > max(1000, n // 100):
        return not_applicable(
            NAME, f"{zeros} returns to zero > max(1000, n/100) = {max(1000, n // 100)} (the reference's cycle table limit)", J=J
        )
    inrange = (s != 0) & (np.abs(s) <= 4)
    st = np.where(s > 0, s + 3, s + 4)[inrange]  # -4..-1 -> 0..3, 1..4 -> 4..7
    visits = np.bincount(cycle[inrange] * 8 + st, minlength=J * 8).reshape(J, 8)
    nu = np.zeros((6, 8), dtype=np.int64)
    for i in range(8):
        nu[:, i] = np.bincount(np.minimum(visits[:, i], 5), minlength=6)
    pvals, chi2s = [], []
    for i, x in enumerate(STATES):
        pi = _PI[abs(x) - 1]
        c = float(np.sum((nu[:, i] - J * pi) ** 2 / (J * pi)))
        chi2s.append(c)
        pvals.append(igamc(2.5, c / 2.0))
    return NistResult(NAME, tuple(pvals), tuple(f"{x:+d}" for x in STATES), {"J": J, "nu": nu.tolist(), "chi2": chi2s})
