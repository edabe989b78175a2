"""QuantumLayer: gradcheck in float64, gradients to inputs and weights, use inside a model."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from qtilab import Circuit, Parameter  # noqa: E402
from qtilab.errors import ConfigError, DataError  # noqa: E402
from qtilab.qml.ansatz import reuploading_circuit  # noqa: E402
from qtilab.qml.torch import QuantumLayer, _AdjointFunction  # noqa: E402


def _layer(seed=0):
    circ, xs, _ = reuploading_circuit(3, 2, layers=2, scale=0.8)
    circ.crx(Parameter("extra"), 0, 2)
    return QuantumLayer(circ, inputs=xs, observables=["Z0", "X1 Z2", "0.5 * Y2"], seed=seed)


def test_gradcheck_inputs_and_weights_float64():
    layer = _layer()
    x = torch.rand(4, 2, dtype=torch.float64, requires_grad=True)

    def f(x, w):
        return _AdjointFunction.apply(x, w, layer)

    assert torch.autograd.gradcheck(f, (x, layer.weights), eps=1e-6, atol=1e-7, rtol=1e-5)


def test_closed_form_single_qubit_layer():
    # RY(x) then RY(w): <Z> = cos(x + w); d/dx = d/dw = -sin(x + w)
    x_p, w_p = Parameter("x"), Parameter("w")
    layer = QuantumLayer(Circuit(1).ry(x_p, 0).ry(w_p, 0), inputs=[x_p], observables="Z0", init=[0.4])
    x = torch.tensor([[0.1], [0.7]], dtype=torch.float64, requires_grad=True)
    out = layer(x)
    np.testing.assert_allclose(out.detach().numpy()[:, 0], np.cos([0.5, 1.1]), atol=1e-14)
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[:, 0], -np.sin([0.5, 1.1]), atol=1e-12)
    assert layer.weights.grad.item() == pytest.approx(-np.sin(0.5) - np.sin(1.1), abs=1e-12)


def test_layer_inside_a_model_trains():
    torch.manual_seed(0)
    layer = _layer(seed=1)
    model = torch.nn.Sequential(
        torch.nn.Linear(4, 2, dtype=torch.float64), layer, torch.nn.Linear(3, 1, dtype=torch.float64)
    )
    X = torch.rand(16, 4, dtype=torch.float64)
    y = torch.sin(X.sum(1, keepdim=True))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    losses = []
    for _ in range(15):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X), y)
        loss.backward()
        losses.append(loss.item())
        opt.step()
    assert model[0].weight.grad is not None and torch.all(torch.isfinite(model[0].weight.grad))
    assert layer.weights.grad is not None
    assert losses[-1] < losses[0]


def test_float32_inputs_and_single_sample():
    layer = _layer()
    out = layer(torch.rand(2, dtype=torch.float32))
    assert out.shape == (3,) and out.dtype == torch.float32


def test_errors():
    layer = _layer()
    with pytest.raises(DataError, match="shape"):
        layer(torch.rand(3, 5, dtype=torch.float64))
    with pytest.raises(DataError, match="NaN"):
        layer(torch.full((1, 2), float("nan"), dtype=torch.float64))
    circ, xs, _ = reuploading_circuit(2, 2, layers=1)
    with pytest.raises(ConfigError, match="not parameters"):
        QuantumLayer(circ, inputs=["nope"])
    with pytest.raises(ConfigError, match="init"):
        QuantumLayer(circ, inputs=xs, init=[0.0])
