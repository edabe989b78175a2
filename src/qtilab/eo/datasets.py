"""EuroSAT data: readers, band selection, spectral indices, normalisation, stratified splits.

EuroSAT (Helber et al., IEEE JSTARS 12, 2217 (2019)) has 27 000 Sentinel-2 patches of 64 x 64
pixels in 10 land-use classes, released as RGB JPEG folders and as 13-band GeoTIFF folders
(``<root>/<Class>/<Class>_<n>.jpg`` or ``.tif``). The readers here load either release (or an
``.npz`` file) into an :class:`EOData`: images of shape (N, H, W, C) as float32, with one name
per channel (``B01`` ... ``B12``, ``B8A``; the GeoTIFF band order is
``B01 B02 B03 B04 B05 B06 B07 B08 B09 B10 B11 B12 B8A``).

Multispectral values are top-of-atmosphere reflectance (digital number / 10 000). The RGB
release gives channels ``B04 B03 B02`` scaled to [0, 1] (JPEG values / 255), which are not
reflectances; spectral indices need the multispectral release.

Spectral indices (extra channels, computed from reflectances):

* NDVI = (B08 - B04) / (B08 + B04)  (vegetation; Rouse et al. 1974)
* NDWI = (B03 - B08) / (B03 + B08)  (open water; McFeeters 1996)
* NDBI = (B11 - B08) / (B11 + B08)  (built-up areas; Zha et al. 2003)

qtilab ships a reduced copy of a real 200-patch EuroSAT subset (20 patches per class, see
``qtilab/eo/data/README.md``): :func:`load_subset`.

Examples
--------
>>> from qtilab.eo.datasets import load_subset
>>> data = load_subset().with_indices(["ndvi"])
>>> data.images.shape, data.channels
((200, 32, 32, 6), ('B02', 'B03', 'B04', 'B08', 'B11', 'NDVI'))
>>> data.class_names[:3]
('AnnualCrop', 'Forest', 'HerbaceousVegetation')
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from qtilab._optional import require
from qtilab.errors import ConfigError, DataError

#: band order of the EuroSAT 13-band GeoTIFFs
SENTINEL2_BANDS: tuple[str, ...] = (
    "B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B09", "B10", "B11", "B12", "B8A",
)
#: the standard EuroSAT class order
EUROSAT_CLASSES: tuple[str, ...] = (
    "AnnualCrop", "Forest", "HerbaceousVegetation", "Highway", "Industrial",
    "Pasture", "PermanentCrop", "Residential", "River", "SeaLake",
)
#: spectral indices: name -> (a, b) for (a - b) / (a + b)
INDICES: dict[str, tuple[str, str]] = {
    "ndvi": ("B08", "B04"),
    "ndwi": ("B03", "B08"),
    "ndbi": ("B11", "B08"),
}
#: the channels of the RGB release, in file order (red, green, blue)
RGB_CHANNELS: tuple[str, ...] = ("B04", "B03", "B02")
SUBSET_FILE = "eurosat_subset_32px.npz"


@dataclass(frozen=True)
class EOData:
    """Labelled image patches.

    Attributes
    ----------
    images: float32 array (N, H, W, C).
    labels: int64 array (N,), indices into ``class_names``.
    class_names: one name per class.
    channels: one name per channel (band names such as ``B04``, or ``NDVI``...).
    sources: where each patch came from (file names).
    reflectance: whether band channels are reflectances (False for the RGB JPEG release).
    """

    images: np.ndarray
    labels: np.ndarray
    class_names: tuple[str, ...]
    channels: tuple[str, ...]
    sources: tuple[str, ...]
    reflectance: bool = True

    def __post_init__(self) -> None:
        im, lab = self.images, self.labels
        if im.ndim != 4:
            raise DataError(f"images must have shape (N, H, W, C), got {im.shape}")
        if lab.shape != (im.shape[0],):
            raise DataError(f"{lab.shape[0] if lab.ndim else 0} labels for {im.shape[0]} images")
        if im.shape[3] != len(self.channels):
            raise DataError(f"images have {im.shape[3]} channels but {len(self.channels)} channel names")
        if len(self.sources) != im.shape[0]:
            raise DataError(f"{len(self.sources)} source names for {im.shape[0]} images")
        if lab.size and (lab.min() < 0 or lab.max() >= len(self.class_names)):
            raise DataError(f"labels must lie in 0..{len(self.class_names) - 1}")

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def counts(self) -> np.ndarray:
        """Patches per class."""
        return np.bincount(self.labels, minlength=self.n_classes)

    def subset(self, index: Any) -> EOData:
        """The patches at ``index`` (an integer array or boolean mask), same classes and channels."""
        idx = np.arange(len(self))[index]
        return EOData(self.images[idx], self.labels[idx], self.class_names, self.channels,
                      tuple(self.sources[i] for i in idx), self.reflectance)

    def select(self, channels: Sequence[str]) -> EOData:
        """Keep ``channels`` (names, in the given order); indices are computed when missing."""
        names = [c.upper() for c in channels]
        if not names:
            raise ConfigError("select at least one channel")
        missing_idx = [c.lower() for c in names if c not in self.channels and c.lower() in INDICES]
        data = self.with_indices(missing_idx) if missing_idx else self
        unknown = [c for c in names if c not in data.channels]
        if unknown:
            raise ConfigError(f"channels {unknown} are not in the data (it has {list(data.channels)}; "
                              f"indices {sorted(INDICES)} can be computed from reflectances)")
        pos = [data.channels.index(c) for c in names]
        return EOData(np.ascontiguousarray(data.images[..., pos]), data.labels, data.class_names, tuple(names),
                      data.sources, data.reflectance)

    def with_indices(self, names: Sequence[str]) -> EOData:
        """Append spectral indices (``ndvi``, ``ndwi``, ``ndbi``) as extra channels."""
        extra = [spectral_index(self, n)[..., None] for n in names]
        if not extra:
            return self
        images = np.concatenate([self.images, *extra], axis=3).astype(np.float32)
        return EOData(images, self.labels, self.class_names, self.channels + tuple(n.upper() for n in names),
                      self.sources, self.reflectance)

    def classes(self, keep: Sequence[int]) -> EOData:
        """Only the classes ``keep`` (indices), relabelled 0..len(keep)-1 in the given order."""
        keep = [int(k) for k in keep]
        if len(set(keep)) != len(keep) or any(not 0 <= k < self.n_classes for k in keep):
            raise ConfigError(f"classes {keep} must be distinct indices in 0..{self.n_classes - 1}")
        mask = np.isin(self.labels, keep)
        sub = self.subset(mask)
        remap = {k: i for i, k in enumerate(keep)}
        labels = np.array([remap[int(v)] for v in sub.labels], dtype=np.int64)
        return EOData(sub.images, labels, tuple(self.class_names[k] for k in keep), sub.channels, sub.sources,
                      sub.reflectance)


def spectral_index(data: EOData, name: str) -> np.ndarray:
    """The normalised-difference index ``name`` (ndvi, ndwi, ndbi) of every patch, (N, H, W).

    Pixels where both bands are zero get index 0.
    """
    key = name.lower()
    if key not in INDICES:
        raise ConfigError(f"unknown index {name!r}; choose from {sorted(INDICES)}")
    if not data.reflectance:
        raise DataError(f"{key.upper()} needs reflectances; the RGB JPEG release has none. "
                        "Use the 13-band GeoTIFF release (EuroSAT_MS)")
    a, b = INDICES[key]
    for band in (a, b):
        if band not in data.channels:
            raise DataError(f"{key.upper()} needs band {band}, which the data lacks (channels {list(data.channels)})")
    x = data.images[..., data.channels.index(a)].astype(np.float64)
    y = data.images[..., data.channels.index(b)].astype(np.float64)
    den = x + y
    out = np.divide(x - y, den, out=np.zeros_like(den), where=den != 0)
    return out.astype(np.float32)


# ---------------------------------------------------------------------------------------------
# readers
# ---------------------------------------------------------------------------------------------
def _check_pixels(arr: np.ndarray, where: str) -> None:
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise DataError(f"{where}: {bad} NaN or infinite pixel values; remove or repair this file")


def _class_folders(root: Path, suffixes: tuple[str, ...]) -> list[tuple[str, list[Path]]]:
    if not root.is_dir():
        raise DataError(f"{root}: not a folder (expected EuroSAT's <root>/<Class>/<Class>_<n> files)")
    out = []
    for d in sorted(p for p in root.iterdir() if p.is_dir()):
        files = sorted((f for f in d.iterdir() if f.suffix.lower() in suffixes),
                       key=lambda f: (len(f.stem), f.stem))
        if files:
            out.append((d.name, files))
    if not out:
        raise DataError(f"{root}: no class folders with {'/'.join(suffixes)} files")
    return out


def _order_classes(names: list[str]) -> list[str]:
    """The standard EuroSAT order when the folder names are EuroSAT's, else alphabetical."""
    if set(names) <= set(EUROSAT_CLASSES):
        return [c for c in EUROSAT_CLASSES if c in names]
    return sorted(names)


