"""Hybrid CNN + quantum-circuit classifiers for EuroSAT and their classical twins.

* :class:`FeatureExtractor` -- a LeNet-style CNN (two 5 x 5 convolutions with max pooling,
  an adaptive average pool to 4 x 4, one hidden dense layer): any patch size >= 16 pixels.
* :class:`PairwiseHybrid` -- QNN4EO (Zaidenberg et al., IGARSS 2021): the CNN gives one angle
  ``x``; a 1-qubit circuit ``RY(x) RX(w0) RY(w1)`` is measured in Z and
  ``logit = a <Z> + b``. Quantum-head parameters: 2 circuit weights + a, b = 4.
* :class:`MulticlassHybrid` -- after Sebastianelli et al., IEEE JSTARS 15, 565 (2022): the CNN
  gives ``n_qubits`` angles, encoded by ``RY(x_i)`` on qubit i, then ``layers`` blocks of
  ``RY(w) RX(w)`` on every qubit and (with ``entangle=True``) a CX chain; the ``<Z_i>`` feed a
  dense layer to the class scores. Circuit weights: ``2 n_qubits layers``.
* :class:`ClassicalTwin` -- the same :class:`FeatureExtractor` and output layer, with the
  circuit replaced by a classical block of (nearly) the same parameter count: for the pairwise
  model ``a tanh(u x + v) + b`` (4 parameters); for the multi-class model ``tanh`` followed by
  ``m`` bias-free ``n x n`` layers with ``tanh``, ``m = max(1, round(2 n layers / n^2))``
  (exactly equal for the default 4 qubits, 2 layers). :func:`count_parameters` reports both.

The quantum block is a :class:`qtilab.qml.torch.QuantumLayer`: the images of a mini-batch are
simulated together (angles are (B,) arrays) and the backward pass is one adjoint sweep.

Examples
--------
>>> import torch
>>> from qtilab.eo.models import PairwiseHybrid, ClassicalTwin, count_parameters
>>> q = PairwiseHybrid(in_channels=3, seed=0)
>>> c = ClassicalTwin.like(q)
>>> count_parameters(q) == count_parameters(c)
True
>>> q(torch.zeros(2, 3, 32, 32)).shape
torch.Size([2, 1])
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from qtilab._optional import require
from qtilab.core.circuit import Circuit
from qtilab.core.parameters import Parameter
from qtilab.errors import ConfigError, DataError

torch = require("torch", extra="ml")
nn = torch.nn


class FeatureExtractor(nn.Module):  # type: ignore[misc,name-defined]
    """LeNet-style CNN: (B, C, H, W) -> (B, hidden), ReLU output."""

    def __init__(self, in_channels: int, hidden: int = 32) -> None:
        super().__init__()
        if in_channels < 1 or hidden < 1:
            raise ConfigError(f"in_channels and hidden must be >= 1, got {in_channels}, {hidden}")
        self.in_channels = in_channels
        self.hidden = hidden
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten(),
            nn.Linear(16 * 16, hidden), nn.ReLU(),
        )

    def forward(self, x: Any) -> Any:
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise DataError(f"expected images of shape (B, {self.in_channels}, H, W), got {tuple(x.shape)}")
        if x.shape[2] < 16 or x.shape[3] < 16:
            raise DataError(f"patches must be at least 16 x 16 pixels, got {x.shape[2]} x {x.shape[3]}")
        return self.net(x)


def one_qubit_circuit() -> tuple[Circuit, Parameter]:
    """QNN4EO's 1-qubit circuit ``RY(x) RX(w0) RY(w1)``; returns (circuit, input parameter)."""
    x = Parameter("x0")
    c = Circuit(1, name="qnn4eo")
    c.ry(x, 0)
    c.rx(Parameter("w0"), 0)
    c.ry(Parameter("w1"), 0)
    return c, x


def multiclass_circuit(n_qubits: int, layers: int, entangle: bool) -> tuple[Circuit, list[Parameter]]:
    """``RY(x_i)`` encoding, then ``layers`` x (``RY(w) RX(w)`` on each qubit, CX chain if
    ``entangle``). Returns (circuit, input parameters)."""
    if n_qubits < 1 or layers < 1:
        raise ConfigError(f"n_qubits and layers must be >= 1, got {n_qubits}, {layers}")
    xs = [Parameter(f"x{i}") for i in range(n_qubits)]
    c = Circuit(n_qubits, name="jstars_" + ("entangled" if entangle else "product"))
    for q in range(n_qubits):
        c.ry(xs[q], q)
    k = 0
    for _ in range(layers):
        for q in range(n_qubits):
            c.ry(Parameter(f"w{k}"), q)
            c.rx(Parameter(f"w{k + 1}"), q)
            k += 2
        if entangle:
            for q in range(n_qubits - 1):
                c.cx(q, q + 1)
    return c, xs


