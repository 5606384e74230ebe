"""Session files: exact round trips, the article's default scene, every refusal with its field,
atomic saves, resources lookup, and a fuzz that only SessionError ever escapes."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kernelscope.core import engine
from kernelscope.core.colour_scale import COLORMAPS
from kernelscope.core.engine import ConvSpec
from kernelscope.files import atomic_file, resources
from kernelscope.files.sessions import (
    VALUE_MODES,
    Session,
    SessionError,
    ViewState,
    default_session,
    dumps_session,
    lessons_dir,
    load_session,
    loads_session,
    resources_dir,
    save_session,
    session_from_dict,
    session_to_dict,
)

PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def article_dict() -> dict[str, Any]:
    """The article's scene as a version 1 file: the refusals below are those of the version 1 reader."""
    return json.loads(dumps_session(default_session(), version=1))


def bits(a: np.ndarray) -> np.ndarray:
    """The float32 bit patterns, with negative zero folded into zero (files write it as 0)."""
    return (np.asarray(a, np.float32) + np.float32(0)).view(np.uint32)


# --------------------------------------------------------------------------- the default scene


def test_default_session_is_the_articles_x():
    s = default_session()
    x = s.input[:, :, 0]
    diag = np.eye(5, dtype=bool) | np.eye(5, dtype=bool)[::-1]
    assert s.input.shape == (5, 5, 1)
    assert s.input.dtype == np.float32
    assert (x[diag] == -1).all()
    assert (x[~diag] == 1).all()
    np.testing.assert_array_equal(s.kernels[:, :, 0, 0], [[1, 1, 1], [-1, -1, -1], [1, 1, 1]])
    assert s.kernels.shape == (3, 3, 1, 1)
    np.testing.assert_array_equal(s.bias, [0])
    assert s.spec == ConvSpec(1, (3, 3), (1, 1), "valid", (1, 1), "linear", True)
    assert s.title == "The article's X"
    assert s.notes
    assert s.view == ViewState()
    result = engine.compute(s.input, s.kernels, s.bias, s.spec)
    assert result.out_shape == (3, 3, 1)
    assert result.maps[0, 0, 0] == 1  # the article's first window sums to 1


def test_default_session_text_is_readable_and_exact():
    text = dumps_session(default_session(), version=1)
    data = json.loads(text)
    assert list(data) == [
        "format", "version", "title", "notes", "layer", "input", "kernels", "bias", "view"
    ]
    assert data["format"] == "kernelscope-session"
    assert data["version"] == 1
    # One line per image row and kernel row; whole numbers without ".0".
    assert "    [[-1], [1], [1], [1], [-1]],\n" in text
    assert "    [[[-1]], [[-1]], [[-1]]],\n" in text
    assert '"kernel_size": [3, 3]' in text
    assert '"bias": [0]' in text
    assert ".0" not in text.split('"layer"')[1]
    assert len(text.splitlines()) < 40
    assert text.endswith("}\n")


def test_default_session_text_is_version_2_readable_and_exact():
    text = dumps_session(default_session())
    data = json.loads(text)
    assert list(data) == ["format", "version", "title", "notes", "input", "layers", "view"]
    assert data["format"] == "kernelscope-session"
    assert data["version"] == 2
    (layer,) = data["layers"]
    assert list(layer) == ["class_name", "config", "weights"]
    assert layer["class_name"] == "Conv2D"
    assert layer["config"] == {
        "name": "conv2d", "filters": 1, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
        "dilation_rate": [1, 1], "activation": "linear", "use_bias": True,
    }
    assert layer["weights"] == [[[[[1]], [[1]], [[1]]], [[[-1]], [[-1]], [[-1]]], [[[1]], [[1]], [[1]]]], [0]]
    # One line per image row and kernel row; whole numbers without ".0"; one key per config line.
    assert "    [[-1], [1], [1], [1], [-1]],\n" in text
    assert "          [[[-1]], [[-1]], [[-1]]],\n" in text
    assert '        "kernel_size": [3, 3],\n' in text
    assert "        [0]\n" in text
    assert ".0" not in text.split('"layers"')[1]
    assert len(text.splitlines()) < 50
    assert text.endswith("}\n")


