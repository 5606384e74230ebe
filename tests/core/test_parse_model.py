"""A pasted Sequential model: what parse_model reads (the session's layer dicts with Keras's defaults),
what it refuses (one line naming the line and the layer), that it never runs anything, and that any
text either reads or is refused with a LineError, in little memory."""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernelscope.core.keras_syntax import (
    CLASS_ALIASES,
    MAX_DENSE_UNITS,
    MAX_MODEL_CHARS,
    MAX_MODEL_LAYERS,
    MODEL_CLASSES,
    LineError,
    ParsedModel,
    parse_model,
)
from tests.core.test_keras_syntax import ACCEPTED, ARTICLE, HOSTILE, nothing_runs  # noqa: F401  (a fixture)

CONV32 = {
    "class_name": "Conv2D",
    "config": {"filters": 32, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
               "dilation_rate": [1, 1], "activation": "relu", "use_bias": True},
}
CONV64 = {"class_name": "Conv2D", "config": {**CONV32["config"], "filters": 64}}
POOL = {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2], "strides": [2, 2], "padding": "valid"}}
CHAPTER = (CONV32, POOL, CONV64, POOL)

CHAPTER_ADD = """
from keras import layers
from keras import models

model = models.Sequential()
model.add(layers.Conv2D(32, (3, 3), activation="relu", input_shape=(150, 150, 3)))
model.add(layers.MaxPooling2D((2, 2)))
model.add(layers.Conv2D(64, (3, 3), activation="relu"))
model.add(layers.MaxPooling2D((2, 2)))

model.summary()
"""

CHAPTER_SEQUENTIAL = """import keras
from keras import layers

model = keras.Sequential(
    [
        keras.Input(shape=(150, 150, 3)),
        layers.Conv2D(32, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"),
        layers.MaxPooling2D((2, 2)),
    ]
)
model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["acc"])
"""


def test_the_article_line_is_a_model_of_one_layer():
    model = parse_model(ARTICLE)
    assert model == ParsedModel(layers=(CONV32,), input_shape=(150, 150, 3), ignored=((),), names=(None,),
                                lines=(1,))


def test_the_next_chapter_reads_the_same_in_both_forms():
    added = parse_model(CHAPTER_ADD)
    listed = parse_model(CHAPTER_SEQUENTIAL)
    assert added.layers == listed.layers == CHAPTER
    assert added.input_shape == listed.input_shape == (150, 150, 3)
    assert added.lines == (6, 7, 8, 9)  # the user's own line numbers, blank first line included
    assert listed.lines == (7, 8, 9, 10)
    assert added.notes == ("line 11: model.summary(...) is not needed to compute the layers; left alone",)
    assert listed.notes == ("line 13: model.compile(...) is not needed to compute the layers; left alone",)
    assert added.names == listed.names == (None,) * 4


@pytest.mark.parametrize(
    "text",
    [
        "model = tf.keras.models.Sequential([\n  tf.keras.layers.Conv2D(32, 3, activation='relu', "
        "input_shape=(150, 150, 3)),\n  tf.keras.layers.MaxPool2D(),\n  keras.layers.Conv2D(64, [3, 3], "
        "activation=tf.nn.relu),\n  MaxPooling2D(pool_size=2, strides=None)])",
        "Sequential([Input((150, 150, 3)), Conv2D(32, (3, 3), activation='relu'), MaxPooling2D(2),\n"
        "            Conv2D(64, 3, 1, 'valid', activation='relu'), MaxPooling2D((2, 2), (2, 2), 'valid')])",
        # layers copied from inside a list, one per line
        "layers.Conv2D(32, (3, 3), activation='relu', input_shape=(150, 150, 3)),\nlayers.MaxPooling2D((2, 2)),\n"
        "layers.Conv2D(64, (3, 3), activation='relu'),\nlayers.MaxPooling2D((2, 2)),",
        "model = models.Sequential([layers.InputLayer(shape=(150, 150, 3))])\n"
        "model.add(layers.Conv2D(32, (3, 3), activation='relu'))  # first\n\n# a comment line\n"
        "model.add(layers.MaxPooling2D((2, 2)))\nmodel.add(layers.Conv2D(64, (3, 3), activation='relu'))\n"
        "model.add(layers.MaxPooling2D((2, 2)))",
        "model.add(keras.Input((150, 150, 3)))\nmodel.add(layers.Conv2D(32, (3, 3), activation='relu'))\n"
        "model.add(layers.MaxPooling2D((2, 2)))\nmodel.add(layers.Conv2D(64, (3, 3), activation='relu'))\n"
        "model.add(layers.MaxPooling2D((2, 2)))",
        "    model.add(layers.Conv2D(32,(3,3),activation=\u201crelu\u201d,input_shape=(150,150,3)))\n"
        "    model.add(layers.MaxPooling2D((2,\u00a02)))\n    model.add(layers.Conv2D(64,(3,3),activation='relu'))\n"
        "    model.add(layers.MaxPooling2D((2,2)))",
    ],
)
def test_other_spellings_of_the_chapter(text):
    model = parse_model(text)
    assert model.layers == CHAPTER
    assert model.input_shape == (150, 150, 3)


