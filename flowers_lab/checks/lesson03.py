"""Checks for lesson 3, transfer learning."""

from __future__ import annotations

import keras

from flowers_lab.checks import Feedback, correct, graph, guarded, hint
from flowers_lab.checks.models import (
    compile_problem,
    gives_probabilities,
    image_classifier_problem,
    output_problem,
    preprocessing_problem,
)


def _compiled_as(probabilities: bool) -> str:
    return "probabilities and a cross-entropy" if probabilities else "logits and a from_logits cross-entropy"


@guarded
def dense_classifier(model) -> Feedback:
    """Pixels scaled to 0..1, flattened, hidden Dense layers with a non-linear activation, 5
    outputs; compiled with a cross-entropy on class indices that matches the output, and accuracy."""
    problem = image_classifier_problem(
        model,
        "Dense layers work on the last axis only, so lay the pixels out in one vector first with layers.Flatten()",
    )
    if problem:
        return problem
    dense = graph.of_kind(model, keras.layers.Dense)
    per_pixel = [layer for layer in dense if len(layer.input.shape) > 2]
    if per_pixel:
        return hint(
            f"{per_pixel[0].name} reads the image before it is flattened: a Dense layer works on the last axis "
            f"only, so it mixes each pixel's {per_pixel[0].input.shape[-1]} values alone, the same for every pixel. "
            "Flatten first, so that every neuron sees the whole image"
        )
    hidden = dense[:-1]
    if not hidden:
        return hint('add hidden Dense layers with activation="relu" (500, then 50 neurons) before the last one')
    flat = [layer for layer in hidden if not graph.activated(model, layer)]
    if flat:
        return hint(
            f"{flat[0].name} has no activation: without one, stacked Dense layers are a single linear map. "
            'Give the hidden layers activation="relu"'
        )
    probabilities = gives_probabilities(model)  # run once: the loss check and the message both need it
    problem = compile_problem(model, probabilities)
    if problem:
        return problem
    first = hidden[0].count_params()
    return correct(
        f"hidden layers of {', '.join(str(layer.units) for layer in hidden)} neurons with activations, "
        f"{model.count_params():,} weights ({first / model.count_params():.0%} in the first layer); "
        f"compiled with {_compiled_as(probabilities)} on class indices, and accuracy"
    )


@guarded
def transfer_model(model, pretrained) -> Feedback:
    """The frozen ``pretrained`` model after MobileNetV2's preprocessing, then a new 5-class head;
    compiled."""
    if not isinstance(pretrained, keras.Model):
        return hint(f"`pretrained` should be the keras.applications model, not a {type(pretrained).__name__}")
    if pretrained.trainable:
        return hint("freeze the pretrained model before you compile: pretrained.trainable = False")
    if not isinstance(model, keras.Model) or pretrained not in model.layers:
        return hint("put `pretrained` itself in the model, between the preprocessing and the new head")
    problem = preprocessing_problem(model, pretrained) or output_problem(model)
    if problem:
        return problem
    probabilities = gives_probabilities(model)
    problem = compile_problem(model, probabilities)
    if problem:
        return problem
    trainable = sum(int(keras.ops.size(w)) for w in model.trainable_weights)
    return correct(
        f"0..255 reaches {pretrained.name} as -1..1; {trainable:,} trainable weights in the new head, the "
        f"{pretrained.count_params():,} of the pretrained model frozen; compiled with "
        f"{_compiled_as(probabilities)}, and accuracy"
    )
