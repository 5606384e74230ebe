"""The layer as Keras code: ``layers.Conv2D(...)`` written from a ConvSpec, the size formula, and a pasted
Conv2D line read back into a ConvSpec through ``ast`` (never evaluated)."""

from __future__ import annotations

import ast
import difflib
import textwrap
import warnings
from dataclasses import dataclass
from typing import Any

from kernelscope.core.engine import ACTIVATIONS, ConvError, ConvSpec, output_shape, output_size, padding_amounts
from kernelscope.core.numbers import is_whole, whole_pair
from kernelscope.core.scene import (
    MAX_DILATION,
    MAX_FILTERS,
    MAX_INPUT_SIDE,
    MAX_KERNEL_SIDE,
    MAX_KERNEL_SPAN,
    MAX_STRIDE,
)

__all__ = [
    "KNOWN_ARGS",
    "MAX_LINE_CHARS",
    "POSITIONAL_ARGS",
    "LineError",
    "ParsedLayer",
    "conv2d_line",
    "parse_conv2d_line",
    "size_formula",
]


def _pair(p: tuple[int, int]) -> str:
    return f"({p[0]}, {p[1]})"


def conv2d_line(spec: ConvSpec, input_shape: tuple[int, int, int]) -> str:
    """The shortest ``layers.Conv2D`` call that builds this layer (defaults left out, as people write it)."""
    args = [str(spec.filters), _pair(spec.kernel_size)]
    if spec.strides != (1, 1):
        args.append(f"strides={_pair(spec.strides)}")
    if spec.padding != "valid":
        args.append(f'padding="{spec.padding}"')
    if spec.dilation_rate != (1, 1):
        args.append(f"dilation_rate={_pair(spec.dilation_rate)}")
    if spec.activation != "linear":
        args.append(f'activation="{spec.activation}"')
    if not spec.use_bias:
        args.append("use_bias=False")
    args.append(f"input_shape=({input_shape[0]}, {input_shape[1]}, {input_shape[2]})")
    return f"layers.Conv2D({', '.join(args)})"


def size_formula(spec: ConvSpec, input_hw: tuple[int, int], axis: int) -> str:
    """The output-size formula for one axis with the numbers filled in, e.g. ``floor((5 - 3) / 1) + 1 = 3``.

    The result is the engine's own ``output_size``, so the text can never disagree with the maps.
    """
    n = input_hw[axis]
    k, s, d = spec.kernel_size[axis], spec.strides[axis], spec.dilation_rate[axis]
    out = output_size(n, k, s, d, spec.padding)
    if spec.padding == "same":
        before, after = padding_amounts(input_hw, spec)[axis]
        return f"ceil({n} / {s}) = {out}   (zero padding {before} before, {after} after)"
    if d == 1:
        return f"floor(({n} - {k}) / {s}) + 1 = {out}"
    return f"floor(({n} - {d} * ({k} - 1) - 1) / {s}) + 1 = {out}"


# --------------------------------------------------------------------------- reading a pasted line
#
# A pasted ``Conv2D(...)`` line is read with ``ast`` and a small whitelist walker: literal values
# (numbers, text, True/False/None, tuples and lists of them, a minus sign on a number) and dotted
# names for the layer and its activation. Nothing in the text is ever evaluated, compiled to run or
# imported; anything outside the whitelist is refused with a LineError before any value is read.

MAX_LINE_CHARS = 2000
"""The longest text :func:`parse_conv2d_line` reads (a Conv2D call fits easily)."""

POSITIONAL_ARGS = (
    "filters",
    "kernel_size",
    "strides",
    "padding",
    "data_format",
    "dilation_rate",
    "groups",
    "activation",
    "use_bias",
)
"""Conv2D's leading parameters in Keras's order; later ones are accepted only as ``name=value``."""

_CONV_NAMES = ("Conv2D", "Convolution2D")
_LAYER_PATHS = frozenset({"", "layers", "keras.layers", "tf.keras.layers", "tensorflow.keras.layers"})
_SEQUENTIAL_PATHS = frozenset(
    {"", "models", "keras", "keras.models", "tf.keras", "tf.keras.models", "tensorflow.keras",
     "tensorflow.keras.models"}
)
_IMPORT_ROOTS = frozenset({"keras", "tensorflow", "tf_keras"})

