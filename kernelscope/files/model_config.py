"""A Keras model config (``config.json`` of a ``.keras`` file, ``model_config`` of an ``.h5``) read as
one chain of layers: what kernelscope can compute, first to last.

Sequential models and functional models that are a single chain are read; a nested Sequential (or
single-chain functional model) is flattened into the chain. The first layer that is not part of one
chain (a join, a second branch, a layer called twice, several outputs) stops it: :class:`Chain` keeps
the layers before it and says why in words. Both Keras 3's ``inbound_nodes`` (``__keras_tensor__``
with ``keras_history``) and Keras 2's nested lists are understood.

Each layer remembers where its weights are: the ``.keras`` group path (groups are named by class in
creation order, ``layers/conv2d``, ``layers/conv2d_1``, nested models nesting the path) and the legacy
HDF5 group (the top-level layer's name; a nested model's layers share its group).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["MAX_CONFIG_LAYERS", "MODEL_CLASSES", "Chain", "ConfigError", "KerasLayer", "read_chain", "snake_case"]

MODEL_CLASSES = frozenset({"Sequential", "Functional", "Model"})
"""Config classes that hold layers of their own (a nested model is flattened)."""

MAX_CONFIG_LAYERS = 5000
"""Layers one config may list, nested ones counted: a bound on the work a file can ask for."""

_MAX_NESTING = 8


class ConfigError(ValueError):
    """The config is not a Keras model config kernelscope can read (one line, no file name)."""


@dataclass(frozen=True)
class KerasLayer:
    """One layer of the chain, in Keras's words, and where its weights live."""

    class_name: str
    config: Mapping[str, Any]
    name: str
    keras_path: tuple[str, ...]  # the .keras weights group, e.g. ("layers", "sequential", "layers", "conv2d")
    h5_group: str  # the legacy HDF5 group under model_weights (the top-level layer's name)


@dataclass(frozen=True)
class Chain:
    model_class: str
    model_name: str
    input_shape: tuple[int | None, ...]  # no batch axis; None where the model takes any size
    layers: tuple[KerasLayer, ...]
    stop: tuple[str, str, str] | None  # (layer name, class, why) of the layer that stops the chain
    dtype_policies: frozenset[str]  # every dtype policy named in the config ("float32", "mixed_float16", ...)
    input_layer: str | None = None  # a functional model's InputLayer, which model.summary() lists first


def snake_case(class_name: str) -> str:
    """Keras's ``to_snake_case``, which names the groups of a ``.keras`` weights file."""
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


class _Stop(Exception):  # noqa: N818 - a control-flow signal, caught in this module
    def __init__(self, name: str, class_name: str, why: str) -> None:
        super().__init__(why)
        self.where = (name, class_name, why)


def _layer_list(config: Any, what: str) -> list[Mapping[str, Any]]:
    layers = config.get("layers") if isinstance(config, Mapping) else config
    if not isinstance(layers, list) or not all(isinstance(layer, Mapping) for layer in layers):
        raise ConfigError(f"{what} has no list of layers")
    return layers


def _name_of(layer: Mapping[str, Any]) -> str:
    config = layer.get("config")
    name = config.get("name") if isinstance(config, Mapping) else None
    if name is None:
        name = layer.get("name")
    if not isinstance(name, str) or not name or len(name) > 200:
        raise ConfigError(f"a {_class_of(layer)} layer has no usable name")
    return name


def _class_of(layer: Mapping[str, Any]) -> str:
    class_name = layer.get("class_name")
    if not isinstance(class_name, str) or not class_name or len(class_name) > 200:
        raise ConfigError("a layer has no class_name")
    return class_name


def _batch_shape(config: Any) -> tuple[int | None, ...] | None:
    """The shape without the batch axis from an InputLayer's or first layer's config, if it gives one."""
    if not isinstance(config, Mapping):
        return None
    for key in ("batch_shape", "batch_input_shape"):
        shape = config.get(key)
        if isinstance(shape, list) and len(shape) >= 2:
            return _dims(shape[1:])
    build = config.get("build_config")
    if isinstance(build, Mapping) and isinstance(build.get("input_shape"), list) and len(build["input_shape"]) >= 2:
        return _dims(build["input_shape"][1:])
    shape = config.get("build_input_shape")
    if isinstance(shape, list) and len(shape) >= 2:
        return _dims(shape[1:])
    return None


def _dims(values: Sequence[Any]) -> tuple[int | None, ...]:
    out: list[int | None] = []
    for v in values:
        if v is None:
            out.append(None)
        elif isinstance(v, int) and not isinstance(v, bool) and v >= 1:
            out.append(v)
        else:
            raise ConfigError(f"the input shape {list(values)!r} is not a list of sizes")
    return tuple(out)


