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
    if B >= _BATCH_PAR:  # many small states: one parallel loop over the batch
        for b in prange(B):
            for i in range(N):
                v = state[b, i]
                out[b, i] = v.real * v.real + v.imag * v.imag
        return out
    for b in range(B):
        for i in prange(N):
            v = state[b, i]
            out[b, i] = v.real * v.real + v.imag * v.imag
    return out


# ---------------------------------------------------------------------------------------------
# The fused-program executor: one compiled call applies a whole circuit.
#
# A program is a list of *stages*; each stage is a set ``S`` of ``c`` qubits and a run of ops
# that act only on qubits of ``S``. For every assignment of the other n - c qubits, the 2**c
# amplitudes of the chunk are gathered into a small planar buffer (real and imaginary parts in
# separate arrays, so that the compiler vectorises the arithmetic), every op of the stage is
# applied while the chunk sits in the core's L2 cache, and the chunk is scattered back: one
# memory pass for the whole stage (the cache-blocking idea of Qiskit Aer's ``blocking_qubits``).
# ``S`` always holds the low ``L`` qubits, so a chunk is 2**(c-L) contiguous segments of 2**L
# amplitudes. Local qubit t of the buffer is the t-th smallest qubit of ``S``; the ops of a
# stage are stored with local qubit numbers. Workers (numba threads) take contiguous ranges of
# the (batch member, chunk) items of a stage.
# ---------------------------------------------------------------------------------------------

#: ops kinds in a program
OP_DENSE = 0
OP_DIAG = 1

#: below this stride the block loops are too short to vectorise; use a flat loop instead
_VEC = 8


@njit(cache=True, fastmath=True, inline="always")
def _v1(r0, i0, r1, i1, m0r, m0i, m1r, m1i, m2r, m2i, m3r, m3i):  # type: ignore[no-untyped-def]
    # separate array views let LLVM prove (at run time) that they do not overlap and vectorise
    for j in range(r0.shape[0]):
        a0r = r0[j]
        a0i = i0[j]
        a1r = r1[j]
        a1i = i1[j]
        r0[j] = m0r * a0r - m0i * a0i + m1r * a1r - m1i * a1i
        i0[j] = m0r * a0i + m0i * a0r + m1r * a1i + m1i * a1r
        r1[j] = m2r * a0r - m2i * a0i + m3r * a1r - m3i * a1i
        i1[j] = m2r * a0i + m2i * a0r + m3r * a1i + m3i * a1r


@njit(cache=True, fastmath=True)
def _p_dense1(re, im, q, m, cmask, cval):  # type: ignore[no-untyped-def]
    N = re.shape[0]
    s = 1 << q
    m0r, m0i, m1r, m1i = m[0].real, m[0].imag, m[1].real, m[1].imag
    m2r, m2i, m3r, m3i = m[2].real, m[2].imag, m[3].real, m[3].imag
    if cmask == 0 and s >= _VEC:
        for base in range(0, N, 2 * s):
            _v1(re[base : base + s], im[base : base + s], re[base + s : base + 2 * s], im[base + s : base + 2 * s],
                m0r, m0i, m1r, m1i, m2r, m2i, m3r, m3i)
        return
    if cmask == 0:
        # short strides: s strided streams, each pairing r + 2s*j with r + s + 2s*j
        for r in range(s):
            _v1(re[r :: 2 * s], im[r :: 2 * s], re[r + s :: 2 * s], im[r + s :: 2 * s],
                m0r, m0i, m1r, m1i, m2r, m2i, m3r, m3i)
        return
    for j in range(N >> 1):
        p = ((j >> q) << (q + 1)) | (j & (s - 1))
        if (p & cmask) != cval:
            continue
        p1 = p | s
        a0r = re[p]
        a0i = im[p]
        a1r = re[p1]
        a1i = im[p1]
        re[p] = m0r * a0r - m0i * a0i + m1r * a1r - m1i * a1i
        im[p] = m0r * a0i + m0i * a0r + m1r * a1i + m1i * a1r
        re[p1] = m2r * a0r - m2i * a0i + m3r * a1r - m3i * a1i
        im[p1] = m2r * a0i + m2i * a0r + m3r * a1i + m3i * a1r


