"""PixelGrid alone: an image in through ``set_*``, drags and clicks out as intents, the cells as drawn."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import QApplication

from kernelscope.core import colour_scale, paint_tools
from kernelscope.ui.widgets.pixel_grid import PixelGrid
from tests.ui.gui import drag, hover

SIGNALS = ("cells_painted", "fill_requested", "stroke_started", "stroke_finished")
ARTICLE_X = np.where(np.eye(5, dtype=bool) | np.fliplr(np.eye(5, dtype=bool)), -1, 1).astype(np.float32)[..., None]


@pytest.fixture
def grid(qtbot) -> PixelGrid:  # type: ignore[no-untyped-def]
    widget = PixelGrid()
    qtbot.addWidget(widget)
    widget.resize(300, 300)
    widget.set_image(ARTICLE_X, (-1.0, 1.0))
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def emitted(grid: PixelGrid) -> list[tuple[str, tuple]]:
    """Every intent the grid emits, in order."""
    log: list[tuple[str, tuple]] = []
    for name in SIGNALS:
        getattr(grid, name).connect(lambda *args, name=name: log.append((name, args)))
    return log


def centre(grid: PixelGrid, row: int, col: int) -> QPoint:
    return grid.cell_rect(row, col).center().toPoint()


def corner(grid: PixelGrid, row: int, col: int) -> QPoint:
    """A point inside the cell, clear of its grid lines and of the number written in its middle."""
    rect = grid.cell_rect(row, col)
    return QPoint(int(rect.left() + rect.width() * 0.2), int(rect.top() + rect.height() * 0.2))


def move_holding(grid: PixelGrid, pos: QPoint, button: Qt.MouseButton) -> None:
    """A mouse move with a button held (QTest's mouseMove carries no buttons)."""
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(pos), grid.mapToGlobal(QPointF(pos)),
                        Qt.MouseButton.NoButton, button, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(grid, event)


def seen(grid: PixelGrid, point: QPoint) -> QColor:
    return grid.grab().toImage().pixelColor(point)


def test_a_left_drag_paints_the_brush_as_one_stroke(grid: PixelGrid, emitted) -> None:  # type: ignore[no-untyped-def]
    drag(grid, [centre(grid, 0, 0), centre(grid, 0, 3), centre(grid, 2, 3)])
    assert emitted == [
        ("stroke_started", ("pen",)),
        ("cells_painted", ([(0, 0)], False)),
        ("cells_painted", (paint_tools.line_cells((0, 0), (0, 3)), False)),
        ("cells_painted", (paint_tools.line_cells((0, 3), (2, 3)), False)),
        ("stroke_finished", ()),
    ]
    # It only asks: the cells stay as they were until set_image brings the document's answer.
    np.testing.assert_array_equal(grid.image(), ARTICLE_X)


def test_a_right_drag_paints_the_background(grid: PixelGrid, emitted) -> None:  # type: ignore[no-untyped-def]
    drag(grid, [centre(grid, 4, 0), centre(grid, 4, 1)], Qt.MouseButton.RightButton)
    assert emitted == [
        ("stroke_started", ("pen",)),
        ("cells_painted", ([(4, 0)], True)),
        ("cells_painted", ([(4, 0), (4, 1)], True)),
        ("stroke_finished", ()),
    ]


def test_a_drag_that_starts_outside_the_cells_is_no_stroke(grid: PixelGrid, emitted) -> None:  # type: ignore[no-untyped-def]
    outside = QPoint(1, 1)
    assert grid.cell_at(outside) is None
    drag(grid, [outside, outside + QPoint(1, 0)])
    drag(grid, [centre(grid, 2, 2)], Qt.MouseButton.MiddleButton)
    assert emitted == []


def test_the_fill_tool_asks_for_a_flood_fill(grid: PixelGrid, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    grid.set_tool("fill")
    assert grid.tool() == "fill"
    assert grid.cursor().shape() == Qt.CursorShape.PointingHandCursor
    with qtbot.waitSignal(grid.fill_requested) as blocker:
        qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=centre(grid, 1, 2))
    assert blocker.args == [1, 2, False]
    qtbot.mouseClick(grid, Qt.MouseButton.RightButton, pos=centre(grid, 3, 4))
    assert emitted == [
        ("stroke_started", ("fill",)),
        ("fill_requested", (1, 2, False)),
        ("stroke_finished", ()),
        ("stroke_started", ("fill",)),
        ("fill_requested", (3, 4, True)),
        ("stroke_finished", ()),
    ]


def test_the_line_tool_previews_while_dragging_and_paints_on_release(grid: PixelGrid, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    grid.set_tool("line")
    assert grid.cursor().shape() == Qt.CursorShape.CrossCursor
    before = seen(grid, corner(grid, 2, 1))  # a white cell, off the X
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=centre(grid, 0, 0))
    move_holding(grid, centre(grid, 4, 2), Qt.MouseButton.LeftButton)
    previewed = seen(grid, corner(grid, 2, 1))
    assert previewed != before
    assert previewed.red() > previewed.blue() + 60  # shaded orange: on the line, not yet painted
    assert [name for name, _ in emitted] == ["stroke_started"]
    qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=centre(grid, 4, 2))
    assert emitted[1:] == [
        ("cells_painted", (paint_tools.line_cells((0, 0), (4, 2)), False)),
        ("stroke_finished", ()),
    ]
    assert seen(grid, corner(grid, 2, 1)) == before  # the preview is gone


