"""Gate fusion and cache-blocked programs: the passes between a circuit and the kernels.

Two passes turn the compiled gates of a circuit (:func:`qtilab.sim.statevector.compile_gate`)
into a :class:`Program` that :func:`qtilab.sim.kernels.run_program` applies in one compiled
call, with no Python between gates:

1. :func:`fuse` merges runs of gates into blocks (as qsim and Qiskit Aer do). Open blocks act
   on pairwise disjoint qubit sets; a gate merges with the open blocks it touches when the
   merged block has at most ``max_qubits`` qubits (``max_diag_qubits`` when everything involved
   is diagonal: diagonal runs stay diagonal, which costs one multiply per amplitude whatever
   their size) and when the cost model says the merged block is cheaper than the parts.
   Otherwise the touched blocks are emitted and the gate opens a new block.
2. :func:`plan` groups the fused ops into *stages* for cache blocking: each stage is a set of
   ``chunk_qubits`` qubits holding every qubit its ops act on; the executor applies the whole
   stage to one cache-sized chunk of the state at a time (one memory pass per stage).

Both passes only reorder gates that act on disjoint qubits, so the result is exact up to
rounding. Qubit ``q`` is bit ``q`` of the amplitude index; a block's matrix index is
``sum_t b_{qubits[t]} 2**t``.

Examples
--------
>>> from qtilab import Circuit
>>> from qtilab.sim.statevector import compile_gate
>>> c = Circuit(3).h(0).cx(0, 1).rz(0.3, 2)
>>> ops = fuse([compile_gate(g, None, complex) for g in c], max_qubits=2)
>>> [(f.qubits, f.diagonal) for f in ops]
[((0, 1), False), ((2,), True)]
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: cost of applying an op, in nanoseconds per amplitude on one core with the chunk in cache,
#: measured on the development machine (AMD EPYC, AVX2, shared) for complex128 by timing
#: programs of ten identical ops on a 15-qubit state (one thread): dense k-qubit blocks for
#: k = 1..5 (the 2-qubit kernel does not vectorise, hence its high cost), and a diagonal
#: block (nearly independent of its size).
DENSE_COST = {1: 1.0, 2: 5.0, 3: 10.0, 4: 14.0, 5: 23.0}
DIAG_COST = 1.2

#: default largest dense block; chosen by measurement among 2..5 (``python bench/statevector.py
#: --tune 22``: k = 2 was fastest on all three workloads, see docs/performance.md)
DEFAULT_MAX_QUBITS = 2
#: merge only when the cost model agrees (False: whenever the size allows, as qsim does);
#: the size rule with k = 2 measured slightly faster (fewer passes on random circuits)
DEFAULT_USE_COST = False
#: largest diagonal block (a table of 2**k entries)
DEFAULT_MAX_DIAG_QUBITS = 10
#: qubits per cache chunk: 2**15 amplitudes as planar float64 are 512 KiB, half a core's L2
DEFAULT_CHUNK_QUBITS = 15
#: a chunk always holds this many low qubits, so it is made of contiguous runs of >= 2**5
DEFAULT_LOW_QUBITS = 5


@dataclass
class FusedOp:
    """One op after fusion: a dense matrix or a diagonal on ``qubits`` (global numbers).

    ``data`` has shape (Bm, d, d) for a dense op or (Bm, d) for a diagonal, d = 2**k, with
    Bm = 1 (shared by the batch) or B. A dense op may keep controls (``cmask``/``cval``) when
    it was too large to expand into a full matrix; those qubits are listed in ``controls``.
    """

    qubits: tuple[int, ...]
    diagonal: bool
    data: np.ndarray
    cmask: int = 0
    cval: int = 0
    controls: tuple[int, ...] = ()
    n_gates: int = 1

    @property
    def all_qubits(self) -> tuple[int, ...]:
        return self.qubits + self.controls

    @property
    def cost(self) -> float:
        if self.diagonal:
            return DIAG_COST
        return DENSE_COST.get(len(self.qubits), 4.0 ** len(self.qubits) / 50.0)


def _cost(k: int, diagonal: bool) -> float:
    return DIAG_COST if diagonal else DENSE_COST.get(k, 4.0**k / 50.0)


def _positions(src: Sequence[int], dst: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """For each index r over ``dst`` qubits: the index over ``src`` (a subset) and the rest."""
    return _positions_cached(tuple(src), tuple(dst))


@functools.lru_cache(maxsize=4096)
def _positions_cached(src: tuple[int, ...], dst: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    d = 1 << len(dst)
    r = np.arange(d)
    sub = np.zeros(d, dtype=np.int64)
    rest = r.copy()
    for t, q in enumerate(src):
        p = dst.index(q)
        bit = (r >> p) & 1
        sub |= bit << t
        rest &= ~(1 << p)
    sub.setflags(write=False)
    rest.setflags(write=False)
    return sub, rest


def expand_dense(data: np.ndarray, src: Sequence[int], dst: Sequence[int]) -> np.ndarray:
    """Embed a (Bm, d, d) matrix on ``src`` qubits into the larger qubit list ``dst``."""
    sub, rest = _positions(src, dst)
    out: np.ndarray = data[:, sub[:, None], sub[None, :]] * (rest[:, None] == rest[None, :])
    return out


def expand_diag(data: np.ndarray, src: Sequence[int], dst: Sequence[int]) -> np.ndarray:
    """Embed a (Bm, d) diagonal on ``src`` qubits into ``dst``."""
    sub, _ = _positions(src, dst)
    return data[:, sub]


def _as_dense(op: FusedOp, dst: Sequence[int]) -> np.ndarray:
    if op.diagonal:
        diag = expand_diag(op.data, op.qubits, dst)
        d = diag.shape[1]
        out = np.zeros((diag.shape[0], d, d), dtype=diag.dtype)
        out[:, np.arange(d), np.arange(d)] = diag
        return out
    return expand_dense(op.data, op.qubits, dst)


def from_op(op: Any, max_qubits: int) -> FusedOp:
    """Turn a compiled gate (``statevector.Op``) into a :class:`FusedOp`.

    A controlled dense gate is expanded to a full matrix over targets and controls when that
    has at most ``max_qubits`` qubits; a larger one keeps its controls (not fusable).
    """
    qubits = tuple(int(q) for q in op.qubits)
    if op.kind == 2:
        return FusedOp(qubits, True, np.asarray(op.data, dtype=np.complex128))
    data = np.asarray(op.data, dtype=np.complex128)
    if op.cmask == 0:
        return FusedOp(qubits, False, data)
    controls = tuple(q for q in range(64) if (op.cmask >> q) & 1)
    if len(qubits) + len(controls) > max_qubits:
        return FusedOp(qubits, False, data, op.cmask, op.cval, controls)
    allq = qubits + controls
    k = len(allq)
    d = 1 << k
    full = np.broadcast_to(np.eye(d, dtype=np.complex128), (data.shape[0], d, d)).copy()
    # indices where every control holds its value; the targets' bits run over the block
    cbits = sum((((op.cval >> c) & 1) << (len(qubits) + t)) for t, c in enumerate(controls))
    idx = np.array([cbits | r for r in range(1 << len(qubits))])
    full[:, idx[:, None], idx[None, :]] = data
    return FusedOp(allq, False, full)


def _merge(parts: list[FusedOp], gate: FusedOp, max_qubits: int, max_diag: int, use_cost: bool) -> FusedOp | None:
    """The block ``gate @ (product of parts)``, or None when it is too big or not worth it."""
    qs: list[int] = []
    for p in parts:
        qs.extend(p.qubits)
    qs.extend(q for q in gate.qubits if q not in qs)
    diagonal = gate.diagonal and all(p.diagonal for p in parts)
    if len(qs) > (max_diag if diagonal else max_qubits):
        return None
    if not diagonal and use_cost:
        # merging is worth it when the merged block costs no more than applying the parts
        if _cost(len(qs), False) > sum(p.cost for p in parts) + gate.cost:
            return None
    dst = sorted(qs)
    n_gates = gate.n_gates + sum(p.n_gates for p in parts)
    if diagonal:
        dacc = expand_diag(gate.data, gate.qubits, dst)
        for p in parts:
            dacc = dacc * expand_diag(p.data, p.qubits, dst)
        return FusedOp(tuple(dst), True, dacc, n_gates=n_gates)
    acc: np.ndarray | None = None
    for p in parts:  # disjoint blocks commute; their product is a Kronecker product
        m = _as_dense(p, dst)
        acc = m if acc is None else m @ acc
    g = _as_dense(gate, dst)
    acc = g if acc is None else g @ acc
    return FusedOp(tuple(dst), False, acc, n_gates=n_gates)


def fuse(
    ops: Sequence[Any],
    max_qubits: int = DEFAULT_MAX_QUBITS,
    max_diag_qubits: int = DEFAULT_MAX_DIAG_QUBITS,
    use_cost: bool = DEFAULT_USE_COST,
) -> list[FusedOp]:
    """Fuse compiled gates into dense blocks of at most ``max_qubits`` and diagonal blocks.

    Parameters
    ----------
    ops: compiled gates (``statevector.Op``) or :class:`FusedOp`, in circuit order.
    max_qubits: the largest dense block (1 fuses only gates on the same qubit).
    max_diag_qubits: the largest diagonal block.
    use_cost: merge only when :data:`DENSE_COST` says the block is cheaper than its parts;
        ``False`` merges whenever the size allows (qsim's rule).

    Returns
    -------
    The fused ops in an order equivalent to the circuit (only ops on disjoint qubits move).
    """
    out: list[FusedOp] = []
    open_: list[FusedOp] = []  # pairwise disjoint qubit sets
    for op in ops:
        g = op if isinstance(op, FusedOp) else from_op(op, max_qubits)
        gq = set(g.all_qubits)
        hit = [b for b in open_ if gq.intersection(b.all_qubits)]
        merged = None
        if not g.controls and not any(b.controls for b in hit):
            merged = _merge(hit, g, max_qubits, max_diag_qubits, use_cost)
        for b in hit:
            open_.remove(b)
        if merged is not None:
            open_.append(merged)
            continue
        out.extend(hit)
        if g.controls:
            out.append(g)
        else:
            open_.append(g)
    out.extend(open_)
    return out


@dataclass
class Program:
    """A fused, cache-blocked program: flat arrays for :func:`qtilab.sim.kernels.run_program`."""

    n_qubits: int
    n_ops: int
    n_gates: int
    stages: list[tuple[int, ...]]  # the chunk qubits of each stage
    arrays: dict[str, np.ndarray] = field(repr=False)
    chunk_qubits: int
    max_op_qubits: int

    @property
    def passes(self) -> int:
        """Full memory passes over the state (one per stage)."""
        return len(self.stages)


def plan(
    fused: Sequence[FusedOp],
    n_qubits: int,
    batch: int,
    dtype: Any,
    chunk_qubits: int = DEFAULT_CHUNK_QUBITS,
    low_qubits: int = DEFAULT_LOW_QUBITS,
) -> Program:
    """Group fused ops into cache-blocked stages and encode everything as flat arrays.

    A stage's chunk holds the low ``low_qubits`` qubits plus every qubit its ops act on, at
    most ``chunk_qubits`` (raised to the largest op when needed); ops are added to the current
    stage in order while they fit. When the whole state fits in a chunk there is one stage.
    """
    n = n_qubits
    kmax_op = max((len(f.all_qubits) for f in fused), default=1)
    c = max(1, min(n, max(chunk_qubits, kmax_op)))
    low = min(low_qubits, c - kmax_op) if c < n else n
    low = max(low, 0)
    stages_ops: list[list[FusedOp]] = []
    stages_q: list[set[int]] = []
    if c >= n:
        stages_ops = [list(fused)] if fused else []
        stages_q = [set(range(n))] if fused else []
    else:
        cur: list[FusedOp] = []
        need: set[int] = set()
        for f in fused:
            hq = {q for q in f.all_qubits if q >= low}
            if cur and low + len(need | hq) > c:
                stages_ops.append(cur)
                stages_q.append(need)
                cur, need = [], set()
            cur.append(f)
            need |= hq
        if cur:
            stages_ops.append(cur)
            stages_q.append(need)
    dt = np.dtype(dtype)
    st_op0: list[int] = []
    st_op1: list[int] = []
    st_c: list[int] = []
    st_L: list[int] = []
    st_hoff: list[int] = []
    st_ooff: list[int] = []
    st_no: list[int] = []
    hitab: list[int] = []
    outq: list[int] = []
    op_kind: list[int] = []
    op_nq: list[int] = []
    op_qoff: list[int] = []
    op_q: list[int] = []
    op_cmask: list[int] = []
    op_cval: list[int] = []
    op_doff: list[int] = []
    op_dsz: list[int] = []
    op_bm: list[int] = []
    datas: list[np.ndarray] = []
    doff = 0
    stages: list[tuple[int, ...]] = []
    for ops_s, need in zip(stages_ops, stages_q):
        S = set(range(low)) | need
        q = 0
        while len(S) < c:  # pad with the lowest free qubits: longer contiguous segments
            if q not in S:
                S.add(q)
            q += 1
        Ss = sorted(S)
        stages.append(tuple(Ss))
        L = 0
        while L < len(Ss) and Ss[L] == L:
            L += 1
        high = Ss[L:]
        h = np.arange(1 << len(high), dtype=np.int64)
        tab = np.zeros_like(h)
        for t, qq in enumerate(high):
            tab |= ((h >> t) & 1) << qq
        st_hoff.append(len(hitab))
        hitab.extend(tab.tolist())
        others = [qq for qq in range(n) if qq not in S]
        st_ooff.append(len(outq))
        st_no.append(len(others))
        outq.extend(others)
        st_c.append(c)
        st_L.append(L)
        st_op0.append(len(op_kind))
        local = {qq: t for t, qq in enumerate(Ss)}
        for f in ops_s:
            op_kind.append(1 if f.diagonal else 0)
            op_nq.append(len(f.qubits))
            op_qoff.append(len(op_q))
            op_q.extend(local[qq] for qq in f.qubits)
            cm = sum(1 << local[qq] for qq in f.controls)
            cv = sum(1 << local[qq] for qq in f.controls if (f.cval >> qq) & 1)
            op_cmask.append(cm)
            op_cval.append(cv)
            flat = f.data.reshape(f.data.shape[0], -1)
            bm = flat.shape[0]
            if bm not in (1, batch):
                raise ValueError(f"op data for {bm} batch members, but the batch has {batch}")
            op_doff.append(doff)
            op_dsz.append(flat.shape[1])
            op_bm.append(bm)
            datas.append(flat.ravel())
            doff += flat.size
        st_op1.append(len(op_kind))

    def i64(x: list[int]) -> np.ndarray:
        return np.asarray(x, dtype=np.int64)

    arrays = {
        "st_op0": i64(st_op0), "st_op1": i64(st_op1), "st_c": i64(st_c), "st_L": i64(st_L),
        "st_hoff": i64(st_hoff), "st_ooff": i64(st_ooff), "st_no": i64(st_no),
        "hitab": i64(hitab), "outq": i64(outq),
        "op_kind": i64(op_kind), "op_nq": i64(op_nq), "op_qoff": i64(op_qoff), "op_q": i64(op_q),
        "op_cmask": i64(op_cmask), "op_cval": i64(op_cval), "op_doff": i64(op_doff),
        "op_dsz": i64(op_dsz), "op_bm": i64(op_bm),
        "data": np.ascontiguousarray(np.concatenate(datas) if datas else np.zeros(0), dtype=dt),
    }
    return Program(
        n_qubits=n, n_ops=len(op_kind), n_gates=sum(f.n_gates for f in fused), stages=stages,
        arrays=arrays, chunk_qubits=c,
        max_op_qubits=max((len(f.qubits) for f in fused if not f.diagonal), default=1),
    )


_ORDER = ("st_op0", "st_op1", "st_c", "st_L", "st_hoff", "st_ooff", "st_no", "hitab", "outq",
          "op_kind", "op_nq", "op_qoff", "op_q", "op_cmask", "op_cval", "op_doff", "op_dsz", "op_bm", "data")

#: groups gathered at once by the dense k-qubit kernel
_GROUP = 64


def execute(state: np.ndarray, program: Program, threads: int | None = None) -> None:
    """Apply ``program`` to ``state`` (B, 2**n), in place, in one compiled call."""
    from numba import get_num_threads

    from qtilab.sim import kernels as K

    if program.n_ops == 0:
        return
    nw = int(threads) if threads else get_num_threads()
    B = state.shape[0]
    items = B << max(0, program.n_qubits - program.chunk_qubits)
    nw = max(1, min(nw, items))
    fdt = np.float32 if state.dtype == np.complex64 else np.float64
    size = 1 << program.chunk_qubits
    bufr = np.empty((nw, size), dtype=fdt)
    bufi = np.empty((nw, size), dtype=fdt)
    kt = max(2, program.max_op_qubits)
    tmpr = np.empty((nw, 1 << kt, _GROUP), dtype=fdt)
    tmpi = np.empty((nw, 1 << kt, _GROUP), dtype=fdt)
    a = program.arrays
    K.run_program(state, bufr, bufi, tmpr, tmpi, *(a[k] for k in _ORDER))
