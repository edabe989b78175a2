"""One way to write a study's report: JSON + Markdown + HTML + PNG figures, with provenance.

A study builds a :class:`Report`, adds sections, tables, figures and a JSON-able ``data`` dict,
then calls :meth:`Report.write` with an output folder::

    rep = Report("QSVM study", meta={"seed": 1}, config=cfg)   # cfg: the study's config dataclass
    rep.add_headline("QSVM test AUC", 0.81, error=0.01)
    rep.add_text("Summary", "QSVM AUC 0.81 +- 0.01")
    rep.add_table("AUC", ["method", "AUC"], [["QSVM", 0.81], ["SVM", 0.82]])
    rep.add_input("events.npz")                      # path, size and SHA-256 recorded
    fig = rep.new_figure("roc")                      # a matplotlib Figure, saved as roc.png
    fig.gca().plot([0, 1], [0, 1])
    rep.data["auc"] = {"qsvm": 0.81}
    paths = rep.write("out/")                        # report.json, report.md, report.html, roc.png

``report.json`` carries a ``schema`` number and a ``provenance`` block (command line, config,
seeds, library versions, inputs with SHA-256, generator settings, machine, start and wall time;
see :mod:`qtilab.report.provenance`). Markdown and HTML are rendered from the JSON document by
:mod:`qtilab.report.render`, so a site built later from the JSON shows the same page.

matplotlib is imported only when a figure is made (the ``plot`` extra).
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qtilab._optional import require
from qtilab.report import provenance as _prov
from qtilab.report import render as _render
from qtilab.report.quantities import Quantity, QuantityLike, as_quantity, flatten, humanize


def _jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays, dataclasses and paths to plain JSON values."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return _jsonable(obj.item())
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, complex):
        return {"re": obj.real, "im": obj.imag}
    if isinstance(obj, Path):
        return str(obj)
    if hasattr(obj, "__dataclass_fields__") and not isinstance(obj, type):
        from dataclasses import asdict

        return _jsonable(asdict(obj))
    return obj


_fmt = _render.fmt


@dataclass
class _Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""
    units: list[str] | None = None
    keys: list[str] | None = None


@dataclass
class _Figure:
    name: str
    caption: str
    figure: Any


@dataclass
class Report:
    """A study report. See the module docstring for an example.

    Parameters
    ----------
    title
        The report's title.
    meta
        A few key facts shown on the line under the title (seed, sizes...).
    data
        The JSON-able numbers of the study (``qtilab report diff`` compares them).
    config
        The study's config dataclass (or a mapping); recorded in the provenance, its seeds too.
    """

    title: str
    meta: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    _blocks: list[tuple[str, Any]] = field(default_factory=list)
    config: Any = None
    _created: float = field(default_factory=time.time)
    _inputs: list[dict[str, Any]] = field(default_factory=list)
    _generators: list[dict[str, Any]] = field(default_factory=list)
    _seeds: dict[str, Any] = field(default_factory=dict)
    _headline: list[dict[str, Any]] = field(default_factory=list)

    # -- content ---------------------------------------------------------------------------
    def add_text(self, heading: str, text: str) -> None:
        """Add a section with a heading and Markdown text (code fences and tables render)."""
        self._blocks.append(("text", (heading, text)))

    def add_table(
        self, title: str, columns: list[str], rows: list[list[Any]], note: str = "",
        units: Sequence[str | None] | None = None,
    ) -> None:
        """Add a table; values are formatted with 4 significant digits.

        ``units`` (optional) gives one unit per column ("" or None for none); the header then
        reads ``column (unit)`` and the JSON keeps the units apart from the names.
        """
        for r in rows:
            if len(r) != len(columns):
                raise ValueError(f"table {title!r}: row {r!r} has {len(r)} cells, expected {len(columns)}")
        u = None
        if units is not None:
            if len(units) != len(columns):
                raise ValueError(f"table {title!r}: {len(units)} units for {len(columns)} columns")
            u = [x or "" for x in units]
        self._blocks.append(("table", _Table(title, list(columns), [list(r) for r in rows], note, u)))

    def add_quantities(
        self, title: str, values: Mapping[str, Any], labels: Mapping[str, QuantityLike] | None = None,
        note: str = "", *, only_labelled: bool = False,
    ) -> None:
        """Add a ``quantity | value | unit`` table from raw result keys.

        Nested mappings are flattened to dotted keys (``decoy_bounds.y1_lower``); ``labels`` maps a
        key to a :class:`Quantity` (label, unit, display scale) or a ``(label, unit)`` pair. Keys
        without a label are shown with underscores as spaces (or left out with
        ``only_labelled=True``). The raw keys stay in the JSON (``keys``).
        """
        labels = labels or {}
        rows: list[list[Any]] = []
        keys: list[str] = []
        for k, v in flatten(values).items():
            if isinstance(v, (list, tuple, dict)):
                continue
            if k in labels:
                q: Quantity = as_quantity(labels[k])
            elif only_labelled:
                continue
            else:
                q = Quantity(humanize(k))
            rows.append([q.label, q.show(v), q.unit])
            keys.append(k)
        self._blocks.append(("table", _Table(title, ["quantity", "value", "unit"], rows, note, None, keys)))

    def add_headline(self, label: str, value: Any, unit: str = "", error: Any = None) -> None:
        """A headline number, shown at the top of the report and on the site's index."""
        self._headline.append({"label": label, "value": value, "unit": unit, "error": error})

    def new_figure(self, name: str, caption: str = "", figsize: tuple[float, float] = (6.4, 4.4)) -> Any:
        """Create a matplotlib figure in the qtilab style, saved as ``name.png`` by :meth:`write`."""
        self._check_name(name)
        require("matplotlib", extra="plot")
        from qtilab.report.style import new_figure

        fig = new_figure(figsize)
        self._blocks.append(("figure", _Figure(name, caption, fig)))
        return fig

    def add_figure(self, name: str, figure: Any, caption: str = "") -> None:
        """Add an existing matplotlib figure."""
        self._check_name(name)
        self._blocks.append(("figure", _Figure(name, caption, figure)))

    @staticmethod
    def _check_name(name: str) -> None:
        if not name or not name.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"figure name {name!r} must be alphanumeric (with - or _)")

    # -- provenance ------------------------------------------------------------------------
    def set_config(self, config: Any) -> None:
        """Record the study's config dataclass (or mapping) in the provenance."""
        _prov.config_dict(config)  # type check now, not at write time
        self.config = config

    def add_seed(self, name: str, value: int | None) -> None:
        """Record a seed that is not a field of the config."""
        self._seeds[name] = value

    def add_input(self, path: str | os.PathLike[str], role: str = "") -> str:
        """Record an input file: its path, size and SHA-256 (computed now). Returns the hash."""
        p = Path(path)
        if not p.is_file():
            from qtilab.errors import DataError

            raise DataError(f"input file {str(p)!r} does not exist (Report.add_input records existing files)")
        digest = _prov.sha256_file(p)
        self._inputs.append({"path": str(p.resolve()), "role": role, "bytes": p.stat().st_size, "sha256": digest})
        return digest

    def add_generator_settings(self, settings: Mapping[str, Any], name: str = "generator") -> None:
        """Record how generated data were made (e.g. Pythia's process, sqrt(s), tune, seed)."""
        self._generators.append({"name": name, "settings": _jsonable(dict(settings))})

    # -- output ----------------------------------------------------------------------------
    def to_dict(self, out_dir: str | os.PathLike[str] | None = None,
                files: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The report document written to ``report.json`` (schema :data:`SCHEMA_VERSION`)."""
        blocks: list[dict[str, Any]] = []
        tables = []
        for kind, b in self._blocks:
            if kind == "text":
                blocks.append({"kind": "text", "heading": b[0], "text": b[1]})
            elif kind == "table":
                t: dict[str, Any] = {"title": b.title, "columns": b.columns, "rows": b.rows, "note": b.note}
                if b.units is not None:
                    t["units"] = b.units
                if b.keys is not None:
                    t["keys"] = b.keys
                tables.append(t)
                blocks.append({"kind": "table", **t})
            else:
                blocks.append({"kind": "figure", "file": f"{b.name}.png", "caption": b.caption})
        figures = [f"{f.name}.png" for kind, f in self._blocks if kind == "figure"]
        prov = _prov.collect(created=self._created, config=self.config, meta=self.meta, seeds=self._seeds,
                             inputs=self._inputs, generators=self._generators, out_dir=out_dir)
        meta = {
            "qtilab_version": prov["versions"]["qtilab"],
            "created": prov["written"],
            "python": prov["versions"]["python"],
            "machine": prov["machine"]["machine"],
            **self.meta,
        }
        doc = {
            "schema": _prov.SCHEMA_VERSION,
            "title": self.title,
            "meta": meta,
            "user_meta": self.meta,
            "headline": self._headline,
            "data": self.data,
            "tables": tables,
            "figures": figures,
            "blocks": blocks,
            "files": dict(files or {}),
            "provenance": prov,
        }
        out: dict[str, Any] = _jsonable(doc)
        return out

    def markdown(self) -> str:
        """The report as Markdown (rendered from :meth:`to_dict`)."""
        return _render.markdown(self.to_dict())

    def html(self) -> str:
        """The report as one HTML page (Markdown rendered by markdown-it-py)."""
        return _render.report_html(self.to_dict())

    def write(self, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
        """Write ``report.json``, ``report.md``, ``report.html`` and one PNG per figure.

        Figures get the shared style's final touches (:func:`qtilab.report.style.finish`).
        Returns a dict of the written paths keyed by ``json``, ``md``, ``html`` and figure names.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths: dict[str, Path] = {}
        files: dict[str, str] = {}
        for kind, b in self._blocks:
            if kind == "figure":
                from qtilab.report.style import finish

                p = out / f"{b.name}.png"
                finish(b.figure)
                b.figure.tight_layout()
                b.figure.savefig(p, dpi=110, bbox_inches="tight")
                import matplotlib.pyplot as plt

                plt.close(b.figure)
                paths[b.name] = p
                files[p.name] = _prov.sha256_file(p)
        doc = self.to_dict(out_dir=out, files=files)
        paths["json"] = out / "report.json"
        paths["json"].write_text(json.dumps(doc, indent=2, allow_nan=False) + "\n")
        paths["md"] = out / "report.md"
        paths["md"].write_text(_render.markdown(doc) + "\n")
        paths["html"] = out / "report.html"
        paths["html"].write_text(_render.report_html(doc))
        return paths
