"""``qtilab docs [TOPIC]``: the user guide, offline, from the installed package.

    qtilab docs              # list the pages
    qtilab docs hep          # print docs/hep.md
    qtilab docs hep --path   # print where the page is

The pages are ``docs/*.md`` of the repository. A wheel carries a copy in ``qtilab/_docs``
(``setup.py`` copies them at build time); an editable install reads the checkout's ``docs/``.
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

#: where the documentation lives online (also pyproject's ``Documentation`` URL; a test checks)
DOCS_URL = "https://github.com/qtilab/qtilab/tree/main/docs"

#: the line that ends ``qtilab --help`` and every group's help
EPILOG = f"Documentation: `qtilab docs` lists the guide's pages (offline), `qtilab docs TOPIC` prints one; online: {DOCS_URL}"


def docs_dir() -> Path | None:
    """The folder holding the guide's pages: the packaged copy, else the checkout's ``docs/``."""
    try:
        packaged = Path(str(resources.files("qtilab").joinpath("_docs")))
        if packaged.is_dir() and any(packaged.glob("*.md")):
            return packaged
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - a zipped install
        pass
    checkout = Path(__file__).resolve().parents[3] / "docs"
    if checkout.is_dir() and (checkout / "index.md").exists():
        return checkout
    return None


def topics() -> dict[str, Path]:
    """Page name (file stem) -> path, in alphabetical order with ``index`` first."""
    d = docs_dir()
    if d is None:
        return {}
    pages = {p.stem: p for p in sorted(d.glob("*.md"))}
    return dict(sorted(pages.items(), key=lambda kv: (kv[0] != "index", kv[0])))


def _title(path: Path) -> str:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return ""


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("docs", help="print a page of the user guide (offline); no topic lists them",
                       epilog=EPILOG)
    p.add_argument("topic", nargs="?", default=None, help="page name, e.g. hep, qkd, rng (default: list the pages)")
    p.add_argument("--path", action="store_true", help="print the page's file path instead of its text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from qtilab.errors import ConfigError

    pages = topics()
    if not pages:
        raise ConfigError(f"the documentation pages are not installed with this copy of qtilab; read them at {DOCS_URL}")
    if args.topic is None:
        width = max(len(k) for k in pages)
        print("Pages of the qtilab guide (`qtilab docs TOPIC` prints one):")
        for name, path in pages.items():
            print(f"  {name:{width}s}  {_title(path)}")
        print(f"Online: {DOCS_URL}")
        return 0
    topic = args.topic.lower().removesuffix(".md")
    if topic not in pages:
        raise ConfigError(f"no page {args.topic!r}; pages: {', '.join(pages)}")
    if args.path:
        print(pages[topic])
        return 0
    sys.stdout.write(pages[topic].read_text(encoding="utf-8"))
    return 0
