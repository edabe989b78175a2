"""Rendering of a report document (the dict in ``report.json``) to Markdown and HTML.

One template for every report: :func:`markdown` writes the Markdown, :func:`html_page` renders
it with markdown-it-py (CommonMark with tables) into the one page layout that both
``report.html`` and the static site use. When markdown-it-py is missing (it comes with the
``plot`` extra), the page shows the Markdown source in a ``<pre>`` block and says so.
"""

from __future__ import annotations

import html
import math
from typing import Any

#: the one style sheet of reports and of the site (inlined in report.html, a file on the site)
CSS = """
:root{--fg:#222;--muted:#666;--line:#ccc;--accent:#0072b2;--bg:#fff;--code:#f5f5f5}
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
 background:var(--bg);max-width:62em;margin:0 auto;padding:1.5em}
h1{font-size:1.7em;margin:.2em 0 .4em}h2{font-size:1.3em;margin-top:1.6em;border-bottom:1px solid var(--line)}
h3{font-size:1.1em;margin-top:1.3em}
a{color:var(--accent)}
p.meta,.muted{color:var(--muted);font-size:.92em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em;display:block;overflow-x:auto}
th,td{border:1px solid var(--line);padding:3px 9px;vertical-align:top}
th{background:#f0f0f0;text-align:left}td{text-align:right;font-variant-numeric:tabular-nums}
td:first-child{text-align:left}
table.text td{text-align:left}
pre{background:var(--code);padding:.7em 1em;overflow-x:auto;font-size:.88em;line-height:1.35}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
img{max-width:100%;height:auto}
figure{margin:1em 0}figcaption{color:var(--muted);font-size:.9em}
nav.top{font-size:.92em;margin-bottom:1em}nav.top a{margin-right:1em}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(17em,1fr));gap:1em}
.card{border:1px solid var(--line);border-radius:6px;padding:.8em;background:#fafafa}
.card img{width:100%;height:9em;object-fit:contain;background:#fff;border:1px solid #eee}
.card h3{margin:.3em 0;font-size:1em}.card ul{padding-left:1.1em;margin:.3em 0;font-size:.9em}
.noimg{height:9em;display:flex;align-items:center;justify-content:center;color:var(--muted);
 border:1px dashed var(--line);background:#fff}
#search{width:100%;padding:.5em;font-size:1em;margin:.5em 0 1em}
.hidden{display:none}
.headline{background:#eef6fb;border-left:4px solid var(--accent);padding:.5em 1em}
svg.map{width:100%;height:auto;overflow:hidden}svg.map path{stroke:#fff;stroke-width:.3}
"""


def fmt(v: Any) -> str:
    """A value as shown in tables: 4 significant digits, exponent form when very small or large."""
    if v is None:
        return "–"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, float) or type(v).__name__.startswith("float"):
        x = float(v)
        if not math.isfinite(x):
            return "–"
        if x != 0 and (abs(x) < 1e-3 or abs(x) >= 1e6):
            return f"{x:.3e}"
        return f"{x:.4g}"
    return str(v)


def _cell(v: Any) -> str:
    """A Markdown table cell: pipes escaped, line breaks folded."""
    return fmt(v).replace("|", "\\|").replace("\r", "").replace("\n", " ")


def _headers(columns: list[str], units: list[str] | None) -> list[str]:
    if not units:
        return list(columns)
    return [f"{c} ({u})" if u else c for c, u in zip(columns, units)]


def table_markdown(t: dict[str, Any]) -> list[str]:
    """One table block as Markdown lines (title, header with units, rows, note)."""
    cols = _headers(t["columns"], t.get("units"))
    lines = [f"### {t['title']}", ""] if t.get("title") else []
    lines.append("| " + " | ".join(_cell(c) for c in cols) + " |")
    lines.append("|" + "|".join("---" for _ in cols) + "|")
    for r in t["rows"]:
        lines.append("| " + " | ".join(_cell(v) for v in r) + " |")
    if t.get("note"):
        lines += ["", str(t["note"])]
    lines.append("")
    return lines


