"""Edge metrics, track building from classified edges, and the TrackML score.

- Edge metrics: ROC AUC, and accuracy, purity (TP / (TP + FP)) and efficiency (TP / (TP + FN))
  at score thresholds.
- Track building: the hits joined by edges with score above a threshold form tracks, as the
  connected components of that subgraph (scipy.sparse.csgraph).
- TrackML score (the Kaggle challenge's metric): each reconstructed track is matched to the
  particle that contributes most of its hits; the pair counts when more than half of the
  track's hits come from that particle and more than half of the particle's hits are in the
  track. The score is the summed hit weight of the matched pairs' common hits over the total
  weight. qtilab computes it over the graph's hits (pT > 1 GeV, duplicates removed), so the
  total weight is that of the graph's hits and a perfect reconstruction scores 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from qtilab.errors import DataError
from qtilab.hep.tracking.io import HitGraph


def edge_metrics(y: np.ndarray, score: np.ndarray, thresholds: Sequence[float] = (0.3, 0.5, 0.7)) -> dict[str, Any]:
    """AUC and, per threshold, accuracy, purity and efficiency."""
    from sklearn.metrics import roc_auc_score

    y = np.asarray(y).astype(bool)
    score = np.asarray(score, dtype=np.float64)
    if y.shape != score.shape:
        raise DataError(f"labels {y.shape} and scores {score.shape} differ in shape")
    if y.all() or not y.any():
        raise DataError("edge metrics need both true and false edges")
    out: dict[str, Any] = {"auc": float(roc_auc_score(y, score)), "thresholds": {}}
    for t in thresholds:
        pred = score > t
        tp = int(np.sum(pred & y))
        fp = int(np.sum(pred & ~y))
        fn = int(np.sum(~pred & y))
        out["thresholds"][f"{t:g}"] = {
            "accuracy": float(np.mean(pred == y)),
            "purity": tp / (tp + fp) if tp + fp else 0.0,
            "efficiency": tp / (tp + fn) if tp + fn else 0.0,
        }
    return out


def build_tracks(graph: HitGraph, score: np.ndarray, threshold: float = 0.5, min_hits: int = 3) -> np.ndarray:
    """Track label per hit (-1 for hits in no track of at least ``min_hits`` hits)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    keep = np.asarray(score) > threshold
    n = graph.n_hits
    adj = coo_matrix((np.ones(int(keep.sum())), (graph.inner[keep], graph.outer[keep])), shape=(n, n))
    _, labels = connected_components(adj, directed=False)
    sizes = np.bincount(labels)
    labels = labels.astype(np.int64)
    labels[sizes[labels] < min_hits] = -1
    return np.asarray(labels)


def trackml_score(graph: HitGraph, track: np.ndarray) -> float:
    """The TrackML weighted score of a track assignment (see the module docstring)."""
    if graph.particle_id is None:
        raise DataError(f"{graph.name}: the graph has no particle_id array; the TrackML score needs truth")
    w = graph.weight if graph.weight is not None else np.ones(graph.n_hits)
    pid = graph.particle_id
    total = float(w.sum())
    if total <= 0:
        return 0.0
    in_track = track >= 0
    if not in_track.any():
        return 0.0
    t, p, ww = track[in_track], pid[in_track], w[in_track]
    # hits per (track, particle) pair, per track, per particle
    pairs, inv = np.unique(np.column_stack([t, p]), axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    pair_n = np.bincount(inv)
    pair_w = np.bincount(inv, weights=ww)
    t_ids, t_n = np.unique(t, return_counts=True)
    p_ids, p_n = np.unique(pid, return_counts=True)
    # majority particle of every track
    order = np.lexsort((-pair_n, pairs[:, 0]))
    first = np.ones(len(order), dtype=bool)
    first[1:] = pairs[order[1:], 0] != pairs[order[:-1], 0]
    best = order[first]
    n_track = t_n[np.searchsorted(t_ids, pairs[best, 0])]
    n_part = p_n[np.searchsorted(p_ids, pairs[best, 1])]
    good = (pairs[best, 1] > 0) & (2 * pair_n[best] > n_track) & (2 * pair_n[best] > n_part)
    return float(pair_w[best][good].sum() / total)
