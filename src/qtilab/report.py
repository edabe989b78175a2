"""One way to write a study's report: JSON + Markdown + HTML + PNG figures.

A study builds a :class:`Report`, adds sections, tables, figures and a JSON-able ``data`` dict,
then calls :meth:`Report.write` with an output folder::

    rep = Report("QSVM study", meta={"seed": 1})
    rep.add_text("Summary", "QSVM AUC 0.81 +- 0.01")
    rep.add_table("AUC", ["method", "AUC"], [["QSVM", 0.81], ["SVM", 0.82]])
    fig = rep.new_figure("roc")            # a matplotlib Figure, saved as roc.png
    fig.gca().plot([0, 1], [0, 1])
    rep.data["auc"] = {"qsvm": 0.81}
    paths = rep.write("out/")              # report.json, report.md, report.html, roc.png

matplotlib is imported only when a figure is made (the ``plot`` extra).
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
import os
import platform
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qtilab._optional import require


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
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict

        return _jsonable(asdict(obj))
    return obj


def _fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        x = float(v)
        if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e6):
            return f"{x:.3e}"
        return f"{x:.4g}"
    return str(v)


@dataclass
class _Table:
    title: str
    columns: list[str]
    rows: list[list[Any]]
    note: str = ""


@dataclass
class _Figure:
    name: str
    caption: str
    figure: Any


@dataclass
class Report:
    """A study report. See the module docstring for an example."""

    title: str
    meta: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    _blocks: list[tuple[str, Any]] = field(default_factory=list)

    def add_text(self, heading: str, text: str) -> None:
        """Add a section with a heading and a paragraph of Markdown text."""
        self._blocks.append(("text", (heading, text)))

    def add_table(
        self, title: str, columns: list[str], rows: list[list[Any]], note: str = ""
    ) -> None:
        """Add a table; values are formatted with 4 significant digits."""
        for r in rows:
            if len(r) != len(columns):
                raise ValueError(f"table {title!r}: row {r!r} has {len(r)} cells, expected {len(columns)}")
        self._blocks.append(("table", _Table(title, list(columns), [list(r) for r in rows], note)))

    def new_figure(self, name: str, caption: str = "", figsize: tuple[float, float] = (6.4, 4.4)) -> Any:
        """Create a matplotlib figure that is saved as ``name.png`` by :meth:`write`."""
        if not name.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"figure name {name!r} must be alphanumeric (with - or _)")
        require("matplotlib", extra="plot")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=figsize)
        self._blocks.append(("figure", _Figure(name, caption, fig)))
        return fig

    def add_figure(self, name: str, figure: Any, caption: str = "") -> None:
        """Add an existing matplotlib figure."""
        self._blocks.append(("figure", _Figure(name, caption, figure)))

    def to_dict(self) -> dict[str, Any]:
        tables = [
            {"title": t.title, "columns": t.columns, "rows": t.rows, "note": t.note}
            for kind, t in self._blocks
            if kind == "table"
        ]
        figures = [f"{f.name}.png" for kind, f in self._blocks if kind == "figure"]
        from qtilab import __version__

        meta = {
            "qtilab_version": __version__,
            "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "python": platform.python_version(),
            "machine": platform.machine(),
            **self.meta,
        }
        out: dict[str, Any] = _jsonable({"title": self.title, "meta": meta, "data": self.data, "tables": tables, "figures": figures})
        return out

    def markdown(self) -> str:
        lines = [f"# {self.title}", ""]
        if self.meta:
            lines += [", ".join(f"{k}: {_fmt(v)}" for k, v in self.meta.items()), ""]
        for kind, b in self._blocks:
            if kind == "text":
                lines += [f"## {b[0]}", "", b[1], ""]
            elif kind == "table":
                lines += [f"### {b.title}", ""]
                lines.append("| " + " | ".join(b.columns) + " |")
                lines.append("|" + "|".join("---" for _ in b.columns) + "|")
                for r in b.rows:
                    lines.append("| " + " | ".join(_fmt(v) for v in r) + " |")
                if b.note:
                    lines += ["", b.note]
                lines.append("")
            else:
                lines += [f"![{b.caption or b.name}]({b.name}.png)", ""]
                if b.caption:
                    lines += [f"*{b.caption}*", ""]
        return "\n".join(lines)

    def html(self) -> str:
        e = html.escape
        parts = [
            "<!doctype html><html><head><meta charset='utf-8'>",
            f"<title>{e(self.title)}</title>",
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
            "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:2px 8px;text-align:right}"
            "img{max-width:100%}</style></head><body>",
            f"<h1>{e(self.title)}</h1>",
        ]
        for kind, b in self._blocks:
            if kind == "text":
                parts.append(f"<h2>{e(b[0])}</h2><p>{e(b[1])}</p>")
            elif kind == "table":
                parts.append(f"<h3>{e(b.title)}</h3><table><tr>")
                parts += [f"<th>{e(c)}</th>" for c in b.columns]
                parts.append("</tr>")
                for r in b.rows:
                    parts.append("<tr>" + "".join(f"<td>{e(_fmt(v))}</td>" for v in r) + "</tr>")
                parts.append("</table>")
                if b.note:
                    parts.append(f"<p>{e(b.note)}</p>")
            else:
                parts.append(f"<figure><img src='{e(b.name)}.png'><figcaption>{e(b.caption)}</figcaption></figure>")
        parts.append("</body></html>")
        return "".join(parts)

    def write(self, out_dir: str | os.PathLike[str]) -> dict[str, Path]:
        """Write ``report.json``, ``report.md``, ``report.html`` and one PNG per figure.

        Returns a dict of the written paths keyed by ``json``, ``md``, ``html`` and figure names.
        """
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths: dict[str, Path] = {}
        for kind, b in self._blocks:
            if kind == "figure":
                p = out / f"{b.name}.png"
                b.figure.tight_layout()
                b.figure.savefig(p, dpi=110)
                import matplotlib.pyplot as plt

                plt.close(b.figure)
                paths[b.name] = p
        paths["json"] = out / "report.json"
        paths["json"].write_text(json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n")
        paths["md"] = out / "report.md"
        paths["md"].write_text(self.markdown() + "\n")
        paths["html"] = out / "report.html"
        paths["html"].write_text(self.html() + "\n")
        return paths
