"""WeightTable alone: arrays in through ``set_arrays``; typed numbers out as ``weight_edited``."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QAbstractTableModel, QPoint, Qt
from PySide6.QtGui import QColor, QPalette, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView

from kernelscope.core.arithmetic import format_number
from kernelscope.core.colour_scale import WINDOW_RED
from kernelscope.ui.widgets.weight_table import WeightTable
from tests.ui.gui import editor_of

KERNEL = np.array([[0.5, -1.0], [0.25, 2.0], [-0.125, 0.0]], np.float32)  # 3 inputs, 2 units
BIAS = np.array([0.1, -0.2], np.float32)


@pytest.fixture
def table(qtbot) -> WeightTable:  # type: ignore[no-untyped-def]
    widget = WeightTable()
    qtbot.addWidget(widget)
    widget.resize(480, 360)
    widget.set_arrays([("kernel", KERNEL), ("bias", BIAS)])
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def emitted(table: WeightTable) -> list[tuple[str, tuple]]:
    log: list[tuple[str, tuple]] = []
    for name in ("weight_edited", "entry_refused"):
        getattr(table, name).connect(lambda *args, name=name: log.append((name, args)))
    return log


def type_into(qtbot, table: WeightTable, row: int, column: int, text: str) -> None:  # type: ignore[no-untyped-def]
    """Select a cell, type, press Enter, as a person does."""
    view = table.table
    view.setFocus()
    view.setCurrentIndex(table.model.index(row, column))
    qtbot.keyClicks(view, text[0])  # the first key opens the editor...
    editor = editor_of(view)
    qtbot.keyClicks(editor, text[1:])  # ...which takes the rest
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.state() == QAbstractItemView.State.NoState)


def cell_colour(table: WeightTable, row: int, column: int) -> QColor:
    rect = table.table.visualRect(table.model.index(row, column))
    return table.table.viewport().grab().toImage().pixelColor(rect.topLeft() + QPoint(6, 3))


def choose(qtbot, table: WeightTable, name: str) -> None:  # type: ignore[no-untyped-def]
    """Pick an array in the combo box with the keyboard."""
    table.chooser.setFocus()
    while table.chosen_name() != name:
        qtbot.keyClick(table.chooser, Qt.Key.Key_Down)


def test_a_dense_kernel_shows_inputs_down_and_units_across(table: WeightTable) -> None:
    assert table.shape_text() == "kernel 3 x 2 · 6 weights"
    assert (table.model.rowCount(), table.model.columnCount()) == (3, 2)
    assert [[table.cell_text(r, c) for c in range(2)] for r in range(3)] == [
        ["0.5", "-1"], ["0.25", "2"], ["-0.125", "0"]]
    assert table.model.data(table.model.index(2, 0), Qt.ItemDataRole.ToolTipRole) == (
        "kernel[2, 0] = -0.125  (input 2 → unit 0)")
    table.set_unit_labels(["cat", ""])
    assert table.model.headerData(0, Qt.Orientation.Horizontal) == "cat"
    assert table.model.headerData(1, Qt.Orientation.Horizontal) == "1"  # a blank name: the index
    assert table.model.headerData(2, Qt.Orientation.Vertical) == "2"


def test_cells_are_coloured_by_sign_and_size(table: WeightTable) -> None:
    zero, big, small, negative = (cell_colour(table, *rc) for rc in ((2, 1), (1, 1), (1, 0), (0, 1)))
    assert (zero.red(), zero.green(), zero.blue()) == (255, 255, 255)
    assert big.red() > big.blue()
    assert small.red() > small.blue()
    assert big.blue() < small.blue()  # the larger weight is the stronger red
    assert negative.blue() > negative.red()
    assert min(big.red(), big.green(), big.blue()) > 120  # light: black digits stay readable


def test_a_bias_is_one_column_with_unit_names(table: WeightTable, qtbot) -> None:  # type: ignore[no-untyped-def]
    table.set_unit_labels(["cat", "dog"])
    choose(qtbot, table, "bias")
    assert table.shape_text() == "bias 2 · 2 weights"
    assert (table.model.rowCount(), table.model.columnCount()) == (2, 1)
    assert [table.cell_text(r, 0) for r in range(2)] == ["0.1", "-0.2"]
    assert [table.model.headerData(r, Qt.Orientation.Vertical) for r in range(2)] == ["cat", "dog"]


def test_typing_a_number_asks_for_the_edit(table: WeightTable, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    type_into(qtbot, table, 1, 0, "-3.5")
    assert emitted == [("weight_edited", (0, (1, 0), -3.5))]
    assert table.cell_text(1, 0) == "0.25"  # asked, not applied: the document answers
    choose(qtbot, table, "bias")
    type_into(qtbot, table, 1, 0, "1/4")
    assert emitted[-1] == ("weight_edited", (1, (1,), 0.25))


def test_the_same_number_again_asks_for_nothing(table: WeightTable, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    type_into(qtbot, table, 0, 0, "0.5")
    assert emitted == []


@pytest.mark.parametrize(("text", "why"), [
    ("abc", "'abc' is not a number"),
    ("inf", "'inf' is not a finite number"),
    ("1e39", "'1e39' is too large for a float32 weight"),
])
def test_a_bad_entry_is_refused_and_the_cell_keeps_its_value(table: WeightTable, emitted, qtbot, text, why) -> None:  # type: ignore[no-untyped-def]
    type_into(qtbot, table, 0, 1, text)
    assert len(emitted) == 1
    kind, (message,) = emitted[0]
    assert kind == "entry_refused"
    assert message.startswith(why)
    assert message.endswith("kernel[0, 1] stays -1")
    assert "\n" not in message
    assert table.cell_text(0, 1) == "-1"


def test_the_editor_starts_from_every_digit_of_the_weight(table: WeightTable, qtbot) -> None:  # type: ignore[no-untyped-def]
    k = KERNEL.copy()
    k[0, 0] = 0.123456789
    table.set_arrays([("kernel", k), ("bias", BIAS)])
    assert table.cell_text(0, 0) == format_number(float(k[0, 0]))
    assert table.model.data(table.model.index(0, 0), Qt.ItemDataRole.EditRole) == "0.12345679"


def test_a_refresh_keeps_the_chosen_array_the_current_cell_and_the_scroll(table: WeightTable, qtbot) -> None:  # type: ignore[no-untyped-def]
    big = np.arange(600 * 20, dtype=np.float32).reshape(600, 20) / 7
    table.set_arrays([("bias", BIAS), ("kernel", big)])
    assert table.chosen_name() == "kernel"  # still the kernel, now second in the list
    view = table.table
    view.setCurrentIndex(table.model.index(400, 13))
    view.scrollTo(table.model.index(400, 13))
    scroll = (view.horizontalScrollBar().value(), view.verticalScrollBar().value())
    assert scroll[1] > 0
    edited = big.copy()
    edited[400, 13] = 9.0
    table.set_arrays([("bias", BIAS), ("kernel", edited)])
    assert table.chosen_name() == "kernel"
    assert table.current_cell() == (400, 13)
    assert (view.horizontalScrollBar().value(), view.verticalScrollBar().value()) == scroll
    assert table.cell_text(400, 13) == "9"
    table.set_arrays([("gamma", BIAS)])  # the kernel is gone: the first array is shown
    assert table.chosen_name() == "gamma"
    assert table.shape_text() == "gamma 2 · 2 weights"


def test_switching_arrays_comes_back_to_where_you_were(table: WeightTable, qtbot) -> None:  # type: ignore[no-untyped-def]
    table.table.setCurrentIndex(table.model.index(2, 1))
    chosen: list[int] = []
    table.array_chosen.connect(chosen.append)
    choose(qtbot, table, "bias")
    assert table.current_cell() == (0,)
    choose_back = table.chooser
    choose_back.setFocus()
    qtbot.keyClick(choose_back, Qt.Key.Key_Up)
    assert table.chosen_name() == "kernel"
    assert table.current_cell() == (2, 1)
    assert chosen == [1, 0]


def test_select_cell_shows_the_array_and_frames_the_weight(table: WeightTable) -> None:
    table.select_cell(1, (1,))
    assert table.chosen_name() == "bias"
    assert table.marked_cell() == (1, 0)
    rect = table.table.visualRect(table.model.index(1, 0))
    image = table.table.viewport().grab().toImage()
    assert image.pixelColor(rect.left() + 1, rect.center().y()) == QColor(*WINDOW_RED)
    assert image.pixelColor(rect.center()) != QColor(*WINDOW_RED)
    with pytest.raises(ValueError, match="no weight"):
        table.select_cell(0, (3, 0))


def test_a_large_kernel_is_read_only_where_it_is_seen(table: WeightTable, qtbot) -> None:  # type: ignore[no-untyped-def]
    kernel = np.random.default_rng(0).normal(size=(4096, 1568)).astype(np.float32)
    table.set_arrays([("kernel", kernel), ("bias", np.zeros(1568, np.float32))])
    model = table.table.model()
    assert isinstance(model, QAbstractTableModel)
    assert not isinstance(model, QStandardItemModel)
    assert (model.rowCount(), model.columnCount()) == (4096, 1568)
    assert table.shape_text() == "kernel 4096 x 1568 · 6,422,528 weights"
    reads: list[tuple[int, int]] = []
    value = table.model.value
    table.model.value = lambda r, c: reads.append((r, c)) or value(r, c)  # type: ignore[method-assign]
    assert not table.grab().isNull()
    assert 0 < len(reads) < 5_000  # a screenful of cells, not 6.4 million
    table.select_cell(0, (4000, 1500))
    assert table.current_cell() == (4000, 1500)
    assert table.table.visualRect(table.model.index(4000, 1500)).intersects(table.table.viewport().rect())


def test_no_arrays_says_so(table: WeightTable) -> None:
    table.set_arrays([])
    assert table.shape_text() == "no weights"
    assert table.model.rowCount() == 0


def test_projector_rows_are_taller(table: WeightTable) -> None:
    height = table.table.verticalHeader().defaultSectionSize()
    frame = table.frame_width()
    table.set_thick(True)
    assert table.table.verticalHeader().defaultSectionSize() > height
    assert table.frame_width() > frame


def test_a_dark_theme_gets_dark_cells_with_light_digits(table: WeightTable) -> None:
    palette = QPalette(table.palette())
    palette.setColor(QPalette.ColorRole.Base, QColor(20, 21, 24))
    table.setPalette(palette)
    zero, big = cell_colour(table, 2, 1), cell_colour(table, 1, 1)
    assert (zero.red(), zero.green(), zero.blue()) == (20, 21, 24)
    assert big.red() > big.blue()
    assert big.lightness() < 110
    assert table.model.data(table.model.index(1, 1), Qt.ItemDataRole.ForegroundRole) == QColor(255, 255, 255)
