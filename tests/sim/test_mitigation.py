"""Readout-error mitigation and zero-noise extrapolation on circuits with known ideal answers."""

from __future__ import annotations

import numpy as np
import pytest

from qtilab import Circuit, simulate
from qtilab.errors import ConfigError
from qtilab.sim.mitigation import (
    ReadoutMitigator,
    calibrate_readout,
    extrapolate,
    fold_gates,
    folded_scale,
    zne,
)
from qtilab.sim.noise import NoiseModel, ReadoutError, depolarizing
from qtilab.testing import dense_unitary
from qtilab.testing.strategies import TABLE

CONF = [np.array([[0.95, 0.05], [0.10, 0.90]]), np.array([[0.90, 0.10], [0.04, 0.96]]), np.array([[0.97, 0.03], [0.08, 0.92]])]


def ghz3() -> Circuit:
    return Circuit(3, 3).h(0).cx(0, 1).cx(1, 2).measure([0, 1, 2], [0, 1, 2])


IDEAL = np.zeros(8)
IDEAL[0] = IDEAL[7] = 0.5


def readout_model() -> NoiseModel:
    m = NoiseModel()
    for q, a in enumerate(CONF):
        m.add_readout(ReadoutError(a), [q])
    return m


@pytest.mark.parametrize("method", ["inverse", "least_squares"])
def test_exact_readout_probabilities_are_recovered(method: str) -> None:
    res = simulate(ghz3(), noise=readout_model())
    noisy = res.readout_probabilities()
    assert np.abs(noisy - IDEAL).sum() > 0.1  # the readout error is visible
    fixed = ReadoutMitigator(CONF).apply(noisy, method=method)
    np.testing.assert_allclose(fixed, IDEAL, atol=1e-6 if method == "least_squares" else 1e-12)


def test_calibrated_mitigation_of_sampled_counts_approaches_the_ideal() -> None:
    model = readout_model()
    mit = calibrate_readout(lambda c: simulate(c, noise=model), 3, shots=40_000, seed=1)
    for a, b in zip(mit.matrices, CONF):
        assert np.all(np.abs(a - b) < 5 * np.sqrt(0.1 / 40_000) + 1e-3)
    counts = simulate(ghz3(), noise=model).sample(20_000, seed=2).counts
    raw = np.zeros(8)
    for k, v in counts.items():
        raw[int(k, 2)] = v / 20_000
    for method in ("inverse", "least_squares"):
        fixed = mit.apply(counts, method=method)
        assert abs(fixed.sum() - 1) < 1e-9
        assert np.abs(fixed - IDEAL).sum() < np.abs(raw - IDEAL).sum() / 3
    lsq = mit.apply(counts)
    assert np.all(lsq >= 0)
    # <Z0 Z1> of GHZ is 1: mitigated estimate much closer than the raw one
    raw_zz = raw @ np.array([(1 - 2 * (i & 1)) * (1 - 2 * ((i >> 1) & 1)) for i in range(8)])
    assert abs(1 - mit.expectation_z(counts, [0, 1])) < abs(1 - raw_zz) / 3


def test_fold_gates_keeps_the_unitary_and_scales_the_gate_count() -> None:
    c = Circuit(3).h(0).cx(0, 1).rz(0.3, 2).crx(0.7, 2, 0).u(0.1, 0.2, 0.3, 1)
    for s in (1, 3, 5, 2, 2.5):
        f = fold_gates(c, s)
        np.testing.assert_allclose(dense_unitary(f, TABLE), dense_unitary(c, TABLE), atol=1e-12)
        assert abs(folded_scale(c, f) - s) <= 2 / len(c) + 1e-12
    assert len(fold_gates(c, 3)) == 3 * len(c)
    with pytest.raises(ConfigError, match="scale"):
        fold_gates(c, 0.5)


def test_extrapolation_rules_on_known_polynomials() -> None:
    xs = [1.0, 3.0, 5.0]
    assert abs(extrapolate(xs, [1 - 0.1 * x + 0.01 * x * x for x in xs], "richardson") - 1) < 1e-12
    assert abs(extrapolate(xs, [0.8 - 0.05 * x for x in xs], "linear") - 0.8) < 1e-12
    with pytest.raises(ConfigError, match="method"):
        extrapolate(xs, [1, 2, 3], "cubic")
    with pytest.raises(ConfigError, match="differ"):
        extrapolate([1, 1], [1, 2])


@pytest.mark.parametrize("method,gain", [("linear", 2.5), ("richardson", 8.0)])
def test_zne_moves_a_mirror_circuit_towards_its_ideal_value(method: str, gain: float) -> None:
    rng = np.random.default_rng(0)
    u = Circuit(3)
    for _ in range(3):
        for q in range(3):
            u.u(*rng.uniform(-3, 3, 3), q)
        u.cx(0, 1).cx(1, 2)
    c = u.compose(u.inverse())  # identity: ideal <Z0 Z1 Z2> = 1
    noise = NoiseModel().add(depolarizing(0.004)).add(depolarizing(0.01, 2), gates=["cx"])

    def run(circ: Circuit) -> float:
        return float(simulate(circ, noise=noise).expectation("Z0 Z1 Z2"))

    raw = run(c)
    mitigated = zne(run, c, scales=(1, 2, 3), method=method)
    assert abs(1 - raw) > 0.1  # the noise is visible
    assert abs(1 - mitigated) < abs(1 - raw) / gain, (raw, mitigated)


def test_bad_mitigator_input() -> None:
    with pytest.raises(ConfigError, match="singular"):
        ReadoutMitigator([np.array([[0.5, 0.5], [0.5, 0.5]])])
    with pytest.raises(ConfigError, match="rows summing"):
        ReadoutMitigator([np.array([[0.9, 0.2], [0.1, 0.9]])])
    with pytest.raises(ConfigError, match="bitstring"):
        ReadoutMitigator(CONF).apply({"01": 3})
