"""A session as a Keras script: the same Conv2D layer (or Sequential model) with the same weights, bit for bit.

``keras_code(session)`` writes a complete, readable Python script that builds the layer with every
argument spelled out, then ``set_weights`` with the kernel (Keras's ``(kh, kw, C, F)`` layout) and
the bias written as exact float32 literals: each number is the shortest decimal that reads back as
the same float32 through Python's float, so the script reproduces the weights bit for bit. Small
inputs are included too, so the script can run the layer on the image kernelscope shows. A stack
becomes ``keras.Sequential([keras.Input(...), layers....])`` with ``set_weights`` for every layer
that has weights. This module never imports Qt (or Keras).
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import numpy as np

from kernelscope import __version__
from kernelscope.core.engine import ConvSpec, count_params, output_shape
from kernelscope.files.export import atomic_write_bytes
from kernelscope.files.keras_line import keras_layer_line
from kernelscope.files.sessions import Session, format_float32

__all__ = ["MAX_INLINE_INPUT_SIDE", "keras_code", "keras_layer_call", "keras_sequential_code", "write_keras_code"]

MAX_INLINE_INPUT_SIDE = 64
"""Inputs up to this many pixels on a side (and 1 or 3 channels) are written into the script."""

_ONE_LINE_ROW = 16  # a kernel row with at most this many numbers goes on one line


def _number(v: np.float32) -> str:
    """The shortest Python literal that becomes exactly ``v`` in ``np.array([...], dtype="float32")``
    (negative zero keeps its sign)."""
    return format_float32(v, keep_negative_zero=True)


def _strings(arr: np.ndarray) -> np.ndarray:
    """The literal of every element, as an object array of the same shape (each value formatted once)."""
    flat = np.ascontiguousarray(arr, dtype=np.float32).ravel()
    # Unique by bit pattern, so 0 and -0.0 keep their own literals.
    bits = flat.view(np.uint32)
    uniques, inverse = np.unique(bits, return_inverse=True)
    table = np.array([_number(u) for u in uniques.view(np.float32)], dtype=object)
    return table[inverse.ravel()].reshape(arr.shape)


def _nested(strings: np.ndarray) -> str:
    if strings.ndim == 0:
        return str(strings)
    if strings.ndim == 1:
        return "[" + ", ".join(strings.tolist()) + "]"
    return "[" + ", ".join(_nested(row) for row in strings) + "]"


def _kernel_literal(kernel: np.ndarray) -> str:
    """The (kh, kw, C, F) kernel as nested lists: one line per kernel row, or per tap when rows are long."""
    strings = _strings(kernel)
    kh, kw, c, f = kernel.shape
    lines = ["["]
    for i in range(kh):
        if kw * c * f <= _ONE_LINE_ROW:
            lines.append(f"        {_nested(strings[i])},  # kernel row {i}")
            continue
        lines.append(f"        [  # kernel row {i}")
        for j in range(kw):
            lines.append(f"            {_nested(strings[i, j])},  # row {i}, column {j}: [channel][filter]")
        lines.append("        ],")
    lines.append("    ]")
    return "\n".join(lines)


def _image_literal(image: np.ndarray) -> str:
    """The (H, W, C) input as nested lists, one image row per line."""
    strings = _strings(image)
    lines = ["["]
    lines += [f"        {_nested(row)},  # row {i}" for i, row in enumerate(strings)]
    lines.append("    ]")
    return "\n".join(lines)


def _tuple(values: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(int(v)) for v in values) + ")"


def keras_layer_call(spec: ConvSpec, input_shape: tuple[int, int, int], indent: str = "") -> str:
    """``layers.Conv2D(...)`` with every argument that changes the computation written out, one per line."""
    inner = indent + "    "
    args = [
        f"{inner}{spec.filters},  # filters",
        f"{inner}{_tuple(spec.kernel_size)},  # kernel_size (height, width)",
        f"{inner}strides={_tuple(spec.strides)},",
        f'{inner}padding="{spec.padding}",',
        f"{inner}dilation_rate={_tuple(spec.dilation_rate)},",
        f'{inner}activation="{spec.activation}",',
        f"{inner}use_bias={spec.use_bias},",
        f"{inner}input_shape={_tuple(input_shape)},",
    ]
    return "layers.Conv2D(\n" + "\n".join(args) + f"\n{indent})"


def _comment_text(text: str, limit: int = 100) -> str:
    """One line of text safe inside a ``#`` comment: no line breaks or control characters."""
    cleaned = "".join(" " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Cs") else ch for ch in text)
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 3] + "..."


