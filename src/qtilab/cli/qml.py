"""``qtilab qml ...``: quantum kernels and exact gradients from the command line.

    qtilab qml kernel --samples 200 --features 4 --feature-map zz --scale 0.5
    qtilab qml gradient --qubits 12 --layers 4 --check
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from qtilab.cli import add_common, count


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("qml", help="quantum machine learning: kernels, classifiers, exact gradients")
    qsub = p.add_subparsers(dest="verb", metavar="<verb>")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])

    k = qsub.add_parser("kernel", help="QSVC with a quantum kernel on a synthetic two-class problem")
    k.add_argument("--samples", type=count, default=200, help="number of samples (default 200)")
    k.add_argument("--features", type=int, default=4, help="features = qubits (default 4)")
    k.add_argument("--feature-map", default="zz", choices=["zz", "angle", "iqp", "amplitude", "reuploading"])
    k.add_argument("--scale", type=float, default=0.5, help="feature scale / bandwidth (default 0.5)")
    k.add_argument("--reps", type=int, default=2)
    k.add_argument("--kind", default="fidelity", choices=["fidelity", "projected"])
    k.add_argument("--C", type=float, default=1.0)
    add_common(k)
    k.set_defaults(func=_kernel)

    g = qsub.add_parser("gradient", help="adjoint gradient of <Z0> for a hardware-efficient circuit")
    g.add_argument("--qubits", type=int, default=12)
    g.add_argument("--layers", type=int, default=4)
    g.add_argument("--check", action="store_true", help="compare with parameter shift")
    add_common(g, out=False)
    g.set_defaults(func=_gradient)

    from qtilab.cli.qml_perceptron import add_parser as add_perceptron

    add_perceptron(qsub)


def _dataset(n: int, d: int, seed: int | None) -> tuple[Any, Any]:
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.uniform(-1, 1, size=(n, d))
    # a label that depends on a product of features: not linearly separable
    y = (X[:, 0] * X[:, 1 % d] + 0.3 * X[:, -1] > 0).astype(int)
    return X, y


def kernel_study(samples: int, features: int, feature_map: str, scale: float, reps: int, kind: str, C: float, seed: int | None) -> dict[str, Any]:
    """Fit a QSVC on 70 % of a synthetic problem; return accuracies, kernel diagnostics, timings."""
    from qtilab.errors import ConfigError
    from qtilab.qml.kernels import QSVC, QuantumKernel

    if features < 1:
        raise ConfigError(f"--features must be at least 1 (one qubit per feature), got {features}")
    if samples < 10:
        raise ConfigError(f"--samples must be at least 10 (70 % train, 30 % test, both classes in each), got {samples}")
    X, y = _dataset(samples, features, seed)
    ntr = int(0.7 * samples)
    if len(set(y[:ntr].tolist())) < 2 or len(y[ntr:]) == 0:
        raise ConfigError(f"the {ntr} training samples drawn hold one class only; use more --samples (e.g. 50)")
    qk = QuantumKernel(feature_map=feature_map, scale=scale, reps=reps, kind=kind)
    t0 = time.perf_counter()
    clf = QSVC(kernel=qk, C=C, random_state=seed).fit(X[:ntr], y[:ntr])
    t_fit = time.perf_counter() - t0
    diag = qk.diagnostics(X[:ntr], y[:ntr])
    return {
        "train_accuracy": float(clf.score(X[:ntr], y[:ntr])),
        "test_accuracy": float(clf.score(X[ntr:], y[ntr:])),
        "kernel_mean_offdiag": diag.mean_offdiag,
        "kernel_var_offdiag": diag.var_offdiag,
        "kernel_target_alignment": diag.alignment,
        "fit_seconds": t_fit,
        "config": {"samples": samples, "features": features, "feature_map": feature_map, "scale": scale,
                   "reps": reps, "kind": kind, "C": C, "seed": seed},
    }


def gradient_study(qubits: int, layers: int, check: bool, seed: int | None) -> dict[str, Any]:
    """Adjoint gradient of <Z0> for an RY/RZ + CX-ladder circuit; optionally parameter shift."""
    import numpy as np

    from qtilab.qml.ansatz import hardware_efficient
    from qtilab.sim.gradients import adjoint_jacobian, parameter_shift_jacobian

    c = hardware_efficient(qubits, layers)
    theta = list(np.random.default_rng(seed).uniform(0, 2 * np.pi, c.num_parameters))
    # warm up on the same circuit so that the timings below exclude numba's one-off compilation
    adjoint_jacobian(c, "Z0", theta)
    if check:
        parameter_shift_jacobian(c, "Z0", theta)
    t0 = time.perf_counter()
    g = adjoint_jacobian(c, "Z0", theta)
    out: dict[str, Any] = {
        "qubits": qubits, "layers": layers, "parameters": c.num_parameters,
        "value": float(g.values[0, 0]), "gradient_norm": float(np.linalg.norm(g.jacobian)),
        "adjoint_seconds": time.perf_counter() - t0,
    }
    if check:
        t0 = time.perf_counter()
        ps = parameter_shift_jacobian(c, "Z0", theta)
        out["shift_seconds"] = time.perf_counter() - t0
        out["max_abs_difference"] = float(np.max(np.abs(ps.jacobian - g.jacobian)))
    return out


def _print(res: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(res, indent=2))
        return
    for k, v in res.items():
        if k != "config":
            print(f"{k:26s} {v:.6g}" if isinstance(v, float) else f"{k:26s} {v}")


def _kernel(args: argparse.Namespace) -> int:
    res = kernel_study(args.samples, args.features, args.feature_map, args.scale, args.reps, args.kind, args.C, args.seed)
    _print(res, args.json)
    if args.out:
        _kernel_report(res).write(Path(args.out))
        print(f"report written to {args.out}", file=sys.stderr)
    return 0


def _gradient(args: argparse.Namespace) -> int:
    _print(gradient_study(args.qubits, args.layers, args.check, args.seed), args.json)
    return 0


def _kernel_report(res: dict[str, Any]) -> Any:
    from qtilab.report import Report

    rep = Report("Quantum kernel SVM on a synthetic problem", meta=res["config"])
    rep.add_table(
        "QSVC", ["train accuracy", "test accuracy", "mean K off-diag", "var K off-diag", "alignment"],
        [[res["train_accuracy"], res["test_accuracy"], res["kernel_mean_offdiag"], res["kernel_var_offdiag"],
          res["kernel_target_alignment"]]],
    )
    rep.add_headline("QSVC test accuracy", res["test_accuracy"])
    fig = rep.new_figure("qsvc", "QSVC on the synthetic problem: accuracy on the training (70 %) and test (30 %) "
                         "samples, and the kernel's diagnostics on the training Gram matrix (one split)")
    ax = fig.gca()
    names = ["train accuracy", "test accuracy", "mean K off-diag", "kernel-target alignment"]
    vals = [res["train_accuracy"], res["test_accuracy"], res["kernel_mean_offdiag"], res["kernel_target_alignment"]]
    ax.bar(range(4), vals, color=["#0072B2", "#0072B2", "#E69F00", "#E69F00"])
    ax.set_xticks(range(4))
    ax.set_xticklabels(names, rotation=15)
    ax.set_ylabel("value (dimensionless)")
    rep.data.update(res)
    return rep


def demo_part(out_dir: Path, seed: int) -> None:
    """A QSVC with the ZZ kernel at two bandwidths, and an adjoint gradient checked by shifts."""
    import numpy as np

    from qtilab.report import Report

    out_dir.mkdir(parents=True, exist_ok=True)
    rep = Report("qml demo", meta={"seed": seed})
    rows = []
    for scale in (1.0, 0.3):
        r = kernel_study(160, 4, "zz", scale, 2, "fidelity", 1.0, seed)
        rows.append([scale, r["test_accuracy"], r["kernel_mean_offdiag"], r["kernel_target_alignment"]])
        print(f"QSVC, ZZ kernel 4 qubits, scale {scale}: test accuracy {r['test_accuracy']:.3f}, "
              f"mean off-diagonal kernel {r['kernel_mean_offdiag']:.3f}")
    rep.add_table("QSVC (ZZ map, 2 reps, 160 samples)", ["scale", "test accuracy", "mean K off-diag", "alignment"], rows)
    rep.add_headline("QSVC test accuracy (ZZ kernel, best scale)", max(r[1] for r in rows))
    fig = rep.new_figure("qsvc_scale", "QSVC with the ZZ kernel on 4 qubits: test accuracy and the mean off-diagonal "
                         "kernel entry at each feature scale (48 test samples; one split, no error bar)")
    ax = fig.gca()
    xs = np.arange(len(rows))
    ax.bar(xs - 0.2, [r[1] for r in rows], 0.4, label="test accuracy")
    ax.bar(xs + 0.2, [r[2] for r in rows], 0.4, label="mean off-diagonal kernel entry")
    ax.set_xticks(xs)
    ax.set_xticklabels([f"scale {r[0]:g}" for r in rows])
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("accuracy / kernel value (dimensionless)")
    ax.legend(loc="upper right", ncol=2)
    g = gradient_study(10, 3, True, seed)
    print(f"adjoint gradient, 10 qubits, {g['parameters']} parameters: {g['adjoint_seconds']:.3f} s; "
          f"parameter shift {g['shift_seconds']:.3f} s; max |difference| {g['max_abs_difference']:.1e}")
    rep.add_table("Gradient of <Z0>", ["qubits", "parameters", "adjoint s", "shift s", "max |diff|"],
                  [[10, g["parameters"], g["adjoint_seconds"], g["shift_seconds"], g["max_abs_difference"]]])
    rep.data["gradient"] = g
    rep.add_headline("adjoint gradient speed-up over parameter shift (10 qubits)",
                     round(g["shift_seconds"] / g["adjoint_seconds"], 1), unit="x")
    fig = rep.new_figure("gradient_time", f"Time for the full gradient of <Z0> ({g['parameters']} parameters, "
                         "10 qubits, one run each after a warm-up; log scale)")
    ax = fig.gca()
    ax.bar(["adjoint", "parameter shift"], [g["adjoint_seconds"], g["shift_seconds"]], color=["#0072B2", "#E69F00"])
    ax.set_yscale("log")
    ax.set_ylabel("wall time (s)")
    rep.write(out_dir)
