"""Keras layers in pure NumPy: output shapes, parameter counts, forward passes and the trace of one
output cell. Conv2D (``convolution``) is the first layer; each layer type is a small module here.

Imports NumPy and the standard library only.
"""

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

__all__ = [
    "ACTIVATIONS",
    "PADDINGS",
    "ConvError",
    "ConvResult",
    "ConvSpec",
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
