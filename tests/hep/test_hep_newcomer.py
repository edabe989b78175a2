"""The QSVM study's input and splits as a physicist expects them (issue 21)."""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
import pytest

from qtilab.errors import DataError
from qtilab.hep.events import read_csv
from qtilab.hep.qsvm import _split


def test_splits_keep_the_natural_class_mix_and_use_every_event_asked_for() -> None:
    y = np.r_[np.ones(447, int), np.zeros(2553, int)]  # 14.9 % signal
    notes: list[str] = []
    idx = _split(y, (1000, 500, 500), np.random.default_rng(1), notes)
    assert [len(i) for i in idx] == [1000, 500, 500]
    assert len(set(np.concatenate(idx).tolist())) == 2000  # disjoint
    for i in idx:
        assert abs(y[i].mean() - 447 / 3000) < 0.01
    assert notes == []
    # more than is left: every remaining event is used and the note says how many
    with pytest.warns(UserWarning, match="shrunk"):
        idx = _split(y, (1000, 500, 5000), np.random.default_rng(1), notes)
    assert len(idx[2]) == 1500 and "shrunk from 5000 to 1500" in notes[0]


def test_balanced_splits_on_request() -> None:
    y = np.r_[np.ones(447, int), np.zeros(2553, int)]
    notes: list[str] = []
    idx = _split(y, (200, 100, 500), np.random.default_rng(1), notes, balanced=True)
    assert [int(y[i].sum()) for i in idx] == [100, 50, 250]
    assert [len(i) for i in idx] == [200, 100, 500]


def test_csv_non_numeric_cell_names_line_and_column(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text("label,a,b\n1,0.5,1.0\n0,0.25,abc\n")
    with pytest.raises(DataError, match=r"line 3, column 3 \(b\): 'abc' is not a number"):
        read_csv(f)
    g = tmp_path / "y.csv"
    g.write_text("1,0.5,\n0,nan,2\n")  # blank and nan cells stay NaN (counted and dropped later)
    assert np.isnan(read_csv(g).data).sum() == 2


def test_blank_first_label_is_not_a_header(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_text(",0.5,1.0\n1,0.1,0.2\n0,0.3,0.4\n")
    with pytest.raises(DataError, match="1 rows have no label"):
        read_csv(f)


def _args(events: Path, **kw: object) -> argparse.Namespace:
    base = {"events": str(events), "csv_layout": None, "tree": None, "branches": None, "label": None}
    base.update(kw)
    return argparse.Namespace(**base)


def test_cli_reads_csv_whatever_the_suffix_case(tmp_path: Path) -> None:
    from qtilab.cli.hep import _load_table

    f = tmp_path / "EVENTS.CSV"
    f.write_text("1,0.5,1.0\n0,0.25,2.0\n1,0.75,3.0\n")
    t = _load_table(_args(f))
    assert len(t) == 3 and t.n_signal == 2


def test_cli_reads_root_with_a_branch_map(tmp_path: Path) -> None:
    uproot = pytest.importorskip("uproot")
    from qtilab.cli.hep import _load_table
    from qtilab.errors import ConfigError

    f = tmp_path / "ev.root"
    with uproot.recreate(f) as out:
        out["events"] = {"pt": np.array([10.0, 20.0, 30.0]), "eta": np.array([0.1, -0.2, 0.3]),
                         "is_sig": np.array([1, 0, 1], dtype=np.int32)}
    mapfile = tmp_path / "branches.txt"
    mapfile.write_text("# feature = branch\nlead_pt = pt\nlead_eta = eta\n")
    for branches in ("lead_pt=pt,lead_eta=eta", str(mapfile)):
        t = _load_table(_args(f, tree="events", branches=branches, label="is_sig"))
        assert t.columns[:2] == ("lead_pt", "lead_eta") or set(("lead_pt", "lead_eta")) <= set(t.columns)
        assert t.n_signal == 2 and np.allclose(t.features(["lead_pt"])[:, 0], [10, 20, 30])
    with pytest.raises(ConfigError, match="--tree"):
        _load_table(_args(f))


def test_reused_out_folder_keeps_no_stale_figures(tmp_path: Path) -> None:
    from qtilab.cli.hep import _remove_stale_figures

    (tmp_path / "scan_qubits.png").write_bytes(b"old")
    (tmp_path / "notes.txt").write_text("mine")
    _remove_stale_figures(tmp_path)
    assert not (tmp_path / "scan_qubits.png").exists() and (tmp_path / "notes.txt").exists()


def test_cli_warnings_print_without_source_locations(capsys: pytest.CaptureFixture[str]) -> None:
    from qtilab.cli import main

    old = warnings.formatwarning
    try:
        main(["docs", "--path", "hep"])
        text = warnings.formatwarning(UserWarning("test split shrunk"), UserWarning, "/x/qsvm.py", 12)
        assert text == "warning: test split shrunk\n"
    finally:
        warnings.formatwarning = old


def test_docs_column_counts_match_the_schema() -> None:
    import re

    from qtilab.hep.events import TTH_FEATURES, TTH_SCHEMA

    text = (Path(__file__).resolve().parents[2] / "docs" / "hep.md").read_text()
    m = re.search(r"Every generated table has these (\d+) columns", text)
    assert m and int(m.group(1)) == len(TTH_SCHEMA)
    f = re.search(r"\(`TTH_FEATURES`, (\d+)\s+features\)", text)
    assert f and int(f.group(1)) == len(TTH_FEATURES)
    assert f"8000 events, {len(TTH_SCHEMA)} columns" in text  # the quick start's `hep info` comment
