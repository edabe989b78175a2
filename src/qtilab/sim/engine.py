"""The engine contract: one small protocol every simulation engine implements.

An engine compiles a circuit (with an optional :class:`~qtilab.sim.noise.NoiseModel`) once into
a :class:`Plan`; the plan runs with parameter values and returns an :class:`EngineResult` that
answers ``probabilities``, ``sample`` and ``expectation``; a plan whose engine supports it also
gives a vector-Jacobian product (``vjp``). What an engine can do is stated as data in its
:class:`Capabilities`, so callers and the conformance suite (``tests/sim/test_engine_conformance.py``)
ask instead of guessing. The engine is chosen per call -- ``simulate(..., method=...)`` --
never by a global switch.

Shapes do not depend on the batch size: results of an unbatched run have the shapes of one
circuit (``(2**k,)`` probabilities, float expectations); a run with batch parameters (arrays of
shape ``(B,)``, even ``B = 1``) has a leading ``B`` axis everywhere.

Registered engines (:func:`engines`): ``"statevector"`` (:mod:`qtilab.sim.statevector`),
``"density_matrix"`` (:mod:`qtilab.sim.density`) and ``"trajectories"``
(:mod:`qtilab.sim.trajectories`). A new engine (MPI, GPU) implements :class:`Engine` and calls
:func:`register_engine`; the conformance suite then runs it over the same random circuits.

Examples
--------
>>> from qtilab import Circuit
>>> from qtilab.sim.engine import simulate
>>> from qtilab.sim.noise import NoiseModel, depolarizing
>>> noise = NoiseModel().add(depolarizing(0.1), gates=["h"])
>>> res = simulate(Circuit(1).h(0), noise=noise, method="density_matrix")
>>> round(float(res.expectation("X0")), 6)
0.9
>>> get_engine("trajectories").capabilities.exact
False
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from qtilab.errors import SimulationError

ParamsLike = Mapping[Any, Any] | Sequence[Any] | None


@dataclass(frozen=True)
class Capabilities:
    """What an engine does, as data.

    Attributes
    ----------
    name: the ``method=`` name.
    representation: ``"statevector"``, ``"density_matrix"`` or ``"trajectories"`` (what the
        result holds).
    noise: accepts a :class:`~qtilab.sim.noise.NoiseModel`.
    exact: probabilities and expectations are exact up to rounding (False: Monte-Carlo
        estimates, with ``*_error`` methods giving their standard errors).
    vjp: :meth:`Plan.vjp` is implemented.
    batch: runs parameter batches (arrays of shape (B,)) in one call.
    initial_state: accepts an ``initial_state`` (a pure state of shape (2**n,) or (B, 2**n)).
    mid_circuit: handles mid-circuit measurement, reset and classical conditions.
    dtypes: the complex dtypes it computes in.
    run_options: the keyword arguments :meth:`Plan.run` accepts beyond ``params``.
    memory_qubits_factor: bytes per batch member are ``itemsize * 2**(factor * n)``.
    """

    name: str
    representation: str
    noise: bool
    exact: bool
    vjp: bool
    batch: bool = True
    initial_state: bool = True
    mid_circuit: bool = False
    dtypes: tuple[str, ...] = ("complex128", "complex64")
    run_options: tuple[str, ...] = ()
    memory_qubits_factor: int = 1


@runtime_checkable
class EngineResult(Protocol):
    """What a plan's run returns (see :class:`qtilab.sim.statevector.Result`)."""

    n_qubits: int
    batched: bool

    @property
    def batch_size(self) -> int: ...

    def probabilities(self, qubits: Sequence[int] | None = None) -> np.ndarray: ...

    def sample(self, shots: int, seed: int | np.random.Generator | None = None, qubits: Sequence[int] | None = None) -> Any: ...

    def expectation(self, observable: Any) -> Any: ...


