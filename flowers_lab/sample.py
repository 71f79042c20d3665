"""A deterministic offline sample of synthetic flower photos, for tests and offline lessons.

Each class has its own build: daisies have many thin white petals round a yellow disc,
dandelions a dense yellow pompom (sometimes a white seed head), sunflowers yellow petals
round a large dark disc, roses rings of round overlapping petals, tulips a cup of tall petals
seen from the side. Colours overlap between classes (yellow, white, pink, red), and petal
counts, size, centre, tilt, rotation, stems, background clutter, lighting, blur and noise
vary, so shape has to be learned: a small convnet needs a few epochs to pass 70% validation
accuracy, and a dense classifier on raw pixels does clearly worse.
Image ``i`` of a class depends only on (seed, class, i), and the same seed gives
byte-identical JPEG files.
"""

from __future__ import annotations

import io
import json
import math
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from flowers_lab.errors import DataError
from flowers_lab.schema import CLASSES

PHOTO_SIZES = ((320, 240), (240, 320), (288, 288))
"""Width x height of the generated photos: landscape, portrait, square, as real snapshots."""

_BACKGROUNDS = [(70, 110, 50), (95, 140, 60), (120, 100, 70), (140, 170, 210), (90, 90, 85), (60, 80, 40)]
_PINKS_REDS = [(200, 30, 40), (230, 90, 140), (250, 160, 190), (170, 20, 60), (240, 120, 110)]
_YELLOW, _ORANGE, _WHITE, _LILAC = (250, 210, 30), (250, 140, 30), (245, 245, 240), (200, 150, 230)


def _pick(rng: np.random.Generator, weighted: list[tuple[float, tuple]]) -> tuple:
    """A colour from (weight, colour) pairs."""
    weights = np.array([w for w, _ in weighted])
    return weighted[int(rng.choice(len(weighted), p=weights / weights.sum()))][1]


def _jitter(rng: np.random.Generator, colour, amount: int = 25) -> tuple[int, int, int]:
    shift = rng.integers(-amount, amount + 1, size=3).tolist()
    return tuple(min(255, max(0, int(c) + d)) for c, d in zip(colour, shift, strict=True))


def _ellipse(cx, cy, a, b, angle, tilt, centre, n=14):
    """Polygon of an ellipse (semi-axes a, b) at (cx, cy) turned by ``angle``, the whole
    flower squashed vertically by ``tilt`` about ``centre``."""
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    x, y = a * np.cos(t), b * np.sin(t)
    xr = cx + x * math.cos(angle) - y * math.sin(angle)
    yr = cy + x * math.sin(angle) + y * math.cos(angle)
    yr = centre[1] + (yr - centre[1]) * tilt
    return list(zip(xr.tolist(), yr.tolist(), strict=True))


def _petal_ring(draw, rng, centre, radius, count, length, width, colour, tilt, spin, jitter=18):
    """``count`` petals of ``length`` x ``width`` pointing out from ``centre``."""
    cx, cy = centre
    for k in range(count):
        angle = spin + 2 * math.pi * k / count + rng.normal(0, 0.05)
        reach = radius + length / 2
        px, py = cx + reach * math.cos(angle), cy + reach * math.sin(angle)
        draw.polygon(_ellipse(px, py, length / 2, width / 2, angle, tilt, centre), fill=_jitter(rng, colour, jitter))


def _disc(draw, rng, centre, radius, colour, tilt, dots=0, dot_colour=(0, 0, 0)):
    cx, cy = centre
    draw.polygon(_ellipse(cx, cy, radius, radius, 0, tilt, centre, n=24), fill=_jitter(rng, colour, 12))
    for _ in range(dots):
        r, a = radius * math.sqrt(rng.random()) * 0.9, rng.random() * 2 * math.pi
        x, y = cx + r * math.cos(a), centre[1] + r * math.sin(a) * tilt
        draw.ellipse([x - 1.2, y - 1.2, x + 1.2, y + 1.2], fill=_jitter(rng, dot_colour, 20))


def _daisy(draw, rng, centre, r, tilt, spin):
    white = _pick(rng, [(0.6, _WHITE), (0.15, (240, 190, 220)), (0.15, _LILAC), (0.1, _YELLOW)])
    _petal_ring(draw, rng, centre, r * 0.22, int(rng.integers(12, 23)), r * rng.uniform(0.65, 0.8),
                r * rng.uniform(0.14, 0.22), white, tilt, spin, jitter=10)
    _disc(draw, rng, centre, r * rng.uniform(0.22, 0.3), (240, 190, 30), tilt, dots=12, dot_colour=(200, 140, 20))


