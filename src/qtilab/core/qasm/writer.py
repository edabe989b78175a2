"""Write any qtilab circuit as OpenQASM 2.0 or 3.

OpenQASM 3 keeps the circuit's structure: controlled gates become ``ctrl @``/``negctrl @``
modifiers (or their stdgates names, ``cx``, ``ccx``...), symbolic parameters become ``input
float`` declarations, and a dense ``unitary`` is decomposed exactly (global phase included, as
``gphase``) with the cosine-sine decomposition. OpenQASM 2 has no modifiers, so every gate is
lowered to ``qelib1.inc`` gates: negative controls by X conjugation, multi-controlled gates
beyond ``c4x`` by the parity-phase construction of Barenco et al. (1995, lemma 7.1) over
controlled-``cu`` gates. Both preserve the unitary; OpenQASM 2 only up to a global phase, which
that version cannot express.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qtilab.core.circuit import Circuit, Gate
from qtilab.core.parameters import Parameter, ParameterExpression
from qtilab.core.qasm import _ops
from qtilab.core.qasm._ops import Phase, Prim
from qtilab.errors import QasmError

#: (library name, controls) -> name in qelib1.inc (OpenQASM 2)
NAMES_2 = {
    ("id", 0): "id", ("x", 0): "x", ("y", 0): "y", ("z", 0): "z", ("h", 0): "h", ("s", 0): "s",
    ("sdg", 0): "sdg", ("t", 0): "t", ("tdg", 0): "tdg", ("sx", 0): "sx", ("sxdg", 0): "sxdg",
    ("rx", 0): "rx", ("ry", 0): "ry", ("rz", 0): "rz", ("p", 0): "p", ("u", 0): "u3",
    ("swap", 0): "swap", ("rxx", 0): "rxx", ("rzz", 0): "rzz", ("ryy", 0): "ryy",
    ("iswap", 0): "iswap", ("iswapdg", 0): "iswapdg",
    ("x", 1): "cx", ("y", 1): "cy", ("z", 1): "cz", ("h", 1): "ch", ("p", 1): "cp",
    ("rx", 1): "crx", ("ry", 1): "cry", ("rz", 1): "crz", ("u", 1): "cu3", ("sx", 1): "csx",
    ("swap", 1): "cswap", ("x", 2): "ccx", ("x", 3): "c3x", ("x", 4): "c4x", ("sx", 3): "c3sqrtx",
}
#: (library name, controls) -> name in stdgates.inc or the writer's definitions (OpenQASM 3)
NAMES_3 = {
    ("id", 0): "id", ("x", 0): "x", ("y", 0): "y", ("z", 0): "z", ("h", 0): "h", ("s", 0): "s",
    ("sdg", 0): "sdg", ("t", 0): "t", ("tdg", 0): "tdg", ("sx", 0): "sx", ("sxdg", 0): "sxdg",
    ("rx", 0): "rx", ("ry", 0): "ry", ("rz", 0): "rz", ("p", 0): "p", ("u", 0): "U",
    ("swap", 0): "swap", ("rxx", 0): "rxx", ("ryy", 0): "ryy", ("rzz", 0): "rzz",
    ("iswap", 0): "iswap", ("iswapdg", 0): "iswapdg",
    ("x", 1): "cx", ("y", 1): "cy", ("z", 1): "cz", ("h", 1): "ch", ("p", 1): "cp",
    ("rx", 1): "crx", ("ry", 1): "cry", ("rz", 1): "crz", ("swap", 1): "cswap", ("x", 2): "ccx",
}

#: definitions of gates outside the standard include files (exact, global phase included)
DEFS_3 = {
    "sxdg": "gate sxdg a { inv @ sx a; }",
    "rzz": "gate rzz(θ) a, b { cx a, b; rz(θ) b; cx a, b; }",
    "rxx": "gate rxx(θ) a, b { h a; h b; cx a, b; rz(θ) b; cx a, b; h a; h b; }",
    "ryy": "gate ryy(θ) a, b { sdg a; sdg b; h a; h b; cx a, b; rz(θ) b; cx a, b; h a; h b; s a; s b; }",
    "iswap": "gate iswap a, b { rxx(-π/2) a, b; ryy(-π/2) a, b; }",
    "iswapdg": "gate iswapdg a, b { rxx(π/2) a, b; ryy(π/2) a, b; }",
}
DEPS_3 = {"iswap": ("rxx", "ryy"), "iswapdg": ("rxx", "ryy")}
#: OpenQASM 2 definitions (up to a global phase, which 2.0 cannot observe)
DEFS_2 = {
    "ryy": "gate ryy(theta) a,b { sdg a; sdg b; h a; h b; cx a,b; rz(theta) b; cx a,b; h a; h b; s a; s b; }",
    "iswap": "gate iswap a,b { rxx(-pi/2) a,b; ryy(-pi/2) a,b; }",
    "iswapdg": "gate iswapdg a,b { rxx(pi/2) a,b; ryy(pi/2) a,b; }",
}
DEPS_2 = {"iswap": ("ryy",), "iswapdg": ("ryy",)}

#: names a parameter cannot take in OpenQASM 3 (standard gates, the writer's gates, keywords)
_RESERVED_3 = set(NAMES_3.values()) | set(DEFS_3) | {
    "U", "gphase", "cu", "CX", "phase", "cphase", "u1", "u2", "u3", "input", "qubit", "bit", "gate",
    "measure", "reset", "barrier", "if", "ctrl", "negctrl", "inv", "pow", "include", "float", "angle",
}

#: the most controls the parity construction is used for (2**n gates)
MAX_CONTROLS_2 = 12


def _two_qubit_base(g: Gate) -> list[Prim]:
    """Exact one-qubit + cx form of an uncontrolled two-qubit library gate (phase included)."""
    a, b = g.targets
    name = g.name

    def rzz(t: Any) -> list[Prim]:
        return [Gate("x", (a, b), (), 1), Gate("rz", (b,), (t,)), Gate("x", (a, b), (), 1)]

    if name == "swap":
        return [Gate("x", (a, b), (), 1), Gate("x", (b, a), (), 1), Gate("x", (a, b), (), 1)]
    if name == "rzz":
        return rzz(g.params[0])
    if name == "rxx":
        hh: list[Prim] = [Gate("h", (a,)), Gate("h", (b,))]
        return hh + rzz(g.params[0]) + hh
    if name == "ryy":
        pre: list[Prim] = [Gate("sdg", (a,)), Gate("sdg", (b,)), Gate("h", (a,)), Gate("h", (b,))]
        post: list[Prim] = [Gate("h", (a,)), Gate("h", (b,)), Gate("s", (a,)), Gate("s", (b,))]
        return pre + rzz(g.params[0]) + post
    if name in ("iswap", "iswapdg"):
        t = -math.pi / 2 if name == "iswap" else math.pi / 2
        return _two_qubit_base(Gate("rxx", (a, b), (t,))) + _two_qubit_base(Gate("ryy", (a, b), (t,)))
    raise QasmError(f"no decomposition for {name}")  # pragma: no cover


class _Writer:
    def __init__(self, circuit: Circuit, version: int) -> None:
        if version not in (2, 3):
            raise QasmError(f"version must be 2 or 3, got {version!r}")
        if not isinstance(circuit, Circuit):
            raise QasmError(f"dumps expects a Circuit, got {type(circuit).__name__}")
        self.c = circuit
        self.v = version
        self.used: dict[str, None] = {}
        self.lines: list[str] = []

    # -- numbers ----------------------------------------------------------------------------
    @staticmethod
    def num(x: float) -> str:
        x = float(x)
        if x == 0.0:
            return "0"
        r = x / math.pi
        for den in (1, 2, 3, 4, 6, 8, 12, 16, 32, 64, 128):
            k = r * den
            kr = round(k)
            if kr != 0 and abs(k - kr) < 1e-12 * max(1.0, abs(k)) and abs(kr) <= 1024:
                sign = "-" if kr < 0 else ""
                kr = abs(kr)
                top = "pi" if kr == 1 else f"{kr}*pi"
                return f"{sign}{top}" if den == 1 else f"{sign}{top}/{den}"
        return repr(x)

    def param(self, p: Any) -> str:
        if isinstance(p, ParameterExpression):
            if self.v == 2:
                raise QasmError(
                    f"OpenQASM 2.0 cannot carry unbound parameters ({p}); bind them or write version 3"
                )
            parts = []
            for s, coef in p.terms.items():
                if coef == 1.0:
                    parts.append(s.name)
                elif coef == -1.0:
                    parts.append(f"-{s.name}")
                else:
                    parts.append(f"({self.num(coef)})*{s.name}")
            if p.const != 0.0 or not parts:
                parts.append(f"({self.num(p.const)})")
            return " + ".join(parts)
        if isinstance(p, np.ndarray):
            raise QasmError("a batch parameter (an array) cannot be written to OpenQASM; bind one value")
        return self.num(p)

    # -- classical registers --------------------------------------------------------------------
    def _cregs(self) -> None:
        """Split the classical bits into registers so that every condition is expressible."""
        n = self.c.n_clbits
        runs: dict[tuple[int, ...], None] = {}
        for g in self.c:
            if g.condition is None:
                continue
            bits = g.condition[0]
            if list(bits) != list(range(bits[0], bits[0] + len(bits))):
                raise QasmError(
                    f"cannot write the condition on classical bits {list(bits)}: OpenQASM compares "
                    "a register (contiguous bits, lowest first) or one bit"
                )
            if len(bits) > 1 or self.v == 2:
                runs[tuple(bits)] = None
        starts = sorted(runs, key=lambda r: (r[0], -len(r)))
        for r1, r2 in zip(starts, starts[1:]):
            if r2[0] <= r1[-1]:
                raise QasmError(
                    f"cannot write conditions on overlapping bit ranges {list(r1)} and {list(r2)}"
                )
        self.regs: list[tuple[str, int]] = []
        self.bit: dict[int, tuple[str, int]] = {}
        self.run_reg: dict[tuple[int, ...], str] = {}
        if not starts:
            if n:
                self.regs.append(("c", n))
                self.bit = {i: ("c", i) for i in range(n)}
            return
        i = 0
        k = 0
        run_at = {r[0]: r for r in starts}
        while i < n:
            name = f"c{k}"
            k += 1
            if i in run_at:
                r = run_at[i]
                self.run_reg[r] = name
                for j, b in enumerate(r):
                    self.bit[b] = (name, j)
                self.regs.append((name, len(r)))
                i += len(r)
            else:
                j0 = i
                while i < n and i not in run_at:
                    self.bit[i] = (name, i - j0)
                    i += 1
                self.regs.append((name, i - j0))

    def cbit(self, b: int) -> str:
        name, j = self.bit[b]
        return f"{name}[{j}]"

    def cond(self, g: Gate) -> str:
        if g.condition is None:
            return ""
        bits, value = g.condition
        if len(bits) > 1 or self.v == 2:
            return f"if ({self.run_reg[tuple(bits)]} == {value}) "
        return f"if ({self.cbit(bits[0])} == {value}) "

    # -- gates ------------------------------------------------------------------------------------
    def q(self, qubits: Sequence[int]) -> str:
        return ", ".join(f"q[{i}]" for i in qubits)

    def _use(self, name: str) -> None:
        deps = (DEPS_3 if self.v == 3 else DEPS_2).get(name, ())
        for d in deps:
            self._use(d)
        if name in (DEFS_3 if self.v == 3 else DEFS_2):
            self.used.setdefault(name, None)

    def gate_line(self, g: Gate, prefix: str) -> str:
        """One library gate (any controls in 3; a named qelib1 gate in 2) as a statement."""
        params = f"({', '.join(self.param(p) for p in g.params)})" if g.params else ""
        if self.v == 3:
            named = NAMES_3.get((g.name, g.ctrl)) if g.ctrl_state is None else None
            if named is not None:
                self._use(named)
                return f"{prefix}{named}{params} {self.q(g.qubits)};"
            base = NAMES_3[(g.name, 0)]
            self._use(base)
            state = g.ctrl_state if g.ctrl_state is not None else (1 << g.ctrl) - 1
            mods = []
            for on, grp in itertools.groupby((state >> i) & 1 for i in range(g.ctrl)):
                k = len(list(grp))
                word = "ctrl" if on else "negctrl"
                mods.append(f"{word} @ " if k == 1 else f"{word}({k}) @ ")
            return f"{prefix}{''.join(mods)}{base}{params} {self.q(g.qubits)};"
        named = NAMES_2[(g.name, g.ctrl)]
        self._use(named)
        return f"{prefix}{named}{params} {self.q(g.qubits)};"

    def lower(self, g: Gate) -> list[Prim]:
        """``g`` as gates the target version writes directly (phases included)."""
        if g.name == "unitary":
            assert g.matrix is not None
            m = np.asarray(g.matrix)
            if g.ctrl == 0 and np.allclose(m, m[0, 0] * np.eye(m.shape[0]), atol=1e-12):
                return [Phase(float(np.angle(m[0, 0])))]  # a global phase (e.g. read from gphase)
            seq = _ops.decompose_unitary(np.asarray(g.matrix), list(g.targets))
            if g.ctrl:
                state = g.ctrl_state if g.ctrl_state is not None else (1 << g.ctrl) - 1
                seq = _ops.control(seq, list(g.controls), state)
            return [x for p in seq for x in (self.lower(p) if isinstance(p, Gate) else [p])]
        if self.v == 3:
            return [g]
        if g.ctrl_state is not None:  # negative controls: X on them, then all-positive controls
            flips: list[Prim] = [
                Gate("x", (c,)) for k, c in enumerate(g.controls) if not (g.ctrl_state >> k) & 1
            ]
            return flips + self.lower(g.replace(ctrl_state=None)) + list(flips)
        if (g.name, g.ctrl) in NAMES_2:
            return [g]
        # a controlled gate without a qelib1 name: exact 1q + cx form of the base, controlled
        if len(g.targets) == 2:
            base = _two_qubit_base(Gate(g.name, g.targets, g.params))
            seq = _ops.control(base, list(g.controls), (1 << g.ctrl) - 1)
            return [x for p in seq for x in (self.lower(p) if isinstance(p, Gate) else [p])]
        return self._multi_controlled(g)

    def _multi_controlled(self, g: Gate) -> list[Prim]:
        """C^n(V) for a one-qubit base: the parity-phase construction (Barenco 1995, lemma 7.1).

        With W**(2**(n-1)) = V, V on "all controls 1" equals the product over non-empty
        subsets S of the controls of W**(+-1) controlled by the parity of S (+ for odd |S|).
        The parity is computed into the last qubit of S with cx gates and uncomputed after.
        """
        n = g.ctrl
        if n > MAX_CONTROLS_2:
            raise QasmError(f"a gate with {n} controls is too large to write to OpenQASM 2 (limit {MAX_CONTROLS_2})")
        t = g.targets[0]
        k = 2 ** (n - 1)
        if g.name in ("rx", "ry", "rz", "p"):
            def w(sign: int, c: int) -> list[Prim]:
                return [Gate(g.name, (c, t), (g.params[0] * (sign / k),), 1)]
        else:
            if g.is_parametric:
                raise QasmError(
                    f"cannot write {g.display_name} with symbolic parameters to OpenQASM 2; bind them or use version 3"
                )
            from scipy.linalg import fractional_matrix_power

            root = np.asarray(fractional_matrix_power(g.base_matrix(), 1.0 / k), dtype=complex)
            forms = {}
            for sign, m in ((1, root), (-1, root.conj().T)):
                th, ph, la, ga = _ops.zyz(m)
                forms[sign] = (th, ph, la, ga)

            def w(sign: int, c: int) -> list[Prim]:
                th, ph, la, ga = forms[sign]
                return [Gate("p", (c,), (ga,)), Gate("u", (c, t), (th, ph, la), 1)]

        out: list[Prim] = []
        ctrls = list(g.controls)
        for r in range(1, n + 1):
            for subset in itertools.combinations(ctrls, r):
                last = subset[-1]
                chain: list[Prim] = [Gate("x", (c, last), (), 1) for c in subset[:-1]]
                out += chain + w(1 if r % 2 else -1, last) + chain[::-1]
        return out

    # -- the program ------------------------------------------------------------------------------
    def write(self) -> str:
        c = self.c
        self._cregs()
        body: list[str] = []
        for g in c:
            prefix = self.cond(g)
            if g.name == "measure":
                if self.v == 3:
                    body.append(f"{prefix}{self.cbit(g.clbits[0])} = measure q[{g.qubits[0]}];")
                else:
                    body.append(f"{prefix}measure q[{g.qubits[0]}] -> {self.cbit(g.clbits[0])};")
                continue
            if g.name == "reset":
                body.append(f"{prefix}reset q[{g.qubits[0]}];")
                continue
            if g.name == "barrier":
                body.append(f"{prefix}barrier {self.q(g.qubits)};")
                continue
            for p in self.lower(g):
                if isinstance(p, Phase):
                    if self.v == 3 and not prefix:
                        body.append(f"gphase({self.param(p.theta)});")
                    # OpenQASM 2 has no global phase; a conditioned global phase is unobservable
                    continue
                body.append(self.gate_line(p, prefix))
        head = ["OPENQASM 3.0;", 'include "stdgates.inc";'] if self.v == 3 else ["OPENQASM 2.0;", 'include "qelib1.inc";']
        defs = DEFS_3 if self.v == 3 else DEFS_2
        for name in defs:
            if name in self.used:
                head.append(defs[name])
        if self.v == 3:
            for par in c.parameters:
                taken = par.name in ("q", "pi", "π", "tau", "euler") or par.name in _RESERVED_3 or any(
                    par.name == r for r, _ in self.regs
                )
                if not isinstance(par, Parameter) or not par.name.isidentifier() or taken:
                    raise QasmError(f"parameter name {par.name!r} cannot be written to OpenQASM; rename it")
                head.append(f"input float[64] {par.name};")
            head.append(f"qubit[{c.n_qubits}] q;")
            head += [f"bit[{size}] {name};" for name, size in self.regs]
        else:
            head.append(f"qreg q[{c.n_qubits}];")
            head += [f"creg {name}[{size}];" for name, size in self.regs]
        return "\n".join(head + body) + "\n"


def dumps(circuit: Circuit, version: int = 3) -> str:
    """The OpenQASM text of ``circuit`` (``version`` 3, the default as in ``qtilab qasm convert``, or 2).

    Qubit ``i`` is ``q[i]``; classical bits are one register ``c`` unless conditions need
    several (then ``c0``, ``c1``...). Reading the text back gives the same unitary (OpenQASM 2:
    up to a global phase).

    Raises
    ------
    QasmError: symbolic parameters in version 2, batch parameters, or a condition that
        OpenQASM cannot express.

    Examples
    --------
    >>> from qtilab import Circuit
    >>> print(dumps(Circuit(2).h(0).cx(0, 1)))
    OPENQASM 3.0;
    include "stdgates.inc";
    qubit[2] q;
    h q[0];
    cx q[0], q[1];
    <BLANKLINE>
    """
    return _Writer(circuit, version).write()


def dump(circuit: Circuit, path: str | os.PathLike[str], version: int = 3) -> None:
    """Write ``circuit`` to ``path`` as OpenQASM (see :func:`dumps`)."""
    text = dumps(circuit, version)
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise QasmError(f"cannot write {str(path)!r}: {exc}", filename=str(path)) from None
