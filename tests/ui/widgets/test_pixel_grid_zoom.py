"""PixelGrid zoomed, panned and seen through the loupe: what a person does, what they then see."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QAction, QColor, QKeySequence, QWheelEvent
from PySide6.QtWidgets import QApplication, QPushButton, QVBoxLayout, QWidget

from kernelscope.core import colour_scale
from kernelscope.core.cell_text import format_value
from kernelscope.ui.widgets.grid_viewport import MAX_CELL_PX
from kernelscope.ui.widgets.loupe import DIGIT_PX, THICK_DIGIT_PX
from kernelscope.ui.widgets.pixel_grid import PixelGrid
from tests.ui.gui import drag

RED = QColor(*colour_scale.WINDOW_RED)


def photo(h: int = 150, w: int = 150) -> np.ndarray:
    """A grey photo-like gradient of whole numbers 0..255, different in every cell of a row."""
    y, x = np.mgrid[0:h, 0:w]
    return ((x * 3 + y // 4) % 256).astype(np.float32)[..., None]


def window_at(row: int, col: int, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = np.mgrid[row : row + k, col : col + k]
    return rows, cols


@pytest.fixture
def grid(qtbot) -> PixelGrid:  # type: ignore[no-untyped-def]
    widget = PixelGrid()
    qtbot.addWidget(widget)
    widget.resize(640, 480)
    widget.set_image(photo(), (0.0, 255.0))
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def wheel(grid: PixelGrid, pos: QPoint, notches: int, ctrl: bool = True) -> bool:
    """One turn of the wheel over ``pos``; True when the grid took the event."""
    modifiers = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier
    event = QWheelEvent(QPointF(pos), grid.mapToGlobal(QPointF(pos)), QPoint(), QPoint(0, 120 * notches),
                        Qt.MouseButton.NoButton, modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(grid, event)
    return event.isAccepted()


def seen(grid: PixelGrid, point: QPointF) -> QColor:
    return grid.grab().toImage().pixelColor(point.toPoint())


def inside(grid: PixelGrid, rect: QRectF) -> bool:
    return QRectF(grid.rect()).contains(rect)


def test_a_big_picture_at_fit_shows_every_cell_in_its_colour(qtbot) -> None:  # type: ignore[no-untyped-def]
    grid = PixelGrid()
    qtbot.addWidget(grid)
    grid.resize(300, 260)
    blocks = np.kron(np.arange(80).reshape(8, 10), np.ones((50, 50)))  # 400x500 cells, 8x10 blocks
    grid.set_image((blocks * 3).astype(np.float32)[..., None], (0.0, 255.0))
    grid.show()
    qtbot.waitExposed(grid)
    assert grid.is_fit()
    assert grid.zoom_text() == "fit"
    assert grid.zoom() == grid.cell_size() < 1  # fractional cells: nothing is cropped
    assert inside(grid, grid.cell_rect(0, 0))
    assert inside(grid, grid.cell_rect(399, 499))
    centre = grid.cell_rect(399, 499).center()
    last = grid.cell_at(QPoint(int(centre.x()), int(centre.y())))  # a pixel holds about two cells
    assert last is not None
    assert last[0] >= 398
    assert last[1] >= 498
    picture = grid.grab().toImage()
    for br, bc in ((0, 0), (3, 7), (7, 9)):
        row, col = br * 50 + 25, bc * 50 + 25
        assert picture.pixelColor(grid.cell_rect(row, col).center().toPoint()) == grid.cell_colour(row, col)


def test_ctrl_wheel_zooms_about_the_pointer_and_a_plain_wheel_passes_on(grid: PixelGrid, qtbot) -> None:  # type: ignore[no-untyped-def]
    fit = grid.zoom()
    pointer = grid.cell_rect(40, 100).center().toPoint()
    assert not wheel(grid, pointer, 1, ctrl=False)  # for the panel that scrolls
    assert grid.is_fit()
    with qtbot.waitSignal(grid.zoom_changed) as zoomed:
        assert wheel(grid, pointer, 2)
    assert grid.zoom() == pytest.approx(fit * 1.25**2)
    assert zoomed.args == [pytest.approx(grid.zoom())]
    assert grid.cell_at(pointer) == (40, 100)  # the cell under the pointer stays under it
    assert grid.zoom_text() == f"{round(1.25**2 * 100)}%"
    wheel(grid, pointer, 2)
    wheel(grid, pointer, -1)
    assert grid.zoom() == pytest.approx(fit * 1.25**3)
    assert grid.cell_at(pointer) == (40, 100)


def test_zoom_is_held_between_fit_and_the_largest_cells(grid: PixelGrid) -> None:
    fit = grid.zoom()
    for _ in range(40):
        wheel(grid, grid.rect().center(), 1)
    assert grid.zoom() == MAX_CELL_PX
    grid.set_zoom(1000)
    assert grid.zoom() == MAX_CELL_PX
    grid.set_zoom(fit / 3)
    assert grid.is_fit()
    assert grid.zoom() == fit
    for _ in range(5):
        wheel(grid, grid.rect().center(), -1)
    assert grid.zoom() == fit


def test_plus_minus_and_0_zoom_in_out_and_fit(grid: PixelGrid, qtbot) -> None:  # type: ignore[no-untyped-def]
    fit = grid.zoom()
    qtbot.keyClick(grid, Qt.Key.Key_Plus)
    assert grid.zoom() == pytest.approx(fit * 2**0.5)
    qtbot.keyClick(grid, Qt.Key.Key_Equal)  # "+" unshifted
    assert grid.zoom() == pytest.approx(fit * 2)
    qtbot.keyClick(grid, Qt.Key.Key_Minus)
    assert grid.zoom() == pytest.approx(fit * 2**0.5)
    qtbot.keyClick(grid, Qt.Key.Key_Plus)
    qtbot.keyClick(grid, Qt.Key.Key_0)
    assert grid.is_fit()
    assert grid.zoom() == fit


def test_with_the_focus_the_zoom_keys_beat_the_windows_shortcuts(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    grid, button = PixelGrid(), QPushButton("elsewhere")
    layout.addWidget(grid)
    layout.addWidget(button)
    faster: list[bool] = []
    action = QAction("Faster", window)
    action.setShortcuts([QKeySequence("+"), QKeySequence("=")])
    action.triggered.connect(lambda: faster.append(True))
    window.addAction(action)
    grid.set_image(photo(), (0.0, 255.0))
    window.resize(400, 500)
    with qtbot.waitActive(window):  # shortcuts only reach an active window
        window.show()
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Plus)
    assert faster == [True]
    assert grid.is_fit()
    qtbot.mouseClick(grid, Qt.MouseButton.MiddleButton, pos=grid.rect().center())  # a click gives it the focus
    assert grid.hasFocus()
    qtbot.keyClick(grid, Qt.Key.Key_Plus)
    assert faster == [True]
    assert not grid.is_fit()


def test_a_middle_drag_pans_and_paints_nothing(grid: PixelGrid) -> None:
    painted: list[object] = []
    grid.cells_painted.connect(lambda *args: painted.append(args))
    grid.stroke_started.connect(lambda *args: painted.append(args))
    grid.set_zoom(20)
    start = grid.rect().center()
    under = grid.cell_at(start)
    assert under is not None
    drag(grid, [start, start + QPoint(30, 0), start + QPoint(60, -40)], Qt.MouseButton.MiddleButton)
    assert grid.cell_at(start + QPoint(60, -40)) == under  # the picture moved with the hand
    assert painted == []
    assert grid.zoom() == 20


def test_painting_after_zoom_hits_the_cell_under_the_pointer(grid: PixelGrid) -> None:
    painted: list[tuple[list[tuple[int, int]], bool]] = []
    grid.cells_painted.connect(lambda cells, background: painted.append((cells, background)))
    image = photo()
    image[123, 37] = 255.0
    grid.set_image(image, (0.0, 255.0))
    grid.set_zoom(30)
    grid.pan_to_cell(123, 37)
    rect = grid.cell_rect(123, 37)
    assert rect.width() == 30
    assert inside(grid, rect)
    assert seen(grid, rect.topLeft() + QPointF(4, 4)) == grid.cell_colour(123, 37)
    drag(grid, [rect.center().toPoint()])
    drag(grid, [grid.cell_rect(124, 39).center().toPoint()], Qt.MouseButton.RightButton)
    assert painted == [([(123, 37)], False), ([(124, 39)], True)]


def test_a_read_only_grid_pans_with_the_left_button(grid: PixelGrid) -> None:
    grid.set_paintable(False)
    grid.set_zoom(24)
    start = grid.rect().center()
    under = grid.cell_at(start)
    drag(grid, [start, start + QPoint(-48, 24)])
    assert grid.cell_at(start + QPoint(-48, 24)) == under


def test_stepping_the_window_out_of_view_pans_to_follow_it(grid: PixelGrid) -> None:
    grid.set_zoom(30)
    grid.pan_to_cell(0, 0)
    grid.set_window(*window_at(0, 0))
    first = grid.window_frame_rect()
    assert first is not None
    assert inside(grid, first)
    grid.set_window(*window_at(0, 1))  # still in view: the camera holds still
    assert grid.window_frame_rect() == first.translated(30, 0)
    for row, col in ((0, 30), (90, 140), (147, 0)):
        grid.set_window(*window_at(row, col))
        frame = grid.window_frame_rect()
        assert frame is not None
        assert inside(grid, frame), (row, col)
        assert grid.cell_at(frame.center().toPoint()) == (row + 1, col + 1)
    assert grid.zoom() == 30


def test_a_new_picture_fits_again_but_painting_keeps_the_zoom(grid: PixelGrid) -> None:
    grid.set_zoom(30)
    edited = photo()
    edited[0, 0] = 7
    grid.set_image(edited, (0.0, 255.0))
    assert grid.zoom() == 30
    grid.set_image(photo(40, 60), (0.0, 255.0))
    assert grid.is_fit()


def test_the_loupe_writes_the_window_and_its_neighbours(grid: PixelGrid) -> None:
    assert grid.loupe_rect() is None  # no window yet
    grid.set_window(*window_at(60, 80))
    assert grid.cell_size() < 6
    assert grid.loupe_on()
    rows, cols = grid.loupe_cells()  # type: ignore[misc]
    assert rows == range(58, 65)
    assert cols == range(78, 85)
    image = grid.image()
    assert grid.loupe_texts() == [[format_value(float(image[r, c, 0]), 40) for c in cols] for r in rows]
    assert grid.loupe_digit_px() >= DIGIT_PX
    panel, frame = grid.loupe_rect(), grid.window_frame_rect()
    assert panel is not None
    assert frame is not None
    assert inside(grid, panel)
    assert not panel.intersects(frame)
    picture = grid.grab().toImage()
    cell = grid.loupe_cell_rect(58, 78)
    assert cell is not None
    assert cell.width() >= 28
    assert picture.pixelColor((cell.topLeft() + QPointF(3, 3)).toPoint()) == grid.cell_colour(58, 78)
    window_cell = grid.loupe_cell_rect(60, 80)
    assert window_cell is not None
    assert picture.pixelColor((window_cell.topLeft() + QPointF(1, window_cell.height() / 2)).toPoint()) == RED


@pytest.mark.parametrize(("row", "col"), [(0, 0), (0, 147), (147, 0), (147, 147), (75, 10), (10, 75)])
def test_the_loupe_keeps_clear_of_the_window_wherever_it_is(grid: PixelGrid, row: int, col: int) -> None:
    grid.set_window(*window_at(row, col))
    panel, frame = grid.loupe_rect(), grid.window_frame_rect()
    assert panel is not None
    assert frame is not None
    assert inside(grid, panel)
    assert not panel.intersects(frame)
    picture = grid.grab().toImage()
    edge = frame.center().toPoint()
    ring = [picture.pixelColor(x, edge.y()) for x in range(int(frame.left()) - 1, int(frame.left()) + 3)]
    assert RED in ring  # the window's frame is in sight, not under the panel


def test_the_loupe_shows_the_padding_zeros(grid: PixelGrid) -> None:
    grid.set_padding(((1, 1), (1, 1)))
    grid.set_window(*window_at(-1, -1))
    rows, cols = grid.loupe_cells()  # type: ignore[misc]
    assert rows.start == -1
    assert cols.start == -1
    texts = grid.loupe_texts()
    assert texts[0] == ["0"] * len(cols)
    assert [line[0] for line in texts] == ["0"] * len(rows)
    assert texts[1][1] == format_value(float(grid.image()[0, 0, 0]), 40)


def test_the_loupe_goes_when_cells_are_big_enough_or_it_is_turned_off(grid: PixelGrid) -> None:
    grid.set_window(*window_at(60, 80))
    assert grid.loupe_rect() is not None
    grid.set_zoom(40)  # the cells carry their own numbers now
    assert grid.loupe_rect() is None
    assert grid.loupe_texts() == []
    grid.fit()
    grid.set_loupe(False)
    assert grid.loupe_rect() is None
    assert not grid.loupe_on()
    grid.set_loupe(True)
    assert grid.loupe_rect() is not None


def test_in_projector_mode_the_loupe_digits_reach_24_px(grid: PixelGrid) -> None:
    grid.set_window(*window_at(60, 80))
    grid.set_thick(True)
    assert grid.loupe_digit_px() >= THICK_DIGIT_PX
    panel, frame = grid.loupe_rect(), grid.window_frame_rect()
    assert panel is not None
    assert frame is not None
    assert not panel.intersects(frame)
    grid.set_zoom(40)  # 40 px cells are fine on a desk, too small from the back of the room
    assert grid.loupe_digit_px() >= THICK_DIGIT_PX
    grid.set_thick(False)
    assert grid.loupe_rect() is None


def test_the_loupe_follows_the_step(grid: PixelGrid) -> None:
    grid.set_window(*window_at(60, 80))
    before = grid.loupe_texts()
    grid.set_window(*window_at(60, 81))
    _rows, cols = grid.loupe_cells()  # type: ignore[misc]
    assert cols == range(79, 86)
    assert grid.loupe_texts() != before
    assert [line[1:] for line in before] == [line[:-1] for line in grid.loupe_texts()]


def test_the_loupe_numbers_contrast_with_their_cells(grid: PixelGrid) -> None:
    dark = np.zeros((150, 150, 1), np.float32)
    dark[::2] = 255.0  # black and white rows
    grid.set_image(dark, (0.0, 255.0))
    grid.set_window(*window_at(60, 80))
    picture = grid.grab().toImage()
    for row in (59, 60):
        cell = grid.loupe_cell_rect(row, 78)
        assert cell is not None
        fill = grid.cell_colour(row, 78)
        inks = {picture.pixelColor(int(cell.left() + x), int(cell.center().y())).lightness()
                for x in range(int(cell.width()))}
        assert 255 - fill.lightness() in inks  # black digits on white, white on black


def test_a_zoomed_view_says_so(grid: PixelGrid) -> None:
    grid.set_zoom(grid.zoom() * 2)
    assert grid.zoom_text() == "200%"
    corner = grid.grab().toImage().pixelColor(QPoint(14, grid.height() - 12))
    assert corner.lightness() < 80  # the dark badge in the bottom-left corner
    grid.fit()
    assert grid.zoom_text() == "fit"
