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
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    import os

    # the peers' one-by-one pool runs use one thread; qulacs and lightning read OpenMP's setting
    # when they load (qtilab's numba threads are set per call and are not affected)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from qtilab.cli import bench_scaling as S

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--qubits", default="10,12,14,16,18,20,22,24,26")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--strong-n", type=int, default=24)
    ap.add_argument("--pool-circuits", type=int, default=10000)
    ap.add_argument("--pool-peer-circuits", type=int, default=50)
    ap.add_argument("--qaoa-iterations", type=int, default=40)
    ap.add_argument("--parts", default="gates,strong,pool,qaoa")
    ap.add_argument("--out", default=str(HERE / "results" / "scaling.md"))
    ap.add_argument("--quick", action="store_true", help="small QAOA (8 qubits, 2 graphs) for a smoke run")
    args = ap.parse_args(argv)
    cfg = S.ScalingConfig(
        qubits=S._ints(args.qubits), repeats=args.repeats, strong_n=args.strong_n, pool_circuits=args.pool_circuits,
        pool_peer_circuits=args.pool_peer_circuits, qaoa_iterations=args.qaoa_iterations, progress=True,
    )
    if args.quick:
        cfg.qaoa_qubits, cfg.qaoa_instances, cfg.qaoa_particles = 8, 2, 8
    res = S.scaling_study(cfg, tuple(p for p in args.parts.split(",") if p))
    text = S.markdown(res)
    text += (f"\nWritten by `python bench/scaling.py {' '.join(argv if argv is not None else sys.argv[1:])}`; "
             "figures in `bench/results/scaling/`.\n")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    out.with_suffix(".json").write_text(json.dumps({
        "config": asdict(cfg), "machine": res.machine, "gates": res.gate_rows, "copy": res.copy_rows,
        "strong": res.strong_rows, "pool": res.pool_rows, "qaoa": res.qaoa, "skipped": res.skipped}, indent=1))
    S.report(res).write(out.with_suffix(""))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
