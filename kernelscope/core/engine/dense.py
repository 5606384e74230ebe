"""Keras's ``Dense`` in NumPy: ``activation(x @ kernel + bias)`` on the last axis, softmax included.

The weighted sums run in float64 and are rounded once to float32, so a step's own sum (also
float64) tells the same story as the layer's output. Softmax is Keras's stable form,
``exp(z - max z) / sum``, over the last axis.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from kernelscope.core.engine.convolution import ACTIVATIONS, ConvError, activate, canonical_activation
from kernelscope.core.engine.layer import Shape
from kernelscope.core.engine.results import MapSteps, check_cell, frozen

__all__ = ["DENSE_ACTIVATIONS", "DenseLayer", "DenseResult", "DenseTrace", "dense_activation", "softmax"]

DENSE_ACTIVATIONS = (*ACTIVATIONS, "softmax")
"""Conv2D's activations plus softmax, which needs the whole last axis."""


def dense_activation(name: str | None) -> str:
    """Keras's activation name for a Dense or Activation layer ("linear" for None)."""
    if name == "softmax":
        return name
    try:
        return canonical_activation(name)
    except ConvError:
        known = ", ".join(sorted(DENSE_ACTIVATIONS))
        raise ConvError(f"unknown activation {name!r}: use one of {known}, or None") from None


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis, in float64: ``exp(z - max) / sum(exp(z - max))``."""
    z64 = np.asarray(z, dtype=np.float64)
    e = np.exp(z64 - z64.max(axis=-1, keepdims=True))
    out: np.ndarray = e / e.sum(axis=-1, keepdims=True)
    return out


def apply_activation(pre: np.ndarray, name: str) -> np.ndarray:
    """Any Dense activation on float32 ``pre``, returned as float32."""
    if name == "softmax":
        return np.asarray(softmax(pre), dtype=np.float32)
    if name == "linear":
        return pre
    return activate(pre, name)


@dataclass(frozen=True)
class DenseTrace:
    """One unit of a Dense layer at one position: ``products`` = ``inputs`` * ``weights`` (the
    kernel's column), ``total`` their sum, then ``+ bias`` and the activation. For softmax,
    ``exponentials`` are ``exp(z - max z)`` of every unit at this position and ``exp_sum`` their sum."""

    index: tuple[int, ...]
    unit: int
    inputs: np.ndarray
    weights: np.ndarray
    products: np.ndarray
    total: float
    bias: float
    pre_activation: float
    activation: str
    exponentials: np.ndarray | None
    exp_sum: float | None
    value: float


@dataclass(frozen=True, eq=False)
class DenseResult(MapSteps):
    """A Dense pass kept whole: its input, weights, pre-activation and output (Keras's layout)."""

    input: np.ndarray
    kernel: np.ndarray
    bias: np.ndarray
    activation: str
    pre_activation: np.ndarray
    output: np.ndarray

    def trace_cell(self, index: tuple[int, ...], /) -> DenseTrace:
        index = check_cell(index, self.output.shape)
        position, unit = index[:-1], index[-1]
        inputs = self.input[position].copy()
        weights = self.kernel[:, unit].copy()
        products = inputs.astype(np.float64) * weights.astype(np.float64)
        total = float(products.sum())
        bias = float(self.bias[unit])
        pre = float(np.float32(total + bias))
        exponentials: np.ndarray | None = None
        exp_sum: float | None = None
        if self.activation == "softmax":
            row = self.pre_activation[position].astype(np.float64)
            exponentials = np.exp(row - row.max())
            exp_sum = float(exponentials.sum())
            value = float(np.float32(exponentials[unit] / exp_sum))
        else:
            value = float(apply_activation(np.float32(pre).reshape(1), self.activation)[0])
        return DenseTrace(
            index, unit, inputs, weights, products.astype(np.float32), total, bias, pre, self.activation,
            exponentials, exp_sum, value,
        )


@dataclass(frozen=True, eq=False)
class DenseLayer:
    """``keras.layers.Dense`` with its (in, units) kernel and (units,) bias, read-only float32.

    The bias is kept (zeros) when ``use_bias`` is off, as Conv2D's layer does; the pass ignores it.
    """

    kernel: np.ndarray
    bias: np.ndarray
    activation: str = "linear"
    use_bias: bool = True

    def __post_init__(self) -> None:
        kernel = frozen(self.kernel, "kernel")
        if kernel.ndim != 2 or min(kernel.shape) < 1:
            raise ConvError(f"a Dense kernel is (inputs, units), not shape {kernel.shape}")
        bias = frozen(self.bias, "bias")
        if bias.shape != (kernel.shape[1],):
            raise ConvError(f"bias must hold one number per unit ({kernel.shape[1]}), not shape {bias.shape}")
        if not isinstance(self.use_bias, (bool, np.bool_)):
            raise ConvError(f"use_bias must be True or False, not {self.use_bias!r}")
        object.__setattr__(self, "kernel", kernel)
        object.__setattr__(self, "bias", bias)
        object.__setattr__(self, "activation", dense_activation(self.activation))
        object.__setattr__(self, "use_bias", bool(self.use_bias))

    @property
    def keras_class(self) -> str:
        return "Dense"

    @property
    def units(self) -> int:
        return int(self.kernel.shape[1])

    def output_shape(self, input_shape: Shape, /) -> Shape:
        if len(input_shape) < 1 or min(input_shape) < 1:
            raise ConvError(f"a Dense layer cannot take an input of shape {tuple(input_shape)}")
        if input_shape[-1] != self.kernel.shape[0]:
            raise ConvError(
                f"the kernel takes {self.kernel.shape[0]} values but the input's last axis has {input_shape[-1]}"
            )
        return (*(int(n) for n in input_shape[:-1]), self.units)

    def count_params(self, input_shape: Shape, /) -> int:
        self.output_shape(input_shape)
        return int(self.kernel.size) + (self.units if self.use_bias else 0)

    @functools.cached_property
    def kernel64(self) -> np.ndarray:
        """The kernel in float64 for the weighted sums, made at the first pass and kept: the layer
        never changes, and converting a large kernel cost more than the product itself."""
        out = self.kernel.astype(np.float64)
        out.flags.writeable = False
        return out

    def forward(self, x: np.ndarray, /) -> DenseResult:
        xin = frozen(x, "input")
        self.output_shape(xin.shape)
        pre64 = xin.astype(np.float64) @ self.kernel64
        bias = self.bias if self.use_bias else np.zeros_like(self.bias)
        with np.errstate(over="ignore"):
            pre = np.asarray(pre64 + bias, dtype=np.float32)
        if not np.isfinite(pre).all():
            raise ConvError("these weights make the output overflow 32-bit numbers: use smaller values")
        pre.flags.writeable = False
        out = apply_activation(pre, self.activation)
        out.flags.writeable = False
        bias.flags.writeable = False
        return DenseResult(xin, self.kernel, bias, self.activation, pre, out)
