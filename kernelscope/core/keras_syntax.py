"""The layer as Keras code: ``layers.Conv2D(...)`` written from a ConvSpec, the size formula, and a pasted
Conv2D line read back into a ConvSpec through ``ast`` (never evaluated)."""

from __future__ import annotations

import ast
import difflib
import textwrap
import warnings
from dataclasses import dataclass
from typing import Any

from kernelscope.core.engine import (
    ACTIVATIONS,
    LAYER_CLASSES,
    ConvError,
    ConvSpec,
    output_shape,
    output_size,
    padding_amounts,
)
from kernelscope.core.numbers import FLOAT32_MAX, is_whole, whole_pair
from kernelscope.core.scene import (
    MAX_DILATION,
    MAX_FILTERS,
    MAX_INPUT_SIDE,
    MAX_KERNEL_SIDE,
    MAX_KERNEL_SPAN,
    MAX_STRIDE,
    output_values_problem,
)

__all__ = [
    "CLASS_ALIASES",
    "KNOWN_ARGS",
    "MAX_DENSE_UNITS",
    "MAX_LINE_CHARS",
    "MAX_MODEL_CHARS",
    "MAX_MODEL_LAYERS",
    "MAX_POOL_SIDE",
    "MAX_ZERO_PADDING",
    "MODEL_CLASSES",
    "POSITIONAL_ARGS",
    "LineError",
    "ParsedLayer",
    "ParsedModel",
    "conv2d_line",
    "parse_conv2d_line",
    "parse_model",
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
        _check_node(node)


def _check_node(node: ast.AST, allowed: tuple[type, ...] = _ALLOWED_NODES) -> None:
    """One node of the walk: its type against the whitelist, then its name."""
    if not isinstance(node, allowed):
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


def _activation(node: ast.expr, extra: frozenset[str] = frozenset()) -> str | None:
    """An activation name; ``extra`` adds names a layer other than Conv2D computes (softmax)."""
    names = frozenset(ACTIVATIONS) | extra
    known = ", ".join(sorted(names))
    if isinstance(node, ast.Constant) and node.value is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        name = node.value
        if name in names:
            return name
        close = difflib.get_close_matches(name.lower(), sorted(names), n=1, cutoff=0.6)
        if name.lower() in names:
            close = [name.lower()]
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise LineError(f"activation: kernelscope does not know {_show(node)}{hint}; use one of {known}, or None")
    path = _dotted(node)
    if path is not None:
        allowed = _ACTIVATION_PATHS.get(".".join(path[:-1]))
        if allowed in (_KERAS_ACTIVATIONS, _TF_NN_ACTIVATIONS):
            allowed = allowed | extra  # softmax lives where the Keras and tf.nn names live
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


def _input_shape(node: ast.expr, name: str = "input_shape") -> tuple[int, int, int]:
    ok, value = _literal_or_none(node)
    if not ok or not isinstance(value, tuple) or not all(v is None or is_whole(v) for v in value):
        raise LineError(f"{name}: expected (height, width, channels) like (150, 150, 3), got {_show(node)}")
    if len(value) == 4 and value[0] is None:
        raise LineError(
            f"{name}: {_show(node)} includes the batch size; leave it out: "
            f"{name}=({value[1]}, {value[2]}, {value[3]})"
        )
    if len(value) == 2 and all(is_whole(v) for v in value):
        raise LineError(
            f"{name}: expected (height, width, channels), got {_show(node)}; a grey image has one "
            f"channel: {name}=({value[0]}, {value[1]}, 1)"
        )
    if len(value) != 3:
        raise LineError(f"{name}: expected (height, width, channels) like (150, 150, 3), got {_show(node)}")
    if value[0] is None or value[1] is None:
        raise LineError(
            f"{name}: kernelscope needs a size: give the height and width as numbers, "
            f"e.g. (150, 150, 3), not {_show(node)}"
        )
    if value[2] is None:
        raise LineError(
            f"{name}: the number of channels cannot be None (1 for grey, 3 for RGB), got {_show(node)}"
        )
    if min(value) < 1:
        raise LineError(f"{name}: every size must be at least 1, got {_show(node)}")
    _at_most(max(value[0], value[1]), MAX_INPUT_SIDE, name, node, " pixels on a side")
    return value[0], value[1], value[2]


def _keras_object(
    node: ast.expr, name: str, table: dict[str, tuple[str, frozenset[str]]] = _OBJECT_ARGS
) -> None:
    """An initializer/regularizer/constraint: text, None, or a Keras name or call with literal arguments.

    It is checked, never built: kernelscope's own weights replace what an initializer would draw.
    """
    if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, str)):
        return
    module, bare = table[name]
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
    return _read_conv2d(_bind(_layer_call(tree)))


