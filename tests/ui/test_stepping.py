"""Stepping the window as the article does it: frames, arithmetic, keys, clicks, playback.

A step moves overlays and rewrites the arithmetic from the stored result: it never convolves.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from kernelscope.core import engine
from kernelscope.core.engine import ConvSpec
from kernelscope.files.sessions import Session, ViewState, default_session
from kernelscope.ui.main_window import MainWindow
from tests.ui.gui import open_window

ARTICLE_PRODUCTS = ["-1 x 1 = -1", "1 x 1 = 1", "1 x 1 = 1", "1 x -1 = -1", "-1 x -1 = 1",
                    "1 x -1 = -1", "1 x 1 = 1", "1 x 1 = 1", "-1 x 1 = -1"]


def make_window(qtbot, session: Session | None = None) -> MainWindow:  # type: ignore[no-untyped-def]
    return open_window(qtbot, session)


@pytest.fixture
def window(qtbot):  # type: ignore[no-untyped-def]
    return make_window(qtbot)


def with_spec(**changes: object) -> Session:
    s = default_session()
    from dataclasses import replace

    return replace(s, spec=replace(s.spec, **changes))


def shown_lines(window: MainWindow) -> list[str]:
    """The product lines as the person reads them (spacing normalised)."""
    text = window.step_panel.products.toPlainText()
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_step_one_is_the_articles_arithmetic(window: MainWindow) -> None:
    assert shown_lines(window) == ARTICLE_PRODUCTS
    summary = window.step_panel.summary.text()
    assert summary.splitlines()[0] == "SUM = 1"
    assert window.step_panel.position_label.text() == "step 1 of 9"


@pytest.mark.parametrize(("stride", "steps"), [(1, 9), (2, 4)])
def test_stride_decides_the_number_of_steps(qtbot, stride: int, steps: int) -> None:  # type: ignore[no-untyped-def]
    w = make_window(qtbot, with_spec(strides=(stride, stride)))
    assert w.document.result.steps == steps
    assert w.step_panel.position_label.text() == f"step 1 of {steps}"
    w.actions_by_name["last"].trigger()
    assert w.document.step == steps - 1
    rows, cols = w.pixel_grid._window  # type: ignore[misc]
    assert (rows.max(), cols.max()) == (4, 4)  # the last window reaches the bottom-right corner


def test_keyboard_moves_the_step(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(window, Qt.Key.Key_Right)
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert window.document.step == 2
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert window.document.step == 1
    qtbot.keyClick(window, Qt.Key.Key_End)
    assert window.document.step == 8
    assert window.step_panel.position_label.text() == "step 9 of 9"
    qtbot.keyClick(window, Qt.Key.Key_Home)
    assert window.document.step == 0
    qtbot.keyClick(window, Qt.Key.Key_Left)
    assert window.document.step == 0  # clamped


def test_transport_buttons(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    panel = window.step_panel
    qtbot.mouseClick(panel.forward_button, Qt.MouseButton.LeftButton)
    assert window.document.step == 1
    qtbot.mouseClick(panel.last_button, Qt.MouseButton.LeftButton)
    assert window.document.step == 8
    qtbot.mouseClick(panel.back_button, Qt.MouseButton.LeftButton)
    assert window.document.step == 7
    qtbot.mouseClick(panel.first_button, Qt.MouseButton.LeftButton)
    assert window.document.step == 0
    panel.slider.setValue(5)
    assert window.document.step == 5


def test_every_frame_matches_the_trace(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    res = window.document.result
    for k in range(res.steps):
        window.document.set_step(k)
        r, c = res.step_position(k)
        trace = res.trace(0, r, c)
        rows, cols = window.pixel_grid._window  # type: ignore[misc]
        np.testing.assert_array_equal(rows, trace.rows)
        np.testing.assert_array_equal(cols, trace.cols)
        frame = window.feature_maps.marks.frame_rect(0)
        assert (frame.y() - window.feature_maps.mosaic().origin(0)[0], frame.x()) == (r, c)
        assert window.step_panel.summary.text().splitlines()[0] == f"SUM = {int(trace.total)}"


@pytest.mark.parametrize(
    "changes",
    [{"padding": "same"}, {"padding": "same", "strides": (2, 2)}, {"dilation_rate": (2, 2)}],
)
def test_frame_lands_where_the_trace_says(qtbot, changes: dict) -> None:  # type: ignore[no-untyped-def, type-arg]
    w = make_window(qtbot, with_spec(**changes))
    res = w.document.result
    for k in range(res.steps):
        w.document.set_step(k)
        trace = res.trace(0, *res.step_position(k))
        rows, cols = w.pixel_grid._window  # type: ignore[misc]
        np.testing.assert_array_equal(rows, trace.rows)
        np.testing.assert_array_equal(cols, trace.cols)
        pads = int(trace.is_padding.sum())
        assert sum("(pad)" in line for line in shown_lines(w)) == pads


def test_padding_taps_are_drawn_on_the_ring(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = make_window(qtbot, with_spec(padding="same"))
    grid = w.pixel_grid
    image = grid.grab().toImage()
    # Step 1 with "same": the window's top-left tap is the padding cell (-1, -1); the red frame
    # passes through it, so its top-left corner is red.
    corner = grid.cell_rect(-1, -1).topLeft().toPoint()
    colour = image.pixelColor(corner.x() + 2, corner.y() + 2)
    assert colour.red() > 180
    assert colour.green() < 90


def test_clicking_a_map_cell_jumps_there(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    fm = window.feature_maps
    center = fm.cell_scene_rect(0, 2, 1).center()
    view_pos = fm.view_widget.mapFromScene(center)
    qtbot.mouseClick(fm.view_widget.viewport(), Qt.MouseButton.LeftButton, pos=view_pos)
    assert window.document.step == 7
    assert window.step_panel.position_label.text() == "step 8 of 9"


def test_hundred_steps_never_convolve(window: MainWindow, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    calls: list[int] = []
    real = engine.compute
    monkeypatch.setattr(engine, "compute", lambda *a, **k: calls.append(1) or real(*a, **k))
    for k in range(100):
        qtbot.keyClick(window, Qt.Key.Key_Right if (k // 8) % 2 == 0 else Qt.Key.Key_Left)
    window.step_panel.reveal_box.setChecked(True)
    window.step_panel.overlay_box.setChecked(True)
    for k in range(100):
        window.document.set_step(k % 9)
    assert calls == []


def test_playback_advances_and_stops_at_the_end(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.step_panel.speed_box.setValue(20)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.stepping.playback.is_playing()
    qtbot.waitUntil(lambda: window.document.step == 8, timeout=3000)
    qtbot.waitUntil(lambda: not window.stepping.playback.is_playing(), timeout=1000)
    assert not window.step_panel.play_button.isChecked()


def test_playback_stops_when_the_window_closes(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = make_window(qtbot)
    w.step_panel.speed_box.setValue(0.5)
    w.actions_by_name["play"].trigger()
    assert w.stepping.playback.is_playing()
    w.close()
    QApplication.processEvents()
    assert not w.stepping.playback.is_playing()


def test_playback_stops_when_hidden(window: MainWindow) -> None:
    window.actions_by_name["play"].trigger()
    window.hide()
    assert not window.stepping.playback.is_playing()


def test_reveal_mode_veils_cells_after_the_current_one(window: MainWindow) -> None:
    window.step_panel.reveal_box.setChecked(True)
    window.document.set_step(4)  # row 1, col 1
    fm = window.feature_maps
    assert fm.revealed(0, 0, 2)
    assert fm.revealed(0, 1, 1)
    assert not fm.revealed(0, 1, 2)
    assert not fm.revealed(0, 2, 0)
    origin_y, origin_x = fm.mosaic().origin(0)
    rest, below = fm.marks.veil_rects(0)
    assert (rest.x() - origin_x, rest.y() - origin_y, rest.width(), rest.height()) == (2, 1, 1, 1)
    assert (below.x() - origin_x, below.y() - origin_y, below.width(), below.height()) == (0, 2, 3, 1)
    window.step_panel.reveal_box.setChecked(False)
    assert fm.marks.veil_rects(0) == []


def test_kernel_on_input_writes_the_weights(window: MainWindow) -> None:
    window.step_panel.overlay_box.setChecked(True)
    np.testing.assert_array_equal(window.pixel_grid._overlay, [[1, 1, 1], [-1, -1, -1], [1, 1, 1]])
    assert window.actions_by_name["overlay"].isChecked()


def test_arithmetic_follows_the_selected_filter_and_rgb(qtbot) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    session = Session(
        input=rng.integers(0, 3, (4, 4, 3)).astype(np.float32),
        kernels=rng.integers(-1, 2, (3, 3, 3, 2)).astype(np.float32),
        bias=np.array([0.5, -1], np.float32),
        spec=ConvSpec(2, (3, 3), activation="relu"),
        view=ViewState(value_mode="byte"),
    )
    w = make_window(qtbot, session)
    w.filter_list.list.setCurrentRow(1)
    res = w.document.result
    trace = res.trace(1, 0, 0)
    text = w.step_panel.products.toPlainText()
    assert "channel R" in text
    assert "channel B" in text
    summary = w.step_panel.summary.text()
    assert summary.splitlines()[0].startswith("SUM = ")
    assert "relu -> " in summary
    assert summary.splitlines()[0].endswith(f"= {trace.total:g}")


def test_a_session_saved_mid_step_opens_at_that_step(qtbot) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    s = default_session()
    w = make_window(qtbot, replace(s, view=replace(s.view, step=4)))
    assert w.document.step == 4
    assert w.step_panel.position_label.text() == "step 5 of 9"
    rows, cols = w.pixel_grid._window  # type: ignore[misc]
    assert (rows.min(), cols.min()) == (1, 1)


def test_a_step_moves_overlays_without_relayout_or_redrawing_the_maps(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """What keeps a step under a frame with 32 maps: the labels' new text relayouts nothing above
    the step panel, and the mosaic, titles and numbers are blitted from their caches."""
    import pyqtgraph as pg
    from PySide6.QtCore import QEvent, QObject

    from kernelscope.ui.widgets import feature_maps

    rng = np.random.default_rng(0)
    session = Session(
        input=rng.random((20, 20, 3)).astype(np.float32),
        kernels=rng.standard_normal((3, 3, 3, 32)).astype(np.float32),
        bias=np.zeros(32, np.float32),
        spec=ConvSpec(32, (3, 3), activation="relu"),
        view=ViewState(value_mode="grey"),
    )
    painted: list[str] = []
    # Before the window exists: PySide looks a Python override up once per object.
    for cls in (feature_maps.MapTitles, feature_maps.CellNumbers, feature_maps.CellMarks, pg.ImageItem):
        def spy(self, *args, _original=cls.paint, _name=cls.__name__):  # type: ignore[no-untyped-def]
            painted.append(_name)
            return _original(self, *args)

        monkeypatch.setattr(cls, "paint", spy)
    w = make_window(qtbot, session)
    w.step_panel.reveal_box.setChecked(True)
    for _ in range(3):
        QApplication.processEvents()
    assert {"MapTitles", "ImageItem", "CellMarks"} <= set(painted)  # the spies see paints
    painted.clear()

    class Count(QObject):
        layouts = 0

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.LayoutRequest:
                self.layouts += 1
            return False

    counter = Count()
    for widget in (w, w.centralWidget(), w.step_panel):
        widget.installEventFilter(counter)
    shown_before = w.step_panel.position_label.text()
    for k in range(1, 12):
        w.document.set_step(k)
        QApplication.processEvents()
    assert w.step_panel.position_label.text() != shown_before
    assert w.feature_maps.marks.frame_rect(31) is not None
    assert counter.layouts == 0
    assert "CellMarks" in painted  # the frames did move and were drawn
    assert set(painted) == {"CellMarks"}  # and nothing else in the maps view was redrawn


def test_the_cached_maps_are_redrawn_after_an_edit(window: MainWindow) -> None:
    """The mosaic is blitted from a cache while stepping; an edit must still show new colours."""
    from PySide6.QtGui import QColor

    fm = window.feature_maps

    def shown(r: int, c: int) -> str:
        point = fm.cell_scene_rect(0, r, c).center().toPoint()
        return QColor(fm.view_widget.grab().toImage().pixel(point.x(), point.y())).name()

    window.document.set_step(4)
    QApplication.processEvents()
    before = [shown(0, 1), shown(1, 1)]
    window.document.set_weight(0, 0, 0, 5.0)
    QApplication.processEvents()
    after = [shown(0, 1), shown(1, 1)]
    assert before[0] != after[0]
    assert before[1] != after[1]
