"""Hovering a cell of any layer's maps lights what it reads: the cells of the layer's input pane,
and every upstream level on the strip, as the receptive-field formulas say."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPoint
from PySide6.QtWidgets import QApplication

from kernelscope.core.receptive_field import receptive_field
from kernelscope.files.lessons import find_lesson, load_lesson
from tests.ui.gui import hover, open_window


def map_point(window, k: int, row: int, col: int) -> QPoint:  # type: ignore[no-untyped-def]
    fm = window.feature_maps
    return fm.view_widget.mapFromScene(fm.cell_scene_rect(k, row, col).center())


def test_hovering_a_first_layer_cell_lights_its_window_on_the_input(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot)  # the article's X: 5x5 -> 3x3 with a 3x3 kernel
    hover(window.feature_maps.view_widget.viewport(), map_point(window, 0, 1, 2))
    assert window.pixel_grid._highlight == {(r, c) for r in (1, 2, 3) for c in (2, 3, 4)}
    QApplication.sendEvent(window.feature_maps.view_widget, QEvent(QEvent.Type.Leave))  # the pointer leaves
    assert window.pixel_grid._highlight == set()


def test_hovering_a_pooled_cell_lights_its_field_down_to_the_input(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, load_lesson(find_lesson("10")))  # X -> Conv2D(same) -> MaxPooling2D(2, 2)
    doc = window.document
    window.stack_view.layer_list.table.selectRow(1)  # what a click on the row does
    qtbot.waitUntil(lambda: doc.selected_layer == 1)
    hover(window.feature_maps.view_widget.viewport(), map_point(window, 1, 1, 0))
    # The pool reads the 2x2 block at rows 2-3, columns 0-1 of conv2d's maps, shown in the input pane.
    assert window.pixel_grid._highlight == {(2, 0), (2, 1), (3, 0), (3, 1)}
    regions = receptive_field(doc.layers, doc.input.shape, 1, (1, 0, 1))
    # Down to the input: the 3x3 kernel (same padding) widens the block by one cell each way.
    np.testing.assert_array_equal(regions[0].rows, [1, 2, 3, 4])
    np.testing.assert_array_equal(regions[0].cols, [0, 1, 2])
    lit = window.stack_view.strip._lit
    np.testing.assert_array_equal(lit[0][0], regions[0].rows)
    np.testing.assert_array_equal(lit[0][1], regions[0].cols)
    np.testing.assert_array_equal(lit[1][0], [2, 3])