@runtime_checkable
class Plan(Protocol):
    """A circuit compiled by one engine: run it with parameter values, as often as needed."""

    engine: str
    n_qubits: int

    def run(self, params: ParamsLike = None, *, initial_state: Any = None, **options: Any) -> EngineResult: ...

    def vjp(self, observables: Any, cotangent: Any, params: ParamsLike = None) -> tuple[np.ndarray, np.ndarray]:
        """``(values (K, B), vjp (B, P))``; raises SimulationError where unsupported."""
        ...


@runtime_checkable
class Engine(Protocol):
    """A simulation engine: its capabilities and a compiler from circuits to plans."""

    name: str
    capabilities: Capabilities

    def compile(self, circuit: Any, *, noise: Any = None, dtype: Any = np.complex128, max_memory: int | None = None) -> Plan: ...


# -- the registry -----------------------------------------------------------------------
_ENGINES: dict[str, Engine] = {}
#: engines that register themselves when their module is imported (lazy: no import cost)
_BUILTIN = {
    "statevector": "qtilab.sim.sv_engine",
    "density_matrix": "qtilab.sim.density",
    "trajectories": "qtilab.sim.trajectories",
}


def register_engine(engine: Engine, *, replace: bool = False) -> None:
    """Make ``engine`` reachable as ``simulate(..., method=engine.name)``."""
    if not isinstance(engine, Engine):
        raise SimulationError(f"{engine!r} does not implement the Engine protocol (name, capabilities, compile)")
    if engine.name in _ENGINES and not replace and _ENGINES[engine.name] is not engine:
        raise SimulationError(f"an engine named {engine.name!r} is already registered; pass replace=True")
    _ENGINES[engine.name] = engine


def get_engine(name: str) -> Engine:
    """The registered engine called ``name``; a SimulationError lists the known ones."""
    if name not in _ENGINES and name in _BUILTIN:
        importlib.import_module(_BUILTIN[name])
    eng = _ENGINES.get(name)
    if eng is None:
        raise SimulationError(f"unknown simulation method {name!r}; known: {sorted(set(_BUILTIN) | set(_ENGINES))}")
    return eng


def engines() -> dict[str, Engine]:
    """All registered engines by name (the built-in ones are loaded first)."""
    for name in _BUILTIN:
        get_engine(name)
    return dict(_ENGINES)


# -- the per-call entry point -----------------------------------------------------------
def simulate(
    circuit: Any,
    params: ParamsLike = None,
    *,
    method: str | None = None,
    noise: Any = None,
    initial_state: Any = None,
    dtype: Any = np.complex128,
    max_memory: int | None = None,
    **options: Any,
) -> Any:
    """Simulate ``circuit`` with the engine named ``method``.

    Parameters
    ----------
    circuit: the circuit.
    params: values of its symbolic parameters (numbers or (B,) arrays).
    method: ``"statevector"`` (the default without noise), ``"density_matrix"`` (the default
        with noise) or ``"trajectories"``, or any registered engine.
    noise: a :class:`~qtilab.sim.noise.NoiseModel` (or None).
    initial_state, dtype, max_memory: as for :func:`qtilab.sim.statevector.simulate`.
    options: engine run options, e.g. ``n_trajectories=1000, seed=1`` for trajectories.

    Without noise and with the default method this is exactly
    :func:`qtilab.sim.statevector.simulate`.
    """
    name = method if method is not None else ("statevector" if noise is None else "density_matrix")
    if not isinstance(name, str):
        raise SimulationError(f"method must be a string such as 'density_matrix', got {method!r}")
    if name == "statevector" and noise is None:
        from qtilab.sim import statevector

        return statevector.simulate(circuit, params, initial_state=initial_state, dtype=dtype, max_memory=max_memory, **options)
    eng = get_engine(name)
    if noise is not None and not eng.capabilities.noise:
        noisy = sorted(n for n, e in engines().items() if e.capabilities.noise)
        raise SimulationError(f"the {name!r} engine does not simulate noise; use method= one of {noisy}")
    plan = eng.compile(circuit, noise=noise, dtype=dtype, max_memory=max_memory)
    return plan.run(params, initial_state=initial_state, **options)


__all__ = ["Capabilities", "Engine", "EngineResult", "Plan", "engines", "get_engine", "register_engine", "simulate"]
