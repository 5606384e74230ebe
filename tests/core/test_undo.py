"""Undo/redo: every kind of edit is one named step, and undo returns the identical state."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from kernelscope.core import kernel_tools, paint_tools
from kernelscope.core.document import Document
from kernelscope.core.engine import ConvSpec, glorot_uniform


def state(doc: Document) -> tuple[object, ...]:
    return (doc.input.tobytes(), doc.input.shape, doc.kernels.tobytes(), doc.kernels.shape,
            doc.bias.tobytes(), doc.spec, doc.view.value_mode, doc.result.maps.tobytes())


EDITS: dict[str, Callable[[Document], None]] = {
    "paint": lambda d: d.paint_cells([(0, 1), (0, 2)], -1.0),
    "set_input": lambda d: d.set_input(paint_tools.invert(d.input, -1, 1)),
    "resize": lambda d: d.set_input(paint_tools.resize(d.input, 7, 8, "crop-or-pad", 1.0)),
    "set_weight": lambda d: d.set_weight(0, 1, 1, 4.5),
    "set_bias": lambda d: d.set_bias(0, -0.25),
    "transform": lambda d: d.transform_filter(0, kernel_tools.rotate90),
    "preset_same_size": lambda d: d.apply_preset(0, kernel_tools.preset_kernel("Sobel x", 3, 3)),
    "preset_new_size": lambda d: d.apply_preset(0, kernel_tools.preset_kernel("Gaussian 5x5", 3, 3)),
    "randomize": lambda d: d.randomize(glorot_uniform(d.kernels.shape, seed=3)),
    "add_filter": lambda d: d.add_filter(),
    "duplicate_filter": lambda d: d.duplicate_filter(0),
    "set_spec": lambda d: d.set_spec(ConvSpec(2, (2, 2), strides=2, padding="same", activation="relu")),
    "value_mode": lambda d: d.set_value_mode("grey", paint_tools.convert_mode(d.input, (-1, 1), (0, 1))),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_undo_then_redo_restores_identical_states(name: str) -> None:
    doc = Document()
    before = state(doc)
    EDITS[name](doc)
    after = state(doc)
    assert after != before
    assert doc.undo_label() is not None
    assert doc.modified
    doc.undo()
    assert state(doc) == before
    assert not doc.modified
    assert doc.redo_label() is not None
    doc.redo()
    assert state(doc) == after


def test_remove_filter_undo() -> None:
    doc = Document()
    doc.add_filter(kernel_tools.preset_kernel("Sobel y", 3, 3)[:, :, None])
    before = state(doc)
    doc.remove_filter(0)
    assert doc.spec.filters == 1
    doc.undo()
    assert state(doc) == before


def test_a_long_history_unwinds_to_the_start() -> None:
    doc = Document()
    states = [state(doc)]
    for name in EDITS:
        EDITS[name](doc)
        states.append(state(doc))
    for expected in reversed(states[:-1]):
        doc.undo()
        assert state(doc) == expected
    assert doc.undo_label() is None
    for expected in states[1:]:
        doc.redo()
        assert state(doc) == expected


def test_a_stroke_is_one_step_and_a_refusal_is_none() -> None:
    doc = Document()
    before = state(doc)
    doc.begin_step("paint stroke")
    for c in range(5):
        doc.paint_cells([(2, c)], -1.0)
    doc.end_step()
    assert doc.undo_label() == "paint stroke"
    doc.undo()
    assert state(doc) == before
    assert doc.undo_label() is None
    with pytest.raises(ValueError, match="does not fit"):
        doc.set_spec(ConvSpec(1, (9, 9)))
    assert doc.undo_label() is None


def test_a_new_edit_clears_redo_and_load_clears_history() -> None:
    doc = Document()
    doc.set_weight(0, 0, 0, 2)
    doc.undo()
    doc.set_weight(0, 0, 0, 3)
    assert doc.redo_label() is None
    doc.load(doc.to_session())
    assert doc.undo_label() is None
    assert not doc.modified


def test_saved_marker() -> None:
    doc = Document()
    doc.set_weight(0, 0, 0, 2)
    doc.mark_saved()
    assert not doc.modified
    doc.undo()
    assert doc.modified
    doc.redo()
    assert not doc.modified


def test_undo_keeps_the_arrays_read_only() -> None:
    doc = Document()
    doc.set_weight(0, 0, 0, 2)
    doc.undo()
    with pytest.raises(ValueError, match="read-only"):
        doc.kernels[0, 0, 0, 0] = 1
    assert np.array_equal(doc.kernels[:, :, 0, 0], [[1, 1, 1], [-1, -1, -1], [1, 1, 1]])
