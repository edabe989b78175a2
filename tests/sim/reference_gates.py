"""Textbook gate matrices, written out by hand for the engine tests (not from qtilab.core.gates).

Convention (DESIGN.md): for a gate on qubits (q0, q1, ...), the matrix index is
sum_k bit(q_k) 2**k, so the first qubit is the least significant bit. For the symmetric
two-qubit gates below the order does not matter; controls are the low bits of a controlled
gate's index (:func:`full_matrix`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from qtilab.core.circuit import Gate, resolve

s2 = 1 / np.sqrt(2)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
Z = np.array([[1, 0], [0, -1]], dtype=complex)
H = np.array([[s2, s2], [s2, -s2]], dtype=complex)


def rx(t: float) -> np.ndarray:
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -1j * s], [-1j * s, c]])


def ry(t: float) -> np.ndarray:
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -s], [s, c]], dtype=complex)


def rz(t: float) -> np.ndarray:
    return np.array([[np.exp(-0.5j * t), 0], [0, np.exp(0.5j * t)]])


def p(lam: float) -> np.ndarray:
    return np.array([[1, 0], [0, np.exp(1j * lam)]])


def u(t: float, phi: float, lam: float) -> np.ndarray:
    # OpenQASM 3 / Qiskit U(theta, phi, lambda)
    c, s = np.cos(t / 2), np.sin(t / 2)
    return np.array([[c, -np.exp(1j * lam) * s], [np.exp(1j * phi) * s, np.exp(1j * (phi + lam)) * c]])


def rxx(t: float) -> np.ndarray:
    c, s = np.cos(t / 2), -1j * np.sin(t / 2)
    return np.array([[c, 0, 0, s], [0, c, s, 0], [0, s, c, 0], [s, 0, 0, c]])


def ryy(t: float) -> np.ndarray:
    c, s = np.cos(t / 2), 1j * np.sin(t / 2)
    return np.array([[c, 0, 0, s], [0, c, -s, 0], [0, -s, c, 0], [s, 0, 0, c]])


def rzz(t: float) -> np.ndarray:
    a, b = np.exp(-0.5j * t), np.exp(0.5j * t)
    return np.diag([a, b, b, a])


TABLE: dict[str, Callable[..., np.ndarray]] = {
    "id": lambda: np.eye(2, dtype=complex),
    "x": lambda: X,
    "y": lambda: Y,
    "z": lambda: Z,
    "h": lambda: H,
    "s": lambda: np.diag([1, 1j]),
    "sdg": lambda: np.diag([1, -1j]),
    "t": lambda: np.diag([1, np.exp(0.25j * np.pi)]),
    "tdg": lambda: np.diag([1, np.exp(-0.25j * np.pi)]),
    "sx": lambda: 0.5 * np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]]),
    "sxdg": lambda: 0.5 * np.array([[1 - 1j, 1 + 1j], [1 + 1j, 1 - 1j]]),
    "rx": rx,
    "ry": ry,
    "rz": rz,
    "p": p,
    "u": u,
    "swap": lambda: np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=complex),
    "iswap": lambda: np.array([[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]]),
    "iswapdg": lambda: np.array([[1, 0, 0, 0], [0, 0, -1j, 0], [0, -1j, 0, 0], [0, 0, 0, 1]]),
    "rxx": rxx,
    "ryy": ryy,
    "rzz": rzz,
}


def full_matrix(g: Gate, values: Mapping[Any, Any] | None = None, member: int = 0) -> np.ndarray:
    """The gate's matrix over all its qubits (controls as the low bits), batch member ``member``."""
    if g.name == "unitary":
        base = np.asarray(g.matrix, dtype=complex)
    else:
        ps = [resolve(q, values) for q in g.params]
        ps = [q[member] if np.ndim(q) else q for q in ps]
        base = np.asarray(TABLE[g.name](*ps), dtype=complex)
    if not g.ctrl:
        return base
    dc, dt = 2**g.ctrl, base.shape[0]
    cs = dc - 1 if g.ctrl_state is None else g.ctrl_state
    out = np.eye(dc * dt, dtype=complex)
    idx = [cs + (t << g.ctrl) for t in range(dt)]
    out[np.ix_(idx, idx)] = base
    return out
