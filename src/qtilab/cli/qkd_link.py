"""``qtilab qkd simulate`` and ``qtilab qkd keyrate``: the link verbs of the qkd group.

Thin layers over :func:`qtilab.qkd.protocols.simulate_link` and
:func:`qtilab.qkd.study.scan_key_rate`; heavy imports stay inside the handlers.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qtilab.cli import add_common
from qtilab.errors import ConfigError

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from qtilab.qkd.protocols import LinkResult
    from qtilab.qkd.study import KeyRateScan
    from qtilab.report import Report


def _count(text: str) -> int:
    """Accept 1e8 as well as 100000000."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not v.is_integer() or v < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text!r}")
    return int(v)


def register(qsub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = qsub.add_parser("simulate", help="simulate a QKD link end to end, photons to final key")
    p.add_argument("--protocol", default="bb84-decoy", help="bb84-decoy (default), bb84-single-photon, bbm92, e91")
    p.add_argument("--distance", type=float, default=25.0, help="fibre length in km (default 25)")
    p.add_argument("--pulses", type=_count, default=10_000_000, help="pulses sent, e.g. 1e8 (default 1e7)")
    p.add_argument("--params", default="gys", help="parameter set (default gys)")
    p.add_argument("--mu", type=float, default=None, help="signal intensity (default: optimal)")
    p.add_argument("--nu", type=float, default=0.1, help="weak decoy intensity (default 0.1)")
    p.add_argument("--vacuum", type=float, default=0.0, help="vacuum decoy intensity (default 0)")
    p.add_argument("--eve", default="none", help="none (default), intercept-resend, pns")
    p.add_argument("--eve-fraction", type=float, default=1.0, help="fraction attacked by intercept-resend")
    p.add_argument("--qber-threshold", type=float, default=0.11, help="abort threshold (default 0.11)")
    p.add_argument("--finite-key", action="store_true", help="finite-key length (Lim et al. 2014)")
    p.add_argument("--no-postprocess", action="store_true", help="stop after parameter estimation")
    add_common(p)
    p.set_defaults(func=_simulate)

    k = qsub.add_parser("keyrate", help="key rate against distance: theory curves and simulated points")
    k.add_argument("--from", dest="start", type=float, default=0.0, help="first distance in km (default 0)")
    k.add_argument("--to", dest="stop", type=float, default=200.0, help="last distance in km (default 200)")
    k.add_argument("--points", type=int, default=201, help="points of the theory curve (default 201)")
    k.add_argument("--params", default="gys", help="parameter set (default gys)")
    k.add_argument(
        "--simulate-at", type=float, nargs="*", default=[25.0, 50.0, 100.0],
        help="distances to simulate (default 25 50 100; none for theory only)",
    )
    k.add_argument("--pulses", type=_count, default=10_000_000, help="pulses per simulated point (default 1e7)")
    add_common(k)
    k.set_defaults(func=_keyrate)


def _simulate(args: argparse.Namespace) -> int:
    from qtilab.qkd.channel import EveConfig
    from qtilab.qkd.protocols import LinkConfig, simulate_link

    cfg = LinkConfig(
        protocol=args.protocol,
        distance_km=args.distance,
        params=args.params,
        pulses=args.pulses,
        mu=args.mu,
        nu=args.nu,
        vacuum=args.vacuum,
        eve=EveConfig(kind=args.eve, fraction=args.eve_fraction),
        qber_threshold=args.qber_threshold,
        finite_key=args.finite_key,
        postprocess=not args.no_postprocess,
        seed=args.seed,
    )
    res = simulate_link(cfg, progress=True)
    if args.json:
        from qtilab.report import _jsonable

        print(json.dumps(_jsonable(res.to_dict()), indent=2))
    else:
        print(res.summary())
    if args.out:
        paths = link_report(res).write(args.out)
        print(f"report written to {Path(args.out).resolve()} ({', '.join(sorted(paths))})", file=sys.stderr)
    return 0


def _keyrate(args: argparse.Namespace) -> int:
    from qtilab.qkd.study import KeyRateScanConfig, scan_key_rate

    if args.points < 2:
        raise ConfigError(f"--points must be >= 2, got {args.points}")
    cfg = KeyRateScanConfig(
        start_km=args.start,
        stop_km=args.stop,
        points=args.points,
        params=args.params,
        simulate_at=tuple(args.simulate_at),
        pulses=args.pulses,
        seed=args.seed,
    )
    scan = scan_key_rate(cfg, progress=True)
    if args.json:
        from qtilab.report import _jsonable

        print(json.dumps(_jsonable(scan.to_dict()), indent=2))
    else:
        print(f"parameter set {scan.params.name}: key rate reaches zero at {scan.max_distance_km:.1f} km")
        step = max(1, len(scan.distance_km) // 10)
        print(f"{'km':>8} {'opt mu':>8} {'decoy BB84':>12} {'1-photon':>12} {'no decoy':>12}")
        for i in range(0, len(scan.distance_km), step):
            mu = scan.optimal_mu[i]
            print(
                f"{scan.distance_km[i]:8.1f} {mu:8.3f} {scan.decoy[i]:12.4e} "
                f"{scan.single_photon[i]:12.4e} {scan.no_decoy[i]:12.4e}"
            )
        for r in scan.simulations:
            e = r.estimates
            print(
                f"simulated {r.config['distance_km']:g} km ({r.config['pulses']:.2g} pulses): "
                f"{e['key_rate_sim']:.4e} +- {e['key_rate_sim_err']:.2e} bits/pulse, theory {e['key_rate_theory']:.4e}"
            )
    if args.out:
        scan_report(scan).write(args.out)
        print(f"report written to {Path(args.out).resolve()}", file=sys.stderr)
    return 0


def demo_part(out_dir: Path, seed: int) -> None:
    """A short QKD run: GYS key-rate curve with one simulated point, and one full link run."""
    from qtilab.qkd.channel import EveConfig
    from qtilab.qkd.protocols import LinkConfig, simulate_link
    from qtilab.qkd.study import KeyRateScanConfig, scan_key_rate

    out_dir = Path(out_dir)
    scan = scan_key_rate(KeyRateScanConfig(simulate_at=(50.0,), pulses=2_000_000, seed=seed))
    r = scan.simulations[0]
    print(
        f"GYS decoy BB84: zero key rate at {scan.max_distance_km:.1f} km; at 50 km simulated "
        f"{r.estimates['key_rate_sim']:.3e} +- {r.estimates['key_rate_sim_err']:.1e} vs theory "
        f"{r.estimates['key_rate_theory']:.3e} bits/pulse"
    )
    scan_report(scan).write(out_dir / "keyrate")
    res = simulate_link(LinkConfig(distance_km=25.0, pulses=2_000_000, seed=seed))
    print(res.summary())
    link_report(res).write(out_dir / "link")
    ir = simulate_link(
        LinkConfig(distance_km=25.0, pulses=1_000_000, eve=EveConfig("intercept-resend"), postprocess=False, seed=seed)
    )
    print(
        f"with a full intercept-resend attack: QBER of all sifted signal bits "
        f"{100 * ir.stats['qber_signal']:.1f} % (expected 1/4 + e_d/2 = 26.7 %); {ir.message}"
    )


# --- reports (the report writer lives above qkd in the layering) ---


def scan_report(scan: KeyRateScan) -> Report:
    """A Report with the key-rate plot (theory curves, simulated points) and tables."""
    import numpy as np

    from qtilab.report import Report

    p = scan.params
    rep = Report(
        f"QKD key rate against distance ({p.name})",
        meta={"params": p.name, "max_distance_km": round(scan.max_distance_km, 2)},
    )
    rep.add_headline("key rate reaches zero at", round(scan.max_distance_km, 1), unit="km")
    rep.add_text(
        "Model",
        "Asymptotic decoy-state BB84 (GLLP with infinitely many decoys, Ma et al. 2005), BB84 "
        "with an ideal single-photon source, and weak-coherent BB84 without decoys (GLLP, all "
        "multi-photon pulses tagged). Rates are secret bits per pulse. Simulated points: decoy "
        "BB84 at the optimal signal intensity, rate from the simulated gains and the simulated "
        "single-photon contributions, error bars from batch means (1 sigma).",
    )
    rows = [
        [float(d), float(mu) if math.isfinite(mu) else "-", float(r)]
        for d, mu, r in zip(scan.distance_km[:: max(1, len(scan.distance_km) // 20)],
                            scan.optimal_mu[:: max(1, len(scan.distance_km) // 20)],
                            scan.decoy[:: max(1, len(scan.distance_km) // 20)])
    ]
    rep.add_table("Theory (decoy BB84, optimal mu)", ["distance (km)", "optimal mu", "key rate (bits/pulse)"], rows)
    if scan.simulations:
        rep.add_table(
            "Simulation against theory",
            ["distance (km)", "mu", "pulses", "simulated rate", "+- (1 sigma)", "theory", "decoy estimate", "QBER (%)"],
            [
                [
                    r.config["distance_km"],
                    r.config["mu"],
                    r.config["pulses"],
                    r.estimates["key_rate_sim"],
                    r.estimates["key_rate_sim_err"],
                    r.estimates["key_rate_theory"],
                    r.estimates.get("key_rate_decoy_estimate", float("nan")),
                    100 * r.stats.get("qber_signal", float("nan")),
                ]
                for r in scan.simulations
            ],
        )
    fig = rep.new_figure("keyrate", "Secret key rate against fibre length")
    ax = fig.gca()
    d = scan.distance_km

    def pos(y: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.where(y > 0, y, np.nan)

    ax.semilogy(d, pos(scan.single_photon), "--", label="single-photon BB84")
    ax.semilogy(d, pos(scan.decoy), "-", label="decoy BB84 (infinite decoys)")
    ax.semilogy(d, pos(scan.no_decoy), ":", label="WCP BB84, no decoys")
    if scan.simulations:
        xs = [r.config["distance_km"] for r in scan.simulations]
        ys = [r.estimates["key_rate_sim"] for r in scan.simulations]
        es = [r.estimates["key_rate_sim_err"] for r in scan.simulations]
        ax.errorbar(xs, ys, yerr=es, fmt="o", color="k", label="simulation")
    ax.axvline(scan.max_distance_km, color="grey", lw=0.8)
    ax.set_xlabel("distance (km)")
    ax.set_ylabel("key rate (bits per pulse)")
    ax.set_title(f"parameter set {p.name}: zero rate at {scan.max_distance_km:.1f} km")
    ax.legend()
    rep.data.update(scan.to_dict())
    return rep


def link_report(res: LinkResult) -> Report:
    """A Report for one simulated link run."""
    from qtilab.report import Report

    c = res.config
    rep = Report(
        f"QKD link: {c['protocol']} over {c['distance_km']:g} km",
        meta={"params": c["params_name"], "pulses": c["pulses"], "seed": c["seed"], "status": res.status},
    )
    rep.set_config(c)
    rep.add_headline("status", res.status)
    if "key_rate_sim" in res.estimates:
        rep.add_headline("secret key rate (simulated)", res.estimates["key_rate_sim"], unit="bits/pulse",
                         error=res.estimates.get("key_rate_sim_err"))
    rep.add_text("Summary", "```\n" + res.summary() + "\n```")
    rep.add_quantities("Counts and rates", {k: v for k, v in res.stats.items() if not isinstance(v, dict)},
                       LINK_LABELS)
    rep.add_quantities("Estimates", res.estimates, LINK_LABELS)
    if res.postprocessing:
        rep.add_quantities("Post-processing",
                           {k: v for k, v in res.postprocessing.items() if not isinstance(v, dict)}, LINK_LABELS)
    rep.data.update(res.to_dict())
    return rep


def _link_labels() -> dict[str, Any]:
    """Labels and units of the link's raw result keys (qtilab.qkd.protocols.LinkResult)."""
    from qtilab.report.quantities import Quantity

    pct = "%"
    out: dict[str, Any] = {}
    names = {"signal": "signal", "decoy": "weak decoy", "vacuum": "vacuum decoy"}
    for k, n in names.items():
        out[f"sent_{k}"] = (f"{n} pulses sent", "pulses")
        out[f"detected_{k}"] = (f"{n} pulses detected", "clicks")
        out[f"sifted_{k}"] = (f"{n} bits after sifting", "bits")
        out[f"errors_{k}"] = (f"{n} sifted bits in error", "bits")
        out[f"gain_{k}"] = (f"{n} gain Q (detections per pulse)", "per pulse")
        out[f"qber_{k}"] = Quantity(f"{n} QBER", pct, scale=100)
    out.update({
        "single_photon_gain_signal": ("single-photon gain Q1 of the signal (simulated)", "per pulse"),
        "single_photon_error_signal": Quantity("single-photon error rate e1 of the signal (simulated)", pct, 100),
        "eve_known_fraction_of_sifted_signal": Quantity("fraction of sifted signal bits known to Eve", pct, 100),
        "key_rate_sim": ("secret key rate, simulated", "bits/pulse"),
        "key_rate_sim_err": ("secret key rate, simulated: standard error", "bits/pulse"),
        "key_rate_theory": ("secret key rate, theory (GLLP, infinite decoys)", "bits/pulse"),
        "key_rate_decoy_estimate": ("secret key rate from the decoy bounds", "bits/pulse"),
        "decoy_bounds.y0": ("background yield Y0 (decoy estimate)", "per pulse"),
        "decoy_bounds.y1_lower": ("single-photon yield Y1, lower bound", "per pulse"),
        "decoy_bounds.q1_lower": ("single-photon gain Q1, lower bound", "per pulse"),
        "decoy_bounds.e1_upper": Quantity("single-photon error rate e1, upper bound", pct, 100),
        "gain_signal_theory": ("signal gain Q, theory", "per pulse"),
        "qber_signal_theory": Quantity("signal QBER, theory", pct, 100),
        "qber_sample_bits": ("bits disclosed to estimate the QBER", "bits"),
        "qber_estimate": Quantity("QBER estimated from the disclosed sample", pct, 100),
        "reconciled_bits": ("bits entering error correction", "bits"),
        "cascade_efficiency": ("Cascade efficiency f (leaked / Shannon limit)", ""),
        "leaked_ec_bits": ("bits leaked by error correction", "bits"),
        "cascade_frames": ("Cascade frames", ""),
        "cascade_frame_error_rate": Quantity("frames left with errors", pct, 100),
        "qber_corrected": Quantity("QBER found by Cascade (corrected errors / bits)", pct, 100),
        "residual_errors": ("errors left after Cascade", "bits"),
        "verification_passed": ("verification hash agrees", ""),
        "verification_tag_bits": ("verification tag length", "bits"),
        "final_key_length": ("final key length (negative: no key)", "bits"),
    })
    return out


#: raw key -> (label, unit) or Quantity, for the link report's tables
LINK_LABELS = _link_labels()
