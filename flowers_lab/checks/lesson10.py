"""Checks for lesson 10, from VGG to ResNet to EfficientNet: the three blocks.

Each check calls the learner's block on a small input, makes a model of it, and reads which layer
feeds which (``graph``) and what the block computes on known values."""

from __future__ import annotations

import keras
import numpy as np

from flowers_lab.checks import Feedback, correct, graph, guarded, hint


def _block_model(block, shape, *args) -> keras.Model | Feedback:
    """The model from an input of ``shape`` to ``block(x, *args)``, or a hint when the block does
    not return a Keras tensor."""
    x = keras.Input(shape)
    y = block(x, *args)
    if not isinstance(y, keras.KerasTensor):
        return hint(f"the block should return its output (a Keras tensor), not a {type(y).__name__}")
    return keras.Model(x, y)


def _shape(model: keras.Model) -> str:
    return "x".join(str(d) for d in model.output_shape[1:])


def _joins(model: keras.Model, *names: str) -> list:
    """The operations of ``model`` named ``names``: a merge layer or the ``keras.ops`` of that name
    (``layers.add``, ``layers.Add()`` and ``x + y`` alike)."""
    return [op for op in graph.operations(model) if graph.named(op, *names)]


def _activation_name(op) -> str:
    """The name of the activation that ``op`` applies (its own, or as an activation layer or op)."""
    activation = getattr(op, "activation", None)
    if activation is not None:
        return getattr(activation, "__name__", str(activation))
    return type(op).__name__.lower()


# VGG -------------------------------------------------------------------------------------


@guarded
def vgg_block(block) -> Feedback:
    """``block(x, filters, convolutions=2)``: ``convolutions`` 3x3 convolutions of ``filters``,
    each followed by a relu, keeping the map's size, then one 2x2 max pooling."""
    if not callable(block):
        return hint(f"`vgg_block` should be a function vgg_block(x, filters, convolutions=2), not a {type(block)}")
    weights = 0
    for count in (2, 3):
        model = _block_model(block, [16, 16, 8], 12, count)
        if isinstance(model, Feedback):
            return model
        weights = weights or model.count_params()
        convolutions = graph.of_kind(model, keras.layers.Conv2D)
        if len(convolutions) != count:
            return hint(
                f"vgg_block(x, 12, convolutions={count}) should stack {count} convolutions; yours has "
                f"{len(convolutions)}: use the `convolutions` argument, e.g. a for loop"
            )
        kernels = sorted({layer.kernel_size for layer in convolutions})
        if kernels != [(3, 3)]:
            return hint(
                f"VGG's convolutions are all 3x3; yours are {', '.join('x'.join(map(str, k)) for k in kernels)}: "
                "two stacked 3x3s see a 5x5 patch with 18 weights per channel pair instead of 25, and a relu between"
            )
        if any(layer.filters != 12 for layer in convolutions):
            return hint("each convolution of vgg_block(x, 12) should have 12 filters, the `filters` argument")
        if not all(graph.activated(model, layer) for layer in convolutions):
            return hint('follow each convolution with a relu (activation="relu"): without it two convolutions are one')
        pools = graph.of_kind(model, (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D))
        if not pools:
            return hint("end the block with layers.MaxPooling2D(2): it halves the map for the next block")
        if len(pools) > 1 or model.layers[-1] is not pools[0]:
            return hint("pool once, after the last convolution: the block's convolutions all work on the full-size map")
        if model.output_shape[1:] != (8, 8, 12):
            return hint(
                f'on a 16x16x8 input, vgg_block(x, 12) gives 8x8x12: padding="same" keeps the size until the '
                f"2x2 pooling halves it; yours gives {_shape(model)}"
            )
    return correct(
        f"3x3 convolutions with relus, as many as asked, then 2x2 pooling; {weights:,} weights with two convolutions"
    )


# ResNet ----------------------------------------------------------------------------------


