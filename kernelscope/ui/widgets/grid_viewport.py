"""Where a grid of cells sits in a widget: fit, zoom about a point, pan, follow a window like a camera.

Pure arithmetic in widget pixels and cell units (Qt-free), so the grid widget only draws and reacts.
"""

from __future__ import annotations

import math

# The largest cells zooming reaches: a few digits with room to spare.
MAX_CELL_PX = 64.0
# Kept free round the grid at fit and when the view stops at an edge.
EDGE_PX = 2.0


class GridViewport:
    """A ``rows`` x ``cols`` grid (padding included) shown in a ``width`` x ``height`` widget.

    The view is held as the grid point (in cells, fractional) at the widget's centre, so resizing the
    widget keeps the same part in view; it is clamped on every read so the grid never drifts off.
    """

    def __init__(self) -> None:
        self.width, self.height = 1.0, 1.0
        self.rows, self.cols = 1, 1
        self._zoom: float | None = None  # cell px; None: fit
        self._centre = (0.5, 0.5)  # (column, row) in cells

    # ------------------------------------------------------------------ size
    def set_widget_size(self, width: float, height: float) -> None:
        self.width, self.height = max(1.0, width), max(1.0, height)

    def set_grid(self, rows: int, cols: int, shift: tuple[int, int] = (0, 0)) -> None:
        """A new grid shape; ``shift`` (rows, cols) keeps the same cells in view when padding grows."""
        self.rows, self.cols = max(1, rows), max(1, cols)
        cx, cy = self._centre
        self._centre = (cx + shift[1], cy + shift[0])

    def fit_size(self) -> float:
        """The cell size that shows the whole grid: fractional, below one pixel for a big picture."""
        return max(1e-3, min((self.width - 2 * EDGE_PX) / self.cols, (self.height - 2 * EDGE_PX) / self.rows))

    def max_size(self) -> float:
        return max(MAX_CELL_PX, self.fit_size())

    def is_fit(self) -> bool:
        return self._zoom is None

    def size(self) -> float:
        if self._zoom is None:
            return self.fit_size()
        return min(self.max_size(), max(self.fit_size(), self._zoom))

    def set_size(self, px: float | None) -> None:
        """None (or anything at or below fit) fits; above fit the view keeps its centre."""
        if px is None or px <= self.fit_size() * 1.0001:
            self._zoom = None
            return
        self._centre = self.centre()  # from fit: start where the eye is
        self._zoom = min(self.max_size(), px)

    def zoom_about(self, px: float | None, anchor: tuple[float, float]) -> None:
        """Zoom keeping the grid point under ``anchor`` (widget pixels) under it."""
        before = self.size()
        gx, gy = self.grid_point(anchor)
        self.set_size(px)
        after = self.size()
        if after != before:
            self._centre = (gx - (anchor[0] - self.width / 2) / after, gy - (anchor[1] - self.height / 2) / after)

    # ------------------------------------------------------------------ pan
    def centre(self) -> tuple[float, float]:
        """The grid point at the widget's centre, clamped so the grid covers the widget where it can."""
        size = self.size()
        return (self._clamp(self._centre[0], self.cols, self.width, size),
                self._clamp(self._centre[1], self.rows, self.height, size))

    @staticmethod
    def _clamp(centre: float, cells: int, view: float, size: float) -> float:
        if cells * size <= view - 2 * EDGE_PX:
            return cells / 2
        half = (view / 2 - EDGE_PX) / size
        return min(cells - half, max(half, centre))

    def centre_on(self, col: float, row: float) -> None:
        self._centre = (col, row)
        self._centre = self.centre()

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the picture by (dx, dy) widget pixels, as a hand dragging it."""
        cx, cy = self.centre()
        size = self.size()
        self._centre = (cx - dx / size, cy - dy / size)
        self._centre = self.centre()

    def follow(self, left: float, top: float, right: float, bottom: float) -> bool:
        """Keep a cell span (grid cells, ends exclusive) in view as a camera follows what moves: still
        while it stays inside, centred on it once it leaves (half a view of travel before the next
        move, so stepping redraws the cells seldom); True when the view moved."""
        if self._zoom is None:
            return False
        size = self.size()
        before = self.centre()
        cx = self._follow_axis(before[0], left, right, self.width, size)
        cy = self._follow_axis(before[1], top, bottom, self.height, size)
        self._centre = (cx, cy)
        self._centre = self.centre()
        return self._centre != before

    @staticmethod
    def _follow_axis(centre: float, lo: float, hi: float, view: float, size: float) -> float:
        half = view / 2 / size
        margin = min(1.0, max(0.0, (2 * half - (hi - lo)) / 2))  # a cell round it, when there is room
        if lo - margin < centre - half or hi + margin > centre + half:
            return (lo + hi) / 2
        return centre

    # ------------------------------------------------------------------ mapping
    def origin(self) -> tuple[float, float]:
        """Widget position of the grid's top-left corner (padding included)."""
        size = self.size()
        cx, cy = self.centre()
        return self.width / 2 - cx * size, self.height / 2 - cy * size

    def grid_point(self, pos: tuple[float, float]) -> tuple[float, float]:
        """The (column, row) grid point, fractional, under a widget position."""
        x0, y0 = self.origin()
        size = self.size()
        return (pos[0] - x0) / size, (pos[1] - y0) / size

    def visible_span(self) -> tuple[int, int, int, int]:
        """Grid cells at least partly in view: (row0, row1, col0, col1), ends exclusive."""
        x0, y0 = self.origin()
        size = self.size()
        col0 = max(0, math.floor(-x0 / size))
        col1 = min(self.cols, math.ceil((self.width - x0) / size))
        row0 = max(0, math.floor(-y0 / size))
        row1 = min(self.rows, math.ceil((self.height - y0) / size))
        return row0, row1, col0, col1
