"""The EuroSAT classification study: hybrid quantum models against their classical twins.

``pairwise`` mode (QNN4EO, Zaidenberg et al. IGARSS 2021): for each of the 45 class pairs, a
:class:`~qtilab.eo.models.PairwiseHybrid` (CNN -> 1-qubit circuit) and its
:class:`~qtilab.eo.models.ClassicalTwin` are trained and tested on the same repeated
stratified cross-validation splits. ``multiclass`` mode (Sebastianelli et al., IEEE JSTARS 15,
565 (2022)): the 10-class :class:`~qtilab.eo.models.MulticlassHybrid` with and without
entanglement and the classical twin, on the same splits.

Every split standardises the channels with statistics of its training patches only. The
trainings are independent tasks: they run on ``workers`` processes (one thread each, since a
small CNN and a few-qubit circuit gain nothing from threads), or on any
``concurrent.futures`` executor given to :func:`run_classify`.

Examples
--------
>>> from qtilab.eo.study import ClassifyConfig, run_classify
>>> cfg = ClassifyConfig(mode="pairwise", pairs=((1, 9),), folds=2, epochs=2, workers=1)
>>> res = run_classify(cfg)                                   # doctest: +SKIP
>>> sorted(res.summary())                                     # doctest: +SKIP
['classical', 'hybrid']
"""

from __future__ import annotations

import itertools
import math
import os
import sys
import time
from concurrent.futures import Executor
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from qtilab.eo._threads import single_thread
from qtilab.eo.datasets import (
    INDICES,
    ChannelScaler,
    EOData,
    false_colour,
    load_eurosat,
    load_subset,
    resize,
    stratified_splits,
)
from qtilab.errors import ConfigError

#: figures of the papers, for the report and the docs (full EuroSAT, not this subset)
PAPER_FIGURES = {
    "pairwise": "QNN4EO (Zaidenberg et al. 2021), full EuroSAT RGB: mean pairwise accuracy 94.73 % (hybrid) vs 93.63 % (CNN)",
    "multiclass": "Sebastianelli et al. (JSTARS 2022), full EuroSAT RGB, 10 classes: LeNet-5 82.46 %; the entangling hybrid circuits scored best",
}
MODELS = {"pairwise": ("hybrid", "classical"), "multiclass": ("hybrid_entangled", "hybrid_product", "classical")}


