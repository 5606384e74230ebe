"""Every filter's feature map at once, tiled into one image so 32 or 64 maps repaint in one frame.

pyqtgraph's cost is per item more than per pixel (architecture.md), so the maps are coloured in
NumPy and tiled into a single RGB ``ImageItem``; numbers, titles and the current-cell frames are
cheap overlays on top. The widget never edits data: clicks become ``cell_clicked``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QLinearGradient,
    QPainter,
    QPaintEvent,
    QPen,
    QTransform,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStyleOptionGraphicsItem,
    QVBoxLayout,
    QWidget,
)

from kernelscope.core.cell_text import MIN_CELL_PX_FOR_TEXT, format_value, text_colour_on
from kernelscope.core.colour_scale import (
    COLORMAPS,
    DEFAULT_COLORMAP,
    WINDOW_RED,
    colour_maps,
    lookup_table,
    scale_levels,
)

BACKGROUND = (255, 255, 255)
FRAME_RED = QColor(*WINDOW_RED)


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


def plan_mosaic(count: int, h: int, w: int, width_px: float, height_px: float, title_px: float = 18) -> Mosaic:
    """The column count that shows the maps largest in the pane, with ``title_px`` above each map."""
    best: tuple[float, int] = (0.0, 1)
    for cols in range(1, count + 1):
        rows = math.ceil(count / cols)
        gap_x = max(1.0, w * 0.1)
        scale = min(width_px / (cols * w + (cols - 1) * gap_x), (height_px - rows * title_px) / (rows * h))
        if scale > best[0] * 1.0001:
            best = (scale, cols)
    scale, cols = best
    scale = max(scale, 1e-3)
    gap_x = max(1, round(max(w * 0.1, 8 / scale)))
    gap_y = max(1, math.ceil(title_px / scale))
    return Mosaic(count, h, w, cols, gap_x, gap_y)


class CellNumbers(QGraphicsItem):
    """Writes each cell's value at a fixed pixel size, only where cells are big enough to read."""

    def __init__(self) -> None:
        super().__init__()
        self._maps = np.zeros((0, 1, 1), np.float32)
        self._colours = np.zeros((0, 1, 1, 3), np.uint8)
        self._mosaic = Mosaic(0, 1, 1, 1, 1, 1)
        self._scale = 0.34
        # Drawn once per change of the maps or the zoom, then blitted: a step repaints the frames.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_scale(self, fraction: float) -> None:
        """Text height as a fraction of the cell."""
        self._scale = fraction
        self.update()

    def set_data(self, maps: np.ndarray, colours: np.ndarray, mosaic: Mosaic) -> None:
        self.prepareGeometryChange()
        self._maps, self._colours, self._mosaic = maps, colours, mosaic
        self.update()

    def boundingRect(self) -> QRectF:
        h, w = self._mosaic.shape
        return QRectF(0, 0, w, h)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        transform = painter.worldTransform()
        cell_px = min(abs(transform.m11()), abs(transform.m22()))
        if cell_px < MIN_CELL_PX_FOR_TEXT or not self._maps.size:
            return
        exposed = option.exposedRect  # type: ignore[attr-defined]
        painter.save()
        painter.setWorldTransform(QTransform())
        font = QFont()
        font.setPixelSize(int(max(9, min(64, cell_px * self._scale))))
        painter.setFont(font)
        m = self._mosaic
        for k in range(m.count):
            oy, ox = m.origin(k)
            if not exposed.intersects(QRectF(ox, oy, m.w, m.h)):
                continue
            for r in range(m.h):
                for c in range(m.w):
                    rgb = self._colours[k, r, c]
                    painter.setPen(QColor(*text_colour_on(int(rgb[0]), int(rgb[1]), int(rgb[2]))))
                    rect = transform.mapRect(QRectF(ox + c, oy + r, 1, 1))
                    text = format_value(float(self._maps[k, r, c]), cell_px)
                    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        painter.restore()


