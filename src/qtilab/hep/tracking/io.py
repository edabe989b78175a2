"""TrackML CSV events and hit graphs in the HEP.TrkX / Exa.TrkX npz layout.

TrackML event files (Kaggle TrackML challenge layout), one set per event ``eventNNN``:

- ``eventNNN-hits.csv``: ``hit_id, x, y, z, volume_id, layer_id, module_id`` (mm);
- ``eventNNN-truth.csv``: ``hit_id, particle_id, tx, ty, tz, tpx, tpy, tpz, weight``
  (particle_id 0 marks a noise hit);
- ``eventNNN-particles.csv``: ``particle_id, vx, vy, vz, px, py, pz, q, nhits`` (GeV, mm);
- ``eventNNN-cells.csv`` is optional and not read.

Hit graphs (the layout of HEP.TrkX and QTrkX's preprocessed graphs), one ``.npz`` per graph:
``X`` (hits x 3: r/1000 mm, phi/pi, z/1000 mm), ``Ri_rows``/``Ri_cols`` (incidence of each edge
to its outer hit: rows are hit indices, cols edge indices), ``Ro_rows``/``Ro_cols`` (the same for
the inner hit), ``y`` (1 if the edge joins consecutive hits of one particle). qtilab adds the
optional arrays ``hit_id``, ``particle_id`` and ``weight`` (for track scoring) when it writes a graph;
files without them are read as well.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qtilab.errors import DataError

HIT_COLUMNS = ("hit_id", "x", "y", "z", "volume_id", "layer_id", "module_id")
TRUTH_COLUMNS = ("hit_id", "particle_id", "tx", "ty", "tz", "tpx", "tpy", "tpz", "weight")
PARTICLE_COLUMNS = ("particle_id", "vx", "vy", "vz", "px", "py", "pz", "q", "nhits")
_INT_COLUMNS = {"hit_id", "volume_id", "layer_id", "module_id", "particle_id", "q", "nhits"}


@dataclass
class TrackMLEvent:
    """One event: ``hits``, ``truth`` and ``particles`` as dicts of equal-length arrays."""

    hits: dict[str, np.ndarray]
    truth: dict[str, np.ndarray]
    particles: dict[str, np.ndarray]
    name: str = "event"
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def n_hits(self) -> int:
        return int(len(self.hits["hit_id"]))

    def hit_particle(self) -> np.ndarray:
        """The particle_id of each hit, in the order of ``hits`` (0 for noise)."""
        order = np.argsort(self.truth["hit_id"])
        pos = np.searchsorted(self.truth["hit_id"], self.hits["hit_id"], sorter=order)
        return np.asarray(self.truth["particle_id"][order[pos]])


def _read_table(path: Path, columns: Sequence[str]) -> dict[str, np.ndarray]:
    if not path.exists():
        raise DataError(f"{path}: file not found")
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise DataError(f"{path}: empty file (expected a header with {', '.join(columns)})") from None
    missing = [c for c in columns if c not in header]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)} (found {', '.join(header)})")
    idx = [header.index(c) for c in columns]
    try:
        raw = np.loadtxt(path, delimiter=",", skiprows=1, usecols=idx, ndmin=2, dtype=np.float64)
    except ValueError as exc:
        raise DataError(f"{path}: cannot read a numeric table: {exc}") from None
    out: dict[str, np.ndarray] = {}
    for j, c in enumerate(columns):
        col = raw[:, j]
        if not np.all(np.isfinite(col)):
            row = int(np.flatnonzero(~np.isfinite(col))[0]) + 2
            raise DataError(f"{path}: column {c!r} has a non-finite value on line {row}")
        out[c] = col.astype(np.int64) if c in _INT_COLUMNS else col
    return out


def read_trackml_event(prefix: str | Path) -> TrackMLEvent:
    """Read ``{prefix}-hits.csv``, ``-truth.csv`` and ``-particles.csv``.

    Raises
    ------
    DataError: a file is missing or lacks a column, a value is not numeric, or the truth file
        names hit_ids that are not in the hits file (or leaves hits without truth).
    """
    prefix = Path(prefix)
    base = str(prefix)
    hits = _read_table(Path(base + "-hits.csv"), HIT_COLUMNS)
    truth = _read_table(Path(base + "-truth.csv"), TRUTH_COLUMNS)
    particles = _read_table(Path(base + "-particles.csv"), PARTICLE_COLUMNS)
    hid = np.sort(hits["hit_id"])
    if len(np.unique(hid)) != len(hid):
        raise DataError(f"{base}-hits.csv: hit_id values are not unique")
    pos = np.searchsorted(hid, truth["hit_id"])
    pos = np.clip(pos, 0, len(hid) - 1)
    unknown = truth["hit_id"][hid[pos] != truth["hit_id"]] if len(hid) else truth["hit_id"]
    if len(unknown):
        raise DataError(
            f"{base}-truth.csv: field hit_id names {len(unknown)} hit(s) not in the hits file "
            f"(first: {int(unknown[0])})"
        )
    if len(truth["hit_id"]) != len(hid):
        raise DataError(
            f"{base}-truth.csv: {len(truth['hit_id'])} rows for {len(hid)} hits; every hit needs one truth row"
        )
    return TrackMLEvent(hits, truth, particles, name=prefix.name)


def _write_table(path: Path, data: dict[str, np.ndarray], columns: Sequence[str]) -> None:
    fmt = ["%d" if c in _INT_COLUMNS else "%.6g" for c in columns]
    with path.open("w") as fh:
        fh.write(",".join(columns) + "\n")
        np.savetxt(fh, np.column_stack([np.asarray(data[c], dtype=np.float64) for c in columns]),
                   fmt=fmt, delimiter=",")


def write_trackml_event(event: TrackMLEvent, prefix: str | Path) -> list[Path]:
    """Write ``{prefix}-hits.csv``, ``-truth.csv`` and ``-particles.csv``; returns the paths."""
    prefix = Path(prefix)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for suffix, data, cols in (("hits", event.hits, HIT_COLUMNS), ("truth", event.truth, TRUTH_COLUMNS),
                               ("particles", event.particles, PARTICLE_COLUMNS)):
        p = Path(f"{prefix}-{suffix}.csv")
        _write_table(p, data, cols)
        paths.append(p)
    return paths


@dataclass
class HitGraph:
    """A hit graph: node features ``X`` (n_hits, 3), edge incidence, edge labels ``y``.

    ``inner[e]`` / ``outer[e]`` are the hit indices of edge e's inner and outer hit (the
    ``Ro`` and ``Ri`` incidence of the npz layout). ``hit_id`` and ``particle_id`` per hit are
    optional (needed for track scoring).
    """

    X: np.ndarray
    inner: np.ndarray
    outer: np.ndarray
    y: np.ndarray
    hit_id: np.ndarray | None = None
    particle_id: np.ndarray | None = None
    name: str = "graph"
    #: TrackML hit weights (for the weighted track score); optional
    weight: np.ndarray | None = None

    @property
    def n_hits(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_edges(self) -> int:
        return int(self.inner.shape[0])

    def validate(self, where: str | None = None) -> None:
        """Check shapes and index ranges; raises DataError naming the field."""
        w = where or self.name
        if self.X.ndim != 2 or self.X.shape[1] != 3:
            raise DataError(f"{w}: field X must have shape (n_hits, 3), got {self.X.shape}")
        if not np.all(np.isfinite(self.X)):
            raise DataError(f"{w}: field X has non-finite values")
        ne = self.inner.shape[0]
        for name, arr in (("Ro (inner hit)", self.inner), ("Ri (outer hit)", self.outer), ("y", self.y)):
            if arr.ndim != 1 or arr.shape[0] != ne:
                raise DataError(f"{w}: field {name} has shape {arr.shape}, expected ({ne},) (one per edge)")
        for name, arr in (("Ro_rows", self.inner), ("Ri_rows", self.outer)):
            if ne and (arr.min() < 0 or arr.max() >= self.n_hits):
                raise DataError(f"{w}: field {name} refers to hit {int(arr.max())}, but the graph has {self.n_hits} hits")
        if ne and not np.all((self.y == 0) | (self.y == 1)):
            raise DataError(f"{w}: field y must hold 0/1 labels")
        for name, opt in (("hit_id", self.hit_id), ("particle_id", self.particle_id), ("weight", self.weight)):
            if opt is not None and opt.shape != (self.n_hits,):
                raise DataError(f"{w}: field {name} has shape {opt.shape}, expected ({self.n_hits},)")


def _incidence(z: Any, rows_key: str, cols_key: str, n_edges: int, path: Path) -> np.ndarray:
    rows = np.asarray(z[rows_key]).astype(np.int64).reshape(-1)
    cols = np.asarray(z[cols_key]).astype(np.int64).reshape(-1)
    if rows.shape != cols.shape:
        raise DataError(f"{path}: fields {rows_key} and {cols_key} have different lengths ({rows.size} and {cols.size})")
    if cols.size != n_edges or (n_edges and not np.array_equal(np.sort(cols), np.arange(n_edges))):
        raise DataError(
            f"{path}: field {cols_key} must name every edge 0..{n_edges - 1} exactly once "
            f"(got {cols.size} entries for {n_edges} edges in y)"
        )
    out = np.empty(n_edges, dtype=np.int64)
    out[cols] = rows
    return out


def read_graph(path: str | Path) -> HitGraph:
    """Read one hit graph in the HEP.TrkX npz layout (also QTrkX's preprocessed graphs)."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    try:
        z = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: not a readable npz file ({exc})") from None
    with z:
        missing = [k for k in ("X", "Ri_rows", "Ri_cols", "Ro_rows", "Ro_cols", "y") if k not in z.files]
        if missing:
            raise DataError(f"{path}: missing field(s) {', '.join(missing)}")
        X = np.asarray(z["X"], dtype=np.float64)
        y = np.asarray(z["y"]).astype(np.float64).reshape(-1)
        outer = _incidence(z, "Ri_rows", "Ri_cols", y.size, path)
        inner = _incidence(z, "Ro_rows", "Ro_cols", y.size, path)
        hit_id = np.asarray(z["hit_id"], dtype=np.int64) if "hit_id" in z.files else None
        pid = np.asarray(z["particle_id"], dtype=np.int64) if "particle_id" in z.files else None
        weight = np.asarray(z["weight"], dtype=np.float64) if "weight" in z.files else None
    g = HitGraph(X, inner, outer, y, hit_id, pid, name=path.name, weight=weight)
    g.validate(str(path))
    return g


def write_graph(graph: HitGraph, path: str | Path) -> Path:
    """Write a hit graph as compressed npz in the HEP.TrkX layout (float32 X, as the originals)."""
    graph.validate()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    e = np.arange(graph.n_edges, dtype=np.int64)
    arrays: dict[str, np.ndarray] = {
        "X": graph.X.astype(np.float32),
        "Ri_rows": graph.outer.astype(np.int64), "Ri_cols": e,
        "Ro_rows": graph.inner.astype(np.int64), "Ro_cols": e,
        "y": graph.y.astype(np.float32),
    }
    if graph.hit_id is not None:
        arrays["hit_id"] = graph.hit_id.astype(np.int64)
    if graph.particle_id is not None:
        arrays["particle_id"] = graph.particle_id.astype(np.int64)
    if graph.weight is not None:
        arrays["weight"] = graph.weight.astype(np.float32)
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]
    return path


def read_graphs(folder: str | Path, limit: int | None = None) -> list[HitGraph]:
    """Read every ``*.npz`` graph of a folder, in name order (at most ``limit``)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"{folder}: not a folder of graph .npz files")
    files = sorted(folder.glob("*.npz"))
    if not files:
        raise DataError(f"{folder}: no .npz graph files")
    return [read_graph(f) for f in files[: limit if limit else None]]
