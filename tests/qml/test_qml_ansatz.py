"""Ansatze: parameter counts from Sim et al. (2019, Table/Fig. 2 for 4 qubits), structure, binding."""

from __future__ import annotations

import numpy as np
import pytest

from qtilab import simulate
from qtilab.errors import ConfigError
from qtilab.qml.ansatz import (
    hardware_efficient,
    make_ansatz,
    real_amplitudes,
    reuploading_circuit,
    sim_circuit,
    strongly_entangling,
)

# parameters per layer of circuits 1-19 on 4 qubits, as published
SIM_PARAMS_4Q = {1: 8, 2: 8, 3: 11, 4: 11, 5: 28, 6: 28, 7: 19, 8: 19, 9: 4, 10: 8,
                 11: 12, 12: 12, 13: 16, 14: 16, 15: 8, 16: 11, 17: 11, 18: 12, 19: 12}


@pytest.mark.parametrize("number", range(1, 20))
def test_sim_circuits_parameter_counts_and_unitarity(number):
    c = sim_circuit(number, n_qubits=4, layers=1)
    assert c.num_parameters == SIM_PARAMS_4Q[number]
    assert sim_circuit(number, n_qubits=4, layers=3).num_parameters == 3 * SIM_PARAMS_4Q[number]
    vals = np.random.default_rng(number).uniform(-3, 3, c.num_parameters)
    st = simulate(c, list(vals)).statevector
    assert abs(np.linalg.norm(st) - 1) < 1e-12
    # other sizes build and keep their structure
    for n in (2, 3, 5):
        assert sim_circuit(number, n_qubits=n).n_qubits == n


def test_sim_circuit_gate_patterns_match_the_paper_4q():
    ops = sim_circuit(2, 4).count_ops()
    assert ops == {"rx": 4, "rz": 4, "cx": 3}
    c13 = [(g.display_name, g.qubits) for g in sim_circuit(13, 4) if g.ctrl]
    assert c13 == [("crz", (3, 0)), ("crz", (2, 3)), ("crz", (1, 2)), ("crz", (0, 1)),
                   ("crz", (3, 2)), ("crz", (0, 3)), ("crz", (1, 0)), ("crz", (2, 1))]
    c7 = [g.qubits for g in sim_circuit(7, 4) if g.ctrl]
    assert c7 == [(1, 0), (3, 2), (2, 1)]
    assert sim_circuit(9, 4).count_ops() == {"h": 4, "cz": 3, "rx": 4}


def test_other_ansatze_counts_and_names():
    assert hardware_efficient(5, layers=3).num_parameters == 30
    assert hardware_efficient(3, 2, rotations=("rx",), entanglement="full", entangler="cz").count_ops() == {"rx": 6, "cz": 6}
    assert strongly_entangling(4, 2).num_parameters == 24
    assert real_amplitudes(4, reps=3).num_parameters == 16
    assert make_ansatz("sim14", 4).num_parameters == 16
    assert make_ansatz(11, 4).num_parameters == 12
    assert [p.name for p in hardware_efficient(2, 1).parameters] == ["w0", "w1", "w2", "w3"]
    c, xs, ws = reuploading_circuit(2, 3, layers=2)
    assert len(xs) == 3 and len(ws) == 8 and c.num_parameters == 11


def test_real_amplitudes_gives_real_states():
    c = real_amplitudes(3, reps=2)
    st = simulate(c, list(np.random.default_rng(0).normal(size=c.num_parameters))).statevector
    assert np.max(np.abs(st.imag)) < 1e-14


def test_bad_arguments():
    with pytest.raises(ConfigError, match="1 to 19"):
        sim_circuit(20)
    with pytest.raises(ConfigError, match="layers"):
        hardware_efficient(3, layers=0)
    with pytest.raises(ConfigError, match="rotations"):
        hardware_efficient(3, rotations=("ux",))
    with pytest.raises(ConfigError, match="unknown ansatz"):
        make_ansatz("nope", 3)
