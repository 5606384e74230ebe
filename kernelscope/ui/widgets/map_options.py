"""How the feature maps are drawn: colour map, one scale or one per map, before or after activation."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLabel, QWidget

from kernelscope.core.colour_scale import COLORMAPS


class MapOptions(QWidget):
    colormap_chosen = Signal(str)
    shared_scale_toggled = Signal(bool)
    show_activation_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colormap = QComboBox()
        # Sized by a short name, not the longest label: in projector type the longest pushed the
        # window past a 1024-wide screen. The open list still shows every label whole.
        self.colormap.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.colormap.setMinimumContentsLength(12)
        for name, cmap in COLORMAPS.items():
            self.colormap.addItem(cmap.label, name)
            kind = "diverging: 0 is white, negatives and positives in two colours" if cmap.diverging else (
                "sequential: from the smallest value to the largest"
            )
            self.colormap.setItemData(self.colormap.count() - 1, kind, Qt.ItemDataRole.ToolTipRole)
        self.colormap.setAccessibleName("Colour map")
        self.colormap.setToolTip(
            "Diverging maps put 0 in the middle (white): negative blue, positive red. "
            "Sequential maps run from the smallest value to the largest."
        )
        self.shared = QCheckBox("one scale")
        self.shared.setToolTip(
            "On: the same colour means the same number on every map. Off: each map uses its full range."
        )
        self.activated = QCheckBox("after activation")
        self.activated.setToolTip(
            "On: the maps after the activation (what the layer outputs). Off: the sums before it."
        )
        self.colormap.currentIndexChanged.connect(lambda i: self.colormap_chosen.emit(self.colormap.itemData(i)))
        self.shared.toggled.connect(self.shared_scale_toggled)
        self.activated.toggled.connect(self.show_activation_toggled)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("colours"), 0, 0)
        layout.addWidget(self.colormap, 0, 1, 1, 2)
        layout.addWidget(self.shared, 1, 1)
        layout.addWidget(self.activated, 1, 2)
        layout.setColumnStretch(3, 1)

    def set_state(self, colormap: str, shared: bool, show_activation: bool, has_activation: bool) -> None:
        for w in (self.colormap, self.shared, self.activated):
            w.blockSignals(True)
        self.colormap.setCurrentIndex(max(0, self.colormap.findData(colormap)))
        self.shared.setChecked(shared)
        self.activated.setChecked(show_activation)
        self.activated.setEnabled(has_activation)
        for w in (self.colormap, self.shared, self.activated):
            w.blockSignals(False)
