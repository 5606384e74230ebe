"""The feature maps' focus view, used as a person does: double-click a map, Enter and Esc, click a
thumbnail; and the mosaic's column choice, which decides how large every map is."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

from kernelscope.core.cell_text import format_value
from kernelscope.core.colour_scale import WINDOW_RED, lookup_table
from kernelscope.ui.widgets.feature_maps import CellMarks, FeatureMaps, Mosaic, plan_mosaic
from kernelscope.ui.widgets.focus_view import FOCUS_MIN_TEXT_PX
from tests.ui.gui import hover

ARTICLE_MAP = np.array([[1, 5, 1], [1, -3, 1], [1, 5, 1]], np.float32)
THREE = np.stack([ARTICLE_MAP, -ARTICLE_MAP, 0.5 * ARTICLE_MAP])


@pytest.fixture
def maps(qtbot) -> FeatureMaps:  # type: ignore[no-untyped-def]
    widget = FeatureMaps()
    qtbot.addWidget(widget)
    widget.resize(600, 500)
    widget.set_maps(THREE)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def cell_point(maps: FeatureMaps, k: int, row: int, col: int, where: float = 0.5) -> QPoint:
    rect = maps.cell_scene_rect(k, row, col)
    return QPoint(int(rect.left() + rect.width() * where), int(rect.top() + rect.height() * where))


def seen(maps: FeatureMaps, point: QPoint) -> QColor:
    return maps.view_widget.grab().toImage().pixelColor(point)


def _send(widget: QWidget, kind: QMouseEvent.Type, pos: QPoint, buttons: Qt.MouseButton) -> None:
    left = Qt.MouseButton.LeftButton
    QApplication.sendEvent(widget, QMouseEvent(kind, QPointF(pos), widget.mapToGlobal(QPointF(pos)), left, buttons,
                                               Qt.KeyboardModifier.NoModifier))


def double_click(widget: QWidget, pos: QPoint) -> None:
    """What the window system delivers for a double-click: press, release, double-click, release."""
    left, none = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton
    _send(widget, QMouseEvent.Type.MouseButtonPress, pos, left)
    _send(widget, QMouseEvent.Type.MouseButtonRelease, pos, none)
    _send(widget, QMouseEvent.Type.MouseButtonDblClick, pos, left)
    _send(widget, QMouseEvent.Type.MouseButtonRelease, pos, none)


def press(qtbot, maps: FeatureMaps, key: Qt.Key) -> None:  # type: ignore[no-untyped-def]
    """A key pressed while the maps have the keyboard (a click on them gave it)."""
    qtbot.keyClick(QApplication.focusWidget() or maps.view_widget, key)


def click_on(qtbot, widget: QWidget, point: QPoint) -> None:  # type: ignore[no-untyped-def]
    """A click at ``point`` of ``widget`` lands on whatever is drawn there (a child, if one is)."""
    target = widget.childAt(point) or widget
    qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=target.mapFrom(widget, point))


def focus_by_double_click(qtbot, maps: FeatureMaps, k: int) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(maps.focus_changed) as blocker:
        double_click(maps.view_widget.viewport(), cell_point(maps, k, 1, 1))
    assert blocker.args == [k]


# ---------------------------------------------------------------------------- the mosaic's columns
def _tile_px(m: Mosaic, width: float, height: float) -> float:
    mh, mw = m.shape
    return min(width / mw, height / mh) * m.h


def _best_tile_px(count: int, h: int, w: int, width: float, height: float, title: float) -> tuple[float, int]:
    """Brute force: every column count with every pair of whole-cell gaps that still holds a title row
    and keeps maps 8 px (or a tenth of a map) apart; the largest tile any of them gets."""
    best = (0.0, 0)
    for cols in range(1, count + 1):
        for gap_y in range(1, 60):
            for gap_x in range(1, 60):
                m = Mosaic(count, h, w, cols, gap_x, gap_y)
                scale = _tile_px(m, width, height) / h
                if gap_y * scale >= title and gap_x >= round(max(w * 0.1, 8 / scale)):
                    best = max(best, (scale * h, -cols))
                    break  # a wider gap only shrinks the tiles
    return best[0], -best[1]


@pytest.mark.parametrize("count", [1, 2, 3, 5, 32, 64])
@pytest.mark.parametrize("pane", [(600, 500), (300, 800), (1200, 300), (250, 250)])
@pytest.mark.parametrize("hw", [(3, 3), (5, 5), (26, 26), (148, 148), (6, 12)])
def test_the_mosaic_picks_the_columns_that_make_tiles_largest(count: int, pane: tuple[int, int],
                                                             hw: tuple[int, int]) -> None:
    h, w = hw
    title = 18
    m = plan_mosaic(count, h, w, *pane, title_px=title)
    assert m.count == count
    tile = _tile_px(m, *pane)
    scale = tile / h
    assert m.gap_y * scale >= title - 1e-6  # the titles fit above their maps
    best, cols = _best_tile_px(count, h, w, *pane, title)
    assert tile >= best * 0.999, (m.columns, tile, cols, best)


@pytest.mark.parametrize(("count", "hw", "pane", "columns"), [
    (3, (3, 3), (640, 420), 3),  # chose 2 columns (157 px tiles) before, 3 give 174 px
    (2, (1, 1), (600, 500), 2),
    (64, (1, 1), (640, 420), 11),
    (1, (148, 148), (600, 500), 1),
])
def test_columns_in_known_panes(count: int, hw: tuple[int, int], pane: tuple[int, int], columns: int) -> None:
    assert plan_mosaic(count, *hw, *pane).columns == columns


# ---------------------------------------------------------------------------- into focus and out
def test_double_click_a_map_shows_it_large_with_its_numbers(maps: FeatureMaps, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert maps.focused() is None
    assert maps.thumbnail_count() == 0
    small = maps.cell_scene_rect(1, 0, 0)
    focus_by_double_click(qtbot, maps, 1)
    assert maps.focused() == 1
    assert maps.shown_maps() == [1]
    np.testing.assert_array_equal(maps.image_data(1), -ARTICLE_MAP)
    large = maps.cell_scene_rect(1, 0, 0)
    assert large.width() > 1.5 * small.width()
    assert math.isclose(large.width(), large.height(), rel_tol=0.01)  # square cells
    # The large map fills the view's shorter side.
    view = maps.view_widget.viewport().rect()
    corner = maps.cell_scene_rect(1, 2, 2)
    assert max(corner.bottom() - large.top(), corner.right() - large.left()) > 0.9 * min(view.width(), view.height())
    lut = lookup_table("CET-D1A")
    assert seen(maps, cell_point(maps, 1, 0, 1, 0.1)) == QColor(*(int(v) for v in lut[0]))  # -5: the bottom
    # Every cell's value is written in it, large enough to read.
    assert sorted(maps.cell_texts()) == sorted(
        (1, r, c, format_value(float(-ARTICLE_MAP[r, c]), maps.cell_px())) for r in range(3) for c in range(3))
    assert maps.text_px() is not None
    assert maps.text_px() >= FOCUS_MIN_TEXT_PX
    with pytest.raises(ValueError, match="not drawn large"):
        maps.cell_scene_rect(0, 0, 0)


def test_the_first_click_of_a_double_click_still_steps_there(maps: FeatureMaps, qtbot) -> None:  # type: ignore[no-untyped-def]
    clicked: list[tuple[int, int, int]] = []
    maps.cell_clicked.connect(lambda *args: clicked.append(args))
    focus_by_double_click(qtbot, maps, 2)
    assert clicked == [(2, 1, 1)]


def test_esc_the_back_button_or_a_double_click_returns_to_all_maps(maps: FeatureMaps, qtbot) -> None:  # type: ignore[no-untyped-def]
    focus_by_double_click(qtbot, maps, 1)
    assert maps.focus_bar.isVisible()
    with qtbot.waitSignal(maps.focus_changed) as blocker:
        press(qtbot, maps, Qt.Key.Key_Escape)
    assert blocker.args == [None]
    assert maps.focused() is None
    assert not maps.focus_bar.isVisible()
    assert maps.mosaic().count == 3  # type: ignore[union-attr]

    focus_by_double_click(qtbot, maps, 1)
    qtbot.mouseClick(maps.focus_bar.back, Qt.MouseButton.LeftButton)
    assert maps.focused() is None

    focus_by_double_click(qtbot, maps, 0)
    double_click(maps.view_widget.viewport(), cell_point(maps, 0, 2, 2))
    assert maps.focused() is None


def test_a_click_gives_the_maps_the_keyboard_and_enter_focuses_that_map(maps: FeatureMaps, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(maps.view_widget.viewport(), Qt.MouseButton.LeftButton, pos=cell_point(maps, 2, 0, 0))
    assert QApplication.focusWidget() is maps.view_widget
    press(qtbot, maps, Qt.Key.Key_Return)
    assert maps.focused() == 2
    press(qtbot, maps, Qt.Key.Key_Escape)
    assert maps.focused() is None
    maps.set_current_map(1)  # the window's selected filter
    press(qtbot, maps, Qt.Key.Key_Enter)
    assert maps.focused() == 1


def test_focus_and_its_bounds(maps: FeatureMaps, qtbot) -> None:  # type: ignore[no-untyped-def]
    changes: list[object] = []
    maps.focus_changed.connect(changes.append)
    maps.focus(2)
    maps.focus(2)  # no change, no signal
    maps.focus(None)
    assert changes == [2, None]
    with pytest.raises(ValueError, match="no map 3"):
        maps.focus(3)


# ---------------------------------------------------------------------------- thumbnails
def test_the_other_maps_are_thumbnails_and_a_click_focuses_one(maps: FeatureMaps, qtbot) -> None:  # type: ignore[no-untyped-def]
    maps.set_maps(np.stack([ARTICLE_MAP * k for k in range(1, 33)]))
    maps.focus(4)
    assert maps.thumbnail_count() == 32
    strip = maps.focus_bar.strip
    rect = maps.thumbnail_rect(4)
    assert strip.viewport().rect().contains(rect.center())  # the focused one is in sight
    assert rect.width() >= 28
    with qtbot.waitSignal(maps.focus_changed) as blocker:
        click_on(qtbot, strip.viewport(), maps.thumbnail_rect(5).center())
    assert blocker.args == [5]
    assert maps.focus_bar.title.text() == "filter 6 of 32"
    press(qtbot, maps, Qt.Key.Key_Escape)  # the keyboard stays with the maps after a thumbnail click
    assert maps.focused() is None


@pytest.mark.parametrize(("size", "side"), [((900, 360), True), ((420, 760), False)])
def test_the_strip_goes_where_it_costs_the_map_least(qtbot, size: tuple[int, int], side: bool) -> None:  # type: ignore[no-untyped-def]
    maps = FeatureMaps()
    qtbot.addWidget(maps)
    maps.resize(*size)
    maps.set_maps(THREE)
    maps.show()
    qtbot.waitExposed(maps)
    maps.focus(0)
    qtbot.waitUntil(lambda: maps.focus_bar.isVisible())
    bar = maps.focus_bar.geometry()
    view = maps.view_widget.geometry()
    assert not bar.intersects(view)
    if side:
        assert bar.right() < view.left()
    else:
        assert bar.top() > view.bottom()
    assert maps.view_widget.viewport().rect().contains(cell_point(maps, 0, 2, 2, 0.99))


# ---------------------------------------------------------------------------- frame, hover, clicks
def test_the_red_frame_is_on_the_large_map(maps: FeatureMaps, qtbot) -> None:  # type: ignore[no-untyped-def]
    red = QColor(*WINDOW_RED)
    maps.set_cell(1, 2)
    maps.focus(1)
    frame = maps.frame_scene_rect(1)
    assert frame is not None
    assert frame == maps.cell_scene_rect(1, 1, 2)
    assert seen(maps, QPoint(int(frame.left()), int(frame.center().y()))) == red
    maps.set_cell(2, 0)  # a step: the focus stays, the frame moves
    assert maps.focused() == 1
    assert maps.frame_scene_rect(1) == maps.cell_scene_rect(1, 2, 0)
    assert seen(maps, QPoint(int(frame.left()), int(frame.center().y()))) != red
    moved = maps.frame_scene_rect(1)
    assert moved is not None
    assert seen(maps, QPoint(int(moved.left()), int(moved.center().y()))) == red


def test_reveal_mode_veils_the_large_map_too(maps: FeatureMaps) -> None:
    maps.focus(0)
    maps.set_cell(0, 1)
    maps.set_reveal(True)
    assert seen(maps, cell_point(maps, 0, 2, 2, 0.2)) == CellMarks.VEIL
    assert seen(maps, cell_point(maps, 0, 0, 0, 0.2)) != CellMarks.VEIL
    # The thumbnails keep the surprise too: map 2's last cell is veiled, its first is not.
    strip = maps.focus_bar.strip
    thumb = maps.thumbnail_rect(1)
    image = strip.viewport().grab().toImage()
    assert image.pixelColor(thumb.right() - 2, thumb.bottom() - 2) == CellMarks.VEIL
    assert image.pixelColor(thumb.left() + 2, thumb.top() + 2) != CellMarks.VEIL


def test_hover_and_click_read_the_large_map(maps: FeatureMaps, qtbot) -> None:  # type: ignore[no-untyped-def]
    maps.focus(2)
    hovered: list[tuple[int, int, int]] = []
    maps.cell_hovered.connect(lambda *args: hovered.append(args))

    def reads() -> None:
        hover(maps.view_widget.viewport(), cell_point(maps, 2, 1, 1))
        assert maps.hover.text() == "filter 3, row 1, column 1: -1.5   (click to step there)"

    qtbot.waitUntil(reads)
    assert hovered[-1] == (2, 1, 1)
    with qtbot.waitSignal(maps.cell_clicked) as blocker:
        qtbot.mouseClick(maps.view_widget.viewport(), Qt.MouseButton.LeftButton, pos=cell_point(maps, 2, 0, 2))
    assert blocker.args == [2, 0, 2]
    assert maps.focused() == 2  # a single click steps; it does not leave the focus


# ---------------------------------------------------------------------------- new maps
def test_the_focus_survives_an_edit_and_goes_with_its_map(maps: FeatureMaps, qtbot) -> None:  # type: ignore[no-untyped-def]
    changes: list[object] = []
    maps.focus_changed.connect(changes.append)
    maps.focus(2)
    maps.set_maps(2 * THREE)  # a weight edit: same shape
    assert maps.focused() == 2
    np.testing.assert_array_equal(maps.image_data(2), ARTICLE_MAP)
    assert (2, 0, 1, "5") in maps.cell_texts()
    maps.set_maps(np.zeros((5, 3, 3), np.float32))  # a filter added: map 3 is still there
    assert maps.focused() == 2
    assert maps.thumbnail_count() == 5
    maps.set_maps(np.zeros((2, 4, 4), np.float32))  # two filters left: map 3 went
    assert maps.focused() is None
    assert changes == [2, None]
    assert maps.mosaic().count == 2  # type: ignore[union-attr]
    assert not maps.focus_bar.isVisible()


# ---------------------------------------------------------------------------- legibility and export
def test_projector_numbers_are_larger_and_tiny_cells_have_none(maps: FeatureMaps, qtbot) -> None:  # type: ignore[no-untyped-def]
    maps.focus(0)
    normal = maps.text_px()
    maps.set_thick(True)
    projector = maps.text_px()
    assert normal is not None
    assert projector is not None
    assert projector > normal
    maps.set_maps(np.random.default_rng(0).random((4, 148, 148)).astype(np.float32))
    assert maps.focused() == 0
    assert maps.text_px() is None
    assert maps.cell_texts() == []


def test_the_picture_is_what_the_focus_view_shows(maps: FeatureMaps, qtbot) -> None:  # type: ignore[no-untyped-def]
    mosaic_picture = maps.picture()
    maps.focus(1)
    picture = maps.picture()
    assert picture != mosaic_picture
    assert picture == maps.grab().toImage()  # the strip and the large map, as on screen
    centre = maps.view_widget.mapTo(maps, cell_point(maps, 1, 0, 1, 0.1))
    lut = lookup_table("CET-D1A")
    assert picture.pixelColor(centre) == QColor(*(int(v) for v in lut[0]))


@pytest.mark.parametrize("count", [3, 32])
def test_the_focus_view_asks_for_no_more_room_than_the_mosaic(maps: FeatureMaps, count: int) -> None:
    """The window's layout must fit small screens: focusing a map never makes the pane's minimum grow."""
    maps.set_maps(np.zeros((count, 5, 5), np.float32))
    before = maps.minimumSizeHint()
    for size in ((600, 500), (900, 300), (300, 700)):
        maps.resize(*size)
        maps.focus(1)
        after = maps.minimumSizeHint()
        assert after.width() <= before.width()
        assert after.height() <= before.height()
        maps.focus(None)