def _read_conv2d(bound: dict[str, ast.expr]) -> ParsedLayer:
    """A bound Conv2D call checked argument by argument, as Keras and the scene's caps would."""
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
        out = output_shape(input_shape, spec) if input_shape is not None else None
    except ConvError as exc:
        raise LineError(str(exc)) from None
    problem = output_values_problem([out]) if out is not None else None
    if problem is not None:
        raise LineError(f"this layer {problem[1]}")
    return ParsedLayer(spec=spec, input_shape=input_shape, ignored=ignored)


# --------------------------------------------------------------------------- reading a pasted model
#
# A whole Sequential model: ``model.add(...)`` lines, ``keras.Sequential([...])``, or layer calls copied
# from inside such a list. The same whitelist walker reads it (plus ``a / b`` of two numbers, for
# ``Rescaling(1./255)``); each layer becomes the session's layer form, Keras's get_config() keys with
# Keras's defaults filled in, and every refusal names the line and the layer.

MAX_MODEL_CHARS = 20_000
"""The longest text :func:`parse_model` reads (64 layers of a few arguments fit easily)."""

MAX_MODEL_LAYERS = 64
"""The most layers a pasted model may hold: a stack one can still read layer by layer."""

MAX_DENSE_UNITS = 4096
"""Dense units at most this (the widest classifier heads people write); caps the kernel before it exists."""

MAX_POOL_SIDE = 1024
"""A pooling window's side at most this (as large as an input side)."""

MAX_ZERO_PADDING = MAX_INPUT_SIDE
"""ZeroPadding2D adds at most this many rows or columns on one side."""

MODEL_CLASSES = LAYER_CLASSES
"""The layer classes a pasted model may hold: those the engine computes (Keras's aliases read as these)."""

CLASS_ALIASES = {
    "Convolution2D": "Conv2D",
    "MaxPool2D": "MaxPooling2D",
    "AvgPool2D": "AveragePooling2D",
    "GlobalMaxPool2D": "GlobalMaxPooling2D",
    "GlobalAvgPool2D": "GlobalAveragePooling2D",
}
"""Keras's other spellings of the same classes -> the class_name get_config() writes."""

_SOFTMAX = frozenset({"softmax"})
_LAYER_ARGS = ("input_shape", "name", "trainable", "dtype", "autocast")  # Keras's Layer keyword arguments
_POOL_ARGS = ("pool_size", "strides", "padding", "data_format", "name")
_GLOBAL_POOL_ARGS = ("data_format", "keepdims")
# Positional parameters in Keras 3's order, then keyword-only ones (Conv2D keeps POSITIONAL_ARGS / KNOWN_ARGS).
_SIGNATURES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "MaxPooling2D": (_POOL_ARGS, ()),
    "AveragePooling2D": (_POOL_ARGS, ()),
    "GlobalMaxPooling2D": (_GLOBAL_POOL_ARGS, ()),
    "GlobalAveragePooling2D": (_GLOBAL_POOL_ARGS, ()),
    "Flatten": (("data_format",), ()),
    "Dense": (
        ("units", "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
         "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"),
        ("lora_rank", "lora_alpha"),
    ),
    "Dropout": (("rate", "noise_shape", "seed"), ()),
    "Activation": (("activation",), ()),
    "ReLU": (("max_value", "negative_slope", "threshold"), ()),
    "BatchNormalization": (
        ("axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
         "moving_mean_initializer", "moving_variance_initializer", "beta_regularizer", "gamma_regularizer",
         "beta_constraint", "gamma_constraint", "synchronized"),
        (),
    ),
    "ZeroPadding2D": (("padding", "data_format"), ()),
    "Rescaling": (("scale", "offset"), ()),
}
_MODEL_OBJECT_ARGS: dict[str, tuple[str, frozenset[str]]] = {
    **_OBJECT_ARGS,
    **{f"{w}_initializer": _OBJECT_ARGS["kernel_initializer"] for w in ("beta", "gamma", "moving_mean",
                                                                          "moving_variance")},
    **{f"{w}_regularizer": _OBJECT_ARGS["kernel_regularizer"] for w in ("beta", "gamma")},
    **{f"{w}_constraint": _OBJECT_ARGS["kernel_constraint"] for w in ("beta", "gamma")},
}
_INPUT_NAMES = frozenset({"Input", "InputLayer"})
_INPUT_PATHS = _LAYER_PATHS | {"keras", "tf.keras", "tensorflow.keras"}
_INPUT_ARGS = ("shape", "batch_size", "dtype", "sparse", "batch_shape", "name")
_IGNORED_METHODS = frozenset({"summary", "compile"})
_MODEL_NODES = (*_ALLOWED_NODES, ast.BinOp, ast.Div)