def test_arrays_are_read_only_private_copies():
    x = np.ones((4, 4, 1), np.float32)
    k = np.ones((3, 3, 1, 2), np.float64)
    s = Session(input=x, kernels=k, bias=[0, 0], spec=ConvSpec(2, 3), view=ViewState())
    x[0, 0, 0] = 7
    assert s.input[0, 0, 0] == 1
    for arr in (s.input, s.kernels, s.bias):
        assert arr.dtype == np.float32
        assert not arr.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 1


def test_session_equality_compares_arrays_exactly():
    a = default_session()
    b = default_session()
    assert a == b
    assert a != dataclasses.replace(a, title="other")
    assert a != dataclasses.replace(a, bias=np.array([1e-7], np.float32))
    assert a != dataclasses.replace(a, view=ViewState(step=1))
    assert a != "not a session"
    with pytest.raises(TypeError):
        hash(a)


def test_session_construction_validates_consistency():
    s = default_session()
    with pytest.raises(SessionError, match=r"^kernels: shape 3x3x1x1 does not match layer \(3x3 kernels, "
                       r"1 channel, 2 filters\)$"):
        dataclasses.replace(s, spec=ConvSpec(2, 3))
    with pytest.raises(SessionError, match=r"^view\.selected_filter: "):
        dataclasses.replace(s, view=ViewState(selected_filter=1))
    with pytest.raises(SessionError, match=r"^input\[0\]\[0\]\[0\]: NaN is not a finite number"):
        dataclasses.replace(s, input=np.full((5, 5, 1), np.nan))
    with pytest.raises(SessionError, match=r"^bias\[0\]: Infinity is not a finite number"):
        dataclasses.replace(s, bias=np.array([1e39]))
    with pytest.raises(SessionError, match=r"^bias: expected an array of numbers"):
        dataclasses.replace(s, bias=["one"])
    with pytest.raises(SessionError, match=r"^kernels: expected a non-empty 4-D array, got shape \(3, 3\)"):
        dataclasses.replace(s, kernels=np.ones((3, 3)))
    with pytest.raises(SessionError, match=r"^layer: a 7x7 kernel does not fit a 5x5 input"):
        dataclasses.replace(s, spec=ConvSpec(1, 7), kernels=np.zeros((7, 7, 1, 1)))


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (-1.0, "-1"),
        (0.0, "0"),
        (-0.0, "0"),
        (0.1, "0.1"),
        (-0.5, "-0.5"),
        (255.0, "255"),
        (1 / 3, "0.33333334"),
        (1e-45, "1e-45"),
        (1.5e-5, "1.5e-05"),
        (3.4028235e38, "3.4028235e+38"),
        (16777216.0, "16777216"),
        (1e20, "1e+20"),
    ],
)
def test_numbers_are_written_short_and_exact(value, text):
    s = dataclasses.replace(default_session(), bias=np.array([value], np.float32))
    out = dumps_session(s, version=1)
    assert f'"bias": [{text}]' in out
    again = loads_session(out)
    assert bits(again.bias).tolist() == bits(np.array([value], np.float32)).tolist()
    out = dumps_session(s)
    assert f"\n        [{text}]\n      ]" in out  # the bias, the layer's last weights
    again = loads_session(out)
    assert bits(again.bias).tolist() == bits(np.array([value], np.float32)).tolist()


