"""The QSVM study: quantum-kernel SVM against a classical SVM and a BDT on the same splits.

After Wu et al., Phys. Rev. Research 3, 033221 (2021) (arXiv:2104.05059): separate ttH(H→γγ)
from the non-resonant γγ background with a fidelity-kernel QSVM and compare it with an RBF SVM
and a boosted decision tree, each given the same PCA-reduced inputs.

For every repeat (a fresh random split, balanced classes):

1. draw train / validation / test events without overlap;
2. standardise the features, PCA down to ``qubits`` components, standardise the components
   (all fitted on the training events only);
3. QSVM: :class:`qtilab.qml.QuantumKernel` with ``feature_map`` and its ``scale`` and the SVM
   ``C`` chosen on the validation events (AUC); fitted as :class:`qtilab.qml.QSVC`;
4. classical SVM (RBF): ``gamma`` and ``C`` chosen on the same validation events;
5. BDT: scikit-learn's ``HistGradientBoostingClassifier`` (fixed settings, see
   :class:`QSVMConfig`), trained on the same training events;
6. test AUC and ROC of each on the same test events; kernel diagnostics; timings.

Then scans of the test AUC against the qubit count and against the training size, for all
three methods. :func:`run_qsvm` returns a :class:`QSVMResult`; :meth:`QSVMResult.report`
builds the :class:`qtilab.report.Report`.

Examples
--------
>>> from qtilab.hep.qsvm import QSVMConfig, run_qsvm
>>> res = run_qsvm(QSVMConfig(qubits=4, train=100, validation=100, test=200, repeats=2,
...                           scan_qubits=(), scan_train=()))          # doctest: +SKIP
>>> res.summary()["qsvm"]["auc_mean"]                                  # doctest: +SKIP
0.97
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from qtilab._optional import require
from qtilab._progress import show_progress
from qtilab.errors import ConfigError, DataError
from qtilab.hep.events import EventTable

METHODS = ("qsvm", "svm", "bdt")
_LABELS = {"qsvm": "QSVM (quantum kernel)", "svm": "SVM (RBF)", "bdt": "BDT (HistGradientBoosting)"}


class HEPDataWarning(UserWarning):
    """Input data was usable only after a change (NaN rows dropped, a scan point skipped...)."""


@dataclass(frozen=True)
class QSVMConfig:
    """Settings of :func:`run_qsvm`.

    Parameters
    ----------
    qubits
        Qubits of the quantum kernel = PCA components given to every method.
    train, validation, test
        Events per split (half signal, half background).
    repeats
        Independent random splits; AUCs are reported as mean and standard deviation.
    seed
        Integer seed of the splits, PCA and the BDT.
    features
        Feature columns of the table; default: the table's default feature set.
    feature_map, reps, entanglement
        The quantum feature map (see :mod:`qtilab.qml.encodings`).
    scales
        Candidate feature scales of the quantum kernel, chosen on the validation split.
    c_values
        Candidate SVM ``C`` for both SVMs.
    gammas
        Candidate RBF ``gamma`` of the classical SVM, in units of ``1 / qubits``.
    bdt_max_iter, bdt_learning_rate, bdt_max_leaf_nodes
        BDT settings.
    scan_qubits, scan_train
        Points of the two scans (empty: no scan); the qubit scan uses ``scan_train_size``
        training events, the training-size scan uses ``qubits`` qubits.
    scan_repeats, scan_test, scan_validation, scan_train_size
        Size of every scan point.
    chunk
        Test events per kernel block (bounds the memory of large qubit counts).
    """

    qubits: int = 8
    train: int = 1000
    validation: int = 500
    test: int = 5000
    repeats: int = 10
    seed: int = 1
    features: tuple[str, ...] | None = None
    feature_map: str = "iqp"
    reps: int = 1
    entanglement: str = "linear"
    scales: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4, 0.8)
    c_values: tuple[float, ...] = (0.3, 1.0, 3.0, 10.0)
    gammas: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0)
    bdt_max_iter: int = 200
    bdt_learning_rate: float = 0.1
    bdt_max_leaf_nodes: int = 15
    scan_qubits: tuple[int, ...] = (4, 6, 8, 10, 12, 14, 16)
    scan_train: tuple[int, ...] = (100, 250, 500, 1000)
    scan_repeats: int = 3
    scan_test: int = 2000
    scan_validation: int = 300
    scan_train_size: int = 400
    chunk: int = 1000
    balanced: bool = False
    svm_cv_folds: int = 5

    def validate(self) -> None:
        for name in ("qubits", "train", "validation", "test", "repeats", "chunk"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise ConfigError(f"{name} must be a positive integer, got {v!r}")
        if self.train < 4 or self.validation < 4:
            raise ConfigError("train and validation need at least 4 events (2 per class)")
        if self.qubits > 24:
            raise ConfigError(f"{self.qubits} qubits is beyond what a kernel study can simulate here; use <= 24")
        if not self.scales or any(s <= 0 for s in self.scales):
            raise ConfigError("scales must be a non-empty list of positive numbers")
        if not self.c_values or any(c <= 0 for c in self.c_values):
            raise ConfigError("c_values must be a non-empty list of positive numbers")
        if not self.gammas or any(g <= 0 for g in self.gammas):
            raise ConfigError("gammas must be a non-empty list of positive numbers")
        if any(q < 1 for q in self.scan_qubits) or any(n < 4 for n in self.scan_train):
            raise ConfigError("scan_qubits must be >= 1 and scan_train >= 4")


@dataclass
class MethodResult:
    """Test results of one method over the repeats."""

    auc: list[float] = field(default_factory=list)
    fit_seconds: list[float] = field(default_factory=list)
    predict_seconds: list[float] = field(default_factory=list)
    tpr: list[np.ndarray] = field(default_factory=list)  # on QSVMResult.fpr_grid
    chosen: list[dict[str, float]] = field(default_factory=list)

    @property
    def auc_mean(self) -> float:
        return float(np.mean(self.auc))

    @property
    def auc_std(self) -> float:
        return float(np.std(self.auc, ddof=1)) if len(self.auc) > 1 else 0.0


@dataclass
class QSVMResult:
    """Everything :func:`run_qsvm` measured; :meth:`report` writes it up."""

    config: QSVMConfig
    features: tuple[str, ...]
    n_events: int
    n_signal: int
    n_background: int
    n_dropped_nan: int
    methods: dict[str, MethodResult]
    fpr_grid: np.ndarray
    scale_scan: list[dict[str, float]]  # first repeat: scale -> val AUC and kernel diagnostics
    kernel_diagnostics: list[dict[str, float]]  # per repeat, at the chosen scale (training Gram)
    explained_variance: list[float]  # PCA, first repeat
    scan_qubits: list[dict[str, Any]]
    scan_train: list[dict[str, Any]]
    warnings: list[str]
    timings: dict[str, float]
    bdt_all_features_auc: list[float] = field(default_factory=list)
    source: dict[str, Any] = field(default_factory=dict)
    #: the events each main repeat really used: train/validation/test and their signal counts
    split_sizes: list[dict[str, int]] = field(default_factory=list)
    #: repeat 1: train and test scores with their labels, per method (the overtraining check)
    score_distributions: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)

    def summary(self) -> dict[str, dict[str, float]]:
        """``{method: {"auc_mean", "auc_std", "fit_seconds", "predict_seconds"}}``."""
        return {
            m: {
                "auc_mean": r.auc_mean,
                "auc_std": r.auc_std,
                "fit_seconds": float(np.mean(r.fit_seconds)),
                "predict_seconds": float(np.mean(r.predict_seconds)),
            }
            for m, r in self.methods.items()
        }

    def report(self, title: str | None = None) -> Any:
        """The :class:`qtilab.report.Report` (tables, ROC and scan figures, JSON data)."""
        if title is None:
            title = (
                "QSVM study: ttH(γγ) vs γγ and tt̄+γγ"
                if self.source.get("process") == "tth-yy"
                else "QSVM study: signal vs background"
            )
        return _make_report(self, title)


# ---------------------------------------------------------------------------------------------
# Input checks and splits
# ---------------------------------------------------------------------------------------------


def prepare(table: EventTable, features: Sequence[str] | None, qubits: int) -> tuple[np.ndarray, np.ndarray, tuple[str, ...], int, list[str]]:
    """Feature matrix and labels, with the bad-input checks of the study.

    Raises :class:`DataError` for missing columns, a single class, or more qubits than
    features; drops rows with NaN/inf (a :class:`HEPDataWarning` says how many).
    """
    names = tuple(features) if features is not None else table.default_features()
    if not names:
        raise DataError("no feature columns selected")
    X = table.features(names)  # DataError naming the missing columns
    notes: list[str] = []
    ok = np.all(np.isfinite(X), axis=1)
    n_bad = int(np.count_nonzero(~ok))
    if n_bad:
        msg = f"dropped {n_bad} of {len(ok)} events with NaN or infinite feature values"
        warnings.warn(msg, HEPDataWarning, stacklevel=3)
        notes.append(msg)
    X, y = X[ok], table.label[ok].astype(np.int64)
    classes = np.unique(y)
    if classes.size < 2:
        what = "signal (1)" if classes.size and classes[0] == 1 else "background (0)"
        raise DataError(
            f"the events have one class only ({what if classes.size else 'no events'}); "
            "a classifier needs both signal (label 1) and background (label 0) events"
        )
    if qubits > len(names):
        raise DataError(
            f"{qubits} qubits but only {len(names)} features: PCA cannot make more components "
            f"than features; use at most {len(names)} qubits or add features"
        )
    return X, y, names, n_bad, notes


def _split(
    y: np.ndarray, sizes: Sequence[int], rng: np.random.Generator, notes: list[str], balanced: bool = False
) -> list[np.ndarray]:
    """Disjoint index sets of the given sizes, with the file's class mix (``balanced``: half
    signal, half background); the last one is shrunk if the events run out (with a note giving
    the size it got), the others must fit."""
    sig = rng.permutation(np.flatnonzero(y == 1))
    bkg = rng.permutation(np.flatnonzero(y == 0))
    f_sig = 0.5 if balanced else sig.size / max(1, sig.size + bkg.size)
    out = []
    i_s = i_b = 0
    for k, n in enumerate(sizes):
        ns = n // 2 if balanced else int(round(n * f_sig))
        nb = n - ns
        last = k == len(sizes) - 1
        if last and not balanced and (i_s + ns > sig.size or i_b + nb > bkg.size):
            # natural mix: use every event asked for while there are any, either class
            s_left, b_left = sig.size - i_s, bkg.size - i_b
            m = min(n, s_left + b_left)
            if m < 2:
                raise DataError("no events left for the test split; ask for smaller train/validation sizes")
            ns = min(s_left, max(m - b_left, int(round(m * f_sig))))
            nb = m - ns
            if m < n:
                msg = f"test split shrunk from {n} to {m} events (only {s_left + b_left} left after training and validation)"
                if msg not in notes:
                    warnings.warn(msg, HEPDataWarning, stacklevel=3)
                    notes.append(msg)
        if i_s + ns > sig.size or i_b + nb > bkg.size:
            if not last:
                raise DataError(
                    f"not enough events: split {k} needs {ns} signal and {nb} background events "
                    f"after {i_s} and {i_b} used, but there are {sig.size} and {bkg.size}; "
                    "ask for smaller train/validation sizes"
                )
            have = min(sig.size - i_s, bkg.size - i_b)
            if have < 1:
                raise DataError("no events left for the test split; ask for smaller train/validation sizes")
            msg = f"test split shrunk from {n} to {2 * have} events (balanced: {have} per class left)"
            if msg not in notes:
                warnings.warn(msg, HEPDataWarning, stacklevel=3)
                notes.append(msg)
            ns = nb = have
        out.append(np.concatenate([sig[i_s : i_s + ns], bkg[i_b : i_b + nb]]))
        i_s += ns
        i_b += nb
    return out


def _preprocess(Xtr: np.ndarray, q: int, seed: int) -> Any:
    skl_pipe = require("sklearn.pipeline", extra="hep")
    pre = require("sklearn.preprocessing", extra="hep")
    dec = require("sklearn.decomposition", extra="hep")
    pipe = skl_pipe.make_pipeline(
        pre.StandardScaler(), dec.PCA(n_components=q, svd_solver="full", random_state=seed), pre.StandardScaler()
    )
    # a constant feature gives 0/0 in StandardScaler only as a warning; sklearn handles it
    pipe.fit(Xtr)
    return pipe


# ---------------------------------------------------------------------------------------------
# One split: the three methods
# ---------------------------------------------------------------------------------------------


@dataclass
class _SplitOut:
    auc: dict[str, float]
    fit_s: dict[str, float]
    pred_s: dict[str, float]
    scores: dict[str, np.ndarray]
    chosen: dict[str, dict[str, float]]
    scale_scan: list[dict[str, float]]
    diag: dict[str, float]
    evr: list[float]
    train_scores: dict[str, np.ndarray] = field(default_factory=dict)


def _one_openmp_thread() -> Any:
    """Run scikit-learn's OpenMP code on one thread.

    The BDT's OpenMP threads spin-wait; on a small machine shared with other work, a
    100-event fit measured 26 s with the default threads and 0.17 s with one.
    """
    tpc = require("threadpoolctl", extra="hep")
    return tpc.threadpool_limits(limits=1, user_api="openmp")


def _bdt(cfg: QSVMConfig, seed: int) -> Any:
    ens = require("sklearn.ensemble", extra="hep")
    return ens.HistGradientBoostingClassifier(
        max_iter=cfg.bdt_max_iter, learning_rate=cfg.bdt_learning_rate,
        max_leaf_nodes=cfg.bdt_max_leaf_nodes, early_stopping=False, random_state=seed,
    )


def _kernel(cfg: QSVMConfig, q: int, scale: float) -> Any:
    from qtilab.qml.kernels import QuantumKernel

    return QuantumKernel(
        feature_map=cfg.feature_map, n_qubits=q, scale=scale, reps=cfg.reps, entanglement=cfg.entanglement
    )


def _gram_blocks(kernel: Any, X: np.ndarray, E_train: np.ndarray, chunk: int) -> np.ndarray:
    """k(X, train) in blocks of ``chunk`` rows (the states of a block only are held)."""
    out = np.empty((X.shape[0], E_train.shape[0]))
    for a in range(0, X.shape[0], chunk):
        out[a : a + chunk] = kernel.gram(kernel.embed(X[a : a + chunk]), E_train)
    return out


def _run_split(
    X: np.ndarray, y: np.ndarray, idx: list[np.ndarray], q: int, cfg: QSVMConfig, seed: int,
    methods: Sequence[str] = METHODS, diagnostics: bool = True, want_train_scores: bool = False,
) -> _SplitOut:
    metrics = require("sklearn.metrics", extra="hep")
    train_scores: dict[str, np.ndarray] = {}
    svm = require("sklearn.svm", extra="hep")
    from qtilab.qml.kernels import QSVC, kernel_diagnostics

    tr, va, te = idx
    if len(tr) < q:
        raise DataError(f"{len(tr)} training events cannot define {q} PCA components; train on at least {q} events")
    pipe = _preprocess(X[tr], q, seed)
    Ztr, Zva, Zte = pipe.transform(X[tr]), pipe.transform(X[va]), pipe.transform(X[te])
    ytr, yva, yte = y[tr], y[va], y[te]
    auc: dict[str, float] = {}
    fit_s: dict[str, float] = {}
    pred_s: dict[str, float] = {}
    scores: dict[str, np.ndarray] = {}
    chosen: dict[str, dict[str, float]] = {}
    scale_scan: list[dict[str, float]] = []
    diag: dict[str, float] = {}

    if "qsvm" in methods:
        t0 = time.perf_counter()
        best = (-1.0, cfg.scales[0], cfg.c_values[0])
        for s in cfg.scales:
            k = _kernel(cfg, q, s)
            Etr = k.embed(Ztr)
            Ktr = k.gram(Etr)
            Kva = _gram_blocks(k, Zva, Etr, cfg.chunk)
            row: dict[str, float] = {"scale": s}
            for C in cfg.c_values:
                m = svm.SVC(kernel="precomputed", C=C).fit(Ktr, ytr)
                a = float(metrics.roc_auc_score(yva, m.decision_function(Kva)))
                row[f"val_auc_C{C:g}"] = a
                if a > best[0]:
                    best = (a, s, C)
            if diagnostics:
                d = kernel_diagnostics(Ktr, 2 * ytr - 1)
                row.update(mean_offdiag=d.mean_offdiag, var_offdiag=d.var_offdiag, alignment=float(d.alignment or 0.0))
            scale_scan.append(row)
        tune_s = time.perf_counter() - t0
        _, s_best, c_best = best
        t0 = time.perf_counter()
        clf = QSVC(kernel=_kernel(cfg, q, s_best), C=c_best, probability=False).fit(Ztr, ytr)
        fit_s["qsvm"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        sc = np.concatenate([clf.decision_function(Zte[a : a + cfg.chunk]) for a in range(0, len(te), cfg.chunk)])
        pred_s["qsvm"] = time.perf_counter() - t0
        scores["qsvm"] = sc
        auc["qsvm"] = float(metrics.roc_auc_score(yte, sc))
        if want_train_scores:
            train_scores["qsvm"] = clf.decision_function(Ztr)
        chosen["qsvm"] = {"scale": s_best, "C": c_best, "val_auc": best[0], "tune_seconds": tune_s}
        if diagnostics:
            k = clf.kernel_
            d = kernel_diagnostics(k.gram(clf.train_embedding_), 2 * ytr - 1)
            diag = {
                "mean_offdiag": d.mean_offdiag, "var_offdiag": d.var_offdiag,
                "min_offdiag": d.min_offdiag, "max_offdiag": d.max_offdiag,
                "alignment": float(d.alignment or 0.0), "n_support": int(clf.svc_.support_.size),
            }

    if "svm" in methods:
        # gamma and C by cross-validation on the training events (stratified k-fold, ROC AUC)
        ms = require("sklearn.model_selection", extra="hep")
        t0 = time.perf_counter()
        folds = int(min(cfg.svm_cv_folds, np.bincount(ytr, minlength=2).min()))
        if folds >= 2:
            grid = ms.GridSearchCV(
                svm.SVC(kernel="rbf"), {"gamma": [g / q for g in cfg.gammas], "C": list(cfg.c_values)},
                scoring="roc_auc", cv=ms.StratifiedKFold(folds, shuffle=True, random_state=seed), n_jobs=1,
            ).fit(Ztr, ytr)
            best = (float(grid.best_score_), grid.best_params_["gamma"] * q, grid.best_params_["C"])
        else:  # too few events of one class for k-fold: choose on the validation split
            best = (-1.0, cfg.gammas[0], cfg.c_values[0])
            for g in cfg.gammas:
                for C in cfg.c_values:
                    m = svm.SVC(kernel="rbf", gamma=g / q, C=C).fit(Ztr, ytr)
                    a = float(metrics.roc_auc_score(yva, m.decision_function(Zva)))
                    if a > best[0]:
                        best = (a, g, C)
        tune_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        m = svm.SVC(kernel="rbf", gamma=best[1] / q, C=best[2]).fit(Ztr, ytr)
        fit_s["svm"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        sc = m.decision_function(Zte)
        pred_s["svm"] = time.perf_counter() - t0
        scores["svm"] = sc
        auc["svm"] = float(metrics.roc_auc_score(yte, sc))
        if want_train_scores:
            train_scores["svm"] = m.decision_function(Ztr)
        chosen["svm"] = {"gamma": best[1] / q, "C": best[2], "cv_auc" if folds >= 2 else "val_auc": best[0],
                         "tune_seconds": tune_s}

    if "bdt" in methods:
        with _one_openmp_thread():
            t0 = time.perf_counter()
            m = _bdt(cfg, seed).fit(Ztr, ytr)
            fit_s["bdt"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            sc = m.predict_proba(Zte)[:, 1]
            pred_s["bdt"] = time.perf_counter() - t0
            if want_train_scores:
                train_scores["bdt"] = m.predict_proba(Ztr)[:, 1]
        scores["bdt"] = sc
        auc["bdt"] = float(metrics.roc_auc_score(yte, sc))
        chosen["bdt"] = {}
    evr = [float(v) for v in pipe.named_steps["pca"].explained_variance_ratio_]
    return _SplitOut(auc, fit_s, pred_s, scores, chosen, scale_scan, diag, evr, train_scores)


# ---------------------------------------------------------------------------------------------
# The study
# ---------------------------------------------------------------------------------------------


def run_qsvm(
    config: QSVMConfig | None = None,
    table: EventTable | None = None,
    progress: bool | None = None,
) -> QSVMResult:
    """Run the study on ``table`` (default: the shipped ttH(γγ) sample).

    ``progress``: a tqdm bar on standard error (default: when it is a terminal). Its ETA weighs
    each fit by its cost (2**qubits amplitudes per event, kernel entries per training event), so
    a 16-qubit scan point counts for more than a 4-qubit one.

    Raises
    ------
    DataError
        Missing feature columns, one class only, more qubits than features, too few events.
    ConfigError
        Impossible settings.
    """
    cfg = config or QSVMConfig()
    cfg.validate()
    metrics = require("sklearn.metrics", extra="hep")
    from tqdm import tqdm

    if table is None:
        from qtilab.hep.events import load_sample

        table = load_sample()
    X, y, names, n_bad, notes = prepare(table, cfg.features, cfg.qubits)
    ss = np.random.SeedSequence(cfg.seed)
    rep_seeds = [int(s.generate_state(1)[0]) for s in ss.spawn(cfg.repeats)]
    fpr_grid = np.linspace(0.0, 1.0, 201)
    methods = {m: MethodResult() for m in METHODS}
    diags: list[dict[str, float]] = []
    scale_scan: list[dict[str, float]] = []
    evr: list[float] = []
    bdt_all: list[float] = []
    split_sizes: list[dict[str, int]] = []
    score_dists: dict[str, dict[str, np.ndarray]] = {}
    t_start = time.perf_counter()

    def cost(q: int, ntr: int, nval: int, ntest: int) -> float:
        # simulating every event's state, plus the Gram entries against the training events
        n = ntr + nval + ntest
        return (2.0**q) * n * (q + ntr / 64.0) + 50.0 * n

    total = cfg.repeats * cost(cfg.qubits, cfg.train, cfg.validation, cfg.test) + cfg.scan_repeats * (
        sum(cost(q, cfg.scan_train_size, cfg.scan_validation, cfg.scan_test) for q in cfg.scan_qubits)
        + sum(cost(cfg.qubits, n, cfg.scan_validation, cfg.scan_test) for n in cfg.scan_train))
    bar = tqdm(total=100.0, desc="qsvm study", unit="%", file=sys.stderr,
               disable=not show_progress(progress), bar_format="{desc}: {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]")
    work = 100.0 / total if total > 0 else 0.0
    for r, seed in enumerate(rep_seeds):
        rng = np.random.default_rng(seed)
        idx = _split(y, (cfg.train, cfg.validation, cfg.test), rng, notes, cfg.balanced)
        split_sizes.append({name: int(i.size) for name, i in zip(("train", "validation", "test"), idx)}
                           | {f"{name}_signal": int(np.count_nonzero(y[i] == 1)) for name, i in zip(("train", "validation", "test"), idx)})
        out = _run_split(X, y, idx, cfg.qubits, cfg, seed % (2**31), want_train_scores=r == 0)
        if r == 0:
            score_dists = {m: {"train": out.train_scores[m], "train_label": y[idx[0]],
                               "test": out.scores[m], "test_label": y[idx[2]]} for m in out.train_scores}
        for m in METHODS:
            res = methods[m]
            res.auc.append(out.auc[m])
            res.fit_seconds.append(out.fit_s[m])
            res.predict_seconds.append(out.pred_s[m])
            res.chosen.append(out.chosen[m])
            fpr, tpr, _ = metrics.roc_curve(y[idx[2]], out.scores[m])
            res.tpr.append(np.interp(fpr_grid, fpr, tpr))
        diags.append(out.diag)
        if r == 0:
            scale_scan, evr = out.scale_scan, out.evr
        # reference: the BDT on every feature (no PCA), same training events
        with _one_openmp_thread():
            bdt = _bdt(cfg, seed % (2**31)).fit(X[idx[0]], y[idx[0]])
            bdt_all.append(float(metrics.roc_auc_score(y[idx[2]], bdt.predict_proba(X[idx[2]])[:, 1])))
        _advance(bar, work * cost(cfg.qubits, cfg.train, cfg.validation, cfg.test))
    t_main = time.perf_counter() - t_start

    def scan(points: Sequence[int], kind: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for p in points:
            q, ntr = (p, cfg.scan_train_size) if kind == "qubits" else (cfg.qubits, p)
            if q > len(names):
                msg = f"qubit scan: {q} qubits skipped (only {len(names)} features)"
                warnings.warn(msg, HEPDataWarning, stacklevel=3)
                notes.append(msg)
                _advance(bar, work * cfg.scan_repeats * cost(q, ntr, cfg.scan_validation, cfg.scan_test))
                continue
            aucs: dict[str, list[float]] = {m: [] for m in METHODS}
            secs: dict[str, list[float]] = {m: [] for m in METHODS}
            var_off: list[float] = []
            for k in range(cfg.scan_repeats):
                seed = int(np.random.SeedSequence([cfg.seed, 1 + (kind == "train"), p, k]).generate_state(1)[0])
                rng = np.random.default_rng(seed)
                idx = _split(y, (ntr, cfg.scan_validation, cfg.scan_test), rng, notes, cfg.balanced)
                o = _run_split(X, y, idx, q, cfg, seed % (2**31))
                for m in METHODS:
                    aucs[m].append(o.auc[m])
                    secs[m].append(o.fit_s[m] + o.pred_s[m])
                var_off.append(o.diag.get("var_offdiag", float("nan")))
                _advance(bar, work * cost(q, ntr, cfg.scan_validation, cfg.scan_test))
            row: dict[str, Any] = {"qubits": q, "train": ntr}
            for m in METHODS:
                row[f"{m}_auc_mean"] = float(np.mean(aucs[m]))
                row[f"{m}_auc_std"] = float(np.std(aucs[m], ddof=1)) if len(aucs[m]) > 1 else 0.0
                row[f"{m}_seconds"] = float(np.mean(secs[m]))
            row["qsvm_var_offdiag"] = float(np.mean(var_off))
            rows.append(row)
        return rows

    t0 = time.perf_counter()
    sq = scan(cfg.scan_qubits, "qubits")
    st = scan(cfg.scan_train, "train")
    t_scan = time.perf_counter() - t0
    bar.close()
    return QSVMResult(
        config=cfg,
        features=names,
        n_events=int(y.size),
        n_signal=int(np.count_nonzero(y == 1)),
        n_background=int(np.count_nonzero(y == 0)),
        n_dropped_nan=n_bad,
        methods=methods,
        fpr_grid=fpr_grid,
        scale_scan=scale_scan,
        kernel_diagnostics=diags,
        explained_variance=evr,
        scan_qubits=sq,
        scan_train=st,
        warnings=notes,
        timings={"main_seconds": t_main, "scan_seconds": t_scan},
        bdt_all_features_auc=bdt_all,
        split_sizes=split_sizes,
        score_distributions=score_dists,
        source={k: v for k, v in table.meta.items() if k in ("process", "generator", "seed", "source", "classes")},
    )


# ---------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------


_COLUMN_LABELS = {
    "scale": "feature scale", "mean_offdiag": "mean off-diagonal K", "var_offdiag": "variance of off-diagonal K",
    "min_offdiag": "min off-diagonal K", "max_offdiag": "max off-diagonal K", "alignment": "kernel-target alignment",
    "n_support": "support vectors", "qubits": "qubits", "train": "training events",
    "qsvm_var_offdiag": "QSVM: variance of off-diagonal K",
}


def _score_figure(rep: Any, res: QSVMResult) -> None:
    """Train (points) against test (filled) score distributions per class: the overtraining check."""
    from scipy.stats import ks_2samp

    dists = res.score_distributions
    fig = rep.new_figure(
        "scores", "Classifier scores of repeat 1, training events (points) against test events (filled): "
        "signal in blue, background in red; similar shapes mean no overtraining (Kolmogorov-Smirnov P in the table)",
        figsize=(4.2 * len(dists), 3.6))
    axes = fig.subplots(1, len(dists), squeeze=False)[0]
    rows = []
    for ax, (m, d) in zip(axes, dists.items()):
        allv = np.concatenate([d["train"], d["test"]])
        bins = np.linspace(float(np.min(allv)), float(np.max(allv)), 31)
        centres = 0.5 * (bins[1:] + bins[:-1])
        row: list[Any] = [_LABELS[m]]
        for lab, colour, name in ((1, "C0", "signal"), (0, "C3", "background")):
            te, tr = d["test"][d["test_label"] == lab], d["train"][d["train_label"] == lab]
            ax.hist(te, bins=bins, density=True, histtype="stepfilled", alpha=0.35, color=colour, label=f"{name}, test")
            h, _ = np.histogram(tr, bins=bins, density=True)
            ax.plot(centres, h, "o", ms=3, color=colour, label=f"{name}, train")
            row.append(float(ks_2samp(tr, te).pvalue) if tr.size and te.size else float("nan"))
        rows.append(row)
        ax.set_title(_LABELS[m])
        ax.set_xlabel("score")
        ax.set_ylabel("density")
    axes[0].legend(fontsize="small", loc="upper left")
    rep.add_table("Overtraining check: train vs test score distributions (repeat 1)",
                  ["method", "KS P (signal)", "KS P (background)"], rows,
                  note="Kolmogorov-Smirnov two-sample test of the training against the test scores; "
                  "a tiny P means the classifier scores its training events differently (overtraining).")


def _advance(bar: Any, amount: float) -> None:
    """Advance a percentage bar without overshooting 100 (floating sums of the weights)."""
    bar.update(max(0.0, min(amount, bar.total - bar.n)))


def _sizes_text(res: QSVMResult) -> str:
    """The split sizes really used (repeat 1), with their signal counts and the mix rule."""
    cfg = res.config
    if not res.split_sizes:
        return f"{cfg.train} training, {cfg.validation} validation, {cfg.test} test events"
    z = res.split_sizes[0]
    mix = "balanced classes" if cfg.balanced else "the file's class mix"
    return (f"{z['train']} training ({z['train_signal']} signal), {z['validation']} validation "
            f"({z['validation_signal']} signal), {z['test']} test events ({z['test_signal']} signal); {mix}")


def _column_label(key: str) -> str:
    """A readable table header for a raw result key (the JSON keeps the keys)."""
    if key in _COLUMN_LABELS:
        return _COLUMN_LABELS[key]
    if key.startswith("val_auc_C"):
        return f"validation AUC (C = {key[len('val_auc_C'):]})"
    for m, lab in (("qsvm", "QSVM"), ("svm", "SVM"), ("bdt", "BDT")):
        if key == f"{m}_auc_mean":
            return f"{lab} AUC (mean)"
        if key == f"{m}_auc_std":
            return f"{lab} AUC (std over splits)"
    return key.replace("_", " ")


def _make_report(res: QSVMResult, title: str) -> Any:
    from qtilab.report import Report

    cfg = res.config
    rep = Report(title, meta={"seed": cfg.seed, "qubits": cfg.qubits, "repeats": cfg.repeats}, config=cfg)
    summ = res.summary()
    for m in METHODS:
        rep.add_headline(f"{_LABELS[m]} test AUC", round(summ[m]["auc_mean"], 4), error=round(summ[m]["auc_std"], 4))
    if res.source:
        rep.add_generator_settings(res.source, name="event source")
    q = summ["qsvm"]
    s = summ["svm"]
    b = summ["bdt"]
    rep.add_text(
        "Summary",
        f"Test AUC over {cfg.repeats} random splits ({_sizes_text(res)}), {cfg.qubits} PCA components: "
        f"QSVM {q['auc_mean']:.4f} ± {q['auc_std']:.4f}, SVM (RBF) {s['auc_mean']:.4f} ± {s['auc_std']:.4f}, "
        f"BDT {b['auc_mean']:.4f} ± {b['auc_std']:.4f}. The BDT on all {len(res.features)} features "
        f"(no PCA) reaches {np.mean(res.bdt_all_features_auc):.4f}. "
        f"Events: {res.n_events} ({res.n_signal} signal, {res.n_background} background); "
        f"{res.n_dropped_nan} events with NaN/inf features dropped.",
    )
    rep.add_table(
        "Test AUC and timings (mean over repeats)",
        ["method", "AUC mean", "AUC std", "fit [s]", "predict [s]", "hyper-parameters (repeat 1)"],
        [
            [_LABELS[m], summ[m]["auc_mean"], summ[m]["auc_std"], summ[m]["fit_seconds"], summ[m]["predict_seconds"],
             ", ".join(f"{k}={v:.3g}" for k, v in res.methods[m].chosen[0].items() if k != "tune_seconds") or "fixed"]
            for m in METHODS
        ],
        note=f"QSVM: feature map {cfg.feature_map!r} (reps {cfg.reps}, {cfg.entanglement} entanglement), "
        "scale and C chosen on the validation split; fit time excludes tuning (tuning times are in the JSON).",
    )
    if res.scale_scan:
        cols = list(res.scale_scan[0].keys())
        rep.add_table("Quantum kernel vs scale (repeat 1; validation AUC, training-Gram diagnostics)",
                      [_column_label(c) for c in cols], [[r.get(c, float("nan")) for c in cols] for r in res.scale_scan],
                      note="mean/var_offdiag: off-diagonal kernel entries (a tiny variance = concentration); "
                      "alignment: kernel-target alignment.")
    if res.kernel_diagnostics and res.kernel_diagnostics[0]:
        keys = list(res.kernel_diagnostics[0].keys())
        rep.add_table("Quantum kernel at the chosen scale (training Gram, mean over repeats)",
                      [_column_label(k) for k in keys],
                      [[float(np.mean([d[k] for d in res.kernel_diagnostics])) for k in keys]])
    for name, rows, key in (("qubit count", res.scan_qubits, "qubits"), ("training size", res.scan_train, "train")):
        if not rows:
            continue
        cols = [key] + [f"{m}_auc_mean" for m in METHODS] + [f"{m}_auc_std" for m in METHODS] + ["qsvm_var_offdiag"]
        rep.add_table(f"Scan of the test AUC against the {name}", [_column_label(c) for c in cols],
                      [[r[c] for c in cols] for r in rows],
                      note=f"{cfg.scan_repeats} repeats per point, {cfg.scan_test} test events"
                      + (f", {cfg.scan_train_size} training events" if key == "qubits" else f", {cfg.qubits} qubits"))
    if res.warnings:
        rep.add_text("Warnings", "; ".join(res.warnings))

    from qtilab.report.style import plot_random_rejection, plot_rejection, scan_errorbar

    fig = rep.new_figure(
        "roc", "Background rejection 1/ε_B against signal efficiency ε_S: ROC curves averaged over the "
        f"{cfg.repeats} repeats (test split; the mean signal efficiency at each background efficiency)")
    ax = fig.gca()
    for m in METHODS:
        tpr = np.mean(res.methods[m].tpr, axis=0)
        plot_rejection(ax, tpr, res.fpr_grid, label=f"{_LABELS[m]}: AUC {summ[m]['auc_mean']:.3f}")
    plot_random_rejection(ax)
    ax.legend(loc="upper right")
    for name, rows, key, xl in (
        ("scan_qubits", res.scan_qubits, "qubits", "qubits (PCA components)"),
        ("scan_train", res.scan_train, "train", "training events"),
    ):
        if not rows:
            continue
        fig = rep.new_figure(name, f"Test AUC against the {xl}: mean over {cfg.scan_repeats} random splits; "
                             "error bars: standard deviation of the AUC over those splits")
        ax = fig.gca()
        xs = [r[key] for r in rows]
        for m in METHODS:
            scan_errorbar(ax, xs, [r[f"{m}_auc_mean"] for r in rows], [r[f"{m}_auc_std"] for r in rows],
                          label=_LABELS[m], integer_x=key == "qubits")
        ax.set_xlabel(xl)
        ax.set_ylabel("test AUC")
        if key == "train":
            ax.set_xscale("log")
        ax.legend()
    if res.score_distributions:
        _score_figure(rep, res)
    if res.scale_scan:
        fig = rep.new_figure("kernel_scale", "Quantum kernel: validation AUC and off-diagonal variance vs scale")
        ax = fig.gca()
        sc = [r["scale"] for r in res.scale_scan]
        best_auc = [max(v for k, v in r.items() if k.startswith("val_auc")) for r in res.scale_scan]
        ax.plot(sc, best_auc, "o-", label="validation AUC (best C)")
        ax.set_xscale("log")
        ax.set_xlabel("feature scale")
        ax.set_ylabel("validation AUC")
        if "var_offdiag" in res.scale_scan[0]:
            ax2 = ax.twinx()
            ax2.plot(sc, [r["var_offdiag"] for r in res.scale_scan], "s--", color="C3", label="var of off-diagonal K")
            ax2.set_ylabel("variance of off-diagonal kernel entries")
            ax2.legend(loc="lower left")
        ax.legend(loc="upper left")

    rep.data = {
        "config": asdict(cfg),
        "features": list(res.features),
        "events": {"total": res.n_events, "signal": res.n_signal, "background": res.n_background,
                   "dropped_nan": res.n_dropped_nan},
        "summary": summ,
        "auc_per_repeat": {m: r.auc for m, r in res.methods.items()},
        "chosen_hyperparameters": {m: r.chosen for m, r in res.methods.items()},
        "bdt_all_features_auc": res.bdt_all_features_auc,
        "roc": {"fpr": res.fpr_grid, **{m: np.mean(r.tpr, axis=0) for m, r in res.methods.items()}},
        "kernel_scale_scan": res.scale_scan,
        "kernel_diagnostics": res.kernel_diagnostics,
        "pca_explained_variance_ratio": res.explained_variance,
        "scan_qubits": res.scan_qubits,
        "scan_train": res.scan_train,
        "timings": res.timings,
        "warnings": res.warnings,
        "source": res.source,
    }
    return rep


__all__ = ["HEPDataWarning", "MethodResult", "QSVMConfig", "QSVMResult", "prepare", "run_qsvm"]

