"""Which upstream cells one output cell depends on, level by level down to the network input.

The window lights them when a cell of any layer is hovered. Every layer kernelscope computes maps
rows and columns independently (a window is a rectangle of taps, possibly with gaps), so a level's
cells are the outer product of a row set and a column set. Channels do not matter: a Conv2D or a
Dense unit mixes every channel of the cells it reads. Vectors (after Flatten, Dense or a global pool
without keepdims) have no rows and columns: such a level is reported whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kernelscope.core.engine import (
    ActivationLayer,
    BatchNormalizationLayer,
    Conv2DLayer,
    DenseLayer,
    DropoutLayer,
    FlattenLayer,
    GlobalPooling2DLayer,
    Layer,
    Pooling2DLayer,
    ReLULayer,
    RescalingLayer,
    ZeroPadding2DLayer,
    padding_amounts,
)

__all__ = ["Region", "receptive_field", "receptive_field_size"]

_IDENTITY_LAYERS = (BatchNormalizationLayer, DropoutLayer, ReLULayer, RescalingLayer)
_EMPTY = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class Region:
    """The cells of one level a cell depends on: ``rows`` x ``cols`` (sorted unique indices inside
    the map, padding excluded; gaps where a kernel is dilated). ``everything`` when that is the whole
    map; a vector level (``shape`` of length 1) is always ``everything``, with no rows or columns."""

    rows: np.ndarray
    cols: np.ndarray
    everything: bool
    shape: tuple[int, ...]

    def cells(self) -> set[tuple[int, int]]:
        """Every (row, col) of the region; none for a vector level, which has no map cells."""
        if len(self.shape) != 3:
            return set()
        return {(r, c) for r in self.rows.tolist() for c in self.cols.tolist()}


# A level's state while walking back: (rows, cols) of a map, or the indices of a vector (None: all).
_MapState = tuple[np.ndarray, np.ndarray]
_State = _MapState | np.ndarray | None


def _shapes(layers: Sequence[Layer], input_shape: tuple[int, int, int], upto: int) -> list[tuple[int, ...]]:
    """The shape of every level 0..upto + 1 (level k is the input of layer k)."""
    if len(input_shape) != 3 or min(input_shape) < 1:
        raise ValueError(f"the input must be (height, width, channels), not {tuple(input_shape)}")
    if not 0 <= upto < len(layers):
        raise ValueError(f"layer {upto} is outside 0..{len(layers) - 1}")
    shapes: list[tuple[int, ...]] = [tuple(int(n) for n in input_shape)]
    for layer in layers[: upto + 1]:
        shapes.append(tuple(int(n) for n in layer.output_shape(shapes[-1])))
    return shapes


def _window_back(out: np.ndarray, n: int, k: int, s: int, d: int, before: int) -> np.ndarray:
    """Input indices (inside 0..n-1) of the taps of the output indices ``out`` along one axis."""
    taps = (out[:, None] * s - before + d * np.arange(k)[None, :]).ravel()
    return _present(taps[(taps >= 0) & (taps < n)], n)


def _present(indices: np.ndarray, n: int) -> np.ndarray:
    """The distinct indices in 0..n-1, sorted: ``np.unique`` without the numpy.ma import it costs
    the window's first hover."""
    return np.flatnonzero(np.bincount(np.asarray(indices, dtype=np.intp), minlength=n))


def _everything(shape: tuple[int, ...]) -> _State:
    if len(shape) == 3:
        return np.arange(shape[0]), np.arange(shape[1])
    return None


def _mixes_everything(layer: Layer, shape_out: tuple[int, ...]) -> bool:
    """A global pool reads its whole map; Dense and softmax read the whole vector they get."""
    if isinstance(layer, GlobalPooling2DLayer):
        return True
    if len(shape_out) == 3:
        return False
    return isinstance(layer, DenseLayer) or (isinstance(layer, ActivationLayer) and layer.activation == "softmax")