# Activation attribute forms: module path -> the names it may end with (Keras names all mean the
# Keras function with Keras's defaults; tf.nn's have the same defaults: gelu exact, leaky_relu 0.2).
_KERAS_ACTIVATIONS = frozenset(ACTIVATIONS)
_TF_NN_ACTIVATIONS = frozenset(ACTIVATIONS) - {"linear"}
_ACTIVATION_PATHS: dict[str, frozenset[str]] = {
    "activations": _KERAS_ACTIVATIONS,
    "keras.activations": _KERAS_ACTIVATIONS,
    "tf.keras.activations": _KERAS_ACTIVATIONS,
    "tensorflow.keras.activations": _KERAS_ACTIVATIONS,
    "tf.nn": _TF_NN_ACTIVATIONS,
    "tensorflow.nn": _TF_NN_ACTIVATIONS,
    "tf.math": frozenset({"sigmoid", "tanh", "softplus"}),
    "tensorflow.math": frozenset({"sigmoid", "tanh", "softplus"}),
    "tf": frozenset({"sigmoid", "tanh"}),
    "tensorflow": frozenset({"sigmoid", "tanh"}),
}

# Accepted-but-not-shown arguments whose values may be Keras objects: the module their names may
# come from, and the bare (imported) names accepted without a module.
_OBJECT_ARGS: dict[str, tuple[str, frozenset[str]]] = {
    "kernel_initializer": ("initializers", frozenset({
        "Constant", "GlorotNormal", "GlorotUniform", "HeNormal", "HeUniform", "Identity", "LecunNormal",
        "LecunUniform", "Ones", "Orthogonal", "RandomNormal", "RandomUniform", "TruncatedNormal",
        "VarianceScaling", "Zeros",
    })),
    "kernel_regularizer": ("regularizers", frozenset({"L1", "L2", "L1L2", "l1", "l2", "l1_l2",
                                                       "OrthogonalRegularizer"})),
    "kernel_constraint": ("constraints", frozenset({"MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm",
                                                     "max_norm", "min_max_norm", "non_neg", "unit_norm"})),
}
_OBJECT_ARGS["bias_initializer"] = _OBJECT_ARGS["kernel_initializer"]
_OBJECT_ARGS["bias_regularizer"] = _OBJECT_ARGS["kernel_regularizer"]
_OBJECT_ARGS["activity_regularizer"] = _OBJECT_ARGS["kernel_regularizer"]
_OBJECT_ARGS["bias_constraint"] = _OBJECT_ARGS["kernel_constraint"]

_NONE_ONLY_ARGS = ("lora_rank", "lora_alpha", "dora_rank", "dora_alpha")
_BOOL_ARGS = ("trainable", "autocast")
_DTYPE_ROOTS = frozenset({"tf", "tensorflow", "np", "numpy", "keras", "jnp", "torch"})

KNOWN_ARGS = (
    *POSITIONAL_ARGS,
    "input_shape",
    *_OBJECT_ARGS,
    *_NONE_ONLY_ARGS,
    *_BOOL_ARGS,
    "name",
    "dtype",
)
"""Every argument name parse_conv2d_line accepts (Keras 3's Conv2D and Layer arguments)."""

# The node types the walker lets through; everything else (lambda, f-strings, arithmetic,
# subscripts, comprehensions, *args, ...) is refused before any value is looked at.
_ALLOWED_NODES = (
    ast.Module, ast.Expr, ast.Assign, ast.Call, ast.keyword, ast.Name, ast.Attribute, ast.Constant,
    ast.Tuple, ast.List, ast.UnaryOp, ast.USub, ast.UAdd, ast.Load, ast.Store, ast.Import,
    ast.ImportFrom, ast.alias,
)
_NODE_WORDS: dict[type, str] = {
    ast.Lambda: "a lambda",
    ast.JoinedStr: "an f-string",
    ast.FormattedValue: "an f-string",
    ast.Starred: "*arguments",
    ast.BinOp: "arithmetic",
    ast.BoolOp: "and/or",
    ast.Compare: "a comparison",
    ast.Subscript: "indexing [...]",
    ast.Dict: "a dict {...}",
    ast.Set: "a set {...}",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator",
    ast.IfExp: "an if-expression",
    ast.NamedExpr: "the walrus operator :=",
    ast.Await: "await",
    ast.Yield: "yield",
    ast.YieldFrom: "yield",
    ast.Not: "not",
    ast.Invert: "~",
    ast.Slice: "a slice",
}

