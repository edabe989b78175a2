"""The catalogue: loading, validation (which entry is wrong), filters, the world outline."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from qtilab.catalogue import load, validate
from qtilab.catalogue.model import DEFAULT_PATH, known_countries
from qtilab.cli import main
from qtilab.cli.catalogue import cli_commands
from qtilab.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

GOOD = """
schema = 1
[partner."Uni A"]
country = "Italy"
kind = "university"
[partner."Lab B"]
country = "Japan"
kind = "laboratory"
[[activity]]
id = "one"
title = "One"
topic = "hep"
status = "active"
partners = ["Uni A", "Lab B"]
papers = ["p1"]
commands = ["qtilab hep qsvm"]
studies = ["hep/*"]
[[activity]]
id = "two"
title = "Two"
topic = "qml"
status = "planned"
partners = ["Lab B"]
[paper.p1]
title = "A paper"
authors = ["Doe, Jane"]
year = 2020
arxiv = "2001.00001"
"""


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "cat.toml"
    p.write_text(text)
    return p


def test_shipped_catalogue_is_consistent() -> None:
    cat = load()
    assert validate(cat, commands=cli_commands()) == []
    # the activities the programme lists (issue 20), each present once
    ids = {a.id for a in cat.activities}
    assert {"earth-observation", "qrng-montecarlo", "generative-models", "distributed-simulation",
            "algorithms-centre", "qgnn-tracking", "quantum-communication", "qml-as-a-service", "q-power",
            "us-labs-advisory", "qsvm-signal-background", "perceptron-benchmarking"} <= ids
    raw = tomllib.loads(DEFAULT_PATH.read_text())
    assert len(cat.activities) == len(raw["activity"])


def test_filters_against_the_raw_toml(tmp_path: Path) -> None:
    cat = load(_write(tmp_path, GOOD))
    assert [a.id for a in cat.filter(country="japan")] == ["one", "two"]
    assert [a.id for a in cat.filter(country="Italy")] == ["one"]
    assert [a.id for a in cat.filter(topic="qml")] == ["two"]
    assert [a.id for a in cat.filter(partner="uni")] == ["one"]
    assert [a.id for a in cat.filter(country="Italy", topic="qml")] == []
    # the shipped file: count Swiss activities independently from the raw TOML
    raw = tomllib.loads(DEFAULT_PATH.read_text())
    swiss = {n for n, p in raw["partner"].items() if p["country"] == "Switzerland"}
    expected = [a["id"] for a in raw["activity"] if swiss & set(a["partners"])]
    assert [a.id for a in load().filter(country="Switzerland")] == expected


def test_validator_names_unknown_country_and_missing_command(tmp_path: Path) -> None:
    bad = GOOD.replace('country = "Japan"', 'country = "Japland"').replace("qtilab hep qsvm", "qtilab hep nope")
    cat = load(_write(tmp_path, bad))
    problems = validate(cat, commands=cli_commands())
    assert any("'Lab B'" in p and "'Japland'" in p for p in problems), problems
    assert any("'one'" in p and "'qtilab hep nope'" in p and "does not exist" in p for p in problems), problems
    assert len(problems) == 2


def test_validator_other_problems(tmp_path: Path) -> None:
    bad = GOOD.replace('partners = ["Lab B"]', 'partners = ["Lab C"]').replace('topic = "qml"', 'topic = "cooking"')
    bad += '[paper.p2]\ntitle = "x"\nauthors = []\nyear = 2021\n'
    problems = validate(load(_write(tmp_path, bad)))
    text = "\n".join(problems)
    assert "partner 'Lab C' is not defined" in text
    assert "unknown topic 'cooking'" in text
    assert "paper 'p2': needs a doi or an arxiv id" in text
    assert "paper 'p2': cited by no activity" in text


def test_structure_errors_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"activity #1 \('one'\): unknown key\(s\) \['colour'\]"):
        load(_write(tmp_path, GOOD.replace('id = "one"', 'id = "one"\ncolour = "red"')))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load(_write(tmp_path, "[[activity]\n"))
    with pytest.raises(ConfigError, match="missing 'status'"):
        load(_write(tmp_path, GOOD.replace('status = "planned"\n', "")))


def test_cli_commands_are_read_from_the_parser() -> None:
    cmds = cli_commands()
    assert "qtilab hep qsvm" in cmds and "qtilab catalogue validate" in cmds
    assert "qtilab hep nope" not in cmds


def test_cli_list_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalogue", "validate"]) == 0
    assert main(["catalogue", "list", "--topic", "communication"]) == 0
    out = capsys.readouterr().out
    assert "quantum-communication" in out and "ID Quantique" in out and "qsvm" not in out
    bad = _write(tmp_path, GOOD.replace('country = "Italy"', 'country = "Atlantis"'))
    assert main(["catalogue", "validate", str(bad)]) == 1
    assert "unknown country 'Atlantis'" in capsys.readouterr().out


def test_world_outline_places_countries_where_they_are() -> None:
    from qtilab.catalogue.worldmap import country_rings, svg

    names = known_countries()
    assert len(names) == 177 and "Switzerland" in names
    rings = country_rings()

    def bbox(name: str) -> tuple[float, float, float, float]:
        pts = [p for r in rings[name] for p in r]
        return (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts))

    # geography, not the code: Switzerland spans about 5.96-10.49 E, 45.82-47.81 N
    lo_x, lo_y, hi_x, hi_y = bbox("Switzerland")
    assert 5.5 < lo_x < 6.5 and 10.0 < hi_x < 11.0 and 45.5 < lo_y < 46.2 and 47.5 < hi_y < 48.2
    # Japan lies between about 129 and 146 E, 31 and 46 N
    lo_x, lo_y, hi_x, hi_y = bbox("Japan")
    assert 128 < lo_x < 131 and 144 < hi_x < 147 and 30 < lo_y < 32 and 44.5 < hi_y < 46
    s = svg({"Italy": "two activities"})
    assert s.count("<path") == 176  # Antarctica is left out
    assert "<title>Italy: two activities</title>" in s
