"""The output pool reuses memory only once nothing made from it is alive."""

from __future__ import annotations

import gc
import threading

import numpy as np

from kernelscope.core.engine import ConvSpec, compute
from kernelscope.core.engine import convolution as engine
from kernelscope.core.engine.buffer_pool import BufferPool

BIG = (64, 64, 8)  # 128 KiB: pooled


def test_a_live_array_is_never_handed_out_again() -> None:
    pool = BufferPool(keep=2)
    a = pool.empty(BIG)
    a[...] = 1.0
    b = pool.empty(BIG)
    assert not np.shares_memory(a, b)
    b[...] = 2.0
    assert (a == 1.0).all()


def test_a_view_keeps_its_buffer_alive() -> None:
    pool = BufferPool(keep=2)
    a = pool.empty(BIG)
    view = a[3].T  # only a view of a view survives
    del a
    gc.collect()
    b = pool.empty(BIG)
    assert not np.shares_memory(view, b)


def test_a_released_buffer_is_reused() -> None:
    pool = BufferPool(keep=2)
    a = pool.empty(BIG)
    address = a.__array_interface__["data"][0]
    del a
    b = pool.empty((48, 48, 8))  # smaller fits in the same buffer
    assert b.__array_interface__["data"][0] == address
    assert b.shape == (48, 48, 8)
    assert b.flags.c_contiguous
    assert b.dtype == np.float32


def test_small_and_huge_arrays_bypass_the_pool() -> None:
    pool = BufferPool(keep=2, max_bytes=1 << 20, min_bytes=1 << 10)
    small = pool.empty((4, 4))
    huge = pool.empty((1024, 512))  # 2 MiB
    assert small.shape == (4, 4)
    assert huge.shape == (1024, 512)
    assert pool.kept_bytes() == 0


def test_the_pool_keeps_at_most_keep_buffers() -> None:
    pool = BufferPool(keep=2)
    held = [pool.empty(BIG) for _ in range(5)]
    assert pool.kept_bytes() == 2 * held[0].nbytes
    addresses = {h.__array_interface__["data"][0] for h in held}
    assert len(addresses) == 5  # all distinct while held


def test_results_held_together_never_share_memory() -> None:
    """What the window relies on: the result on screen stays as it was while the next computes."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 64, 3)).astype(np.float32)
    k = rng.standard_normal((3, 3, 3, 16)).astype(np.float32)
    spec = ConvSpec(16, (3, 3), padding="same", activation="relu")
    first = compute(x, k, None, spec)
    kept = first.maps.copy(), first.pre_activation.copy(), first.padded.copy(), first.input.copy()
    for seed in range(5):
        other = rng.standard_normal((64, 64, 3)).astype(np.float32) * (seed + 2)
        second = compute(other, k, None, spec)
        for a in (first.maps, first.pre_activation, first.padded, first.input):
            for b in (second.maps, second.pre_activation, second.padded, second.input):
                assert not np.shares_memory(a, b)
    for before, now in zip(kept, (first.maps, first.pre_activation, first.padded, first.input), strict=True):
        np.testing.assert_array_equal(before, now)


def test_threads_get_distinct_buffers() -> None:
    pool = BufferPool(keep=4)
    got: list[np.ndarray] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(50):
            a = pool.empty(BIG)
            a[...] = threading.get_ident() % 1000
            with lock:
                got.append(a)

    threads = [threading.Thread(target=take) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    starts = [a.__array_interface__["data"][0] for a in got]
    assert len(set(starts)) == len(got)  # all held at once, so all distinct


def test_relu_in_float32_is_the_float64_formula_bit_for_bit() -> None:
    rng = np.random.default_rng(3)
    pre = (rng.standard_normal((8, 40, 40)) * 10).astype(np.float32)
    pre[0, 0, :4] = [-0.0, 0.0, np.float32(3e38), np.float32(-3e38)]
    got = engine._activate_maps(pre, "relu")
    want = engine.activate(pre, "relu")
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32))
