"""The quantum perceptron of Tacchino, Macchiavello, Gerace and Bajoni (npj Quantum Inf. 5, 26
(2019), arXiv:1811.02266), and its phase-encoded, continuous-valued extension (Mangini,
Tacchino, Gerace, Macchiavello and Bajoni, Mach. Learn.: Sci. Technol. 2, 045008 (2021),
arXiv:2007.14288).

The model
---------
An input ``i`` and a weight vector ``w`` in {-1, +1}^m with m = 2^N are stored in N qubits as
the real equally weighted states

    |psi_i> = m^(-1/2) sum_j i_j |j>,        |psi_w> = m^(-1/2) sum_j w_j |j>,

where ``j`` is the basis-state index (qubit ``q`` is bit ``q`` of ``j``, as everywhere in
qtilab; for a 4 x 4 image pixel (row r, column c) is entry ``j = 4 r + c``). The circuit is

    H^N  ->  U_i (sign flips of i)  ->  U_w (sign flips of w, again)  ->  H^N  ->  X^N
         ->  multi-controlled NOT from the N qubits onto an ancilla (qubit N),

so the amplitude of |1...1> on the N qubits before the multi-controlled NOT is
<psi_w|psi_i> = i.w / m, and the ancilla reads 1 with probability ``(i . w / m)^2``: the
perceptron's activation. The neuron fires when the activation exceeds a threshold.

Two ways to write the sign flips (both from the paper), as gates:

* ``method="sign_flip"``: one *sign-flip block* per entry j with i_j = -1: X on the qubits
  whose bit of j is 0, a multi-controlled Z on all N qubits (a Z for N = 1), X again. It flips
  the sign of |j> only; up to 2^N blocks.
* ``method="hypergraph"``: the hypergraph-state construction. Walk the basis states by the
  number k of ones (k = 1..N); when the sign of |j> differs from the target's, apply a
  C^(k-1)Z on the qubits that are 1 in j (a Z when k = 1), which flips every state whose ones
  include j's. The gates are the hyperedges of the hypergraph state; the target's overall
  sign is fixed by i_0 (a global phase, invisible in the activation).

Batches: inputs of shape (B, m) run as one batched simulation. Each gate that some member needs
becomes a multi-controlled phase P(lambda) with lambda = pi for the members that need it and 0
for the others -- the same circuit structure, one parameter value per member (DESIGN.md).

Phase encoding (Mangini et al.): angles theta in R^m give
|psi_theta> = m^(-1/2) sum_j exp(i theta_j) |j>, with weights phi the same way, and the
activation |sum_j exp(i (theta_j - phi_j))|^2 / m^2. The diagonal exp(i theta_j) is written as
multi-controlled phase gates P(a_S) on each subset S of qubits, with a_S the Moebius transform of
theta over subsets (a_S = sum over T subset of S of (-1)^{|S|-|T|} theta_T); for theta in
{0, pi} it reduces to the hypergraph construction modulo 2 pi.

Examples
--------
>>> import numpy as np
>>> from qtilab.qml.perceptron import activation
>>> i = np.array([1, -1, 1, 1]); w = np.array([1, -1, -1, 1])
>>> round(float(activation(i, w)), 12)      # (i.w / 4)^2 = (2/4)^2
0.25
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qtilab.core.circuit import Circuit
from qtilab.errors import ConfigError, DataError

METHODS = ("hypergraph", "sign_flip")

#: the most qubits of a perceptron input register: 2^20 binary weights, a 2^21 x (batch) state;
#: a larger N is refused before any array of size 2^N is made
MAX_QUBITS = 20


# -- input checks ---------------------------------------------------------------------------------
def _n_of(m: int, what: str) -> int:
    n = int(m).bit_length() - 1
    if m < 2 or (1 << n) != m:
        raise DataError(f"{what} has {m} entries; it must have m = 2^N entries (N >= 1), e.g. 4, 16 or 64")
    return n


def check_n_qubits(n_qubits: int, batch: int = 1, max_memory: int | None = None) -> int:
    """Check that an N-qubit perceptron (N + 1 qubits with the ancilla) fits in memory.

    Raises :class:`ConfigError` for N < 1 or N > :data:`MAX_QUBITS`, and
    :class:`SimulationError` when the (batch of) state vectors would not fit.
    """
    from qtilab.sim.statevector import check_memory

    if isinstance(n_qubits, bool) or not isinstance(n_qubits, (int, np.integer)) or n_qubits < 1:
        raise ConfigError(f"the perceptron needs N >= 1 qubits (m = 2^N inputs), got {n_qubits!r}")
    if n_qubits > MAX_QUBITS:
        raise ConfigError(
            f"N = {n_qubits} qubits means 2^{n_qubits} binary inputs and up to 2^{n_qubits} gates; "
            f"this implementation allows N <= {MAX_QUBITS}"
        )
    # the state batch, plus its probabilities and the fused program's diagonals
    check_memory(int(n_qubits) + 1, batch, np.complex128, max_memory, copies=2.0)
    return int(n_qubits)


def check_binary(x: Any, what: str = "inputs") -> np.ndarray:
    """``x`` as an int8 array of shape (m,) or (B, m) with entries in {-1, +1}; else DataError."""
    arr = np.asarray(x)
    if arr.ndim not in (1, 2) or arr.shape[-1] < 2:
        raise DataError(f"{what} must have shape (m,) or (B, m) with m = 2^N, got shape {arr.shape}")
    if arr.dtype.kind not in "biuf" or not np.all(np.isin(arr, (-1, 1))):
        bad = arr.ravel()[~np.isin(arr.ravel(), (-1, 1))][:4] if arr.dtype.kind in "biuf" else arr.ravel()[:4]
        raise DataError(
            f"{what} must contain only -1 and +1 (found e.g. {list(bad)}); map 0/1 pixels with 2*x - 1, "
            "or use phase_activation for continuous values"
        )
    _n_of(arr.shape[-1], what)
    return arr.astype(np.int8)


def _check_real(x: Any, what: str) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    if arr.ndim not in (1, 2):
        raise DataError(f"{what} must have shape (m,) or (B, m), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise DataError(f"{what} has NaN or infinite values")
    _n_of(arr.shape[-1], what)
    return arr


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ConfigError(f"method must be one of {METHODS}, got {method!r}")


# -- the two constructions of the sign flips ------------------------------------------------------
def sign_flip_blocks(pattern: Any) -> list[int]:
    """The basis states j whose sign a sign-flip block must flip: those with ``pattern[j] == -1``."""
    p = check_binary(pattern, "pattern")
    if p.ndim != 1:
        raise DataError("sign_flip_blocks takes one pattern of shape (m,)")
    return [int(j) for j in np.flatnonzero(p == -1)]


def hypergraph_edges(pattern: Any) -> list[tuple[int, ...]]:
    """The hyperedges (qubit tuples) of the hypergraph state equal to ``pattern`` up to its sign.

    The paper's procedure: normalise the pattern so that entry 0 is +1 (a global phase); then for
    k = 1..N, for each basis state j with k ones (in increasing j), if its current sign differs
    from the target's, add the edge {qubits that are 1 in j} -- a C^(k-1)Z -- and flip the
    current sign of every state whose ones include j's.
    """
    p = check_binary(pattern, "pattern")
    if p.ndim != 1:
        raise DataError("hypergraph_edges takes one pattern of shape (m,)")
    m = p.shape[0]
    n = _n_of(m, "pattern")
    target = p.astype(np.int64) * int(p[0])
    current = np.ones(m, dtype=np.int64)
    idx = np.arange(m)
    pop = np.array([bin(j).count("1") for j in range(m)])
    edges: list[tuple[int, ...]] = []
    for k in range(1, n + 1):
        for j in np.flatnonzero(pop == k):
            if current[j] != target[j]:
                edges.append(tuple(q for q in range(n) if (j >> q) & 1))
                current[(idx & j) == j] *= -1
    return edges


def hypergraph_coefficients(patterns: Any) -> np.ndarray:
    """The hyperedges of many patterns at once, shape (B, m) of 0/1: entry S is 1 when the
    hypergraph state of that pattern has the edge on the qubits of bitmask S.

    The sign pattern (normalised so entry 0 is +1) is (-1)^f with f(j) = XOR over S subset of
    ones(j) of c_S -- the algebraic normal form of f, computed by the binary Moebius transform.
    The representation is unique, so it equals the edges :func:`hypergraph_edges` finds one by
    one (a test checks this).
    """
    p = check_binary(patterns, "patterns")
    pats = p[None] if p.ndim == 1 else p
    m = pats.shape[-1]
    n = _n_of(m, "patterns")
    c = ((pats * pats[:, :1]) == -1).astype(np.uint8)
    for q in range(n):
        v = c.reshape(c.shape[0], m >> (q + 1), 2, 1 << q)
        v[:, :, 1, :] ^= v[:, :, 0, :]
    out: np.ndarray = c if p.ndim == 2 else c[0]
    return out


def moebius_phases(theta: Any) -> np.ndarray:
    """The subset (Moebius) transform of phases: a_S = sum_{T subset S} (-1)^{|S|-|T|} theta_T.

    ``theta`` has shape (..., 2^N); so does the result, indexed by the bitmask S. Then
    exp(i theta_j) = prod over S subset of ones(j) of exp(i a_S): a multi-controlled phase
    P(a_S) on the qubits of S for every S (S = 0 is a global phase).
    """
    a = np.array(theta, dtype=float, copy=True)
    m = a.shape[-1]
    n = _n_of(m, "theta")
    lead = a.shape[:-1]
    for q in range(n):
        v = a.reshape(*lead, m >> (q + 1), 2, 1 << q)
        v[..., 1, :] -= v[..., 0, :]
    return a


# -- circuits -----------------------------------------------------------------------------------
def _phase_on(c: Circuit, qubits: Sequence[int], lam: Any) -> None:
    """A phase ``lam`` (number or (B,) array) on the states where all ``qubits`` are 1."""
    qs = list(qubits)
    if len(qs) == 1:
        c.p(lam, qs[0])
    else:
        c.controlled("p", qs[:-1], [qs[-1]], [lam])


def _z_on(c: Circuit, qubits: Sequence[int]) -> None:
    qs = list(qubits)
    if len(qs) == 1:
        c.z(qs[0])
    else:
        c.mcz(qs[:-1], qs[-1])


def _sign_flips(c: Circuit, patterns: np.ndarray, n: int, method: str) -> None:
    """Append the diagonal sign flips of ``patterns`` ((m,) or (B, m)) on qubits 0..n-1."""
    single = patterns.ndim == 1
    pats = patterns[None] if single else patterns
    if method == "sign_flip":
        need = pats == -1  # (B, m): member b needs block j
        for j in np.flatnonzero(need.any(axis=0)):
            zeros = [q for q in range(n) if not (j >> q) & 1]
            for q in zeros:
                c.x(q)
            if single or need[:, j].all():
                _z_on(c, range(n))
            else:
                _phase_on(c, range(n), np.pi * need[:, j])
            for q in zeros:
                c.x(q)
        return
    if single:  # the paper's procedure, gate by gate
        for e in hypergraph_edges(pats[0]):
            _z_on(c, e)
        return
    # a batch: the same hyperedges from the algebraic normal form (vectorised over members)
    coef = hypergraph_coefficients(pats)
    for s in np.flatnonzero(coef.any(axis=0)):
        qs = [q for q in range(n) if (s >> q) & 1]
        if coef[:, s].all():
            _z_on(c, qs)
        else:
            _phase_on(c, qs, np.pi * coef[:, s].astype(float))


def encoding_circuit(pattern: Any, method: str = "hypergraph") -> Circuit:
    """N qubits: H on each, then the sign flips of ``pattern`` (shape (m,) or (B, m)).

    The state is m^(-1/2) sum_j pattern_j |j> (``sign_flip``), or that times pattern_0
    (``hypergraph``, which fixes the sign of |0...0> to +1).
    """
    _check_method(method)
    p = check_binary(pattern, "pattern")
    n = _n_of(p.shape[-1], "pattern")
    c = Circuit(n, name=f"{method}-encoding")
    for q in range(n):
        c.h(q)
    _sign_flips(c, p, n, method)
    return c


def _readout(c: Circuit, n: int) -> None:
    for q in range(n):
        c.h(q)
        c.x(q)
    if n == 1:
        c.cx(0, 1)
    else:
        c.mcx(list(range(n)), n)


def perceptron_circuit(inputs: Any, weights: Any, method: str = "hypergraph") -> Circuit:
    """The N + 1 qubit perceptron circuit; qubit N (the ancilla) reads 1 with the activation.

    ``inputs`` (m,) or (B, m) and ``weights`` (m,), entries in {-1, +1}, m = 2^N.
    """
    _check_method(method)
    x = check_binary(inputs, "inputs")
    w = check_binary(weights, "weights")
    if w.ndim != 1:
        raise DataError(f"weights must have shape (m,), got {w.shape}")
    if x.shape[-1] != w.shape[0]:
        raise DataError(f"inputs have {x.shape[-1]} entries but weights have {w.shape[0]}; they must match")
    n = _n_of(w.shape[0], "weights")
    check_n_qubits(n, 1 if x.ndim == 1 else x.shape[0])
    c = Circuit(n + 1, name=f"perceptron-{method}-{n}")
    for q in range(n):
        c.h(q)
    _sign_flips(c, x, n, method)
    _sign_flips(c, w, n, method)  # U_w's sign flips: diagonal +-1, their own inverse
    _readout(c, n)
    return c


def phase_perceptron_circuit(theta: Any, phi: Any) -> Circuit:
    """The phase-encoded perceptron (Mangini et al.): inputs ``theta`` (m,) or (B, m) and
    weights ``phi`` (m,) in radians; the ancilla reads 1 with |sum_j e^{i(theta_j-phi_j)}|^2/m^2.
    """
    th = _check_real(theta, "theta")
    ph = _check_real(phi, "phi")
    if ph.ndim != 1:
        raise DataError(f"phi must have shape (m,), got {ph.shape}")
    if th.shape[-1] != ph.shape[0]:
        raise DataError(f"theta has {th.shape[-1]} entries but phi has {ph.shape[0]}; they must match")
    n = _n_of(ph.shape[0], "phi")
    check_n_qubits(n, 1 if th.ndim == 1 else th.shape[0])
    a = moebius_phases(th)
    b = -moebius_phases(ph)  # U_phi^dagger
    c = Circuit(n + 1, name=f"phase-perceptron-{n}")
    for q in range(n):
        c.h(q)
    for coef in (a, b):
        for s in range(1, 1 << n):
            lam = coef[..., s]
            if np.all(np.abs(lam) < 1e-15):
                continue
            _phase_on(c, [q for q in range(n) if (s >> q) & 1], lam if lam.ndim else float(lam))
    _readout(c, n)
    return c


# -- evaluation ---------------------------------------------------------------------------------
def _ancilla_one(c: Circuit, batched: bool, shots: int | None, seed: int | np.random.Generator | None,
                 noise: Any) -> Any:
    from qtilab.sim.statevector import simulate

    n = c.n_qubits - 1
    if noise is not None:
        from qtilab.sim.engine import simulate as simulate_with

        # the density-matrix engine; the ancilla's reported outcome includes readout errors
        dm = simulate_with(c, noise=noise, method="density_matrix")
        p1 = np.asarray(dm.readout_probabilities([n]))[..., 1]
        return _finish(p1, batched, shots, seed)
    states = simulate(c).states
    # the ancilla is the highest qubit: its |1> half is the upper half of each state. (Summed
    # here with numpy: Result.probabilities' kernel starts one parallel loop per batch member,
    # which is slow for many small states on a busy machine.)
    hi = states[:, 1 << n :]
    p1 = np.einsum("bi,bi->b", hi.real, hi.real) + np.einsum("bi,bi->b", hi.imag, hi.imag)
    return _finish(p1, batched, shots, seed)


def _finish(p1: Any, batched: bool, shots: int | None, seed: int | np.random.Generator | None) -> Any:
    p1 = np.asarray(p1, dtype=float).reshape(-1)
    if shots is not None:
        if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 1:
            raise ConfigError(f"shots must be a positive integer, got {shots!r}")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        p1 = rng.binomial(int(shots), np.clip(p1, 0.0, 1.0)) / int(shots)
    if batched:
        return np.asarray(p1, dtype=float)
    return float(np.asarray(p1).reshape(-1)[0])


def activation(
    inputs: Any,
    weights: Any,
    *,
    method: str = "hypergraph",
    shots: int | None = None,
    seed: int | np.random.Generator | None = None,
    noise: Any = None,
) -> Any:
    """The perceptron's activation for ``inputs`` (m,) or (B, m) and ``weights`` (m,).

    Exact (the ancilla's probability from the state vector) when ``shots`` is None; otherwise the
    fraction of ``shots`` measurements of the ancilla that read 1. A float for one input, (B,)
    for a batch. With ``noise`` (a :class:`qtilab.sim.noise.NoiseModel`) the circuit runs on the
    density-matrix engine and the ancilla's reported outcome includes the model's readout error.

    Raises
    ------
    DataError: entries not in {-1, +1}, lengths that are not a power of two or do not match.
    ConfigError / SimulationError: N beyond :data:`MAX_QUBITS` or beyond the memory.
    """
    x = check_binary(inputs, "inputs")
    c = perceptron_circuit(x, weights, method)
    return _ancilla_one(c, x.ndim == 2, shots, seed, noise)


def phase_activation(
    theta: Any,
    phi: Any,
    *,
    shots: int | None = None,
    seed: int | np.random.Generator | None = None,
    noise: Any = None,
) -> Any:
    """The phase-encoded perceptron's activation |sum_j e^{i(theta_j - phi_j)}|^2 / m^2
    (exact, from ``shots``, or under ``noise`` as for :func:`activation`)."""
    th = _check_real(theta, "theta")
    c = phase_perceptron_circuit(th, phi)
    return _ancilla_one(c, th.ndim == 2, shots, seed, noise)


def closed_form(inputs: Any, weights: Any) -> Any:
    """(i . w / m)^2 computed classically: the reference the circuit must reproduce."""
    x = np.asarray(inputs, dtype=float)
    w = np.asarray(weights, dtype=float)
    return (x @ w / w.shape[-1]) ** 2


@dataclass
class QuantumPerceptron:
    """A binary quantum perceptron with fixed weights.

    ``predict`` fires (1) when the activation (i . w / m)^2 exceeds ``threshold``.
    """

    weights: Any
    threshold: float = 0.5
    method: str = "hypergraph"

    def __post_init__(self) -> None:
        w = check_binary(self.weights, "weights")
        if w.ndim != 1:
            raise DataError(f"weights must have shape (m,), got {w.shape}")
        self.weights = w
        _check_method(self.method)
        if not 0.0 < float(self.threshold) < 1.0:
            raise ConfigError(f"threshold must lie strictly between 0 and 1, got {self.threshold}")

    @property
    def n_qubits(self) -> int:
        return _n_of(len(self.weights), "weights")

    def activation(self, inputs: Any, shots: int | None = None, seed: int | None = None) -> Any:
        return activation(inputs, self.weights, method=self.method, shots=shots, seed=seed)

    def predict(self, inputs: Any, shots: int | None = None, seed: int | None = None) -> Any:
        a = self.activation(inputs, shots=shots, seed=seed)
        return (np.asarray(a) > self.threshold).astype(np.int8) if np.ndim(a) else int(a > self.threshold)


# -- patterns and the training study -------------------------------------------------------------
def all_patterns(n_qubits: int) -> np.ndarray:
    """Every pattern of {-1, +1}^(2^N), shape (2^(2^N), 2^N); row k has entry j = -1 when bit j of k is 1."""
    if n_qubits > 4:
        raise ConfigError(f"all_patterns enumerates 2^(2^N) patterns; N = {n_qubits} is too many (N <= 4)")
    m = 1 << n_qubits
    k = np.arange(1 << m)[:, None]
    return (1 - 2 * ((k >> np.arange(m)) & 1)).astype(np.int8)


def image_pattern(rows: Sequence[int] = (), cols: Sequence[int] = (), side: int = 4) -> np.ndarray:
    """A side x side image as a pattern: +1 background, -1 on the given rows and columns.

    Pixel (r, c) is entry 4 r + c (for side 4).
    """
    img = np.ones((side, side), dtype=np.int8)
    for r in rows:
        img[r, :] = -1
    for c in cols:
        img[:, c] = -1
    return img.reshape(-1)


@dataclass
class PerceptronTrainingConfig:
    """The hybrid training of the paper's N = 4 perceptron on 4 x 4 binary images.

    Task: the positive class is every 4 x 4 pattern whose activation against the *target* image
    (a cross: row ``target_row`` and column ``target_col`` dark) exceeds ``threshold`` -- the
    cross itself, the patterns within ``2`` flipped pixels of it, and their negatives (the
    perceptron cannot tell i from -i). With ``threshold = 0.5`` that is 274 of the 2^16 patterns;
    the task is exactly learnable by one perceptron, whose weights should become the cross.

    Training set: ``n_positive`` positives and ``n_negative`` negatives drawn without
    replacement from all 2^16 patterns (seeded), shuffled once per epoch; training stops after
    ``epochs`` epochs or after the first epoch without an update.

    Rule (the paper's modified perceptron rule): for each example in turn, evaluate the quantum
    perceptron with the current weights; a positive that does not fire -> flip a fraction
    ``lr_pos`` (rounded up) of the weights where w_j != i_j, chosen at random (w moves towards
    i); a negative that fires -> flip a fraction ``lr_neg`` of the weights where w_j == i_j
    (w moves away from i). Initial weights: uniformly random.
    """

    n_qubits: int = 4
    threshold: float = 0.5
    lr_pos: float = 0.5
    lr_neg: float = 0.5
    epochs: int = 10
    n_positive: int = 50
    n_negative: int = 1000
    target_row: int = 1
    target_col: int = 1
    method: str = "hypergraph"
    seed: int = 0
    progress: bool = False


@dataclass
class PerceptronTrainingResult:
    config: PerceptronTrainingConfig
    target: np.ndarray
    initial_weights: np.ndarray
    weights: np.ndarray
    #: after every update and at the end of every epoch: the examples seen (step), the updates so
    #: far, the accuracy on the training set and on all 2^16 patterns, the fraction of all
    #: positive patterns that fire (recall), and |w . target| / m
    curve: list[dict[str, float]] = field(default_factory=list)
    updates: int = 0
    circuit_evaluations: int = 0
    #: the final weights scored by the circuit on all 2^16 patterns, and its largest deviation
    #: from the closed form there
    final_accuracy_circuit: float = float("nan")
    max_abs_circuit_error: float = float("nan")


def _labels(patterns: np.ndarray, target: np.ndarray, threshold: float) -> np.ndarray:
    return np.asarray(closed_form(patterns, target) > threshold, dtype=np.int8)


def train_perceptron(config: PerceptronTrainingConfig) -> PerceptronTrainingResult:
    """Run the hybrid training (see :class:`PerceptronTrainingConfig`); the activations come from
    the quantum circuit (exact state vector), batched: within an epoch the not-yet-visited examples
    are evaluated together with the current weights, up to the first misclassified one, whose
    update is applied before the rest is evaluated again -- the same result as one example at a
    time, with one simulation per update instead of one per example.
    """
    cfg = config
    if cfg.n_qubits != 4:
        raise ConfigError(f"the training study uses 4 x 4 images (n_qubits = 4), got {cfg.n_qubits}")
    for name in ("lr_pos", "lr_neg"):
        v = getattr(cfg, name)
        if not 0.0 < v <= 1.0:
            raise ConfigError(f"{name} must be in (0, 1], got {v}")
    if not 0.0 < cfg.threshold < 1.0:
        raise ConfigError(f"threshold must lie strictly between 0 and 1, got {cfg.threshold}")
    if cfg.epochs < 1:
        raise ConfigError(f"epochs must be at least 1, got {cfg.epochs}")
    _check_method(cfg.method)
    rng = np.random.default_rng(cfg.seed)
    pats = all_patterns(4)
    target = image_pattern([cfg.target_row], [cfg.target_col])
    y_all = _labels(pats, target, cfg.threshold)
    pos, neg = np.flatnonzero(y_all == 1), np.flatnonzero(y_all == 0)
    if not (1 <= cfg.n_positive <= len(pos)) or not (1 <= cfg.n_negative <= len(neg)):
        raise ConfigError(f"n_positive must be in 1..{len(pos)} and n_negative in 1..{len(neg)}")
    train_idx = np.concatenate([rng.choice(pos, cfg.n_positive, replace=False),
                                rng.choice(neg, cfg.n_negative, replace=False)])
    w = rng.choice(np.array([-1, 1], dtype=np.int8), size=16)
    w0 = w.copy()
    res = PerceptronTrainingResult(cfg, target, w0, w)

    def record(step: int, epoch: int) -> None:
        # the curve uses the closed form (i.w/m)^2, which the circuit reproduces to 1e-12 (tested),
        # so that 2^16 patterns can be scored after every update; the final weights are scored
        # with the circuit below
        pred = (closed_form(pats, w) > cfg.threshold).astype(np.int8)
        res.curve.append({
            "step": step, "epoch": epoch, "updates": res.updates,
            "train_accuracy": float(np.mean(pred[train_idx] == y_all[train_idx])),
            "accuracy_all": float(np.mean(pred == y_all)),
            "recall_all": float(np.mean(pred[y_all == 1] == 1)),
            "overlap_with_target": float(abs(int(w.astype(int) @ target.astype(int))) / 16),
        })

    record(0, 0)
    bar = _progress(cfg.epochs, cfg.progress)
    step = 0
    for epoch in range(1, cfg.epochs + 1):
        order = rng.permutation(train_idx)
        before = res.updates
        start = 0
        while start < len(order):
            batch = pats[order[start:]]
            a = np.atleast_1d(activation(batch, w, method=cfg.method))
            res.circuit_evaluations += len(batch)
            wrong = np.flatnonzero((a > cfg.threshold).astype(np.int8) != y_all[order[start:]])
            if len(wrong) == 0:
                break
            k = start + int(wrong[0])
            x = pats[order[k]]
            if y_all[order[k]] == 1:  # false negative: towards x
                cand, lr = np.flatnonzero(w != x), cfg.lr_pos
            else:  # false positive: away from x
                cand, lr = np.flatnonzero(w == x), cfg.lr_neg
            flip = rng.choice(cand, size=int(math.ceil(lr * len(cand))), replace=False)
            w[flip] *= -1
            res.updates += 1
            start = k + 1
            record(step + start, epoch)
        step += len(order)
        record(step, epoch)
        bar(1)
        if res.updates == before:  # an epoch without a mistake: converged
            break
    bar(0, close=True)
    res.weights = w
    a_all = activation(pats, w, method=cfg.method)
    res.circuit_evaluations += len(pats)
    res.final_accuracy_circuit = float(np.mean((a_all > cfg.threshold).astype(np.int8) == y_all))
    res.max_abs_circuit_error = float(np.max(np.abs(a_all - closed_form(pats, w))))
    return res


def _progress(total: int, enabled: bool) -> Callable[..., None]:
    import sys

    if not enabled or not sys.stderr.isatty():
        return lambda k, close=False: None
    from tqdm import tqdm

    t = tqdm(total=total, desc="perceptron epochs", file=sys.stderr)

    def step(k: int, close: bool = False) -> None:
        t.update(k)
        if close:
            t.close()

    return step


__all__ = [
    "METHODS", "MAX_QUBITS", "QuantumPerceptron", "PerceptronTrainingConfig", "PerceptronTrainingResult",
    "activation", "all_patterns", "check_binary", "check_n_qubits", "closed_form", "encoding_circuit",
    "hypergraph_coefficients", "hypergraph_edges", "image_pattern", "moebius_phases", "perceptron_circuit", "phase_activation",
    "phase_perceptron_circuit", "sign_flip_blocks", "train_perceptron",
]
