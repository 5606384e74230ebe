"""A vector output (a Dense layer's units, a Flatten's or a global pooling's values) as one
horizontal bar per value, labelled with its class name or index and its number.

Only the rows in view are painted, so a Flatten's thousands of values scroll as smoothly as ten
class scores. The widget never edits data: a click asks for a unit, a rename asks for new names.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from kernelscope.core.arithmetic import format_number
from kernelscope.core.colour_scale import WINDOW_RED, weight_colour
from kernelscope.ui.theme import luminance

POSITIVE = QColor(*(round(c * 255) for c in weight_colour(0.85)))  # the kernel's red and blue:
NEGATIVE = QColor(*(round(c * 255) for c in weight_colour(-0.85)))  # the sign reads the same everywhere
PROBABILITY = QColor(38, 110, 220)
PROBABILITY_ON_DARK = QColor(90, 150, 240)  # the same blue lifted off a dark background
FRAME_RED = QColor(*WINDOW_RED)
PICTURE_MAX_ROWS = 100
MEASURE_ALL = 256  # an export of more rows than this shows the rows in view


@dataclass(frozen=True)
class RowGeometry:
    """Where a row's parts go across the width: the label, the bar zone and the number."""

    label_left: int
    label_width: int
    bar_left: int
    bar_width: int
    value_left: int
    value_width: int


def value_text(value: float, probabilities: bool) -> str:
    """``0.873  (87.3%)`` for a probability, the number alone otherwise."""
    text = format_number(value)
    if probabilities and np.isfinite(value):
        text += f"  ({value * 100:.1f}%)"
    return text


def widest(fm: QFontMetrics, texts: Sequence[str]) -> int:
    """The widest of ``texts`` in pixels, measuring only the longest few (thousands of labels stay cheap)."""
    return max((fm.horizontalAdvance(t) for t in heapq.nlargest(24, texts, key=len)), default=0)


class BarArea(QAbstractScrollArea):
    """The scrolling rows. Painting covers the exposed rows only."""

    def __init__(self, owner: VectorBars) -> None:
        super().__init__(owner)
        self.owner = owner
        self.viewport().setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self.viewport())
        self.owner.paint_rows(p, event.rect(), self.verticalScrollBar().value(), self.viewport().width())
        p.end()

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self.owner.relayout()

    def viewportEvent(self, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            row = self.owner.row_at(event.pos())
            if row is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.owner.describe(row), self.viewport())
            return True
        if kind == QEvent.Type.MouseButtonPress:
            assert isinstance(event, QMouseEvent)
            row = self.owner.row_at(event.position().toPoint())
            if row is not None and event.button() == Qt.MouseButton.LeftButton:
                self.owner.row_pressed(row)
            return True
        if kind == QEvent.Type.MouseButtonDblClick:
            assert isinstance(event, QMouseEvent)
            row = self.owner.row_at(event.position().toPoint())
            if row is not None:
                self.owner.rename(row)
            return True
        return super().viewportEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.owner.key_pressed(event):
            super().keyPressEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.owner.measure()
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.PaletteChange):
            self.owner.relayout()


