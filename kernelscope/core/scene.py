"""The scene: what kernelscope shows and computes (an input, a layer, its weights, view state), its
limits, and the checks that keep a scene consistent. Files read into these types; the document
holds them. No Qt, no files.

Memory is bounded by the numbers the layers' outputs hold, not by how many filters a layer has: a
Conv2D takes up to :data:`MAX_FILTERS` filters (as many as a layer may receive channels, so a
trained model's 128, 256 or 512 filters open), each layer's output holds at most
:data:`MAX_MAP_VALUES` numbers (the largest one-layer scene's, 1024x1024 with 64 filters), and every
computed layer's output together at most :data:`MAX_STACK_VALUES`. The one rule holds on every path
(a session, a pasted line or model, an opened model file, a document edit): the forward pass keeps
every output, so these caps are what the computed scene costs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kernelscope.core import engine
from kernelscope.core.colour_scale import COLORMAPS, DEFAULT_COLORMAP
from kernelscope.core.engine import ConvError, ConvSpec, stack
from kernelscope.core.engine.checked import immutable_float32
from kernelscope.core.engine.stack import StackEntry
from kernelscope.core.message_text import index_text, kind_of, plural, show_value
from kernelscope.core.numbers import is_whole, whole_pair
from kernelscope.core.paint_tools import VALUE_MODES

MAX_FILTERS = 512
"""Filters of one Conv2D: as many as a layer may receive channels (:data:`MAX_CHANNELS`), so any
layer's output can feed the next; what a layer costs is capped by :data:`MAX_MAP_VALUES`."""
MAX_KERNEL_SIDE = 11
MAX_INPUT_SIDE = 1024
MAX_STRIDE = 1024
MAX_DILATION = 1024
# With padding="same" a widely dilated kernel pads the input by its whole span: cap the span so
# the padded input stays within (2 * 1024)^2 cells.
MAX_KERNEL_SPAN = 1024
MAX_TITLE = 200
MAX_NOTES = 10_000
MAX_CHANNELS = 512
"""Input channels a stack session may have (a one-Conv2D window scene: grey or RGB)."""
MAX_MAP_VALUES = 1024 * 1024 * 64
"""Numbers in one layer's output (H' x W' x channels, or a vector's units): the largest one-layer
scene's (1024x1024 with 64 filters), so raising the filter cap does not raise the memory a layer costs."""
MAX_STACK_VALUES = 64 * 1024 * 1024
"""Numbers in every computed layer's output together: the forward pass keeps them all (for the
strip, the steps and the arithmetic), so this bounds a whole stack's results as one layer's."""
MAX_LAYERS = 100
"""Layers in one stack: deeper than any lesson needs, and a bound on what a file makes us build."""
MAX_CLASS_NAME = 40
"""Characters in one class name of a softmax output."""
MAX_UNITS = 4096
"""Units of one Dense layer."""
MAX_CLASS_NAMES = 1000
"""Class names one session may label its output with."""

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


def _readonly_float32(value: Any, name: str, ndim: int) -> np.ndarray:
    """A private read-only float32 copy of an array handed to ``Session`` directly (an immutable
    float32 array is shared instead: copying it would only cost time and memory)."""
    try:
        with np.errstate(over="ignore"):
            arr = value if immutable_float32(value) else np.array(value, dtype=np.float32, copy=True)
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


CONV_LAYER_NAME = "conv2d"
"""Keras's name for the first Conv2D of a model: the one-Conv2D session's layer."""

_ENTRY_KEYS = ("class_name", "config", "weights")


