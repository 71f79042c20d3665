"""Drawing synthetic flower photos: colours, petals, discs, and the scene a camera sees them in.

The primitives that the species of ``sample`` (the workshop's five) and ``meadow`` (eight others)
are drawn with. Everything takes a NumPy ``Generator``, so a photo is a pure function of its seed.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

PHOTO_SIZES = ((320, 240), (240, 320), (288, 288))
"""Width x height of the generated photos: landscape, portrait, square, as real snapshots."""

BACKGROUNDS = [(70, 110, 50), (95, 140, 60), (120, 100, 70), (140, 170, 210), (90, 90, 85), (60, 80, 40)]
PINKS_REDS = [(200, 30, 40), (230, 90, 140), (250, 160, 190), (170, 20, 60), (240, 120, 110)]
YELLOW, ORANGE, WHITE, LILAC = (250, 210, 30), (250, 140, 30), (245, 245, 240), (200, 150, 230)


def pick(rng: np.random.Generator, weighted: list[tuple[float, tuple]]) -> tuple:
    """A colour from (weight, colour) pairs."""
    weights = np.array([w for w, _ in weighted])
    return weighted[int(rng.choice(len(weighted), p=weights / weights.sum()))][1]


def jitter(rng: np.random.Generator, colour, amount: int = 25) -> tuple[int, int, int]:
    shift = rng.integers(-amount, amount + 1, size=3).tolist()
    return tuple(min(255, max(0, int(c) + d)) for c, d in zip(colour, shift, strict=True))


def ellipse(cx, cy, a, b, angle, tilt, centre, n=14):
    """Polygon of an ellipse (semi-axes a, b) at (cx, cy) turned by ``angle``, the whole
    flower squashed vertically by ``tilt`` about ``centre``."""
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    x, y = a * np.cos(t), b * np.sin(t)
    xr = cx + x * math.cos(angle) - y * math.sin(angle)
    yr = cy + x * math.sin(angle) + y * math.cos(angle)
    yr = centre[1] + (yr - centre[1]) * tilt
    return list(zip(xr.tolist(), yr.tolist(), strict=True))


def petal_ring(draw, rng, centre, radius, count, length, width, colour, tilt, spin, variation=18):
    """``count`` petals of ``length`` x ``width`` pointing out from ``centre``."""
    cx, cy = centre
    for k in range(count):
        angle = spin + 2 * math.pi * k / count + rng.normal(0, 0.05)
        reach = radius + length / 2
        px, py = cx + reach * math.cos(angle), cy + reach * math.sin(angle)
        draw.polygon(ellipse(px, py, length / 2, width / 2, angle, tilt, centre), fill=jitter(rng, colour, variation))


def disc(draw, rng, centre, radius, colour, tilt, dots=0, dot_colour=(0, 0, 0)):
    cx, cy = centre
    draw.polygon(ellipse(cx, cy, radius, radius, 0, tilt, centre, n=24), fill=jitter(rng, colour, 12))
    for _ in range(dots):
        r, a = radius * math.sqrt(rng.random()) * 0.9, rng.random() * 2 * math.pi
        x, y = cx + r * math.cos(a), centre[1] + r * math.sin(a) * tilt
        draw.ellipse([x - 1.2, y - 1.2, x + 1.2, y + 1.2], fill=jitter(rng, dot_colour, 20))


def _scene(rng: np.random.Generator) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A photo-sized canvas: a two-colour gradient and clutter (leaves, stones, blurred blobs)."""
    width, height = PHOTO_SIZES[int(rng.integers(len(PHOTO_SIZES)))]
    top, bottom = (jitter(rng, BACKGROUNDS[int(rng.integers(len(BACKGROUNDS)))], 30) for _ in range(2))
    ramp = np.linspace(0, 1, height)[:, None]
    column = (np.array(top) * (1 - ramp) + np.array(bottom) * ramp).astype(np.uint8)
    image = Image.fromarray(np.ascontiguousarray(np.broadcast_to(column[:, None, :], (height, width, 3))))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(6, 18))):
        x, y, s = rng.uniform(0, width), rng.uniform(0, height), rng.uniform(6, 40)
        palette = BACKGROUNDS if rng.random() < 0.75 else [*PINKS_REDS, YELLOW, WHITE, ORANGE, LILAC]
        colour = jitter(rng, palette[int(rng.integers(len(palette)))], 40)
        draw.polygon(ellipse(x, y, s, s * rng.uniform(0.3, 1), rng.uniform(0, 3.2), 1, (x, y)), fill=colour)
    return image, draw


def _develop(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """What a camera adds: focus blur, exposure, a colour cast and sensor noise."""
    image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.3)))
    pixels = np.asarray(image, dtype=np.float32)
    pixels = pixels * rng.uniform(0.6, 1.25) + rng.normal(0, 12, size=3).astype(np.float32)
    pixels += rng.standard_normal(pixels.shape, dtype=np.float32) * rng.uniform(2, 9)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


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
        stem = jitter(rng, (60, 120, 40), 20)
        draw.line([centre, (centre[0] + rng.normal(0, r * 0.5), height)], fill=stem, width=max(2, int(r * 0.08)))
        if upright:
            for side in (-1, 1):
                base = (centre[0] + side * r * 0.1, height)
                tip = (centre[0] + side * r * rng.uniform(0.4, 0.9), centre[1] + r * rng.uniform(0.6, 1.2))
                draw.polygon(
                    ellipse(
                        (base[0] + tip[0]) / 2,
                        (base[1] + tip[1]) / 2,
                        r * 0.12,
                        math.dist(base, tip) / 2,
                        math.atan2(tip[0] - base[0], base[1] - tip[1]),
                        1,
                        centre,
                    ),
                    fill=stem,
                )
        tilt = rng.uniform(0.55, 1.0) if not upright else 1.0
        draw_flower(draw, rng, centre, r, tilt, rng.uniform(0, 2 * math.pi))
    return _develop(image, rng)
