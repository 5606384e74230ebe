"""How numbers become colours, in one place for the window and the exports: the colour maps and
their 256-colour tables, the maps' colour levels, the kernel's weight colours, and the fixed colours
of the sliding window and the zero padding. Colours are 0..255 RGB tuples or uint8 arrays; the Qt
code wraps them in QColor.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from kernelscope.core.colour_tables import TABLES_HEX


@dataclass(frozen=True)
class Colormap:
    name: str
    label: str
    diverging: bool


COLORMAPS: dict[str, Colormap] = {
    c.name: c
    for c in (
        Colormap("CET-D1A", "blue-white-red", True),
        Colormap("CET-CBD1", "blue-yellow (colour-blind safe)", True),
        Colormap("CET-D1", "soft blue-red", True),
        Colormap("viridis", "viridis", False),
        Colormap("cividis", "cividis (colour-blind safe)", False),
        Colormap("CET-L1", "grey", False),
    )
}
"""Diverging maps are centred on zero (signed values); sequential ones span min..max."""

DEFAULT_COLORMAP = "CET-D1A"

WINDOW_RED = (220, 30, 30)
"""The sliding window's frame and the current cell's frame, red as in the article's figures."""
PADDING_FILL = (200, 200, 215)
"""The dimmed ring of zero padding around the input."""


@lru_cache(maxsize=16)
def lookup_table(name: str) -> np.ndarray:
    """(256, 3) uint8 colours of a named map, read-only."""
    if name not in COLORMAPS:
        raise ValueError(f"unknown colour map {name!r}: use one of {', '.join(COLORMAPS)}")
    lut = np.frombuffer(bytes.fromhex(TABLES_HEX[name]), dtype=np.uint8).reshape(256, 3)
    lut.flags.writeable = False
    return lut


def scale_levels(
    maps: np.ndarray, diverging: bool, shared: bool, ranges: np.ndarray | None = None
) -> np.ndarray:
    """(F, 2) colour levels of (F, h, w) maps: centred on zero for a diverging map, min..max for a
    sequential one; ``shared`` gives every map the same levels.

    ``ranges`` ((F, 2) min and max per map, when the result already knows them) saves a pass over
    every value.
    """
    f = maps.shape[0]
    if ranges is None:
        flat = maps.reshape(f, -1)
        ranges = np.stack([flat.min(axis=1), flat.max(axis=1)], axis=1) if f else np.zeros((0, 2))
    ranges = np.asarray(ranges, np.float64)
    if diverging:
        lim = np.abs(ranges).max(axis=1)
        if shared:
            lim[:] = lim.max() if f else 1.0
        lim = np.where((lim > 0) & np.isfinite(lim), lim, 1.0)
        return np.stack([-lim, lim], axis=1)
    lo, hi = ranges[:, 0].copy(), ranges[:, 1].copy()
    if shared:
        lo[:], hi[:] = lo.min(), hi.max()
    same = hi <= lo
    return np.stack([np.where(same, lo - 1, lo), np.where(same, hi + 1, hi)], axis=1)


def map_levels(maps: np.ndarray, colormap: str = DEFAULT_COLORMAP) -> tuple[float, float]:
    """One pair of levels for all of ``maps`` (any shape) under ``colormap``."""
    if maps.size == 0:
        return (-1.0, 1.0)
    lo, hi = scale_levels(np.reshape(maps, (1, -1)), COLORMAPS[colormap].diverging, shared=True)[0]
    return (float(lo), float(hi))


def colour_maps(maps: np.ndarray, levels: np.ndarray, lut: np.ndarray) -> np.ndarray:
    """(F, h, w, 3) uint8: each map through the look-up table with its own levels."""
    levels = np.asarray(levels, np.float64)  # in float32, the span of levels -3e38..3e38 overflows
    lo = levels[:, 0, None, None]
    span = (levels[:, 1] - levels[:, 0])[:, None, None]
    idx = np.clip((maps - lo) * (255.0 / span) + 0.5, 0, 255).astype(np.uint8)
    colours: np.ndarray = lut[idx]
    return colours


def weight_colour(t: float) -> tuple[float, float, float]:
    """A kernel weight's colour (0..1 RGB) at ``t`` = weight / largest |weight|: blue (negative),
    white (zero), red (positive), matching the maps' centred scale."""
    t = max(-1.0, min(1.0, t))
    if t >= 0:
        return (1.0, 1.0 - 0.65 * t, 1.0 - 0.7 * t)
    return (1.0 + 0.7 * t, 1.0 + 0.5 * t, 1.0)
