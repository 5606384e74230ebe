"""Large layers stay usable with bounded memory (issue 16, item 7): a Conv2D takes up to 512 filters
on every path, and what is bounded instead is the numbers the outputs hold, one layer's
(MAX_MAP_VALUES) and a whole stack's (MAX_STACK_VALUES), with one line that says the numbers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from kernelscope.core import scene
from kernelscope.core.document import Document, EditError
from kernelscope.core.engine import ConvSpec
from kernelscope.core.keras_syntax import LineError
from kernelscope.core.pasted_layer import MAX_MODEL_VALUES, paste_line, read_line, read_model
from kernelscope.core.scene import (
    MAX_CHANNELS,
    MAX_FILTERS,
    MAX_MAP_VALUES,
    MAX_STACK_VALUES,
    Session,
    SessionError,
    check_stack_input_shape,
    default_session,
    output_values_problem,
)


def conv(filters: int, kernel: int = 1, **extra: Any) -> dict[str, Any]:
    return {"class_name": "Conv2D", "config": {"filters": filters, "kernel_size": [kernel, kernel], **extra}}


def no_photo(shape: tuple[int, int, int], value_mode: str) -> np.ndarray:
    raise AssertionError(f"the photo was loaded at {shape}")


def test_the_caps() -> None:
    assert MAX_FILTERS == MAX_CHANNELS == 512  # a layer's output can feed the next layer
    assert MAX_MAP_VALUES == 1024 * 1024 * 64  # the largest one-layer scene of the 64-filter days
    assert MAX_STACK_VALUES == MAX_MODEL_VALUES == 64 * 1024 * 1024  # one rule for stacks, pastes and files


def test_output_values_problem_names_the_first_layer_and_the_numbers() -> None:
    assert output_values_problem([(1024, 1024, 64)]) is None
    assert output_values_problem([(1024, 1024, 65)]) == (0, (
        "would output 1024x1024x65 = 68,157,440 numbers; kernelscope holds at most 67,108,864 in one layer's "
        "output (1024x1024x64, so memory stays bounded)"))
    assert output_values_problem([(1024, 1024, 32), (1024, 1024, 32)]) is None
    assert output_values_problem([(1024, 1024, 32), (1024, 1024, 32), (10,)]) == (2, (
        "would bring the layers' outputs to 67,108,874 numbers; kernelscope holds at most 67,108,864 for a whole "
        "stack (so memory stays bounded)"))


def test_a_session_takes_512_filters_where_the_maps_fit() -> None:
    s = Session(input=np.zeros((8, 8, 3), np.float32), layers=[conv(256, 3), conv(512, 3)])
    assert [e.output_shape for e in s.layers] == [(6, 6, 256), (4, 4, 512)]
    one = Session(input=np.zeros((5, 5, 1), np.float32), kernels=np.zeros((3, 3, 1, 512), np.float32),
                  bias=np.zeros(512, np.float32), spec=ConvSpec(512, (3, 3)))
    assert one.is_single_conv
    assert one.spec.filters == 512


def test_a_session_whose_layer_outgrows_the_map_cap_is_refused_naming_it() -> None:
    x = np.zeros((1024, 1024, 1), np.float32)
    with pytest.raises(SessionError, match=r"^layers\[0\] \(conv2d\): would output 1024x1024x65 = 68,157,440 "
                                           r"numbers; kernelscope holds at most 67,108,864 in one layer's output"):
        Session(input=x, kernels=np.zeros((1, 1, 1, 65), np.float32), bias=np.zeros(65, np.float32),
                spec=ConvSpec(65, (1, 1)))
    with pytest.raises(SessionError, match=r"^layers\[1\] \(big\): would output 1024x1024x512 = "):
        Session(input=x, layers=[conv(1), {**conv(512), "config": {**conv(512)["config"], "name": "big"}}])


def test_a_stack_session_past_the_total_is_refused_naming_the_layer() -> None:
    x = np.zeros((1024, 1024, 1), np.float32)
    Session(input=x, layers=[conv(32), conv(32)])  # exactly MAX_STACK_VALUES
    with pytest.raises(SessionError, match=r"^layers\[2\] \(flatten\): would bring the layers' outputs to "
                                           r"100,663,296 numbers; kernelscope holds at most 67,108,864"):
        Session(input=x, layers=[conv(32), conv(32), {"class_name": "Flatten", "config": {}}])


def test_a_stack_input_is_capped_as_one_layers_output() -> None:
    check_stack_input_shape((1024, 1024, 64))
    with pytest.raises(SessionError, match=r"^input: 1024x1024x65 = 68,157,440 numbers; kernelscope holds at most "
                                           r"67,108,864 in one input or layer output"):
        check_stack_input_shape((1024, 1024, 65))


# --------------------------------------------------------------------------- the document


@pytest.fixture
def small_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same rule at a size a test computes in microseconds: 100 numbers a layer, 160 a stack."""
    monkeypatch.setattr(scene, "MAX_MAP_VALUES", 100)
    monkeypatch.setattr(scene, "MAX_STACK_VALUES", 160)