class PairwiseHybrid(nn.Module):  # type: ignore[misc,name-defined]
    """QNN4EO: CNN -> one angle -> 1-qubit circuit -> ``a <Z> + b`` (one logit per image)."""

    kind = "hybrid"

    def __init__(self, in_channels: int, hidden: int = 32, seed: int | None = None) -> None:
        super().__init__()
        from qtilab.qml.torch import QuantumLayer

        del seed  # the circuit starts at fixed angles; the CNN's weights come from torch's seed

        self.features = FeatureExtractor(in_channels, hidden)
        self.to_angle = nn.Linear(hidden, 1)
        circ, x = one_qubit_circuit()
        # start at <Z> = cos(x + pi/2) = -sin(x): the steepest point of the head, as the classical
        # twin's tanh starts near its linear part (random angles can start on a flat stretch)
        self.quantum = QuantumLayer(circ, inputs=[x], observables="Z0", init=[0.0, math.pi / 2])
        self.scale = nn.Parameter(torch.tensor(2.0))
        self.bias = nn.Parameter(torch.tensor(0.0))
        self.n_classes, self.n_outputs = 2, 1

    def forward(self, x: Any) -> Any:
        z = self.quantum(self.to_angle(self.features(x)))
        return self.scale * z + self.bias


class MulticlassHybrid(nn.Module):  # type: ignore[misc,name-defined]
    """JSTARS-style hybrid: CNN -> n angles -> n-qubit circuit -> <Z_i> -> class scores."""

    kind = "hybrid"

    def __init__(
        self, in_channels: int, n_classes: int = 10, n_qubits: int = 4, layers: int = 2, entangle: bool = True,
        hidden: int = 32, seed: int | None = None,
    ) -> None:
        super().__init__()
        from qtilab.qml.torch import QuantumLayer

        if n_classes < 2:
            raise ConfigError(f"n_classes must be >= 2, got {n_classes}")
        if n_qubits > 12:
            raise ConfigError(f"n_qubits={n_qubits}: use at most 12 qubits for a per-image circuit")
        self.features = FeatureExtractor(in_channels, hidden)
        self.to_angle = nn.Linear(hidden, n_qubits)
        circ, xs = multiclass_circuit(n_qubits, layers, entangle)
        # small random weights, first-layer RY at pi/2: each qubit starts near its steepest point
        w0 = np.random.default_rng(seed).uniform(-0.1, 0.1, 2 * n_qubits * layers)
        w0[0:2 * n_qubits:2] += math.pi / 2
        self.quantum = QuantumLayer(circ, inputs=xs, observables=[f"Z{q}" for q in range(n_qubits)], init=w0)
        self.head = nn.Linear(n_qubits, n_classes)
        self.n_qubits, self.layers, self.entangle, self.n_classes = n_qubits, layers, entangle, n_classes
        self.n_outputs = n_classes

    def forward(self, x: Any) -> Any:
        return self.head(self.quantum(self.to_angle(self.features(x))))


