"""PyTorch layer over a parametrised circuit, with backward passes by the adjoint method.

:class:`QuantumLayer` is an ``nn.Module``: its input ``x`` of shape (B, n_inputs) binds the
circuit's input parameters (one (B,) array each, so the whole batch is one simulation), its
``weights`` (an ``nn.Parameter``) bind the remaining parameters, and it returns the expectation
values of the observables, shape (B, K). The backward pass is one adjoint sweep
(:func:`qtilab.sim.gradients.adjoint_vjp`) that gives the vector-Jacobian product for inputs and
weights together, so gradients reach both and the layer can sit anywhere in a larger model.

torch is an optional extra: ``pip install 'qtilab[ml]'``.

Examples
--------
>>> import torch
>>> from qtilab.qml.ansatz import reuploading_circuit
>>> circ, xs, ws = reuploading_circuit(n_qubits=2, n_features=2, layers=2)
>>> layer = QuantumLayer(circ, inputs=xs, observables=["Z0", "Z1"], seed=0)
>>> layer(torch.rand(5, 2, dtype=torch.float64)).shape
torch.Size([5, 2])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from qtilab._optional import require
from qtilab.core.circuit import Circuit
from qtilab.core.observables import Observable
from qtilab.core.parameters import Parameter
from qtilab.errors import ConfigError, DataError

torch = require("torch", extra="ml")


def _names(ps: Sequence[Parameter | str]) -> list[str]:
    return [p.name if isinstance(p, Parameter) else str(p) for p in ps]


class _AdjointFunction(torch.autograd.Function):  # type: ignore[misc,name-defined]
    @staticmethod
    def forward(ctx: Any, x: Any, w: Any, layer: QuantumLayer) -> Any:  # type: ignore[override]
        from qtilab.sim.gradients import expectation_values

        xv = x.detach().cpu().numpy().astype(np.float64)
        wv = w.detach().cpu().numpy().astype(np.float64)
        values = layer._bind(xv, wv)
        E = expectation_values(layer.circuit, layer.observables, values)  # (K, B)
        ctx.layer = layer
        ctx.save_for_backward(x, w)
        return torch.as_tensor(E.T.copy(), dtype=x.dtype, device=x.device)

    @staticmethod
    def backward(ctx: Any, grad_out: Any) -> Any:  # type: ignore[override]
        from qtilab.sim.gradients import adjoint_vjp

        x, w = ctx.saved_tensors
        layer: QuantumLayer = ctx.layer
        need_x, need_w = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        if not (need_x or need_w):
            return None, None, None
        xv = x.detach().cpu().numpy().astype(np.float64)
        wv = w.detach().cpu().numpy().astype(np.float64)
        wrt = (layer.input_names if need_x else []) + (layer.weight_names if need_w else [])
        cot = grad_out.detach().cpu().numpy().astype(np.float64).T  # (K, B)
        _, vjp = adjoint_vjp(layer.circuit, layer.observables, cot, layer._bind(xv, wv), wrt=wrt)
        gx = gw = None
        k = 0
        if need_x:
            gx = torch.as_tensor(vjp[:, : layer.n_inputs].copy(), dtype=x.dtype, device=x.device)
            k = layer.n_inputs
        if need_w:
            gw = torch.as_tensor(vjp[:, k:].sum(axis=0), dtype=w.dtype, device=w.device)
        return gx, gw, None


class QuantumLayer(torch.nn.Module):  # type: ignore[misc,name-defined]
    """A circuit as a differentiable PyTorch layer.

    Parameters
    ----------
    circuit: a circuit with symbolic parameters.
    inputs: the parameters bound to the input columns, in column order (may be empty).
    weights: the trainable parameters (default: every other circuit parameter, in circuit order).
    observables: an observable, a string such as ``"Z0"``, or a list; the output has one column
        per observable.
    init: initial weights (array of length n_weights); default uniform in [0, 2 pi) from ``seed``.
    seed: seed of the default initialisation.

    Forward: ``x`` of shape (B, n_inputs) -> (B, K); a 1-D ``x`` is one sample -> (K,); a layer
    without inputs takes no argument (or ``None``) and returns (K,). Computation is in float64 /
    complex128 whatever the input dtype; outputs have the input's dtype.
    """

    def __init__(
        self,
        circuit: Circuit,
        inputs: Sequence[Parameter | str] = (),
        weights: Sequence[Parameter | str] | None = None,
        observables: Any = "Z0",
        init: Any = None,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(circuit, Circuit):
            raise ConfigError(f"circuit must be a qtilab Circuit, got {type(circuit).__name__}")
        names = [p.name for p in circuit.parameters]
        self.input_names = _names(inputs)
        unknown = [n for n in self.input_names if n not in names]
        if unknown:
            raise ConfigError(f"inputs {unknown} are not parameters of the circuit ({names})")
        if weights is None:
            self.weight_names = [n for n in names if n not in self.input_names]
        else:
            self.weight_names = _names(weights)
            unknown = [n for n in self.weight_names if n not in names]
            if unknown:
                raise ConfigError(f"weights {unknown} are not parameters of the circuit ({names})")
        missing = set(names) - set(self.input_names) - set(self.weight_names)
        if missing:
            raise ConfigError(f"circuit parameters {sorted(missing)} are neither inputs nor weights")
        if set(self.input_names) & set(self.weight_names):
            raise ConfigError("a parameter cannot be both an input and a weight")
        from qtilab.sim.gradients import _observables

        self.circuit = circuit
        self.observables = _observables(observables if not isinstance(observables, Observable) else [observables], circuit.n_qubits)
        self.n_inputs = len(self.input_names)
        nw = len(self.weight_names)
        if init is None:
            w0 = np.random.default_rng(seed).uniform(0, 2 * np.pi, nw)
        else:
            w0 = np.asarray(init, dtype=np.float64).reshape(-1)
            if w0.shape != (nw,):
                raise ConfigError(f"init must have {nw} values (one per weight), got shape {w0.shape}")
        self.weights = torch.nn.Parameter(torch.as_tensor(w0, dtype=torch.float64))

    def _bind(self, x: np.ndarray, w: np.ndarray) -> dict[str, Any]:
        values: dict[str, Any] = {n: float(v) for n, v in zip(self.weight_names, w)}
        for i, n in enumerate(self.input_names):
            values[n] = np.ascontiguousarray(x[:, i])
        return values

    def forward(self, x: Any = None) -> Any:
        if x is None:
            if self.n_inputs:
                raise DataError(f"this layer takes inputs of shape (B, {self.n_inputs})")
            x = torch.zeros((1, 0), dtype=self.weights.dtype, device=self.weights.device)
            return _AdjointFunction.apply(x, self.weights, self)[0]
        if not torch.is_tensor(x):
            raise DataError(f"input must be a torch tensor, got {type(x).__name__}")
        single = x.dim() == 1
        xb = x.unsqueeze(0) if single else x
        if xb.dim() != 2 or xb.shape[1] != self.n_inputs:
            raise DataError(f"input must have shape (B, {self.n_inputs}) or ({self.n_inputs},), got {tuple(x.shape)}")
        if not torch.isfinite(xb).all():
            raise DataError("input contains NaN or infinite values")
        out = _AdjointFunction.apply(xb, self.weights, self)
        return out[0] if single else out

    def extra_repr(self) -> str:
        return (
            f"n_qubits={self.circuit.n_qubits}, inputs={self.n_inputs}, weights={len(self.weight_names)}, "
            f"observables={[str(o) for o in self.observables]}"
        )


__all__ = ["QuantumLayer"]
