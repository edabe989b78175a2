"""A static site from a folder of reports: ``qtilab report site REPORTS_DIR --out SITE``.

Layout of the site (plain files: it opens from disk and deploys to any static host)::

    index.html                 every study: title, headline numbers, thumbnail; a search box
    catalogue.html             the activities, a map of partner countries, links to the studies
    studies/<slug>/index.html  one page per report: figures, tables, provenance, downloads
    studies/<slug>/report.json, report.md, *.png     the report's own files, copied
    onepagers/<audience>.md/.pdf                     value-proposition one-pagers (if made)
    style.css, search.js, search-index.js, manifest.json

Every ``*.json`` below REPORTS_DIR is looked at: a qtilab report becomes a page; a corrupt or
foreign JSON is skipped with a :class:`SiteWarning` that names it. A study whose files did not
change since the last build (same SHA-256 of its JSON and figures, same site version) is not
rebuilt. Search runs in the browser over ``search-index.js`` (a script, not a fetched JSON file,
so that it also works from ``file://``); no external CDN.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from qtilab.report import render
from qtilab.report.provenance import sha256_file

#: bump when the page layout changes: every page is rebuilt
SITE_VERSION = 1

SEARCH_JS = r"""
// qtilab site search: plain JavaScript, no library, works from file://
(function () {
  var box = document.getElementById('search');
  var count = document.getElementById('search-count');
  var index = window.QTILAB_SEARCH || [];
  if (!box) { return; }
  box.addEventListener('input', function () {
    var words = box.value.toLowerCase().split(/\s+/).filter(function (w) { return w.length > 0; });
    var shown = 0;
    index.forEach(function (item) {
      var el = document.getElementById(item.id);
      if (!el) { return; }
      var hit = words.every(function (w) { return item.text.indexOf(w) >= 0; });
      el.classList.toggle('hidden', !hit);
      if (hit) { shown += 1; }
    });
    if (count) { count.textContent = words.length ? shown + ' of ' + index.length + ' match' : ''; }
  });
})();
"""


class SiteWarning(UserWarning):
    """A file below the reports folder that is not a usable report (it is skipped)."""


@dataclass
class Study:
    slug: str
    rel: str
    path: Path
    doc: dict[str, Any]
    digest: str


@dataclass
class SiteResult:
    """What :func:`build_site` did."""

    out: Path
    studies: list[str] = field(default_factory=list)
    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def index(self) -> Path:
        return self.out / "index.html"


def slug_of(rel: str) -> str:
    """A folder-safe name for a report's relative folder (``qkd/link`` -> ``qkd--link``)."""
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", rel.replace("/", "--")).strip("-")
    return s or "report"


def _digest(files: Iterable[Path]) -> str:
    import hashlib

    h = hashlib.sha256(f"site {SITE_VERSION}".encode())
    for f in sorted(files):
        h.update(f.name.encode())
        h.update(sha256_file(f).encode())
    return h.hexdigest()


def find_reports(reports_dir: Path) -> tuple[list[Study], dict[str, str]]:
    """The reports below ``reports_dir``, and the skipped JSON files with the reason."""
    studies: list[Study] = []
    skipped: dict[str, str] = {}
    slugs: set[str] = set()
    # sites built earlier inside the reports folder hold copies of reports: never read them back
    sites = {m.parent.resolve() for m in reports_dir.rglob("search-index.js") if (m.parent / "manifest.json").is_file()}
    for p in sorted(reports_dir.rglob("*.json")):
        if any(part.startswith(".") for part in p.relative_to(reports_dir).parts):
            continue
        if sites and any(site in p.resolve().parents for site in sites):
            continue
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            skipped[str(p)] = f"not valid JSON ({exc})"
            continue
        except OSError as exc:
            skipped[str(p)] = f"cannot be read ({exc})"
            continue
        if not (isinstance(doc, dict) and isinstance(doc.get("title"), str) and isinstance(doc.get("data"), dict)):
            skipped[str(p)] = "not a qtilab report (no 'title' and 'data')"
            continue
        folder = p.parent
        rel = folder.relative_to(reports_dir).as_posix()
        if p.name != "report.json":
            rel = f"{rel}/{p.stem}" if rel != "." else p.stem
        rel = "." if rel in ("", ".") else rel
        slug = slug_of(rel if rel != "." else reports_dir.name or "report")
        while slug in slugs:
            slug += "-x"
        slugs.add(slug)
        figs = [folder / f for f in doc.get("figures", []) if isinstance(f, str) and (folder / f).is_file()]
        studies.append(Study(slug, rel, p, doc, _digest([p, *figs])))
    return studies, skipped


