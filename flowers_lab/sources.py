"""Where a lesson's data comes from: an explicit path, the local cache, the real photos
downloaded when online, or the offline sample, in that order."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flowers_lab.data.schema import CLASSES
from flowers_lab.data.writer import existing_shards, write_shards
from flowers_lab.errors import DataError, one_line
from flowers_lab.facts import note

PHOTOS_URL = "https://storage.googleapis.com/download.tensorflow.org/example_images/flower_photos.tgz"
"""The public archive of the 3670 photos used by the TensorFlow tutorials (and the workshop)."""

SAMPLE_PER_CLASS = 100
"""Photos per class in the default offline sample."""


def data_root() -> Path:
    """``$FLOWERS_LAB_DATA``, else this checkout's ``data/``, else ``~/flowers-lab-data``."""
    if os.environ.get("FLOWERS_LAB_DATA"):
        return Path(os.environ["FLOWERS_LAB_DATA"])
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").exists() and (checkout / "data").is_dir():
        return checkout / "data"
    return Path.home() / "flowers-lab-data"


def shard_folder_name(size: int) -> str:
    """The workshop's name for shards of ``size`` px: ``tfrecords-jpeg-192x192``."""
    return f"tfrecords-jpeg-{size}x{size}"


@dataclass
class FlowerSource:
    """Data a lesson can use: a photo folder (lesson 1) and shards (the others)."""

    kind: str  # "explicit", "cache", "download" or "sample"
    photos: Path | None
    shards: Path

    def describe(self) -> str:
        """One line for a person."""
        what = {
            "explicit": "the path given",
            "cache": "real photos, converted earlier",
            "download": "real photos, downloaded now",
            "sample": "the offline synthetic sample",
        }
        return f"flowers_lab: data from {what[self.kind]}: shards {self.shards}" + (
            f", photos {self.photos}" if self.photos else ""
        )


def download_photos(root: Path | None = None) -> Path:
    """Download and unpack the public ``flower_photos`` archive (cached); return its folder."""
    import keras

    root = root or data_root()
    root.mkdir(parents=True, exist_ok=True)
    keras.utils.get_file("flower_photos", origin=PHOTOS_URL, untar=True, cache_dir=str(root), cache_subdir=".")
    folder = downloaded_photos(root)
    if folder is None:
        raise DataError(f"{root / 'flower_photos'}: the archive unpacked without the class folders")
    return folder


def downloaded_photos(root: Path) -> Path | None:
    """The class folders of a download under ``root``, if there is one.

    Keras 3 unpacks the archive to ``flower_photos/flower_photos/<class>``, older Keras
    to ``flower_photos/<class>``.
    """
    for folder in (root / "flower_photos" / "flower_photos", root / "flower_photos"):
        if (folder / CLASSES[0]).is_dir():
            return folder
    return None


def sample_folder(per_class: int = SAMPLE_PER_CLASS, seed: int = 0, root: Path | None = None) -> Path:
    """Where the offline sample of ``per_class`` photos and ``seed`` lives."""
    return (root or data_root()) / "sample" / f"per-class-{per_class}-seed-{seed}"


def make_sample(
    size: int = 192,
    per_class: int = SAMPLE_PER_CLASS,
    seed: int = 0,
    shards: int = 16,
    folder: Path | None = None,
    log: Callable[[str], None] | None = print,
) -> FlowerSource:
    """The offline sample as ``folder/flower_photos`` and ``size`` px shards beside them,
    made once and reused; ``folder`` defaults to ``sample_folder(per_class, seed)``."""
    from flowers_lab.synthetic.sample import write_sample_photos

    folder = Path(folder) if folder else sample_folder(per_class, seed)
    photos = write_sample_photos(folder / "flower_photos", per_class, seed, log=log)
    out = folder / shard_folder_name(size)
    if not existing_shards(out):
        write_shards(photos, out, size=size, shards=shards, seed=seed, log=log)
    return FlowerSource("sample", photos, out)


def resolve_data(
    path: str | Path | None = None,
    size: int = 192,
    online: bool = True,
    sample_per_class: int = SAMPLE_PER_CLASS,
    root: Path | None = None,
    log: Callable[[str], None] | None = print,
) -> FlowerSource:
    """The data a notebook should use, and says which.

    An explicit ``path`` (photo folder, shard folder or glob) wins; then real photos already
    converted to ``size`` px shards under the data root; then, when ``online``, the real
    photos downloaded and converted; then the offline sample.
    """
    root = root or data_root()
    found = _resolve(path, size, online, sample_per_class, root, log)
    note(data=found.kind, shards=str(found.shards))
    if log:
        log(found.describe())
    return found


def _resolve(path, size, online, sample_per_class, root, log) -> FlowerSource:
    if path:
        path = Path(path)
        if path.is_dir() and any((path / name).is_dir() for name in CLASSES):
            out = path.parent / shard_folder_name(size)
            if not existing_shards(out):
                write_shards(path, out, size=size, log=log)
            return FlowerSource("explicit", path, out)
        if not path.exists() and "*" not in str(path):
            raise DataError(f"{path}: no such file or folder")
        return FlowerSource("explicit", None, path)
    photos = downloaded_photos(root)
    cached = root / shard_folder_name(size)
    if photos and not existing_shards(cached):
        write_shards(photos, cached, size=size, log=log)
    if existing_shards(cached):
        return FlowerSource("cache", photos, cached)
    if online:
        try:
            photos = download_photos(root)
        except Exception as error:  # no network: any failure of the download means "offline"
            cause = one_line(str(error).split(" -- ")[-1])  # Keras puts the URL first, the cause last
            if log:
                log(f"flowers_lab: download failed ({cause}); using the offline sample")
        else:
            write_shards(photos, cached, size=size, log=log)
            return FlowerSource("download", photos, cached)
    return make_sample(size, sample_per_class, folder=sample_folder(sample_per_class, 0, root), log=log)
