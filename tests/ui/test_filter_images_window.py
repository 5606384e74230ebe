"""The filter images in the window, used as a person would: the Images tab beside the filter list, a
click on a thumbnail selects that filter everywhere, and a typed weight redraws its thumbnail."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QWidget

from kernelscope.ui.main_window import MainWindow
from tests.ui.gui import open_window


def open_lesson(qtbot, window: MainWindow, number: int) -> None:  # type: ignore[no-untyped-def]
    (action,) = [a for a in window.lessons_menu.actions() if a.text().startswith(f"&{number}  ")]
    action.trigger()
    qtbot.waitUntil(lambda: not window.document.computing, timeout=20_000)


def scroll_to(widget: QWidget) -> None:
    """Scroll the middle pane down to ``widget``, as a person does before typing into it."""
    area = widget.parentWidget()
    while area is not None and not isinstance(area, QScrollArea):
        area = area.parentWidget()
    assert area is not None
    area.ensureWidgetVisible(widget, 0, 0)


def show_images(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    tabs = window.filter_views.tabBar()
    qtbot.mouseClick(tabs, Qt.MouseButton.LeftButton, pos=tabs.tabRect(1).center())
    assert window.filter_images.isVisible()


def test_clicking_a_thumbnail_selects_that_filter_everywhere(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot)
    open_lesson(qtbot, window, 9)  # 32 filters on a photo
    show_images(qtbot, window)
    images = window.filter_images
    assert images.images().shape[0] == 32
    assert images.mode() == "rgb"
    qtbot.mouseClick(images.thumbnails, Qt.MouseButton.LeftButton, pos=images.thumbnail_rect(20).center())
    assert window.document.view.selected_filter == 20
    assert window.filter_list.selected() == 20
    assert images.selected() == 20
    assert "filter 21 of 32" in window.kernel_heading.text()


def test_a_typed_weight_changes_its_thumbnail(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot)
    open_lesson(qtbot, window, 12)  # a stack whose first layer is a 3x3 Conv2D on one channel
    show_images(qtbot, window)
    images = window.filter_images
    assert images.mode() == "grey"
    qtbot.mouseClick(images.thumbnails, Qt.MouseButton.LeftButton, pos=images.thumbnail_rect(1).center())
    before = images.images().copy()
    limit = float(np.abs(window.document.kernels).max())
    assert window.document.kernels[0, 0, 0, 1] < limit
    scroll_to(window.kernel_grid)
    # What the cell editor commits (typing after a real click in an offscreen window loses the editor).
    window.kernel_grid.item(0, 0).setText(f"{limit:g}")
    assert window.document.kernels[0, 0, 0, 1] == limit
    after = images.images()
    assert after[1, 0, 0, 0] == 255  # the largest weight of the layer is white
    assert before[1, 0, 0, 0] != 255
    assert np.array_equal(after[0], before[0])


def test_a_deeper_conv2d_shows_the_channel_picked_above_the_kernel(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot)
    open_lesson(qtbot, window, 11)  # pooling and a second Conv2D
    conv = [i for i, layer in enumerate(window.document.layers) if layer.keras_class == "Conv2D"][1]
    window.document.select_layer(conv)
    show_images(qtbot, window)
    images = window.filter_images
    window.kernel_channel.setCurrentIndex(2)
    assert images.mode() == "channel 3"
    k = window.document.kernels
    shown = k[:, :, 2, :]
    top = int(np.unravel_index(np.argmax(shown), shown.shape)[2])
    row, col = np.unravel_index(np.argmax(shown[:, :, top]), shown.shape[:2])
    assert images.images()[top, row, col, 0] == 255  # the channel's largest weight is white