def headline(doc: dict[str, Any], limit: int = 3) -> list[tuple[str, str]]:
    """(label, shown value) pairs for the index: the report's headline, else numeric meta."""
    out: list[tuple[str, str]] = []
    for h in doc.get("headline") or []:
        err = f" ± {render.fmt(h['error'])}" if h.get("error") is not None else ""
        unit = f" {h['unit']}" if h.get("unit") else ""
        out.append((str(h.get("label")), f"{render.fmt(h.get('value'))}{err}{unit}"))
    if not out:
        meta = doc.get("user_meta")
        if meta is None:
            meta = {k: v for k, v in doc.get("meta", {}).items()
                    if k not in ("qtilab_version", "created", "python", "machine")}
        out = [(str(k), render.fmt(v)) for k, v in meta.items() if isinstance(v, (int, float, str))]
    return out[:limit]


def _search_text(doc: dict[str, Any], rel: str, activities: list[str]) -> str:
    parts = [doc.get("title", ""), rel, " ".join(activities)]
    parts += [f"{a} {b}" for a, b in headline(doc, 10)]
    for b in doc.get("blocks") or [{"kind": "table", **t} for t in doc.get("tables", [])]:
        if b.get("kind") == "text":
            parts += [b.get("heading", ""), b.get("text", "")]
        elif b.get("kind") == "table":
            parts += [b.get("title", ""), " ".join(map(str, b.get("columns", []))),
                      " ".join(str(r[0]) for r in b.get("rows", []) if r)]
        elif b.get("kind") == "figure":
            parts.append(b.get("caption", ""))
    text = " ".join(str(p) for p in parts).lower()
    return re.sub(r"\s+", " ", text)[:20000]


def _nav(prefix: str) -> str:
    return (f"<nav class='top'><a href='{prefix}index.html'>All studies</a>"
            f"<a href='{prefix}catalogue.html'>Activities and partners</a></nav>")


def _study_page(st: Study, dest: Path, activity_links: list[tuple[str, str]]) -> None:
    folder = st.path.parent
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(st.path, dest / "report.json")
    md_src = folder / "report.md"
    downloads = [("report.json", "the report's numbers and provenance (JSON)")]
    if st.path.name == "report.json" and md_src.is_file():
        shutil.copy2(md_src, dest / "report.md")
        downloads.append(("report.md", "Markdown"))
    for f in st.doc.get("figures", []):
        if isinstance(f, str) and (folder / f).is_file() and "/" not in f:
            shutil.copy2(folder / f, dest / f)
            downloads.append((f, "figure (PNG)"))
    body = render.report_html(st.doc, css_href="../../style.css", nav=_nav("../../"))
    rows = "".join(
        f"<tr><td><a href='{html.escape(n)}'>{html.escape(n)}</a></td><td>{html.escape(what)}</td>"
        f"<td><code>{sha256_file(dest / n)}</code></td></tr>"
        for n, what in downloads
    )
    extra = ("<h2>Downloads and data hashes</h2><table><tr><th>file</th><th>what</th><th>SHA-256</th></tr>"
             f"{rows}</table>")
    if activity_links:
        items = "".join(f"<li><a href='../../catalogue.html#{html.escape(i)}'>{html.escape(t)}</a></li>"
                        for i, t in activity_links)
        extra += f"<h2>Activities this study serves</h2><ul>{items}</ul>"
    extra += f"<p class='muted'>Source folder: <code>{html.escape(st.rel)}</code></p>"
    body = body.replace("</main>", extra + "</main>", 1)
    (dest / "index.html").write_text(body, encoding="utf-8")