def check_stack_input_shape(shape: tuple[int, ...]) -> None:
    """An (H, W, C) stack input: the side cap, from 1 to :data:`MAX_CHANNELS` channels, and no more
    numbers than one layer's output may hold (:data:`MAX_MAP_VALUES`)."""
    h, w, c = shape
    if h > MAX_INPUT_SIDE or w > MAX_INPUT_SIDE:
        raise SessionError(
            f"input: {h}x{w} pixels is larger than {MAX_INPUT_SIDE} on a side "
            "(kernelscope's cap, so that every view stays responsive)"
        )
    if not 1 <= c <= MAX_CHANNELS:
        raise SessionError(f"input: expected 1 to {MAX_CHANNELS} channels per pixel, got {c}")
    if h * w * c > MAX_MAP_VALUES:
        raise SessionError(f"input: {h}x{w}x{c} = {h * w * c:,} numbers; kernelscope holds at most "
                           f"{MAX_MAP_VALUES:,} in one input or layer output (so memory stays bounded)")


def layer_label(index: int, name: Any) -> str:
    """How every message names a layer: ``layers[2] (dense)``."""
    return f"layers[{index}] ({name})" if isinstance(name, str) and name else f"layers[{index}]"


def check_class_names(names: Any, outputs: int) -> tuple[str, ...]:
    """Labels for a softmax output: text, at most one per output value."""
    if names is None:
        return ()
    if not isinstance(names, (list, tuple)):
        raise SessionError(f"class_names: expected a list of names, got {kind_of(names)}")
    if len(names) > min(outputs, MAX_CLASS_NAMES):
        if len(names) > MAX_CLASS_NAMES:
            raise SessionError(f"class_names: {len(names)} names is more than kernelscope keeps ({MAX_CLASS_NAMES})")
        raise SessionError(
            f"class_names: {plural(len(names), 'name')} for {plural(outputs, 'output value')} of the last layer "
            "(at most one name per output)"
        )
    out = []
    for i, name in enumerate(names):
        if not isinstance(name, str):
            raise SessionError(f"class_names[{i}]: expected text, got {show_value(name)}")
        out.append(check_text(name, f"class_names[{i}]", MAX_CLASS_NAME))
    return tuple(out)


def conv_config(spec: ConvSpec) -> dict[str, Any]:
    """A ConvSpec in Keras's get_config() words (pairs as lists): the inverse of :func:`conv_spec`."""
    return {
        "filters": spec.filters,
        "kernel_size": list(spec.kernel_size),
        "strides": list(spec.strides),
        "padding": spec.padding,
        "dilation_rate": list(spec.dilation_rate),
        "activation": spec.activation,
        "use_bias": spec.use_bias,
    }


def conv_spec(config: Mapping[str, Any]) -> ConvSpec:
    """The ConvSpec of a checked Conv2D entry's config."""
    return ConvSpec(
        config["filters"], config["kernel_size"], config["strides"], config["padding"],
        config["dilation_rate"], config["activation"], config["use_bias"],
    )


def _check_conv_limits(entries: tuple[StackEntry, ...]) -> None:
    """kernelscope's Conv2D limits on every Conv2D of a stack, the layer named."""
    for i, entry in enumerate(entries):
        if entry.class_name != "Conv2D":
            continue
        try:
            check_spec(conv_spec(entry.config))
        except SessionError as exc:
            text = str(exc)
            if text.startswith("layer: "):
                text = text.removeprefix("layer: ")
            else:
                text = "config." + text.removeprefix("layer.")
            raise SessionError(f"{layer_label(i, entry.config.get('name'))}: {text}") from None


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(int(n)) for n in shape) if shape else "1"


def output_values_problem(shapes: Sequence[tuple[int, ...]]) -> tuple[int, str] | None:
    """The first layer whose output (``shapes[i]``, in order) passes :data:`MAX_MAP_VALUES`, or
    brings every output up to it past :data:`MAX_STACK_VALUES`: its index and why, with the numbers."""
    total = 0
    for i, shape in enumerate(shapes):
        n = math.prod(int(v) for v in shape)
        if n > MAX_MAP_VALUES:
            return i, (f"would output {_shape_text(shape)} = {n:,} numbers; kernelscope holds at most "
                       f"{MAX_MAP_VALUES:,} in one layer's output (1024x1024x64, so memory stays bounded)")
        total += n
        if total > MAX_STACK_VALUES:
            return i, (f"would bring the layers' outputs to {total:,} numbers; kernelscope holds at most "
                       f"{MAX_STACK_VALUES:,} for a whole stack (so memory stays bounded)")
    return None


