"""Session files version 2 (issue 15): a stack of Keras layers, version 1 files opened as one Conv2D,
messages that name the layer, the channel cap, class names, and exact round trips.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kernelscope.core import engine
from kernelscope.core.engine import ConvSpec, stack
from kernelscope.core.scene import MAX_CHANNELS, MAX_CLASS_NAMES
from kernelscope.files.lessons import list_lessons
from kernelscope.files.sessions import (
    Session,
    SessionError,
    default_session,
    dumps_session,
    load_session,
    loads_session,
    save_session,
    session_from_dict,
    session_text_pieces,
    session_to_dict,
)


def digits_layers(dense_input: int = 1568) -> list[dict[str, Any]]:
    """A 28x28 drawing through Conv2D(8, same) -> MaxPooling2D -> Flatten -> Dense(10, softmax)."""
    rng = np.random.default_rng(3)
    return [
        {
            "class_name": "Conv2D",
            "config": {"filters": 8, "kernel_size": [3, 3], "padding": "same", "activation": "relu"},
            "weights": [rng.uniform(-1, 1, (3, 3, 1, 8)).astype(np.float32), np.zeros(8, np.float32)],
        },
        {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2]}},
        {"class_name": "Flatten", "config": {}},
        {
            "class_name": "Dense",
            "config": {"units": 10, "activation": "softmax"},
            "weights": [rng.uniform(-0.1, 0.1, (dense_input, 10)).astype(np.float32), np.zeros(10, np.float32)],
        },
    ]


def digits_dict(**changes: Any) -> dict[str, Any]:
    layers = []
    for layer in digits_layers():
        entry = dict(layer)
        if "weights" in entry:
            entry["weights"] = [w.tolist() for w in entry["weights"]]
        layers.append(entry)
    d: dict[str, Any] = {
        "format": "kernelscope-session",
        "version": 2,
        "title": "Digits",
        "input": np.linspace(0, 1, 28 * 28, dtype=np.float32).reshape(28, 28, 1).tolist(),
        "layers": layers,
        "class_names": [str(n) for n in range(10)],
    }
    d.update(changes)
    return d


def digits_session() -> Session:
    return session_from_dict(digits_dict())


# --------------------------------------------------------------------------- version 1 still opens


ONE_CONV_LESSONS = [lesson for lesson in list_lessons() if load_session(lesson.path).is_single_conv]
STACK_LESSONS = [lesson for lesson in list_lessons() if lesson not in ONE_CONV_LESSONS]


@pytest.mark.parametrize("lesson", ONE_CONV_LESSONS, ids=lambda lesson: lesson.name)
def test_every_bundled_lesson_opens_and_round_trips_as_version_2(lesson, tmp_path: Path) -> None:
    v1 = load_session(lesson.path)
    assert json.loads(lesson.path.read_text("utf-8"))["version"] == 1  # the bundled files stay version 1
    assert v1.is_single_conv
    path = tmp_path / "lesson.kscope"
    save_session(v1, path)
    text = path.read_text("utf-8")
    assert json.loads(text)["version"] == 2
    v2 = load_session(path)
    assert v2 == v1
    assert v2.layer_names == ("conv2d",)
    before = engine.compute(v1.input, v1.kernels, v1.bias, v1.spec)
    after = engine.compute(v2.input, v2.kernels, v2.bias, v2.spec)
    np.testing.assert_array_equal(after.feature_maps(), before.feature_maps())
    np.testing.assert_array_equal(stack.forward(v2.input, v2.layers)[-1], before.feature_maps())
    save_session(v2, path)
    assert path.read_text("utf-8") == text  # save -> load -> save: the same bytes
    assert dumps_session(v2, version=1) == lesson.path.read_text("utf-8")  # and back to version 1


def test_the_one_conv_lessons_are_the_first_nine() -> None:
    assert [lesson.number for lesson in ONE_CONV_LESSONS] == list(range(1, 10))


@pytest.mark.parametrize("lesson", STACK_LESSONS, ids=lambda lesson: lesson.name)
def test_every_bundled_stack_lesson_is_version_2_and_round_trips(lesson, tmp_path: Path) -> None:
    text = lesson.path.read_text("utf-8")
    assert json.loads(text)["version"] == 2  # a stack has no version 1 form
    s = load_session(lesson.path)
    assert not s.is_single_conv
    assert dumps_session(s) == text  # load -> save: the same bytes
    path = tmp_path / "lesson.kscope"
    save_session(s, path)
    assert load_session(path) == s
    with pytest.raises(SessionError, match="not one Conv2D: read its layers"):
        dumps_session(s, version=1)


def test_version_1_text_is_still_written_on_request_and_stacks_refuse_it() -> None:
    assert json.loads(dumps_session(default_session(), version=1))["version"] == 1
    with pytest.raises(SessionError, match=r"^this session is a stack of 4 layers, not one Conv2D"):
        dumps_session(digits_session(), version=1)
    with pytest.raises(SessionError, match=r"^version: kernelscope writes version 1 or 2, not 3$"):
        dumps_session(default_session(), version=3)


# --------------------------------------------------------------------------- stacks


def test_a_stack_session_round_trips_byte_for_byte(tmp_path: Path) -> None:
    s = digits_session()
    assert not s.is_single_conv
    assert s.layer_names == ("conv2d", "max_pooling2d", "flatten", "dense")
    assert [e.output_shape for e in s.layers] == [(28, 28, 8), (14, 14, 8), (1568,), (10,)]
    assert s.class_names == tuple(str(n) for n in range(10))
    text = dumps_session(s)
    assert "".join(session_text_pieces(s)) == text  # the autosave's pieces
    data = json.loads(text)
    assert list(data) == ["format", "version", "title", "notes", "input", "layers", "view", "class_names"]
    assert [layer["class_name"] for layer in data["layers"]] == ["Conv2D", "MaxPooling2D", "Flatten", "Dense"]
    assert "weights" not in data["layers"][1]
    assert len(data["layers"][3]["weights"][0]) == 1568
    assert data["class_names"] == [str(n) for n in range(10)]
    back = loads_session(text)
    assert back == s
    assert dumps_session(back) == text
    assert session_from_dict(session_to_dict(s)) == s
    path = tmp_path / "digits.kscope"
    save_session(back, path)
    assert path.read_text("utf-8") == text
    # Readable: one line per kernel row and per Dense input row, not one per number.
    assert len(text.splitlines()) < 28 + 3 + 1568 + 80
    outputs = stack.forward(back.input, back.layers)
    assert outputs[-1].shape == (10,)
    assert abs(float(outputs[-1].sum()) - 1) < 1e-5


def test_a_stack_is_not_a_window_scene() -> None:
    s = digits_session()
    for name in ("spec", "kernels", "bias"):
        with pytest.raises(SessionError, match=r"^this session is a stack of 4 layers, not one Conv2D: "
                                                r"read its layers$"):
            getattr(s, name)
    one_pool = Session(input=np.ones((4, 4, 1)), layers=({"class_name": "MaxPooling2D", "config": {}},))
    assert not one_pool.is_single_conv
    with pytest.raises(SessionError, match=r"^this session's layer is a MaxPooling2D, not a Conv2D"):
        _ = one_pool.spec
    assert "MaxPooling2D(max_pooling2d)" in repr(one_pool)


def test_one_conv2d_with_many_channels_opens_but_is_not_a_window_scene() -> None:
    layers = [{"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": 1}}]
    s = Session(input=np.ones((3, 3, 5)), layers=layers)
    assert not s.is_single_conv
    assert s.layers[0].weights[0].shape == (1, 1, 5, 2)  # missing weights: Keras's initializers
    with pytest.raises(SessionError, match=r"^this session's input has 5 channels; spec, kernels and bias describe "
                                           r"one Conv2D on grey \(1\) or RGB \(3\) inputs: read its layers$"):
        _ = s.kernels
    assert loads_session(dumps_session(s)) == s


def test_a_v2_file_of_one_conv2d_is_a_window_scene_and_keeps_its_name() -> None:
    d = session_to_dict(default_session())
    d["layers"][0]["config"]["name"] = "edges"
    s = session_from_dict(d)
    assert s.is_single_conv
    assert s.spec == default_session().spec
    np.testing.assert_array_equal(s.kernels, default_session().kernels)
    assert s.layer_names == ("edges",)
    t = dataclasses.replace(s, bias=np.array([0.5], np.float32))  # the Document's way of editing
    assert t.layer_names == ("edges",)
    assert t.layers[0].weights[1].tolist() == [0.5]
    assert '"name": "edges"' in dumps_session(t)
    assert s != default_session()  # the name is part of the scene


def test_the_one_conv2d_constructor_still_builds_its_layer() -> None:
    s = Session(input=np.ones((4, 4, 3)), kernels=np.ones((3, 3, 3, 2)), bias=[1, 2], spec=ConvSpec(2, 3))
    assert s.is_single_conv
    (entry,) = s.layers
    assert entry.class_name == "Conv2D"
    assert entry.config["name"] == "conv2d"
    assert entry.params == 56
    with pytest.raises(SessionError, match=r"^session: a one-Conv2D session needs its kernels, bias and spec"):
        Session(input=np.ones((4, 4, 1)), kernels=np.ones((3, 3, 1, 1)))
    with pytest.raises(SessionError, match=r"^layers: give either one Conv2D's spec, kernels and bias, or the layers"):
        Session(
            input=np.ones((28, 28, 1)), kernels=np.ones((3, 3, 1, 1)), bias=[0], spec=ConvSpec(1, 3),
            layers=tuple(digits_session().layers),
        )


def test_default_names_are_keras_s_and_unique() -> None:
    layers = [
        {"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": 3}},
        {"class_name": "MaxPooling2D", "config": {}},
        {"class_name": "Conv2D", "config": {"name": "conv2d_1", "filters": 2, "kernel_size": 3}},
        {"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": 1}},
        {"class_name": "Flatten"},
    ]
    s = Session(input=np.ones((12, 12, 1)), layers=layers)
    assert s.layer_names == ("conv2d", "max_pooling2d", "conv2d_1", "conv2d_2", "flatten")


# --------------------------------------------------------------------------- messages name the layer


def _refusal(d: dict[str, Any], tmp_path: Path) -> str:
    path = tmp_path / "lesson.kscope"
    path.write_text(json.dumps(d))
    with pytest.raises(SessionError) as info:
        load_session(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message.removeprefix(f"{path}: ")


def test_a_dense_kernel_that_does_not_fit_is_named(tmp_path: Path) -> None:
    d = digits_dict()
    d["layers"][3]["weights"][0] = np.zeros((800, 10)).tolist()
    message = "layers[3] (dense): weights[0]: shape 800x10 does not match the input of 1568 values"
    assert _refusal(d, tmp_path) == message


def _mutate(path: str, value: Any):
    def apply(d: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = d
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return apply


STACK_REFUSALS = [
    pytest.param(
        _mutate("layers.3.weights.0.5.2", float("nan")),
        r"^layers\[3\] \(dense\): weights\[0\]\[5\]\[2\]: NaN is not a finite number",
        id="NaN weight",
    ),
    pytest.param(
        _mutate("layers.0.weights.1.0", "x"),
        r'^layers\[0\] \(conv2d\): weights\[1\]\[0\]: expected a number, got "x"$',
        id="text in a bias",
    ),
    pytest.param(
        _mutate("layers.0.weights", 3),
        r"^layers\[0\] \(conv2d\): weights: expected a list of arrays, got 3$",
        id="weights not a list",
    ),
    pytest.param(
        _mutate("layers.2.weights", [5]),
        r"^layers\[2\] \(flatten\): weights\[0\]: expected an array of numbers",
        id="weights of a number",
    ),
    pytest.param(
        _mutate("layers.1.trainable", True),
        r"^layers\[1\] \(max_pooling2d\): trainable: unknown key \(a layer has only class_name, config, weights",
        id="unknown entry key",
    ),
    pytest.param(
        _mutate("layers.2", {"config": {}}),
        r"^layers\[2\]: class_name: missing",
        id="no class name",
    ),
    pytest.param(
        _mutate("layers.2", [1]),
        r"^layers\[2\]: expected an object with class_name and config, got a list$",
        id="layer not an object",
    ),
    pytest.param(
        _mutate("layers.1.config", [2, 2]),
        r"^layers\[1\] \(max_pooling2d\): config: expected an object, got a list$",
        id="config not an object",
    ),
    pytest.param(
        _mutate("layers.1.config.name", 7),
        r"^layers\[1\] \(max_pooling2d\): config\.name: expected a name \(text\), got 7$",
        id="name not text",
    ),
    pytest.param(
        _mutate("layers.0.kept_bias", [1] * 8),
        r"^layers\[0\] \(conv2d\): kept_bias: only a Conv2D with use_bias false keeps a bias aside$",
        id="kept bias with a bias",
    ),
    pytest.param(
        lambda d: (d["layers"][0]["config"].update(filters=513), d["layers"][0].pop("weights")),
        r"^layers\[0\] \(conv2d\): config\.filters: expected a whole number from 1 to 512, got 513$",
        id="too many filters",
    ),
    pytest.param(
        _mutate("layers.3.config.units", 10**9),
        r"^layers\[3\] \(dense\): config\.units: expected a whole number from 1 to 4096, got 1000000000$",
        id="too many units",
    ),
    pytest.param(
        _mutate("layers.0.config.kernel_size", [3, 12]),
        r"^layers\[0\] \(conv2d\): config\.kernel_size: expected two whole numbers from 1 to 11, got \[3, 12\]$",
        id="kernel too large",
    ),
    pytest.param(
        _mutate("layers", []),
        r"^layers: empty; a session needs at least one layer$",
        id="no layers",
    ),
    pytest.param(
        _mutate("layers", [{"class_name": "Flatten"}] * 101),
        r"^layers: 101 layers is more than kernelscope holds \(100\)$",
        id="too many layers",
    ),
    pytest.param(
        lambda d: d.pop("layers"),
        r"^layers: missing",
        id="missing layers",
    ),
    pytest.param(
        _mutate("kernels", []),
        r"^kernels: unknown key \(a version 2 session has only format, version, title, notes, input, layers",
        id="a version 1 key",
    ),
    pytest.param(
        _mutate("layers.1.class_name", "Conv3D"),
        r"^layers\[1\]: kernelscope cannot compute Conv3D layers \(it computes Conv2D, MaxPooling2D",
        id="unknown class",
    ),
    pytest.param(
        _mutate("input", np.ones((2, 2, MAX_CHANNELS + 1)).tolist()),
        r"^input: expected 1 to 512 channels per pixel, got 513$",
        id="513 channels",
    ),
    pytest.param(
        _mutate("class_names", [str(n) for n in range(11)]),
        r"^class_names: 11 names for 10 output values of the last layer \(at most one name per output\)$",
        id="more names than outputs",
    ),
    pytest.param(
        _mutate("class_names.3", 3),
        r"^class_names\[3\]: expected text, got 3$",
        id="name not text",
    ),
    pytest.param(
        _mutate("class_names.3", "x" * 41),
        r"^class_names\[3\]: 41 characters is too long \(at most 40\)$",
        id="name too long",
    ),
    pytest.param(
        _mutate("class_names", "0123456789"),
        r'^class_names: expected a list of names, got "0123456789"$',
        id="names not a list",
    ),
    pytest.param(
        _mutate("version", 3),
        r"^version: this file was written by a newer kernelscope \(version 3\); this one reads versions 1 to 2$",
        id="version 3",
    ),
]


@pytest.mark.parametrize(("mutate", "message"), STACK_REFUSALS)
def test_a_broken_stack_is_refused_naming_the_layer(mutate, message) -> None:
    d = digits_dict()
    mutate(d)
    with pytest.raises(SessionError, match=message) as info:
        session_from_dict(d)
    assert "\n" not in str(info.value)


def test_a_pooling_layer_that_no_longer_fits_is_named() -> None:
    d = digits_dict(input=np.zeros((1, 1, 1)).tolist())
    d["layers"] = d["layers"][1:2]
    with pytest.raises(SessionError, match=r"^layers\[0\] \(max_pooling2d\): "):
        session_from_dict(d)


def test_512_channels_open() -> None:
    layers = [{"class_name": "Conv2D", "config": {"filters": 1, "kernel_size": 1}}, {"class_name": "Flatten"}]
    s = Session(input=np.zeros((2, 2, MAX_CHANNELS), np.float32), layers=layers)
    assert s.layers[0].input_shape == (2, 2, 512)
    back = loads_session(dumps_session(s))
    assert back == s
    assert back.input.shape == (2, 2, 512)


def test_class_names_are_optional_kept_and_compared() -> None:
    s = session_from_dict(digits_dict(class_names=None))
    assert s.class_names == ()
    assert "class_names" not in json.loads(dumps_session(s))
    named = session_from_dict(digits_dict(class_names=["zero", "one", "two ✕ \" quoted"]))
    assert named.class_names == ("zero", "one", 'two ✕ " quoted')
    assert loads_session(dumps_session(named)) == named
    assert named != s
    assert MAX_CLASS_NAMES >= 1000


def test_a_stack_equals_only_the_same_stack() -> None:
    a, b = digits_session(), digits_session()
    assert a == b
    d = digits_dict()
    d["layers"][3]["weights"][1][0] = 1e-7
    assert session_from_dict(d) != a
    d = digits_dict()
    d["layers"][3]["config"]["activation"] = "linear"
    assert session_from_dict(d) != a
    assert a != default_session()


# --------------------------------------------------------------------------- every layer type (full engine)

LAYER_EXAMPLES = {
    "Conv2D": [{"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": [3, 3]}}],
    "MaxPooling2D": [{"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2], "padding": "same"}}],
    "AveragePooling2D": [{"class_name": "AveragePooling2D", "config": {"pool_size": 2, "padding": "same"}}],
    "GlobalMaxPooling2D": [{"class_name": "GlobalMaxPooling2D", "config": {}}],
    "GlobalAveragePooling2D": [{"class_name": "GlobalAveragePooling2D", "config": {}}],
    "Flatten": [{"class_name": "Flatten", "config": {}}],
    "Dense": [{"class_name": "Flatten", "config": {}}, {"class_name": "Dense", "config": {"units": 3}}],
    "Dropout": [{"class_name": "Dropout", "config": {"rate": 0.5}}],
    "Activation": [{"class_name": "Activation", "config": {"activation": "relu"}}],
    "ReLU": [{"class_name": "ReLU", "config": {"max_value": 6.0}}],
    "BatchNormalization": [{"class_name": "BatchNormalization", "config": {"epsilon": 0.001}}],
    "ZeroPadding2D": [{"class_name": "ZeroPadding2D", "config": {"padding": [[1, 2], [0, 1]]}}],
    "Rescaling": [{"class_name": "Rescaling", "config": {"scale": 0.00392156862745098, "offset": -0.5}}],
}


def test_the_examples_cover_every_layer_class() -> None:
    assert set(LAYER_EXAMPLES) == set(stack.LAYER_CLASSES)


@pytest.mark.parametrize("class_name", sorted(LAYER_EXAMPLES))
def test_every_layer_class_round_trips(class_name: str) -> None:
    x = np.linspace(-1, 1, 5 * 5 * 3, dtype=np.float32).reshape(5, 5, 3)
    s = Session(input=x, layers=LAYER_EXAMPLES[class_name])
    assert s.layers[-1].class_name == class_name
    text = dumps_session(s)
    back = loads_session(text)
    assert back == s
    assert dumps_session(back) == text
    outputs = stack.forward(back.input, back.layers)
    assert outputs[-1].shape == back.layers[-1].output_shape


@pytest.mark.parametrize("class_name", ["Conv2D", "MaxPooling2D", "Flatten", "Dense"])
def test_the_stand_in_s_layer_classes_round_trip(class_name: str) -> None:
    layers = LAYER_EXAMPLES[class_name]
    if class_name == "MaxPooling2D":
        layers = [{"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2]}}]
    s = Session(input=np.linspace(-1, 1, 5 * 5 * 3, dtype=np.float32).reshape(5, 5, 3), layers=layers)
    text = dumps_session(s)
    assert loads_session(text) == s
    assert dumps_session(loads_session(text)) == text


def test_the_readme_shows_the_article_scene_as_kernelscope_writes_it() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text("utf-8")
    section = readme.split("## Session files (.kscope)")[1]
    example = section.split("```json\n")[1].split("```")[0]
    assert example == dumps_session(default_session())


# --------------------------------------------------------------------------- fuzz: only SessionError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 70) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def _paths(d: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(d, dict):
        for k, v in d.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(d, list):
        for i, v in enumerate(d[:2]):
            out += _paths(v, (*prefix, i))
    return out


def small_stack_dict() -> dict[str, Any]:
    layers = [
        {"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": 3}},
        {"class_name": "MaxPooling2D", "config": {"pool_size": 2}},
        {"class_name": "Flatten", "config": {}},
        {"class_name": "Dense", "config": {"units": 3, "activation": "softmax"}},
    ]
    s = Session(input=np.ones((6, 6, 1)), layers=layers, class_names=("a", "b"))
    return json.loads(dumps_session(s))


STACK_PATHS = _paths(small_stack_dict())[1:]


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(STACK_PATHS), json_values, st.booleans())
def test_fuzz_a_damaged_stack_raises_only_session_error(path, value, delete) -> None:
    d = small_stack_dict()
    target: Any = d
    for key in path[:-1]:
        target = target[key]
    if delete and isinstance(target, dict):
        del target[path[-1]]
    else:
        target[path[-1]] = value
    try:
        s = session_from_dict(d)
    except SessionError as exc:
        message = str(exc)
    else:
        message = ""
        assert loads_session(dumps_session(s)) == s
    assert "\n" not in message
