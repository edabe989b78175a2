"""Hybrid models: circuits against explicit 2 x 2 / Kronecker-product references, parameter
counts of the classical twins, and training on a problem with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from qtilab.eo import models as M  # noqa: E402
from qtilab.eo._threads import single_thread  # noqa: E402
from qtilab.errors import DataError  # noqa: E402

I2 = np.eye(2)
Z = np.diag([1.0, -1.0])


def ry(t: float) -> np.ndarray:
    return np.array([[np.cos(t / 2), -np.sin(t / 2)], [np.sin(t / 2), np.cos(t / 2)]], dtype=complex)


def rx(t: float) -> np.ndarray:
    return np.array([[np.cos(t / 2), -1j * np.sin(t / 2)], [-1j * np.sin(t / 2), np.cos(t / 2)]])


def test_qnn4eo_head_matches_the_2x2_reference() -> None:
    model = M.PairwiseHybrid(in_channels=2, seed=3)
    w0, w1 = (float(v) for v in model.quantum.weights.detach())
    xs = torch.tensor([[-1.3], [0.2], [2.5]], dtype=torch.float64)
    got = model.quantum(xs).detach().numpy()[:, 0]
    for x, g in zip(xs[:, 0].numpy(), got):
        psi = ry(w1) @ rx(w0) @ ry(x) @ np.array([1, 0], dtype=complex)
        assert g == pytest.approx(float(np.real(psi.conj() @ Z @ psi)), abs=1e-12)


@pytest.mark.parametrize("entangle", [True, False])
def test_multiclass_circuit_matches_kronecker_reference(entangle: bool) -> None:
    n = 2
    model = M.MulticlassHybrid(in_channels=1, n_classes=3, n_qubits=n, layers=2, entangle=entangle, seed=5)
    w = model.quantum.weights.detach().numpy()
    x = np.array([0.4, -1.1])
    got = model.quantum(torch.tensor(x[None], dtype=torch.float64)).detach().numpy()[0]
    # qubit q is bit q of the index: kron(op_on_q1, op_on_q0)
    cx01 = np.zeros((4, 4))
    for i in range(4):
        b0, b1 = i & 1, (i >> 1) & 1
        cx01[(b0 | ((b1 ^ b0) << 1)), i] = 1  # control qubit 0, target qubit 1
    psi = np.zeros(4, complex)
    psi[0] = 1
    psi = np.kron(ry(x[1]), ry(x[0])) @ psi
    k = 0
    for _ in range(2):
        u = [rx(w[k + 1]) @ ry(w[k]), rx(w[k + 3]) @ ry(w[k + 2])]
        psi = np.kron(u[1], u[0]) @ psi
        k += 4
        if entangle:
            psi = cx01 @ psi
    ref = [np.real(psi.conj() @ np.kron(I2, Z) @ psi), np.real(psi.conj() @ np.kron(Z, I2) @ psi)]
    np.testing.assert_allclose(got, ref, atol=1e-12)


def test_classical_twins_match_parameter_counts() -> None:
    q = M.PairwiseHybrid(in_channels=5)
    assert M.count_parameters(M.ClassicalTwin.like(q)) == M.count_parameters(q)
    for ent in (True, False):
        h = M.MulticlassHybrid(in_channels=5, n_classes=10, n_qubits=4, layers=2, entangle=ent)
        assert M.count_parameters(M.ClassicalTwin.like(h)) == M.count_parameters(h)
    # circuit weights: 2 per qubit per layer
    assert M.count_parameters(h.quantum) == 2 * 4 * 2


def test_hybrid_learns_a_separable_problem_and_batches_the_circuit() -> None:
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 16)
    x = rng.normal(size=(32, 16, 16, 2)).astype(np.float32) * 0.3
    x[y == 1, 4:12, 4:12, 0] += 1.5  # class 1: a bright central square in channel 0 (rotation invariant)
    calls = {"n": 0}
    model = M.PairwiseHybrid(in_channels=2, hidden=8, seed=1)
    orig = model.quantum.forward

    def counting(inp: object) -> object:
        calls["n"] += 1
        return orig(inp)

    model.quantum.forward = counting
    torch.manual_seed(0)
    with single_thread():
        hist = M.train(model, x, y, M.TrainConfig(epochs=12, batch_size=16, lr=0.02), seed=0)
    assert hist["loss"][-1] < hist["loss"][0]
    assert calls["n"] == 12 * 2  # one circuit call per mini-batch of 16 images
    assert np.mean(M.predict(model, x) == y) == 1.0


def test_bad_image_shapes() -> None:
    model = M.PairwiseHybrid(in_channels=3)
    with pytest.raises(DataError, match=r"\(B, 3, H, W\)"):
        model(torch.zeros(2, 4, 32, 32))
    with pytest.raises(DataError, match="at least 16"):
        model(torch.zeros(2, 3, 8, 8))
