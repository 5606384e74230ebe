"""FeatureMaps alone: maps, style and the current cell in through ``set_*``; a click out as ``cell_clicked``."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor

from kernelscope.core.colour_scale import WINDOW_RED, lookup_table
from kernelscope.ui.widgets.feature_maps import CellMarks, FeatureMaps
from tests.ui.gui import hover

ARTICLE_MAP = np.array([[1, 5, 1], [1, -3, 1], [1, 5, 1]], np.float32)  # the article's X through its line kernel


@pytest.fixture
def maps(qtbot) -> FeatureMaps:  # type: ignore[no-untyped-def]
    widget = FeatureMaps()
    qtbot.addWidget(widget)
    widget.resize(640, 420)
    widget.set_maps(np.stack([ARTICLE_MAP, -ARTICLE_MAP]))
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def clicked(maps: FeatureMaps) -> list[tuple[int, int, int]]:
    log: list[tuple[int, int, int]] = []
    maps.cell_clicked.connect(lambda *args: log.append(args))
    return log


def cell_point(maps: FeatureMaps, k: int, row: int, col: int, where: float = 0.5) -> QPoint:
    """A point of a cell on the view widget (``where``: 0.5 the centre, 0.2 near its top-left corner)."""
    rect = maps.cell_scene_rect(k, row, col)
    return QPoint(int(rect.left() + rect.width() * where), int(rect.top() + rect.height() * where))


def seen(maps: FeatureMaps, point: QPoint) -> QColor:
    return maps.view_widget.grab().toImage().pixelColor(point)


def test_set_maps_shows_every_map_with_its_values(maps: FeatureMaps) -> None:
    assert maps.map_count() == 2
    np.testing.assert_array_equal(maps.image_data(0), ARTICLE_MAP)
    np.testing.assert_array_equal(maps.image_data(1), -ARTICLE_MAP)
    assert maps.mosaic() is not None
    assert maps.mosaic().count == 2  # type: ignore[union-attr]
    assert maps.levels(0) == maps.levels(1) == (-5.0, 5.0)  # one scale, 0 in the middle


def test_cells_are_drawn_in_the_colour_maps_colours(maps: FeatureMaps) -> None:
    lut = lookup_table("CET-D1A")
    top, bottom = QColor(*(int(v) for v in lut[-1])), QColor(*(int(v) for v in lut[0]))
    assert seen(maps, cell_point(maps, 0, 0, 1, 0.2)) == top  # 5, the top of the scale
    assert seen(maps, cell_point(maps, 1, 0, 1, 0.2)) == bottom  # -5
    maps.set_style("CET-L1", True)
    maps.set_maps(np.stack([ARTICLE_MAP, -ARTICLE_MAP]))
    grey = lookup_table("CET-L1")
    assert seen(maps, cell_point(maps, 0, 0, 1, 0.2)) == QColor(*(int(v) for v in grey[-1]))


def test_one_scale_or_one_per_map(maps: FeatureMaps) -> None:
    maps.set_style("viridis", False)
    maps.set_maps(np.stack([ARTICLE_MAP, 2 * ARTICLE_MAP]))
    assert maps.levels(0) == (-3.0, 5.0)
    assert maps.levels(1) == (-6.0, 10.0)
    assert maps.colour_bar.toolTip().startswith("Each map has its own scale")
    with pytest.raises(ValueError, match="unknown colour map 'rainbow'"):
        maps.set_style("rainbow", True)


def test_clicking_a_cell_asks_to_step_there(maps: FeatureMaps, clicked, qtbot) -> None:  # type: ignore[no-untyped-def]
    viewport = maps.view_widget.viewport()
    with qtbot.waitSignal(maps.cell_clicked) as blocker:
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=cell_point(maps, 1, 2, 0))
    assert blocker.args == [1, 2, 0]
    qtbot.mouseClick(viewport, Qt.MouseButton.RightButton, pos=cell_point(maps, 0, 1, 1))
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=QPoint(2, 2))  # beside the maps
    assert clicked == [(1, 2, 0)]


def hover_until(qtbot, maps: FeatureMaps, point: QPoint, shown: str) -> None:  # type: ignore[no-untyped-def]
    """Move the mouse over ``point`` until the line reads ``shown`` (pyqtgraph takes a limited number of
    moves a second, as a hand keeps moving)."""

    def reads() -> None:
        hover(maps.view_widget.viewport(), point)
        assert maps.hover.text().startswith(shown)

    qtbot.waitUntil(reads)


def test_hovering_a_map_cell_reads_its_value(maps: FeatureMaps, qtbot) -> None:  # type: ignore[no-untyped-def]
    hover_until(qtbot, maps, cell_point(maps, 0, 1, 1), "filter 1, row 1, column 1: -3")
    assert maps.hover.text() == "filter 1, row 1, column 1: -3   (click to step there)"
    hover_until(qtbot, maps, cell_point(maps, 1, 0, 1), "filter 2, row 0, column 1: -5")
    hover_until(qtbot, maps, QPoint(2, 2), " ")
    assert maps.hover.text() == " "


def test_set_cell_frames_the_current_cell_on_every_map(maps: FeatureMaps) -> None:
    red = QColor(*WINDOW_RED)

    def frame_seen(k: int) -> QColor:
        rect = maps.cell_scene_rect(k, 1, 2)
        return seen(maps, QPoint(int(rect.left()), int(rect.center().y())))

    assert frame_seen(0) != red
    maps.set_cell(1, 2)
    assert maps.marks.frame_rect(0) is not None
    assert frame_seen(0) == red
    assert frame_seen(1) == red
    maps.set_cell(None, None)
    assert maps.marks.frame_rect(0) is None
    assert frame_seen(0) != red


def test_reveal_mode_veils_the_cells_still_to_come(maps: FeatureMaps) -> None:
    later, done = cell_point(maps, 0, 2, 0, 0.2), cell_point(maps, 0, 0, 1, 0.2)
    before = seen(maps, later)
    maps.set_cell(1, 1)
    maps.set_reveal(True)
    assert not maps.revealed(0, 1, 2)
    assert maps.revealed(0, 1, 1)
    assert maps.revealed(0, 0, 2)
    assert seen(maps, later) == CellMarks.VEIL
    assert seen(maps, done) != CellMarks.VEIL
    maps.set_reveal(False)
    assert maps.revealed(0, 2, 2)
    assert seen(maps, later) == before


def test_set_calls_emit_nothing(maps: FeatureMaps, clicked) -> None:  # type: ignore[no-untyped-def]
    maps.set_style("cividis", False)
    maps.set_maps(np.zeros((4, 2, 3), np.float32))
    maps.set_cell(1, 1)
    maps.set_reveal(True)
    maps.set_thick(True)
    maps.set_dark(True)
    maps.view_widget.grab()
    assert clicked == []
    assert maps.map_count() == 4


def leave(maps: FeatureMaps) -> None:
    """The pointer goes off the maps (to the colour bar, another pane, out of the window)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    for widget in (maps.view_widget.viewport(), maps.view_widget):
        QApplication.sendEvent(widget, QEvent(QEvent.Type.Leave))


