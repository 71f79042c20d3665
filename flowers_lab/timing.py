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
    each file. Wrap a ``tf.data`` map function with this, and the dataset with
    ``like_a_bucket``, to see what that does to a pipeline that opens one file per image.
    """
    delay = latency_ms / 1000

    def wait(path):
        time.sleep(delay)
        return path

    def delayed(path: tf.Tensor) -> tf.Tensor:
        path = tf.ensure_shape(tf.py_function(wait, [path], tf.string), [])
        return read(path)

    return delayed


def tfrecords_with_round_trip(latency_ms: float) -> Callable[[tf.Tensor], tf.data.Dataset]:
    """For ``interleave``: a ``TFRecordDataset`` of a path whose first record arrives
    ``latency_ms`` late, as a bucket's first byte does. The wait happens while the file is read,
    in the reader's own thread, so the waits of files read in parallel overlap; waiting while the
    file is *opened* instead would serialise them (tf.data opens interleaved files one by one)."""
    wait = with_round_trip(lambda path: path, latency_ms)
    return lambda path: tf.data.Dataset.from_tensors(path).map(wait).flat_map(tf.data.TFRecordDataset)


IO_THREADS = 64
"""Threads a simulated bucket's pipeline may wait in: a storage client keeps many requests in flight."""


def like_a_bucket(dataset: tf.data.Dataset) -> tf.data.Dataset:
    """``dataset`` with a private pool of ``IO_THREADS`` threads, so that ``with_round_trip``'s
    waits overlap as network reads do.

    A network read waits without using the CPU, but ``time.sleep`` occupies one of tf.data's
    threads, and tf.data's shared pool has one thread per core: on 2 cores, 16 files opened "in
    parallel" would still wait 2 at a time. Measured here (30 ms per file, 2 cores): 29, 98, 387
    and 1,033 images/s for 1, 4, 16 and 64 files at once with this pool, against 30, 49, 50 and
    63 without it.
    """
    options = tf.data.Options()
    options.threading.private_threadpool_size = IO_THREADS
    return dataset.with_options(options)