_ACCEPTED = (
    "a model is read from model.add(layers...) lines, keras.Sequential([...]) / models.Sequential([...]), "
    "imports, model.summary() and model.compile(...)"
)


@dataclass(frozen=True)
class ParsedModel:
    """What a pasted model says. ``layers`` are the session's layer form, ``{"class_name": ..., "config":
    {...}}`` (no weights: the engine draws Keras's initializers), plain dicts the caller may keep.
    ``input_shape`` comes from ``keras.Input(shape=...)`` or the first layer's ``input_shape``. The
    other tuples run beside ``layers``: ``ignored`` the argument names each layer accepted without using
    them, ``names`` each ``name="..."`` (None when not given), ``lines`` the line each layer is on.
    ``notes`` say what else was read and left alone (``model.compile(...)``)."""

    layers: tuple[dict[str, Any], ...]
    input_shape: tuple[int, ...] | None = None
    ignored: tuple[tuple[str, ...], ...] = ()
    names: tuple[str | None, ...] = ()
    lines: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()
    model_name: str | None = None


@dataclass(frozen=True)
class _Layer:
    config: dict[str, Any]
    class_name: str
    ignored: tuple[str, ...]
    name: str | None
    input_shape: tuple[int, int, int] | None


def _number(node: ast.expr, name: str) -> float:
    """A finite number, written plainly or as ``a / b`` of two numbers (``1./255``), as a float."""
    if isinstance(node, ast.BinOp):
        ok_a, a = _literal_or_none(node.left)
        ok_b, b = _literal_or_none(node.right)
        if not (isinstance(node.op, ast.Div) and ok_a and ok_b and _is_real(a) and _is_real(b)):
            raise LineError(f"{name}: expected a number like 0.5 or 1/255, got {_show(node)}")
        if b == 0:
            raise LineError(f"{name}: {_show(node)} divides by zero")
        try:
            value: float = a / b
        except OverflowError:
            raise LineError(f"{name}: {_show(node)} is too large") from None
    else:
        ok, literal = _literal_or_none(node)
        if not ok or not _is_real(literal):
            raise LineError(f"{name}: expected a number like 0.5, got {_show(node)}")
        value = literal
    try:
        result = float(value)
    except OverflowError:
        result = float("inf")
    if not abs(result) <= FLOAT32_MAX:
        raise LineError(f"{name}: expected a finite float32 number, got {_show(node)}")
    return result


def _is_real(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number_at_least_0(node: ast.expr, name: str) -> float:
    value = _number(node, name)
    if value < 0:
        raise LineError(f"{name}: cannot be negative (Keras refuses it), got {_show(node)}")
    return value


def _side_pair(node: ast.expr, name: str, example: str, limit: int) -> list[int]:
    pair = _pair_arg(node, name, example)
    _at_most(max(pair), limit, name, node, " on a side")
    return list(pair)


def _zero_padding(node: ast.expr) -> list[list[int]]:
    """Keras's three spellings: n, (rows, cols), ((top, bottom), (left, right))."""
    ok, value = _literal_or_none(node)
    rows: Any = None
    if ok and is_whole(value):
        rows = cols = (value, value)
    elif ok and isinstance(value, tuple) and len(value) == 2 and all(is_whole(v) for v in value):
        rows, cols = (value[0], value[0]), (value[1], value[1])
    elif ok and isinstance(value, tuple) and len(value) == 2 and all(whole_pair(v) is not None and
                                                                     not is_whole(v) for v in value):
        rows, cols = value
    if rows is None:
        raise LineError(
            f"padding: expected a whole number, (rows, cols) or ((top, bottom), (left, right)), got {_show(node)}"
        )
    amounts = [[int(rows[0]), int(rows[1])], [int(cols[0]), int(cols[1])]]
    if min(min(amounts[0]), min(amounts[1])) < 0:
        raise LineError(f"padding: cannot be negative, got {_show(node)}")
    _at_most(max(max(amounts[0]), max(amounts[1])), MAX_ZERO_PADDING, "padding", node, " on a side")
    return amounts


def _none_or_whole(node: ast.expr, name: str) -> None:
    ok, value = _literal_or_none(node)
    if not ok or not (value is None or is_whole(value)):
        raise LineError(f"{name}: expected a whole number or None, got {_show(node)}")


def _bind_model_args(call: ast.Call, class_name: str, positional: tuple[str, ...],
                     keywords: tuple[str, ...]) -> dict[str, ast.expr]:
    """Argument name -> value node for a layer other than Conv2D (Conv2D keeps :func:`_bind`)."""
    known = tuple(dict.fromkeys((*positional, *keywords, *_LAYER_ARGS)))
    if len(call.args) > len(positional):
        takes = f"takes {', '.join(positional)} in that order" if positional else "takes no positional argument"
        raise LineError(
            f"too many positional arguments ({len(call.args)}): {class_name} {takes}; write the others as name=value"
        )
    bound: dict[str, ast.expr] = dict(zip(positional, call.args, strict=False))
    for kw in call.keywords:
        name = kw.arg
        assert name is not None  # **kwargs refused by the node check
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.7)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise LineError(f"unknown argument {name!r}{hint}")
        if name in bound:
            raise LineError(f"{name}: given twice; keep one")
        bound[name] = kw.value
    return bound


