"""A spreadsheet-like editor for one filter's kh x kw weights."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QKeyEvent, QPainter, QPolygon, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from kernelscope.core.cell_text import format_value, text_colour_on
from kernelscope.core.colour_scale import weight_colour
from kernelscope.core.numbers import FLOAT32_MAX
from kernelscope.ui.widgets.digit_size import font_for_digits


def parse_weight(text: str) -> float:
    """A typed weight: any finite number (``1``, ``-0.5``, ``1e-3``, ``1/9``); ValueError otherwise."""
    t = text.strip().replace("\u2212", "-")
    if "/" in t:
        num, _, den = t.partition("/")
        value = float(num) / float(den)
    else:
        value = float(t)
    if not math.isfinite(value) or abs(value) > FLOAT32_MAX:  # 1e39 would be stored as inf
        raise ValueError(t)
    return value


EDITED_TIP = "edited since opened"


def draw_edited_corner(painter: QPainter, rect: QRect, ink: QColor) -> None:
    """A filled triangle in the cell's top-right corner, in the colour of the cell's text (so it shows
    on any weight colour, in any theme and in projector mode): this weight was edited since opened."""
    side = max(7, min(rect.width(), rect.height()) // 3)
    x, y = rect.right(), rect.top()
    corner = QPolygon([QPoint(x, y), QPoint(x - side, y), QPoint(x, y + side)])
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(ink)
    painter.drawPolygon(corner)
    painter.restore()


class _EditedCorners(QStyledItemDelegate):
    """The cell as Qt draws it, then the corner of an edited weight."""

    def __init__(self, grid: KernelGrid) -> None:
        super().__init__(grid)
        self.grid = grid

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        super().paint(painter, option, index)
        if self.grid.is_edited(index.row(), index.column()):
            ink = index.data(Qt.ItemDataRole.ForegroundRole)
            colour = ink.color() if isinstance(ink, QBrush) else QColor(0, 0, 0)
            draw_edited_corner(painter, option.rect, colour)  # type: ignore[attr-defined]


class KernelGrid(QTableWidget):
    """Type a number, move with arrows/Tab/Enter, nudge with the wheel once focused. Emits edits, never applies them."""

    weight_edited = Signal(int, int, float)  # row, col, value
    entry_refused = Signal(str)
    weight_hovered = Signal(int, int)  # (-1, -1) when the mouse leaves the weights

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._kernel = np.zeros((3, 3), np.float32)
        self._edited = np.zeros((3, 3), bool)  # the weights that differ from those opened
        self._updating = False
        self.setItemDelegate(_EditedCorners(self))
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        # Square cells sized to the pane (see _fit_cells), not stretched into tall strips.
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.setFrameShape(QTableWidget.Shape.NoFrame)
        self.setMouseTracking(True)
        self.itemChanged.connect(self._on_item_changed)
        self.cellEntered.connect(lambda r, c: self.weight_hovered.emit(r, c))
        self.setAccessibleName("Kernel weights")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # a passing wheel must not take the focus (and edit)
        self.setToolTip(
            "Type a weight, or click a weight and turn the mouse wheel to nudge it by 1 (Shift: by 0.1); "
            "the wheel edits only after a click in the grid, otherwise it scrolls the panel"
        )

    def set_kernel(self, kernel: np.ndarray) -> None:
        """Show a (kh, kw) kernel; signals stay quiet while the cells are filled."""
        self._kernel = np.array(kernel, dtype=np.float32)
        kh, kw = self._kernel.shape
        self._updating = True
        try:
            if self.rowCount() != kh or self.columnCount() != kw:
                self.setRowCount(kh)
                self.setColumnCount(kw)
                self.setHorizontalHeaderLabels([str(c) for c in range(kw)])
                self.setVerticalHeaderLabels([str(r) for r in range(kh)])
                self.updateGeometry()  # another least height
            self._fit_cells()
            limit = float(np.abs(self._kernel).max()) or 1.0
            texts, font = self._texts_and_font()
            for r in range(kh):
                for c in range(kw):
                    item = self.item(r, c)
                    if item is None:
                        item = QTableWidgetItem()
                        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                        self.setItem(r, c, item)
                    v = float(self._kernel[r, c])
                    bg = QColor.fromRgbF(*weight_colour(v / limit))
                    item.setText(texts[r][c])
                    edited = f" ({EDITED_TIP})" if self.is_edited(r, c) else ""
                    item.setToolTip(f"weight ({r}, {c}) = {v:g}{edited}")
                    item.setFont(font)
                    item.setBackground(QBrush(bg))
                    item.setForeground(QBrush(QColor(*text_colour_on(bg.red(), bg.green(), bg.blue()))))
        finally:
            self._updating = False

    def kernel(self) -> np.ndarray:
        return self._kernel

    def set_edited(self, edited: np.ndarray | None) -> None:
        """Which weights of the next (or current) kernel differ from those opened: a (kh, kw) bool
        array, or None for none. Marked with a corner in the cell's text colour."""
        self._edited = np.zeros((0, 0), bool) if edited is None else np.array(edited, dtype=bool)
        self.viewport().update()

    def is_edited(self, row: int, col: int) -> bool:
        e = self._edited
        return e.shape == self._kernel.shape and bool(e[row, col])

    def minimumSizeHint(self) -> QSize:
        """Every row at the least cell side (up to five rows; a larger kernel scrolls): a short pane
        shrinks the cells, never hides a row of a 3x3 or 5x5 kernel."""
        hint = super().minimumSizeHint()
        rows = min(self.rowCount(), 5)
        header = self.horizontalHeader().sizeHint().height() * self.horizontalHeader().isVisibleTo(self)
        return QSize(hint.width(), header + rows * _MIN_CELL_PX + 2 * self.frameWidth() + 4)

    def cell_side(self) -> int:
        """The largest square cell that fits the pane, capped so a 1x1 kernel is not a poster (the cap
        grows with the pane: a 4K screen's 3x3 kernel fills its width)."""
        kh, kw = self._kernel.shape
        avail_w = self.width() - self.verticalHeader().width() - 4
        avail_h = self.height() - self.horizontalHeader().height() - 4
        cap = max(120, avail_w / 3)
        return int(max(_MIN_CELL_PX, min(cap, avail_w / max(kw, 1), avail_h / max(kh, 1))))

    def set_large(self, on: bool) -> None:
        """Projector mode: numbers as large as the cells allow; the row and column numbers go."""
        self._large = on
        self.horizontalHeader().setVisible(not on)
        self.verticalHeader().setVisible(not on)
        self.set_kernel(self._kernel)

    _digit_px: int | None = None

    def set_digit_px(self, px: int | None) -> None:
        """In large mode, digits this tall (the projector's promise): cells as wide as the pane gives
        them, as tall as the type needs; None: numbers as large as square cells allow."""
        self._digit_px = px
        self.set_kernel(self._kernel)

    def _digit_mode(self) -> bool:
        return bool(getattr(self, "_large", False) and self._digit_px)

    def cell_size(self) -> tuple[int, int]:
        """A cell's width and height: square, or in digit mode wide enough for the weights and at least
        as tall as a line of their type."""
        if not self._digit_mode():
            side = self.cell_side()
            return side, side
        kh, kw = self._kernel.shape
        avail_w = self.width() - self.verticalHeader().width() * self.verticalHeader().isVisible() - 4
        avail_h = self.height() - self.horizontalHeader().height() * self.horizontalHeader().isVisible() - 4
        line = math.ceil(QFontMetrics(font_for_digits(self.font(), self._digit_px or 0)).height() * 1.15)
        width = int(max(28, min(200, avail_w / max(kw, 1))))
        height = int(max(line, min(width, avail_h / max(kh, 1))))
        return width, height

    def _font_px(self) -> int:
        if self._digit_mode():
            return font_for_digits(self.font(), self._digit_px or 0).pixelSize()
        if getattr(self, "_large", False):
            return int(max(11, min(44, self.cell_side() * 0.38)))
        return int(max(11, min(34, self.cell_side() * 0.3)))

    def _texts_and_font(self) -> tuple[list[list[str]], QFont]:
        """Every weight with as many digits as fit its cell at a legible size: a Gaussian's 0.0039 is
        "0.0039" in a wide cell, "0.004" or "4e-3" in a narrow one, never cut to "3.9…"."""
        for width in _FORMAT_WIDTHS:
            texts = [[format_value(float(v), width) for v in row] for row in self._kernel]
            font, fits = self._fitting_font([t for row in texts for t in row], _MIN_FONT_PX)
            if fits:
                return texts, font
        return texts, self._fitting_font([t for row in texts for t in row], 1)[0]  # smaller, but whole

    def _fitting_font(self, texts: list[str], floor_px: int) -> tuple[QFont, bool]:
        """The cells' font: as large as the mode asks, smaller (not below ``floor_px``) only if the
        widest number would not fit its cell (a projector's "-0.04" was drawn as "-0.…"); and whether
        the numbers fit at that size."""
        font = QFont(self.font())
        px = self._font_px()
        font.setPixelSize(px)
        room = self.cell_size()[0] - 8
        widest = max((QFontMetrics(font).horizontalAdvance(t) for t in texts), default=0)
        if widest > room > 0:
            font.setPixelSize(max(floor_px, int(px * room / widest)))
            widest = max(QFontMetrics(font).horizontalAdvance(t) for t in texts)
        return font, widest <= room

    def _fit_cells(self) -> None:
        width, height = self.cell_size()
        self.horizontalHeader().setDefaultSectionSize(width)
        self.verticalHeader().setDefaultSectionSize(height)
        for c in range(self.columnCount()):
            self.setColumnWidth(c, width)
        for r in range(self.rowCount()):
            self.setRowHeight(r, height)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        # Never from inside set_kernel: removing rows hides a scroll bar, whose viewport resize lands
        # here; changing the table again in the middle of Qt's row removal crashed with an open editor.
        if not self._updating:
            self.set_kernel(self._kernel)

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._updating:
            return
        r, c = item.row(), item.column()
        old = float(self._kernel[r, c])
        try:
            value = parse_weight(item.text())
        except (ValueError, ZeroDivisionError):
            self.entry_refused.emit(
                f"'{item.text().strip()}' is not a number: weight ({r}, {c}) stays {format_value(old, 80)}"
            )
            self.set_kernel(self._kernel)
            return
        if value != old:
            self.weight_edited.emit(r, c, value)
        else:
            self.set_kernel(self._kernel)

    def event(self, event: QEvent) -> bool:
        """Typing and moving in the grid win over the window's one-key shortcuts ("-" is a minus sign
        here, not "slower"; arrows move between weights, not steps)."""
        if event.type() == QEvent.Type.ShortcutOverride:
            key_event: QKeyEvent = event  # type: ignore[assignment]
            plain = key_event.modifiers() & ~(
                Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
            ) == Qt.KeyboardModifier.NoModifier
            text = key_event.text()
            if plain and ((text and not text.isspace()) or key_event.key() in _GRID_KEYS):
                event.accept()
                return True
        return super().event(event)

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        """Enter commits and moves down, like a spreadsheet (to the next column's top at the bottom)."""
        super().closeEditor(editor, hint)
        if hint == QAbstractItemDelegate.EndEditHint.SubmitModelCache:
            r, c = self.currentRow(), self.currentColumn()
            if r + 1 < self.rowCount():
                self.setCurrentCell(r + 1, c)
            else:
                self.setCurrentCell(0, (c + 1) % max(1, self.columnCount()))

    def wheelEvent(self, event: QWheelEvent) -> None:
        """Nudge the weight under the pointer, but only once the grid has the focus: a wheel that
        scrolls the pane and crosses the grid on its way must scroll on, not change weights."""
        item = self.itemAt(event.position().toPoint())
        if item is None or not self._has_focus_within():
            super().wheelEvent(event)  # the table's own scroll bar, else up to the scrolling pane
            return
        steps = event.angleDelta().y() / 120
        fine = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        delta = steps * (0.1 if fine else 1.0)
        if delta:
            r, c = item.row(), item.column()
            self.weight_edited.emit(r, c, float(np.float32(self._kernel[r, c] + delta)))
        event.accept()

    def _has_focus_within(self) -> bool:
        focused = QApplication.focusWidget()
        return focused is not None and (focused is self or self.isAncestorOf(focused))

    def leaveEvent(self, event: object) -> None:
        self.weight_hovered.emit(-1, -1)


_MIN_CELL_PX = 28  # a weight's cell at the least: its number stays legible
_MIN_FONT_PX = 9  # smaller digits are not legible; fewer digits first
_FORMAT_WIDTHS = (80, 40, 0)  # format_value's widths: most digits first, then shorter forms


_GRID_KEYS = {
    Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Home, Qt.Key.Key_End,
    Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F2,
}
