"""E91's CHSH value comes with an honest statistical error, and the messages say which QBER is which."""

from __future__ import annotations

import numpy as np

from qtilab.qkd.channel import EveConfig
from qtilab.qkd.protocols import LinkConfig, simulate_link


def test_chsh_error_matches_the_spread_over_seeds() -> None:
    # small runs (a few hundred coincidences): the spread of S over independent seeds must
    # match the error each run reports (S = 3.01 in an old docs example was such a fluctuation)
    s, err = [], []
    for seed in range(16):
        r = simulate_link(LinkConfig(protocol="e91", distance_km=0.0, pulses=400_000, mu=0.1,
                                     postprocess=False, seed=seed))
        s.append(r.stats["chsh_s"])
        err.append(r.stats["chsh_s_err"])
    spread = float(np.std(s, ddof=1))
    mean_err = float(np.mean(err))
    assert 0.55 < spread / mean_err < 1.6, (spread, mean_err)
    # the model's expectation: 2 sqrt 2 V times the single-pair fraction (about 1 - 2 mu)
    v = 1 - 2 * 0.033
    expected = 2 * np.sqrt(2) * v * (1 - 2 * 0.1)
    assert abs(np.mean(s) - expected) < 4 * mean_err / np.sqrt(len(s)) + 0.05


def test_messages_label_the_two_qbers() -> None:
    r = simulate_link(LinkConfig(distance_km=25, pulses=1_000_000, eve=EveConfig("intercept-resend"), seed=1))
    assert r.status == "aborted"
    n = r.postprocessing["qber_sample_bits"]
    assert f"(estimated on {n} disclosed bits)" in r.message
    text = r.summary()
    assert "true QBER of all sifted signal bits" in text and "QBER estimated by the protocol" in text
    e91 = simulate_link(LinkConfig(protocol="e91", distance_km=5, pulses=1_000_000, seed=1, postprocess=False))
    assert "CHSH S = " in e91.summary() and "+-" in e91.summary()
