"""Gate-sequence algebra shared by the reader and the writer.

A *sequence* is a list of :class:`~qtilab.core.circuit.Gate` values and :class:`Phase` marks (a
global phase ``exp(i theta)``, which matters once the sequence is controlled). The functions
here invert, control and raise sequences to powers exactly -- global phase included -- and
decompose dense unitaries into library gates (ZYZ angles for one qubit, the cosine-sine
decomposition of :func:`scipy.linalg.cossin` for more), so that OpenQASM's ``inv @``,
``ctrl @``, ``negctrl @`` and ``pow(k) @`` and the writer's lowering never change a unitary.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from qtilab.core.circuit import Gate
from qtilab.core.parameters import ParameterExpression


class Phase:
    """A global phase ``exp(i theta)`` inside a gate sequence."""

    __slots__ = ("theta",)

    def __init__(self, theta: Any) -> None:
        self.theta = theta

    def __repr__(self) -> str:
        return f"Phase({self.theta})"


Prim = Gate | Phase


def inverse(seq: Sequence[Prim]) -> list[Prim]:
    """The inverse sequence: reversed, each gate inverted, phases negated."""
    out: list[Prim] = []
    for p in reversed(seq):
        if isinstance(p, Phase):
            out.append(Phase(-p.theta))
        elif p.name == "barrier":
            out.append(p)
        else:
            out.append(p.inverse())
    return out


def control(seq: Sequence[Prim], controls: Sequence[int], state: int) -> list[Prim]:
    """Each element controlled on ``controls`` (bit ``i`` of ``state`` is control ``i``'s value).

    A phase becomes a phase gate on the last control (conditioned on the others), sandwiched
    between X gates when that control must read 0.
    """
    n = len(controls)
    ones = (1 << n) - 1
    out: list[Prim] = []
    for p in seq:
        if isinstance(p, Phase):
            last = controls[-1]
            rest = tuple(controls[:-1])
            rest_state = state & ((1 << (n - 1)) - 1)
            cs = None if rest_state == (1 << (n - 1)) - 1 else rest_state
            g = Gate("p", (*rest, last), (p.theta,), n - 1, cs)
            if (state >> (n - 1)) & 1:
                out.append(g)
            else:
                out.extend([Gate("x", (last,)), g, Gate("x", (last,))])
            continue
        if p.name == "barrier":
            out.append(p)
            continue
        old = p.ctrl_state if p.ctrl_state is not None else (1 << p.ctrl) - 1
        total = p.ctrl + n
        new_state = state | (old << n)
        out.append(
            p.replace(
                qubits=(*controls, *p.qubits),
                ctrl=total,
                ctrl_state=None if new_state == (1 << total) - 1 else new_state,
            )
        )
    del ones
    return out


#: library gates whose k-th integer power is the same gate with the angle times k
SCALABLE = {"rx", "ry", "rz", "p", "rxx", "ryy", "rzz"}


def numeric(v: Any) -> bool:
    return not isinstance(v, ParameterExpression)


def embed(u: np.ndarray, mat: np.ndarray, positions: Sequence[int], k: int) -> np.ndarray:
    """Apply ``mat`` (index = sum_i b_{positions[i]} 2**i) to the (2,)*k + (cols,) tensor ``u``."""
    m = len(positions)
    mt = mat.reshape((2,) * (2 * m))
    axes = [k - 1 - p for p in reversed(positions)]
    out = np.tensordot(mt, u, axes=(list(range(m, 2 * m)), axes))
    return np.moveaxis(out, list(range(m)), axes)


def dense(seq: Sequence[Prim], qubits: Sequence[int]) -> np.ndarray:
    """The unitary of a numeric sequence over ``qubits`` (qubits[0] is the lowest index bit)."""
    k = len(qubits)
    d = 2**k
    pos = {q: i for i, q in enumerate(qubits)}
    u = np.eye(d, dtype=complex).reshape((2,) * k + (d,))
    phase = 1.0 + 0j
    for p in seq:
        if isinstance(p, Phase):
            phase *= cmath.exp(1j * float(p.theta))
            continue
        if p.name == "barrier":
            continue
        u = embed(u, p.full_matrix(), [pos[q] for q in p.qubits], k)
    return phase * u.reshape(d, d)


def zyz(m: np.ndarray) -> tuple[float, float, float, float]:
    """``(theta, phi, lam, gamma)`` with ``m = exp(i gamma) U(theta, phi, lam)`` (library ``u``)."""
    det = complex(np.linalg.det(m))
    gamma = cmath.phase(det) / 2
    su = m * cmath.exp(-1j * gamma)  # det 1: [[a, -conj(b)], [b, conj(a)]]
    a, b = complex(su[0, 0]), complex(su[1, 0])
    theta = 2 * math.atan2(abs(b), abs(a))
    # U = e^{i(phi+lam)/2} [[c e^{-i(phi+lam)/2}, ...], [s e^{i(phi-lam)/2}, ...]]
    s_ = cmath.phase(a) if abs(a) > 1e-14 else 0.0
    d_ = cmath.phase(b) if abs(b) > 1e-14 else 0.0
    phi = d_ - s_
    lam = -d_ - s_
    # collect the phase: m = e^{i gamma} su, su = e^{-i(phi+lam)/2} U(theta, phi, lam)
    gamma = gamma - (phi + lam) / 2
    return theta, phi, lam, gamma


def decompose_1q(m: np.ndarray, q: int) -> list[Prim]:
    th, ph, la, ga = zyz(m)
    out: list[Prim] = [Gate("u", (q,), (th, ph, la))]
    if abs(ga) > 1e-15:
        out.append(Phase(ga))
    return out


def decompose_unitary(m: np.ndarray, qubits: Sequence[int]) -> list[Prim]:
    """Exact gates for a dense unitary (qubits[0] is the lowest index bit), phase included.

    One qubit: ``u`` and a phase. More: the cosine-sine decomposition splits ``m`` on its top
    qubit into two multiplexed halves and a multiplexed ``ry`` (written with negative and
    positive controls), recursively. The gate count grows as 4**k: fine for the few-qubit
    unitaries that circuits carry.
    """
    from scipy.linalg import cossin

    k = len(qubits)
    if k == 1:
        return decompose_1q(m, qubits[0])
    h = m.shape[0] // 2
    (u1, u2), theta, (v1, v2) = cossin(m, p=h, q=h, separate=True)
    top = qubits[-1]
    low = list(qubits[:-1])
    out: list[Prim] = []
    # time order: V first (block diagonal on the top qubit), then the multiplexed ry, then U
    out += control(decompose_unitary(v1, low), [top], 0)
    out += control(decompose_unitary(v2, low), [top], 1)
    for j in range(h):
        # cs block for lower state j: [[c, -s], [s, c]] = ry(2 theta_j) on the top qubit
        t = 2 * float(theta[j])
        if abs(t) > 1e-15:
            out.append(Gate("ry", (*low, top), (t,), k - 1, None if j == h - 1 else j))
    out += control(decompose_unitary(u1, low), [top], 0)
    out += control(decompose_unitary(u2, low), [top], 1)
    return out


def matrix_power(seq: Sequence[Prim], qubits: Sequence[int], k: float) -> list[Prim]:
    """``seq`` to a non-integer power ``k`` (principal branch), as one ``unitary`` gate."""
    from scipy.linalg import fractional_matrix_power

    m = dense(seq, qubits)
    mk = np.asarray(fractional_matrix_power(m, k), dtype=complex)
    # re-unitarise: the principal power of a unitary is unitary up to rounding
    w, _, vh = np.linalg.svd(mk)
    mk = w @ vh
    mk.setflags(write=False)
    return [Gate("unitary", tuple(qubits), (), 0, None, mk)]
