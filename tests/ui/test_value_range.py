"""The maps' value ranges are computed once (on the worker for big scenes) and give the same colour
scale as a pass over every value."""

import numpy as np
import pytest

from kernelscope.core import engine
from kernelscope.core.colour_scale import scale_levels
from kernelscope.core.engine import ConvSpec


@pytest.mark.parametrize("activation", ["linear", "relu", "tanh"])
def test_value_range_is_each_maps_min_and_max(activation: str) -> None:
    rng = np.random.default_rng(4)
    res = engine.compute(rng.standard_normal((9, 8, 2)), rng.standard_normal((3, 3, 2, 5)), None,
                         ConvSpec(5, (3, 3), activation=activation, use_bias=False))
    for activated, arr in ((True, res.maps), (False, res.pre_activation)):
        r = res.value_range(activated)
        np.testing.assert_array_equal(r[:, 0], arr.min(axis=(1, 2)))
        np.testing.assert_array_equal(r[:, 1], arr.max(axis=(1, 2)))
        assert res.value_range(activated) is r  # computed once
        with pytest.raises(ValueError, match="read-only"):
            r[0, 0] = 1
        for diverging in (True, False):
            for shared in (True, False):
                np.testing.assert_array_equal(
                    scale_levels(arr, diverging, shared, r), scale_levels(arr, diverging, shared)
                )
