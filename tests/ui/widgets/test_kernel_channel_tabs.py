"""KernelChannelTabs alone: three channels in a narrow pane (a projector's kernel pane) keep every
tab whole by naming the channel alone; a wide pane says "channel R" again."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from kernelscope.ui.widgets.channel_picker import KernelChannelTabs


def texts(tabs: KernelChannelTabs) -> list[str]:
    return [tabs.tabText(i) for i in range(tabs.count())]


def test_a_narrow_bar_names_the_channels_alone_and_keeps_every_tab_whole(qtbot) -> None:  # type: ignore[no-untyped-def]
    tabs = KernelChannelTabs()
    qtbot.addWidget(tabs)
    tabs.resize(600, 30)
    tabs.show()
    QApplication.processEvents()
    assert texts(tabs) == ["channel R", "channel G", "channel B"]
    tabs.setCurrentIndex(2)
    tabs.resize(2 * tabs.fontMetrics().horizontalAdvance("channel R"), 30)  # room for one long name and a bit
    QApplication.processEvents()
    assert texts(tabs) == ["R", "G", "B"]
    assert sum(tabs.tabRect(i).width() for i in range(3)) <= tabs.width()  # no scroll arrows needed
    assert tabs.tabToolTip(0) == "channel R"
    assert tabs.currentIndex() == 2
    tabs.resize(600, 30)
    QApplication.processEvents()
    assert texts(tabs) == ["channel R", "channel G", "channel B"]


def test_hundreds_of_channels_are_picked_with_a_spin_box(qtbot) -> None:  # type: ignore[no-untyped-def]
    """256 or 512 tabs were reached only with scroll arrows: past 16 a "channel [n] of 512" box."""
    from PySide6.QtCore import QPoint, QPointF, Qt
    from PySide6.QtGui import QWheelEvent

    from kernelscope.ui.widgets.channel_picker import MOST_TABS

    picker = KernelChannelTabs()
    qtbot.addWidget(picker)
    picker.resize(300, 40)
    picker.show()
    picker.setCurrentIndex(1)
    picker.set_channels(512)
    assert picker.spin.isVisible()
    assert not picker.tabs.isVisible()
    assert picker.spin.of.text() == "of 512"
    assert picker.channel(512) == 1  # the channel chosen stays
    box = picker.spin.box
    with qtbot.waitSignal(picker.currentChanged) as blocker:
        qtbot.keyClick(box, Qt.Key.Key_Up)
    assert blocker.args == [2]
    assert picker.channel(512) == 2
    box.lineEdit().selectAll()
    qtbot.keyClicks(box, "300")
    with qtbot.waitSignal(picker.currentChanged) as blocker:
        qtbot.keyClick(box, Qt.Key.Key_Return)
    assert blocker.args == [299]
    centre = QPointF(box.rect().center())
    wheel = QWheelEvent(centre, box.mapToGlobal(centre), QPoint(), QPoint(0, -120), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    with qtbot.waitSignal(picker.currentChanged) as blocker:
        QApplication.sendEvent(box, wheel)
    assert blocker.args == [298]
    picker.set_channels(MOST_TABS)
    assert picker.tabs.isVisible()
    assert not picker.spin.isVisible()
    assert picker.count() == MOST_TABS
    assert picker.currentIndex() == MOST_TABS - 1  # the nearest channel that still exists
    assert texts(picker)[-1] == f"channel {MOST_TABS}"
