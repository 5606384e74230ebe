"""Dense against naive loops: weighted sums, biases, every activation, softmax and the step trace."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernelscope.core.engine import ACTIVATIONS, ConvError, DenseLayer, DenseTrace, Layer
from tests.core.naive_conv import naive_activation

PROPERTY = settings(max_examples=150, deadline=None, database=None)


def naive_softmax(z: list[float]) -> list[float]:
    top = max(z)
    exps = [math.exp(v - top) for v in z]
    return [e / sum(exps) for e in exps]


def naive_dense(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray | None, activation: str) -> np.ndarray:
    """float64 ``activation(x @ kernel + bias)`` on the last axis, one unit at a time."""
    positions = x.reshape(-1, x.shape[-1])
    units = kernel.shape[1]
    out = np.zeros((positions.shape[0], units))
    for p, row in enumerate(positions):
        pre = [sum(float(row[i]) * float(kernel[i, u]) for i in range(len(row))) + (0.0 if bias is None else
               float(bias[u])) for u in range(units)]
        out[p] = naive_softmax(pre) if activation == "softmax" else [naive_activation(activation, v) for v in pre]
    return out.reshape(*x.shape[:-1], units)


@PROPERTY
@given(
    st.integers(1, 12),
    st.integers(1, 6),
    st.sampled_from([*ACTIVATIONS, "softmax"]),
    st.booleans(),
    st.sampled_from([(), (3,), (2, 3)]),
    st.integers(0, 2**32 - 1),
)
def test_dense_matches_the_naive_loops(
    n: int, units: int, activation: str, use_bias: bool, lead: tuple[int, ...], seed: int
) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((*lead, n)).astype(np.float32)
    kernel = rng.standard_normal((n, units)).astype(np.float32)
    bias = rng.standard_normal(units).astype(np.float32)
    layer = DenseLayer(kernel, bias, activation, use_bias)
    result = layer.forward(x)
    want = naive_dense(x, kernel, bias if use_bias else None, activation)
    assert result.output.shape == want.shape == layer.output_shape(x.shape) == (*lead, units)
    assert result.output.dtype == np.float32
    np.testing.assert_allclose(result.output, want, rtol=3e-6, atol=3e-6)
    for index in np.ndindex(*result.output.shape):
        trace = result.trace_cell(index)
        np.testing.assert_allclose(trace.value, result.output[index], rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(trace.pre_activation, result.pre_activation[index], rtol=1e-6, atol=1e-6)


def test_the_trace_of_a_unit_is_that_unit_exactly() -> None:
    """Small whole numbers: every sum is exact, so the trace and the output agree bit for bit."""
    x = np.array([1, -2, 3, 0], np.float32)
    kernel = np.array([[1, 0, 2], [2, 1, 0], [0, -1, 1], [5, 5, 5]], np.float32)
    layer = DenseLayer(kernel, np.array([0.5, -1, 0], np.float32), "relu")
    result = layer.forward(x)
    np.testing.assert_array_equal(result.output, [0, 0, 5])  # pre: -2.5, -6, 5
    trace = result.trace_cell((0,))
    assert isinstance(trace, DenseTrace)
    assert trace.products.tolist() == [1, -4, 0, 0]
    assert (trace.total, trace.bias, trace.pre_activation, trace.value) == (-3.0, 0.5, -2.5, 0.0)
    assert trace.exponentials is None
    assert trace.exp_sum is None
    with pytest.raises(ConvError, match="no rows and columns"):
        _ = result.steps  # a vector is not stepped like maps


def test_dense_on_maps_steps_like_conv2d() -> None:
    """Keras applies Dense to the last axis of (H, W, C) maps: one unit per position."""
    x = np.arange(12, dtype=np.float32).reshape(2, 3, 2)
    result = DenseLayer(np.array([[1, 2], [10, 20]], np.float32), np.zeros(2, np.float32)).forward(x)
    assert result.out_shape == (2, 3, 2)
    assert result.steps == 6
    trace = result.trace(1, 1, 2)  # channel (unit) 1 at row 1, col 2: inputs 10, 11
    assert trace.inputs.tolist() == [10, 11]
    assert trace.value == 10 * 2 + 11 * 20 == result.output[1, 2, 1]


def test_a_softmax_trace_holds_the_exponentials_and_their_sum() -> None:
    x = np.array([1.0, 2.0], np.float32)
    kernel = np.array([[1, 0, 0], [0, 1, 0]], np.float32)
    result = DenseLayer(kernel, np.zeros(3, np.float32), "softmax").forward(x)
    np.testing.assert_allclose(result.output, naive_softmax([1.0, 2.0, 0.0]), rtol=1e-7)
    assert abs(float(result.output.sum()) - 1) < 1e-6
    trace = result.trace_cell((1,))
    np.testing.assert_allclose(trace.exponentials, [math.exp(-1), 1.0, math.exp(-2)])
    assert trace.exp_sum == pytest.approx(1 + math.exp(-1) + math.exp(-2))
    assert trace.value == result.output[1]


def test_softmax_is_stable_for_large_logits() -> None:
    result = DenseLayer(np.eye(3, dtype=np.float32), np.zeros(3, np.float32), "softmax").forward(
        np.array([1000.0, 1001.0, -1000.0], np.float32)
    )
    assert np.isfinite(result.output).all()
    np.testing.assert_allclose(result.output, naive_softmax([1000.0, 1001.0, -1000.0]), rtol=1e-6)


def test_parameters_as_keras_counts_them() -> None:
    """The digits stack's head: Flatten's 1352 values into Dense(10)."""
    layer = DenseLayer(np.zeros((1352, 10)), np.zeros(10))
    assert isinstance(layer, Layer)
    assert layer.keras_class == "Dense"
    assert layer.output_shape((1352,)) == (10,)
    assert layer.count_params((1352,)) == 13_530
    assert DenseLayer(np.zeros((64, 10)), np.zeros(10), use_bias=False).count_params((64,)) == 640
    assert layer.output_shape((5, 4, 1352)) == (5, 4, 10)  # Keras applies Dense on the last axis


def test_dense_refusals_in_plain_words() -> None:
    layer = DenseLayer(np.zeros((6, 2)), np.zeros(2))
    with pytest.raises(ConvError, match="kernel takes 6 values but the input's last axis has 5"):
        layer.output_shape((5,))
    with pytest.raises(ConvError, match="one number per unit"):
        DenseLayer(np.zeros((6, 2)), np.zeros(3))
    with pytest.raises(ConvError, match="unknown activation 'softmin'"):
        DenseLayer(np.zeros((6, 2)), np.zeros(2), "softmin")
    with pytest.raises(ConvError, match="not a finite number"):
        DenseLayer(np.full((6, 2), np.nan), np.zeros(2))
    with pytest.raises(ConvError, match="overflow"):
        DenseLayer(np.full((2, 1), 3e38, np.float32), np.zeros(1)).forward(np.array([1.0, 1.0], np.float32))


def test_weights_are_read_only_float32() -> None:
    kernel = np.ones((3, 2))
    layer = DenseLayer(kernel, [0.0, 1.0])  # type: ignore[arg-type]
    assert layer.kernel.dtype == layer.bias.dtype == np.float32
    kernel[0, 0] = 9
    assert layer.kernel[0, 0] == 1
    with pytest.raises(ValueError, match="read-only"):
        layer.kernel[0, 0] = 2
    result = layer.forward(np.ones(3, np.float32))
    with pytest.raises(ValueError, match="read-only"):
        result.output[0] = 2
