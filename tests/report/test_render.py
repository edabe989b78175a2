"""Markdown and HTML: code blocks, tables, units, the metadata line, escaping."""

from __future__ import annotations

import json
from pathlib import Path

from markdown_it import MarkdownIt

from qtilab.report import Quantity, Report


def test_code_blocks_tables_and_meta_line(tmp_path: Path) -> None:
    rep = Report("T", meta={"seed": 1, "shots": 20000})
    prog = "OPENQASM 2.0;\nqreg q[2];\nh q[0];\n"
    rep.add_text("Program", "```\n" + prog + "```")
    rep.add_text("Summary", "line one\n\n```\nkey   1\nrate  2\n```")
    rep.add_table("Rates", ["distance", "rate", "label"], [[25, 1.5e-4, "a|b"]], units=["km", "bits/pulse", None])
    html = rep.write(tmp_path)["html"].read_text()
    # each fenced block is its own <pre><code>, lines kept (not run into one paragraph)
    assert html.count("<pre><code>") == 2
    assert "<pre><code>OPENQASM 2.0;\nqreg q[2];\nh q[0];\n</code></pre>" in html
    assert "<p class='meta'>seed: 1, shots: 20000</p>" in html
    assert "<th>distance (km)</th>\n<th>rate (bits/pulse)</th>\n<th>label</th>" in html
    assert "<td>a|b</td>" in html  # the pipe is escaped in Markdown and comes back as a cell
    doc = json.loads((tmp_path / "report.json").read_text())
    assert doc["tables"][0]["units"] == ["km", "bits/pulse", ""]


def test_markdown_matches_an_independent_render(tmp_path: Path) -> None:
    rep = Report("T")
    rep.add_table("A", ["x", "y"], [[1, 2.5]])
    paths = rep.write(tmp_path)
    md = paths["md"].read_text()
    ref = MarkdownIt("commonmark").enable("table").render(md)
    assert "<td>2.5</td>" in ref and "<td>2.5</td>" in paths["html"].read_text()


def test_raw_html_in_text_is_escaped(tmp_path: Path) -> None:
    rep = Report("T")
    rep.add_text("X", "<script>alert(1)</script> and **bold**")
    html = rep.write(tmp_path)["html"].read_text()
    assert "<script>alert" not in html and "&lt;script&gt;" in html and "<strong>bold</strong>" in html


def test_quantities_with_labels_units_and_scale(tmp_path: Path) -> None:
    rep = Report("T")
    stats = {"sent_signal": 1000, "qber": 0.021, "decoy_bounds": {"y1_lower": 1e-3, "e1_upper": 0.05}}
    labels = {"sent_signal": ("signal pulses sent", ""), "qber": Quantity("QBER", "%", scale=100),
              "decoy_bounds.y1_lower": ("single-photon yield Y1, lower bound", "per pulse")}
    rep.add_quantities("Counts", stats, labels)
    doc = json.loads(rep.write(tmp_path)["json"].read_text())
    t = doc["tables"][0]
    assert t["columns"] == ["quantity", "value", "unit"]
    assert t["keys"] == ["sent_signal", "qber", "decoy_bounds.y1_lower", "decoy_bounds.e1_upper"]
    assert t["rows"][0] == ["signal pulses sent", 1000, ""]
    assert t["rows"][1][0] == "QBER" and abs(t["rows"][1][1] - 2.1) < 1e-12 and t["rows"][1][2] == "%"
    assert t["rows"][2] == ["single-photon yield Y1, lower bound", 1e-3, "per pulse"]
    assert t["rows"][3][0] == "decoy bounds: e1 upper"  # unlabelled keys are made readable
    md = (tmp_path / "report.md").read_text()
    assert "sent_signal" not in md and "y1_lower" not in md


def test_headline_shown_first(tmp_path: Path) -> None:
    rep = Report("T")
    rep.add_text("Later", "x")
    rep.add_headline("AUC", 0.8123, error=0.01)
    md = rep.write(tmp_path)["md"].read_text()
    assert md.index("**AUC**: 0.8123 ± 0.01") < md.index("## Later")
