"""What every layer type offers, so a document (and later a stack) can hold layers it does not know.

A layer is an immutable value: its Keras arguments and its weights. Its forward pass returns a
result that keeps what the pass computed, and that result traces one output cell by indexing
only (the trace needs the pass's data, so it lives on the result, not on the layer). Conv2D
(``conv2d_layer``) is the first implementation; a new layer type is one new module that satisfies
these protocols (and its line in the package's re-exports). Outputs may be maps or vectors, so a
shape is any tuple and a cell is an index tuple (:class:`LayerOutput`); map results also offer the
row-major stepping of :class:`LayerResult`.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

Shape = tuple[int, ...]


class CellTrace(Protocol):
    """How one output cell came about; each layer type has its own (Conv2D: ``StepTrace``)."""

    @property
    def value(self) -> float:
        """The cell's output value, as the forward pass computed it."""
        ...


class LayerOutput(Protocol):
    """Any layer's forward pass kept whole: its output in Keras's layout (no batch axis, maps
    (H', W', C) or a vector (units,)) plus what tracing one cell needs. Every result offers this."""

    @property
    def output(self) -> np.ndarray:
        """The output as Keras returns it, read-only float32."""
        ...

    def trace_cell(self, index: tuple[int, ...], /) -> CellTrace:
        """The arithmetic of the output cell at ``index`` (an index into ``output``)."""
        ...


class LayerResult(Protocol):
    """A forward pass kept whole: the output maps plus what tracing one cell needs (layers whose
    output is maps (H', W', C), stepped position by position: Conv2D, pooling)."""

    @property
    def out_shape(self) -> tuple[int, int, int]:
        """(H', W', channels) of the output."""
        ...

    @property
    def steps(self) -> int:
        """Output positions, row-major: one step of the moving window each."""
        ...

    def step_position(self, step: int, /) -> tuple[int, int]:
        """Output (row, col) of a row-major step index."""
        ...

    def feature_maps(self) -> np.ndarray:
        """(H', W', channels) float32 as Keras returns them."""
        ...

    def trace(self, channel: int, out_row: int, out_col: int, /) -> CellTrace:
        """The arithmetic of output cell (out_row, out_col) of one output channel."""
        ...


@runtime_checkable
class Layer(Protocol):
    """One Keras layer with its weights: shapes, parameter count and the forward pass."""

    @property
    def keras_class(self) -> str:
        """The Keras class name, as a model summary and pasted code spell it ("Conv2D")."""
        ...

    def output_shape(self, input_shape: Shape, /) -> Shape:
        """The output shape without the batch axis ((H', W', C) maps or a (units,) vector) for the
        input shape it receives; refuses inputs it cannot take."""
        ...

    def count_params(self, input_shape: Shape, /) -> int:
        """Keras's ``count_params`` once the layer is built on ``input_shape``."""
        ...

    def forward(self, x: np.ndarray, /) -> LayerOutput:
        """The forward pass in float32 on one channels_last image (or the vector a Flatten made)."""
        ...
