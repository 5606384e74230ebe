"""The whole network at a glance: one row of small tiles, the input then every layer's output.

Each tile shows one channel of its level (a 2-D map, or a 1-D vector as a thin column) under a
caption, so a student sees the maps shrink and deepen down the stack. Hovering or clicking a cell
asks the window for its receptive field, which comes back through ``set_lit`` and is drawn as a
spotlight: everything else dimmed, the lit cells tinted and outlined.

Pictures are coloured once per ``set_tiles`` / ``set_colormap`` and kept as images; a paint only
blits them, so lighting a receptive field on every mouse move stays cheap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QHelpEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
    QShowEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QScrollArea, QSizePolicy, QToolTip, QWidget

from kernelscope.core.cell_text import format_value
from kernelscope.core.colour_scale import DEFAULT_COLORMAP, WINDOW_RED, colour_maps, lookup_table
from kernelscope.ui.theme import luminance

CELL_RED = QColor(*WINDOW_RED)
LIT_TINT = QColor(255, 244, 190, 64)  # a warm light: lit cells brighten, their colours still read
LIT_OUTLINE = QColor(255, 184, 0)  # the amber of the input grid's highlight
DIM = QColor(0, 0, 0, 70)
MAX_OUTLINE_RECTS = 400
"""Past this many separate lit blocks (a strided, dilated field) one frame around them all reads better."""


@dataclass(frozen=True)
class StripTile:
    """One level of the stack: ``values`` is one channel, (H, W) or (n,), None when not computed
    (``note`` says why); ``levels`` are the colour table's ends."""

    caption: str
    values: np.ndarray | None
    levels: tuple[float, float]
    note: str = ""


LitRegion = tuple[np.ndarray, np.ndarray, bool]


@dataclass(frozen=True)
class _Place:
    """Where one tile is drawn: its whole column and its picture, and the picture's grid."""

    column: QRectF
    picture: QRectF
    rows: int  # cells down the picture (a vector's length)
    cols: int  # cells across (1 for a vector)


def _runs(indices: np.ndarray) -> list[tuple[int, int]]:
    """Sorted indices as maximal runs of consecutive values, (first, last + 1)."""
    if indices.size == 0:
        return []
    idx = np.asarray(indices, np.int64)
    breaks = np.flatnonzero(np.diff(idx) != 1)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [idx.size - 1]])
    return [(int(idx[s]), int(idx[e]) + 1) for s, e in zip(starts, ends, strict=True)]


