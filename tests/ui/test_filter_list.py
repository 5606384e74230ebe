"""The filter list as a person uses it: click a filter, press the buttons and keys, read the thumbnails."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor

from kernelscope.core import kernel_tools as kt
from kernelscope.core import scene
from kernelscope.core.colour_scale import weight_colour
from kernelscope.ui.widgets.filter_list import MAX_FILTERS, FilterList, thumbnail, weight_rgb

NAMES = ["article line", "Sobel x", "identity", "diagonal \\"]


def stack(names: list[str], channels: int = 1) -> np.ndarray:
    ks = np.stack([kt.preset_kernel(n, 3, 3) for n in names], axis=-1)[:, :, None, :]
    return np.repeat(ks, channels, axis=2)


@pytest.fixture
def filters(qtbot) -> FilterList:  # type: ignore[no-untyped-def]
    w = FilterList()
    qtbot.addWidget(w)
    w.resize(260, 300)
    w.set_filters(stack(NAMES), 0)
    w.show()
    qtbot.waitExposed(w)
    return w


def item_centre(w: FilterList, row: int) -> QPoint:
    return w.list.visualItemRect(w.list.item(row)).center()


def all_signals(w: FilterList) -> list:  # type: ignore[type-arg]
    return [w.filter_selected, w.add_requested, w.duplicate_requested, w.remove_requested]


def test_shows_one_named_item_with_a_thumbnail_per_filter(filters: FilterList) -> None:
    assert filters.count() == 4
    assert [filters.list.item(i).text() for i in range(4)] == ["filter 1", "filter 2", "filter 3", "filter 4"]
    assert filters.selected() == 0
    for i in range(4):
        assert not filters.list.item(i).icon().isNull()
        assert "3x3" in filters.list.item(i).toolTip()
    for b in (filters.add_button, filters.duplicate_button, filters.remove_button):
        assert b.toolTip()
        assert b.isEnabled()


def test_clicking_an_item_emits_filter_selected_with_its_index(qtbot, filters: FilterList) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(filters.filter_selected, timeout=1000) as blocker:
        qtbot.mouseClick(filters.list.viewport(), Qt.MouseButton.LeftButton, pos=item_centre(filters, 2))
    assert blocker.args == [2]


def test_up_and_down_keys_select(qtbot, filters: FilterList) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(filters.filter_selected, timeout=1000) as blocker:
        qtbot.keyClick(filters.list, Qt.Key.Key_Down)
    assert blocker.args == [1]
    with qtbot.waitSignal(filters.filter_selected, timeout=1000) as blocker:
        qtbot.keyClick(filters.list, Qt.Key.Key_Up)
    assert blocker.args == [0]


def test_add_button_requests_a_filter_and_waits(qtbot, filters: FilterList) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(filters.add_requested, timeout=1000):
        qtbot.mouseClick(filters.add_button, Qt.MouseButton.LeftButton)
    assert filters.count() == 4  # it asked; the count changes only when set_filters says so


def test_duplicate_and_remove_buttons_name_the_selected_filter(qtbot, filters: FilterList) -> None:  # type: ignore[no-untyped-def]
    filters.set_filters(stack(NAMES), 2)
    with qtbot.waitSignal(filters.duplicate_requested, timeout=1000) as blocker:
        qtbot.mouseClick(filters.duplicate_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [2]
    qtbot.mouseClick(filters.list.viewport(), Qt.MouseButton.LeftButton, pos=item_centre(filters, 1))
    with qtbot.waitSignal(filters.remove_requested, timeout=1000) as blocker:
        qtbot.mouseClick(filters.remove_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [1]
    assert filters.count() == 4


def test_delete_key_requests_remove_and_insert_key_requests_add(qtbot, filters: FilterList) -> None:  # type: ignore[no-untyped-def]
    filters.set_filters(stack(NAMES), 3)
    with qtbot.waitSignal(filters.remove_requested, timeout=1000) as blocker:
        qtbot.keyClick(filters.list, Qt.Key.Key_Delete)
    assert blocker.args == [3]
    with qtbot.waitSignal(filters.remove_requested, timeout=1000) as blocker:
        qtbot.keyClick(filters.list, Qt.Key.Key_Backspace)  # the Mac keyboard's "delete"
    assert blocker.args == [3]
    with qtbot.waitSignal(filters.add_requested, timeout=1000):
        qtbot.keyClick(filters.list, Qt.Key.Key_Insert)
    assert filters.count() == 4


def test_remove_is_disabled_at_one_filter(qtbot, filters: FilterList) -> None:  # type: ignore[no-untyped-def]
    filters.set_filters(stack(["identity"]), 0)
    assert filters.count() == 1
    assert not filters.remove_button.isEnabled()
    assert filters.add_button.isEnabled()
    assert filters.duplicate_button.isEnabled()
    with qtbot.assertNotEmitted(filters.remove_requested):
        qtbot.mouseClick(filters.remove_button, Qt.MouseButton.LeftButton)
        qtbot.keyClick(filters.list, Qt.Key.Key_Delete)
    filters.set_filters(stack(["identity", "sharpen"]), 1)
    assert filters.remove_button.isEnabled()


def test_add_and_duplicate_are_disabled_at_the_cap(qtbot, filters: FilterList) -> None:  # type: ignore[no-untyped-def]
    filters.set_filters(kt.randomize_like_keras(3, 3, 1, MAX_FILTERS, seed=5), MAX_FILTERS - 1)
    assert MAX_FILTERS == scene.MAX_FILTERS == 512
    assert filters.count() == 512
    assert filters.list.item(511).text() == "filter 512"
    assert not filters.add_button.isEnabled()
    assert not filters.duplicate_button.isEnabled()
    assert filters.remove_button.isEnabled()
    with qtbot.assertNotEmitted(filters.add_requested):
        qtbot.keyClick(filters.list, Qt.Key.Key_Insert)
    filters.set_filters(kt.randomize_like_keras(3, 3, 1, MAX_FILTERS - 1, seed=5), 0)
    assert filters.add_button.isEnabled()
    assert filters.duplicate_button.isEnabled()


def test_the_widgets_filter_caps_are_the_scenes() -> None:
    """Widgets keep their own copy of the cap (they do not import the scene's engine): it must be the scene's."""
    from kernelscope.ui.widgets.conv_controls import FILTERS_RANGE

    assert MAX_FILTERS == scene.MAX_FILTERS
    assert FILTERS_RANGE == (1, scene.MAX_FILTERS)


def test_set_filters_emits_nothing(qtbot, filters: FilterList) -> None:  # type: ignore[no-untyped-def]
    signals = all_signals(filters)
    with qtbot.assertNotEmitted(signals[0]), qtbot.assertNotEmitted(signals[1]), \
            qtbot.assertNotEmitted(signals[2]), qtbot.assertNotEmitted(signals[3]):
        filters.set_filters(stack(NAMES), 3)  # selection moves
        filters.set_filters(stack(NAMES[:2]), 1)  # fewer
        filters.set_filters(stack(NAMES * 3, channels=3), 11)  # more, another channel count
        filters.set_filters(kt.randomize_like_keras(5, 2, 3, 2, seed=1), 0)  # another kernel size
    assert filters.count() == 2
    assert filters.selected() == 0
    assert [filters.list.item(i).text() for i in range(2)] == ["filter 1", "filter 2"]
    assert "5x2" in filters.list.item(1).toolTip()
    assert "3 channels" in filters.list.item(1).toolTip()


def test_set_filters_redraws_only_the_changed_thumbnail(filters: FilterList) -> None:
    keys = [filters.list.item(i).icon().cacheKey() for i in range(4)]
    edited = stack(NAMES)
    edited[0, 0, 0, 2] = -1
    filters.set_filters(edited, 0)
    after = [filters.list.item(i).icon().cacheKey() for i in range(4)]
    assert [a == b for a, b in zip(keys, after, strict=True)] == [True, True, False, True]


def test_set_filters_refuses_nonsense(filters: FilterList) -> None:
    with pytest.raises(ValueError, match="filters"):
        filters.set_filters(np.zeros((3, 3, 1)), 0)
    with pytest.raises(ValueError, match="selected filter 4"):
        filters.set_filters(stack(NAMES), 4)
    assert filters.count() == 4


def test_selecting_then_set_filters_follows_the_document(qtbot, filters: FilterList) -> None:  # type: ignore[no-untyped-def]
    """The Document answers a click with set_filters; the list then shows the Document's choice."""
    filters.filter_selected.connect(lambda i: filters.set_filters(stack(NAMES), i))
    qtbot.mouseClick(filters.list.viewport(), Qt.MouseButton.LeftButton, pos=item_centre(filters, 3))
    assert filters.selected() == 3


# --------------------------------------------------------------------------- thumbnails


def test_weight_rgb_is_the_kernel_grid_ramp_on_its_own_scale() -> None:
    k = np.array([[-4, -2, 0], [1, 2, 4]], np.float32)
    rgb = weight_rgb(k)
    assert rgb.shape == (2, 3, 3)
    assert rgb.dtype == np.uint8
    for (r, c), v in np.ndenumerate(k):
        want = QColor.fromRgbF(*weight_colour(float(v) / 4))
        assert np.abs(rgb[r, c].astype(int) - [want.red(), want.green(), want.blue()]).max() <= 1
    assert tuple(rgb[0, 2]) == (255, 255, 255)  # 0 is white
    assert rgb[0, 0, 2] == 255
    assert rgb[0, 0, 0] < 100  # most negative: blue
    assert rgb[1, 2, 0] == 255
    assert rgb[1, 2, 2] < 100  # most positive: red
    np.testing.assert_array_equal(weight_rgb(k * 10), rgb)  # its own scale
    assert (weight_rgb(np.zeros((3, 3))) == 255).all()


def test_thumbnail_draws_the_cells(qtbot) -> None:  # type: ignore[no-untyped-def]
    k = kt.preset_kernel("article line", 3, 3)
    image = thumbnail(k, 28).toImage()
    assert (image.width(), image.height()) == (28, 28)
    middle, top = image.pixelColor(14, 14), image.pixelColor(14, 6)
    assert middle.blue() > 200
    assert middle.red() < 100  # the -1 row
    assert top.red() > 200
    assert top.blue() < 100  # the +1 rows
    assert image.pixelColor(0, 0) == QColor(0, 0, 0, 0)  # a square kernel fills all but the margin
