"""The pasted Conv2D line: what it accepts (as Keras would), what it refuses (with the argument named),
that it never runs anything, and that conv2d_line's output reads back to the same layer."""

from __future__ import annotations

import ast
import builtins
import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernelscope.core import keras_syntax
from kernelscope.core.engine import ACTIVATIONS, ConvSpec, count_params, output_shape
from kernelscope.core.keras_syntax import (
    KNOWN_ARGS,
    MAX_LINE_CHARS,
    LineError,
    ParsedLayer,
    conv2d_line,
    parse_conv2d_line,
    size_formula,
)

ARTICLE = 'model.add(layers.Conv2D(32,(3,3),activation="relu",input_shape=(150,150,3)))'
ARTICLE_SPEC = ConvSpec(32, (3, 3), activation="relu")


def spec(filters: int = 1, kernel_size=(3, 3), **kw) -> ConvSpec:
    return ConvSpec(filters, kernel_size, **kw)


# (line, expected spec, expected input_shape, expected ignored)
ACCEPTED: list[tuple[str, ConvSpec, tuple[int, int, int] | None, tuple[str, ...]]] = [
    (ARTICLE, ARTICLE_SPEC, (150, 150, 3), ()),
    ('layers.Conv2D(32,(3,3),activation="relu",input_shape=(150,150,3))', ARTICLE_SPEC, (150, 150, 3), ()),
    ('Conv2D(32,(3,3),activation="relu",input_shape=(150,150,3))', ARTICLE_SPEC, (150, 150, 3), ()),
    ('keras.layers.Conv2D(32, (3, 3), activation="relu")', ARTICLE_SPEC, None, ()),
    ('tf.keras.layers.Conv2D(32, (3, 3), activation="relu")', ARTICLE_SPEC, None, ()),
    ('tensorflow.keras.layers.Conv2D(32, (3, 3), activation="relu")', ARTICLE_SPEC, None, ()),
    ('keras.layers.Convolution2D(32, (3, 3), activation="relu")', ARTICLE_SPEC, None, ()),
    # The article's multi-line form, and its three-line sample with the imports.
    ('Conv2D(\n  32,\n  (3,3),\n  activation="relu",\n  input_shape=(150,150,3)\n)', ARTICLE_SPEC, (150, 150, 3), ()),
    (
        "from keras import layers, models\nmodel = models.Sequential()\n" + ARTICLE,
        ARTICLE_SPEC,
        (150, 150, 3),
        (),
    ),
    ("import tensorflow as tf\ntf.keras.layers.Conv2D(16, 3)", spec(16), None, ()),
    ("Conv2D(16, (3, 3)  # sixteen 3x3 filters\n)", spec(16), None, ()),
    (ARTICLE + "  # the article's line", ARTICLE_SPEC, (150, 150, 3), ()),
    (ARTICLE + ";", ARTICLE_SPEC, (150, 150, 3), ()),
    ("    " + ARTICLE, ARTICLE_SPEC, (150, 150, 3), ()),  # copied from inside a function
    ("layers.Conv2D(16, (3, 3)),", spec(16), None, ()),  # copied from a Sequential([...]) list
    ("x = layers.Conv2D(8, 3, padding='same')(x)", spec(8, padding="same"), None, ()),
    ("conv1 = keras.layers.Conv2D(8, 3)", spec(8), None, ()),
    ("self.conv = layers.Conv2D(8, 3)", spec(8), None, ()),
    ("outputs = layers.Conv2D(8, 3, name='c')(inputs, training=False)", spec(8), None, ("name",)),
    ("Conv2D(filters=4, kernel_size=5)", spec(4, (5, 5)), None, ()),
    ("Conv2D(kernel_size=[5, 3], filters=4)", spec(4, (5, 3)), None, ()),
    ("Conv2D(2, (3, 3), strides=(2, 2), padding='same', activation='relu', input_shape=(5, 5, 1))",
     spec(2, strides=(2, 2), padding="same", activation="relu"), (5, 5, 1), ()),
    ("Conv2D(1, 5, strides=2, input_shape=[25, 25, 1])", spec(1, (5, 5), strides=(2, 2)), (25, 25, 1), ()),
    ("Conv2D(1, 3, 2)", spec(1, strides=(2, 2)), None, ()),
    ("Conv2D(1, 3, (1, 2), 'SAME')", spec(1, strides=(1, 2), padding="same"), None, ()),
    ("Conv2D(1, 3, 1, 'Valid', 'channels_last', 2, 1, 'tanh', False)",
     spec(1, dilation_rate=(2, 2), activation="tanh", use_bias=False), None, ("data_format", "groups")),
    ("Conv2D(1, 3, 1, 'valid', None)", spec(1), None, ("data_format",)),
    ("Conv2D(3, 3, dilation_rate=(2, 1), use_bias=False)", spec(3, dilation_rate=(2, 1), use_bias=False), None, ()),
    ("Conv2D(3, 3, activation=None)", spec(3), None, ()),
    ("Conv2D(3, 3, activation='linear')", spec(3), None, ()),
    ("Conv2D(3, 3, activation=tf.nn.relu)", spec(3, activation="relu"), None, ()),
    ("Conv2D(3, 3, activation=tensorflow.nn.leaky_relu)", spec(3, activation="leaky_relu"), None, ()),
    ("Conv2D(3, 3, activation=keras.activations.gelu)", spec(3, activation="gelu"), None, ()),
    ("Conv2D(3, 3, activation=activations.swish)", spec(3, activation="swish"), None, ()),
    ("Conv2D(3, 3, activation=tf.keras.activations.linear)", spec(3), None, ()),
    ("Conv2D(3, 3, activation=tf.sigmoid)", spec(3, activation="sigmoid"), None, ()),
    ("Conv2D(3, 3, activation=tf.math.softplus)", spec(3, activation="softplus"), None, ()),
    ("Conv2D(3, 3, padding=\"same\", activation=\"silu\")", spec(3, padding="same", activation="silu"), None, ()),
    (
        "layers.Conv2D(64, (3, 3), kernel_initializer='he_normal', bias_initializer='zeros', "
        "kernel_regularizer=regularizers.l2(1e-4), bias_regularizer=keras.regularizers.L1L2(l1=0.01, l2=0.0), "
        "activity_regularizer=None, kernel_constraint=constraints.MaxNorm(3), bias_constraint=None)",
        spec(64),
        None,
        ("kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
         "activity_regularizer", "kernel_constraint", "bias_constraint"),
    ),
    (
        "Conv2D(8, 3, kernel_initializer=initializers.RandomNormal(mean=0.0, stddev=-0.05, seed=None), "
        "kernel_regularizer=l2(0.01), kernel_constraint=max_norm(2.))",
        spec(8),
        None,
        ("kernel_initializer", "kernel_regularizer", "kernel_constraint"),
    ),
    (
        "Conv2D(8, 3, name='conv_1', trainable=False, dtype='float32', autocast=True, lora_rank=None)",
        spec(8),
        None,
        ("name", "trainable", "dtype", "autocast", "lora_rank"),
    ),
    ("Conv2D(8, 3, dtype=tf.float32, data_format='CHANNELS_LAST', groups=1)", spec(8), None,
     ("dtype", "data_format", "groups")),
    ("Conv2D(8, +3, strides=(+1, 1))", spec(8), None, ()),
    ("Conv2D(1, 7, input_shape=(5, 5, 1), padding='same')", spec(1, (7, 7), padding="same"), (5, 5, 1), ()),
    ("Conv2D(64, 11, input_shape=(1024, 1024, 3))", spec(64, (11, 11)), (1024, 1024, 3), ()),
    # Pasted from a web page: typographic quotes and non-breaking spaces.
    ("model.add(layers.Conv2D(32,\u00a0(3,3), activation=\u201crelu\u201d))", ARTICLE_SPEC, None, ()),
    ("Conv2D(8, 3, name='__import__(\"os\").system(\"x\")')", spec(8), None, ("name",)),  # text is data
]


