"""Hundreds of maps in a short pane (a trained model's 512 filters): a page of readable maps instead of
512 dots, turned with PgUp/PgDn or the small buttons, and turned by itself to a map chosen elsewhere."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFontMetrics

from kernelscope.ui.widgets.feature_maps import FeatureMaps
from kernelscope.ui.widgets.map_pages import MIN_CELL_PX, MIN_TILE_PX, plan_mosaic, plan_page, readable


def _tile_px(m, width: float, height: float) -> float:  # type: ignore[no-untyped-def]
    return min(m.h, m.w) * m.scale(width, height)


@pytest.mark.parametrize(("count", "hw", "pane"), [
    (512, (16, 16), (570, 100)),  # what 1280x800 gave a 512-filter layer: every map a one-pixel dot
    (512, (30, 30), (540, 180)),
    (256, (28, 28), (320, 150)),
    (512, (1, 1), (50, 50)),
    (128, (148, 148), (400, 300)),
])
def test_a_page_of_many_maps_is_readable_with_its_titles(count: int, hw: tuple[int, int],
                                                         pane: tuple[int, int]) -> None:
    page = plan_page(count, *hw, *pane, title_px=18)
    scale = page.scale(*pane)
    assert 1 <= page.count < count
    assert scale >= MIN_CELL_PX or _tile_px(page, *pane) >= MIN_TILE_PX
    assert page.gap_y * scale >= 18 - 1e-6  # the titles fit above the maps
    assert page.count % page.columns == 0  # whole rows: every page's tiles the same size
    # As many as stay readable: one more row would not be.
    more = plan_mosaic(page.count + page.columns, *hw, *pane, title_px=18)
    assert page.count + page.columns > count or not readable(more, *pane, 18)


def test_the_whole_mosaic_stays_within_reason_when_nothing_holds_its_titles() -> None:
    m = plan_mosaic(512, 16, 16, 570, 100)
    mh, mw = m.shape
    assert mh < 10_000
    assert mw < 10_000  # was a 1.2M x 11M-cell mosaic, every gap thousands of cells


def test_maps_that_fit_are_one_page() -> None:
    page = plan_page(32, 26, 26, 600, 500)
    assert page == plan_mosaic(32, 26, 26, 600, 500)
    assert page.count == 32


@pytest.fixture
def many(qtbot) -> FeatureMaps:  # type: ignore[no-untyped-def]
    widget = FeatureMaps()
    qtbot.addWidget(widget)
    widget.resize(620, 240)
    rng = np.random.default_rng(5)
    widget.set_maps(rng.standard_normal((512, 16, 16)).astype(np.float32))
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_many_maps_show_a_page_with_its_label(many: FeatureMaps) -> None:
    first, stop = many.page()
    assert first == 0
    assert 1 < stop < 512
    assert many.shown_maps() == list(range(stop))
    assert many.pager.isVisible()
    assert many.pager.label.text() == f"maps 1-{stop} of 512"
    assert not many.pager.previous.isEnabled()
    assert many.pager.next.isEnabled()
    assert many.cell_px() >= MIN_CELL_PX * 0.98  # the view's margin takes a hundredth on each side


def test_page_down_and_up_turn_the_page(many: FeatureMaps, qtbot) -> None:  # type: ignore[no-untyped-def]
    _, size = many.page()
    qtbot.keyClick(many.view_widget, Qt.Key.Key_PageDown)
    assert many.page()[0] == size
    assert many.pager.label.text() == f"maps {size + 1}-{2 * size} of 512"
    assert many.shown_maps()[0] == size
    np.testing.assert_array_equal(many.numbers._maps[0], many.image_data(size))  # the page's maps are drawn
    qtbot.keyClick(many.view_widget, Qt.Key.Key_PageUp)
    assert many.page() == (0, size)
    qtbot.keyClick(many.view_widget, Qt.Key.Key_PageUp)  # the first page stays
    assert many.page() == (0, size)


def test_the_buttons_turn_the_page_up_to_the_last(many: FeatureMaps, qtbot) -> None:  # type: ignore[no-untyped-def]
    _, size = many.page()
    qtbot.mouseClick(many.pager.next, Qt.MouseButton.LeftButton)
    assert many.page() == (size, 2 * size)
    for _ in range(512 // size + 2):
        qtbot.keyClick(many.view_widget, Qt.Key.Key_PageDown)
    first, stop = many.page()
    assert stop == 512
    assert first == (511 // size) * size
    assert many.mosaic().count == 512 - first  # type: ignore[union-attr]
    assert not many.pager.next.isEnabled()
    assert many.pager.label.text() == f"maps {first + 1}-512 of 512"
    qtbot.mouseClick(many.pager.previous, Qt.MouseButton.LeftButton)
    assert many.page() == (first - size, first)


def test_choosing_a_map_elsewhere_turns_to_its_page(many: FeatureMaps) -> None:
    many.set_current_map(300)
    first, stop = many.page()
    assert first <= 300 < stop
    assert 300 in many.shown_maps()
    many.cell_scene_rect(300, 0, 0)  # drawn: its cells have a place in the view
    many.set_current_map(300)  # the same choice again (a step): the page stays where the user turned it
    many.turn_page(1)
    many.set_current_map(300)
    assert many.page()[0] == stop


def test_enter_shows_the_chosen_map_large_and_esc_goes_back_to_its_page(many: FeatureMaps, qtbot) -> None:  # type: ignore[no-untyped-def]
    many.set_current_map(400)
    qtbot.keyClick(many.view_widget, Qt.Key.Key_Return)
    assert many.focused() == 400
    assert not many.pager.isVisible()
    qtbot.keyClick(many.view_widget, Qt.Key.Key_PageDown)  # no page in the focus view: nothing turns
    assert many.focused() == 400
    qtbot.keyClick(many.view_widget, Qt.Key.Key_Escape)
    assert many.focused() is None
    assert 400 in many.shown_maps()
    assert many.pager.isVisible()


def _title_boxes(maps: FeatureMaps) -> list[QRectF]:
    metrics = QFontMetrics(maps.titles._font)
    boxes = []
    for text, x, y in maps.titles._titles:
        corner = maps.view.mapViewToScene(QPointF(x, y))
        boxes.append(QRectF(corner.x(), corner.y() - metrics.height(), metrics.horizontalAdvance(text) + 2,
                            metrics.height()))
    return boxes


@pytest.mark.parametrize("size", [(1500, 420), (900, 300), (620, 240)])
def test_titles_of_hundreds_of_maps_never_run_into_each_other(many: FeatureMaps, qtbot,  # type: ignore[no-untyped-def]
                                                              size: tuple[int, int]) -> None:
    many.resize(*size)
    qtbot.waitUntil(lambda: many.view_widget.width() > 0 and many.mosaic() is not None)
    many.turn_page(1) if many.page()[1] < 512 else None  # three-digit titles
    boxes = _title_boxes(many)
    assert boxes
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.intersects(b), (a, b)


def test_a_new_layer_starts_on_the_page_of_the_chosen_map(many: FeatureMaps) -> None:
    many.set_current_map(200)
    many.set_maps(np.zeros((256, 16, 16), np.float32))
    first, stop = many.page()
    assert first <= 200 < stop
    assert many.pager.label.text().endswith("of 256")
    many.set_maps(np.zeros((4, 16, 16), np.float32))
    assert many.page() == (0, 4)
    assert not many.pager.isVisible()
