"""Session files (``.kscope``): a scene as versioned, human-editable JSON, validated on the way in.

A session is the input, the kernels, the bias, the layer and a little UI state. Reading is a pure
function (``session_from_dict``) that either returns a complete, consistent :class:`Session` or
raises one :class:`SessionError` naming the field, so a bad file never half-applies. Writing is
exact: every float32 is written with its shortest decimal form (``0.1`` stays ``0.1``, ``-1`` is
not ``-1.0``), so save -> load -> save is byte-identical. This module never imports Qt.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kernelscope import engine
from kernelscope.atomic_file import write_atomic
from kernelscope.colormaps import COLORMAPS, DEFAULT_COLORMAP
from kernelscope.engine import ConvError, ConvSpec

__all__ = [
    "FORMAT",
    "MAX_FILE_BYTES",
    "MAX_FILTERS",
    "MAX_INPUT_SIDE",
    "MAX_KERNEL_SIDE",
    "MAX_KERNEL_SPAN",
    "SUFFIX",
    "VALUE_MODES",
    "VERSION",
    "Session",
    "SessionError",
    "ViewState",
    "default_session",
    "dumps_session",
    "lessons_dir",
    "load_session",
    "loads_session",
    "resources_dir",
    "save_session",
    "session_from_dict",
    "session_to_dict",
]

FORMAT = "kernelscope-session"
VERSION = 1
SUFFIX = ".kscope"

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
MAX_FILE_BYTES = 256 * 1024 * 1024

VALUE_MODES: dict[str, tuple[float, float]] = {
    "binary": (-1.0, 1.0),
    "grey": (0.0, 1.0),
    "byte": (0.0, 255.0),
}
"""Painting value modes: name -> (min, max). "binary" is the article's black -1 / white +1."""

_TOP_KEYS = ("format", "version", "title", "notes", "layer", "input", "kernels", "bias", "view")
_LAYER_KEYS = ("filters", "kernel_size", "strides", "padding", "dilation_rate", "activation", "use_bias")
_VIEW_KEYS = ("value_mode", "selected_filter", "step", "show_activation", "colormap", "shared_scale")
_NUMBER_TYPES = frozenset({int, float})
_F32_MAX = float(np.finfo(np.float32).max)
_TOO_LARGE = "is too large for a 32-bit float (at most 3.4028235e+38)"


class SessionError(ValueError):
    """A session that cannot be read or written, in one line that names the field or the file."""


