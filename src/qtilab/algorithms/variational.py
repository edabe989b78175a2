"""Variational algorithms: VQE and QAOA for MaxCut.

VQE minimises ``<psi(theta)|H|psi(theta)>`` over an ansatz (a :class:`Circuit` with symbolic
parameters, or a name from :mod:`qtilab.qml.ansatz`). Exact runs use the engine's adjoint
gradient (:func:`qtilab.sim.gradients.adjoint_jacobian`: one forward and one backward sweep
for all parameters) with a SciPy optimiser; shot-based runs use SPSA (Spall 1998) on energies
estimated from ``shots`` measurements per Pauli term (each term's +-1 outcomes drawn from the
exact distribution: ``P(+1) = (1 + <P>) / 2``).

QAOA for (weighted) MaxCut maximises ``<C>`` with ``C = sum_(ij) w_ij (1 - Z_i Z_j) / 2``,
``|gamma, beta> = prod_l exp(-i beta_l B) exp(-i gamma_l C) |+>**n`` and ``B = sum X_i``.
Options: a warm start (Egger, Marecek & Woerner, Quantum 5, 479 (2021)): the initial state
``prod RY(theta_i)|0>`` with ``theta_i = 2 arcsin(sqrt(c_i))`` from a regularised classical cut
``c_i in {eps, 1 - eps}`` and the matching mixer ``RY(theta_i) RZ(-2 beta) RY(-theta_i)``;
and parameter transfer from depth ``p`` to ``p + 1`` by INTERP (Zhou et al., PRX 10, 021067
(2020)). Brute force (:func:`brute_force_maxcut`) gives the exact optimum up to 22 nodes.

Examples
--------
>>> from qtilab.algorithms import vqe, tfim
>>> res = vqe(tfim(3, J=1.0, h=0.5), "real_amplitudes", layers=2, seed=1)
>>> abs(res.energy - res.exact_energy) < 1e-6
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qtilab.algorithms._base import (
    AlgorithmError,
    GraphError,
    as_observable,
    check_int,
    ground_state,
    n_qubits_of,
    rng_of,
)
from qtilab.core.circuit import Circuit
from qtilab.core.observables import Observable
from qtilab.core.parameters import Parameter


# ---------------------------------------------------------------------------------------------
# energies and gradients
# ---------------------------------------------------------------------------------------------
def energy_and_gradient(circuit: Circuit, hamiltonian: Observable, theta: Sequence[float] | np.ndarray) -> tuple[float, np.ndarray]:
    """``<H>`` and its exact gradient by the adjoint method (parameters in ``circuit.parameters`` order)."""
    from qtilab.sim.gradients import adjoint_jacobian

    g = adjoint_jacobian(circuit, hamiltonian, list(np.asarray(theta, dtype=float)))
    return float(g.values[0, 0]), np.asarray(g.jacobian[0, 0], dtype=float)


def energy(circuit: Circuit, hamiltonian: Observable, theta: Sequence[float] | np.ndarray) -> float:
    """``<H>`` for the parameter vector ``theta``."""
    from qtilab.sim.statevector import simulate

    return float(simulate(circuit, list(np.asarray(theta, dtype=float))).expectation(hamiltonian))


def sampled_energy(circuit: Circuit, hamiltonian: Observable, theta: Sequence[float] | np.ndarray, shots: int, rng: np.random.Generator) -> float:
    """``<H>`` estimated from ``shots`` measurements of each Pauli term (its own basis)."""
    from qtilab.sim.statevector import simulate

    res = simulate(circuit, list(np.asarray(theta, dtype=float)))
    total = 0.0
    for c, p in hamiltonian.terms:
        if not p:
            total += c
            continue
        ev = float(res.expectation(Observable([(1.0, p)])))
        plus = int(rng.binomial(shots, min(max((1 + ev) / 2, 0.0), 1.0)))
        total += c * (2 * plus - shots) / shots
    return total


# ---------------------------------------------------------------------------------------------
# VQE
# ---------------------------------------------------------------------------------------------
@dataclass
class VQEResult:
    """Outcome of a VQE run.

    ``energy``: the final energy (exact expectation at the final parameters, also for shot-based
    runs); ``exact_energy``: the ground energy by exact diagonalisation when the system has at
    most ``exact_max_qubits`` qubits, else None; ``history``: the energy at each iteration;
    ``evaluations``: objective evaluations (each with its gradient for exact runs).
    """

    energy: float
    parameters: np.ndarray
    history: list[float]
    evaluations: int
    optimizer: str
    exact_energy: float | None = None
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def error(self) -> float | None:
        return None if self.exact_energy is None else self.energy - self.exact_energy


def _build_ansatz(ansatz: Circuit | str, n: int, layers: int) -> Circuit:
    if isinstance(ansatz, Circuit):
        if ansatz.n_qubits < n:
            raise AlgorithmError(f"the ansatz has {ansatz.n_qubits} qubits; the Hamiltonian needs {n}")
        if not ansatz.parameters:
            raise AlgorithmError("the ansatz has no symbolic parameters to optimise")
        return ansatz
    from qtilab.qml.ansatz import make_ansatz

    return make_ansatz(ansatz, n, layers)


def spsa(
    fun: Callable[[np.ndarray], float],
    x0: np.ndarray,
    *,
    maxiter: int = 200,
    rng: np.random.Generator,
    a: float | None = None,
    c: float = 0.1,
    alpha: float = 0.602,
    gamma: float = 0.101,
    callback: Callable[[np.ndarray, float], None] | None = None,
) -> np.ndarray:
    """Simultaneous-perturbation stochastic approximation (Spall 1998) with the standard gains
    ``a_k = a / (k + 1 + A)**alpha``, ``c_k = c / (k + 1)**gamma``, ``A = maxiter / 10``; ``a``
    is calibrated so that the first step moves each parameter by about 0.2 (as Qiskit does)."""
    x = np.array(x0, dtype=float)
    A = maxiter / 10
    if a is None:
        mags = []
        for _ in range(5):
            d = rng.choice([-1.0, 1.0], size=x.shape)
            mags.append(abs(fun(x + c * d) - fun(x - c * d)) / (2 * c))
        avg = float(np.mean(mags)) or 1.0
        a = 0.2 * (A + 1) ** alpha / avg
    for k in range(maxiter):
        ak = a / (k + 1 + A) ** alpha
        ck = c / (k + 1) ** gamma
        d = rng.choice([-1.0, 1.0], size=x.shape)
        fp, fm = fun(x + ck * d), fun(x - ck * d)
        x = x - ak * (fp - fm) / (2 * ck) * d
        if callback is not None:
            callback(x, 0.5 * (fp + fm))
    return x


def vqe(
    hamiltonian: Observable | Any,
    ansatz: Circuit | str = "hardware_efficient",
    *,
    layers: int = 2,
    initial_point: Sequence[float] | np.ndarray | None = None,
    optimizer: str = "L-BFGS-B",
    maxiter: int = 500,
    shots: int | None = None,
    seed: int | np.random.Generator | None = None,
    exact_max_qubits: int = 16,
    progress: bool = False,
) -> VQEResult:
    """Variational quantum eigensolver.

    ``hamiltonian``: an :class:`Observable`, a string, or a Hermitian matrix
    (:class:`~qtilab.algorithms.NotHermitianError` otherwise). ``ansatz``: a parametrised
    circuit, or a name for :func:`qtilab.qml.ansatz.make_ansatz` with ``layers``.
    ``optimizer``: a :func:`scipy.optimize.minimize` method (``L-BFGS-B``, ``BFGS``, ``CG``,
    ``SLSQP``...; gradient methods get the adjoint gradient) or ``"SPSA"``. With ``shots``,
    energies are sampled and the optimiser must be ``"SPSA"``.
    Initial parameters default to small random angles (uniform in [-0.1, 0.1]) from ``seed``.
    """
    from scipy.optimize import minimize

    h = as_observable(hamiltonian)
    n = n_qubits_of(h)
    circ = _build_ansatz(ansatz, n, layers)
    P = circ.num_parameters
    rng = rng_of(seed)
    x0 = rng.uniform(-0.1, 0.1, P) if initial_point is None else np.asarray(initial_point, dtype=float)
    if x0.shape != (P,):
        raise AlgorithmError(f"initial_point has {x0.size} values; the ansatz has {P} parameters")
    if shots is not None:
        check_int(shots, "shots", 1)
        if optimizer.upper() != "SPSA":
            raise AlgorithmError("shot-based VQE needs optimizer='SPSA' (sampled energies have no exact gradient)")
    history: list[float] = []
    evals = [0]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=maxiter, desc="VQE", disable=None)
    if optimizer.upper() == "SPSA":
        def f(x: np.ndarray) -> float:
            evals[0] += 1
            if shots is None:
                return energy(circ, h, x)
            return sampled_energy(circ, h, x, int(shots), rng)

        def cb_spsa(x: np.ndarray, fx: float) -> None:
            history.append(fx)
            if bar is not None:
                bar.update(1)

        x = spsa(f, x0, maxiter=check_int(maxiter, "maxiter", 1), rng=rng, callback=cb_spsa)
        msg = "SPSA finished its iterations"
    else:
        last = [math.nan]

        def fg(x: np.ndarray) -> tuple[float, np.ndarray]:
            evals[0] += 1
            e, g = energy_and_gradient(circ, h, x)
            last[0] = e
            return e, g

        def cb(xk: Any) -> None:
            history.append(last[0])
            if bar is not None:
                bar.update(1)

        gradient_free = optimizer.upper() in ("COBYLA", "NELDER-MEAD", "POWELL")
        if gradient_free:
            res = minimize(lambda x: fg(x)[0], x0, method=optimizer, callback=cb, options={"maxiter": maxiter})
        else:
            res = minimize(fg, x0, jac=True, method=optimizer, callback=cb, options={"maxiter": maxiter})
        x = np.asarray(res.x, dtype=float)
        msg = str(res.message)
    if bar is not None:
        bar.close()
    e_final = energy(circ, h, x)
    if not history or history[-1] != e_final:
        history.append(e_final)
    exact = float(ground_state(h, n)[0][0]) if n <= exact_max_qubits else None
    return VQEResult(e_final, x, history, evals[0], optimizer, exact, msg, extra={"ansatz": circ.name, "parameters": P})


# ---------------------------------------------------------------------------------------------
# MaxCut and QAOA
# ---------------------------------------------------------------------------------------------
def _check_graph(graph: Any, allow_negative: bool = False) -> tuple[int, list[tuple[int, int, float]]]:
    import networkx as nx

    if not isinstance(graph, nx.Graph):
        raise GraphError(f"expected a networkx graph, got {type(graph).__name__}")
    if graph.is_directed():
        raise GraphError("MaxCut needs an undirected graph; convert with graph.to_undirected()")
    nodes = list(graph.nodes)
    if set(nodes) != set(range(len(nodes))):
        raise GraphError("graph nodes must be 0..n-1; relabel with networkx.convert_node_labels_to_integers")
    if len(nodes) < 2:
        raise GraphError("MaxCut needs at least two nodes")
    edges = []
    for u, v, d in graph.edges(data=True):
        if u == v:
            raise GraphError(f"graph has a self-loop at node {u}; a self-loop is never cut -- remove it")
        w = d.get("weight", 1.0)
        try:
            w = float(w)
        except (TypeError, ValueError):
            raise GraphError(f"edge ({u}, {v}) has a non-numeric weight {w!r}") from None
        if not math.isfinite(w):
            raise GraphError(f"edge ({u}, {v}) has a non-finite weight {w}")
        if w < 0 and not allow_negative:
            raise GraphError(
                f"edge ({u}, {v}) has the negative weight {w}: weighted MaxCut here needs non-negative "
                "weights (the approximation ratio is undefined otherwise)"
            )
        edges.append((int(u), int(v), w))
    if not edges:
        raise GraphError("the graph has no edges: every cut is 0")
    return len(nodes), edges


def maxcut_observable(graph: Any) -> Observable:
    """``C = sum_(ij) w_ij (1 - Z_i Z_j) / 2`` (its expectation is the expected cut weight)."""
    _, edges = _check_graph(graph)
    terms: list[tuple[float, dict[int, str]]] = []
    for u, v, w in edges:
        terms += [(w / 2, {}), (-w / 2, {u: "Z", v: "Z"})]
    return Observable(terms)


def cut_values(graph: Any) -> np.ndarray:
    """The cut weight of every assignment ``x`` (bit ``i`` = side of node ``i``), shape (2**n,)."""
    n, edges = _check_graph(graph)
    if n > 24:
        raise GraphError(f"enumerating all cuts of {n} nodes is too large (limit 24)")
    x = np.arange(2**n, dtype=np.int64)
    out = np.zeros(2**n)
    for u, v, w in edges:
        out += w * (((x >> u) ^ (x >> v)) & 1)
    return out


def brute_force_maxcut(graph: Any) -> tuple[float, int]:
    """The maximum cut weight and one optimal assignment, by enumeration (up to 22 nodes)."""
    n, _ = _check_graph(graph)
    if n > 22:
        raise GraphError(f"brute force is limited to 22 nodes, got {n}")
    vals = cut_values(graph)
    i = int(np.argmax(vals))
    return float(vals[i]), i


def qaoa_circuit(graph: Any, p: int, warm_start: Sequence[float] | np.ndarray | None = None) -> Circuit:
    """The depth-``p`` QAOA circuit with parameters ``gamma0..gamma{p-1}, beta0..beta{p-1}``
    (``circuit.parameters`` lists them layer by layer: gamma0, beta0, gamma1, ...).

    ``warm_start``: per-node values ``c_i`` in (0, 1) for the warm-start initial state and mixer.
    """
    n, edges = _check_graph(graph)
    p = check_int(p, "p", 1)
    c = Circuit(n, name=f"qaoa_p{p}")
    thetas = None
    if warm_start is not None:
        cs = np.asarray(warm_start, dtype=float)
        if cs.shape != (n,) or np.any(cs <= 0) or np.any(cs >= 1):
            raise AlgorithmError(f"warm_start must give {n} values strictly between 0 and 1")
        thetas = 2 * np.arcsin(np.sqrt(cs))
        for q in range(n):
            c.ry(float(thetas[q]), q)
    else:
        for q in range(n):
            c.h(q)
    for layer in range(p):
        g, b = Parameter(f"gamma{layer}"), Parameter(f"beta{layer}")
        for u, v, w in edges:
            c.rzz(-w * g, u, v)  # exp(-i gamma w (1 - Z Z)/2) = phase * RZZ(-gamma w)
        for q in range(n):
            if thetas is None:
                c.rx(2 * b, q)  # exp(-i beta X)
            else:
                c.ry(-float(thetas[q]), q).rz(-2 * b, q).ry(float(thetas[q]), q)
    return c


class QAOAObjective:
    """``<C>`` and its exact gradient for QAOA, by a simulation specialised to QAOA's structure.

    The cost layer ``exp(-i gamma C)`` is diagonal: one elementwise product with the
    precomputed phases of the cut-value vector ``c`` (:func:`cut_values`). The mixer is a product
    of one-qubit rotations ``cos(beta) 1 - i sin(beta) H_q`` with ``H_q = X`` (or the warm-start
    ``RY(theta_q) (-Z) RY(-theta_q)``; both square to 1), applied qubit by qubit on the state
    viewed as ``(2**(n-q-1), 2, 2**q)``. The gradient is the adjoint method written for this
    structure: one backward sweep carries ``phi`` and ``lambda = C phi`` and reads
    ``dE/dgamma_l = 2 Re <lambda| -i c phi>`` and ``dE/dbeta_l = 2 Re <lambda| -i sum_q H_q phi>``
    at each layer. It computes the same function as :func:`qaoa_circuit` run by the engine
    (checked to 1e-10 in the tests) without gate-by-gate dispatch. Parameters are
    ``x = (gamma_0..gamma_{p-1}, beta_0..beta_{p-1})``; the returned energy and gradient are
    those of ``<C>`` (maximise it).
    """

    def __init__(self, graph: Any, p: int, warm_start: Sequence[float] | np.ndarray | None = None) -> None:
        n, _ = _check_graph(graph)
        if n > 24:
            raise GraphError(f"QAOAObjective simulates up to 24 nodes, got {n}")
        self.n = n
        self.p = check_int(p, "p", 1)
        self.c = cut_values(graph)
        if warm_start is None:
            self.h = [np.array([[0, 1], [1, 0]], dtype=complex)] * n
            self.psi0: np.ndarray = np.full(2**n, 2 ** (-n / 2), dtype=complex)
        else:
            cs = np.asarray(warm_start, dtype=float)
            if cs.shape != (n,) or np.any(cs <= 0) or np.any(cs >= 1):
                raise AlgorithmError(f"warm_start must give {n} values strictly between 0 and 1")
            th = 2 * np.arcsin(np.sqrt(cs))
            self.h = []
            psi = np.ones(1, dtype=complex)
            for q in range(n):
                ry = np.array([[np.cos(th[q] / 2), -np.sin(th[q] / 2)], [np.sin(th[q] / 2), np.cos(th[q] / 2)]], dtype=complex)
                self.h.append(ry @ np.diag([-1.0, 1.0]) @ ry.T)
                psi = np.kron(ry[:, 0], psi)  # qubit q is bit q: later qubits are more significant
            self.psi0 = psi
        self._hs = np.ascontiguousarray(np.stack(self.h))
        self._eye = np.broadcast_to(np.eye(2, dtype=complex), self._hs.shape).copy()

    def _mix(self, psi: np.ndarray, beta: float) -> np.ndarray:
        from qtilab.algorithms.kernels import apply_local

        apply_local(psi, math.cos(beta) * self._eye - 1j * math.sin(beta) * self._hs)
        return psi

    def state(self, x: Sequence[float] | np.ndarray) -> np.ndarray:
        """The QAOA state for ``x = (gammas, betas)``."""
        from qtilab.algorithms.kernels import apply_phase

        x = np.asarray(x, dtype=float)
        if x.shape != (2 * self.p,):
            raise AlgorithmError(f"x must hold {2 * self.p} angles (gammas then betas), got shape {x.shape}")
        psi = self.psi0.copy()
        for layer in range(self.p):
            apply_phase(psi, self.c, float(x[layer]))
            self._mix(psi, float(x[self.p + layer]))
        return psi

    def __call__(self, x: Sequence[float] | np.ndarray) -> tuple[float, np.ndarray]:
        from qtilab.algorithms.kernels import apply_phase, local_sum_inner, phase_inner

        x = np.asarray(x, dtype=float)
        phi = self.state(x)
        lam = self.c * phi
        e = float(np.vdot(phi, lam).real)
        grad = np.zeros(2 * self.p)
        for layer in reversed(range(self.p)):
            b = float(x[self.p + layer])
            # 2 Re <lam| -i H phi> = 2 Im <lam| H phi>
            grad[self.p + layer] = 2 * local_sum_inner(lam, phi, self._hs).imag
            self._mix(phi, -b)
            self._mix(lam, -b)
            grad[layer] = 2 * phase_inner(lam, phi, self.c).imag
            apply_phase(phi, self.c, -float(x[layer]))
            apply_phase(lam, self.c, -float(x[layer]))
        return e, grad

def _ordered(circ: Circuit, p: int) -> list[Parameter]:
    byname = {q.name: q for q in circ.parameters}
    return [byname[f"gamma{k}"] for k in range(p)] + [byname[f"beta{k}"] for k in range(p)]


def interp_parameters(gammas: Sequence[float] | np.ndarray, betas: Sequence[float] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """INTERP: depth-``p`` optimal angles to a depth-``p + 1`` start,
    ``x'_i = (i - 1)/p x_{i-1} + (p - i + 1)/p x_i`` (1-based, ``x_0 = x_{p+1} = 0``)."""
    out = []
    for x in (np.asarray(gammas, float), np.asarray(betas, float)):
        p = len(x)
        ext = np.concatenate([[0.0], x, [0.0]])
        out.append(np.array([(i - 1) / p * ext[i - 1] + (p - i + 1) / p * ext[i] for i in range(1, p + 2)]))
    return out[0], out[1]


