"""The Keras script export: it parses, and run against a stand-in for keras.layers.Conv2D it passes
exactly the session's layer arguments and exactly its float32 weights (bit for bit)."""

from __future__ import annotations

import ast
import sys
import types
import warnings
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kernelscope.core import engine
from kernelscope.core.engine import ConvSpec, count_params
from kernelscope.core.keras_syntax import ParsedLayer, parse_conv2d_line
from kernelscope.files import atomic_file
from kernelscope.files import keras_code as keras_code_module
from kernelscope.files.export import ExportError
from kernelscope.files.keras_code import keras_code, keras_layer_call, write_keras_code
from kernelscope.files.sessions import Session, default_session

F32 = np.float32


class FakeConv2D:
    """Records what the script does with keras.layers.Conv2D (the real Keras is not needed)."""

    instances: ClassVar[list[FakeConv2D]] = []

    def __init__(self, *args, **kwargs):
        self.args = args
        self.kwargs = kwargs
        self.built_with = None
        self.weights = None
        self.called_with = None
        FakeConv2D.instances.append(self)

    def build(self, shape):
        self.built_with = shape

    def set_weights(self, weights):
        self.weights = weights

    def __call__(self, x):
        self.called_with = x
        return "maps"


@pytest.fixture
def fake_keras(monkeypatch):
    keras = types.ModuleType("keras")
    layers = types.ModuleType("keras.layers")
    layers.Conv2D = FakeConv2D
    keras.layers = layers
    monkeypatch.setitem(sys.modules, "keras", keras)
    monkeypatch.setitem(sys.modules, "keras.layers", layers)
    FakeConv2D.instances = []
    return FakeConv2D


def run_script(code: str) -> tuple[FakeConv2D, dict]:
    namespace: dict = {"__name__": "kernelscope_keras_code"}
    exec(compile(code, "<keras_code>", "exec"), namespace)
    assert len(FakeConv2D.instances) == 1
    return FakeConv2D.instances[0], namespace


def spec_from_fake(layer: FakeConv2D) -> tuple[ConvSpec, tuple[int, ...]]:
    kwargs = dict(layer.kwargs)
    shape = kwargs.pop("input_shape")
    assert set(kwargs) == {"strides", "padding", "dilation_rate", "activation", "use_bias"}
    filters, kernel_size = layer.args
    return ConvSpec(filters, kernel_size, **kwargs), shape


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == np.float32 and a.shape == b.shape and np.array_equal(a.view(np.uint32), b.view(np.uint32))


def make_session(spec: ConvSpec, shape=(5, 5, 1), seed=0, kernels=None, bias=None, image=None) -> Session:
    rng = np.random.default_rng(seed)
    kh, kw = spec.kernel_size
    c = shape[2]
    if kernels is None:
        kernels = rng.uniform(-1, 1, size=(kh, kw, c, spec.filters)).astype(F32)
    if bias is None:
        bias = rng.uniform(-1, 1, size=spec.filters).astype(F32) if spec.use_bias else np.zeros(spec.filters, F32)
    if image is None:
        image = rng.integers(0, 256, size=shape).astype(F32)
    return Session(input=image, kernels=kernels, bias=bias, spec=spec)


def check_exact(session: Session, code: str) -> FakeConv2D:
    ast.parse(code)
    layer, _ = run_script(code)
    spec, shape = spec_from_fake(layer)
    assert spec == session.spec
    assert shape == session.input.shape
    assert layer.built_with == (None, *session.input.shape)
    assert len(layer.weights) == (2 if session.spec.use_bias else 1)
    assert same_bits(layer.weights[0], session.kernels)
    if session.spec.use_bias:
        assert same_bits(layer.weights[1], session.bias)
    return layer


# --------------------------------------------------------------------------- the script


def test_the_default_session_script(fake_keras):
    session = default_session()
    code = keras_code(session)
    layer = check_exact(session, code)
    assert same_bits(layer.called_with, session.input[None])
    assert "import numpy as np" in code
    assert "from keras import layers" in code
    assert "tf.keras works the same" in code
    assert "keras.Input(shape=(5, 5, 1))" in code
    assert "layer.build((None, 5, 5, 1))" in code
    assert "layer.set_weights([kernel, bias])" in code
    assert "maps = layer(x)" in code
    assert "expected shape (1, 3, 3, 1)" in code
    assert "10 parameters" in code
    assert "The article's X" in code
    assert code.endswith("\n")
    assert "eval" not in code
    assert "exec" not in code


