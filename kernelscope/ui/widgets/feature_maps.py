"""Every filter's feature map at once, tiled into one image so 32 or 64 maps repaint in one frame.

pyqtgraph's cost is per item more than per pixel (architecture.md), so the maps are coloured in
NumPy and tiled into a single RGB ``ImageItem``; numbers, titles and the current-cell frames are
cheap overlays on top. The widget never edits data: clicks become ``cell_clicked``.
"""

from __future__ import annotations

import math
import os
from dataclasses import replace

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QKeyEvent,
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
from kernelscope.ui.widgets import loupe
from kernelscope.ui.widgets.digit_size import PROJECTOR_NUMBERS_CAP, font_for_digits
from kernelscope.ui.widgets.focus_view import (
    FOCUS_TEXT_SCALE,
    FOCUS_TEXT_SCALE_THICK,
    FOCUS_TEXT_WIDTH,
    FOCUS_TEXT_WIDTH_THICK,
    FocusBar,
    focus_text_px,
)
from kernelscope.ui.widgets.map_pages import MapPager, Mosaic, plan_mosaic, plan_page

BACKGROUND = (255, 255, 255)
FRAME_RED = QColor(*WINDOW_RED)
__all__ = ["CellMarks", "ColourBar", "FeatureMaps", "Mosaic", "plan_mosaic"]  # the last two live in map_pages


class CellNumbers(QGraphicsItem):
    """Writes each cell's value at a fixed pixel size, only where cells are big enough to read."""

    def __init__(self) -> None:
        super().__init__()
        self._maps = np.zeros((0, 1, 1), np.float32)
        self._colours = np.zeros((0, 1, 1, 3), np.uint8)
        self._mosaic = Mosaic(0, 1, 1, 1, 1, 1)
        self._scale = 0.34
        self._focus_scale: float | None = None  # set: one focused map, numbers as large as they fit
        self._focus_width = FOCUS_TEXT_WIDTH
        self._cap_px: int | None = None  # projector: numbers follow the type's size, not the cell's
        # Drawn once per change of the maps or the zoom, then blitted: a step repaints the frames.
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def set_scale(self, fraction: float) -> None:
        """Text height as a fraction of the cell."""
        self._scale = fraction
        self.update()

    def set_focus_scale(self, fraction: float | None, width: float = FOCUS_TEXT_WIDTH) -> None:
        """A focused map's text height as a fraction of the cell, and the widest number's share of
        the cell's width (None: the mosaic's small numbers)."""
        self._focus_scale, self._focus_width = fraction, width
        self.update()

    def set_cap(self, px: int | None) -> None:
        """The largest pixel size of the numbers (None: as the cells allow). In projector mode the
        numbers follow the chosen type size, so Bigger, which takes room for the arithmetic and
        shrinks the cells, never makes the class's digits smaller."""
        self._cap_px = px
        self.update()

    def set_data(self, maps: np.ndarray, colours: np.ndarray, mosaic: Mosaic) -> None:
        self.prepareGeometryChange()
        self._maps, self._colours, self._mosaic = maps, colours, mosaic
        self.update()

    def text_px(self, cell_px: float) -> int | None:
        """The numbers' pixel size at ``cell_px`` device pixels a cell, or None when none are written."""
        if not self._maps.size:
            return None
        if self._focus_scale is not None:
            px = focus_text_px(self._maps, cell_px, self._focus_scale, QFont(), self._focus_width)
        elif cell_px < MIN_CELL_PX_FOR_TEXT:
            return None
        else:
            px = int(max(9, min(64, cell_px * self._scale)))
        return px if px is None or self._cap_px is None else min(px, self._cap_px)

    def texts(self, cell_px: float) -> list[tuple[int, int, int, str]]:
        """(tile, row, col, text) of every number written at ``cell_px``."""
        if self.text_px(cell_px) is None:
            return []
        m = self._mosaic
        return [(k, r, c, format_value(float(self._maps[k, r, c]), cell_px))
                for k in range(m.count) for r in range(m.h) for c in range(m.w)]

    def boundingRect(self) -> QRectF:
        h, w = self._mosaic.shape
        return QRectF(0, 0, w, h)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        transform = painter.worldTransform()
        cell_px = min(abs(transform.m11()), abs(transform.m22()))
        px = self.text_px(cell_px)
        if px is None:
            return
        exposed = option.exposedRect  # type: ignore[attr-defined]
        painter.save()
        painter.setWorldTransform(QTransform())
        font = QFont()
        font.setPixelSize(px)
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
        return QSize(self.sizeHint().width(), max(80, 4 * self.fontMetrics().height() + 8))

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