@dataclass
class QAOAResult:
    """Outcome of QAOA for MaxCut.

    ``expectation``: ``<C>`` at the optimised angles; ``optimum``: the brute-force maximum cut;
    ``approximation_ratio``: ``expectation / optimum``; ``best_cut``/``best_assignment``: the
    most likely assignment and its cut; ``p_optimal``: probability of measuring an optimal cut;
    ``layers``: per depth reached, ``(p, expectation, gammas, betas)``.
    """

    expectation: float
    gammas: np.ndarray
    betas: np.ndarray
    optimum: float | None
    best_assignment: int
    best_cut: float
    p_optimal: float | None
    history: list[float]
    layers: list[dict[str, Any]]

    @property
    def approximation_ratio(self) -> float | None:
        return None if not self.optimum else self.expectation / self.optimum


def regularized_warm_start(graph: Any, epsilon: float = 0.25, seed: int | np.random.Generator | None = None) -> np.ndarray:
    """``c_i = epsilon`` or ``1 - epsilon`` from a classical cut (networkx's one-exchange local
    search), the regularised warm start of Egger et al. (2021)."""
    from networkx.algorithms.approximation import one_exchange

    _check_graph(graph)
    if not 0 < epsilon < 0.5:
        raise AlgorithmError(f"epsilon must be in (0, 0.5), got {epsilon}")
    s = rng_of(seed)
    _, (side, _) = one_exchange(graph, weight="weight", seed=int(s.integers(2**31)))
    n = graph.number_of_nodes()
    return np.array([1 - epsilon if i in side else epsilon for i in range(n)])