def test_names_and_the_model_name():
    model = parse_model(
        'keras.Sequential([layers.Conv2D(8, 3, name="conv"), layers.Flatten(name="flat"), layers.Dense(2)],'
        ' name="tiny")'
    )
    assert model.names == ("conv", "flat", None)
    assert model.model_name == "tiny"
    assert model.layers[0]["config"]["name"] == "conv"
    assert model.layers[1] == {"class_name": "Flatten", "config": {"name": "flat"}}
    assert "name" not in model.layers[2]["config"]
    assert model.ignored == ((), (), ())


# (text, expected layer dict): every class, its defaults normalized as get_config() writes them.
DEFAULTS = [
    ("Conv2D(4, 5)", {"class_name": "Conv2D", "config": {
        "filters": 4, "kernel_size": [5, 5], "strides": [1, 1], "padding": "valid", "dilation_rate": [1, 1],
        "activation": "linear", "use_bias": True}}),
    ("Convolution2D(4, (5, 3), strides=2, padding='SAME', use_bias=False, activation='tanh')", {
        "class_name": "Conv2D", "config": {
            "filters": 4, "kernel_size": [5, 3], "strides": [2, 2], "padding": "same", "dilation_rate": [1, 1],
            "activation": "tanh", "use_bias": False}}),
    ("MaxPooling2D()", {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2], "strides": [2, 2],
                                                                "padding": "valid"}}),
    ("MaxPool2D(3, strides=1, padding='same')", {"class_name": "MaxPooling2D", "config": {
        "pool_size": [3, 3], "strides": [1, 1], "padding": "same"}}),
    ("AveragePooling2D((3, 2))", {"class_name": "AveragePooling2D", "config": {
        "pool_size": [3, 2], "strides": [3, 2], "padding": "valid"}}),
    ("AvgPool2D(pool_size=[2, 4], strides=(1, 2))", {"class_name": "AveragePooling2D", "config": {
        "pool_size": [2, 4], "strides": [1, 2], "padding": "valid"}}),
    ("GlobalMaxPooling2D()", {"class_name": "GlobalMaxPooling2D", "config": {}}),
    ("GlobalMaxPool2D(data_format='channels_last', keepdims=False)", {"class_name": "GlobalMaxPooling2D",
                                                                      "config": {}}),
    ("GlobalAveragePooling2D()", {"class_name": "GlobalAveragePooling2D", "config": {}}),
    ("GlobalAvgPool2D()", {"class_name": "GlobalAveragePooling2D", "config": {}}),
    ("Flatten()", {"class_name": "Flatten", "config": {}}),
    ("Dense(10)", {"class_name": "Dense", "config": {"units": 10, "activation": "linear", "use_bias": True}}),
    ("Dense(10, 'softmax', False)", {"class_name": "Dense", "config": {
        "units": 10, "activation": "softmax", "use_bias": False}}),
    ("Dense(units=3, activation=tf.nn.softmax, kernel_initializer='he_normal')", {
        "class_name": "Dense", "config": {"units": 3, "activation": "softmax", "use_bias": True}}),
    ("Dropout(0.5)", {"class_name": "Dropout", "config": {"rate": 0.5}}),
    ("Dropout(rate=0, seed=1, noise_shape=None)", {"class_name": "Dropout", "config": {"rate": 0.0}}),
    ("Activation('relu')", {"class_name": "Activation", "config": {"activation": "relu"}}),
    ("Activation(keras.activations.softmax)", {"class_name": "Activation", "config": {"activation": "softmax"}}),
    ("Activation(None)", {"class_name": "Activation", "config": {"activation": "linear"}}),
    ("ReLU()", {"class_name": "ReLU", "config": {"max_value": None, "negative_slope": 0.0, "threshold": 0.0}}),
    ("ReLU(6)", {"class_name": "ReLU", "config": {"max_value": 6.0, "negative_slope": 0.0, "threshold": 0.0}}),
    ("ReLU(max_value=None, negative_slope=0.1, threshold=1)", {"class_name": "ReLU", "config": {
        "max_value": None, "negative_slope": 0.1, "threshold": 1.0}}),
    ("BatchNormalization()", {"class_name": "BatchNormalization", "config": {
        "epsilon": 0.001, "center": True, "scale": True}}),
    ("BatchNormalization(-1, 0.9, 1e-5, False, scale=False)", {"class_name": "BatchNormalization", "config": {
        "epsilon": 1e-5, "center": False, "scale": False}}),
    ("ZeroPadding2D()", {"class_name": "ZeroPadding2D", "config": {"padding": [[1, 1], [1, 1]]}}),
    ("ZeroPadding2D(2)", {"class_name": "ZeroPadding2D", "config": {"padding": [[2, 2], [2, 2]]}}),
    ("ZeroPadding2D((1, 3))", {"class_name": "ZeroPadding2D", "config": {"padding": [[1, 1], [3, 3]]}}),
    ("ZeroPadding2D(padding=((0, 1), (2, 3)))", {"class_name": "ZeroPadding2D", "config": {
        "padding": [[0, 1], [2, 3]]}}),
    ("Rescaling(1./255)", {"class_name": "Rescaling", "config": {"scale": 1 / 255, "offset": 0.0}}),
    ("Rescaling(scale=1 / 127.5, offset=-1)", {"class_name": "Rescaling", "config": {
        "scale": 1 / 127.5, "offset": -1.0}}),
]


