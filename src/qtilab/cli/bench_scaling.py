"""``qtilab bench scaling``: a simulator benchmarking study in the shape of Intel-QS's
(Guerreschi, Hogaboam, Baruffa, Sawaya, Quantum Sci. Technol. 5, 034007 (2020), arXiv:2001.10554).

Measurements (:func:`scaling_study`, a :class:`ScalingConfig` in, a :class:`ScalingResult` out):

* **time per gate against qubit count**: one gate applied in place to an n-qubit state by the
  engine's gate kernels (``qtilab.sim.kernels.apply_*``, one call per gate, no fusion), for a
  1-qubit dense gate (H) on qubit 0, on qubit n/2 and on qubit n-1, a CNOT (control 0, target
  n-1) and a dense random 2-qubit unitary on (n/2, n-1); complex128 and complex64. Each timing
  is the median of ``repeats`` samples, a sample being the mean over enough back-to-back calls
  to last about ``min_sample_s``.
* **effective bandwidth**: bytes moved per gate / time, with bytes = 2 x the state's size (every
  amplitude read and written once, the convention of the Intel-QS paper), against the machine's
  measured copy bandwidth (a numba parallel copy of the same state: 2 x size / time). The
  roofline figure shows bandwidth against qubit count with the copy bandwidth as the limit;
  ``gate time / copy time`` is the distance to it.
* **strong scaling**: the same gates at ``strong_n`` qubits with 1, 2, ... threads (numba).
* **pool mode**: ``pool_circuits`` independent circuits of ``pool_qubits`` qubits (the layered
  RY/RZ + CZ-ladder ansatz with random angles per circuit) run as one batch by qtilab
  (parameters of shape (B,), all threads), against each installed peer running them one by one
  with one thread (each circuit converted beforehand; the timed part only simulates). Peers run a subset of
  ``pool_peer_circuits`` circuits and their throughput is circuits per second on that subset.
* **QAOA with particle-swarm optimisation** (the Intel-QS application): MaxCut QAOA of depth
  ``qaoa_p`` on ``qaoa_instances`` random 3-regular graphs of ``qaoa_qubits`` vertices, each
  optimised by its own swarm of ``qaoa_particles`` particles; all instances x particles are
  one batch per swarm iteration (the graph enters as per-member RZZ angles, so one circuit
  serves every instance). Time to solution: wall time until every instance's best particle
  reaches ``qaoa_target`` of its graph's maximum cut (found by enumeration); the same
  optimisation with one simulation per particle is timed for comparison.

Peers come from :mod:`qtilab.cli.bench`'s adapters (run ``bench/scaling.py`` from an
environment with the peers installed). The machine description (CPU model, cores, memory,
copy bandwidth, load average before and after) is measured and written with the results.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

GATES = ("h-low", "h-mid", "h-high", "cx", "dense2q")
DTYPES = ("complex128", "complex64")


@dataclass
class ScalingConfig:
    """What :func:`scaling_study` measures (defaults: the committed run's settings)."""

    qubits: list[int] = field(default_factory=lambda: [10, 12, 14, 16, 18, 20, 22, 24, 26])
    dtypes: list[str] = field(default_factory=lambda: list(DTYPES))
    gates: list[str] = field(default_factory=lambda: list(GATES))
    repeats: int = 5
    min_sample_s: float = 0.05
    #: threads of the time-per-gate sweep (strong scaling uses ``threads``)
    sweep_threads: int = 1
    strong_n: int = 24
    threads: list[int] = field(default_factory=lambda: [1, 2])
    pool_qubits: int = 12
    pool_circuits: int = 10000
    pool_layers: int = 4
    pool_peer_circuits: int = 200
    pool_repeats: int = 3
    peers: list[str] = field(default_factory=lambda: ["qiskit-aer", "qulacs", "qsimcirq", "qibojit", "lightning.qubit"])
    qaoa_qubits: int = 12
    qaoa_instances: int = 8
    qaoa_particles: int = 16
    qaoa_p: int = 2
    qaoa_iterations: int = 60
    qaoa_target: float = 0.7
    qaoa_serial: bool = True
    #: the one-simulation-per-particle run stops here if it has not reached the target
    qaoa_serial_iterations: int = 8
    max_memory_fraction: float = 0.5
    seed: int = 1
    progress: bool = False


@dataclass
class ScalingResult:
    config: ScalingConfig
    machine: dict[str, Any]
    gate_rows: list[dict[str, Any]] = field(default_factory=list)
    copy_rows: list[dict[str, Any]] = field(default_factory=list)
    strong_rows: list[dict[str, Any]] = field(default_factory=list)
    pool_rows: list[dict[str, Any]] = field(default_factory=list)
    qaoa: dict[str, Any] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"config": asdict(self.config), "machine": self.machine, "gates": self.gate_rows, "copy": self.copy_rows,
                "strong": self.strong_rows, "pool": self.pool_rows, "qaoa": self.qaoa, "skipped": self.skipped,
                "notes": self.notes}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ScalingResult:
        return cls(ScalingConfig(**d["config"]), d["machine"], d["gates"], d["copy"], d["strong"], d["pool"],
                   d["qaoa"], d["skipped"], d.get("notes", []))


