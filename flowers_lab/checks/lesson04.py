"""Checks for lesson 4, your own convnet."""

from __future__ import annotations

import keras

from flowers_lab.checks import Feedback, correct, guarded, hint
from flowers_lab.checks.models import classifier_problem


def _layers_of(model, kind) -> list:
    return [layer for layer in model.layers if isinstance(layer, kind)]


@guarded
def convnet(model) -> Feedback:
    """A compiled convnet for 5 classes that scales its pixels, stacks 3x3 convolutions with
    pooling, and ends with global average pooling and a softmax."""
    if not isinstance(model, keras.Model):
        return hint(f"`model` should be a keras.Sequential (or keras.Model), not a {type(model).__name__}")
    if not isinstance(model.layers[0], keras.layers.Rescaling):
        return hint("the dataset gives pixels from 0 to 255: start with keras.layers.Rescaling(1 / 255)")
    convolutions = _layers_of(model, keras.layers.Conv2D)
    if len(convolutions) < 5:
        return hint(f"{len(convolutions)} Conv2D layer(s): stack more 3x3 convolutions, with a MaxPooling2D "
                    "after every one or two, so that later layers see larger parts of the image")
    if not _layers_of(model, keras.layers.MaxPooling2D):
        return hint("no MaxPooling2D: pool between groups of convolutions to halve the feature maps")
    flatten = _layers_of(model, keras.layers.Flatten)
    if flatten:
        head = sum(layer.count_params() for layer in model.layers[model.layers.index(flatten[0]):])
        return hint(f"Flatten + Dense puts {head:,} of your {model.count_params():,} parameters in the head: "
                    "use GlobalAveragePooling2D instead")
    if not _layers_of(model, keras.layers.GlobalAveragePooling2D):
        return hint("end the convolutions with GlobalAveragePooling2D before the Dense softmax layer")
    problem = classifier_problem(model)
    if problem:
        return problem
    return correct(f"{len(convolutions)} convolutions, {model.count_params():,} parameters, a global average "
                   "pooling head: train it")
