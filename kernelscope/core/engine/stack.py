"""A Keras ``Sequential`` stack in the session's layer form: validation, Keras's names and
initializers, the forward pass through every layer, and ``model.summary()``.

A layer entry speaks Keras's own vocabulary: ``{"class_name": "Dense", "config": {...get_config()
keys...}, "weights": [...get_weights()...]}``. Config keys Keras writes that do not change the
forward pass (``trainable``, ``dtype``, initializers, ...) are accepted and dropped, so a real
``get_config()`` pastes in; any other unknown key is refused by name. Every refusal is one line
that names the layer (:class:`LayerError`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from kernelscope.core.engine.conv2d_layer import Conv2DLayer
from kernelscope.core.engine.convolution import ConvError, ConvSpec, as_pair
from kernelscope.core.engine.dense import DenseLayer, dense_activation
from kernelscope.core.engine.elementwise import (
    ActivationLayer,
    BatchNormalizationLayer,
    DropoutLayer,
    FlattenLayer,
    ReLULayer,
    RescalingLayer,
    ZeroPadding2DLayer,
    padding_pairs,
)
from kernelscope.core.engine.layer import Layer, LayerOutput, Shape
from kernelscope.core.engine.pooling import GlobalPooling2DLayer, Pooling2DLayer
from kernelscope.core.engine.results import frozen
from kernelscope.core.numbers import is_whole

__all__ = [
    "LAYER_CLASSES",
    "LayerDict",
    "LayerError",
    "StackEntry",
    "default_name",
    "forward",
    "forward_results",
    "normalize",
    "summary",
    "summary_text",
]

LayerDict = Mapping[str, Any]

LAYER_CLASSES: tuple[str, ...] = (
    "Conv2D",
    "MaxPooling2D",
    "AveragePooling2D",
    "GlobalMaxPooling2D",
    "GlobalAveragePooling2D",
    "Flatten",
    "Dense",
    "Dropout",
    "Activation",
    "ReLU",
    "BatchNormalization",
    "ZeroPadding2D",
    "Rescaling",
)


class LayerError(ConvError):
    """A refusal that names the layer: ``layers[2] (dense): weights[0]: shape 800x10 does not
    match the input of 1568 values``. ``index`` and ``name`` say which layer (None when none)."""

    def __init__(self, message: str, index: int | None = None, name: str | None = None) -> None:
        where = "" if index is None else f"layers[{index}]" + (f" ({name})" if name else "") + ": "
        super().__init__(where + message)
        self.index = index
        self.name = name


def _snake_case(class_name: str) -> str:
    """Keras's ``to_snake_case``: "MaxPooling2D" -> "max_pooling2d", "ReLU" -> "re_lu"."""
    words = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", class_name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", words).lower()


def default_name(class_name: str, taken: Collection[str]) -> str:
    """Keras's default layer name: the snake_case class, then "_1", "_2", ... unique in ``taken``."""
    base = _snake_case(class_name)
    name, n = base, 0
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    return name


# --------------------------------------------------------------------------- config keys

_HARMLESS_KEYS = frozenset(
    {"name", "trainable", "dtype", "autocast", "activity_regularizer", "batch_input_shape", "batch_shape",
     "input_shape", "input_dim", "quantization_config"}
)
_HARMLESS_SUFFIXES = ("_initializer", "_regularizer", "_constraint")
# Keys whose default value changes nothing; another value would, so it is refused.
_NEUTRAL_VALUES: dict[str, tuple[Any, ...]] = {
    "data_format": (None, "channels_last"),
    "groups": (1,),
    "lora_rank": (None, 0),
    "lora_alpha": (None,),
}
# Keys that only matter in training: accepted and dropped per class.
_TRAINING_KEYS: dict[str, frozenset[str]] = {
    "Dropout": frozenset({"seed", "noise_shape"}),
    "BatchNormalization": frozenset({"momentum", "synchronized", "renorm", "renorm_clipping", "renorm_momentum",
                                     "fused", "virtual_batch_size", "adjustment"}),
}
_ENTRY_KEYS = frozenset({"class_name", "config", "weights", "module", "registered_name", "build_config"})


