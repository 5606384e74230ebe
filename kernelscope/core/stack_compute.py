"""One computation of a stack's layers, from the first one an edit changed to the last one that
fits: a job a scheduler may run on another thread, and how much work it is.

The document keeps every layer's result; an edit of layer k reruns layers k and on, from the
cached output of layer k - 1. No Qt: the app's worker thread calls the job.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from kernelscope.core import engine
from kernelscope.core.engine import (
    Conv2DLayer,
    ConvError,
    ConvResult,
    DenseLayer,
    Layer,
    LayerOutput,
    Pooling2DLayer,
)
from kernelscope.core.engine.layer import Shape
from kernelscope.core.numbers import FLOAT32_MAX

__all__ = [
    "OVERFLOW",
    "ComputeFailure",
    "Deliver",
    "Scheduler",
    "StackJob",
    "may_overflow",
]

OVERFLOW = "these weights make the maps overflow 32-bit numbers: use smaller values"


@dataclass(frozen=True)
class ComputeFailure:
    """What a scheduler delivers instead of a result when the computation raised: one line, and no
    exception kept (its traceback would keep the failed computation's arrays alive)."""

    message: str

    @classmethod
    def of(cls, exc: BaseException) -> ComputeFailure:
        if isinstance(exc, MemoryError):
            return cls("not enough memory to compute the feature maps: the maps show the last result")
        if isinstance(exc, ConvError):
            return cls(str(exc))
        return cls(f"the feature maps could not be computed ({type(exc).__name__}: {exc}): "
                   "the maps show the last result")


class OutputOverflowError(ConvError):
    """A layer's output passed float32's range."""


@dataclass(frozen=True, eq=False)
class StackJob:
    """Layers ``start`` .. ``start + len(layers) - 1`` of a stack run on ``x``, the input of layer
    ``start``; ``shapes`` are the shapes each receives. Calling it returns their results."""

    x: np.ndarray
    layers: tuple[Layer, ...]
    start: int
    shapes: tuple[Shape, ...]
    named: bool = False  # messages name the layer (a stack of several)

    def __call__(self) -> tuple[LayerOutput, ...]:
        results: list[LayerOutput] = []
        current = self.x
        for i, layer in enumerate(self.layers):
            with np.errstate(over="ignore", invalid="ignore"):
                try:
                    result = _forward(layer, current)
                except ConvError as exc:
                    raise ConvError(self._where(i) + str(exc)) from None
            if not _finite(result):
                raise OutputOverflowError(self._where(i) + OVERFLOW)
            results.append(result)
            current = result.output
        return tuple(results)

    def _where(self, i: int) -> str:
        layer = self.layers[i]
        return f"layer {self.start + i + 1} ({layer.keras_class}): " if self.named else ""

    @property
    def work(self) -> int:
        """Multiply-adds (or cell visits) the job costs: what decides whether it leaves the UI thread."""
        return sum(layer_work(layer, shape) for layer, shape in zip(self.layers, self.shapes, strict=True))


Deliver = Callable[[int, "tuple[LayerOutput, ...] | ComputeFailure"], None]
Scheduler = Callable[[int, StackJob, Deliver], None]
"""Runs ``job()`` somewhere else and calls ``deliver(generation, results)`` on the thread that owns
the document, ``deliver(generation, ComputeFailure.of(exc))`` if it raised."""


def _forward(layer: Layer, x: np.ndarray) -> LayerOutput:
    """A Conv2D through ``engine.compute`` (the one entry point tests and benches count), the rest
    through their own forward pass."""
    if isinstance(layer, Conv2DLayer):
        return engine.compute(x, layer.kernels, layer.bias, layer.spec)
    return layer.forward(x)


def _finite(result: LayerOutput) -> bool:
    """Whether every value is within float32. A Conv2D's min/max, which the colour scale reads
    next anyway, shows a NaN or an inf without another pass over every value."""
    if isinstance(result, ConvResult):
        finite = np.isfinite(result.value_range(activated=False)).all()
        if finite and result.spec.activation != "linear":
            finite = np.isfinite(result.value_range(activated=True)).all()  # selu's slope passes the edge
    else:
        finite = bool(np.isfinite(result.output).all())
    return bool(finite)


def layer_work(layer: Layer, input_shape: Shape) -> int:
    """Multiply-adds of one layer on ``input_shape``: H' W' F kh kw C for a Conv2D, in x units for
    a Dense, the window's cells for a pool, the values otherwise."""
    try:
        out = layer.output_shape(input_shape)
    except ConvError:
        return 0
    cells = math.prod(out)
    if isinstance(layer, Conv2DLayer):
        kh, kw = layer.spec.kernel_size
        return cells * kh * kw * int(input_shape[-1])
    if isinstance(layer, DenseLayer):
        return cells * int(layer.kernel.shape[0])
    if isinstance(layer, Pooling2DLayer):
        return cells * layer.pool_size[0] * layer.pool_size[1]
    return max(cells, math.prod(input_shape))


def may_overflow(x: np.ndarray, layer: Layer) -> bool:
    """Whether a Conv2D's pre-activation could pass float32's range on ``x``: |x| * sum|w| + |b|
    bounds every value (with room for rounding and the activations' slopes); one pass over ``x``.
    Such an edit is computed at once, so that it is refused before anything changes."""
    if not isinstance(layer, Conv2DLayer) or x.size == 0:
        return False
    with np.errstate(over="ignore"):
        reach = float(np.abs(x).max()) * float(
            np.abs(layer.kernels).sum(axis=(0, 1, 2), dtype=np.float64).max())
        return not reach + float(np.abs(layer.bias).max()) < FLOAT32_MAX / 4