@njit(cache=True, fastmath=True)
def _v2(r0, i0, r1, i1, r2, i2, r3, i3, a00r, a00i, a01r, a01i, a02r, a02i, a03r, a03i, a10r, a10i, a11r, a11i, a12r, a12i, a13r, a13i, a20r, a20i, a21r, a21i, a22r, a22i, a23r, a23i, a30r, a30i, a31r, a31i, a32r, a32i, a33r, a33i):  # type: ignore[no-untyped-def]
    # matrix entries as scalars: loads from an array inside the loop could alias the state
    for j in range(r0.shape[0]):
        x0r = r0[j]
        x0i = i0[j]
        x1r = r1[j]
        x1i = i1[j]
        x2r = r2[j]
        x2i = i2[j]
        x3r = r3[j]
        x3i = i3[j]
        r0[j] = a00r * x0r - a00i * x0i + a01r * x1r - a01i * x1i + a02r * x2r - a02i * x2i + a03r * x3r - a03i * x3i
        i0[j] = a00r * x0i + a00i * x0r + a01r * x1i + a01i * x1r + a02r * x2i + a02i * x2r + a03r * x3i + a03i * x3r
        r1[j] = a10r * x0r - a10i * x0i + a11r * x1r - a11i * x1i + a12r * x2r - a12i * x2i + a13r * x3r - a13i * x3i
        i1[j] = a10r * x0i + a10i * x0r + a11r * x1i + a11i * x1r + a12r * x2i + a12i * x2r + a13r * x3i + a13i * x3r
        r2[j] = a20r * x0r - a20i * x0i + a21r * x1r - a21i * x1i + a22r * x2r - a22i * x2i + a23r * x3r - a23i * x3i
        i2[j] = a20r * x0i + a20i * x0r + a21r * x1i + a21i * x1r + a22r * x2i + a22i * x2r + a23r * x3i + a23i * x3r
        r3[j] = a30r * x0r - a30i * x0i + a31r * x1r - a31i * x1i + a32r * x2r - a32i * x2i + a33r * x3r - a33i * x3i
        i3[j] = a30r * x0i + a30i * x0r + a31r * x1i + a31i * x1r + a32r * x2i + a32i * x2r + a33r * x3i + a33i * x3r


@njit(cache=True, fastmath=True)
def _p_dense2(re, im, q0, q1, m, cmask, cval, tr, ti):  # type: ignore[no-untyped-def]
    lo = min(q0, q1)
    hi = max(q0, q1)
    if cmask != 0 or (1 << lo) < _VEC:
        qs = np.empty(2, dtype=np.int64)
        qs[0] = q0
        qs[1] = q1
        _p_densek(re, im, qs, m, cmask, cval, tr, ti)
        return
    N = re.shape[0]
    s0 = 1 << q0
    s1 = 1 << q1
    sl = 1 << lo
    sh = 1 << hi
    for a in range(0, N, 2 * sh):
        for b in range(a, a + sh, 2 * sl):
            e = b + sl
            _v2(re[b:e], im[b:e], re[b + s0 : e + s0], im[b + s0 : e + s0],
                re[b + s1 : e + s1], im[b + s1 : e + s1], re[b + s0 + s1 : e + s0 + s1], im[b + s0 + s1 : e + s0 + s1],
                m[0].real, m[0].imag, m[1].real, m[1].imag, m[2].real, m[2].imag, m[3].real, m[3].imag, m[4].real, m[4].imag, m[5].real, m[5].imag, m[6].real, m[6].imag, m[7].real, m[7].imag, m[8].real, m[8].imag, m[9].real, m[9].imag, m[10].real, m[10].imag, m[11].real, m[11].imag, m[12].real, m[12].imag, m[13].real, m[13].imag, m[14].real, m[14].imag, m[15].real, m[15].imag)