def _ignored_model_value(node: ast.expr, name: str) -> None:
    """Arguments accepted and left alone: each still has to be a plain value of the right kind."""
    if name in _MODEL_OBJECT_ARGS:
        _keras_object(node, name, _MODEL_OBJECT_ARGS)
    elif name == "momentum":
        _number(node, name)  # a training setting: inference never reads it
    elif name == "axis":
        ok, value = _literal_or_none(node)
        if not ok or value != -1 or not is_whole(value):
            raise LineError(f"axis: kernelscope normalizes the last axis (channels): leave axis=-1, got {_show(node)}")
    elif name in ("synchronized", "keepdims", "sparse"):
        ok, value = _literal_or_none(node)
        if not ok or value not in (False, None) or is_whole(value):
            raise LineError(f"{name}: kernelscope reads {name}=False only, got {_show(node)}")
    elif name in ("seed", "batch_size"):
        _none_or_whole(node, name)
    elif name == "noise_shape":
        ok, value = _literal_or_none(node)
        if not ok or not (value is None or (isinstance(value, tuple) and all(v is None or is_whole(v) for v in value))):
            raise LineError(f"noise_shape: expected None or a tuple of sizes, got {_show(node)}")
    else:
        _ignored_value(node, name)


def _layer_name(bound: dict[str, ast.expr]) -> str | None:
    if "name" not in bound:
        return None
    node = bound["name"]
    if not (isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, str))):
        raise LineError(f"name: expected text like 'conv1', got {_show(node)}")
    name = node.value
    if name is not None and ("/" in name or not name.strip() or len(name) > 100):
        raise LineError(f"name: expected a short name without '/', got {_show(node)}")
    return name


def _read_conv2d_layer(call: ast.Call) -> _Layer:
    bound = _bind(call)
    parsed = _read_conv2d(bound)
    name = _layer_name(bound)
    spec = parsed.spec
    config: dict[str, Any] = {
        "filters": spec.filters,
        "kernel_size": list(spec.kernel_size),
        "strides": list(spec.strides),
        "padding": spec.padding,
        "dilation_rate": list(spec.dilation_rate),
        "activation": spec.activation or "linear",
        "use_bias": spec.use_bias,
    }
    ignored = tuple(n for n in parsed.ignored if n != "name")
    return _Layer(config, "Conv2D", ignored, name, parsed.input_shape)


_USED: dict[str, frozenset[str]] = {
    "MaxPooling2D": frozenset({"pool_size", "strides", "padding"}),
    "AveragePooling2D": frozenset({"pool_size", "strides", "padding"}),
    "Dense": frozenset({"units", "activation", "use_bias"}),
    "Dropout": frozenset({"rate"}),
    "Activation": frozenset({"activation"}),
    "ReLU": frozenset({"max_value", "negative_slope", "threshold"}),
    "BatchNormalization": frozenset({"epsilon", "center", "scale"}),
    "ZeroPadding2D": frozenset({"padding"}),
    "Rescaling": frozenset({"scale", "offset"}),
}


