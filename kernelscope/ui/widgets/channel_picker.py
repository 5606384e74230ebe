"""Which channel of an RGB scene to show and paint (the input), or to edit (the kernel)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QTabBar, QWidget


class InputChannelPicker(QComboBox):
    """All channels in colour, or one of R, G, B alone."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for text in ("colour (all channels)", "R only", "G only", "B only"):
            self.addItem(text)
        self.setAccessibleName("Input channel")
        self.setToolTip("Show and paint one channel of an RGB input, or all of them")

    def channel(self, channels: int) -> int | None:
        """The channel shown and painted in a scene of ``channels`` channels; None for all."""
        index = self.currentIndex()
        return index - 1 if index > 0 and channels == 3 else None


class KernelChannelTabs(QTabBar):
    """Each filter has one kh x kw kernel per input channel: the tab picks which one to edit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for name in ("R", "G", "B"):
            self.addTab(f"channel {name}")
        self.setAccessibleName("Kernel channel")
        self.setToolTip("Each filter has one kh x kw kernel per input channel: pick which to edit")

    def channel(self, channels: int) -> int:
        """The channel edited in kernels of ``channels`` channels."""
        return self.currentIndex() if channels == 3 else 0