def _blocks(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The ordered blocks; a schema-1 report (no blocks) gets its tables then its figures."""
    if "blocks" in doc:
        return list(doc["blocks"])
    out = [{"kind": "table", **t} for t in doc.get("tables", [])]
    out += [{"kind": "figure", "file": f, "caption": ""} for f in doc.get("figures", [])]
    return out


def meta_line(doc: dict[str, Any]) -> str:
    meta = doc.get("user_meta")
    if meta is None:  # schema 1: everything in meta
        meta = doc.get("meta", {})
    return ", ".join(f"{k}: {fmt(v)}" for k, v in meta.items())


def headline_markdown(doc: dict[str, Any]) -> list[str]:
    items = doc.get("headline") or []
    if not items:
        return []
    out = []
    for h in items:
        err = f" ± {fmt(h['error'])}" if h.get("error") is not None else ""
        unit = f" {h['unit']}" if h.get("unit") else ""
        out.append(f"- **{h['label']}**: {fmt(h['value'])}{err}{unit}")
    return ["## Headline", ""] + out + [""]


def provenance_markdown(doc: dict[str, Any]) -> list[str]:
    """The provenance section: command, versions, seeds, inputs with hashes, machine, times."""
    p = doc.get("provenance")
    if not p:
        return []
    cmd = p.get("command", {})
    argv = " ".join(cmd.get("argv") or [])
    lines = ["## Provenance", ""]
    rows: list[list[Any]] = [
        ["schema", p.get("schema")],
        ["command", f"`{argv}`" if argv else "–"],
        ["working folder", cmd.get("cwd")],
        ["seeds", ", ".join(f"{k}={v}" for k, v in (p.get("seeds") or {}).items()) or "–"],
        ["versions", ", ".join(f"{k} {v}" for k, v in (p.get("versions") or {}).items())],
        ["machine", ", ".join(f"{k}: {v}" for k, v in (p.get("machine") or {}).items())],
        ["process started", p.get("process_started")],
        ["written", p.get("written")],
        ["wall time (s)", p.get("wall_seconds")],
    ]
    lines += table_markdown({"title": "", "columns": ["item", "value"], "rows": rows})
    if p.get("config"):
        cfg = {k: v for k, v in p["config"].items() if k != "__class__"}
        cls = p["config"].get("__class__", "")
        lines += [f"Configuration{f' (`{cls}`)' if cls else ''}:", ""]
        lines += table_markdown({"title": "", "columns": ["field", "value"], "rows": [[k, v] for k, v in cfg.items()]})
    if p.get("inputs"):
        lines += ["Input files:", ""]
        lines += table_markdown({
            "title": "", "columns": ["file", "role", "bytes", "SHA-256"],
            "rows": [[i["path"], i.get("role", ""), i.get("bytes"), f"`{i['sha256']}`"] for i in p["inputs"]],
        })
    for g in p.get("generators") or []:
        lines += [f"Generator settings ({g.get('name', 'generator')}):", ""]
        lines += table_markdown({"title": "", "columns": ["setting", "value"],
                                 "rows": [[k, v] for k, v in g.get("settings", {}).items()]})
    if doc.get("files"):
        lines += ["Files of this report:", ""]
        lines += table_markdown({"title": "", "columns": ["file", "SHA-256"],
                                 "rows": [[k, f"`{v}`"] for k, v in doc["files"].items()]})
    return lines


def markdown(doc: dict[str, Any], *, provenance: bool = True) -> str:
    """The Markdown of a report document."""
    lines = [f"# {doc.get('title', 'untitled report')}", ""]
    ml = meta_line(doc)
    if ml:
        lines += [ml, ""]
    lines += headline_markdown(doc)
    for b in _blocks(doc):
        kind = b.get("kind")
        if kind == "text":
            lines += [f"## {b['heading']}", "", b["text"], ""]
        elif kind == "table":
            lines += table_markdown(b)
        elif kind == "figure":
            cap = b.get("caption") or ""
            alt = cap or str(b["file"]).rsplit(".", 1)[0]
            lines += [f"![{alt}]({b['file']})", ""]
            if cap:
                lines += [f"*{cap}*", ""]
    if provenance:
        lines += provenance_markdown(doc)
    return "\n".join(lines)


def markdown_to_html(text: str) -> str:
    """CommonMark (with tables) to HTML by markdown-it-py; raw HTML in the text is escaped."""
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        return (
            "<p class='muted'>markdown-it-py is not installed (pip install 'qtilab[plot]'); "
            "the Markdown source follows.</p><pre>" + html.escape(text) + "</pre>"
        )
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    return str(md.render(text))


def html_page(title: str, body_html: str, *, css_href: str | None = None, nav: str = "",
              scripts: tuple[str, ...] = ()) -> str:
    """The one page layout: a title, optional navigation, the body, the shared style sheet."""
    style = f"<link rel='stylesheet' href='{html.escape(css_href)}'>" if css_href else f"<style>{CSS}</style>"
    js = "".join(f"<script src='{html.escape(s)}'></script>" for s in scripts)
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{html.escape(title)}</title>{style}</head><body>"
        f"{nav}<main>{body_html}</main>{js}</body></html>\n"
    )


def report_html(doc: dict[str, Any], *, css_href: str | None = None, nav: str = "") -> str:
    """A report document as one HTML page (the metadata line gets the ``meta`` class)."""
    body = markdown_to_html(markdown(doc))
    ml = meta_line(doc)
    if ml:
        rendered = markdown_to_html(ml).strip()
        if rendered.startswith("<p>"):
            body = body.replace(rendered, "<p class='meta'>" + rendered[3:], 1)
    return html_page(str(doc.get("title", "report")), body, css_href=css_href, nav=nav)