def _layer_config(class_name: str, bound: dict[str, ast.expr]) -> dict[str, Any]:
    """Keras's get_config() keys that change the forward pass, with Keras's defaults filled in."""
    arg = bound.get
    if class_name in ("MaxPooling2D", "AveragePooling2D"):
        node = arg("pool_size")
        pool = _side_pair(node, "pool_size", "(2, 2)", MAX_POOL_SIDE) if node is not None else [2, 2]
        strides = pool
        node = arg("strides")
        if node is not None and not (isinstance(node, ast.Constant) and node.value is None):
            strides = _side_pair(node, "strides", "(2, 2)", MAX_STRIDE)
        padding = _padding(bound["padding"]) if "padding" in bound else "valid"
        return {"pool_size": pool, "strides": list(strides), "padding": padding}
    if class_name == "Dense":
        if "units" not in bound:
            raise LineError("units: missing; Dense needs units, e.g. Dense(10)")
        units = _whole_at_least_1(bound["units"], "units", "a whole number")
        _at_most(units, MAX_DENSE_UNITS, "units", bound["units"])
        activation = _activation(bound["activation"], _SOFTMAX) if "activation" in bound else None
        use_bias = _bool(bound["use_bias"], "use_bias") if "use_bias" in bound else True
        return {"units": units, "activation": activation or "linear", "use_bias": use_bias}
    if class_name == "Dropout":
        if "rate" not in bound:
            raise LineError("rate: missing; Dropout needs a rate, e.g. Dropout(0.5)")
        rate = _number(bound["rate"], "rate")
        if not 0 <= rate <= 1:
            raise LineError(f"rate: must be between 0 and 1 (Keras refuses others), got {_show(bound['rate'])}")
        return {"rate": rate}
    if class_name == "Activation":
        if "activation" not in bound:
            raise LineError('activation: missing; Activation needs one, e.g. Activation("relu")')
        return {"activation": _activation(bound["activation"], _SOFTMAX) or "linear"}
    if class_name == "ReLU":
        max_value = None
        node = arg("max_value")
        if node is not None and not (isinstance(node, ast.Constant) and node.value is None):
            max_value = _number_at_least_0(node, "max_value")
        slope = _number_at_least_0(bound["negative_slope"], "negative_slope") if "negative_slope" in bound else 0.0
        threshold = _number_at_least_0(bound["threshold"], "threshold") if "threshold" in bound else 0.0
        return {"max_value": max_value, "negative_slope": slope, "threshold": threshold}
    if class_name == "BatchNormalization":
        epsilon = _number(bound["epsilon"], "epsilon") if "epsilon" in bound else 1e-3
        if not epsilon > 0:
            raise LineError(f"epsilon: must be above 0, got {_show(bound['epsilon'])}")
        center = _bool(bound["center"], "center") if "center" in bound else True
        scale = _bool(bound["scale"], "scale") if "scale" in bound else True
        return {"epsilon": epsilon, "center": center, "scale": scale}
    if class_name == "ZeroPadding2D":
        return {"padding": _zero_padding(bound["padding"]) if "padding" in bound else [[1, 1], [1, 1]]}
    if class_name == "Rescaling":
        if "scale" not in bound:
            raise LineError("scale: missing; Rescaling needs a scale, e.g. Rescaling(1./255)")
        offset = _number(bound["offset"], "offset") if "offset" in bound else 0.0
        return {"scale": _number(bound["scale"], "scale"), "offset": offset}
    return {}  # Flatten, GlobalMaxPooling2D, GlobalAveragePooling2D: nothing to set


def _read_model_layer(call: ast.Call, class_name: str) -> _Layer:
    if class_name == "Conv2D":
        return _read_conv2d_layer(call)
    positional, keywords = _SIGNATURES[class_name]
    bound = _bind_model_args(call, class_name, positional, keywords)
    config = _layer_config(class_name, bound)
    input_shape = _input_shape(bound["input_shape"]) if "input_shape" in bound else None
    name = _layer_name(bound)
    used = _USED.get(class_name, frozenset()) | {"input_shape", "name"}
    ignored = tuple(n for n in bound if n not in used)
    for n in ignored:
        if n == "data_format":
            _data_format(bound[n])
        else:
            _ignored_model_value(bound[n], n)
    return _Layer(config, class_name, ignored, name, input_shape)


def _read_input(call: ast.Call) -> tuple[int, int, int]:
    """``keras.Input(shape=(h, w, c))`` / ``layers.InputLayer(...)``: the model's input size, no batch."""
    bound = _bind_model_args(call, "Input", _INPUT_ARGS, ("input_shape",))
    if "batch_shape" in bound:
        raise LineError("batch_shape: write shape=(height, width, channels) instead (no batch size)")
    key = "shape" if "shape" in bound else "input_shape"
    if key not in bound:
        raise LineError("shape: missing; write keras.Input(shape=(height, width, channels))")
    for name in bound:
        if name in ("trainable", "autocast"):
            _bool(bound[name], name)
        elif name == "dtype":
            _dtype(bound[name])
        elif name == "name":
            _layer_name(bound)
        elif name in ("batch_size", "sparse"):
            _ignored_model_value(bound[name], name)
    return _input_shape(bound[key], key)


