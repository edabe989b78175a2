"""Benchmarks measure the load instead of describing it, and install hints match the Makefile."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_no_benchmark_hard_codes_the_machine_load() -> None:
    bad = re.compile(r"(other engineers' jobs running|load average (about|near|of) \d|heavily loaded)", re.I)
    for f in sorted((REPO / "bench").glob("*.py")):
        for i, line in enumerate(f.read_text().splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith("#"):
                continue
            assert not bad.search(line), f"{f.name}:{i} describes the load instead of measuring it: {stripped}"


def test_peer_install_hints_match_the_makefile() -> None:
    makefile = (REPO / "Makefile").read_text()
    assert "PEERS_VENV ?= .venv-peers" in makefile and "'.[test,peers]'" in makefile
    for f in [*sorted((REPO / "bench").glob("*.py")), *sorted((REPO / "src" / "qtilab" / "cli").glob("bench*.py"))]:
        text = f.read_text()
        assert "pip install 'qtilab[peers]'" not in text, f"{f}: point to `make bench` / .venv-peers instead"
