"""The explorer window driven as a person would: layer controls, filters, presets, tools, hover."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QSpinBox

from kernelscope.core import engine, kernel_tools, paint_tools
from kernelscope.ui.main_window import MainWindow
from tests.ui.gui import drag, hover, open_window, type_into

ARTICLE_X = np.where(np.eye(5, dtype=bool) | np.fliplr(np.eye(5, dtype=bool)), -1, 1)


@pytest.fixture
def window(qtbot):  # type: ignore[no-untyped-def]
    return open_window(qtbot)


def set_spin(qtbot, spin: QSpinBox, value: int) -> None:  # type: ignore[no-untyped-def]
    """Select the box's text, type the number, press Enter (keys go straight to its line edit)."""
    edit = spin.lineEdit()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, str(value))
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def maps_match_engine(window: MainWindow) -> None:
    doc = window.document
    expected = engine.conv2d(doc.input, doc.kernels, doc.bias if doc.spec.use_bias else None,
                             doc.spec.strides, doc.spec.padding, doc.spec.dilation_rate, doc.spec.activation)
    assert window.feature_maps.map_count() == expected.shape[2]
    for f in range(expected.shape[2]):
        np.testing.assert_array_equal(window.feature_maps.image_data(f), expected[:, :, f])


def test_stride_two_gives_a_two_by_two_map_and_says_so(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    set_spin(qtbot, window.conv_controls.stride_h, 2)
    assert window.document.spec.strides == (2, 2)  # linked: both sides
    assert window.maps_heading.text() == "Feature maps  2x2x1"
    assert window.status_strip.keras_line.text() == "layers.Conv2D(1, (3, 3), strides=(2, 2), input_shape=(5, 5, 1))"
    assert "floor((5 - 3) / 2) + 1 = 2" in window.status_strip.shape_label.text()
    maps_match_engine(window)


def test_same_padding_on_an_even_input_draws_the_asymmetric_ring(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    tools = window.input_tools
    set_spin(qtbot, tools.rows, 6)
    set_spin(qtbot, tools.cols, 6)
    qtbot.mouseClick(tools.apply_size, Qt.MouseButton.LeftButton)
    assert window.document.input.shape == (6, 6, 1)
    window.conv_controls.padding.setCurrentIndex(window.conv_controls.padding.findText("same"))
    set_spin(qtbot, window.conv_controls.stride_h, 2)
    assert window.document.spec.padding == "same"
    assert window.document.result.pads == ((0, 1), (0, 1))
    assert window.maps_heading.text() == "Feature maps  3x3x1"
    assert 'padding="same"' in window.status_strip.keras_line.text()
    assert "0 before, 1 after" in window.status_strip.shape_label.text()
    # What the person sees: a dimmed ring cell below/right of the input, none above/left.
    grid = window.pixel_grid
    image = grid.grab().toImage()
    ring = grid.cell_rect(6, 6).center().toPoint()
    above = grid.cell_rect(-1, 0).center().toPoint()
    assert image.pixelColor(ring).name() == "#c8c8d7"
    assert image.pixelColor(above).name() != "#c8c8d7"
    maps_match_engine(window)


def test_dilation_two_and_the_conflict_with_strides(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    set_spin(qtbot, window.conv_controls.dilation_h, 2)
    assert window.document.spec.dilation_rate == (2, 2)
    assert window.maps_heading.text() == "Feature maps  1x1x1"
    assert "dilation_rate=(2, 2)" in window.status_strip.keras_line.text()
    rows, cols = window.pixel_grid._window  # type: ignore[misc]
    assert rows[:, 0].tolist() == [0, 2, 4]
    assert cols[0, :].tolist() == [0, 2, 4]
    # Now ask for stride 2 as well: refused where the person is looking, nothing changes.
    set_spin(qtbot, window.conv_controls.stride_h, 2)
    problem = window.conv_controls.problem_text()
    assert "strides" in problem
    assert "dilation_rate" in problem
    assert window.conv_controls.problem.isVisible()
    assert window.document.spec.strides == (1, 1)
    assert window.conv_controls.stride_h.value() == 1


def test_a_kernel_too_large_is_explained_and_changes_nothing(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    set_spin(qtbot, window.conv_controls.kernel_h, 7)
    assert "does not fit a 5x5 input" in window.conv_controls.problem_text()
    assert window.document.spec.kernel_size == (3, 3)
    maps_match_engine(window)


def test_four_filters_give_four_maps(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    set_spin(qtbot, window.conv_controls.filters, 4)
    assert window.document.spec.filters == 4
    assert window.feature_maps.map_count() == 4
    assert window.filter_list.count() == 4
    assert window.status_strip.keras_line.text().startswith("layers.Conv2D(4, (3, 3)")
    assert "parameters 40" in window.status_strip.shape_label.text()
    maps_match_engine(window)


def test_add_duplicate_remove_filters_with_the_buttons(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    fl = window.filter_list
    qtbot.mouseClick(fl.duplicate_button, Qt.MouseButton.LeftButton)
    assert window.document.spec.filters == 2
    np.testing.assert_array_equal(window.document.kernels[..., 0], window.document.kernels[..., 1])
    assert window.document.view.selected_filter == 1
    qtbot.mouseClick(fl.add_button, Qt.MouseButton.LeftButton)
    assert window.document.spec.filters == 3
    assert not window.document.kernels[..., 2].any()
    qtbot.mouseClick(fl.remove_button, Qt.MouseButton.LeftButton)
    assert window.document.spec.filters == 2
    assert window.feature_maps.map_count() == 2
    maps_match_engine(window)


@pytest.mark.parametrize("name", list(kernel_tools.PRESETS))
def test_every_preset_applies(window: MainWindow, name: str) -> None:
    window.kernel_actions.preset_actions[name].trigger()
    expected = kernel_tools.preset_kernel(name, 3, 3)
    np.testing.assert_array_equal(window.document.kernels[:, :, 0, 0], expected)
    assert window.document.spec.kernel_size == expected.shape
    np.testing.assert_array_equal(window.kernel_grid.kernel(), expected)
    maps_match_engine(window)


def test_transforms_rotate_negate_normalize(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    buttons = window.kernel_actions.buttons
    qtbot.mouseClick(buttons["rotate"], Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(window.document.kernels[:, :, 0, 0], [[1, -1, 1]] * 3)
    qtbot.mouseClick(buttons["negate"], Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(window.document.kernels[:, :, 0, 0], [[-1, 1, -1]] * 3)
    qtbot.mouseClick(buttons["normalize"], Qt.MouseButton.LeftButton)  # sums to -3: scaled to 1
    assert window.document.kernels[:, :, 0, 0].sum() == pytest.approx(1.0)
    window.kernel_actions.preset_actions["Sobel x"].trigger()
    qtbot.mouseClick(buttons["normalize"], Qt.MouseButton.LeftButton)  # sums to 0: refused
    assert "sum to 0" in window.status_strip.message.text()
    np.testing.assert_array_equal(window.document.kernels[:, :, 0, 0], kernel_tools.preset_kernel("Sobel x", 3, 3))
    maps_match_engine(window)


def test_randomize_like_keras_uses_the_seed_shown(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    set_spin(qtbot, window.conv_controls.filters, 3)
    window.kernel_actions.seed.setValue(1234)
    qtbot.mouseClick(window.kernel_actions.randomize, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(window.document.kernels, engine.glorot_uniform((3, 3, 1, 3), seed=1234))
    assert not window.document.bias.any()
    assert "seed 1234" in window.statusBar().currentMessage()
    maps_match_engine(window)


def test_bias_spinbox_shifts_the_map(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    edit = window.kernel_actions.bias.lineEdit()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, "0.5")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert window.document.bias[0] == pytest.approx(0.5)
    assert window.feature_maps.image_data(0)[0, 0] == pytest.approx(1.5)


def test_resizing_keeps_the_drawing(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    tools = window.input_tools
    set_spin(qtbot, tools.rows, 8)
    set_spin(qtbot, tools.cols, 9)
    qtbot.mouseClick(tools.apply_size, Qt.MouseButton.LeftButton)
    x = window.document.input[:, :, 0]
    assert x.shape == (8, 9)
    np.testing.assert_array_equal(x[:5, :5], ARTICLE_X)
    assert (x[5:, :] == 1).all()  # padded with the white paper
    assert (x[:, 5:] == 1).all()
    set_spin(qtbot, tools.rows, 4)
    set_spin(qtbot, tools.cols, 4)
    qtbot.mouseClick(tools.apply_size, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(window.document.input[:, :, 0], ARTICLE_X[:4, :4])
    assert window.maps_heading.text() == "Feature maps  2x2x1"
    maps_match_engine(window)


def test_hovering_a_weight_lights_every_input_cell_it_touches(window: MainWindow) -> None:
    grid = window.kernel_grid
    hover(grid.viewport(), grid.visualItemRect(grid.item(0, 0)).center())
    assert window.pixel_grid._highlight == {(r, c) for r in range(3) for c in range(3)}
    hover(grid.viewport(), grid.visualItemRect(grid.item(2, 1)).center())
    assert window.pixel_grid._highlight == {(r, c) for r in range(2, 5) for c in range(1, 4)}


def test_weight_hover_with_stride_and_padding(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.conv_controls.padding.setCurrentIndex(window.conv_controls.padding.findText("same"))
    set_spin(qtbot, window.conv_controls.stride_h, 2)  # 5x5, k3, s2, same: pads 1/1, output 3x3
    grid = window.kernel_grid
    hover(grid.viewport(), grid.visualItemRect(grid.item(0, 0)).center())
    # Tap (0, 0) reads rows/cols -1, 1, 3: the padding row/col is not an input cell.
    assert window.pixel_grid._highlight == {(r, c) for r in (1, 3) for c in (1, 3)}


def test_enter_moves_down_like_a_spreadsheet(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    grid = window.kernel_grid
    type_into(qtbot, grid, 0, 1, "2")
    assert (grid.currentRow(), grid.currentColumn()) == (1, 1)
    type_into(qtbot, grid, 2, 1, "-2")
    assert (grid.currentRow(), grid.currentColumn()) == (0, 2)
    assert window.document.kernels[0, 1, 0, 0] == 2
    assert window.document.kernels[2, 1, 0, 0] == -2


def test_wheel_nudges_a_weight(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    grid = window.kernel_grid
    pos = QPointF(grid.visualItemRect(grid.item(1, 1)).center())
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=pos.toPoint())  # the wheel edits once focused
    ev = QWheelEvent(pos, grid.viewport().mapToGlobal(pos), QPoint(0, 0), QPoint(0, 120),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(grid.viewport(), ev)
    assert window.document.kernels[1, 1, 0, 0] == 0  # -1 + 1


def test_rectangle_line_and_fill_tools(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    grid, tools = window.pixel_grid, window.input_tools
    qtbot.mouseClick(tools.brush_white, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(tools.clear_button, Qt.MouseButton.LeftButton)  # paper is the far end from white: black
    assert (window.document.input == -1).all()
    qtbot.mouseClick(tools.rect_button, Qt.MouseButton.LeftButton)
    drag(grid, [grid.cell_rect(0, 0).center().toPoint(), grid.cell_rect(2, 3).center().toPoint(),
                grid.cell_rect(4, 4).center().toPoint()])
    x = window.document.input[:, :, 0]
    expected = -np.ones((5, 5))
    for r, c in paint_tools.rect_cells((0, 0), (4, 4)):
        expected[r, c] = 1
    np.testing.assert_array_equal(x, expected)
    qtbot.mouseClick(tools.fill_button, Qt.MouseButton.LeftButton)
    drag(grid, [grid.cell_rect(2, 2).center().toPoint()])
    assert (window.document.input == 1).all()
    qtbot.mouseClick(tools.line_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(tools.brush_black, Qt.MouseButton.LeftButton)
    drag(grid, [grid.cell_rect(0, 0).center().toPoint(), grid.cell_rect(4, 4).center().toPoint()])
    np.testing.assert_array_equal(np.diag(window.document.input[:, :, 0]), [-1] * 5)
    assert (window.document.input == -1).sum() == 5
    maps_match_engine(window)


def test_invert_and_shift(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(window.input_tools.invert_button, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(window.document.input[:, :, 0], -ARTICLE_X)
    qtbot.mouseClick(window.input_tools.invert_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.input_tools.shift_right, Qt.MouseButton.LeftButton)
    x = window.document.input[:, :, 0]
    np.testing.assert_array_equal(x[:, 1:], ARTICLE_X[:, :4])
    assert (x[:, 0] == 1).all()


def test_grey_mode_converts_the_drawing(window: MainWindow) -> None:
    combo = window.input_tools.value_mode
    combo.setCurrentIndex(combo.findData("grey") if combo.findData("grey") >= 0 else 1)
    assert window.document.view.value_mode == "grey"
    np.testing.assert_array_equal(window.document.input[:, :, 0], (ARTICLE_X + 1) / 2)
    assert window.document.value_range == (0.0, 1.0)
    maps_match_engine(window)


def test_map_options_scale_colormap_and_activation(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    set_spin(qtbot, window.conv_controls.filters, 2)
    window.kernel_actions.preset_actions["identity"].trigger()  # filter 1: identity; filter 2: the line
    window.filter_list.list.setCurrentRow(1)
    window.kernel_actions.preset_actions["article line"].trigger()
    assert window.feature_maps.levels(0) == window.feature_maps.levels(1)
    window.map_options.shared.setChecked(False)
    assert window.document.view.shared_scale is False
    assert window.feature_maps.levels(0) != window.feature_maps.levels(1)
    window.map_options.colormap.setCurrentIndex(window.map_options.colormap.findData("viridis"))
    assert window.document.view.colormap == "viridis"
    act = window.conv_controls.activation
    act.setCurrentIndex(act.findData("relu") if act.findData("relu") >= 0 else act.findText("relu"))
    assert window.document.spec.activation == "relu"
    assert window.feature_maps.image_data(1).min() >= 0
    window.map_options.activated.setChecked(False)
    assert window.feature_maps.image_data(1).min() == -3  # the sum before relu

