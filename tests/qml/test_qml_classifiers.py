"""VQC training and the scikit-learn estimator checks for QSVC and VQC."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from qtilab.qml.classifiers import VQC  # noqa: E402
from qtilab.qml.kernels import QSVC, QuantumKernel  # noqa: E402


def test_vqc_learns_xor_like_data_and_gradients_lower_the_loss():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(60, 2))
    y = np.where(X[:, 0] * X[:, 1] > 0, "same", "diff")
    clf = VQC(layers=2, max_iter=60, random_state=0).fit(X[:40], y[:40])
    assert clf.loss_curve_[-1] < 0.5 * clf.loss_curve_[0]
    assert clf.score(X[:40], y[:40]) >= 0.9
    p = clf.predict_proba(X[40:])
    np.testing.assert_allclose(p.sum(1), 1.0)
    assert set(clf.predict(X[40:])) <= {"same", "diff"}


def test_vqc_multiclass_and_reproducible():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(0)) / X.std(0)
    a = VQC(layers=2, max_iter=40, random_state=1).fit(X, y)
    b = VQC(layers=2, max_iter=40, random_state=1).fit(X, y)
    np.testing.assert_array_equal(a.weights_, b.weights_)
    assert a.score(X, y) > 0.8
    assert a.predict_proba(X).shape == (150, 3)


def test_vqc_with_sim_circuit_and_zz_map():
    rng = np.random.default_rng(2)
    X = rng.uniform(-1, 1, size=(30, 3))
    y = (X.sum(1) > 0).astype(int)
    clf = VQC(feature_map="zz", ansatz="sim13", layers=1, scale=0.5, max_iter=15, random_state=0).fit(X, y)
    assert clf.encoding_.n_qubits == 3
    assert clf.weights_.shape == (12,)


# -- scikit-learn estimator checks ---------------------------------------------------------------
# Checks that cannot apply, each with the reason (passed to check_estimator, which then expects
# them to fail -- so a check that starts passing is reported).
QSVC_EXPECTED_FAILURES: dict[str, str] = {}
VQC_EXPECTED_FAILURES: dict[str, str] = {}


def _check(est, expected):
    from sklearn.utils.estimator_checks import check_estimator

    # scikit-learn itself skips two checks here (array-API input needs SCIPY_ARRAY_API=1 and an
    # array library; the not-an-array check needs pandas): on_skip=None keeps those skips from
    # becoming warnings, which this test suite turns into errors
    return check_estimator(est, expected_failed_checks=expected, on_fail="raise", on_skip=None)


@pytest.mark.slow
def test_qsvc_passes_sklearn_estimator_checks():
    # the defaults, as a user gets them (issue #25), and a hand-picked kernel
    _check(QSVC(), QSVC_EXPECTED_FAILURES)
    _check(QSVC(kernel=QuantumKernel(feature_map="angle", scale=0.5), random_state=0), QSVC_EXPECTED_FAILURES)


def test_default_qsvc_trains_on_the_three_blobs():
    """scikit-learn's check_classifiers_train asks for a training accuracy above 0.83 on
    standardised 3-blob data; the default QSVC meets it on raw and on standardised blobs."""
    from sklearn.datasets import make_blobs
    from sklearn.preprocessing import StandardScaler

    X, y = make_blobs(n_samples=300, random_state=0)
    for data in (X, StandardScaler().fit_transform(X), 50.0 * X + 7.0):
        assert (QSVC().fit(data, y).predict(data) == y).mean() > 0.83
    Xb, yb = X[y != 2], y[y != 2]
    clf = QSVC().fit(Xb, yb)
    assert (clf.predict(Xb) == yb).mean() > 0.83
    np.testing.assert_array_equal(clf.classes_[np.argmax(clf.predict_proba(Xb), axis=1)], clf.predict(Xb))


def test_qsvc_refuses_a_kernel_that_cannot_fit_in_memory():
    from qtilab.errors import SimulationError

    X = np.random.default_rng(0).normal(size=(20, 40))
    y = np.arange(20) % 2
    with pytest.raises(SimulationError, match=r"40-qubit states.*TiB"):
        QSVC().fit(X, y)


@pytest.mark.slow
def test_vqc_passes_sklearn_estimator_checks():
    _check(VQC(random_state=0), VQC_EXPECTED_FAILURES)
