"""The tracking study: hybrid QGNN vs classical GNN (same hidden size) vs segment BDT.

All three models see the same training graphs and are scored on the same validation graphs:
edge AUC, accuracy / purity / efficiency at thresholds 0.3, 0.5, 0.7, and the TrackML score of
tracks built from the classified edges. The graphs come from a folder of npz graphs (HEP.TrkX
layout, e.g. QTrkX's preprocessed TrackML graphs), from a folder of TrackML CSV events, or are
generated with :mod:`qtilab.hep.tracking.detector` from the seed.
"""

from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qtilab.errors import ConfigError, DataError
from qtilab.hep.tracking.graph import GraphConfig
from qtilab.hep.tracking.io import HitGraph


@dataclass
class TrackingStudyConfig:
    """What :func:`run_tracking_study` does (defaults: the issue's study at reduced epochs).

    ``data``: a folder of graph ``.npz`` files; ``events``: a folder of TrackML CSV events
    (``eventNNN-hits.csv`` ...); with neither, ``train + valid`` events are generated from
    ``seed`` (``sample=True`` uses the small sample shipped with qtilab instead).
    """

    train: int = 50
    valid: int = 50
    epochs: int = 20
    hidden: int = 4
    n_iters: int = 3
    n_qubits: int = 4
    layers: int = 3
    circuit: int = 10
    learning_rate: float = 0.01
    seed: int = 1
    data: str | None = None
    events: str | None = None
    sample: bool = False
    models: tuple[str, ...] = ("qgnn", "gnn", "bdt")
    thresholds: tuple[float, ...] = (0.3, 0.5, 0.7)
    graph: GraphConfig = field(default_factory=GraphConfig)
    progress: bool | None = None

    def validate(self) -> None:
        if self.train < 1 or self.valid < 1:
            raise ConfigError(f"train and valid must be >= 1, got {self.train}, {self.valid}")
        if self.epochs < 1:
            raise ConfigError(f"epochs must be >= 1, got {self.epochs}")
        unknown = set(self.models) - {"qgnn", "gnn", "bdt"}
        if unknown or not self.models:
            raise ConfigError(f"models must be among qgnn, gnn, bdt; got {list(self.models)}")
        if not self.learning_rate > 0:
            raise ConfigError(f"learning_rate must be positive, got {self.learning_rate}")
        if sum(bool(x) for x in (self.data, self.events, self.sample)) > 1:
            raise ConfigError("give at most one of data, events, sample")


@dataclass
class ModelResult:
    name: str
    n_parameters: int
    train_seconds: float
    metrics: dict[str, Any]
    trackml_score: float
    history: dict[str, list[float]] = field(default_factory=dict)
    scores: list[np.ndarray] = field(default_factory=list, repr=False)


