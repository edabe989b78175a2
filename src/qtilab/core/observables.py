"""Pauli-sum observables.

An :class:`Observable` is ``sum_k c_k P_k`` with real coefficients and Pauli strings ``P_k``
(a mapping qubit -> 'X' | 'Y' | 'Z'; missing qubits carry the identity).

Examples
--------
>>> obs = Observable.parse("0.5 * Z0 Z1 + X2 - 1.5")
>>> len(obs.terms)
3
>>> Observable.z(0) + 2 * Observable.x(1)
Observable('Z0 + 2 * X1')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from qtilab.core.gates import PAULI
from qtilab.errors import CircuitError

_TOKEN = re.compile(r"\s*([IXYZ])\s*(\d+)\s*", re.I)


def _norm_string(pauli: Mapping[int, str]) -> tuple[tuple[int, str], ...]:
    out = []
    for q, p in pauli.items():
        if isinstance(q, bool) or not isinstance(q, (int, np.integer)) or q < 0:
            raise CircuitError(f"observable: qubit {q!r} must be a non-negative integer")
        p = str(p).upper()
        if p not in "IXYZ" or len(p) != 1:
            raise CircuitError(f"observable: {p!r} on qubit {q} is not one of I, X, Y, Z")
        if p != "I":
            out.append((int(q), p))
    return tuple(sorted(out))


class Observable:
    """A real linear combination of Pauli strings."""

    __slots__ = ("_terms",)

    def __init__(self, terms: Iterable[tuple[float, Mapping[int, str]]] = ()) -> None:
        acc: dict[tuple[tuple[int, str], ...], float] = {}
        for coeff, pauli in terms:
            c = complex(coeff)
            if c.imag != 0:
                raise CircuitError(f"observable: coefficient {coeff!r} must be real (Hermitian observable)")
            if not np.isfinite(c.real):
                raise CircuitError(f"observable: coefficient {coeff!r} is not finite")
            key = _norm_string(pauli)
            acc[key] = acc.get(key, 0.0) + c.real
        self._terms = [(c, dict(k)) for k, c in acc.items()]

    # constructors ------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> Observable:
        """Parse ``"0.5 * Z0 Z1 + X2 - 1.5 * Y0"``: terms are a coefficient (optional,
        ``*`` optional) and Pauli factors ``X<q>``, ``Y<q>``, ``Z<q>``, ``I<q>``; a bare number
        is a multiple of the identity."""
        if not isinstance(text, str) or not text.strip():
            raise CircuitError("observable: empty text; write e.g. '0.5 * Z0 Z1 + X2'")
        s = text.replace("−", "-")
        # split at + or - that are not part of an exponent (1e-3)
        pieces = re.split(r"(?<![eE])(?=[+-])", s)
        terms = []
        for piece in pieces:
            piece = piece.strip()
            if not piece:
                continue
            sign = 1.0
            if piece[0] in "+-":
                sign = -1.0 if piece[0] == "-" else 1.0
                piece = piece[1:].strip()
            m = re.match(r"^((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*\*?\s*", piece)
            coeff = 1.0
            if m:
                coeff = float(m.group(1))
                piece = piece[m.end():]
            pauli: dict[int, str] = {}
            pos = 0
            while pos < len(piece):
                t = _TOKEN.match(piece, pos)
                if not t:
                    raise CircuitError(
                        f"observable: cannot read {piece[pos:]!r} in {text!r}; "
                        "write terms like '0.5 * Z0 Z1' or '-X2'"
                    )
                q = int(t.group(2))
                if q in pauli:
                    raise CircuitError(f"observable: qubit {q} appears twice in one term of {text!r}")
                pauli[q] = t.group(1).upper()
                pos = t.end()
                if pos < len(piece) and piece[pos] == "*":
                    pos += 1
            if not pauli and (not m or "*" in m.group(0)):
                raise CircuitError(f"observable: empty or incomplete term in {text!r}")
            terms.append((sign * coeff, pauli))
        return cls(terms)

    @classmethod
    def pauli(cls, string: str, coeff: float = 1.0) -> Observable:
        """From a dense string with qubit 0 on the right, e.g. ``"XIZ"`` = X2 Z0."""
        n = len(string)
        return cls([(coeff, {n - 1 - k: ch for k, ch in enumerate(string.upper())})])

    @classmethod
    def x(cls, q: int) -> Observable:
        return cls([(1.0, {q: "X"})])

    @classmethod
    def y(cls, q: int) -> Observable:
        return cls([(1.0, {q: "Y"})])

    @classmethod
    def z(cls, q: int) -> Observable:
        return cls([(1.0, {q: "Z"})])

    @classmethod
    def identity(cls, coeff: float = 1.0) -> Observable:
        return cls([(coeff, {})])

    # structure ------------------------------------------------------------------------
    @property
    def terms(self) -> list[tuple[float, dict[int, str]]]:
        return [(c, dict(p)) for c, p in self._terms]

    @property
    def max_qubit(self) -> int:
        """Highest qubit index used (-1 for a pure identity)."""
        return max((q for _, p in self._terms for q in p), default=-1)

    @property
    def is_diagonal(self) -> bool:
        return all(set(p.values()) <= {"Z"} for _, p in self._terms)

    def masks(self) -> list[tuple[float, int, int, int]]:
        """Per term: (coeff, x_mask, z_mask, n_y) with X/Y qubits in x_mask, Y/Z in z_mask."""
        out = []
        for c, p in self._terms:
            xm = zm = ny = 0
            for q, s in p.items():
                if s in "XY":
                    xm |= 1 << q
                if s in "YZ":
                    zm |= 1 << q
                if s == "Y":
                    ny += 1
            out.append((c, xm, zm, ny))
        return out

    def to_matrix(self, n_qubits: int) -> np.ndarray:
        """Dense (2**n, 2**n) matrix (for small n; qubit q is bit q of the index)."""
        if self.max_qubit >= n_qubits:
            raise CircuitError(f"observable acts on qubit {self.max_qubit}, beyond {n_qubits} qubits")
        dim = 2**n_qubits
        out = np.zeros((dim, dim), dtype=complex)
        for c, p in self._terms:
            m = np.ones((1, 1), dtype=complex)
            for q in reversed(range(n_qubits)):
                m = np.kron(m, PAULI[p.get(q, "I")])
            out += c * m
        return out

    # arithmetic -----------------------------------------------------------------------
    def __add__(self, other: Any) -> Observable:
        if isinstance(other, (int, float)):
            other = Observable.identity(float(other))
        if not isinstance(other, Observable):
            return NotImplemented
        return Observable([*self._terms, *other._terms])

    __radd__ = __add__

    def __mul__(self, k: Any) -> Observable:
        if not isinstance(k, (int, float, np.integer, np.floating)):
            return NotImplemented
        return Observable([(c * float(k), p) for c, p in self._terms])

    __rmul__ = __mul__

    def __neg__(self) -> Observable:
        return self * -1.0

    def __sub__(self, other: Any) -> Observable:
        res: Observable = self + (-other)
        return res

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Observable):
            return NotImplemented
        a = {tuple(sorted(p.items())): c for c, p in self._terms}
        b = {tuple(sorted(p.items())): c for c, p in other._terms}
        return a == b

    __hash__ = None  # type: ignore[assignment]

    def __str__(self) -> str:
        parts = []
        for c, p in self._terms:
            ps = " ".join(f"{s}{q}" for q, s in sorted(p.items()))
            if not ps:
                parts.append(f"{c:g}")
            elif c == 1:
                parts.append(ps)
            elif c == -1:
                parts.append(f"-{ps}")
            else:
                parts.append(f"{c:g} * {ps}")
        return " + ".join(parts).replace("+ -", "- ") or "0"

    def __repr__(self) -> str:
        return f"Observable({str(self)!r})"
