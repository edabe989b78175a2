"""Explicit gate matrices and a kron-built dense reference for the OpenQASM tests.

The matrices are written here from their textbook definitions, independently of
qtilab.core.gates; qtilab.testing.embed / controlled place them on qubits with np.kron.
Qubit q is bit q of the basis-state index.
"""

from __future__ import annotations

import math

import numpy as np

from qtilab.testing import controlled, embed

I2 = np.eye(2, dtype=complex)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
Z = np.diag([1, -1]).astype(complex)
H = np.array([[1, 1], [1, -1]], dtype=complex) / math.sqrt(2)
S = np.diag([1, 1j])
SDG = np.diag([1, -1j])
T = np.diag([1, np.exp(1j * math.pi / 4)])
TDG = T.conj()
SX = 0.5 * np.array([[1 + 1j, 1 - 1j], [1 - 1j, 1 + 1j]])
SXDG = SX.conj().T
SWAP = np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]], dtype=complex)


def RX(t: float) -> np.ndarray:
    return np.array([[math.cos(t / 2), -1j * math.sin(t / 2)], [-1j * math.sin(t / 2), math.cos(t / 2)]])


def RY(t: float) -> np.ndarray:
    return np.array([[math.cos(t / 2), -math.sin(t / 2)], [math.sin(t / 2), math.cos(t / 2)]], dtype=complex)


def RZ(t: float) -> np.ndarray:
    return np.diag([np.exp(-0.5j * t), np.exp(0.5j * t)])


def P(t: float) -> np.ndarray:
    return np.diag([1, np.exp(1j * t)])


def U(th: float, ph: float, la: float) -> np.ndarray:
    """OpenQASM 3's U (= Qiskit's U/U3 matrix)."""
    c, s = math.cos(th / 2), math.sin(th / 2)
    return np.array([[c, -np.exp(1j * la) * s], [np.exp(1j * ph) * s, np.exp(1j * (ph + la)) * c]])


def RZZ(t: float) -> np.ndarray:
    zz = np.kron(Z, Z)
    return np.cos(t / 2) * np.eye(4) - 1j * np.sin(t / 2) * zz


def RXX(t: float) -> np.ndarray:
    xx = np.kron(X, X)
    return np.cos(t / 2) * np.eye(4) - 1j * np.sin(t / 2) * xx


def RYY(t: float) -> np.ndarray:
    yy = np.kron(Y, Y)
    return np.cos(t / 2) * np.eye(4) - 1j * np.sin(t / 2) * yy


ISWAP = np.array([[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]], dtype=complex)


class Ref:
    """A dense unitary built gate by gate: ``ref.g(matrix, q0, q1, ...)`` (q0 = low bit)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.u = np.eye(2**n, dtype=complex)

    def g(self, m: np.ndarray, *qubits: int) -> Ref:
        self.u = embed(np.asarray(m, dtype=complex), list(qubits), self.n) @ self.u
        return self

    def c(self, m: np.ndarray, controls: list[int], targets: list[int], state: int | None = None) -> Ref:
        full = controlled(np.asarray(m, dtype=complex), len(controls), state)
        return self.g(full, *controls, *targets)

    @property
    def state(self) -> np.ndarray:
        return self.u[:, 0]


def unitary_of(circuit, params=None) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The engine's unitary of a circuit: simulate every basis state in one batch."""
    from qtilab.sim.statevector import simulate

    d = 2**circuit.n_qubits
    res = simulate(_unitary_part(circuit), params, initial_state=np.eye(d, dtype=complex))
    return np.asarray(res.states).T


def _unitary_part(circuit):  # type: ignore[no-untyped-def]
    """The circuit without its (terminal) measurements."""
    from qtilab.core.circuit import Circuit

    out = Circuit(circuit.n_qubits, circuit.n_clbits)
    for g in circuit:
        if g.name != "measure":
            out.append(g)
    return out


def same_up_to_phase(a: np.ndarray, b: np.ndarray, atol: float = 1e-9) -> bool:
    k = np.unravel_index(int(np.argmax(np.abs(b))), b.shape)
    if abs(a[k]) < 1e-12:
        return False
    ph = b[k] / a[k]
    return abs(abs(ph) - 1) < atol and bool(np.allclose(a * ph, b, atol=atol))