@dataclass
class TrackingStudyResult:
    config: TrackingStudyConfig
    statistics: dict[str, Any]
    models: dict[str, ModelResult]
    source: str
    valid_graphs: list[HitGraph] = field(default_factory=list, repr=False)

    def summary(self) -> dict[str, Any]:
        return {
            name: {"auc": m.metrics["auc"], "trackml_score": m.trackml_score,
                   "n_parameters": m.n_parameters, "train_seconds": m.train_seconds}
            for name, m in self.models.items()
        }

    def verdict(self) -> list[str]:
        lines = []
        m = self.models
        if "qgnn" in m and "gnn" in m:
            q, c = m["qgnn"].metrics["auc"], m["gnn"].metrics["auc"]
            ok = q >= c - 0.01
            lines.append(
                f"QGNN edge AUC {q:.4f} vs classical GNN {c:.4f} (hidden {self.config.hidden}): "
                f"target AUC >= GNN - 0.01 is {'met' if ok else 'NOT met'}."
            )
        if "bdt" in m:
            b = m["bdt"].metrics["auc"]
            for name in ("qgnn", "gnn"):
                if name in m:
                    a = m[name].metrics["auc"]
                    lines.append(
                        f"{name.upper()} {'beats' if a > b else 'does NOT beat'} the segment BDT "
                        f"(AUC {a:.4f} vs {b:.4f})."
                    )
        return lines

    def report(self, title: str = "QGNN particle tracking study") -> Any:
        from qtilab.report import Report

        cfg = self.config
        rep = Report(title, meta={"seed": cfg.seed, "source": self.source})
        rep.data["config"] = asdict(cfg)
        rep.data["statistics"] = self.statistics
        rep.data["models"] = {k: {"n_parameters": v.n_parameters, "train_seconds": v.train_seconds,
                                  "metrics": v.metrics, "trackml_score": v.trackml_score,
                                  "history": v.history} for k, v in self.models.items()}
        rep.add_text("Verdict", "\n".join(f"- {line}" for line in self.verdict()))
        st = self.statistics
        rep.add_text(
            "Graphs",
            f"{cfg.train} training and {cfg.valid} validation graphs from {self.source}; mean "
            f"{st['hits']:.0f} hits and {st['edges']:.0f} candidate edges per graph, "
            f"{100 * st['true_fraction']:.1f} % of edges true, true-segment |z0| median "
            f"{st['true_z0_abs_median']:.1f} mm.",
        )
        rows = []
        for name, mr in self.models.items():
            t5 = mr.metrics["thresholds"].get("0.5", {})
            rows.append([name.upper(), mr.n_parameters, mr.metrics["auc"], t5.get("accuracy", float("nan")),
                         t5.get("purity", float("nan")), t5.get("efficiency", float("nan")),
                         mr.trackml_score, mr.train_seconds])
        rep.add_table("Validation results (threshold 0.5)",
                      ["model", "parameters", "edge AUC", "accuracy", "purity", "efficiency",
                       "TrackML score", "training time (s)"], rows)
        trows = []
        for name, mr in self.models.items():
            for t, d in mr.metrics["thresholds"].items():
                trows.append([name.upper(), t, d["accuracy"], d["purity"], d["efficiency"]])
        rep.add_table("Purity and efficiency by threshold", ["model", "threshold", "accuracy", "purity",
                                                             "efficiency"], trows)
        self._figures(rep)
        return rep

    def _figures(self, rep: Any) -> None:
        from sklearn.metrics import roc_curve

        y = np.concatenate([g.y for g in self.valid_graphs]) if self.valid_graphs else None
        hist = {k: v.history for k, v in self.models.items() if v.history}
        if hist:
            fig = rep.new_figure("training", "Training loss and validation AUC per epoch", figsize=(10, 4))
            a1, a2 = fig.subplots(1, 2)
            for name, h in hist.items():
                ep = np.arange(1, len(h["train_loss"]) + 1)
                a1.plot(ep, h["train_loss"], "-o", label=f"{name.upper()} train")
                a1.plot(ep, h["valid_loss"], "--s", label=f"{name.upper()} valid")
                a2.plot(ep, h["valid_auc"], "-o", label=name.upper())
            if "bdt" in self.models:
                a2.axhline(self.models["bdt"].metrics["auc"], color="gray", ls=":", label="BDT")
            a1.set_xlabel("epoch")
            a1.set_ylabel("binary cross-entropy")
            a2.set_xlabel("epoch")
            a2.set_ylabel("validation edge AUC")
            for a in (a1, a2):
                a.xaxis.get_major_locator().set_params(integer=True)
                a.legend(fontsize=8)
            fig.tight_layout()
        if y is not None:
            fig = rep.new_figure("roc", "Edge ROC: fake-edge rejection against true-edge efficiency", figsize=(10, 4))
            a1, a2 = fig.subplots(1, 2)
            for k, (name, mr) in enumerate(self.models.items()):
                colour = f"C{k}"  # one colour per model: purity solid, efficiency dashed
                s = np.concatenate(mr.scores)
                fpr, tpr, _ = roc_curve(y, s)
                ok = fpr > 0
                a1.plot(tpr[ok], 1.0 / fpr[ok], color=colour, label=f"{name.upper()} (AUC {mr.metrics['auc']:.3f})")
                ts = np.linspace(0.05, 0.95, 19)
                pur = [np.sum((s > t) & (y > 0)) / max(np.sum(s > t), 1) for t in ts]
                eff = [np.sum((s > t) & (y > 0)) / max(np.sum(y > 0), 1) for t in ts]
                a2.plot(ts, pur, "-", color=colour, label=f"{name.upper()} purity")
                a2.plot(ts, eff, "--", color=colour, label=f"{name.upper()} efficiency")
            a1.set_yscale("log")
            a1.set_xlabel("true-edge efficiency")
            a1.set_ylabel("fake-edge rejection 1/FPR")
            a1.legend(fontsize=8)
            a2.set_xlabel("score threshold")
            a2.set_ylabel("purity / efficiency")
            a2.legend(fontsize=7)
            fig.tight_layout()
            self._event_display(rep)

    def _event_display(self, rep: Any) -> None:
        from qtilab.hep.tracking.metrics import build_tracks

        name = "qgnn" if "qgnn" in self.models else next(iter(self.models))
        g = self.valid_graphs[0]
        s = self.models[name].scores[0]
        tracks = build_tracks(g, s, 0.5)
        r, phi, z = g.X[:, 0] * 1000, g.X[:, 1] * np.pi, g.X[:, 2] * 1000
        x, yy = r * np.cos(phi), r * np.sin(phi)
        fig = rep.new_figure("event_display", f"Validation graph {g.name}: hits (grey) and the tracks "
                             f"built from {name.upper()} edges with score > 0.5 (one colour per track)",
                             figsize=(11, 5))
        a1, a2 = fig.subplots(1, 2)
        for ax, (u, v) in ((a1, (x, yy)), (a2, (z, r))):
            ax.scatter(u, v, s=1, c="0.75")
            keep = (s > 0.5)
            i, o = g.inner[keep], g.outer[keep]
            col = tracks[i]
            cm = __import__("matplotlib").colormaps["tab20"]
            for k in np.unique(col[col >= 0])[:400]:
                m = col == k
                ax.plot(np.vstack([u[i[m]], u[o[m]]]), np.vstack([v[i[m]], v[o[m]]]), lw=0.6, color=cm(int(k) % 20))
        a1.set_xlabel("x (mm)")
        a1.set_ylabel("y (mm)")
        a1.set_aspect("equal")
        a2.set_xlabel("z (mm)")
        a2.set_ylabel("r (mm)")
        fig.tight_layout()


