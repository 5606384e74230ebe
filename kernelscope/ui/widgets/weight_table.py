"""A layer's weight arrays that are not Conv2D kernels (a Dense kernel and bias, BatchNormalization's
four vectors) as a table to read and type into.

The table model reads the array it is given cell by cell as rows scroll into view, so a 4096 x 4096
kernel costs what a screenful costs. The widget never changes an array: a typed number is asked
for with ``weight_edited``; the document answers with ``set_arrays``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSignalBlocker,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QKeyEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from kernelscope.core.arithmetic import format_number
from kernelscope.core.cell_text import text_colour_on
from kernelscope.core.colour_scale import WINDOW_RED, weight_colour
from kernelscope.core.numbers import FLOAT32_MAX
from kernelscope.ui.theme import luminance
from kernelscope.ui.widgets.kernel_grid import EDITED_TIP, draw_edited_corner, parse_weight

AnyIndex = QModelIndex | QPersistentModelIndex
LIGHTNESS = 0.5  # how far the cell colours go towards the kernel's full red and blue: text stays readable
DARK_TINTS = ((150, 45, 45), (45, 75, 160))  # positive, negative: the same hues on a dark base
FRAME_RED = QColor(*WINDOW_RED)


def refusal(text: str) -> str | None:
    """Why ``text`` is not a weight (None when it is one)."""
    t = text.strip()
    try:
        parse_weight(t)
        return None
    except (ValueError, ZeroDivisionError):
        pass
    try:
        value = float(t.replace("\u2212", "-"))
    except ValueError:
        return f"'{t}' is not a number"
    if math.isfinite(value):
        return f"'{t}' is too large for a float32 weight (at most {FLOAT32_MAX:.4g})"
    return f"'{t}' is not a finite number"


def shape_text(shape: tuple[int, ...]) -> str:
    return " x ".join(str(s) for s in shape) if shape else "scalar"


def exact_text(value: float) -> str:
    """Every digit a float32 weight has (the editor starts from it, the tooltip shows it)."""
    return str(np.format_float_positional(np.float32(value), trim="-"))


@dataclass(frozen=True)
class TableShape:
    """How an array of any rank lies in rows and columns: the last axis across, the rest down."""

    shape: tuple[int, ...]

    @property
    def rows(self) -> int:
        if len(self.shape) >= 2:
            return int(np.prod(self.shape[:-1], dtype=np.int64))
        return self.shape[0] if self.shape else 1

    @property
    def columns(self) -> int:
        return self.shape[-1] if len(self.shape) >= 2 else 1

    def index(self, row: int, column: int) -> tuple[int, ...]:
        """The array index of a cell."""
        if not self.shape:
            return ()
        if len(self.shape) == 1:
            return (row,)
        lead = tuple(int(i) for i in np.unravel_index(row, self.shape[:-1]))
        return (*lead, column)

    def cell(self, index: Sequence[int]) -> tuple[int, int]:
        """The (row, column) of an array index."""
        index = tuple(int(i) for i in index)
        if len(index) != len(self.shape):
            raise ValueError(f"index {index} does not address an array of shape {self.shape}")
        if not self.shape:
            return 0, 0
        if len(self.shape) == 1:
            return index[0], 0
        return int(np.ravel_multi_index(index[:-1], self.shape[:-1])), index[-1]


class WeightModel(QAbstractTableModel):
    """One array, read lazily; edits are asked for (``edit_asked``), never written."""

    edit_asked = Signal(tuple, float)
    edit_refused = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.name = ""
        self.array = np.zeros(0, np.float32)
        self.layout = TableShape((0,))
        self.limit = 1.0
        self.dark: tuple[int, int, int] | None = None  # the dark theme's base colour, None in a light theme
        self.unit_labels: list[str] = []
        self.input_labels: list[str] = []
        self.edited: np.ndarray | None = None  # bool, the array's shape: weights that differ from those opened

    def is_edited(self, row: int, column: int) -> bool:
        e = self.edited
        return e is not None and e.shape == self.array.shape and bool(e[self.layout.index(row, column)])

    def show(self, name: str, array: np.ndarray) -> None:
        """A new array: the same shape refreshes the cells in place (the view keeps its scroll and
        current cell), another shape resets the table."""
        array = np.asarray(array)
        same = array.shape == self.array.shape
        if not same:
            self.beginResetModel()
        self.name, self.array, self.layout = name, array, TableShape(array.shape)
        self.limit = colour_limit(array)
        if same:
            self.refresh()
        else:
            self.endResetModel()

    def refresh(self) -> None:
        if self.rowCount() and self.columnCount():
            self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1))
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, max(0, self.columnCount() - 1))
        self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, max(0, self.rowCount() - 1))

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008 (Qt's own name and signature)
        return 0 if parent.isValid() or self.array.size == 0 else self.layout.rows

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() or self.array.size == 0 else self.layout.columns

    def value(self, row: int, column: int) -> float:
        return float(self.array[self.layout.index(row, column)])

    def background(self, value: float) -> QColor:
        t = value / self.limit if math.isfinite(value) else (1.0 if value > 0 else -1.0 if value < 0 else 0.0)
        t = max(-1.0, min(1.0, t))
        if self.dark is None:
            return QColor.fromRgbF(*weight_colour(LIGHTNESS * t))
        tint = DARK_TINTS[0 if t >= 0 else 1]
        a = abs(t) * 0.85
        return QColor(*(round(b + (c - b) * a) for b, c in zip(self.dark, tint, strict=True)))

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return format_number(self.value(index.row(), index.column()))
        if role == Qt.ItemDataRole.EditRole:
            return exact_text(self.value(index.row(), index.column()))
        if role == Qt.ItemDataRole.BackgroundRole:
            return self.background(self.value(index.row(), index.column()))
        if role == Qt.ItemDataRole.ForegroundRole:
            bg = self.background(self.value(index.row(), index.column()))
            return QColor(*text_colour_on(bg.red(), bg.green(), bg.blue()))
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.describe(index.row(), index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def describe(self, row: int, column: int) -> str:
        """``kernel[12, 3] = 0.0123`` and, for a Dense kernel, which input feeds which unit."""
        index = self.layout.index(row, column)
        text = f"{self.name}[{', '.join(str(i) for i in index)}] = {exact_text(self.value(row, column))}"
        if self.is_edited(row, column):
            text += f" ({EDITED_TIP})"
        if len(index) == 2:
            text += f"  (input {self._label(self.input_labels, row)} → unit {self._label(self.unit_labels, column)})"
        elif len(index) == 1:
            text += f"  (unit {self._label(self.unit_labels, row)})"
        return text

    @staticmethod
    def _label(labels: list[str], i: int) -> str:
        name = labels[i].strip() if i < len(labels) else ""
        return f"{i} {name}" if name else str(i)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        one_d = len(self.layout.shape) <= 1
        if orientation == Qt.Orientation.Horizontal:
            if one_d:
                return self.name
            labels, what = self.unit_labels, "unit"
        else:
            if len(self.layout.shape) > 2:
                return ", ".join(str(i) for i in self.layout.index(section, 0)[:-1])
            labels, what = (self.unit_labels, "unit") if one_d else (self.input_labels, "input")
        name = labels[section].strip() if section < len(labels) else ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{what} {section}" + (f": {name}" if name else "")
        return name or str(section)

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsEditable if index.isValid() else base

    def setData(self, index: AnyIndex, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Asks for the edit and changes nothing: the cell shows the array until the document answers."""
        if not index.isValid() or role != Qt.ItemDataRole.EditRole:
            return False
        text = str(value)
        where = self.layout.index(index.row(), index.column())
        old = self.value(index.row(), index.column())
        why = refusal(text)
        if why is not None:
            label = f"{self.name}[{', '.join(str(i) for i in where)}]"
            self.edit_refused.emit(f"{why}: {label} stays {format_number(old)}")
            return False
        new = parse_weight(text)
        if np.float32(new) != np.float32(old):
            self.edit_asked.emit(where, float(new))
        return False