def _read_folder(
    root: str | os.PathLike[str], suffixes: tuple[str, ...], read_one: Any, channels: tuple[str, ...],
    reflectance: bool, classes: Sequence[str] | None, max_per_class: int | None, size: int | None,
) -> EOData:
    root = Path(root)
    folders = dict(_class_folders(root, suffixes))
    names = _order_classes(list(folders))
    if classes is not None:
        unknown = [c for c in classes if c not in folders]
        if unknown:
            raise ConfigError(f"classes {unknown} not found under {root} (it has {names})")
        names = list(classes)
    images: list[np.ndarray] = []
    labels: list[int] = []
    sources: list[str] = []
    shape: tuple[int, ...] | None = None
    for k, cname in enumerate(names):
        files = folders[cname][:max_per_class] if max_per_class else folders[cname]
        for f in files:
            arr = read_one(f)
            if shape is None:
                shape = arr.shape
            elif arr.shape != shape:
                raise DataError(f"{f}: image shape {arr.shape} differs from the first image's {shape}")
            if size is not None and arr.shape[0] != size:
                arr = resize(arr[None], size)[0]
            images.append(arr)
            labels.append(k)
            sources.append(str(f.relative_to(root)))
    return EOData(np.stack(images).astype(np.float32), np.asarray(labels, dtype=np.int64), tuple(names), channels,
                  tuple(sources), reflectance)


