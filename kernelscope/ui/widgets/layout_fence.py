"""A holder that stops a label's every text change from relaying out the whole window.

``QLabel.setText`` always calls ``updateGeometry``, and a layout that is asked again asks its
parent, up to the top-level window: stepping (three labels a frame) then recomputed every size
hint of the window each frame, about a quarter of a step's budget. The fence keeps its content
out of the layout system and asks for a relayout itself only when the content's size hints
really change (a summary that gains a line, a font change).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

__all__ = ["LayoutFence"]


class LayoutFence(QWidget):
    """Holds one widget, sized to fill the fence, and passes its size hints on."""

    def __init__(self, content: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.content = content
        content.setParent(self)
        content.installEventFilter(self)  # its Show/Hide, which reach no layout from in here
        self._hints = self._current_hints()
        self.setSizePolicy(content.sizePolicy())

    def _current_hints(self) -> tuple[int, QSizePolicy, bool]:
        """What decides the fence's place: the height the content needs at the fence's width
        (widths are left to the layout: a label's width hint follows every digit of its text)."""
        c = self.content
        height = c.heightForWidth(self.width()) if c.hasHeightForWidth() else c.sizeHint().height()
        return height, c.sizePolicy(), c.isHidden()

    def refresh(self) -> None:
        """Relayout the window only if the content now needs another height (or was hidden or shown)."""
        hints = self._current_hints()
        if hints != self._hints:
            self._hints = hints
            self.setSizePolicy(self.content.sizePolicy())
            self.setVisible(not self.content.isHidden())
            self.updateGeometry()

    # ------------------------------------------------------------------ QWidget
    def sizeHint(self) -> QSize:
        return self.content.sizeHint()

    def minimumSizeHint(self) -> QSize:
        return self.content.minimumSizeHint()

    def hasHeightForWidth(self) -> bool:
        return self.content.hasHeightForWidth()

    def heightForWidth(self, width: int) -> int:
        return self.content.heightForWidth(width)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.content.setGeometry(self.rect())
        super().resizeEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:  # what the content's updateGeometry posts here
            self.refresh()
        return super().event(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.content and event.type() in (QEvent.Type.ShowToParent, QEvent.Type.HideToParent):
            self.refresh()
        return False
