"""LinePaste alone: a pasted Conv2D line out as ``line_submitted``, the verdict in through ``show_result``."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette

from kernelscope.ui.widgets.line_paste import LinePaste

LINE = 'model.add(layers.Conv2D(32,(3,3),activation="relu",input_shape=(150,150,3)))'


@pytest.fixture
def paste(qtbot) -> LinePaste:  # type: ignore[no-untyped-def]
    widget = LinePaste()
    qtbot.addWidget(widget)
    widget.resize(640, widget.sizeHint().height())
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def submitted(paste: LinePaste) -> list[str]:
    log: list[str] = []
    paste.line_submitted.connect(log.append)
    return log


def test_enter_submits_the_line(paste: LinePaste, submitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(paste.field, "  " + LINE + " ")
    assert submitted == []  # nothing per keystroke
    with qtbot.waitSignal(paste.line_submitted) as blocker:
        qtbot.keyClick(paste.field, Qt.Key.Key_Return)
    assert blocker.args == [LINE]  # the spaces around it trimmed
    assert paste.field.text() == "  " + LINE + " "  # left in the field, to fix or paste again


def test_the_button_submits_too(paste: LinePaste, submitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClicks(paste.field, "Conv2D(8, 5)")
    qtbot.mouseClick(paste.apply, Qt.MouseButton.LeftButton)
    assert submitted == ["Conv2D(8, 5)"]


def test_an_empty_field_submits_nothing(paste: LinePaste, submitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(paste.field, Qt.Key.Key_Return)
    qtbot.keyClicks(paste.field, "   ")
    qtbot.mouseClick(paste.apply, Qt.MouseButton.LeftButton)
    assert submitted == []


def reddest(paste: LinePaste) -> tuple[int, int, int]:
    """The most saturated red pixel of the message as drawn (its ink, when it is written in red)."""
    image = paste.message.grab().toImage()
    best = (0, 0, 0)
    for x in range(image.width()):
        for y in range(image.height()):
            c = image.pixelColor(x, y)
            if c.red() - c.green() > best[0] - best[1]:
                best = (c.red(), c.green(), c.blue())
    return best


def test_a_refusal_is_shown_in_red_and_an_answer_in_the_usual_ink(paste: LinePaste, submitted) -> None:  # type: ignore[no-untyped-def]
    assert not paste.message.isVisible()
    paste.show_result("kernel_size: expected two whole numbers, got (0, 3)", ok=False)
    assert paste.message.isVisible()
    assert paste.message.text() == "kernel_size: expected two whole numbers, got (0, 3)"
    red, green, _ = reddest(paste)
    assert red - green > 100
    paste.show_result("Set Conv2D(32, (3, 3)); ignored: input_shape", ok=True)
    assert paste.message.isVisible()
    ink = paste.message.palette().color(QPalette.ColorRole.WindowText)
    assert ink == paste.palette().windowText().color()
    red, green, _ = reddest(paste)
    assert red - green < 40
    paste.show_result("", ok=True)
    assert not paste.message.isVisible()
    assert submitted == []
