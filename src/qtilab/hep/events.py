"""Event tables: columns of per-event numbers, a 0/1 label, a schema, and their files.

An :class:`EventTable` is the one currency of the HEP studies: a float array ``data`` of shape
``(n_events, n_columns)``, the column names, an integer ``label`` per event (1 = signal,
0 = background), a ``schema`` (column -> unit and description) and free ``meta`` data (generator
settings, cross sections, selection counts).

Files
-----
- ``.npz`` (compressed numpy): arrays ``data`` (float32), ``label`` (int8), ``columns`` and the
  JSON strings ``schema`` and ``meta``. Written by :meth:`EventTable.save`.
- ``.parquet``: one column per feature plus ``label``; schema and meta are stored as JSON in the
  file's key-value metadata (needs ``pyarrow``).
- ROOT TTrees through uproot (:func:`read_root`), with a mapping from feature names to branches.
- CSV with the label in the first column, the layout of the UCI SUSY and HIGGS data sets
  (:func:`read_csv`).

Examples
--------
>>> from qtilab.hep.events import load_sample
>>> t = load_sample()                       # the shipped ttH(γγ) vs γγ sample
>>> X = t.features()                        # the default feature set, shape (n, 25)
>>> int(t.label.sum()) > 0
True
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qtilab.errors import DataError

# ---------------------------------------------------------------------------------------------
# The schema of the generated ttH(γγ) tables (see docs/hep.md for the physics)
# ---------------------------------------------------------------------------------------------

#: maximum number of jets stored per event (leading in pT); missing jets are zero-padded
N_JETS = 4

_SCHEMA_LIST: list[tuple[str, str, str]] = [
    ("process", "1", "generated process: 0 pp->yy, 1 tt+yy (double parton scattering), 2 ttH(yy) (not a feature)"),
    ("m_yy", "GeV", "diphoton invariant mass (not a feature: the signal peaks here)"),
    ("y1_pt_m", "1", "leading photon pT divided by m_yy"),
    ("y1_eta", "1", "leading photon pseudorapidity"),
    ("y1_phi", "rad", "leading photon azimuth (not a feature: symmetric)"),
    ("y2_pt_m", "1", "subleading photon pT divided by m_yy"),
    ("y2_eta", "1", "subleading photon pseudorapidity"),
    ("y2_phi", "rad", "subleading photon azimuth (not a feature)"),
    ("yy_pt", "GeV", "transverse momentum of the diphoton system"),
    ("yy_dphi", "rad", "|delta phi| between the two photons"),
    ("n_jets", "1", "number of jets (anti-kt R=0.4, pT > 25 GeV, |eta| < 4.5)"),
    ("n_bjets", "1", "number of b-tagged jets (|eta| < 2.5)"),
    ("n_leptons", "1", "number of isolated electrons and muons (pT > 10 GeV)"),
    ("ht", "GeV", "scalar sum of jet pT"),
    ("met", "GeV", "missing transverse momentum"),
    ("met_phi", "rad", "azimuth of the missing transverse momentum (not a feature)"),
]
for _k in range(1, N_JETS + 1):
    _SCHEMA_LIST += [
        (f"j{_k}_pt", "GeV", f"jet {_k} pT (0 if absent)"),
        (f"j{_k}_eta", "1", f"jet {_k} pseudorapidity (0 if absent)"),
        (f"j{_k}_phi", "rad", f"jet {_k} azimuth (0 if absent; not a feature)"),
        (f"j{_k}_btag", "1", f"jet {_k} b-tag flag 0/1 (0 if absent)"),
    ]
_SCHEMA_LIST += [
    ("l1_pt", "GeV", "leading isolated lepton pT (0 if absent)"),
    ("l1_eta", "1", "leading isolated lepton pseudorapidity (0 if absent)"),
]

#: column -> {"unit", "description"} of the generated ttH(γγ) tables
TTH_SCHEMA: dict[str, dict[str, str]] = {
    name: {"unit": unit, "description": desc} for name, unit, desc in _SCHEMA_LIST
}

#: the default feature set of the ttH(γγ) study: everything but m_yy and the azimuths
TTH_FEATURES: tuple[str, ...] = tuple(
    n for n in TTH_SCHEMA if n not in ("m_yy", "process") and not n.endswith("_phi")
)

#: column names of the UCI SUSY data set (label first, then these 18)
SUSY_COLUMNS: tuple[str, ...] = (
    "lepton1_pt", "lepton1_eta", "lepton1_phi", "lepton2_pt", "lepton2_eta", "lepton2_phi",
    "met", "met_phi", "met_rel", "axial_met", "m_r", "m_tr_2", "r", "mt2", "s_r",
    "m_delta_r", "dphi_r_b", "cos_theta_r1",
)  # fmt: skip

#: column names of the UCI HIGGS data set (label first, then these 28)
HIGGS_COLUMNS: tuple[str, ...] = (
    "lepton_pt", "lepton_eta", "lepton_phi", "met", "met_phi",
    *(f"jet{k}_{v}" for k in range(1, 5) for v in ("pt", "eta", "phi", "btag")),
    "m_jj", "m_jjj", "m_lv", "m_jlv", "m_bb", "m_wbb", "m_wwbb",
)  # fmt: skip

_LAYOUTS = {"susy": SUSY_COLUMNS, "higgs": HIGGS_COLUMNS}


@dataclass
class EventTable:
    """Per-event numbers with a 0/1 label.

    Parameters
    ----------
    data : ndarray, shape (n_events, n_columns)
        The values (stored as float64 in memory, float32 in npz files).
    columns : sequence of str
        Column names, unique.
    label : ndarray, shape (n_events,)
        1 for signal, 0 for background.
    schema : dict
        ``column -> {"unit": ..., "description": ...}`` for the columns that have one.
    meta : dict
        JSON-able free data: generator settings, cross sections, selection counts, source file.
    """

    data: np.ndarray
    columns: tuple[str, ...]
    label: np.ndarray
    schema: dict[str, dict[str, str]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.columns = tuple(str(c) for c in self.columns)
        self.data = np.asarray(self.data, dtype=np.float64)
        if self.data.ndim != 2 or self.data.shape[1] != len(self.columns):
            raise DataError(
                f"event data must have shape (n_events, {len(self.columns)}) to match the "
                f"columns, got {self.data.shape}"
            )
        if len(set(self.columns)) != len(self.columns):
            dup = sorted({c for c in self.columns if self.columns.count(c) > 1})
            raise DataError(f"duplicate column names {dup}; give every column a unique name")
        lab = np.asarray(self.label)
        if lab.shape != (self.data.shape[0],):
            raise DataError(f"label must have shape ({self.data.shape[0]},), got {lab.shape}")
        if lab.size and not np.all(np.isin(lab, (0, 1))):
            bad = np.unique(lab[~np.isin(lab, (0, 1))])[:5]
            raise DataError(f"labels must be 0 (background) or 1 (signal); found {bad.tolist()}")
        self.label = lab.astype(np.int8)

    def __len__(self) -> int:
        return int(self.data.shape[0])

    @property
    def n_signal(self) -> int:
        return int(np.count_nonzero(self.label == 1))

    @property
    def n_background(self) -> int:
        return int(np.count_nonzero(self.label == 0))

    def column(self, name: str) -> np.ndarray:
        """One column as a float array."""
        return self.data[:, self._index([name])[0]]

    def _index(self, names: Sequence[str]) -> list[int]:
        pos = {c: i for i, c in enumerate(self.columns)}
        missing = [n for n in names if n not in pos]
        if missing:
            raise DataError(
                f"columns {missing} are not in the event table; it has {list(self.columns)}"
            )
        return [pos[n] for n in names]

    def features(self, names: Sequence[str] | None = None) -> np.ndarray:
        """The feature matrix for ``names`` (default: :data:`TTH_FEATURES` when present,
        else every column)."""
        if names is None:
            names = self.default_features()
        return self.data[:, self._index(list(names))]

    def default_features(self) -> tuple[str, ...]:
        """:data:`TTH_FEATURES` for a generated ttH table, else every column."""
        if all(n in self.columns for n in TTH_FEATURES):
            return TTH_FEATURES
        return self.columns

    def subset(self, index: np.ndarray) -> EventTable:
        """The events at ``index`` (an integer array or a boolean mask)."""
        return EventTable(self.data[index], self.columns, self.label[index], self.schema, dict(self.meta))

    def drop_nan(self, names: Sequence[str] | None = None) -> tuple[EventTable, int]:
        """Drop the events with a NaN or infinity in the ``names`` columns (default: all).

        Returns the cleaned table and the number of events dropped.
        """
        cols = self.data if names is None else self.features(names)
        ok = np.all(np.isfinite(cols), axis=1)
        return self.subset(ok), int(np.count_nonzero(~ok))

    @staticmethod
    def concat(tables: Sequence[EventTable]) -> EventTable:
        """Stack tables with identical columns (meta of the first, plus ``parts``)."""
        if not tables:
            raise DataError("no tables to concatenate")
        cols = tables[0].columns
        for t in tables[1:]:
            if t.columns != cols:
                raise DataError("tables to concatenate must have the same columns in the same order")
        meta = dict(tables[0].meta)
        meta["parts"] = [t.meta for t in tables]
        return EventTable(
            np.concatenate([t.data for t in tables]),
            cols,
            np.concatenate([t.label for t in tables]),
            dict(tables[0].schema),
            meta,
        )

    # ------------------------------------------------------------------ files
    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write ``.npz`` (compressed, float32 data) or ``.parquet`` (needs pyarrow)."""
        p = Path(path)
        if p.suffix == ".npz":
            np.savez_compressed(
                p,
                data=self.data.astype(np.float32),
                label=self.label.astype(np.int8),
                columns=np.array(self.columns),
                schema=np.array(json.dumps(self.schema)),
                meta=np.array(json.dumps(_jsonable(self.meta))),
            )
        elif p.suffix == ".parquet":
            from qtilab._optional import require

            pa = require("pyarrow", extra="hep")
            pq = require("pyarrow.parquet", extra="hep")
            arrays = {c: pa.array(self.data[:, i].astype(np.float32)) for i, c in enumerate(self.columns)}
            arrays["label"] = pa.array(self.label.astype(np.int8))
            tab = pa.table(arrays).replace_schema_metadata(
                {"qtilab.schema": json.dumps(self.schema), "qtilab.meta": json.dumps(_jsonable(self.meta))}
            )
            pq.write_table(tab, p, compression="zstd")
        else:
            raise DataError(f"cannot write {p.name!r}: use a .npz or .parquet file name")
        return p

    @staticmethod
    def load(path: str | os.PathLike[str]) -> EventTable:
        """Read a table written by :meth:`save` (``.npz`` or ``.parquet``)."""
        p = Path(path)
        if not p.exists():
            raise FileNotFoundError(f"event file {str(p)!r} does not exist")
        if p.suffix == ".npz":
            try:
                with np.load(p, allow_pickle=False) as z:
                    missing = {"data", "label", "columns"} - set(z.files)
                    if missing:
                        raise DataError(
                            f"{p.name}: not a qtilab event table (arrays {sorted(missing)} missing)"
                        )
                    schema = json.loads(str(z["schema"])) if "schema" in z.files else {}
                    meta = json.loads(str(z["meta"])) if "meta" in z.files else {}
                    return EventTable(z["data"], tuple(z["columns"].tolist()), z["label"], schema, meta)
            except (OSError, ValueError) as exc:
                if isinstance(exc, DataError):
                    raise
                raise DataError(f"{p.name}: cannot read as a compressed npz event table: {exc}") from exc
        if p.suffix == ".parquet":
            from qtilab._optional import require

            pq = require("pyarrow.parquet", extra="hep")
            tab = pq.read_table(p)
            names = [n for n in tab.column_names if n != "label"]
            if "label" not in tab.column_names:
                raise DataError(f"{p.name}: no 'label' column")
            data = np.column_stack([tab.column(n).to_numpy().astype(np.float64) for n in names]) if names else np.zeros((tab.num_rows, 0))
            md = tab.schema.metadata or {}
            schema = json.loads(md.get(b"qtilab.schema", b"{}"))
            meta = json.loads(md.get(b"qtilab.meta", b"{}"))
            return EventTable(data, tuple(names), tab.column("label").to_numpy(), schema, meta)
        raise DataError(f"cannot read {p.name!r}: expected a .npz or .parquet event table")


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def load_sample() -> EventTable:
    """The pre-generated ttH(H→γγ) vs pp→γγ sample shipped with qtilab.

    Made with :func:`qtilab.hep.generation.generate` (Pythia 8, 13 TeV, the parametric detector
    of docs/hep.md); ``meta`` holds the generator settings, seeds, cross sections and selection
    efficiencies.
    """
    from importlib import resources

    ref = resources.files("qtilab.hep").joinpath("data/tth_yy_sample.npz")
    with resources.as_file(ref) as p:
        return EventTable.load(p)


