"""Lesson 6's learning-rate schedule, and the callbacks that train with it and survive a restart."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def learning_rate(epoch: int, replicas: int = 1, start: float = 1e-5, peak_per_replica: float = 5e-5,
                  minimum: float = 1e-5, ramp_epochs: int = 5, sustain_epochs: int = 0, decay: float = 0.8) -> float:
    """The learning rate of ``epoch`` (from 0): a linear ramp from ``start`` to the peak
    (``peak_per_replica`` x ``replicas``: more replicas, larger global batches) over
    ``ramp_epochs``, held for ``sustain_epochs``, then an exponential decay by ``decay`` per
    epoch towards ``minimum``. The defaults are the workshop's.

    A pretrained network fine-tuned with a large rate at once forgets what it knew; the ramp
    lets the new head settle first.
    """
    peak = peak_per_replica * replicas
    if epoch < ramp_epochs:
        return start + (peak - start) * epoch / ramp_epochs
    if epoch < ramp_epochs + sustain_epochs:
        return peak
    return minimum + (peak - minimum) * decay ** (epoch - ramp_epochs - sustain_epochs)


def schedule(replicas: int = 1, **constants: float) -> Callable[[int], float]:
    """``learning_rate`` with these constants, as a function of the epoch alone."""
    return lambda epoch, *_: learning_rate(epoch, replicas, **constants)


def training_callbacks(rate: Callable[[int], float], backup_dir: str | Path) -> list:
    """Callbacks for ``fit``: set each epoch's learning rate from ``rate``, and back up the
    training state in ``backup_dir`` after each epoch, so that a ``fit`` interrupted (a
    preempted TPU, a closed laptop) and run again continues from its last finished epoch.
    The backup is deleted when ``fit`` completes."""
    import keras

    return [keras.callbacks.LearningRateScheduler(rate),
            keras.callbacks.BackupAndRestore(str(backup_dir))]