@st.composite
def sessions_strategy(draw) -> Session:
    h = draw(st.integers(1, 7))
    w = draw(st.integers(1, 7))
    c = draw(st.sampled_from([1, 3]))
    f = draw(st.integers(1, 4))
    padding = draw(st.sampled_from(["valid", "same"]))
    kh = draw(st.integers(1, h if padding == "valid" else 5))
    kw = draw(st.integers(1, w if padding == "valid" else 5))
    if draw(st.booleans()):
        strides, dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3))), (1, 1)
    else:
        strides, dilation = (1, 1), (1, 1)
        if padding == "same":
            dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    spec = ConvSpec(
        f, (kh, kw), strides, padding, dilation,
        draw(st.sampled_from([*engine.ACTIVATIONS, None])), draw(st.booleans()),
    )
    values = st.floats(width=32, allow_nan=False, allow_infinity=False, allow_subnormal=True)
    x = draw(hnp.arrays(np.float32, (h, w, c), elements=values))
    k = draw(hnp.arrays(np.float32, (kh, kw, c, f), elements=values))
    b = draw(hnp.arrays(np.float32, (f,), elements=values))
    oh, ow, _ = engine.output_shape(x.shape, spec)
    view = ViewState(
        value_mode=draw(st.sampled_from(list(VALUE_MODES))),
        selected_filter=draw(st.integers(0, f - 1)),
        step=draw(st.integers(0, oh * ow - 1)),
        show_activation=draw(st.booleans()),
        colormap=draw(st.sampled_from(sorted(COLORMAPS))),
        shared_scale=draw(st.booleans()),
    )
    text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
    return Session(x, k, b, spec, view, draw(text), draw(text))


def _no_constants(token: str) -> None:
    raise AssertionError(f"{token} is not JSON")


@PROPERTY
@given(sessions_strategy())
def test_random_sessions_round_trip_exactly(s):
    text = dumps_session(s)
    json.loads(text, parse_constant=_no_constants)  # strict JSON, whatever the numbers
    back = loads_session(text)
    assert back == s
    for a, b in ((back.input, s.input), (back.kernels, s.kernels), (back.bias, s.bias)):
        np.testing.assert_array_equal(bits(a), bits(b))
    assert dumps_session(back) == text
    assert session_from_dict(session_to_dict(s)) == s
    # One line per image row: the file grows with height, not with the number of values.
    kept_bias = not s.spec.use_bias and s.bias.any()  # written aside, on one line
    assert len(text.split("\n")) == 37 + s.input.shape[0] + s.kernels.shape[0] - (not s.spec.use_bias) + kept_bias
    text = dumps_session(s, version=1)
    back = loads_session(text)
    assert back == s
    assert dumps_session(back, version=1) == text
    assert session_from_dict(session_to_dict(s, version=1)) == s
    assert len(text.split("\n")) == 29 + s.input.shape[0] + s.kernels.shape[0]


def test_session_to_dict_is_plain_json_data():
    d = session_to_dict(default_session())
    assert json.loads(json.dumps(d)) == d
    assert d["layers"][0]["config"] == {
        "name": "conv2d", "filters": 1, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
        "dilation_rate": [1, 1], "activation": "linear", "use_bias": True,
    }
    d = session_to_dict(default_session(), version=1)
    assert json.loads(json.dumps(d)) == d
    assert d["layer"] == {
        "filters": 1, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
        "dilation_rate": [1, 1], "activation": "linear", "use_bias": True,
    }


# --------------------------------------------------------------------------- what a hand-written file may say


def test_layer_defaults_and_keras_shorthands():
    d = article_dict()
    d["layer"] = {"filters": 1, "kernel_size": 3}
    del d["bias"], d["view"], d["title"], d["notes"]
    s = session_from_dict(d)
    assert s.spec == ConvSpec(1, (3, 3))
    np.testing.assert_array_equal(s.bias, [0])
    assert s.view == ViewState()
    assert s.title == s.notes == ""
    d["layer"].update(strides=2, activation=None, padding="SAME", use_bias=False)
    s = session_from_dict(d)
    assert s.spec.strides == (2, 2)
    assert s.spec.activation == "linear"
    assert s.spec.padding == "same"
    assert s.spec.use_bias is False
    assert '"activation": "linear"' in dumps_session(s)


def test_bias_is_kept_when_use_bias_is_false():
    d = article_dict()
    d["layer"]["use_bias"] = False
    d["bias"] = [0.25]
    s = session_from_dict(d)
    assert s.bias.tolist() == [0.25]
    assert loads_session(dumps_session(s)) == s
    assert json.loads(dumps_session(s))["layers"][0]["kept_bias"] == [0.25]
    assert len(json.loads(dumps_session(s))["layers"][0]["weights"]) == 1  # Keras's layout: no bias


