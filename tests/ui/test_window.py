"""The window as a person uses it: look at the numbers, paint by dragging, type a weight."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from kernelscope.core import engine
from kernelscope.ui.main_window import MainWindow
from tests.ui.gui import drag, open_window, type_into


@pytest.fixture
def window(qtbot):  # type: ignore[no-untyped-def]
    return open_window(qtbot)


def centre(window: MainWindow, row: int, col: int) -> QPoint:
    return window.pixel_grid.cell_rect(row, col).center().toPoint()


def test_opens_on_the_article_scene(window: MainWindow) -> None:
    assert window.input_heading.text() == "Input  5x5x1"
    assert window.maps_heading.text() == "Feature maps  3x3x1"
    np.testing.assert_array_equal(window.feature_maps.image_data(0), [[1, 5, 1], [1, -3, 1], [1, 5, 1]])
    assert window.status_strip.keras_line.text() == "layers.Conv2D(1, (3, 3), input_shape=(5, 5, 1))"
    assert "parameters 10" in window.status_strip.shape_label.text()
    assert "floor((5 - 3) / 1) + 1 = 3" in window.status_strip.shape_label.text()
    # The first window is framed on the input, the first cell on the map.
    rows, cols = window.pixel_grid._window  # type: ignore[misc]
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (0, 2, 0, 2)


def test_paint_an_x_by_dragging(window: MainWindow) -> None:
    grid = window.pixel_grid
    # The brush is black (-1), as the article draws; a right-drag paints the white paper (+1).
    for r in range(5):
        drag(grid, [centre(window, r, 0), centre(window, r, 4)], Qt.MouseButton.RightButton)
    assert (window.document.input == 1).all()
    drag(grid, [centre(window, 0, 0), centre(window, 4, 4)])
    drag(grid, [centre(window, 0, 4), centre(window, 4, 0)])
    x = window.document.input[:, :, 0]
    expected_x = np.where(np.eye(5, dtype=bool) | np.fliplr(np.eye(5, dtype=bool)), -1, 1)
    np.testing.assert_array_equal(x, expected_x)
    shown = window.feature_maps.image_data(0)
    doc = window.document
    np.testing.assert_array_equal(shown, engine.conv2d(doc.input, doc.kernels, doc.bias)[:, :, 0])
    assert shown[0, 0] == 1


def test_typing_a_weight_changes_the_maps(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    grid = window.kernel_grid
    type_into(qtbot, grid, 1, 1, "3")
    assert window.document.kernels[1, 1, 0, 0] == 3
    doc = window.document
    np.testing.assert_array_equal(
        window.feature_maps.image_data(0), engine.conv2d(doc.input, doc.kernels, doc.bias)[:, :, 0]
    )
    assert grid.item(1, 1).text() == "3"


def test_a_refused_entry_shows_why_and_keeps_the_old_value(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    grid = window.kernel_grid
    type_into(qtbot, grid, 0, 2, "abc")
    assert window.document.kernels[0, 2, 0, 0] == 1
    assert grid.item(0, 2).text() == "1"
    assert "'abc' is not a number" in window.status_strip.message.text()


def test_clicking_a_map_cell_moves_the_window(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.feature_maps.cell_clicked.emit(0, 2, 1)
    assert window.document.step == 7
    rows, cols = window.pixel_grid._window  # type: ignore[misc]
    assert (rows.min(), cols.min()) == (2, 1)


def test_a_wider_brush_paints_the_cells_around_the_pointer_as_one_undo(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    buttons = {b.text(): b for b in window.brush_size.findChildren(type(window.input_tools.clear_button))}
    qtbot.mouseClick(buttons["3"], Qt.MouseButton.LeftButton)
    assert window.pixel_grid.brush_size() == 3
    window.input_tools.set_state((5, 5), "binary", -1.0)  # the black brush
    drag(window.pixel_grid, [centre(window, 2, 2)])
    painted = window.document.input[:, :, 0]
    np.testing.assert_array_equal(painted[1:4, 1:4], -np.ones((3, 3)))  # the 3x3 around (2, 2), black
    assert painted[0, 2] == 1  # nothing beyond it
    assert painted[2, 4] == 1
    window.document.undo()
    assert window.document.input[1, 2, 0] == 1  # the whole dab was one step
