"""End-to-end QKD link simulation: photons -> sifted key -> parameter estimation -> Cascade ->
verification -> privacy amplification -> Alice's and Bob's final keys.

Protocols
---------
``bb84-decoy``
    BB84 with weak coherent pulses and three intensities (signal ``mu``, weak decoy ``nu``,
    vacuum), decoy-state estimation after Ma et al. (2005) or, with ``finite_key=True``,
    the finite-key length of Lim et al. (2014).
``bb84-single-photon``
    BB84 with an ideal single-photon source (exactly one photon per pulse).
``bbm92`` / ``e91``
    Entanglement-based: a source of polarisation-entangled pairs (Poissonian pair number,
    mean ``mu``) in the middle of the fibre; BBM92 measures in two bases, E91 uses Ekert's
    three analyser angles per side and checks the CHSH inequality.

The study function is :func:`simulate_link`; the CLI (``qtilab qkd simulate``) and the report
are thin layers over it. A QBER above the threshold ends the run with
``status == "aborted"`` and a message ``"aborted: QBER x % > threshold y %"``, not an
exception.

Examples
--------
>>> from qtilab.qkd.protocols import LinkConfig, simulate_link
>>> r = simulate_link(LinkConfig(distance_km=25, pulses=2_000_000, seed=1))
>>> r.status, r.final_keys_equal
('ok', True)
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qtilab._memory import check_allocation
from qtilab._progress import show_progress
from qtilab.errors import ConfigError
from qtilab.qkd import theory
from qtilab.qkd.channel import EveConfig, apply_dead_time, detect, pns_strategy
from qtilab.qkd.postprocess.estimation import (
    check_decoy_intensities,
    finite_key_length_lim2014,
    h2,
    vacuum_weak_decoy_bounds,
)
from qtilab.qkd.theory import LinkParams, get_params

__all__ = ["PROTOCOLS", "LinkConfig", "LinkResult", "simulate_link"]

PROTOCOLS = ("bb84-decoy", "bb84-single-photon", "bbm92", "e91")


@dataclass(frozen=True)
class LinkConfig:
    """Configuration of one simulated QKD run.

    Parameters
    ----------
    protocol:
        One of :data:`PROTOCOLS`.
    distance_km:
        Fibre length between Alice and Bob.
    params:
        Device/fibre parameter set (name or :class:`~qtilab.qkd.theory.LinkParams`).
    pulses:
        Number of pulses (time slots) sent.
    mu:
        Signal intensity (mean photon number); ``None``: the optimal one of the theory for
        ``bb84-decoy``; mean pair number per slot for the entangled protocols (default 0.02:
        multi-pair emission adds about ``mu`` to the QBER).
    nu, vacuum:
        Weak-decoy and vacuum-decoy intensities (``0 <= vacuum < nu``, ``nu + vacuum < mu``).
    probs:
        Probabilities of sending signal, weak decoy and vacuum.
    intensity_fluctuation:
        Relative standard deviation of each pulse's intensity (Gaussian, clipped at 0).
    eve:
        The eavesdropper.
    sample_fraction:
        Fraction of the sifted signal bits disclosed to estimate the QBER.
    qber_threshold:
        Abort when the estimated QBER exceeds it.
    postprocess:
        Run Cascade, verification and privacy amplification to produce final keys.
    finite_key:
        Use the finite-key length of Lim et al. (2014) (key from basis 0 of all intensities)
        instead of the asymptotic GLLP length.
    eps_sec, eps_cor:
        Security parameters of the finite-key length.
    cascade_passes, frame_bits:
        Cascade settings.
    chunk:
        Pulses simulated per vectorised step (memory ~ 40 bytes x chunk).
    seed:
        Seed of the run (same seed, same result).
    """

    protocol: str = "bb84-decoy"
    distance_km: float = 25.0
    params: str | LinkParams = "gys"
    pulses: int = 10_000_000
    mu: float | None = None
    nu: float = 0.1
    vacuum: float = 0.0
    probs: tuple[float, float, float] = (0.8, 0.15, 0.05)
    intensity_fluctuation: float = 0.0
    eve: EveConfig = field(default_factory=EveConfig)
    sample_fraction: float = 0.1
    qber_threshold: float = 0.11
    postprocess: bool = True
    finite_key: bool = False
    eps_sec: float = 1e-10
    eps_cor: float = 1e-15
    cascade_passes: int = 14
    frame_bits: int = 1 << 14
    chunk: int = 1 << 21
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ConfigError(f"protocol must be one of {PROTOCOLS}, got {self.protocol!r}")
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) or self.seed < 0
        ):
            raise ConfigError(f"seed must be None or a non-negative integer, got {self.seed!r}")
        if not math.isfinite(self.distance_km) or self.distance_km < 0:
            raise ConfigError(f"distance_km must be >= 0, got {self.distance_km!r}")
        get_params(self.params)
        if (
            not isinstance(self.pulses, (int, float, np.integer, np.floating))
            or not math.isfinite(self.pulses)
            or int(self.pulses) != self.pulses
            or self.pulses < 1000
        ):
            raise ConfigError(f"pulses must be an integer >= 1000, got {self.pulses!r}")
        object.__setattr__(self, "pulses", int(self.pulses))  # 1e8 is accepted
        if self.pulses > 10**11:
            raise ConfigError(f"pulses={self.pulses:g} is too many for one run (max 1e11)")
        if self.mu is not None and (not math.isfinite(self.mu) or self.mu <= 0):
            raise ConfigError(f"mu must be > 0, got {self.mu!r}")
        if len(self.probs) != 3 or any((not math.isfinite(p)) or p < 0 or p > 1 for p in self.probs):
            raise ConfigError(f"probs must be three probabilities, got {self.probs!r}")
        if abs(sum(self.probs) - 1.0) > 1e-9:
            raise ConfigError(f"probs must sum to 1, got {self.probs!r} (sum {sum(self.probs)})")
        if self.protocol == "bb84-decoy":
            check_decoy_intensities(self.signal_mu(), self.nu, self.vacuum)
            if min(self.probs) <= 0:
                raise ConfigError("bb84-decoy needs a positive probability for every intensity")
        if not (0 <= self.intensity_fluctuation < 1):
            raise ConfigError(f"intensity_fluctuation must be in [0, 1), got {self.intensity_fluctuation!r}")
        if not (0 < self.sample_fraction < 1):
            raise ConfigError(f"sample_fraction must be in (0, 1), got {self.sample_fraction!r}")
        if not (0 < self.qber_threshold <= 0.5):
            raise ConfigError(f"qber_threshold must be in (0, 0.5], got {self.qber_threshold!r}")
        if not (0 < self.eps_sec < 1 and 0 < self.eps_cor < 1):
            raise ConfigError("eps_sec and eps_cor must be in (0, 1)")
        if self.chunk < 1024:
            raise ConfigError(f"chunk must be >= 1024, got {self.chunk}")
        if self.finite_key and self.protocol != "bb84-decoy":
            raise ConfigError("finite_key is implemented for bb84-decoy only (Lim et al. 2014)")

    @property
    def link(self) -> LinkParams:
        return get_params(self.params)

    def signal_mu(self) -> float:
        if self.mu is not None:
            return float(self.mu)
        if self.protocol in ("bbm92", "e91"):
            return 0.02
        if self.protocol == "bb84-single-photon":
            return 1.0
        m = theory.optimal_mu(self.distance_km, self.link)
        return 0.48 if not math.isfinite(float(m)) else float(m)


@dataclass
class LinkResult:
    """Result of :func:`simulate_link` (JSON-able through :meth:`to_dict`)."""

    config: dict[str, Any]
    status: str = "ok"
    message: str = ""
    stats: dict[str, Any] = field(default_factory=dict)
    estimates: dict[str, Any] = field(default_factory=dict)
    postprocessing: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    alice_key: NDArray[np.uint8] | None = None
    bob_key: NDArray[np.uint8] | None = None

    @property
    def aborted(self) -> bool:
        return self.status == "aborted"

    @property
    def final_key_bits(self) -> int:
        return 0 if self.alice_key is None else int(self.alice_key.size)

    @property
    def final_keys_equal(self) -> bool:
        return (
            self.alice_key is not None
            and self.bob_key is not None
            and self.alice_key.size > 0
            and bool(np.array_equal(self.alice_key, self.bob_key))
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "config": self.config,
            "status": self.status,
            "message": self.message,
            "stats": self.stats,
            "estimates": self.estimates,
            "postprocessing": self.postprocessing,
            "final_key_bits": self.final_key_bits,
            "final_keys_equal": self.final_keys_equal,
            "timings": self.timings,
        }

    def summary(self) -> str:
        c = self.config
        lines = [f"{c['protocol']} over {c['distance_km']:g} km ({c['params_name']}), {c['pulses']:.3g} pulses: {self.status}"]
        if self.message:
            lines.append(f"  {self.message}")
        s, e, p = self.stats, self.estimates, self.postprocessing
        if "qber_signal" in s:
            lines.append(f"  signal gain {s['gain_signal']:.4g}, true QBER of all sifted signal bits {100 * s['qber_signal']:.2f} %")
        if "qber" in s:
            lines.append(f"  coincidences/slot {s['coincidence_rate']:.4g}, true QBER of all sifted key bits {100 * s['qber']:.2f} %")
        if "qber_estimate" in p:
            n = p.get("qber_sample_bits")
            lines.append(f"  QBER estimated by the protocol {100 * p['qber_estimate']:.2f} %"
                         + (f" (on {n} disclosed bits)" if n else ""))
        if "chsh_s" in s:
            lines.append(f"  CHSH S = {s['chsh_s']:.3f} +- {s['chsh_s_err']:.3f} (1 sigma, statistical; "
                         f"local bound 2, quantum bound 2 sqrt 2 = 2.828)")
        if "key_rate_sim" in e:
            lines.append(
                f"  key rate (bits/pulse): simulated {e['key_rate_sim']:.4g} +- {e['key_rate_sim_err']:.2g}, "
                f"theory {e['key_rate_theory']:.4g}"
            )
        if "key_rate_decoy_estimate" in e:
            lines.append(f"  vacuum+weak decoy estimate {e['key_rate_decoy_estimate']:.4g} bits/pulse")
        if s.get("eve_known_fraction_of_sifted_signal"):
            lines.append(f"  Eve knows {100 * s['eve_known_fraction_of_sifted_signal']:.1f} % of the sifted signal bits")
        if "cascade_efficiency" in p:
            lines.append(
                f"  Cascade: f = {p['cascade_efficiency']:.3f}, leaked {p['leaked_ec_bits']} bits, "
                f"residual errors {p['residual_errors']}"
            )
        if self.alice_key is not None:
            lines.append(
                f"  final key {self.final_key_bits} bits ({self.final_key_bits / c['pulses']:.3g} bits/pulse), "
                f"Alice == Bob: {self.final_keys_equal}"
            )
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# quantum phase
# ---------------------------------------------------------------------------------------------


@dataclass
class _Detections:
    slot: NDArray[np.int64]
    cls: NDArray[np.uint8]
    a_bit: NDArray[np.uint8]
    a_basis: NDArray[np.uint8]
    b_bit: NDArray[np.uint8]
    b_basis: NDArray[np.uint8]
    photons: NDArray[np.int64]
    eve_knows: NDArray[np.bool_]
    batch: NDArray[np.int32]


def _chunks(total: int, chunk: int) -> list[int]:
    # at least 20 chunks so that batch means give statistical errors
    size = max(1024, min(chunk, -(-total // 20)))
    sizes = [size] * (total // size)
    if total % size:
        sizes.append(total % size)
    return sizes


def _progress(iterable: list[int], enabled: bool | None, desc: str) -> Any:
    if not show_progress(enabled):
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, desc=desc, unit="chunk", file=sys.stderr, leave=False)


def _simulate_bb84(cfg: LinkConfig, rng: np.random.Generator, progress: bool | None) -> tuple[_Detections, NDArray[np.int64]]:
    p = cfg.link
    single = cfg.protocol == "bb84-single-photon"
    eta = float(theory.transmittance(cfg.distance_km, p))
    eta_bob = p.detector_efficiency * 10 ** (-p.insertion_loss_db / 10)
    pd = 1.0 - math.sqrt(1.0 - p.dark_count_prob)
    intens = np.array([cfg.signal_mu(), cfg.nu, cfg.vacuum])
    cum = np.cumsum(cfg.probs)
    sizes = _chunks(cfg.pulses, cfg.chunk)
    sent = np.zeros((len(sizes), 3), dtype=np.int64)
    if cfg.eve.kind == "pns":
        b1, b2 = pns_strategy(cfg.signal_mu(), eta, eta_bob, p.dark_count_prob)
    parts: list[tuple[NDArray[Any], ...]] = []
    offset = 0
    for ci, c in enumerate(_progress(sizes, progress, "pulses")):
        if single:
            cls = np.zeros(c, dtype=np.uint8)
            photons = np.ones(c, dtype=np.int64)
        else:
            cls = np.minimum(np.searchsorted(cum, rng.random(c), side="right"), 2).astype(np.uint8)
            mu_arr = intens[cls]
            if cfg.intensity_fluctuation > 0:
                mu_arr = mu_arr * np.clip(1.0 + cfg.intensity_fluctuation * rng.standard_normal(c), 0.0, None)
            photons = rng.poisson(mu_arr)
        sent[ci] = np.bincount(cls, minlength=3)
        a_bit = rng.integers(0, 2, c, dtype=np.uint8)
        a_basis = rng.integers(0, 2, c, dtype=np.uint8)
        s_bit, s_basis = a_bit, a_basis
        fwd = photons
        eta_arr: float | NDArray[np.float64] = eta
        knows = np.zeros(c, dtype=np.bool_)
        if cfg.eve.kind == "intercept-resend":
            att = (rng.random(c) < cfg.eve.fraction) & (photons > 0)
            e_basis = rng.integers(0, 2, c, dtype=np.uint8)
            e_bit = np.where(e_basis == a_basis, a_bit, rng.integers(0, 2, c, dtype=np.uint8)).astype(np.uint8)
            s_bit = np.where(att, e_bit, a_bit).astype(np.uint8)
            s_basis = np.where(att, e_basis, a_basis).astype(np.uint8)
            knows = att & (e_basis == a_basis)
        elif cfg.eve.kind == "pns":
            u = rng.random(c)
            blocked = ((photons == 1) & (u < b1)) | ((photons >= 2) & (u < b2))
            multi = (photons >= 2) & ~blocked
            fwd = np.where(blocked, 0, np.where(multi, photons - 1, photons))
            knows = multi  # Eve keeps one photon and measures it after basis reconciliation
            eta_arr = eta_bob  # Eve's lossless channel replaces the fibre
        b_basis = rng.integers(0, 2, c, dtype=np.uint8)
        clicked, b_bit, _ = detect(rng, fwd, eta_arr, b_basis == s_basis, s_bit, p.misalignment, pd)
        idx = np.flatnonzero(clicked)
        parts.append(
            (
                idx + offset,
                cls[idx],
                a_bit[idx],
                a_basis[idx],
                b_bit[idx],
                b_basis[idx],
                photons[idx],
                knows[idx],
                np.full(idx.size, ci, dtype=np.int32),
            )
        )
        offset += c
    cols = [np.concatenate([pt[i] for pt in parts]) for i in range(9)]
    det = _Detections(*cols)
    det = _detector_dynamics(det, cfg, rng, intens_probs=np.asarray(cfg.probs), sizes=sizes)
    return det, sent


def _detector_dynamics(
    det: _Detections, cfg: LinkConfig, rng: np.random.Generator, intens_probs: NDArray[np.float64], sizes: list[int]
) -> _Detections:
    """Dead time and after-pulses on the time-ordered detection stream."""
    p = cfg.link
    dead = int(round(p.dead_time_ns * 1e-9 * p.repetition_rate_hz))
    if dead <= 0 and p.afterpulse_prob <= 0:
        return det
    if dead > 0:
        keep = apply_dead_time(det.slot, dead, -(1 << 62))
        det = _Detections(*(getattr(det, f)[keep] for f in det.__dataclass_fields__))
    if p.afterpulse_prob > 0 and det.slot.size:
        # one generation of after-pulses, in the first live slot after each click; Alice's
        # choices in that slot are fresh i.i.d. draws (that slot had no detection otherwise)
        ap = rng.random(det.slot.size) < p.afterpulse_prob
        k = int(ap.sum())
        slot = det.slot[ap] + dead + 1
        inside = slot < cfg.pulses
        slot, k = slot[inside], int(inside.sum())
        starts = np.concatenate(([0], np.cumsum(sizes)))
        cls = (
            np.zeros(k, dtype=np.uint8)
            if cfg.protocol == "bb84-single-photon"
            else np.minimum(np.searchsorted(np.cumsum(intens_probs), rng.random(k), side="right"), 2).astype(np.uint8)
        )
        extra = _Detections(
            slot=slot,
            cls=cls,
            a_bit=rng.integers(0, 2, k, dtype=np.uint8),
            a_basis=rng.integers(0, 2, k, dtype=np.uint8),
            b_bit=rng.integers(0, 2, k, dtype=np.uint8),
            b_basis=rng.integers(0, 2, k, dtype=np.uint8),
            photons=np.zeros(k, dtype=np.int64),
            eve_knows=np.zeros(k, dtype=np.bool_),
            batch=(np.searchsorted(starts, slot, side="right") - 1).astype(np.int32),
        )
        merged = {f: np.concatenate((getattr(det, f), getattr(extra, f))) for f in det.__dataclass_fields__}
        order = np.argsort(merged["slot"], kind="stable")
        _, first = np.unique(merged["slot"][order], return_index=True)  # a slot clicks at most once
        order = order[first]
        det = _Detections(**{f: v[order] for f, v in merged.items()})
        if dead > 0:
            keep = apply_dead_time(det.slot, dead, -(1 << 62))
            det = _Detections(*(getattr(det, f)[keep] for f in det.__dataclass_fields__))
    return det


def _bb84_counts(det: _Detections, sel: NDArray[np.bool_] | None = None) -> dict[str, NDArray[np.int64]]:
    s = np.ones(det.slot.size, dtype=bool) if sel is None else sel
    sifted = s & (det.a_basis == det.b_basis)
    err = sifted & (det.a_bit != det.b_bit)
    one = det.photons == 1
    return {
        "det": np.bincount(det.cls[s], minlength=3),
        "sift": np.bincount(det.cls[sifted], minlength=3),
        "err": np.bincount(det.cls[err], minlength=3),
        "det1": np.bincount(det.cls[s & one], minlength=3),
        "sift1": np.bincount(det.cls[sifted & one], minlength=3),
        "err1": np.bincount(det.cls[err & one], minlength=3),
    }


def _ideal_rate(cnt: dict[str, NDArray[np.int64]], sent0: int, p: LinkParams) -> float:
    """GLLP rate with the true single-photon gain and error (what infinitely many decoys give)."""
    if sent0 <= 0 or cnt["sift"][0] == 0:
        return 0.0
    q = cnt["det"][0] / sent0
    e = cnt["err"][0] / cnt["sift"][0]
    q1 = cnt["det1"][0] / sent0
    e1 = cnt["err1"][0] / cnt["sift1"][0] if cnt["sift1"][0] else 0.5
    return float(p.sifting_factor * (-q * p.ec_efficiency * h2(e) + q1 * (1 - h2(e1))))


def _decoy_rate(
    cfg: LinkConfig, q: NDArray[np.float64], e: NDArray[np.float64], p: LinkParams
) -> tuple[float, dict[str, float]]:
    mu = cfg.signal_mu()
    b = vacuum_weak_decoy_bounds(mu, cfg.nu, q[0], q[1], e[1], y0=q[2])
    r = p.sifting_factor * (-q[0] * p.ec_efficiency * h2(e[0]) + b.q1_lower * (1 - h2(b.e1_upper)))
    return r, {"y0": b.y0, "y1_lower": b.y1_lower, "q1_lower": b.q1_lower, "e1_upper": b.e1_upper}


def _simulate_entangled(
    cfg: LinkConfig, rng: np.random.Generator, progress: bool | None
) -> tuple[dict[str, NDArray[Any]], dict[str, Any]]:
    """Entangled-pair source in the middle; returns coincidence data and CHSH statistics."""
    p = cfg.link
    half = cfg.distance_km / 2
    eta_side = float(theory.transmittance(half, p))
    pd = 1.0 - math.sqrt(1.0 - p.dark_count_prob)
    vis = 1.0 - 2.0 * p.misalignment
    if cfg.protocol == "e91":
        a_angles = np.deg2rad([0.0, 22.5, 45.0])
        b_angles = np.deg2rad([22.5, 45.0, 67.5])
    else:
        a_angles = np.deg2rad([0.0, 45.0])
        b_angles = np.deg2rad([0.0, 45.0])
    mu = cfg.signal_mu()
    sizes = _chunks(cfg.pulses, cfg.chunk)
    out: dict[str, list[NDArray[Any]]] = {k: [] for k in ("ai", "bi", "ab", "bb", "batch")}
    for ci, c in enumerate(_progress(sizes, progress, "pairs")):
        pairs = rng.poisson(mu, c)
        ai = rng.integers(0, a_angles.size, c)
        bi = rng.integers(0, b_angles.size, c)
        a = a_angles[ai]
        b = b_angles[bi]
        # photons reaching each side (each pair contributes one photon per side)
        na = rng.binomial(pairs, eta_side)
        nb = rng.binomial(pairs, eta_side)
        a_out = rng.integers(0, 2, c).astype(np.uint8)
        # Bob's outcome for a genuine single pair: equal to Alice's with (1 + V cos 2(a-b))/2
        if cfg.eve.kind == "intercept-resend":
            att = rng.random(c) < cfg.eve.fraction
            e_ang = np.deg2rad(45.0) * rng.integers(0, 2, c)
            e_same = rng.random(c) < 0.5 * (1 + vis * np.cos(2 * (a - e_ang)))
            e_out = np.where(e_same, a_out, 1 - a_out)
            b_same_e = rng.random(c) < 0.5 * (1 + np.cos(2 * (b - e_ang)))
            b_att = np.where(b_same_e, e_out, 1 - e_out)
            b_hon = np.where(rng.random(c) < 0.5 * (1 + vis * np.cos(2 * (a - b))), a_out, 1 - a_out)
            b_out = np.where(att, b_att, b_hon).astype(np.uint8)
        else:
            same = rng.random(c) < 0.5 * (1 + vis * np.cos(2 * (a - b)))
            b_out = np.where(same, a_out, 1 - a_out).astype(np.uint8)
        # photons from different pairs (multi-pair emission) and dark counts are uncorrelated
        genuine = (pairs == 1) & (na == 1) & (nb == 1)
        uncorr = ~genuine
        b_out = np.where(uncorr, rng.integers(0, 2, c), b_out).astype(np.uint8)
        a_out = np.where(uncorr & (na == 0), rng.integers(0, 2, c), a_out).astype(np.uint8)
        ca = (na > 0) | (rng.random(c) < 2 * pd)
        cb = (nb > 0) | (rng.random(c) < 2 * pd)
        coin = np.flatnonzero(ca & cb)
        out["ai"].append(ai[coin].astype(np.uint8))
        out["bi"].append(bi[coin].astype(np.uint8))
        out["ab"].append(a_out[coin])
        out["bb"].append(b_out[coin])
        out["batch"].append(np.full(coin.size, ci, dtype=np.int32))
    data = {k: np.concatenate(v) for k, v in out.items()}
    stats: dict[str, Any] = {}
    if cfg.protocol == "e91":
        sgn = 1 - 2 * (data["ab"] ^ data["bb"]).astype(np.int64)  # +1 equal, -1 different

        def corr(i: int, j: int, sel: NDArray[np.bool_] | None = None) -> tuple[float, int]:
            m = (data["ai"] == i) & (data["bi"] == j)
            if sel is not None:
                m &= sel
            k = int(m.sum())
            return (float(sgn[m].mean()) if k else 0.0), k

        terms = [(0, 0, 1), (0, 2, -1), (2, 0, 1), (2, 2, 1)]
        s_val = 0.0
        var = 0.0
        for i, j, sg in terms:
            ev, k = corr(i, j)
            s_val += sg * ev
            var += (1 - ev * ev) / max(k, 1)
        stats["chsh_s"] = s_val
        stats["chsh_s_err"] = math.sqrt(var)
        stats["chsh_terms"] = {f"E(a{i},b{j})": corr(i, j)[0] for i, j, _ in terms}
    return data, stats


# ---------------------------------------------------------------------------------------------
# classical phase
# ---------------------------------------------------------------------------------------------


def _distill(
    cfg: LinkConfig,
    rng: np.random.Generator,
    alice: NDArray[np.uint8],
    bob: NDArray[np.uint8],
    qber_est: float,
    key_length_fn: Any,
    res: LinkResult,
) -> None:
    """Cascade -> verification -> key length -> Toeplitz privacy amplification."""
    from qtilab.qkd.postprocess.cascade import cascade
    from qtilab.qkd.postprocess.privacy import toeplitz_hash, verify_keys

    pp = res.postprocessing
    t0 = time.perf_counter()
    if alice.size < 64:
        res.status, res.message = "aborted", f"aborted: only {alice.size} key bits left after sifting"
        return
    ec = cascade(alice, bob, qber_est, passes=cfg.cascade_passes, frame_bits=cfg.frame_bits, seed=rng)
    pp.update(
        {
            "reconciled_bits": int(alice.size),
            "cascade_efficiency": ec.efficiency,
            "leaked_ec_bits": ec.leaked_bits,
            "cascade_frames": ec.n_frames,
            "cascade_frame_error_rate": ec.frame_error_rate,
            "qber_corrected": ec.qber,
            "residual_errors": ec.residual_errors,
        }
    )
    res.timings["cascade_s"] = time.perf_counter() - t0
    ok, tag_bits = verify_keys(alice, ec.corrected, rng)
    pp["verification_passed"] = ok
    pp["verification_tag_bits"] = tag_bits
    if not ok:
        res.status, res.message = "aborted", "aborted: verification hash differs after error correction"
        return
    ell = key_length_fn(ec.leaked_bits, tag_bits)
    pp["final_key_length"] = ell
    if ell <= 0:
        res.status, res.message = "aborted", "aborted: no secret key (estimated key length <= 0)"
        return
    t1 = time.perf_counter()
    seed_bits = rng.integers(0, 2, alice.size + ell - 1, dtype=np.uint8)
    res.alice_key = toeplitz_hash(alice, seed_bits, ell)
    res.bob_key = toeplitz_hash(ec.corrected, seed_bits, ell)
    res.timings["privacy_amplification_s"] = time.perf_counter() - t1


def _abort_qber(res: LinkResult, q: float, thr: float) -> None:
    res.status = "aborted"
    # the protocol's own estimate, from the disclosed sample (the summary also prints the
    # simulation's true QBER over all sifted bits, which the protocol cannot see)
    n = res.postprocessing.get("qber_sample_bits")
    on = f" (estimated on {n} disclosed bits)" if n else " (estimated)"
    res.message = f"aborted: QBER {100 * q:.1f} % > threshold {100 * thr:.1f} %{on}"


#: bytes held per detection until post-processing ends (the record's columns, their
#: concatenation from the chunks, and the sifting/reconciliation working copies)
BYTES_PER_DETECTION = 80


def expected_detections(cfg: LinkConfig) -> float:
    """An upper estimate of the detections a run keeps: pulses x the click probability of the
    brightest intensity (PNS: over Eve's lossless line), dark counts and after-pulses included."""
    p = cfg.link
    pd = 1.0 - math.sqrt(1.0 - p.dark_count_prob)
    if cfg.protocol in ("bb84-decoy", "bb84-single-photon"):
        eta = float(theory.transmittance(cfg.distance_km, p))
        if cfg.eve.kind == "pns":
            eta = max(eta, p.detector_efficiency * 10 ** (-p.insertion_loss_db / 10))
        mu = 1.0 if cfg.protocol == "bb84-single-photon" else max(cfg.signal_mu(), cfg.nu, cfg.vacuum)
        mu *= 1.0 + 3.0 * cfg.intensity_fluctuation
        click = -math.expm1(-eta * mu) + 2.0 * pd
    else:  # entangled pairs: a click on either side
        eta = float(theory.transmittance(cfg.distance_km / 2.0, p))
        click = 2.0 * (-math.expm1(-eta * cfg.signal_mu()) + 2.0 * pd)
    return float(cfg.pulses) * min(1.0, click * (1.0 + p.afterpulse_prob))


def check_detection_memory(cfg: LinkConfig, max_memory: int | None = None) -> int:
    """Refuse (ConfigError, with the figures) a run whose detections cannot be held in memory."""
    n = expected_detections(cfg)
    return check_allocation(
        n * BYTES_PER_DETECTION,
        f"{cfg.pulses:.3g} pulses over {cfg.distance_km:g} km keep about {n:.3g} detections, which",
        hint="send fewer pulses per run (several runs can be combined) or a longer distance",
        max_memory=max_memory,
        error=ConfigError,
    )


def simulate_link(config: LinkConfig, *, progress: bool | None = None) -> LinkResult:
    """Simulate one QKD run end to end (see the module docstring).

    Parameters
    ----------
    config:
        The run's :class:`LinkConfig`.
    progress:
        Show a tqdm progress bar on stderr (default: when stderr is a terminal).

    Returns
    -------
    LinkResult
        Counts, estimates, post-processing figures and (unless aborted) the final keys.
    """
    cfg = config
    p = cfg.link
    rng = np.random.default_rng(cfg.seed)
    cdict = {k: v for k, v in asdict(cfg).items() if k not in ("params", "eve")}
    cdict.update({"params_name": p.name, "params": p.to_dict(), "eve": asdict(cfg.eve), "mu": cfg.signal_mu()})
    res = LinkResult(config=cdict)
    check_detection_memory(cfg)
    t0 = time.perf_counter()
    if cfg.protocol in ("bb84-decoy", "bb84-single-photon"):
        det, sent_chunks = _simulate_bb84(cfg, rng, progress)
        res.timings["quantum_s"] = time.perf_counter() - t0
        _postprocess_bb84(cfg, rng, det, sent_chunks, res)
    else:
        data, st = _simulate_entangled(cfg, rng, progress)
        res.timings["quantum_s"] = time.perf_counter() - t0
        res.stats.update(st)
        _postprocess_entangled(cfg, rng, data, res)
    res.timings["total_s"] = time.perf_counter() - t0
    return res


def _postprocess_bb84(
    cfg: LinkConfig, rng: np.random.Generator, det: _Detections, sent_chunks: NDArray[np.int64], res: LinkResult
) -> None:
    p = cfg.link
    sent = sent_chunks.sum(axis=0)
    cnt = _bb84_counts(det)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = np.where(sent > 0, cnt["det"] / np.maximum(sent, 1), 0.0)
        e = np.where(cnt["sift"] > 0, cnt["err"] / np.maximum(cnt["sift"], 1), 0.0)
    names = ("signal", "decoy", "vacuum")
    st = res.stats
    for i, nm in enumerate(names if cfg.protocol == "bb84-decoy" else names[:1]):
        st[f"sent_{nm}"] = int(sent[i])
        st[f"detected_{nm}"] = int(cnt["det"][i])
        st[f"sifted_{nm}"] = int(cnt["sift"][i])
        st[f"errors_{nm}"] = int(cnt["err"][i])
        st[f"gain_{nm}"] = float(q[i])
        st[f"qber_{nm}"] = float(e[i])
    st["single_photon_gain_signal"] = float(cnt["det1"][0] / sent[0]) if sent[0] else 0.0
    st["single_photon_error_signal"] = float(cnt["err1"][0] / cnt["sift1"][0]) if cnt["sift1"][0] else 0.0
    sig_sift = (det.cls == 0) & (det.a_basis == det.b_basis)
    st["eve_known_fraction_of_sifted_signal"] = float(det.eve_knows[sig_sift].mean()) if sig_sift.any() else 0.0
    # key rate from the simulation (true single-photon contributions) and its batch-mean error
    est = res.estimates
    r_sim = _ideal_rate(cnt, int(sent[0]), p)
    batches = np.unique(det.batch)
    rb = []
    for b in batches:
        cb = _bb84_counts(det, det.batch == b)
        rb.append(_ideal_rate(cb, int(sent_chunks[b, 0]), p))
    est["key_rate_sim"] = r_sim
    est["key_rate_sim_err"] = float(np.std(rb, ddof=1) / math.sqrt(len(rb))) if len(rb) > 1 else float("nan")
    mu = cfg.signal_mu()
    if cfg.protocol == "bb84-decoy":
        est["key_rate_theory"] = float(theory.decoy_bb84_key_rate(cfg.distance_km, p, mu=mu))
        r_dec, bounds = _decoy_rate(cfg, q, e, p)
        est["key_rate_decoy_estimate"] = r_dec
        est["decoy_bounds"] = bounds
        qt, et = theory.gain_and_qber(mu, cfg.distance_km, p)
        est["gain_signal_theory"] = float(qt)
        est["qber_signal_theory"] = float(et)
    else:
        est["key_rate_theory"] = float(theory.single_photon_bb84_key_rate(cfg.distance_km, p))
    # --- parameter estimation on the public channel ---
    if cfg.finite_key:
        key_sel = (det.a_basis == det.b_basis) & (det.a_basis == 0)
        test = (det.a_basis == det.b_basis) & (det.a_basis == 1)
        qber_est = float((det.a_bit[test] != det.b_bit[test]).mean()) if test.any() else 0.5
        key_idx = np.flatnonzero(key_sel)
    else:
        cand = np.flatnonzero(sig_sift)
        ns = max(1, int(round(cfg.sample_fraction * cand.size))) if cand.size else 0
        pick = rng.permutation(cand.size)
        sample, key_idx = cand[pick[:ns]], np.sort(cand[pick[ns:]])
        qber_est = float((det.a_bit[sample] != det.b_bit[sample]).mean()) if ns else 0.5
        res.postprocessing["qber_sample_bits"] = int(ns)
    res.postprocessing["qber_estimate"] = qber_est
    if qber_est > cfg.qber_threshold:
        _abort_qber(res, qber_est, cfg.qber_threshold)
        return
    if cfg.protocol == "bb84-decoy" and not cfg.finite_key and est["key_rate_decoy_estimate"] <= 0:
        res.status = "aborted"
        res.message = (
            "aborted: no secret key: the decoy-state bound on single-photon detections is too low "
            f"(Y1 >= {est['decoy_bounds']['y1_lower']:.3g}, e1 <= {100 * est['decoy_bounds']['e1_upper']:.1f} %)"
        )
        return
    if not cfg.postprocess:
        return
    alice = det.a_bit[key_idx]
    bob = det.b_bit[key_idx]

    if cfg.finite_key:
        zsel = (det.a_basis == det.b_basis) & (det.a_basis == 1)
        n_x = tuple(int(v) for v in np.bincount(det.cls[key_sel], minlength=3))
        n_z = tuple(int(v) for v in np.bincount(det.cls[zsel], minlength=3))
        m_z = tuple(int(v) for v in np.bincount(det.cls[zsel & (det.a_bit != det.b_bit)], minlength=3))

        def key_len(leak: int, tag: int) -> int:
            fk = finite_key_length_lim2014(
                (mu, cfg.nu, cfg.vacuum), cfg.probs, n_x, n_z, m_z, float(leak), cfg.eps_sec, cfg.eps_cor  # type: ignore[arg-type]
            )
            res.postprocessing["finite_key"] = asdict(fk)
            return min(fk.length, int(alice.size))

    elif cfg.protocol == "bb84-decoy":
        b = est["decoy_bounds"]
        frac1 = b["q1_lower"] / q[0] if q[0] > 0 else 0.0
        s1 = frac1 * alice.size

        def key_len(leak: int, tag: int) -> int:
            return min(int(math.floor(s1 * (1 - h2(b["e1_upper"])) - leak - tag)), int(alice.size))

    else:
        # single photons: every detection is a single-photon one except dark counts (Y0/Q)
        q0 = q[0]
        frac1 = max(0.0, (q0 - p.dark_count_prob) / q0) if q0 > 0 else 0.0
        e1 = min(0.5, qber_est)

        def key_len(leak: int, tag: int) -> int:
            return min(int(math.floor(frac1 * alice.size * (1 - h2(e1)) - leak - tag)), int(alice.size))

    _distill(cfg, rng, alice, bob, qber_est, key_len, res)


def _postprocess_entangled(cfg: LinkConfig, rng: np.random.Generator, data: dict[str, NDArray[Any]], res: LinkResult) -> None:
    st = res.stats
    if cfg.protocol == "e91":
        # key from the matching analysers: a=22.5/b=22.5 and a=45/b=45
        key_sel = ((data["ai"] == 1) & (data["bi"] == 0)) | ((data["ai"] == 2) & (data["bi"] == 1))
    else:
        key_sel = data["ai"] == data["bi"]
    st["coincidences"] = int(data["ai"].size)
    st["coincidence_rate"] = data["ai"].size / cfg.pulses
    st["sifted"] = int(key_sel.sum())
    err = data["ab"][key_sel] != data["bb"][key_sel]
    st["qber"] = float(err.mean()) if err.size else 0.5
    p = cfg.link
    q = st["sifted"] / cfg.pulses
    e = st["qber"]
    res.estimates["key_rate_sim"] = q * max(0.0, 1 - (p.ec_efficiency + 1) * h2(e))
    # batch errors of the rate
    rb = []
    for b in np.unique(data["batch"]):
        m = data["batch"] == b
        ks = key_sel & m
        nb = int(m.sum())
        if nb == 0:
            continue
        eb = float((data["ab"][ks] != data["bb"][ks]).mean()) if ks.any() else 0.5
        rb.append(ks.sum() / (cfg.pulses / len(np.unique(data["batch"]))) * max(0.0, 1 - (p.ec_efficiency + 1) * h2(eb)))
    res.estimates["key_rate_sim_err"] = float(np.std(rb, ddof=1) / math.sqrt(len(rb))) if len(rb) > 1 else float("nan")
    res.estimates["key_rate_theory"] = float("nan")
    idx = np.flatnonzero(key_sel)
    ns = max(1, int(round(cfg.sample_fraction * idx.size))) if idx.size else 0
    pick = rng.permutation(idx.size)
    sample, key_idx = idx[pick[:ns]], np.sort(idx[pick[ns:]])
    qber_est = float((data["ab"][sample] != data["bb"][sample]).mean()) if ns else 0.5
    res.postprocessing["qber_estimate"] = qber_est
    res.postprocessing["qber_sample_bits"] = int(ns)
    if cfg.protocol == "e91" and st["chsh_s"] <= 2.0:
        res.status = "aborted"
        res.message = f"aborted: CHSH S = {st['chsh_s']:.3f} +- {st['chsh_s_err']:.3f} <= 2 (no Bell violation)"
        if qber_est > cfg.qber_threshold:
            res.message += f"; QBER {100 * qber_est:.1f} % > threshold {100 * cfg.qber_threshold:.1f} %"
        return
    if qber_est > cfg.qber_threshold:
        _abort_qber(res, qber_est, cfg.qber_threshold)
        return
    if not cfg.postprocess:
        return
    alice = data["ab"][key_idx]
    bob = data["bb"][key_idx]
    # Shor-Preskill: the phase error equals the bit error of the other basis (symmetric source)
    e1 = min(0.5, qber_est)

    def key_len(leak: int, tag: int) -> int:
        return min(int(math.floor(alice.size * (1 - h2(e1)) - leak - tag)), int(alice.size))

    _distill(cfg, rng, alice, bob, qber_est, key_len, res)