def test_utf8_bom_and_unicode_titles_are_read():
    s = dataclasses.replace(default_session(), title="Kreuz ✕", notes="ein X")
    text = dumps_session(s)
    assert "Kreuz ✕" in text
    assert loads_session(("\ufeff" + text).encode("utf-8")) == s


# --------------------------------------------------------------------------- refusals


def _set(path: str, value: Any):
    def mutate(d: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = d
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        if last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


def _delete(key: str):
    return lambda d: d.pop(key)


def _kernels(kh: int, kw: int, c: int = 1, f: int = 1):
    return _set("kernels", np.ones((kh, kw, c, f)).tolist())


BROKEN_DICTS = [
    pytest.param(
        _set("format", "keras-model"),
        r'^format: expected "kernelscope-session", got "keras-model"$',
        id="wrong format",
    ),
    pytest.param(
        _delete("format"),
        r"^format: missing",
        id="no format",
    ),
    pytest.param(
        _set("version", 3),
        r"^version: this file was written by a newer kernelscope \(version 3\); this one reads versions 1 to 2$",
        id="newer version",
    ),
    pytest.param(
        _set("version", 0),
        r"^version: expected 1 to 2, got 0$",
        id="version zero",
    ),
    pytest.param(
        _set("version", "1"),
        r'^version: expected a whole number, got "1"$',
        id="version as text",
    ),
    pytest.param(
        _set("version", 1.0),
        r"^version: expected a whole number, got 1.0$",
        id="version as float",
    ),
    pytest.param(
        _delete("layer"),
        r"^layer: missing",
        id="missing layer",
    ),
    pytest.param(
        _delete("input"),
        r"^input: missing",
        id="missing input",
    ),
    pytest.param(
        _delete("kernels"),
        r"^kernels: missing",
        id="missing kernels",
    ),
    pytest.param(
        _set("author", "me"),
        r"^author: unknown key \(a version 1 session has only format, ",
        id="unknown key",
    ),
    pytest.param(
        _set("layer.groups", 1),
        r"^layer\.groups: unknown key",
        id="unknown layer key",
    ),
    pytest.param(
        _set("view.zoom", 2),
        r"^view\.zoom: unknown key",
        id="unknown view key",
    ),
    pytest.param(
        _set("layer", [1, 3]),
        r"^layer: expected an object, got a list$",
        id="layer not an object",
    ),
    pytest.param(
        lambda d: d["layer"].pop("filters"),
        r"^layer\.filters: missing",
        id="filters missing",
    ),
    pytest.param(
        _set("layer.filters", 0),
        r"^layer\.filters: expected a whole number from 1 to 512, got 0$",
        id="filters zero",
    ),
    pytest.param(
        _set("layer.filters", 513),
        r"^layer\.filters: .* from 1 to 512, got 513$",
        id="filters too many",
    ),
    pytest.param(
        _set("layer.filters", True),
        r"^layer\.filters: .*, got true$",
        id="filters bool",
    ),
    pytest.param(
        _set("layer.kernel_size", [3]),
        r"^layer\.kernel_size: expected two whole numbers from 1 to 11, got \[3\]$",
        id="kernel_size one item",
    ),
    pytest.param(
        _set("layer.kernel_size", 12),
        r"^layer\.kernel_size: .* from 1 to 11, got 12$",
        id="kernel_size 12",
    ),
    pytest.param(
        _set("layer.kernel_size", [3, 3.0]),
        r"^layer\.kernel_size: .*got \[3, 3.0\]$",
        id="kernel_size float",
    ),
    pytest.param(
        _set("layer.strides", [0, 1]),
        r"^layer\.strides: expected two whole numbers",
        id="strides zero",
    ),
    pytest.param(
        _set("layer.dilation_rate", "2"),
        r"^layer\.dilation_rate: ",
        id="dilation text",
    ),
    pytest.param(
        _set("layer.padding", "full"),
        r'^layer\.padding: expected "valid" or "same", got "full"$',
        id="padding",
    ),
    pytest.param(
        _set("layer.activation", "mish"),
        r'^layer\.activation: expected one of .*, got "mish"$',
        id="activation",
    ),
    pytest.param(
        _set("layer.use_bias", 1),
        r"^layer\.use_bias: expected true or false, got 1$",
        id="use_bias",
    ),
    pytest.param(
        lambda d: d["layer"].update(strides=2, dilation_rate=2),
        r"^layer: strides \(2, 2\) and dilation_rate \(2, 2\) cannot both be above 1",
        id="strides and dilation",
    ),
    pytest.param(
        lambda d: (d["layer"].update(kernel_size=7), _kernels(7, 7)(d)),
        r"^layer: a 7x7 kernel does not fit a 5x5 input with padding='valid'",
        id="kernel larger than input",
    ),
    pytest.param(
        lambda d: d["layer"].update(dilation_rate=3),
        r"^layer: a 3x3 kernel \(dilated to 7x7\) does not fit a 5x5 input",
        id="dilated kernel larger than input",
    ),
    pytest.param(
        lambda d: d["layer"].update(dilation_rate=1000, padding="same"),
        r"^layer\.dilation_rate: a 3x3 kernel dilated by \[1000, 1000\] spans 2001x2001 cells",
        id="huge dilation span",
    ),
    pytest.param(
        _kernels(3, 3, 1, 2),
        r"^kernels: shape 3x3x1x2 does not match layer \(3x3 kernels, 1 channel, 1 filter\)$",
        id="wrong kernel shape",
    ),
    pytest.param(
        _kernels(3, 3, 3, 1),
        r"^kernels: shape 3x3x3x1 does not match layer",
        id="kernel channels",
    ),
    pytest.param(
        _set("kernels", [[1, 1, 1]] * 3),
        r"^kernels: expected kh x kw x C x F .*4 levels of nested lists; kernels\[0\]\[0\] is 1$",
        id="kernels too shallow",
    ),
    pytest.param(
        _set("kernels", {"a": 1}),
        r"^kernels: expected .*; got an object$",
        id="kernels not a list",
    ),
    pytest.param(
        _set("bias", [0, 0]),
        r"^bias: has 2 numbers, expected 1 \(one per filter\)$",
        id="bias length",
    ),
    pytest.param(
        _set("bias", 0),
        r"^bias: expected one number per filter, 1 levels of nested lists; got 0$",
        id="bias scalar",
    ),
    pytest.param(
        _set("input.2.2.0", float("nan")),
        r"^input\[2\]\[2\]\[0\]: NaN is not a finite number",
        id="NaN",
    ),
    pytest.param(
        _set("kernels.0.0.0.0", float("-inf")),
        r"^kernels\[0\]\[0\]\[0\]\[0\]: -Infinity is not a finite",
        id="Infinity",
    ),
    pytest.param(
        _set("bias.0", 1e39),
        r"^bias\[0\]: 1e\+39 is too large for a 32-bit float",
        id="float32 overflow",
    ),
    pytest.param(
        _set("bias.0", 10**400),
        r"^bias\[0\]: a very large whole number is too large",
        id="huge integer",
    ),
    pytest.param(
        _set("input.1.3.0", "1"),
        r'^input\[1\]\[3\]\[0\]: expected a number, got "1"$',
        id="string in array",
    ),
    pytest.param(
        _set("kernels.1.1.0.0", True),
        r"^kernels\[1\]\[1\]\[0\]\[0\]: expected a number, got true$",
        id="bool in array",
    ),
    pytest.param(
        _set("bias.0", None),
        r"^bias\[0\]: expected a number, got null$",
        id="null in array",
    ),
    pytest.param(
        lambda d: d["input"][3].pop(),
        r"^input\[3\]: has 4 items but input\[0\] has 5",
        id="ragged rows",
    ),
    pytest.param(
        _set("input.0.1", [1, 1]),
        r"^input\[0\]\[1\]: has 2 items but input\[0\]\[0\] has 1",
        id="ragged pixel",
    ),
    pytest.param(
        _set("input.0.1.0", [1]),
        r"^input\[0\]\[1\]\[0\]: expected a number, got a list$",
        id="list too deep",
    ),
    pytest.param(
        _set("input.4", 1),
        r"^input\[4\]: expected a list of 5, got 1",
        id="number where a row is",
    ),
    pytest.param(
        _set("input", []),
        r"^input: is an empty list",
        id="empty input",
    ),
    pytest.param(
        _set("input", np.ones((5, 5, 2)).tolist()),
        r"^input: expected 1 \(grey\) or 3 \(RGB\) channels",
        id="two channels",
    ),
    pytest.param(
        _set("input", [[[1]]] * 1025),
        r"^input: 1025x1 pixels is larger than 1024 on a side",
        id="input too large",
    ),
    pytest.param(
        _set("title", 3),
        r"^title: expected text, got 3$",
        id="title not text",
    ),
    pytest.param(
        _set("view.value_mode", "float"),
        r"^view\.value_mode: expected one of binary, grey, byte",
        id="value mode",
    ),
    pytest.param(
        _set("view.selected_filter", 1),
        r"^view\.selected_filter: 1 is not a filter of this layer",
        id="selected filter",
    ),
    pytest.param(
        _set("view.step", 9),
        r"^view\.step: 9 is past the last step \(8\) of a 3x3 output$",
        id="step past end",
    ),
    pytest.param(
        _set("view.step", -1),
        r"^view\.step: expected a whole number from 0, got -1$",
        id="negative step",
    ),
    pytest.param(
        _set("view.shared_scale", "yes"),
        r'^view\.shared_scale: expected true or false, got "yes"$',
        id="view flag",
    ),
    pytest.param(
        _set("view", []),
        r"^view: expected an object, got a list$",
        id="view not an object",
    ),
]


@pytest.mark.parametrize(("mutate", "message"), BROKEN_DICTS)
def test_broken_dicts_are_refused_naming_the_field(mutate, message):
    d = article_dict()
    mutate(d)
    with pytest.raises(SessionError, match=message) as info:
        session_from_dict(d)
    assert "\n" not in str(info.value)


def test_newer_version_wins_over_unknown_keys():
    d = article_dict()
    d.update(version=7, layers=[])
    newer = r"^version: this file was written by a newer kernelscope \(version 7\)"
    with pytest.raises(SessionError, match=newer):
        session_from_dict(d)


ARTICLE_TEXT = dumps_session(default_session())
ARTICLE_TEXT_V1 = dumps_session(default_session(), version=1)
BROKEN_TEXTS = [
    pytest.param(
        ARTICLE_TEXT[: len(ARTICLE_TEXT) // 2],
        r"^not valid JSON: .* \(line \d+, column \d+\); the file looks cut short$",
        id="truncated",
    ),
    pytest.param(
        "",
        r"^empty file: expected a kernelscope session",
        id="empty",
    ),
    pytest.param(
        " \n\t",
        r"^empty file",
        id="blank",
    ),
    pytest.param(
        "[1, 2, 3]",
        r"^session: expected a JSON object \{\.\.\.\} at the top level, got a list$",
        id="list at top level",
    ),
    pytest.param(
        "3",
        r"^session: expected a JSON object .* got 3$",
        id="number at top level",
    ),
    pytest.param(
        "format = kernelscope",
        r"^not valid JSON: Expecting value \(line 1, column 1\)$",
        id="not JSON",
    ),
    pytest.param(
        ARTICLE_TEXT_V1.replace('"bias": [0]', '"bias": [NaN]'),
        r"^bias\[0\]: NaN is not a finite number",
        id="NaN token",
    ),
    pytest.param(
        ARTICLE_TEXT.replace("[[-1], [1], [1], [1], [-1]],", "[[-1], [Infinity], [1], [1], [-1]],", 1),
        r"^input\[0\]\[1\]\[0\]: Infinity is not a finite number",
        id="Infinity token",
    ),
    pytest.param(
        ARTICLE_TEXT_V1.replace('"version": 1,', '"version": 1, "version": 1,'),
        r"^version: appears twice in the same object",
        id="duplicate key",
    ),
    pytest.param(
        "[" * 100_000 + "]" * 100_000,
        r"^not a kernelscope session: the JSON is nested too deeply$",
        id="deep nesting",
    ),
    pytest.param(
        '{"format": "kernelscope-session", "version": ' + "9" * 5000 + "}",
        r"^not valid JSON: ",
        id="too many digits",
    ),
    pytest.param(
        ARTICLE_TEXT.replace("The article", "\\ud800"),
        r"^title: character 0 is a lone surrogate",
        id="lone surrogate",
    ),
]


@pytest.mark.parametrize(("text", "message"), BROKEN_TEXTS)
def test_broken_texts_are_refused(text, message):
    with pytest.raises(SessionError, match=message) as info:
        loads_session(text)
    assert "\n" not in str(info.value)


BROKEN_FILES = [
    pytest.param(
        b"\xff\xfe{not utf8}",
        r"not a kernelscope session: not UTF-8 text \(byte 0xff at offset 0\)$",
        id="non-UTF-8",
    ),
    pytest.param(
        b"",
        r"empty file",
        id="empty",
    ),
    pytest.param(
        ARTICLE_TEXT.encode()[:100],
        r"not valid JSON: .*cut short",
        id="truncated",
    ),
    pytest.param(
        b"[]",
        r"session: expected a JSON object",
        id="list",
    ),
    pytest.param(
        ARTICLE_TEXT.replace('"version": 2', '"version": 3').encode(),
        r"version: .*newer kernelscope",
        id="newer",
    ),
    pytest.param(
        ARTICLE_TEXT_V1.replace('"kernel_size": [3, 3]', '"kernel_size": [3]').encode(),
        r"layer\.kernel_size: expected two whole numbers from 1 to 11, got \[3\]$",
        id="bad kernel",
    ),
]


@pytest.mark.parametrize(("content", "message"), BROKEN_FILES)
def test_broken_files_are_refused_with_the_file_name(tmp_path, content, message):
    path = tmp_path / "lesson.kscope"
    path.write_bytes(content)
    with pytest.raises(SessionError, match="^" + str(path).replace("\\", "\\\\") + ": " + message) as info:
        load_session(path)
    assert "\n" not in str(info.value)


def test_missing_and_unreadable_files(tmp_path):
    missing = tmp_path / "nope.kscope"
    with pytest.raises(SessionError, match=f"^cannot read {missing}: no such file or directory$"):
        load_session(missing)
    with pytest.raises(SessionError, match=f"^cannot read {tmp_path}: is a directory$"):
        load_session(tmp_path)


# --------------------------------------------------------------------------- saving


def test_save_and_load_round_trip(tmp_path):
    s = default_session()
    path = tmp_path / "x.kscope"
    save_session(s, path)
    assert path.read_text("utf-8") == dumps_session(s)
    assert load_session(str(path)) == s
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.kscope"]  # no temporary file left


def test_save_overwrites_and_keeps_the_file_mode(tmp_path):
    path = tmp_path / "x.kscope"
    path.write_text("old")
    path.chmod(0o640)
    save_session(default_session(), path)
    assert path.read_text("utf-8") == ARTICLE_TEXT
    assert path.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["x.kscope"]


def test_new_file_gets_the_usual_permissions(tmp_path):
    path = tmp_path / "x.kscope"
    save_session(default_session(), path)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("where", ["missing folder", "parent is a file", "target is a folder"])
def test_save_to_an_unwritable_path_leaves_nothing(tmp_path, where):
    if where == "missing folder":
        path, reason = tmp_path / "no" / "x.kscope", "no such file or directory"
    elif where == "parent is a file":
        (tmp_path / "file").write_text("")
        path, reason = tmp_path / "file" / "x.kscope", "not a directory"
    else:
        (tmp_path / "x.kscope").mkdir()
        path, reason = tmp_path / "x.kscope", "is a directory"
    before = sorted(tmp_path.rglob("*"))
    with pytest.raises(SessionError, match=f"^cannot write {path}: {reason}$"):
        save_session(default_session(), path)
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/sys is Linux's")
def test_save_to_a_read_only_folder():
    # sysfs takes no new file from anyone, root included (a chmod-ed folder would not stop CI's root).
    folder = "/sys"
    before = sorted(os.listdir(folder))
    with pytest.raises(SessionError, match=f"^cannot write {folder}/x.kscope: permission denied$"):
        save_session(default_session(), f"{folder}/x.kscope")
    assert sorted(os.listdir(folder)) == before


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_a_failed_save_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch, failing):
    path = tmp_path / "x.kscope"
    path.write_text("the old session")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic_file.os, failing, fail)
    with pytest.raises(SessionError, match=f"^cannot write {path}: no space left on device$"):
        save_session(default_session(), path)
    monkeypatch.undo()
    assert path.read_text() == "the old session"
    assert [p.name for p in tmp_path.iterdir()] == ["x.kscope"]


