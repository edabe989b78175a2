"""The classification study and the eo command line on tiny settings."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch")

from qtilab.cli import main  # noqa: E402
from qtilab.eo.study import ClassifyConfig, config_from_dict, run_classify  # noqa: E402
from qtilab.errors import ConfigError  # noqa: E402


def test_pairwise_study_smoke(tmp_path: Path) -> None:
    cfg = ClassifyConfig(mode="pairwise", pairs=((1, 9),), folds=2, epochs=1, workers=1, channels=("B04", "NDVI"))
    res = run_classify(cfg, progress=False)
    assert set(res.accuracy) == {"hybrid", "classical"}
    assert res.channels == ("B04", "NDVI")
    for m in res.accuracy:
        accs = res.accuracy[m]["1-9"]
        assert len(accs) == 2 and all(0 <= a <= 1 for a in accs)
        cm = res.confusion[m]
        # every one of the 40 patches of the pair is tested exactly once, only in rows 1 and 9
        assert cm.sum() == 40 and cm[1].sum() == 20 and cm[9].sum() == 20
        # accuracy from the confusion matrix equals the mean of the two (equal-size) folds
        assert (cm[1, 1] + cm[9, 9]) / 40 == pytest.approx(np.mean(accs))
    assert res.parameters["hybrid"] == res.parameters["classical"]
    mat = res.pair_matrix("hybrid")
    assert mat[1, 9] == mat[9, 1] == pytest.approx(np.mean(res.accuracy["hybrid"]["1-9"]))
    paths = res.report().write(tmp_path)
    for name in ("pair_accuracy", "confusion_hybrid", "examples", "json"):
        assert paths[name].exists()
    assert "Verdict" in paths["md"].read_text()


def test_multiclass_study_smoke() -> None:
    cfg = ClassifyConfig(mode="multiclass", max_per_class=2, folds=2, epochs=1, workers=1, n_qubits=2, layers=1)
    res = run_classify(cfg, progress=False)
    assert set(res.accuracy) == {"hybrid_entangled", "hybrid_product", "classical"}
    assert all(cm.sum() == 20 for cm in res.confusion.values())
    assert "points" in res.verdict()


def test_config_errors() -> None:
    with pytest.raises(ConfigError, match="mode"):
        run_classify(ClassifyConfig(mode="ternary"))
    with pytest.raises(ConfigError, match=r"unknown settings \['epoch'\]"):
        config_from_dict({"epoch": 3})
    with pytest.raises(ConfigError, match="distinct"):
        run_classify(ClassifyConfig(pairs=((2, 2),), workers=1))


def test_cli_info_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eo", "info"]) == 0
    out = capsys.readouterr().out
    assert "200 patches of 32 x 32 pixels" in out and "SeaLake" in out
    bad = tmp_path / "gap.csv"
    bad.write_text("date,value\n2000-01-01,1\n2000-02-01,2\n2000-04-01,3\n2000-05-01,4\n")
    assert main(["eo", "forecast", "--series", str(bad)]) == 1
    assert "missing dates" in capsys.readouterr().err
    assert main(["eo", "classify", "--data", str(tmp_path / "nothing")]) == 1
    assert "no such file or folder" in capsys.readouterr().err


def test_cli_classify_writes_a_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"folds": 2, "epochs": 1, "workers": 1}))
    rc = main(["eo", "classify", "--pairs", "1-9", "--config", str(cfg), "--out", str(tmp_path / "r"), "--json"])
    assert rc == 0
    res = json.loads(capsys.readouterr().out)
    assert set(res["summary"]) == {"hybrid", "classical"}
    assert (tmp_path / "r" / "pair_accuracy.png").exists()


def test_cli_forecast_writes_forecasts_and_fan_charts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("statsmodels")
    out = tmp_path / "fc"
    rc = main(["eo", "forecast", "--series", "elnino", "--horizon", "6", "--origins", "1", "--models", "esn,snaive",
               "--scenarios", "50", "--out", str(out)])
    assert rc == 0
    assert "MASE" in capsys.readouterr().out
    assert (out / "fan_charts.png").exists() and (out / "report.json").exists()
    rows = (out / "forecasts.csv").read_text().splitlines()
    assert rows[0].startswith("origin_date,model,step") and len(rows) == 1 + 2 * 6
