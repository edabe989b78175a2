"""Bad input gives a typed error naming what to fix, never a silent wrong result (issue #25)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from qtilab import Circuit, Parameter, simulate
from qtilab.core.circuit import Gate
from qtilab.errors import CircuitError, SimulationError


# -- non-finite parameter values -----------------------------------------------------------
@pytest.mark.parametrize("make", [lambda t: t * math.nan, lambda t: t + math.inf, lambda t: t - math.inf,
                                  lambda t: math.nan * t, lambda t: (t * 1e308) * 1e10])
def test_non_finite_expression_refused(make) -> None:
    with pytest.raises(CircuitError, match="non-finite"):
        make(Parameter("t"))


def test_overflow_at_binding_refused() -> None:
    t = Parameter("t")
    c = Circuit(1).rx(t * 1e308, 0)
    with pytest.raises(CircuitError, match="non-finite"):
        c.bind({"t": 1e10})
    with pytest.raises(CircuitError, match="non-finite"):
        simulate(c, {"t": 1e10})
    with pytest.raises(CircuitError, match="non-finite"):
        simulate(c, {"t": np.array([1.0, 1e10])})
    # a finite result still binds
    assert np.isfinite(simulate(c, {"t": 1e-308}).statevector).all()


def test_partial_binding_overflow_refused() -> None:
    a, b = Parameter("a"), Parameter("b")
    c = Circuit(1).rx(a * 1e308 + b, 0)
    with pytest.raises(CircuitError, match="non-finite"):
        c.bind({"a": 1e10})


@pytest.mark.parametrize("term", ["NaN", "Infinity", "-Infinity"])
def test_json_non_finite_terms_refused(term: str) -> None:
    text = '{"n_qubits": 1, "gates": [{"name": "rx", "qubits": [0], "params": [{"terms": {"t": TERM}}]}]}'
    text = text.replace("TERM", term)
    with pytest.raises(CircuitError, match="gate #0"):
        Circuit.from_dict(json.loads(text))
    const = '{"n_qubits": 1, "gates": [{"name": "rx", "qubits": [0], "params": [{"terms": {"t": 1}, "const": TERM}]}]}'
    with pytest.raises(CircuitError, match="non-finite"):
        Circuit.from_dict(json.loads(const.replace("TERM", term)))
    plain = '{"n_qubits": 1, "gates": [{"name": "rx", "qubits": [0], "params": [TERM]}]}'
    with pytest.raises(CircuitError, match="finite"):
        Circuit.from_dict(json.loads(plain.replace("TERM", term)))


def test_cli_refuses_nan_expression(tmp_path) -> None:
    from qtilab.cli import main

    p = tmp_path / "c.json"
    p.write_text('{"n_qubits": 1, "gates": [{"name": "rx", "qubits": [0], "params": [{"terms": {"t": NaN}}]}]}')
    assert main(["run", str(p), "--param", "t=1", "--shots", "5"]) != 0


# -- circuit JSON fields -------------------------------------------------------------------
def _one(gate: dict, n_qubits: int = 3, n_clbits: int = 2) -> Circuit:
    return Circuit.from_dict({"n_qubits": n_qubits, "n_clbits": n_clbits, "gates": [gate]})


@pytest.mark.parametrize(
    ("gate", "field"),
    [
        ({"name": "x", "qubits": [0, 1], "ctrl": "one"}, "ctrl"),
        ({"name": "x", "qubits": [0, 1], "ctrl": 5}, "ctrl"),
        ({"name": "x", "qubits": [0, 1], "ctrl": -1}, "ctrl"),
        ({"name": "x", "qubits": [0, 1], "ctrl": 1.5}, "ctrl"),
        ({"name": "x", "qubits": [0, 1], "ctrl": 1, "ctrl_state": 2}, "ctrl_state"),
        ({"name": "x", "qubits": [0, 1], "ctrl": 1, "ctrl_state": -1}, "ctrl_state"),
        ({"name": "x", "qubits": [0, 1, 2], "ctrl": 2, "ctrl_state": 4}, "ctrl_state"),
        ({"name": "cx", "qubits": [0, 1], "ctrl_state": "1"}, "ctrl_state"),
        ({"name": "cx", "qubits": [0, 1], "ctrl": 2}, "ctrl"),
        ({"name": "x", "qubits": [0], "condition": {"value": 1}}, "condition"),
        ({"name": "x", "qubits": [0], "condition": {"clbits": [], "value": 0}}, "condition"),
        ({"name": "x", "qubits": [0], "condition": {"clbits": [0], "value": 2}}, "condition"),
        ({"name": "x", "qubits": [0], "condition": {"clbits": [0], "value": "1"}}, "condition"),
        ({"name": "x", "qubits": [0], "condition": {"clbits": [5], "value": 1}}, "condition"),
        ({"name": "x", "qubits": [0], "condition": [0, 1]}, "condition"),
        ({"name": "measure", "qubits": [0]}, "clbits"),
        ({"name": "measure", "qubits": [0], "clbits": ["a"]}, "clbits"),
        ({"name": "measure", "qubits": [0], "clbits": [7]}, "clbits"),
        ({"name": "x", "qubits": ["0"]}, "qubits"),
        ({"name": "x", "qubits": 0}, "qubits"),
        ({"name": "rx", "qubits": [0], "params": 0.5}, "params"),
        ({"name": "x", "qubits": [0], "label": 3}, "label"),
        ({"name": 5, "qubits": [0]}, "name"),
        ({"name": "reset", "qubits": [0, 1]}, "reset"),
        ({"name": "h", "qubits": [0], "clbits": [0]}, "clbits"),
    ],
)
def test_json_fields_named(gate: dict, field: str) -> None:
    with pytest.raises(CircuitError, match=field) as info:
        _one(gate)
    assert "gate #0" in str(info.value)


def test_json_multi_qubit_measure_is_split() -> None:
    c = _one({"name": "measure", "qubits": [0, 1], "clbits": [1, 0]})
    assert [(g.qubits, g.clbits) for g in c] == [((0,), (1,)), ((1,), (0,))]


def test_json_round_trip_of_controls() -> None:
    c = Circuit(3, 1).controlled("x", [0, 1], [2], ctrl_state=0b01).mcx([0, 1], 2).cx(0, 1)
    c.append(Gate("x", (0,), condition=((0,), 1)))
    assert Circuit.from_dict(json.loads(json.dumps(c.to_dict()))) == c


def test_gate_fields_checked_on_append() -> None:
    with pytest.raises(CircuitError, match="ctrl_state"):
        Circuit(2).append(Gate("x", (0, 1), ctrl=1, ctrl_state=3))
    with pytest.raises(CircuitError, match="ctrl"):
        Circuit(2).append(Gate("x", (0, 1), ctrl=3))
    with pytest.raises(CircuitError, match="condition"):
        Circuit(1, 1).append(Gate("x", (0,), condition=((), 0)))
    with pytest.raises(CircuitError, match="one qubit"):
        Circuit(2, 2).append(Gate("measure", (0, 1), clbits=(0, 1)))


# -- atomic appends ------------------------------------------------------------------------
def test_measure_is_atomic() -> None:
    c = Circuit(2, 1).h(0)
    before = c.copy()
    with pytest.raises(CircuitError):
        c.measure([0, 1], [0])
    assert c == before
    with pytest.raises(CircuitError):
        c.measure([0, 1], [0, 5])  # the second is out of range: the first is not kept either
    assert c == before
    c.measure([0, 1], [0, 0])
    assert len(c) == 3


def test_extend_is_atomic() -> None:
    c = Circuit(2).h(0)
    with pytest.raises(CircuitError):
        c.extend([Gate("x", (1,)), Gate("x", (2,))])
    assert c.count_ops() == {"h": 1}


# -- typed errors for dtype and seed -------------------------------------------------------
@pytest.mark.parametrize("dtype", ["nonsense", "float64", 3, object])
def test_bad_dtype(dtype) -> None:
    with pytest.raises(SimulationError, match="dtype"):
        simulate(Circuit(1).h(0), dtype=dtype)


@pytest.mark.parametrize("seed", ["abc", 1.5, -1, [1, "a"], True])
def test_bad_seed(seed) -> None:
    from qtilab.sim import run_shots

    res = simulate(Circuit(1).h(0))
    with pytest.raises(SimulationError, match="seed"):
        res.sample(3, seed=seed)
    with pytest.raises(SimulationError, match="seed"):
        run_shots(Circuit(1, 1).h(0).measure(0, 0), 3, seed=seed)