def _policies(value: Any, found: set[str], depth: int = 0) -> None:
    """Every dtype policy name in a config ("dtype": "float32" or a DTypePolicy/Policy object)."""
    if depth > 64:
        return
    if isinstance(value, Mapping):
        dtype = value.get("dtype")
        if isinstance(dtype, str):
            found.add(dtype)
        elif isinstance(dtype, Mapping) and isinstance(dtype.get("config"), Mapping):
            name = dtype["config"].get("name")
            if isinstance(name, str):
                found.add(name)
        for v in value.values():
            if isinstance(v, (Mapping, list)):
                _policies(v, found, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _policies(v, found, depth + 1)


# --------------------------------------------------------------------------- functional graphs


def _history(tensor: Any) -> str | None:
    """The source layer of one Keras 3 ``__keras_tensor__``."""
    if isinstance(tensor, Mapping) and tensor.get("class_name") == "__keras_tensor__":
        config = tensor.get("config")
        history = config.get("keras_history") if isinstance(config, Mapping) else None
        if isinstance(history, list) and history and isinstance(history[0], str):
            return history[0]
    return None


def _tensors(value: Any, out: list[str], depth: int = 0) -> None:
    """Every Keras 3 tensor's source layer found in a node's args."""
    if depth > 16:
        return
    source = _history(value)
    if source is not None:
        out.append(source)
    elif isinstance(value, list):
        for v in value:
            _tensors(v, out, depth + 1)
    elif isinstance(value, Mapping):
        for v in value.values():
            _tensors(v, out, depth + 1)


def _node_sources(node: Any) -> list[str]:
    """The layers one call of a layer reads from (Keras 3 ``{"args": ...}`` or Keras 2 ``[[name, 0, 0, {}], ...]``)."""
    sources: list[str] = []
    if isinstance(node, Mapping):
        _tensors(node.get("args", []), sources)
        _tensors(node.get("kwargs", {}), sources)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, list) and item and isinstance(item[0], str):
                sources.append(item[0])
    return sources


def _ends(value: Any) -> list[str]:
    """The layer names of ``input_layers`` / ``output_layers``: ``[name, 0, 0]`` or a list of them."""
    if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str):
        return [value[0]]
    if isinstance(value, list):
        return [v[0] for v in value if isinstance(v, list) and v and isinstance(v[0], str)]
    return []


def _join_after(layers: list[Mapping[str, Any]], branch: Mapping[str, Any]) -> _Stop | None:
    """The stop at the first layer after ``branch`` that joins several branches (an Add,
    a Concatenate), or None when the branch never joins (a second output)."""
    for layer in layers[layers.index(branch) + 1:]:
        nodes = layer.get("inbound_nodes")
        sources = [s for node in nodes for s in _node_sources(node)] if isinstance(nodes, list) else []
        if len(sources) > 1:
            count = len(sources)
            return _Stop(_name_of(layer), _class_of(layer), f"joins {'two' if count == 2 else count} branches")
    return None


# --------------------------------------------------------------------------- walking


