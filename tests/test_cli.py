"""The command line, called through main(argv) and as a real console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from qtilab import Circuit, __version__
from qtilab.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_run_example_ghz_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(REPO / "examples" / "ghz.json"), "--shots", "1000", "--seed", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["counts"]) == {"000", "111"}
    assert sum(out["counts"].values()) == 1000
    assert out["n_qubits"] == 3


def test_run_statevector_probabilities_observable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "c.json"
    f.write_text(json.dumps(Circuit(2).h(0).to_dict()))
    assert main(["run", str(f), "--shots", "0", "--statevector", "--probabilities", "--observable", "X0", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["probabilities"] == pytest.approx([0.5, 0.5, 0, 0])
    assert out["statevector"][1] == pytest.approx([2**-0.5, 0])
    assert out["expectation"]["X0"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ('{"n_qubits": 2, "gates": [{"name": "h", "qubits": [3]}]}', "out of range"),
        ('{"n_qubits": 2, "gates": [{"name": "zap", "qubits": [0]}]}', "unknown gate"),
    ],
)
def test_run_bad_files_give_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str) -> None:
    f = tmp_path / "bad.json"
    f.write_text(content)
    assert main(["run", str(f)]) == 1
    assert message in capsys.readouterr().err


def test_run_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "/nonexistent/c.json"]) == 1
    assert "no such circuit file" in capsys.readouterr().err


def test_console_script_reads_stdin() -> None:
    exe = Path(sys.executable).parent / "qtilab"
    data = json.dumps(Circuit(1).x(0).to_dict())
    out = subprocess.run([str(exe), "run", "-", "--shots", "10", "--json"], input=data, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)["counts"] == {"1": 10}


def test_demo_core_part_writes_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--only", "core", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "GHZ" in out and "QFT" in out
    rep = json.loads((tmp_path / "core" / "report.json").read_text())
    assert rep["data"]["qft_max_error"] < 1e-10
    assert (tmp_path / "core" / "qft_counts.png").stat().st_size > 1000
