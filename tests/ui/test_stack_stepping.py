"""Stepping a Conv2D deep in a stack: its many input channels are summed per channel, and a tick
writes every product; the text is always the layer's own arithmetic."""

from __future__ import annotations

from PySide6.QtCore import Qt

from kernelscope.core.arithmetic import plain_text
from kernelscope.core.layer_step_text import layer_step_text
from kernelscope.files.lessons import find_lesson, load_lesson
from tests.ui.gui import open_window


def test_a_conv2d_of_32_input_channels_steps_by_channel_sums_or_every_product(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, load_lesson(find_lesson("11")))
    doc, panel = window.document, window.step_panel
    assert not panel.every_product_box.isVisible()  # the photo's three channels: every product anyway
    window.stack_view.layer_list.table.selectRow(2)  # conv2d_1 reads max_pooling2d's 32 maps
    qtbot.waitUntil(lambda: doc.selected_layer == 2)
    assert panel.every_product_box.isVisible()
    for _ in range(2):
        qtbot.mouseClick(panel.forward_button, Qt.MouseButton.LeftButton)
    cell = (0, 2, 0)
    assert doc.step == 2
    summed = layer_step_text(doc.selected_result, cell, collapse_channels=True)
    assert panel.title.text() == summed.title
    assert panel.products.toPlainText().count("sum =") == 32
    qtbot.mouseClick(panel.every_product_box, Qt.MouseButton.LeftButton)
    every = layer_step_text(doc.selected_result, cell, collapse_channels=False)
    shown = panel.products.toPlainText()
    assert shown.count(" x ") == 32 * 9  # every input x weight = product of the 3x3x32 window
    assert every.summary[0].split(" = ")[-1] in panel.summary.text()
    assert plain_text(every).splitlines()[0] == panel.title.text()


def test_stepping_an_elementwise_layer_on_a_vector_frames_its_wrapped_input_cell(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Lesson 13's Dropout reads flatten's 400 values, drawn 20 a row: step 43 reads value 42, row 2, column 2."""
    window = open_window(qtbot, load_lesson(find_lesson("13")))
    doc = window.document
    window.stack_view.layer_list.table.selectRow(5)
    qtbot.waitUntil(lambda: doc.selected_layer == 5)
    assert window.input_heading.text().endswith("400 values, 20 a row")
    rows, cols = window.pixel_grid._window
    assert (rows.tolist(), cols.tolist()) == ([[0]], [[0]])
    for _ in range(42):
        qtbot.mouseClick(window.step_panel.forward_button, Qt.MouseButton.LeftButton)
    assert doc.step == 42
    rows, cols = window.pixel_grid._window
    assert (rows.tolist(), cols.tolist()) == ([[2]], [[2]])
