"""QKD link simulation against the key-rate theory (GYS set), and the attack signatures.

Not a timing benchmark: it records the scientific checks of issue #8 with their numbers in
``bench/results/qkd_validation.md`` (simulated vs theory key rate at 25/50/100 km, optimal mu,
cut-off distance, intercept-resend QBER, PNS, E91 CHSH, Cascade efficiency and frame errors).

Run: ``.venv/bin/python bench/qkd_validation.py [--quick]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import time
from pathlib import Path

import numpy as np

from qtilab.qkd import theory
from qtilab.qkd.channel import EveConfig
from qtilab.qkd.postprocess.cascade import cascade
from qtilab.qkd.protocols import LinkConfig, simulate_link


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "qkd_validation.md"))
    args = ap.parse_args()
    scale = 0.1 if args.quick else 1.0
    lines = [
        "# QKD validation (issue #8 checks)",
        "",
        f"Run {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')}; seeds fixed in the script.",
        "",
        "## Theory, GYS set (Ma et al. 2005: optimal mu about 0.48, zero rate at about 142 km)",
        "",
        "- optimal mu at 10 / 50 / 100 km: "
        + " / ".join(f"{float(theory.optimal_mu(d, 'gys')):.3f}" for d in (10, 50, 100)),
        f"- zero key rate at {theory.max_distance('gys'):.1f} km (no decoys: "
        f"{theory.max_distance('gys', protocol='no-decoy'):.1f} km; single photons: "
        f"{theory.max_distance('gys', protocol='single-photon'):.1f} km)",
        "",
        "## Simulated decoy BB84 against theory (bits per pulse, optimal mu)",
        "",
        "| km | pulses | simulated | +- 1 sigma | theory | (sim - theory)/sigma | vacuum+weak decoy estimate | QBER % | time (s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for L, pulses in ((25.0, 2e7), (50.0, 5e7), (100.0, 3e8)):
        n = int(pulses * scale)
        t0 = time.perf_counter()
        r = simulate_link(LinkConfig(distance_km=L, pulses=n, postprocess=False, seed=int(L)))
        e = r.estimates
        z = (e["key_rate_sim"] - e["key_rate_theory"]) / e["key_rate_sim_err"]
        lines.append(
            f"| {L:g} | {n:.1e} | {e['key_rate_sim']:.4e} | {e['key_rate_sim_err']:.2e} | {e['key_rate_theory']:.4e} | "
            f"{z:+.2f} | {e['key_rate_decoy_estimate']:.4e} | {100 * r.stats['qber_signal']:.2f} | {time.perf_counter() - t0:.1f} |"
        )
    lines += ["", "## End to end (25 km, 2e7 pulses)", ""]
    r = simulate_link(LinkConfig(distance_km=25.0, pulses=int(2e7 * scale), seed=7))
    p = r.postprocessing
    lines.append(
        f"status {r.status}; sifted key reconciled {p.get('reconciled_bits')} bits, Cascade f = "
        f"{p.get('cascade_efficiency', float('nan')):.3f}, residual errors {p.get('residual_errors')}, "
        f"final key {r.final_key_bits} bits, Alice == Bob: {r.final_keys_equal}; times "
        + ", ".join(f"{k} {v:.2f}s" for k, v in r.timings.items())
    )
    lines += ["", "## Attacks", ""]
    ir = simulate_link(LinkConfig(distance_km=25.0, pulses=int(1e7 * scale), eve=EveConfig("intercept-resend"), seed=3))
    lines.append(
        f"- full intercept-resend: QBER {100 * ir.stats['qber_signal']:.2f} % (expected 1/4 + e_d/2 = "
        f"{100 * (0.25 + 0.033 / 2):.2f} %); result: `{ir.message}`"
    )
    pr = simulate_link(LinkConfig(distance_km=25.0, pulses=int(1e7 * scale), eve=EveConfig("intercept-resend", 0.2), seed=3))
    lines.append(f"- intercept-resend on 20 % of the pulses: QBER {100 * pr.stats['qber_signal']:.2f} % "
                 f"(expected {100 * (0.2 * (0.25 + 0.0165) + 0.8 * 0.033):.2f} %); {pr.status} {pr.message}")
    pns = simulate_link(LinkConfig(distance_km=40.0, pulses=int(1e7 * scale), eve=EveConfig("pns"), seed=3))
    q_th, _ = theory.gain_and_qber(pns.config["mu"], 40.0)
    lines.append(
        f"- PNS at 40 km: signal gain {pns.stats['gain_signal']:.4g} (honest {float(q_th):.4g}), QBER "
        f"{100 * pns.stats['qber_signal']:.2f} %, Eve knows {100 * pns.stats['eve_known_fraction_of_sifted_signal']:.1f} % "
        f"of the sifted key; decoy gain {pns.stats['gain_decoy']:.3g} vs honest "
        f"{float(theory.gain_and_qber(0.1, 40.0)[0]):.3g}; result: `{pns.message}`"
    )
    good = theory.PARAMETER_SETS["gys"].replace(detector_efficiency=0.6, misalignment=0.01, name="e91-test")
    e91 = simulate_link(LinkConfig(protocol="e91", distance_km=5.0, params=good, pulses=int(1e7 * scale), mu=0.01, seed=1))
    e91i = simulate_link(LinkConfig(protocol="e91", distance_km=5.0, params=good, pulses=int(1e7 * scale), mu=0.01,
                                    eve=EveConfig("intercept-resend"), seed=1))
    lines.append(
        f"- E91 (eta_Bob 0.6, e_d 1 %, 5 km): S = {e91.stats['chsh_s']:.3f} +- {e91.stats['chsh_s_err']:.3f} "
        f"(2 sqrt 2 (1 - 2 e_d) = {2 * math.sqrt(2) * 0.98:.3f}), {e91.status}; with intercept-resend "
        f"S = {e91i.stats['chsh_s']:.3f}: `{e91i.message}`"
    )
    lines += ["", "## Cascade (2^14-bit frames, 14 passes)", "", "| QBER % | frames | f | frames with residual errors |", "|---|---|---|---|"]
    rng = np.random.default_rng(5)
    for q in (0.01, 0.02, 0.03, 0.04, 0.05):
        nf = int(1000 * scale) or 1
        a = rng.integers(0, 2, nf << 14, dtype=np.uint8)
        b = a ^ (rng.random(a.size) < q).astype(np.uint8)
        c = cascade(a, b, q, seed=1)
        lines.append(f"| {100 * q:.0f} | {c.n_frames} | {c.efficiency:.3f} | {int(np.count_nonzero(c.residual_errors_per_frame))} |")
    text = "\n".join(lines) + "\n"
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()