def check_output_values(entries: Sequence[StackEntry]) -> None:
    """Every layer's output within the caps on what a computed stack holds, else a SessionError naming the layer."""
    problem = output_values_problem([tuple(entry.output_shape) for entry in entries])
    if problem is not None:
        i, why = problem
        raise SessionError(f"{layer_label(i, entries[i].config.get('name'))}: {why}")


def layer_labels(layers: list[Any] | tuple[Any, ...]) -> list[str]:
    """``layers[i] (name)`` for every entry of a stack, with Keras's default names where one is missing."""
    names: list[Any] = []
    for entry in layers:
        if isinstance(entry, StackEntry):
            names.append(entry.config.get("name"))
            continue
        config = entry.get("config") if isinstance(entry, Mapping) else None
        name = config.get("name") if isinstance(config, Mapping) else None
        names.append(name if isinstance(name, str) and name else None)
    taken = {n for n in names if n is not None}
    labels = []
    for i, (entry, name) in enumerate(zip(layers, names, strict=True)):
        class_name = entry.class_name if isinstance(entry, StackEntry) else None
        if isinstance(entry, Mapping):
            class_name = entry.get("class_name")
        if name is None and isinstance(class_name, str) and class_name in stack.LAYER_CLASSES:
            name = stack.default_name(class_name, taken)
            taken.add(name)
        labels.append(layer_label(i, name))
    return labels


_SIZE_LIMITS: dict[str, tuple[tuple[str, bool, int], ...]] = {
    # class: (config key, a pair?, most) checked before any weights are made for it
    "Conv2D": (
        ("filters", False, MAX_FILTERS),
        ("kernel_size", True, MAX_KERNEL_SIDE),
        ("strides", True, MAX_STRIDE),
        ("dilation_rate", True, MAX_DILATION),
    ),
    "Dense": (("units", False, MAX_UNITS),),
}


def _check_sizes(layers: list[Any] | tuple[Any, ...]) -> None:
    """kernelscope's size limits on the layer dicts, before the stack module builds (or draws
    missing) weights of those sizes; each refusal names the layer."""
    labels: list[str] | None = None
    for i, entry in enumerate(layers):
        if not isinstance(entry, Mapping):
            continue
        config: Any = entry.get("config")
        if not isinstance(config, Mapping):
            continue
        class_name: Any = entry.get("class_name")
        limits = _SIZE_LIMITS.get(class_name, ()) if isinstance(class_name, str) else ()
        for key, pair, most in limits:
            if key not in config or (key in ("strides", "dilation_rate") and config[key] is None):
                continue
            labels = labels or layer_labels(layers)
            name = f"{labels[i]}: config.{key}"
            if pair:
                check_pair(config[key], name, 1, most)
            else:
                check_whole(config[key], name, 1, most)


def _chained(entries: Any, input_shape: tuple[int, ...]) -> bool:
    """Entries the stack module already checked, each receiving what the one before it gives."""
    shape = tuple(input_shape)
    for entry in entries:
        if not isinstance(entry, StackEntry) or tuple(entry.input_shape) != shape:
            return False
        shape = tuple(entry.output_shape)
    return True