@pytest.mark.parametrize(("text", "expected"), DEFAULTS)
def test_every_class_with_its_defaults(text, expected):
    for spelled in (text, f"model.add(layers.{text})", f"keras.Sequential([tf.keras.layers.{text}])"):
        model = parse_model(spelled)
        assert model.layers == (expected,)
        assert isinstance(model.layers[0]["config"], dict)


def test_the_defaults_table_covers_every_class_and_alias():
    classes = {t.split("(")[0] for t, _ in DEFAULTS}
    assert set(MODEL_CLASSES) <= {CLASS_ALIASES.get(c, c) for c in classes}
    assert set(CLASS_ALIASES) <= classes
    assert len(MODEL_CLASSES) == 13


def test_ignored_arguments_are_listed_per_layer():
    model = parse_model(
        "Sequential([BatchNormalization(momentum=0.9, axis=-1, gamma_initializer='ones', trainable=False),\n"
        "            Dense(3, kernel_regularizer=regularizers.l2(1e-4), dtype='float32')])"
    )
    assert model.ignored == (("momentum", "axis", "gamma_initializer", "trainable"),
                             ("kernel_regularizer", "dtype"))
    assert "momentum" not in model.layers[0]["config"]


def test_the_conv2d_line_forms_are_still_read_as_one_layer():
    for line, spec, shape, ignored in ACCEPTED:
        model = parse_model(line)
        assert len(model.layers) == 1
        config = model.layers[0]["config"]
        assert config["filters"] == spec.filters
        assert tuple(config["kernel_size"]) == spec.kernel_size
        assert config["activation"] == spec.activation
        assert model.input_shape == shape
        assert model.ignored == (tuple(n for n in ignored if n != "name"),)


