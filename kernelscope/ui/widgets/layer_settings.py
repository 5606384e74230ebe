"""The settings form of one non-Conv2D layer, built from its Keras ``get_config()`` keys.

The form shows what the document holds and emits the whole edited config; it never decides what
fits the stack (the document refuses, and ``show_problem`` says why).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import QEvent, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QPalette, QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from kernelscope.ui import theme
from kernelscope.ui.widgets.conv_controls import ACTIVATION_TIPS

__all__ = ["FLOAT_DECIMALS", "NOTES", "LayerSettings"]

FLOAT_DECIMALS = 8  # 1/255 shows as 0.00392157
POOL_RANGE = (1, 64)
PADDING_RANGE = (0, 64)
UNITS_RANGE = (1, 4096)
BIG = 1e6

NOTES = {
    "Flatten": "Flattens H x W x C maps into one vector, row by row (H, then W, then C). No settings.",
    "Dropout": "Dropout is the identity at inference: kernelscope shows inference, so the maps pass unchanged.",
    "BatchNormalization": (
        "At inference: (x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta, per channel "
        "(gamma only with scale, beta only with center)."
    ),
}

TIPS = {
    "pool_size": "The height and width of the window whose cells are pooled into one.",
    "strides": "How many cells the window moves each step; Keras's default is the pool size (no overlap).",
    "padding": (
        "'valid' keeps the window inside the input; 'same' pads so the output is the input's size divided "
        "by the stride (the extra cell at the bottom/right, as in Conv2D)."
    ),
    "keepdims": "On: the output keeps a 1x1 height and width (1 x 1 x C); off: a vector of C values.",
    "units": "How many numbers the layer outputs; each is a weighted sum of every input value.",
    "activation": "The function applied to every output value.",
    "use_bias": "Adds one learned number per unit after the weighted sum.",
    "rate": "The fraction of values dropped while training (they are kept at inference).",
    "max_value": "On: values are capped at this number (ReLU(max_value=6) is relu6); off: no cap.",
    "negative_slope": "Values below the threshold are multiplied by this (0: plain ReLU; 0.2: leaky).",
    "threshold": "Values below this count as negative.",
    "epsilon": "Added to the variance so the division never divides by 0.",
    "center": "Adds beta (one learned offset per channel).",
    "scale": "Multiplies by gamma (one learned factor per channel).",
    "padding_rows": "Rows of zeros added at the top and at the bottom.",
    "padding_columns": "Columns of zeros added at the left and at the right.",
    "scale_factor": "Every value is multiplied by this (1/255 maps 0..255 pixels to 0..1; type 1/255).",
    "offset": "Added after the multiplication (-1 with scale 1/127.5 maps 0..255 to -1..1).",
}
ACTIVATION_TIPS_MORE = {"softmax": "softmax: exp of each value over the sum of the exps; the outputs add up to 1."}


def _activation_label(name: str) -> str:
    return "None (linear)" if name == "linear" else name


# --------------------------------------------------------------------------- editors


def parse_number(text: str) -> float | None:
    """A finite number typed as ``0.5``, ``1e-3`` or a fraction ``1/255``; None when it is not one."""
    text = text.strip().replace(",", ".")
    try:
        if "/" in text:
            top, bottom = text.split("/", 1)
            value = float(top) / float(bottom)
        else:
            value = float(text)
    except (ValueError, ZeroDivisionError):
        return None
    return value if math.isfinite(value) else None


class ExactSpinBox(QDoubleSpinBox):
    """A float box that shows 8 decimals without trailing zeros, accepts fractions, and hands back the
    exact number it was given or typed (1/255, not the rounded 0.00392157) while the box shows it."""

    def __init__(self, low: float, high: float, step: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._exact: float | None = None
        self.setDecimals(FLOAT_DECIMALS)
        self.setRange(low, high)
        self.setSingleStep(step)
        self.setKeyboardTracking(False)  # a value counts on Enter, focus out or an arrow step
        self.setAlignment(Qt.AlignmentFlag.AlignRight)

    def set_exact(self, value: float) -> None:
        self.setRange(min(self.minimum(), value), max(self.maximum(), value))  # show it, never clamp it
        self._exact = float(value)
        self.setValue(value)

    def exact_value(self) -> float:
        shown = self.value()
        if self._exact is not None and self._shows(self._exact, shown):
            return self._exact
        return shown

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt's virtual)
        text = f"{value:.{self.decimals()}f}".rstrip("0").rstrip(".")
        return "0" if text in ("", "-0") else text

    def valueFromText(self, text: str) -> float:  # noqa: N802 (Qt's virtual)
        value = parse_number(text)
        if value is None:
            return self.value()
        if self._exact is not None and self._shows(self._exact, value):
            return self._exact  # the shown text read back: keep the exact number behind it
        self._exact = value
        return value

    def _shows(self, exact: float, shown: float) -> bool:
        return abs(exact - shown) <= 0.5 * 10.0 ** -self.decimals()

    def validate(self, text: str, pos: int) -> object:
        value = parse_number(text)
        if value is not None and self.minimum() <= value <= self.maximum():
            state = QValidator.State.Acceptable
        elif all(ch in "0123456789.,-+eE/ " for ch in text):
            state = QValidator.State.Intermediate  # on its way to a number, or out of range for now
        else:
            state = QValidator.State.Invalid
        return state, text, pos

    def sizeHint(self) -> QSize:
        """Room for a number with all its decimals: Qt sizes the box from the range's ends, and "1"
        (the end of 0..1) is far narrower than 0.00392157."""
        hint = super().sizeHint()
        metrics = self.fontMetrics()
        ends = max(metrics.horizontalAdvance(self.textFromValue(v)) for v in (self.minimum(), self.maximum()))
        sample = ("-" if self.minimum() < 0 else "") + "000." + "0" * self.decimals()
        return QSize(hint.width() + max(0, metrics.horizontalAdvance(sample) - ends), hint.height())

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def fixup(self, text: str) -> str:
        return self.textFromValue(self.value())


class _Field:
    """One config key: the editors in its form rows, how to show a value, how to read one back."""

    def __init__(self, key: str, rows: list[tuple[str, QWidget, str]], default: Any) -> None:
        self.key, self.rows, self.default = key, rows, default

    def editors(self) -> list[QWidget]:
        raise NotImplementedError

    def show(self, value: Any) -> None:
        raise NotImplementedError

    def value(self) -> Any:
        raise NotImplementedError

    def connect(self, commit: Callable[[], None]) -> None:
        raise NotImplementedError


def _int_box(low: int, high: int, name: str, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setKeyboardTracking(False)  # typing "12" must not emit 1 first
    spin.setAlignment(Qt.AlignmentFlag.AlignRight)
    spin.setToolTip(tip)
    spin.setAccessibleName(name)
    spin.setAccessibleDescription(tip)
    return spin


def _row(*widgets: QWidget | str) -> QWidget:
    row = QWidget()
    lay = QHBoxLayout(row)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(4)
    for w in widgets:
        lay.addWidget(QLabel(w) if isinstance(w, str) else w)
    lay.addStretch(1)
    return row


class _IntField(_Field):
    def __init__(self, key: str, low: int, high: int, default: int, tip: str) -> None:
        self.box = _int_box(low, high, key, tip)
        self.limit = high
        super().__init__(key, [(key, self.box, tip)], default)

    def editors(self) -> list[QWidget]:
        return [self.box]

    def show(self, value: Any) -> None:
        self.box.setMaximum(max(self.limit, int(value)))
        self.box.setValue(int(value))

    def value(self) -> int:
        return self.box.value()

    def connect(self, commit: Callable[[], None]) -> None:
        self.box.valueChanged.connect(lambda _v: commit())


class _FloatField(_Field):
    def __init__(self, key: str, low: float, high: float, step: float, default: float, tip: str,
                 label: str | None = None) -> None:
        self.box = ExactSpinBox(low, high, step)
        self.box.setToolTip(tip)
        self.box.setAccessibleName(key)
        self.box.setAccessibleDescription(tip)
        super().__init__(key, [(label or key, self.box, tip)], default)

    def editors(self) -> list[QWidget]:
        return [self.box]

    def show(self, value: Any) -> None:
        self.box.set_exact(float(value))

    def value(self) -> float:
        return self.box.exact_value()

    def connect(self, commit: Callable[[], None]) -> None:
        self.box.valueChanged.connect(lambda _v: commit())


class _PairsField(_Field):
    """Whole-number pairs: ``[h, w]`` (pool_size, strides) or ``[[top, bottom], [left, right]]``."""

    def __init__(self, key: str, rows: Sequence[tuple[str, tuple[str, str], str]], low: int, high: int,
                 default: Any, nested: bool) -> None:
        self.nested, self.limit = nested, high
        self.boxes: list[QSpinBox] = []
        form_rows: list[tuple[str, QWidget, str]] = []
        for label, parts, tip in rows:
            pair = [_int_box(low, high, f"{label} {part}", f"{tip}\n\nThis box: {part}.") for part in parts]
            self.boxes += pair
            separator = "\u00d7" if not nested else ","
            row = _row(pair[0], separator, pair[1])
            row.setToolTip(tip)
            form_rows.append((label, row, tip))
        super().__init__(key, form_rows, default)

    def editors(self) -> list[QWidget]:
        return list(self.boxes)

    def show(self, value: Any) -> None:
        flat = [int(v) for pair in value for v in pair] if self.nested else [int(v) for v in value]
        for box, v in zip(self.boxes, flat, strict=True):
            box.setMaximum(max(self.limit, v))
            box.setValue(v)

    def value(self) -> list[Any]:
        flat = [box.value() for box in self.boxes]
        return [flat[0:2], flat[2:4]] if self.nested else flat

    def connect(self, commit: Callable[[], None]) -> None:
        for box in self.boxes:
            box.valueChanged.connect(lambda _v: commit())


class _CheckField(_Field):
    def __init__(self, key: str, text: str, default: bool, tip: str) -> None:
        self.box = QCheckBox(text)
        self.box.setToolTip(tip)
        self.box.setAccessibleName(key)
        self.box.setAccessibleDescription(tip)
        super().__init__(key, [(key, self.box, tip)], default)

    def editors(self) -> list[QWidget]:
        return [self.box]

    def show(self, value: Any) -> None:
        self.box.setChecked(bool(value))

    def value(self) -> bool:
        return self.box.isChecked()

    def connect(self, commit: Callable[[], None]) -> None:
        self.box.toggled.connect(lambda _on: commit())


class _ChoiceField(_Field):
    def __init__(self, key: str, choices: Sequence[tuple[str, str, str]], default: str, tip: str) -> None:
        self.box = QComboBox()
        for data, label, item_tip in choices:
            self.box.addItem(label, data)
            self.box.setItemData(self.box.count() - 1, item_tip, Qt.ItemDataRole.ToolTipRole)
        self.box.setToolTip(tip)
        self.box.setAccessibleName(key)
        self.box.setAccessibleDescription(tip)
        super().__init__(key, [(key, self.box, tip)], default)

    def editors(self) -> list[QWidget]:
        return [self.box]

    def show(self, value: Any) -> None:
        index = self.box.findData(value)
        if index < 0:  # a value the list does not offer: shown as it is, never swapped for another
            self.box.addItem(str(value), value)
            index = self.box.count() - 1
        self.box.setCurrentIndex(index)

    def value(self) -> str:
        return str(self.box.currentData())

    def connect(self, commit: Callable[[], None]) -> None:
        self.box.currentIndexChanged.connect(lambda _i: commit())


class _OptionalFloatField(_Field):
    """A number or None: a check box that turns the cap on, and the number it caps at."""

    def __init__(self, key: str, text: str, on_value: float, tip: str) -> None:
        self.check = QCheckBox(text)
        self.check.setToolTip(tip)
        self.check.setAccessibleName(f"{key} on")
        self.box = ExactSpinBox(0.0, BIG, 0.5)
        self.box.setToolTip(tip)
        self.box.setAccessibleName(key)
        self.box.setAccessibleDescription(tip)
        self.on_value = on_value
        super().__init__(key, [(key, _row(self.check, self.box), tip)], None)

    def editors(self) -> list[QWidget]:
        return [self.check, self.box]

    def show(self, value: Any) -> None:
        self.check.setChecked(value is not None)
        self.box.set_exact(self.on_value if value is None else float(value))
        self.box.setEnabled(value is not None)

    def value(self) -> float | None:
        return self.box.exact_value() if self.check.isChecked() else None

    def connect(self, commit: Callable[[], None]) -> None:
        self.check.toggled.connect(self.box.setEnabled)
        self.check.toggled.connect(lambda _on: commit())
        self.box.valueChanged.connect(lambda _v: commit())


# --------------------------------------------------------------------------- the forms


def _pooling() -> list[_Field]:
    pool = _PairsField("pool_size", [("pool_size", ("height", "width"), TIPS["pool_size"])], *POOL_RANGE,
                       default=[2, 2], nested=False)
    strides = _PairsField("strides", [("strides", ("down", "across"), TIPS["strides"])], *POOL_RANGE,
                          default=[2, 2], nested=False)
    padding = _ChoiceField("padding", [(p, p, TIPS["padding"]) for p in ("valid", "same")], "valid", TIPS["padding"])
    return [pool, strides, padding]


def _global_pooling() -> list[_Field]:
    return [_CheckField("keepdims", "keep height and width (1 x 1 x C)", False, TIPS["keepdims"])]


def _activation_field(activations: Sequence[str]) -> _Field:
    tips = {**ACTIVATION_TIPS, **ACTIVATION_TIPS_MORE}
    choices = [(name, _activation_label(name), tips.get(name, name)) for name in activations]
    return _ChoiceField("activation", choices, "linear", TIPS["activation"])


def _relu() -> list[_Field]:
    return [
        _OptionalFloatField("max_value", "cap at", 6.0, TIPS["max_value"]),
        _FloatField("negative_slope", 0.0, BIG, 0.1, 0.0, TIPS["negative_slope"]),
        _FloatField("threshold", 0.0, BIG, 0.1, 0.0, TIPS["threshold"]),
    ]


def _batch_normalization() -> list[_Field]:
    epsilon = _FloatField("epsilon", 10.0**-FLOAT_DECIMALS, BIG, 0.001, 1e-3, TIPS["epsilon"])
    epsilon.box.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
    return [
        epsilon,
        _CheckField("center", "add beta", True, TIPS["center"]),
        _CheckField("scale", "multiply by gamma", True, TIPS["scale"]),
    ]


def _zero_padding() -> list[_Field]:
    rows = [("padding (top, bottom)", ("top", "bottom"), TIPS["padding_rows"]),
            ("padding (left, right)", ("left", "right"), TIPS["padding_columns"])]
    return [_PairsField("padding", rows, *PADDING_RANGE, default=[[1, 1], [1, 1]], nested=True)]


def _rescaling() -> list[_Field]:
    return [
        _FloatField("scale", -BIG, BIG, 0.01, 1.0, TIPS["scale_factor"]),
        _FloatField("offset", -BIG, BIG, 0.1, 0.0, TIPS["offset"]),
    ]


def _fields(class_name: str, activations: Sequence[str]) -> list[_Field] | None:
    """The form of ``class_name``; None for a class this form does not edit (Conv2D has its own)."""
    if class_name in ("MaxPooling2D", "AveragePooling2D"):
        return _pooling()
    if class_name in ("GlobalMaxPooling2D", "GlobalAveragePooling2D"):
        return _global_pooling()
    if class_name == "Dense":
        return [_IntField("units", *UNITS_RANGE, 10, TIPS["units"]), _activation_field(activations),
                _CheckField("use_bias", "add a bias", True, TIPS["use_bias"])]
    if class_name == "Dropout":
        return [_FloatField("rate", 0.0, 1.0, 0.05, 0.5, TIPS["rate"])]
    if class_name == "Activation":
        return [_activation_field(activations)]
    builders: dict[str, Callable[[], list[_Field]]] = {
        "ReLU": _relu, "BatchNormalization": _batch_normalization, "ZeroPadding2D": _zero_padding,
        "Rescaling": _rescaling, "Flatten": list,
    }
    builder = builders.get(class_name)
    return None if builder is None else builder()


class LayerSettings(QWidget):
    """Shows one layer's config as a form and emits the whole config when the person edits a field."""

    config_edited = Signal(dict)

    def __init__(self, activations: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._activations = tuple(activations)
        self._class_name = ""
        self._config: dict[str, Any] = {}
        self._fields: list[_Field] = []
        self.page = QWidget(self)

        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.PlainText)
        self.note.setAccessibleName("About this layer")
        self.note.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        self.problem = QLabel(self)
        self.problem.setWordWrap(True)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.problem.setAccessibleName("Layer problem")
        self._colour_problem()
        self.problem.hide()

        self._outer = QVBoxLayout(self)
        self._outer.setContentsMargins(6, 6, 6, 6)
        self._outer.setSpacing(6)
        self._outer.addWidget(self.page)
        self._outer.addWidget(self.note)
        self._outer.addWidget(self.problem)
        self._outer.addStretch(1)

    # ------------------------------------------------------------------ API

    def set_layer(self, class_name: str, config: Mapping[str, Any]) -> None:
        """Show ``config`` (Keras get_config() keys) as the form of ``class_name``; emits nothing, and
        clears any shown problem."""
        if class_name != self._class_name:
            self._build(class_name)
        self._config = dict(config)
        for field in self._fields:
            blockers = [QSignalBlocker(w) for w in field.editors()]
            try:
                field.show(config.get(field.key, field.default))
            finally:
                for b in blockers:
                    b.unblock()
        self.show_problem(None)

    def class_name(self) -> str:
        return self._class_name

    def heading_text(self) -> str:
        """The pane's heading: ``MaxPooling2D settings``."""
        return f"{self._class_name} settings" if self._class_name else "Layer settings"

    def config(self) -> dict[str, Any]:
        """What the form shows: the config set, with every field's value (pairs as lists)."""
        config = dict(self._config)
        for field in self._fields:
            config[field.key] = field.value()
        return config

    def field_editors(self) -> dict[str, list[QWidget]]:
        """Each config key's editors, in form order (what a test or a screen reader walks)."""
        return {field.key: field.editors() for field in self._fields}

    def show_problem(self, text: str | None) -> None:
        """Explain a refusal under the form; None or "" hides it."""
        self.problem.setText(text or "")
        self.problem.setToolTip(text or "")
        self.problem.setAccessibleDescription(text or "")
        self.problem.setVisible(bool(text))

    def problem_text(self) -> str:
        return self.problem.text()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "problem"):
            self._colour_problem()  # a theme switch: the red stays readable on the new background

    # ------------------------------------------------------------------ building

    def _build(self, class_name: str) -> None:
        fields = _fields(class_name, self._activations)
        page = QWidget(self)
        form = QFormLayout(page)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        for field in fields or []:
            for label_text, widget, tip in field.rows:
                label = QLabel(label_text)
                label.setToolTip(tip)
                editors = field.editors()
                label.setBuddy(widget if widget in editors else next(e for e in editors if widget.isAncestorOf(e)))
                form.addRow(label, widget)
            field.connect(self._commit)
        self._outer.replaceWidget(self.page, page)
        self.page.hide()
        self.page.deleteLater()
        self.page = page
        self.page.setVisible(bool(fields))
        self._fields = fields or []
        self._class_name = class_name
        note = NOTES.get(class_name, "")
        if fields is None:
            note = f"{class_name} has no settings here."
        self.note.setText(note)
        self.note.setVisible(bool(note))

    def _colour_problem(self) -> None:
        # A palette, not a style sheet: a style-sheeted label stops following the font (projector scale).
        palette = self.problem.palette()
        background = self.palette().color(QPalette.ColorRole.Window)
        palette.setColor(QPalette.ColorRole.WindowText, theme.problem_red(background))
        self.problem.setPalette(palette)

    def _commit(self) -> None:
        self._config = self.config()
        self.config_edited.emit(dict(self._config))
