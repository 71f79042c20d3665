"""Training throughput of each lesson's solution model at its CI image size, fed by the
flowers_lab reader from TFRecords and by the same batches already in memory.

    python benchmarks/training.py [--lessons 3 4 5 6] [--passes 9] [--json FILE]
    KERAS_BACKEND=jax python benchmarks/training.py --lessons 4

The models are built by running the solution notebook's own cells (the function definitions and
the cell that makes ``model``), so what is measured is what learners train. Each pass is one
``fit`` epoch of a fixed number of steps, after one warm-up epoch (compilation); the figure is
the median over the passes, with the range. A ratio reader / memory of 1.0 means the input
pipeline costs the training nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import nbformat  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from flowers_lab.accelerator import detect  # noqa: E402
from flowers_lab.authoring.curriculum import lesson  # noqa: E402
from flowers_lab.backbone import OFFLINE_ALPHA, OFFLINE_WEIGHTS, offline_backbone  # noqa: E402
from flowers_lab.data.reader import augment, load_flowers  # noqa: E402
from flowers_lab.sources import make_sample  # noqa: E402

STEPS = {3: 24, 4: 24, 5: 12, 6: 12}
"""Batches per pass (lesson 6 fine-tunes lesson 3's backbone at its quick size, as offline)."""


def solution_model(number: int, image_size: int, accelerator) -> keras.Model:
    """The model the lesson's solution notebook builds, made by running its cells."""
    names = {
        "keras": keras,
        "layers": keras.layers,
        "IMAGE_SIZE": image_size,
        "accelerator": accelerator,
        "weights": {3: str(OFFLINE_WEIGHTS), 6: "offline"}.get(number),
        "alpha": OFFLINE_ALPHA,
        "offline_backbone": lambda size: offline_backbone(size, log=None),
    }
    cells = [c for c in nbformat.read(lesson(number).solution, as_version=4).cells if c.cell_type == "code"]
    definitions = [c.source for c in cells if c.source.startswith("def ")]
    model_cell = [c.source for c in cells if "\n    model = " in c.source][-1]  # built in the accelerator's scope
    with contextlib.redirect_stdout(io.StringIO()):  # model.summary()
        for source in [*definitions, model_cell]:
            exec(source, names)
    return names["model"]


class _EpochTimes(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)


def throughput(
    model: keras.Model, dataset: tf.data.Dataset, steps: int, warm_up: int, batch: int, passes: int
) -> list[float]:
    """Images/s of each of ``passes`` epochs of ``steps`` batches, after an epoch of ``warm_up``."""
    model.fit(dataset, steps_per_epoch=warm_up, epochs=1, verbose=0)
    times = _EpochTimes()
    model.fit(dataset, steps_per_epoch=steps, epochs=passes, verbose=0, callbacks=[times])
    return [steps * batch / seconds for seconds in times.seconds]


def measure(number: int, passes: int, batch: int = 32) -> dict:
    """Reader-fed and memory-fed images/s of one lesson's model, and their ratio."""
    quick = lesson(number).quick
    size = quick["IMAGE_SIZE"]
    source = make_sample(size=size, per_class=quick["SAMPLE_PER_CLASS"], log=None)
    data = load_flowers(source.shards, image_size=size, batch_size=batch, augment=augment if number in (5, 6) else None)
    steps = STEPS[number]
    images, labels = zip(*data.train.take(steps).as_numpy_iterator(), strict=True)
    in_memory = (
        tf.data.Dataset.from_tensor_slices((np.concatenate(images), np.concatenate(labels)))
        .batch(batch)
        .repeat()
        .prefetch(tf.data.AUTOTUNE)
    )
    accelerator = detect(log=None)
    figures = {}
    for feed, dataset in (("memory", in_memory), ("reader", data.train)):
        keras.utils.set_random_seed(0)
        rates = throughput(
            solution_model(number, size, accelerator), dataset, steps, data.steps_per_epoch + 1, batch, passes
        )
        figures[feed] = {"median": statistics.median(rates), "min": min(rates), "max": max(rates)}
    figures["ratio"] = figures["reader"]["median"] / figures["memory"]["median"]
    return {
        "lesson": number,
        "image_size": size,
        "steps": steps,
        "batch": batch,
        "passes": passes,
        "backend": keras.backend.backend(),
        **figures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lessons", type=int, nargs="+", default=[3, 4, 5, 6])
    parser.add_argument("--passes", type=int, default=9)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    results = []
    for number in args.lessons:
        found = measure(number, args.passes)
        results.append(found)
        print(
            f"lesson {number} ({found['backend']}, {found['image_size']} px): "
            f"reader {found['reader']['median']:.1f} images/s ({found['reader']['min']:.1f}-"
            f"{found['reader']['max']:.1f}), memory {found['memory']['median']:.1f} "
            f"({found['memory']['min']:.1f}-{found['memory']['max']:.1f}): ratio {found['ratio']:.2f}",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
