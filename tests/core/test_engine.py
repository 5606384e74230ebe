"""The engine against the independent naive Conv2D in ``naive_conv.py``, the article's numbers,
the step trace, the initializer and every refusal."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kernelscope.core.engine import (
    ConvError,
    ConvSpec,
    activate,
    compute,
    conv2d,
    count_params,
    glorot_uniform,
    output_shape,
    output_size,
    padding_amounts,
    same_padding,
)
from kernelscope.core.engine import convolution as engine
from tests.core.naive_conv import (
    ACTIVATION_NAMES,
    NAIVE_ACTIVATIONS,
    naive_activation,
    naive_conv2d,
    naive_output_size,
    naive_same_padding,
)

RTOL = ATOL = 1e-5
# float32 rounding (6e-8) plus the engine's erfc (< 1.2e-7 relative): tight enough to catch a
# truncated constant such as selu's scale written as 1.0507.
ACT_RTOL = 3e-7
PROPERTY = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# The article's 5x5 "X": black -1 on the two diagonals, white +1 elsewhere.
ARTICLE_X = np.array(
    [
        [-1, 1, 1, 1, -1],
        [1, -1, 1, -1, 1],
        [1, 1, -1, 1, 1],
        [1, -1, 1, -1, 1],
        [-1, 1, 1, 1, -1],
    ],
    dtype=np.float32,
)
ARTICLE_KERNEL = np.array([[1, 1, 1], [-1, -1, -1], [1, 1, 1]], dtype=np.float32)[:, :, None, None]


# --------------------------------------------------------------------------- strategies


def _floats32(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(
        np.float32,
        shape,
        elements=st.floats(-1, 1, width=32, allow_subnormal=False),
    )


@st.composite
def layers(draw: st.DrawFn) -> dict[str, Any]:
    """A legal layer: strides and dilation never both above 1 (that is a refusal, tested apart)."""
    kernel = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    axis = st.integers(1, 3)
    if draw(st.booleans()):
        strides, dilation = (draw(axis), draw(axis)), (1, 1)
    else:
        strides, dilation = (1, 1), (draw(axis), draw(axis))
    return {
        "kernel": kernel,
        "strides": strides,
        "dilation_rate": dilation,
        "padding": draw(st.sampled_from(["valid", "same"])),
        "activation": draw(st.sampled_from(ACTIVATION_NAMES)),
    }


def _fits(h: int, w: int, layer: dict[str, Any]) -> bool:
    (kh, kw), (sh, sw), (dh, dw) = layer["kernel"], layer["strides"], layer["dilation_rate"]
    p = layer["padding"]
    return naive_output_size(h, kh, sh, dh, p) >= 1 and naive_output_size(w, kw, sw, dw, p) >= 1


def _call_both(x: np.ndarray, k: np.ndarray, b: np.ndarray | None, layer: dict[str, Any]):
    args = {key: layer[key] for key in ("strides", "padding", "dilation_rate", "activation")}
    return conv2d(x, k, b, **args), naive_conv2d(x, k, b, **args)


# --------------------------------------------------------------------------- conv2d == naive


@PROPERTY
@given(
    layer=layers(),
    h=st.integers(1, 12),
    w=st.integers(1, 12),
    c=st.integers(1, 3),
    f=st.integers(1, 4),
    with_bias=st.booleans(),
    two_d=st.booleans(),
    data=st.data(),
)
def test_conv2d_matches_naive(
    layer: dict[str, Any], h: int, w: int, c: int, f: int, with_bias: bool, two_d: bool, data: st.DataObject
) -> None:
    assume(_fits(h, w, layer))
    kh, kw = layer["kernel"]
    x = data.draw(_floats32((h, w) if two_d and c == 1 else (h, w, c)), label="x")
    k = data.draw(_floats32((kh, kw, c, f)), label="kernels")
    b = data.draw(_floats32((f,)), label="bias") if with_bias else None

    got, want = _call_both(x, k, b, layer)
    assert got.dtype == np.float32
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL)

    # The snapshot's pre-activation maps are the naive sums before the activation.
    spec = ConvSpec(f, (kh, kw), layer["strides"], layer["padding"], layer["dilation_rate"],
                    layer["activation"], use_bias=with_bias)
    result = compute(x, k, b, spec)
    assert result.out_shape == want.shape == output_shape(np.shape(x), spec)
    args = {key: layer[key] for key in ("strides", "padding", "dilation_rate")}
    np.testing.assert_allclose(
        result.feature_maps(activated=False), naive_conv2d(x, k, b, **args, activated=False),
        rtol=RTOL, atol=ATOL,
    )
    np.testing.assert_array_equal(result.feature_maps(), got)


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    layer=layers(),
    h=st.integers(1, 12),
    w=st.integers(1, 12),
    c=st.integers(1, 3),
    f=st.integers(1, 4),
    with_bias=st.booleans(),
    activation=st.sampled_from([None, "linear", "relu"]),
    data=st.data(),
)
def test_integer_scenes_are_exact(
    layer: dict[str, Any], h: int, w: int, c: int, f: int, with_bias: bool, activation: str | None,
    data: st.DataObject,
) -> None:
    assume(_fits(h, w, layer))
    layer = {**layer, "activation": activation}
    kh, kw = layer["kernel"]
    x = data.draw(hnp.arrays(np.int64, (h, w, c), elements=st.integers(-255, 255)), label="x")
    k = data.draw(hnp.arrays(np.int64, (kh, kw, c, f), elements=st.integers(-9, 9)), label="kernels")
    b = None
    if with_bias:
        b = data.draw(hnp.arrays(np.int64, (f,), elements=st.integers(-50, 50)), label="bias")
    got, want = _call_both(x, k, b, layer)
    np.testing.assert_array_equal(got, want)


def test_two_d_input_is_one_channel() -> None:
    rng = np.random.default_rng(1)
    x = rng.integers(-3, 4, size=(6, 7)).astype(np.float32)
    k = rng.integers(-2, 3, size=(3, 2, 1, 2)).astype(np.float32)
    got = conv2d(x, k, np.array([0.5, -1.0]), strides=(2, 1), padding="same")
    np.testing.assert_array_equal(got, conv2d(x[:, :, None], k, np.array([0.5, -1.0]), (2, 1), "same"))
    np.testing.assert_array_equal(got, naive_conv2d(x, k, [0.5, -1.0], (2, 1), "same"))
    assert got.shape == (3, 7, 2)
    assert compute(x, k, None, ConvSpec(2, (3, 2), use_bias=False)).input.shape == (6, 7, 1)


def test_bias_is_added_per_filter_and_ignored_without_use_bias() -> None:
    x = np.ones((4, 4, 1))
    k = np.ones((2, 2, 1, 3))
    got = conv2d(x, k, np.array([0.0, 1.5, -10.0]))
    np.testing.assert_array_equal(got[0, 0], [4.0, 5.5, -6.0])
    no_bias = compute(x, k, np.array([7.0, 7.0, 7.0]), ConvSpec(3, (2, 2), use_bias=False))
    np.testing.assert_array_equal(no_bias.maps, 4.0)
    np.testing.assert_array_equal(no_bias.bias, 0.0)


def test_no_kernel_flip() -> None:
    # Cross-correlation: a single 1 at kernel (0, 0) reads the window's top-left input.
    x = np.arange(16, dtype=np.float32).reshape(4, 4)
    k = np.zeros((2, 2, 1, 1), dtype=np.float32)
    k[0, 0] = 1
    np.testing.assert_array_equal(conv2d(x, k)[:, :, 0], x[:3, :3])


def test_python_lists_are_accepted() -> None:
    got = conv2d(ARTICLE_X.tolist(), ARTICLE_KERNEL.tolist())
    np.testing.assert_array_equal(got, naive_conv2d(ARTICLE_X, ARTICLE_KERNEL))


@pytest.mark.parametrize(
    ("shape", "kernel", "strides", "padding", "dilation"),
    [
        ((40, 30, 3), (3, 3), (1, 1), "valid", (1, 1)),
        ((33, 21, 2), (4, 5), (2, 3), "same", (1, 1)),
        ((25, 27, 1), (3, 2), (1, 1), "same", (3, 2)),
    ],
)
def test_row_blocked_correlation_matches_naive(
    monkeypatch: pytest.MonkeyPatch, shape: tuple[int, int, int], kernel: tuple[int, int],
    strides: tuple[int, int], padding: str, dilation: tuple[int, int],
) -> None:
    """Large scenes run im2col in row blocks; shrink the block so small scenes take that path."""
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, size=shape).astype(np.float32)
    k = rng.uniform(-1, 1, size=(*kernel, shape[2], 3)).astype(np.float32)
    b = rng.uniform(-1, 1, size=3).astype(np.float32)
    unblocked = conv2d(x, k, b, strides, padding, dilation, "elu")
    oh = naive_output_size(shape[0], kernel[0], strides[0], dilation[0], padding)
    ow = naive_output_size(shape[1], kernel[1], strides[1], dilation[1], padding)
    row = ow * kernel[0] * kernel[1] * shape[2]  # elements of one output row's columns
    assert oh % 3 != 0  # so the last block is a short one
    assert oh % 7 != 0
    for block in (1, 3 * row, 7 * row + 1):
        monkeypatch.setattr(engine, "_BLOCK_ELEMENTS", block)
        got = conv2d(x, k, b, strides, padding, dilation, "elu")
        np.testing.assert_allclose(got, naive_conv2d(x, k, b, strides, padding, dilation, "elu"),
                                   rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(got, unblocked, rtol=1e-6, atol=1e-6)


# --------------------------------------------------------------------------- the article


def test_article_first_window() -> None:
    result = compute(ARTICLE_X, ARTICLE_KERNEL, None, ConvSpec(1, (3, 3), use_bias=False))
    trace = result.trace(0, 0, 0)
    np.testing.assert_array_equal(trace.inputs[..., 0], ARTICLE_X[:3, :3])
    np.testing.assert_array_equal(trace.weights[..., 0], ARTICLE_KERNEL[..., 0, 0])
    np.testing.assert_array_equal(trace.products[..., 0].ravel(), [-1, 1, 1, -1, 1, -1, 1, 1, -1])
    assert trace.total == 1
    assert trace.pre_activation == 1
    assert trace.value == 1
    assert result.maps[0, 0, 0] == 1
    assert result.feature_maps()[0, 0, 0] == 1


def test_article_full_map_and_relu() -> None:
    # Worked by hand: each window's top and bottom row sums minus its middle row sum.
    expected = np.array([[1, 5, 1], [1, -3, 1], [1, 5, 1]], dtype=np.float32)
    np.testing.assert_array_equal(conv2d(ARTICLE_X, ARTICLE_KERNEL)[:, :, 0], expected)
    np.testing.assert_array_equal(conv2d(ARTICLE_X, ARTICLE_KERNEL, activation="relu")[:, :, 0],
                                  np.maximum(expected, 0))
    np.testing.assert_array_equal(naive_conv2d(ARTICLE_X, ARTICLE_KERNEL)[:, :, 0], expected)


@pytest.mark.parametrize(("stride", "side", "steps"), [(1, 3, 9), (2, 2, 4)])
def test_article_stride_one_and_two(stride: int, side: int, steps: int) -> None:
    result = compute(ARTICLE_X, ARTICLE_KERNEL, None, ConvSpec(1, (3, 3), strides=stride, use_bias=False))
    assert result.out_shape == (side, side, 1)
    assert result.steps == steps
    assert [result.step_position(s) for s in range(steps)] == [
        (i, j) for i in range(side) for j in range(side)
    ]
    if stride == 2:
        np.testing.assert_array_equal(result.maps[0], [[1, 1], [1, 1]])


def test_article_25_by_25_with_5_by_5_at_stride_2_is_11_by_11() -> None:
    spec = ConvSpec(1, (5, 5), strides=(2, 2))
    assert output_shape((25, 25, 1), spec) == (11, 11, 1)
    result = compute(np.ones((25, 25)), np.ones((5, 5, 1, 1)), np.zeros(1), spec)
    assert result.steps == 121
    np.testing.assert_array_equal(result.maps, 25.0)


def test_article_rgb_layer() -> None:
    spec = ConvSpec(32, (3, 3), activation="relu")
    assert output_shape((150, 150, 3), spec) == (148, 148, 32)
    assert count_params(spec, 3) == 896
    assert count_params(dataclasses.replace(spec, use_bias=False), 3) == 864
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, size=(150, 150, 3))
    result = compute(x, glorot_uniform((3, 3, 3, 32), seed=0), np.zeros(32), spec)
    assert result.feature_maps().shape == (148, 148, 32)
    assert (result.maps >= 0).all()
    assert (result.maps > 0).any()


# --------------------------------------------------------------------------- shapes and padding


def test_same_padding_examples_from_the_brief() -> None:
    assert same_padding(6, 3, 2, 1) == (0, 1)
    assert same_padding(4, 4, 1, 1) == (1, 2)


@pytest.mark.parametrize(
    ("n", "k", "s", "d", "expected"),
    [
        (5, 3, 1, 1, (1, 1)),
        (5, 3, 2, 1, (1, 1)),
        (6, 3, 2, 1, (0, 1)),
        (4, 4, 1, 1, (1, 2)),
        (4, 2, 1, 1, (0, 1)),
        (5, 1, 1, 1, (0, 0)),
        (7, 3, 3, 1, (1, 1)),
        (8, 3, 3, 1, (0, 1)),
        (5, 3, 1, 2, (2, 2)),
        (6, 2, 1, 3, (1, 2)),
        (1, 5, 1, 1, (2, 2)),
        (10, 2, 4, 1, (0, 0)),
        (3, 5, 2, 1, (2, 2)),
        (2, 3, 3, 1, (0, 1)),
    ],
)
def test_same_padding_table(n: int, k: int, s: int, d: int, expected: tuple[int, int]) -> None:
    assert same_padding(n, k, s, d) == expected
    assert naive_same_padding(n, k, s, d) == expected


def test_same_padding_and_output_size_agree_with_naive_everywhere() -> None:
    for n in range(1, 20):
        for k in range(1, 8):
            for s in range(1, 5):
                for d in range(1, 4):
                    assert same_padding(n, k, s, d) == naive_same_padding(n, k, s, d), (n, k, s, d)
                    for p in ("valid", "same"):
                        assert output_size(n, k, s, d, p) == naive_output_size(n, k, s, d, p), (n, k, s, d, p)


def test_padding_amounts_per_axis() -> None:
    spec = ConvSpec(1, (4, 3), strides=(1, 2), padding="same")
    assert padding_amounts((4, 6), spec) == ((1, 2), (0, 1))
    assert padding_amounts((4, 6), dataclasses.replace(spec, padding="valid")) == ((0, 0), (0, 0))


@pytest.mark.parametrize(
    ("shape", "kwargs", "expected"),
    [
        ((5, 5, 1), {"kernel_size": 3}, (3, 3, 1)),
        ((5, 5), {"kernel_size": 3, "strides": 2}, (2, 2, 1)),
        ((25, 25, 1), {"kernel_size": 5, "strides": 2}, (11, 11, 1)),
        ((150, 150, 3), {"filters": 32, "kernel_size": 3}, (148, 148, 32)),
        ((5, 5), {"kernel_size": 3, "padding": "same"}, (5, 5, 1)),
        ((5, 5), {"kernel_size": 3, "strides": 2, "padding": "same"}, (3, 3, 1)),
        ((6, 7, 2), {"filters": 4, "kernel_size": (2, 3), "strides": (2, 3), "padding": "same"}, (3, 3, 4)),
        ((7, 9), {"kernel_size": (3, 2), "dilation_rate": (2, 3)}, (3, 6, 1)),
        ((12, 5), {"kernel_size": (5, 1), "strides": (3, 1)}, (3, 5, 1)),
        ((4, 4), {"kernel_size": 4}, (1, 1, 1)),
        ((1, 1), {"kernel_size": 1}, (1, 1, 1)),
        ((1, 1), {"kernel_size": 3, "padding": "same"}, (1, 1, 1)),
        ((10, 10), {"kernel_size": 3, "dilation_rate": 3, "padding": "same"}, (10, 10, 1)),
        ((9, 8, 3), {"filters": 2, "kernel_size": 2, "strides": 3}, (3, 3, 2)),
    ],
)
def test_output_shape_table(
    shape: tuple[int, ...], kwargs: dict[str, Any], expected: tuple[int, int, int]
) -> None:
    spec = ConvSpec(**kwargs)
    assert output_shape(shape, spec) == expected
    (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.strides, spec.dilation_rate
    naive = (naive_output_size(shape[0], kh, sh, dh, spec.padding),
             naive_output_size(shape[1], kw, sw, dw, spec.padding), spec.filters)
    assert naive == expected


def test_spec_normalises_like_keras() -> None:
    spec = ConvSpec(2, 3, strides=2, padding="SAME", activation=None)
    assert spec.kernel_size == (3, 3)
    assert spec.strides == (2, 2)
    assert spec.dilation_rate == (1, 1)
    assert spec.padding == "same"
    assert spec.activation == "linear"
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.filters = 3  # type: ignore[misc]


# --------------------------------------------------------------------------- the step trace


TRACE_SCENES = [
    # (h, w, c, f, kernel, strides, padding, dilation, activation, integer values, bias)
    (5, 5, 1, 1, (3, 3), 1, "valid", 1, None, True, False),
    (6, 7, 3, 2, (4, 3), (2, 3), "same", 1, "relu", True, True),
    (7, 6, 3, 3, (3, 2), 1, "same", (2, 3), "tanh", False, True),
    (8, 5, 2, 2, (2, 2), (3, 1), "valid", 1, "leaky_relu", False, False),
    (4, 4, 1, 1, (5, 5), 1, "same", 1, "gelu", True, True),
    (9, 9, 3, 2, (3, 3), 2, "same", 1, "selu", False, True),
    (10, 8, 3, 2, (3, 3), 1, "valid", 2, "sigmoid", True, True),
    (6, 6, 2, 4, (2, 4), 1, "same", 1, "swish", False, True),
]


@pytest.mark.parametrize(
    ("h", "w", "c", "f", "kernel", "strides", "padding", "dilation", "activation", "ints", "bias"),
    TRACE_SCENES,
)
def test_every_trace_matches_the_full_result(
    h: int, w: int, c: int, f: int, kernel: tuple[int, int], strides: Any, padding: str, dilation: Any,
    activation: str | None, ints: bool, bias: bool,
) -> None:
    rng = np.random.default_rng(h * 100 + w * 10 + c)
    if ints:
        x = rng.integers(-3, 4, size=(h, w, c)).astype(np.float32)
        k = rng.integers(-2, 3, size=(*kernel, c, f)).astype(np.float32)
        b = rng.integers(-2, 3, size=f).astype(np.float32) if bias else None
    else:
        x = rng.uniform(-1, 1, size=(h, w, c)).astype(np.float32)
        k = rng.uniform(-1, 1, size=(*kernel, c, f)).astype(np.float32)
        b = rng.uniform(-1, 1, size=f).astype(np.float32) if bias else None
    spec = ConvSpec(f, kernel, strides, padding, dilation, activation, use_bias=bias)
    result = compute(x, k, b, spec)
    naive = naive_conv2d(x, k, b, strides, padding, dilation, activation)
    np.testing.assert_allclose(result.feature_maps(), naive, rtol=RTOL, atol=ATOL)

    naive_pre = naive_conv2d(x, k, b, strides, padding, dilation, activated=False)
    (sh, sw), (dh, dw) = spec.strides, spec.dilation_rate
    top = naive_same_padding(h, kernel[0], sh, dh)[0] if padding == "same" else 0
    left = naive_same_padding(w, kernel[1], sw, dw)[0] if padding == "same" else 0
    _, ow, _ = result.out_shape
    piecewise_linear = spec.activation in ("linear", "relu", "leaky_relu")
    saw_padding = False
    for step in range(result.steps):
        i, j = result.step_position(step)
        assert (i, j) == divmod(step, ow)
        want_rows, want_cols = np.meshgrid(
            i * sh - top + dh * np.arange(kernel[0]), j * sw - left + dw * np.arange(kernel[1]), indexing="ij"
        )
        outside = (want_rows < 0) | (want_rows >= h) | (want_cols < 0) | (want_cols >= w)
        saw_padding |= bool(outside.any())
        for fi in range(f):
            t = result.trace(fi, i, j)
            assert (t.filter, t.out_row, t.out_col) == (fi, i, j)
            assert t.activation == spec.activation
            np.testing.assert_array_equal(t.rows, want_rows)
            np.testing.assert_array_equal(t.cols, want_cols)
            np.testing.assert_array_equal(t.is_padding, outside)
            assert t.inputs.shape == t.weights.shape == t.products.shape == (*kernel, c)
            np.testing.assert_array_equal(t.inputs[outside], 0)
            np.testing.assert_array_equal(t.inputs[~outside], x[want_rows[~outside], want_cols[~outside]])
            np.testing.assert_array_equal(t.weights, k[:, :, :, fi])
            np.testing.assert_array_equal(t.products, t.inputs * t.weights)
            assert t.channel_sums.shape == (c,)
            np.testing.assert_allclose(t.channel_sums, t.products.sum(axis=(0, 1), dtype=np.float64),
                                       rtol=1e-6, atol=1e-6)
            assert t.bias == (0.0 if b is None else float(b[fi]))
            if ints:  # every sum is a small integer: exact everywhere
                assert float(t.channel_sums.sum()) == t.total
                assert t.total + t.bias == t.pre_activation
                assert t.pre_activation == result.pre_activation[fi, i, j] == naive_pre[i, j, fi]
            else:
                np.testing.assert_allclose(t.channel_sums.sum(), t.total, rtol=RTOL, atol=ATOL)
                np.testing.assert_allclose(t.total + t.bias, t.pre_activation, rtol=RTOL, atol=ATOL)
                np.testing.assert_allclose(t.pre_activation, result.pre_activation[fi, i, j],
                                           rtol=RTOL, atol=ATOL)
                np.testing.assert_allclose(t.pre_activation, naive_pre[i, j, fi], rtol=RTOL, atol=ATOL)
            if ints and piecewise_linear:
                assert t.value == result.maps[fi, i, j]
            else:
                np.testing.assert_allclose(t.value, result.maps[fi, i, j], rtol=RTOL, atol=ATOL)
            np.testing.assert_allclose(t.value, naive[i, j, fi], rtol=RTOL, atol=ATOL)
    assert saw_padding == (padding_amounts((h, w), spec) != ((0, 0), (0, 0)))


def test_trace_refuses_cells_outside_the_result() -> None:
    result = compute(ARTICLE_X, ARTICLE_KERNEL, None, ConvSpec(1, (3, 3), use_bias=False))
    for args in ((1, 0, 0), (-1, 0, 0), (0, 3, 0), (0, 0, 3), (0, -1, 0)):
        with pytest.raises(ConvError, match="no output cell"):
            result.trace(*args)
    for step in (-1, 9):
        with pytest.raises(ConvError, match="step"):
            result.step_position(step)


# --------------------------------------------------------------------------- glorot_uniform


def _limit(shape: tuple[int, int, int, int]) -> float:
    kh, kw, c, f = shape
    return math.sqrt(6 / (kh * kw * c + kh * kw * f))


@pytest.mark.parametrize("shape", [(3, 3, 1, 1), (3, 3, 3, 32), (5, 5, 3, 64), (1, 1, 2, 7), (2, 4, 1, 3)])
def test_glorot_uniform_shape_dtype_and_range(shape: tuple[int, int, int, int]) -> None:
    weights = glorot_uniform(shape, seed=123)
    limit = _limit(shape)
    assert weights.shape == shape
    assert weights.dtype == np.float32
    as64 = weights.astype(np.float64)
    assert (as64 >= -limit).all()
    assert (as64 < limit).all()


def test_glorot_uniform_never_reaches_the_limit_after_float32_rounding() -> None:
    # With this shape float32(limit) > limit, and seed 479 draws a value that rounds onto it.
    shape = (11, 11, 3, 64)
    limit = _limit(shape)
    assert float(np.float32(limit)) > limit
    weights = glorot_uniform(shape, seed=479).astype(np.float64)
    assert weights.max() < limit
    assert weights.min() >= -limit
    assert weights.max() > limit * (1 - 1e-6)  # the draw is still right at the edge


def test_glorot_uniform_seeding() -> None:
    shape = (3, 3, 2, 4)
    np.testing.assert_array_equal(glorot_uniform(shape, seed=5), glorot_uniform(shape, seed=5))
    assert not np.array_equal(glorot_uniform(shape, seed=5), glorot_uniform(shape, seed=6))
    assert not np.array_equal(glorot_uniform(shape), glorot_uniform(shape))


def test_glorot_uniform_spans_the_range_uniformly() -> None:
    shape = (5, 5, 3, 64)
    limit = _limit(shape)
    weights = glorot_uniform(shape, seed=0).astype(np.float64)
    assert weights.min() < -0.99 * limit
    assert weights.max() > 0.99 * limit
    assert abs(weights.mean()) < 0.03 * limit
    assert weights.std() == pytest.approx(limit / math.sqrt(3), rel=0.03)
    counts, _ = np.histogram(weights, bins=10, range=(-limit, limit))
    assert counts.min() > 0.8 * weights.size / 10


def test_glorot_uniform_refuses_bad_shapes() -> None:
    for shape in [(3, 3, 1), (3, 3, 0, 1), (3, 3, 1, 1, 1)]:
        with pytest.raises(ConvError, match="kernel shape"):
            glorot_uniform(shape)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- refusals


def test_conv_error_is_a_value_error() -> None:
    assert issubclass(ConvError, ValueError)


@settings(max_examples=50, deadline=None, database=None)
@given(
    strides=st.tuples(st.integers(1, 3), st.integers(1, 3)).filter(lambda s: max(s) > 1),
    dilation=st.tuples(st.integers(1, 3), st.integers(1, 3)).filter(lambda d: max(d) > 1),
)
def test_strides_with_dilation_are_refused(strides: tuple[int, int], dilation: tuple[int, int]) -> None:
    with pytest.raises(ConvError, match=r"strides.*dilation_rate") as spec_error:
        ConvSpec(1, (3, 3), strides=strides, dilation_rate=dilation)
    assert str(strides) in str(spec_error.value)
    assert str(dilation) in str(spec_error.value)
    with pytest.raises(ConvError, match=r"strides.*dilation_rate"):
        conv2d(np.zeros((12, 12)), np.zeros((3, 3, 1, 1)), strides=strides, dilation_rate=dilation)


@settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    layer=layers(),
    h=st.integers(1, 8),
    w=st.integers(1, 8),
)
def test_empty_valid_output_is_refused(layer: dict[str, Any], h: int, w: int) -> None:
    layer = {**layer, "padding": "valid"}
    assume(not _fits(h, w, layer))
    kh, kw = layer["kernel"]
    with pytest.raises(ConvError, match="does not fit") as refused:
        conv2d(np.zeros((h, w)), np.zeros((kh, kw, 1, 1)), strides=layer["strides"],
               dilation_rate=layer["dilation_rate"])
    assert f"{kh}x{kw} kernel" in str(refused.value)
    assert f"{h}x{w} input" in str(refused.value)
    # The same layer with padding="same" always fits.
    same = conv2d(np.zeros((h, w)), np.zeros((kh, kw, 1, 1)), strides=layer["strides"],
                  dilation_rate=layer["dilation_rate"], padding="same")
    assert same.shape[:2] == (math.ceil(h / layer["strides"][0]), math.ceil(w / layer["strides"][1]))


def test_kernel_larger_than_input_message() -> None:
    with pytest.raises(ConvError, match=r"a 7x7 kernel does not fit a 5x5 input with padding='valid'"):
        conv2d(np.zeros((5, 5)), np.zeros((7, 7, 1, 1)))
    with pytest.raises(ConvError, match=r"dilated to 7x7.*does not fit a 5x5 input"):
        output_shape((5, 5, 1), ConvSpec(1, (3, 3), dilation_rate=3))


@pytest.mark.parametrize("name", ["banana", "Relu", "relu6x", "", 3])
def test_unknown_activation_is_refused(name: Any) -> None:
    with pytest.raises(ConvError, match="unknown activation"):
        ConvSpec(activation=name)
    with pytest.raises(ConvError, match="unknown activation"):
        activate(np.zeros(3), name)
    with pytest.raises(ConvError, match="unknown activation"):
        conv2d(np.zeros((3, 3)), np.zeros((1, 1, 1, 1)), activation=name)


@pytest.mark.parametrize("padding", ["full", "causal", "", None, 1])
def test_unknown_padding_is_refused(padding: Any) -> None:
    with pytest.raises(ConvError, match="padding must be 'valid' or 'same'"):
        ConvSpec(padding=padding)
    with pytest.raises(ConvError, match="padding"):
        conv2d(np.zeros((3, 3)), np.zeros((1, 1, 1, 1)), padding=padding)


@pytest.mark.parametrize("field", ["strides", "dilation_rate", "kernel_size"])
@pytest.mark.parametrize("value", [0, -1, (1, 0), (-2, 1), (0, 0)])
def test_non_positive_sizes_are_refused(field: str, value: Any) -> None:
    with pytest.raises(ConvError, match=rf"{field} must be at least 1"):
        ConvSpec(**{field: value})


@pytest.mark.parametrize("value", [1.5, "2", (1, 2, 3), (1.0, 1), True, None])
def test_non_integer_strides_are_refused(value: Any) -> None:
    with pytest.raises(ConvError, match="strides must be a whole number"):
        ConvSpec(strides=value)


@pytest.mark.parametrize("filters", [0, -3, 1.5, True])
def test_bad_filter_counts_are_refused(filters: Any) -> None:
    with pytest.raises(ConvError, match="filters"):
        ConvSpec(filters=filters)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 1e39])
def test_non_finite_values_are_refused(bad: float) -> None:
    x = np.ones((4, 4, 1))
    k = np.ones((2, 2, 1, 1))
    x_bad = x.copy()
    x_bad[1, 2, 0] = bad
    k_bad = k.copy()
    k_bad[0, 1, 0, 0] = bad
    with pytest.raises(ConvError, match=r"input.*not a finite number"):
        conv2d(x_bad, k)
    with pytest.raises(ConvError, match="kernel weight is not a finite number"):
        conv2d(x, k_bad)
    with pytest.raises(ConvError, match="bias is not a finite number"):
        conv2d(x, k, np.array([bad]))


def test_non_numeric_data_is_refused() -> None:
    with pytest.raises(ConvError, match="real numbers"):
        conv2d(np.full((3, 3), "a"), np.ones((1, 1, 1, 1)))
    with pytest.raises(ConvError, match="real numbers"):
        conv2d(np.ones((3, 3)), np.full((1, 1, 1, 1), 1 + 2j))
    with pytest.raises(ConvError, match="real numbers"):
        conv2d(np.ones((3, 3)), np.ones((1, 1, 1, 1)), np.array(["x"]))


def test_channel_mismatch_is_refused() -> None:
    with pytest.raises(ConvError, match=r"kernels have 1 input channel\(s\) but the input has 3"):
        conv2d(np.zeros((5, 5, 3)), np.zeros((3, 3, 1, 2)))
    with pytest.raises(ConvError, match=r"kernels have 3 input channel\(s\) but the input has 1"):
        conv2d(np.zeros((5, 5)), np.zeros((3, 3, 3, 2)))


@pytest.mark.parametrize("bias", [np.zeros(3), np.zeros((2, 1)), np.float32(0), [0.0]])
def test_bias_of_the_wrong_shape_is_refused(bias: Any) -> None:
    with pytest.raises(ConvError, match=r"bias must hold one number per filter \(2\)"):
        conv2d(np.zeros((5, 5)), np.zeros((3, 3, 1, 2)), bias)


@pytest.mark.parametrize(
    ("x", "k", "match"),
    [
        (np.zeros(5), np.zeros((1, 1, 1, 1)), "the input must be"),
        (np.zeros((2, 2, 2, 2)), np.zeros((1, 1, 2, 1)), "the input must be"),
        (np.zeros((0, 3)), np.zeros((1, 1, 1, 1)), "the input must be"),
        (np.zeros((5, 5)), np.zeros((3, 3, 1)), r"kernels must be \(kh, kw, channels, filters\)"),
        (np.zeros((5, 5)), np.zeros((3, 3, 1, 0)), "filters"),
    ],
)
def test_bad_shapes_are_refused(x: np.ndarray, k: np.ndarray, match: str) -> None:
    with pytest.raises(ConvError, match=match):
        conv2d(x, k)


def test_compute_refuses_kernels_that_disagree_with_the_spec() -> None:
    with pytest.raises(ConvError, match=r"the layer asks for 3x3 kernels and 2 filter\(s\)"):
        compute(np.zeros((5, 5)), np.zeros((3, 3, 1, 1)), None, ConvSpec(2, (3, 3), use_bias=False))
    with pytest.raises(ConvError, match="the layer asks for 3x3 kernels"):
        compute(np.zeros((5, 5)), np.zeros((2, 3, 1, 2)), None, ConvSpec(2, (3, 3), use_bias=False))


# --------------------------------------------------------------------------- activations


ACTIVATION_PROBES = np.concatenate(
    [
        np.linspace(-50, 50, 401),
        [-1000.0, -50.0, -20.0, -8.0, -5.0, -1e-3, -1e-30, 0.0, 1e-30, 1e-3, 5.0, 8.0, 20.0, 50.0, 1000.0],
    ]
).astype(np.float32)


def test_linear_and_none_are_the_identity() -> None:
    x = np.array([-3.5, -1e-20, 0.0, 2.25, 1e30], dtype=np.float32)
    np.testing.assert_array_equal(activate(x, "linear"), x)
    np.testing.assert_array_equal(activate(x, None), x)
    assert ConvSpec(activation=None) == ConvSpec(activation="linear")


def test_every_keras_activation_is_supported() -> None:
    assert set(engine.ACTIVATIONS) == set(NAIVE_ACTIVATIONS)


@pytest.mark.parametrize("name", ACTIVATION_NAMES)
def test_activation_matches_naive_formula(name: str | None) -> None:
    got = activate(ACTIVATION_PROBES, name)
    assert got.dtype == np.float32
    assert np.isfinite(got).all()
    want = np.array([naive_activation(name, float(v)) for v in ACTIVATION_PROBES])
    np.testing.assert_allclose(got, want, rtol=ACT_RTOL, atol=1e-12)
    for v in (-50.0, -0.5, 0.0, 0.5, 50.0):  # one number at a time, as a trace calls it
        np.testing.assert_allclose(float(activate(v, name)), naive_activation(name, v), rtol=ACT_RTOL, atol=1e-12)


@pytest.mark.parametrize(
    ("name", "x", "expected"),
    [
        ("relu", -2.0, 0.0),
        ("leaky_relu", -2.0, -0.4),
        ("elu", -50.0, -1.0),
        ("selu", -50.0, -1.0507009873554805 * 1.6732632423543772),
        ("selu", 2.0, 2.1014019747109610),
        ("sigmoid", 0.0, 0.5),
        ("softplus", 0.0, math.log(2.0)),
        ("softsign", -3.0, -0.75),
        ("gelu", 1.0, 0.8413447460685429),
        ("gelu", -1.0, -0.15865525393145707),
        ("silu", 1.0, 0.7310585786300049),
        ("swish", -1.0, -0.2689414213699951),
        ("tanh", 1.0, 0.7615941559557649),
    ],
)
def test_activation_known_values(name: str, x: float, expected: float) -> None:
    assert float(activate(np.array([x]), name)[0]) == pytest.approx(expected, rel=ACT_RTOL)
    assert naive_activation(name, x) == pytest.approx(expected, rel=1e-12)


# --------------------------------------------------------------------------- snapshots


@pytest.mark.parametrize(("padding", "activation"), [("valid", None), ("same", "relu")])
def test_result_arrays_are_read_only(padding: str, activation: str | None) -> None:
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (6, 5, 2)).astype(np.float32)
    k = rng.uniform(-1, 1, (3, 3, 2, 2)).astype(np.float32)
    spec = ConvSpec(2, (3, 3), padding=padding, activation=activation)
    result = compute(x, k, np.zeros(2, np.float32), spec)
    arrays = {
        "input": result.input,
        "kernels": result.kernels,
        "bias": result.bias,
        "padded": result.padded,
        "pre_activation": result.pre_activation,
        "maps": result.maps,
        "windows": result.windows,
        "feature_maps": result.feature_maps(),
        "feature_maps(False)": result.feature_maps(activated=False),
    }
    for name, arr in arrays.items():
        with pytest.raises(ValueError, match="read-only"):
            arr[(0,) * arr.ndim] = 1.0
        assert not arr.flags.writeable, name
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.maps = np.zeros(1)  # type: ignore[misc]


def test_compute_leaves_the_callers_arrays_alone() -> None:
    # float32 C-contiguous arrays need no conversion: the engine must still not freeze or share them.
    base = np.zeros((6, 5, 1), dtype=np.float32)
    x = base[:5]
    k = np.ones((3, 3, 1, 1), dtype=np.float32)
    b = np.zeros(1, dtype=np.float32)
    result = compute(x, k, b, ConvSpec(1, (3, 3)))
    assert x.flags.writeable
    assert k.flags.writeable
    assert b.flags.writeable
    base[:] = 7.0
    k[:] = 2.0
    b[:] = 5.0
    np.testing.assert_array_equal(result.input, 0.0)
    np.testing.assert_array_equal(result.kernels, 1.0)
    np.testing.assert_array_equal(result.bias, 0.0)
    assert result.trace(0, 1, 1).total == 0.0
    x2 = np.ones((4, 4), dtype=np.float32)
    conv2d(x2, k)
    x2[0, 0] = 3.0  # still the caller's to edit


def test_conv2d_returns_keras_layout_contiguous() -> None:
    out = conv2d(np.ones((5, 6, 2)), np.ones((2, 3, 2, 4)))
    assert out.shape == (4, 4, 4)
    assert out.flags.c_contiguous
    assert out.dtype == np.float32


# --------------------------------------------------------------------------- memory of activations


@pytest.mark.parametrize("name", sorted(engine.ACTIVATIONS))
def test_blocked_activation_matches_one_float64_pass_bit_for_bit(name: str) -> None:
    """The maps go through the activation a block at a time: the same bits as the whole array at once."""
    rng = np.random.default_rng(7)
    size = 2 * engine.ACTIVATION_BLOCK + 123  # two full blocks and a partial one
    pre = (rng.standard_normal(size) * rng.choice([1e-3, 1.0, 30.0, 1e30], size)).astype(np.float32)
    pre[:6] = [0.0, -0.0, 88.7, -88.7, 3.4e38, -3.4e38]
    pre = pre.reshape(1, 1, size)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        blocked = engine._activate_maps(pre, name)
        whole = activate(pre, name)
    assert blocked.dtype == np.float32
    np.testing.assert_array_equal(blocked.view(np.uint32), whole.view(np.uint32))


@pytest.mark.parametrize("name", ["gelu", "selu", "silu", "softplus", "sigmoid"])
def test_compute_peak_memory_is_a_few_map_sizes(name: str) -> None:
    """Results plus im2col scratch, not float64 copies of every map: the peak allocated while
    computing stays within the two (F, H', W') float32 arrays kept, the input copies and a few MB."""
    import tracemalloc

    rng = np.random.default_rng(0)
    x = rng.random((256, 256, 3), dtype=np.float32)
    spec = ConvSpec(16, (5, 5), padding="same", activation=name)
    k = glorot_uniform((5, 5, 3, 16), seed=1)
    maps_bytes = 16 * 256 * 256 * 4  # 4 MB: one float64 copy of the maps would be twice that
    inputs_bytes = 2 * 260 * 260 * 3 * 4  # the private input and its padded copy
    bound = 2 * maps_bytes + inputs_bytes + (4 << 20)  # + scratch and float64 blocks
    compute(x, k, np.zeros(16, np.float32), spec)  # warm the thread's scratch buffers
    tracemalloc.start()
    try:
        result = compute(x, k, np.zeros(16, np.float32), spec)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.maps.shape == (16, 256, 256)
    assert peak < bound, f"{name}: peak {peak / 2**20:.1f} MB, bound {bound / 2**20:.1f} MB"