# (text, the start of the message): one line, naming the line number and the layer.
REFUSED = [
    ("", "cannot read this model: it is empty"),
    ("# nothing\nimport keras\nmodel = keras.Sequential()", "cannot read this model: no layer in it"),
    ("model.add(layers.Conv2D(32, 3))\n\nmodel.add(layers.Conv3D(8, 3))",
     "line 3: Conv3D is not a layer kernelscope computes (it computes Conv2D, MaxPooling2D, AveragePooling2D,"),
    ("Sequential([\n  Conv2D(8, 3),\n  layers.LSTM(4)])", "line 3: LSTM is not a layer kernelscope computes"),
    ("model.add(layers.maxpooling2d())", "line 1: maxpooling2d is not a layer kernelscope computes (Keras spells it "
                                          "MaxPooling2D)"),
    ("model.add(torch.nn.MaxPool2d(2))", "line 1: unknown path torch.nn.MaxPool2d"),
    ("model.add(layers.Dense(n_classes))", "line 1: Dense: units: expected a whole number, got n_classes"),
    ("model.add(layers.Dense(10, activation=relu))", "line 1: Dense: activation: relu is a bare name"),
    ("model.add(layers.Dense(10, activation='softmaxx'))", "line 1: Dense: activation: kernelscope does not know"),
    ("model.add(layers.Conv2D(8, 3, activation='softmax'))", "line 1: Conv2D: activation: kernelscope does not"),
    (f"model.add(layers.Dense({MAX_DENSE_UNITS + 1}))", "line 1: Dense: units: at most 4096 (got 4097)"),
    ("model.add(layers.Dense())", "line 1: Dense: units: missing"),
    ("model.add(layers.Conv2D(513, 3))", "line 1: Conv2D: filters: at most 512 (got 513)"),
    ("model.add(layers.Conv2D(8, 12))", "line 1: Conv2D: kernel_size: at most 11 on a side"),
    ("model.add(layers.MaxPooling2D(1025))", "line 1: MaxPooling2D: pool_size: at most 1024 on a side"),
    ("model.add(layers.MaxPooling2D(2, strides=1025))", "line 1: MaxPooling2D: strides: at most 1024"),
    ("model.add(layers.MaxPooling2D(0))", "line 1: MaxPooling2D: pool_size: must be at least 1"),
    ("model.add(layers.AveragePooling2D(2, padding='full'))", "line 1: AveragePooling2D: padding: expected 'valid'"),
    ("model.add(layers.ZeroPadding2D(-1))", "line 1: ZeroPadding2D: padding: cannot be negative"),
    ("model.add(layers.ZeroPadding2D(((1, 2), 3)))", "line 1: ZeroPadding2D: padding: expected a whole number,"),
    ("model.add(layers.ZeroPadding2D(1025))", "line 1: ZeroPadding2D: padding: at most 1024 on a side"),
    ("model.add(layers.Dropout(1.5))", "line 1: Dropout: rate: must be between 0 and 1"),
    ("model.add(layers.Dropout())", "line 1: Dropout: rate: missing"),
    ("model.add(layers.Dropout('half'))", "line 1: Dropout: rate: expected a number like 0.5, got 'half'"),
    ("model.add(layers.ReLU(-1))", "line 1: ReLU: max_value: cannot be negative"),
    ("model.add(layers.ReLU(negative_slope=None))", "line 1: ReLU: negative_slope: expected a number"),
    ("model.add(layers.Rescaling(1/0))", "line 1: Rescaling: scale: 1 / 0 divides by zero"),
    ("model.add(layers.Rescaling(1e39))", "line 1: Rescaling: scale: expected a finite float32 number"),
    ("model.add(layers.Rescaling())", "line 1: Rescaling: scale: missing"),
    ("model.add(layers.Rescaling(1 / x))", "line 1: cannot read this model: arithmetic (1 / x) is not allowed"),
    ("model.add(layers.Rescaling(2 * 0.5))", "line 1: cannot read this model: arithmetic (2 * 0.5) is not allowed"),
    ("model.add(layers.BatchNormalization(axis=1))", "line 1: BatchNormalization: axis: kernelscope normalizes"),
    ("model.add(layers.BatchNormalization(epsilon=0))", "line 1: BatchNormalization: epsilon: must be above 0"),
    ("model.add(layers.BatchNormalization(synchronized=True))", "line 1: BatchNormalization: synchronized:"),
    ("model.add(layers.GlobalMaxPooling2D(keepdims=True))", "line 1: GlobalMaxPooling2D: keepdims: kernelscope "
                                                            "reads keepdims=False only"),
    ("model.add(layers.Flatten(data_format='channels_first'))", "line 1: Flatten: data_format: 'channels_first'"),
    ("model.add(layers.Flatten(None, 2))", "line 1: Flatten: too many positional arguments (2): Flatten takes "
                                           "data_format in that order"),
    ("model.add(layers.Flatten(2))", "line 1: Flatten: data_format: expected 'channels_last'"),
    ("model.add(layers.Dense(3, unit=4))", "line 1: Dense: unknown argument 'unit'"),
    ("model.add(layers.Dense(3, units=4))", "line 1: Dense: units: given twice"),
    ("model.add(layers.Dense(3, name=3))", "line 1: Dense: name: expected text"),
    ("model.add(layers.Dense(3, name='a/b'))", "line 1: Dense: name: expected a short name without '/'"),
    ("model.add(layers.Dense(3, name='d'))\nmodel.add(layers.Dense(3, name='d'))",
     "line 2: Dense: name 'd' is used twice"),
    ("model.add(layers.Flatten())\nmodel.add(layers.Dense(3, input_shape=(4, 4, 1)))",
     "line 2: Dense: input_shape belongs on the first layer only"),
    ("Sequential([Input((4, 4, 1)), Dense(3, input_shape=(4, 4, 1))])",
     "line 1: Dense: input_shape: the model's input is already (4, 4, 1) (line 1); give it once"),
    ("Sequential([Flatten(), Input((4, 4, 1))])", "line 1: Input(...) must come first"),
    ("model.add(keras.Input(shape=(None, 28, 28, 1)))", "line 1: Input: shape: (None, 28, 28, 1) includes the "
                                                        "batch size"),
    ("model.add(keras.Input(batch_shape=(None, 28, 28, 1)))", "line 1: Input: batch_shape: write shape="),
    ("model.add(keras.Input())", "line 1: Input: shape: missing"),
    ("model.add(layers.Conv2D(8, 3, input_shape=(28, 28)))", "line 1: Conv2D: input_shape: expected (height, "
                                                             "width, channels), got (28, 28); a grey image"),
    ("model.add(layers.Conv2D(8, 3, input_shape=(2000, 28, 1)))", "line 1: Conv2D: input_shape: at most 1024"),
    ("inputs = keras.Input((28, 28, 1))\nx = layers.Conv2D(8, 3)(inputs)",
     "line 1: inputs = Input(...) starts a functional model"),
    ("x = layers.Conv2D(8, 3)(x)\nx = layers.MaxPooling2D()(x)", "line 2: MaxPooling2D: the functional form"),
    ("model.add(layers.Conv2D(8, 3))\nx = layers.Conv2D(8, 3)(x)", "line 2: Conv2D: the functional form"),
    ("x = layers.Conv2D(8, 3)(x)\nmodel.add(layers.Dense(3))", "line 1: Conv2D: the functional form"),
    ("x = layers.Dense(8)(x)", "line 1: Dense: the functional form (x = layer(...)(x), or a layer assigned"),
    ("model.add(layers.Conv2D(8, 3)(x))", "line 1: layers.Conv2D: the functional form"),
    ("model = keras.Model(inputs, outputs)", "line 1: keras.Model(...) builds a functional model"),
    ("model.add(np.zeros(3))", "line 1: np.zeros(...) is not read"),
    ("model.add(layers.Dense(3))\nmodel.fit(x, y, epochs=3)",
     "line 2: model.fit(...) is not read; a model is read from"),
    ("model.add(layers.Dense(3))\nother.add(layers.Dense(3))", "line 2: other.add(...) adds to another model than "
                                                               "model"),
    ("model.add(layers.Dense(3), layers.Dense(4))", "line 1: model.add(...) should hold one layer"),
    ("Sequential([Dense(3)])\nSequential([Dense(3)])", "line 2: a second model; paste one model at a time"),
    ("Sequential([Sequential([Dense(3)])])", "line 1: a Sequential inside a model"),
    ("Sequential(layers_list)", "line 1: Sequential: layers: expected a list [...] of layers, got layers_list"),
    ("Sequential([Dense(3)], input_shape=(3,))", "line 1: Sequential: unknown argument 'input_shape'"),
    ("Sequential([Dense(3), 4])", "line 1: 4 is not a layer; a model is read from model.add(layers...) lines"),
    ("model.add(layers.Dense(3))\n42", "line 2: 42 is not a layer"),
    ("model.add(layers.Dense(3))\nprint(model)",
     "line 2: print is not a layer kernelscope computes (it computes Conv2D"),
    ("model.add(layers.Dense(3))\nfor layer in model.layers: pass", "line 2: cannot read this model: For is not"),
    ("model.add(layers.Dense(3, activation=lambda x: x))", "line 1: cannot read this model: a lambda"),
    ("\n\nmodel.add(layers.Dense(3)\n", "cannot read this model: '(' was never closed (line 3, column 10)"),
    ("model.add(layers.Dense(3))\nmodel.add(layers.Dense(3) 4)", "cannot read this model: invalid syntax"),
    ("model.add(layers.Dense(3))\n" * (MAX_MODEL_LAYERS + 1), "line 65: more than 64 layers"),
    ("Dense(3)\n" + "#" * MAX_MODEL_CHARS, "cannot read this model: it is 20,009 characters long"),
]


