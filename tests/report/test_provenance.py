"""Provenance recorded in every report.json, checked against independent sources (hashlib, the
libraries' own __version__, the config given)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import scipy

from qtilab.errors import DataError
from qtilab.report import SCHEMA_VERSION, Report


@dataclass
class _Cfg:
    qubits: int = 4
    seed: int = 17
    split_seed: int = 3
    name: str = "x"


def test_provenance_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["qtilab", "hep", "qsvm", "--out", str(tmp_path)])
    inp = tmp_path / "events.bin"
    payload = bytes(range(256)) * 1000
    inp.write_bytes(payload)
    rep = Report("P", meta={"seed": 5}, config=_Cfg())
    digest = rep.add_input(inp, role="events")
    rep.add_generator_settings({"process": "ttH", "sqrt_s_TeV": 13.6, "seed": 9}, name="pythia8")
    rep.add_seed("bootstrap", 11)
    paths = rep.write(tmp_path / "out")
    doc = json.loads(paths["json"].read_text())
    p = doc["provenance"]
    assert doc["schema"] == p["schema"] == SCHEMA_VERSION == 2
    assert p["command"]["argv"] == ["qtilab", "hep", "qsvm", "--out", str(tmp_path)]
    assert p["command"]["qtilab_args"] == ["hep", "qsvm", "--out", str(tmp_path)]
    assert p["config"]["qubits"] == 4 and p["config"]["__class__"].endswith("_Cfg")
    assert p["seeds"] == {"seed": 17, "split_seed": 3, "bootstrap": 11}  # config first, meta's seed not twice
    assert digest == hashlib.sha256(payload).hexdigest()
    assert p["inputs"] == [{"path": str(inp.resolve()), "role": "events", "bytes": len(payload), "sha256": digest}]
    assert p["generators"] == [{"name": "pythia8", "settings": {"process": "ttH", "sqrt_s_TeV": 13.6, "seed": 9}}]
    assert p["versions"]["numpy"] == np.__version__ and p["versions"]["scipy"] == scipy.__version__
    assert p["versions"]["python"] == ".".join(map(str, sys.version_info[:3]))
    started = dt.datetime.fromisoformat(p["process_started"])
    written = dt.datetime.fromisoformat(p["written"])
    assert started <= written and p["wall_seconds"] >= 0
    assert p["machine"]["cpus"] >= 1
    # the Markdown and HTML show it
    md = paths["md"].read_text()
    assert "## Provenance" in md and digest in md and "pythia8" in md and "split_seed=3" in md


def test_only_loaded_libraries_are_listed(tmp_path: Path) -> None:
    code = (
        "import json, sys; from qtilab.report import Report; "
        f"Report('x').write(r'{tmp_path}'); "
        f"d = json.load(open(r'{tmp_path / 'report.json'}')); print(json.dumps(d['provenance']['versions']))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    versions = json.loads(out)
    assert "torch" not in versions and "scikit-learn" not in versions
    assert "numpy" in versions and "qtilab" in versions


def test_add_input_needs_an_existing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        Report("x").add_input(tmp_path / "missing.npz")


def test_config_must_be_a_dataclass_or_mapping() -> None:
    with pytest.raises(TypeError, match="dataclass instance or a mapping"):
        Report("x").set_config(42)
