"""``qtilab qml perceptron``: the quantum perceptron of Tacchino et al. (2019), checked and trained.

    qtilab qml perceptron --n 4 --out DIR

The report holds the 16 x 16 activation map of the N = 2 perceptron (every input against every
weight vector) from the circuit, from 1024 shots and under depolarizing noise, beside the ideal
(i.w/m)^2; the circuit's largest deviation from the closed form at N = 2 and on a random sample
at N = ``--n`` (both constructions, and the phase-encoded extension); and, for ``--n 4``, the
hybrid training on 4 x 4 images: the learning curve and the learned weight image.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from qtilab.cli import add_common


def add_parser(qsub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = qsub.add_parser("perceptron", help="quantum perceptron (Tacchino et al. 2019): checks and hybrid training")
    p.add_argument("--n", type=int, default=4, help="qubits N of the checked perceptron, m = 2^N inputs "
                   "(default 4; the training on 4 x 4 images runs when N = 4)")
    p.add_argument("--method", default="hypergraph", choices=["hypergraph", "sign_flip"],
                   help="how the sign flips are written (default hypergraph)")
    p.add_argument("--epochs", type=int, default=10, help="training epochs at most (default 10)")
    p.add_argument("--positives", type=int, default=50, help="positive training examples (default 50)")
    p.add_argument("--negatives", type=int, default=1000, help="negative training examples (default 1000)")
    p.add_argument("--threshold", type=float, default=0.5, help="firing threshold on (i.w/m)^2 (default 0.5)")
    p.add_argument("--noise", type=float, default=0.01,
                   help="depolarizing probability after every gate for the noisy N = 2 map (default 0.01; 0 skips it)")
    p.add_argument("--shots", type=int, default=1024, help="shots for the sampled N = 2 map (default 1024)")
    add_common(p)
    p.set_defaults(func=_run)


def perceptron_study(args: argparse.Namespace) -> dict[str, Any]:
    """Run the checks and (for N = 4) the training; return the numbers and arrays of the report."""
    import numpy as np

    from qtilab.qml import perceptron as P
    from qtilab.sim.noise import NoiseModel, depolarizing

    n = args.n
    P.check_n_qubits(n, 64)
    seed = 0 if args.seed is None else args.seed
    rng = np.random.default_rng(seed)
    out: dict[str, Any] = {"config": {k: getattr(args, k) for k in
                                      ("n", "method", "epochs", "positives", "negatives", "threshold", "noise", "shots", "seed")}}
    # the N = 2 map: rows = weights, columns = inputs, patterns in the order of all_patterns(2)
    pats = P.all_patterns(2)
    ideal = np.array([P.closed_form(pats, w) for w in pats])
    maps = {"ideal": ideal}
    checks = []
    for method in P.METHODS:
        t0 = time.perf_counter()
        got = np.array([P.activation(pats, w, method=method) for w in pats])
        checks.append(["N = 2, all 16 x 16 pairs", method, 256, float(np.max(np.abs(got - ideal))), time.perf_counter() - t0])
        if method == args.method:
            maps["circuit"] = got
    maps["shots"] = np.array([P.activation(pats, w, method=args.method, shots=args.shots, seed=rng) for w in pats])
    if args.noise > 0:
        model = NoiseModel().add(depolarizing(args.noise))
        maps["noisy"] = np.array([P.activation(pats, w, method=args.method, noise=model) for w in pats])
    # a random sample at N = n
    m = 1 << n
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=m)
    x = rng.choice(np.array([-1, 1], dtype=np.int8), size=(64, m))
    for method in P.METHODS:
        t0 = time.perf_counter()
        a = P.activation(x, w, method=method)
        checks.append([f"N = {n}, 64 random inputs", method, 64, float(np.max(np.abs(a - P.closed_form(x, w)))),
                       time.perf_counter() - t0])
    th = rng.uniform(0, 2 * np.pi, size=(64, m))
    ph = rng.uniform(0, 2 * np.pi, size=m)
    t0 = time.perf_counter()
    a = P.phase_activation(th, ph)
    ref = np.abs(np.exp(1j * (th - ph)).sum(axis=1)) ** 2 / m**2
    checks.append([f"N = {n}, 64 random phase inputs", "phase (Mangini et al.)", 64, float(np.max(np.abs(a - ref))),
                   time.perf_counter() - t0])
    out["checks"] = checks
    out["maps"] = maps
    if n == 4:
        cfg = P.PerceptronTrainingConfig(
            threshold=args.threshold, epochs=args.epochs, n_positive=args.positives, n_negative=args.negatives,
            method=args.method, seed=seed, progress=True,
        )
        t0 = time.perf_counter()
        res = P.train_perceptron(cfg)
        out["training"] = {
            "seconds": time.perf_counter() - t0, "updates": res.updates, "circuit_evaluations": res.circuit_evaluations,
            "final_accuracy_circuit": res.final_accuracy_circuit, "max_abs_circuit_error": res.max_abs_circuit_error,
            "overlap_with_target": res.curve[-1]["overlap_with_target"], "curve": res.curve,
            "initial_weights": res.initial_weights.tolist(), "weights": res.weights.tolist(), "target": res.target.tolist(),
            "positives_in_all_patterns": int(np.sum(P.closed_form(P.all_patterns(4), res.target) > args.threshold)),
        }
    return out


def _report(res: dict[str, Any]) -> Any:
    import numpy as np

    from qtilab.report import Report

    rep = Report("Quantum perceptron (Tacchino et al. 2019)", meta=res["config"])
    rep.add_table(
        "Circuit against the closed form (i.w/m)^2", ["check", "construction", "pairs", "max |circuit - closed form|", "seconds"],
        res["checks"],
    )
    maps = res["maps"]
    panels = [("ideal", "ideal (i.w/4)^2"), ("circuit", "circuit (exact)"), ("shots", f"circuit, {res['config']['shots']} shots")]
    if "noisy" in maps:
        panels.append(("noisy", f"depolarizing p = {res['config']['noise']} after each gate"))
    fig = rep.new_figure("map_n2", "Activation of the N = 2 perceptron for every input (columns) and weight (rows) "
                         "pattern; pattern k has entry j = -1 when bit j of k is 1.", figsize=(3.2 * len(panels), 3.4))
    for k, (key, title) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), k + 1)
        im = ax.imshow(np.asarray(maps[key]), vmin=0, vmax=1, cmap="viridis")
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("input k")
        if k == 0:
            ax.set_ylabel("weight k")
    fig.colorbar(im, ax=fig.axes[-1], fraction=0.046, pad=0.04)
    rows = [[key, float(np.max(np.abs(np.asarray(maps[key]) - np.asarray(maps["ideal"]))))] for key, _ in panels[1:]]
    rep.add_table("N = 2 map: largest deviation from the ideal", ["map", "max |map - ideal|"], rows)
    tr = res.get("training")
    if tr is not None:
        cfg = res["config"]
        rep.add_text("Training (N = 4, 4 x 4 images)", (
            "Target: a cross (row 1 and column 1 dark). Positive class: every 4 x 4 pattern whose activation against "
            f"the target exceeds the threshold {cfg['threshold']} ({tr['positives_in_all_patterns']} of the 65536 "
            "patterns: the cross, the patterns within two flipped pixels, and their negatives). Training set: "
            f"{cfg['positives']} positives and {cfg['negatives']} negatives drawn at random. Rule (the paper's): a positive "
            "that does not fire flips a random half of the weights that differ from it; a negative that fires flips a "
            "random half of the weights that agree with it. The activations come from the perceptron circuit; the "
            "curve's accuracy over all 65536 patterns uses the closed form, which the circuit matches to "
            f"{tr['max_abs_circuit_error']:.1e} here."))
        rep.add_table("Training result", ["updates", "circuit evaluations", "accuracy on all 2^16 (circuit)",
                                          "|w . target| / 16", "seconds"],
                      [[tr["updates"], tr["circuit_evaluations"], tr["final_accuracy_circuit"], tr["overlap_with_target"], tr["seconds"]]])
        curve = tr["curve"]
        fig = rep.new_figure("learning_curve", "Accuracy against training examples seen; a point after every weight "
                             "update and at the end of every epoch.")
        ax = fig.add_subplot(1, 1, 1)
        steps = [c["step"] for c in curve]
        ax.plot(steps, [c["accuracy_all"] for c in curve], "o-", label="all 65536 patterns")
        ax.plot(steps, [c["train_accuracy"] for c in curve], "s--", label="training set")
        ax.plot(steps, [c["recall_all"] for c in curve], "^-", label="positives that fire (all 2^16)")
        ax.plot(steps, [c["overlap_with_target"] for c in curve], ":", label="|w . target| / 16")
        ax.set_xlabel("training examples seen")
        ax.set_ylabel("fraction")
        ax.legend()
        fig = rep.new_figure("weights", "Weights as 4 x 4 images (dark = -1).", figsize=(8, 3))
        for k, (key, title) in enumerate([("initial_weights", "initial"), ("weights", "learned"), ("target", "target")]):
            ax = fig.add_subplot(1, 3, k + 1)
            ax.imshow(np.asarray(tr[key]).reshape(4, 4), cmap="gray", vmin=-1, vmax=1)
            ax.set_title(title)
            ax.set_xticks([])
            ax.set_yticks([])
    data = {k: v for k, v in res.items() if k != "maps"}
    data["maps"] = {k: np.asarray(v).tolist() for k, v in maps.items()}
    rep.data.update(data)
    return rep


def _run(args: argparse.Namespace) -> int:
    res = perceptron_study(args)
    summary: dict[str, Any] = {"max_abs_error": max(c[3] for c in res["checks"])}
    if "training" in res:
        t = res["training"]
        summary.update({k: t[k] for k in ("updates", "final_accuracy_circuit", "overlap_with_target", "seconds")})
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        for c in res["checks"]:
            print(f"{c[0]:<34} {c[1]:<24} max |circuit - closed form| = {c[3]:.2e}")
        if "training" in res:
            t = res["training"]
            print(f"training: {t['updates']} updates, accuracy on all 2^16 patterns {t['final_accuracy_circuit']:.4f}, "
                  f"|w.target|/16 = {t['overlap_with_target']:.3f}, {t['seconds']:.1f} s")
    if args.out:
        _report(res).write(Path(args.out))
        print(f"report written to {args.out}", file=sys.stderr)
    return 0