# ---------------------------------------------------------------------------------------------
# User data: ROOT and CSV
# ---------------------------------------------------------------------------------------------

_ELEM = re.compile(r"^(?P<branch>[^\[\]]+)\[(?P<idx>\d+)\]$")


def read_root(
    path: str | os.PathLike[str],
    tree: str,
    features: Mapping[str, str],
    *,
    label: int | str,
    fill: float = 0.0,
    entry_stop: int | None = None,
) -> EventTable:
    """Read a ROOT TTree with uproot into an :class:`EventTable`.

    Parameters
    ----------
    path, tree
        The ROOT file and the name of the tree inside it.
    features
        Feature name -> branch. A branch holding one number per event is taken as is; for a
        jagged branch (one value per object, e.g. ``Jet.PT``) write ``"Jet.PT[0]"`` for the
        leading object: events with fewer objects get ``fill``.
    label
        An integer (0 or 1) for a file of one class, or the name of a branch holding 0/1.
    fill
        Value of absent objects in ``branch[i]`` features.
    entry_stop
        Read at most this many events.

    Examples
    --------
    >>> t = read_root("ttH.root", "Delphes",                      # doctest: +SKIP
    ...               {"y1_pt": "Photon.PT[0]", "met": "MissingET.MET[0]"}, label=1)
    """
    from qtilab._optional import require

    uproot = require("uproot", extra="hep")
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"ROOT file {str(p)!r} does not exist")
    if not features:
        raise DataError("give at least one feature: a mapping {feature name: branch name}")
    try:
        f = uproot.open(p)
    except Exception as exc:  # uproot raises many kinds of errors on a bad file
        raise DataError(f"{p.name}: cannot open as a ROOT file: {exc}") from exc
    with f:
        if tree not in f:
            trees = [k.split(";")[0] for k, c in f.classnames().items() if c == "TTree"]
            raise DataError(f"{p.name}: no tree {tree!r}; the file has trees {trees}")
        t = f[tree]
        available = set(t.keys())
        wanted: dict[str, tuple[str, int | None]] = {}
        for name, spec in features.items():
            m = _ELEM.match(spec.strip())
            branch, idx = (m["branch"], int(m["idx"])) if m else (spec.strip(), None)
            wanted[name] = (branch, idx)
        need = {b for b, _ in wanted.values()}
        if isinstance(label, str):
            need.add(label)
        missing = sorted(need - available)
        if missing:
            raise DataError(
                f"{p.name}:{tree}: branches {missing} are not in the tree; it has {sorted(available)}"
            )
        # branch by branch: t.arrays() would turn dotted names (Delphes' "Jet.PT") into records
        arrays = {b: t[b].array(library="ak", entry_stop=entry_stop) for b in sorted(need)}
        ak = require("awkward", extra="hep")
        cols = []
        for name, (branch, idx) in wanted.items():
            a = arrays[branch]
            ndim = a.ndim
            if idx is None:
                if ndim != 1:
                    raise DataError(
                        f"branch {branch!r} (feature {name!r}) holds several values per event; "
                        f"pick one with '{branch}[0]'"
                    )
                cols.append(ak.to_numpy(a).astype(np.float64))
            else:
                if ndim != 2:
                    raise DataError(f"branch {branch!r} holds one value per event; drop the [{idx}]")
                padded = ak.fill_none(ak.pad_none(a, idx + 1, axis=1, clip=True), fill)
                cols.append(ak.to_numpy(padded[:, idx]).astype(np.float64))
        n = int(t.num_entries if entry_stop is None else min(entry_stop, t.num_entries))
        if isinstance(label, str):
            lab = ak.to_numpy(arrays[label])
        else:
            if label not in (0, 1):
                raise DataError(f"label must be 0 or 1 (or a branch name), got {label!r}")
            lab = np.full(n, label)
    data = np.column_stack(cols) if cols else np.zeros((n, 0))
    return EventTable(data, tuple(wanted), lab, {}, {"source": str(p), "tree": tree, "branches": dict(features)})


