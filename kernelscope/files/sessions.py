"""Session files (``.kscope``): a scene as versioned, human-editable JSON, validated on the way in.

A session is the input, a stack of Keras layers with their weights (version 2; version 1 files, one
Conv2D, still open) and a little UI state. Reading is a pure
function (``session_from_dict``) that either returns a complete, consistent :class:`Session` or
raises one :class:`SessionError` naming the field, so a bad file never half-applies. Writing is
exact: every float32 is written with its shortest decimal form (``0.1`` stays ``0.1``, ``-1`` is
not ``-1.0``), so save -> load -> save is byte-identical. This module never imports Qt.

A session holds what the scene's caps allow (``core.scene``): a Conv2D of 1 to 512 filters, each
layer's output (and the input) at most ``MAX_MAP_VALUES`` numbers and the outputs together at most
``MAX_STACK_VALUES``; a file past them is refused naming the layer and the numbers.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from kernelscope.core import engine
from kernelscope.core.engine import ConvError, ConvSpec
from kernelscope.core.message_text import index_text, kind_of, plural, show_value
from kernelscope.core.numbers import FLOAT32_MAX, is_whole
from kernelscope.core.paint_tools import VALUE_MODES
from kernelscope.core.scene import (
    MAX_CHANNELS,
    MAX_CLASS_NAME,
    MAX_CLASS_NAMES,
    MAX_DILATION,
    MAX_FILTERS,
    MAX_INPUT_SIDE,
    MAX_KERNEL_SIDE,
    MAX_KERNEL_SPAN,
    MAX_LAYERS,
    MAX_NOTES,
    MAX_STRIDE,
    MAX_TITLE,
    Session,
    SessionError,
    ViewState,
    check_bias_shape,
    check_consistent,
    check_fits,
    check_input_shape,
    check_kernel_shape,
    check_keys,
    check_pair,
    check_spec,
    check_stack_input_shape,
    check_text,
    check_whole,
    conv_config,
    conv_spec,
    default_session,
    layer_label,
    layer_labels,
    stack_entries,
)
from kernelscope.files.atomic_file import write_atomic, write_error
from kernelscope.files.regular_file import FileTooLargeError, read_bounded
from kernelscope.files.resources import lessons_dir, resources_dir

__all__ = [
    "FORMAT",
    "MAX_CHANNELS",
    "MAX_DEPTH",
    "MAX_ELEMENTS",
    "MAX_FILE_BYTES",
    "MAX_FILTERS",
    "MAX_INPUT_SIDE",
    "MAX_KERNEL_SIDE",
    "MAX_KERNEL_SPAN",
    "MAX_LAYERS",
    "SUFFIX",
    "VALUE_MODES",
    "VERSION",
    "Session",
    "SessionError",
    "ViewState",
    "check_savable",
    "check_structure",
    "default_session",
    "dumps_session",
    "lessons_dir",
    "load_session",
    "loads_session",
    "resources_dir",
    "save_session",
    "session_from_dict",
    "session_text_pieces",
    "session_to_dict",
]

FORMAT = "kernelscope-session"
VERSION = 2
SUFFIX = ".kscope"
MAX_FILE_BYTES = 256 * 1024 * 1024

_TOP_KEYS = ("format", "version", "title", "notes", "layer", "input", "kernels", "bias", "view")
_TOP_KEYS_V2 = ("format", "version", "title", "notes", "input", "layers", "view", "class_names")
_ENTRY_KEYS = ("class_name", "config", "weights", "kept_bias")
_MAX_WEIGHT_DIMS = 4
MAX_LAYER_NAME = 100
_LAYER_KEYS = ("filters", "kernel_size", "strides", "padding", "dilation_rate", "activation", "use_bias")
_NUMBER_TYPES = frozenset({int, float})
_TOO_LARGE = "is too large for a 32-bit float (at most 3.4028235e+38)"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


# --------------------------------------------------------------------------- number arrays


def _shape_of(value: Any, name: str, levels: int, describe: str) -> tuple[int, ...]:
    """The shape implied by following the first element down ``levels`` nested lists."""
    shape: list[int] = []
    v = value
    path: tuple[int, ...] = ()
    for _ in range(levels):
        if not isinstance(v, (list, tuple)):
            where = f"got {kind_of(value)}" if not path else f"{name}{index_text(path)} is {kind_of(v)}"
            raise SessionError(f"{name}: expected {describe}, {levels} levels of nested lists; {where}")
        if len(v) == 0:
            raise SessionError(f"{name}{index_text(path)}: is an empty list; expected {describe}")
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
                f"{name}{index_text(path)}: expected a list of {shape[depth]}, got {kind_of(v)} "
                "(every row must have the same shape)"
            )
        if len(v) != shape[depth]:
            first = f"{name}{index_text((0,) * depth)}"
            raise SessionError(
                f"{name}{index_text(path)}: has {plural(len(v), 'item')} but {first} has {shape[depth]}; "
                "every row must be the same length"
            )
        if depth == last:
            if not _NUMBER_TYPES.issuperset(map(type, v)):
                for i, x in enumerate(v):
                    if not _is_number(x):
                        raise SessionError(f"{name}{index_text((*path, i))}: expected a number, got {kind_of(x)}")
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
        idx, v = _first_where(value, shape, lambda x: isinstance(x, int) and abs(x) > FLOAT32_MAX)
        raise SessionError(f"{name}{index_text(idx)}: {show_value(v)} {_TOO_LARGE}") from None
    bad = ~np.isfinite(arr64)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise SessionError(
            f"{name}{index_text(idx)}: {show_value(arr64[idx])} is not a finite number "
            "(NaN and Infinity are not allowed)"
        )
    with np.errstate(over="ignore"):
        arr = arr64.astype(np.float32)
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise SessionError(f"{name}{index_text(idx)}: {show_value(arr64[idx])} {_TOO_LARGE}")
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


# --------------------------------------------------------------------------- dict <-> session


def _spec_from_dict(layer: Any) -> ConvSpec:
    if not isinstance(layer, Mapping):
        raise SessionError(f"layer: expected an object, got {kind_of(layer)}")
    check_keys(layer, _LAYER_KEYS, "layer.", "layer")
    for key in ("filters", "kernel_size"):
        if key not in layer:
            raise SessionError(f"layer.{key}: missing (a layer needs at least filters and kernel_size)")
    filters = check_whole(layer["filters"], "layer.filters", 1, MAX_FILTERS)
    kernel_size = check_pair(layer["kernel_size"], "layer.kernel_size", 1, MAX_KERNEL_SIDE)
    strides = check_pair(layer.get("strides", 1), "layer.strides", 1, MAX_STRIDE)
    dilation = check_pair(layer.get("dilation_rate", 1), "layer.dilation_rate", 1, MAX_DILATION)
    padding = layer.get("padding", "valid")
    if not isinstance(padding, str) or padding.lower() not in engine.PADDINGS:
        raise SessionError(f'layer.padding: expected "valid" or "same", got {show_value(padding)}')
    activation = layer.get("activation", "linear")
    if activation is not None and (not isinstance(activation, str) or activation not in engine.ACTIVATIONS):
        known = ", ".join(sorted(engine.ACTIVATIONS))
        raise SessionError(f"layer.activation: expected one of {known} or null, got {show_value(activation)}")
    use_bias = layer.get("use_bias", True)
    if not isinstance(use_bias, bool):
        raise SessionError(f"layer.use_bias: expected true or false, got {show_value(use_bias)}")
    try:
        spec = ConvSpec(filters, kernel_size, strides, padding, dilation, activation, use_bias)  # type: ignore[arg-type]
    except ConvError as exc:
        raise SessionError(f"layer: {exc}") from None
    return check_spec(spec)


def session_from_dict(d: Any) -> Session:
    """Validate a parsed session and build it; any problem raises one SessionError naming the field."""
    if not isinstance(d, Mapping):
        raise SessionError(f"session: expected a JSON object {{...}} at the top level, got {kind_of(d)}")
    if "format" not in d:
        raise SessionError(f'format: missing; a kernelscope session has "format": "{FORMAT}"')
    if d["format"] != FORMAT:
        raise SessionError(f'format: expected "{FORMAT}", got {show_value(d["format"])}')
    if "version" not in d:
        raise SessionError(f"version: missing; this kernelscope reads versions 1 to {VERSION}")
    version = d["version"]
    if not is_whole(version):
        raise SessionError(f"version: expected a whole number, got {show_value(version)}")
    if version > VERSION:
        raise SessionError(
            f"version: this file was written by a newer kernelscope (version {show_value(version)}); "
            f"this one reads versions 1 to {VERSION}"
        )
    if version < 1:
        raise SessionError(f"version: expected 1 to {VERSION}, got {show_value(version)}")
    if version == 1:
        return _session_from_v1(d)
    return _session_from_v2(d)


def _session_from_v1(d: Mapping[str, Any]) -> Session:
    """A version 1 file: one Conv2D as ``layer``, ``kernels`` and ``bias``."""
    check_keys(d, _TOP_KEYS, "", "a version 1 session")
    for key in ("layer", "input", "kernels"):
        if key not in d:
            raise SessionError(f"{key}: missing (a session needs layer, input and kernels)")
    title = check_text(d.get("title"), "title", MAX_TITLE)
    notes = check_text(d.get("notes"), "notes", MAX_NOTES)
    spec = _spec_from_dict(d["layer"])
    x = _number_array(d["input"], "input", 3, "H x W x C (rows of pixels)", check_input_shape)
    check_fits(x.shape, spec)
    k = _number_array(
        d["kernels"],
        "kernels",
        4,
        "kh x kw x C x F (the Keras kernel layout)",
        lambda shape: check_kernel_shape(shape, spec, x.shape[2]),
    )
    if "bias" in d and d["bias"] is not None:
        b = _number_array(
            d["bias"],
            "bias",
            1,
            "one number per filter",
            lambda shape: check_bias_shape(shape, spec.filters),
        )
    else:
        b = np.zeros(spec.filters, np.float32)
    view = ViewState.from_dict(d.get("view"))
    check_consistent(x, k, b, spec, view)
    return Session(input=x, kernels=k, bias=b, spec=spec, view=view, title=title, notes=notes)


def _depth(value: Any) -> int:
    """How many lists deep the first element goes (the array's number of dimensions)."""
    depth = 0
    while isinstance(value, (list, tuple)) and depth <= _MAX_WEIGHT_DIMS:
        depth += 1
        value = value[0] if value else None
    return depth


def _weight_array(value: Any, name: str) -> np.ndarray:
    depth = _depth(value)
    if not 1 <= depth <= _MAX_WEIGHT_DIMS:
        raise SessionError(
            f"{name}: expected an array of numbers (1 to {_MAX_WEIGHT_DIMS} levels of nested lists), "
            f"got {kind_of(value)}"
        )
    return _number_array(value, name, depth, "an array of numbers")


def _layer_entries(layers: Any) -> tuple[list[dict[str, Any]], list[np.ndarray | None]]:
    """The layer dicts with their weights as float32 arrays (each array named by its layer), and each
    layer's ``kept_bias`` (a one-Conv2D session's bias while use_bias is off)."""
    if not isinstance(layers, (list, tuple)):
        raise SessionError(f"layers: expected a list of layers, got {kind_of(layers)}")
    if not layers:
        raise SessionError("layers: empty; a session needs at least one layer")
    if len(layers) > MAX_LAYERS:
        raise SessionError(f"layers: {len(layers)} layers is more than kernelscope holds ({MAX_LAYERS})")
    labels = layer_labels(layers)
    out: list[dict[str, Any]] = []
    kept: list[np.ndarray | None] = []
    for entry, label in zip(layers, labels, strict=True):
        if not isinstance(entry, Mapping):
            raise SessionError(f"{label}: expected an object with class_name and config, got {kind_of(entry)}")
        check_keys(entry, _ENTRY_KEYS, f"{label}: ", "a layer")
        if "class_name" not in entry:
            raise SessionError(f'{label}: class_name: missing (the Keras class, like "Conv2D")')
        config = entry.get("config", {})
        if not isinstance(config, Mapping):
            raise SessionError(f"{label}: config: expected an object, got {kind_of(config)}")
        name = config.get("name")
        if name is not None and not (isinstance(name, str) and name.strip()):
            raise SessionError(f"{label}: config.name: expected a name (text), got {show_value(name)}")
        if name is not None:
            check_text(name, f"{label}: config.name", MAX_LAYER_NAME)
        layer: dict[str, Any] = {"class_name": entry["class_name"], "config": config}
        weights = entry.get("weights")
        if weights is not None:
            if not isinstance(weights, (list, tuple)):
                raise SessionError(f"{label}: weights: expected a list of arrays, got {kind_of(weights)}")
            layer["weights"] = [_weight_array(w, f"{label}: weights[{i}]") for i, w in enumerate(weights)]
        bias = entry.get("kept_bias")
        kept.append(None if bias is None else _number_array(bias, f"{label}: kept_bias", 1, "one number per filter"))
        out.append(layer)
    return out, kept


def _session_from_v2(d: Mapping[str, Any]) -> Session:
    """A version 2 file: the input and a stack of layers in Keras's own vocabulary."""
    check_keys(d, _TOP_KEYS_V2, "", "a version 2 session")
    for key in ("input", "layers"):
        if key not in d:
            raise SessionError(f"{key}: missing (a session needs input and layers)")
    title = check_text(d.get("title"), "title", MAX_TITLE)
    notes = check_text(d.get("notes"), "notes", MAX_NOTES)
    layers, kept = _layer_entries(d["layers"])
    x = _number_array(d["input"], "input", 3, "H x W x C (rows of pixels)", check_stack_input_shape)
    view = ViewState.from_dict(d.get("view"))
    class_names: Any = d.get("class_names")
    entries = stack_entries(layers, x.shape)
    labels = [layer_label(i, e.config["name"]) for i, e in enumerate(entries)]
    for label, entry, bias in zip(labels, entries, kept, strict=True):
        if bias is not None and (entry.class_name != "Conv2D" or entry.config["use_bias"]):
            raise SessionError(f"{label}: kept_bias: only a Conv2D with use_bias false keeps a bias aside")
    if len(entries) == 1 and entries[0].class_name == "Conv2D" and x.shape[2] in (1, 3):
        entry = entries[0]
        spec = conv_spec(entry.config)
        if kept[0] is not None:
            check_bias_shape(kept[0].shape, spec.filters)
            b = kept[0]
        elif spec.use_bias:
            b = entry.weights[1]
        else:
            b = np.zeros(spec.filters, np.float32)
        return Session(
            input=x, kernels=entry.weights[0], bias=b, spec=spec, view=view, title=title, notes=notes,
            layers=entries, class_names=class_names,
        )
    return Session(input=x, view=view, title=title, notes=notes, layers=entries, class_names=class_names)


def _plain(value: Any) -> Any:
    """A config value as JSON data: tuples as lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _kept_bias(s: Session) -> np.ndarray | None:
    """A one-Conv2D session's bias while use_bias is off, when it holds anything but zeros."""
    if s.is_single_conv and not s.spec.use_bias and s.bias.any():
        return s.bias
    return None


def _layer_dicts(s: Session) -> list[dict[str, Any]]:
    out = []
    for i, entry in enumerate(s.layers):
        d: dict[str, Any] = {"class_name": entry.class_name, "config": _plain(entry.config)}
        if entry.weights:
            d["weights"] = [w.tolist() for w in entry.weights]
        if i == 0 and (bias := _kept_bias(s)) is not None:
            d["kept_bias"] = bias.tolist()
        out.append(d)
    return out


def _check_version(s: Session, version: int) -> None:
    if version not in (1, VERSION):
        raise SessionError(f"version: kernelscope writes version 1 or {VERSION}, not {show_value(version)}")
    if not isinstance(s, Session):
        raise SessionError(f"session: expected a Session, got {kind_of(s)}")


def session_to_dict(s: Session, version: int = VERSION) -> dict[str, Any]:
    """Plain JSON-compatible data (Python floats hold the float32 values exactly).

    ``version=1`` writes the one-Conv2D form older kernelscopes read (a stack raises SessionError).
    """
    _check_version(s, version)
    if version == 1:
        return {
            "format": FORMAT,
            "version": 1,
            "title": s.title,
            "notes": s.notes,
            "layer": conv_config(s.spec),
            "input": s.input.tolist(),
            "kernels": s.kernels.tolist(),
            "bias": s.bias.tolist(),
            "view": s.view.to_dict(),
        }
    d: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "title": s.title,
        "notes": s.notes,
        "input": s.input.tolist(),
        "layers": _layer_dicts(s),
        "view": s.view.to_dict(),
    }
    if s.class_names:
        d["class_names"] = list(s.class_names)
    return d


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