# Characters that web pages and word processors put into copied code.
_TYPOGRAPHY = str.maketrans({
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u3000": " ", "\ufeff": "",
    "\u2212": "-", "\u2013": "-", "\uff08": "(", "\uff09": ")", "\uff0c": ",", "\uff1d": "=",
})


class LineError(ValueError):
    """A pasted Conv2D line that cannot configure the layer; the message names the argument."""


@dataclass(frozen=True)
class ParsedLayer:
    """What a pasted Conv2D line says: the layer, its ``input_shape`` if given, and the names of the
    arguments that were accepted but do not change what kernelscope shows (e.g. ``name``,
    ``kernel_initializer``), in the order they were written."""

    spec: ConvSpec
    input_shape: tuple[int, int, int] | None = None
    ignored: tuple[str, ...] = ()


class _NotLiteralError(Exception):
    """Raised inside the walker when a node is not a plain literal value."""


def _show(node: ast.AST) -> str:
    """The source of a node for a message (rebuilt from the tree, never run), shortened."""
    try:
        text = ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every node the whitelist lets through
        text = type(node).__name__
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."


def _dotted(node: ast.AST) -> tuple[str, ...] | None:
    """``a.b.c`` as ("a", "b", "c") when the node is a plain dotted name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return tuple(reversed(parts))


def _literal(node: ast.AST) -> Any:
    """A literal value: a constant, a tuple/list of literals (as a tuple), or -number / +number."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List)):
        return tuple(_literal(e) for e in node.elts)
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, (ast.USub, ast.UAdd))
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) in (int, float)
    ):
        value: int | float = node.operand.value  # type: ignore[assignment]  # checked just above
        return -value if isinstance(node.op, ast.USub) else value
    raise _NotLiteralError


def _literal_or_none(node: ast.AST) -> tuple[bool, Any]:
    try:
        return True, _literal(node)
    except _NotLiteralError:
        return False, None


# --------------------------------------------------------------------------- the text and its tree


def _parse_text(text: str) -> ast.Module:
    source = textwrap.dedent(text).strip()
    if not source:
        raise LineError("cannot read this line: it is empty (paste a line like layers.Conv2D(32, (3, 3)))")
    first_error: SyntaxError | None = None
    for attempt in (source, source.translate(_TYPOGRAPHY)):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. SyntaxWarning for "\d" in a string
                return ast.parse(attempt, mode="exec")
        except SyntaxError as exc:
            first_error = first_error or exc
        except (ValueError, RecursionError, MemoryError) as exc:
            raise LineError(f"cannot read this line: {str(exc) or type(exc).__name__}") from None
    assert first_error is not None
    where = ""
    if first_error.lineno is not None:
        lines = source.count("\n") + 1
        col = f"column {first_error.offset}" if first_error.offset else ""
        row = f"line {first_error.lineno}" if lines > 1 else ""
        where = ", ".join(p for p in (row, col) if p)
        where = f" ({where})" if where else ""
    raise LineError(f"cannot read this line: {first_error.msg}{where}") from None


def _check_nodes(tree: ast.Module) -> None:
    """Refuse every node type outside the whitelist and every dunder name, before reading values."""
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            what = _NODE_WORDS.get(type(node), type(node).__name__)
            shown = f" ({_show(node)})" if isinstance(node, ast.expr) else ""
            raise LineError(
                f"cannot read this line: {what}{shown} is not allowed here; only plain values are "
                "read (numbers, text, tuples, True/False/None), nothing is run"
            )
        if isinstance(node, ast.keyword) and node.arg is None:
            raise LineError(
                f"cannot read this line: **{_show(node.value)} is not allowed here; write each argument "
                "as name=value"
            )
        name = None
        if isinstance(node, ast.Name):
            name = node.id
        elif isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.keyword):
            name = node.arg
        elif isinstance(node, ast.alias):
            name = node.name
        if name is not None and "__" in name:
            raise LineError(
                f"cannot read this line: {name!r} is not allowed; only plain values are read, nothing is run"
            )


def _is_conv_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    path = _dotted(node.func)
    return path is not None and path[-1] in _CONV_NAMES


