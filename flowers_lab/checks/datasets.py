"""Probing a ``tf.data`` pipeline by what it yields: the element spec, the batch shape, whether it
ends, the order of its elements across passes, and the transformations it is made of."""

from __future__ import annotations

import tensorflow as tf

COUNT = 22
"""Elements of the probe dataset: not a multiple of the batch size, so the last batch is short."""


def numbered(count: int = COUNT) -> tf.data.Dataset:
    """(image, label) pairs whose 4x4 RGB image is filled with its label, 0 to ``count - 1``:
    whatever a pipeline does, each element says where it came from."""
    return tf.data.Dataset.range(count).map(lambda i: (tf.fill([4, 4, 3], tf.cast(i, tf.uint8)), tf.cast(i, tf.int32)))


def counted(count: int = COUNT) -> tuple[tf.data.Dataset, tf.Variable]:
    """``numbered(count)``, and a counter of the elements read from it: a pipeline that caches
    them reads each once, however many epochs it yields."""
    reads = tf.Variable(0, dtype=tf.int64, trainable=False)

    def read(image, label):
        reads.assign_add(1)
        return image, label

    return numbered(count).map(read), reads


def labels_of(dataset: tf.data.Dataset, batches: int | None = None) -> list[int]:
    """The labels a batched dataset yields, in order, over ``batches`` batches (None: all), after
    checking that each image still matches its label."""
    labels = []
    for images, batch_labels in dataset.take(batches) if batches else dataset:
        if not bool(tf.reduce_all(tf.cast(images[:, 0, 0, 0], tf.int32) == tf.cast(batch_labels, tf.int32))):
            raise PairingLost
        labels += [int(label) for label in batch_labels]
    return labels


class PairingLost(Exception):
    """The pipeline separated images from their labels."""


def transformations(dataset: tf.data.Dataset) -> list[str]:
    """The transformations a dataset is made of, outermost first ("prefetch", "batch", "cache"...),
    read from the chain of datasets it wraps."""
    names = []
    while dataset is not None:
        names.append(type(dataset).__name__.lstrip("_").replace("Dataset", "").lower())
        inputs = dataset._inputs() if hasattr(dataset, "_inputs") else []
        dataset = inputs[0] if inputs else None
    return names


def ends(dataset: tf.data.Dataset) -> bool:
    """Whether iterating over ``dataset`` ends."""
    return int(dataset.cardinality()) != int(tf.data.INFINITE_CARDINALITY)
