"""The quantum perceptron (Tacchino et al. 2019) against its closed form (i.w/m)^2.

References written here, independently of the module: the closed form as a dot product, the
encoded state as the explicit vector i/sqrt(m), hand-derived hypergraph edges, and the
phase-encoded activation |sum_j exp(i(theta_j - phi_j))|^2 / m^2.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qtilab import simulate
from qtilab.errors import ConfigError, DataError, QtilabError, SimulationError
from qtilab.qml import perceptron as P

METHODS = ("hypergraph", "sign_flip")


def ref_activation(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    m = w.shape[-1]
    return (np.asarray(x, float) @ np.asarray(w, float) / m) ** 2


def every_pattern(m: int) -> np.ndarray:
    return np.array(list(itertools.product([1, -1], repeat=m)), dtype=np.int8)


@pytest.mark.parametrize("method", METHODS)
def test_all_16_by_16_pairs_for_two_qubits(method):
    pats = every_pattern(4)
    assert pats.shape == (16, 4)
    got = np.array([P.activation(pats, w, method=method) for w in pats])  # rows: weights
    want = np.array([[ref_activation(i, w) for i in pats] for w in pats])
    np.testing.assert_allclose(got, want, atol=1e-12, rtol=0)
    # each pair also one at a time (the unbatched, gate-by-gate circuits)
    for k in (0, 5, 9, 15):
        for j in range(16):
            assert abs(P.activation(pats[j], pats[k], method=method) - want[k, j]) < 1e-12


@pytest.mark.parametrize("n", [3, 4, 5, 6])
@pytest.mark.parametrize("method", METHODS)
def test_random_pairs_n3_to_n6(n, method):
    rng = np.random.default_rng(100 + n)
    m = 2**n
    for _ in range(3):
        w = rng.choice([-1, 1], size=m)
        x = rng.choice([-1, 1], size=(12, m))
        x[0] = w  # activation 1
        x[1] = -w  # activation 1 (i and -i are the same state up to sign)
        x[2, : m // 2] = w[: m // 2]  # orthogonal: activation 0
        x[2, m // 2 :] = -w[m // 2 :]
        np.testing.assert_allclose(P.activation(x, w, method=method), ref_activation(x, w), atol=1e-12, rtol=0)
        single = P.activation(x[3], w, method=method)
        assert isinstance(single, float) and abs(single - ref_activation(x[3], w)) < 1e-12


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_encoding_is_the_pattern_vector(n):
    rng = np.random.default_rng(n)
    m = 2**n
    for _ in range(6):
        p = rng.choice([-1, 1], size=m)
        want = p / np.sqrt(m)
        sf = simulate(P.encoding_circuit(p, "sign_flip")).statevector
        hg = simulate(P.encoding_circuit(p, "hypergraph")).statevector
        np.testing.assert_allclose(sf, want, atol=1e-12)
        np.testing.assert_allclose(hg, want * p[0], atol=1e-12)  # sign of |0..0> fixed to +1


def test_hypergraph_edges_by_hand():
    # index j = b0 + 2 b1. [1, 1, 1, -1]: only |11> flipped -> one CZ
    assert P.hypergraph_edges([1, 1, 1, -1]) == [(0, 1)]
    # [1, -1, 1, 1]: |01> (qubit 0 set) flipped: Z0 flips |01>,|11>; CZ flips |11> back
    assert P.hypergraph_edges([1, -1, 1, 1]) == [(0,), (0, 1)]
    # [1, -1, -1, 1]: Z0 Z1 (|11> flipped twice)
    assert P.hypergraph_edges([1, -1, -1, 1]) == [(0,), (1,)]
    # overall sign does not matter
    assert P.hypergraph_edges([-1, 1, 1, -1]) == P.hypergraph_edges([1, -1, -1, 1])
    # 3 qubits, only |111> flipped: one CCZ
    assert P.hypergraph_edges([1] * 7 + [-1]) == [(0, 1, 2)]


def test_circuits_use_only_the_papers_gates():
    rng = np.random.default_rng(3)
    p = rng.choice([-1, 1], size=16)
    w = rng.choice([-1, 1], size=16)
    hg = P.perceptron_circuit(p, w, "hypergraph")
    names = {(g.name, g.ctrl) for g in hg}
    assert names <= {("h", 0), ("x", 0), ("z", 0), ("z", 1), ("z", 2), ("z", 3), ("x", 4)}
    assert hg[-1].name == "x" and hg[-1].ctrl == 4 and hg[-1].targets == (4,)  # the C^4 NOT on the ancilla
    sf = P.perceptron_circuit(p, w, "sign_flip")
    zs = [g for g in sf if g.name == "z"]
    assert all(g.ctrl == 3 for g in zs)  # every sign-flip block is a C^3 Z on all four qubits
    assert len(zs) == int(np.sum(p == -1) + np.sum(w == -1))


def test_batched_hyperedges_equal_the_papers_procedure():
    pats = every_pattern(8)  # every pattern of N = 3
    coef = P.hypergraph_coefficients(pats)
    for k, p in enumerate(pats):
        from_anf = [tuple(q for q in range(3) if (s >> q) & 1) for s in np.flatnonzero(coef[k])]
        assert sorted(from_anf) == sorted(P.hypergraph_edges(p))


def test_phase_encoding_against_its_closed_form():
    rng = np.random.default_rng(7)
    for n in (1, 2, 3, 5):
        m = 2**n
        th = rng.uniform(0, 2 * np.pi, size=(10, m))
        ph = rng.uniform(-np.pi, np.pi, size=m)
        want = np.abs(np.exp(1j * (th - ph)).sum(axis=1)) ** 2 / m**2
        np.testing.assert_allclose(P.phase_activation(th, ph), want, atol=1e-12, rtol=0)
        assert abs(P.phase_activation(th[4], ph) - want[4]) < 1e-12
    # binary patterns as phases 0 / pi give the binary perceptron
    x = rng.choice([-1, 1], size=(6, 16))
    w = rng.choice([-1, 1], size=16)
    np.testing.assert_allclose(P.phase_activation(np.pi * (x == -1), np.pi * (w == -1)), ref_activation(x, w), atol=1e-12)


def test_shots_are_binomial_and_reproducible():
    w = np.array([1, -1, 1, 1, -1, -1, 1, 1])
    x = np.array([[1, -1, 1, 1, -1, -1, 1, -1], w * np.array([1, 1, 1, 1, -1, -1, -1, -1])])
    p = ref_activation(x, w)  # (6/8)^2 and 0 (orthogonal)
    a = P.activation(x, w, shots=20000, seed=5)
    sigma = np.sqrt(p * (1 - p) / 20000)
    assert abs(a[0] - p[0]) < 5 * sigma[0] and a[0] != p[0]
    assert a[1] == 0.0
    np.testing.assert_array_equal(a, P.activation(x, w, shots=20000, seed=5))


def test_noisy_evaluation_on_the_density_matrix_engine():
    from qtilab.sim.noise import NoiseModel, depolarizing, phase_damping, readout_error

    rng = np.random.default_rng(11)
    w = rng.choice([-1, 1], size=16)
    x = rng.choice([-1, 1], size=(5, 16))
    x[0] = w
    exact = ref_activation(x, w)
    # an idle channel changes nothing
    np.testing.assert_allclose(P.activation(x, w, noise=NoiseModel().add(phase_damping(0.0))), exact, atol=1e-12)
    # depolarizing the ancilla after the C^4 NOT: p1 -> (1 - p) p1 + p / 2
    p = 0.2
    dep = NoiseModel().add_per_qubit({4: depolarizing(p)}, gates="c4x")
    np.testing.assert_allclose(P.activation(x, w, noise=dep), (1 - p) * exact + p / 2, atol=1e-12)
    # readout error on the ancilla: reported 1 = p1 (1 - e01) + (1 - p1) e10
    e10, e01 = 0.05, 0.1
    ro = NoiseModel().add_readout(readout_error(e10, e01), qubits=[4])
    np.testing.assert_allclose(P.activation(x, w, noise=ro, method="sign_flip"), exact * (1 - e01) + (1 - exact) * e10, atol=1e-12)
    # noise on every gate pulls the perfect match (activation 1) down
    noisy = P.activation(x, w, noise=NoiseModel().add(depolarizing(0.01)))
    assert 0.5 < noisy[0] < 0.99


def test_classifier_thresholds():
    w = P.image_pattern([1], [1])
    clf = P.QuantumPerceptron(w, threshold=0.5)
    near = w.copy()
    near[[0, 5]] *= -1  # two pixels off: (12/16)^2 = 0.5625 > 0.5
    far = w.copy()
    far[[0, 5, 10]] *= -1  # three off: (10/16)^2 = 0.39
    assert list(clf.predict(np.stack([w, -w, near, far]))) == [1, 1, 1, 0]
    assert clf.predict(far) == 0 and clf.n_qubits == 4


def test_bad_input_is_refused_with_clear_errors():
    with pytest.raises(DataError, match="only -1 and"):
        P.activation([1, 0, 1, 1], [1, 1, 1, 1])
    with pytest.raises(DataError, match="-1 and"):
        P.QuantumPerceptron([1, 1, 0.5, 1])
    with pytest.raises(DataError, match="2\\^N"):
        P.activation([1, 1, 1], [1, 1, 1])
    with pytest.raises(DataError, match="must match"):
        P.activation([1, 1, 1, 1], [1] * 8)
    with pytest.raises(ConfigError, match="N <= "):
        P.check_n_qubits(P.MAX_QUBITS + 1)
    with pytest.raises(SimulationError, match="GiB"):
        P.check_n_qubits(16, max_memory=1 << 20)
    with pytest.raises(ConfigError, match="method"):
        P.activation([1, 1, 1, 1], [1, 1, 1, 1], method="magic")
    with pytest.raises(ConfigError, match="shots"):
        P.activation([1, 1, 1, 1], [1, 1, 1, 1], shots=0)
    with pytest.raises(ConfigError, match="threshold"):
        P.QuantumPerceptron([1, 1, 1, 1], threshold=1.5)
    with pytest.raises(ConfigError):
        P.train_perceptron(P.PerceptronTrainingConfig(lr_pos=0.0))
    assert issubclass(DataError, QtilabError)


def test_training_smoke():
    res = P.train_perceptron(P.PerceptronTrainingConfig(n_positive=20, n_negative=200, epochs=2, seed=1))
    assert res.curve[0]["step"] == 0 and res.curve[-1]["epoch"] <= 2
    assert res.weights.shape == (16,) and set(np.unique(res.weights)) <= {-1, 1}
    assert res.max_abs_circuit_error < 1e-12
    assert res.circuit_evaluations > 0


@pytest.mark.slow
def test_training_learns_the_cross():
    """The paper's rule, default config: the weights become +-the target cross and classify all
    2^16 patterns correctly (scored by the circuit)."""
    for seed in (0, 1):
        res = P.train_perceptron(P.PerceptronTrainingConfig(seed=seed))
        assert res.final_accuracy_circuit == 1.0
        assert abs(int(res.weights.astype(int) @ res.target.astype(int))) == 16
        assert res.curve[0]["accuracy_all"] < 1.0


def test_cli_writes_the_report(tmp_path, capsys):
    from qtilab.cli import main

    out = tmp_path / "perc"
    assert main(["qml", "perceptron", "--n", "4", "--negatives", "100", "--positives", "20", "--epochs", "2",
                 "--seed", "1", "--json", "--out", str(out)]) == 0
    import json

    res = json.loads(capsys.readouterr().out)
    assert res["max_abs_error"] < 1e-12
    for f in ("report.json", "report.md", "map_n2.png", "learning_curve.png", "weights.png"):
        assert (out / f).exists()
    assert main(["qml", "perceptron", "--n", "2", "--noise", "0"]) == 0
    assert "N = 2" in capsys.readouterr().out
    assert main(["qml", "perceptron", "--n", "40"]) == 1
    assert "N <= 20" in capsys.readouterr().err
