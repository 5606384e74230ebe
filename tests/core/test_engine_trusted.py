"""compute's path for immutable arrays (the document's): the same numbers as the checked path, bit for
bit, the same refusals, and nothing kept by identity ever outliving the array it was made from."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from kernelscope.core.engine import Conv2DLayer, ConvError, ConvSpec, compute
from kernelscope.core.engine import convolution as engine
from kernelscope.core.engine.checked import IdentityCache, immutable_float32
from tests.core.naive_conv import naive_conv2d

SCENES = [
    ((5, 5, 1), ConvSpec(1, (3, 3))),
    ((9, 8, 2), ConvSpec(3, (3, 2), padding="same", activation="relu")),
    ((12, 11, 3), ConvSpec(4, (3, 3), strides=2, use_bias=False, activation="elu")),
    ((13, 10, 1), ConvSpec(2, (2, 3), dilation_rate=(2, 1), padding="same")),
]


def frozen(arr: np.ndarray) -> np.ndarray:
    out = np.array(arr, dtype=np.float32)
    out.flags.writeable = False
    return out


def arrays(shape: tuple[int, int, int], spec: ConvSpec, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=shape).astype(np.float32)
    k = rng.uniform(-1, 1, size=(*spec.kernel_size, shape[2], spec.filters)).astype(np.float32)
    b = rng.uniform(-1, 1, size=spec.filters).astype(np.float32)
    return x, k, b


@pytest.mark.parametrize(("shape", "spec"), SCENES)
@pytest.mark.parametrize("block", [None, 1])
def test_immutable_arrays_give_the_checked_paths_bits(
    monkeypatch: pytest.MonkeyPatch, shape: tuple[int, int, int], spec: ConvSpec, block: int | None
) -> None:
    """First call (plan made), second (kept columns), a weight edit, an input edit: every result
    equals the checked path's on writable copies bit for bit, and the naive Conv2D to tolerance."""
    if block is not None:
        monkeypatch.setattr(engine, "_BLOCK_ELEMENTS", block)  # row blocks into the kept columns
    x, k, b = arrays(shape, spec)
    x2, k2, _ = arrays(shape, spec, seed=1)
    fx, fk, fb, fx2, fk2 = map(frozen, (x, k, b, x2, k2))
    for xi, ki, xo, ko in ((fx, fk, x, k), (fx, fk, x, k), (fx, fk2, x, k2), (fx2, fk2, x2, k2), (fx2, fk, x2, k)):
        got = compute(xi, ki, fb, spec)
        want = compute(xo.copy(), ko.copy(), b.copy(), spec)
        np.testing.assert_array_equal(got.pre_activation, want.pre_activation)
        np.testing.assert_array_equal(got.maps, want.maps)
        np.testing.assert_array_equal(got.kernels, want.kernels)
        np.testing.assert_array_equal(got.bias, want.bias)
        np.testing.assert_array_equal(got.padded, want.padded)
        assert not got.maps.flags.writeable
        assert not got.kernels.flags.writeable
        bias = b if spec.use_bias else None
        np.testing.assert_allclose(got.feature_maps(), naive_conv2d(xo, ko, bias, spec.strides, spec.padding,
                                                                    spec.dilation_rate, spec.activation),
                                   rtol=1e-5, atol=1e-5)


def test_a_layers_weights_are_prepared_where_it_is_made() -> None:
    spec = ConvSpec(2, (3, 3))
    x, k, b = arrays((6, 6, 1), spec)
    layer = Conv2DLayer(spec, k, b)
    assert engine._weights_cache.get((layer.kernels, layer.bias), (spec.kernel_size, spec.filters, 1)) is not None
    got = compute(frozen(x), layer.kernels, layer.bias, spec)
    np.testing.assert_array_equal(got.maps, compute(x, k, b, spec).maps)


def test_an_immutable_input_with_nan_is_refused_every_time() -> None:
    spec = ConvSpec(1, (3, 3))
    x, k, b = arrays((5, 5, 1), spec)
    x[2, 2, 0] = np.nan
    fx = frozen(x)
    for _ in range(2):
        with pytest.raises(ConvError, match="a value in the input is not a finite number"):
            compute(fx, frozen(k), frozen(b), spec)


def test_immutable_kernels_with_inf_are_refused_every_time() -> None:
    spec = ConvSpec(1, (3, 3))
    x, k, b = arrays((5, 5, 1), spec)
    k[0, 0, 0, 0] = np.inf
    fk = frozen(k)
    Conv2DLayer(spec, fk, frozen(b))  # the layer leaves the refusal to compute
    for _ in range(2):
        with pytest.raises(ConvError, match="a kernel weight is not a finite number"):
            compute(frozen(x), fk, frozen(b), spec)


def test_an_array_made_writable_again_is_checked_again() -> None:
    """Read-only is the promise the identity rests on: once its owner takes it back, the kept
    plan and matrix are dropped at the next compute and made anew once it is frozen again."""
    spec = ConvSpec(1, (3, 3))
    x, k, b = arrays((5, 5, 1), spec)
    fx, fk, fb = frozen(x), frozen(k), frozen(b)
    compute(fx, fk, fb, spec)
    fx.flags.writeable = True
    fk.flags.writeable = True
    fx[0, 0, 0], fk[1, 1, 0, 0] = 100.0, 5.0
    x[0, 0, 0], k[1, 1, 0, 0] = 100.0, 5.0
    np.testing.assert_array_equal(compute(fx, fk, fb, spec).maps, compute(x, k, b, spec).maps)
    fx.flags.writeable = False
    fk.flags.writeable = False
    np.testing.assert_array_equal(compute(fx, fk, fb, spec).maps, compute(x, k, b, spec).maps)


def test_views_of_writable_memory_are_not_trusted() -> None:
    x = np.ones((4, 4, 1), np.float32)
    view = x.view()
    view.flags.writeable = False
    assert not immutable_float32(view)
    assert immutable_float32(frozen(x))
    assert not immutable_float32(frozen(x).astype(np.float64))


def test_identity_cache_never_matches_a_dead_arrays_id() -> None:
    cache: IdentityCache[str] = IdentityCache(4)
    a = frozen(np.zeros(3))
    cache.put((a,), "a")
    assert cache.get((a,)) == "a"
    assert cache.get((a,), extra="other") is None
    key = id(a)
    del a
    gc.collect()
    for _ in range(100):  # a new array may well get the dead one's id
        b = frozen(np.zeros(3))
        if id(b) == key:
            break
    assert cache.get((b,)) is None


def test_identity_cache_keeps_at_most_its_size() -> None:
    cache: IdentityCache[int] = IdentityCache(2)
    arrs = [frozen(np.full(2, i)) for i in range(3)]
    for i, arr in enumerate(arrs):
        cache.put((arr,), i)
    assert cache.get((arrs[0],)) is None
    assert cache.get((arrs[1],)) == 1
    assert cache.get((arrs[2],)) == 2