def _is_preamble(stmt: ast.stmt) -> bool:
    """``from keras import layers``, ``import tensorflow as tf``, ``model = models.Sequential()``."""
    if isinstance(stmt, ast.Import):
        return all(alias.name.split(".")[0] in _IMPORT_ROOTS for alias in stmt.names)
    if isinstance(stmt, ast.ImportFrom):
        return stmt.level == 0 and (stmt.module or "").split(".")[0] in _IMPORT_ROOTS
    if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
        call = stmt.value
        path = _dotted(call.func)
        return (
            path is not None
            and path[-1] == "Sequential"
            and ".".join(path[:-1]) in _SEQUENTIAL_PATHS
            and not call.args
            and not call.keywords
        )
    return False


def _check_target(target: ast.expr) -> None:
    if _dotted(target) is None:
        raise LineError(
            f"cannot read this line: cannot assign to {_show(target)}; write e.g. conv = layers.Conv2D(...)"
        )


def _check_applied_args(call: ast.Call) -> None:
    """``layers.Conv2D(...)(x)``: the outer call's arguments are ignored but must be plain names."""
    for node in (*call.args, *(k.value for k in call.keywords)):
        if _dotted(node) is None and not isinstance(node, ast.Constant):
            raise LineError(
                f"cannot read this line: the layer is applied to {_show(node)}; write a plain name "
                "such as (x) or leave the call out"
            )


def _layer_call(tree: ast.Module) -> ast.Call:
    """The one Conv2D call of the text, unwrapped from model.add(...), x = ...(x), or a trailing comma."""
    conv_calls = [node for node in ast.walk(tree) if _is_conv_call(node)]
    if len(conv_calls) > 1:
        raise LineError(
            f"cannot read this line: it holds {len(conv_calls)} Conv2D layers; paste one Conv2D line at a time"
        )
    body = [stmt for stmt in tree.body if not _is_preamble(stmt)]
    if not body:
        raise LineError("cannot read this line: no Conv2D layer in it (paste a line like layers.Conv2D(32, (3, 3)))")
    if len(body) > 1:
        raise LineError(
            f"cannot read this line: it holds {len(body)} statements; paste the one Conv2D line "
            "(imports and model = models.Sequential() may come with it)"
        )
    stmt = body[0]
    if isinstance(stmt, ast.Expr):
        value = stmt.value
    elif isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            _check_target(target)
        value = stmt.value
    else:  # pragma: no cover - the node whitelist leaves only these statements and imports
        raise LineError("cannot read this line: expected a Conv2D call like layers.Conv2D(32, (3, 3))")
    if isinstance(value, ast.Tuple) and len(value.elts) == 1:  # copied from a list: "Conv2D(...),"
        value = value.elts[0]
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Call):
        _check_applied_args(value)  # x = layers.Conv2D(...)(x)
        value = value.func
    elif (
        isinstance(value, ast.Call)
        and (path := _dotted(value.func)) is not None
        and len(path) >= 2
        and path[-1] == "add"
    ):
        if len(value.args) != 1 or value.keywords:
            raise LineError(f"cannot read this line: {'.'.join(path)}(...) should hold one layer")
        value = value.args[0]  # model.add(layers.Conv2D(...))
    if not isinstance(value, ast.Call):
        raise LineError(
            f"cannot read this line: expected a Conv2D call like layers.Conv2D(32, (3, 3)), got {_show(value)}"
        )
    path = _dotted(value.func)
    if path is None:
        raise LineError(f"cannot read this line: {_show(value.func)} is not a Conv2D layer")
    if path[-1] not in _CONV_NAMES:
        hint = ""
        if path[-1].lower() in ("conv2d", "convolution2d"):
            hint = " (Keras spells it Conv2D)"
        raise LineError(f"not a Conv2D layer: {path[-1]}{hint}")
    prefix = ".".join(path[:-1])
    if prefix not in _LAYER_PATHS:
        raise LineError(
            f"cannot read this line: unknown path {'.'.join(path)}; write Conv2D, layers.Conv2D, "
            "keras.layers.Conv2D or tf.keras.layers.Conv2D"
        )
    return value


