"""The workshop's story on the offline sample: the lessons' models trained at equal budgets.

On the real photos a dense classifier on pixels is weak, a small convnet does better, squeezenet
with batch normalisation better still, and a frozen pretrained network with a new head best of the
four. Offline the lessons run on the synthetic sample, so the sample has to show the same.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from pathlib import Path

MODELS = {
    "dense": (3, "dense", "dense_validation_accuracy"),
    "convnet": (4, "model", "validation_accuracy"),
    "squeezenet": (5, "model", "validation_accuracy"),
    "transfer": (3, "model", "validation_accuracy"),
}
"""Each row of the story, in the workshop's order: (lesson, the name its solution notebook gives the
model, the figure its report gives the model's last validation accuracy as): lesson 3's dense
classifier on raw pixels, lesson 4's convnet, lesson 5's squeezenet, lesson 3's frozen backbone."""

WORKSHOP = {"dense": None, "convnet": 0.704, "squeezenet": 0.81, "transfer": 0.86}
"""The original workshop's validation accuracy on the real photos (its dense classifier's is not given)."""


def told(figures: dict[int, dict[str, float]]) -> str | None:
    """One line on whether the lessons' reported ``figures`` (by lesson number) tell the story,
    each model above the one before it; None when a lesson of it did not report."""
    found = {}
    for row, (number, _, figure) in MODELS.items():
        if figure not in figures.get(number, {}):
            return None
        found[row] = figures[number][figure]
    rows = list(found)
    out_of_order = [f"{high} not above {low}" for low, high in itertools.pairwise(rows) if found[high] <= found[low]]
    said = (", " if out_of_order else " < ").join(f"{row} {found[row]:.3f}" for row in rows)
    return f"{said}: " + (f"does not hold ({', '.join(out_of_order)})" if out_of_order else "holds")


def fine_tuning_told(figures: dict[int, dict[str, float]], offline: bool = False) -> str | None:
    """One line on whether lesson 6's fine-tuned network ends above lesson 3's frozen backbone, as
    on the real photos (96.8% against 86%); None when either did not report. ``offline`` (lesson 6
    ran on the offline sample) adds why it need not: lesson 6 then fine-tunes lesson 3's own
    backbone, pretrained on the five species, and both end near the sample's ceiling (BENCHMARKS.md)."""
    try:
        tuned, frozen = figures[6]["validation_accuracy"], figures[3]["validation_accuracy"]
    except KeyError:
        return None
    why = " (offline, lesson 6 fine-tunes lesson 3's backbone, which was pretrained on the five species)"
    verdict = "holds" if tuned > frozen else "does not hold" + (why if offline else "")
    return f"lesson 6 fine-tuned {tuned:.3f} > lesson 3 frozen {frozen:.3f}: {verdict}"


def equal_budget(
    seed: int = 0,
    image_size: int = 48,
    per_class: int = 250,
    epochs: int = 12,
    rows: tuple[str, ...] = tuple(MODELS),
    backbone: str | Path | None = None,
    folder: Path | None = None,
    stop_above: float | None = None,
    log: Callable[[str], None] | None = print,
) -> dict[str, dict]:
    """Train each of ``rows`` as its solution notebook builds and compiles it, on the sample made
    with ``seed``, all at the same image size, epochs and batch (32), without augmentation, so
    that only the model differs (lesson 3's frozen backbone has the offline weights, or
    ``backbone``); return each one's validation accuracy per epoch (to 3 places) and seconds.
    Each model starts from ``repeatable(seed)``: on TensorFlow the rest of the process then runs
    its operations deterministically.

    With ``stop_above``, a model stops at the first epoch whose validation accuracy passes it:
    that is enough to know whether its best of ``epochs`` passes it, in less time."""

    from flowers_lab.accelerator import repeatable
    from flowers_lab.authoring.solutions import answer
    from flowers_lab.backbone import OFFLINE_ALPHA, OFFLINE_WEIGHTS
    from flowers_lab.data.reader import load_flowers
    from flowers_lab.sources import make_sample

    source = make_sample(size=image_size, per_class=per_class, seed=seed, folder=folder, log=None)
    repeatable(seed)  # before the dataset is made: its shuffling takes its seed from it
    data = load_flowers(source.shards, image_size=image_size, batch_size=32)
    found = {}
    weights = str(backbone or OFFLINE_WEIGHTS)
    for row in rows:
        number, name, _ = MODELS[row]
        repeatable(seed)
        model = answer(number, name, image_size=image_size, weights=weights, alpha=OFFLINE_ALPHA)
        start = time.perf_counter()
        history = model.fit(
            data.train,
            steps_per_epoch=data.steps_per_epoch,
            epochs=epochs,
            validation_data=data.validation,
            validation_steps=data.validation_steps,
            callbacks=[] if stop_above is None else [_stop_above(stop_above)],
            verbose=0,
        )
        curve = [round(float(value), 3) for value in history.history["val_accuracy"]]
        found[row] = {"validation": curve, "seconds": round(time.perf_counter() - start, 1)}
        if log:
            log(f"seed {seed} {row:<11} best {max(curve):.3f}, last {curve[-1]:.3f}: {curve}")
    return found


def _stop_above(threshold: float):
    """A callback that ends training once validation accuracy, to 3 places as ``equal_budget``
    reports it, passes ``threshold``."""
    import keras

    class StopAbove(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if round((logs or {}).get("val_accuracy", 0.0), 3) > threshold:
                self.model.stop_training = True

    return StopAbove()
