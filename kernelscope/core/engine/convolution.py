"""Keras ``Conv2D`` in pure NumPy: shapes, padding, activations, the convolution and its step trace.

Everything the app shows comes from here, so it follows ``keras.layers.Conv2D`` exactly
(channels_last, one image, cross-correlation, Keras's asymmetric "same" split and its activation
formulas). This module never imports Qt.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kernelscope.core.engine.buffer_pool import POOLED_MIN_BYTES, BufferPool
from kernelscope.core.engine.checked import IdentityCache, immutable_float32
from kernelscope.core.numbers import whole_pair

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
_BLOCK_ELEMENTS = 1 << 19
# Each thread keeps its im2col buffer (up to this many float32) for the next call: a fresh one of a
# few MB can cost more in page faults than the GEMM itself.
_SCRATCH_KEEP = 1 << 22
_scratch = threading.local()
# Results' arrays (the padded input, the maps) come from here: memory that is already mapped.
_pool = BufferPool()
# Activations other than relu and linear run in float64 over this many values at a time: each
# value's formula is elementwise, so the numbers are those of one pass over the whole array, while
# the float64 temporaries stay a few hundred kB instead of several times the maps' size.
ACTIVATION_BLOCK = 1 << 16


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
    out: np.ndarray = np.where(x >= 0, ans, 2.0 - ans)
    return out


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


def _activate_maps(pre: np.ndarray, name: str) -> np.ndarray:
    """The activated maps: relu, the common case, straight in float32 (max(z, 0) is exact, so
    the same bits as :func:`activate` without its float64 copies); the others through the same
    float64 formula, a block at a time (see ``ACTIVATION_BLOCK``)."""
    out: np.ndarray = _pool.empty(pre.shape)
    if name == "relu":
        np.maximum(pre, np.float32(0), out=out)
        return out
    fn = ACTIVATIONS[name]
    src, dst = pre.reshape(-1), out.reshape(-1)
    for start in range(0, src.size, ACTIVATION_BLOCK):
        block = src[start : start + ACTIVATION_BLOCK]
        dst[start : start + block.size] = fn(block.astype(np.float64))
    return out


# --------------------------------------------------------------------------- the layer


def as_pair(value: Any, name: str) -> Pair:
    """Keras accepts an int or a pair for kernel_size, strides and dilation_rate."""
    pair = whole_pair(value)
    if pair is None:
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


# dtype kinds np.issubdtype(dtype, np.number) accepts, less complex: ints, uints, floats, timedelta.
_REAL_KINDS = "iufm"


def _float32_copy(arr: np.ndarray) -> np.ndarray:
    """A private C-contiguous float32 copy: never the caller's array, so the snapshot cannot change
    under us and the caller's array is not made read-only. Values beyond float32 become inf
    silently here and are refused by the caller's finiteness check."""
    if arr.nbytes < POOLED_MIN_BYTES:  # kernels, bias, small inputs: malloc's own memory
        if arr.dtype == np.float32:  # nothing to round: skip the errstate context (a microsecond)
            same: np.ndarray = arr.copy(order="C")
            return same
        with np.errstate(over="ignore", invalid="ignore"):
            return np.array(arr, dtype=np.float32, order="C")
    out = _pool.empty(arr.shape)
    with np.errstate(over="ignore", invalid="ignore"):
        np.copyto(out, arr, casting="unsafe")
    return out


def _real_float32(arr: np.ndarray, what: str, not_finite: str) -> np.ndarray:
    """The one check every array goes through: real numbers, copied to float32, all finite."""
    if arr.dtype.kind not in _REAL_KINDS:
        raise ConvError(f"{what} must hold real numbers")
    out = _float32_copy(arr)
    if not np.isfinite(out).all():
        raise ConvError(f"{not_finite} is not a finite number (nan, inf or too large)")
    return out


# Immutable inputs whose values were found finite (the document's input, a pool's output).
_checked_inputs: IdentityCache[bool] = IdentityCache(16)
# Immutable kernels (and bias) turned into the GEMM's matrix: (matrix, kernels view, bias view),
# for matrices up to WEIGHTS_KEEP float32 (where checks cost more than the convolution).
_weights_cache: IdentityCache[tuple[np.ndarray, np.ndarray, np.ndarray]] = IdentityCache(32)
WEIGHTS_KEEP = 1 << 18
# The im2col matrix of an immutable input is kept up to this many float32 for the next weight edit
# (the input has not changed, so neither have its columns). Their buffers come from a pool of
# their own: a fresh one at every paint stroke would fault in every page.
COLUMNS_KEEP = 1 << 21
_columns_pool = BufferPool(keep=4)


