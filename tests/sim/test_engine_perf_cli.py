"""``qtilab bench statevector``: runs qtilab (peers skipped when missing) and checks input."""

from __future__ import annotations

import pytest

from qtilab.cli import main


def test_bench_statevector_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "statevector", "--qubits", "6", "--repeats", "1", "--workloads", "qft,layered", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    assert "qft-6" in out and "layered-6" in out
    assert "qtilab" in out


def test_bench_statevector_rejects_unknown_workload(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "statevector", "--qubits", "6", "--workloads", "nope"]) == 1
    assert "unknown workload" in capsys.readouterr().err