def read_geotiff(path: str | os.PathLike[str]) -> np.ndarray:
    """One 13-band EuroSAT GeoTIFF as reflectance, float32 (H, W, 13).

    Band-first files (13, H, W) are transposed. Raises :class:`DataError` naming the file for
    another band count, a non-square or non-2-D image, or NaN pixels.
    """
    tifffile = require("tifffile", extra="eo")
    p = Path(path)
    try:
        arr = np.asarray(tifffile.imread(p))
    except (OSError, ValueError) as exc:  # tifffile raises ValueError/TiffFileError on bad files
        raise DataError(f"{p}: cannot read as TIFF ({exc})") from None
    if arr.ndim == 3 and arr.shape[0] == len(SENTINEL2_BANDS) and arr.shape[2] != len(SENTINEL2_BANDS):
        arr = np.moveaxis(arr, 0, 2)
    if arr.ndim != 3 or arr.shape[2] != len(SENTINEL2_BANDS):
        raise DataError(f"{p}: expected a 13-band image of shape (H, W, 13), got shape {arr.shape}")
    if arr.shape[0] != arr.shape[1]:
        raise DataError(f"{p}: expected a square patch, got {arr.shape[0]} x {arr.shape[1]} pixels")
    _check_pixels(arr, str(p))
    return (arr.astype(np.float32) / 10000.0).astype(np.float32)


def read_jpeg(path: str | os.PathLike[str]) -> np.ndarray:
    """One RGB EuroSAT JPEG as float32 (H, W, 3) in [0, 1] (channels B04, B03, B02)."""
    require("PIL", extra="eo")
    from PIL import Image, UnidentifiedImageError

    p = Path(path)
    try:
        with Image.open(p) as im:
            if im.mode != "RGB":
                raise DataError(f"{p}: expected an RGB image, got mode {im.mode!r} ({len(im.getbands())} bands)")
            arr = np.asarray(im, dtype=np.float32) / 255.0
    except (OSError, UnidentifiedImageError) as exc:
        raise DataError(f"{p}: cannot read as an image ({exc})") from None
    if arr.shape[0] != arr.shape[1]:
        raise DataError(f"{p}: expected a square patch, got {arr.shape[0]} x {arr.shape[1]} pixels")
    return arr


