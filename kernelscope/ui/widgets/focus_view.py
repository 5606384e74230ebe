"""The parts of the feature maps' focus view: one map large, the others as a strip of thumbnails.

The large map itself is the feature maps' own view showing a one-map mosaic, so its numbers, frame,
hover and clicks are the mosaic's; this module adds the strip that picks another map, the button
back to all maps, and how large the numbers on a focused map may be.
"""

from __future__ import annotations

import math
import os

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np
from PySide6.QtCore import QEvent, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QMouseEvent, QPainter, QPaintEvent, QPen, QResizeEvent
from PySide6.QtWidgets import QBoxLayout, QFrame, QLabel, QScrollArea, QSizePolicy, QToolButton, QWidget

from kernelscope.core.cell_text import format_value
from kernelscope.core.colour_scale import WINDOW_RED

# Numbers on a focused map are written only this large or larger: smaller is not read from a desk.
FOCUS_MIN_TEXT_PX = 14
# Text height as a fraction of the cell on a focused map (normal, projector); the width of the widest
# number can make it smaller, never larger.
FOCUS_TEXT_SCALE = 0.36
FOCUS_TEXT_SCALE_THICK = 0.5
FOCUS_TEXT_WIDTH = 0.76  # the widest number fills at most this much of a cell's width
FOCUS_TEXT_WIDTH_THICK = 0.84  # a projector trades the cells' margins for larger digits
FOCUS_TEXT_MAX_PX = 160
SMALLEST_TILE = 28  # px: below this a thumbnail is a coloured speck


def focus_text_px(values: np.ndarray, cell_px: float, scale: float, font: QFont,
                  width: float = FOCUS_TEXT_WIDTH) -> int | None:
    """The one pixel size for every number on a focused map, or None when that is too small to read.

    One size for the whole map (not per cell) so a map never mixes large, small and missing numbers.
    """
    if scale * cell_px < FOCUS_MIN_TEXT_PX or not values.size:
        return None  # too small whatever the numbers are: no need to write them all out
    probe = QFont(font)
    probe.setPixelSize(100)
    metrics = QFontMetricsF(probe)
    texts = {format_value(float(v), cell_px) for v in np.unique(values)}
    widest = max(metrics.horizontalAdvance(t) for t in texts) / 100  # px of width per px of size
    px = min(scale * cell_px, width * cell_px / max(widest, 1e-6), FOCUS_TEXT_MAX_PX)
    return int(px) if px >= FOCUS_MIN_TEXT_PX else None


