"""Undo/redo: every kind of edit is one named step, and undo returns the identical state."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import numpy as np
import pytest

from kernelscope.core import document, kernel_tools, paint_tools
from kernelscope.core.document import Document, EditError
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
    with doc.undo_group("paint stroke"):
        for c in range(5):
            doc.paint_cells([(2, c)], -1.0)
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


# ------------------------------------------------------------------ undo groups


def test_a_group_is_one_step_under_its_own_label() -> None:
    doc = Document()
    before = state(doc)
    changes = []
    doc.history_changed.connect(lambda: changes.append(doc.undo_label()))
    with doc.undo_group("draw a line"):
        doc.paint_cells([(0, 1)], -1.0)
        doc.set_weight(0, 1, 1, 3.0)
        doc.set_bias(0, 0.5)
        assert doc.undo_label() is None, "nothing is recorded while the group is open"
    assert changes == ["draw a line"]
    after = state(doc)
    doc.undo()
    assert state(doc) == before
    assert doc.undo_label() is None
    doc.redo()
    assert state(doc) == after


def test_nested_groups_fold_into_the_outermost() -> None:
    doc = Document()
    before = state(doc)
    with doc.undo_group("outer"):
        doc.set_weight(0, 0, 0, 2.0)
        with doc.undo_group("inner"):
            doc.set_weight(0, 0, 1, 3.0)
            with doc.undo_group("innermost"):
                doc.add_filter()
        doc.set_bias(0, 1.0)
    assert doc.undo_label() == "outer"
    doc.undo()
    assert state(doc) == before
    assert doc.undo_label() is None


def test_a_group_that_changes_nothing_is_no_step() -> None:
    doc = Document()
    with doc.undo_group("nothing"):
        doc.paint_cells([(0, 1)], 1.0)  # already white
        doc.set_spec(doc.spec)
    assert doc.undo_label() is None
    assert not doc.modified


def test_a_refusal_caught_inside_a_group_keeps_the_edits_before_it() -> None:
    doc = Document()
    before = state(doc)
    with doc.undo_group("paint stroke"):
        doc.paint_cells([(0, 1)], -1.0)
        painted = state(doc)
        assert painted != before
        with pytest.raises(EditError, match="finite"):
            doc.paint_cells([(0, 2)], float("nan"))
        assert state(doc) == painted, "the refused edit changed nothing"
    assert doc.undo_label() == "paint stroke"
    doc.undo()
    assert state(doc) == before


def test_a_refusal_leaving_the_group_puts_everything_back() -> None:
    doc = Document()
    before = state(doc)

    def paste_and_resize() -> None:
        with doc.undo_group("paste and resize"):
            doc.set_weight(0, 0, 0, 9.0)
            doc.add_filter()
            doc.set_spec(ConvSpec(1, (9, 9)))

    with pytest.raises(EditError, match="does not fit"):
        paste_and_resize()
    assert state(doc) == before
    assert doc.view.selected_filter == 0
    assert doc.undo_label() is None
    assert not doc.modified


def test_an_engine_refusal_inside_a_group_reaches_the_caller_as_an_edit_error() -> None:
    doc = Document()
    before = state(doc)

    def type_a_layer() -> None:
        with doc.undo_group("a layer typed by hand"):
            doc.set_weight(0, 0, 0, 9.0)
            doc.set_spec(ConvSpec(0, (3, 3)))  # ConvSpec refuses (a ConvError) before the document sees it

    with pytest.raises(EditError, match="must be at least 1"):
        type_a_layer()
    assert state(doc) == before
    assert doc.undo_label() is None


def test_another_error_closes_the_group_too() -> None:
    doc = Document()

    def interrupted() -> None:
        with doc.undo_group("interrupted"):
            doc.set_weight(0, 0, 0, 9.0)
            raise RuntimeError("not a refusal")

    with pytest.raises(RuntimeError, match="not a refusal"):
        interrupted()
    assert doc.undo_label() == "interrupted"
    doc.set_bias(0, 1.0)
    assert doc.undo_label() == "edit the bias", "the group did not stay open"


def test_a_stroke_held_open_across_events_with_an_exit_stack() -> None:
    """The window opens a group on mouse press and closes it on release, in different calls."""
    doc = Document()
    before = state(doc)
    stroke = contextlib.ExitStack()
    stroke.enter_context(doc.undo_group("paint stroke"))  # press
    for c in range(5):  # moves, one event each
        doc.paint_cells([(1, c)], -1.0)
        assert doc.undo_label() is None
    stroke.close()  # release
    assert doc.undo_label() == "paint stroke"
    doc.set_weight(0, 0, 0, 2.0)
    assert doc.undo_label() == "edit a weight"
    doc.undo()
    doc.undo()
    assert state(doc) == before
    assert doc.undo_label() is None


def test_undo_across_layer_edits_restores_each_layer() -> None:
    doc = Document()
    states, layers = [state(doc)], [doc.layers]
    for edit in (
        lambda: doc.set_spec(ConvSpec(2, (3, 3), padding="same")),
        lambda: doc.set_weight(1, 2, 2, -1.5),
        lambda: doc.apply_layer(ConvSpec(3, (2, 2), activation="relu"), np.ones((2, 2, 1, 3)), np.ones(3)),
        lambda: doc.remove_filter(0),
    ):
        edit()
        states.append(state(doc))
        layers.append(doc.layers)
    for want_state, want_layers in zip(reversed(states[:-1]), reversed(layers[:-1]), strict=True):
        doc.undo()
        assert state(doc) == want_state
        assert doc.layers is want_layers
        assert doc.spec == doc.layers[0].spec


def test_the_history_keeps_undo_limit_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """A document built after the limit is lifted (or lowered) keeps that many steps."""
    monkeypatch.setattr(document, "UNDO_LIMIT", 3)
    doc = Document()
    for v in range(1, 6):
        doc.set_weight(0, 0, 0, float(v))
    undone = 0
    while doc.undo_label() is not None:
        doc.undo()
        undone += 1
    assert undone == 3
    assert doc.kernels[0, 0, 0, 0] == 2.0


def test_the_history_is_capped_in_bytes_oldest_dropped_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large edits: the steps kept hold at most the byte cap, the oldest go first, and the steps
    kept still undo to their exact states."""
    side = 64
    input_bytes = side * side * 3 * 4
    monkeypatch.setattr(document, "UNDO_BYTES_LIMIT", 5 * input_bytes + 1000)  # room for the kernels too
    doc = Document()
    doc.replace_input(np.zeros((side, side, 3), np.float32), "grey")
    inputs = [doc.input]
    for i in range(1, 20):
        doc.paint_cells([(i, i)], 1.0)
        inputs.append(doc.input)
    history = doc._history
    assert history.held_bytes() <= 5 * input_bytes + 1000
    undone = 0
    while doc.undo_label() is not None:
        doc.undo()
        undone += 1
        assert doc.input is inputs[-1 - undone]  # each kept step restores its own state
    assert undone == 5  # the 15 oldest steps (and the picture's) went, the 5 newest stayed
    assert float(doc.input.sum()) == 14 * 3  # the strokes before the kept ones are still painted
    while doc.redo_label() is not None:
        doc.redo()
    assert doc.input is inputs[-1]


def test_the_newest_step_stays_even_above_the_byte_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document, "UNDO_BYTES_LIMIT", 1)
    doc = Document()
    before = doc.input
    doc.paint_cells([(0, 0)], 0.5)
    after_first = doc.input
    doc.paint_cells([(0, 1)], 0.5)
    assert doc.undo_label() == "paint"
    doc.undo()
    assert doc.input is after_first
    assert doc.undo_label() is None
    assert doc.input is not before


def test_arrays_shared_between_steps_count_once() -> None:
    doc = Document()
    kernels_bytes, bias_bytes = doc.kernels.nbytes, doc.bias.nbytes
    for v in range(1, 4):
        doc.paint_cells([(0, v)], 0.5)
    # Three steps, three inputs, one shared layer (its kernels and bias once).
    assert doc._history.held_bytes() == 3 * doc.input.nbytes + kernels_bytes + bias_bytes
