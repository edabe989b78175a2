"""qtilab's density matrices against Qiskit Aer's density-matrix method on the same noise model.

Skipped when qiskit_aer is not importable (it lives in .venv-peers: run
``.venv-peers/bin/python -m pytest tests/peers/test_noise_aer.py``). Both order qubits with
qubit 0 as the least significant bit, so the matrices compare entry by entry.
"""

from __future__ import annotations

import numpy as np
import pytest

from qtilab import Circuit, simulate
from qtilab.sim.noise import (
    NoiseModel,
    amplitude_damping,
    depolarizing,
    kraus_channel,
    pauli_channel,
    phase_damping,
    thermal_relaxation,
)

pytestmark = pytest.mark.peers
aer = pytest.importorskip("qiskit_aer")


def _circuits(seed: int) -> tuple[Circuit, object]:
    from qiskit import QuantumCircuit

    rng = np.random.default_rng(seed)
    n = 4
    ours = Circuit(n)
    theirs = QuantumCircuit(n)
    for _ in range(6):
        for q in range(n):
            a, b = (float(v) for v in rng.uniform(-3, 3, 2))
            ours.ry(a, q).rz(b, q)
            theirs.ry(a, q)
            theirs.rz(b, q)
        for q in range(n - 1):
            c, t = (q, q + 1) if rng.random() < 0.5 else (q + 1, q)
            ours.cx(c, t)
            theirs.cx(c, t)
        ours.h(int(rng.integers(n)))
        theirs.h(ours[-1].qubits[0])
    theirs.save_density_matrix()
    return ours, theirs


@pytest.mark.parametrize("seed", [0, 1])
def test_density_matrix_agrees_with_aer(seed: int) -> None:
    from qiskit import transpile
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel as AerNoise
    from qiskit_aer.noise import (
        amplitude_damping_error,
        depolarizing_error,
        pauli_error,
        phase_damping_error,
        thermal_relaxation_error,
    )

    ours, theirs = _circuits(seed)
    ad = [np.array([[1, 0], [0, np.sqrt(0.9)]]), np.array([[0, np.sqrt(0.1)], [0, 0]])]
    pd = [np.array([[1, 0], [0, np.sqrt(0.8)]]), np.array([[0, 0], [0, np.sqrt(0.2)]])]
    pair = [np.kron(a, p) for a in ad for p in pd]  # our index: gate qubit 0 is the low bit
    model = (NoiseModel()
             .add(depolarizing(0.02), gates=["ry"])
             .add(thermal_relaxation(50.0, 70.0, 3.0), gates=["ry"])
             .add(amplitude_damping(0.05), gates=["rz"])
             .add(phase_damping(0.07), gates=["h"])
             .add(pauli_channel(px=0.01, py=0.02, pz=0.03), gates=["h"])
             .add(depolarizing(0.05, 2), gates=["cx"])
             .add(kraus_channel(pair), gates=["cx"]))
    nm = AerNoise()
    nm.add_all_qubit_quantum_error(depolarizing_error(0.02, 1).compose(thermal_relaxation_error(50.0, 70.0, 3.0)), ["ry"])
    nm.add_all_qubit_quantum_error(amplitude_damping_error(0.05), ["rz"])
    nm.add_all_qubit_quantum_error(phase_damping_error(0.07).compose(pauli_error([("X", 0.01), ("Y", 0.02), ("Z", 0.03), ("I", 0.94)])), ["h"])
    # Aer: a.tensor(b) puts b on the instruction's first qubit
    two = depolarizing_error(0.05, 2).compose(amplitude_damping_error(0.1).tensor(phase_damping_error(0.2)))
    nm.add_all_qubit_quantum_error(two, ["cx"])
    sim = AerSimulator(method="density_matrix", noise_model=nm)
    rho_aer = np.asarray(sim.run(transpile(theirs, sim, optimization_level=0)).result().data(0)["density_matrix"])
    rho = simulate(ours, noise=model, method="density_matrix").density_matrix
    assert np.max(np.abs(rho_aer - np.eye(16) / 16)) > 1e-2  # not washed out to the identity
    np.testing.assert_allclose(rho, rho_aer, atol=1e-10)