def _bind(call: ast.Call) -> dict[str, ast.expr]:
    """Argument name -> value node, positional ones named in Keras's order."""
    if len(call.args) > len(POSITIONAL_ARGS):
        raise LineError(
            f"too many positional arguments ({len(call.args)}): Conv2D takes "
            f"{', '.join(POSITIONAL_ARGS)} in that order; write the others as name=value"
        )
    bound: dict[str, ast.expr] = dict(zip(POSITIONAL_ARGS, call.args, strict=False))
    for kw in call.keywords:
        name = kw.arg
        assert name is not None  # **kwargs refused by _check_nodes
        if name not in KNOWN_ARGS:
            close = difflib.get_close_matches(name, KNOWN_ARGS, n=1, cutoff=0.7)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise LineError(f"unknown argument {name!r}{hint}")
        if name in bound:
            if name in POSITIONAL_ARGS and POSITIONAL_ARGS.index(name) < len(call.args):
                where = f" (as argument {POSITIONAL_ARGS.index(name) + 1} and as {name}=)"
            else:
                where = ""
            raise LineError(f"{name}: given twice{where}; keep one")
        bound[name] = kw.value
    return bound


# --------------------------------------------------------------------------- argument values


def _whole_at_least_1(node: ast.expr, name: str, what: str) -> int:
    ok, value = _literal_or_none(node)
    if not ok or not is_whole(value):
        raise LineError(f"{name}: expected {what}, got {_show(node)}")
    if value < 1:
        raise LineError(f"{name}: must be at least 1, got {value}")
    return int(value)


def _pair_arg(node: ast.expr, name: str, example: str) -> tuple[int, int]:
    ok, value = _literal_or_none(node)
    pair = whole_pair(value) if ok else None
    if pair is None:
        extra = ""
        if ok and isinstance(value, tuple) and len(value) not in (0, 2):
            extra = f" (Conv2D has 2 sides, this has {len(value)})"
        raise LineError(f"{name}: expected a whole number or a pair like {example}, got {_show(node)}{extra}")
    if min(pair) < 1:
        raise LineError(f"{name}: must be at least 1, got {_show(node)}")
    return pair


def _at_most(value: int, limit: int, name: str, node: ast.expr, unit: str = "") -> None:
    """kernelscope's own cap (tighter than Keras's), checked before anything of that size is built;
    the value is shown as written, shortened, so a 100-digit number stays one short line."""
    if value > limit:
        digits = len(str(value))
        got = f"a number with {digits} digits" if digits > 12 else _show(node)
        raise LineError(f"{name}: at most {limit}{unit} (got {got})")


def _check_span(kernel_size: tuple[int, int], dilation: tuple[int, int]) -> None:
    """A dilated kernel covers ``d * (k - 1) + 1`` cells; padding='same' pads by all of them."""
    (kh, kw), (dh, dw) = kernel_size, dilation
    sh, sw = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    if max(sh, sw) > MAX_KERNEL_SPAN:
        raise LineError(
            f"dilation_rate: a dilated kernel spans at most {MAX_KERNEL_SPAN} cells on a side "
            f"(got {kh}x{kw} dilated by {_pair(dilation)}: {sh}x{sw})"
        )


def _padding(node: ast.expr) -> str:
    ok, value = _literal_or_none(node)
    if not ok or not isinstance(value, str):
        raise LineError(f"padding: expected 'valid' or 'same', got {_show(node)}")
    padding = value.lower()
    if padding == "causal":
        raise LineError("padding: 'causal' is for Conv1D only; Conv2D takes 'valid' or 'same'")
    if padding not in ("valid", "same"):
        raise LineError(f"padding: expected 'valid' or 'same', got {_show(node)}")
    return padding


def _data_format(node: ast.expr) -> None:
    ok, value = _literal_or_none(node)
    if ok and value is None:
        return
    if not ok or not isinstance(value, str) or value.lower() not in ("channels_last", "channels_first"):
        raise LineError(f"data_format: expected 'channels_last' or 'channels_first', got {_show(node)}")
    if value.lower() == "channels_first":
        raise LineError(
            "data_format: 'channels_first' is refused: kernelscope shows channels_last "
            "(height, width, channels); leave data_format out"
        )


def _groups(node: ast.expr) -> None:
    groups = _whole_at_least_1(node, "groups", "a whole number")
    if groups != 1:
        raise LineError(f"groups: kernelscope shows groups=1 only (every filter sees every channel), got {groups}")