@njit(cache=True, fastmath=True)
def _p_densek(re, im, qubits, m, cmask, cval, tr, ti):  # type: ignore[no-untyped-def]
    """Dense k-qubit matrix: gather G groups of 2**k amplitudes column-wise, multiply, scatter.

    ``tr``/``ti`` are scratch arrays of shape (2**k_max, G); the matrix-times-block loop runs
    over the G groups, which the compiler vectorises whatever the qubits are.
    """
    N = re.shape[0]
    k = qubits.shape[0]
    d = 1 << k
    G = tr.shape[1]
    sq = np.sort(qubits)
    offs = np.zeros(d, dtype=np.int64)
    for r in range(d):
        o = 0
        for t in range(k):
            if (r >> t) & 1:
                o |= 1 << qubits[t]
        offs[r] = o
    mr = np.empty(d * d, dtype=tr.dtype)
    mi = np.empty(d * d, dtype=tr.dtype)
    for x in range(d * d):
        mr[x] = m[x].real
        mi[x] = m[x].imag
    ngroups = N >> k
    base = np.empty(G, dtype=np.int64)
    outr = np.empty(G, dtype=tr.dtype)
    outi = np.empty(G, dtype=tr.dtype)
    g0 = 0
    while g0 < ngroups:
        cnt = 0
        while cnt < G and g0 < ngroups:
            i = g0
            for t in range(k):
                q = sq[t]
                i = ((i >> q) << (q + 1)) | (i & ((1 << q) - 1))
            g0 += 1
            if (i & cmask) != cval:
                continue
            base[cnt] = i
            cnt += 1
        for c in range(d):
            o = offs[c]
            rc = tr[c]
            ic = ti[c]
            for g in range(cnt):
                rc[g] = re[base[g] + o]
                ic[g] = im[base[g] + o]
        for r in range(d):
            for g in range(cnt):
                outr[g] = 0.0
                outi[g] = 0.0
            for c in range(d):
                ar = mr[r * d + c]
                ai = mi[r * d + c]
                rc = tr[c]
                ic = ti[c]
                for g in range(cnt):
                    outr[g] += ar * rc[g] - ai * ic[g]
                    outi[g] += ar * ic[g] + ai * rc[g]
            o = offs[r]
            for g in range(cnt):
                re[base[g] + o] = outr[g]
                im[base[g] + o] = outi[g]


@njit(cache=True, fastmath=True, inline="always")
def _vscale(r, i, dr, di):  # type: ignore[no-untyped-def]
    for j in range(r.shape[0]):
        a = r[j]
        b = i[j]
        r[j] = dr * a - di * b
        i[j] = dr * b + di * a


@njit(cache=True, fastmath=True, inline="always")
def _vmul(r, i, dr, di):  # type: ignore[no-untyped-def]
    for j in range(r.shape[0]):
        a = r[j]
        b = i[j]
        r[j] = dr[j] * a - di[j] * b
        i[j] = dr[j] * b + di[j] * a


@njit(cache=True, fastmath=True)
def _p_diag(re, im, qubits, dg):  # type: ignore[no-untyped-def]
    N = re.shape[0]
    k = qubits.shape[0]
    ql = qubits[0]
    for t in range(1, k):
        ql = min(ql, qubits[t])
    run = 1 << ql
    if run >= _VEC:
        # the diagonal index is constant over runs of 2**ql amplitudes
        for a in range(0, N, run):
            idx = 0
            for t in range(k):
                idx |= ((a >> qubits[t]) & 1) << t
            v = dg[idx]
            _vscale(re[a : a + run], im[a : a + run], v.real, v.imag)
        return
    # low diagonal qubits: the index is (pattern over a block of 64) | (constant per block)
    blk = min(N, 64)
    pat = np.zeros(blk, dtype=np.int64)
    for j in range(blk):
        for t in range(k):
            if qubits[t] < 6:
                pat[j] |= ((j >> qubits[t]) & 1) << t
    dr = np.empty(blk, dtype=re.dtype)
    di = np.empty(blk, dtype=re.dtype)
    for a in range(0, N, blk):
        hidx = 0
        for t in range(k):
            if qubits[t] >= 6:
                hidx |= ((a >> qubits[t]) & 1) << t
        for j in range(blk):
            v = dg[hidx | pat[j]]
            dr[j] = v.real
            di[j] = v.imag
        _vmul(re[a : a + blk], im[a : a + blk], dr, di)


@njit(cache=True, fastmath=True, inline="always")
def _vgather(src, r, i):  # type: ignore[no-untyped-def]
    for j in range(src.shape[0]):
        v = src[j]
        r[j] = v.real
        i[j] = v.imag


@njit(cache=True, fastmath=True, inline="always")
def _vscatter(dst, r, i):  # type: ignore[no-untyped-def]
    for j in range(dst.shape[0]):
        dst[j] = r[j] + 1j * i[j]