def test_whole_numbers_are_written_as_ints_and_fractions_shortest(fake_keras):
    spec = ConvSpec(2, (2, 2))
    kernels = np.array([0.1, -1, 2, 0.5, 1e-45, -3.4028235e38, 16777216, 1 / 3], F32).reshape(2, 2, 1, 2)
    session = make_session(spec, kernels=kernels, bias=np.array([0, -0.0], F32))
    code = keras_code(session)
    check_exact(session, code)
    literal = code[code.index("kernel = np.array(") : code.index('dtype="float32"')]
    for text in ("0.1", "-1", "2", "0.5", "1e-45", "-3.4028235e+38", "16777216", "0.33333334"):
        assert text in literal
    assert "2.0" not in literal
    assert "0.10000000149" not in literal
    assert 'bias = np.array([0, -0.0], dtype="float32")' in code


def test_negative_zero_keeps_its_sign(fake_keras):
    spec = ConvSpec(1, (1, 2))
    session = make_session(spec, kernels=np.array([-0.0, 0.0], F32).reshape(1, 2, 1, 1))
    layer = check_exact(session, keras_code(session))
    assert np.signbit(layer.weights[0][0, 0, 0, 0])
    assert not np.signbit(layer.weights[0][0, 1, 0, 0])


def test_use_bias_false_sets_only_the_kernel(fake_keras):
    spec = ConvSpec(3, (3, 2), strides=(2, 1), padding="same", activation="relu", use_bias=False)
    session = make_session(spec, shape=(6, 7, 3))
    code = keras_code(session)
    check_exact(session, code)
    assert "layer.set_weights([kernel])" in code
    assert "bias = " not in code
    assert "use_bias=False" in code


@pytest.mark.parametrize(
    "spec",
    [
        ConvSpec(1, (3, 3)),
        ConvSpec(4, (5, 3), strides=(2, 3), padding="same", activation="gelu"),
        ConvSpec(2, (3, 3), dilation_rate=(2, 1), activation="leaky_relu", use_bias=False),
        ConvSpec(8, (1, 1), activation="swish"),
        ConvSpec(16, (11, 11), padding="same", activation="selu"),
    ],
)
def test_every_argument_reaches_keras(fake_keras, spec):
    session = make_session(spec, shape=(12, 13, 3), seed=spec.filters)
    check_exact(session, keras_code(session))


@st.composite
def sessions(draw):
    filters = draw(st.integers(1, 6))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    c = draw(st.sampled_from([1, 3]))
    use_bias = draw(st.booleans())
    spec = ConvSpec(filters, (kh, kw), padding=draw(st.sampled_from(["valid", "same"])), use_bias=use_bias)
    finite = st.floats(width=32, allow_nan=False, allow_infinity=False)
    interesting = st.one_of(
        finite,
        st.integers(-300, 300).map(float),
        st.sampled_from([0.0, -0.0, 1e-45, -1e-45, 1.1754944e-38, 3.4028235e38, -3.4028235e38, 0.1, -0.7]),
        st.floats(-1, 1, width=32),
    )
    kernels = draw(hnp.arrays(np.float32, (kh, kw, c, filters), elements=interesting))
    bias = draw(hnp.arrays(np.float32, (filters,), elements=interesting))
    h, w = draw(st.integers(kh, 9)), draw(st.integers(kw, 9))
    image = draw(hnp.arrays(np.float32, (h, w, c), elements=interesting))
    return make_session(spec, shape=(h, w, c), kernels=kernels, bias=bias if use_bias else None, image=image)


@given(sessions())
def test_weights_reach_keras_bit_for_bit(session):
    FakeConv2D.instances = []
    keras = types.ModuleType("keras")
    keras.layers = types.SimpleNamespace(Conv2D=FakeConv2D)
    saved = sys.modules.get("keras")
    sys.modules["keras"] = keras
    try:
        layer = check_exact(session, keras_code(session))
        assert same_bits(layer.called_with, session.input[None])
    finally:
        if saved is None:
            del sys.modules["keras"]
        else:
            sys.modules["keras"] = saved


@given(st.integers(0, 2**32 - 1))
def test_every_finite_float32_literal_reads_back_exactly(bits):
    value = np.array([bits], np.uint32).view(np.float32)[0]
    if not np.isfinite(value):
        return
    text = keras_code_module._number(value)
    parsed = np.array([ast.literal_eval(text)], dtype="float32")
    assert parsed.view(np.uint32)[0] == bits


def test_a_large_input_is_not_written_out(fake_keras):
    spec = ConvSpec(32, (3, 3))
    session = make_session(spec, shape=(150, 150, 3))
    code = keras_code(session)
    layer = check_exact(session, code)
    assert layer.called_with is None
    assert "maps = layer(x)" not in code
    assert "150x150x3 input is too large" in code
    assert "(1, 148, 148, 32)" in code


