"""Keras model files opened without Keras: a ``.keras`` archive (``config.json``, ``metadata.json``,
``model.weights.h5``) or a legacy HDF5 ``.h5`` model (Keras 2 or 3), read with ``zipfile``, ``json``
and ``h5py`` into a stack session of the model's computable chain (``model_config`` reads the
chain, ``model_weights`` the arrays, ``model_input`` the starting input).

Nothing here trusts the file. It is looked at before it is opened (a folder or a pipe is refused),
sniffed by content, every zip member's size is capped before it is read (``MAX_CONFIG_BYTES``,
``MAX_METADATA_BYTES``, ``MAX_WEIGHTS_BYTES`` for a compressed weights member), the config's size and
nesting are bounded, and each weight array is checked (plain link, stored in the file, floating
point, the exact shape the config implies) before it is read, one layer at a time. The weights of
the opened chain are capped at :data:`MAX_PARAMS` parameters (64 MB of float32), each layer's output
at ``MAX_MAP_VALUES`` numbers and the layers' outputs together at :data:`MAX_OUTPUT_VALUES` (the
scene's rule for every stack), so memory stays bounded: a Conv2D may have up to 512 filters, and the
chain stops at the layer that would pass a cap and says so, with the numbers. Anything that cannot
be opened is one :class:`ModelError` line; Keras, TensorFlow, torch and JAX are never imported.
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kernelscope.core.engine import LAYER_CLASSES, ConvError, LayerError, normalize
from kernelscope.core.engine.stack import StackEntry
from kernelscope.core.pasted_layer import MAX_MODEL_PARAMS
from kernelscope.core.scene import (
    MAX_CHANNELS,
    MAX_FILTERS,
    MAX_INPUT_SIDE,
    MAX_LAYERS,
    MAX_MAP_VALUES,
    MAX_NOTES,
    MAX_STACK_VALUES,
    MAX_TITLE,
    MAX_UNITS,
    Session,
    SessionError,
    ViewState,
    check_spec,
    conv_spec,
    output_values_problem,
)
from kernelscope.files.model_config import Chain, ConfigError, KerasLayer, read_chain
from kernelscope.files.model_input import InputError, concrete_shape, given_input, starting_input, value_mode
from kernelscope.files.model_weights import WeightError, keras_weights, legacy_weights, weight_shapes
from kernelscope.files.regular_file import kind_text

__all__ = [
    "MAX_CONFIG_BYTES",
    "MAX_OUTPUT_VALUES",
    "MAX_PARAMS",
    "MAX_WEIGHTS_BYTES",
    "MODEL_SUFFIXES",
    "ModelError",
    "OpenedModel",
    "is_model_file",
    "load_model",
]

MODEL_SUFFIXES: tuple[str, ...] = (".keras", ".h5", ".hdf5")

MAX_PARAMS = MAX_MODEL_PARAMS
"""Parameters of the opened chain together (16 million float32 numbers, 64 MB): the cap on weights held."""
MAX_OUTPUT_VALUES = MAX_STACK_VALUES
"""Every opened layer's output together, in float32 numbers: the forward pass keeps them all (the
scene's one rule for every stack; one layer's output is capped by ``MAX_MAP_VALUES`` too)."""
MAX_CONFIG_BYTES = 8 * 1024 * 1024
"""``config.json`` (or ``model_config``): far above any real model's, far below a JSON bomb's."""
MAX_METADATA_BYTES = 64 * 1024
MAX_WEIGHTS_BYTES = 256 * 1024 * 1024
"""A compressed ``model.weights.h5`` member is inflated into memory up to this size (a stored one,
as Keras writes it, is read in place)."""
MAX_ZIP_MEMBERS = 10_000

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_KERAS_WEIGHTS = "model.weights.h5"


class ModelError(SessionError):
    """One line for the person: what is wrong with the file; nothing was changed."""


@dataclass(frozen=True)
class OpenedModel:
    """A model file opened as a stack session of its computable chain."""

    session: Session
    stopped: str | None
    value_note: str | None
    path: Path
    remarks: tuple[str, ...] = ()  # free sizes chosen, mixed precision computed in float32
    model_name: str = ""  # the model's own name in its config ("sequential", "digits", ...)
    input_layer: str | None = None  # a functional model's InputLayer name (model.summary() lists it)

    def message(self) -> str:
        """What the window and the command line say after opening: the stopped line (or what opened),
        then the value note and remarks."""
        layers = self.session.layers
        params = sum(entry.params for entry in layers)
        first = self.stopped or (f"opened {self.path.name}: {len(layers)} layer{'s' if len(layers) != 1 else ''}, "
                                 f"{params:,} parameters")
        return "; ".join([first, *(n for n in (self.value_note, *self.remarks) if n)])


def is_model_file(path: str | Path) -> bool:
    """Whether ``path`` names a Keras model file, by its suffix (any case)."""
    return Path(path).suffix.lower() in MODEL_SUFFIXES


# --------------------------------------------------------------------------- the file


@dataclass(frozen=True)
class _Source:
    """What was read of the file: its config, where it came from, and how to read a layer's weights."""

    chain: Chain
    kind: str  # "Keras 3 .keras" / "legacy HDF5 (Keras 2)"
    version: str
    root: Any  # the open h5py File
    legacy: bool


