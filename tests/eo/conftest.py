"""Fixtures of the eo tests: a real 20-patch, 13-band EuroSAT sample from tests/data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "eurosat_13band_20.npz"


@pytest.fixture(scope="session")
def raw13() -> dict[str, np.ndarray]:
    with np.load(DATA) as z:
        return {k: z[k] for k in z.files}


@pytest.fixture()
def ms_folder(tmp_path: Path, raw13: dict[str, np.ndarray]) -> Path:
    """The 20 real patches written as EuroSAT_MS GeoTIFFs: <root>/<Class>/<Class>_<n>.tif."""
    tifffile = pytest.importorskip("tifffile")
    root = tmp_path / "EuroSAT_MS"
    for img, src in zip(raw13["images_uint16"], raw13["source_files"]):
        cls, name = str(src).split("/")[-2:]
        (root / cls).mkdir(parents=True, exist_ok=True)
        tifffile.imwrite(root / cls / name, img)
    return root
