"""The kernel grid inside the window (issue 13): a Gaussian's tiny weights drawn whole, and a wheel
that scrolls the middle panel past the grid edits nothing."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QScrollArea, QStyle

from kernelscope.ui.main_window import MainWindow
from tests.ui.gui import open_window


@pytest.fixture
def window(qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    return open_window(qtbot)


def drawn_text(window: MainWindow, row: int, col: int) -> str:
    """What the view paints in a weight's cell: the item's text, elided if it did not fit."""
    grid = window.kernel_grid
    item = grid.item(row, col)
    margin = grid.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, grid) + 1
    room = grid.visualItemRect(item).width() - 2 * margin
    return QFontMetrics(item.font()).elidedText(item.text(), Qt.TextElideMode.ElideRight, room)


@pytest.mark.parametrize("large", [False, True])
def test_the_gaussian_5x5_preset_shows_its_corner_weight_whole(window: MainWindow, large: bool) -> None:
    window.kernel_actions.preset_actions["Gaussian 5x5"].trigger()
    assert window.document.kernels[0, 0, 0, 0] == np.float32(1 / 256)
    window.kernel_grid.set_large(large)  # what projector mode does to the grid
    QApplication.processEvents()
    for r, c in ((0, 0), (0, 4), (4, 0), (4, 4)):
        text = drawn_text(window, r, c)
        assert text in {"0.0039", "0.004", "4e-3"}  # a rounding of 0.0039, not "3.9…"
        assert float(text) == pytest.approx(1 / 256, abs=0.0006)
    assert window.kernel_grid.item(0, 0).font().pixelSize() >= 9


def _middle_pane(window: MainWindow) -> QScrollArea:
    grid, widget = window.kernel_grid, window.kernel_grid.parentWidget()
    while widget is not None and not isinstance(widget, QScrollArea):
        widget = widget.parentWidget()
    assert widget is not None, "the kernel grid is not in a scrolling pane"
    assert widget.isAncestorOf(grid)
    return widget


def wheel_over_weight(window: MainWindow, row: int, col: int, notches: int) -> None:
    """A real (spontaneous) wheel turn with the pointer over a weight, routed by Qt from the window."""
    grid = window.kernel_grid
    at = grid.viewport().mapTo(window, grid.visualItemRect(grid.item(row, col)).center())
    assert window.childAt(at) is grid.viewport(), "the weight is not under the pointer"
    QTest.wheelEvent(window.windowHandle(), QPointF(at), QPoint(0, 120 * notches))
    QApplication.processEvents()


def test_a_wheel_scrolling_the_middle_panel_over_the_grid_edits_no_weight(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    grid = window.kernel_grid
    window.resize(1024, 600)  # a small screen, and a kernel panel taller than it (large type, a tall kernel):
    window.kernel_grid.setMinimumHeight(700)  # the middle panel scrolls
    QApplication.processEvents()
    pane = _middle_pane(window)
    bar = pane.verticalScrollBar()
    assert bar.maximum() > 0
    pane.ensureWidgetVisible(grid, 0, 0)  # scrolled down to the grid; the wheel goes back up over it
    QApplication.processEvents()
    start = bar.value()
    assert start > 0
    before = np.array(window.document.kernels)
    wheel_over_weight(window, 1, 1, 1)
    np.testing.assert_array_equal(window.document.kernels, before)
    assert not window.document.modified
    assert bar.value() < start  # the panel scrolled instead
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=grid.visualItemRect(grid.item(1, 1)).center())
    scrolled = bar.value()
    wheel_over_weight(window, 1, 1, 1)
    assert window.document.kernels[1, 1, 0, 0] == before[1, 1, 0, 0] + 1  # focused: the wheel nudges
    assert bar.value() == scrolled