class _Tiles(QWidget):
    """Every map as a small picture with its number under it, in a row or a column; the focused one
    outlined, the current cell framed in red as on the large map."""

    chosen = Signal(int)

    def __init__(self) -> None:
        super().__init__()
        self._images: list[QImage] = []
        self._map_hw = (1, 1)
        self._current: int | None = None
        self._cell: tuple[int, int] | None = None
        self._veil: QColor | None = None  # reveal mode: the cells still to come are covered
        self._tile = 48
        self.vertical = False
        self.across = 1  # in a column beside the map: thumbnails side by side in each line
        self.gap = 8
        self.setToolTip("Click a map to see it large")
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def set_images(self, colours: np.ndarray, map_hw: tuple[int, int]) -> None:
        """``colours``: (F, h, w, 3) uint8, each map drawn from every few cells (a thumbnail needs no more)."""
        data = np.ascontiguousarray(colours)
        self._images = [QImage(m.data, m.shape[1], m.shape[0], 3 * m.shape[1], QImage.Format.Format_RGB888).copy()
                        for m in data]
        self._map_hw = map_hw
        self.update()

    def set_current(self, k: int | None) -> None:
        self._current = k
        self.update()

    def current(self) -> int | None:
        return self._current

    def set_cell(self, cell: tuple[int, int] | None, veil: QColor | None = None) -> None:
        self._cell, self._veil = cell, veil
        self.update()

    def label_font(self) -> QFont:
        """A size under the text around it: a thumbnail's number is a caption, not a heading."""
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, 0.8 * font.pointSizeF()))
        return font

    def label_px(self) -> int:
        return math.ceil(QFontMetricsF(self.label_font()).height()) + 7

    def set_tile(self, tile: int, across: int = 1) -> None:
        self._tile, self.across = tile, across
        n = max(1, len(self._images))
        if self.vertical:
            lines = -(-n // across)
            self.setFixedSize(across * (tile + self.gap) + self.gap, lines * (tile + self.gap + self.label_px()) + 4)
        else:
            self.setFixedSize(n * (tile + self.gap) + self.gap, tile + self.label_px() + 8)
        self.update()

    def count(self) -> int:
        return len(self._images)

    def tile_rect(self, k: int) -> QRect:
        """Where thumbnail ``k`` is drawn, in this widget's coordinates."""
        if self.vertical:
            line, place = divmod(k, self.across)
            pitch_y = self._tile + self.gap + self.label_px()
            return QRect(self.gap + place * (self._tile + self.gap), 4 + line * pitch_y, self._tile, self._tile)
        return QRect(self.gap + k * (self._tile + self.gap), 4, self._tile, self._tile)

    def _picture_rect(self, k: int) -> QRectF:
        """The map inside its tile, its own aspect kept and centred."""
        tile = QRectF(self.tile_rect(k))
        h, w = self._map_hw
        s = min(tile.width() / w, tile.height() / h)
        return QRectF(tile.center().x() - w * s / 2, tile.center().y() - h * s / 2, w * s, h * s)

    def _hit_rect(self, k: int) -> QRect:
        """A thumbnail with its number and half the gaps around it: no dead pixels between tiles."""
        half = self.gap // 2
        return self.tile_rect(k).adjusted(-half, -half, half, self.label_px() + half)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        for k in range(len(self._images)):
            if self._hit_rect(k).contains(event.position().toPoint()):
                self.chosen.emit(k)
                return

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        ink = self.palette().windowText().color()
        highlight = self.palette().highlight().color()
        h, w = self._map_hw
        for k, image in enumerate(self._images):
            tile = self.tile_rect(k)
            if not event.rect().intersects(self._hit_rect(k)):
                continue
            picture = self._picture_rect(k)
            p.drawImage(picture, image)
            if self._cell is not None:
                r, c = self._cell
                cw, ch = picture.width() / w, picture.height() / h
                if self._veil is not None:
                    p.setPen(Qt.PenStyle.NoPen)
                    p.setBrush(self._veil)
                    p.drawRect(QRectF(picture.left() + (c + 1) * cw, picture.top() + r * ch, (w - c - 1) * cw, ch))
                    p.drawRect(QRectF(picture.left(), picture.top() + (r + 1) * ch, picture.width(),
                                      (h - r - 1) * ch))
                p.setPen(QPen(QColor(*WINDOW_RED), 1.5))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(QRectF(picture.left() + c * cw, picture.top() + r * ch, max(cw, 2.0), max(ch, 2.0)))
            label = QRect(tile.left() - self.gap // 2, tile.bottom() + 6, tile.width() + self.gap, self.label_px() - 2)
            font = self.label_font()
            font.setBold(k == self._current)
            p.setFont(font)
            p.setPen(ink)
            p.drawText(label, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, str(k + 1))
            if k == self._current:
                p.setPen(QPen(highlight, 3))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(QRectF(picture).adjusted(-2.5, -2.5, 2.5, 2.5))
        p.end()


class ThumbnailStrip(QScrollArea):
    """One row (under the large map) or one column (beside it) of small maps; clicking one focuses
    it. The tiles shrink to fit down to a floor, past which the strip scrolls and keeps the focused
    one in sight."""

    chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tiles = _Tiles()
        self.tiles.chosen.connect(self.chosen)
        self.setWidget(self.tiles)
        self.setWidgetResizable(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.largest = 64  # the owner sets it from the room it has
        self.column_width = 120  # beside the map: the width the column has anyway (its button's)
        self.set_vertical(False)
        self.setAccessibleName("Other maps")

    def set_vertical(self, on: bool) -> None:
        self.tiles.vertical = on
        on_policy, off_policy = Qt.ScrollBarPolicy.ScrollBarAsNeeded, Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        self.setVerticalScrollBarPolicy(on_policy if on else off_policy)
        self.setHorizontalScrollBarPolicy(off_policy if on else on_policy)
        expanding, fixed = QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed
        self.setSizePolicy(fixed, expanding) if on else self.setSizePolicy(expanding, fixed)
        self.setMinimumSize(0, 0)
        self.setMaximumSize(16777215, 16777215)
        self._fit()

    def set_maps(self, colours: np.ndarray, map_hw: tuple[int, int], current: int | None) -> None:
        self.tiles.set_images(colours, map_hw)
        self.tiles.set_current(current)
        self._fit()
        self.show_current()

    def set_cell(self, cell: tuple[int, int] | None, veil: QColor | None = None) -> None:
        """Frame ``cell`` on every thumbnail; with a ``veil`` colour, cover the cells after it."""
        self.tiles.set_cell(cell, veil)

    def count(self) -> int:
        return self.tiles.count()

    def tile_rect(self, k: int) -> QRect:
        """Where thumbnail ``k`` is on this strip's viewport (for a click)."""
        return self.tiles.tile_rect(k).translated(self.tiles.pos())

    def show_current(self) -> None:
        k = self.tiles.current()
        if k is not None and 0 <= k < self.tiles.count():
            r = self.tiles.tile_rect(k)
            self.ensureVisible(r.center().x(), r.center().y(), r.width(), r.height())

    def _fit(self) -> None:
        """Tiles as large as the strip allows (within ``largest``) and the strip's depth just what they
        need; a scroll bar only when they still do not fit."""
        if self.tiles.vertical:
            self._fit_column()
            return
        count = max(1, self.tiles.count())
        gap = self.tiles.gap
        room = self.width()
        tile = min(self.largest, (room - gap) // count - gap)
        if tile < SMALLEST_TILE:  # they scroll anyway: large enough to tell apart
            tile = max(SMALLEST_TILE, min(self.largest, 48))
        self.tiles.set_tile(tile)
        bar = self.horizontalScrollBar().sizeHint().height() if self.tiles.width() > room else 0
        self.setFixedHeight(self.tiles.height() + bar)

    def _fit_column(self) -> None:
        """Beside the map: as many thumbnails side by side as make them largest while all fit in the
        column's height; when none do, as many as the width holds at a readable size, scrolling."""
        count = max(1, self.tiles.count())
        gap, label = self.tiles.gap, self.tiles.label_px()
        width = self.column_width - self.verticalScrollBar().sizeHint().width()
        best: tuple[int, int] | None = None
        for across in range(1, count + 1):
            by_width = (width - gap) // across - gap
            if by_width < SMALLEST_TILE:
                break
            lines = -(-count // across)
            by_height = (self.height() - 4) // lines - gap - label
            tile = min(self.largest, by_width, by_height)
            if tile >= SMALLEST_TILE and (best is None or tile > best[0]):
                best = (tile, across)
        if best is None:
            across = max(1, (width - gap) // (SMALLEST_TILE + gap))
            best = (max(SMALLEST_TILE, min(self.largest, (width - gap) // across - gap)), across)
        self.tiles.set_tile(*best)
        bar = self.verticalScrollBar().sizeHint().width() if self.tiles.height() > self.height() else 0
        self.setFixedWidth(self.tiles.width() + bar)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def sizeHint(self) -> QSize:
        return QSize(self.tiles.width(), self.tiles.height())


class FocusBar(QWidget):
    """Beside or under the focused map: the way back to all maps, its name, and the other maps."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.back = QToolButton()
        self.back.setText("All maps")
        self.back.setArrowType(Qt.ArrowType.LeftArrow)
        self.back.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.back.setToolTip("Back to all maps (Esc, or double-click the large map)")
        self.back.setAccessibleName("Back to all maps")
        self.title = QLabel()
        self.title.setAccessibleName("Focused map")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.strip = ThumbnailStrip()
        self._box = QBoxLayout(QBoxLayout.Direction.LeftToRight, self)
        self._box.setContentsMargins(4, 4, 4, 0)
        self._box.setSpacing(6)
        self._box.addWidget(self.back)
        self._box.addWidget(self.title)
        self._box.addWidget(self.strip, 1)
        self.vertical = False
        self._widest_title = ""

    def set_vertical(self, on: bool) -> None:
        """A column beside the map, or a row under it."""
        self.vertical = on
        self._box.setDirection(QBoxLayout.Direction.TopToBottom if on else QBoxLayout.Direction.LeftToRight)
        self.strip.column_width = self.column_width()
        self.strip.set_vertical(on)

    def set_title(self, text: str, widest: str) -> None:
        """The focused map's name; room kept for the ``widest`` name so the column never jumps."""
        self.title.setText(text)
        self._widest_title = widest
        if self.vertical and self.strip.column_width != self.column_width():
            self.set_vertical(True)

    def column_width(self) -> int:
        """How wide this bar is as a column beside the map: its button's or its title's width."""
        title = self.title.fontMetrics().horizontalAdvance(self._widest_title) + 4
        return max(self.back.sizeHint().width(), title, 2 * SMALLEST_TILE + 3 * self.strip.tiles.gap)

    def minimumSizeHint(self) -> QSize:
        """Nothing: the focus view never makes the maps' pane (and so the window) need more room than
        the mosaic does; in a tiny pane the strip scrolls or is cut, the large map stays."""
        return QSize(0, 0)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            font = QFont(self.font())
            font.setBold(True)
            self.title.setFont(font)
