"""Checks for lesson 1, Fun with tf.data.Dataset."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

import numpy as np
import tensorflow as tf
from PIL import Image

from flowers_lab.checks import Feedback, correct, guarded, hint
from flowers_lab.checks.datasets import COUNT, PairingLost, counted, ends, labels_of, numbered, transformations

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
    image = results[0]
    if image.dtype != tf.uint8:
        return hint(f"decode_jpeg gives uint8 pixels (0 to 255); yours are {image.dtype.name}: keep them as decoded")
    return correct(
        f"each file name becomes its decoded photo: {Path(_photos()[0]).name}, a {_SIZE[0]}x{_SIZE[1]} "
        f"JPEG, is a {image.dtype.name} tensor of shape {tuple(image.shape)}"
    )


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
        return hint("that is the whole path: split it with tf.strings.split(filename, '/') and take the folder's part")
    if got == Path(path).name:
        return hint("that is the file's name; the class is the folder above it (index -2 after splitting)")
    if got != expected:
        return hint(f"for {path} the label should be '{expected}', not '{got}'")
    if not np.array_equal([r[1].numpy().decode() for r in results], ["roses", "tulips"]):
        return hint("the label must come from each file's own folder")
    return correct("each file name becomes (image, label), the label taken from its folder")


_BATCH = 4


def _batched_problem(dataset, name: str) -> Feedback | None:
    """A hint when ``dataset`` is not a dataset of (image batch, label batch)."""
    if not isinstance(dataset, tf.data.Dataset):
        return hint(f"{name} should return a tf.data.Dataset, not a {type(dataset).__name__}")
    spec = dataset.element_spec
    if not isinstance(spec, tuple) or len(spec) != 2:
        return hint("keep the (image, label) pairs: every transformation here works on whole elements")
    images, labels = spec
    if images.shape.rank == 3:
        return hint(f"the elements are single images of shape {images.shape}: group them with .batch(batch_size)")
    if images.shape.rank != 4:
        return hint(f"a batch of images has shape [batch, height, width, 3]; yours has {images.shape} (batched twice?)")
    return None


def _prefetch_problem(dataset) -> Feedback | None:
    steps = [step for step in transformations(dataset) if step != "options"]
    if steps[0] != "prefetch":
        return hint(
            "end with .prefetch(tf.data.AUTOTUNE): the next batches are then prepared on the CPU while "
            "the accelerator works on this one"
        )
    return None


@guarded
def training_batches(function) -> Feedback:
    """``function(dataset, batch_size)`` should give shuffled, endlessly repeated batches of a
    static size, prefetched; where it caches, the images are read once, whatever the epochs."""
    source, reads = counted()
    dataset = function(source, _BATCH)
    problem = _batched_problem(dataset, "training_batches")
    if problem:
        return problem
    size = dataset.element_spec[0].shape[0]
    if size is None:
        return hint(
            "give the batches a static size with .batch(batch_size, drop_remainder=True): TPUs compile "
            "for one batch shape, and a short last batch would not fit it"
        )
    if size != _BATCH:
        return hint(f"with batch_size={_BATCH} the batches hold {size} images: pass batch_size to .batch()")
    if ends(dataset):
        return hint("training data should not run out: .repeat() it, and fit's steps_per_epoch says what an epoch is")
    try:
        labels = labels_of(dataset, 3 * COUNT // _BATCH)
    except PairingLost:
        return hint(
            "an image no longer travels with its own label: shuffle and batch the (image, label) pairs together"
        )
    if "cache" in transformations(dataset) and int(reads.numpy()) > COUNT:
        return hint(
            f"{int(reads.numpy())} images were read to make {len(labels)} (about {len(labels) / COUNT:.0f} epochs of "
            f"{COUNT}): the cache never fills, so every epoch is read again and the cache grows with every batch "
            "(a .cache() after .repeat() caches an endless stream); cache before .repeat()"
        )
    first, second = labels[:COUNT], labels[COUNT : 2 * COUNT]
    if first == sorted(first) and len(set(first)) == COUNT:
        return hint(
            "the images come in their original order: .shuffle(buffer_size) them, so that every batch mixes classes"
        )
    batches = [labels[i : i + _BATCH] for i in range(0, len(labels), _BATCH)]
    if all(batch == list(range(batch[0], batch[0] + _BATCH)) for batch in batches[: COUNT // _BATCH]):
        return hint(
            "each batch holds neighbouring images: shuffle before .batch(), not after (shuffling batches "
            "keeps the same images together every epoch)"
        )
    moved = sum(abs(position - label) for position, label in enumerate(first)) / COUNT
    if moved < 2:
        return hint(
            f"an image moves only {moved:.1f} places on average: the shuffle buffer is too small to mix; "
            "make it at least as large as the dataset (or a few thousand images)"
        )
    if first == second:
        return hint(
            "every epoch comes in the same order: shuffle after .cache() (a cache keeps the first order it "
            "saw) and let the shuffle reshuffle at each pass (its default)"
        )
    problem = _prefetch_problem(dataset)
    if problem:
        return problem
    cached = ", cached" if "cache" in transformations(dataset) else " (not cached: right when the images do not fit)"
    return correct(
        f"batches of {_BATCH} with a static shape, endless, shuffled before batching and differently "
        f"each epoch, prefetched{cached}"
    )


@guarded
def validation_batches(function) -> Feedback:
    """``function(dataset, batch_size)`` should give every image once, in order, in batches."""
    dataset = function(numbered(), _BATCH)
    problem = _batched_problem(dataset, "validation_batches")
    if problem:
        return problem
    if not ends(dataset):
        return hint("validation is one pass over the images: no .repeat(), so that evaluate() knows where it ends")
    try:
        labels, again = labels_of(dataset), labels_of(dataset)
    except PairingLost:
        return hint("an image no longer travels with its own label: batch the (image, label) pairs together")
    if len(labels) < COUNT and len(set(labels)) == len(labels):
        return hint(
            f"{COUNT - len(labels)} of {COUNT} images are missing: drop_remainder=True drops the short "
            "last batch, and every validation image should count"
        )
    if sorted(labels) != list(range(COUNT)):
        return hint(f"every validation image should come exactly once; {COUNT} images gave {len(labels)}")
    if labels != again or labels != sorted(labels):
        return hint(
            "no .shuffle() for validation: the order does not change the score, and a fixed order lets "
            "you compare predictions between runs"
        )
    sizes = [int(images.shape[0]) for images, _ in dataset]
    if sizes[0] != _BATCH:
        return hint(f"with batch_size={_BATCH} the batches hold {sizes[0]} images: pass batch_size to .batch()")
    problem = _prefetch_problem(dataset)
    if problem:
        return problem
    return correct(
        f"{COUNT} images in {len(sizes)} batches of up to {_BATCH} (the last holds {sizes[-1]}), each "
        "image once, in the same order every pass, prefetched"
    )
