"""``qtilab bench scaling`` (qtilab.cli.bench_scaling): the study on tiny sizes, and its QAOA
objective against a dense numpy reference written here."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from qtilab.cli import bench_scaling as S
from qtilab.errors import ConfigError


def tiny(**kw):
    cfg = S.ScalingConfig(
        qubits=[6, 8], gates=["h-high", "dense2q"], dtypes=["complex64"], repeats=2, min_sample_s=0.001, strong_n=6,
        threads=[1], pool_qubits=4, pool_circuits=20, pool_layers=1, pool_peer_circuits=1, peers=["qulacs"],
        qaoa_qubits=4, qaoa_instances=2, qaoa_particles=2, qaoa_iterations=2, qaoa_serial_iterations=1,
    )
    for k, v in kw.items():
        setattr(cfg, k, v)
    return cfg


def test_tiny_study_has_every_part():
    res = S.scaling_study(tiny())
    assert {(r["n"], r["dtype"], r["gate"]) for r in res.gate_rows} == {
        (n, "complex64", g) for n in (6, 8) for g in ("h-high", "dense2q")
    }
    for r in res.gate_rows:
        assert len(r["times"]) == 2 and r["median_s"] > 0
        nbytes = (1 << r["n"]) * np.dtype(r["dtype"]).itemsize
        assert r["bandwidth_gbs"] == pytest.approx(2 * nbytes / r["median_s"] / 1e9)
    assert {r["gate"] for r in res.strong_rows} == {"copy", "h-high", "dense2q"}
    names = [r["contender"] for r in res.pool_rows]
    assert names[0] == "qtilab (one batch)" and "qtilab (one by one)" in names
    assert res.qaoa["batched"]["batch"] == 4 and "one_by_one" in res.qaoa
    md = S.markdown(res)
    for heading in ("Time per gate", "Strong scaling", "Pool mode", "QAOA"):
        assert heading in md
    assert "load average" in md and res.machine["cores"] >= 1


def test_sizes_that_do_not_fit_are_skipped_and_listed():
    res = S.scaling_study(tiny(qubits=[6, 30], dtypes=list(S.DTYPES), max_memory_fraction=1e-9), parts=("gates",))
    assert res.gate_rows == [] and len(res.skipped) == 4  # both sizes, both dtypes
    assert "GiB" in res.skipped[0]
    with pytest.raises(ConfigError, match="gate"):
        S.scaling_study(tiny(gates=["toffoli"]))
    with pytest.raises(ConfigError, match="2..40"):
        S.scaling_study(tiny(qubits=[50]))


def test_qaoa_objective_against_dense_numpy():
    n, p = 5, 2
    graphs = [[(0, 1), (1, 2), (2, 3), (3, 4), (0, 4)], [(0, 2), (1, 3), (2, 4), (0, 3)]]
    qb = S.QaoaBatch(n, p, graphs)
    rng = np.random.default_rng(2)
    x = rng.uniform(0, 2, size=(4, 2 * p))
    members = np.array([0, 1, 1, 0])
    got = qb.energies(x, members)
    # reference: |+>^n, then exp(-i gamma C) (C diagonal, cut values) and exp(-i beta X) per qubit
    X = np.array([[0, 1], [1, 0]], dtype=complex)
    for r in range(4):
        g = graphs[members[r]]
        cut = np.array([sum(((k >> a) & 1) != ((k >> b) & 1) for a, b in g) for k in range(1 << n)], float)
        psi = np.full(1 << n, (1 << n) ** -0.5, dtype=complex)
        for k in range(p):
            psi = np.exp(-1j * x[r, k] * cut) * psi
            rx = np.cos(x[r, p + k]) * np.eye(2) - 1j * np.sin(x[r, p + k]) * X
            full = np.array([[1.0]])
            for _ in range(n):
                full = np.kron(full, rx)
            psi = full @ psi
        assert got[r] == pytest.approx(float(np.abs(psi) ** 2 @ cut), abs=1e-10)
    # the maximum cut by enumeration
    for gi, g in enumerate(graphs):
        best = max(sum(s[a] != s[b] for a, b in g) for s in itertools.product([0, 1], repeat=n))
        assert qb.maxcut[gi] == best


def test_cli_verb(tmp_path, capsys):
    from qtilab.cli import main

    assert main(["bench", "scaling", "--qubits", "6", "--repeats", "1", "--dtypes", "complex128", "--threads", "1",
                 "--strong-n", "6", "--parts", "gates,strong",
                 "--out", str(tmp_path / "sc")]) == 0
    assert "Time per gate" in capsys.readouterr().out
    assert (tmp_path / "sc" / "roofline.png").exists() and (tmp_path / "sc" / "report.json").exists()
    assert S._ints("10..26") == [10, 12, 14, 16, 18, 20, 22, 24, 26] and S._ints("3..5,9") == [3, 4, 5, 9]