@dataclass(frozen=True)
class ClassifyConfig:
    """Settings of :func:`run_classify`.

    Parameters
    ----------
    mode: ``pairwise`` (45 binary problems) or ``multiclass`` (10 classes).
    data: an ``.npz`` file or a EuroSAT release folder; None: the shipped 200-patch subset.
    channels: channel names (bands and ``NDVI``/``NDWI``/``NDBI``); None: every band of the
        data plus the three indices when the data has reflectances.
    size: patch size in pixels (patches are resized); None: as stored.
    max_per_class: keep the first patches of each class (None: all).
    pairs: class pairs for pairwise mode (None: all 45).
    folds, repeats: repeated stratified k-fold cross-validation.
    epochs, batch_size, lr: training (Adam, random flips and rotations).
    n_qubits, layers: the multi-class circuit.
    hidden: width of the CNN's hidden layer.
    seed: seeds the splits, the initial weights and the mini-batches.
    workers: processes for the trainings (None: all cores; 1: in this process).
    """

    mode: str = "pairwise"
    data: str | None = None
    channels: tuple[str, ...] | None = None
    size: int | None = None
    max_per_class: int | None = None
    pairs: tuple[tuple[int, int], ...] | None = None
    folds: int = 4
    repeats: int = 1
    epochs: int = 15
    batch_size: int = 16
    lr: float = 0.01
    n_qubits: int = 4
    layers: int = 2
    hidden: int = 32
    seed: int = 1
    workers: int | None = None

    def validate(self) -> None:
        if self.mode not in MODELS:
            raise ConfigError(f"mode must be 'pairwise' or 'multiclass', got {self.mode!r}")
        for name in ("folds", "repeats", "epochs", "batch_size", "n_qubits", "layers", "hidden"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise ConfigError(f"{name} must be a positive integer, got {v!r}")
        if self.folds < 2:
            raise ConfigError(f"folds must be >= 2, got {self.folds}")
        if self.workers is not None and self.workers < 1:
            raise ConfigError(f"workers must be >= 1, got {self.workers}")


@dataclass
class ClassifyResult:
    """Predictions of every model on every split; accuracies and summaries derived from them."""

    config: ClassifyConfig
    class_names: tuple[str, ...]
    channels: tuple[str, ...]
    #: (model, pair or None, split) -> accuracy
    accuracy: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    #: model -> confusion matrix summed over splits (rows: true class)
    confusion: dict[str, np.ndarray] = field(default_factory=dict)
    parameters: dict[str, int] = field(default_factory=dict)
    train_seconds: dict[str, list[float]] = field(default_factory=dict)
    wall_seconds: float = 0.0
    examples: np.ndarray | None = None  # (n_classes, H, W, 3) false colour
    examples_channels: tuple[str, ...] = ()

    def split_means(self, model: str) -> np.ndarray:
        """Accuracy of ``model`` per split, averaged over pairs (pairwise) -> (splits,)."""
        per_key = np.array(list(self.accuracy[model].values()))  # (keys, splits)
        return np.asarray(per_key.mean(axis=0))

    def summary(self) -> dict[str, dict[str, float]]:
        out = {}
        for m in self.accuracy:
            s = self.split_means(m)
            out[m] = {"mean": float(s.mean()), "std": float(s.std(ddof=1)) if s.size > 1 else 0.0,
                      "min": float(s.min()), "max": float(s.max()), "splits": int(s.size)}
        return out

    def pair_matrix(self, model: str) -> np.ndarray:
        """Pairwise mode: (n_classes, n_classes) mean accuracy per pair (NaN on the diagonal)."""
        k = len(self.class_names)
        mat = np.full((k, k), np.nan)
        for key, accs in self.accuracy[model].items():
            a, b = (int(v) for v in key.split("-"))
            mat[a, b] = mat[b, a] = float(np.mean(accs))
        return mat

    def difference(self) -> dict[str, float]:
        """Hybrid minus classical accuracy, paired by split (and pair), in percentage points."""
        hy = "hybrid" if "hybrid" in self.accuracy else "hybrid_entangled"
        d = self.split_means(hy) - self.split_means("classical")
        out = {"mean_points": float(100 * d.mean()),
               "std_points": float(100 * d.std(ddof=1)) if d.size > 1 else 0.0}
        if self.config.mode == "pairwise":
            per_pair = np.array([np.mean(self.accuracy[hy][k]) - np.mean(self.accuracy["classical"][k])
                                 for k in self.accuracy[hy]])
            out.update(wins=int(np.sum(per_pair > 1e-9)), ties=int(np.sum(np.abs(per_pair) <= 1e-9)),
                       losses=int(np.sum(per_pair < -1e-9)))
        return out

    def verdict(self) -> str:
        s, d = self.summary(), self.difference()
        hy = "hybrid" if "hybrid" in s else "hybrid_entangled"
        txt = (f"Hybrid {100 * s[hy]['mean']:.1f} % +- {100 * s[hy]['std']:.1f}, classical twin "
               f"{100 * s['classical']['mean']:.1f} % +- {100 * s['classical']['std']:.1f} (mean +- std over "
               f"{s[hy]['splits']} splits); paired difference {d['mean_points']:+.1f} +- {d['std_points']:.1f} points. ")
        n = s[hy]["splits"]
        noisy = n < 2 or abs(d["mean_points"]) < 2 * d["std_points"] / math.sqrt(n)
        if noisy:
            txt += "The difference is within two standard errors of zero (not significant). "
        if d["mean_points"] > 1.0:
            txt += "The hybrid beats the classical twin by more than one point on this data."
        elif d["mean_points"] >= -1.0:
            txt += ("The hybrid is within one point of the classical twin: no advantage either way on this data "
                    "(target 'within 1 point of the CNN or better' met).")
        else:
            txt += "The hybrid does NOT match the classical twin on this data (target missed)."
        return txt

    def report(self) -> Any:
        from qtilab.report import Report

        cfg = self.config
        rep = Report(f"EuroSAT {cfg.mode} classification: hybrid quantum vs classical",
                     meta={k: v for k, v in asdict(cfg).items() if v is not None})
        rep.add_text("Verdict", self.verdict())
        s = self.summary()
        rows = [[m, self.parameters.get(m, 0), 100 * v["mean"], 100 * v["std"], 100 * v["min"], 100 * v["max"],
                 float(np.median(self.train_seconds[m]))] for m, v in s.items()]
        rep.add_table("Accuracy (%) over cross-validation splits", ["model", "parameters", "mean", "std", "min",
                      "max", "median train s"], rows,
                      note=f"Channels: {', '.join(self.channels)}. For comparison: {PAPER_FIGURES[cfg.mode]}.")
        d = self.difference()
        rep.add_table("Hybrid minus classical (percentage points, paired)", list(d), [list(d.values())])
        if cfg.mode == "pairwise":
            self._heatmaps(rep)
        for m, cm in self.confusion.items():
            self._confusion(rep, m, cm)
        if self.examples is not None:
            self._examples(rep)
        rep.data.update(summary=s, difference=d, accuracy=self.accuracy, parameters=self.parameters,
                        confusion={m: c.tolist() for m, c in self.confusion.items()},
                        wall_seconds=self.wall_seconds, channels=list(self.channels))
        return rep

    def _heatmaps(self, rep: Any) -> None:
        fig = rep.new_figure("pair_accuracy", "Mean test accuracy of each class pair (hybrid above the "
                             "diagonal, classical twin below)", figsize=(7.5, 6.5))
        k = len(self.class_names)
        hy, cl = self.pair_matrix("hybrid"), self.pair_matrix("classical")
        mat = np.where(np.triu(np.ones((k, k), bool), 1), hy, cl)
        ax = fig.gca()
        im = ax.imshow(100 * mat, vmin=50, vmax=100, cmap="viridis")
        for i, j in itertools.product(range(k), range(k)):
            if i != j:
                ax.text(j, i, f"{100 * mat[i, j]:.0f}", ha="center", va="center", fontsize=7,
                        color="white" if mat[i, j] < 0.8 else "black")
        ax.set_xticks(range(k), self.class_names, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(k), self.class_names, fontsize=7)
        fig.colorbar(im, ax=ax, label="accuracy (%)")

    def _confusion(self, rep: Any, model: str, cm: np.ndarray) -> None:
        fig = rep.new_figure(f"confusion_{model}", f"Confusion matrix of {model}, summed over splits "
                             "(rows: true class)", figsize=(7, 6))
        ax = fig.gca()
        norm = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
        ax.imshow(norm, vmin=0, vmax=1, cmap="Blues")
        k = cm.shape[0]
        for i, j in itertools.product(range(k), range(k)):
            if cm[i, j]:
                ax.text(j, i, str(int(cm[i, j])), ha="center", va="center", fontsize=7,
                        color="white" if norm[i, j] > 0.5 else "black")
        ax.set_xticks(range(k), self.class_names, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(k), self.class_names, fontsize=7)
        ax.set_xlabel("predicted")

    def _examples(self, rep: Any) -> None:
        assert self.examples is not None
        k = self.examples.shape[0]
        fig = rep.new_figure("examples", "One patch per class in false colour ("
                             + ", ".join(self.examples_channels) + " as red, green, blue)", figsize=(10, 2.4))
        for i in range(k):
            ax = fig.add_subplot(1, k, i + 1)
            ax.imshow(self.examples[i])
            ax.set_title(self.class_names[i], fontsize=6)
            ax.axis("off")


def _default_channels(data: EOData) -> tuple[str, ...]:
    chans = list(data.channels)
    if data.reflectance:
        chans += [n.upper() for n, (a, b) in INDICES.items() if a in data.channels and b in data.channels]
    return tuple(chans)


def _fit_task(task: dict[str, Any]) -> dict[str, Any]:
    """One training: a model on one split; returns test predictions. Runs in a worker process."""
    with single_thread():
        return _fit(task)


def _fit(task: dict[str, Any]) -> dict[str, Any]:
    import torch

    from qtilab.eo import models as M

    torch.manual_seed(task["seed"])
    kind, cin, ncls = task["model"], task["channels"], task["n_classes"]
    if task["mode"] == "pairwise":
        hyb: Any = M.PairwiseHybrid(cin, task["hidden"], seed=task["seed"])
    else:
        hyb = M.MulticlassHybrid(cin, ncls, task["n_qubits"], task["layers"], kind != "hybrid_product",
                                 task["hidden"], seed=task["seed"])
    model = M.ClassicalTwin.like(hyb) if kind == "classical" else hyb
    cfg = M.TrainConfig(epochs=task["epochs"], batch_size=task["batch_size"], lr=task["lr"])
    hist = M.train(model, task["x_train"], task["y_train"], cfg, seed=task["seed"])
    pred = M.predict(model, task["x_test"])
    return {"key": task["key"], "model": kind, "split": task["split"], "pred": pred, "y": task["y_test"],
            "seconds": hist["seconds"], "parameters": M.count_parameters(model)}


def load_data(config: ClassifyConfig) -> EOData:
    """The data of a study: the shipped subset or ``config.data``, resized, channels selected."""
    data = load_subset() if config.data is None else load_eurosat(config.data, config.max_per_class, config.size)
    if config.data is None:
        data = _reduce(data, config)
    chans = config.channels or _default_channels(data)
    return data.select(chans)


def _reduce(data: EOData, config: ClassifyConfig) -> EOData:
    if config.max_per_class:
        keep = np.concatenate([np.flatnonzero(data.labels == k)[:config.max_per_class] for k in range(data.n_classes)])
        data = data.subset(np.sort(keep))
    if config.size and config.size != data.images.shape[1]:
        data = EOData(resize(data.images, config.size), data.labels, data.class_names, data.channels, data.sources,
                      data.reflectance)
    return data


def _tasks(config: ClassifyConfig, data: EOData) -> list[dict[str, Any]]:
    base = {"mode": config.mode, "channels": len(data.channels), "hidden": config.hidden, "epochs": config.epochs,
            "batch_size": config.batch_size, "lr": config.lr, "n_qubits": config.n_qubits, "layers": config.layers}
    problems: list[tuple[str, np.ndarray, list[int]]] = []
    if config.mode == "pairwise":
        pairs = config.pairs if config.pairs is not None else tuple(itertools.combinations(range(data.n_classes), 2))
        for a, b in pairs:
            if not (0 <= a < data.n_classes and 0 <= b < data.n_classes) or a == b:
                raise ConfigError(f"pair {(a, b)}: classes must be distinct indices in 0..{data.n_classes - 1}")
            problems.append((f"{a}-{b}", np.flatnonzero(np.isin(data.labels, [a, b])), [a, b]))
    else:
        problems.append(("all", np.arange(len(data)), list(range(data.n_classes))))
    tasks = []
    for pi, (key, idx, classes) in enumerate(problems):
        remap = np.full(data.n_classes, -1)
        remap[classes] = np.arange(len(classes))
        y = remap[data.labels[idx]]
        splits = stratified_splits(y, config.folds, config.repeats, seed=config.seed + 7919 * pi)
        for si, (tr, te) in enumerate(splits):
            sc = ChannelScaler.fit(data.images[idx[tr]])
            xtr, xte = sc.transform(data.images[idx[tr]]), sc.transform(data.images[idx[te]])
            for model in MODELS[config.mode]:
                # the same seed for every model of a split: same mini-batches and augmentations
                tasks.append({**base, "key": key, "model": model, "split": si, "n_classes": len(classes),
                              "x_train": xtr, "y_train": y[tr], "x_test": xte, "y_test": y[te], "classes": classes,
                              "seed": config.seed * 100003 + pi * 1009 + si})
    return tasks


def run_classify(config: ClassifyConfig = ClassifyConfig(), *, executor: Executor | None = None,
                 progress: bool = True) -> ClassifyResult:
    """Run the study; see the module docstring. ``executor`` overrides ``config.workers``."""
    config.validate()
    data = load_data(config)
    tasks = _tasks(config, data)
    res = ClassifyResult(config, data.class_names, data.channels)
    for m in MODELS[config.mode]:
        res.accuracy[m] = {}
        res.confusion[m] = np.zeros((data.n_classes, data.n_classes), dtype=np.int64)
        res.train_seconds[m] = []
    t0 = time.perf_counter()
    from tqdm.auto import tqdm

    bar = tqdm(total=len(tasks), desc=f"eo classify ({config.mode})", disable=not progress or not sys.stderr.isatty(),
               file=sys.stderr)
    workers = config.workers or os.cpu_count() or 1
    own = None
    if executor is None and workers > 1:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        own = executor = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        outs = (executor.map(_fit_task, tasks) if executor is not None else map(_fit_task, tasks))
        for task, out in zip(tasks, outs):
            m, key, split = out["model"], out["key"], out["split"]
            nsplit = config.folds * config.repeats
            accs = res.accuracy[m].setdefault(key, [float("nan")] * nsplit)
            accs[split] = float(np.mean(out["pred"] == out["y"]))
            cls = np.asarray(task["classes"])
            np.add.at(res.confusion[m], (cls[out["y"]], cls[out["pred"]]), 1)
            res.train_seconds[m].append(out["seconds"])
            res.parameters[m] = out["parameters"]
            bar.update()
    finally:
        bar.close()
        if own is not None:
            own.shutdown()
    res.wall_seconds = time.perf_counter() - t0
    fc = false_colour(data)
    first = [int(np.flatnonzero(data.labels == k)[0]) for k in range(data.n_classes)]
    res.examples = fc[first]
    res.examples_channels = tuple(c for c in ("B08", "B04", "B03") if c in data.channels) if all(
        c in data.channels for c in ("B08", "B04", "B03")) else tuple(data.channels[:3])
    return res


def config_from_dict(values: dict[str, Any]) -> ClassifyConfig:
    """A :class:`ClassifyConfig` from a mapping (a config file); unknown keys are named."""
    known = set(ClassifyConfig.__dataclass_fields__)
    unknown = sorted(set(values) - known)
    if unknown:
        raise ConfigError(f"unknown settings {unknown}; known: {sorted(known)}")
    vals = dict(values)
    for k in ("channels",):
        if vals.get(k) is not None:
            vals[k] = tuple(vals[k])
    if vals.get("pairs") is not None:
        vals["pairs"] = tuple(tuple(p) for p in vals["pairs"])
    return ClassifyConfig(**vals)


__all__ = ["ClassifyConfig", "ClassifyResult", "PAPER_FIGURES", "config_from_dict", "load_data", "run_classify"]
