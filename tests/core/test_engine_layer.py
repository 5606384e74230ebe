"""The layer interface: Conv2DLayer packages a spec and its weights and adds no arithmetic of its own."""

from __future__ import annotations

import numpy as np
import pytest

from kernelscope.core import engine
from kernelscope.core.engine import CellTrace, Conv2DLayer, ConvError, ConvResult, ConvSpec, Layer, StepTrace
from tests.core.naive_conv import naive_conv2d


def _layer(spec: ConvSpec, channels: int, seed: int = 0) -> Conv2DLayer:
    rng = np.random.default_rng(seed)
    kernels = rng.standard_normal((*spec.kernel_size, channels, spec.filters)).astype(np.float32)
    return Conv2DLayer(spec, kernels, rng.standard_normal(spec.filters).astype(np.float32))


def test_conv2d_layer_is_a_layer_named_as_keras_names_it() -> None:
    layer = _layer(ConvSpec(2, (3, 3)), 1)
    assert isinstance(layer, Layer)
    assert layer.keras_class == "Conv2D"
    assert layer.channels == 1


def test_the_keras_docs_example_shape_and_parameters() -> None:
    """Conv2D(32, (3, 3)) on 150x150x3, as in the Keras guide's model summary."""
    layer = Conv2DLayer(ConvSpec(32, (3, 3)), np.zeros((3, 3, 3, 32), np.float32), np.zeros(32, np.float32))
    assert layer.output_shape((150, 150, 3)) == (148, 148, 32)
    assert layer.count_params((150, 150, 3)) == 896
    no_bias = Conv2DLayer(ConvSpec(32, (3, 3), use_bias=False), layer.kernels, layer.bias)
    assert no_bias.count_params((150, 150, 3)) == 864


@pytest.mark.parametrize(
    ("spec", "shape", "expected"),
    [
        (ConvSpec(4, (3, 3), strides=2, padding="same"), (9, 7, 2), (5, 4, 4)),
        (ConvSpec(1, (3, 3), dilation_rate=2), (9, 9, 2), (5, 5, 1)),
        (ConvSpec(3, (2, 5)), (6, 8, 2), (5, 4, 3)),
    ],
)
def test_output_shape_is_the_engines(spec: ConvSpec, shape: tuple[int, int, int], expected: tuple[int, ...]) -> None:
    layer = _layer(spec, 2)
    assert layer.output_shape(shape) == expected == engine.output_shape(shape, spec)
    assert layer.count_params(shape) == engine.count_params(spec, 2)


def test_a_two_d_input_shape_has_one_channel() -> None:
    layer = _layer(ConvSpec(1, (3, 3)), 1)
    assert layer.output_shape((5, 5)) == (3, 3, 1)
    assert layer.count_params((5, 5)) == 10


def test_an_input_with_other_channels_is_refused() -> None:
    layer = _layer(ConvSpec(2, (3, 3)), 3)
    with pytest.raises(ConvError, match=r"3 input channel.*input has 1"):
        layer.output_shape((8, 8, 1))
    with pytest.raises(ConvError, match=r"3 input channel.*input has 1"):
        layer.count_params((8, 8))
    with pytest.raises(ConvError, match="input must be"):
        layer.count_params((8, 8, 3, 1))
    with pytest.raises(ConvError, match="does not fit a 2x2 input"):
        layer.output_shape((2, 2, 3))


@pytest.mark.parametrize(
    "spec",
    [
        ConvSpec(3, (3, 3)),
        ConvSpec(2, (3, 2), strides=(2, 1), padding="same", activation="relu"),
        ConvSpec(2, (3, 3), dilation_rate=2, padding="same", activation="tanh"),
        ConvSpec(1, (5, 5), use_bias=False, activation="gelu"),
    ],
)
def test_forward_is_compute_bit_for_bit(spec: ConvSpec) -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal((11, 9, 2)).astype(np.float32)
    layer = _layer(spec, 2, seed=7)
    got = layer.forward(x)
    want = engine.compute(x, layer.kernels, layer.bias, spec)
    assert isinstance(got, ConvResult)
    assert got.maps.tobytes() == want.maps.tobytes()
    assert got.pre_activation.tobytes() == want.pre_activation.tobytes()
    assert got.feature_maps().shape == layer.output_shape(x.shape)


