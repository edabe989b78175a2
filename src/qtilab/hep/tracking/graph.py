"""Hit graphs from events, as QTrkX / HEP.TrkX build them.

Steps (all configurable in :class:`GraphConfig`): keep the barrel hits (TrackML volumes 8, 13,
17), keep the hits of particles with pT > ``pt_min`` (this removes the noise hits, which belong
to no particle), reduce the duplicate hits of one particle on one layer to the one with the
smallest r, then connect hits on adjacent layers with |dphi/dr| < ``phi_slope_max`` and
|z0| < ``z0_max``, where z0 = z1 - r1 (z2 - z1)/(r2 - r1) is the segment's intercept on the beam
line. An edge is true (y = 1) when both hits belong to the same particle. Optional sectioning
splits an event into ``n_phi_sections`` x ``n_eta_sections`` graphs.

The candidate search is vectorised: for every pair of adjacent layers, the outer hits are sorted
by phi and each inner hit's phi window is found by ``searchsorted`` (with the wrap at ±pi).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qtilab.errors import ConfigError, DataError
from qtilab.hep.tracking.io import HitGraph, TrackMLEvent

#: (volume_id, layer_id) of the ten barrel layers, inner to outer
BARREL_LAYERS: tuple[tuple[int, int], ...] = (
    (8, 2), (8, 4), (8, 6), (8, 8), (13, 2), (13, 4), (13, 6), (13, 8), (17, 2), (17, 4),
)


@dataclass(frozen=True)
class GraphConfig:
    """Graph-building cuts (QTrkX's values by default)."""

    pt_min: float = 1.0
    phi_slope_max: float = 6e-4
    z0_max: float = 100.0
    remove_noise: bool = True
    remove_duplicates: bool = True
    n_phi_sections: int = 1
    n_eta_sections: int = 1
    eta_range: tuple[float, float] = (-5.0, 5.0)

    def validate(self) -> None:
        if self.pt_min < 0 or self.phi_slope_max <= 0 or self.z0_max <= 0:
            raise ConfigError("GraphConfig: pt_min >= 0, phi_slope_max > 0 and z0_max > 0 are required")
        if self.n_phi_sections < 1 or self.n_eta_sections < 1:
            raise ConfigError("GraphConfig: section counts must be at least 1")
        if self.eta_range[0] >= self.eta_range[1]:
            raise ConfigError(f"GraphConfig.eta_range must be increasing, got {self.eta_range}")


def _wrap(dphi: np.ndarray) -> np.ndarray:
    return (dphi + np.pi) % (2 * np.pi) - np.pi


def select_hits(event: TrackMLEvent, config: GraphConfig) -> dict[str, np.ndarray]:
    """The hits that enter the graph, with r, phi, z, layer index, particle_id and hit_id."""
    hits = event.hits
    vol_layer = hits["volume_id"] * 1000 + hits["layer_id"]
    keys = np.array([v * 1000 + lyr for v, lyr in BARREL_LAYERS])
    layer = np.searchsorted(keys, vol_layer)
    layer = np.clip(layer, 0, len(keys) - 1)
    barrel = keys[layer] == vol_layer
    pid = event.hit_particle()
    ptab = event.particles
    order = np.argsort(ptab["particle_id"])
    ppos = np.clip(np.searchsorted(ptab["particle_id"], pid, sorter=order), 0, len(order) - 1)
    known = (len(order) > 0) & (ptab["particle_id"][order[ppos]] == pid) if len(order) else np.zeros(len(pid), bool)
    pt = np.where(known, np.hypot(ptab["px"][order[ppos]], ptab["py"][order[ppos]]), 0.0) if len(order) else np.zeros(len(pid))
    keep = barrel.copy()
    if config.remove_noise:
        keep &= pid > 0
    keep &= (pt > config.pt_min) | ((pid == 0) & (not config.remove_noise))
    x, y, z = hits["x"][keep], hits["y"][keep], hits["z"][keep]
    tw = event.truth["weight"][np.argsort(event.truth["hit_id"])]
    weight = tw[np.searchsorted(np.sort(event.truth["hit_id"]), hits["hit_id"][keep])]
    sel = {
        "r": np.hypot(x, y), "phi": np.arctan2(y, x), "z": z, "layer": layer[keep],
        "particle_id": pid[keep], "hit_id": hits["hit_id"][keep], "weight": weight,
    }
    if config.remove_duplicates:
        # one hit per (particle, layer): the smallest r (noise hits are never merged)
        o = np.lexsort((sel["r"], sel["layer"], sel["particle_id"]))
        p_s, l_s = sel["particle_id"][o], sel["layer"][o]
        first = np.ones(len(o), dtype=bool)
        first[1:] = (p_s[1:] != p_s[:-1]) | (l_s[1:] != l_s[:-1])
        first |= p_s == 0
        o = np.sort(o[first])
        sel = {k: v[o] for k, v in sel.items()}
    return sel


def _layer_pair_edges(phi_a: np.ndarray, r_a: np.ndarray, z_a: np.ndarray,
                      phi_b: np.ndarray, r_b: np.ndarray, z_b: np.ndarray,
                      config: GraphConfig) -> tuple[np.ndarray, np.ndarray]:
    """Candidate (inner, outer) index pairs between two layers, vectorised."""
    if len(phi_a) == 0 or len(phi_b) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    dr_max = float(r_b.max() - r_a.min())
    window = config.phi_slope_max * dr_max
    ob = np.argsort(phi_b)
    pb = phi_b[ob]
    # extend by the wrap-around so that a window near ±pi finds its neighbours
    ext_phi = np.concatenate([pb - 2 * np.pi, pb, pb + 2 * np.pi])
    ext_idx = np.concatenate([ob, ob, ob])
    lo = np.searchsorted(ext_phi, phi_a - window, side="left")
    hi = np.searchsorted(ext_phi, phi_a + window, side="right")
    counts = hi - lo
    ia = np.repeat(np.arange(len(phi_a)), counts)
    start = np.repeat(lo - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    ib = ext_idx[start + np.arange(counts.sum())]
    dr = r_b[ib] - r_a[ia]
    dphi = _wrap(phi_b[ib] - phi_a[ia])
    dz = z_b[ib] - z_a[ia]
    ok = dr > 0
    slope = np.where(ok, dphi / np.where(ok, dr, 1.0), np.inf)
    z0 = z_a[ia] - r_a[ia] * np.where(ok, dz / np.where(ok, dr, 1.0), 0.0)
    ok &= (np.abs(slope) < config.phi_slope_max) & (np.abs(z0) < config.z0_max)
    return ia[ok], ib[ok]


def build_graph(event: TrackMLEvent, config: GraphConfig | None = None) -> list[HitGraph]:
    """Build the hit graph(s) of an event: one per section (one by default).

    Raises
    ------
    DataError: no hits or no candidate edges remain after the cuts (names the event and cut).
    """
    cfg = config or GraphConfig()
    cfg.validate()
    sel = select_hits(event, cfg)
    if len(sel["r"]) == 0:
        raise DataError(f"{event.name}: no hits left after the cuts (barrel, pT > {cfg.pt_min} GeV)")
    theta = np.arctan2(sel["r"], sel["z"])
    eta = -np.log(np.tan(theta / 2))
    graphs = []
    phi_edges = np.linspace(-np.pi, np.pi, cfg.n_phi_sections + 1)
    eta_edges = np.linspace(cfg.eta_range[0], cfg.eta_range[1], cfg.n_eta_sections + 1)
    for i in range(cfg.n_phi_sections):
        for j in range(cfg.n_eta_sections):
            m = (sel["phi"] >= phi_edges[i]) & (sel["phi"] <= phi_edges[i + 1])
            m &= (eta >= eta_edges[j]) & (eta <= eta_edges[j + 1])
            idx = np.flatnonzero(m)
            sub = {k: v[idx] for k, v in sel.items()}
            inner, outer = [], []
            for lyr in range(len(BARREL_LAYERS) - 1):
                a = np.flatnonzero(sub["layer"] == lyr)
                b = np.flatnonzero(sub["layer"] == lyr + 1)
                ia, ib = _layer_pair_edges(sub["phi"][a], sub["r"][a], sub["z"][a],
                                           sub["phi"][b], sub["r"][b], sub["z"][b], cfg)
                inner.append(a[ia])
                outer.append(b[ib])
            inn = np.concatenate(inner) if inner else np.empty(0, np.int64)
            out = np.concatenate(outer) if outer else np.empty(0, np.int64)
            pid = sub["particle_id"]
            y = ((pid[inn] == pid[out]) & (pid[inn] > 0)).astype(np.float64)
            X = np.column_stack([sub["r"] / 1000.0, sub["phi"] / np.pi, sub["z"] / 1000.0])
            name = event.name if cfg.n_phi_sections * cfg.n_eta_sections == 1 else f"{event.name}_s{i}_{j}"
            graphs.append(HitGraph(X, inn.astype(np.int64), out.astype(np.int64), y,
                                   sub["hit_id"].astype(np.int64), pid.astype(np.int64), name=name,
                                   weight=sub["weight"].astype(np.float64)))
    if all(g.n_edges == 0 for g in graphs):
        raise DataError(
            f"{event.name}: no candidate edges after the cuts (pt_min={cfg.pt_min}, "
            f"phi_slope_max={cfg.phi_slope_max}, z0_max={cfg.z0_max})"
        )
    return graphs


def edge_features(graph: HitGraph) -> np.ndarray:
    """Per-edge geometric features for the segment BDT.

    Columns: r1, r2 (mm), dphi/dr (rad/mm), z0 (mm), dz/dr, dz (mm), dphi (rad), z1 (mm).
    """
    r = graph.X[:, 0] * 1000.0
    phi = graph.X[:, 1] * np.pi
    z = graph.X[:, 2] * 1000.0
    a, b = graph.inner, graph.outer
    dr = r[b] - r[a]
    dphi = _wrap(phi[b] - phi[a])
    dz = z[b] - z[a]
    safe = np.where(np.abs(dr) > 1e-9, dr, 1e-9)
    return np.column_stack([r[a], r[b], dphi / safe, z[a] - r[a] * dz / safe, dz / safe, dz, dphi, z[a]])


EDGE_FEATURE_NAMES = ("r1", "r2", "dphi/dr", "z0", "dz/dr", "dz", "dphi", "z1")


def graph_statistics(graphs: list[HitGraph]) -> dict[str, float | list[float]]:
    """Mean hits, edges, true fraction, hits per layer and the true-segment |z0| median."""
    if not graphs:
        raise DataError("graph_statistics needs at least one graph")
    hits = [g.n_hits for g in graphs]
    edges = [g.n_edges for g in graphs]
    true = np.concatenate([g.y for g in graphs])
    per_layer = np.zeros(len(BARREL_LAYERS))
    radii = np.array([32.0, 72.0, 116.0, 172.0, 260.0, 360.0, 500.0, 660.0, 820.0, 1020.0])
    for g in graphs:
        lay = np.abs(g.X[:, 0][:, None] * 1000.0 - radii[None, :]).argmin(axis=1)
        per_layer += np.bincount(lay, minlength=len(radii))
    z0 = np.concatenate([edge_features(g)[g.y > 0.5, 3] for g in graphs])
    return {
        "hits": float(np.mean(hits)), "edges": float(np.mean(edges)),
        "true_fraction": float(true.mean()) if true.size else 0.0,
        "hits_per_layer": (per_layer / len(graphs)).tolist(),
        "true_z0_abs_median": float(np.median(np.abs(z0))) if z0.size else float("nan"),
    }
