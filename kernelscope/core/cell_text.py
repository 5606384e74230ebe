"""How a number is written in a cell, and in which colour, shared by every grid that shows numbers."""

from __future__ import annotations

import math

# Below this many device pixels a cell is too small for a legible number.
MIN_CELL_PX_FOR_TEXT = 22


def format_value(value: float, width_px: float) -> str:
    """Shortest honest text for a cell: integers as integers, else 2 or fewer decimals.

    A tiny value keeps its leading digits (two in a wide cell, one in a narrower one): 0.0039 is
    "0.0039", "0.004", then "4e-3", never a "0.00" that looks like nothing. Exponents are written
    short ("3.9e-3", "1.5e3") so they fit a cell instead of being cut to a wrong-looking "3.9...".
    """
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    if float(value).is_integer() and abs(value) < 1e6:
        return str(int(value))
    if abs(value) < 0.005:
        return _tiny(value, width_px)
    if abs(value) >= 1000:
        return _short_exponent(f"{value:.1e}" if width_px >= 48 else f"{value:.0e}")
    decimals = 2 if width_px >= 40 or abs(value) < 10 else 1
    return _trimmed(f"{value:.{decimals}f}")


def _tiny(value: float, width_px: float) -> str:
    """0 < |value| < 0.005: decimals while they stay short (down to 0.001), else scientific."""
    digits = 2 if width_px >= 48 else 1  # significant digits the cell has room for
    if width_px >= 32 and round(abs(value), 2 + digits) >= 0.001:
        return _trimmed(f"{value:.{2 + digits}f}")
    return _short_exponent(f"{value:.{digits - 1}e}")


def _trimmed(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _short_exponent(text: str) -> str:
    """Python's "3.9e-03" / "1.5e+03" as "3.9e-3" / "1.5e3"."""
    mantissa, _, exponent = text.partition("e")
    sign = "-" if exponent.startswith("-") else ""
    return f"{mantissa}e{sign}{int(exponent.lstrip('+-'))}"


def text_colour_on(red: int, green: int, blue: int) -> tuple[int, int, int]:
    """Black on light cells, white on dark ones (relative luminance, WCAG weights), as 0..255 RGB."""
    luminance = (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255
    return (0, 0, 0) if luminance > 0.45 else (255, 255, 255)
