"""numba kernels that act in place on a state batch of shape (B, 2**n).

Conventions: qubit ``q`` is bit ``q`` of the amplitude index; a matrix batch ``mats`` has
shape (Bm, d, d) with Bm == 1 (shared by every batch member) or Bm == B. Controls are given as
a mask of control bits ``cmask`` and the value ``cval`` those bits must hold; gate qubits never
overlap the controls. Every kernel parallelises over the batch when it is large, over the
amplitudes otherwise.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

#: below this many batch members the kernels parallelise over amplitudes
_BATCH_PAR = 8


@njit(cache=True, inline="always")
def _insert0(j: int, q: int) -> int:
    return ((j >> q) << (q + 1)) | (j & ((1 << q) - 1))


@njit(cache=True)
def _row_1q(st, m, q, cmask, cval):  # type: ignore[no-untyped-def]
    bit = 1 << q
    half = st.shape[0] >> 1
    m00, m01, m10, m11 = m[0, 0], m[0, 1], m[1, 0], m[1, 1]
    for j in range(half):
        i0 = ((j >> q) << (q + 1)) | (j & (bit - 1))
        if (i0 & cmask) != cval:
            continue
        i1 = i0 | bit
        a0 = st[i0]
        a1 = st[i1]
        st[i0] = m00 * a0 + m01 * a1
        st[i1] = m10 * a0 + m11 * a1


@njit(parallel=True, cache=True)
def apply_1q(state, q, mats, cmask, cval):  # type: ignore[no-untyped-def]
    """Apply a (controlled) 1-qubit matrix to qubit ``q``."""
    B, N = state.shape
    Bm = mats.shape[0]
    sel = np.int64(1) if Bm > 1 else np.int64(0)
    if B >= _BATCH_PAR:
        for b in prange(B):
            _row_1q(state[b], mats[b * sel], q, cmask, cval)
        return
    half = N >> 1
    bit = 1 << q
    for b in range(B):
        m = mats[b * sel]
        m00, m01, m10, m11 = m[0, 0], m[0, 1], m[1, 0], m[1, 1]
        st = state[b]
        for j in prange(half):
            i0 = ((j >> q) << (q + 1)) | (j & (bit - 1))
            if (i0 & cmask) != cval:
                continue
            i1 = i0 | bit
            a0 = st[i0]
            a1 = st[i1]
            st[i0] = m00 * a0 + m01 * a1
            st[i1] = m10 * a0 + m11 * a1


@njit(cache=True)
def _row_2q(st, m, q0, q1, cmask, cval):  # type: ignore[no-untyped-def]
    lo = min(q0, q1)
    hi = max(q0, q1)
    b0 = 1 << q0
    b1 = 1 << q1
    quarter = st.shape[0] >> 2
    for j in range(quarter):
        i = ((j >> lo) << (lo + 1)) | (j & ((1 << lo) - 1))
        i = ((i >> hi) << (hi + 1)) | (i & ((1 << hi) - 1))
        if (i & cmask) != cval:
            continue
        i1 = i | b0
        i2 = i | b1
        i3 = i1 | b1
        a0 = st[i]
        a1 = st[i1]
        a2 = st[i2]
        a3 = st[i3]
        st[i] = m[0, 0] * a0 + m[0, 1] * a1 + m[0, 2] * a2 + m[0, 3] * a3
        st[i1] = m[1, 0] * a0 + m[1, 1] * a1 + m[1, 2] * a2 + m[1, 3] * a3
        st[i2] = m[2, 0] * a0 + m[2, 1] * a1 + m[2, 2] * a2 + m[2, 3] * a3
        st[i3] = m[3, 0] * a0 + m[3, 1] * a1 + m[3, 2] * a2 + m[3, 3] * a3


@njit(parallel=True, cache=True)
def apply_2q(state, q0, q1, mats, cmask, cval):  # type: ignore[no-untyped-def]
    """Apply a (controlled) 2-qubit matrix; ``q0`` is the low bit of the matrix index."""
    B, N = state.shape
    Bm = mats.shape[0]
    sel = np.int64(1) if Bm > 1 else np.int64(0)
    if B >= _BATCH_PAR:
        for b in prange(B):
            _row_2q(state[b], mats[b * sel], q0, q1, cmask, cval)
        return
    lo = min(q0, q1)
    hi = max(q0, q1)
    b0 = 1 << q0
    b1 = 1 << q1
    quarter = N >> 2
    for b in range(B):
        m = mats[b * sel]
        st = state[b]
        for j in prange(quarter):
            i = ((j >> lo) << (lo + 1)) | (j & ((1 << lo) - 1))
            i = ((i >> hi) << (hi + 1)) | (i & ((1 << hi) - 1))
            if (i & cmask) != cval:
                continue
            i1 = i | b0
            i2 = i | b1
            i3 = i1 | b1
            a0 = st[i]
            a1 = st[i1]
            a2 = st[i2]
            a3 = st[i3]
            st[i] = m[0, 0] * a0 + m[0, 1] * a1 + m[0, 2] * a2 + m[0, 3] * a3
            st[i1] = m[1, 0] * a0 + m[1, 1] * a1 + m[1, 2] * a2 + m[1, 3] * a3
            st[i2] = m[2, 0] * a0 + m[2, 1] * a1 + m[2, 2] * a2 + m[2, 3] * a3
            st[i3] = m[3, 0] * a0 + m[3, 1] * a1 + m[3, 2] * a2 + m[3, 3] * a3


@njit(cache=True)
def _row_kq(st, m, sorted_q, offsets, cmask, cval, j0, j1, tmp, tmp2):  # type: ignore[no-untyped-def]
    k = sorted_q.shape[0]
    d = offsets.shape[0]
    for j in range(j0, j1):
        i = j
        for t in range(k):
            q = sorted_q[t]
            i = ((i >> q) << (q + 1)) | (i & ((1 << q) - 1))
        if (i & cmask) != cval:
            continue
        for r in range(d):
            tmp[r] = st[i + offsets[r]]
        for r in range(d):
            acc = 0j
            for c in range(d):
                acc += m[r, c] * tmp[c]
            tmp2[r] = acc
        for r in range(d):
            st[i + offsets[r]] = tmp2[r]


@njit(parallel=True, cache=True)
def apply_kq(state, qubits, mats, cmask, cval):  # type: ignore[no-untyped-def]
    """Apply a (controlled) dense k-qubit matrix (k <= 10); ``qubits[0]`` is the low bit."""
    B, N = state.shape
    Bm = mats.shape[0]
    sel = np.int64(1) if Bm > 1 else np.int64(0)
    k = qubits.shape[0]
    d = 1 << k
    sorted_q = np.sort(qubits)
    offsets = np.zeros(d, dtype=np.int64)
    for r in range(d):
        off = 0
        for t in range(k):
            if (r >> t) & 1:
                off |= 1 << qubits[t]
        offsets[r] = off
    nbase = N >> k
    if B >= _BATCH_PAR:
        for b in prange(B):
            tmp = np.empty(d, dtype=state.dtype)
            tmp2 = np.empty(d, dtype=state.dtype)
            _row_kq(state[b], mats[b * sel], sorted_q, offsets, cmask, cval, 0, nbase, tmp, tmp2)
        return
    nchunk = min(nbase, 64)
    step = (nbase + nchunk - 1) // nchunk
    for b in range(B):
        m = mats[b * sel]
        st = state[b]
        for c in prange(nchunk):
            tmp = np.empty(d, dtype=state.dtype)
            tmp2 = np.empty(d, dtype=state.dtype)
            _row_kq(st, m, sorted_q, offsets, cmask, cval, c * step, min(nbase, (c + 1) * step), tmp, tmp2)


@njit(cache=True)
def _row_diag(st, dg, qubits):  # type: ignore[no-untyped-def]
    k = qubits.shape[0]
    for i in range(st.shape[0]):
        idx = 0
        for t in range(k):
            idx |= ((i >> qubits[t]) & 1) << t
        st[i] *= dg[idx]


@njit(parallel=True, cache=True)
def apply_diag(state, qubits, diags):  # type: ignore[no-untyped-def]
    """Multiply by a diagonal over ``qubits``: ``diags`` has shape (Bm, 2**k)."""
    B, N = state.shape
    Bm = diags.shape[0]
    sel = np.int64(1) if Bm > 1 else np.int64(0)
    k = qubits.shape[0]
    if B >= _BATCH_PAR:
        for b in prange(B):
            _row_diag(state[b], diags[b * sel], qubits)
        return
    for b in range(B):
        dg = diags[b * sel]
        st = state[b]
        for i in prange(N):
            idx = 0
            for t in range(k):
                idx |= ((i >> qubits[t]) & 1) << t
            st[i] *= dg[idx]


@njit(cache=True, inline="always")
def _popparity(x: int) -> int:
    x ^= x >> 32
    x ^= x >> 16
    x ^= x >> 8
    x ^= x >> 4
    x ^= x >> 2
    x ^= x >> 1
    return x & 1


@njit(parallel=True, cache=True)
def pauli_expectation(state, xmask, zmask, ny):  # type: ignore[no-untyped-def]
    """<psi|P|psi> per batch member for the Pauli string with masks (x, z) and n_y Y factors.

    P|i> = i**n_y (-1)**popcount(i & zmask) |i ^ xmask>, so
    <P> = i**n_y sum_i conj(psi[i ^ xmask]) psi[i] (-1)**popcount(i & zmask).
    """
    B, N = state.shape
    out = np.zeros(B, dtype=np.float64)
    ph = (1j) ** (ny % 4)
    for b in prange(B):
        st = state[b]
        acc = 0j
        for i in range(N):
            v = np.conj(st[i ^ xmask]) * st[i]
            if _popparity(i & zmask):
                acc -= v
            else:
                acc += v
        out[b] = (ph * acc).real
    return out


@njit(parallel=True, cache=True)
def abs2(state):  # type: ignore[no-untyped-def]
    """|amplitude|**2 as float64, shape (B, N)."""
    B, N = state.shape
    out = np.empty((B, N), dtype=np.float64)
    for b in range(B):
        for i in prange(N):
            v = state[b, i]
            out[b, i] = v.real * v.real + v.imag * v.imag
    return out
