"""The Sequential stack: validation, Keras's names and initializers, forward and model.summary()."""

from __future__ import annotations

import importlib.util
import math
from typing import Any

import numpy as np
import pytest

from kernelscope import engine as facade
from kernelscope.core.engine import (
    LAYER_CLASSES,
    Conv2DLayer,
    ConvError,
    LayerError,
    StackEntry,
    default_name,
    forward,
    forward_results,
    normalize,
    summary,
    summary_text,
)
from tests.core.naive_conv import naive_conv2d


def conv(filters: int, kernel: int, **config: Any) -> dict[str, Any]:
    return {"class_name": "Conv2D", "config": {"filters": filters, "kernel_size": [kernel, kernel], **config}}


def layer(class_name: str, **config: Any) -> dict[str, Any]:
    return {"class_name": class_name, "config": config}


# The next chapter's model, on the article's 150x150 photo.
CHAPTER = [
    conv(32, 3, activation="relu"),
    layer("MaxPooling2D", pool_size=[2, 2]),
    conv(64, 3, activation="relu"),
    layer("MaxPooling2D", pool_size=[2, 2]),
]
# A small digits stack.
DIGITS = [conv(8, 3, activation="relu"), layer("MaxPooling2D", pool_size=2), layer("Flatten"),
          layer("Dense", units=10, activation="softmax")]


def test_the_next_chapters_shapes_and_parameters() -> None:
    entries = normalize(CHAPTER, (150, 150, 3))
    assert [e.output_shape for e in entries] == [(148, 148, 32), (74, 74, 32), (72, 72, 64), (36, 36, 64)]
    assert [e.params for e in entries] == [896, 0, 18_496, 0]
    assert [e.input_shape for e in entries][1:] == [e.output_shape for e in entries][:-1]
    assert [e.name for e in entries] == ["conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1"]
    assert isinstance(entries[0].layer, Conv2DLayer)
    text = summary_text((150, 150, 3), CHAPTER)
    assert "Total params: 19,392 (75.75 KB)" in text
    assert text.endswith(" Trainable params: 19,392 (75.75 KB)\n Non-trainable params: 0 (0.00 B)")
    for heading in ("Layer (type)", "Output Shape", "Param #", "conv2d_1 (Conv2D)", "(None, 36, 36, 64)", "18,496"):
        assert heading in text


def test_the_digits_stack() -> None:
    rows = summary((28, 28, 1), DIGITS)
    assert rows == [
        ("conv2d", "Conv2D", (None, 26, 26, 8), 80),
        ("max_pooling2d", "MaxPooling2D", (None, 13, 13, 8), 0),
        ("flatten", "Flatten", (None, 1352), 0),
        ("dense", "Dense", (None, 10), 13_530),
    ]
    assert "Total params: 13,610 (53.16 KB)" in summary_text((28, 28, 1), DIGITS)


