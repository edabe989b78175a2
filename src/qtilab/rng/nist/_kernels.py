"""numba kernels of the SP 800-22 tests (compiled on first use, cached on disk).

uint64 arithmetic is kept in uint64 throughout: numba turns uint64 (op) int64 into float64.
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True)
def windows(bits: np.ndarray, m: int, circular: bool) -> np.ndarray:  # pragma: no cover - jit
    """Value of the m-bit window starting at each position, first bit most significant.

    ``circular`` wraps around (n windows, as serial and approximate entropy do); otherwise
    n - m + 1 windows.
    """
    n = bits.shape[0]
    count = n if circular else n - m + 1
    out = np.empty(max(count, 0), dtype=np.uint32)
    if count <= 0 or m == 0:
        out[:] = 0
        return out
    mask = np.uint32((1 << m) - 1) if m < 32 else np.uint32(0xFFFFFFFF)
    v = np.uint32(0)
    for j in range(m - 1):
        v = (v << np.uint32(1)) | np.uint32(bits[j % n])
    for i in range(count):
        v = ((v << np.uint32(1)) | np.uint32(bits[(i + m - 1) % n])) & mask
        out[i] = v
    return out


@nb.njit(cache=True)
def gf2_ranks(rows: np.ndarray, ncols: int) -> np.ndarray:  # pragma: no cover - jit
    """Ranks over GF(2) of matrices given as (N, M) uint64 row words (bit j = column j)."""
    nmat, nrows = rows.shape
    out = np.empty(nmat, dtype=np.int64)
    r = np.empty(nrows, dtype=np.uint64)
    for k in range(nmat):
        for i in range(nrows):
            r[i] = rows[k, i]
        rank = 0
        for col in range(ncols):
            bit = np.uint64(1) << np.uint64(col)
            piv = -1
            for i in range(rank, nrows):
                if r[i] & bit:
                    piv = i
                    break
            if piv < 0:
                continue
            t = r[piv]
            r[piv] = r[rank]
            r[rank] = t
            for i in range(rank + 1, nrows):
                if r[i] & bit:
                    r[i] ^= t
            rank += 1
            if rank == nrows:
                break
        out[k] = rank
    return out


@nb.njit(cache=True)
def _parity(x: np.uint64) -> int:  # pragma: no cover - jit
    x ^= x >> np.uint64(32)
    x ^= x >> np.uint64(16)
    x ^= x >> np.uint64(8)
    x ^= x >> np.uint64(4)
    x ^= x >> np.uint64(2)
    x ^= x >> np.uint64(1)
    return int(x & np.uint64(1))


@nb.njit(cache=True)
def berlekamp_massey_packed(rev: np.ndarray, m_bits: int) -> np.ndarray:  # pragma: no cover - jit
    """Linear complexity of each block by Berlekamp-Massey over GF(2), 64 bits per word.

    ``rev[k]`` holds block k *reversed* (bit i of the packed number = s[M-1-i]) in uint64
    words, with at least two spare words. The discrepancy at step N is the parity of
    C AND (rev >> (M-1-N)), so one word operation handles 64 taps.
    """
    nblk, nw = rev.shape
    out = np.empty(nblk, dtype=np.int64)
    C = np.zeros(nw, dtype=np.uint64)
    B = np.zeros(nw, dtype=np.uint64)
    T = np.zeros(nw, dtype=np.uint64)
    z64 = np.uint64(64)
    for k in range(nblk):
        R = rev[k]
        C[:] = 0
        B[:] = 0
        C[0] = np.uint64(1)
        B[0] = np.uint64(1)
        L = 0
        mm = -1
        for N in range(m_bits):
            off = m_bits - 1 - N
            q = off // 64
            b = np.uint64(off % 64)
            acc = np.uint64(0)
            for w in range(L // 64 + 1):
                lo = R[q + w] >> b
                if b != 0:
                    lo |= R[q + w + 1] << (z64 - b)
                acc ^= C[w] & lo
            if _parity(acc) == 1:
                for w in range(nw):
                    T[w] = C[w]
                sh = N - mm
                q2 = sh // 64
                b2 = np.uint64(sh % 64)
                for w in range(nw - q2):
                    x = B[w]
                    if x == 0:
                        continue
                    C[w + q2] ^= x << b2
                    if b2 != 0 and w + q2 + 1 < nw:
                        C[w + q2 + 1] ^= x >> (z64 - b2)
                if L <= N // 2:
                    L = N + 1 - L
                    mm = N
                    for w in range(nw):
                        B[w] = T[w]
        out[k] = L
    return out


@nb.njit(cache=True)
def greedy_template_counts(win: np.ndarray, template: int, m: int, nblocks: int, M: int) -> np.ndarray:  # pragma: no cover - jit
    """Non-overlapping matches per block: after a match the scan jumps m bits (as the reference)."""
    out = np.zeros(nblocks, dtype=np.int64)
    for i in range(nblocks):
        j = 0
        base = i * M
        while j < M - m + 1:
            if win[base + j] == template:
                out[i] += 1
                j += m
            else:
                j += 1
    return out
