"""Lesson 10's checks: the VGG, residual and MBConv blocks. The solution passes, the starter and
the mistakes learners make get the hint that names them, right answers written otherwise pass."""

import keras
import pytest
from keras import layers
from test_checks import hints, passes

from flowers_lab.authoring.solutions import answer
from flowers_lab.checks import lesson10

# VGG --------------------------------------------------------------------------------------


def _vgg(kernel=3, activation="relu", padding="same", pool_each=False, pool=True, count=None, relu_layer=False):
    def block(x, filters, convolutions=2):
        for _ in range(count or convolutions):
            x = layers.Conv2D(filters, kernel, padding=padding, activation=None if relu_layer else activation)(x)
            if relu_layer:
                x = layers.ReLU()(x)
            if pool_each:
                x = layers.MaxPooling2D(2)(x)
        return x if pool_each or not pool else layers.MaxPooling2D(2)(x)

    return block


def test_vgg_block():
    passes(lesson10.vgg_block(answer(10, "vgg_block")))
    hints(lesson10.vgg_block(answer(10, "vgg_block", starter=True)), "should stack 2 convolutions; yours has 1")
    passes(lesson10.vgg_block(_vgg(relu_layer=True)))
    passes(lesson10.vgg_block(_vgg(activation=keras.activations.relu)))


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (_vgg(kernel=5), "VGG's convolutions are all 3x3; yours are 5x5"),
        (_vgg(count=2), "vgg_block(x, 12, convolutions=3) should stack 3 convolutions; yours has 2"),
        (_vgg(activation=None), "follow each convolution with a relu"),
        (_vgg(pool_each=True), "pool once, after the last convolution"),
        (_vgg(pool=False), "end the block with layers.MaxPooling2D(2)"),
        (_vgg(padding="valid"), 'gives 8x8x12: padding="same" keeps the size'),
    ],
    ids=["5x5", "ignores convolutions", "no relu", "pool after each", "no pooling", "valid padding"],
)
def test_vgg_block_mistakes(wrong, expected):
    hints(lesson10.vgg_block(wrong), expected)


# ResNet -----------------------------------------------------------------------------------


def _residual(
    relu_before_add=False,
    relu_after_add=True,
    project=True,
    project_always=False,
    projection_kernel=1,
    projection_stride=True,
    projection_norm=True,
    order="v1",
    join="layer",
):
    def block(x, filters, stride=1):
        shortcut = x
        if project and (project_always or stride != 1 or x.shape[-1] != filters):
            shortcut = layers.Conv2D(
                filters, projection_kernel, strides=stride if projection_stride else 1, padding="same", use_bias=False
            )(x)
            if projection_norm:
                shortcut = layers.BatchNormalization()(shortcut)
        if order == "v2":
            y = layers.Activation("relu")(layers.BatchNormalization()(x))
            y = layers.Conv2D(filters, 3, strides=stride, padding="same")(y)
            y = layers.Activation("relu")(layers.BatchNormalization()(y))
            y = layers.Conv2D(filters, 3, padding="same")(y)
        else:
            y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False)(x)
            y = layers.ReLU()(layers.BatchNormalization()(y))
            y = layers.Conv2D(filters, 3, padding="same", use_bias=False)(y)
            y = layers.BatchNormalization()(y)
            if relu_before_add:
                y = layers.Activation("relu")(y)
        y = {
            "layer": lambda: layers.add([y, shortcut]),
            "op": lambda: y + shortcut,
            "swapped": lambda: layers.Add()([shortcut, y]),
        }[join]()
        return keras.ops.relu(y) if relu_after_add and join == "op" else layers.ReLU()(y) if relu_after_add else y

    return block