def test_forward_matches_the_naive_conv2d_exactly() -> None:
    """Small whole numbers: every sum is exact in float32, so the independent float64 loop agrees bit for bit."""
    rng = np.random.default_rng(3)
    x = rng.integers(-4, 5, (7, 6, 2)).astype(np.float32)
    k = rng.integers(-3, 4, (3, 3, 2, 2)).astype(np.float32)
    b = np.array([0.5, -1.0], np.float32)
    layer = Conv2DLayer(ConvSpec(2, (3, 3), strides=(2, 1), padding="same"), k, b)
    got = layer.forward(x).feature_maps()
    np.testing.assert_array_equal(got, naive_conv2d(x, k, b, (2, 1), "same"))


def test_the_trace_of_a_cell_is_that_cell() -> None:
    """Small whole numbers, so the trace's own sums are exact and must equal the maps bit for bit."""
    rng = np.random.default_rng(9)
    x = rng.integers(-3, 4, (6, 6, 3)).astype(np.float32)
    k = rng.integers(-2, 3, (3, 3, 3, 2)).astype(np.float32)
    layer = Conv2DLayer(ConvSpec(2, (3, 3), padding="same", activation="relu"), k, np.array([1.5, -2], np.float32))
    result = layer.forward(x)
    maps, pre = result.feature_maps(), result.feature_maps(activated=False)
    assert (maps != pre).any(), "relu should cut some cells"
    assert (maps > 0).any(), "and keep others"
    for f in range(2):
        for r, c in ((0, 0), (2, 3), (5, 5)):
            trace = result.trace(f, r, c)
            assert isinstance(trace, StepTrace)
            assert (trace.filter, trace.out_row, trace.out_col) == (f, r, c)
            assert trace.pre_activation == pre[r, c, f]
            assert trace.value == maps[r, c, f]
    cell: CellTrace = result.trace(1, *result.step_position(result.steps - 1))
    assert cell.value == maps[-1, -1, 1]


def test_weights_are_read_only_float32_and_the_callers_are_left_alone() -> None:
    kernels = np.ones((3, 3, 1, 2))  # float64, writeable
    bias = [0.0, 1.0]
    layer = Conv2DLayer(ConvSpec(2, (3, 3)), kernels, bias)  # type: ignore[arg-type]
    assert layer.kernels.dtype == layer.bias.dtype == np.float32
    for arr in (layer.kernels, layer.bias):
        with pytest.raises(ValueError, match="read-only"):
            arr[(0,) * arr.ndim] = 7
    kernels[0, 0, 0, 0] = 5.0  # still the caller's to write, and the layer does not see it
    assert kernels.flags.writeable
    assert layer.kernels[0, 0, 0, 0] == 1.0


def test_read_only_float32_weights_are_kept_without_a_copy() -> None:
    """The document's arrays are already frozen: its undo history tells layers apart by identity."""
    k = np.zeros((3, 3, 1, 1), np.float32)
    b = np.zeros(1, np.float32)
    k.flags.writeable = b.flags.writeable = False
    layer = Conv2DLayer(ConvSpec(1, (3, 3)), k, b)
    assert layer.kernels is k
    assert layer.bias is b


def test_layers_compare_by_identity() -> None:
    k, b = np.zeros((3, 3, 1, 1), np.float32), np.zeros(1, np.float32)
    a = Conv2DLayer(ConvSpec(1, (3, 3)), k, b)
    assert a == a
    assert a != Conv2DLayer(ConvSpec(1, (3, 3)), k, b)


@pytest.mark.parametrize(
    ("spec", "kernels", "bias", "message"),
    [
        (ConvSpec(2, (3, 3)), np.zeros((3, 3, 1, 1)), np.zeros(2), "asks for 3x3 kernels and 2 filter"),
        (ConvSpec(1, (3, 3)), np.zeros((2, 3, 1, 1)), np.zeros(1), "asks for 3x3 kernels"),
        (ConvSpec(1, (3, 3)), np.zeros((3, 3, 1)), np.zeros(1), r"\(kh, kw, channels, filters\)"),
        (ConvSpec(2, (3, 3)), np.zeros((3, 3, 1, 2)), np.zeros(3), "one number per filter"),
        (ConvSpec(1, (3, 3)), np.full((3, 3, 1, 1), np.nan), np.zeros(1), "kernels is not a finite"),
        (ConvSpec(1, (3, 3)), np.zeros((3, 3, 1, 1)), np.array([1e39]), "bias is not a finite"),
        (ConvSpec(1, (3, 3)), np.array([["a"]]), np.zeros(1), "real numbers"),
        ("Conv2D(1, 3)", np.zeros((3, 3, 1, 1)), np.zeros(1), "needs a ConvSpec"),
    ],
)
def test_inconsistent_weights_are_refused(spec: object, kernels: object, bias: object, message: str) -> None:
    with pytest.raises(ConvError, match=message):
        Conv2DLayer(spec, kernels, bias)  # type: ignore[arg-type]
