"""Keras layers in pure NumPy: output shapes, parameter counts, forward passes and the trace of one
output cell. Conv2D (``convolution``) is the first layer; each layer type is a small module here.

``layer`` says what every layer type offers (:class:`Layer`, :class:`LayerOutput`,
:class:`LayerResult`, :class:`CellTrace`); :class:`Conv2DLayer` is Conv2D's, ``pooling``, ``dense``
and ``elementwise`` hold the others, and ``stack`` runs a Keras Sequential stack of them.
Imports NumPy, the standard library and the shared number rules (``kernelscope.core.numbers``) only.
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
from kernelscope.core.engine.dense import DenseLayer, DenseResult, DenseTrace
from kernelscope.core.engine.elementwise import (
    ActivationLayer,
    BatchNormalizationLayer,
    DropoutLayer,
    ElementResult,
    ElementTrace,
    FlattenLayer,
    ReLULayer,
    RescalingLayer,
    ZeroPadding2DLayer,
)
from kernelscope.core.engine.layer import CellTrace, Layer, LayerOutput, LayerResult
from kernelscope.core.engine.pooling import GlobalPooling2DLayer, Pooling2DLayer, PoolResult, PoolTrace
from kernelscope.core.engine.stack import (
    LAYER_CLASSES,
    LayerDict,
    LayerError,
    StackEntry,
    default_name,
    forward,
    forward_results,
    normalize,
    summary,
    summary_text,
)

__all__ = [
    "ACTIVATIONS",
    "LAYER_CLASSES",
    "PADDINGS",
    "ActivationLayer",
    "BatchNormalizationLayer",
    "CellTrace",
    "Conv2DLayer",
    "ConvError",
    "ConvResult",
    "ConvSpec",
    "DenseLayer",
    "DenseResult",
    "DenseTrace",
    "DropoutLayer",
    "ElementResult",
    "ElementTrace",
    "FlattenLayer",
    "GlobalPooling2DLayer",
    "Layer",
    "LayerDict",
    "LayerError",
    "LayerOutput",
    "LayerResult",
    "PoolResult",
    "PoolTrace",
    "Pooling2DLayer",
    "ReLULayer",
    "RescalingLayer",
    "StackEntry",
    "StepTrace",
    "ZeroPadding2DLayer",
    "activate",
    "compute",
    "conv2d",
    "count_params",
    "default_name",
    "forward",
    "forward_results",
    "glorot_uniform",
    "normalize",
    "output_shape",
    "output_size",
    "padding_amounts",
    "same_padding",
    "summary",
    "summary_text",
]
