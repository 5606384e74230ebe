"""GifOptionsDialog alone: From/To counted from 1, the frame count it makes, and the 2,500-frame cap refused
with OK disabled."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QAbstractSpinBox, QDialog, QDialogButtonBox

from kernelscope.ui.widgets.gif_options import GifOptions, GifOptionsDialog, GifRequest, default_range

CAP = 2500
REFUSAL = "At most 2,500 frames: choose a range of at most 2,500 steps."


def request(steps: int = 9, current: int = 4, fps: float = 2.0) -> GifRequest:
    return GifRequest("layer 1 (conv2d)", "filter 3 of 32", steps, current, fps, (0.5, 20.0), CAP)


@pytest.fixture
def open_dialog(qtbot):  # type: ignore[no-untyped-def]
    def make(req: GifRequest) -> GifOptionsDialog:
        dialog = GifOptionsDialog(req)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    return make


def type_into(qtbot, box: QAbstractSpinBox, text: str) -> None:  # type: ignore[no-untyped-def]
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, text)


def test_a_small_layer_offers_every_step_at_the_windows_speed(open_dialog) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(request(steps=9, current=4, fps=3.5))
    shown = [label.text() for label in dialog.findChildren(type(dialog.frames_label))]
    assert "layer 1 (conv2d)" in shown
    assert "filter 3 of 32" in shown
    assert "1 to 9 (the window is at 5)" in shown
    assert (dialog.from_box.value(), dialog.to_box.value()) == (1, 9)
    assert (dialog.from_box.minimum(), dialog.from_box.maximum()) == (1, 9)
    assert (dialog.to_box.minimum(), dialog.to_box.maximum()) == (1, 9)
    assert dialog.fps_box.value() == 3.5
    assert dialog.frames_label.text() == "9 frames, 2.6 s a loop"
    assert dialog.problem_label.text() == "A GIF has one frame a step, at most 2,500."
    assert not dialog.problem_label.font().bold()
    assert dialog.ok_button().isEnabled()
    assert dialog.options() == GifOptions(0, 8, 3.5)


def test_a_layer_over_the_cap_offers_the_cap_around_the_current_step(open_dialog) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(request(steps=21904, current=10000))
    assert (dialog.from_box.value(), dialog.to_box.value()) == (8751, 11250)
    assert dialog.frames_label.text() == "2,500 frames, 20 min 50 s a loop"
    assert dialog.ok_button().isEnabled()
    assert dialog.options() == GifOptions(8750, 11249, 2.0)
    assert dialog.options().frames == CAP


@pytest.mark.parametrize(("steps", "current", "expected"), [
    (9, 4, (0, 8)), (2500, 2499, (0, 2499)), (2501, 0, (0, 2499)), (2501, 2500, (1, 2500)),
    (21904, 10000, (8750, 11249)), (21904, 21903, (19404, 21903)), (21904, 100, (0, 2499)),
])
def test_the_default_range_holds_the_current_step_and_fits_the_cap(
    steps: int, current: int, expected: tuple[int, int]
) -> None:
    first, last = default_range(steps, current, CAP)
    assert (first, last) == expected
    assert first <= current <= last
    assert 0 <= first
    assert last < steps
    assert last - first + 1 == min(steps, CAP)


def test_typing_a_range_over_the_cap_says_so_and_disables_ok(open_dialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(request(steps=21904, current=0))
    type_into(qtbot, dialog.to_box, "21904")
    assert dialog.to_box.value() == 21904
    assert dialog.frames_label.text() == "21,904 frames, 182 min 32 s a loop"
    assert dialog.problem_label.text() == REFUSAL
    assert dialog.problem_label.font().bold()
    assert not dialog.ok_button().isEnabled()
    type_into(qtbot, dialog.from_box, "19405")
    assert dialog.frames_label.text() == "2,500 frames, 20 min 50 s a loop"
    assert dialog.ok_button().isEnabled()
    assert not dialog.problem_label.font().bold()
    type_into(qtbot, dialog.from_box, "19404")
    assert dialog.problem_label.text() == REFUSAL
    assert not dialog.ok_button().isEnabled()


def test_from_after_to_is_refused(open_dialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(request())
    type_into(qtbot, dialog.to_box, "3")
    type_into(qtbot, dialog.from_box, "5")
    assert dialog.frames_label.text() == "no frames"
    assert dialog.problem_label.text() == "From is after To: choose a first step at most 3."
    assert not dialog.ok_button().isEnabled()
    type_into(qtbot, dialog.from_box, "3")
    assert dialog.frames_label.text() == "1 frame, 0.5 s a loop"
    assert dialog.ok_button().isEnabled()


def test_typed_values_are_the_options_and_ok_accepts_them(open_dialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(request())
    type_into(qtbot, dialog.from_box, "3")
    type_into(qtbot, dialog.to_box, "6")
    type_into(qtbot, dialog.fps_box, "8")
    assert dialog.frames_label.text() == "4 frames, 0.5 s a loop"
    qtbot.mouseClick(dialog.ok_button(), Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.options() == GifOptions(2, 5, 8.0)


def test_cancel_rejects(open_dialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(request())
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_the_refusal_fits_without_clipping_in_a_large_font(open_dialog, qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(request(steps=21904, current=0))
    big = QFont(dialog.font())
    big.setPointSize(24)
    dialog.setFont(big)  # as a larger application font reaches it
    qtbot.waitUntil(lambda: dialog.size().width() >= dialog.minimumSizeHint().width())
    size_before = dialog.size()
    type_into(qtbot, dialog.to_box, "21904")
    label = dialog.problem_label
    assert label.text() == REFUSAL
    assert label.font().pointSize() == 24
    assert label.contentsRect().width() >= QFontMetrics(label.font()).horizontalAdvance(REFUSAL)
    assert dialog.rect().contains(label.geometry())
    assert dialog.size() == size_before  # room was kept for it: typing never resizes the dialog