def test_save_refuses_what_is_not_a_session(tmp_path):
    with pytest.raises(SessionError, match=r"^session: expected a Session"):
        save_session(session_to_dict(default_session()), tmp_path / "x.kscope")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- view state


def test_view_state_round_trip_and_defaults():
    v = ViewState("grey", 2, 5, False, "viridis", False)
    assert ViewState.from_dict(v.to_dict()) == v
    assert ViewState.from_dict({}) == ViewState()
    assert ViewState.from_dict(None) == ViewState()
    assert ViewState().to_dict() == {
        "value_mode": "binary", "selected_filter": 0, "step": 0,
        "show_activation": True, "colormap": "CET-D1A", "shared_scale": True,
    }
    assert VALUE_MODES == {"binary": (-1.0, 1.0), "grey": (0.0, 1.0), "byte": (0.0, 255.0)}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"zoom": 2}, r"^view\.zoom: unknown key"),
        ({"value_mode": "bytes"}, r"^view\.value_mode: "),
        ({"selected_filter": 1.5}, r"^view\.selected_filter: "),
        ({"step": True}, r"^view\.step: "),
        ({"show_activation": None}, r"^view\.show_activation: "),
        ({"colormap": ""}, r"^view\.colormap: "),
        ({"colormap": 3}, r"^view\.colormap: "),
        ({"colormap": "jet"}, r"^view\.colormap: expected one of "),
        ("binary", r"^view: expected an object"),
    ],
)
def test_view_state_refusals(data, message):
    with pytest.raises(SessionError, match=message):
        ViewState.from_dict(data)