def stack_entries(layers: Any, input_shape: tuple[int, ...], seed: int = 0) -> tuple[StackEntry, ...]:
    """Checked stack entries for ``layers`` (entries or layer dicts) on an input of ``input_shape``;
    every refusal is one SessionError naming the layer."""
    if not isinstance(layers, (list, tuple)):
        raise SessionError(f"layers: expected a list of layers, got {kind_of(layers)}")
    if not layers:
        raise SessionError("layers: empty; a session needs at least one layer")
    if len(layers) > MAX_LAYERS:
        raise SessionError(f"layers: {len(layers)} layers is more than kernelscope holds ({MAX_LAYERS})")
    if _chained(layers, input_shape):
        entries = tuple(layers)
    else:
        _check_sizes(layers)
        try:
            h, w, c = input_shape
            entries = stack.normalize(list(layers), (h, w, c), seed)
        except ConvError as exc:  # LayerError among them: it names the layer
            raise SessionError(str(exc)) from None
    _check_conv_limits(entries)
    return entries


def _conv_entry(input_shape: tuple[int, ...], spec: ConvSpec, kernels: np.ndarray, bias: np.ndarray, name: str) -> (
    StackEntry
):
    config = {"name": name, **conv_config(spec)}
    weights = [kernels, bias] if spec.use_bias else [kernels]
    try:
        h, w, c = input_shape
        (entry,) = stack.normalize([{"class_name": "Conv2D", "config": config, "weights": weights}], (h, w, c))
    except ConvError as exc:
        raise SessionError(f"layer: {exc}") from None
    return entry


def _one_conv_name(layers: Any) -> str:
    """The Conv2D's name when ``layers`` (kept beside spec/kernels/bias, as ``dataclasses.replace``
    passes them on) is one Conv2D; the spec and weights given beside it win."""
    if not layers:
        return CONV_LAYER_NAME
    if not isinstance(layers, (list, tuple)) or len(layers) != 1:
        raise SessionError("layers: give either one Conv2D's spec, kernels and bias, or the layers, not both")
    entry = layers[0]
    class_name: Any
    config: Any
    if isinstance(entry, StackEntry):
        class_name, config = entry.class_name, entry.config
    elif isinstance(entry, Mapping):
        class_name, config = entry.get("class_name"), entry.get("config") or {}
    else:
        raise SessionError(f"layers[0]: expected a layer, got {kind_of(entry)}")
    if class_name != "Conv2D":
        raise SessionError("layers: give either one Conv2D's spec, kernels and bias, or the layers, not both")
    name: Any = config.get("name") if isinstance(config, Mapping) else None
    return name if isinstance(name, str) and name else CONV_LAYER_NAME


_ONE_CONV_FIELDS = frozenset({"spec", "kernels", "bias"})