def _check_non_numeric(p: Path, opener: Any, arr: np.ndarray, delimiter: str, skip: int,
                       header: list[str] | None) -> None:
    """A NaN that came from text other than blank or ``nan`` is an error naming row and column."""
    rows = np.flatnonzero(np.isnan(arr).any(axis=1))
    if rows.size == 0:
        return
    wanted = set(rows.tolist())
    with opener(p, "rt") as fh:
        for i, line in enumerate(fh):
            r = i - skip
            if r < 0 or r not in wanted:
                continue
            cells = line.rstrip("\r\n").split(delimiter)
            for c in np.flatnonzero(np.isnan(arr[r])):
                raw = cells[c].strip() if c < len(cells) else ""
                if raw.lower() not in ("", "nan"):
                    name = f" ({header[c]})" if header and c < len(header) else ""
                    raise DataError(f"{p.name}: line {i + 1}, column {c + 1}{name}: {raw!r} is not a number")
            if r >= rows[-1]:
                return


def read_csv(
    path: str | os.PathLike[str],
    *,
    columns: Sequence[str] | str | None = None,
    max_rows: int | None = None,
    delimiter: str = ",",
) -> EventTable:
    """Read a CSV file with the label (1 signal, 0 background) in the first column.

    This is the layout of the UCI SUSY and HIGGS data sets (no header, label then features).
    A header line is recognised when its first field is not a number; its names are used.
    Empty fields and ``nan`` become NaN (drop them with :meth:`EventTable.drop_nan`).
    ``.gz`` files are read directly.

    Parameters
    ----------
    columns
        Feature names, or ``"susy"`` / ``"higgs"`` for the UCI names; default: the header's
        names, else ``x0, x1, ...``.
    max_rows
        Read at most this many events (HIGGS has 11 million).
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"CSV file {str(p)!r} does not exist")
    import gzip

    opener = gzip.open if p.suffix.lower() == ".gz" else open
    with opener(p, "rt") as fh:  # type: ignore[operator]
        first = fh.readline()
    if not first.strip():
        raise DataError(f"{p.name}: the file is empty")
    fields = [s.strip() for s in first.split(delimiter)]
    header: list[str] | None = None
    try:
        float(fields[0])
    except ValueError:
        # a name in the first field is a header; a blank one is a data row with a missing label
        if fields[0]:
            header = fields
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # genfromtxt warns on an empty body; we check below
        try:
            arr = np.genfromtxt(
                p,
                delimiter=delimiter,
                skip_header=1 if header else 0,
                max_rows=max_rows,
                dtype=np.float64,
                invalid_raise=True,
            )
        except ValueError as exc:
            raise DataError(f"{p.name}: rows of different lengths or bad values: {exc}") from exc
    arr = np.atleast_2d(arr)
    if arr.size == 0:
        raise DataError(f"{p.name}: no data rows")
    _check_non_numeric(p, opener, arr, delimiter, 1 if header else 0, header)
    if arr.shape[1] < 2:
        raise DataError(f"{p.name}: need a label column and at least one feature column")
    lab = arr[:, 0]
    if np.any(~np.isfinite(lab)):
        raise DataError(f"{p.name}: {int(np.count_nonzero(~np.isfinite(lab)))} rows have no label")
    if not np.all(np.isin(lab, (0.0, 1.0))):
        bad = np.unique(lab[~np.isin(lab, (0.0, 1.0))])[:5]
        raise DataError(
            f"{p.name}: labels (first column) must be 0 (background) or 1 (signal); found {bad.tolist()}"
        )
    nfeat = arr.shape[1] - 1
    if isinstance(columns, str):
        key = columns.lower()
        if key not in _LAYOUTS:
            raise DataError(f"unknown CSV layout {columns!r}; use 'susy', 'higgs' or a list of names")
        names: Sequence[str] = _LAYOUTS[key]
    elif columns is not None:
        names = list(columns)
    elif header is not None:
        names = header[1:]
    else:
        names = [f"x{i}" for i in range(nfeat)]
    if len(names) != nfeat:
        raise DataError(f"{p.name}: {nfeat} feature columns in the file but {len(names)} names given")
    return EventTable(arr[:, 1:], tuple(names), lab.astype(np.int64), {}, {"source": str(p)})
