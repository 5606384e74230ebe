"""Which channel of a scene to show and paint (the input), or to edit (the kernel): R, G, B for a
picture, numbered channels for any other count (a stack's input, a layer's maps)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QSpinBox, QTabBar, QVBoxLayout, QWidget

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


# Above this many input channels the tabs are reached only with scroll arrows: a spin box instead.
MOST_TABS = 16


class _ChannelTabBar(QTabBar):
    """One tab per channel, with names short enough to keep a few tabs whole in a narrow pane."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setUsesScrollButtons(True)

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
        """Short names when the long ones would need the scroll arrows (a few channels only: with more,
        the owner shows a spin box)."""
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


class _ChannelSpin(QWidget):
    """ "channel [n] of 512": every channel one key, one wheel notch or one typed number away."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = QSpinBox()
        self.box.setPrefix("channel ")
        self.box.setAccessibleName("Kernel channel number")
        self.box.setKeyboardTracking(False)  # typing "300" is one choice, not 3, 30 and 300
        self.of = QLabel()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 2, 0, 2)
        row.addWidget(self.box)
        row.addWidget(self.of)
        row.addStretch(1)

    def set_channels(self, channels: int, current: int) -> None:
        self.box.blockSignals(True)
        self.box.setRange(1, max(1, channels))
        self.box.setValue(current + 1)
        self.box.blockSignals(False)
        self.of.setText(f"of {channels}")


class KernelChannelTabs(QWidget):
    """Each filter has one kh x kw kernel per input channel: tabs pick which one to edit, or with many
    channels (a deep layer's 256 or 512) a spin box. ``currentChanged`` is the same either way."""

    currentChanged = Signal(int)  # noqa: N815 (QTabBar's name: the window connects either)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tabs = _ChannelTabBar()
        self.spin = _ChannelSpin()
        self.spin.hide()
        stack = QVBoxLayout(self)
        stack.setContentsMargins(0, 0, 0, 0)
        stack.setSpacing(0)
        stack.addWidget(self.tabs)
        stack.addWidget(self.spin)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._channels = 0
        self.tabs.currentChanged.connect(self._on_tab)
        self.spin.box.valueChanged.connect(self._on_spin)
        self.set_channels(3)
        self.setAccessibleName("Kernel channel")
        self.setToolTip("Each filter has one kh x kw kernel per input channel: pick which to edit")

    def set_channels(self, channels: int) -> None:
        """One tab per input channel (a spin box past ``MOST_TABS``); the current one stays while it exists."""
        current = min(max(self.currentIndex(), 0), max(0, channels - 1))
        many = channels > MOST_TABS
        self._channels = channels
        if many:
            self.spin.set_channels(channels, current)
            self.tabs.blockSignals(True)
            self.tabs.set_channels(1)  # no hundreds of hidden tabs to lay out
            self.tabs.blockSignals(False)
        else:
            self.tabs.set_channels(channels)
            self.tabs.blockSignals(True)
            self.tabs.setCurrentIndex(current)
            self.tabs.blockSignals(False)
        self.tabs.setVisible(not many)
        self.spin.setVisible(many)

    def many(self) -> bool:
        """Whether the channels are picked with the spin box."""
        return self._channels > MOST_TABS

    def currentIndex(self) -> int:  # noqa: N802 (QTabBar's)
        return self.spin.box.value() - 1 if self.many() else self.tabs.currentIndex()

    def setCurrentIndex(self, index: int) -> None:  # noqa: N802 (QTabBar's)
        if self.many():
            self.spin.box.setValue(index + 1)
        else:
            self.tabs.setCurrentIndex(index)

    def count(self) -> int:
        """How many channels there are to pick from."""
        return self._channels if self.many() else self.tabs.count()

    def tabText(self, index: int) -> str:  # noqa: N802 (QTabBar's)
        return self.tabs.tabText(index)

    def tabToolTip(self, index: int) -> str:  # noqa: N802 (QTabBar's)
        return self.tabs.tabToolTip(index)

    def tabRect(self, index: int) -> QRect:  # noqa: N802 (QTabBar's)
        return self.tabs.tabRect(index)

    def channel(self, channels: int) -> int:
        """The channel edited in kernels of ``channels`` channels."""
        return self.currentIndex() if channels > 1 and self.count() == channels else 0

    def _on_tab(self, index: int) -> None:
        if not self.many():
            self.currentChanged.emit(index)

    def _on_spin(self, value: int) -> None:
        if self.many():
            self.currentChanged.emit(value - 1)
