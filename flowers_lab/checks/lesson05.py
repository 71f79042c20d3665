"""Checks for lesson 5, squeezenet."""

from __future__ import annotations

import keras

from flowers_lab.checks import Feedback, correct, guarded, hint


@guarded
def fire(fire_module) -> Feedback:
    """``fire_module(x, squeeze, expand)``: a 1x1 squeeze, then 1x1 and 3x3 expands side by side
    (``expand // 2`` filters each) concatenated, each convolution batch-normalised (momentum 0.9)."""
    if not callable(fire_module):
        return hint(f"`fire` should be a function fire(x, squeeze, expand), not a {type(fire_module).__name__}")
    x = keras.Input([12, 12, 16])
    y = fire_module(x, 4, 10)
    if not isinstance(y, keras.KerasTensor):
        return hint(f"fire should return the module's output (a Keras tensor), not a {type(y).__name__}")
    layers = keras.Model(x, y).layers
    convolutions = [layer for layer in layers if isinstance(layer, keras.layers.Conv2D)]
    kernels = sorted(layer.kernel_size[0] for layer in convolutions)
    if kernels != [1, 1, 3]:
        return hint(f"a fire module has three convolutions, kernels 1, 1 and 3; yours has kernels {kernels or 'none'}")
    squeeze = next((layer for layer in convolutions if layer.filters == 4 and layer.kernel_size[0] == 1), None)
    if squeeze is None or squeeze.input.shape[-1] != 16:
        return hint("start with the squeeze: a 1x1 Conv2D with `squeeze` filters, applied to x")
    if not any(isinstance(layer, keras.layers.Concatenate) for layer in layers):
        return hint("apply the 1x1 and the 3x3 expand to the same squeezed tensor, then join them with "
                    "layers.concatenate([y1, y3])")
    if tuple(y.shape[1:]) != (12, 12, 10):
        return hint(f"with padding='same' and expand // 2 filters in each branch, fire(x, 4, 10) on a 12x12x16 "
                    f"input gives 12x12x10; yours gives {'x'.join(str(d) for d in y.shape[1:])}")
    norms = [layer for layer in layers if isinstance(layer, keras.layers.BatchNormalization)]
    if len(norms) != 3:
        return hint(f"follow each of the 3 convolutions with layers.BatchNormalization(momentum=0.9); "
                    f"you have {len(norms)}")
    if any(abs(layer.momentum - 0.9) > 1e-9 for layer in norms):
        return hint("use momentum=0.9: with Keras' 0.99 the moving statistics lag far behind on a short training")
    if any(layer.use_bias for layer in convolutions):
        return hint("batch normalisation adds its own offset: give the convolutions use_bias=False")
    return correct(f"fire(x, 4, 10) holds {keras.Model(x, y).count_params():,} weights and gives 10 channels")
