"""The paintable input: cells drawn by value, numbers when legible, the padding ring, the window.

It zooms (Ctrl+wheel, + / - / 0) and pans (middle drag) but never crops silently: at fit the whole
grid shows, however small its cells; when they are too small for numbers a loupe shows the window.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from kernelscope.core import colour_scale, paint_tools
from kernelscope.core.cell_text import MIN_CELL_PX_FOR_TEXT, format_value, text_colour_on
from kernelscope.ui.widgets import loupe, zoom_marks
from kernelscope.ui.widgets.digit_size import PROJECTOR_NUMBERS_CAP, font_for_digits
from kernelscope.ui.widgets.grid_viewport import GridViewport

WINDOW_RED = QColor(*colour_scale.WINDOW_RED)
WHEEL_STEP = 1.25  # zoom per wheel notch
KEY_STEP = 2 ** 0.5  # zoom per + or -
MIN_MARK_PX = 12.0  # the window's frame is never drawn smaller
ZOOM_KEYS = (Qt.Key.Key_Plus, Qt.Key.Key_Equal, Qt.Key.Key_Minus, Qt.Key.Key_Underscore, Qt.Key.Key_0)


class PixelGrid(QWidget):
    """Shows an (H, W, C) image; a left drag asks to paint the brush, a right drag the background.

    It never edits its own data: it emits ``cells_painted`` and waits for ``set_image``.
    """

    cells_painted = Signal(list, bool)  # [(row, col), ...], True for the background value
    fill_requested = Signal(int, int, bool)  # flood fill from (row, col); True for the background value
    stroke_started = Signal(str)  # the tool: one stroke (press to release) is one undo step
    stroke_finished = Signal()
    zoom_changed = Signal(float)  # the cell size in pixels, after any zoom (fit included)

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
        self._view = GridViewport()
        self._rgb: QImage | None = None
        self._loupe_on = True
        self._pan_from: QPointF | None = None
        self._announced_zoom = 0.0
        self._digit_px: int | None = None
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # + / - / 0 zoom once the grid was clicked
        self.setMinimumSize(120, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Input grid")

    # ------------------------------------------------------------------ data in
    def set_image(self, image: np.ndarray, value_range: tuple[float, float]) -> None:
        """A new picture (another shape) starts at fit; a painted cell keeps the zoom."""
        new_picture = image.shape[:2] != self._image.shape[:2]
        self._image = image
        self._range = value_range
        self._base = None  # redrawn on the next paint; a step does not redraw the cells
        self._rgb = None
        if new_picture:
            self._view.set_size(None)
            self._announce_zoom()
        self.update()

    def set_padding(self, pads: tuple[tuple[int, int], tuple[int, int]]) -> None:
        (old_top, _), (old_left, _) = self._pads
        self._pads = pads
        (top, _), (left, _) = pads
        self._view.set_grid(*self._grid_shape(), shift=(top - old_top, left - old_left))
        self._announce_zoom()
        self.update()

    def set_window(self, rows: np.ndarray | None, cols: np.ndarray | None) -> None:
        """The current step's taps (kh, kw input coordinates), or None to hide the frame; a zoomed
        view follows the window when it leaves, as a camera does."""
        self._window = None if rows is None or cols is None else (rows, cols)
        self._follow_window()
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
        self.setCursor(self._tool_cursor())
        self.update()

    def paintable(self) -> bool:
        return self._paintable

    def set_tool(self, tool: str) -> None:
        """pen paints as it drags; line and rect preview while dragging and paint on release."""
        if tool not in self.TOOLS:
            raise ValueError(f"unknown tool {tool!r}")
        self._tool = tool
        self._anchor, self._preview = None, []
        self.setCursor(self._tool_cursor())
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

    def _viewport(self) -> GridViewport:
        """The viewport, told the widget's size and the grid's shape as they are now."""
        self._view.set_widget_size(self.width(), self.height())
        self._view.set_grid(*self._grid_shape())
        return self._view

    def cell_size(self) -> float:
        """A cell's side in pixels as drawn: fractional, below one pixel when a big picture fits."""
        return self._viewport().size()

    def _origin(self) -> tuple[float, float]:
        view = self._viewport()
        x0, y0 = view.origin()
        size = view.size()
        (top, _), (left, _) = self._pads
        return x0 + left * size, y0 + top * size

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

    # ------------------------------------------------------------------ zoom and pan
    def zoom(self) -> float:
        """The cell size in pixels (the same as ``cell_size``)."""
        return self.cell_size()

    def is_fit(self) -> bool:
        return self._viewport().is_fit()

    def set_zoom(self, px: float | None) -> None:
        """Cells of ``px`` pixels, clamped between fit and the largest zoom; None fits the whole grid.
        Zooms about the window when there is one, so the step stays in view."""
        self._zoom_about(px, self._zoom_anchor())

    def zoom_in(self) -> None:
        self.set_zoom(self.cell_size() * KEY_STEP)

    def zoom_out(self) -> None:
        self.set_zoom(self.cell_size() / KEY_STEP)

    def fit(self) -> None:
        self.set_zoom(None)

    def zoom_text(self) -> str:
        """"fit" or the zoom against fit, as the corner badge says it (for a status line or a menu)."""
        view = self._viewport()
        return "fit" if view.is_fit() else f"{round(view.size() / view.fit_size() * 100)}%"

    def pan_to_cell(self, row: int, col: int) -> None:
        """Centre the view on an input cell (as near as the grid's edges allow)."""
        (top, _), (left, _) = self._pads
        self._viewport().centre_on(col + left + 0.5, row + top + 0.5)
        self.update()

    def _zoom_about(self, px: float | None, anchor: tuple[float, float]) -> None:
        self._viewport().zoom_about(px, anchor)
        self._follow_window()
        self._announce_zoom()
        self.update()

    def _zoom_anchor(self) -> tuple[float, float]:
        frame = self.window_frame_rect()
        if frame is not None and self.rect().toRectF().intersects(frame):
            return frame.center().x(), frame.center().y()
        return self.width() / 2, self.height() / 2

    def _announce_zoom(self) -> None:
        size = self.cell_size()
        if abs(size - self._announced_zoom) > 1e-9:
            self._announced_zoom = size
            self.zoom_changed.emit(size)

    def _follow_window(self) -> None:
        if self._window is None:
            return
        rows, cols = self._window
        (top, _), (left, _) = self._pads
        self._viewport().follow(int(cols.min()) + left, int(rows.min()) + top,
                                int(cols.max()) + left + 1, int(rows.max()) + top + 1)

    def window_frame_rect(self) -> QRectF | None:
        """Where the window's red frame is drawn (widget pixels; grown round a window of a few tiny
        cells so it can be seen), None without a window."""
        if self._window is None:
            return None
        rows, cols = self._window
        frame = self.cell_rect(int(rows.min()), int(cols.min())).united(
            self.cell_rect(int(rows.max()), int(cols.max())))
        if frame.width() >= MIN_MARK_PX and frame.height() >= MIN_MARK_PX:
            return frame
        grow_x, grow_y = max(0.0, MIN_MARK_PX - frame.width()) / 2, max(0.0, MIN_MARK_PX - frame.height()) / 2
        return frame.adjusted(-grow_x, -grow_y, grow_x, grow_y)

    # ------------------------------------------------------------------ loupe
    def set_loupe(self, on: bool) -> None:
        """Let the loupe show (the default) whenever the cells are too small to read, or never."""
        self._loupe_on = on
        self.update()

    def loupe_on(self) -> bool:
        return self._loupe_on

    def set_digit_px(self, px: int | None) -> None:
        """The digit height the class must read (projector mode): cells whose numbers would stand
        shorter leave them to the loupe, which writes them this tall. None: the loupe's own sizes."""
        self._digit_px = px
        self.update()

    def _digit_target(self) -> int:
        return self._digit_px or (loupe.THICK_DIGIT_PX if self._thick else loupe.DIGIT_PX)

    def _cells_too_small(self) -> bool:
        size = self.cell_size()
        if size < MIN_CELL_PX_FOR_TEXT:
            return True
        return self._thick and self.window_digit_px(loupe_too=False) < self._digit_target()

    def window_digit_px(self, loupe_too: bool = True) -> int:
        """How tall the digits of the window's cells stand as drawn (through the loupe while it shows);
        0 without a window or with cells too small to carry numbers."""
        if self._window is None:
            return 0
        if loupe_too and self.loupe_visible():
            return self.loupe_digit_px()
        size = self.cell_size()
        if size < MIN_CELL_PX_FOR_TEXT:
            return 0
        font = self._number_font(size)
        metrics = QFontMetricsF(font)
        rows, cols = self._window
        h, w = self._image.shape[:2]
        texts = {loupe.fitting_text(self._cell_value(r, c), size, metrics) if 0 <= r < h and 0 <= c < w else "0"
                 for r, c in zip(rows.ravel().tolist(), cols.ravel().tolist(), strict=True)}
        return min(loupe.digit_height(self._fitted_font(text, font, metrics, size)) for text in texts)

    def loupe_visible(self) -> bool:
        return self._loupe_on and self._window is not None and self._cells_too_small()

    def _loupe_layout(self) -> loupe.LoupeLayout | None:
        frame = self.window_frame_rect()
        if not self.loupe_visible() or frame is None or self._window is None:
            return None
        rows, cols = self._window
        h, w = self._image.shape[:2]
        (top, bottom), (left, right) = self._pads
        return loupe.layout(widget=self.rect().toRectF(), avoid=frame,
                            window=(int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())),
                            bounds=(-top, h - 1 + bottom, -left, w - 1 + right), info=self._cell_info,
                            thick=self._thick, base_font=self.font(), digit_px=self._digit_target(),
                            least_digit_px=loupe.THICK_DIGIT_PX)

    def _cell_info(self, row: int, col: int) -> tuple[float | None, QColor]:
        h, w = self._image.shape[:2]
        if 0 <= row < h and 0 <= col < w:
            return self._cell_value(row, col), self.cell_colour(row, col)
        return None, QColor(*colour_scale.PADDING_FILL)

    def _cell_value(self, row: int, col: int) -> float:
        px = self._image[row, col].tolist()
        return (px[0] + px[1] + px[2]) / 3 if len(px) == 3 else float(px[0])

    def loupe_rect(self) -> QRectF | None:
        """The loupe's panel in widget pixels, None while it is hidden."""
        shown = self._loupe_layout()
        return None if shown is None else shown.panel

    def loupe_texts(self) -> list[list[str]]:
        """The loupe's numbers row by row, as written (padding cells read "0"); empty while hidden."""
        shown = self._loupe_layout()
        return [] if shown is None else shown.texts()

    def loupe_cells(self) -> tuple[range, range] | None:
        """The input rows and columns the loupe shows (padding rows are negative or past the end)."""
        shown = self._loupe_layout()
        return None if shown is None else (shown.rows, shown.cols)

    def loupe_cell_rect(self, row: int, col: int) -> QRectF | None:
        """Where the loupe draws an input cell, None when it does not show it."""
        shown = self._loupe_layout()
        if shown is None or row not in shown.rows or col not in shown.cols:
            return None
        return shown.cell_rect(row, col)

    def loupe_digit_px(self) -> int:
        """How tall the loupe's digits stand, 0 while it is hidden."""
        shown = self._loupe_layout()
        return 0 if shown is None else shown.digit_px

    def sizeHint(self) -> QSize:
        return QSize(360, 360)

    # ------------------------------------------------------------------ colour
    def cell_colour(self, row: int, col: int) -> QColor:
        """The cell's grey (or RGB) on the value range; plain floats, as the loupe asks for dozens a step."""
        lo, hi = self._range
        span = float(hi - lo)
        px = self._image[row, col].tolist()
        t = [min(1.0, max(0.0, (v - lo) / span)) if span > 0 else 0.0 for v in px]
        if len(t) == 3:
            return QColor.fromRgbF(t[0], t[1], t[2])
        return QColor.fromRgbF(t[0], t[0], t[0])

    # ------------------------------------------------------------------ painting
    def _rgb_image(self) -> QImage:
        """The input as an RGB QImage, one pixel a cell (vectorised: a 150x150 input is one call),
        made once per ``set_image``."""
        if self._rgb is not None:
            return self._rgb
        lo, hi = self._range
        t = np.clip((self._image - lo) / (hi - lo), 0.0, 1.0) if hi > lo else np.zeros_like(self._image)
        rgb = (t * 255 + 0.5).astype(np.uint8)
        if rgb.shape[2] == 1:
            rgb = np.repeat(rgb, 3, axis=2)
        rgb = np.ascontiguousarray(rgb)
        h, w = rgb.shape[:2]
        self._rgb = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        return self._rgb

    def _visible_cells(self) -> tuple[int, int, int, int]:
        """Input cells at least partly in view, padding included: (row0, row1, col0, col1), ends exclusive."""
        row0, row1, col0, col1 = self._viewport().visible_span()
        (top, _), (left, _) = self._pads
        return row0 - top, row1 - top, col0 - left, col1 - left

    def _base_pixmap(self) -> QPixmap:
        """The cells, the ring, the grid lines and the numbers in view, drawn once per change of the
        input, the size or the zoom: a step only moves the window over this picture."""
        view = self._viewport()
        key = (self.width(), self.height(), self._pads, self._thick, self.devicePixelRatioF(), view.size(),
               view.origin())
        if self._base is not None and self._base_key == key:
            return self._base
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(max(1, int(self.width() * ratio)), max(1, int(self.height() * ratio)))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(Qt.GlobalColor.transparent)
        p = QPainter(pixmap)
        h, w = self._image.shape[:2]
        size = view.size()
        (top, bottom), (left, right) = self._pads
        if top or bottom or left or right:
            ring = self.cell_rect(-top, -left).united(self.cell_rect(h - 1 + bottom, w - 1 + right))
            p.fillRect(ring.intersected(self.rect().toRectF()), QColor(*colour_scale.PADDING_FILL))
        self._paint_cells(p, size)
        if size >= 6:
            self._paint_grid_lines(p, size)
        if size >= MIN_CELL_PX_FOR_TEXT:
            self._paint_numbers(p, size)
        p.end()
        self._base, self._base_key = pixmap, key
        return pixmap

    def _paint_cells(self, p: QPainter, size: float) -> None:
        """The cells in view from the one-pixel-a-cell image: blocks when zoomed, smoothly shrunk at
        fit when a cell is under a pixel (a picture, not a moire)."""
        h, w = self._image.shape[:2]
        row0, row1, col0, col1 = self._visible_cells()
        row0, row1, col0, col1 = max(0, row0), min(h, row1), max(0, col0), min(w, col1)
        if row1 <= row0 or col1 <= col0:
            return
        target = self.cell_rect(row0, col0).united(self.cell_rect(row1 - 1, col1 - 1))
        image = self._rgb_image()
        if size < 1:
            ratio = self.devicePixelRatioF()
            image = image.scaled(max(1, round(target.width() * ratio)), max(1, round(target.height() * ratio)),
                                 Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
            p.drawImage(target, image)
            return
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        p.drawImage(target, image, QRectF(col0, row0, col1 - col0, row1 - row0))

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
        self._paint_marks(p)
        p.end()

    def _paint_marks(self, p: QPainter) -> None:
        """The loupe, then what says this is a zoom: a badge and the bars that show where the view is."""
        view = self._viewport()
        avoid = [frame] if (frame := self.window_frame_rect()) is not None else []
        shown = self._loupe_layout()
        if shown is not None and self._window is not None:
            loupe.paint(p, shown, self.font(), self._thick, self._window, self._overlay, self._highlight)
            if frame is not None:
                loupe.paint_leader(p, shown.panel, frame)
            avoid.append(shown.panel)
        if not view.is_fit():
            zoom_marks.paint_scroll_marks(p, view)
        if not view.is_fit() or self._cells_too_small():
            font = QFont(self.font())
            font.setPixelSize(15 if self._thick else 11)
            text = zoom_marks.badge_text(view)
            zoom_marks.paint_badge(p, zoom_marks.badge_rect(text, font, self.rect().toRectF(), avoid), text, font)

    def _paint_grid_lines(self, p: QPainter, size: float) -> None:
        h, w = self._image.shape[:2]
        (top, bottom), (left, right) = self._pads
        row0, row1, col0, col1 = self._visible_cells()
        p.setPen(QPen(QColor(140, 140, 140), 1))
        x_left = self.cell_rect(0, -left).left()
        x_right = self.cell_rect(0, w - 1 + right).right()
        y_top = self.cell_rect(-top, 0).top()
        y_bottom = self.cell_rect(h - 1 + bottom, 0).bottom()
        for r in range(row0, row1 + 1):
            y = self.cell_rect(r, 0).top()
            p.drawLine(QPointF(x_left, y), QPointF(x_right, y))
        for c in range(col0, col1 + 1):
            x = self.cell_rect(0, c).left()
            p.drawLine(QPointF(x, y_top), QPointF(x, y_bottom))

    def _number_font(self, size: float) -> QFont:
        """In projector mode "Bigger" (a larger digit target) fills more of each cell, up to 0.8 of it:
        cells that already carried the promised digits still grow theirs."""
        font = QFont(self.font())
        share = min(0.8, 0.6 * max(1.0, self._digit_target() / loupe.THICK_DIGIT_PX)) if self._thick else 0.36
        px = max(8, int(size * share))
        if self._thick:  # the chosen type's size, not the cell's: Bigger never shrinks them
            px = min(px, int(font_for_digits(font, self._digit_target()).pixelSize() * PROJECTOR_NUMBERS_CAP))
        font.setPixelSize(px)
        return font

    @staticmethod
    def _fitted_font(text: str, font: QFont, metrics: QFontMetricsF, size: float) -> QFont:
        """The cell's font, smaller for a number too wide for its cell: never spilling over, never cut."""
        room = size - max(4.0, size * 0.14)  # a gap, so neighbours do not read as one number
        if metrics.horizontalAdvance(text) <= room:
            return font
        narrow = QFont(font)
        narrow.setPixelSize(max(6, int(font.pixelSize() * room / metrics.horizontalAdvance(text))))
        return narrow

    def _paint_numbers(self, p: QPainter, size: float) -> None:
        h, w = self._image.shape[:2]
        font = self._number_font(size)
        metrics = QFontMetricsF(font)
        p.setFont(font)
        ring_text = QColor(110, 110, 130)
        row0, row1, col0, col1 = self._visible_cells()
        for r in range(row0, row1):
            for c in range(col0, col1):
                rect = self.cell_rect(r, c)
                if 0 <= r < h and 0 <= c < w:
                    cell = self.cell_colour(r, c)
                    p.setPen(QColor(*text_colour_on(cell.red(), cell.green(), cell.blue())))
                    text = loupe.fitting_text(self._cell_value(r, c), size, metrics)
                    p.setFont(self._fitted_font(text, font, metrics, size))
                    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
                    p.setFont(font)
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
        frame = self.window_frame_rect()
        assert frame is not None
        if frame.width() < MIN_MARK_PX or frame.height() < MIN_MARK_PX:
            # A few cells of a photo are a speck: a white-edged ring round it, so the eye finds it.
            p.setPen(QPen(QColor(255, 255, 255), width + 2))
            p.drawRect(frame)
            p.setPen(QPen(WINDOW_RED, width))
            p.drawRect(frame)
            return
        p.setPen(QPen(WINDOW_RED, width))
        p.drawRect(frame.adjusted(width / 2, width / 2, -width / 2, -width / 2))
        dilated_rows = rows.shape[0] > 1 and rows[1, 0] - rows[0, 0] > 1
        dilated_cols = cols.shape[1] > 1 and cols[0, 1] - cols[0, 0] > 1
        if dilated_rows or dilated_cols:
            # Dilation: mark each sampled tap on its own.
            p.setPen(QPen(WINDOW_RED, max(1.5, width * 0.7)))
            for r, c in zip(rows.ravel(), cols.ravel(), strict=True):
                p.drawRect(self.cell_rect(int(r), int(c)).adjusted(3, 3, -3, -3))

    # ------------------------------------------------------------------ mouse
    def _pans(self, button: Qt.MouseButton) -> bool:
        """The middle button pans; so does the left one where nothing is painted."""
        return button == Qt.MouseButton.MiddleButton or (not self._paintable and button == Qt.MouseButton.LeftButton)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self._pans(event.button()):
            self._pan_from = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            return
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
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self._viewport().pan_by(delta.x(), delta.y())
            self.update()
            return
        pos = event.position().toPoint()
        if self._paintable and event.buttons() & (Qt.MouseButton.LeftButton | Qt.MouseButton.RightButton):
            if self._tool == "pen":
                self._paint_to(pos)
            elif self._anchor is not None:
                cell = self._clamped_cell(pos)
                self._preview = self._shape_cells(self._anchor, cell)
                self.update()
        hovered = self.cell_at(pos)
        if hovered is not None:
            r, c = hovered
            v = self._image[r, c]
            text = ", ".join(format_value(float(x), 60) for x in v)
            self.setToolTip(f"row {r}, column {c}: {text}")
        else:
            self.setToolTip("")

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            if self._pans(event.button()):
                self._pan_from = None
                self.setCursor(self._tool_cursor())
            return
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

    def _tool_cursor(self) -> Qt.CursorShape:
        if not self._paintable:
            return Qt.CursorShape.ArrowCursor
        return Qt.CursorShape.PointingHandCursor if self._tool == "fill" else Qt.CursorShape.CrossCursor

    # ------------------------------------------------------------------ wheel, keys, size
    def wheelEvent(self, event: QWheelEvent) -> None:
        """Ctrl+wheel zooms about the pointer; a plain wheel goes on to the panel that scrolls."""
        if not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            event.ignore()
            return
        notches = event.angleDelta().y() / 120
        if notches:
            pos = event.position()
            self._zoom_about(self.cell_size() * WHEEL_STEP ** notches, (pos.x(), pos.y()))
        event.accept()

    def _zoom_key(self, event: QKeyEvent) -> bool:
        plain = event.modifiers() & ~(Qt.KeyboardModifier.KeypadModifier | Qt.KeyboardModifier.ShiftModifier)
        return event.key() in ZOOM_KEYS and plain == Qt.KeyboardModifier.NoModifier

    def event(self, event: QEvent) -> bool:
        # With the focus here, + / - / 0 zoom the grid rather than reach the window's shortcuts.
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) and self._zoom_key(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._zoom_key(event):
            super().keyPressEvent(event)
            return
        if event.key() in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_in()
        elif event.key() in (Qt.Key.Key_Minus, Qt.Key.Key_Underscore):
            self.zoom_out()
        else:
            self.fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._announce_zoom()
