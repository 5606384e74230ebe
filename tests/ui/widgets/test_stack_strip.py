"""StackStrip alone: tiles, lighting and the framed cell in through ``set_*``; clicks and hovers out as signals."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPalette
from PySide6.QtTest import QTest

from kernelscope.core.colour_scale import WINDOW_RED, lookup_table
from kernelscope.ui.widgets.stack_strip import StackStrip, StackStripArea, StripTile, compress_vector

X = np.zeros((28, 28), np.float32)
X[np.arange(28), np.arange(28)] = 1.0  # a diagonal: cells on it and off it differ in colour
CAPTIONS = ["input 28x28x1", "conv2d 26x26x8", "max_pooling2d 13x13x8", "flatten 1352", "dense 10"]


def digits_tiles() -> list[StripTile]:
    rng = np.random.default_rng(3)
    conv = rng.normal(size=(26, 26)).astype(np.float32)
    pool = conv.reshape(13, 2, 13, 2).max(axis=(1, 3))
    return [
        StripTile(CAPTIONS[0], X, (-1.0, 1.0)),
        StripTile(CAPTIONS[1], conv, (-3.0, 3.0)),
        StripTile(CAPTIONS[2], pool, (-3.0, 3.0)),
        StripTile(CAPTIONS[3], np.repeat(pool.ravel(), 8), (-3.0, 3.0)),
        StripTile(CAPTIONS[4], None, (0.0, 1.0), note="needs 1568 inputs, gets 1352"),
    ]


@pytest.fixture
def area(qtbot) -> StackStripArea:  # type: ignore[no-untyped-def]
    widget = StackStripArea()
    qtbot.addWidget(widget)
    widget.resize(1000, widget.sizeHint().height())
    widget.strip.set_tiles(digits_tiles(), 1)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def strip(area: StackStripArea) -> StackStrip:
    return area.strip


def centre(rect: QRectF) -> QPoint:
    return rect.center().toPoint()


def seen(strip: StackStrip, point: QPoint) -> QColor:
    return strip.grab().toImage().pixelColor(point)


def brightness(colour: QColor) -> float:
    """Perceived lightness, 0..765 like a sum of channels (the lit tint is warm: blue counts little)."""
    return 3 * (0.2126 * colour.red() + 0.7152 * colour.green() + 0.0722 * colour.blue())


def test_every_level_is_a_tile_with_its_caption_left_to_right(strip: StackStrip) -> None:
    assert strip.captions() == CAPTIONS
    assert strip.tile_count() == 5
    assert strip.selected() == 1
    rects = [strip.tile_rect(k) for k in range(5)]
    for before, after in itertools.pairwise(rects):
        assert before.right() < after.left()  # a gap (with its arrow) between tiles
    for rect in rects:
        assert strip.rect().contains(rect.toAlignedRect())  # nothing cut off at the edges


def test_a_map_tile_shows_its_values_in_the_colour_table_with_square_cells(strip: StackStrip) -> None:
    lut = lookup_table("CET-D1A")
    on, off = strip.cell_rect(0, 5, 5), strip.cell_rect(0, 5, 6)
    assert on.width() == pytest.approx(on.height())
    assert seen(strip, centre(on)) == QColor(*(int(v) for v in lut[255]))  # 1 at the top of (-1, 1)
    assert seen(strip, centre(off)) == QColor(*(int(v) for v in lut[128]))  # 0 in the middle
    strip.set_colormap("CET-L1")
    grey = lookup_table("CET-L1")
    assert seen(strip, centre(strip.cell_rect(0, 5, 5))) == QColor(*(int(v) for v in grey[255]))
    with pytest.raises(ValueError, match="unknown colour map 'rainbow'"):
        strip.set_colormap("rainbow")


def test_clicking_a_tile_asks_to_select_its_layer(strip: StackStrip, qtbot) -> None:  # type: ignore[no-untyped-def]
    caption_point = QPoint(int(strip.tile_rect(2).center().x()), int(strip.tile_rect(2).top() + 6))
    with qtbot.waitSignal(strip.tile_clicked) as blocker:
        QTest.mouseClick(strip, Qt.MouseButton.LeftButton, pos=caption_point)
    assert blocker.args == [2]
    clicks: list[int] = []
    strip.tile_clicked.connect(clicks.append)
    gap = QPoint(int((strip.tile_rect(0).right() + strip.tile_rect(1).left()) / 2), caption_point.y())
    QTest.mouseClick(strip, Qt.MouseButton.LeftButton, pos=gap)
    QTest.mouseClick(strip, Qt.MouseButton.RightButton, pos=caption_point)
    assert clicks == []


def test_clicking_a_cell_selects_the_tile_and_asks_to_step_there(strip: StackStrip, qtbot) -> None:  # type: ignore[no-untyped-def]
    tiles: list[int] = []
    strip.tile_clicked.connect(tiles.append)
    with qtbot.waitSignal(strip.cell_clicked) as blocker:
        QTest.mouseClick(strip, Qt.MouseButton.LeftButton, pos=centre(strip.cell_rect(2, 7, 3)))
    assert blocker.args == [2, 7, 3]
    assert tiles == [2]


def test_hovering_cells_reads_tile_row_and_column_and_leaving_clears(strip: StackStrip, qtbot) -> None:  # type: ignore[no-untyped-def]
    hovered: list[tuple[int, int, int]] = []
    strip.cell_hovered.connect(lambda *args: hovered.append(args))
    for tile, row, col in ((0, 27, 0), (1, 3, 25), (2, 12, 12)):
        QTest.mouseMove(strip, centre(strip.cell_rect(tile, row, col)))
        qtbot.waitUntil(lambda t=tile, r=row, c=col: hovered[-1:] == [(t, r, c)])
    QTest.mouseMove(strip, QPoint(int(strip.tile_rect(2).center().x()), int(strip.tile_rect(2).top() + 6)))
    qtbot.waitUntil(lambda: hovered[-1] == (-1, -1, -1))  # over a caption: no cell
    QTest.mouseMove(strip, centre(strip.cell_rect(1, 0, 0)))
    qtbot.waitUntil(lambda: hovered[-1] == (1, 0, 0))
    QTest.mouseMove(strip, centre(strip.cell_rect(1, 0, 0)) + QPoint(1, 0))
    assert hovered.count((1, 0, 0)) == 1  # moving within a cell does not repeat it


def test_leaving_the_strip_clears_the_hover(strip: StackStrip, qtbot) -> None:  # type: ignore[no-untyped-def]
    hovered: list[tuple[int, int, int]] = []
    strip.cell_hovered.connect(lambda *args: hovered.append(args))
    QTest.mouseMove(strip, centre(strip.cell_rect(2, 1, 1)))
    qtbot.waitUntil(lambda: hovered[-1:] == [(2, 1, 1)])
    QTest.mouseMove(strip.window(), QPoint(-50, -50))  # out of the window
    qtbot.waitUntil(lambda: hovered[-1] == (-1, -1, -1))


def test_a_lit_receptive_field_is_bright_and_framed_the_rest_dimmed(strip: StackStrip) -> None:
    before = strip.grab().toImage()
    # pool (2, 1, 1) <- conv rows 2..3, cols 2..3 <- input rows 2..5, cols 2..5
    strip.set_lit([(np.arange(2, 6), np.arange(2, 6), False), (np.array([2, 3]), np.array([2, 3]), False),
                   (np.array([1]), np.array([1]), False), None, None])
    strip.set_cell(2, 1, 1)
    after = strip.grab().toImage()
    lit, unlit = centre(strip.cell_rect(0, 3, 3)), centre(strip.cell_rect(0, 20, 20))  # both on the diagonal
    assert before.pixelColor(lit) == before.pixelColor(unlit)
    assert brightness(after.pixelColor(lit)) > brightness(after.pixelColor(unlit)) + 60
    assert brightness(after.pixelColor(unlit)) < brightness(before.pixelColor(unlit))  # dimmed
    assert brightness(after.pixelColor(lit)) >= brightness(before.pixelColor(lit)) - 3  # not dimmed
    conv_lit, conv_off = strip.cell_rect(1, 2, 2), strip.cell_rect(1, 2, 10)
    assert brightness(after.pixelColor(centre(conv_lit))) > brightness(before.pixelColor(centre(conv_lit))) - 3
    assert brightness(after.pixelColor(centre(conv_off))) < brightness(before.pixelColor(centre(conv_off)))
    edge = strip.cell_rect(0, 2, 2).topLeft().toPoint()  # the outline runs along the field's edge
    amber = after.pixelColor(edge)
    assert (amber.red() > 200, amber.green() > 140, amber.blue() < 80) == (True, True, True)
    frame = after.pixelColor(strip.cell_rect(2, 1, 1).topLeft().toPoint() + QPoint(0, 3))
    assert frame == QColor(*WINDOW_RED)
    strip.set_lit([])
    strip.set_cell(None)
    assert strip.grab().toImage() == before


def test_everything_lights_a_whole_tile(strip: StackStrip) -> None:
    before = strip.grab().toImage()
    strip.set_lit([None, None, None, (np.array([], int), np.array([], int), True), None])
    after = strip.grab().toImage()
    top, bottom = centre(strip.cell_rect(3, 300, 0)), centre(strip.cell_rect(3, 1000, 0))
    other = centre(strip.cell_rect(1, 5, 5))
    for point in (top, bottom):
        assert brightness(after.pixelColor(point)) >= brightness(before.pixelColor(point)) - 3
    assert brightness(after.pixelColor(other)) < brightness(before.pixelColor(other))


def test_a_long_vector_is_a_thin_column_compressed_to_fit(strip: StackStrip) -> None:
    picture = strip.picture_rect(3)
    assert picture.height() > 3 * picture.width()  # a column, not a square
    assert strip.picture_rect(3).height() <= strip.picture_rect(1).height() + 1
    first, last = strip.cell_rect(3, 0, 0), strip.cell_rect(3, 1351, 0)
    assert first.height() < 1
    assert first.top() == picture.top()
    assert last.bottom() == pytest.approx(picture.bottom())
    hit = strip.cell_at(last.center())
    assert hit == (3, 1351, 0)
    with pytest.raises(IndexError):
        strip.cell_rect(3, 0, 1)


def test_compressing_a_vector_keeps_each_bands_strongest_value() -> None:
    values = np.zeros(1000)
    values[123], values[700] = 5.0, -4.0
    bands = compress_vector(values, 10, (-5.0, 5.0))
    assert bands.shape == (10,)
    assert (bands[1], bands[7]) == (5.0, -4.0)
    assert np.count_nonzero(bands) == 2
    short = np.arange(5.0)
    assert compress_vector(short, 10, (0.0, 4.0)) is short


def test_a_short_vector_shows_one_cell_per_value(qtbot) -> None:  # type: ignore[no-untyped-def]
    strip = StackStrip()
    qtbot.addWidget(strip)
    strip.resize(400, strip.sizeHint().height())
    probabilities = np.array([0.05, 0.8, 0.15], np.float32)
    strip.set_tiles([StripTile("dense 3", probabilities, (0.0, 1.0))], 0)
    strip.set_colormap("CET-L1")
    strip.show()
    qtbot.waitExposed(strip)
    image = strip.grab().toImage()
    colours = [brightness(image.pixelColor(centre(strip.cell_rect(0, i, 0)))) for i in range(3)]
    assert colours[1] > colours[2] > colours[0]  # grey: larger is lighter
    assert strip.cell_rect(0, 1, 0).height() >= 8


def test_a_tile_not_computed_is_hatched_and_says_why(strip: StackStrip) -> None:
    box = strip.picture_rect(4)
    image = strip.grab().toImage()
    corner = image.pixelColor(box.topLeft().toPoint() + QPoint(6, 6))
    window = strip.palette().color(QPalette.ColorRole.Window)
    shades = {image.pixelColor(box.topLeft().toPoint() + QPoint(x, 6)).rgb() for x in range(3, 12)}
    assert len(shades) >= 2  # hatching...
    assert corner != window  # ...not the plain background
    assert strip.cell_at(box.center()) is None  # no cells to hover
    assert "needs 1568 inputs, gets 1352" in strip._tooltip(box.center())
    # The note is written in the box: text-coloured pixels appear in its middle band.
    ink = strip.palette().color(QPalette.ColorRole.WindowText)
    middle = [image.pixelColor(QPoint(x, int(box.center().y()) + dy))
              for x in range(int(box.left()), int(box.right())) for dy in range(-8, 9)]
    assert sum(brightness(c) < brightness(ink) + 120 for c in middle) > 10


def test_the_selected_tile_is_framed_in_the_highlight(strip: StackStrip) -> None:
    highlight = strip.palette().color(QPalette.ColorRole.Highlight)
    image = strip.grab().toImage()

    def left_edge(k: int) -> QColor:
        rect = strip.tile_rect(k)
        return image.pixelColor(QPoint(int(rect.left()) + 1, int(rect.center().y())))

    assert left_edge(1) == highlight
    assert left_edge(2) != highlight
    strip.set_tiles(digits_tiles(), 2)
    image = strip.grab().toImage()
    assert left_edge(2) == highlight
    assert left_edge(1) != highlight


def test_many_tiles_shrink_then_scroll(qtbot) -> None:  # type: ignore[no-untyped-def]
    area = StackStripArea()
    qtbot.addWidget(area)
    tiles = [StripTile("input 28x28x1", X, (-1.0, 1.0))]
    tiles += [StripTile(f"conv2d_{k} 26x26x8", np.full((26, 26), float(k)), (0.0, 14.0)) for k in range(14)]
    area.strip.set_tiles(tiles, 0)
    area.resize(area.strip.sizeHint().width() - 60, area.sizeHint().height())
    area.show()
    qtbot.waitExposed(area)
    strip = area.strip
    full = StackStrip()
    qtbot.addWidget(full)
    full.set_tiles(tiles, 0)
    full.resize(full.sizeHint())
    assert strip.picture_rect(1).width() < full.picture_rect(1).width()  # shrunk a little, still fits
    assert strip.width() == area.viewport().width()
    assert area.horizontalScrollBar().maximum() == 0
    area.resize(500, area.height())
    qtbot.waitUntil(lambda: area.horizontalScrollBar().maximum() > 0)
    assert strip.width() == strip.minimumSizeHint().width()
    cell = strip.cell_rect(0, 0, 0)
    assert cell.width() == pytest.approx(cell.height())  # square at the minimum too
    strip.set_tiles(tiles, 14)  # the selection far to the right is scrolled into view
    bar = area.horizontalScrollBar()
    qtbot.waitUntil(lambda: bar.value() > 0)
    last = strip.tile_rect(14)
    assert bar.value() <= last.left()
    assert last.right() <= bar.value() + area.viewport().width()


def test_the_selected_tile_stays_in_view_when_the_strip_starts_to_scroll(qtbot) -> None:  # type: ignore[no-untyped-def]
    """A layer selected while every tile fits, then less room (a selection that changes the panes
    above comes before the scroller's new range): the selected tile is scrolled into view."""
    area = StackStripArea()
    qtbot.addWidget(area)
    tiles = [StripTile("input 28x28x1", X, (-1.0, 1.0))]
    tiles += [StripTile(f"conv2d_{k} 26x26x8", np.full((26, 26), float(k)), (0.0, 14.0)) for k in range(14)]
    area.strip.set_tiles(tiles, 0)
    area.resize(area.strip.sizeHint().width() + 20, area.sizeHint().height())
    area.show()
    qtbot.waitExposed(area)
    bar = area.horizontalScrollBar()
    area.strip.set_tiles(tiles, 14)
    assert bar.maximum() == 0  # everything fits: nothing to scroll yet
    area.resize(500, area.height())
    qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() > 0)
    last = area.strip.tile_rect(14)
    assert bar.value() <= last.left()
    assert last.right() <= bar.value() + area.viewport().width()


