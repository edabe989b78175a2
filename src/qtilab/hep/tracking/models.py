"""Graph neural networks for edge classification: the classical GNN and the hybrid QGNN.

The architecture is HEP.TrkX's interaction network as QTrkX uses it (Tüysüz et al. 2021):

- an input network maps each hit's (r, phi, z) to ``hidden`` features (dense + tanh), and the
  hit coordinates are appended to the hidden features at every step;
- ``n_iters`` times: the **edge network** scores each edge from the features of its two hits,
  then the **node network** updates each hit from the score-weighted sums of its inner and outer
  neighbours' features and its own;
- a last edge network gives the edge scores (probabilities in [0, 1]).

In the hybrid QGNN both networks are dense -> rescale to [0, pi] (a sigmoid times pi) -> a
parameterised quantum circuit (angle encoding with RY, then Sim et al. circuit ``circuit``,
default 10, on ``n_qubits`` qubits with ``layers`` layers, <Z> on every qubit) -> dense. The
circuits run through :class:`qtilab.qml.torch.QuantumLayer`: all edges (or hits) of a graph are
one batch of states, and the backward pass is one adjoint sweep.

The segment BDT (:func:`segment_bdt`) scores edges from their geometry alone: the baseline
without message passing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qtilab._optional import require
from qtilab.errors import ConfigError
from qtilab.hep.tracking.io import HitGraph

torch = require("torch", extra="ml")
nn = torch.nn


@dataclass(frozen=True)
class GNNConfig:
    """The network: ``quantum`` selects the QGNN's circuit-based edge and node networks."""

    hidden: int = 4
    n_iters: int = 3
    quantum: bool = False
    n_qubits: int = 4
    layers: int = 3
    circuit: int = 10

    def validate(self) -> None:
        if self.hidden < 1 or self.n_iters < 1:
            raise ConfigError(f"GNNConfig: hidden and n_iters must be >= 1, got {self.hidden}, {self.n_iters}")
        if self.quantum and not (2 <= self.n_qubits <= 12):
            raise ConfigError(f"GNNConfig.n_qubits must be 2..12 for the QGNN, got {self.n_qubits}")
        if self.layers < 1 or not 1 <= self.circuit <= 19:
            raise ConfigError("GNNConfig: layers >= 1 and circuit in 1..19 are required")


def pqc_layer(n_qubits: int, layers: int, circuit: int, seed: int | None = None) -> Any:
    """RY angle encoding of n_qubits inputs, Sim et al. circuit, <Z_i> on every qubit."""
    from qtilab.core.circuit import Circuit
    from qtilab.core.parameters import Parameter
    from qtilab.qml.ansatz import sim_circuit
    from qtilab.qml.torch import QuantumLayer

    xs = [Parameter(f"x{i}") for i in range(n_qubits)]
    c = Circuit(n_qubits)
    for i, x in enumerate(xs):
        c.ry(x, i)
    c = c.compose(sim_circuit(circuit, n_qubits, layers=layers, prefix="w"))
    rng = np.random.default_rng(seed)
    n_w = len(c.parameters) - n_qubits
    return QuantumLayer(c, inputs=xs, observables=[f"Z{i}" for i in range(n_qubits)],
                        init=rng.uniform(0, 2 * np.pi, n_w))


class _Dense(nn.Module):  # type: ignore[misc,name-defined]
    def __init__(self, n_in: int, n_hidden: int, n_out: int, out_act: Any) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_in, n_hidden), nn.Tanh(), nn.Linear(n_hidden, n_out), out_act)

    def forward(self, x: Any) -> Any:
        return self.net(x)


class _Quantum(nn.Module):  # type: ignore[misc,name-defined]
    """dense -> [0, pi] -> PQC -> dense."""

    def __init__(self, n_in: int, n_out: int, cfg: GNNConfig, out_act: Any, seed: int | None) -> None:
        super().__init__()
        self.pre = nn.Linear(n_in, cfg.n_qubits)
        self.pqc = pqc_layer(cfg.n_qubits, cfg.layers, cfg.circuit, seed)
        self.post = nn.Linear(cfg.n_qubits, n_out)
        self.act = out_act

    def forward(self, x: Any) -> Any:
        angles = torch.sigmoid(self.pre(x)) * np.pi
        return self.act(self.post(self.pqc(angles)))