def _refused(doc: Document, edit: Any, message: str) -> None:
    before, results, label = doc.to_session(), doc.results, doc.undo_label()
    with pytest.raises(EditError) as caught:
        edit()
    assert str(caught.value) == message
    assert doc.to_session() == before
    assert doc.results == results  # nothing was computed
    assert doc.undo_label() == label


@pytest.mark.usefixtures("small_caps")
def test_an_edit_that_outgrows_a_layers_cap_is_refused_with_the_numbers() -> None:
    doc = Document(Session(input=np.zeros((5, 5, 1), np.float32), layers=[conv(11, 3)]))  # 3x3x11 = 99
    _refused(doc, doc.add_filter, "layers[0] (conv2d) would output 3x3x12 = 108 numbers; kernelscope holds at "
                                  "most 100 in one layer's output (1024x1024x64, so memory stays bounded)")
    _refused(doc, lambda: doc.set_spec(ConvSpec(11, (1, 1))), "layers[0] (conv2d) would output 5x5x11 = 275 "
             "numbers; kernelscope holds at most 100 in one layer's output (1024x1024x64, so memory stays bounded)")
    _refused(doc, lambda: doc.set_input(np.zeros((6, 6, 1), np.float32)),
             "layers[0] (conv2d) would output 4x4x11 = 176 numbers; kernelscope holds at most 100 in one layer's "
             "output (1024x1024x64, so memory stays bounded)")
    doc.remove_filter(0)
    doc.add_filter()  # back at 11: within the cap again
    assert doc.results[0].output.shape == (3, 3, 11)


@pytest.mark.usefixtures("small_caps")
def test_an_edit_that_outgrows_the_stacks_total_is_refused_with_the_numbers() -> None:
    doc = Document(Session(input=np.zeros((5, 5, 1), np.float32), layers=[conv(8, 3)]))  # 3x3x8 = 72
    doc.add_layer("Conv2D", config={"filters": 8, "kernel_size": [1, 1]})  # 144 together
    _refused(doc, lambda: doc.add_layer("MaxPooling2D", config={"pool_size": [1, 1]}),
             "layers[2] (max_pooling2d) would bring the layers' outputs to 216 numbers; kernelscope holds at most "
             "160 for a whole stack (so memory stays bounded)")
    _refused(doc, lambda: doc.duplicate_layer(1), "layers[2] (conv2d_2) would bring the layers' outputs to 216 "
             "numbers; kernelscope holds at most 160 for a whole stack (so memory stays bounded)")
    doc.add_layer("MaxPooling2D", config={"pool_size": [3, 3]})  # 1x1x8 more: fits
    assert [r.output.shape for r in doc.results] == [(3, 3, 8), (3, 3, 8), (1, 1, 8)]


def test_the_document_takes_512_filters_where_the_maps_fit() -> None:
    doc = Document(default_session())  # 5x5 input, a 3x3 kernel
    doc.set_spec(ConvSpec(MAX_FILTERS - 1, (3, 3)))
    doc.add_filter()
    assert doc.results[0].output.shape == (3, 3, 512)
    with pytest.raises(EditError, match="at most 512 filters"):
        doc.add_filter()
    summary = paste_line(Document(default_session()), "Conv2D(512, (3, 3), activation='relu')", 0, no_photo)
    assert summary.startswith("layer set: ")


# --------------------------------------------------------------------------- pasted lines and models


def test_a_pasted_line_is_held_to_the_map_cap_before_anything_is_built() -> None:
    assert read_line("Conv2D(512, 3, input_shape=(362, 362, 3))").spec.filters == 512  # 360x360x512 fits
    with pytest.raises(LineError, match=r"^this layer would output 1022x1022x512 = 534,775,808 numbers; "
                                        r"kernelscope holds at most 67,108,864 in one layer's output"):
        read_line("Conv2D(512, 3, input_shape=(1024, 1024, 3))")


def test_a_pasted_model_is_held_to_the_same_rule() -> None:
    vgg = "\n".join([
        "model = keras.Sequential([", "    keras.Input(shape=(64, 64, 3)),",
        "    layers.Conv2D(128, 3, padding='same', activation='relu'),", "    layers.MaxPooling2D(),",
        "    layers.Conv2D(256, 3, padding='same', activation='relu'),", "    layers.MaxPooling2D(),",
        "    layers.Conv2D(512, 3, padding='same', activation='relu'),", "])",
    ])
    assert len(read_model(vgg).layers) == 5
    with pytest.raises(LineError, match=r"^line 3: Conv2D: would output 1024x1024x128 = 134,217,728 numbers"):
        read_model(vgg.replace("(64, 64, 3)", "(1024, 1024, 3)"))
    with pytest.raises(LineError, match=r"^input_shape: 1024x1024x512 = 536,870,912 numbers; kernelscope holds at "
                                        r"most 67,108,864 in one input"):
        read_model(vgg.replace("(64, 64, 3)", "(1024, 1024, 512)"))
