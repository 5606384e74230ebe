"""A pane's heading: bold, a fifth larger than the application font, and free to wrap."""

from __future__ import annotations

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QWidget


class Heading(QLabel):
    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        # "Feature maps  148x148x32" in projector type is wider than a pane of a 1024-wide screen:
        # it may break onto two lines rather than push the window past the screen's edge.
        self.setWordWrap(True)
        self.apply_font(self.font())

    def apply_font(self, base: QFont) -> None:
        """Follow ``base`` (the application font, which the projector scales)."""
        font = QFont(base)
        font.setPointSizeF(base.pointSizeF() * 1.2)
        font.setBold(True)
        self.setFont(font)