# --------------------------------------------------------------------------- resources


def test_resources_dir_exists():
    assert resources_dir().is_dir()
    assert lessons_dir() == resources_dir() / "lessons"


def test_resources_dir_prefers_the_installed_copy(tmp_path, monkeypatch):
    package = tmp_path / "kernelscope"
    (package / "files").mkdir(parents=True)
    monkeypatch.setattr(resources, "__file__", str(package / "files" / "resources.py"))
    with pytest.raises(FileNotFoundError, match="resources folder is missing"):
        resources_dir()
    (tmp_path / "resources").mkdir()
    assert resources_dir() == tmp_path / "resources"  # a checkout
    (package / "resources").mkdir()
    assert resources_dir() == package / "resources"  # a wheel


def test_sessions_imports_no_qt():
    code = (
        "import sys, kernelscope.files.sessions; "
        "print(sorted(m for m in sys.modules if 'Qt' in m or 'pyqtgraph' in m))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- fuzz: only SessionError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@PROPERTY
@given(json_values)
def test_fuzz_any_json_value_raises_only_session_error(value):
    with pytest.raises(SessionError):
        session_from_dict(value)


def _paths(d: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(d, dict):
        for k, v in d.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(d, list):
        for i, v in enumerate(d[:3]):
            out += _paths(v, (*prefix, i))
    return out


ARTICLE_PATHS = _paths(article_dict())[1:]


@PROPERTY
@given(st.sampled_from(ARTICLE_PATHS), json_values, st.booleans())
def test_fuzz_a_damaged_session_raises_only_session_error(path, value, delete):
    d = copy.deepcopy(article_dict())
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


@PROPERTY
@given(st.binary(max_size=64) | st.text(max_size=64).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_fuzz_any_bytes_raise_only_session_error(data):
    with pytest.raises(SessionError):
        loads_session(data)
