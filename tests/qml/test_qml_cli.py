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
    # the same problem and classifier built here (the CLI's documented defaults: ZZ map, scale
    # 0.5, 2 reps, C = 1, 70 % for training): the CLI must report exactly these accuracies
    import numpy as np

    from qtilab.qml.kernels import QSVC, QuantumKernel

    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, size=(40, 3))
    y = (X[:, 0] * X[:, 1] + 0.3 * X[:, 2] > 0).astype(int)
    clf = QSVC(kernel=QuantumKernel(feature_map="zz", scale=0.5, reps=2), C=1.0, random_state=1).fit(X[:28], y[:28])
    assert res["test_accuracy"] == clf.score(X[28:], y[28:])
    assert res["train_accuracy"] == clf.score(X[:28], y[:28]) > 0.6
    assert (tmp_path / "k" / "report.json").exists()
    assert main(["qml", "gradient", "--qubits", "4", "--layers", "2", "--check", "--json"]) == 0
    g = json.loads(capsys.readouterr().out)
    assert g["parameters"] == 16 and g["max_abs_difference"] < 1e-10


def test_demo_part_writes_a_report(tmp_path, capsys):
    from qtilab.cli.qml import demo_part

    demo_part(tmp_path, seed=1)
    assert (tmp_path / "report.md").exists()
    assert "adjoint gradient" in capsys.readouterr().out
