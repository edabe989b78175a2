"""Data encodings (feature maps): classical vectors -> quantum states.

Every encoding takes a ``scale`` (bandwidth) parameter that multiplies the features before they
become angles. A fidelity kernel over many qubits concentrates towards the identity
(off-diagonal entries -> 0) unless the scale is tuned down (Shaydulin & Wild 2022, Canatar et
al. 2022); the scale is the knob that keeps the kernel useful.

An encoding builds one circuit for a whole data batch: each angle is an array of shape (B,),
one value per sample, so the engine simulates all samples in one call.

Qubit order as everywhere in qtilab: qubit ``q`` is bit ``q`` of the basis-state index.

Examples
--------
>>> import numpy as np
>>> from qtilab.qml.encodings import ZZFeatureMap
>>> fm = ZZFeatureMap(n_features=2, reps=2, scale=0.5)
>>> fm.states(np.array([[0.1, 0.2], [0.3, 0.4]])).shape
(2, 4)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from qtilab._memory import check_allocation
from qtilab.core.circuit import Circuit
from qtilab.core.parameters import Parameter, ParameterExpression
from qtilab.errors import ConfigError, DataError, SimulationError

_ROTATIONS = ("rx", "ry", "rz")


def check_features(X: Any, n_features: int | None = None, where: str = "encoding") -> np.ndarray:
    """Validate a data matrix and return it as a float64 (N, d) array.

    A 1-D array is one sample. Raises :class:`DataError` for NaN/inf, wrong rank or a feature
    count different from ``n_features``.
    """
    try:
        arr = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where}: data is not numeric ({exc})") from None
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise DataError(f"{where}: data must have shape (n_samples, n_features), got {arr.shape}")
    if arr.shape[0] == 0:
        raise DataError(f"{where}: data has no samples")
    if not np.all(np.isfinite(arr)):
        raise DataError(f"{where}: data contains NaN or infinite values; clean or impute them first")
    if n_features is not None and arr.shape[1] != n_features:
        raise DataError(
            f"{where}: data has {arr.shape[1]} features but the encoding was built for {n_features}"
        )
    return np.ascontiguousarray(arr)


def _check_pos_int(v: Any, name: str, minimum: int = 1) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {v!r}")
    return int(v)


def _check_scale(scale: Any) -> float:
    try:
        s = float(scale)
    except (TypeError, ValueError):
        raise ConfigError(f"scale must be a positive number, got {scale!r}") from None
    if not math.isfinite(s) or s <= 0:
        raise ConfigError(f"scale must be a positive finite number, got {scale!r}")
    return s


class Encoding:
    """Base class: an encoding of ``n_features`` real features on ``n_qubits`` qubits.

    Subclasses implement :meth:`_apply`, which appends the encoding gates to a circuit given
    one value per feature; a value is a (B,) array (a data batch) or, for encodings that are
    affine in the features, a :class:`Parameter` (for templates with symbolic inputs).
    """

    name = "encoding"
    #: whether the gate angles are affine in the features (then :meth:`template` works)
    affine = True

    def __init__(self, n_features: int, n_qubits: int | None = None, scale: float = 1.0) -> None:
        self.n_features = _check_pos_int(n_features, "n_features")
        self.n_qubits = self.n_features if n_qubits is None else _check_pos_int(n_qubits, "n_qubits")
        self.scale = _check_scale(scale)

    # -- to implement --------------------------------------------------------------------
    def _apply(self, c: Circuit, xs: Sequence[Any]) -> None:
        raise NotImplementedError

    # -- public ----------------------------------------------------------------------------
    def circuit(self, X: Any) -> Circuit:
        """The encoding circuit for a batch ``X`` of shape (B, n_features) (angles are (B,) arrays)."""
        arr = check_features(X, self.n_features, self.name)
        c = Circuit(self.n_qubits, name=self.name)
        self._apply(c, [self.scale * arr[:, i] for i in range(self.n_features)])
        return c

    def template(self, prefix: str = "x") -> tuple[Circuit, list[Parameter]]:
        """A circuit with symbolic inputs ``x0, x1, ...`` (one :class:`Parameter` per feature).

        Only for encodings whose angles are affine in the features (angle, re-uploading);
        raises :class:`ConfigError` otherwise.
        """
        if not self.affine:
            raise ConfigError(
                f"{self.name}: angles are products of features, which symbolic (affine) parameters "
                "cannot express; use circuit(X) with data, or an affine encoding (angle, reuploading)"
            )
        ps = [Parameter(f"{prefix}{i}") for i in range(self.n_features)]
        c = Circuit(self.n_qubits, name=self.name)
        self._apply(c, [self.scale * p for p in ps])
        return c, ps

    def states(self, X: Any, dtype: Any = np.complex128) -> np.ndarray:
        """The encoded states, shape (B, 2**n_qubits)."""
        from qtilab.sim.statevector import simulate

        arr = check_features(X, self.n_features, self.name)
        res = simulate(self.circuit(arr), dtype=dtype)
        st = res.states
        if st.shape[0] != arr.shape[0]:  # an encoding with no data-dependent gate
            st = np.repeat(st, arr.shape[0], axis=0)
        return st

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_features={self.n_features}, n_qubits={self.n_qubits}, scale={self.scale:g})"


def _walsh_hadamard(st: np.ndarray, n: int) -> np.ndarray:
    """H on every qubit of a (B, 2**n) batch, in place by butterflies (n passes)."""
    B = st.shape[0]
    inv = 1.0 / np.sqrt(2.0)
    for q in range(n):
        v = st.reshape(B, 2 ** (n - 1 - q), 2, 2**q)
        a = v[:, :, 0, :].copy()
        b = v[:, :, 1, :]
        v[:, :, 0, :] += b
        v[:, :, 0, :] *= inv
        a -= b
        a *= inv
        v[:, :, 1, :] = a
    return st


def _check_states_memory(n: int, batch: int, bytes_per_amplitude: float) -> None:
    """Refuse (SimulationError, with the figures) a batch of 2**n-amplitude states that does
    not fit, before any array is made; ``bytes_per_amplitude`` counts the working copies."""
    if n > 62:
        raise SimulationError(f"{n} qubits cannot be held as state vectors (limit 62 by index width)")
    check_allocation(
        float(batch) * 2.0**n * bytes_per_amplitude,
        f"encoding {batch} sample(s) as {n}-qubit states",
        hint="use fewer features or n_qubits, a smaller batch, or an encoding on fewer qubits",
        error=SimulationError,
    )


def _diagonal_layer_states(
    n: int, reps: int, alpha: np.ndarray, beta: np.ndarray, gamma: np.ndarray, pairs: list[tuple[int, int]], dtype: Any
) -> np.ndarray:
    """States of ``reps`` x (H on all qubits, then the diagonal exp(i phase(b))) on |0>, with
    ``phase(b) = sum_q alpha_q b_q + beta_q z_q + sum_(i,j) gamma_ij z_i z_j`` and z = 1 - 2b.

    This is the exact circuit (same gates, same global phase per sample) computed by its
    structure: the phases of all samples are one real matrix product, the H layers are
    Walsh-Hadamard butterflies.
    """
    B, m = alpha.shape[0], len(pairs)
    _check_states_memory(n, B, bytes_per_amplitude=40.0 + 16.0 * (2 * n + m) / max(B, 1))
    D = 2**n
    idx = np.arange(D)
    bits = ((idx[None, :] >> np.arange(n)[:, None]) & 1).astype(float)  # (n, D)
    z = 1.0 - 2.0 * bits
    zz = np.array([z[i] * z[j] for i, j in pairs]).reshape(len(pairs), D)
    coef = np.concatenate([alpha, beta, gamma], axis=1)  # (B, 2n + m)
    basis = np.concatenate([bits, z, zz], axis=0)  # (2n + m, D)
    phase = coef @ basis  # (B, D)
    ph = np.exp(1j * phase)
    st = np.full((alpha.shape[0], D), 1.0 / np.sqrt(D), dtype=np.complex128)
    st *= ph
    for _ in range(reps - 1):
        _walsh_hadamard(st, n)
        st *= ph
    return np.ascontiguousarray(st, dtype=dtype)


def _product(a: Any, b: Any, where: str) -> Any:
    if isinstance(a, ParameterExpression) or isinstance(b, ParameterExpression):
        raise ConfigError(f"{where}: products of features cannot be symbolic parameters")
    return a * b


class AngleEncoding(Encoding):
    """One rotation per feature: feature ``i`` -> ``R(scale * x_i)`` on qubit ``i mod n_qubits``.

    ``rotation`` is ``"rx"``, ``"ry"`` (default) or ``"rz"``; ``rz`` is preceded by a Hadamard
    layer (an RZ on |0> would only add a phase). With more features than qubits the features
    wrap round and are applied in layers.
    """

    name = "angle"

    def __init__(self, n_features: int, n_qubits: int | None = None, scale: float = 1.0, rotation: str = "ry") -> None:
        super().__init__(n_features, n_qubits, scale)
        if rotation not in _ROTATIONS:
            raise ConfigError(f"rotation must be one of {_ROTATIONS}, got {rotation!r}")
        self.rotation = rotation

    def _apply(self, c: Circuit, xs: Sequence[Any]) -> None:
        if self.rotation == "rz":
            for q in range(self.n_qubits):
                c.h(q)
        for i, x in enumerate(xs):
            getattr(c, self.rotation)(x, i % self.n_qubits)


class ZZFeatureMap(Encoding):
    """The second-order Pauli-Z feature map of Havlicek et al. (Nature 567, 209, 2019).

    Each of ``reps`` repetitions applies H on every qubit, a phase ``2 phi_i`` with
    ``phi_i = x_i`` on qubit i, and for every pair (i < j) of ``entanglement`` a ZZ phase
    ``2 phi_ij`` with ``phi_ij = (pi - x_i)(pi - x_j)`` (features already multiplied by
    ``scale``). Phases are applied as P and RZZ gates, which equal Qiskit's
    ``ZZFeatureMap`` (P and CX-P-CX) up to a global phase per sample; fidelity kernels are
    identical.

    ``entanglement``: ``"full"`` (all pairs, the default as in Qiskit), ``"linear"``
    (i, i+1) or ``"circular"`` (linear plus (n-1, 0)). Needs n_qubits == n_features.
    """

    name = "zz"
    affine = False

    def __init__(
        self,
        n_features: int,
        n_qubits: int | None = None,
        scale: float = 1.0,
        reps: int = 2,
        entanglement: str = "full",
    ) -> None:
        super().__init__(n_features, n_qubits, scale)
        if self.n_qubits != self.n_features:
            raise ConfigError(f"{self.name}: needs one qubit per feature (n_qubits = n_features = {n_features})")
        self.reps = _check_pos_int(reps, "reps")
        self.pairs = entangler_pairs(self.n_qubits, entanglement)
        self.entanglement = entanglement

    def states(self, X: Any, dtype: Any = np.complex128) -> np.ndarray:
        """The encoded states (B, 2**n), computed from the circuit's structure (H layers and
        one diagonal per repetition); equal to simulating :meth:`circuit` (tested)."""
        x = self.scale * check_features(X, self.n_features, self.name)
        B = x.shape[0]
        alpha = 2.0 * x  # P(2 x_q): phase 2 x_q b_q
        beta = np.zeros_like(x)
        # RZZ(t) = exp(-i t/2 z_i z_j) with t = 2 (pi - x_i)(pi - x_j)
        gamma = np.stack([-(np.pi - x[:, i]) * (np.pi - x[:, j]) for i, j in self.pairs], axis=1) if self.pairs else np.zeros((B, 0))
        return _diagonal_layer_states(self.n_qubits, self.reps, alpha, beta, gamma, self.pairs, dtype)

    def _apply(self, c: Circuit, xs: Sequence[Any]) -> None:
        n = self.n_qubits
        for _ in range(self.reps):
            for q in range(n):
                c.h(q)
            for q in range(n):
                c.p(2.0 * xs[q], q)
            for i, j in self.pairs:
                c.rzz(2.0 * _product(math.pi - xs[i], math.pi - xs[j], self.name), i, j)


class IQPEncoding(Encoding):
    """An IQP encoding (Havlicek et al. 2019; PennyLane's ``IQPEmbedding``).

    Each of ``reps`` repetitions: H on every qubit, ``RZ(x_i)`` on qubit i, then
    ``RZZ(x_i x_j)`` on every pair of ``entanglement`` (features multiplied by ``scale``).
    """

    name = "iqp"
    affine = False

    def __init__(
        self, n_features: int, n_qubits: int | None = None, scale: float = 1.0, reps: int = 1, entanglement: str = "full"
    ) -> None:
        super().__init__(n_features, n_qubits, scale)
        if self.n_qubits != self.n_features:
            raise ConfigError(f"{self.name}: needs one qubit per feature (n_qubits = n_features = {n_features})")
        self.reps = _check_pos_int(reps, "reps")
        self.pairs = entangler_pairs(self.n_qubits, entanglement)

    def states(self, X: Any, dtype: Any = np.complex128) -> np.ndarray:
        """The encoded states (B, 2**n) from the circuit's structure (equal to simulating it)."""
        x = self.scale * check_features(X, self.n_features, self.name)
        B = x.shape[0]
        alpha = np.zeros_like(x)
        beta = -0.5 * x  # RZ(x) = exp(-i x/2 z)
        gamma = np.stack([-0.5 * x[:, i] * x[:, j] for i, j in self.pairs], axis=1) if self.pairs else np.zeros((B, 0))
        return _diagonal_layer_states(self.n_qubits, self.reps, alpha, beta, gamma, self.pairs, dtype)

    def _apply(self, c: Circuit, xs: Sequence[Any]) -> None:
        for _ in range(self.reps):
            for q in range(self.n_qubits):
                c.h(q)
            for q in range(self.n_qubits):
                c.rz(xs[q], q)
            for i, j in self.pairs:
                c.rzz(_product(xs[i], xs[j], self.name), i, j)


class DataReuploading(Encoding):
    """Data re-uploading (Perez-Salinas et al., Quantum 4, 226, 2020) without trainable blocks.

    ``layers`` times: ``RY(scale x_i)`` then ``RZ(scale x_i)`` on qubit ``i mod n_qubits``,
    followed by a CZ ladder. Trainable blocks between the uploads are added by
    :func:`qtilab.qml.ansatz.reuploading_circuit` (for classifiers).
    """

    name = "reuploading"

    def __init__(self, n_features: int, n_qubits: int | None = None, scale: float = 1.0, layers: int = 2) -> None:
        super().__init__(n_features, n_qubits, scale)
        self.layers = _check_pos_int(layers, "layers")

    def upload(self, c: Circuit, xs: Sequence[Any]) -> None:
        """One upload block (used between trainable layers)."""
        for i, x in enumerate(xs):
            c.ry(x, i % self.n_qubits)
            c.rz(x, i % self.n_qubits)

    def _apply(self, c: Circuit, xs: Sequence[Any]) -> None:
        for _ in range(self.layers):
            self.upload(c, xs)
            for q in range(self.n_qubits - 1):
                c.cz(q, q + 1)


class AmplitudeEncoding(Encoding):
    """Amplitude encoding: the normalised feature vector as the amplitudes of the state.

    Amplitude ``k`` (basis index k, qubit q = bit q) is ``v_k / |v|`` with ``v = x`` padded with
    zeros to ``2**n_qubits``. With ``offset=True`` the vector is ``(1, scale*x_1, ...,
    scale*x_d)``: then ``scale`` is a bandwidth (small scale: every state near |0>); without
    offset the normalisation removes any scale. :meth:`circuit` builds the Mottonen-style
    state preparation from multi-controlled RY rotations (real amplitudes); :meth:`states`
    writes the amplitudes directly.
    """

    name = "amplitude"
    affine = False

    def __init__(self, n_features: int, n_qubits: int | None = None, scale: float = 1.0, offset: bool = False) -> None:
        self.offset = bool(offset)
        dim = n_features + (1 if self.offset else 0) if isinstance(n_features, (int, np.integer)) else 1
        need = max(1, math.ceil(math.log2(max(dim, 2))))
        super().__init__(n_features, need if n_qubits is None else n_qubits, scale)
        if 2**self.n_qubits < dim:
            raise ConfigError(f"{self.name}: {dim} amplitudes need at least {need} qubits, got {self.n_qubits}")

    def vectors(self, X: Any) -> np.ndarray:
        """The normalised real amplitude vectors, shape (B, 2**n_qubits)."""
        arr = check_features(X, self.n_features, self.name)
        B = arr.shape[0]
        _check_states_memory(self.n_qubits, B, bytes_per_amplitude=32.0)
        v = np.zeros((B, 2**self.n_qubits))
        if self.offset:
            v[:, 0] = 1.0
            v[:, 1 : 1 + self.n_features] = self.scale * arr
        else:
            v[:, : self.n_features] = arr
        norms = np.linalg.norm(v, axis=1)
        if np.any(norms == 0):
            bad = int(np.flatnonzero(norms == 0)[0])
            raise DataError(f"{self.name}: sample {bad} is the zero vector, which has no direction to encode")
        return np.asarray(v / norms[:, None])

    def states(self, X: Any, dtype: Any = np.complex128) -> np.ndarray:
        return np.ascontiguousarray(self.vectors(X), dtype=dtype)

    def circuit(self, X: Any) -> Circuit:
        v = self.vectors(X)
        n = self.n_qubits
        c = Circuit(n, name=self.name)
        # top-down binary tree: qubit n-1 splits the vector in halves, then n-2 ..., each
        # rotation controlled on the already prepared higher qubits.
        for level in range(n):
            q = n - 1 - level
            blocks = v.reshape(v.shape[0], 2**level, 2, 2**q)  # [prefix (high bits), bit q, rest]
            if q == 0:
                a0, a1 = blocks[..., 0, 0], blocks[..., 1, 0]  # signed amplitudes
            else:
                a0 = np.linalg.norm(blocks[..., 0, :], axis=-1)
                a1 = np.linalg.norm(blocks[..., 1, :], axis=-1)
            theta = 2.0 * np.arctan2(a1, a0)  # (B, 2**level)
            controls = list(range(n - 1, q, -1))  # prefix index bit k <-> qubit q+1+k
            for prefix in range(2**level):
                ang = np.ascontiguousarray(theta[:, prefix])
                if np.all(ang == 0.0):
                    continue
                if level == 0:
                    c.ry(ang, q)
                else:
                    # controls listed high to low; ctrl_state bit i belongs to controls[i]
                    cstate = 0
                    for i, cq in enumerate(controls):
                        if (prefix >> (cq - q - 1)) & 1:
                            cstate |= 1 << i
                    c.controlled("ry", controls, [q], [ang], ctrl_state=cstate)
        return c

    def template(self, prefix: str = "x") -> tuple[Circuit, list[Parameter]]:
        raise ConfigError(f"{self.name}: amplitude encoding has no symbolic template; use states(X)")


def entangler_pairs(n: int, entanglement: str) -> list[tuple[int, int]]:
    """Qubit pairs of an entangling pattern: ``full``, ``linear`` or ``circular``."""
    if entanglement == "full":
        return [(i, j) for i in range(n) for j in range(i + 1, n)]
    if entanglement == "linear":
        return [(i, i + 1) for i in range(n - 1)]
    if entanglement == "circular":
        pairs = [(i, i + 1) for i in range(n - 1)]
        return pairs + [(n - 1, 0)] if n > 2 else pairs
    raise ConfigError(f"entanglement must be 'full', 'linear' or 'circular', got {entanglement!r}")


#: encodings by name, for ``QuantumKernel(feature_map="zz")`` and the CLI
ENCODINGS: dict[str, type[Encoding]] = {
    "angle": AngleEncoding,
    "zz": ZZFeatureMap,
    "iqp": IQPEncoding,
    "amplitude": AmplitudeEncoding,
    "reuploading": DataReuploading,
}


def make_encoding(name: str, n_features: int, n_qubits: int | None = None, scale: float = 1.0, **kw: Any) -> Encoding:
    """Build an encoding by name (``angle``, ``zz``, ``iqp``, ``amplitude``, ``reuploading``)."""
    cls = ENCODINGS.get(name)
    if cls is None:
        raise ConfigError(f"unknown feature map {name!r}; choose one of {sorted(ENCODINGS)}")
    try:
        return cls(n_features, n_qubits, scale, **kw)
    except TypeError as exc:
        raise ConfigError(f"feature map {name!r}: {exc}") from None


__all__ = [
    "AmplitudeEncoding",
    "AngleEncoding",
    "DataReuploading",
    "ENCODINGS",
    "Encoding",
    "IQPEncoding",
    "ZZFeatureMap",
    "check_features",
    "entangler_pairs",
    "make_encoding",
]
