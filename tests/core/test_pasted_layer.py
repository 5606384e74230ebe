"""paste_line: the one path from a pasted Conv2D line to a Document edit (window and CLI)."""

import numpy as np
import pytest

from kernelscope.core import engine
from kernelscope.core.document import Document, EditError
from kernelscope.core.keras_syntax import LineError
from kernelscope.core.pasted_layer import PHOTO_VALUE_MODE, paste_line
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
