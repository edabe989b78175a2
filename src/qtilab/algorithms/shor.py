"""Order finding and Shor's factoring algorithm.

Order finding estimates the phase ``s / r`` of the modular multiplication ``U_a |x> = |a x mod N>``
(``x < N``; basis states ``x >= N`` are left alone) on the eigenstate mixture prepared by ``|1>``,
with ``2 n`` counting qubits for ``n = ceil(log2 N)`` work qubits. The controlled powers
``U_a**(2**k) = U_{a**(2**k) mod N}`` are built as permutation matrices from the classically
computed ``a**(2**k) mod N`` -- the usual "compiled" modular exponentiation of textbook and
simulator demonstrations (Nielsen & Chuang, section 5.3); the quantum part (superposition over
the counting register, phase kick-back and the inverse QFT) is simulated in full. ``r`` is read
off the measured ``y / 2**(2n)`` by continued fractions and checked classically (``a**r = 1
mod N``); Shor's reduction then gives ``gcd(a**(r/2) +- 1, N)``.

Examples
--------
>>> from qtilab.algorithms import shor
>>> sorted(shor(15, seed=3).factors)
[3, 5]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from qtilab.algorithms._base import AlgorithmError, FactoringError, check_int, rng_of
from qtilab.algorithms.fourier import phase_estimation


def _is_prime(n: int) -> bool:
    if n < 2:
        return False
    for p in range(2, math.isqrt(n) + 1):
        if n % p == 0:
            return False
    return True


def _prime_power_base(n: int) -> int | None:
    for k in range(n.bit_length(), 1, -1):  # largest exponent first: the prime base
        b = round(n ** (1.0 / k))
        for c in (b - 1, b, b + 1):
            if c > 1 and c**k == n:
                return int(c)
    return None


def modular_multiplication_matrix(a: int, N: int, n_qubits: int) -> np.ndarray:
    """Permutation matrix of ``|x> -> |a x mod N>`` for ``x < N`` (identity on ``x >= N``)."""
    if math.gcd(a, N) != 1:
        raise AlgorithmError(f"a = {a} is not coprime to N = {N}; the map is not a permutation")
    dim = 2**n_qubits
    image = np.arange(dim)
    x = np.arange(N)
    image[:N] = (a * x) % N
    m = np.zeros((dim, dim), dtype=complex)
    m[image, np.arange(dim)] = 1.0
    return m


def continued_fraction_candidates(y: int, n_counting: int, N: int) -> list[int]:
    """Denominators ``r < N`` of the convergents of ``y / 2**n_counting``."""
    x = Fraction(y, 2**n_counting)
    out: list[int] = []
    # convergents by the continued-fraction expansion
    h0, h1, k0, k1 = 0, 1, 1, 0
    rest = x
    while True:
        a = math.floor(rest)
        h0, h1 = h1, a * h1 + h0
        k0, k1 = k1, a * k1 + k0
        if k1 >= N:
            break
        if k1 not in out and k1 > 0:
            out.append(k1)
        frac = rest - a
        if frac == 0:
            break
        rest = 1 / frac
    return out


@dataclass
class OrderFindingResult:
    """Outcome of quantum order finding.

    ``order`` is the order found (None if no sampled value gave it), ``true_order`` the order
    computed classically for comparison, ``samples`` the measured counting values, and
    ``probabilities`` the exact distribution of the counting register.
    """

    a: int
    N: int
    order: int | None
    true_order: int
    samples: list[int]
    probabilities: np.ndarray
    n_counting: int
    n_qubits: int


def classical_order(a: int, N: int) -> int:
    """The multiplicative order of ``a`` modulo ``N`` by brute force (the reference)."""
    if math.gcd(a, N) != 1:
        raise AlgorithmError(f"a = {a} is not coprime to N = {N}")
    r, x = 1, a % N
    while x != 1:
        x = (x * a) % N
        r += 1
    return r


def find_order(
    a: int,
    N: int,
    *,
    shots: int = 8,
    n_counting: int | None = None,
    seed: int | np.random.Generator | None = None,
) -> OrderFindingResult:
    """Quantum order finding of ``a`` modulo ``N``: simulate the circuit once, sample up to
    ``shots`` counting values, and return the smallest candidate ``r`` with ``a**r = 1 mod N``
    (candidates from each sample's continued fraction, and their small multiples/lcms)."""
    N = check_int(N, "N", 3)
    a = check_int(a, "a", 2, N - 1)
    if math.gcd(a, N) != 1:
        raise AlgorithmError(f"a = {a} shares the factor {math.gcd(a, N)} with N = {N}; choose a coprime a")
    n = max(N - 1, 1).bit_length()
    m = 2 * n if n_counting is None else check_int(n_counting, "n_counting", 1, 24)
    powers = []
    ak = a
    for _ in range(m):
        powers.append(modular_multiplication_matrix(ak, N, n))
        ak = (ak * ak) % N
    one = np.zeros(2**n)
    one[1] = 1.0
    qpe = phase_estimation(np.eye(2**n), m, eigenstate=one, powers=powers)
    probs = qpe.probabilities
    rng = rng_of(seed)
    draws = [int(v) for v in rng.choice(2**m, size=check_int(shots, "shots", 1), p=probs / probs.sum())]
    found: int | None = None
    cands: list[int] = []
    for y in draws:
        if y == 0:
            continue
        for r in continued_fraction_candidates(y, m, N):
            cands.append(r)
        # lcm of candidates recovers r when s/r was not in lowest terms
        for r in list(cands):
            for r2 in list(cands):
                lc = r * r2 // math.gcd(r, r2)
                if lc < N and lc not in cands:
                    cands.append(lc)
        good = [r for r in cands if pow(a, r, N) == 1]
        if good:
            found = min(good)
            break
    return OrderFindingResult(a, N, found, classical_order(a, N), draws, probs, m, m + n)


@dataclass
class ShorResult:
    """Outcome of Shor's algorithm.

    ``factors`` is a pair ``(p, q)`` with ``p * q = N`` (both > 1) or None; ``attempts`` lists,
    per tried base ``a``, the order found and how the factor came out (``"quantum"``, or
    ``"gcd"`` when the random base already shared a factor with N).
    """

    N: int
    factors: tuple[int, int] | None
    attempts: list[dict[str, Any]] = field(default_factory=list)
    order_finding: OrderFindingResult | None = None  # the last quantum run (its distribution)


def check_factorable(N: Any) -> int:
    """``N`` if Shor's algorithm applies to it, else :class:`FactoringError` saying why."""
    if isinstance(N, bool) or not isinstance(N, (int, np.integer)):
        raise FactoringError(f"N must be an integer, got {N!r}")
    N = int(N)
    if N < 15:
        raise FactoringError(f"N = {N} is too small: give an odd composite N >= 15 (not a prime power)")
    if N % 2 == 0:
        raise FactoringError(f"N = {N} is even: 2 is a factor, no quantum algorithm needed")
    if _is_prime(N):
        raise FactoringError(f"N = {N} is prime: it has no non-trivial factors")
    base = _prime_power_base(N)
    if base is not None:
        raise FactoringError(f"N = {N} is a power of {base}: Shor's reduction needs two distinct prime factors")
    if N.bit_length() > 7:
        raise FactoringError(f"N = {N} needs {3 * N.bit_length()} simulated qubits here; up to N = 127 is supported")
    return int(N)


def shor(
    N: int,
    *,
    a: int | None = None,
    max_attempts: int = 10,
    shots: int = 8,
    seed: int | np.random.Generator | None = None,
    allow_gcd_shortcut: bool = False,
) -> ShorResult:
    """Factor an odd composite ``N`` (not a prime power) with quantum order finding.

    Bases ``a`` are drawn at random (or ``a`` is given). A base that shares a factor with ``N``
    is skipped unless ``allow_gcd_shortcut`` (then the factor is returned, marked ``"gcd"``),
    so that by default every factor comes from an order found by the circuit.
    """
    N = check_factorable(N)
    rng = rng_of(seed)
    attempts: list[dict[str, Any]] = []
    last: OrderFindingResult | None = None
    tries = 0
    while tries < check_int(max_attempts, "max_attempts", 1):
        base = int(a) if a is not None else int(rng.integers(2, N - 1))
        g = math.gcd(base, N)
        if g > 1:
            if a is not None and not allow_gcd_shortcut:
                raise AlgorithmError(f"a = {a} shares the factor {g} with N = {N}; choose a coprime a")
            if allow_gcd_shortcut:
                attempts.append({"a": base, "order": None, "method": "gcd"})
                return ShorResult(N, (min(g, N // g), max(g, N // g)), attempts)
            continue
        tries += 1
        of = find_order(base, N, shots=shots, seed=rng)
        rec: dict[str, Any] = {"a": base, "order": of.order, "true_order": of.true_order, "method": "quantum"}
        attempts.append(rec)
        r = of.order
        if r is not None and r % 2 == 0:
            x = pow(base, r // 2, N)
            if x != N - 1:
                for f in (math.gcd(x - 1, N), math.gcd(x + 1, N)):
                    if 1 < f < N:
                        rec["factor"] = f
                        return ShorResult(N, (min(f, N // f), max(f, N // f)), attempts, of)
        rec["failed"] = "order odd or a**(r/2) = -1 mod N" if r is not None else "no order from the samples"
        last = of
        if a is not None:
            break
    return ShorResult(N, None, attempts, last)


__all__ = [
    "OrderFindingResult",
    "ShorResult",
    "check_factorable",
    "classical_order",
    "continued_fraction_candidates",
    "find_order",
    "modular_multiplication_matrix",
    "shor",
]
