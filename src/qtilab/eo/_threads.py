"""Thread settings for small models."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from qtilab._optional import require


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Run small-circuit and small-network work on one thread (at these sizes threads only add
    overhead, and parallelism comes from running tasks in separate processes); the previous
    torch and numba thread counts are restored on exit."""
    torch = require("torch", extra="ml")
    import numba

    t, n = torch.get_num_threads(), numba.get_num_threads()
    torch.set_num_threads(1)
    numba.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(t)
        numba.set_num_threads(n)
