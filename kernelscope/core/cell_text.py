"""How a number is written in a cell, and in which colour, shared by every grid that shows numbers."""

from __future__ import annotations

import math

# Below this many device pixels a cell is too small for a legible number.
MIN_CELL_PX_FOR_TEXT = 22


def format_value(value: float, width_px: float) -> str:
    """Shortest honest text for a cell: integers as integers, else 2 or fewer decimals."""
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    if float(value).is_integer() and abs(value) < 1e6:
        return str(int(value))
    if abs(value) >= 1000 or abs(value) < 0.005:
        return f"{value:.1e}" if width_px >= 48 else f"{value:.0e}"
    decimals = 2 if width_px >= 40 or abs(value) < 10 else 1
    return f"{value:.{decimals}f}".rstrip("0").rstrip(".")


def text_colour_on(red: int, green: int, blue: int) -> tuple[int, int, int]:
    """Black on light cells, white on dark ones (relative luminance, WCAG weights), as 0..255 RGB."""
    luminance = (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255
    return (0, 0, 0) if luminance > 0.45 else (255, 255, 255)
