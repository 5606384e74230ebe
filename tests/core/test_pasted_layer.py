"""paste_line: the one path from a pasted Conv2D line to a Document edit (window and CLI)."""

import numpy as np
import pytest

from kernelscope.core import engine
from kernelscope.core.document import Document, EditError
from kernelscope.core.keras_syntax import LineError
from kernelscope.core.pasted_layer import PHOTO_VALUE_MODE, paste_line, read_model
from kernelscope.core.scene import default_session


class FakePhoto:
    """Records what the document asked for; a ramp stands in for the bundled photo."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[int, int, int], str]] = []

    def __call__(self, shape: tuple[int, int, int], value_mode: str) -> np.ndarray:
        self.calls.append((shape, value_mode))
        return np.linspace(0, 1, int(np.prod(shape)), dtype=np.float32).reshape(shape)


def test_kernels_that_still_fit_are_kept_and_no_photo_is_loaded() -> None:
    doc = Document(default_session())
    photo = FakePhoto()
    before = np.array(doc.kernels)
    summary = paste_line(doc, "Conv2D(1, (3, 3), activation='relu')", 7, photo)
    assert photo.calls == []
    np.testing.assert_array_equal(doc.kernels, before)
    assert doc.spec.activation == "relu"
    # The line has no input_shape: the summary names the document's (it once said (0, 0, 1)).
    line = 'layers.Conv2D(1, (3, 3), activation="relu", input_shape=(5, 5, 1))'
    assert summary == f"layer set: {line};  kernels: kept (same shape)"


def test_a_new_shape_draws_glorot_uniform_kernels_with_the_seed_and_zero_bias() -> None:
    doc = Document(default_session())
    summary = paste_line(doc, "Conv2D(4, 3)", 11, FakePhoto())
    np.testing.assert_array_equal(doc.kernels, engine.glorot_uniform((3, 3, 1, 4), seed=11))
    np.testing.assert_array_equal(doc.bias, np.zeros(4, np.float32))
    assert "kernels: glorot_uniform, seed 11" in summary


def test_an_input_shape_that_differs_loads_the_photo_in_grey() -> None:
    doc = Document(default_session())
    photo = FakePhoto()
    summary = paste_line(doc, "Conv2D(2, 3, input_shape=(8, 6, 3))", 0, photo)
    assert photo.calls == [((8, 6, 3), PHOTO_VALUE_MODE)]
    assert doc.input.shape == (8, 6, 3)
    assert doc.view.value_mode == "grey"
    assert "input: the bundled photo at 8x6x3" in summary
    assert doc.undo_label() == "paste a layer"


def test_refusals_change_nothing() -> None:
    doc = Document(default_session())
    before = doc.to_session()

    def broken_photo(shape: tuple[int, int, int], value_mode: str) -> np.ndarray:
        raise OSError("the photo is gone")

    with pytest.raises(LineError, match="kernel_size"):
        paste_line(doc, "Conv2D(2, 0)", 0, FakePhoto())
    with pytest.raises(EditError, match="does not fit"):
        paste_line(doc, "Conv2D(2, 7)", 0, FakePhoto())
    with pytest.raises(OSError, match="the photo is gone"):
        paste_line(doc, "Conv2D(2, 3, input_shape=(9, 9, 1))", 0, broken_photo)
    assert doc.to_session() == before
    assert doc.undo_label() is None


# --------------------------------------------------------------------------- a pasted model

CHAPTER = (
    "model = models.Sequential()\n"
    "model.add(layers.Conv2D(32, (3, 3), activation='relu', input_shape=(150, 150, 3)))\n"
    "model.add(layers.MaxPooling2D((2, 2)))\n"
    "model.add(layers.Conv2D(64, (3, 3), activation='relu'))\n"
    "model.add(layers.MaxPooling2D((2, 2)))\n"
)


def test_a_model_of_several_layers_replaces_the_stack_in_one_undo_step() -> None:
    doc = Document(default_session())
    before = doc.to_session()
    photo = FakePhoto()
    with doc.undo_group("paste a layer"):
        summary = paste_line(doc, CHAPTER, 0, photo)
    assert summary.startswith("model set: 4 layers, 19,392 params;  weights: glorot_uniform, seed 0")
    assert "input: the bundled photo at 150x150x3" in summary
    assert photo.calls == [((150, 150, 3), "grey")]
    assert doc.layer_names == ("conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1")
    assert [r.output.shape for r in doc.results] == [(148, 148, 32), (74, 74, 32), (72, 72, 64), (36, 36, 64)]
    assert doc.links.params == (896, 0, 18496, 0)
    doc.undo()
    assert doc.to_session() == before


def test_a_model_that_does_not_fit_its_input_is_refused_and_changes_nothing() -> None:
    doc = Document(default_session())
    before = doc.to_session()
    text = "model = keras.Sequential([layers.Conv2D(2, 3), layers.MaxPooling2D(4)])"
    with pytest.raises(LineError, match="MaxPooling2D"):
        paste_line(doc, text, 0, FakePhoto())
    assert doc.to_session() == before


def test_a_model_of_one_conv2d_pastes_as_its_line() -> None:
    doc = Document(default_session())
    photo = FakePhoto()
    text = (
        "model = keras.Sequential([\n    keras.Input(shape=(8, 6, 3)),\n"
        "    layers.Conv2D(2, 3, activation='relu', name='c', kernel_initializer='he_normal'),\n])"
    )
    summary = paste_line(doc, text, 0, photo)
    assert photo.calls == [((8, 6, 3), PHOTO_VALUE_MODE)]
    assert doc.spec == engine.ConvSpec(2, (3, 3), activation="relu")
    assert "input: the bundled photo at 8x6x3" in summary
    assert summary.endswith("ignored here: kernel_initializer, name")


def test_a_model_of_any_channels_or_of_one_other_layer_becomes_the_stack() -> None:
    doc = Document(default_session())
    summary = paste_line(doc, "Sequential([Input((8, 8, 4)), Conv2D(2, 3)])", 0, FakePhoto())
    assert "input: zeros at 8x8x4" in summary
    assert doc.input.shape == (8, 8, 4)
    assert not doc.input.any()
    assert doc.results[0].output.shape == (6, 6, 2)
    paste_line(doc, "Sequential([MaxPooling2D()])", 0, FakePhoto())
    assert doc.layer_names == ("max_pooling2d",)
    assert doc.results[0].output.shape == (4, 4, 4)
    # A faulty layer in a model: the refusal names its line rather than the text's shape.
    with pytest.raises(LineError, match=r"^line 2: Dense: units: at most 4096"):
        paste_line(doc, "model.add(layers.Conv2D(2, 3))\nmodel.add(layers.Dense(5000))", 0, FakePhoto())
    # A line error that is not about the text's shape stays the line's own.
    with pytest.raises(LineError, match=r"^kernel_size: must be at least 1"):
        paste_line(doc, "Conv2D(2, 0)", 0, FakePhoto())


def test_read_model_returns_the_layers_and_counts_the_stack() -> None:
    model = read_model(CHAPTER)
    assert [layer["class_name"] for layer in model.layers] == ["Conv2D", "MaxPooling2D"] * 2
    assert model.input_shape == (150, 150, 3)
    # Without a size in the text, the caller's input size is used for the limits.
    assert read_model("Conv2D(8, 3)\nFlatten()\nDense(10)", (28, 28, 1)).layers[2]["config"]["units"] == 10


@pytest.mark.parametrize(
    ("text", "shape", "start"),
    [
        ("Sequential([Input((8, 8, 513)), Flatten()])", None, "input_shape: channels must be 1 to 512"),
        ("Flatten()\nDense(4096)\nDense(4096)", (64, 64, 3), "line 2: Dense: the model has 50,335,744 weights up to"),
        ("Dense(4096)\nDense(4096)", (1, 1, 1000), "line 2: Dense: the model has 20,881,408 weights"),
        ("\n".join(["Conv2D(64, 3, padding='same')"] * 2), (1024, 1024, 3),
         "line 2: Conv2D: the layers' outputs hold 134,217,728 numbers up to here; kernelscope keeps at most"),
        ("Conv2D(2, 3)\nMaxPooling2D(3)", (4, 4, 1), "line 2: MaxPooling2D: a 3x3 pool does not fit a 2x2 input"),
        ("Conv2D(2, 5)", (4, 4, 1), "line 1: Conv2D: a 5x5 kernel does not fit a 4x4 input"),
        ("Flatten()\nMaxPooling2D()", (4, 4, 1), "line 2: MaxPooling2D: needs a (height, width, channels) input, "
                                                 "and gets (16,)"),
        ("GlobalAvgPool2D()\nZeroPadding2D()", (4, 4, 1), "line 2: ZeroPadding2D: needs a (height, width,"),
    ],
)
def test_read_model_refuses_what_would_not_fit_before_anything_is_built(text, shape, start) -> None:
    with pytest.raises(LineError) as info:
        read_model(text, shape)
    assert str(info.value).startswith(start)


def test_read_model_counts_params_as_keras_does() -> None:
    """The chapter's 896 + 18,496 weights pass; a BatchNormalization counts its four vectors."""
    from kernelscope.core import pasted_layer

    def count(text: str, shape: tuple[int, ...]) -> int:
        model = read_model(text, shape)
        total = 0
        for layer in model.layers:
            shape, params = pasted_layer._layer_shape(layer["class_name"], layer["config"], shape)
            total += params
        return total

    assert count(CHAPTER, (150, 150, 3)) == 896 + 18_496
    assert count("BatchNormalization()", (4, 4, 8)) == 32
    assert count("BatchNormalization(center=False, scale=False)", (4, 4, 8)) == 16
    assert count("Flatten()\nDense(10, use_bias=False)", (2, 2, 3)) == 120
    assert count("ZeroPadding2D(((1, 2), (3, 4)))\nConv2D(1, (4, 8))", (1, 1, 2)) == 4 * 8 * 2 + 1
