"""The docs are reachable from the software: help epilogs, `qtilab docs`, the packaged copy."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from qtilab.cli import build_parser, main
from qtilab.cli.docs import DOCS_URL, docs_dir, topics

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"


def _last_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n")[-1].split())


def test_help_and_every_group_help_end_with_the_docs() -> None:
    parser = build_parser()
    last = _last_paragraph(parser.format_help())
    assert last.startswith("Documentation:") and "`qtilab docs`" in last and DOCS_URL in last
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert len(sub.choices) >= 8
    for name, p in sub.choices.items():
        last = _last_paragraph(p.format_help())
        assert last.startswith("Documentation:") and "qtilab docs" in last, f"qtilab {name} --help: {last!r}"
        assert DOCS_URL in last


def test_docs_lists_every_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert docs_dir() is not None
    assert set(topics()) == {p.stem for p in DOCS.glob("*.md")}
    assert main(["docs"]) == 0
    out = capsys.readouterr().out
    for p in DOCS.glob("*.md"):
        assert re.search(rf"^\s+{p.stem}\s", out, flags=re.M), p.stem


def test_docs_prints_the_page(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "hep"]) == 0
    assert capsys.readouterr().out == (DOCS / "hep.md").read_text(encoding="utf-8")
    assert main(["docs", "qkd.md", "--path"]) == 0
    assert Path(capsys.readouterr().out.strip()).read_text() == (DOCS / "qkd.md").read_text()


def test_unknown_topic_is_an_error_listing_the_pages(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", "nope"]) == 1
    err = capsys.readouterr().err
    assert "no page 'nope'" in err and "hep" in err and "Traceback" not in err


def test_documentation_url_is_the_repository_docs_folder() -> None:
    text = (REPO / "pyproject.toml").read_text()
    m = re.search(r'^Documentation = "([^"]+)"', text, flags=re.M)
    assert m and m.group(1) == DOCS_URL and DOCS_URL.endswith("/docs")
    repo = re.search(r'^Repository = "([^"]+)"', text, flags=re.M)
    assert repo and DOCS_URL.startswith(repo.group(1) + "/")


def test_guide_lists_every_page_and_readme_links_architecture() -> None:
    index = (DOCS / "index.md").read_text()
    for p in DOCS.glob("*.md"):
        if p.name != "index.md":
            assert f"]({p.name})" in index, f"docs/index.md does not link {p.name}"
    readme = (REPO / "README.md").read_text()
    assert "](docs/architecture.md)" in readme
    assert "DESIGN.md" not in readme  # no pointer to material outside the repository


@pytest.mark.slow
def test_wheel_ships_the_docs(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (whl,) = tmp_path.glob("qtilab-*.whl")
    with zipfile.ZipFile(whl) as z:
        shipped = {Path(n).name: z.read(n) for n in z.namelist() if n.startswith("qtilab/_docs/")}
    assert shipped == {p.name: p.read_bytes() for p in DOCS.glob("*.md")}
