"""What tells a zoomed view from the whole input: a badge with the zoom, and where the view sits."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter

from kernelscope.ui.widgets.grid_viewport import GridViewport

BADGE_FILL = QColor(28, 32, 40, 225)
BADGE_INK = QColor(245, 245, 250)
TRACK = QColor(28, 32, 40, 90)
THUMB = QColor(28, 32, 40, 200)
INSET = 6.0


def badge_text(view: GridViewport) -> str:
    if view.is_fit():
        return "fit · Ctrl+wheel zooms"
    return f"{round(view.size() / view.fit_size() * 100)}% · 0 fits"


def badge_rect(text: str, font: QFont, widget: QRectF, avoid: list[QRectF]) -> QRectF:
    """A corner for the badge, bottom ones first, clear of the window and the loupe when it can be."""
    metrics = QFontMetricsF(font)
    w, h = metrics.horizontalAdvance(text) + 14, metrics.height() + 6
    left, right = widget.left() + INSET, widget.right() - INSET - w
    top, bottom = widget.top() + INSET, widget.bottom() - INSET - h
    corners = [QRectF(x, y, w, h) for y in (bottom, top) for x in (left, right)]
    for rect in corners:
        if not any(rect.intersects(other) for other in avoid):
            return rect
    return corners[0]


def paint_badge(p: QPainter, rect: QRectF, text: str, font: QFont) -> None:
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(BADGE_FILL)
    p.drawRoundedRect(rect, rect.height() / 2, rect.height() / 2)
    p.setFont(font)
    p.setPen(BADGE_INK)
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
    p.restore()


def paint_scroll_marks(p: QPainter, view: GridViewport) -> None:
    """Thin bars along the bottom and right edges: how much of the grid is in view, and which part."""
    size = view.size()
    x0, y0 = view.origin()
    content_w, content_h = view.cols * size, view.rows * size
    thickness = 5.0
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setPen(Qt.PenStyle.NoPen)
    if content_w > view.width + 0.5:
        track = QRectF(INSET, view.height - thickness - 2, view.width - 2 * INSET - thickness - 4, thickness)
        start, share = -x0 / content_w, view.width / content_w
        _bar(p, track, QRectF(track.left() + start * track.width(), track.top(), share * track.width(), thickness))
    if content_h > view.height + 0.5:
        track = QRectF(view.width - thickness - 2, INSET, thickness, view.height - 2 * INSET - thickness - 4)
        start, share = -y0 / content_h, view.height / content_h
        _bar(p, track, QRectF(track.left(), track.top() + start * track.height(), thickness, share * track.height()))
    p.restore()


def _bar(p: QPainter, track: QRectF, thumb: QRectF) -> None:
    radius = min(track.width(), track.height()) / 2
    p.setBrush(TRACK)
    p.drawRoundedRect(track, radius, radius)
    p.setBrush(THUMB)
    p.drawRoundedRect(thumb.intersected(track), radius, radius)
