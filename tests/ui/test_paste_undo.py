"""A line pasted into the window, then Ctrl+Z: the paste is undone, the line stays in the box."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.ui.gui import open_window

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
LINE = "Conv2D(2, (5, 5))"


def active_window(qtbot):  # type: ignore[no-untyped-def]
    """The window as on a desk: active, so its shortcuts answer (offscreen does not activate by itself)."""
    w = open_window(qtbot)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    return w


def test_ctrl_z_after_enter_undoes_the_paste_not_the_typing(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = active_window(qtbot)
    field = w.line_paste.field
    before = w.document.spec
    w.actions_by_name["paste_line"].trigger()  # Edit > Paste a Conv2D line: the field has the focus
    qtbot.keyClicks(field, LINE)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert w.document.spec.filters == 2
    assert w.document.spec.kernel_size == (5, 5)
    qtbot.keyClick(field, Qt.Key.Key_Z, CTRL)
    assert w.document.spec == before
    assert field.text() == LINE
    qtbot.keyClick(field, Qt.Key.Key_Z, CTRL | SHIFT)  # and redo brings the paste back
    assert w.document.spec.filters == 2
    assert field.text() == LINE


def test_once_the_line_is_edited_ctrl_z_undoes_the_typing(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = active_window(qtbot)
    field = w.line_paste.field
    w.actions_by_name["paste_line"].trigger()
    qtbot.keyClicks(field, LINE)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.keyClicks(field, "x")
    qtbot.keyClick(field, Qt.Key.Key_Z, CTRL)
    assert field.text() != LINE + "x"  # the box's own undo
    assert w.document.spec.filters == 2  # the paste stands


def test_a_refused_line_leaves_ctrl_z_to_the_box(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = active_window(qtbot)
    field = w.line_paste.field
    w.actions_by_name["paste_line"].trigger()
    qtbot.keyClicks(field, "Conv2D(0, 3)")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    qtbot.keyClick(field, Qt.Key.Key_Z, CTRL)
    assert field.text() != "Conv2D(0, 3)"
