"""``qtilab catalogue ...``: the programme's activities as data.

    qtilab catalogue list [--country C] [--topic T] [--partner P] [--status S] [--json]
    qtilab catalogue validate [FILE]
    qtilab catalogue publish --out DIR     # CITATION.cff, codemeta.json, .zenodo.json, papers.bib
"""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("catalogue", help="the programme's activities: list, filter, validate, publish")
    csub = p.add_subparsers(dest="verb", metavar="<verb>")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])

    ls = csub.add_parser("list", help="list activities (filters combine)")
    ls.add_argument("--file", default=None, help="catalogue TOML (default: the shipped one)")
    ls.add_argument("--country", default=None, help="a partner country, e.g. Italy")
    ls.add_argument("--topic", default=None, help="a topic, e.g. hep, qml, communication")
    ls.add_argument("--partner", default=None, help="part of a partner's name, e.g. Geneva")
    ls.add_argument("--status", default=None, help="planned, active or completed")
    ls.add_argument("--json", action="store_true", help="print the activities as JSON")
    ls.set_defaults(func=_list)

    v = csub.add_parser("validate", help="check countries, partners, papers and commands; exit 1 on problems")
    v.add_argument("file", nargs="?", default=None, help="catalogue TOML (default: the shipped one)")
    v.set_defaults(func=_validate)

    pb = csub.add_parser("publish", help="write CITATION.cff, codemeta.json, .zenodo.json and papers.bib")
    pb.add_argument("--file", default=None, help="catalogue TOML (default: the shipped one)")
    pb.add_argument("--out", default=".", help="folder (default: the current one)")
    pb.set_defaults(func=_publish)


def cli_commands() -> set[str]:
    """Every ``qtilab <group> [<verb> ...]`` command of the command line, as strings."""
    from qtilab.cli import build_parser

    out: set[str] = set()

    def walk(p: argparse.ArgumentParser, prefix: str) -> None:
        for act in p._actions:
            if isinstance(act, argparse._SubParsersAction):
                for name, sp in act.choices.items():
                    out.add(f"{prefix} {name}")
                    walk(sp, f"{prefix} {name}")

    walk(build_parser(), "qtilab")
    return out


def _list(args: argparse.Namespace) -> int:
    from qtilab.catalogue import load

    cat = load(args.file)
    acts = cat.filter(country=args.country, topic=args.topic, partner=args.partner, status=args.status)
    if args.json:
        print(json.dumps([
            {"id": a.id, "title": a.title, "topic": a.topic, "status": a.status, "partners": list(a.partners),
             "countries": cat.countries(a), "papers": [cat.papers[k].url for k in a.papers if k in cat.papers],
             "commands": list(a.commands), "studies": list(a.studies)}
            for a in acts
        ], indent=2, ensure_ascii=False))
        return 0
    for a in acts:
        print(f"{a.id:26s} [{a.topic}, {a.status}] {a.title}")
        print(f"{'':26s} partners: {', '.join(a.partners)} ({', '.join(cat.countries(a))})")
        if a.commands:
            print(f"{'':26s} commands: {'; '.join(a.commands)}")
        if a.papers:
            print(f"{'':26s} papers: {', '.join(cat.papers[k].url for k in a.papers if k in cat.papers)}")
    print(f"{len(acts)} of {len(cat.activities)} activities", file=sys.stderr)
    return 0


def _validate(args: argparse.Namespace) -> int:
    from qtilab.catalogue import load, validate

    cat = load(args.file)
    problems = validate(cat, commands=cli_commands())
    for p in problems:
        print(p)
    where = args.file or "the shipped catalogue"
    if problems:
        print(f"{where}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"{where}: {len(cat.activities)} activities, {len(cat.partners)} partners, {len(cat.papers)} papers; "
          "no problems")
    return 0


def _publish(args: argparse.Namespace) -> int:
    from qtilab.catalogue import load
    from qtilab.catalogue.publish import write

    for p in write(args.out, load(args.file)):
        print(p)
    return 0
