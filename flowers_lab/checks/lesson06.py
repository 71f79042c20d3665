"""Checks for lesson 6, Xception fine-tuned: the model and the learning-rate schedule."""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from flowers_lab.checks import Feedback, correct, graph, guarded, hint
from flowers_lab.checks.models import classifier_problem, output_problem, preprocessing_problem
from flowers_lab.schedule import learning_rate as _reference

_WHY_FLOAT32 = {
    "mixed_float16": "float16 (GPUs) cannot hold a probability below 6e-8: it rounds to 0, and the loss, -log(0), "
    "becomes infinite",
    "mixed_bfloat16": "bfloat16 (TPUs) has float32's range, so nothing rounds to 0, but only 2 to 3 significant "
    "digits: 0.9985, 0.999 and 1.003 all become 1.0, and the loss and its gradients get coarse",
}


def _stand_in() -> keras.Model:
    """A small network in place of Xception, built under the policy in force, trainable as new."""
    x = keras.Input([16, 16, 3])
    y = keras.layers.Conv2D(8, 3, strides=2, activation="relu")(x)
    return keras.Model(x, y, name="stand_in_for_xception")


def _softmaxes(model: keras.Model) -> list:
    """The layers and operations of ``model`` that apply a softmax: a ``Softmax`` layer, an
    ``activation="softmax"`` (in a Dense layer or an ``Activation``), ``keras.ops.softmax``."""
    found = []
    for op in graph.operations(model):
        activation = getattr(getattr(op, "activation", None), "__name__", "")
        if isinstance(op, keras.layers.Softmax) or graph.named(op, "Softmax") or activation == "softmax":
            found.append(op)
    return found


def _compute_dtype(op) -> str:
    """The dtype an operation computes in: its policy's, for a layer or a ``keras.ops`` operation."""
    return str(getattr(op, "compute_dtype", None) or keras.config.dtype_policy().compute_dtype)


@guarded
def fine_tune_model(function) -> Feedback:
    """``function(pretrained)`` should return a compiled model: ``pretrained`` trainable, after
    Xception's preprocessing, then a 5-class head whose output is float32 under every
    mixed-precision policy (checked by building it under each, with a small stand-in network)."""
    previous, outputs = keras.config.dtype_policy(), {}
    try:
        for policy in ("float32", "mixed_float16", "mixed_bfloat16"):
            keras.config.set_dtype_policy(policy)
            pretrained = _stand_in()
            model = function(pretrained)
            if not isinstance(model, keras.Model) or pretrained not in model.layers:
                return hint("return a model with `pretrained` itself in it, between the preprocessing and the new head")
            if not pretrained.trainable:
                return hint("fine-tuning trains the pretrained weights too: leave pretrained.trainable = True")
            problem = preprocessing_problem(model, pretrained) or (
                classifier_problem(model) if policy == "float32" else output_problem(model)
            )
            if problem:
                return problem
            outputs[policy] = model.outputs[0].dtype
            rounded = [op for op in _softmaxes(model) if _compute_dtype(op) != "float32"]
            if rounded and outputs[policy] == "float32":
                return hint(
                    f"under {policy} your softmax ({rounded[0].name}) computes in {_compute_dtype(rounded[0])} "
                    "and only its result becomes float32: the probabilities were already rounded in 16 bits. "
                    'Compute the softmax itself in float32: dtype="float32" on the layer that applies it'
                )
    finally:
        keras.config.set_dtype_policy(previous)
    wrong = {policy: dtype for policy, dtype in outputs.items() if dtype != "float32"}
    if wrong:
        return hint(
            "; ".join(
                f"under {policy} your output is {dtype}: {_WHY_FLOAT32[policy]}" for policy, dtype in wrong.items()
            )
            + '. Give the last layer dtype="float32"'
        )
    return correct(
        "built under float32, mixed_float16 and mixed_bfloat16: the pretrained network trainable, pixels "
        "brought to -1..1, a float32 output under each; compiled"
    )


_CONSTANTS: tuple[dict[str, Any], ...] = (
    {"start": 1e-5, "peak": 4e-4, "minimum": 1e-5, "ramp_epochs": 5, "sustain_epochs": 0, "decay": 0.8},
    {"start": 1e-4, "peak": 1e-3, "minimum": 2e-5, "ramp_epochs": 3, "sustain_epochs": 2, "decay": 0.5},
)


@guarded
def learning_rate(function) -> Feedback:
    """``function(epoch, start, peak, minimum, ramp_epochs, sustain_epochs, decay)``: checked by
    its values over 14 epochs, with the workshop's constants and with others that sustain the peak."""
    for constants in _CONSTANTS:
        ramp, sustain = constants["ramp_epochs"], constants["sustain_epochs"]
        got = [float(function(epoch, *constants.values())) for epoch in range(14)]
        want = [_reference(epoch, **constants) for epoch in range(14)]
        if np.allclose(got, want, rtol=1e-6, atol=0):
            continue
        with_ = ", ".join(f"{name}={value:g}" for name, value in constants.items())
        wrong = next(epoch for epoch in range(14) if not np.isclose(got[epoch], want[epoch], rtol=1e-6, atol=0))
        if wrong < ramp and np.isclose(got[wrong], want[wrong + 1], rtol=1e-6):
            advice = "the ramp is one epoch ahead: epoch 0 gives start, epoch ramp_epochs reaches the peak"
        elif wrong == 0:
            advice = "epoch 0 (the first) should use `start`"
        elif wrong < ramp:
            advice = "ramp linearly: start + (peak - start) * epoch / ramp_epochs"
        elif wrong < ramp + sustain or (wrong == ramp and not sustain):
            advice = f"epochs {ramp} to {ramp + sustain} should hold the peak, {constants['peak']:g}"
        elif np.isclose(got[wrong], constants["peak"] * constants["decay"] ** (wrong - ramp - sustain), rtol=1e-6):
            advice = "decay towards the minimum, not towards 0: minimum + (peak - minimum) * decay ** k"
        else:
            advice = (
                "after the ramp and the sustain, decay by `decay` each epoch: minimum + (peak - minimum) * decay ** k"
            )
        return hint(f"{advice}. With {with_}, epoch {wrong} should be {want[wrong]:.4g}, yours is {got[wrong]:.4g}")
    return correct(
        "the values of 14 epochs match, with the workshop's constants (ramp 5, no sustain) and with a "
        "sustained peak (ramp 3, sustain 2)"
    )