def read_eurosat_ms(
    root: str | os.PathLike[str], classes: Sequence[str] | None = None, max_per_class: int | None = None,
    size: int | None = None,
) -> EOData:
    """Read the 13-band GeoTIFF release (``<root>/<Class>/*.tif``) as reflectances.

    ``max_per_class`` keeps the first files of each class (in file-number order); ``size``
    resizes patches to ``size`` x ``size`` pixels (block mean / bilinear, see :func:`resize`).
    """
    return _read_folder(root, (".tif", ".tiff"), read_geotiff, SENTINEL2_BANDS, True, classes, max_per_class, size)


def read_eurosat_rgb(
    root: str | os.PathLike[str], classes: Sequence[str] | None = None, max_per_class: int | None = None,
    size: int | None = None,
) -> EOData:
    """Read the RGB JPEG release (``<root>/<Class>/*.jpg``); channels B04, B03, B02 in [0, 1]."""
    return _read_folder(root, (".jpg", ".jpeg", ".png"), read_jpeg, RGB_CHANNELS, False, classes, max_per_class, size)


def load_npz(path: str | os.PathLike[str]) -> EOData:
    """An ``.npz`` file in the layout of ``eurosat_subset.npz`` (``images_uint16`` in digital
    numbers plus ``band_names``) or of the shipped reduced copy (``images`` uint8 with
    ``band_min``/``band_max``)."""
    p = Path(path)
    if not p.is_file():
        raise DataError(f"{p}: no such file")
    try:
        z = np.load(p, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise DataError(f"{p}: cannot read as .npz ({exc})") from None
    with z:
        keys = set(z.files)
        need = {"labels", "class_names", "band_names"}
        if not need <= keys:
            raise DataError(f"{p}: missing arrays {sorted(need - keys)} (has {sorted(keys)})")
        bands = tuple(str(b) for b in z["band_names"])
        if "images_uint16" in keys:
            raw = z["images_uint16"]
            images = raw.astype(np.float32) / 10000.0
        elif {"images", "band_min", "band_max"} <= keys:
            u8 = z["images"]
            lo, hi = z["band_min"].astype(np.float64), z["band_max"].astype(np.float64)
            images = ((lo + u8.astype(np.float64) / 255.0 * (hi - lo)) / 10000.0).astype(np.float32)
        else:
            raise DataError(f"{p}: needs images_uint16, or images with band_min and band_max")
        labels = z["labels"].astype(np.int64)
        names = tuple(str(c) for c in z["class_names"])
        sources = tuple(str(s) for s in z["source_files"]) if "source_files" in keys else tuple(
            f"{p.name}[{i}]" for i in range(len(labels)))
    if images.ndim != 4 or images.shape[3] != len(bands):
        raise DataError(f"{p}: images have shape {images.shape}, expected (N, H, W, {len(bands)}) for its "
                        f"{len(bands)} band names")
    _check_pixels(images, str(p))
    return EOData(images, labels, names, bands, sources, True)


def load_eurosat(path: str | os.PathLike[str], max_per_class: int | None = None, size: int | None = None) -> EOData:
    """Load an ``.npz`` file, a GeoTIFF release folder or an RGB release folder, by what it holds."""
    p = Path(path)
    if p.is_file():
        data = load_npz(p)
        if max_per_class:
            keep = np.concatenate([np.flatnonzero(data.labels == k)[:max_per_class] for k in range(data.n_classes)])
            data = data.subset(np.sort(keep))
        if size is not None and data.images.shape[1] != size:
            data = EOData(resize(data.images, size), data.labels, data.class_names, data.channels, data.sources,
                          data.reflectance)
        return data
    if not p.is_dir():
        raise DataError(f"{p}: no such file or folder")
    suffixes = {f.suffix.lower() for d in p.iterdir() if d.is_dir() for f in d.iterdir()}
    if suffixes & {".tif", ".tiff"}:
        return read_eurosat_ms(p, max_per_class=max_per_class, size=size)
    if suffixes & {".jpg", ".jpeg", ".png"}:
        return read_eurosat_rgb(p, max_per_class=max_per_class, size=size)
    raise DataError(f"{p}: no class folders with .tif or .jpg files (EuroSAT layout <root>/<Class>/<file>)")


def load_subset() -> EOData:
    """The real EuroSAT subset shipped with qtilab: 200 patches (20 per class), 32 x 32 pixels,
    bands B02, B03, B04, B08, B11 as reflectances (see ``qtilab/eo/data/README.md``)."""
    ref = resources.files("qtilab.eo").joinpath("data", SUBSET_FILE)
    with resources.as_file(ref) as path:
        return load_npz(path)


def resize(images: np.ndarray, size: int) -> np.ndarray:
    """Resize (N, H, W, C) square patches to ``size`` x ``size``: an exact block mean when
    ``size`` divides H, else bilinear interpolation (torch)."""
    n, h, w, c = images.shape
    if size < 1:
        raise ConfigError(f"size must be >= 1, got {size}")
    if h == size and w == size:
        return images
    if h % size == 0 and w % size == 0:
        f = h // size
        return np.asarray(images.reshape(n, size, f, size, w // size, c).mean(axis=(2, 4)).astype(np.float32))
    torch = require("torch", extra="ml")
    t = torch.as_tensor(np.ascontiguousarray(images.transpose(0, 3, 1, 2)), dtype=torch.float32)
    out = torch.nn.functional.interpolate(t, size=(size, size), mode="bilinear", align_corners=False)
    return np.ascontiguousarray(out.numpy().transpose(0, 2, 3, 1))


# ---------------------------------------------------------------------------------------------
# normalisation, splits, display
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChannelScaler:
    """Per-channel standardisation with statistics from training images only."""

    mean: np.ndarray
    std: np.ndarray

    @classmethod
    def fit(cls, images: np.ndarray) -> ChannelScaler:
        mean = images.mean(axis=(0, 1, 2), dtype=np.float64)
        std = images.std(axis=(0, 1, 2), dtype=np.float64)
        return cls(mean.astype(np.float32), np.where(std > 1e-12, std, 1.0).astype(np.float32))

    def transform(self, images: np.ndarray) -> np.ndarray:
        if images.shape[-1] != self.mean.shape[0]:
            raise DataError(f"images have {images.shape[-1]} channels, the scaler was fitted on {self.mean.shape[0]}")
        return np.asarray(((images - self.mean) / self.std).astype(np.float32))


def stratified_splits(
    labels: np.ndarray, folds: int = 5, repeats: int = 1, seed: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """``repeats`` x ``folds`` (train, test) index pairs of repeated stratified k-fold CV."""
    from sklearn.model_selection import RepeatedStratifiedKFold

    labels = np.asarray(labels)
    counts = np.bincount(labels)
    counts = counts[counts > 0]
    if folds < 2:
        raise ConfigError(f"folds must be >= 2, got {folds}")
    if counts.min() < folds:
        raise DataError(f"the smallest class has {counts.min()} samples, fewer than folds={folds}; use fewer folds")
    cv = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    return [(tr, te) for tr, te in cv.split(np.zeros(len(labels)), labels)]


def false_colour(data: EOData, channels: Sequence[str] = ("B08", "B04", "B03")) -> np.ndarray:
    """Display images (N, H, W, 3) in [0, 1]: ``channels`` as red, green, blue (default: the
    near-infrared false-colour composite, vegetation in red), each stretched between its 2nd
    and 98th percentile over all patches. Falls back to B04, B03, B02 when a band is missing."""
    chans = [c for c in channels if c in data.channels]
    if len(chans) != 3:
        chans = [c for c in RGB_CHANNELS if c in data.channels]
    if len(chans) != 3:
        chans = list(data.channels[:3]) if data.images.shape[3] >= 3 else [data.channels[0]] * 3
    x = data.select(chans).images.astype(np.float64)
    lo = np.percentile(x, 2, axis=(0, 1, 2))
    hi = np.percentile(x, 98, axis=(0, 1, 2))
    return np.clip((x - lo) / np.where(hi > lo, hi - lo, 1.0), 0, 1)


__all__ = [
    "EOData",
    "ChannelScaler",
    "EUROSAT_CLASSES",
    "INDICES",
    "SENTINEL2_BANDS",
    "false_colour",
    "load_eurosat",
    "load_npz",
    "load_subset",
    "read_eurosat_ms",
    "read_eurosat_rgb",
    "read_geotiff",
    "read_jpeg",
    "resize",
    "spectral_index",
    "stratified_splits",
]
