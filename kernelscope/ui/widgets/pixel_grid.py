"""The paintable input: cells drawn by value, numbers when legible, the padding ring, the window."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from kernelscope.core import colour_scale, paint_tools
from kernelscope.core.cell_text import MIN_CELL_PX_FOR_TEXT, format_value, text_colour_on

WINDOW_RED = QColor(*colour_scale.WINDOW_RED)


class PixelGrid(QWidget):
    """Shows an (H, W, C) image; a left drag asks to paint the brush, a right drag the background.

    It never edits its own data: it emits ``cells_painted`` and waits for ``set_image``.
    """

    cells_painted = Signal(list, bool)  # [(row, col), ...], True for the background value
    fill_requested = Signal(int, int, bool)  # flood fill from (row, col); True for the background value
    stroke_started = Signal(str)  # the tool: one stroke (press to release) is one undo step
    stroke_finished = Signal()

    TOOLS = ("pen", "line", "rect", "fill")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image = np.zeros((5, 5, 1), np.float32)
        self._range = (-1.0, 1.0)
        self._pads: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (0, 0))
        self._window: tuple[np.ndarray, np.ndarray] | None = None
        self._highlight: set[tuple[int, int]] = set()
        self._overlay: np.ndarray | None = None
        self._base: QPixmap | None = None
        self._base_key: tuple[object, ...] = ()
        self._thick = False
        self._last_cell: tuple[int, int] | None = None
        self._background_stroke = False
        self._tool = "pen"
        self._brush = 1
        self._anchor: tuple[int, int] | None = None
        self._stroke_open = False
        self._preview: list[tuple[int, int]] = []
        self._paintable = True
        self.setMouseTracking(True)
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Input grid")

    # ------------------------------------------------------------------ data in
    def set_image(self, image: np.ndarray, value_range: tuple[float, float]) -> None:
        self._image = image
        self._range = value_range
        self._base = None  # redrawn on the next paint; a step does not redraw the cells
        self.update()

    def set_padding(self, pads: tuple[tuple[int, int], tuple[int, int]]) -> None:
        self._pads = pads
        self.update()

    def set_window(self, rows: np.ndarray | None, cols: np.ndarray | None) -> None:
        """The current step's taps (kh, kw input coordinates), or None to hide the frame."""
        self._window = None if rows is None or cols is None else (rows, cols)
        self.update()

    def set_thick(self, on: bool) -> None:
        """Projector mode: a thicker window frame and larger numbers, legible from the back."""
        self._thick = on
        self.update()

    def set_kernel_overlay(self, weights: np.ndarray | None) -> None:
        """Write a (kh, kw) kernel's weights in the corner of each tap of the window (None: off)."""
        self._overlay = weights
        self.update()

    def set_highlight(self, cells: set[tuple[int, int]]) -> None:
        self._highlight = cells
        self.update()

    def image(self) -> np.ndarray:
        return self._image

    def set_paintable(self, on: bool) -> None:
        """Off while the grid shows what a later layer receives (a layer's maps): they are read, not painted."""
        self._paintable = on
        self._anchor, self._preview = None, []
        self.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)
        self.update()

    def paintable(self) -> bool:
        return self._paintable

    def set_tool(self, tool: str) -> None:
        """pen paints as it drags; line and rect preview while dragging and paint on release."""
        if tool not in self.TOOLS:
            raise ValueError(f"unknown tool {tool!r}")
        self._tool = tool
        self._anchor, self._preview = None, []
        self.setCursor(Qt.CursorShape.PointingHandCursor if tool == "fill" else Qt.CursorShape.CrossCursor)
        self.update()

    def tool(self) -> str:
        return self._tool

    def set_brush_size(self, size: int) -> None:
        """The pen's and the line's width in cells (1, 3 or 5): a square centred on the pointer."""
        paint_tools.brush_cells([], size, (1, 1))  # refuses a size outside BRUSH_SIZES, in words
        self._brush = size

    def brush_size(self) -> int:
        return self._brush

    def _brushed(self, cells: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """The cells a brush wider than one cell paints along ``cells``, clipped at the grid's edges."""
        if self._brush == 1:
            return cells
        return paint_tools.brush_cells(cells, self._brush, self._image.shape[:2])

    # ------------------------------------------------------------------ geometry
    def _grid_shape(self) -> tuple[int, int]:
        (top, bottom), (left, right) = self._pads
        return self._image.shape[0] + top + bottom, self._image.shape[1] + left + right

    def cell_size(self) -> float:
        rows, cols = self._grid_shape()
        return max(1.0, min((self.width() - 4) / cols, (self.height() - 4) / rows))

    def _origin(self) -> tuple[float, float]:
        rows, cols = self._grid_shape()
        size = self.cell_size()
        (top, _), (left, _) = self._pads
        x0 = (self.width() - cols * size) / 2 + left * size
        y0 = (self.height() - rows * size) / 2 + top * size
        return x0, y0

    def cell_rect(self, row: int, col: int) -> QRectF:
        """Widget rectangle of an input cell (negative or past-the-end indices are padding)."""
        x0, y0 = self._origin()
        size = self.cell_size()
        return QRectF(x0 + col * size, y0 + row * size, size, size)

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        x0, y0 = self._origin()
        size = self.cell_size()
        col = int(np.floor((pos.x() - x0) / size))
        row = int(np.floor((pos.y() - y0) / size))
        h, w = self._image.shape[:2]
        return (row, col) if 0 <= row < h and 0 <= col < w else None

    def sizeHint(self) -> QSize:
        return QSize(360, 360)

    # ------------------------------------------------------------------ colour
    def cell_colour(self, row: int, col: int) -> QColor:
        lo, hi = self._range
        px = self._image[row, col]
        t = np.clip((px - lo) / (hi - lo), 0.0, 1.0) if hi > lo else np.zeros_like(px)
        if px.shape[0] == 3:
            return QColor.fromRgbF(float(t[0]), float(t[1]), float(t[2]))
        g = float(t[0])
        return QColor.fromRgbF(g, g, g)

    # ------------------------------------------------------------------ painting
    def _rgb_image(self) -> QImage:
        """The input as an RGB QImage, one pixel a cell (vectorised: a 150x150 input is one call)."""
        lo, hi = self._range
        t = np.clip((self._image - lo) / (hi - lo), 0.0, 1.0) if hi > lo else np.zeros_like(self._image)
        rgb = (t * 255 + 0.5).astype(np.uint8)
        if rgb.shape[2] == 1:
            rgb = np.repeat(rgb, 3, axis=2)
        rgb = np.ascontiguousarray(rgb)
        h, w = rgb.shape[:2]
        return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()

    def _base_pixmap(self) -> QPixmap:
        """The cells, the ring, the grid lines and the numbers, drawn once per change of the input
        or the size: a step only moves the window over this picture."""
        key = (self.width(), self.height(), self._pads, self._thick, self.devicePixelRatioF())
        if self._base is not None and self._base_key == key:
            return self._base
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(max(1, int(self.width() * ratio)), max(1, int(self.height() * ratio)))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        p = QPainter(pixmap)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        h, w = self._image.shape[:2]
        size = self.cell_size()
        (top, bottom), (left, right) = self._pads
        if top or bottom or left or right:
            ring = self.cell_rect(-top, -left).united(self.cell_rect(h - 1 + bottom, w - 1 + right))
            p.fillRect(ring, QColor(*colour_scale.PADDING_FILL))
        body = self.cell_rect(0, 0).united(self.cell_rect(h - 1, w - 1))
        p.drawImage(body, self._rgb_image())
        if size >= 6:
            self._paint_grid_lines(p, size)
        if size >= MIN_CELL_PX_FOR_TEXT:
            self._paint_numbers(p, size)
        p.end()
        self._base, self._base_key = pixmap, key
        return pixmap

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        size = self.cell_size()
        p.drawPixmap(0, 0, self._base_pixmap())
        if self._highlight:
            p.setPen(QPen(QColor(255, 170, 0), max(2.0, size * 0.08)))
            for r, c in self._highlight:
                p.drawRect(self.cell_rect(r, c).adjusted(2, 2, -2, -2))
        if self._window is not None:
            self._paint_window(p, size)
            self._paint_overlay(p, size)
        if self._preview:
            shade = QColor(255, 140, 0, 150)
            for r, c in self._preview:
                p.fillRect(self.cell_rect(r, c).adjusted(1, 1, -1, -1), shade)
        p.end()

    def _paint_grid_lines(self, p: QPainter, size: float) -> None:
        h, w = self._image.shape[:2]
        (top, bottom), (left, right) = self._pads
        p.setPen(QPen(QColor(140, 140, 140), 1))
        x_left = self.cell_rect(0, -left).left()
        x_right = self.cell_rect(0, w - 1 + right).right()
        y_top = self.cell_rect(-top, 0).top()
        y_bottom = self.cell_rect(h - 1 + bottom, 0).bottom()
        for r in range(-top, h + bottom + 1):
            y = self.cell_rect(r, 0).top()
            p.drawLine(QPointF(x_left, y), QPointF(x_right, y))
        for c in range(-left, w + right + 1):
            x = self.cell_rect(0, c).left()
            p.drawLine(QPointF(x, y_top), QPointF(x, y_bottom))

    def _paint_numbers(self, p: QPainter, size: float) -> None:
        h, w = self._image.shape[:2]
        (top, bottom), (left, right) = self._pads
        font = QFont(self.font())
        font.setPixelSize(max(8, int(size * (0.5 if self._thick else 0.36))))
        p.setFont(font)
        ring_text = QColor(110, 110, 130)
        for r in range(-top, h + bottom):
            for c in range(-left, w + right):
                rect = self.cell_rect(r, c)
                if 0 <= r < h and 0 <= c < w:
                    px = self._image[r, c]
                    value = float(px.mean()) if px.shape[0] == 3 else float(px[0])
                    cell = self.cell_colour(r, c)
                    p.setPen(QColor(*text_colour_on(cell.red(), cell.green(), cell.blue())))
                    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, format_value(value, size))
                else:
                    p.setPen(ring_text)
                    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, "0")

    def _paint_overlay(self, p: QPainter, size: float) -> None:
        rows, cols = self._window  # type: ignore[misc]
        weights = self._overlay
        if weights is None or weights.shape != rows.shape or size < 18:
            return
        font = QFont(self.font())
        font.setPixelSize(max(8, int(size * 0.26)))
        font.setBold(True)
        p.setFont(font)
        for (r, c), w in zip(zip(rows.ravel(), cols.ravel(), strict=True), weights.ravel(), strict=True):
            rect = self.cell_rect(int(r), int(c))
            tag = QRectF(rect.left() + 2, rect.top() + 2, rect.width() * 0.55, rect.height() * 0.34)
            p.fillRect(tag, QColor(*colour_scale.WINDOW_RED, 225))
            p.setPen(QColor(255, 255, 255))
            p.drawText(tag, Qt.AlignmentFlag.AlignCenter, "×" + format_value(float(w), 40))

    def _paint_window(self, p: QPainter, size: float) -> None:
        rows, cols = self._window  # type: ignore[misc]
        width = max(4.0 if self._thick else 2.0, size * (0.12 if self._thick else 0.09))
        p.setPen(QPen(WINDOW_RED, width))
        top_left = self.cell_rect(int(rows.min()), int(cols.min()))
        bottom_right = self.cell_rect(int(rows.max()), int(cols.max()))
        p.drawRect(top_left.united(bottom_right).adjusted(width / 2, width / 2, -width / 2, -width / 2))
        dilated_rows = rows.shape[0] > 1 and rows[1, 0] - rows[0, 0] > 1
        dilated_cols = cols.shape[1] > 1 and cols[0, 1] - cols[0, 0] > 1
        if dilated_rows or dilated_cols:
            # Dilation: mark each sampled tap on its own.
            p.setPen(QPen(WINDOW_RED, max(1.5, width * 0.7)))
            for r, c in zip(rows.ravel(), cols.ravel(), strict=True):
                p.drawRect(self.cell_rect(int(r), int(c)).adjusted(3, 3, -3, -3))

    # ------------------------------------------------------------------ mouse
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if not self._paintable or event.button() not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            return
        self._background_stroke = event.button() == Qt.MouseButton.RightButton
        self._last_cell = None
        pos = event.position().toPoint()
        cell = self.cell_at(pos)
        if cell is None:
            return
        self._stroke_open = True
        self.stroke_started.emit(self._tool)
        if self._tool == "pen":
            self._paint_to(pos)
            return
        if self._tool == "fill":
            self.fill_requested.emit(cell[0], cell[1], self._background_stroke)
        else:
            self._anchor = cell
            self._preview = [cell]
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        if self._paintable and event.buttons() & (Qt.MouseButton.LeftButton | Qt.MouseButton.RightButton):
            if self._tool == "pen":
                self._paint_to(pos)
            elif self._anchor is not None:
                cell = self._clamped_cell(pos)
                self._preview = self._shape_cells(self._anchor, cell)
                self.update()
        cell = self.cell_at(pos)
        if cell is not None:
            r, c = cell
            v = self._image[r, c]
            text = ", ".join(format_value(float(x), 60) for x in v)
            self.setToolTip(f"row {r}, column {c}: {text}")
        else:
            self.setToolTip("")

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._anchor is not None:
            cells = self._shape_cells(self._anchor, self._clamped_cell(event.position().toPoint()))
            self._anchor, self._preview = None, []
            self.update()
            self.cells_painted.emit(cells, self._background_stroke)
        self._last_cell = None
        if self._stroke_open:
            self._stroke_open = False
            self.stroke_finished.emit()

    def _clamped_cell(self, pos: QPoint) -> tuple[int, int]:
        """The cell under pos, or the nearest edge cell when the drag leaves the grid."""
        x0, y0 = self._origin()
        size = self.cell_size()
        h, w = self._image.shape[:2]
        row = min(h - 1, max(0, int(np.floor((pos.y() - y0) / size))))
        col = min(w - 1, max(0, int(np.floor((pos.x() - x0) / size))))
        return row, col

    def _shape_cells(self, a: tuple[int, int], b: tuple[int, int]) -> list[tuple[int, int]]:
        if self._tool == "line":
            return self._brushed(paint_tools.line_cells(a, b))
        return paint_tools.rect_cells(a, b)

    def _paint_to(self, pos: QPoint) -> None:
        cell = self.cell_at(pos)
        if cell is None:
            return
        cells = [cell] if self._last_cell is None else paint_tools.line_cells(self._last_cell, cell)
        self._last_cell = cell
        self.cells_painted.emit(self._brushed(cells), self._background_stroke)

    def leaveEvent(self, event: object) -> None:
        QToolTip.hideText()
