"""``qtilab algo ...``: quantum algorithms, each printed beside its exact classical answer.

    qtilab algo vqe --problem tfim --qubits 12
    qtilab algo qaoa --graph FILE --p 2
    qtilab algo grover --qubits 8 --marked 17 200
    qtilab algo shor 21
    qtilab algo qpe --qubits 4 --counting 7

With ``--out DIR`` each verb writes the usual report (JSON, Markdown, HTML, PNG figures).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from qtilab.cli import add_common


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("algo", help="quantum algorithms (VQE, QAOA, Grover, Shor, phase estimation)")
    asub = p.add_subparsers(dest="verb", metavar="<verb>")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])

    v = asub.add_parser("vqe", help="VQE ground energy of a spin or Hubbard chain, beside exact diagonalisation")
    v.add_argument("--problem", default="tfim", choices=["tfim", "xxz", "hubbard"])
    v.add_argument("--qubits", type=int, default=8)
    v.add_argument("--coupling", type=float, default=1.0, help="J (tfim, xxz) or t (hubbard); default 1")
    v.add_argument("--field", type=float, default=1.0, help="h (tfim) or U (hubbard); default 1")
    v.add_argument("--delta", type=float, default=0.5, help="XXZ anisotropy (default 0.5)")
    v.add_argument("--periodic", action="store_true")
    v.add_argument("--ansatz", default="hardware_efficient")
    v.add_argument("--layers", type=int, default=4)
    v.add_argument("--optimizer", default="L-BFGS-B", help="a scipy.optimize.minimize method or SPSA")
    v.add_argument("--maxiter", type=int, default=300)
    v.add_argument("--shots", type=int, default=None, help="sampled energies (needs --optimizer SPSA)")
    add_common(v)
    v.set_defaults(func=_vqe)

    q = asub.add_parser("qaoa", help="QAOA MaxCut beside the brute-force optimum")
    q.add_argument("--graph", default=None, help="graph file: .json node-link, or edge list 'u v [w]'")
    q.add_argument("--nodes", type=int, default=10, help="random regular graph size without --graph")
    q.add_argument("--degree", type=int, default=3)
    q.add_argument("--p", type=int, default=2, help="QAOA depth (default 2)")
    q.add_argument("--warm-start", action="store_true")
    q.add_argument("--restarts", type=int, default=3)
    add_common(q)
    q.set_defaults(func=_qaoa)

    g = asub.add_parser("grover", help="Grover search for marked states")
    g.add_argument("--qubits", type=int, default=6)
    g.add_argument("--marked", type=int, nargs="+", default=[5])
    g.add_argument("--shots", type=int, default=100)
    add_common(g)
    g.set_defaults(func=_grover)

    s = asub.add_parser("shor", help="factor N with quantum order finding")
    s.add_argument("N", type=int)
    s.add_argument("--a", type=int, default=None, help="the base (default: random coprime)")
    s.add_argument("--shots", type=int, default=8)
    add_common(s)
    s.set_defaults(func=_shor)

    e = asub.add_parser("qpe", help="phase estimation of exp(-iHt) for a TFIM chain's ground state")
    e.add_argument("--qubits", type=int, default=4)
    e.add_argument("--field", type=float, default=1.0)
    e.add_argument("--counting", type=int, default=7)
    e.add_argument("--time", type=float, default=None, help="evolution time (default: fits the spectrum)")
    add_common(e)
    e.set_defaults(func=_qpe)


def _emit(res: Any, as_json: bool, lines: list[str]) -> None:
    from qtilab.algorithms.studies import study_dict

    if as_json:
        print(json.dumps(study_dict(res), indent=2, default=str))
    else:
        print("\n".join(lines))


def _report(title: str, res: Any) -> Any:
    from qtilab.algorithms.studies import study_dict
    from qtilab.report import Report

    rep = Report(title, config=res.config)
    rep.data.update(study_dict(res))
    return rep


def _write(rep: Any, out: str | None) -> None:
    if out:
        rep.write(Path(out))
        print(f"report written to {out}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------
def _vqe(args: argparse.Namespace) -> int:
    from qtilab.algorithms.studies import VQEConfig, run_vqe

    cfg = VQEConfig(args.problem, args.qubits, args.coupling, args.field, args.delta, args.periodic, args.ansatz,
                    args.layers, args.optimizer, args.maxiter, args.shots, args.seed)
    res = run_vqe(cfg, progress=not args.json)
    err = None if res.exact_energy is None else res.energy - res.exact_energy
    _emit(res, args.json, [
        f"VQE {cfg.problem}, {cfg.qubits} qubits, {cfg.ansatz} x{cfg.layers} ({res.parameters} parameters), {cfg.optimizer}",
        f"energy       {res.energy:.10f}",
        f"exact (ED)   {res.exact_energy:.10f}" if res.exact_energy is not None else "exact (ED)   (too large)",
        f"error        {err:.3e}" if err is not None else "",
        f"evaluations  {res.evaluations}, {res.seconds:.2f} s",
    ])
    if args.out:
        _write(vqe_report(res), args.out)
    return 0


def vqe_report(res: Any) -> Any:
    import numpy as np

    rep = _report(f"VQE: {res.config.problem}, {res.config.qubits} qubits", res)
    rep.add_table("Energy", ["VQE", "exact (ED)", "error", "parameters", "evaluations", "seconds"],
                  [[res.energy, res.exact_energy if res.exact_energy is not None else "n/a",
                    res.energy - res.exact_energy if res.exact_energy is not None else "n/a",
                    res.parameters, res.evaluations, res.seconds]])
    fig = rep.new_figure("convergence", "VQE energy against iteration, with the exact ground energy")
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(range(len(res.history)), res.history, label="VQE")
    if res.exact_energy is not None:
        ax.axhline(res.exact_energy, color="k", ls="--", label="exact")
    ax.set_xlabel("iteration")
    ax.set_ylabel("energy")
    ax.legend()
    if res.exact_energy is not None:
        fig2 = rep.new_figure("energy_error", "Energy error against iteration (log scale)")
        ax2 = fig2.add_subplot(1, 1, 1)
        err = np.maximum(np.asarray(res.history) - res.exact_energy, 1e-16)
        ax2.semilogy(range(len(err)), err)
        ax2.set_xlabel("iteration")
        ax2.set_ylabel("E - E_exact")
    return rep


def _qaoa(args: argparse.Namespace) -> int:
    from qtilab.algorithms.studies import QAOAConfig, run_qaoa

    cfg = QAOAConfig(args.graph, args.nodes, args.degree, args.p, args.warm_start, args.restarts, args.seed)
    res = run_qaoa(cfg)
    ratio = res.expectation / res.optimum if res.optimum else float("nan")
    _emit(res, args.json, [
        f"QAOA MaxCut, {res.nodes} nodes, {res.edges} edges, p = {cfg.p}{' (warm start)' if cfg.warm_start else ''}",
        f"<C>            {res.expectation:.6f}   (ratio {ratio:.4f})",
        f"best sampled   {res.best_cut:.6f}   x = {res.best_assignment}",
        f"exact optimum  {res.optimum:.6f}   (brute force)" if res.optimum is not None else "",
        f"P(optimal)     {res.p_optimal:.4f}" if res.p_optimal is not None else "",
        "per depth      " + ", ".join(f"p={d['p']}: {d['expectation']:.4f}" for d in res.layers),
    ])
    if args.out:
        rep = _report(f"QAOA MaxCut, {res.nodes} nodes", res)
        rep.add_table("Cut", ["p", "<C>", "ratio"], [[d["p"], d["expectation"], d["expectation"] / res.optimum if res.optimum else "n/a"] for d in res.layers])
        rep.add_table("Answer", ["best sampled cut", "exact optimum", "P(optimal)"], [[res.best_cut, res.optimum, res.p_optimal]])
        fig = rep.new_figure("convergence", "<C> against optimiser iteration (all depths in order)")
        ax = fig.add_subplot(1, 1, 1)
        ax.plot(res.history)
        if res.optimum is not None:
            ax.axhline(res.optimum, color="k", ls="--", label="optimum")
            ax.legend()
        ax.set_xlabel("iteration")
        ax.set_ylabel("<C>")
        _write(rep, args.out)
    return 0


def _grover(args: argparse.Namespace) -> int:
    from qtilab.algorithms.studies import GroverConfig, run_grover

    cfg = GroverConfig(args.qubits, list(args.marked), args.shots, args.seed)
    res = run_grover(cfg)
    n = cfg.qubits
    _emit(res, args.json, [
        f"Grover, {n} qubits, marked {sorted(set(cfg.marked))}, {res.iterations} iterations",
        f"found             {res.found} ({format(res.found, f'0{n}b')}), marked: {res.is_marked}",
        f"P(success)        {res.success_probability:.6f}",
        f"exact sin^2((2k+1)theta) {res.exact_success_probability:.6f}",
    ])
    if args.out:
        rep = _report(f"Grover search, {n} qubits", res)
        rep.add_table("Result", ["found", "marked", "iterations", "P(success)", "closed form"],
                      [[res.found, res.is_marked, res.iterations, res.success_probability, res.exact_success_probability]])
        fig = rep.new_figure("success", "Success probability against Grover iterations")
        ax = fig.add_subplot(1, 1, 1)
        ax.plot(range(len(res.curve)), res.curve, "o-")
        ax.axvline(res.iterations, color="k", ls="--")
        ax.set_xlabel("iterations")
        ax.set_ylabel("P(marked)")
        _write(rep, args.out)
    return 0


def _shor(args: argparse.Namespace) -> int:
    from qtilab.algorithms.studies import ShorConfig, run_shor

    cfg = ShorConfig(args.N, args.a, args.shots, args.seed)
    res = run_shor(cfg)
    _emit(res, args.json, [
        f"Shor, N = {cfg.N}",
        f"factors (quantum)  {res.factors}",
        f"factors (exact)    {res.exact_factors}",
        f"base a = {res.a}: order found {res.order}, true order {res.true_order}",
        f"attempts {len(res.attempts)}, {res.seconds:.2f} s",
    ])
    if args.out:
        rep = _report(f"Shor's algorithm, N = {cfg.N}", res)
        rep.add_table("Attempts", ["a", "order found", "true order", "method"],
                      [[a.get("a"), a.get("order"), a.get("true_order"), a.get("method")] for a in res.attempts])
        if res.probabilities:
            M = 2**res.n_counting
            fig = rep.new_figure("phase_histogram", "Counting-register (phase) distribution of order finding: peaks at s/r")
            ax = fig.add_subplot(1, 1, 1)
            ax.bar([y / M for y in range(M)], res.probabilities, width=1 / M)
            ax.set_xlabel("phase y / 2^m")
            ax.set_ylabel("probability")
        _write(rep, args.out)
    return 0 if res.factors else 1


def _qpe(args: argparse.Namespace) -> int:
    import math

    import numpy as np

    from qtilab.algorithms import ground_state, hamiltonian_phase_estimation, tfim

    h = tfim(args.qubits, J=1.0, h=args.field)
    w, v = ground_state(h, k=1)
    bound = float(sum(abs(c) for c, _ in h.terms))
    t = args.time if args.time is not None else math.pi / bound  # |E| <= bound < pi / t
    est = hamiltonian_phase_estimation(h, args.counting, time=t, eigenstate=v[:, 0], shots=100, seed=args.seed)
    lines = [
        f"QPE of exp(-iHt), TFIM {args.qubits} qubits, h = {args.field}, {args.counting} counting qubits, t = {t:.4f}",
        f"energy (QPE)   {est.energy:.6f} +- {est.resolution / 2:.6f}",
        f"exact (ED)     {w[0]:.6f}",
    ]
    if args.json:
        print(json.dumps({"energy": est.energy, "resolution": est.resolution, "exact": float(w[0]), "time": t}))
    else:
        print("\n".join(lines))
    if args.out:
        from qtilab.report import Report

        rep = Report(f"Phase estimation, TFIM {args.qubits} qubits", meta={"seed": args.seed})
        rep.add_table("Energy", ["QPE", "exact", "resolution"], [[est.energy, float(w[0]), est.resolution]])
        fig = rep.new_figure("phase_histogram", "Phase-estimation histogram as energies; dashed: exact ground energy")
        ax = fig.add_subplot(1, 1, 1)
        order = np.argsort(est.energies)
        ax.bar(est.energies[order], est.probabilities[order], width=est.resolution)
        ax.axvline(w[0], color="k", ls="--")
        ax.set_xlabel("energy")
        ax.set_ylabel("probability")
        rep.data.update({"energy": est.energy, "exact": float(w[0]), "resolution": est.resolution})
        _write(rep, args.out)
    return 0


def demo_part(out_dir: Path, seed: int) -> None:
    """Shor for 21, Grover on 8 qubits, VQE on a 6-qubit TFIM, QAOA p = 2 on 10 nodes."""
    from qtilab.algorithms.studies import (
        GroverConfig,
        QAOAConfig,
        ShorConfig,
        VQEConfig,
        run_grover,
        run_qaoa,
        run_shor,
        run_vqe,
    )
    from qtilab.report import Report

    out_dir.mkdir(parents=True, exist_ok=True)
    rep = Report("algorithms demo", meta={"seed": seed})
    s = run_shor(ShorConfig(21, seed=seed))
    print(f"Shor N=21: factors {s.factors} (exact {s.exact_factors}), order of {s.a}: {s.order} (true {s.true_order})")
    g = run_grover(GroverConfig(8, [17, 200], 100, seed))
    print(f"Grover 8 qubits, 2 marked: found {g.found}, P(success) {g.success_probability:.4f} (closed form {g.exact_success_probability:.4f})")
    v = run_vqe(VQEConfig("tfim", 6, layers=3, seed=seed))
    print(f"VQE TFIM 6 qubits: {v.energy:.6f} (exact {v.exact_energy:.6f}), {v.evaluations} evaluations")
    q = run_qaoa(QAOAConfig(nodes=10, degree=3, p=2, seed=seed))
    print(f"QAOA p=2, 10-node 3-regular graph: <C> {q.expectation:.4f}, optimum {q.optimum}, P(optimal) {q.p_optimal:.3f}")
    rep.add_table("Answers beside exact ones", ["algorithm", "quantum", "exact"], [
        ["Shor N=21", str(s.factors), str(s.exact_factors)],
        ["Grover P(success)", g.success_probability, g.exact_success_probability],
        ["VQE TFIM-6 energy", v.energy, v.exact_energy],
        ["QAOA p=2 <C> / optimum", q.expectation, q.optimum],
    ])
    fig = rep.new_figure("vqe_convergence", "VQE energy against iteration (TFIM, 6 qubits)")
    ax = fig.add_subplot(1, 1, 1)
    ax.plot(v.history)
    ax.axhline(v.exact_energy, color="k", ls="--")
    ax.set_xlabel("iteration")
    ax.set_ylabel("energy")
    rep.write(out_dir)