@pytest.mark.parametrize(("text", "start"), REFUSED)
def test_refused_models(text, start):
    with pytest.raises(LineError) as info:
        parse_model(text)
    assert str(info.value).startswith(start)
    assert "\n" not in str(info.value)


def test_the_refusal_table_is_long_enough():
    assert len(REFUSED) >= 50


def test_exactly_the_layer_limit_is_read():
    model = parse_model("model.add(layers.Dense(3))\n" * MAX_MODEL_LAYERS)
    assert len(model.layers) == MAX_MODEL_LAYERS
    assert model.lines == tuple(range(1, MAX_MODEL_LAYERS + 1))


def test_not_text_is_refused():
    with pytest.raises(LineError, match="expected text"):
        parse_model(b"Dense(3)")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- nothing is ever run


@pytest.mark.parametrize("text", [*HOSTILE, *(f"model.add(layers.Dense(3))\n{h}" for h in HOSTILE), *(
    "model = keras.Sequential([layers.Dense(3, activation=__import__('os').system('x'))])",
    "Sequential([Rescaling(1 / __import__('os').system('x'))])",
    "model.compile(optimizer=__import__('os').system('x'))",
    "model.compile(loss=lambda y, p: os.system('x'))",
    "import os\nmodel.add(os.system('x'))",
    "model.add(layers.Dense(3))\nos.system('x')",
    "model.summary(print_fn=exec)",
)])
def test_hostile_models_are_refused_and_nothing_runs(nothing_runs, text):  # noqa: F811
    with pytest.raises(LineError):
        parse_model(text)
    assert nothing_runs == []


