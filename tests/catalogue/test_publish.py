"""CITATION.cff, codemeta.json, .zenodo.json and papers.bib: generated from the catalogue, committed
at the repository root, and consistent with it."""

from __future__ import annotations

import json
import re
from pathlib import Path

from qtilab import __version__
from qtilab.catalogue import load
from qtilab.catalogue.publish import FILENAMES, files

ROOT = Path(__file__).resolve().parents[2]


def test_committed_files_are_the_generated_ones() -> None:
    gen = files()
    for name in FILENAMES:
        committed = (ROOT / name).read_text(encoding="utf-8")
        assert committed == gen[name], f"{name} is stale: run `qtilab catalogue publish --out .`"


def test_every_cited_paper_appears_in_every_file() -> None:
    cat = load()
    cited = cat.cited_papers()
    assert cited
    cff = (ROOT / "CITATION.cff").read_text()
    meta = json.loads((ROOT / "codemeta.json").read_text())
    zen = json.loads((ROOT / ".zenodo.json").read_text())
    bib = (ROOT / "papers.bib").read_text()
    keys = re.findall(r"^@\w+\{([^,]+),", bib, flags=re.M)
    assert sorted(keys) == sorted(p.key for p in cited) and len(set(keys)) == len(keys)
    assert bib.count("{") == bib.count("}")
    zen_ids = {r["identifier"] for r in zen["related_identifiers"]}
    meta_ids = {r["@id"] for r in meta["referencePublication"]}
    for p in cited:
        if p.doi:
            assert f'doi: "{p.doi}"' in cff
            assert p.doi in zen_ids
            assert f"doi = {{{p.doi}}}" in bib
        if p.arxiv:
            assert f"arXiv:{p.arxiv}" in zen_ids
            assert f"eprint = {{{p.arxiv}}}" in bib
        assert p.url in meta_ids
    # the software's own version everywhere
    assert f'version: "{__version__}"' in cff and meta["version"] == __version__ == zen["version"]


def test_doi_and_arxiv_ids_are_well_formed() -> None:
    for p in load().papers.values():
        if p.doi:
            assert re.fullmatch(r"10\.\d{4,9}/\S+", p.doi), p.doi
        if p.arxiv:
            assert re.fullmatch(r"(\d{4}\.\d{4,5}|[a-z-]+/\d{7})", p.arxiv), p.arxiv