def _format_array(arr: np.ndarray, indent: str) -> Iterator[str]:
    """One line per outermost row (an image row, a kernel row), each row compact JSON, in pieces.

    Row by row, so no single call holds the GIL for long (an autosave serializes on a background
    thread while the UI thread waits for the GIL); values repeated across rows (a photo's grey
    levels) are formatted once.
    """
    arr = np.ascontiguousarray(arr, dtype=np.float32)
    texts: dict[float, str] = {}

    def strings(values: np.ndarray) -> np.ndarray:
        uniques, inverse = np.unique(values.ravel(), return_inverse=True)
        if len(texts) > _TEXT_CACHE:
            texts.clear()
        keys = uniques.tolist()
        for i, key in enumerate(keys):
            if key not in texts:
                texts[key] = format_float32(uniques[i])
        table = np.array([texts[key] for key in keys], dtype=object)
        return table[inverse.ravel()].reshape(values.shape)

    if arr.ndim == 1:
        yield _compact(strings(arr))
        return
    for i, row in enumerate(arr):
        yield ("[\n" if i == 0 else ",\n") + indent + "  " + _compact(strings(row))
    yield "\n" + indent + "]"


_TEXT_CACHE = 65_536  # formatted values kept between rows; random data would otherwise keep them all


_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _json_text(value: Any) -> str:
    """JSON for one scalar; readable Unicode, but characters editors break lines at are escaped."""
    text = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        for char, escape in _LINE_BREAKS.items():
            text = text.replace(char, escape)
    return text


