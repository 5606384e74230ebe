"""Where the window opens and how big: never larger than the screen it opens on (a 1024x768
projector laptop must see the status line), and where the person left it last time, when that
still fits the screen in use today."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QByteArray, QDataStream, QEvent, QIODevice, QObject, QPoint, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QStyle, QWidget

from kernelscope.ui.settings import Settings

PREFERRED_SIZE = QSize(1280, 800)
_GEOMETRY_MAGIC = 0x1D9D0CB  # QWidget::saveGeometry's header


def available_area(window: QWidget) -> QRect:
    """The part of the screen the window opens on that panels and docks leave free."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def title_bar_allowance() -> int:
    """The window manager adds a title bar above the client area; it is unknown before the first
    show, so the style's estimate keeps the frame on the screen."""
    style = QApplication.style()
    return style.pixelMetric(QStyle.PixelMetric.PM_TitleBarHeight) if style is not None else 0


def first_geometry(area: QRect, preferred: QSize = PREFERRED_SIZE) -> QRect:
    """The preferred size, cut to ``area`` (with room for a title bar), centred in it."""
    title = min(title_bar_allowance(), area.height() // 4)
    width = min(preferred.width(), area.width())
    height = min(preferred.height(), area.height() - title)
    left = area.left() + (area.width() - width) // 2
    top = area.top() + title + (area.height() - title - height) // 2
    return QRect(left, top, width, height)


def saved_frame(state: QByteArray) -> QRect | None:
    """The frame rectangle inside ``saveGeometry()`` bytes, or None when they are not such bytes."""
    stream = QDataStream(state, QIODevice.OpenModeFlag.ReadOnly)
    magic = stream.readUInt32()
    major = stream.readUInt16()
    stream.readUInt16()
    left, top, right, bottom = (stream.readInt32() for _ in range(4))  # how QDataStream writes a QRect
    frame = QRect(QPoint(left, top), QPoint(right, bottom))
    if magic != _GEOMETRY_MAGIC or major < 1 or stream.status() != QDataStream.Status.Ok:
        return None
    return frame


def place(window: QWidget, settings: Settings) -> None:
    """The last geometry when its frame fits today's screen, else the fitted default."""
    area = available_area(window)
    state = settings.window_geometry()
    frame = saved_frame(state) if state is not None else None
    if state is not None and frame is not None and frame.isValid() and area.contains(frame):
        if window.restoreGeometry(state):
            return
    window.setGeometry(first_geometry(area))


class GeometryKeeper(QObject):
    """Places the window now and remembers its geometry when it closes; ``geometry`` says which
    geometry to keep (projector mode answers with the one from before it took the screen)."""

    def __init__(self, window: QWidget, settings: Settings, geometry: Callable[[], QByteArray]) -> None:
        super().__init__(window)
        self.settings = settings
        self.geometry = geometry
        self.remembering = True  # a screenshot is not where the person left the window
        place(window, settings)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Close and self.remembering:
            self.settings.set_window_geometry(self.geometry())
        return False
