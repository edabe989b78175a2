"""Detector response and selection (numpy, checked against closed forms), Pythia smoke tests."""

from __future__ import annotations

import math

import numpy as np
import pytest

from qtilab.errors import ConfigError
from qtilab.hep.events import TTH_SCHEMA
from qtilab.hep.generation import (
    DetectorConfig,
    GenerationConfig,
    btag_efficiency,
    ecal_resolution,
    hcal_resolution,
    reconstruct,
)


def _p(pid: int, pt: float, eta: float, phi: float, m: float = 0.0) -> tuple[float, ...]:
    px, py, pz = pt * math.cos(phi), pt * math.sin(phi), pt * math.sinh(eta)
    return (pid, px, py, pz, math.sqrt(px * px + py * py + pz * pz + m * m))


def _diphoton(m: float = 125.0, eta: float = 0.3) -> list[tuple[float, ...]]:
    """Two photons back to back in phi at the same eta: m = 2 pT cosh(0) ... solved for pT."""
    # m^2 = 2 pT^2 (cosh(0) - cos(pi)) = 4 pT^2 for equal eta, opposite phi
    pt = m / 2.0
    return [_p(22, pt, eta, 0.1), _p(22, pt, eta, 0.1 + math.pi)]


def _reco(parts, partons=None, jets=None, seed=0, det=None):
    return reconstruct(
        np.array(parts, dtype=float).reshape(-1, 5),
        np.zeros((0, 4)) if partons is None else np.array(partons, dtype=float),
        np.zeros((0, 4)) if jets is None else np.array(jets, dtype=float),
        np.random.default_rng(seed),
        det,
    )


def test_resolution_formulas_match_the_atlas_card_values() -> None:
    # hand-evaluated Delphes ATLAS card formulas
    assert ecal_resolution(np.array(100.0), DetectorConfig()) == pytest.approx(math.sqrt(0.17**2 + 100 * 0.101**2))
    assert hcal_resolution(np.array(100.0), np.array(0.5)) == pytest.approx(
        math.sqrt(3.02**2 + 100 * 0.5205**2 + 1.59**2)
    )
    assert hcal_resolution(np.array(100.0), np.array(2.0)) == pytest.approx(math.sqrt(5.0**2 + 100 * 0.706**2))
    assert btag_efficiency(np.array(50.0), np.array(5)) == pytest.approx(0.8 * math.tanh(0.15) * 30 / 5.3)
    assert btag_efficiency(np.array(50.0), np.array(0)) == pytest.approx(0.002 + 7.3e-6 * 50)


def test_diphoton_mass_peak_and_width_follow_the_ecal_resolution() -> None:
    det = DetectorConfig(photon_eff_barrel=1.0, photon_eff_endcap=1.0)
    ms = []
    for s in range(400):
        out = _reco(_diphoton(), seed=s, det=det)
        assert out is not None
        ms.append(out["m_yy"])
    ms_a = np.array(ms)
    # each photon: E = 62.5 cosh(0.3); m ∝ sqrt(E1 E2) -> sigma_m/m = 0.5 sqrt(2) sigma_E/E
    e = 62.5 * math.cosh(0.3)
    rel = math.sqrt((0.0017 * e) ** 2 + 0.101**2 * e) / e
    expected = 125.0 * 0.5 * math.sqrt(2) * rel
    assert abs(ms_a.mean() - 125.0) < 4 * expected / math.sqrt(len(ms_a))
    assert ms_a.std() == pytest.approx(expected, rel=0.15)


def test_photon_identification_efficiency_is_applied() -> None:
    det = DetectorConfig(photon_eff_barrel=0.8)
    passed = sum(_reco(_diphoton(), seed=s, det=det) is not None for s in range(1000))
    # two photons in the barrel: 0.8**2 = 0.64; binomial sd 0.015
    assert abs(passed / 1000 - 0.64) < 0.06


def test_selection_cuts() -> None:
    det = DetectorConfig(photon_eff_barrel=1.0, photon_eff_endcap=1.0)
    # a hadron inside the isolation cone with 20 % of the photon pT: not isolated
    parts = _diphoton() + [_p(211, 0.2 * 62.5, 0.3 + 0.2, 0.1, 0.1396)]
    assert _reco(parts, det=det) is None
    # outside the cone: fine
    parts = _diphoton() + [_p(211, 0.2 * 62.5, 0.3 + 0.8, 0.1, 0.1396)]
    assert _reco(parts, det=det) is not None
    # a photon in the barrel/end-cap crack is not reconstructed
    assert _reco(_diphoton(eta=1.45), det=det) is None
    # mass outside the window
    assert _reco(_diphoton(m=100.0), det=det) is None
    # subleading photon below 0.25 m_yy: pT 20 vs 0.25*~125
    lead = _p(22, 150.0, 0.0, 0.0)
    sub = _p(22, 20.0, 1.9, 2.0)
    assert _reco([lead, sub], det=det) is None


