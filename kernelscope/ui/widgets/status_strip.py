"""The strip under the panes: the lesson's note, the live Keras line, the pasted-line field, the
output shape with its formula, and the message line where refusals are explained."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from kernelscope.ui.theme import problem_red

SHORT_WINDOW_PX = 820  # below this window height (a 1280x800 laptop too) the lesson's note keeps to its first sentence
_SHORT_NOTE_CHARS = 120


def first_sentence(notes: str) -> str:
    """The note's opening sentence, at most a line or so: the rest is a click (or a tooltip) away."""
    end = notes.find(". ")
    head = notes if end < 0 else notes[: end + 1]
    if len(head) > _SHORT_NOTE_CHARS:
        head = head[: head.rfind(" ", 0, _SHORT_NOTE_CHARS)].rstrip(",;:") + "\u2026"
    return head


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
        self.lesson_label.linkActivated.connect(self._on_note_link)
        self._lesson = ("", "")
        self._short = False  # a short window: the note keeps to its first sentence unless expanded
        self._expanded = False
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
        layout.setContentsMargins(8, 1, 8, 1)
        layout.setSpacing(1)
        for widget in (self.lesson_label, self.keras_line, line_paste, self.shape_label, self.message):
            layout.addWidget(widget)
        self.apply_fonts(self.font())

    def set_lesson(self, title: str, notes: str) -> None:
        if (title, notes) != self._lesson:
            self._lesson, self._expanded = (title, notes), False
        self._show_lesson()

    def _show_lesson(self) -> None:
        title, notes = self._lesson
        text = f"<b>{escape(title, quote=False)}</b>  " if title or notes else ""
        head = first_sentence(notes)
        if self._short and head != notes:
            more = "less" if self._expanded else "more"
            shown = notes if self._expanded else self._one_line(title, head)
            text += f"{escape(shown, quote=False)} <a href=\"{more}\">{more}</a>"
        elif text:
            text += escape(notes, quote=False)
        self.lesson_label.setText(text)
        self.lesson_label.setToolTip(notes if self._short and not self._expanded and head != notes else "")
        self.lesson_label.setVisible(bool(text) and not self._projector)

    def _one_line(self, title: str, head: str) -> str:
        """``head`` cut to what fits beside the title and the link on one line of this strip."""
        bold = QFont(self.lesson_label.font())
        bold.setBold(True)
        room = (self.window().width() - 40 - QFontMetrics(bold).horizontalAdvance(title + "  ")
                - self.lesson_label.fontMetrics().horizontalAdvance(" more"))
        return self.lesson_label.fontMetrics().elidedText(head, Qt.TextElideMode.ElideRight, max(room, 80))

    def _on_note_link(self, link: str) -> None:
        self._expanded = link == "more"
        self._show_lesson()

    def set_short(self, short: bool) -> None:
        """A short window (a netbook) keeps the note to a line: the panes need the height."""
        if short != self._short:
            self._short = short
            self._show_lesson()

    def showEvent(self, event: QEvent) -> None:  # type: ignore[override]
        super().showEvent(event)  # type: ignore[arg-type]
        self.window().installEventFilter(self)  # its height decides how much of the note shows
        self.set_short(self.window().height() < SHORT_WINDOW_PX)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.window():
            short = self.window().height() < SHORT_WINDOW_PX
            if short or short != self._short:  # a narrower short window cuts the sentence anew
                self._short = short
                self._show_lesson()
        return False

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