def _activation(node: ast.expr) -> str | None:
    known = ", ".join(sorted(ACTIVATIONS))
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        name = node.value
        if name in ACTIVATIONS:
            return name
        close = difflib.get_close_matches(name.lower(), list(ACTIVATIONS), n=1, cutoff=0.6)
        if name.lower() in ACTIVATIONS:
            close = [name.lower()]
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise LineError(f"activation: kernelscope does not know {_show(node)}{hint}; use one of {known}, or None")
    path = _dotted(node)
    if path is not None:
        allowed = _ACTIVATION_PATHS.get(".".join(path[:-1]))
        if allowed is not None and path[-1] in allowed:
            return path[-1]
        if len(path) == 1:
            raise LineError(
                f"activation: {path[0]} is a bare name, which is not looked up; "
                f'write it as text: activation="{path[0]}"'
            )
        raise LineError(
            f'activation: cannot use {".".join(path)}; write a name like "relu" (or tf.nn.relu, '
            f"keras.activations.relu), one of {known}, or None"
        )
    if isinstance(node, ast.Call):
        raise LineError(
            f'activation: {_show(node)} is a call, which is not run; write a name like activation="relu"'
        )
    raise LineError(f'activation: expected a name like "relu", None or tf.nn.relu, got {_show(node)}')


def _bool(node: ast.expr, name: str) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return node.value
    raise LineError(f"{name}: expected True or False, got {_show(node)}")


def _input_shape(node: ast.expr) -> tuple[int, int, int]:
    ok, value = _literal_or_none(node)
    if not ok or not isinstance(value, tuple) or not all(v is None or is_whole(v) for v in value):
        raise LineError(f"input_shape: expected (height, width, channels) like (150, 150, 3), got {_show(node)}")
    if len(value) == 4 and value[0] is None:
        raise LineError(
            f"input_shape: {_show(node)} includes the batch size; leave it out: "
            f"input_shape=({value[1]}, {value[2]}, {value[3]})"
        )
    if len(value) == 2 and all(is_whole(v) for v in value):
        raise LineError(
            f"input_shape: expected (height, width, channels), got {_show(node)}; a grey image has one "
            f"channel: input_shape=({value[0]}, {value[1]}, 1)"
        )
    if len(value) != 3:
        raise LineError(f"input_shape: expected (height, width, channels) like (150, 150, 3), got {_show(node)}")
    if value[0] is None or value[1] is None:
        raise LineError(
            f"input_shape: kernelscope needs a size: give the height and width as numbers, "
            f"e.g. (150, 150, 3), not {_show(node)}"
        )
    if value[2] is None:
        raise LineError(
            f"input_shape: the number of channels cannot be None (1 for grey, 3 for RGB), got {_show(node)}"
        )
    if min(value) < 1:
        raise LineError(f"input_shape: every size must be at least 1, got {_show(node)}")
    _at_most(max(value[0], value[1]), MAX_INPUT_SIDE, "input_shape", node, " pixels on a side")
    return value[0], value[1], value[2]


def _keras_object(node: ast.expr, name: str) -> None:
    """An initializer/regularizer/constraint: text, None, or a Keras name or call with literal arguments.

    It is checked, never built: kernelscope's own weights replace what an initializer would draw.
    """
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, str)):
        return
    module, bare = _OBJECT_ARGS[name]
    target = node.func if isinstance(node, ast.Call) else node
    path = _dotted(target)
    paths = {module, f"keras.{module}", f"tf.keras.{module}", f"tensorflow.keras.{module}"}
    if path is None or not (".".join(path[:-1]) in paths or (len(path) == 1 and path[0] in bare)):
        raise LineError(
            f"{name}: expected text like 'glorot_uniform', None, or a keras.{module} object, got {_show(node)}"
        )
    if isinstance(node, ast.Call):
        for arg in (*node.args, *(k.value for k in node.keywords)):
            if not _literal_or_none(arg)[0]:
                raise LineError(f"{name}: {_show(arg)} is not a plain value (only numbers, text and None are read)")


def _dtype(node: ast.expr) -> None:
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, str)):
        return
    path = _dotted(node)
    if path is None or len(path) < 2 or path[0] not in _DTYPE_ROOTS:
        raise LineError(f"dtype: expected text like 'float32' or None, got {_show(node)}")