def _dandelion(draw, rng, centre, r, tilt, spin):
    if rng.random() < 0.15:  # a seed head: a grey-white puff of fine rays
        for k in range(int(rng.integers(60, 90))):
            a = 2 * math.pi * k / 75 + rng.normal(0, 0.1)
            end = (centre[0] + r * 0.8 * math.cos(a), centre[1] + r * 0.8 * math.sin(a) * tilt)
            draw.line([centre, end], fill=_jitter(rng, (225, 225, 220), 15), width=1)
        _disc(draw, rng, centre, r * 0.12, (150, 130, 90), tilt)
        return
    yellow = _pick(rng, [(0.8, _YELLOW), (0.2, _ORANGE)])
    for layer, reach in enumerate((0.85, 0.65, 0.45)):
        length = r * reach * rng.uniform(0.55, 0.75)
        _petal_ring(draw, rng, centre, r * reach - length, int(rng.integers(36, 56)), length,
                    r * rng.uniform(0.05, 0.08), _jitter(rng, yellow, 10), tilt, spin + layer * 0.07, jitter=15)
    _disc(draw, rng, centre, r * 0.16, (235, 175, 10), tilt)


def _sunflower(draw, rng, centre, r, tilt, spin):
    petal = _pick(rng, [(0.6, _YELLOW), (0.25, _ORANGE), (0.15, (180, 40, 30))])
    _petal_ring(draw, rng, centre, r * 0.45, int(rng.integers(16, 28)), r * rng.uniform(0.45, 0.6),
                r * rng.uniform(0.2, 0.26), petal, tilt, spin)
    _disc(draw, rng, centre, r * rng.uniform(0.45, 0.55), (90, 55, 20), tilt, dots=40, dot_colour=(50, 30, 10))


def _rose(draw, rng, centre, r, tilt, spin):
    colour = _pick(rng, [(0.6, _PINKS_REDS[int(rng.integers(len(_PINKS_REDS)))]), (0.15, _WHITE),
                         (0.15, _YELLOW), (0.1, _ORANGE)])
    for ring, (reach, size) in enumerate(((0.6, 0.42), (0.4, 0.35), (0.2, 0.28), (0.05, 0.2))):
        shade = tuple(int(c * (1.0 - 0.12 * ring)) for c in colour)
        count = 5 if ring < 3 else 3
        for k in range(count):
            a = spin + ring * 0.6 + 2 * math.pi * k / count
            x, y = centre[0] + r * reach * math.cos(a), centre[1] + r * reach * math.sin(a)
            draw.polygon(_ellipse(x, y, r * size, r * size * 0.85, a, tilt, centre, n=18),
                         fill=_jitter(rng, shade, 10), outline=tuple(int(c * 0.7) for c in shade))


def _tulip(draw, rng, centre, r, tilt, spin):
    colour = _pick(rng, [(0.5, _PINKS_REDS[int(rng.integers(len(_PINKS_REDS)))]), (0.2, _YELLOW),
                         (0.1, _WHITE), (0.1, (150, 60, 160)), (0.1, _ORANGE)])
    cx, cy = centre
    lean = rng.normal(0, 0.15)
    for dx, shade in ((-0.32, 0.8), (0.32, 0.8), (0.0, 1.0)):
        petal = _ellipse(cx + dx * r, cy, r * 0.32, r * 0.62, lean + dx * 0.5, 1.0, centre, n=16)
        draw.polygon(petal, fill=_jitter(rng, tuple(int(c * shade) for c in colour), 10))


_DRAW: dict[str, Callable] = {"daisy": _daisy, "dandelion": _dandelion, "roses": _rose,
                              "sunflowers": _sunflower, "tulips": _tulip}


