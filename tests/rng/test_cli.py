"""``qtilab rng`` command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qtilab.cli import main


def test_rng_test_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rep"
    rc = main(["rng", "test", "pcg64", "--bits", "20000", "--sequences", "3", "--tests", "frequency", "runs",
               "longest_run", "--seed", "1", "--out", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "frequency" in text and "overall:" in text
    for name in ("report.json", "report.md", "report.html", "pvalue_histograms.png", "proportions.png"):
        assert (out / name).exists()
    data = json.loads((out / "report.json").read_text())
    assert data["data"]["n_sequences"] == 3 and set(data["data"]["tests"]) == {"frequency", "runs", "longest_run"}


def test_rng_test_json_and_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "bits.txt"
    p.write_text("01" * 500 + "\n")
    rc = main(["rng", "test", str(p), "--format", "ascii", "--bits", "1000", "--tests", "frequency", "runs", "--json"])
    assert rc == 3  # runs fails: the exit status says so
    d = json.loads(capsys.readouterr().out)
    assert d["tests"]["frequency"]["verdict"] == "pass"  # balanced
    assert d["tests"]["runs"]["verdict"] == "fail"  # alternating


def test_rng_bad_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "bad.txt"
    p.write_text("0101x")
    assert main(["rng", "test", str(p), "--format", "ascii", "--bits", "5"]) == 1
    assert "offset 4" in capsys.readouterr().err
    assert main(["rng", "test", str(tmp_path / "missing.bin")]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert main(["rng", "test", "pcg64", "--tests", "nope"]) == 1
    assert "unknown test" in capsys.readouterr().err
    short = tmp_path / "short.bin"
    short.write_bytes(b"\x00" * 10)
    assert main(["rng", "test", str(short), "--bits", "1000"]) == 1
    assert "ended after 80" in capsys.readouterr().err


def test_rng_montecarlo_and_sources(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rng", "sources"]) == 0
    assert "beamsplitter+toeplitz" in capsys.readouterr().out
    rc = main(["rng", "montecarlo", "sfc64", "--seed", "1", "--clusters", "2000", "--L", "8", "--walkers", "200",
               "--steps", "100", "--pi-max", "3", "--out", str(tmp_path / "mc")])
    assert rc == 0
    out = capsys.readouterr().out
    assert "Ising 8x8" in out and "pi hit-or-miss" in out
    assert (tmp_path / "mc" / "ising_bins.png").exists()


def test_rng_exit_status_follows_the_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    short = tmp_path / "short.txt"
    short.write_text("0110" * 12 + "01")  # 50 bits: no test applies
    rc = main(["rng", "test", str(short), "--format", "ascii", "--bits", "50"])
    assert rc == 4
    captured = capsys.readouterr()
    assert "overall: INCONCLUSIVE" in captured.out and "no test could run" in captured.err
    alt = tmp_path / "alt.txt"
    alt.write_text("01" * 500)
    assert main(["rng", "test", str(alt), "--format", "ascii", "--bits", "1000", "--tests", "runs"]) == 3
    assert "overall: FAIL" in capsys.readouterr().out
    assert main(["rng", "test", str(alt), "--format", "ascii", "--bits", "2000"]) == 1
