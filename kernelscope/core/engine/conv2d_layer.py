"""Conv2D as a :class:`~kernelscope.core.engine.layer.Layer`: a spec plus its kernels and bias.

Only the packaging: the arithmetic is ``convolution``'s, so a forward pass here is
:func:`~kernelscope.core.engine.convolution.compute` itself, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kernelscope.core.engine.convolution import (
    ConvError,
    ConvResult,
    ConvSpec,
    compute,
    count_params,
    output_shape,
    prepare_weights,
)
from kernelscope.core.engine.layer import Shape
from kernelscope.core.engine.results import frozen  # no copy of read-only float32: states compare by identity

__all__ = ["Conv2DLayer"]


@dataclass(frozen=True, eq=False)
class Conv2DLayer:
    """``keras.layers.Conv2D`` with its weights: (kh, kw, C, F) kernels and (F,) bias, read-only float32.

    The bias is kept even when ``spec.use_bias`` is off, as a session stores it; the forward pass
    then ignores it, as Keras has none. Layers compare by identity: a new edit makes a new layer.
    """

    spec: ConvSpec
    kernels: np.ndarray
    bias: np.ndarray

    def __post_init__(self) -> None:
        spec = self.spec
        if not isinstance(spec, ConvSpec):
            raise ConvError(f"a Conv2D layer needs a ConvSpec, not {type(spec).__name__}")
        kernels = frozen(self.kernels, "kernels")
        if kernels.ndim != 4 or min(kernels.shape) < 1:
            raise ConvError(f"kernels must be (kh, kw, channels, filters) as in Keras, not shape {kernels.shape}")
        if kernels.shape[:2] != spec.kernel_size or kernels.shape[3] != spec.filters:
            raise ConvError(
                f"the kernels have shape {kernels.shape} but the layer asks for "
                f"{spec.kernel_size[0]}x{spec.kernel_size[1]} kernels and {spec.filters} filter(s)"
            )
        bias = frozen(self.bias, "bias")
        if bias.shape != (spec.filters,):
            raise ConvError(f"bias must hold one number per filter ({spec.filters}), not shape {bias.shape}")
        object.__setattr__(self, "kernels", kernels)
        object.__setattr__(self, "bias", bias)
        prepare_weights(kernels, bias, spec)  # checked here, at the edit, not at every compute

    @property
    def keras_class(self) -> str:
        return "Conv2D"

    @property
    def channels(self) -> int:
        """Input channels the kernels expect."""
        return int(self.kernels.shape[2])

    def output_shape(self, input_shape: Shape, /) -> tuple[int, int, int]:
        shape = output_shape(input_shape, self.spec)
        self._check_channels(input_shape)
        return shape

    def count_params(self, input_shape: Shape, /) -> int:
        if len(input_shape) not in (2, 3):
            raise ConvError(f"the input must be (height, width) or (height, width, channels), not {input_shape}")
        self._check_channels(input_shape)
        return count_params(self.spec, self.channels)

    def forward(self, x: np.ndarray, /) -> ConvResult:
        return compute(x, self.kernels, self.bias, self.spec)

    def _check_channels(self, input_shape: Shape) -> None:
        channels = int(input_shape[2]) if len(input_shape) == 3 else 1
        if channels != self.channels:
            raise ConvError(
                f"the kernels have {self.channels} input channel(s) but the input has {channels}: "
                "each filter needs one kernel slice per input channel"
            )
