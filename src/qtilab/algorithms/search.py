"""Search and oracle algorithms: Grover (known and unknown number of solutions),
Deutsch-Jozsa, Bernstein-Vazirani, Simon, and a quantum-walk search on the hypercube.

Oracles are built from a Boolean function (evaluated on every input: a truth table) or a list
of marked states. A phase oracle ``|x> -> (-1)**f(x) |x>`` is one multi-controlled Z per
marked state (``construction="gates"``) or one diagonal gate (``"diagonal"``, faster to
simulate); a bit oracle ``|x>|y> -> |x>|y xor f(x)>`` is one multi-controlled X per marked
input, with the control state set to the input.

Examples
--------
>>> from qtilab.algorithms import grover
>>> res = grover(5, marked=[19], seed=1)
>>> res.found, res.iterations
(19, 4)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qtilab.algorithms._base import AlgorithmError, OracleError, check_int, rng_of
from qtilab.core.circuit import Circuit, Gate


class Oracle:
    """A Boolean function on ``n_qubits`` bits, held as its truth table.

    Build from ``marked`` (basis-state indices with f = 1) or from ``function`` (called on each
    integer ``0 <= x < 2**n``; truthy means marked).
    """

    def __init__(self, n_qubits: int, marked: Iterable[int] | None = None, function: Callable[[int], Any] | None = None, *, allow_empty: bool = False) -> None:
        n = check_int(n_qubits, "n_qubits", 1, 24)
        if (marked is None) == (function is None):
            raise OracleError("give exactly one of marked= (a list of states) or function= (a Boolean function)")
        table = np.zeros(2**n, dtype=bool)
        if marked is not None:
            for m in marked:
                if isinstance(m, str):
                    m = int(m, 2)
                if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or not 0 <= m < 2**n:
                    raise OracleError(f"marked state {m!r} is not an integer in [0, {2**n - 1}] for {n} qubits")
                table[int(m)] = True
        else:
            assert function is not None
            table[:] = [bool(function(x)) for x in range(2**n)]
        if not allow_empty and not table.any():
            raise OracleError(
                "the oracle marks no state: Grover-type search has nothing to find "
                "(and its unknown-count version would never stop); check the function or marked list"
            )
        self.n_qubits = n
        self.table = table

    @property
    def marked(self) -> list[int]:
        return [int(i) for i in np.flatnonzero(self.table)]

    def __call__(self, x: int) -> bool:
        return bool(self.table[int(x)])

    def phase_circuit(self, construction: str = "gates") -> Circuit:
        """``|x> -> (-1)**f(x)|x>`` on ``n_qubits`` qubits."""
        n = self.n_qubits
        c = Circuit(n, name="oracle")
        if construction == "diagonal":
            d = np.where(self.table, -1.0, 1.0).astype(complex)
            return c.append(Gate("unitary", tuple(range(n)), (), 0, None, np.diag(d), label="Of"))
        if construction != "gates":
            raise AlgorithmError(f"construction must be 'gates' or 'diagonal', got {construction!r}")
        for m in self.marked:
            if n == 1:
                if m == 0:
                    c.x(0).z(0).x(0)
                else:
                    c.z(0)
                continue
            # Z on the top qubit, controlled by the others reading m's bits; X-conjugate the
            # target when m's top bit is 0
            top = n - 1
            cstate = m & ((1 << top) - 1)
            if not (m >> top) & 1:
                c.x(top)
            c.append(Gate("z", (*range(top), top), (), top, cstate))
            if not (m >> top) & 1:
                c.x(top)
        return c

    def bit_circuit(self) -> Circuit:
        """``|x>|y> -> |x>|y xor f(x)>``: inputs on qubits ``0..n-1``, the output bit ``n``."""
        n = self.n_qubits
        c = Circuit(n + 1, name="bit_oracle")
        for x in self.marked:
            c.append(Gate("x", (*range(n), n), (), n, x))
        return c


def diffusion(n_qubits: int) -> Circuit:
    """The Grover diffusion ``2|s><s| - 1`` (up to a global phase -1) on ``n_qubits``."""
    n = n_qubits
    c = Circuit(n, name="diffusion")
    for q in range(n):
        c.h(q).x(q)
    if n == 1:
        c.z(0)
    else:
        c.mcz(list(range(n - 1)), n - 1)
    for q in range(n):
        c.x(q).h(q)
    return c


def optimal_iterations(n_qubits: int, n_marked: int) -> int:
    """``floor(pi / (4 theta))`` with ``sin(theta) = sqrt(M / N)``: the count that maximises the
    success probability ``sin**2((2k + 1) theta)`` (to within one iteration)."""
    N = 2**n_qubits
    if not 0 < n_marked <= N:
        raise OracleError(f"the number of marked states must be in [1, {N}], got {n_marked}")
    theta = math.asin(math.sqrt(n_marked / N))
    return max(0, math.floor(math.pi / (4 * theta)))


def grover_circuit(oracle: Oracle, iterations: int, *, construction: str = "gates") -> Circuit:
    """``H**n`` then ``iterations`` times (oracle, diffusion)."""
    n = oracle.n_qubits
    c = Circuit(n, name="grover")
    for q in range(n):
        c.h(q)
    step = oracle.phase_circuit(construction).compose(diffusion(n))
    for _ in range(check_int(iterations, "iterations", 0)):
        c = c.compose(step)
    return c


@dataclass
class GroverResult:
    """``found``: the most frequent sampled state (or the most likely one without shots);
    ``success_probability``: exact probability of measuring a marked state;
    ``is_marked``: whether ``found`` is marked (checked with the oracle's truth table)."""

    found: int
    is_marked: bool
    iterations: int
    success_probability: float
    probabilities: np.ndarray
    counts: dict[int, int] | None = None
    oracle_calls: int = 0


def _as_oracle(n_qubits: int, marked: Any, function: Any, oracle: Oracle | None) -> Oracle:
    if oracle is not None:
        return oracle
    return Oracle(n_qubits, marked=marked, function=function)


def grover(
    n_qubits: int,
    marked: Iterable[int] | None = None,
    *,
    function: Callable[[int], Any] | None = None,
    oracle: Oracle | None = None,
    iterations: int | None = None,
    shots: int | None = None,
    seed: int | np.random.Generator | None = None,
    construction: str = "gates",
) -> GroverResult:
    """Grover search for a marked state; ``iterations`` defaults to :func:`optimal_iterations`
    for the oracle's number of marked states."""
    from qtilab.sim.statevector import simulate

    orc = _as_oracle(n_qubits, marked, function, oracle)
    k = optimal_iterations(orc.n_qubits, len(orc.marked)) if iterations is None else check_int(iterations, "iterations", 0)
    probs = np.asarray(simulate(grover_circuit(orc, k, construction=construction)).probabilities())
    succ = float(probs[orc.table].sum())
    counts = None
    if shots is not None:
        draws = rng_of(seed).choice(probs.shape[0], size=check_int(shots, "shots", 1), p=probs / probs.sum())
        vals, cnt = np.unique(draws, return_counts=True)
        counts = {int(v): int(c) for v, c in zip(vals, cnt)}
        found = int(vals[np.argmax(cnt)])
    else:
        found = int(np.argmax(probs))
    return GroverResult(found, orc(found), k, succ, probs, counts, k * (shots or 1))


@dataclass
class BBHTResult:
    """Outcome of Grover search with an unknown number of solutions (Boyer et al. 1998)."""

    found: int
    oracle_calls: int
    rounds: list[int] = field(default_factory=list)


def bbht_search(
    n_qubits: int,
    marked: Iterable[int] | None = None,
    *,
    function: Callable[[int], Any] | None = None,
    oracle: Oracle | None = None,
    lam: float = 6 / 5,
    max_rounds: int = 1000,
    seed: int | np.random.Generator | None = None,
) -> BBHTResult:
    """Boyer, Brassard, Hoyer & Tapp (1998), Theorem 3: ``m = 1``; repeat: draw ``j`` uniformly
    in ``[0, m)``, run ``j`` Grover iterations, measure once, check the outcome classically;
    stop on a marked state, else ``m = min(lam m, sqrt(N))``. Expected oracle calls
    ``O(sqrt(N / M))`` without knowing ``M``. Oracle calls count the Grover iterations plus one
    classical check per round."""
    from qtilab.sim.statevector import simulate

    orc = _as_oracle(n_qubits, marked, function, oracle)
    rng = rng_of(seed)
    N = 2**orc.n_qubits
    m = 1.0
    calls = 0
    rounds: list[int] = []
    cache: dict[int, np.ndarray] = {}
    if not 1 < lam < 4 / 3:
        raise AlgorithmError(f"lam must be in (1, 4/3) (the BBHT proof), got {lam}")
    for _ in range(check_int(max_rounds, "max_rounds", 1)):
        j = int(rng.integers(0, max(1, int(math.ceil(m)))))
        if j not in cache:
            cache[j] = np.asarray(simulate(grover_circuit(orc, j)).probabilities())
        p = cache[j]
        x = int(rng.choice(N, p=p / p.sum()))
        calls += j + 1
        rounds.append(j)
        if orc(x):
            return BBHTResult(x, calls, rounds)
        m = min(lam * m, math.sqrt(N))
    raise AlgorithmError(f"BBHT found no marked state in {max_rounds} rounds")


# ---------------------------------------------------------------------------------------------
# Deutsch-Jozsa, Bernstein-Vazirani, Simon
# ---------------------------------------------------------------------------------------------
def _ancilla_minus_circuit(n: int) -> Circuit:
    c = Circuit(n + 1)
    c.x(n).h(n)
    for q in range(n):
        c.h(q)
    return c


@dataclass
class DeutschJozsaResult:
    """``constant``: the circuit's answer (input register reads all zeros with probability 1 for a
    constant function, 0 for a balanced one); ``probability_zero`` the exact probability."""

    constant: bool
    probability_zero: float


def deutsch_jozsa(n_qubits: int, function: Callable[[int], Any]) -> DeutschJozsaResult:
    """Deutsch-Jozsa: is ``f`` constant or balanced? One oracle query.

    Raises :class:`OracleError` if ``f`` is neither (the algorithm's promise)."""
    from qtilab.sim.statevector import simulate

    orc = Oracle(n_qubits, function=function, allow_empty=True)
    k = int(orc.table.sum())
    N = 2**orc.n_qubits
    if k not in (0, N, N // 2):
        raise OracleError(f"f is neither constant nor balanced ({k} of {N} inputs give 1): Deutsch-Jozsa's promise does not hold")
    n = orc.n_qubits
    c = _ancilla_minus_circuit(n).compose(orc.bit_circuit())
    for q in range(n):
        c.h(q)
    p0 = float(simulate(c).probabilities(list(range(n)))[0])
    return DeutschJozsaResult(p0 > 0.5, p0)


def bernstein_vazirani(n_qubits: int, secret: int | None = None, *, function: Callable[[int], Any] | None = None) -> int:
    """Bernstein-Vazirani: recover ``s`` from ``f(x) = s . x mod 2`` with one query.

    With ``secret``, the oracle is the CNOT pattern of ``s``; with ``function``, its truth
    table (checked to be linear; :class:`OracleError` otherwise). Returns the measured ``s``
    (the register's most likely value, which has probability 1)."""
    from qtilab.sim.statevector import simulate

    n = check_int(n_qubits, "n_qubits", 1, 20)
    if (secret is None) == (function is None):
        raise OracleError("give exactly one of secret= or function=")
    c = _ancilla_minus_circuit(n)
    if secret is not None:
        s = check_int(secret, "secret", 0, 2**n - 1)
        for q in range(n):
            if (s >> q) & 1:
                c.cx(q, n)
    else:
        orc = Oracle(n, function=function, allow_empty=True)
        s_guess = sum(int(orc(1 << q)) << q for q in range(n))
        lin = np.array([bin(x & s_guess).count("1") % 2 for x in range(2**n)], dtype=bool)
        if orc(0) or not np.array_equal(lin, orc.table):
            raise OracleError("f is not of the form s . x mod 2: Bernstein-Vazirani's promise does not hold")
        c = c.compose(orc.bit_circuit())
    for q in range(n):
        c.h(q)
    return int(np.argmax(simulate(c).probabilities(list(range(n)))))


def _gf2_nullspace_vector(rows: list[int], n: int) -> int | None:
    """A non-zero ``s`` with ``y . s = 0`` for all ``y`` in ``rows`` when the rows span n - 1
    dimensions, else None (Gaussian elimination over GF(2))."""
    basis: dict[int, int] = {}  # pivot bit -> row
    for y in rows:
        v = y
        for b in sorted(basis, reverse=True):
            if (v >> b) & 1:
                v ^= basis[b]
        if v:
            basis[v.bit_length() - 1] = v
    if len(basis) != n - 1:
        return None
    # reduce to row echelon form and read the free variable
    pivots = sorted(basis)
    for b in pivots:
        for b2 in pivots:
            if b2 != b and (basis[b2] >> b) & 1:
                basis[b2] ^= basis[b]
    free = next(b for b in range(n) if b not in basis)
    s = 1 << free
    for b, row in basis.items():
        if (row >> free) & 1:
            s |= 1 << b
    return s


@dataclass
class SimonResult:
    """``secret``: the period found (0 when ``f`` is one-to-one); ``queries``: oracle calls."""

    secret: int
    queries: int
    samples: list[int]


def simon(n_qubits: int, function: Callable[[int], int], *, seed: int | np.random.Generator | None = None, max_queries: int = 200) -> SimonResult:
    """Simon's algorithm for ``f(x) = f(x xor s)``: sample ``y`` with ``y . s = 0`` until they span
    ``n - 1`` dimensions, solve for ``s`` over GF(2), and check ``f(0) = f(s)``.

    ``f`` maps ``n``-bit integers to ``n``-bit integers. :class:`OracleError` if ``f`` is neither
    one-to-one nor two-to-one with a period (the promise)."""
    from qtilab.sim.statevector import simulate

    n = check_int(n_qubits, "n_qubits", 1, 8)
    N = 2**n
    vals = [int(function(x)) for x in range(N)]
    if any(not 0 <= v < N for v in vals):
        raise OracleError(f"f must map to integers in [0, {N - 1}]")
    # the promise, checked classically (the circuit itself does not need it)
    if len(set(vals)) != N:
        s_true = next((s for s in range(1, N) if all(vals[x] == vals[x ^ s] for x in range(N))), None)
        if s_true is None or len(set(vals)) != N // 2:
            raise OracleError("f is neither one-to-one nor two-to-one with a period s: Simon's promise does not hold")
    c = Circuit(2 * n, name="simon")
    for q in range(n):
        c.h(q)
    for x in range(N):
        for j in range(n):
            if (vals[x] >> j) & 1:
                c.append(Gate("x", (*range(n), n + j), (), n, x))
    for q in range(n):
        c.h(q)
    probs = np.asarray(simulate(c).probabilities(list(range(n))))
    rng = rng_of(seed)
    samples: list[int] = []
    for _ in range(check_int(max_queries, "max_queries", 1)):
        samples.append(int(rng.choice(N, p=probs / probs.sum())))
        s = _gf2_nullspace_vector(samples, n) if n > 1 else 1
        if s is not None:
            return SimonResult(s if vals[0] == vals[s] else 0, len(samples), samples)
        if len(samples) >= 4 * n and _rank(samples) == n:
            return SimonResult(0, len(samples), samples)
    raise AlgorithmError(f"Simon: no answer after {max_queries} queries")


def _rank(rows: list[int]) -> int:
    basis: dict[int, int] = {}
    for y in rows:
        v = y
        for b in sorted(basis, reverse=True):
            if (v >> b) & 1:
                v ^= basis[b]
        if v:
            basis[v.bit_length() - 1] = v
    return len(basis)


# ---------------------------------------------------------------------------------------------
# quantum-walk search on the hypercube (Shenvi, Kempe & Whaley 2003)
# ---------------------------------------------------------------------------------------------
@dataclass
class WalkSearchResult:
    """``found``: the most likely vertex after ``steps``; ``success_probability``: exact
    probability of the marked vertex; ``history``: that probability after each step."""

    found: int
    steps: int
    success_probability: float
    history: np.ndarray


def hypercube_walk_circuit(dimension: int, marked: int, steps: int) -> tuple[Circuit, int]:
    """The coined walk on the ``dimension``-cube: vertex qubits ``0..d-1``, coin qubits above
    (``ceil(log2 d)`` of them, coin values ``>= d`` unused). One step: the Grover coin
    ``2|s_c><s_c| - 1`` on unmarked vertices and ``-1`` on the marked one, then the shift
    ``|c, x> -> |c, x xor 2**c>``. Returns ``(circuit, number of coin qubits)``; the initial
    state (uniform over vertices and valid coin values) is prepared by the circuit."""
    d = check_int(dimension, "dimension", 2, 16)
    mk = check_int(marked, "marked", 0, 2**d - 1)
    nc = max(1, (d - 1).bit_length())
    n = d + nc
    coin_q = list(range(d, n))
    c = Circuit(n, name="hypercube_walk")
    # initial state: uniform over vertices, uniform over the d valid coin values
    for q in range(d):
        c.h(q)
    sc = np.zeros(2**nc, dtype=complex)
    sc[:d] = 1 / math.sqrt(d)
    prep = np.zeros((2**nc, 2**nc), dtype=complex)
    # any unitary whose first column is s_c (Householder reflection from e_0)
    e0 = np.zeros(2**nc, dtype=complex)
    e0[0] = 1
    v = e0 - sc
    prep = np.eye(2**nc) - 2 * np.outer(v, v.conj()) / np.vdot(v, v).real if np.linalg.norm(v) > 1e-12 else np.eye(2**nc)
    c.unitary(prep, coin_q, label="S_c")
    grover_coin = np.eye(2**nc, dtype=complex)
    grover_coin[:d, :d] = 2 * np.outer(sc[:d], sc[:d].conj()) - np.eye(d)
    minus = np.eye(2**nc, dtype=complex)
    minus[:d, :d] = -np.eye(d)
    fix = minus @ grover_coin.conj().T  # turns the Grover coin into -1 on the marked vertex
    for _ in range(check_int(steps, "steps", 0)):
        c.unitary(grover_coin, coin_q, label="C")
        c.append(Gate("unitary", (*range(d), *coin_q), (), d, mk, fix, label="C1C0^-1"))
        for j in range(d):
            c.append(Gate("x", (*coin_q, j), (), nc, j))
    return c, nc


def hypercube_walk_search(dimension: int, marked: int, steps: int | None = None) -> WalkSearchResult:
    """Search the ``dimension``-cube for ``marked`` with the SKW walk.

    ``steps`` defaults to ``round(pi / (2 omega))`` with ``omega = 1 / sqrt(2**(d - 1))``, the
    leading-order eigenphase of the perturbed walk in Shenvi, Kempe & Whaley (2003), where the
    marked vertex is found with probability ``1/2 - O(1/d)``."""
    from qtilab.sim.statevector import simulate

    d = check_int(dimension, "dimension", 2, 16)
    T = round(math.pi / 2 * math.sqrt(2 ** (d - 1))) if steps is None else check_int(steps, "steps", 0)
    c0, nc = hypercube_walk_circuit(d, marked, 0)
    step_c, _ = hypercube_walk_circuit(d, marked, 1)
    step = Circuit(c0.n_qubits)
    for g in list(step_c)[len(c0):]:
        step.append(g)
    def vertex_probs(psi: np.ndarray) -> np.ndarray:
        # index = coin * 2**d + vertex: sum the coin axis
        out: np.ndarray = (np.abs(psi) ** 2).reshape(2**nc, 2**d).sum(axis=0)
        return out

    state = simulate(c0).statevector
    hist = []
    for _ in range(T):
        state = simulate(step, initial_state=state).statevector
        hist.append(float(vertex_probs(state)[marked]))
    pv = vertex_probs(state)
    return WalkSearchResult(int(np.argmax(pv)), T, float(pv[marked]), np.array(hist))


__all__ = [
    "BBHTResult",
    "DeutschJozsaResult",
    "GroverResult",
    "Oracle",
    "SimonResult",
    "WalkSearchResult",
    "bbht_search",
    "bernstein_vazirani",
    "deutsch_jozsa",
    "diffusion",
    "grover",
    "grover_circuit",
    "hypercube_walk_circuit",
    "hypercube_walk_search",
    "optimal_iterations",
    "simon",
]
