"""Fidelity-kernel matrix: N = 1000 samples, 8 features, 8 qubits, ZZ feature map with 2 reps.

The feature map is Havlicek et al.'s ZZ map with full entanglement (Qiskit's
``zz_feature_map(8, reps=2, entanglement="full")``); the kernel is
``K[i, j] = |<phi(x_i)|phi(x_j)>|**2`` for the whole training set (symmetric, 1000 x 1000).

Contenders:

* qtilab ``QuantumKernel(feature_map="zz", n_qubits=8, reps=2).evaluate(X)``;
* qiskit-machine-learning ``FidelityStatevectorKernel(feature_map=...).evaluate(X)``;
* PennyLane ``lightning.qubit``: one QNode returning ``qml.state()`` called once with the whole
  batch (parameter broadcasting), then ``|S S^dag|**2`` in numpy -- N state simulations
  instead of the N**2 overlap circuits of ``qml.kernels.square_kernel_matrix``, so the fastest
  PennyLane route we know of.

Every contender's matrix is compared with qtilab's (max absolute difference printed and
tabled). Usage: ``python bench/qml_kernel.py [--n 1000 --repeats 3]``; writes
``bench/results/qml_kernel.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see bench/qml_gradient.py

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from harness import Bench  # noqa: E402

from qtilab.qml.kernels import QuantumKernel  # noqa: E402


def qiskit_fn(X: np.ndarray, reps: int):  # type: ignore[no-untyped-def]
    from qiskit.circuit.library import zz_feature_map
    from qiskit_machine_learning.kernels import FidelityStatevectorKernel

    fm = zz_feature_map(X.shape[1], reps=reps, entanglement="full")
    kern = FidelityStatevectorKernel(feature_map=fm)
    return lambda: np.asarray(kern.evaluate(X))


def pennylane_fn(X: np.ndarray, reps: int):  # type: ignore[no-untyped-def]
    import pennylane as qml

    n = X.shape[1]
    dev = qml.device("lightning.qubit", wires=n)

    @qml.qnode(dev, diff_method=None)
    def state(x):  # type: ignore[no-untyped-def]
        for _ in range(reps):
            for q in range(n):
                qml.Hadamard(wires=q)
            for q in range(n):
                qml.PhaseShift(2.0 * x[q], wires=q)
            for i in range(n):
                for j in range(i + 1, n):
                    qml.CNOT(wires=[i, j])
                    qml.PhaseShift(2.0 * (np.pi - x[i]) * (np.pi - x[j]), wires=j)
                    qml.CNOT(wires=[i, j])
        return qml.state()

    def run() -> np.ndarray:
        S = np.asarray(state(X.T))  # broadcast over the batch: (N, 2**n)
        G = S @ S.conj().T
        return np.asarray(G.real**2 + G.imag**2)

    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--features", type=int, default=8)
    ap.add_argument("--reps", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "qml_kernel.md"))
    args = ap.parse_args()
    load0 = os.getloadavg()[0]
    X = np.random.default_rng(7).uniform(0, np.pi, size=(args.n, args.features))
    qk = QuantumKernel(feature_map="zz", n_qubits=args.features, reps=args.reps, scale=1.0)

    def run_qtilab() -> np.ndarray:
        return qk.evaluate(X)

    work = f"fidelity kernel {args.n}x{args.n}, ZZ map {args.features} qubits, {args.reps} reps"
    ref = run_qtilab()
    mats = {}
    b = Bench("qml_kernel", repeats=args.repeats, warmup=1)
    b.add(work, "qtilab", run_qtilab)
    for name, make in (("qiskit-ml FidelityStatevectorKernel", qiskit_fn), ("pennylane lightning.qubit", pennylane_fn)):
        try:
            fn = make(X, args.reps)
        except ImportError as exc:
            b.skip(work, name, f"not installed ({exc})")
            continue
        mats[name] = fn()
        b.add(work, name, fn)
    b.run()
    for name, K in mats.items():
        dev = float(np.max(np.abs(K - ref)))
        for e in b.entries:
            if e.contender == name:
                e.extra["max abs diff to qtilab"] = f"{dev:.1e}"
        print(f"{name}: max |K - K_qtilab| = {dev:.2e}")
    b.notes.append(
        f"Machine shared with other engineers' jobs (2 cores; 1-minute load average {load0:.1f} at the "
        f"start, {os.getloadavg()[0]:.1f} at the end): ratios are indicative. "
        f"Contenders interleaved in each repeat. OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}. "
        "qtilab computes the ZZ states from the map's structure (H layers as Walsh-Hadamard butterflies, "
        "the phases of all samples as one real matrix product; tested equal to simulating the gate "
        "circuit) and the Gram matrix as one Hermitian matrix product (BLAS zherk)."
    )
    print(b.write_markdown(args.out, baseline="qtilab", intro=__doc__.split("\n\n")[1] if __doc__ else ""))


if __name__ == "__main__":
    main()
