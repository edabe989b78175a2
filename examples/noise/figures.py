"""Figures and numbers of docs/noise.md (run: python examples/noise/figures.py [--quick]).

1. GHZ fidelity against size (2..10 qubits) under the uniform device-like model of
   qtilab.hep.noise_study.device_like, exact density matrices.
2. The IQP-kernel QSVM at 8 qubits on the shipped ttH(γγ) sample, each kernel entry estimated
   from 1000 shots of the compute-uncompute circuit under the same model: test AUC of the exact
   kernel, the noisy one, and the noisy one with tensored readout mitigation, over several
   random event selections (mean and spread).

Writes docs/figures/noise_ghz.png, docs/figures/noise_qsvm.png and docs/figures/noise.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from qtilab.hep.noise_study import GHZConfig, NoisyQSVMConfig, ghz_fidelity, noisy_qsvm  # noqa: E402

OUT = Path(__file__).resolve().parents[2] / "docs" / "figures"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--events", type=int, default=40, help="training and test events each")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    sizes = (2, 3, 4) if args.quick else tuple(range(2, 11))
    g = ghz_fidelity(GHZConfig(sizes=sizes))
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    ax.plot(g.sizes, g.fidelities, "o-")
    ax.set_xlabel("qubits")
    ax.set_ylabel("GHZ fidelity <GHZ|rho|GHZ>")
    ax.set_title("GHZ under a device-like model (density matrix)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(OUT / "noise_ghz.png", dpi=120)
    q = 4 if args.quick else 8
    ev = 12 if args.quick else args.events
    rows = []
    for seed in range(1, args.seeds + 1):
        r = noisy_qsvm(NoisyQSVMConfig(qubits=q, train=ev, test=ev, shots=1000, seed=seed))
        rows.append([r.auc_exact, r.auc_noisy, r.auc_mitigated, r.kernel_error_noisy, r.kernel_error_mitigated])
        print(f"seed {seed}: AUC exact {r.auc_exact:.3f} noisy {r.auc_noisy:.3f} mitigated {r.auc_mitigated:.3f}; "
              f"|K err| {r.kernel_error_noisy:.4f} -> {r.kernel_error_mitigated:.4f}", flush=True)
    a = np.array(rows)
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    labels = ["exact kernel", "noisy, 1000 shots", "noisy + readout mitigation"]
    ax.bar(labels, a[:, :3].mean(axis=0), yerr=a[:, :3].std(axis=0, ddof=1) if len(a) > 1 else None, capsize=4,
           color=["#0072B2", "#D55E00", "#009E73"])
    ax.set_ylim(0.5, 1.0)
    ax.set_ylabel(f"test AUC (mean of {len(a)} selections, std)")
    ax.set_title(f"QSVM, IQP kernel, {q} qubits, {ev}+{ev} events")
    fig.tight_layout()
    fig.savefig(OUT / "noise_qsvm.png", dpi=120)
    data = {
        "ghz": {"sizes": g.sizes, "fidelities": g.fidelities},
        "qsvm": {"qubits": q, "events": ev, "shots": 1000, "seeds": args.seeds, "rows": rows,
                 "columns": ["auc_exact", "auc_noisy", "auc_mitigated", "kernel_error_noisy", "kernel_error_mitigated"],
                 "mean": a.mean(axis=0).tolist(), "std": (a.std(axis=0, ddof=1) if len(a) > 1 else 0 * a[0]).tolist()},
        "seconds": round(time.time() - t0, 1), "load_average": os.getloadavg()[0],
    }
    (OUT / "noise.json").write_text(json.dumps(data, indent=1))
    print(json.dumps(data["qsvm"]["mean"]), data["seconds"], "s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
