"""The scene: what kernelscope shows and computes (an input, a layer, its weights, view state), its
limits, and the checks that keep a scene consistent. Files read into these types; the document
holds them. No Qt, no files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from kernelscope.core import engine
from kernelscope.core.colour_scale import COLORMAPS, DEFAULT_COLORMAP
from kernelscope.core.engine import ConvError, ConvSpec
from kernelscope.core.message_text import index_text, kind_of, plural, show_value
from kernelscope.core.numbers import is_whole, whole_pair
from kernelscope.core.paint_tools import VALUE_MODES

MAX_FILTERS = 64
MAX_KERNEL_SIDE = 11
MAX_INPUT_SIDE = 1024
MAX_STRIDE = 1024
MAX_DILATION = 1024
# With padding="same" a widely dilated kernel pads the input by its whole span: cap the span so
# the padded input stays within (2 * 1024)^2 cells.
MAX_KERNEL_SPAN = 1024
MAX_TITLE = 200
MAX_NOTES = 10_000

_VIEW_KEYS = ("value_mode", "selected_filter", "step", "show_activation", "colormap", "shared_scale")


class SessionError(ValueError):
    """A session that cannot be read or written, in one line that names the field or the file."""


# --------------------------------------------------------------------------- field checks


def check_whole(value: Any, name: str, lo: int, hi: int) -> int:
    """A whole number from ``lo`` to ``hi`` (not a bool, not 3.0), else a SessionError naming ``name``."""
    if not is_whole(value) or not lo <= value <= hi:
        raise SessionError(f"{name}: expected a whole number from {lo} to {hi}, got {show_value(value)}")
    return int(value)


def check_pair(value: Any, name: str, lo: int, hi: int) -> tuple[int, int]:
    """Keras's one-or-two whole numbers (kernel_size, strides, dilation) with both from ``lo`` to ``hi``."""
    pair = whole_pair(value)
    if pair is None or not all(lo <= v <= hi for v in pair):
        raise SessionError(f"{name}: expected two whole numbers from {lo} to {hi}, got {show_value(value)}")
    return pair


