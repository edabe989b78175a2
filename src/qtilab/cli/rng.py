"""``qtilab rng ...``: the SP 800-22 battery and the Monte Carlo tests on a bit source.

    qtilab rng sources
    qtilab rng test pcg64 --bits 1000000 --sequences 100 --workers 2 --out rng-report
    qtilab rng test hw.bin --format binary --bit-order lsb
    qtilab rng montecarlo lcg16 --clusters 50000

SOURCE is a generator name (``qtilab rng sources`` lists them) or a file of hardware output.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from qtilab.cli import add_common, count


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("rng", help="randomness: NIST SP 800-22 battery and Monte Carlo tests")
    rsub = p.add_subparsers(dest="verb", metavar="<verb>")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])

    s = rsub.add_parser("sources", help="list the bit sources")
    s.set_defaults(func=_sources)

    t = rsub.add_parser(
        "test", help="run the SP 800-22 battery on a source",
        description="Exit status: 0 PASS, 3 FAIL, 4 INCONCLUSIVE (no test could run), 1 bad input.",
    )
    t.add_argument("source", help="source name (see `qtilab rng sources`) or a file")
    t.add_argument("--bits", type=count, default=1_000_000, help="bits per sequence (default 10^6)")
    t.add_argument("--sequences", type=int, default=1, help="number of sequences (default 1; use >= 55 for uniformity)")
    t.add_argument("--tests", nargs="+", default=None, help="test keys (default: all 15)")
    t.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    t.add_argument("--alpha", type=float, default=0.01, help="significance level (default 0.01)")
    t.add_argument("--no-min-length", action="store_true", help="run tests below SP 800-22's minimum input sizes")
    t.add_argument("--overlapping-probabilities", default="reference", choices=["reference", "exact"],
                   help="overlapping-template class probabilities: the reference code's (default) or exact")
    _file_opts(t)
    add_common(t)
    t.set_defaults(func=_test)

    m = rsub.add_parser("montecarlo", help="pi, random walk and 2D Ising (Wolff) tests on a source")
    m.add_argument("source", help="source name or a file")
    m.add_argument("--tests", nargs="+", default=["pi", "walk", "ising"], choices=["pi", "walk", "ising"])
    m.add_argument("--clusters", type=count, default=100_000, help="Wolff cluster updates (default 10^5)")
    m.add_argument("--L", type=int, default=16, help="Ising lattice size (default 16)")
    m.add_argument("--walkers", type=int, default=10_000)
    m.add_argument("--steps", type=int, default=1_000)
    m.add_argument("--pi-max", type=int, default=5, help="largest pi sample size 10^k (default 5)")
    _file_opts(m)
    add_common(m)
    m.set_defaults(func=_montecarlo)


def _file_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", default="binary", choices=["binary", "hex", "ascii"], help="file format (default binary)")
    p.add_argument("--bit-order", default="msb", choices=["msb", "lsb"], help="bit order in each byte (default msb)")


def _source(args: argparse.Namespace) -> Any:
    from qtilab.rng.sources import FileSource, make_source

    spec = args.source
    if spec == "-" or Path(spec).exists() or "/" in spec or spec.startswith("."):
        return FileSource(spec, fmt=args.format, bit_order=args.bit_order)
    return make_source(spec, seed=args.seed)


def _record_input(rep: Any, args: argparse.Namespace) -> None:
    """A file source goes into the report's provenance with its SHA-256."""
    spec = getattr(args, "source", None)
    if spec and spec != "-" and Path(spec).is_file():
        rep.add_input(spec, role="random bits")


def _sources(args: argparse.Namespace) -> int:
    from qtilab.rng.sources import SOURCES

    for k, v in SOURCES.items():
        print(f"{k:40s} {v}")
    return 0


def _bar(total: int, desc: str) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, file=sys.stderr, disable=not sys.stderr.isatty(), leave=False)


