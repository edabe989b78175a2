"""Basis sifting: keep the detections where Alice's and Bob's bases agree."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from qtilab.errors import DataError

__all__ = ["sift"]


def sift(alice_basis: NDArray[np.integer], bob_basis: NDArray[np.integer]) -> NDArray[np.intp]:
    """Indices of the detections whose bases agree (announced publicly, bits stay private).

    Examples
    --------
    >>> import numpy as np
    >>> sift(np.array([0, 1, 1, 0]), np.array([0, 0, 1, 1])).tolist()
    [0, 2]
    """
    a = np.asarray(alice_basis)
    b = np.asarray(bob_basis)
    if a.shape != b.shape or a.ndim != 1:
        raise DataError(f"basis arrays must be 1-D of equal length, got {a.shape} and {b.shape}")
    return np.flatnonzero(a == b)
