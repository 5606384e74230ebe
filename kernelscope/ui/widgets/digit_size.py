"""The pixel size at which a font's digits stand a given height: projector mode promises digit
heights, and fonts differ in how much of their size a digit takes."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtGui import QFont, QFontMetricsF

DIGITS = "0123456789"


def digit_height(font: QFont) -> int:
    """The tight height of the digits, in pixels, as drawn in ``font``."""
    return round(QFontMetricsF(font).tightBoundingRect(DIGITS).height())


PROJECTOR_NUMBERS_CAP = 1.0
"""In projector mode a cell's number stands at most this many times the chosen digit size, however
large its cell: the numbers follow the type Bigger sets, so a press that takes room from the panes
for the arithmetic never makes them smaller."""


def font_for_digits(font: QFont, digits_px: int) -> QFont:
    """``font`` at the smallest pixel size whose digits stand at least ``digits_px`` tall."""
    sized = QFont(font)
    sized.setPixelSize(_pixel_size(font.toString(), digits_px))
    return sized


@lru_cache(maxsize=128)
def _pixel_size(key: str, digits_px: int) -> int:
    font = QFont()
    font.fromString(key)
    px = max(6, int(digits_px / 0.8))
    for _ in range(80):
        font.setPixelSize(px)
        if digit_height(font) >= digits_px:
            return px
        px += 1
    return px