@njit(cache=True)
def _apply_stage_ops(re, im, b, op0, op1, op_kind, op_nq, op_qoff, op_q, op_cmask, op_cval,
                     op_doff, op_dsz, op_bm, data, tr, ti):  # type: ignore[no-untyped-def]
    for i in range(op0, op1):
        nq = op_nq[i]
        qs = op_q[op_qoff[i] : op_qoff[i] + nq]
        off = op_doff[i] + (b if op_bm[i] > 1 else 0) * op_dsz[i]
        m = data[off : off + op_dsz[i]]
        if op_kind[i] == OP_DIAG:
            _p_diag(re, im, qs, m)
        elif nq == 1:
            _p_dense1(re, im, qs[0], m, op_cmask[i], op_cval[i])
        elif nq == 2:
            _p_dense2(re, im, qs[0], qs[1], m, op_cmask[i], op_cval[i], tr, ti)
        else:
            _p_densek(re, im, qs, m, op_cmask[i], op_cval[i], tr, ti)


@njit(cache=True)
def _stage_worker(state, re, im, tr, ti, s, w, nw, st_op0, st_op1, st_c, st_L, st_hoff, st_ooff, st_no,
                  hitab, outq, op_kind, op_nq, op_qoff, op_q, op_cmask, op_cval, op_doff, op_dsz, op_bm,
                  data):  # type: ignore[no-untyped-def]
    # a plain function, so that the parallel region below stays a thin loop (numba's parfor
    # lowering of a large body ran 30x slower than the same code compiled as a function)
    B, N = state.shape
    c = st_c[s]
    L = st_L[s]
    seg = 1 << L
    nh = 1 << (c - L)
    nout = N >> c
    items = B * nout
    for it in range(w * items // nw, (w + 1) * items // nw):
        b = it // nout
        o = it - b * nout
        base = 0
        for t in range(st_no[s]):
            base |= ((o >> t) & 1) << outq[st_ooff[s] + t]
        row = state[b]
        for h in range(nh):
            a = base + hitab[st_hoff[s] + h]
            d0 = h << L
            _vgather(row[a : a + seg], re[d0 : d0 + seg], im[d0 : d0 + seg])
        _apply_stage_ops(re, im, b, st_op0[s], st_op1[s], op_kind, op_nq, op_qoff, op_q,
                         op_cmask, op_cval, op_doff, op_dsz, op_bm, data, tr, ti)
        for h in range(nh):
            a = base + hitab[st_hoff[s] + h]
            d0 = h << L
            _vscatter(row[a : a + seg], re[d0 : d0 + seg], im[d0 : d0 + seg])


@njit(parallel=True, cache=True)
def run_program(state, bufr, bufi, tmpr, tmpi,
                st_op0, st_op1, st_c, st_L, st_hoff, st_ooff, st_no, hitab, outq,
                op_kind, op_nq, op_qoff, op_q, op_cmask, op_cval, op_doff, op_dsz, op_bm, data):  # type: ignore[no-untyped-def]
    """Apply a compiled program (see :mod:`qtilab.sim.fusion`) to ``state`` (B, 2**n) in place.

    ``bufr``/``bufi`` (W, 2**c_max) are the planar chunk buffers of the W workers, ``tmpr``/
    ``tmpi`` (W, 2**k_max, G) their scratch for dense k-qubit ops. Each stage is one parallel
    region over the workers, which take contiguous ranges of (batch member, chunk) items.
    """
    nw = bufr.shape[0]
    for s in range(st_op0.shape[0]):
        for w in prange(nw):
            _stage_worker(state, bufr[w, : 1 << st_c[s]], bufi[w, : 1 << st_c[s]], tmpr[w], tmpi[w], s, w, nw,
                          st_op0, st_op1, st_c, st_L, st_hoff, st_ooff, st_no, hitab, outq,
                          op_kind, op_nq, op_qoff, op_q, op_cmask, op_cval, op_doff, op_dsz, op_bm, data)


@njit(parallel=True, cache=True)
def par_copy(dst, src):  # type: ignore[no-untyped-def]
    """dst[:] = src with all numba threads: the machine's copy bandwidth for the benchmarks."""
    n = src.shape[0]
    nw = 64
    for w in prange(nw):
        for i in range(w * n // nw, (w + 1) * n // nw):
            dst[i] = src[i]


# the first process after installation compiles these kernels (about 30 s): say so on stderr
from qtilab.sim.firstuse import announce_if_cold as _announce_if_cold  # noqa: E402

_announce_if_cold(run_program)
