"""Which channel of a scene to show and paint (the input), or to edit (the kernel): R, G, B for a
picture, numbered channels for any other count (a stack's input, a layer's maps)."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QComboBox, QTabBar, QWidget

RGB = ("R", "G", "B")


def channel_names(channels: int) -> list[str]:
    """R, G, B for three channels, 1 to C otherwise."""
    return list(RGB) if channels == 3 else [str(i + 1) for i in range(channels)]


class InputChannelPicker(QComboBox):
    """All channels at once (in colour for RGB), or one of them alone."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._channels = 0
        self.set_channels(3)
        self.setAccessibleName("Input channel")
        self.setToolTip("Show and paint one channel of the input, or all of them")

    def set_channels(self, channels: int) -> None:
        """Offer the channels of an input of ``channels`` channels; the choice stays while it exists."""
        if channels == self._channels:
            return
        index = self.currentIndex()
        self.blockSignals(True)
        self.clear()
        first = "colour (all channels)" if channels == 3 else "all channels (mean)"
        self.addItem(first)
        for name in channel_names(channels):
            self.addItem(f"{name} only" if channels == 3 else f"channel {name} only")
        self.setCurrentIndex(index if 0 <= index <= channels else 0)
        self.blockSignals(False)
        self._channels = channels

    def channel(self, channels: int) -> int | None:
        """The channel shown and painted in a scene of ``channels`` channels; None for all."""
        index = self.currentIndex()
        return index - 1 if 0 < index <= channels and channels >= 2 else None


class KernelChannelTabs(QTabBar):
    """Each filter has one kh x kw kernel per input channel: the tab picks which one to edit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setUsesScrollButtons(True)
        self.set_channels(3)
        self.setAccessibleName("Kernel channel")
        self.setToolTip("Each filter has one kh x kw kernel per input channel: pick which to edit")

    _short = False  # the channel's name alone: "channel R" three times did not fit a projector's pane

    def set_channels(self, channels: int) -> None:
        """One tab per input channel; the current one stays while it exists."""
        names = [name if self._short else f"channel {name}" for name in channel_names(channels)]
        if [self.tabText(i) for i in range(self.count())] == names:
            return
        current = self.currentIndex()
        self.blockSignals(True)
        while self.count():
            self.removeTab(0)
        for name in names:
            self.addTab(name)
        self.setCurrentIndex(min(max(current, 0), channels - 1))
        self.blockSignals(False)
        for i, name in enumerate(channel_names(channels)):
            self.setTabToolTip(i, f"channel {name}")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_names()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_names()

    def _fit_names(self) -> None:
        """Short names when the long ones would need the scroll arrows (a few channels only: with many,
        the arrows are how to reach them)."""
        count = self.count()
        if not 1 < count <= 4 or self.width() <= 0:
            return
        long = sum(self.fontMetrics().horizontalAdvance(f"channel {self.tabText(i).split()[-1]}") + 30
                   for i in range(count))
        short = long > self.width()
        if short != self._short:
            self._short = short
            current = self.currentIndex()
            names = channel_names(count)
            for i in range(count):
                self.setTabText(i, names[i] if short else f"channel {names[i]}")
            self.setCurrentIndex(current)

    def channel(self, channels: int) -> int:
        """The channel edited in kernels of ``channels`` channels."""
        return self.currentIndex() if channels > 1 and self.count() == channels else 0