# -- machine ---------------------------------------------------------------------------------
def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover
        pass
    return platform.processor() or platform.machine()


def machine_description() -> dict[str, Any]:
    """CPU model, usable cores, total and available memory, load average (measured now)."""
    from qtilab.sim.statevector import available_memory

    total = 0
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    total = int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        cores = os.cpu_count() or 1
    return {
        "cpu": _cpu_model(), "cores": cores, "memory_total_gib": total / 2**30,
        "memory_available_gib": available_memory() / 2**30, "load_average": list(os.getloadavg()),
        "python": platform.python_version(), "numpy": np.__version__,
    }


# -- timing helpers --------------------------------------------------------------------------------
def _sample(fn: Callable[[], Any], min_s: float) -> float:
    """Seconds per call: back-to-back calls until ``min_s`` has passed, mean."""
    k = 0
    t0 = time.perf_counter()
    while True:
        fn()
        k += 1
        dt = time.perf_counter() - t0
        if dt >= min_s:
            return dt / k


def _timed(fn: Callable[[], Any], repeats: int, min_s: float) -> list[float]:
    fn()  # warm-up (compilation, first touch)
    return [_sample(fn, min_s) for _ in range(repeats)]


def _interleaved(fns: dict[str, Callable[[], Any]], repeats: int, min_s: float) -> dict[str, list[float]]:
    """Warm every callable up, then take ``repeats`` rounds of one sample each, in turn."""
    for f in fns.values():
        f()
    out: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, f in fns.items():
            out[k].append(_sample(f, min_s))
    return out


