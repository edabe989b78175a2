"""Algorithm studies: a config dataclass in, a result out (the ``qtilab algo`` CLI wraps them).

Each result carries the exact classical answer beside the quantum one.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qtilab.algorithms._base import AlgorithmError, GraphError, check_int


@dataclass
class VQEConfig:
    """``problem``: ``tfim`` | ``xxz`` | ``hubbard`` (on an open chain of ``qubits`` sites;
    Hubbard uses ``qubits // 2`` sites); ``field`` is h (TFIM) or U (Hubbard), ``delta`` the
    XXZ anisotropy."""

    problem: str = "tfim"
    qubits: int = 8
    coupling: float = 1.0
    field: float = 1.0
    delta: float = 0.5
    periodic: bool = False
    ansatz: str = "hardware_efficient"
    layers: int = 4
    optimizer: str = "L-BFGS-B"
    maxiter: int = 300
    shots: int | None = None
    seed: int | None = None


@dataclass
class VQEStudy:
    config: VQEConfig
    energy: float
    exact_energy: float | None
    history: list[float]
    parameters: int
    evaluations: int
    seconds: float
    hamiltonian: str


def hamiltonian_for(cfg: VQEConfig) -> Any:
    from qtilab.algorithms.hamiltonians import hubbard, lattice, tfim, xxz

    n = check_int(cfg.qubits, "qubits", 2, 20)
    if cfg.problem == "tfim":
        return tfim(lattice("chain", n, periodic=cfg.periodic), J=cfg.coupling, h=cfg.field)
    if cfg.problem == "xxz":
        return xxz(lattice("chain", n, periodic=cfg.periodic), J=cfg.coupling, delta=cfg.delta)
    if cfg.problem == "hubbard":
        if n % 2:
            raise AlgorithmError(f"Hubbard needs an even number of qubits (2 per site), got {n}")
        return hubbard(lattice("chain", n // 2, periodic=cfg.periodic), t=cfg.coupling, U=cfg.field)
    raise AlgorithmError(f"problem must be tfim, xxz or hubbard, got {cfg.problem!r}")


def run_vqe(cfg: VQEConfig, progress: bool = False) -> VQEStudy:
    from qtilab.algorithms.variational import vqe

    h = hamiltonian_for(cfg)
    t0 = time.perf_counter()
    res = vqe(h, cfg.ansatz, layers=cfg.layers, optimizer=cfg.optimizer, maxiter=cfg.maxiter,
              shots=cfg.shots, seed=cfg.seed, progress=progress)
    return VQEStudy(cfg, res.energy, res.exact_energy, res.history, int(res.extra["parameters"]),
                    res.evaluations, time.perf_counter() - t0, str(h))


@dataclass
class QAOAConfig:
    """``graph``: a file (``.json`` networkx node-link data, else an edge list ``u v [weight]``
    per line), or None for a random ``degree``-regular graph on ``nodes`` nodes."""

    graph: str | None = None
    nodes: int = 10
    degree: int = 3
    p: int = 2
    warm_start: bool = False
    restarts: int = 3
    seed: int | None = None


@dataclass
class QAOAStudy:
    config: QAOAConfig
    nodes: int
    edges: int
    expectation: float
    optimum: float | None
    best_cut: float
    best_assignment: str
    p_optimal: float | None
    layers: list[dict[str, Any]]
    history: list[float]
    seconds: float


def read_graph(path: str | Path) -> Any:
    """A networkx graph from a node-link ``.json`` file or a whitespace edge list."""
    import json

    import networkx as nx

    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"graph file {p} does not exist")
    try:
        if p.suffix == ".json":
            g = nx.node_link_graph(json.loads(p.read_text()), edges="links")
        else:
            g = nx.Graph()
            for k, line in enumerate(p.read_text().splitlines(), 1):
                parts = line.split("#")[0].split()
                if not parts:
                    continue
                if len(parts) not in (2, 3):
                    raise GraphError(f"{p}:{k}: expected 'u v [weight]', got {line!r}")
                u, v = int(parts[0]), int(parts[1])
                w = float(parts[2]) if len(parts) == 3 else 1.0
                g.add_edge(u, v, weight=w)
    except (ValueError, KeyError) as exc:
        raise GraphError(f"{p}: cannot read the graph ({exc})") from None
    return g


def run_qaoa(cfg: QAOAConfig) -> QAOAStudy:
    import networkx as nx

    from qtilab.algorithms.variational import qaoa_maxcut

    if cfg.graph:
        g = read_graph(cfg.graph)
    else:
        g = nx.random_regular_graph(check_int(cfg.degree, "degree", 1), check_int(cfg.nodes, "nodes", 2, 20), seed=cfg.seed)
    n = g.number_of_nodes()
    if n > 20:
        raise GraphError(f"the graph has {n} nodes; the state-vector QAOA here takes up to 20")
    t0 = time.perf_counter()
    r = qaoa_maxcut(g, cfg.p, warm_start=cfg.warm_start, restarts=cfg.restarts, seed=cfg.seed)
    return QAOAStudy(cfg, n, g.number_of_edges(), r.expectation, r.optimum, r.best_cut,
                     format(r.best_assignment, f"0{n}b"), r.p_optimal, r.layers, r.history, time.perf_counter() - t0)


@dataclass
class GroverConfig:
    qubits: int = 6
    marked: list[int] = field(default_factory=lambda: [5])
    shots: int = 100
    seed: int | None = None


@dataclass
class GroverStudy:
    config: GroverConfig
    found: int
    is_marked: bool
    iterations: int
    success_probability: float
    exact_success_probability: float
    counts: dict[int, int]
    curve: list[float]


def run_grover(cfg: GroverConfig) -> GroverStudy:
    import math

    from qtilab.algorithms.search import Oracle, grover, optimal_iterations

    orc = Oracle(cfg.qubits, marked=cfg.marked)
    k = optimal_iterations(cfg.qubits, len(orc.marked))
    r = grover(cfg.qubits, oracle=orc, shots=cfg.shots, seed=cfg.seed)
    theta = math.asin(math.sqrt(len(orc.marked) / 2**cfg.qubits))
    curve = [grover(cfg.qubits, oracle=orc, iterations=j).success_probability for j in range(0, 2 * k + 2)]
    return GroverStudy(cfg, r.found, r.is_marked, r.iterations, r.success_probability,
                       math.sin((2 * k + 1) * theta) ** 2, r.counts or {}, curve)


@dataclass
class ShorConfig:
    N: int = 21
    a: int | None = None
    shots: int = 8
    seed: int | None = None


@dataclass
class ShorStudy:
    config: ShorConfig
    factors: tuple[int, int] | None
    exact_factors: tuple[int, int]
    attempts: list[dict[str, Any]]
    a: int | None
    order: int | None
    true_order: int | None
    probabilities: list[float]
    n_counting: int
    seconds: float


def run_shor(cfg: ShorConfig) -> ShorStudy:
    from qtilab.algorithms.shor import check_factorable, shor

    N = check_factorable(cfg.N)
    p = next(d for d in range(3, N) if N % d == 0)
    t0 = time.perf_counter()
    res = shor(N, a=cfg.a, shots=cfg.shots, seed=cfg.seed)
    last = res.attempts[-1] if res.attempts else {}
    a = last.get("a")
    probs: list[float] = []
    m = 0
    if res.order_finding is not None:
        probs = [float(x) for x in res.order_finding.probabilities]
        m = res.order_finding.n_counting
    return ShorStudy(cfg, res.factors, (p, N // p), res.attempts, a, last.get("order"), last.get("true_order"),
                     probs, m, time.perf_counter() - t0)


def study_dict(study: Any) -> dict[str, Any]:
    """A JSON-able dict of a study result."""
    d = asdict(study)
    return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in d.items()}


__all__ = [
    "GroverConfig", "GroverStudy", "QAOAConfig", "QAOAStudy", "ShorConfig", "ShorStudy", "VQEConfig",
    "VQEStudy", "hamiltonian_for", "read_graph", "run_grover", "run_qaoa", "run_shor", "run_vqe", "study_dict",
]
