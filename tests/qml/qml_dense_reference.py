"""A deliberately simple dense reference for the QML tests (numpy only, never the engine).

Qubit q is bit q of the basis index. ``apply(state, M, qubits)`` applies a (2**k, 2**k) matrix
whose index is ``sum_t b_{qubits[t]} 2**t``.
"""

from __future__ import annotations

import numpy as np

H = np.array([[1, 1], [1, -1]], dtype=complex) / np.sqrt(2)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]], dtype=complex)
Z = np.diag([1.0, -1.0]).astype(complex)
CX = np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]], dtype=complex)  # control = qubits[0]


def P(t: float) -> np.ndarray:
    return np.diag([1.0, np.exp(1j * t)])


def RX(t: float) -> np.ndarray:
    return np.cos(t / 2) * np.eye(2) - 1j * np.sin(t / 2) * X


def RY(t: float) -> np.ndarray:
    return np.cos(t / 2) * np.eye(2) - 1j * np.sin(t / 2) * Y


def RZ(t: float) -> np.ndarray:
    return np.cos(t / 2) * np.eye(2) - 1j * np.sin(t / 2) * Z


def zero(n: int) -> np.ndarray:
    s = np.zeros(2**n, dtype=complex)
    s[0] = 1.0
    return s


def apply(state: np.ndarray, M: np.ndarray, qubits: list[int]) -> np.ndarray:
    n = int(np.log2(state.shape[0]))
    k = len(qubits)
    t = state.reshape((2,) * n)  # axis a <-> qubit n-1-a
    m = M.reshape((2,) * (2 * k))  # out axis s <-> qubits[k-1-s]; in axis k+s likewise
    axes = [n - 1 - qubits[k - 1 - s] for s in range(k)]
    out = np.tensordot(m, t, axes=(list(range(k, 2 * k)), axes))
    out = np.moveaxis(out, list(range(k)), axes)
    return out.reshape(-1)


def zz_state(x: np.ndarray, reps: int = 2) -> np.ndarray:
    """Qiskit's ZZFeatureMap (full entanglement): H, P(2 x_i), CX-P(2 (pi-x_i)(pi-x_j))-CX."""
    n = len(x)
    s = zero(n)
    for _ in range(reps):
        for q in range(n):
            s = apply(s, H, [q])
        for q in range(n):
            s = apply(s, P(2 * x[q]), [q])
        for i in range(n):
            for j in range(i + 1, n):
                s = apply(s, CX, [i, j])
                s = apply(s, P(2 * (np.pi - x[i]) * (np.pi - x[j])), [j])
                s = apply(s, CX, [i, j])
    return s
