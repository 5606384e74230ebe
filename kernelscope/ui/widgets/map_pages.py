"""How the feature maps are tiled, and when they are too many for the pane, how they are paged.

A layer of a trained model has 128 to 512 maps: tiled all at once in a short pane every map is a dot
and its title unreadable. The mosaic is planned for as many maps as stay readable (``plan_page``),
and the rest are reached a page at a time (``MapPager``: "maps 129-256 of 512", PgUp/PgDn).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

# A map is readable when its cells are told apart, or (a large map, drawn from every few cells) when
# the map itself is large enough to see its shapes.
MIN_CELL_PX = 2.0
MIN_TILE_PX = 32.0


@dataclass(frozen=True)
class Mosaic:
    """Where each map sits in the tiled image: tile k's top-left is ``origin(k)``."""

    count: int
    h: int
    w: int
    columns: int
    gap_x: int
    gap_y: int

    @property
    def rows(self) -> int:
        return math.ceil(self.count / self.columns)

    @property
    def shape(self) -> tuple[int, int]:
        return self.rows * (self.h + self.gap_y), self.columns * (self.w + self.gap_x) - self.gap_x

    def origin(self, k: int) -> tuple[int, int]:
        r, c = divmod(k, self.columns)
        return r * (self.h + self.gap_y) + self.gap_y, c * (self.w + self.gap_x)

    def locate(self, y: float, x: float) -> tuple[int, int, int] | None:
        """(filter, row, col) under a point in image coordinates, or None over a gap."""
        if y < 0 or x < 0:
            return None
        tr, ty = divmod(math.floor(y), self.h + self.gap_y)
        tc, tx = divmod(math.floor(x), self.w + self.gap_x)
        k = tr * self.columns + tc
        row = ty - self.gap_y
        if tc >= self.columns or k >= self.count or row < 0 or tx >= self.w:
            return None
        return k, row, tx

    def scale(self, width_px: float, height_px: float) -> float:
        """Screen pixels per cell when this mosaic fills a pane of that size."""
        mh, mw = self.shape
        return min(width_px / mw, height_px / mh)


def plan_mosaic(count: int, h: int, w: int, width_px: float, height_px: float, title_px: float = 18) -> Mosaic:
    """The column count that shows the maps largest in the pane, with ``title_px`` above each map.

    Every column count is judged by the scale its real tiling gets (gaps are whole cells, so a
    title over a 3x3 map costs a whole row of cells), not by an estimate that ignores the rounding.
    Cached: the maps' pane asks again on every redraw.
    """
    return _plan_mosaic(count, h, w, float(width_px), float(height_px), float(title_px))


@lru_cache(maxsize=512)
def _plan_mosaic(count: int, h: int, w: int, width_px: float, height_px: float, title_px: float) -> Mosaic:
    if count <= 0:
        return Mosaic(count, h, w, 1, max(1, round(w * 0.1)), 1)
    # Only the column counts whose bound can still beat the best tiling found are tiled: with hundreds
    # of maps, a few near the best instead of every one. The bound: titles fitted exactly, gaps of at
    # least a tenth of a map and of 8 px less half a cell's rounding.
    gap_x = max(1, round(w * 0.1))
    bounds = []
    for cols in range(1, count + 1):
        rows = math.ceil(count / cols)
        room = height_px - rows * title_px
        gaps = width_px - 8 * (cols - 1)
        if room > 0 and gaps > 0:
            across = min(width_px / (cols * w + (cols - 1) * gap_x), gaps / (cols * w - 0.5 * (cols - 1)))
            bounds.append((min(across, room / (rows * h)), cols))
    bounds.sort(key=lambda bound: (-bound[0], bound[1]))
    tiled: dict[int, tuple[float, Mosaic]] = {}
    best = 0.0
    for bound, cols in bounds:
        if bound < best:
            break
        scale, mosaic = _tiled(count, h, w, cols, width_px, height_px, title_px)
        if mosaic.gap_y * scale >= title_px * 0.9999:  # its titles fit: a layout, not a squeeze
            tiled[cols] = (scale, mosaic)
            best = max(best, scale)
    if not tiled:  # no column count holds the titles: the largest maps near the pane's shape, without titles
        near = round(math.sqrt(count * width_px * h / max(1.0, height_px * w)))
        tiled = {cols: _tiled(count, h, w, cols, width_px, height_px, 0.0)
                 for cols in range(max(1, near - 8), min(count, near + 8) + 1)}
    chosen: tuple[float, Mosaic] | None = None
    for cols in sorted(tiled):
        if chosen is None or tiled[cols][0] > chosen[0] * 1.0001:
            chosen = tiled[cols]
    assert chosen is not None
    return chosen[1]


