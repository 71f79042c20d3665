"""Lesson 6's learning-rate schedule, and the callbacks that train with it and survive a restart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

PEAK_PER_IMAGE = 5e-5 / 16
"""The peak rate per image of the global batch: the workshop's 5e-5 for each TPU core's batch of
16 (4e-4 for 8 cores, a global batch of 128). Larger batches average more images into each step,
so each step can go further: the peak grows linearly with the batch."""


def peak_learning_rate(global_batch: int) -> float:
    """The schedule's peak for a global batch size: 4e-4 at the workshop's 128 (8 TPU cores of
    16), 5e-5 at 16. (The workshop's single-GPU branch used 2e-4 at 16, off this line.)"""
    return PEAK_PER_IMAGE * global_batch


def learning_rate(
    epoch: int, start: float, peak: float, minimum: float, ramp_epochs: int, sustain_epochs: int, decay: float
) -> float:
    """The learning rate of ``epoch`` (from 0): a linear ramp from ``start`` to ``peak`` over
    ``ramp_epochs``, held for ``sustain_epochs``, then an exponential decay by ``decay`` per
    epoch towards ``minimum``. Lesson 6's exercise; its check compares the learner's with this.
    The workshop's constants: start = minimum = 1e-5, 5 ramp epochs, no sustain, decay 0.8.

    A pretrained network fine-tuned with a large rate at once forgets what it knew; the ramp
    lets the new head settle first.
    """
    if epoch < ramp_epochs:
        return start + (peak - start) * epoch / ramp_epochs
    if epoch < ramp_epochs + sustain_epochs:
        return peak
    return minimum + (peak - minimum) * decay ** (epoch - ramp_epochs - sustain_epochs)


def training_callbacks(rate: Callable[[int], float], backup_dir: str | Path) -> list:
    """Callbacks for ``fit``: set each epoch's learning rate from ``rate``, and back up the
    training state in ``backup_dir`` after each epoch, so that a ``fit`` interrupted (a
    preempted TPU, a closed laptop) and run again continues from its last finished epoch, as
    long as ``backup_dir`` survives (a new Colab runtime starts with an empty disk: point it
    at Google Drive). The backup is deleted when ``fit`` completes."""
    import keras

    return [keras.callbacks.LearningRateScheduler(rate), keras.callbacks.BackupAndRestore(str(backup_dir))]
