"""``qtilab eo ...``: EuroSAT classification with hybrid quantum models, scenario forecasting.

    qtilab eo classify --mode pairwise --out eo-pairwise          # the shipped 200-patch subset
    qtilab eo classify --data EuroSAT_MS/ --mode multiclass --out eo-full
    qtilab eo forecast --series co2 --horizon 52 --out eo-co2
    qtilab eo info [--data PATH]

Every option can also come from a JSON/TOML file (``--config FILE``, keys as in
:class:`qtilab.eo.study.ClassifyConfig` / :class:`qtilab.eo.forecast.ForecastConfig`); command
line options win. ``pip install 'qtilab[eo]'``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from qtilab.cli import add_common


def _pairs(text: str) -> tuple[tuple[int, int], ...]:
    try:
        out = []
        for item in text.split(","):
            a, b = item.split("-")
            out.append((int(a), int(b)))
        return tuple(out)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected pairs like 1-9,0-3, got {text!r}") from None


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("eo", help="earth observation: EuroSAT hybrid classifiers, scenario forecasting")
    esub = p.add_subparsers(dest="verb", metavar="<verb>")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])

    c = esub.add_parser("classify", help="hybrid CNN + circuit vs classical CNN with repeated stratified CV")
    c.add_argument("--data", default=None, help="an .npz file or a EuroSAT folder (default: the shipped subset)")
    c.add_argument("--mode", default=None, choices=["pairwise", "multiclass"], help="default pairwise")
    c.add_argument("--channels", default=None, help="comma-separated channels, e.g. B04,B03,B02,NDVI")
    c.add_argument("--size", type=int, default=None, help="resize patches to SIZE pixels")
    c.add_argument("--max-per-class", type=int, default=None)
    c.add_argument("--pairs", type=_pairs, default=None, help="pairwise mode: class pairs, e.g. 1-9,0-3 (default all 45)")
    c.add_argument("--folds", type=int, default=None, help="default 4")
    c.add_argument("--repeats", type=int, default=None, help="default 1")
    c.add_argument("--epochs", type=int, default=None, help="default 15")
    c.add_argument("--batch-size", type=int, default=None)
    c.add_argument("--lr", type=float, default=None)
    c.add_argument("--qubits", dest="n_qubits", type=int, default=None, help="multiclass circuit qubits (default 4)")
    c.add_argument("--layers", type=int, default=None, help="multiclass circuit layers (default 2)")
    c.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    c.add_argument("--config", default=None, help="JSON or TOML file with ClassifyConfig settings")
    add_common(c)
    c.set_defaults(func=_classify)

    f = esub.add_parser("forecast", help="quantum reservoir / variational regressor vs ARIMA, ETS, ESN")
    f.add_argument("--series", default=None, help="co2, elnino or a CSV file (date,value); default co2")
    f.add_argument("--horizon", type=int, default=None, help="steps ahead (default 52 for co2, 12 for elnino)")
    f.add_argument("--origins", type=int, default=None, help="rolling origins (default 6)")
    f.add_argument("--models", default=None, help="comma-separated among qrc,vqr,esn,arima,ets,snaive (default all)")
    f.add_argument("--window", type=int, default=None, help="lagged values seen by the models (default 12)")
    f.add_argument("--qubits", dest="n_qubits", type=int, default=None, help="reservoir qubits (default 6)")
    f.add_argument("--vqr-epochs", type=int, default=None)
    f.add_argument("--level", type=float, default=None, help="interval coverage (default 0.9)")
    f.add_argument("--scenarios", type=int, default=None, help="trajectories per forecast (default 500)")
    f.add_argument("--max-train", type=int, default=None, help="train on at most the latest N values")
    f.add_argument("--config", default=None, help="JSON or TOML file with ForecastConfig settings")
    add_common(f)
    f.set_defaults(func=_forecast)

    i = esub.add_parser("info", help="describe a EuroSAT data set (default: the shipped subset)")
    i.add_argument("--data", default=None)
    i.set_defaults(func=_info)


def _file_config(path: str | None) -> dict[str, Any]:
    if path is None:
        return {}
    from qtilab.errors import ConfigError

    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"--config {path}: no such file")
    text = p.read_text()
    try:
        if p.suffix == ".toml":
            try:
                import tomllib
            except ImportError:  # pragma: no cover - Python 3.10
                import tomli as tomllib  # type: ignore[no-redef]
            return dict(tomllib.loads(text))
        return dict(json.loads(text))
    except ValueError as exc:
        raise ConfigError(f"--config {path}: cannot parse ({exc})") from None


def _merge(args: argparse.Namespace, names: list[str]) -> dict[str, Any]:
    vals = _file_config(args.config)
    for n in names:
        v = getattr(args, n, None)
        if v is not None:
            vals[n] = v
    if args.seed is not None:
        vals["seed"] = args.seed
    return vals


def _classify(args: argparse.Namespace) -> int:
    from qtilab.eo.study import config_from_dict, run_classify

    if args.channels:
        args.channels = tuple(c.strip() for c in args.channels.split(",") if c.strip())
    vals = _merge(args, ["data", "mode", "channels", "size", "max_per_class", "pairs", "folds", "repeats", "epochs",
                         "batch_size", "lr", "n_qubits", "layers", "workers"])
    cfg = config_from_dict(vals)
    res = run_classify(cfg, progress=True)
    s, d = res.summary(), res.difference()
    if args.json:
        print(json.dumps({"summary": s, "difference": d, "parameters": res.parameters}, indent=2))
    else:
        for m, v in s.items():
            print(f"{m:18s} accuracy {100 * v['mean']:5.1f} % +- {100 * v['std']:.1f} "
                  f"({v['splits']} splits, {res.parameters[m]} parameters)")
        print(res.verdict())
    if args.out:
        res.report().write(Path(args.out))
        print(f"report written to {args.out}", file=sys.stderr)
    return 0


def _forecast(args: argparse.Namespace) -> int:
    from qtilab.eo.forecast import config_from_dict, run_forecast

    if args.models:
        args.models = tuple(m.strip() for m in args.models.split(",") if m.strip())
    vals = _merge(args, ["series", "horizon", "origins", "models", "window", "n_qubits", "vqr_epochs", "level",
                         "scenarios", "max_train"])
    res = run_forecast(config_from_dict(vals), progress=True)
    s = res.summary()
    if args.json:
        print(json.dumps(s, indent=2))
    else:
        for m, v in s.items():
            print(f"{m:7s} RMSE {v['rmse_mean']:.4g} +- {v['rmse_std']:.2g}  MASE {v['mase_mean']:.3f} +- "
                  f"{v['mase_std']:.3f}  coverage {100 * v['coverage_mean']:.1f} %")
        print(res.verdict())
    if args.out:
        out = Path(args.out)
        res.report().write(out)
        res.write_forecasts(out / "forecasts.csv")
        print(f"report, fan charts and forecasts.csv written to {out}", file=sys.stderr)
    return 0


def _info(args: argparse.Namespace) -> int:
    from qtilab.eo.datasets import load_eurosat, load_subset

    data = load_subset() if args.data is None else load_eurosat(args.data)
    print(f"{len(data)} patches of {data.images.shape[1]} x {data.images.shape[2]} pixels, channels {', '.join(data.channels)}")
    for name, n in zip(data.class_names, data.counts()):
        print(f"  {name:22s} {n}")
    return 0


def demo_part(out_dir: Path, seed: int) -> None:
    """Three EuroSAT class pairs (hybrid vs CNN) and an El Nino forecast with two origins."""
    from qtilab.eo.forecast import ForecastConfig, run_forecast
    from qtilab.eo.study import ClassifyConfig, run_classify

    out_dir.mkdir(parents=True, exist_ok=True)
    cfg = ClassifyConfig(mode="pairwise", pairs=((1, 9), (0, 7), (3, 8)), folds=3, epochs=10, seed=seed, workers=1)
    res = run_classify(cfg, progress=False)
    print(res.verdict())
    res.report().write(out_dir / "classify")
    fres = run_forecast(ForecastConfig(series="elnino", horizon=12, origins=2, models=("qrc", "esn", "arima", "snaive"),
                                       seed=seed), progress=False)
    for m, v in fres.summary().items():
        print(f"El Nino, {m:6s}: MASE {v['mase_mean']:.2f}, 90 % interval coverage {100 * v['coverage_mean']:.0f} %")
    fres.report().write(out_dir / "forecast")
