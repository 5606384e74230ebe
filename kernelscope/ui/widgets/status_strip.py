"""The strip under the panes: the lesson's note, the live Keras line, the pasted-line field, the
output shape with its formula, and the message line where refusals are explained."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from kernelscope.ui.theme import problem_red


def monospace(point_size: float | None = None) -> QFont:
    font = QFont("DejaVu Sans Mono")
    font.setStyleHint(QFont.StyleHint.Monospace)
    if point_size is not None:
        font.setPointSizeF(point_size)
    return font


class StatusStrip(QWidget):
    """Text only: it shows what it is given and emits nothing (``line_paste`` sits in its middle)."""

    def __init__(self, line_paste: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lesson_label = QLabel()
        self.lesson_label.setWordWrap(True)
        self.lesson_label.setAccessibleName("What to notice")
        self.keras_line = QLabel()
        self.keras_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.keras_line.setToolTip("The Keras code that builds this layer (select to copy)")
        self.shape_label = QLabel()
        self.shape_label.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setVisible(False)  # an empty line is room the panes need: it shows with a message
        self._colour_message()
        self._advanced = (self.lesson_label, self.keras_line, line_paste, self.shape_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 2)
        layout.setSpacing(2)
        for widget in (self.lesson_label, self.keras_line, line_paste, self.shape_label, self.message):
            layout.addWidget(widget)
        self.apply_fonts(self.font())

    def set_lesson(self, title: str, notes: str) -> None:
        text = f"<b>{escape(title, quote=False)}</b>  {escape(notes, quote=False)}" if title or notes else ""
        self.lesson_label.setText(text)
        self.lesson_label.setVisible(bool(text) and not self._projector)

    def set_layer_text(self, keras_line: str, shape: str) -> None:
        """The live ``layers.Conv2D(...)`` line and "output ... parameters ... height: ..." below it."""
        self.keras_line.setText(keras_line)
        self.shape_label.setText(shape)

    def show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _colour_message(self) -> None:
        """Red on whatever the theme's window colour is now (dark red on black was unreadable)."""
        palette = QPalette()  # only the ink set: every other role keeps following the theme
        palette.setColor(self.message.foregroundRole(), problem_red(self.palette().color(QPalette.ColorRole.Window)))
        self.message.setPalette(palette)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._colour_message()

    _projector = False

    def set_projector(self, on: bool) -> None:
        """The class sees only the message; the code, the paste field and the formula go."""
        self._projector = on
        for widget in self._advanced:
            widget.setVisible(not on and (widget is not self.lesson_label or bool(self.lesson_label.text())))

    def apply_fonts(self, base: QFont) -> None:
        """Follow the application font (the projector's UI scale): explicitly set fonts do not."""
        for label in (self.keras_line, self.shape_label):
            label.setFont(monospace(base.pointSizeF()))
        bold = QFont(base)
        bold.setBold(True)
        self.message.setFont(bold)
        self.lesson_label.setFont(base)
