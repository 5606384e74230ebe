"""Keras's pooling layers in NumPy: MaxPooling2D, AveragePooling2D and their global forms.

"same" padding splits as Conv2D's (the smaller half before). Max pooling pads with -inf, so the
padding never wins; average pooling divides by the number of real cells in each window, as
TensorFlow's and JAX's backends do, not by pool_h * pool_w.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kernelscope.core.engine.convolution import PADDINGS, ConvError, as_pair, output_size, same_padding
from kernelscope.core.engine.layer import Shape
from kernelscope.core.engine.results import MapSteps, check_cell, real_input

__all__ = ["POOL_KINDS", "GlobalPooling2DLayer", "PoolResult", "PoolTrace", "Pooling2DLayer"]

Pair = tuple[int, int]
POOL_KINDS = ("max", "average")


@dataclass(frozen=True)
class PoolTrace:
    """One output cell of a pooling layer: the window's cells, which are padding, and the outcome.

    ``rows``/``cols`` are the input coordinates of the window's cells (ph, pw); padding cells
    (``is_padding``) read 0 in ``inputs`` and take no part. Max: ``winner`` is the (i, j) in the
    window of the first largest real cell. Average: ``total`` of the real cells over ``count``.
    """

    kind: str
    channel: int
    out_row: int
    out_col: int
    rows: np.ndarray
    cols: np.ndarray
    is_padding: np.ndarray
    inputs: np.ndarray
    winner: tuple[int, int] | None
    total: float
    count: int
    value: float


def _check_kind(kind: str) -> str:
    if kind not in POOL_KINDS:
        raise ConvError(f"pooling is 'max' or 'average', not {kind!r}")
    return kind


def _map_input_shape(input_shape: Shape, what: str) -> tuple[int, int, int]:
    if len(input_shape) == 2:
        input_shape = (*input_shape, 1)
    if len(input_shape) != 3 or min(input_shape) < 1:
        raise ConvError(f"{what} needs maps (height, width, channels), not an input of shape {tuple(input_shape)}")
    return int(input_shape[0]), int(input_shape[1]), int(input_shape[2])


@dataclass(frozen=True, eq=False)
class PoolResult(MapSteps):
    """A pooling pass kept whole. ``maps`` is the (H', W', C) grid of windows (1x1 for a global
    pool); ``output`` is what Keras returns (the same, or (C,) for a global pool without keepdims)."""

    kind: str
    input: np.ndarray
    maps: np.ndarray
    output: np.ndarray
    pool_size: Pair
    strides: Pair
    pads: tuple[Pair, Pair]

    def window(self, out_row: int, out_col: int) -> tuple[np.ndarray, np.ndarray]:
        """Input (row, col) of every cell of one window, each (ph, pw); may fall in the padding."""
        (top, _), (left, _) = self.pads
        (ph, pw), (sh, sw) = self.pool_size, self.strides
        rows = np.broadcast_to((out_row * sh - top + np.arange(ph))[:, None], (ph, pw))
        cols = np.broadcast_to((out_col * sw - left + np.arange(pw))[None, :], (ph, pw))
        return rows.copy(), cols.copy()

    def trace_cell(self, index: tuple[int, ...], /) -> PoolTrace:
        index = check_cell(index, self.output.shape)
        if len(index) == 1:  # a global pool's vector
            row, col, channel = 0, 0, index[0]
        else:
            row, col, channel = index
        rows, cols = self.window(row, col)
        h, w = self.input.shape[:2]
        padding = (rows < 0) | (rows >= h) | (cols < 0) | (cols >= w)
        inputs = np.where(padding, 0.0, self.input[rows.clip(0, h - 1), cols.clip(0, w - 1), channel])
        inputs = inputs.astype(np.float32)
        real = inputs[~padding].astype(np.float64)
        total = float(real.sum())
        count = int(real.size)
        winner: tuple[int, int] | None = None
        if self.kind == "max":
            masked = np.where(padding, -np.inf, inputs)
            flat = int(np.argmax(masked))
            winner = (flat // masked.shape[1], flat % masked.shape[1])
            value = float(masked[winner])
        else:
            value = float(np.float32(total / count))
        return PoolTrace(self.kind, channel, row, col, rows, cols, padding, inputs, winner, total, count, value)


# Pools of up to this many cells go tap by tap over the whole map (one vectorised pass per tap);
# larger ones (a global pool) reduce a sliding-window view.
TAPWISE_MAX_CELLS = 16


def _pool(kind: str, x: np.ndarray, pool: Pair, strides: Pair, pads: tuple[Pair, Pair], out_hw: Pair) -> np.ndarray:
    """(H', W', C) float32 pooled maps of the (H, W, C) input ``x``: the max, or the float64 mean
    rounded once, of each window's cells (padding excluded from the mean's count)."""
    if pool[0] * pool[1] > TAPWISE_MAX_CELLS:
        return _pool_reduced(kind, x, pool, strides, pads, out_hw)
    (top, bottom), (left, right) = pads
    (ph, pw), (sh, sw), (oh, ow) = pool, strides, out_hw
    xp = x
    if top or bottom or left or right:
        fill = -np.inf if kind == "max" else 0.0
        xp = np.pad(x, ((top, bottom), (left, right), (0, 0)), constant_values=fill)
    taps = [xp[i : i + (oh - 1) * sh + 1 : sh, j : j + (ow - 1) * sw + 1 : sw] for i in range(ph) for j in range(pw)]
    if kind == "max":  # exact in float32: the same bits as through float64
        out = np.array(taps[0], dtype=np.float32)
        for tap in taps[1:]:
            np.maximum(out, tap, out=out)
        return out
    total = taps[0].astype(np.float64)
    for tap in taps[1:]:  # window cells in row-major order, as the sliding-window sum adds them
        total += tap
    return np.asarray(total / _counts(x.shape[:2], pool, strides, pads, out_hw)[:, :, None], dtype=np.float32)


def _counts(hw: tuple[int, int], pool: Pair, strides: Pair, pads: tuple[Pair, Pair], out_hw: Pair) -> np.ndarray:
    """(H', W') input cells (padding excluded) in each window."""
    (top, bottom), (left, right) = pads
    ones = np.pad(np.ones(hw), ((top, bottom), (left, right)))
    counts = np.lib.stride_tricks.sliding_window_view(ones, pool)[:: strides[0], :: strides[1]]
    out: np.ndarray = counts[: out_hw[0], : out_hw[1]].sum(axis=(2, 3))
    return out


def _pool_reduced(
    kind: str, x: np.ndarray, pool: Pair, strides: Pair, pads: tuple[Pair, Pair], out_hw: Pair
) -> np.ndarray:
    """:func:`_pool` by reducing a float64 sliding-window view (few windows of many cells)."""
    (top, bottom), (left, right) = pads
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x.astype(np.float64), ((top, bottom), (left, right), (0, 0)), constant_values=fill)
    windows = np.lib.stride_tricks.sliding_window_view(xp, pool, axis=(0, 1))
    windows = windows[:: strides[0], :: strides[1]][: out_hw[0], : out_hw[1]]  # (H', W', C, ph, pw)
    if kind == "max":
        return np.asarray(windows.max(axis=(3, 4)), dtype=np.float32)
    counts = _counts(x.shape[:2], pool, strides, pads, out_hw)
    return np.asarray(windows.sum(axis=(3, 4)) / counts[:, :, None], dtype=np.float32)


@dataclass(frozen=True, eq=False)
class Pooling2DLayer:
    """``keras.layers.MaxPooling2D`` / ``AveragePooling2D``; ``strides`` None means ``pool_size``."""

    kind: str
    pool_size: Pair = (2, 2)
    strides: Pair | None = None
    padding: str = "valid"

    def __post_init__(self) -> None:
        _check_kind(self.kind)
        object.__setattr__(self, "pool_size", as_pair(self.pool_size, "pool_size"))
        strides = self.pool_size if self.strides is None else self.strides
        object.__setattr__(self, "strides", as_pair(strides, "strides"))
        padding = self.padding.lower() if isinstance(self.padding, str) else self.padding
        if padding not in PADDINGS:
            raise ConvError(f"padding must be 'valid' or 'same', not {self.padding!r}")
        object.__setattr__(self, "padding", padding)

    @property
    def keras_class(self) -> str:
        return "MaxPooling2D" if self.kind == "max" else "AveragePooling2D"

    @property
    def _strides(self) -> Pair:
        assert self.strides is not None  # set in __post_init__
        return self.strides

    def pads(self, input_hw: Pair) -> tuple[Pair, Pair]:
        """((top, bottom), (left, right)); Conv2D's split for "same", none for "valid"."""
        if self.padding == "valid":
            return (0, 0), (0, 0)
        (h, w), (ph, pw), (sh, sw) = input_hw, self.pool_size, self._strides
        return same_padding(h, ph, sh, 1), same_padding(w, pw, sw, 1)

    def output_shape(self, input_shape: Shape, /) -> tuple[int, int, int]:
        h, w, c = _map_input_shape(input_shape, self.keras_class)
        (ph, pw), (sh, sw) = self.pool_size, self._strides
        oh, ow = output_size(h, ph, sh, 1, self.padding), output_size(w, pw, sw, 1, self.padding)
        if oh < 1 or ow < 1:
            raise ConvError(
                f"a {ph}x{pw} pool does not fit a {h}x{w} input with padding='valid': "
                "use a smaller pool_size or padding='same'"
            )
        return oh, ow, c

    def count_params(self, input_shape: Shape, /) -> int:
        self.output_shape(input_shape)
        return 0

    def forward(self, x: np.ndarray, /) -> PoolResult:
        xin = real_input(x)
        oh, ow, _ = self.output_shape(xin.shape)
        pads = self.pads((xin.shape[0], xin.shape[1]))
        maps = _pool(self.kind, xin, self.pool_size, self._strides, pads, (oh, ow))
        maps.flags.writeable = False
        return PoolResult(self.kind, xin, maps, maps, self.pool_size, self._strides, pads)


