"""TEMPORARY: replaced by the LAYERS helper's module at merge.

A minimal stand-in for the layer-stack contract (/work/tools/stack_contract.md) so the session
format and the command line can be written and tested now. It implements only Conv2D,
MaxPooling2D (padding="valid"), Flatten and Dense; every other class is refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kernelscope.core.engine.conv2d_layer import Conv2DLayer
from kernelscope.core.engine.convolution import ConvError, ConvSpec, activate, glorot_uniform
from kernelscope.core.numbers import is_whole, whole_pair

__all__ = [
    "LAYER_CLASSES",
    "LayerDict",
    "LayerError",
    "StackEntry",
    "default_name",
    "forward",
    "normalize",
    "summary",
    "summary_text",
]

LayerDict = Mapping[str, Any]

LAYER_CLASSES: tuple[str, ...] = (
    "Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling2D", "Flatten",
    "Dense", "Dropout", "Activation", "ReLU", "BatchNormalization", "ZeroPadding2D", "Rescaling",
)
_SUPPORTED = ("Conv2D", "MaxPooling2D", "Flatten", "Dense")
_OWN_KEYS = {
    "Conv2D": ("name", "filters", "kernel_size", "strides", "padding", "dilation_rate", "activation", "use_bias"),
    "MaxPooling2D": ("name", "pool_size", "strides", "padding"),
    "Flatten": ("name",),
    "Dense": ("name", "units", "activation", "use_bias"),
}
_IGNORED = ("trainable", "dtype", "data_format")


class LayerError(ConvError):
    """One line that names the layer."""

    def __init__(self, message: str, index: int | None = None, name: str | None = None) -> None:
        super().__init__(message)
        self.index = index
        self.name = name


def default_name(class_name: str, taken: Collection[str]) -> str:
    base = re.sub(r"([a-z])([A-Z])", r"\1_\2", re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)).lower()
    name, n = base, 0
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    return name


class _Result:
    def __init__(self, maps: np.ndarray) -> None:
        self._maps = maps

    def feature_maps(self) -> np.ndarray:
        return self._maps


@dataclass(frozen=True)
class _Simple:
    class_name: str
    config: Mapping[str, Any]
    weights: tuple[np.ndarray, ...]

    @property
    def keras_class(self) -> str:
        return self.class_name

    def output_shape(self, input_shape: tuple[int, ...], /) -> tuple[int, ...]:
        return _out_shape(self.class_name, self.config, input_shape)

    def count_params(self, input_shape: tuple[int, ...], /) -> int:
        return sum(int(w.size) for w in self.weights)

    def forward(self, x: np.ndarray, /) -> _Result:
        return _Result(_forward(self.class_name, self.config, self.weights, x))


def _out_shape(cls: str, config: Mapping[str, Any], shape: tuple[int, ...]) -> tuple[int, ...]:
    if cls == "MaxPooling2D":
        (ph, pw), (sh, sw) = config["pool_size"], config["strides"]
        return ((shape[0] - ph) // sh + 1, (shape[1] - pw) // sw + 1, shape[2])
    if cls == "Flatten":
        return (math.prod(shape),)
    return (int(config["units"]),)


def _forward(cls: str, config: Mapping[str, Any], weights: tuple[np.ndarray, ...], x: np.ndarray) -> np.ndarray:
    if cls == "MaxPooling2D":
        (ph, pw), (sh, sw) = config["pool_size"], config["strides"]
        oh, ow, c = _out_shape(cls, config, x.shape)
        out = np.full((oh, ow, c), -np.inf, np.float32)
        for i in range(ph):
            for j in range(pw):
                np.maximum(out, x[i : i + sh * (oh - 1) + 1 : sh, j : j + sw * (ow - 1) + 1 : sw], out=out)
        return out
    if cls == "Flatten":
        return np.ascontiguousarray(x, np.float32).reshape(-1)
    z = x.astype(np.float64) @ weights[0].astype(np.float64)
    if config["use_bias"]:
        z = z + weights[1]
    if config["activation"] == "softmax":
        e = np.exp(z - z.max())
        probabilities: np.ndarray = (e / e.sum()).astype(np.float32)
        return probabilities
    return activate(z, config["activation"])


@dataclass(frozen=True)
class StackEntry:
    class_name: str
    config: Mapping[str, Any]
    weights: tuple[np.ndarray, ...]
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    params: int
    layer: Any  # the real module: Layer

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"class_name": self.class_name, "config": dict(self.config)}
        if self.weights:
            out["weights"] = list(self.weights)
        return out


def _frozen(value: Any) -> np.ndarray:
    arr = np.array(value, dtype=np.float32, copy=True)
    arr.flags.writeable = False
    return arr


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(str(n) for n in shape)


def _entry(i: int, d: LayerDict, shape: tuple[int, ...], taken: set[str], seed: int) -> StackEntry:
    if not isinstance(d, Mapping) or not isinstance(d.get("class_name"), str):
        raise LayerError(f"layers[{i}]: expected an object with a class_name", i)
    cls = d["class_name"]
    if cls not in _SUPPORTED:
        known = ", ".join(_SUPPORTED)
        raise LayerError(f"layers[{i}]: kernelscope cannot compute {cls} layers (it computes {known})", i)
    raw = d.get("config", {})
    if not isinstance(raw, Mapping):
        raise LayerError(f"layers[{i}]: config: expected an object", i)
    name = raw.get("name") or default_name(cls, taken)
    if not isinstance(name, str):
        raise LayerError(f"layers[{i}]: config.name: expected text", i)
    if name in taken:
        raise LayerError(f"layers[{i}] ({name}): name: another layer is already called {name}", i, name)
    where = f"layers[{i}] ({name})"

    def fail(message: str) -> LayerError:
        return LayerError(f"{where}: {message}", i, name)

    for key in raw:
        ignorable = key in _IGNORED or str(key).endswith(("_initializer", "_regularizer", "_constraint"))
        if key not in _OWN_KEYS[cls] and not ignorable:
            raise fail(f"config.{key}: unknown key ({cls} has {', '.join(_OWN_KEYS[cls])})")
    extra = set(d) - {"class_name", "config", "weights"}
    if extra:
        raise fail(f"{sorted(extra)[0]}: unknown key")
    config: dict[str, Any] = {"name": name}
    expected: list[Any] = []
    if cls == "Conv2D":
        try:
            spec = ConvSpec(
                raw.get("filters"), raw.get("kernel_size"), raw.get("strides", 1), raw.get("padding", "valid"),  # type: ignore[arg-type]
                raw.get("dilation_rate", 1), raw.get("activation"), raw.get("use_bias", True),  # type: ignore[arg-type]
            )
        except ConvError as exc:
            raise fail(str(exc)) from None
        config.update(
            filters=spec.filters, kernel_size=spec.kernel_size, strides=spec.strides, padding=spec.padding,
            dilation_rate=spec.dilation_rate, activation=spec.activation, use_bias=spec.use_bias,
        )
        if len(shape) != 3:
            raise fail(f"expects an (H, W, C) input, got {_shape_text(shape)}")
        expected = [(*spec.kernel_size, shape[2], spec.filters)] + ([(spec.filters,)] if spec.use_bias else [])
    elif cls == "MaxPooling2D":
        pool = whole_pair(raw.get("pool_size", 2))
        strides = raw.get("strides")
        stride_pair = pool if strides is None else whole_pair(strides)
        if pool is None or stride_pair is None or raw.get("padding", "valid") != "valid":
            raise fail("the stand-in takes whole pool_size and strides, padding valid")
        if len(shape) != 3 or shape[0] < pool[0] or shape[1] < pool[1]:
            raise fail(f"a {_shape_text(pool)} pool does not fit a {_shape_text(shape)} input")
        config.update(pool_size=pool, strides=stride_pair, padding="valid")
    elif cls == "Dense":
        units: Any = raw.get("units")
        if not is_whole(units) or units < 1:
            raise fail(f"config.units: expected a whole number from 1, got {units!r}")
        activation = raw.get("activation") or "linear"
        if activation != "softmax":
            try:
                ConvSpec(activation=activation)
            except ConvError as exc:
                raise fail(str(exc)) from None
        config.update(units=int(units), activation=activation, use_bias=bool(raw.get("use_bias", True)))
        if len(shape) != 1:
            raise fail(f"expects a flat input, got {_shape_text(shape)} (add a Flatten layer)")
        expected = [(shape[0], int(units))]
        if config["use_bias"]:
            expected.append((int(units),))
    weights_in = d.get("weights")
    if weights_in is None:
        rng_seed = seed + i
        ws: list[np.ndarray] = []
        for k, w_shape in enumerate(expected):
            if k == 0 and len(w_shape) == 4:
                ws.append(_frozen(glorot_uniform(w_shape, rng_seed)))
            elif k == 0:
                limit = math.sqrt(6.0 / sum(w_shape))
                ws.append(_frozen(np.random.default_rng(rng_seed).uniform(-limit, limit, w_shape)))
            else:
                ws.append(_frozen(np.zeros(w_shape)))
        weights = tuple(ws)
    else:
        if not isinstance(weights_in, (list, tuple)) or len(weights_in) != len(expected):
            got = len(weights_in) if isinstance(weights_in, (list, tuple)) else weights_in
            raise fail(f"weights: expected {len(expected)} arrays, got {got}")
        weights = tuple(_frozen(w) for w in weights_in)
        for k, (w, want) in enumerate(zip(weights, expected, strict=True)):
            if w.shape != want:
                if cls == "Dense" and k == 0:
                    got = _shape_text(w.shape)
                    raise fail(f"weights[0]: shape {got} does not match the input of {shape[0]} values")
                raise fail(f"weights[{k}]: shape {_shape_text(w.shape)} does not match {_shape_text(want)}")
    layer: Any
    if cls == "Conv2D":
        bias = weights[1] if len(weights) > 1 else _frozen(np.zeros(config["filters"]))
        layer = Conv2DLayer(spec, weights[0], bias)
        try:
            out = tuple(layer.output_shape(shape))
        except ConvError as exc:
            raise fail(str(exc)) from None
    else:
        layer = _Simple(cls, config, weights)
        out = layer.output_shape(shape)
    taken.add(name)
    return StackEntry(cls, config, weights, shape, out, sum(int(w.size) for w in weights), layer)


def normalize(layers: Sequence[LayerDict], input_shape: tuple[int, int, int], seed: int = 0) -> tuple[StackEntry, ...]:
    taken: set[str] = set()
    out: list[StackEntry] = []
    shape: tuple[int, ...] = tuple(int(n) for n in input_shape)
    for i, d in enumerate(layers):
        entry = _entry(i, d.to_dict() if isinstance(d, StackEntry) else d, shape, taken, seed)
        out.append(entry)
        shape = entry.output_shape
    return tuple(out)


def forward(x: np.ndarray, layers: Sequence[LayerDict | StackEntry], seed: int = 0) -> list[np.ndarray]:
    arr = np.asarray(x, np.float32)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    entries = normalize(layers, arr.shape, seed)  # type: ignore[arg-type]
    outs: list[np.ndarray] = []
    for e in entries:
        arr = np.asarray(e.layer.forward(arr).feature_maps(), np.float32)
        outs.append(arr)
    return outs


def summary(input_shape: tuple[int, ...], layers: Sequence[LayerDict | StackEntry]) -> list[
    tuple[str, str, tuple[int | None, ...], int]
]:
    entries = normalize(layers, input_shape)  # type: ignore[arg-type]
    return [(e.config["name"], e.class_name, (None, *e.output_shape), e.params) for e in entries]


def summary_text(input_shape: tuple[int, ...], layers: Sequence[LayerDict | StackEntry]) -> str:
    rows = summary(input_shape, layers)
    lines = ['Model: "sequential"', f"{'Layer (type)':<32}{'Output Shape':<26}{'Param #':>10}"]
    for name, cls, shape, params in rows:
        shown = "(" + ", ".join("None" if v is None else str(v) for v in shape) + ")"
        lines.append(f"{f'{name} ({cls})':<32}{shown:<26}{params:>10,}")
    total = sum(r[3] for r in rows)
    lines.append(f"Total params: {total:,} ({total * 4 / 1024:.2f} KB)")
    lines.append(f"Trainable params: {total:,} ({total * 4 / 1024:.2f} KB)")
    lines.append("Non-trainable params: 0 (0.00 B)")
    return "\n".join(lines) + "\n"
