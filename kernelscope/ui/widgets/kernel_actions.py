"""Everything done to the selected filter besides typing: bias, rotate, flip, negate, normalize,
presets and "randomize like Keras". It emits intents; the document applies them."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QAction, QResizeEvent
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from kernelscope.core.intents import KernelTransform

TRANSFORMS = (
    (KernelTransform.ROTATE, "Rotate", "Rotate this filter's kernel 90 degrees counter-clockwise"),
    (KernelTransform.FLIP_H, "Flip ↔", "Mirror the kernel left to right"),
    (KernelTransform.FLIP_V, "Flip ↕", "Mirror the kernel top to bottom"),
    (KernelTransform.NEGATE, "Negate", "Multiply every weight by -1: what was bright becomes dark"),
    (
        KernelTransform.NORMALIZE,
        "Normalize",
        "Scale the weights so they sum to 1 (a blur keeps the image's brightness)",
    ),
)


class KernelActions(QWidget):
    bias_edited = Signal(float)
    transform_requested = Signal(object)  # KernelTransform
    preset_requested = Signal(str)
    randomize_requested = Signal(int)

    def __init__(self, presets: Sequence[tuple[str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.bias = QDoubleSpinBox()
        self.bias.setRange(-1e6, 1e6)
        self.bias.setDecimals(3)
        self.bias.setSingleStep(0.1)
        self.bias.setKeyboardTracking(False)
        self.bias.setAccessibleName("Bias of the selected filter")
        self.bias.setToolTip("Added to every value of this filter's map, after the sum and before the activation")
        self.bias.valueChanged.connect(self._on_bias)

        self.buttons: dict[str, QPushButton] = {}
        self._grid = QGridLayout()
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(2)
        self._columns = 0
        for key, text, tip in TRANSFORMS:
            b = QPushButton(text)
            b.setToolTip(tip)
            b.setAccessibleName(tip)
            b.setStyleSheet("padding: 2px 4px")  # five in a row in a narrow pane: the kernel keeps the height
            b.clicked.connect(lambda _=False, k=key: self.transform_requested.emit(k))
            self.buttons[key.value] = b

        self.presets = QToolButton()
        self.presets.setText("Presets ▾")
        self.presets.setToolTip("Put a well-known kernel into this filter")
        self.presets.setAccessibleName("Kernel presets")
        self.presets.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.presets)
        self.preset_actions: dict[str, QAction] = {}
        for name, description in presets:
            action = menu.addAction(name)
            action.setToolTip(description)
            action.triggered.connect(lambda _=False, n=name: self.preset_requested.emit(n))
            self.preset_actions[name] = action
        menu.setToolTipsVisible(True)
        self.presets.setMenu(menu)

        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setAccessibleName("Random seed")
        self.seed.setToolTip("The seed of the random weights: the same seed gives the same kernels again")
        self.randomize = QPushButton("Randomize like Keras")
        self.randomize.setToolTip(
            "Every filter gets new weights the way Keras starts a layer (glorot_uniform: uniform in "
            "±sqrt(6 / (fan_in + fan_out))); biases go back to 0"
        )
        self.randomize.clicked.connect(lambda: self.randomize_requested.emit(self.seed.value()))

        bias_row = QHBoxLayout()
        bias_row.addWidget(QLabel("bias"))
        bias_row.addWidget(self.bias, 1)
        bias_row.addWidget(self.presets)
        random_row = QHBoxLayout()
        random_row.addWidget(self.randomize, 1)
        random_row.addWidget(QLabel("seed"))
        random_row.addWidget(self.seed)

        self._bias_row, self._random_row = bias_row, random_row
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(bias_row)
        layout.addLayout(self._grid)
        layout.addLayout(random_row)
        self._place_buttons(len(TRANSFORMS))

    def _place_buttons(self, columns: int) -> None:
        """The transforms in rows of ``columns``: all five in one row when the pane is wide enough."""
        if columns == self._columns:
            return
        self._columns = columns
        for i, b in enumerate(self.buttons.values()):
            self._grid.addWidget(b, i // columns, i % columns)

    def _width_of(self, columns: int) -> int:
        """The widest row of transform buttons ``columns`` to a row."""
        needed = [b.sizeHint().width() for b in self.buttons.values()]
        rows = [needed[i : i + columns] for i in range(0, len(needed), columns)]
        return max(sum(r) + self._grid.spacing() * (len(r) - 1) for r in rows)

    def _columns_that_fit(self, width: int) -> int:
        return next((c for c in range(len(self.buttons), 2, -1) if self._width_of(c) <= width), 2)

    def sizeHint(self) -> QSize:
        """As wide as three buttons a row: five share a row only where the pane is wider anyway."""
        hint = super().sizeHint()
        rows = (self._bias_row.sizeHint().width(), self._random_row.sizeHint().width(), self._width_of(3))
        return QSize(max(rows), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_buttons(self._columns_that_fit(self.width()))

    def minimumSizeHint(self) -> QSize:
        """As narrow as two buttons a row (the pane's width decides how many share a row)."""
        hint = super().minimumSizeHint()
        two = max(b.sizeHint().width() for b in self.buttons.values()) * 2 + self._grid.spacing()
        return QSize(min(hint.width(), max(two, self.randomize.sizeHint().width() + 80)), hint.height())

    def set_bias(self, value: float, enabled: bool) -> None:
        self.bias.blockSignals(True)
        self.bias.setValue(value)
        self.bias.blockSignals(False)
        self.bias.setEnabled(enabled)
        self.bias.setToolTip(
            "Added to every value of this filter's map, after the sum and before the activation"
            if enabled
            else "use_bias is off: this layer adds no bias"
        )

    def set_seed(self, seed: int) -> None:
        self.seed.setValue(seed)

    def seed_value(self) -> int:
        """The seed "randomize like Keras" uses next."""
        return int(self.seed.value())

    def _on_bias(self, value: float) -> None:
        self.bias_edited.emit(float(value))