def _progress(enabled: bool | None, total: int, desc: str) -> Any:
    from tqdm import tqdm

    show = sys.stderr.isatty() if enabled is None else enabled
    return tqdm(total=total, desc=desc, unit="step", file=sys.stderr, disable=not show, leave=False)


def shipped_sample() -> list[HitGraph]:
    """The small generated sample shipped with qtilab (graphs of generated mu = 200 events)."""
    from qtilab.hep.tracking.io import read_graph

    folder = Path(__file__).resolve().parents[1] / "data"
    files = sorted(folder.glob("trackml_graph_*.npz"))
    if not files:
        raise DataError(f"no shipped tracking graphs in {folder}")
    return [read_graph(f) for f in files]


def load_graphs(cfg: TrackingStudyConfig) -> tuple[list[HitGraph], str]:
    """The train + valid graphs the config asks for, and a description of their source."""
    from qtilab.hep.tracking.graph import build_graph
    from qtilab.hep.tracking.io import read_graphs, read_trackml_event

    need = cfg.train + cfg.valid
    if cfg.data:
        graphs = read_graphs(cfg.data, need)
        src = f"graph files in {cfg.data}"
    elif cfg.events:
        prefixes = sorted({str(p)[: -len("-hits.csv")] for p in Path(cfg.events).glob("*-hits.csv")})
        if not prefixes:
            raise DataError(f"{cfg.events}: no TrackML events (*-hits.csv)")
        graphs = []
        for p in prefixes[:need]:
            graphs.extend(build_graph(read_trackml_event(p), cfg.graph))
        src = f"TrackML events in {cfg.events}"
    elif cfg.sample:
        graphs = shipped_sample()
        src = "the sample shipped with qtilab"
    else:
        from qtilab.hep.tracking.detector import generate_event

        graphs = []
        bar = _progress(cfg.progress, need, "generating events")
        for k in range(need):
            ev = generate_event(seed=np.random.default_rng([cfg.seed, k]), name=f"event{k:09d}")
            graphs.extend(build_graph(ev, cfg.graph))
            bar.update()
        bar.close()
        src = f"{need} events generated by qtilab's TrackML-like generator (seed {cfg.seed})"
    if len(graphs) < need:
        raise DataError(f"{src}: {len(graphs)} graphs, but train + valid = {need} were asked for")
    return graphs[:need], src


