"""LayerSettings alone: each layer's form shows its config, and a person's edit emits the whole config."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QCheckBox, QComboBox, QWidget

from kernelscope.ui.widgets.layer_settings import NOTES, ExactSpinBox, LayerSettings, parse_number

ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax")
CONFIGS: dict[str, dict[str, Any]] = {
    "MaxPooling2D": {"name": "max_pooling2d", "pool_size": (2, 2), "strides": (2, 2), "padding": "valid"},
    "AveragePooling2D": {"name": "average_pooling2d", "pool_size": (3, 3), "strides": (1, 2), "padding": "same"},
    "GlobalMaxPooling2D": {"name": "global_max_pooling2d", "keepdims": False},
    "GlobalAveragePooling2D": {"name": "global_average_pooling2d", "keepdims": True},
    "Flatten": {"name": "flatten"},
    "Dense": {"name": "dense", "units": 10, "activation": "softmax", "use_bias": True},
    "Dropout": {"name": "dropout", "rate": 0.25},
    "Activation": {"name": "activation", "activation": "relu"},
    "ReLU": {"name": "re_lu", "max_value": 6.0, "negative_slope": 0.0, "threshold": 0.0},
    "BatchNormalization": {"name": "batch_normalization", "axis": -1, "epsilon": 1e-3, "center": True,
                           "scale": True},
    "ZeroPadding2D": {"name": "zero_padding2d", "padding": ((1, 2), (3, 4))},
    "Rescaling": {"name": "rescaling", "scale": 1 / 255, "offset": 0.0},
}
FIELDS = {
    "MaxPooling2D": ["pool_size", "strides", "padding"],
    "AveragePooling2D": ["pool_size", "strides", "padding"],
    "GlobalMaxPooling2D": ["keepdims"],
    "GlobalAveragePooling2D": ["keepdims"],
    "Flatten": [],
    "Dense": ["units", "activation", "use_bias"],
    "Dropout": ["rate"],
    "Activation": ["activation"],
    "ReLU": ["max_value", "negative_slope", "threshold"],
    "BatchNormalization": ["epsilon", "center", "scale"],
    "ZeroPadding2D": ["padding"],
    "Rescaling": ["scale", "offset"],
}


@pytest.fixture
def form(qtbot) -> LayerSettings:  # type: ignore[no-untyped-def]
    widget = LayerSettings(ACTIVATIONS)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def emitted(form: LayerSettings) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = []
    form.config_edited.connect(log.append)
    return log


def editors(form: LayerSettings, key: str) -> list[QWidget]:
    return form.field_editors()[key]


def shown(widget: QWidget) -> Any:
    """What a person reads in an editor."""
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QComboBox):
        return widget.currentText()
    assert isinstance(widget, QAbstractSpinBox)
    return widget.text()


def type_into(qtbot, box: QWidget, text: str, enter: bool = True) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(box, QAbstractSpinBox)
    box.setFocus()
    edit = box.lineEdit()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, text)
    if enter:
        qtbot.keyClick(edit, Qt.Key.Key_Return)


def click(qtbot, box: QWidget) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=box.rect().center())


def pick(qtbot, combo: QWidget, text: str) -> None:  # type: ignore[no-untyped-def]
    """Step the combo with the arrow keys until it reads ``text``, as a keyboard user does."""
    assert isinstance(combo, QComboBox)
    target = combo.findText(text)
    assert target >= 0
    combo.setFocus()
    key = Qt.Key.Key_Down if target > combo.currentIndex() else Qt.Key.Key_Up
    while combo.currentIndex() != target:
        qtbot.keyClick(combo, key)


@pytest.mark.parametrize("class_name", list(CONFIGS))
def test_each_form_has_its_fields_and_a_heading_and_is_set_silently(form, emitted, class_name: str) -> None:  # type: ignore[no-untyped-def]
    form.set_layer(class_name, CONFIGS[class_name])
    assert list(form.field_editors()) == FIELDS[class_name]
    assert form.heading_text() == f"{class_name} settings"
    assert form.class_name() == class_name
    assert emitted == []
    for boxes in form.field_editors().values():
        for box in boxes:
            assert box.isVisibleTo(form)
            assert box.toolTip()


def test_pooling_shows_its_pairs_and_padding(form: LayerSettings) -> None:
    form.set_layer("AveragePooling2D", CONFIGS["AveragePooling2D"])
    assert [shown(b) for b in editors(form, "pool_size")] == ["3", "3"]
    assert [shown(b) for b in editors(form, "strides")] == ["1", "2"]
    assert shown(editors(form, "padding")[0]) == "same"


def test_typing_a_pool_size_emits_the_whole_config_on_enter_only(qtbot, form, emitted) -> None:  # type: ignore[no-untyped-def]
    form.set_layer("MaxPooling2D", CONFIGS["MaxPooling2D"])
    type_into(qtbot, editors(form, "pool_size")[0], "12", enter=False)
    assert emitted == []  # not 1, then 12
    qtbot.keyClick(editors(form, "pool_size")[0].lineEdit(), Qt.Key.Key_Return)
    assert emitted == [{"name": "max_pooling2d", "pool_size": [12, 2], "strides": [2, 2], "padding": "valid"}]


def test_pooling_strides_arrow_and_padding_combo_emit(qtbot, form, emitted) -> None:  # type: ignore[no-untyped-def]
    form.set_layer("MaxPooling2D", CONFIGS["MaxPooling2D"])
    editors(form, "strides")[1].setFocus()
    qtbot.keyClick(editors(form, "strides")[1], Qt.Key.Key_Up)
    pick(qtbot, editors(form, "padding")[0], "same")
    assert emitted == [
        {"name": "max_pooling2d", "pool_size": [2, 2], "strides": [2, 3], "padding": "valid"},
        {"name": "max_pooling2d", "pool_size": [2, 2], "strides": [2, 3], "padding": "same"},
    ]


def test_global_pooling_keepdims_is_a_check_box(qtbot, form, emitted) -> None:  # type: ignore[no-untyped-def]
    form.set_layer("GlobalMaxPooling2D", CONFIGS["GlobalMaxPooling2D"])
    assert shown(editors(form, "keepdims")[0]) is False
    click(qtbot, editors(form, "keepdims")[0])
    assert emitted == [{"name": "global_max_pooling2d", "keepdims": True}]


def test_flatten_has_no_fields_and_says_what_it_does(form: LayerSettings) -> None:
    form.set_layer("Flatten", CONFIGS["Flatten"])
    assert form.field_editors() == {}
    assert form.note.isVisible()
    assert "Flattens H x W x C maps into one vector, row by row (H, then W, then C)" in form.note.text()
    assert not form.page.isVisible()


def test_dense_units_activation_and_bias(qtbot, form, emitted) -> None:  # type: ignore[no-untyped-def]
    form.set_layer("Dense", CONFIGS["Dense"])
    assert [shown(editors(form, k)[0]) for k in FIELDS["Dense"]] == ["10", "softmax", True]
    combo = editors(form, "activation")[0]
    assert isinstance(combo, QComboBox)
    assert [combo.itemText(i) for i in range(combo.count())] == ["None (linear)", "relu", "sigmoid", "tanh",
                                                                 "softmax"]
    assert not form.note.isVisible()
    base = {"name": "dense"}
    type_into(qtbot, editors(form, "units")[0], "128")
    assert emitted == [{**base, "units": 128, "activation": "softmax", "use_bias": True}]
    pick(qtbot, combo, "tanh")  # one step up: one edit
    assert emitted[1:] == [{**base, "units": 128, "activation": "tanh", "use_bias": True}]
    click(qtbot, editors(form, "use_bias")[0])
    assert emitted[2:] == [{**base, "units": 128, "activation": "tanh", "use_bias": False}]


def test_a_value_outside_the_boxes_range_is_shown_as_it_is(form: LayerSettings) -> None:
    form.set_layer("Dense", {"name": "dense", "units": 5000, "activation": "gelu", "use_bias": False})
    assert shown(editors(form, "units")[0]) == "5000"
    assert shown(editors(form, "activation")[0]) == "gelu"
    assert form.config() == {"name": "dense", "units": 5000, "activation": "gelu", "use_bias": False}


def test_dropout_rate_and_its_note(qtbot, form, emitted) -> None:  # type: ignore[no-untyped-def]
    form.set_layer("Dropout", CONFIGS["Dropout"])
    assert shown(editors(form, "rate")[0]) == "0.25"
    assert "identity at inference: kernelscope shows inference" in form.note.text()
    assert form.note.text() == NOTES["Dropout"]
    type_into(qtbot, editors(form, "rate")[0], "0.3")
    assert emitted == [{"name": "dropout", "rate": 0.3}]


def test_activation_layer_combo(qtbot, form, emitted) -> None:  # type: ignore[no-untyped-def]
    form.set_layer("Activation", CONFIGS["Activation"])
    assert shown(editors(form, "activation")[0]) == "relu"
    pick(qtbot, editors(form, "activation")[0], "softmax")  # each arrow step is an edit, as in any combo
    assert emitted == [{"name": "activation", "activation": name} for name in ("sigmoid", "tanh", "softmax")]


def test_relu_cap_can_be_turned_off_and_on(qtbot, form, emitted) -> None:  # type: ignore[no-untyped-def]
    form.set_layer("ReLU", CONFIGS["ReLU"])
    check, cap = editors(form, "max_value")
    assert shown(check) is True
    assert shown(cap) == "6"
    assert cap.isEnabled()
    click(qtbot, check)
    assert not cap.isEnabled()
    click(qtbot, check)
    type_into(qtbot, cap, "4.5")
    type_into(qtbot, editors(form, "negative_slope")[0], "0.2")
    type_into(qtbot, editors(form, "threshold")[0], "1")
    base = {"name": "re_lu"}
    assert emitted == [
        {**base, "max_value": None, "negative_slope": 0.0, "threshold": 0.0},
        {**base, "max_value": 6.0, "negative_slope": 0.0, "threshold": 0.0},
        {**base, "max_value": 4.5, "negative_slope": 0.0, "threshold": 0.0},
        {**base, "max_value": 4.5, "negative_slope": 0.2, "threshold": 0.0},
        {**base, "max_value": 4.5, "negative_slope": 0.2, "threshold": 1.0},
    ]


def test_relu_without_a_cap_shows_the_box_off(form: LayerSettings) -> None:
    form.set_layer("ReLU", {"name": "re_lu", "max_value": None, "negative_slope": 0.1, "threshold": 0.0})
    check, cap = editors(form, "max_value")
    assert shown(check) is False
    assert not cap.isEnabled()
    assert shown(editors(form, "negative_slope")[0]) == "0.1"
    assert form.config()["max_value"] is None


def test_batch_normalization_keeps_the_axis_and_takes_a_small_epsilon(qtbot, form, emitted) -> None:  # type: ignore[no-untyped-def]
    form.set_layer("BatchNormalization", CONFIGS["BatchNormalization"])
    assert [shown(editors(form, k)[0]) for k in FIELDS["BatchNormalization"]] == ["0.001", True, True]
    assert "sqrt(moving_variance + epsilon)" in form.note.text()
    type_into(qtbot, editors(form, "epsilon")[0], "1e-5")
    click(qtbot, editors(form, "center")[0])
    base = {"name": "batch_normalization", "axis": -1}
    assert emitted == [
        {**base, "epsilon": 1e-5, "center": True, "scale": True},
        {**base, "epsilon": 1e-5, "center": False, "scale": True},
    ]


def test_zero_padding_has_four_boxes(qtbot, form, emitted) -> None:  # type: ignore[no-untyped-def]
    form.set_layer("ZeroPadding2D", CONFIGS["ZeroPadding2D"])
    boxes = editors(form, "padding")
    assert [shown(b) for b in boxes] == ["1", "2", "3", "4"]
    assert [b.accessibleName() for b in boxes] == [
        "padding (top, bottom) top", "padding (top, bottom) bottom",
        "padding (left, right) left", "padding (left, right) right",
    ]
    type_into(qtbot, boxes[1], "5")
    type_into(qtbot, boxes[2], "0")
    assert emitted == [
        {"name": "zero_padding2d", "padding": [[1, 5], [3, 4]]},
        {"name": "zero_padding2d", "padding": [[1, 5], [0, 4]]},
    ]


def test_rescaling_takes_a_fraction_and_keeps_it_exact(qtbot, form, emitted) -> None:  # type: ignore[no-untyped-def]
    form.set_layer("Rescaling", {"name": "rescaling", "scale": 1.0, "offset": 0.0})
    scale, offset = editors(form, "scale")[0], editors(form, "offset")[0]
    type_into(qtbot, scale, "1/255")
    assert shown(scale) == "0.00392157"
    type_into(qtbot, offset, "-1")  # the scale stays 1/255, not the 8 decimals it shows
    scale.setFocus()
    qtbot.keyClick(scale.lineEdit(), Qt.Key.Key_Return)  # Qt reads the shown text back: it stays exact
    type_into(qtbot, offset, "-0.5")
    assert emitted == [
        {"name": "rescaling", "scale": 1 / 255, "offset": 0.0},
        {"name": "rescaling", "scale": 1 / 255, "offset": -1.0},
        {"name": "rescaling", "scale": 1 / 255, "offset": -0.5},
    ]


def test_an_exact_scale_from_the_document_is_not_rounded_by_another_edit(qtbot, form, emitted) -> None:  # type: ignore[no-untyped-def]
    form.set_layer("Rescaling", CONFIGS["Rescaling"])
    assert shown(editors(form, "scale")[0]) == "0.00392157"
    type_into(qtbot, editors(form, "offset")[0], "0.5")
    assert emitted == [{"name": "rescaling", "scale": 1 / 255, "offset": 0.5}]


def test_letters_cannot_be_typed_into_a_number(qtbot, form, emitted) -> None:  # type: ignore[no-untyped-def]
    form.set_layer("Dropout", CONFIGS["Dropout"])
    box = editors(form, "rate")[0]
    type_into(qtbot, box, "abc")
    assert emitted == []
    assert shown(box) == "0.25"


@pytest.mark.parametrize(("text", "value"), [("0.5", 0.5), ("1/255", 1 / 255), ("1e-5", 1e-5), ("-1", -1.0),
                                             ("2,5", 2.5), ("1/0", None), ("inf", None), ("x", None), ("", None)])
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == value


def test_show_problem_shows_and_hides_and_a_new_layer_clears_it(form: LayerSettings) -> None:
    form.set_layer("Dense", CONFIGS["Dense"])
    assert not form.problem.isVisible()
    form.show_problem("layers[3] (dense): units 5000 would need more weights than kernelscope holds")
    assert form.problem.isVisible()
    assert form.problem_text().startswith("layers[3] (dense)")
    colour = form.problem.palette().color(form.problem.foregroundRole())
    assert colour.red() > 2 * colour.green()
    form.show_problem(None)
    assert not form.problem.isVisible()
    form.show_problem("refused")
    form.set_layer("Dense", CONFIGS["Dense"])  # the document's state, shown again: the refusal is old news
    assert not form.problem.isVisible()


def test_a_class_without_a_form_says_so(form: LayerSettings) -> None:
    form.set_layer("Conv2D", {"name": "conv2d", "filters": 3})
    assert form.field_editors() == {}
    assert form.note.text() == "Conv2D has no settings here."


def test_switching_layers_rebuilds_the_form_and_old_editors_emit_nothing(qtbot, form, emitted) -> None:  # type: ignore[no-untyped-def]
    form.set_layer("Dense", CONFIGS["Dense"])
    old = editors(form, "units")[0]
    form.set_layer("Dropout", CONFIGS["Dropout"])
    assert not old.isVisible()
    qtbot.waitUntil(lambda: form.findChildren(QAbstractSpinBox) == [editors(form, "rate")[0]])  # the old form goes
    assert emitted == []


def test_a_projector_sized_font_keeps_every_number_whole(qtbot, form: LayerSettings) -> None:  # type: ignore[no-untyped-def]
    big = QFont(QApplication.font())
    big.setPointSizeF(big.pointSizeF() * 2.5)
    form.setFont(big)
    for class_name in ("Rescaling", "ZeroPadding2D", "ReLU", "Dense"):
        form.set_layer(class_name, CONFIGS[class_name])
        form.resize(form.sizeHint())
        qtbot.waitUntil(lambda: form.page.width() >= form.page.sizeHint().width())
        for boxes in form.field_editors().values():
            for box in boxes:
                if isinstance(box, QAbstractSpinBox):
                    edit = box.lineEdit()
                    assert edit.fontMetrics().horizontalAdvance(box.text()) < edit.width(), (class_name, box.text())
                    assert edit.fontMetrics().height() <= edit.height()


def test_exact_spin_box_widens_its_range_to_show_a_value() -> None:
    box = ExactSpinBox(0.0, 1.0, 0.1)
    box.set_exact(3.5)
    assert box.exact_value() == 3.5
    assert box.text() == "3.5"