@dataclass(frozen=True, eq=False, repr=False)
class Session:
    """One complete, consistent scene; its arrays are private read-only float32 copies.

    A session holds a stack of Keras layers (``layers``) over its input. A session that is exactly
    one Conv2D on a grey or RGB input (``is_single_conv``, what version 1 files hold) also offers
    that layer as ``spec``, ``kernels`` and ``bias``, and can be built from them. Such a session
    keeps its bias while ``use_bias`` is off (Keras has none then), so turning it back on restores
    it. For any other stack those three attributes raise SessionError: read ``layers`` instead.
    """

    input: np.ndarray
    kernels: np.ndarray = None  # type: ignore[assignment]
    bias: np.ndarray = None  # type: ignore[assignment]
    spec: ConvSpec = None  # type: ignore[assignment]
    view: ViewState = ViewState()
    title: str = ""
    notes: str = ""
    layers: tuple[StackEntry, ...] = ()
    class_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "input", _readonly_float32(self.input, "input", 3))
        if not isinstance(self.view, ViewState):
            raise SessionError(f"view: expected a ViewState, got {kind_of(self.view)}")
        object.__setattr__(self, "title", check_text(self.title, "title", MAX_TITLE))
        object.__setattr__(self, "notes", check_text(self.notes, "notes", MAX_NOTES))
        raw = self.__dict__
        given = [raw[key] is not None for key in ("kernels", "bias", "spec")]
        if any(given):
            if not all(given):
                raise SessionError("session: a one-Conv2D session needs its kernels, bias and spec together")
            self._init_one_conv()
        else:
            self._init_stack()
        entries = self.layers
        check_output_values(entries)
        outputs = entries[-1].output_shape[-1] if entries[-1].output_shape else 1
        object.__setattr__(self, "class_names", check_class_names(self.class_names, int(outputs)))

    def _init_one_conv(self) -> None:
        name = _one_conv_name(self.layers)
        object.__setattr__(self, "kernels", _readonly_float32(self.kernels, "kernels", 4))
        object.__setattr__(self, "bias", _readonly_float32(self.bias, "bias", 1))
        check_spec(self.spec)
        check_consistent(self.input, self.kernels, self.bias, self.spec, self.view)
        entry = _conv_entry(self.input.shape, self.spec, self.kernels, self.bias, name)
        object.__setattr__(self, "layers", (entry,))

    def _init_stack(self) -> None:
        check_stack_input_shape(self.input.shape)
        entries = stack_entries(self.layers, self.input.shape)
        object.__setattr__(self, "layers", entries)
        if _shows_one_conv(entries, self.input.shape):
            (entry,) = entries
            spec = conv_spec(entry.config)
            kernels = entry.weights[0]
            bias = entry.weights[1] if spec.use_bias else np.zeros(spec.filters, np.float32)
            bias.flags.writeable = False
            check_consistent(self.input, kernels, bias, spec, self.view)
            object.__setattr__(self, "kernels", kernels)
            object.__setattr__(self, "bias", bias)
            object.__setattr__(self, "spec", spec)

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if value is None and name in _ONE_CONV_FIELDS:
            raise SessionError(object.__getattribute__(self, "_not_one_conv")())
        return value

    def _not_one_conv(self) -> str:
        entries = self.layers
        if len(entries) == 1 and entries[0].class_name == "Conv2D":
            c = self.input.shape[2]
            return (
                f"this session's input has {c} channels; spec, kernels and bias describe one Conv2D on grey (1) "
                "or RGB (3) inputs: read its layers"
            )
        if len(entries) == 1:
            return f"this session's layer is a {entries[0].class_name}, not a Conv2D: read its layers"
        return f"this session is a stack of {len(entries)} layers, not one Conv2D: read its layers"

    @property
    def is_single_conv(self) -> bool:
        """Whether this session is one Conv2D on a grey or RGB input (what a version 1 file holds)."""
        return self.__dict__["spec"] is not None

    @property
    def layer_names(self) -> tuple[str, ...]:
        return tuple(str(entry.config["name"]) for entry in self.layers)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Session):
            return NotImplemented
        if self.is_single_conv != other.is_single_conv:
            return False
        if self.is_single_conv and not np.array_equal(self.bias, other.bias):
            return False  # the bias kept while use_bias is off is not in the layer's weights
        return (
            self.view == other.view
            and self.title == other.title
            and self.notes == other.notes
            and self.class_names == other.class_names
            and np.array_equal(self.input, other.input)
            and len(self.layers) == len(other.layers)
            and all(_same_entry(a, b) for a, b in zip(self.layers, other.layers, strict=True))
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shape = "x".join(str(n) for n in self.input.shape)
        layers = ", ".join(f"{entry.class_name}({entry.config['name']})" for entry in self.layers)
        return f"Session(title={self.title!r}, input={shape}, layers=[{layers}])"


def _shows_one_conv(entries: tuple[StackEntry, ...], input_shape: tuple[int, ...]) -> bool:
    return len(entries) == 1 and entries[0].class_name == "Conv2D" and input_shape[2] in (1, 3)


def _same_entry(a: StackEntry, b: StackEntry) -> bool:
    return (
        a.class_name == b.class_name
        and _plain(a.config) == _plain(b.config)
        and len(a.weights) == len(b.weights)
        and all(np.array_equal(x, y) for x, y in zip(a.weights, b.weights, strict=True))
    )


def _plain(value: Any) -> Any:
    """Config values with tuples as lists, so (3, 3) and [3, 3] compare equal."""
    if isinstance(value, Mapping):
        return {key: _plain(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


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


