"""SP 800-22 section 2.8: overlapping template matching test."""

from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np

from qtilab.rng.nist import _kernels
from qtilab.rng.nist._common import NistResult, as_bits, igamc, not_applicable

NAME = "OverlappingTemplate"
#: SP 800-22 2.8.7: n >= 10^6
MIN_BITS = 1_000_000


def _reference_probabilities(M: int, m: int, K: int) -> np.ndarray:
    """Class probabilities of the reference code (its ``Pr(u, eta)``, a compound-Poisson form)."""
    lam = (M - m + 1) / 2.0**m
    eta = lam / 2.0
    pi = np.empty(K + 1)
    for u in range(K):
        if u == 0:
            pi[u] = math.exp(-eta)
        else:
            pi[u] = sum(
                math.exp(
                    -eta - u * math.log(2) + l * math.log(eta)
                    - math.lgamma(l + 1) + math.lgamma(u) - math.lgamma(l) - math.lgamma(u - l + 1)
                )
                for l in range(1, u + 1)
            )
    pi[K] = 1.0 - pi[:K].sum()
    return pi


def exact_probabilities(template: str, M: int, K: int) -> np.ndarray:
    """Exact distribution of the overlapping match count in M random bits (capped at K).

    A dynamic programme over the states of the template's matching automaton (KMP) and the
    count so far; independent of the reference's approximation, used to check it.
    """
    m = len(template)
    t = [int(c) for c in template]
    fail = [0] * (m + 1)  # KMP failure function
    k = 0
    for i in range(1, m):
        while k and t[i] != t[k]:
            k = fail[k]
        if t[i] == t[k]:
            k += 1
        fail[i + 1] = k
    nxt = np.zeros((m + 1, 2), dtype=np.int64)
    for s in range(m + 1):
        for b in (0, 1):
            q = fail[s] if s == m else s
            while q and t[q] != b:
                q = fail[q]
            nxt[s, b] = q + 1 if t[q] == b else 0
    dist = np.zeros((m + 1, K + 1))
    dist[0, 0] = 1.0
    for _ in range(M):
        new = np.zeros_like(dist)
        for s in range(m + 1):
            for b in (0, 1):
                s2 = nxt[s, b]
                if s2 == m:
                    new[s2, 1:] += 0.5 * dist[s, :-1]
                    new[s2, K] += 0.5 * dist[s, K]
                else:
                    new[s2] += 0.5 * dist[s]
        dist = new
    out: np.ndarray = dist.sum(axis=0)
    return out


def overlapping_template(
    bits: Any,
    template: str = "111111111",
    M: int = 1032,
    K: int = 5,
    probabilities: Literal["reference", "exact"] = "reference",
) -> NistResult:
    """Overlapping occurrences of a template (reference: nine ones) in blocks of M = 1032 bits.

    ``probabilities="reference"`` uses the reference code's class probabilities;
    ``"exact"`` the exact distribution from :func:`exact_probabilities`.

    Examples
    --------
    >>> e = "10111011110010110100011100101110111110000101101001"
    >>> r = overlapping_template(e, "11", M=10, K=2, probabilities="exact")
    >>> r.statistics["nu"], round(r.p_value, 6)
    ([0, 2, 3], 0.51078)
    """
    e = as_bits(bits)
    m = len(template)
    if not template or set(template) - {"0", "1"} or m > 24:
        return not_applicable(NAME, "template must be a 0/1 string of length 1..24")
    N = e.size // M
    if N == 0 or M < m:
        return not_applicable(NAME, f"n = {e.size} bits hold no block of M = {M} >= m = {m} bits")
    win = _kernels.windows(e[: N * M], m, False)
    valid = M - m + 1
    idx = (np.arange(N)[:, None] * M + np.arange(valid)[None, :]).reshape(-1)
    hits = (win[idx] == int(template, 2)).reshape(N, valid).sum(axis=1)
    nu = np.bincount(np.minimum(hits, K), minlength=K + 1)
    pi = _reference_probabilities(M, m, K) if probabilities == "reference" else exact_probabilities(template, M, K)
    chi2 = float(np.sum((nu - N * pi) ** 2 / (N * pi)))
    return NistResult(
        NAME, (igamc(K / 2.0, chi2 / 2.0),), ("",), {"N": N, "nu": nu.tolist(), "pi": pi.tolist(), "chi2": chi2}
    )
