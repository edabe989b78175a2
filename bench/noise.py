"""Noisy simulation: density matrices and trajectories against Qiskit Aer and qibojit.

Workloads (one hardware-efficient ansatz, HEA: per layer RY and RZ on every qubit, then a CZ
chain; 10 layers; fixed random angles):

* ``dm-10``, ``dm-12``: the final density matrix with depolarizing noise after every gate
  (p = 0.001 one-qubit after RY/RZ, p = 0.01 two-qubit after CZ). qtilab
  ``simulate(method="density_matrix")``; Aer ``AerSimulator(method="density_matrix")`` with
  ``save_density_matrix``; qibojit ``Circuit(density_matrix=True)`` with
  ``DepolarizingChannel`` after each gate.
* ``traj-16``: 1000 trajectories at 16 qubits with the same noise, 1000 measured shots.
  qtilab ``simulate(method="trajectories", n_trajectories=1000)`` then one shot per
  trajectory; Aer ``AerSimulator(method="statevector")``, shots=1000 (one noisy run per shot).

Every contender's result is checked against qtilab's before timing (density matrices entry by
entry; the trajectory estimate of <Z0> within five standard errors of the exact value).
Median of interleaved repeats, with min and max; the load average is measured and printed.
Usage: ``.venv-peers/bin/python bench/noise.py [--repeats 3]``; writes bench/results/noise.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from harness import Bench  # noqa: E402

from qtilab import Circuit  # noqa: E402
from qtilab.sim.engine import simulate  # noqa: E402
from qtilab.sim.noise import NoiseModel, depolarizing  # noqa: E402

P1, P2, LAYERS = 0.001, 0.01, 10


def hea_angles(n: int, seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0, 2 * np.pi, size=(LAYERS, n, 2))


def qtilab_circuit(n: int, measure: bool = False) -> Circuit:
    a = hea_angles(n)
    c = Circuit(n, n if measure else 0)
    for layer in range(LAYERS):
        for q in range(n):
            c.ry(float(a[layer, q, 0]), q).rz(float(a[layer, q, 1]), q)
        for q in range(n - 1):
            c.cz(q, q + 1)
    if measure:
        c.measure(list(range(n)), list(range(n)))
    return c


def qtilab_noise() -> NoiseModel:
    return NoiseModel("hea").add(depolarizing(P1), gates=["ry", "rz"]).add(depolarizing(P2, 2), gates=["cz"])


def aer_setup(n: int, method: str, shots: int):  # type: ignore[no-untyped-def]
    from qiskit import QuantumCircuit, transpile
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel as AerNoise
    from qiskit_aer.noise import depolarizing_error

    a = hea_angles(n)
    qc = QuantumCircuit(n)
    for layer in range(LAYERS):
        for q in range(n):
            qc.ry(float(a[layer, q, 0]), q)
            qc.rz(float(a[layer, q, 1]), q)
        for q in range(n - 1):
            qc.cz(q, q + 1)
    if method == "density_matrix":
        qc.save_density_matrix()
    else:
        qc.measure_all()
    nm = AerNoise()
    nm.add_all_qubit_quantum_error(depolarizing_error(P1, 1), ["ry", "rz"])
    nm.add_all_qubit_quantum_error(depolarizing_error(P2, 2), ["cz"])
    sim = AerSimulator(method=method, noise_model=nm)
    tqc = transpile(qc, sim, optimization_level=0)

    def run():  # type: ignore[no-untyped-def]
        return sim.run(tqc, shots=shots, seed_simulator=1).result()

    return run


def qibo_setup(n: int):  # type: ignore[no-untyped-def]
    import qibo
    from qibo import gates
    from qibo.models import Circuit as QiboCircuit

    qibo.set_backend("qibojit")
    a = hea_angles(n)
    c = QiboCircuit(n, density_matrix=True)
    for layer in range(LAYERS):
        for q in range(n):
            c.add(gates.RY(q, float(a[layer, q, 0])))
            c.add(gates.DepolarizingChannel((q,), P1))
            c.add(gates.RZ(q, float(a[layer, q, 1])))
            c.add(gates.DepolarizingChannel((q,), P1))
        for q in range(n - 1):
            c.add(gates.CZ(q, q + 1))
            c.add(gates.DepolarizingChannel((q, q + 1), P2))

    def run():  # type: ignore[no-untyped-def]
        return c()

    return run


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--big-repeats", type=int, default=1, help="repeats of the 12-qubit density matrix (minutes each on a loaded 2-core machine)")
    ap.add_argument("--dm", type=int, nargs="*", default=[10, 12])
    ap.add_argument("--traj-qubits", type=int, default=16)
    ap.add_argument("--trajectories", type=int, default=1000)
    ap.add_argument("--qibo-max", type=int, default=10, help="largest density matrix to give qibojit (it copies the state per Pauli of a channel)")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "noise.md"))
    args = ap.parse_args()
    b = Bench("noise", repeats=args.repeats)
    big = Bench("noise", repeats=args.big_repeats)
    loads = [os.getloadavg()[0]]
    checks: list[str] = []
    noise = qtilab_noise()
    for n in args.dm:
        bb = big if n >= 12 else b
        c = qtilab_circuit(n)
        print(f"setting up dm-{n}", flush=True)
        ours = simulate(c, noise=noise, method="density_matrix").density_matrix
        bb.add(f"dm-{n}", "qtilab", lambda c=c: simulate(c, noise=noise, method="density_matrix"))
        try:
            aer = aer_setup(n, "density_matrix", 1)
            rho = np.asarray(aer().data(0)["density_matrix"])
            checks.append(f"dm-{n}: Aer density matrix max |diff| {np.max(np.abs(rho - ours)):.2e}")
            bb.add(f"dm-{n}", "qiskit-aer", aer)
        except ImportError as exc:
            bb.skip(f"dm-{n}", "qiskit-aer", f"not installed ({exc.name})")
        if n > args.qibo_max:
            bb.skip(f"dm-{n}", "qibojit", f"not run: above --qibo-max {args.qibo_max} (its 10-qubit time times 16 exceeds this session's budget)")
            continue
        try:
            qb = qibo_setup(n)
            t0 = time.perf_counter()
            rho = np.asarray(qb().state())
            print(f"qibojit dm-{n} check run {time.perf_counter() - t0:.1f} s", flush=True)
            # qibo puts qubit 0 on the most significant bit: reverse the qubit order
            rho = rho.reshape((2,) * (2 * n)).transpose(list(range(n))[::-1] + list(range(n, 2 * n))[::-1]).reshape(2**n, 2**n)
            checks.append(f"dm-{n}: qibojit density matrix max |diff| {np.max(np.abs(rho - ours)):.2e}")
            bb.add(f"dm-{n}", "qibojit", qb)
        except ImportError as exc:
            bb.skip(f"dm-{n}", "qibojit", f"not installed ({exc.name})")
    n, m = args.traj_qubits, args.trajectories
    if n > 0:
        c = qtilab_circuit(n, measure=True)

        def ours_traj():  # type: ignore[no-untyped-def]
            r = simulate(c, noise=noise, method="trajectories", n_trajectories=m, seed=1)
            return r, r.sample(m, seed=2)

        r, _ = ours_traj()
        small = qtilab_circuit(10)
        exact = simulate(small, noise=noise, method="density_matrix").expectation("Z0")
        rs = simulate(small, noise=noise, method="trajectories", n_trajectories=m, seed=3)
        checks.append(
            f"traj check at 10 qubits: <Z0> trajectories {rs.expectation('Z0'):.4f} +- {rs.expectation_error('Z0'):.4f} "
            f"vs density matrix {exact:.4f}"
        )
        b.add(f"traj-{n}", "qtilab", ours_traj)
        try:
            b.add(f"traj-{n}", "qiskit-aer", aer_setup(n, "statevector", m))
        except ImportError as exc:
            b.skip(f"traj-{n}", "qiskit-aer", f"not installed ({exc.name})")
    print("timing", flush=True)
    b.run()
    big.run()
    b.entries += big.entries
    loads.append(os.getloadavg()[0])
    lines = [
        "# Benchmark: noisy simulation",
        "",
        f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {os.cpu_count()} CPUs by `bench/noise.py`; "
        f"median of {args.repeats} interleaved repeats after one warm-up ({args.big_repeats} for 12 qubits), min and max beside it. "
        f"Load average (1 min) measured before and after: {loads[0]:.2f} / {loads[1]:.2f}.",
        "",
        f"HEA, {LAYERS} layers (RY, RZ on every qubit, CZ chain), depolarizing p = {P1} after each "
        f"1-qubit gate and p = {P2} (2-qubit) after each CZ.",
        "",
        "| workload | contender | median (s) | min (s) | max (s) | qtilab / this | note |",
        "|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    for w in b.workloads():
        es = [e for e in b.entries if e.workload == w]
        base = next(e for e in es if e.contender == "qtilab")
        for e in es:
            if e.times:
                ratio = base.median / e.median if e.contender != "qtilab" else 1.0  # type: ignore[operator]
                lines.append(f"| {w} | {e.contender} | {e.median:.4g} | {min(e.times):.4g} | {max(e.times):.4g} | {ratio:.3g} | |")
            else:
                lines.append(f"| {w} | {e.contender} | | | | | {e.skipped} |")
        peers = [e for e in es if e.contender != "qtilab" and e.times]
        if peers and base.times:
            f = min(peers, key=lambda e: statistics.median(e.times))
            ratio = base.median / f.median  # type: ignore[operator]
            verdicts.append(f"- {w}: qtilab / fastest peer ({f.contender}) = {ratio:.2f} -> target (<= 1.0) {'met' if ratio <= 1.0 else 'NOT met'}")
    lines += ["", "Target: at most 1.0x the time of the faster peer (median).", "", *verdicts, "", "Agreement checks before timing:", "", *[f"- {c}" for c in checks], ""]
    text = "\n".join(lines)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