def test_residual_block():
    passes(lesson10.residual_block(answer(10, "residual_block")))
    hints(lesson10.residual_block(answer(10, "residual_block", starter=True)), "add the shortcut")
    passes(lesson10.residual_block(_residual()))
    passes(lesson10.residual_block(_residual(join="op")))
    passes(lesson10.residual_block(_residual(join="swapped")))


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (_residual(relu_before_add=True, relu_after_add=False), "the shortcut is added after the relu"),
        (_residual(relu_before_add=True), "the shortcut is added after the relu"),
        (_residual(project=False), "give the shortcut a 1x1 convolution"),
        (_residual(projection_stride=False), "give the shortcut a 1x1 convolution with `filters` filters and the same"),
        (_residual(projection_kernel=3), "project the shortcut with a 1x1 convolution"),
        (_residual(projection_norm=False), "batch-normalise the projection"),
        (_residual(project_always=True), "two 3x3 convolutions and an identity shortcut"),
        (_residual(relu_after_add=False), "apply a relu to the sum"),
        (_residual(order="v2"), "that is v2's order"),
    ],
    ids=[
        "added after the relu",
        "relu before and after",
        "no projection",
        "projection unstrided",
        "3x3 projection",
        "projection not normalised",
        "always projected",
        "no relu after",
        "v2 order",
    ],
)
def test_residual_block_mistakes(wrong, expected):
    hints(lesson10.residual_block(wrong), expected)


# EfficientNet -----------------------------------------------------------------------------


def _mbconv(
    gate="sigmoid",
    dense=False,
    skip="when kept",
    project_activation=None,
    expand_layer=True,
    gate_on_input=False,
    multiply="layer",
):
    def block(x, filters, expand=4, stride=1):
        channels = x.shape[-1] * expand
        y = x
        if expand_layer:
            y = layers.Activation("swish")(layers.BatchNormalization()(layers.Conv2D(channels, 1, use_bias=False)(y)))
        y = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False)(y)
        y = layers.Activation("swish")(layers.BatchNormalization()(y))
        if dense:
            s = layers.GlobalAveragePooling2D()(y)
            s = layers.Dense(4, activation="swish")(s)
            s = layers.Dense(y.shape[-1], activation=gate)(s)
            s = layers.Reshape([1, 1, y.shape[-1]])(s)
        else:
            s = keras.ops.mean(y, axis=(1, 2), keepdims=True)
            s = layers.Conv2D(4, 1, activation="swish")(s)
            s = layers.Conv2D(y.shape[-1], 1)(s)
            s = keras.ops.sigmoid(s) if gate == "sigmoid" else s
        target = x if gate_on_input else y
        if gate_on_input:
            s = layers.Conv2D(x.shape[-1], 1)(s)
        y = layers.multiply([target, s]) if multiply == "layer" else target * s
        y = layers.BatchNormalization()(layers.Conv2D(filters, 1, use_bias=False)(y))
        if project_activation:
            y = layers.Activation(project_activation)(y)
        if skip == "always" or (skip == "when kept" and stride == 1 and x.shape[-1] == filters):
            y = layers.add([y, x])
        return y

    return block


def test_mbconv_block():
    passes(lesson10.mbconv_block(answer(10, "mbconv_block")))
    hints(lesson10.mbconv_block(answer(10, "mbconv_block", starter=True)), "one depthwise 3x3 convolution")
    passes(lesson10.mbconv_block(_mbconv()))
    passes(lesson10.mbconv_block(_mbconv(dense=True)))
    passes(lesson10.mbconv_block(_mbconv(multiply="op")))


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (_mbconv(gate=None), "a weight per channel between 0 and 1 (a sigmoid)"),
        (_mbconv(gate=None, dense=True), "a weight per channel between 0 and 1 (a sigmoid)"),
        (_mbconv(skip="never"), "add x to the output"),
        (_mbconv(skip="always"), "skip only where the shape is kept"),
        (_mbconv(project_activation="swish"), "leave the projection linear"),
        (_mbconv(expand_layer=False), "expand with a 1x1 convolution"),
        (_mbconv(gate_on_input=True), "scales the depthwise convolution's (activated) output"),
    ],
    ids=[
        "no sigmoid",
        "no sigmoid, dense",
        "no skip",
        "skip always",
        "activated projection",
        "no expansion",
        "gate on the input",
    ],
)
def test_mbconv_block_mistakes(wrong, expected):
    hints(lesson10.mbconv_block(wrong), expected)
