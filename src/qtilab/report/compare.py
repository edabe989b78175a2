"""Compare two reports' numbers, and re-run a report from its own JSON.

:func:`diff` flattens the ``data`` of two ``report.json`` documents (and their headline
numbers) to dotted paths and compares every number with a relative and an absolute tolerance;
strings and booleans must match exactly. :func:`rerun` runs the recorded ``qtilab`` command
again with its ``--out`` pointed at a new folder and returns the new report's path.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qtilab.errors import DataError


def load(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a ``report.json`` (a folder holding one is accepted); raise DataError when it is not one."""
    p = Path(path)
    if p.is_dir():
        p = p / "report.json"
    if not p.is_file():
        raise DataError(f"{p}: no such report (give a report.json or the folder that holds one)")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{p}: not a valid JSON report ({exc})") from None
    if not isinstance(doc, dict) or "title" not in doc or "data" not in doc:
        raise DataError(f"{p}: a JSON file but not a qtilab report (no 'title' and 'data' keys)")
    return doc


def _walk(obj: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _walk(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk(v, f"{prefix}[{i}]")
    else:
        yield prefix, obj


def numbers(doc: dict[str, Any]) -> dict[str, Any]:
    """The comparable leaves of a report: ``data.*`` and ``headline.<label>``."""
    out = dict(_walk(doc.get("data", {}), "data"))
    for h in doc.get("headline") or []:
        out[f"headline.{h.get('label')}"] = h.get("value")
    return out


@dataclass
class Change:
    path: str
    old: Any
    new: Any
    rel: float | None = None


@dataclass
class Diff:
    """The outcome of :func:`diff`: changed, added and removed paths; equal count; versions."""

    changed: list[Change] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    equal: int = 0
    versions: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    @property
    def same(self) -> bool:
        return not (self.changed or self.added or self.removed)

    def summary(self, limit: int = 40) -> str:
        lines = [f"{self.equal} numbers equal within tolerance, {len(self.changed)} differ, "
                 f"{len(self.added)} only in B, {len(self.removed)} only in A"]
        for c in self.changed[:limit]:
            rel = f" (rel. {c.rel:.2e})" if c.rel is not None else ""
            lines.append(f"  {c.path}: {c.old!r} -> {c.new!r}{rel}")
        if len(self.changed) > limit:
            lines.append(f"  ... {len(self.changed) - limit} more")
        for p in self.removed[:limit]:
            lines.append(f"  only in A: {p}")
        for p in self.added[:limit]:
            lines.append(f"  only in B: {p}")
        for k, (a, b) in self.versions.items():
            lines.append(f"  version of {k}: {a} -> {b}")
        return "\n".join(lines)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def diff(a: dict[str, Any], b: dict[str, Any], *, rtol: float = 1e-9, atol: float = 0.0,
         ignore: tuple[str, ...] = ()) -> Diff:
    """Compare the numbers of two report documents (see the module docstring).

    ``ignore``: path prefixes left out (timings, e.g. ``data.timings``). Two numbers are equal
    when ``|a - b| <= atol + rtol * max(|a|, |b|)``; ``null`` (a NaN in the study) equals only
    ``null``.
    """
    na, nb = numbers(a), numbers(b)

    def kept(p: str) -> bool:
        return not any(p == i or p.startswith(i + ".") or p.startswith(i + "[") for i in ignore)

    out = Diff()
    for p in sorted(set(na) | set(nb)):
        if not kept(p):
            continue
        if p not in nb:
            out.removed.append(p)
            continue
        if p not in na:
            out.added.append(p)
            continue
        x, y = na[p], nb[p]
        if _is_num(x) and _is_num(y):
            d = abs(float(x) - float(y))
            scale = max(abs(float(x)), abs(float(y)))
            if d <= atol + rtol * scale or (math.isnan(float(x)) and math.isnan(float(y))):
                out.equal += 1
            else:
                out.changed.append(Change(p, x, y, d / scale if scale else None))
        elif x == y:
            out.equal += 1
        else:
            out.changed.append(Change(p, x, y))
    va = (a.get("provenance") or {}).get("versions") or {}
    vb = (b.get("provenance") or {}).get("versions") or {}
    for k in sorted(set(va) | set(vb)):
        if va.get(k) != vb.get(k):
            out.versions[k] = (va.get(k), vb.get(k))
    return out


def rerun_command(doc: dict[str, Any], report_dir: Path, new_out: Path) -> tuple[list[str], Path, Path]:
    """The qtilab arguments to re-run, the folder to run in, and where the new report will be.

    The recorded ``--out`` value is replaced by ``new_out``; when the report lies below the
    original ``--out`` folder (``qtilab demo`` writes many reports below one), the new report is
    looked for at the same relative place below ``new_out``.
    """
    prov = doc.get("provenance") or {}
    cmd = prov.get("command") or {}
    args = cmd.get("qtilab_args")
    if not args:
        argv = " ".join(cmd.get("argv") or []) or "unknown"
        raise DataError(
            f"{report_dir}: this report was not written by a qtilab command (its command line was "
            f"{argv!r}); re-run that by hand"
        )
    cwd = Path(cmd.get("cwd") or ".")
    args = list(args)
    old_out: str | None = None
    for i, a in enumerate(args):
        if a == "--out" and i + 1 < len(args):
            old_out = args[i + 1]
            args[i + 1] = str(new_out)
        elif a.startswith("--out="):
            old_out = a.split("=", 1)[1]
            args[i] = f"--out={new_out}"
    if old_out is None:
        if args and args[0] == "demo":
            old_out = "demo-out"  # the demo's default folder
            args += ["--out", str(new_out)]
        else:
            raise DataError(f"{report_dir}: the recorded command {args!r} has no --out; cannot tell where it wrote")
    recorded = Path(prov.get("out_dir") or report_dir).resolve()
    base = (cwd / old_out).resolve()
    try:
        rel = recorded.relative_to(base)
    except ValueError:
        rel = Path(".")
    if args and args[0] == "demo" and "--only" not in args and rel.parts:
        # re-run only the demo part that wrote this report (its folder below the demo's --out)
        part = rel.parts[0]
        args += ["--only", part]
    return args, cwd, (new_out / rel).resolve()


def rerun(report: str | os.PathLike[str], new_out: str | os.PathLike[str], *,
          timeout: float | None = None) -> Path:
    """Re-run the command that wrote ``report`` with ``--out new_out``; return the new report.json."""
    p = Path(report)
    report_dir = p if p.is_dir() else p.parent
    doc = load(p)
    new_out = Path(new_out).resolve()
    args, cwd, where = rerun_command(doc, report_dir, new_out)
    if not cwd.is_dir():
        cwd = Path.cwd()
    code = "import sys; from qtilab.cli import main; sys.exit(main(sys.argv[1:]))"
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise DataError(f"re-running qtilab {' '.join(args)} failed with exit code {proc.returncode}")
    new = where / "report.json"
    if not new.is_file():
        raise DataError(f"re-ran qtilab {' '.join(args)} but found no report at {new}")
    return new
