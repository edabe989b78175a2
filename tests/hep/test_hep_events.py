"""Event tables, their files, the ROOT and CSV readers, and the shipped sample."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from qtilab.errors import DataError
from qtilab.hep.events import (
    HIGGS_COLUMNS,
    SUSY_COLUMNS,
    TTH_FEATURES,
    TTH_SCHEMA,
    EventTable,
    load_sample,
    read_csv,
    read_root,
)


def _table(n: int = 20) -> EventTable:
    rng = np.random.default_rng(0)
    return EventTable(rng.normal(size=(n, 3)), ("a", "b", "c"), np.arange(n) % 2, {"a": {"unit": "GeV", "description": "x"}}, {"k": 1})


def test_table_validation() -> None:
    with pytest.raises(DataError, match="shape"):
        EventTable(np.zeros((3, 2)), ("a", "b", "c"), np.zeros(3))
    with pytest.raises(DataError, match="duplicate"):
        EventTable(np.zeros((3, 2)), ("a", "a"), np.zeros(3))
    with pytest.raises(DataError, match="0 .background. or 1"):
        EventTable(np.zeros((3, 2)), ("a", "b"), np.array([0, 1, 2]))
    with pytest.raises(DataError, match=r"columns \['zz'\] are not in the event table"):
        _table().features(["a", "zz"])


def test_drop_nan_counts() -> None:
    t = _table()
    t.data[3, 1] = np.nan
    t.data[7, 2] = np.inf
    clean, n = t.drop_nan()
    assert n == 2 and len(clean) == 18
    clean, n = t.drop_nan(["a"])
    assert n == 0


def test_npz_round_trip(tmp_path: Path) -> None:
    t = _table()
    t.save(tmp_path / "t.npz")
    u = EventTable.load(tmp_path / "t.npz")
    assert u.columns == t.columns and u.meta == t.meta and u.schema == t.schema
    np.testing.assert_allclose(u.data, t.data.astype(np.float32))
    np.testing.assert_array_equal(u.label, t.label)
    with pytest.raises(DataError, match=".npz or .parquet"):
        t.save(tmp_path / "t.txt")
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="cannot read"):
        EventTable.load(tmp_path / "bad.npz")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(DataError, match="not a qtilab event table"):
        EventTable.load(tmp_path / "other.npz")


def test_parquet_round_trip(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    t = _table()
    t.save(tmp_path / "t.parquet")
    u = EventTable.load(tmp_path / "t.parquet")
    assert u.columns == t.columns and u.meta == t.meta
    np.testing.assert_allclose(u.data, t.data.astype(np.float32))


def test_read_csv_uci_layout(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 18))
    y = np.arange(10) % 2
    rows = np.column_stack([y, X])
    p = tmp_path / "susy.csv.gz"
    with gzip.open(p, "wt") as fh:
        np.savetxt(fh, rows, delimiter=",", fmt="%.18e")  # the UCI file's own number format
    t = read_csv(p, columns="susy")
    assert t.columns == SUSY_COLUMNS and len(t) == 10
    np.testing.assert_allclose(t.data, X)
    np.testing.assert_array_equal(t.label, y)
    assert len(read_csv(p, max_rows=4)) == 4
    assert read_csv(p).columns[0] == "x0"
    assert len(HIGGS_COLUMNS) == 28
    with pytest.raises(DataError, match="18 feature columns in the file but 28 names"):
        read_csv(p, columns="higgs")
    with pytest.raises(DataError, match="unknown CSV layout"):
        read_csv(p, columns="atlas")


def test_read_csv_header_nan_and_bad_labels(tmp_path: Path) -> None:
    p = tmp_path / "h.csv"
    p.write_text("label,pt,eta\n1,50.0,0.1\n0,,0.3\n1,30,nan\n0,20,1.0\n")
    t = read_csv(p)
    assert t.columns == ("pt", "eta")
    assert np.isnan(t.data[1, 0]) and np.isnan(t.data[2, 1])
    assert t.drop_nan()[1] == 2
    (tmp_path / "b.csv").write_text("1,2.0\n0.5,1.0\n")
    with pytest.raises(DataError, match="0 .background. or 1"):
        read_csv(tmp_path / "b.csv")
    (tmp_path / "r.csv").write_text("1,2.0,3.0\n0,1.0\n")
    with pytest.raises(DataError, match="rows of different lengths"):
        read_csv(tmp_path / "r.csv")
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(DataError, match="empty"):
        read_csv(tmp_path / "e.csv")
    with pytest.raises(FileNotFoundError):
        read_csv(tmp_path / "missing.csv")


def test_read_root_with_uproot_written_file(tmp_path: Path) -> None:
    uproot = pytest.importorskip("uproot")
    ak = pytest.importorskip("awkward")
    p = tmp_path / "ev.root"
    met = np.array([10.0, 20.0, 30.0])
    jet_pt = ak.Array([[50.0, 30.0], [], [70.0]])
    with uproot.recreate(p) as f:
        f["Events"] = {"MET": met, "isSig": np.array([1, 0, 1], dtype=np.int32), "Jet": ak.zip({"PT": jet_pt})}
    t = read_root(p, "Events", {"met": "MET", "j1_pt": "Jet.PT[0]", "j2_pt": "Jet.PT[1]"}, label="isSig")
    np.testing.assert_allclose(t.column("met"), met)
    np.testing.assert_allclose(t.column("j1_pt"), [50.0, 0.0, 70.0])
    np.testing.assert_allclose(t.column("j2_pt"), [30.0, 0.0, 0.0])
    np.testing.assert_array_equal(t.label, [1, 0, 1])
    t = read_root(p, "Events", {"met": "MET"}, label=0, fill=-1.0)
    assert t.n_background == 3
    with pytest.raises(DataError, match=r"branches \['Nope'\] are not in the tree"):
        read_root(p, "Events", {"x": "Nope"}, label=1)
    with pytest.raises(DataError, match="no tree 'T'"):
        read_root(p, "T", {"met": "MET"}, label=1)
    with pytest.raises(DataError, match="several values per event"):
        read_root(p, "Events", {"j": "Jet.PT"}, label=1)
    with pytest.raises(DataError, match="label must be 0 or 1"):
        read_root(p, "Events", {"met": "MET"}, label=3)


def test_shipped_sample() -> None:
    from importlib import resources

    ref = resources.files("qtilab.hep").joinpath("data/tth_yy_sample.npz")
    with resources.as_file(ref) as p:
        assert p.stat().st_size < 5 * 2**20
    t = load_sample()
    assert t.columns == tuple(TTH_SCHEMA)
    assert t.n_signal >= 2000 and t.n_background >= 2000
    assert set(TTH_FEATURES) <= set(t.columns) and "m_yy" not in TTH_FEATURES
    m = t.column("m_yy")
    assert np.all((m > 115) & (m < 135))
    assert np.all(np.isfinite(t.data))
    # photons pass the pT / m_yy thresholds, leading >= subleading
    assert np.all(t.column("y1_pt_m") > 0.35) and np.all(t.column("y2_pt_m") > 0.25)
    assert np.all(t.column("y1_pt_m") >= t.column("y2_pt_m"))
    # the physics is there: ttH has jets and b-jets, the diphoton background few
    sig, bkg = t.label == 1, t.label == 0
    yy = t.column("process") == 0
    assert t.column("n_jets")[sig].mean() > 3 > t.column("n_jets")[yy].mean()
    assert t.column("n_bjets")[sig].mean() > 0.8
    assert t.meta["classes"]["signal"]["sigma_pb"] > 0
    # process column: ttH = 2 (signal), yy = 0 and tt+yy = 1 (background), half each
    proc = t.column("process")
    assert np.all(proc[sig] == 2)
    assert np.count_nonzero(proc[bkg] == 0) == np.count_nonzero(proc[bkg] == 1)
