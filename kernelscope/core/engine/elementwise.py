"""Keras's layers that move or map values one by one: Flatten, Dropout, Activation, ReLU,
Rescaling, ZeroPadding2D and BatchNormalization (at inference).

Each cell of the output comes from at most one input cell, so a step is that cell's value and
the formula applied to it (:class:`ElementTrace`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from kernelscope.core.engine.convolution import ConvError, activate
from kernelscope.core.engine.dense import apply_activation, dense_activation
from kernelscope.core.engine.layer import Shape
from kernelscope.core.engine.results import MapSteps, check_cell, frozen
from kernelscope.core.numbers import is_whole, whole_pair

__all__ = [
    "ActivationLayer",
    "BatchNormalizationLayer",
    "DropoutLayer",
    "ElementResult",
    "ElementTrace",
    "FlattenLayer",
    "ReLULayer",
    "RescalingLayer",
    "ZeroPadding2DLayer",
    "relu",
]

Pair = tuple[int, int]


def _num(v: float) -> str:
    """A value as a step writes it: float32's shortest form."""
    return f"{float(np.float32(v)):.7g}"


@dataclass(frozen=True)
class ElementTrace:
    """One output cell: the input cell it comes from (``source``, None for padding), that input's
    value, the formula written out with the numbers, and the result."""

    index: tuple[int, ...]
    source: tuple[int, ...] | None
    input: float
    formula: str
    value: float


