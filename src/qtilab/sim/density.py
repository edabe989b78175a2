"""The density-matrix engine: the state-vector kernels on the doubled register.

A density matrix ``rho`` of n qubits is stored as the 2n-qubit "state" ``vec(rho)`` with
``vec(rho)[i + 2**n j] = rho[i, j]``: the row index is the low register (qubits 0..n-1), the
column index the high one (qubits n..2n-1). Then

* a gate ``U`` on qubits ``q`` (``rho -> U rho U^dagger``) is ``U`` on qubits ``q`` and
  ``conj(U)`` on qubits ``q + n``: two ordinary gates for the ordinary kernels;
* a channel with Kraus operators ``K`` is the superoperator ``sum_K conj(K) (x) K`` acting on
  qubits ``(q, q + n)``: one dense (non-unitary) matrix on 2k qubits, which the kernels apply
  like any gate (they never assume unitarity).

The whole noisy circuit is therefore one list of instructions for the state-vector engine's
fusion pass and cache-blocked program (:func:`qtilab.sim.statevector.run_fused`): a gate, its
conjugate and the channel after it fuse into one block. Batches of parameters are a batch of
density matrices, shape (B, 4**n). No second set of kernels.

Examples
--------
>>> from qtilab import Circuit
>>> from qtilab.sim.noise import NoiseModel, amplitude_damping
>>> from qtilab.sim.engine import simulate
>>> res = simulate(Circuit(1).x(0), noise=NoiseModel().add(amplitude_damping(0.25)), method="density_matrix")
>>> res.probabilities().round(3)
array([0.25, 0.75])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from qtilab.core.circuit import Circuit
from qtilab.core.observables import Observable
from qtilab.errors import SimulationError
from qtilab.sim.engine import Capabilities, ParamsLike, register_engine
from qtilab.sim.mixed import MixedResult
from qtilab.sim.statevector import (
    Op,
    _normalise_values,
    available_memory,
    batch_size_of,
    compile_gate,
    run_fused,
)

_DTYPES = {np.dtype(np.complex128): np.complex128, np.dtype(np.complex64): np.complex64}

#: largest dense block of the fusion pass on the doubled register: a 1-qubit gate, its
#: conjugate and a 1-qubit channel make a 2-qubit block; 4 lets a 2-qubit gate and its
#: channel fuse too (measured faster on the noisy HEA benchmark, bench/noise.py)
FUSE_QUBITS = 4


def engine_dtype(dtype: Any) -> Any:
    try:
        dt = _DTYPES.get(np.dtype(dtype))
    except (TypeError, ValueError):
        dt = None
    if dt is None:
        raise SimulationError(f"dtype must be complex128 or complex64, got {dtype!r}")
    return dt


def conjugate_op(op: Op, n: int) -> Op:
    """The instruction ``conj(U)`` on the column register (qubits shifted by ``n``)."""
    return Op(op.kind, op.qubits + n, np.ascontiguousarray(op.data.conj()), op.cmask << n, op.cval << n)


def channel_op(channel: Any, qubits: Sequence[int], n: int, dtype: Any) -> Op:
    """The superoperator of ``channel`` on ``qubits`` as an instruction on the doubled register."""
    s = channel.superoperator()
    k = len(qubits)
    qs = np.array(list(qubits) + [q + n for q in qubits], dtype=np.int64)
    if not np.any(s - np.diag(np.diagonal(s))):
        return Op(2, qs, np.ascontiguousarray(np.diagonal(s)[None], dtype=dtype))
    kind = 1 if k == 1 else 3
    return Op(kind, qs, np.ascontiguousarray(s[None], dtype=dtype))


def check_dm_memory(n: int, batch: int, dtype: Any, max_memory: int | None) -> int:
    """Raise SimulationError naming the figures when ``batch`` density matrices do not fit."""
    item = np.dtype(dtype).itemsize
    need = int(batch * item * 4**n)
    limit = available_memory() if max_memory is None else int(max_memory)
    if 2 * n > 62 or need > limit:
        raise SimulationError(
            f"a {n}-qubit density matrix{f' batch of {batch}' if batch > 1 else ''} in {np.dtype(dtype).name} "
            f"needs {need / 2**30:.2f} GiB, but only {limit / 2**30:.2f} GiB "
            f"{'is available' if max_memory is None else 'is allowed (max_memory)'}; "
            "use method='trajectories' (memory of a state vector per trajectory) or fewer qubits"
        )
    return need


class DensityMatrixResult(MixedResult):
    """Final density matrices: ``vectors`` (B, 4**n) holds vec(rho) of each batch member."""

    def __init__(self, vectors: np.ndarray, n_qubits: int, batched: bool, measurements: Sequence[tuple[int, int]], n_clbits: int, noise: Any) -> None:
        super().__init__(n_qubits, batched, measurements, n_clbits, noise)
        self.vectors = vectors

    @property
    def batch_size(self) -> int:
        return int(self.vectors.shape[0])

    @property
    def density_matrix(self) -> np.ndarray:
        """``rho``, shape (2**n, 2**n), or (B, 2**n, 2**n) for a batch."""
        d = 2**self.n_qubits
        rho = np.swapaxes(self.vectors.reshape(-1, d, d), 1, 2)
        out: np.ndarray = rho if self.batched else rho[0]
        return out

    def _all_probabilities(self) -> np.ndarray:
        d = 2**self.n_qubits
        return np.ascontiguousarray(self.vectors[:, :: d + 1].real.astype(np.float64))

    def _expectation_rows(self, obs: Observable) -> np.ndarray:
        d = 2**self.n_qubits
        idx = np.arange(d, dtype=np.int64)
        total = np.zeros(self.vectors.shape[0])
        for c, xm, zm, ny in obs.masks():
            # tr(P rho) = sum_j phase(j) rho[j, j ^ xm], P|j> = i**ny (-1)**|j & zm| |j ^ xm>
            par = np.zeros(d, dtype=np.int64)
            v = idx & zm
            while np.any(v):
                par ^= v & 1
                v = v >> 1
            sign = 1.0 - 2.0 * par
            vals = self.vectors[:, idx + d * (idx ^ xm)] @ sign
            total += c * np.real((1j) ** ny * vals)
        return total

    def purity(self) -> Any:
        """``tr(rho^2)`` (1 for a pure state), a float or (B,)."""
        v = np.real(np.sum(np.abs(self.vectors) ** 2, axis=1))
        return v if self.batched else float(v[0])

    def fidelity(self, state: Any) -> Any:
        """``<psi| rho |psi>`` with a pure state ``psi`` of shape (2**n,)."""
        psi = np.asarray(state, dtype=complex).reshape(-1)
        d = 2**self.n_qubits
        if psi.shape[0] != d:
            raise SimulationError(f"fidelity needs a state of shape ({d},), got {np.shape(state)}")
        rho = np.swapaxes(self.vectors.reshape(-1, d, d), 1, 2)
        f = np.real(np.einsum("i,bij,j->b", psi.conj(), rho, psi))
        return f if self.batched else float(f[0])

    def __repr__(self) -> str:
        return f"DensityMatrixResult(n_qubits={self.n_qubits}, batch={self.batch_size}, dtype={self.vectors.dtype})"


class DensityMatrixPlan:
    """A circuit and noise model compiled for the density-matrix engine."""

    engine = "density_matrix"

    def __init__(self, circuit: Circuit, noise: Any, dtype: Any, max_memory: int | None) -> None:
        if circuit.has_mid_circuit_ops:
            raise SimulationError(
                "the density-matrix engine takes circuits whose measurements are terminal; "
                "mid-circuit measurement, reset and classical conditions are not supported yet"
            )
        self.circuit = circuit
        self.n_qubits = n = circuit.n_qubits
        self.noise = noise
        self.dtype = engine_dtype(dtype)
        self.max_memory = max_memory
        check_dm_memory(n, 1, self.dtype, max_memory)
        sites = noise.sites(circuit) if noise is not None else []
        self._after: dict[int, list[Op]] = {}
        for s in sites:  # channel instructions are constant: built once here
            self._after.setdefault(s.index, []).append(channel_op(s.channel, s.qubits, n, self.dtype))
        self.n_channels = len(sites)
        self.measurements = [(g.qubits[0], g.clbits[0]) for g in circuit if g.name == "measure"]

    def ops(self, values: Any) -> list[Op]:
        """The instructions on the doubled register for parameter ``values``."""
        n = self.n_qubits
        out: list[Op] = []
        for i, g in enumerate(self.circuit):
            if g.is_unitary:
                op = compile_gate(g, values, self.dtype)
                out.append(op)
                out.append(conjugate_op(op, n))
            out.extend(self._after.get(i, ()))
        return out

    def run(self, params: ParamsLike = None, *, initial_state: Any = None, **options: Any) -> DensityMatrixResult:
        if options:
            raise SimulationError(f"the density-matrix engine takes no option(s) {sorted(options)}")
        circuit = self.circuit
        values = _normalise_values(circuit, params)
        missing = [p.name for p in circuit.parameters if values is None or p not in values]
        if missing:
            raise SimulationError(f"parameter(s) {missing} are unbound; pass params=")
        init = None if initial_state is None else np.asarray(initial_state)
        batch = batch_size_of(circuit, values, init)
        n = self.n_qubits
        d = 2**n
        check_dm_memory(n, batch, self.dtype, self.max_memory)
        vec = np.zeros((batch, d * d), dtype=self.dtype)
        if init is None:
            vec[:, 0] = 1.0
        else:
            if init.ndim not in (1, 2) or init.shape[-1] != d:
                raise SimulationError(f"initial_state must have shape ({d},) or (B, {d}) for {n} qubits, got {init.shape}")
            psi = init.reshape(-1, d)
            if not np.allclose(np.linalg.norm(psi, axis=1), 1.0, atol=1e-6):
                raise SimulationError("initial_state is not normalised; divide by its norm")
            # vec[i + d j] = psi_i conj(psi_j)
            vec[:] = (psi.conj()[:, :, None] * psi[:, None, :]).reshape(-1, d * d)
        run_fused(vec, self.ops(values), max_qubits=FUSE_QUBITS)
        batched = batch > 1 or circuit.batch_size is not None or (values is not None and any(np.ndim(v) == 1 for v in values.values())) or (init is not None and init.ndim == 2)
        return DensityMatrixResult(vec, n, batched, self.measurements, circuit.n_clbits, self.noise)

    def vjp(self, observables: Any, cotangent: Any, params: ParamsLike = None) -> tuple[np.ndarray, np.ndarray]:
        raise SimulationError("the density-matrix engine has no vector-Jacobian product yet (capabilities.vjp is False)")


class DensityMatrixEngine:
    name = "density_matrix"
    capabilities = Capabilities(
        name="density_matrix", representation="density_matrix", noise=True, exact=True, vjp=False,
        memory_qubits_factor=2,
    )

    def compile(self, circuit: Any, *, noise: Any = None, dtype: Any = np.complex128, max_memory: int | None = None) -> DensityMatrixPlan:
        if not isinstance(circuit, Circuit):
            raise SimulationError(f"compile expects a Circuit, got {type(circuit).__name__}")
        return DensityMatrixPlan(circuit, noise, dtype, max_memory)


register_engine(DensityMatrixEngine())

__all__ = ["DensityMatrixEngine", "DensityMatrixPlan", "DensityMatrixResult", "channel_op", "check_dm_memory", "conjugate_op"]