def qaoa_maxcut(
    graph: Any,
    p: int = 1,
    *,
    warm_start: bool | Sequence[float] = False,
    restarts: int = 4,
    optimizer: str = "L-BFGS-B",
    maxiter: int = 300,
    seed: int | np.random.Generator | None = None,
    brute_force: bool = True,
) -> QAOAResult:
    """QAOA for (weighted) MaxCut up to depth ``p``.

    Depth 1 starts from ``restarts`` random angles; each further depth starts from INTERP of
    the previous optimum (parameter transfer). Energies and exact gradients come from
    :class:`QAOAObjective` (the adjoint method specialised to QAOA's diagonal cost layer).
    ``warm_start=True`` uses :func:`regularized_warm_start`; a sequence gives the ``c_i``.
    """
    from scipy.optimize import minimize

    n, _ = _check_graph(graph)
    p = check_int(p, "p", 1)
    rng = rng_of(seed)
    ws = None
    if warm_start is True:
        ws = regularized_warm_start(graph, seed=rng)
    elif warm_start is not False and warm_start is not None:
        ws = np.asarray(warm_start, dtype=float)
    history: list[float] = []
    layers: list[dict[str, Any]] = []
    gam = bet = np.zeros(0)
    x_best = None
    for depth in range(1, p + 1):
        obj = QAOAObjective(graph, depth, ws)

        def fg(x: np.ndarray, obj: QAOAObjective = obj) -> tuple[float, np.ndarray]:
            e, g = obj(x)
            return -e, -g

        if depth == 1:
            starts = [np.concatenate([rng.uniform(0, math.pi, 1), rng.uniform(0, math.pi / 2, 1)]) for _ in range(check_int(restarts, "restarts", 1))]
        else:
            g0, b0 = interp_parameters(gam, bet)
            starts = [np.concatenate([g0, b0])]
        best = None
        for s0 in starts:
            res = minimize(fg, s0, jac=True, method=optimizer, options={"maxiter": maxiter},
                           callback=lambda xk, fg=fg: history.append(-fg(np.asarray(xk))[0]))
            if best is None or res.fun < best.fun:
                best = res
        assert best is not None
        x_best = np.asarray(best.x)
        gam, bet = x_best[:depth], x_best[depth:]
        layers.append({"p": depth, "expectation": float(-best.fun), "gammas": gam.tolist(), "betas": bet.tolist()})
    assert x_best is not None
    probs = np.abs(QAOAObjective(graph, p, ws).state(x_best)) ** 2
    exp_c = float(layers[-1]["expectation"])
    best_x = int(np.argmax(probs))
    opt = p_opt = None
    if brute_force and n <= 22:
        vals = cut_values(graph)
        opt = float(vals.max())
        p_opt = float(probs[np.isclose(vals, opt)].sum())
        best_cut = float(vals[best_x])
    else:
        best_cut = float(sum(w for u, v, w in _check_graph(graph)[1] if ((best_x >> u) ^ (best_x >> v)) & 1))
    return QAOAResult(exp_c, gam, bet, opt, best_x, best_cut, p_opt, history, layers)


def _perm(circ: Circuit, p: int) -> list[int]:
    pos = {q: i for i, q in enumerate(circ.parameters)}
    return [pos[q] for q in _ordered(circ, p)]


__all__ = [
    "QAOAObjective",
    "QAOAResult",
    "VQEResult",
    "brute_force_maxcut",
    "cut_values",
    "energy",
    "energy_and_gradient",
    "interp_parameters",
    "maxcut_observable",
    "qaoa_circuit",
    "qaoa_maxcut",
    "regularized_warm_start",
    "sampled_energy",
    "spsa",
    "vqe",
]
