"""What the layers beyond Conv2D share: frozen float32 arrays, cell indices, and the row-major
stepping of an (H', W', C) output, so each layer module holds only its own arithmetic."""

from __future__ import annotations

from typing import Any

import numpy as np

from kernelscope.core.engine.convolution import ConvError
from kernelscope.core.engine.layer import Shape

__all__ = ["MapSteps", "check_cell", "frozen", "real_input"]

# dtype kinds that hold real numbers: ints, uints, floats (as convolution's own check, less timedelta).
_REAL_KINDS = "iuf"


def frozen(value: Any, what: str) -> np.ndarray:
    """``value`` itself when already read-only float32 (no copy), otherwise a frozen C-contiguous
    float32 copy; refuses text and values that are not finite float32 numbers."""
    if isinstance(value, np.ndarray) and value.dtype == np.float32 and not value.flags.writeable:
        return value
    try:
        arr = np.asarray(value)
        if arr.dtype.kind not in _REAL_KINDS and arr.dtype != object:
            raise TypeError
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.array(arr, dtype=np.float32, copy=True, order="C")
    except (TypeError, ValueError):
        raise ConvError(f"the {what} must hold real numbers") from None
    if not np.isfinite(out).all():
        raise ConvError(f"a value in the {what} is not a finite number (nan, inf or too large)")
    out.flags.writeable = False
    return out


def real_input(x: Any, min_rank: int = 1) -> np.ndarray:
    """The input as frozen float32; an (H, W) image becomes (H, W, 1) as the stack's input does."""
    arr = frozen(x, "input")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim < min_rank or arr.size == 0:
        raise ConvError(f"the input has shape {arr.shape}, which this layer cannot take")
    return arr


def check_cell(index: tuple[int, ...], shape: Shape) -> tuple[int, ...]:
    """``index`` as plain ints when it names a cell of an output of ``shape``; refuses it otherwise."""
    if len(index) != len(shape) or not all(0 <= int(i) < n for i, n in zip(index, shape, strict=True)):
        raise ConvError(f"no output cell {tuple(index)} in an output of shape {shape}")
    return tuple(int(i) for i in index)


class MapSteps:
    """Row-major stepping over an (H', W', C) ``output``, as Conv2D's result offers it."""

    output: np.ndarray

    def trace_cell(self, index: tuple[int, ...], /) -> Any:  # each result narrows the trace type
        raise NotImplementedError

    @property
    def out_shape(self) -> tuple[int, int, int]:
        shape = self.output.shape
        if len(shape) != 3:
            raise ConvError(f"an output of shape {shape} has no rows and columns to step")
        return int(shape[0]), int(shape[1]), int(shape[2])

    @property
    def steps(self) -> int:
        oh, ow, _ = self.out_shape
        return oh * ow

    def step_position(self, step: int, /) -> tuple[int, int]:
        if not 0 <= step < self.steps:
            raise ConvError(f"step {step} is outside 0..{self.steps - 1}")
        row, col = divmod(step, self.out_shape[1])
        return row, col

    def feature_maps(self) -> np.ndarray:
        _ = self.out_shape  # refuses a vector
        return self.output

    def trace(self, channel: int, out_row: int, out_col: int, /) -> Any:
        return self.trace_cell((out_row, out_col, channel))
