"""The import boundaries of DESIGN.md, checked with import-linter's contracts in pyproject.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    exe = Path(sys.executable).parent / "lint-imports"
    if not exe.exists() and shutil.which("lint-imports") is None:
        pytest.skip("import-linter is not installed (pip install 'qtilab[test]')")
    proc = subprocess.run([str(exe) if exe.exists() else "lint-imports"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


def _contract_names() -> list[str]:
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    cfg = tomllib.loads((REPO / "pyproject.toml").read_text())
    return [c["name"] for c in cfg["tool"]["importlinter"]["contracts"]]


def _architecture_packages() -> dict[str, int]:
    import re

    text = (REPO / "docs" / "architecture.md").read_text()
    rows = re.findall(r"^\| (\d) \| `qtilab\.(\w+)` \|", text, flags=re.M)
    return {name: int(layer) for layer, name in rows}


def test_architecture_names_every_package_that_exists() -> None:
    named = _architecture_packages()
    assert len(named) >= 10  # the table was found
    src = REPO / "src" / "qtilab"
    for name in named:
        assert (src / name / "__init__.py").exists() or (src / f"{name}.py").exists(), (
            f"docs/architecture.md names qtilab.{name}, which does not exist")
    for pkg in sorted(p.parent.name for p in src.glob("*/__init__.py")):
        assert pkg in named, f"src/qtilab/{pkg} is not in the layer table of docs/architecture.md"


def test_architecture_lists_exactly_the_import_contracts() -> None:
    text = (REPO / "docs" / "architecture.md").read_text()
    section = text.split("## Import contracts", 1)[1]
    listed = [line[2:].strip() for line in section.splitlines() if line.startswith("- ")]
    assert sorted(listed) == sorted(_contract_names())


def test_contracts_forbid_upward_imports_of_the_lower_layers() -> None:
    # the layer table's arrows for the engine layers: core and sim (layers 0-1) never import a
    # package of layers 2-4, and every one of them is forbidden by some contract
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover
        import tomli as tomllib  # type: ignore[no-redef]
    cfg = tomllib.loads((REPO / "pyproject.toml").read_text())
    forbidden: dict[str, set[str]] = {}
    for c in cfg["tool"]["importlinter"]["contracts"]:
        if c.get("type") == "forbidden":
            for s in c["source_modules"]:
                forbidden.setdefault(s, set()).update(c["forbidden_modules"])
    layers = _architecture_packages()
    for low in ("core", "sim"):
        for name, layer in layers.items():
            if layer >= 2:
                assert f"qtilab.{name}" in forbidden.get(f"qtilab.{low}", set()), (
                    f"no contract forbids qtilab.{low} -> qtilab.{name} (layer {layer})")
