"""``qtilab run FILE``: simulate a circuit file and print counts, probabilities or the state.

Circuit files: OpenQASM 2.0 or 3 (``.qasm``, ``.qasm2``, ``.qasm3``) and the JSON form of
:meth:`qtilab.Circuit.to_dict` (``.json``). ``-`` reads standard input (JSON when it starts
with ``{``, OpenQASM otherwise). Readers for other formats register in :data:`READERS` by
suffix. Circuits with mid-circuit measurement, reset or classically controlled gates are
sampled shot by shot (:func:`qtilab.sim.run_shots`).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qtilab.cli import count
from qtilab.errors import CircuitError


def _read_json(text: str, name: str) -> Any:
    from qtilab.core.circuit import Circuit

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CircuitError(f"{name}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    return Circuit.from_dict(data)


def _read_qasm(text: str, name: str) -> Any:
    from qtilab.core.qasm import loads

    return loads(text, filename=name)


#: suffix -> reader(text, filename) -> Circuit
READERS: dict[str, Callable[[str, str], Any]] = {
    ".json": _read_json,
    ".qasm": _read_qasm,
    ".qasm2": _read_qasm,
    ".qasm3": _read_qasm,
}


def load_circuit(path: str) -> Any:
    """Read a circuit file by suffix; ``-`` reads standard input (JSON unless it looks like QASM)."""
    if path == "-":
        text = sys.stdin.read()
        suffix = ".json" if text.lstrip().startswith("{") else ".qasm"
        name = "<stdin>"
    else:
        p = Path(path)
        if not p.exists():
            raise FileNotFoundError(f"no such circuit file: {path}")
        try:
            text = p.read_text()
        except (OSError, UnicodeDecodeError) as exc:
            raise CircuitError(f"cannot read {path}: {exc}") from None
        suffix = p.suffix.lower()
        name = str(p)
    reader = READERS.get(suffix)
    if reader is None:
        raise CircuitError(f"{name}: unknown circuit format {suffix!r}; known: {', '.join(sorted(READERS))}")
    return reader(text, name)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("run", help="simulate a circuit file (OpenQASM 2/3 or JSON; '-' for stdin)")
    p.add_argument("file", help="circuit file, or - for standard input")
    p.add_argument("--shots", type=count, default=1024, help="number of samples (default 1024; 0 for none)")
    p.add_argument("--seed", type=int, default=None, help="seed for sampling")
    p.add_argument("--statevector", action="store_true", help="print the final state vector")
    p.add_argument("--probabilities", action="store_true", help="print the basis-state probabilities")
    p.add_argument("--observable", action="append", default=[], help="expectation value of a Pauli sum, e.g. 'Z0 Z1'")
    p.add_argument("--dtype", choices=["complex128", "complex64"], default="complex128")
    p.add_argument(
        "--param", action="append", default=[], metavar="NAME=VALUE",
        help="value of a symbolic parameter (an OpenQASM 3 `input float`), repeatable",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object (schema in docs/cli.md)")
    p.add_argument(
        "--noise", default=None, metavar="FILE",
        help="device description (TOML/JSON: T1, T2, gate times and errors, readout errors; docs/noise.md)",
    )
    p.add_argument(
        "--method", choices=["statevector", "density_matrix", "trajectories"], default=None,
        help="simulation engine (default: statevector, or density_matrix with --noise)",
    )
    p.add_argument("--trajectories", type=int, default=1000, help="number of trajectories for --method trajectories")
    p.set_defaults(func=run)


def _param_values(items: list[str]) -> dict[str, float]:
    vals: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            if not sep:
                raise ValueError
            vals[name.strip()] = float(value)
        except ValueError:
            raise CircuitError(f"--param {item!r}: write NAME=VALUE, e.g. --param theta=0.5") from None
    return vals


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from qtilab.sim.shots import run_shots
    from qtilab.sim.statevector import simulate

    if args.shots < 0:
        raise CircuitError(f"--shots must be >= 0, got {args.shots}")
    circuit = load_circuit(args.file)
    params = _param_values(args.param)
    values: dict[str, float] | None = params or None
    if circuit.parameters:
        missing = [p.name for p in circuit.parameters if p.name not in params]
        if missing:
            raise CircuitError(f"parameter(s) {missing} have no value; pass e.g. --param {missing[0]}=0.5")
    if params:
        unknown = sorted(set(params) - {p.name for p in circuit.parameters})
        if unknown:
            raise CircuitError(f"--param: the circuit has no parameter(s) {unknown}")
    if args.noise is not None or args.method not in (None, "statevector"):
        return _run_noisy(args, circuit, values)
    mid = circuit.has_mid_circuit_ops
    # load (or, after installation, compile) the kernels first: the time below is the simulation's
    from qtilab.sim.firstuse import warm_up

    t_startup = warm_up(args.dtype, mid_circuit=mid)
    t0 = time.perf_counter()
    res = None
    shots_res = None
    if mid:
        if args.statevector or args.probabilities or args.observable:
            raise CircuitError(
                "--statevector, --probabilities and --observable need a circuit without mid-circuit "
                "measurement, reset or classically controlled gates (its final state is a mixture); "
                "use --shots for counts"
            )
        if args.shots:
            shots_res = run_shots(circuit, args.shots, seed=args.seed, params=values, dtype=args.dtype)
    else:
        res = simulate(circuit, values, dtype=args.dtype)
    t_sim = time.perf_counter() - t0
    out: dict[str, Any] = {
        "file": args.file,
        "n_qubits": circuit.n_qubits,
        "n_clbits": circuit.n_clbits,
        "gates": len(circuit),
        "depth": circuit.depth(),
        "method": "branches" if mid else "statevector",
        "seconds": round(t_sim, 6),
        "startup_seconds": round(t_startup, 6),
    }
    if args.shots:
        out["shots"] = args.shots
        out["seed"] = args.seed
        if shots_res is not None:
            out["counts"] = shots_res.counts
        else:
            assert res is not None
            counts = res.sample(args.shots, seed=args.seed).counts
            if res.batched:
                out["counts"] = [dict(sorted(c.items())) for c in counts]
            else:
                out["counts"] = dict(sorted(counts.items()))
    if args.probabilities and res is not None:
        out["probabilities"] = np.asarray(res.probabilities()).tolist()
    if args.statevector and res is not None:
        sv = np.asarray(res.statevector)
        out["statevector"] = np.stack([sv.real, sv.imag], axis=-1).tolist()
    if args.observable and res is not None:
        out["expectation"] = {}
        for o in args.observable:
            v = res.expectation(o)
            out["expectation"][o] = np.asarray(v).tolist()
    if args.json:
        print(json.dumps(out))
        return 0
    how = "sampled shot by shot" if mid else "simulated"
    print(f"{args.file}: {circuit.n_qubits} qubits, {len(circuit)} gates, depth {circuit.depth()}, {how} in {t_sim * 1e3:.2f} ms "
          f"(engine start-up {t_startup:.2f} s, not counted)")
    if "counts" in out:
        print(f"counts ({args.shots} shots, seed {args.seed}):")
        items = out["counts"] if isinstance(out["counts"], dict) else out["counts"][0]
        for k, v in sorted(items.items(), key=lambda kv: -kv[1])[:32]:
            print(f"  {k}  {v}")
        if len(items) > 32:
            print(f"  ... {len(items) - 32} more outcomes")
    if args.probabilities and res is not None:
        p = np.asarray(res.probabilities())
        for i in np.flatnonzero(p > 1e-12)[:64]:
            print(f"  P({format(int(i), f'0{circuit.n_qubits}b')}) = {p[i]:.6g}")
    if args.statevector and res is not None:
        sv = np.asarray(res.statevector)
        for i in np.flatnonzero(np.abs(sv) > 1e-12)[:64]:
            print(f"  {format(int(i), f'0{circuit.n_qubits}b')}: {sv[i].real:+.6f} {sv[i].imag:+.6f}j")
    for o, v in out.get("expectation", {}).items():
        print(f"  <{o}> = {v}")
    return 0


def _run_noisy(args: argparse.Namespace, circuit: Any, values: dict[str, float] | None) -> int:
    """``--noise FILE`` / ``--method``: the density-matrix or trajectory engine."""
    import numpy as np

    from qtilab.sim.engine import simulate
    from qtilab.sim.noise import NoiseModel

    if args.statevector:
        raise CircuitError("--statevector needs the state-vector method; a noisy state is a density matrix (use --probabilities)")
    noise = NoiseModel.from_device(args.noise) if args.noise is not None else None
    method = args.method or "density_matrix"
    opts: dict[str, Any] = {"n_trajectories": args.trajectories, "seed": args.seed} if method == "trajectories" else {}
    from qtilab.sim.firstuse import warm_up

    warm_up(args.dtype)  # engine start-up apart from the simulation's time
    t0 = time.perf_counter()
    res = simulate(circuit, values, method=method, noise=noise, dtype=args.dtype, **opts)
    t_sim = time.perf_counter() - t0
    out: dict[str, Any] = {
        "file": args.file, "n_qubits": circuit.n_qubits, "n_clbits": circuit.n_clbits, "gates": len(circuit),
        "depth": circuit.depth(), "method": method, "noise": args.noise, "seconds": round(t_sim, 6),
    }
    if method == "trajectories":
        out["trajectories"] = res.n_trajectories
    if args.shots:
        out["shots"] = args.shots
        out["seed"] = args.seed
        counts = res.sample(args.shots, seed=args.seed).counts
        out["counts"] = [dict(sorted(c.items())) for c in counts] if res.batched else dict(sorted(counts.items()))
    if args.probabilities:
        out["probabilities"] = np.asarray(res.probabilities()).tolist()
    if args.observable:
        out["expectation"] = {o: np.asarray(res.expectation(o)).tolist() for o in args.observable}
        if method == "trajectories":
            out["expectation_error"] = {o: np.asarray(res.expectation_error(o)).tolist() for o in args.observable}
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{args.file}: {circuit.n_qubits} qubits, {len(circuit)} gates, {method}"
          f"{' with noise from ' + args.noise if args.noise else ''} in {t_sim * 1e3:.2f} ms")
    if "counts" in out:
        print(f"counts ({args.shots} shots, seed {args.seed}, readout errors included):")
        items = out["counts"] if isinstance(out["counts"], dict) else out["counts"][0]
        for k, v in sorted(items.items(), key=lambda kv: -kv[1])[:32]:
            print(f"  {k}  {v}")
    if args.probabilities:
        p = np.asarray(res.probabilities())
        for i in np.flatnonzero(p > 1e-12)[:64]:
            print(f"  P({format(int(i), f'0{circuit.n_qubits}b')}) = {p[i]:.6g}")
    for o, v in out.get("expectation", {}).items():
        err = out.get("expectation_error", {}).get(o)
        print(f"  <{o}> = {v}" + (f" +- {err}" if err is not None else ""))
    return 0
