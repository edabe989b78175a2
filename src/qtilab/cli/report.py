"""``qtilab report ...``: re-run and compare reports, build the static site and the one-pagers.

    qtilab report site REPORTS_DIR --out SITE [--check]
    qtilab report rerun REPORT [--out DIR] [--rtol R] [--ignore PREFIX ...]
    qtilab report diff A B [--rtol R] [--atol A] [--ignore PREFIX ...] [--json]
    qtilab report onepager REPORTS_DIR --out DIR
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import warnings
from pathlib import Path

#: paths that change from run to run by nature (wall-clock timings); ignored by rerun's comparison
TIMING_WORDS = ("seconds", "timings", "_s", "time")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("report", help="reports: static site, re-run from JSON, diff of numbers, one-pagers")
    rsub = p.add_subparsers(dest="verb", metavar="<verb>")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])

    s = rsub.add_parser("site", help="build a static site (index, a page per study, search, catalogue map)")
    s.add_argument("reports", help="folder holding the reports (searched recursively for *.json)")
    s.add_argument("--out", required=True, help="site folder (opens from disk: OUT/index.html)")
    s.add_argument("--catalogue", default=None, help="catalogue TOML (default: the shipped one)")
    s.add_argument("--no-onepagers", action="store_true", help="skip the PDF/Markdown one-pagers")
    s.add_argument("--check", action="store_true", help="check that every page parses and every link resolves")
    s.set_defaults(func=_site)

    r = rsub.add_parser("rerun", help="run a report's recorded command again and compare the numbers")
    r.add_argument("report", help="report.json (or its folder)")
    r.add_argument("--out", default=None, help="folder for the new run (default: a temporary folder)")
    r.add_argument("--rtol", type=float, default=1e-9, help="relative tolerance of the comparison (default 1e-9)")
    r.add_argument("--atol", type=float, default=0.0, help="absolute tolerance (default 0)")
    r.add_argument("--ignore", nargs="*", default=None,
                   help="path prefixes not compared (default: timing entries, e.g. data.timings)")
    r.set_defaults(func=_rerun)

    d = rsub.add_parser("diff", help="compare the numbers of two reports; exit 1 when they differ")
    d.add_argument("a", help="report.json or its folder")
    d.add_argument("b", help="report.json or its folder")
    d.add_argument("--rtol", type=float, default=1e-9, help="relative tolerance (default 1e-9)")
    d.add_argument("--atol", type=float, default=0.0, help="absolute tolerance (default 0)")
    d.add_argument("--ignore", nargs="*", default=[], help="path prefixes not compared, e.g. data.timings")
    d.add_argument("--json", action="store_true", help="print the differences as JSON")
    d.set_defaults(func=_diff)

    o = rsub.add_parser("onepager", help="value-proposition one-pagers (Markdown + PDF) for three audiences")
    o.add_argument("reports", help="folder holding the reports")
    o.add_argument("--out", required=True, help="folder for physicists/industry/public .md and .pdf")
    o.set_defaults(func=_onepager)


def _site(args: argparse.Namespace) -> int:
    from qtilab.catalogue import load
    from qtilab.report.site import SiteWarning, build_site, check_site

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SiteWarning)
        res = build_site(args.reports, args.out, catalogue=load(args.catalogue) if args.catalogue else None,
                         onepagers=not args.no_onepagers)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    print(f"{len(res.studies)} studies ({len(res.built)} built, {len(res.unchanged)} unchanged), "
          f"{len(res.skipped)} files skipped")
    print(f"open {res.index.resolve().as_uri()}")
    if args.check:
        problems = check_site(res.out)
        for p in problems:
            print(f"site check: {p}", file=sys.stderr)
        if problems:
            return 1
        print("site check: every page parses, every link and image resolves")
    return 0


def _timing_paths(doc: dict[str, object]) -> list[str]:
    from qtilab.report.compare import numbers

    out = []
    for p in numbers(doc):  # type: ignore[arg-type]
        leaf = p.rsplit(".", 1)[-1].split("[")[0]
        if any(w in leaf for w in TIMING_WORDS):
            out.append(p)
    return out


def _rerun(args: argparse.Namespace) -> int:
    from qtilab.report.compare import diff, load, rerun

    old = load(args.report)
    tmp = None
    if args.out is None:
        tmp = tempfile.mkdtemp(prefix="qtilab-rerun-")
        out = Path(tmp)
    else:
        out = Path(args.out)
    new_path = rerun(args.report, out)
    new = load(new_path)
    ignore = tuple(args.ignore) if args.ignore is not None else tuple(_timing_paths(old))
    d = diff(old, new, rtol=args.rtol, atol=args.atol, ignore=ignore)
    print(f"re-ran: new report at {new_path}")
    if ignore and args.ignore is None:
        print(f"({len(ignore)} timing entries not compared)")
    print(d.summary())
    return 0 if d.same else 1


def _diff(args: argparse.Namespace) -> int:
    from qtilab.report.compare import diff, load

    d = diff(load(args.a), load(args.b), rtol=args.rtol, atol=args.atol, ignore=tuple(args.ignore))
    if args.json:
        print(json.dumps({
            "same": d.same, "equal": d.equal,
            "changed": [{"path": c.path, "a": c.old, "b": c.new, "rel": c.rel} for c in d.changed],
            "only_in_a": d.removed, "only_in_b": d.added,
            "versions": {k: list(v) for k, v in d.versions.items()},
        }, indent=2))
    else:
        print(d.summary())
    return 0 if d.same else 1


def _onepager(args: argparse.Namespace) -> int:
    from qtilab.report.onepager import write_onepagers
    from qtilab.report.site import SiteWarning, find_reports

    studies, skipped = find_reports(Path(args.reports))
    for path, why in skipped.items():
        warnings.warn(f"{path}: skipped, {why}", SiteWarning, stacklevel=1)
    for p in write_onepagers([(s.doc, s.rel) for s in studies], args.out):
        print(p)
    return 0
