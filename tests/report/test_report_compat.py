from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qtilab.report import Report


def test_report_writes_json_markdown_html_png(tmp_path: Path) -> None:
    rep = Report("Study", meta={"seed": 3})
    rep.add_text("Summary", "All good.")
    rep.add_table("AUC", ["method", "AUC"], [["QSVM", np.float64(0.8123)], ["SVM", 0.80]])
    fig = rep.new_figure("roc")
    fig.gca().plot([0, 1], [0, 1])
    rep.data["auc"] = np.array([0.8, float("nan")])
    paths = rep.write(tmp_path)
    data = json.loads(paths["json"].read_text())
    assert data["data"]["auc"] == [0.8, None]  # NaN becomes null: strict JSON
    assert data["tables"][0]["rows"][0] == ["QSVM", 0.8123]
    md = paths["md"].read_text()
    assert "| QSVM | 0.8123 |" in md and "![roc](roc.png)" in md
    assert paths["roc"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<table>" in paths["html"].read_text()


def test_table_row_length_checked() -> None:
    with pytest.raises(ValueError, match="cells"):
        Report("x").add_table("t", ["a", "b"], [[1]])
