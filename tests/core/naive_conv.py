"""An independent, deliberately naive Keras ``Conv2D`` for checking the engine.

Plain Python loops over output cells and taps, float64 throughout, padding math and activation
formulas written out from the Keras rules with the ``math`` module. It imports nothing from
``kernelscope`` so a shared mistake cannot hide.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

SELU_SCALE = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _softplus(x: float) -> float:
    # log(1 + exp(x)), written so exp never overflows.
    if x > 30:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))


NAIVE_ACTIVATIONS: dict[str, Callable[[float], float]] = {
    "linear": lambda x: x,
    "relu": lambda x: x if x > 0 else 0.0,
    "sigmoid": _sigmoid,
    "tanh": math.tanh,
    "elu": lambda x: x if x > 0 else math.expm1(x),
    "selu": lambda x: SELU_SCALE * (x if x > 0 else SELU_ALPHA * math.expm1(x)),
    "softplus": _softplus,
    "softsign": lambda x: x / (1.0 + abs(x)),
    "silu": lambda x: x * _sigmoid(x),
    "swish": lambda x: x * _sigmoid(x),
    "gelu": lambda x: 0.5 * x * (1.0 + math.erf(x / math.sqrt(2.0))),
    "leaky_relu": lambda x: x if x >= 0 else 0.2 * x,
}
ACTIVATION_NAMES: tuple[str | None, ...] = (None, *NAIVE_ACTIVATIONS)


def naive_activation(name: str | None, x: float) -> float:
    """One Keras activation of one number (``None`` is linear)."""
    return NAIVE_ACTIVATIONS["linear" if name is None else name](float(x))


def _pair(v: int | tuple[int, int]) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def naive_output_size(n: int, k: int, s: int, d: int, padding: str) -> int:
    """Keras's output length along one axis (may be < 1 for an empty "valid" output)."""
    if padding == "same":
        return math.ceil(n / s)
    return math.floor((n - d * (k - 1) - 1) / s) + 1


def naive_same_padding(n: int, k: int, s: int, d: int) -> tuple[int, int]:
    """Keras "same" padding along one axis: (before, after), the smaller half before."""
    out = math.ceil(n / s)
    total = max(0, (out - 1) * s + d * (k - 1) + 1 - n)
    before = total // 2
    return before, total - before


def naive_conv2d(
    x: Any,
    kernels: Any,
    bias: Any = None,
    strides: int | tuple[int, int] = 1,
    padding: str = "valid",
    dilation_rate: int | tuple[int, int] = 1,
    activation: str | None = None,
    *,
    activated: bool = True,
) -> np.ndarray:
    """(H', W', F) float64 maps of one channels_last image, one tap at a time."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        x = x[:, :, None]
    k = np.asarray(kernels, dtype=np.float64)
    h, w, c = x.shape
    kh, kw, kc, f = k.shape
    assert kc == c, "kernel channels must match the input"
    (sh, sw), (dh, dw) = _pair(strides), _pair(dilation_rate)
    oh = naive_output_size(h, kh, sh, dh, padding)
    ow = naive_output_size(w, kw, sw, dw, padding)
    if oh < 1 or ow < 1:
        raise ValueError(f"empty output: {oh}x{ow}")
    top = naive_same_padding(h, kh, sh, dh)[0] if padding == "same" else 0
    left = naive_same_padding(w, kw, sw, dw)[0] if padding == "same" else 0
    b = [0.0] * f if bias is None else [float(v) for v in bias]
    out = np.zeros((oh, ow, f), dtype=np.float64)
    for i in range(oh):
        for j in range(ow):
            for fi in range(f):
                acc = 0.0
                for u in range(kh):
                    r = i * sh - top + u * dh
                    if not 0 <= r < h:
                        continue  # a zero-padding row contributes nothing
                    for v in range(kw):
                        col = j * sw - left + v * dw
                        if not 0 <= col < w:
                            continue
                        for ch in range(c):
                            acc += float(x[r, col, ch]) * float(k[u, v, ch, fi])
                z = acc + b[fi]
                out[i, j, fi] = naive_activation(activation, z) if activated else z
    return out
