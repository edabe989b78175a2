"""Gradient of <Z0> for a 20-qubit, 10-layer hardware-efficient circuit (400 parameters).

Circuit: per layer RY(w) and RZ(w) on every qubit, then a CX ladder (0->1, ..., 18->19).
Contenders (same circuit, same parameter values, checked to agree):

* qtilab ``adjoint_jacobian`` (complex128);
* PennyLane ``lightning.qubit`` with ``diff_method="adjoint"`` (its documented fastest CPU
  gradient), through ``qml.jacobian``;
* Qiskit: ``qiskit_machine_learning.gradients.ParamShiftEstimatorGradient`` over the Qiskit Aer
  ``EstimatorV2`` (statevector, exact) -- Qiskit 2.x has no adjoint/reverse gradient left
  (``qiskit.algorithms`` was removed), so this is the gradient Qiskit offers. All 400
  parameters need 800 circuit runs (a first attempt did not finish in 20 minutes on the shared
  machine), so it is timed on the first ``--qiskit-params`` parameters (2 runs each) and that
  measured time is reported together with its linear extrapolation to all parameters, labelled
  as such.

Usage: ``python bench/qml_gradient.py [--qubits 20 --layers 10 --repeats 3]``; writes
``bench/results/qml_gradient.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# Threads that spin while waiting burn the shared machine's CPU quota and stall every
# parallel region; PASSIVE makes OpenMP threads sleep instead (qtilab's numba kernels and
# PennyLane-Lightning both use OpenMP). Set before numba/lightning load, for every contender.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from harness import Bench  # noqa: E402

from qtilab import Circuit, Parameter  # noqa: E402
from qtilab.sim.gradients import adjoint_jacobian  # noqa: E402


def qtilab_circuit(n: int, layers: int) -> Circuit:
    ps = [Parameter(f"w{i}") for i in range(2 * n * layers)]
    c = Circuit(n)
    k = 0
    for _ in range(layers):
        for q in range(n):
            c.ry(ps[k], q)
            c.rz(ps[k + 1], q)
            k += 2
        for q in range(n - 1):
            c.cx(q, q + 1)
    return c


def pennylane_fn(n: int, layers: int, theta: np.ndarray):  # type: ignore[no-untyped-def]
    import pennylane as qml
    from pennylane import numpy as pnp

    dev = qml.device("lightning.qubit", wires=n)

    @qml.qnode(dev, diff_method="adjoint")
    def circuit(w):  # type: ignore[no-untyped-def]
        k = 0
        for _ in range(layers):
            for q in range(n):
                qml.RY(w[k], wires=q)
                qml.RZ(w[k + 1], wires=q)
                k += 2
            for q in range(n - 1):
                qml.CNOT(wires=[q, q + 1])
        return qml.expval(qml.PauliZ(0))

    w = pnp.array(theta, requires_grad=True)
    jac = qml.jacobian(circuit)
    return lambda: np.asarray(jac(w))


def qiskit_fn(n: int, layers: int, theta: np.ndarray, n_params: int):  # type: ignore[no-untyped-def]
    from qiskit.circuit import ParameterVector, QuantumCircuit
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_aer.primitives import EstimatorV2
    from qiskit_machine_learning.gradients import ParamShiftEstimatorGradient

    w = ParameterVector("w", 2 * n * layers)
    qc = QuantumCircuit(n)
    k = 0
    for _ in range(layers):
        for q in range(n):
            qc.ry(w[k], q)
            qc.rz(w[k + 1], q)
            k += 2
        for q in range(n - 1):
            qc.cx(q, q + 1)
    obs = SparsePauliOp("I" * (n - 1) + "Z")  # qubit 0 is the rightmost label
    est = EstimatorV2(options={"backend_options": {"method": "statevector"}, "default_precision": 0.0})
    grad = ParamShiftEstimatorGradient(est)
    subset = [w[i] for i in range(n_params)]
    return lambda: np.asarray(grad.run([qc], [obs], [theta], parameters=[subset]).result().gradients[0])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--qubits", type=int, default=20)
    ap.add_argument("--layers", type=int, default=10)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--qiskit-repeats", type=int, default=1)
    ap.add_argument("--qiskit-params", type=int, default=20)
    ap.add_argument("--no-qiskit", action="store_true")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "qml_gradient.md"))
    args = ap.parse_args()
    load0 = os.getloadavg()[0]
    n, L = args.qubits, args.layers
    theta = np.random.default_rng(1).uniform(0, 2 * np.pi, 2 * n * L)
    circ = qtilab_circuit(n, L)

    def run_qtilab() -> np.ndarray:
        return adjoint_jacobian(circ, "Z0", list(theta)).jacobian[0, 0]

    work = f"d<Z0>/dw, {n} qubits, {L} layers, {2 * n * L} params"
    ref = run_qtilab()
    results = {"qtilab": ref}
    b = Bench("qml_gradient", repeats=args.repeats, warmup=1)
    b.add(work, "qtilab", run_qtilab)
    try:
        pl = pennylane_fn(n, L, theta)
        results["pennylane-lightning adjoint"] = pl()
        b.add(work, "pennylane-lightning adjoint", pl)
    except ImportError as exc:
        b.skip(work, "pennylane-lightning adjoint", f"not installed ({exc})")
    b.run()
    qiskit_note = ""
    if not args.no_qiskit:
        try:
            npar = min(args.qiskit_params, 2 * n * L)
            qk = qiskit_fn(n, L, theta, npar)
            times = []
            for _ in range(args.qiskit_repeats):
                t0 = time.perf_counter()
                gq = qk()
                times.append(time.perf_counter() - t0)
            tq = float(np.median(times))
            dev = float(np.max(np.abs(gq.reshape(-1) - ref[:npar])))
            qt = next(e for e in b.entries if e.contender == "qtilab").median or float("nan")
            full = tq * (2 * n * L) / npar
            qiskit_note = (
                f"Qiskit param-shift (Aer EstimatorV2, statevector): measured {tq:.4g} s for the first {npar} "
                f"of {2 * n * L} parameters ({2 * npar} circuit runs; median of {len(times)}, run after the "
                f"interleaved pair), max abs difference to qtilab {dev:.1e}. Linear extrapolation to all "
                f"{2 * n * L} parameters (not measured): {full:.4g} s, i.e. {full / qt:.3g}x qtilab's time."
            )
            print(qiskit_note, flush=True)
        except ImportError as exc:
            b.skip(work, "qiskit param-shift (aer)", f"not installed ({exc})")
    for name, g in results.items():
        dev = float(np.max(np.abs(np.asarray(g).reshape(-1) - ref)))
        for e in b.entries:
            if e.contender == name:
                e.extra["max abs diff to qtilab"] = f"{dev:.1e}"
        print(f"{name}: max |grad - qtilab| = {dev:.2e}")
    if qiskit_note:
        b.notes.append(qiskit_note)
        b.notes.append("")
    b.notes.append(
        f"Machine shared with other engineers' jobs (2 cores; 1-minute load average {load0:.1f} at the "
        f"start, {os.getloadavg()[0]:.1f} at the end): ratios are indicative. "
        f"qtilab and PennyLane were interleaved. OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')} for all contenders "
        "(with the default spinning wait, qtilab's parallel kernels stalled on the loaded machine: "
        "several times slower, see docs/qml.md)."
    )
    text = b.write_markdown(args.out, baseline="qtilab", intro=__doc__.split("\n\n")[1] if __doc__ else "")
    print(text)


if __name__ == "__main__":
    main()
