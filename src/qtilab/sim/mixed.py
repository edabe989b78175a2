"""What the noisy engines' results share: marginals, readout errors and sampling.

A result of the density-matrix or trajectory engine knows the probabilities of all basis
states (``_all_probabilities``, shape (B, 2**n)); this base class turns them into marginals,
applies the noise model's readout errors for sampling, and draws shots with the same
classical-bit semantics as :meth:`qtilab.sim.statevector.Result.sample` (a classical bit holds
the last qubit measured into it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from qtilab.core.observables import Observable
from qtilab.errors import SimulationError
from qtilab.sim.statevector import Samples


def marginal(p: np.ndarray, qubits: Sequence[int], n: int) -> np.ndarray:
    """Marginal of (B, 2**n) probabilities over ``qubits``: index ``sum_k b_{qubits[k]} 2**k``."""
    qs = list(qubits)
    if qs == list(range(n)):
        return p
    t = p.reshape((p.shape[0],) + (2,) * n)  # axis 1 + (n-1-q) is qubit q
    keep = [n - q for q in qs]
    drop = tuple(a for a in range(1, n + 1) if a not in keep)
    m = t.sum(axis=drop) if drop else t
    remaining = sorted(keep)
    order = [remaining.index(n - q) + 1 for q in reversed(qs)]
    out: np.ndarray = np.transpose(m, [0, *order]).reshape(p.shape[0], -1)
    return out


def apply_confusion(p: np.ndarray, qubits: Sequence[int], confusions: Sequence[tuple[tuple[int, ...], np.ndarray]]) -> np.ndarray:
    """Reported-outcome probabilities: (B, 2**m) probabilities over ``qubits`` (which must
    contain every qubit of every confusion matrix) through ``A[true, reported]`` matrices."""
    qs = list(qubits)
    m = len(qs)
    B = p.shape[0]
    t = p.reshape((B,) + (2,) * m)
    for rq, a in confusions:
        r = len(rq)
        axes = [1 + m - 1 - qs.index(q) for q in reversed(rq)]  # highest channel bit first
        moved = np.moveaxis(t, axes, list(range(m + 1 - r, m + 1)))
        shp = moved.shape
        flat = moved.reshape(-1, 2**r) @ a
        t = np.moveaxis(flat.reshape(shp), list(range(m + 1 - r, m + 1)), axes)
    return np.ascontiguousarray(t.reshape(B, -1))


class MixedResult:
    """Base of the noisy engines' results (see :class:`qtilab.sim.engine.EngineResult`)."""

    def __init__(self, n_qubits: int, batched: bool, measurements: Sequence[tuple[int, int]], n_clbits: int, noise: Any) -> None:
        self.n_qubits = n_qubits
        self.batched = batched
        self.measurements = [(int(q), int(c)) for q, c in measurements]
        self.n_clbits = max([n_clbits, *(c + 1 for _, c in self.measurements)])
        self.noise = noise

    # to implement ------------------------------------------------------------------------
    def _all_probabilities(self) -> np.ndarray:
        raise NotImplementedError

    def _expectation_rows(self, obs: Observable) -> np.ndarray:
        raise NotImplementedError

    @property
    def batch_size(self) -> int:
        raise NotImplementedError

    # shared ------------------------------------------------------------------------------
    def _out(self, a: np.ndarray) -> Any:
        return a if self.batched else a[0]

    def _check_qubits(self, qubits: Sequence[int] | None) -> list[int]:
        if qubits is None:
            return list(range(self.n_qubits))
        qs = [int(q) for q in qubits]
        for q in qs:
            if not 0 <= q < self.n_qubits:
                raise SimulationError(f"qubit {q} out of range for {self.n_qubits} qubits")
        if len(set(qs)) != len(qs):
            raise SimulationError(f"qubits {qs} contain a repeat")
        return qs

    def _observable(self, observable: Observable | str) -> Observable:
        obs = Observable.parse(observable) if isinstance(observable, str) else observable
        if not isinstance(obs, Observable):
            raise SimulationError(f"expected an Observable or a string, got {type(observable).__name__}")
        if obs.max_qubit >= self.n_qubits:
            raise SimulationError(f"observable acts on qubit {obs.max_qubit}, beyond the {self.n_qubits} qubits")
        return obs

    def probabilities(self, qubits: Sequence[int] | None = None) -> Any:
        """Probabilities of the basis states of ``qubits`` (all by default), before readout
        errors; index ``sum_k b_{qubits[k]} 2**k``, shape (2**k,) or (B, 2**k)."""
        qs = self._check_qubits(qubits)
        return self._out(marginal(self._all_probabilities(), qs, self.n_qubits))

    def readout_probabilities(self, qubits: Sequence[int] | None = None) -> Any:
        """The distribution of reported outcomes on ``qubits``: :meth:`probabilities` through
        the noise model's readout errors (the same when it has none)."""
        qs = self._check_qubits(qubits)
        return self._out(self._readout_probs(qs))

    def _readout_probs(self, qs: list[int]) -> np.ndarray:
        conf = self.noise.readout_for(qs) if self.noise is not None else []
        if not conf:
            return marginal(self._all_probabilities(), qs, self.n_qubits)
        ext = qs + sorted({q for rq, _ in conf for q in rq} - set(qs))
        p = apply_confusion(marginal(self._all_probabilities(), ext, self.n_qubits), ext, conf)
        if len(ext) > len(qs):  # sum out the extra qubits (the high bits of the index)
            p = p.reshape(p.shape[0], -1, 2 ** len(qs)).sum(axis=1)
        return p

    def sample(self, shots: int, seed: int | np.random.Generator | None = None, qubits: Sequence[int] | None = None) -> Samples:
        """Draw ``shots`` outcomes, with the noise model's readout errors.

        By default the classical bits of the terminal ``measure`` instructions (or all qubits
        when the circuit measures nothing); ``qubits`` samples those qubits (bit k = qubits[k]).
        """
        if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 1:
            raise SimulationError(f"shots must be a positive integer, got {shots!r}")
        shots = int(shots)
        if seed is not None and not isinstance(seed, np.random.Generator) and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise SimulationError(f"seed must be None, a non-negative integer or a numpy Generator, got {seed!r}")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        sources: dict[int, int] | None = None
        if qubits is None and self.measurements:
            sources = {}
            for q, c in self.measurements:
                sources[c] = q
            qs = sorted(set(sources.values()))
            n_bits = self.n_clbits
            if n_bits > 62:
                raise SimulationError(f"the noisy engines sample at most 62 classical bits, got {n_bits}")
        else:
            qs = self._check_qubits(qubits)
            n_bits = len(qs)
        probs = self._readout_probs(qs)
        out = np.empty((probs.shape[0], shots), dtype=np.int64)
        for b in range(probs.shape[0]):
            cdf = np.cumsum(np.clip(probs[b], 0.0, None))
            u = rng.random(shots) * cdf[-1]
            out[b] = np.minimum(np.searchsorted(cdf, u, side="right"), cdf.shape[0] - 1)
        if sources is not None:
            pos = {q: k for k, q in enumerate(qs)}
            res = np.zeros_like(out)
            for c, q in sources.items():
                res |= ((out >> pos[q]) & 1) << c
            out = res
        return Samples(out if self.batched else out[0], n_bits, self.batched)

    def expectation(self, observable: Observable | str) -> Any:
        """Expectation value of a Pauli sum: a float, or (B,) for a batch."""
        obs = self._observable(observable)
        vals = self._expectation_rows(obs)
        return vals if self.batched else float(vals[0])


__all__ = ["MixedResult", "apply_confusion", "marginal"]
