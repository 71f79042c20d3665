"""Checks for lesson 8, LiteRT: the representative dataset, and one image through the interpreter.

``classify`` is run on two small models the check converts once (a float32 one, and a full
integer one whose uint8 input has a zero point of 128, as a model fed values from -1 to 1 has),
and compared with the Keras model they came from.
"""

from __future__ import annotations

import functools
import inspect
import tempfile
from pathlib import Path

import numpy as np

from flowers_lab.checks import Feedback, correct, guarded, hint
from flowers_lab.evaluation import predict
from flowers_lab.litert import convert, interpreter

IMAGES = np.random.default_rng(0).uniform(-1, 1, (6, 4, 4, 3)).astype("float32")


@functools.cache
def _models() -> tuple[np.ndarray, Path, Path]:
    """(the Keras model's probabilities for ``IMAGES``, its float32 file, its int8 file)."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input([4, 4, 3]), keras.layers.Flatten(), keras.layers.Dense(5, "softmax")])
    calibration = np.random.default_rng(1).uniform(-1, 1, (64, 4, 4, 3)).astype("float32")
    folder = Path(tempfile.mkdtemp(prefix="flowers-lab-check-"))
    convert(model, folder / "float32.tflite")
    convert(
        model,
        folder / "int8.tflite",
        optimizations=[tf.lite.Optimize.DEFAULT],
        representative_dataset=lambda: ([image[None]] for image in calibration),
        target_spec={"supported_ops": [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]},
        inference_input_type=tf.uint8,
        inference_output_type=tf.uint8,
    )
    return predict(model, IMAGES), folder / "float32.tflite", folder / "int8.tflite"


@guarded
def representative_dataset(function) -> Feedback:
    """``representative_dataset()``: yields, one at a time, lists of one float32 image of batch 1,
    with the pixel values the model is fed (0 to 255), at least 100 of them."""
    if not callable(function):
        return hint(
            "pass the function itself, representative_dataset, not what it returns: the converter calls it"
            if isinstance(function, list | tuple) or inspect.isgenerator(function)
            else f"`representative_dataset` should be a function, not a {type(function).__name__}"
        )
    items = list(function())
    if not items:
        return hint("representative_dataset yields nothing: yield [image] for each image, one at a time")
    first = items[0]
    if not isinstance(first, list | tuple):
        return hint(
            f"each item should be a list of the model's inputs, here one: yield [image], not a bare "
            f"{type(first).__name__}"
        )
    if len(first) != 1:
        return hint(
            f"each item should hold the model's one input, the image; yours holds {len(first)} things: "
            "yield [image] without the label"
        )
    image = np.asarray(first[0])
    if image.ndim == 3:
        return hint(f"each image should have a batch of 1: shape [1, height, width, 3]; yours is {list(image.shape)}")
    if image.ndim != 4 or image.shape[0] != 1 or image.shape[-1] != 3:
        return hint(f"each image should be one image of shape [1, height, width, 3]; yours is {list(image.shape)}")
    if image.dtype != np.float32:
        return hint(
            f"the converter takes float32 images, as the model does; yours are {image.dtype}: .astype('float32')"
        )
    if float(np.max([np.max(item[0]) for item in items])) <= 1.0:
        return hint(
            "your pixels go up to 1; the model is fed pixels of 0 to 255 (its Rescaling layer divides them): give "
            "the converter what the model will see, or it measures the wrong range"
        )
    if len(items) < 100:
        return hint(f"yours yields {len(items)} images; the converter needs a hundred or more to measure ranges well")
    return correct(f"{len(items)} float32 images of shape {list(image.shape)}, pixels 0 to 255, one at a time")


def _run(function, path: Path) -> np.ndarray:
    return np.stack([np.asarray(function(interpreter(path), image), dtype=float) for image in IMAGES])


@guarded
def classify(function) -> Feedback:
    """``classify(interpreter, image)``: the probabilities of one image, from a float or a uint8
    model: the image quantized with the input's scale and zero point, the output dequantized."""
    if not callable(function):
        return hint(f"`classify` should be a function of (interpreter, image), not a {type(function).__name__}")
    expected, float32, int8 = _models()
    found = _run(function, float32)
    if found.shape == (len(IMAGES), 1, 5):
        return hint("return the 5 probabilities of the image, output[0], not the batch of one")
    if found.shape != expected.shape:
        return hint(f"classify should return the 5 probabilities of the image; yours returns shape {found.shape[1:]}")
    if not np.allclose(found, expected, atol=1e-4):
        return hint("on a float32 model, classify should give the Keras model's probabilities; yours differ")
    try:
        found = _run(function, int8)
    except ValueError as error:
        if "UINT8" in str(error) or "type" in str(error).lower():
            return hint(
                "the int8 model takes uint8: quantize the image first, q = image / scale + zero_point, rounded and "
                f"as uint8 (scale, zero_point = input['quantization']). The error: {str(error)[:120]}"
            )
        raise
    if found.max() > 1.5:
        return hint(
            f"the int8 model's output is uint8 (yours go up to {found.max():.0f}): dequantize it, "
            "probability = scale * (q - zero_point), with the output's quantization"
        )
    gap = float(np.abs(found - expected).max())
    if gap > 0.05:
        return hint(
            f"on the int8 model your probabilities differ from the Keras model's by up to {gap:.2f}: quantize with "
            "q = image / scale + zero_point (the zero point here is 128), dequantize with scale * (q - zero_point)"
        )
    return correct(f"float32 as Keras; int8 within {gap:.3f} of Keras, its input quantized, its output dequantized")
