"""Edited trained weights in the window: an edit marks its layer and cell, Edit > Revert this layer's
weights puts them back as one undo step, undo clears the mark, and a saved, reopened file is clean."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kernelscope.ui.file_controller import FileController
from kernelscope.ui.main_window import MainWindow
from kernelscope.ui.widgets.layer_list import EDITED_TIP
from tests.ui.gui import open_window


@pytest.fixture
def window(qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    w = open_window(qtbot)
    (action,) = [a for a in w.lessons_menu.actions() if a.text().startswith("&12  ")]
    action.trigger()
    qtbot.waitUntil(lambda: not w.document.computing, timeout=20_000)
    return w


def row_marked(window: MainWindow, row: int) -> bool:
    item = window.stack_view.layer_list.table.item(row, 0)
    return EDITED_TIP in item.toolTip() and not item.icon().isNull()


def test_an_edit_marks_the_layer_and_cell_and_revert_puts_it_back(window: MainWindow) -> None:
    doc, revert = window.document, window.actions_by_name["revert_weights"]
    opened = np.array(doc.kernels)
    assert not revert.isEnabled()
    assert not row_marked(window, 0)
    window.controller.edit_weight(1, 2, 9.0)
    assert row_marked(window, 0)
    assert not row_marked(window, 3)
    assert window.kernel_grid.is_edited(1, 2)
    assert not window.kernel_grid.is_edited(0, 0)
    assert revert.isEnabled()
    revert.trigger()
    np.testing.assert_array_equal(doc.kernels, opened)
    assert not row_marked(window, 0)
    assert not window.kernel_grid.is_edited(1, 2)
    assert not revert.isEnabled()
    assert window.actions_by_name["undo"].text() == "&Undo revert the weights"
    doc.undo()
    assert doc.kernels[1, 2, 0, 0] == 9.0
    assert row_marked(window, 0)
    doc.undo()
    assert not row_marked(window, 0)


def test_a_dense_weight_edit_marks_its_table_cell(window: MainWindow) -> None:
    doc = window.document
    doc.select_layer(3)
    window.controller.edit_layer_weight(0, (5, 2), 3.0)
    assert row_marked(window, 3)
    table = window.stack_view.weight_table
    assert table.model.is_edited(5, 2)
    assert not table.model.is_edited(5, 1)
    assert window.actions_by_name["revert_weights"].isEnabled()
    doc.select_layer(1)  # a pooling layer has nothing to revert
    assert not window.actions_by_name["revert_weights"].isEnabled()


def test_a_saved_and_reopened_session_is_not_marked(  # type: ignore[no-untyped-def]
        window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot) -> None:
    window.controller.edit_weight(0, 0, 5.0)
    path = tmp_path / "edited.kscope"
    monkeypatch.setattr(FileController, "ask_save_path", lambda self, caption, file_filter, name: str(path))
    assert window.files.save_as()
    assert window.files.open(path)
    qtbot.waitUntil(lambda: window.files.path == path)
    assert window.document.kernels[0, 0, 0, 0] == 5.0
    assert not row_marked(window, 0)
    assert not window.kernel_grid.is_edited(0, 0)
