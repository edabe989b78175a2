"""Pythia 8 events for the ttH(H→γγ) study, a parametric detector and the diphoton selection.

Signal is ttH production with H→γγ; background the non-resonant pp→γγ (+ jets from the parton
shower) and tt̄ + γγ (the photon pair from a second parton scattering, a stand-in for ttγγ) in
the diphoton-mass window; all at 13 TeV with Pythia 8 (``pythia8mc``, the ``hep`` extra). The detector is a parametric response in the spirit of Delphes' ATLAS card:
energy resolutions, acceptances, identification efficiencies, isolation, anti-kt jets with a
b-tagging efficiency per flavour. Every number is a field of :class:`DetectorConfig` and is
documented in ``docs/hep.md``.

The physics of one event (:func:`reconstruct`) is plain numpy on the generator's final-state
particles, so it is tested without Pythia; :func:`generate` drives Pythia and collects the
selected events into an :class:`~qtilab.hep.events.EventTable`.

Examples
--------
>>> from qtilab.hep.generation import GenerationConfig, generate
>>> table = generate(GenerationConfig(events=200, seed=1))      # doctest: +SKIP
>>> table.save("tth_yy.npz")                                    # doctest: +SKIP
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from qtilab._optional import require
from qtilab._progress import show_progress
from qtilab.errors import ConfigError, QtilabError
from qtilab.hep.events import N_JETS, TTH_SCHEMA, EventTable

#: the processes :func:`generate` knows
PROCESSES = ("tth-yy",)

#: event classes: name -> (label, value of the ``process`` column)
CLASSES: dict[str, tuple[int, int]] = {"signal": (1, 2), "background": (0, 0), "background_ttyy": (0, 1)}


@dataclass(frozen=True)
class DetectorConfig:
    """Parametric detector response (ATLAS-like; Delphes ATLAS card values unless noted).

    Resolutions are σ(E)/E or σ(pT)/pT as functions named below; efficiencies are step
    functions of |η|. See docs/hep.md for the sources and the formulas.
    """

    # photons (ECAL): σ(E) = sqrt((c·E)² + s²·E)
    photon_pt_min: float = 10.0
    photon_eta_max: float = 2.37  # ATLAS H→γγ acceptance (analysis value)
    photon_crack: tuple[float, float] = (1.37, 1.52)  # barrel/end-cap transition, excluded
    ecal_constant: float = 0.0017
    ecal_stochastic: float = 0.101
    photon_eff_barrel: float = 0.95  # |η| <= 1.5
    photon_eff_endcap: float = 0.85
    # isolation: Σ pT of visible particles (pT > iso_pt_min) within ΔR < iso_dr, over the pT
    iso_dr: float = 0.5
    iso_pt_min: float = 0.5
    photon_iso_max: float = 0.12
    electron_iso_max: float = 0.12
    muon_iso_max: float = 0.25
    # leptons
    lepton_pt_min: float = 10.0
    electron_eta_max: float = 2.47
    muon_eta_max: float = 2.7
    lepton_eff_barrel: float = 0.95
    lepton_eff_endcap: float = 0.85
    # jets: anti-kt on visible final-state particles, energy smeared with the HCAL formula
    jet_r: float = 0.4  # ATLAS Run-2 (the Delphes card has 0.6)
    jet_pt_min: float = 25.0
    jet_eta_max: float = 4.5
    jet_overlap_dr: float = 0.4  # jets this close to a selected photon or electron are removed
    # b-tagging (|η| < 2.5); the flavour is the heaviest b/c parton with pT > 1 GeV within ΔR 0.5
    btag_eta_max: float = 2.5
    flavour_dr: float = 0.5
    # calorimeter acceptance for the missing transverse momentum
    met_eta_max: float = 4.9


@dataclass(frozen=True)
class SelectionConfig:
    """The diphoton selection (ATLAS H→γγ style)."""

    lead_pt_over_m: float = 0.35
    sublead_pt_over_m: float = 0.25
    m_yy_min: float = 115.0
    m_yy_max: float = 135.0


@dataclass(frozen=True)
class GenerationConfig:
    """What :func:`generate` makes.

    Parameters
    ----------
    process
        ``"tth-yy"``: signal ttH(H→γγ), background pp→γγ and tt̄ + γγ.
    events
        Selected events per class.
    seed
        Integer seed; Pythia's seed and the detector's numpy generator derive from it.
    chunk
        Selected events per independent job; the seed of a job depends only on (seed, class,
        chunk index), so the result does not depend on ``workers``.
    workers
        Processes to use (1 = in this process).
    max_tries_per_event
        Give up when a chunk needed this many generated events per selected one.
    ttyy_fraction
        Fraction of the background events (after selection) taken from tt̄ + γγ, the γγ pair
        made in a second parton scattering of a tt̄ event (Pythia's ``SecondHard:TwoPhotons``):
        it has the final-state topology of the irreducible ttγγ background, which Pythia alone
        cannot generate; the rest is pp→γγ. A mixing choice, not a cross-section weight.
    background_mhat, background_pthat_min
        Generator-level cuts of the γγ scattering of both backgrounds: the γγ invariant mass
        range (GeV) and the minimum pT; they keep the generated background near the window.
    """

    process: str = "tth-yy"
    events: int = 2000
    seed: int = 1
    ecm: float = 13000.0
    chunk: int = 250
    workers: int = 1
    max_tries_per_event: int = 200
    ttyy_fraction: float = 0.5
    background_mhat: tuple[float, float] = (110.0, 140.0)
    background_pthat_min: float = 25.0
    detector: DetectorConfig = field(default_factory=DetectorConfig)
    selection: SelectionConfig = field(default_factory=SelectionConfig)

    def validate(self) -> None:
        if self.process not in PROCESSES:
            raise ConfigError(f"unknown process {self.process!r}; known: {list(PROCESSES)}")
        if self.events < 1:
            raise ConfigError(f"events must be >= 1, got {self.events}")
        if self.chunk < 1 or self.workers < 1:
            raise ConfigError("chunk and workers must be >= 1")
        if not 0.0 <= self.ttyy_fraction <= 1.0:
            raise ConfigError(f"ttyy_fraction must be in [0, 1], got {self.ttyy_fraction}")
        lo, hi = self.background_mhat
        s = self.selection
        if not (lo < hi):
            raise ConfigError(f"background_mhat must be (low, high) with low < high, got {self.background_mhat}")
        if not (s.m_yy_min < s.m_yy_max):
            raise ConfigError("selection m_yy_min must be below m_yy_max")
        if lo > s.m_yy_min or hi < s.m_yy_max:
            raise ConfigError(
                f"the background's generator mass range {self.background_mhat} must contain the "
                f"selection window ({s.m_yy_min}, {s.m_yy_max}), or the background is cut off"
            )


def pythia_settings(cls: str, config: GenerationConfig, seed: int) -> list[str]:
    """The Pythia ``readString`` lines for ``cls`` (one of :data:`CLASSES`)."""
    common = [
        f"Beams:eCM = {config.ecm}",
        "Print:quiet = on",
        "Random:setSeed = on",
        f"Random:seed = {seed}",
        "Next:numberCount = 0",
    ]
    if cls == "signal":
        return common + [
            "HiggsSM:gg2Httbar = on",
            "HiggsSM:qqbar2Httbar = on",
            "25:m0 = 125.0",
            "25:onMode = off",
            "25:onIfMatch = 22 22",
        ]
    if cls == "background":
        lo, hi = config.background_mhat
        return common + [
            "PromptPhoton:ffbar2gammagamma = on",
            "PromptPhoton:gg2gammagamma = on",
            f"PhaseSpace:mHatMin = {lo}",
            f"PhaseSpace:mHatMax = {hi}",
            f"PhaseSpace:pTHatMin = {config.background_pthat_min}",
        ]
    if cls == "background_ttyy":
        lo, hi = config.background_mhat
        return common + [
            "Top:gg2ttbar = on",
            "Top:qqbar2ttbar = on",
            "SecondHard:generate = on",
            "SecondHard:TwoPhotons = on",
            "PhaseSpace:sameForSecond = off",
            f"PhaseSpace:mHatMinSecond = {lo}",
            f"PhaseSpace:mHatMaxSecond = {hi}",
            f"PhaseSpace:pTHatMinSecond = {config.background_pthat_min}",
        ]
    raise ConfigError(f"class must be one of {list(CLASSES)}, got {cls!r}")


# ---------------------------------------------------------------------------------------------
# Detector response and selection of one event (numpy only)
# ---------------------------------------------------------------------------------------------


def _kin(px: np.ndarray, py: np.ndarray, pz: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pt = np.hypot(px, py)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.arcsinh(np.where(pt > 0, pz / np.where(pt > 0, pt, 1.0), np.sign(pz) * 1e9))
    return pt, eta, np.arctan2(py, px)


def _dr(eta1: np.ndarray, phi1: np.ndarray, eta2: np.ndarray, phi2: np.ndarray) -> np.ndarray:
    """ΔR between every element of the first and every element of the second set."""
    deta = eta1[:, None] - eta2[None, :]
    dphi = np.abs(phi1[:, None] - phi2[None, :])
    dphi = np.where(dphi > np.pi, 2 * np.pi - dphi, dphi)
    return np.asarray(np.sqrt(deta**2 + dphi**2))


def _eff(eta: np.ndarray, barrel: float, endcap: float) -> np.ndarray:
    return np.where(np.abs(eta) <= 1.5, barrel, endcap)


def ecal_resolution(e: np.ndarray, det: DetectorConfig) -> np.ndarray:
    """σ(E) in GeV of the electromagnetic calorimeter (|η| < 3.2 formula of the ATLAS card)."""
    return np.sqrt((det.ecal_constant * e) ** 2 + det.ecal_stochastic**2 * e)


def hcal_resolution(e: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """σ(E) in GeV of a jet, the hadronic-calorimeter formula of the ATLAS card by |η| region."""
    a = np.abs(eta)
    s1 = np.sqrt((0.0302 * e) ** 2 + 0.5205**2 * e + 1.59**2)
    s2 = np.sqrt((0.0500 * e) ** 2 + 0.706**2 * e)
    s3 = np.sqrt((0.0942 * e) ** 2 + 1.00**2 * e)
    return np.where(a <= 1.7, s1, np.where(a <= 3.2, s2, s3))


def electron_resolution(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Relative σ(pT)/pT of electrons (ATLAS card)."""
    a = np.abs(eta)
    return np.where(
        a <= 0.5,
        np.sqrt(0.03**2 + (pt * 1.3e-3) ** 2),
        np.where(a <= 1.5, np.sqrt(0.05**2 + (pt * 1.7e-3) ** 2), np.sqrt(0.15**2 + (pt * 3.1e-3) ** 2)),
    )


def muon_resolution(pt: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """Relative σ(pT)/pT of muons (ATLAS card)."""
    a = np.abs(eta)
    return np.where(
        a <= 0.5,
        np.sqrt(0.01**2 + (pt * 1.0e-4) ** 2),
        np.where(a <= 1.5, np.sqrt(0.015**2 + (pt * 1.5e-4) ** 2), np.sqrt(0.025**2 + (pt * 3.5e-4) ** 2)),
    )


def btag_efficiency(pt: np.ndarray, flavour: np.ndarray) -> np.ndarray:
    """Tagging probability by flavour (5 b, 4 c, 0 light), ATLAS card (ATL-PHYS-PUB-2015-022)."""
    b = 0.80 * np.tanh(0.003 * pt) * (30.0 / (1.0 + 0.086 * pt))
    c = 0.20 * np.tanh(0.02 * pt) * (1.0 / (1.0 + 0.0034 * pt))
    light = 0.002 + 7.3e-6 * pt
    return np.clip(np.where(flavour == 5, b, np.where(flavour == 4, c, light)), 0.0, 1.0)


_INVISIBLE = (12, 14, 16, 1000022, 1000012)


def _isolation(
    cand: np.ndarray, pt: np.ndarray, eta: np.ndarray, phi: np.ndarray, vis: np.ndarray, det: DetectorConfig
) -> np.ndarray:
    """Σ pT of other visible particles within ΔR < iso_dr of each candidate, over its pT."""
    if cand.size == 0:
        return np.zeros(0)
    others = vis & (pt > det.iso_pt_min)
    idx = np.flatnonzero(others)
    dr = _dr(eta[cand], phi[cand], eta[idx], phi[idx])
    near = (dr < det.iso_dr) & (idx[None, :] != cand[:, None])
    return np.asarray((near * pt[idx][None, :]).sum(axis=1) / pt[cand])


def reconstruct(
    particles: np.ndarray,
    partons: np.ndarray,
    jets: np.ndarray,
    rng: np.random.Generator,
    det: DetectorConfig | None = None,
    sel: SelectionConfig | None = None,
) -> dict[str, float] | None:
    """Detector response and diphoton selection of one generated event.

    Parameters
    ----------
    particles : ndarray, shape (n, 5)
        Final-state particles: PDG id, px, py, pz, E (GeV).
    partons : ndarray, shape (m, 4)
        Heavy-flavour partons anywhere in the record: |PDG id| (4 or 5), px, py, pz.
    jets : ndarray, shape (k, 4)
        Generator-level anti-kt jets of the visible final state: px, py, pz, E.
    rng
        Generator of the detector's randomness (smearing, efficiencies, tagging).

    Returns
    -------
    dict or None
        The columns of :data:`~qtilab.hep.events.TTH_SCHEMA`, or ``None`` when the event fails
        the selection.
    """
    det = det or DetectorConfig()
    sel = sel or SelectionConfig()
    pid = particles[:, 0].astype(np.int64)
    px, py, pz, e = particles[:, 1], particles[:, 2], particles[:, 3], particles[:, 4]
    pt, eta, phi = _kin(px, py, pz)
    vis = ~np.isin(np.abs(pid), _INVISIBLE)

    # --- photons: acceptance, isolation, identification, ECAL smearing
    aeta = np.abs(eta)
    cand = np.flatnonzero(
        (pid == 22)
        & (pt > det.photon_pt_min)
        & (aeta < det.photon_eta_max)
        & ~((aeta > det.photon_crack[0]) & (aeta < det.photon_crack[1]))
    )
    if cand.size < 2:
        return None
    iso = _isolation(cand, pt, eta, phi, vis, det)
    keep = (iso < det.photon_iso_max) & (rng.random(cand.size) < _eff(eta[cand], det.photon_eff_barrel, det.photon_eff_endcap))
    cand = cand[keep]
    if cand.size < 2:
        return None
    scale = 1.0 + rng.standard_normal(cand.size) * ecal_resolution(e[cand], det) / e[cand]
    scale = np.maximum(scale, 0.0)
    g_pt, g_eta, g_phi = pt[cand] * scale, eta[cand], phi[cand]
    g_p = np.column_stack([px[cand], py[cand], pz[cand], e[cand]]) * scale[:, None]
    order = np.argsort(-g_pt)
    i1, i2 = order[0], order[1]
    p_yy = g_p[i1] + g_p[i2]
    m2 = p_yy[3] ** 2 - p_yy[0] ** 2 - p_yy[1] ** 2 - p_yy[2] ** 2
    m_yy = float(np.sqrt(max(m2, 0.0)))
    if not (sel.m_yy_min < m_yy < sel.m_yy_max):
        return None
    if g_pt[i1] <= sel.lead_pt_over_m * m_yy or g_pt[i2] <= sel.sublead_pt_over_m * m_yy:
        return None
    yy_idx = cand[[i1, i2]]
    met_corr = -(g_p[[i1, i2], :2].sum(axis=0) - np.column_stack([px[yy_idx], py[yy_idx]]).sum(axis=0))

    # --- leptons
    lep_pt: list[float] = []
    lep_eta: list[float] = []
    ele_eta: list[float] = []
    ele_phi: list[float] = []
    for flav, eta_max, iso_max, res in (
        (11, det.electron_eta_max, det.electron_iso_max, electron_resolution),
        (13, det.muon_eta_max, det.muon_iso_max, muon_resolution),
    ):
        lc = np.flatnonzero((np.abs(pid) == flav) & (pt > det.lepton_pt_min) & (aeta < eta_max))
        if lc.size == 0:
            continue
        ok = (_isolation(lc, pt, eta, phi, vis, det) < iso_max) & (
            rng.random(lc.size) < _eff(eta[lc], det.lepton_eff_barrel, det.lepton_eff_endcap)
        )
        lc = lc[ok]
        if lc.size == 0:
            continue
        s = np.maximum(1.0 + rng.standard_normal(lc.size) * res(pt[lc], eta[lc]), 0.0)
        met_corr -= np.column_stack([px[lc], py[lc]]).T @ (s - 1.0)
        lep_pt += list(pt[lc] * s)
        lep_eta += list(eta[lc])
        if flav == 11:
            ele_eta += list(eta[lc])
            ele_phi += list(phi[lc])

    # --- jets: smear, threshold, overlap removal with the photons and electrons, b-tagging
    j_pt = np.zeros(0)
    j_eta = np.zeros(0)
    j_phi = np.zeros(0)
    j_tag = np.zeros(0, dtype=np.int64)
    if jets.shape[0]:
        jpt, jeta, jphi = _kin(jets[:, 0], jets[:, 1], jets[:, 2])
        je = jets[:, 3]
        s = np.maximum(1.0 + rng.standard_normal(jets.shape[0]) * hcal_resolution(je, jeta) / je, 0.0)
        spt = jpt * s
        ok = (spt > det.jet_pt_min) & (np.abs(jeta) < det.jet_eta_max)
        veto_eta = np.concatenate([g_eta[[i1, i2]], np.asarray(ele_eta)])
        veto_phi = np.concatenate([g_phi[[i1, i2]], np.asarray(ele_phi)])
        ok &= ~np.any(_dr(jeta, jphi, veto_eta, veto_phi) < det.jet_overlap_dr, axis=1)
        met_corr -= (jets[ok, :2] * (s[ok] - 1.0)[:, None]).sum(axis=0)
        j_pt, j_eta, j_phi = spt[ok], jeta[ok], jphi[ok]
        flavour = np.zeros(j_pt.size, dtype=np.int64)
        if partons.shape[0] and j_pt.size:
            q_pt, q_eta, q_phi = _kin(partons[:, 1], partons[:, 2], partons[:, 3])
            qok = (q_pt > 1.0) & (np.abs(q_eta) < det.btag_eta_max)
            if np.any(qok):
                near = _dr(j_eta, j_phi, q_eta[qok], q_phi[qok]) < det.flavour_dr
                qid = partons[qok, 0].astype(np.int64)
                flavour = np.max(np.where(near, qid[None, :], 0), axis=1)
        p_tag = btag_efficiency(j_pt, flavour) * (np.abs(j_eta) < det.btag_eta_max)
        j_tag = (rng.random(j_pt.size) < p_tag).astype(np.int64)
        o = np.argsort(-j_pt)
        j_pt, j_eta, j_phi, j_tag = j_pt[o], j_eta[o], j_phi[o], j_tag[o]

    # --- missing transverse momentum: minus the visible particles in the calorimeter
    # acceptance, corrected for the smearing of the reconstructed objects
    in_acc = vis & (aeta < det.met_eta_max)
    met_vec = -np.array([px[in_acc].sum(), py[in_acc].sum()]) + met_corr

    out: dict[str, float] = {
        "m_yy": m_yy,
        "y1_pt_m": float(g_pt[i1] / m_yy),
        "y1_eta": float(g_eta[i1]),
        "y1_phi": float(g_phi[i1]),
        "y2_pt_m": float(g_pt[i2] / m_yy),
        "y2_eta": float(g_eta[i2]),
        "y2_phi": float(g_phi[i2]),
        "yy_pt": float(np.hypot(p_yy[0], p_yy[1])),
        "yy_dphi": float(np.abs(np.angle(np.exp(1j * (g_phi[i1] - g_phi[i2]))))),
        "n_jets": float(j_pt.size),
        "n_bjets": float(j_tag.sum()),
        "n_leptons": float(len(lep_pt)),
        "ht": float(j_pt.sum()),
        "met": float(np.hypot(*met_vec)),
        "met_phi": float(np.arctan2(met_vec[1], met_vec[0])),
    }
    for k in range(N_JETS):
        has = k < j_pt.size
        out[f"j{k + 1}_pt"] = float(j_pt[k]) if has else 0.0
        out[f"j{k + 1}_eta"] = float(j_eta[k]) if has else 0.0
        out[f"j{k + 1}_phi"] = float(j_phi[k]) if has else 0.0
        out[f"j{k + 1}_btag"] = float(j_tag[k]) if has else 0.0
    if lep_pt:
        lo = int(np.argmax(lep_pt))
        out["l1_pt"], out["l1_eta"] = float(lep_pt[lo]), float(lep_eta[lo])
    else:
        out["l1_pt"], out["l1_eta"] = 0.0, 0.0
    return out


# ---------------------------------------------------------------------------------------------
# Pythia driver
# ---------------------------------------------------------------------------------------------


def _job_seeds(seed: int, cls_index: int, chunk_index: int) -> tuple[int, np.random.SeedSequence]:
    ss = np.random.SeedSequence([int(seed), cls_index, chunk_index])
    pythia_seed = int(ss.generate_state(1, dtype=np.uint32)[0] % 900_000_000) + 1
    return pythia_seed, ss.spawn(1)[0]


@dataclass
class _ChunkResult:
    rows: list[dict[str, float]]
    tried: int
    sigma_mb: float
    sigma_err_mb: float
    seconds: float
    cpu_seconds: float


def _run_chunk(
    cls: str, cls_index: int, chunk_index: int, n_wanted: int, config: GenerationConfig,
    tick: Callable[[], None] | None = None,
) -> _ChunkResult:
    p8 = require("pythia8mc", extra="hep")
    pseed, ss = _job_seeds(config.seed, cls_index, chunk_index)
    rng = np.random.default_rng(ss)
    t0, c0 = time.perf_counter(), time.process_time()
    py = p8.Pythia("", False)
    for line in pythia_settings(cls, config, pseed):
        if not py.readString(line):
            raise ConfigError(f"Pythia rejected the setting {line!r}")
    if not py.init():
        raise QtilabError(f"Pythia failed to initialise for {cls}")
    det = config.detector
    # cluster below the threshold: smearing moves jets across it
    slow = p8.SlowJet(-1, det.jet_r, 0.6 * det.jet_pt_min, det.jet_eta_max + det.jet_r, 2, 1)
    rows: list[dict[str, float]] = []
    tried = 0
    limit = config.max_tries_per_event * n_wanted
    while len(rows) < n_wanted:
        if tried >= limit:
            raise QtilabError(
                f"{cls}: only {len(rows)} of {n_wanted} events passed the selection in {tried} "
                "generated events; loosen the selection or widen the generator cuts"
            )
        tried += 1
        if not py.next():
            continue
        ev = py.event
        fs = []
        hf = []
        for p in ev:
            if p.isFinal():
                fs.append((p.id(), p.px(), p.py(), p.pz(), p.e()))
            else:
                a = p.idAbs()
                if a == 4 or a == 5:
                    hf.append((a, p.px(), p.py(), p.pz()))
        slow.analyze(ev)
        jets = np.array(
            [(slow.p(i).px(), slow.p(i).py(), slow.p(i).pz(), slow.p(i).e()) for i in range(slow.sizeJet())]
        ).reshape(-1, 4)
        row = reconstruct(
            np.array(fs, dtype=np.float64).reshape(-1, 5),
            np.array(hf, dtype=np.float64).reshape(-1, 4),
            jets,
            rng,
            det,
            config.selection,
        )
        if row is not None:
            rows.append(row)
            if tick is not None:
                tick()
    info = py.infoPython()
    return _ChunkResult(
        rows, tried, float(info.sigmaGen()), float(info.sigmaErr()),
        time.perf_counter() - t0, time.process_time() - c0,
    )


def _chunk_job(args: tuple[str, int, int, int, GenerationConfig]) -> _ChunkResult:
    return _run_chunk(*args)


def _worker_init() -> None:
    # Ctrl-C reaches the whole process group: the parent handles it and terminates the workers
    # (no traceback from every worker); SIGTERM from the parent ends a worker at once
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises KeyboardInterrupt (so the workers get cleaned up)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _run_pool(jobs: list[tuple[str, int, int, int, GenerationConfig]], workers: int, bar: Any) -> list[_ChunkResult]:
    """Run the chunks in ``workers`` processes; on Ctrl-C, SIGTERM or an error, kill them at once."""
    import multiprocessing

    pool = multiprocessing.get_context().Pool(workers, initializer=_worker_init)
    results: list[_ChunkResult] = []
    try:
        with _sigterm_as_interrupt():
            for j, r in zip(jobs, pool.imap(_chunk_job, jobs)):
                bar.update(j[3])
                results.append(r)
        pool.close()
    except BaseException:
        pool.terminate()  # SIGTERM to every worker, then joined: no orphans
        raise
    finally:
        pool.join()
    return results


def generate(config: GenerationConfig | None = None, progress: bool | None = None) -> EventTable:
    """Generate, reconstruct and select ``config.events`` signal and background events each.

    Returns an :class:`~qtilab.hep.events.EventTable` with the columns of
    :data:`~qtilab.hep.events.TTH_SCHEMA`, label 1 for ttH and 0 for the backgrounds (the
    ``process`` column tells them apart), and ``meta`` with the
    settings, the cross sections σ·(generator cuts) in pb, the selection efficiencies and the
    generation rates.

    Raises
    ------
    MissingExtraError
        When ``pythia8mc`` is not installed (``pip install 'qtilab[hep]'``).
    """
    config = config or GenerationConfig()
    config.validate()
    p8 = require("pythia8mc", extra="hep")
    from tqdm import tqdm

    jobs: list[tuple[str, int, int, int, GenerationConfig]] = []
    n_ttyy = int(round(config.ttyy_fraction * config.events))
    wanted = {"signal": config.events, "background": config.events - n_ttyy, "background_ttyy": n_ttyy}
    for ci, cls in enumerate(CLASSES):  # the class index is part of every chunk's seed
        left, k = wanted[cls], 0
        while left > 0:
            n = min(config.chunk, left)
            jobs.append((cls, ci, k, n, config))
            left -= n
            k += 1
    bar = tqdm(total=2 * config.events, desc="events", unit="ev", file=sys.stderr, disable=not show_progress(progress))
    t0 = time.perf_counter()
    results: list[_ChunkResult]
    if config.workers == 1:
        results = [_run_chunk(*j, tick=lambda: bar.update(1)) for j in jobs]
    else:
        results = _run_pool(jobs, config.workers, bar)
    bar.close()
    wall = time.perf_counter() - t0

    cols = tuple(TTH_SCHEMA)
    data, label = [], []
    classes: dict[str, Any] = {}
    for cls, (lab, proc) in CLASSES.items():
        rs = [r for j, r in zip(jobs, results) if j[0] == cls]
        if not rs:
            continue
        rows = [row for r in rs for row in r.rows]
        for row in rows:
            row["process"] = float(proc)
        data += [[row[c] for c in cols] for row in rows]
        label += [lab] * len(rows)
        tried = sum(r.tried for r in rs)
        # σ of one chunk is an estimate from its own events: combine with the tried counts
        sigma = sum(r.sigma_mb * r.tried for r in rs) / tried
        secs = sum(r.seconds for r in rs)
        cpu = sum(r.cpu_seconds for r in rs)
        classes[cls] = {
            "generated": tried,
            "selected": len(rows),
            "efficiency": len(rows) / tried,
            "sigma_pb": sigma * 1e9,
            "sigma_selected_pb": sigma * 1e9 * len(rows) / tried,
            "wall_seconds": secs,
            "cpu_seconds": cpu,
            "generated_per_second": tried / secs,
            "selected_per_second": len(rows) / secs,
            "generated_per_cpu_second": tried / cpu,
            "selected_per_cpu_second": len(rows) / cpu,
        }
    meta = {
        "process": config.process,
        "generator": f"Pythia {getattr(p8, '__version__', '8.3')} (pythia8mc)",
        "seed": config.seed,
        "ecm_gev": config.ecm,
        "config": asdict(replace(config, workers=1)),
        "pythia_settings": {c: pythia_settings(c, config, 0)[5:] for c in CLASSES},
        "classes": classes,
        "wall_seconds": wall,
        "workers": config.workers,
    }
    return EventTable(np.array(data, dtype=np.float64).reshape(-1, len(cols)), cols, np.array(label), dict(TTH_SCHEMA), meta)
