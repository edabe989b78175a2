"""Error mitigation: readout-error mitigation and zero-noise extrapolation (ZNE).

Readout mitigation
    :class:`ReadoutMitigator` holds one calibrated 2x2 confusion matrix ``A[true, reported]``
    per measured qubit (tensored: the full matrix is their Kronecker product, never built for
    many qubits). ``method="inverse"`` applies ``A^-1`` qubit by qubit (unbiased, but the result
    may have small negative entries); ``method="least_squares"`` finds the probability vector
    ``p >= 0, sum p = 1`` whose predicted outcome distribution ``p A`` is closest to the
    observed one (for up to :data:`LSQ_MAX_QUBITS` qubits). :func:`calibrate_readout` measures
    the matrices by preparing |0...0> and |1...1> on a noisy engine (or anything with the
    same ``sample`` method).

Zero-noise extrapolation
    :func:`fold_gates` stretches the noise of a circuit by unitary folding, ``G -> G (G^dag G)^k``
    (Giurgi-Tiron et al. 2020): the scale factor ``lambda = 1 + 2 (folded gates) / (gates)`` is
    reached exactly for odd integers (global folding) and approximately otherwise (the last
    gates folded once more). :func:`extrapolate` fits values measured at several scales and
    returns the value at ``lambda = 0``: ``"linear"`` (least-squares line) or
    ``"richardson"`` (the polynomial through all points, Lagrange weights).
    :func:`zne` does both steps with a user function ``execute(circuit) -> float``.

Examples
--------
>>> from qtilab import Circuit
>>> from qtilab.sim.noise import NoiseModel, depolarizing
>>> from qtilab.sim.engine import simulate
>>> noise = NoiseModel().add(depolarizing(0.02))
>>> c = Circuit(2).h(0).cx(0, 1).h(0).cx(0, 1).x(1)       # ideal <Z0> = 1
>>> run = lambda circ: simulate(circ, noise=noise).expectation("Z0")
>>> raw = run(c)
>>> mitigated = zne(run, c, scales=(1, 3, 5), method="richardson")
>>> abs(1 - mitigated) < abs(1 - raw)
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qtilab.core.circuit import Circuit
from qtilab.errors import ConfigError

#: the most qubits for the constrained least-squares readout mitigation (dense 2**n problem)
LSQ_MAX_QUBITS = 12


def _apply_per_qubit(p: np.ndarray, mats: Sequence[np.ndarray]) -> np.ndarray:
    """``p @ kron(M_{n-1}, ..., M_0)`` for (B, 2**n) rows, one qubit at a time."""
    n = len(mats)
    B = p.shape[0]
    t = p.reshape((B,) + (2,) * n)
    for k, m in enumerate(mats):  # axis 1 + (n-1-k) is bit k
        ax = 1 + n - 1 - k
        t = np.moveaxis(np.tensordot(t, m, axes=([ax], [0])), -1, ax)
    return np.ascontiguousarray(t.reshape(B, -1))


@dataclass
class ReadoutMitigator:
    """Tensored readout mitigation: ``matrices[k]`` is ``A[true, reported]`` of bit ``k``."""

    matrices: list[np.ndarray]

    def __post_init__(self) -> None:
        out = []
        for k, m in enumerate(self.matrices):
            a = np.asarray(m, dtype=float)
            if a.shape != (2, 2) or np.any(np.abs(a.sum(axis=1) - 1) > 1e-6) or np.any(a < 0):
                raise ConfigError(f"confusion matrix {k} must be a 2x2 A[true, reported] with rows summing to 1, got {a.tolist()}")
            if abs(np.linalg.det(a)) < 1e-9:
                raise ConfigError(f"confusion matrix {k} is singular ({a.tolist()}): that readout carries no information")
            out.append(a)
        self.matrices = out

    @property
    def n_bits(self) -> int:
        return len(self.matrices)

    def apply(self, data: Any, method: str = "least_squares") -> np.ndarray:
        """Mitigated probabilities from observed counts (a dict of bitstrings) or probabilities
        (shape (2**n,) or (B, 2**n), index bit k = bit k)."""
        p = self._as_probs(data)
        inv = _apply_per_qubit(p, [np.linalg.inv(a) for a in self.matrices])
        if method == "inverse":
            out = inv
        elif method == "least_squares":
            if self.n_bits > LSQ_MAX_QUBITS:
                raise ConfigError(f"least_squares readout mitigation takes at most {LSQ_MAX_QUBITS} bits, got {self.n_bits}; use method='inverse'")
            out = np.stack([self._lsq(row, start) for row, start in zip(p, inv)])
        else:
            raise ConfigError(f"method must be 'inverse' or 'least_squares', got {method!r}")
        res: np.ndarray = out if np.ndim(data) == 2 else out[0]
        return res

    def _as_probs(self, data: Any) -> np.ndarray:
        d = 2**self.n_bits
        if isinstance(data, dict):
            p = np.zeros(d)
            for key, v in data.items():
                if len(key) != self.n_bits or set(key) - {"0", "1"}:
                    raise ConfigError(f"count key {key!r} is not a bitstring of {self.n_bits} bits")
                p[int(key, 2)] += float(v)
            total = p.sum()
            if total <= 0:
                raise ConfigError("counts are empty")
            q: np.ndarray = (p / total)[None]
            return q
        p = np.asarray(data, dtype=float)
        if p.shape[-1] != d or p.ndim not in (1, 2):
            raise ConfigError(f"probabilities must have shape ({d},) or (B, {d}) for {self.n_bits} bits, got {p.shape}")
        return p.reshape(-1, d)

    def _lsq(self, observed: np.ndarray, start: np.ndarray) -> np.ndarray:
        from scipy.optimize import minimize

        d = observed.shape[0]

        def cost(x: np.ndarray) -> tuple[float, np.ndarray]:
            r = _apply_per_qubit(x[None], self.matrices)[0] - observed
            grad = _apply_per_qubit(r[None], [a.T for a in self.matrices])[0]
            return float(r @ r), 2 * grad

        x0 = np.clip(start, 0, None)
        x0 = x0 / x0.sum() if x0.sum() > 0 else np.full(d, 1 / d)
        res = minimize(
            cost, x0, jac=True, method="SLSQP", bounds=[(0.0, 1.0)] * d,
            constraints=[{"type": "eq", "fun": lambda x: x.sum() - 1.0, "jac": lambda x: np.ones_like(x)}],
            options={"ftol": 1e-14, "maxiter": 500},
        )
        x = np.clip(res.x, 0.0, None)
        out: np.ndarray = x / x.sum()
        return out

    def expectation_z(self, data: Any, bits: Sequence[int], method: str = "least_squares") -> Any:
        """Mitigated expectation of ``Z`` on ``bits`` (product of (-1)**bit)."""
        p = self.apply(data, method)
        idx = np.arange(2**self.n_bits)
        sign = np.ones_like(idx, dtype=float)
        for b in bits:
            sign *= 1 - 2 * ((idx >> b) & 1)
        return p @ sign


def calibrate_readout(run: Callable[[Circuit], Any], n_qubits: int, shots: int, seed: int | None = None) -> ReadoutMitigator:
    """Estimate each qubit's confusion matrix from two calibration circuits.

    ``run(circuit)`` returns a result with ``sample(shots, seed=...)`` (e.g. ``lambda c:
    simulate(c, noise=model)``); the circuits prepare |0...0> and |1...1> and measure every
    qubit. Tensored calibration: correlations between qubits' readouts are not captured.
    """
    if shots < 1:
        raise ConfigError(f"calibration shots must be positive, got {shots}")
    rng = np.random.default_rng(seed)
    mats = [np.zeros((2, 2)) for _ in range(n_qubits)]
    for prep in (0, 1):
        c = Circuit(n_qubits, n_qubits)
        if prep:
            for q in range(n_qubits):
                c.x(q)
        else:
            for q in range(n_qubits):
                c.id(q)
        c.measure(list(range(n_qubits)), list(range(n_qubits)))
        bits = run(c).sample(shots, seed=rng).bits
        for q in range(n_qubits):
            p1 = float(bits[:, q].mean())
            mats[q][prep] = [1 - p1, p1]
    return ReadoutMitigator(mats)


# -- zero-noise extrapolation -------------------------------------------------------------
def fold_gates(circuit: Circuit, scale: float) -> Circuit:
    """The circuit with its noise scaled by ``scale`` (>= 1) through unitary folding.

    Each unitary gate ``G`` becomes ``G (G^dag G)^k``; with ``scale = 1 + 2 m`` every gate is
    folded ``m`` times (exact for odd integers), otherwise the last gates get one fold more, so
    the gate count matches ``scale`` as closely as possible. Measurements and barriers stay.
    """
    try:
        s = float(scale)
    except (TypeError, ValueError):
        raise ConfigError(f"scale must be a number >= 1, got {scale!r}") from None
    if not np.isfinite(s) or s < 1:
        raise ConfigError(f"scale must be a number >= 1, got {scale!r}")
    gates = list(circuit)
    unitary = [i for i, g in enumerate(gates) if g.is_unitary]
    n_u = len(unitary)
    base = int((s - 1) // 2)
    extra = int(round(((s - 1) / 2 - base) * n_u))
    folds = {i: base for i in unitary}
    for i in unitary[n_u - extra:] if extra else []:
        folds[i] += 1
    out = Circuit(circuit.n_qubits, circuit.n_clbits, circuit.name)
    for i, g in enumerate(gates):
        out.append(g)
        for _ in range(folds.get(i, 0)):
            out.append(g.inverse())
            out.append(g)
    return out


def folded_scale(circuit: Circuit, folded: Circuit) -> float:
    """The realised scale factor: unitary gates of ``folded`` over those of ``circuit``."""
    a = sum(1 for g in circuit if g.is_unitary)
    b = sum(1 for g in folded if g.is_unitary)
    return b / a if a else 1.0


def extrapolate(scales: Sequence[float], values: Sequence[float], method: str = "richardson") -> float:
    """The value at zero noise from ``values`` measured at noise ``scales``."""
    x = np.asarray(scales, dtype=float)
    y = np.asarray(values, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 2:
        raise ConfigError(f"give at least two scales and as many values, got {len(x)} scales and {len(y)} values")
    if len(set(x.tolist())) != len(x):
        raise ConfigError(f"the scales must differ, got {x.tolist()}")
    if method == "linear":
        slope, intercept = np.polyfit(x, y, 1)
        return float(intercept)
    if method == "richardson":
        # Lagrange weights of the interpolating polynomial at 0: w_i = prod_{j != i} x_j / (x_j - x_i)
        w = np.array([np.prod([x[j] / (x[j] - x[i]) for j in range(len(x)) if j != i]) for i in range(len(x))])
        return float(w @ y)
    raise ConfigError(f"method must be 'linear' or 'richardson', got {method!r}")


def zne(execute: Callable[[Circuit], float], circuit: Circuit, scales: Sequence[float] = (1, 3, 5), method: str = "richardson") -> float:
    """Zero-noise extrapolation: run ``execute`` on ``circuit`` folded to each scale and
    extrapolate the values to zero noise (scales are the realised ones, see :func:`folded_scale`)."""
    xs, ys = [], []
    for s in scales:
        f = fold_gates(circuit, s)
        xs.append(folded_scale(circuit, f))
        ys.append(float(execute(f)))
    return extrapolate(xs, ys, method)


__all__ = ["LSQ_MAX_QUBITS", "ReadoutMitigator", "calibrate_readout", "extrapolate", "fold_gates", "folded_scale", "zne"]
