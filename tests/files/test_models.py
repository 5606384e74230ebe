"""Keras model files opened without Keras: both formats, names, nesting, functional chains, and
every layer's output against an independent computation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kernelscope.core.engine import forward
from kernelscope.files.models import MODEL_SUFFIXES, ModelError, is_model_file, load_model
from tests.files.model_files import write_h5, write_keras

RNG = np.random.default_rng(7)


def _w(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape).astype(np.float32) * 0.5


def _conv(filters: int, size: int, channels: int = 1, **config: object) -> dict:
    """A Conv2D entry with random weights."""
    return {"class_name": "Conv2D", "config": {"filters": filters, "kernel_size": [size, size], **config},
            "weights": [_w(size, size, channels, filters), _w(filters)]}


def every_layer_type() -> list[dict]:
    """One of each layer the engine computes, on a 12x12x1 input."""
    return [
        {"class_name": "Rescaling", "config": {"scale": 1 / 255, "offset": 0.0}},
        {"class_name": "Conv2D", "config": {"filters": 3, "kernel_size": [3, 3], "activation": "relu"},
         "weights": [_w(3, 3, 1, 3), _w(3)]},
        {"class_name": "ZeroPadding2D", "config": {"padding": [[1, 1], [1, 1]]}},
        {"class_name": "BatchNormalization", "config": {"axis": -1, "epsilon": 0.001},
         "weights": [_w(3), _w(3), _w(3), np.abs(_w(3)) + 0.5]},
        {"class_name": "ReLU", "config": {"max_value": None, "negative_slope": 0.1, "threshold": 0.0}},
        {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2], "strides": [2, 2], "padding": "valid"}},
        {"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": [2, 2], "padding": "same", "use_bias": False},
         "weights": [_w(2, 2, 3, 2)]},
        {"class_name": "AveragePooling2D", "config": {"pool_size": [2, 2], "strides": [1, 1], "padding": "same"}},
        {"class_name": "Activation", "config": {"activation": "tanh"}},
        {"class_name": "GlobalMaxPooling2D", "config": {"keepdims": True}},
        {"class_name": "GlobalAveragePooling2D", "config": {"keepdims": False}},
        {"class_name": "Dropout", "config": {"rate": 0.3}},
        {"class_name": "Dense", "config": {"units": 4, "activation": "relu"}, "weights": [_w(2, 4), _w(4)]},
        {"class_name": "Flatten", "config": {}},
        {"class_name": "Dense", "config": {"units": 3, "activation": "softmax"}, "weights": [_w(4, 3), _w(3)]},
    ]


def _numpy_reference(x: np.ndarray, layers: list[dict]) -> list[np.ndarray]:
    """An independent NumPy forward pass of ``every_layer_type`` (float64)."""
    out, h = [], x.astype(np.float64)
    for layer in layers:
        c, w = layer["config"], [np.asarray(a, np.float64) for a in layer.get("weights", [])]
        kind = layer["class_name"]
        if kind == "Rescaling":
            h = h * c["scale"] + c["offset"]
        elif kind == "Conv2D":
            k = w[0]
            kh, kw = k.shape[:2]
            if c.get("padding") == "same":
                h = np.pad(h, (((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2), (0, 0)))
            oh, ow = h.shape[0] - kh + 1, h.shape[1] - kw + 1
            y = np.zeros((oh, ow, k.shape[3]))
            for i in range(oh):
                for j in range(ow):
                    y[i, j] = np.tensordot(h[i:i + kh, j:j + kw], k, axes=3)
            h = y + (w[1] if len(w) > 1 else 0)
            h = np.maximum(h, 0) if c.get("activation") == "relu" else h
        elif kind == "ZeroPadding2D":
            h = np.pad(h, ((1, 1), (1, 1), (0, 0)))
        elif kind == "BatchNormalization":
            g, b, m, v = w
            h = g * (h - m) / np.sqrt(v + c["epsilon"]) + b
        elif kind == "ReLU":
            h = np.where(h >= 0, h, h * c["negative_slope"])
        elif kind == "MaxPooling2D":
            oh, ow = h.shape[0] // 2, h.shape[1] // 2
            h = h[:oh * 2, :ow * 2].reshape(oh, 2, ow, 2, -1).max(axis=(1, 3))
        elif kind == "AveragePooling2D":  # 2x2, stride 1, "same": the padded cells are not counted
            p = np.pad(h, ((0, 1), (0, 1), (0, 0)), constant_values=np.nan)
            h = np.stack([[np.nanmean(p[i:i + 2, j:j + 2], axis=(0, 1)) for j in range(h.shape[1])]
                          for i in range(h.shape[0])])
        elif kind == "Activation":
            h = np.tanh(h)
        elif kind == "GlobalMaxPooling2D":
            h = h.max(axis=(0, 1), keepdims=True)
        elif kind == "GlobalAveragePooling2D":
            h = h.mean(axis=(0, 1))
        elif kind == "Dense":
            h = h @ w[0] + w[1]
            if c["activation"] == "relu":
                h = np.maximum(h, 0)
            elif c["activation"] == "softmax":
                e = np.exp(h - h.max())
                h = e / e.sum()
        elif kind == "Flatten":
            h = h.reshape(-1)
        out.append(h)
    return out


@pytest.fixture
def picture() -> np.ndarray:
    return RNG.uniform(0, 255, (12, 12, 1)).astype(np.float32)


def _writers(tmp_path: Path):  # type: ignore[no-untyped-def]
    return [
        ("keras", lambda *a, **k: write_keras(tmp_path / "m.keras", *a, **k)),
        ("keras_deflated", lambda *a, **k: write_keras(tmp_path / "z.keras", *a, compress=True, **k)),
        ("h5", lambda *a, **k: write_h5(tmp_path / "m.h5", *a, **k)),
        ("h5_keras2", lambda *a, **k: write_h5(tmp_path / "k2.h5", *a, keras2=True, **k)),
    ]


def test_suffixes_are_recognised_in_any_case() -> None:
    assert MODEL_SUFFIXES == (".keras", ".h5", ".hdf5")
    assert is_model_file("a/B.KERAS")
    assert is_model_file("m.h5")
    assert is_model_file(Path("x.Hdf5"))
    assert not is_model_file("m.kscope")
    assert not is_model_file("keras")


@pytest.mark.parametrize("functional", [False, True])
def test_every_layer_type_computes_as_numpy_does_in_both_formats(tmp_path: Path, picture: np.ndarray,
                                                                 functional: bool) -> None:
    layers = every_layer_type()
    reference = _numpy_reference(picture, layers)
    for kind, write in _writers(tmp_path):
        opened = load_model(write(layers, (12, 12, 1), functional=functional), picture)
        session = opened.session
        assert opened.stopped is None, kind
        assert [e.class_name for e in session.layers] == [layer["class_name"] for layer in layers]
        outputs = forward(session.input, session.layers)
        for name, got, want in zip(session.layer_names, outputs, reference, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5, err_msg=f"{kind} {name}")
        direct = forward(picture, layers)
        for got, want in zip(outputs, direct, strict=True):
            np.testing.assert_array_equal(got, want)


def test_default_names_follow_keras_and_custom_names_are_kept(tmp_path: Path) -> None:
    layers = [
        _conv(2, 3),
        {"class_name": "Conv2D", "config": {"name": "edges", "filters": 2, "kernel_size": [3, 3]},
         "weights": [_w(3, 3, 2, 2), _w(2)]},
        _conv(1, 1, 2),
        {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2]}},
    ]
    for kind, write in _writers(tmp_path):
        opened = load_model(write(layers, (9, 9, 1)))
        assert opened.session.layer_names == ("conv2d", "edges", "conv2d_1", "max_pooling2d"), kind
        np.testing.assert_array_equal(opened.session.layers[1].weights[0], layers[1]["weights"][0])
        np.testing.assert_array_equal(opened.session.layers[2].weights[1], layers[2]["weights"][1])


def test_a_nested_sequential_is_flattened_and_its_weights_found(tmp_path: Path, picture: np.ndarray) -> None:
    inner = {"class_name": "Sequential", "name": "inner", "layers": [
        _conv(3, 3, 2),
        {"class_name": "BatchNormalization", "config": {}, "weights": [_w(3), _w(3), _w(3), np.abs(_w(3))]},
        _conv(2, 3, 3),
    ]}
    layers = [
        _conv(2, 3),
        inner,
        {"class_name": "Flatten", "config": {}},
        {"class_name": "Dense", "config": {"units": 2}, "weights": [_w(72, 2), _w(2)]},
    ]
    flat = [layers[0], *inner["layers"], *layers[2:]]
    want = forward(picture, flat)
    for kind, write in _writers(tmp_path):
        for functional in (False, True):
            session = load_model(write(layers, (12, 12, 1), functional=functional), picture).session
            assert session.layer_names == ("conv2d", "conv2d_1", "batch_normalization", "conv2d_2", "flatten",
                                           "dense"), kind
            for got, expected in zip(forward(session.input, session.layers), want, strict=True):
                np.testing.assert_array_equal(got, expected, err_msg=kind)


def test_a_branch_stops_the_chain_in_one_line(tmp_path: Path) -> None:
    layers = [
        {"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": [3, 3], "padding": "same"},
         "weights": [_w(3, 3, 1, 2), _w(2)]},
        {"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": [3, 3], "padding": "same"},
         "weights": [_w(3, 3, 2, 2), _w(2)]},
        {"class_name": "Add", "config": {}},
        {"class_name": "Flatten", "config": {}},
    ]
    sources = {"add": ["conv2d", "conv2d_1"]}
    for keras2 in (False, True):
        path = (write_h5(tmp_path / "b.h5", layers, (8, 8, 1), functional=True, sources=sources, keras2=True)
                if keras2 else write_keras(tmp_path / "model.keras", layers, (8, 8, 1), functional=True,
                                           sources=sources))
        opened = load_model(path)
        assert opened.session.layer_names == ("conv2d", "conv2d_1")
        assert opened.stopped == (f"{path.name}: layer 'add' (Add) joins two branches; kernelscope explores the "
                                  "chain up to 'conv2d_1'")
        assert opened.message().startswith(opened.stopped)
        assert opened.stopped in opened.session.notes


def test_a_second_branch_and_an_unsupported_layer_stop_the_chain(tmp_path: Path) -> None:
    conv = _conv(1, 1)
    conv2 = _conv(1, 1)
    path = write_keras(tmp_path / "m.keras", [conv, conv2], (4, 4, 1), functional=True,
                       sources={"conv2d_1": ["input_layer"]})
    assert "layer 'conv2d_1' (Conv2D) starts a branch from 'input_layer'" in load_model(path).stopped
    reshape = {"class_name": "Reshape", "config": {"target_shape": [16]}}
    opened = load_model(write_keras(tmp_path / "r.keras", [conv, reshape], (4, 4, 1)))
    assert opened.stopped == ("r.keras: layer 'reshape' (Reshape) is a layer type kernelscope does not compute; "
                              "kernelscope explores the chain up to 'conv2d'")


@pytest.mark.parametrize(("config", "words"), [
    ({"data_format": "channels_first"}, "data_format='channels_first' would change what Conv2D computes"),
    ({"groups": 2}, "groups=2 would change what Conv2D computes"),
    ({"activation": "swish_custom"}, "unknown activation 'swish_custom'"),
    ({"filters": 513}, "has 513 filters; kernelscope shows up to 512"),
])
def test_a_config_that_changes_meaning_stops_the_chain_there(tmp_path: Path, config: dict, words: str) -> None:
    first = _conv(1, 1)
    layer = {"class_name": "Conv2D", "config": {"filters": 1, "kernel_size": [1, 1], **config}}
    opened = load_model(write_keras(tmp_path / "m.keras", [first, layer], (4, 4, 1), weights=True))
    assert opened.session.layer_names == ("conv2d",)
    assert f"layer 'conv2d_1' (Conv2D) {words}" in opened.stopped
    with pytest.raises(ModelError, match=r"^n\.keras: layer 'conv2d' \(Conv2D\) .*nothing was opened$"):
        load_model(write_keras(tmp_path / "n.keras", [layer], (4, 4, 1)))


def test_non_scalar_rescaling_and_batch_normalization_axis_stop(tmp_path: Path) -> None:
    conv = _conv(2, 1)
    scale = {"class_name": "Rescaling", "config": {"scale": [0.5, 0.5], "offset": 0.0}}
    assert "layer 'rescaling' (Rescaling) scale must be a number" in load_model(
        write_keras(tmp_path / "a.keras", [conv, scale], (4, 4, 1))).stopped
    norm = {"class_name": "BatchNormalization", "config": {"axis": 1}}
    assert "axis=1: kernelscope normalizes the last axis (channels) only" in load_model(
        write_keras(tmp_path / "b.keras", [conv, norm], (4, 4, 1))).stopped


def test_rescaling_first_sets_the_value_mode_and_says_so(tmp_path: Path) -> None:
    layers = [{"class_name": "Rescaling", "config": {"scale": 1 / 255}},
              _conv(1, 3)]
    opened = load_model(write_keras(tmp_path / "m.keras", layers, (28, 28, 1)))
    assert opened.session.view.value_mode == "byte"
    assert opened.value_note == "the model rescales 0..255 to 0..1 first: you paint 0..255"
    x = opened.session.input
    assert x.shape == (28, 28, 1)
    assert set(np.unique(x)) == {0.0, 255.0}
    assert x[3, 3, 0] == 0
    assert x[14, 14, 0] == 255
    plain = load_model(write_keras(tmp_path / "p.keras", layers[1:], (28, 28, 1)))
    assert plain.session.view.value_mode == "grey"
    assert plain.value_note is None
    assert set(np.unique(plain.session.input)) == {0.0, 1.0}


def test_starting_inputs_by_channels(tmp_path: Path) -> None:
    conv = {"class_name": "Conv2D", "config": {"filters": 1, "kernel_size": [1, 1]}}
    photo = load_model(write_keras(tmp_path / "rgb.keras", [{**conv, "weights": [_w(1, 1, 3, 1), _w(1)]}],
                                   (20, 30, 3))).session.input
    assert photo.shape == (20, 30, 3)
    assert photo.std() > 0.01
    four = load_model(write_keras(tmp_path / "four.keras", [{**conv, "weights": [_w(1, 1, 4, 1), _w(1)]}],
                                  (5, 5, 4))).session.input
    assert four.shape == (5, 5, 4)
    assert not four.any()


def test_free_sizes_are_chosen_or_taken_from_the_input(tmp_path: Path) -> None:
    layers = [_conv(1, 3)]
    path = write_keras(tmp_path / "m.keras", layers, (None, None, 1))
    opened = load_model(path)
    assert opened.session.input.shape == (28, 28, 1)
    assert "the model takes any size (height 28, width 28 chosen): opened at 28x28x1" in opened.message()
    given = load_model(path, np.ones((1, 10, 7, 1), np.float32))
    assert given.session.input.shape == (10, 7, 1)
    assert not given.remarks


def test_the_given_input_must_fit_the_model(tmp_path: Path) -> None:
    layers = [_conv(1, 3)]
    path = write_keras(tmp_path / "m.keras", layers, (8, 8, 1))
    assert load_model(path, np.ones((8, 8))).session.input.shape == (8, 8, 1)
    assert load_model(path, np.ones((1, 8, 8, 1))).session.input.shape == (8, 8, 1)
    with pytest.raises(ModelError, match=r"^m\.keras: the input has shape 9x8x1, but the model takes 8x8x1 "):
        load_model(path, np.ones((9, 8, 1)))
    with pytest.raises(ModelError, match="not a finite float32 number"):
        load_model(path, np.full((8, 8, 1), np.nan))
    with pytest.raises(ModelError, match="not numbers"):
        load_model(path, np.full((8, 8, 1), "a"))


def test_mixed_precision_is_computed_in_float32_and_said(tmp_path: Path) -> None:
    policy = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "mixed_float16"}}
    layers = [{"class_name": "Conv2D", "config": {"filters": 1, "kernel_size": [1, 1], "dtype": policy},
               "weights": [_w(1, 1, 1, 1).astype(np.float16), _w(1).astype(np.float16)]}]
    opened = load_model(write_keras(tmp_path / "m.keras", layers, (4, 4, 1)))
    assert opened.session.layers[0].weights[0].dtype == np.float32
    assert "the model computes in mixed_float16; kernelscope computes float32" in opened.message()


def test_the_notes_say_where_the_model_came_from(tmp_path: Path) -> None:
    layers = [_conv(1, 1)]
    session = load_model(write_keras(tmp_path / "m.keras", layers, (4, 4, 1), name="digits")).session
    assert session.title == "m.keras"
    assert session.notes.startswith("Opened from m.keras, a Keras 3 .keras file (Keras 3.15.1): Sequential model "
                                    "'digits', 1 layer.")
    h5 = load_model(write_h5(tmp_path / "k.h5", layers, (4, 4, 1), keras2=True)).session
    assert h5.notes.startswith("Opened from k.h5, a legacy HDF5 (Keras 2) file (Keras 2.15.0)")


def test_the_parameter_cap_stops_the_chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kernelscope.files import models

    monkeypatch.setattr(models, "MAX_PARAMS", 20)
    layers = [_conv(1, 3),
              _conv(2, 3)]
    opened = load_model(write_keras(tmp_path / "m.keras", layers, (8, 8, 1)))
    assert opened.session.layer_names == ("conv2d",)
    assert "layer 'conv2d_1' (Conv2D) would bring the weights past 20 parameters" in opened.stopped


def test_no_keras_or_backend_is_imported(tmp_path: Path) -> None:
    layers = [_conv(1, 1)]
    keras_path = write_keras(tmp_path / "m.keras", layers, (4, 4, 1))
    h5_path = write_h5(tmp_path / "m.h5", layers, (4, 4, 1))
    code = (
        "import sys\n"
        "from kernelscope.files.models import load_model\n"
        f"load_model({str(keras_path)!r}); load_model({str(h5_path)!r})\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('keras', 'tensorflow', 'torch', 'jax', 'tf_keras')]\n"
        "assert 'h5py' in sys.modules\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"


def test_h5py_is_not_imported_until_a_model_is_opened() -> None:
    code = "import sys, kernelscope.files.models, kernelscope.cli; print('h5py' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "False"


def test_keras_2_shapes_from_batch_input_shape_and_nested_weights_in_any_order(tmp_path: Path,
                                                                               picture: np.ndarray) -> None:
    """Keras 2 puts batch_input_shape on the first layer (no InputLayer) and lists a nested model's
    weights trainable first; the reader matches them by layer and role, not by position."""
    import json

    import h5py

    inner = {"class_name": "Sequential", "name": "inner", "layers": [
        _conv(2, 3),
        {"class_name": "BatchNormalization", "config": {}, "weights": [_w(2), _w(2), _w(2), np.abs(_w(2))]},
    ]}
    layers = [inner, {"class_name": "Flatten", "config": {}}]
    path = write_h5(tmp_path / "k2.h5", layers, (12, 12, 1), keras2=True)
    with h5py.File(path, "a") as f:
        config = json.loads(f.attrs["model_config"])
        body = config["config"]["layers"]
        shape = body.pop(0)["config"]["batch_input_shape"]
        body[0]["config"]["layers"][0]["config"]["batch_input_shape"] = shape
        f.attrs["model_config"] = json.dumps(config).encode()
        group = f["model_weights/inner"]
        names = [n.decode() for n in group.attrs["weight_names"]]
        trainable_first = [n for n in names if "moving" not in n] + [n for n in names if "moving" in n]
        trainable_first[0], trainable_first[1] = trainable_first[1], trainable_first[0]
        group.attrs["weight_names"] = np.array([n.encode() for n in trainable_first], dtype="S")
    session = load_model(path, picture).session
    assert session.layer_names == ("conv2d", "batch_normalization", "flatten")
    for got, want in zip(forward(session.input, session.layers), forward(picture, inner["layers"] + layers[1:]),
                         strict=True):
        np.testing.assert_array_equal(got, want)
