"""The marks of weights edited since opened, widget by widget: a corner in the edited cells of the
kernel grid and the weight table (in the cell's text colour, so dark and light cells both show it),
and a pencil, italics and a tooltip on an edited layer's row."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from kernelscope.ui.widgets.kernel_grid import KernelGrid
from kernelscope.ui.widgets.layer_list import EDITED_TIP, LayerList, LayerRow
from kernelscope.ui.widgets.weight_table import WeightTable


def corner_pixel(image: QImage, x_right: int, y_top: int) -> QColor:
    """A pixel just inside a cell's top-right corner."""
    return image.pixelColor(x_right - 2, y_top + 2)


@pytest.fixture
def grid(qtbot) -> KernelGrid:  # type: ignore[no-untyped-def]
    widget = KernelGrid()
    qtbot.addWidget(widget)
    widget.resize(300, 300)
    widget.set_kernel(np.array([[1, 1, 1], [-1, -1, -1], [1, 1, 1]], np.float32))
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def grid_corner(grid: KernelGrid, row: int, col: int) -> QColor:
    rect = grid.visualRect(grid.model().index(row, col))
    return corner_pixel(grid.viewport().grab().toImage(), rect.right(), rect.top())


def test_the_kernel_grid_marks_the_edited_weights_only(grid: KernelGrid) -> None:
    plain = {cell: grid_corner(grid, *cell) for cell in ((0, 0), (0, 1), (1, 2))}
    edited = np.zeros((3, 3), bool)
    edited[0, 1] = edited[1, 2] = True
    grid.set_edited(edited)
    assert grid_corner(grid, 0, 1) != plain[0, 1]
    assert grid_corner(grid, 1, 2) != plain[1, 2]
    assert grid_corner(grid, 0, 0) == plain[0, 0]
    grid.set_kernel(grid.kernel())  # the tooltips are written with the cells
    assert "edited since opened" in grid.item(0, 1).toolTip()
    assert "edited" not in grid.item(0, 0).toolTip()
    grid.set_edited(None)
    assert grid_corner(grid, 0, 1) == plain[0, 1]


def test_a_mark_of_another_shape_marks_nothing(grid: KernelGrid) -> None:
    grid.set_edited(np.ones((2, 2), bool))
    assert not grid.is_edited(0, 0)


def test_the_weight_table_marks_the_edited_cells(qtbot) -> None:  # type: ignore[no-untyped-def]
    table = WeightTable()
    qtbot.addWidget(table)
    table.resize(400, 300)
    kernel = np.full((4, 3), 0.5, np.float32)
    table.set_arrays([("kernel", kernel), ("bias", np.zeros(3, np.float32))])
    table.show()
    qtbot.waitExposed(table)
    table.table.setCurrentIndex(table.model.index(3, 2))  # the frame of the current cell elsewhere

    def corner(row: int, col: int) -> QColor:
        rect = table.table.visualRect(table.model.index(row, col))
        return corner_pixel(table.table.viewport().grab().toImage(), rect.right(), rect.top())

    plain = corner(1, 1)
    edited = np.zeros((4, 3), bool)
    edited[1, 1] = True
    table.set_edited([edited, None])
    assert corner(1, 1) != plain
    assert corner(0, 1) == plain
    assert "edited since opened" in table.model.describe(1, 1)
    assert "edited" not in table.model.describe(0, 1)
    table.chooser.setCurrentIndex(1)  # the bias has no edits
    assert not table.model.is_edited(1, 0)


def test_an_edited_layer_row_has_a_pencil_italics_and_says_so(qtbot) -> None:  # type: ignore[no-untyped-def]
    layers = LayerList(["Conv2D"])
    qtbot.addWidget(layers)
    rows = [LayerRow("conv2d", "Conv2D", "(None, 26, 26, 4)", 40, edited=True),
            LayerRow("flatten", "Flatten", "(None, 2704)", 0)]
    layers.set_rows(rows, 1, 40)
    edited, plain = layers.table.item(0, 0), layers.table.item(1, 0)
    assert edited.text() == "conv2d (Conv2D)"  # the name reads as model.summary() prints it
    assert not edited.icon().isNull()
    assert plain.icon().isNull()
    assert edited.font().italic()
    assert not plain.font().italic()
    assert EDITED_TIP in edited.toolTip()
    assert EDITED_TIP not in plain.toolTip()
    layers.set_rows([LayerRow("conv2d", "Conv2D", "(None, 26, 26, 4)", 40), rows[1]], 0, 40)
    assert layers.table.item(0, 0).icon().isNull()
    assert not layers.table.item(0, 0).font().italic()