def _json_value(value: Any) -> str:
    """JSON for a scalar or a small nested list (a config's pair), on one line."""
    if isinstance(value, list):
        return "[" + ", ".join(_json_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {_json_value(v)}" for k, v in value.items()) + "}"
    return _json_text(value)


def _format_object(d: Mapping[str, Any], indent: str) -> str:
    lines = [f"{indent}  {json.dumps(k)}: {_json_value(v)}" for k, v in d.items()]
    return "{\n" + ",\n".join(lines) + "\n" + indent + "}"


def dumps_session(s: Session, version: int = VERSION) -> str:
    """Pretty, exact JSON: one line per image row and kernel row, keys in a fixed order.

    ``version=1`` writes the one-Conv2D form (the bundled lessons; a stack raises SessionError).
    """
    return "".join(session_text_pieces(s, version))


def _weights_text(weights: tuple[np.ndarray, ...], indent: str) -> Iterator[str]:
    """A layer's weights: a vector on one line, a larger array one line per outermost row (a
    kernel row, a Dense input's weights)."""
    for i, w in enumerate(weights):
        yield ("[\n" if i == 0 else ",\n") + indent + "  "
        yield from _format_array(w, indent + "  ")
    yield "\n" + indent + "]"


def _layer_text(s: Session, i: int, indent: str) -> Iterator[str]:
    entry = s.layers[i]
    inner = indent + "  "
    yield "{\n" + f'{inner}"class_name": {_json_text(entry.class_name)},\n'
    yield f'{inner}"config": ' + _format_object(_plain(entry.config), inner)
    if entry.weights:
        yield f',\n{inner}"weights": '
        yield from _weights_text(entry.weights, inner)
    if i == 0 and (bias := _kept_bias(s)) is not None:
        yield f',\n{inner}"kept_bias": '
        yield from _format_array(bias, inner)
    yield "\n" + indent + "}"


