"""KernelGrid alone: a kernel in through ``set_kernel``, typing, keys, the wheel and hover out as intents."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLineEdit,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from kernelscope.core.colour_scale import weight_colour
from kernelscope.core.kernel_tools import PRESETS
from kernelscope.ui.widgets.kernel_grid import KernelGrid, parse_weight
from tests.ui.gui import editor_of, hover, type_into

LINE = np.array([[1, 1, 1], [-1, -1, -1], [1, 1, 1]], np.float32)  # the article's kernel
SIGNALS = ("weight_edited", "entry_refused", "weight_hovered")


@pytest.fixture
def grid(qtbot) -> KernelGrid:  # type: ignore[no-untyped-def]
    widget = KernelGrid()
    qtbot.addWidget(widget)
    widget.resize(300, 300)
    widget.set_kernel(LINE)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def emitted(grid: KernelGrid) -> list[tuple[str, tuple]]:
    log: list[tuple[str, tuple]] = []
    for name in SIGNALS:
        getattr(grid, name).connect(lambda *args, name=name: log.append((name, args)))
    return log


def cell_centre(grid: KernelGrid, row: int, col: int) -> QPoint:
    return grid.visualItemRect(grid.item(row, col)).center()


def wheel(grid: KernelGrid, row: int, col: int, notches: int, modifiers=Qt.KeyboardModifier.NoModifier) -> None:  # type: ignore[no-untyped-def]
    pos = QPointF(cell_centre(grid, row, col))
    event = QWheelEvent(pos, grid.viewport().mapToGlobal(pos), QPoint(0, 0), QPoint(0, 120 * notches),
                        Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(grid.viewport(), event)


def test_shows_the_kernel_as_numbers_on_weight_colours(grid: KernelGrid) -> None:
    assert (grid.rowCount(), grid.columnCount()) == (3, 3)
    assert [[grid.item(r, c).text() for c in range(3)] for r in range(3)] == [["1", "1", "1"], ["-1"] * 3, ["1"] * 3]
    assert grid.item(1, 0).toolTip() == "weight (1, 0) = -1"
    image = grid.viewport().grab().toImage()
    for row, value in ((0, 1.0), (1, -1.0)):
        rect = grid.visualItemRect(grid.item(row, 2))
        shown = image.pixelColor(rect.topLeft() + QPoint(4, 4))
        expected = QColor.fromRgbF(*weight_colour(value))
        assert abs(shown.red() - expected.red()) <= 1
        assert abs(shown.green() - expected.green()) <= 1
        assert abs(shown.blue() - expected.blue()) <= 1


def test_typing_a_number_asks_for_the_edit(grid: KernelGrid, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    type_into(qtbot, grid, 1, 1, "3")
    assert emitted == [("weight_edited", (1, 1, 3.0))]
    np.testing.assert_array_equal(grid.kernel(), LINE)  # asked, not applied: the document answers
    answer = LINE.copy()
    answer[1, 1] = 3
    grid.set_kernel(answer)
    assert grid.item(1, 1).text() == "3"
    assert emitted == [("weight_edited", (1, 1, 3.0))]


@pytest.mark.parametrize(("text", "value"), [("-0.5", -0.5), ("1/9", 1 / 9), ("2e-3", 0.002)])
def test_fractions_exponents_and_the_minus_sign(grid: KernelGrid, emitted, qtbot, text: str, value: float) -> None:  # type: ignore[no-untyped-def]
    type_into(qtbot, grid, 0, 0, text)
    assert emitted == [("weight_edited", (0, 0, value))]


@pytest.mark.parametrize("text", ["abc", "inf", "nan", "1e39", "1/0"])
def test_text_that_is_not_a_finite_number_is_refused(grid: KernelGrid, emitted, qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    type_into(qtbot, grid, 0, 2, text)
    assert emitted == [("entry_refused", (f"'{text}' is not a number: weight (0, 2) stays 1",))]
    assert grid.item(0, 2).text() == "1"  # the old value is back where the person typed


def test_typing_the_same_value_asks_for_nothing(grid: KernelGrid, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    type_into(qtbot, grid, 1, 2, "-1.0")
    assert emitted == []
    assert grid.item(1, 2).text() == "-1"


def test_parse_weight() -> None:
    assert parse_weight(" 1/4 ") == 0.25
    assert parse_weight("\u22122") == -2.0  # the typographic minus a pasted number may bring
    with pytest.raises(ValueError, match="1e39"):
        parse_weight("1e39")  # would be stored as float32 inf


def test_enter_moves_down_like_a_spreadsheet(grid: KernelGrid, qtbot) -> None:  # type: ignore[no-untyped-def]
    type_into(qtbot, grid, 0, 1, "2")
    assert (grid.currentRow(), grid.currentColumn()) == (1, 1)
    type_into(qtbot, grid, 2, 1, "2")
    assert (grid.currentRow(), grid.currentColumn()) == (0, 2)  # past the bottom: the next column's top


def test_tab_commits_and_moves_right(grid: KernelGrid, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    grid.setFocus()
    grid.setCurrentCell(2, 0)
    qtbot.keyClicks(grid, "5")
    qtbot.keyClick(editor_of(grid), Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: grid.currentColumn() == 1)
    assert grid.currentRow() == 2
    assert emitted == [("weight_edited", (2, 0, 5.0))]
    editor = editor_of(grid)  # the next weight is open for typing: "5 Tab 6 Enter" fills a row
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor, "6")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: grid.state() == QAbstractItemView.State.NoState)
    assert emitted == [("weight_edited", (2, 0, 5.0)), ("weight_edited", (2, 1, 6.0))]


def test_arrow_keys_move_between_weights(grid: KernelGrid, qtbot) -> None:  # type: ignore[no-untyped-def]
    grid.setFocus()
    grid.setCurrentCell(0, 0)
    qtbot.keyClick(grid, Qt.Key.Key_Right)
    qtbot.keyClick(grid, Qt.Key.Key_Down)
    assert (grid.currentRow(), grid.currentColumn()) == (1, 1)


def test_the_wheel_nudges_by_one_and_shift_by_a_tenth(grid: KernelGrid, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=cell_centre(grid, 1, 1))  # focus: wheel edits
    assert grid.hasFocus()
    wheel(grid, 1, 1, 1)
    wheel(grid, 0, 2, -2)
    wheel(grid, 2, 0, 1, Qt.KeyboardModifier.ShiftModifier)
    assert emitted == [
        ("weight_edited", (1, 1, 0.0)),  # -1 + 1
        ("weight_edited", (0, 2, -1.0)),  # 1 - 2
        ("weight_edited", (2, 0, float(np.float32(1.1)))),  # computed in float32, as stored
    ]


def test_hovering_a_weight_names_it_and_leaving_clears_it(grid: KernelGrid, emitted) -> None:  # type: ignore[no-untyped-def]
    hover(grid.viewport(), cell_centre(grid, 2, 1))
    hover(grid.viewport(), cell_centre(grid, 0, 0))
    QApplication.sendEvent(grid, QEvent(QEvent.Type.Leave))
    assert emitted == [("weight_hovered", (2, 1)), ("weight_hovered", (0, 0)), ("weight_hovered", (-1, -1))]


def test_set_kernel_emits_nothing_and_follows_the_shape(grid: KernelGrid, emitted) -> None:  # type: ignore[no-untyped-def]
    grid.set_kernel(np.arange(15, dtype=np.float32).reshape(3, 5) / 4)
    assert (grid.rowCount(), grid.columnCount()) == (3, 5)
    assert grid.item(2, 4).text() == "3.5"
    grid.set_kernel(np.full((1, 1), -2, np.float32))
    assert (grid.rowCount(), grid.columnCount()) == (1, 1)
    assert grid.item(0, 0).text() == "-2"
    grid.set_large(True)
    assert emitted == []


def test_cells_stay_square_and_fill_the_pane(grid: KernelGrid, qtbot) -> None:  # type: ignore[no-untyped-def]
    side = grid.cell_side()
    assert grid.columnWidth(0) == grid.rowHeight(0) == side
    grid.resize(500, 500)
    qtbot.waitUntil(lambda: grid.cell_side() > side)
    assert grid.columnWidth(2) == grid.rowHeight(2) == grid.cell_side()


def _shown_whole(grid: KernelGrid, row: int, col: int) -> str:
    """The cell's text as the view paints it: the delegate elides what does not fit between its margins."""
    item = grid.item(row, col)
    margin = grid.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, grid) + 1
    room = grid.visualItemRect(item).width() - 2 * margin
    shown = QFontMetrics(item.font()).elidedText(item.text(), Qt.TextElideMode.ElideRight, room)
    assert shown == item.text(), f"{item.text()!r} is drawn as {shown!r}"
    assert item.font().pixelSize() >= 9
    return shown


