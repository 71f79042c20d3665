"""How long each lesson's training takes on Colab's TPU runtime (one v5e chip), estimated: no TPU
can be reached from here, so this counts the work and scales the one TPU timing the workshop gave.

    KERAS_BACKEND=jax python benchmarks/tpu_estimate.py [--lessons 3 4 5 6 7 8] [--json FILE]

For each model a lesson trains at its workshop defaults (the solution's parameters cell), XLA
counts the floating-point operations of one prediction per image; a training step costs three
times that (the backward pass about twice the forward), or once where the weights that cost are
frozen (lesson 3's backbone). XLA's own count of a gradient overcounts depthwise convolutions
(Xception's training step: 3.4 times its forward pass, not 3), so it is not used. A lesson's work
is then, per model, epochs x (training images x a step's operations + validation images x a
prediction's), on the real photos' split (2,980 training and 690 validation images).

The rate comes from the original workshop's one timing: Xception fine-tuned at 331 px for 12
epochs in 165 s on a TPU v3-8 (420 TFLOP/s bf16 peak), a share ``utilisation()`` of the peak, which
a v5e chip (197 TFLOP/s) is assumed to reach too. Each model's time is the larger of its work at
that rate and ``STEP_SECONDS`` per training step (small models are bound by Keras' dispatch and the
batch's transfer, not by the chip), plus ``COMPILE_SECONDS``: both assumptions.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import json
import os
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import jax  # noqa: E402
import keras  # noqa: E402
import numpy as np  # noqa: E402
from IPython.core.inputtransformer2 import TransformerManager  # noqa: E402

from flowers_lab.authoring.curriculum import lesson  # noqa: E402
from flowers_lab.authoring.solutions import cells, namespace  # noqa: E402

PEAK_FLOPS = 197e12
"""A TPU v5e chip's bf16 peak (cloud.google.com/tpu/docs/v5e)."""

WORKSHOP_TIMING = {"lesson": 6, "seconds": 165, "peak_flops": 420e12}
"""The original's one timing: lesson 6's 12 epochs on a TPU v3-8 (420 TFLOP/s bf16)."""

STEP_SECONDS = 0.01
"""The least time a training step is assumed to take on one chip, whatever its size (an assumption)."""

COMPILE_SECONDS = 30
"""XLA's compilation of one model's training and evaluation steps (an assumption)."""

TRAIN_IMAGES, VALIDATION_IMAGES, BATCH = 2980, 690, 16
"""The real photos, split by files as the reader splits them; the workshop's batch on one chip."""

TRAINED = {
    3: [("dense", "EPOCHS"), ("model", "EPOCHS")],
    4: [("flatten_model", "STEP_EPOCHS"), ("gap_model", "STEP_EPOCHS"), ("model", "EPOCHS")],
    5: [("model", "EPOCHS")],
    6: [("model", "EPOCHS")],
    7: [("model", "EPOCHS")],
    8: [("model", "EPOCHS")],
}
"""The models each lesson trains on the flowers (by the name its solution gives them) and the
parameter that says for how many epochs."""


def models(number: int, defaults: dict) -> dict[str, keras.Model]:
    """The models of lesson ``number``'s solution, built by its own cells with its ``defaults``
    (image size; lesson 3's MobileNetV2 width): the ``with accelerator.scope():`` block of each
    cell that has one (what follows it, training, not)."""
    found = namespace(number, defaults["IMAGE_SIZE"], **({"alpha": defaults["ALPHA"]} if "ALPHA" in defaults else {}))
    python = TransformerManager().transform_cell
    for cell in cells(number):
        blocks = [node for node in ast.parse(python(cell.source)).body if isinstance(node, ast.With)]
        for block in blocks:
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(ast.Module([block], type_ignores=[]), f"lesson {number}", "exec"), found)
    return {name: value for name, value in found.items() if isinstance(value, keras.Model)}


def forward_flops(model: keras.Model, image_size: int) -> float:
    """The operations of one prediction, per image, as XLA counts them."""
    images = np.zeros([BATCH, image_size, image_size, 3], "float32")
    trainable = [v.value for v in model.trainable_variables]
    frozen = [v.value for v in model.non_trainable_variables]
    analysis = (
        jax.jit(lambda trainable, frozen, images: model.stateless_call(trainable, frozen, images)[0])
        .lower(trainable, frozen, images)
        .compile()
        .cost_analysis()
    )
    return float((analysis[0] if isinstance(analysis, list) else analysis)["flops"]) / BATCH


def work(number: int) -> dict:
    """The operations of lesson ``number``'s training at its workshop defaults, per model."""
    defaults = lesson(number).defaults()
    built = models(number, defaults)
    rows = []
    for name, epochs_parameter in TRAINED[number]:
        model, epochs = built[name], defaults[epochs_parameter]
        prediction = forward_flops(model, defaults["IMAGE_SIZE"])
        frozen = model.count_params() > 2 * sum(int(np.prod(w.shape)) for w in model.trainable_weights)
        training = prediction * (1 if frozen else 3)
        rows.append(
            {
                "model": name,
                "epochs": epochs,
                "gflop_per_image": training / 1e9,
                "flops": epochs * (TRAIN_IMAGES * training + VALIDATION_IMAGES * prediction),
                "steps": epochs * -(-TRAIN_IMAGES // BATCH),
            }
        )
    return {"lesson": number, "image_size": defaults["IMAGE_SIZE"], "models": rows}


def utilisation(lesson_six: dict) -> float:
    """The share of its peak the workshop's TPU reached in lesson 6, from the work counted here."""
    flops = sum(row["flops"] for row in lesson_six["models"])
    return flops / (WORKSHOP_TIMING["seconds"] * WORKSHOP_TIMING["peak_flops"])


def estimate(counted: dict, share: float) -> dict:
    """``counted`` with each model's seconds on one v5e chip, and the lesson's."""
    for row in counted["models"]:
        compute = row["flops"] / (share * PEAK_FLOPS)
        row["seconds"] = max(compute, row["steps"] * STEP_SECONDS) + COMPILE_SECONDS
    counted["tflop"] = sum(row["flops"] for row in counted["models"]) / 1e12
    counted["seconds"] = sum(row["seconds"] for row in counted["models"])
    counted["utilisation"] = share
    return counted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lessons", type=int, nargs="+", default=sorted(TRAINED))
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    counted = {number: work(number) for number in sorted({*args.lessons, WORKSHOP_TIMING["lesson"]})}
    share = utilisation(counted[WORKSHOP_TIMING["lesson"]])
    print(f"the workshop's lesson 6 on a TPU v3-8 used {share:.1%} of its peak; assumed on a v5e chip too")
    results = [estimate(counted[number], share) for number in args.lessons]
    for found in results:
        parts = ", ".join(
            f"{m['model']} {m['epochs']} epochs at {m['gflop_per_image']:.2f} GFLOP" for m in found["models"]
        )
        print(
            f"lesson {found['lesson']} ({found['image_size']} px): {found['tflop']:,.0f} TFLOP, "
            f"about {found['seconds'] / 60:.1f} min on one v5e chip ({parts} per image per step)",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