def naive_stack(x: np.ndarray, entries: tuple[StackEntry, ...]) -> np.ndarray:
    """The digits stack by hand: naive conv, 2x2 max pool, row-major flatten, dense and softmax."""
    k, b = entries[0].weights
    maps = np.maximum(naive_conv2d(x, k, b, (1, 1), "valid"), 0)
    h, w, c = maps.shape
    pooled = np.array([[[max(maps[2 * i + a, 2 * j + d, ch] for a in (0, 1) for d in (0, 1)) for ch in range(c)]
                        for j in range(w // 2)] for i in range(h // 2)])
    flat = [pooled[i, j, ch] for i in range(h // 2) for j in range(w // 2) for ch in range(c)]
    kernel, bias = entries[3].weights
    logits = [sum(flat[i] * float(kernel[i, u]) for i in range(len(flat))) + float(bias[u]) for u in range(10)]
    exps = [math.exp(v - max(logits)) for v in logits]
    return np.array([e / sum(exps) for e in exps])


def test_forward_is_the_stack_by_hand() -> None:
    x = np.random.default_rng(0).uniform(0, 1, (28, 28)).astype(np.float32)
    entries = normalize(DIGITS, (28, 28, 1), seed=3)
    outputs = forward(x, DIGITS, seed=3)
    assert [o.shape for o in outputs] == [e.output_shape for e in entries]
    for out in outputs:
        assert out.dtype == np.float32
        assert not out.flags.writeable
    np.testing.assert_allclose(outputs[-1], naive_stack(x[:, :, None], entries), rtol=1e-5, atol=1e-7)
    # the same weights, whether the entries are given or re-read from their dicts
    for again in (forward(x, entries), forward(x, [e.to_dict() for e in entries])):
        for a, b in zip(outputs, again, strict=True):
            np.testing.assert_array_equal(a, b)


def test_given_entries_are_used_as_they_are() -> None:
    entries = normalize(DIGITS, (28, 28, 1))
    results = forward_results(np.zeros((28, 28, 1)), entries)
    assert results[0].output.shape == (26, 26, 8)
    assert results[3].trace_cell((4,)).value == results[3].output[4]
    assert normalize([e.to_dict() for e in entries], (28, 28, 1))[0].weights[0].tobytes() == (
        entries[0].weights[0].tobytes()
    )


def test_missing_weights_are_kerass_initializers_seeded() -> None:
    stack = [*DIGITS, layer("BatchNormalization")]
    a, b, c = (normalize(stack, (28, 28, 1), seed=s) for s in (1, 1, 2))
    kernel, bias = a[0].weights
    assert kernel.shape == (3, 3, 1, 8)
    assert np.abs(kernel).max() < math.sqrt(6 / (9 * 1 + 9 * 8))
    assert kernel.std() > 0.1
    assert not bias.any()
    dense_kernel = a[3].weights[0]
    assert np.abs(dense_kernel).max() < math.sqrt(6 / (1352 + 10))
    assert a[0].weights[0].tobytes() == b[0].weights[0].tobytes()
    assert a[0].weights[0].tobytes() != c[0].weights[0].tobytes()
    twins = normalize([conv(2, 3, padding="same"), conv(2, 3, padding="same")], (8, 8, 2))
    assert twins[0].weights[0].tobytes() != twins[1].weights[0].tobytes()  # each layer its own stream
    gamma, beta, mean, var = a[4].weights
    assert (gamma == 1).all() and (beta == 0).all() and (mean == 0).all() and (var == 1).all()  # noqa: PT018
    for w in a[0].weights:
        assert w.dtype == np.float32
        assert not w.flags.writeable


def test_default_names_as_keras_gives_them() -> None:
    assert default_name("Conv2D", ()) == "conv2d"
    assert default_name("Conv2D", {"conv2d"}) == "conv2d_1"
    assert default_name("Dense", {"dense", "dense_1"}) == "dense_2"
    assert default_name("MaxPooling2D", ()) == "max_pooling2d"
    assert default_name("GlobalAveragePooling2D", ()) == "global_average_pooling2d"
    assert default_name("BatchNormalization", ()) == "batch_normalization"
    assert default_name("ZeroPadding2D", ()) == "zero_padding2d"
    assert default_name("ReLU", ()) == "re_lu"
    stack = [conv(2, 3, name="dense"), layer("Flatten"), layer("Dense", units=3), layer("Dense", units=2)]
    assert [e.name for e in normalize(stack, (5, 5, 1))] == ["dense", "flatten", "dense_1", "dense_2"]


def test_kerass_own_config_keys_paste_in() -> None:
    """A Keras 3 get_config() entry: the keys that change nothing are accepted and dropped."""
    initializer = {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None},
                   "registered_name": None}
    entry = {
        "module": "keras.layers", "class_name": "Conv2D", "registered_name": None,
        "build_config": {"input_shape": [None, 8, 8, 3]},
        "config": {
            "name": "conv2d", "trainable": True, "dtype": {"module": "keras", "class_name": "DTypePolicy",
                                                           "config": {"name": "float32"}, "registered_name": None},
            "filters": 4, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid", "data_format": "channels_last",
            "dilation_rate": [1, 1], "groups": 1, "activation": "relu", "use_bias": True,
            "kernel_initializer": initializer, "bias_initializer": initializer, "kernel_regularizer": None,
            "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None,
        },
    }
    bn = layer("BatchNormalization", axis=-1, momentum=0.99, epsilon=0.001, center=True, scale=True,
               synchronized=False, beta_initializer=initializer)
    entries = normalize([entry, bn, layer("Dropout", rate=0.5, seed=None, noise_shape=None)], (8, 8, 3))
    assert dict(entries[0].config) == {"name": "conv2d", "filters": 4, "kernel_size": (3, 3), "strides": (1, 1),
                                       "padding": "valid", "dilation_rate": (1, 1), "activation": "relu",
                                       "use_bias": True}
    assert entries[1].params == 16
    assert entries[1].non_trainable_params == 8
    text = summary_text((8, 8, 3), [entry, bn])
    assert text.endswith(" Total params: 128 (512.00 B)\n Trainable params: 120 (480.00 B)\n"
                         " Non-trainable params: 8 (32.00 B)")
    assert entries[2].config == {"name": "dropout", "rate": 0.5}


def _refusal(layers: list[dict[str, Any]], shape: tuple[int, int, int] = (8, 8, 1)) -> str:
    with pytest.raises(LayerError) as info:
        normalize(layers, shape)
    assert isinstance(info.value, ConvError)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_refusals_name_the_layer() -> None:
    assert _refusal([conv(2, 3), layer("Conv3D", filters=2)]) == (
        "layers[1]: kernelscope cannot compute Conv3D layers (it computes " + ", ".join(LAYER_CLASSES) + ")"
    )
    assert _refusal([conv(2, 3, name="first", colour="red")]).startswith(
        "layers[0] (first): Conv2D has no setting 'colour' (it takes filters, kernel_size"
    )
    assert _refusal([conv(2, 3, data_format="channels_first")]).startswith("layers[0] (conv2d): data_format=")
    assert _refusal([layer("Flatten"), layer("MaxPooling2D")]).startswith(
        "layers[1] (max_pooling2d): MaxPooling2D needs maps"
    )
    assert _refusal([conv(2, 9)]).startswith("layers[0] (conv2d): a 9x9 kernel does not fit a 8x8 input")
    assert _refusal([layer("Dense")]) == "layers[0] (dense): Dense needs units"
    assert _refusal([conv(2, 3, name="a"), conv(2, 3, name="a")]).startswith("layers[1] (a): the name 'a' is already")
    assert _refusal([layer("Activation", activation="nope")]).startswith("layers[0] (activation): unknown activation")


def test_weights_are_checked_against_the_input_each_layer_receives() -> None:
    dense = layer("Dense", units=10)
    dense["weights"] = [np.zeros((800, 10)), np.zeros(10)]
    message = _refusal([layer("Dropout", rate=0.1), layer("Flatten"), dense], (7, 7, 32))
    assert message == "layers[2] (dense): weights[0]: shape 800x10 does not match the input of 1568 values"
    c = conv(4, 3)
    c["weights"] = [np.zeros((3, 3, 1, 4)), np.zeros(4)]
    assert _refusal([c], (8, 8, 3)) == (
        "layers[0] (conv2d): weights[0]: shape 3x3x1x4 does not match the input's 3 channel(s) (expected 3x3x3x4)"
    )
    c["weights"] = [np.zeros((3, 3, 1, 4))]
    assert _refusal([c]).startswith("layers[0] (conv2d): 1 weight array(s) given, but this layer has 2 (kernel, bias)")
    c["weights"] = [np.zeros((3, 3, 1, 4)), [0, 0, 0, float("nan")]]
    assert "weights[1]" in _refusal([c]) and "not a finite number" in _refusal([c])  # noqa: PT018
    bn = layer("BatchNormalization", center=False)
    bn["weights"] = [np.ones(3), np.zeros(3), np.ones(3)]
    assert _refusal([bn], (4, 4, 2)).startswith("layers[0] (batch_normalization): weights[0]: shape 3 does not match")


def test_forward_refusals_name_the_layer() -> None:
    big = layer("Dense", units=1)
    big["weights"] = [np.full((4, 1), 3e38, np.float32), np.zeros(1)]
    with pytest.raises(LayerError, match=r"^layers\[1\] \(dense\): .*overflow") as info:
        forward(np.ones((2, 2, 1)), [layer("Flatten"), big])
    assert (info.value.index, info.value.name) == (1, "dense")
    huge = conv(1, 3)
    huge["weights"] = [np.full((3, 3, 1, 1), 3e37, np.float32), np.zeros(1)]
    with pytest.raises(LayerError, match=r"^layers\[0\] \(conv2d\): its output overflows"):
        forward(np.full((3, 3), 10.0), [huge, layer("Flatten")])
    with pytest.raises(LayerError, match="input must be"):
        forward(np.ones(5), DIGITS)


def test_every_class_computes_in_a_stack() -> None:
    stack = [
        layer("Rescaling", scale=1 / 255),
        layer("ZeroPadding2D", padding=1),
        conv(4, 3, padding="same"),
        layer("BatchNormalization"),
        layer("ReLU", max_value=6.0),
        layer("AveragePooling2D", pool_size=2, padding="same"),
        layer("MaxPooling2D", pool_size=[2, 2], strides=[1, 1]),
        layer("Activation", activation="tanh"),
        layer("GlobalMaxPooling2D", keepdims=True),
        layer("GlobalAveragePooling2D"),
        layer("Dropout", rate=0.3),
        layer("Dense", units=3, activation="softmax"),
    ]
    assert {e["class_name"] for e in stack} | {"Flatten"} == set(LAYER_CLASSES)
    x = np.random.default_rng(1).uniform(0, 255, (9, 9, 3))
    outputs = forward(x, stack)
    shapes = [o.shape for o in outputs]
    assert shapes == [(9, 9, 3), (11, 11, 3), (11, 11, 4), (11, 11, 4), (11, 11, 4), (6, 6, 4), (5, 5, 4),
                      (5, 5, 4), (1, 1, 4), (4,), (4,), (3,)]
    assert [row[2][1:] for row in summary((9, 9, 3), stack)] == shapes
    assert abs(float(outputs[-1].sum()) - 1) < 1e-6


def test_entries_are_immutable_and_give_back_the_session_form() -> None:
    entry = normalize(DIGITS, (28, 28, 1))[0]
    with pytest.raises(TypeError):
        entry.config["filters"] = 3  # type: ignore[index]
    back = entry.to_dict()
    assert back["class_name"] == "Conv2D"
    assert back["config"]["name"] == "conv2d"
    assert [w.shape for w in back["weights"]] == [(3, 3, 1, 8), (8,)]
    assert "weights" not in normalize(DIGITS, (28, 28, 1))[2].to_dict()


def test_the_public_facade_re_exports_the_stack() -> None:
    for name in ("forward", "summary", "summary_text", "LayerError", "LAYER_CLASSES", "StackEntry", "normalize"):
        assert getattr(facade, name) is globals()[name]


@pytest.mark.skipif(importlib.util.find_spec("keras") is None, reason="keras is not installed")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # NumPy 2 asks backends for __array__(copy=)
def test_outputs_match_keras() -> None:  # pragma: no cover - runs where Keras is installed
    import keras  # type: ignore[import-not-found]

    stack = [conv(4, 3, activation="relu", padding="same"), layer("AveragePooling2D", pool_size=2, padding="same"),
             layer("BatchNormalization"), layer("MaxPooling2D", pool_size=2), layer("Flatten"),
             layer("Dense", units=5, activation="softmax")]
    x = np.random.default_rng(2).standard_normal((9, 9, 2)).astype(np.float32)
    entries = normalize(stack, x.shape, seed=4)
    model = keras.Sequential([keras.Input(x.shape)] + [
        getattr(keras.layers, e.class_name).from_config(dict(e.config)) for e in entries
    ])
    for k, e in enumerate(entries):
        model.layers[k].set_weights(list(e.weights))
    want = model.predict(x[None], verbose=0)[0]
    np.testing.assert_allclose(forward(x, entries)[-1], want, rtol=1e-5, atol=1e-6)
    assert model.count_params() == sum(e.params for e in entries)


def test_conv_results_offer_the_common_output_and_cell_index() -> None:
    """The stack reads every result alike: Conv2D's output is its (H', W', F) maps, a cell is (row, col, filter)."""
    entry = normalize([conv(3, 3, activation="relu")], (6, 5, 2))[0]
    result = entry.layer.forward(np.random.default_rng(4).standard_normal((6, 5, 2)).astype(np.float32))
    assert result.output.shape == (4, 3, 3)
    np.testing.assert_array_equal(result.output, result.feature_maps())  # type: ignore[attr-defined]
    by_index, by_filter = result.trace_cell((3, 1, 2)), result.trace(2, 3, 1)  # type: ignore[attr-defined]
    assert (by_index.filter, by_index.out_row, by_index.out_col) == (2, 3, 1)  # type: ignore[attr-defined]
    assert by_index.value == by_filter.value == result.output[3, 1, 2]
    with pytest.raises(ConvError, match=r"\(row, col, filter\)"):
        result.trace_cell((1, 1))


def test_summary_text_is_keras_own_table_with_wrapped_cells_and_the_input_layer() -> None:
    """Keras 3.15's ``model.summary()`` of a functional model, printed off a terminal, kept verbatim
    in tests/core/data: long names wrap inside Keras's fixed columns, and its InputLayer comes first."""
    import pathlib

    layers = [
        {"class_name": "Rescaling", "config": {"name": "rescaling", "scale": 1 / 255, "offset": 0.0}},
        {"class_name": "Conv2D", "config": {"name": "edges", "filters": 8, "kernel_size": [3, 3], "padding": "same",
                                            "activation": "relu"}},
        {"class_name": "BatchNormalization", "config": {"name": "batch_normalization"}},
        {"class_name": "MaxPooling2D", "config": {"name": "max_pooling2d"}},
        {"class_name": "Conv2D", "config": {"name": "conv2d", "filters": 16, "kernel_size": [3, 3], "strides": [2, 2],
                                            "activation": "elu"}},
        {"class_name": "GlobalAveragePooling2D", "config": {"name": "global_average_pooling2d"}},
        {"class_name": "Dense", "config": {"name": "probs", "units": 5, "activation": "softmax"}},
    ]
    expected = (pathlib.Path(__file__).parent / "data" / "keras_summary_functional.txt").read_text(encoding="utf-8")
    assert summary_text((28, 28, 1), layers, "my_net", "input_layer") + "\n" == expected


def test_summary_text_cuts_a_name_longer_than_its_column_as_rich_does() -> None:
    name = "a_very_long_layer_name_that_keeps_going"
    text = summary_text((4, 4, 1), [{"class_name": "Flatten", "config": {"name": name}}])
    rows = [line for line in text.splitlines() if line.startswith("│")]
    assert [r[2:33].rstrip() for r in rows] == ["a_very_long_layer_name_that_ke…", "(Flatten)"]
    assert all(len(r) == 76 for r in rows)
