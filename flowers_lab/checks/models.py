"""What the model checks of several lessons have in common: the output, the compilation, the
preprocessing and the convolutions, each judged by running the model or reading its graph."""

from __future__ import annotations

import keras
import numpy as np

from flowers_lab.checks import Feedback, graph, hint

CLASS_COUNT = 5
_LABELS = np.array([0, 1, 2, 3, 4, 0, 1, 2])
_SURE = np.full((8, CLASS_COUNT), 0.05, "float32")
_SURE[np.arange(8), [0, 1, 2, 3, 4, 1, 1, 1]] = 0.8
"""Known predictions: 6 of 8 right with probability 0.8, so accuracy 0.75 and a known cross-entropy."""
_RIGHT = int(np.sum(_SURE.argmax(axis=-1) == _LABELS))
_WEIGHTS = np.array([1, 1, 1, 1, 1, 1, 0, 0], "float32")
"""The last two rows are padding, as in a validation batch filled up to full size: weighted,
5 of the 6 real predictions are right; counted without the weights, 6 of 8."""
_WEIGHTED_ACCURACY = float(np.sum((_SURE.argmax(axis=-1) == _LABELS) * _WEIGHTS) / _WEIGHTS.sum())
_METRIC = 'weighted_metrics=["accuracy"]'


def _cross_entropy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    return float(-np.mean(np.log(probabilities[np.arange(len(labels)), labels])))