@pytest.mark.parametrize(("line", "expected", "shape", "ignored"), ACCEPTED)
def test_accepted_lines(line, expected, shape, ignored):
    parsed = parse_conv2d_line(line)
    assert parsed == ParsedLayer(expected, shape, ignored)
    assert isinstance(parsed.spec.filters, int)


def test_the_accepted_table_is_long_enough():
    assert len(ACCEPTED) >= 30
    assert len(REFUSED) >= 25


# (line, a fragment of the message)
REFUSED: list[tuple[str, str]] = [
    ("", "it is empty"),
    ("   \n  # only a comment", "no Conv2D layer"),
    ("Conv2D(16, (3, 3)", "cannot read this line: '(' was never closed"),
    ("Conv2D(16, (3, 3)) trailing words", "cannot read this line: invalid syntax"),
    ("layers.Dense(3)", "not a Conv2D layer: Dense"),
    ("model.add(layers.MaxPooling2D((2, 2)))", "not a Conv2D layer: MaxPooling2D"),
    ("layers.Conv1D(3, 3)", "not a Conv2D layer: Conv1D"),
    ("layers.conv2d(3, 3)", "(Keras spells it Conv2D)"),
    ("torch.nn.Conv2D(3, 3)", "unknown path torch.nn.Conv2D"),
    ("Conv2D(3, 3)\nConv2D(4, 3)", "2 Conv2D layers"),
    ("layers.Conv2D(3, 3)(layers.Conv2D(4, 3)(x))", "2 Conv2D layers"),
    ("print('hi')\nConv2D(3, 3)", "2 statements"),
    ("import os\nConv2D(3, 3)", "2 statements"),
    ("Conv2D(3)", "kernel_size: missing"),
    ("Conv2D(kernel_size=3)", "filters: missing"),
    ("Conv2D(3, kernal_size=3)", "unknown argument 'kernal_size' (did you mean kernel_size?)"),
    ("Conv2D(3, 3, stride=2)", "unknown argument 'stride' (did you mean strides?)"),
    ("Conv2D(3, 3, batch_input_shape=(None, 5, 5, 1))", "unknown argument 'batch_input_shape'"),
    ("Conv2D(3, 3, filters=4)", "filters: given twice (as argument 1 and as filters=)"),
    ("Conv2D(3, kernel_size=3, kernel_size=3)", "kernel_size: given twice"),
    ("Conv2D(3, 3, 1, 'valid', None, 1, 1, 'relu', True, 'glorot_uniform')", "too many positional arguments (10)"),
    ("Conv2D('32', 3)", "filters: expected a whole number, got '32'"),
    ("Conv2D(32.0, 3)", "filters: expected a whole number, got 32.0"),
    ("Conv2D(True, 3)", "filters: expected a whole number, got True"),
    ("Conv2D(0, 3)", "filters: must be at least 1, got 0"),
    ("Conv2D(-4, 3)", "filters: must be at least 1, got -4"),
    ("Conv2D(n_filters, 3)", "filters: expected a whole number, got n_filters"),
    ("Conv2D(3, 0)", "kernel_size: must be at least 1, got 0"),
    ("Conv2D(3, (3, 0))", "kernel_size: must be at least 1, got (3, 0)"),
    ("Conv2D(3, 3.0)", "kernel_size: expected a whole number or a pair like (3, 3), got 3.0"),
    ("Conv2D(3, (3, 3.5))", "kernel_size: expected a whole number or a pair like (3, 3)"),
    ("Conv2D(3, (3, 3, 3))", "(Conv2D has 2 sides, this has 3)"),
    ("Conv2D(3, (True, 3))", "kernel_size: expected a whole number or a pair"),
    ("Conv2D(3, 3, strides='two')", "strides: expected a whole number or a pair like (2, 2), got 'two'"),
    ("Conv2D(3, 3, strides=0)", "strides: must be at least 1"),
    ("Conv2D(3, 3, dilation_rate=(1, -1))", "dilation_rate: must be at least 1, got (1, -1)"),
    ("Conv2D(3, 3, strides=2, dilation_rate=2)", "cannot both be above 1 (Keras refuses this)"),
    ("Conv2D(3, 3, strides=(1, 2), dilation_rate=(2, 1))", "strides and dilation_rate cannot both be above 1"),
    ("Conv2D(3, 3, padding='causal')", "padding: 'causal' is for Conv1D only"),
    ("Conv2D(3, 3, padding='full')", "padding: expected 'valid' or 'same', got 'full'"),
    ("Conv2D(3, 3, padding=None)", "padding: expected 'valid' or 'same', got None"),
    ("Conv2D(3, 3, data_format='channels_first')", "data_format: 'channels_first' is refused"),
    ("Conv2D(3, 3, data_format='NHWC')", "data_format: expected 'channels_last' or 'channels_first'"),
    ("Conv2D(4, 3, groups=2)", "groups: kernelscope shows groups=1 only"),
    ("Conv2D(4, 3, groups=0)", "groups: must be at least 1"),
    ("Conv2D(3, 3, activation='softmax')", "activation: kernelscope does not know 'softmax'"),
    ("Conv2D(3, 3, activation='ReLU')", "(did you mean 'relu'?)"),
    ("Conv2D(3, 3, activation=relu)", 'activation: relu is a bare name, which is not looked up; write it as text: '),
    ("Conv2D(3, 3, activation=relu)", 'activation="relu"'),
    ("Conv2D(3, 3, activation=np.maximum)", "activation: cannot use np.maximum"),
    ("Conv2D(3, 3, activation=tf.nn.linear)", "activation: cannot use tf.nn.linear"),
    ("Conv2D(3, 3, activation=layers.ReLU())", "activation: layers.ReLU() is a call, which is not run"),
    ("Conv2D(3, 3, activation=3)", "activation: expected a name like"),
    ("Conv2D(3, 3, use_bias=1)", "use_bias: expected True or False, got 1"),
    ("Conv2D(3, 3, use_bias='False')", "use_bias: expected True or False, got 'False'"),
    ("Conv2D(3, 3, input_shape=(None, None, 3))", "input_shape: kernelscope needs a size"),
    ("Conv2D(3, 3, input_shape=(28, None, 1))", "input_shape: kernelscope needs a size"),
    ("Conv2D(3, 3, input_shape=(28, 28, None))", "input_shape: the number of channels cannot be None"),
    ("Conv2D(3, 3, input_shape=(28, 28))", "a grey image has one channel: input_shape=(28, 28, 1)"),
    ("Conv2D(3, 3, input_shape=(None, 28, 28, 1))", "includes the batch size; leave it out: input_shape=(28, 28, 1)"),
    ("Conv2D(3, 3, input_shape=(28, 0, 1))", "input_shape: every size must be at least 1"),
    ("Conv2D(3, 3, input_shape=(28.0, 28, 1))", "input_shape: expected (height, width, channels)"),
    ("Conv2D(3, 3, input_shape=784)", "input_shape: expected (height, width, channels)"),
    ("Conv2D(1, 7, input_shape=(5, 5, 1))", "a 7x7 kernel does not fit a 5x5 input with padding='valid'"),
    ("Conv2D(1, 3, dilation_rate=3, input_shape=(5, 5, 1))", "(dilated to 7x7) does not fit a 5x5 input"),
    ("Conv2D(3, 3, name=3)", "name: expected text"),
    ("Conv2D(3, 3, trainable='yes')", "trainable: expected True or False"),
    ("Conv2D(3, 3, dtype=float32)", "dtype: expected text like 'float32'"),
    ("Conv2D(3, 3, lora_rank=4)", "lora_rank: kernelscope shows the plain kernel"),
    ("Conv2D(3, 3, kernel_initializer=os.system('x'))", "kernel_initializer: expected text like 'glorot_uniform'"),
    ("Conv2D(3, 3, kernel_initializer=initializers.Constant(np.ones(3)))", "kernel_initializer: np.ones(3) is not"),
    ("Conv2D(3, 3, kernel_regularizer=regularizers.l2(x))", "kernel_regularizer: x is not a plain value"),
    ("x = layers.Conv2D(3, 3)(keras.Input((5, 5, 1)))", "the layer is applied to keras.Input((5, 5, 1))"),
    ("model.add(layers.Conv2D(3, 3), layers.Conv2D)", "should hold one layer"),
    ("layers.Conv2D", "expected a Conv2D call"),
    ("x[0] = Conv2D(3, 3)", "indexing [...]"),
    ("Conv2D(3, 3, strides=2 * 1)", "arithmetic (2 * 1) is not allowed"),
    ("Conv2D(3, 3, strides=--1)", "strides: expected a whole number or a pair like (2, 2), got --1"),
    ("Conv2D(3, 3, strides=~1)", "~ is not allowed"),
    ("Conv2D(3, 3, name=f'conv{i}')", "an f-string"),
    ("Conv2D(3, 3, activation=lambda x: x)", "a lambda (lambda x: x) is not allowed"),
    ("Conv2D(*args)", "*arguments (*args) is not allowed"),
    ("Conv2D(3, 3, **kwargs)", "**kwargs is not allowed here"),
    ("Conv2D(3, 3, strides=[i for i in (1, 2)])", "a comprehension"),
    ("Conv2D(3, 3, kernel_initializer={'class_name': 'Zeros'})", "a dict {...}"),
    ("def f():\n    return Conv2D(3, 3)", "FunctionDef is not allowed"),
    ("Conv2D(3, 3)\x00", "cannot read this line"),
    ("Conv2D(3, " + "(" * 300 + "3" + ")" * 300 + ")", "cannot read this line"),
    ("Conv2D(" + " " * MAX_LINE_CHARS + "3, 3)", "a Conv2D line is at most 2,000"),
]