def _tiled(count: int, h: int, w: int, cols: int, width_px: float, height_px: float,
           title_px: float) -> tuple[float, Mosaic]:
    """``cols`` columns: the scale the pane gives them and their mosaic, with gaps that hold a title
    and 8 px at that scale. Starts from the scale with exact-pixel gaps (an upper bound) and lowers
    it until the gaps it needs stop growing."""
    rows = math.ceil(count / cols)
    gap_x0 = max(1.0, w * 0.1)
    scale = min(width_px / (cols * w + (cols - 1) * gap_x0), (height_px - rows * title_px) / (rows * h))
    scale = max(scale, 1e-3)
    mosaic = Mosaic(count, h, w, cols, 1, 1)
    for _ in range(20):
        gap_x = max(1, round(max(w * 0.1, 8 / scale)))
        gap_y = max(1, math.ceil(title_px / scale))
        mosaic = Mosaic(count, h, w, cols, gap_x, gap_y)
        real = mosaic.scale(width_px, height_px)
        if real >= scale * 0.9999:
            return real, mosaic
        scale = real
    return mosaic.scale(width_px, height_px), mosaic


def readable(mosaic: Mosaic, width_px: float, height_px: float, title_px: float = 18) -> bool:
    """Whether every map of ``mosaic`` is large enough to read in the pane, with its title above it."""
    scale = mosaic.scale(width_px, height_px)
    titled = mosaic.gap_y * scale >= title_px * 0.9999
    return titled and (scale >= MIN_CELL_PX or min(mosaic.h, mosaic.w) * scale >= MIN_TILE_PX)


def plan_page(count: int, h: int, w: int, width_px: float, height_px: float, title_px: float = 18) -> Mosaic:
    """The mosaic of one page: every map when all are readable together, else as many as are (whole
    rows of them), never fewer than one. ``count`` of the result is the page's size."""
    whole = plan_mosaic(count, h, w, width_px, height_px, title_px)
    if count <= 1 or readable(whole, width_px, height_px, title_px):
        return whole
    lo, hi = 1, count - 1  # the largest page that is readable: fewer maps are never smaller
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if readable(plan_mosaic(mid, h, w, width_px, height_px, title_px), width_px, height_px, title_px):
            lo = mid
        else:
            hi = mid - 1
    mosaic = plan_mosaic(lo, h, w, width_px, height_px, title_px)
    full_rows = min(count - 1, mosaic.columns * mosaic.rows)  # the page's last row filled: same tiles
    return plan_mosaic(full_rows, h, w, width_px, height_px, title_px) if full_rows != lo else mosaic


def page_of(k: int, page_size: int) -> int:
    return max(0, k) // max(1, page_size)


class MapPager(QWidget):
    """Which page of maps is shown, and the buttons to turn it (PgUp/PgDn on the maps do the same)."""

    turned = Signal(int)  # +1 next page, -1 previous

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.previous = QToolButton()
        self.previous.setArrowType(Qt.ArrowType.LeftArrow)
        self.previous.setToolTip("Previous maps (PgUp)")
        self.previous.setAccessibleName("Previous maps")
        self.next = QToolButton()
        self.next.setArrowType(Qt.ArrowType.RightArrow)
        self.next.setToolTip("Next maps (PgDn)")
        self.next.setAccessibleName("Next maps")
        self.label = QLabel()
        self.label.setAccessibleName("Maps shown")
        self.label.setMinimumWidth(1)  # cut in a narrow pane rather than widen the maps' pane
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(4)
        row.addWidget(self.previous)
        row.addWidget(self.label)
        row.addWidget(self.next)
        self._fit_buttons()
        self.previous.clicked.connect(lambda: self.turned.emit(-1))
        self.next.clicked.connect(lambda: self.turned.emit(1))

    def _fit_buttons(self) -> None:
        """Buttons no taller than a line of text: the pager shares the hover line's height."""
        for button in (self.previous, self.next):
            button.setAutoRaise(True)
            button.setFixedSize(self.fontMetrics().height() + 4, self.fontMetrics().height())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_buttons()

    def set_page(self, first: int, stop: int, count: int) -> None:
        """Maps ``first`` to ``stop - 1`` (from 0) of ``count`` are shown (the owner hides the pager
        when that is all of them: its coming and going resizes the maps' view)."""
        self.label.setText(f"maps {first + 1}-{stop} of {count}")
        self.previous.setEnabled(first > 0)
        self.next.setEnabled(stop < count)
