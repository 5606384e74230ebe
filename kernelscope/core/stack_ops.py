"""A layer stack's edits as pure functions: the engine layers back in Keras's words, a new layer
with Keras's defaults, a layer reconfigured or fitted to a new input, and the shape chain that
says which layer first stops fitting.

The document holds engine layers (each valid on its own) and calls these; a stack whose shapes no
longer chain is held as it is and marked, so an upstream edit never loses a downstream layer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from kernelscope.core.engine import (
    ActivationLayer,
    BatchNormalizationLayer,
    Conv2DLayer,
    ConvError,
    DenseLayer,
    DropoutLayer,
    FlattenLayer,
    GlobalPooling2DLayer,
    Layer,
    Pooling2DLayer,
    ReLULayer,
    RescalingLayer,
    ZeroPadding2DLayer,
    stack,
)
from kernelscope.core.engine.layer import Shape

MAP_CLASSES = frozenset({"Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalMaxPooling2D",
                         "GlobalAveragePooling2D", "ZeroPadding2D"})
"""Layers that take (height, width, channels) maps only."""

__all__ = [
    "MAP_CLASSES",
    "Chain",
    "build_layer",
    "cell_at",
    "chain",
    "default_config",
    "fit_weights",
    "layer_config",
    "layer_entry",
    "layer_weights",
    "reconfigure",
    "steps_of",
    "weight_roles",
    "with_weights",
]


def layer_config(layer: Layer) -> dict[str, Any]:
    """The layer's own ``get_config()`` keys (no name), pairs as lists: what a session stores."""
    if isinstance(layer, Conv2DLayer):
        s = layer.spec
        return {"filters": s.filters, "kernel_size": list(s.kernel_size), "strides": list(s.strides),
                "padding": s.padding, "dilation_rate": list(s.dilation_rate), "activation": s.activation,
                "use_bias": s.use_bias}
    if isinstance(layer, Pooling2DLayer):
        return {"pool_size": list(layer.pool_size), "strides": list(layer.strides or layer.pool_size),
                "padding": layer.padding}
    if isinstance(layer, GlobalPooling2DLayer):
        return {"keepdims": layer.keepdims}
    if isinstance(layer, DenseLayer):
        return {"units": layer.units, "activation": layer.activation, "use_bias": layer.use_bias}
    if isinstance(layer, DropoutLayer):
        return {"rate": layer.rate}
    if isinstance(layer, ActivationLayer):
        return {"activation": layer.activation}
    if isinstance(layer, ReLULayer):
        return {"max_value": layer.max_value, "negative_slope": layer.negative_slope, "threshold": layer.threshold}
    if isinstance(layer, BatchNormalizationLayer):
        return {"axis": -1, "epsilon": layer.epsilon, "center": layer.center, "scale": layer.scale}
    if isinstance(layer, ZeroPadding2DLayer):
        return {"padding": [list(layer.padding[0]), list(layer.padding[1])]}
    if isinstance(layer, RescalingLayer):
        return {"scale": layer.scale, "offset": layer.offset}
    if isinstance(layer, FlattenLayer):
        return {}
    raise ConvError(f"kernelscope cannot describe a {type(layer).__name__}")


def layer_weights(layer: Layer) -> list[np.ndarray]:
    """The arrays of Keras's ``get_weights()``, in its order (read-only float32)."""
    if isinstance(layer, Conv2DLayer):
        return [layer.kernels, layer.bias] if layer.spec.use_bias else [layer.kernels]
    if isinstance(layer, DenseLayer):
        return [layer.kernel, layer.bias] if layer.use_bias else [layer.kernel]
    if isinstance(layer, BatchNormalizationLayer):
        roles = (["gamma"] if layer.scale else []) + (["beta"] if layer.center else [])
        return [getattr(layer, role) for role in (*roles, "moving_mean", "moving_variance")]
    return []


def weight_roles(layer: Layer) -> list[str]:
    """The name of each array of :func:`layer_weights` ("kernel", "bias", "gamma", ...)."""
    if isinstance(layer, (Conv2DLayer, DenseLayer)):
        return ["kernel", "bias"][: len(layer_weights(layer))]
    if isinstance(layer, BatchNormalizationLayer):
        return (["gamma"] if layer.scale else []) + (["beta"] if layer.center else []) + ["moving_mean",
                                                                                        "moving_variance"]
    return []


