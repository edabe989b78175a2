"""SP 800-22 section 2.15: random excursions variant test."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qtilab.rng.nist._common import NistResult, as_bits, erfc, not_applicable
from qtilab.rng.nist.random_excursions import min_cycles, walk_cycles

NAME = "RandomExcursionsVariant"
#: SP 800-22 2.15.7: n >= 10^6
MIN_BITS = 1_000_000
STATES = tuple(x for x in range(-9, 10) if x != 0)


def random_excursions_variant(bits: Any, min_cycles_required: int | None = None) -> NistResult:
    """Total visits to each state -9..9 against the number of cycles J; eighteen P-values.

    Examples
    --------
    >>> r = random_excursions_variant("0110110101", min_cycles_required=0)
    >>> round(r.p_values[STATES.index(1)], 6)
    0.683091
    """
    e = as_bits(bits)
    n = e.size
    if n == 0:
        return not_applicable(NAME, "empty sequence")
    s, _, J = walk_cycles(e)
    need = min_cycles(n) if min_cycles_required is None else min_cycles_required
    if J < need:
        return not_applicable(NAME, f"J = {J} cycles < {need} (max(0.005 sqrt(n), 500), the reference's rule)", J=J)
    sel = s[(s != 0) & (np.abs(s) <= 9)]
    xi = np.bincount(sel + 9, minlength=19)
    pvals = tuple(
        erfc(abs(int(xi[x + 9]) - J) / math.sqrt(2.0 * J * (4.0 * abs(x) - 2.0))) for x in STATES
    )
    return NistResult(NAME, pvals, tuple(f"{x:+d}" for x in STATES), {"J": J, "xi": [int(xi[x + 9]) for x in STATES]})
