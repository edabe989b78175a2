"""Terminal measurements: one semantics for Result.sample and the shot-by-shot path.

The reference is written here: measurements are applied in program order to a known basis
state, a classical bit keeps the last qubit written into it, bits never written read 0.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qtilab import Circuit, simulate
from qtilab.errors import SimulationError
from qtilab.sim.shots import _branches, run_shots


def _reference(n_clbits: int, ones: set[int], measures: list[tuple[int, int]]) -> str:
    bits = [0] * n_clbits
    for q, c in measures:
        bits[c] = 1 if q in ones else 0
    return "".join(str(b) for b in reversed(bits))


def test_one_qubit_into_two_clbits() -> None:
    c = Circuit(1, 2).x(0).measure(0, 0).measure(0, 1)
    assert simulate(c).sample(10, seed=1).counts == {"11": 10}
    assert run_shots(c, 10, seed=1).counts == {"11": 10}


def test_two_qubits_into_one_clbit_last_write_wins() -> None:
    c = Circuit(2, 1).x(1).measure(0, 0).measure(1, 0)
    assert simulate(c).sample(10, seed=1).counts == {"1": 10}
    c2 = Circuit(2, 1).x(1).measure(1, 0).measure(0, 0)
    assert simulate(c2).sample(10, seed=1).counts == {"0": 10}


@pytest.mark.parametrize(
    ("body", "want"),
    [
        ("x q[0];\nmeasure q[0] -> c[0];\nmeasure q[0] -> c[1];\n", {"11": 10}),
        ("x q[1];\nmeasure q[0] -> c[0];\nmeasure q[1] -> c[0];\n", {"01": 10}),
    ],
)
def test_cli_run_counts(tmp_path, capsys, body: str, want: dict[str, int]) -> None:
    import json

    from qtilab.cli import main

    src = tmp_path / "m.qasm"
    src.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[2];\ncreg c[2];\n' + body)
    assert main(["run", str(src), "--shots", "10", "--seed", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"] == want


def test_seventy_clbits_keep_high_bits() -> None:
    s = simulate(Circuit(2, 70).x(0).measure(0, 65)).sample(5, seed=3)
    assert s.counts == {"0" * 4 + "1" + "0" * 65: 5}
    assert s.bits.shape == (5, 70)
    assert s.bits[:, 65].tolist() == [1] * 5 and int(s.bits.sum()) == 5
    assert int(s.indices[0]) == 1 << 65


def test_sample_refuses_impossible_shot_count() -> None:
    with pytest.raises(SimulationError, match="shots"):
        simulate(Circuit(2).h(0)).sample(10**12)


measure_maps = st.integers(1, 4).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.integers(1, 5),
        st.sets(st.integers(0, n - 1)),
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, 4)), min_size=1, max_size=8),
    )
)


@settings(max_examples=40, deadline=None)
@given(measure_maps)
def test_random_measurement_maps_agree(case: tuple[int, int, set[int], list[tuple[int, int]]]) -> None:
    n, n_clbits, ones, measures = case
    measures = [(q, c % n_clbits) for q, c in measures]
    circ = Circuit(n, n_clbits)
    for q in sorted(ones):
        circ.x(q)
    for q, c in measures:
        circ.measure(q, c)
    want = _reference(n_clbits, ones, measures)
    fast = simulate(circ).sample(7, seed=0).counts
    slow = _branches(circ, list(circ), 7, np.random.default_rng(0), None, np.complex128, None).counts
    assert fast == {want: 7}
    assert slow == {want: 7}
    assert run_shots(circ, 7, seed=0).counts == {want: 7}


@settings(max_examples=15, deadline=None)
@given(measure_maps)
def test_random_maps_on_a_ghz_state_have_the_same_support(case: tuple[int, int, set[int], list[tuple[int, int]]]) -> None:
    # GHZ: every qubit reads the same bit b; the outcomes are the reference with ones = {} or all
    n, n_clbits, _, measures = case
    measures = [(q, c % n_clbits) for q, c in measures]
    circ = Circuit(n, n_clbits).h(0)
    for q in range(1, n):
        circ.cx(0, q)
    for q, c in measures:
        circ.measure(q, c)
    want = {_reference(n_clbits, set(), measures), _reference(n_clbits, set(range(n)), measures)}
    fast = simulate(circ).sample(200, seed=1).counts
    slow = _branches(circ, list(circ), 200, np.random.default_rng(1), None, np.complex128, None).counts
    assert set(fast) == want
    assert set(slow) == want
