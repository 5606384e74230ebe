"""The input pane's toolbar: drawing tool, one-click edits, grid size, value mode and brush.

It only asks: every control emits an intent signal and the MainWindow decides; the Document's state
comes back through ``set_state`` (signals quiet), so the toolbar never edits the image itself.
"""

from __future__ import annotations

from contextlib import ExitStack

import numpy as np
from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QIcon, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QWidget,
)

from kernelscope.core.intents import InputAction
from kernelscope.core.paint_tools import MAX_SIDE, MIN_SIDE, VALUE_MODES, convert_mode

TOOLS = ("pen", "line", "rect", "fill")
VALUE_MODE_LABELS = {"binary": "binary -1/+1", "grey": "grey 0..1", "byte": "0..255"}
RESIZE_MODE_LABELS = {"crop-or-pad": "crop/pad", "scale": "scale"}
# Per value mode: decimals and arrow step of the brush spin box.
_BRUSH_FORMAT = {"binary": (0, 2.0), "grey": (2, 0.1), "byte": (0, 1.0)}


def _swatch(colour: QColor) -> QIcon:
    """A small square of ``colour`` with a dark edge, so white shows on a white button."""
    pix = QPixmap(12, 12)
    pix.fill(colour)
    p = QPainter(pix)
    p.setPen(QColor(60, 60, 60))
    p.drawRect(0, 0, 11, 11)
    p.end()
    return QIcon(pix)


