"""``qtilab demo``: the main job, run on embedded defaults.

Every study contributes a short part through ``demo_part(out_dir, seed)`` in its CLI module.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
import time
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="run a short demonstration of every part of qtilab")
    p.add_argument("--out", default="demo-out", help="folder for the reports (default: demo-out)")
    p.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    p.add_argument("--only", nargs="*", default=None, help="run only these parts (e.g. core rng)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from qtilab.cli import GROUPS
    from qtilab.errors import ConfigError

    available = {}
    for name in ["core"] + [g for g in GROUPS if g not in ("run", "demo", "bench")]:
        full = f"qtilab.cli.{'core_demo' if name == 'core' else name}"
        if importlib.util.find_spec(full) is None:
            continue
        fn = getattr(importlib.import_module(full), "demo_part", None)
        if fn is not None:
            available[name] = fn
    if args.only is not None:
        unknown = [n for n in args.only if n not in available]
        if unknown or not args.only:
            raise ConfigError(
                f"--only: no demo part {', '.join(map(repr, unknown)) or '(none given)'}; "
                f"the parts are: {' '.join(available)}"
            )
    chosen = [n for n in available if args.only is None or n in args.only]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"qtilab demo: parts {' '.join(chosen)}; reports under {out}", flush=True)
    # the first simulation loads the numba kernels, or compiles them once after installation
    from qtilab.sim.firstuse import warm_up

    print("loading the simulation engine (compiled once after installation: about 30 s of CPU)...", flush=True)
    print(f"engine ready in {warm_up():.1f} s", flush=True)
    failed = []
    for name in chosen:
        fn = available[name]
        print(f"\n=== {name} ===", flush=True)
        t0 = time.perf_counter()
        try:
            fn(out / name, args.seed)
        except Exception as exc:  # report and go on with the other parts
            print(f"demo part {name!r} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            failed.append(name)
        print(f"[{name}: {time.perf_counter() - t0:.1f} s]", flush=True)
    print(f"\nreports written under {out.resolve()}")
    try:  # the static site of every report written so far (qtilab report site)
        import warnings

        from qtilab.report.site import build_site

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            site = build_site(out, out / "site")
        for w in caught:
            print(f"site: {w.message}", file=sys.stderr)
        print(f"site of {len(site.studies)} studies: open {site.index.resolve().as_uri()}")
    except Exception as exc:  # the demo's reports stand without the site
        print(f"site not built: {type(exc).__name__}: {exc}", file=sys.stderr)
        failed.append("site")
    return 1 if failed else 0
