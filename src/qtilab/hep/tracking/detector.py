"""A TrackML-like barrel detector and a minimum-bias + pile-up event generator.

The real TrackML data cannot ship, so this module generates events in the TrackML CSV layout
with the geometry and physics that shape a hit graph:

- **Geometry**: ten barrel layers at r = 32, 72, 116, 172 mm (pixels, TrackML volume 8,
  |z| < 491 mm), 260, 360, 500, 660 mm (short strips, volume 13, |z| < 1083 mm) and 820, 1020 mm
  (long strips, volume 17, |z| < 1083 mm), TrackML layer ids 2, 4, 6, 8 within each volume.
- **Tracks**: helices in a uniform 2 T solenoid, transverse radius R[mm] = 1667 pT[GeV]; the
  hit on a layer of radius r sits at transverse arc length s = 2R asin(r / 2R) from the vertex
  (outgoing branch only; loopers that never reach a layer leave no hit there).
- **Particles**: ``mu`` pile-up interactions per event (Poisson), each with a Poisson number of
  charged particles in pseudorapidity (flat for |eta| < 2.5, falling linearly to zero at 3.5), a falling pT spectrum
  dN/dpT ∝ pT (1 + pT/p0)^-n above 0.1 GeV, charge ±1; vertices with a narrow z spread
  (Gaussian, ``vertex_sigma_z``) and a transverse spread of 15 µm.
- **Detector effects**: multiple scattering at every layer (Highland formula, x/X0 per layer,
  path length 1/sin(theta)), Gaussian hit resolution in r-phi and z, hit inefficiency, duplicate
  hits from module overlaps (a second hit of the particle a few mm further out), and noise
  hits (particle_id 0) spread uniformly over each layer.

The defaults are calibrated so that the graphs built with the QTrkX cuts reproduce the
statistics of the real TrackML graphs at pT > 1 GeV and mu = 200 (the measured values are in
docs/tracking.md and checked by a test).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from qtilab.errors import ConfigError
from qtilab.hep.tracking.io import TrackMLEvent

#: the magnetic field's constant: R[mm] = pT[GeV] / (0.3 B[T]) * 1000
_MM_PER_GEV_PER_TESLA = 1000.0 / 0.299792458


@dataclass(frozen=True)
class DetectorConfig:
    """The barrel detector (lengths in mm, field in tesla)."""

    radii: tuple[float, ...] = (32.0, 72.0, 116.0, 172.0, 260.0, 360.0, 500.0, 660.0, 820.0, 1020.0)
    half_lengths: tuple[float, ...] = (491.0,) * 4 + (1083.0,) * 6
    volume_ids: tuple[int, ...] = (8,) * 4 + (13,) * 4 + (17,) * 2
    layer_ids: tuple[int, ...] = (2, 4, 6, 8, 2, 4, 6, 8, 2, 4)
    b_field: float = 2.0
    #: r-phi and z resolution per layer (mm)
    sigma_rphi: tuple[float, ...] = (0.015,) * 4 + (0.04,) * 6
    sigma_z: tuple[float, ...] = (0.05,) * 4 + (0.5,) * 4 + (1.0,) * 2
    #: material per layer in radiation lengths (at normal incidence)
    x_over_x0: tuple[float, ...] = (0.015,) * 4 + (0.025,) * 6
    #: half-thickness of the layer's module staggering in r (mm)
    r_jitter: float = 1.0
    efficiency: float = 0.98
    duplicate_probability: float = 0.035
    #: noise hits per layer as a fraction of the layer's particle hits
    noise_fraction: float = 0.1
    phi_modules: int = 64
    z_modules: int = 20

    def validate(self) -> None:
        n = len(self.radii)
        for name in ("half_lengths", "volume_ids", "layer_ids", "sigma_rphi", "sigma_z", "x_over_x0"):
            if len(getattr(self, name)) != n:
                raise ConfigError(f"DetectorConfig.{name} needs {n} entries (one per layer)")
        if any(b <= a for a, b in zip(self.radii, self.radii[1:])) or self.radii[0] <= 0:
            raise ConfigError("DetectorConfig.radii must be positive and increasing")
        if not 0 < self.efficiency <= 1:
            raise ConfigError(f"DetectorConfig.efficiency must be in (0, 1], got {self.efficiency}")
        for name in ("duplicate_probability", "noise_fraction"):
            v = getattr(self, name)
            if not 0 <= v <= 1:
                raise ConfigError(f"DetectorConfig.{name} must be in [0, 1], got {v}")
        if self.b_field <= 0:
            raise ConfigError("DetectorConfig.b_field must be positive")


@dataclass(frozen=True)
class PhysicsConfig:
    """Minimum-bias particles and pile-up."""

    mu: float = 200.0
    #: mean charged particles per interaction over |eta| < eta_max
    charged_per_interaction: float = 36.0
    #: dN/deta is flat for |eta| < eta_flat and falls linearly to zero at eta_max
    eta_flat: float = 2.5
    eta_max: float = 3.5
    pt_min: float = 0.1
    #: the spectrum dN/dpT ∝ pT (1 + pT/p0)^-n
    pt_p0: float = 1.3
    pt_n: float = 8.0
    vertex_sigma_z: float = 5.5
    vertex_sigma_xy: float = 0.015

    def validate(self) -> None:
        if self.mu <= 0 or self.charged_per_interaction <= 0:
            raise ConfigError("PhysicsConfig.mu and charged_per_interaction must be positive")
        if self.pt_min <= 0 or self.pt_p0 <= 0 or self.pt_n <= 3:
            raise ConfigError("PhysicsConfig: pt_min, pt_p0 must be positive and pt_n > 3")
        if not 0 <= self.eta_flat <= self.eta_max or self.eta_max <= 0 or self.vertex_sigma_z < 0:
            raise ConfigError("PhysicsConfig: 0 <= eta_flat <= eta_max, eta_max > 0 and vertex_sigma_z >= 0 are required")


@dataclass(frozen=True)
class GeneratorConfig:
    """What :func:`generate_event` simulates."""

    detector: DetectorConfig = field(default_factory=DetectorConfig)
    physics: PhysicsConfig = field(default_factory=PhysicsConfig)

    def validate(self) -> None:
        self.detector.validate()
        self.physics.validate()


def _sample_pt(rng: np.random.Generator, n: int, ph: PhysicsConfig) -> np.ndarray:
    """Inverse-CDF sampling of dN/dpT ∝ pT (1 + pT/p0)^-n on a fine log grid."""
    grid = np.geomspace(ph.pt_min, 200.0, 4000)
    pdf = grid * (1.0 + grid / ph.pt_p0) ** (-ph.pt_n)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (pdf[1:] + pdf[:-1]) * np.diff(grid))])
    cdf /= cdf[-1]
    return np.interp(rng.random(n), cdf, grid)


def _sample_eta(rng: np.random.Generator, n: int, ph: PhysicsConfig) -> np.ndarray:
    """|eta| flat up to eta_flat, then a linear fall to zero at eta_max; random sign."""
    tail = ph.eta_max - ph.eta_flat
    p_flat = ph.eta_flat / (ph.eta_flat + 0.5 * tail) if ph.eta_flat + tail > 0 else 1.0
    u = rng.random(n)
    a = np.where(rng.random(n) < p_flat, u * ph.eta_flat, ph.eta_flat + (1.0 - np.sqrt(u)) * tail)
    return np.asarray(a * rng.choice(np.array([-1.0, 1.0]), n))


def generate_event(config: GeneratorConfig | None = None, seed: int | np.random.Generator | None = None,
                   name: str = "event000000000") -> TrackMLEvent:
    """Generate one event in the TrackML layout (see the module docstring for the model).

    Examples
    --------
    >>> ev = generate_event(seed=1)
    >>> sorted(ev.hits)[:3]
    ['hit_id', 'layer_id', 'module_id']
    """
    cfg = config or GeneratorConfig()
    cfg.validate()
    det, ph = cfg.detector, cfg.physics
    rng = np.random.default_rng(seed)

    # --- particles ---------------------------------------------------------------------------
    n_vtx = max(1, int(rng.poisson(ph.mu)))
    per_vtx = rng.poisson(ph.charged_per_interaction, n_vtx)
    n = int(per_vtx.sum())
    vtx_z = rng.normal(0.0, ph.vertex_sigma_z, n_vtx)
    vtx_xy = rng.normal(0.0, ph.vertex_sigma_xy, (n_vtx, 2))
    vid = np.repeat(np.arange(n_vtx), per_vtx)
    vx, vy, vz = vtx_xy[vid, 0], vtx_xy[vid, 1], vtx_z[vid]
    pt = _sample_pt(rng, n, ph)
    eta = _sample_eta(rng, n, ph)
    phi0 = rng.uniform(-np.pi, np.pi, n)
    q = rng.choice(np.array([-1, 1]), n)
    pz = pt * np.sinh(eta)
    pid = np.arange(1, n + 1, dtype=np.int64)

    # --- propagation to every layer (particles x layers) ------------------------------------
    radii = np.asarray(det.radii)
    L = len(radii)
    R = pt * _MM_PER_GEV_PER_TESLA / det.b_field  # transverse radius (mm)
    r_hit = radii[None, :] + rng.uniform(-det.r_jitter, det.r_jitter, (n, L))
    reach = r_hit < 2.0 * R[:, None]
    ratio = np.where(reach, r_hit / (2.0 * R[:, None]), 0.0)
    s = 2.0 * R[:, None] * np.arcsin(ratio)  # transverse arc length to the layer
    h = -q.astype(np.float64)  # rotation sense of the momentum (B along +z)
    turn = h[:, None] * s / R[:, None]
    phi_dir = phi0[:, None] + turn  # momentum direction at the hit
    cot = pz / pt
    # ideal positions (helix through the vertex)
    x = vx[:, None] + (R / h)[:, None] * (np.sin(phi_dir) - np.sin(phi0)[:, None])
    y = vy[:, None] - (R / h)[:, None] * (np.cos(phi_dir) - np.cos(phi0)[:, None])
    z = vz[:, None] + s * cot[:, None]

    # multiple scattering: kicks at each crossed layer displace the later hits
    p = pt * np.cosh(eta)
    sin_theta = 1.0 / np.cosh(eta)
    xx0 = np.asarray(det.x_over_x0)[None, :] / sin_theta[:, None]
    theta0 = 0.0136 / p[:, None] * np.sqrt(xx0) * (1.0 + 0.038 * np.log(xx0))
    k_phi = rng.normal(size=(n, L)) * theta0
    k_lam = rng.normal(size=(n, L)) * theta0
    dr = radii[None, :] - radii[:, None]  # [j, k] = r_k - r_j
    lever = np.where(dr > 0, dr, 0.0)  # kick at layer j moves hits at layers k > j
    d_rphi = k_phi @ lever
    d_z = (k_lam * (1.0 + cot[:, None] ** 2)) @ lever
    # resolution
    d_rphi += rng.normal(size=(n, L)) * np.asarray(det.sigma_rphi)[None, :]
    d_z += rng.normal(size=(n, L)) * np.asarray(det.sigma_z)[None, :]
    rr = np.hypot(x, y)
    phi_true = np.arctan2(y, x)
    phi_m = phi_true + d_rphi / np.maximum(rr, 1e-9)
    xm, ym, zm = rr * np.cos(phi_m), rr * np.sin(phi_m), z + d_z

    # a particle that misses a pixel layer in z (through the end-cap region) can still cross
    # the longer strip layers further out, as in the real detector
    inside = reach & (np.abs(z) < np.asarray(det.half_lengths)[None, :])
    found = inside & (rng.random((n, L)) < det.efficiency)

    pi_idx, li_idx = np.nonzero(found)
    cols = {
        "x": xm[pi_idx, li_idx], "y": ym[pi_idx, li_idx], "z": zm[pi_idx, li_idx],
        "tx": x[pi_idx, li_idx], "ty": y[pi_idx, li_idx], "tz": z[pi_idx, li_idx],
        "tpx": pt[pi_idx] * np.cos(phi_dir[pi_idx, li_idx]), "tpy": pt[pi_idx] * np.sin(phi_dir[pi_idx, li_idx]),
        "tpz": pz[pi_idx], "particle_id": pid[pi_idx], "layer": li_idx,
    }

    # duplicates: a second hit of the particle on an overlapping module a few mm further out
    dup = rng.random(len(pi_idx)) < det.duplicate_probability
    if dup.any():
        extra_r = rng.uniform(1.0, 4.0, int(dup.sum()))
        di, dl = pi_idx[dup], li_idx[dup]
        ds = extra_r / np.maximum(np.cos(0.5 * (phi_dir[di, dl] - phi0[di])), 0.1)
        phid = phi_dir[di, dl] + h[di] * ds / R[di]
        tx = x[di, dl] + ds * np.cos(phi_dir[di, dl])
        ty = y[di, dl] + ds * np.sin(phi_dir[di, dl])
        tz = z[di, dl] + ds * cot[di]
        rd = np.hypot(tx, ty)
        phm = np.arctan2(ty, tx) + (d_rphi[di, dl] + rng.normal(size=di.size) * np.asarray(det.sigma_rphi)[dl]) / rd
        dcols = {
            "x": rd * np.cos(phm), "y": rd * np.sin(phm),
            "z": tz + d_z[di, dl] + rng.normal(size=di.size) * np.asarray(det.sigma_z)[dl],
            "tx": tx, "ty": ty, "tz": tz,
            "tpx": pt[di] * np.cos(phid), "tpy": pt[di] * np.sin(phid), "tpz": pz[di],
            "particle_id": pid[di], "layer": dl,
        }
        cols = {k: np.concatenate([cols[k], dcols[k]]) for k in cols}

    # noise hits, uniform over each layer's surface
    counts = np.bincount(cols["layer"], minlength=L)
    n_noise = rng.poisson(det.noise_fraction * counts)
    nl = np.repeat(np.arange(L), n_noise)
    nphi = rng.uniform(-np.pi, np.pi, nl.size)
    nr = radii[nl] + rng.uniform(-det.r_jitter, det.r_jitter, nl.size)
    nz = rng.uniform(-1.0, 1.0, nl.size) * np.asarray(det.half_lengths)[nl]
    ncols = {
        "x": nr * np.cos(nphi), "y": nr * np.sin(nphi), "z": nz,
        "tx": nr * np.cos(nphi), "ty": nr * np.sin(nphi), "tz": nz,
        "tpx": np.zeros(nl.size), "tpy": np.zeros(nl.size), "tpz": np.zeros(nl.size),
        "particle_id": np.zeros(nl.size, dtype=np.int64), "layer": nl,
    }
    cols = {k: np.concatenate([cols[k], ncols[k]]) for k in cols}

    # shuffle (a real event lists hits by module, not by particle)
    order = rng.permutation(len(cols["x"]))
    cols = {k: v[order] for k, v in cols.items()}
    m = len(order)
    hit_id = np.arange(1, m + 1, dtype=np.int64)
    layer = cols["layer"]
    phi_h = np.arctan2(cols["y"], cols["x"])
    zmod = np.clip(((cols["z"] / np.asarray(det.half_lengths)[layer] + 1) * 0.5 * det.z_modules).astype(np.int64),
                   0, det.z_modules - 1)
    pmod = np.clip(((phi_h + np.pi) / (2 * np.pi) * det.phi_modules).astype(np.int64), 0, det.phi_modules - 1)
    hits = {
        "hit_id": hit_id, "x": cols["x"], "y": cols["y"], "z": cols["z"],
        "volume_id": np.asarray(det.volume_ids)[layer], "layer_id": np.asarray(det.layer_ids)[layer],
        "module_id": 1 + pmod * det.z_modules + zmod,
    }
    nhits = np.bincount(cols["particle_id"], minlength=n + 1)[1:]
    # TrackML-style weights: hits of particles with >= 4 hits count, noise counts 0; sum is 1
    w = np.where(cols["particle_id"] > 0, 1.0, 0.0)
    w *= np.where(cols["particle_id"] > 0, nhits[np.maximum(cols["particle_id"] - 1, 0)] >= 4, False)
    w = w / w.sum() if w.sum() > 0 else w
    truth = {
        "hit_id": hit_id, "particle_id": cols["particle_id"],
        "tx": cols["tx"], "ty": cols["ty"], "tz": cols["tz"],
        "tpx": cols["tpx"], "tpy": cols["tpy"], "tpz": cols["tpz"], "weight": w,
    }
    particles = {
        "particle_id": pid, "vx": vx, "vy": vy, "vz": vz,
        "px": pt * np.cos(phi0), "py": pt * np.sin(phi0), "pz": pz,
        "q": q.astype(np.int64), "nhits": nhits.astype(np.int64),
    }
    meta: dict[str, Any] = {"n_vertices": n_vtx, "n_particles": n}
    return TrackMLEvent(hits, truth, particles, name=name, meta=meta)