def _number(value: Any, what: str, low: float | None = None, high: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not math.isfinite(value):
        raise ConvError(f"{what} must be a number, not {value!r}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ConvError(f"{what} must be between {low} and {high}, not {value!r}")
    return float(value)


def _flag(value: Any, what: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ConvError(f"{what} must be true or false, not {value!r}")
    return bool(value)


def _whole(value: Any, what: str) -> int:
    if not is_whole(value) or value < 1:
        raise ConvError(f"{what} must be a whole number of at least 1, not {value!r}")
    return int(value)


def _padding(value: Any) -> str:
    padding = value.lower() if isinstance(value, str) else value
    if padding not in ("valid", "same"):
        raise ConvError(f"padding must be 'valid' or 'same', not {value!r}")
    return str(padding)


def _conv2d(c: Mapping[str, Any]) -> dict[str, Any]:
    for key in ("filters", "kernel_size"):
        if key not in c:
            raise ConvError(f"Conv2D needs {key}")
    spec = ConvSpec(
        filters=_whole(c["filters"], "filters"),
        kernel_size=c["kernel_size"],
        strides=c.get("strides", 1),
        padding=c.get("padding", "valid"),
        dilation_rate=c.get("dilation_rate", 1),
        activation=c.get("activation"),  # type: ignore[arg-type]  # ConvSpec validates it
        use_bias=c.get("use_bias", True),
    )
    return {"filters": spec.filters, "kernel_size": spec.kernel_size, "strides": spec.strides,
            "padding": spec.padding, "dilation_rate": spec.dilation_rate, "activation": spec.activation,
            "use_bias": spec.use_bias}


def _pooling(c: Mapping[str, Any]) -> dict[str, Any]:
    pool = as_pair(c.get("pool_size", 2), "pool_size")
    strides = c.get("strides")
    return {"pool_size": pool, "strides": pool if strides is None else as_pair(strides, "strides"),
            "padding": _padding(c.get("padding", "valid"))}


def _global_pooling(c: Mapping[str, Any]) -> dict[str, Any]:
    return {"keepdims": _flag(c.get("keepdims", False), "keepdims")}


def _dense(c: Mapping[str, Any]) -> dict[str, Any]:
    if "units" not in c:
        raise ConvError("Dense needs units")
    return {"units": _whole(c["units"], "units"), "activation": dense_activation(c.get("activation")),
            "use_bias": _flag(c.get("use_bias", True), "use_bias")}


def _dropout(c: Mapping[str, Any]) -> dict[str, Any]:
    if "rate" not in c:
        raise ConvError("Dropout needs rate")
    return {"rate": _number(c["rate"], "rate", 0.0, 1.0)}


def _activation(c: Mapping[str, Any]) -> dict[str, Any]:
    if "activation" not in c:
        raise ConvError("Activation needs activation")
    return {"activation": dense_activation(c["activation"])}


def _relu(c: Mapping[str, Any]) -> dict[str, Any]:
    max_value = c.get("max_value")
    return {
        "max_value": None if max_value is None else _number(max_value, "max_value", 0.0),
        "negative_slope": _number(c.get("negative_slope", 0.0), "negative_slope", 0.0),
        "threshold": _number(c.get("threshold", 0.0), "threshold", 0.0),
    }


def _batch_normalization(c: Mapping[str, Any]) -> dict[str, Any]:
    axis = c.get("axis", -1)
    if isinstance(axis, (list, tuple)) and len(axis) == 1:
        axis = axis[0]
    if not is_whole(axis):
        raise ConvError(f"axis must be -1 (the channels), not {axis!r}")
    epsilon = _number(c.get("epsilon", 1e-3), "epsilon")
    if epsilon <= 0:
        raise ConvError(f"epsilon must be above 0, not {epsilon!r}")
    return {"axis": int(axis), "epsilon": epsilon, "center": _flag(c.get("center", True), "center"),
            "scale": _flag(c.get("scale", True), "scale")}


def _zero_padding(c: Mapping[str, Any]) -> dict[str, Any]:
    value = c.get("padding", 1)
    pads = padding_pairs(value)
    if pads is None or min(*pads[0], *pads[1]) < 0:
        raise ConvError(f"padding must be n, (rows, cols) or ((top, bottom), (left, right)) of whole numbers >= 0, "
                        f"not {value!r}")
    return {"padding": pads}


def _rescaling(c: Mapping[str, Any]) -> dict[str, Any]:
    if "scale" not in c:
        raise ConvError("Rescaling needs scale")
    return {"scale": _number(c["scale"], "scale"), "offset": _number(c.get("offset", 0.0), "offset")}


def _flatten(c: Mapping[str, Any]) -> dict[str, Any]:
    return {}


# class -> (its own config keys, the reader that validates and normalizes them)
_CONFIGS: dict[str, tuple[tuple[str, ...], Callable[[Mapping[str, Any]], dict[str, Any]]]] = {
    "Conv2D": (("filters", "kernel_size", "strides", "padding", "dilation_rate", "activation", "use_bias"), _conv2d),
    "MaxPooling2D": (("pool_size", "strides", "padding"), _pooling),
    "AveragePooling2D": (("pool_size", "strides", "padding"), _pooling),
    "GlobalMaxPooling2D": (("keepdims",), _global_pooling),
    "GlobalAveragePooling2D": (("keepdims",), _global_pooling),
    "Flatten": ((), _flatten),
    "Dense": (("units", "activation", "use_bias"), _dense),
    "Dropout": (("rate",), _dropout),
    "Activation": (("activation",), _activation),
    "ReLU": (("max_value", "negative_slope", "threshold"), _relu),
    "BatchNormalization": (("axis", "epsilon", "center", "scale"), _batch_normalization),
    "ZeroPadding2D": (("padding",), _zero_padding),
    "Rescaling": (("scale", "offset"), _rescaling),
}


def _read_config(class_name: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """The layer's own keys, validated and normalized; harmless Keras keys dropped; others refused."""
    own, reader = _CONFIGS[class_name]
    training = _TRAINING_KEYS.get(class_name, frozenset())
    for key, value in config.items():
        if not isinstance(key, str):
            raise ConvError(f"config key {key!r} is not a name")
        if key in own or key in _HARMLESS_KEYS or key in training or key.endswith(_HARMLESS_SUFFIXES):
            continue
        if key in _NEUTRAL_VALUES:
            if value not in _NEUTRAL_VALUES[key]:
                raise ConvError(f"{key}={value!r} would change what {class_name} computes: kernelscope computes "
                                f"{key}={_NEUTRAL_VALUES[key][-1]!r} only")
            continue
        takes = ", ".join(own) if own else "no settings"
        raise ConvError(f"{class_name} has no setting {key!r} (it takes {takes})")
    return reader(config)


# --------------------------------------------------------------------------- weights


def _glorot_uniform(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Keras's default kernel initializer, U[-limit, limit) with limit = sqrt(6 / (fan_in + fan_out));
    fans as Keras computes them (the receptive field times the last two axes)."""
    receptive = math.prod(shape[:-2])
    limit = math.sqrt(6.0 / (shape[-2] * receptive + shape[-1] * receptive))
    weights = rng.uniform(-limit, limit, size=shape).astype(np.float32)
    hi = np.float32(limit)
    if hi >= limit:  # a float32 rounding may land on the excluded bound
        hi = np.nextafter(hi, np.float32(0))
    return np.clip(weights, -hi, hi, out=weights)


def _weight_specs(class_name: str, config: Mapping[str, Any], shape: Shape) -> list[tuple[str, tuple[int, ...]]]:
    """(role, expected shape) of every array of Keras's ``get_weights()`` for this input shape."""
    last = int(shape[-1])
    if class_name == "Conv2D":
        channels = last if len(shape) == 3 else 1
        kernel = (*config["kernel_size"], channels, config["filters"])
        return [("kernel", kernel)] + ([("bias", (config["filters"],))] if config["use_bias"] else [])
    if class_name == "Dense":
        units = config["units"]
        return [("kernel", (last, units))] + ([("bias", (units,))] if config["use_bias"] else [])
    if class_name == "BatchNormalization":
        roles = (["gamma"] if config["scale"] else []) + (["beta"] if config["center"] else [])
        return [(role, (last,)) for role in (*roles, "moving_mean", "moving_variance")]
    return []


def _initial(role: str, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Keras's initializers: glorot_uniform kernels, zero biases and betas and means, unit gammas and variances."""
    if role == "kernel":
        return _glorot_uniform(shape, rng)
    fill = 1.0 if role in ("gamma", "moving_variance") else 0.0
    return np.full(shape, fill, dtype=np.float32)


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(n) for n in shape) if shape else "scalar"


def _mismatch(class_name: str, config: Mapping[str, Any], role: str, got: tuple[int, ...],
              want: tuple[int, ...], input_shape: Shape) -> str:
    """Why a weight's shape is wrong, in the layer's own terms."""
    text = f"shape {_shape_text(got)}"
    if class_name == "Dense" and role == "kernel" and len(got) == 2 and got[1] == want[1]:
        return f"{text} does not match the input of {want[0]} values"
    if class_name == "Conv2D" and role == "kernel" and len(got) == 4 and got[:2] + got[3:] == want[:2] + want[3:]:
        return f"{text} does not match the input's {want[2]} channel(s) (expected {_shape_text(want)})"
    if class_name == "BatchNormalization":
        return f"{text} does not match the input's {want[0]} channel(s) (one {role} per channel)"
    return f"{text} does not match the layer (expected {_shape_text(want)})"


def _read_weights(entry: LayerDict, class_name: str, config: Mapping[str, Any], input_shape: Shape,
                  rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    specs = _weight_specs(class_name, config, input_shape)
    given = entry.get("weights")
    if given is None:
        arrays = [_initial(role, shape, rng) for role, shape in specs]
        for arr in arrays:
            arr.flags.writeable = False
        return tuple(arrays)
    if isinstance(given, (str, bytes, np.ndarray)) or not isinstance(given, Sequence):
        raise ConvError("weights must be a list of arrays, as layer.get_weights() returns")
    if len(given) != len(specs):
        roles = ", ".join(role for role, _ in specs) or "none"
        raise ConvError(f"{len(given)} weight array(s) given, but this layer has {len(specs)} ({roles})")
    out = []
    for k, ((role, shape), value) in enumerate(zip(specs, given, strict=True)):
        try:
            arr = frozen(value, f"weights[{k}] ({role})")
        except ConvError as exc:
            raise ConvError(f"weights[{k}]: {exc}") from None
        if arr.shape != shape:
            raise ConvError(f"weights[{k}]: {_mismatch(class_name, config, role, arr.shape, shape, input_shape)}")
        if role == "moving_variance" and (arr < 0).any():
            raise ConvError(f"weights[{k}]: a moving_variance is below 0: a variance cannot be negative")
        out.append(arr)
    return tuple(out)


def _build(class_name: str, config: Mapping[str, Any], weights: tuple[np.ndarray, ...]) -> Layer:
    """The engine object for a validated config and its weights."""
    if class_name == "Conv2D":
        spec = ConvSpec(**{k: config[k] for k in _CONFIGS["Conv2D"][0]})
        bias = weights[1] if spec.use_bias else np.zeros(spec.filters, np.float32)
        return Conv2DLayer(spec, weights[0], bias)
    if class_name in ("MaxPooling2D", "AveragePooling2D"):
        kind = "max" if class_name == "MaxPooling2D" else "average"
        return Pooling2DLayer(kind, config["pool_size"], config["strides"], config["padding"])
    if class_name in ("GlobalMaxPooling2D", "GlobalAveragePooling2D"):
        return GlobalPooling2DLayer("max" if class_name == "GlobalMaxPooling2D" else "average", config["keepdims"])
    if class_name == "Dense":
        bias = weights[1] if config["use_bias"] else np.zeros(config["units"], np.float32)
        return DenseLayer(weights[0], bias, config["activation"], config["use_bias"])
    if class_name == "BatchNormalization":
        rest = list(weights)
        channels = rest[-1].shape[0]
        gamma = rest.pop(0) if config["scale"] else np.ones(channels, np.float32)
        beta = rest.pop(0) if config["center"] else np.zeros(channels, np.float32)
        return BatchNormalizationLayer(gamma, beta, rest[0], rest[1], config["epsilon"], config["center"],
                                       config["scale"])
    simple: dict[str, Callable[[], Layer]] = {
        "Flatten": FlattenLayer,
        "Dropout": lambda: DropoutLayer(config["rate"]),
        "Activation": lambda: ActivationLayer(config["activation"]),
        "ReLU": lambda: ReLULayer(config["max_value"], config["negative_slope"], config["threshold"]),
        "ZeroPadding2D": lambda: ZeroPadding2DLayer(config["padding"]),
        "Rescaling": lambda: RescalingLayer(config["scale"], config["offset"]),
    }
    return simple[class_name]()


# --------------------------------------------------------------------------- entries


@dataclass(frozen=True, eq=False)
class StackEntry:
    """One validated layer of a stack: Keras's class and config, its weights (read-only float32, in
    ``get_weights()`` order), the shapes it takes and gives (no batch axis), its parameter count and
    the engine object that computes it."""

    class_name: str
    config: Mapping[str, Any]
    weights: tuple[np.ndarray, ...]
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int
    layer: Layer

    @property
    def name(self) -> str:
        return str(self.config["name"])

    @property
    def non_trainable_params(self) -> int:
        """BatchNormalization's moving mean and variance; none for the other layers."""
        return 2 * int(self.output_shape[-1]) if self.class_name == "BatchNormalization" else 0

    def to_dict(self) -> dict[str, Any]:
        """The session form back: ``{"class_name", "config", "weights"}`` (weights only when the layer has some)."""
        entry: dict[str, Any] = {"class_name": self.class_name, "config": dict(self.config)}
        if self.weights:
            entry["weights"] = list(self.weights)
        return entry


def _input_shape(shape: Sequence[int]) -> tuple[int, ...]:
    dims = tuple(shape)
    if len(dims) == 2:
        dims = (*dims, 1)
    if len(dims) != 3 or not all(is_whole(n) and n >= 1 for n in dims):
        raise LayerError(f"the input must be (height, width, channels), not {tuple(shape)}")
    return tuple(int(n) for n in dims)


def _entry_name(entry: Any) -> str | None:
    config = entry.get("config") if isinstance(entry, Mapping) else None
    name = config.get("name") if isinstance(config, Mapping) else None
    return name if isinstance(name, str) and name else None


def normalize(layers: Sequence[LayerDict], input_shape: Sequence[int], seed: int = 0) -> tuple[StackEntry, ...]:
    """Validated, immutable entries for ``layers`` on an input of ``input_shape`` (H, W, C).

    Fills missing names (Keras's defaults, unique in the stack) and missing weights (Keras's
    initializers, seeded by ``seed`` and the layer's index); checks every weight against the input
    that layer receives. Raises :class:`LayerError` naming the first layer that does not fit.
    """
    shape = _input_shape(input_shape)
    if isinstance(layers, (str, bytes, Mapping)) or not isinstance(layers, Sequence):
        raise LayerError("layers must be a list of layer entries")
    given = [_entry_name(e) for e in layers]
    taken: set[str] = {n for n in given if n is not None}
    seen: dict[str, int] = {}
    entries: list[StackEntry] = []
    for i, entry in enumerate(layers):
        name = given[i]
        if not isinstance(entry, Mapping):
            raise LayerError("a layer entry is {\"class_name\": ..., \"config\": {...}}", i)
        class_name = entry.get("class_name")
        if not isinstance(class_name, str) or class_name not in _CONFIGS:
            what = class_name if isinstance(class_name, str) else repr(class_name)
            raise LayerError(f"kernelscope cannot compute {what} layers (it computes {', '.join(LAYER_CLASSES)})",
                             i, name)
        config = entry.get("config", {})
        if not isinstance(config, Mapping):
            raise LayerError("config must be a mapping of Keras's get_config() keys", i, name)
        extra = sorted(str(k) for k in entry if k not in _ENTRY_KEYS)
        if extra:
            raise LayerError(f"unknown entry key {extra[0]!r} (an entry holds class_name, config, weights)", i, name)
        if "name" in config and name is None:
            raise LayerError(f"name must be a non-empty text, not {config['name']!r}", i)
        if name is None:
            name = default_name(class_name, taken)
            taken.add(name)
        if name in seen:
            raise LayerError(f"the name {name!r} is already used by layers[{seen[name]}]: names must differ", i, name)
        seen[name] = i
        try:
            own = _read_config(class_name, config)
            if class_name == "BatchNormalization" and own["axis"] not in (-1, len(shape)):
                raise ConvError(f"axis={own['axis']}: kernelscope normalizes the last axis (channels) only")
            rng = np.random.default_rng([seed, i])
            weights = _read_weights(entry, class_name, own, shape, rng)
            layer = _build(class_name, own, weights)
            out_shape = tuple(int(n) for n in layer.output_shape(shape))
            params = layer.count_params(shape)
        except LayerError:
            raise
        except ConvError as exc:
            raise LayerError(str(exc), i, name) from None
        config_out = MappingProxyType({"name": name, **own})
        entries.append(StackEntry(class_name, config_out, weights, shape, out_shape, params, layer))
        shape = out_shape
    return tuple(entries)


def _entries(
    layers: Sequence[LayerDict | StackEntry], input_shape: tuple[int, ...], seed: int
) -> tuple[StackEntry, ...]:
    """Entries already validated on this very chain of shapes are kept; otherwise all are re-read."""
    shape = input_shape
    for entry in layers:
        if not isinstance(entry, StackEntry) or entry.input_shape != shape:
            break
        shape = entry.output_shape
    else:
        return tuple(layers)  # type: ignore[arg-type]  # every one is a StackEntry
    dicts = [e.to_dict() if isinstance(e, StackEntry) else e for e in layers]
    return normalize(dicts, input_shape, seed)


def forward_results(x: Any, layers: Sequence[LayerDict | StackEntry], seed: int = 0) -> list[LayerOutput]:
    """Every layer's forward pass kept whole (its output and what a step traces), first to last."""
    try:
        image = np.asarray(x)
    except (TypeError, ValueError):
        raise LayerError("the input must hold numbers") from None
    entries = _entries(layers, _input_shape(image.shape), seed)
    results: list[LayerOutput] = []
    current: Any = image[:, :, None] if image.ndim == 2 else image
    for i, entry in enumerate(entries):
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused just below
                result = entry.layer.forward(current)
        except ConvError as exc:
            raise LayerError(str(exc), i, entry.name) from None
        if not np.isfinite(result.output).all():  # blame the layer that overflowed, not the next one
            raise LayerError("its output overflows 32-bit numbers: use smaller weights or input values", i, entry.name)
        results.append(result)
        current = result.output
    return results


def forward(x: Any, layers: Sequence[LayerDict | StackEntry], seed: int = 0) -> list[np.ndarray]:
    """Every layer's output as Keras computes it: read-only float32 arrays, no batch axis.

    ``x`` is (H, W) or (H, W, C); ``layers`` are session entries or :class:`StackEntry`.
    """
    outputs = []
    for result in forward_results(x, layers, seed):
        out = np.ascontiguousarray(result.output, dtype=np.float32)
        out.flags.writeable = False
        outputs.append(out)
    return outputs


# --------------------------------------------------------------------------- model.summary()


def summary(input_shape: Sequence[int], layers: Sequence[LayerDict | StackEntry]
            ) -> list[tuple[str, str, tuple[int | None, ...], int]]:
    """The rows of ``model.summary()``: (name, class, output shape with None for the batch, params)."""
    entries = _entries(layers, _input_shape(input_shape), 0)
    return [(e.name, e.class_name, (None, *e.output_shape), e.params) for e in entries]


def _memory(params: int) -> str:
    """Keras's ``readable_memory_size`` of float32 weights (4 bytes each)."""
    size = float(params * 4)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


_SUMMARY_WIDTHS = (31, 22, 13)
"""Keras's column widths (text, without padding) when the summary is not printed to a terminal
(``shutil.get_terminal_size()`` falls back to 80 columns, so Keras draws a 76-character table)."""


def _wrapped(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` characters, as rich wraps a Keras summary cell: at
    spaces, a word longer than the cell cut with an ellipsis."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        if len(word) > width:
            word = word[: width - 1] + "…"
        if current and len(current) + 1 + len(word) <= width:
            current += " " + word
            continue
        if current:
            lines.append(current)
        current = word
    lines.append(current)
    return lines


def summary_text(input_shape: Sequence[int], layers: Sequence[LayerDict | StackEntry], model_name: str = "sequential",
                 input_layer: str | None = None) -> str:
    """``model.summary()`` in Keras 3's wording and layout, as it prints when not on a terminal: the
    table with long cells wrapped, then the totals. ``input_layer`` names a functional model's
    InputLayer, which Keras lists first (a Sequential model's is not listed)."""
    shape = _input_shape(input_shape)
    entries = _entries(layers, shape, 0)
    rows = [(f"{e.name} ({e.class_name})", str((None, *e.output_shape)), f"{e.params:,}") for e in entries]
    if input_layer is not None:
        rows.insert(0, (f"{input_layer} (InputLayer)", str((None, *shape)), "0"))
    heads = ("Layer (type)", "Output Shape", "Param #")
    widths = _SUMMARY_WIDTHS

    def line(left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def cells(values: Sequence[str], bar: str) -> list[str]:
        wrapped = [_wrapped(v, w) for v, w in zip(values, widths, strict=True)]
        height = max(len(w) for w in wrapped)
        out_lines = []
        for k in range(height):
            name, shape_text, params = (w[k] if k < len(w) else "" for w in wrapped)
            texts = [f" {name:<{widths[0]}} ", f" {shape_text:<{widths[1]}} ", f" {params:>{widths[2]}} "]
            out_lines.append(bar + bar.join(texts) + bar)
        return out_lines

    out = [f'Model: "{model_name}"', line("┏", "━", "┳", "┓"), *cells(heads, "┃"), line("┡", "━", "╇", "┩")]
    for k, row in enumerate(rows):
        if k:
            out.append(line("├", "─", "┼", "┤"))
        out.extend(cells(row, "│"))
    out.append(line("└", "─", "┴", "┘"))
    total = sum(e.params for e in entries)
    frozen_params = sum(e.non_trainable_params for e in entries)
    out += [
        f" Total params: {total:,} ({_memory(total)})",
        f" Trainable params: {total - frozen_params:,} ({_memory(total - frozen_params)})",
        f" Non-trainable params: {frozen_params:,} ({_memory(frozen_params)})",
    ]
    return "\n".join(out)
