"""Finding photos in class folders and turning each into a square RGB JPEG."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from flowers_lab.errors import DataError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".bmp")


@dataclass
class PhotoFolder:
    """The photos found under a folder of class sub-folders, and what was left out."""

    photos: list[tuple[Path, int]]
    classes: tuple[str, ...]
    per_class: dict[str, int]
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def scan_photos(root: str | Path, classes: Sequence[str]) -> PhotoFolder:
    """List ``root/<class>/*`` for each class, in sorted order.

    Sub-folders that are not one of ``classes`` are skipped and reported; so are files
    whose name is not an image's. An empty or missing class folder counts zero photos.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: not a folder of class sub-folders")
    classes = tuple(classes)
    found = PhotoFolder(photos=[], classes=classes, per_class={c: 0 for c in classes})
    for entry in sorted(root.iterdir()):
        if entry.is_dir() and entry.name not in classes:
            found.skipped.append((entry, f"folder is not one of the classes {', '.join(classes)}"))
    for index, name in enumerate(classes):
        folder = root / name
        files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
        for path in files:
            if path.suffix.lower() in IMAGE_SUFFIXES:
                found.photos.append((path, index))
                found.per_class[name] += 1
            else:
                found.skipped.append((path, "not an image file"))
    return found


def square_jpeg(path: str | Path, size: int) -> tuple[bytes, bool]:
    """Read any photo Pillow can open, upright and in RGB, resized to fill ``size`` x ``size``
    and centre-cropped; return its JPEG bytes and whether it had to be enlarged.

    Raises ``ValueError`` with a short reason when the file is not a readable image.
    """
    try:
        with Image.open(path) as opened:
            image: Image.Image = ImageOps.exif_transpose(opened)
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValueError(f"not a readable image ({error})") from None
    image = _to_rgb(image)
    enlarged = min(image.size) < size
    image = ImageOps.fit(image, (size, size), method=Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    # As the workshop's writer: quality 95, optimised, no chroma subsampling.
    image.save(buffer, "JPEG", quality=95, optimize=True, subsampling=0)
    return buffer.getvalue(), enlarged


def _to_rgb(image: Image.Image) -> Image.Image:
    """RGB of any mode; transparency is laid over white."""
    if image.mode == "P" and "transparency" in image.info:
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA"):
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")