def _branch_and_shortcut(model: keras.Model, add) -> tuple:
    """(the layer that feeds ``add`` from the block's convolutions, the one that feeds it the
    shortcut): the shortcut is the parent that is the input or reads it through a 1x1 convolution."""
    parents = graph.parents(model, add)
    if len(parents) == 1:  # x + x
        return parents[0], parents[0]
    first, second = parents[:2]
    return (
        (first, second) if _convolutions_above(model, first) >= _convolutions_above(model, second) else (second, first)
    )


def _convolutions_above(model: keras.Model, layer) -> int:
    """How many convolutions lie on the longest path from the input to ``layer``'s output."""
    if isinstance(layer, keras.layers.InputLayer):
        return 0
    above = max((_convolutions_above(model, parent) for parent in graph.parents(model, layer)), default=0)
    return above + isinstance(layer, keras.layers.Conv2D)


def _residual_model(block, filters: int, stride: int) -> keras.Model | Feedback:
    try:
        return _block_model(block, [8, 8, 16], filters, stride)
    except ValueError as error:
        if "shape" in str(error).lower():
            return hint(
                f"residual_block(x, {filters}, stride={stride}) changes the shape from 8x8x16, so x cannot be "
                "added as it is: give the shortcut a 1x1 convolution with `filters` filters and the same stride "
                f"(a projection), then batch normalisation. Keras said: {str(error).splitlines()[0][:120]}"
            )
        raise


@guarded
def residual_block(block) -> Feedback:
    """``block(x, filters, stride=1)``, ResNet v1's basic block: 3x3 convolution (with ``stride``),
    batch normalisation, relu, 3x3 convolution, batch normalisation; the shortcut added; a relu.
    The shortcut is x itself where the shape is kept, else a 1x1 convolution with the stride and
    batch normalisation (a projection)."""
    if not callable(block):
        return hint(f"`residual_block` should be a function residual_block(x, filters, stride=1), not a {type(block)}")
    model = _residual_model(block, 16, 1)
    if isinstance(model, Feedback):
        return model
    adds = _joins(model, "Add")
    if not adds:
        return hint("add the shortcut: layers.add([y, shortcut]) (or y + shortcut), where shortcut is the block's x")
    add = adds[-1]
    branch, shortcut = _branch_and_shortcut(model, add)
    if branch is shortcut or _convolutions_above(model, branch) == 0:
        return hint("add the convolutions' output to the shortcut, not x to itself: layers.add([y, x])")
    convolutions = graph.of_kind(model, keras.layers.Conv2D)
    if sorted(layer.kernel_size for layer in convolutions) != [(3, 3), (3, 3)]:
        return hint(
            "where the shape is kept, the block has two 3x3 convolutions and an identity shortcut (x itself, "
            f"no weights); yours has kernels {[layer.kernel_size[0] for layer in convolutions]}"
        )
    if not isinstance(shortcut, keras.layers.InputLayer):
        return hint("the shortcut should be x itself where the shape is kept: add x, not a transformed copy")
    if graph.is_activation(branch):
        return hint(
            "the shortcut is added after the relu: add it to the second batch normalisation's output, then apply "
            "the relu to the sum (He et al. 2016, Fig. 2: F(x) + x, then the relu)"
        )
    if isinstance(branch, keras.layers.Conv2D):
        return hint(
            "batch normalisation goes right after each convolution, before the relu (ResNet v1, He et al. 2016, "
            "section 3.4); your second convolution feeds the addition directly (that is v2's order)"
        )
    norms = graph.of_kind(model, keras.layers.BatchNormalization)
    if len(norms) < 2 or any(
        not isinstance(graph.children(model, c)[0], keras.layers.BatchNormalization)
        for c in convolutions
        if graph.children(model, c)
    ):
        return hint("follow each convolution with layers.BatchNormalization(), before its relu")
    if not graph.activated(model, add):
        return hint('apply a relu to the sum: layers.Activation("relu") after the addition')
    first = next(c for c in convolutions if c is not graph.source(model, branch))
    if not graph.activated(model, first):
        return hint("the first convolution's batch normalisation is followed by a relu")
    problem = _identity_problem(model, branch)
    if problem:
        return problem
    projected = _residual_model(block, 32, 2)
    if isinstance(projected, Feedback):
        return projected
    return _projection_problem(projected) or correct(
        "3x3 convolution, batch normalisation, relu, 3x3 convolution, batch normalisation, the shortcut added, "
        "then a relu; an identity shortcut where the shape is kept, a strided 1x1 projection where it changes"
    )