def _layers_text(s: Session, indent: str) -> Iterator[str]:
    for i in range(len(s.layers)):
        yield ("[\n" if i == 0 else ",\n") + indent + "  "
        yield from _layer_text(s, i, indent + "  ")
    yield "\n" + indent + "]"


def session_text_pieces(s: Session, version: int = VERSION) -> Iterator[str]:
    """``dumps_session``'s text in pieces of about one array row, for a writer that must not build
    (and hold the GIL over) one huge string: the autosave."""
    _check_version(s, version)
    parts: list[tuple[str, str | Iterator[str]]]
    if version == 1:
        parts = [
            ("format", json.dumps(FORMAT)),
            ("version", "1"),
            ("title", _json_text(s.title)),
            ("notes", _json_text(s.notes)),
            ("layer", _format_object(conv_config(s.spec), "  ")),
            ("input", _format_array(s.input, "  ")),
            ("kernels", _format_array(s.kernels, "  ")),
            ("bias", _format_array(s.bias, "  ")),
            ("view", _format_object(s.view.to_dict(), "  ")),
        ]
    else:
        parts = [
            ("format", json.dumps(FORMAT)),
            ("version", str(VERSION)),
            ("title", _json_text(s.title)),
            ("notes", _json_text(s.notes)),
            ("input", _format_array(s.input, "  ")),
            ("layers", _layers_text(s, "  ")),
            ("view", _format_object(s.view.to_dict(), "  ")),
        ]
    if version != 1 and s.class_names:
        parts.append(("class_names", "[" + ", ".join(_json_text(name) for name in s.class_names) + "]"))
    for i, (key, value) in enumerate(parts):
        yield ("{\n" if i == 0 else ",\n") + f"  {json.dumps(key)}: "
        if isinstance(value, str):
            yield value
        else:
            yield from value
    yield "\n}\n"


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise SessionError(f'{key}: appears twice in the same object (keep one "{key}")')
        out[key] = value
    return out


