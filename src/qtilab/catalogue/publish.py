"""Metadata for publishing the software, generated from the catalogue.

:func:`files` returns the text of ``CITATION.cff`` (Citation File Format 1.2.0),
``codemeta.json`` (CodeMeta 2.0), ``.zenodo.json`` (Zenodo deposit metadata) and
``papers.bib`` (BibTeX of every paper an activity cites). The repository keeps the generated
files at its root; a test checks they equal what :func:`files` generates now, so a change to the
catalogue or to the version cannot leave them stale (``qtilab catalogue publish --out .``
rewrites them).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from qtilab.catalogue.model import Catalogue, Paper, load

TITLE = "qtilab"
DESCRIPTION = ("A fast quantum-circuit simulator and the HEP, QML, randomness and QKD applications "
               "built on it")
AUTHOR = "qtilab developers"
LICENSE = "Apache-2.0"
KEYWORDS = ["quantum computing", "quantum simulation", "quantum machine learning", "high-energy physics",
            "quantum key distribution", "random numbers"]
FILENAMES = ("CITATION.cff", "codemeta.json", ".zenodo.json", "papers.bib")


def _version() -> str:
    from qtilab import __version__

    return __version__


def _yaml_str(s: str) -> str:
    """A double-quoted YAML scalar (valid for any text)."""
    return json.dumps(s, ensure_ascii=False)


def _split_name(author: str) -> tuple[str, str]:
    family, _, given = author.partition(",")
    return family.strip(), given.strip()


def citation_cff(cat: Catalogue) -> str:
    lines = [
        "# Generated from src/qtilab/catalogue/activities.toml by `qtilab catalogue publish`; do not edit.",
        "cff-version: 1.2.0",
        'message: "If you use qtilab, please cite it as below, and the papers its studies reproduce."',
        f"title: {_yaml_str(TITLE)}",
        f"abstract: {_yaml_str(DESCRIPTION)}",
        "type: software",
        f"version: {_yaml_str(_version())}",
        f"license: {LICENSE}",
        "authors:",
        f"  - name: {_yaml_str(AUTHOR)}",
        "keywords:",
        *[f"  - {_yaml_str(k)}" for k in KEYWORDS],
        "references:",
    ]
    for p in cat.cited_papers():
        lines += [f"  - type: {'article' if p.journal else 'generic'}", f"    title: {_yaml_str(p.title)}",
                  "    authors:"]
        for a in p.authors:
            if a == "others":
                lines.append(f"      - name: {_yaml_str('et al.')}")
            else:
                fam, giv = _split_name(a)
                lines.append(f"      - family-names: {_yaml_str(fam)}")
                if giv:
                    lines.append(f"        given-names: {_yaml_str(giv)}")
        lines.append(f"    year: {p.year}")
        if p.journal:
            lines.append(f"    journal: {_yaml_str(p.journal)}")
        if p.volume:
            lines.append(f"    volume: {_yaml_str(p.volume)}")
        if p.doi:
            lines.append(f"    doi: {_yaml_str(p.doi)}")
        if p.arxiv:
            lines += ["    identifiers:", "      - type: other",
                      f"        value: {_yaml_str('arXiv:' + p.arxiv)}"]
    return "\n".join(lines) + "\n"


def codemeta(cat: Catalogue) -> str:
    doc = {
        "@context": "https://doi.org/10.5063/schema/codemeta-2.0",
        "@type": "SoftwareSourceCode",
        "name": TITLE,
        "description": DESCRIPTION,
        "version": _version(),
        "license": f"https://spdx.org/licenses/{LICENSE}",
        "programmingLanguage": "Python",
        "author": [{"@type": "Organization", "name": AUTHOR}],
        "keywords": KEYWORDS,
        "referencePublication": [
            {"@type": "ScholarlyArticle", "@id": p.url, "name": p.title, "datePublished": str(p.year)}
            for p in cat.cited_papers()
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def zenodo(cat: Catalogue) -> str:
    rel = []
    for p in cat.cited_papers():
        if p.doi:
            rel.append({"identifier": p.doi, "relation": "references", "scheme": "doi"})
        if p.arxiv:
            rel.append({"identifier": f"arXiv:{p.arxiv}", "relation": "references", "scheme": "arxiv"})
    doc = {
        "title": f"{TITLE}: {DESCRIPTION}",
        "description": DESCRIPTION + ". Activities: " + "; ".join(a.title for a in cat.activities) + ".",
        "upload_type": "software",
        "version": _version(),
        "license": LICENSE,
        "creators": [{"name": AUTHOR}],
        "keywords": KEYWORDS,
        "related_identifiers": rel,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _bib_escape(s: str) -> str:
    return s.replace("&", r"\&").replace("%", r"\%")


def bibtex_entry(p: Paper) -> str:
    kind = "article" if p.journal and p.volume else "misc"
    fields = [("title", "{" + _bib_escape(p.title) + "}"), ("author", " and ".join(p.authors)),
              ("year", str(p.year))]
    if p.journal:
        fields.append(("journal" if kind == "article" else "howpublished", _bib_escape(p.journal)))
    if p.volume:
        fields.append(("volume", p.volume))
    if p.pages:
        fields.append(("pages", p.pages))
    if p.doi:
        fields.append(("doi", p.doi))
    if p.arxiv:
        fields += [("eprint", p.arxiv), ("archiveprefix", "arXiv")]
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
    return f"@{kind}{{{p.key},\n{body}\n}}\n"


def bibtex(cat: Catalogue) -> str:
    head = "% Generated from src/qtilab/catalogue/activities.toml by `qtilab catalogue publish`; do not edit.\n\n"
    return head + "\n".join(bibtex_entry(p) for p in cat.cited_papers())


def files(cat: Catalogue | None = None) -> dict[str, str]:
    """File name -> generated text, for :data:`FILENAMES`."""
    cat = cat or load()
    return {"CITATION.cff": citation_cff(cat), "codemeta.json": codemeta(cat), ".zenodo.json": zenodo(cat),
            "papers.bib": bibtex(cat)}


def write(out_dir: str | os.PathLike[str], cat: Catalogue | None = None) -> list[Path]:
    """Write the four files into ``out_dir``; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files(cat).items():
        p = out / name
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    return paths
