"""``qtilab hep ...``: event generation and the QSVM study.

- ``qtilab hep generate tth-yy --events 20000 --seed 1 --out events.npz`` -- Pythia 8 events
  through the parametric detector and the diphoton selection (``pip install 'qtilab[hep]'``).
- ``qtilab hep qsvm --qubits 8 --train 1000 --test 5000 --repeats 10 --out DIR`` -- QSVM vs SVM
  vs BDT on the shipped sample or ``--events FILE`` (.npz, .parquet, or CSV with the label first).
- ``qtilab hep info [FILE]`` -- columns, counts and generator meta data of an event table.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None


def _floats(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from qtilab.cli import add_common, count

    p = sub.add_parser("hep", help="HEP: event generation (Pythia 8) and the QSVM study")
    hsub = p.add_subparsers(dest="verb", metavar="<verb>")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])

    g = hsub.add_parser("generate", help="generate events with Pythia 8 and the parametric detector")
    g.add_argument("process", choices=["tth-yy"], help="tth-yy: ttH(H->yy) signal and pp->yy background")
    g.add_argument("--events", type=count, default=2000, help="selected events per class (default 2000)")
    g.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    g.add_argument("--out", default="tth_yy_events.npz", help="output table, .npz or .parquet (default tth_yy_events.npz)")
    g.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    g.add_argument("--json", action="store_true", help="print the generation summary as JSON")
    g.set_defaults(func=_generate)

    q = hsub.add_parser("qsvm", help="quantum-kernel SVM vs SVM (RBF) vs BDT, with scans")
    add_common(q)
    q.add_argument("--events", default=None, help="event table (.npz/.parquet) or CSV (label first); default: the shipped sample")
    q.add_argument("--csv-layout", default=None, choices=["susy", "higgs"], help="column names of a UCI CSV file")
    q.add_argument("--tree", default=None, help="ROOT input: the TTree to read (a .root file needs it)")
    q.add_argument("--branches", default=None,
                   help="ROOT input: feature=branch pairs, comma-separated (j1_pt=Jet.PT[0]), or a file of such lines")
    q.add_argument("--label", default=None,
                   help="ROOT input: 0/1 for a file of one class, or the name of a 0/1 branch")
    q.add_argument("--balanced", action="store_true",
                   help="half signal, half background in every split (default: the file's class mix)")
    q.add_argument("--features", default=None, help="comma-separated feature columns (default: the table's feature set)")
    q.add_argument("--qubits", type=int, default=8)
    q.add_argument("--train", type=int, default=1000)
    q.add_argument("--validation", type=int, default=500)
    q.add_argument("--test", type=int, default=5000)
    q.add_argument("--repeats", type=int, default=10)
    q.add_argument("--feature-map", default="iqp", help="iqp, zz, angle, reuploading (default iqp)")
    q.add_argument("--reps", type=int, default=1)
    q.add_argument("--entanglement", default="linear", choices=["linear", "circular", "full"])
    q.add_argument("--scales", type=_floats, default=None, help="candidate kernel scales, e.g. 0.05,0.1,0.2")
    q.add_argument("--scan-qubits", type=_ints, default=None, help="qubit counts of the scan (default 4,6,...,16)")
    q.add_argument("--scan-train", type=_ints, default=None, help="training sizes of the scan (default 100,250,500,1000)")
    q.add_argument("--scan-repeats", type=int, default=None)
    q.add_argument("--no-scan", action="store_true", help="skip both scans")
    q.set_defaults(func=_qsvm, seed=1)  # the docs quote figures of the default seed 1

    i = hsub.add_parser("info", help="describe an event table")
    i.add_argument("file", nargs="?", default=None, help="table (.npz/.parquet); default: the shipped sample")
    i.set_defaults(func=_info)

    from qtilab.cli.hep_tracking import register_tracking

    register_tracking(hsub)


def _generate(args: argparse.Namespace) -> int:
    from qtilab.errors import ConfigError
    from qtilab.hep.generation import GenerationConfig, generate

    if Path(args.out).suffix not in (".npz", ".parquet"):
        # checked before the (long) generation, not after it
        raise ConfigError(f"--out {args.out!r}: use a .npz or .parquet file name")
    cfg = GenerationConfig(process=args.process, events=args.events, seed=args.seed, workers=args.workers)
    table = generate(cfg, progress=True)
    path = table.save(args.out)
    cls = table.meta["classes"]
    if args.json:
        print(json.dumps({"file": str(path), "classes": cls}, indent=2))
    else:
        print(f"wrote {len(table)} events to {path}")
        for c, d in cls.items():
            print(
                f"  {c:10s} generated {d['generated']:7d}  selected {d['selected']:6d}  "
                f"efficiency {d['efficiency']:.3f}  sigma {d['sigma_pb']:.4g} pb  "
                f"{d['generated_per_second']:.1f} generated/s"
            )
    return 0


def _load_table(args: argparse.Namespace) -> Any:
    from qtilab.hep.events import EventTable, load_sample, read_csv

    if args.events is None:
        return load_sample()
    p = Path(args.events)
    suffixes = [x.lower() for x in p.suffixes]
    if suffixes[-1:] == [".root"]:
        return _read_root_arg(p, args)
    if suffixes[-1:] in ([".csv"], [".txt"]) or suffixes[-2:] in ([".csv", ".gz"], [".txt", ".gz"]):
        return read_csv(p, columns=args.csv_layout)
    return EventTable.load(p)


def _read_root_arg(p: Path, args: argparse.Namespace) -> Any:
    from qtilab.errors import ConfigError
    from qtilab.hep.events import read_root

    if not args.tree or not args.branches or args.label is None:
        raise ConfigError(f"{p}: a ROOT file needs --tree, --branches (feature=branch,...) and --label (0, 1 or a branch)")
    text = args.branches
    if Path(text).is_file():
        text = ",".join(line.split("#")[0].strip() for line in Path(text).read_text().splitlines())
    mapping: dict[str, str] = {}
    for item in (x.strip() for x in text.split(",")):
        if not item:
            continue
        name, sep, branch = item.partition("=")
        if not sep or not name.strip() or not branch.strip():
            raise ConfigError(f"--branches: {item!r} is not feature=branch")
        mapping[name.strip()] = branch.strip()
    label: int | str = int(args.label) if args.label in ("0", "1") else args.label
    return read_root(p, args.tree, mapping, label=label)


def _qsvm(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from qtilab.hep.qsvm import QSVMConfig, run_qsvm

    table = _load_table(args)
    cfg = QSVMConfig(
        qubits=args.qubits, train=args.train, validation=args.validation, test=args.test,
        repeats=args.repeats, seed=1 if args.seed is None else args.seed, balanced=args.balanced,
        features=tuple(args.features.split(",")) if args.features else None,
        feature_map=args.feature_map, reps=args.reps, entanglement=args.entanglement,
    )
    if args.scales:
        cfg = replace(cfg, scales=args.scales)
    if args.scan_qubits is not None:
        cfg = replace(cfg, scan_qubits=args.scan_qubits)
    if args.scan_train is not None:
        cfg = replace(cfg, scan_train=args.scan_train)
    if args.scan_repeats is not None:
        cfg = replace(cfg, scan_repeats=args.scan_repeats)
    if args.no_scan:
        cfg = replace(cfg, scan_qubits=(), scan_train=())
    res = run_qsvm(cfg, table, progress=True)
    summ = res.summary()
    if args.out:
        rep = res.report()
        if args.events is not None:
            rep.add_input(args.events, role="events")
        else:
            import qtilab.hep as _hep

            shipped = Path(_hep.__file__).parent / "data" / "tth_yy_sample.npz"
            if shipped.is_file():
                rep.add_input(shipped, role="events (shipped sample)")
        _remove_stale_figures(Path(args.out))
        paths = rep.write(args.out)
        print(f"report written to {paths['md'].parent}", file=sys.stderr)
    if args.json:
        print(json.dumps({"summary": summ, "dropped_nan": res.n_dropped_nan, "warnings": res.warnings}, indent=2))
    else:
        _print_summary(res)
    return 0


def _remove_stale_figures(out: Path) -> None:
    """A reused --out folder keeps no figure of an earlier run (the new report writes its own)."""
    if out.is_dir():
        for f in out.glob("*.png"):
            f.unlink()


def _print_summary(res: Any) -> None:
    from qtilab.hep.qsvm import _sizes_text

    summ = res.summary()
    print(f"{res.n_events} events, {len(res.features)} features -> {res.config.qubits} PCA components; "
          f"{res.config.repeats} repeats (seed {res.config.seed}); {res.n_dropped_nan} NaN events dropped")
    print(f"  splits (repeat 1): {_sizes_text(res)}")
    for m, s in summ.items():
        print(f"  {m:5s} AUC {s['auc_mean']:.4f} +- {s['auc_std']:.4f}   fit {s['fit_seconds']:.2f} s   "
              f"predict {s['predict_seconds']:.2f} s")
    for r in res.scan_qubits:
        print(f"  qubits {r['qubits']:2d}: " + "  ".join(f"{m} {r[m + '_auc_mean']:.3f}" for m in ("qsvm", "svm", "bdt")))
    for r in res.scan_train:
        print(f"  train {r['train']:5d}: " + "  ".join(f"{m} {r[m + '_auc_mean']:.3f}" for m in ("qsvm", "svm", "bdt")))


def _info(args: argparse.Namespace) -> int:
    from qtilab.hep.events import EventTable, load_sample

    t = load_sample() if args.file is None else EventTable.load(args.file)
    print(f"{len(t)} events: {t.n_signal} signal, {t.n_background} background; {len(t.columns)} columns")
    for c in t.columns:
        s = t.schema.get(c, {})
        print(f"  {c:12s} {s.get('unit', ''):4s} {s.get('description', '')}")
    for c, d in t.meta.get("classes", {}).items():
        print(f"  {c}: efficiency {d['efficiency']:.3f}, sigma {d['sigma_pb']:.4g} pb, "
              f"selected sigma {d['sigma_selected_pb']:.4g} pb")
    return 0


def demo_part(out_dir: Path, seed: int) -> None:
    """A short QSVM study on the shipped sample (a few seconds)."""
    from qtilab.hep.qsvm import QSVMConfig, run_qsvm

    cfg = QSVMConfig(
        qubits=6, train=200, validation=100, test=1000, repeats=2, seed=seed,
        scales=(0.1, 0.2, 0.4), c_values=(1.0, 3.0), gammas=(0.3, 1.0),
        scan_qubits=(4, 8), scan_train=(), scan_repeats=1, scan_train_size=200,
        scan_validation=100, scan_test=1000,
    )
    res = run_qsvm(cfg)
    _print_summary(res)
    res.report("QSVM demo: ttH(γγ) vs γγ and tt̄+γγ (short)").write(out_dir)

    from qtilab.cli.hep_tracking import demo_part as tracking_demo

    print("\n--- particle tracking: QGNN vs GNN vs segment BDT (shipped graphs) ---", flush=True)
    tracking_demo(Path(out_dir).parent / "tracking", seed)
