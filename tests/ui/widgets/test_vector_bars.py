"""VectorBars alone: values in through ``set_values``; clicks, keys and renames out as intents."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QColor, QFont, QHelpEvent, QPalette
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QPlainTextEdit, QToolTip

from kernelscope.core.arithmetic import format_number
from kernelscope.core.colour_scale import WINDOW_RED
from kernelscope.ui.widgets.vector_bars import NEGATIVE, POSITIVE, PROBABILITY, PROBABILITY_ON_DARK, VectorBars

PROBS = np.array([0.05, 0.873, 0.027, 0.05], np.float32)
CLASSES = ["cat", "dog", "", "bird"]


@pytest.fixture
def bars(qtbot) -> VectorBars:  # type: ignore[no-untyped-def]
    widget = VectorBars()
    qtbot.addWidget(widget)
    widget.resize(420, 300)
    widget.set_values(PROBS, CLASSES, probabilities=True)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def emitted(bars: VectorBars) -> list[tuple[str, tuple]]:
    log: list[tuple[str, tuple]] = []
    for name in ("unit_clicked", "class_names_edited"):
        getattr(bars, name).connect(lambda *args, name=name: log.append((name, args)))
    return log


def seen(bars: VectorBars, point: QPoint) -> QColor:
    return bars.viewport().grab().toImage().pixelColor(point)


def test_every_value_is_shown_with_its_name_or_index_and_its_percentage(bars: VectorBars) -> None:
    assert bars.row_texts() == [
        ("cat", "0.05  (5.0%)"),
        ("dog", "0.873  (87.3%)"),
        ("2", "0.027  (2.7%)"),  # a blank name shows the index
        ("bird", "0.05  (5.0%)"),
    ]
    assert "most likely: dog (87.3%)" in bars.summary.text()


def test_probability_bars_run_from_zero_to_one_and_the_largest_stands_out(bars: VectorBars) -> None:
    full = bars.bar_rect(1)
    track_width = bars.geometry_for(bars.viewport().width()).bar_width
    assert abs(full.width() - 0.873 * track_width) <= 1.5
    assert bars.bar_rect(0).left() == bars.bar_rect(1).left() == bars.zero_x()
    assert bars.emphasized() == 1
    best = seen(bars, bars.bar_rect(1).center())
    other = seen(bars, QPoint(bars.bar_rect(0).left() + 1, bars.bar_rect(0).center().y()))
    assert best == PROBABILITY
    assert other != best
    assert other.lightness() > best.lightness()


def test_signed_values_grow_from_a_zero_line_scaled_to_the_largest_magnitude(bars: VectorBars) -> None:
    bars.set_values(np.array([2.0, -1.0, 0.5, -4.0]), [], probabilities=False)
    assert bars.row_texts() == [("0", "2"), ("1", "-1"), ("2", "0.5"), ("3", "-4")]
    zero = bars.zero_x()
    assert bars.bar_rect(0).left() == zero
    assert bars.bar_rect(1).right() < zero
    assert bars.bar_rect(3).width() == pytest.approx(2 * bars.bar_rect(0).width(), abs=2)
    assert bars.bar_rect(3).width() == pytest.approx(8 * bars.bar_rect(2).width(), abs=8)
    assert seen(bars, bars.bar_rect(0).center()) == POSITIVE
    assert seen(bars, bars.bar_rect(3).center()) == NEGATIVE
    bars.set_values(np.array([1.0, 3.0]), [], probabilities=False)  # all positive: zero on the left
    assert bars.zero_x() == bars.geometry_for(bars.viewport().width()).bar_left


def test_clicking_a_bar_asks_for_its_unit(bars: VectorBars, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(bars.viewport(), Qt.MouseButton.LeftButton, pos=bars.bar_rect(2).center())
    qtbot.mouseClick(bars.viewport(), Qt.MouseButton.LeftButton, pos=bars.label_rect(3).center())
    assert emitted == [("unit_clicked", (2,)), ("unit_clicked", (3,))]
    assert bars.current() is None  # asked, not applied: the window answers with set_current


def test_the_current_unit_is_framed_in_red(bars: VectorBars) -> None:
    bars.set_current(1)
    row = bars.row_rect(1)
    assert seen(bars, QPoint(row.left() + 1, row.center().y())) == QColor(*WINDOW_RED)
    assert seen(bars, QPoint(row.left() + 1, bars.row_rect(2).center().y())) != QColor(*WINDOW_RED)
    bars.set_current(None)
    assert seen(bars, QPoint(row.left() + 1, row.center().y())) != QColor(*WINDOW_RED)


def test_double_clicking_a_name_renames_it(bars: VectorBars, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseDClick(bars.viewport(), Qt.MouseButton.LeftButton, pos=bars.label_rect(2).center())
    editor = bars.name_editor()
    assert editor is not None
    assert editor.isVisible()
    qtbot.keyClicks(editor, "fish")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert ("class_names_edited", (["cat", "dog", "fish", "bird"],)) in emitted
    assert bars.name_editor() is None
    assert bars.row_texts()[2][0] == "2"  # asked, not applied
    bars.set_values(PROBS, ["cat", "dog", "fish", "bird"], probabilities=True)
    assert bars.row_texts()[2][0] == "fish"


def test_a_name_can_be_cleared_back_to_the_index_and_escape_keeps_it(bars: VectorBars, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    bars.area.setFocus()
    qtbot.mouseClick(bars.viewport(), Qt.MouseButton.LeftButton, pos=bars.bar_rect(0).center())
    qtbot.keyClick(bars.area, Qt.Key.Key_F2)  # the keyboard's way to rename the focused unit
    editor = bars.name_editor()
    assert editor is not None
    assert editor.text() == "cat"
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert bars.name_editor() is None
    assert [e for e in emitted if e[0] == "class_names_edited"] == []
    qtbot.keyClick(bars.area, Qt.Key.Key_F2)
    editor = bars.name_editor()
    assert editor is not None
    qtbot.keyClick(editor, Qt.Key.Key_Backspace)  # the whole name is selected
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert emitted[-1] == ("class_names_edited", (["", "dog", "", "bird"],))


def test_the_names_dialog_takes_one_name_a_line(bars: VectorBars, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(bars.edit_names, Qt.MouseButton.LeftButton)
    dialog = bars.names_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    text = dialog.findChild(QPlainTextEdit, "names")
    assert text.toPlainText() == "cat\ndog\n\nbird"
    text.selectAll()
    qtbot.keyClicks(text, "zero")
    qtbot.keyClick(text, Qt.Key.Key_Return)
    qtbot.keyClicks(text, "one")
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert emitted == [("class_names_edited", (["zero", "one", "", ""],))]  # missing lines: the index


def test_arrow_keys_ask_for_the_neighbouring_unit(bars: VectorBars, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    bars.area.setFocus()
    bars.set_current(1)
    qtbot.keyClick(bars.area, Qt.Key.Key_Down)
    qtbot.keyClick(bars.area, Qt.Key.Key_End)
    qtbot.keyClick(bars.area, Qt.Key.Key_Home)
    assert emitted == [("unit_clicked", (2,)), ("unit_clicked", (3,)), ("unit_clicked", (0,))]


def test_hovering_a_bar_tells_its_index_name_and_value(bars: VectorBars, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    shown: list[str] = []
    monkeypatch.setattr(QToolTip, "showText", lambda pos, text, widget=None: shown.append(text))
    for row in (1, 2):
        pos = bars.bar_rect(row).center()
        QApplication.sendEvent(bars.viewport(), QHelpEvent(QEvent.Type.ToolTip, pos, bars.viewport().mapToGlobal(pos)))
    assert shown == ["unit 1 dog: 0.873  (87.3%)", "unit 2: 0.027  (2.7%)"]


def test_four_thousand_values_scroll_to_the_current_one(bars: VectorBars, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    values = np.sin(np.arange(4096, dtype=np.float32))
    bars.set_values(values, [], probabilities=False)
    assert bars.count() == 4096
    bars.set_current(4000)
    assert 4000 in bars.visible_rows()
    assert len(bars.visible_rows()) < 40  # a screenful is painted, not 4096 rows
    row = bars.row_rect(4000)
    assert 0 <= row.top()
    assert row.bottom() < bars.viewport().height()
    assert seen(bars, QPoint(row.left() + 1, row.center().y())) == QColor(*WINDOW_RED)
    qtbot.mouseClick(bars.viewport(), Qt.MouseButton.LeftButton, pos=bars.label_rect(4000).center())
    assert emitted == [("unit_clicked", (4000,))]
    assert bars.row_texts()[4000] == ("4000", format_number(float(values[4000])))
    assert not bars.grab().isNull()


def test_an_empty_message_replaces_the_bars(bars: VectorBars, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    bars.set_empty("not computed: layer 3 does not fit")
    assert bars.empty_text() == "not computed: layer 3 does not fit"
    assert bars.count() == 0
    assert bars.row_texts() == []
    assert not bars.edit_names.isEnabled()
    image = bars.viewport().grab().toImage()
    base = bars.palette().base().color()
    centre_row = [image.pixelColor(x, image.height() // 2) for x in range(image.width())]
    assert any(c != base for c in centre_row)  # the message is written across the middle
    qtbot.mouseClick(bars.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(20, 10))
    assert emitted == []
    bars.set_values(PROBS, CLASSES, probabilities=True)
    assert bars.empty_text() is None
    assert bars.edit_names.isEnabled()


def test_projector_type_and_thick_frames_make_rows_taller(bars: VectorBars) -> None:
    height, frame = bars.row_height(), bars.frame_width()
    bars.set_thick(True)
    assert bars.row_height() > height
    assert bars.frame_width() > frame
    font = QFont(bars.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    before = bars.row_height()
    bars.setFont(font)
    assert bars.row_height() > before
    label = bars.label_rect(1)
    assert label.width() >= bars.area.fontMetrics().horizontalAdvance("dog")  # names are not cut


def test_picture_renders_every_row_of_a_short_output(bars: VectorBars) -> None:
    image = bars.picture()
    assert image.height() == 4 * bars.row_height()
    assert image.width() >= 320
    assert image.pixelColor(bars.bar_rect(1).center().x(), bars.row_height() + bars.row_height() // 2) == PROBABILITY


def test_a_dark_theme_lifts_the_bars_off_the_background(bars: VectorBars) -> None:
    palette = QPalette(bars.palette())
    palette.setColor(QPalette.ColorRole.Base, QColor(20, 21, 24))
    palette.setColor(QPalette.ColorRole.Text, QColor(235, 235, 235))
    bars.setPalette(palette)
    assert seen(bars, bars.bar_rect(1).center()) == PROBABILITY_ON_DARK
    assert seen(bars, QPoint(2, bars.row_rect(3).center().y())) == QColor(20, 21, 24)
