"""Is the accelerator waiting for data? Training steps timed, split into input wait and compute.

``feed`` trains a model one batch at a time and times, for each step, how long the next batch
took to arrive (input wait: zero when the pipeline prefetched it) and how long the training step
took (compute). A pipeline keeps up when the wait is a small share of the time; ``in_memory``
gives the rate with no input work at all, the ceiling a pipeline can reach.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Feeding:
    """What ``feed`` measured: per step, the seconds spent waiting for the batch and training on it."""

    batch_size: int
    wait: tuple[float, ...]
    compute: tuple[float, ...]

    @property
    def images_per_second(self) -> float:
        return self.batch_size * len(self.wait) / (sum(self.wait) + sum(self.compute))

    @property
    def waiting(self) -> float:
        """The share of the time spent waiting for input, from 0 to 1."""
        return sum(self.wait) / (sum(self.wait) + sum(self.compute))

    def __str__(self) -> str:
        return (
            f"{self.images_per_second:7.0f} images/s, {self.waiting:4.0%} of the time waiting for input "
            f"({1000 * np.mean(self.wait):.1f} ms a step waiting, {1000 * np.mean(self.compute):.1f} ms computing)"
        )


def feed(model, batches: Iterable, steps: int = 20, warmup: int = 3) -> Feeding:
    """Train ``model`` on ``warmup`` then ``steps`` batches of ``batches`` (a dataset of
    (images, labels, ...) or any iterable of them), timing the ``steps``: each batch's wait, then
    its training step, which returns only once the step has run (its loss is read back)."""
    iterator: Iterator = iter(batches)
    wait, compute = [], []
    for step in range(warmup + steps):
        start = time.perf_counter()
        images, labels = _host_arrays(next(iterator)[:2])
        arrived = time.perf_counter()
        model.train_on_batch(images, labels)
        if step >= warmup:
            wait.append(arrived - start)
            compute.append(time.perf_counter() - arrived)
    return Feeding(int(np.shape(images)[0]), tuple(wait), tuple(compute))


def _host_arrays(batch: tuple) -> tuple:
    """A batch as the backend's training step takes it: TensorFlow's tensors on TensorFlow, NumPy
    arrays elsewhere (JAX cannot read a ``tf.Tensor``; Keras' ``fit`` converts them the same way)."""
    import keras

    if keras.backend.backend() == "tensorflow":
        return batch
    return tuple(np.asarray(part) for part in batch)


def in_memory(dataset, count: int) -> list:
    """The first ``count`` batches of ``dataset``, held in memory as arrays: fed from them, a
    model never waits for input (``feed(model, itertools.cycle(...))``)."""
    return [tuple(np.asarray(part) for part in batch) for batch in dataset.take(count)]


STEP = "train"
"""The name of each training step's marker in a profile; profilers count steps by it."""

INPUT = "input"
"""The name of the span, inside each step, spent waiting for the next batch."""


def profile(model, batches: Iterable, logdir: str | Path, steps: int = 3) -> list[Path]:
    """Train ``model`` on one batch of ``batches``, then on ``steps`` more under a profiler, and
    return the trace files written under ``logdir`` (``*.xplane.pb``: TensorBoard's Profile tab
    opens them). Each step is marked as a step (``STEP``, numbered) and its wait for the batch as
    ``INPUT``.

    On TensorFlow one trace holds everything: tf.data's iterator events on the host and the
    model's ops. On JAX, JAX's profiler records the steps and the device into ``logdir/steps``,
    and TensorFlow's profiler, run at the same time, records the tf.data pipeline on the host into
    ``logdir/input``: a JAX trace holds none of tf.data's events (jax-ml/jax#6651)."""
    import keras
    import tensorflow as tf

    logdir = Path(logdir)
    on_tensorflow = keras.backend.backend() == "tensorflow"
    iterator: Iterator = iter(batches)
    model.train_on_batch(*_host_arrays(next(iterator)[:2]))  # built and compiled before the trace
    before = set(logdir.glob("**/*.xplane.pb"))
    tf.profiler.experimental.start(str(logdir if on_tensorflow else logdir / "input"))
    if on_tensorflow:
        step_marker, span = (
            functools.partial(tf.profiler.experimental.Trace, STEP, _r=1),
            tf.profiler.experimental.Trace,
        )
    else:
        import jax

        jax.profiler.start_trace(str(logdir / "steps"))
        step_marker, span = functools.partial(jax.profiler.StepTraceAnnotation, STEP), jax.profiler.TraceAnnotation
    try:
        for step in range(steps):
            with step_marker(step_num=step):
                with span(INPUT):
                    images, labels = _host_arrays(next(iterator)[:2])
                model.train_on_batch(images, labels)
    finally:
        if not on_tensorflow:
            jax.profiler.stop_trace()
        tf.profiler.experimental.stop()
    return sorted(set(logdir.glob("**/*.xplane.pb")) - before)


def trace_events(paths: Iterable[str | Path]) -> Counter[str]:
    """How many times each event name occurs in the traces at ``paths``, over all their planes
    (host and devices): ``Iterator::...`` are tf.data's, ``STEP`` and ``INPUT`` ``profile``'s."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    found: Counter[str] = Counter()
    for path in paths:
        space = xplane_pb2.XSpace()
        space.ParseFromString(Path(path).read_bytes())
        for plane in space.planes:
            for line in plane.lines:
                found.update(plane.event_metadata[event.metadata_id].name for event in line.events)
    return found