def _softmax(values: np.ndarray) -> np.ndarray:
    exp = np.exp(values - values.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


def gives_probabilities(model: keras.Model) -> bool:
    """Whether ``model`` outputs probabilities (each row non-negative, summing to 1), run on
    random pixels: true for a final softmax however it is written."""
    shape = [2, *model.input_shape[1:]]
    pixels = np.random.default_rng(0).uniform(0, 255, shape).astype("float32")
    outputs = keras.ops.convert_to_numpy(keras.ops.cast(model(pixels, training=False), "float32"))
    return bool(np.all(outputs >= -1e-6) and np.allclose(outputs.sum(axis=-1), 1, atol=1e-2))


def output_problem(model) -> Feedback | None:
    """A hint when ``model`` is not a Keras model with one output per class."""
    if not isinstance(model, keras.Model):
        return hint(f"`model` should be a keras.Sequential (or keras.Model), not a {type(model).__name__}")
    if model.output_shape[-1] != CLASS_COUNT:
        return hint(f"the last layer needs {CLASS_COUNT} units, one per class, not {model.output_shape[-1]}")
    return None


def image_classifier_problem(model, flat_advice: str) -> Feedback | None:
    """A hint when ``model`` does not take 0..255 pixels, scale them to 0..1 and give 5 numbers
    per image; ``flat_advice`` says how to get from feature maps to 5 numbers."""
    problem = output_problem(model)
    if problem:
        return problem
    if len(model.output_shape) != 2:
        return hint(f"the output has shape {model.output_shape}, not 5 numbers per image: {flat_advice}")
    return scaling_problem(model)


def compile_problem(model: keras.Model, probabilities: bool) -> Feedback | None:
    """A hint when ``model`` is not compiled with a cross-entropy loss on class indices that
    matches its output (probabilities, or logits with ``from_logits=True``) and an ``accuracy``
    among the weighted metrics (validation batches are padded with images of weight 0); judged
    by the values the loss and metric compute on known predictions."""
    if not model.compiled:
        return hint(f"compile the model: model.compile(optimizer=..., loss=..., {_METRIC})")
    predictions = _SURE if probabilities else np.log(_SURE)
    try:
        loss = float(keras.ops.convert_to_numpy(model.compute_loss(y=_LABELS, y_pred=predictions)))
    except Exception as error:  # a loss for one-hot labels, or for values, fails on class indices
        return hint(
            f"the labels are class indices (0 to 4), not one-hot vectors: use a sparse cross-entropy, "
            f'loss="sparse_categorical_crossentropy" ({type(error).__name__} with integer labels)'
        )
    right = _cross_entropy(_SURE, _LABELS)
    if not np.isclose(loss, right, rtol=1e-3):
        if probabilities and np.isclose(loss, _cross_entropy(_softmax(_SURE), _LABELS), rtol=1e-3):
            return hint(
                "your model already outputs probabilities (softmax): a loss with from_logits=True applies "
                "a second softmax; leave from_logits at False"
            )
        if not probabilities:
            return hint(
                "your last layer gives raw scores (logits), not probabilities: end with "
                'activation="softmax", or compile with SparseCategoricalCrossentropy(from_logits=True)'
            )
        return hint(
            f"on predictions whose cross-entropy is {right:.3f} your loss gives {loss:.3f}: use "
            'loss="sparse_categorical_crossentropy", the cross-entropy for class indices'
        )
    model.reset_metrics()
    try:
        metrics = {
            name: float(keras.ops.convert_to_numpy(value))
            for name, value in model.compute_metrics(None, _LABELS, predictions, sample_weight=_WEIGHTS).items()
        }
    except Exception as error:
        return hint(
            "keras.metrics.Accuracy compares labels and outputs value by value and fails here "
            f"({type(error).__name__}): use {_METRIC}, which counts the right classes"
        )
    finally:
        model.reset_metrics()
    if "accuracy" not in metrics:
        others = [name for name in metrics if name != "loss"]
        return hint(
            f'add {_METRIC}: the cells below plot history["accuracy"] and '
            'history["val_accuracy"]' + (f" (you have {', '.join(others)})" if others else "")
        )
    if np.isclose(metrics["accuracy"], _RIGHT / len(_LABELS), atol=1e-3):
        return hint(
            "your accuracy also counts the blank images that fill up the last validation batch (weight 0): "
            f"use {_METRIC}, which counts each image by its weight"
        )
    if not np.isclose(metrics["accuracy"], _WEIGHTED_ACCURACY, atol=1e-3):
        return hint(
            f"5 of 6 known predictions are right, and your accuracy metric says {metrics['accuracy']:.3g}: "
            f"use {_METRIC}, which counts the right classes"
        )
    return None


def classifier_problem(model) -> Feedback | None:
    """A hint when ``model`` is not a compiled 5-class classifier on integer labels."""
    problem = output_problem(model)
    if problem:
        return problem
    return compile_problem(model, gives_probabilities(model))


def preprocessing_problem(model: keras.Model, pretrained: keras.Model) -> Feedback | None:
    """A hint when the layers before ``pretrained`` do not map pixels 0..255 to -1..1, as the
    ``preprocess_input`` of MobileNetV2 and Xception do; probed with known pixels."""
    probe = graph.apply_before(model, pretrained, [[[[0.0, 127.5, 255.0]]]])
    low, mid, high = (float(v) for v in probe.ravel()[:3])
    if abs(low + 1) > 1e-2 or abs(mid) > 1e-2 or abs(high - 1) > 1e-2:
        return hint(
            f"{pretrained.name} expects pixels from -1 to 1 (its preprocess_input); 0, 127.5, 255 reach it "
            f"as {low:.3g}, {mid:.3g}, {high:.3g}: use layers.Rescaling(1 / 127.5, offset=-1)"
        )
    return None


def scaling_problem(model: keras.Model) -> Feedback | None:
    """A hint when the model does not bring pixels 0..255 to 0..1 before its first convolution or
    dense layer (before or after a ``Flatten``), probed with known pixels."""
    first = next(
        (layer for layer in model.layers if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))),
        None,
    )  # Flatten may come first: scaling commutes with it
    if first is None:
        return None
    probe = graph.apply_before(model, first, [[[[0.0, 255.0, 127.5]]]]).ravel()[:3]
    if probe.max() > 2:
        return hint(
            "the dataset gives pixels from 0 to 255: start with keras.layers.Rescaling(1 / 255), so that "
            f"the first layer sees 0..1 (255 reaches it as {probe.max():.4g})"
        )
    return None


GLOBAL_POOLING = (keras.layers.GlobalAveragePooling2D, keras.layers.GlobalMaxPooling2D)


def head_of(model: keras.Model):
    """The layer that feeds the last Dense layer its features (past dropout and the like, and a
    ``Flatten`` of features already flat, which changes nothing), or None where several do."""
    dense = graph.of_kind(model, keras.layers.Dense)
    feeding = graph.parents(model, dense[-1]) if dense else []
    if len(feeding) != 1:
        return None
    head = graph.source(model, feeding[0])
    while (
        isinstance(head, keras.layers.Flatten) and len(head.input.shape) == 2 and len(graph.parents(model, head)) == 1
    ):
        head = graph.source(model, graph.parents(model, head)[0])
    return head


def convolution_problem(model: keras.Model) -> Feedback | None:
    """A hint when a convolution is not followed by a non-linear activation."""
    for conv in graph.of_kind(model, keras.layers.Conv2D):
        if not graph.activated(model, conv):
            return hint(
                f"{conv.name} has no activation: stacked linear convolutions are one linear map. Give it "
                'activation="relu" (or follow it with layers.ReLU())'
            )
    return None
