"""What a pasted Conv2D line changes: the layer, its kernels (kept if they still fit, else
"randomize like Keras"), and the input when the line's input_shape asks for another one.

:func:`paste_line` is the one path from a line to a Document edit: the window and the command line
both call it, so the same line gives the same scene in both."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from kernelscope.core.engine import ConvError, ConvSpec, glorot_uniform, output_shape, output_size
from kernelscope.core.keras_syntax import (
    LineError,
    ParsedLayer,
    ParsedModel,
    conv2d_line,
    parse_conv2d_line,
    parse_model,
)
from kernelscope.core.scene import MAX_MAP_VALUES, MAX_STACK_VALUES, SessionError, output_values_problem, stack_entries
from kernelscope.core.stack_ops import MAP_CLASSES

if TYPE_CHECKING:
    from kernelscope.core.document import Document

PHOTO_VALUE_MODE = "grey"  # a photo reads best as 0..1 (what Keras users feed after rescaling by 1/255)

PhotoLoader = Callable[[tuple[int, int, int], str], np.ndarray]
"""(input_shape, value_mode) -> the bundled photo as an (H, W, C) array (``files.images.sample_photo``)."""


@dataclass(frozen=True)
class LayerChange:
    kernels: np.ndarray
    bias: np.ndarray
    image: np.ndarray | None  # None: the input stays as it is
    value_mode: str | None  # the new value mode when the input changes
    seed: int | None  # the glorot_uniform seed when the kernels were randomized

    def summary(self, parsed: ParsedLayer, input_shape: tuple[int, int, int]) -> str:
        """What changed, in words; ``input_shape`` is the input's shape after the edit."""
        h, w, c = input_shape
        parts = [f"layer set: {conv2d_line(parsed.spec, (h, w, c))}"]
        parts.append(
            f"kernels: glorot_uniform, seed {self.seed}" if self.seed is not None else "kernels: kept (same shape)"
        )
        if self.image is not None:
            parts.append(f"input: the bundled photo at {h}x{w}x{c}")
        if parsed.ignored:
            parts.append("ignored here: " + ", ".join(parsed.ignored))
        return ";  ".join(parts)


MAX_MODEL_CHANNELS = 512
"""A pasted model's input has at most this many channels (the stack's input limit)."""

MAX_MODEL_PARAMS = 16_000_000
"""A pasted model's weights together, at most this many float32 numbers: the engine draws them all."""

MAX_MODEL_VALUES = MAX_STACK_VALUES
"""Every layer's output together, at most this many float32 numbers: forward() keeps them all (the
scene's one rule, as every stack; one layer's output is capped by ``MAX_MAP_VALUES`` too)."""


def read_line(text: str) -> ParsedLayer:
    """A pasted line read and held to every scene limit, so that nothing is built from a line the
    scene would refuse: the parser caps the layer and the input's sides, and here the channels
    (Keras takes any number; kernelscope shows grey or RGB)."""
    return _window_channels(parse_conv2d_line(text))


def _window_channels(parsed: ParsedLayer) -> ParsedLayer:
    if parsed.input_shape is not None and parsed.input_shape[2] not in (1, 3):
        h, w, c = parsed.input_shape
        raise LineError(f"input_shape: channels must be 1 (grey) or 3 (RGB) (got ({h}, {w}, {c}))")
    return parsed


def read_model(text: str, input_shape: tuple[int, ...] | None = None) -> ParsedModel:
    """A pasted model read and held to the stack's limits before anything is built.

    The model's own input size (``keras.Input`` or the first ``input_shape``) wins over ``input_shape``,
    the size of the input the caller already has (e.g. the image given to ``export --conv``). With a
    size known, every layer's output shape and weights are counted here, so a model whose weights
    or outputs would not fit (MAX_MODEL_PARAMS, MAX_MODEL_VALUES) or whose layer does not fit its
    input is refused in one line naming the line and the layer.
    """
    parsed = parse_model(text)
    if parsed.input_shape is not None and parsed.input_shape[-1] > MAX_MODEL_CHANNELS:
        raise LineError(
            f"input_shape: channels must be 1 to {MAX_MODEL_CHANNELS} (got {tuple(parsed.input_shape)})"
        )
    if parsed.input_shape is not None and output_values_problem([tuple(parsed.input_shape)]) is not None:
        n = int(np.prod(parsed.input_shape, dtype=object))
        shown = "x".join(map(str, parsed.input_shape))
        raise LineError(f"input_shape: {shown} = {n:,} numbers; kernelscope holds at most {MAX_MAP_VALUES:,} in one "
                        "input (so memory stays bounded)")
    shape = parsed.input_shape if parsed.input_shape is not None else input_shape
    if shape is not None:
        _count_the_stack(parsed, tuple(int(v) for v in shape))
    return parsed


