"""``qtilab run --noise`` on OpenQASM input and ``qtilab noise ghz``, against closed forms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qtilab.cli import main

BELL = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[2];
creg c[2];
h q[0];
cx q[0],q[1];
measure q -> c;
"""

# only a 2-qubit depolarizing error p after CX: rho = (1 - p) |Phi+><Phi+| + p I/4
DEVICE = """
error_2q = 0.08
[[qubits]]
readout = [0.0, 0.0]
[[qubits]]
readout = [0.0, 0.0]
"""


@pytest.mark.parametrize("method", ["density_matrix", "trajectories"])
def test_run_with_noise_file_on_openqasm(tmp_path: Path, capsys: pytest.CaptureFixture[str], method: str) -> None:
    (tmp_path / "bell.qasm").write_text(BELL)
    (tmp_path / "dev.toml").write_text(DEVICE)
    rc = main(["run", str(tmp_path / "bell.qasm"), "--noise", str(tmp_path / "dev.toml"), "--method", method,
               "--trajectories", "1000", "--seed", "3", "--shots", "2000", "--observable", "Z0 Z1", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == method
    want = 1 - 0.08  # <Z0 Z1> = (1 - p) * 1 + p * 0
    got = out["expectation"]["Z0 Z1"]
    if method == "density_matrix":
        assert abs(got - want) < 1e-12
    else:
        assert abs(got - want) <= 5 * out["expectation_error"]["Z0 Z1"] + 1e-9
    counts = out["counts"]
    assert sum(counts.values()) == 2000 and counts.get("01", 0) + counts.get("10", 0) > 0


def test_noise_ghz_matches_the_closed_form(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "dev.toml").write_text(DEVICE)
    assert main(["noise", "ghz", "--sizes", "2", "--device", str(tmp_path / "dev.toml"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert abs(out["fidelities"][0] - (1 - 3 * 0.08 / 4)) < 1e-12


def test_run_noise_errors_are_clean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "bell.qasm").write_text(BELL)
    (tmp_path / "bad.toml").write_text("[[qubits]]\nt1 = 10.0\nt2 = 30.0\n")
    assert main(["run", str(tmp_path / "bell.qasm"), "--noise", str(tmp_path / "bad.toml")]) == 1
    assert "T2 = 30 > 2 T1 = 20" in capsys.readouterr().err