# --------------------------------------------------------------------------- small helpers


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _show(value: Any, depth: int = 0) -> str:
    """A short JSON-like rendering of any value for a message (bounded, never raises)."""
    if value is None:
        return "null"
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        value = int(value)
        return str(value) if value.bit_length() <= 64 else "a very large whole number"
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if f != f:
            return "NaN"
        if f in (float("inf"), float("-inf")):
            return "Infinity" if f > 0 else "-Infinity"
        return repr(f)
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:40] + "..."
        return json.dumps(text, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        if depth >= 2:
            return "[...]" if value else "[]"
        items = [_show(v, depth + 1) for v in value[:4]]
        if len(value) > 4:
            items.append(f"... ({len(value)} items)")
        return "[" + ", ".join(items) + "]"
    if isinstance(value, Mapping):
        if depth >= 2 or len(value) > 4:
            return "{...}" if value else "{}"
        return "{" + ", ".join(f"{_show(k, 2)}: {_show(v, depth + 1)}" for k, v in value.items()) + "}"
    return f"a {type(value).__name__}"


def _kind(value: Any) -> str:
    """What a JSON value is, in words, for "expected X, got <kind>"."""
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return _show(value)


def _index(path: tuple[int, ...]) -> str:
    return "".join(f"[{i}]" for i in path)


def _is_whole(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _whole(value: Any, name: str, lo: int, hi: int) -> int:
    if not _is_whole(value) or not lo <= value <= hi:
        raise SessionError(f"{name}: expected a whole number from {lo} to {hi}, got {_show(value)}")
    return int(value)


def _pair(value: Any, name: str, lo: int, hi: int) -> tuple[int, int]:
    """Keras accepts one whole number for both sides or a pair (kernel_size, strides, dilation)."""
    if _is_whole(value):
        pair = (value, value)
    elif isinstance(value, (list, tuple)) and len(value) == 2 and all(_is_whole(v) for v in value):
        pair = (value[0], value[1])
    else:
        pair = None
    if pair is None or not all(lo <= v <= hi for v in pair):
        raise SessionError(f"{name}: expected two whole numbers from {lo} to {hi}, got {_show(value)}")
    return int(pair[0]), int(pair[1])


def _text(value: Any, name: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SessionError(f"{name}: expected text, got {_kind(value)}")
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


def _check_keys(d: Mapping[Any, Any], known: tuple[str, ...], prefix: str, what: str) -> None:
    for key in d:
        if key not in known:
            name = f"{prefix}{key}" if isinstance(key, str) else f"{prefix}{_show(key)}"
            raise SessionError(f"{name}: unknown key ({what} has only {', '.join(known)})")


# --------------------------------------------------------------------------- number arrays


def _shape_of(value: Any, name: str, levels: int, describe: str) -> tuple[int, ...]:
    """The shape implied by following the first element down ``levels`` nested lists."""
    shape: list[int] = []
    v = value
    path: tuple[int, ...] = ()
    for _ in range(levels):
        if not isinstance(v, (list, tuple)):
            where = f"got {_kind(value)}" if not path else f"{name}{_index(path)} is {_kind(v)}"
            raise SessionError(f"{name}: expected {describe}, {levels} levels of nested lists; {where}")
        if len(v) == 0:
            raise SessionError(f"{name}{_index(path)}: is an empty list; expected {describe}")
        shape.append(len(v))
        v = v[0]
        path += (0,)
    return tuple(shape)


def _rows_of_numbers(rows: list[Any] | tuple[Any, ...], length: int) -> bool:
    """Whether every item is a list (or tuple) of ``length`` plain numbers; False sends the caller
    to the item-by-item walk that names the first bad one."""
    return all(type(r) in (list, tuple) and len(r) == length for r in rows) and _NUMBER_TYPES.issuperset(
        map(type, itertools.chain.from_iterable(rows))
    )


def _check_rectangular(value: Any, shape: tuple[int, ...], name: str) -> None:
    """Every list has the length of its first sibling, and the innermost ones hold only numbers."""
    last = len(shape) - 1

    def walk(v: Any, depth: int, path: tuple[int, ...]) -> None:
        if not isinstance(v, (list, tuple)):
            raise SessionError(
                f"{name}{_index(path)}: expected a list of {shape[depth]}, got {_kind(v)} "
                "(every row must have the same shape)"
            )
        if len(v) != shape[depth]:
            first = f"{name}{_index((0,) * depth)}"
            raise SessionError(
                f"{name}{_index(path)}: has {_plural(len(v), 'item')} but {first} has {shape[depth]}; "
                "every row must be the same length"
            )
        if depth == last:
            if not _NUMBER_TYPES.issuperset(map(type, v)):
                for i, x in enumerate(v):
                    if not _is_number(x):
                        raise SessionError(f"{name}{_index((*path, i))}: expected a number, got {_kind(x)}")
            return
        if depth == last - 1 and _rows_of_numbers(v, shape[last]):
            return  # the common case in one pass (a 150x150x3 picture is 22,500 pixel lists)
        for i, x in enumerate(v):
            walk(x, depth + 1, (*path, i))

    walk(value, 0, ())


def _first_where(
    value: Any, shape: tuple[int, ...], test: Callable[[Any], bool]
) -> tuple[tuple[int, ...], Any]:
    for idx in np.ndindex(*shape):
        v = value
        for i in idx:
            v = v[i]
        if test(v):
            return idx, v
    raise AssertionError("unreachable")  # pragma: no cover


def _to_float32(value: Any, shape: tuple[int, ...], name: str) -> np.ndarray:
    """Finite float32 values from checked nested lists; NaN, Infinity and overflow are refused."""
    try:
        arr64 = np.array(value, dtype=np.float64)
    except OverflowError:
        idx, v = _first_where(value, shape, lambda x: isinstance(x, int) and abs(x) > _F32_MAX)
        raise SessionError(f"{name}{_index(idx)}: {_show(v)} {_TOO_LARGE}") from None
    bad = ~np.isfinite(arr64)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise SessionError(
            f"{name}{_index(idx)}: {_show(arr64[idx])} is not a finite number "
            "(NaN and Infinity are not allowed)"
        )
    with np.errstate(over="ignore"):
        arr = arr64.astype(np.float32)
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise SessionError(f"{name}{_index(idx)}: {_show(arr64[idx])} {_TOO_LARGE}")
    arr.flags.writeable = False
    return arr


def _number_array(
    value: Any, name: str, levels: int, describe: str, limit: Callable[[tuple[int, ...]], None] | None = None
) -> np.ndarray:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    shape = _shape_of(value, name, levels, describe)
    if limit is not None:
        limit(shape)
    _check_rectangular(value, shape, name)
    return _to_float32(value, shape, name)


def _readonly_float32(value: Any, name: str, ndim: int) -> np.ndarray:
    """A private read-only float32 copy of an array handed to ``Session`` directly."""
    try:
        with np.errstate(over="ignore"):
            arr = np.array(value, dtype=np.float32, copy=True)
    except (TypeError, ValueError, OverflowError) as exc:
        raise SessionError(f"{name}: expected an array of numbers ({exc})") from None
    if arr.ndim != ndim or arr.size == 0:
        raise SessionError(f"{name}: expected a non-empty {ndim}-D array, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise SessionError(
            f"{name}{_index(idx)}: {_show(arr[idx])} is not a finite number (or is too large for float32)"
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
                f"view.value_mode: expected one of {', '.join(VALUE_MODES)}, got {_show(self.value_mode)}"
            )
        for name in ("selected_filter", "step"):
            value = getattr(self, name)
            if not _is_whole(value) or value < 0:
                raise SessionError(f"view.{name}: expected a whole number from 0, got {_show(value)}")
            object.__setattr__(self, name, int(value))
        for name in ("show_activation", "shared_scale"):
            value = getattr(self, name)
            if not isinstance(value, (bool, np.bool_)):
                raise SessionError(f"view.{name}: expected true or false, got {_show(value)}")
            object.__setattr__(self, name, bool(value))
        if not isinstance(self.colormap, str) or self.colormap not in COLORMAPS:
            names = ", ".join(COLORMAPS)
            raise SessionError(f"view.colormap: expected one of {names}, got {_show(self.colormap)}")

    def to_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in _VIEW_KEYS}

    @classmethod
    def from_dict(cls, d: Any) -> ViewState:
        """Missing keys take their defaults; unknown keys are refused by name."""
        if d is None:
            return cls()
        if not isinstance(d, Mapping):
            raise SessionError(f"view: expected an object, got {_kind(d)}")
        _check_keys(d, _VIEW_KEYS, "view.", "view")
        return cls(**d)


# --------------------------------------------------------------------------- the session


def _check_spec(spec: Any) -> ConvSpec:
    """kernelscope's limits on a ConvSpec (the engine itself only requires >= 1)."""
    if not isinstance(spec, ConvSpec):
        raise SessionError(f"layer: expected a ConvSpec, got {_kind(spec)}")
    _whole(spec.filters, "layer.filters", 1, MAX_FILTERS)
    _pair(list(spec.kernel_size), "layer.kernel_size", 1, MAX_KERNEL_SIDE)
    _pair(list(spec.strides), "layer.strides", 1, MAX_STRIDE)
    _pair(list(spec.dilation_rate), "layer.dilation_rate", 1, MAX_DILATION)
    (kh, kw), (dh, dw) = spec.kernel_size, spec.dilation_rate
    sh, sw = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    if max(sh, sw) > MAX_KERNEL_SPAN:
        raise SessionError(
            f"layer.dilation_rate: a {kh}x{kw} kernel dilated by {_show(list(spec.dilation_rate))} spans "
            f"{sh}x{sw} cells; kernelscope accepts spans up to {MAX_KERNEL_SPAN}"
        )
    return spec


def _check_input_shape(shape: tuple[int, ...]) -> None:
    h, w, c = shape
    if h > MAX_INPUT_SIDE or w > MAX_INPUT_SIDE:
        raise SessionError(
            f"input: {h}x{w} pixels is larger than {MAX_INPUT_SIDE} on a side "
            "(kernelscope's cap, so that every view stays responsive)"
        )
    if c not in (1, 3):
        raise SessionError(f"input: expected 1 (grey) or 3 (RGB) channels per pixel, got {c}")


def _check_fits(input_shape: tuple[int, ...], spec: ConvSpec) -> tuple[int, int]:
    """The engine's own refusal (kernel larger than the input) with the layer named."""
    try:
        oh, ow, _ = engine.output_shape(input_shape, spec)
    except ConvError as exc:
        raise SessionError(f"layer: {exc}") from None
    return oh, ow


def _check_kernel_shape(shape: tuple[int, ...], spec: ConvSpec, channels: int) -> None:
    (kh, kw), f = spec.kernel_size, spec.filters
    if tuple(shape) != (kh, kw, channels, f):
        got = "x".join(str(n) for n in shape)
        raise SessionError(
            f"kernels: shape {got} does not match layer ({kh}x{kw} kernels, "
            f"{_plural(channels, 'channel')}, {_plural(f, 'filter')})"
        )


def _check_bias_shape(shape: tuple[int, ...], filters: int) -> None:
    if tuple(shape) != (filters,):
        raise SessionError(f"bias: has {_plural(shape[0], 'number')}, expected {filters} (one per filter)")


def _check_consistent(x: np.ndarray, k: np.ndarray, b: np.ndarray, spec: ConvSpec, view: ViewState) -> None:
    """Shapes agree with the layer, the kernel fits, and the view points inside the result."""
    _check_input_shape(x.shape)
    oh, ow = _check_fits(x.shape, spec)
    _check_kernel_shape(k.shape, spec, x.shape[2])
    _check_bias_shape(b.shape, spec.filters)
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
        _check_spec(self.spec)
        if not isinstance(self.view, ViewState):
            raise SessionError(f"view: expected a ViewState, got {_kind(self.view)}")
        object.__setattr__(self, "title", _text(self.title, "title", MAX_TITLE))
        object.__setattr__(self, "notes", _text(self.notes, "notes", MAX_NOTES))
        _check_consistent(self.input, self.kernels, self.bias, self.spec, self.view)

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


# --------------------------------------------------------------------------- dict <-> session


def _spec_from_dict(layer: Any) -> ConvSpec:
    if not isinstance(layer, Mapping):
        raise SessionError(f"layer: expected an object, got {_kind(layer)}")
    _check_keys(layer, _LAYER_KEYS, "layer.", "layer")
    for key in ("filters", "kernel_size"):
        if key not in layer:
            raise SessionError(f"layer.{key}: missing (a layer needs at least filters and kernel_size)")
    filters = _whole(layer["filters"], "layer.filters", 1, MAX_FILTERS)
    kernel_size = _pair(layer["kernel_size"], "layer.kernel_size", 1, MAX_KERNEL_SIDE)
    strides = _pair(layer.get("strides", 1), "layer.strides", 1, MAX_STRIDE)
    dilation = _pair(layer.get("dilation_rate", 1), "layer.dilation_rate", 1, MAX_DILATION)
    padding = layer.get("padding", "valid")
    if not isinstance(padding, str) or padding.lower() not in engine.PADDINGS:
        raise SessionError(f'layer.padding: expected "valid" or "same", got {_show(padding)}')
    activation = layer.get("activation", "linear")
    if activation is not None and (not isinstance(activation, str) or activation not in engine.ACTIVATIONS):
        known = ", ".join(sorted(engine.ACTIVATIONS))
        raise SessionError(f"layer.activation: expected one of {known} or null, got {_show(activation)}")
    use_bias = layer.get("use_bias", True)
    if not isinstance(use_bias, bool):
        raise SessionError(f"layer.use_bias: expected true or false, got {_show(use_bias)}")
    try:
        spec = ConvSpec(filters, kernel_size, strides, padding, dilation, activation, use_bias)  # type: ignore[arg-type]
    except ConvError as exc:
        raise SessionError(f"layer: {exc}") from None
    return _check_spec(spec)


def session_from_dict(d: Any) -> Session:
    """Validate a parsed session and build it; any problem raises one SessionError naming the field."""
    if not isinstance(d, Mapping):
        raise SessionError(f"session: expected a JSON object {{...}} at the top level, got {_kind(d)}")
    if "format" not in d:
        raise SessionError(f'format: missing; a kernelscope session has "format": "{FORMAT}"')
    if d["format"] != FORMAT:
        raise SessionError(f'format: expected "{FORMAT}", got {_show(d["format"])}')
    if "version" not in d:
        raise SessionError(f"version: missing; this kernelscope reads version {VERSION}")
    version = d["version"]
    if not _is_whole(version):
        raise SessionError(f"version: expected a whole number, got {_show(version)}")
    if version > VERSION:
        raise SessionError(
            f"version: this file was written by a newer kernelscope (version {_show(version)}); "
            f"this one reads version {VERSION}"
        )
    if version < 1:
        raise SessionError(f"version: expected {VERSION}, got {_show(version)}")
    _check_keys(d, _TOP_KEYS, "", "a version 1 session")
    for key in ("layer", "input", "kernels"):
        if key not in d:
            raise SessionError(f"{key}: missing (a session needs layer, input and kernels)")
    title = _text(d.get("title"), "title", MAX_TITLE)
    notes = _text(d.get("notes"), "notes", MAX_NOTES)
    spec = _spec_from_dict(d["layer"])
    x = _number_array(d["input"], "input", 3, "H x W x C (rows of pixels)", _check_input_shape)
    _check_fits(x.shape, spec)
    k = _number_array(
        d["kernels"],
        "kernels",
        4,
        "kh x kw x C x F (the Keras kernel layout)",
        lambda shape: _check_kernel_shape(shape, spec, x.shape[2]),
    )
    if "bias" in d and d["bias"] is not None:
        b = _number_array(
            d["bias"],
            "bias",
            1,
            "one number per filter",
            lambda shape: _check_bias_shape(shape, spec.filters),
        )
    else:
        b = np.zeros(spec.filters, np.float32)
    view = ViewState.from_dict(d.get("view"))
    _check_consistent(x, k, b, spec, view)
    return Session(input=x, kernels=k, bias=b, spec=spec, view=view, title=title, notes=notes)


def _layer_dict(spec: ConvSpec) -> dict[str, Any]:
    return {
        "filters": spec.filters,
        "kernel_size": list(spec.kernel_size),
        "strides": list(spec.strides),
        "padding": spec.padding,
        "dilation_rate": list(spec.dilation_rate),
        "activation": spec.activation,
        "use_bias": spec.use_bias,
    }


def session_to_dict(s: Session) -> dict[str, Any]:
    """Plain JSON-compatible data (Python floats hold the float32 values exactly)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "title": s.title,
        "notes": s.notes,
        "layer": _layer_dict(s.spec),
        "input": s.input.tolist(),
        "kernels": s.kernels.tolist(),
        "bias": s.bias.tolist(),
        "view": s.view.to_dict(),
    }


# --------------------------------------------------------------------------- text


def format_float32(v: np.float32, keep_negative_zero: bool = False) -> str:
    """The shortest text that reads back as exactly this float32; whole numbers without ".0".

    Session files write negative zero as "0" (a file should not say "-0"); Keras code keeps it
    ("-0.0") so the weights match bit for bit.
    """
    f = float(v)
    if f == 0.0:
        return "-0.0" if keep_negative_zero and np.signbit(v) else "0"
    if f.is_integer() and abs(f) < 1e16:
        return str(int(f))
    if 1e-4 <= abs(f) < 1e16:
        text = np.format_float_positional(v, unique=True, trim="-")
    else:
        text = np.format_float_scientific(v, unique=True, trim="-")
    if np.float32(float(text)) != v:  # pragma: no cover - guard against double rounding
        text = repr(f)  # float64's shortest form of a float32 value is exact
    return text


def _compact(strings: np.ndarray) -> str:
    if strings.ndim == 1:
        return "[" + ", ".join(strings.tolist()) + "]"
    return "[" + ", ".join(_compact(row) for row in strings) + "]"


def _format_array(arr: np.ndarray, indent: str) -> str:
    """One line per outermost row (an image row, a kernel row), each row compact JSON."""
    flat = np.ascontiguousarray(arr, dtype=np.float32).ravel()
    uniques, inverse = np.unique(flat, return_inverse=True)
    table = np.array([format_float32(u) for u in uniques], dtype=object)
    strings = table[inverse.ravel()].reshape(arr.shape)
    if strings.ndim == 1:
        return _compact(strings)
    rows = [indent + "  " + _compact(row) for row in strings]
    return "[\n" + ",\n".join(rows) + "\n" + indent + "]"


_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _json_text(value: Any) -> str:
    """JSON for one scalar; readable Unicode, but characters editors break lines at are escaped."""
    text = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        for char, escape in _LINE_BREAKS.items():
            text = text.replace(char, escape)
    return text


def _format_object(d: Mapping[str, Any], indent: str) -> str:
    lines = [f"{indent}  {json.dumps(k)}: {_json_text(v)}" for k, v in d.items()]
    return "{\n" + ",\n".join(lines) + "\n" + indent + "}"


def dumps_session(s: Session) -> str:
    """Pretty, exact JSON: one line per image row and kernel row, keys in a fixed order."""
    parts = [
        ("format", json.dumps(FORMAT)),
        ("version", str(VERSION)),
        ("title", _json_text(s.title)),
        ("notes", _json_text(s.notes)),
        ("layer", _format_object(_layer_dict(s.spec), "  ")),
        ("input", _format_array(s.input, "  ")),
        ("kernels", _format_array(s.kernels, "  ")),
        ("bias", _format_array(s.bias, "  ")),
        ("view", _format_object(s.view.to_dict(), "  ")),
    ]
    return "{\n" + ",\n".join(f"  {json.dumps(k)}: {v}" for k, v in parts) + "\n}\n"


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise SessionError(f'{key}: appears twice in the same object (keep one "{key}")')
        out[key] = value
    return out


def loads_session(text: str | bytes) -> Session:
    """Parse and validate session text; refuses what is not JSON with the line and column."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SessionError(
                f"not a kernelscope session: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} "
                f"at offset {exc.start})"
            ) from None
    if not isinstance(text, str):
        raise SessionError(f"session: expected text, got {_kind(text)}")
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise SessionError("empty file: expected a kernelscope session (JSON text)")
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except SessionError:
        raise
    except json.JSONDecodeError as exc:
        # JSON ran out mid-value, or a string never closed (JSON strings cannot hold a raw newline).
        cut = not text[exc.pos :].strip() or exc.msg.startswith("Unterminated string")
        hint = "; the file looks cut short" if cut else ""
        raise SessionError(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno}){hint}"
        ) from None
    except RecursionError:
        raise SessionError("not a kernelscope session: the JSON is nested too deeply") from None
    except ValueError as exc:  # e.g. Python's limit on digits in one integer
        raise SessionError(f"not valid JSON: {str(exc).splitlines()[0]}") from None
    return session_from_dict(data)


