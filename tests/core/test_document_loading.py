"""Loading is all or nothing: a refused session changes nothing, and a heavy one computed off the
thread takes the document's place only when its maps arrive (and are good)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from kernelscope.core import document, engine
from kernelscope.core.document import ComputeFailure, Deliver, Document, EditError, StackJob
from kernelscope.core.engine import ConvSpec
from kernelscope.core.scene import Session, ViewState


class LaterScheduler:
    """Keeps every request; the test delivers when it wants (a worker that takes its time)."""

    def __init__(self) -> None:
        self.requests: list[tuple[int, StackJob, Deliver]] = []

    def __call__(self, generation: int, args: StackJob, deliver: Deliver) -> None:
        self.requests.append((generation, args, deliver))

    def deliver(self, index: int = -1) -> None:
        generation, args, deliver = self.requests[index]
        deliver(generation, args())


def record(doc: Document) -> list[str]:
    events: list[str] = []
    for name in ("input_changed", "kernels_changed", "spec_changed", "view_changed", "result_changed",
                 "history_changed", "settled"):
        getattr(doc, name).connect(lambda *a, n=name: events.append(n))
    doc.step_changed.connect(lambda s: events.append(f"step {s}"))
    doc.compute_failed.connect(lambda text: events.append(f"failed: {text}"))
    return events


def scene(title: str, value: float = 0.5, side: int = 8) -> Session:
    rng = np.random.default_rng(3)
    return Session(
        input=np.full((side, side, 1), value, np.float32),
        kernels=rng.random((3, 3, 1, 2), dtype=np.float32) * np.float32(value),
        bias=np.zeros(2, np.float32),
        spec=ConvSpec(2, (3, 3), activation="relu"),
        view=ViewState(value_mode="grey", step=2),
        title=title,
    )


def state(doc: Document) -> tuple[object, ...]:
    return (doc.input, doc.layers, doc.view, doc.title, doc.notes, doc.result, doc.step, doc.undo_label(),
            doc.redo_label(), doc.modified, doc.computing)


def edited_document() -> Document:
    doc = Document()
    doc.paint_cells([(0, 0)], 0.5)
    doc.mark_saved()
    doc.set_weight(0, 1, 1, 2.0)  # one step to undo, and unsaved
    return doc


def test_loading_an_overflowing_session_changes_nothing() -> None:
    doc = edited_document()
    before = state(doc)
    events = record(doc)
    with pytest.raises(EditError) as refusal:
        doc.load(scene("huge", value=1e20))
    assert "overflow" in str(refusal.value)
    assert "\n" not in str(refusal.value)
    assert state(doc) == before
    assert [e for e in events if e != "settled"] == []
    doc.undo()  # the history is still the one before the refused load
    assert doc.kernels[1, 1, 0, 0] != 2.0


def test_a_scene_that_may_overflow_is_computed_before_anything_changes_even_with_a_scheduler(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(document, "SYNC_WORK_LIMIT", 0)
    doc = edited_document()
    later = LaterScheduler()
    doc.set_scheduler(later)
    before = state(doc)
    with pytest.raises(EditError, match="overflow"):
        doc.load(scene("huge", value=1e20))
    assert later.requests == []
    assert state(doc) == before


def test_a_synchronous_load_announces_the_same_batch_as_before() -> None:
    doc = edited_document()
    events = record(doc)
    doc.load(scene("eight"))
    assert events == ["result_changed", "input_changed", "kernels_changed", "spec_changed", "view_changed",
                      "step 2", "history_changed", "settled"]
    assert (doc.title, doc.undo_label(), doc.modified, doc.input.shape) == ("eight", None, False, (8, 8, 1))


def test_a_heavy_load_swaps_only_when_its_maps_arrive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document, "SYNC_WORK_LIMIT", 0)
    doc = edited_document()
    later = LaterScheduler()
    doc.set_scheduler(later)
    before = state(doc)
    events = record(doc)
    doc.load(scene("eight"))
    assert len(later.requests) == 1
    assert doc.computing
    assert state(doc)[:-1] == before[:-1]  # the old scene, its maps, history and saved state
    assert events == ["result_changed", "settled"]  # the views say "computing"
    events.clear()

    later.deliver()
    assert not doc.computing
    assert (doc.title, doc.input.shape, doc.result.out_shape, doc.step) == ("eight", (8, 8, 1), (6, 6, 2), 2)
    assert (doc.undo_label(), doc.modified) == (None, False)
    np.testing.assert_array_equal(doc.result.maps, later.requests[0][1]()[0].maps)
    assert events == ["result_changed", "input_changed", "kernels_changed", "spec_changed", "view_changed",
                      "step 2", "history_changed", "settled"]


@pytest.mark.parametrize(
    ("newer", "title"),
    [(lambda d: d.set_weight(0, 0, 0, 3.0), "The article's X"),
     (lambda d: d.load(scene("newer", value=0.25, side=9)), "newer")],
)
def test_a_newer_edit_or_load_supersedes_a_pending_load(
    monkeypatch: pytest.MonkeyPatch, newer: Callable[[Document], None], title: str
) -> None:
    monkeypatch.setattr(document, "SYNC_WORK_LIMIT", 0)
    doc = edited_document()
    later = LaterScheduler()
    doc.set_scheduler(later)
    doc.load(scene("first"))
    newer(doc)
    later.deliver(0)  # the first load's maps arrive late: dropped
    assert doc.title != "first"
    assert doc.computing
    later.deliver(1)
    assert not doc.computing
    assert doc.title == title
    assert doc.result.maps.shape[1:] == (doc.input.shape[0] - 2, doc.input.shape[1] - 2)


def test_a_failed_load_off_the_thread_changes_nothing_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document, "SYNC_WORK_LIMIT", 0)
    doc = edited_document()
    later = LaterScheduler()
    doc.set_scheduler(later)
    before = state(doc)
    doc.load(scene("eight"))
    events = record(doc)
    generation, _, deliver = later.requests[0]
    deliver(generation, ComputeFailure.of(MemoryError()))
    assert state(doc) == before
    assert events[0].startswith("failed: not enough memory")
    assert events[1:] == ["result_changed", "settled"]


def test_a_failed_computation_keeps_the_last_result_and_the_next_edit_computes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(document, "SYNC_WORK_LIMIT", 0)
    doc = Document()
    good = doc.result
    later = LaterScheduler()
    doc.set_scheduler(later)
    doc.set_weight(0, 0, 0, 3.0)
    events = record(doc)
    generation, _, deliver = later.requests[-1]
    deliver(generation, ComputeFailure.of(RuntimeError("boom")))
    assert not doc.computing
    assert doc.result is good
    assert events == ["failed: the feature maps could not be computed (RuntimeError: boom): the maps show the "
                      "last result", "result_changed", "settled"]
    doc.set_weight(0, 0, 1, 4.0)
    assert doc.computing
    later.deliver()
    assert not doc.computing
    assert doc.result.kernels[0, 1, 0, 0] == 4.0


def test_compute_failure_text_is_one_line() -> None:
    assert ComputeFailure.of(engine.ConvError("a kernel does not fit")).message == "a kernel does not fit"
    assert "\n" not in ComputeFailure.of(RuntimeError("x")).message


def test_marked_modified_while_a_load_waits_holds_for_the_loaded_scene(monkeypatch: pytest.MonkeyPatch) -> None:
    """A restored autosave is loaded, then marked modified at once: that survives the wait."""
    monkeypatch.setattr(document, "SYNC_WORK_LIMIT", 0)
    doc = Document()
    later = LaterScheduler()
    doc.set_scheduler(later)
    doc.load(scene("restored"))
    doc.mark_modified()
    later.deliver()
    assert (doc.title, doc.modified) == ("restored", True)
    doc.load(scene("opened"))
    later.deliver()
    assert (doc.title, doc.modified) == ("opened", False)


# ------------------------------------------------------------------ what follows a load, and overflow now


def test_on_loaded_runs_once_the_scene_is_in_and_never_for_a_superseded_load(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(document, "SYNC_WORK_LIMIT", 0)  # every scene goes to the scheduler
    later = LaterScheduler()
    doc = Document()
    doc.set_scheduler(later)
    arrived: list[str] = []
    doc.load(scene("first"), on_loaded=lambda: arrived.append("first"))
    assert arrived == []  # still computing: the file's path must not follow yet
    doc.load(scene("second", value=0.25), on_loaded=lambda: arrived.append("second"))
    later.deliver(0)  # the first load's maps arrive after it was superseded
    assert arrived == []
    assert doc.title != "first"
    later.deliver(1)
    assert arrived == ["second"]
    assert doc.title == "second"


def test_on_loaded_runs_at_once_for_a_synchronous_load_and_not_for_a_refusal() -> None:
    doc = Document()
    arrived: list[int] = []
    doc.load(scene("light"), on_loaded=lambda: arrived.append(1))
    assert arrived == [1]
    bad = scene("overflowing", value=1e30)
    with pytest.raises(EditError, match="overflow"):
        doc.load(bad, on_loaded=lambda: arrived.append(2))
    assert arrived == [1]


def test_an_edit_that_would_overflow_is_refused_at_once_even_with_a_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document, "SYNC_WORK_LIMIT", 0)
    later = LaterScheduler()
    doc = Document()
    doc.set_scheduler(later)
    doc.paint_cells([(r, c) for r in range(5) for c in range(5)], 1.0)  # all white: products add up
    later.requests.clear()
    doc.set_weight(0, 1, 1, 3e38)  # the sum 3e38 + 8 still fits float32: accepted
    before = doc.kernels.copy()
    with pytest.raises(EditError, match="overflow"):
        doc.set_weight(0, 0, 0, 3e38)  # 6e38 does not
    np.testing.assert_array_equal(doc.kernels, before)
    assert later.requests == []  # near the edge the document computes here, so it can refuse
    assert not doc.computing


def test_selu_past_the_float32_edge_is_refused_though_its_input_is_finite() -> None:
    doc = Document()
    doc.set_spec(ConvSpec(1, (1, 1)))
    doc.set_weight(0, 0, 0, 3.3e38)  # |x| = 1: the pre-activation 3.3e38 fits, selu * 1.0507 does not
    kernels = doc.kernels.copy()
    with pytest.raises(EditError, match="overflow"):
        doc.set_spec(ConvSpec(1, (1, 1), activation="selu"))
    assert doc.spec.activation == "linear"
    np.testing.assert_array_equal(doc.kernels, kernels)