def _ignored_value(node: ast.expr, name: str) -> None:
    if name in _OBJECT_ARGS:
        _keras_object(node, name)
    elif name in _NONE_ONLY_ARGS:
        if not (isinstance(node, ast.Constant) and node.value is None):
            raise LineError(f"{name}: kernelscope shows the plain kernel; leave {name} out (got {_show(node)})")
    elif name in _BOOL_ARGS:
        _bool(node, name)
    elif name == "name":
        if not (isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, str))):
            raise LineError(f"name: expected text like 'conv1', got {_show(node)}")
    elif name == "dtype":
        _dtype(node)
    elif name == "data_format":
        _data_format(node)
    elif name == "groups":
        _groups(node)
    else:  # pragma: no cover - every known argument is handled above or in parse_conv2d_line
        raise AssertionError(name)


_SHOWN_ARGS = frozenset({*POSITIONAL_ARGS, "input_shape"} - {"data_format", "groups"})


def parse_conv2d_line(text: str) -> ParsedLayer:
    """Read a pasted Keras Conv2D line into a ConvSpec, without running any of it.

    Accepts the article's ``model.add(layers.Conv2D(32,(3,3),activation="relu",input_shape=(150,150,3)))``
    and its relatives (``keras.layers.Conv2D``, ``tf.keras.layers.Conv2D``, ``Convolution2D``, bare
    ``Conv2D``, ``x = layers.Conv2D(...)(x)``, positional or keyword arguments, ints, tuples or lists,
    comments, several lines). Values are checked as Keras checks them, and against the scene's caps
    (filters, kernel sides, strides, dilation and its span, input sides) so that nothing is ever
    built from a line the scene would refuse; every refusal is a LineError whose message names the
    argument.
    """
    if not isinstance(text, str):
        raise LineError(f"cannot read this line: expected text, got {type(text).__name__}")
    if len(text) > MAX_LINE_CHARS:
        raise LineError(
            f"cannot read this line: it is {len(text):,} characters long; a Conv2D line is at most "
            f"{MAX_LINE_CHARS:,}"
        )
    tree = _parse_text(text)
    _check_nodes(tree)
    bound = _bind(_layer_call(tree))
    for required in ("filters", "kernel_size"):
        if required not in bound:
            raise LineError(
                f"{required}: missing; Conv2D needs filters and kernel_size, e.g. Conv2D(32, (3, 3))"
            )
    filters = _whole_at_least_1(bound["filters"], "filters", "a whole number")
    _at_most(filters, MAX_FILTERS, "filters", bound["filters"])
    kernel_size = _pair_arg(bound["kernel_size"], "kernel_size", "(3, 3)")
    _at_most(max(kernel_size), MAX_KERNEL_SIDE, "kernel_size", bound["kernel_size"], " on a side")
    strides = (1, 1)
    if "strides" in bound:
        strides = _pair_arg(bound["strides"], "strides", "(2, 2)")
        _at_most(max(strides), MAX_STRIDE, "strides", bound["strides"])
    padding = _padding(bound["padding"]) if "padding" in bound else "valid"
    dilation = (1, 1)
    if "dilation_rate" in bound:
        dilation = _pair_arg(bound["dilation_rate"], "dilation_rate", "(2, 2)")
        _at_most(max(dilation), MAX_DILATION, "dilation_rate", bound["dilation_rate"])
        _check_span(kernel_size, dilation)
    activation = _activation(bound["activation"]) if "activation" in bound else None
    use_bias = _bool(bound["use_bias"], "use_bias") if "use_bias" in bound else True
    input_shape = _input_shape(bound["input_shape"]) if "input_shape" in bound else None
    ignored = tuple(name for name in bound if name not in _SHOWN_ARGS)
    for name in ignored:
        _ignored_value(bound[name], name)
    if max(strides) > 1 and max(dilation) > 1:
        raise LineError(
            f"strides and dilation_rate cannot both be above 1 (Keras refuses this): strides={strides}, "
            f"dilation_rate={dilation}; set one of them to 1"
        )
    try:
        spec = ConvSpec(filters, kernel_size, strides, padding, dilation, activation, use_bias)  # type: ignore[arg-type]
        if input_shape is not None:
            output_shape(input_shape, spec)
    except ConvError as exc:
        raise LineError(str(exc)) from None
    return ParsedLayer(spec=spec, input_shape=input_shape, ignored=ignored)
