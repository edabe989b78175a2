"""Quantum kernels and the quantum support-vector classifier.

:class:`QuantumKernel` computes

* the **fidelity kernel** ``k(x, y) = |<phi(x)|phi(y)>|**2``: every sample's state is simulated
  once (all samples in one batched call) and the Gram matrix is one matrix product of the state
  matrices, ``|S_x^* S_y^T|**2`` -- no circuit is built per pair;
* the **projected quantum kernel** of Huang et al. (Nat. Commun. 12, 2631, 2021),
  ``k(x, y) = exp(-gamma sum_q ||rho_q(x) - rho_q(y)||_F**2)`` over the one-qubit reduced
  density matrices (computed from the Bloch vectors, ``||rho - sigma||_F**2 = |r - s|**2 / 2``);
* optionally a **finite-shot estimate** of either (binomial sampling of the compute-uncompute
  all-zeros probability for the fidelity kernel; of the Pauli expectations for the projected one);
* diagnostics: mean and variance of the off-diagonal entries (exponential concentration is the
  failure mode to watch) and the kernel-target alignment of Cristianini et al. (2002).

:class:`QSVC` is a scikit-learn classifier: an SVC on the precomputed quantum kernel.

Examples
--------
>>> import numpy as np
>>> from qtilab.qml.kernels import QuantumKernel
>>> qk = QuantumKernel(feature_map="zz", n_qubits=2, scale=0.5)
>>> K = qk.evaluate(np.array([[0.1, 0.2], [0.3, 0.4]]))
>>> K.shape, bool(np.allclose(np.diag(K), 1.0))
((2, 2), True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from qtilab._memory import check_allocation
from qtilab._optional import require
from qtilab.errors import ConfigError, DataError, SimulationError
from qtilab.qml.encodings import Encoding, check_features, make_encoding

_KINDS = ("fidelity", "projected")


@dataclass
class KernelDiagnostics:
    """Summary statistics of a kernel matrix.

    Attributes
    ----------
    mean_offdiag, var_offdiag: mean and variance of the off-diagonal entries. A mean near 0
        with a tiny variance means the kernel has concentrated (every pair looks orthogonal);
        reduce the encoding's ``scale``.
    min_offdiag, max_offdiag: range of the off-diagonal entries.
    alignment: kernel-target alignment ``<K, T>_F / (||K||_F ||T||_F)`` with
        ``T_ij = +1`` for equal labels and ``-1`` otherwise (None without labels).
    n_samples: size of the matrix.
    """

    mean_offdiag: float
    var_offdiag: float
    min_offdiag: float
    max_offdiag: float
    alignment: float | None
    n_samples: int


def kernel_target_alignment(K: Any, y: Any) -> float:
    """Kernel-target alignment of a square kernel matrix with labels ``y``.

    ``A = <K, T>_F / (||K||_F ||T||_F)`` with ``T_ij = 1`` if ``y_i == y_j`` else ``-1``
    (for two classes ``T = y y^T`` with labels +-1).
    """
    K = np.asarray(K, dtype=float)
    y = np.asarray(y)
    if K.ndim != 2 or K.shape[0] != K.shape[1]:
        raise DataError(f"kernel_target_alignment: K must be square, got shape {K.shape}")
    if y.shape != (K.shape[0],):
        raise DataError(f"kernel_target_alignment: y must have shape ({K.shape[0]},), got {y.shape}")
    T = np.where(y[:, None] == y[None, :], 1.0, -1.0)
    den = np.linalg.norm(K) * np.linalg.norm(T)
    return float(np.sum(K * T) / den) if den > 0 else 0.0


def kernel_diagnostics(K: Any, y: Any = None) -> KernelDiagnostics:
    """:class:`KernelDiagnostics` of a square kernel matrix (labels optional)."""
    K = np.asarray(K, dtype=float)
    if K.ndim != 2 or K.shape[0] != K.shape[1] or K.shape[0] < 2:
        raise DataError(f"kernel diagnostics need a square matrix of at least 2 x 2, got {K.shape}")
    off = K[~np.eye(K.shape[0], dtype=bool)]
    return KernelDiagnostics(
        mean_offdiag=float(off.mean()),
        var_offdiag=float(off.var()),
        min_offdiag=float(off.min()),
        max_offdiag=float(off.max()),
        alignment=None if y is None else kernel_target_alignment(K, y),
        n_samples=int(K.shape[0]),
    )


class QuantumKernel:
    """A quantum kernel over an encoding (feature map).

    Parameters
    ----------
    feature_map: an encoding name (``"zz"`` -- Havlicek et al.'s ZZ map, ``"angle"``,
        ``"iqp"``, ``"amplitude"``, ``"reuploading"``) or an :class:`~qtilab.qml.encodings.Encoding`
        instance (then ``n_qubits``, ``scale``, ``reps`` and ``entanglement`` are taken from it).
    n_qubits: qubits of the encoding; default: what the encoding needs for the data.
    scale: feature scale (bandwidth); smaller values keep a many-qubit kernel from
        concentrating.
    reps: repetitions (``zz``, ``iqp``) or layers (``reuploading``).
    entanglement: ``"full"``, ``"linear"`` or ``"circular"`` (``zz``, ``iqp``).
    kind: ``"fidelity"`` or ``"projected"`` (Huang et al. 2021).
    gamma: width of the projected kernel.
    shots: if given, a finite-shot estimate with this many shots per entry (fidelity) or per
        Pauli expectation (projected); ``seed`` makes it reproducible.
    seed: integer seed or ``numpy.random.Generator`` for the shot noise.
    dtype: ``complex128`` (default) or ``complex64`` for the state simulation.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(5, 3))
    >>> K = QuantumKernel(feature_map="zz", n_qubits=3, scale=0.3).evaluate(X)
    >>> K.shape
    (5, 5)
    """

    def __init__(
        self,
        feature_map: str | Encoding = "zz",
        n_qubits: int | None = None,
        scale: float = 1.0,
        reps: int = 2,
        entanglement: str = "full",
        kind: str = "fidelity",
        gamma: float = 1.0,
        shots: int | None = None,
        seed: int | np.random.Generator | None = None,
        dtype: Any = np.complex128,
    ) -> None:
        self.feature_map = feature_map
        self.n_qubits = n_qubits
        self.scale = scale
        self.reps = reps
        self.entanglement = entanglement
        self.kind = kind
        self.gamma = gamma
        self.shots = shots
        self.seed = seed
        self.dtype = dtype

    # -- sklearn-style parameter access (so that estimators can clone/grid-search it) -----
    _PARAMS = ("feature_map", "n_qubits", "scale", "reps", "entanglement", "kind", "gamma", "shots", "seed", "dtype")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._PARAMS}

    def set_params(self, **params: Any) -> QuantumKernel:
        for k, v in params.items():
            if k not in self._PARAMS:
                raise ConfigError(f"QuantumKernel has no parameter {k!r}; parameters: {self._PARAMS}")
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        fm = self.feature_map if isinstance(self.feature_map, str) else repr(self.feature_map)
        return f"QuantumKernel(feature_map={fm!r}, n_qubits={self.n_qubits}, scale={self.scale}, kind={self.kind!r})"

    # -- building blocks -------------------------------------------------------------------
    def _check(self) -> None:
        if self.kind not in _KINDS:
            raise ConfigError(f"kind must be one of {_KINDS}, got {self.kind!r}")
        if self.shots is not None and (
            isinstance(self.shots, bool) or not isinstance(self.shots, (int, np.integer)) or self.shots < 1
        ):
            raise ConfigError(f"shots must be a positive integer or None, got {self.shots!r}")
        if self.kind == "projected" and not (np.isfinite(self.gamma) and self.gamma > 0):
            raise ConfigError(f"gamma must be a positive number, got {self.gamma!r}")

    def encoding(self, n_features: int) -> Encoding:
        """The encoding used for data with ``n_features`` features."""
        if isinstance(self.feature_map, Encoding):
            if self.feature_map.n_features != n_features:
                raise DataError(
                    f"data has {n_features} features but the feature map was built for {self.feature_map.n_features}"
                )
            return self.feature_map
        if not isinstance(self.feature_map, str):
            raise ConfigError(f"feature_map must be a name or an Encoding, got {type(self.feature_map).__name__}")
        name = self.feature_map
        kw: dict[str, Any] = {}
        if name in ("zz", "iqp"):
            kw = {"reps": self.reps, "entanglement": self.entanglement}
        elif name == "reuploading":
            kw = {"layers": self.reps}
        return make_encoding(name, n_features, self.n_qubits, self.scale, **kw)

    def _rng(self) -> np.random.Generator:
        return self.seed if isinstance(self.seed, np.random.Generator) else np.random.default_rng(self.seed)

    def states(self, X: Any) -> np.ndarray:
        """Encoded states of the samples, shape (N, 2**n_qubits), one batched simulation."""
        arr = check_features(X, None, "QuantumKernel")
        return self.encoding(arr.shape[1]).states(arr, dtype=self.dtype)

    def embed(self, X: Any) -> np.ndarray:
        """What the Gram matrix is formed from: the states (fidelity) or the Bloch vectors
        (projected, shape (N, 3 * n_qubits), components <X_q>, <Y_q>, <Z_q> per qubit)."""
        self._check()
        st = self.states(X)
        if self.kind == "fidelity":
            return st
        return bloch_vectors(st)

    def gram(self, EX: np.ndarray, EY: np.ndarray | None = None, rng: np.random.Generator | None = None) -> np.ndarray:
        """Kernel matrix from embeddings returned by :meth:`embed` (``EY=None``: symmetric)."""
        self._check()
        rng = rng if rng is not None else self._rng()
        sym = EY is None
        EYv = EX if EY is None else EY
        n, m = EX.shape[0], EYv.shape[0]
        # the complex overlaps, the kernel and (symmetric) the triangle's indices
        check_allocation(
            48.0 * n * m, f"a {n} x {m} kernel matrix", hint="evaluate the kernel in blocks of rows",
            error=SimulationError,
        )
        if self.kind == "fidelity":
            # one matrix product for all pairs: <phi(x_i)|phi(y_j)>
            K = _fidelity_gram(EX, None if sym else EYv)
            if self.shots is not None:
                K = _shot_fidelity(K, int(self.shots), sym, rng)
            elif sym:
                np.fill_diagonal(K, 1.0)  # exact up to rounding; make it exact
            return np.clip(K, 0.0, 1.0) if self.shots is None else K
        bx, by = EX, EYv
        if self.shots is not None:
            bx = _shot_pauli(bx, int(self.shots), rng)
            by = bx if sym else _shot_pauli(by, int(self.shots), rng)
        d2 = np.sum(bx**2, 1)[:, None] + np.sum(by**2, 1)[None, :] - 2.0 * bx @ by.T
        K = np.exp(-self.gamma * 0.5 * np.maximum(d2, 0.0))
        if sym:
            np.fill_diagonal(K, 1.0)
        return np.asarray(K)

    def evaluate(self, X: Any, Y: Any = None) -> np.ndarray:
        """The kernel matrix ``K[i, j] = k(X[i], Y[j])`` (``Y=None``: ``Y = X``, symmetric).

        Returns a float64 array of shape (len(X), len(Y)).
        """
        EX = self.embed(X)
        EY = None if Y is None else self.embed(Y)
        return self.gram(EX, EY)

    __call__ = evaluate

    def diagnostics(self, X: Any, y: Any = None) -> KernelDiagnostics:
        """Off-diagonal statistics and (with labels) kernel-target alignment on ``X``."""
        return kernel_diagnostics(self.evaluate(X), y)


def bloch_vectors(states: np.ndarray) -> np.ndarray:
    """One-qubit Bloch vectors of a state batch: (B, 3 n) with <X_q>, <Y_q>, <Z_q> for each q."""
    from qtilab.sim import kernels as SK

    B, D = states.shape
    n = D.bit_length() - 1
    st = np.ascontiguousarray(states)
    out = np.empty((B, 3 * n))
    for q in range(n):
        bit = 1 << q
        out[:, 3 * q] = SK.pauli_expectation(st, bit, 0, 0)
        out[:, 3 * q + 1] = SK.pauli_expectation(st, bit, bit, 1)
        out[:, 3 * q + 2] = SK.pauli_expectation(st, 0, bit, 0)
    return out


def _fidelity_gram(A: np.ndarray, B: np.ndarray | None) -> np.ndarray:
    """``|A^* B^T|**2``; for ``B=None`` the Hermitian product ``A A^dag`` by BLAS ``herk``
    (half the work of a general product), mirrored into a full symmetric matrix."""
    if B is None and A.dtype in (np.complex128, np.complex64):
        from scipy.linalg import blas

        herk = blas.zherk if A.dtype == np.complex128 else blas.cherk
        C = herk(1.0, A)  # upper triangle of A A^dag = conj(<phi_i|phi_j>); |.|^2 is the same
        K = C.real**2 + C.imag**2
        iu = np.triu_indices(K.shape[0], 1)
        K[(iu[1], iu[0])] = K[iu]
        return np.asarray(K, dtype=np.float64)
    G = A.conj() @ (A if B is None else B).T
    return np.asarray(G.real**2 + G.imag**2, dtype=np.float64)


def _shot_fidelity(K: np.ndarray, shots: int, sym: bool, rng: np.random.Generator) -> np.ndarray:
    """Finite-shot estimate: the compute-uncompute circuit returns all zeros with probability
    k(x, y), so the estimate is Binomial(shots, k) / shots (diagonal exactly 1 when symmetric)."""
    p = np.clip(K, 0.0, 1.0)
    if not sym:
        return np.asarray(rng.binomial(shots, p) / shots)
    n = K.shape[0]
    iu = np.triu_indices(n, 1)
    est = np.eye(n)
    vals = rng.binomial(shots, p[iu]) / shots
    est[iu] = vals
    est[(iu[1], iu[0])] = vals
    return est


def _shot_pauli(b: np.ndarray, shots: int, rng: np.random.Generator) -> np.ndarray:
    """Finite-shot estimates of Pauli expectations: outcome +1 with probability (1 + <P>)/2."""
    p = np.clip((1.0 + b) / 2.0, 0.0, 1.0)
    return 2.0 * rng.binomial(shots, p) / shots - 1.0


# ---------------------------------------------------------------------------------------------
# scikit-learn estimator
# ---------------------------------------------------------------------------------------------
_sk_base = require("sklearn.base", extra="ml")
_available_if = require("sklearn.utils.metaestimators", extra="ml").available_if


#: the default QSVC's feature scale (ZZ map on standardised features); chosen so that a default
#: QSVC passes scikit-learn's check_classifiers_train (tests/qml/test_qml_classifiers.py)
DEFAULT_SCALE = 0.2


class QSVC(_sk_base.ClassifierMixin, _sk_base.BaseEstimator):  # type: ignore[misc,name-defined]
    """Support-vector classifier on a quantum kernel (scikit-learn estimator).

    The training states are simulated once in :meth:`fit`; prediction simulates only the new
    samples and forms their kernel against the stored training embeddings.

    Parameters
    ----------
    kernel: a :class:`QuantumKernel`. Default (``None``): the features are standardised (zero
        mean, unit variance, fitted on the training set) and fed to the ZZ map with 2 reps at
        ``scale=DEFAULT_SCALE`` (0.2): at scale 1 the ZZ map is too rough for standardised
        features (a training accuracy of 0.57 on scikit-learn's 3-blob check). A kernel given
        here sees the features as they are.
    C: SVC regularisation.
    class_weight: as for :class:`sklearn.svm.SVC`.
    probability: fit a Platt (logistic) calibration on cross-validated decision values so that
        :meth:`predict_proba` is available (scikit-learn deprecated SVC's own option).
    tol, max_iter: SVC solver settings.
    random_state: seed of the calibration folds.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 2)); y = (X[:, 0] * X[:, 1] > 0).astype(int)
    >>> clf = QSVC(kernel=QuantumKernel(feature_map="zz", n_qubits=2, scale=0.5), C=1.0).fit(X, y)
    >>> clf.predict(X[:3]).shape
    (3,)
    """

    def __init__(
        self,
        kernel: QuantumKernel | None = None,
        C: float = 1.0,
        class_weight: Any = None,
        probability: bool = True,
        tol: float = 1e-3,
        max_iter: int = -1,
        random_state: int | None = None,
    ) -> None:
        self.kernel = kernel
        self.C = C
        self.class_weight = class_weight
        self.probability = probability
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags

    def _svc(self) -> Any:
        from sklearn.svm import SVC

        return SVC(
            C=self.C, kernel="precomputed", class_weight=self.class_weight, tol=self.tol,
            max_iter=self.max_iter, random_state=self.random_state,
        )

    def fit(self, X: Any, y: Any) -> QSVC:
        """Simulate the training states, build the Gram matrix and fit the SVC."""
        from sklearn.utils.multiclass import check_classification_targets
        from sklearn.utils.validation import validate_data

        X, y = validate_data(self, X, y)
        check_classification_targets(y)
        self.scaler_ = None
        if self.kernel is None:
            from sklearn.preprocessing import StandardScaler

            self.scaler_ = StandardScaler().fit(X)
            X = self.scaler_.transform(X)
            kernel = QuantumKernel(feature_map="zz", scale=DEFAULT_SCALE)
        else:
            kernel = self.kernel
        if not isinstance(kernel, QuantumKernel):
            raise ConfigError(f"kernel must be a QuantumKernel, got {type(kernel).__name__}")
        self.kernel_ = kernel
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        self.train_embedding_ = kernel.embed(X)
        K = kernel.gram(self.train_embedding_)
        self.svc_ = self._svc().fit(K, y_enc)
        self.n_iter_ = self.svc_.n_iter_
        self.platt_ = None
        if self.probability and len(self.classes_) >= 2:
            self.platt_ = self._fit_platt(K, y_enc)
        return self

    def _fit_platt(self, K: np.ndarray, y_enc: np.ndarray) -> Any:
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold, cross_val_predict

        n_min = int(np.bincount(y_enc).min())
        folds = min(5, n_min)
        if folds >= 2:
            cv = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
            dec = cross_val_predict(self._svc(), K, y_enc, cv=cv, method="decision_function")
        else:  # too few samples of a class for folds: calibrate on the training decisions
            dec = self.svc_.decision_function(K)
        # two classes: no intercept, so that P(class 1) > 1/2 exactly where the SVC predicts
        # class 1 (decision > 0) and predict_proba agrees with predict (scikit-learn checks it)
        binary = np.asarray(dec).ndim == 1
        return LogisticRegression(fit_intercept=not binary).fit(np.asarray(dec).reshape(len(y_enc), -1), y_enc)

    def _kernel_to_train(self, X: Any) -> np.ndarray:
        from sklearn.utils.validation import check_is_fitted, validate_data

        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        if self.scaler_ is not None:
            X = self.scaler_.transform(X)
        return self.kernel_.gram(self.kernel_.embed(X), self.train_embedding_)

    def decision_function(self, X: Any) -> np.ndarray:
        """SVC decision values, (N,) for two classes, (N, n_classes) otherwise."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        return np.asarray(self.svc_.decision_function(self._kernel_to_train(X)))

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels, (N,)."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self)
        return np.asarray(self.classes_[self.svc_.predict(self._kernel_to_train(X))])

    def _check_proba(self) -> bool:
        if not self.probability:
            raise AttributeError("predict_proba is available only with probability=True")
        return True

    @_available_if(_check_proba)  # type: ignore[misc]
    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities from Platt scaling of the decision values, (N, n_classes)."""
        dec = self.decision_function(X)
        if self.platt_ is None:
            raise AttributeError("predict_proba needs probability=True at fit time")
        return np.asarray(self.platt_.predict_proba(dec.reshape(dec.shape[0], -1)))

    @_available_if(_check_proba)  # type: ignore[misc]
    def predict_log_proba(self, X: Any) -> np.ndarray:
        return np.asarray(np.log(np.clip(self.predict_proba(X), 1e-300, None)))


__all__ = ["KernelDiagnostics", "QSVC", "QuantumKernel", "bloch_vectors", "kernel_diagnostics", "kernel_target_alignment"]
