"""Shot-by-shot simulation: mid-circuit measurement, reset and classically controlled gates.

:func:`run_shots` samples the classical bits of ``shots`` runs of a circuit. When every
measurement is terminal it simulates once and samples (the fast path, :func:`simulate`).
Otherwise it follows *branches*: a branch is a state, the values of the classical bits, and the
number of shots that took it. A measurement splits each branch in two with a binomial draw of
its shots (the state collapsed and renormalised in each), a reset is a measurement whose outcome
is then undone with X, and a conditioned gate acts on the branches whose bits match. All
branches sit in one ``(B, 2**n)`` batch, so each gate is one kernel call. The measurements after
the last gate are sampled from each branch's final distribution, without splitting.

This is exact sampling of the measurement statistics (the branches are an unravelling of the
density matrix into pure states), and the same seed gives the same result.

Examples
--------
>>> from qtilab import Circuit
>>> c = Circuit(2, 2).h(0).measure(0, 0).x(1)
>>> _ = c.append(c[-1].replace(condition=((0,), 1)))   # undo the x when bit 0 read 1
>>> c = c.measure(1, 1)
>>> sorted(run_shots(c, 1000, seed=1).counts)      # bit 1 == not bit 0
['01', '10']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qtilab._validate import as_generator
from qtilab.core.circuit import Circuit, Gate
from qtilab.errors import SimulationError
from qtilab.sim.statevector import (
    _normalise_values,
    available_memory,
    check_memory,
    compile_gate,
    engine_dtype,
    run_ops,
    simulate,
)

#: the most classical bits (shot values are stored as int64)
MAX_CLBITS = 62


@dataclass
class ShotsResult:
    """Outcomes of :func:`run_shots`.

    Attributes
    ----------
    memory: shape (shots,), the classical bits of each shot as an integer (bit ``k`` is
        classical bit ``k``), in random shot order.
    n_bits: number of classical bits (the qubits, when the circuit measures nothing).
    method: ``"statevector"`` (one simulation, then sampling) or ``"branches"``.
    branches: the most branches held at once (1 for the statevector method).
    """

    memory: np.ndarray
    n_bits: int
    method: str
    branches: int = 1

    @property
    def shots(self) -> int:
        return int(self.memory.shape[0])

    @property
    def counts(self) -> dict[str, int]:
        """Counts by bitstring, highest classical bit on the left, sorted by bitstring."""
        vals, cnt = np.unique(self.memory, return_counts=True)
        return {format(int(v), f"0{self.n_bits}b"): int(c) for v, c in zip(vals, cnt)}

    @property
    def bits(self) -> np.ndarray:
        """Shape (shots, n_bits) uint8; column ``k`` is classical bit ``k``."""
        return ((self.memory[:, None] >> np.arange(self.n_bits)) & 1).astype(np.uint8)


def _terminal_start(gates: Sequence[Gate]) -> int:
    """Index after which only measurements and barriers follow."""
    i = len(gates)
    while i > 0 and gates[i - 1].name in ("measure", "barrier") and gates[i - 1].condition is None:
        i -= 1
    return i


def run_shots(
    circuit: Circuit,
    shots: int,
    seed: int | np.random.Generator | None = None,
    *,
    params: Mapping[Any, Any] | Sequence[Any] | None = None,
    dtype: Any = np.complex128,
    max_memory: int | None = None,
) -> ShotsResult:
    """Sample the classical bits of ``shots`` runs of ``circuit``.

    Parameters
    ----------
    circuit: any circuit; measure, reset and classically conditioned gates may appear anywhere.
        A circuit without ``measure`` is sampled on all qubits (qubit ``k`` -> bit ``k``).
    shots: number of runs (>= 1).
    seed: integer seed or generator; the same seed gives the same outcomes.
    params: values of the symbolic parameters (numbers; batches are not supported here).
    dtype: ``complex128`` or ``complex64``.
    max_memory: bytes allowed for the branch states (default: the memory available).

    Raises
    ------
    SimulationError: bad shots, too many classical bits, not enough memory.
    """
    if not isinstance(circuit, Circuit):
        raise SimulationError(f"run_shots expects a Circuit, got {type(circuit).__name__}")
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 1:
        raise SimulationError(f"shots must be a positive integer, got {shots!r}")
    shots = int(shots)
    rng = as_generator(seed, error=SimulationError)
    if circuit.n_clbits > MAX_CLBITS:
        raise SimulationError(
            f"run_shots supports at most {MAX_CLBITS} classical bits, got {circuit.n_clbits}; for "
            "terminal measurements simulate(circuit).sample(shots) takes any number"
        )
    dt = engine_dtype(dtype)
    gates = list(circuit)
    if circuit.batch_size is not None:
        raise SimulationError("run_shots does not take batch parameters; bind one value per parameter")
    # terminal measurements: one simulation, then Result.sample, which applies them in program
    # order (last write to a classical bit wins), exactly as the branch loop below does
    if not circuit.has_mid_circuit_ops:
        res = simulate(circuit, params, dtype=dt, max_memory=max_memory)
        if res.batched:
            raise SimulationError("run_shots does not take batch parameter values; give numbers")
        s = res.sample(shots, seed=rng)
        return ShotsResult(np.asarray(s.indices, dtype=np.int64), s.n_bits, "statevector", 1)
    # at most one branch per shot: process the shots in groups whose branches surely fit
    item = np.dtype(dt).itemsize * 2**circuit.n_qubits
    budget = max_memory if max_memory is not None else min(available_memory() // 4, 2 << 30)
    per = max(1, int(budget // (2 * item)))  # two copies exist while a measurement splits
    if shots <= per:
        return _branches(circuit, gates, shots, rng, params, dt, max_memory)
    parts = [_branches(circuit, gates, min(per, shots - k), rng, params, dt, max_memory) for k in range(0, shots, per)]
    memory = np.concatenate([r.memory for r in parts])
    return ShotsResult(memory, parts[0].n_bits, "branches", max(r.branches for r in parts))


def _branches(
    circuit: Circuit, gates: list[Gate], shots: int, rng: np.random.Generator,
    params: Any, dt: Any, max_memory: int | None,
) -> ShotsResult:
    n = circuit.n_qubits
    values = _normalise_values(circuit, params)
    missing = [p.name for p in circuit.parameters if values is None or p not in values]
    if missing:
        raise SimulationError(f"parameter(s) {missing} are unbound; pass params=")
    if values and any(np.ndim(v) for v in values.values()):
        raise SimulationError("run_shots does not take batch parameter values; give numbers")
    check_memory(n, 1, dt, max_memory)
    dim = 2**n
    states = np.zeros((1, dim), dtype=dt)
    states[0, 0] = 1.0
    cl = np.zeros(1, dtype=np.int64)  # classical bits of each branch
    nshots = np.array([shots], dtype=np.int64)
    most = 1
    end = _terminal_start(gates)
    pending: list[Any] = []  # compiled unconditioned gates not yet applied

    def flush() -> None:
        if pending:
            run_ops(states, pending)
            pending.clear()

    def split(q: int, clbit: int | None, reset: bool, mask: np.ndarray | None) -> None:
        nonlocal states, cl, nshots, most
        flush()
        sel = np.ones(states.shape[0], dtype=bool) if mask is None else mask
        t = states[sel].reshape(int(sel.sum()), dim >> (q + 1), 2, 1 << q)
        ns = nshots[sel]
        cs = cl[sel]
        ones = t[:, :, 1, :]
        p1 = (ones.real**2 + ones.imag**2).sum(axis=(1, 2)).astype(np.float64)
        p1 = np.clip(p1, 0.0, 1.0)
        n1 = rng.binomial(ns, p1)
        n0 = ns - n1
        keep0 = n0 > 0
        keep1 = n1 > 0
        s0 = t[keep0]  # boolean indexing copies
        s0[:, :, 1, :] = 0
        s0 /= np.sqrt(1.0 - p1[keep0])[:, None, None, None]
        s1 = t[keep1]
        s1[:, :, 0, :] = 0
        s1 /= np.sqrt(p1[keep1])[:, None, None, None]
        if reset:  # |1> -> |0> on the outcome-1 branches
            s1[:, :, 0, :] = s1[:, :, 1, :]
            s1[:, :, 1, :] = 0
        c0 = cs[keep0]
        c1 = cs[keep1]
        if clbit is not None:
            c0 = c0 & ~np.int64(1 << clbit)
            c1 = c1 | np.int64(1 << clbit)
        rest = ~sel
        b = int(rest.sum() + keep0.sum() + keep1.sum())
        check_memory(n, b, dt, max_memory)
        states = np.ascontiguousarray(
            np.concatenate([states[rest], s0.reshape(-1, dim), s1.reshape(-1, dim)])
        )
        cl = np.concatenate([cl[rest], c0, c1])
        nshots = np.concatenate([nshots[rest], n0[keep0], n1[keep1]])
        most = max(most, b)

    for g in gates[:end]:
        if g.name == "barrier":
            continue
        mask = None
        if g.condition is not None:
            bits, value = g.condition
            got = np.zeros_like(cl)
            for k, bit in enumerate(bits):
                got |= ((cl >> bit) & 1) << k
            mask = got == value
            if not mask.any():
                continue
            if mask.all():
                mask = None
        if g.name == "measure":
            split(g.qubits[0], g.clbits[0], False, mask)
        elif g.name == "reset":
            split(g.qubits[0], None, True, mask)
        elif mask is None:
            pending.append(compile_gate(g, values, dt))
        else:
            flush()
            sub = np.ascontiguousarray(states[mask])
            run_ops(sub, [compile_gate(g, values, dt)])
            states[mask] = sub
    flush()

    # terminal measurements: sample each branch's final distribution
    term = [g for g in gates[end:] if g.name == "measure"]
    measured_any = any(g.name == "measure" for g in gates)
    n_bits = circuit.n_clbits if measured_any else n
    probs = (states.real**2 + states.imag**2).astype(np.float64)
    out = np.empty(shots, dtype=np.int64)
    pos = 0
    for b in range(states.shape[0]):
        k = int(nshots[b])
        p = probs[b] / probs[b].sum()
        idx = rng.choice(dim, size=k, p=p)
        if not measured_any:
            vals = idx.astype(np.int64)
        else:
            vals = np.full(k, cl[b], dtype=np.int64)
            for g in term:  # in program order, so a later measure into the same bit wins
                q, c = g.qubits[0], g.clbits[0]
                vals = (vals & ~(1 << c)) | (((idx >> q) & 1) << c)
        out[pos:pos + k] = vals
        pos += k
    rng.shuffle(out)
    return ShotsResult(out, n_bits, "branches", most)


__all__ = ["ShotsResult", "run_shots"]
