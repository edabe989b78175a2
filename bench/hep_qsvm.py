"""HEP benchmarks: the cost of qtilab's detector layer over bare Pythia, and the fit+predict
times of QSVM, SVM and BDT on the shipped ttH(γγ) sample.

1. ``generate <class>``: Pythia 8 alone (``next()`` for the same events, same seed) against
   qtilab's full chain (Pythia + particle extraction + jets + detector + selection). The ratio
   is the overhead of the chain; the rates go into docs/hep.md.
2. ``classify 8q``: one split of the shipped sample (500 training, 2000 test events, 8 PCA
   components), fit + predict of each method at fixed hyper-parameters.

Writes bench/results/hep_qsvm.md. Run: ``.venv/bin/python bench/hep_qsvm.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from harness import Bench  # noqa: E402


def generation(bench: Bench, n_selected: int = 10) -> None:
    try:
        import pythia8mc as p8
    except ImportError:
        bench.skip("generate", "qtilab", "pythia8mc not installed")
        return
    from qtilab.hep.generation import GenerationConfig, _job_seeds, _run_chunk, pythia_settings

    cfg = GenerationConfig(events=n_selected, chunk=n_selected, seed=7)
    for ci, cls in enumerate(("signal", "background")):
        tried = _run_chunk(cls, ci, 0, n_selected, cfg).tried  # how many events the chain generates
        pseed, _ = _job_seeds(cfg.seed, ci, 0)

        def bare(cls: str = cls, tried: int = tried, pseed: int = pseed) -> None:
            py = p8.Pythia("", False)
            for line in pythia_settings(cls, cfg, pseed):
                py.readString(line)
            py.init()
            for _ in range(tried):
                py.next()

        def chain(cls: str = cls, ci: int = ci) -> None:
            _run_chunk(cls, ci, 0, n_selected, cfg)

        w = f"generate {cls} ({tried} events, {n_selected} selected)"
        bench.add(w, "qtilab", chain)
        bench.add(w, "pythia8 next() only", bare)


def classify(bench: Bench) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.svm import SVC
    from threadpoolctl import threadpool_limits

    from qtilab.hep.events import load_sample
    from qtilab.hep.qsvm import _preprocess
    from qtilab.qml.kernels import QSVC, QuantumKernel

    t = load_sample()
    X, y = t.features(), t.label.astype(int)
    rng = np.random.default_rng(0)
    sig, bkg = rng.permutation(np.flatnonzero(y == 1)), rng.permutation(np.flatnonzero(y == 0))
    tr = np.concatenate([sig[:250], bkg[:250]])
    te = np.concatenate([sig[250:1250], bkg[250:1250]])
    pipe = _preprocess(X[tr], 8, 0)
    Ztr, Zte = pipe.transform(X[tr]), pipe.transform(X[te])
    w = "classify 8q (500 train, 2000 test)"

    def qsvm() -> None:
        k = QuantumKernel(feature_map="iqp", n_qubits=8, scale=0.2, reps=1, entanglement="linear")
        QSVC(kernel=k, C=1.0, probability=False).fit(Ztr, y[tr]).decision_function(Zte)

    def svm() -> None:
        SVC(kernel="rbf", gamma=1 / 8, C=1.0).fit(Ztr, y[tr]).decision_function(Zte)

    def bdt() -> None:
        with threadpool_limits(1, user_api="openmp"):
            HistGradientBoostingClassifier(max_iter=200, max_leaf_nodes=15, early_stopping=False).fit(
                Ztr, y[tr]
            ).predict_proba(Zte)

    bench.add(w, "qtilab", qsvm)
    bench.add(w, "sklearn SVM (RBF)", svm)
    bench.add(w, "sklearn BDT (HistGradientBoosting)", bdt)


def main() -> None:
    b = Bench("hep: generation chain and classifiers", repeats=3, warmup=1)
    generation(b)
    classify(b)
    b.run()
    b.notes.append(
        "Absolute times depend on the machine's load (measured: the load average printed with the "
        "table); read the ratios. `generate`: the qtilab row is the whole chain (Pythia + extraction + "
        "anti-kt jets + detector + selection) for the same events as the Pythia-only row. "
        "`classify`: the qtilab row is the QSVM (IQP fidelity kernel, 8 qubits) fit + predict."
    )
    out = Path(__file__).parent / "results" / "hep_qsvm.md"
    print(b.write_markdown(out, baseline="qtilab"))


if __name__ == "__main__":
    main()