# The largest legal scene, counted as JSON values and lists: a 1024x1024 RGB input (numbers, pixel
# lists, rows), 11x11x3 kernels of MAX_FILTERS filters with their lists, the bias, and room for the
# rest (the layer, the view, commas and brackets inside the title and notes). A bound, not a scene:
# a 1024x1024 input takes at most 64 filters (MAX_MAP_VALUES), 512 filters a smaller one.
MAX_ELEMENTS = (
    MAX_INPUT_SIDE * MAX_INPUT_SIDE * 4 + MAX_INPUT_SIDE + 1
    + MAX_KERNEL_SIDE * MAX_KERNEL_SIDE * (3 * (MAX_FILTERS + 1) + 1) + MAX_KERNEL_SIDE + 1
    + MAX_FILTERS + 1
    + MAX_TITLE + MAX_NOTES + 1000
)
MAX_QUOTES = 2 * (MAX_TITLE + MAX_NOTES) + 1000 + 300 * MAX_LAYERS + (2 + MAX_CLASS_NAME) * MAX_CLASS_NAMES
"""Quote marks a session can hold: its keys and short strings (a layer's config with Keras's own
extras), plus any escaped ones in title, notes and class names."""
MAX_DEPTH = 64
"""Nesting a session never needs (it needs 5); deeper is refused before parsing."""
_BRACKETS = np.zeros(256, np.int8)
_BRACKETS[[ord("["), ord("{")]] = 1
_BRACKETS[[ord("]"), ord("}")]] = -1
_SCAN_CHUNK = 1 << 18


