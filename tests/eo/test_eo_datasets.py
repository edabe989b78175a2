"""EuroSAT readers, indices, splits and the shipped subset, checked against the real patches in
tests/data and explicit numpy formulas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qtilab.eo import datasets as D
from qtilab.errors import ConfigError, DataError

pytest.importorskip("tifffile")


def test_shipped_subset_matches_the_real_patches(raw13: dict[str, np.ndarray]) -> None:
    data = D.load_subset()
    assert data.images.shape == (200, 32, 32, 5)
    assert data.channels == ("B02", "B03", "B04", "B08", "B11")
    assert data.class_names == D.EUROSAT_CLASSES
    assert np.array_equal(data.counts(), np.full(10, 20))
    # independent reference: 2 x 2 block mean of the original digital numbers / 10000
    from importlib import resources

    with resources.as_file(resources.files("qtilab.eo").joinpath("data", D.SUBSET_FILE)) as f, np.load(f) as z:
        half_step = 0.5 * (z["band_max"] - z["band_min"]) / 255 / 10000  # uint8 storage, per band
    bands = [list(raw13["band_names"]).index(b) for b in data.channels]
    for k, (img, src) in enumerate(zip(raw13["images_uint16"], raw13["source_files"])):
        i = data.sources.index(str(src))
        ref = img[..., bands].astype(float).reshape(32, 2, 32, 2, 5).mean(axis=(1, 3)) / 10000
        assert np.all(np.abs(data.images[i] - ref) <= half_step * 1.001 + 1e-7)
        assert data.labels[i] == int(raw13["labels"][k])


def test_spectral_indices_follow_their_formulas(raw13: dict[str, np.ndarray]) -> None:
    data = D.load_npz(Path(__file__).resolve().parents[1] / "data" / "eurosat_13band_20.npz")
    names = list(raw13["band_names"])
    r = raw13["images_uint16"].astype(float)
    b03, b04, b08, b11 = (r[..., names.index(b)] for b in ("B03", "B04", "B08", "B11"))
    np.testing.assert_allclose(D.spectral_index(data, "ndvi"), (b08 - b04) / (b08 + b04), atol=1e-6)
    np.testing.assert_allclose(D.spectral_index(data, "NDWI"), (b03 - b08) / (b03 + b08), atol=1e-6)
    np.testing.assert_allclose(D.spectral_index(data, "ndbi"), (b11 - b08) / (b11 + b08), atol=1e-6)
    # physics: water (SeaLake) has negative NDVI, forest the highest NDVI
    ndvi = D.spectral_index(data, "ndvi").mean(axis=(1, 2))
    lab = data.labels
    assert ndvi[lab == 9].max() < 0 < ndvi[lab == 1].min()
    sel = data.select(["B04", "NDVI"])
    assert sel.channels == ("B04", "NDVI") and sel.images.shape[-1] == 2
    with pytest.raises(ConfigError, match="unknown index"):
        D.spectral_index(data, "evi")
    with pytest.raises(ConfigError, match="not in the data"):
        data.select(["B99"])


def test_geotiff_reader_reads_the_ms_release_layout(ms_folder: Path, raw13: dict[str, np.ndarray]) -> None:
    data = D.read_eurosat_ms(ms_folder)
    assert data.channels == D.SENTINEL2_BANDS
    assert data.class_names == D.EUROSAT_CLASSES
    assert np.array_equal(data.counts(), np.full(10, 2))
    for img, src in zip(raw13["images_uint16"], raw13["source_files"]):
        i = data.sources.index("/".join(str(src).split("/")[-2:]))
        np.testing.assert_allclose(data.images[i], img / 10000.0, rtol=1e-6)
    small = D.load_eurosat(ms_folder, max_per_class=1, size=32)
    assert small.images.shape == (10, 32, 32, 13)
    two = D.read_eurosat_ms(ms_folder, classes=["SeaLake", "Forest"])
    assert two.class_names == ("SeaLake", "Forest") and np.array_equal(two.counts(), [2, 2])


def test_geotiff_bad_input_names_the_file(tmp_path: Path, raw13: dict[str, np.ndarray]) -> None:
    import tifffile

    img = raw13["images_uint16"][0]
    p12 = tmp_path / "twelve.tif"
    tifffile.imwrite(p12, img[..., :12])
    with pytest.raises(DataError, match=r"twelve\.tif.*13-band"):
        D.read_geotiff(p12)
    pnan = tmp_path / "nan.tif"
    f = img.astype(np.float32)
    f[3, 4, 5] = np.nan
    tifffile.imwrite(pnan, f)
    with pytest.raises(DataError, match=r"nan\.tif: 1 NaN"):
        D.read_geotiff(pnan)
    prect = tmp_path / "rect.tif"
    tifffile.imwrite(prect, img[:40])
    with pytest.raises(DataError, match=r"rect\.tif.*square"):
        D.read_geotiff(prect)
    # band-first files are accepted
    pbf = tmp_path / "bandfirst.tif"
    tifffile.imwrite(pbf, np.moveaxis(img, 2, 0))
    np.testing.assert_allclose(D.read_geotiff(pbf), img / 10000.0, rtol=1e-6)
    with pytest.raises(DataError, match="not a folder"):
        D.read_eurosat_ms(tmp_path / "nowhere")


def test_mixed_patch_sizes_are_rejected(ms_folder: Path, raw13: dict[str, np.ndarray]) -> None:
    import tifffile

    bad = ms_folder / "Forest" / "Forest_99.tif"
    tifffile.imwrite(bad, raw13["images_uint16"][0][:32, :32])
    with pytest.raises(DataError, match="Forest_99.tif: image shape"):
        D.read_eurosat_ms(ms_folder)


def test_jpeg_reader(tmp_path: Path, raw13: dict[str, np.ndarray]) -> None:
    Image = pytest.importorskip("PIL.Image")
    names = list(raw13["band_names"])
    rgb = np.clip(raw13["images_uint16"][..., [names.index(b) for b in ("B04", "B03", "B02")]] / 3000 * 255, 0, 255)
    rgb = rgb.astype(np.uint8)
    for k, (img, src) in enumerate(zip(rgb, raw13["source_files"])):
        cls = str(src).split("/")[-2]
        (tmp_path / "rgb" / cls).mkdir(parents=True, exist_ok=True)
        Image.fromarray(img).save(tmp_path / "rgb" / cls / f"{cls}_{k}.jpg", quality=95)
    data = D.load_eurosat(tmp_path / "rgb")
    assert data.channels == D.RGB_CHANNELS and not data.reflectance
    assert data.images.shape == (20, 64, 64, 3)
    order = [data.sources.index(f"{str(s).split('/')[-2]}/{str(s).split('/')[-2]}_{k}.jpg")
             for k, s in enumerate(raw13["source_files"])]
    assert np.mean(np.abs(data.images[order] - rgb / 255.0)) < 0.02  # JPEG at quality 95
    with pytest.raises(DataError, match="needs reflectances"):
        data.with_indices(["ndvi"])
    grey = tmp_path / "grey.jpg"
    Image.fromarray(rgb[0, ..., 0]).save(grey)
    with pytest.raises(DataError, match=r"grey\.jpg: expected an RGB image"):
        D.read_jpeg(grey)


def test_npz_errors(tmp_path: Path) -> None:
    p = tmp_path / "x.npz"
    np.savez(p, labels=np.zeros(2, int), class_names=np.array(["a"]))
    with pytest.raises(DataError, match=r"x\.npz: missing arrays \['band_names'\]"):
        D.load_npz(p)
    q = tmp_path / "nan.npz"
    img = np.ones((2, 16, 16, 2), np.float32)
    img[1, 0, 0, 0] = np.nan
    np.savez(q, images=img, band_min=np.zeros(2), band_max=np.ones(2), labels=np.zeros(2, int),
             class_names=np.array(["a"]), band_names=np.array(["B04", "B08"]))
    with pytest.raises(DataError, match=r"nan\.npz: 1 NaN"):
        D.load_npz(q)
    with pytest.raises(DataError, match="no such file"):
        D.load_eurosat(tmp_path / "missing.npz")


def test_stratified_splits_partition_and_balance() -> None:
    labels = np.repeat(np.arange(4), 10)
    splits = D.stratified_splits(labels, folds=5, repeats=2, seed=3)
    assert len(splits) == 10
    for r in range(2):
        tests = np.concatenate([te for _, te in splits[5 * r:5 * r + 5]])
        assert np.array_equal(np.sort(tests), np.arange(40))  # each repeat partitions the data
    for tr, te in splits:
        assert np.array_equal(np.bincount(labels[te]), [2, 2, 2, 2])
        assert not set(tr) & set(te)
    with pytest.raises(DataError, match="fewer than folds"):
        D.stratified_splits(np.array([0, 0, 1]), folds=2)


def test_scaler_uses_training_statistics() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=(50, 8, 8, 3)).astype(np.float32)
    sc = D.ChannelScaler.fit(x)
    z = sc.transform(x)
    np.testing.assert_allclose(z.mean(axis=(0, 1, 2)), 0, atol=1e-5)
    np.testing.assert_allclose(z.std(axis=(0, 1, 2)), 1, atol=1e-4)
    with pytest.raises(DataError, match="channels"):
        sc.transform(x[..., :2])


def test_false_colour_is_in_range() -> None:
    fc = D.false_colour(D.load_subset())
    assert fc.shape == (200, 32, 32, 3) and fc.min() >= 0 and fc.max() <= 1
