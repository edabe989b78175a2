"""The QSVM study: smoke runs on small subsets, bad input, the CLI, and the scientific check."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from qtilab.errors import ConfigError, DataError
from qtilab.hep.events import EventTable, load_sample
from qtilab.hep.qsvm import HEPDataWarning, QSVMConfig, run_qsvm

pytest.importorskip("sklearn")

TINY = QSVMConfig(
    qubits=3, train=60, validation=40, test=120, repeats=2, seed=3,
    scales=(0.1, 0.4), c_values=(1.0,), gammas=(1.0,), bdt_max_iter=20,
    scan_qubits=(2, 4), scan_train=(20, 40), scan_repeats=1, scan_test=100,
    scan_validation=40, scan_train_size=40,
)


def _toy(n: int = 400, d: int = 5, seed: int = 0) -> EventTable:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    X = rng.normal(size=(n, d)) + 1.2 * y[:, None] * np.linspace(1, 0.2, d)
    return EventTable(X, tuple(f"f{i}" for i in range(d)), y)


def test_study_smoke_on_the_shipped_sample(tmp_path: Path) -> None:
    res = run_qsvm(TINY)
    summ = res.summary()
    assert set(summ) == {"qsvm", "svm", "bdt"}
    for m in summ.values():
        assert 0.5 < m["auc_mean"] <= 1.0  # the sample separates well; chance is 0.5
    assert len(res.methods["qsvm"].auc) == 2
    assert res.methods["qsvm"].chosen[0]["scale"] in TINY.scales
    d = res.kernel_diagnostics[0]
    assert 0 < d["mean_offdiag"] < 1 and d["var_offdiag"] > 0
    assert [r["qubits"] for r in res.scan_qubits] == [2, 4]
    assert [r["train"] for r in res.scan_train] == [20, 40]
    paths = res.report().write(tmp_path)
    data = json.loads(paths["json"].read_text())
    assert data["data"]["summary"]["qsvm"]["auc_mean"] == pytest.approx(summ["qsvm"]["auc_mean"])
    for name in ("roc", "scan_qubits", "scan_train", "kernel_scale"):
        assert paths[name].exists()
    assert "QSVM" in paths["md"].read_text()


def test_same_seed_same_result() -> None:
    cfg = replace(TINY, repeats=1, scan_qubits=(), scan_train=())
    t = _toy()
    a, b = run_qsvm(cfg, t), run_qsvm(cfg, t)
    assert a.methods["qsvm"].auc == b.methods["qsvm"].auc
    assert a.methods["bdt"].auc == b.methods["bdt"].auc


def test_bad_input() -> None:
    cfg = replace(TINY, repeats=1, scan_qubits=(), scan_train=())
    t = _toy()
    with pytest.raises(DataError, match=r"columns \['nope'\] are not in the event table"):
        run_qsvm(replace(cfg, features=("f0", "nope")), t)
    one = t.subset(t.label == 1)
    with pytest.raises(DataError, match="one class only"):
        run_qsvm(cfg, one)
    with pytest.raises(DataError, match="6 qubits but only 5 features"):
        run_qsvm(replace(cfg, qubits=6), t)
    with pytest.raises(DataError, match="not enough events"):
        run_qsvm(replace(cfg, train=1000), t)
    with pytest.raises(ConfigError, match="qubits"):
        run_qsvm(replace(cfg, qubits=0), t)
    # NaN rows: dropped, counted, warned about
    bad = EventTable(t.data.copy(), t.columns, t.label)
    bad.data[[1, 5, 9], 2] = np.nan
    with pytest.warns(HEPDataWarning, match="dropped 3 of 400"):
        res = run_qsvm(cfg, bad)
    assert res.n_dropped_nan == 3 and res.n_events == 397
    assert "NaN" in res.report().markdown()
    # too few events for the test split: shrunk with a warning
    with pytest.warns(HEPDataWarning, match="test split shrunk"):
        res = run_qsvm(replace(cfg, test=1000), t)
    # scan points with more qubits than features are skipped with a warning
    with pytest.warns(HEPDataWarning, match="8 qubits skipped"):
        res = run_qsvm(replace(cfg, scan_qubits=(2, 8), scan_train=()), t)
    assert [r["qubits"] for r in res.scan_qubits] == [2]


def test_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from qtilab.cli import main

    rc = main(["hep", "qsvm", "--qubits", "3", "--train", "60", "--validation", "40", "--test", "100",
               "--repeats", "1", "--scales", "0.2", "--no-scan", "--out", str(tmp_path), "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert 0.5 < out["summary"]["qsvm"]["auc_mean"] <= 1.0
    assert (tmp_path / "report.json").exists() and (tmp_path / "roc.png").exists()
    # CSV input with the label first
    t = _toy(200)
    csv = tmp_path / "toy.csv"
    np.savetxt(csv, np.column_stack([t.label, t.data]), delimiter=",")
    rc = main(["hep", "qsvm", "--events", str(csv), "--qubits", "2", "--train", "40", "--validation", "20",
               "--test", "60", "--repeats", "1", "--scales", "0.2", "--no-scan"])
    assert rc == 0
    # a clear error for more qubits than features
    rc = main(["hep", "qsvm", "--events", str(csv), "--qubits", "9", "--no-scan"])
    assert rc == 1
    assert "9 qubits but only 5 features" in capsys.readouterr().err
    assert main(["hep", "info"]) == 0
    assert "m_yy" in capsys.readouterr().out
    # a bad output name fails before any event is generated
    assert main(["hep", "generate", "tth-yy", "--out", str(tmp_path / "ev.txt")]) == 1
    assert ".npz or .parquet" in capsys.readouterr().err


def test_cli_generate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pythia8mc")
    from qtilab.cli import main

    out = tmp_path / "ev.npz"
    assert main(["hep", "generate", "tth-yy", "--events", "1", "--seed", "2", "--out", str(out)]) == 0
    t = EventTable.load(out)
    assert t.n_signal == 1 and t.n_background == 1
    assert "efficiency" in capsys.readouterr().out


@pytest.mark.slow
def test_qsvm_on_par_with_classical_svm_at_8_qubits() -> None:
    """Wu et al. (2021) found the QSVM on a par with the classical SVM; check that here."""
    cfg = QSVMConfig(qubits=8, train=600, validation=400, test=3000, repeats=3, seed=11,
                     scan_qubits=(), scan_train=())
    res = run_qsvm(cfg, load_sample())
    s = res.summary()
    assert s["qsvm"]["auc_mean"] >= 0.75
    assert abs(s["qsvm"]["auc_mean"] - s["svm"]["auc_mean"]) <= 0.03
