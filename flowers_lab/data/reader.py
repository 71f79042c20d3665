"""Training and validation ``tf.data`` pipelines over TFRecord shards.

The pipeline runs on the host CPU with TensorFlow whatever the Keras backend is.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import tensorflow as tf

from flowers_lab.data.schema import FIELDS, count_from_name, read_classes
from flowers_lab.data.shards import check_shards, find_shards
from flowers_lab.errors import DataError
from flowers_lab.facts import note

AUTOTUNE = tf.data.AUTOTUNE
VALIDATION_FRACTION = 0.19


@dataclass
class FlowerData:
    """Batched datasets, training of (image, label), validation of (image, label, weight), and
    the counts a ``model.fit`` call needs. ``train_in_order`` is the training images read like
    validation: each once, in file order, not augmented (for predictions over them, or to hold a
    small set in memory with ``evaluation.dataset_arrays``)."""

    train: tf.data.Dataset
    validation: tf.data.Dataset
    classes: tuple[str, ...]
    train_count: int
    validation_count: int
    batch_size: int
    train_in_order: tf.data.Dataset

    @property
    def steps_per_epoch(self) -> int:
        """Full training batches in one pass over the training files."""
        return max(1, self.train_count // self.batch_size)

    @property
    def validation_steps(self) -> int:
        """Batches in one pass over the validation files (the last one filled up with padding)."""
        return math.ceil(self.validation_count / self.batch_size)


def split_files(paths: Sequence[Path], validation_fraction: float = VALIDATION_FRACTION):
    """Split sorted shard paths into (training, validation) by whole files, as the workshop did:
    the first ``int(n * fraction)`` files validate, the rest train."""
    paths = sorted(paths)
    split = int(len(paths) * validation_fraction)
    if validation_fraction > 0 and split == 0:
        if len(paths) < 2:
            raise DataError(f"{paths[0]}: one shard cannot be split into training and validation")
        split = 1
    return paths[split:], paths[:split]


def parse_record(record: tf.Tensor, classes_count: int, one_hot: bool = False):
    """Decode one serialized record into (uint8 image, label)."""
    features = {name: FIELDS[name].parse_spec() for name in ("image", "class", "one_hot_class")}
    example = tf.io.parse_single_example(record, features)
    image = tf.io.decode_jpeg(example["image"], channels=3)
    if one_hot:
        label = tf.reshape(tf.sparse.to_dense(example["one_hot_class"]), [classes_count])
    else:
        label = tf.cast(example["class"], tf.int32)
    return image, label


def augment(image: tf.Tensor, label: tf.Tensor):
    """Random left-right flip and random saturation (a factor from 0 to 2), as the workshop's
    squeezenet used: lesson 5's exercise, which lesson 6 trains with."""
    image = tf.image.random_flip_left_right(image)
    image = tf.image.random_saturation(image, 0.0, 2.0)
    return image, label