class _MapLoupe(QWidget):
    """Paints the focused map's loupe over the view; clicks go through to the map."""

    def __init__(self, owner: FeatureMaps) -> None:
        super().__init__(owner.view_widget)
        self.owner = owner
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        owner.view_widget.installEventFilter(self)

    def eventFilter(self, watched: object, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.setGeometry(self.owner.view_widget.rect())
        return False

    def paintEvent(self, event: QPaintEvent) -> None:
        shown = self.owner._map_loupe()
        cell = self.owner._cell
        if shown is None or cell is None:
            return
        p = QPainter(self)
        taps = (np.array([[cell[0]]]), np.array([[cell[1]]]))
        loupe.paint(p, shown, self.font(), True, taps, None, set())
        frame = self.owner.cell_scene_rect(self.owner._focus or 0, *cell)
        loupe.paint_leader(p, shown.panel, frame)
        p.end()


class FeatureMaps(QWidget):
    """All F maps in a grid that fits the pane, a colour bar, and a line that reads the hovered cell.

    Focus view: one map large (numbers written when they are big enough to read) above a strip of
    the others; the large map is a one-map mosaic, so frames, hover and clicks work on it unchanged.
    """

    cell_clicked = Signal(int, int, int)  # filter, row, col
    cell_hovered = Signal(int, int, int)  # filter, row, col under the pointer; (-1, -1, -1) off every cell
    focus_changed = Signal(object)  # the focused map's index, or None back on the mosaic

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
        self.focus_bar = FocusBar()
        self.focus_bar.hide()
        self.pager = MapPager()
        self.pager.hide()
        self.pager.turned.connect(self.turn_page)
        self.hover = QLabel(" ")
        self.hover.setAccessibleName("Hovered feature-map cell")
        # The pane's width is never the readout's: a long line is cut at the edge, not pushing the
        # maps' pane wider (and the input's narrower) on every hover.
        self.hover.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self._row = QHBoxLayout()
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.addWidget(self.view_widget, 1)
        self._row.addWidget(self.colour_bar)
        self._column = QVBoxLayout(self)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.addLayout(self._row, 1)
        self._column.addWidget(self.focus_bar)
        self._foot = QHBoxLayout()  # the pager beside the hover line: turning pages never costs the maps a line
        self._foot.setContentsMargins(0, 0, 0, 0)
        self._foot.addWidget(self.pager)
        self._foot.addWidget(self.hover, 1)
        self._column.addLayout(self._foot)

        self._colormap = DEFAULT_COLORMAP
        self._lut = lookup_table(DEFAULT_COLORMAP)
        self._shared = True
        self._maps = np.zeros((1, 1, 1), np.float32)
        self._hovered: tuple[int, int, int] | None = None  # (filter, row, col) under the pointer
        self._levels = np.array([[-1.0, 1.0]])
        self._mosaic: Mosaic | None = None
        self._cell: tuple[int, int] | None = None
        self._reveal = False
        self._thick = False
        self._background = BACKGROUND
        self._focus: int | None = None  # the map shown large, or None for the mosaic of all
        self._current_map = 0  # the map Enter focuses: the last one clicked, or the window's choice
        self._page_anchor = 0  # too many maps for the pane: the page holding this map is shown
        self._page = (0, 1)  # the first map shown and how many a page holds
        self._redraws = 0
        self._planned_for = (0, 0)  # the view's size the mosaic was last planned for
        self._maps_hw: tuple[int, ...] = (1, 1)
        self._min_text_px: int | None = None  # projector: numbers this large, through the focus view
        self._auto_focused = False
        self._digit_px: int | None = None
        self.map_loupe = _MapLoupe(self)
        self.view_widget.installEventFilter(self)
        self.view_widget.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.view_widget.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.focus_bar.strip.chosen.connect(self._on_thumbnail_chosen)
        self.focus_bar.back.clicked.connect(lambda: self.focus(None))
        self.setFocusProxy(self.view_widget)  # keys (Enter, Esc) reach the maps after a click on them
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
        """The tiling drawn: every map, or in the focus view the focused one alone."""
        return self._mosaic

    def shown_maps(self) -> list[int]:
        """The maps drawn in the view, tile by tile: every one (or a page of them), or the focused one."""
        if self._focus is not None:
            return [self._focus]
        first, size = self._page
        return list(range(first, min(first + size, self.map_count())))

    def page(self) -> tuple[int, int]:
        """The maps of the page shown: the first and one past the last (every map: 0 and the count)."""
        first, size = self._page
        return first, min(first + size, self.map_count())

    def turn_page(self, pages: int) -> None:
        """``pages`` pages on (back when negative), within the first and the last page."""
        first, size = self._page
        last = (self.map_count() - 1) // max(1, size) * size
        anchor = max(0, min(last, first + pages * size))
        if anchor != first:
            self._page_anchor = anchor
            self._hovered = None
            self._redraw()

    def _plan(self, vw: float, vh: float) -> Mosaic:
        """The page of maps that fits the view (every map when all are readable), its first map chosen
        so the page holds the anchor."""
        f, h, w = self._maps.shape
        page = plan_page(f, h, w, vw, vh, title_px=QFontMetrics(self.font()).height() + 4)
        size = max(1, page.count)
        first = min(max(0, self._page_anchor), max(0, f - 1)) // size * size
        self._page = (first, size)
        return page if first + size <= f else replace(page, count=f - first)

    def _tile(self, filter_index: int) -> int:
        shown = self.shown_maps()
        if filter_index not in shown:
            raise ValueError(f"map {filter_index} is not drawn large now (focused: {self._focus})")
        return shown.index(filter_index)

    def cell_scene_rect(self, filter_index: int, row: int, col: int) -> QRectF:
        """Where a cell is drawn, in this widget's view coordinates (for tests and tooltips)."""
        assert self._mosaic is not None
        oy, ox = self._mosaic.origin(self._tile(filter_index))
        return self.view.mapViewToScene(QRectF(ox + col, oy + row, 1, 1)).boundingRect()

    def frame_scene_rect(self, filter_index: int) -> QRectF | None:
        """Where the current-cell frame on map ``filter_index`` is drawn (view widget coordinates)."""
        rect = self.marks.frame_rect(self._tile(filter_index))
        return None if rect is None else self.view.mapViewToScene(rect).boundingRect()

    def cell_px(self) -> float:
        """How many screen pixels one cell is across now."""
        return 1.0 / max(1e-9, self.view.viewPixelSize()[0])

    def text_px(self) -> int | None:
        """The pixel size of the numbers written in the cells now, or None when none are."""
        return self.numbers.text_px(self.cell_px())

    def cell_texts(self) -> list[tuple[int, int, int, str]]:
        """(filter, row, col, text) of every number written in a cell now."""
        shown = self.shown_maps()
        return [(shown[k], r, c, text) for k, r, c, text in self.numbers.texts(self.cell_px())]

    def thumbnail_count(self) -> int:
        """How many maps the focus view's strip shows (0 on the mosaic)."""
        return self.focus_bar.strip.count() if self._focus is not None else 0

    def thumbnail_rect(self, k: int) -> QRect:
        """Where map ``k``'s thumbnail is on the strip's viewport (for a click)."""
        return self.focus_bar.strip.tile_rect(k)

    # ------------------------------------------------------------------ focus
    def focused(self) -> int | None:
        """The map shown large, or None when every map is tiled."""
        return self._focus

    def focus(self, k: int | None) -> None:
        """Show map ``k`` large with the others as thumbnails; None goes back to all maps."""
        if k is not None and not 0 <= k < self.map_count():
            raise ValueError(f"no map {k}: there are {self.map_count()}")
        if k == self._focus:
            return
        self._auto_focused = False
        self._focus = k
        if k is not None:
            self._current_map = k
        self._hovered = None  # the cell under the pointer is another one now
        self.numbers.set_focus_scale(*self._focus_text())
        self._place_focus_bar()
        self.focus_bar.setVisible(k is not None)
        self._mosaic = None
        self._redraw()
        self.focus_changed.emit(k)

    def _place_focus_bar(self) -> None:
        """The strip goes where it takes the least from the large map: under it in a wide pane with
        a tall map, beside it otherwise. Thumbnails are at most a seventh of the pane's height."""
        strip = self.focus_bar.strip
        strip.largest = max(28, min(4 * self.fontMetrics().height(), self.height() // 7, 120))
        if self._focus is None:
            return
        h, w = self._maps.shape[1:]
        width = max(1, self.width() - self.colour_bar.sizeHint().width())
        height = max(1, self.height() - self.hover.sizeHint().height())
        fm = self.fontMetrics()
        under = strip.largest + fm.height() + 16 + self.focus_bar.back.sizeHint().height() // 4
        beside = self.focus_bar.column_width() + 12
        vertical = min((width - beside) / w, height / h) > min(width / w, (height - under) / h)
        vertical = vertical and not self._thick  # a projector's bar is one short line: under the map
        if vertical != (self._row.indexOf(self.focus_bar) >= 0):
            (self._column if vertical else self._row).removeWidget(self.focus_bar)
            if vertical:
                self._row.insertWidget(0, self.focus_bar)
            else:
                self._column.insertWidget(1, self.focus_bar)
        if vertical != self.focus_bar.vertical:
            self.focus_bar.set_vertical(vertical)
        self.focus_bar.strip.setVisible(not self._thick)  # a projector's room goes to the large map

    def set_current_map(self, k: int) -> None:
        """The map Enter focuses (the window's selected filter); a click on a map chooses it too. A map
        shown large because the mosaic could not hold the promised digits follows it."""
        chosen = k != self._current_map
        self._current_map = k
        first, stop = self.page()
        if chosen and not first <= k < stop and 0 <= k < self.map_count():  # another page holds it: turn to it
            self._page_anchor = k
            if self._focus is None:
                self._hovered = None
                self._redraw()
        if self._auto_focused and self._focus is not None and k != self._focus and 0 <= k < self.map_count():
            self.focus(k)
            self._auto_focused = True

    def set_digit_px(self, px: int | None) -> None:
        """Projector mode: the current cell's number must stand ``px`` tall. Where the mosaic's cells
        cannot hold that, the current map is shown large (and, on a fine map, the current cell's
        neighbourhood, following the cell); None gives the mosaic back if that is what took it."""
        self._min_text_px = None if px is None else font_for_digits(QFont(), px).pixelSize()
        self._digit_px = px
        self.numbers.set_cap(None if self._min_text_px is None else int(self._min_text_px * PROJECTOR_NUMBERS_CAP))
        self.map_loupe.update()
        if px is None:
            if self._auto_focused:
                self.focus(None)
            self._auto_focused = False
            return
        self._check_legible()

    def auto_focused(self) -> bool:
        """Whether the map shown large was chosen because the mosaic could not hold the digits."""
        return self._auto_focused

    def _mosaic_text_px(self) -> int | None:
        """The numbers' size the mosaic of every map would have in this view."""
        f, h, w = self._maps.shape
        vw, vh = max(50, self.view_widget.width()), max(50, self.view_widget.height())
        mosaic = plan_page(f, h, w, vw, vh, title_px=QFontMetrics(self.font()).height() + 4)
        mh, mw = mosaic.shape
        cell = min(vw / mw, vh / mh) * 0.98
        return None if cell < MIN_CELL_PX_FOR_TEXT else int(max(9, min(64, cell * self.numbers._scale)))

    def _check_legible(self) -> None:
        """On the mosaic with a digit promise it cannot keep: the current map, large."""
        if self._min_text_px is None or self._focus is not None or not self.map_count() or not self.isVisible():
            return
        px = self._mosaic_text_px()
        if px is None or px < self._min_text_px:
            self.focus(min(self._current_map, self.map_count() - 1))
            self._auto_focused = True

    def _map_loupe(self) -> loupe.LoupeLayout | None:
        """Over a focused map whose cells are too small for the promised digits: the current cell and
        its neighbours, enlarged, with their numbers (the map itself stays in view)."""
        if self._min_text_px is None or self._focus is None or self._cell is None or self._mosaic is None:
            return None
        px = self.text_px()
        if px is not None and px >= self._min_text_px:
            return None
        k, (row, col) = self._focus, self._cell
        h, w = self._maps.shape[1:]
        frame = self.cell_scene_rect(k, row, col)
        lo, hi = self.levels(k)

        def info(r: int, c: int) -> tuple[float | None, QColor]:
            value = float(self._maps[k, r, c])
            rgb = colour_maps(self._maps[k : k + 1, r : r + 1, c : c + 1], np.array([[lo, hi]]), self._lut)[0, 0, 0]
            return value, QColor(int(rgb[0]), int(rgb[1]), int(rgb[2]))

        return loupe.layout(widget=QRectF(self.view_widget.rect()), avoid=frame, window=(row, row, col, col),
                            bounds=(0, h - 1, 0, w - 1), info=info, thick=True, base_font=self.font(),
                            digit_px=self._digit_px, least_digit_px=loupe.THICK_DIGIT_PX)

    def loupe_visible(self) -> bool:
        return self._map_loupe() is not None

    def loupe_rect(self) -> QRectF | None:
        """The map loupe's panel in the view widget's pixels, None while it is hidden."""
        shown = self._map_loupe()
        return None if shown is None else shown.panel

    def loupe_digit_px(self) -> int:
        shown = self._map_loupe()
        return 0 if shown is None else shown.digit_px

    def _focus_text(self) -> tuple[float | None, float]:
        """The focused map's text height and width shares of a cell (projector: larger digits)."""
        if self._thick:
            return (FOCUS_TEXT_SCALE_THICK if self._focus is not None else None), FOCUS_TEXT_WIDTH_THICK
        return (FOCUS_TEXT_SCALE if self._focus is not None else None), FOCUS_TEXT_WIDTH

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
        values, and goes when the maps change shape (another scene: that cell may not exist). A focus
        stays while its map exists (a weight edit, a step), and goes with it."""
        if maps.shape != self._maps.shape:
            self._hovered = None
        if maps.shape[0] != self._maps.shape[0]:  # another layer: its page holds the chosen map
            self._page_anchor = min(self._current_map, maps.shape[0] - 1)
        self._maps = maps
        self._ranges = ranges
        lost_focus = self._focus is not None and self._focus >= maps.shape[0]
        if lost_focus:
            self._focus = None
            self.numbers.set_focus_scale(None)
            self.focus_bar.hide()
            self._mosaic = None
        self._current_map = max(0, min(self._current_map, maps.shape[0] - 1))
        if self._focus is not None and maps.shape[1:] != self._maps_hw:
            self._place_focus_bar()  # a taller or wider map may want the strip on the other side
        reshaped = maps.shape[1:] != self._maps_hw
        self._maps_hw = maps.shape[1:]
        self._redraw()
        if lost_focus:
            self._auto_focused = False
            self.focus_changed.emit(None)
        if reshaped or lost_focus:
            self._check_legible()

    def set_cell(self, row: int | None, col: int | None) -> None:
        """Frame the current output cell on every map (None hides the frames); moves overlays only."""
        self._cell = None if row is None or col is None else (row, col)
        self._place_frames()

    def set_thick(self, on: bool) -> None:
        """Projector mode: thicker current-cell frames and larger numbers."""
        self._thick = on
        self.numbers.set_scale(0.44 if on else 0.34)
        self.numbers.set_focus_scale(*self._focus_text())
        self.marks.set_thick(on)
        self._place_focus_bar()
        if self._focus is not None and self._mosaic is not None:
            self._build_titles()

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
        self._planned_for = (self.view_widget.width(), self.view_widget.height())
        if self._focus is None:
            mosaic = self._plan(vw, vh)
        else:
            mosaic = Mosaic(1, h, w, 1, 1, 0)  # its title is in the focus bar: the map fills the view
        first, stop = self.page()
        self.pager.set_page(first, stop, f)
        self._redraws += 1
        drawing = self._redraws
        self.pager.setVisible(self._focus is None and (first > 0 or stop < f))
        if self._redraws != drawing:
            return  # the pager coming or going resized the view, which has been drawn for its new size
        shown = self.shown_maps()
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
        drawn = self._maps[first:stop] if self._focus is None else self._maps[self._focus : self._focus + 1]
        colours = colour_maps(drawn[:, ::s, ::s], self._levels[shown], self._lut)
        rgb = np.empty((-(-mh // s), -(-mw // s), 3), np.uint8)
        rgb[...] = self._background
        th, tw = colours.shape[1:3]
        for k in range(len(shown)):
            oy, ox = mosaic.origin(k)
            rgb[oy // s : oy // s + th, ox // s : ox // s + tw] = colours[k]
        self.image.setImage(rgb, autoLevels=False, levels=(0, 255))
        self.image.setRect(QRectF(0, 0, rgb.shape[1] * s, rgb.shape[0] * s))
        self.marks.set_drawn_step(s)
        self.numbers.set_data(drawn, colours, mosaic)
        self.colour_bar.set_scale(self._lut, self.levels(self._focus or 0), self._shared)
        if self._focus is not None:
            t = max(1, max(h, w) // 64)  # a thumbnail needs no more than 64 cells across
            thumbs = colour_maps(self._maps[:, ::t, ::t], self._levels, self._lut)
            self.focus_bar.strip.set_maps(thumbs, (h, w), self._focus)
        self._show_hover()
        if rebuilt:
            self.view.setRange(QRectF(0, 0, mw, mh), padding=0.01)
            self._place_frames()

    def _title(self, k: int, short: bool) -> str:
        if short:
            return f"{k + 1}"
        if self._focus is not None:
            return f"{self._noun} {k + 1} of {self.map_count()}"
        return f"{self._noun} {k + 1}"

    def _build_titles(self) -> None:
        assert self._mosaic is not None
        m = self._mosaic
        shown = self.shown_maps()
        font = QFont()
        font.setPointSizeF(max(8.0, self.font().pointSizeF()))
        mh, mw = m.shape
        if self._focus is not None:
            if self._thick:  # a projector's pane is narrow for its type: "filter 3", not "filter 3 of 32"
                self.focus_bar.set_title(f"{self._noun} {self._focus + 1}", f"{self._noun} {self.map_count()}")
            else:
                self.focus_bar.set_title(self._title(self._focus, False), self._title(self.map_count() - 1, False))
            self.titles.set_titles([], QFont(), QColor(), QRectF(0, 0, mw, mh))
            return
        # The view shows the mosaic with a margin of a hundredth on each side: a little smaller than fitted.
        scale = min(max(50, self.view_widget.width()) / mw, max(50, self.view_widget.height()) / mh) / 1.02
        pitch = (m.w + m.gap_x) * scale  # screen pixels from one map's left edge to the next
        fits = QFontMetrics(font).horizontalAdvance(self._title(shown[-1], False)) + 8 <= pitch
        if not fits:
            # Numbers alone; narrower type if the widest number is wider than a map, down to 7 pt.
            widest = max(QFontMetrics(font).horizontalAdvance(str(k + 1)) for k in shown) + 4
            if widest > pitch:
                font.setPointSizeF(max(7.0, font.pointSizeF() * pitch / widest))
        metrics = QFontMetrics(font)
        # Every n-th column numbered, n from the widest title, so titles never run into each other.
        widest = max(metrics.horizontalAdvance(self._title(k, not fits)) for k in shown) + 4
        every = max(1, math.ceil(widest / pitch))
        ink = QColor(30, 30, 30) if sum(self._background) > 380 else QColor(230, 230, 230)
        titles = []
        right_edge = mw * scale
        ends: dict[int, float] = {}  # each row's last title's right end, in pixels
        for tile in range(m.count):
            row, column = divmod(tile, m.columns)
            if column % every:
                continue
            text = self._title(shown[tile], not fits)
            oy, ox = m.origin(tile)
            left = min(ox * scale + 2, right_edge - metrics.horizontalAdvance(text))  # as MapTitles draws it
            if left < ends.get(row, -math.inf) + 4:
                continue  # the last column's title pushed back into its neighbour: left out
            ends[row] = left + metrics.horizontalAdvance(text)
            titles.append((text, float(ox), float(oy)))
        self.titles.set_titles(titles, font, ink, QRectF(0, 0, mw, mh))

    def _place_frames(self) -> None:
        self.map_loupe.update()
        self.marks.set_marks(self._mosaic, self._cell, self._reveal)
        self.focus_bar.strip.set_cell(self._cell, self.marks.veil_colour() if self._reveal else None)

    def minimumSizeHint(self) -> QSize:
        """The mosaic's: the focus bar (which asks for nothing) does not even add its spacing."""
        hint = super().minimumSizeHint()
        if not self.focus_bar.isHidden():
            if self.focus_bar.vertical:
                hint.setWidth(hint.width() - max(0, self._row.spacing()))
            else:
                hint.setHeight(hint.height() - max(0, self._column.spacing()))
        return hint

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._place_focus_bar()
        if (self.view_widget.width(), self.view_widget.height()) != self._planned_for:
            self._redraw()  # the view's own resize has not planned for this size yet
        self._check_legible()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange and hasattr(self, "_maps"):
            self._mosaic = None  # titles in the new size, and room for them
            self._place_focus_bar()
            self._redraw()

    def showEvent(self, event: object) -> None:
        super().showEvent(event)  # type: ignore[arg-type]
        self._redraw()

    # ------------------------------------------------------------------ mouse and keys
    def _locate_scene(self, scene_pos: QPointF) -> tuple[int, int, int] | None:
        if self._mosaic is None:
            return None
        p = self.view.mapSceneToView(scene_pos)
        hit = self._mosaic.locate(p.y(), p.x())
        if hit is None:
            return None
        tile, row, col = hit
        return self.shown_maps()[tile], row, col

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
        if watched is self.view_widget:
            kind = event.type()
            if kind == QEvent.Type.Leave:
                if self._hovered is not None:
                    self.cell_hovered.emit(-1, -1, -1)
                self._hovered = None  # the pointer left the maps: no cell is under it any more
                self._show_hover()
            elif kind == QEvent.Type.Resize and self.isVisible():
                # The strip coming or going resizes the view, not this widget: plan for the new room.
                if (self.view_widget.width(), self.view_widget.height()) != self._planned_for:
                    self._redraw()
            elif kind in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
                return self._on_key(event, kind == QEvent.Type.KeyPress)  # type: ignore[arg-type]
        return False

    def _on_key(self, event: QKeyEvent, press: bool) -> bool:
        """Enter focuses the current map, Esc goes back to all maps; other keys go on their way."""
        key = event.key()
        first, stop = self.page()
        if key in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown) and self._focus is None and (first, stop) != (
                0, self.map_count()):
            event.accept()
            if press:
                self.turn_page(1 if key == Qt.Key.Key_PageDown else -1)
            return press
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.map_count():
            wanted: int | None = min(self._current_map, self.map_count() - 1)
        elif key == Qt.Key.Key_Escape and self._focus is not None:
            wanted = None
        else:
            return False
        event.accept()  # a window shortcut on the same key does not take it from the maps
        if press:
            self.focus(wanted)
        return press

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self._on_key(event, True):
            super().keyPressEvent(event)

    def picture(self) -> QImage:
        """The maps and their colour bar as Export > Feature maps writes them: without the hover line,
        which tells where the pointer was, not what the maps are. In the focus view: what is shown."""
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
        if event.double():
            # The first click of the pair already stepped there; the second opens or closes the map.
            if hit is not None:
                self.focus(None if self._focus is not None else hit[0])
            return
        if hit is not None:
            self._current_map = hit[0]
            self.cell_clicked.emit(*hit)

    def _on_thumbnail_chosen(self, k: int) -> None:
        self.focus(k)
        self.view_widget.setFocus(Qt.FocusReason.MouseFocusReason)  # Esc still works after a thumbnail click
