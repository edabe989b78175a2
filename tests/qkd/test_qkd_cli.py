"""``qtilab qkd simulate`` / ``qtilab qkd keyrate`` and the demo part."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qtilab.cli import main


def test_simulate_json(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["qkd", "simulate", "--protocol", "bb84-decoy", "--distance", "20", "--pulses", "1e6", "--seed", "1", "--json"])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    assert d["config"]["pulses"] == 1_000_000 and d["config"]["distance_km"] == 20.0
    assert d["status"] == "ok" and d["final_keys_equal"] is True and d["final_key_bits"] > 0


def test_simulate_abort_is_a_result(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc = main(["qkd", "simulate", "--distance", "10", "--pulses", "5e5", "--eve", "intercept-resend", "--seed", "2", "--out", str(tmp_path)])
    assert rc == 0
    out = capsys.readouterr().out
    assert "aborted: QBER" in out and "> threshold 11.0 %" in out
    rep = json.loads((tmp_path / "report.json").read_text())
    assert rep["data"]["status"] == "aborted"


def test_simulate_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["qkd", "simulate", "--nu", "0.9", "--mu", "0.5", "--pulses", "1e5"]) == 1
    assert "nu + vacuum < mu" in capsys.readouterr().err
    assert main(["qkd", "simulate", "--params", "nope", "--pulses", "1e5"]) == 1
    with pytest.raises(SystemExit):
        main(["qkd", "simulate", "--pulses", "1.5"])


def test_keyrate_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rc = main(["qkd", "keyrate", "--from", "0", "--to", "200", "--params", "gys", "--simulate-at", "50", "--pulses", "1e6", "--seed", "3", "--out", str(tmp_path)])
    assert rc == 0
    out = capsys.readouterr().out
    assert "zero at 142.2 km" in out and "simulated 50 km" in out
    assert (tmp_path / "keyrate.png").stat().st_size > 1000
    d = json.loads((tmp_path / "report.json").read_text())["data"]
    assert len(d["curve"]["distance_km"]) == 201 and d["simulations"][0]["distance_km"] == 50.0
    assert main(["qkd", "keyrate", "--from", "50", "--to", "10"]) == 1


def test_demo_part(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from qtilab.cli.qkd_link import demo_part

    demo_part(tmp_path, 1)
    out = capsys.readouterr().out
    assert "142.2 km" in out and "Alice == Bob: True" in out and "aborted: QBER" in out
    assert (tmp_path / "keyrate" / "report.html").exists() and (tmp_path / "link" / "report.md").exists()
