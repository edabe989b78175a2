"""Small checks of user input shared by every layer (layer 0, beside :mod:`qtilab.errors`).

Examples
--------
>>> as_generator(7).integers(10) == as_generator(7).integers(10)
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qtilab.errors import QtilabError


def as_generator(seed: Any, *, error: type[QtilabError] = QtilabError, name: str = "seed") -> np.random.Generator:
    """A :class:`numpy.random.Generator` from ``seed``: None, a non-negative int, a SeedSequence
    or a Generator (returned as is). Anything else raises ``error`` naming ``name``."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, np.random.SeedSequence):
        return np.random.default_rng(seed)
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        if seed < 0:
            raise error(f"{name} must be a non-negative integer, got {seed}")
        return np.random.default_rng(int(seed))
    raise error(
        f"{name} must be None, a non-negative integer or a numpy.random.Generator, got {seed!r} "
        f"({type(seed).__name__})"
    )


__all__ = ["as_generator"]
