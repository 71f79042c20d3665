"""A second family of synthetic flowers: eight species that are not the workshop's five.

The offline backbone of lesson 3 is pretrained to tell these species and the workshop's five
apart (:data:`flowers_lab.backbone.PRETRAINING_SPECIES`), as ImageNet models were pretrained on a
thousand classes, most of them not the flowers lesson 3 classifies.
They are drawn with the same parts, scenes and camera as the offline sample (thin and broad
petals, discs, pompoms, cups) in other shapes and mostly other colours, so what a network
learns about them is useful, but not the answer, for daisies or tulips.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PIL import Image

from flowers_lab.synthetic.drawing import compose_photo, disc, ellipse, jitter, petal_ring, pick

_BLUES = [(70, 90, 200), (110, 80, 190), (150, 120, 230), (60, 140, 210)]
_PURPLES = [(140, 40, 150), (180, 70, 170), (120, 60, 140), (210, 110, 200)]


def _blue(rng):
    return _BLUES[int(rng.integers(len(_BLUES)))]


def _purple(rng):
    return _PURPLES[int(rng.integers(len(_PURPLES)))]


def _aster(draw, rng, centre, r, tilt, spin):
    """Very many thin blue or purple rays round a small yellow disc."""
    colour = _blue(rng) if rng.random() < 0.5 else _purple(rng)
    petal_ring(
        draw,
        rng,
        centre,
        r * 0.18,
        int(rng.integers(28, 40)),
        r * rng.uniform(0.7, 0.85),
        r * rng.uniform(0.07, 0.1),
        colour,
        tilt,
        spin,
        variation=12,
    )
    disc(draw, rng, centre, r * 0.18, (230, 180, 30), tilt, dots=6, dot_colour=(190, 130, 20))


def _cosmos(draw, rng, centre, r, tilt, spin):
    """Eight broad notched petals, pink, magenta or white, round a small yellow disc."""
    colour = pick(rng, [(0.5, (230, 100, 170)), (0.3, (200, 40, 140)), (0.2, (245, 245, 240))])
    petal_ring(
        draw,
        rng,
        centre,
        r * 0.15,
        8,
        r * rng.uniform(0.75, 0.85),
        r * rng.uniform(0.38, 0.45),
        colour,
        tilt,
        spin,
        variation=8,
    )
    disc(draw, rng, centre, r * 0.16, (240, 200, 40), tilt, dots=8, dot_colour=(180, 120, 10))


def _poppy(draw, rng, centre, r, tilt, spin):
    """Four huge round red or orange petals and a black centre."""
    colour = pick(rng, [(0.6, (215, 35, 25)), (0.3, (245, 120, 20)), (0.1, (245, 220, 200))])
    petal_ring(draw, rng, centre, r * 0.05, 4, r * 0.95, r * 0.85, colour, tilt, spin, variation=10)
    disc(draw, rng, centre, r * 0.2, (25, 20, 25), tilt, dots=10, dot_colour=(80, 70, 90))


def _coneflower(draw, rng, centre, r, tilt, spin):
    """Drooping purple-pink petals round a large spiky orange-brown cone."""
    petal_ring(
        draw,
        rng,
        centre,
        r * 0.4,
        int(rng.integers(11, 16)),
        r * rng.uniform(0.5, 0.65),
        r * 0.14,
        _purple(rng),
        tilt * 1.2,
        spin,
        variation=15,
    )
    disc(draw, rng, centre, r * 0.42, (170, 80, 20), tilt, dots=50, dot_colour=(230, 130, 30))


def _chrysanthemum(draw, rng, centre, r, tilt, spin):
    """A dense ball of short petals, white, purple or red, with no centre."""
    colour = pick(rng, [(0.4, (245, 240, 235)), (0.35, _purple(rng)), (0.25, (170, 30, 40))])
    for layer, reach in enumerate((0.9, 0.7, 0.5, 0.3)):
        petal_ring(
            draw,
            rng,
            centre,
            r * reach * 0.4,
            int(rng.integers(20, 30)),
            r * reach * 0.6,
            r * 0.1,
            tuple(int(c * (1 - 0.08 * layer)) for c in colour),
            tilt,
            spin + layer,
            variation=12,
        )


def _camellia(draw, rng, centre, r, tilt, spin):
    """Two flat rings of round petals and a tuft of yellow stamens."""
    colour = pick(rng, [(0.5, (230, 80, 110)), (0.3, (245, 235, 235)), (0.2, (190, 30, 50))])
    for ring, (reach, size, count) in enumerate(((0.55, 0.4, 7), (0.28, 0.3, 5))):
        for k in range(count):
            a = spin + ring * 0.4 + 2 * math.pi * k / count
            x, y = centre[0] + r * reach * math.cos(a), centre[1] + r * reach * math.sin(a)
            draw.polygon(ellipse(x, y, r * size, r * size, a, tilt, centre, n=16), fill=jitter(rng, colour, 10))
    disc(draw, rng, centre, r * 0.14, (245, 210, 60), tilt, dots=12, dot_colour=(200, 150, 30))


def _bluebell(draw, rng, centre, r, tilt, spin):
    """A hanging row of small blue bells."""
    colour = _blue(rng)
    bells = int(rng.integers(3, 6))
    for k in range(bells):
        x = centre[0] + (k - bells / 2) * r * 0.35
        y = centre[1] + abs(k - bells / 2) * r * 0.15
        draw.polygon(
            ellipse(x, y, r * 0.16, r * 0.24, rng.normal(0, 0.2), 1.0, centre, n=12), fill=jitter(rng, colour, 15)
        )
        draw.polygon(
            ellipse(x, y + r * 0.22, r * 0.2, r * 0.06, 0, 1.0, centre, n=10),
            fill=jitter(rng, tuple(int(c * 0.8) for c in colour), 10),
        )


def _clematis(draw, rng, centre, r, tilt, spin):
    """Five or six long pointed petals, white, blue or purple, round a pale green centre."""
    colour = pick(rng, [(0.4, (240, 240, 250)), (0.3, _blue(rng)), (0.3, _purple(rng))])
    petal_ring(draw, rng, centre, r * 0.1, int(rng.integers(5, 7)), r * 0.9, r * 0.22, colour, tilt, spin)
    disc(draw, rng, centre, r * 0.12, (200, 220, 150), tilt, dots=8, dot_colour=(150, 180, 90))


SPECIES: dict[str, Callable] = {
    "aster": _aster,
    "cosmos": _cosmos,
    "poppy": _poppy,
    "coneflower": _coneflower,
    "chrysanthemum": _chrysanthemum,
    "camellia": _camellia,
    "bluebell": _bluebell,
    "clematis": _clematis,
}
"""The species, each with the function that draws one flower of it."""


def meadow_photo(species: str, index: int, seed: int = 0) -> Image.Image:
    """Synthetic photo ``index`` of ``species``; a pure function of its arguments. The seed
    family (1000 + seed) is apart from the offline sample's."""
    rng = np.random.default_rng([1000 + seed, list(SPECIES).index(species), index])
    return compose_photo(rng, SPECIES[species], upright=species == "bluebell")