def colour_limit(array: np.ndarray) -> float:
    """The largest finite |weight|: the cells' colour scale (two passes, no full-size temporary)."""
    if array.size == 0:
        return 1.0
    limit = max(abs(float(array.min())), abs(float(array.max())))
    if not math.isfinite(limit):  # a NaN or an infinity: the finite weights still get their colours
        finite = array[np.isfinite(array)]
        limit = float(np.abs(finite).max()) if finite.size else 0.0
    return limit or 1.0


class WeightDelegate(QStyledItemDelegate):
    """The value's colour stays under a selected cell (a frame marks it, not a fill), and the cell
    the step uses gets the red frame of the window."""

    def __init__(self, table: WeightTable) -> None:
        super().__init__(table)
        self.owner = table

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        rect: QRect = option.rect  # type: ignore[attr-defined]
        model = self.owner.model
        value = model.value(index.row(), index.column())
        background = model.background(value)
        painter.save()
        painter.fillRect(rect, background)
        painter.setPen(QColor(*text_colour_on(background.red(), background.green(), background.blue())))
        painter.setFont(option.font)  # type: ignore[attr-defined]
        pad = 4
        painter.drawText(rect.adjusted(pad, 0, -pad, 0), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         format_number(value))
        ink = painter.pen().color()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if option.state & QStyle.StateFlag.State_Selected:  # type: ignore[attr-defined]
            pen = QPen(option.palette.highlight().color(), 2)  # type: ignore[attr-defined]
            painter.setPen(pen)
            painter.drawRect(rect.adjusted(1, 1, -2, -2))
        if self.owner.marked_cell() == (index.row(), index.column()):
            width = self.owner.frame_width()
            pen = QPen(FRAME_RED, width)
            pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
            painter.setPen(pen)
            half = width // 2
            painter.drawRect(rect.adjusted(half, half, -half - 1, -half - 1))
        if model.is_edited(index.row(), index.column()):  # last: no frame covers it
            draw_edited_corner(painter, rect, ink)
        painter.restore()


