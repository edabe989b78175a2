"""``qtilab bench statevector``: the state-vector engine beside the peer simulators.

The workloads (QFT, a layered hardware-efficient circuit, a random supremacy-style circuit)
and one adapter per peer simulator live here, so that ``bench/statevector.py`` (the committed
table) and the command line run the same circuits. Every adapter builds its own circuit from
the same qtilab :class:`~qtilab.core.circuit.Circuit` beforehand, and the timed call only
simulates it from |0...0> in complex128 and returns the final state vector. A peer that is not
installed is reported as skipped.

Threads: each library is told the thread count through its own mechanism --
qtilab and qibojit through numba (``numba.set_num_threads``, ``qibo.set_threads``), Qiskit
Aer through ``max_parallel_threads``, qsim through ``QSimOptions(cpu_threads=...)``, qulacs and
lightning.qubit through OpenMP (``OMP_NUM_THREADS``, read when they load, so the benchmark
script runs each thread setting in its own process).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

#: the peers, in table order
PEERS = ("qiskit-aer", "qulacs", "qsimcirq", "qibojit", "lightning.qubit")

_SQRT_X = 0.5 * np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]])
_SQRT_Y = 0.5 * np.array([[1 + 1j, -1 - 1j], [1 + 1j, 1 + 1j]])
# W = (X + Y)/sqrt2; sqrt(W) as in the supremacy circuits (Boixo et al. 2018)
_W = (np.array([[0, 1], [1, 0]]) + np.array([[0, -1j], [1j, 0]])) / np.sqrt(2)
_SQRT_W = 0.5 * ((1 + 1j) * np.eye(2) + (1 - 1j) * _W)


# -- workloads ---------------------------------------------------------------------------------
def qft(n: int) -> Any:
    """The quantum Fourier transform on ``n`` qubits (H, controlled phases, final swaps)."""
    from qtilab.core.circuit import Circuit

    c = Circuit(n, name=f"qft-{n}")
    for j in range(n - 1, -1, -1):
        c.h(j)
        for k in range(j - 1, -1, -1):
            c.cp(float(np.pi / 2 ** (j - k)), j, k)
    for j in range(n // 2):
        c.swap(j, n - 1 - j)
    return c


def layered(n: int, layers: int = 10, seed: int = 7) -> Any:
    """A hardware-efficient ansatz: ``layers`` x (RY, RZ on every qubit, CZ ladder)."""
    from qtilab.core.circuit import Circuit

    rng = np.random.default_rng(seed)
    c = Circuit(n, name=f"layered-{n}")
    for _ in range(layers):
        for q in range(n):
            c.ry(float(rng.uniform(0, 2 * np.pi)), q)
            c.rz(float(rng.uniform(0, 2 * np.pi)), q)
        for q in range(n - 1):
            c.cz(q, q + 1)
    return c


def supremacy(n: int = 24, depth: int = 20, seed: int = 11) -> Any:
    """Random circuit in the style of the supremacy experiments on a rows x cols grid.

    Each cycle applies a random gate from {sqrt X, sqrt Y, sqrt W} to every qubit (never the
    same gate twice in a row on a qubit) and CZ on one of four coupler patterns of the grid
    (horizontal even/odd, vertical even/odd), cycling through the patterns.
    """
    from qtilab.core.circuit import Circuit

    rows = int(np.floor(np.sqrt(n)))
    while n % rows:
        rows -= 1
    cols = n // rows
    rng = np.random.default_rng(seed)
    mats = (_SQRT_X, _SQRT_Y, _SQRT_W)
    labels = ("sx", "sy", "sw")
    last = [-1] * n
    c = Circuit(n, name=f"supremacy-{n}-d{depth}")
    for cyc in range(depth):
        for q in range(n):
            choice = int(rng.choice([i for i in range(3) if i != last[q]]))
            last[q] = choice
            if choice == 0:
                c.sx(q)
            else:
                c.unitary(mats[choice], [q], label=labels[choice])
        pat = cyc % 4
        for r in range(rows):
            for col in range(cols):
                q = r * cols + col
                if pat < 2 and col + 1 < cols and col % 2 == pat:
                    c.cz(q, q + 1)
                if pat >= 2 and r + 1 < rows and r % 2 == pat - 2:
                    c.cz(q, q + cols)
    return c


WORKLOADS: dict[str, Callable[[int], Any]] = {"qft": qft, "layered": layered, "supremacy": supremacy}


# -- adapters: each returns a zero-argument callable that simulates and returns the state --------
def _gate_list(circuit: Any) -> list[tuple[str, tuple[int, ...], tuple[float, ...], Any]]:
    """(kind, qubits, params, matrix) in a small vocabulary every peer understands."""
    out: list[tuple[str, tuple[int, ...], tuple[float, ...], Any]] = []
    for g in circuit:
        name = g.display_name
        if name in ("h", "sx", "ry", "rz", "rx", "cz", "cx", "cp", "swap"):
            out.append((name, tuple(g.qubits), tuple(float(p) for p in g.params), None))
        elif g.name == "unitary" and len(g.qubits) == 1:
            # a writable copy: Qiskit Aer 0.18 applies the transpose of a read-only matrix
            out.append(("u1q", tuple(g.qubits), (), np.array(g.matrix, dtype=complex, copy=True)))
        else:
            raise ValueError(f"the peer adapters do not translate gate {name}")
    return out


def _set_numba_threads(threads: int) -> None:
    import numba

    limit = int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
    numba.set_num_threads(min(threads, limit))


def run_qtilab(circuit: Any, threads: int | None = None) -> Callable[[], Any]:
    from qtilab.sim.statevector import simulate

    def run() -> Any:
        if threads:
            _set_numba_threads(threads)
        return simulate(circuit).statevector

    return run


def run_aer(circuit: Any, threads: int | None = None) -> Callable[[], Any]:
    from qiskit import QuantumCircuit
    from qiskit.circuit.library import UnitaryGate
    from qiskit_aer import AerSimulator

    qc = QuantumCircuit(circuit.n_qubits)
    for name, qs, ps, m in _gate_list(circuit):
        if name == "u1q":
            qc.append(UnitaryGate(m), [qs[0]])
        else:
            getattr(qc, name)(*ps, *qs)
    qc.save_statevector()
    opts: dict[str, Any] = {"method": "statevector", "precision": "double"}
    if threads:
        opts["max_parallel_threads"] = threads
    sim = AerSimulator(**opts)

    def run() -> Any:
        return np.asarray(sim.run(qc, shots=1).result().get_statevector())

    return run


def run_qulacs(circuit: Any, threads: int | None = None) -> Callable[[], Any]:
    from qulacs import QuantumCircuit, QuantumState
    from qulacs import gate as qg

    n = circuit.n_qubits
    qc = QuantumCircuit(n)
    for name, qs, ps, m in _gate_list(circuit):
        if name == "h":
            qc.add_H_gate(qs[0])
        elif name == "sx":
            qc.add_sqrtX_gate(qs[0])
        elif name in ("rx", "ry", "rz"):
            # qulacs rotations are exp(+i theta/2 P): negate for the usual convention
            getattr(qc, f"add_{name.upper()}_gate")(qs[0], -ps[0])
        elif name == "cz":
            qc.add_CZ_gate(qs[0], qs[1])
        elif name == "cx":
            qc.add_CNOT_gate(qs[0], qs[1])
        elif name == "swap":
            qc.add_SWAP_gate(qs[0], qs[1])
        elif name == "cp":
            g = qg.DenseMatrix(qs[1], np.diag([1, np.exp(1j * ps[0])]))
            g.add_control_qubit(qs[0], 1)
            qc.add_gate(g)
        elif name == "u1q":
            qc.add_dense_matrix_gate(qs[0], m)

    def run() -> Any:
        st = QuantumState(n)
        qc.update_quantum_state(st)
        return st.get_vector()

    return run


def run_qsim(circuit: Any, threads: int | None = None) -> Callable[[], Any]:
    import cirq
    import qsimcirq

    qubits = cirq.LineQubit.range(circuit.n_qubits)
    ops = []
    for name, qs, ps, m in _gate_list(circuit):
        q = [qubits[i] for i in qs]
        if name == "h":
            ops.append(cirq.H(q[0]))
        elif name == "sx":
            ops.append((cirq.X**0.5)(q[0]))
        elif name == "rx":
            ops.append(cirq.rx(ps[0])(q[0]))
        elif name == "ry":
            ops.append(cirq.ry(ps[0])(q[0]))
        elif name == "rz":
            ops.append(cirq.rz(ps[0])(q[0]))
        elif name == "cz":
            ops.append(cirq.CZ(*q))
        elif name == "cx":
            ops.append(cirq.CNOT(*q))
        elif name == "swap":
            ops.append(cirq.SWAP(*q))
        elif name == "cp":
            ops.append(cirq.CZPowGate(exponent=ps[0] / np.pi)(*q))
        elif name == "u1q":
            ops.append(cirq.MatrixGate(m)(q[0]))
    cc = cirq.Circuit(ops)
    opts = qsimcirq.QSimOptions(cpu_threads=threads or _cpus(), max_fused_gate_size=4)
    sim = qsimcirq.QSimSimulator(opts)

    def run() -> Any:
        # qsim is complex64 only: its time is shown, but it does not count as a complex128 peer
        return sim.simulate(cc, qubit_order=qubits).final_state_vector

    return run


def run_qibo(circuit: Any, threads: int | None = None) -> Callable[[], Any]:
    import qibo
    from qibo import Circuit as QCircuit
    from qibo import gates as G

    qibo.set_backend("qibojit", platform="numba")
    qibo.set_dtype("complex128")
    if threads:
        try:
            qibo.set_threads(threads)
        except ValueError:  # qibo 0.3.6 refuses 1 when NUMBA_NUM_THREADS=1 (already 1 then)
            pass
    n = circuit.n_qubits
    qc = QCircuit(n)
    for name, qs, ps, m in _gate_list(circuit):
        if name == "h":
            qc.add(G.H(qs[0]))
        elif name == "sx":
            qc.add(G.SX(qs[0]))
        elif name == "rx":
            qc.add(G.RX(qs[0], ps[0]))
        elif name == "ry":
            qc.add(G.RY(qs[0], ps[0]))
        elif name == "rz":
            qc.add(G.RZ(qs[0], ps[0]))
        elif name == "cz":
            qc.add(G.CZ(*qs))
        elif name == "cx":
            qc.add(G.CNOT(*qs))
        elif name == "swap":
            qc.add(G.SWAP(*qs))
        elif name == "cp":
            qc.add(G.CU1(qs[0], qs[1], ps[0]))
        elif name == "u1q":
            qc.add(G.Unitary(m, qs[0]))

    def run() -> Any:
        return np.asarray(qc().state())

    return run


def run_lightning(circuit: Any, threads: int | None = None) -> Callable[[], Any]:
    import pennylane as qml
    from pennylane.tape import QuantumScript

    n = circuit.n_qubits
    ops = []
    for name, qs, ps, m in _gate_list(circuit):
        if name == "h":
            ops.append(qml.Hadamard(qs[0]))
        elif name == "sx":
            ops.append(qml.SX(qs[0]))
        elif name == "rx":
            ops.append(qml.RX(ps[0], qs[0]))
        elif name == "ry":
            ops.append(qml.RY(ps[0], qs[0]))
        elif name == "rz":
            ops.append(qml.RZ(ps[0], qs[0]))
        elif name == "cz":
            ops.append(qml.CZ(list(qs)))
        elif name == "cx":
            ops.append(qml.CNOT(list(qs)))
        elif name == "swap":
            ops.append(qml.SWAP(list(qs)))
        elif name == "cp":
            ops.append(qml.ControlledPhaseShift(ps[0], list(qs)))
        elif name == "u1q":
            ops.append(qml.QubitUnitary(m, qs[0]))
    tape = QuantumScript(ops, [qml.state()])
    dev = qml.device("lightning.qubit", wires=n, c_dtype=np.complex128)

    def run() -> Any:
        return dev.execute(tape)

    return run


ADAPTERS: dict[str, Callable[[Any, int | None], Callable[[], Any]]] = {
    "qtilab": run_qtilab,
    "qiskit-aer": run_aer,
    "qulacs": run_qulacs,
    "qsimcirq": run_qsim,
    "qibojit": run_qibo,
    "lightning.qubit": run_lightning,
}
#: the module each peer needs; a peer whose module is missing is skipped
PEER_MODULES = {
    "qiskit-aer": "qiskit_aer",
    "qulacs": "qulacs",
    "qsimcirq": "qsimcirq",
    "qibojit": "qibojit",
    "lightning.qubit": "pennylane_lightning",
}
#: peers that cannot run complex128 (their time is shown, not used for the ratio)
SINGLE_PRECISION_ONLY = {"qsimcirq"}


def _cpus() -> int:
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        return os.cpu_count() or 1


def peer_available(name: str) -> str | None:
    """None when the peer can be imported, else the reason it is skipped."""
    import importlib.util

    mod = PEER_MODULES.get(name)
    if mod is None:
        return None
    try:
        found = importlib.util.find_spec(mod) is not None
    except (ImportError, ValueError):
        found = False
    return None if found else f"not installed (`make bench` builds .venv-peers with the peers for {mod}; run with .venv-peers/bin/python)"


def copy_time(n: int, threads: int | None = None) -> float:
    """Seconds to copy a 2**n complex128 state once, with the given threads (median of 5)."""
    from qtilab.sim import kernels as K

    a = np.ones(1 << n, dtype=np.complex128)
    b = np.empty_like(a)
    if threads:
        _set_numba_threads(threads)
    K.par_copy(b, a)
    ts = []
    for _ in range(5):
        t0 = time.perf_counter()
        K.par_copy(b, a)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def passes(circuit: Any) -> int:
    """Full memory passes over the state that qtilab's fused, cache-blocked program makes."""
    from qtilab.sim import fusion as F
    from qtilab.sim.statevector import compile_gate

    ops = [compile_gate(g, None, np.complex128) for g in circuit if g.is_unitary]
    prog = F.plan(F.fuse(ops), circuit.n_qubits, 1, np.complex128)
    return prog.passes


