"""`qtilab run` on OpenQASM files and standard input; `qtilab qasm convert`."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from qtilab.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CORPUS = Path(__file__).parent / "corpus"


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:  # type: ignore[type-arg]
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_run_qasm_file_json(capsys: pytest.CaptureFixture[str]) -> None:
    out = _json(capsys, ["run", str(EXAMPLES / "bell.qasm"), "--shots", "400", "--seed", "3", "--json",
                         "--probabilities", "--statevector", "--observable", "Z0 Z1"])
    assert out["n_qubits"] == 2 and out["n_clbits"] == 2 and out["method"] == "statevector"
    assert set(out["counts"]) == {"00", "11"} and sum(out["counts"].values()) == 400
    assert out["probabilities"] == pytest.approx([0.5, 0, 0, 0.5])
    assert out["expectation"]["Z0 Z1"] == pytest.approx(1.0)
    assert len(out["statevector"]) == 4 and out["statevector"][0] == pytest.approx([2**-0.5, 0])


def test_run_is_reproducible_and_reads_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    a = _json(capsys, ["run", str(EXAMPLES / "teleport.qasm"), "--shots", "300", "--seed", "5", "--json"])
    monkeypatch.setattr("sys.stdin", io.StringIO((EXAMPLES / "teleport.qasm").read_text()))
    b = _json(capsys, ["run", "-", "--shots", "300", "--seed", "5", "--json"])
    assert a["method"] == "branches"
    assert a["counts"] == b["counts"]


def test_run_mid_circuit_rejects_statevector(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(EXAMPLES / "teleport.qasm"), "--statevector"]) == 1
    assert "mixture" in capsys.readouterr().err


def test_run_with_input_parameters(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(EXAMPLES / "qft3.qasm")]) == 1
    assert "--param theta=" in capsys.readouterr().err
    out = _json(capsys, ["run", str(EXAMPLES / "qft3.qasm"), "--param", "theta=0.5", "--shots", "0",
                         "--probabilities", "--json"])
    # qft then inverse qft: ry(0.5) on q0, x on q2
    p = out["probabilities"]
    assert p[0b100] == pytest.approx(0.9387912809451864) and p[0b101] == pytest.approx(0.0612087190548136)


def test_run_reports_qasm_errors_with_position(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bad.qasm"
    f.write_text('OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\nhh q[0];\n')
    assert main(["run", str(f)]) == 1
    err = capsys.readouterr().err
    assert f"{f}:4:1: unknown gate 'hh'" in err


def test_qasm_convert_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out3 = tmp_path / "qft.qasm"
    assert main(["qasm", "convert", str(CORPUS / "qft4.qasm"), str(out3), "--version", "3"]) == 0
    assert out3.read_text().startswith("OPENQASM 3.0;")
    out_json = tmp_path / "qft.json"
    assert main(["qasm", "convert", str(out3), str(out_json)]) == 0
    assert json.loads(out_json.read_text())["n_qubits"] == 4
    assert main(["qasm", "convert", str(out_json), "-", "--version", "2"]) == 0
    assert capsys.readouterr().out.startswith("OPENQASM 2.0;")