def _known_class(call: ast.Call) -> tuple[str, str]:
    """(kind, class name): kind "layer", "input" or "sequential"; refuses anything that is not one of them."""
    path = _dotted(call.func)
    if path is None:
        raise LineError(f"{_show(call.func)} is not a layer; {_ACCEPTED}")
    prefix, name = ".".join(path[:-1]), path[-1]
    if name == "Sequential" and prefix in _SEQUENTIAL_PATHS:
        return "sequential", name
    if name in _INPUT_NAMES and prefix in _INPUT_PATHS:
        return "input", name
    if name == "Model" and prefix in _SEQUENTIAL_PATHS:
        raise LineError(f"{'.'.join(path)}(...) builds a functional model; {_ACCEPTED}")
    if prefix not in _LAYER_PATHS and not name[:1].isupper():  # model.fit(...), print(...), np.zeros(...)
        raise LineError(f"{'.'.join(path)}(...) is not read; {_ACCEPTED}")
    if prefix not in _LAYER_PATHS:
        raise LineError(
            f"unknown path {'.'.join(path)}; write {name}, layers.{name}, keras.layers.{name} or "
            f"tf.keras.layers.{name}"
        )
    canonical = CLASS_ALIASES.get(name, name)
    if canonical not in MODEL_CLASSES:
        spelled = {c.lower(): c for c in (*MODEL_CLASSES, *CLASS_ALIASES)}.get(name.lower())
        hint = f" (Keras spells it {spelled})" if spelled else ""
        raise LineError(
            f"{name} is not a layer kernelscope computes{hint} (it computes {', '.join(MODEL_CLASSES)})"
        )
    return "layer", canonical