def _back(layer: Layer, state: _State, shape_in: tuple[int, ...], shape_out: tuple[int, ...]) -> _State:
    """The state of a layer's input, given the state of its output."""
    if _mixes_everything(layer, shape_out):
        return _everything(shape_in)
    if isinstance(layer, FlattenLayer):
        if state is None or isinstance(state, tuple):
            return _everything(shape_in)
        rows, cols, _ = np.unravel_index(state, shape_in)
        return _present(rows, shape_in[0]), _present(cols, shape_in[1])
    if len(shape_out) != 3:  # a vector in, a vector out, entry by entry
        return state
    assert isinstance(state, tuple)  # a map level
    rows, cols = state
    h, w = shape_in[0], shape_in[1]
    if isinstance(layer, Conv2DLayer):
        spec = layer.spec
        (top, _), (left, _) = padding_amounts((h, w), spec)
        (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.strides, spec.dilation_rate
        return _window_back(rows, h, kh, sh, dh, top), _window_back(cols, w, kw, sw, dw, left)
    if isinstance(layer, Pooling2DLayer):
        (top, _), (left, _) = layer.pads((h, w))
        (ph, pw), (sh, sw) = layer.pool_size, layer.strides or layer.pool_size
        return _window_back(rows, h, ph, sh, 1, top), _window_back(cols, w, pw, sw, 1, left)
    if isinstance(layer, ZeroPadding2DLayer):
        (top, _), (left, _) = layer.padding
        return _window_back(rows, h, 1, 1, 1, top), _window_back(cols, w, 1, 1, 1, left)
    if isinstance(layer, (*_IDENTITY_LAYERS, ActivationLayer, DenseLayer)):  # per cell (softmax, Dense: per position)
        return state
    raise ValueError(f"no receptive field through a {layer.keras_class} layer")


def _region(state: _State, shape: tuple[int, ...]) -> Region:
    if not isinstance(state, tuple):
        return Region(_EMPTY, _EMPTY, True, shape)
    rows, cols = (np.asarray(a, dtype=np.int64) for a in state)
    rows.flags.writeable = False
    cols.flags.writeable = False
    return Region(rows, cols, rows.size == shape[0] and cols.size == shape[1], shape)


def receptive_field(
    layers: Sequence[Layer], input_shape: tuple[int, int, int], layer_index: int, cell: tuple[int, ...]
) -> list[Region]:
    """Every upstream cell output cell ``cell`` of ``layers[layer_index]`` depends on.

    One :class:`Region` per level, ``layer_index + 1`` of them: region 0 is the network input,
    region k the output of layer k - 1 (so the last is the input of ``layer_index``).
    """
    shapes = _shapes(layers, input_shape, layer_index)
    out_shape = shapes[-1]
    if len(cell) != len(out_shape) or not all(0 <= int(i) < n for i, n in zip(cell, out_shape, strict=True)):
        raise ValueError(f"no output cell {tuple(cell)} in an output of shape {out_shape}")
    state: _State
    if len(out_shape) == 3:
        state = np.array([int(cell[0])]), np.array([int(cell[1])])
    else:
        state = np.array([int(cell[0])])
    regions: list[Region] = []
    for k in range(layer_index, -1, -1):
        state = _back(layers[k], state, shapes[k], shapes[k + 1])
        regions.append(_region(state, shapes[k]))
    return regions[::-1]


def receptive_field_size(
    layers: Sequence[Layer], input_shape: tuple[int, int, int], layer_index: int
) -> tuple[int, int]:
    """(rows, cols) of the textbook receptive field of one output cell of ``layers[layer_index]``:
    ``1 + sum((k_i - 1) * d_i * prod(strides before i))`` over the conv and pool windows (padding
    counted, so it may exceed the input). Past a layer that mixes the whole map (a global pool,
    Dense or softmax on a vector) it is the whole input."""
    shapes = _shapes(layers, input_shape, layer_index)
    size, jump = [1, 1], [1, 1]
    for k, layer in enumerate(layers[: layer_index + 1]):
        if isinstance(layer, Conv2DLayer):
            windows = zip(layer.spec.kernel_size, layer.spec.dilation_rate, layer.spec.strides, strict=True)
        elif isinstance(layer, Pooling2DLayer):
            windows = zip(layer.pool_size, (1, 1), layer.strides or layer.pool_size, strict=True)
        elif _mixes_everything(layer, shapes[k + 1]):
            return int(input_shape[0]), int(input_shape[1])
        else:
            continue  # one cell from one cell: padding, Flatten, elementwise, Dense per position
        for axis, (kernel, dilation, stride) in enumerate(windows):
            size[axis] += (kernel - 1) * dilation * jump[axis]
            jump[axis] *= stride
    return size[0], size[1]
