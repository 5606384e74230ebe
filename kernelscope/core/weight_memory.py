"""A layer's weights as it was opened, against its weights now: is it edited, which cells, and the
layer with its opened weights back.

The document keeps the opened layer beside each layer (layers are immutable, so that is a reference);
this module only compares. A student who breaks a trained filter sees what changed and can put it back.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kernelscope.core import stack_ops
from kernelscope.core.engine import Conv2DLayer, Layer

__all__ = ["differs", "edited_cells", "kept_weights", "reverted"]


def kept_weights(layer: Layer) -> tuple[np.ndarray, ...]:
    """Every array a layer keeps: ``get_weights()``, plus a Conv2D's bias while use_bias is off (a
    session stores it, so turning the bias off is a setting, not an edit of the weights)."""
    if isinstance(layer, Conv2DLayer):
        return layer.kernels, layer.bias
    return tuple(stack_ops.layer_weights(layer))


def differs(layer: Layer, opened: Layer | None) -> bool:
    """Whether ``layer``'s weights are not the ones it was opened with (never for a layer added later
    or one without weights)."""
    if opened is None or layer is opened:
        return False
    now, then = kept_weights(layer), kept_weights(opened)
    if len(now) != len(then):
        return True
    return any(a is not b and (a.shape != b.shape or not np.array_equal(a, b)) for a, b in zip(now, then, strict=True))


def edited_cells(now: np.ndarray, opened: np.ndarray | None) -> np.ndarray:
    """A bool array of ``now``'s shape: True where a weight differs from the opened one (everything
    when the opened array has another shape; nothing when there is none)."""
    if opened is None:
        return np.zeros(np.shape(now), dtype=bool)
    if np.shape(now) != np.shape(opened):
        return np.ones(np.shape(now), dtype=bool)
    differ: np.ndarray = np.asarray(now) != np.asarray(opened)
    return differ


def reverted(layer: Layer, opened: Layer) -> Layer:
    """``layer`` with the weights it was opened with. Its settings stay when the weights still have
    their opened shapes (an activation changed since is kept); otherwise the opened layer comes back
    whole, settings and all, since its weights fit no other shape."""
    if isinstance(layer, Conv2DLayer) and isinstance(opened, Conv2DLayer):
        if layer.kernels.shape == opened.kernels.shape:
            return replace(layer, kernels=opened.kernels, bias=opened.bias)
        return opened
    now, then = stack_ops.layer_weights(layer), stack_ops.layer_weights(opened)
    if type(layer) is type(opened) and [a.shape for a in now] == [b.shape for b in then]:
        return stack_ops.with_weights(layer, then)
    return opened