class EdgeNetwork(nn.Module):  # type: ignore[misc,name-defined]
    """Scores each edge from the features of its inner and outer hit."""

    def __init__(self, n_feat: int, cfg: GNNConfig, seed: int | None = None) -> None:
        super().__init__()
        if cfg.quantum:
            self.net: Any = _Quantum(2 * n_feat, 1, cfg, nn.Sigmoid(), seed)
        else:
            self.net = _Dense(2 * n_feat, cfg.hidden, 1, nn.Sigmoid())

    def forward(self, H: Any, inner: Any, outer: Any) -> Any:
        return self.net(torch.cat([H[inner], H[outer]], dim=1)).squeeze(-1)


class NodeNetwork(nn.Module):  # type: ignore[misc,name-defined]
    """Updates each hit from the score-weighted features of its neighbours and its own."""

    def __init__(self, n_feat: int, cfg: GNNConfig, seed: int | None = None) -> None:
        super().__init__()
        if cfg.quantum:
            self.net: Any = _Quantum(3 * n_feat, cfg.hidden, cfg, nn.Tanh(), seed)
        else:
            self.net = _Dense(3 * n_feat, cfg.hidden, cfg.hidden, nn.Tanh())

    def forward(self, H: Any, e: Any, inner: Any, outer: Any) -> Any:
        w = e.unsqueeze(1)
        from_inner = torch.zeros_like(H).index_add_(0, outer, w * H[inner])  # messages to the outer hit
        from_outer = torch.zeros_like(H).index_add_(0, inner, w * H[outer])  # messages to the inner hit
        return self.net(torch.cat([from_inner, from_outer, H], dim=1))


class GNN(nn.Module):  # type: ignore[misc,name-defined]
    """The interaction network (classical or hybrid quantum, by ``config.quantum``).

    Examples
    --------
    >>> from qtilab.hep.tracking.detector import generate_event
    >>> from qtilab.hep.tracking.graph import build_graph
    >>> g = build_graph(generate_event(seed=1))[0]
    >>> model = GNN(GNNConfig(hidden=4), seed=0)
    >>> model.predict(g).shape == (g.n_edges,)
    True
    """

    def __init__(self, config: GNNConfig | None = None, seed: int | None = None) -> None:
        super().__init__()
        cfg = config or GNNConfig()
        cfg.validate()
        self.config = cfg
        if seed is not None:
            torch.manual_seed(seed)
        n_feat = cfg.hidden + 3
        self.input_net = nn.Sequential(nn.Linear(3, cfg.hidden), nn.Tanh())
        self.edge_net = EdgeNetwork(n_feat, cfg, None if seed is None else seed + 1)
        self.node_net = NodeNetwork(n_feat, cfg, None if seed is None else seed + 2)
        self.double()

    def forward(self, X: Any, inner: Any, outer: Any) -> Any:
        H = torch.cat([self.input_net(X), X], dim=1)
        for _ in range(self.config.n_iters):
            e = self.edge_net(H, inner, outer)
            H = torch.cat([self.node_net(H, e, inner, outer), X], dim=1)
        return self.edge_net(H, inner, outer)

    def tensors(self, graph: HitGraph) -> tuple[Any, Any, Any, Any]:
        """The graph as (X, inner, outer, y) tensors."""
        return (torch.as_tensor(graph.X, dtype=torch.float64),
                torch.as_tensor(graph.inner, dtype=torch.long),
                torch.as_tensor(graph.outer, dtype=torch.long),
                torch.as_tensor(graph.y, dtype=torch.float64))

    def predict(self, graph: HitGraph) -> np.ndarray:
        """Edge scores of one graph as a numpy array."""
        X, i, o, _ = self.tensors(graph)
        with torch.no_grad():
            return np.asarray(self.forward(X, i, o).numpy())

    def n_parameters(self) -> int:
        return int(sum(p.numel() for p in self.parameters()))


def segment_bdt(train: list[HitGraph], seed: int = 0) -> Any:
    """A gradient-boosted classifier on the per-edge geometric features (scikit-learn)."""
    require("sklearn", extra="ml")
    from sklearn.ensemble import HistGradientBoostingClassifier

    from qtilab.hep.tracking.graph import edge_features

    X = np.concatenate([edge_features(g) for g in train])
    y = np.concatenate([g.y for g in train])
    clf = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, random_state=seed)
    clf.fit(X, y)
    return clf
