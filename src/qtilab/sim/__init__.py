"""The state-vector engine (numba kernels, batched)."""

from qtilab.sim.statevector import Result, Samples, simulate

__all__ = ["Result", "Samples", "simulate"]
