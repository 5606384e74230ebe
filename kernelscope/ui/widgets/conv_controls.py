"""The Conv2D layer controls: filters, kernel_size, strides, padding, dilation_rate, activation, use_bias."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import Protocol

from PySide6.QtCore import QEvent, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

__all__ = ["ConvControls"]

PROBLEM_RED = "#c62828"
LINKED, UNLINKED = "=", "\u2260"  # the link button reads "=" while height and width are kept equal

FILTERS_RANGE = (1, 512)  # the scene's MAX_FILTERS (a widget does not import the scene's engine)
KERNEL_RANGE = (1, 11)
STRIDE_RANGE = (1, 8)
DILATION_RANGE = (1, 8)

TIPS = {
    "filters": (
        "How many kernels the layer has. Each filter slides over the whole input and makes its own "
        "feature map, so 3 filters give 3 maps."
    ),
    "kernel_size": (
        "The height and width of the window each filter looks through. A 3x3 kernel has 9 weights per "
        "input channel; a bigger kernel sees more at once, and with padding='valid' makes the map smaller."
    ),
    "strides": (
        "How many cells the window moves each step. 2 skips every other position, so the map is about "
        "half as big."
    ),
    "padding": (
        "'valid' adds no zeros: the window stays inside the input, so the map shrinks.\n"
        "'same' adds a ring of zeros so the map keeps the input's size (divided by the stride); Keras "
        "puts the extra zero at the bottom/right when the padding is odd."
    ),
    "dilation_rate": (
        "Spreads the kernel's taps apart: with 2, the 3x3 kernel samples every other cell and covers 5x5. "
        "Keras refuses dilation above 1 together with strides above 1."
    ),
    "activation": (
        "A function applied to every cell of the map after the weighted sum and the bias. 'relu' turns "
        "negative numbers into 0; None (linear) keeps the sum as it is."
    ),
    "use_bias": (
        "Adds one number per filter (its bias) to every cell of that filter's map, after the weighted sum. "
        "Off: the sum is used as it is."
    ),
    "link": "Keep height and width equal (square). Turn off to set them separately, e.g. 3x5.",
}

PADDING_TIPS = {
    "valid": "'valid' adds no zeros: the window stays inside the input, so the map shrinks by kernel size - 1.",
    "same": (
        "'same' adds a ring of zeros so the map keeps the input's size (divided by the stride); Keras puts "
        "the extra zero at the bottom/right when the padding is odd."
    ),
}

ACTIVATION_TIPS = {
    "linear": "None (linear): the sum is kept as it is.",
    "relu": "relu: negative numbers become 0, positive ones stay.",
    "sigmoid": "sigmoid: squeezes every number into 0..1 (0 becomes 0.5).",
    "tanh": "tanh: squeezes every number into -1..1 (0 stays 0).",
    "elu": "elu: positive numbers stay; negative ones curve smoothly towards -1.",
    "selu": "selu: like elu, scaled (about 1.05 x, negatives towards -1.76).",
    "softplus": "softplus: a smooth relu, log(1 + e^x); always above 0.",
    "softsign": "softsign: x / (1 + |x|), squeezes into -1..1 more gently than tanh.",
    "silu": "silu: x times sigmoid(x); a smooth relu that dips a little below 0.",
    "swish": "swish: the same as silu, x times sigmoid(x).",
    "gelu": "gelu: x times the chance a normal random number is below x; a smooth relu.",
    "leaky_relu": "leaky_relu: positive numbers stay; negative ones are multiplied by 0.2.",
}


def _activation_label(name: str) -> str:
    return "None (linear)" if name == "linear" else name


class _Pair:
    """Two spinboxes (height, width) and the square-link button that keeps them equal."""

    def __init__(self, h: QSpinBox, w: QSpinBox, link: QToolButton, limits: tuple[int, int]) -> None:
        self.h, self.w, self.link, self.limits = h, w, link, limits

    def values(self) -> tuple[int, int]:
        return self.h.value(), self.w.value()

    def set_linked(self, on: bool) -> None:
        with QSignalBlocker(self.link):
            self.link.setChecked(on)
        self.link.setText(LINKED if on else UNLINKED)

    def show(self, value: tuple[int, int]) -> None:
        for spin, v in zip((self.h, self.w), value, strict=True):
            # Widen the range rather than clamp: the controls never show something the layer isn't.
            spin.setMaximum(max(self.limits[1], v))
            spin.setValue(v)


class LayerSpec(Protocol):
    """What the controls show: the Conv2D arguments (an ``engine.ConvSpec`` in the app)."""

    filters: int
    kernel_size: tuple[int, int]
    strides: tuple[int, int]
    padding: str
    dilation_rate: tuple[int, int]
    activation: str
    use_bias: bool


class ConvControls(QWidget):
    """Shows a layer spec and emits the edited one; refusals are explained inline, never applied.

    ``make_spec(**arguments)`` builds a spec from the controls or raises ValueError with the reason
    (the app passes ``engine.ConvSpec``, so the widget never decides what Keras accepts);
    ``spec_edited`` carries a new, valid spec; the widget never changes the layer itself.
    """

    spec_edited = Signal(object)  # what make_spec returned

    def __init__(
        self, make_spec: Callable[..., LayerSpec], activations: Sequence[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._make_spec = make_spec
        self._base = make_spec()  # the last spec set from outside
        self._good = self._base  # what the controls show: the last spec set or emitted

        self.filters = self._spin(FILTERS_RANGE, "filters", TIPS["filters"])

        self.kernel_h, self.kernel_w, self.kernel_link, kernel_row = self._pair_row(
            "kernel_size", KERNEL_RANGE, ("height (rows)", "width (columns)")
        )
        self.stride_h, self.stride_w, self.stride_link, stride_row = self._pair_row(
            "strides", STRIDE_RANGE, ("down (rows per step)", "across (columns per step)")
        )

        self.padding = QComboBox()
        for name in ("valid", "same"):
            self.padding.addItem(name, name)
            self.padding.setItemData(self.padding.count() - 1, PADDING_TIPS[name], Qt.ItemDataRole.ToolTipRole)
        self.padding.setToolTip(TIPS["padding"])
        self.padding.setAccessibleName("padding")
        self.padding.setAccessibleDescription(TIPS["padding"])

        self.dilation_h, self.dilation_w, self.dilation_link, dilation_row = self._pair_row(
            "dilation_rate", DILATION_RANGE, ("between rows", "between columns")
        )

        self.activation = QComboBox()
        for name in activations:
            self.activation.addItem(_activation_label(name), name)
            tip = ACTIVATION_TIPS.get(name, name)
            self.activation.setItemData(self.activation.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.activation.setToolTip(TIPS["activation"])
        self.activation.setAccessibleName("activation")
        self.activation.setAccessibleDescription(TIPS["activation"])

        self.use_bias = QCheckBox("add a bias")
        self.use_bias.setToolTip(TIPS["use_bias"])
        self.use_bias.setAccessibleName("use_bias")
        self.use_bias.setAccessibleDescription(TIPS["use_bias"])

        self.problem = QLabel()
        self.problem.setWordWrap(True)
        # A palette, not a style sheet: a style-sheeted label stops following the font (projector scale).
        palette = self.problem.palette()
        palette.setColor(QPalette.ColorRole.WindowText, QColor(PROBLEM_RED))
        self.problem.setPalette(palette)
        self.problem.setTextFormat(Qt.TextFormat.PlainText)
        self.problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.problem.setAccessibleName("Layer problem")
        self.problem.hide()

        self._pairs = {
            "kernel_size": _Pair(self.kernel_h, self.kernel_w, self.kernel_link, KERNEL_RANGE),
            "strides": _Pair(self.stride_h, self.stride_w, self.stride_link, STRIDE_RANGE),
            "dilation_rate": _Pair(self.dilation_h, self.dilation_w, self.dilation_link, DILATION_RANGE),
        }

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setVerticalSpacing(3)  # seven rows over the kernel: a 1280x800 screen shows both untabbed
        self._add_row(form, "filters", self.filters, self.filters)
        self._add_row(form, "kernel_size", kernel_row, self.kernel_h)
        self._add_row(form, "strides", stride_row, self.stride_h)
        self._add_row(form, "padding", self.padding, self.padding)
        self._add_row(form, "dilation_rate", dilation_row, self.dilation_h)
        self._add_row(form, "activation", self.activation, self.activation)
        self._add_row(form, "use_bias", self.use_bias, self.use_bias)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 2, 6, 2)
        outer.setSpacing(6)
        outer.addLayout(form)
        outer.addWidget(self.problem)
        outer.addStretch(1)

        order: list[QWidget] = [self.filters]
        for pair in self._pairs.values():
            order += [pair.h, pair.w, pair.link]
            if pair.link is self.stride_link:
                order.append(self.padding)
        order += [self.activation, self.use_bias]
        for first, second in itertools.pairwise(order):
            QWidget.setTabOrder(first, second)

        self._show(self._good)
        for pair in self._pairs.values():
            pair.link.toggled.connect(lambda on, b=pair.link: b.setText(LINKED if on else UNLINKED))
            pair.link.setChecked(True)
        self._even_widths()

        self.filters.valueChanged.connect(self._on_control_edited)
        for pair in self._pairs.values():
            pair.h.valueChanged.connect(lambda _v, p=pair: self._on_pair_edited(p, p.h))
            pair.w.valueChanged.connect(lambda _v, p=pair: self._on_pair_edited(p, p.w))
            pair.link.toggled.connect(lambda _on, p=pair: self._on_link_toggled(p))
        self.padding.currentIndexChanged.connect(self._on_control_edited)
        self.activation.currentIndexChanged.connect(self._on_control_edited)
        self.use_bias.toggled.connect(self._on_control_edited)

    # ------------------------------------------------------------------ API
    def set_spec(self, spec: LayerSpec) -> None:
        """Show ``spec`` without emitting, and clear any shown problem."""
        shown = self._good
        self._base = self._good = spec
        self._show(spec)
        for name, pair in self._pairs.items():
            h, w = getattr(spec, name)
            if h != w:
                pair.set_linked(False)
            elif getattr(shown, name) != (h, w):
                # A new square value from outside (a lesson, a pasted line): link it again.
                # The echo of the person's own edit keeps their choice.
                pair.set_linked(True)
        self.show_problem("")

    def show_problem(self, text: str) -> None:
        """Explain a refusal right under the controls; an empty text hides the label."""
        self.problem.setText(text)
        self.problem.setToolTip(text)
        self.problem.setAccessibleDescription(text)
        self.problem.setVisible(bool(text))

    def problem_text(self) -> str:
        return self.problem.text()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._even_widths()

    def spec(self) -> LayerSpec:
        """The spec the controls show (the last one set or emitted)."""
        return self._good

    # ------------------------------------------------------------------ building
    def _spin(self, limits: tuple[int, int], name: str, tip: str) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(*limits)
        # Typing "11" must not emit 1 first: values count on Enter, focus out, or an arrow step.
        spin.setKeyboardTracking(False)
        spin.setAlignment(Qt.AlignmentFlag.AlignRight)
        spin.setToolTip(tip)
        spin.setAccessibleName(name)
        spin.setAccessibleDescription(tip)
        return spin

    def _pair_row(
        self, name: str, limits: tuple[int, int], parts: tuple[str, str]
    ) -> tuple[QSpinBox, QSpinBox, QToolButton, QWidget]:
        tip = TIPS[name]
        h = self._spin(limits, f"{name} {parts[0]}", f"{tip}\n\nThis box: {parts[0]}.")
        w = self._spin(limits, f"{name} {parts[1]}", f"{tip}\n\nThis box: {parts[1]}.")
        link = QToolButton()
        link.setText(LINKED)
        link.setCheckable(True)
        link.setAutoRaise(False)
        link.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        link.setToolTip(TIPS["link"])
        link.setAccessibleName(f"{name}: keep square")
        link.setAccessibleDescription(TIPS["link"])
        times = QLabel("\u00d7")
        times.setToolTip(tip)
        times.setAccessibleName("by")
        row = QWidget()
        row.setToolTip(tip)
        lay = QHBoxLayout(row)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(h)
        lay.addWidget(times)
        lay.addWidget(w)
        lay.addSpacing(2)
        lay.addWidget(link)
        return h, w, link, row

    def _even_widths(self) -> None:
        """One width for every spinbox and every combo, so the columns line up (recomputed on font change)."""
        spins = [self.filters] + [s for p in self._pairs.values() for s in (p.h, p.w)]
        combos = [self.padding, self.activation]
        for widget in (*spins, *combos):
            widget.setMinimumWidth(0)
        spin_w = max(s.sizeHint().width() for s in spins) + self.fontMetrics().horizontalAdvance("0")
        for spin in spins:
            spin.setMinimumWidth(spin_w)
        combo_w = max(c.sizeHint().width() for c in combos)
        for combo in combos:
            combo.setMinimumWidth(combo_w)

    @staticmethod
    def _add_row(form: QFormLayout, name: str, field: QWidget, buddy: QWidget) -> None:
        label = QLabel(name)
        label.setToolTip(TIPS[name])
        label.setBuddy(buddy)
        form.addRow(label, field)

    def _show(self, spec: LayerSpec) -> None:
        """Write every control from ``spec`` with its signals blocked (link buttons untouched)."""
        spins = [s for p in self._pairs.values() for s in (p.h, p.w)]
        blockers = [QSignalBlocker(w) for w in (self.filters, self.padding, self.activation, self.use_bias, *spins)]
        try:
            self.filters.setMaximum(max(FILTERS_RANGE[1], spec.filters))
            self.filters.setValue(spec.filters)
            for name, pair in self._pairs.items():
                pair.show(getattr(spec, name))
            self.padding.setCurrentIndex(self.padding.findData(spec.padding))
            self.activation.setCurrentIndex(self.activation.findData(spec.activation))
            self.use_bias.setChecked(spec.use_bias)
        finally:
            for b in blockers:
                b.unblock()

    # ------------------------------------------------------------------ edits
    def _on_pair_edited(self, pair: _Pair, source: QSpinBox) -> None:
        if pair.link.isChecked():
            other = pair.w if source is pair.h else pair.h
            with QSignalBlocker(other):
                other.setMaximum(max(other.maximum(), source.value()))
                other.setValue(source.value())
        self._commit()

    def _on_link_toggled(self, pair: _Pair) -> None:
        if pair.link.isChecked() and pair.h.value() != pair.w.value():
            with QSignalBlocker(pair.w):
                pair.w.setValue(pair.h.value())
            if not self._commit():
                pair.set_linked(False)

    def _on_control_edited(self, *_: object) -> None:
        self._commit()

    def _commit(self) -> bool:
        """Build a spec from every control; emit it, or explain the refusal and restore the last good one."""
        try:
            spec = self._make_spec(
                filters=self.filters.value(),
                kernel_size=self._pairs["kernel_size"].values(),
                strides=self._pairs["strides"].values(),
                padding=self.padding.currentData(),
                dilation_rate=self._pairs["dilation_rate"].values(),
                activation=self.activation.currentData(),
                use_bias=self.use_bias.isChecked(),
            )
        except ValueError as exc:
            # Only the control just touched differs from the last good spec: put it back.
            self._show(self._good)
            self.show_problem(str(exc))
            return False
        self._good = spec
        self.show_problem("")
        self.spec_edited.emit(spec)
        return True