class ClassicalTwin(nn.Module):  # type: ignore[misc,name-defined]
    """The classical baseline of a hybrid: same CNN and output layer, the circuit replaced by a
    classical block of (nearly) the same parameter count. Build it with :meth:`like`."""

    kind = "classical"

    def __init__(self, in_channels: int, n_classes: int, width: int, mixing: int, hidden: int = 32) -> None:
        super().__init__()
        self.features = FeatureExtractor(in_channels, hidden)
        self.to_angle = nn.Linear(hidden, width)
        self.n_classes = n_classes
        if n_classes == 2 and width == 1:
            # a tanh(u x + v) + b: 4 parameters, as the 1-qubit head (2 weights, a, b)
            self.block = nn.Sequential(nn.Linear(1, 1), nn.Tanh(), nn.Linear(1, 1))
            self.head: Any = nn.Identity()
            self.n_outputs = 1
        else:
            layers: list[Any] = [nn.Tanh()]
            for _ in range(mixing):
                layers += [nn.Linear(width, width, bias=False), nn.Tanh()]
            self.block = nn.Sequential(*layers)
            self.head = nn.Linear(width, n_classes)
            self.n_outputs = n_classes

    @classmethod
    def like(cls, model: Any) -> ClassicalTwin:
        """The classical twin of a :class:`PairwiseHybrid` or :class:`MulticlassHybrid`."""
        fe = model.features
        if isinstance(model, PairwiseHybrid):
            return cls(fe.in_channels, 2, 1, 0, fe.hidden)
        if isinstance(model, MulticlassHybrid):
            n = model.n_qubits
            mixing = max(1, round(2 * n * model.layers / (n * n)))
            return cls(fe.in_channels, model.n_classes, n, mixing, fe.hidden)
        raise ConfigError(f"no classical twin for {type(model).__name__}")

    def forward(self, x: Any) -> Any:
        return self.head(self.block(self.to_angle(self.features(x))))


def count_parameters(model: Any) -> int:
    """Trainable parameters of a model (circuit weights included)."""
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


@dataclass(frozen=True)
class TrainConfig:
    """Mini-batch training with Adam.

    epochs, batch_size, lr, weight_decay: the optimiser; augment: random flips and 90-degree
    rotations of the training patches (EuroSAT patches have no preferred orientation).
    """

    epochs: int = 30
    batch_size: int = 16
    lr: float = 0.01
    weight_decay: float = 1e-4
    augment: bool = True

    def validate(self) -> None:
        if self.epochs < 1 or self.batch_size < 1:
            raise ConfigError(f"epochs and batch_size must be >= 1, got {self.epochs}, {self.batch_size}")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ConfigError(f"lr must be a positive number, got {self.lr}")


def _augment(x: Any, gen: Any) -> Any:
    k = int(torch.randint(0, 4, (1,), generator=gen))
    if k:
        x = torch.rot90(x, k, dims=(2, 3))
    if bool(torch.randint(0, 2, (1,), generator=gen)):
        x = torch.flip(x, dims=(3,))
    return x


def train(model: Any, images: np.ndarray, labels: np.ndarray, config: TrainConfig = TrainConfig(),
          seed: int = 0) -> dict[str, Any]:
    """Train ``model`` on standardised images (N, H, W, C) and labels; returns loss history and
    seconds. One-logit models use binary cross-entropy, others cross-entropy."""
    config.validate()
    x = torch.as_tensor(np.ascontiguousarray(images.transpose(0, 3, 1, 2)), dtype=torch.float32)
    y = torch.as_tensor(np.asarray(labels), dtype=torch.int64)
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    binary = model.n_outputs == 1
    loss_fn = nn.BCEWithLogitsLoss() if binary else nn.CrossEntropyLoss()
    history: list[float] = []
    t0 = time.perf_counter()
    model.train()
    for _ in range(config.epochs):
        perm = torch.randperm(len(y), generator=gen)
        total = 0.0
        for s in range(0, len(y), config.batch_size):
            idx = perm[s:s + config.batch_size]
            xb = _augment(x[idx], gen) if config.augment else x[idx]
            out = model(xb)
            loss = loss_fn(out[:, 0], y[idx].float()) if binary else loss_fn(out, y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        history.append(total / len(y))
    model.eval()
    return {"loss": history, "seconds": time.perf_counter() - t0}


def predict(model: Any, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Class predictions (N,) for standardised images (N, H, W, C)."""
    x = torch.as_tensor(np.ascontiguousarray(images.transpose(0, 3, 1, 2)), dtype=torch.float32)
    outs = []
    model.eval()
    with torch.no_grad():
        for s in range(0, x.shape[0], batch_size):
            outs.append(model(x[s:s + batch_size]))
    out = torch.cat(outs)
    if out.shape[1] == 1:
        return np.asarray((out[:, 0] > 0).numpy(), dtype=np.int64)
    return np.asarray(out.argmax(dim=1).numpy(), dtype=np.int64)


__all__ = [
    "ClassicalTwin",
    "FeatureExtractor",
    "MulticlassHybrid",
    "PairwiseHybrid",
    "TrainConfig",
    "count_parameters",
    "multiclass_circuit",
    "one_qubit_circuit",
    "predict",
    "train",
]