@pytest.mark.parametrize("large", [False, True])
@pytest.mark.parametrize(("size", "corner"), [((287, 192), {"0.004", "4e-3"}), ((520, 520), {"0.0039"})])
def test_a_gaussian_s_tiny_corner_weights_are_drawn_whole(grid: KernelGrid, qtbot, large: bool,  # type: ignore[no-untyped-def]
                                                          size: tuple[int, int], corner: set[str]) -> None:
    """Issue 13: 1/256 was drawn as "3.9…" (an elided "3.9e-03"); narrow cells give fewer digits instead."""
    grid.resize(*size)
    grid.set_large(large)
    grid.set_kernel(PRESETS["Gaussian 5x5"].weights)
    for r, c in ((0, 0), (0, 4), (4, 0), (4, 4)):
        text = _shown_whole(grid, r, c)
        assert text in corner
        assert float(text) == pytest.approx(1 / 256, abs=0.0006)
    assert float(_shown_whole(grid, 2, 2)) == pytest.approx(36 / 256, abs=0.006)
    assert grid.item(0, 0).toolTip() == "weight (0, 0) = 0.00390625"


def real_wheel(grid: KernelGrid, row: int, col: int, notches: int) -> None:
    """A wheel turn as the platform delivers it (spontaneous), so Qt passes an ignored one to the parents."""
    top = grid.window()
    QTest.wheelEvent(top.windowHandle(), QPointF(grid.viewport().mapTo(top, cell_centre(grid, row, col))),
                     QPoint(0, 120 * notches))
    QApplication.processEvents()


