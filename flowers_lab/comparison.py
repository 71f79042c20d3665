"""Lesson 10's comparisons: several networks trained at the same budget, and what each cost."""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import keras


@dataclass(frozen=True)
class Trained:
    """One network trained: its name, size, speed and the per-epoch figures of ``fit``."""

    name: str
    weights: int
    seconds_per_epoch: float
    """The median of the epochs after the first (the first also compiles); the first's if it is alone."""
    history: dict[str, list[float]]

    @property
    def validation_accuracy(self) -> float:
        return self.history["val_accuracy"][-1]

    @property
    def training_loss(self) -> float:
        return self.history["loss"][-1]


class _EpochTimes(keras.callbacks.Callback):
    def __init__(self) -> None:
        super().__init__()
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def train_each(
    builders: dict[str, Callable[[], keras.Model]],
    data,
    epochs: int,
    steps_per_epoch: int | None = None,
    scope: Callable | None = None,
    seed: int | None = None,
) -> list[Trained]:
    """Build each network (name -> a function that returns it compiled) inside ``scope`` (the
    accelerator's distribution) and train it on ``data`` (``load_flowers``'s) for the same epochs
    and steps; with ``seed``, each starts from the same random state (weights, data order)."""
    from flowers_lab.accelerator import repeatable

    found = []
    for name, build in builders.items():
        if seed is not None:
            repeatable(seed)
        with scope() if scope else contextlib.nullcontext():
            model = build()
        timer = _EpochTimes()
        history = model.fit(
            data.train,
            steps_per_epoch=steps_per_epoch or data.steps_per_epoch,
            epochs=epochs,
            validation_data=data.validation,
            validation_steps=data.validation_steps,
            callbacks=[timer],
            verbose=0,
        )
        later = timer.seconds[1:] or timer.seconds
        found.append(Trained(name, model.count_params(), statistics.median(later), history.history))
    return found


def table(rows: list[Trained]) -> str:
    """The networks side by side: weights, seconds per epoch, last validation accuracy and training loss."""
    lines = [f"{'network':<14}{'weights':>10}{'s/epoch':>9}{'val. accuracy':>15}{'train loss':>12}"]
    lines += [
        f"{row.name:<14}{row.weights:>10,}{row.seconds_per_epoch:>9.2f}{row.validation_accuracy:>15.3f}"
        f"{row.training_loss:>12.3f}"
        for row in rows
    ]
    return "\n".join(lines)
