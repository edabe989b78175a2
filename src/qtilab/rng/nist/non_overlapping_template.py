"""SP 800-22 section 2.7: non-overlapping template matching test."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from qtilab.rng.nist import _kernels
from qtilab.rng.nist._common import NistResult, as_bits, igamc, not_applicable

NAME = "NonOverlappingTemplate"
#: blocks must hold at least one template (M = n/8 >= m = 9)
MIN_BITS = 8 * 9


@lru_cache(maxsize=1)
def templates9() -> tuple[str, ...]:
    """The 148 aperiodic 9-bit templates, in the reference suite's order (``template9``)."""
    text = resources.files("qtilab.rng").joinpath("data/template9").read_text()
    return tuple("".join(line.split()) for line in text.splitlines() if line.strip())


def is_aperiodic(template: str) -> bool:
    """True when no proper prefix of the template equals its suffix (matches cannot overlap)."""
    m = len(template)
    return all(template[:k] != template[m - k :] for k in range(1, m))


def _value(template: str) -> int:
    return int(template, 2)


def non_overlapping_template(
    bits: Any, templates: tuple[str, ...] | list[str] | str | None = None, N: int = 8
) -> NistResult:
    """Occurrences of each template in N blocks, counted without overlap (reference: N = 8).

    ``templates`` defaults to the 148 aperiodic 9-bit templates; a single template string is
    accepted. For aperiodic templates matches cannot overlap, so the reference's scan (skip m
    bits after a match) equals the plain count of windows, which one histogram gives for all
    templates at once; other templates use the reference's greedy scan.

    Examples
    --------
    >>> r = non_overlapping_template("10100100101110010110", "001", N=2)
    >>> round(r.p_value, 6)
    0.344154
    """
    e = as_bits(bits)
    if templates is None:
        tpls: tuple[str, ...] = templates9()
    elif isinstance(templates, str):
        tpls = (templates,)
    else:
        tpls = tuple(templates)
    m = len(tpls[0])
    if any(len(t) != m or set(t) - {"0", "1"} for t in tpls) or not 1 <= m <= 24:
        return not_applicable(NAME, "templates must be 0/1 strings of one length between 1 and 24")
    n = e.size
    M = n // N
    if M < m:
        return not_applicable(NAME, f"blocks of M = n/N = {M} bits are shorter than the template (m = {m})")
    lam = (M - m + 1) / 2.0**m
    var = M * (1.0 / 2.0**m - (2.0 * m - 1.0) / 2.0 ** (2.0 * m))
    win = _kernels.windows(e[: N * M], m, False)
    valid = M - m + 1
    W = np.empty((len(tpls), N), dtype=np.int64)
    aper = [is_aperiodic(t) for t in tpls]
    if all(aper) and m <= 16:
        # windows starting inside each block at offsets 0..M-m (they end inside the block)
        idx = (np.arange(N)[:, None] * M + np.arange(valid)[None, :]).reshape(-1)
        blk = np.repeat(np.arange(N), valid)
        flat = np.bincount(blk * (1 << m) + win[idx].astype(np.int64), minlength=N << m)
        hist = flat.reshape(N, 1 << m)
        W[:] = hist[:, [_value(t) for t in tpls]].T
    else:
        for k, t in enumerate(tpls):
            W[k] = _kernels.greedy_template_counts(win, _value(t), m, N, M)
    chi2 = ((W - lam) ** 2).sum(axis=1) / var
    p = tuple(igamc(N / 2.0, float(c) / 2.0) for c in chi2)
    return NistResult(
        NAME, p, tpls, {"N": N, "M": M, "lambda": lam, "variance": var, "W": W.tolist(), "chi2": chi2.tolist()}
    )