class MapTitles(QGraphicsItem):
    """Every map's title in one item at a fixed pixel size: one paint call for all of them, cached
    as a device pixmap, so a step (which moves only the frames) never re-lays out 32 texts."""

    def __init__(self) -> None:
        super().__init__()
        self._titles: list[tuple[str, float, float]] = []
        self._font = QFont()
        self._ink = QColor(30, 30, 30)
        self._rect = QRectF()
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_titles(self, titles: list[tuple[str, float, float]], font: QFont, ink: QColor, rect: QRectF) -> None:
        """``titles``: (text, x, y) with the text's bottom-left at the view point (x, y)."""
        self.prepareGeometryChange()
        self._titles, self._font, self._ink, self._rect = titles, font, ink, rect
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        transform = painter.worldTransform()
        painter.save()
        painter.setWorldTransform(QTransform())
        painter.setFont(self._font)
        painter.setPen(self._ink)
        metrics = QFontMetrics(self._font)
        descent = metrics.descent()
        right = transform.map(QPointF(self._rect.right(), 0)).x()  # the last column's titles stay inside
        for text, x, y in self._titles:
            p = transform.map(QPointF(x, y))
            left = min(p.x() + 2, right - metrics.horizontalAdvance(text))
            painter.drawText(QPointF(left, p.y() - descent - 1), text)
        painter.restore()