def test_jets_btag_overlap_and_met() -> None:
    det = DetectorConfig(photon_eff_barrel=1.0, photon_eff_endcap=1.0, lepton_eff_barrel=1.0)
    jet_b = _p(0, 80.0, -0.5, 1.0)[1:]
    jet_on_photon = _p(0, 70.0, 0.3, 0.1)[1:]  # same direction as photon 1: removed
    jet_fwd = _p(0, 40.0, 3.5, -2.0)[1:]  # forward: kept, never tagged
    b_parton = (5, *_p(5, 60.0, -0.45, 1.05)[1:4])
    mu = _p(13, 30.0, -1.0, 2.5, 0.105)
    tags = []
    mets = []
    for s in range(300):
        out = _reco(_diphoton() + [mu], partons=[b_parton], jets=[jet_b, jet_on_photon, jet_fwd], seed=s, det=det)
        assert out is not None
        assert out["n_jets"] == 2
        assert out["j2_eta"] == pytest.approx(3.5)
        assert out["j2_btag"] == 0
        assert out["n_leptons"] == 1 and out["l1_eta"] == pytest.approx(-1.0)
        tags.append(out["j1_btag"])
        mets.append(out["met"])
        assert set(out) | {"process"} == set(TTH_SCHEMA)
    # the b-jet's smeared pT is near 80 GeV: efficiency ~0.8 tanh(0.24) 30/7.88
    eff = 0.8 * math.tanh(0.003 * 80) * 30 / (1 + 0.086 * 80)
    assert abs(np.mean(tags) - eff) < 4 * math.sqrt(eff * (1 - eff) / 300) + 0.03
    assert np.all(np.array(mets) > 0)


def test_met_is_the_invisible_momentum() -> None:
    det = DetectorConfig(photon_eff_barrel=1.0, photon_eff_endcap=1.0, lepton_eff_barrel=1.0, lepton_eff_endcap=1.0)
    # a W -> mu nu at rest in the transverse plane beside the photons: MET = pT(nu)
    mu = _p(13, 30.0, -1.0, 2.5, 0.105)
    nu = _p(14, 30.0, 0.4, 2.5 - math.pi)
    mets = [_reco(_diphoton() + [mu, nu], seed=s, det=det)["met"] for s in range(200)]
    # photon (~1 GeV) and muon (~0.5 GeV) smearing only
    assert np.median(mets) == pytest.approx(30.0, abs=1.0)
    assert np.std(mets) < 2.5


def test_generation_config_is_validated() -> None:
    with pytest.raises(ConfigError, match="unknown process"):
        GenerationConfig(process="zz").validate()
    with pytest.raises(ConfigError, match="selection window"):
        GenerationConfig(background_mhat=(120.0, 140.0)).validate()
    with pytest.raises(ConfigError, match="events"):
        GenerationConfig(events=0).validate()
    with pytest.raises(ConfigError, match="ttyy_fraction"):
        GenerationConfig(ttyy_fraction=1.5).validate()


def test_pythia_generation_smoke() -> None:
    pytest.importorskip("pythia8mc")
    from qtilab.hep.generation import generate

    a = generate(GenerationConfig(events=2, seed=5, chunk=2))
    assert len(a) == 4 and a.n_signal == 2 and a.n_background == 2
    assert set(a.meta["classes"]) == {"signal", "background", "background_ttyy"}
    assert a.meta["classes"]["background"]["sigma_pb"] > 0
    # 2 background events: round(0.5 * 2) = 1 from tt+yy, 1 from yy
    np.testing.assert_array_equal(np.sort(a.column("process")), [0, 1, 2, 2])
    m = a.column("m_yy")
    assert np.all((m > 115) & (m < 135))


def test_generator_reproduces_the_shipped_sample() -> None:
    """The first event of each class in the shipped sample comes back from its seed."""
    pytest.importorskip("pythia8mc")
    from qtilab.hep.events import load_sample
    from qtilab.hep.generation import CLASSES, _run_chunk

    t = load_sample()
    cfg = GenerationConfig(events=t.meta["config"]["events"], seed=t.meta["seed"],
                           ttyy_fraction=t.meta["config"]["ttyy_fraction"])
    for ci, (cls, (_, proc)) in enumerate(CLASSES.items()):
        row = _run_chunk(cls, ci, 0, 1, cfg).rows[0]  # chunk 0's first selected event
        row["process"] = float(proc)
        got = np.array([row[c] for c in t.columns], dtype=np.float32)
        ref = t.data[np.flatnonzero(t.column("process") == proc)[0]].astype(np.float32)
        np.testing.assert_array_equal(got, ref)
