"""Checks for lesson 6, Xception fine-tuned."""

from __future__ import annotations

import keras

from flowers_lab.checks import Feedback, correct, guarded, hint
from flowers_lab.checks.models import classifier_problem, preprocessing_problem


@guarded
def fine_tune_model(model, pretrained) -> Feedback:
    """``pretrained`` trainable, after Xception's preprocessing, then a softmax head that computes
    in float32 whatever the mixed-precision policy."""
    if not isinstance(pretrained, keras.Model):
        return hint(f"`pretrained` should be the keras.applications model, not a {type(pretrained).__name__}")
    if not isinstance(model, keras.Model) or pretrained not in model.layers:
        return hint("put `pretrained` itself in the model, between the preprocessing and the new head")
    if not pretrained.trainable:
        return hint("fine-tuning trains the pretrained weights too: leave pretrained.trainable = True")
    problem = preprocessing_problem(model, pretrained) or classifier_problem(model)
    if problem:
        return problem
    output = model.layers[-1].dtype_policy.compute_dtype
    if output != "float32":
        return hint(f"under mixed precision the last layer computes in {output}: a softmax in 16 bits rounds "
                    "small probabilities to 0; give it dtype='float32'")
    return correct(f"all {model.count_params():,} weights will be fine-tuned; the output is float32")
