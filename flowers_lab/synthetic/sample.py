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
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from flowers_lab.data.schema import CLASSES
from flowers_lab.errors import DataError
from flowers_lab.staging import staging_folder
from flowers_lab.synthetic.drawing import (
    LILAC,
    ORANGE,
    PINKS_REDS,
    WHITE,
    YELLOW,
    compose_photo,
    disc,
    ellipse,
    jitter,
    petal_ring,
    pick,
)


def _daisy(draw, rng, centre, r, tilt, spin):
    white = pick(rng, [(0.6, WHITE), (0.15, (240, 190, 220)), (0.15, LILAC), (0.1, YELLOW)])
    petal_ring(
        draw,
        rng,
        centre,
        r * 0.22,
        int(rng.integers(12, 23)),
        r * rng.uniform(0.65, 0.8),
        r * rng.uniform(0.14, 0.22),
        white,
        tilt,
        spin,
        variation=10,
    )
    disc(draw, rng, centre, r * rng.uniform(0.22, 0.3), (240, 190, 30), tilt, dots=12, dot_colour=(200, 140, 20))


def _dandelion(draw, rng, centre, r, tilt, spin):
    if rng.random() < 0.15:  # a seed head: a grey-white puff of fine rays
        for k in range(int(rng.integers(60, 90))):
            a = 2 * math.pi * k / 75 + rng.normal(0, 0.1)
            end = (centre[0] + r * 0.8 * math.cos(a), centre[1] + r * 0.8 * math.sin(a) * tilt)
            draw.line([centre, end], fill=jitter(rng, (225, 225, 220), 15), width=1)
        disc(draw, rng, centre, r * 0.12, (150, 130, 90), tilt)
        return
    yellow = pick(rng, [(0.8, YELLOW), (0.2, ORANGE)])
    for layer, reach in enumerate((0.85, 0.65, 0.45)):
        length = r * reach * rng.uniform(0.55, 0.75)
        petal_ring(
            draw,
            rng,
            centre,
            r * reach - length,
            int(rng.integers(36, 56)),
            length,
            r * rng.uniform(0.05, 0.08),
            jitter(rng, yellow, 10),
            tilt,
            spin + layer * 0.07,
            variation=15,
        )
    disc(draw, rng, centre, r * 0.16, (235, 175, 10), tilt)


def _sunflower(draw, rng, centre, r, tilt, spin):
    petal = pick(rng, [(0.6, YELLOW), (0.25, ORANGE), (0.15, (180, 40, 30))])
    petal_ring(
        draw,
        rng,
        centre,
        r * 0.45,
        int(rng.integers(16, 28)),
        r * rng.uniform(0.45, 0.6),
        r * rng.uniform(0.2, 0.26),
        petal,
        tilt,
        spin,
    )
    disc(draw, rng, centre, r * rng.uniform(0.45, 0.55), (90, 55, 20), tilt, dots=40, dot_colour=(50, 30, 10))


def _rose(draw, rng, centre, r, tilt, spin):
    colour = pick(
        rng, [(0.6, PINKS_REDS[int(rng.integers(len(PINKS_REDS)))]), (0.15, WHITE), (0.15, YELLOW), (0.1, ORANGE)]
    )
    for ring, (reach, size) in enumerate(((0.6, 0.42), (0.4, 0.35), (0.2, 0.28), (0.05, 0.2))):
        shade = tuple(int(c * (1.0 - 0.12 * ring)) for c in colour)
        count = 5 if ring < 3 else 3
        for k in range(count):
            a = spin + ring * 0.6 + 2 * math.pi * k / count
            x, y = centre[0] + r * reach * math.cos(a), centre[1] + r * reach * math.sin(a)
            draw.polygon(
                ellipse(x, y, r * size, r * size * 0.85, a, tilt, centre, n=18),
                fill=jitter(rng, shade, 10),
                outline=tuple(int(c * 0.7) for c in shade),
            )


def _tulip(draw, rng, centre, r, tilt, spin):
    colour = pick(
        rng,
        [
            (0.5, PINKS_REDS[int(rng.integers(len(PINKS_REDS)))]),
            (0.2, YELLOW),
            (0.1, WHITE),
            (0.1, (150, 60, 160)),
            (0.1, ORANGE),
        ],
    )
    cx, cy = centre
    lean = rng.normal(0, 0.15)
    for dx, shade in ((-0.32, 0.8), (0.32, 0.8), (0.0, 1.0)):
        petal = ellipse(cx + dx * r, cy, r * 0.32, r * 0.62, lean + dx * 0.5, 1.0, centre, n=16)
        draw.polygon(petal, fill=jitter(rng, tuple(int(c * shade) for c in colour), 10))


_DRAW: dict[str, Callable] = {
    "daisy": _daisy,
    "dandelion": _dandelion,
    "roses": _rose,
    "sunflowers": _sunflower,
    "tulips": _tulip,
}


def flower_photo(class_name: str, index: int, seed: int = 0) -> Image.Image:
    """Synthetic photo ``index`` of ``class_name``; a pure function of its arguments."""
    rng = np.random.default_rng([seed, CLASSES.index(class_name), index])
    return compose_photo(rng, _DRAW[class_name], upright=class_name == "tulips")


def write_sample_photos(
    out: str | Path, per_class: int, seed: int = 0, log: Callable[[str], None] | None = print
) -> Path:
    """Write ``out/<class>/<class>_NNNN.jpg`` for every class; return ``out``.

    A folder already holding the same sample (same ``per_class`` and ``seed``) is reused;
    one holding anything else is never touched.
    """
    out = Path(out)
    stamp = {"generator": "flowers_lab.sample", "per_class": per_class, "seed": seed}  # the name it was made under
    marker = out / "SAMPLE.json"

    def made() -> bool:  # by an earlier run, or by another process while this one looked
        return marker.exists() and json.loads(marker.read_text()) == stamp

    if made():
        return out
    if out.exists() and any(out.iterdir()) and not made():
        raise DataError(
            f"{out}: already exists and is not this sample ({per_class} per class, seed {seed}); choose another --out"
        )
    with staging_folder(out.parent, ".sample-") as staging:
        for name in CLASSES:
            (staging / name).mkdir()
            for index in range(per_class):
                buffer = io.BytesIO()
                flower_photo(name, index, seed).save(buffer, "JPEG", quality=90)
                (staging / name / f"{name}_{index:04d}.jpg").write_bytes(buffer.getvalue())
            if log:
                log(f"sample: {per_class} {name}")
        (staging / "SAMPLE.json").write_text(json.dumps(stamp) + "\n")
        try:
            if out.exists():
                out.rmdir()
            staging.replace(out)
        except OSError:  # another process (two notebooks started at once) made the same sample meanwhile
            if not made():
                raise
    return out