def layer_entry(layer: Layer, name: str) -> dict[str, Any]:
    """The session's layer entry: ``{"class_name", "config", "weights"}`` (weights when it has some)."""
    entry: dict[str, Any] = {"class_name": layer.keras_class, "config": {"name": name, **layer_config(layer)}}
    weights = layer_weights(layer)
    if weights:
        entry["weights"] = weights
    return entry


def default_config(class_name: str, input_shape: Shape | None, last: bool) -> dict[str, Any]:
    """Settings a newly added layer starts with: Keras's defaults where it has them, otherwise
    what the article's models use (3x3 relu Conv2D, 2x2 pools, a softmax Dense at the end)."""
    maps = input_shape is not None and len(input_shape) == 3
    defaults: dict[str, dict[str, Any]] = {
        "Conv2D": {"filters": 8, "kernel_size": [3, 3], "activation": "relu"},
        "MaxPooling2D": {"pool_size": [2, 2]},
        "AveragePooling2D": {"pool_size": [2, 2]},
        "GlobalMaxPooling2D": {},
        "GlobalAveragePooling2D": {},
        "Flatten": {},
        "Dense": {"units": 10, "activation": "softmax" if last and not maps else "relu"},
        "Dropout": {"rate": 0.5},
        "Activation": {"activation": "relu"},
        "ReLU": {},
        "BatchNormalization": {},
        "ZeroPadding2D": {"padding": [[1, 1], [1, 1]]},
        "Rescaling": {"scale": 1 / 255},
    }
    if class_name not in defaults:
        known = ", ".join(stack.LAYER_CLASSES)
        raise ConvError(f"kernelscope cannot compute {class_name} layers (it computes {known})")
    return dict(defaults[class_name])


def build_layer(class_name: str, config: Mapping[str, Any], input_shape: Shape,
                weights: Sequence[np.ndarray] | None = None, seed: int = 0) -> Layer:
    """An engine layer of ``class_name`` on ``input_shape``; missing weights are Keras's initializers.
    Refuses (ConvError) a config or weights that do not fit that input."""
    entry: dict[str, Any] = {"class_name": class_name, "config": {k: v for k, v in config.items() if k != "name"}}
    if weights is not None:
        entry["weights"] = list(weights)
    shape = tuple(int(n) for n in input_shape)
    if len(shape) != 3 and class_name in MAP_CLASSES:
        raise ConvError(f"{class_name} needs maps (height, width, channels), but its input here is a vector of "
                        f"{shape[-1]} values: put it before the Flatten")
    try:
        # normalize reads an image's shape; a vector's last axis is all a vector layer's weights need
        (built,) = stack.normalize([entry], shape if len(shape) == 3 else (1, 1, shape[-1]), seed)
    except stack.LayerError as exc:  # it names "layers[0]" of a one-layer list: the caller names the layer
        raise ConvError(_unplaced(exc)) from None
    built.layer.output_shape(shape)
    return built.layer


def _unplaced(exc: stack.LayerError) -> str:
    """A LayerError's message without the "layers[i] (name): " its place in a list added."""
    where = "" if exc.index is None else f"layers[{exc.index}]" + (f" ({exc.name})" if exc.name else "") + ": "
    return str(exc).removeprefix(where)


def _fit_axis(arr: np.ndarray, axis: int, size: int, fill: float = 0.0) -> np.ndarray:
    """``arr`` cropped or padded with ``fill`` along ``axis`` to ``size``."""
    if arr.shape[axis] >= size:
        return np.take(arr, range(size), axis=axis)
    pad_shape = list(arr.shape)
    pad_shape[axis] = size - arr.shape[axis]
    return np.concatenate([arr, np.full(pad_shape, fill, arr.dtype)], axis=axis)


def fit_weights(layer: Layer, input_shape: Shape) -> Layer:
    """The layer with its weights cropped or zero-padded to take ``input_shape`` (the weights
    that still apply keep their values); a layer without such weights comes back as it is."""
    last = int(input_shape[-1])
    if isinstance(layer, Conv2DLayer):
        return Conv2DLayer(layer.spec, _fit_axis(layer.kernels, 2, last), layer.bias)
    if isinstance(layer, DenseLayer):
        return DenseLayer(_fit_axis(layer.kernel, 0, last), layer.bias, layer.activation, layer.use_bias)
    if isinstance(layer, BatchNormalizationLayer):
        return BatchNormalizationLayer(
            _fit_axis(layer.gamma, 0, last, 1.0), _fit_axis(layer.beta, 0, last), _fit_axis(layer.moving_mean, 0, last),
            _fit_axis(layer.moving_variance, 0, last, 1.0), layer.epsilon, layer.center, layer.scale,
        )
    return layer


