"""Quantum kernels and QSVC against a dense Kronecker-product reference and closed forms."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
import qml_dense_reference as ref  # noqa: E402

from qtilab.errors import ConfigError, DataError  # noqa: E402
from qtilab.qml.encodings import (  # noqa: E402
    AmplitudeEncoding,
    AngleEncoding,
    DataReuploading,
    IQPEncoding,
    ZZFeatureMap,
)
from qtilab.qml.kernels import QSVC, QuantumKernel, kernel_target_alignment  # noqa: E402


def test_zz_fidelity_kernel_matches_dense_reference():
    rng = np.random.default_rng(3)
    X = rng.uniform(0, 2, size=(6, 4))
    Y = rng.uniform(0, 2, size=(3, 4))
    scale = 0.7
    K = QuantumKernel(feature_map="zz", n_qubits=4, scale=scale, reps=2).evaluate(X, Y)
    SX = np.array([ref.zz_state(scale * x) for x in X])
    SY = np.array([ref.zz_state(scale * y) for y in Y])
    expect = np.abs(SX.conj() @ SY.T) ** 2
    np.testing.assert_allclose(K, expect, atol=1e-12)


def test_symmetric_kernel_is_psd_with_unit_diagonal():
    X = np.random.default_rng(0).normal(size=(20, 3))
    K = QuantumKernel(feature_map="zz", scale=0.5).evaluate(X)
    assert K.shape == (20, 20)
    np.testing.assert_allclose(K, K.T, atol=1e-14)
    np.testing.assert_allclose(np.diag(K), 1.0)
    assert np.linalg.eigvalsh(K).min() > -1e-10


def test_angle_kernel_closed_form():
    # RY(s x)|0> per qubit: k(x, y) = prod_i cos^2(s (x_i - y_i) / 2)
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    s = 0.8
    K = QuantumKernel(feature_map="angle", scale=s).evaluate(X, Y)
    expect = np.prod(np.cos(s * (X[:, None, :] - Y[None, :, :]) / 2) ** 2, axis=-1)
    np.testing.assert_allclose(K, expect, atol=1e-12)


def test_amplitude_kernel_closed_form_and_circuit():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(5, 5))
    enc = AmplitudeEncoding(5)
    K = QuantumKernel(feature_map=enc).evaluate(X)
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    np.testing.assert_allclose(K, (Xn @ Xn.T) ** 2, atol=1e-12)
    # the state-preparation circuit gives the same amplitudes
    from qtilab import simulate

    np.testing.assert_allclose(simulate(enc.circuit(X)).states, enc.vectors(X), atol=1e-12)
    with pytest.raises(DataError, match="zero vector"):
        enc.vectors(np.zeros((1, 5)))


def test_iqp_matches_dense_reference():
    rng = np.random.default_rng(4)
    x = rng.normal(size=3)
    enc = IQPEncoding(3, scale=0.9, reps=2)
    s = ref.zero(3)
    xs = 0.9 * x
    for _ in range(2):
        for q in range(3):
            s = ref.apply(s, ref.H, [q])
        for q in range(3):
            s = ref.apply(s, ref.RZ(xs[q]), [q])
        for i in range(3):
            for j in range(i + 1, 3):
                zz = np.diag([np.exp(-1j * xs[i] * xs[j] / 2 * z) for z in (1, -1, -1, 1)])
                s = ref.apply(s, zz, [i, j])
    got = enc.states(x[None])[0]
    assert abs(abs(np.vdot(got, s)) - 1) < 1e-12


def test_projected_kernel_closed_form_for_angle_encoding():
    # RY(t)|0> has Bloch vector (sin t, 0, cos t): ||r - s||^2 = 2 - 2 cos(t - u)
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(4, 2)), rng.normal(size=(3, 2))
    g, s = 0.7, 1.1
    K = QuantumKernel(feature_map="angle", scale=s, kind="projected", gamma=g).evaluate(X, Y)
    d2 = np.sum(2 - 2 * np.cos(s * (X[:, None, :] - Y[None, :, :])), axis=-1)
    np.testing.assert_allclose(K, np.exp(-g * d2 / 2), atol=1e-12)


def test_shot_estimate_is_unbiased_and_reproducible():
    X = np.random.default_rng(6).normal(size=(6, 3))
    exact = QuantumKernel(feature_map="zz", scale=0.4).evaluate(X)
    k1 = QuantumKernel(feature_map="zz", scale=0.4, shots=4000, seed=11).evaluate(X)
    k2 = QuantumKernel(feature_map="zz", scale=0.4, shots=4000, seed=11).evaluate(X)
    np.testing.assert_array_equal(k1, k2)
    # binomial standard error sqrt(p(1-p)/shots) <= 0.008; allow 5 sigma
    assert np.max(np.abs(k1 - exact)) < 0.04
    assert np.any(k1 != exact)


def test_scale_controls_concentration():
    X = np.random.default_rng(7).normal(size=(30, 8))
    wide = QuantumKernel(feature_map="zz", scale=1.0).diagnostics(X)
    narrow = QuantumKernel(feature_map="zz", scale=0.01).diagnostics(X)
    assert wide.mean_offdiag < 0.05
    assert narrow.mean_offdiag > 0.5


def test_alignment_closed_form():
    y = np.array([0, 0, 1, 1])
    T = np.where(y[:, None] == y[None, :], 1.0, -1.0)
    assert kernel_target_alignment(T, y) == pytest.approx(1.0)
    assert kernel_target_alignment(np.eye(4), y) == pytest.approx(4 / (2 * 4))


def test_bad_inputs_raise_typed_errors():
    with pytest.raises(DataError, match="NaN"):
        QuantumKernel().evaluate(np.array([[np.nan, 1.0]]))
    with pytest.raises(ConfigError, match="unknown feature map"):
        QuantumKernel(feature_map="nope").evaluate(np.ones((2, 2)))
    with pytest.raises(ConfigError, match="scale"):
        QuantumKernel(scale=-1).evaluate(np.ones((2, 2)))
    with pytest.raises(ConfigError, match="kind"):
        QuantumKernel(kind="x").evaluate(np.ones((2, 2)))
    with pytest.raises(DataError, match="features"):
        QuantumKernel(feature_map=ZZFeatureMap(3)).evaluate(np.ones((2, 2)))
    with pytest.raises(ConfigError, match="products"):
        ZZFeatureMap(2).template()


def test_templates_of_affine_encodings_bind_to_data():
    from qtilab import simulate

    X = np.random.default_rng(8).normal(size=(3, 2))
    for enc in (AngleEncoding(2, scale=0.5, rotation="rx"), DataReuploading(2, n_qubits=2, layers=2, scale=0.3)):
        c, ps = enc.template()
        st = simulate(c, {p.name: X[:, i] for i, p in enumerate(ps)}).states
        np.testing.assert_allclose(st, enc.states(X), atol=1e-12)


def test_qsvc_learns_a_separable_problem():
    rng = np.random.default_rng(9)
    X = rng.uniform(-1, 1, size=(80, 2))
    y = np.where(X[:, 0] + X[:, 1] > 0, "a", "b")
    clf = QSVC(kernel=QuantumKernel(feature_map="angle", scale=1.0), C=10.0, random_state=0).fit(X[:60], y[:60])
    assert clf.score(X[60:], y[60:]) >= 0.85
    p = clf.predict_proba(X[60:])
    np.testing.assert_allclose(p.sum(1), 1.0)
    assert set(clf.predict(X[60:])) <= {"a", "b"}
    d = clf.decision_function(X[60:])
    assert d.shape == (20,)


def test_structured_states_equal_circuit_simulation():
    # ZZ and IQP states come from their H + diagonal structure; simulating the gate circuit
    # through the engine must give the same amplitudes (global phase included)
    from qtilab import simulate

    rng = np.random.default_rng(10)
    X = rng.normal(size=(5, 4))
    for enc in (ZZFeatureMap(4, scale=0.6, reps=3, entanglement="circular"), IQPEncoding(4, scale=0.8, reps=2)):
        np.testing.assert_allclose(enc.states(X), simulate(enc.circuit(X)).states, atol=1e-12)