def _elements_of(arr: np.ndarray) -> int:
    """An array written as nested JSON lists: its numbers plus each list's bracket and comma."""
    lists = 1
    for side in arr.shape[:-1]:
        lists = lists * int(side) + 1
    return int(arr.size) + 2 * lists


def check_savable(s: Session) -> None:
    """Refuse to write a session :func:`check_structure` would refuse to read back, before a byte is
    written: a file that cannot be reopened would lose the work it seems to keep."""
    arrays = [s.input] + [w for entry in s.layers for w in entry.weights]
    if not s.layers and s.kernels is not None:
        arrays += [s.kernels, s.bias]
    needed = sum(_elements_of(np.asarray(a)) for a in arrays) + MAX_TITLE + MAX_NOTES + 1000
    if needed > MAX_ELEMENTS:
        raise SessionError(
            f"a session holds at most {MAX_ELEMENTS:,} numbers and lists and this one needs about {needed:,} "
            "(its input and weights), so it could not be opened again; a model file keeps its weights itself"
        )


def check_structure(data: bytes) -> None:
    """Refuse text no session can be before ``json.loads`` builds it: Python objects take tens of
    bytes per ``[]``, so a file of ``[],`` would need many times its size. This counts values, lists
    and quote marks with C-speed byte counts and finds the nesting depth outside strings in
    fixed-size blocks, so it needs little memory beyond the text itself."""
    elements = data.count(b",") + data.count(b"[") + data.count(b"{")
    if elements > MAX_ELEMENTS:
        raise SessionError(
            f"not a kernelscope session: {elements:,} values and lists, more than the largest scene holds "
            f"({MAX_ELEMENTS:,})"
        )
    quotes = data.count(b'"')
    if quotes > MAX_QUOTES:
        raise SessionError(
            f"not a kernelscope session: {quotes:,} quote marks, more than a session holds ({MAX_QUOTES:,})"
        )
    if _nesting_depth(data) > MAX_DEPTH:
        raise SessionError("not a kernelscope session: the JSON is nested too deeply")


