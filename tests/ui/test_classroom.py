"""Classroom and files in the window: lessons, projector mode, shortcuts, save/open, exports, a
pasted Conv2D line and an opened picture."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from kernelscope.core import engine
from kernelscope.core.document import Document
from kernelscope.files.lessons import list_lessons, load_lesson
from kernelscope.files.sessions import load_session
from kernelscope.ui.file_controller import FileController
from kernelscope.ui.main_window import MainWindow
from tests.ui.gui import open_window


@pytest.fixture
def window(qtbot):  # type: ignore[no-untyped-def]
    w = open_window(qtbot)
    yield w
    if w.is_projector():
        w.set_projector(False)


def shown_maps_equal_engine(w: MainWindow) -> None:
    doc = w.document
    s = doc.spec
    expected = engine.conv2d(doc.input, doc.kernels, doc.bias if s.use_bias else None, s.strides, s.padding,
                             s.dilation_rate, s.activation)
    assert w.feature_maps.map_count() == expected.shape[2]
    for f in range(expected.shape[2]):
        shown = w.feature_maps.image_data(f)
        assert shown.shape == expected.shape[:2]
        if doc.view.show_activation or s.activation == "linear":
            np.testing.assert_array_equal(shown, expected[:, :, f])


@pytest.mark.parametrize("index", range(len(list_lessons())))
def test_every_lesson_opens_from_the_menu_and_renders(window: MainWindow, qtbot, index: int) -> None:  # type: ignore[no-untyped-def]
    lesson = list_lessons()[index]
    action = window.lessons_menu.actions()[index]
    assert lesson.title in action.text()
    action.trigger()
    qtbot.waitUntil(lambda: window.document.title == lesson.title)  # a heavy stack computes off the UI thread
    assert lesson.title in window.status_strip.lesson_label.text()
    assert window.status_strip.lesson_label.isVisible()
    np.testing.assert_array_equal(window.document.input, load_lesson(lesson).input)
    shown_maps_equal_engine(window)
    image = window.grab().toImage()
    assert not image.isNull()
    assert len({image.pixel(x, y) for x in range(0, image.width(), 16) for y in range(0, image.height(), 16)}) > 8


def test_opening_a_lesson_asks_before_discarding(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> None:
    window.document.set_weight(0, 0, 0, 9)
    monkeypatch.setattr(FileController, "ask_save_changes", lambda self: "cancel")
    window.lessons_menu.actions()[2].trigger()
    assert window.document.kernels[0, 0, 0, 0] == 9  # kept: the person cancelled
    monkeypatch.setattr(FileController, "ask_save_changes", lambda self: "discard")
    window.lessons_menu.actions()[2].trigger()
    assert window.document.title == list_lessons()[2].title


def test_projector_mode_toggles_scales_and_restores(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    base = QApplication.font().pointSizeF()
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.is_projector()
    assert window.actions_by_name["projector"].isChecked()
    assert QApplication.font().pointSizeF() == pytest.approx(base * window.settings.projector_scale())
    assert window.conv_controls.isHidden()
    assert window.input_tools.isHidden()
    assert window.step_panel.parent() is not None
    window.actions_by_name["bigger"].trigger()
    assert window.settings.projector_scale() == pytest.approx(2.0)
    assert QApplication.font().pointSizeF() == pytest.approx(base * 2.0)
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert not window.is_projector()
    assert QApplication.font().pointSizeF() == pytest.approx(base)
    assert not window.conv_controls.isHidden()
    assert not window.input_tools.isHidden()
    assert window.step_panel.slider.isVisibleTo(window)


def test_projector_writes_the_products_as_a_grid(window: MainWindow) -> None:
    window.set_projector(True, full_screen=False)
    lines = [" ".join(line.split()) for line in window.step_panel.products.toPlainText().splitlines()]
    assert lines == ["-1 x 1 = -1 1 x 1 = 1 1 x 1 = 1", "1 x -1 = -1 -1 x -1 = 1 1 x -1 = -1",
                     "1 x 1 = 1 1 x 1 = 1 -1 x 1 = -1"]


def test_projector_kernel_numbers_fit_their_cells(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Read from the back of the room: "-0.04" whole, never "-0.…", at the size a projector has."""
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QStyle

    lesson = next(ls for ls in list_lessons() if ls.name.startswith("09"))
    w = open_window(qtbot, load_lesson(lesson), size=(1920, 1080))
    w.set_projector(True, full_screen=False)
    w.resize(1920, 1080)
    QApplication.processEvents()
    grid = w.kernel_grid
    # What the item view gives the text: the cell's rect less the style's text margin each side.
    margin = grid.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, grid) + 1
    texts = []
    for r in range(grid.rowCount()):
        for c in range(grid.columnCount()):
            item = grid.item(r, c)
            texts.append(item.text())
            room = grid.visualItemRect(item).width() - 2 * margin
            width = QFontMetrics(item.font()).horizontalAdvance(item.text())
            assert width <= room, item.text()
            assert item.font().pixelSize() >= 20  # still projector-sized
    assert any(t.startswith("-0.") for t in texts)  # the lesson's kernel has such numbers
    w.set_projector(False)