@pytest.mark.parametrize(("line", "fragment"), REFUSED)
def test_refused_lines(line, fragment):
    with pytest.raises(LineError) as info:
        parse_conv2d_line(line)
    assert fragment in str(info.value)
    assert "\n" not in str(info.value)


def test_line_error_is_a_value_error():
    assert issubclass(LineError, ValueError)
    with pytest.raises(ValueError, match="expected text"):
        parse_conv2d_line(b"Conv2D(3, 3)")  # type: ignore[arg-type]


def test_every_refusal_names_its_argument():
    """The brief's examples, word for word at their start."""
    cases = {
        "Conv2D(3, 3, strides='two')": "strides: expected a whole number or a pair like (2, 2), got 'two'",
        "Conv2D(0, 3)": "filters: must be at least 1",
        "Conv2D(3, kernal_size=3)": "unknown argument 'kernal_size' (did you mean kernel_size?)",
        "Conv2D(3, 3, strides=2, dilation_rate=2)": (
            "strides and dilation_rate cannot both be above 1 (Keras refuses this)"
        ),
        "layers.Dense(3)": "not a Conv2D layer: Dense",
    }
    for line, start in cases.items():
        with pytest.raises(LineError) as info:
            parse_conv2d_line(line)
        assert str(info.value).startswith(start)