class WeightView(QTableView):
    """Typing and moving in the table win over the window's one-key shortcuts; Enter moves down."""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride:
            key_event: QKeyEvent = event  # type: ignore[assignment]
            plain = key_event.modifiers() & ~(
                Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.KeypadModifier
            ) == Qt.KeyboardModifier.NoModifier
            text = key_event.text()
            if plain and ((text and not text.isspace()) or key_event.key() in _TABLE_KEYS):
                event.accept()
                return True
        return super().event(event)

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        super().closeEditor(editor, hint)
        current = self.currentIndex()
        if hint == QAbstractItemDelegate.EndEditHint.SubmitModelCache and current.row() + 1 < self.model().rowCount():
            self.setCurrentIndex(current.siblingAtRow(current.row() + 1))


_TABLE_KEYS = {
    Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_Home, Qt.Key.Key_End,
    Qt.Key.Key_PageUp, Qt.Key.Key_PageDown, Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_Return,
    Qt.Key.Key_Enter, Qt.Key.Key_F2,
}


@dataclass
class Place:
    """Where the user was in one array: kept across refreshes and when switching arrays."""

    row: int = 0
    column: int = 0
    scroll_x: int = 0
    scroll_y: int = 0


class WeightTable(QWidget):
    """A chooser of the layer's arrays, the shape, and the chosen array as a table."""

    weight_edited = Signal(int, tuple, float)  # array index in the list, index into the array, new value
    entry_refused = Signal(str)
    array_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._names: list[str] = []
        self._arrays: list[np.ndarray] = []
        self._edited: list[np.ndarray | None] = []
        self._places: dict[str, Place] = {}
        self._mark: tuple[int, tuple[int, ...]] | None = None
        self._thick = False

        self.model = WeightModel()
        self.model.edit_asked.connect(lambda where, v: self.weight_edited.emit(self.chosen(), where, v))
        self.model.edit_refused.connect(self.entry_refused)

        self.chooser = QComboBox()
        self.chooser.setAccessibleName("Weight array")
        self.chooser.setToolTip("Which of the layer's weight arrays the table shows")
        self.chooser.currentIndexChanged.connect(self._on_chooser_changed)
        self.shape_label = QLabel(" ")
        self.shape_label.setAccessibleName("Shape of the weight array")

        self.table = WeightView()
        self.table.setModel(self.model)
        self.table.setItemDelegate(WeightDelegate(self))
        self.table.setAccessibleName("Weights")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.setToolTip("Type a number to change a weight; blue negative, white 0, red positive")
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.chooser)
        top.addWidget(self.shape_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        self.setAccessibleName("Layer weights")
        self._fit_sections()
        self.set_arrays([])

    # ------------------------------------------------------------------ public

    def set_arrays(self, arrays: Sequence[tuple[str, np.ndarray]]) -> None:
        """Show the layer's arrays (read, never written). The chosen array stays chosen while its name
        remains, with its scroll position and current cell."""
        previous = self.chosen_name()
        if previous is not None:
            self._places[previous] = self._place()
        self._names = [name for name, _ in arrays]
        self._arrays = [np.asarray(a) for _, a in arrays]
        self._places = {k: v for k, v in self._places.items() if k in self._names}
        if self._mark is not None and not self._mark_fits(*self._mark):
            self._mark = None
        chosen = self._names.index(previous) if previous in self._names else 0
        with QSignalBlocker(self.chooser):
            if [self.chooser.itemText(i) for i in range(self.chooser.count())] != self._names:
                self.chooser.clear()
                self.chooser.addItems(self._names)
            self.chooser.setCurrentIndex(chosen if self._names else -1)
        self.chooser.setEnabled(len(self._names) > 1)
        self._show(chosen, keep_place=True)

    def set_edited(self, edited: Sequence[np.ndarray | None]) -> None:
        """Per array (as in ``set_arrays``), a bool array of the weights that differ from those opened
        (None: none); those cells get a corner in their text colour."""
        self._edited = list(edited)
        i = self.chosen()
        self.model.edited = self._edited[i] if 0 <= i < len(self._edited) else None
        self.table.viewport().update()

    def set_unit_labels(self, labels: Sequence[str]) -> None:
        """Names of the last axis (a Dense layer's units, e.g. class names): a kernel's column headers,
        a bias's row headers. Blank: the index."""
        self.model.unit_labels = [str(s) for s in labels]
        self.model.refresh()
        self._fit_sections()

    def set_input_labels(self, labels: Sequence[str]) -> None:
        """Names of a 2-D kernel's rows (its inputs). Blank: the index."""
        self.model.input_labels = [str(s) for s in labels]
        self.model.refresh()

    def select_cell(self, array_index: int, index: Sequence[int]) -> None:
        """Show array ``array_index``, scroll to the weight at ``index`` and frame it (the step's weight)."""
        index = tuple(int(i) for i in index)
        if not self._mark_fits(array_index, index):
            raise ValueError(f"no weight {index} in array {array_index}")
        self._mark = (array_index, index)
        if array_index != self.chosen():
            self.chooser.setCurrentIndex(array_index)
        row, column = self.model.layout.cell(index)
        target = self.model.index(row, column)
        if self.table.state() != QAbstractItemView.State.EditingState:
            self.table.setCurrentIndex(target)
        self.table.scrollTo(target, QAbstractItemView.ScrollHint.EnsureVisible)
        self.table.viewport().update()

    def clear_mark(self) -> None:
        self._mark = None
        self.table.viewport().update()

    def marked_cell(self) -> tuple[int, int] | None:
        """The framed cell's (row, column) in the table shown, if it is in this array."""
        if self._mark is None or self._mark[0] != self.chosen():
            return None
        return self.model.layout.cell(self._mark[1])

    def chosen(self) -> int:
        return self.chooser.currentIndex()

    def chosen_name(self) -> str | None:
        i = self.chosen()
        return self._names[i] if 0 <= i < len(self._names) else None

    def current_cell(self) -> tuple[int, ...] | None:
        """The array index of the table's current cell."""
        current = self.table.currentIndex()
        if not current.isValid():
            return None
        return self.model.layout.index(current.row(), current.column())

    def shape_text(self) -> str:
        return self.shape_label.text()

    def cell_text(self, row: int, column: int) -> str:
        return str(self.model.data(self.model.index(row, column)))

    def set_thick(self, on: bool) -> None:
        """Projector mode: taller rows, thicker frames (the type follows the application font)."""
        self._thick = on
        self._fit_sections()
        self.table.viewport().update()

    def frame_width(self) -> int:
        return 5 if self._thick else 3

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        return QSize(fm.horizontalAdvance("-0.0001234") * 5 + 60, (fm.height() + 8) * 12)

    # ------------------------------------------------------------------ helpers

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit_sections()
        elif event.type() == QEvent.Type.PaletteChange:
            self.model.dark = self._dark_base()
            self.model.refresh()

    def _dark_base(self) -> tuple[int, int, int] | None:
        base = self.palette().base().color()
        return (base.red(), base.green(), base.blue()) if luminance(base) < 0.2 else None

    def _mark_fits(self, array_index: int, index: tuple[int, ...]) -> bool:
        if not 0 <= array_index < len(self._arrays):
            return False
        shape = self._arrays[array_index].shape
        return len(index) == len(shape) and all(0 <= i < s for i, s in zip(index, shape, strict=True))

    def _show(self, i: int, keep_place: bool) -> None:
        if not self._arrays:
            self.model.show("", np.zeros(0, np.float32))
            self.shape_label.setText("no weights")
            return
        name, array = self._names[i], self._arrays[i]
        self.model.dark = self._dark_base()
        self.model.edited = self._edited[i] if i < len(self._edited) else None
        shape_changed = array.shape != self.model.array.shape or name != self.model.name
        self.model.show(name, array)
        count = f"{array.size:,} weights" if array.size != 1 else "1 weight"
        self.shape_label.setText(f"{name} {shape_text(array.shape)} · {count}")
        self._fit_sections()
        if shape_changed or not keep_place:
            self._restore(self._places.get(name, Place()))

    def _place(self) -> Place:
        current = self.table.currentIndex()
        return Place(
            max(0, current.row()), max(0, current.column()),
            self.table.horizontalScrollBar().value(), self.table.verticalScrollBar().value(),
        )

    def _restore(self, place: Place) -> None:
        rows, columns = self.model.rowCount(), self.model.columnCount()
        if rows and columns:
            self.table.setCurrentIndex(self.model.index(min(place.row, rows - 1), min(place.column, columns - 1)))
        self.table.horizontalScrollBar().setValue(place.scroll_x)
        self.table.verticalScrollBar().setValue(place.scroll_y)

    def _fit_sections(self) -> None:
        """Columns wide enough for any number format_number writes (and the unit names), rows a line
        of the current type tall: fixed sizes, so the table never measures a million cells."""
        fm = self.table.fontMetrics()
        number = fm.horizontalAdvance("-0.0001234") + 14
        header = self.table.horizontalHeader()
        header.setDefaultSectionSize(number)
        if self.model.columnCount() <= 256:
            for c in range(self.model.columnCount()):
                title = str(self.model.headerData(c, Qt.Orientation.Horizontal))
                header.resizeSection(c, max(number, fm.horizontalAdvance(title) + 16))
        self.table.verticalHeader().setDefaultSectionSize(fm.height() + (14 if self._thick else 8))
        self.table.verticalHeader().setMinimumSectionSize(fm.height() + 2)

    def _on_chooser_changed(self, i: int) -> None:
        previous = self.model.name
        if previous in self._names:
            self._places[previous] = self._place()
        if 0 <= i < len(self._arrays):
            self._show(i, keep_place=False)
            self.array_chosen.emit(i)
