"""``qtilab hep tracking ...``: TrackML-like events, hit graphs and the QGNN tracking study.

- ``qtilab hep tracking generate --events 100 --seed 1 --out DIR`` -- TrackML CSV events from
  the generator (``eventNNN-hits.csv``, ``-truth.csv``, ``-particles.csv``).
- ``qtilab hep tracking graphs EVENTS_DIR --out DIR`` -- hit graphs (HEP.TrkX npz layout) with
  the QTrkX cuts; prints the graph statistics.
- ``qtilab hep tracking study --train 50 --valid 50 --hidden 4 --out DIR`` -- QGNN vs GNN vs
  segment BDT on the same graphs (generated from ``--seed``, or ``--data`` / ``--events``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register_tracking(hsub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = hsub.add_parser("tracking", help="particle tracking: TrackML-like events, hit graphs, QGNN study")
    tsub = p.add_subparsers(dest="tverb", metavar="<verb>")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])

    g = tsub.add_parser("generate", help="generate TrackML CSV events (barrel, mu = 200 pile-up)")
    g.add_argument("--events", type=int, default=10, help="number of events (default 10)")
    g.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    g.add_argument("--mu", type=float, default=200.0, help="mean pile-up (default 200)")
    g.add_argument("--out", default="trackml-events", help="output folder (default trackml-events)")
    g.set_defaults(func=_generate)

    b = tsub.add_parser("graphs", help="build hit graphs from TrackML CSV events (QTrkX cuts)")
    b.add_argument("events", help="folder with eventNNN-hits.csv, -truth.csv, -particles.csv")
    b.add_argument("--out", default="graphs", help="output folder of .npz graphs (default graphs)")
    b.add_argument("--pt-min", type=float, default=1.0, help="pT cut in GeV (default 1)")
    b.add_argument("--phi-slope-max", type=float, default=6e-4, help="|dphi/dr| cut in rad/mm (default 6e-4)")
    b.add_argument("--z0-max", type=float, default=100.0, help="|z0| cut in mm (default 100)")
    b.add_argument("--phi-sections", type=int, default=1, help="split each event into phi sections")
    b.add_argument("--json", action="store_true", help="print the statistics as JSON")
    b.set_defaults(func=_graphs)

    s = tsub.add_parser("study", help="QGNN vs classical GNN vs segment BDT, with a report")
    s.add_argument("--train", type=int, default=50, help="training graphs (default 50)")
    s.add_argument("--valid", type=int, default=50, help="validation graphs (default 50)")
    s.add_argument("--epochs", type=int, default=20, help="epochs (default 20)")
    s.add_argument("--hidden", type=int, default=4, help="hidden size of both GNNs (default 4)")
    s.add_argument("--iters", type=int, default=3, help="message-passing iterations (default 3)")
    s.add_argument("--qubits", type=int, default=4, help="qubits of the QGNN circuits (default 4)")
    s.add_argument("--layers", type=int, default=3, help="circuit layers (default 3)")
    s.add_argument("--circuit", type=int, default=10, help="Sim et al. circuit number (default 10)")
    s.add_argument("--lr", type=float, default=0.01, help="Adam learning rate (default 0.01)")
    s.add_argument("--models", default="qgnn,gnn,bdt", help="comma-separated subset of qgnn,gnn,bdt")
    s.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    src = s.add_mutually_exclusive_group()
    src.add_argument("--data", default=None, help="folder of graph .npz files (HEP.TrkX layout)")
    src.add_argument("--events", default=None, help="folder of TrackML CSV events")
    src.add_argument("--sample", action="store_true", help="use the small sample shipped with qtilab")
    s.add_argument("--out", default=None, help="report folder")
    s.add_argument("--json", action="store_true", help="print the summary as JSON")
    s.set_defaults(func=_study)


def _generate(args: argparse.Namespace) -> int:
    import numpy as np
    from tqdm import tqdm

    from qtilab.errors import ConfigError
    from qtilab.hep.tracking.detector import GeneratorConfig, PhysicsConfig, generate_event
    from qtilab.hep.tracking.io import write_trackml_event

    if args.events < 1:
        raise ConfigError(f"--events must be >= 1, got {args.events}")
    cfg = GeneratorConfig(physics=PhysicsConfig(mu=args.mu))
    out = Path(args.out)
    hits = 0
    for k in tqdm(range(args.events), desc="generating", unit="event", file=sys.stderr,
                  disable=not sys.stderr.isatty()):
        name = f"event{k:09d}"
        ev = generate_event(cfg, seed=np.random.default_rng([args.seed, k]), name=name)
        write_trackml_event(ev, out / name)
        hits += ev.n_hits
    print(f"wrote {args.events} events ({hits / args.events:.0f} hits per event on average) to {out}/ (seed {args.seed})")
    return 0


def _graphs(args: argparse.Namespace) -> int:
    from qtilab.errors import DataError
    from qtilab.hep.tracking.graph import GraphConfig, build_graph, graph_statistics
    from qtilab.hep.tracking.io import read_trackml_event, write_graph

    prefixes = sorted({str(p)[: -len("-hits.csv")] for p in Path(args.events).glob("*-hits.csv")})
    if not prefixes:
        raise DataError(f"{args.events}: no TrackML events (*-hits.csv)")
    cfg = GraphConfig(pt_min=args.pt_min, phi_slope_max=args.phi_slope_max, z0_max=args.z0_max,
                      n_phi_sections=args.phi_sections)
    graphs = []
    out = Path(args.out)
    for p in prefixes:
        for g in build_graph(read_trackml_event(p), cfg):
            write_graph(g, out / f"{g.name}.npz")
            graphs.append(g)
    st = graph_statistics(graphs)
    if args.json:
        print(json.dumps(st))
    else:
        print(f"{len(graphs)} graphs in {out}/: {st['hits']:.0f} hits, {st['edges']:.0f} edges per graph, "
              f"{100 * st['true_fraction']:.1f} % true, true-segment |z0| median {st['true_z0_abs_median']:.1f} mm")
        print("hits per layer: " + ", ".join(f"{v:.0f}" for v in st["hits_per_layer"]))  # type: ignore[union-attr]
    return 0


def _config(args: argparse.Namespace) -> Any:
    from qtilab.hep.tracking.study import TrackingStudyConfig

    return TrackingStudyConfig(
        train=args.train, valid=args.valid, epochs=args.epochs, hidden=args.hidden, n_iters=args.iters,
        n_qubits=args.qubits, layers=args.layers, circuit=args.circuit, learning_rate=args.lr,
        seed=args.seed, data=args.data, events=args.events, sample=args.sample,
        models=tuple(m.strip() for m in args.models.split(",") if m.strip()),
    )


def _print(res: Any) -> None:
    for name, m in res.models.items():
        t = m.metrics["thresholds"].get("0.5", {})
        print(f"{name.upper():5s} edge AUC {m.metrics['auc']:.4f}  purity {t.get('purity', float('nan')):.3f}  "
              f"efficiency {t.get('efficiency', float('nan')):.3f}  TrackML score {m.trackml_score:.3f}  "
              f"({m.n_parameters} parameters, trained in {m.train_seconds:.1f} s)")
    for line in res.verdict():
        print(line)


def _study(args: argparse.Namespace) -> int:
    from qtilab.hep.tracking.study import run_tracking_study

    res = run_tracking_study(_config(args))
    if args.json:
        print(json.dumps(res.summary()))
    else:
        _print(res)
    if args.out:
        res.report().write(args.out)
        print(f"report written to {args.out}/")
    return 0


def demo_part(out_dir: Path, seed: int) -> None:
    """A short tracking study on the shipped graphs (QGNN, GNN and BDT, 2 epochs)."""
    from qtilab.hep.tracking.study import TrackingStudyConfig, run_tracking_study

    res = run_tracking_study(TrackingStudyConfig(train=3, valid=1, epochs=2, sample=True, seed=seed))
    _print(res)
    res.report("QGNN tracking demo (3 training graphs, 2 epochs: far from converged)").write(out_dir)
