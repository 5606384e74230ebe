"""The field where a practitioner pastes a ``Conv2D(...)`` line; it emits the text, the window parses."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QFont, QKeyEvent, QKeySequence, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from kernelscope.ui.theme import problem_red


class PasteField(QLineEdit):
    """A line edit that, while it still holds the line just applied, leaves undo and redo to the window:
    after Enter, Ctrl+Z means "undo the paste", not "empty the box"."""

    applied = ""

    def event(self, e: QEvent) -> bool:
        if (e.type() == QEvent.Type.ShortcutOverride and isinstance(e, QKeyEvent) and self.applied
                and self.text() == self.applied
                and (e.matches(QKeySequence.StandardKey.Undo) or e.matches(QKeySequence.StandardKey.Redo))):
            e.ignore()
            return False
        return super().event(e)


class LinePaste(QWidget):
    line_submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = PasteField()
        self.field.setPlaceholderText(
            'paste a layer: Conv2D(32, (3, 3), activation="relu", input_shape=(150, 150, 3))'
        )
        self.field.setAccessibleName("Paste a Conv2D line")
        self.field.setToolTip(
            "Paste a Keras Conv2D line (model.add(...), layers.Conv2D(...), positional or keyword) and press "
            "Enter: the layer is set from it. It is read, never run."
        )
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.field.setFont(mono)
        self.apply = QPushButton("Use this layer")
        self.apply.setToolTip("Set the layer from the pasted line (Enter)")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.field, 1)
        row.addWidget(self.apply)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.field.returnPressed.connect(self._submit)
        self.apply.clicked.connect(self._submit)

    def _submit(self) -> None:
        text = self.field.text().strip()
        if text:
            self.line_submitted.emit(text)

    def focus_field(self) -> None:
        """Ready for a paste: focus the field with its text selected (Edit > Paste a Conv2D line)."""
        self.field.setFocus()
        self.field.selectAll()

    def show_result(self, text: str, ok: bool) -> None:
        """A refusal in red (the text stays for fixing) or what was applied and ignored."""
        self._ok = ok
        self._colour_message()
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.field.applied = self.field.text() if ok else ""

    _ok = True

    def _colour_message(self) -> None:
        """The usual ink, or a red readable on the theme's window colour."""
        palette = QPalette()  # only the ink set: every other role keeps following the theme
        ink = self.palette().windowText().color() if self._ok else problem_red(self.palette().window().color())
        palette.setColor(QPalette.ColorRole.WindowText, ink)
        self.message.setPalette(palette)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._colour_message()  # a theme change: the red follows the new window colour