def test_the_largest_written_input_is_64x64(fake_keras):
    session = make_session(ConvSpec(1, (3, 3)), shape=(64, 64, 3))
    layer = check_exact(session, keras_code(session))
    assert same_bits(layer.called_with, session.input[None])
    wider = make_session(ConvSpec(1, (3, 3)), shape=(64, 65, 1))
    assert "maps = layer(x)" not in keras_code(wider)


def test_the_article_layer_has_896_parameters(fake_keras):
    """The article's Conv2D(32, (3, 3), input_shape=(150, 150, 3)): 3*3*3*32 + 32 = 896 parameters."""
    parsed = parse_conv2d_line("Conv2D(32,(3,3),input_shape=(150,150,3))")
    session = make_session(parsed.spec, shape=parsed.input_shape)
    code = keras_code(session)
    assert count_params(session.spec, 3) == 896
    assert "896 parameters" in code
    layer = check_exact(session, code)
    weights = sum(w.size for w in layer.weights)
    assert weights == 896


def test_the_layer_call_reads_back_through_the_paste_parser():
    spec = ConvSpec(4, (5, 3), strides=(2, 2), padding="same", activation="tanh", use_bias=False)
    call = keras_layer_call(spec, (9, 8, 3))
    assert parse_conv2d_line(call) == ParsedLayer(spec, (9, 8, 3), ())
    assert parse_conv2d_line(f"layer = {call}") == ParsedLayer(spec, (9, 8, 3), ())


def test_a_title_cannot_break_out_of_its_comment(fake_keras):
    session = default_session()
    nasty = Session(
        input=session.input,
        kernels=session.kernels,
        bias=session.bias,
        spec=session.spec,
        title="x\nimport os\ros.system('x')\u2028\x00\x0c" + "é" * 150,
    )
    code = keras_code(nasty)
    ast.parse(code)
    assert "\nimport os" not in code
    for char in ("\x00", "\u2028", "\r", "\x0c"):
        assert char not in code
    check_exact(nasty, code)


# --------------------------------------------------------------------------- the file


def test_write_keras_code_writes_the_script(tmp_path):
    session = default_session()
    target = tmp_path / "layer.py"
    returned = write_keras_code(session, target)
    assert target.read_text(encoding="utf-8") == keras_code(session) == returned
    assert [p.name for p in tmp_path.iterdir()] == ["layer.py"]


def test_write_keras_code_refuses_an_unwritable_path(tmp_path):
    with pytest.raises(ExportError, match="cannot write"):
        write_keras_code(default_session(), tmp_path / "missing" / "layer.py")


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = tmp_path / "layer.py"
    target.write_text("old", encoding="utf-8")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic_file.os, "replace", fail)
    with pytest.raises(ExportError, match="No space left on device"):
        write_keras_code(default_session(), target)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["layer.py"]


def test_export_error_is_an_os_error():
    assert issubclass(ExportError, OSError)