def test_a_syntax_error_names_the_line_when_the_text_has_several():
    with pytest.raises(LineError, match=r"line 3"):
        parse_conv2d_line("Conv2D(\n  3,\n  3 3,\n)")


def test_a_line_of_exactly_the_limit_is_read():
    line = "Conv2D(3, 3)"
    line += " " * (MAX_LINE_CHARS - len(line))
    assert parse_conv2d_line(line).spec == spec(3)


def test_known_args_cover_keras_conv2d_signature():
    """Keras 3's Conv2D(filters, kernel_size, strides, padding, data_format, dilation_rate, groups,
    activation, use_bias, kernel_initializer, ..., bias_constraint) and Layer's keyword arguments."""
    keras_args = (
        "filters kernel_size strides padding data_format dilation_rate groups activation use_bias "
        "kernel_initializer bias_initializer kernel_regularizer bias_regularizer activity_regularizer "
        "kernel_constraint bias_constraint input_shape name trainable dtype"
    ).split()
    assert set(keras_args) <= set(KNOWN_ARGS)
    assert keras_syntax.POSITIONAL_ARGS == tuple(keras_args[:9])


# --------------------------------------------------------------------------- nothing is ever run


class _RanError(Exception):
    pass


@pytest.fixture
def nothing_runs(monkeypatch):
    """eval/exec raise, compile is only allowed to make a syntax tree, and os/subprocess calls are recorded."""
    calls: list[tuple] = []

    def forbidden(name):
        def fn(*args, **kwargs):
            calls.append((name, args))
            raise _RanError(name)

        return fn

    real_compile = builtins.compile

    def ast_only_compile(source, filename, mode, flags=0, *args, **kwargs):
        if not flags & ast.PyCF_ONLY_AST:
            calls.append(("compile", (source,)))
            raise _RanError("compile")
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", forbidden("eval"))
    monkeypatch.setattr(builtins, "exec", forbidden("exec"))
    monkeypatch.setattr(builtins, "compile", ast_only_compile)
    monkeypatch.setattr(os, "system", forbidden("os.system"))
    monkeypatch.setattr(os, "popen", forbidden("os.popen"))
    monkeypatch.setattr(subprocess, "Popen", forbidden("subprocess.Popen"))
    return calls


