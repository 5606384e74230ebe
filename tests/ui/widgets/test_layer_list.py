"""LayerList alone, as a person uses it: click a layer, press the buttons and keys, read the summary."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from kernelscope.ui.widgets.layer_list import MAX_VISIBLE_ROWS, NOT_SHOWN, LayerList, LayerRow

CLASSES = ("Conv2D", "MaxPooling2D", "Flatten", "Dense")
ROWS = (
    LayerRow("conv2d", "Conv2D", "(None, 148, 148, 32)", 896),
    LayerRow("max_pooling2d", "MaxPooling2D", "(None, 74, 74, 32)", 0),
    LayerRow("conv2d_1", "Conv2D", "(None, 72, 72, 64)", 18496),
    LayerRow("max_pooling2d_1", "MaxPooling2D", "(None, 36, 36, 64)", 0),
)
SIGNALS = ("layer_selected", "add_requested", "duplicate_requested", "remove_requested", "move_requested")


@pytest.fixture
def layers(qtbot) -> LayerList:  # type: ignore[no-untyped-def]
    widget = LayerList(CLASSES)
    qtbot.addWidget(widget)
    widget.set_rows(ROWS, 0, 19392)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def emitted(layers: LayerList) -> list[tuple[str, tuple]]:  # type: ignore[type-arg]
    log: list[tuple[str, tuple]] = []  # type: ignore[type-arg]
    for name in SIGNALS:
        getattr(layers, name).connect(lambda *args, name=name: log.append((name, args)))
    return log


def cell_centre(w: LayerList, row: int, column: int = 0) -> QPoint:
    return w.table.visualItemRect(w.table.item(row, column)).center()


def texts(w: LayerList, row: int) -> list[str]:
    return [w.table.item(row, c).text() for c in range(3)]


def click_row(qtbot, w: LayerList, row: int) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(w.table.viewport(), Qt.MouseButton.LeftButton, pos=cell_centre(w, row, 1))


def test_reads_like_model_summary(layers: LayerList) -> None:
    headers = [layers.table.horizontalHeaderItem(c).text() for c in range(3)]
    assert headers == ["Layer (type)", "Output shape", "Param #"]
    assert texts(layers, 0) == ["conv2d (Conv2D)", "(None, 148, 148, 32)", "896"]
    assert texts(layers, 2) == ["conv2d_1 (Conv2D)", "(None, 72, 72, 64)", "18,496"]
    assert layers.table.item(2, 2).textAlignment() & Qt.AlignmentFlag.AlignRight
    assert layers.total_label.text() == "Total params: 19,392"
    assert layers.selected() == 0
    assert layers.count() == 4


def test_clicking_a_row_selects_the_whole_layer_and_says_so(qtbot, layers: LayerList, emitted) -> None:  # type: ignore[no-untyped-def]
    click_row(qtbot, layers, 2)
    assert emitted == [("layer_selected", (2,))]
    assert layers.selected() == 2
    selected = layers.table.selectedItems()
    assert sorted(item.column() for item in selected) == [0, 1, 2]
    assert {item.row() for item in selected} == {2}


def test_arrow_keys_select_the_next_layer(qtbot, layers: LayerList, emitted) -> None:  # type: ignore[no-untyped-def]
    layers.table.setFocus()
    qtbot.keyClick(layers.table, Qt.Key.Key_Down)
    assert emitted == [("layer_selected", (1,))]


def test_set_rows_selects_silently(layers: LayerList, emitted) -> None:  # type: ignore[no-untyped-def]
    layers.set_rows(ROWS, 3, 19392)
    layers.set_rows(ROWS[:2], 1, 896)
    assert emitted == []
    assert layers.selected() == 1
    assert layers.count() == 2
    assert layers.total_label.text() == "Total params: 896"


def test_set_rows_refuses_a_selection_outside_the_rows(layers: LayerList) -> None:
    with pytest.raises(ValueError, match="selected layer 4"):
        layers.set_rows(ROWS, 4, 0)


@pytest.fixture
def popups(layers: LayerList, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each time the Add menu was asked to show (the headless platform cannot show a popup menu)."""
    shown: list[bool] = []
    monkeypatch.setattr(layers.add_button, "showMenu", lambda: shown.append(True))
    return shown


def test_add_menu_lists_the_classes_and_inserts_after_the_selected_layer(qtbot, layers, emitted) -> None:  # type: ignore[no-untyped-def]
    assert [a.text() for a in layers.add_menu.actions()] == list(CLASSES)
    assert all(a.toolTip() for a in layers.add_menu.actions())
    click_row(qtbot, layers, 1)
    assert layers.add_button.menu() is layers.add_menu  # the button opens it, under itself
    assert layers.add_button.popupMode() == layers.add_button.ToolButtonPopupMode.InstantPopup
    layers.add_actions["Dense"].trigger()
    assert emitted == [("layer_selected", (1,)), ("add_requested", ("Dense", 2))]


def test_insert_key_opens_the_add_menu(qtbot, layers: LayerList, popups) -> None:  # type: ignore[no-untyped-def]
    layers.table.setFocus()
    qtbot.keyClick(layers.table, Qt.Key.Key_Insert)
    assert len(popups) == 1


def test_buttons_ask_for_the_selected_layer(qtbot, layers: LayerList, emitted) -> None:  # type: ignore[no-untyped-def]
    layers.set_rows(ROWS, 2, 19392)
    for button in (layers.duplicate_button, layers.remove_button, layers.up_button, layers.down_button):
        assert button.toolTip()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert emitted == [
        ("duplicate_requested", (2,)),
        ("remove_requested", (2,)),
        ("move_requested", (2, -1)),
        ("move_requested", (2, +1)),
    ]


