"""``qtilab qkd network simulate`` and the qkd KMS part of ``qtilab demo``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("networkx")
pytest.importorskip("matplotlib")

from qtilab.cli import main  # noqa: E402


def test_network_simulate_from_toml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "net.toml"
    cfg.write_text(
        "[[link]]\na = 'A'\nb = 'B'\nrate_bps = 5000.0\ncapacity_bits = 1e4\n"
        "[[link]]\na = 'B'\nb = 'C'\ndistance_km = 30.0\npulse_rate_hz = 1e7\n"
        "[[demand]]\nsrc = 'A'\ndst = 'C'\nrate_per_s = 30.0\nkey_bits = 256\n"
    )
    rc = main(["qkd", "network", "simulate", "--config", str(cfg), "--duration", "5", "--dt", "0.05",
               "--seed", "3", "--json", "--out", str(tmp_path / "out")])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    (s,) = out["summary"]
    assert s["demand"] == "A->C" and s["requested"] == s["served"] + s["refused"] > 0
    # B-C makes 1e7 x ~5.9e-4 = 5.9 kbit/s < 30 x 256 = 7.7 kbit/s asked: some are refused
    assert s["refused"] > 0
    for name in ("report.json", "report.md", "report.html", "network_pools.png"):
        assert (tmp_path / "out" / name).stat().st_size > 0


def test_network_simulate_bad_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "net.toml"
    cfg.write_text("[[link]]\na = 'A'\nb = 'B'\nrate_bps = 5.0\n")
    assert main(["qkd", "network", "simulate", "--config", str(cfg)]) == 1
    assert "demand" in capsys.readouterr().err


@pytest.mark.server
def test_demo_part(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("fastapi")
    from qtilab.cli.qkd_kms import demo_part

    demo_part(tmp_path, seed=1)
    out = capsys.readouterr().out
    assert "identical at both SAEs: True" in out
    assert (tmp_path / "network" / "network_pools.png").exists()
    assert not list(tmp_path.rglob("*.key")), "the demo's private keys must not land in the report folder"