def test_accepted_models_run_nothing_either(nothing_runs):  # noqa: F811
    for text in (CHAPTER_ADD, CHAPTER_SEQUENTIAL, *(t for t, _ in DEFAULTS)):
        parse_model(text)
    parse_model("import os\nimport subprocess\nmodel.add(layers.Dense(3, name=\"__import__('os').system('x')\"))\n"
                "model.compile(optimizer=keras.optimizers.Adam(1e-3), loss='mse')")
    assert nothing_runs == []


# --------------------------------------------------------------------------- fuzz

_PIECES = [
    "model.add(", "layers.", "keras.", "tf.keras.layers.", "Sequential([", "])", ")", "(", ",", "\n", " ", "=",
    "Conv2D(8, 3", "MaxPooling2D(", "AvgPool2D(", "GlobalMaxPool2D()", "Flatten()", "Dense(10", "Dropout(0.5",
    "Activation('relu'", "ReLU(6", "BatchNormalization(", "ZeroPadding2D(", "Rescaling(1./255", "Conv3D(",
    "keras.Input(shape=(28, 28, 1))", "input_shape=(28, 28, 1)", "activation='softmax'", "name='a'", "x", "1/0",
    "-1", "1e400", "9" * 30, "[", "]", "None", "True", "'same'", "(2, 2)", "((1, 2), (3, 4))", "# c", "import keras",
    "model.summary()", "model.compile(loss='mse')", "lambda: 0", "__class__", "**k", "*a", "\u201c", "\x00",
]


@settings(max_examples=300)
@given(st.one_of(
    st.lists(st.sampled_from(_PIECES), max_size=40).map("".join),
    st.text(max_size=200),
))
def test_any_text_reads_or_is_refused_in_little_memory(text):
    tracemalloc.start()
    try:
        model: ParsedModel | LineError
        try:
            model = parse_model(text)
        except LineError as exc:
            model = exc
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024
    if isinstance(model, LineError):
        assert "\n" not in str(model)
    else:
        assert 1 <= len(model.layers) <= MAX_MODEL_LAYERS
        assert len(model.lines) == len(model.names) == len(model.ignored) == len(model.layers)
        assert all(layer["class_name"] in MODEL_CLASSES for layer in model.layers)


def test_the_largest_model_text_stays_small_in_memory():
    text = ("model.add(layers.Conv2D(64, (11, 11), strides=(2, 2), padding='same', activation='relu', "
            "kernel_initializer=initializers.RandomNormal(mean=0.0, stddev=0.05), name='c%02d'))\n")
    body = "".join(text % i for i in range(MAX_MODEL_LAYERS))
    assert len(body) <= MAX_MODEL_CHARS
    tracemalloc.start()
    try:
        model = parse_model(body)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(model.layers) == MAX_MODEL_LAYERS
    assert peak < 4 * 1024 * 1024
