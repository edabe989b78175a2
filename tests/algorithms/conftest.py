"""Algorithm tests simulate many small circuits (2-12 qubits): numba's parallel kernels only add
thread start-up there, and on a loaded CI machine they spin (measured: 0.51 s CPU per 6-qubit
VQE gradient with 2 threads against 0.048 s with one). Run these tests single-threaded and
restore the thread count afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def _single_numba_thread() -> Iterator[None]:
    import numba

    old = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(old)
