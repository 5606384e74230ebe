"""Flatten, Dropout, Activation, ReLU, Rescaling, ZeroPadding2D and BatchNormalization against naive loops."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernelscope.core.engine import (
    ACTIVATIONS,
    ActivationLayer,
    BatchNormalizationLayer,
    ConvError,
    DropoutLayer,
    ElementTrace,
    FlattenLayer,
    Layer,
    ReLULayer,
    RescalingLayer,
    ZeroPadding2DLayer,
)
from tests.core.naive_conv import naive_activation

PROPERTY = settings(max_examples=100, deadline=None, database=None)


def _image(seed: int, shape: tuple[int, ...] = (4, 5, 3), scale: float = 3.0) -> np.ndarray:
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


def _assert_traces_agree(result: object) -> None:
    output = result.output  # type: ignore[attr-defined]
    for index in np.ndindex(*output.shape):
        trace = result.trace_cell(index)  # type: ignore[attr-defined]
        assert isinstance(trace, ElementTrace)
        assert trace.value == output[index], (index, trace)
        assert trace.formula.endswith(f"{float(np.float32(trace.value)):.7g}"), trace.formula


@PROPERTY
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_flatten_is_row_major_height_width_channels(h: int, w: int, c: int, seed: int) -> None:
    x = _image(seed, (h, w, c))
    layer = FlattenLayer()
    result = layer.forward(x)
    want = [float(x[r, q, ch]) for r in range(h) for q in range(w) for ch in range(c)]
    assert layer.output_shape(x.shape) == (h * w * c,)
    assert result.output.tolist() == want
    _assert_traces_agree(result)
    k = (h - 1) * w * c + (w - 1) * c + (c - 1)
    assert result.trace_cell((k,)).source == (h - 1, w - 1, c - 1)


def test_dropout_is_the_identity_at_inference() -> None:
    x = _image(1)
    result = DropoutLayer(0.5).forward(x)
    np.testing.assert_array_equal(result.output, x)
    assert DropoutLayer(0.2).count_params(x.shape) == 0
    _assert_traces_agree(result)


@pytest.mark.parametrize("name", [*ACTIVATIONS])
def test_every_activation_matches_the_naive_formula(name: str) -> None:
    x = _image(2)
    result = ActivationLayer(name).forward(x)
    want = np.vectorize(lambda v: naive_activation(name, float(v)))(x.astype(np.float64))
    np.testing.assert_allclose(result.output, want, rtol=3e-7, atol=1e-7)
    _assert_traces_agree(result)


def test_softmax_activation_is_over_the_last_axis() -> None:
    x = _image(3)
    result = ActivationLayer("softmax").forward(x)
    for r in range(x.shape[0]):
        for q in range(x.shape[1]):
            row = [float(v) for v in x[r, q]]
            exps = [math.exp(v - max(row)) for v in row]
            np.testing.assert_allclose(result.output[r, q], [e / sum(exps) for e in exps], rtol=1e-6)
    _assert_traces_agree(result)


def naive_relu(x: float, max_value: float | None, slope: float, threshold: float) -> float:
    """Keras's ReLU as its code computes it: x above threshold (capped at max_value), slope * (x - threshold)
    below, 0 at the threshold itself (its mask is x > threshold, then clip to [0, max_value])."""
    if x > threshold:
        return x if max_value is None else min(x, max_value)
    return slope * (x - threshold) if x < threshold else 0.0


@PROPERTY
@given(
    st.one_of(st.none(), st.floats(0, 5)),
    st.floats(0, 1),
    st.sampled_from([0.0, 0.5, 1.0]),
    st.integers(0, 2**32 - 1),
)
def test_relu_layer_is_kerass_formula(max_value: float | None, slope: float, threshold: float, seed: int) -> None:
    x = _image(seed)
    layer = ReLULayer(max_value, slope, threshold)
    result = layer.forward(x)
    want = np.vectorize(lambda v: naive_relu(float(v), max_value, slope, threshold))(x)
    np.testing.assert_allclose(result.output, want, rtol=1e-6, atol=1e-6)
    _assert_traces_agree(result)


def test_relu_examples_from_kerass_docs() -> None:
    x = np.array([-10, -5, 0.0, 5, 10], np.float32)
    assert ReLULayer().forward(x).output.tolist() == [0, 0, 0, 5, 10]
    assert ReLULayer(negative_slope=0.5).forward(x).output.tolist() == [-5, -2.5, 0, 5, 10]
    assert ReLULayer(max_value=5.0).forward(x).output.tolist() == [0, 0, 0, 5, 5]
    assert ReLULayer(threshold=5.0).forward(x).output.tolist() == [0, 0, 0, 0, 10]
    with pytest.raises(ConvError, match="max_value must be a number of at least 0"):
        ReLULayer(max_value=-1.0)


def test_rescaling_is_x_times_scale_plus_offset() -> None:
    x = np.array([[0, 255], [128, 64]], np.float32)[:, :, None]
    result = RescalingLayer(1 / 255, -0.5).forward(x)
    np.testing.assert_allclose(result.output[:, :, 0], [[-0.5, 0.5], [128 / 255 - 0.5, 64 / 255 - 0.5]], atol=1e-7)
    _assert_traces_agree(result)
    assert "* 0.003921569 + -0.5" in result.trace_cell((0, 1, 0)).formula


@pytest.mark.parametrize(
    ("padding", "pads"),
    [(1, ((1, 1), (1, 1))), ((2, 0), ((2, 2), (0, 0))), (((1, 2), (0, 3)), ((1, 2), (0, 3))), ([[0, 1], [2, 0]],
     ((0, 1), (2, 0)))],
)
def test_zero_padding_forms(padding: object, pads: tuple[tuple[int, int], tuple[int, int]]) -> None:
    x = _image(4, (3, 4, 2))
    layer = ZeroPadding2DLayer(padding)  # type: ignore[arg-type]
    assert layer.padding == pads
    (top, bottom), (left, right) = pads
    result = layer.forward(x)
    assert result.output.shape == layer.output_shape(x.shape) == (3 + top + bottom, 4 + left + right, 2)
    for r, q, c in np.ndindex(*result.output.shape):
        inside = 0 <= r - top < 3 and 0 <= q - left < 4
        assert result.output[r, q, c] == (x[r - top, q - left, c] if inside else 0)
        assert (result.trace_cell((r, q, c)).source is None) == (not inside)
    _assert_traces_agree(result)
    with pytest.raises(ConvError, match="padding must be"):
        ZeroPadding2DLayer((1, 2, 3))  # type: ignore[arg-type]


def naive_batch_norm(x: np.ndarray, gamma: list[float], beta: list[float], mean: list[float], var: list[float],
                     eps: float) -> np.ndarray:
    out = np.zeros(x.shape)
    for index in np.ndindex(*x.shape):
        c = index[-1]
        out[index] = (float(x[index]) - mean[c]) / math.sqrt(var[c] + eps) * gamma[c] + beta[c]
    return out


@PROPERTY
@given(st.integers(1, 4), st.sampled_from([1e-3, 1e-5, 0.1]), st.booleans(), st.integers(0, 2**32 - 1))
def test_batch_normalization_at_inference(c: int, eps: float, rank1: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = _image(seed, (c,) if rank1 else (3, 2, c))
    gamma, beta, mean = (rng.standard_normal(c).astype(np.float32) for _ in range(3))
    var = rng.uniform(0, 4, c).astype(np.float32)
    layer = BatchNormalizationLayer(gamma, beta, mean, var, eps)
    result = layer.forward(x)
    want = naive_batch_norm(x, *(a.astype(np.float64).tolist() for a in (gamma, beta, mean, var)), eps)
    np.testing.assert_allclose(result.output, want, rtol=1e-6, atol=1e-6)
    _assert_traces_agree(result)


def test_batch_normalization_parameters_as_keras_counts_them() -> None:
    ones, zeros = np.ones(32, np.float32), np.zeros(32, np.float32)
    layer = BatchNormalizationLayer(ones, zeros, zeros, ones)
    assert isinstance(layer, Layer)
    assert layer.keras_class == "BatchNormalization"
    assert layer.epsilon == 1e-3
    assert layer.count_params((10, 10, 32)) == 128
    assert BatchNormalizationLayer(ones, zeros, zeros, ones, center=False).count_params((32,)) == 96
    assert BatchNormalizationLayer(ones, zeros, zeros, ones, center=False, scale=False).count_params((32,)) == 64
    with pytest.raises(ConvError, match="32 channel"):
        layer.output_shape((10, 10, 3))
    with pytest.raises(ConvError, match="variance cannot be negative"):
        BatchNormalizationLayer(ones, zeros, zeros, -ones)


def test_names_and_no_parameters() -> None:
    layers = [
        FlattenLayer(), DropoutLayer(), ActivationLayer("relu"), ReLULayer(), RescalingLayer(), ZeroPadding2DLayer()
    ]
    assert [layer.keras_class for layer in layers] == [
        "Flatten", "Dropout", "Activation", "ReLU", "Rescaling", "ZeroPadding2D"
    ]
    for layer in layers:
        assert isinstance(layer, Layer)
        assert layer.count_params((4, 4, 2)) == 0
    with pytest.raises(ConvError, match="unknown activation"):
        ActivationLayer("nope")