def _finite(values: np.ndarray, levels: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Values with NaN and infinities moved to the scale's middle and ends, and usable levels."""
    lo, hi = (float(v) for v in levels)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        lo, hi = -1.0, 1.0
    if hi <= lo:
        lo, hi = lo - 1.0, hi + 1.0
    clean = np.nan_to_num(np.asarray(values, np.float64), nan=(lo + hi) / 2, posinf=hi, neginf=lo)
    return clean, np.array([[lo, hi]])


def compress_vector(values: np.ndarray, slots: int, levels: tuple[float, float]) -> np.ndarray:
    """A long vector in ``slots`` bands: each band shows its most extreme value (farthest from the
    scale's middle), so one strong unit among a thousand quiet ones is never averaged away."""
    n = values.size
    if n <= slots:
        return values
    starts = (np.arange(slots) * n) // slots
    mid = (levels[0] + levels[1]) / 2
    d = values - mid
    high = np.maximum.reduceat(d, starts)
    low = np.minimum.reduceat(d, starts)
    return np.where(high >= -low, high, low) + mid


def _shapes(tiles: Sequence[StripTile]) -> list[tuple[int, ...] | None]:
    return [None if t.values is None else tuple(t.values.shape) for t in tiles]


def _channels(colour: QColor) -> np.ndarray:
    return np.array([colour.red(), colour.green(), colour.blue(), colour.alpha()], np.uint8)


def _rgb_image(rgb: np.ndarray) -> QImage:
    rgb = np.ascontiguousarray(rgb, np.uint8)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class StackStrip(QWidget):
    """The input and every layer's output, left to right; a click selects a layer, a hover asks for
    a receptive field. It never edits data: intents go out as signals."""

    tile_clicked = Signal(int)  # tile index: tile 0 is the input, tile k is layer k - 1's output
    cell_hovered = Signal(int, int, int)  # tile, row, col under the pointer; (-1, -1, -1) off every cell
    cell_clicked = Signal(int, int, int)  # tile, row, col (a vector's row is its index, col 0)
    selected_changed = Signal(int)  # set_tiles moved the selection (StackStripArea scrolls to it)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tiles: list[StripTile] = []
        self._selected = -1
        self._lut = lookup_table(DEFAULT_COLORMAP)
        self._pictures: list[QImage | None] = []  # one per tile, a pixel per cell (or per band of a long vector)
        self._scaled_cache: dict[int, tuple[QImage, QPixmap]] = {}
        self._still_cache: tuple[tuple[object, ...], QPixmap] | None = None
        self._lit: list[LitRegion | None] = []
        self._cell: tuple[int, int, int] | None = None
        self._hovered = (-1, -1, -1)
        self._thick = False
        self._places: list[_Place] | None = None
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Layer strip")

    # ------------------------------------------------------------------ data in
    def set_tiles(self, tiles: Sequence[StripTile], selected: int) -> None:
        """Show ``tiles`` (tile 0 the input); ``selected`` is the tile whose layer is being edited.
        New values in the same shapes (an edited weight) keep the lit field and the framed cell, which
        depend on shapes only; other shapes clear them."""
        for k, tile in enumerate(tiles):
            if tile.values is not None and tile.values.ndim not in (1, 2):
                raise ValueError(f"tile {k} ({tile.caption}): values must be 2-D or 1-D, not {tile.values.ndim}-D")
        moved = selected != self._selected
        same_shapes = _shapes(tiles) == _shapes(self._tiles)
        self._tiles = list(tiles)
        self._selected = selected if 0 <= selected < len(self._tiles) else -1
        if not same_shapes:
            self._lit, self._cell = [], None
        self._rebuild_pictures()
        self._relayout()
        if moved:
            self.selected_changed.emit(self._selected)

    def set_colormap(self, name: str) -> None:
        """A colour map by name, as ``kernelscope.core.colour_scale.COLORMAPS`` lists them."""
        self._lut = lookup_table(name)  # refuses an unknown name, in words
        self._rebuild_pictures()
        self.update()

    def set_lit(self, regions: Sequence[LitRegion | None]) -> None:
        """Per tile, the cells one output cell depends on: (rows, cols, everything), lit where the row
        is in ``rows`` and the column in ``cols``; ``everything`` lights the whole tile; None lights
        nothing there. While anything is lit the rest is dimmed. ``set_lit([])`` clears."""
        self._lit = list(regions)[: len(self._tiles)]
        if not any(r is not None for r in self._lit):
            self._lit = []
        self.update()

    def set_cell(self, tile: int | None, row: int | None = None, col: int | None = None) -> None:
        """Frame in red the cell whose receptive field is lit (a vector's element ``row``, col 0);
        None hides the frame."""
        self._cell = None if tile is None or row is None or col is None else (tile, row, col)
        self.update()

    def set_thick(self, on: bool) -> None:
        """Projector mode: thicker frames and outlines (the type follows the application font)."""
        self._thick = on
        self.update()

    # ------------------------------------------------------------------ reading back
    def captions(self) -> list[str]:
        return [t.caption for t in self._tiles]

    def tile_count(self) -> int:
        return len(self._tiles)

    def selected(self) -> int:
        return self._selected

    def tile_rect(self, i: int) -> QRectF:
        """Tile ``i``'s whole column (caption and picture), in widget coordinates."""
        return QRectF(self._layout()[i].column)

    def picture_rect(self, i: int) -> QRectF:
        """Where tile ``i``'s picture (or its not-computed box) is drawn."""
        return QRectF(self._layout()[i].picture)

    def cell_rect(self, tile: int, row: int, col: int) -> QRectF:
        """Where a cell is drawn (a vector's element ``row``, col 0); a fraction of a pixel tall when a
        long vector is compressed."""
        place = self._layout()[tile]
        if not (0 <= row < place.rows and 0 <= col < place.cols):
            raise IndexError(f"tile {tile} has no cell ({row}, {col})")
        pic = place.picture
        w, h = pic.width() / place.cols, pic.height() / place.rows
        return QRectF(pic.left() + col * w, pic.top() + row * h, w, h)

    def cell_at(self, pos: QPointF) -> tuple[int, int, int] | None:
        """(tile, row, col) under a widget point, or None."""
        for k, place in enumerate(self._layout()):
            pic = place.picture
            if place.rows and pic.contains(pos):
                row = min(place.rows - 1, int((pos.y() - pic.top()) * place.rows / pic.height()))
                col = min(place.cols - 1, int((pos.x() - pic.left()) * place.cols / pic.width()))
                return k, row, col
        return None

    def tile_at(self, pos: QPointF) -> int:
        """The tile whose column holds a widget point, or -1."""
        for k, place in enumerate(self._layout()):
            if place.column.contains(pos):
                return k
        return -1

    # ------------------------------------------------------------------ pictures
    def _metrics(self) -> tuple[float, float, float, float]:
        """Line height, margin, the gap an arrow spans, and the picture band's height: all from the
        type, so projector mode's larger type enlarges the whole strip."""
        line = QFontMetricsF(self.font()).height()
        return line, round(line * 0.5), round(line * 1.5), max(round(line * 5), self._tall_band)

    _tall_band = 0  # on a tall window (4K) the pictures grow with it: a band of a tenth of its height

    def fit_window_height(self, height: int) -> None:
        """Pictures a tenth of the window's height when that is more than the type asks (a 4K screen)."""
        band = height // 10 if height >= 1200 else 0
        if band != self._tall_band:
            self._tall_band = band
            self._rebuild_pictures()
            self._relayout()

    def _rebuild_pictures(self) -> None:
        band = int(self._metrics()[3])
        self._pictures = []
        for tile in self._tiles:
            if tile.values is None or tile.values.size == 0:
                self._pictures.append(None)
                continue
            values, levels = _finite(tile.values, tile.levels)
            if values.ndim == 1:
                values = compress_vector(values, band, (levels[0, 0], levels[0, 1]))[:, None]
            self._pictures.append(_rgb_image(colour_maps(values[None], levels, self._lut)[0]))

    def _cells_down(self, k: int) -> int:
        values = self._tiles[k].values
        return 0 if values is None else int(values.shape[0])

    # ------------------------------------------------------------------ geometry
    def _caption_lines(self, caption: str) -> list[str]:
        """A caption on two lines, the name over the shape ("conv2d" / "26x26x8")."""
        name, _, shape = caption.rpartition(" ")
        return [name, shape] if name else [shape]

    def _caption_width(self, caption: str, band: float) -> float:
        fm = QFontMetricsF(self._bold())
        return min(1.8 * band, max(fm.horizontalAdvance(line) for line in self._caption_lines(caption)) + 2)

    def _bold(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        return font

    def _picture_size(self, k: int, box: float) -> tuple[float, float]:
        """A picture's size in a ``box``-sized square: square cells, whole pixels once cells are big."""
        line, _, _, band = self._metrics()
        box = min(band, max(box, self._caption_width(self._tiles[k].caption, band)))  # no narrower than its caption
        values = self._tiles[k].values
        if values is None or values.size == 0:
            return box, box
        if values.ndim == 1:
            n = values.shape[0]
            cell = box / n
            if cell >= 4:
                cell = math.floor(cell)
            return max(round(line * 0.6), min(round(line), cell)), min(box, cell * n)
        h, w = values.shape
        cell = box / max(h, w)
        if cell >= 4:
            cell = math.floor(cell)
        return w * cell, h * cell

    def _columns(self, box: float) -> list[float]:
        band = self._metrics()[3]
        inset = self._inset()
        return [max(self._picture_size(k, box)[0], self._caption_width(t.caption, band)) + 2 * inset
                for k, t in enumerate(self._tiles)]

    def _inset(self) -> float:
        return max(4.0, round(self._metrics()[0] * 0.3))

    def _total_width(self, box: float) -> float:
        _, margin, gap, _ = self._metrics()
        cols = self._columns(box)
        return 2 * margin + sum(cols) + gap * max(0, len(cols) - 1)

    def _min_box(self) -> float:
        return round(self._metrics()[3] * 0.6)

    def _fitting_box(self) -> float:
        """The largest picture box (down to the minimum) whose row of tiles fits the width."""
        lo, hi = int(self._min_box()), int(self._metrics()[3])
        if self._total_width(hi) <= self.width():
            return hi
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._total_width(mid) <= self.width():
                lo = mid
            else:
                hi = mid - 1
        return lo

    def _layout(self) -> list[_Place]:
        if self._places is not None:
            return self._places
        line, margin, gap, band = self._metrics()
        inset = self._inset()
        box = self._fitting_box()
        columns = self._columns(box)
        total = self._total_width(box)
        x = round(max(0.0, (self.width() - total) / 2) + margin)  # whole pixels: crisp frames
        top = margin
        band_top = top + 2 * line + inset
        places = []
        for k, width in enumerate(columns):
            pw, ph = self._picture_size(k, box)
            picture = QRectF(round(x + (width - pw) / 2), round(band_top + (band - ph) / 2), pw, ph)
            column = QRectF(x, top - inset / 2, width, band_top + band + inset - (top - inset / 2))
            values = self._tiles[k].values
            rows, cols = (0, 0) if values is None or values.size == 0 else (
                (values.shape[0], 1) if values.ndim == 1 else values.shape)
            places.append(_Place(column, picture, rows, cols))
            x += round(width + gap)
        self._places = places
        return places

    def _relayout(self) -> None:
        self._places = None
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(math.ceil(self._total_width(self._metrics()[3])), self._height())

    def minimumSizeHint(self) -> QSize:
        return QSize(math.ceil(self._total_width(self._min_box())), self._height())

    def _height(self) -> int:
        line, margin, _, band = self._metrics()
        return math.ceil(2 * margin + 2 * line + 2 * self._inset() + band)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._places = None

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._rebuild_pictures()  # a long vector is compressed to the band's new height
            self._relayout()

    # ------------------------------------------------------------------ painting
    def _dark(self) -> bool:
        return luminance(self.palette().color(QPalette.ColorRole.Window)) < 0.3

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        places = self._layout()
        p.drawPixmap(0, 0, self._still(places))
        if self._lit:
            for k, place in enumerate(places):
                if self._pictures[k] is not None:
                    self._paint_spotlight(p, k, place)
        self._paint_cell(p)
        p.end()

    def _still(self, places: list[_Place]) -> QPixmap:
        """Everything a step does not change (captions, pictures, arrows, the selection), drawn once
        into a pixmap: a step repaints only the lit cells and the framed one over it."""
        ratio = self.devicePixelRatioF()
        key = (self.size().toTuple(), ratio, id(self._tiles), tuple(id(pic) for pic in self._pictures),
               self._selected, self._thick, self.palette().cacheKey(), self.font().key())
        if self._still_cache is not None and self._still_cache[0] == key:
            return self._still_cache[1]
        pixmap = QPixmap((self.size().toSizeF() * ratio).toSize())
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(self.palette().color(QPalette.ColorRole.Window))
        p = QPainter(pixmap)
        if self._selected >= 0:
            self._paint_selection(p, places[self._selected])
        for k, place in enumerate(places):
            self._paint_caption(p, k, place)
            if self._pictures[k] is None:
                self._paint_not_computed(p, k, place)
            else:
                self._paint_picture(p, k, place)
            if k:
                self._paint_arrow(p, places[k - 1], place)
        p.end()
        self._still_cache = (key, pixmap)
        return pixmap

    def _paint_selection(self, p: QPainter, place: _Place) -> None:
        highlight = self.palette().color(QPalette.ColorRole.Highlight)
        fill = QColor(highlight)
        fill.setAlpha(40)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(highlight, 4 if self._thick else 2))
        p.setBrush(fill)
        radius = self._inset()
        p.drawRoundedRect(place.column.adjusted(1, 1, -1, -1), radius, radius)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _paint_caption(self, p: QPainter, k: int, place: _Place) -> None:
        line = self._metrics()[0]
        lines = self._caption_lines(self._tiles[k].caption)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        inset = self._inset()
        width = place.column.width() - 2 * inset
        for i, line_text in enumerate(lines):
            font = self._bold() if i == 0 and len(lines) == 2 else self.font()
            p.setFont(font)
            p.setPen(text)
            shown = QFontMetricsF(font).elidedText(line_text, Qt.TextElideMode.ElideMiddle, width + 1)
            rect = QRectF(place.column.left() + inset, place.column.top() + inset / 2 + i * line, width, line)
            p.drawText(rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignVCenter, shown)

    def _scaled(self, k: int, target: QRectF) -> QPixmap:
        """Tile ``k``'s picture at the size it is drawn, made once per size: a step repaints the
        strip, and scaling every picture again at each paint is what would cost."""
        picture = self._pictures[k]
        assert picture is not None
        size = target.toAlignedRect().size()
        cached = self._scaled_cache.get(k)
        if cached is not None and cached[0] is picture and cached[1].size() == size:
            return cached[1]
        smooth = size.width() < picture.width() or size.height() < picture.height()
        mode = Qt.TransformationMode.SmoothTransformation if smooth else Qt.TransformationMode.FastTransformation
        pixmap = QPixmap.fromImage(picture.scaled(size, Qt.AspectRatioMode.IgnoreAspectRatio, mode))
        self._scaled_cache[k] = (picture, pixmap)
        return pixmap

    def _paint_picture(self, p: QPainter, k: int, place: _Place) -> None:
        target = place.picture
        p.drawPixmap(target, self._scaled(k, target), QRectF(self._scaled(k, target).rect()))
        edge = QColor(255, 255, 255, 70) if self._dark() else QColor(0, 0, 0, 70)
        p.setPen(QPen(edge, 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(target.adjusted(-0.5, -0.5, 0.5, 0.5))

    def _paint_spotlight(self, p: QPainter, k: int, place: _Place) -> None:
        """Dim the picture outside its lit cells, tint and outline them: a few rectangles a tile,
        drawn at each paint (no per-pixel overlay to build when the lit cells move every step)."""
        target = place.picture
        rects = self._lit_rects(k, place)
        if not rects:
            p.fillRect(target, DIM)
            return
        p.fillRect(target, DIM)
        picture = self._scaled(k, target)
        sx, sy = picture.width() / target.width(), picture.height() / target.height()
        for rect in rects:  # the lit cells drawn again over the dimming, undimmed
            source = QRectF((rect.left() - target.left()) * sx, (rect.top() - target.top()) * sy,
                            rect.width() * sx, rect.height() * sy)
            p.drawPixmap(rect, picture, source)
        for rect in rects:
            p.fillRect(rect, LIT_TINT)
        width = 3.0 if self._thick else 2.0
        p.setBrush(Qt.BrushStyle.NoBrush)
        for pen in (QPen(QColor(0, 0, 0, 170), width + 2), QPen(LIT_OUTLINE, width)):
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            p.setPen(pen)
            p.drawRects(rects)

    def _lit_rects(self, k: int, place: _Place) -> list[QRectF]:
        """The lit blocks of tile ``k`` in widget coordinates (runs of rows by runs of columns)."""
        region = self._lit[k] if k < len(self._lit) else None
        if region is None:
            return []
        rows, cols, everything = region
        if everything:
            blocks = [((0, place.rows), (0, place.cols))]
        else:
            row_runs = [(max(0, a), min(place.rows, b)) for a, b in _runs(np.asarray(rows)) if b > 0 and a < place.rows]
            col_runs = [(max(0, a), min(place.cols, b)) for a, b in _runs(np.asarray(cols)) if b > 0 and a < place.cols]
            blocks = [(r, c) for r in row_runs for c in col_runs]
            if len(blocks) > MAX_OUTLINE_RECTS:
                blocks = [((row_runs[0][0], row_runs[-1][1]), (col_runs[0][0], col_runs[-1][1]))]
        pic = place.picture
        ch, cw = pic.height() / place.rows, pic.width() / place.cols
        return [QRectF(pic.left() + c0 * cw, pic.top() + r0 * ch, max(1.0, (c1 - c0) * cw), max(1.0, (r1 - r0) * ch))
                for (r0, r1), (c0, c1) in blocks]

    def _paint_not_computed(self, p: QPainter, k: int, place: _Place) -> None:
        box = place.picture
        dark = self._dark()
        p.fillRect(box, QColor(60, 60, 66) if dark else QColor(225, 225, 228))
        p.fillRect(box, QBrush(QColor(110, 110, 118) if dark else QColor(170, 170, 176), Qt.BrushStyle.BDiagPattern))
        pen = QPen(QColor(140, 140, 150), 1.5 if self._thick else 1, Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(box)
        note = self._tiles[k].note or "not computed"
        font = QFont(self.font())
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
        p.setFont(font)
        fm = QFontMetricsF(font)
        flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
        inner = box.adjusted(3, 3, -3, -3)
        bound = fm.boundingRect(inner, int(flags), note)
        label = bound.intersected(inner).adjusted(-2, -1, 2, 1)
        p.fillRect(label, self.palette().color(QPalette.ColorRole.Window))
        p.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        p.drawText(inner, int(flags), note)

    def _paint_arrow(self, p: QPainter, before: _Place, after: _Place) -> None:
        line = self._metrics()[0]
        y = round(before.column.top() + self._metrics()[1] + 2 * line + self._inset() + self._metrics()[3] / 2)
        x0, x1 = before.column.right() + 3, after.column.left() - 3
        if x1 - x0 < 6:
            return
        colour = QColor(150, 150, 160) if self._dark() else QColor(120, 120, 128)
        head = min(6.0, (x1 - x0) / 2)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(colour, 2 if self._thick else 1.5))
        p.drawLine(QPointF(x0, y), QPointF(x1 - head, y))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(colour)
        tip = [QPointF(x1, y), QPointF(x1 - head, y - head * 0.7), QPointF(x1 - head, y + head * 0.7)]
        p.drawPolygon(QPolygonF(tip))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _paint_cell(self, p: QPainter) -> None:
        if self._cell is None:
            return
        tile, row, col = self._cell
        places = self._layout()
        if not 0 <= tile < len(places) or not (0 <= row < places[tile].rows and 0 <= col < places[tile].cols):
            return
        rect = self.cell_rect(tile, row, col)
        grow_x, grow_y = max(0.0, (5 - rect.width()) / 2), max(0.0, (5 - rect.height()) / 2)  # tiny cells stay seen
        rect = rect.adjusted(-grow_x, -grow_y, grow_x, grow_y)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.setPen(QPen(CELL_RED, 3 if self._thick else 2))
        p.drawRect(rect)

    # ------------------------------------------------------------------ mouse and keys
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        hit = self.cell_at(event.position()) or (-1, -1, -1)
        if hit != self._hovered:
            self._hovered = hit
            self.cell_hovered.emit(*hit)
        over_tile = self.tile_at(event.position()) >= 0
        self.setCursor(Qt.CursorShape.PointingHandCursor if over_tile else Qt.CursorShape.ArrowCursor)

    def leaveEvent(self, event: QEvent) -> None:
        super().leaveEvent(event)
        if self._hovered != (-1, -1, -1):
            self._hovered = (-1, -1, -1)
            self.cell_hovered.emit(-1, -1, -1)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """A tile selects its layer; a cell, in addition, asks to step there."""
        if event.button() != Qt.MouseButton.LeftButton:
            return
        tile = self.tile_at(event.position())
        if tile < 0:
            return
        self.tile_clicked.emit(tile)
        hit = self.cell_at(event.position())
        if hit is not None:
            self.cell_clicked.emit(*hit)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        event.accept()  # the press acted; the release is this widget's too, not the scroller's

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Left and right select the neighbouring tile, as a click on it would."""
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}.get(Qt.Key(event.key()))
        if step is None or not self._tiles:
            super().keyPressEvent(event)
            return
        self.tile_clicked.emit(min(len(self._tiles) - 1, max(0, self._selected + step)))

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            text = self._tooltip(QPointF(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def _tooltip(self, pos: QPointF) -> str:
        tile = self.tile_at(pos)
        if tile < 0:
            return ""
        t = self._tiles[tile]
        parts = [t.caption]
        hit = self.cell_at(pos)
        if hit is not None and t.values is not None:
            _, row, col = hit
            value = float(t.values[row] if t.values.ndim == 1 else t.values[row, col])
            where = f"[{row}]" if t.values.ndim == 1 else f"row {row}, column {col}"
            parts.append(f"{where}: {format_value(value, 60)}")
        if t.note:
            parts.append(t.note)
        return "\n".join(parts)


class StackStripArea(QScrollArea):
    """The strip in a horizontal scroller: tiles shrink to their minimum before it scrolls, the wheel
    scrolls sideways, and a newly selected tile is scrolled into view (again once the strip has its
    new width: a selection that widens the strip comes before the scroller's range does)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.strip = StackStrip()
        self.setWidget(self.strip)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.strip.selected_changed.connect(self.reveal_tile)
        self.horizontalScrollBar().rangeChanged.connect(lambda *_: self.reveal_tile(self.strip.selected()))

    def sizeHint(self) -> QSize:
        """Room for the strip and a scroll bar under it, so the bar never covers a caption."""
        hint = self.strip.sizeHint()
        return QSize(hint.width(), hint.height() + self.horizontalScrollBar().sizeHint().height() + 2)

    def minimumSizeHint(self) -> QSize:
        return QSize(100, self.sizeHint().height())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.updateGeometry()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.window().installEventFilter(self)  # its height sizes the pictures on a tall screen
        self._fit_window()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window() and event.type() == QEvent.Type.Resize:
            self._fit_window()
        return super().eventFilter(watched, event)

    def _fit_window(self) -> None:
        before = self.strip.sizeHint().height()
        self.strip.fit_window_height(self.window().height())
        if self.strip.sizeHint().height() != before:
            self.updateGeometry()

    def reveal_tile(self, i: int) -> None:
        if 0 <= i < self.strip.tile_count():
            rect = self.strip.tile_rect(i).toAlignedRect()
            self.ensureVisible(rect.center().x(), rect.center().y(), rect.width() // 2 + 8, 0)

    def wheelEvent(self, event: QWheelEvent) -> None:
        bar = self.horizontalScrollBar()
        delta = event.angleDelta()
        if delta.y() and not delta.x() and bar.maximum() > 0:
            bar.setValue(bar.value() - delta.y() // 2)
            event.accept()
            return
        super().wheelEvent(event)


__all__ = ["StackStrip", "StackStripArea", "StripTile", "compress_vector"]
