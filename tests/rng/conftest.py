"""Fixtures of the randomness tests: the binary expansion of e, the section-2 examples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"  # tests/data: see its README for sources


def e_bits(n: int) -> np.ndarray:
    """First n bits of the binary expansion of e (10.1011011111...), as SP 800-22's data.e.

    Computed with mpmath (independent of qtilab): floor(e 2^(n-2)) written in binary.
    """
    import mpmath

    ctx = mpmath.mp.clone() if hasattr(mpmath.mp, "clone") else mpmath.mp
    old = ctx.prec
    try:
        ctx.prec = n + 64
        v = int(ctx.floor(ctx.e * ctx.mpf(2) ** (n - 2)))
    finally:
        ctx.prec = old
    s = bin(v)[2:]
    assert len(s) == n
    return np.frombuffer(s.encode(), dtype=np.uint8) - np.uint8(48)


@pytest.fixture(scope="session")
def e_million() -> np.ndarray:
    """The 10^6 bits of e used in SP 800-22 Appendix B (computed once per session)."""
    return e_bits(1_000_000)


@pytest.fixture(scope="session")
def nist_examples() -> list[dict[str, Any]]:
    path = DATA / "nist" / "sp800_22_section2_examples.json"
    return list(json.loads(path.read_text())["examples"])
