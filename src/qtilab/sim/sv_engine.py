"""The state-vector engine behind the :mod:`qtilab.sim.engine` contract.

A thin adapter: :func:`qtilab.sim.statevector.simulate` runs the plan and
:func:`qtilab.sim.gradients.adjoint_vjp` gives its vector-Jacobian product.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from qtilab.core.circuit import Circuit
from qtilab.errors import SimulationError
from qtilab.sim.engine import Capabilities, ParamsLike, register_engine


class StatevectorPlan:
    """A noiseless circuit for the state-vector engine."""

    engine = "statevector"

    def __init__(self, circuit: Circuit, dtype: Any, max_memory: int | None) -> None:
        self.circuit = circuit
        self.n_qubits = circuit.n_qubits
        self.dtype = dtype
        self.max_memory = max_memory

    def run(self, params: ParamsLike = None, *, initial_state: Any = None, **options: Any) -> Any:
        from qtilab.sim.statevector import simulate

        return simulate(self.circuit, params, initial_state=initial_state, dtype=self.dtype, max_memory=self.max_memory, **options)

    def vjp(self, observables: Any, cotangent: Any, params: ParamsLike = None) -> tuple[np.ndarray, np.ndarray]:
        from qtilab.sim.gradients import adjoint_vjp

        return adjoint_vjp(self.circuit, observables, cotangent, params, dtype=self.dtype, max_memory=self.max_memory)


class StatevectorEngine:
    name = "statevector"
    capabilities = Capabilities(
        name="statevector", representation="statevector", noise=False, exact=True, vjp=True,
        memory_qubits_factor=1,
    )

    def compile(self, circuit: Any, *, noise: Any = None, dtype: Any = np.complex128, max_memory: int | None = None) -> StatevectorPlan:
        if not isinstance(circuit, Circuit):
            raise SimulationError(f"compile expects a Circuit, got {type(circuit).__name__}")
        if noise is not None:
            raise SimulationError("the statevector engine does not simulate noise; use method='density_matrix' or 'trajectories'")
        return StatevectorPlan(circuit, dtype, max_memory)


register_engine(StatevectorEngine())

__all__ = ["StatevectorEngine", "StatevectorPlan"]