class VectorBars(QWidget):
    """One bar per value. ``set_values`` shows them, ``set_current`` frames the stepped unit."""

    unit_clicked = Signal(int)
    class_names_edited = Signal(list)  # every value's name, blanks included

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values = np.zeros(0, np.float64)
        self._names: list[str] = []
        self._texts: list[str | None] = []  # written when first drawn: thousands of values, a screenful seen
        self._probabilities = False
        self._current: int | None = None
        self._focus_row = 0
        self._empty: str | None = "no values"
        self._thick = False
        self._label_advance = 0
        self._value_advance = 0
        self._editor: QLineEdit | None = None
        self._editing_row: int | None = None
        self.names_dialog: QDialog | None = None

        self.area = BarArea(self)
        self.area.setAccessibleName("Output values")
        self.area.setToolTip("")
        self.summary = QLabel(" ")
        self.summary.setAccessibleName("Output summary")
        self.summary.setWordWrap(True)  # a narrow pane wraps the line rather than cut it
        self.edit_names = QPushButton("Edit class names…")
        self.edit_names.setToolTip("Name the values (one name a line); double-click a name or press F2 to rename one")
        self.edit_names.clicked.connect(self.open_names_dialog)

        bottom = QHBoxLayout()
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.edit_names)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.area, 1)
        layout.addLayout(bottom)
        self._bottom = bottom
        self.setAccessibleName("Output bars")
        self.set_empty("no values")

    # ------------------------------------------------------------------ public

    def set_values(self, values: np.ndarray, labels: Sequence[str], probabilities: bool) -> None:
        """Show ``values`` (any shape, read flat) named by ``labels`` (missing or blank: the index).

        ``probabilities`` (a softmax output): bars run 0..1 and each number also reads as a percentage.
        """
        flat = np.asarray(values, dtype=np.float64).reshape(-1)
        n = flat.size
        names = [str(s) for s in list(labels)[:n]]
        self._names = names + [""] * (n - len(names))
        self._values = flat
        self._probabilities = probabilities
        self._texts = [None] * n
        self._empty = None if n else "no values"
        if self._current is not None and self._current >= n:
            self._current = None
        self._focus_row = min(self._focus_row, max(0, n - 1))
        if self._editing_row is not None and self._editing_row >= n:
            self._close_editor(commit=False)
        self.edit_names.setEnabled(n > 0)
        self.summary.setText(self._summary())
        self.measure()
        self.relayout()

    def set_empty(self, text: str) -> None:
        """Show a message instead of bars (e.g. "not computed: layer 3 does not fit")."""
        self._close_editor(commit=False)
        self._values = np.zeros(0, np.float64)
        self._names, self._texts = [], []
        self._current = None
        self._empty = text
        self.edit_names.setEnabled(False)
        self.summary.setText(" ")
        self.relayout()

    def set_current(self, index: int | None) -> None:
        """Frame the stepped unit and scroll it into view (None: no frame)."""
        self._current = index if index is not None and 0 <= index < self._values.size else None
        if self._current is not None:
            self._focus_row = self._current
            self.scroll_to(self._current)
        self.area.viewport().update()

    def set_thick(self, on: bool) -> None:
        """Projector mode: thicker frames and more room between rows (the type follows the font)."""
        self._thick = on
        self.edit_names.setVisible(not on)  # the class reads the values; naming them is for the desk
        self.relayout()

    def current(self) -> int | None:
        return self._current

    def count(self) -> int:
        return int(self._values.size)

    def empty_text(self) -> str | None:
        """The message shown instead of bars, or None when bars are shown."""
        return self._empty

    def row_texts(self) -> list[tuple[str, str]]:
        """Every row's (label, number) as drawn."""
        return [(self.label(i), self.value_text(i)) for i in range(self.count())]

    def value_text(self, i: int) -> str:
        text = self._texts[i]
        if text is None:
            text = self._texts[i] = value_text(float(self._values[i]), self._probabilities)
        return text

    def label(self, i: int) -> str:
        return self._names[i] if self._names[i].strip() else str(i)

    def describe(self, i: int) -> str:
        """The hover text: index, name and value."""
        name = self._names[i].strip()
        named = f" {name}" if name else ""
        return f"unit {i}{named}: {value_text(float(self._values[i]), self._probabilities)}"

    def emphasized(self) -> int | None:
        """The row drawn strongest: the most probable class of a softmax output."""
        if not self._probabilities or not self._values.size or not np.isfinite(self._values).any():
            return None
        return int(np.nanargmax(np.where(np.isfinite(self._values), self._values, -np.inf)))

    def row_height(self) -> int:
        """In projector mode the rows give up their air (never their type) to show every class."""
        preferred = self._preferred_row_height()
        if not self._thick or not self.count():
            return preferred
        least = self.area.fontMetrics().height() + 2 + 2 * self.frame_width()
        return max(least, min(preferred, self.area.viewport().height() // self.count()))

    def _preferred_row_height(self) -> int:
        return int(self.area.fontMetrics().height() * (1.9 if self._thick else 1.6)) + 2

    def frame_width(self) -> int:
        return 4 if self._thick else 2

    def row_rect(self, i: int) -> QRect:
        """Row ``i`` in the coordinates of ``viewport()`` (where clicks land)."""
        h = self.row_height()
        return QRect(0, i * h - self.area.verticalScrollBar().value(), self.area.viewport().width(), h)

    def bar_rect(self, i: int) -> QRect:
        """The bar of value ``i`` in ``viewport()`` coordinates (at least a pixel wide, so a zero can be clicked)."""
        g = self.geometry_for(self.area.viewport().width())
        row = self.row_rect(i)
        bar_h = max(4, int(row.height() * 0.62))
        top = row.top() + (row.height() - bar_h) // 2
        left, right = self._bar_span(float(self._values[i]), g)
        return QRect(left, top, max(1, right - left), bar_h)

    def label_rect(self, i: int) -> QRect:
        g = self.geometry_for(self.area.viewport().width())
        row = self.row_rect(i)
        return QRect(g.label_left, row.top(), g.label_width, row.height())

    def zero_x(self) -> int:
        g = self.geometry_for(self.area.viewport().width())
        return self._zero(g)

    def viewport(self) -> QWidget:
        """The widget the rows are drawn on and clicked in."""
        return self.area.viewport()

    def scroll_to(self, i: int) -> None:
        rect = self.row_rect(i)
        bar = self.area.verticalScrollBar()
        if rect.top() < 0:
            bar.setValue(bar.value() + rect.top())
        elif rect.bottom() >= self.area.viewport().height():
            bar.setValue(bar.value() + rect.bottom() - self.area.viewport().height() + 1)

    def visible_rows(self) -> range:
        h = self.row_height()
        top = self.area.verticalScrollBar().value()
        first = max(0, top // h)
        last = min(self.count(), (top + self.area.viewport().height()) // h + 1)
        return range(first, last)

    def picture(self) -> QImage:
        """The chart for an export: every row when there are few, else the rows in view."""
        width = max(320, self.area.viewport().width())
        if self._empty is not None or self.count() > PICTURE_MAX_ROWS:
            rows = self.visible_rows() if self._empty is None else range(0)
            top = rows.start * self.row_height()
            height = max(self.row_height(), len(rows) * self.row_height())
            if self._empty is not None:
                height = self.area.viewport().height()
        else:
            top, height = 0, self.count() * self.row_height()
        image = QImage(width, height, QImage.Format.Format_ARGB32)
        image.fill(self.palette().base().color())
        p = QPainter(image)
        p.setFont(self.area.font())
        self.paint_rows(p, QRect(0, 0, width, height), top, width)
        p.end()
        return image

    def sizeHint(self) -> QSize:
        fm = self.area.fontMetrics()
        rows = max(4, min(10, self.count() or 10))
        height = rows * self._preferred_row_height() + 2 * self.area.frameWidth() + self._footer_height() + 8
        return QSize(max(320, fm.horizontalAdvance("M") * 30), height)

    def fit_to_rows(self) -> None:
        """No taller than the rows need (up to ten, then they scroll), at this width and at any later
        one: a footer that wraps after a resize must not take a row's room."""
        self._fitted = True
        self.setMaximumHeight(self.sizeHint().height())

    _fitted = False

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fitted and event.size().width() != event.oldSize().width():
            self.setMaximumHeight(self.sizeHint().height())

    def _footer_height(self) -> int:
        """The summary line and the button beside it, as tall as they wrap at this width."""
        bottom = self._bottom
        return bottom.heightForWidth(self.width()) if bottom.hasHeightForWidth() else bottom.sizeHint().height()

    def minimumSizeHint(self) -> QSize:
        fm = self.area.fontMetrics()
        rows = 3 * self._preferred_row_height()
        return QSize(fm.horizontalAdvance("M") * 14, rows + self.edit_names.sizeHint().height())

    # ------------------------------------------------------------------ editing names

    def rename(self, i: int) -> None:
        """Open a line editor over row ``i``'s label; Enter asks for the new name, Escape keeps the old."""
        if not 0 <= i < self.count():
            return
        self._close_editor(commit=False)
        self.scroll_to(i)
        editor = QLineEdit(self._names[i], self.area.viewport())
        editor.setAccessibleName(f"Name of unit {i}")
        editor.setPlaceholderText(str(i))
        editor.installEventFilter(self)
        editor.editingFinished.connect(lambda: self._close_editor(commit=True))
        self._editor, self._editing_row = editor, i
        self._place_editor()
        editor.show()
        editor.selectAll()
        editor.setFocus()

    def name_editor(self) -> QLineEdit | None:
        return self._editor

    def open_names_dialog(self) -> QDialog:
        """A small dialog with every name on its own line (paste a list of classes at once)."""
        dialog = QDialog(self)
        dialog.setWindowTitle("Class names")
        dialog.setAccessibleName("Class names")
        text = QPlainTextEdit(dialog)
        text.setObjectName("names")
        text.setPlainText("\n".join(self._names))
        text.setToolTip("One name a line, in the order of the values; an empty line keeps the index")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dialog)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        layout = QVBoxLayout(dialog)
        layout.addWidget(QLabel(f"{self.count()} names, one a line:", dialog))
        layout.addWidget(text, 1)
        layout.addWidget(buttons)
        fm = self.fontMetrics()
        dialog.resize(fm.horizontalAdvance("M") * 24, fm.height() * 18)

        def accepted() -> None:
            lines = [s.strip() for s in text.toPlainText().split("\n")]
            names = (lines + [""] * self.count())[: self.count()]
            if names != self._names:
                self.class_names_edited.emit(names)

        dialog.accepted.connect(accepted)
        dialog.finished.connect(dialog.deleteLater)
        self.names_dialog = dialog
        dialog.open()
        return dialog

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._editor and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            if event.key() == Qt.Key.Key_Escape:
                self._close_editor(commit=False)
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):  # taken here: it must not reach the rows
                self._close_editor(commit=True)  # and open the editor again
                return True
        return super().eventFilter(watched, event)

    def _close_editor(self, commit: bool) -> None:
        editor, row = self._editor, self._editing_row
        if editor is None or row is None:
            return
        self._editor, self._editing_row = None, None
        name = editor.text().strip()
        editor.hide()
        editor.deleteLater()
        self.area.setFocus()
        if commit and row < len(self._names) and name != self._names[row].strip():
            names = list(self._names)
            names[row] = name
            self.class_names_edited.emit(names)

    def _place_editor(self) -> None:
        if self._editor is None or self._editing_row is None:
            return
        rect = self.label_rect(self._editing_row)
        width = max(rect.width(), self.fontMetrics().horizontalAdvance("M") * 10)
        height = self._editor.sizeHint().height()
        self._editor.setGeometry(rect.left(), rect.center().y() - height // 2, width, height)

    # ------------------------------------------------------------------ input from the area

    def row_at(self, pos: QPoint) -> int | None:
        if self._empty is not None:
            return None
        h = self.row_height()
        row = (pos.y() + self.area.verticalScrollBar().value()) // h
        return int(row) if 0 <= row < self.count() and pos.y() >= 0 else None

    def row_pressed(self, row: int) -> None:
        self._focus_row = row
        self.area.viewport().update()
        self.unit_clicked.emit(row)

    def key_pressed(self, event: QKeyEvent) -> bool:
        """Up/Down (Page, Home, End) ask for a neighbouring unit; F2 or Enter renames the focused one."""
        n = self.count()
        if not n:
            return False
        key = Qt.Key(event.key())
        moves = {
            Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1,
            Qt.Key.Key_PageUp: -max(1, len(self.visible_rows()) - 1),
            Qt.Key.Key_PageDown: max(1, len(self.visible_rows()) - 1),
        }
        if key in moves or key in (Qt.Key.Key_Home, Qt.Key.Key_End):
            row = 0 if key == Qt.Key.Key_Home else n - 1 if key == Qt.Key.Key_End else self._focus_row + moves[key]
            row = max(0, min(n - 1, row))
            self._focus_row = row
            self.scroll_to(row)
            self.area.viewport().update()
            self.unit_clicked.emit(row)
            return True
        if key in (Qt.Key.Key_F2, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.rename(self._focus_row)
            return True
        return False

    # ------------------------------------------------------------------ layout and painting

    def relayout(self) -> None:
        bar = self.area.verticalScrollBar()
        viewport_h = self.area.viewport().height()
        h = self.row_height()
        bar.setRange(0, max(0, self.count() * h - viewport_h))
        bar.setPageStep(max(1, viewport_h))
        bar.setSingleStep(h)
        self._place_editor()
        self.area.viewport().update()
        self.updateGeometry()

    def measure(self) -> None:
        """The widest label and number, once per change of the values or the type (not per paint)."""
        fm = self.area.fontMetrics()
        bold = QFont(self.area.font())
        bold.setBold(True)
        fm_bold = QFontMetrics(bold) if self._probabilities else fm
        self._value_advance = widest(fm_bold, [self.value_text(i) for i in self._candidates()])
        self._label_advance = widest(fm_bold, [self.label(i) for i in range(self.count())])

    def _candidates(self) -> range | np.ndarray:
        """The values whose text may be the widest: all of a few, else the extremes, the smallest
        magnitudes (the long decimals) and an even sample."""
        n = self.count()
        if n <= MEASURE_ALL:
            return range(n)
        magnitude = np.abs(np.where(self._values == 0, np.inf, self._values))
        return np.unique(np.concatenate([
            [int(np.nanargmin(self._values)), int(np.nanargmax(self._values))],
            np.argsort(magnitude)[:32],
            np.linspace(0, n - 1, MEASURE_ALL, dtype=np.int64),
        ]))

    def geometry_for(self, width: int) -> RowGeometry:
        pad = max(4, self.area.fontMetrics().horizontalAdvance(" "))
        value_w = self._value_advance + pad
        label_w = min(self._label_advance + pad, int(width * 0.4))
        bar_left = pad + label_w + pad
        bar_w = width - bar_left - value_w - 2 * pad
        if bar_w < 24:  # a narrow pane: the names give way (elided) before the bars vanish
            label_w = max(pad, label_w - (24 - bar_w))
            bar_left = pad + label_w + pad
            bar_w = max(8, width - bar_left - value_w - 2 * pad)
        return RowGeometry(pad, label_w, bar_left, bar_w, bar_left + bar_w + pad, value_w)

    def _scale(self) -> tuple[float, float]:
        """The value range the bar zone spans: 0..1 for probabilities, else out to the largest |value|."""
        if self._probabilities:
            return 0.0, 1.0
        finite = self._values[np.isfinite(self._values)]
        if not finite.size:
            return 0.0, 1.0
        lo, hi = float(finite.min()), float(finite.max())
        limit = max(abs(lo), abs(hi)) or 1.0
        if lo < 0 < hi:
            return -limit, limit
        return (-limit, 0.0) if hi <= 0 and lo < 0 else (0.0, limit)

    def _zero(self, g: RowGeometry) -> int:
        lo, hi = self._scale()
        return g.bar_left + round(g.bar_width * (0 - lo) / (hi - lo))

    def _bar_span(self, value: float, g: RowGeometry) -> tuple[int, int]:
        lo, hi = self._scale()
        v = min(hi, max(lo, value)) if np.isfinite(value) else (hi if value > 0 else lo if value < 0 else 0.0)
        x = g.bar_left + round(g.bar_width * (v - lo) / (hi - lo))
        zero = self._zero(g)
        return (min(x, zero), max(x, zero))

    def paint_rows(self, p: QPainter, exposed: QRect, top: int, width: int) -> None:
        """Rows meeting ``exposed`` (paint coordinates; row 0 starts at ``-top``)."""
        palette = self.palette()
        text_colour = palette.text().color()
        p.fillRect(exposed, palette.base())
        if self._empty is not None:
            p.setPen(palette.placeholderText().color())
            p.drawText(QRect(8, 0, width - 16, max(exposed.bottom(), self.area.viewport().height())),
                       Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._empty)
            return
        h = self.row_height()
        first = max(0, (top + exposed.top()) // h)
        last = min(self.count(), (top + exposed.bottom()) // h + 1)
        g = self.geometry_for(width)
        zero = self._zero(g)
        best = self.emphasized()
        font = QFont(p.font())
        bold = QFont(font)
        bold.setBold(True)
        bar_h = max(4, int(h * 0.62))
        focus = self.area.hasFocus()
        dark = luminance(palette.base().color()) < 0.2
        for i in range(first, last):
            y = i * h - top
            row = QRect(0, y, width, h)
            if focus and i == self._focus_row:
                fill = QColor(palette.highlight().color())
                fill.setAlpha(40)
                p.fillRect(row, fill)
            bar_top = y + (h - bar_h) // 2
            value = float(self._values[i])
            if self._probabilities:
                track = QColor(text_colour)
                track.setAlpha(22)
                p.fillRect(QRect(g.bar_left, bar_top, g.bar_width, bar_h), track)
                colour = QColor(PROBABILITY_ON_DARK if dark else PROBABILITY)
                if i != best:
                    colour.setAlpha(150 if dark else 120)
            else:
                colour = POSITIVE if value >= 0 else NEGATIVE
            left, right = self._bar_span(value, g)
            p.fillRect(QRect(left, bar_top, max(1, right - left), bar_h), colour)
            p.setFont(bold if i == best else font)
            p.setPen(text_colour)
            label_rect = QRect(g.label_left, y, g.label_width, h)
            label = p.fontMetrics().elidedText(self.label(i), Qt.TextElideMode.ElideRight, g.label_width)
            p.drawText(label_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
            p.drawText(QRect(g.value_left, y, g.value_width + 2, h),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.value_text(i))
        if last > first and not self._probabilities:
            axis = QColor(text_colour)
            axis.setAlpha(150)
            p.setPen(QPen(axis, 1))
            p.drawLine(zero, first * h - top, zero, last * h - top - 1)
        if self._current is not None and first <= self._current < last:
            fw = self.frame_width()
            pen = QPen(FRAME_RED, fw)
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            p.setPen(pen)
            p.setBrush(Qt.BrushStyle.NoBrush)
            half = fw // 2
            p.drawRect(QRect(0, self._current * h - top, width, h).adjusted(half, half, -half - fw % 2, -half - fw % 2))
        p.setFont(font)

    def _summary(self) -> str:
        n = self.count()
        if not n:
            return " "
        if self._probabilities:
            best = self.emphasized()
            if best is None:
                return f"{n} probabilities"
            return f"{n} probabilities · most likely: {self.label(best)} ({self._values[best] * 100:.1f}%)"
        finite = self._values[np.isfinite(self._values)]
        if not finite.size:
            return f"{n} values"
        return f"{n} values · min {format_number(float(finite.min()))} · max {format_number(float(finite.max()))}"