def test_the_rectangle_tool_clamps_a_drag_that_leaves_the_grid(grid: PixelGrid, emitted) -> None:  # type: ignore[no-untyped-def]
    grid.set_tool("rect")
    drag(grid, [centre(grid, 1, 1), QPoint(grid.width() - 1, grid.height() - 1)], Qt.MouseButton.RightButton)
    assert emitted == [
        ("stroke_started", ("rect",)),
        ("cells_painted", (paint_tools.rect_cells((1, 1), (4, 4)), True)),
        ("stroke_finished", ()),
    ]


def test_an_unknown_tool_is_refused(grid: PixelGrid) -> None:
    with pytest.raises(ValueError, match="unknown tool 'spray'"):
        grid.set_tool("spray")
    assert grid.tool() == "pen"


def test_cells_are_drawn_by_value(grid: PixelGrid) -> None:
    assert seen(grid, corner(grid, 0, 0)).name() == "#000000"  # -1: black ink
    assert seen(grid, corner(grid, 0, 1)).name() == "#ffffff"  # +1: white paper
    grey = np.full((5, 5, 1), 0.5, np.float32)
    grid.set_image(grey, (0.0, 1.0))
    assert seen(grid, corner(grid, 0, 0)).name() == "#808080"
    rgb = np.zeros((5, 5, 3), np.float32)
    rgb[2, 2] = (255, 0, 0)
    grid.set_image(rgb, (0.0, 255.0))
    assert seen(grid, corner(grid, 2, 2)).name() == "#ff0000"


def test_set_window_draws_the_red_frame_and_none_hides_it(grid: PixelGrid) -> None:
    rows, cols = np.mgrid[1:4, 1:4]
    left_edge = QPoint(int(grid.cell_rect(2, 1).left()) + 2, centre(grid, 2, 1).y())
    assert seen(grid, left_edge).name() == "#ffffff"
    grid.set_window(rows, cols)
    assert seen(grid, left_edge) == QColor(*colour_scale.WINDOW_RED)
    grid.set_window(None, None)
    assert seen(grid, left_edge).name() == "#ffffff"


def test_set_padding_draws_the_ring_where_keras_pads(grid: PixelGrid, qtbot) -> None:  # type: ignore[no-untyped-def]
    ring = QColor(*colour_scale.PADDING_FILL)
    grid.set_padding(((1, 1), (1, 1)))  # "valid" has none; "same" with a 3x3 kernel: one zero all round
    for row, col in ((-1, -1), (-1, 2), (2, -1), (5, 5), (5, 2), (2, 5)):
        assert seen(grid, corner(grid, row, col)) == ring
    assert seen(grid, corner(grid, 0, 1)).name() == "#ffffff"
    assert grid.cell_at(centre(grid, -1, 2)) is None  # the ring is not paintable
    grid.set_padding(((0, 1), (0, 1)))  # "same" on an even input: below and right only
    grid.resize(300, 420)  # room above the grid to look at
    qtbot.waitUntil(lambda: grid.height() == 420)
    assert seen(grid, corner(grid, 5, 2)) == ring
    assert seen(grid, corner(grid, 2, 5)) == ring
    above = grid.cell_rect(0, 2).top() - grid.cell_size() * 0.5
    assert above > 0
    assert seen(grid, QPoint(centre(grid, 0, 2).x(), int(above))) != ring


def test_set_highlight_frames_the_cells_in_orange(grid: PixelGrid) -> None:
    edge = QPoint(int(grid.cell_rect(3, 2).left()) + 3, centre(grid, 3, 2).y())
    grid.set_highlight({(3, 2)})
    assert seen(grid, edge).name() == "#ffaa00"
    grid.set_highlight(set())
    assert seen(grid, edge).name() == "#ffffff"


