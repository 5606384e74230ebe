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
