"""``qtilab qml`` command group and its demo part."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("sklearn")

from qtilab.cli import main  # noqa: E402


def test_qml_kernel_and_gradient_verbs(tmp_path, capsys):
    assert main(["qml", "kernel", "--samples", "40", "--features", "3", "--seed", "1", "--json",
                 "--out", str(tmp_path / "k")]) == 0
    res = json.loads(capsys.readouterr().out)
    assert 0.0 <= res["test_accuracy"] <= 1.0
    assert (tmp_path / "k" / "report.json").exists()
    assert main(["qml", "gradient", "--qubits", "4", "--layers", "2", "--check", "--json"]) == 0
    g = json.loads(capsys.readouterr().out)
    assert g["parameters"] == 16 and g["max_abs_difference"] < 1e-10


def test_demo_part_writes_a_report(tmp_path, capsys):
    from qtilab.cli.qml import demo_part

    demo_part(tmp_path, seed=1)
    assert (tmp_path / "report.md").exists()
    assert "adjoint gradient" in capsys.readouterr().out
