"""Keras model files written without Keras, from known arrays, in the layouts Keras 3.15 writes
(checked against files saved by Keras itself): a ``.keras`` zip and a legacy ``.h5`` (Keras 3, or
Keras 2 with ``:0`` weight names and byte-string attributes).

A layer is ``{"class_name", "config", "weights"}`` (config without a name gets Keras's default
name); a nested Sequential is ``{"class_name": "Sequential", "name": ..., "layers": [...]}``.

    write_keras(path, layers, (28, 28, 1))                       # Sequential
    write_keras(path, layers, shape, functional=True)            # single-chain functional model
    write_keras(path, layers, shape, functional=True, sources={"add": ["conv2d", "conv2d_1"]})  # a join
    write_h5(path, layers, shape, keras2=True)                   # Keras 2 legacy HDF5
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import h5py
import numpy as np

__all__ = ["model_config", "weight_roles", "write_h5", "write_keras", "write_keras_archive"]

_POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"}, "registered_name": None}


def _snake(class_name: str) -> str:
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _unique(base: str, used: dict[str, int]) -> str:
    if base in used:
        used[base] += 1
        return f"{base}_{used[base]}"
    used[base] = 0
    return base


def weight_roles(layer: Mapping[str, Any]) -> list[str]:
    """The names Keras gives a layer's ``get_weights()`` arrays, in order."""
    config = layer.get("config", {})
    if layer["class_name"] in ("Conv2D", "Dense"):
        return ["kernel", "bias"] if config.get("use_bias", True) else ["kernel"]
    if layer["class_name"] == "BatchNormalization":
        return [*(["gamma"] if config.get("scale", True) else []), *(["beta"] if config.get("center", True) else []),
                "moving_mean", "moving_variance"]
    return []


def _named(layers: Sequence[Mapping[str, Any]], taken: dict[str, int]) -> list[dict[str, Any]]:
    """Copies with every layer named (Keras's default names where none is given), nested ones too."""
    out = []
    for layer in layers:
        layer = dict(layer)
        if layer["class_name"] == "Sequential":
            if not layer.get("name"):
                layer["name"] = _unique("sequential", taken)
            layer["layers"] = _named(layer["layers"], taken)
        else:
            config = dict(layer.get("config", {}))
            if "name" not in config:  # Keras counts only the layers it names itself
                config["name"] = _unique(_snake(layer["class_name"]), taken)
            config.setdefault("trainable", True)
            config.setdefault("dtype", dict(_POLICY))
            layer["config"] = config
        out.append(layer)
    return out


def _name(layer: Mapping[str, Any]) -> str:
    return str(layer["name"] if layer["class_name"] == "Sequential" else layer["config"]["name"])


def _input_layer(name: str, shape: Sequence[int | None], keras2: bool) -> dict[str, Any]:
    key = "batch_input_shape" if keras2 else "batch_shape"
    return {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
            "config": {key: [None, *shape], "dtype": "float32", "sparse": False, "ragged": False, "name": name}}


def _layer_json(layer: Mapping[str, Any], keras2: bool) -> dict[str, Any]:
    if layer["class_name"] == "Sequential":
        inner = [_layer_json(x, keras2) for x in layer["layers"]]
        return {"module": "keras", "class_name": "Sequential", "registered_name": None,
                "config": {"name": layer["name"], "trainable": True, "layers": inner}}
    return {"module": "keras.layers", "class_name": layer["class_name"], "config": dict(layer["config"]),
            "registered_name": None}


def _tensor(source: str, keras2: bool) -> Any:
    if keras2:
        return [source, 0, 0, {}]
    return {"class_name": "__keras_tensor__", "config": {"shape": None, "dtype": "float32",
                                                        "keras_history": [source, 0, 0]}}