def test_hovering_a_cell_reads_its_value(grid: PixelGrid) -> None:
    hover(grid, centre(grid, 1, 2))
    assert grid.toolTip() == "row 1, column 2: 1"
    hover(grid, centre(grid, 1, 1))
    assert grid.toolTip() == "row 1, column 1: -1"
    hover(grid, QPoint(1, 1))
    assert grid.toolTip() == ""


def test_set_calls_emit_nothing(grid: PixelGrid, emitted) -> None:  # type: ignore[no-untyped-def]
    calls = [
        lambda: grid.set_image(np.ones((4, 6, 1), np.float32), (-1.0, 1.0)),
        lambda: grid.set_padding(((1, 1), (1, 1))),
        lambda: grid.set_window(*np.mgrid[0:3, 0:3]),
        lambda: grid.set_kernel_overlay(np.ones((3, 3), np.float32)),
        lambda: grid.set_highlight({(0, 0)}),
        lambda: grid.set_thick(True),
        lambda: grid.set_tool("line"),
    ]
    for call in calls:
        call()
    grid.grab()
    assert emitted == []
    assert grid.image().shape == (4, 6, 1)


def square(r: int, c: int, rows: int = 5, cols: int = 5) -> set[tuple[int, int]]:
    """The 3x3 neighbourhood of (r, c), clipped to the grid."""
    return {(rr, cc) for rr in range(max(0, r - 1), min(rows, r + 2)) for cc in range(max(0, c - 1), min(cols, c + 2))}


def test_a_brush_of_three_paints_the_3x3_neighbourhoods_clipped_at_the_edges(grid: PixelGrid, emitted) -> None:  # type: ignore[no-untyped-def]
    assert grid.brush_size() == 1
    grid.set_brush_size(3)
    assert grid.brush_size() == 3
    drag(grid, [centre(grid, 0, 0), centre(grid, 0, 2), centre(grid, 2, 2)])
    names = [name for name, _ in emitted]
    assert names == ["stroke_started", "cells_painted", "cells_painted", "cells_painted", "stroke_finished"]
    painted = [args[0] for name, args in emitted if name == "cells_painted"]
    assert all(args[1] is False for name, args in emitted if name == "cells_painted")
    assert painted[0] == [(0, 0), (0, 1), (1, 0), (1, 1)]  # the corner's square, clipped to four cells
    assert set(painted[1]) == square(0, 0) | square(0, 1) | square(0, 2)
    assert set(painted[2]) == square(0, 2) | square(1, 2) | square(2, 2)
    assert all(len(cells) == len(set(cells)) for cells in painted)
    np.testing.assert_array_equal(grid.image(), ARTICLE_X)  # it only asks


def test_a_brush_of_five_widens_the_line_tool_and_its_preview(grid: PixelGrid, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    grid.set_tool("line")
    grid.set_brush_size(5)
    before = seen(grid, corner(grid, 4, 4))  # a black cell of the X, two cells off the line
    qtbot.mousePress(grid, Qt.MouseButton.LeftButton, pos=centre(grid, 0, 0))
    move_holding(grid, centre(grid, 0, 2), Qt.MouseButton.LeftButton)
    assert seen(grid, corner(grid, 2, 4)) != seen(grid, corner(grid, 3, 4))  # the preview reaches row 2 only
    qtbot.mouseRelease(grid, Qt.MouseButton.LeftButton, pos=centre(grid, 0, 2))
    assert emitted[1:] == [
        ("cells_painted", (paint_tools.brush_cells(paint_tools.line_cells((0, 0), (0, 2)), 5, (5, 5)), False)),
        ("stroke_finished", ()),
    ]
    assert set(emitted[1][1][0]) == {(r, c) for r in range(3) for c in range(5)}
    assert seen(grid, corner(grid, 4, 4)) == before


def test_the_fill_and_rectangle_tools_ignore_the_brush(grid: PixelGrid, emitted) -> None:  # type: ignore[no-untyped-def]
    grid.set_brush_size(3)
    grid.set_tool("rect")
    drag(grid, [centre(grid, 1, 1), centre(grid, 2, 3)])
    assert emitted[1] == ("cells_painted", (paint_tools.rect_cells((1, 1), (2, 3)), False))


@pytest.mark.parametrize("size", [0, 2, 4, 9])
def test_a_brush_size_other_than_1_3_5_is_refused(grid: PixelGrid, size: int) -> None:
    with pytest.raises(ValueError, match="1, 3, 5"):
        grid.set_brush_size(size)
    assert grid.brush_size() == 1