def _train_gnn(name: str, quantum: bool, train: list[HitGraph], valid: list[HitGraph],
               cfg: TrackingStudyConfig) -> ModelResult:
    from qtilab._optional import require

    torch = require("torch", extra="ml")
    from qtilab.hep.tracking.metrics import edge_metrics
    from qtilab.hep.tracking.models import GNN, GNNConfig

    model = GNN(GNNConfig(hidden=cfg.hidden, n_iters=cfg.n_iters, quantum=quantum, n_qubits=cfg.n_qubits,
                          layers=cfg.layers, circuit=cfg.circuit), seed=cfg.seed)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.learning_rate)
    bce = torch.nn.functional.binary_cross_entropy
    tt = [model.tensors(g) for g in train]
    vt = [model.tensors(g) for g in valid]
    rng = np.random.default_rng(cfg.seed)
    hist: dict[str, list[float]] = {"train_loss": [], "valid_loss": [], "valid_auc": [], "epoch_seconds": []}
    bar = _progress(cfg.progress, cfg.epochs * len(train), f"training {name.upper()}")
    t_train = 0.0
    for _ in range(cfg.epochs):
        t0 = time.perf_counter()
        losses = []
        for k in rng.permutation(len(tt)):
            X, i, o, y = tt[k]
            opt.zero_grad()
            loss = bce(model(X, i, o), y)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
            bar.update()
        t_train += time.perf_counter() - t0
        hist["epoch_seconds"].append(time.perf_counter() - t0)
        with torch.no_grad():
            preds = [model(X, i, o) for X, i, o, _ in vt]
            vl = float(np.mean([float(bce(p, y)) for p, (_, _, _, y) in zip(preds, vt)]))
        s = np.concatenate([p.numpy() for p in preds])
        yv = np.concatenate([g.y for g in valid])
        hist["train_loss"].append(float(np.mean(losses)))
        hist["valid_loss"].append(vl)
        hist["valid_auc"].append(edge_metrics(yv, s, cfg.thresholds)["auc"])
        bar.set_postfix(loss=f"{hist['train_loss'][-1]:.3f}", auc=f"{hist['valid_auc'][-1]:.3f}")
    bar.close()
    scores = [model.predict(g) for g in valid]
    return _scored(name, model.n_parameters(), t_train, valid, scores, cfg, hist)


def _scored(name: str, n_params: int, seconds: float, valid: list[HitGraph], scores: list[np.ndarray],
            cfg: TrackingStudyConfig, hist: dict[str, list[float]] | None = None) -> ModelResult:
    from qtilab.hep.tracking.metrics import build_tracks, edge_metrics, trackml_score

    y = np.concatenate([g.y for g in valid])
    metrics = edge_metrics(y, np.concatenate(scores), cfg.thresholds)
    tml = [trackml_score(g, build_tracks(g, s, 0.5)) for g, s in zip(valid, scores) if g.particle_id is not None]
    return ModelResult(name, n_params, seconds, metrics, float(np.mean(tml)) if tml else float("nan"),
                       hist or {}, scores)


def run_tracking_study(config: TrackingStudyConfig | None = None) -> TrackingStudyResult:
    """Train and score the models of ``config.models`` on the same graphs."""
    from qtilab.hep.tracking.graph import edge_features, graph_statistics
    from qtilab.hep.tracking.models import segment_bdt

    cfg = config or TrackingStudyConfig()
    cfg.validate()
    graphs, src = load_graphs(cfg)
    train, valid = graphs[: cfg.train], graphs[cfg.train:]
    models: dict[str, ModelResult] = {}
    for name in cfg.models:
        if name == "bdt":
            t0 = time.perf_counter()
            clf = segment_bdt(train, seed=cfg.seed)
            dt = time.perf_counter() - t0
            scores = [clf.predict_proba(edge_features(g))[:, 1] for g in valid]
            n_params = int(sum(len(p) for p in getattr(clf, "_predictors", [])))
            models[name] = _scored(name, n_params, dt, valid, scores, cfg)
        else:
            models[name] = _train_gnn(name, name == "qgnn", train, valid, cfg)
    return TrackingStudyResult(cfg, graph_statistics(graphs), models, src, valid)