class _Walk:
    def __init__(self) -> None:
        self.layers: list[KerasLayer] = []
        self.count = 0
        self.input_shape: tuple[int | None, ...] | None = None  # the top-level model's, once known
        self.input_layer: str | None = None  # the top-level functional model's InputLayer

    def count_layer(self) -> None:
        self.count += 1
        if self.count > MAX_CONFIG_LAYERS:
            raise ConfigError(f"the model lists more than {MAX_CONFIG_LAYERS} layers (kernelscope's cap)")

    def model(self, model: Mapping[str, Any], path: tuple[str, ...], h5_group: str | None, depth: int
              ) -> tuple[int | None, ...] | None:
        """Add a (nested) model's layers to the chain; the input shape it declares, if any."""
        if depth > _MAX_NESTING:
            raise ConfigError(f"models nested more than {_MAX_NESTING} deep")
        class_name = _class_of(model)
        config = model.get("config")
        if class_name == "Sequential":
            return self._sequential(config, path, h5_group, depth)
        return self._functional(config, path, h5_group, depth)

    def _child_path(self, path: tuple[str, ...], used: dict[str, int], class_name: str) -> tuple[str, ...]:
        base = snake_case(class_name)
        if base in used:
            used[base] += 1
            return (*path, "layers", f"{base}_{used[base]}")
        used[base] = 0
        return (*path, "layers", base)

    def _add(self, layer: Mapping[str, Any], path: tuple[str, ...], h5_group: str | None, depth: int) -> None:
        self.count_layer()
        class_name, name = _class_of(layer), _name_of(layer)
        group = name if h5_group is None else h5_group
        if class_name in MODEL_CLASSES:
            self.model(layer, path, group, depth + 1)
            return
        config = layer.get("config")
        if not isinstance(config, Mapping):
            raise ConfigError(f"layer {name!r} has no config")
        self.layers.append(KerasLayer(class_name, config, name, path, group))

    def _sequential(self, config: Any, path: tuple[str, ...], h5_group: str | None, depth: int
                    ) -> tuple[int | None, ...] | None:
        layers = _layer_list(config, "the Sequential model")
        shape = _batch_shape(layers[0].get("config")) if layers else None
        if shape is None and isinstance(config, Mapping):
            shape = _batch_shape(config)
        if depth == 0:
            self.input_shape = shape
        used: dict[str, int] = {}
        for layer in layers:
            class_name = _class_of(layer)
            if class_name == "InputLayer":
                self.count_layer()
                continue
            self._add(layer, self._child_path(path, used, class_name), h5_group, depth)
        return shape

    def _functional(self, config: Any, path: tuple[str, ...], h5_group: str | None, depth: int
                    ) -> tuple[int | None, ...] | None:
        if not isinstance(config, Mapping):
            raise ConfigError("the functional model has no config")
        layers = _layer_list(config, "the functional model")
        inputs, outputs = _ends(config.get("input_layers")), _ends(config.get("output_layers"))
        if not inputs:
            raise ConfigError("the functional model names no input layer")
        by_name = {_name_of(layer): layer for layer in layers}
        if inputs[0] not in by_name:
            raise ConfigError(f"the input layer {inputs[0]!r} is not among the model's layers")
        shape = _batch_shape(by_name[inputs[0]].get("config"))
        if depth == 0:
            self.input_shape = shape
            self.input_layer = inputs[0]
        used: dict[str, int] = {}
        previous = inputs[0]
        for layer in layers:
            class_name, name = _class_of(layer), _name_of(layer)
            child = self._child_path(path, used, class_name)
            if name in inputs:
                self.count_layer()
                continue
            nodes = layer.get("inbound_nodes")
            nodes = nodes if isinstance(nodes, list) else []
            sources = [s for node in nodes for s in _node_sources(node)]
            if len(nodes) > 1:
                raise _Stop(name, class_name, f"is called {len(nodes)} times (a shared layer)")
            joined = sorted(set(sources), key=sources.index)
            if len(joined) > 1 or len(sources) > 1:
                count = len(sources)
                what = "two" if count == 2 else str(count)
                if any(s in inputs[1:] for s in sources) or all(s in inputs for s in sources):
                    raise _Stop(name, class_name, f"takes {what} inputs")
                raise _Stop(name, class_name, f"joins {what} branches")
            if joined != [previous]:
                if joined and joined[0] in inputs[1:]:
                    raise _Stop(name, class_name, f"reads the model's second input {joined[0]!r}")
                join = _join_after(layers, layer)
                if join is not None:  # name the layer a person recognises: the Add that joins them
                    raise join
                source = joined[0] if joined else "nothing"
                raise _Stop(name, class_name, f"starts a branch from {source!r}")
            self._add(layer, child, h5_group, depth)
            previous = name
        if len(outputs) > 1:
            raise _Stop(outputs[1], _class_of(by_name.get(outputs[1], {"class_name": "?"})),
                        f"is a second output (the model has {len(outputs)} outputs)")
        return shape


def read_chain(model: Any) -> Chain:
    """The chain of ``model`` (the parsed config JSON); raises :class:`ConfigError`."""
    if not isinstance(model, Mapping):
        raise ConfigError("the config is not a Keras model (no class_name and config)")
    class_name = model.get("class_name")
    if class_name not in MODEL_CLASSES:
        shown = class_name if isinstance(class_name, str) and len(class_name) < 60 else "?"
        raise ConfigError(f"the config is a {shown}, not a Sequential or functional model")
    config = model.get("config")
    name = config.get("name") if isinstance(config, Mapping) else None
    walk = _Walk()
    stop = None
    try:
        walk.model(model, (), None, 0)
    except _Stop as stopped:
        stop = stopped.where
    shape = walk.input_shape
    if shape is None and walk.layers:
        shape = _batch_shape(walk.layers[0].config)
    if shape is None:
        raise ConfigError("the config does not say the model's input shape (no InputLayer or batch_input_shape)")
    found: set[str] = set()
    _policies(model, found)
    return Chain(str(class_name), name if isinstance(name, str) else str(class_name), shape, tuple(walk.layers), stop,
                 frozenset(found), walk.input_layer)
