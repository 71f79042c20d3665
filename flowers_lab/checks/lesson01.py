"""Checks for lesson 1, Fun with tf.data.Dataset."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

import numpy as np
import tensorflow as tf
from PIL import Image

from flowers_lab.checks import Feedback, correct, guarded, hint

_SIZE = (24, 16)  # width, height of the test photos


@cache
def _photos() -> tuple[str, ...]:
    """Two small JPEG photos in class folders, made once."""
    root = Path(tempfile.mkdtemp(prefix="flowers-check-"))
    paths = []
    for name, colour in (("roses", (200, 30, 40)), ("tulips", (240, 200, 30))):
        (root / name).mkdir()
        paths.append(str(root / name / f"{name}_1.jpg"))
        Image.new("RGB", _SIZE, colour).save(paths[-1], "JPEG")
    return tuple(paths)


def _mapped(function) -> list:
    return list(tf.data.Dataset.from_tensor_slices(list(_photos())).map(function))


def _image_problem(image) -> str | None:
    if not isinstance(image, tf.Tensor):
        return f"the image should be a tensor, not a {type(image).__name__}"
    if image.dtype == tf.string:
        return "that is the file's bytes: decode them with tf.io.decode_jpeg(bits, channels=3)"
    if image.shape.rank != 3:
        return f"an image has 3 dimensions [height, width, channels]; yours has shape {image.shape}"
    width, height = _SIZE
    if tuple(image.shape) != (height, width, 3):
        return f"a {width}x{height} RGB photo should decode to shape ({height}, {width}, 3), not {tuple(image.shape)}"
    return None


@guarded
def decode_jpeg(function) -> Feedback:
    """``function(filename)`` should return the decoded image."""
    results = _mapped(function)
    if isinstance(results[0], tuple):
        return hint("return only the image here; the label comes in the next exercise")
    problem = _image_problem(results[0])
    if problem:
        return hint(problem)
    return correct(f"each file name becomes a uint8 image; {Path(_photos()[0]).name} is {tuple(results[0].shape)}")


@guarded
def decode_jpeg_and_label(function) -> Feedback:
    """``function(filename)`` should return (image, label) with the folder name as label."""
    results = _mapped(function)
    if not isinstance(results[0], tuple) or len(results[0]) != 2:
        return hint("return a pair: image, label (a dataset of tuples yields tuples)")
    image, label = results[0]
    problem = _image_problem(image)
    if problem:
        return hint(problem)
    if label.dtype != tf.string or label.shape.rank != 0:
        return hint("the label should be one string: the name of the folder the photo is in")
    expected, path = "roses", _photos()[0]
    got = label.numpy().decode()
    if got == path:
        return hint("that is the whole path: split it with tf.strings.split(filename, '/') and take "
                    "the folder's part")
    if got == Path(path).name:
        return hint("that is the file's name; the class is the folder above it (index -2 after splitting)")
    if got != expected:
        return hint(f"for {path} the label should be '{expected}', not '{got}'")
    if not np.array_equal([r[1].numpy().decode() for r in results], ["roses", "tulips"]):
        return hint("the label must come from each file's own folder")
    return correct("each file name becomes (image, label), the label taken from its folder")
