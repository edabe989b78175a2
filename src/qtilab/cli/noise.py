"""``qtilab noise``: noisy-simulation studies (GHZ fidelity curve, QSVM under device noise).

``qtilab run FILE --noise DEVICE.toml`` simulates any circuit under a device model; this group
holds the studies of docs/noise.md. Heavy imports stay inside the handlers.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from qtilab.cli import add_common


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("noise", help="noisy simulation studies (GHZ fidelity, QSVM under device noise)")
    vs = p.add_subparsers(dest="verb", metavar="<verb>")
    g = vs.add_parser("ghz", help="GHZ-state fidelity against size under a device-like model")
    g.add_argument("--sizes", type=int, nargs="+", default=[2, 3, 4, 5, 6, 7, 8], help="GHZ sizes (qubits)")
    g.add_argument("--device", default=None, help="device description (TOML/JSON); default: a uniform device-like model")
    add_common(g, out=False)
    g.set_defaults(func=_ghz)
    q = vs.add_parser("qsvm", help="QSVM AUC with a shot-estimated kernel under device noise, with/without readout mitigation")
    q.add_argument("--qubits", type=int, default=8)
    q.add_argument("--train", type=int, default=60, help="training events (half signal)")
    q.add_argument("--test", type=int, default=60, help="test events (half signal)")
    q.add_argument("--shots", type=int, default=1000, help="shots per kernel entry")
    q.add_argument("--device", default=None, help="device description (TOML/JSON); default: a uniform device-like model")
    add_common(q, out=False)
    q.set_defaults(func=_qsvm)
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])


def _device(path: str | None) -> dict[str, Any]:
    if path is None:
        return {}
    from qtilab.sim.noise import _load_device

    return _load_device(path)


def _ghz(args: argparse.Namespace) -> int:
    from qtilab.hep.noise_study import GHZConfig, ghz_fidelity

    r = ghz_fidelity(GHZConfig(sizes=tuple(args.sizes), device=_device(args.device)))
    if args.json:
        print(json.dumps({"sizes": r.sizes, "fidelities": r.fidelities}))
    else:
        for n, f in zip(r.sizes, r.fidelities):
            print(f"GHZ {n} qubits: fidelity {f:.4f}")
    return 0


def _qsvm(args: argparse.Namespace) -> int:
    import sys

    from qtilab.hep.noise_study import NoisyQSVMConfig, noisy_qsvm

    cfg = NoisyQSVMConfig(qubits=args.qubits, train=args.train, test=args.test, shots=args.shots,
                          seed=1 if args.seed is None else args.seed, device=_device(args.device))
    r = noisy_qsvm(cfg, progress=sys.stderr.isatty())
    out = {"auc_exact": r.auc_exact, "auc_noisy": r.auc_noisy, "auc_mitigated": r.auc_mitigated,
           "kernel_error_noisy": r.kernel_error_noisy, "kernel_error_mitigated": r.kernel_error_mitigated}
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k}: {v:.4f}")
    return 0


def demo_part(out_dir: Path, seed: int) -> None:
    """A noisy GHZ fidelity curve and a reduced QSVM (6 qubits, 16 + 16 events) under device noise."""
    from qtilab.hep.noise_study import GHZConfig, NoisyQSVMConfig, ghz_fidelity, noisy_qsvm
    from qtilab.report import Report

    out_dir.mkdir(parents=True, exist_ok=True)
    rep = Report("noise demo", meta={"seed": seed})
    g = ghz_fidelity(GHZConfig(sizes=(2, 3, 4, 5, 6)))
    for n, f in zip(g.sizes, g.fidelities):
        print(f"GHZ {n} qubits under a device-like model: fidelity {f:.4f}")
    rep.add_table("GHZ fidelity (density matrix, device-like model)", ["qubits", "fidelity"], [[n, f] for n, f in zip(g.sizes, g.fidelities)])
    fig = rep.new_figure("ghz_fidelity", "Fidelity of the GHZ state prepared with H and a CX chain under a uniform "
                         "device-like model (T1 100 us, T2 80 us, 1-qubit error 5e-4, CX error 1 %), exact density matrix")
    ax = fig.gca()
    ax.plot(g.sizes, g.fidelities, "o-")
    ax.set_xlabel("qubits")
    ax.set_ylabel("fidelity <GHZ|rho|GHZ> (dimensionless)")
    cfg = NoisyQSVMConfig(qubits=6, train=16, test=16, shots=1000, seed=seed)
    r = noisy_qsvm(cfg)
    print(f"QSVM 6 qubits, 16+16 events, 1000 shots per entry: AUC exact {r.auc_exact:.3f}, noisy {r.auc_noisy:.3f}, "
          f"readout-mitigated {r.auc_mitigated:.3f}; mean |kernel error| {r.kernel_error_noisy:.3f} -> {r.kernel_error_mitigated:.3f}")
    rep.add_table("QSVM under device-like noise (reduced: 6 qubits, 16 + 16 events)",
                  ["kernel", "test AUC", "mean |K - K_exact|"],
                  [["exact", r.auc_exact, 0.0], ["noisy, 1000 shots", r.auc_noisy, r.kernel_error_noisy],
                   ["noisy + readout mitigation", r.auc_mitigated, r.kernel_error_mitigated]])
    rep.add_headline("GHZ fidelity at 6 qubits", round(g.fidelities[-1], 4))
    rep.write(out_dir)
