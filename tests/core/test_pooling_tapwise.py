"""Pooling tap by tap (small pools) gives the sliding-window reduction's bits exactly, and Dense's
kept float64 kernel changes none of its numbers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from kernelscope.core.engine import DenseLayer, Pooling2DLayer, pooling


@pytest.mark.parametrize("kind", ["max", "average"])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize(("pool", "strides"), [((2, 2), None), ((3, 3), (2, 2)), ((2, 3), (1, 2)), ((4, 4), (3, 1)),
                                               ((1, 1), None), ((3, 2), (1, 1))])
def test_tapwise_pooling_matches_the_reduction_bit_for_bit(
    kind: str, padding: str, pool: tuple[int, int], strides: tuple[int, int] | None
) -> None:
    rng = np.random.default_rng(3)
    layer = Pooling2DLayer(kind, pool, strides, padding)
    for shape, scale in itertools.product([(9, 11, 3), (8, 8, 1), (13, 7, 4)], [1.0, 1e-30, 1e30]):
        x = (rng.standard_normal(shape) * scale).astype(np.float32)
        x.flags.writeable = False
        oh, ow, _ = layer.output_shape(shape)
        pads = layer.pads(shape[:2])
        got = pooling._pool(kind, x, pool, layer._strides, pads, (oh, ow))
        want = pooling._pool_reduced(kind, x, pool, layer._strides, pads, (oh, ow))
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(layer.forward(x).output, want)


def test_dense_kernel64_is_kept_and_read_only() -> None:
    rng = np.random.default_rng(0)
    layer = DenseLayer(rng.standard_normal((50, 7)).astype(np.float32), rng.standard_normal(7).astype(np.float32))
    x = rng.standard_normal(50).astype(np.float32)
    first = layer.forward(x)
    assert layer.kernel64 is layer.kernel64
    assert not layer.kernel64.flags.writeable
    want = np.asarray(x.astype(np.float64) @ layer.kernel.astype(np.float64) + layer.bias, dtype=np.float32)
    np.testing.assert_array_equal(first.pre_activation, want)
    np.testing.assert_array_equal(layer.forward(x).output, first.output)
