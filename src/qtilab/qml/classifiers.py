"""Variational quantum classifier (scikit-learn estimator) trained with adjoint gradients.

Model: the data encoding (one batched circuit for all samples) followed by a trainable ansatz.
The readout is ``<Z_c>`` on qubit c; logits are ``s * <Z_c> + b_c`` with a trainable output
scale ``s`` and biases ``b_c`` (two classes: one logit from ``<Z_0>`` and a sigmoid; more classes:
one qubit per class and a softmax). The loss is the mean cross-entropy plus an optional L2
penalty; L-BFGS (scipy) minimises it, and every gradient is one forward simulation of the
batch plus one adjoint sweep (:func:`qtilab.sim.gradients.adjoint_vjp`), whatever the number of
weights.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X = rng.uniform(-1, 1, size=(40, 2)); y = (X[:, 0] > 0).astype(int)
>>> clf = VQC(layers=1, max_iter=30, random_state=0).fit(X, y)
>>> clf.score(X, y) > 0.8
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit

from qtilab._optional import require
from qtilab.core.circuit import Circuit
from qtilab.core.observables import Observable
from qtilab.errors import ConfigError, DataError
from qtilab.qml.ansatz import make_ansatz
from qtilab.qml.encodings import Encoding, make_encoding

_sk_base = require("sklearn.base", extra="ml")

#: at most this many qubits by default (angle encodings wrap extra features round)
_MAX_DEFAULT_QUBITS = 8


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True))


class VQC(_sk_base.ClassifierMixin, _sk_base.BaseEstimator):  # type: ignore[misc,name-defined]
    """Variational quantum classifier.

    Parameters
    ----------
    feature_map: encoding name (``"angle"`` default, ``"zz"``, ``"iqp"``, ``"reuploading"``) or an
        :class:`~qtilab.qml.encodings.Encoding`.
    ansatz: ``"hardware_efficient"`` (default), ``"strongly_entangling"``, ``"real_amplitudes"``,
        ``"sim1"`` ... ``"sim19"`` (Sim et al. 2019) or an int 1-19.
    n_qubits: qubits; default ``min(n_features, 8)`` (angle encodings wrap extra features round),
        and at least the number of classes (one readout qubit per class beyond two).
    layers: ansatz layers.
    scale: feature scale of the encoding.
    alpha: L2 penalty on the circuit weights.
    max_iter, tol: L-BFGS settings.
    random_state: seed of the initial weights.

    Attributes
    ----------
    classes_, weights_ (circuit weights), output_scale_, bias_, n_iter_, loss_curve_.
    """

    def __init__(
        self,
        feature_map: str | Encoding = "angle",
        ansatz: str | int = "hardware_efficient",
        n_qubits: int | None = None,
        layers: int = 2,
        scale: float = 1.0,
        alpha: float = 0.0,
        max_iter: int = 100,
        tol: float = 1e-6,
        random_state: int | None = None,
    ) -> None:
        self.feature_map = feature_map
        self.ansatz = ansatz
        self.n_qubits = n_qubits
        self.layers = layers
        self.scale = scale
        self.alpha = alpha
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags

    # -- model -------------------------------------------------------------------------------
    def _encoding(self, n_features: int, n_classes: int) -> Encoding:
        if isinstance(self.feature_map, Encoding):
            if self.feature_map.n_features != n_features:
                raise DataError(f"data has {n_features} features, the encoding expects {self.feature_map.n_features}")
            return self.feature_map
        nq = self.n_qubits
        if nq is None:
            nq = n_features if self.feature_map in ("zz", "iqp") else min(n_features, _MAX_DEFAULT_QUBITS)
            nq = max(nq, n_classes if n_classes > 2 else 1)
        return make_encoding(str(self.feature_map), n_features, nq, self.scale)

    def _circuit(self, X: np.ndarray) -> Circuit:
        enc = self.encoding_
        c = enc.circuit(X)
        if c.n_qubits < self.n_readout_:
            raise ConfigError(f"{len(self.classes_)} classes need {self.n_readout_} readout qubits, the encoding has {c.n_qubits}")
        return c.compose(self._ansatz_circuit())

    def _ansatz_circuit(self) -> Circuit:
        # rebuilt when needed rather than stored: fitted estimators stay picklable
        return make_ansatz(self.ansatz, self.encoding_.n_qubits, self.layers, prefix="w")

    def _observables(self) -> list[Observable]:
        return [Observable.z(q) for q in range(self.n_readout_)]

    def _expvals(self, X: np.ndarray, w: np.ndarray) -> np.ndarray:
        from qtilab.sim.gradients import expectation_values

        return expectation_values(self._circuit(X), self._observables(), list(w))  # (K, N)

    def _logits(self, E: np.ndarray, s: float, b: np.ndarray) -> np.ndarray:
        return np.asarray(s * E.T + b)  # (N, K)

    # -- fit -----------------------------------------------------------------------------------
    def fit(self, X: Any, y: Any) -> VQC:
        """Train the circuit weights (and output scale/bias) by L-BFGS with adjoint gradients."""
        from scipy.optimize import minimize
        from sklearn.utils.multiclass import check_classification_targets
        from sklearn.utils.validation import validate_data

        from qtilab.sim.gradients import adjoint_vjp, expectation_values

        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        C = len(self.classes_)
        if C < 2:
            raise ValueError(f"VQC needs samples of at least 2 classes; got 1 class ({self.classes_[0]!r})")
        if isinstance(self.max_iter, bool) or not isinstance(self.max_iter, (int, np.integer)) or self.max_iter < 1:
            raise ConfigError(f"max_iter must be a positive integer, got {self.max_iter!r}")
        self.n_readout_ = 1 if C == 2 else C
        self.encoding_ = self._encoding(X.shape[1], C)
        nw = self._ansatz_circuit().num_parameters
        rng = np.random.default_rng(self.random_state)
        w0 = rng.uniform(-np.pi, np.pi, nw)
        K = self.n_readout_
        x0 = np.concatenate([w0, [2.0], np.zeros(K)])
        circ = self._circuit(X)
        obs = self._observables()
        N = X.shape[0]
        Y = np.eye(C)[y_enc] if C > 2 else y_enc.astype(float)
        curve: list[float] = []

        def loss_grad(v: np.ndarray) -> tuple[float, np.ndarray]:
            w, s, b = v[:nw], v[nw], v[nw + 1 :]
            # the cotangent of the expectation values needs the values first
            E = expectation_values(circ, obs, list(w))  # (K, N)
            if C == 2:
                z = s * E[0] + b[0]  # one logit; dL/dz = sigmoid(z) - y
                p = expit(z)
                L = -np.mean(Y * np.log(p + 1e-12) + (1 - Y) * np.log(1 - p + 1e-12))
                dz = (p - Y) / N
                gE = (s * dz)[None, :]
                gs = float(np.sum(dz * E[0]))
                gb = np.array([np.sum(dz)])
            else:
                P = _softmax(self._logits(E, s, b))
                L = -np.mean(np.log(np.sum(P * Y, axis=1) + 1e-12))
                dZ = (P - Y) / N  # (N, K)
                gE = s * dZ.T
                gs = float(np.sum(dZ * E.T))
                gb = dZ.sum(axis=0)
            if nw:
                _, gw = adjoint_vjp(circ, obs, gE, list(w))
                gw = gw.sum(axis=0)
            else:
                gw = np.zeros(0)
            L += 0.5 * self.alpha * float(w @ w)
            gw = gw + self.alpha * w
            curve.append(float(L))
            return float(L), np.concatenate([gw, [gs], gb])

        res = minimize(loss_grad, x0, jac=True, method="L-BFGS-B", options={"maxiter": int(self.max_iter), "gtol": self.tol})
        v = res.x
        self.weights_ = v[:nw]
        self.output_scale_ = float(v[nw])
        self.bias_ = v[nw + 1 :]
        self.n_iter_ = int(res.nit)
        self.loss_curve_ = curve
        return self

    # -- predict ---------------------------------------------------------------------------------
    def _check_X(self, X: Any) -> np.ndarray:
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self)
        return np.asarray(validate_data(self, X, reset=False))

    def decision_function(self, X: Any) -> np.ndarray:
        """Logits: (N,) for two classes (positive favours ``classes_[1]``), (N, C) otherwise."""
        X = self._check_X(X)
        Z = self._logits(self._expvals(X, self.weights_), self.output_scale_, self.bias_)
        return Z[:, 0] if len(self.classes_) == 2 else Z

    def predict_proba(self, X: Any) -> np.ndarray:
        d = self.decision_function(X)
        if len(self.classes_) == 2:
            p1 = expit(d)
            return np.column_stack([1 - p1, p1])
        return _softmax(d)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        return np.asarray(np.log(np.clip(self.predict_proba(X), 1e-300, None)))

    def predict(self, X: Any) -> np.ndarray:
        d = self.decision_function(X)
        idx = (d > 0).astype(int) if len(self.classes_) == 2 else np.argmax(d, axis=1)
        return np.asarray(self.classes_[idx])


__all__ = ["VQC"]