def _scene(rng: np.random.Generator) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A photo-sized canvas: a two-colour gradient and clutter (leaves, stones, blurred blobs)."""
    width, height = PHOTO_SIZES[int(rng.integers(len(PHOTO_SIZES)))]
    top, bottom = (_jitter(rng, _BACKGROUNDS[int(rng.integers(len(_BACKGROUNDS)))], 30) for _ in range(2))
    ramp = np.linspace(0, 1, height)[:, None]
    column = (np.array(top) * (1 - ramp) + np.array(bottom) * ramp).astype(np.uint8)
    image = Image.fromarray(np.ascontiguousarray(np.broadcast_to(column[:, None, :], (height, width, 3))))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(6, 18))):
        x, y, s = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(6, 40)
        palette = _BACKGROUNDS if rng.random() < 0.75 else [*_PINKS_REDS, _YELLOW, _WHITE, _ORANGE, _LILAC]
        colour = _jitter(rng, palette[int(rng.integers(len(palette)))], 40)
        draw.polygon(_ellipse(x, y, s, s * rng.uniform(0.3, 1), rng.uniform(0, 3.2), 1, (x, y)), fill=colour)
    return image, draw


def _develop(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """What a camera adds: focus blur, exposure, a colour cast and sensor noise."""
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.3)))
    pixels = np.asarray(image, dtype=np.float32)
    pixels = pixels * rng.uniform(0.6, 1.25) + rng.normal(0, 12, size=3).astype(np.float32)
    pixels += rng.standard_normal(pixels.shape, dtype=np.float32) * rng.uniform(2, 9)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def flower_photo(class_name: str, index: int, seed: int = 0) -> Image.Image:
    """Synthetic photo ``index`` of ``class_name``; a pure function of its arguments."""
    rng = np.random.default_rng([seed, CLASSES.index(class_name), index])
    return compose_photo(rng, _DRAW[class_name], upright=class_name == "tulips")


def compose_photo(rng: np.random.Generator, draw_flower: Callable, upright: bool = False) -> Image.Image:
    """A photo of one to three flowers drawn by ``draw_flower(draw, rng, centre, radius, tilt, spin)``
    on a cluttered scene, with stems, as a camera sees them. ``upright`` flowers (cups seen
    from the side) get leaves and are never tilted."""
    image, draw = _scene(rng)
    width, height = image.size
    short = min(width, height)
    flowers = 1 + int(rng.random() < 0.3) + int(rng.random() < 0.15)
    for k in range(flowers):
        main = k == flowers - 1
        r = short * (rng.uniform(0.16, 0.36) if main else rng.uniform(0.08, 0.16))
        spread = 0.18 if main else 0.4
        centre = (width / 2 + rng.uniform(-spread, spread) * short, height / 2 + rng.uniform(-spread, spread) * short)
        stem = _jitter(rng, (60, 120, 40), 20)
        draw.line([centre, (centre[0] + rng.normal(0, r * 0.5), height)], fill=stem, width=max(2, int(r * 0.08)))
        if upright:
            for side in (-1, 1):
                base = (centre[0] + side * r * 0.1, height)
                tip = (centre[0] + side * r * rng.uniform(0.4, 0.9), centre[1] + r * rng.uniform(0.6, 1.2))
                draw.polygon(_ellipse((base[0] + tip[0]) / 2, (base[1] + tip[1]) / 2, r * 0.12,
                                      math.dist(base, tip) / 2, math.atan2(tip[0] - base[0], base[1] - tip[1]),
                                      1, centre), fill=stem)
        tilt = rng.uniform(0.55, 1.0) if not upright else 1.0
        draw_flower(draw, rng, centre, r, tilt, rng.uniform(0, 2 * math.pi))
    return _develop(image, rng)


def write_sample_photos(out: str | Path, per_class: int, seed: int = 0,
                        log: Callable[[str], None] | None = print) -> Path:
    """Write ``out/<class>/<class>_NNNN.jpg`` for every class; return ``out``.

    A folder already holding the same sample (same ``per_class`` and ``seed``) is reused;
    one holding anything else is never touched.
    """
    out = Path(out)
    stamp = {"generator": "flowers_lab.sample", "per_class": per_class, "seed": seed}
    marker = out / "SAMPLE.json"
    if marker.exists() and json.loads(marker.read_text()) == stamp:
        return out
    if out.exists() and any(out.iterdir()):
        raise DataError(f"{out}: already exists and is not this sample ({per_class} per class, "
                        f"seed {seed}); choose another --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".sample-", dir=out.parent))
    try:
        for name in CLASSES:
            (staging / name).mkdir()
            for index in range(per_class):
                buffer = io.BytesIO()
                flower_photo(name, index, seed).save(buffer, "JPEG", quality=90)
                (staging / name / f"{name}_{index:04d}.jpg").write_bytes(buffer.getvalue())
            if log:
                log(f"sample: {per_class} {name}")
        (staging / "SAMPLE.json").write_text(json.dumps(stamp) + "\n")
        if out.exists():
            out.rmdir()
        staging.replace(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out