def test_help_lists_the_shortcuts_and_they_work(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    table = {what: keys for keys, what in window.shortcut_table()}
    for what in ("Open...", "Save", "Save As...", "Undo", "Quit", "Full screen", "Projector mode", "Play / pause"):
        assert any(name.startswith(what) for name in table), what
    window.document.set_weight(0, 0, 0, 4)
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert window.document.kernels[0, 0, 0, 0] == 1
    assert window.actions_by_name["redo"].text().replace("&", "") == "Redo edit a weight"
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.document.kernels[0, 0, 0, 0] == 4


def test_save_then_open_round_trips(window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "mine.kscope"
    monkeypatch.setattr(FileController, "ask_save_path", lambda self, *a: str(target))
    window.document.set_weight(0, 2, 2, 0.5)
    window.document.paint_cells([(2, 2)], 1.0)
    assert window.isWindowModified()
    window.actions_by_name["save"].trigger()
    assert target.exists()
    assert not window.isWindowModified()
    assert "mine.kscope" in window.windowTitle()
    saved = window.document.to_session()
    window.actions_by_name["new"].trigger()
    assert window.document.kernels[2, 2, 0, 0] == 1
    monkeypatch.setattr(FileController, "ask_open_path", lambda self, *a: str(target))
    window.actions_by_name["open"].trigger()
    assert window.document.to_session() == saved
    assert str(target.resolve()) in window.settings.recent_files()
    assert window.recent_menu.actions()[0].text() == str(target.resolve())


def test_a_broken_file_is_refused_and_nothing_changes(window: MainWindow, tmp_path: Path) -> None:
    bad = tmp_path / "bad.kscope"
    bad.write_text('{"format": "kernelscope-session", "version": 7}')
    before = window.document.to_session()
    assert not window.files.open(bad)
    assert "newer" in window.status_strip.message.text()
    assert window.document.to_session() == before


def test_exports_from_the_window(window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out: dict[str, Path] = {}

    def answer(self, caption, file_filter, suggested):  # type: ignore[no-untyped-def]
        p = tmp_path / suggested.replace("kernelscope", "out")
        out[p.suffix] = p
        return str(p)

    monkeypatch.setattr(FileController, "ask_save_path", answer)
    window.actions_by_name["export_png"].trigger()
    window.actions_by_name["export_maps_png"].trigger()
    window.actions_by_name["export_npy"].trigger()
    window.actions_by_name["export_keras"].trigger()
    window.actions_by_name["export_gif"].trigger()
    assert QImage(str(out[".png"])).width() > 100
    np.testing.assert_array_equal(np.load(out[".npy"])[:, :, 0], [[1, 5, 1], [1, -3, 1], [1, 5, 1]])
    code = out[".py"].read_text()
    ast.parse(code)
    assert "set_weights" in code
    from PIL import Image

    with Image.open(out[".gif"]) as gif:
        assert gif.n_frames == 9


def test_unwritable_export_is_a_message(window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(FileController, "ask_save_path", lambda self, *a: str(tmp_path / "no" / "x.npy"))
    assert window.files.export_npy() is None
    assert "x.npy" in window.status_strip.message.text()
    assert not (tmp_path / "no").exists()


def test_pasting_the_articles_line_shows_32_maps_of_148(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    field = window.line_paste.field
    field.setText('model.add(layers.Conv2D(32,(3,3),activation="relu",input_shape=(150,150,3)))')
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.document.computing, timeout=5000)
    doc = window.document
    assert doc.input.shape == (150, 150, 3)
    assert doc.result.out_shape == (148, 148, 32)
    assert window.maps_heading.text() == "Feature maps  148x148x32"
    assert "parameters 896" in window.status_strip.shape_label.text()
    assert "glorot_uniform" in window.line_paste.message.text()
    shown_maps_equal_engine(window)
    window.document.undo()
    assert window.document.input.shape == (5, 5, 1)


@pytest.mark.parametrize(
    ("line", "fragment"),
    [("Conv2D(32, (3, 3), strides=2, dilation_rate=2)", "strides"), ("Conv2D(", "cannot read"),
     ("__import__('os').system('echo hi')", ""), ("layers.GRU(3)", "GRU")],
)
def test_a_bad_line_changes_nothing(window: MainWindow, line: str, fragment: str) -> None:
    before = window.document.to_session()
    assert not window.controller.paste_line(line)
    assert fragment in window.line_paste.message.text()
    assert window.line_paste.message.isVisible()
    assert window.document.to_session() == before


def test_open_a_picture(window: MainWindow, tmp_path: Path) -> None:
    image = QImage(40, 30, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    for x in range(10, 20):
        for y in range(5, 25):
            image.setPixel(x, y, 0xFF0000)
    path = tmp_path / "pic.png"
    assert image.save(str(path))
    assert window.files.open_image(path)
    doc = window.document
    assert doc.input.shape == (30, 40, 3)
    assert doc.kernels.shape[2] == 3
    np.testing.assert_allclose(doc.input[10, 15], [1, 0, 0])
    shown_maps_equal_engine(window)
    (tmp_path / "junk.png").write_bytes(b"not a picture")
    assert not window.files.open_image(tmp_path / "junk.png")
    assert "junk.png" in window.status_strip.message.text()
    assert doc.input.shape == (30, 40, 3)


def test_saved_lesson_opens_in_projector_screenshot(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    out = tmp_path / "p.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-m", "kernelscope", "06-same-padding", "--projector", "--screenshot",
                           str(out), "--size", "1024x768"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert QImage(str(out)).size().width() == 1024
    assert load_session(list_lessons()[5].path).spec.padding == "same"


@pytest.mark.parametrize("answer", ["cancel", "discard", "save"])
def test_quit_asks_about_unsaved_changes(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str) -> None:  # type: ignore[no-untyped-def]
    w = MainWindow(Document())
    qtbot.addWidget(w)
    w.show()
    asked: list[int] = []
    target = tmp_path / "quit.kscope"
    monkeypatch.setattr(FileController, "ask_save_changes", lambda self: asked.append(1) or answer)
    monkeypatch.setattr(FileController, "ask_save_path", lambda self, *a: str(target))
    assert "[*]" in w.windowTitle()
    assert not w.isWindowModified()
    assert w.files.may_discard()  # nothing changed: no question
    assert asked == []
    w.document.set_weight(0, 0, 0, 3)
    assert w.isWindowModified()
    w.actions_by_name["quit"].trigger()
    assert asked == [1]
    if answer == "cancel":
        assert w.isVisible()
        assert not target.exists()
        w.document.mark_saved()
    elif answer == "save":
        assert not w.isVisible()
        assert load_session(target).kernels[0, 0, 0, 0] == 3
    else:
        assert not w.isVisible()
        assert not target.exists()


def test_open_a_picture_at_28_grey_padded(window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kernelscope.ui.widgets.image_options import ImageOptions, ImageOptionsDialog

    image = QImage(60, 30, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.black)
    path = tmp_path / "wide.png"
    assert image.save(str(path))
    monkeypatch.setattr(FileController, "ask_image_options", lambda self, p: ImageOptions(1, (28, 28), "pad"))
    assert window.files.open_image(path)
    x = window.document.input
    assert x.shape == (28, 28, 1)
    assert x[0, 0, 0] == 1  # padding is white paper
    assert x[14, 14, 0] == 0  # the black picture in the middle
    dialog = ImageOptionsDialog("wide.png", colour=True)
    dialog.size_box.setCurrentIndex(4)
    dialog.custom.setValue(40)
    dialog.fit_box.setCurrentIndex(2)
    assert dialog.options() == ImageOptions(3, (40, 40), "stretch")


def test_dark_theme_darkens_the_maps_without_seams_or_bright_veils(window: MainWindow) -> None:
    """Dark theme from the View menu: the maps' gaps, the view around them and the veils over
    unrevealed cells are all dark (no grey band, no light boxes), the titles light; and back."""
    from PySide6.QtGui import QColor

    fm = window.feature_maps
    window.step_panel.reveal_box.setChecked(True)
    window.document.set_step(3)
    try:
        window.actions_by_name["theme_dark"].trigger()
        QApplication.processEvents()
        assert window.settings.theme() == "dark"
        shot = fm.view_widget.grab().toImage()
        corner, inside = QColor(shot.pixel(2, 2)), QColor(shot.pixel(shot.width() // 2, 3))
        assert corner.lightness() < 40
        assert corner == inside  # the view's background is the mosaic's: no seam
        assert fm.marks.veil_colour().lightness() < 80
        assert fm.titles._ink.lightness() > 180
        window.actions_by_name["theme_light"].trigger()
        QApplication.processEvents()
        assert QColor(fm.view_widget.grab().toImage().pixel(2, 2)).lightness() > 240
        assert fm.marks.veil_colour().lightness() > 200
    finally:
        window.set_theme("light")


@pytest.mark.parametrize("scale", [1.75, 2.5])
@pytest.mark.parametrize("lesson_name", ["01-article-x", "09-photo-32-filters"])
def test_projector_fits_a_1024x768_screen(qtbot, lesson_name: str, scale: float) -> None:  # type: ignore[no-untyped-def]
    """A classroom projector of 1024x768, at the default and the largest type: the window fits
    it, no two map titles run into each other, and the colour bar's labels have their room."""
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QFontMetrics

    from kernelscope.core.cell_text import format_value

    lesson = next(ls for ls in list_lessons() if ls.name == lesson_name)
    w = open_window(qtbot, load_lesson(lesson), size=(1024, 768))
    w.settings.set_projector_scale(scale)
    w.set_projector(True, full_screen=False)
    w.resize(1024, 768)
    for _ in range(3):
        QApplication.processEvents()
    try:
        assert w.minimumSizeHint().width() <= 1024
        assert w.width() == 1024
        fm = w.feature_maps
        fm.focus(None)  # "All maps": projector mode shows a map large where the tiles cannot hold 24 px digits
        QApplication.processEvents()
        titles = fm.titles
        metrics = QFontMetrics(titles._font)
        view = fm.view
        boxes = []
        for text, x, y in titles._titles:
            corner = view.mapViewToScene(QPointF(x, y))
            boxes.append(QRectF(corner.x(), corner.y() - metrics.height(), metrics.horizontalAdvance(text) + 2,
                                metrics.height()))
        assert boxes
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not a.intersects(b), (a, b)
        bar = fm.colour_bar
        lo, hi = bar._levels
        drawn = [format_value(v, 60) for v in (lo, hi, (lo + hi) / 2)]  # the labels the bar writes
        widest = max(bar.fontMetrics().horizontalAdvance(t) for t in drawn)
        assert bar.width() >= widest + 30
    finally:
        w.set_projector(False)


def test_projector_map_digits_are_24_px_tall_at_1024x768(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The classroom aim (bench/projector_legibility.py): the article's map numbers readable from the
    back at 1024x768. A colour bar sized for labels it did not draw once shrank them to 20 px."""
    from PySide6.QtGui import QFont, QFontMetrics

    w = open_window(qtbot, size=(1024, 768))
    w.set_projector(True, full_screen=False)
    w.resize(1024, 768)
    for _ in range(3):
        QApplication.processEvents()
    try:
        fm = w.feature_maps
        rect = fm.cell_scene_rect(0, 0, 0)
        font = QFont()
        font.setPixelSize(int(max(9, min(64, min(rect.width(), rect.height()) * fm.numbers._scale))))
        assert QFontMetrics(font).tightBoundingRect("0123456789").height() >= 24
    finally:
        w.set_projector(False)


def test_the_lessons_menu_reads_its_files_only_when_it_first_opens(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Reading every lesson is the largest part of start-up; the first paint does not need it."""
    from PySide6.QtWidgets import QMenu

    from kernelscope.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    menu = window.lessons_menu
    assert QMenu.actions(menu) == []  # Qt's own list: nothing read yet
    menu.aboutToShow.emit()  # what opening it from the menu bar does
    titles = [a.text() for a in QMenu.actions(menu)]
    assert titles[0].startswith("&1  ")
    assert len(titles) >= 13
    menu.aboutToShow.emit()
    assert [a.text() for a in QMenu.actions(menu)] == titles  # filled once
