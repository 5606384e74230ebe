"""Keras ``Conv2D`` in pure NumPy: shapes, padding, activations, the convolution and its step trace.

Everything the app shows comes from here, so it follows ``keras.layers.Conv2D`` exactly
(channels_last, one image, cross-correlation, Keras's asymmetric "same" split and its activation
formulas). This module never imports Qt.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

__all__ = [
    "ACTIVATIONS",
    "PADDINGS",
    "ConvError",
    "ConvResult",
    "ConvSpec",
    "StepTrace",
    "activate",
    "compute",
    "conv2d",
    "count_params",
    "glorot_uniform",
    "output_shape",
    "output_size",
    "padding_amounts",
    "same_padding",
]

Pair = tuple[int, int]
PADDINGS = ("valid", "same")

# Above this many multiply-adds, im2col runs in row blocks so the column buffer stays cache-sized.
_BLOCK_ELEMENTS = 1 << 21


class ConvError(ValueError):
    """A refusal with a message a student can read: the layer or the data cannot be convolved."""


# --------------------------------------------------------------------------- activations

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _erfc(x: np.ndarray) -> np.ndarray:
    """erfc in float64 with fractional error < 1.2e-7 everywhere (Numerical Recipes' erfcc).

    NumPy has no erf; a relative (not absolute) bound keeps gelu's small negative tail accurate.
    """
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (
            -0.82215223 + t * 0.17087277))))))))
    ans = t * np.exp(-z * z + poly)
    return np.where(x >= 0, ans, 2.0 - ans)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    # Split by sign so exp never overflows (same values as 1 / (1 + exp(-z))).
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def _elu(z: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    return np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0)))


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "elu": _elu,
    "selu": lambda z: _SELU_SCALE * _elu(z, _SELU_ALPHA),
    "softplus": lambda z: np.logaddexp(0, z),
    "softsign": lambda z: z / (np.abs(z) + 1),
    "silu": lambda z: z * _sigmoid(z),
    "swish": lambda z: z * _sigmoid(z),
    "gelu": lambda z: 0.5 * z * _erfc(-z / math.sqrt(2.0)),
    "leaky_relu": lambda z: np.where(z >= 0, z, 0.2 * z),
}
"""Keras's activation names and formulas with Keras's defaults (elu alpha 1, leaky_relu 0.2,
exact gelu). ``None`` means ``"linear"``."""


def canonical_activation(name: str | None) -> str:
    """Keras treats ``None`` and ``"linear"`` alike; we store ``"linear"``."""
    if name is None:
        return "linear"
    if not isinstance(name, str) or name not in ACTIVATIONS:
        known = ", ".join(sorted(ACTIVATIONS))
        raise ConvError(f"unknown activation {name!r}: use one of {known}, or None")
    return name


def activate(z: np.ndarray | float, name: str | None) -> np.ndarray:
    """Apply a Keras activation, computed in float64 and returned as float32."""
    fn = ACTIVATIONS[canonical_activation(name)]
    return np.asarray(fn(np.asarray(z, dtype=np.float64)), dtype=np.float32)


# --------------------------------------------------------------------------- the layer


def as_pair(value: Any, name: str) -> Pair:
    """Keras accepts an int or a pair for kernel_size, strides and dilation_rate."""
    if isinstance(value, (bool, np.bool_)):
        raise ConvError(f"{name} must be a whole number or a pair of whole numbers, not {value!r}")
    if isinstance(value, (int, np.integer)):
        pair = (int(value), int(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in value
    ):
        pair = (int(value[0]), int(value[1]))
    else:
        raise ConvError(f"{name} must be a whole number or a pair of whole numbers, not {value!r}")
    if pair[0] < 1 or pair[1] < 1:
        raise ConvError(f"{name} must be at least 1, not {pair}")
    return pair


@dataclass(frozen=True)
class ConvSpec:
    """The Conv2D arguments that change what is computed, validated and normalised to pairs."""

    filters: int = 1
    kernel_size: Pair = (3, 3)
    strides: Pair = (1, 1)
    padding: str = "valid"
    dilation_rate: Pair = (1, 1)
    activation: str = "linear"
    use_bias: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.filters, bool) or not isinstance(self.filters, (int, np.integer)):
            raise ConvError(f"filters must be a whole number, not {self.filters!r}")
        if self.filters < 1:
            raise ConvError(f"filters must be at least 1, not {self.filters}")
        object.__setattr__(self, "filters", int(self.filters))
        object.__setattr__(self, "kernel_size", as_pair(self.kernel_size, "kernel_size"))
        object.__setattr__(self, "strides", as_pair(self.strides, "strides"))
        object.__setattr__(self, "dilation_rate", as_pair(self.dilation_rate, "dilation_rate"))
        padding = self.padding.lower() if isinstance(self.padding, str) else self.padding
        if padding not in PADDINGS:
            raise ConvError(f"padding must be 'valid' or 'same', not {self.padding!r}")
        object.__setattr__(self, "padding", padding)
        object.__setattr__(self, "activation", canonical_activation(self.activation))
        if not isinstance(self.use_bias, (bool, np.bool_)):
            raise ConvError(f"use_bias must be True or False, not {self.use_bias!r}")
        object.__setattr__(self, "use_bias", bool(self.use_bias))
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ConvError(
                f"strides {self.strides} and dilation_rate {self.dilation_rate} cannot both be "
                "above 1: Keras Conv2D refuses to stride and dilate at once. Set one of them to 1."
            )


def output_size(n: int, k: int, s: int, d: int, padding: str) -> int:
    """Output length along one axis (spec section 1); may be 0 or less for "valid"."""
    if padding == "same":
        return -(-n // s)
    return (n - d * (k - 1) - 1) // s + 1


def same_padding(n: int, k: int, s: int, d: int) -> tuple[int, int]:
    """Keras/TensorFlow's "same" split along one axis: the smaller half before, the rest after."""
    out = -(-n // s)
    total = max(0, (out - 1) * s + d * (k - 1) + 1 - n)
    return total // 2, total - total // 2


def padding_amounts(input_hw: tuple[int, int], spec: ConvSpec) -> tuple[Pair, Pair]:
    """((top, bottom), (left, right)) zero padding; all zero for "valid"."""
    if spec.padding == "valid":
        return (0, 0), (0, 0)
    (h, w), (kh, kw), (sh, sw), (dh, dw) = input_hw, spec.kernel_size, spec.strides, spec.dilation_rate
    return same_padding(h, kh, sh, dh), same_padding(w, kw, sw, dw)


def output_shape(input_shape: tuple[int, ...], spec: ConvSpec) -> tuple[int, int, int]:
    """(H', W', F) for an (H, W) or (H, W, C) input; refuses an empty output in plain words."""
    if len(input_shape) not in (2, 3) or min(input_shape) < 1:
        raise ConvError(f"the input must be (height, width) or (height, width, channels), not {input_shape}")
    h, w = int(input_shape[0]), int(input_shape[1])
    (kh, kw), (sh, sw), (dh, dw) = spec.kernel_size, spec.strides, spec.dilation_rate
    oh = output_size(h, kh, sh, dh, spec.padding)
    ow = output_size(w, kw, sw, dw, spec.padding)
    if oh < 1 or ow < 1:
        eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
        dil = f" (dilated to {eh}x{ew})" if (dh, dw) != (1, 1) else ""
        raise ConvError(
            f"a {kh}x{kw} kernel{dil} does not fit a {h}x{w} input with padding='valid': "
            "use a smaller kernel, a larger input, or padding='same'"
        )
    return oh, ow, spec.filters


def count_params(spec: ConvSpec, channels: int) -> int:
    """Keras's ``count_params``: kh*kw*C*F weights plus F biases when use_bias."""
    kh, kw = spec.kernel_size
    return kh * kw * channels * spec.filters + (spec.filters if spec.use_bias else 0)


def glorot_uniform(shape: tuple[int, int, int, int], seed: int | None = None) -> np.ndarray:
    """Keras's default kernel initializer: U[-limit, limit), limit = sqrt(6 / (fan_in + fan_out)).

    ``fan_in = kh*kw*C`` and ``fan_out = kh*kw*F`` for a (kh, kw, C, F) kernel, as Keras computes
    them. Seeded through NumPy's PCG64, so the same seed gives the same kernels here (not the same
    numbers as Keras's own generator, whose streams differ by backend).
    """
    if len(shape) != 4 or min(shape) < 1:
        raise ConvError(f"a kernel shape is (kh, kw, channels, filters), not {shape}")
    kh, kw, c, f = (int(v) for v in shape)
    limit = math.sqrt(6.0 / (kh * kw * c + kh * kw * f))
    rng = np.random.default_rng(seed)
    weights = rng.uniform(-limit, limit, size=(kh, kw, c, f)).astype(np.float32)
    # Rounding to float32 can land a draw just below limit on float32(limit) >= limit (or one at
    # -limit below it): clamp to the float32 values inside [-limit, limit).
    hi, lo = np.float32(limit), np.float32(-limit)
    if hi >= limit:
        hi = np.nextafter(hi, np.float32(0))
    if lo < -limit:
        lo = np.nextafter(lo, np.float32(0))
    return np.clip(weights, lo, hi, out=weights)


# --------------------------------------------------------------------------- inputs


def _float32_copy(arr: np.ndarray) -> np.ndarray:
    """A private C-contiguous float32 copy: never the caller's array, so the snapshot cannot change
    under us and the caller's array is not made read-only. Values beyond float32 become inf
    silently here and are refused by the caller's finiteness check."""
    with np.errstate(over="ignore", invalid="ignore"):
        return np.array(arr, dtype=np.float32, order="C")


def _as_input(x: Any) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or min(arr.shape) < 1:
        raise ConvError(f"the input must be (height, width) or (height, width, channels), not shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise ConvError("the input must hold real numbers")
    arr = _float32_copy(arr)
    if not np.isfinite(arr).all():
        raise ConvError("the input holds a value that is not a finite number (nan, inf or too large)")
    return arr


def _as_kernels(kernels: Any, channels: int) -> np.ndarray:
    arr = np.asarray(kernels)
    if arr.ndim != 4 or min(arr.shape) < 1:
        raise ConvError(f"kernels must be (kh, kw, channels, filters) as in Keras, not shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise ConvError("the kernels must hold real numbers")
    if arr.shape[2] != channels:
        raise ConvError(
            f"the kernels have {arr.shape[2]} input channel(s) but the input has {channels}: "
            "each filter needs one kernel slice per input channel"
        )
    arr = _float32_copy(arr)
    if not np.isfinite(arr).all():
        raise ConvError("a kernel weight is not a finite number (nan, inf or too large)")
    return arr


def _as_bias(bias: Any, filters: int) -> np.ndarray:
    if bias is None:
        return np.zeros(filters, dtype=np.float32)
    arr = np.asarray(bias)
    if arr.shape != (filters,):
        raise ConvError(f"bias must hold one number per filter ({filters}), not shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise ConvError("the bias must hold real numbers")
    arr = _float32_copy(arr)
    if not np.isfinite(arr).all():
        raise ConvError("a bias is not a finite number (nan, inf or too large)")
    return arr


# --------------------------------------------------------------------------- the convolution


def _padded_channels(xin: np.ndarray, pads: tuple[Pair, Pair]) -> np.ndarray:
    """The zero-padded input channel-major (C, Hp, Wp), C-contiguous: each tap's slice is then a
    plain 2-D block, so the column matrix is built from long contiguous runs."""
    (top, bottom), (left, right) = pads
    h, w, c = xin.shape
    if c == 1 and not (top or bottom or left or right):
        return xin.reshape(1, h, w)
    xc = np.zeros((c, h + top + bottom, w + left + right), dtype=np.float32)
    xc[:, top : top + h, left : left + w] = xin.transpose(2, 0, 1)
    return xc


def _window_view(xp: np.ndarray, out_hw: Pair, spec: ConvSpec) -> np.ndarray:
    """Zero-copy (H', W', kh, kw, C) view: window (i, j) of the padded input, dilated taps only."""
    s0, s1, s2 = xp.strides
    (sh, sw), (dh, dw) = spec.strides, spec.dilation_rate
    kh, kw = spec.kernel_size
    view = as_strided(
        xp,
        shape=(out_hw[0], out_hw[1], kh, kw, xp.shape[2]),
        strides=(sh * s0, sw * s1, dh * s0, dw * s1, s2),
        writeable=False,
    )
    return view


def _correlate(
    xc: np.ndarray, out_hw: Pair, spec: ConvSpec, kernels: np.ndarray, bias: np.ndarray | None, filter_major: bool
) -> np.ndarray:
    """The pre-activation maps: (F, H', W') when ``filter_major``, else Keras's (H', W', F).

    im2col + one GEMM per row block. The column matrix is tap-major (taps, positions): every row
    is one tap's strided slice of the channel-major padded input, copied in long runs; dilation
    and strides only change the slice. The bias rides in the GEMM as a last row of ones (added
    last, as a separate ``+= bias`` would). Both layouts run the same GEMM, transposed, so they
    agree bit for bit; large scenes go in row blocks so the column buffer is reused.
    """
    oh, ow = out_hw
    kh, kw, c, f = kernels.shape
    (sh, sw), (dh, dw) = spec.strides, spec.dilation_rate
    taps = kh * kw * c
    k = taps + (bias is not None)
    kmat = np.empty((k, f), dtype=np.float32)  # (taps[+1], F): Keras's kernel order, bias last
    kmat[:taps] = kernels.reshape(taps, f)
    if bias is not None:
        kmat[taps] = bias
    if filter_major:
        out = np.empty((f, oh, ow), dtype=np.float32)
    else:
        out = np.empty((oh, ow, f), dtype=np.float32)
    flat = out.reshape(out.shape[0], -1) if filter_major else out.reshape(-1, f)
    rows = max(1, min(oh, _BLOCK_ELEMENTS // max(1, ow * taps)))
    cols = np.empty((k, rows * ow), dtype=np.float32)
    if bias is not None:
        cols[taps] = 1.0
    grid = cols[:taps].reshape(kh, kw, c, rows, ow)
    for r0 in range(0, oh, rows):
        r1 = min(oh, r0 + rows)
        n = (r1 - r0) * ow
        block = grid[:, :, :, : r1 - r0] if r1 - r0 < rows else grid
        top = r0 * sh
        for i in range(kh):
            y0 = top + i * dh
            ys = slice(y0, y0 + (r1 - r0 - 1) * sh + 1, sh)
            for j in range(kw):
                x0 = j * dw
                block[i, j] = xc[:, ys, x0 : x0 + (ow - 1) * sw + 1 : sw]
        part = cols[:, :n]
        if filter_major:
            np.matmul(kmat.T, part, out=flat[:, r0 * ow : r1 * ow])
        else:
            np.matmul(part.T, kmat, out=flat[r0 * ow : r1 * ow])
    return out


@dataclass(frozen=True)
class StepTrace:
    """The arithmetic of one output cell for one filter, as the article writes it out.

    ``rows``/``cols`` are input coordinates of each tap (kh, kw); taps outside the input are
    padding (``is_padding``) and read 0. ``inputs``, ``weights`` and ``products`` are (kh, kw, C).
    """

    filter: int
    out_row: int
    out_col: int
    rows: np.ndarray
    cols: np.ndarray
    is_padding: np.ndarray
    inputs: np.ndarray
    weights: np.ndarray
    products: np.ndarray
    channel_sums: np.ndarray
    total: float
    bias: float
    pre_activation: float
    activation: str
    value: float


@dataclass(frozen=True, eq=False)
class ConvResult:
    """An immutable snapshot of one convolution: what the views draw and what a step reads.

    ``pre_activation`` and ``maps`` are filter-major (F, H', W') so each map is contiguous for
    drawing; ``feature_maps()`` gives Keras's (H', W', F). A step only indexes this snapshot.
    """

    spec: ConvSpec
    input: np.ndarray
    kernels: np.ndarray
    bias: np.ndarray
    padded: np.ndarray
    pads: tuple[Pair, Pair]
    pre_activation: np.ndarray
    maps: np.ndarray
    windows: np.ndarray = field(repr=False)

    @property
    def out_shape(self) -> tuple[int, int, int]:
        return self.maps.shape[1], self.maps.shape[2], self.maps.shape[0]

    @property
    def steps(self) -> int:
        """One step per output position, row-major."""
        return self.maps.shape[1] * self.maps.shape[2]

    def feature_maps(self, activated: bool = True) -> np.ndarray:
        """(H', W', F) as Keras returns them (a transposed view of the filter-major data)."""
        return (self.maps if activated else self.pre_activation).transpose(1, 2, 0)

    def step_position(self, step: int) -> Pair:
        """Output (row, col) of a row-major step index."""
        if not 0 <= step < self.steps:
            raise ConvError(f"step {step} is outside 0..{self.steps - 1}")
        return divmod(step, self.maps.shape[2])

    def tap_coordinates(self, out_row: int, out_col: int) -> tuple[np.ndarray, np.ndarray]:
        """Input (row, col) of every tap of one window, each (kh, kw); may fall in the padding."""
        (top, _), (left, _) = self.pads
        (sh, sw), (dh, dw) = self.spec.strides, self.spec.dilation_rate
        kh, kw = self.spec.kernel_size
        rows = out_row * sh - top + dh * np.arange(kh)
        cols = out_col * sw - left + dw * np.arange(kw)
        return np.repeat(rows[:, None], kw, axis=1), np.repeat(cols[None, :], kh, axis=0)

    def cells_touched_by(self, tap_row: int, tap_col: int) -> list[tuple[int, int]]:
        """Every input cell that kernel weight (tap_row, tap_col) multiplies at some step (padding excluded)."""
        (top, _), (left, _) = self.pads
        (sh, sw), (dh, dw) = self.spec.strides, self.spec.dilation_rate
        oh, ow, _ = self.out_shape
        h, w = self.input.shape[:2]
        rows = [r for r in (i * sh - top + tap_row * dh for i in range(oh)) if 0 <= r < h]
        cols = [c for c in (j * sw - left + tap_col * dw for j in range(ow)) if 0 <= c < w]
        return [(r, c) for r in rows for c in cols]

    def trace(self, filter_index: int, out_row: int, out_col: int) -> StepTrace:
        """The products, channel sums, total, bias and activation of one cell (indexing only)."""
        oh, ow, f = self.out_shape
        if not (0 <= filter_index < f and 0 <= out_row < oh and 0 <= out_col < ow):
            raise ConvError(
                f"no output cell ({out_row}, {out_col}) of filter {filter_index} in a {oh}x{ow}x{f} result"
            )
        inputs = np.array(self.windows[out_row, out_col])
        weights = np.array(self.kernels[:, :, :, filter_index])
        products = inputs * weights
        channel_sums = products.sum(axis=(0, 1), dtype=np.float64)
        total = float(np.float32(channel_sums.sum()))
        bias = float(self.bias[filter_index])
        pre = float(np.float32(total + bias))
        rows, cols = self.tap_coordinates(out_row, out_col)
        h, w = self.input.shape[:2]
        padding = (rows < 0) | (rows >= h) | (cols < 0) | (cols >= w)
        return StepTrace(
            filter=filter_index,
            out_row=out_row,
            out_col=out_col,
            rows=rows,
            cols=cols,
            is_padding=padding,
            inputs=inputs,
            weights=weights,
            products=products,
            channel_sums=channel_sums.astype(np.float32),
            total=total,
            bias=bias,
            pre_activation=pre,
            activation=self.spec.activation,
            value=float(activate(pre, self.spec.activation)),
        )


def compute(x: Any, kernels: Any, bias: Any, spec: ConvSpec) -> ConvResult:
    """Convolve with a validated spec and keep everything a step needs (no copy on a step)."""
    xin = _as_input(x)
    k = _as_kernels(kernels, xin.shape[2])
    if k.shape[:2] != spec.kernel_size or k.shape[3] != spec.filters:
        raise ConvError(
            f"the kernels have shape {k.shape} but the layer asks for "
            f"{spec.kernel_size[0]}x{spec.kernel_size[1]} kernels and {spec.filters} filter(s)"
        )
    b = _as_bias(bias, spec.filters) if spec.use_bias else np.zeros(spec.filters, np.float32)
    oh, ow, f = output_shape(xin.shape, spec)
    pads = padding_amounts(xin.shape[:2], spec)
    if pads == ((0, 0), (0, 0)):
        xp = xin
    else:
        xp = np.pad(xin, (pads[0], pads[1], (0, 0)))
    windows = _window_view(xp, (oh, ow), spec)
    kmat = np.ascontiguousarray(k.reshape(-1, f).T)
    pre = _correlate(windows, kmat)
    if spec.use_bias:
        pre += b[:, None, None]
    maps = pre if spec.activation == "linear" else activate(pre, spec.activation)
    for arr in (xin, k, b, xp, pre, maps):
        arr.flags.writeable = False
    return ConvResult(spec, xin, k, b, xp, pads, pre, maps, windows)


def conv2d(
    x: Any,
    kernels: Any,
    bias: Any = None,
    strides: int | Pair = 1,
    padding: str = "valid",
    dilation_rate: int | Pair = 1,
    activation: str | None = None,
) -> np.ndarray:
    """``keras.layers.Conv2D`` on one channels_last image: returns (H', W', F) float32 maps.

    ``x`` is (H, W, C) or (H, W); ``kernels`` is Keras's (kh, kw, C, F); ``bias`` is (F,) or None.
    Refusals raise :class:`ConvError` with a message in plain words.
    """
    karr = np.asarray(kernels)
    if karr.ndim != 4:
        raise ConvError(f"kernels must be (kh, kw, channels, filters) as in Keras, not shape {karr.shape}")
    spec = ConvSpec(
        filters=int(karr.shape[3]),
        kernel_size=(int(karr.shape[0]), int(karr.shape[1])),
        strides=strides,  # type: ignore[arg-type]
        padding=padding,
        dilation_rate=dilation_rate,  # type: ignore[arg-type]
        activation=activation,  # type: ignore[arg-type]
        use_bias=bias is not None,
    )
    result = compute(x, karr, bias, spec)
    return np.ascontiguousarray(result.feature_maps())