def reconfigure(layer: Layer, config: Mapping[str, Any], input_shape: Shape) -> Layer:
    """The layer with new settings on ``input_shape``; weights carry over where their shape allows
    (a Dense that gains units keeps the old ones' columns, new columns start at zero)."""
    own = {k: v for k, v in config.items() if k != "name"}
    weights: list[np.ndarray] | None = None
    if isinstance(layer, DenseLayer):
        units = own.get("units", layer.units)
        kernel = _fit_axis(layer.kernel, 1, int(units)) if isinstance(units, int) and units >= 1 else layer.kernel
        bias = _fit_axis(layer.bias, 0, kernel.shape[1])
        weights = [kernel, bias] if own.get("use_bias", True) else [kernel]
    elif isinstance(layer, BatchNormalizationLayer):
        center, scale = bool(own.get("center", True)), bool(own.get("scale", True))
        weights = ([layer.gamma] if scale else []) + ([layer.beta] if center else []) + [layer.moving_mean,
                                                                                         layer.moving_variance]
    try:
        new = build_layer(layer.keras_class, own, input_shape, weights)
    except stack.LayerError as exc:
        raise ConvError(_unplaced(exc)) from None
    if isinstance(new, DenseLayer) and isinstance(layer, DenseLayer) and not new.use_bias:
        # Kept while use_bias is off (the pass ignores it), as a Conv2D keeps its bias: turning it back on restores it.
        new = replace(new, bias=_fit_axis(layer.bias, 0, new.units))
    return new


@dataclass(frozen=True)
class Chain:
    """What a stack computes on an input: the shape each layer receives (``inputs[i]``) and gives
    (``outputs[i]``) up to the first layer that does not fit (``problem``: its index and why), and
    each fitting layer's parameter count."""

    inputs: tuple[Shape, ...]
    outputs: tuple[Shape, ...]
    params: tuple[int, ...]
    problem: tuple[int, str] | None

    @property
    def fits(self) -> int:
        """How many layers, from the first, fit: the ones the engine can compute."""
        return len(self.outputs)


def chain(layers: Sequence[Layer], input_shape: Shape) -> Chain:
    """The shapes through ``layers`` and the first layer that does not fit, with why."""
    shape = tuple(int(n) for n in input_shape)
    inputs: list[Shape] = []
    outputs: list[Shape] = []
    params: list[int] = []
    for i, layer in enumerate(layers):
        inputs.append(shape)
        try:
            out = tuple(int(n) for n in layer.output_shape(shape))
            count = layer.count_params(shape)
        except ConvError as exc:
            return Chain(tuple(inputs), tuple(outputs), tuple(params), (i, str(exc)))
        outputs.append(out)
        params.append(count)
        shape = out
    return Chain(tuple(inputs), tuple(outputs), tuple(params), None)


def steps_of(shape: Shape) -> int:
    """Steps of an output: its positions row by row for maps (H', W', C), its values for a vector."""
    if len(shape) == 3:
        return int(shape[0]) * int(shape[1])
    return int(shape[-1]) if shape else 1


def cell_at(shape: Shape, step: int, channel: int) -> tuple[int, ...]:
    """The output cell a step shows: (row, col, channel) of maps, (unit,) of a vector."""
    if len(shape) == 3:
        row, col = divmod(step, int(shape[1]))
        return row, col, min(channel, int(shape[2]) - 1)
    return (step,)


def with_weights(layer: Layer, weights: Sequence[np.ndarray]) -> Layer:
    """The layer with new arrays in :func:`layer_weights`' order and layout (an edited weight)."""
    arrays = list(weights)
    if len(arrays) != len(layer_weights(layer)):
        raise ConvError(f"{layer.keras_class} has {len(layer_weights(layer))} weight arrays, not {len(arrays)}")
    if isinstance(layer, Conv2DLayer):
        return Conv2DLayer(layer.spec, arrays[0], arrays[1] if len(arrays) > 1 else layer.bias)
    if isinstance(layer, DenseLayer):
        return DenseLayer(arrays[0], arrays[1] if len(arrays) > 1 else layer.bias, layer.activation, layer.use_bias)
    if isinstance(layer, BatchNormalizationLayer):
        named = dict(zip(weight_roles(layer), arrays, strict=True))
        return BatchNormalizationLayer(named.get("gamma", layer.gamma), named.get("beta", layer.beta),
                                       named["moving_mean"], named["moving_variance"], layer.epsilon, layer.center,
                                       layer.scale)
    raise ConvError(f"a {layer.keras_class} layer has no weights")
