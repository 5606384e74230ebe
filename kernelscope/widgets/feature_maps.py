"""Every filter's feature map at once: one ViewBox + ImageItem + numbers + cell frame per filter."""

from __future__ import annotations

import math
import os

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsRectItem, QStyleOptionGraphicsItem, QWidget

from kernelscope.widgets.cell_text import MIN_CELL_PX_FOR_TEXT, format_value, text_colour_on

DEFAULT_COLORMAP = "CET-D1"


class CellNumbers(QGraphicsItem):
    """Writes each cell's value at a fixed pixel size, only when the cells are big enough to read."""

    def __init__(self, lut: np.ndarray) -> None:
        super().__init__()
        self._data = np.zeros((1, 1), np.float32)
        self._levels = (-1.0, 1.0)
        self._lut = lut

    def set_data(self, data: np.ndarray, levels: tuple[float, float], lut: np.ndarray) -> None:
        self.prepareGeometryChange()
        self._data = data
        self._levels = levels
        self._lut = lut
        self.update()

    def boundingRect(self) -> QRectF:
        h, w = self._data.shape
        return QRectF(0, 0, w, h)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        transform = painter.worldTransform()
        cell_px = min(abs(transform.m11()), abs(transform.m22()))
        if cell_px < MIN_CELL_PX_FOR_TEXT:
            return
        h, w = self._data.shape
        painter.save()
        painter.setWorldTransform(QTransform())
        font = QFont()
        font.setPixelSize(int(max(9, min(48, cell_px * 0.34))))
        painter.setFont(font)
        lo, hi = self._levels
        n = len(self._lut)
        for r in range(h):
            for c in range(w):
                v = float(self._data[r, c])
                t = 0.5 if hi <= lo else (v - lo) / (hi - lo)
                rgb = self._lut[int(min(n - 1, max(0, round(t * (n - 1)))))]
                painter.setPen(text_colour_on(QColor(int(rgb[0]), int(rgb[1]), int(rgb[2]))))
                rect = transform.mapRect(QRectF(c, r, 1, 1))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, format_value(v, cell_px))
        painter.restore()


class FeatureMaps(pg.GraphicsLayoutWidget):
    """Lays the F maps out in a grid that fits the pane, with one shared, zero-centred colour scale."""

    cell_clicked = Signal(int, int, int)  # filter, row, col

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setBackground("w")
        self._cmap = pg.colormap.get(DEFAULT_COLORMAP)
        self._lut = self._cmap.getLookupTable(nPts=256, alpha=False)
        self._views: list[pg.ViewBox] = []
        self._images: list[pg.ImageItem] = []
        self._numbers: list[CellNumbers] = []
        self._frames: list[QGraphicsRectItem] = []
        self._titles: list[pg.LabelItem] = []
        self._shape: tuple[int, int, int] | None = None
        self._columns = 0
        self._maps: np.ndarray | None = None
        self._levels = (-1.0, 1.0)
        self.setAccessibleName("Feature maps")

    def levels(self) -> tuple[float, float]:
        return self._levels

    def map_count(self) -> int:
        return len(self._images)

    def image_data(self, index: int) -> np.ndarray:
        return self._images[index].image

    def set_maps(self, maps: np.ndarray) -> None:
        """Show (F, H', W') maps; rebuilds the layout only when the shape changes."""
        f, h, w = maps.shape
        self._maps = maps
        if self._shape != (f, h, w) or self._columns != self._best_columns(f, h, w):
            self._build(f, h, w)
        limit = float(np.abs(maps).max()) if maps.size else 1.0
        limit = limit if limit > 0 else 1.0
        self._levels = (-limit, limit)
        for k in range(f):
            data = np.ascontiguousarray(maps[k])
            self._images[k].setImage(data, levels=self._levels, autoLevels=False)
            self._numbers[k].set_data(data, self._levels, self._lut)

    def set_cell(self, row: int | None, col: int | None) -> None:
        """Frame the current output cell on every map (None hides the frames)."""
        for frame in self._frames:
            if row is None or col is None:
                frame.hide()
            else:
                frame.setRect(QRectF(col, row, 1, 1))
                frame.show()

    def _best_columns(self, f: int, h: int, w: int) -> int:
        return _columns_for(f, w / h, max(1, self.width()), max(1, self.height()))

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        # pyqtgraph calls this from its own __init__, before our attributes exist.
        if getattr(self, "_maps", None) is not None and self._shape is not None:
            f, h, w = self._shape
            if self._columns != self._best_columns(f, h, w):
                frames = [fr.isVisible() and fr.rect() for fr in self._frames[:1]]
                self.set_maps(self._maps)
                if frames and frames[0]:
                    self.set_cell(int(frames[0].y()), int(frames[0].x()))

    def _build(self, f: int, h: int, w: int) -> None:
        self.clear()
        self._views, self._images, self._numbers, self._frames, self._titles = [], [], [], [], []
        cols = self._best_columns(f, h, w)
        self._columns = cols
        for k in range(f):
            row, col = divmod(k, cols)
            title = self.addLabel(f"filter {k + 1}", row=2 * row, col=col, size="11pt", color="#222")
            view = self.addViewBox(row=2 * row + 1, col=col, lockAspect=True, enableMouse=False)
            view.invertY(True)
            view.setMenuEnabled(False)
            image = pg.ImageItem(axisOrder="row-major")
            image.setLookupTable(self._lut)
            view.addItem(image)
            numbers = CellNumbers(self._lut)
            view.addItem(numbers)
            frame = QGraphicsRectItem(QRectF(0, 0, 1, 1))
            pen = QPen(QColor(220, 30, 30), 3)
            pen.setCosmetic(True)
            frame.setPen(pen)
            frame.setZValue(10)
            frame.hide()
            view.addItem(frame)
            view.setRange(QRectF(0, 0, w, h), padding=0.02)
            image.mouseClickEvent = self._click_handler(k)  # type: ignore[method-assign]
            self._views.append(view)
            self._images.append(image)
            self._numbers.append(numbers)
            self._frames.append(frame)
            self._titles.append(title)
        self._shape = (f, h, w)

    def _click_handler(self, k: int):  # type: ignore[no-untyped-def]
        def handler(event: pg.GraphicsScene.mouseEvents.MouseClickEvent) -> None:
            pos: QPointF = event.pos()
            row, col = math.floor(pos.y()), math.floor(pos.x())
            if self._shape is not None and 0 <= row < self._shape[1] and 0 <= col < self._shape[2]:
                self.cell_clicked.emit(k, row, col)
                event.accept()

        return handler


def _columns_for(n: int, aspect: float, width: float, height: float) -> int:
    """The column count that makes n tiles of this aspect (w/h) as large as possible in the pane."""
    best, best_size = 1, 0.0
    for cols in range(1, n + 1):
        rows = math.ceil(n / cols)
        tile_w = width / cols
        tile_h = height / rows - 18  # room for the title
        size = min(tile_w, tile_h * aspect)
        if size > best_size:
            best, best_size = cols, size
    return best
