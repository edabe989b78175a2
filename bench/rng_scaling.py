"""SP 800-22 battery throughput: 100 sequences of 10^6 bits on 1 and 2 worker processes.

Reports wall time and CPU time (this process plus its workers), with the load average, because
on a shared machine wall time says more about the neighbours than about the code.
Run: ``.venv/bin/python bench/rng_scaling.py [--sequences 100]``; writes bench/results/rng_scaling.md.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import time
from pathlib import Path

from qtilab.rng.battery import BatteryConfig, run_battery
from qtilab.rng.sources import make_source


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sequences", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    run_battery(make_source("pcg64", seed=0), BatteryConfig(n_sequences=1))  # JIT warm-up
    rows = []
    for rep in range(args.repeats):
        for workers in (1, 2):  # interleaved, so drifting load hits both alike
            load0 = os.getloadavg()[0]
            c0 = os.times()
            t0 = time.perf_counter()
            res = run_battery(make_source("pcg64", seed=rep), BatteryConfig(n_bits=1_000_000, n_sequences=args.sequences, workers=workers))
            wall = time.perf_counter() - t0
            c1 = os.times()
            cpu = (c1.user - c0.user) + (c1.system - c0.system) + (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
            load1 = os.getloadavg()[0]
            rows.append((rep, workers, wall, cpu, load0, load1, res.passed))
            print(f"repeat {rep} workers {workers}: wall {wall:.1f} s, cpu {cpu:.1f} s, load {load0:.1f}->{load1:.1f}", flush=True)
    lines = [
        "# Benchmark: SP 800-22 battery throughput",
        "",
        f"Run {_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds')} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}: {args.sequences} sequences x 10^6 bits from "
        "PCG64, all 15 tests, second-level analysis; 1 and 2 worker processes interleaved.",
        "",
        "| repeat | workers | wall (s) | CPU (s, all processes) | CPU per sequence (s) | load avg before -> after | battery |",
        "|---|---|---|---|---|---|---|",
    ]
    for rep, w, wall, cpu, l0, l1, ok in rows:
        lines.append(f"| {rep} | {w} | {wall:.1f} | {cpu:.1f} | {cpu / args.sequences:.3f} | {l0:.1f} -> {l1:.1f} | {'PASS' if ok else 'FAIL'} |")
    lines += [
        "",
        "The machine is shared (2 cores; the load average column shows how busy it was), so wall time "
        "mostly measures the neighbours; CPU time is what the battery itself costs. "
        "There is no peer here: nistrng's per-test times for one sequence are in rng_battery.md.",
    ]
    out = Path(__file__).parent / "results" / "rng_scaling.md"
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
