"""Reading a Keras model as a graph: which layer feeds which, what a layer computes on known values.

The model checks use these to judge an answer by its structure and behaviour, so that a
``Softmax`` layer and ``activation="softmax"``, pooling and strided convolutions, the
Sequential and the functional style all pass where they are right.
"""

from __future__ import annotations

import keras
import numpy as np

TRANSPARENT = (
    keras.layers.BatchNormalization,
    keras.layers.Dropout,
    keras.layers.SpatialDropout2D,
    keras.layers.GaussianNoise,
    keras.layers.LayerNormalization,
)
"""Layers that change neither the shape nor the linearity of what passes through them."""

NONLINEAR = (
    keras.layers.Activation,
    keras.layers.ReLU,
    keras.layers.LeakyReLU,
    keras.layers.ELU,
    keras.layers.PReLU,
    keras.layers.Softmax,
)
"""Layers whose only job is a non-linear activation."""


ACTIVATION_OPS = {"Relu", "Relu6", "LeakyRelu", "Elu", "Selu", "Gelu", "Silu", "Sigmoid", "Tanh", "Softmax"}
"""Class names of the ``keras.ops`` operations that apply a non-linear activation."""


def operations(model: keras.Model) -> list:
    """The layers and ``keras.ops`` operations of ``model``, in order (a Sequential model has layers only)."""
    return list(model.layers) if isinstance(model, keras.Sequential) else list(model.operations)


def named(op, *names: str) -> bool:
    """Whether ``op`` is of a class with one of these names: a Keras layer or the ``keras.ops``
    operation of the same name (``layers.Concatenate`` and ``keras.ops.concatenate``)."""
    return type(op).__name__ in names


def _inputs(model: keras.Model) -> list:
    """The ``InputLayer``s of ``model``."""
    return [tensor._keras_history.operation for tensor in model.inputs]


def _nodes(model: keras.Model, layer) -> list:
    """The nodes through which ``layer`` is called inside ``model`` (a layer may sit in several models)."""
    inside = {id(op) for op in [*operations(model), *_inputs(model)]}
    return [
        node
        for node in layer._inbound_nodes
        if all(id(parent.operation) in inside for parent in node.parent_nodes)
        and (node.parent_nodes or id(layer) in inside)
    ]


def parents(model: keras.Model, layer) -> list:
    """The layers whose outputs ``layer`` reads in ``model`` (an ``InputLayer`` for the input)."""
    found = []
    for node in _nodes(model, layer):
        found += [parent.operation for parent in node.parent_nodes if parent.operation not in found]
    return found


def children(model: keras.Model, layer) -> list:
    """The layers of ``model`` that read the output of ``layer``."""
    return [other for other in operations(model) if other is not layer and layer in parents(model, other)]


def is_activation(op) -> bool:
    """Whether ``op`` only applies a non-linear activation: a layer or a ``keras.ops`` operation."""
    return isinstance(op, NONLINEAR) or named(op, *ACTIVATION_OPS)


def source(model: keras.Model, layer, past_activations: bool = False):
    """The first layer at or above ``layer`` that is not ``TRANSPARENT`` (nor an activation, with
    ``past_activations``), walking up single parents: the layer whose output ``layer`` really reads."""
    while (isinstance(layer, TRANSPARENT) or (past_activations and is_activation(layer))) and len(
        parents(model, layer)
    ) == 1:
        layer = parents(model, layer)[0]
    return layer


def is_linear(activation) -> bool:
    """Whether a layer's ``activation`` leaves its values as they are."""
    return activation is None or getattr(activation, "__name__", "") == "linear"


def activated(model: keras.Model, layer) -> bool:
    """Whether a non-linear activation follows ``layer`` (in it, or in a layer after it, past
    batch normalisation or dropout) on every path out of it."""
    if not is_linear(getattr(layer, "activation", None)):
        return True
    after = children(model, layer)
    if not after:
        return False
    return all(is_activation(child) or (isinstance(child, TRANSPARENT) and activated(model, child)) for child in after)


def of_kind(model: keras.Model, kind) -> list:
    """The layers of ``model`` of the given class(es), in the model's order."""
    return [layer for layer in model.layers if isinstance(layer, kind)]


def spatial_size(tensor_or_layer) -> int | None:
    """The height of a layer's output (or a tensor), for images ``[batch, height, width, channels]``."""
    shape = getattr(tensor_or_layer, "output", tensor_or_layer).shape
    return shape[1] if len(shape) == 4 else None


def apply_before(model: keras.Model, layer, values) -> np.ndarray:
    """What the layers of ``model`` before ``layer`` make of ``values`` (a batch), computed by
    running them: e.g. probe the preprocessing with known pixels."""
    x = keras.ops.convert_to_tensor(np.asarray(values, dtype="float32"))
    for op in model.layers[: model.layers.index(layer)]:
        if not isinstance(op, keras.layers.InputLayer):
            x = op(x)
    return keras.ops.convert_to_numpy(keras.ops.cast(x, "float32"))
