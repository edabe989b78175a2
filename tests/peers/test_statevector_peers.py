"""qtilab's state vectors against the peer simulators (skipped when a peer is not installed).

Each peer simulates the same circuits through the adapters of ``qtilab.cli.bench`` (the ones
the benchmark times); the final states must agree amplitude by amplitude, after reordering
the peers that put qubit 0 on the most significant bit (cirq/qsim, qibo, PennyLane).
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from qtilab.cli import bench as B

pytestmark = pytest.mark.peers

BIG_ENDIAN = {"qsimcirq", "qibojit", "lightning.qubit"}
TOL = {"qsimcirq": 2e-5}  # qsim computes in complex64


@pytest.mark.parametrize("peer", B.PEERS)
@pytest.mark.parametrize("workload", sorted(B.WORKLOADS))
@pytest.mark.parametrize("n", [5, 8])
def test_peer_agrees(peer: str, workload: str, n: int) -> None:
    mod = B.PEER_MODULES[peer]
    if importlib.util.find_spec(mod) is None:
        pytest.skip(f"{peer} not installed")
    circ = B.WORKLOADS[workload](n)
    ours = np.asarray(B.run_qtilab(circ)())
    theirs = np.asarray(B.ADAPTERS[peer](circ, 1)(), dtype=complex)
    if peer in BIG_ENDIAN:
        theirs = theirs.reshape((2,) * n).transpose().reshape(-1)
    np.testing.assert_allclose(theirs, ours, atol=TOL.get(peer, 1e-10))
