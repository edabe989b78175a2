"""run_shots: per-shot simulation of mid-circuit measurement, reset and conditions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qtilab import Circuit
from qtilab.core.qasm import loads
from qtilab.errors import SimulationError
from qtilab.sim import run_shots


def _within(phat: float, p: float, shots: int, k: float = 5.0) -> bool:
    return abs(phat - p) <= k * math.sqrt(max(p * (1 - p), 1e-12) / shots) + 1e-12


def test_terminal_measurements_take_the_fast_path() -> None:
    c = Circuit(3, 3).h(0).cx(0, 1).cx(1, 2).measure([0, 1, 2], [2, 0, 1])
    res = run_shots(c, 4000, seed=1)
    assert res.method == "statevector"
    assert set(res.counts) == {"000", "111"}
    assert _within(res.counts["111"] / 4000, 0.5, 4000)


def test_same_seed_same_shots_and_order_is_shuffled() -> None:
    c = loads('OPENQASM 2.0; include "qelib1.inc"; qreg q[2]; creg c[2]; h q[0]; measure q[0] -> c[0];'
              " if (c == 1) x q[1]; h q[0]; measure q -> c;")
    a = run_shots(c, 500, seed=7)
    b = run_shots(c, 500, seed=7)
    assert a.method == "branches"
    np.testing.assert_array_equal(a.memory, b.memory)
    assert not np.array_equal(a.memory, np.sort(a.memory))


def test_mid_circuit_measure_then_gate_matches_the_density_matrix() -> None:
    # ry(t) q0; measure q0 -> c0; h q0; measure q0 -> c1: c0 ~ Bernoulli(sin^2(t/2)), c1 fair
    t = 1.3
    c = Circuit(1, 2).ry(t, 0).measure(0, 0).h(0).measure(0, 1)
    res = run_shots(c, 20000, seed=3)
    assert res.method == "branches"
    bits = res.bits
    assert _within(bits[:, 0].mean(), math.sin(t / 2) ** 2, 20000)
    assert _within(bits[:, 1].mean(), 0.5, 20000)
    # without the mid-circuit measurement, h ry(t)|0> has P(1) = (1 - sin t) / 2: not 0.5
    assert abs((1 - math.sin(t)) / 2 - 0.5) > 0.4


def test_reset_and_conditional_flip() -> None:
    c = Circuit(2, 2).h(0).cx(0, 1).reset(0).measure(0, 0).measure(1, 1)
    res = run_shots(c, 4000, seed=2)
    assert set(res.counts) <= {"00", "10"}
    assert _within(res.bits[:, 1].mean(), 0.5, 4000)
    # a conditioned gate on some branches only (c0 == 1 flips q1 back: q1 == 0 always)
    c = Circuit(2, 2).h(0).cx(0, 1).measure(0, 0)
    c.append(Circuit(2, 2).x(1)[0].replace(condition=((0,), 1)))
    c.measure(1, 1)
    assert set(run_shots(c, 2000, seed=4).counts) <= {"00", "01"}


def test_conditioned_measure_and_reset() -> None:
    # q1 measured into c1 only when c0 == 1
    c = Circuit(2, 2).h(0).measure(0, 0).x(1)
    c.append(Circuit(2, 2).measure(1, 1)[0].replace(condition=((0,), 1)))
    assert set(run_shots(c, 2000, seed=8).counts) == {"00", "11"}
    c = Circuit(2, 2).h(0).x(1).measure(0, 0)
    c.append(Circuit(2, 2).reset(1)[0].replace(condition=((0,), 0)))
    c.measure(1, 1)
    assert set(run_shots(c, 2000, seed=8).counts) == {"00", "11"}


def test_no_measurement_samples_all_qubits() -> None:
    res = run_shots(Circuit(2).x(1).reset(1).x(0), 100, seed=0)
    assert res.counts == {"01": 100}


def test_bad_input() -> None:
    with pytest.raises(SimulationError, match="shots"):
        run_shots(Circuit(1), 0)
    with pytest.raises(SimulationError):
        run_shots("not a circuit", 10)  # type: ignore[arg-type]


def test_shots_are_processed_in_groups_when_branches_would_not_fit() -> None:
    # 400 shots of a 10-qubit circuit with a budget of 80 states: groups of 40 shots
    c = Circuit(10, 2).h(0).measure(0, 0).cx(0, 9).h(0).measure(9, 1)
    res = run_shots(c, 400, seed=9, max_memory=80 * 16 * 2**10)
    assert res.shots == 400 and res.branches <= 40
    assert set(res.counts) == {"00", "11"}
    assert _within(res.bits[:, 0].mean(), 0.5, 400)