def _identity_problem(model: keras.Model, branch) -> Feedback | None:
    """With the scale of ``branch``, the batch normalisation that feeds the addition, at 0 (its
    output 0), the block must compute relu(x): the identity shortcut carries the input unchanged."""
    if not isinstance(branch, keras.layers.BatchNormalization):
        return None
    branch.gamma.assign(np.zeros(branch.gamma.shape, "float32"))
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 16)).astype("float32")
    out = keras.ops.convert_to_numpy(model(x, training=False))
    if not np.allclose(out, np.maximum(x, 0), atol=1e-4):
        return hint("with the convolutions' part silenced, the block should give relu(x): the shortcut is x unchanged")
    return None


def _projection_problem(model: keras.Model) -> Feedback | None:
    """On 8x8x16 with 32 filters and stride 2: 4x4x32 out, through a strided 1x1 projection that
    is batch-normalised, on the shortcut."""
    if model.output_shape[1:] != (4, 4, 32):
        return hint(
            "residual_block(x, 32, stride=2) on 8x8x16 should give 4x4x32: the first 3x3 convolution and the "
            f"projection take strides=stride; yours gives {_shape(model)}"
        )
    add = _joins(model, "Add")[-1]
    _, shortcut = _branch_and_shortcut(model, add)
    projection = graph.source(model, shortcut)
    if not isinstance(projection, keras.layers.Conv2D) or projection.kernel_size != (1, 1):
        return hint(
            "where the shape changes, project the shortcut with a 1x1 convolution: layers.Conv2D(filters, 1, "
            "strides=stride)"
        )
    if projection.strides != (2, 2):
        return hint("give the 1x1 projection strides=stride, so that it halves the map as the convolutions do")
    if not isinstance(shortcut, keras.layers.BatchNormalization):
        return hint("batch-normalise the projection too, as every convolution of ResNet v1")
    return None


# EfficientNet ----------------------------------------------------------------------------


def _gate_of(model: keras.Model, multiply) -> tuple | None:
    """(the gate, the map) that ``multiply`` combines: the gate is the parent with no height and
    width (or 1x1), computed from a global pooling."""
    parents = graph.parents(model, multiply)
    if len(parents) != 2:
        return None
    small = [p for p in parents if len(p.output.shape) == 2 or tuple(p.output.shape[1:3]) == (1, 1)]
    if len(small) != 1:
        return None
    gate = small[0]
    return gate, next(p for p in parents if p is not gate)