@dataclass(frozen=True, eq=False)
class GlobalPooling2DLayer:
    """``keras.layers.GlobalMaxPooling2D`` / ``GlobalAveragePooling2D``: one value per channel,
    (C,) or with ``keepdims`` (1, 1, C)."""

    kind: str
    keepdims: bool = False

    def __post_init__(self) -> None:
        _check_kind(self.kind)
        if not isinstance(self.keepdims, (bool, np.bool_)):
            raise ConvError(f"keepdims must be True or False, not {self.keepdims!r}")
        object.__setattr__(self, "keepdims", bool(self.keepdims))

    @property
    def keras_class(self) -> str:
        return "GlobalMaxPooling2D" if self.kind == "max" else "GlobalAveragePooling2D"

    def output_shape(self, input_shape: Shape, /) -> Shape:
        c = _map_input_shape(input_shape, self.keras_class)[2]
        return (1, 1, c) if self.keepdims else (c,)

    def count_params(self, input_shape: Shape, /) -> int:
        self.output_shape(input_shape)
        return 0

    def forward(self, x: np.ndarray, /) -> PoolResult:
        xin = real_input(x)
        h, w, c = _map_input_shape(xin.shape, self.keras_class)
        maps = _pool(self.kind, xin, (h, w), (1, 1), ((0, 0), (0, 0)), (1, 1))
        maps.flags.writeable = False
        output = maps if self.keepdims else maps.reshape(c)
        return PoolResult(self.kind, xin, maps, output, (h, w), (1, 1), ((0, 0), (0, 0)))