def test_the_readout_goes_when_the_pointer_leaves_the_maps(maps: FeatureMaps, qtbot) -> None:  # type: ignore[no-untyped-def]
    hover_until(qtbot, maps, cell_point(maps, 0, 1, 1), "filter 1, row 1, column 1: -3")
    leave(maps)
    assert maps.hover.text().strip() == ""


def test_the_readout_follows_new_values_and_goes_with_another_scene(maps: FeatureMaps, qtbot) -> None:  # type: ignore[no-untyped-def]
    hover_until(qtbot, maps, cell_point(maps, 0, 1, 1), "filter 1, row 1, column 1: -3")
    maps.set_maps(np.stack([2 * ARTICLE_MAP, -ARTICLE_MAP]))  # an edit: same cells, new values
    assert maps.hover.text().startswith("filter 1, row 1, column 1: -6")
    maps.set_maps(np.zeros((4, 6, 6), np.float32))  # another scene
    assert maps.hover.text().strip() == ""


def test_the_exported_picture_has_no_readout(maps: FeatureMaps, qtbot) -> None:  # type: ignore[no-untyped-def]
    hover_until(qtbot, maps, cell_point(maps, 0, 1, 1), "filter 1, row 1, column 1: -3")
    shown = maps.hover.text()
    picture = maps.picture()
    assert maps.hover.text() == shown  # the person still reads it on screen
    leave(maps)
    assert picture == maps.grab().toImage()  # the same as with no cell hovered
    hover_until(qtbot, maps, cell_point(maps, 0, 1, 1), "filter 1, row 1, column 1: -3")
    assert picture != maps.grab().toImage()


@pytest.mark.parametrize("point_size", [9.0, 22.0], ids=["normal", "projector"])
@pytest.mark.parametrize("height", [100, 160, 420])
def test_colour_bar_labels_never_overlap(qtbot, point_size: float, height: int) -> None:  # type: ignore[no-untyped-def]
    """ "one scale" off: the bottom value and "per map" once drew over each other."""
    from PySide6.QtCore import QRectF

    from kernelscope.ui.widgets.feature_maps import ColourBar

    bar = ColourBar()
    qtbot.addWidget(bar)
    font = bar.font()
    font.setPointSizeF(point_size)
    bar.setFont(font)
    for shared in (True, False):
        bar.set_scale(lookup_table("viridis"), (0.0, 0.67), shared)
        bar.resize(bar.sizeHint().width(), max(height, bar.minimumSizeHint().height()))  # as a layout does
        bar.show()
        qtbot.waitExposed(bar)
        assert not bar.grab().toImage().isNull()  # it paints from the same rectangles
        labels = bar.label_rects()
        texts = [text for text, _ in labels]
        assert texts[:2] == ["0.67", "0"]  # both ends always written
        assert ("per map" in texts) is not shared
        inside = QRectF(bar.rect())
        for i, (text, rect) in enumerate(labels):
            assert inside.contains(rect), (text, rect, inside)
            for other_text, other in labels[i + 1 :]:
                assert not rect.intersects(other), (text, other_text)
