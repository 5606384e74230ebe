"""A model with 256 and 512 filters in the window (issue 16, item 7): the layer is reached in the strip,
its 512 filters are listed, and its maps are explored one at a time (Enter focuses the selected
filter's map, Esc goes back to every map)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from kernelscope.core.scene import Session
from tests.ui.gui import open_window


def _conv(filters: int) -> dict:
    return {"class_name": "Conv2D", "config": {"filters": filters, "kernel_size": [3, 3], "padding": "same",
                                               "activation": "relu"}}


POOL = {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2]}}


@pytest.fixture
def wide(qtbot):  # type: ignore[no-untyped-def]
    """A VGG's shape on a small input: 16 layers, the last Conv2D with 512 filters."""
    layers = [_conv(64), _conv(64), POOL, _conv(128), _conv(128), POOL, _conv(256), _conv(256), POOL, _conv(512),
              _conv(512), POOL, {"class_name": "Flatten", "config": {}},
              {"class_name": "Dense", "config": {"units": 64, "activation": "relu"}},
              {"class_name": "Dense", "config": {"units": 10, "activation": "softmax"}}]
    x = np.random.default_rng(3).random((32, 32, 3), dtype=np.float32)
    window = open_window(qtbot, Session(input=x, layers=layers))
    qtbot.waitUntil(lambda: not window.document.computing, timeout=20_000)
    return window


def test_the_strip_scrolls_the_selected_layer_into_view(qtbot, wide) -> None:  # type: ignore[no-untyped-def]
    area = wide.stack_view.strip_area
    wide.document.select_layer(10)  # conv2d_9, 512 filters, near the end of the strip
    tile = area.strip.tile_rect(11)

    def shown() -> bool:
        left = area.horizontalScrollBar().value()
        return area.horizontalScrollBar().maximum() > 0 and left <= tile.left() and tile.right() <= (
            left + area.viewport().width())

    qtbot.waitUntil(shown)


def test_512_filters_are_listed_and_their_maps_explored_one_at_a_time(qtbot, wide) -> None:  # type: ignore[no-untyped-def]
    doc = wide.document
    doc.select_layer(10)
    qtbot.waitUntil(lambda: not doc.computing, timeout=20_000)
    assert wide.filter_list.count() == 512
    assert wide.feature_maps.map_count() == 512
    doc.select_filter(300)
    assert wide.filter_list.selected() == 300
    maps = wide.feature_maps
    qtbot.keyClick(maps.view_widget, Qt.Key.Key_Return)
    assert maps.focused() == 300
    doc.set_step(5)
    assert wide.step_panel.isVisible()
    qtbot.keyClick(maps.view_widget, Qt.Key.Key_Escape)
    assert maps.focused() is None
    assert doc.results[10].output.shape == (4, 4, 512)


def test_a_filter_chosen_in_the_list_turns_the_maps_to_its_page(qtbot, wide) -> None:  # type: ignore[no-untyped-def]
    doc, maps = wide.document, wide.feature_maps
    doc.select_layer(9)  # conv2d_8: 512 maps of 4x4
    qtbot.waitUntil(lambda: not doc.computing and maps.map_count() == 512, timeout=20_000)
    wide.resize(1280, 800)
    qtbot.waitUntil(lambda: maps.page() != (0, 512))  # too many to read at once: a page of them
    first, stop = maps.page()
    assert maps.pager.isVisible()
    assert maps.pager.label.text() == f"maps {first + 1}-{stop} of 512"
    assert not first <= 300 < stop
    wide.filter_list.list.setCurrentRow(300)  # a click on "filter 301" in the list
    assert doc.view.selected_filter == 300
    qtbot.waitUntil(lambda: maps.page()[0] <= 300 < maps.page()[1])
    first, stop = maps.page()
    assert maps.pager.label.text() == f"maps {first + 1}-{stop} of 512"
    doc.set_step(3)  # stepping keeps the page
    assert maps.page() == (first, stop)
    qtbot.keyClick(maps.view_widget, Qt.Key.Key_PageDown)
    assert maps.page()[0] == stop
    qtbot.keyClick(maps.view_widget, Qt.Key.Key_Return)  # Enter still shows the selected filter large
    assert maps.focused() == 300


def test_512_input_channels_are_picked_with_a_spin_box(qtbot, wide) -> None:  # type: ignore[no-untyped-def]
    doc, picker = wide.document, wide.kernel_channel
    doc.select_layer(10)  # conv2d_9: 512 input channels
    qtbot.waitUntil(lambda: not doc.computing, timeout=20_000)
    assert picker.isVisible()
    assert picker.spin.isVisible()
    assert not picker.tabs.isVisible()
    assert picker.spin.of.text() == "of 512"
    box = picker.spin.box
    box.setFocus()
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "300")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert wide.ports.kernel_channel_index() == 299
    f = doc.view.selected_filter
    np.testing.assert_array_equal(wide.kernel_grid.kernel(), doc.kernels[:, :, 299, f])
    doc.select_layer(1)  # conv2d_1: 64 channels in, still many
    qtbot.waitUntil(lambda: not doc.computing, timeout=20_000)
    assert picker.spin.of.text() == "of 64"
    assert box.value() == 64  # the nearest channel that exists
    doc.select_layer(0)  # the picture's three channels: tabs again
    qtbot.waitUntil(lambda: not doc.computing, timeout=20_000)
    assert picker.tabs.isVisible()
    assert not picker.spin.isVisible()
