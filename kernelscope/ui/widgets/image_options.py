"""What to make of an opened picture: grey or RGB, the grid size, and how to fit it."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

SIZES = (("its own size (at most 512)", None), ("28 x 28 (MNIST)", 28), ("64 x 64", 64),
         ("150 x 150 (the article)", 150), ("custom", -1))
FITS = (("crop (keep the aspect)", "crop"), ("pad (keep the aspect)", "pad"), ("stretch", "stretch"))


@dataclass(frozen=True)
class ImageOptions:
    channels: int
    size: tuple[int, int] | None  # (width, height), None: the picture's own size
    fit: str


class ImageOptionsDialog(QDialog):
    """Asked when a picture is opened. The boxes are ``*_box``: a plain ``size`` would hide
    ``QWidget.size()``."""

    def __init__(self, name: str, colour: bool, parent: QWidget | None = None, keep_channels: int | None = None,
                 keep_size: tuple[int, int] | None = None) -> None:
        """``keep_channels`` and ``keep_size`` (width, height): what the model's input fixes, shown
        and not offered."""
        super().__init__(parent)
        self.setWindowTitle(f"Open {name}")
        self.channels_box = QComboBox()
        self.channels_box.addItem("RGB (3 channels)", 3)
        self.channels_box.addItem("grey (1 channel)", 1)
        self.channels_box.setCurrentIndex(0 if colour else 1)
        self.channels_box.setToolTip("input_shape's last number: 3 for a colour photo, 1 for grey")
        self.size_box = QComboBox()
        for text, value in SIZES:
            self.size_box.addItem(text, value)
        self.size_box.setToolTip("The input grid's size; Keras layers expect a fixed input_shape")
        self.custom = QSpinBox()
        self.custom.setRange(3, 1024)
        self.custom.setValue(100)
        self.custom.setSuffix(" cells a side")
        self.custom.setEnabled(False)
        self.fit_box = QComboBox()
        for text, fit_name in FITS:
            self.fit_box.addItem(text, fit_name)
        self.fit_box.setToolTip("crop: fill the square and cut the edges; pad: show it all on white; stretch: distort")
        self.size_box.currentIndexChanged.connect(lambda _i: self.custom.setEnabled(self.size_box.currentData() == -1))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(QLabel(f"How should kernelscope read {name}?"))
        form.addRow("channels", self.channels_box)
        form.addRow("size", self.size_box)
        form.addRow("", self.custom)
        form.addRow("fit", self.fit_box)
        form.addRow(buttons)
        self._keep(keep_channels, keep_size)

    def _keep(self, channels: int | None, size: tuple[int, int] | None) -> None:
        why = "the model's input_shape fixes it"
        if channels is not None:
            self.channels_box.setCurrentIndex(max(0, self.channels_box.findData(channels)))
            self.channels_box.setEnabled(False)
            self.channels_box.setToolTip(why)
        if size is not None:
            self.size_box.clear()
            self.size_box.addItem(f"{size[0]} x {size[1]} (the model's input)", size)
            self.size_box.setEnabled(False)
            self.size_box.setToolTip(why)

    def options(self) -> ImageOptions:
        side = self.size_box.currentData()
        if isinstance(side, tuple):
            return ImageOptions(int(self.channels_box.currentData()), side, str(self.fit_box.currentData()))
        if side == -1:
            side = self.custom.value()
        size = None if side is None else (int(side), int(side))
        return ImageOptions(int(self.channels_box.currentData()), size, str(self.fit_box.currentData()))
