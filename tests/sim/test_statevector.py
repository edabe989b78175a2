"""The engine against an explicit dense Kronecker-product reference.

The reference (qtilab.testing) never imports qtilab.sim, and the gate matrices it uses here
come from tests/sim/reference_gates.py, written independently of qtilab.core.gates.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from qtilab import Circuit, Observable, Parameter, simulate
from qtilab.errors import CircuitError, SimulationError
from qtilab.testing import assert_states_close, dense_states, dense_unitary, embed

# ---- gate matrices written out here, independently of qtilab.core.gates ----------------
# Convention: for a 2-qubit gate on (a, b), the matrix index is bit(a) + 2 * bit(b).

sys.path.insert(0, str(Path(__file__).parent))
from reference_gates import TABLE  # noqa: E402

# the random-circuit strategy shared by every engine test (qtilab.testing never imports sim)
from qtilab.testing.strategies import GATES, circuits  # noqa: E402,F401
from qtilab.testing.strategies import random_unitary as _random_unitary  # noqa: E402


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(circuits())
def test_random_circuits_match_dense_reference_complex128(c: Circuit) -> None:
    res = simulate(c)
    assert res.statevector.shape == (2**c.n_qubits,)
    assert_states_close(res.statevector, dense_states(c, TABLE), atol=1e-10)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(circuits())
def test_random_circuits_match_dense_reference_complex64(c: Circuit) -> None:
    res = simulate(c, dtype=np.complex64)
    assert res.statevector.dtype == np.complex64
    assert_states_close(res.statevector, dense_states(c, TABLE), atol=1e-5)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(circuits(batch=3))
def test_batched_random_circuits_match_per_member_reference(c: Circuit) -> None:
    res = simulate(c)
    expected = dense_states(c, TABLE)
    if c.batch_size is None:  # a circuit with no parametric gate is not batched
        assert res.statevector.ndim == 1
        expected = expected[0]
    assert_states_close(res.statevector, expected, atol=1e-10)


@pytest.mark.parametrize("batch", [1, 5, 20])
def test_large_batch_uses_batch_parallel_path(batch: int) -> None:
    rng = np.random.default_rng(3)
    n = 5
    c = Circuit(n)
    for q in range(n):
        c.ry(rng.uniform(0, 6, size=batch), q).rz(rng.uniform(0, 6, size=batch), q)
    for q in range(n - 1):
        c.cz(q, q + 1).crx(rng.uniform(0, 6, size=batch), q + 1, q)
    c.rxx(rng.uniform(0, 6, size=batch), 0, 4).ccx(0, 2, 4)
    c.unitary(_random_unitary(rng, 8), [4, 1, 2])
    res = simulate(c)
    assert_states_close(res.states, dense_states(c, TABLE), atol=1e-10)
    res64 = simulate(c, dtype="complex64")
    assert_states_close(res64.states, dense_states(c, TABLE), atol=1e-5)


def test_qubit_order_matches_kron_reference() -> None:
    # X on qubit 0 of 3 sets bit 0: index 1, i.e. bitstring '001' with qubit 0 on the right.
    res = simulate(Circuit(3).x(0))
    assert np.argmax(np.abs(res.statevector)) == 1
    assert res.sample(10, seed=0).counts == {"001": 10}
    # qubit 2 is the leftmost kron factor
    psi = np.kron(np.kron([0, 1], [1, 0]), [1, 0])
    assert_states_close(simulate(Circuit(3).x(2)).statevector, psi)
    # a 2-qubit unitary's qubits[0] is the low bit of its matrix index
    m = TABLE["swap"]() @ np.kron(np.eye(2), TABLE["h"]())  # H on matrix bit 0, then swap
    c = Circuit(3).unitary(m, [2, 0])
    assert_states_close(simulate(c).statevector, embed(m, [2, 0], 3)[:, 0])


def test_norm_preserved_and_inverse_returns_initial_state() -> None:
    rng = np.random.default_rng(7)
    n = 6
    c = Circuit(n)
    for _ in range(60):
        q = rng.permutation(n)
        c.u(*rng.uniform(-3, 3, 3), int(q[0])).cx(int(q[1]), int(q[2])).rzz(float(rng.uniform(-3, 3)), int(q[3]), int(q[4]))
        c.cswap(int(q[0]), int(q[3]), int(q[5])).iswap(int(q[1]), int(q[4]))
    state = simulate(c).statevector
    assert abs(np.linalg.norm(state) - 1) < 1e-12
    back = simulate(c.compose(c.inverse())).statevector
    expected = np.zeros(2**n)
    expected[0] = 1
    assert_states_close(back, expected, atol=1e-10)
    # from a random initial state too
    psi = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    psi /= np.linalg.norm(psi)
    mid = simulate(c, initial_state=psi).statevector
    assert_states_close(simulate(c.inverse(), initial_state=mid).statevector, psi, atol=1e-10)


def test_ghz_state_and_counts() -> None:
    n = 10
    c = Circuit(n).h(0)
    for q in range(n - 1):
        c.cx(q, q + 1)
    res = simulate(c)
    sv = res.statevector
    assert abs(sv[0] - 2**-0.5) < 1e-12 and abs(sv[-1] - 2**-0.5) < 1e-12
    assert np.sum(np.abs(sv) ** 2) - 2 * 0.5 < 1e-12
    counts = res.sample(2000, seed=5).counts
    assert set(counts) == {"0" * n, "1" * n}


def _qft(n: int) -> Circuit:
    c = Circuit(n)
    for j in reversed(range(n)):
        c.h(j)
        for k in reversed(range(j)):
            c.cp(np.pi / 2 ** (j - k), k, j)
    for q in range(n // 2):
        c.swap(q, n - 1 - q)
    return c


@pytest.mark.parametrize("n", [1, 3, 5])
def test_qft_of_basis_state_is_dft_column(n: int) -> None:
    dim = 2**n
    dft = np.exp(2j * np.pi * np.outer(np.arange(dim), np.arange(dim)) / dim) / np.sqrt(dim)
    c = _qft(n)
    for x in range(dim):
        init = np.zeros(dim, complex)
        init[x] = 1
        assert_states_close(simulate(c, initial_state=init).statevector, dft[:, x], atol=1e-10)


def test_bell_counts_within_five_sigma() -> None:
    shots = 100_000
    counts = simulate(Circuit(2).h(0).cx(0, 1)).sample(shots, seed=11).counts
    assert set(counts) == {"00", "11"}
    sigma = np.sqrt(shots * 0.25)
    assert abs(counts["00"] - shots / 2) < 5 * sigma


def test_sampling_is_reproducible_and_matches_probabilities() -> None:
    rng = np.random.default_rng(1)
    c = Circuit(4)
    for q in range(4):
        c.ry(float(rng.uniform(0, 3)), q)
    c.cx(0, 3).cx(2, 1)
    res = simulate(c)
    a = res.sample(50_000, seed=42)
    b = res.sample(50_000, seed=42)
    assert np.array_equal(a.indices, b.indices)
    freq = np.bincount(a.indices, minlength=16) / 50_000
    p = np.abs(dense_states(c, TABLE)[0]) ** 2
    assert np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / 50_000) + 1e-12)
    assert a.bits.shape == (50_000, 4)
    assert np.array_equal(a.bits[:, 0], a.indices & 1)


def test_marginal_probabilities_against_reference() -> None:
    rng = np.random.default_rng(2)
    n = 5
    c = Circuit(n)
    for q in range(n):
        c.u(*rng.uniform(-3, 3, 3), q)
    c.cx(0, 4).cz(1, 3).crx(0.7, 2, 0)
    p = np.abs(dense_states(c, TABLE)[0]) ** 2
    res = simulate(c)
    for qs in ([0], [4], [3, 1], [0, 2, 4], [4, 3, 2, 1, 0]):
        expected = np.zeros(2 ** len(qs))
        for i in range(2**n):
            j = sum(((i >> q) & 1) << k for k, q in enumerate(qs))
            expected[j] += p[i]
        assert np.allclose(res.probabilities(qs), expected, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(circuits())
def test_expectation_values_against_dense_matrix(c: Circuit) -> None:
    n = c.n_qubits
    rng = np.random.default_rng(n)
    terms = []
    for _ in range(3):
        k = int(rng.integers(1, n + 1))
        qs = rng.permutation(n)[:k]
        terms.append((float(rng.normal()), {int(q): str(rng.choice(list("XYZ"))) for q in qs}))
    obs = Observable(terms) + 0.25
    psi = dense_states(c, TABLE)[0]
    # dense observable from Pauli matrices written here
    paulis = {"I": np.eye(2), "X": TABLE["x"](), "Y": TABLE["y"](), "Z": TABLE["z"]()}
    mat = 0.25 * np.eye(2**n, dtype=complex)
    for coeff, p in terms:
        m = np.ones((1, 1))
        for q in reversed(range(n)):
            m = np.kron(m, paulis[p.get(q, "I")])
        mat += coeff * m
    expected = float(np.real(psi.conj() @ mat @ psi))
    assert abs(simulate(c).expectation(obs) - expected) < 1e-10


def test_batched_expectation_and_symbolic_parameters() -> None:
    theta = Parameter("theta")
    c = Circuit(2).ry(theta, 0).cx(0, 1)
    vals = np.linspace(0, np.pi, 7)
    res = simulate(c, {"theta": vals})
    assert res.states.shape == (7, 4)
    assert np.allclose(res.expectation("Z0 Z1"), 1.0)
    assert np.allclose(res.expectation("Z0"), np.cos(vals), atol=1e-12)
    # bind by order gives the same state as params at simulation time
    assert_states_close(simulate(c.bind([0.3])).statevector, simulate(c, [0.3]).statevector)
    # affine expressions
    c2 = Circuit(1).rx(2 * theta - 0.5, 0)
    assert abs(simulate(c2, {"theta": 0.4}).expectation("Z0") - np.cos(0.3)) < 1e-12


def test_24_qubit_layered_circuit_simulates() -> None:
    n, layers = 24, 10
    rng = np.random.default_rng(0)
    c = Circuit(n)
    for _ in range(layers):
        for q in range(n):
            c.ry(float(rng.uniform(0, 6.3)), q).rz(float(rng.uniform(0, 6.3)), q)
        for q in range(n - 1):
            c.cz(q, q + 1)
    res = simulate(c, dtype=np.complex64)
    assert abs(np.linalg.norm(res.statevector) - 1) < 1e-3


# -- bad input -------------------------------------------------------------------------
def test_unbound_parameter_at_simulation_time() -> None:
    c = Circuit(1).rx(Parameter("alpha"), 0)
    with pytest.raises(CircuitError, match="alpha"):
        simulate(c)


def test_memory_guard_raises_with_figures() -> None:
    with pytest.raises(SimulationError, match="GiB"):
        simulate(Circuit(20).h(0), max_memory=1 << 20)
    with pytest.raises(SimulationError, match="needs"):
        simulate(Circuit(45).h(0))


def test_batch_length_mismatch_between_circuit_and_values() -> None:
    t = Parameter("t")
    c = Circuit(1).rx(np.zeros(3), 0).ry(t, 0)
    with pytest.raises(CircuitError, match="batch"):
        simulate(c, {"t": np.zeros(4)})


def test_bad_initial_state() -> None:
    with pytest.raises(SimulationError, match="shape"):
        simulate(Circuit(2), initial_state=np.ones(3))
    with pytest.raises(SimulationError, match="normalised"):
        simulate(Circuit(2), initial_state=np.ones(4))
    with pytest.raises(SimulationError, match="NaN"):
        simulate(Circuit(1), initial_state=[np.nan, 1])


def test_bad_sampling_and_observable_arguments() -> None:
    res = simulate(Circuit(2).h(0))
    with pytest.raises(SimulationError, match="shots"):
        res.sample(0)
    with pytest.raises(SimulationError, match="out of range"):
        res.probabilities([5])
    with pytest.raises(SimulationError, match="qubit 3"):
        res.expectation("Z3")


def test_dense_reference_self_check() -> None:
    # the reference itself: CX from the table-free controlled() embedding equals the textbook
    # matrix with the control as the low bit (index = b_control + 2 b_target)
    c = Circuit(2).cx(0, 1)
    cx = np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 1, 0, 0]])
    assert np.allclose(dense_unitary(c, TABLE), cx)
