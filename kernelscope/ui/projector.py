"""Projector mode and the theme: full screen, large type, high contrast, thick frames and only what
the class needs to see; the arithmetic moves under the panes as a grid the size of the kernel."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QByteArray, QEvent, QObject, QRect, Qt, QTimer
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QBoxLayout,
    QComboBox,
    QMainWindow,
    QSplitter,
    QStatusBar,
    QWidget,
)

from kernelscope.ui import theme
from kernelscope.ui.settings import Settings
from kernelscope.ui.widgets.digit_size import font_for_digits
from kernelscope.ui.widgets.feature_maps import FeatureMaps
from kernelscope.ui.widgets.heading import Heading
from kernelscope.ui.widgets.kernel_grid import KernelGrid
from kernelscope.ui.widgets.pixel_grid import PixelGrid
from kernelscope.ui.widgets.status_strip import StatusStrip
from kernelscope.ui.widgets.step_panel import StepPanel

MIN_SCALE, MAX_SCALE = 1.5, 2.5
DEFAULT_SCALE = 1.75  # Settings' default projector scale: the promised digit height
MIN_DIGIT_PX = 24  # digits the class reads are never shorter in projector mode
PANE_SHARES = (0.37, 0.26, 0.37)  # input, layer and kernel, maps: what the class reads gets the room


def _forget_size_hints(window: QWidget) -> None:
    """Combo and spin boxes keep the minimum size they had in projector type (Qt caches it past a
    font change): left so, the panes would hold the window wider than the one given back."""
    for box in (*window.findChildren(QComboBox), *window.findChildren(QAbstractSpinBox)):
        QApplication.sendEvent(box, QEvent(QEvent.Type.StyleChange))
        box.updateGeometry()


class _ResizeWatch(QObject):
    """Calls ``resized`` after each resize of ``widget``."""

    def __init__(self, widget: QWidget, resized: Callable[[], object]) -> None:
        super().__init__(widget)
        self._resized = resized
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._resized()
        return False


@dataclass(frozen=True)
class ProjectorParts:
    """The parts of the window projector mode changes."""

    window: QMainWindow
    splitter: QSplitter
    central_layout: QBoxLayout  # the step panel goes here, under the panes
    maps_layout: QBoxLayout  # ... and back here
    advanced: Sequence[QWidget]  # hidden while projecting
    headings: Sequence[Heading]
    strip: StatusStrip
    step_panel: StepPanel
    pixel_grid: PixelGrid
    kernel_grid: KernelGrid
    feature_maps: FeatureMaps
    actions: dict[str, QAction]


class Projector:
    def __init__(self, parts: ProjectorParts, settings: Settings, changed: Callable[[], None]) -> None:
        self.parts = parts
        self.settings = settings
        self._changed = changed  # the window redraws what depends on the mode
        self.on = False
        self._hidden: list[QWidget] = []
        self._normal_sizes: list[int] | None = None
        # What leaving projector mode gives back: the rectangle itself (restoreGeometry would fit it to
        # the screen first), whether it was maximized, and the bytes a next start opens with.
        self._normal_rect: QRect | None = None
        self._normal_maximized = False
        self._normal_geometry: QByteArray | None = None
        self._moved_by_hand = False
        self._status_bar: QStatusBar | None = None
        self._resize_watch = _ResizeWatch(parts.splitter, lambda: QTimer.singleShot(0, self._share_panes))
        parts.splitter.splitterMoved.connect(self._on_splitter_moved)

    def is_on(self) -> bool:
        return self.on

    def toggle(self) -> None:
        self.set(not self.on)

    def set(self, on: bool, full_screen: bool = True) -> None:
        if on == self.on:
            return
        self.on = on
        p = self.parts
        if on:
            self._remember_window()
            self._normal_sizes = p.splitter.sizes()  # before anything hides: the person's own panes
            picker = getattr(p.window, "channel_picker", None)  # which channel: the teacher's choice, not the class's
            self._hidden = [w for w in (*p.advanced, *([picker] if picker is not None else [])) if not w.isHidden()]
            for w in self._hidden:
                w.hide()
            self._apply_theme()
            p.central_layout.insertWidget(1, p.step_panel)
            p.step_panel.show()  # re-parenting hides a widget until the next event loop turn
            self._moved_by_hand = False
            self._share_panes()
            self._quiet_status_bar(True)
            if full_screen:
                p.window.showFullScreen()
        else:
            # Out of full screen first: the controls coming back in projector type can ask for more height
            # than the screen has, and Qt then resizes the window and drops its full-screen flag without
            # telling the window manager, which keeps the frame full screen.
            if p.window.isFullScreen():
                p.window.showNormal()
            self._quiet_status_bar(False)
            for w in self._hidden:
                w.show()
            self._hidden = []
            self._apply_theme()
            p.maps_layout.addWidget(p.step_panel)
            p.step_panel.show()
        p.strip.set_projector(on)
        p.step_panel.set_projector(on)
        p.step_panel.set_columns(1)
        p.pixel_grid.set_thick(on)
        p.kernel_grid.set_large(on)
        p.feature_maps.set_thick(on)
        self.apply_fonts()
        self._apply_digits()
        if not on:  # once the normal type is back everywhere: the frame and panes as they were
            self._restore_window(self._normal_sizes or p.splitter.sizes())
        p.actions["projector"].setChecked(on)
        p.actions["full_screen"].setChecked(p.window.isFullScreen())
        self._changed()

    def _quiet_status_bar(self, on: bool) -> None:
        """While projecting, the window's status bar shows only while it has a message: an empty line
        of projector type is room the numbers need."""
        if on:
            bar = self.parts.window.findChild(QStatusBar, options=Qt.FindChildOption.FindDirectChildrenOnly)
            if bar is not None:
                self._status_bar = bar
                bar.messageChanged.connect(self._show_status_bar)
                self._show_status_bar(bar.currentMessage())
        elif self._status_bar is not None:
            self._status_bar.messageChanged.disconnect(self._show_status_bar)
            self._status_bar.show()
            self._status_bar = None

    def _show_status_bar(self, message: str) -> None:
        if self._status_bar is not None:
            self._status_bar.setVisible(bool(message))

    def _share_panes(self) -> None:
        """The input and the maps get the room, the kernel what is left: again whenever the window's
        size changes (going full screen, another screen), until the teacher drags a handle."""
        if not self.on or self._moved_by_hand:
            return
        splitter = self.parts.splitter
        total = sum(splitter.sizes())
        splitter.setSizes([int(total * share) for share in PANE_SHARES])

    def _on_splitter_moved(self, _pos: int, _index: int) -> None:
        if self.on:
            self._moved_by_hand = True

    def _remember_window(self) -> None:
        window = self.parts.window
        self._normal_geometry = window.saveGeometry()
        self._normal_maximized = window.isMaximized()
        self._normal_rect = window.normalGeometry() if self._normal_maximized else window.geometry()

    def _restore_window(self, sizes: list[int]) -> None:
        """Back to the remembered frame and splitter. Set again on the next turn, once the normal type
        and widgets are laid out (the projector's larger minimum size would hold the window at its
        own size until then) and the window manager has applied leaving full screen."""
        window, rect, splitter = self.parts.window, self._normal_rect, self.parts.splitter

        def put_back() -> None:
            if self.on:
                return
            QApplication.sendPostedEvents()  # the normal type reaches every widget first
            _forget_size_hints(window)
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest.value)  # minimum sizes as they are now
            if rect is not None and not window.isMaximized():
                window.setGeometry(rect)
            splitter.setSizes(sizes)

        put_back()
        QTimer.singleShot(0, put_back)
        if self._normal_maximized:
            window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)
        self._normal_rect, self._normal_geometry = None, None

    def geometry_to_remember(self) -> QByteArray:
        """The window's geometry outside projector mode: the one a next start should open with."""
        if self.on and self._normal_geometry is not None:
            return self._normal_geometry
        return self.parts.window.saveGeometry()

    def change_scale(self, delta: float) -> None:
        scale = min(MAX_SCALE, max(MIN_SCALE, self.settings.projector_scale() + delta))
        self.settings.set_projector_scale(scale)
        if self.on:
            self._apply_theme()
            self.apply_fonts()
            self._apply_digits()
        self.parts.window.statusBar().showMessage(f"projector scale {scale:g}x", 3000)

    def digit_px(self) -> int:
        """How tall the digits the class reads stand: never under the promise, larger with "Bigger"."""
        return max(MIN_DIGIT_PX, round(MIN_DIGIT_PX * self.settings.projector_scale() / DEFAULT_SCALE))

    def _apply_digits(self) -> None:
        """The numbers the class reads (input window, kernel, current output cell, arithmetic) follow
        the scale in their own right: a larger UI font alone would only take room from them."""
        p = self.parts
        px = self.digit_px() if self.on else None
        p.step_panel.set_digit_px(px or MIN_DIGIT_PX)
        p.pixel_grid.set_digit_px(px)
        p.kernel_grid.set_digit_px(px)
        p.feature_maps.set_digit_px(px)

    def set_theme(self, name: str) -> None:
        self.settings.set_theme(name)
        self._apply_theme()
        self.parts.actions["theme_light"].setChecked(name == "light")
        self.parts.actions["theme_dark"].setChecked(name == "dark")
        self.parts.feature_maps.set_dark(name == "dark")
        self.apply_fonts()

    def toggle_full_screen(self) -> None:
        window = self.parts.window
        if window.isFullScreen():
            window.showNormal()
        else:
            window.showFullScreen()
        self.parts.actions["full_screen"].setChecked(window.isFullScreen())

    def _apply_theme(self) -> None:
        scale = self.settings.projector_scale() if self.on else 1.0
        theme.apply(QApplication.instance(), self.settings.theme(), scale, high_contrast=self.on)  # type: ignore[arg-type]

    def apply_fonts(self) -> None:
        """Headings and monospace lines follow the application font (the UI scale)."""
        base = QFont(QApplication.font())
        heading_base = QFont(base)
        if self.on:  # "Bigger" is for the numbers: the headings keep the projector's own size
            heading_base.setPointSizeF(base.pointSizeF() * min(1.0, DEFAULT_SCALE / self.settings.projector_scale()))
        for heading in self.parts.headings:
            heading.apply_font(heading_base)
        self.parts.strip.apply_fonts(base)
        self.parts.step_panel.setFont(base)
        self.parts.feature_maps.setFont(base)
        stack_view = getattr(self.parts.window, "stack_view", None)
        if stack_view is not None:  # a Dense layer's values are what the class reads: the promised digits
            stack_view.vector_bars.area.setFont(font_for_digits(base, self.digit_px()) if self.on else QFont())
            stack_view.vector_bars.set_thick(self.on)  # rows as tall as that type needs: every class shows
            stack_view.fit_bars()