class _Elementwise:
    """The shared forward pass: ``_apply`` on the whole input, ``_cell`` on one value."""

    keras_class: str

    def output_shape(self, input_shape: Shape, /) -> Shape:
        if len(input_shape) < 1 or min(input_shape) < 1:
            raise ConvError(f"{self.keras_class} cannot take an input of shape {tuple(input_shape)}")
        return tuple(int(n) for n in input_shape)

    def count_params(self, input_shape: Shape, /) -> int:
        self.output_shape(input_shape)
        return 0

    def forward(self, x: np.ndarray, /) -> ElementResult:
        xin = frozen(x, "input")
        self.output_shape(xin.shape)
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.ascontiguousarray(self._apply(xin), dtype=np.float32)
        if not np.isfinite(out).all():
            raise ConvError("the output overflows 32-bit numbers: use smaller values")
        out.flags.writeable = False
        return ElementResult(self, xin, out)

    def source(self, index: tuple[int, ...], input_shape: Shape) -> tuple[int, ...] | None:
        """The input cell output cell ``index`` comes from (the same index unless moved)."""
        return index

    def _apply(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _cell(self, x: np.ndarray, index: tuple[int, ...], source: tuple[int, ...] | None) -> tuple[float, str]:
        """(value, formula) of one output cell, from the whole input ``x``."""
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class ElementResult(MapSteps):
    layer: _Elementwise
    input: np.ndarray
    output: np.ndarray

    def trace_cell(self, index: tuple[int, ...], /) -> ElementTrace:
        index = check_cell(index, self.output.shape)
        source = self.layer.source(index, self.input.shape)
        value, formula = self.layer._cell(self.input, index, source)
        x = 0.0 if source is None else float(self.input[source])
        return ElementTrace(index, source, x, formula, value)


def _f32(x: float) -> np.ndarray:
    return np.array([x], dtype=np.float32)


@dataclass(frozen=True, eq=False)
class FlattenLayer(_Elementwise):
    """``keras.layers.Flatten``: (H, W, C) -> (H*W*C,), row-major (C fastest), as channels_last does."""

    keras_class = "Flatten"

    def output_shape(self, input_shape: Shape, /) -> Shape:
        super().output_shape(input_shape)
        return (math.prod(int(n) for n in input_shape),)

    def _apply(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(-1)

    def source(self, index: tuple[int, ...], input_shape: Shape) -> tuple[int, ...] | None:
        return tuple(int(i) for i in np.unravel_index(index[0], input_shape))

    def _cell(self, x: np.ndarray, index: tuple[int, ...], source: tuple[int, ...] | None) -> tuple[float, str]:
        assert source is not None
        v = float(x[source])
        return v, f"input[{', '.join(map(str, source))}] = {_num(v)}"


@dataclass(frozen=True, eq=False)
class DropoutLayer(_Elementwise):
    """``keras.layers.Dropout`` at inference: the identity (``rate`` only matters in training)."""

    rate: float = 0.5
    keras_class = "Dropout"

    def _apply(self, x: np.ndarray) -> np.ndarray:
        return x

    def _cell(self, x: np.ndarray, index: tuple[int, ...], source: tuple[int, ...] | None) -> tuple[float, str]:
        v = float(x[index])
        return v, f"dropout(x) = x at inference: {_num(v)}"


@dataclass(frozen=True, eq=False)
class ActivationLayer(_Elementwise):
    """``keras.layers.Activation``: any activation kernelscope knows; softmax over the last axis."""

    activation: str = "linear"
    keras_class = "Activation"

    def __post_init__(self) -> None:
        object.__setattr__(self, "activation", dense_activation(self.activation))

    def _apply(self, x: np.ndarray) -> np.ndarray:
        return apply_activation(x, self.activation)

    def _cell(self, x: np.ndarray, index: tuple[int, ...], source: tuple[int, ...] | None) -> tuple[float, str]:
        z = float(x[index])
        if self.activation == "softmax":
            row = x[index[:-1]].astype(np.float64)
            top, total = row.max(), float(np.exp(row - row.max()).sum())
            v = float(np.float32(math.exp(z - top) / total))
            return v, f"exp({_num(z)} - {_num(top)}) / {_num(total)} = {_num(v)}"
        v = float(activate(z, self.activation)) if self.activation != "linear" else z
        return v, f"{self.activation}({_num(z)}) = {_num(v)}"


def relu(
    x: np.ndarray, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0
) -> np.ndarray:
    """Keras's ``activations.relu`` in float32: ``x`` above ``threshold`` (clipped to
    ``max_value``), else ``negative_slope * (x - threshold)``."""
    x = np.asarray(x, dtype=np.float32)
    slope, t = np.float32(negative_slope), np.float32(threshold)
    positive = np.where(x > t, x, np.float32(0)) if threshold != 0 else np.maximum(x, np.float32(0))
    if max_value is not None:
        positive = np.clip(positive, np.float32(0), np.float32(max_value))
    if negative_slope != 0:
        positive = positive - slope * np.maximum(t - x, np.float32(0))
    return np.asarray(positive, dtype=np.float32)


@dataclass(frozen=True, eq=False)
class ReLULayer(_Elementwise):
    """``keras.layers.ReLU(max_value, negative_slope, threshold)``."""

    max_value: float | None = None
    negative_slope: float = 0.0
    threshold: float = 0.0
    keras_class = "ReLU"

    def __post_init__(self) -> None:
        for name in ("max_value", "negative_slope", "threshold"):
            v = getattr(self, name)
            if v is None and name == "max_value":
                continue
            if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or not math.isfinite(v) or v < 0:
                raise ConvError(f"{name} must be a number of at least 0, not {v!r}")
            object.__setattr__(self, name, float(v))

    def _apply(self, x: np.ndarray) -> np.ndarray:
        return relu(x, self.negative_slope, self.max_value, self.threshold)

    def _cell(self, x: np.ndarray, index: tuple[int, ...], source: tuple[int, ...] | None) -> tuple[float, str]:
        z = float(x[index])
        v = float(self._apply(_f32(z))[0])
        if z > self.threshold or (self.threshold == 0 and z == 0):
            rule = f"{_num(z)}" if self.max_value is None else f"min({_num(z)}, {_num(self.max_value)})"
        elif self.negative_slope:
            rule = f"{_num(self.negative_slope)} * ({_num(z)} - {_num(self.threshold)})"
        else:
            rule = f"0 (since {_num(z)} <= {_num(self.threshold)})"
        return v, f"relu: {rule} = {_num(v)}"


@dataclass(frozen=True, eq=False)
class RescalingLayer(_Elementwise):
    """``keras.layers.Rescaling``: ``x * scale + offset`` in float32."""

    scale: float = 1.0
    offset: float = 0.0
    keras_class = "Rescaling"

    def __post_init__(self) -> None:
        for name in ("scale", "offset"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or not math.isfinite(v):
                raise ConvError(f"{name} must be a number, not {v!r}")
            object.__setattr__(self, name, float(v))

    def _apply(self, x: np.ndarray) -> np.ndarray:
        out: np.ndarray = x * np.float32(self.scale) + np.float32(self.offset)
        return out

    def _cell(self, x: np.ndarray, index: tuple[int, ...], source: tuple[int, ...] | None) -> tuple[float, str]:
        z = float(x[index])
        v = float(self._apply(_f32(z))[0])
        return v, f"{_num(z)} * {_num(self.scale)} + {_num(self.offset)} = {_num(v)}"


def padding_pairs(value: Any) -> tuple[Pair, Pair] | None:
    """Keras's ZeroPadding2D ``padding``: n, (rows, cols) or ((top, bottom), (left, right))."""
    if is_whole(value):
        n = int(value)
        return (n, n), (n, n)
    if isinstance(value, (list, tuple)) and len(value) == 2:
        if all(is_whole(v) for v in value):
            return (int(value[0]), int(value[0])), (int(value[1]), int(value[1]))
        pairs = [whole_pair(v) if isinstance(v, (list, tuple)) else None for v in value]
        if pairs[0] is not None and pairs[1] is not None:
            return pairs[0], pairs[1]
    return None


@dataclass(frozen=True, eq=False)
class ZeroPadding2DLayer(_Elementwise):
    """``keras.layers.ZeroPadding2D``: rows and columns of zeros around every map."""

    padding: tuple[Pair, Pair] = ((1, 1), (1, 1))
    keras_class = "ZeroPadding2D"

    def __post_init__(self) -> None:
        pads = padding_pairs(self.padding)
        if pads is None or min(*pads[0], *pads[1]) < 0:
            raise ConvError(
                f"padding must be n, (rows, cols) or ((top, bottom), (left, right)) of whole numbers >= 0, "
                f"not {self.padding!r}"
            )
        object.__setattr__(self, "padding", pads)

    def output_shape(self, input_shape: Shape, /) -> Shape:
        if len(input_shape) != 3 or min(input_shape) < 1:
            raise ConvError(f"ZeroPadding2D needs maps (height, width, channels), not shape {tuple(input_shape)}")
        (top, bottom), (left, right) = self.padding
        return int(input_shape[0]) + top + bottom, int(input_shape[1]) + left + right, int(input_shape[2])

    def _apply(self, x: np.ndarray) -> np.ndarray:
        padded: np.ndarray = np.pad(x, (*self.padding, (0, 0)))
        return padded

    def source(self, index: tuple[int, ...], input_shape: Shape) -> tuple[int, ...] | None:
        (top, _), (left, _) = self.padding
        r, c = index[0] - top, index[1] - left
        return (r, c, index[2]) if 0 <= r < input_shape[0] and 0 <= c < input_shape[1] else None

    def _cell(self, x: np.ndarray, index: tuple[int, ...], source: tuple[int, ...] | None) -> tuple[float, str]:
        if source is None:
            return 0.0, "padding = 0"
        v = float(x[source])
        return v, f"input[{', '.join(map(str, source))}] = {_num(v)}"


@dataclass(frozen=True, eq=False)
class BatchNormalizationLayer(_Elementwise):
    """``keras.layers.BatchNormalization`` at inference, on the last axis:
    ``(x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta`` (in float64, rounded once).

    Without ``scale`` Keras has no gamma and without ``center`` no beta: pass ones and zeros then
    (they are not counted as parameters).
    """

    gamma: np.ndarray
    beta: np.ndarray
    moving_mean: np.ndarray
    moving_variance: np.ndarray
    epsilon: float = 1e-3
    center: bool = True
    scale: bool = True
    keras_class = "BatchNormalization"

    def __post_init__(self) -> None:
        arrays = {}
        for name in ("gamma", "beta", "moving_mean", "moving_variance"):
            arr = frozen(getattr(self, name), name)
            if arr.ndim != 1:
                raise ConvError(f"{name} must be a vector (one number per channel), not shape {arr.shape}")
            arrays[name] = arr
        if len({a.shape for a in arrays.values()}) != 1:
            raise ConvError("gamma, beta, moving_mean and moving_variance must have one number per channel each")
        if (arrays["moving_variance"] < 0).any():
            raise ConvError("a moving_variance is below 0: a variance cannot be negative")
        for name, arr in arrays.items():
            object.__setattr__(self, name, arr)
        eps = self.epsilon
        if isinstance(eps, bool) or not isinstance(eps, (int, float, np.number)) or not math.isfinite(eps) or eps <= 0:
            raise ConvError(f"epsilon must be a number above 0, not {eps!r}")
        object.__setattr__(self, "epsilon", float(eps))
        for name in ("center", "scale"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ConvError(f"{name} must be True or False, not {getattr(self, name)!r}")
            object.__setattr__(self, name, bool(getattr(self, name)))

    @property
    def channels(self) -> int:
        return int(self.gamma.shape[0])

    def output_shape(self, input_shape: Shape, /) -> Shape:
        shape = super().output_shape(input_shape)
        if shape[-1] != self.channels:
            raise ConvError(f"the weights have {self.channels} channel(s) but the input's last axis has {shape[-1]}")
        return shape

    def count_params(self, input_shape: Shape, /) -> int:
        self.output_shape(input_shape)
        return self.channels * (2 + self.center + self.scale)  # mean and variance always

    def _normalize(self, x: np.ndarray, channel: Any = slice(None)) -> np.ndarray:
        mean, var = self.moving_mean[channel].astype(np.float64), self.moving_variance[channel].astype(np.float64)
        gamma, beta = self.gamma[channel].astype(np.float64), self.beta[channel].astype(np.float64)
        out: np.ndarray = (x.astype(np.float64) - mean) / np.sqrt(var + self.epsilon) * gamma + beta
        return out

    def _apply(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self._normalize(x), dtype=np.float32)

    def _cell(self, x: np.ndarray, index: tuple[int, ...], source: tuple[int, ...] | None) -> tuple[float, str]:
        c = index[-1]
        z = float(x[index])
        v = float(np.float32(self._normalize(np.asarray(x[index]), c)))
        m, var, g, b = (float(a[c]) for a in (self.moving_mean, self.moving_variance, self.gamma, self.beta))
        formula = f"({_num(z)} - {_num(m)}) / sqrt({_num(var)} + {self.epsilon:g}) * {_num(g)} + {_num(b)}"
        return v, f"{formula} = {_num(v)}"
