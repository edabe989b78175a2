"""Read OpenQASM 2.0 and the qtilab subset of OpenQASM 3 into a :class:`Circuit`.

The parse tree (``parser.py``) is interpreted statement by statement. User gates are expanded
into library gates at each call; the standard gates of ``qelib1.inc`` and ``stdgates.inc``
(kept in this package) map straight to library gates whose matrices equal the definitions --
exactly, global phase included, for OpenQASM 3 where ``ctrl @`` makes global phases
observable; up to a global phase for OpenQASM 2, which has no modifiers.

Registers are laid out in declaration order: the first declared qubit is qubit 0 (bit 0 of the
state index), and likewise for classical bits.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from qtilab.core.circuit import Circuit, Gate
from qtilab.core.parameters import Parameter, ParameterExpression
from qtilab.core.qasm import _ops
from qtilab.core.qasm._ops import Phase, Prim
from qtilab.core.qasm.parser import FUNCTIONS, Tok, parse
from qtilab.errors import CircuitError, QasmError

#: the most gates a program may expand to (guards against exponential gate nesting)
MAX_GATES = 2_000_000
#: the most qubits (or bits) one register may declare
MAX_REGISTER = 1 << 20
#: the most qubits a non-integer ``pow(k) @`` may act on (it builds a dense matrix)
MAX_POW_QUBITS = 8

STANDARD_INCLUDES = {"qelib1.inc": 2, "stdgates.inc": 3}

#: OpenQASM 3 words outside qtilab's subset: a clear "not supported" instead of a syntax error
UNSUPPORTED_3 = {
    "for": "for loops", "while": "while loops", "def": "subroutines (def)", "let": "aliases (let)",
    "const": "constants (const)", "int": "int variables", "uint": "uint variables",
    "float": "float variables", "angle": "angle variables", "bool": "bool variables",
    "complex": "complex variables", "duration": "durations", "stretch": "stretch variables",
    "delay": "delay statements", "box": "box statements", "defcal": "calibrations (defcal)", "cal": "calibrations (cal)",
    "defcalgrammar": "calibration grammars", "extern": "extern functions", "output": "output declarations",
    "switch": "switch statements", "return": "return statements", "break": "break statements", "continue": "continue statements",
    "array": "arrays", "else": "else branches", "end": "end statements", "durationof": "durationof expressions",
    "pragma": "pragmas", "#pragma": "pragmas", "nop": "nop statements",
}

def _unsupported_messages() -> dict[str, str]:
    return {
        k: f"OpenQASM 3 {v} are not supported by qtilab's reader (supported: {SUBSET_3})"
        for k, v in UNSUPPORTED_3.items()
    }


SUBSET_3 = (
    "qubit/bit/qreg/creg declarations, input float/angle, gate definitions, gate calls with "
    "ctrl/negctrl/inv/pow modifiers, gphase, U, measure, reset, barrier, and if on a bit or register"
)


@dataclass
class GateDef:
    """A gate known to the reader: builtin, standard (native), user-defined or opaque."""

    name: str
    n_params: int
    n_qubits: int
    params: list[str] = field(default_factory=list)
    qargs: list[str] = field(default_factory=list)
    body: list[Any] | None = None
    native: Callable[[Sequence[Any], Sequence[int]], list[Prim]] | None = None
    #: the native gates equal the body exactly (global phase included)
    exact: bool = True
    opaque: bool = False
    where: str = ""
    #: an upper bound on the gates one call expands to (checked before expanding)
    size: float = 1.0


def _g(name: str, qubits: Sequence[int], params: Sequence[Any] = (), ctrl: int = 0) -> Gate:
    return Gate(name, tuple(qubits), tuple(params), ctrl)


def _one(name: str, ctrl: int = 0) -> Callable[[Sequence[Any], Sequence[int]], list[Prim]]:
    def f(p: Sequence[Any], q: Sequence[int]) -> list[Prim]:
        return [Gate(name, tuple(q), tuple(p), ctrl)]

    return f


_PI = math.pi


def _natives_common() -> dict[str, tuple[int, int, Callable[..., list[Prim]]]]:
    """name -> (n_params, n_qubits, builder), for gates whose library form is exact."""
    n: dict[str, tuple[int, int, Callable[..., list[Prim]]]] = {}
    for name in ("x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "id"):
        n[name] = (0, 1, _one(name))
    for name in ("rx", "ry", "rz", "p"):
        n[name] = (1, 1, _one(name))
    n["u1"] = (1, 1, _one("p"))
    n["cx"] = (0, 2, _one("x", 1))
    n["cy"] = (0, 2, _one("y", 1))
    n["cz"] = (0, 2, _one("z", 1))
    n["ch"] = (0, 2, _one("h", 1))
    n["cp"] = (1, 2, _one("p", 1))
    n["crx"] = (1, 2, _one("rx", 1))
    n["cry"] = (1, 2, _one("ry", 1))
    n["crz"] = (1, 2, _one("rz", 1))
    n["swap"] = (0, 2, _one("swap"))
    n["ccx"] = (0, 3, _one("x", 2))
    n["cswap"] = (0, 3, _one("swap", 1))
    n["cu"] = (4, 2, lambda p, q: [_g("p", q[:1], p[3:]), _g("u", q, p[:3], 1)])
    return n


def _natives_3() -> dict[str, tuple[int, int, Callable[..., list[Prim]]]]:
    """stdgates.inc: every gate exact, global phase included (see the spec's u2/u3 phases)."""
    n = _natives_common()
    n["CX"] = n["cx"]
    n["phase"] = n["p"]
    n["cphase"] = n["cp"]
    n["u2"] = (2, 1, lambda p, q: [Phase(-(p[0] + p[1] + _PI / 2) / 2), _g("u", q, (_PI / 2, p[0], p[1]))])
    n["u3"] = (3, 1, lambda p, q: [Phase(-(p[0] + p[1] + p[2]) / 2), _g("u", q, p)])
    return n


def _natives_2() -> dict[str, tuple[int, int, Callable[..., list[Prim]]]]:
    """qelib1.inc: library forms equal the definitions up to a global phase."""
    n = _natives_common()
    n["u3"] = (3, 1, _one("u"))
    n["u"] = (3, 1, _one("u"))
    n["u2"] = (2, 1, lambda p, q: [_g("u", q, (_PI / 2, p[0], p[1]))])
    n["u0"] = (1, 1, lambda p, q: [_g("id", q)])
    n["sxdg"] = (0, 1, _one("sxdg"))
    n["cu1"] = (1, 2, _one("p", 1))
    n["cu3"] = (3, 2, _one("u", 1))
    n["csx"] = (0, 2, _one("sx", 1))
    n["rxx"] = (1, 2, _one("rxx"))
    n["rzz"] = (1, 2, _one("rzz"))
    n["c3x"] = (0, 4, _one("x", 3))
    n["c4x"] = (0, 5, _one("x", 4))
    n["c3sqrtx"] = (0, 4, _one("sx", 3))
    return n


NATIVES = {2: _natives_2(), 3: _natives_3()}


def _std_text(name: str) -> str:
    return resources.files("qtilab.core.qasm").joinpath(name).read_text(encoding="utf-8")


class _Reader:
    def __init__(self, include_path: Sequence[str | os.PathLike[str]] = (), native: bool = True,
                 limits: QasmLimits | None = None) -> None:
        self.version: int | None = None
        self.qregs: dict[str, tuple[int, int]] = {}
        self.cregs: dict[str, tuple[int, int]] = {}
        self.nq = 0
        self.nc = 0
        self.gates: dict[str, GateDef] = {}
        self.inputs: dict[str, Parameter] = {}
        self.ops: list[Gate] = []
        self.include_stack: list[str] = []
        self.included_std: set[str] = set()
        self.include_path = [Path(p) for p in include_path]
        self.use_native = native
        self.filename: str | None = None
        self.file_version = 2
        self.std_file: int | None = None  # version of the standard file being read, if any
        self.arg_cache: dict[str, tuple[str, int | None]] = {}
        self.phase: Any = 0.0
        self.qubit_cache: dict[str, int] = {}  # "q[3]" -> global qubit, once checked
        self.lines: list[str] = []  # the lines of the file being read, for error columns
        self.limits = limits or QasmLimits.from_env()
        self.bytes_read = 0
        self.statements_read = 0

    # -- errors ---------------------------------------------------------------------------
    def err(self, msg: str, pos: Any = None, token: str | None = None, nth: int = 0) -> QasmError:
        """An error at ``token``: its column is found in the statement's line (``nth``
        occurrence from the statement's start), so it points at the offending argument, not
        the statement."""
        line = getattr(pos, "line", None)
        col = getattr(pos, "column", None)
        if token is None and pos is not None:
            token = getattr(pos, "value", None)
            if getattr(pos, "type", None) == "SIMPLE_CALL" and token:
                token = token.split("(")[0].split()[0]
        if token and line is not None and col is not None and 0 < line <= len(self.lines):
            text = self.lines[line - 1]
            pat = re.compile(r"(?<![\w\[])" + re.escape(token) + (r"(?!\w)" if token[-1:].isalnum() else ""))
            found = list(pat.finditer(text, col - 1))
            if len(found) > nth:
                col = found[nth].start() + 1
        return QasmError(msg, filename=self.filename, line=line, column=col, token=token)

    # -- top level ----------------------------------------------------------------------
    def read(self, text: str, filename: str | None) -> Circuit:
        self.filename = filename
        if filename is not None and not filename.startswith("<"):
            self.include_stack.append(str(Path(filename).resolve()))
        self._count_input(text, filename)
        self.lines = text.splitlines()
        version, stmts = parse(text, filename, _unsupported_messages())
        self._count_statements(stmts, filename)
        self.version = self._version(version, default=3)
        self.file_version = self.version
        self._statements(stmts)
        if self.nq == 0:
            raise QasmError("the program declares no qubits (add e.g. `qreg q[2];` or `qubit[2] q;`)",
                            filename=filename)
        c = Circuit(self.nq, self.nc, name=Path(filename).stem if filename and not filename.startswith("<") else None)
        # The reader has validated every gate (qubits and bits in range and distinct, parameter
        # counts, finite values), so the gates go in without Circuit.append's per-gate checks,
        # which would cost more than parsing a large file. tests/qasm re-appends every gate of
        # the corpus through Circuit.append to keep this honest.
        c._gates.extend(self._global_phase())
        c._gates.extend(self.ops)
        return c

    def _version(self, v: Any, default: int) -> int:
        if v is None:
            return default
        tok = v[1]
        text = tok.value
        try:
            num = float(text)
        except ValueError:  # pragma: no cover - the lexer only passes numbers
            num = -1.0
        if num == 2.0:
            return 2
        if 3.0 <= num < 4.0:
            return 3
        raise self.err(f"unsupported OpenQASM version {text}; qtilab reads 2.0 and 3.x", tok)

    def _statements(self, stmts: list[Any]) -> None:
        handlers = {
            "include": self._include, "qreg": self._reg, "creg": self._reg, "qubit": self._decl3,
            "bit": self._decl3, "input": self._input, "gate": self._gate_def,
            "opaque": self._opaque, "call": self._call_top, "measure": self._measure,
            "reset": self._reset, "barrier": self._barrier, "if": self._if, "bad": self._bad,
        }
        call_top = self._call_top
        for st in stmts:
            if st[0] == "call":
                call_top(st, None)
            else:
                handlers[st[0]](st, None)
            if len(self.ops) > MAX_GATES:
                raise self.err(f"the program expands to more than {MAX_GATES:,} gates; qtilab stops here", st[1] if st[0] != "call" else st[5])

    def _bad(self, st: Any, cond: Any) -> None:
        raise self.err(st[2], st[1])

    def _need3(self, what: str, pos: Any) -> None:
        if self.file_version == 2:
            raise self.err(f"{what} is OpenQASM 3; this file declares OPENQASM 2.0", pos)

    # -- includes -------------------------------------------------------------------------
    def _include(self, st: Any, cond: Any) -> None:
        tok, name = st[1], st[2]
        if name in STANDARD_INCLUDES:
            if name in self.included_std:
                return
            self.included_std.add(name)
            self._read_included(_std_text(name), f"<{name}>", STANDARD_INCLUDES[name], std=True)
            return
        # OpenQASM text may come from strangers: read only files under the including file's
        # folder or an explicit include_path folder (no absolute paths, no '..' out, no links out)
        base = [Path(self.filename).resolve().parent] if self.filename and not self.filename.startswith("<") else []
        roots = [d.resolve() for d in base + self.include_path]
        if not roots:
            raise self.err(
                f"include {name!r}: a program read from a string may include only the standard files "
                f"({', '.join(STANDARD_INCLUDES)}) unless include_path names the folders to search",
                tok, name,
            )
        if Path(name).is_absolute():
            raise self.err(
                f"include {name!r}: absolute paths are refused; give a path relative to the including "
                "file's folder or to an include_path folder", tok, name,
            )
        candidates = [(d / name).resolve() for d in roots]
        inside = [p for p, d in zip(candidates, roots) if p.is_relative_to(d)]
        if not inside:
            raise self.err(
                f"include {name!r} resolves outside the including file's folder and the include_path "
                "folders; it is refused", tok, name,
            )
        path = next((p for p in inside if p.is_file()), None)
        if path is None:
            looked = ", ".join(str(p) for p in inside)
            raise self.err(f"include file {name!r} not found (looked for {looked})", tok, name)
        key = str(path.resolve())
        if key in self.include_stack:
            chain = " -> ".join(Path(p).name for p in self.include_stack[self.include_stack.index(key):])
            raise self.err(f"include cycle: {chain} -> {path.name}", tok, name)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise self.err(f"cannot read include file {str(path)!r}: {exc}", tok, name) from None
        self.include_stack.append(key)
        try:
            self._read_included(text, str(path), self.file_version, std=False)
        finally:
            self.include_stack.pop()

    def _read_included(self, text: str, filename: str, version: int, std: bool) -> None:
        saved = (self.filename, self.file_version, self.std_file, self.lines)
        self.filename = filename
        try:
            if not std:
                self._count_input(text, filename)
            self.lines = text.splitlines()
            v, stmts = parse(text, filename, _unsupported_messages())
            if not std:
                self._count_statements(stmts, filename)
            self.file_version = self._version(v, default=version)
            self.std_file = self.file_version if std else None
            self._statements(stmts)
        finally:
            self.filename, self.file_version, self.std_file, self.lines = saved

    def _count_input(self, text: str, filename: str | None) -> None:
        self.bytes_read += len(text)
        if self.bytes_read > self.limits.max_bytes:
            raise QasmError(
                f"the program (with its includes) is longer than the limit of {self.limits.max_bytes:,} "
                "characters; raise max_bytes (loads(..., limits=QasmLimits(max_bytes=...)) or "
                "QTILAB_QASM_MAX_BYTES) if you trust it",
                filename=filename,
            )

    def _count_statements(self, stmts: list[Any], filename: str | None) -> None:
        self.statements_read += len(stmts)
        if self.statements_read > self.limits.max_statements:
            raise QasmError(
                f"the program (with its includes) has more than {self.limits.max_statements:,} statements; "
                "raise max_statements (QasmLimits or QTILAB_QASM_MAX_STATEMENTS) if you trust it",
                filename=filename,
            )

    # -- declarations ---------------------------------------------------------------------
    def _check_new_name(self, name: str, pos: Any) -> None:
        # registers, inputs and gates share one namespace (as Qiskit's reader also enforces)
        for table, what in ((self.qregs, "quantum register"), (self.cregs, "classical register"),
                            (self.inputs, "input parameter"), (self.gates, "gate")):
            if name in table:
                raise self.err(f"{name!r} is already declared as a {what}", pos, name)

    def _size(self, tok: Any, what: str) -> int:
        text = tok.value if hasattr(tok, "value") else str(tok)
        try:
            n = int(text)
        except ValueError:
            raise self.err(f"{what} size must be a positive integer, got {text}", tok, text) from None
        if n < 1:
            raise self.err(f"{what} size must be at least 1, got {n}", tok, text)
        if n > MAX_REGISTER:
            raise self.err(f"{what} size {n} is larger than qtilab's limit of {MAX_REGISTER}", tok, text)
        return n

    def _add_reg(self, kind: str, name: str, size: int, pos: Any) -> None:
        self._check_new_name(name, pos)
        if kind == "q":
            self.qregs[name] = (self.nq, size)
            self.nq += size
        else:
            self.cregs[name] = (self.nc, size)
            self.nc += size

    def _reg(self, st: Any, cond: Any) -> None:
        kw, text = st[1], st[2]
        name, _, rest = text.partition("[")
        name = name.strip()
        size_text = rest.rstrip("] \t").strip()
        size = self._size(Tok("NUMBER", size_text, kw.line, kw.column), "register")
        self._add_reg("q" if st[0] == "qreg" else "c", name, size, kw)

    def _decl3(self, st: Any, cond: Any) -> None:
        kw, size_tok, name = st[1], st[2], st[3]
        self._need3(f"`{st[0]}` declarations", kw)
        size = 1 if size_tok is None else self._size(size_tok, "register")
        self._add_reg("q" if st[0] == "qubit" else "c", name, size, kw)

    def _input(self, st: Any, cond: Any) -> None:
        kw, typ, name = st[1], st[2], st[3]
        self._need3("`input`", kw)
        base = typ.split("[")[0].strip()
        if base not in ("float", "angle"):
            raise self.err(f"input of type {typ!r} is not supported (only `input float` and `input angle`)", kw, typ)
        self._check_new_name(name, kw)
        try:
            self.inputs[name] = Parameter(name)
        except CircuitError as exc:
            raise self.err(str(exc), kw, name) from None

    def _gate_def(self, st: Any, cond: Any) -> None:
        tok, params, qargs, body = st[1], st[2], st[3], st[4]
        name = tok.value
        if name in self.gates or name in ("U", "gphase") or (name == "CX" and self.file_version == 2):
            prev = self.gates.get(name)
            where = f" (first defined at {prev.where})" if prev and prev.where else ""
            raise self.err(f"gate {name!r} is already defined{where}", tok, name)
        for table, what in ((self.qregs, "quantum register"), (self.cregs, "classical register"),
                            (self.inputs, "input parameter")):
            if name in table:
                raise self.err(f"gate name {name!r} is already declared as a {what}", tok, name)
        for group, what in ((params, "parameter"), (qargs, "qubit argument")):
            if len(set(group)) != len(group):
                raise self.err(f"gate {name!r}: a {what} name is repeated", tok, name)
        if set(params) & set(qargs):
            raise self.err(f"gate {name!r}: a name is both a parameter and a qubit argument", tok, name)
        # check the body now: called gates must exist, arguments must be this gate's qubits
        for b in body:
            if b[0] == "call":
                _, bname, mods, bparams, bargs, pos = b
                if bname not in self.gates and bname not in ("U", "gphase") and not (bname == "CX" and self.file_version == 2):
                    hint = " (a gate cannot call itself)" if bname == name else ""
                    raise self.err(f"gate {name!r} calls unknown gate {bname!r}{hint}", pos, bname)
                for a in bargs:
                    if a not in qargs:
                        raise self.err(f"gate {name!r}: {a!r} is not one of its qubit arguments {qargs}", pos, a)
                if mods:
                    self._need3("gate modifiers", pos)
            else:  # barrier
                for a in b[2]:
                    if a not in qargs:
                        raise self.err(f"gate {name!r}: {a!r} is not one of its qubit arguments {qargs}", b[1], a)
        size = 0.0
        for b in body:
            if b[0] != "call":
                size += 1
                continue
            callee = self.gates.get(b[1])
            k = callee.size if callee is not None else 1.0
            for m in b[2]:
                if m[0] == "pow" and type(m[2]) is float and m[2] == int(m[2]):
                    k *= max(abs(m[2]), 1.0)
                elif m[0] in ("ctrl", "negctrl"):
                    k *= 3  # a controlled phase becomes up to three gates
            size += k
        natives = NATIVES[self.std_file] if self.std_file is not None and self.use_native else {}
        nat = natives.get(name)
        if nat is not None and (nat[0] != len(params) or nat[1] != len(qargs)):  # pragma: no cover
            nat = None
        self.gates[name] = GateDef(
            name, len(params), len(qargs), list(params), list(qargs), body,
            native=nat[2] if nat else None, exact=self.std_file == 3,
            where=f"{self.filename or '<string>'}:{tok.line}", size=max(size, 1.0),
        )

    def _opaque(self, st: Any, cond: Any) -> None:
        pos, name, params, qargs = st[1], st[2], st[3], st[4]
        if name in self.gates:
            raise self.err(f"gate {name!r} is already defined", pos, name)
        self.gates[name] = GateDef(name, len(params), len(qargs), list(params), list(qargs), opaque=True,
                                   where=f"{self.filename or '<string>'}:{pos.line}")

    # -- arguments ------------------------------------------------------------------------
    def _split_arg(self, text: str) -> tuple[str, int | None]:
        r = self.arg_cache.get(text)
        if r is None:
            if "[" in text:
                name, _, rest = text.partition("[")
                r = (name, int(rest[:-1]))
            else:
                r = (text, None)
            self.arg_cache[text] = r
        return r

    def _qubits(self, text: str, pos: Any) -> list[int]:
        name, idx = self._split_arg(text)
        reg = self.qregs.get(name)
        if reg is None:
            what = " (it is a classical register)" if name in self.cregs else ""
            raise self.err(f"undeclared quantum register {name!r}{what}", pos, text)
        off, size = reg
        if idx is None:
            return list(range(off, off + size))
        if idx >= size:
            raise self.err(f"index {idx} out of range for register {name!r} of size {size}", pos, text)
        self.qubit_cache[text] = off + idx
        return [off + idx]

    def _clbits(self, text: str, pos: Any) -> list[int]:
        name, idx = self._split_arg(text)
        reg = self.cregs.get(name)
        if reg is None:
            what = " (it is a quantum register)" if name in self.qregs else ""
            raise self.err(f"undeclared classical register {name!r}{what}", pos, text)
        off, size = reg
        if idx is None:
            return list(range(off, off + size))
        if idx >= size:
            raise self.err(f"index {idx} out of range for register {name!r} of size {size}", pos, text)
        return [off + idx]

    def _broadcast(self, groups: list[list[int]], texts: Sequence[str], pos: Any) -> list[list[int]]:
        sizes = {len(g) for g in groups if len(g) != 1}
        if len(sizes) > 1:
            raise self.err(f"registers of different sizes {sorted(sizes)} in one statement: {', '.join(texts)}", pos)
        n = sizes.pop() if sizes else 1
        out = []
        for i in range(n):
            qs = [g[i] if len(g) > 1 else g[0] for g in groups]
            out.append(qs)
        return out

    # -- expressions ----------------------------------------------------------------------
    def eval(self, e: Any, env: dict[str, Any], pos: Any) -> Any:
        if type(e) is float:
            if e - e != 0.0:  # inf or nan (e.g. the literal 1e999)
                raise self.err(f"the number {e} is not finite", pos)
            return e
        kind = e[0]
        if kind == "name":
            tok = e[1]
            v = env.get(tok.value)
            if v is None:
                raise self.err(f"unknown name {tok.value!r} in an expression", tok, tok.value)
            return v
        if kind in ("add", "sub", "mul", "div", "neg"):
            args = [self.eval(a, env, pos) for a in e[1:]]
            try:
                if kind == "add":
                    r = args[0] + args[1]
                elif kind == "sub":
                    r = args[0] - args[1]
                elif kind == "mul":
                    r = args[0] * args[1]
                elif kind == "div":
                    if isinstance(args[1], ParameterExpression):
                        raise TypeError
                    r = args[0] / args[1]
                else:
                    r = -args[0]
            except ZeroDivisionError:
                raise self.err("division by zero in an expression", pos) from None
            except (CircuitError, TypeError):
                raise self.err(
                    "not supported: this expression is not affine in the input parameters "
                    "(qtilab parameters allow sums and products with numbers)", pos
                ) from None
            except OverflowError:
                raise self.err("numeric overflow in an expression", pos) from None
            return self._finite(r, pos)
        if kind == "pow":
            a = self.eval(e[1], env, pos)
            b = self.eval(e[2], env, pos)
            op = e[3]
            if op.value == "^" and self.file_version == 3:
                raise self.err("'^' is bitwise XOR in OpenQASM 3 and is not supported; use ** for powers", op, "^")
            if isinstance(a, ParameterExpression) or isinstance(b, ParameterExpression):
                raise self.err("not supported: a power of an input parameter", op)
            try:
                r = math.pow(a, b)
            except (ValueError, OverflowError, ZeroDivisionError):
                raise self.err(f"cannot compute {a!r} {op.value} {b!r}", op) from None
            return self._finite(r, op)
        if kind == "func":
            tok = e[1]
            f = FUNCTIONS.get(tok.value)
            if f is None:
                raise self.err(f"unknown function {tok.value!r}; known: {', '.join(sorted(FUNCTIONS))}", tok)
            x = self.eval(e[2], env, pos)
            if isinstance(x, ParameterExpression):
                raise self.err(f"not supported: {tok.value}() of an input parameter (expressions must be affine)", tok)
            try:
                r = f(x)
            except (ValueError, OverflowError, ZeroDivisionError):
                raise self.err(f"{tok.value}({x!r}) is undefined", tok) from None
            return self._finite(r, tok)
        raise self.err(f"cannot evaluate {kind!r}", pos)  # pragma: no cover

    def _finite(self, r: Any, pos: Any) -> Any:
        if isinstance(r, ParameterExpression) and not r.parameters:
            r = r.const
        if isinstance(r, ParameterExpression):
            if not (math.isfinite(r.const) and all(math.isfinite(c) for c in r.terms.values())):
                raise self.err("an expression is not finite", pos)
            return r
        if isinstance(r, complex) or not math.isfinite(r):
            raise self.err("an expression is not a finite real number", pos)
        return float(r)

    def _int_value(self, e: Any, env: dict[str, Any], pos: Any, what: str, minimum: int) -> int:
        v = self.eval(e, env, pos)
        if isinstance(v, ParameterExpression) or v != int(v) or v < minimum:
            raise self.err(f"{what} must be an integer >= {minimum}, got {v}", pos)
        if v > 64:
            raise self.err(f"{what} {int(v)} is too large", pos)
        return int(v)

    # -- gate application -------------------------------------------------------------------
    def _lookup(self, name: str, pos: Any) -> GateDef:
        gd = self.gates.get(name)
        if gd is not None:
            return gd
        if name == "U":
            return _U
        if name == "CX" and self.file_version == 2:
            return _CX
        if name == "gphase":
            self._need3("gphase", pos)
            return _GPHASE
        if self.file_version == 3 and name in UNSUPPORTED_3:
            raise self.err(f"OpenQASM 3 {UNSUPPORTED_3[name]} are not supported by qtilab's reader "
                           f"(supported: {SUBSET_3})", pos, name)
        std = "qelib1.inc" if self.file_version == 2 else "stdgates.inc"
        hint = ""
        if std not in self.included_std and name in NATIVES[self.file_version]:
            hint = f"; did you forget `include \"{std}\";`?"
        raise self.err(f"unknown gate {name!r}{hint}", pos, name)

    def apply(self, name: str, mods: list[Any], params: list[Any], qubits: list[int], env: dict[str, Any],
              pos: Any, exact: bool = False) -> list[Prim]:
        """The sequence for one application of gate ``name`` (with modifiers) to ``qubits``.

        ``exact``: an enclosing modifier makes global phases observable, so standard gates
        that are native only up to a phase (OpenQASM 2's) are expanded from their bodies.
        """
        gd = self._lookup(name, pos)
        if gd.size > MAX_GATES and gd.native is None:
            raise self.err(f"gate {name!r} expands to more than {MAX_GATES:,} gates; qtilab stops here", pos, name)
        if gd.opaque:
            raise self.err(f"gate {name!r} is opaque (declared without a body); qtilab cannot simulate it", pos, name)
        if len(params) != gd.n_params:
            raise self.err(f"gate {name!r} takes {gd.n_params} parameter(s), got {len(params)}", pos, name)
        # modifiers: ctrl counts, evaluated left to right
        nctrl = []
        for m in mods:
            if m[0] in ("ctrl", "negctrl"):
                nctrl.append(self._int_value(m[2], env, m[1], f"the number of {m[0]} qubits", 1))
            else:
                nctrl.append(0)
        total = sum(nctrl)
        if len(qubits) != total + gd.n_qubits:
            extra = f" plus {total} control(s)" if total else ""
            raise self.err(f"gate {name!r} acts on {gd.n_qubits} qubit(s){extra}, got {len(qubits)}", pos, name)
        if len(set(qubits)) != len(qubits):
            raise self.err(f"gate {name!r}: the same qubit appears twice in one application", pos, name)
        seq = self._expand(gd, params, qubits[total:], exact=exact or bool(mods), pos=pos)
        offsets = []
        o = 0
        for k in nctrl:
            offsets.append(o)
            o += k
        for m, k, off in reversed(list(zip(mods, nctrl, offsets))):
            kind = m[0]
            if kind == "inv":
                seq = _ops.inverse(seq)
            elif kind == "pow":
                seq = self._pow(seq, m, env, qubits[off:], pos)
            else:
                ctrls = qubits[off:off + k]
                seq = _ops.control(seq, ctrls, (1 << k) - 1 if kind == "ctrl" else 0)
        return seq

    def _pow(self, seq: list[Prim], m: Any, env: dict[str, Any], qubits: list[int], pos: Any) -> list[Prim]:
        k = self.eval(m[2], env, m[1])
        if isinstance(k, ParameterExpression):
            raise self.err("not supported: pow() of an input parameter", m[1], "pow")
        if k == int(k):
            ki = int(k)
            base = seq if ki >= 0 else _ops.inverse(seq)
            ki = abs(ki)
            gates = [p for p in base if isinstance(p, Gate)]
            if len(gates) == 1 and gates[0].name in _ops.SCALABLE:
                # rx(a)^k = rx(k a) exactly for integer k (phases scale too)
                return [Phase(p.theta * ki) if isinstance(p, Phase) else p.replace(params=(p.params[0] * ki,))
                        for p in base]
            if ki * max(len(base), 1) > MAX_GATES:
                raise self.err(f"pow({ki}) expands to too many gates", m[1], "pow")
            return list(base) * ki
        if any(isinstance(p, Gate) and p.is_parametric for p in seq) or any(
            isinstance(p, Phase) and isinstance(p.theta, ParameterExpression) for p in seq
        ):
            raise self.err("not supported: a non-integer pow() of a gate with input parameters", m[1], "pow")
        if len(qubits) > MAX_POW_QUBITS:
            raise self.err(f"not supported: a non-integer pow() on more than {MAX_POW_QUBITS} qubits", m[1], "pow")
        try:
            return _ops.matrix_power(seq, qubits, float(k))
        except (ValueError, ArithmeticError, CircuitError, ImportError) as exc:  # pragma: no cover
            raise self.err(f"cannot compute pow({k}): {exc}", m[1], "pow") from None

    def _expand(self, gd: GateDef, params: list[Any], qubits: list[int], exact: bool, pos: Any) -> list[Prim]:
        if gd.native is not None and (gd.exact or not exact):
            return gd.native(params, qubits)
        if gd is _GPHASE:
            return [Phase(params[0])]
        if gd.body is None:  # pragma: no cover - builtins have natives
            raise self.err(f"gate {gd.name!r} has no definition", pos, gd.name)
        env = dict(zip(gd.params, params))
        qmap = dict(zip(gd.qargs, qubits))
        out: list[Prim] = []
        for b in gd.body:
            if b[0] == "call":
                _, bname, mods, bparams, bargs, bpos = b
                vals = [self.eval(e, env, bpos) for e in (bparams or ())]
                out.extend(self.apply(bname, mods, vals, [qmap[a] for a in bargs], env, bpos, exact))
            else:
                qs = [qmap[a] for a in b[2]] if b[2] else list(qubits)
                out.append(Gate("barrier", tuple(dict.fromkeys(qs))))
            if len(out) > MAX_GATES:
                raise self.err(f"gate {gd.name!r} expands to more than {MAX_GATES:,} gates", pos, gd.name)
        return out

    # -- statements -------------------------------------------------------------------------
    def _condition(self, cond: Any, pos: Any) -> tuple[tuple[int, ...], int] | None:
        if cond is None:
            return None
        kind = cond[0]
        text = cond[1]
        bits = self._clbits(text, pos)
        if kind == "eq":
            vt = cond[2]
            try:
                value = int(vt.value)
            except ValueError:
                raise self.err(f"the value in `if (... == {vt.value})` must be a non-negative integer", vt) from None
            if self.file_version == 2 and "[" in text:
                raise self.err("OpenQASM 2.0 `if` compares a whole classical register (`if (c == 3)`)", pos, text)
            if value >= 1 << len(bits):
                raise self.err(f"`if ({text} == {value})` can never hold: {text} has {len(bits)} bit(s)", vt)
            return (tuple(bits), value)
        self._need3("`if` on a bit", pos)
        if len(bits) != 1:
            raise self.err(f"`if ({'!' if kind == 'not' else ''}{text})` needs a single bit; compare a register with ==", pos, text)
        return (tuple(bits), 1 if kind == "bit" else 0)

    def _emit(self, seq: list[Prim], condition: Any) -> None:
        ops = self.ops
        for p in seq:
            if type(p) is Gate:
                if p.name == "unitary" and p.ctrl and len(p.qubits) <= 10:
                    # a controlled dense matrix (from ctrl @ pow(k) @ ...) becomes one dense
                    # matrix over all its qubits: the plain form every consumer understands
                    m = p.full_matrix()
                    m.setflags(write=False)
                    p = Gate("unitary", p.qubits, (), 0, None, m, label=p.label)
                ops.append(p if condition is None else p.replace(condition=condition))
            elif condition is None:
                # kept (see _global_phase) so that statevectors match the program exactly; a
                # conditioned global phase only multiplies one measured branch: unobservable
                self.phase = self.phase + p.theta  # type: ignore[union-attr]

    def _global_phase(self) -> list[Gate]:
        """Gates for the accumulated top-level ``gphase`` (placed first: a phase commutes)."""
        ph = self.phase
        if isinstance(ph, ParameterExpression) and not ph.parameters:
            ph = ph.const
        if isinstance(ph, ParameterExpression):
            # exp(i t) I = rz(-2t) p(2t): diagonal gates that keep the symbol
            return [Gate("p", (0,), (2 * ph,)), Gate("rz", (0,), (-2 * ph,))]
        ph = math.remainder(float(ph), 2 * math.pi)
        if abs(ph) < 1e-14:
            return []
        m = np.exp(1j * ph) * np.eye(2, dtype=complex)
        m.setflags(write=False)
        return [Gate("unitary", (0,), (), 0, None, m, label="gphase")]

    def _call_top(self, st: Any, condition: Any) -> None:
        _, name, mods, params, args, pos = st
        env = self.inputs
        gd = self.gates.get(name)
        # fast path: a native gate on indexed qubits with numeric parameters (most statements
        # of large files); anything unusual falls through to the general path below
        if not mods and gd is not None and gd.native is not None and len(args) == gd.n_qubits:
            qc = self.qubit_cache
            try:
                qs = [qc[a] for a in args]
            except KeyError:
                qs = None
            if qs is not None and (len(qs) == 1 or len(set(qs)) == len(qs)):
                vals: list[Any] = params or []
                for x in vals:
                    if type(x) is not float or x - x != 0.0:  # not a finite number
                        vals = [self.eval(e, env, pos) for e in vals]
                        break
                if len(vals) == gd.n_params:
                    seq = gd.native(vals, qs)
                    if condition is None and len(seq) == 1 and type(seq[0]) is Gate:
                        self.ops.append(seq[0])
                    else:
                        self._emit(seq, condition)
                    return
        vals = [self.eval(e, env, pos) for e in params] if params else []
        if mods:
            self._need3("gate modifiers", pos)
        self._lookup(name, pos)  # unknown or unsupported names first, before the arguments
        if not args:  # gphase; for other gates apply() reports the missing qubits
            self._emit(self.apply(name, mods, vals, [], env, pos), condition)
            return
        groups = [self._qubits(a, pos) for a in args]
        for qs in self._broadcast(groups, args, pos):
            if len(set(qs)) != len(qs):  # point at the second use of the qubit
                i = next(i for i in range(len(qs)) if qs[i] in qs[:i])
                raise self.err(
                    f"gate {name!r}: the same qubit appears twice in one application", pos, args[i],
                    nth=args[:i].count(args[i]),
                )
            self._emit(self.apply(name, mods, vals, qs, env, pos), condition)
            if len(self.ops) > MAX_GATES:
                raise self.err(f"the program expands to more than {MAX_GATES:,} gates", pos)

    def _measure(self, st: Any, condition: Any) -> None:
        pos, qtext, ctext = st[1], st[2], st[3]
        qs = self._qubits(qtext, pos)
        cs = self._clbits(ctext, pos)
        if len(qs) != len(cs):
            raise self.err(f"measure: {qtext} has {len(qs)} qubit(s) but {ctext} has {len(cs)} bit(s)", pos, ctext)
        for q, c in zip(qs, cs):
            self.ops.append(Gate("measure", (q,), clbits=(c,), condition=condition))

    def _reset(self, st: Any, condition: Any) -> None:
        pos, text = st[1], st[2]
        for q in self._qubits(text, pos):
            self.ops.append(Gate("reset", (q,), condition=condition))

    def _barrier(self, st: Any, condition: Any) -> None:
        pos, args = st[1], st[2]
        if args:
            qs: list[int] = []
            for a in args:
                qs.extend(self._qubits(a, pos))
        else:
            self._need3("`barrier;` without arguments", pos)
            qs = list(range(self.nq))
        if qs:
            self.ops.append(Gate("barrier", tuple(dict.fromkeys(qs)), condition=condition))

    def _if(self, st: Any, condition: Any) -> None:
        pos, cond, body = st[1], st[2], st[3]
        if self.file_version == 2 and len(body) != 1:
            raise self.err("OpenQASM 2.0 `if` takes a single operation, not a block", pos)
        c = self._condition(cond, pos)
        for op in body:
            if op[0] == "call":
                self._call_top(op, c)
            elif op[0] == "measure":
                self._measure(op, c)
            elif op[0] == "reset":
                self._reset(op, c)
            else:
                self._barrier(op, c)


_U = GateDef("U", 3, 1, native=_one("u"))
_CX = GateDef("CX", 0, 2, native=_one("x", 1))
_GPHASE = GateDef("gphase", 1, 0)


@dataclass(frozen=True)
class QasmLimits:
    """Limits on what one program (with its includes) may ask of the reader.

    ``max_bytes``: characters of text; ``max_statements``: top-level statements. The defaults
    (64 Mi characters, 4 million statements) hold programs of a few million gates; the
    environment variables ``QTILAB_QASM_MAX_BYTES`` and ``QTILAB_QASM_MAX_STATEMENTS`` change
    them for the command line. The expanded gate count has its own limit (2 million gates).
    """

    max_bytes: int = 64 << 20
    max_statements: int = 4_000_000

    def __post_init__(self) -> None:
        for name in ("max_bytes", "max_statements"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise QasmError(f"QasmLimits.{name} must be a positive integer, got {v!r}")

    @classmethod
    def from_env(cls) -> QasmLimits:
        vals: dict[str, int] = {}
        for name, var in (("max_bytes", "QTILAB_QASM_MAX_BYTES"), ("max_statements", "QTILAB_QASM_MAX_STATEMENTS")):
            raw = os.environ.get(var)
            if raw:
                try:
                    vals[name] = int(raw)
                except ValueError:
                    raise QasmError(f"{var}={raw!r} is not an integer") from None
        return cls(**vals)


def loads(
    text: str,
    *,
    filename: str | None = None,
    include_path: Sequence[str | os.PathLike[str]] = (),
    native: bool = True,
    limits: QasmLimits | None = None,
) -> Circuit:
    """Read an OpenQASM 2.0 or 3 program into a :class:`Circuit`.

    Parameters
    ----------
    text: the program.
    filename: its file name, used in error messages and to resolve relative includes.
    include_path: more folders searched for ``include`` files. ``qelib1.inc`` and
        ``stdgates.inc`` always resolve to the copies kept in qtilab. Other includes must lie
        under the including file's folder or one of these folders (absolute paths and paths
        leading out are refused); a program without ``filename`` and ``include_path`` may
        include only the standard files.
    limits: size and statement limits (:class:`QasmLimits`; default from the environment).
    native: map standard gates straight to library gates (default). ``False`` expands their
        definitions from the include files instead (slower; used to test the mapping).

    Raises
    ------
    QasmError: with file, line, column and the offending token.

    Examples
    --------
    >>> from qtilab.core.qasm import loads
    >>> c = loads('OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; h q[0]; cx q[0], q[1];')
    >>> c.count_ops()
    {'h': 1, 'cx': 1}
    """
    if not isinstance(text, str):
        raise QasmError(f"OpenQASM text must be a str, got {type(text).__name__}", filename=filename)
    try:
        return _Reader(include_path, native, limits).read(text, filename)
    except RecursionError:
        raise QasmError("the program is nested too deeply", filename=filename) from None


def load(path: str | os.PathLike[str], *, include_path: Sequence[str | os.PathLike[str]] = (),
         native: bool = True, limits: QasmLimits | None = None) -> Circuit:
    """Read an OpenQASM file (see :func:`loads`); includes resolve relative to the file."""
    p = Path(path)
    lim = limits or QasmLimits.from_env()
    try:
        size = p.stat().st_size
        if size > 4 * lim.max_bytes:  # refuse before reading (UTF-8: at most 4 bytes a character)
            raise QasmError(
                f"{str(p)!r} is {size:,} bytes, beyond the limit of {lim.max_bytes:,} characters; "
                "raise max_bytes (QasmLimits or QTILAB_QASM_MAX_BYTES) if you trust it",
                filename=str(p),
            )
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QasmError(f"cannot read {str(p)!r}: {exc}", filename=str(p)) from None
    return loads(text, filename=str(p), include_path=include_path, native=native, limits=lim)
