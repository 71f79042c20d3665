"""Measuring how fast a dataset delivers images, and simulating a bucket's round trips."""

from __future__ import annotations

import time
from collections.abc import Callable

import tensorflow as tf


def images_per_second(dataset: tf.data.Dataset, images: int) -> float:
    """Images/s over the first ``images`` elements of an unbatched ``dataset``."""
    start = time.perf_counter()
    seen = 0
    for _ in dataset.take(images):
        seen += 1
    return seen / (time.perf_counter() - start)


def with_round_trip(read: Callable[[tf.Tensor], tf.Tensor], latency_ms: float) -> Callable[[tf.Tensor], tf.Tensor]:
    """``read(path)`` delayed by ``latency_ms`` per call, as opening a file in a bucket is.

    Local disks answer in microseconds; object storage takes tens of milliseconds to start
    each file. Wrap a ``tf.data`` map function with this to see what that does to a
    pipeline that opens one file per image.
    """
    delay = latency_ms / 1000

    def wait(path):
        time.sleep(delay)
        return path

    def delayed(path: tf.Tensor) -> tf.Tensor:
        path = tf.ensure_shape(tf.py_function(wait, [path], tf.string), [])
        return read(path)

    return delayed
