"""KernelActions alone: bias, transforms, presets and "randomize like Keras" out as intents."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractSpinBox

from kernelscope.ui.widgets.kernel_actions import TRANSFORMS, KernelActions

PRESETS = (("identity", "Leaves the picture as it is"), ("box blur", "The mean of the window"))
SIGNALS = ("bias_edited", "transform_requested", "preset_requested", "randomize_requested")


@pytest.fixture
def actions(qtbot) -> KernelActions:  # type: ignore[no-untyped-def]
    widget = KernelActions(PRESETS)
    qtbot.addWidget(widget)
    widget.set_bias(0.0, True)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def emitted(actions: KernelActions) -> list[tuple[str, tuple]]:
    log: list[tuple[str, tuple]] = []
    for name in SIGNALS:
        getattr(actions, name).connect(lambda *args, name=name: log.append((name, args)))
    return log


def type_into(qtbot, box: QAbstractSpinBox, text: str, enter: bool = True) -> None:  # type: ignore[no-untyped-def]
    edit = box.lineEdit()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, text)
    if enter:
        qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_typing_a_bias_asks_for_it_on_enter(actions: KernelActions, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    type_into(qtbot, actions.bias, "0.5", enter=False)
    assert emitted == []  # no edit per keystroke
    qtbot.keyClick(actions.bias.lineEdit(), Qt.Key.Key_Return)
    assert emitted == [("bias_edited", (0.5,))]


def test_arrow_keys_step_the_bias_by_a_tenth(actions: KernelActions, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(actions.bias, Qt.Key.Key_Up)
    assert emitted == [("bias_edited", (pytest.approx(0.1),))]


def test_set_bias_shows_the_value_quietly_and_says_when_there_is_none(actions: KernelActions, emitted) -> None:  # type: ignore[no-untyped-def]
    actions.set_bias(-1.25, True)
    assert actions.bias.text() == "-1.250"
    assert actions.bias.isEnabled()
    assert actions.bias.toolTip().startswith("Added to every value")
    actions.set_bias(2.0, False)
    assert not actions.bias.isEnabled()
    assert actions.bias.toolTip() == "use_bias is off: this layer adds no bias"
    assert emitted == []


@pytest.mark.parametrize(("key", "label"), [(key, label) for key, label, _ in TRANSFORMS])
def test_each_transform_button_asks_for_its_transform(actions, emitted, qtbot, key: str, label: str) -> None:  # type: ignore[no-untyped-def]
    button = actions.buttons[key]
    assert button.text() == label
    assert button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert emitted == [("transform_requested", (key,))]


def test_the_presets_menu_lists_each_preset_and_asks_for_it(actions: KernelActions, emitted) -> None:  # type: ignore[no-untyped-def]
    menu = actions.presets.menu()
    assert [a.text() for a in menu.actions()] == ["identity", "box blur"]
    assert [a.toolTip() for a in menu.actions()] == [description for _, description in PRESETS]
    actions.preset_actions["box blur"].trigger()
    assert emitted == [("preset_requested", ("box blur",))]


def test_randomize_uses_the_seed_shown(actions: KernelActions, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    type_into(qtbot, actions.seed, "1234")
    assert emitted == []  # a new seed alone changes nothing
    qtbot.mouseClick(actions.randomize, Qt.MouseButton.LeftButton)
    assert emitted == [("randomize_requested", (1234,))]


def test_set_seed_shows_the_seed_and_emits_nothing(actions: KernelActions, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    actions.set_seed(42)
    assert actions.seed.text() == "42"
    assert emitted == []
    qtbot.mouseClick(actions.randomize, Qt.MouseButton.LeftButton)
    assert emitted == [("randomize_requested", (42,))]
