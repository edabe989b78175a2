"""Symbolic circuit parameters.

A :class:`Parameter` is a named symbol; arithmetic with numbers gives a
:class:`ParameterExpression`, an affine combination ``c0 + sum_k c_k * p_k``. Affine is enough
for what circuits need (scaled angles, ``pi - x``, ``-theta`` in inverses) and keeps exact
gradients simple: d(angle)/d(p_k) = c_k.

Examples
--------
>>> theta = Parameter("theta")
>>> e = 2 * theta + 0.5
>>> e.bind({"theta": 1.0})
2.5
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from qtilab.errors import CircuitError


class ParameterExpression:
    """Affine expression ``const + sum(coeff * parameter)`` over :class:`Parameter` symbols."""

    __slots__ = ("_terms", "_const")

    def __init__(self, terms: Mapping[Parameter, float], const: float = 0.0) -> None:
        self._terms: dict[Parameter, float] = {p: float(c) for p, c in terms.items() if c != 0.0}
        self._const = float(const)
        # a NaN/inf coefficient would only show up later as NaN amplitudes: refuse it here
        bad = [f"{c} * {p.name}" for p, c in self._terms.items() if not math.isfinite(c)]
        if not math.isfinite(self._const):
            bad.append(f"constant {self._const}")
        if bad:
            raise CircuitError(
                f"parameter expression has a non-finite coefficient ({', '.join(bad)}); "
                "coefficients must be finite numbers"
            )

    @property
    def terms(self) -> dict[Parameter, float]:
        return dict(self._terms)

    @property
    def const(self) -> float:
        return self._const

    @property
    def parameters(self) -> list[Parameter]:
        return list(self._terms)

    def bind(self, values: Mapping[Any, Any]) -> Any:
        """Evaluate with ``values`` keyed by :class:`Parameter` or by name.

        A value may be a number or an array of shape (B,). Raises :class:`CircuitError` for a
        missing parameter.
        """
        out: Any = self._const
        with np.errstate(over="ignore", invalid="ignore"):
            for p, c in self._terms.items():
                if p in values:
                    v = values[p]
                elif p.name in values:
                    v = values[p.name]
                else:
                    raise CircuitError(f"parameter {p.name!r} is unbound; give it a value")
                out = out + c * (np.asarray(v, dtype=float) if not np.isscalar(v) else float(v))  # type: ignore[arg-type]
        # a finite value can still overflow here (1e308 * t with t = 1e10): refuse at binding
        if not np.all(np.isfinite(out)):
            given = {p.name: (values[p] if p in values else values[p.name]) for p in self._terms}
            shown = {k: (v if np.isscalar(v) else f"array of {np.size(v)}") for k, v in given.items()}
            raise CircuitError(
                f"parameter expression {self} evaluates to a non-finite value for {shown}; "
                "give values that keep the angle finite"
            )
        return out

    def partial_bind(self, values: Mapping[Any, Any]) -> Any:
        """Substitute the parameters that ``values`` gives; keep the others symbolic.

        A (B,) array can only be substituted when it leaves no symbol behind; otherwise the
        expression is returned unchanged.
        """
        known = {p: (values[p] if p in values else values[p.name]) for p in self._terms if p in values or p.name in values}
        if len(known) == len(self._terms):
            return self.bind(values)
        if any(not np.isscalar(v) for v in known.values()):
            return self
        const = self._const + sum(self._terms[p] * float(v) for p, v in known.items())
        if not math.isfinite(const):
            raise CircuitError(
                f"parameter expression {self} evaluates to a non-finite constant for "
                f"{ {p.name: v for p, v in known.items()} }; give values that keep the angle finite"
            )
        return ParameterExpression({p: c for p, c in self._terms.items() if p not in known}, const)

    # arithmetic ---------------------------------------------------------------------------
    @staticmethod
    def _coerce(other: Any) -> ParameterExpression | None:
        if isinstance(other, ParameterExpression):
            return other
        if isinstance(other, (int, float, np.integer, np.floating)) and not isinstance(other, bool):
            return ParameterExpression({}, float(other))
        return None

    def __add__(self, other: Any) -> ParameterExpression:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        terms = dict(self._terms)
        for p, c in o._terms.items():
            terms[p] = terms.get(p, 0.0) + c
        return ParameterExpression(terms, self._const + o._const)

    __radd__ = __add__

    def __neg__(self) -> ParameterExpression:
        return ParameterExpression({p: -c for p, c in self._terms.items()}, -self._const)

    def __sub__(self, other: Any) -> ParameterExpression:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        res: ParameterExpression = self + (-o)
        return res

    def __rsub__(self, other: Any) -> ParameterExpression:
        res: ParameterExpression = (-self) + other
        return res

    def __mul__(self, other: Any) -> ParameterExpression:
        if isinstance(other, (int, float, np.integer, np.floating)) and not isinstance(other, bool):
            f = float(other)
            return ParameterExpression({p: c * f for p, c in self._terms.items()}, self._const * f)
        if isinstance(other, ParameterExpression):
            raise CircuitError("products of parameters are not supported (expressions are affine)")
        return NotImplemented

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> ParameterExpression:
        if isinstance(other, (int, float, np.integer, np.floating)) and not isinstance(other, bool):
            if float(other) == 0.0:
                raise CircuitError("division of a parameter expression by zero")
            return self * (1.0 / float(other))
        return NotImplemented

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Parameter) and not isinstance(self, Parameter):
            return self._terms == {other: 1.0} and self._const == 0.0
        if type(other) is ParameterExpression and type(self) is ParameterExpression:
            return self._terms == other._terms and self._const == other._const
        return NotImplemented

    def __hash__(self) -> int:
        return hash((frozenset(self._terms.items()), self._const))

    def __repr__(self) -> str:
        return f"ParameterExpression({self})"

    def __str__(self) -> str:
        parts = []
        for p, c in self._terms.items():
            if c == 1.0:
                parts.append(p.name)
            elif c == -1.0:
                parts.append(f"-{p.name}")
            else:
                parts.append(f"{c:g}*{p.name}")
        if self._const != 0.0 or not parts:
            parts.append(f"{self._const:g}")
        return " + ".join(parts).replace("+ -", "- ")

    def to_dict(self) -> dict[str, Any]:
        return {"terms": {p.name: c for p, c in self._terms.items()}, "const": self._const}

    def __reduce__(self) -> tuple[Any, ...]:
        # pickle by value: the default protocol would hash Parameters before their name is set
        return (ParameterExpression, (dict(self._terms), self._const))


class Parameter(ParameterExpression):
    """A named symbolic parameter, bound later by name or by order.

    Two parameters are equal when their names are equal.
    """

    __slots__ = ("_name",)

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name or not (name[0].isalpha() or name[0] == "_"):
            raise CircuitError(f"parameter name {name!r} must be a non-empty identifier")
        self._name = name
        super().__init__({}, 0.0)
        self._terms = {self: 1.0}

    @property
    def name(self) -> str:
        return self._name

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Parameter):
            return self._name == other._name
        if isinstance(other, ParameterExpression):
            return other._terms == {self: 1.0} and other._const == 0.0
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Parameter", self._name))

    def __repr__(self) -> str:
        return f"Parameter({self._name!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Parameter, (self._name,))

    def __str__(self) -> str:
        return self._name


#: what a gate parameter may be: a number, a symbol (or affine expression), or a (B,) array
ParamValue = float | ParameterExpression | np.ndarray


def check_value(value: Any, where: str) -> ParamValue:
    """Validate and normalise one gate parameter; raise :class:`CircuitError` naming ``where``."""
    if isinstance(value, ParameterExpression):
        if not value.parameters:
            value = value.const
        else:
            return value
    if isinstance(value, bool):
        raise CircuitError(f"{where}: a bool is not a gate parameter")
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        if not math.isfinite(v):
            raise CircuitError(f"{where}: parameter is {v}; parameters must be finite numbers")
        return v
    if isinstance(value, complex):
        raise CircuitError(f"{where}: parameter {value!r} is complex; angles must be real")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise CircuitError(f"{where}: parameter {value!r} is not a number, Parameter or array") from exc
    if arr.ndim == 0:
        return check_value(float(arr), where)
    if arr.ndim != 1 or arr.shape[0] == 0:
        raise CircuitError(
            f"{where}: a batch parameter must have shape (B,) with B >= 1, got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        bad = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise CircuitError(f"{where}: batch parameter has a non-finite value {arr[bad]} at index {bad}")
    arr = np.ascontiguousarray(arr)
    arr.setflags(write=False)
    return arr


def expression_from_dict(d: Any) -> ParamValue:
    """Inverse of the JSON form used by :meth:`Circuit.to_dict` for one parameter."""
    if isinstance(d, (int, float)) and not isinstance(d, bool):
        return check_value(d, "parameter")
    if isinstance(d, list):
        return check_value(d, "parameter")
    if isinstance(d, dict) and "param" in d:
        return Parameter(d["param"])
    if isinstance(d, dict) and "terms" in d:
        terms_in, const = d["terms"], d.get("const", 0.0)
        if not isinstance(terms_in, dict):
            raise CircuitError(f"parameter 'terms' must be an object {{name: coefficient}}, got {terms_in!r}")
        for k, v in [*terms_in.items(), ("const", const)]:
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise CircuitError(f"parameter coefficient {k!r} must be a number, got {v!r}")
        terms = {Parameter(k): float(v) for k, v in terms_in.items()}
        return ParameterExpression(terms, float(const))
    raise CircuitError(f"cannot read parameter {d!r}")


def expression_to_dict(v: ParamValue) -> Any:
    if isinstance(v, Parameter):
        return {"param": v.name}
    if isinstance(v, ParameterExpression):
        return v.to_dict()
    if isinstance(v, np.ndarray):
        return v.tolist()
    return float(v)