def check_text(value: Any, name: str, limit: int) -> str:
    """A title or notes: text of at most ``limit`` characters that UTF-8 can store (None reads as "")."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SessionError(f"{name}: expected text, got {kind_of(value)}")
    if len(value) > limit:
        raise SessionError(f"{name}: {len(value)} characters is too long (at most {limit})")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise SessionError(
            f"{name}: character {exc.start} is a lone surrogate (\\u{ord(value[exc.start]):04x}), "
            "which UTF-8 cannot store"
        ) from None
    return value


def check_keys(d: Mapping[Any, Any], known: tuple[str, ...], prefix: str, what: str) -> None:
    """Refuse the first key not in ``known``, naming it and the keys ``what`` does have."""
    for key in d:
        if key not in known:
            name = f"{prefix}{key}" if isinstance(key, str) else f"{prefix}{show_value(key)}"
            raise SessionError(f"{name}: unknown key ({what} has only {', '.join(known)})")


def _immutable_float32(value: Any) -> bool:
    """A float32 array that nobody can change: read-only, as is every array whose memory it uses.

    The document's arrays are such (frozen private copies), so a session of them can share them.
    """
    if type(value) is not np.ndarray or value.dtype != np.float32:
        return False
    arr: Any = value
    while isinstance(arr, np.ndarray):
        if arr.flags.writeable:
            return False
        arr = arr.base
    return arr is None or isinstance(arr, bytes)


def _readonly_float32(value: Any, name: str, ndim: int) -> np.ndarray:
    """A private read-only float32 copy of an array handed to ``Session`` directly (an immutable
    float32 array is shared instead: copying it would only cost time and memory)."""
    try:
        with np.errstate(over="ignore"):
            arr = value if _immutable_float32(value) else np.array(value, dtype=np.float32, copy=True)
    except (TypeError, ValueError, OverflowError) as exc:
        raise SessionError(f"{name}: expected an array of numbers ({exc})") from None
    if arr.ndim != ndim or arr.size == 0:
        raise SessionError(f"{name}: expected a non-empty {ndim}-D array, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise SessionError(
            f"{name}{index_text(idx)}: {show_value(arr[idx])} is not a finite number (or is too large for float32)"
        )
    arr.flags.writeable = False
    return arr


# --------------------------------------------------------------------------- view state


@dataclass(frozen=True)
class ViewState:
    """UI state saved with a session; none of it changes what is computed."""

    value_mode: str = "binary"
    selected_filter: int = 0
    step: int = 0
    show_activation: bool = True
    colormap: str = DEFAULT_COLORMAP
    shared_scale: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.value_mode, str) or self.value_mode not in VALUE_MODES:
            raise SessionError(
                f"view.value_mode: expected one of {', '.join(VALUE_MODES)}, got {show_value(self.value_mode)}"
            )
        for name in ("selected_filter", "step"):
            value = getattr(self, name)
            if not is_whole(value) or value < 0:
                raise SessionError(f"view.{name}: expected a whole number from 0, got {show_value(value)}")
            object.__setattr__(self, name, int(value))
        for name in ("show_activation", "shared_scale"):
            value = getattr(self, name)
            if not isinstance(value, (bool, np.bool_)):
                raise SessionError(f"view.{name}: expected true or false, got {show_value(value)}")
            object.__setattr__(self, name, bool(value))
        if not isinstance(self.colormap, str) or self.colormap not in COLORMAPS:
            names = ", ".join(COLORMAPS)
            raise SessionError(f"view.colormap: expected one of {names}, got {show_value(self.colormap)}")

    def to_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in _VIEW_KEYS}

    @classmethod
    def from_dict(cls, d: Any) -> ViewState:
        """Missing keys take their defaults; unknown keys are refused by name."""
        if d is None:
            return cls()
        if not isinstance(d, Mapping):
            raise SessionError(f"view: expected an object, got {kind_of(d)}")
        check_keys(d, _VIEW_KEYS, "view.", "view")
        return cls(**d)


# --------------------------------------------------------------------------- the session


def check_spec(spec: Any) -> ConvSpec:
    """kernelscope's limits on a ConvSpec (the engine itself only requires >= 1)."""
    if not isinstance(spec, ConvSpec):
        raise SessionError(f"layer: expected a ConvSpec, got {kind_of(spec)}")
    check_whole(spec.filters, "layer.filters", 1, MAX_FILTERS)
    check_pair(list(spec.kernel_size), "layer.kernel_size", 1, MAX_KERNEL_SIDE)
    check_pair(list(spec.strides), "layer.strides", 1, MAX_STRIDE)
    check_pair(list(spec.dilation_rate), "layer.dilation_rate", 1, MAX_DILATION)
    (kh, kw), (dh, dw) = spec.kernel_size, spec.dilation_rate
    sh, sw = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    if max(sh, sw) > MAX_KERNEL_SPAN:
        raise SessionError(
            f"layer.dilation_rate: a {kh}x{kw} kernel dilated by {show_value(list(spec.dilation_rate))} spans "
            f"{sh}x{sw} cells; kernelscope accepts spans up to {MAX_KERNEL_SPAN}"
        )
    return spec


def check_input_shape(shape: tuple[int, ...]) -> None:
    """An (H, W, C) input within the side cap, grey or RGB."""
    h, w, c = shape
    if h > MAX_INPUT_SIDE or w > MAX_INPUT_SIDE:
        raise SessionError(
            f"input: {h}x{w} pixels is larger than {MAX_INPUT_SIDE} on a side "
            "(kernelscope's cap, so that every view stays responsive)"
        )
    if c not in (1, 3):
        raise SessionError(f"input: expected 1 (grey) or 3 (RGB) channels per pixel, got {c}")


