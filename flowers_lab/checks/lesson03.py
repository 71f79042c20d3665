"""Checks for lesson 3, transfer learning."""

from __future__ import annotations

import keras

from flowers_lab.checks import Feedback, correct, guarded, hint
from flowers_lab.checks.models import classifier_problem, preprocessing_problem


@guarded
def dense_classifier(model) -> Feedback:
    """Flatten, then Dense relu layers, then a Dense 5 softmax; compiled for integer labels."""
    if isinstance(model, keras.Model) and not isinstance(model.layers[0], keras.layers.Rescaling):
        return hint("the dataset gives pixels from 0 to 255: start with keras.layers.Rescaling(1 / 255)")
    if isinstance(model, keras.Model) and not any(isinstance(x, keras.layers.Flatten) for x in model.layers):
        return hint("Dense layers take vectors: put keras.layers.Flatten() before them")
    problem = classifier_problem(model)
    if problem:
        return problem
    hidden = [x for x in model.layers[:-1] if isinstance(x, keras.layers.Dense)]
    if not hidden:
        return hint("add hidden Dense layers with activation='relu' (500, then 50 neurons) before the softmax")
    if any(x.activation is not keras.activations.relu for x in hidden):
        return hint("give the hidden Dense layers activation='relu': without it, stacked layers are one linear map")
    return correct(f"{len(hidden)} hidden layer(s), {model.count_params():,} weights: almost all in the first one")


@guarded
def transfer_model(model, pretrained) -> Feedback:
    """The frozen ``pretrained`` model after MobileNetV2's preprocessing, then a new softmax head."""
    if not isinstance(pretrained, keras.Model):
        return hint(f"`pretrained` should be the keras.applications model, not a {type(pretrained).__name__}")
    if pretrained.trainable:
        return hint("freeze the pretrained model before you compile: pretrained.trainable = False")
    if not isinstance(model, keras.Model) or pretrained not in model.layers:
        return hint("put `pretrained` itself in the model, between the preprocessing and the new head")
    problem = preprocessing_problem(model, pretrained) or classifier_problem(model)
    if problem:
        return problem
    trainable = sum(int(keras.ops.size(w)) for w in model.trainable_weights)
    return correct(f"{trainable:,} trainable weights in the new head; the {pretrained.count_params():,} "
                   "of the pretrained model stay as they are")
