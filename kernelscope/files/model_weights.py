"""The weight arrays of one layer, read from an open HDF5 file, each checked before it is read.

Two layouts: a ``.keras`` file's ``model.weights.h5`` (``layers/<class path>/vars/0, 1, ...`` in
``get_weights()`` order) and a legacy ``.h5`` model (``model_weights/<layer>/`` with the attribute
``weight_names``: ``conv2d/kernel:0`` in Keras 2, ``sequential/conv2d/kernel`` in Keras 3; a nested
model's layers share its group). Every link on the way must be a plain (hard) link, and every array a
stored (not virtual, not external) floating-point dataset of exactly the shape the config implies:
an external link or file could make h5py read anything, and a wrong shape is refused before a byte of
it is read. Only the datasets a layer needs are read, one at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from kernelscope.files.model_config import KerasLayer

__all__ = ["WeightError", "keras_weights", "legacy_weights", "roles", "weight_shapes"]


class WeightError(ValueError):
    """One line about a layer's weights in the file (missing, wrong shape, not numbers)."""


def roles(class_name: str, config: Any) -> list[str]:
    """The names of ``get_weights()``'s arrays for a normalized config, in order."""
    if class_name in ("Conv2D", "Dense"):
        return ["kernel", "bias"] if config["use_bias"] else ["kernel"]
    if class_name == "BatchNormalization":
        return [*(["gamma"] if config["scale"] else []), *(["beta"] if config["center"] else []),
                "moving_mean", "moving_variance"]
    return []


def weight_shapes(class_name: str, config: Any, input_shape: Sequence[int]) -> list[tuple[str, tuple[int, ...]]]:
    """(role, shape) of every array the layer needs on an input of ``input_shape``."""
    last = int(input_shape[-1])
    if class_name == "Conv2D":
        filters = int(config["filters"])
        shapes = {"kernel": (*config["kernel_size"], last, filters), "bias": (filters,)}
    elif class_name == "Dense":
        shapes = {"kernel": (last, int(config["units"])), "bias": (int(config["units"]),)}
    else:
        shapes = {}
    return [(role, tuple(int(n) for n in shapes.get(role, (last,)))) for role in roles(class_name, config)]


def _text(shape: Sequence[int]) -> str:
    return "x".join(str(n) for n in shape) if len(shape) else "scalar"


def _child(group: Any, name: str, where: str) -> Any:
    """``group[name]`` through a hard link only (h5py would follow soft and external links anywhere)."""
    import h5py  # type: ignore[import-untyped]

    link = group.get(name, getlink=True)
    if link is None:
        raise WeightError(f"{where} is missing")
    if not isinstance(link, h5py.HardLink):
        raise WeightError(f"{where} is a link to elsewhere ({type(link).__name__}); kernelscope reads plain datasets")
    return group[name]


def _read(dataset: Any, shape: tuple[int, ...], where: str) -> np.ndarray:
    """The dataset as read-only float32, after its kind, storage and shape are checked."""
    import h5py

    if not isinstance(dataset, h5py.Dataset):
        raise WeightError(f"{where} is not an array")
    if dataset.is_virtual or dataset.external:
        raise WeightError(f"{where} is stored outside the file; kernelscope reads arrays stored in it")
    if dataset.dtype.kind != "f" or dataset.dtype.itemsize not in (2, 4, 8):
        raise WeightError(f"{where} holds {dataset.dtype} values, not floating-point numbers")
    if tuple(dataset.shape) != shape:
        raise WeightError(f"{where} has shape {_text(dataset.shape)}, but the layer needs {_text(shape)}")
    arr = np.empty(shape, np.float32)
    if arr.size:
        dataset.read_direct(arr)  # HDF5 converts float16/64 to float32 on the way; too large becomes inf
    if not np.isfinite(arr).all():
        raise WeightError(f"{where} holds a value that is not a finite number (nan or inf)")
    arr.flags.writeable = False
    return arr


def keras_weights(root: Any, layer: KerasLayer, shapes: list[tuple[str, tuple[int, ...]]]) -> list[np.ndarray]:
    """A ``.keras`` file's arrays for ``layer``: ``layers/<class path>/vars/<i>``."""
    group = root
    where = ""
    for part in (*layer.keras_path, "vars"):
        where = f"{where}/{part}" if where else part
        group = _child(group, part, f"the weights of layer {layer.name!r} ({where})")
    names = list(group.keys())
    if len(names) != len(shapes):
        raise WeightError(f"layer {layer.name!r} has {len(names)} weight array(s) in the file ({where}), but its "
                          f"config needs {len(shapes)} ({', '.join(r for r, _ in shapes) or 'none'})")
    out = []
    for k, (role, shape) in enumerate(shapes):
        item = f"layer {layer.name!r} {role} ({where}/{k})"
        out.append(_read(_child(group, str(k), item), shape, item))
    return out


def _decoded(values: Any) -> list[str]:
    out = []
    for v in np.asarray(values).reshape(-1)[:10_000]:
        out.append(v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v))
    return out


def _role_of(weight_name: str) -> str:
    """``conv2d/kernel:0`` -> ``kernel``."""
    last = weight_name.rsplit("/", 1)[-1]
    return last.split(":", 1)[0]


def legacy_weights(root: Any, layer: KerasLayer, shapes: list[tuple[str, tuple[int, ...]]]) -> list[np.ndarray]:
    """A legacy ``.h5`` model's arrays for ``layer``: from ``model_weights/<group>``'s ``weight_names``,
    matched by layer name (a nested model's group holds all its layers) and role."""
    if not shapes:
        return []
    weights = _child(root, "model_weights", "the weights (model_weights)")
    where = f"model_weights/{layer.h5_group}"
    group = _child(weights, layer.h5_group, f"the weights of layer {layer.name!r} ({where})")
    attr = group.attrs.get("weight_names")
    names = _decoded(attr) if attr is not None else []
    mine = [n for n in names if len(n.split("/")) >= 2 and n.split("/")[-2] == layer.name]
    if not mine and layer.h5_group == layer.name:
        mine = names
    by_role = {_role_of(n): n for n in mine}
    if len(by_role) != len(mine) or not all(role in by_role for role, _ in shapes):
        if len(mine) != len(shapes):
            raise WeightError(f"layer {layer.name!r} has {len(mine)} weight array(s) in {where}, but its config needs "
                              f"{len(shapes)} ({', '.join(r for r, _ in shapes)})")
        by_role = {role: name for (role, _), name in zip(shapes, mine, strict=True)}
    elif len(mine) != len(shapes):
        raise WeightError(f"layer {layer.name!r} has {len(mine)} weight array(s) in {where}, but its config needs "
                          f"{len(shapes)} ({', '.join(r for r, _ in shapes)})")
    out = []
    for role, shape in shapes:
        name = by_role[role]
        item = f"layer {layer.name!r} {role} ({where}/{name})"
        node = group
        for part in name.split("/"):
            node = _child(node, part, item)
        out.append(_read(node, shape, item))
    return out