def keras_code(session: Session) -> str:
    """A complete Python script that rebuilds this session's Conv2D layer (a stack: its Sequential
    model) with exactly its weights."""
    if not session.is_single_conv:
        return keras_sequential_code(session)
    spec = session.spec
    h, w, c = (int(n) for n in session.input.shape)
    kh, kw = spec.kernel_size
    oh, ow, f = output_shape((h, w, c), spec)
    params = count_params(spec, c)
    title = _comment_text(session.title)
    about = f' ("{title}")' if title else ""
    bias_note = "" if spec.use_bias else "; use_bias=False, so there is no bias"

    out: list[str] = [
        f"# Keras code written by kernelscope {__version__}: it rebuilds one keras.layers.Conv2D layer",
        f"# with exactly the weights shown in kernelscope{about}.",
        f"# Input shape (height, width, channels): ({h}, {w}, {c}); output ({oh}, {ow}, {f}); "
        f"{params:,} parameters{bias_note}.",
        "#",
        "# Run it where Keras is installed (pip install keras and a backend such as tensorflow or jax).",
        "# The weights are float32 numbers written exactly: set_weights receives them bit for bit.",
        "",
        "import numpy as np",
        "from keras import layers  # tf.keras works the same: from tensorflow.keras import layers",
        "",
        "# Every argument written out. input_shape= is the style of the classic Keras examples; Keras 3",
        f"# prefers keras.Input(shape=({h}, {w}, {c})) as the first layer of a model and may warn about it.",
        f"layer = {keras_layer_call(spec, (h, w, c))}",
        f"layer.build((None, {h}, {w}, {c}))  # (batch, height, width, channels): creates the weights",
        "",
        f"# The kernel in Keras's layout (kernel_height, kernel_width, channels, filters) = ({kh}, {kw}, {c}, {f}):",
        "# kernel[i, j, ch, k] is the weight at row i, column j of input channel ch in filter k.",
        "kernel = np.array(",
        f"    {_kernel_literal(session.kernels)},",
        '    dtype="float32",',
        ")",
    ]
    if spec.use_bias:
        out += [
            f'bias = np.array({_nested(_strings(session.bias))}, dtype="float32")  # one number per filter',
            "layer.set_weights([kernel, bias])",
        ]
    else:
        out += ["layer.set_weights([kernel])  # use_bias=False: the layer has no bias"]

    out.append("")
    if max(h, w) <= MAX_INLINE_INPUT_SIDE and c <= 3:
        out += [
            "# ---- Optional: run the layer on kernelscope's input image ----",
            "x = np.array(",
            f"    {_image_literal(session.input)},",
            '    dtype="float32",',
            f")[None]  # add the batch axis: shape (1, {h}, {w}, {c})",
            f"maps = layer(x)  # expected shape (1, {oh}, {ow}, {f}): the (H', W', F) = ({oh}, {ow}, {f}) feature maps",
        ]
    else:
        out += [
            f"# The {h}x{w}x{c} input is too large to write out here. To run the layer, load an image as",
            f"# a float32 array x of shape ({h}, {w}, {c}) and call: maps = layer(x[None])",
            f"# (expected output shape (1, {oh}, {ow}, {f})).",
        ]
    return "\n".join(out) + "\n"


def _array_literal(arr: np.ndarray, indent: str) -> str:
    """A weights array as nested lists: a vector on one line, else one line per outermost row."""
    strings = _strings(arr)
    if arr.ndim == 1:
        return _nested(strings)
    rows = [f"{indent}    {_nested(row)}," for row in strings]
    return "[\n" + "\n".join(rows) + f"\n{indent}]"


def _shape_text(shape: tuple[int | None, ...]) -> str:
    return "(" + ", ".join(str(v) for v in shape) + ("," if len(shape) == 1 else "") + ")"


def keras_sequential_code(session: Session) -> str:
    """A complete Python script that rebuilds this session's stack as a ``keras.Sequential`` model
    with exactly its weights (every config key as Keras's ``get_config`` spells it)."""
    h, w, c = (int(n) for n in session.input.shape)
    entries = session.layers
    params = sum(entry.params for entry in entries)
    title = _comment_text(session.title)
    about = f' ("{title}")' if title else ""
    out: list[str] = [
        f"# Keras code written by kernelscope {__version__}: it rebuilds a keras.Sequential model of "
        f"{len(entries)} layers",
        f"# with exactly the weights shown in kernelscope{about}.",
        f"# Input shape (height, width, channels): ({h}, {w}, {c}); output {_shape_text(entries[-1].output_shape)}; "
        f"{params:,} parameters.",
        "#",
        "# Run it where Keras is installed (pip install keras and a backend such as tensorflow or jax).",
        "# The weights are float32 numbers written exactly: set_weights receives them bit for bit.",
        "",
        "import keras",
        "import numpy as np",
        "from keras import layers",
        "",
        "model = keras.Sequential([",
        f"    keras.Input(shape=({h}, {w}, {c})),",
    ]
    for entry in entries:
        out.append(f"    {keras_layer_line(entry.class_name, entry.config)},")
    out += ["])", ""]
    for i, entry in enumerate(entries):
        if not entry.weights:
            continue
        shapes = ", ".join(_shape_text(tuple(int(n) for n in wt.shape)) for wt in entry.weights)
        name = _comment_text(str(entry.config["name"]))
        out.append(f"# {name} ({entry.class_name}): weights as Keras's get_weights() holds them: {shapes}")
        out.append(f"model.layers[{i}].set_weights([")
        for wt in entry.weights:
            out.append(f"    np.array({_array_literal(wt, '    ')}, dtype=\"float32\"),")
        out += ["])", ""]
    if max(h, w) <= MAX_INLINE_INPUT_SIDE and c <= 3:
        out += [
            "# ---- Optional: run the model on kernelscope's input image ----",
            "x = np.array(",
            f"    {_image_literal(session.input)},",
            '    dtype="float32",',
            f")[None]  # add the batch axis: shape (1, {h}, {w}, {c})",
            f"outputs = model(x)  # expected shape (1, {', '.join(str(n) for n in entries[-1].output_shape)})",
        ]
    else:
        out += [
            f"# The {h}x{w}x{c} input is too large to write out here. To run the model, load an image as",
            f"# a float32 array x of shape ({h}, {w}, {c}) and call: outputs = model(x[None])",
        ]
    return "\n".join(out) + "\n"


def write_keras_code(session: Session, path: str | os.PathLike[str]) -> str:
    """Write :func:`keras_code` to ``path`` atomically (never half a file) and return the script.

    Raises :class:`kernelscope.export.ExportError` naming the file when it cannot be written.
    """
    code = keras_code(session)
    atomic_write_bytes(Path(os.fspath(path)), code.encode("utf-8"))
    return code
