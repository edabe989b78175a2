"""The state-vector engine (numba kernels, batched)."""

from qtilab.sim.engine import simulate  # statevector.simulate, plus method= and noise=
from qtilab.sim.gradients import (
    Gradient,
    adjoint_jacobian,
    adjoint_vjp,
    finite_difference_jacobian,
    jacobian,
    parameter_shift_jacobian,
)
from qtilab.sim.shots import ShotsResult, run_shots
from qtilab.sim.statevector import Result, Samples

__all__ = ["Result", "Samples", "simulate", "run_shots", "ShotsResult", "Gradient", "adjoint_jacobian", "adjoint_vjp", "finite_difference_jacobian", "jacobian", "parameter_shift_jacobian"]