HOSTILE = [
    "__import__('os').system('x')",
    "Conv2D(32, (3, 3), activation=__import__('os'))",
    "Conv2D(32, (3, 3), activation=__import__('os').system('x'))",
    "Conv2D.__class__",
    "().__class__.__bases__",
    "Conv2D(32, 3, name=().__class__.__bases__[0].__subclasses__())",
    "Conv2D(32, 3, activation=lambda x: __import__('os').system('x'))",
    "Conv2D(32, 3, name=f\"{__import__('os').system('x')}\")",
    "Conv2D(32, 3, activation=os.system('x'))",
    "Conv2D(32, 3, kernel_initializer=os.system('x'))",
    "Conv2D(32, 3, kernel_regularizer=regularizers.l2(os.system('x')))",
    "Conv2D(32, 3, activation=eval('1'))",
    "Conv2D(32, 3, activation=exec('import os'))",
    "Conv2D(32, 3, **{'activation': 'relu'})",
    "Conv2D(*[32, 3])",
    "Conv2D(32, 3)(os.system('x'))",
    "import os\nos.system('x')",
    "os.system('x')",
    "exec('print(1)')",
    "globals()['__builtins__']",
    "Conv2D(32, 3, input_shape=getattr(os, 'system')('x'))",
    "(lambda: os.system('x'))()",
    "Conv2D(32, 3, strides=[x for x in ().__class__.__base__.__subclasses__()])",
]


