"""``qtilab qasm ...``: OpenQASM conversion and checks.

``qtilab qasm convert IN OUT [--version 2|3]`` converts between OpenQASM (``.qasm``) and the
JSON circuit form (``.json``); ``-`` as OUT writes to standard output. ``qtilab qasm check
FILE`` reads a file and prints what it holds (or the error, with file, line and column).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("qasm", help="OpenQASM 2/3: convert to and from JSON circuits, check files")
    qsub = p.add_subparsers(dest="verb", metavar="<verb>")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])

    c = qsub.add_parser("convert", help="convert IN (.qasm or .json, - for stdin) to OUT (.qasm or .json, - for stdout)")
    c.add_argument("input")
    c.add_argument("output")
    c.add_argument("--version", type=int, choices=[2, 3], default=None,
                   help="OpenQASM version to write (default 3; 2 for .qasm2 outputs)")
    c.set_defaults(func=_convert)

    k = qsub.add_parser("check", help="read an OpenQASM or JSON circuit file and summarise it")
    k.add_argument("file")
    k.add_argument("--json", action="store_true", help="print the summary as JSON")
    k.set_defaults(func=_check)


def _write(text: str, output: str) -> None:
    if output == "-":
        sys.stdout.write(text)
    else:
        Path(output).write_text(text, encoding="utf-8")


def _convert(args: argparse.Namespace) -> int:
    from qtilab.cli.run import load_circuit
    from qtilab.core.qasm import dumps

    circuit = load_circuit(args.input)
    out = args.output
    if out.endswith(".json"):
        _write(json.dumps(circuit.to_dict(), indent=1) + "\n", out)
        return 0
    version = args.version or (2 if out.endswith(".qasm2") else 3)
    _write(dumps(circuit, version=version), out)
    return 0


def _check(args: argparse.Namespace) -> int:
    from qtilab.cli.run import load_circuit

    t0 = time.perf_counter()
    c = load_circuit(args.file)
    dt = time.perf_counter() - t0
    info: dict[str, Any] = {
        "file": args.file, "n_qubits": c.n_qubits, "n_clbits": c.n_clbits, "gates": len(c),
        "depth": c.depth(), "parameters": [p.name for p in c.parameters],
        "mid_circuit": c.has_mid_circuit_ops, "ops": c.count_ops(), "read_seconds": round(dt, 6),
    }
    if args.json:
        print(json.dumps(info))
    else:
        print(f"{args.file}: {c.n_qubits} qubits, {c.n_clbits} bits, {len(c)} gates, depth {c.depth()}, "
              f"read in {dt * 1e3:.1f} ms")
        print("  ops: " + ", ".join(f"{k} {v}" for k, v in c.count_ops().items()))
        if info["parameters"]:
            print("  parameters: " + ", ".join(info["parameters"]))
        if c.has_mid_circuit_ops:
            print("  mid-circuit measurement/reset/conditions: `qtilab run` samples it shot by shot")
    return 0


def demo_part(out_dir: Path, seed: int) -> None:
    """Teleportation read from OpenQASM, sampled shot by shot, against sin^2(theta/2)."""
    import math

    from qtilab.core.qasm import dumps, loads
    from qtilab.report import Report
    from qtilab.sim.shots import run_shots

    theta = 1.1
    text = f"""OPENQASM 2.0;
include "qelib1.inc";
qreg q[3]; creg m0[1]; creg m1[1]; creg r[1];
ry({theta}) q[0];
h q[1]; cx q[1], q[2];
cx q[0], q[1]; h q[0];
measure q[0] -> m0[0]; measure q[1] -> m1[0];
if (m1 == 1) x q[2];
if (m0 == 1) z q[2];
measure q[2] -> r[0];
"""
    c = loads(text)
    shots = 20000
    res = run_shots(c, shots, seed=seed)
    p = float(res.bits[:, 2].mean())
    exact = math.sin(theta / 2) ** 2
    sigma = math.sqrt(exact * (1 - exact) / shots)
    print(f"OpenQASM teleportation, {shots} shots: P(r=1) = {p:.4f} (exact sin^2(theta/2) = {exact:.4f}, "
          f"{(p - exact) / sigma:+.1f} sigma), {res.branches} branches")
    rep = Report("OpenQASM teleportation", meta={"seed": seed, "shots": shots, "theta": theta})
    rep.add_text("Program", "```\n" + text + "```")
    rep.add_table("Outcome of the teleported qubit", ["quantity", "value"],
                  [["P(r=1) sampled", p], ["sin^2(theta/2)", exact], ["deviation (sigma)", (p - exact) / sigma]])
    rep.add_text("Written back as OpenQASM 3", "```\n" + dumps(c, version=3) + "```")
    rep.add_headline("P(r=1) sampled", round(p, 4), error=round(math.sqrt(p * (1 - p) / shots), 4))
    rep.add_headline("deviation from sin^2(theta/2)", round((p - exact) / sigma, 2), unit="sigma")
    fig = rep.new_figure("teleport", f"Teleported qubit: P(r=1) from {shots} shots with its binomial standard "
                         "error (error bar), and the exact sin^2(theta/2) (dashed)")
    ax = fig.gca()
    ax.bar([0, 1], [1 - p, p], yerr=[sigma, sigma], capsize=4, color=["#56B4E9", "#0072B2"], label="sampled")
    ax.hlines([1 - exact, exact], [-0.4, 0.6], [0.4, 1.4], colors="k", linestyles="--", label="exact")
    ax.set_xticks([0, 1])
    ax.set_xticklabels(["r = 0", "r = 1"])
    ax.set_ylabel("probability")
    ax.set_ylim(0, 1)
    ax.legend(loc="upper right")
    rep.data["counts"] = res.counts
    rep.write(out_dir / "qasm-teleport")
