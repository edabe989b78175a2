"""Random circuits for tests (hypothesis strategies) and a textbook gate table.

The same strategy as ``tests/sim/test_statevector.py`` (the state-vector tests keep their own
copy), shared here so that every engine's conformance suite draws the same circuits.
``TABLE`` holds gate matrices written out independently of :mod:`qtilab.core.gates`; pass it to
the dense reference (:func:`qtilab.testing.dense_states`,
:func:`qtilab.testing.density.dense_density_matrix`). Needs ``hypothesis`` (the test extra).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from qtilab.core.circuit import Circuit

# ---- gate matrices written out here, independently of qtilab.core.gates ----------------
# Convention: for a 2-qubit gate on (a, b), the matrix index is bit(a) + 2 * bit(b).

s2 = 1 / np.sqrt(2)


def _rx(t: float) -> np.ndarray:
    return np.array([[np.cos(t / 2), -1j * np.sin(t / 2)], [-1j * np.sin(t / 2), np.cos(t / 2)]])


def _ry(t: float) -> np.ndarray:
    return np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]])


def _rz(t: float) -> np.ndarray:
    return np.array([[np.exp(-1j * t / 2), 0], [0, np.exp(1j * t / 2)]])


def _u(t: float, p: float, l: float) -> np.ndarray:
    # U(theta, phi, lambda) = RZ(phi) RY(theta) RZ(lambda) up to the phase e^{i(phi+lambda)/2}
    out: np.ndarray = np.exp(1j * (p + l) / 2) * _rz(p) @ _ry(t) @ _rz(l)
    return out


def _rpp(P: np.ndarray) -> Any:  # exp(-i t/2 P⊗P), computed by eigendecomposition, not by cos/sin
    def f(t: float) -> np.ndarray:
        w, v = np.linalg.eigh(np.kron(P, P))
        out: np.ndarray = v @ np.diag(np.exp(-0.5j * t * w)) @ v.conj().T
        return out

    return f


X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1.0 + 0j, -1.0])

TABLE = {
    "id": lambda: np.eye(2),
    "x": lambda: X,
    "y": lambda: Y,
    "z": lambda: Z,
    "h": lambda: np.array([[s2, s2], [s2, -s2]]),
    "s": lambda: np.diag([1, 1j]),
    "sdg": lambda: np.diag([1, -1j]),
    "t": lambda: np.diag([1, (1 + 1j) * s2]),
    "tdg": lambda: np.diag([1, (1 - 1j) * s2]),
    # sqrt(X) = H S H
    "sx": lambda: np.array([[s2, s2], [s2, -s2]]) @ np.diag([1, 1j]) @ np.array([[s2, s2], [s2, -s2]]),
    "sxdg": lambda: np.array([[s2, s2], [s2, -s2]]) @ np.diag([1, -1j]) @ np.array([[s2, s2], [s2, -s2]]),
    "rx": _rx,
    "ry": _ry,
    "rz": _rz,
    "p": lambda l: np.diag([1, np.exp(1j * l)]),
    "u": _u,
    "swap": lambda: np.array([[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]]),
    "iswap": lambda: np.array([[1, 0, 0, 0], [0, 0, 1j, 0], [0, 1j, 0, 0], [0, 0, 0, 1]]),
    "iswapdg": lambda: np.array([[1, 0, 0, 0], [0, 0, -1j, 0], [0, -1j, 0, 0], [0, 0, 0, 1]]),
    "rxx": _rpp(X),
    "ryy": _rpp(Y),
    "rzz": _rpp(Z),
}

# (method name, number of qubits, number of angles)
GATES = [
    ("i", 1, 0), ("x", 1, 0), ("y", 1, 0), ("z", 1, 0), ("h", 1, 0), ("s", 1, 0), ("sdg", 1, 0),
    ("t", 1, 0), ("tdg", 1, 0), ("sx", 1, 0), ("sxdg", 1, 0), ("rx", 1, 1), ("ry", 1, 1),
    ("rz", 1, 1), ("p", 1, 1), ("u", 1, 3), ("cx", 2, 0), ("cy", 2, 0), ("cz", 2, 0),
    ("ch", 2, 0), ("cp", 2, 1), ("crx", 2, 1), ("cry", 2, 1), ("crz", 2, 1), ("swap", 2, 0),
    ("iswap", 2, 0), ("rxx", 2, 1), ("ryy", 2, 1), ("rzz", 2, 1), ("ccx", 3, 0), ("ccz", 3, 0),
    ("cswap", 3, 0), ("mcx", 4, 0), ("mcz", 4, 0), ("ctrl_ry", 3, 1), ("negctrl_h", 2, 0),
    ("unitary1", 1, 0), ("unitary2", 2, 0), ("unitary3", 3, 0),
]


def random_unitary(rng: np.random.Generator, d: int) -> np.ndarray:
    z = (rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))) / np.sqrt(2)
    q, r = np.linalg.qr(z)
    return q * (np.diag(r) / np.abs(np.diag(r)))


def apply_gate(c: Circuit, name: str, qs: list[int], angles: list[Any], rng: np.random.Generator) -> None:
    if name == "mcx":
        c.mcx(qs[:-1], qs[-1])
    elif name == "mcz":
        c.mcz(qs[:-1], qs[-1])
    elif name == "ctrl_ry":
        c.controlled("ry", qs[:2], qs[2:], angles)
    elif name == "negctrl_h":
        c.controlled("h", qs[:1], qs[1:], ctrl_state=0)
    elif name.startswith("unitary"):
        c.unitary(random_unitary(rng, 2 ** len(qs)), qs)
    else:
        getattr(c, name)(*angles, *qs)


@st.composite
def circuits(draw: st.DrawFn, batch: int | None = None, max_qubits: int = 7, max_gates: int = 12) -> Circuit:
    """Random circuits of 1..max_qubits qubits drawn from every gate kind in ``GATES``."""
    n = draw(st.integers(1, max_qubits))
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    c = Circuit(n)
    for _ in range(draw(st.integers(0, max_gates))):
        name, k, npar = draw(st.sampled_from([g for g in GATES if g[1] <= n]))
        qs = [int(q) for q in rng.permutation(n)[:k]]
        if batch:
            angles: list[Any] = [rng.uniform(-7, 7, size=batch) for _ in range(npar)]
        else:
            angles = [float(rng.uniform(-7, 7)) for _ in range(npar)]
        apply_gate(c, name, qs, angles, rng)
    return c


__all__ = ["GATES", "TABLE", "apply_gate", "circuits", "random_unitary"]
