"""A 1024x600 netbook: every bundled lesson fits, the kernel's actions and the layer's settings show
without scrolling (the middle pane tabs them when short), and the SUM line keeps off the products."""

from __future__ import annotations

from html import escape

import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QApplication, QComboBox, QScrollArea, QWidget

from kernelscope.files.lessons import list_lessons, load_lesson
from kernelscope.ui.layout import MiddleColumn
from kernelscope.ui.main_window import MainWindow
from tests.ui.gui import open_window

NETBOOK = (1024, 600)
CONTROLS = (QAbstractButton, QAbstractSpinBox, QComboBox)


def in_window(w: MainWindow, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(w, widget.rect().topLeft()), widget.size())


def seen_whole(w: MainWindow, widget: QWidget) -> bool:
    """Inside the window and inside the visible part of every scroll area around it: what a person sees."""
    box = in_window(w, widget)
    if not w.rect().contains(box):
        return False
    parent = widget.parentWidget()
    while parent is not None and parent is not w:
        if isinstance(parent, QScrollArea) and not in_window(w, parent.viewport()).contains(box):
            return False
        parent = parent.parentWidget()
    return True


def unseen_controls(w: MainWindow, holder: QWidget) -> list[str]:
    return [f"{type(c).__name__} {getattr(c, 'text', lambda: '')()}" for c in holder.findChildren(QWidget)
            if isinstance(c, CONTROLS) and c.isVisible() and not seen_whole(w, c)]


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


@pytest.mark.parametrize("lesson", list_lessons(), ids=lambda ls: ls.name[:2])
def test_every_lesson_shows_every_middle_control_at_1024x600(qtbot, lesson) -> None:  # type: ignore[no-untyped-def]
    w = open_window(qtbot, load_lesson(lesson), size=NETBOOK)
    settle()
    assert (w.width(), w.height()) == NETBOOK  # the window is not pushed taller than the screen
    middle = w.findChild(MiddleColumn)
    assert middle is not None
    assert w.kernel_actions.isVisible()  # a short screen shows the kernel first
    assert not middle.verticalScrollBar().isVisible()
    assert unseen_controls(w, w.kernel_actions) == []
    assert unseen_controls(w, w.filter_list) == []
    assert seen_whole(w, w.kernel_grid)
    if middle.tabbed():  # one click on "Layer": its settings, whole
        middle.tabs.setCurrentIndex(0)
        settle()
    assert w.conv_controls.isVisible()
    assert unseen_controls(w, w.conv_controls) == []
    assert not middle.verticalScrollBar().isVisible()


@pytest.mark.parametrize("lesson", [ls for ls in list_lessons() if ls.name.startswith(("01", "09", "12"))],
                         ids=lambda ls: ls.name[:2])
def test_the_sum_line_keeps_off_the_products_at_1024x600(qtbot, lesson) -> None:  # type: ignore[no-untyped-def]
    w = open_window(qtbot, load_lesson(lesson), size=NETBOOK)
    settle()
    panel = w.step_panel
    products, summary = in_window(w, panel.products), in_window(w, panel.summary)
    assert summary.height() >= panel.summary.fontMetrics().height()
    assert not products.intersects(summary), (products, summary)
    assert in_window(w, panel).contains(summary)


def test_a_tall_window_shows_both_blocks_one_over_the_other(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = open_window(qtbot, size=(1280, 1000))
    settle()
    middle = w.findChild(MiddleColumn)
    assert not middle.tabbed()
    assert w.conv_controls.isVisible()
    assert w.kernel_actions.isVisible()
    w.resize(*NETBOOK)
    settle()
    assert middle.tabbed()
    w.resize(1280, 1000)
    settle()
    assert not middle.tabbed()
    assert w.conv_controls.isVisible()
    assert w.kernel_actions.isVisible()


def test_a_short_window_keeps_the_note_to_its_first_sentence_and_more_shows_it_all(qtbot) -> None:  # type: ignore[no-untyped-def]
    lesson = next(ls for ls in list_lessons() if ls.name.startswith("12"))
    w = open_window(qtbot, load_lesson(lesson), size=NETBOOK)
    settle()
    label, notes = w.status_strip.lesson_label, w.document.notes
    first, second = (escape(part, quote=False) for part in notes.split(". ")[:2])  # as the label's rich text
    assert first in label.text()
    assert second not in label.text()
    assert label.toolTip() == notes  # the whole note under the pointer
    assert label.height() <= 2 * label.fontMetrics().lineSpacing()
    label.linkActivated.emit("more")  # what clicking the "more" link sends
    assert second in label.text()
    assert 'href="less"' in label.text()
    w.resize(1280, 1000)
    settle()
    assert second in label.text()
    assert "href" not in label.text()  # room for it all: no link


def test_a_deep_models_layer_list_scrolls_on_a_short_screen_and_shows_whole_on_a_laptop(qtbot) -> None:  # type: ignore[no-untyped-def]
    from kernelscope.files.lessons import find_lesson

    lesson = load_lesson(find_lesson("13"))  # seven layers
    w = open_window(qtbot, lesson, size=NETBOOK)
    settle()
    table = w.stack_view.layer_list.table
    assert table.verticalScrollBar().isVisible()  # four rows show, the rest scroll
    w.controller.select_layer(6)
    settle()
    last = table.visualItemRect(table.item(6, 0))
    assert table.viewport().rect().contains(last)  # the picked layer is brought into view
    w.resize(1280, 800)
    settle()
    assert not table.verticalScrollBar().isVisible()  # a laptop's 800 px show all seven


def test_a_layer_that_no_longer_fits_says_so_on_the_tab_shown_at_1024x600(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The problem and its "Fit its weights" button sit with the weights, on the Kernel tab a short
    screen opens on, not behind the Layer tab."""
    from kernelscope.files.lessons import find_lesson

    w = open_window(qtbot, load_lesson(find_lesson("11")), size=NETBOOK)
    settle()
    config = {"filters": 16, "kernel_size": [3, 3], "activation": "relu"}
    w.document.set_layer_config(0, config)  # conv2d_1's kernels still read 32 channels
    w.controller.select_layer(2)
    qtbot.waitUntil(lambda: not w.document.computing, timeout=20_000)
    settle()
    middle = w.findChild(MiddleColumn)
    assert w.document.problem is not None
    assert middle.tabbed()
    assert middle.tabs.currentIndex() == 1  # the kernel's tab, as a short screen opens
    assert w.stack_view.problem_box.isVisible()
    assert seen_whole(w, w.stack_view.fit_button)
