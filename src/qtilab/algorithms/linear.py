"""Linear systems: HHL and a variational linear solver (VQLS).

HHL (Harrow, Hassidim & Lloyd 2009) for a Hermitian ``A`` (``2**k x 2**k``) and ``b``:
qubit 0 is the rotation ancilla, qubits ``1..m`` the clock, qubits ``m+1..m+k`` the system in
``|b>``. Phase estimation of ``exp(i A t)`` writes ``y ~ lambda t M / (2 pi)`` (two's complement:
``y >= M/2`` is negative), the ancilla is rotated by ``RY(2 arcsin(C / lambda~(y)))``
controlled on each clock value ``y`` with ``C = 2 pi / (M t)`` (the smallest representable
``|lambda~|``), phase estimation is undone, and the ancilla is post-selected on 1; the system
then holds ``A^-1 |b>`` up to normalisation (exactly, when every eigenvalue lies on the
clock's grid). The time ``t`` maps the largest ``|lambda|`` (computed classically, as
Qiskit's HHL does for its scaling) to ``y = M/2 - 1`` unless given.

VQLS (Bravo-Prieto et al., Quantum 7, 1188 (2023)) minimises the global cost
``C(theta) = 1 - |<b|A|x>|**2 / <x|A^dag A|x>`` over ``|x> = V(theta)|0>``. The two quadratic
forms are expectation values of the Hermitian matrices ``A^dag |b><b| A`` and ``A^dag A``
(decomposed into Pauli sums), so the gradient is exact (adjoint method, quotient rule).

Examples
--------
>>> import numpy as np
>>> from qtilab.algorithms import hhl
>>> A = np.array([[1.0, -1/3], [-1/3, 1.0]])
>>> res = hhl(A, [1.0, 0.0], n_clock=3, time=2 * np.pi * 3 / 16)  # eigenvalues 2/3, 4/3 on the grid
>>> round(res.fidelity, 6)
1.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qtilab.algorithms._base import (
    AlgorithmError,
    NotHermitianError,
    append_controlled_unitary,
    check_int,
    pauli_decompose,
    rng_of,
)
from qtilab.algorithms.fourier import qft
from qtilab.core.circuit import Circuit, Gate


def _check_system(A: Any, b: Any) -> tuple[np.ndarray, np.ndarray, int]:
    a = np.asarray(A, dtype=complex)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 2 or a.shape[0] & (a.shape[0] - 1):
        raise AlgorithmError(f"A must be a square 2**k x 2**k matrix, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise AlgorithmError("A has NaN or infinite entries")
    if np.max(np.abs(a - a.conj().T)) > 1e-10 * max(1.0, float(np.max(np.abs(a)))):
        raise NotHermitianError(
            "A is not Hermitian; HHL needs a Hermitian matrix -- for a general A solve the "
            "Hermitian system [[0, A], [A^dag, 0]] [0; x] = [b; 0]"
        )
    vec = np.asarray(b, dtype=complex).reshape(-1)
    if vec.shape[0] != a.shape[0]:
        raise AlgorithmError(f"b has {vec.shape[0]} entries; A is {a.shape[0]} x {a.shape[0]}")
    nb = np.linalg.norm(vec)
    if nb == 0 or not np.isfinite(nb):
        raise AlgorithmError("b is zero or not finite")
    w = np.linalg.eigvalsh(a)
    if np.min(np.abs(w)) < 1e-12 * max(1.0, float(np.max(np.abs(w)))):
        raise AlgorithmError("A is singular (an eigenvalue is zero); the system has no unique solution")
    return a, vec / nb, a.shape[0].bit_length() - 1


@dataclass
class LinearSolution:
    """A normalised solution ``x`` with its fidelity ``|<x|x_exact>|**2`` against
    ``numpy.linalg.solve`` and, for HHL, the post-selection probability."""

    x: np.ndarray
    fidelity: float
    exact: np.ndarray
    success_probability: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _fidelity(x: np.ndarray, exact: np.ndarray) -> float:
    return float(abs(np.vdot(exact / np.linalg.norm(exact), x / np.linalg.norm(x))) ** 2)


def hhl_circuit(A: Any, n_clock: int, time: float) -> Circuit:
    """The HHL circuit (without the state preparation of ``|b>``; see the module docstring)."""
    from scipy.linalg import expm

    a = np.asarray(A, dtype=complex)
    k = a.shape[0].bit_length() - 1
    m = check_int(n_clock, "n_clock", 2, 12)
    M = 2**m
    clock = list(range(1, m + 1))
    system = list(range(m + 1, m + 1 + k))
    qpe = Circuit(1 + m + k, name="qpe")
    for q in clock:
        qpe.h(q)
    u = expm(1j * float(time) * a)
    for j, q in enumerate(clock):
        append_controlled_unitary(qpe, u, q, system, label=f"U^{2**j}")
        u = u @ u
    qpe = qpe.compose(qft(m, inverse=True), clock)
    c = qpe.copy()
    C = 2 * math.pi / (M * float(time))
    for y in range(1, M):
        lam = (y - M if y >= M // 2 else y) * 2 * math.pi / (M * float(time))
        angle = 2 * math.asin(max(-1.0, min(1.0, C / lam)))
        c.append(Gate("ry", (*clock, 0), (angle,), m, y))
    return c.compose(qpe.inverse())


def hhl(A: Any, b: Any, n_clock: int = 4, *, time: float | None = None) -> LinearSolution:
    """Solve ``A x = b`` with HHL and compare with ``numpy.linalg.solve``."""
    from qtilab.sim.statevector import simulate

    a, bn, k = _check_system(A, b)
    m = check_int(n_clock, "n_clock", 2, 12)
    M = 2**m
    if time is None:
        lmax = float(np.max(np.abs(np.linalg.eigvalsh(a))))
        time = 2 * math.pi * (M / 2 - 1) / (M * lmax)
    if not (math.isfinite(time) and time > 0):
        raise AlgorithmError(f"time must be positive, got {time}")
    c = hhl_circuit(a, m, time)
    init = np.kron(bn, np.eye(2 ** (m + 1))[0])  # system above clock and ancilla
    psi = simulate(c, initial_state=init).statevector.reshape(2**k, 2**m, 2)
    sol = psi[:, 0, 1]  # clock back to |0>, ancilla |1>
    p = float(np.sum(np.abs(psi[:, :, 1]) ** 2))
    exact = np.linalg.solve(a, bn)
    if np.linalg.norm(sol) < 1e-14:
        raise AlgorithmError("HHL post-selection probability is zero; increase n_clock or adjust time")
    x = sol / np.linalg.norm(sol)
    # fix the global phase to match the exact solution (for display)
    ph = np.vdot(x, exact)
    x = x * (ph / abs(ph)) if abs(ph) > 0 else x
    return LinearSolution(x, _fidelity(x, exact), exact / np.linalg.norm(exact), p, extra={"time": time, "n_clock": m, "qubits": c.n_qubits})


def vqls(
    A: Any,
    b: Any,
    ansatz: Circuit | str = "real_amplitudes",
    *,
    layers: int = 3,
    optimizer: str = "L-BFGS-B",
    restarts: int = 3,
    maxiter: int = 500,
    seed: int | np.random.Generator | None = None,
) -> LinearSolution:
    """Variational linear solver: minimise the global VQLS cost with exact gradients.

    ``A``: a Hermitian ``2**k x 2**k`` matrix (up to 8 qubits; the cost's matrices are
    decomposed into Pauli sums). ``extra["cost"]`` holds the final cost (0 at the solution).
    """
    from scipy.optimize import minimize

    from qtilab.sim.gradients import adjoint_jacobian
    from qtilab.sim.statevector import simulate

    a, bn, k = _check_system(A, b)
    if k > 6:
        raise AlgorithmError(f"vqls supports up to 6 qubits here, got {k}")
    if isinstance(ansatz, Circuit):
        circ = ansatz
    else:
        from qtilab.qml.ansatz import make_ansatz

        circ = make_ansatz(ansatz, k, layers)
    ab = a.conj().T @ bn
    o1 = pauli_decompose(np.outer(ab, ab.conj()))  # A^dag |b><b| A
    o2 = pauli_decompose(a.conj().T @ a)
    rng = rng_of(seed)

    def fg(x: np.ndarray) -> tuple[float, np.ndarray]:
        g = adjoint_jacobian(circ, [o1, o2], list(x))
        n1, n2 = float(g.values[0, 0]), float(g.values[1, 0])
        d1, d2 = g.jacobian[0, 0], g.jacobian[1, 0]
        return 1 - n1 / n2, -(d1 * n2 - n1 * d2) / n2**2

    best = None
    for _ in range(check_int(restarts, "restarts", 1)):
        x0 = rng.uniform(-math.pi, math.pi, circ.num_parameters)
        res = minimize(fg, x0, jac=True, method=optimizer, options={"maxiter": maxiter})
        if best is None or res.fun < best.fun:
            best = res
    assert best is not None
    x = np.asarray(simulate(circ, list(best.x)).statevector)
    exact = np.linalg.solve(a, bn)
    ph = np.vdot(x, exact)
    x = x * (ph / abs(ph)) if abs(ph) > 0 else x
    return LinearSolution(x, _fidelity(x, exact), exact / np.linalg.norm(exact), None, extra={"cost": float(best.fun), "parameters": best.x})


__all__ = ["LinearSolution", "hhl", "hhl_circuit", "vqls"]

