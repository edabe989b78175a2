"""Value-proposition one-pagers for three audiences, from the catalogue and the latest reports.

:func:`write_onepagers` writes ``physicists``, ``industry`` and ``public`` as Markdown and as a
one-page A4 PDF (matplotlib's PDF backend). Each page has a short pitch for its audience, the
headline results of the reports that belong to the audience's topics (numbers taken from the
reports, never typed in), how to reproduce each (the recorded ``qtilab`` command), and the
activities and partners behind them.
"""

from __future__ import annotations

import os
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qtilab.report import render


@dataclass(frozen=True)
class Audience:
    name: str
    title: str
    pitch: str
    topics: tuple[str, ...]


AUDIENCES = (
    Audience(
        "physicists",
        "qtilab for physicists: quantum methods on HEP problems, reproducible to the last digit",
        "Quantum-kernel classifiers, generative models, track finding and random-number quality, each "
        "measured against the classical method a physicist would use (a BDT, an RBF SVM, a good PRNG) on "
        "the same events, with error bars from repeated splits. Every number below comes from a report "
        "that records its command, configuration, seeds, library versions and input hashes.",
        ("hep", "randomness", "generative", "simulation", "algorithms"),
    ),
    Audience(
        "industry",
        "qtilab for industry: measured quantum software for communication, learning and simulation",
        "A state-vector engine measured beside the established simulators, quantum key distribution "
        "simulated from photons to final keys with an ETSI-style key-management service, and quantum "
        "machine learning with exact gradients. The results below are measured, with the command that "
        "reproduces each on your own machine.",
        ("communication", "qml", "earth-observation", "simulation"),
    ),
    Audience(
        "public",
        "Quantum computing at CERN's quantum technology programme, in one page",
        "Quantum computers may one day help with problems in physics, medicine, logistics and secure "
        "communication. This programme tries the ideas today on simulated quantum computers, compares "
        "them honestly with ordinary methods, and publishes how every result was made so that anyone "
        "can check it.",
        ("hep", "communication", "randomness", "outreach", "earth-observation", "qml", "simulation"),
    ),
)


def _command(doc: dict[str, Any]) -> str:
    cmd = (doc.get("provenance") or {}).get("command") or {}
    args = cmd.get("qtilab_args")
    if args:
        return "qtilab " + " ".join(args)
    argv = cmd.get("argv")
    return " ".join(argv) if argv else "(not recorded)"


def _studies_for(docs: list[tuple[dict[str, Any], str]], cat: Any,
                 topics: tuple[str, ...]) -> list[tuple[dict[str, Any], list[str]]]:
    """Reports (with the titles of their activities) whose activities have one of ``topics``."""
    out = []
    for d, rel in docs:
        acts = [a for a in cat.activities if a.topic in topics and rel and a.matches_study(rel)]
        out.append((d, [a.title for a in acts]))
    return [(d, a) for d, a in out if a]


def onepager_markdown(aud: Audience, docs: list[tuple[dict[str, Any], str]], cat: Any,
                      links: dict[str, str] | None = None) -> str:
    from qtilab.report.site import headline

    lines = [f"# {aud.title}", "", aud.pitch, "", "## Headline results", ""]
    rows = []
    for d, _acts in _studies_for(docs, cat, aud.topics)[:8]:
        hl = "; ".join(f"{a}: {b}" for a, b in headline(d, 2)) or "see the report"
        title = str(d.get("title"))
        slug = (links or {}).get(title)
        shown = f"[{title}](../studies/{slug}/index.html)" if slug else title
        rows.append([shown, hl, f"`{_command(d)}`"])
    if rows:
        lines += render.table_markdown({"title": "", "columns": ["study", "result", "reproduce with"], "rows": rows})
    else:
        lines += ["No report of these topics was found; run `qtilab demo` and build the site again.", ""]
    acts = [a for a in cat.activities if a.topic in aud.topics]
    lines += ["## Activities and partners", ""]
    for a in acts:
        lines.append(f"- **{a.title}** ({', '.join(a.partners)}; {', '.join(cat.countries(a))})")
    lines += ["", "## Reproduce", "", "```bash", "pip install 'qtilab[plot]'", "qtilab demo --out demo-out",
              "qtilab report site demo-out --out site", "```", "",
              "Every report's JSON records the command, configuration, seeds, library versions, machine and "
              "input hashes; `qtilab report rerun report.json` runs it again and `qtilab report diff` compares "
              "the numbers.", ""]
    return "\n".join(lines)


def _pdf(md: str, path: Path, title: str) -> None:
    """A one-page A4 PDF of the Markdown text (headings bold, tables as aligned text)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.27, 11.69))
    y = 0.95
    x0 = 0.07

    def put(text: str, size: float, weight: str = "normal", family: str = "sans-serif", width: int = 95) -> None:
        nonlocal y
        for ln in textwrap.wrap(text, width=width) or [""]:
            if y < 0.04:
                return
            fig.text(x0, y, ln, fontsize=size, weight=weight, family=family, va="top")
            y -= size / 11.69 / 72 * 1.45

    for raw in md.splitlines():
        line = raw.replace("**", "").replace("`", "")
        if line.startswith("# "):
            put(line[2:], 14, "bold", width=70)
            y -= 0.01
        elif line.startswith("## "):
            y -= 0.008
            put(line[3:], 11.5, "bold")
        elif line.startswith("|---") or line.startswith("```"):
            continue
        elif line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            import re

            cells = [re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", c) for c in cells]
            put("  ·  ".join(cells), 7.5, width=130)
        elif line.startswith("- "):
            put("• " + line[2:], 8.5, width=115)
        elif line.strip():
            put(line, 9, width=105)
        else:
            y -= 0.006
    with PdfPages(path, metadata={"Title": title, "Creator": "qtilab report onepager"}) as pdf:
        pdf.savefig(fig)


def write_onepagers(docs: list[tuple[dict[str, Any], str]], out_dir: str | os.PathLike[str], cat: Any = None,
                    links: dict[str, str] | None = None) -> list[Path]:
    """Write ``<audience>.md`` and ``<audience>.pdf`` for every audience; return the paths.

    ``docs``: (report document, its folder relative to the reports folder) pairs; the folder
    matches the report to the catalogue's activities (their ``studies`` patterns).
    """
    from qtilab.catalogue import load

    cat = cat if cat is not None else load()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for aud in AUDIENCES:
        md = onepager_markdown(aud, docs, cat, links)
        p = out / f"{aud.name}.md"
        p.write_text(md, encoding="utf-8")
        paths.append(p)
        try:
            _pdf(md, out / f"{aud.name}.pdf", aud.title)
            paths.append(out / f"{aud.name}.pdf")
        except ImportError:  # pragma: no cover - matplotlib missing: Markdown only
            pass
    return paths
