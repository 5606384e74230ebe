"""Keyboard shortcuts as a person meets them: redo answers both usual keys, Help lists each key once."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from kernelscope.ui.main_window import MainWindow
from tests.ui.gui import open_window

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


@pytest.fixture
def window(qtbot):  # type: ignore[no-untyped-def]
    return open_window(qtbot)


@pytest.mark.parametrize("modifiers", [CTRL | SHIFT, CTRL], ids=["ctrl-shift-z", "ctrl-y"])
def test_each_redo_key_redoes_an_undone_edit(window: MainWindow, qtbot, modifiers) -> None:  # type: ignore[no-untyped-def]
    key = Qt.Key.Key_Z if modifiers & SHIFT else Qt.Key.Key_Y
    window.document.set_weight(0, 0, 0, 4)
    qtbot.keyClick(window, Qt.Key.Key_Z, CTRL)
    assert window.document.kernels[0, 0, 0, 0] == 1
    qtbot.keyClick(window, key, modifiers)
    assert window.document.kernels[0, 0, 0, 0] == 4


def test_no_action_is_bound_twice_to_one_key(window: MainWindow) -> None:
    for name, action in window.actions_by_name.items():
        keys = [k.toString(QKeySequence.SequenceFormat.PortableText) for k in action.shortcuts()]
        assert len(keys) == len(set(keys)), name
        assert all(keys), name
    redo = [k.toString(QKeySequence.SequenceFormat.PortableText) for k in window.actions_by_name["redo"].shortcuts()]
    assert redo == ["Ctrl+Shift+Z", "Ctrl+Y"]


def test_help_lists_each_shortcut_once_with_no_empty_entries(window: MainWindow) -> None:
    rows = window.shortcut_table()
    keys = [k.strip() for text, _ in rows for k in text.split(", ")]
    assert all(keys)
    assert len(keys) == len(set(keys)), keys
    table = {what: text for text, what in rows}
    assert table["Redo"].split(", ") == [QKeySequence(k).toString(QKeySequence.SequenceFormat.NativeText)
                                         for k in ("Ctrl+Shift+Z", "Ctrl+Y")]
    assert table["Full screen"].split(", ").count("F11") == 1
