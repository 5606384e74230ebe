"""StepPanel driven as a person would: clicks, keys, typing; it asks for absolute steps and never echoes."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QWidget

from kernelscope.core import engine
from kernelscope.core.arithmetic import groups_text, step_text
from kernelscope.ui.widgets.step_panel import StepPanel

LINE_KERNEL = np.array([[1, 1, 1], [-1, -1, -1], [1, 1, 1]], np.float32).reshape(3, 3, 1, 1)


def article_result() -> engine.ConvResult:
    x = np.ones((5, 5), np.float32)
    for i in range(5):
        x[i, i] = x[i, 4 - i] = -1
    return engine.compute(x, LINE_KERNEL, np.zeros(1, np.float32), engine.ConvSpec(activation="relu"))


def big_result() -> engine.ConvResult:
    rng = np.random.default_rng(3)
    return engine.compute(
        rng.random((9, 9, 3), dtype=np.float32), rng.normal(size=(7, 7, 3, 1)).astype(np.float32),
        np.array([0.5], np.float32), engine.ConvSpec(kernel_size=7, padding="same", activation="sigmoid"),
    )


@pytest.fixture
def panel(qtbot) -> StepPanel:  # type: ignore[no-untyped-def]
    widget = StepPanel()
    qtbot.addWidget(widget)
    widget.resize(420, 420)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def record(signal) -> list:  # type: ignore[no-untyped-def]
    seen: list = []
    signal.connect(seen.append)
    return seen


def click(qtbot, button: QWidget) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


# ------------------------------------------------------------------ transport


@pytest.mark.parametrize(
    ("button", "at", "asked"),
    [
        ("first_button", 4, 0),
        ("back_button", 4, 3),
        ("forward_button", 4, 5),
        ("last_button", 4, 8),
        ("back_button", 0, 0),  # clamped at the start
        ("first_button", 0, 0),
        ("forward_button", 8, 8),  # clamped at the end
        ("last_button", 8, 8),
    ],
)
def test_buttons_ask_for_absolute_clamped_steps(qtbot, panel: StepPanel, button: str, at: int, asked: int) -> None:  # type: ignore[no-untyped-def]
    panel.set_steps(9)
    panel.set_step(at)
    seen = record(panel.step_requested)
    click(qtbot, getattr(panel, button))
    assert seen == [asked]
    assert panel.step() == at  # the panel asks; only set_step moves it


def test_slider_scrubs(qtbot, panel: StepPanel) -> None:  # type: ignore[no-untyped-def]
    panel.set_steps(25)
    panel.set_step(3)
    seen = record(panel.step_requested)
    qtbot.keyClick(panel.slider, Qt.Key.Key_Right)
    assert seen == [4]
    qtbot.keyClick(panel.slider, Qt.Key.Key_End)
    assert seen == [4, 24]
    panel.slider.setValue(11)  # what a drag does, one value at a time
    assert seen == [4, 24, 11]
    assert (panel.slider.minimum(), panel.slider.maximum()) == (0, 24)


def test_set_step_emits_nothing_and_shows_the_position(qtbot, panel: StepPanel) -> None:  # type: ignore[no-untyped-def]
    seen = record(panel.step_requested)
    panel.set_steps(9)
    assert panel.position_label.text() == "step 1 of 9"
    panel.set_step(7)
    assert panel.position_label.text() == "step 8 of 9"
    assert panel.slider.value() == 7
    assert seen == []
    # A smaller result keeps the step inside the new range, still silently.
    panel.set_steps(4)
    assert panel.position_label.text() == "step 4 of 4"
    assert (panel.slider.value(), panel.slider.maximum(), panel.step(), panel.steps()) == (3, 3, 3, 4)
    assert seen == []
    with pytest.raises(ValueError, match=r"outside 0\.\.3"):
        panel.set_step(4)
    with pytest.raises(ValueError, match="at least one step"):
        panel.set_steps(0)


def test_one_step_disables_the_transport(qtbot, panel: StepPanel) -> None:  # type: ignore[no-untyped-def]
    panel.set_steps(9)
    panel.set_playing(True)
    panel.set_steps(1)
    moving = (panel.first_button, panel.back_button, panel.play_button, panel.forward_button,
              panel.last_button, panel.slider)
    assert not any(w.isEnabled() for w in moving)
    assert not panel.play_button.isChecked()
    assert panel.position_label.text() == "step 1 of 1"
    assert panel.speed_box.isEnabled()
    assert panel.reveal_box.isEnabled()
    panel.set_steps(2)
    assert all(w.isEnabled() for w in moving)


def test_play_toggles_and_set_playing_is_silent(qtbot, panel: StepPanel) -> None:  # type: ignore[no-untyped-def]
    panel.set_steps(9)
    seen = record(panel.play_toggled)
    assert panel.play_button.text() == "▶"
    click(qtbot, panel.play_button)
    assert seen == [True]
    assert panel.play_button.isChecked()
    assert panel.play_button.text() == "⏸"
    assert panel.play_button.accessibleName() == "Pause"
    click(qtbot, panel.play_button)
    assert seen == [True, False]
    assert panel.play_button.text() == "▶"
    panel.set_playing(True)
    assert panel.play_button.isChecked()
    assert panel.play_button.text() == "⏸"
    panel.set_playing(False)
    assert seen == [True, False]
    assert not panel.play_button.isChecked()


def test_speed(qtbot, panel: StepPanel) -> None:  # type: ignore[no-untyped-def]
    box = panel.speed_box
    assert panel.speed() == 2.0
    assert (box.minimum(), box.maximum(), box.suffix()) == (0.5, 20.0, " steps/s")
    seen = record(panel.speed_changed)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Up)
    assert seen == [2.5]
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(box.lineEdit(), "12")
    assert seen == [2.5]  # no emits while typing...
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert seen == [2.5, 12.0]  # ...one on Enter
    assert panel.speed() == 12.0
    box.setValue(50)
    assert panel.speed() == 20.0


def test_reveal_and_kernel_overlay(qtbot, panel: StepPanel) -> None:  # type: ignore[no-untyped-def]
    reveals, overlays = record(panel.reveal_toggled), record(panel.kernel_overlay_toggled)
    assert (panel.reveal(), panel.kernel_overlay()) == (False, False)
    click(qtbot, panel.reveal_box)
    click(qtbot, panel.overlay_box)
    assert (reveals, overlays) == ([True], [True])
    assert (panel.reveal(), panel.kernel_overlay()) == (True, True)
    qtbot.keyClick(panel.overlay_box, Qt.Key.Key_Space)
    assert overlays == [True, False]


def test_controls_are_named_keyboard_reachable_and_say_their_keys(panel: StepPanel) -> None:
    keys = {"first_button": "Home", "back_button": "Left", "play_button": "Space",
            "forward_button": "Right", "last_button": "End"}
    for name, key in keys.items():
        button = getattr(panel, name)
        assert f"({key})" in button.toolTip()
        assert not button.icon().isNull()
    for widget in (*[getattr(panel, n) for n in keys], panel.speed_box, panel.slider, panel.reveal_box,
                   panel.overlay_box, panel.products, panel.summary, panel.title, panel.position_label):
        assert widget.accessibleName()
    for widget in (*[getattr(panel, n) for n in keys], panel.speed_box, panel.slider, panel.reveal_box,
                   panel.overlay_box):
        assert widget.focusPolicy() & Qt.FocusPolicy.TabFocus


# ------------------------------------------------------------------ the arithmetic


def test_article_first_step_is_shown(panel: StepPanel) -> None:
    result = article_result()
    text = step_text(result.trace(0, 0, 0))
    panel.set_steps(result.steps)
    panel.set_step(0)
    panel.set_text(text)
    assert panel.title.text() == "filter 1, output row 0, column 0"
    assert panel.products.isReadOnly()
    shown = panel.products.toPlainText().splitlines()
    assert [line.split() for line in shown] == [line.split() for line in text.groups[0].lines]
    assert shown[0] == "-1 x  1 = -1"  # the article's own alignment
    assert panel.products.toPlainText() == groups_text(text, aligned=True)
    assert panel.summary.text() == "SUM = 1\n+ bias 0 = 1\nrelu -> 1"
    assert panel.summary.font().bold()
    assert panel.products.font().fixedPitch()


def test_summary_stays_visible_with_147_terms(qtbot, panel: StepPanel) -> None:  # type: ignore[no-untyped-def]
    result = big_result()
    panel.set_steps(result.steps)
    panel.set_step(40)
    panel.set_text(step_text(result.trace(0, 4, 4), "RGB"))
    qtbot.waitUntil(lambda: panel.products.verticalScrollBar().maximum() > 0)
    # The summary is the panel's own below the scrolling box, never inside it.
    assert not panel.products.isAncestorOf(panel.summary)
    assert panel.isAncestorOf(panel.summary)
    assert panel.summary.isVisible()
    assert panel.summary.text().startswith("SUM = ")
    assert panel.summary.text().splitlines()[-1].startswith("sigmoid -> ")
    # The layout settles on the next turn of the event loop.
    qtbot.waitUntil(lambda: panel.summary.height() >= 3 * panel.summary.fontMetrics().lineSpacing())
    products = panel.products.geometry()
    summary = QRect(panel.summary.mapTo(panel, QPoint(0, 0)), panel.summary.size())
    assert summary.top() > products.bottom()
    assert summary.bottom() <= panel.rect().bottom()
    assert panel.products.toPlainText().count(" x ") == 147


def test_scroll_position_survives_the_next_step(qtbot, panel: StepPanel) -> None:  # type: ignore[no-untyped-def]
    result = big_result()
    panel.set_steps(result.steps)
    panel.set_text(step_text(result.trace(0, 0, 0), "RGB"))
    bar = panel.products.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 60)
    bar.setValue(60)  # the student scrolled down to channel G
    panel.set_step(1)
    panel.set_text(step_text(result.trace(0, 0, 1), "RGB"))
    assert bar.value() == 60
