"""The window's shape: three resizable panes side by side (the middle one scrolls) over a strip."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QSplitter, QVBoxLayout, QWidget

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
    layout.setContentsMargins(8, 6, 8, 6)
    for widget, stretch in parts:
        layout.addWidget(widget, stretch)
    return box


def _scrolling(parts: Parts) -> QScrollArea:
    """The middle pane scrolls down, never across: its width is what its controls need."""
    middle = QWidget()
    layout = QVBoxLayout(middle)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget, stretch in parts:
        layout.addWidget(widget, stretch)
    scroll = QScrollArea()
    scroll.setWidget(middle)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    middle.setMinimumWidth(middle.sizeHint().width())
    scroll.setMinimumWidth(middle.minimumWidth() + 12)
    return scroll


def three_panes(left: Parts, middle: Parts, right: Parts, strip: QWidget) -> Panes:
    maps = _column(right)
    splitter = QSplitter(Qt.Orientation.Horizontal)
    for i, column in enumerate((_column(left), _column([(_scrolling(middle), 1)]), maps)):
        splitter.addWidget(column)
        splitter.setStretchFactor(i, STRETCH[i])
    splitter.setChildrenCollapsible(False)
    central = QWidget()
    layout = QVBoxLayout(central)
    layout.setContentsMargins(6, 6, 6, 6)
    layout.addWidget(splitter, 1)
    layout.addWidget(strip)
    return Panes(central, splitter, layout, maps.layout())  # type: ignore[arg-type]