def test_a_wheel_passing_over_the_grid_scrolls_the_pane_and_edits_nothing(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: scrolling the middle panel changed weights when the pointer crossed the grid."""
    pane = QScrollArea()
    qtbot.addWidget(pane)
    content = QWidget()
    column = QVBoxLayout(content)
    other = QLineEdit()
    grid = KernelGrid()
    grid.setFixedSize(240, 240)
    grid.set_kernel(LINE)
    column.addWidget(other)
    column.addWidget(grid)
    column.addSpacing(900)  # taller than the pane: it scrolls
    pane.setWidget(content)
    pane.resize(300, 400)
    pane.show()
    qtbot.waitExposed(pane)
    other.setFocus()  # the person was typing elsewhere, then scrolls the panel
    edits: list[tuple[int, int, float]] = []
    grid.weight_edited.connect(lambda r, c, v: edits.append((r, c, v)))
    bar = pane.verticalScrollBar()
    assert bar.value() == 0
    real_wheel(grid, 1, 1, -1)  # scroll down with the pointer over a weight
    assert edits == []
    assert not grid.hasFocus()  # passing over does not take the focus either
    assert bar.value() > 0  # the event went on to the pane, which scrolled
    scrolled = bar.value()
    qtbot.mouseClick(grid.viewport(), Qt.MouseButton.LeftButton, pos=cell_centre(grid, 1, 1))
    assert grid.hasFocus()
    real_wheel(grid, 1, 1, 1)  # now it is an edit, and the pane stays put
    assert edits == [(1, 1, 0.0)]
    assert bar.value() == scrolled


def test_without_focus_the_wheel_event_is_left_for_the_parents(grid: KernelGrid, emitted) -> None:  # type: ignore[no-untyped-def]
    grid.clearFocus()
    pos = QPointF(cell_centre(grid, 1, 1))
    event = QWheelEvent(pos, grid.viewport().mapToGlobal(pos), QPoint(0, 0), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(grid.viewport(), event)
    assert not event.isAccepted()  # ignored: Qt hands a real wheel on to the scrolling pane
    assert emitted == []
    np.testing.assert_array_equal(grid.kernel(), LINE)
