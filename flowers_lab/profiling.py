"""Is the accelerator waiting for data? Training steps timed, split into input wait and compute.

``feed`` trains a model one batch at a time and times, for each step, how long the next batch
took to arrive (input wait: zero when the pipeline prefetched it) and how long the training step
took (compute). A pipeline keeps up when the wait is a small share of the time; ``in_memory``
gives the rate with no input work at all, the ceiling a pipeline can reach.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

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
        images, labels = next(iterator)[:2]
        arrived = time.perf_counter()
        model.train_on_batch(images, labels)
        if step >= warmup:
            wait.append(arrived - start)
            compute.append(time.perf_counter() - arrived)
    return Feeding(int(np.shape(images)[0]), tuple(wait), tuple(compute))


def in_memory(dataset, count: int) -> list:
    """The first ``count`` batches of ``dataset``, held in memory as arrays: fed from them, a
    model never waits for input (``feed(model, itertools.cycle(...))``)."""
    return [tuple(np.asarray(part) for part in batch) for batch in dataset.take(count)]
