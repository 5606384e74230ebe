"""FilterImages alone: kernels in through ``set_filters``, each filter's pixels follow its weights
(grey around 0, RGB for a first layer on colour, the picked channel or the mean deeper down), a click
on a thumbnail asks for that filter, and the images share a tabbed place with the filter list."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from kernelscope.ui.widgets.filter_images import FilterImages, FilterViews, filter_pixels


def kernels(c: int = 1, f: int = 8, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 1, (3, 3, c, f)).astype(np.float32)


@pytest.fixture
def panel(qtbot) -> FilterImages:  # type: ignore[no-untyped-def]
    widget = FilterImages()
    qtbot.addWidget(widget)
    widget.resize(300, 160)
    widget.set_filters(kernels(), 0, 0, first_layer=True)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def click(panel: FilterImages, index: int) -> None:
    QTest.mouseClick(panel.thumbnails, Qt.MouseButton.LeftButton, pos=panel.thumbnail_rect(index).center())


def test_grey_pixels_are_symmetric_around_zero_on_one_scale_for_the_layer() -> None:
    k = np.zeros((2, 2, 1, 2), np.float32)
    k[0, 0, 0, 0], k[0, 1, 0, 0], k[1, 1, 0, 1] = 2.0, -2.0, 1.0
    px = filter_pixels(k, 0, colour=False)
    assert px.shape == (2, 2, 2, 3)
    assert px[0, 0, 0].tolist() == [255, 255, 255]
    assert px[0, 0, 1].tolist() == [0, 0, 0]
    assert px[0, 1, 0].tolist() == [128, 128, 128]  # zero is mid-grey
    assert px[1, 1, 1, 0] == 191  # half the layer's largest |w|: three quarters up


def test_a_colour_first_layer_is_drawn_as_the_rgb_it_responds_to() -> None:
    k = np.zeros((1, 1, 3, 1), np.float32)
    k[0, 0, :, 0] = (1.0, -1.0, 0.0)
    assert filter_pixels(k, 0, colour=True)[0, 0, 0].tolist() == [255, 0, 128]


def test_deeper_layers_show_the_picked_channel_or_the_mean() -> None:
    k = np.zeros((1, 1, 2, 1), np.float32)
    k[0, 0, :, 0] = (1.0, -0.5)
    assert filter_pixels(k, 0, colour=False)[0, 0, 0, 0] == 255
    assert filter_pixels(k, 1, colour=False)[0, 0, 0, 0] == 0  # scaled by what is shown
    assert filter_pixels(k, None, colour=False)[0, 0, 0, 0] == 255  # the mean, 0.25, is the largest shown


def test_clicking_a_thumbnail_asks_for_that_filter(panel: FilterImages, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(panel.filter_selected) as blocker:
        click(panel, 5)
    assert blocker.args == [5]
    with qtbot.assertNotEmitted(panel.filter_selected):
        click(panel, 0)  # the selected one: nothing to ask


def test_every_filter_shows_and_the_selected_one_is_outlined(panel: FilterImages) -> None:
    panel.set_filters(kernels(f=32), 7, 0, first_layer=True)
    assert panel.images().shape == (32, 3, 3, 3)
    rects = [panel.thumbnail_rect(i) for i in range(32)]
    assert all(panel.thumbnails.rect().contains(r) for r in rects)
    assert len({(r.x(), r.y()) for r in rects}) == 32
    shot = panel.thumbnails.grab().toImage()
    r = rects[7]
    outline = shot.pixelColor(r.left(), r.center().y())
    plain = shot.pixelColor(rects[6].left(), rects[6].center().y())  # an unselected one's thin frame
    assert outline == panel.palette().highlight().color()
    assert outline != plain


def test_the_pixels_follow_the_kernel(panel: FilterImages) -> None:
    k = kernels()
    panel.set_filters(k, 0, 0, first_layer=True)
    before = panel.images().copy()
    k2 = k.copy()
    k2[1, 1, 0, 3] = -np.abs(k).max()
    panel.set_filters(k2, 0, 0, first_layer=True)
    after = panel.images()
    assert after[3, 1, 1, 0] == 0
    assert before[3, 1, 1, 0] != 0
    assert np.array_equal(np.delete(after, 3, axis=0), np.delete(before, 3, axis=0))


def test_the_tooltip_and_the_mode_say_what_is_shown(panel: FilterImages) -> None:
    panel.set_filters(kernels(c=3), 0, 0, first_layer=True)
    assert panel.mode() == "rgb"
    assert "RGB" in panel.thumbnails.tips[0]
    panel.set_filters(kernels(c=4), 0, 2, first_layer=False)
    assert panel.mode() == "channel 3"
    assert "input channel 3 of 4" in panel.thumbnails.tips[1]
    assert panel.mean_box.isVisible()
    panel.mean_box.click()
    assert panel.mode() == "mean"
    assert "mean of its 4 input channels" in panel.thumbnails.tips[1]


def test_the_images_share_a_tabbed_place_with_the_filter_list(qtbot) -> None:  # type: ignore[no-untyped-def]
    from kernelscope.ui.widgets.filter_list import FilterList

    images, listing = FilterImages(), FilterList()
    views = FilterViews(listing, images)
    qtbot.addWidget(views)
    views.show()
    assert listing.isVisible()
    assert not images.isVisible()
    views.show_images()
    assert images.isVisible()
    assert not listing.isVisible()


def test_many_filters_stay_within_a_few_rows(panel: FilterImages) -> None:
    panel.set_filters(kernels(f=64), 0, 0, first_layer=True)
    assert panel.thumbnails.height() <= 100
