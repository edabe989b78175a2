"""The studies' reports: labelled quantities instead of raw keys, figures where there were none."""

from __future__ import annotations

import json
import re
from pathlib import Path


def test_qkd_link_report_has_labels_and_units(tmp_path: Path) -> None:
    from qtilab.cli.qkd_link import LINK_LABELS, link_report
    from qtilab.qkd.protocols import LinkConfig, simulate_link

    res = simulate_link(LinkConfig(distance_km=25.0, pulses=200_000, seed=3))
    paths = link_report(res).write(tmp_path)
    md = paths["md"].read_text()
    # no raw result key shows in the tables (the JSON keeps them); code blocks and provenance aside
    tables = re.sub(r"```.*?```", "", md.split("## Provenance")[0], flags=re.S)
    for key in ("sent_signal", "qber_signal", "decoy_bounds", "y1_lower", "key_rate_sim"):
        assert key not in tables, key
    doc = json.loads(paths["json"].read_text())
    counts = next(t for t in doc["tables"] if t["title"] == "Counts and rates")
    assert counts["columns"] == ["quantity", "value", "unit"]
    row = dict(zip(counts["keys"], counts["rows"]))
    # QBER shown in percent: the stored fraction times 100
    assert abs(row["qber_signal"][1] - 100 * res.stats["qber_signal"]) < 1e-9 and row["qber_signal"][2] == "%"
    assert row["sent_signal"] == ["signal pulses sent", res.stats["sent_signal"], "pulses"]
    est = next(t for t in doc["tables"] if t["title"] == "Estimates")
    assert "decoy_bounds.y1_lower" in est["keys"]
    # every key of the link's result has a label, and the table shows it with its unit
    from qtilab.report.quantities import as_quantity

    for t in (counts, est):
        assert set(t["keys"]) <= set(LINK_LABELS), set(t["keys"]) - set(LINK_LABELS)
        for key, row in zip(t["keys"], t["rows"]):
            q = as_quantity(LINK_LABELS[key])
            assert row[0] == q.label and row[2] == q.unit, (key, row)
    assert doc["provenance"]["config"]["distance_km"] == 25.0 and doc["provenance"]["seeds"]["seed"] == 3


def test_qasm_and_qml_reports_have_figures(tmp_path: Path) -> None:
    from qtilab.cli.qasm import demo_part
    from qtilab.cli.qml import _kernel_report, kernel_study

    demo_part(tmp_path, 1)
    doc = json.loads((tmp_path / "qasm-teleport" / "report.json").read_text())
    assert doc["figures"] == ["teleport.png"] and (tmp_path / "qasm-teleport" / "teleport.png").is_file()
    html = (tmp_path / "qasm-teleport" / "report.html").read_text()
    assert len(re.findall(r"<pre><code>", html)) == 2  # the two programs stay code blocks
    rep = _kernel_report(kernel_study(40, 2, "zz", 0.5, 1, "fidelity", 1.0, 2))
    paths = rep.write(tmp_path / "qml")
    assert "qsvc" in paths and paths["qsvc"].read_bytes()[:4] == b"\x89PNG"


def test_qsvm_roc_is_rejection_against_efficiency(tmp_path: Path) -> None:
    import numpy as np

    from qtilab.hep.qsvm import METHODS, QSVMConfig, run_qsvm

    cfg = QSVMConfig(qubits=2, train=40, validation=20, test=100, repeats=1, scan_qubits=(2,), scan_train=(),
                     scan_repeats=2, scales=(0.5,))
    res = run_qsvm(cfg)
    rep = res.report()
    figs = {b.name: b for k, b in rep._blocks if k == "figure"}
    ax = figs["roc"].figure.axes[0]
    assert ax.get_yscale() == "log" and "rejection" in ax.get_ylabel() and "efficiency" in ax.get_xlabel()
    fpr = np.asarray(res.fpr_grid)
    lines = {ln.get_label().split(":")[0]: ln for ln in ax.get_lines()}
    from qtilab.hep.qsvm import _LABELS

    for m in METHODS:
        ln = lines[_LABELS[m]]
        tpr = np.mean(res.methods[m].tpr, axis=0)
        np.testing.assert_allclose(ln.get_ydata(), 1 / fpr[fpr > 0])
        np.testing.assert_allclose(ln.get_xdata(), tpr[fpr > 0])
    assert "error bars: standard deviation of the AUC over those splits" in figs["scan_qubits"].caption
    doc = json.loads(rep.write(tmp_path)["json"].read_text())
    assert doc["provenance"]["config"]["__class__"].endswith("QSVMConfig")
    assert [h["label"] for h in doc["headline"]][0].startswith("QSVM")
    assert doc["headline"][0]["value"] == round(res.summary()["qsvm"]["auc_mean"], 4)
