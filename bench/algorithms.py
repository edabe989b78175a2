"""One optimisation step of VQE and QAOA: the energy and its gradient with respect to all parameters.

Workloads (the same circuit, Hamiltonian and parameter values for every contender, checked to
agree):

* VQE, transverse-field Ising chain ``H = -sum Z_i Z_{i+1} - sum X_i`` (open, 2n - 1 terms),
  hardware-efficient ansatz (per layer RY, RZ on every qubit, then a CX ladder):
  12 qubits x 5 layers (120 parameters) and 16 qubits x 10 layers (320 parameters).
* QAOA p = 4, MaxCut on a random 3-regular graph of 16 nodes (seed 1): 24 RZZ + 16 RX per layer,
  8 parameters (each gamma shared by 24 gates).

Contenders:

* qtilab ``adjoint_jacobian`` (complex128), the engine's gradient that ``qtilab.algorithms.vqe`` uses;
  for QAOA also ``qtilab.algorithms.variational.QAOAObjective`` (what ``qaoa_maxcut`` optimises:
  the adjoint method specialised to QAOA, diagonal cost layer and one compiled mixer pass, the
  cut vector precomputed once per graph), as a second QAOA workload with the same peers;
* PennyLane ``lightning.qubit``, ``diff_method="adjoint"``, ``qml.jacobian`` of
  ``qml.expval(H)`` with ``H`` as a PennyLane Hamiltonian;
* Qiskit: ``qiskit-algorithms`` is not installed in the peers venv (it is no longer part of
  Qiskit 2.x), so the Qiskit path is the Aer ``EstimatorV2`` (statevector, exact) with
  ``qiskit_machine_learning.gradients.ParamShiftEstimatorGradient``. Parameter shift needs two
  circuit runs per parameter (per gate for shared QAOA angles), so Qiskit is timed on the
  first ``--qiskit-params`` parameters only and reported with its linear extrapolation to all
  parameters (energy time + gradient time x P / subset), labelled as such (as in
  ``bench/qml_gradient.py``). For QAOA the first parameters are gammas (24 gates each against
  16 for a beta), so the extrapolation overstates Qiskit's time somewhat.

Threads: ``--threads`` (default 1) for every contender through ``OMP_NUM_THREADS`` and
``NUMBA_NUM_THREADS``, set before any of them loads: the 2-core machine is shared by several
engineers and spinning threads distort every contender.

Target (issue 14): qtilab at most 0.5x the time of the faster peer per optimisation step,
judged on the median.

Usage: ``.venv-peers/bin/python bench/algorithms.py [--repeats 5]``; writes
``bench/results/algorithms.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def _threads_from_argv() -> str:
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return "1"


_T = _threads_from_argv()
os.environ["OMP_NUM_THREADS"] = _T
os.environ["NUMBA_NUM_THREADS"] = _T
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from harness import Bench, verdict  # noqa: E402

from qtilab.algorithms import maxcut_observable, qaoa_circuit, tfim  # noqa: E402
from qtilab.algorithms.variational import QAOAObjective  # noqa: E402
from qtilab.core.observables import Observable  # noqa: E402
from qtilab.qml.ansatz import hardware_efficient  # noqa: E402
from qtilab.sim.gradients import adjoint_jacobian  # noqa: E402


# ---------------------------------------------------------------------------------------------
# one description of each workload: a list of gates (name, qubits, parameter index or None,
# coefficient) that every contender builds its own circuit from
# ---------------------------------------------------------------------------------------------
def vqe_ops(n: int, layers: int) -> tuple[list[tuple[str, tuple[int, ...], int | None, float]], int]:
    ops = []
    k = 0
    for _ in range(layers):
        for q in range(n):
            ops.append(("ry", (q,), k, 1.0))
            ops.append(("rz", (q,), k + 1, 1.0))
            k += 2
        for q in range(n - 1):
            ops.append(("cx", (q, q + 1), None, 1.0))
    return ops, k


def qaoa_ops(graph: nx.Graph, p: int) -> tuple[list[tuple[str, tuple[int, ...], int | None, float]], int]:
    """Parameters: gamma_l = index l, beta_l = index p + l. Gates: H layer, then per layer
    RZZ(-gamma w) on the edges and RX(2 beta) on the nodes (qtilab's qaoa_circuit)."""
    n = graph.number_of_nodes()
    ops: list[tuple[str, tuple[int, ...], int | None, float]] = [("h", (q,), None, 1.0) for q in range(n)]
    for layer in range(p):
        for u, v in graph.edges:
            ops.append(("rzz", (u, v), layer, -1.0))
        for q in range(n):
            ops.append(("rx", (q,), p + layer, 2.0))
    return ops, 2 * p


def terms_of(obs: Observable) -> list[tuple[float, dict[int, str]]]:
    return [(c, p) for c, p in obs.terms if p]


# ---------------------------------------------------------------------------------------------
# contenders
# ---------------------------------------------------------------------------------------------
def qtilab_fn(circ, obs: Observable, theta: np.ndarray):  # type: ignore[no-untyped-def]
    vals = list(theta)

    def run() -> tuple[float, np.ndarray]:
        g = adjoint_jacobian(circ, obs, vals)
        return float(g.values[0, 0]), g.jacobian[0, 0]

    return run


def pennylane_fn(n: int, ops, terms, theta: np.ndarray):  # type: ignore[no-untyped-def]
    import pennylane as qml
    from pennylane import numpy as pnp

    paulis = {"X": qml.PauliX, "Y": qml.PauliY, "Z": qml.PauliZ}
    coeffs, obs = [], []
    for c, p in terms:
        o = None
        for q, s in sorted(p.items()):
            o = paulis[s](q) if o is None else o @ paulis[s](q)
        coeffs.append(c)
        obs.append(o)
    H = qml.Hamiltonian(coeffs, obs)
    dev = qml.device("lightning.qubit", wires=n)
    gates = {"ry": qml.RY, "rz": qml.RZ, "rx": qml.RX, "rzz": qml.IsingZZ}

    @qml.qnode(dev, diff_method="adjoint")
    def circuit(w):  # type: ignore[no-untyped-def]
        for name, qs, k, c in ops:
            if name == "cx":
                qml.CNOT(wires=list(qs))
            elif name == "h":
                qml.Hadamard(wires=qs[0])
            else:
                gates[name](c * w[k], wires=list(qs))
        return qml.expval(H)

    w = pnp.array(theta, requires_grad=True)
    jac = qml.jacobian(circuit)

    def run() -> tuple[float, np.ndarray]:
        return float(circuit(w)), np.asarray(jac(w))

    return run


def qiskit_fn(n: int, ops, terms, theta: np.ndarray, n_params: int, subset: int):  # type: ignore[no-untyped-def]
    from qiskit.circuit import ParameterVector, QuantumCircuit
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_aer.primitives import EstimatorV2
    from qiskit_machine_learning.gradients import ParamShiftEstimatorGradient

    w = ParameterVector("w", n_params)
    qc = QuantumCircuit(n)
    for name, qs, k, c in ops:
        if name == "cx":
            qc.cx(*qs)
        elif name == "h":
            qc.h(qs[0])
        else:
            getattr(qc, name)(c * w[k], *qs)
    labels = []
    for c, p in terms:
        s = ["I"] * n
        for q, ch in p.items():
            s[n - 1 - q] = ch  # qubit 0 is the rightmost label
        labels.append(("".join(s), c))
    obs = SparsePauliOp.from_list(labels)
    est = EstimatorV2(options={"backend_options": {"method": "statevector"}, "default_precision": 0.0})
    grad = ParamShiftEstimatorGradient(est)
    sub = [w[i] for i in range(subset)]

    def run() -> tuple[float, np.ndarray, float, float]:
        t0 = time.perf_counter()
        e = float(est.run([(qc, obs, theta)]).result()[0].data.evs)
        t1 = time.perf_counter()
        g = np.asarray(grad.run([qc], [obs], [theta], parameters=[sub]).result().gradients[0])
        return e, g, t1 - t0, time.perf_counter() - t1

    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--qiskit-params", type=int, default=2)
    ap.add_argument("--qiskit-repeats", type=int, default=1)
    ap.add_argument("--no-qiskit", action="store_true")
    ap.add_argument("--small", action="store_true", help="a quick check: 8 and 10 qubits")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "algorithms.md"))
    args = ap.parse_args()
    load0 = os.getloadavg()
    rng = np.random.default_rng(7)
    work: list[tuple[str, int, list, int, Observable]] = []
    sizes = [(8, 3), (10, 4)] if args.small else [(12, 5), (16, 10)]
    for n, L in sizes:
        ops, P = vqe_ops(n, L)
        work.append((f"VQE TFIM {n} qubits, {L} layers, {P} params", n, ops, P, tfim(n, J=1.0, h=1.0)))
    g = nx.random_regular_graph(3, 12 if args.small else 16, seed=1)
    ops, P = qaoa_ops(g, 4)
    qlabel = f"QAOA p=4 MaxCut, {g.number_of_nodes()}-node 3-regular, {P} params"
    work.append((qlabel + ", engine adjoint", g.number_of_nodes(), ops, P, maxcut_observable(g)))
    work.append((qlabel + ", QAOAObjective", g.number_of_nodes(), ops, P, maxcut_observable(g)))

    b = Bench("algorithms", repeats=args.repeats, warmup=1)
    notes: list[str] = []
    verdicts: list[str] = []
    prepared = []
    for label, n, ops_w, P, obs in work:
        theta = rng.uniform(0, 2 * np.pi, P)
        if label.startswith("VQE"):
            circ = hardware_efficient(n, int(label.split(",")[1].split()[0]))
            th_q = theta
            names = None
        else:
            # qtilab's circuits order parameters by first use (gamma0, beta0, ...): map theta
            circ = qaoa_circuit(g, 4)
            order = {f"gamma{k}": k for k in range(4)} | {f"beta{k}": 4 + k for k in range(4)}
            th_q = np.array([theta[order[p.name]] for p in circ.parameters])
            names = [p.name for p in circ.parameters]
        q_run = qtilab_fn(circ, obs, th_q)
        e_ref, g_ref = q_run()
        if names is not None:
            g_ref = np.array([g_ref[names.index(name)] for name in sorted(order, key=order.get)])
        if label.endswith("QAOAObjective"):
            fast = QAOAObjective(g, 4)  # the objective qaoa_maxcut optimises (cut vector precomputed once)
            e_f, g_f = fast(theta)
            dev_f = max(abs(e_f - e_ref), float(np.max(np.abs(g_f - g_ref))))
            b.add(label, "qtilab", lambda fast=fast, theta=theta: fast(theta), method="QAOAObjective", max_abs_diff=f"{dev_f:.1e}")
        else:
            b.add(label, "qtilab", q_run, method="adjoint_jacobian")
        terms = terms_of(obs)
        const = sum(c for c, p in obs.terms if not p)
        try:
            pl = pennylane_fn(n, ops_w, terms, theta)
            e_pl, g_pl = pl()
            dev = max(abs(e_pl + const - e_ref), float(np.max(np.abs(g_pl - g_ref))))
            b.add(label, "pennylane-lightning adjoint", pl, max_abs_diff=f"{dev:.1e}")
        except ImportError as exc:
            b.skip(label, "pennylane-lightning adjoint", f"not installed ({exc})")
        prepared.append((label, n, ops_w, P, terms, const, theta, e_ref, g_ref))
    b.run()
    qiskit_full: dict[str, list[float]] = {}
    for label, n, ops_w, P, terms, const, theta, e_ref, g_ref in prepared:
        entries = {e.contender: e for e in b.entries if e.workload == label}
        tq = entries["qtilab"].median
        peer_t = [e.median for k, e in entries.items() if k != "qtilab" and e.median is not None]
        if not args.no_qiskit and not label.endswith("QAOAObjective"):
            try:
                sub = min(args.qiskit_params, P)
                qk = qiskit_fn(n, ops_w, terms, theta, P, sub)
                runs = [qk() for _ in range(args.qiskit_repeats)]
                ts = [r[2] + r[3] for r in runs]
                tqk = float(np.median(ts))
                e_qk, g_qk = runs[-1][0], runs[-1][1]
                dev = max(abs(e_qk + const - e_ref), float(np.max(np.abs(g_qk.reshape(-1) - g_ref[:sub]))))
                # energy once, gradient entries scaled to all parameters
                full = float(np.median([r[2] for r in runs])) + float(np.median([r[3] for r in runs])) * P / sub
                how = (f"linear extrapolation to all {P}: {full:.4g} s, {full / tq:.3g}x qtilab's median "
                       "(extrapolated, not measured)") if sub < P else f"all {P} entries measured: {full / tq:.3g}x qtilab's median"
                notes.append(
                    f"* {label}: Qiskit (Aer EstimatorV2 + ParamShiftEstimatorGradient) took {tqk:.4g} s for the "
                    f"energy and {sub} of {P} gradient entries (median of {len(ts)}, run after the interleaved "
                    f"contenders), max abs difference to qtilab {dev:.1e}; {how}."
                )
                peer_t.append(full)
            except ImportError as exc:
                notes.append(f"* {label}: Qiskit skipped ({exc}).")
        if label.endswith("QAOAObjective"):
            peer_t += qiskit_full.get(label.replace("QAOAObjective", "engine adjoint"), [])
        else:
            qiskit_full[label] = peer_t[len(peer_t) - 1:] if not args.no_qiskit and len(peer_t) > 1 else []
        if tq is not None and peer_t:
            fastest = min(peer_t)
            verdicts.append(f"* {label}: qtilab / fastest peer = {tq / fastest:.3g} (target <= 0.5: {verdict(tq / fastest, 0.5, higher_is_better=False)}).")
    intro = (
        f"Energy plus gradient w.r.t. all parameters (one optimisation step), {args.threads} thread(s) per "
        f"contender (OMP_NUM_THREADS, NUMBA_NUM_THREADS). Load average at the start: "
        f"{load0[0]:.1f} / {load0[1]:.1f} / {load0[2]:.1f}. Script: bench/algorithms.py."
    )
    b.notes += ["## Target: qtilab at most 0.5x the faster peer (median)", "", *verdicts, "", "## Qiskit", "", *notes]
    text = b.write_markdown(args.out, baseline="qtilab", intro=intro)
    print(text)


if __name__ == "__main__":
    main()