def _count_the_stack(parsed: ParsedModel, shape: tuple[int, ...]) -> None:
    """Walk the shapes with Keras's formulas, summing weights and outputs; nothing is allocated."""
    params = values = 0
    for layer, line in zip(parsed.layers, parsed.lines, strict=True):
        class_name = layer["class_name"]
        try:
            shape, weights = _layer_shape(class_name, layer["config"], shape)
        except LineError as exc:
            raise LineError(f"line {line}: {class_name}: {exc}") from None
        params += weights
        values += int(np.prod(shape, dtype=object))
        problem = output_values_problem([shape])
        if problem is not None:
            raise LineError(f"line {line}: {class_name}: {problem[1]}")
        if params > MAX_MODEL_PARAMS:
            raise LineError(
                f"line {line}: {class_name}: the model has {params:,} weights up to here; kernelscope computes "
                f"at most {MAX_MODEL_PARAMS:,}"
            )
        if values > MAX_MODEL_VALUES:
            raise LineError(
                f"line {line}: {class_name}: the layers' outputs hold {values:,} numbers up to here; kernelscope "
                f"keeps at most {MAX_MODEL_VALUES:,}"
            )


def _layer_shape(class_name: str, config: Mapping[str, Any], shape: tuple[int, ...]) -> tuple[tuple[int, ...], int]:
    """(output shape, count_params) of one layer on an input of ``shape`` (no batch axis), as Keras counts."""
    if class_name in MAP_CLASSES and len(shape) != 3:
        raise LineError(f"needs a (height, width, channels) input, and gets {shape}")
    if class_name == "Conv2D":
        spec = ConvSpec(config["filters"], tuple(config["kernel_size"]), tuple(config["strides"]), config["padding"],
                        tuple(config["dilation_rate"]), config["activation"], config["use_bias"])
        try:
            out = output_shape((shape[0], shape[1], shape[2]), spec)
        except ConvError as exc:
            raise LineError(str(exc)) from None
        kh, kw = spec.kernel_size
        return out, kh * kw * shape[2] * spec.filters + (spec.filters if spec.use_bias else 0)
    if class_name in ("MaxPooling2D", "AveragePooling2D"):
        (ph, pw), (sh, sw), padding = config["pool_size"], config["strides"], config["padding"]
        oh, ow = output_size(shape[0], ph, sh, 1, padding), output_size(shape[1], pw, sw, 1, padding)
        if oh < 1 or ow < 1:
            raise LineError(f"a {ph}x{pw} pool does not fit a {shape[0]}x{shape[1]} input with padding='valid'")
        return (oh, ow, shape[2]), 0
    if class_name in ("GlobalMaxPooling2D", "GlobalAveragePooling2D"):
        return (shape[2],), 0
    if class_name == "ZeroPadding2D":
        (top, bottom), (left, right) = config["padding"]
        return (shape[0] + top + bottom, shape[1] + left + right, shape[2]), 0
    if class_name == "Flatten":
        return (int(np.prod(shape, dtype=object)),), 0
    if class_name == "Dense":  # Keras's Dense acts on the last axis
        units = config["units"]
        return (*shape[:-1], units), shape[-1] * units + (units if config["use_bias"] else 0)
    if class_name == "BatchNormalization":  # gamma, beta when used; moving mean and variance always
        return shape, shape[-1] * (2 + int(config["center"]) + int(config["scale"]))
    return shape, 0  # Dropout, Activation, ReLU, Rescaling keep the shape and have no weights


def layer_from_line(
    parsed: ParsedLayer,
    current_input: np.ndarray,
    kernels: np.ndarray,
    bias: np.ndarray,
    seed: int,
    load_photo: PhotoLoader,
) -> LayerChange:
    """The arrays a pasted line implies; the photo is loaded only when input_shape differs."""
    image = None
    value_mode = None
    if parsed.input_shape is not None and tuple(parsed.input_shape) != tuple(current_input.shape):
        image = np.array(load_photo(parsed.input_shape, PHOTO_VALUE_MODE))
        value_mode = PHOTO_VALUE_MODE
    channels = (image if image is not None else current_input).shape[2]
    shape = (*parsed.spec.kernel_size, channels, parsed.spec.filters)
    if kernels.shape == shape:
        return LayerChange(np.array(kernels), np.array(bias), image, value_mode, None)
    bias0 = np.zeros(parsed.spec.filters, np.float32)
    return LayerChange(glorot_uniform(shape, seed=seed), bias0, image, value_mode, seed)


