"""Reading (and writing) a 100,000-gate OpenQASM 2 file: qtilab beside qiskit.qasm2.

Target (issue #3): reading a 100,000-gate file takes under 2 s. The file mixes the gates tools
emit most (h, cx, rz with a float angle, u3 with pi expressions, measure at the end) on 20
qubits. Contenders run interleaved in one process, median of repeats (bench/harness.py).

    python bench/qasm_parse.py [--gates 100000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from harness import Bench  # noqa: E402


def make_program(n_gates: int, n_qubits: int = 20, seed: int = 1) -> str:
    rng = random.Random(seed)
    lines = ["OPENQASM 2.0;", 'include "qelib1.inc";', f"qreg q[{n_qubits}];", f"creg c[{n_qubits}];"]
    for _ in range(n_gates - n_qubits):
        k = rng.randrange(4)
        a, b = rng.sample(range(n_qubits), 2)
        if k == 0:
            lines.append(f"h q[{a}];")
        elif k == 1:
            lines.append(f"cx q[{a}],q[{b}];")
        elif k == 2:
            lines.append(f"rz({rng.uniform(-3.14, 3.14):.12f}) q[{a}];")
        else:
            lines.append(f"u3(pi/{rng.randrange(1, 9)},{rng.uniform(-1, 1):.6f},-pi/4) q[{a}];")
    lines.append("measure q -> c;")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--gates", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "qasm_parse.md"))
    args = ap.parse_args()

    from qtilab.core.qasm import dumps, loads
    from qtilab.core.qasm.parser import parse

    text = make_program(args.gates)
    circuit = loads(text)
    n = len(circuit)
    print(f"program: {args.gates} statements, {len(text) / 1e6:.2f} MB, {n} instructions read")

    b = Bench("OpenQASM 2 read/write", repeats=args.repeats)
    wl = f"read {args.gates // 1000}k gates"
    b.add(wl, "qtilab", lambda: loads(text))
    b.add(wl, "qtilab (parse only)", lambda: parse(text))
    wl_w = f"write {args.gates // 1000}k gates"
    b.add(wl_w, "qtilab", lambda: dumps(circuit, version=2))
    try:
        from qiskit import qasm2

        b.add(wl, "qiskit.qasm2", lambda: qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS))
        qc = qasm2.loads(text, custom_instructions=qasm2.LEGACY_CUSTOM_INSTRUCTIONS)
        b.add(wl_w, "qiskit.qasm2", lambda: qasm2.dumps(qc))
    except ImportError:
        b.skip(wl, "qiskit.qasm2", "qiskit not installed")
    b.run()
    # CPU time of the same reads (interleaved): on a shared machine, wall time includes waiting
    # for a core; process time does not (it still pays for cache contention)
    import statistics
    import time

    cpu: dict[str, list[float]] = {"qtilab": [], "qiskit.qasm2": []}
    readers = {"qtilab": lambda: loads(text)}
    if any(e.contender == "qiskit.qasm2" and e.fn is not None for e in b.entries):
        from qiskit import qasm2 as _q2

        readers["qiskit.qasm2"] = lambda: _q2.loads(text, custom_instructions=_q2.LEGACY_CUSTOM_INSTRUCTIONS)
    for _ in range(args.repeats):
        for name, fn in readers.items():
            t0 = time.process_time()
            fn()
            cpu[name].append(time.process_time() - t0)
    cpu_med = {k: statistics.median(v) for k, v in cpu.items() if v}
    rows = {(r["workload"], r["contender"]): r for r in b.table()}
    t = rows[(wl, "qtilab")]["median_s"]
    verdict = "meets" if t < 2.0 else "MISSES"
    load = os.getloadavg()
    cpu_text = ", ".join(f"{k} {v:.2f} s" for k, v in cpu_med.items())
    b.notes += [
        f"Target: reading a 100,000-gate file in under 2 s. qtilab read {args.gates:,} gates in "
        f"{t:.2f} s wall time (median): {verdict} the target on this machine during this run.",
        "",
        f"CPU time of the same reads (process time, median of {args.repeats}): {cpu_text}.",
        "",
        f"The machine was shared with other engineers' jobs during the run (2 cores; load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} over 1 / 5 / 15 min at the end), so absolute "
        "times are inflated; the ratios come from interleaved repeats.",
        "",
        "qtilab's reader: a lark LALR(1) grammar (src/qtilab/core/qasm/qasm.lark) driven over "
        "coarse tokens from one compiled regular expression, then gate expansion into library gates. "
        "qiskit.qasm2 is a Rust parser.",
    ]
    b.write_markdown(args.out, baseline="qtilab")
    print(f"qtilab reads {args.gates:,} gates in {t:.2f} s wall ({cpu_med['qtilab']:.2f} s CPU): {verdict} the 2 s target; "
          f"table in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