def _index_page(studies: list[Study], acts_of: dict[str, list[tuple[str, str]]], onepagers: list[str]) -> str:
    cards = []
    for st in studies:
        figs = [f for f in st.doc.get("figures", [])
                if isinstance(f, str) and "/" not in f and (st.path.parent / f).is_file()]
        link = f"studies/{st.slug}/index.html"
        thumb = (f"<img src='studies/{st.slug}/{html.escape(figs[0])}' alt='{html.escape(figs[0])}' loading='lazy'>"
                 if figs else "<div class='noimg'>no figure</div>")
        hl = "".join(f"<li>{html.escape(a)}: <b>{html.escape(b)}</b></li>" for a, b in headline(st.doc))
        acts = ", ".join(html.escape(t) for _, t in acts_of.get(st.slug, []))
        cards.append(
            f"<div class='card' id='card-{st.slug}'><a href='{link}'>{thumb}</a>"
            f"<h3><a href='{link}'>{html.escape(str(st.doc.get('title')))}</a></h3>"
            f"<ul>{hl}</ul><div class='muted'>{html.escape(st.rel)}{' · ' + acts if acts else ''}</div></div>"
        )
    one = ""
    if onepagers:
        one = "<p>One-page summaries: " + ", ".join(
            f"<a href='onepagers/{html.escape(n)}.md'>{html.escape(n)}</a> (<a href='onepagers/{html.escape(n)}.pdf'>PDF</a>)"
            for n in onepagers) + "</p>"
    body = (
        "<h1>qtilab studies</h1>"
        f"<p class='meta'>{len(studies)} studies. Each page shows the figures, the tables and the full "
        "provenance (command, configuration, seeds, library versions, input hashes) and links the JSON.</p>"
        f"{one}"
        "<input id='search' type='search' placeholder='Search the studies (title, numbers, tables, activities)' "
        "aria-label='search'><div id='search-count' class='muted'></div>"
        f"<div class='cards'>{''.join(cards)}</div>"
    )
    return render.html_page("qtilab studies", body, css_href="style.css", nav=_nav(""),
                            scripts=("search-index.js", "search.js"))


def _catalogue_page(cat: Any, study_links: dict[str, list[Study]]) -> str:
    from qtilab.catalogue.worldmap import svg

    countries = cat.all_countries()
    tips = {c: f"{len(ids)} activit{'y' if len(ids) == 1 else 'ies'}" for c, ids in countries.items()}
    rows = []
    for a in cat.activities:
        papers = ", ".join(
            f"<a href='{html.escape(cat.papers[k].url)}'>{html.escape(k)}</a>" for k in a.papers if k in cat.papers
        ) or "–"
        studies = ", ".join(
            f"<a href='studies/{s.slug}/index.html'>{html.escape(str(s.doc.get('title')))}</a>"
            for s in study_links.get(a.id, [])
        ) or "–"
        cmds = "<br>".join(f"<code>{html.escape(c)}</code>" for c in a.commands) or "–"
        rows.append(
            f"<tr id='{html.escape(a.id)}'><td><b>{html.escape(a.title)}</b><br><span class='muted'>"
            f"{html.escape(a.summary)}</span></td><td>{html.escape(a.topic)}</td><td>{html.escape(a.status)}</td>"
            f"<td>{html.escape(', '.join(a.partners))}</td><td>{html.escape(', '.join(cat.countries(a)))}</td>"
            f"<td>{papers}</td><td>{cmds}</td><td>{studies}</td></tr>"
        )
    body = (
        "<h1>Activities and partners</h1>"
        f"<p class='meta'>{len(cat.activities)} activities, {len(cat.partners)} partners in {len(countries)} "
        "countries (from <code>qtilab/catalogue/activities.toml</code>; <code>qtilab catalogue list</code>).</p>"
        f"{svg(tips)}"
        "<p class='muted'>Partner countries in blue. Outline: Natural Earth 1:110m (public domain).</p>"
        "<table class='text'><tr><th>activity</th><th>topic</th><th>status</th><th>partners</th><th>countries</th>"
        "<th>papers</th><th>commands</th><th>studies</th></tr>" + "".join(rows) + "</table>"
    )
    return render.html_page("qtilab activities and partners", body, css_href="style.css", nav=_nav(""))


