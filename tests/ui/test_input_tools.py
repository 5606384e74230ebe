"""InputTools driven as a person would: clicks, typing and keys; every intent checked, nothing applied."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QWidget

from kernelscope.ui.widgets.input_tools import InputTools

SIGNALS = (
    "tool_changed",
    "action_requested",
    "shift_requested",
    "resize_requested",
    "value_mode_changed",
    "brush_changed",
)


@pytest.fixture
def tools(qtbot) -> InputTools:
    widget = InputTools()
    qtbot.addWidget(widget)
    widget.resize(340, widget.sizeHint().height())
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def emitted(tools) -> list[tuple[str, tuple]]:
    """Every intent the toolbar emits, in order."""
    log: list[tuple[str, tuple]] = []
    for name in SIGNALS:
        getattr(tools, name).connect(lambda *args, name=name: log.append((name, args)))
    return log


def click(qtbot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_into(qtbot, box: QAbstractSpinBox, text: str) -> None:
    """Select all, type, press Enter: keys go straight to the box (offscreen has no focus)."""
    qtbot.keyClick(box, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key.Key_Return)


# ---------------------------------------------------------------------------- defaults


def test_defaults_are_the_article(tools, emitted) -> None:
    assert tools.tool() == "pen"
    assert tools.pen_button.isChecked()
    assert tools.value_mode.currentData() == "binary"
    assert tools.value_mode.currentText() == "binary -1/+1"
    assert tools.brush() == -1.0  # the article draws in black on white
    assert tools.brush_black.isChecked()
    assert (tools.rows.value(), tools.cols.value()) == (5, 5)
    assert not tools.apply_size.isEnabled()  # nothing to apply yet
    assert emitted == []


def test_fits_a_340_pixel_pane(tools) -> None:
    # The input pane is ~340 px at 1024x768; its frame takes ~20.
    assert tools.minimumSizeHint().width() <= 320
    assert tools.sizeHint().height() <= 160


def test_every_control_explains_itself(tools) -> None:
    controls = [
        w
        for w in tools.findChildren(QWidget)
        if isinstance(w, (QAbstractButton, QAbstractSpinBox, QComboBox)) and w.parent() is tools
    ]
    assert len(controls) == 19  # 4 tools, 3 actions, 4 arrows, size x4, mode, brush x3
    for w in controls:
        assert w.toolTip().strip(), w
        assert w.accessibleName().strip(), w
    assert len({w.accessibleName() for w in controls}) == len(controls)  # a screen reader can tell them apart


# ---------------------------------------------------------------------------- tools


@pytest.mark.parametrize(
    ("button", "name"),
    [("line_button", "line"), ("rect_button", "rect"), ("fill_button", "fill")],
)
def test_clicking_a_tool_selects_it(qtbot, tools, emitted, button, name) -> None:
    with qtbot.waitSignal(tools.tool_changed) as blocker:
        click(qtbot, getattr(tools, button))
    assert blocker.args == [name]
    assert tools.tool() == name
    checked = [b for b in (tools.pen_button, tools.line_button, tools.rect_button, tools.fill_button) if b.isChecked()]
    assert checked == [getattr(tools, button)]  # exclusive
    assert getattr(tools, button).font().bold()
    assert not tools.pen_button.font().bold()
    with qtbot.waitSignal(tools.tool_changed) as blocker:
        click(qtbot, tools.pen_button)
    assert blocker.args == ["pen"]
    assert emitted == [("tool_changed", (name,)), ("tool_changed", ("pen",))]


def test_clicking_the_current_tool_again_changes_nothing(qtbot, tools, emitted) -> None:
    click(qtbot, tools.pen_button)
    assert tools.pen_button.isChecked()
    assert emitted == []


def test_set_tool_checks_quietly(tools, emitted) -> None:
    tools.set_tool("rect")
    assert tools.tool() == "rect"
    assert tools.rect_button.isChecked()
    assert emitted == []
    with pytest.raises(ValueError, match="brush"):
        tools.set_tool("brush")


def test_keyboard_space_on_a_tool_button(qtbot, tools) -> None:
    with qtbot.waitSignal(tools.tool_changed) as blocker:
        qtbot.keyClick(tools.fill_button, Qt.Key.Key_Space)
    assert blocker.args == ["fill"]


# ---------------------------------------------------------------------------- one-click edits


@pytest.mark.parametrize(
    ("button", "action"),
    [("clear_button", "clear"), ("invert_button", "invert"), ("noise_button", "noise")],
)
def test_action_buttons_ask_for_their_action(qtbot, tools, emitted, button, action) -> None:
    with qtbot.waitSignal(tools.action_requested) as blocker:
        click(qtbot, getattr(tools, button))
    assert blocker.args == [action]
    assert emitted == [("action_requested", (action,))]
    assert tools.tool() == "pen"  # an action is not a tool


@pytest.mark.parametrize(
    ("button", "delta", "word"),
    [
        ("shift_left", (0, -1), "left"),
        ("shift_up", (-1, 0), "up"),
        ("shift_down", (1, 0), "down"),
        ("shift_right", (0, 1), "right"),
    ],
)
def test_shift_arrows(qtbot, tools, emitted, button, delta, word) -> None:
    arrow = getattr(tools, button)
    assert arrow.toolTip() == f"Shift the drawing one cell {word}"
    with qtbot.waitSignal(tools.shift_requested) as blocker:
        click(qtbot, arrow)
    assert tuple(blocker.args) == delta
    assert emitted == [("shift_requested", delta)]


def test_shift_arrows_sit_in_arrow_order(tools) -> None:
    xs = [getattr(tools, f"shift_{d}").geometry().x() for d in ("left", "up", "down", "right")]
    assert xs == sorted(xs)


# ---------------------------------------------------------------------------- grid size


def test_apply_asks_for_the_new_size(qtbot, tools, emitted) -> None:
    tools.rows.setValue(8)
    assert tools.apply_size.isEnabled()
    with qtbot.waitSignal(tools.resize_requested) as blocker:
        click(qtbot, tools.apply_size)
    assert blocker.args == [8, 5, "crop-or-pad"]
    tools.resize_mode.setCurrentIndex(tools.resize_mode.findData("scale"))
    assert tools.resize_mode.currentText() == "scale"
    tools.cols.setValue(12)
    with qtbot.waitSignal(tools.resize_requested) as blocker:
        click(qtbot, tools.apply_size)
    assert blocker.args == [8, 12, "scale"]
    assert [name for name, _ in emitted] == ["resize_requested", "resize_requested"]


def test_typing_a_size_and_enter_applies(qtbot, tools, emitted) -> None:
    with qtbot.waitSignal(tools.resize_requested) as blocker:
        type_into(qtbot, tools.cols, "25")
    assert blocker.args == [5, 25, "crop-or-pad"]
    assert emitted == [("resize_requested", (5, 25, "crop-or-pad"))]


def test_sizes_are_held_to_3_to_64(qtbot, tools) -> None:
    assert (tools.rows.minimum(), tools.rows.maximum()) == (3, 64)
    assert (tools.cols.minimum(), tools.cols.maximum()) == (3, 64)
    type_into(qtbot, tools.rows, "99")
    assert tools.rows.value() <= 64


def test_apply_is_off_while_the_size_is_unchanged(qtbot, tools, emitted) -> None:
    assert not tools.apply_size.isEnabled()
    click(qtbot, tools.apply_size)
    qtbot.keyClick(tools.rows, Qt.Key.Key_Return)
    assert emitted == []
    tools.rows.setValue(6)
    assert tools.apply_size.isEnabled()
    tools.rows.setValue(5)
    assert not tools.apply_size.isEnabled()


def test_arrow_keys_step_the_size_without_applying(qtbot, tools, emitted) -> None:
    qtbot.keyClick(tools.rows, Qt.Key.Key_Up)
    assert tools.rows.value() == 6
    assert emitted == []


# ---------------------------------------------------------------------------- value mode and brush


def test_binary_mode_paints_with_black_and_white_swatches(qtbot, tools, emitted) -> None:
    assert not tools.brush_black.isHidden()
    assert not tools.brush_white.isHidden()
    assert tools.brush_value.isHidden()
    with qtbot.waitSignal(tools.brush_changed) as blocker:
        click(qtbot, tools.brush_white)
    assert blocker.args == [1.0]
    assert tools.brush() == 1.0
    assert tools.brush_white.isChecked()
    assert not tools.brush_black.isChecked()
    with qtbot.waitSignal(tools.brush_changed) as blocker:
        click(qtbot, tools.brush_black)
    assert blocker.args == [-1.0]
    click(qtbot, tools.brush_black)  # already black: nothing new
    assert emitted == [("brush_changed", (1.0,)), ("brush_changed", (-1.0,))]


@pytest.mark.parametrize(
    ("mode", "lo", "hi", "brush"),
    [("grey", 0.0, 1.0, 0.0), ("byte", 0.0, 255.0, 0.0)],
)
def test_value_mode_sets_the_brush_range(qtbot, tools, emitted, mode, lo, hi, brush) -> None:
    with qtbot.waitSignals([tools.value_mode_changed, tools.brush_changed]):
        tools.value_mode.setCurrentIndex(tools.value_mode.findData(mode))
    assert (tools.brush_value.minimum(), tools.brush_value.maximum()) == (lo, hi)
    assert tools.brush() == brush  # black -1 maps to the new mode's black
    assert not tools.brush_value.isHidden()
    assert tools.brush_black.isHidden()
    assert tools.brush_white.isHidden()
    assert emitted == [("value_mode_changed", (mode,)), ("brush_changed", (brush,))]


def test_mode_change_carries_white_across(qtbot, tools, emitted) -> None:
    click(qtbot, tools.brush_white)
    tools.value_mode.setCurrentIndex(tools.value_mode.findData("byte"))
    assert tools.brush() == 255.0
    tools.value_mode.setCurrentIndex(tools.value_mode.findData("grey"))
    assert tools.brush() == 1.0
    tools.value_mode.setCurrentIndex(tools.value_mode.findData("binary"))
    assert tools.brush() == 1.0
    assert tools.brush_white.isChecked()
    names = [name for name, _ in emitted]
    assert names == [
        "brush_changed",
        "value_mode_changed",
        "brush_changed",
        "value_mode_changed",
        "brush_changed",
        "value_mode_changed",
    ]  # 1 -> 1 (binary) emits no brush change


def test_value_mode_by_keyboard(qtbot, tools) -> None:
    with qtbot.waitSignal(tools.value_mode_changed) as blocker:
        qtbot.keyClick(tools.value_mode, Qt.Key.Key_Down)
    assert blocker.args == ["grey"]


def test_typing_a_grey_brush(qtbot, tools, emitted) -> None:
    tools.set_state((5, 5), "grey", 0.0)
    with qtbot.waitSignal(tools.brush_changed) as blocker:
        type_into(qtbot, tools.brush_value, "0.25")
    assert blocker.args == [pytest.approx(0.25)]
    assert emitted == [("brush_changed", (pytest.approx(0.25),))]  # one intent, not one per key
    type_into(qtbot, tools.brush_value, "7")
    assert tools.brush() <= 1.0  # held inside the grey range


def test_byte_brush_steps_by_one(qtbot, tools) -> None:
    tools.set_state((5, 5), "byte", 100)
    with qtbot.waitSignal(tools.brush_changed) as blocker:
        qtbot.keyClick(tools.brush_value, Qt.Key.Key_Up)
    assert blocker.args == [101.0]


# ---------------------------------------------------------------------------- set_state


def test_set_state_shows_the_document_and_emits_nothing(tools, emitted) -> None:
    tools.set_state((8, 9), "byte", 200.0)
    assert (tools.rows.value(), tools.cols.value()) == (8, 9)
    assert tools.value_mode.currentData() == "byte"
    assert tools.brush() == 200.0
    assert not tools.apply_size.isEnabled()
    tools.set_state((5, 5), "binary", 1.0)
    assert tools.brush_white.isChecked()
    assert tools.brush() == 1.0
    assert tools.brush_value.isHidden()
    tools.set_state((5, 5), "grey", 0.6)
    assert tools.brush() == pytest.approx(0.6)
    tools.set_state((5, 5), "binary", 0.6)  # a binary brush is black or white
    assert tools.brush() == 1.0
    tools.set_state((5, 5), "grey", 4.0)
    assert tools.brush() == 1.0
    assert emitted == []


def test_set_state_with_a_large_loaded_image(tools, emitted) -> None:
    tools.set_state((150, 150), "grey", 0.5)
    assert (tools.rows.value(), tools.cols.value()) == (64, 64)
    assert tools.apply_size.isEnabled()  # Apply brings it down to a paintable grid
    assert emitted == []


def test_set_state_refuses_an_unknown_mode(tools) -> None:
    with pytest.raises(ValueError, match="unknown value mode 'rgb'"):
        tools.set_state((5, 5), "rgb", 0)


def test_after_set_state_user_edits_emit_again(qtbot, tools, emitted) -> None:
    tools.set_state((6, 6), "grey", 0.5)
    with qtbot.waitSignal(tools.value_mode_changed) as blocker:
        tools.value_mode.setCurrentIndex(tools.value_mode.findData("binary"))
    assert blocker.args == ["binary"]
    assert tools.brush() == 1.0  # 0.5 is at the midpoint: white
    assert emitted == [("value_mode_changed", ("binary",)), ("brush_changed", (1.0,))]


def test_set_state_without_a_brush_converts_the_one_shown(tools, emitted) -> None:
    """The document's mode changed (chosen, undone, a picture opened): the brush follows it, darkest stays darkest."""
    assert tools.brush() == -1.0
    tools.set_state((5, 5), "grey")
    assert (tools.value_mode.currentText(), tools.brush()) == ("grey 0..1", 0.0)
    tools.set_state((5, 5), "byte")
    assert (tools.value_mode.currentText(), tools.brush()) == ("0..255", 0.0)
    tools.set_state((5, 5), "byte", 51.0)
    tools.set_state((5, 5), "grey")
    assert tools.brush() == pytest.approx(0.2)
    tools.set_state((5, 5), "binary")
    assert tools.brush_black.isChecked()
    tools.set_state((5, 5), "binary")  # the same mode again keeps the brush
    assert tools.brush() == -1.0
    assert emitted == []
