"""What the model checks of several lessons have in common."""

from __future__ import annotations

import keras

from flowers_lab.checks import Feedback, hint


def classifier_problem(model) -> Feedback | None:
    """A hint when ``model`` is not a compiled 5-class softmax classifier on integer labels."""
    if not isinstance(model, keras.Model):
        return hint(f"`model` should be a keras.Sequential (or keras.Model), not a {type(model).__name__}")
    if model.output_shape[-1] != 5:
        return hint(f"the last layer needs 5 units, one per class, not {model.output_shape[-1]}")
    if getattr(model.layers[-1], "activation", None) is not keras.activations.softmax:
        return hint("end with activation='softmax', so that the outputs are the 5 class probabilities")
    if not model.compiled:
        return hint("compile the model: model.compile(optimizer=..., loss=..., metrics=['accuracy'])")
    loss = model.loss if isinstance(model.loss, str) else getattr(model.loss, "name", str(model.loss))
    if "sparse_categorical_crossentropy" not in str(loss):
        return hint(f"the labels are class indices (0 to 4), not one-hot vectors: use "
                    f"loss='sparse_categorical_crossentropy' (not {loss})")
    return None


def preprocessing_problem(model, pretrained) -> Feedback | None:
    """A hint when the layers before ``pretrained`` do not map pixels 0..255 to -1..1, as the
    ``preprocess_input`` of MobileNetV2 and Xception do."""
    probe = keras.ops.convert_to_tensor([[[[0.0, 127.5, 255.0]]]])
    for layer in model.layers[: model.layers.index(pretrained)]:
        probe = layer(probe)
    low, mid, high = (float(v) for v in keras.ops.convert_to_numpy(probe).ravel())
    if abs(low + 1) > 1e-3 or abs(mid) > 1e-3 or abs(high - 1) > 1e-3:
        return hint(f"{pretrained.name} expects pixels from -1 to 1 (its preprocess_input); 0, 127.5, 255 reach it "
                    f"as {low:.3g}, {mid:.3g}, {high:.3g}: use layers.Rescaling(1 / 127.5, offset=-1)")
    return None