@guarded
def mbconv_block(block) -> Feedback:
    """``block(x, filters, expand=4, stride=1)``, EfficientNet's MBConv: a 1x1 expansion to
    ``expand`` times the input's channels, a depthwise 3x3 (with ``stride``), squeeze-and-excitation
    (global pooling, a reduction, a sigmoid gate that scales each channel), a linear 1x1 projection
    to ``filters``, batch normalisation after each convolution; x added where the shape is kept."""
    if not callable(block):
        return hint(
            f"`mbconv_block` should be a function mbconv_block(x, filters, expand=4, stride=1), not a {type(block)}"
        )
    model = _block_model(block, [8, 8, 16], 16, 4, 1)
    if isinstance(model, Feedback):
        return model
    convolutions = [
        c
        for c in graph.of_kind(model, keras.layers.Conv2D)
        if len(c.output.shape) == 4 and c.output.shape[1] == 8 and not isinstance(c, keras.layers.DepthwiseConv2D)
    ]
    depthwise = graph.of_kind(model, keras.layers.DepthwiseConv2D)
    if len(depthwise) != 1 or depthwise[0].kernel_size != (3, 3):
        return hint(
            "the middle of the block is one depthwise 3x3 convolution: layers.DepthwiseConv2D(3, "
            'strides=stride, padding="same"), a filter per channel'
        )
    expansion = graph.source(model, graph.parents(model, depthwise[0])[0], past_activations=True)
    if not isinstance(expansion, keras.layers.Conv2D) or expansion.kernel_size != (1, 1):
        return hint("before the depthwise convolution, expand with a 1x1 convolution to expand * the input's channels")
    if expansion.filters != 64:
        return hint(
            f"mbconv_block(x, 16, expand=4) on 16 channels expands to 4 x 16 = 64; yours to {expansion.filters}"
        )
    multiplies = _joins(model, "Multiply")
    gated = [found for found in (_gate_of(model, m) for m in multiplies) if found]
    if not gated:
        return hint(
            "add squeeze-and-excitation after the depthwise convolution: global average pooling, a small 1x1 "
            "convolution (or Dense) with swish, one back to the expanded channels with a sigmoid, then multiply "
            "the map by it"
        )
    gate, scaled = gated[0]
    if graph.source(model, scaled, past_activations=True) is not depthwise[0]:
        return hint("squeeze-and-excitation scales the depthwise convolution's (activated) output: multiply that map")
    if not any(
        isinstance(op, keras.layers.GlobalAveragePooling2D) or graph.named(op, "Mean") for op in graph.operations(model)
    ):
        return hint("squeeze first: layers.GlobalAveragePooling2D(keepdims=True) of the map, one number per channel")
    values = keras.ops.convert_to_numpy(
        keras.Model(model.input, gate.output)(np.random.default_rng(0).normal(0, 3, (4, 8, 8, 16)).astype("float32"))
    )
    if values.min() < 0 or values.max() > 1:
        return hint(
            f"the excitation's output should be a weight per channel between 0 and 1 (a sigmoid); yours ranges "
            f'{values.min():.2f} to {values.max():.2f}: give its last layer activation="sigmoid"'
        )
    projection = [c for c in convolutions if c is not expansion and c.filters == 16]
    if not projection:
        return hint("end with a 1x1 convolution that projects back to `filters` channels")
    if graph.activated(model, projection[-1]):
        return hint(
            "leave the projection linear: no activation after it (MobileNetV2's linear bottleneck: a relu "
            "or swish on few channels destroys information)"
        )
    for convolution in (expansion, depthwise[0], projection[-1]):
        after = graph.children(model, convolution)
        if not after or not isinstance(after[0], keras.layers.BatchNormalization):
            return hint("follow each of the three convolutions with layers.BatchNormalization()")
    if not _joins(model, "Add"):
        return hint("where the shape is kept (stride 1, filters equal to the input's channels), add x to the output")
    try:
        strided = _block_model(block, [8, 8, 16], 24, 4, 2)
    except ValueError as error:
        if "incompatible shapes" not in str(error):
            raise
        strided = hint("skip only where the shape is kept: with stride 2 or other filters, x cannot be added")
    if isinstance(strided, Feedback):
        return strided
    if strided.output_shape[1:] != (4, 4, 24):
        return hint(f"mbconv_block(x, 24, stride=2) on 8x8x16 should give 4x4x24; yours gives {_shape(strided)}")
    if _joins(strided, "Add"):
        return hint("skip only where the shape is kept: with stride 2 or other filters, x cannot be added")
    return correct(
        f"1x1 expansion to 64, depthwise 3x3, squeeze-and-excitation with a sigmoid gate, linear 1x1 projection, "
        f"the skip only where the shape is kept; {model.count_params():,} weights"
    )