def build_site(reports_dir: str | os.PathLike[str], out: str | os.PathLike[str], *, catalogue: Any = None,
               onepagers: bool = True) -> SiteResult:
    """Build (or update) the static site of the reports below ``reports_dir`` into ``out``.

    ``catalogue``: a :class:`qtilab.catalogue.Catalogue` (default: the shipped one).
    ``onepagers``: also write the value-proposition one-pagers (Markdown and PDF; needs matplotlib).
    """
    from qtilab.catalogue import load as load_catalogue
    from qtilab.errors import DataError

    src = Path(reports_dir)
    if not src.is_dir():
        raise DataError(f"{src}: no such reports folder")
    dst = Path(out)
    if dst.resolve() == src.resolve():
        raise DataError("the site folder must differ from the reports folder")
    dst.mkdir(parents=True, exist_ok=True)
    res = SiteResult(dst)
    studies, skipped = find_reports(src)
    # the site's own output may lie below the reports folder (demo-out/site): never read it back
    studies = [s for s in studies if dst.resolve() not in s.path.resolve().parents]
    res.skipped = {k: v for k, v in skipped.items() if dst.resolve() not in Path(k).resolve().parents}
    for path, why in res.skipped.items():
        warnings.warn(f"{path}: skipped, {why}", SiteWarning, stacklevel=2)
    cat = catalogue if catalogue is not None else load_catalogue()
    acts_of: dict[str, list[tuple[str, str]]] = {}
    study_links: dict[str, list[Study]] = {}
    for st in studies:
        for a in cat.activities:
            if a.matches_study(st.rel):
                acts_of.setdefault(st.slug, []).append((a.id, a.title))
                study_links.setdefault(a.id, []).append(st)
    manifest_path = dst / "manifest.json"
    try:
        old = json.loads(manifest_path.read_text())["studies"] if manifest_path.is_file() else {}
    except (json.JSONDecodeError, KeyError, TypeError):
        old = {}
    new_manifest: dict[str, Any] = {}
    for st in studies:
        page = dst / "studies" / st.slug
        key = st.digest + "|" + json.dumps(acts_of.get(st.slug, []))
        if old.get(st.slug, {}).get("digest") == key and (page / "index.html").is_file():
            res.unchanged.append(st.slug)
        else:
            if page.exists():
                shutil.rmtree(page)
            _study_page(st, page, acts_of.get(st.slug, []))
            res.built.append(st.slug)
        new_manifest[st.slug] = {"digest": key, "source": str(st.path), "title": st.doc.get("title")}
        res.studies.append(st.slug)
    for slug in set(old) - set(new_manifest):  # reports that disappeared
        shutil.rmtree(dst / "studies" / slug, ignore_errors=True)
    made: list[str] = []
    onepager_key = ""
    if onepagers:
        from qtilab.report.onepager import AUDIENCES, write_onepagers

        onepager_key = json.dumps([sorted(new_manifest.items()), repr(cat)], sort_keys=True, default=str)
        names = [a.name for a in AUDIENCES]
        have = all((dst / "onepagers" / f"{n}.{ext}").is_file() for n in names for ext in ("md", "pdf"))
        prev = ""
        if manifest_path.is_file():
            try:
                prev = str(json.loads(manifest_path.read_text()).get("onepagers", ""))
            except (json.JSONDecodeError, AttributeError):
                prev = ""
        if have and prev == onepager_key:
            made = names  # nothing they quote changed
        else:
            made = [p.stem for p in write_onepagers([(s.doc, s.rel) for s in studies], dst / "onepagers", cat,
                                                     links={s.doc.get("title", ""): s.slug for s in studies})
                    if p.suffix == ".md"]
    (dst / "style.css").write_text(render.CSS, encoding="utf-8")
    (dst / "search.js").write_text(SEARCH_JS, encoding="utf-8")
    index = [{"id": f"card-{s.slug}", "text": _search_text(s.doc, s.rel, [t for _, t in acts_of.get(s.slug, [])])}
             for s in studies]
    (dst / "search-index.js").write_text("window.QTILAB_SEARCH = " + json.dumps(index) + ";\n", encoding="utf-8")
    (dst / "index.html").write_text(_index_page(studies, acts_of, made), encoding="utf-8")
    (dst / "catalogue.html").write_text(_catalogue_page(cat, study_links), encoding="utf-8")
    manifest_path.write_text(json.dumps({"site_version": SITE_VERSION, "studies": new_manifest,
                                         "skipped": res.skipped, "onepagers": onepager_key}, indent=1) + "\n")
    return res


