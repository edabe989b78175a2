"""The gate library, as data.

Each :class:`GateDef` holds a gate's name, qubit and parameter counts, its matrix (a function
of the parameters that broadcasts over a batch), the derivative of the matrix with respect to
each parameter (for exact gradients), whether it is diagonal, and how to invert it.

A controlled gate is the base gate plus a number of controls: ``cx`` is ``x`` with one control,
``ccz`` is ``z`` with two, ``mcx`` is ``x`` with any number. The engine dispatches on this
structure (diagonal, controlled, dense k-qubit), never on names.

Matrix convention: for a gate on qubits ``(q0, q1, ...)``, the matrix index is
``sum_k b_{q_k} 2**k`` -- the first qubit is the least significant bit, as for the whole state
(see DESIGN.md). Matrices returned by ``matrix(*params)`` have shape ``(..., d, d)`` where
``...`` is the broadcast shape of the parameters (``()`` for scalars, ``(B,)`` for batches).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MatFn = Callable[..., np.ndarray]

_SQ2 = 1.0 / np.sqrt(2.0)

I2 = np.eye(2, dtype=complex)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
Z = np.array([[1, 0], [0, -1]], dtype=complex)
PAULI = {"I": I2, "X": X, "Y": Y, "Z": Z}


def _const(m: Any) -> MatFn:
    arr = np.array(m, dtype=complex)
    arr.setflags(write=False)

    def f() -> np.ndarray:
        return arr

    return f


def _bshape(*ps: Any) -> tuple[int, ...]:
    return np.broadcast_shapes(*(np.shape(p) for p in ps))


def _stack(rows: list[list[Any]], shape: tuple[int, ...]) -> np.ndarray:
    """Build an array of shape ``shape + (d, d)`` from nested rows of scalars/arrays."""
    d = len(rows)
    out = np.zeros(shape + (d, d), dtype=complex)
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            if not (np.isscalar(v) and v == 0):
                out[..., i, j] = v
    return out


def _exp_pauli(g: np.ndarray) -> tuple[MatFn, MatFn]:
    """exp(-i theta/2 G) for an involutory G (G^2 = 1), and its derivative."""
    eye = np.eye(g.shape[0], dtype=complex)

    def m(t: Any) -> np.ndarray:
        t = np.asarray(t, dtype=float)[..., None, None]
        out: np.ndarray = np.cos(t / 2) * eye - 1j * np.sin(t / 2) * g
        return out

    def dm(t: Any) -> np.ndarray:
        t = np.asarray(t, dtype=float)[..., None, None]
        out: np.ndarray = -0.5 * np.sin(t / 2) * eye - 0.5j * np.cos(t / 2) * g
        return out

    return m, dm


def _phase_fn(t: Any) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    return _stack([[1, 0], [0, np.exp(1j * t)]], t.shape)


def _dphase_fn(t: Any) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    return _stack([[0, 0], [0, 1j * np.exp(1j * t)]], t.shape)


def _u_fn(th: Any, ph: Any, la: Any) -> np.ndarray:
    th, ph, la = (np.asarray(v, dtype=float) for v in (th, ph, la))
    c, s = np.cos(th / 2), np.sin(th / 2)
    return _stack(
        [[c, -np.exp(1j * la) * s], [np.exp(1j * ph) * s, np.exp(1j * (ph + la)) * c]],
        _bshape(th, ph, la),
    )


def _du_fn(th: Any, ph: Any, la: Any, k: int) -> np.ndarray:
    th, ph, la = (np.asarray(v, dtype=float) for v in (th, ph, la))
    c, s = np.cos(th / 2), np.sin(th / 2)
    sh = _bshape(th, ph, la)
    if k == 0:
        return _stack(
            [[-s / 2, -np.exp(1j * la) * c / 2], [np.exp(1j * ph) * c / 2, -np.exp(1j * (ph + la)) * s / 2]], sh
        )
    if k == 1:
        return _stack([[0, 0], [1j * np.exp(1j * ph) * s, 1j * np.exp(1j * (ph + la)) * c]], sh)
    return _stack([[0, -1j * np.exp(1j * la) * s], [0, 1j * np.exp(1j * (ph + la)) * c]], sh)


@dataclass(frozen=True)
class GateDef:
    """Definition of a library gate (the base, before any controls).

    Attributes
    ----------
    name: library name (lower case, as in OpenQASM).
    num_qubits: number of target qubits of the base gate.
    num_params: number of real parameters.
    matrix: ``matrix(*params) -> (..., d, d)``.
    dmatrix: ``dmatrix(*params, k) -> (..., d, d)``, the derivative by parameter ``k``.
    diagonal: the matrix is diagonal for every parameter value.
    inverse: ``inverse(params) -> (name, params)`` giving the inverse as a library gate.
    generator: for ``exp(-i theta/2 G)`` gates, the Hermitian ``G`` (documentation; gradients
        use ``dmatrix``).
    """

    name: str
    num_qubits: int
    num_params: int
    matrix: MatFn
    dmatrix: Callable[..., np.ndarray] | None = None
    diagonal: bool = False
    inverse: Callable[[tuple[Any, ...]], tuple[str, tuple[Any, ...]]] | None = None
    generator: np.ndarray | None = field(default=None, repr=False)
    param_names: tuple[str, ...] = ()


def _neg(name: str) -> Callable[[tuple[Any, ...]], tuple[str, tuple[Any, ...]]]:
    return lambda ps: (name, tuple(-p for p in ps))


def _named(name: str) -> Callable[[tuple[Any, ...]], tuple[str, tuple[Any, ...]]]:
    return lambda ps: (name, ())


def _rot(name: str, g: np.ndarray, diagonal: bool = False) -> GateDef:
    m, dm = _exp_pauli(g)
    return GateDef(
        name, int(np.log2(g.shape[0])), 1, m, lambda t, k: dm(t), diagonal, _neg(name), g, ("theta",)
    )


_SX = 0.5 * np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]])
_XX, _YY, _ZZ = np.kron(X, X), np.kron(Y, Y), np.kron(Z, Z)

LIBRARY: dict[str, GateDef] = {
    g.name: g
    for g in [
        GateDef("id", 1, 0, _const(I2), diagonal=True, inverse=_named("id")),
        GateDef("x", 1, 0, _const(X), inverse=_named("x")),
        GateDef("y", 1, 0, _const(Y), inverse=_named("y")),
        GateDef("z", 1, 0, _const(Z), diagonal=True, inverse=_named("z")),
        GateDef("h", 1, 0, _const([[_SQ2, _SQ2], [_SQ2, -_SQ2]]), inverse=_named("h")),
        GateDef("s", 1, 0, _const(np.diag([1, 1j])), diagonal=True, inverse=_named("sdg")),
        GateDef("sdg", 1, 0, _const(np.diag([1, -1j])), diagonal=True, inverse=_named("s")),
        GateDef("t", 1, 0, _const(np.diag([1, np.exp(1j * np.pi / 4)])), diagonal=True, inverse=_named("tdg")),
        GateDef("tdg", 1, 0, _const(np.diag([1, np.exp(-1j * np.pi / 4)])), diagonal=True, inverse=_named("t")),
        GateDef("sx", 1, 0, _const(_SX), inverse=_named("sxdg")),
        GateDef("sxdg", 1, 0, _const(_SX.conj().T), inverse=_named("sx")),
        _rot("rx", X),
        _rot("ry", Y),
        _rot("rz", Z, diagonal=True),
        GateDef("p", 1, 1, _phase_fn, lambda t, k: _dphase_fn(t), True, _neg("p"), None, ("lambda",)),
        GateDef(
            "u", 1, 3, _u_fn, _du_fn, False,
            lambda ps: ("u", (-ps[0], -ps[2], -ps[1])), None, ("theta", "phi", "lambda"),
        ),
        GateDef("swap", 2, 0, _const([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]]), inverse=_named("swap")),
        GateDef("iswap", 2, 0, _const([[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]]), inverse=_named("iswapdg")),
        GateDef("iswapdg", 2, 0, _const([[1, 0, 0, 0], [0, 0, -1j, 0], [0, -1j, 0, 0], [0, 0, 0, 1]]), inverse=_named("iswap")),
        _rot("rxx", _XX),
        _rot("ryy", _YY),
        _rot("rzz", _ZZ, diagonal=True),
    ]
}

#: display names of controlled library gates: (base, number of controls) -> name
CONTROLLED_NAMES: dict[tuple[str, int], str] = {
    ("x", 1): "cx", ("y", 1): "cy", ("z", 1): "cz", ("h", 1): "ch", ("p", 1): "cp",
    ("rx", 1): "crx", ("ry", 1): "cry", ("rz", 1): "crz", ("swap", 1): "cswap",
    ("x", 2): "ccx", ("z", 2): "ccz", ("u", 1): "cu3", ("sx", 1): "csx", ("s", 1): "cs",
    ("sdg", 1): "csdg", ("t", 1): "ct", ("tdg", 1): "ctdg",
}
#: the inverse mapping, name -> (base, controls)
CONTROLLED_BASES: dict[str, tuple[str, int]] = {v: k for k, v in CONTROLLED_NAMES.items()}


def get(name: str) -> GateDef:
    """Look a gate up by library name; raises ``KeyError`` if unknown."""
    return LIBRARY[name]


def is_unitary(m: np.ndarray, atol: float = 1e-10) -> bool:
    """True when ``m`` (d, d) is unitary to ``atol`` in every entry of ``m^dagger m - 1``."""
    d = m.shape[-1]
    return bool(np.allclose(m.conj().swapaxes(-1, -2) @ m, np.eye(d), atol=atol, rtol=0))