def _magic(path: Path, label: str) -> bytes:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ModelError(f"{label}: no such file") from None
    except OSError as exc:
        raise ModelError(f"{label}: {exc.strerror or exc}") from None
    kind = kind_text(st.st_mode)
    if kind is not None:
        raise ModelError(f"{label}: is {kind}, not a Keras model file")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb", buffering=0) as f:
            return f.read(8) or b""
    except OSError as exc:
        raise ModelError(f"{label}: {exc.strerror or exc}") from None


def _json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except RecursionError:
        raise ConfigError(f"{what} is nested too deeply to be a model config") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{what} is not valid JSON ({str(exc).splitlines()[0][:80]})") from None


def _member(archive: zipfile.ZipFile, name: str, cap: int, label: str) -> bytes | None:
    """A zip member's bytes, refused past ``cap`` by its claimed size and by what inflating gives."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > cap:
        raise ModelError(f"{label}: {name} claims {info.file_size:,} bytes, more than kernelscope reads "
                         f"({cap:,}); nothing was opened")
    with archive.open(info) as member:
        data = member.read(cap + 1)
    if len(data) > cap:
        raise ModelError(f"{label}: {name} inflates past {cap:,} bytes (a zip bomb?); nothing was opened")
    return data


def _version(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return value[:40] if isinstance(value, str) else "?"


def _attr_text(root: Any, name: str, cap: int, label: str) -> bytes | None:
    """A (possibly huge) string attribute, its stored size checked before it is read."""
    if name not in root.attrs:
        return None
    size = root.attrs.get_id(name).get_storage_size()
    if size > cap:
        raise ModelError(f"{label}: its {name} holds {size:,} bytes, more than kernelscope reads ({cap:,})")
    value = root.attrs[name]
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(-1)[0]
    if isinstance(value, str):
        value = value.encode("utf-8")
    if not isinstance(value, (bytes, np.bytes_)):
        raise ModelError(f"{label}: its {name} is not text")
    if len(value) > cap:
        raise ModelError(f"{label}: its {name} holds {len(value):,} bytes, more than kernelscope reads ({cap:,})")
    return bytes(value)


def _open_h5(target: Any) -> Any:
    import h5py  # type: ignore[import-untyped]

    return h5py.File(target, "r")


def _with_source(path: Path, label: str, input_array: np.ndarray | None) -> OpenedModel:
    magic = _magic(path, label)
    if magic.startswith(_ZIP_MAGIC):
        return _from_keras_zip(path, label, input_array)
    if magic.startswith(_HDF5_MAGIC):
        with _open_h5(str(path)) as root:
            text = _attr_text(root, "model_config", MAX_CONFIG_BYTES, label)
            if text is None:
                raise ModelError(f"{label}: has no model_config, so it is not a whole Keras model (weights alone?); "
                                 "kernelscope opens models saved with model.save()")
            version = _version(root.attrs.get("keras_version"))
            major = version.split(".")[0]
            kind = f"legacy HDF5 (Keras {major})" if major.isdigit() else "legacy HDF5"
            chain = read_chain(_json(text, "model_config"))
            return _build(_Source(chain, kind, version, root, True), path, label, input_array)
    if not magic:
        raise ModelError(f"{label}: the file is empty")
    raise ModelError(f"{label}: is not a Keras model (neither a .keras zip archive nor an HDF5 .h5 file)")


def _from_keras_zip(path: Path, label: str, input_array: np.ndarray | None) -> OpenedModel:
    with zipfile.ZipFile(path) as archive:
        if len(archive.infolist()) > MAX_ZIP_MEMBERS:
            raise ModelError(f"{label}: the archive holds more than {MAX_ZIP_MEMBERS:,} files: not a Keras model")
        config = _member(archive, "config.json", MAX_CONFIG_BYTES, label)
        if config is None:
            raise ModelError(f"{label}: is a zip archive without config.json: not a Keras model")
        meta = _member(archive, "metadata.json", MAX_METADATA_BYTES, label)
        metadata = _json(meta, "metadata.json") if meta is not None else {}
        version = _version(metadata.get("keras_version") if isinstance(metadata, Mapping) else None)
        chain = read_chain(_json(config, "config.json"))
        kind = f"Keras {version.split('.')[0]} .keras" if version != "?" else ".keras"
        try:
            info = archive.getinfo(_KERAS_WEIGHTS)
        except KeyError:
            raise ModelError(f"{label}: has no weights ({_KERAS_WEIGHTS} is missing from the archive)") from None
        if info.compress_type == zipfile.ZIP_STORED:
            with archive.open(info) as member, _open_h5(member) as root:
                return _build(_Source(chain, kind, version, root, False), path, label, input_array)
        data = _member(archive, _KERAS_WEIGHTS, MAX_WEIGHTS_BYTES, label) or b""
        with _open_h5(io.BytesIO(data)) as root:
            return _build(_Source(chain, kind, version, root, False), path, label, input_array)


# --------------------------------------------------------------------------- the chain


def _why(exc: Exception) -> str:
    """A LayerError's words without the ``layers[0] (name): `` a one-layer probe puts first."""
    text = str(exc)
    if isinstance(exc, LayerError) and exc.index is not None:
        prefix = f"layers[{exc.index}]" + (f" ({exc.name})" if exc.name else "") + ": "
        text = text.removeprefix(prefix)
    return text