# -- checks (used by the tests and `qtilab report site --check`) --------------------------------
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# elements whose end tag HTML lets a writer leave out; our pages close them, but do not require it
_OPTIONAL_END = {"p", "li", "tr", "td", "th", "option"}


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.refs: list[str] = []
        self.ids: set[str] = set()
        self.svg_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        for k in ("href", "src"):
            if a.get(k):
                self.refs.append(str(a[k]))
        if tag == "svg":
            self.svg_depth += 1
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        for k in ("href", "src"):
            if a.get(k):
                self.refs.append(str(a[k]))

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if tag == "svg":
            self.svg_depth -= 1
        while self.stack and self.stack[-1] != tag and self.stack[-1] in _OPTIONAL_END:
            self.stack.pop()
        if not self.stack or self.stack[-1] != tag:
            line, col = self.getpos()
            self.errors.append(f"line {line}:{col}: </{tag}> does not close <{self.stack[-1] if self.stack else '-'}>")
            return
        self.stack.pop()


def check_site(site: str | os.PathLike[str]) -> list[str]:
    """Problems of a built site: HTML that does not parse into balanced elements, a page without
    a doctype or title, and relative links or images that do not resolve (anchors included)."""
    root = Path(site)
    problems: list[str] = []
    pages = sorted(root.rglob("*.html"))
    if not pages:
        return [f"{root}: no HTML pages"]
    parsed: dict[Path, _Checker] = {}
    for p in pages:
        text = p.read_text(encoding="utf-8")
        c = _Checker()
        c.feed(text)
        c.close()
        parsed[p.resolve()] = c
        rel = p.relative_to(root)
        if not text.lstrip().lower().startswith("<!doctype html>"):
            problems.append(f"{rel}: no <!doctype html>")
        if "<title>" not in text:
            problems.append(f"{rel}: no <title>")
        problems += [f"{rel}: {e}" for e in c.errors]
        rest = [t for t in c.stack if t not in _OPTIONAL_END]
        if rest:
            problems.append(f"{rel}: unclosed <{'>, <'.join(rest)}>")
    for p, c in parsed.items():
        rel = p.relative_to(root.resolve())
        for ref in c.refs:
            u = urlsplit(ref)
            if u.scheme in ("http", "https", "mailto") or ref.startswith("//"):
                continue  # external: not resolved offline
            if u.scheme:
                problems.append(f"{rel}: link {ref!r} has an unexpected scheme")
                continue
            target = (p.parent / unquote(u.path)).resolve() if u.path else p
            if not target.exists():
                problems.append(f"{rel}: link {ref!r} does not resolve")
                continue
            if u.fragment and target.suffix == ".html":
                tc = parsed.get(target)
                if tc is not None and u.fragment not in tc.ids:
                    problems.append(f"{rel}: anchor {ref!r} does not exist")
    return problems
