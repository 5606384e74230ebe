"""ConvControls driven as a person would: typing, arrow keys, clicks; it emits specs and explains refusals."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSpinBox, QWidget

from kernelscope.core.engine import ACTIVATIONS, ConvSpec
from kernelscope.ui.widgets.conv_controls import ConvControls

CONTROLS = (
    "filters",
    "kernel_h",
    "kernel_w",
    "kernel_link",
    "stride_h",
    "stride_w",
    "stride_link",
    "padding",
    "dilation_h",
    "dilation_w",
    "dilation_link",
    "activation",
    "use_bias",
)


@pytest.fixture
def controls(qtbot) -> ConvControls:  # type: ignore[no-untyped-def]
    widget = ConvControls(ConvSpec, ACTIVATIONS)
    qtbot.addWidget(widget)
    widget.resize(320, 400)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def type_into(qtbot, spin: QSpinBox, text: str) -> None:  # type: ignore[no-untyped-def]
    """Select what is there, type, press Enter: offscreen has no focus, so keys go to the line edit."""
    edit = spin.lineEdit()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def press_up(qtbot, spin: QSpinBox) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Up)


def emits_one(qtbot, controls: ConvControls, action: Callable[[], None]) -> ConvSpec:  # type: ignore[no-untyped-def]
    """Run ``action``; it must emit exactly one ConvSpec, which is returned."""
    seen: list[ConvSpec] = []
    controls.spec_edited.connect(seen.append)
    try:
        with qtbot.waitSignal(controls.spec_edited, timeout=1000):
            action()
    finally:
        controls.spec_edited.disconnect(seen.append)
    assert len(seen) == 1, seen
    assert isinstance(seen[0], ConvSpec)
    return seen[0]


# ------------------------------------------------------------------ showing a spec


def test_set_spec_shows_every_value_and_emits_nothing(controls: ConvControls, qtbot) -> None:  # type: ignore[no-untyped-def]
    spec = ConvSpec(7, (3, 5), strides=(1, 1), padding="same", dilation_rate=(2, 1), activation="tanh",
                    use_bias=False)
    with qtbot.assertNotEmitted(controls.spec_edited):
        controls.set_spec(spec)
    assert controls.filters.value() == 7
    assert (controls.kernel_h.value(), controls.kernel_w.value()) == (3, 5)
    assert (controls.stride_h.value(), controls.stride_w.value()) == (1, 1)
    assert controls.padding.currentText() == "same"
    assert (controls.dilation_h.value(), controls.dilation_w.value()) == (2, 1)
    assert controls.activation.currentText() == "tanh"
    assert not controls.use_bias.isChecked()
    assert not controls.kernel_link.isChecked()  # 3x5 cannot be square-linked
    assert not controls.dilation_link.isChecked()
    assert controls.stride_link.isChecked()


def test_set_spec_clears_a_shown_problem(controls: ConvControls) -> None:
    controls.show_problem("a 7x7 kernel does not fit a 5x5 input with padding='valid'")
    controls.set_spec(ConvSpec())
    assert controls.problem_text() == ""
    assert not controls.problem.isVisible()


def test_set_spec_never_clamps_what_it_shows(controls: ConvControls) -> None:
    controls.set_spec(ConvSpec(80, (13, 13), strides=(9, 9)))
    assert controls.filters.value() == 80
    assert (controls.kernel_h.value(), controls.kernel_w.value()) == (13, 13)
    assert (controls.stride_h.value(), controls.stride_w.value()) == (9, 9)


def test_link_follows_specs_from_outside_but_keeps_the_persons_choice(controls: ConvControls, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert controls.kernel_link.isChecked()  # square by default
    controls.set_spec(ConvSpec(kernel_size=(3, 5)))
    assert not controls.kernel_link.isChecked()
    controls.set_spec(ConvSpec(kernel_size=(5, 5)))  # a lesson loads a square kernel: linked again
    assert controls.kernel_link.isChecked()
    assert controls.kernel_link.text() == "="

    qtbot.mouseClick(controls.kernel_link, Qt.MouseButton.LeftButton)  # the person unlinks
    assert not controls.kernel_link.isChecked()
    assert controls.kernel_link.text() != "="
    spec = emits_one(qtbot, controls, lambda: type_into(qtbot, controls.kernel_w, "3"))
    assert spec.kernel_size == (5, 3)
    controls.set_spec(spec)  # the document echoes it back
    spec = emits_one(qtbot, controls, lambda: type_into(qtbot, controls.kernel_h, "3"))
    assert spec.kernel_size == (3, 3)
    controls.set_spec(spec)  # square now, but the person unlinked: it stays unlinked
    assert not controls.kernel_link.isChecked()


# ------------------------------------------------------------------ each control emits the right spec


def test_typing_filters_emits_on_enter_only(controls: ConvControls, qtbot) -> None:  # type: ignore[no-untyped-def]
    edit = controls.filters.lineEdit()
    with qtbot.assertNotEmitted(controls.spec_edited):
        qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClicks(edit, "12")  # no spec with 1 filter on the way to 12
    spec = emits_one(qtbot, controls, lambda: qtbot.keyClick(edit, Qt.Key.Key_Return))
    assert spec == ConvSpec(filters=12)


def test_linked_kernel_stays_square(controls: ConvControls, qtbot) -> None:  # type: ignore[no-untyped-def]
    spec = emits_one(qtbot, controls, lambda: press_up(qtbot, controls.kernel_h))
    assert spec.kernel_size == (4, 4)
    spec = emits_one(qtbot, controls, lambda: type_into(qtbot, controls.kernel_w, "7"))
    assert spec.kernel_size == (7, 7)
    assert (controls.kernel_h.value(), controls.kernel_w.value()) == (7, 7)


def test_unlinked_kernel_allows_3x5(controls: ConvControls, qtbot) -> None:  # type: ignore[no-untyped-def]
    with qtbot.assertNotEmitted(controls.spec_edited):  # unlinking a square kernel changes nothing
        qtbot.mouseClick(controls.kernel_link, Qt.MouseButton.LeftButton)
    spec = emits_one(qtbot, controls, lambda: type_into(qtbot, controls.kernel_w, "5"))
    assert spec.kernel_size == (3, 5)
    assert controls.kernel_h.value() == 3
    # Linking again makes it square, from the height.
    spec = emits_one(qtbot, controls, lambda: qtbot.mouseClick(controls.kernel_link, Qt.MouseButton.LeftButton))
    assert spec.kernel_size == (3, 3)
    assert controls.kernel_w.value() == 3


def test_strides_and_dilation_edits(controls: ConvControls, qtbot) -> None:  # type: ignore[no-untyped-def]
    spec = emits_one(qtbot, controls, lambda: press_up(qtbot, controls.stride_w))
    assert spec.strides == (2, 2)
    spec = emits_one(qtbot, controls, lambda: type_into(qtbot, controls.stride_h, "1"))
    assert spec.strides == (1, 1)
    qtbot.mouseClick(controls.dilation_link, Qt.MouseButton.LeftButton)
    spec = emits_one(qtbot, controls, lambda: press_up(qtbot, controls.dilation_h))
    assert spec.dilation_rate == (2, 1)
    assert spec.strides == (1, 1)


def test_padding_by_keyboard(controls: ConvControls, qtbot) -> None:  # type: ignore[no-untyped-def]
    spec = emits_one(qtbot, controls, lambda: qtbot.keyClick(controls.padding, Qt.Key.Key_Down))
    assert spec.padding == "same"
    spec = emits_one(qtbot, controls, lambda: qtbot.keyClick(controls.padding, Qt.Key.Key_Up))
    assert spec.padding == "valid"


def test_activation_lists_every_keras_name(controls: ConvControls, qtbot) -> None:  # type: ignore[no-untyped-def]
    names = [controls.activation.itemData(i) for i in range(controls.activation.count())]
    assert names == list(ACTIVATIONS)
    assert controls.activation.itemText(names.index("linear")) == "None (linear)"
    assert controls.activation.currentText() == "None (linear)"
    spec = emits_one(qtbot, controls, lambda: controls.activation.setCurrentIndex(names.index("relu")))
    assert spec.activation == "relu"
    spec = emits_one(qtbot, controls, lambda: qtbot.keyClick(controls.activation, Qt.Key.Key_Down))
    assert spec.activation == names[names.index("relu") + 1]


def test_use_bias_click(controls: ConvControls, qtbot) -> None:  # type: ignore[no-untyped-def]
    assert controls.use_bias.isChecked()
    spec = emits_one(qtbot, controls, lambda: qtbot.mouseClick(controls.use_bias, Qt.MouseButton.LeftButton))
    assert spec.use_bias is False


def test_an_edit_keeps_everything_else_from_the_last_spec(controls: ConvControls, qtbot) -> None:  # type: ignore[no-untyped-def]
    base = ConvSpec(3, (5, 5), strides=(2, 2), padding="same", activation="relu", use_bias=False)
    controls.set_spec(base)
    spec = emits_one(qtbot, controls, lambda: press_up(qtbot, controls.filters))
    assert spec == ConvSpec(4, (5, 5), strides=(2, 2), padding="same", activation="relu", use_bias=False)
    assert spec is not base


# ------------------------------------------------------------------ refusals


def test_stride_then_dilation_is_refused_where_the_person_looks(controls: ConvControls, qtbot) -> None:  # type: ignore[no-untyped-def]
    spec = emits_one(qtbot, controls, lambda: press_up(qtbot, controls.stride_h))
    assert spec.strides == (2, 2)
    with qtbot.assertNotEmitted(controls.spec_edited):
        press_up(qtbot, controls.dilation_h)
    text = controls.problem_text()
    assert "strides" in text
    assert "dilation_rate" in text
    assert controls.problem.isVisible()
    assert controls.problem.toolTip() == text
    assert controls.problem.wordWrap()
    # Nothing is lost and nothing is silently disabled: dilation is back at 1, everything still editable.
    assert (controls.dilation_h.value(), controls.dilation_w.value()) == (1, 1)
    assert (controls.stride_h.value(), controls.stride_w.value()) == (2, 2)
    assert all(getattr(controls, name).isEnabled() for name in CONTROLS)
    # The next good edit clears the message.
    spec = emits_one(qtbot, controls, lambda: press_up(qtbot, controls.filters))
    assert spec == ConvSpec(2, strides=(2, 2))
    assert controls.problem_text() == ""
    assert not controls.problem.isVisible()


def test_typed_refusal_puts_the_typed_box_back(controls: ConvControls, qtbot) -> None:  # type: ignore[no-untyped-def]
    controls.set_spec(ConvSpec(dilation_rate=(2, 2)))
    qtbot.mouseClick(controls.stride_link, Qt.MouseButton.LeftButton)
    with qtbot.assertNotEmitted(controls.spec_edited):
        type_into(qtbot, controls.stride_w, "3")
    assert controls.stride_w.value() == 1
    assert "strides (1, 3)" in controls.problem_text()


def test_show_problem_shows_and_hides(controls: ConvControls) -> None:
    message = "a 7x7 kernel does not fit a 5x5 input with padding='valid'"
    controls.show_problem(message)
    assert controls.problem_text() == message
    assert controls.problem.isVisible()
    assert controls.problem.toolTip() == message
    # The problem sits right under the controls.
    bias_bottom = controls.use_bias.mapTo(controls, controls.use_bias.rect().bottomLeft()).y()
    assert 0 <= controls.problem.geometry().top() - bias_bottom < 20
    controls.show_problem("")
    assert controls.problem_text() == ""
    assert not controls.problem.isVisible()


# ------------------------------------------------------------------ labels, tooltips, keyboard, size


def test_every_control_has_a_tooltip_and_an_accessible_name(controls: ConvControls) -> None:
    for name in CONTROLS:
        widget = getattr(controls, name)
        assert widget.toolTip().strip(), name
        assert widget.accessibleName().strip(), name
    for i in range(controls.padding.count()):
        assert controls.padding.itemData(i, Qt.ItemDataRole.ToolTipRole)
    assert "zero" in controls.padding.toolTip()
    assert "skips" in controls.stride_h.toolTip()
    assert "5x5" in controls.dilation_h.toolTip()


def test_labels_are_the_keras_argument_names(controls: ConvControls) -> None:
    from PySide6.QtWidgets import QLabel

    texts = {label.text() for label in controls.findChildren(QLabel)}
    assert {"filters", "kernel_size", "strides", "padding", "dilation_rate", "activation", "use_bias"} <= texts


def test_tab_order_follows_the_layout(controls: ConvControls) -> None:
    wanted = [getattr(controls, name) for name in CONTROLS]
    order: list[QWidget] = []
    widget: QWidget = controls.filters
    for _ in range(200):
        if widget in wanted and widget not in order:
            order.append(widget)
        widget = widget.nextInFocusChain()
        if widget is controls.filters:
            break
    assert order == wanted
    assert all(w.focusPolicy() & Qt.FocusPolicy.TabFocus for w in wanted)


def test_fits_a_narrow_pane(controls: ConvControls) -> None:
    controls.show_problem("strides (2, 2) and dilation_rate (2, 2) cannot both be above 1: Keras Conv2D refuses")
    assert controls.minimumSizeHint().width() <= 320
    for name in CONTROLS:
        widget = getattr(controls, name)
        right = widget.mapTo(controls, widget.rect().topRight()).x()
        assert right < controls.width(), name


def test_a_bigger_font_reaches_every_control(controls: ConvControls, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Projector mode scales the font: the problem text and the spinbox widths must follow."""
    controls.show_problem("refused")
    width_before = controls.kernel_h.minimumWidth()
    font = controls.font()
    font.setPointSizeF(font.pointSizeF() * 2)
    controls.setFont(font)
    qtbot.waitUntil(lambda: controls.kernel_h.minimumWidth() > width_before)
    assert controls.problem.font().pointSizeF() == pytest.approx(font.pointSizeF())
    assert controls.problem.palette().color(controls.problem.foregroundRole()).red() > 150
