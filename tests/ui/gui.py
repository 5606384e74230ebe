"""Doing what a person does, headless: drags with hand-built mouse events, typing into table cells."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit, QWidget


def _mouse(widget: QWidget, kind: QMouseEvent.Type, pos: QPoint, button: Qt.MouseButton,
           buttons: Qt.MouseButton) -> None:
    ev = QMouseEvent(kind, QPointF(pos), widget.mapToGlobal(QPointF(pos)), button, buttons,
                     Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, ev)


def drag(widget: QWidget, points: list[QPoint], button: Qt.MouseButton = Qt.MouseButton.LeftButton) -> None:
    """Press at the first point, move through the rest, release at the last."""
    _mouse(widget, QMouseEvent.Type.MouseButtonPress, points[0], button, button)
    for p in points[1:]:
        _mouse(widget, QMouseEvent.Type.MouseMove, p, Qt.MouseButton.NoButton, button)
    _mouse(widget, QMouseEvent.Type.MouseButtonRelease, points[-1], button, Qt.MouseButton.NoButton)


def hover(widget: QWidget, pos: QPoint) -> None:
    _mouse(widget, QMouseEvent.Type.MouseMove, pos, Qt.MouseButton.NoButton, Qt.MouseButton.NoButton)


def open_window(qtbot, session=None, size: tuple[int, int] = (1280, 800)):  # type: ignore[no-untyped-def]
    """A shown MainWindow on ``session`` (default: the article's scene), closed by qtbot at the end."""
    from kernelscope.core.document import Document
    from kernelscope.ui.main_window import MainWindow

    w = MainWindow(Document(session))
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    return w


def editor_of(table: QAbstractItemView) -> QLineEdit:
    """The cell editor a keystroke opened (offscreen has no focus widget to ask)."""
    editors = [e for e in table.viewport().findChildren(QLineEdit) if e.isVisible()]
    assert len(editors) == 1, "typing did not open the cell editor"
    return editors[0]


def type_into(qtbot, table, row: int, col: int, text: str) -> None:  # type: ignore[no-untyped-def]
    """Select a cell, type, press Enter, and wait for the delegate's queued commit."""
    table.setFocus()
    table.setCurrentCell(row, col)
    qtbot.keyClicks(table, text[0])  # the first key opens the editor...
    editor = editor_of(table)
    qtbot.keyClicks(editor, text[1:])  # ...which has the focus for the rest (offscreen: sent to it)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.state() == QAbstractItemView.State.NoState)
