"""Monte-Carlo trajectories on the state-vector engine.

Each trajectory is a pure state; the trajectories of a run are the batch axis of one
(B * M, 2**n) state batch (B parameter sets, M trajectories each; row ``b * M + m``), so every
instruction is one kernel call for all of them. A channel becomes, per trajectory, one of its
Kraus operators ``K_k`` drawn with probability ``||K_k psi||**2`` and applied as
``K_k psi / ||K_k psi||`` -- an unravelling whose average over trajectories is the density
matrix (``E[|psi><psi|] = sum_k K_k rho K_k^dagger``).

* A mixture of unitaries (depolarizing, Pauli, phase damping) has state-independent
  probabilities: its unitaries are drawn for every trajectory before the run and enter the
  fused, cache-blocked program as per-row gates (no Python between gates, no extra pass).
* Any other channel (amplitude damping, thermal relaxation, general Kraus) needs the state:
  the program runs up to it, each trajectory's reduced density matrix on the channel's qubits
  gives the probabilities, and the drawn ``K_k / sqrt(p_k)`` joins the next program.

Estimates are means over trajectories, with standard errors (``expectation_error``,
``probabilities_error``) that shrink as ``1/sqrt(M)``. The same seed gives the same result.

Examples
--------
>>> from qtilab import Circuit
>>> from qtilab.sim.engine import simulate
>>> from qtilab.sim.noise import NoiseModel, depolarizing
>>> noise = NoiseModel().add(depolarizing(0.2), gates=["h"])
>>> res = simulate(Circuit(1).h(0), noise=noise, method="trajectories", n_trajectories=4000, seed=3)
>>> abs(res.expectation("X0") - 0.8) < 5 * res.expectation_error("X0")
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from qtilab.core.circuit import Circuit
from qtilab.core.observables import Observable
from qtilab.errors import SimulationError
from qtilab.sim import kernels as K
from qtilab.sim.density import engine_dtype
from qtilab.sim.engine import Capabilities, ParamsLike, register_engine
from qtilab.sim.mixed import MixedResult, marginal
from qtilab.sim.statevector import (
    Op,
    _normalise_values,
    available_memory,
    batch_size_of,
    compile_gate,
    run_fused,
)

#: default number of trajectories
DEFAULT_TRAJECTORIES = 1000


def reduced_density_matrices(states: np.ndarray, qubits: Sequence[int]) -> np.ndarray:
    """Per row, the reduced density matrix on ``qubits`` (qubits[0] the low bit): (R, d, d)."""
    R, N = states.shape
    n = int(N).bit_length() - 1
    k = len(qubits)
    t = states.reshape((R,) + (2,) * n)
    src = [1 + n - 1 - q for q in reversed(qubits)]
    x = np.moveaxis(t, src, list(range(n + 1 - k, n + 1))).reshape(R, -1, 2**k)
    out: np.ndarray = np.einsum("rsa,rsb->rab", x, x.conj())
    return out


class _Site:
    """A channel after one instruction, ready to be drawn per trajectory."""

    def __init__(self, channel: Any, qubits: tuple[int, ...], dtype: Any) -> None:
        self.qubits = np.array(qubits, dtype=np.int64)
        mix = channel.mixture()
        self.kind = 0 if len(qubits) == 1 else (1 if len(qubits) == 2 else 3)
        if mix is not None:
            probs, us = mix
            keep = np.asarray(probs) > 0
            self.probs: np.ndarray | None = np.asarray(probs, dtype=float)[keep] / np.sum(np.asarray(probs)[keep])
            self.mats = np.ascontiguousarray(np.stack([u for u, k in zip(us, keep) if k]), dtype=dtype)
            d = self.mats.shape[1]
            self.identity = [bool(np.allclose(u, np.eye(d) * u[0, 0]) and abs(abs(u[0, 0]) - 1) < 1e-12) for u in self.mats]
            self.kdk = None
        else:
            self.probs = None
            self.mats = np.ascontiguousarray(np.stack(channel.kraus()), dtype=dtype)
            self.kdk = np.einsum("kba,kbc->kac", self.mats.conj(), self.mats)  # K^dagger K
            self.identity = []

    def draw(self, states: np.ndarray, rng: np.random.Generator) -> Op | None:
        R = states.shape[0]
        if self.probs is not None:
            ks = rng.choice(len(self.probs), size=R, p=self.probs)
            if all(self.identity[k] for k in np.unique(ks)):
                return None
            return Op(self.kind, self.qubits, np.ascontiguousarray(self.mats[ks]))
        assert self.kdk is not None
        rho = reduced_density_matrices(states, [int(q) for q in self.qubits])
        p = np.einsum("kab,rba->rk", self.kdk, rho).real
        p = np.clip(p, 0.0, None)
        cum = np.cumsum(p, axis=1)
        u = rng.random(R) * cum[:, -1]
        ks = np.minimum((u[:, None] >= cum).sum(axis=1), p.shape[1] - 1)
        pk = p[np.arange(R), ks]
        mats = self.mats[ks] / np.sqrt(np.maximum(pk, 1e-300))[:, None, None]
        return Op(self.kind, self.qubits, np.ascontiguousarray(mats, dtype=self.mats.dtype))


class TrajectoryResult(MixedResult):
    """Trajectory states ``states`` (B * M, 2**n), row ``b * M + m``; estimates are means."""

    def __init__(self, states: np.ndarray, n_qubits: int, batch: int, n_trajectories: int, batched: bool,
                 measurements: Sequence[tuple[int, int]], n_clbits: int, noise: Any) -> None:
        super().__init__(n_qubits, batched, measurements, n_clbits, noise)
        self.states = states
        self._batch = batch
        self.n_trajectories = n_trajectories

    @property
    def batch_size(self) -> int:
        return self._batch

    def _rows(self, a: np.ndarray) -> np.ndarray:
        return a.reshape((self._batch, -1) + a.shape[1:])

    def _all_probabilities(self) -> np.ndarray:
        out: np.ndarray = self._rows(K.abs2(self.states)).mean(axis=1)
        return out

    def _per_trajectory_expectation(self, obs: Observable) -> np.ndarray:
        total = np.zeros(self.states.shape[0])
        for c, xm, zm, ny in obs.masks():
            if xm == 0 and zm == 0:
                total += c * np.sum(K.abs2(self.states), axis=1)
            else:
                total += c * K.pauli_expectation(self.states, xm, zm, ny)
        return self._rows(total)

    def _expectation_rows(self, obs: Observable) -> np.ndarray:
        out: np.ndarray = self._per_trajectory_expectation(obs).mean(axis=1)
        return out

    def _sem(self, x: np.ndarray) -> np.ndarray:
        m = x.shape[1]
        if m < 2:
            return np.zeros((x.shape[0],) + x.shape[2:])
        out: np.ndarray = x.std(axis=1, ddof=1) / np.sqrt(m)
        return out

    def expectation_error(self, observable: Observable | str) -> Any:
        """Standard error of :meth:`expectation` (standard deviation over trajectories / sqrt(M))."""
        return self._out(self._sem(self._per_trajectory_expectation(self._observable(observable))))

    def probabilities_error(self, qubits: Sequence[int] | None = None) -> Any:
        """Standard errors of :meth:`probabilities`, same shape."""
        qs = self._check_qubits(qubits)
        per = marginal(K.abs2(self.states), qs, self.n_qubits)
        return self._out(self._sem(self._rows(per)))

    def __repr__(self) -> str:
        return f"TrajectoryResult(n_qubits={self.n_qubits}, batch={self._batch}, trajectories={self.n_trajectories})"


class TrajectoryPlan:
    """A circuit and noise model compiled for the trajectory engine."""

    engine = "trajectories"

    def __init__(self, circuit: Circuit, noise: Any, dtype: Any, max_memory: int | None) -> None:
        if circuit.has_mid_circuit_ops:
            raise SimulationError(
                "the trajectory engine takes circuits whose measurements are terminal; mid-circuit "
                "measurement, reset and classical conditions are not supported yet"
            )
        self.circuit = circuit
        self.n_qubits = circuit.n_qubits
        self.noise = noise
        self.dtype = engine_dtype(dtype)
        self.max_memory = max_memory
        sites = noise.sites(circuit) if noise is not None else []
        self._after: dict[int, list[_Site]] = {}
        for s in sites:
            self._after.setdefault(s.index, []).append(_Site(s.channel, s.qubits, self.dtype))
        self.n_channels = len(sites)
        self.measurements = [(g.qubits[0], g.clbits[0]) for g in circuit if g.name == "measure"]

    def run(self, params: ParamsLike = None, *, initial_state: Any = None, n_trajectories: int = DEFAULT_TRAJECTORIES,
            seed: int | np.random.Generator | None = None, **options: Any) -> TrajectoryResult:
        if options:
            raise SimulationError(f"the trajectory engine takes n_trajectories= and seed=, not {sorted(options)}")
        if isinstance(n_trajectories, bool) or not isinstance(n_trajectories, (int, np.integer)) or n_trajectories < 1:
            raise SimulationError(f"n_trajectories must be a positive integer, got {n_trajectories!r}")
        if seed is not None and not isinstance(seed, np.random.Generator) and (
            isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
        ):
            raise SimulationError(f"seed must be None, a non-negative integer or a numpy Generator, got {seed!r}")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        circuit = self.circuit
        values = _normalise_values(circuit, params)
        missing = [p.name for p in circuit.parameters if values is None or p not in values]
        if missing:
            raise SimulationError(f"parameter(s) {missing} are unbound; pass params=")
        init = None if initial_state is None else np.asarray(initial_state)
        B = batch_size_of(circuit, values, init)
        M = int(n_trajectories) if self._after else 1  # without channels every trajectory is the same
        n = self.n_qubits
        d = 2**n
        R = B * M
        need = R * d * np.dtype(self.dtype).itemsize
        limit = available_memory() if self.max_memory is None else int(self.max_memory)
        if need > limit:
            raise SimulationError(
                f"{M} trajectories of {n} qubits{f' for a batch of {B}' if B > 1 else ''} need {need / 2**30:.2f} GiB, "
                f"but only {limit / 2**30:.2f} GiB {'is available' if self.max_memory is None else 'is allowed (max_memory)'}; "
                "use fewer trajectories per call and average the results"
            )
        states = np.zeros((R, d), dtype=self.dtype)
        if init is None:
            states[:, 0] = 1.0
        else:
            if init.ndim not in (1, 2) or init.shape[-1] != d:
                raise SimulationError(f"initial_state must have shape ({d},) or (B, {d}) for {n} qubits, got {init.shape}")
            psi = init.reshape(-1, d)
            if not np.allclose(np.linalg.norm(psi, axis=1), 1.0, atol=1e-6):
                raise SimulationError("initial_state is not normalised; divide by its norm")
            states[:] = np.repeat(psi, M, axis=0) if psi.shape[0] == B else psi[0]
        pending: list[Op] = []
        for i, g in enumerate(circuit):
            if g.is_unitary:
                op = compile_gate(g, values, self.dtype)
                if op.data.shape[0] > 1 and M > 1:
                    op = Op(op.kind, op.qubits, np.ascontiguousarray(np.repeat(op.data, M, axis=0)), op.cmask, op.cval)
                pending.append(op)
            for site in self._after.get(i, ()):
                if site.probs is None and pending:  # the state-dependent draw needs the state now
                    run_fused(states, pending)
                    pending = []
                drawn = site.draw(states, rng)
                if drawn is not None:
                    pending.append(drawn)
        if pending:
            run_fused(states, pending)
        batched = B > 1 or circuit.batch_size is not None or (values is not None and any(np.ndim(v) == 1 for v in values.values())) or (init is not None and init.ndim == 2)
        return TrajectoryResult(states, n, B, M, batched, self.measurements, circuit.n_clbits, self.noise)

    def vjp(self, observables: Any, cotangent: Any, params: ParamsLike = None) -> tuple[np.ndarray, np.ndarray]:
        raise SimulationError("the trajectory engine has no vector-Jacobian product (capabilities.vjp is False)")


class TrajectoryEngine:
    name = "trajectories"
    capabilities = Capabilities(
        name="trajectories", representation="trajectories", noise=True, exact=False, vjp=False,
        run_options=("n_trajectories", "seed"), memory_qubits_factor=1,
    )

    def compile(self, circuit: Any, *, noise: Any = None, dtype: Any = np.complex128, max_memory: int | None = None) -> TrajectoryPlan:
        if not isinstance(circuit, Circuit):
            raise SimulationError(f"compile expects a Circuit, got {type(circuit).__name__}")
        return TrajectoryPlan(circuit, noise, dtype, max_memory)


register_engine(TrajectoryEngine())

__all__ = ["DEFAULT_TRAJECTORIES", "TrajectoryEngine", "TrajectoryPlan", "TrajectoryResult", "reduced_density_matrices"]