class InputTools(QWidget):
    """Tool buttons and settings above the input grid; emits intents, shows state via ``set_state``."""

    tool_changed = Signal(str)  # "pen" | "line" | "rect" | "fill"
    action_requested = Signal(object)  # InputAction
    shift_requested = Signal(int, int)  # rows down, columns right (negative: up, left)
    resize_requested = Signal(int, int, str)  # rows, columns, "crop-or-pad" | "scale"
    value_mode_changed = Signal(str)  # "binary" | "grey" | "byte"
    brush_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shape = (5, 5)
        self._mode = "binary"
        self.setAccessibleName("Input tools")

        # Row 1: the drawing tool (one at a time).
        self.pen_button = self._tool_button(
            "Pen", "Pen: drag to paint cells with the brush value (right-drag paints the background)"
        )
        self.line_button = self._tool_button("Line", "Line: drag from one end to the other to draw a straight line")
        self.rect_button = self._tool_button(
            "Rectangle", "Rectangle: drag from one corner to the opposite corner to draw its outline"
        )
        self.fill_button = self._tool_button(
            "Fill", "Fill: click a cell to paint it and every touching cell of the same value"
        )
        self.tool_group = QButtonGroup(self)
        self.tool_group.setExclusive(True)
        for i, button in enumerate((self.pen_button, self.line_button, self.rect_button, self.fill_button)):
            button.setCheckable(True)
            self.tool_group.addButton(button, i)
        self.pen_button.setChecked(True)
        self.tool_group.idToggled.connect(self._on_tool_group_toggled)

        # Row 2: one-click edits and shifts.
        self.clear_button = self._action_button(
            "Clear", "Clear: set every cell to the background value", InputAction.CLEAR
        )
        self.invert_button = self._action_button(
            "Invert", "Invert: swap dark and light (black -1 becomes white +1, 0.2 becomes 0.8)", InputAction.INVERT
        )
        self.noise_button = self._action_button(
            "Noise",
            "Noise: change some cells at random, to see how the kernel copes with a messy input",
            InputAction.NOISE,
        )
        self.shift_left = self._shift_button(Qt.ArrowType.LeftArrow, "left", 0, -1)
        self.shift_up = self._shift_button(Qt.ArrowType.UpArrow, "up", -1, 0)
        self.shift_down = self._shift_button(Qt.ArrowType.DownArrow, "down", 1, 0)
        self.shift_right = self._shift_button(Qt.ArrowType.RightArrow, "right", 0, 1)

        # Row 3: grid size.
        self.rows = self._size_box("Rows", "Rows of the input grid (from 3 to 64); press Apply or Enter")
        self.cols = self._size_box("Columns", "Columns of the input grid (from 3 to 64); press Apply or Enter")
        self.resize_mode = QComboBox()
        for key, label in RESIZE_MODE_LABELS.items():
            self.resize_mode.addItem(label, key)
        self.resize_mode.setToolTip(
            "How a new size keeps the drawing: crop/pad keeps cells where they are and adds or cuts "
            "cells at the edges; scale stretches or shrinks the whole drawing"
        )
        self.resize_mode.setAccessibleName("Resize mode")
        self.apply_size = QToolButton()
        self.apply_size.setText("Apply")
        self.apply_size.setToolTip("Change the grid to the rows and columns shown")
        self.apply_size.setAccessibleName("Apply grid size")
        self.apply_size.clicked.connect(self._on_apply_size_clicked)
        self.rows.valueChanged.connect(self._update_apply_enabled)
        self.cols.valueChanged.connect(self._update_apply_enabled)

        # Row 4: value mode and brush.
        self.value_mode = QComboBox()
        for key, label in VALUE_MODE_LABELS.items():
            self.value_mode.addItem(label, key)
        self.value_mode.setToolTip(
            "Which numbers the cells hold: binary -1/+1 (black and white, as in the article), "
            "grey from 0 to 1, or 0 to 255 like the bytes of an image"
        )
        self.value_mode.setAccessibleName("Value mode")
        self.value_mode.currentIndexChanged.connect(self._on_value_mode_changed)
        self.brush_value = QDoubleSpinBox()
        self.brush_value.setMinimumWidth(80)
        self.brush_value.setKeyboardTracking(False)  # one intent per typed number, not per key
        self.brush_value.setToolTip("The value the left mouse button paints (the right button paints the background)")
        self.brush_value.setAccessibleName("Brush value")
        self.brush_value.valueChanged.connect(self._on_brush_value_changed)
        self.brush_black = self._swatch_button("black -1", QColor(0, 0, 0), "Paint black: the value -1")
        self.brush_white = self._swatch_button("white +1", QColor(255, 255, 255), "Paint white: the value +1")
        self.brush_group = QButtonGroup(self)
        self.brush_group.setExclusive(True)
        self.brush_group.addButton(self.brush_black)
        self.brush_group.addButton(self.brush_white)
        self.brush_black.clicked.connect(lambda: self.brush_value.setValue(-1.0))
        self.brush_white.clicked.connect(lambda: self.brush_value.setValue(1.0))

        # Two rows of buttons, then labelled rows: Size, Values, Brush.
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(6)
        layout.setVerticalSpacing(3)
        layout.setColumnStretch(1, 1)
        layout.addLayout(self._row(self.pen_button, self.line_button, self.rect_button, self.fill_button), 0, 0, 1, 2)
        edit_row = self._row(
            self.clear_button,
            self.invert_button,
            self.noise_button,
            self._separator(),
            self.shift_left,
            self.shift_up,
            self.shift_down,
            self.shift_right,
        )
        layout.addLayout(edit_row, 1, 0, 1, 2)
        times = QLabel("\u00d7")
        times.setAccessibleName("by")
        size_row = self._row(self.rows, times, self.cols, self.resize_mode, self.apply_size)
        size_row.setStretchFactor(self.resize_mode, 1)
        self._add_labelled(layout, 2, "Size", self.rows, size_row)
        value_row = self._row(self.value_mode)
        value_row.addStretch(1)
        self._add_labelled(layout, 3, "Values", self.value_mode, value_row)
        brush_row = self._row(self.brush_value, self.brush_black, self.brush_white)
        brush_row.addStretch(1)
        self._add_labelled(layout, 4, "Brush", self.brush_value, brush_row)
        for button in (
            self.pen_button,
            self.line_button,
            self.rect_button,
            self.fill_button,
            self.brush_black,
            self.brush_white,
        ):
            _bold_when_checked(button)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

        self.set_state(self._shape, self._mode, -1.0)

    # ------------------------------------------------------------------ state in
    def set_state(self, shape_hw: tuple[int, int], value_mode: str, brush: float | None = None) -> None:
        """Show the document's grid size, value mode and the brush; emits nothing.

        Without ``brush`` the current brush is kept, converted into ``value_mode`` like the cells are
        (binary's black -1 becomes grey 0 and byte 0), so the brush always belongs to the mode shown.
        """
        if value_mode not in VALUE_MODES:
            raise ValueError(f"unknown value mode {value_mode!r}; expected one of {', '.join(VALUE_MODES)}")
        if brush is None:
            brush = self._brush_in(value_mode)
        self._shape = (int(shape_hw[0]), int(shape_hw[1]))
        self._mode = value_mode
        with ExitStack() as stack:
            for w in (self.rows, self.cols, self.value_mode, self.brush_value):
                stack.enter_context(_Blocked(w))
            # A loaded image may be larger than a painting grid: the boxes show the nearest paintable size.
            self.rows.setValue(min(max(self._shape[0], MIN_SIDE), MAX_SIDE))
            self.cols.setValue(min(max(self._shape[1], MIN_SIDE), MAX_SIDE))
            self.value_mode.setCurrentIndex(self.value_mode.findData(value_mode))
            self._show_brush(value_mode, brush)
        self._update_apply_enabled()

    def set_tool(self, tool: str) -> None:
        """Check a tool's button (e.g. from a keyboard shortcut); emits nothing."""
        if tool not in TOOLS:
            raise ValueError(f"unknown tool {tool!r}; expected one of {', '.join(TOOLS)}")
        button = self.tool_group.button(TOOLS.index(tool))
        with _Blocked(self.tool_group):
            button.setChecked(True)

    def tool(self) -> str:
        return TOOLS[self.tool_group.checkedId()]

    def brush(self) -> float:
        return float(self.brush_value.value())

    # ------------------------------------------------------------------ user -> intents
    def _on_tool_group_toggled(self, button_id: int, checked: bool) -> None:
        if checked:
            self.tool_changed.emit(TOOLS[button_id])

    def _on_apply_size_clicked(self) -> None:
        self.resize_requested.emit(self.rows.value(), self.cols.value(), str(self.resize_mode.currentData()))

    def _on_value_mode_changed(self, index: int) -> None:
        new = str(self.value_mode.itemData(index))
        if new == self._mode:
            return
        old_brush = self.brush()
        converted = self._brush_in(new)
        self._mode = new
        with _Blocked(self.brush_value):
            self._show_brush(new, converted)
        self.value_mode_changed.emit(new)
        if self.brush() != old_brush:
            self.brush_changed.emit(self.brush())

    def _on_brush_value_changed(self, value: float) -> None:
        self._sync_swatches()
        self.brush_changed.emit(float(value))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter in a size box applies the size, like the Apply button."""
        if (
            watched in (self.rows, self.cols)
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ):
            (self.rows if watched is self.rows else self.cols).interpretText()
            if self.apply_size.isEnabled():
                self._on_apply_size_clicked()
            return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------------ helpers
    def _brush_in(self, mode: str) -> float:
        """The brush shown now (in the mode shown now), converted into ``mode``."""
        return float(convert_mode(np.array([[self.brush()]], np.float32), self._mode, mode)[0, 0])

    def _show_brush(self, mode: str, brush: float) -> None:
        lo, hi = VALUE_MODES[mode]
        decimals, step = _BRUSH_FORMAT[mode]
        if mode == "binary":
            brush = 1.0 if brush >= 0 else -1.0
        self.brush_value.setDecimals(decimals)
        self.brush_value.setSingleStep(step)
        self.brush_value.setRange(lo, hi)
        self.brush_value.setValue(min(max(brush, lo), hi))
        binary = mode == "binary"
        self.brush_value.setVisible(not binary)
        self.brush_black.setVisible(binary)
        self.brush_white.setVisible(binary)
        self._sync_swatches()

    def _sync_swatches(self) -> None:
        with _Blocked(self.brush_group):
            black = self.brush_value.value() < 0
            (self.brush_black if black else self.brush_white).setChecked(True)

    def _update_apply_enabled(self) -> None:
        self.apply_size.setEnabled((self.rows.value(), self.cols.value()) != self._shape)

    def _tool_button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(f"{text} tool")
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        return button

    def _action_button(self, text: str, tip: str, action: InputAction) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(text)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        button.clicked.connect(lambda: self.action_requested.emit(action))
        return button

    def _shift_button(self, arrow: Qt.ArrowType, direction: str, dr: int, dc: int) -> QToolButton:
        button = QToolButton()
        button.setArrowType(arrow)
        button.setToolTip(f"Shift the drawing one cell {direction}")
        button.setAccessibleName(f"Shift {direction}")
        button.setAutoRepeat(True)  # hold to keep moving
        button.clicked.connect(lambda: self.shift_requested.emit(dr, dc))
        return button

    def _size_box(self, name: str, tip: str) -> QSpinBox:
        box = QSpinBox()
        box.setRange(MIN_SIDE, MAX_SIDE)
        box.setToolTip(tip)
        box.setAccessibleName(name)
        box.installEventFilter(self)
        return box

    def _swatch_button(self, text: str, colour: QColor, tip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setIcon(_swatch(colour))
        button.setIconSize(QSize(12, 12))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setCheckable(True)
        button.setToolTip(tip)
        button.setAccessibleName(f"Brush {text}")
        return button

    @staticmethod
    def _separator() -> QFrame:
        line = QFrame()
        line.setFrameShape(QFrame.Shape.VLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        return line

    @staticmethod
    def _add_labelled(grid: QGridLayout, row: int, text: str, buddy: QWidget, content: QHBoxLayout) -> None:
        label = QLabel(text)
        label.setBuddy(buddy)
        grid.addWidget(label, row, 0)
        grid.addLayout(content, row, 1)

    @staticmethod
    def _row(*widgets: QWidget) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(3)
        for w in widgets:
            row.addWidget(w)
        return row


def _bold_when_checked(button: QToolButton) -> None:
    """Make the checked one of a group obvious (Fusion's pressed look is faint on a projector)."""

    def restyle(checked: bool) -> None:
        font = button.font()
        font.setBold(checked)
        button.setFont(font)

    bold = button.font()
    bold.setBold(True)
    text_growth = QFontMetrics(bold).horizontalAdvance(button.text()) - button.fontMetrics().horizontalAdvance(
        button.text()
    )
    button.setMinimumWidth(button.sizeHint().width() + max(0, text_growth))  # no jump when it turns bold
    button.toggled.connect(restyle)
    restyle(button.isChecked())


class _Blocked:
    """Quiet a QObject's signals for a ``with`` block (a QSignalBlocker that is a context manager)."""

    def __init__(self, obj: QObject) -> None:
        self._obj = obj

    def __enter__(self) -> None:
        self._was = self._obj.blockSignals(True)

    def __exit__(self, *exc: object) -> None:
        self._obj.blockSignals(self._was)
