"""What a pasted Conv2D line changes: the layer, its kernels (kept if they still fit, else
"randomize like Keras"), and the input when the line's input_shape asks for another one.

:func:`paste_line` is the one path from a line to a Document edit: the window and the command line
both call it, so the same line gives the same scene in both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from kernelscope.core.engine import glorot_uniform
from kernelscope.core.keras_syntax import LineError, ParsedLayer, conv2d_line, parse_conv2d_line

if TYPE_CHECKING:
    from kernelscope.core.document import Document

PHOTO_VALUE_MODE = "grey"  # a photo reads best as 0..1 (what Keras users feed after rescaling by 1/255)

PhotoLoader = Callable[[tuple[int, int, int], str], np.ndarray]
"""(input_shape, value_mode) -> the bundled photo as an (H, W, C) array (``files.images.sample_photo``)."""


@dataclass(frozen=True)
class LayerChange:
    kernels: np.ndarray
    bias: np.ndarray
    image: np.ndarray | None  # None: the input stays as it is
    value_mode: str | None  # the new value mode when the input changes
    seed: int | None  # the glorot_uniform seed when the kernels were randomized

    def summary(self, parsed: ParsedLayer, input_shape: tuple[int, int, int]) -> str:
        """What changed, in words; ``input_shape`` is the input's shape after the edit."""
        h, w, c = input_shape
        parts = [f"layer set: {conv2d_line(parsed.spec, (h, w, c))}"]
        parts.append(
            f"kernels: glorot_uniform, seed {self.seed}" if self.seed is not None else "kernels: kept (same shape)"
        )
        if self.image is not None:
            parts.append(f"input: the bundled photo at {h}x{w}x{c}")
        if parsed.ignored:
            parts.append("ignored here: " + ", ".join(parsed.ignored))
        return ";  ".join(parts)


def read_line(text: str) -> ParsedLayer:
    """A pasted line read and held to every scene limit, so that nothing is built from a line the
    scene would refuse: the parser caps the layer and the input's sides, and here the channels
    (Keras takes any number; kernelscope shows grey or RGB)."""
    parsed = parse_conv2d_line(text)
    if parsed.input_shape is not None and parsed.input_shape[2] not in (1, 3):
        h, w, c = parsed.input_shape
        raise LineError(f"input_shape: channels must be 1 (grey) or 3 (RGB) (got ({h}, {w}, {c}))")
    return parsed


def layer_from_line(
    parsed: ParsedLayer,
    current_input: np.ndarray,
    kernels: np.ndarray,
    bias: np.ndarray,
    seed: int,
    load_photo: PhotoLoader,
) -> LayerChange:
    """The arrays a pasted line implies; the photo is loaded only when input_shape differs."""
    image = None
    value_mode = None
    if parsed.input_shape is not None and tuple(parsed.input_shape) != tuple(current_input.shape):
        image = np.array(load_photo(parsed.input_shape, PHOTO_VALUE_MODE))
        value_mode = PHOTO_VALUE_MODE
    channels = (image if image is not None else current_input).shape[2]
    shape = (*parsed.spec.kernel_size, channels, parsed.spec.filters)
    if kernels.shape == shape:
        return LayerChange(np.array(kernels), np.array(bias), image, value_mode, None)
    bias0 = np.zeros(parsed.spec.filters, np.float32)
    return LayerChange(glorot_uniform(shape, seed=seed), bias0, image, value_mode, seed)


def paste_line(document: Document, text: str, seed: int, load_photo: PhotoLoader) -> str:
    """Apply a pasted Conv2D line to the document (one undo step) and return what changed, in words.

    Raises LineError for a line that cannot be read or that exceeds a limit (before anything is
    allocated), EditError for one the document refuses, and whatever ``load_photo`` raises
    (``ImageError``) when the bundled photo cannot be read. Every refusal is a ValueError, so a
    caller that catches ValueError never lets a paste escape into the event loop.
    """
    parsed = read_line(text)
    try:
        change = layer_from_line(parsed, document.input, document.kernels, document.bias, seed, load_photo)
        document.apply_layer(parsed.spec, change.kernels, change.bias, change.image, change.value_mode)
    except (MemoryError, OverflowError) as exc:  # within the limits this is a machine short of memory
        raise LineError(f"this layer does not fit in memory here ({type(exc).__name__}); try fewer filters") from None
    h, w, c = document.input.shape
    return change.summary(parsed, (h, w, c))