# --------------------------------------------------------------------------- real Keras, where installed


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # NumPy 2 asks backends for __array__(copy=)
def test_real_keras_computes_kernelscopes_maps():
    try:
        import keras
    except Exception as exc:  # ImportError, or a backend that fails to load
        pytest.skip(f"Keras is not installed here ({type(exc).__name__}: {exc}); the fake-Keras tests cover the script")
    spec = ConvSpec(3, (3, 2), strides=(2, 1), padding="same", activation="relu")
    session = make_session(spec, shape=(7, 6, 3), seed=3)
    namespace: dict = {"__name__": "kernelscope_keras_code"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras 3 warns about input_shape= on a layer
        exec(compile(keras_code(session), "<keras_code>", "exec"), namespace)
    maps = keras.ops.convert_to_numpy(namespace["maps"])[0]  # a tensor on the torch backend
    expected = engine.conv2d(session.input, session.kernels, session.bias, spec.strides, spec.padding,
                             spec.dilation_rate, spec.activation)
    np.testing.assert_allclose(maps, expected, rtol=1e-5, atol=1e-4)
    weights = namespace["layer"].get_weights()
    assert same_bits(np.asarray(weights[0], np.float32), session.kernels)


def test_the_module_imports_no_qt_and_no_keras():
    source = Path(keras_code_module.__file__).read_text(encoding="utf-8")
    tree = ast.parse(source)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert not imported & {"PySide6", "pyqtgraph", "keras", "tensorflow"}


def test_importing_the_paste_parser_and_the_script_writer_loads_no_qt():
    import subprocess

    probe = (
        "import sys, kernelscope.files.keras_code, kernelscope.core.keras_syntax\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'keras', 'tensorflow')]\n"
        "assert not loaded, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


# --------------------------------------------------------------------------- a stack: keras.Sequential


class FakeModel:
    """Records keras.Sequential: its layers (after keras.Input, which Keras 3 does not list)."""

    instances: ClassVar[list[FakeModel]] = []

    def __init__(self, items):
        self.input = items[0]
        self.layers = items[1:]
        self.called_with = None
        FakeModel.instances.append(self)

    def __call__(self, x):
        self.called_with = x
        return "outputs"


class FakeInput:
    def __init__(self, shape):
        self.shape = shape


def _fake_layer(class_name: str) -> type:
    def init(self, **kwargs):
        self.class_name = class_name
        self.kwargs = kwargs
        self.weights = None

    def set_weights(self, weights):
        self.weights = weights

    return type(class_name, (), {"__init__": init, "set_weights": set_weights})


@pytest.fixture
def fake_sequential(monkeypatch):
    from kernelscope.core.engine import stack

    keras = types.ModuleType("keras")
    layers = types.ModuleType("keras.layers")
    for class_name in stack.LAYER_CLASSES:
        setattr(layers, class_name, _fake_layer(class_name))
    keras.layers = layers
    keras.Sequential = FakeModel
    keras.Input = FakeInput
    monkeypatch.setitem(sys.modules, "keras", keras)
    monkeypatch.setitem(sys.modules, "keras.layers", layers)
    FakeModel.instances = []
    return FakeModel


def stack_session(shape=(10, 10, 3)) -> Session:
    layers = [
        {"class_name": "Conv2D", "config": {"filters": 4, "kernel_size": [3, 3], "activation": "relu"}},
        {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2]}},
        {"class_name": "Conv2D", "config": {"name": "second", "filters": 2, "kernel_size": 1, "use_bias": False}},
        {"class_name": "Flatten", "config": {}},
        {"class_name": "Dense", "config": {"units": 3, "activation": "softmax"}},
    ]
    x = np.linspace(-1, 1, int(np.prod(shape)), dtype=np.float32).reshape(shape)
    return Session(input=x, layers=layers, title="a stack")


def test_a_stack_becomes_a_sequential_with_every_layer_and_its_weights(fake_sequential):
    session = stack_session()
    code = keras_code(session)
    ast.parse(code)
    assert "keras.Sequential([" in code
    assert "    keras.Input(shape=(10, 10, 3))," in code
    namespace: dict = {"__name__": "kernelscope_keras_code"}
    exec(compile(code, "<keras_code>", "exec"), namespace)
    (model,) = FakeModel.instances
    assert model.input.shape == (10, 10, 3)
    assert [layer.class_name for layer in model.layers] == [e.class_name for e in session.layers]
    for layer, entry in zip(model.layers, session.layers, strict=True):
        # Every config key as get_config() spells it, pairs as tuples.
        assert layer.kwargs == {k: tuple(v) if isinstance(v, list) else v for k, v in entry.config.items()}
        if entry.weights:
            assert len(layer.weights) == len(entry.weights)
            for got, want in zip(layer.weights, entry.weights, strict=True):
                assert got.dtype == np.float32
                assert same_bits(got, want)
        else:
            assert layer.weights is None  # no set_weights for a layer without weights
    assert model.layers[2].kwargs["name"] == "second"
    assert len(model.layers[2].weights) == 1  # use_bias=False: the kernel only
    assert model.called_with.shape == (1, 10, 10, 3)
    assert same_bits(model.called_with[0], session.input)
    params = sum(e.params for e in session.layers)
    assert f"{params:,} parameters" in code


def test_a_large_stack_input_is_not_written_out(fake_sequential):
    session = stack_session(shape=(65, 65, 1))
    code = keras_code(session)
    namespace: dict = {"__name__": "kernelscope_keras_code"}
    exec(compile(code, "<keras_code>", "exec"), namespace)
    assert FakeModel.instances[0].called_with is None
    assert "too large to write out" in code


def test_a_stack_title_and_layer_names_cannot_break_out(fake_sequential):
    from kernelscope.files.sessions import session_from_dict, session_to_dict

    d = session_to_dict(stack_session())
    d["title"] = "evil\nimport os"
    d["layers"][0]["config"]["name"] = 'x"); import os; ("'
    session = session_from_dict(d)
    code = keras_code(session)
    ast.parse(code)
    assert "\nimport os" not in code
    namespace: dict = {"__name__": "kernelscope_keras_code"}
    exec(compile(code, "<keras_code>", "exec"), namespace)
    assert FakeModel.instances[0].layers[0].kwargs["name"] == 'x"); import os; ("'
