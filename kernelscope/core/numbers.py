"""Number rules every part of kernelscope shares: the float32 limit and Keras's "one whole number or
a pair". A leaf (NumPy only) so the engine, the scene, the line parser and the widgets can all
import it; each caller words its own refusal, so only the rule lives here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["FLOAT32_MAX", "is_whole", "whole_pair"]

FLOAT32_MAX = float(np.finfo(np.float32).max)
"""The largest finite float32: a weight or pixel beyond it would be stored as infinity."""


def is_whole(value: Any) -> bool:
    """A Python or NumPy integer that is not a bool (JSON's true is not the number 1)."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def whole_pair(value: Any) -> tuple[int, int] | None:
    """Keras's kernel_size / strides / dilation_rate rule: ``n`` -> ``(n, n)``, a list or tuple of
    two whole numbers -> that pair, anything else -> None (range limits are the caller's)."""
    if is_whole(value):
        return int(value), int(value)
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(is_whole(v) for v in value):
        return int(value[0]), int(value[1])
    return None
