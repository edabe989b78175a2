"""First use of the engine: say when numba compiles, and warm the kernels before timing.

The numba kernels are compiled once after installation (about 30 s of CPU on one core) and
cached on disk (``__pycache__`` beside the module, or ``NUMBA_CACHE_DIR``); later processes
load them from the cache in a second or two. :func:`announce_if_cold` prints one line to
standard error when the cache holds nothing for a kernel, so the first simulation is not a
silent wait; :func:`warm_up` loads (or compiles) the engine on a tiny circuit so that a
reported simulation time counts neither compilation nor loading.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

#: the message printed on a cold cache (tests look for it)
COMPILING = "qtilab: compiling the simulation engine with numba (once after installation, about 30 s of CPU time)..."

_announced: set[str] = set()


def cache_is_cold(dispatcher: Any) -> bool:
    """True when numba's on-disk cache holds no compiled version of ``dispatcher``.

    Reads numba's cache index (the same check numba makes before compiling); an index written
    for an older version of the source counts as empty. Returns False when it cannot tell.
    """
    try:
        cache = dispatcher._cache
        return len(cache._cache_file._load_index()) == 0
    except Exception:  # numba internals changed, or caching is disabled: say nothing
        return False


def announce_if_cold(dispatcher: Any, message: str = COMPILING, stream: TextIO | None = None) -> bool:
    """Print ``message`` to standard error (once per process) if ``dispatcher`` is not cached yet."""
    key = getattr(dispatcher, "__qualname__", repr(dispatcher))
    if key in _announced or not cache_is_cold(dispatcher):
        return False
    _announced.add(key)
    print(message, file=stream if stream is not None else sys.stderr, flush=True)
    return True


def warm_up(dtype: Any = "complex128", mid_circuit: bool = False) -> float:
    """Load or compile the simulation kernels for ``dtype``; return the seconds it took.

    Simulating and sampling a 2-qubit circuit touches every kernel that the simulation of a
    larger circuit of ordinary gates uses (one fused-program call and the sampling), so a
    timing taken after this call measures the simulation only. ``mid_circuit=True`` also
    runs the shot-by-shot path (mid-circuit measurement, reset, a classically controlled gate).
    """
    from qtilab.core.circuit import Circuit, Gate
    from qtilab.sim import kernels
    from qtilab.sim.shots import run_shots
    from qtilab.sim.statevector import simulate

    t0 = time.perf_counter()
    announce_if_cold(kernels.run_program)
    res = simulate(Circuit(2).h(0).cx(0, 1).rz(0.1, 1), dtype=dtype)
    res.sample(2, seed=0)
    if mid_circuit:
        c = Circuit(2, n_clbits=2).h(0).cx(0, 1).measure(0, 0).reset(0)
        c.append(Gate("x", (1,), condition=((0,), 1)))
        c.h(1).measure(1, 1)
        run_shots(c, 4, seed=0, dtype=dtype)
    return time.perf_counter() - t0