def _limits(class_name: str, config: Mapping[str, Any]) -> str | None:
    """kernelscope's view limits on a layer, in words (None when it fits)."""
    if class_name == "Conv2D":
        if config["filters"] > MAX_FILTERS:
            return f"has {config['filters']} filters; kernelscope shows up to {MAX_FILTERS}"
        try:
            check_spec(conv_spec(config))
        except SessionError as exc:
            return str(exc).removeprefix("layer.")
    if class_name == "Dense" and config["units"] > MAX_UNITS:
        return f"has {config['units']} units; kernelscope shows up to {MAX_UNITS}"
    return None


def _surrogate(shape: tuple[int, ...]) -> tuple[int, int, int]:
    """A 3-D stand-in for a layer's input (the stack starts from an image): a vector as 1x1xN."""
    if len(shape) == 3:
        return (int(shape[0]), int(shape[1]), int(shape[2]))
    return (1, 1, int(shape[-1])) if shape else (1, 1, 1)


@dataclass
class _Built:
    dicts: list[dict[str, Any]]
    stop: tuple[str, str, str] | None


def _chain_layers(chain: Chain, source: _Source, label: str, shape: tuple[int, ...]) -> _Built:
    """Every layer's entry dict with its checked weights, up to the first layer that cannot be computed."""
    dicts: list[dict[str, Any]] = []
    params = 0
    outputs: list[tuple[int, ...]] = []
    names: set[str] = set()
    read = legacy_weights if source.legacy else keras_weights
    for i, layer in enumerate(chain.layers):
        where = (layer.name, layer.class_name)
        if i >= MAX_LAYERS:
            return _Built(dicts, (*where, f"is layer {i + 1}: kernelscope holds {MAX_LAYERS} layers"))
        if layer.class_name not in LAYER_CLASSES:
            return _Built(dicts, (*where, "is a layer type kernelscope does not compute"))
        if layer.name in names:
            return _Built(dicts, (*where, "has the name of an earlier layer"))
        tiny = (shape[0], shape[1], 1) if len(shape) == 3 else (1, 1, 1)
        try:
            (probe,) = normalize([{"class_name": layer.class_name, "config": layer.config}], tiny)
        except ConvError as exc:
            return _Built(dicts, (*where, _why(exc)))
        reason = _limits(layer.class_name, probe.config)
        if reason is not None:
            return _Built(dicts, (*where, reason))
        shapes = weight_shapes(layer.class_name, probe.config, shape)
        count = sum(math.prod(s) for _, s in shapes)
        if params + count > MAX_PARAMS:
            return _Built(dicts, (*where, f"would bring the weights past {MAX_PARAMS:,} parameters (kernelscope's "
                                          "cap, so memory stays bounded)"))
        try:
            weights = read(source.root, layer, shapes)
        except WeightError as exc:
            raise ModelError(f"{label}: {exc}") from None
        entry = _entry(layer, weights, shape, label)
        try:
            out = tuple(int(n) for n in entry.layer.output_shape(shape))
        except ConvError as exc:
            return _Built(dicts, (*where, str(exc)))
        outputs.append(out)
        problem = output_values_problem(outputs)
        if problem is not None:
            return _Built(dicts, (*where, problem[1]))
        params += count
        names.add(layer.name)
        dicts.append({"class_name": layer.class_name, "config": dict(layer.config), "weights": weights})
        shape = out
    return _Built(dicts, chain.stop)