def _copy_and_gates(st: np.ndarray, ops: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    """Callables: copy the state once (numba parallel copy), and apply each op in place."""
    from qtilab.sim import kernels as K
    from qtilab.sim.statevector import run_ops

    dst = np.empty_like(st)
    flat_src, flat_dst = st.reshape(-1), dst.reshape(-1)
    fns: dict[str, Callable[[], Any]] = {"copy": lambda: K.par_copy(flat_dst, flat_src)}
    def apply(op: Any) -> Callable[[], Any]:
        return lambda: run_ops(st, [op])

    for g, op in ops.items():
        fns[g] = apply(op)
    return fns


def _set_threads(t: int) -> None:
    import numba

    numba.set_num_threads(min(int(t), int(numba.config.NUMBA_NUM_THREADS)))  # type: ignore[attr-defined]


def _gate_op(name: str, n: int, dtype: Any, rng: np.random.Generator) -> Any:
    from qtilab.core.circuit import Circuit
    from qtilab.sim.statevector import compile_gate

    c = Circuit(n)
    if name == "h-low":
        c.h(0)
    elif name == "h-mid":
        c.h(n // 2)
    elif name == "h-high":
        c.h(n - 1)
    elif name == "cx":
        c.cx(0, n - 1)
    elif name == "dense2q":
        # a Haar-random 4 x 4 unitary: QR of a complex Gaussian matrix, phases fixed
        q, r = np.linalg.qr(rng.normal(size=(4, 4)) + 1j * rng.normal(size=(4, 4)))
        c.unitary(q * (np.diag(r) / np.abs(np.diag(r))), [n // 2, n - 1])
    else:
        raise ValueError(name)
    return compile_gate(c[0], None, dtype)


def _state(n: int, dtype: Any) -> np.ndarray:
    st = np.zeros((1, 1 << n), dtype=dtype)
    st[0, :] = 1.0 / np.sqrt(1 << n)
    return st


def _fits(n: int, dtype: Any, cfg: ScalingConfig, copies: int = 2) -> bool:
    from qtilab.sim.statevector import available_memory

    need = copies * (1 << n) * np.dtype(dtype).itemsize
    return bool(need <= cfg.max_memory_fraction * available_memory())


def _progress(total: int, enabled: bool, desc: str) -> Any:
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr)


def gate_scaling(cfg: ScalingConfig, res: ScalingResult) -> None:
    """Time per gate and copy time against n, for each dtype (all threads)."""
    rng = np.random.default_rng(cfg.seed)
    _set_threads(cfg.sweep_threads)
    bar = _progress(len(cfg.qubits) * len(cfg.dtypes), cfg.progress, "gate timings")
    for dt_name in cfg.dtypes:
        dtype = np.dtype(dt_name)
        for n in cfg.qubits:
            if bar:
                bar.update(1)
            if not _fits(n, dtype, cfg):
                res.skipped.append(f"{n} qubits {dt_name}: the state and its copy need "
                                   f"{2 * (1 << n) * dtype.itemsize / 2**30:.1f} GiB, more than "
                                   f"{cfg.max_memory_fraction:.0%} of the memory available")
                continue
            st = _state(n, dtype)
            size = st.nbytes
            fns = _copy_and_gates(st, {g: _gate_op(g, n, dtype, rng) for g in cfg.gates})
            times = _interleaved(fns, cfg.repeats, cfg.min_sample_s)
            ct = times["copy"]
            res.copy_rows.append({"n": n, "dtype": dt_name, "threads": cfg.sweep_threads, "times": ct,
                                  "median_s": statistics.median(ct), "bandwidth_gbs": 2 * size / statistics.median(ct) / 1e9})
            for g in cfg.gates:
                ts = times[g]
                med = statistics.median(ts)
                res.gate_rows.append({
                    "n": n, "dtype": dt_name, "gate": g, "threads": cfg.sweep_threads, "times": ts, "median_s": med,
                    "bandwidth_gbs": 2 * size / med / 1e9, "over_copy": med / statistics.median(ct),
                })
            del st, fns
    if bar:
        bar.close()


def strong_scaling(cfg: ScalingConfig, res: ScalingResult) -> None:
    """The gates at ``strong_n`` qubits (complex128) with each thread count, and the copy."""

    n = cfg.strong_n
    if not _fits(n, np.complex128, cfg):
        res.skipped.append(f"strong scaling at {n} qubits: does not fit in memory")
        return
    rng = np.random.default_rng(cfg.seed)
    st = _state(n, np.complex128)
    ops = {g: _gate_op(g, n, np.complex128, rng) for g in cfg.gates}
    fns = _copy_and_gates(st, ops)
    for t in cfg.threads:
        _set_threads(t)
        times = _interleaved(fns, cfg.repeats, cfg.min_sample_s)
        for g, ts in times.items():
            res.strong_rows.append({"n": n, "threads": t, "gate": g, "times": ts, "median_s": statistics.median(ts)})
    _set_threads(max(cfg.threads))


# -- pool mode --------------------------------------------------------------------------------------
def pool_circuit(n: int, layers: int) -> tuple[Any, list[Any]]:
    """The layered ansatz with symbolic angles: (circuit, its parameters in order)."""
    from qtilab.core.circuit import Circuit
    from qtilab.core.parameters import Parameter

    c = Circuit(n, name=f"pool-{n}")
    ps = []
    for layer in range(layers):
        for q in range(n):
            a, b = Parameter(f"a{layer}_{q}"), Parameter(f"b{layer}_{q}")
            ps += [a, b]
            c.ry(a, q)
            c.rz(b, q)
        for q in range(n - 1):
            c.cz(q, q + 1)
    return c, ps


def pool_mode(cfg: ScalingConfig, res: ScalingResult) -> None:
    """qtilab's batch against each peer one circuit at a time (circuits per second)."""
    from qtilab.cli import bench as B
    from qtilab.sim.statevector import simulate

    rng = np.random.default_rng(cfg.seed)
    circ, params = pool_circuit(cfg.pool_qubits, cfg.pool_layers)
    values = rng.uniform(0, 2 * np.pi, size=(len(params), cfg.pool_circuits))
    bind = {p: values[k] for k, p in enumerate(params)}
    _set_threads(max(cfg.threads))
    from qtilab.sim.statevector import available_memory

    if 2 * cfg.pool_circuits * (1 << cfg.pool_qubits) * 16 > cfg.max_memory_fraction * available_memory():
        res.skipped.append("pool mode: the batch does not fit in memory")
        return

    def batch() -> Any:
        return simulate(circ, bind).states

    simulate(circ, {p: values[k, :8] for k, p in enumerate(params)})  # compile the kernels
    ts = [0.0] * cfg.pool_repeats
    for r in range(cfg.pool_repeats):
        t0 = time.perf_counter()
        out = batch()
        ts[r] = time.perf_counter() - t0
    del out
    med = statistics.median(ts)
    res.pool_rows.append({"contender": "qtilab (one batch)", "circuits": cfg.pool_circuits, "times": ts,
                          "median_s": med, "circuits_per_s": cfg.pool_circuits / med})
    # qtilab one by one, for reference (same subset size as the peers)
    k = cfg.pool_peer_circuits
    bound = [circ.bind({p: float(values[j, i]) for j, p in enumerate(params)}) for i in range(k)]
    # one thread for the one-by-one runs: a 12-qubit circuit is too small to share between threads
    # (qulacs and lightning take theirs from OMP_NUM_THREADS, which bench/scaling.py sets to 1)
    contenders: dict[str, list[Callable[[], Any]]] = {"qtilab (one by one)": [B.run_qtilab(c, 1) for c in bound]}
    for name in cfg.peers:
        why = B.peer_available(name)
        if why is not None:
            res.pool_rows.append({"contender": f"{name} (one by one)", "skipped": why})
            continue
        try:
            fns = [B.ADAPTERS[name](c, 1) for c in bound]
            fns[0]()
            contenders[f"{name} (one by one)"] = fns
        except Exception as exc:  # a failing peer is reported, not fatal
            res.pool_rows.append({"contender": f"{name} (one by one)", "skipped": f"failed: {type(exc).__name__}: {exc}"[:160]})
    times: dict[str, list[float]] = {c: [] for c in contenders}
    for _ in range(cfg.pool_repeats):  # interleaved repeats
        for cname, fns in contenders.items():
            t0 = time.perf_counter()
            for f in fns:
                f()
            times[cname].append(time.perf_counter() - t0)
    for cname, tt in times.items():
        med = statistics.median(tt)
        res.pool_rows.append({"contender": cname, "circuits": k, "times": tt, "median_s": med, "circuits_per_s": k / med})
    _set_threads(max(cfg.threads))


# -- QAOA with particle-swarm optimisation -------------------------------------------------------
def _regular_graph(n: int, seed: int) -> list[tuple[int, int]]:
    import networkx as nx

    g = nx.random_regular_graph(3, n, seed=seed)
    return sorted((min(a, b), max(a, b)) for a, b in g.edges())


class QaoaBatch:
    """Expected MaxCut values of QAOA circuits for many graphs and parameter sets in one batch.

    Circuit: H on all qubits, then p rounds of exp(-i gamma C) -- an RZZ(-gamma w_ij) on every
    pair, w_ij = 1 for an edge of that member's graph and 0 otherwise, so one circuit serves every
    graph -- and RX(2 beta) on every qubit. ``energies(x, members)`` takes parameter rows
    x = (gamma_1..gamma_p, beta_1..beta_p), shape (M, 2p), and the graph index of each row, and
    returns the expected cut <C> = sum over edges of (1 - <Z_i Z_j>) / 2, shape (M,).
    """

    def __init__(self, n: int, p: int, graphs: list[list[tuple[int, int]]]) -> None:
        from qtilab.core.circuit import Circuit
        from qtilab.core.parameters import Parameter

        self.n, self.p, self.graphs = n, p, graphs
        self.pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
        bits = (np.arange(1 << n)[:, None] >> np.arange(n)) & 1
        self.cuts = np.array([np.sum([bits[:, a] != bits[:, b] for a, b in g], axis=0) for g in graphs], dtype=float)
        self.maxcut = self.cuts.max(axis=1)
        self.wmat = np.array([[1.0 if pr in set(g) else 0.0 for pr in self.pairs] for g in graphs])
        # one angle per (round, pair): -gamma_k w_ij
        self.zz = [[Parameter(f"z{k}_{a}_{b}") for a, b in self.pairs] for k in range(p)]
        self.beta = [Parameter(f"b{k}") for k in range(p)]
        c = Circuit(n, name=f"qaoa-{n}-p{p}")
        for q in range(n):
            c.h(q)
        for k in range(p):
            for (a, b), z in zip(self.pairs, self.zz[k]):
                c.rzz(z, a, b)
            for q in range(n):
                c.rx(self.beta[k], q)
        self.circuit = c

    def energies(self, x: np.ndarray, members: np.ndarray) -> np.ndarray:
        from qtilab.sim.statevector import simulate

        p = self.p
        vals: dict[Any, Any] = {b: 2 * x[:, p + k] for k, b in enumerate(self.beta)}
        for k in range(p):
            vals.update({z: -x[:, k] * self.wmat[members, j] for j, z in enumerate(self.zz[k])})
        st = simulate(self.circuit, vals).states
        probs = st.real**2 + st.imag**2
        out: np.ndarray = np.einsum("mi,mi->m", probs, self.cuts[members])
        return out


def qaoa_pso(cfg: ScalingConfig, batched: bool = True) -> dict[str, Any]:
    """Optimise QAOA MaxCut (:class:`QaoaBatch`) on several graphs with one particle swarm each.

    PSO: inertia 0.72, cognitive and social weights 1.49, velocities clipped to the box
    gamma in [0, pi], beta in [0, pi/2]; each graph's swarm sees only its own best.
    """
    n, p, inst, npart = cfg.qaoa_qubits, cfg.qaoa_p, cfg.qaoa_instances, cfg.qaoa_particles
    _set_threads(max(cfg.threads))
    rng = np.random.default_rng(cfg.seed)
    qb = QaoaBatch(n, p, [_regular_graph(n, cfg.seed + i) for i in range(inst)])
    energies, maxcut = qb.energies, qb.maxcut

    lo = np.zeros(2 * p)
    hi = np.concatenate([np.full(p, np.pi), np.full(p, np.pi / 2)])
    B = inst * npart
    members = np.repeat(np.arange(inst), npart)
    x = rng.uniform(lo, hi, size=(B, 2 * p))
    v = rng.uniform(-(hi - lo), hi - lo, size=(B, 2 * p)) * 0.1

    def evaluate(xx: np.ndarray) -> np.ndarray:
        if batched:
            return energies(xx, members)
        return np.array([energies(xx[i : i + 1], members[i : i + 1])[0] for i in range(B)])

    energies(x[:2], members[:2])  # compile the kernels before the clock starts
    t0 = time.perf_counter()
    f = evaluate(x)
    pbest, pval = x.copy(), f.copy()
    gbest = np.zeros((inst, 2 * p))
    gval = np.full(inst, -np.inf)
    history = []
    solved_at: float | None = None
    for it in range(cfg.qaoa_iterations if batched else min(cfg.qaoa_iterations, cfg.qaoa_serial_iterations)):
        for i in range(inst):
            sl = slice(i * npart, (i + 1) * npart)
            j = int(np.argmax(pval[sl]))
            if pval[sl][j] > gval[i]:
                gval[i], gbest[i] = pval[sl][j], pbest[sl][j]
        ratio = gval / maxcut
        history.append({"iteration": it, "seconds": time.perf_counter() - t0, "min_ratio": float(ratio.min()),
                        "mean_ratio": float(ratio.mean())})
        if solved_at is None and ratio.min() >= cfg.qaoa_target:
            solved_at = time.perf_counter() - t0
            if not batched:
                break
        r1, r2 = rng.random((2, B, 2 * p))
        v = 0.72 * v + 1.49 * r1 * (pbest - x) + 1.49 * r2 * (gbest[members] - x)
        v = np.clip(v, -(hi - lo), hi - lo)
        x = np.clip(x + v, lo, hi)
        f = evaluate(x)
        better = f > pval
        pbest[better], pval[better] = x[better], f[better]
    return {
        "batched": batched, "instances": inst, "particles": npart, "qubits": n, "p": p, "batch": B,
        "time_to_solution_s": solved_at, "iterations_run": len(history), "total_s": time.perf_counter() - t0,
        "final_min_ratio": history[-1]["min_ratio"], "final_mean_ratio": history[-1]["mean_ratio"],
        "maxcut": maxcut.tolist(), "history": history, "target": cfg.qaoa_target,
    }


# -- the study ----------------------------------------------------------------------------------
def scaling_study(cfg: ScalingConfig, parts: tuple[str, ...] = ("gates", "strong", "pool", "qaoa")) -> ScalingResult:
    """Run the chosen parts of the study; sizes that do not fit in memory are skipped and listed."""
    from qtilab.errors import ConfigError

    bad = [g for g in cfg.gates if g not in GATES] + [d for d in cfg.dtypes if d not in DTYPES]
    if bad:
        raise ConfigError(f"unknown gate(s)/dtype(s) {bad}; choose gates from {GATES} and dtypes from {DTYPES}")
    if any(n < 2 or n > 40 for n in cfg.qubits) or not cfg.qubits:
        raise ConfigError(f"qubit counts must lie in 2..40, got {cfg.qubits}")
    if cfg.repeats < 1 or any(t < 1 for t in cfg.threads):
        raise ConfigError("repeats and thread counts must be positive")
    res = ScalingResult(cfg, {**machine_description(), "load_average_start": list(os.getloadavg())})
    if "gates" in parts:
        gate_scaling(cfg, res)
        copies = [r for r in res.copy_rows if r["dtype"] == "complex128"]
        if copies:
            big = max(copies, key=lambda r: r["n"])
            res.machine["copy_bandwidth_gbs"] = big["bandwidth_gbs"]
            res.machine["copy_bandwidth_at"] = f"{big['n']} qubits complex128, {big['threads']} threads"
    if "strong" in parts:
        strong_scaling(cfg, res)
    if "pool" in parts:
        pool_mode(cfg, res)
    if "qaoa" in parts:
        res.qaoa["batched"] = qaoa_pso(cfg, batched=True)
        if cfg.qaoa_serial:
            res.qaoa["one_by_one"] = qaoa_pso(cfg, batched=False)
    res.machine["load_average_end"] = list(os.getloadavg())
    return res


# -- report --------------------------------------------------------------------------------------
def _spread(ts: list[float]) -> str:
    return f"{min(ts):.3g}-{max(ts):.3g}"


def markdown(res: ScalingResult) -> str:
    """The results as Markdown tables (what bench/results/scaling.md holds)."""
    m = res.machine
    cfg = res.config
    L: list[str] = [
        "# Benchmark: scaling study in the shape of Intel-QS (qtilab and peers)", "",
        f"Machine (measured): {m['cpu']}, {m['cores']} usable cores, {m['memory_total_gib']:.1f} GiB memory "
        f"({m['memory_available_gib']:.1f} GiB available at the start), copy bandwidth "
        f"{m.get('copy_bandwidth_gbs', float('nan')):.2f} GB/s ({m.get('copy_bandwidth_at', 'not measured')}); "
        f"load average {m['load_average_start'][0]:.1f} at the start and {m['load_average_end'][0]:.1f} at the end "
        f"(1-minute) on {m['cores']} cores. Python {m['python']}, numpy {m['numpy']}.",
        "", "Timings: median of the repeats (spread = min-max in brackets or the spread column); a repeat "
        f"is the mean over back-to-back calls lasting at least {cfg.min_sample_s} s. The machine is shared: "
        "read ratios, not absolute times.", "",
    ]
    if res.skipped:
        L += ["Skipped:", ""] + [f"* {s}" for s in res.skipped] + [""]
    if res.gate_rows:
        L += ["## Time per gate against qubit count", "",
              f"`qtilab.sim.kernels` gate kernels, one call per gate, {res.gate_rows[0]['threads']} thread(s), copy and "
              "gates interleaved; "
              "bandwidth = 2 x state bytes / time; *x copy* = gate time / time to copy the state once.", "",
              "| n | dtype | gate | median (s) | spread (s) | GB/s | x copy |", "|---|---|---|---|---|---|---|"]
        for r in res.copy_rows:
            L.append(f"| {r['n']} | {r['dtype']} | copy | {r['median_s']:.4g} | {_spread(r['times'])} | {r['bandwidth_gbs']:.2f} | 1 |")
            for g in (x for x in res.gate_rows if x["n"] == r["n"] and x["dtype"] == r["dtype"]):
                L.append(f"| {g['n']} | {g['dtype']} | {g['gate']} | {g['median_s']:.4g} | {_spread(g['times'])} | "
                         f"{g['bandwidth_gbs']:.2f} | {g['over_copy']:.2f} |")
        L.append("")
        hi = [g for g in res.gate_rows if g["gate"] == "h-high" and g["n"] >= 24 and g["dtype"] == "complex128"]
        if hi:
            worst = max(g["over_copy"] for g in hi)
            L += [f"**Target** (1-qubit gate on the highest qubit within 1.5x of the copy time at n >= 24, complex128): "
                  f"worst ratio {worst:.2f} -> {'met' if worst <= 1.5 else 'missed'}.", ""]
        else:
            L += ["**Target** (high-qubit gate within 1.5x of copy bandwidth at n >= 24): not measured in this run "
                  "(no size >= 24).", ""]
    if res.strong_rows:
        n = res.strong_rows[0]["n"]
        L += [f"## Strong scaling at {n} qubits (complex128)", "",
              "| gate | threads | median (s) | spread (s) | speed-up over 1 thread |", "|---|---|---|---|---|"]
        base = {r["gate"]: r["median_s"] for r in res.strong_rows if r["threads"] == min(cfg.threads)}
        for r in res.strong_rows:
            L.append(f"| {r['gate']} | {r['threads']} | {r['median_s']:.4g} | {_spread(r['times'])} | {base[r['gate']] / r['median_s']:.2f} |")
        L += ["", "Weak scaling over MPI ranks: not measured (qtilab has no distributed engine yet).", ""]
    if res.pool_rows:
        L += [f"## Pool mode: {cfg.pool_circuits} circuits of {cfg.pool_qubits} qubits "
              f"({cfg.pool_layers} layers of RY, RZ on every qubit + CZ ladder, random angles)", "",
              f"qtilab runs all circuits as one batch; everyone else (and qtilab, for reference) runs "
              f"{cfg.pool_peer_circuits} of them one by one (conversion untimed), interleaved.", "",
              "| contender | circuits | median (s) | spread (s) | circuits / s | qtilab batch / this |", "|---|---|---|---|---|---|"]
        batch = next((r for r in res.pool_rows if r["contender"].startswith("qtilab (one batch)")), None)
        for r in res.pool_rows:
            if r.get("skipped"):
                L.append(f"| {r['contender']} | | | | | {r['skipped']} |")
                continue
            ratio = batch["circuits_per_s"] / r["circuits_per_s"] if batch else float("nan")
            L.append(f"| {r['contender']} | {r['circuits']} | {r['median_s']:.4g} | {_spread(r['times'])} | "
                     f"{r['circuits_per_s']:.4g} | {ratio:.3g} |")
        peers = [r for r in res.pool_rows if not r.get("skipped") and not r["contender"].startswith("qtilab")]
        if batch and peers:
            best = max(peers, key=lambda r: r["circuits_per_s"])
            ratio = batch["circuits_per_s"] / best["circuits_per_s"]
            L += ["", f"**Target** (pool mode >= 5x the fastest peer one by one): qtilab batch / {best['contender']} = "
                  f"{ratio:.3g} -> {'met' if ratio >= 5 else 'missed'}."]
        L.append("")
    if res.qaoa:
        L += ["## QAOA MaxCut with particle-swarm optimisation", ""]
        q = res.qaoa["batched"]
        L += [f"{q['instances']} random 3-regular graphs of {q['qubits']} vertices, QAOA depth p = {q['p']}, "
              f"{q['particles']} particles per graph ({q['batch']} circuits per swarm step). Solution: every graph's "
              f"best expected cut >= {q['target']} of its maximum cut.", "",
              "| mode | time to solution (s) | iterations | total (s) | final worst ratio | final mean ratio |",
              "|---|---|---|---|---|---|"]
        for key, label in (("batched", "all particles and graphs in one batch"), ("one_by_one", "one simulation per particle")):
            if key in res.qaoa:
                q = res.qaoa[key]
                tts = f"{q['time_to_solution_s']:.3g}" if q["time_to_solution_s"] is not None else "not reached"
                L.append(f"| {label} | {tts} | {q['iterations_run']} | {q['total_s']:.3g} | {q['final_min_ratio']:.3f} | "
                         f"{q['final_mean_ratio']:.3f} |")
        L.append("")
    if res.notes:
        L += ["## Notes", ""] + [f"* {x}" for x in res.notes] + [""]
    return "\n".join(L) + "\n"


def report(res: ScalingResult) -> Any:
    """A :class:`qtilab.report.Report` with every table and figure of the study."""
    from qtilab.report import Report

    rep = Report("Scaling study (Intel-QS style)", meta={"config": asdict(res.config)})
    rep.add_text("Results", markdown(res))
    if res.gate_rows:
        fig = rep.new_figure("time_per_gate", "Time per gate against qubit count (median; bars: min-max).", figsize=(10, 4))
        for k, dt in enumerate(res.config.dtypes):
            ax = fig.add_subplot(1, len(res.config.dtypes), k + 1)
            for g in res.config.gates + ["copy"]:
                rows = [r for r in (res.copy_rows if g == "copy" else res.gate_rows)
                        if r["dtype"] == dt and (g == "copy" or r["gate"] == g)]
                if rows:
                    ax.errorbar([r["n"] for r in rows], [r["median_s"] for r in rows],
                                yerr=[[r["median_s"] - min(r["times"]) for r in rows], [max(r["times"]) - r["median_s"] for r in rows]],
                                marker="o", ls="--" if g == "copy" else "-", label=g)
            ax.set_yscale("log")
            ax.set_xlabel("qubits")
            ax.set_ylabel("seconds per gate")
            ax.set_title(dt)
            ax.legend(fontsize=7)
        fig = rep.new_figure("roofline", "Effective bandwidth (2 x state bytes / gate time) against qubit count; "
                             "the dashed line is the measured copy bandwidth of the same state.", figsize=(10, 4))
        for k, dt in enumerate(res.config.dtypes):
            ax = fig.add_subplot(1, len(res.config.dtypes), k + 1)
            cr = [r for r in res.copy_rows if r["dtype"] == dt]
            ax.plot([r["n"] for r in cr], [r["bandwidth_gbs"] for r in cr], "k--", label="copy (limit)")
            for g in res.config.gates:
                rows = [r for r in res.gate_rows if r["dtype"] == dt and r["gate"] == g]
                ax.plot([r["n"] for r in rows], [r["bandwidth_gbs"] for r in rows], "o-", label=g)
            ax.set_xlabel("qubits")
            ax.set_ylabel("GB/s")
            ax.set_title(dt)
            ax.legend(fontsize=7)
    if res.strong_rows:
        fig = rep.new_figure("strong_scaling", f"Strong scaling at {res.strong_rows[0]['n']} qubits (complex128).")
        ax = fig.add_subplot(1, 1, 1)
        for g in ["copy", *res.config.gates]:
            rows = [r for r in res.strong_rows if r["gate"] == g]
            base = rows[0]["median_s"]
            ax.plot([r["threads"] for r in rows], [base / r["median_s"] for r in rows], "o-", label=g)
        ts = res.config.threads
        ax.plot(ts, [t / ts[0] for t in ts], "k:", label="ideal")
        ax.set_xlabel("threads")
        ax.set_ylabel("speed-up")
        ax.legend(fontsize=7)
    rows = [r for r in res.pool_rows if not r.get("skipped")]
    if rows:
        fig = rep.new_figure("pool", "Pool mode: circuits per second.")
        ax = fig.add_subplot(1, 1, 1)
        ax.barh([r["contender"] for r in rows], [r["circuits_per_s"] for r in rows])
        ax.set_xscale("log")
        ax.set_xlabel("circuits per second")
    if res.qaoa:
        fig = rep.new_figure("qaoa_pso", "QAOA + PSO: worst instance's best approximation ratio against wall time.")
        ax = fig.add_subplot(1, 1, 1)
        for key, q in res.qaoa.items():
            h = q["history"]
            ax.plot([x["seconds"] for x in h], [x["min_ratio"] for x in h], "o-", ms=3, label=key.replace("_", " "))
        ax.axhline(res.config.qaoa_target, color="k", ls=":", label="target")
        ax.set_xscale("symlog", linthresh=0.1)
        ax.set_xlabel("seconds")
        ax.set_ylabel("best expected cut / max cut (worst graph)")
        ax.legend()
    rep.data.update({"machine": res.machine, "gates": res.gate_rows, "copy": res.copy_rows, "strong": res.strong_rows,
                     "pool": res.pool_rows, "qaoa": res.qaoa, "skipped": res.skipped})
    return rep


def _ints(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        if ".." in part:
            a, b = part.split("..")
            step = 2 if int(b) - int(a) > 8 else 1
            out += list(range(int(a), int(b) + 1, step))
        elif part:
            out.append(int(part))
    return out


def add_parser(bsub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    s = bsub.add_parser("scaling", help="Intel-QS-style study: time per gate, roofline, threads, pool mode, QAOA+PSO")
    s.add_argument("--qubits", default="10..26", help="qubit counts: a list (10,14,18) or a range a..b "
                   "(every second count when wider than 8; default 10..26)")
    s.add_argument("--dtypes", default="complex128,complex64")
    s.add_argument("--repeats", type=int, default=5, help="repeats per timing (default 5)")
    s.add_argument("--strong-n", type=int, default=24, help="qubits of the strong-scaling run (default 24)")
    s.add_argument("--threads", default="1,2", help="thread counts for strong scaling (default 1,2)")
    s.add_argument("--sweep-threads", type=int, default=1, help="threads of the time-per-gate sweep (default 1)")
    s.add_argument("--pool-circuits", type=int, default=10000, help="circuits in the pool batch (default 10000)")
    s.add_argument("--pool-qubits", type=int, default=12)
    s.add_argument("--pool-peer-circuits", type=int, default=200, help="circuits each peer runs one by one (default 200)")
    s.add_argument("--pool-repeats", type=int, default=3, help="repeats of the pool-mode timings (default 3)")
    s.add_argument("--peers", default="qiskit-aer,qulacs,qsimcirq,qibojit,lightning.qubit")
    s.add_argument("--qaoa-qubits", type=int, default=12)
    s.add_argument("--qaoa-instances", type=int, default=8)
    s.add_argument("--qaoa-particles", type=int, default=16)
    s.add_argument("--qaoa-iterations", type=int, default=60)
    s.add_argument("--parts", default="gates,strong,pool,qaoa", help="which parts to run (default all)")
    s.add_argument("--out", default=None, help="folder for the report")
    s.add_argument("--json", action="store_true", help="print the results as JSON")
    s.set_defaults(func=_cmd)


def config_from_args(args: argparse.Namespace) -> ScalingConfig:
    return ScalingConfig(
        qubits=_ints(args.qubits), dtypes=args.dtypes.split(","), repeats=args.repeats, strong_n=args.strong_n,
        threads=_ints(args.threads), sweep_threads=args.sweep_threads, pool_circuits=args.pool_circuits, pool_qubits=args.pool_qubits,
        pool_peer_circuits=args.pool_peer_circuits, pool_repeats=args.pool_repeats, peers=[p for p in args.peers.split(",") if p],
        qaoa_qubits=args.qaoa_qubits, qaoa_instances=args.qaoa_instances, qaoa_particles=args.qaoa_particles,
        qaoa_iterations=args.qaoa_iterations, progress=True,
    )


def _cmd(args: argparse.Namespace) -> int:
    cfg = config_from_args(args)
    res = scaling_study(cfg, tuple(p for p in args.parts.split(",") if p))
    if args.json:
        print(json.dumps({"machine": res.machine, "gates": res.gate_rows, "copy": res.copy_rows, "strong": res.strong_rows,
                          "pool": res.pool_rows, "qaoa": {k: {kk: vv for kk, vv in v.items() if kk != "history"}
                                                          for k, v in res.qaoa.items()}, "skipped": res.skipped}, indent=1))
    else:
        print(markdown(res))
    if args.out:
        report(res).write(Path(args.out))
        print(f"report written to {args.out}", file=sys.stderr)
    return 0
