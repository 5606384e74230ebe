"""BrushSizePicker alone: three toggle buttons, one down, a click says the width."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton

from kernelscope.ui.widgets.brush_size import BrushSizePicker


@pytest.fixture
def picker(qtbot) -> BrushSizePicker:  # type: ignore[no-untyped-def]
    widget = BrushSizePicker()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def buttons(picker: BrushSizePicker) -> dict[str, QToolButton]:
    return {b.text(): b for b in picker.findChildren(QToolButton)}


def test_three_buttons_with_tooltips_and_one_cell_down_at_first(picker: BrushSizePicker) -> None:
    found = buttons(picker)
    assert list(found) == ["1", "3", "5"]
    assert all(b.toolTip() and b.isCheckable() for b in found.values())
    assert "3x3" in found["3"].toolTip()
    assert "5x5" in found["5"].toolTip()
    assert picker.chosen_size() == 1
    assert found["1"].isChecked()


def test_a_click_chooses_a_size_and_says_it(picker: BrushSizePicker, qtbot) -> None:  # type: ignore[no-untyped-def]
    said: list[int] = []
    picker.size_chosen.connect(said.append)
    qtbot.mouseClick(buttons(picker)["5"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(buttons(picker)["3"], Qt.MouseButton.LeftButton)
    assert said == [5, 3]
    assert picker.chosen_size() == 3
    assert [b.isChecked() for b in buttons(picker).values()] == [False, True, False]


def test_set_size_shows_a_size_without_saying_it(picker: BrushSizePicker) -> None:
    said: list[int] = []
    picker.size_chosen.connect(said.append)
    picker.set_size(5)
    assert picker.chosen_size() == 5
    assert buttons(picker)["5"].isChecked()
    assert said == []
    with pytest.raises(ValueError, match="1, 3, 5"):
        picker.set_size(4)
    assert picker.chosen_size() == 5