@pytest.mark.parametrize("line", HOSTILE)
def test_hostile_lines_are_refused_and_nothing_runs(nothing_runs, line):
    with pytest.raises(LineError):
        parse_conv2d_line(line)
    assert nothing_runs == []


def test_accepted_lines_run_nothing_either(nothing_runs):
    for line, *_ in ACCEPTED:
        parse_conv2d_line(line)
    parse_conv2d_line("Conv2D(8, 3, name=\"__import__('os').system('rm -rf /')\")")
    assert nothing_runs == []


def test_the_parser_source_never_evaluates():
    """A static guard: the module has no eval/exec/compile call of its own."""
    tree = ast.parse(Path(keras_syntax.__file__).read_text(encoding="utf-8"))
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not called & {"eval", "exec", "compile", "__import__", "getattr", "globals", "locals"}


# --------------------------------------------------------------------------- round trip


@st.composite
def specs_and_shapes(draw):
    filters = draw(st.integers(1, 64))
    kernel = (draw(st.integers(1, 11)), draw(st.integers(1, 11)))
    padding = draw(st.sampled_from(["valid", "same"]))
    if draw(st.booleans()):
        strides, dilation = (draw(st.integers(1, 5)), draw(st.integers(1, 5))), (1, 1)
    else:
        strides, dilation = (1, 1), (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    activation = draw(st.sampled_from(sorted(ACTIVATIONS)))
    use_bias = draw(st.booleans())
    s = ConvSpec(filters, kernel, strides, padding, dilation, activation, use_bias)
    spans = [dilation[a] * (kernel[a] - 1) + 1 for a in (0, 1)]
    h = draw(st.integers(1 if padding == "same" else spans[0], 300))
    w = draw(st.integers(1 if padding == "same" else spans[1], 300))
    c = draw(st.sampled_from([1, 3, 4]))
    return s, (h, w, c)


@given(specs_and_shapes())
def test_round_trip_through_conv2d_line(case):
    s, shape = case
    line = conv2d_line(s, shape)
    assert parse_conv2d_line(line) == ParsedLayer(s, shape, ())
    assert parse_conv2d_line(f"model.add({line})") == ParsedLayer(s, shape, ())
    assert parse_conv2d_line(f"x = keras.{line}(x)  # applied") == ParsedLayer(s, shape, ())


@given(specs_and_shapes())
def test_round_trip_of_keyword_and_positional_spellings(case):
    s, shape = case
    kw = (
        f"Conv2D(filters={s.filters}, kernel_size={list(s.kernel_size)}, strides={s.strides}, "
        f"padding={s.padding.upper()!r}, dilation_rate={s.dilation_rate}, activation={s.activation!r}, "
        f"use_bias={s.use_bias}, input_shape={shape})"
    )
    assert parse_conv2d_line(kw).spec == s
    positional = (
        f"Conv2D({s.filters}, {s.kernel_size}, {s.strides}, {s.padding!r}, None, {s.dilation_rate}, 1, "
        f"{s.activation!r}, {s.use_bias})"
    )
    assert parse_conv2d_line(positional) == ParsedLayer(s, None, ("data_format", "groups"))


# --------------------------------------------------------------------------- count_params and friends


def test_the_article_line_has_896_parameters():
    """Conv2D(32, (3, 3), input_shape=(150, 150, 3)): 3*3*3*32 weights + 32 biases = 896."""
    parsed = parse_conv2d_line("Conv2D(32,(3,3),input_shape=(150,150,3))")
    assert count_params(parsed.spec, parsed.input_shape[2]) == 896
    article = parse_conv2d_line(ARTICLE)
    assert count_params(article.spec, article.input_shape[2]) == 896
    assert output_shape(article.input_shape, article.spec) == (148, 148, 32)
    no_bias = parse_conv2d_line("Conv2D(32,(3,3),use_bias=False,input_shape=(150,150,3))")
    assert count_params(no_bias.spec, 3) == 864


def test_conv2d_line_and_size_formula_are_unchanged():
    s = ConvSpec(2, (3, 3), strides=(2, 2), padding="same", activation="relu")
    assert conv2d_line(s, (5, 5, 1)) == (
        'layers.Conv2D(2, (3, 3), strides=(2, 2), padding="same", activation="relu", input_shape=(5, 5, 1))'
    )
    assert size_formula(ConvSpec(1, (3, 3)), (5, 5), 0) == "floor((5 - 3) / 1) + 1 = 3"


# --------------------------------------------------------------------------- the line beside the model reader


def test_the_line_reader_still_takes_one_conv2d_when_a_model_is_pasted():
    """parse_model reads whole models; parse_conv2d_line keeps its one-Conv2D answers word for word."""
    from kernelscope.core.keras_syntax import parse_model

    chapter = ARTICLE + "\nmodel.add(layers.MaxPooling2D((2, 2)))"
    with pytest.raises(LineError, match=r"^cannot read this line: it holds 2 statements"):
        parse_conv2d_line(chapter)
    with pytest.raises(LineError, match=r"^not a Conv2D layer: Sequential$"):
        parse_conv2d_line("model = keras.Sequential([layers.Conv2D(8, 3)])")
    with pytest.raises(LineError, match=r"^cannot read this line: arithmetic"):
        parse_conv2d_line("Conv2D(3, 3, strides=1 / 1)")  # the model's 1./255 is not a Conv2D value
    assert [layer["class_name"] for layer in parse_model(chapter).layers] == ["Conv2D", "MaxPooling2D"]
    article = parse_conv2d_line(ARTICLE)
    config = parse_model(ARTICLE).layers[0]["config"]
    assert (config["filters"], tuple(config["kernel_size"]), config["activation"]) == (32, (3, 3), "relu")
    assert parse_model(ARTICLE).input_shape == article.input_shape


def test_softmax_is_for_dense_and_activation_only():
    from kernelscope.core.keras_syntax import parse_model

    with pytest.raises(LineError, match="activation: kernelscope does not know 'softmax'"):
        parse_conv2d_line("Conv2D(3, 3, activation='softmax')")
    with pytest.raises(LineError, match=r"activation: cannot use tf\.nn\.softmax"):
        parse_conv2d_line("Conv2D(3, 3, activation=tf.nn.softmax)")
    assert parse_model("Dense(3, activation=tf.nn.softmax)").layers[0]["config"]["activation"] == "softmax"
    with pytest.raises(LineError, match=r"activation: cannot use tf\.softmax"):
        parse_model("Activation(tf.softmax)")
