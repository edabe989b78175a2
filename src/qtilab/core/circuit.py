"""Circuits: an ordered list of immutable :class:`Gate` values on ``n_qubits`` qubits.

Qubit order: qubit ``q`` is bit ``q`` of the basis-state index (index = sum_q b_q 2**q), as
in Qiskit; bitstrings print with the highest qubit on the left.

Examples
--------
>>> from qtilab import Circuit, Parameter
>>> theta = Parameter("theta")
>>> c = Circuit(2).h(0).cx(0, 1).rz(theta, 1)
>>> c.count_ops()
{'h': 1, 'cx': 1, 'rz': 1}
>>> bound = c.bind({"theta": 0.3})
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qtilab.core import gates as _g
from qtilab.core.parameters import (
    Parameter,
    ParameterExpression,
    ParamValue,
    check_value,
    expression_from_dict,
    expression_to_dict,
)
from qtilab.errors import CircuitError

#: instructions that are not unitary gates
NON_UNITARY = ("measure", "reset", "barrier")


@dataclass(frozen=True, eq=False)
class Gate:
    """One instruction: a library gate (possibly controlled), a unitary, or measure/reset/barrier.

    Attributes
    ----------
    name: base library name (``"x"`` for cx, ccx and mcx), ``"unitary"``, or one of
        ``measure``, ``reset``, ``barrier``.
    qubits: controls first, then the targets of the base gate.
    params: parameter values (numbers, Parameter expressions, or (B,) arrays).
    ctrl: number of control qubits.
    ctrl_state: bit ``i`` is the value control ``i`` must have (default: all ones).
    matrix: for ``unitary`` only, the (d, d) matrix (index convention in gates.py).
    clbits: classical bits written by ``measure``.
    condition: ``(clbits, value)``: apply only when those bits read ``value`` (little-endian).
    label: a free text shown in drawings.
    """

    name: str
    qubits: tuple[int, ...]
    params: tuple[ParamValue, ...] = ()
    ctrl: int = 0
    ctrl_state: int | None = None
    matrix: np.ndarray | None = None
    clbits: tuple[int, ...] = ()
    condition: tuple[tuple[int, ...], int] | None = None
    label: str | None = None

    # -- structure ---------------------------------------------------------------------
    @property
    def targets(self) -> tuple[int, ...]:
        return self.qubits[self.ctrl :]

    @property
    def controls(self) -> tuple[int, ...]:
        return self.qubits[: self.ctrl]

    @property
    def is_unitary(self) -> bool:
        return self.name not in NON_UNITARY

    @property
    def definition(self) -> _g.GateDef | None:
        return _g.LIBRARY.get(self.name)

    @property
    def is_diagonal(self) -> bool:
        """Diagonal in the computational basis (controls included)."""
        if self.name == "unitary":
            assert self.matrix is not None
            m = self.matrix
            return bool(np.allclose(m, np.diag(np.diag(m)), atol=0))
        d = self.definition
        return d is not None and d.diagonal

    @property
    def is_parametric(self) -> bool:
        return any(isinstance(p, ParameterExpression) for p in self.params)

    @property
    def batch_size(self) -> int | None:
        sizes = {p.shape[0] for p in self.params if isinstance(p, np.ndarray)}
        return sizes.pop() if sizes else None

    @property
    def display_name(self) -> str:
        """``cx``, ``ccz``, ``c3x``... for controlled library gates; the name otherwise."""
        if self.ctrl == 0:
            return self.name
        named = _g.CONTROLLED_NAMES.get((self.name, self.ctrl))
        if named and self.ctrl_state is None:
            return named
        prefix = "c" * self.ctrl if self.ctrl <= 2 else f"c{self.ctrl}"
        return f"{prefix}{self.name}" if self.ctrl_state is None else f"{prefix}{self.name}[{self.ctrl_state:b}]"

    def base_matrix(self, values: Mapping[Any, Any] | None = None) -> np.ndarray:
        """Matrix of the targets, shape (d, d) or (B, d, d) for batch parameters."""
        if self.name == "unitary":
            assert self.matrix is not None
            return self.matrix
        d = self.definition
        if d is None:
            raise CircuitError(f"gate {self.name!r} has no matrix")
        ps = [resolve(p, values) for p in self.params]
        return d.matrix(*ps)

    def full_matrix(self, values: Mapping[Any, Any] | None = None) -> np.ndarray:
        """Matrix over all qubits (controls are the low bits), shape (..., 2**k, 2**k)."""
        base = self.base_matrix(values)
        if self.ctrl == 0:
            return base
        nt = len(self.targets)
        dt = 2**nt
        dim = dt * 2**self.ctrl
        cstate = self.ctrl_state if self.ctrl_state is not None else (1 << self.ctrl) - 1
        out = np.broadcast_to(np.eye(dim, dtype=complex), base.shape[:-2] + (dim, dim)).copy()
        idx = [cstate + (t << self.ctrl) for t in range(dt)]
        out[..., np.array(idx)[:, None], np.array(idx)[None, :]] = base
        return out

    def bind(self, values: Mapping[Any, Any]) -> Gate:
        if not self.is_parametric:
            return self
        new = tuple(
            check_value(p.partial_bind(values), f"gate {self.display_name}") if isinstance(p, ParameterExpression) else p
            for p in self.params
        )
        return self.replace(params=new)

    def replace(self, **kw: Any) -> Gate:
        return dataclasses.replace(self, **kw)

    def inverse(self) -> Gate:
        if not self.is_unitary:
            raise CircuitError(f"{self.name} is not unitary and has no inverse")
        if self.name == "unitary":
            assert self.matrix is not None
            return self.replace(matrix=self.matrix.conj().T.copy())
        d = self.definition
        assert d is not None and d.inverse is not None
        name, params = d.inverse(self.params)
        return self.replace(name=name, params=tuple(params))

    # -- value semantics -------------------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Gate):
            return NotImplemented
        if (self.name, self.qubits, self.ctrl, self.ctrl_state, self.clbits, self.condition) != (
            other.name, other.qubits, other.ctrl, other.ctrl_state, other.clbits, other.condition
        ):
            return False
        if len(self.params) != len(other.params):
            return False
        for a, b in zip(self.params, other.params):
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)):
                    return False
            elif isinstance(a, ParameterExpression) or isinstance(b, ParameterExpression):
                if not (isinstance(a, ParameterExpression) and isinstance(b, ParameterExpression) and a == b):
                    return False
            elif a != b:
                return False
        if (self.matrix is None) != (other.matrix is None):
            return False
        return self.matrix is None or bool(np.array_equal(self.matrix, np.asarray(other.matrix)))

    def __hash__(self) -> int:
        return hash((self.name, self.qubits, self.ctrl))

    def __repr__(self) -> str:
        ps = ", ".join(_fmt_param(p) for p in self.params)
        q = ", ".join(map(str, self.qubits))
        return f"{self.display_name}({ps}) q[{q}]" if ps else f"{self.display_name} q[{q}]"


def _is_int(v: Any) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def resolve(p: ParamValue, values: Mapping[Any, Any] | None) -> Any:
    """The numeric value (float or (B,) array) of a parameter, binding symbols from ``values``."""
    if isinstance(p, ParameterExpression):
        if values is None:
            names = ", ".join(sorted(x.name for x in p.parameters))
            raise CircuitError(f"parameter(s) {names} are unbound; bind them or pass values")
        return p.bind(values)
    return p


def _fmt_param(p: ParamValue) -> str:
    if isinstance(p, np.ndarray):
        return f"[{p.shape[0]} values]"
    if isinstance(p, ParameterExpression):
        return str(p)
    x = float(p)
    for k, name in ((1, "pi"), (0.5, "pi/2"), (0.25, "pi/4"), (-1, "-pi"), (-0.5, "-pi/2"), (-0.25, "-pi/4")):
        if abs(x - k * math.pi) < 1e-12:
            return name
    return f"{x:.4g}"


class Circuit:
    """A quantum circuit on ``n_qubits`` qubits (and ``n_clbits`` classical bits).

    Gate methods append and return the circuit, so calls chain. Parameters may be numbers,
    :class:`Parameter` symbols or expressions, or arrays of shape (B,), one value per member of
    a batch simulated in one call.

    Examples
    --------
    >>> c = Circuit(3).h(0).cx(0, 1).cx(1, 2)      # GHZ
    >>> print(c.depth(), c.count_ops())
    3 {'h': 1, 'cx': 2}
    """

    def __init__(self, n_qubits: int, n_clbits: int = 0, name: str | None = None) -> None:
        if isinstance(n_qubits, bool) or not isinstance(n_qubits, (int, np.integer)) or n_qubits < 1:
            raise CircuitError(f"n_qubits must be a positive integer, got {n_qubits!r}")
        if isinstance(n_clbits, bool) or not isinstance(n_clbits, (int, np.integer)) or n_clbits < 0:
            raise CircuitError(f"n_clbits must be a non-negative integer, got {n_clbits!r}")
        self.n_qubits = int(n_qubits)
        self.n_clbits = int(n_clbits)
        self.name = name
        self._gates: list[Gate] = []
        self._batch: int | None = None

    # -- container protocol ------------------------------------------------------------
    @property
    def gates(self) -> tuple[Gate, ...]:
        return tuple(self._gates)

    def __iter__(self) -> Iterator[Gate]:
        return iter(self._gates)

    def __len__(self) -> int:
        return len(self._gates)

    def __getitem__(self, i: int) -> Gate:
        return self._gates[i]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Circuit):
            return NotImplemented
        return (
            self.n_qubits == other.n_qubits
            and self.n_clbits == other.n_clbits
            and self._gates == other._gates
        )

    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> Circuit:
        c = Circuit(self.n_qubits, self.n_clbits, self.name)
        c._gates = list(self._gates)
        c._batch = self._batch
        return c

    # -- appending ---------------------------------------------------------------------
    def append(self, gate: Gate) -> Circuit:
        """Validate ``gate`` against this circuit and append it (nothing is appended on error)."""
        if not isinstance(gate, Gate):
            raise CircuitError(f"append expects a Gate, got {type(gate).__name__}")
        qs = gate.qubits
        where = f"gate {gate.name} on qubits {list(qs)}"
        if not _is_int(gate.ctrl) or not 0 <= gate.ctrl <= len(qs):
            raise CircuitError(f"{where}: ctrl (the number of controls) must be an integer in 0..{len(qs)}, got {gate.ctrl!r}")
        if gate.ctrl_state is not None and (not _is_int(gate.ctrl_state) or not 0 <= gate.ctrl_state < 2**gate.ctrl):
            raise CircuitError(
                f"{where}: ctrl_state must be an integer in 0..{2**gate.ctrl - 1} for {gate.ctrl} control(s), "
                f"got {gate.ctrl_state!r}"
            )
        where = f"gate {gate.display_name} on qubits {list(qs)}"
        for q in qs:
            if isinstance(q, bool) or not isinstance(q, (int, np.integer)):
                raise CircuitError(f"{where}: qubit {q!r} is not an integer")
            if not 0 <= q < self.n_qubits:
                raise CircuitError(
                    f"{where}: qubit {q} is out of range for a {self.n_qubits}-qubit circuit "
                    f"(valid: 0..{self.n_qubits - 1})"
                )
        if len(set(qs)) != len(qs):
            raise CircuitError(f"{where}: a qubit appears more than once in one gate")
        for c in gate.clbits:
            if not _is_int(c) or not 0 <= c < self.n_clbits:
                raise CircuitError(f"{where}: clbits: classical bit {c!r} out of range ({self.n_clbits} clbits)")
        if gate.condition is not None:
            cond = gate.condition
            if not isinstance(cond, tuple) or len(cond) != 2 or not isinstance(cond[0], tuple) or not cond[0]:
                raise CircuitError(
                    f"{where}: condition must be (clbits, value) with at least one classical bit, got {cond!r}"
                )
            for c in cond[0]:
                if not _is_int(c) or not 0 <= c < self.n_clbits:
                    raise CircuitError(f"{where}: condition bit {c!r} out of range ({self.n_clbits} clbits)")
            if len(set(cond[0])) != len(cond[0]):
                raise CircuitError(f"{where}: condition names a classical bit twice: {list(cond[0])}")
            if not _is_int(cond[1]) or not 0 <= cond[1] < 2 ** len(cond[0]):
                raise CircuitError(
                    f"{where}: condition value must be an integer in 0..{2 ** len(cond[0]) - 1} "
                    f"for {len(cond[0])} bit(s), got {cond[1]!r}"
                )
        if gate.name != "measure" and gate.clbits:
            raise CircuitError(f"{where}: only measure writes classical bits (clbits given)")
        if gate.name in NON_UNITARY:
            if gate.ctrl or gate.params or gate.ctrl_state is not None:
                raise CircuitError(f"{where}: {gate.name} takes no controls and no parameters")
            if gate.name in ("measure", "reset") and len(qs) != 1:
                raise CircuitError(f"{where}: one {gate.name} instruction acts on one qubit; use one per qubit")
            if gate.name == "measure" and len(gate.clbits) != 1:
                raise CircuitError(f"{where}: measure needs one classical bit per qubit")
            self._gates.append(gate)
            return self
        if gate.name == "unitary":
            if gate.matrix is None:
                raise CircuitError(f"{where}: a unitary gate needs a matrix")
        else:
            d = gate.definition
            if d is None:
                raise CircuitError(f"unknown gate {gate.name!r}; known: {', '.join(sorted(_g.LIBRARY))}")
            if len(gate.targets) != d.num_qubits:
                raise CircuitError(
                    f"{where}: {gate.name} acts on {d.num_qubits} target qubit(s) plus {gate.ctrl} "
                    f"control(s); got {len(qs)} qubits"
                )
            if len(gate.params) != d.num_params:
                raise CircuitError(
                    f"{where}: {gate.display_name} takes {d.num_params} parameter(s), got {len(gate.params)}"
                )
        params = tuple(check_value(p, where) for p in gate.params)
        b = gate.replace(params=params).batch_size if params else None
        sizes = {p.shape[0] for p in params if isinstance(p, np.ndarray)}
        if len(sizes) > 1:
            raise CircuitError(f"{where}: batch parameters of different lengths {sorted(sizes)}")
        if b is not None and self._batch is not None and b != self._batch:
            raise CircuitError(
                f"{where}: batch parameter of length {b}, but the circuit's batch size is {self._batch}; "
                "all batch arrays must have the same length"
            )
        if b is not None:
            self._batch = b
        same = len(params) == len(gate.params) and all(a is b for a, b in zip(params, gate.params))
        self._gates.append(gate if same else gate.replace(params=params))
        return self

    def _add(self, name: str, qubits: Sequence[int], params: Sequence[Any] = (), ctrl: int = 0) -> Circuit:
        return self.append(Gate(name, tuple(qubits), tuple(params), ctrl))

    # one method per library gate ------------------------------------------------------
    def i(self, q: int) -> Circuit:
        return self._add("id", [q])

    id = i

    def x(self, q: int) -> Circuit:
        return self._add("x", [q])

    def y(self, q: int) -> Circuit:
        return self._add("y", [q])

    def z(self, q: int) -> Circuit:
        return self._add("z", [q])

    def h(self, q: int) -> Circuit:
        return self._add("h", [q])

    def s(self, q: int) -> Circuit:
        return self._add("s", [q])

    def sdg(self, q: int) -> Circuit:
        return self._add("sdg", [q])

    def t(self, q: int) -> Circuit:
        return self._add("t", [q])

    def tdg(self, q: int) -> Circuit:
        return self._add("tdg", [q])

    def sx(self, q: int) -> Circuit:
        return self._add("sx", [q])

    def sxdg(self, q: int) -> Circuit:
        return self._add("sxdg", [q])

    def rx(self, theta: Any, q: int) -> Circuit:
        return self._add("rx", [q], [theta])

    def ry(self, theta: Any, q: int) -> Circuit:
        return self._add("ry", [q], [theta])

    def rz(self, theta: Any, q: int) -> Circuit:
        return self._add("rz", [q], [theta])

    def p(self, lam: Any, q: int) -> Circuit:
        return self._add("p", [q], [lam])

    def u(self, theta: Any, phi: Any, lam: Any, q: int) -> Circuit:
        return self._add("u", [q], [theta, phi, lam])

    def cx(self, control: int, target: int) -> Circuit:
        return self._add("x", [control, target], ctrl=1)

    def cy(self, control: int, target: int) -> Circuit:
        return self._add("y", [control, target], ctrl=1)

    def cz(self, control: int, target: int) -> Circuit:
        return self._add("z", [control, target], ctrl=1)

    def ch(self, control: int, target: int) -> Circuit:
        return self._add("h", [control, target], ctrl=1)

    def cp(self, lam: Any, control: int, target: int) -> Circuit:
        return self._add("p", [control, target], [lam], ctrl=1)

    def crx(self, theta: Any, control: int, target: int) -> Circuit:
        return self._add("rx", [control, target], [theta], ctrl=1)

    def cry(self, theta: Any, control: int, target: int) -> Circuit:
        return self._add("ry", [control, target], [theta], ctrl=1)

    def crz(self, theta: Any, control: int, target: int) -> Circuit:
        return self._add("rz", [control, target], [theta], ctrl=1)

    def swap(self, a: int, b: int) -> Circuit:
        return self._add("swap", [a, b])

    def iswap(self, a: int, b: int) -> Circuit:
        return self._add("iswap", [a, b])

    def rxx(self, theta: Any, a: int, b: int) -> Circuit:
        return self._add("rxx", [a, b], [theta])

    def ryy(self, theta: Any, a: int, b: int) -> Circuit:
        return self._add("ryy", [a, b], [theta])

    def rzz(self, theta: Any, a: int, b: int) -> Circuit:
        return self._add("rzz", [a, b], [theta])

    def ccx(self, c0: int, c1: int, target: int) -> Circuit:
        return self._add("x", [c0, c1, target], ctrl=2)

    toffoli = ccx

    def ccz(self, c0: int, c1: int, target: int) -> Circuit:
        return self._add("z", [c0, c1, target], ctrl=2)

    def cswap(self, control: int, a: int, b: int) -> Circuit:
        return self._add("swap", [control, a, b], ctrl=1)

    fredkin = cswap

    def mcx(self, controls: Sequence[int], target: int) -> Circuit:
        """Multi-controlled X (any number of controls, at least one)."""
        controls = list(controls)
        if not controls:
            raise CircuitError("gate mcx: give at least one control qubit")
        return self._add("x", [*controls, target], ctrl=len(controls))

    def mcz(self, controls: Sequence[int], target: int) -> Circuit:
        """Multi-controlled Z (any number of controls, at least one)."""
        controls = list(controls)
        if not controls:
            raise CircuitError("gate mcz: give at least one control qubit")
        return self._add("z", [*controls, target], ctrl=len(controls))

    def controlled(
        self,
        gate: str,
        controls: Sequence[int],
        targets: Sequence[int],
        params: Sequence[Any] = (),
        ctrl_state: int | None = None,
    ) -> Circuit:
        """A controlled version of any library gate, e.g. ``controlled("ry", [0, 1], [2], [0.3])``.

        ``ctrl_state`` gives the required control values (bit i for control i; default all 1).
        A controlled library gate (``"cx"``) adds its own control to ``controls``.
        """
        name, extra = _g.CONTROLLED_BASES.get(gate, (gate, 0))
        controls = list(controls)
        if ctrl_state is not None and not 0 <= ctrl_state < 2 ** (len(controls) + extra):
            raise CircuitError(f"gate {gate}: ctrl_state {ctrl_state} does not fit {len(controls)} controls")
        if extra and ctrl_state is not None:
            ctrl_state |= ((1 << extra) - 1) << len(controls)
        return self.append(
            Gate(name, (*controls, *targets), tuple(params), len(controls) + extra, ctrl_state)
        )

    def unitary(self, matrix: Any, qubits: Sequence[int], label: str | None = None) -> Circuit:
        """An arbitrary k-qubit unitary; ``qubits[0]`` is the matrix index's lowest bit."""
        qubits = list(qubits)
        where = f"gate unitary on qubits {qubits}"
        try:
            m = np.array(matrix, dtype=complex)
        except (TypeError, ValueError) as exc:
            raise CircuitError(f"{where}: matrix is not numeric") from exc
        d = 2 ** len(qubits)
        if m.shape != (d, d):
            raise CircuitError(f"{where}: matrix has shape {m.shape}, expected ({d}, {d}) for {len(qubits)} qubit(s)")
        if not np.all(np.isfinite(m)):
            raise CircuitError(f"{where}: matrix has NaN or infinite entries")
        if not _g.is_unitary(m, 1e-10):
            err = float(np.max(np.abs(m.conj().T @ m - np.eye(d))))
            raise CircuitError(f"{where}: matrix is not unitary (max |U^dag U - 1| = {err:.3g} > 1e-10)")
        m.setflags(write=False)
        return self.append(Gate("unitary", tuple(qubits), (), 0, None, m, label=label))

    def measure(self, qubits: int | Sequence[int], clbits: int | Sequence[int]) -> Circuit:
        """Measure ``qubits[k]`` into ``clbits[k]``; all or nothing is appended."""
        qs: list[Any] = [qubits] if _is_int(qubits) else list(qubits)  # type: ignore[arg-type]
        cs: list[Any] = [clbits] if _is_int(clbits) else list(clbits)  # type: ignore[arg-type]
        if len(qs) != len(cs):
            raise CircuitError(f"measure: give as many classical bits as qubits (got {len(qs)} qubits, {len(cs)} clbits)")
        return self.extend(
            Gate("measure", (int(q) if _is_int(q) else q,), clbits=(int(c) if _is_int(c) else c,))
            for q, c in zip(qs, cs)
        )

    def extend(self, gates: Iterable[Gate]) -> Circuit:
        """Append several gates; when one is refused, none of them is appended."""
        n, batch = len(self._gates), self._batch
        try:
            for g in gates:
                self.append(g)
        except Exception:
            del self._gates[n:]
            self._batch = batch
            raise
        return self

    def measure_all(self) -> Circuit:
        """Measure every qubit q into classical bit q (adding classical bits if needed)."""
        self.n_clbits = max(self.n_clbits, self.n_qubits)
        return self.measure(list(range(self.n_qubits)), list(range(self.n_qubits)))

    def reset(self, q: int) -> Circuit:
        return self.append(Gate("reset", (q,)))

    def barrier(self, *qubits: int) -> Circuit:
        return self.append(Gate("barrier", tuple(qubits) if qubits else tuple(range(self.n_qubits))))

    # -- parameters ----------------------------------------------------------------------
    @property
    def parameters(self) -> list[Parameter]:
        """The symbolic parameters in order of first appearance."""
        seen: dict[Parameter, None] = {}
        for g in self._gates:
            for p in g.params:
                if isinstance(p, ParameterExpression):
                    for s in p.parameters:
                        seen.setdefault(s, None)
        return list(seen)

    @property
    def num_parameters(self) -> int:
        return len(self.parameters)

    @property
    def batch_size(self) -> int | None:
        """Length B of the batch arrays among the parameters, or None."""
        return self._batch

    def _values(self, values: Mapping[Any, Any] | Sequence[Any]) -> dict[Parameter, Any]:
        params = self.parameters
        if isinstance(values, Mapping):
            known = {p.name: p for p in params}
            out: dict[Parameter, Any] = {}
            for k, v in values.items():
                name = k.name if isinstance(k, Parameter) else k
                if name not in known:
                    raise CircuitError(
                        f"bind: circuit has no parameter {name!r}; its parameters are {sorted(known)}"
                    )
                out[known[name]] = v
            return out
        vals = list(values) if not isinstance(values, np.ndarray) or values.ndim == 1 else list(values)
        if len(vals) != len(params):
            raise CircuitError(f"bind: circuit has {len(params)} parameters, got {len(vals)} values")
        return dict(zip(params, vals))

    def bind(self, values: Mapping[Any, Any] | Sequence[Any], *, strict: bool = False) -> Circuit:
        """Bind symbolic parameters by name/Parameter (a mapping) or by order (a sequence).

        Values may be numbers or (B,) arrays. Unmentioned parameters stay symbolic unless
        ``strict`` is true, in which case every parameter must be given.
        """
        vals = self._values(values)
        if strict:
            missing = [p.name for p in self.parameters if p not in vals]
            if missing:
                raise CircuitError(f"bind: parameter(s) {missing} have no value")
        out = Circuit(self.n_qubits, self.n_clbits, self.name)
        for g in self._gates:
            out.append(g.bind(vals) if g.is_parametric else g)
        return out

    # -- transformations --------------------------------------------------------------
    def inverse(self) -> Circuit:
        """The inverse circuit (gates reversed and inverted). Fails on measure/reset."""
        out = Circuit(self.n_qubits, self.n_clbits, self.name)
        for g in reversed(self._gates):
            out.append(g if g.name == "barrier" else g.inverse())
        return out

    def compose(self, other: Circuit, qubits: Sequence[int] | None = None) -> Circuit:
        """A new circuit: this one followed by ``other`` (placed on ``qubits`` if given)."""
        if qubits is None:
            if other.n_qubits > self.n_qubits:
                raise CircuitError(
                    f"compose: the other circuit has {other.n_qubits} qubits, more than {self.n_qubits}"
                )
            qmap = list(range(other.n_qubits))
        else:
            qmap = list(qubits)
            if len(qmap) != other.n_qubits:
                raise CircuitError(f"compose: give {other.n_qubits} qubits, got {len(qmap)}")
        out = self.copy()
        out.n_clbits = max(self.n_clbits, other.n_clbits)
        for g in other:
            out.append(g.replace(qubits=tuple(qmap[q] for q in g.qubits)))
        return out

    def __add__(self, other: Circuit) -> Circuit:
        return self.compose(other)

    def depth(self) -> int:
        """Number of layers of gates on disjoint qubits (barriers excluded)."""
        level = [0] * self.n_qubits
        for g in self._gates:
            if g.name == "barrier":
                continue
            d = 1 + max(level[q] for q in g.qubits)
            for q in g.qubits:
                level[q] = d
        return max(level, default=0)

    def count_ops(self) -> dict[str, int]:
        """Counts of each instruction by display name, in order of first appearance."""
        out: dict[str, int] = {}
        for g in self._gates:
            out[g.display_name] = out.get(g.display_name, 0) + 1
        return out

    @property
    def has_mid_circuit_ops(self) -> bool:
        """True when a measure/reset/condition is followed by a gate (needs per-shot branching)."""
        seen_measure = set()
        for g in self._gates:
            if g.name == "reset" or g.condition is not None:
                return True
            if g.name == "measure":
                seen_measure.add(g.qubits[0])
            elif g.name != "barrier" and seen_measure.intersection(g.qubits):
                return True
        return False

    # -- serialisation ----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"n_qubits", "n_clbits", "gates": [{"name", "qubits", ...}]}``."""
        out_gates = []
        for g in self._gates:
            d: dict[str, Any] = {"name": g.display_name if g.ctrl_state is None else g.name, "qubits": list(g.qubits)}
            if g.ctrl_state is not None:
                d["ctrl"] = g.ctrl
                d["ctrl_state"] = g.ctrl_state
            elif g.ctrl and (g.name, g.ctrl) not in _g.CONTROLLED_NAMES:
                d["name"] = g.name
                d["ctrl"] = g.ctrl
            if g.params:
                d["params"] = [expression_to_dict(p) for p in g.params]
            if g.matrix is not None:
                d["matrix"] = [[[z.real, z.imag] for z in row] for row in g.matrix.tolist()]
            if g.clbits:
                d["clbits"] = list(g.clbits)
            if g.condition is not None:
                d["condition"] = {"clbits": list(g.condition[0]), "value": g.condition[1]}
            if g.label:
                d["label"] = g.label
            out_gates.append(d)
        res: dict[str, Any] = {"n_qubits": self.n_qubits, "n_clbits": self.n_clbits, "gates": out_gates}
        if self.name:
            res["name"] = self.name
        return res

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Circuit:
        """Read the JSON form written by :meth:`to_dict`; raises :class:`CircuitError` if malformed."""
        if not isinstance(data, Mapping):
            raise CircuitError("circuit JSON must be an object with 'n_qubits' and 'gates'")
        if "n_qubits" not in data:
            raise CircuitError("circuit JSON has no 'n_qubits'")
        gates = data.get("gates", [])
        if not isinstance(gates, list):
            raise CircuitError("circuit JSON: 'gates' must be a list")
        name_ = data.get("name")
        if name_ is not None and not isinstance(name_, str):
            raise CircuitError(f"circuit JSON: 'name' must be a string, got {name_!r}")
        c = cls(data["n_qubits"], data.get("n_clbits", 0), name_)
        for i, gd in enumerate(gates):
            if not isinstance(gd, Mapping) or "name" not in gd or "qubits" not in gd:
                raise CircuitError(f"circuit JSON: gate #{i} needs 'name' and 'qubits'")
            if not isinstance(gd["name"], str):
                raise CircuitError(f"circuit JSON: gate #{i}: 'name' must be a string, got {gd['name']!r}")
            name = gd["name"].lower()
            where = f"circuit JSON: gate #{i} ({name})"
            try:
                c._gate_from_dict(gd, name, where)
            except CircuitError as exc:
                msg = str(exc)
                raise CircuitError(msg if msg.startswith("circuit JSON") else f"{where}: {msg}") from None
        return c

    def _gate_from_dict(self, gd: Mapping[str, Any], name: str, where: str) -> None:
        qubits = gd["qubits"]
        if not isinstance(qubits, list) or not all(_is_int(q) for q in qubits):
            raise CircuitError(f"{where}: 'qubits' must be a list of integers, got {qubits!r}")
        qubits = tuple(qubits)
        params_in = gd.get("params", [])
        if not isinstance(params_in, list):
            raise CircuitError(f"{where}: 'params' must be a list, got {params_in!r}")
        params = tuple(expression_from_dict(p) for p in params_in)
        clbits = gd.get("clbits", [])
        if not isinstance(clbits, list) or not all(_is_int(b) for b in clbits):
            raise CircuitError(f"{where}: 'clbits' must be a list of integers, got {clbits!r}")
        label = gd.get("label")
        if label is not None and not isinstance(label, str):
            raise CircuitError(f"{where}: 'label' must be a string, got {label!r}")
        cond = gd.get("condition")
        condition = None
        if cond is not None:
            if not isinstance(cond, Mapping) or "clbits" not in cond or "value" not in cond:
                raise CircuitError(f"{where}: 'condition' must be an object with 'clbits' and 'value', got {cond!r}")
            cbits, value = cond["clbits"], cond["value"]
            if not isinstance(cbits, list) or not cbits or not all(_is_int(b) for b in cbits):
                raise CircuitError(
                    f"{where}: 'condition.clbits' must be a non-empty list of integers, got {cbits!r}"
                )
            if not _is_int(value):
                raise CircuitError(f"{where}: 'condition.value' must be an integer, got {value!r}")
            condition = (tuple(cbits), value)
        for key in ("ctrl", "ctrl_state"):
            if key in gd and not _is_int(gd[key]):
                raise CircuitError(f"{where}: '{key}' must be an integer, got {gd[key]!r}")
        ctrl = gd.get("ctrl", 0)
        ctrl_state = gd.get("ctrl_state")
        if name == "unitary":
            if "ctrl" in gd or "ctrl_state" in gd or condition is not None or params:
                raise CircuitError(f"{where}: a unitary takes only 'matrix', 'qubits' and 'label'")
            try:
                m = np.array([[complex(a, b) for a, b in row] for row in gd["matrix"]])
            except (KeyError, TypeError, ValueError) as exc:
                raise CircuitError(f"{where}: bad 'matrix' ({exc})") from None
            self.unitary(m, qubits, label=label)
            return
        if name == "measure":
            if len(clbits) != len(qubits):
                raise CircuitError(f"{where}: 'clbits' must give one classical bit per qubit")
            if "ctrl" in gd or "ctrl_state" in gd or condition is not None or params:
                raise CircuitError(f"{where}: measure takes only 'qubits' and 'clbits'")
            self.measure(list(qubits), clbits)
            return
        if name in ("mcx", "mcz"):
            if "ctrl" in gd and ctrl != len(qubits) - 1:
                raise CircuitError(f"{where}: 'ctrl' {ctrl} contradicts {len(qubits) - 1} controls of {name}")
            name, ctrl = name[2], len(qubits) - 1
        elif name in _g.CONTROLLED_BASES:
            base, k = _g.CONTROLLED_BASES[name]
            if "ctrl" in gd and ctrl != k:
                raise CircuitError(f"{where}: 'ctrl' {ctrl} contradicts {name}, which has {k} control(s)")
            name, ctrl = base, k
        elif name == "i":
            name = "id"
        if name not in _g.LIBRARY and name not in NON_UNITARY:
            raise CircuitError(f"{where}: unknown gate {gd['name']!r}")
        self.append(Gate(name, qubits, params, ctrl, ctrl_state, None, tuple(clbits), condition, label))

    # -- drawing ------------------------------------------------------------------------
    def draw(self) -> str:
        """A text drawing, one row per qubit (qubit 0 on top), gates in layers."""
        layers: list[list[Gate]] = []
        level = [0] * self.n_qubits
        for g in self._gates:
            span = range(min(g.qubits), max(g.qubits) + 1)
            d = max(level[q] for q in span)
            if d == len(layers):
                layers.append([])
            layers[d].append(g)
            for q in span:
                level[q] = d + 1
        rows = [f"q{q}: " for q in range(self.n_qubits)]
        width0 = max(len(r) for r in rows)
        rows = [r.rjust(width0) for r in rows]
        gaps = [" " * width0] * self.n_qubits
        for layer in layers:
            cells = ["─"] * self.n_qubits
            links = [" "] * self.n_qubits
            for g in layer:
                ps = ",".join(_fmt_param(p) for p in g.params)
                base = g.name if g.name != "unitary" else (g.label or "U")
                txt = f"{base.upper()}({ps})" if ps else base.upper()
                if g.name == "measure":
                    txt = f"M→c{g.clbits[0]}"
                elif g.name == "barrier":
                    txt = "░"
                for k, q in enumerate(g.qubits):
                    if k < g.ctrl:
                        on = g.ctrl_state is None or (g.ctrl_state >> k) & 1
                        cells[q] = "●" if on else "○"
                    elif g.name in ("swap",):
                        cells[q] = "╳"
                    else:
                        cells[q] = txt if len(g.targets) == 1 else f"{txt}:{k - g.ctrl}"
                lo, hi = min(g.qubits), max(g.qubits)
                for q in range(lo, hi):
                    links[q] = "│"
                for q in range(lo + 1, hi):
                    if q not in g.qubits:
                        cells[q] = "┼"
            w = max(len(s) for s in cells)
            for q in range(self.n_qubits):
                cell = cells[q]
                pad = w - len(cell)
                rows[q] += "─" + cell + "─" * (pad + 1)
                gaps[q] += " " + links[q].ljust(w + 1)
        out = []
        for q in range(self.n_qubits):
            out.append(rows[q])
            if q < self.n_qubits - 1:
                out.append(gaps[q].rstrip())
        return "\n".join(out)

    def __str__(self) -> str:
        return self.draw()

    def __repr__(self) -> str:
        ops = ", ".join(f"{k}: {v}" for k, v in self.count_ops().items())
        return f"Circuit(n_qubits={self.n_qubits}, gates={len(self._gates)} [{ops}])"


def iter_gates(circuits: Iterable[Circuit]) -> Iterator[Gate]:
    for c in circuits:
        yield from c