def load_flowers(
    location: str | Path,
    image_size: int | None = None,
    batch_size: int = 32,
    validation_fraction: float = VALIDATION_FRACTION,
    augment: Callable | None = None,
    pixel_range: tuple[float, float] | None = None,
    one_hot: bool = False,
    cache: bool = True,
    verify: bool = True,
    shuffle_buffer: int = 2048,
) -> FlowerData:
    """Training and validation datasets from a directory or glob of shards.

    Training yields full batches of (image, label), endlessly. Validation yields every image
    once, in order, as (image, label, weight) batches of exactly ``batch_size``: the last one
    is filled up with blank images of weight 0 (see ``pad_batch``), so that ``fit``,
    ``evaluate`` and ``predict_dataset`` count each image once on any number of replicas.

    Images come out as ``[batch, size, size, 3]``, resized when ``image_size`` differs from
    the shards'. By default they stay uint8 in [0, 255] and the model scales them (a
    ``keras.layers.Rescaling`` first layer): on the accelerator that costs nothing, while
    converting to float32 here took 15% of this 2-core host's throughput (BENCHMARKS.md).
    With ``pixel_range``, e.g. ``(0, 1)``, they come out as float32 scaled on the host.
    Labels are class indices, or one-hot vectors with ``one_hot``. ``augment(image, label)``, if
    given, is mapped over the training images only (validation measures flowers as they are).
    With ``verify`` every shard is read once first and a bad one stops with a ``DataError``
    naming it, as do images of several sizes without ``image_size``; record counts come from
    file names and are cross-checked then.
    """
    paths = find_shards(location)
    classes = read_classes(paths[0].parent)
    train_files, validation_files = split_files(paths, validation_fraction)
    stored_size = None
    if verify:
        reports = check_shards(paths, classes)
        sizes = {size for report in reports for size in report.sizes}
        if len(sizes) > 1 and image_size is None:
            first = min(reports[0].sizes)
            odd = next(report for report in reports if set(report.sizes) != {first})
            raise DataError(
                f"{odd.path}: holds images of {' and '.join(f'{h}x{w}' for h, w in sorted(odd.sizes))}, "
                f"{paths[0].name} of {first[0]}x{first[1]}: images of several sizes cannot be batched; "
                "pass image_size to resize them all to one"
            )
        stored_size = sizes.pop() if len(sizes) == 1 else None
    counts = {path: _count(path) for path in paths}
    validation_count = sum(counts[p] for p in validation_files)
    size = image_size or (stored_size[0] if stored_size and stored_size[0] == stored_size[1] else None)
    resize = size is not None and stored_size != (size, size)

    def read(files: list[Path], training: bool) -> tf.data.Dataset:
        # Each of `parallel` workers reads and decodes whole files: parallel reads for a
        # bucket, parallel JPEG decoding for the CPU. Training takes records in whatever
        # order they come; AUTOTUNE here measured slower than a fixed width (BENCHMARKS.md).
        parallel = max(1, min(len(files), max(4, os.cpu_count() or 1)))
        names = tf.constant([str(p) for p in files], dtype=tf.string)
        dataset = tf.data.Dataset.from_tensor_slices(names).interleave(
            lambda name: tf.data.TFRecordDataset(name).map(lambda r: _decode(r, len(classes), one_hot, size, resize)),
            cycle_length=parallel,
            num_parallel_calls=parallel,
            deterministic=not training,
        )
        if cache:
            dataset = dataset.cache()
        if training:
            # repeat before shuffle: one stream across epochs, so the shuffle buffer is
            # filled once, not at every epoch's start.
            dataset = dataset.repeat().shuffle(shuffle_buffer)
            if augment is not None:
                dataset = dataset.map(augment, num_parallel_calls=AUTOTUNE)
        dataset = dataset.batch(batch_size, drop_remainder=training)
        if not training:
            count = sum(counts[p] for p in files)
            steps = math.ceil(count / batch_size)
            weight = steps * batch_size / max(1, count)
            dataset = dataset.map(lambda x, y: pad_batch(x, y, batch_size, weight))
            # Told its length, Keras stops after the last batch; not told, it counts one batch more
            # into the loss of a dataset of fixed batch shape (Keras 3.15, measured).
            dataset = dataset.apply(tf.data.experimental.assert_cardinality(steps))
        if pixel_range is not None:
            low, high = pixel_range
            dataset = dataset.map(
                lambda x, *rest: (tf.cast(x, tf.float32) * ((high - low) / 255.0) + low, *rest),
                num_parallel_calls=AUTOTUNE,
            )
        return dataset.prefetch(AUTOTUNE)

    note(images=sum(counts.values()), image_size=image_size)
    return FlowerData(
        train=read(train_files, training=True),
        validation=read(validation_files, training=False),
        classes=classes,
        train_count=sum(counts[p] for p in train_files),
        validation_count=validation_count,
        batch_size=batch_size,
        train_in_order=read(train_files, training=False),
    )


def pad_batch(images: tf.Tensor, labels: tf.Tensor, batch_size: int, weight: float = 1.0):
    """(images, labels, weights) of exactly ``batch_size``: a short batch is filled up with
    blank images that weigh 0; real images weigh ``weight``.

    Every batch then has the same static shape and divides evenly over the replicas (JAX's
    ``DataParallel`` refuses a batch that does not; ``MirroredStrategy`` fails on one that does
    not fill every replica), and what Keras computes with the weights counts each image once:
    weighted metrics exactly; the loss, which Keras averages over every slot of every batch,
    exactly when ``weight`` is slots / images (``load_flowers`` passes that).
    """
    count = tf.shape(images)[0]
    missing = batch_size - count
    weights = tf.concat([tf.fill([count], weight), tf.zeros([missing])], axis=0)
    images = tf.concat([images, tf.zeros(tf.concat([[missing], tf.shape(images)[1:]], 0), images.dtype)], 0)
    labels = tf.concat([labels, tf.zeros(tf.concat([[missing], tf.shape(labels)[1:]], 0), labels.dtype)], 0)
    images = tf.ensure_shape(images, [batch_size, *images.shape[1:]])
    labels = tf.ensure_shape(labels, [batch_size, *labels.shape[1:]])
    return images, labels, tf.ensure_shape(weights, [batch_size])


def _decode(record, classes_count, one_hot, size, resize):
    """Parse a record; give its image the static shape ``[size, size, 3]``, resizing if asked."""
    image, label = parse_record(record, classes_count, one_hot)
    if resize:
        image = tf.cast(tf.image.resize(image, [size, size], antialias=True), tf.uint8)
    elif size is not None:
        image = tf.reshape(image, [size, size, 3])
    return image, label


def _count(path: Path) -> int:
    stated = count_from_name(path)
    if stated is None:
        return sum(1 for _ in tf.data.TFRecordDataset(str(path)))
    return stated