def _nesting_depth(data: bytes) -> int:
    """The deepest nesting of [ and { outside strings (unbalanced text counts what it opens)."""
    if b"\\" in data:
        data = data.replace(b"\\\\", b"  ")  # escaped backslashes first, as a JSON reader pairs them
    if b"\\" in data:
        data = data.replace(b'\\"', b"  ")  # what is left quoted is a string's own quote mark
    raw = np.frombuffer(data, np.uint8)
    quotes = np.flatnonzero(raw == ord('"'))
    depth = deepest = 0
    for start in range(0, len(raw), _SCAN_CHUNK):
        kinds = _BRACKETS[raw[start : start + _SCAN_CHUNK]]
        where = np.flatnonzero(kinds)
        if not len(where):
            continue
        outside = np.searchsorted(quotes, where + start) % 2 == 0
        steps = np.cumsum(kinds[where[outside]], dtype=np.int64) + depth
        if len(steps):
            deepest = max(deepest, int(steps.max()))
            depth = int(steps[-1])
            if deepest > MAX_DEPTH:
                break
    return deepest


def loads_session(text: str | bytes) -> Session:
    """Parse and validate session text; refuses what is not JSON with the line and column."""
    if isinstance(text, (bytes, bytearray)):
        check_structure(bytes(text))
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise SessionError(
                f"not a kernelscope session: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} "
                f"at offset {exc.start})"
            ) from None
    elif isinstance(text, str):
        check_structure(text.encode("utf-8", "surrogatepass"))
    if not isinstance(text, str):
        raise SessionError(f"session: expected text, got {kind_of(text)}")
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


def save_session(
    s: Session, path: str | os.PathLike[str], *, private: bool = False, version: int = VERSION
) -> None:
    """Write atomically: a temporary file beside the target, flushed and fsynced, then os.replace.

    The target is either the old file or the complete new one, never half a file; on failure the
    temporary file is removed and a SessionError says which path could not be written and why.
    ``private`` (autosaves) makes the file readable by its owner only (0600), whatever was there.
    ``version=1`` writes the one-Conv2D form older kernelscopes read.
    """
    if not isinstance(s, Session):
        raise SessionError(f"session: expected a Session, got {kind_of(s)}")
    target = Path(os.fspath(path))
    try:
        check_savable(s)
    except SessionError as exc:
        raise SessionError(f"cannot save {target}: {exc}") from None
    data = dumps_session(s, version).encode("utf-8")
    try:
        check_structure(data)  # the exact count, as a reader will make it
    except SessionError as exc:
        raise SessionError(f"cannot save {target}: {exc}") from None
    try:
        if private:
            write_atomic(target, data, mode=0o600, keep_mode=False)
        else:
            write_atomic(target, data)
    except OSError as exc:
        raise SessionError(write_error(target, exc)) from None


def load_session(path: str | os.PathLike[str]) -> Session:
    """Read a .kscope file; every problem is one SessionError line that starts with the file name.

    Only a regular file is opened (a FIFO would block, a device never end), and at most
    :data:`MAX_FILE_BYTES` are read, whatever size the file claims.
    """
    source = Path(os.fspath(path))
    try:
        data = read_bounded(source, MAX_FILE_BYTES)
    except FileTooLargeError as exc:
        raise SessionError(
            f"cannot read {source}: {-(-exc.size // (1024 * 1024))} MB is larger than a session can be "
            f"({MAX_FILE_BYTES // (1024 * 1024)} MB)"
        ) from None
    except OSError as exc:
        raise SessionError(f"cannot read {source}: {_reason(exc)}") from None
    try:
        return loads_session(data)
    except SessionError as exc:
        raise SessionError(f"{source}: {exc}") from None
