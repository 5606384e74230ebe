"""The input an opened model starts with: its size (a free ``None`` side gets a usable one), the
value range a leading ``Rescaling`` expects, and a drawing, the bundled photo, or the person's array.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from kernelscope.core.paint_tools import VALUE_MODES

__all__ = ["FREE_SIDE", "X_MAX_SIDE", "concrete_shape", "given_input", "starting_input", "value_mode"]

FREE_SIDE = {1: 28, 3: 64}
"""The side a ``None`` height or width takes: MNIST's 28 for one channel, else 64; other channels 32."""

X_MAX_SIDE = 64
"""A one-channel input up to this side starts with a drawn X (the painting grid's largest side)."""


class InputError(ValueError):
    """The given input does not fit the model (one line)."""


def concrete_shape(shape: Sequence[int | None], given: tuple[int, ...] | None
                   ) -> tuple[tuple[int, int, int], str | None]:
    """(H, W, C) for a model's input shape, and a remark when a ``None`` size had to be chosen.

    ``given`` is the shape of the person's array (without a batch axis), which fills free sizes."""
    dims = list(shape)
    if len(dims) == 2:
        dims.append(1)
    if len(dims) != 3:
        raise InputError(f"the model takes inputs of shape {tuple(shape)}; kernelscope opens models whose input is "
                         "an image (height, width, channels)")
    chosen = []
    channels = dims[2]
    if channels is None:
        channels = dims[2] = given[2] if given is not None and len(given) == 3 else 1
        chosen.append(f"{channels} channel(s)")
    for axis in (0, 1):
        if dims[axis] is None:
            side = given[axis] if given is not None and len(given) >= 2 else FREE_SIDE.get(channels, 32)
            dims[axis] = side
            chosen.append(f"{'height' if axis == 0 else 'width'} {side}")
    h, w, c = (int(n or 1) for n in dims)
    remark = None
    if chosen and given is None:
        remark = f"the model takes any size ({', '.join(chosen)} chosen): opened at {h}x{w}x{c}"
    return (h, w, c), remark


def value_mode(first: tuple[str, Mapping[str, Any]] | None) -> tuple[str, str | None]:
    """The painting range for a model and the note that says why: a leading ``Rescaling`` that maps
    0..255 into a small range means the model expects bytes; otherwise it expects 0..1."""
    if first is not None and first[0] == "Rescaling":
        scale, offset = float(first[1]["scale"]), float(first[1]["offset"])
        lo, hi = offset, 255 * scale + offset
        if scale > 0 and (math.isclose(hi - lo, 1.0, rel_tol=1e-3) or math.isclose(hi - lo, 2.0, rel_tol=1e-3)):
            return "byte", f"the model rescales 0..255 to {lo:g}..{hi:g} first: you paint 0..255"
        return "grey", f"the model rescales its input first (x * {scale:g} + {offset:g}); you paint 0..1"
    return "grey", None


def _x_drawing(h: int, w: int, lo: float, hi: float) -> np.ndarray:
    """A thick X across the grid, ``hi`` on ``lo`` (a digit-like stroke on a dark ground)."""
    image = np.full((h, w, 1), lo, np.float32)
    thick = max(1, round(min(h, w) / 10))
    margin_r, margin_c = h * 0.15, w * 0.15
    rows = np.arange(h)[:, None] + 0.5
    cols = np.arange(w)[None, :] + 0.5
    t = (rows - margin_r) / max(h - 2 * margin_r, 1)
    inside = (t >= 0) & (t <= 1)
    for target in (margin_c + t * (w - 2 * margin_c), w - margin_c - t * (w - 2 * margin_c)):
        image[(np.abs(cols - target) <= thick / 2 + 0.25) & inside, 0] = hi
    return image


def starting_input(shape: tuple[int, int, int], mode: str) -> np.ndarray:
    """A one-channel input up to 64x64: a thick X; three channels: the bundled photo; else zeros."""
    h, w, c = shape
    lo, hi = VALUE_MODES[mode]
    if c == 1 and max(h, w) <= X_MAX_SIDE:
        return _x_drawing(h, w, lo, hi)
    if c == 3:
        from kernelscope.files.images import load_image, sample_photo_path

        photo = load_image(sample_photo_path(), channels=3, size=(w, h), fit="crop", value_mode=mode)  # type: ignore[arg-type]
        return np.array(photo.pixels)
    return np.full(shape, lo if lo == 0 else 0, np.float32)


def given_input(array: Any, shape: Sequence[int | None]) -> np.ndarray:
    """The person's array as the model's input: (H, W, C), (1, H, W, C), or (H, W) for one channel;
    finite real numbers only."""
    arr = np.asarray(array)
    if arr.dtype.kind not in "fiub":
        raise InputError(f"the input holds {arr.dtype} values, not numbers")
    want = tuple(shape) if len(shape) == 3 else (*shape, 1)
    if arr.ndim == len(want) + 1 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim == 2 and want[2] == 1:
        arr = arr[:, :, None]
    if arr.ndim != 3 or any(n is not None and n != m for n, m in zip(want, arr.shape, strict=True)):
        shown = "x".join("?" if n is None else str(n) for n in want)
        raise InputError(f"the input has shape {'x'.join(map(str, arr.shape))}, but the model takes {shown} "
                         "(a leading batch axis of 1 is fine)")
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.array(arr, dtype=np.float32)
    if not np.isfinite(out).all():
        raise InputError("the input holds a value that is not a finite float32 number (nan, inf or too large)")
    return out
