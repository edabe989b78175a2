"""Scaling study in the shape of Intel-QS (arXiv:2001.10554): writes bench/results/scaling.md.

Run from an environment with the peers installed (this repository: ``.venv-peers``)::

    .venv-peers/bin/python bench/scaling.py                  # the committed run's settings
    .venv-peers/bin/python bench/scaling.py --qubits 10,12 --pool-circuits 100 --quick

The study itself (method, definitions) is :mod:`qtilab.cli.bench_scaling`; ``qtilab bench
scaling`` runs the same code. This script writes the Markdown table (with the measured machine
description) to ``bench/results/scaling.md``, the raw numbers to ``bench/results/scaling.json``
and the report with every figure to ``bench/results/scaling/``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    import os

    # the peers' one-by-one pool runs use one thread; qulacs and lightning read OpenMP's setting
    # when they load (qtilab's numba threads are set per call and are not affected)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    # numba's OpenMP threading layer spins while waiting by default; on a shared, loaded machine
    # every parallel region then stalls behind other jobs (docs/qml.md, "Benchmarks")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from qtilab.cli import bench_scaling as S

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--qubits", default="10,12,14,16,18,20,22,24,26")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--strong-n", type=int, default=24)
    ap.add_argument("--pool-circuits", type=int, default=10000)
    ap.add_argument("--pool-peer-circuits", type=int, default=30)
    ap.add_argument("--pool-repeats", type=int, default=3)
    ap.add_argument("--qaoa-iterations", type=int, default=40)
    ap.add_argument("--qaoa-target", type=float, default=0.7)
    ap.add_argument("--parts", default="gates,strong,pool,qaoa")
    ap.add_argument("--out", default=str(HERE / "results" / "scaling.md"))
    ap.add_argument("--quick", action="store_true", help="small QAOA (8 qubits, 2 graphs) for a smoke run")
    ap.add_argument("--merge", action="store_true",
                    help="rerun only --parts and merge them into the existing results (JSON beside --out)")
    args = ap.parse_args(argv)
    cfg = S.ScalingConfig(
        qubits=S._ints(args.qubits), repeats=args.repeats, strong_n=args.strong_n, pool_circuits=args.pool_circuits,
        pool_peer_circuits=args.pool_peer_circuits, pool_repeats=args.pool_repeats, qaoa_iterations=args.qaoa_iterations,
        qaoa_target=args.qaoa_target, progress=True,
    )
    if args.quick:
        cfg.qaoa_qubits, cfg.qaoa_instances, cfg.qaoa_particles = 8, 2, 8
    parts = tuple(p for p in args.parts.split(",") if p)
    res = S.scaling_study(cfg, parts)
    out = Path(args.out)
    cmd = f"python bench/scaling.py {' '.join(argv if argv is not None else sys.argv[1:])}".strip()
    if args.merge and out.with_suffix(".json").exists():
        old = S.ScalingResult.from_dict(json.loads(out.with_suffix(".json").read_text()))
        if not old.notes:  # results written before notes were recorded: the full run's command
            old.notes.append("The other parts: written by `python bench/scaling.py` (the defaults); figures in "
                             "`bench/results/scaling/`.")
        keys = {"gates": ("gate_rows", "copy_rows"), "strong": ("strong_rows",), "pool": ("pool_rows",), "qaoa": ("qaoa",)}
        for part in parts:
            for attr in keys[part]:
                setattr(old, attr, getattr(res, attr))
        old.notes.append(f"Parts {', '.join(parts)} rerun by `{cmd}` at {time.strftime('%H:%M UTC', time.gmtime())} "
                         f"(load average {res.machine['load_average_start'][0]:.1f} at its start, "
                         f"{res.machine['load_average_end'][0]:.1f} at its end); config of that run: "
                         f"{ {k: v for k, v in asdict(cfg).items() if k.startswith(parts[0][:4])} }.")
        res = old
    else:
        res.notes.append(f"Written by `{cmd}`; figures in `bench/results/scaling/`.")
    text = S.markdown(res)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    out.with_suffix(".json").write_text(json.dumps(res.to_dict(), indent=1))
    S.report(res).write(out.with_suffix(""))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