def test_buttons_that_make_no_sense_are_disabled(qtbot, layers: LayerList, emitted) -> None:  # type: ignore[no-untyped-def]
    assert not layers.up_button.isEnabled()  # the first layer
    assert layers.down_button.isEnabled()
    assert layers.remove_button.isEnabled()
    click_row(qtbot, layers, 3)  # the person's own click updates them too
    assert layers.up_button.isEnabled()
    assert not layers.down_button.isEnabled()  # the last layer
    layers.set_rows(ROWS[:1], 0, 896)
    assert not layers.remove_button.isEnabled()  # the only layer
    assert not layers.up_button.isEnabled()
    assert not layers.down_button.isEnabled()
    assert layers.duplicate_button.isEnabled()
    assert layers.add_button.isEnabled()
    for button in (layers.remove_button, layers.up_button, layers.down_button):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert emitted == [("layer_selected", (3,))]


def test_delete_key_removes_unless_it_is_the_only_layer(qtbot, layers: LayerList, emitted) -> None:  # type: ignore[no-untyped-def]
    layers.set_rows(ROWS, 1, 19392)
    layers.table.setFocus()
    qtbot.keyClick(layers.table, Qt.Key.Key_Delete)
    layers.set_rows(ROWS[:1], 0, 896)
    qtbot.keyClick(layers.table, Qt.Key.Key_Delete)
    assert emitted == [("remove_requested", (1,))]


def test_alt_up_and_down_move_the_layer_within_the_stack(qtbot, layers: LayerList, emitted) -> None:  # type: ignore[no-untyped-def]
    layers.table.setFocus()
    qtbot.keyClick(layers.table, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)  # first: nowhere to go
    qtbot.keyClick(layers.table, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    layers.set_rows(ROWS, 3, 19392)
    qtbot.keyClick(layers.table, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)  # last: nowhere to go
    qtbot.keyClick(layers.table, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    assert emitted == [("move_requested", (0, +1)), ("move_requested", (3, -1))]
    assert layers.selected() == 3  # a move is a request: the selection waits for the document


def test_an_invalid_layer_says_why_and_the_layers_below_wait(layers: LayerList) -> None:
    problem = "weights[0]: shape 800x10 does not match the input of 1568 values"
    rows = (
        *ROWS[:2],
        LayerRow("dense", "Dense", "(None, 10)", 8010, problem=problem),
        LayerRow("dense_1", "Dense", None, None, computed=False),
    )
    layers.set_rows(rows, 0, None)
    assert texts(layers, 2) == ["dense (Dense)", NOT_SHOWN, NOT_SHOWN]
    assert texts(layers, 3) == ["dense_1 (Dense)", NOT_SHOWN, NOT_SHOWN]
    for column in range(3):
        assert problem in layers.table.item(2, column).toolTip()
        assert "not computed" in layers.table.item(3, column).toolTip()
    assert not layers.table.item(2, 0).icon().isNull()
    assert layers.table.item(1, 0).icon().isNull()
    invalid, waiting, fine = (layers.table.item(r, 1).foreground().color() for r in (2, 3, 1))
    assert invalid.red() > 120
    assert invalid.green() < 60
    assert invalid.blue() < 60
    assert waiting != fine
    assert waiting.red() == waiting.green() == waiting.blue()
    assert layers.total_label.text() == f"Total params: {NOT_SHOWN}"
    layers.set_rows(ROWS, 0, 19392)  # fixed: every mark goes
    assert layers.table.item(2, 0).icon().isNull()
    assert texts(layers, 3)[1] == "(None, 36, 36, 64)"
    assert "not computed" not in layers.table.item(3, 1).toolTip()


def test_height_follows_the_rows_up_to_a_maximum_then_scrolls(layers: LayerList) -> None:
    def fits_every_row() -> bool:
        last = layers.table.visualItemRect(layers.table.item(layers.count() - 1, 0))
        return last.bottom() < layers.table.viewport().height()

    four = layers.table.height()
    assert fits_every_row()
    layers.set_rows(ROWS[:2], 0, 896)
    assert layers.table.height() < four
    many = [LayerRow(f"dense_{k}", "Dense", "(None, 10)", 110) for k in range(MAX_VISIBLE_ROWS + 5)]
    layers.set_rows(many, 0, 110 * len(many))
    tall = layers.table.height()
    layers.set_rows(many * 2, 0, 0)
    assert layers.table.height() == tall  # capped: the rest scrolls
    assert layers.table.verticalScrollBar().maximum() > 0


def test_a_projector_sized_font_grows_the_rows_and_keeps_every_text(qtbot, layers: LayerList) -> None:  # type: ignore[no-untyped-def]
    normal_height, normal_width = layers.table.height(), layers.table.minimumWidth()
    big = QFont(QApplication.font())
    big.setPointSizeF(big.pointSizeF() * 2.5)
    layers.setFont(big)
    assert layers.table.height() > 2 * normal_height
    assert layers.table.minimumWidth() > 2 * normal_width
    layers.resize(layers.sizeHint())
    qtbot.waitUntil(lambda: layers.table.viewport().width() >= layers.table.sizeHint().width() - 40)
    metrics = layers.table.fontMetrics()
    for row in range(layers.count()):
        for column in range(3):
            rect = layers.table.visualItemRect(layers.table.item(row, column))
            assert rect.height() >= metrics.height()
            assert metrics.horizontalAdvance(layers.table.item(row, column).text()) <= rect.width()
        assert layers.table.visualItemRect(layers.table.item(row, 0)).bottom() < layers.table.viewport().height()
