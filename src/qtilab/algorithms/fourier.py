"""The quantum Fourier transform and quantum phase estimation.

Conventions: qubit ``q`` is bit ``q`` of the basis-state index. :func:`qft` maps
``|x> -> 2**(-n/2) sum_y exp(2 pi i x y / 2**n) |y>`` (with the final swaps; without them the
output register is bit-reversed). Phase estimation writes the phase ``phi`` of ``U|u> =
exp(2 pi i phi)|u>`` into the counting register as the integer ``y ~ phi 2**m``.

Examples
--------
>>> import numpy as np
>>> from qtilab.algorithms import phase_estimation
>>> u = np.diag([1, np.exp(2j * np.pi * 0.375)])
>>> res = phase_estimation(u, 3, eigenstate=[0, 1])
>>> res.phase
0.375
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qtilab.algorithms._base import (
    AlgorithmError,
    append_controlled,
    append_controlled_unitary,
    as_observable,
    check_int,
    n_qubits_of,
    rng_of,
)
from qtilab.core.circuit import Circuit
from qtilab.core.observables import Observable


def qft(
    n_qubits: int,
    *,
    inverse: bool = False,
    approximation_degree: int = 0,
    do_swaps: bool = True,
) -> Circuit:
    """The (approximate) quantum Fourier transform on ``n_qubits`` qubits.

    ``approximation_degree`` drops the controlled-phase rotations by the smallest angles
    ``pi / 2**d`` with ``d > n - 1 - approximation_degree`` (Coppersmith 1994); the operator-norm
    error is at most the sum of the dropped angles (``|1 - exp(i theta)| <= theta`` per gate).
    ``inverse=True`` returns the inverse transform.
    """
    n = check_int(n_qubits, "n_qubits", 1)
    a = check_int(approximation_degree, "approximation_degree", 0, max(n - 1, 0))
    c = Circuit(n, name="iqft" if inverse else "qft")
    for j in reversed(range(n)):
        c.h(j)
        for k in reversed(range(j)):
            d = j - k
            if d <= n - 1 - a:
                c.cp(math.pi / 2**d, k, j)
    if do_swaps:
        for q in range(n // 2):
            c.swap(q, n - 1 - q)
    return c.inverse() if inverse else c


def qft_dropped_angle(n_qubits: int, approximation_degree: int) -> float:
    """Sum of the rotation angles an approximate QFT drops: a bound on its operator-norm error."""
    n = n_qubits
    return float(sum(math.pi / 2 ** (j - k) for j in range(n) for k in range(j) if j - k > n - 1 - approximation_degree))


@dataclass
class PhaseEstimationResult:
    """Outcome of phase estimation.

    Attributes
    ----------
    probabilities: (2**m,) exact probabilities of the counting-register values.
    phase: the most likely phase ``y / 2**m`` in [0, 1).
    counts: sampled counts per counting value when ``shots`` was given, else None.
    n_counting: m.
    circuit: the circuit that was simulated.
    """

    probabilities: np.ndarray
    phase: float
    n_counting: int
    circuit: Circuit
    counts: dict[int, int] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def phases(self) -> np.ndarray:
        """The phase of each counting value, ``y / 2**m``."""
        out: np.ndarray = np.arange(2**self.n_counting) / 2**self.n_counting
        return out

    def most_likely(self, k: int = 1) -> list[tuple[float, float]]:
        """The ``k`` most likely phases with their probabilities."""
        idx = np.argsort(self.probabilities)[::-1][:k]
        return [(float(i / 2**self.n_counting), float(self.probabilities[i])) for i in idx]


def _target_state(n_counting: int, n_target: int, eigenstate: Any) -> np.ndarray | None:
    if eigenstate is None:
        return None
    psi = np.asarray(eigenstate, dtype=complex).reshape(-1)
    if psi.shape[0] != 2**n_target:
        raise AlgorithmError(f"eigenstate must have {2**n_target} amplitudes for {n_target} target qubits, got {psi.shape[0]}")
    nrm = np.linalg.norm(psi)
    if not np.isfinite(nrm) or nrm == 0:
        raise AlgorithmError("eigenstate is zero or not finite")
    psi = psi / nrm
    reg = np.zeros(2**n_counting, dtype=complex)
    reg[0] = 1.0
    return np.kron(psi, reg)  # targets are the high qubits


def phase_estimation_circuit(
    unitary: Circuit | np.ndarray,
    n_counting: int,
    *,
    prepare: Circuit | None = None,
    approximation_degree: int = 0,
    powers: Sequence[Any] | None = None,
) -> Circuit:
    """The phase-estimation circuit: counting qubits ``0..m-1``, the target register above.

    ``unitary`` is a :class:`Circuit` (each of its gates gets a control; ``U**(2**k)`` is the
    circuit repeated) or a unitary matrix (``U**(2**k)`` is computed by repeated squaring and
    applied as one controlled dense gate). ``powers`` may give the ``m`` matrices or circuits
    ``U**(2**k)`` directly (as order finding does). ``prepare`` runs on the target first.
    """
    m = check_int(n_counting, "n_counting", 1, 24)
    if isinstance(unitary, Circuit):
        nt = unitary.n_qubits
    else:
        u = np.asarray(unitary, dtype=complex)
        if u.ndim != 2 or u.shape[0] != u.shape[1] or u.shape[0] & (u.shape[0] - 1) or u.shape[0] < 2:
            raise AlgorithmError(f"unitary must be a 2**n x 2**n matrix, got shape {u.shape}")
        nt = u.shape[0].bit_length() - 1
    c = Circuit(m + nt, name="qpe")
    targets = list(range(m, m + nt))
    if prepare is not None:
        c = c.compose(prepare, targets)
    for q in range(m):
        c.h(q)
    if powers is not None and len(powers) != m:
        raise AlgorithmError(f"powers: give {m} entries U**(2**k), got {len(powers)}")
    up: Any = None
    for k in range(m):
        if powers is not None:
            pk = powers[k]
            if isinstance(pk, Circuit):
                append_controlled(c, pk, k, targets)
            else:
                append_controlled_unitary(c, np.asarray(pk), k, targets, label=f"U^{2**k}")
        elif isinstance(unitary, Circuit):
            append_controlled(c, unitary, k, targets, power=2**k)
        else:
            up = np.asarray(unitary, dtype=complex) if up is None else up @ up
            append_controlled_unitary(c, up, k, targets, label=f"U^{2**k}")
    return c.compose(qft(m, inverse=True, approximation_degree=approximation_degree), list(range(m)))


def phase_estimation(
    unitary: Circuit | np.ndarray,
    n_counting: int,
    *,
    eigenstate: Any = None,
    prepare: Circuit | None = None,
    shots: int | None = None,
    seed: int | np.random.Generator | None = None,
    approximation_degree: int = 0,
    powers: Sequence[Any] | None = None,
) -> PhaseEstimationResult:
    """Quantum phase estimation with ``n_counting`` counting qubits.

    The target register starts in ``eigenstate`` (a state vector), or in ``prepare|0>``, or in
    ``|0>``. The result holds the exact distribution of the counting register (simulated) and,
    with ``shots``, sampled counts; ``phase`` is the most frequent sampled value (the most
    likely exact value without shots).
    """
    from qtilab.sim.statevector import simulate

    c = phase_estimation_circuit(unitary, n_counting, prepare=prepare, approximation_degree=approximation_degree, powers=powers)
    m = int(n_counting)
    init = _target_state(m, c.n_qubits - m, eigenstate)
    res = simulate(c, initial_state=init)
    probs = np.asarray(res.probabilities(list(range(m))))
    counts = None
    if shots is not None:
        check_int(shots, "shots", 1)
        draws = rng_of(seed).choice(2**m, size=int(shots), p=probs / probs.sum())
        vals, cnt = np.unique(draws, return_counts=True)
        counts = {int(v): int(k) for v, k in zip(vals, cnt)}
        best = max(counts, key=lambda v: counts[v])
    else:
        best = int(np.argmax(probs))
    return PhaseEstimationResult(probs, best / 2**m, m, c, counts)


def evolution_matrix(hamiltonian: Observable | Any, time: float, n_qubits: int | None = None) -> np.ndarray:
    """``exp(-i H t)`` as a dense matrix (scipy.linalg.expm of the Pauli sum's matrix)."""
    import scipy.linalg as sla

    from qtilab.algorithms._base import sparse_matrix

    h = as_observable(hamiltonian)
    n = n_qubits_of(h, n_qubits)
    if n > 12:
        raise AlgorithmError(f"dense time evolution is for up to 12 qubits, got {n}; use method='trotter'")
    out: np.ndarray = sla.expm(-1j * float(time) * sparse_matrix(h, n).toarray())
    return out


@dataclass
class EnergyEstimate:
    """Energy from phase estimation of ``exp(-i H t)``.

    ``energy`` is the most likely value; ``resolution`` the spacing ``2 pi / (t 2**m)`` of the
    energy grid; ``energies``/``probabilities`` the whole histogram.
    """

    energy: float
    resolution: float
    energies: np.ndarray
    probabilities: np.ndarray
    qpe: PhaseEstimationResult


def hamiltonian_phase_estimation(
    hamiltonian: Observable | Any,
    n_counting: int,
    *,
    time: float,
    eigenstate: Any = None,
    prepare: Circuit | None = None,
    method: str = "exact",
    trotter_steps: int = 1,
    trotter_order: int = 2,
    shots: int | None = None,
    seed: int | np.random.Generator | None = None,
) -> EnergyEstimate:
    """Phase estimation of ``U = exp(-i H t)`` for a Pauli-sum Hamiltonian ``H``.

    An eigenvalue ``E`` appears as the phase ``phi = -E t / (2 pi) mod 1``; values of ``phi``
    in [1/2, 1) are read as negative energies, so energies in ``(-pi/t, pi/t]`` are resolved
    (choose ``t`` so that the spectrum fits). ``method="exact"`` applies ``exp(-i H t 2**k)``
    as a controlled dense gate (small systems); ``method="trotter"`` controls a Trotter
    circuit (:func:`qtilab.algorithms.hamiltonians.trotter_circuit`) repeated ``2**k`` times.
    """
    h = as_observable(hamiltonian)
    t = float(time)
    if not math.isfinite(t) or t <= 0:
        raise AlgorithmError(f"time must be a positive number, got {time!r}")
    m = check_int(n_counting, "n_counting", 1, 20)
    n = n_qubits_of(h)
    if method == "exact":
        powers: list[Any] = []
        u = evolution_matrix(h, t, n)
        for _ in range(m):
            powers.append(u)
            u = u @ u
        qpe = phase_estimation(u, m, eigenstate=eigenstate, prepare=prepare, shots=shots, seed=seed, powers=powers)
    elif method == "trotter":
        from qtilab.algorithms.hamiltonians import trotter_circuit

        circ = trotter_circuit(h, t, trotter_steps, order=trotter_order, n_qubits=n)
        qpe = phase_estimation(circ, m, eigenstate=eigenstate, prepare=prepare, shots=shots, seed=seed)
    else:
        raise AlgorithmError(f"method must be 'exact' or 'trotter', got {method!r}")
    M = 2**m
    y = np.arange(M)
    phi = np.where(y >= M / 2, y / M - 1.0, y / M)
    energies = -2 * math.pi * phi / t
    probs = qpe.probabilities
    if qpe.counts is not None:
        best = max(qpe.counts, key=lambda v: qpe.counts[v])  # type: ignore[index]
    else:
        best = int(np.argmax(probs))
    return EnergyEstimate(float(energies[best]), 2 * math.pi / (t * M), energies, probs, qpe)


__all__ = [
    "EnergyEstimate",
    "PhaseEstimationResult",
    "evolution_matrix",
    "hamiltonian_phase_estimation",
    "phase_estimation",
    "phase_estimation_circuit",
    "qft",
    "qft_dropped_angle",
]
