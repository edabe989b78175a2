"""qtilab: a fast batched quantum-circuit simulator and the applications built on it.

Quick start::

    from qtilab import Circuit, Observable, simulate
    c = Circuit(3).h(0).cx(0, 1).cx(1, 2)
    res = simulate(c)
    res.sample(1000, seed=1).counts       # {'000': ..., '111': ...}
    res.expectation("Z0 Z1")              # 1.0

Qubit ``q`` is bit ``q`` of the basis-state index; bitstrings print highest qubit first.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = [
    "Circuit",
    "Gate",
    "Observable",
    "Parameter",
    "Result",
    "simulate",
    "__version__",
]


def __getattr__(name: str) -> Any:
    # lazy so that `import qtilab` stays fast (numba loads on first simulation)
    if name in ("Circuit", "Gate"):
        from qtilab.core import circuit

        return getattr(circuit, name)
    if name == "Parameter":
        from qtilab.core.parameters import Parameter

        return Parameter
    if name == "Observable":
        from qtilab.core.observables import Observable

        return Observable
    if name == "simulate":  # the per-call engine choice: method=, noise= (qtilab.sim.engine)
        from qtilab.sim.engine import simulate

        return simulate
    if name == "Result":
        from qtilab.sim import statevector

        return statevector.Result
    raise AttributeError(f"module 'qtilab' has no attribute {name!r}")
