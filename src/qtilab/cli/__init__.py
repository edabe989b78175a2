"""The ``qtilab`` command line: ``qtilab <group> <verb>``.

Each command group lives in its own module of this package and provides
``register(subparsers)``; a group that contributes to ``qtilab demo`` also provides
``demo_part(out_dir, seed) -> None``. Heavy imports stay inside the handlers so that
``qtilab --help`` is fast. ``main(argv)`` returns the exit code, so tests call it directly.
Results go to stdout, logs and progress to stderr.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import sys
from collections.abc import Sequence

from qtilab import __version__
from qtilab.errors import QtilabError

#: command-group modules, in the order they appear in ``--help`` and in ``qtilab demo``
GROUPS = (
    "run", "demo", "bench", "qasm", "rng", "qkd", "hep", "qml",
    "algo", "eo", "service", "report", "catalogue", "docs", "noise",
)


def _group_modules() -> list[object]:
    mods: list[object] = []
    for name in GROUPS:
        full = f"qtilab.cli.{name}"
        if importlib.util.find_spec(full) is not None:
            mods.append(importlib.import_module(full))
    return mods


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qtilab",
        description="qtilab: quantum-circuit simulation and its HEP, QML, randomness and QKD applications.",
    )
    parser.add_argument("--version", action="version", version=f"qtilab {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to stderr")
    sub = parser.add_subparsers(dest="group", metavar="<group>")
    for mod in _group_modules():
        mod.register(sub)  # type: ignore[attr-defined]
    _add_docs_epilogs(parser, sub)
    return parser


def _add_docs_epilogs(parser: argparse.ArgumentParser, sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """End ``qtilab --help`` and every group's help with where the documentation is."""
    from qtilab.cli.docs import DOCS_URL, EPILOG, topics

    parser.epilog = EPILOG
    pages = set(topics())
    for name, p in sub.choices.items():
        if p.epilog:
            continue
        page = name if name in pages else "cli"
        p.epilog = f"Documentation: `qtilab docs {page}` (offline), {DOCS_URL}/{page}.md; `qtilab docs` lists every page."


def count(text: str) -> int:
    """An argparse type for counts: ``1e6`` as well as ``1000000`` (non-negative integers)."""
    try:
        v = float(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not v.is_integer() or v < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}")
    return int(v)


def add_common(p: argparse.ArgumentParser, *, out: bool = True, json_flag: bool = True) -> None:
    """The shared options ``--seed``, ``--out`` and ``--json``."""
    p.add_argument("--seed", type=int, default=None, help="seed of the random generator (default: drawn and printed)")
    if out:
        p.add_argument("--out", default=None, help="folder for the report (JSON, Markdown, PNG)")
    if json_flag:
        p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    # qtilab's own messages at INFO (DEBUG with -v); other libraries (httpx, uvicorn...) only
    # from WARNING up, so client commands do not print their INFO lines
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("qtilab").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    # warnings read as messages, not as source locations (file:line: Category: text)
    import warnings

    warnings.formatwarning = _format_warning
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    if "seed" in vars(args) and args.seed is None:
        # every run can be repeated: a command without --seed draws one and says which
        import secrets

        args.seed = secrets.randbelow(2**31)
        print(f"seed {args.seed} (drawn; add --seed {args.seed} to repeat this run)", file=sys.stderr)
    try:
        return int(func(args) or 0)
    except QtilabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # pragma: no cover
        print("interrupted", file=sys.stderr)
        return 130


def _format_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                    line: str | None = None) -> str:
    return f"warning: {message}\n"


def console_main() -> None:
    sys.exit(main())