def _test(args: argparse.Namespace) -> int:
    from qtilab.rng.battery import BatteryConfig, run_battery

    cfg = BatteryConfig(
        n_bits=args.bits, n_sequences=args.sequences, tests=tuple(args.tests) if args.tests else None,
        alpha=args.alpha, enforce_min_length=not args.no_min_length, workers=args.workers,
        params={"overlapping_template": {"probabilities": args.overlapping_probabilities}}
        if args.overlapping_probabilities != "reference" else {},
    )
    cfg.check()
    src = _source(args)
    bar = _bar(cfg.n_sequences, "sequences")
    try:
        res = run_battery(src, cfg, progress=lambda i: bar.update(i - bar.n))
    finally:
        bar.close()
        if hasattr(src, "close"):
            src.close()
    if args.json:
        print(json.dumps({k: v for k, v in res.to_dict().items()}, default=str))
    else:
        print(f"source: {res.source}")
        print(f"{cfg.n_sequences} sequence(s) x {cfg.n_bits} bits, {res.seconds:.2f} s")
        print(f"{'test':28s} {'verdict':8s} {'failed rows':18s} {'min prop':9s} {'min unif':9s}")
        for row in res.summary_rows():
            print(f"{row[0]:28s} {row[1]:8s} {row[2]:18s} {row[3]:9s} {row[4]:9s} {row[5]}")
        print("overall:", res.verdict.upper())
    if res.verdict == "inconclusive":
        print(
            f"no test could run on {cfg.n_bits} bits (each test's minimum input size is not met); "
            "give more bits (--bits) or --no-min-length",
            file=sys.stderr,
        )
    if args.out:
        rep = battery_report(res)
        _record_input(rep, args)
        paths = rep.write(args.out)
        print(f"report: {paths['md']}", file=sys.stderr)
    return EXIT_CODES[res.verdict]


#: exit status of `qtilab rng test`: 1 is an error (bad input), as for every command
EXIT_CODES = {"pass": 0, "fail": 3, "inconclusive": 4}


