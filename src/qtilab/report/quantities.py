"""Labelled quantities with units, for report tables.

A study knows its raw result keys (``sent_signal``, ``decoy_bounds.y1_lower``); a reader needs
"signal pulses sent" and "Y1 lower bound (per pulse)". A :class:`Quantity` carries the label,
the unit and an optional display scale (a fraction shown in %, say). Tables keep the raw key in
the JSON so that ``qtilab report diff`` and scripts still find it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Quantity:
    """How to show one quantity: a label, a unit ("" for none) and a display scale.

    Examples
    --------
    >>> Quantity("QBER", "%", scale=100).show(0.021)
    2.1
    """

    label: str
    unit: str = ""
    scale: float = 1.0

    def show(self, value: Any) -> Any:
        """The value as displayed (scaled when it is a number)."""
        if self.scale != 1.0 and isinstance(value, (int, float)) and not isinstance(value, bool):
            return value * self.scale
        return value

    def header(self) -> str:
        """Column header: ``label (unit)``."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


QuantityLike = Quantity | tuple[str, str] | str


def as_quantity(q: QuantityLike) -> Quantity:
    """A :class:`Quantity` from itself, a ``(label, unit)`` pair, or a bare label."""
    if isinstance(q, Quantity):
        return q
    if isinstance(q, tuple):
        return Quantity(*q)
    return Quantity(str(q))


def humanize(key: str) -> str:
    """A readable fallback label for a raw key: ``sent_signal`` -> ``sent signal``."""
    return key.replace("_", " ").replace(".", ": ")


def flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mappings as one level with dotted keys (``decoy_bounds.y1_lower``)."""
    out: dict[str, Any] = {}
    for k, v in values.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out
