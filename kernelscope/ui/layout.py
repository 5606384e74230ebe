"""The window's shape: three resizable panes side by side (the middle one tabs when short) over a strip."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QTabWidget, QVBoxLayout, QWidget

Parts = Sequence[tuple[QWidget, int]]  # widgets top to bottom, with their stretch
STRETCH = (3, 2, 4)  # input : layer and kernels : feature maps


@dataclass(frozen=True)
class Panes:
    central: QWidget
    splitter: QSplitter
    central_layout: QVBoxLayout  # the splitter, then the strip (projector mode puts the step panel between)
    maps_layout: QVBoxLayout


def _column(parts: Parts) -> QFrame:
    box = QFrame()
    box.setFrameShape(QFrame.Shape.StyledPanel)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(8, 4, 8, 4)
    layout.setSpacing(4)  # a 1024x600 screen has no height to spare between the parts
    for widget, stretch in parts:
        layout.addWidget(widget, stretch)
    return box


class MiddleColumn(QScrollArea):
    """The middle pane: the layer's settings over its kernels. When the window is too short for both
    (a 1024x600 netbook), they become two tabs, so every control shows without scrolling."""

    def __init__(self, layer: Parts, kernel: Parts) -> None:
        super().__init__()
        self.content = QWidget()
        self._layout = _FirmLayout(self.content)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.blocks = (_block(layer), _block(kernel))
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.hide()
        self._layout.addWidget(self.tabs, 1)
        for block, stretch in zip(self.blocks, (0, 1), strict=True):
            self._layout.addWidget(block, stretch)
            block.installEventFilter(self)  # a block that grows (a lesson, RGB tabs) may no longer fit
        self.setWidget(self.content)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.content.setMinimumWidth(self.content.sizeHint().width())
        self.setMinimumWidth(self.content.minimumWidth() + 12)

    def tabbed(self) -> bool:
        return not self.tabs.isHidden()

    def needed_height(self) -> int:
        """What both blocks one over the other need at the least (the same in either arrangement)."""
        return sum(b.minimumSizeHint().height() for b in self.blocks) + self._layout.spacing()

    def fit(self) -> None:
        tabbed = self.needed_height() > self.viewport().height()
        if tabbed == self.tabbed():
            return
        current = self.tabs.currentIndex()
        if tabbed:
            for block, name in zip(self.blocks, ("Layer", "Kernel"), strict=True):
                self.tabs.addTab(block, name)
            self.tabs.setCurrentIndex(1)  # the kernel and its actions: what a lesson edits most
        else:
            self.tabs.clear()
            for block, stretch in zip(self.blocks, (0, 1), strict=True):
                self._layout.addWidget(block, stretch)
                block.show()
        self.tabs.setVisible(tabbed)
        if tabbed and current >= 0:
            self.tabs.setCurrentIndex(current)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            QTimer.singleShot(0, self.fit)
        return False


class _FirmLayout(QVBoxLayout):
    """A column whose least height is its minimum: a scroll area asks a height-for-width layout for
    its preferred height (a wrapped heading) and scrolled a pane that fitted."""

    def hasHeightForWidth(self) -> bool:
        return False


def _block(parts: Parts) -> QWidget:
    block = QWidget()
    layout = QVBoxLayout(block)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(4)
    for widget, stretch in parts:
        layout.addWidget(widget, stretch)
    return block


def three_panes(left: Parts, middle: tuple[Parts, Parts], right: Parts, strip: QWidget) -> Panes:
    """``middle`` is the layer's block and the kernel's block, one over the other (or tabbed)."""
    maps = _column(right)
    splitter = QSplitter(Qt.Orientation.Horizontal)
    for i, column in enumerate((_column(left), _column([(MiddleColumn(*middle), 1)]), maps)):
        splitter.addWidget(column)
        splitter.setStretchFactor(i, STRETCH[i])
    splitter.setChildrenCollapsible(False)
    central = QWidget()
    layout = QVBoxLayout(central)
    layout.setContentsMargins(6, 4, 6, 4)
    layout.setSpacing(4)
    layout.addWidget(splitter, 1)
    layout.addWidget(strip)
    return Panes(central, splitter, layout, maps.layout())  # type: ignore[arg-type]