def test_projector_type_enlarges_captions_and_tiles(strip: StackStrip) -> None:
    normal_height, normal_picture = strip.sizeHint().height(), strip.picture_rect(0).height()
    assert 100 <= normal_height <= 160
    font = QFont(strip.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    strip.setFont(font)
    strip.set_thick(True)
    strip.resize(strip.sizeHint())
    assert strip.sizeHint().height() > 1.6 * normal_height
    assert strip.picture_rect(0).height() > 1.6 * normal_picture
    metrics_width = strip.fontMetrics().horizontalAdvance("max_pooling2d")
    assert strip.tile_rect(2).width() >= metrics_width  # the caption is not cut


def test_dark_palette_paints_a_dark_background(strip: StackStrip) -> None:
    palette = strip.palette()
    palette.setColor(QPalette.ColorRole.Window, QColor(32, 33, 36))
    palette.setColor(QPalette.ColorRole.WindowText, QColor(235, 235, 235))
    strip.setPalette(palette)
    image = strip.grab().toImage()
    assert image.pixelColor(QPoint(2, 2)) == QColor(32, 33, 36)


def test_bad_values_are_refused_or_drawn_safely(strip: StackStrip) -> None:
    with pytest.raises(ValueError, match=r"tile 0 \(cube\): values must be 2-D or 1-D, not 3-D"):
        strip.set_tiles([StripTile("cube", np.zeros((2, 2, 2)), (0.0, 1.0))], 0)
    odd = np.array([[np.nan, np.inf], [-np.inf, 1.0]], np.float32)
    flat = np.ones((2, 2), np.float32)
    strip.set_tiles([StripTile("odd 2x2", odd, (np.inf, np.inf)), StripTile("flat 2x2", flat, (1.0, 1.0))], 0)
    strip.grab()  # warnings are errors: no overflow, no cast of NaN


def test_painting_a_large_stack_stays_cheap(qtbot) -> None:  # type: ignore[no-untyped-def]
    strip = StackStrip()
    qtbot.addWidget(strip)
    rng = np.random.default_rng(0)
    tiles = [StripTile("input 150x150x3", rng.random((150, 150)), (0.0, 1.0))]
    tiles += [StripTile(f"layer_{k} 74x74x32", rng.normal(size=(74, 74)), (-3.0, 3.0)) for k in range(4)]
    tiles.append(StripTile("flatten 175232", rng.normal(size=175232), (-3.0, 3.0)))
    strip.set_tiles(tiles, 2)
    strip.resize(strip.sizeHint())
    strip.set_lit([(np.arange(40, 80), np.arange(40, 80), False)] * 5 + [None])
    strip.grab()  # the first paint lays out
    started = time.perf_counter()
    for _ in range(10):
        strip.grab()
    assert (time.perf_counter() - started) / 10 < 0.05  # generous: other test runs share the machine


def test_new_values_keep_the_lit_field_new_shapes_clear_it(strip: StackStrip, qtbot) -> None:  # type: ignore[no-untyped-def]
    field = [None, (np.array([2, 3]), np.array([2, 3]), False), (np.array([1]), np.array([1]), False), None, None]
    strip.set_lit(field)
    strip.set_cell(2, 1, 1)
    tiles = [StripTile(t.caption, None if t.values is None else -t.values, t.levels, t.note) for t in digits_tiles()]
    strip.set_tiles(tiles, 1)  # an edited weight: the same shapes

    def fresh(tiles: list[StripTile], lit: bool) -> QImage:
        other = StackStrip()
        qtbot.addWidget(other)
        other.resize(strip.size())
        other.set_tiles(tiles, 1)
        if lit:
            other.set_lit(field)
            other.set_cell(2, 1, 1)
        return other.grab().toImage()

    assert strip.grab().toImage() == fresh(tiles, lit=True)
    assert strip.grab().toImage() != fresh(tiles, lit=False)
    strip.set_tiles(tiles[:3], 1)  # a layer removed: another stack
    assert strip.grab().toImage() == fresh(tiles[:3], lit=False)