class _ModelReader:
    """Reads the statements of a pasted model in order; every refusal names its line."""

    def __init__(self, line_offset: int) -> None:
        self.offset = line_offset
        self.layers: list[tuple[_Layer, int]] = []
        self.input_shape: tuple[int, int, int] | None = None
        self.input_line: int | None = None
        self.model_var: str | None = None
        self.model_name: str | None = None
        self.sequential_line: int | None = None
        self.loose_line: int | None = None  # a functional or unattached layer: fine only alone
        self.notes: list[str] = []

    def line(self, node: ast.stmt | ast.expr) -> int:
        return node.lineno + self.offset

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            return  # never imported: the names in it are only ever compared as text
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                _check_target(target)
            self.value(stmt.value, _show(stmt.targets[0]))
        elif isinstance(stmt, ast.Expr):
            self.value(stmt.value, None)
        else:  # pragma: no cover - the node whitelist leaves only these statements
            raise LineError(f"line {self.line(stmt)}: {_ACCEPTED}")

    def value(self, value: ast.expr, target: str | None) -> None:
        n = self.line(value)
        if isinstance(value, (ast.Tuple, ast.List)) and target is None:  # layers copied from a list
            for element in value.elts:
                self.element(element)
            return
        if not isinstance(value, ast.Call):
            raise LineError(f"line {n}: {_show(value)} is not a layer; {_ACCEPTED}")
        if isinstance(value.func, ast.Call):  # x = layers.Conv2D(...)(x)
            self.functional(value, n)
            return
        path = _dotted(value.func)
        if path is not None and len(path) >= 2 and path[-1] == "add" and target is None:
            self.add(value, ".".join(path[:-1]), n)
            return
        if path is not None and len(path) >= 2 and path[-1] in _IGNORED_METHODS and target is None:
            self.notes.append(f"line {n}: {'.'.join(path)}(...) is not needed to compute the layers; left alone")
            return
        kind, class_name = self.kind(value, n)
        if kind == "sequential":
            self.sequential(value, target, n)
        elif kind == "input" and target is not None:
            raise LineError(
                f"line {n}: {target} = {class_name}(...) starts a functional model; {_ACCEPTED} "
                "(a keras.Input may be the first element of Sequential([...]))"
            )
        elif target is not None:  # conv1 = layers.Conv2D(...): a layer not added to any model
            self.functional(value, n)
        else:
            self.element(value)

    def kind(self, call: ast.Call, n: int) -> tuple[str, str]:
        try:
            return _known_class(call)
        except LineError as exc:
            raise LineError(f"line {n}: {exc}") from None

    def functional(self, call: ast.Call, n: int) -> None:
        """``x = layers.Conv2D(...)(x)`` and ``conv = layers.Conv2D(...)``: the one-Conv2D line only."""
        inner = call.func if isinstance(call.func, ast.Call) else call
        if inner is not call:
            try:
                _check_applied_args(call)
            except LineError as exc:
                raise LineError(f"line {n}: {exc}") from None
        if not isinstance(inner, ast.Call) or isinstance(inner.func, ast.Call):
            raise LineError(f"line {n}: {_show(call)} is not a layer; {_ACCEPTED}")
        kind, class_name = self.kind(inner, n)
        if kind != "layer" or class_name != "Conv2D" or self.layers or self.loose_line is not None:
            raise LineError(self.functional_refusal(n, class_name))
        self.loose_line = n
        self.layer(inner, class_name, n)

    @staticmethod
    def functional_refusal(n: int, class_name: str) -> str:
        return (
            f"line {n}: {class_name}: the functional form (x = layer(...)(x), or a layer assigned to a name) is "
            "read for one Conv2D line only; write the layers as model.add(...) lines or keras.Sequential([...])"
        )

    def add(self, call: ast.Call, receiver: str, n: int) -> None:
        if len(call.args) != 1 or call.keywords:
            raise LineError(f"line {n}: {receiver}.add(...) should hold one layer")
        if self.model_var is not None and receiver != self.model_var:
            raise LineError(f"line {n}: {receiver}.add(...) adds to another model than {self.model_var}")
        self.model_var = receiver
        self.element(call.args[0])

    def sequential(self, call: ast.Call, target: str | None, n: int) -> None:
        if self.sequential_line is not None or self.layers:
            raise LineError(f"line {n}: a second model; paste one model at a time")
        self.sequential_line = n
        self.model_var = target
        try:
            bound = _bind_model_args(call, "Sequential", ("layers", "trainable", "name"), ())
            for key in ("input_shape", "dtype", "autocast"):
                if key in bound:
                    raise LineError(f"unknown argument {key!r}")
            self.model_name = _layer_name(bound)
            if "trainable" in bound:
                _bool(bound["trainable"], "trainable")
        except LineError as exc:
            raise LineError(f"line {n}: Sequential: {exc}") from None
        node = bound.get("layers")
        if node is None or (isinstance(node, ast.Constant) and node.value is None):
            return
        if not isinstance(node, (ast.List, ast.Tuple)):
            raise LineError(f"line {n}: Sequential: layers: expected a list [...] of layers, got {_show(node)}")
        for element in node.elts:
            self.element(element)

    def element(self, node: ast.expr) -> None:
        """One layer of a Sequential list, of model.add(...), or a layer call on its own."""
        n = self.line(node)
        if not isinstance(node, ast.Call):
            raise LineError(f"line {n}: {_show(node)} is not a layer; {_ACCEPTED}")
        if isinstance(node.func, ast.Call):
            raise LineError(self.functional_refusal(n, _show(node.func.func)))
        kind, class_name = self.kind(node, n)
        if kind == "sequential":
            raise LineError(f"line {n}: a Sequential inside a model; paste one model at a time")
        if kind == "input":
            if self.layers or self.input_shape is not None:
                raise LineError(f"line {n}: {class_name}(...) must come first, before every layer, once")
            try:
                self.input_shape = _read_input(node)
            except LineError as exc:
                raise LineError(f"line {n}: {class_name}: {exc}") from None
            self.input_line = n
            return
        if self.loose_line is not None:
            raise LineError(self.functional_refusal(self.loose_line, "Conv2D"))
        self.layer(node, class_name, n)

    def layer(self, call: ast.Call, class_name: str, n: int) -> None:
        if len(self.layers) >= MAX_MODEL_LAYERS:
            raise LineError(f"line {n}: more than {MAX_MODEL_LAYERS} layers; kernelscope computes at most "
                            f"{MAX_MODEL_LAYERS}")
        try:
            layer = _read_model_layer(call, class_name)
        except LineError as exc:
            raise LineError(f"line {n}: {class_name}: {exc}") from None
        if layer.input_shape is not None:
            if self.input_shape is not None:
                raise LineError(
                    f"line {n}: {class_name}: input_shape: the model's input is already {self.input_shape} "
                    f"(line {self.input_line}); give it once"
                )
            if self.layers:
                raise LineError(f"line {n}: {class_name}: input_shape belongs on the first layer only")
            self.input_shape, self.input_line = layer.input_shape, n
        if layer.name is not None and layer.name in {other.name for other, _ in self.layers}:
            raise LineError(f"line {n}: {class_name}: name {layer.name!r} is used twice (Keras refuses it)")
        self.layers.append((layer, n))

    def result(self) -> ParsedModel:
        if not self.layers:
            raise LineError(f"cannot read this model: no layer in it; {_ACCEPTED}")
        dicts = []
        for layer, _ in self.layers:
            config = {"name": layer.name, **layer.config} if layer.name is not None else dict(layer.config)
            dicts.append({"class_name": layer.class_name, "config": config})
        return ParsedModel(
            layers=tuple(dicts),
            input_shape=self.input_shape,
            ignored=tuple(layer.ignored for layer, _ in self.layers),
            names=tuple(layer.name for layer, _ in self.layers),
            lines=tuple(n for _, n in self.layers),
            notes=tuple(self.notes),
            model_name=self.model_name,
        )


