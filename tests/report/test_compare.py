"""qtilab report diff and rerun."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from qtilab.cli import main
from qtilab.errors import DataError
from qtilab.report import Report
from qtilab.report.compare import diff, load


def _doc(tmp: Path, name: str, data: dict[str, object]) -> Path:
    r = Report("D")
    r.data.update(data)
    return r.write(tmp / name)["json"]


def test_diff_finds_changes_within_tolerance(tmp_path: Path) -> None:
    a = load(_doc(tmp_path, "a", {"x": 1.0, "y": [1, 2, 3], "s": "ok", "n": None, "gone": 1}))
    b = load(_doc(tmp_path, "b", {"x": 1.0 + 1e-12, "y": [1, 2, 4], "s": "ok", "n": None, "new": 2}))
    d = diff(a, b)
    assert [c.path for c in d.changed] == ["data.y[2]"]
    assert d.removed == ["data.gone"] and d.added == ["data.new"] and d.equal == 5
    assert not d.same
    d2 = diff(a, b, rtol=0.5, ignore=("data.gone", "data.new"))
    assert d2.same and d2.equal == 6


def test_cli_diff_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a = _doc(tmp_path, "a", {"auc": 0.81})
    b = _doc(tmp_path, "b", {"auc": 0.82})
    assert main(["report", "diff", str(a), str(a.parent)]) == 0
    assert main(["report", "diff", str(a), str(b), "--json"]) == 1
    out = capsys.readouterr().out
    got = json.loads(out[out.index("{"):])
    assert got["changed"] == [{"path": "data.auc", "a": 0.81, "b": 0.82, "rel": pytest.approx(0.01 / 0.82)}]
    assert main(["report", "diff", str(a), str(b), "--atol", "0.02"]) == 0
    (tmp_path / "bad.json").write_text("{")
    assert main(["report", "diff", str(a), str(tmp_path / "bad.json")]) == 1
    assert "not a valid JSON report" in capsys.readouterr().err


def test_rerun_reproduces_a_qtilab_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "run1"
    # theory-only key-rate scan: quick, deterministic, writes a report with a figure
    args = ["qkd", "keyrate", "--points", "5", "--simulate-at", "--out", str(out)]
    monkeypatch.setattr(sys, "argv", ["qtilab", *args])
    monkeypatch.chdir(tmp_path)
    assert main(args) == 0
    doc = json.loads((out / "report.json").read_text())
    assert doc["provenance"]["command"]["qtilab_args"] == args
    assert main(["report", "rerun", str(out / "report.json"), "--out", str(tmp_path / "run2")]) == 0
    text = capsys.readouterr().out
    assert " 0 differ" in text and (tmp_path / "run2" / "report.json").is_file()
    # a changed number in the old report is what the re-run's comparison reports
    doc["data"]["max_distance_km"] += 1.0
    (out / "report.json").write_text(json.dumps(doc))
    assert main(["report", "diff", str(out), str(tmp_path / "run2")]) == 1
    assert "data.max_distance_km:" in capsys.readouterr().out


def test_rerun_refuses_a_report_not_written_by_qtilab(tmp_path: Path) -> None:
    from qtilab.report.compare import rerun

    p = _doc(tmp_path, "a", {"x": 1})  # written under pytest: not a qtilab command
    with pytest.raises(DataError, match="not written by a qtilab command"):
        rerun(p, tmp_path / "new")


def test_rerun_command_of_a_demo_report(tmp_path: Path) -> None:
    from qtilab.report.compare import rerun_command

    doc = {"provenance": {"command": {"qtilab_args": ["demo", "--out", "demo-out"], "cwd": str(tmp_path)},
                          "out_dir": str(tmp_path / "demo-out" / "qkd" / "link")}}
    args, cwd, where = rerun_command(doc, tmp_path, tmp_path / "new")
    assert args == ["demo", "--out", str(tmp_path / "new"), "--only", "qkd"]
    assert cwd == tmp_path and where == (tmp_path / "new" / "qkd" / "link").resolve()
    doc["provenance"]["command"]["qtilab_args"] = ["qkd", "keyrate"]
    with pytest.raises(DataError, match="has no --out"):
        rerun_command(doc, tmp_path, tmp_path / "new")
