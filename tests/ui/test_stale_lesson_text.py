"""A lesson's title and notes speak of its own scene: a pasted line or an opened picture clears them,
and undoing that edit brings them back."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from kernelscope.ui.main_window import MainWindow
from tests.ui.gui import open_window


def open_first_lesson(qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    w = open_window(qtbot)
    w.lessons_menu.actions()[0].trigger()
    assert w.document.title
    assert w.status_strip.lesson_label.isVisible()
    return w


def assert_lesson_shown(w: MainWindow, shown: bool) -> None:
    assert bool(w.document.title) is shown
    assert w.status_strip.lesson_label.isVisible() is shown


def test_a_pasted_line_clears_the_lesson_text_and_undo_brings_it_back(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = open_first_lesson(qtbot)
    title, notes = w.document.title, w.document.notes
    qtbot.keyClicks(w.line_paste.field, "Conv2D(2, (2, 2))")
    qtbot.keyClick(w.line_paste.field, Qt.Key.Key_Return)
    assert w.document.spec.filters == 2
    assert_lesson_shown(w, False)
    assert w.status_strip.lesson_label.text() == ""
    w.actions_by_name["undo"].trigger()
    assert (w.document.title, w.document.notes) == (title, notes)
    assert_lesson_shown(w, True)
    w.actions_by_name["redo"].trigger()
    assert_lesson_shown(w, False)


def test_an_opened_picture_clears_the_lesson_text(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    w = open_first_lesson(qtbot)
    image = QImage(20, 16, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.gray)
    path = tmp_path / "photo.png"
    assert image.save(str(path))
    assert w.files.open_image(path)
    assert_lesson_shown(w, False)
    w.actions_by_name["undo"].trigger()
    assert_lesson_shown(w, True)
