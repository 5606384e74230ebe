"""RGB input: a channel picker for viewing and painting, kernels edited per channel."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from kernelscope.core import engine
from kernelscope.core.document import Document
from kernelscope.core.engine import ConvSpec
from kernelscope.files.sessions import Session, ViewState
from kernelscope.ui.main_window import MainWindow
from tests.ui.gui import drag, type_into


@pytest.fixture
def window(qtbot):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(2)
    session = Session(
        input=rng.random((6, 6, 3)).astype(np.float32),
        kernels=rng.integers(-2, 3, (3, 3, 3, 2)).astype(np.float32),
        bias=np.zeros(2, np.float32),
        spec=ConvSpec(2, (3, 3)),
        view=ViewState(value_mode="grey"),
    )
    w = MainWindow(Document(session))
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


def test_pickers_show_only_for_rgb(window: MainWindow) -> None:
    assert window.channel_picker.isVisible()
    assert window.kernel_channel.isVisible()
    window.document.replace_input(np.zeros((5, 5, 1), np.float32), "grey")
    assert not window.channel_picker.isVisible()
    assert not window.kernel_channel.isVisible()
    assert window.document.kernels.shape == (3, 3, 1, 2)


def test_kernel_channel_tabs_edit_that_channel(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.kernel_channel.setCurrentIndex(2)
    np.testing.assert_array_equal(window.kernel_grid.kernel(), window.document.kernels[:, :, 2, 0])
    type_into(qtbot, window.kernel_grid, 1, 1, "7")
    assert window.document.kernels[1, 1, 2, 0] == 7
    assert window.document.kernels[1, 1, 0, 0] != 7 or window.document.kernels[1, 1, 1, 0] != 7
    doc = window.document
    np.testing.assert_allclose(window.feature_maps.image_data(0), engine.conv2d(doc.input, doc.kernels)[:, :, 0],
                               rtol=1e-6, atol=1e-6)


def test_painting_one_channel(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.channel_picker.setCurrentIndex(1)  # R only
    before = np.array(window.document.input)
    assert window.pixel_grid.image().shape == (6, 6, 1)
    window.input_tools.brush_value.setValue(1.0)
    grid = window.pixel_grid
    drag(grid, [grid.cell_rect(0, 0).center().toPoint(), grid.cell_rect(0, 5).center().toPoint()])
    after = window.document.input
    assert (after[0, :, 0] == 1).all()
    np.testing.assert_array_equal(after[:, :, 1:], before[:, :, 1:])
    np.testing.assert_array_equal(after[1:, :, 0], before[1:, :, 0])
    assert window.document.undo_label() == "paint stroke"
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    np.testing.assert_array_equal(window.document.input, before)
