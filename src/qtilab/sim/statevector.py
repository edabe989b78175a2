"""The engine's face: :func:`simulate` and :class:`Result`.

Examples
--------
>>> from qtilab import Circuit, Observable, simulate
>>> res = simulate(Circuit(2).h(0).cx(0, 1))
>>> res.probabilities().round(3)
array([0.5, 0. , 0. , 0.5])
>>> res.sample(1000, seed=1).counts            # doctest: +SKIP
{'00': 502, '11': 498}
>>> float(res.expectation(Observable.parse("Z0 Z1")))
1.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qtilab._memory import available_memory, check_allocation
from qtilab._validate import as_generator
from qtilab.core.circuit import Circuit, Gate, resolve
from qtilab.core.observables import Observable
from qtilab.core.parameters import ParameterExpression, check_value
from qtilab.errors import CircuitError, SimulationError
from qtilab.sim import kernels as K

_DTYPES = {np.dtype(np.complex128): np.complex128, np.dtype(np.complex64): np.complex64}


def engine_dtype(dtype: Any) -> Any:
    """``complex128`` or ``complex64`` from anything numpy reads as one; else SimulationError."""
    try:
        dt = _DTYPES.get(np.dtype(dtype))
    except (TypeError, ValueError):
        dt = None
    if dt is None:
        raise SimulationError(f"dtype must be complex128 or complex64, got {dtype!r}")
    return dt


def check_memory(n_qubits: int, batch: int, dtype: Any, max_memory: int | None = None, copies: float = 1.0) -> int:
    """Raise :class:`SimulationError` if ``copies`` state batches do not fit; return the bytes."""
    item = np.dtype(dtype).itemsize
    if n_qubits > 62:
        raise SimulationError(f"{n_qubits} qubits cannot be simulated as a state vector (limit 62 by index width)")
    need = int(copies * batch * item * (2**n_qubits))
    limit = available_memory() if max_memory is None else int(max_memory)
    if need > limit:
        raise SimulationError(
            f"a {n_qubits}-qubit state batch of {batch} in {np.dtype(dtype).name} needs "
            f"{need / 2**30:.2f} GiB, but only {limit / 2**30:.2f} GiB "
            f"{'is available' if max_memory is None else 'is allowed (max_memory)'}; "
            "use fewer qubits, a smaller batch or dtype=complex64"
        )
    return need


def _param_batch(values: Mapping[Any, Any] | None) -> int | None:
    if not values:
        return None
    sizes = {np.shape(v)[0] for v in values.values() if np.ndim(v) == 1}
    if any(np.ndim(v) > 1 for v in values.values()):
        raise CircuitError("parameter values must be numbers or arrays of shape (B,)")
    if len(sizes) > 1:
        raise CircuitError(f"parameter value arrays have different lengths {sorted(sizes)}")
    return sizes.pop() if sizes else None


def _normalise_values(circuit: Circuit, params: Mapping[Any, Any] | Sequence[Any] | None) -> dict[Any, Any] | None:
    if params is None:
        return None
    vals = circuit._values(params)
    out = {}
    for p, v in vals.items():
        out[p] = check_value(v, f"parameter {p.name}")
    return out


@dataclass
class Op:
    """One compiled instruction for the kernels.

    kind: 0 dense 1q, 1 dense 2q, 2 diagonal, 3 dense k-qubit.
    """

    kind: int
    qubits: np.ndarray
    data: np.ndarray  # (Bm, d, d) matrices, or (Bm, 2**k) diagonals
    cmask: int = 0
    cval: int = 0


def compile_gate(g: Gate, values: Mapping[Any, Any] | None, dtype: Any) -> Op:
    """Turn a gate into a kernel instruction, dispatching on its structure."""
    try:
        base = g.base_matrix(values)
    except CircuitError as exc:
        raise CircuitError(f"gate {g.display_name} on qubits {list(g.qubits)}: {exc}") from None
    if base.ndim == 2:
        base = base[None]
    d = g.definition
    if d is not None:
        diagonal = d.diagonal
    elif g.name == "unitary":  # cheaper than Gate.is_diagonal's allclose on every call
        k = base.shape[-1]
        diagonal = not np.any(base.reshape(base.shape[0], -1)[:, np.arange(k * k) % (k + 1) != 0])
    else:
        diagonal = g.is_diagonal
    if diagonal:
        full = g.full_matrix(values)
        if full.ndim == 2:
            full = full[None]
        diag = np.ascontiguousarray(np.diagonal(full, axis1=-2, axis2=-1), dtype=dtype)
        return Op(2, np.array(g.qubits, dtype=np.int64), diag)
    cmask = 0
    cval = 0
    cstate = g.ctrl_state if g.ctrl_state is not None else (1 << g.ctrl) - 1
    for k, c in enumerate(g.controls):
        cmask |= 1 << c
        if (cstate >> k) & 1:
            cval |= 1 << c
    mats = np.ascontiguousarray(base, dtype=dtype)
    t = g.targets
    kind = {1: 0, 2: 1}.get(len(t), 3)
    return Op(kind, np.array(t, dtype=np.int64), mats, cmask, cval)


def run_ops(state: np.ndarray, ops: Sequence[Op]) -> None:
    """Apply compiled instructions in place."""
    for op in ops:
        if op.kind == 0:
            K.apply_1q(state, int(op.qubits[0]), op.data, op.cmask, op.cval)
        elif op.kind == 1:
            K.apply_2q(state, int(op.qubits[0]), int(op.qubits[1]), op.data, op.cmask, op.cval)
        elif op.kind == 2:
            K.apply_diag(state, op.qubits, op.data)
        else:
            K.apply_kq(state, op.qubits, op.data, op.cmask, op.cval)


def run_fused(
    state: np.ndarray,
    ops: Sequence[Op],
    *,
    max_qubits: int | None = None,
    chunk_qubits: int | None = None,
    threads: int | None = None,
) -> Any:
    """Fuse ``ops``, plan cache-blocked stages and apply them in one compiled call.

    The fast path behind :func:`simulate`; :func:`run_ops` is the one-gate-at-a-time path.
    Returns the :class:`qtilab.sim.fusion.Program` that ran (passes, op counts).
    """
    from qtilab.sim import fusion as F

    fused = F.fuse(ops, max_qubits=F.DEFAULT_MAX_QUBITS if max_qubits is None else max_qubits)
    n = int(state.shape[1]).bit_length() - 1
    prog = F.plan(
        fused, n, state.shape[0], state.dtype,
        chunk_qubits=F.DEFAULT_CHUNK_QUBITS if chunk_qubits is None else chunk_qubits,
    )
    F.execute(state, prog, threads=threads)
    return prog


def batch_size_of(circuit: Circuit, values: Mapping[Any, Any] | None, initial: np.ndarray | None) -> int:
    sizes = {}
    if circuit.batch_size is not None:
        sizes["circuit batch parameters"] = circuit.batch_size
    pb = _param_batch(values)
    if pb is not None:
        sizes["parameter values"] = pb
    if initial is not None and initial.ndim == 2:
        sizes["initial_state"] = initial.shape[0]
    if len(set(sizes.values())) > 1:
        detail = ", ".join(f"{k}: {v}" for k, v in sizes.items())
        raise CircuitError(f"batch sizes disagree ({detail}); all batch arrays must have the same length B")
    return next(iter(sizes.values()), 1)


def prepare_state(n: int, batch: int, dtype: Any, initial_state: Any, max_memory: int | None) -> np.ndarray:
    check_memory(n, batch, dtype, max_memory)
    dim = 2**n
    if initial_state is None:
        state = np.zeros((batch, dim), dtype=dtype)
        state[:, 0] = 1.0
        return state
    init = np.asarray(initial_state)
    if init.ndim not in (1, 2) or init.shape[-1] != dim:
        raise SimulationError(f"initial_state must have shape ({dim},) or (B, {dim}) for {n} qubits, got {init.shape}")
    if not np.all(np.isfinite(init)):
        raise SimulationError("initial_state has NaN or infinite amplitudes")
    norms = np.linalg.norm(init.reshape(-1, dim), axis=1)
    if not np.allclose(norms, 1.0, atol=1e-6):
        raise SimulationError(f"initial_state is not normalised (norms {norms[:4]}...); divide by its norm")
    state = np.empty((batch, dim), dtype=dtype)
    state[:] = init.reshape(-1, dim)
    return state


def simulate(
    circuit: Circuit,
    params: Mapping[Any, Any] | Sequence[Any] | None = None,
    *,
    initial_state: Any = None,
    dtype: Any = np.complex128,
    max_memory: int | None = None,
) -> Result:
    """Simulate ``circuit`` and return its final state(s).

    Parameters
    ----------
    circuit: the circuit; terminal ``measure`` instructions are recorded for sampling.
    params: values for the symbolic parameters, by name/Parameter (mapping) or in the order of
        ``circuit.parameters`` (sequence); numbers or arrays of shape (B,). The circuit is not
        copied or re-bound.
    initial_state: a normalised state of shape (2**n,) or (B, 2**n); default |0...0>.
    dtype: ``complex128`` (default) or ``complex64``.
    max_memory: bytes allowed for the state batch; default: the memory available now.

    Raises
    ------
    CircuitError: unbound parameters, inconsistent batch sizes.
    SimulationError: not enough memory, bad initial state, mid-circuit measurement.
    """
    if not isinstance(circuit, Circuit):
        raise SimulationError(f"simulate expects a Circuit, got {type(circuit).__name__}")
    dt = engine_dtype(dtype)
    if circuit.has_mid_circuit_ops:
        raise SimulationError(
            "the circuit has mid-circuit measurement, reset or classically controlled gates; "
            "use qtilab.sim.run_shots(circuit, shots) for per-shot simulation"
        )
    values = _normalise_values(circuit, params)
    missing = [p.name for p in circuit.parameters if values is None or p not in values]
    if missing:
        raise CircuitError(f"parameter(s) {missing} are unbound; pass params= or bind() them")
    init = None if initial_state is None else np.asarray(initial_state)
    batch = batch_size_of(circuit, values, init)
    state = prepare_state(circuit.n_qubits, batch, dt, init, max_memory)
    ops = [compile_gate(g, values, dt) for g in circuit if g.is_unitary]
    run_fused(state, ops)
    measurements = [(g.qubits[0], g.clbits[0]) for g in circuit if g.name == "measure"]
    return Result(
        state, circuit.n_qubits, batched=batch > 1 or _is_batched(circuit, values, init),
        measurements=measurements, n_clbits=circuit.n_clbits,
    )


def _is_batched(circuit: Circuit, values: Mapping[Any, Any] | None, init: np.ndarray | None) -> bool:
    return (
        circuit.batch_size is not None
        or _param_batch(values) is not None
        or (init is not None and init.ndim == 2)
    )


#: the most bits an int64 outcome holds; wider outcomes are Python ints (object arrays)
INT64_BITS = 62


@dataclass
class Samples:
    """Samples of measurement outcomes.

    ``indices`` holds each shot's outcome as an integer, bit ``k`` being classical bit ``k``
    (or the k-th sampled qubit when qubits were sampled directly), shape (shots,) or
    (B, shots). It is int64 for up to 62 bits and an object array of Python ints beyond, so
    that no bit is lost. ``counts`` maps bitstrings (highest bit on the left) to counts, a list
    of dicts for a batch.
    """

    indices: np.ndarray
    n_bits: int
    batched: bool

    @property
    def bits(self) -> np.ndarray:
        """Outcomes as a (…, shots, n_bits) uint8 array; column k is bit k."""
        if self.indices.dtype == object:
            pos = np.arange(self.n_bits).astype(object)
            wide: np.ndarray = ((self.indices[..., None] >> pos) & 1).astype(np.uint8)
            return wide
        return ((self.indices[..., None] >> np.arange(self.n_bits)) & 1).astype(np.uint8)

    def _counts(self, idx: np.ndarray) -> dict[str, int]:
        vals, cnt = np.unique(idx, return_counts=True)
        return {format(int(v), f"0{self.n_bits}b"): int(c) for v, c in zip(vals, cnt)}

    @property
    def counts(self) -> Any:
        if self.batched:
            return [self._counts(row) for row in self.indices]
        return self._counts(self.indices)


def clbit_sources(measurements: Sequence[tuple[int, int]]) -> dict[int, int]:
    """Which qubit each classical bit holds after terminal measurements, ``{clbit: qubit}``.

    Measurements are applied in program order, so when several write one classical bit the
    last write wins; a qubit measured into several bits fills each of them. This is the
    semantics of the shot-by-shot path (:func:`qtilab.sim.run_shots`) too.
    """
    out: dict[int, int] = {}
    for q, c in measurements:
        out[int(c)] = int(q)
    return out


class Result:
    """Final state(s) of a simulation, with probabilities, sampling and expectation values.

    ``measurements`` lists the circuit's terminal measurements as (qubit, clbit) pairs in
    program order; :meth:`sample` fills the classical bits from them.
    """

    def __init__(
        self,
        states: np.ndarray,
        n_qubits: int,
        *,
        batched: bool,
        measurements: Sequence[tuple[int, int]] = (),
        n_clbits: int = 0,
    ) -> None:
        self.states = states
        self.n_qubits = n_qubits
        self.batched = batched
        self.measurements = [(int(q), int(c)) for q, c in measurements]
        self.n_clbits = max([n_clbits, *(c + 1 for _, c in self.measurements)])

    @property
    def batch_size(self) -> int:
        return int(self.states.shape[0])

    @property
    def statevector(self) -> np.ndarray:
        """Shape (2**n,) for a single circuit, (B, 2**n) for a batch."""
        return self.states if self.batched else self.states[0]

    def _check_qubits(self, qubits: Sequence[int] | None) -> list[int] | None:
        if qubits is None:
            return None
        qs = [int(q) for q in qubits]
        for q in qs:
            if not 0 <= q < self.n_qubits:
                raise SimulationError(f"qubit {q} out of range for {self.n_qubits} qubits")
        if len(set(qs)) != len(qs):
            raise SimulationError(f"qubits {qs} contain a repeat")
        return qs

    def probabilities(self, qubits: Sequence[int] | None = None) -> np.ndarray:
        """Probabilities of the basis states of ``qubits`` (all by default).

        The index is ``sum_k b_{qubits[k]} 2**k``. Shape (2**k,) or (B, 2**k).
        """
        qs = self._check_qubits(qubits)
        p = K.abs2(self.states)
        if qs is not None and qs != list(range(self.n_qubits)):
            n = self.n_qubits
            t = p.reshape((p.shape[0],) + (2,) * n)  # axis 1 + (n-1-q) is qubit q
            keep = [1 + n - 1 - q for q in qs]
            drop = tuple(a for a in range(1, n + 1) if a not in keep)
            m = t.sum(axis=drop) if drop else t
            # remaining axes are in increasing axis order; reorder so qubits[-1] is the first axis
            remaining = sorted(keep)
            order = [remaining.index(1 + n - 1 - q) + 1 for q in reversed(qs)]
            p = np.transpose(m, [0, *order]).reshape(p.shape[0], -1)
        out: np.ndarray = p if self.batched else p[0]
        return out

    def sample(self, shots: int, seed: int | np.random.Generator | None = None, qubits: Sequence[int] | None = None) -> Samples:
        """Draw ``shots`` measurement outcomes (reproducible with ``seed``).

        By default the classical bits written by the terminal ``measure`` instructions (a
        classical bit holds the last qubit measured into it; bits never written read 0), or all
        qubits when the circuit measures nothing. ``qubits`` samples those qubits instead
        (bit k of an outcome is ``qubits[k]``).
        """
        if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 1:
            raise SimulationError(f"shots must be a positive integer, got {shots!r}")
        shots = int(shots)
        rng = as_generator(seed, error=SimulationError)
        sources: dict[int, int] | None = None
        if qubits is None and self.measurements:
            sources = clbit_sources(self.measurements)
            qs = sorted(set(sources.values()))
            n_bits = self.n_clbits
        else:
            qs = self._check_qubits(qubits) or list(range(self.n_qubits))
            n_bits = len(qs)
        rows = self.states.shape[0]
        # bytes a shot: the int64 outcomes of all rows, one row's uniform draws and search
        # result, and the classical-bit words (a pointer plus a Python int when they are wide)
        word = 8 + 28 + 4 * -(-n_bits // 30) if n_bits > INT64_BITS else 8
        per_shot = 8 * rows + 16 + word * rows
        check_allocation(
            float(per_shot) * shots, f"sampling {shots} shots" + (f" for a batch of {rows}" if rows > 1 else ""),
            hint="draw fewer shots at a time", error=SimulationError,
        )
        probs = self.probabilities(qs)
        probs = probs if probs.ndim == 2 else probs[None]
        out = np.empty((probs.shape[0], shots), dtype=np.int64)
        for b in range(probs.shape[0]):
            cdf = np.cumsum(probs[b])
            u = rng.random(shots) * cdf[-1]
            out[b] = np.minimum(np.searchsorted(cdf, u, side="right"), cdf.shape[0] - 1)
        if sources is not None:
            # bit k of `out` is qubit qs[k]; place it in every classical bit that holds qs[k]
            pos = {q: k for k, q in enumerate(qs)}
            if n_bits > INT64_BITS:
                wide = np.zeros(out.shape, dtype=object)
                for c, q in sources.items():
                    wide |= ((out >> pos[q]) & 1).astype(object) << c
                res = wide
            else:
                res = np.zeros_like(out)
                for c, q in sources.items():
                    res |= ((out >> pos[q]) & 1) << c
            out = res
        return Samples(out if self.batched else out[0], n_bits, self.batched)

    def expectation(self, observable: Observable | str) -> Any:
        """Expectation value of a Pauli-sum observable: a float, or (B,) for a batch."""
        obs = Observable.parse(observable) if isinstance(observable, str) else observable
        if not isinstance(obs, Observable):
            raise SimulationError(f"expected an Observable or a string, got {type(observable).__name__}")
        if obs.max_qubit >= self.n_qubits:
            raise SimulationError(f"observable acts on qubit {obs.max_qubit}, beyond the {self.n_qubits} qubits")
        total = np.zeros(self.states.shape[0])
        for c, xm, zm, ny in obs.masks():
            if xm == 0 and zm == 0:
                total += c * np.sum(K.abs2(self.states), axis=1)
            else:
                total += c * K.pauli_expectation(self.states, xm, zm, ny)
        return total if self.batched else float(total[0])

    def __repr__(self) -> str:
        return f"Result(n_qubits={self.n_qubits}, batch={self.batch_size}, dtype={self.states.dtype})"


__all__ = ["Result", "Samples", "simulate", "check_memory", "available_memory", "clbit_sources", "engine_dtype", "ParameterExpression", "resolve"]
