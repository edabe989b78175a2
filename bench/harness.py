"""Shared benchmark harness: interleaved repeats, medians, ratio tables.

Usage::

    from harness import Bench
    b = Bench("statevector", repeats=5)
    b.add("qft-20", "qtilab", lambda: run_qtilab(c))     # one callable per (workload, contender)
    b.add("qft-20", "qiskit-aer", lambda: run_aer(c))
    b.run()                                              # warm-up, then interleaved repeats
    b.write_markdown("bench/results/statevector.md", baseline="qtilab")

Each callable is timed around the call only; set-up belongs outside it. Contenders of one
workload are interleaved within each repeat (A B C, A B C, ...), so drifting machine load
hits all of them alike. Ratios are what to read; absolute times are noise on a shared machine.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class Entry:
    workload: str
    contender: str
    fn: Callable[[], Any] | None
    times: list[float] = field(default_factory=list)
    skipped: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    @property
    def spread(self) -> tuple[float, float] | None:
        """(min, max) of the repeats: every table shows it beside the median."""
        return (min(self.times), max(self.times)) if self.times else None


class Bench:
    def __init__(self, name: str, repeats: int = 5, warmup: int = 1) -> None:
        self.name = name
        self.repeats = repeats
        self.warmup = warmup
        self.entries: list[Entry] = []
        self.notes: list[str] = []

    def add(self, workload: str, contender: str, fn: Callable[[], Any], **extra: Any) -> None:
        self.entries.append(Entry(workload, contender, fn, extra=extra))

    def skip(self, workload: str, contender: str, reason: str) -> None:
        self.entries.append(Entry(workload, contender, None, skipped=reason))

    def workloads(self) -> list[str]:
        seen: dict[str, None] = {}
        for e in self.entries:
            seen.setdefault(e.workload, None)
        return list(seen)

    def run(self, verbose: bool = True) -> None:
        for w in self.workloads():
            es = [e for e in self.entries if e.workload == w and e.fn is not None]
            for e in es:
                try:
                    for _ in range(self.warmup):
                        e.fn()  # type: ignore[misc]
                except Exception as exc:  # a peer that fails is reported, not fatal
                    e.skipped = f"failed: {type(exc).__name__}: {exc}"[:200]
            es = [e for e in es if e.skipped is None]
            for _ in range(self.repeats):
                for e in es:
                    t0 = time.perf_counter()
                    e.fn()  # type: ignore[misc]
                    e.times.append(time.perf_counter() - t0)
            if verbose:
                line = ", ".join(
                    f"{e.contender} {e.median:.4g}s" if e.median is not None else f"{e.contender} skipped"
                    for e in self.entries
                    if e.workload == w
                )
                print(f"{w}: {line}", flush=True)

    def table(self, baseline: str = "qtilab") -> list[dict[str, Any]]:
        rows = []
        for w in self.workloads():
            es = [e for e in self.entries if e.workload == w]
            base = next((e for e in es if e.contender == baseline), None)
            peers = [e for e in es if e.contender != baseline and e.median is not None]
            fastest = min(peers, key=lambda e: e.median) if peers else None  # type: ignore[arg-type,return-value]
            for e in es:
                rows.append(
                    {
                        "workload": w,
                        "contender": e.contender,
                        "median_s": e.median,
                        "min_s": e.spread[0] if e.spread else None,
                        "max_s": e.spread[1] if e.spread else None,
                        "repeats": len(e.times),
                        "ratio_to_baseline": (e.median / base.median) if (e.median and base and base.median) else None,
                        "skipped": e.skipped,
                        **e.extra,
                    }
                )
            if base and base.median and fastest:
                rows.append(
                    {
                        "workload": w,
                        "contender": f"{baseline}/fastest peer ({fastest.contender})",
                        "median_s": None,
                        "min_s": None,
                        "max_s": None,
                        "repeats": None,
                        "ratio_to_baseline": base.median / fastest.median,  # type: ignore[operator]
                        "skipped": None,
                    }
                )
        return rows

    def write_markdown(self, path: str | os.PathLike[str], baseline: str = "qtilab", intro: str = "") -> str:
        """The table of one run, written by the script: min / median / max of the repeats, the
        median ratio to ``baseline``, and the load average measured at the end of the run. A
        target is judged on the median only (see :func:`verdict`)."""
        load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
        lines = [
            f"# Benchmark: {self.name}",
            "",
            f"Run {_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds')} on "
            f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
            f"min / median / max of {self.repeats} interleaved repeats after {self.warmup} warm-up; "
            f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min) at the end.",
            "",
        ]
        if intro:
            lines += [intro, ""]
        lines += [
            "| workload | contender | min (s) | median (s) | max (s) | median / " + baseline + " | note |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in self.table(baseline):
            med, lo, hi = (f"{r[k]:.4g}" if r[k] is not None else "" for k in ("median_s", "min_s", "max_s"))
            ratio = f"{r['ratio_to_baseline']:.3g}" if r["ratio_to_baseline"] is not None else ""
            note = r["skipped"] or ""
            extras = {k: v for k, v in r.items() if k not in ("workload", "contender", "median_s", "min_s", "max_s", "repeats", "ratio_to_baseline", "skipped")}
            if extras:
                note = (note + " " + ", ".join(f"{k}={v}" for k, v in extras.items())).strip()
            lines.append(f"| {r['workload']} | {r['contender']} | {lo} | {med} | {hi} | {ratio} | {note} |")
        lines += ["", *self.notes]
        text = "\n".join(lines) + "\n"
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text)
        return text


def verdict(median: float, target: float, *, higher_is_better: bool) -> str:
    """``"met"`` or ``"NOT met"``, judged on the median of the repeats (never the best one)."""
    ok = median >= target if higher_is_better else median <= target
    return "met" if ok else "NOT met"
