"""Keras layers in pure NumPy: output shapes, parameter counts, forward passes and the trace of one
output cell. Conv2D (``convolution``) is the first layer; each layer type is a small module here.

``layer`` says what every layer type offers (:class:`Layer`, :class:`LayerResult`,
:class:`CellTrace`); :class:`Conv2DLayer` is Conv2D's. Imports NumPy, the standard library and the
shared number rules (``kernelscope.core.numbers``) only.
"""

from kernelscope.core.engine.conv2d_layer import Conv2DLayer
from kernelscope.core.engine.convolution import (
    ACTIVATIONS,
    PADDINGS,
    ConvError,
    ConvResult,
    ConvSpec,
    StepTrace,
    activate,
    compute,
    conv2d,
    count_params,
    glorot_uniform,
    output_shape,
    output_size,
    padding_amounts,
    same_padding,
)
from kernelscope.core.engine.layer import CellTrace, Layer, LayerResult

__all__ = [
    "ACTIVATIONS",
    "PADDINGS",
    "CellTrace",
    "Conv2DLayer",
    "ConvError",
    "ConvResult",
    "ConvSpec",
    "Layer",
    "LayerResult",
    "StepTrace",
    "activate",
    "compute",
    "conv2d",
    "count_params",
    "glorot_uniform",
    "output_shape",
    "output_size",
    "padding_amounts",
    "same_padding",
]
