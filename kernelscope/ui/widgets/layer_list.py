"""The layer stack as Keras's ``model.summary()`` prints it, and the buttons that ask to change it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QKeyEvent, QPainter, QPalette, QPixmap, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSizePolicy,
    QStyle,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from kernelscope.ui import theme

__all__ = ["EDITED_MARK", "EDITED_TIP", "MAX_VISIBLE_ROWS", "NOT_SHOWN", "LayerList", "LayerRow"]

MIN_VISIBLE_ROWS = 4
SCROLLS_BELOW_WINDOW_PX = 700  # below this window height a deep model's list shows MIN_VISIBLE_ROWS rows and scrolls
MAX_VISIBLE_ROWS = 10
"""The table grows with the stack up to this many rows, then scrolls."""

NOT_SHOWN = "\u2014"  # an em dash where a shape or a count cannot be computed
EDITED_MARK = "\u270e"  # a pencil beside the name of a layer whose weights were edited since opened
EDITED_TIP = "weights edited since opened"
HEADERS = ("Layer (type)", "Output shape", "Param #")
COLUMN_TIPS = (
    "The layer's name and its Keras class, as model.summary() prints them.",
    "The shape of what the layer hands on; None stands for the batch (kernelscope shows one image).",
    "How many numbers the layer learns (weights and biases); Keras's count_params().",
)


@dataclass(frozen=True)
class LayerRow:
    """One line of the summary: what the document computed for one layer."""

    name: str
    class_name: str
    output_shape: str | None
    params: int | None
    problem: str | None = None  # why this layer does not fit; the stack is not computed past it
    computed: bool = True  # False below an invalid layer
    edited: bool = False  # its weights differ from those it was opened with


class _SummaryTable(QTableWidget):
    """A table whose size hint is its whole content (set by the list), not a fixed guess."""

    preferred = QSize(0, 0)

    def sizeHint(self) -> QSize:
        return self.preferred


class LayerList(QWidget):
    """Shows the stack and asks for changes; its rows change only through set_rows."""

    layer_selected = Signal(int)
    add_requested = Signal(str, int)  # class name, index to insert at (after the selected layer)
    duplicate_requested = Signal(int)
    remove_requested = Signal(int)
    move_requested = Signal(int, int)  # index, -1 (up) or +1 (down)

    def __init__(self, layer_classes: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: tuple[LayerRow, ...] = ()
        self._total: int | None = None

        self.table = _SummaryTable(0, len(HEADERS), self)
        self.table.setAccessibleName("Layers")
        self.table.setToolTip(
            "Click a layer to edit and step it. Delete removes it, Alt+Up and Alt+Down move it, Insert adds one."
        )
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)  # a narrow pane elides names; tooltips keep them
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        self.table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        for column, (text, tip) in enumerate(zip(HEADERS, COLUMN_TIPS, strict=True)):
            item = QTableWidgetItem(text)
            item.setToolTip(tip)
            if column == 2:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            else:
                item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            self.table.setHorizontalHeaderItem(column, item)
        self.table.currentCellChanged.connect(self._on_table_current_cell_changed)
        self.table.installEventFilter(self)

        self.total_label = QLabel(self)
        self.total_label.setAccessibleName("Total params")
        self.total_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.add_menu = QMenu("Add layer", self)
        self.add_actions: dict[str, QAction] = {}
        for class_name in layer_classes:
            action = self.add_menu.addAction(class_name)
            action.setToolTip(f"Insert a {class_name} layer after the selected one")
            action.triggered.connect(lambda _checked=False, c=class_name: self._request_add(c))
            self.add_actions[class_name] = action
        self.add_menu.setToolTipsVisible(True)

        self.add_button = QToolButton(self)
        self.add_button.setText("Add \u25be")
        self.add_button.setToolTip("Insert a layer after the selected one: pick its type. Key: Insert")
        self.add_button.setAccessibleName("Add a layer")
        self.add_button.setMenu(self.add_menu)  # a menu button, as the window's others are
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.duplicate_button = self._button("Duplicate", "Insert a copy of the selected layer (settings and weights) "
                                             "right after it")
        self.remove_button = self._button("Remove", "Remove the selected layer. Key: Delete")
        self.up_button = self._button("Up", "Move the selected layer one place up (earlier). Key: Alt+Up")
        self.down_button = self._button("Down", "Move the selected layer one place down (later). Key: Alt+Down")
        self.duplicate_button.clicked.connect(self._on_duplicate_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.up_button.clicked.connect(lambda: self._request_move(-1))
        self.down_button.clicked.connect(lambda: self._request_move(+1))

        buttons = self._buttons_row = QHBoxLayout()
        buttons.setSpacing(4)
        for b in (self.add_button, self.duplicate_button, self.remove_button, self.up_button, self.down_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(buttons)
        layout.addWidget(self.table)
        layout.addWidget(self.total_label)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        self.set_rows((), -1, 0)

    # ------------------------------------------------------------------ public

    def set_rows(self, rows: Sequence[LayerRow], selected: int, total_params: int | None) -> None:
        """Show the stack with layer ``selected`` current; emits nothing (-1 only for an empty stack)."""
        rows = tuple(rows)
        fits = 0 <= selected < len(rows) if rows else selected == -1
        if not fits:
            raise ValueError(f"selected layer {selected} is not one of 0..{len(rows) - 1}")
        self._rows, self._total = rows, total_params
        with QSignalBlocker(self.table), QSignalBlocker(self):
            self.table.setRowCount(len(rows))
            for index, row in enumerate(rows):
                self._show_row(index, row)
            if selected >= 0:
                self.table.setCurrentCell(selected, 0)
            else:
                self.table.clearSelection()
        total = NOT_SHOWN if total_params is None else f"{total_params:,}"
        self.total_label.setText(f"Total params: {total}")
        self.total_label.setToolTip(
            "Not counted until every layer fits its input" if total_params is None
            else "The sum of every layer's Param #, as model.summary() counts it"
        )
        self._update_buttons()
        self._fit_height()

    def add_leading(self, widget: QWidget) -> None:
        """Put ``widget`` (a heading) at the start of the buttons' row: one row less of height."""
        self._buttons_row.insertWidget(0, widget)
        self._buttons_row.insertSpacing(1, 8)

    def selected(self) -> int:
        return self.table.currentRow()

    def count(self) -> int:
        return self.table.rowCount()

    # ------------------------------------------------------------------ Qt

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.window() is not self:
            self.window().installEventFilter(self)  # its height decides how many rows show
        self._fit_height()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window() and watched is not self and event.type() == QEvent.Type.Resize:
            self._fit_height()
        if watched is self.table and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key, alt = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.AltModifier)
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                self._on_remove_button_clicked()
                return True
            if alt and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                self._request_move(-1 if key == Qt.Key.Key_Up else +1)
                return True
            if key == Qt.Key.Key_Insert:
                self._on_add_button_clicked()
                return True
        return super().eventFilter(watched, event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.PaletteChange):
            # The projector scales the application font and the theme swaps the palette: rows,
            # icons and colours are drawn again from them.
            if hasattr(self, "table"):
                with QSignalBlocker(self.table):
                    for index, row in enumerate(self._rows):
                        self._show_row(index, row)
                self._fit_height()

    # ------------------------------------------------------------------ slots

    def _on_table_current_cell_changed(self, row: int, _column: int, previous_row: int, _previous: int) -> None:
        if row >= 0 and row != previous_row:
            self._update_buttons()
            self.layer_selected.emit(row)

    def _on_add_button_clicked(self) -> None:
        if self.add_actions:
            self.add_button.showMenu()

    def _request_add(self, class_name: str) -> None:
        self.add_requested.emit(class_name, self.selected() + 1)

    def _on_duplicate_button_clicked(self) -> None:
        if self.duplicate_button.isEnabled():
            self.duplicate_requested.emit(self.selected())

    def _on_remove_button_clicked(self) -> None:
        if self.remove_button.isEnabled():
            self.remove_requested.emit(self.selected())

    def _request_move(self, step: int) -> None:
        button = self.up_button if step < 0 else self.down_button
        if button.isEnabled():
            self.move_requested.emit(self.selected(), step)

    # ------------------------------------------------------------------ helpers

    def _button(self, text: str, tip: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setToolTip(tip)
        button.setAccessibleName(text.rstrip(" \u25be"))
        button.setAccessibleDescription(tip)
        button.setAutoDefault(False)
        return button

    def _update_buttons(self) -> None:
        count, selected = self.table.rowCount(), self.table.currentRow()
        has = 0 <= selected < count
        self.add_button.setEnabled(bool(self.add_actions))
        self.duplicate_button.setEnabled(has)
        self.remove_button.setEnabled(has and count > 1)
        self.up_button.setEnabled(has and selected > 0)
        self.down_button.setEnabled(has and selected < count - 1)

    def _show_row(self, index: int, row: LayerRow) -> None:
        palette = self.table.palette()
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        shape = row.output_shape if row.output_shape is not None and row.problem is None and row.computed else None
        params = row.params if row.params is not None and row.problem is None and row.computed else None
        texts = (f"{row.name} ({row.class_name})", NOT_SHOWN if shape is None else shape,
                 NOT_SHOWN if params is None else f"{params:,}")
        if row.problem is not None:
            tip = f"{row.name} ({row.class_name}) does not fit: {row.problem}"
            colour: QColor | None = theme.problem_red(palette.color(QPalette.ColorRole.Base))
        elif not row.computed:
            tip = f"{row.name} ({row.class_name}): not computed until the layer marked above is fixed"
            colour = palette.color(QPalette.ColorRole.PlaceholderText)  # grey, still readable
        else:
            tip = f"{row.name}: a {row.class_name} layer; output {texts[1]}, {texts[2]} params"
            colour = None
        if row.edited:
            tip += f"; {EDITED_TIP} (Edit > Revert this layer's weights puts them back)"
        for column, text in enumerate(texts):
            item = self.table.item(index, column)
            if item is None:
                item = QTableWidgetItem()
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.table.setItem(index, column, item)
            item.setText(text)
            item.setToolTip(tip)
            item.setTextAlignment(right if column == 2 else left)
            font = item.font()
            font.setItalic(row.edited and column == 0)  # a second sign beside the pencil, in any theme
            item.setFont(font)
            if colour is None:
                item.setData(Qt.ItemDataRole.ForegroundRole, None)
            else:
                item.setForeground(colour)
        first = self.table.item(index, 0)
        assert first is not None  # made above
        if row.problem is not None:
            first.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
        elif row.edited:
            first.setIcon(self._edited_icon(palette.color(QPalette.ColorRole.Text)))
        else:
            first.setData(Qt.ItemDataRole.DecorationRole, None)

    def _edited_icon(self, ink: QColor) -> QIcon:
        """The pencil of an edited layer, in the theme's text colour (seen in any theme, any size)."""
        side = self.table.fontMetrics().height()
        pixmap = QPixmap(side, side)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setPen(ink)
        painter.setFont(self.table.font())
        painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, EDITED_MARK)
        painter.end()
        icon = QIcon(pixmap)
        icon.addPixmap(pixmap, QIcon.Mode.Selected)
        return icon

    def _fit_height(self) -> None:
        """As tall as the rows (at least one, at most MAX_VISIBLE_ROWS), so a short stack leaves no blank."""
        metrics = self.table.fontMetrics()
        row_px = metrics.height() + max(6, metrics.height() // 3)
        self.table.setIconSize(QSize(metrics.height(), metrics.height()))
        vertical = self.table.verticalHeader()
        vertical.setMinimumSectionSize(row_px)
        vertical.setDefaultSectionSize(row_px)
        for index in range(self.table.rowCount()):
            vertical.resizeSection(index, row_px)
        window = self.window()
        short = window is not self and window.height() < SCROLLS_BELOW_WINDOW_PX  # the list scrolls to fit 1024x600
        shown = min(max(self.table.rowCount(), 1), MIN_VISIBLE_ROWS if short else MAX_VISIBLE_ROWS)
        header = self.table.horizontalHeader()
        frame = 2 * self.table.frameWidth()
        height = header.sizeHint().height() + shown * row_px + frame
        self.table.setFixedHeight(height)
        # At least wide enough for the shape and count columns and a short name; a longer name elides.
        columns = sum(max(self.table.sizeHintForColumn(c), header.sectionSizeHint(c)) for c in (1, 2))
        scroll = self.table.verticalScrollBar().sizeHint().width()
        short_name = metrics.horizontalAdvance("conv2d_10 (Conv2D)") + metrics.height() + 12
        names = max(short_name, self.table.sizeHintForColumn(0), header.sectionSizeHint(0))
        self.table.setMinimumWidth(short_name + columns + frame + scroll)
        self.table.preferred = QSize(names + columns + frame + scroll, height)
        self.table.updateGeometry()
