"""Vectorised internals against plain per-bit reference loops on random inputs."""

from __future__ import annotations

import numpy as np
import pytest

from qtilab.rng import nist
from qtilab.rng.nist import _kernels
from qtilab.rng.nist.longest_run import _longest_runs
from qtilab.rng.nist.non_overlapping_template import is_aperiodic, templates9


def _rand(n: int, seed: int, p: float = 0.5) -> np.ndarray:
    return (np.random.default_rng(seed).random(n) < p).astype(np.uint8)


def test_template_file_is_the_148_aperiodic_templates() -> None:
    t = templates9()
    assert len(t) == 148 and len(set(t)) == 148
    assert all(is_aperiodic(x) for x in t)
    # every aperiodic 9-bit pattern is there
    every = [format(v, "09b") for v in range(512) if is_aperiodic(format(v, "09b"))]
    assert sorted(every) == sorted(t)


@pytest.mark.parametrize("seed", range(5))
def test_non_overlapping_histogram_equals_greedy_scan(seed: int) -> None:
    e = _rand(50_000, seed, p=0.3 + 0.1 * seed)
    res = nist.non_overlapping_template(e)
    M = e.size // 8
    win = _kernels.windows(e[: 8 * M], 9, False)
    for k in (0, 37, 147):
        greedy = _kernels.greedy_template_counts(win, int(templates9()[k], 2), 9, 8, M)
        assert res.statistics["W"][k] == greedy.tolist()
    # a periodic template goes through the greedy scan: compare with a Python scan
    tpl = "0101"
    r2 = nist.non_overlapping_template(e[:4000], tpl, N=4)
    s = "".join(map(str, e[:4000]))
    Mb = 1000
    ref = []
    for b in range(4):
        blk, j, c = s[b * Mb : (b + 1) * Mb], 0, 0
        while j <= Mb - 4:
            if blk[j : j + 4] == tpl:
                c += 1
                j += 4
            else:
                j += 1
        ref.append(c)
    assert r2.statistics["W"][0] == ref


@pytest.mark.parametrize("seed", range(3))
def test_windows_and_longest_runs(seed: int) -> None:
    e = _rand(3000, seed)
    s = "".join(map(str, e))
    w = _kernels.windows(e, 5, True)
    ss = s + s[:4]
    assert w.tolist() == [int(ss[i : i + 5], 2) for i in range(len(s))]
    blocks = e[:2944].reshape(-1, 128)
    ref = [max((len(r) for r in "".join(map(str, b)).split("0")), default=0) for b in blocks]
    assert _longest_runs(blocks).tolist() == ref


@pytest.mark.parametrize("seed", range(3))
def test_cusum_and_excursions_against_loops(seed: int) -> None:
    e = _rand(20_000, seed, p=0.5)
    S, z_f = 0, 0
    walk = []
    for b in e:
        S += 1 if b else -1
        walk.append(S)
        z_f = max(z_f, abs(S))
    total = walk[-1]
    z_r = max(abs(total - (walk[k - 1] if k else 0)) for k in range(len(walk)))
    cs = nist.cumulative_sums(e)
    assert cs.statistics["z_forward"] == z_f and cs.statistics["z_reverse"] == z_r
    # cycles and visits to x = +2, counted cycle by cycle
    cycles, cur = [], []
    for v in walk:
        if v == 0:
            cycles.append(cur)
            cur = []
        else:
            cur.append(v)
    if walk[-1] != 0:
        cycles.append(cur)
    re = nist.random_excursions(e, min_cycles_required=0, check_max_cycles=False)
    assert re.statistics["J"] == len(cycles)
    i = re.labels.index("+2")
    counts = [min(c.count(2), 5) for c in cycles]
    assert [row[i] for row in re.statistics["nu"]] == [counts.count(k) for k in range(6)]
    rv = nist.random_excursions_variant(e, min_cycles_required=0)
    assert rv.statistics["xi"][rv.labels.index("-3")] == walk.count(-3)


def test_universal_distances_against_loop() -> None:
    e = _rand(400_000, 3)
    res = nist.universal(e)
    L, Q, K = res.statistics["L"], res.statistics["Q"], res.statistics["K"]
    vals = e[: (Q + K) * L].reshape(-1, L) @ (1 << np.arange(L - 1, -1, -1))
    T = np.zeros(2**L, dtype=np.int64)
    for i in range(Q):
        T[vals[i]] = i + 1
    s = 0.0
    for i in range(Q, Q + K):
        s += np.log2(i + 1 - T[vals[i]])
        T[vals[i]] = i + 1
    assert res.statistics["f_n"] == pytest.approx(s / K, rel=1e-12)
