"""``qtilab algo`` verbs print the answer beside the exact one and write reports."""

from __future__ import annotations

import json

import networkx as nx
import pytest

pytest.importorskip("matplotlib")

from qtilab.cli import main  # noqa: E402


def test_shor_verb_and_report(tmp_path, capsys):
    assert main(["algo", "shor", "15", "--seed", "1", "--out", str(tmp_path / "s")]) == 0
    out = capsys.readouterr().out
    assert "factors (quantum)  (3, 5)" in out and "factors (exact)    (3, 5)" in out
    assert (tmp_path / "s" / "phase_histogram.png").exists()
    assert json.loads((tmp_path / "s" / "report.json").read_text())["data"]["factors"] == [3, 5]


def test_shor_rejects_prime(capsys):
    assert main(["algo", "shor", "13"]) == 1
    assert "prime" in capsys.readouterr().err


def test_vqe_verb_json(tmp_path, capsys):
    assert main(["algo", "vqe", "--problem", "tfim", "--qubits", "3", "--layers", "2", "--ansatz", "real_amplitudes",
                 "--seed", "1", "--json", "--out", str(tmp_path / "v")]) == 0
    res = json.loads(capsys.readouterr().out)
    assert abs(res["energy"] - res["exact_energy"]) < 1e-5
    assert (tmp_path / "v" / "convergence.png").exists() and (tmp_path / "v" / "energy_error.png").exists()


def test_qaoa_verb_reads_an_edge_list(tmp_path, capsys):
    f = tmp_path / "g.txt"
    f.write_text("# a weighted square with a diagonal\n0 1 1.0\n1 2 2.0\n2 3 1.0\n3 0 1.5\n0 2 0.5\n")
    assert main(["algo", "qaoa", "--graph", str(f), "--p", "1", "--seed", "2", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["optimum"] == pytest.approx(5.5)  # cut {0, 2} | {1, 3}: 1 + 2 + 1 + 1.5
    assert res["expectation"] <= res["optimum"]
    g = nx.cycle_graph(3)
    g.add_edge(1, 1)
    f2 = tmp_path / "loop.json"
    f2.write_text(json.dumps(nx.node_link_data(g, edges="links")))
    assert main(["algo", "qaoa", "--graph", str(f2)]) == 1
    assert "self-loop" in capsys.readouterr().err


def test_grover_and_qpe_verbs(tmp_path, capsys):
    assert main(["algo", "grover", "--qubits", "4", "--marked", "3", "--seed", "1", "--out", str(tmp_path / "g")]) == 0
    assert "marked: True" in capsys.readouterr().out
    assert main(["algo", "grover", "--qubits", "4", "--marked", "16"]) == 1
    capsys.readouterr()
    assert main(["algo", "qpe", "--qubits", "2", "--counting", "5", "--seed", "1", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert abs(r["energy"] - r["exact"]) <= r["resolution"]


@pytest.mark.slow
def test_demo_part(tmp_path, capsys):
    from qtilab.cli.algo import demo_part

    demo_part(tmp_path, seed=1)
    out = capsys.readouterr().out
    assert "Shor N=21: factors (3, 7) (exact (3, 7))" in out
    assert (tmp_path / "report.md").exists() and (tmp_path / "vqe_convergence.png").exists()
