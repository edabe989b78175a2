"""State-vector engine benchmark: qtilab beside Qiskit Aer, qulacs, qsim, qibojit, lightning.qubit.

Run ``make bench`` (it builds the separate venv ``.venv-peers`` with ``pip install -e '.[test,peers]'``,
because qibojit pins an older numba than the main venv, and runs the benchmarks with it), or
``.venv-peers/bin/python bench/statevector.py`` once that venv exists. It writes
``bench/results/statevector.md``.

Method
------
* Workloads: QFT, the 10-layer hardware-efficient circuit (RY, RZ on every qubit + CZ ladder)
  and a depth-20 supremacy-style random circuit (``qtilab.cli.bench``); every simulator runs the
  same gates in complex128 (qsim only has complex64: shown, not counted as a peer).
* Timed: one call that simulates from |0...0> and returns the state vector; circuit
  conversion happens before. Median of ``--repeats`` (>= 5) interleaved repeats (A B C, A B
  C, ...) after one warm-up call (which also compiles qtilab's kernels).
* Threads: each thread setting runs in its own process with ``OMP_NUM_THREADS`` set (qulacs
  and lightning read OpenMP settings when they load), plus each library's own option (Aer
  ``max_parallel_threads``, qsim ``cpu_threads``, ``qibo.set_threads``, and
  ``numba.set_num_threads`` for qtilab).
* Budget: at sizes above ``--small`` only the peers within ``--keep`` x of the fastest
  complex128 peer at the small size run (the others are listed as skipped with that ratio), and
  a contender whose warm-up call exceeds ``--cap`` seconds is not repeated (its single time is
  shown). The machine is shared: absolute times drift, ratios of interleaved runs are what
  to read.
* Bandwidth bound: the measured time to copy the state once (all threads of the setting, a
  numba parallel copy) times the number of full memory passes of qtilab's fused,
  cache-blocked program for that circuit.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

DEFAULT_PLAN = "qft:20,24,26;layered:20,24,26;supremacy:24"


def _parse_plan(text: str) -> list[tuple[str, int]]:
    out = []
    for part in text.split(";"):
        name, sizes = part.split(":")
        out.extend((name.strip(), int(s)) for s in sizes.split(","))
    return out


def worker(args: argparse.Namespace) -> dict[str, Any]:
    """One thread setting: all workloads, all contenders, interleaved."""
    from harness import Bench

    from qtilab.cli import bench as B

    threads = args.threads
    plan = sorted(_parse_plan(args.plan), key=lambda t: (t[1], t[0]))
    rows: list[dict[str, Any]] = []
    small: dict[str, dict[str, float]] = {}  # workload -> contender -> median at the small size
    copy_s: dict[int, float] = {}
    for wname, n in plan:
        circ = B.WORKLOADS[wname](n)
        label = f"{wname}-{n}"
        if n not in copy_s:
            copy_s[n] = B.copy_time(n, threads)
        npass = B.passes(circ)
        bench = Bench(f"statevector {label}", repeats=args.repeats, warmup=0)
        names = ["qtilab", *[p for p in B.PEERS if p in args.peers.split(",")]]
        for name in names:
            why = B.peer_available(name)
            if why is None and n > args.small and wname in small and name != "qtilab":
                ref = {k: v for k, v in small[wname].items() if k not in ("qtilab", *B.SINGLE_PRECISION_ONLY)}
                if name in small[wname] and ref and name not in B.SINGLE_PRECISION_ONLY:
                    r = small[wname][name] / min(ref.values())
                    if r > args.keep:
                        why = f"skipped: {r:.1f}x the fastest complex128 peer at n={args.small}"
                elif name not in small[wname]:
                    why = f"skipped: did not run at n={args.small}"
            if why is None:
                try:
                    fn = B.ADAPTERS[name](circ, threads)
                    t0 = time.perf_counter()
                    fn()  # warm-up
                    t_warm = time.perf_counter() - t0
                    if t_warm > args.cap and name != "qtilab":
                        why = f"one run took {t_warm:.3g} s (> cap {args.cap:g} s); not repeated"
                    else:
                        bench.add(label, name, fn)
                except Exception as exc:  # a peer that fails is reported, not fatal
                    why = f"failed: {type(exc).__name__}: {exc}"[:160]
            if why is not None:
                bench.skip(label, name, why)
            print(f"[{threads or 'all'} threads] {label} {name}: {why or 'ready'}", file=sys.stderr, flush=True)
        bench.run(verbose=True)
        for e in bench.entries:
            rows.append({
                "workload": label, "threads": threads or B._cpus(), "contender": e.contender,
                "median_s": e.median, "times": e.times, "skipped": e.skipped,
                "passes": npass, "copy_s": copy_s[n],
            })
            if n == args.small and e.median is not None:
                small.setdefault(wname, {})[e.contender] = e.median
    return {"rows": rows}


def _fmt(x: float | None) -> str:
    return "" if x is None else f"{x:.4g}"


def _ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.3g}" if (a and b) else ""


def tune(args: argparse.Namespace) -> str:
    """Choose the fusion size by measurement: qtilab alone, k = 2..5, interleaved."""
    import numpy as np
    from harness import Bench

    from qtilab.cli import bench as B
    from qtilab.sim import fusion as F
    from qtilab.sim.statevector import compile_gate, prepare_state

    n = args.tune
    bench = Bench(f"fusion size, {n} qubits", repeats=args.repeats, warmup=1)
    configs = [("cost model (k<=5)", 5, True)] + [(f"k={k}", k, False) for k in (2, 3, 4, 5)]
    info = {}
    for w in ("qft", "layered", "supremacy"):
        circ = B.WORKLOADS[w](n)
        ops = [compile_gate(g, None, np.complex128) for g in circ]
        for label, k, cost in configs:
            fused = F.fuse(ops, max_qubits=k, use_cost=cost)
            prog = F.plan(fused, n, 1, np.complex128)
            info[(w, label)] = (prog.n_ops, prog.passes)

            def run(ops: Any = ops, k: int = k, cost: bool = cost) -> None:
                st = prepare_state(n, 1, np.complex128, None, None)
                p = F.plan(F.fuse(ops, max_qubits=k, use_cost=cost), n, 1, np.complex128)
                F.execute(st, p)

            bench.add(f"{w}-{n}", label, run)
    bench.run()
    lines = ["| workload | fusion | ops | passes | median (s) |", "|---|---|---|---|---|"]
    for e in bench.entries:
        w = e.workload.rsplit("-", 1)[0]
        nops, npass = info[(w, e.contender)]
        lines.append(f"| {e.workload} | {e.contender} | {nops} | {npass} | {_fmt(e.median)} |")
    return "\n".join(lines)


def markdown(rows: list[dict[str, Any]], args: argparse.Namespace, started: str) -> str:
    from qtilab.cli import bench as B

    lines = [
        "# Benchmark: state-vector simulation, qtilab vs peers (complex128)",
        "",
        f"Run {started} on {platform.machine()} ({platform.processor() or 'cpu'}), {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, by `python bench/statevector.py` "
        f"(repeats {args.repeats}; plan: {args.plan}). Median of {args.repeats} interleaved repeats after one "
        "warm-up. **The machine was shared with other engineers' jobs during the run** (load average "
        f"{os.getloadavg()[0]:.1f} at the end on {os.cpu_count()} cores): absolute times are inflated and "
        "noisy, the ratios of interleaved runs are what to read.",
        "",
        "qsim (qsimcirq) only simulates in complex64; it is shown for reference and not counted as a "
        "complex128 peer. *bound* = measured time to copy the state once with the same threads x "
        "full memory passes of qtilab's fused, cache-blocked program.",
        "",
        "| workload | threads | contender | median (s) | time / qtilab | note |",
        "|---|---|---|---|---|---|",
    ]
    summary = [
        "",
        "## Summary",
        "",
        "| workload | threads | qtilab (s) | fastest complex128 peer | qtilab / fastest peer | passes | bound (s) | qtilab / bound |",
        "|---|---|---|---|---|---|---|---|",
    ]
    keys = list(dict.fromkeys((r["workload"], r["threads"]) for r in rows))
    for w, t in keys:
        rs = [r for r in rows if r["workload"] == w and r["threads"] == t]
        base = next((r["median_s"] for r in rs if r["contender"] == "qtilab"), None)
        for r in rs:
            ratio = f"{r['median_s'] / base:.3g}" if (r["median_s"] and base) else ""
            note = r["skipped"] or ("complex64 only" if r["contender"] in B.SINGLE_PRECISION_ONLY else "")
            lines.append(f"| {w} | {t} | {r['contender']} | {_fmt(r['median_s'])} | {ratio} | {note} |")
        peers = [r for r in rs if r["median_s"] and r["contender"] not in ("qtilab", *B.SINGLE_PRECISION_ONLY)]
        best = min(peers, key=lambda r: r["median_s"]) if peers else None
        bound = rs[0]["passes"] * rs[0]["copy_s"]
        summary.append(
            f"| {w} | {t} | {_fmt(base)} | {best['contender'] + ' ' + _fmt(best['median_s']) if best else 'none ran'} | "
            f"{_ratio(base, best['median_s'] if best else None)} | {rs[0]['passes']} | {bound:.3g} | "
            f"{_ratio(base, bound)} |"
        )
    return "\n".join(lines + summary) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plan", default=DEFAULT_PLAN, help=f"workload:sizes;... (default {DEFAULT_PLAN})")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", default="1,all", help="thread settings, e.g. 1,all")
    ap.add_argument("--peers", default="qiskit-aer,qulacs,qsimcirq,qibojit,lightning.qubit")
    ap.add_argument("--small", type=int, default=20, help="size at which every peer runs")
    ap.add_argument("--keep", type=float, default=3.0, help="run larger sizes only for peers within this factor of the fastest")
    ap.add_argument("--cap", type=float, default=120.0, help="seconds; a slower warm-up run is not repeated")
    ap.add_argument("--out", default=str(HERE / "results" / "statevector.md"))
    ap.add_argument("--append", action="store_true", help="keep the rows of the previous run (.json beside --out) that this run does not redo")
    ap.add_argument("--render", nargs="+", default=None, metavar="JSON",
                    help="run nothing: merge the rows of these .json files (later ones win) into --out")
    ap.add_argument("--tune", type=int, default=0, help="only measure qtilab's fusion sizes at this many qubits")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.tune:
        print(tune(args))
        return 0
    if args.worker:
        args.threads = None if args.threads == "all" else int(args.threads)
        print(json.dumps(worker(args)))
        return 0
    import datetime as dt

    if args.render:
        merged: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for f in args.render:
            for r in json.loads(Path(f).read_text()):
                merged.setdefault((r["workload"], r["threads"]), [])
            for key in {(r["workload"], r["threads"]) for r in json.loads(Path(f).read_text())}:
                merged[key] = [r for r in json.loads(Path(f).read_text()) if (r["workload"], r["threads"]) == key]
        allrows = [r for rs in merged.values() for r in rs]
        stamp = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        Path(args.out).with_suffix(".json").write_text(json.dumps(allrows, indent=1))
        Path(args.out).write_text(markdown(allrows, args, f"(merged {stamp} from {len(args.render)} runs)"))
        print(Path(args.out).read_text())
        return 0
    started = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    rows: list[dict[str, Any]] = []
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    old: list[dict[str, Any]] = []
    prev = Path(args.out).with_suffix(".json")
    if args.append and prev.exists():
        old = json.loads(prev.read_text())
    for t in args.threads.split(","):
        env = dict(os.environ)
        if t != "all":
            # numba threads are set in-process (numba.set_num_threads, qibo.set_threads):
            # qibojit's backend fails to start under NUMBA_NUM_THREADS below the CPU count
            env.update(OMP_NUM_THREADS=t, OPENBLAS_NUM_THREADS=t, MKL_NUM_THREADS=t)
        cmd = [sys.executable, __file__, "--worker", "--threads", t, "--plan", args.plan, "--repeats",
               str(args.repeats), "--peers", args.peers, "--small", str(args.small), "--keep", str(args.keep),
               "--cap", str(args.cap)]
        res = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, text=True)
        if res.returncode != 0:
            print(f"worker for {t} threads failed ({res.returncode})", file=sys.stderr)
            return 1
        rows.extend(json.loads(res.stdout.strip().splitlines()[-1])["rows"])
        redone = {(r["workload"], r["threads"]) for r in rows}
        allrows = [r for r in old if (r["workload"], r["threads"]) not in redone] + rows
        prev.write_text(json.dumps(allrows, indent=1))
        Path(args.out).write_text(markdown(allrows, args, started))
    text = markdown(allrows, args, started)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
