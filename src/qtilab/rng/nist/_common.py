"""Shared pieces of the SP 800-22 tests: the result type, input checks, special functions.

Bits are a 1-D ``uint8`` array of 0/1 values, ``bits[0]`` = epsilon_1 of the document.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from qtilab.errors import DataError

#: significance level of the reference suite
ALPHA = 0.01


@dataclass(frozen=True)
class NistResult:
    """The outcome of one SP 800-22 test on one sequence.

    Attributes
    ----------
    name
        Test name as the reference suite prints it (``"Frequency"``, ``"Serial"``...).
    p_values
        Every P-value the reference suite reports for this test (one for most tests, two for
        serial and cumulative sums, 148 for the non-overlapping template test, 8 / 18 for the
        random-excursion tests). Empty when the test is not applicable.
    labels
        One label per P-value (template, state, ``"forward"``...).
    statistics
        The intermediate statistics (counts, chi-square...) for inspection.
    applicable
        False when the test cannot be run on this input; ``reason`` then says why.
    """

    name: str
    p_values: tuple[float, ...] = ()
    labels: tuple[str, ...] = ()
    statistics: dict[str, Any] = field(default_factory=dict)
    applicable: bool = True
    reason: str = ""

    @property
    def p_value(self) -> float:
        """The first (or only) P-value; NaN when not applicable."""
        return self.p_values[0] if self.p_values else math.nan

    def passed(self, alpha: float = ALPHA) -> bool | None:
        """True when every P-value is >= alpha; None when not applicable."""
        if not self.applicable:
            return None
        return all(p >= alpha for p in self.p_values)


def not_applicable(name: str, reason: str, **stats: Any) -> NistResult:
    """A result saying the test does not apply to this input, and why."""
    return NistResult(name=name, applicable=False, reason=reason, statistics=dict(stats))


def as_bits(bits: Any) -> np.ndarray:
    """Convert a sequence of 0/1 (array, list, or a string of '0'/'1') to a uint8 array.

    Raises
    ------
    DataError
        When a value is not 0 or 1 (the message gives the first offending offset).
    """
    if isinstance(bits, str):
        raw = np.frombuffer(bits.encode("ascii", errors="replace"), dtype=np.uint8)
        arr = raw - np.uint8(48)
    else:
        arr = np.asarray(bits)
        if arr.dtype == np.bool_:
            return np.ascontiguousarray(arr, dtype=np.uint8).reshape(-1)
    arr = arr.reshape(-1)
    bad = np.flatnonzero((arr != 0) & (arr != 1))
    if bad.size:
        i = int(bad[0])
        found = repr(bits[i]) if isinstance(bits, str) else repr(arr[i].item())
        raise DataError(f"bit sequence must hold only 0 and 1; found {found} at offset {i}")
    return np.ascontiguousarray(arr, dtype=np.uint8)


def igamc(a: float, x: float) -> float:
    """Regularised upper incomplete gamma Q(a, x) (cephes ``igamc`` of the reference suite)."""
    return float(special.gammaincc(a, x))


def erfc(x: float) -> float:
    return float(special.erfc(x))


def normal_cdf(x: float) -> float:
    return float(special.ndtr(x))
