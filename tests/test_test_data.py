"""The test suite's reference data is in the repository (tests/data), with its sources noted."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"


def test_nist_data_is_in_the_repository() -> None:
    examples = json.loads((DATA / "nist" / "sp800_22_section2_examples.json").read_text())["examples"]
    assert len(examples) == 28
    packaged = resources.files("qtilab.rng").joinpath("data/template9").read_text()
    assert (DATA / "nist" / "template9").read_text() == packaged


def test_every_data_file_is_described() -> None:
    readme = (DATA / "README.md").read_text()
    for f in DATA.rglob("*"):
        if f.is_file() and f.name != "README.md":
            assert f"`{f.name}`" in readme, f"{f} is not described in tests/data/README.md"


def test_no_test_reads_outside_the_repository() -> None:
    # a clone alone runs the suite: no test may look for the sibling folder of shared material
    offenders = []
    needles = ['"shared"', "'shared'", "../shared"]
    for f in (REPO / "tests").rglob("*.py"):
        if f.name == Path(__file__).name:
            continue
        text = f.read_text()
        if any(n in text for n in needles):
            offenders.append(str(f.relative_to(REPO)))
    assert offenders == [], offenders
