"""numba kernels of the QAOA objective: every qubit's 2x2 mixer in one compiled call.

State convention: qubit ``q`` is bit ``q`` of the index. Serial loops: the objective is called
on small states many times (thread start-up would dominate), and the optimiser runs one
objective at a time.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, fastmath=True)
def apply_local(psi, mats):  # type: ignore[no-untyped-def]
    """In place: apply ``mats[q]`` (2x2) to every qubit ``q`` of ``psi``."""
    n = mats.shape[0]
    N = psi.shape[0]
    for q in range(n):
        bit = 1 << q
        m00, m01, m10, m11 = mats[q, 0, 0], mats[q, 0, 1], mats[q, 1, 0], mats[q, 1, 1]
        for j in range(N >> 1):
            i0 = ((j >> q) << (q + 1)) | (j & (bit - 1))
            i1 = i0 | bit
            a0 = psi[i0]
            a1 = psi[i1]
            psi[i0] = m00 * a0 + m01 * a1
            psi[i1] = m10 * a0 + m11 * a1


@njit(cache=True, fastmath=True)
def local_sum_inner(lam, psi, hs):  # type: ignore[no-untyped-def]
    """``<lam| sum_q H_q |psi>`` for 2x2 matrices ``hs[q]`` acting on qubit ``q``."""
    n = hs.shape[0]
    N = psi.shape[0]
    acc = 0j
    for q in range(n):
        bit = 1 << q
        h00, h01, h10, h11 = hs[q, 0, 0], hs[q, 0, 1], hs[q, 1, 0], hs[q, 1, 1]
        for j in range(N >> 1):
            i0 = ((j >> q) << (q + 1)) | (j & (bit - 1))
            i1 = i0 | bit
            a0 = psi[i0]
            a1 = psi[i1]
            acc += np.conj(lam[i0]) * (h00 * a0 + h01 * a1) + np.conj(lam[i1]) * (h10 * a0 + h11 * a1)
    return acc


@njit(cache=True, fastmath=True)
def phase_inner(lam, psi, c):  # type: ignore[no-untyped-def]
    """``<lam| diag(c) |psi>``."""
    acc = 0j
    for i in range(psi.shape[0]):
        acc += np.conj(lam[i]) * c[i] * psi[i]
    return acc


@njit(cache=True, fastmath=True)
def apply_phase(psi, c, angle):  # type: ignore[no-untyped-def]
    """In place: ``psi *= exp(-i angle c)``."""
    for i in range(psi.shape[0]):
        psi[i] *= np.exp(-1j * angle * c[i])
