"""MaxPooling2D, AveragePooling2D and the global pools against naive loops written out from Keras's rules."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kernelscope.core.engine import ConvError, GlobalPooling2DLayer, Layer, Pooling2DLayer, PoolTrace

PROPERTY = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.filter_too_much])


def naive_same_split(n: int, k: int, s: int) -> tuple[int, int]:
    """TensorFlow's "same": ceil(n / s) outputs, the padding's smaller half before."""
    out = math.ceil(n / s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def naive_pool(x: np.ndarray, kind: str, pool: tuple[int, int], strides: tuple[int, int], padding: str) -> np.ndarray:
    """(H', W', C) float64, one window at a time; padding cells are skipped, never read."""
    h, w, c = x.shape
    (ph, pw), (sh, sw) = pool, strides
    if padding == "same":
        oh, ow = math.ceil(h / sh), math.ceil(w / sw)
        top, left = naive_same_split(h, ph, sh)[0], naive_same_split(w, pw, sw)[0]
    else:
        oh, ow = (h - ph) // sh + 1, (w - pw) // sw + 1
        top = left = 0
    out = np.zeros((oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            for ch in range(c):
                cells = [
                    float(x[r, q, ch])
                    for r in range(i * sh - top, i * sh - top + ph)
                    for q in range(j * sw - left, j * sw - left + pw)
                    if 0 <= r < h and 0 <= q < w
                ]
                out[i, j, ch] = max(cells) if kind == "max" else sum(cells) / len(cells)
    return out


@st.composite
def pooling_cases(draw: st.DrawFn) -> tuple[np.ndarray, str, tuple[int, int], tuple[int, int], str]:
    h, w, c = draw(st.integers(1, 9)), draw(st.integers(1, 9)), draw(st.integers(1, 3))
    pool = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    strides = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    padding = draw(st.sampled_from(["valid", "same"]))
    if padding == "valid":
        assume(pool[0] <= h and pool[1] <= w)
    seed = draw(st.integers(0, 2**32 - 1))
    x = np.random.default_rng(seed).standard_normal((h, w, c)).astype(np.float32)
    return x, draw(st.sampled_from(["max", "average"])), pool, strides, padding


@PROPERTY
@given(pooling_cases())
def test_pooling_matches_the_naive_loops(case: tuple[np.ndarray, str, tuple[int, int], tuple[int, int], str]) -> None:
    x, kind, pool, strides, padding = case
    layer = Pooling2DLayer(kind, pool, strides, padding)
    result = layer.forward(x)
    want = naive_pool(x.astype(np.float64), kind, pool, strides, padding)
    assert result.output.shape == want.shape == layer.output_shape(x.shape)
    assert result.output.dtype == np.float32
    if kind == "max":
        np.testing.assert_array_equal(result.output, want.astype(np.float32))
    else:
        np.testing.assert_allclose(result.output, want, rtol=1e-6, atol=1e-7)
    for index in np.ndindex(*result.output.shape):
        trace = result.trace_cell(index)
        assert trace.value == result.output[index]
        assert trace.count == int((~trace.is_padding).sum())
        if kind == "max":
            assert trace.winner is not None
            assert not trace.is_padding[trace.winner]
        else:
            assert trace.winner is None


@pytest.mark.parametrize(
    ("n", "pool", "stride", "split"),
    [(5, 2, 2, (0, 1)), (4, 2, 2, (0, 0)), (4, 3, 1, (1, 1)), (5, 3, 1, (1, 1)), (6, 3, 2, (0, 1)), (7, 4, 1, (1, 2))],
)
def test_same_splits_as_conv2d_at_odd_and_even_sizes(n: int, pool: int, stride: int, split: tuple[int, int]) -> None:
    layer = Pooling2DLayer("average", (pool, pool), (stride, stride), "same")
    assert layer.pads((n, n)) == (split, split) == (naive_same_split(n, pool, stride),) * 2
    assert layer.output_shape((n, n, 2)) == (math.ceil(n / stride), math.ceil(n / stride), 2)


def test_average_divides_by_the_real_cells_at_a_same_border() -> None:
    """5 wide, pool 2, stride 2: the last window holds one real cell and one of padding."""
    x = np.arange(1, 26, dtype=np.float32).reshape(5, 5, 1)
    result = Pooling2DLayer("average", 2, padding="same").forward(x)
    corner = result.trace(0, 2, 2)
    assert corner.count == 1
    assert corner.total == 25.0
    assert corner.value == 25.0
    edge = result.trace(0, 0, 2)  # rows 0-1, column 4 and the padding
    assert edge.count == 2
    assert edge.value == (5 + 10) / 2
    assert result.output[0, 0, 0] == (1 + 2 + 6 + 7) / 4


def test_max_padding_never_wins_over_negative_cells() -> None:
    x = -np.arange(1, 10, dtype=np.float32).reshape(3, 3, 1)
    result = Pooling2DLayer("max", 2, padding="same").forward(x)
    assert (result.output < 0).all()
    trace = result.trace(0, 1, 1)
    assert trace.value == -9.0
    assert trace.winner == (0, 0)
    assert trace.is_padding.sum() == 3


def test_a_max_trace_names_the_winning_cell() -> None:
    x = np.array([[1, 7, 2, 0], [3, 4, 9, 9], [0, 0, 1, 1], [5, 0, 1, 2]], np.float32)[:, :, None]
    result = Pooling2DLayer("max", 2).forward(x)
    trace = result.trace(0, 0, 1)
    assert isinstance(trace, PoolTrace)
    assert trace.winner == (1, 0)  # the first 9, in row-major order
    assert (trace.rows[trace.winner], trace.cols[trace.winner]) == (1, 2)
    assert trace.inputs.tolist() == [[2, 0], [9, 9]]
    np.testing.assert_array_equal(result.output[:, :, 0], [[7, 9], [5, 2]])


def test_strides_default_to_the_pool_size() -> None:
    layer = Pooling2DLayer("max", (3, 2))
    assert layer.strides == (3, 2)
    assert layer.output_shape((9, 9, 4)) == (3, 4, 4)
    assert Pooling2DLayer("max", 2, strides=1).output_shape((5, 5, 1)) == (4, 4, 1)


def test_the_next_chapters_pooling_shapes() -> None:
    pool = Pooling2DLayer("max", (2, 2))
    assert isinstance(pool, Layer)
    assert pool.keras_class == "MaxPooling2D"
    assert pool.output_shape((148, 148, 32)) == (74, 74, 32)
    assert pool.output_shape((72, 72, 64)) == (36, 36, 64)
    assert pool.count_params((148, 148, 32)) == 0
    assert Pooling2DLayer("average").keras_class == "AveragePooling2D"


def test_pooling_refusals_in_plain_words() -> None:
    with pytest.raises(ConvError, match="does not fit a 2x2 input"):
        Pooling2DLayer("max", 3).output_shape((2, 2, 1))
    with pytest.raises(ConvError, match="needs maps"):
        Pooling2DLayer("max").output_shape((10,))
    with pytest.raises(ConvError, match="padding must be"):
        Pooling2DLayer("max", padding="full")
    with pytest.raises(ConvError, match="pool_size must be at least 1"):
        Pooling2DLayer("max", 0)
    with pytest.raises(ConvError, match="no output cell"):
        Pooling2DLayer("max").forward(np.zeros((4, 4, 1))).trace_cell((2, 0, 0))


@PROPERTY
@given(st.integers(1, 7), st.integers(1, 7), st.integers(1, 4), st.booleans(), st.integers(0, 2**32 - 1))
def test_global_pools_are_one_value_per_channel(h: int, w: int, c: int, keepdims: bool, seed: int) -> None:
    x = np.random.default_rng(seed).standard_normal((h, w, c)).astype(np.float32)
    for kind in ("max", "average"):
        layer = GlobalPooling2DLayer(kind, keepdims)
        result = layer.forward(x)
        want = [max(float(v) for v in x[:, :, ch].ravel()) if kind == "max" else
                sum(float(v) for v in x[:, :, ch].ravel()) / (h * w) for ch in range(c)]
        shape = (1, 1, c) if keepdims else (c,)
        assert result.output.shape == shape == layer.output_shape(x.shape)
        np.testing.assert_allclose(result.output.reshape(c), want, rtol=1e-6, atol=1e-7)
        for ch in range(c):
            trace = result.trace_cell((0, 0, ch) if keepdims else (ch,))
            assert trace.value == result.output.reshape(c)[ch]
            assert trace.count == h * w
            assert trace.inputs.shape == (h, w)


def test_global_pool_names_and_parameters() -> None:
    assert GlobalPooling2DLayer("max").keras_class == "GlobalMaxPooling2D"
    assert GlobalPooling2DLayer("average").keras_class == "GlobalAveragePooling2D"
    assert GlobalPooling2DLayer("average").count_params((7, 7, 512)) == 0
    with pytest.raises(ConvError, match="keepdims must be"):
        GlobalPooling2DLayer("max", 1)  # type: ignore[arg-type]


def test_pooled_maps_are_read_only_and_step_like_conv2d() -> None:
    result = Pooling2DLayer("max", 2).forward(np.ones((6, 4, 3)))
    assert result.out_shape == (3, 2, 3)
    assert result.steps == 6
    assert result.step_position(5) == (2, 1)
    with pytest.raises(ValueError, match="read-only"):
        result.output[0, 0, 0] = 1