def battery_report(res: Any) -> Any:
    """A :class:`qtilab.report.Report` with the summary, failing rows, P-value histograms and
    the proportion plot."""
    import numpy as np

    from qtilab.report import Report

    cfg = res.config
    rep = Report(
        "NIST SP 800-22 battery",
        meta={"source": res.source, "bits": cfg.n_bits, "sequences": cfg.n_sequences, "alpha": cfg.alpha,
              "seconds": round(res.seconds, 3)},
    )
    rep.set_config(cfg)
    rep.add_headline("verdict", str(res.verdict).upper())
    rep.add_headline("tests failed", sum(1 for v in res.verdicts.values() if v.passed is False),
                     unit=f"of {len(res.verdicts)}")
    rep.add_text(
        "Verdict",
        f"{res.verdict.upper()}: a single-row test passes when its row passes; a multi-row "
        "test when its failing rows are within the binomial 99 % allowance. Rows pass when the "
        "proportion of P >= alpha lies in the reference band and (from 55 sequences) the P-value "
        "uniformity P >= 1e-4.",
    )
    rep.add_table("Summary", ["test", "verdict", "failed rows", "min proportion", "min uniformity P", "note"],
                  res.summary_rows())
    bad = [[r.test, r.label, r.n_pass, r.n, r.proportion, r.uniformity_p if r.uniformity_p is not None else ""]
           for v in res.verdicts.values() for r in v.rows if not r.passed]
    if bad:
        rep.add_table("Failing rows", ["test", "row", "passed", "sequences", "proportion", "uniformity P"], bad[:200])
    keys = [k for k, v in res.verdicts.items() if v.rows]
    if keys:
        fig = rep.new_figure("pvalue_histograms", "P-values of each test (all rows, all sequences), 10 bins",
                             figsize=(12, 7))
        ncol = 5
        nrow = -(-len(keys) // ncol)
        for i, k in enumerate(keys):
            ax = fig.add_subplot(nrow, ncol, i + 1)
            pv = np.concatenate([np.asarray(r[k].p_values) for r in res.results if r[k].applicable])
            ax.hist(pv, bins=10, range=(0, 1), color="#4477aa")
            ax.axhline(pv.size / 10, color="k", lw=0.8, ls="--")
            ax.set_title(k, fontsize=8)
            ax.tick_params(labelsize=7)
        fig2 = rep.new_figure("proportions", "Proportion of sequences passing, per row, with the reference band",
                              figsize=(11, 4))
        ax = fig2.gca()
        x = 0
        ticks, names = [], []
        for k in keys:
            v = res.verdicts[k]
            props = [r.proportion for r in v.rows]
            xs = np.arange(x, x + len(props))
            colors = ["#cc3311" if not r.passed else "#4477aa" for r in v.rows]
            ax.scatter(xs, props, s=6, c=colors)
            lo, hi = v.rows[0].band
            ax.hlines([lo], x - 0.5, x + len(props) - 0.5, colors="k", lw=0.8, linestyles="--")
            ticks.append(x + len(props) / 2)
            names.append(k)
            x += len(props) + 4
        ax.set_xticks(ticks)
        ax.set_xticklabels(names, rotation=60, ha="right", fontsize=7)
        ax.set_ylabel("proportion passing")
    rep.data.update(res.to_dict())
    return rep


def _montecarlo(args: argparse.Namespace) -> int:
    from qtilab.rng.montecarlo import MonteCarloConfig, run_montecarlo

    cfg = MonteCarloConfig(
        tests=tuple(args.tests), pi_sizes=tuple(10**k for k in range(3, max(args.pi_max, 3) + 1)),
        walkers=args.walkers, steps=args.steps, ising_L=args.L, ising_clusters=args.clusters,
    )
    src = _source(args)
    bar = _bar(len(cfg.tests), "Monte Carlo tests")
    try:
        res = run_montecarlo(src, cfg, progress=lambda name: bar.update(1))
    finally:
        bar.close()
    if args.json:
        from qtilab.report import _jsonable

        print(json.dumps(_jsonable(_mc_dict(res))))
    else:
        _print_mc(res)
    if args.out:
        rep = montecarlo_report(res)
        _record_input(rep, args)
        paths = rep.write(args.out)
        print(f"report: {paths['md']}", file=sys.stderr)
    return 0


def _mc_dict(res: Any) -> dict[str, Any]:
    return {
        "source": res.source,
        "pi": [{"method": e.method, "n": e.n, "replicas": e.replicas, "mean": e.mean, "std": e.std,
                "exact_std": e.exact_std, "bias": e.bias, "z": e.z} for e in res.pi],
        "walk": res.walk,
        "ising": None if res.ising is None else {**res.ising.__dict__, "z": res.ising.z},
    }


def _print_mc(res: Any) -> None:
    print(f"source: {res.source}")
    for e in res.pi:
        print(f"pi {e.method:12s} N={e.n:>8d}: {e.mean:.6f} +- {e.std / e.replicas**0.5:.6f}  bias {e.bias:+.2e}  "
              f"z {e.z:+.2f}  std/exact {e.std / e.exact_std:.2f}")
    if res.walk:
        w = res.walk
        print(f"walk {w.walkers} x {w.steps}: mean z {w.mean_z:+.2f}, <x^2>/T z {w.msd_z:+.2f}, end-point chi2 P {w.chi2_p:.3g}")
    if res.ising:
        i = res.ising
        print(f"Ising {i.L}x{i.L} Wolff at K_c, {i.clusters} clusters: E/N = {i.energy:.6f} +- {i.error:.6f}, "
              f"exact {i.exact:.7f}, z = {i.z:+.2f}")


def montecarlo_report(res: Any) -> Any:
    from qtilab.report import Report

    rep = Report("Monte Carlo tests of a random source", meta={"source": res.source})
    if res.ising:
        rep.add_headline("2D Ising E/N deviation from the exact value", round(res.ising.z, 2), unit="sigma")
    for e in res.pi[-1:]:
        rep.add_headline(f"pi ({e.method}, N={e.n}) bias", round(e.z, 2), unit="sigma")
    if res.pi:
        rep.add_table("pi estimates", ["method", "N", "replicas", "mean", "bias", "std", "exact std", "z"],
                      [[e.method, e.n, e.replicas, e.mean, e.bias, e.std, e.exact_std, e.z] for e in res.pi],
                      note="z = bias / (std / sqrt(replicas)); |z| > 4 means the generator biases the estimate; "
                           "std far from the exact std means it distorts the variance.")
        fig = rep.new_figure("pi_bias", "bias of the pi estimators against N (error bars: standard error)")
        ax = fig.gca()
        for m in ("hit-or-miss", "buffon"):
            es = [e for e in res.pi if e.method == m]
            ax.errorbar([e.n for e in es], [e.bias for e in es], [e.std / e.replicas**0.5 for e in es],
                        marker="o", capsize=3, label=m)
        ax.axhline(0, color="k", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("N")
        ax.set_ylabel("estimate - pi")
        ax.legend()
    if res.walk:
        w = res.walk
        rep.add_table("random walk", ["walkers", "steps", "mean", "mean z", "<x^2>", "<x^2> z", "end-point chi2 P"],
                      [[w.walkers, w.steps, w.mean, w.mean_z, w.msd, w.msd_z, w.chi2_p]])
    if res.ising:
        i = res.ising
        rep.add_table("2D Ising, Wolff at K_c", ["L", "clusters", "bins", "E/N", "error", "exact", "z"],
                      [[i.L, i.clusters, i.bins, i.energy, i.error, i.exact, i.z]],
                      note="exact: Kaufman / Ferdinand-Fisher finite-lattice energy (FLW 1992 quote -1.4530649 for L = 16).")
        fig = rep.new_figure("ising_bins", "energy per spin, bin means, against the exact value")
        ax = fig.gca()
        ax.plot(range(len(i.bin_means)), i.bin_means, "o", label="bin means")
        ax.axhline(i.exact, color="k", label="exact")
        ax.axhspan(i.energy - i.error, i.energy + i.error, alpha=0.2, label="mean +- error")
        ax.set_xlabel("bin")
        ax.set_ylabel("E / N")
        ax.legend()
    rep.data.update(_mc_dict(res))
    return rep


def demo_part(out_dir: Path, seed: int) -> None:
    """Battery on 10^6 bits of a good generator and of a beam-splitter QRNG model before and
    after its extractor; pi and Ising with a good and a bad generator."""
    from qtilab.rng.battery import BatteryConfig, run_battery
    from qtilab.rng.montecarlo import MonteCarloConfig, run_montecarlo
    from qtilab.rng.sources import make_source

    out_dir.mkdir(parents=True, exist_ok=True)
    for spec in ("pcg64", "beamsplitter", "beamsplitter+toeplitz"):
        res = run_battery(make_source(spec, seed=seed), BatteryConfig(n_bits=1_000_000))
        failed = [k for k, v in res.verdicts.items() if v.passed is False]
        print(f"SP 800-22 on 10^6 bits of {spec:22s}: {'PASS' if res.passed else 'FAIL'} "
              f"({res.seconds:.2f} s){'; failed: ' + ', '.join(failed) if failed else ''}")
        battery_report(res).write(out_dir / f"battery-{spec.replace('+', '-')}")
    cfg = MonteCarloConfig(tests=("pi", "ising"), pi_sizes=(10**4, 10**5), pi_replicas=10, ising_clusters=10_000)
    for spec in ("pcg64", "lcg16"):
        mc = run_montecarlo(make_source(spec, seed=seed), cfg)
        i = mc.ising
        assert i is not None
        print(f"Ising 16x16 Wolff with {spec:6s}: E/N = {i.energy:.5f} +- {i.error:.5f} (exact {i.exact:.5f}, z = {i.z:+.1f})")
        montecarlo_report(mc).write(out_dir / f"montecarlo-{spec}")
