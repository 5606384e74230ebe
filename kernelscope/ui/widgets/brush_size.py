"""The brush width for painting: 1, 3 or 5 cells, three toggle buttons of which one is always down."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QHBoxLayout, QLabel, QToolButton, QWidget

from kernelscope.core.paint_tools import BRUSH_SIZES


class BrushSizePicker(QWidget):
    """Emits ``size_chosen(n)`` when a person picks a width; ``set_size`` shows one without emitting,
    so the window can mirror the grid's size without a loop."""

    size_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Brush width"))
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        for size in BRUSH_SIZES:
            button = QToolButton(self)
            button.setText(str(size))
            button.setCheckable(True)
            button.setAccessibleName(f"Brush {size}")
            cells = "one cell" if size == 1 else f"{size}x{size} cells around the pointer"
            button.setToolTip(f"Paint {cells} with the pen and the line (big grids: a photo)")
            self._group.addButton(button, size)
            layout.addWidget(button)
        layout.addStretch(1)
        self._group.button(BRUSH_SIZES[0]).setChecked(True)
        self._group.idClicked.connect(self.size_chosen)
        self.setAccessibleName("Brush size")

    def chosen_size(self) -> int:
        """The width shown as chosen (QWidget.size() is the geometry, hence the longer name)."""
        return self._group.checkedId()

    def set_size(self, size: int) -> None:
        """Show ``size`` as chosen (no signal); refuses a width that is not a button."""
        button = self._group.button(size)
        if button is None:
            raise ValueError(f"the brush is {', '.join(map(str, BRUSH_SIZES))} cells wide, not {size!r}")
        button.setChecked(True)