def _entry(layer: KerasLayer, weights: list[np.ndarray], shape: tuple[int, ...], label: str) -> StackEntry:
    try:
        (entry,) = normalize([{"class_name": layer.class_name, "config": layer.config, "weights": weights}],
                             _surrogate(shape))
    except ConvError as exc:
        raise ModelError(f"{label}: layer {layer.name!r} ({layer.class_name}): {_why(exc)}") from None
    return entry


def _remarks(chain: Chain, free: str | None) -> tuple[str, ...]:
    out = [free] if free else []
    lower = {p for p in chain.dtype_policies if p not in ("float32", "float64")}
    if lower:
        out.append(f"the model computes in {', '.join(sorted(lower))}; kernelscope computes float32")
    return tuple(out)


def _sentence(line: str) -> str:
    """A message line as a sentence of the notes."""
    return line[:1].upper() + line[1:] + ("" if line.endswith(".") else ".")


def _build(source: _Source, path: Path, label: str, input_array: np.ndarray | None) -> OpenedModel:
    chain = source.chain
    given = None if input_array is None else tuple(np.shape(input_array))
    if given is not None and len(given) == 4 and given[0] == 1:
        given = given[1:]
    (h, w, c), free = concrete_shape(chain.input_shape, given)
    if h > MAX_INPUT_SIDE or w > MAX_INPUT_SIDE or c > MAX_CHANNELS:
        raise ModelError(f"{label}: the model's input is {h}x{w}x{c}; kernelscope opens inputs up to "
                         f"{MAX_INPUT_SIDE} on a side and {MAX_CHANNELS} channels")
    if h * w * c > MAX_MAP_VALUES:
        raise ModelError(f"{label}: the model's input is {h}x{w}x{c} = {h * w * c:,} numbers; kernelscope opens "
                         f"inputs of at most {MAX_MAP_VALUES:,} (so memory stays bounded)")
    shape = (h, w, c)
    built = _chain_layers(chain, source, label, shape)
    if not built.dicts:
        if built.stop is None:
            raise ModelError(f"{label}: the model has no layers to compute")
        name, class_name, why = built.stop
        raise ModelError(f"{label}: layer '{name}' ({class_name}) {why}; kernelscope cannot compute the model's "
                         "first layer, so nothing was opened")
    try:
        entries = normalize(built.dicts, shape)
    except ConvError as exc:
        raise ModelError(f"{label}: {exc}") from None
    stopped = None
    if built.stop is not None:
        name, class_name, why = built.stop
        stopped = f"{label}: layer '{name}' ({class_name}) {why}; kernelscope explores the chain up to " \
                  f"'{entries[-1].name}'"
    first = entries[0]
    mode, value_note = value_mode((first.class_name, first.config))
    pixels = starting_input(shape, mode) if input_array is None else given_input(input_array, (h, w, c))
    remarks = _remarks(chain, free)
    count = f"{len(entries)} layer{'s' if len(entries) != 1 else ''}"
    notes = (f"Opened from {label}, a {source.kind} file"
             + (f" (Keras {source.version})" if source.version != "?" else "")
             + f": {chain.model_class} model '{chain.model_name}', {count}."
             + (f"\n{stopped}." if stopped else "")
             + "".join(f"\n{_sentence(line)}" for line in (value_note, *remarks) if line))
    try:
        session = Session(input=pixels, layers=entries, view=ViewState(value_mode=mode), title=label[:MAX_TITLE],
                          notes=notes[:MAX_NOTES])
    except SessionError as exc:
        raise ModelError(f"{label}: {exc}") from None
    return OpenedModel(session, stopped, value_note, path, remarks, chain.model_name, chain.input_layer)


def load_model(path: str | Path, input_array: np.ndarray | None = None) -> OpenedModel:
    """The model in ``path`` as a stack session of its computable chain (see the module docstring).

    ``input_array`` (H, W, C), (1, H, W, C) or (H, W) replaces the starting input. Raises
    :class:`ModelError` in one line for anything it cannot open; never imports Keras or a backend.
    """
    p = Path(path)
    label = p.name or str(p)
    try:
        return _with_source(p, label, input_array)
    except ModelError:
        raise
    except (ConfigError, InputError) as exc:
        raise ModelError(f"{label}: {exc}") from None
    except RecursionError:
        raise ModelError(f"{label}: the model config is nested too deeply") from None
    except MemoryError:
        raise ModelError(f"{label}: the file asks for more memory than there is") from None
    except (OSError, ValueError, KeyError, RuntimeError, TypeError, EOFError, NotImplementedError, OverflowError,
            zlib.error, zipfile.BadZipFile) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:120]
        raise ModelError(f"{label}: the file is damaged and cannot be read ({first})") from None