# --------------------------------------------------------------------------- files


def _reason(exc: OSError) -> str:
    reason = exc.strerror or type(exc).__name__
    return reason[:1].lower() + reason[1:]


def save_session(s: Session, path: str | os.PathLike[str]) -> None:
    """Write atomically: a temporary file beside the target, flushed and fsynced, then os.replace.

    The target is either the old file or the complete new one, never half a file; on failure the
    temporary file is removed and a SessionError says which path could not be written and why.
    """
    if not isinstance(s, Session):
        raise SessionError(f"session: expected a Session, got {_kind(s)}")
    target = Path(os.fspath(path))
    try:
        write_atomic(target, dumps_session(s).encode("utf-8"))
    except OSError as exc:
        raise SessionError(f"cannot write {target}: {_reason(exc)}") from None


def load_session(path: str | os.PathLike[str]) -> Session:
    """Read a .kscope file; every problem is one SessionError line that starts with the file name."""
    source = Path(os.fspath(path))
    try:
        size = os.stat(source).st_size
        if size > MAX_FILE_BYTES:
            raise SessionError(
                f"cannot read {source}: {size // (1024 * 1024)} MB is larger than a session can be "
                f"({MAX_FILE_BYTES // (1024 * 1024)} MB)"
            )
        data = source.read_bytes()
    except OSError as exc:
        raise SessionError(f"cannot read {source}: {_reason(exc)}") from None
    try:
        return loads_session(data)
    except SessionError as exc:
        raise SessionError(f"{source}: {exc}") from None


# --------------------------------------------------------------------------- resources


def resources_dir() -> Path:
    """The bundled ``resources/``: inside the package in a wheel, beside it in a checkout."""
    here = Path(__file__).resolve().parent
    candidates = (here / "resources", here.parent / "resources")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        "kernelscope's resources folder is missing (looked in "
        + " and ".join(str(c) for c in candidates)
        + "); reinstall kernelscope"
    )


def lessons_dir() -> Path:
    """The bundled lessons (session files); the folder may be empty."""
    return resources_dir() / "lessons"