# -- the command ---------------------------------------------------------------------------------
def compare(
    qubits: int,
    workloads: list[str],
    repeats: int = 5,
    threads: int | None = None,
    contenders: list[str] | None = None,
    log: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Time qtilab and the installed peers on the workloads, interleaved; one row per pair."""
    from qtilab.errors import ConfigError

    names = contenders or ["qtilab", *PEERS]
    bad = [w for w in workloads if w not in WORKLOADS]
    if bad:
        raise ConfigError(f"unknown workload(s) {bad}; choose from {sorted(WORKLOADS)}")
    if not 2 <= qubits <= 34:
        raise ConfigError(f"--qubits must be between 2 and 34, got {qubits}")
    rows: list[dict[str, Any]] = []
    for w in workloads:
        circ = WORKLOADS[w](qubits)
        fns: dict[str, Callable[[], Any]] = {}
        for name in names:
            why = peer_available(name)
            if why is None:
                try:
                    fns[name] = ADAPTERS[name](circ, threads)
                    fns[name]()  # warm-up (compilation, caches)
                except Exception as exc:  # a failing peer is reported, not fatal
                    why = f"failed: {type(exc).__name__}: {exc}"[:160]
            if why is not None:
                rows.append({"workload": f"{w}-{qubits}", "contender": name, "median_s": None, "skipped": why})
        times: dict[str, list[float]] = {k: [] for k in fns}
        for _ in range(repeats):
            for name, fn in fns.items():
                t0 = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - t0)
        for name in fns:
            rows.append({"workload": f"{w}-{qubits}", "contender": name, "median_s": statistics.median(times[name]), "skipped": None})
        if log:
            log(", ".join(f"{r['contender']} {r['median_s']:.3g}s" for r in rows if r["workload"] == f"{w}-{qubits}" and r["median_s"]))
    return rows


def _cmd_statevector(args: argparse.Namespace) -> int:
    import json

    rows = compare(
        args.qubits, args.workloads.split(","), repeats=args.repeats, threads=args.threads,
        log=lambda s: print(s, file=sys.stderr, flush=True),
    )
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print(f"{'workload':<16} {'contender':<16} {'median (s)':>11} {'/ qtilab':>9}  note")
    for w in dict.fromkeys(r["workload"] for r in rows):
        rs = [r for r in rows if r["workload"] == w]
        base = next((r["median_s"] for r in rs if r["contender"] == "qtilab"), None)
        for r in rs:
            med = f"{r['median_s']:.4g}" if r["median_s"] else ""
            ratio = f"{r['median_s'] / base:.3g}" if (r["median_s"] and base) else ""
            note = r["skipped"] or ("complex64 only" if r["contender"] in SINGLE_PRECISION_ONLY else "")
            print(f"{w:<16} {r['contender']:<16} {med:>11} {ratio:>9}  {note}")
        peers = [r for r in rs if r["median_s"] and r["contender"] not in ("qtilab", *SINGLE_PRECISION_ONLY)]
        if base and peers:
            best = min(peers, key=lambda r: r["median_s"])
            print(f"{w:<16} qtilab / fastest complex128 peer ({best['contender']}): {base / best['median_s']:.3g}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("bench", help="benchmarks: qtilab beside other simulators")
    bsub = p.add_subparsers(dest="bench_cmd", metavar="<benchmark>")
    s = bsub.add_parser("statevector", help="state-vector engine vs installed peers (complex128)")
    s.add_argument("--qubits", type=int, default=20, help="number of qubits (default 20)")
    s.add_argument("--workloads", default="qft,layered,supremacy", help="comma-separated: qft,layered,supremacy")
    s.add_argument("--repeats", type=int, default=5, help="timed repeats after one warm-up (default 5)")
    s.add_argument("--threads", type=int, default=None, help="threads for every engine (default: all)")
    s.add_argument("--json", action="store_true", help="print the rows as JSON")
    s.set_defaults(func=_cmd_statevector)
    from qtilab.cli.bench_scaling import add_parser as add_scaling

    add_scaling(bsub)
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])
