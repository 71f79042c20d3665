"""Figures the lessons show: grids of flowers, with their labels or predictions."""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

WRONG = "red"
RIGHT = "black"


def image_grid(images: Sequence, titles: Sequence[str], colours: Sequence[str] | None = None,
               title: str = "", columns: int = 3) -> plt.Figure:
    """A grid of images (uint8 or floats in [0, 1]), each with its title; returns the figure."""
    images = [np.asarray(image) for image in images]
    rows = math.ceil(len(images) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(3 * columns, 3.2 * rows), squeeze=False)
    for index, axis in enumerate(axes.flat):
        axis.axis("off")
        if index < len(images):
            image = images[index]
            axis.imshow(image if image.dtype == np.uint8 else np.clip(image, 0, 1))
            axis.set_title(titles[index], color=(colours or [RIGHT] * len(images))[index])
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure


def prediction_grid(images: Sequence, labels: Sequence[int], predictions: Sequence[int],
                    classes: Sequence[str], title: str = "Predictions (wrong ones in red)") -> plt.Figure:
    """Images titled with their predicted class, and the true one in red where it is wrong."""
    titles, colours = [], []
    for label, predicted in zip(labels, predictions, strict=True):
        right = int(label) == int(predicted)
        titles.append(classes[int(predicted)] if right else f"{classes[int(predicted)]} (is {classes[int(label)]})")
        colours.append(RIGHT if right else WRONG)
    return image_grid(images, titles, colours, title=title)
