"""Checks for lesson 5, squeezenet: the fire module, the model, the augmentation."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from flowers_lab.checks import Feedback, correct, graph, guarded, hint
from flowers_lab.checks.models import GLOBAL_POOLING, classifier_problem, head_of, image_classifier_problem


def _reads(model: keras.Model, layer):
    """The layer whose output ``layer`` reads, past batch normalisation and activations: a
    convolution, or the input."""
    return graph.source(model, graph.parents(model, layer)[0], past_activations=True)


def _joins(model: keras.Model) -> list:
    """The concatenations of ``model``: ``layers.concatenate`` or ``keras.ops.concatenate``."""
    return [op for op in graph.operations(model) if graph.named(op, "Concatenate")]


def _fires(model: keras.Model) -> list:
    """The concatenations of ``model`` that join a 1x1 and a 3x3 convolution reading one tensor."""
    found = []
    for join in _joins(model):
        branches = [graph.source(model, parent, past_activations=True) for parent in graph.parents(model, join)]
        if len(branches) == 2 and all(isinstance(b, keras.layers.Conv2D) for b in branches):
            reads = {id(_reads(model, b)) for b in branches}
            if sorted(b.kernel_size[0] for b in branches) == [1, 3] and len(reads) == 1:
                found.append(join)
    return found


@guarded
def fire(fire_module) -> Feedback:
    """``fire_module(x, squeeze, expand)``: a 1x1 squeeze, then 1x1 and 3x3 expands side by side
    (``expand // 2`` filters each) that both read the squeezed tensor, concatenated; each
    convolution batch-normalised (momentum 0.9, no bias) and activated."""
    if not callable(fire_module):
        return hint(f"`fire` should be a function fire(x, squeeze, expand), not a {type(fire_module).__name__}")
    x = keras.Input([12, 12, 16])
    y = fire_module(x, 4, 10)
    if not isinstance(y, keras.KerasTensor):
        return hint(f"fire should return the module's output (a Keras tensor), not a {type(y).__name__}")
    model = keras.Model(x, y)
    convolutions = graph.of_kind(model, keras.layers.Conv2D)
    kernels = sorted(layer.kernel_size[0] for layer in convolutions)
    if kernels == [1, 3]:
        return hint(
            "a fire module has three convolutions, kernels 1, 1 and 3; yours has kernels [1, 3]: the squeeze's "
            "output is not used; the expands read it, not x"
        )
    if kernels != [1, 1, 3]:
        return hint(f"a fire module has three convolutions, kernels 1, 1 and 3; yours has kernels {kernels or 'none'}")
    squeeze = [c for c in convolutions if isinstance(_reads(model, c), keras.layers.InputLayer)]
    if len(squeeze) != 1 or squeeze[0].kernel_size[0] != 1:
        return hint(
            "start with the squeeze: one 1x1 convolution with `squeeze` filters applied to x; the expands "
            "read its output, not x"
        )
    if squeeze[0].filters != 4:
        return hint(f"fire(x, 4, 10) should squeeze to 4 channels; yours squeezes to {squeeze[0].filters}")
    if not _joins(model):
        return hint("join the two expands with layers.concatenate([y1, y3]): it stacks their channels")
    if not _fires(model):
        expands = [c for c in convolutions if c is not squeeze[0]]
        chained = [c for c in expands if _reads(model, c) is not squeeze[0]]
        reads = chained[0].name if chained else "the squeezed tensor"
        return hint(
            f"both expands should read the squeezed tensor, side by side; {reads} reads the other expand's "
            "output: apply the 1x1 and the 3x3 conv_bn to the same y"
        )
    axis = next((join.axis for join in _fires(model) if join.axis not in (-1, 3)), None)
    if axis is not None:
        along = {0: "the batch", 1: "the height", 2: "the width", -2: "the width", -3: "the height"}.get(axis, "")
        return hint(
            f"your concatenate joins the two expands along axis {axis} ({along}): stack their channels instead, "
            "the last axis (axis=-1, concatenate's default), so that 12x12x5 and 12x12x5 make 12x12x10"
        )
    if tuple(y.shape[1:]) != (12, 12, 10):
        return hint(
            f'with padding="same" and expand // 2 filters in each branch, fire(x, 4, 10) on a 12x12x16 '
            f"input gives 12x12x10; yours gives {'x'.join(str(d) for d in y.shape[1:])}"
        )
    norms = graph.of_kind(model, keras.layers.BatchNormalization)
    if len(norms) != 3:
        return hint(
            f"follow each of the 3 convolutions with layers.BatchNormalization(momentum=0.9); you have {len(norms)}"
        )
    if any(abs(layer.momentum - 0.9) > 1e-9 for layer in norms):
        return hint("use momentum=0.9: with Keras' 0.99 the moving statistics lag far behind on a short training")
    if any(layer.use_bias for layer in convolutions):
        return hint("batch normalisation adds its own offset: give the convolutions use_bias=False")
    if not all(graph.activated(model, c) for c in convolutions):
        return hint('follow each convolution\'s batch normalisation with a relu (layers.Activation("relu"))')
    return correct(
        f"squeeze to 4 channels, then a 1x1 and a 3x3 expand side by side on the squeezed tensor, "
        f"concatenated to 10 channels; {model.count_params():,} weights"
    )


@guarded
def squeezenet(model) -> Feedback:
    """Scaled pixels, fire modules with pooling between them, global average pooling and 5
    outputs; compiled."""
    problem = image_classifier_problem(model, "end with global average pooling and the Dense layer")
    if problem:
        return problem
    fires = _fires(model)
    if len(fires) < 3:
        return hint(
            f"{len(fires)} fire module(s): chain several, y = fire(y, squeeze, expand), with pooling between "
            "them (the workshop's has 5)"
        )
    sizes = [graph.spatial_size(join) for join in fires]
    if len(set(sizes)) < 3:
        return hint(
            f"the fire modules all work on {sizes[0]}x{sizes[0]} maps: put layers.MaxPooling2D(2) between "
            "them, so that later modules see larger parts of the image"
        )
    head = head_of(model)
    if not isinstance(head, GLOBAL_POOLING):
        return hint("end with layers.GlobalAveragePooling2D(), then the Dense layer, as in lesson 4")
    problem = classifier_problem(model)
    if problem:
        return problem
    return correct(
        f"{len(fires)} fire modules on maps of {', '.join(str(s) for s in sizes)} pixels, a global-"
        f"average-pooling head, {model.count_params():,} weights"
    )


def _picture() -> np.ndarray:
    """An 8x8 test image: a bright red top-left quarter on a dark olive ground, so that a flip
    (left-right or up-down) and a change of saturation can each be told apart."""
    image = np.full([8, 8, 3], (60, 60, 20), np.uint8)
    image[:4, :4] = (220, 80, 80)
    return image


def _brightest_quarter(image: np.ndarray) -> tuple[int, int]:
    value = image.astype(float).max(axis=-1)
    quarters = {
        (row, col): value[row * 4 : row * 4 + 4, col * 4 : col * 4 + 4].mean() for row in (0, 1) for col in (0, 1)
    }
    return max(quarters, key=lambda quarter: quarters[quarter])


@guarded
def augment(function) -> Feedback:
    """``function(image, label)`` should flip left-right at random and change the colours at
    random, keeping the image's shape and dtype and the label."""
    picture, tries = _picture(), 60
    dataset = tf.data.Dataset.from_tensors((picture, tf.constant(3))).repeat(tries).map(function)
    results = list(dataset.as_numpy_iterator())
    if not isinstance(results[0], tuple) or len(results[0]) != 2:
        return hint("return the pair: image, label")
    if any(int(label) != 3 for _, label in results):
        return hint("leave the label as it is: a flipped daisy is still a daisy")
    images = [np.asarray(image) for image, _ in results]
    if images[0].shape != picture.shape or images[0].dtype != picture.dtype:
        return hint(
            f"keep the image's shape and dtype ({picture.shape}, uint8): yours gives {images[0].shape}, "
            f"{images[0].dtype} (tf.image functions keep the dtype they are given)"
        )
    corners = [_brightest_quarter(image) for image in images]
    if any(row == 1 for row, _ in corners):
        return hint(
            "some images come out upside down: flowers are photographed upright, flip left-right only "
            "(tf.image.random_flip_left_right)"
        )
    flipped = sum(col == 1 for _, col in corners) / tries
    if flipped == 0:
        return hint("no image was flipped: add tf.image.random_flip_left_right(image)")
    if flipped == 1:
        return hint("every image is flipped, so nothing varies: flip at random, tf.image.random_flip_left_right")
    upright = [image[:, ::-1] if col == 1 else image for image, (_, col) in zip(images, corners, strict=True)]
    if all(np.array_equal(image, upright[0]) for image in upright):
        return hint(
            "the colours never change: also scale the saturation at random, tf.image.random_saturation(image, 0, 2)"
        )
    return correct(
        f"over {tries} tries, flipped left-right in some and not in others, never upside down; colours "
        "different from try to try; label, shape and dtype kept"
    )
