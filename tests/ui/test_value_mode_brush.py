"""Choosing a value mode in the window: the box and the brush show the new mode (issue 13).

The Document sends input_changed before view_changed for a mode change; the toolbar once showed the
old mode and a brush forced to +1 from that first signal.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from kernelscope.ui.main_window import MainWindow
from tests.ui.gui import drag, open_window


@pytest.fixture
def window(qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    return open_window(qtbot)


def choose_mode(qtbot, window: MainWindow, label: str) -> None:  # type: ignore[no-untyped-def]
    """Arrow keys on the focused combo box, as a person picks an item without opening the list."""
    box = window.input_tools.value_mode
    box.setFocus()
    target = box.findText(label)
    assert target >= 0, label
    key = Qt.Key.Key_Down if target > box.currentIndex() else Qt.Key.Key_Up
    while box.currentIndex() != target:
        qtbot.keyClick(box, key)


def paint_cell(window: MainWindow, row: int, col: int) -> float:
    grid = window.pixel_grid
    drag(grid, [grid.cell_rect(row, col).center().toPoint()])
    return float(window.document.input[row, col, 0])


def test_choosing_grey_shows_grey_and_the_darkest_brush(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    tools = window.input_tools
    assert tools.value_mode.currentText() == "binary -1/+1"
    assert tools.brush_black.isChecked()  # the article's black -1
    choose_mode(qtbot, window, "grey 0..1")
    assert window.document.view.value_mode == "grey"
    assert tools.value_mode.currentText() == "grey 0..1"
    assert tools.brush_value.isVisible()
    assert tools.brush_value.text() == "0.00"  # black in grey, not a silent +1
    assert tools.brush() == 0.0
    assert paint_cell(window, 2, 1) == 0.0  # the brush paints what it shows

    choose_mode(qtbot, window, "0..255")
    assert window.document.view.value_mode == "byte"
    assert tools.value_mode.currentText() == "0..255"
    assert tools.brush_value.text() == "0"
    assert paint_cell(window, 0, 1) == 0.0
    assert window.document.value_range == (0.0, 255.0)


def test_a_white_brush_stays_white_in_every_mode(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    tools = window.input_tools
    qtbot.mouseClick(tools.brush_white, Qt.MouseButton.LeftButton)
    choose_mode(qtbot, window, "grey 0..1")
    assert (tools.value_mode.currentText(), tools.brush()) == ("grey 0..1", 1.0)
    choose_mode(qtbot, window, "0..255")
    assert (tools.value_mode.currentText(), tools.brush()) == ("0..255", 255.0)
    choose_mode(qtbot, window, "binary -1/+1")
    assert tools.value_mode.currentText() == "binary -1/+1"
    assert tools.brush_white.isChecked()
    assert tools.brush() == 1.0


def test_undo_and_redo_bring_the_box_and_brush_along(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    tools = window.input_tools
    before = np.array(window.document.input)
    choose_mode(qtbot, window, "grey 0..1")
    window.actions_by_name["undo"].trigger()
    assert window.document.view.value_mode == "binary"
    np.testing.assert_array_equal(window.document.input, before)
    assert tools.value_mode.currentText() == "binary -1/+1"
    assert tools.brush_black.isChecked()
    assert tools.brush() == -1.0
    window.actions_by_name["redo"].trigger()
    assert tools.value_mode.currentText() == "grey 0..1"
    assert tools.brush() == 0.0
