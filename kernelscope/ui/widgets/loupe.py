"""The loupe: the current window and its neighbourhood enlarged in a corner, with legible numbers,
for the pictures whose cells are too small to carry one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen, QStaticText, QTransform

from kernelscope.core import colour_scale
from kernelscope.core.cell_text import format_value, text_colour_on

# Digit heights (tight box of "0123456789") the loupe aims for: read from a desk, or from the back.
DIGIT_PX = 14
THICK_DIGIT_PX = 24
NEIGHBOURS = 2  # cells shown round the window when there is room
INSET_PX = 6.0  # from the widget's edge, and the panel's own padding

PANEL_FILL = QColor(28, 32, 40, 238)
PANEL_EDGE = QColor(235, 235, 245)
CAPTION_INK = QColor(235, 235, 245)
WINDOW_RED = QColor(*colour_scale.WINDOW_RED)

# (value or None for a padding zero, the cell's fill) for a grid cell
CellInfo = Callable[[int, int], tuple[float | None, QColor]]


@dataclass
class LoupeCell:
    row: int
    col: int
    rect: QRectF
    text: str
    fill: QColor
    ink: QColor


@dataclass
class LoupeLayout:
    """Everything the loupe draws, in widget pixels."""

    panel: QRectF
    caption: str
    caption_rect: QRectF
    caption_px: int
    font_px: int
    digit_px: int
    cell_px: float
    rows: range
    cols: range
    cells: list[LoupeCell] = field(default_factory=list)

    def cell_rect(self, row: int, col: int) -> QRectF:
        x0 = self.panel.left() + INSET_PX
        y0 = self.caption_rect.bottom()
        return QRectF(x0 + (col - self.cols.start) * self.cell_px, y0 + (row - self.rows.start) * self.cell_px,
                      self.cell_px, self.cell_px)

    def texts(self) -> list[list[str]]:
        """The numbers as written, row by row."""
        width = len(self.cols)
        return [[cell.text for cell in self.cells[i : i + width]] for i in range(0, len(self.cells), width)]


@lru_cache(maxsize=64)
def _font_px_for_digits(family: str, digits_px: int) -> int:
    """The smallest pixel size whose digits stand ``digits_px`` tall in this family."""
    font = QFont(family)
    px = max(6, int(digits_px / 0.75))
    for _ in range(40):
        font.setPixelSize(px)
        if QFontMetricsF(font).tightBoundingRect("0123456789").height() >= digits_px:
            return px
        px += 1
    return px


def digit_height(font: QFont) -> int:
    return round(QFontMetricsF(font).tightBoundingRect("0123456789").height())


def fitting_text(value: float, cell_px: float, metrics: QFontMetricsF, room: float | None = None) -> str:
    """The cells' own formatting (for a ``room`` wide cell, the cell itself by default), as narrow as
    needed to sit inside the cell."""
    width = cell_px if room is None else min(cell_px, room)
    text = format_value(value, width)
    while metrics.horizontalAdvance(text) > cell_px - 4 and width > 8:
        width -= 8
        text = format_value(value, width)
    return text


def layout(*, widget: QRectF, avoid: QRectF, window: tuple[int, int, int, int], bounds: tuple[int, int, int, int],
           info: CellInfo, thick: bool, base_font: QFont, digit_px: int | None = None,
           least_digit_px: int | None = None) -> LoupeLayout:
    """The loupe for a window spanning rows window[0]..window[1] and columns window[2]..window[3]
    (inclusive), inside a grid whose cells run bounds[0]..bounds[1] by bounds[2]..bounds[3]; the panel
    goes to the corner farthest from ``avoid`` (the window's frame) that does not cover it. Digits
    ``digit_px`` tall (default: as for a desk, or a projector when ``thick``); a projector's loupe
    covers the grid before its digits shrink, and then to ``least_digit_px`` before anything smaller."""
    info = _read_once(info)  # the plans below try several sizes over the same cells
    wanted = digit_px or (THICK_DIGIT_PX if thick else DIGIT_PX)
    if thick and least_digit_px and least_digit_px < wanted:
        # the largest size that fits, down to the least: Bigger, which takes room from the panes,
        # then costs a few pixels, never the whole step back to the least size
        for px in range(wanted, least_digit_px, -2):
            larger = layout(widget=widget, avoid=avoid, window=window, bounds=bounds, info=info, thick=thick,
                            base_font=base_font, digit_px=px)
            if larger.digit_px >= px:
                return larger
        wanted = least_digit_px
    font = QFont(base_font)
    font_px = _font_px_for_digits(font.family(), wanted)
    caption_px = 14 if thick else 11
    caption_h = caption_px * 1.6
    chrome_w, chrome_h = 2 * INSET_PX, INSET_PX + caption_h
    strips = _strips(widget, avoid)
    # Neighbours before a second decimal, the window alone after that; only then smaller digits.
    plans = [(margin, room) for margin in range(NEIGHBOURS, -1, -1) for room in (2.6, 1.1)]
    for margin, text_room in plans:
        rows = range(max(bounds[0], window[0] - margin), min(bounds[1], window[1] + margin) + 1)
        cols = range(max(bounds[2], window[2] - margin), min(bounds[3], window[3] + margin) + 1)
        cell_px = _natural_cell_px(rows, cols, info, font, font_px, font_px * text_room, 0.2 if thick else 0.35)
        size = QRectF(0, 0, len(cols) * cell_px + chrome_w, len(rows) * cell_px + chrome_h)
        fitting = [strip for strip in strips if size.width() <= strip.width() and size.height() <= strip.height()]
        if fitting:
            break
    else:
        if thick:  # the class reads the window's numbers or nothing: over the grid, at full size
            inner = widget.adjusted(INSET_PX, INSET_PX, -INSET_PX, -INSET_PX)
            # With its caption, then without (the numbers matter more than "rows 0-2, cols 0-2").
            for caption_h in (caption_px * 1.6, 0.0):  # the one that fits is kept
                chrome_h = INSET_PX + caption_h
                for margin, text_room in plans:
                    rows = range(max(bounds[0], window[0] - margin), min(bounds[1], window[1] + margin) + 1)
                    cols = range(max(bounds[2], window[2] - margin), min(bounds[3], window[3] + margin) + 1)
                    cell_px = _natural_cell_px(rows, cols, info, font, font_px, font_px * text_room, 0.2)
                    size = QRectF(0, 0, len(cols) * cell_px + chrome_w, len(rows) * cell_px + chrome_h)
                    if size.width() <= inner.width() and size.height() <= inner.height():
                        break
                else:
                    continue
                break
            strips = [inner]  # too large even there: the whole grid, the digits as large as it allows
        scales = [(min((strip.width() - chrome_w) / (len(cols) * cell_px),
                       (strip.height() - chrome_h) / (len(rows) * cell_px)), strip) for strip in strips]
        scale, strip = max(scales, key=lambda pair: pair[0])
        scale = max(0.2, min(1.0, scale))
        fitting = [strip]
        cell_px *= scale
        font_px = max(7, int(font_px * scale))
        size = QRectF(0, 0, len(cols) * cell_px + chrome_w, len(rows) * cell_px + chrome_h)
    font.setPixelSize(font_px)
    panel = _corner(fitting, size, avoid)
    caption = f"rows {_span(rows)}, cols {_span(cols)}" if caption_h else ""
    caption_rect = QRectF(panel.left() + INSET_PX, panel.top(), panel.width() - 2 * INSET_PX, caption_h)
    result = LoupeLayout(panel, caption, caption_rect, caption_px, font_px, digit_height(font), cell_px, rows, cols)
    metrics = QFontMetricsF(font)
    for r in rows:
        for c in cols:
            value, fill = info(r, c)
            text = "0" if value is None else fitting_text(value, cell_px, metrics, font_px * text_room)
            ink = QColor(*text_colour_on(fill.red(), fill.green(), fill.blue()))
            result.cells.append(LoupeCell(r, c, result.cell_rect(r, c), text, fill, ink))
    return result


_STATIC_TEXTS: dict[tuple[str, str], QStaticText] = {}


def _static_text(text: str, font: QFont) -> QStaticText:
    """A cell's number laid out once per font: a step writes dozens, mostly ones written before."""
    key = (text, font.key())
    static = _STATIC_TEXTS.get(key)
    if static is None:
        if len(_STATIC_TEXTS) > 4096:
            _STATIC_TEXTS.clear()
        static = QStaticText(text)
        static.setTextFormat(Qt.TextFormat.PlainText)
        static.prepare(QTransform(), font)
        _STATIC_TEXTS[key] = static
    return static


def _read_once(info: CellInfo) -> CellInfo:
    """``info`` remembering each cell it read, for one layout."""
    seen: dict[tuple[int, int], tuple[float | None, QColor]] = {}

    def read(row: int, col: int) -> tuple[float | None, QColor]:
        key = (row, col)
        if key not in seen:
            seen[key] = info(row, col)
        return seen[key]

    return read


def _span(values: range) -> str:
    return f"{values.start}–{values.stop - 1}" if len(values) > 1 else str(values.start)


def _natural_cell_px(rows: range, cols: range, info: CellInfo, font: QFont, font_px: int, guess: float,
                     pad: float = 0.35) -> float:
    """Square cells wide enough for the widest number at the loupe's font, written for a ``guess`` wide
    cell, with ``pad`` of the font's size to spare (a projector spends less on margins)."""
    font = QFont(font)
    font.setPixelSize(font_px)
    metrics = QFontMetricsF(font)
    texts = {format_value(v, guess) for r in rows for c in cols if (v := info(r, c)[0]) is not None}
    widest = max((metrics.horizontalAdvance(text) for text in texts), default=metrics.horizontalAdvance("0"))
    return float(np.ceil(max(font_px * 1.8, widest + font_px * pad)))


def _strips(widget: QRectF, avoid: QRectF) -> list[QRectF]:
    """The four bands of the widget beside the window's frame (left, right, above, below), inset."""
    inner = widget.adjusted(INSET_PX, INSET_PX, -INSET_PX, -INSET_PX)
    guard = avoid.adjusted(-INSET_PX, -INSET_PX, INSET_PX, INSET_PX)
    bands = [
        QRectF(inner.left(), inner.top(), guard.left() - inner.left(), inner.height()),
        QRectF(guard.right(), inner.top(), inner.right() - guard.right(), inner.height()),
        QRectF(inner.left(), inner.top(), inner.width(), guard.top() - inner.top()),
        QRectF(inner.left(), guard.bottom(), inner.width(), inner.bottom() - guard.bottom()),
    ]
    return [band for band in bands if band.width() > 0 and band.height() > 0] or [inner]


def _corner(strips: list[QRectF], size: QRectF, avoid: QRectF) -> QRectF:
    """The panel in a corner of a band it fits, as far from the window as it can be."""
    w, h = size.width(), size.height()
    target = avoid.center()

    def distance(rect: QRectF) -> float:
        d = rect.center() - target
        return d.x() ** 2 + d.y() ** 2

    corners = [QRectF(x, y, w, h) for band in strips
               for y in (band.top(), band.bottom() - h) for x in (band.left(), band.right() - w)]
    return max(corners, key=distance)


def paint(p: QPainter, loupe: LoupeLayout, base_font: QFont, thick: bool, taps: tuple[np.ndarray, np.ndarray],
          weights: np.ndarray | None, highlight: set[tuple[int, int]]) -> None:
    """The panel, its cells and numbers, the highlighted cells and the window's red frame."""
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setPen(QPen(PANEL_EDGE, 1.5))
    p.setBrush(PANEL_FILL)
    p.drawRoundedRect(loupe.panel, 6, 6)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    p.setBrush(Qt.BrushStyle.NoBrush)
    caption_font = QFont(base_font)
    caption_font.setPixelSize(loupe.caption_px)
    p.setFont(caption_font)
    p.setPen(CAPTION_INK)
    caption = QFontMetricsF(caption_font).elidedText(loupe.caption, Qt.TextElideMode.ElideRight,
                                                     loupe.caption_rect.width())
    p.drawText(loupe.caption_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, caption)
    font = QFont(base_font)
    font.setPixelSize(loupe.font_px)
    p.setFont(font)
    grid_pen = QPen(QColor(140, 140, 140), 1)
    rows, cols = taps
    tagged = weights is not None and weights.shape == rows.shape
    tapped = set(zip(rows.ravel().tolist(), cols.ravel().tolist(), strict=True)) if tagged else set()
    size = loupe.cell_px
    for cell in loupe.cells:
        p.fillRect(cell.rect, cell.fill)
        p.setPen(grid_pen)
        p.drawRect(cell.rect)
        p.setPen(cell.ink)
        # Under a weight's tag the number moves down, clear of it.
        text_rect = cell.rect.adjusted(0, size * 0.22, 0, 0) if (cell.row, cell.col) in tapped else cell.rect
        static = _static_text(cell.text, font)
        box = static.size()
        p.drawStaticText(QPointF(text_rect.center().x() - box.width() / 2, text_rect.center().y() - box.height() / 2),
                         static)
    shown = {(c.row, c.col) for c in loupe.cells}
    if highlight:
        p.setPen(QPen(QColor(255, 170, 0), max(2.0, size * 0.08)))
        for r, c in highlight & shown:
            p.drawRect(loupe.cell_rect(r, c).adjusted(2, 2, -2, -2))
    width = max(4.0 if thick else 3.0, size * 0.08)
    p.setPen(QPen(WINDOW_RED, width))
    p.setBrush(Qt.BrushStyle.NoBrush)
    frame = loupe.cell_rect(int(rows.min()), int(cols.min())).united(loupe.cell_rect(int(rows.max()), int(cols.max())))
    p.drawRect(frame.adjusted(width / 2, width / 2, -width / 2, -width / 2))
    dilated = (rows.shape[0] > 1 and rows[1, 0] - rows[0, 0] > 1) or (cols.shape[1] > 1 and cols[0, 1] - cols[0, 0] > 1)
    if dilated:
        p.setPen(QPen(WINDOW_RED, max(1.5, width * 0.7)))
        for r, c in zip(rows.ravel(), cols.ravel(), strict=True):
            p.drawRect(loupe.cell_rect(int(r), int(c)).adjusted(3, 3, -3, -3))
    if tagged:
        _paint_weights(p, loupe, base_font, rows, cols, weights)  # type: ignore[arg-type]
    p.restore()


def _paint_weights(p: QPainter, loupe: LoupeLayout, base_font: QFont, rows: np.ndarray, cols: np.ndarray,
                   weights: np.ndarray) -> None:
    """The kernel's weight in a red tag at each tap's corner, as on the grid itself."""
    font = QFont(base_font)
    font.setPixelSize(max(8, int(loupe.cell_px * 0.19)))
    font.setBold(True)
    p.setFont(font)
    for r, c, w in zip(rows.ravel(), cols.ravel(), weights.ravel(), strict=True):
        rect = loupe.cell_rect(int(r), int(c))
        tag = QRectF(rect.left() + 2, rect.top() + 2, rect.width() * 0.5, rect.height() * 0.24)
        p.fillRect(tag, QColor(*colour_scale.WINDOW_RED, 225))
        p.setPen(QColor(255, 255, 255))
        p.drawText(tag, Qt.AlignmentFlag.AlignCenter, "×" + format_value(float(w), 40))



def paint_leader(p: QPainter, panel: QRectF, frame: QRectF) -> None:
    """A thin line from the panel's nearest corner to the window's frame: which speck it enlarges."""
    corners = (panel.topLeft(), panel.topRight(), panel.bottomLeft(), panel.bottomRight())
    target = frame.center()

    def distance(point: QPointF) -> float:
        d = point - target
        return d.x() ** 2 + d.y() ** 2

    start = min(corners, key=distance)
    end = QPointF(min(frame.right(), max(frame.left(), start.x())), min(frame.bottom(), max(frame.top(), start.y())))
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setPen(QPen(QColor(255, 255, 255, 200), 3.5))
    p.drawLine(start, end)
    p.setPen(QPen(WINDOW_RED, 1.5))
    p.drawLine(start, end)
    p.restore()
