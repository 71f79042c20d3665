"""Checks for lesson 4, your own convnet: the three steps of the experiment."""

from __future__ import annotations

import keras

from flowers_lab.checks import Feedback, correct, graph, guarded, hint
from flowers_lab.checks.models import (
    GLOBAL_POOLING,
    classifier_problem,
    convolution_problem,
    head_of,
    image_classifier_problem,
)


def _head_weights(model: keras.Model, head) -> int:
    """Weights in the layers from ``head`` to the output."""
    return sum(layer.count_params() for layer in model.layers[model.layers.index(head) :])


def _convnet_problem(model, convolutions: int) -> Feedback | None:
    """What every step needs: 5 outputs per image, scaled pixels, at least ``convolutions``
    activated convolutions, and feature maps that shrink before the head."""
    problem = image_classifier_problem(
        model,
        "end with a head that turns the feature maps into 5 numbers (Flatten or GlobalAveragePooling2D, then Dense)",
    )
    if problem:
        return problem
    found = graph.of_kind(model, keras.layers.Conv2D)
    if len(found) < convolutions:
        return hint(
            f"{len(found)} Conv2D layer(s): stack at least {convolutions} convolutions, so that later layers "
            "see larger parts of the image"
        )
    problem = convolution_problem(model)
    if problem:
        return problem
    head = head_of(model)
    size, features = model.input_shape[1], graph.spatial_size(head.input if head is not None else found[-1])
    if features is not None and features * 4 > size:
        return hint(
            f"the feature maps are still {features}x{features} of {size}x{size} when they reach the head: "
            "halve them every one or two convolutions with layers.MaxPooling2D(2) (or strides=2)"
        )
    return _halving_problem(found)


def _halving_problem(convolutions: list) -> Feedback | None:
    """A hint when three or more convolutions (1x1 ones aside, which cost little) run on a map of
    one size, rather than halving it after every one or two: the lesson's reason is cost."""
    at_size: dict[int | None, int] = {}
    for conv in convolutions:
        if tuple(conv.kernel_size) != (1, 1):
            size = graph.spatial_size(conv)
            at_size[size] = at_size.get(size, 0) + 1
            if at_size[size] > 2:
                return hint(
                    f"three convolutions on the {size}x{size} map: a convolution's cost grows with the map's area, "
                    "so halve the map after every one or two (layers.MaxPooling2D(2)); the later ones then cost "
                    "a quarter and see twice as far"
                )
    return None


def _done(model: keras.Model, head, what: str) -> str:
    weights = _head_weights(model, head)
    return (
        f"{len(graph.of_kind(model, keras.layers.Conv2D))} convolutions and {what}: {model.count_params():,} "
        f"weights, {weights:,} ({weights / model.count_params():.0%}) of them in the head. Train it"
    )


@guarded
def flatten_convnet(model) -> Feedback:
    """Step 1: convolutions with activations and pooling, then a Flatten + Dense head; compiled."""
    problem = _convnet_problem(model, 3)
    if problem:
        return problem
    head = head_of(model)
    if isinstance(head, GLOBAL_POOLING):
        return hint(
            "this first step keeps the Flatten + Dense head, to see what it costs; the next step replaces "
            "it with global average pooling"
        )
    if not isinstance(head, keras.layers.Flatten):
        return hint("end the convolutions with layers.Flatten(), then the Dense layer that classifies")
    problem = classifier_problem(model)
    if problem:
        return problem
    return correct(
        _done(
            model,
            head,
            f"a Flatten head over {head.input.shape[1]}x{head.input.shape[2]}x{head.input.shape[3]} features",
        )
    )


@guarded
def gap_convnet(model) -> Feedback:
    """Step 2: the same kind of convnet, with global average pooling before the Dense layer."""
    problem = _convnet_problem(model, 3)
    if problem:
        return problem
    head = head_of(model)
    if isinstance(head, keras.layers.Flatten):
        weights = _head_weights(model, head)
        return hint(
            f"the Flatten + Dense head still holds {weights:,} of your {model.count_params():,} weights: "
            "replace Flatten with layers.GlobalAveragePooling2D(), which averages each channel over the map"
        )
    if not isinstance(head, GLOBAL_POOLING):
        return hint("put layers.GlobalAveragePooling2D() between the last convolution and the Dense layer")
    problem = classifier_problem(model)
    if problem:
        return problem
    return correct(_done(model, head, "a global-average-pooling head"))


@guarded
def convnet(model) -> Feedback:
    """Step 3: more convolutions, a 1x1 convolution to mix channels, a global-average-pooling head."""
    problem = _convnet_problem(model, 5)
    if problem:
        return problem
    head = head_of(model)
    if not isinstance(head, GLOBAL_POOLING):
        return hint("keep the global-average-pooling head of step 2: layers.GlobalAveragePooling2D() before the Dense")
    convolutions = graph.of_kind(model, keras.layers.Conv2D)
    pointwise = [layer for layer in convolutions if tuple(layer.kernel_size) == (1, 1)]
    if not pointwise:
        return hint(
            "add a 1x1 convolution (layers.Conv2D(filters, 1)) before the head: it mixes the channels at "
            "each position for few weights"
        )
    spatial = [index for index, layer in enumerate(convolutions) if tuple(layer.kernel_size) != (1, 1)]
    if all(convolutions.index(layer) < spatial[-1] for layer in pointwise):
        reads = pointwise[0].input.shape[-1]
        return hint(
            f"your 1x1 convolution reads {reads} channels"
            + (" (the RGB image)" if reads == 3 else "")
            + ", before the last 3x3 one: put it after the last 3x3 convolution, just before the head, where it "
            "mixes the many channels at each position cheaply"
        )
    problem = classifier_problem(model)
    if problem:
        return problem
    return correct(_done(model, head, f"{len(pointwise)} 1x1 convolution(s) before a global-average-pooling head"))