class CellMarks(QGraphicsItem):
    """The current-cell frame on every map and, in reveal mode, the veils over the cells still to
    come: one item, so a step is one update of one item instead of moving 3 x F items."""

    VEIL = QColor(236, 236, 236)  # a shade off the light background: the map's extent stays seen
    VEIL_DARK = QColor(48, 48, 54)

    def __init__(self) -> None:
        super().__init__()
        self._veil = self.VEIL
        self._mosaic: Mosaic | None = None
        self._cell: tuple[int, int] | None = None
        self._reveal = False
        self._drawn_step = 1
        self._pen = QPen(FRAME_RED, 3)
        self._pen.setCosmetic(True)
        self.setZValue(10)

    def set_marks(self, mosaic: Mosaic | None, cell: tuple[int, int] | None, reveal: bool) -> None:
        if mosaic != self._mosaic:
            self.prepareGeometryChange()
        self._mosaic, self._cell, self._reveal = mosaic, cell, reveal
        self.update()

    def set_thick(self, on: bool) -> None:
        self._pen.setWidthF(6 if on else 3)
        self.update()

    def set_dark(self, on: bool) -> None:
        """Veils a shade off the dark background, not light boxes on it."""
        self._veil = self.VEIL_DARK if on else self.VEIL
        self.update()

    def veil_colour(self) -> QColor:
        return QColor(self._veil)

    def set_drawn_step(self, step: int) -> None:
        """Maps drawn from every ``step``-th cell cover whole steps: the veils cover them too."""
        self._drawn_step = max(1, step)
        self.update()

    def frame_rect(self, k: int) -> QRectF | None:
        """Where map ``k``'s current-cell frame is drawn (view coordinates), or None when hidden."""
        if self._mosaic is None or self._cell is None or not 0 <= k < self._mosaic.count:
            return None
        oy, ox = self._mosaic.origin(k)
        r, c = self._cell
        return QRectF(ox + c, oy + r, 1, 1)

    def veil_rects(self, k: int) -> list[QRectF]:
        """The veiled parts of map ``k``: the rest of the current row, then the rows below."""
        frame = self.frame_rect(k)
        if frame is None or not self._reveal:
            return []
        m = self._mosaic
        assert m is not None
        assert self._cell is not None
        oy, ox = m.origin(k)
        r, c = self._cell
        s = self._drawn_step
        w, h = -(-m.w // s) * s, -(-m.h // s) * s  # what the decimated image covers
        rects = []
        if c + 1 < m.w:
            rects.append(QRectF(ox + c + 1, oy + r, w - c - 1, 1))
        if r + 1 < m.h:
            rects.append(QRectF(ox, oy + r + 1, w, h - r - 1))
        return rects

    def boundingRect(self) -> QRectF:
        if self._mosaic is None:
            return QRectF()
        h, w = self._mosaic.shape
        return QRectF(-1, -1, w + 2, h + 2)  # room for the frame's pen outside the edge cells

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        if self._mosaic is None or self._cell is None:
            return
        count = self._mosaic.count
        if self._reveal:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self._veil)
            for k in range(count):
                for rect in self.veil_rects(k):
                    painter.drawRect(rect)
        painter.setPen(self._pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for k in range(count):
            rect = self.frame_rect(k)
            if rect is not None:
                painter.drawRect(rect)


class ColourBar(QWidget):
    """A vertical gradient with its value labels, so a colour can be read back as a number."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lut = lookup_table(DEFAULT_COLORMAP)
        self._levels = (-1.0, 1.0)
        self._shared = True
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Colour scale")

    def set_scale(self, lut: np.ndarray, levels: tuple[float, float], shared: bool) -> None:
        width = self.sizeHint().width()
        self._lut, self._levels, self._shared = lut, levels, shared
        if self.sizeHint().width() != width:
            self.updateGeometry()  # wider labels (more digits): ask for the room
        self.setToolTip(
            "One colour scale for every map" if shared else "Each map has its own scale; labels are for the first map"
        )
        self.update()

    def sizeHint(self) -> QSize:
        """Room for the bar and its widest label in the current type (projector type included)."""
        fm = self.fontMetrics()
        lo, hi = self._levels
        width = 34 + max(fm.horizontalAdvance(format_value(v, 60)) for v in (lo, hi, (lo + hi) / 2))
        if not self._shared:
            width = max(width, fm.horizontalAdvance("per map") + 4)
        return QSize(max(76, width), 300)

    def minimumSizeHint(self) -> QSize:
        """Tall enough that the end labels, the bar between them and "per map" never overlap."""
        return QSize(self.sizeHint().width(), max(100, 4 * self.fontMetrics().height() + 8))

    def _bar_rect(self) -> QRectF:
        """The gradient: half a line of type above and below it for the end labels (centred on its
        ends), and under that a line for "per map" when each map has its own scale."""
        fm = self.fontMetrics()
        top = fm.height() / 2 + 1
        bottom = self.height() - fm.height() / 2 - 1 - (0 if self._shared else fm.height() + 2)
        return QRectF(6, top, 18, max(10, bottom - top))

    def label_rects(self) -> list[tuple[str, QRectF]]:
        """Every label and where it is drawn, none overlapping another: the middle value is left out
        when the bar is too short to hold it between the ends."""
        fm = self.fontMetrics()
        bar = self._bar_rect()
        lo, hi = self._levels
        x = bar.right() + 6
        placed: list[tuple[str, QRectF]] = []
        for frac, value in ((0.0, hi), (1.0, lo), (0.5, (lo + hi) / 2)):
            text = format_value(value, 60)
            y = bar.top() + frac * bar.height()
            rect = QRectF(x, y - fm.height() / 2, fm.horizontalAdvance(text) + 1, fm.height())
            if all(not rect.intersects(other) for _, other in placed):
                placed.append((text, rect))
        if not self._shared:
            placed.append(("per map", QRectF(2, self.height() - fm.height() - 1, fm.horizontalAdvance("per map") + 1,
                                             fm.height())))
        return placed

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        bar = self._bar_rect()
        grad = QLinearGradient(bar.topLeft(), bar.bottomLeft())
        for i in range(0, 256, 15):
            r, g, b = (int(v) for v in self._lut[255 - i])
            grad.setColorAt(i / 255, QColor(r, g, b))
        p.fillRect(bar, grad)
        p.setPen(QPen(QColor(90, 90, 90), 1))
        p.drawRect(bar)
        p.setPen(self.palette().windowText().color())
        for y in (bar.top(), bar.center().y(), bar.bottom()):
            p.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 4, y))
        for text, rect in self.label_rects():
            p.drawText(rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        p.end()


class FeatureMaps(QWidget):
    """All F maps in a grid that fits the pane, a colour bar, and a line that reads the hovered cell."""

    cell_clicked = Signal(int, int, int)  # filter, row, col
    cell_hovered = Signal(int, int, int)  # filter, row, col under the pointer; (-1, -1, -1) off every cell

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view_widget = pg.GraphicsView(background="w")
        self.view = pg.ViewBox(lockAspect=True, enableMouse=False, invertY=True, enableMenu=False)
        self.view_widget.setCentralItem(self.view)
        self.image = pg.ImageItem(axisOrder="row-major")
        # The scaled mosaic is kept as a device pixmap until the maps or the zoom change, so a step
        # (frames moving over every map) blits it instead of rescaling the image.
        self.image.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.view.addItem(self.image)
        self.titles = MapTitles()
        self.view.addItem(self.titles)
        self.marks = CellMarks()
        self.view.addItem(self.marks)
        self.numbers = CellNumbers()
        self.view.addItem(self.numbers)
        self.colour_bar = ColourBar()
        self.hover = QLabel(" ")
        self.hover.setAccessibleName("Hovered feature-map cell")

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.view_widget, 1)
        row.addWidget(self.colour_bar)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row, 1)
        layout.addWidget(self.hover)

        self._colormap = DEFAULT_COLORMAP
        self._lut = lookup_table(DEFAULT_COLORMAP)
        self._shared = True
        self._maps = np.zeros((1, 1, 1), np.float32)
        self._hovered: tuple[int, int, int] | None = None  # (filter, row, col) under the pointer
        self._levels = np.array([[-1.0, 1.0]])
        self._mosaic: Mosaic | None = None
        self._cell: tuple[int, int] | None = None
        self._reveal = False
        self._background = BACKGROUND
        self.view_widget.installEventFilter(self)
        self.view_widget.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.view_widget.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.setAccessibleName("Feature maps")

    # ------------------------------------------------------------------ reading back
    def map_count(self) -> int:
        return self._maps.shape[0]

    def image_data(self, index: int) -> np.ndarray:
        """The values map ``index`` shows (what the numbers and the hover read)."""
        return self._maps[index]

    def levels(self, index: int = 0) -> tuple[float, float]:
        return float(self._levels[index, 0]), float(self._levels[index, 1])

    def mosaic(self) -> Mosaic | None:
        return self._mosaic

    def cell_scene_rect(self, filter_index: int, row: int, col: int) -> QRectF:
        """Where a cell is drawn, in this widget's view coordinates (for tests and tooltips)."""
        assert self._mosaic is not None
        oy, ox = self._mosaic.origin(filter_index)
        return self.view.mapViewToScene(QRectF(ox + col, oy + row, 1, 1)).boundingRect()

    # ------------------------------------------------------------------ data in
    def set_style(self, colormap: str, shared_scale: bool) -> None:
        """Colour map and scale for the next ``set_maps`` (one redraw, not one per setting)."""
        if colormap not in COLORMAPS:
            raise ValueError(f"unknown colour map {colormap!r}")
        if colormap != self._colormap:
            self._colormap = colormap
            self._lut = lookup_table(colormap)
        self._shared = shared_scale

    def set_maps(self, maps: np.ndarray, ranges: np.ndarray | None = None) -> None:
        """Show (F, H', W') maps; the tiling is rebuilt only when the shape or the pane changes.
        ``ranges``: each map's (min, max) when already known. A hovered cell's readout follows the new
        values, and goes when the maps change shape (another scene: that cell may not exist)."""
        if maps.shape != self._maps.shape:
            self._hovered = None
        self._maps = maps
        self._ranges = ranges
        self._redraw()

    def set_cell(self, row: int | None, col: int | None) -> None:
        """Frame the current output cell on every map (None hides the frames); moves overlays only."""
        self._cell = None if row is None or col is None else (row, col)
        self._place_frames()

    def set_thick(self, on: bool) -> None:
        """Projector mode: thicker current-cell frames and larger numbers."""
        self.numbers.set_scale(0.44 if on else 0.34)
        self.marks.set_thick(on)

    def set_dark(self, on: bool) -> None:
        self._background = (18, 18, 20) if on else (255, 255, 255)
        self.view_widget.setBackground(self._background)  # the same as the mosaic's gaps: no seam
        self.marks.set_dark(on)
        self._mosaic = None  # rebuild the titles in the new ink
        self._redraw()

    def set_reveal(self, on: bool) -> None:
        """Reveal mode: cells after the current one (row-major) are veiled, as in the article's GIF."""
        self._reveal = on
        self._place_frames()

    def revealed(self, filter_index: int, row: int, col: int) -> bool:
        """Whether a cell is visible (not veiled) right now."""
        if not self._reveal or self._cell is None:
            return True
        return (row, col) <= self._cell

    # ------------------------------------------------------------------ drawing
    def _redraw(self) -> None:
        f, h, w = self._maps.shape
        vw = max(50, self.view_widget.width())
        vh = max(50, self.view_widget.height())
        mosaic = plan_mosaic(f, h, w, vw, vh, title_px=QFontMetrics(self.font()).height() + 4)
        rebuilt = mosaic != self._mosaic
        if rebuilt:
            self._mosaic = mosaic
            self._build_titles()
        cmap = COLORMAPS[self._colormap]
        ranges = getattr(self, "_ranges", None)
        if ranges is not None and len(ranges) != f:
            ranges = None
        self._levels = scale_levels(self._maps, cmap.diverging, self._shared, ranges)
        mh, mw = mosaic.shape
        # Never colour more cells than the screen has pixels: large maps are drawn from every s-th
        # cell (numbers, hover and clicks still read the full maps).
        s = max(1, int(1.0 / max(1e-9, min(vw / mw, vh / mh))))
        colours = colour_maps(self._maps[:, ::s, ::s], self._levels, self._lut)
        rgb = np.empty((-(-mh // s), -(-mw // s), 3), np.uint8)
        rgb[...] = self._background
        th, tw = colours.shape[1:3]
        for k in range(f):
            oy, ox = mosaic.origin(k)
            rgb[oy // s : oy // s + th, ox // s : ox // s + tw] = colours[k]
        self.image.setImage(rgb, autoLevels=False, levels=(0, 255))
        self.image.setRect(QRectF(0, 0, rgb.shape[1] * s, rgb.shape[0] * s))
        self.marks.set_drawn_step(s)
        self.numbers.set_data(self._maps, colours, mosaic)
        self.colour_bar.set_scale(self._lut, self.levels(0), self._shared)
        self._show_hover()
        if rebuilt:
            self.view.setRange(QRectF(0, 0, mw, mh), padding=0.01)
            self._place_frames()

    def _build_titles(self) -> None:
        assert self._mosaic is not None
        m = self._mosaic
        font = QFont()
        font.setPointSizeF(max(8.0, self.font().pointSizeF()))
        mh, mw = m.shape
        scale = min(max(50, self.view_widget.width()) / mw, max(50, self.view_widget.height()) / mh)
        pitch = (m.w + m.gap_x) * scale  # screen pixels from one map's left edge to the next
        fits = QFontMetrics(font).horizontalAdvance(f"{self._noun} {m.count}") + 8 <= pitch
        every = 1
        if not fits:
            # Numbers alone; narrower type if even "32" is wider than a map, and past a floor of
            # 7 pt, every n-th map numbered, so titles never run into each other.
            widest = QFontMetrics(font).horizontalAdvance(str(m.count)) + 4
            if widest > pitch:
                font.setPointSizeF(max(7.0, font.pointSizeF() * pitch / widest))
                widest = QFontMetrics(font).horizontalAdvance(str(m.count)) + 4
                every = math.ceil(widest / pitch)
        ink = QColor(30, 30, 30) if sum(self._background) > 380 else QColor(230, 230, 230)
        titles = []
        for k in range(0, m.count, every):
            oy, ox = m.origin(k)
            titles.append((f"{self._noun} {k + 1}" if fits else f"{k + 1}", float(ox), float(oy)))
        self.titles.set_titles(titles, font, ink, QRectF(0, 0, mw, mh))

    def _place_frames(self) -> None:
        self.marks.set_marks(self._mosaic, self._cell, self._reveal)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._redraw()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and hasattr(self, "_maps"):
            self._mosaic = None  # titles in the new size, and room for them
            self._redraw()

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        self._redraw()

    # ------------------------------------------------------------------ mouse
    def _locate_scene(self, scene_pos: QPointF) -> tuple[int, int, int] | None:
        if self._mosaic is None:
            return None
        p = self.view.mapSceneToView(scene_pos)
        return self._mosaic.locate(p.y(), p.x())

    def describe(self, filter_index: int, row: int, col: int) -> str:
        value = float(self._maps[filter_index, row, col])
        return f"{self._noun} {filter_index + 1}, row {row}, column {col}: {value:.6g}"

    _noun = "filter"

    def set_noun(self, noun: str) -> None:
        """What one map is called in its title: a Conv2D's "filter", another layer's "channel"."""
        if noun != self._noun:
            self._noun = noun
            if self._mosaic is not None:
                self._build_titles()

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        hit = self._locate_scene(scene_pos)
        if hit != self._hovered:
            self.cell_hovered.emit(*(hit or (-1, -1, -1)))
        self._hovered = hit
        self._show_hover()

    def _show_hover(self) -> None:
        hit = self._hovered
        self.hover.setText(self.describe(*hit) + "   (click to step there)" if hit else " ")

    def eventFilter(self, watched: object, event: QEvent) -> bool:
        if watched is self.view_widget and event.type() == QEvent.Type.Leave:
            if self._hovered is not None:
                self.cell_hovered.emit(-1, -1, -1)
            self._hovered = None  # the pointer left the maps: no cell is under it any more
            self._show_hover()
        return False

    def picture(self) -> QImage:
        """The maps and their colour bar as Export > Feature maps writes them: without the hover line,
        which tells where the pointer was, not what the maps are."""
        text = self.hover.text()
        self.hover.setText(" ")
        try:
            return self.grab().toImage()
        finally:
            self.hover.setText(text)

    def _on_mouse_clicked(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.button() != Qt.MouseButton.LeftButton:
            return
        hit = self._locate_scene(event.scenePos())
        if hit is not None:
            self.cell_clicked.emit(*hit)