def model_config(layers: Sequence[Mapping[str, Any]], input_shape: Sequence[int | None], *, functional: bool = False,
                 name: str | None = None, keras2: bool = False, input_name: str = "input_layer",
                 sources: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
    """The model's config JSON (as ``config.json`` or ``model_config`` holds it); ``layers`` named."""
    if not functional:
        body = [_input_layer(input_name, input_shape, keras2)] + [_layer_json(x, keras2) for x in layers]
        return {"module": "keras", "class_name": "Sequential", "registered_name": None,
                "config": {"name": name or "sequential", "trainable": True, "dtype": dict(_POLICY), "layers": body}}
    items = [{**_input_layer(input_name, input_shape, keras2), "name": input_name, "inbound_nodes": []}]
    previous = input_name
    for layer in layers:
        item = _layer_json(layer, keras2)
        layer_name = _name(layer)
        reads = list((sources or {}).get(layer_name, [previous]))
        tensors = [_tensor(s, keras2) for s in reads]
        if keras2:
            node: Any = tensors
        else:
            node = {"args": [tensors if len(tensors) > 1 else tensors[0]], "kwargs": {}}
        items.append({**item, "name": layer_name, "inbound_nodes": [node]})
        previous = layer_name
    ends = (lambda n: [[n, 0, 0]]) if keras2 else (lambda n: [n, 0, 0])
    return {"module": "keras", "class_name": "Functional", "registered_name": None,
            "config": {"name": name or "functional", "trainable": True, "layers": items,
                       "input_layers": ends(input_name), "output_layers": ends(previous)}}


# --------------------------------------------------------------------------- .keras


def _keras_groups(root: Any, layers: Sequence[Mapping[str, Any]], with_input: bool, model_name: str) -> None:
    """``layers/<snake class>[_n]/vars/<i>`` in creation order, nested models nesting the path."""
    group = root.create_group("layers")
    used: dict[str, int] = {}
    if with_input:
        g = group.create_group(_unique("input_layer", used))
        g.create_group("vars")
    for layer in layers:
        g = group.create_group(_unique(_snake(layer["class_name"]), used))
        if layer["class_name"] == "Sequential":
            _keras_groups(g, layer["layers"], False, layer["name"])
            continue
        v = g.create_group("vars")
        v.attrs["name"] = layer["config"]["name"]
        for k, arr in enumerate(layer.get("weights") or []):
            v.create_dataset(str(k), data=np.asarray(arr))
    root.create_group("vars").attrs["name"] = model_name


def write_keras_archive(path: str | Path, config: Mapping[str, Any], weights: bytes | None,
                        keras_version: str = "3.15.1", compress: bool = False) -> Path:
    """A ``.keras`` zip of the given config and weights file bytes (None: no weights member)."""
    path = Path(path)
    kind = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(path, "w", kind) as archive:
        archive.writestr("metadata.json", json.dumps({"keras_version": keras_version,
                                                      "date_saved": "2026-12-02@12:00:00"}))
        archive.writestr("config.json", json.dumps(config))
        if weights is not None:
            archive.writestr("model.weights.h5", weights)
    return path


def write_keras(path: str | Path, layers: Sequence[Mapping[str, Any]], input_shape: Sequence[int | None], *,
                functional: bool = False, name: str | None = None, sources: Mapping[str, Sequence[str]] | None = None,
                weights: bool = True, compress: bool = False, keras_version: str = "3.15.1") -> Path:
    """A Keras 3 ``.keras`` file of ``layers`` (see the module docstring)."""
    named = _named(layers, {})
    config = model_config(named, input_shape, functional=functional, name=name, sources=sources)
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as root:
        _keras_groups(root, named, functional, config["config"]["name"])
    return write_keras_archive(path, config, buffer.getvalue() if weights else None, keras_version, compress)


# --------------------------------------------------------------------------- legacy .h5


def _text_array(values: Sequence[str], keras2: bool) -> Any:
    if keras2:
        return np.array([v.encode("utf8") for v in values], dtype="S") if values else np.array([], dtype="S1")
    return np.array(values, dtype=object) if values else np.array([], dtype=np.float64)


def _flat(layers: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    for layer in layers:
        out.extend(_flat(layer["layers"]) if layer["class_name"] == "Sequential" else [layer])
    return out


def write_h5(path: str | Path, layers: Sequence[Mapping[str, Any]], input_shape: Sequence[int | None], *,
             keras2: bool = False, functional: bool = False, name: str | None = None,
             sources: Mapping[str, Sequence[str]] | None = None, weights: bool = True) -> Path:
    """A legacy HDF5 model: ``model_config`` and ``model_weights/<layer>/`` with ``weight_names``
    (Keras 2: ``conv2d/kernel:0`` and byte strings; Keras 3: ``<model>/<layer>/kernel``)."""
    path = Path(path)
    named = _named(layers, {})
    config = model_config(named, input_shape, functional=functional, name=name, keras2=keras2, sources=sources)
    model_name = config["config"]["name"]
    version, backend = ("2.15.0", "tensorflow") if keras2 else ("3.15.1", "torch")
    with h5py.File(path, "w") as root:
        text = json.dumps(config)
        root.attrs["backend"] = backend.encode() if keras2 else backend
        root.attrs["keras_version"] = version.encode() if keras2 else version
        root.attrs["model_config"] = text.encode("utf8") if keras2 else text
        if not weights:
            return path
        group = root.create_group("model_weights")
        top = [_name(x) for x in named]
        group.attrs["backend"] = backend.encode() if keras2 else backend
        group.attrs["keras_version"] = version.encode() if keras2 else version
        group.attrs["layer_names"] = _text_array(([config["config"]["layers"][0]["config"]["name"]] if functional
                                                  else []) + top, keras2)
        for layer in named:
            g = group.create_group(_name(layer))
            names = []
            prefix = [] if keras2 or functional else [model_name]
            owners = [(layer, [])] if layer["class_name"] != "Sequential" else [(x, [layer["name"]])
                                                                                 for x in _flat(layer["layers"])]
            for owner, inner in owners:
                for role, arr in zip(weight_roles(owner), owner.get("weights") or [], strict=True):
                    parts = ([] if keras2 else [*prefix, *inner]) + [owner["config"]["name"], role + (":0" if keras2
                                                                                                     else "")]
                    names.append("/".join(parts))
                    g.create_dataset("/".join(parts), data=np.asarray(arr))
            g.attrs["weight_names"] = _text_array(names, keras2)
        if functional:
            g = group.create_group(config["config"]["layers"][0]["config"]["name"])
            g.attrs["weight_names"] = _text_array([], keras2)
        if not keras2:
            group.create_group("top_level_model_weights").attrs["weight_names"] = _text_array([], keras2)
    return path