def _check_model_nodes(tree: ast.Module, offset: int) -> None:
    """The line's whitelist, plus ``a / b`` of two plain numbers; a refusal names its line."""
    for node in ast.walk(tree):
        try:
            if isinstance(node, ast.BinOp):
                if not (isinstance(node.op, ast.Div) and _is_ratio(node)):
                    _check_node(node)  # refused with the line's words ("arithmetic ... is not allowed")
            else:
                _check_node(node, _MODEL_NODES)
        except LineError as exc:
            where = f"line {node.lineno + offset}: " if isinstance(node, (ast.stmt, ast.expr)) else ""
            raise LineError(where + str(exc).replace("cannot read this line", "cannot read this model")) from None


def _is_ratio(node: ast.BinOp) -> bool:
    return all(_literal_or_none(side)[0] and _is_real(_literal_or_none(side)[1]) for side in (node.left, node.right))


def _parse_model_text(text: str) -> tuple[ast.Module, int]:
    """The text's tree and how many blank lines were cut from its top (so line numbers are the user's)."""
    dedented = textwrap.dedent(text)
    source = dedented.strip()
    offset = dedented[: len(dedented) - len(dedented.lstrip())].count("\n")
    if not source:
        raise LineError(f"cannot read this model: it is empty; {_ACCEPTED}")
    first_error: SyntaxError | None = None
    for attempt in (source, source.translate(_TYPOGRAPHY)):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. SyntaxWarning for "\d" in a string
                return ast.parse(attempt, mode="exec"), offset
        except SyntaxError as exc:
            first_error = first_error or exc
        except (ValueError, RecursionError, MemoryError) as exc:
            raise LineError(f"cannot read this model: {str(exc) or type(exc).__name__}") from None
    assert first_error is not None
    where = [f"line {first_error.lineno + offset}"] if first_error.lineno is not None else []
    where += [f"column {first_error.offset}"] if first_error.offset else []
    shown = f" ({', '.join(where)})" if where else ""
    raise LineError(f"cannot read this model: {first_error.msg}{shown}") from None


def parse_model(text: str) -> ParsedModel:
    """Read a pasted Keras Sequential model into the session's layer dicts, without running any of it.

    Accepts ``model.add(layers.X(...))`` lines (``layers.``, ``keras.layers.``, ``tf.keras.layers.`` or bare),
    ``model = keras.Sequential([...])`` (``models.``, ``tf.keras.models.``, a ``name=``), a ``keras.Input`` as
    the first element, imports, comments, ``model.summary()`` / ``model.compile(...)`` (left alone, with a
    note), and one Conv2D line in any form :func:`parse_conv2d_line` reads. Each layer is held to the
    scene's caps as the Conv2D line is (plus MAX_DENSE_UNITS, MAX_POOL_SIDE, MAX_MODEL_LAYERS); every
    refusal is one LineError line naming the line and the layer.
    """
    if not isinstance(text, str):
        raise LineError(f"cannot read this model: expected text, got {type(text).__name__}")
    if len(text) > MAX_MODEL_CHARS:
        raise LineError(
            f"cannot read this model: it is {len(text):,} characters long; a pasted model is at most "
            f"{MAX_MODEL_CHARS:,}"
        )
    tree, offset = _parse_model_text(text)
    _check_model_nodes(tree, offset)
    reader = _ModelReader(offset)
    for stmt in tree.body:
        reader.statement(stmt)
    return reader.result()