def check_fits(input_shape: tuple[int, ...], spec: ConvSpec) -> tuple[int, int]:
    """The engine's own refusal (kernel larger than the input) with the layer named."""
    try:
        oh, ow, _ = engine.output_shape(input_shape, spec)
    except ConvError as exc:
        raise SessionError(f"layer: {exc}") from None
    return oh, ow


def check_kernel_shape(shape: tuple[int, ...], spec: ConvSpec, channels: int) -> None:
    """Kernels in the Keras layout (kh, kw, C, F) that this layer and input need."""
    (kh, kw), f = spec.kernel_size, spec.filters
    if tuple(shape) != (kh, kw, channels, f):
        got = "x".join(str(n) for n in shape)
        raise SessionError(
            f"kernels: shape {got} does not match layer ({kh}x{kw} kernels, "
            f"{plural(channels, 'channel')}, {plural(f, 'filter')})"
        )


def check_bias_shape(shape: tuple[int, ...], filters: int) -> None:
    """One bias per filter."""
    if tuple(shape) != (filters,):
        raise SessionError(f"bias: has {plural(shape[0], 'number')}, expected {filters} (one per filter)")


def check_consistent(x: np.ndarray, k: np.ndarray, b: np.ndarray, spec: ConvSpec, view: ViewState) -> None:
    """Shapes agree with the layer, the kernel fits, and the view points inside the result."""
    check_input_shape(x.shape)
    oh, ow = check_fits(x.shape, spec)
    check_kernel_shape(k.shape, spec, x.shape[2])
    check_bias_shape(b.shape, spec.filters)
    f = spec.filters
    if view.selected_filter >= f:
        raise SessionError(
            f"view.selected_filter: {view.selected_filter} is not a filter of this layer (0 to {f - 1})"
        )
    if view.step >= oh * ow:
        raise SessionError(
            f"view.step: {view.step} is past the last step ({oh * ow - 1}) of a {oh}x{ow} output"
        )


@dataclass(frozen=True, eq=False)
class Session:
    """One complete, consistent scene; its arrays are private read-only float32 copies."""

    input: np.ndarray
    kernels: np.ndarray
    bias: np.ndarray
    spec: ConvSpec
    view: ViewState = ViewState()
    title: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "input", _readonly_float32(self.input, "input", 3))
        object.__setattr__(self, "kernels", _readonly_float32(self.kernels, "kernels", 4))
        object.__setattr__(self, "bias", _readonly_float32(self.bias, "bias", 1))
        check_spec(self.spec)
        if not isinstance(self.view, ViewState):
            raise SessionError(f"view: expected a ViewState, got {kind_of(self.view)}")
        object.__setattr__(self, "title", check_text(self.title, "title", MAX_TITLE))
        object.__setattr__(self, "notes", check_text(self.notes, "notes", MAX_NOTES))
        check_consistent(self.input, self.kernels, self.bias, self.spec, self.view)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Session):
            return NotImplemented
        return (
            self.spec == other.spec
            and self.view == other.view
            and self.title == other.title
            and self.notes == other.notes
            and np.array_equal(self.input, other.input)
            and np.array_equal(self.kernels, other.kernels)
            and np.array_equal(self.bias, other.bias)
        )

    __hash__ = None  # type: ignore[assignment]


def default_session() -> Session:
    """The seed article's scene: a 5x5 X in black (-1) on white (+1) and its line kernel."""
    diagonals = np.eye(5, dtype=bool) | np.eye(5, dtype=bool)[::-1]
    x = np.where(diagonals, -1.0, 1.0).astype(np.float32)[:, :, None]
    k = np.array([[1, 1, 1], [-1, -1, -1], [1, 1, 1]], dtype=np.float32)[:, :, None, None]
    return Session(
        input=x,
        kernels=k,
        bias=np.zeros(1, np.float32),
        spec=ConvSpec(1, (3, 3)),
        view=ViewState(),
        title="The article's X",
        notes=(
            "A 5x5 X drawn in black (-1) on white (+1) and a 3x3 line kernel: "
            "the first window sums to 1, and stride 1 gives a 3x3 feature map."
        ),
    )


