"""A Session shares arrays nobody can change (the document's) and copies every other one."""

from __future__ import annotations

import numpy as np
import pytest

from kernelscope.core.engine import ConvSpec
from kernelscope.core.scene import Session, SessionError


def frozen(shape: tuple[int, ...]) -> np.ndarray:
    arr = np.ones(shape, np.float32)
    arr.flags.writeable = False
    return arr


def test_immutable_float32_arrays_are_shared_not_copied() -> None:
    x, k, b = frozen((4, 4, 1)), frozen((3, 3, 1, 2)), frozen((2,))
    s = Session(input=x, kernels=k, bias=b, spec=ConvSpec(2, 3))
    assert s.input is x
    assert s.kernels is k
    assert s.bias is b


def test_a_read_only_view_of_a_writable_array_is_copied() -> None:
    base = np.ones((4, 4, 1), np.float32)
    view = base.view()
    view.flags.writeable = False
    s = Session(input=view, kernels=frozen((3, 3, 1, 1)), bias=frozen((1,)), spec=ConvSpec(1, 3))
    base[0, 0, 0] = 7  # the caller can still change the view's memory: the session must not see it
    assert s.input[0, 0, 0] == 1
    assert not np.shares_memory(s.input, base)


def test_other_dtypes_byte_orders_and_subclasses_are_copied() -> None:
    writable = np.ones((4, 4, 1), np.float32)
    for arr in (frozen((4, 4, 1)).astype(np.float64), frozen((4, 4, 1)).astype(">f4"), writable):
        arr.flags.writeable = arr is writable
        s = Session(input=arr, kernels=frozen((3, 3, 1, 1)), bias=frozen((1,)), spec=ConvSpec(1, 3))
        assert s.input is not arr
        assert s.input.dtype == np.float32
        assert s.input.dtype.isnative
        assert not s.input.flags.writeable


def test_a_shared_array_is_still_checked_for_finite_values() -> None:
    x = np.ones((4, 4, 1), np.float32)
    x[1, 2, 0] = np.inf
    x.flags.writeable = False
    with pytest.raises(SessionError, match=r"input\[1\]\[2\]\[0\]: Infinity is not a finite number"):
        Session(input=x, kernels=frozen((3, 3, 1, 1)), bias=frozen((1,)), spec=ConvSpec(1, 3))