def paste_line(document: Document, text: str, seed: int, load_photo: PhotoLoader) -> str:
    """Apply a pasted Conv2D line, or a whole pasted model, to the document (one undo step) and
    return what changed, in words.

    A Conv2D line (or a model of that one Conv2D) replaces the selected Conv2D; a model of other or
    several layers replaces the stack, its weights drawn as Keras draws them (``seed``).

    Raises LineError for a line that cannot be read or that exceeds a limit (before anything is
    allocated), EditError for one the document refuses, and whatever ``load_photo`` raises
    (``ImageError``) when the bundled photo cannot be read. Every refusal is a ValueError, so a
    caller that catches ValueError never lets a paste escape into the event loop.
    """
    parsed = _read_pasted(text)
    try:
        if isinstance(parsed, ParsedModel):
            return _paste_model(document, parsed, text, seed, load_photo)
        selected = document.selected_layer
        current = document.layer_input(selected)
        if current is None:  # a layer above does not fit: only the channels the kernels expect are known
            current = np.empty((1, 1, document.kernels.shape[2]), np.float32)
        change = layer_from_line(parsed, current, document.kernels, document.bias, seed, load_photo)
        document.apply_layer(parsed.spec, change.kernels, change.bias, change.image, change.value_mode)
    except (MemoryError, OverflowError) as exc:  # within the limits this is a machine short of memory
        raise LineError(f"this layer does not fit in memory here ({type(exc).__name__}); try fewer filters") from None
    h, w, c = document.input.shape
    return change.summary(parsed, (h, w, c))


def _paste_model(document: Document, model: ParsedModel, text: str, seed: int, load_photo: PhotoLoader) -> str:
    """The whole stack from a pasted model; the bundled photo (or zeros past RGB) when its input differs."""
    image = None
    value_mode = None
    shape = tuple(model.input_shape) if model.input_shape is not None else tuple(document.input.shape)
    if len(shape) != 3:
        raise LineError(f"input_shape: kernelscope's input is (height, width, channels), not {shape}")
    if shape != tuple(document.input.shape):
        if shape[2] in (1, 3):
            image = np.array(load_photo((shape[0], shape[1], shape[2]), PHOTO_VALUE_MODE))
        else:
            image = np.zeros(shape, np.float32)
        value_mode = PHOTO_VALUE_MODE
    read_model(text, shape)  # every layer counted against the limits before any weight is drawn
    layers = []
    for entry, name in zip(model.layers, model.names, strict=True):
        config = dict(entry["config"])
        if name is not None:
            config["name"] = name
        layers.append({"class_name": entry["class_name"], "config": config})
    try:
        entries = stack_entries(layers, shape, seed)
    except SessionError as exc:
        raise LineError(str(exc)) from None
    document.apply_stack(tuple(e.layer for e in entries), tuple(e.name for e in entries), image, value_mode)
    total = sum(e.params for e in entries)
    parts = [f"model set: {len(entries)} layers, {total:,} params", f"weights: glorot_uniform, seed {seed}"]
    if image is not None:
        parts.append(f"input: {'the bundled photo' if shape[2] in (1, 3) else 'zeros'} at "
                     + "x".join(str(n) for n in shape))
    ignored = sorted({name for names in model.ignored for name in names})
    if ignored:
        parts.append("ignored here: " + ", ".join(ignored))
    return ";  ".join(parts)


def _read_pasted(text: str) -> ParsedLayer | ParsedModel:
    """A Conv2D line (or a model of that one Conv2D) as its layer; any other model whole."""
    try:
        return read_line(text)
    except LineError as line_error:
        said = str(line_error)
        # When the line reader stopped at the text's shape (several statements or layers), the model
        # reader's refusal names the line and the layer at fault; otherwise the line's refusal is the one.
        about_the_shape = ("statements" in said or "Conv2D layers" in said or said.startswith("not a Conv2D")
                           or "(grey) or 3 (RGB)" in said)  # other channel counts make a stack's input
        try:
            model = read_model(text)
        except LineError as model_error:
            raise (model_error if about_the_shape else line_error) from None
        layer = model.layers[0]
        shape = model.input_shape
        if len(model.layers) > 1 or layer["class_name"] != "Conv2D" or (shape is not None and shape[-1] not in (1, 3)):
            return model
        c = layer["config"]
        spec = ConvSpec(c["filters"], tuple(c["kernel_size"]), tuple(c["strides"]), c["padding"],
                        tuple(c["dilation_rate"]), c["activation"], c["use_bias"])
        input_shape = None if shape is None else (shape[0], shape[1], shape[2])
        ignored = model.ignored[0] + (("name",) if model.names[0] is not None else ())  # the window shows no name
        return _window_channels(ParsedLayer(spec, input_shape, ignored))