def _as_input(x: Any) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if arr.ndim != 3 or min(arr.shape) < 1:
        raise ConvError(f"the input must be (height, width) or (height, width, channels), not shape {arr.shape}")
    checked = type(x) is np.ndarray and _checked_inputs.get((x,)) is not None  # forgets one made writable
    if arr.flags.c_contiguous and immutable_float32(x):  # nobody can change it: no private copy needed
        if not checked:
            if not np.isfinite(arr).all():
                raise ConvError("a value in the input is not a finite number (nan, inf or too large)")
            _checked_inputs.put((x,), True)
        return arr
    return _real_float32(arr, "the input", "a value in the input")


def _weights(kernels: Any, bias: Any, spec: ConvSpec, channels: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The read-only weights matrix (see :func:`_kernel_matrix`) and the result's kernels and bias,
    views of it; made once and kept for immutable kernels and bias (checked as they were then)."""
    bias_used = bias if spec.use_bias else None
    key = (kernels,) if bias_used is None else (kernels, bias_used)
    extra = (spec.kernel_size, spec.filters, channels)
    if type(kernels) is np.ndarray and (bias_used is None or type(bias_used) is np.ndarray):
        cached = _weights_cache.get(key, extra)  # also forgets arrays made writable again
        if cached is not None:
            return cached
    trusted = immutable_float32(kernels) and (bias_used is None or immutable_float32(bias_used))
    kmat = _kernel_matrix(kernels, bias, spec, channels)
    kmat.flags.writeable = False  # the result's kernels and bias are views of it
    (kh, kw), f = spec.kernel_size, spec.filters
    k = kmat[:, : kh * kw * channels].T.reshape(kh, kw, channels, f)
    if bias_used is not None:
        b = kmat[:, -1]
    else:
        b = np.zeros(f, dtype=np.float32)
        b.flags.writeable = False
    if trusted and kmat.size <= WEIGHTS_KEEP:  # kept: the arrays themselves only weakly
        _weights_cache.put(key, (kmat, k, b), extra)
    return kmat, k, b


def prepare_weights(kernels: np.ndarray, bias: np.ndarray, spec: ConvSpec) -> None:
    """Make and keep the weights matrix of immutable ``kernels`` and ``bias`` now, where a layer is
    made (the document's edge), so the compute that follows finds it; a refusal is left to it."""
    try:
        _weights(kernels, bias, spec, int(kernels.shape[2]) if kernels.ndim == 4 else 0)
    except ConvError:
        pass


def _kernel_matrix(kernels: Any, bias: Any, spec: ConvSpec, channels: int) -> np.ndarray:
    """The weights as the GEMM reads them: a private (F, kh*kw*C [+ 1]) float32 matrix, filter-major,
    taps in Keras's (kh, kw, C) order, the bias as a last column when the layer has one.

    Kernels and bias are copied once, into this matrix, and checked for finiteness together; the
    result's ``kernels`` and ``bias`` are read-only views of it.
    """
    karr = np.asarray(kernels)
    if karr.ndim != 4 or min(karr.shape) < 1:
        raise ConvError(f"kernels must be (kh, kw, channels, filters) as in Keras, not shape {karr.shape}")
    if karr.dtype.kind not in _REAL_KINDS:
        raise ConvError("the kernels must hold real numbers")
    kh, kw, c, f = karr.shape
    if c != channels:
        raise ConvError(
            f"the kernels have {c} input channel(s) but the input has {channels}: "
            "each filter needs one kernel slice per input channel"
        )
    if (kh, kw) != spec.kernel_size or f != spec.filters:
        raise ConvError(
            f"the kernels have shape {karr.shape} but the layer asks for "
            f"{spec.kernel_size[0]}x{spec.kernel_size[1]} kernels and {spec.filters} filter(s)"
        )
    barr: np.ndarray | None = None
    if spec.use_bias and bias is not None:
        barr = np.asarray(bias)
        if barr.shape != (f,):
            raise ConvError(f"bias must hold one number per filter ({f}), not shape {barr.shape}")
        if barr.dtype.kind not in _REAL_KINDS:
            raise ConvError("the bias must hold real numbers")
    taps = kh * kw * c
    kmat = np.empty((f, taps + spec.use_bias), dtype=np.float32)
    if karr.dtype == np.float32 and (barr is None or barr.dtype == np.float32):
        _fill_kernel_matrix(kmat, karr, barr, taps)
    else:  # beyond float32 becomes inf in the cast, refused below
        with np.errstate(over="ignore", invalid="ignore"):
            _fill_kernel_matrix(kmat, karr, barr, taps)
    if not np.isfinite(kmat).all():
        what = "a kernel weight" if not np.isfinite(kmat[:, :taps]).all() else "a bias"
        raise ConvError(f"{what} is not a finite number (nan, inf or too large)")
    return kmat


def _fill_kernel_matrix(kmat: np.ndarray, karr: np.ndarray, barr: np.ndarray | None, taps: int) -> None:
    kmat[:, :taps] = karr.reshape(taps, kmat.shape[0]).T
    if kmat.shape[1] > taps:
        kmat[:, taps] = 0.0 if barr is None else barr


# --------------------------------------------------------------------------- the convolution


def _padded_channels(xin: np.ndarray, pads: tuple[Pair, Pair]) -> np.ndarray:
    """The zero-padded input channel-major (C, Hp, Wp), C-contiguous: each tap's slice is then a
    plain 2-D block, so the column matrix is built from long contiguous runs."""
    (top, bottom), (left, right) = pads
    h, w, c = xin.shape
    if c == 1 and not (top or bottom or left or right):
        return xin.reshape(1, h, w)
    hp, wp = h + top + bottom, w + left + right
    xc = _pool.empty((c, hp, wp))
    if top or bottom or left or right:  # zero only the ring: the inside is written next
        xc[:, :top] = 0
        xc[:, top + h :] = 0
        xc[:, top : top + h, :left] = 0
        xc[:, top : top + h, left + w :] = 0
    xc[:, top : top + h, left : left + w] = xin.transpose(2, 0, 1)
    return xc


def _strided(base: np.ndarray, shape: tuple[int, ...], strides: tuple[int, ...], offset: int = 0) -> np.ndarray:
    """A zero-copy view of C-contiguous ``base``, without ``as_strided``'s per-call overhead (NumPy
    still checks that every element lies inside ``base``); read-only when ``base`` is."""
    view: np.ndarray = np.ndarray(shape, dtype=base.dtype, buffer=base, offset=offset, strides=strides)
    return view


def _window_view(xc: np.ndarray, out_hw: Pair, spec: ConvSpec) -> np.ndarray:
    """Zero-copy read-only (H', W', kh, kw, C) view of the channel-major padded input ``xc``:
    window (i, j), dilated taps only."""
    sc, sy, sx = xc.strides
    (sh, sw), (dh, dw) = spec.strides, spec.dilation_rate
    kh, kw = spec.kernel_size
    view = _strided(xc, (out_hw[0], out_hw[1], kh, kw, xc.shape[0]), (sh * sy, sw * sx, dh * sy, dw * sx, sc))
    view.flags.writeable = False
    return view


def _scratch_buffer(name: str, size: int) -> np.ndarray:
    """``size`` float32 of this thread's reusable scratch ``name`` (contents undefined)."""
    buf: np.ndarray | None = getattr(_scratch, name, None)
    if buf is None or buf.size < size:
        buf = np.empty(size, dtype=np.float32)
        if size <= _SCRATCH_KEEP:
            setattr(_scratch, name, buf)
    return buf[:size]


def _correlate(
    xc: np.ndarray, out_hw: Pair, spec: ConvSpec, kmat: np.ndarray, keras_layout: bool = False,
    columns: np.ndarray | None = None, columns_ready: bool = False,
) -> np.ndarray:
    """The pre-activation maps (F, H', W'), filter-major, from the weights matrix ``kmat`` (see
    :func:`_kernel_matrix`: the bias rides in it as a last column when the layer has one); with
    ``keras_layout`` (H', W', F) instead, from the same GEMMs, so the numbers agree bit for bit.

    im2col + one GEMM per row block. The column matrix is tap-major (taps, positions), copied in
    one call from a zero-copy (kh, kw, C, rows, W') view of the channel-major padded input whose
    innermost runs are output rows (contiguous at stride 1; dilation only moves where a tap's
    slice starts). The GEMM is (F, taps) @ (taps, positions): every map comes out contiguous.
    The bias rides in the GEMM as a last row of ones, added after every tap as ``+= bias`` would.
    Large scenes go in row blocks so the column buffer stays cache-sized and is reused. Keras's
    layout transposes each block's product while it is still in cache (BLAS rounds a product
    computed the other way round differently, so the GEMM itself stays filter-major).

    ``columns``, a (kmat's columns, H' W') matrix, receives the whole column matrix instead of the
    scratch buffer, and with ``columns_ready`` already holds it (made from the same input): the
    GEMMs are the same either way, so are the numbers.
    """
    oh, ow = out_hw
    (kh, kw), c = spec.kernel_size, xc.shape[0]
    (sh, sw), (dh, dw) = spec.strides, spec.dilation_rate
    taps = kh * kw * c
    f, k = kmat.shape  # k is taps + 1 with a bias column
    rows = max(1, min(oh, _BLOCK_ELEMENTS // max(1, ow * taps)))
    if keras_layout:
        out = _pool.empty((oh, ow, f))
        positions = out.reshape(oh * ow, f)
        product = _scratch_buffer("product", f * rows * ow).reshape(f, rows * ow)
    else:
        out = _pool.empty((f, oh, ow))
        flat = out.reshape(f, oh * ow)
    if rows == oh and columns_ready and columns is not None and not keras_layout:  # one block, kept: the GEMM alone
        np.matmul(kmat, columns, out=flat)
        return out
    whole = columns is not None
    cols = columns if columns is not None else _scratch_buffer("columns", k * rows * ow).reshape(k, rows * ow)
    if k > taps and not columns_ready:
        cols[taps] = 1.0
    grid = cols[:taps].reshape(kh, kw, c, oh if whole else rows, ow)  # contiguous: a view
    sc, sy, sx = xc.strides
    for r0 in range(0, oh, rows):
        r1 = min(oh, r0 + rows)
        n = (r1 - r0) * ow
        block = cols[:, r0 * ow : r1 * ow] if whole else cols[:, :n]
        if not columns_ready:
            # (kh, kw, C, rows, W') taps of rows r0..r1: element [i, j, ch, r, q] is
            # xc[ch, (r0 + r) * sh + i * dh, q * sw + j * dw].
            src = _strided(xc, (kh, kw, c, r1 - r0, ow), (dh * sy, dw * sx, sc, sh * sy, sw * sx), r0 * sh * sy)
            g0 = r0 if whole else 0
            grid[:, :, :, g0 : g0 + r1 - r0] = src
        if keras_layout:
            np.matmul(kmat, block, out=product[:, :n])
            positions[r0 * ow : r1 * ow] = product[:, :n].T
        else:
            np.matmul(kmat, block, out=flat[:, r0 * ow : r1 * ow])
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
    channels: np.ndarray = field(repr=False)  # the padded input channel-major (C, Hp, Wp), contiguous

    @functools.cached_property
    def windows(self) -> np.ndarray:
        """Zero-copy read-only (H', W', kh, kw, C) view: window (i, j), dilated taps only (made
        at the first step, not at every recompute)."""
        return _window_view(self.channels, self.maps.shape[1:], self.spec)

    @property
    def out_shape(self) -> tuple[int, int, int]:
        return self.maps.shape[1], self.maps.shape[2], self.maps.shape[0]

    def value_range(self, activated: bool = True) -> np.ndarray:
        """(F, 2) smallest and largest value of each map, computed once and kept: the compute
        worker asks first, so the UI thread's colour scale costs nothing on big scenes."""
        # Linear layers' maps are their pre-activation: one range serves both.
        key = "_range_activated" if activated and self.maps is not self.pre_activation else "_range_pre"
        cached: np.ndarray | None = self.__dict__.get(key)
        if cached is None:
            arr = self.maps if activated else self.pre_activation
            flat = arr.reshape(arr.shape[0], -1)
            cached = np.stack([flat.min(axis=1), flat.max(axis=1)], axis=1)
            cached.flags.writeable = False
            self.__dict__[key] = cached  # a frozen dataclass: the cache bypasses __setattr__
        return cached

    @property
    def steps(self) -> int:
        """One step per output position, row-major."""
        return int(self.maps.shape[1] * self.maps.shape[2])

    def feature_maps(self, activated: bool = True) -> np.ndarray:
        """(H', W', F) as Keras returns them (a transposed view of the filter-major data)."""
        maps: np.ndarray = (self.maps if activated else self.pre_activation).transpose(1, 2, 0)
        return maps

    def step_position(self, step: int) -> Pair:
        """Output (row, col) of a row-major step index."""
        if not 0 <= step < self.steps:
            raise ConvError(f"step {step} is outside 0..{self.steps - 1}")
        row, col = divmod(step, int(self.maps.shape[2]))
        return row, col

    def tap_coordinates(self, out_row: int, out_col: int) -> tuple[np.ndarray, np.ndarray]:
        """Input (row, col) of every tap of one window, each (kh, kw); may fall in the padding."""
        (top, _), (left, _) = self.pads
        (sh, sw) = self.spec.strides
        row_steps, col_steps, zeros = self._tap_steps
        rows = (out_row * sh - top) + row_steps
        cols = (out_col * sw - left) + col_steps
        return rows + zeros, cols + zeros

    @functools.cached_property
    def _tap_steps(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Tap offsets from a window's corner: (kh, 1) rows, (1, kw) cols, and (kh, kw) zeros to
        broadcast them (computed once per result; a step then costs a few additions)."""
        (dh, dw), (kh, kw) = self.spec.dilation_rate, self.spec.kernel_size
        return dh * np.arange(kh)[:, None], dw * np.arange(kw)[None, :], np.zeros((kh, kw), dtype=np.int64)

    def cells_touched_by(self, tap_row: int, tap_col: int) -> list[tuple[int, int]]:
        """Every input cell that kernel weight (tap_row, tap_col) multiplies at some step (padding excluded)."""
        (top, _), (left, _) = self.pads
        (sh, sw), (dh, dw) = self.spec.strides, self.spec.dilation_rate
        oh, ow, _ = self.out_shape
        h, w = self.input.shape[:2]
        rows = [r for r in (i * sh - top + tap_row * dh for i in range(oh)) if 0 <= r < h]
        cols = [c for c in (j * sw - left + tap_col * dw for j in range(ow)) if 0 <= c < w]
        return [(r, c) for r in rows for c in cols]

    @property
    def output(self) -> np.ndarray:
        """The activated maps (H', W', F) as Keras returns them (the stack's common interface)."""
        return self.feature_maps()

    def trace_cell(self, index: tuple[int, ...], /) -> StepTrace:
        """:meth:`trace` by an index into :attr:`output`: (row, col, filter)."""
        if len(index) != 3:
            raise ConvError(f"a Conv2D output cell is (row, col, filter), not {index}")
        row, col, filter_index = index
        return self.trace(filter_index, row, col)

    def trace(self, filter_index: int, out_row: int, out_col: int) -> StepTrace:
        """The products, channel sums, total, bias and activation of one cell (indexing only)."""
        oh, ow, f = self.out_shape
        if not (0 <= filter_index < f and 0 <= out_row < oh and 0 <= out_col < ow):
            raise ConvError(
                f"no output cell ({out_row}, {out_col}) of filter {filter_index} in a {oh}x{ow}x{f} result"
            )
        inputs = self.windows[out_row, out_col].copy()
        weights = self.kernels[:, :, :, filter_index].copy()
        products = inputs * weights
        channel_sums = products.sum(axis=(0, 1), dtype=np.float64)
        total = float(np.float32(channel_sums.sum()))
        bias = float(self.bias[filter_index])
        pre = float(np.float32(total + bias))
        rows, cols = self.tap_coordinates(out_row, out_col)
        h, w = self.input.shape[:2]
        if 0 <= rows[0, 0] and rows[-1, -1] < h and 0 <= cols[0, 0] and cols[-1, -1] < w:
            padding = np.zeros(rows.shape, dtype=bool)  # the whole window is inside the input
        else:
            padding = (rows < 0) | (rows >= h) | (cols < 0) | (cols >= w)
        activation = self.spec.activation
        # linear returns its float32 input unchanged: skip the float64 round trip.
        value = pre if activation == "linear" else float(activate(pre, activation))
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
            activation=activation,
            value=value,
        )


def _prepare(
    x: Any, kernels: Any, bias: Any, spec: ConvSpec
) -> tuple[np.ndarray, np.ndarray, tuple[int, int, int], tuple[Pair, Pair], np.ndarray]:
    """Validated private read-only float32 copies (the input, the weights matrix), the output
    shape, the padding and the padded channel-major input (read-only too)."""
    xin, (kmat, _, _), out, pads, xc = _prepare_all(x, kernels, bias, spec)
    return xin, kmat, out, pads, xc


def _prepare_all(
    x: Any, kernels: Any, bias: Any, spec: ConvSpec
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray], tuple[int, int, int], tuple[Pair, Pair], np.ndarray]:
    """:func:`_prepare`, with the result's kernels and bias views beside the weights matrix."""
    xin = _as_input(x)
    weights = _weights(kernels, bias, spec, xin.shape[2])
    out = output_shape(xin.shape, spec)
    pads = padding_amounts(xin.shape[:2], spec)
    xin.flags.writeable = False  # before the padded copy, so a view of it is read-only too
    xc = _padded_channels(xin, pads)
    xc.flags.writeable = False
    return xin, weights, out, pads, xc


@dataclass(frozen=True, eq=False)
class _InputPlan:
    """What a compute derives from an immutable input alone, for the next compute on it (a weight
    edit does not change the input): the shapes, the padded channel-major input and, when small
    enough, the filled im2col matrix."""

    out_hw: Pair
    pads: tuple[Pair, Pair]
    channels: np.ndarray
    columns: np.ndarray | None


# Plans of the last immutable inputs of up to PLAN_KEEP_BYTES, keyed by the input and the layer's
# geometry (a plan holds a padded copy of its input).
_plans: IdentityCache[_InputPlan] = IdentityCache(2)
PLAN_KEEP_BYTES = 16 << 20


def compute(x: Any, kernels: Any, bias: Any, spec: ConvSpec) -> ConvResult:
    """Convolve with a validated spec and keep everything a step needs (no copy on a step)."""
    geometry = (spec.kernel_size, spec.strides, spec.padding, spec.dilation_rate, spec.use_bias)
    plan = _plans.get((x,), geometry) if type(x) is np.ndarray else None
    if plan is not None:
        xin = x if x.ndim == 3 else x[:, :, None]
        xc, pads, (oh, ow) = plan.channels, plan.pads, plan.out_hw
        kmat, k, b = _weights(kernels, bias, spec, xin.shape[2])
        pre = _correlate(xc, (oh, ow), spec, kmat, columns=plan.columns, columns_ready=plan.columns is not None)
    else:
        # A plan pins its padded copy (a pooled buffer): made at the second compute on an input (a
        # weight edit), not for the new input of every paint stroke.
        seen = type(x) is np.ndarray and _checked_inputs.get((x,)) is not None
        xin, (kmat, k, b), (oh, ow, _), pads, xc = _prepare_all(x, kernels, bias, spec)
        keep = seen and (xin is x or xin.base is x) and xin.nbytes <= PLAN_KEEP_BYTES and immutable_float32(x)
        columns = None
        if keep and kmat.shape[1] * oh * ow <= COLUMNS_KEEP:
            columns = _columns_pool.empty((kmat.shape[1], oh * ow))
        pre = _correlate(xc, (oh, ow), spec, kmat, columns=columns)
        if keep:  # filled now: kept for the next weight edit
            if columns is not None:
                columns.flags.writeable = False
            _plans.put((x,), _InputPlan((oh, ow), pads, xc, columns), geometry)
    pre.flags.writeable = False
    if spec.activation == "linear":
        maps = pre
    else:
        maps = _activate_maps(pre, spec.activation)
        maps.flags.writeable = False
    return ConvResult(spec, xin, k, b, xc.transpose(1, 2, 0), pads, pre, maps, xc)


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
    _, kmat, (oh, ow, _), _, xc = _prepare(x, karr, bias, spec)
    pre = _correlate(xc, (oh, ow), spec, kmat, keras_layout=True)
    return pre if spec.activation == "linear" else _activate_maps(pre, spec.activation)
