"""The one observable state of a kernelscope session, and the only place that writes it.

The scene is an input plus an ordered list of layers (today one Conv2D) with one of them
selected. Widgets ask for edits through the main window; the document validates them, applies
them whole or not at all, recomputes through the engine and announces ``<noun>_changed``. Undo
and redo live in ``history``. No Qt here: psygnal signals, so the document is tested (and reused
headless) without a QApplication.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import numpy as np
from psygnal import Signal

from kernelscope.core import engine, stack_ops, weight_memory
from kernelscope.core.engine import Conv2DLayer, ConvError, ConvResult, ConvSpec, Layer, LayerOutput
from kernelscope.core.history import UNDO_BYTES_LIMIT, UNDO_LIMIT, History, Snapshot, undoable
from kernelscope.core.numbers import FLOAT32_MAX
from kernelscope.core.paint_tools import VALUE_MODES
from kernelscope.core.scene import (
    MAX_CLASS_NAMES,
    MAX_FILTERS,
    MAX_LAYERS,
    MAX_UNITS,
    Session,
    SessionError,
    ViewState,
    check_class_names,
    check_spec,
    default_session,
    layer_label,
    output_values_problem,
)
from kernelscope.core.stack_compute import (
    ComputeFailure,
    Deliver,
    Scheduler,
    StackJob,
    may_overflow,
)

__all__ = [
    "SYNC_WORK_LIMIT",
    "UNDO_BYTES_LIMIT",
    "UNDO_LIMIT",
    "ComputeFailure",
    "Deliver",
    "Document",
    "EditError",
    "Scheduler",
    "StackJob",
]


class EditError(ValueError):
    """An edit the document refused; the message is for the person who made it."""


# Jobs cheaper than this many multiply-adds compute synchronously even when a scheduler is set:
# a thread hop and a second repaint would cost more than the computation.
SYNC_WORK_LIMIT = 25_000_000

# What an edit may raise when it refuses; each reaches the caller as an EditError.
_ENGINE_REFUSALS = (ConvError, ValueError, TypeError)


@dataclass(frozen=True)
class _Scene:
    """A session checked and frozen into what the document holds, before any of it is held."""

    input: np.ndarray
    layers: tuple[Layer, ...]
    view: ViewState
    title: str
    notes: str
    names: tuple[str, ...] = ("conv2d",)  # the layers' Keras names, kept for the next save
    class_names: tuple[str, ...] = ()

    @classmethod
    def of(cls, s: Session) -> _Scene:
        """The session's layers as engine layers. A one-Conv2D session keeps the bias it stores
        while use_bias is off (so turning it back on restores it), which its entry does not hold."""
        try:
            if s.is_single_conv:
                layers: tuple[Layer, ...] = (Conv2DLayer(s.spec, _frozen(s.kernels), _frozen(s.bias)),)
            else:
                layers = tuple(entry.layer for entry in s.layers)
        except _ENGINE_REFUSALS as exc:
            raise EditError(str(exc)) from None
        return cls(_frozen(s.input), layers, s.view, s.title, s.notes, s.layer_names, s.class_names)

    def job(self) -> StackJob:
        """Every layer that fits, from the first."""
        links = stack_ops.chain(self.layers, self.input.shape)
        return StackJob(self.input, self.layers[: links.fits], 0, links.inputs[: links.fits], len(self.layers) > 1)


@dataclass(frozen=True)
class SessionParts:
    """A document's data at one moment; ``session()`` checks and builds the Session from them."""

    input: np.ndarray
    layers: tuple[Layer, ...]
    names: tuple[str, ...]
    class_names: tuple[str, ...]
    view: ViewState
    title: str
    notes: str
    problem: tuple[int, str] | None

    def session(self) -> Session:
        layers = self.layers
        if self.problem is not None:
            where, why = self.problem
            raise SessionError(f"{layer_label(where, self.names[where])} does not fit its input ({why}): "
                               "fix it (or undo) before saving")
        if len(layers) == 1 and isinstance(layers[0], Conv2DLayer) and self.input.shape[2] in (1, 3):
            conv = layers[0]
            return Session(
                input=self.input, kernels=conv.kernels, bias=conv.bias, spec=conv.spec, view=self.view,
                title=self.title, notes=self.notes,
                # A layer dict only to carry the name: Session normalizes it beside spec, kernels and bias.
                layers=({"class_name": "Conv2D", "config": {"name": self.names[0]}},),  # type: ignore[arg-type]
                class_names=self.class_names[: conv.spec.filters],  # a name per map while filters remain
            )
        return Session(
            input=self.input, view=self.view, title=self.title, notes=self.notes,
            layers=tuple(stack_ops.layer_entry(layer, name)  # type: ignore[misc]
                         for layer, name in zip(layers, self.names, strict=True)),
            class_names=self.class_names[: int(stack_ops.chain(layers, self.input.shape).outputs[-1][-1])],
        )


def _frozen(arr: np.ndarray, what: str = "a value") -> np.ndarray:
    """A private read-only float32 copy; refuses text, NaN, inf and numbers beyond float32."""
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            out = np.array(arr, dtype=np.float32, copy=True, order="C")
    except (TypeError, ValueError):
        raise EditError(f"{what} must hold numbers") from None
    if not np.isfinite(out).all():
        raise EditError(f"{what} holds a value that is not a finite number (nan, inf, or beyond ±3.4e38)")
    out.flags.writeable = False
    return out


M = TypeVar("M", bound=Callable[..., Any])


def settles(method: M) -> M:
    """The outermost of nested calls emits ``settled`` as it returns (or raises), after every
    ``<noun>_changed`` it caused: views that depend on several nouns redraw once, there."""

    @functools.wraps(method)
    def inner(self: Document, *args: Any, **kwargs: Any) -> Any:
        self._settle_depth += 1
        try:
            return method(self, *args, **kwargs)
        finally:
            self._settle_depth -= 1
            if self._settle_depth == 0:
                self.settled.emit()

    return inner  # type: ignore[return-value]


class Document:
    """An input, its stack of layers and which one is selected, the view state and the step
    cursor, plus every layer's current result. ``spec``, ``kernels`` and ``bias`` are the selected
    layer's when it is a Conv2D; ``result`` is the selected layer's result.

    A stack whose shapes stop chaining after an edit upstream is held as it is: ``problem`` names
    the first layer that does not fit and why, and nothing from it down is computed until it fits.
    """

    _view: ViewState
    _layers: tuple[Layer, ...]
    _opened: tuple[Layer | None, ...]  # beside each layer: itself as opened (None: added since)

    input_changed = Signal()
    kernels_changed = Signal()
    spec_changed = Signal()
    layers_changed = Signal()  # the stack: its layers, their names, settings or selection, or what fits
    view_changed = Signal()
    result_changed = Signal()
    step_changed = Signal(int)
    history_changed = Signal()  # undo/redo availability, their names, or the saved state changed
    compute_failed = Signal(str)  # a computation off the thread failed, or a load was refused then: why
    loaded = Signal()  # a whole new scene came in (a file, a lesson, New): what depends on the scene resets
    settled = Signal()  # after every change, once, when all of its <noun>_changed are out

    _settle_depth = 0

    def __init__(self, session: Session | None = None, scheduler: Scheduler | None = None) -> None:
        s = session if session is not None else default_session()
        self._scheduler: Scheduler | None = None
        self._generation = 0
        self._pending = False
        self._loading: int | None = None  # the generation of a load waiting for its maps
        self._load_unsaved = False  # mark_modified came while it waited
        # What the cached results were computed from: the input and each layer (layers are
        # immutable, so identity says whether a result still holds).
        self._results: tuple[LayerOutput, ...] = ()
        self._computed: tuple[np.ndarray | None, tuple[Layer, ...]] = (None, ())
        # Per position: (layer, opened layer, differs) last compared; identity says when it still holds.
        self._edited_cache: dict[int, tuple[Layer, Layer | None, bool]] = {}
        self._apply(_Scene.of(s))
        # Read at construction, so a test may lift the module's limits before it builds one.
        self._history = History(
            self._snapshot, self._restore, self.history_changed.emit, refusals=(EditError,), limit=UNDO_LIMIT,
            bytes_limit=UNDO_BYTES_LIMIT,
        )
        self.recompute()
        self._scheduler = scheduler

    def set_scheduler(self, scheduler: Scheduler | None) -> None:
        """Heavy scenes go through ``scheduler`` (a worker thread in the app); None = synchronous."""
        self._scheduler = scheduler

    @property
    def computing(self) -> bool:
        """True while newer results than ``results`` are being computed off the UI thread."""
        return self._pending

    # ------------------------------------------------------------------ reading
    @property
    def input(self) -> np.ndarray:
        """(H, W, C) float32, read-only."""
        return self._input

    @property
    def layers(self) -> tuple[Layer, ...]:
        """The layers in order, first on the input."""
        return self._layers

    def opened_weights(self, index: int) -> tuple[np.ndarray, ...] | None:
        """Layer ``index``'s ``get_weights()`` as the session, lesson or model was opened (None for a
        layer added or pasted since): what the views compare each weight with to mark the edited ones."""
        opened = self._opened[index]
        return None if opened is None else tuple(stack_ops.layer_weights(opened))

    def edited_layers(self) -> frozenset[int]:
        """The layers whose weights differ from those they were opened with."""
        cache = self._edited_cache
        edited = set()
        for i, (layer, opened) in enumerate(zip(self._layers, self._opened, strict=True)):
            seen = cache.get(i)
            if seen is None or seen[0] is not layer or seen[1] is not opened:  # layers are immutable
                seen = cache[i] = (layer, opened, weight_memory.differs(layer, opened))
            if seen[2]:
                edited.add(i)
        return frozenset(edited)

    @property
    def layer_names(self) -> tuple[str, ...]:
        """Each layer's Keras name, unique in the stack."""
        return self._names

    @property
    def selected_layer(self) -> int:
        """Index into ``layers`` of the layer the views show and the edits change."""
        return self._selected_layer

    @property
    def selected_class(self) -> str:
        """The selected layer's Keras class ("Conv2D", "MaxPooling2D", ...)."""
        return self._layers[self._selected_layer].keras_class

    @property
    def links(self) -> stack_ops.Chain:
        """The shapes through the stack, each layer's parameters, and the first layer that does not fit."""
        return self._links

    @property
    def problem(self) -> tuple[int, str] | None:
        """(index, why) of the first layer that does not fit what it receives; None when all fit."""
        return self._links.problem

    @property
    def class_names(self) -> tuple[str, ...]:
        """Labels of the last layer's outputs (a softmax's classes); may be fewer than the outputs."""
        return self._class_names

    @property
    def results(self) -> tuple[LayerOutput, ...]:
        """The current result of every layer that fits, first to last. While ``computing``, a layer
        keeps its older result only if that came from a layer of its kind and shape (an edited
        weight, not another layer moved into its place): the views never show another layer's maps."""
        n = self._showable()
        return self._results if n == len(self._results) else self._results[:n]

    def _showable(self) -> int:
        """How many cached results, from the first, stand for the layers now at their places."""
        _, computed = self._computed
        outputs = self._links.outputs
        n = min(len(self._results), len(computed), len(outputs))
        for i in range(n):
            old, new = computed[i], self._layers[i]
            if old is not new and (old.keras_class != new.keras_class or self._results[i].output.shape != outputs[i]):
                return i
        return n

    def layer_input(self, index: int) -> np.ndarray | None:
        """What layer ``index`` receives: the input, or the previous layer's output (None when
        that is not computed)."""
        if index == 0:
            return self._input
        results = self.results
        return results[index - 1].output if index - 1 < len(results) else None

    @property
    def selected_result(self) -> LayerOutput | None:
        """The selected layer's result, or None while it does not fit (or one above it does not)."""
        i = self._selected_layer
        results = self.results
        return results[i] if i < len(results) else None

    @property
    def kernels(self) -> np.ndarray:
        """(kh, kw, C, F) float32 in Keras layout, read-only."""
        return self._conv.kernels

    @property
    def bias(self) -> np.ndarray:
        return self._conv.bias

    @property
    def spec(self) -> ConvSpec:
        return self._conv.spec

    @property
    def view(self) -> ViewState:
        return self._view

    @property
    def title(self) -> str:
        return self._title

    @property
    def notes(self) -> str:
        return self._notes

    @property
    def result(self) -> ConvResult:
        """The selected Conv2D's result; EditError when the selected layer is another or not computed."""
        result = self.selected_result
        if not isinstance(result, ConvResult):
            if result is None:
                raise EditError(self._not_computed(self._selected_layer))
            raise EditError(f"layer {self._selected_layer + 1} is a {self.selected_class}, not a Conv2D")
        return result

    @property
    def step(self) -> int:
        return self._step

    @property
    def steps(self) -> int:
        """Steps of the selected layer: its output positions row by row (maps) or its units (vectors)."""
        result = self.selected_result
        return 0 if result is None else stack_ops.steps_of(result.output.shape)

    @property
    def value_range(self) -> tuple[float, float]:
        """The painting range of the current value mode (binary -1..1, grey 0..1, byte 0..255)."""
        return VALUE_MODES[self._view.value_mode]

    def _not_computed(self, index: int) -> str:
        problem = self._links.problem
        if problem is None:
            return f"layer {index + 1} is being computed"
        where, why = problem
        label = layer_label(where, self._names[where])
        if where == index:
            return f"{label} does not fit its input: {why}"
        return f"not computed: {label} above it does not fit ({why})"

    def to_session(self) -> Session:
        """The session to save. A stack with a layer that does not fit cannot be saved (its file
        would not open): SessionError names the layer."""
        return self.session_parts().session()

    def session_parts(self) -> SessionParts:
        """What ``to_session`` builds from, taken now without copying (every array is immutable),
        so another thread (the autosave writer) can build and check the Session later."""
        return SessionParts(self._input, self._layers, self._names, self._class_names,
                            replace(self._view, step=self._step), self._title, self._notes, self._links.problem)

    @property
    def _conv(self) -> Conv2DLayer:
        """The selected layer, which every edit of kernels and spec expects to be a Conv2D."""
        layer = self._layers[self._selected_layer]
        if not isinstance(layer, Conv2DLayer):
            raise EditError(f"layer {self._selected_layer + 1} is a {layer.keras_class}, not a Conv2D")
        return layer

    def _set_conv(self, layer: Conv2DLayer) -> None:
        """Put ``layer`` in the selected layer's place (no recompute, no signal)."""
        self._set_layer(self._selected_layer, layer)

    def _set_layer(self, index: int, layer: Layer) -> None:
        layers = list(self._layers)
        layers[index] = layer
        self._layers = tuple(layers)

    def _selected_input_shape(self) -> tuple[int, ...] | None:
        """The shape the selected layer receives, when everything above it fits."""
        i = self._selected_layer
        return self._links.inputs[i] if i < len(self._links.inputs) else None

    # ------------------------------------------------------------------ history
    @contextlib.contextmanager
    def undo_group(self, label: str) -> Iterator[None]:
        """Every edit inside is one undo step named ``label`` (a paint stroke, press to release).

        Groups inside groups fold into the outermost one. A refused edit raises EditError and
        changes nothing; when the refusal leaves the group, the outermost group puts back what
        the edits before it changed. Hold a group open across events with a
        ``contextlib.ExitStack``.
        """
        with self._history.group(label):
            try:
                yield
            except EditError:
                raise
            except _ENGINE_REFUSALS as exc:
                raise EditError(str(exc)) from None

    def undo_label(self) -> str | None:
        return self._history.undo_label()

    def redo_label(self) -> str | None:
        return self._history.redo_label()

    @settles
    def undo(self) -> None:
        self._history.undo()

    @settles
    def redo(self) -> None:
        self._history.redo()

    def _snapshot(self) -> Snapshot:
        return Snapshot(
            self._input, self._layers, self._view.value_mode, self._selected_layer, self._view.selected_filter,
            (self._title, self._notes), self._names, self._class_names, self._opened,
        )

    def _restore(self, s: Snapshot) -> None:
        self._input, self._layers, self._selected_layer = s.input, s.layers, s.selected_layer
        self._title, self._notes = s.lesson
        self._names, self._class_names, self._opened = s.names, s.class_names, s.opened
        self._view = replace(self._view, value_mode=s.value_mode, selected_filter=s.selected_filter)
        self._emit_everything()

    @property
    def modified(self) -> bool:
        """Whether the data differ from what was last saved or opened."""
        return self._history.modified

    @settles
    def mark_saved(self) -> None:
        self._history.mark_saved()

    @settles
    def mark_modified(self) -> None:
        """The data are in no file (a restored autosave): saving is needed, closing asks first.
        Called while a load waits for its maps, it also holds for the loaded scene."""
        if self._loading == self._generation:
            self._load_unsaved = True
        self._history.mark_modified()

    # ------------------------------------------------------------------ whole-session edits
    @settles
    def load(self, session: Session, on_loaded: Callable[[], object] | None = None) -> None:
        """Replace everything in one batch (one recompute, every signal once); history starts anew.

        All or nothing: the new scene's maps are computed before anything changes, and a refused
        scene (EditError) leaves the document as it was. A heavy scene whose values cannot overflow
        goes to the scheduler: the old scene stays (``computing`` true) until the result arrives,
        and a newer edit or load supersedes it. ``on_loaded`` runs once the scene is in (never for
        one refused or superseded): what belongs to the new scene, such as its file's path, waits
        for it.
        """
        scene = _Scene.of(session)
        job = scene.job()
        self._generation += 1
        self._loading, self._load_unsaved = None, False
        if self._computes_here(job):
            results = self._run(job)
            self._swap_in(scene, results)
            if on_loaded is not None:
                on_loaded()
        else:
            assert self._scheduler is not None
            self._pending, self._loading = True, self._generation
            self._scheduler(self._generation, job, functools.partial(self._deliver_load, scene, on_loaded))
            self.result_changed.emit()  # the views say "computing" over the scene they still show

    @settles
    def _deliver_load(
        self,
        scene: _Scene,
        on_loaded: Callable[[], object] | None,
        generation: int,
        outcome: tuple[LayerOutput, ...] | ComputeFailure,
    ) -> None:
        if generation != self._generation:
            return  # superseded by a newer edit or load
        self._loading = None
        if isinstance(outcome, ComputeFailure):
            self._fail(outcome.message)
        else:
            self._swap_in(scene, outcome, unsaved=self._load_unsaved)
            if on_loaded is not None:
                on_loaded()

    def _swap_in(self, scene: _Scene, results: tuple[LayerOutput, ...], unsaved: bool = False) -> None:
        """The loaded scene and its maps become the document's, announced as one batch."""
        self._apply(scene)
        self._history.clear()
        self.loaded.emit()
        self._take(0, scene.input, scene.layers[: len(results)], self._generation, results)
        self._announce_data()
        if unsaved:
            self.mark_modified()
        else:
            self.mark_saved()

    def _emit_everything(self) -> None:
        self.recompute()
        self._announce_data()

    def _announce_data(self) -> None:
        self.input_changed.emit()
        self.layers_changed.emit()
        self.kernels_changed.emit()
        self.spec_changed.emit()
        self.view_changed.emit()
        self.step_changed.emit(self._step)

    def _apply(self, scene: _Scene) -> None:
        self._input, self._layers, self._selected_layer = scene.input, scene.layers, 0
        self._view, self._title, self._notes, self._step = scene.view, scene.title, scene.notes, scene.view.step
        self._names, self._class_names = scene.names, scene.class_names
        self._edited_cache.clear()  # keeps no layer of the old scene alive
        self._opened = scene.layers  # what "edited" compares with, until the next load
        self._links = stack_ops.chain(self._layers, self._input.shape)
        self._results, self._computed = (), (None, ())
        self._clamp_channel()

    # ------------------------------------------------------------------ input edits
    @settles
    @undoable("paint")
    def paint_cells(self, cells: Iterable[tuple[int, int]], value: float, channel: int | None = None) -> None:
        """Set input cells (row, col) to ``value`` on one channel or all of them."""
        value = self._checked_value(value, "a painted value")
        new = np.array(self._input)
        h, w, c = new.shape
        chans = range(c) if channel is None else [channel]
        changed = False
        for r, col in cells:
            if 0 <= r < h and 0 <= col < w:
                for ch in chans:
                    if new[r, col, ch] != value:
                        new[r, col, ch] = value
                        changed = True
        if changed:
            self.set_input(new)

    @settles
    @undoable("edit the input")
    def set_input(self, image: np.ndarray) -> None:
        """Replace the input; refused (nothing changes) if the first layer cannot run on it. Layers
        further down that no longer fit are marked (``problem``), not refused."""
        arr = _frozen(image, "the input")
        if arr.ndim == 2:
            arr = _frozen(arr[:, :, None])
        channels = self._input.shape[2]
        if arr.ndim != 3 or arr.shape[2] != channels:
            raise EditError(f"the input must have {channels} channel(s)")
        self._check_first_fits(arr.shape)
        self._input = arr
        self.recompute()
        self.input_changed.emit()

    # ------------------------------------------------------------------ kernel edits
    @settles
    @undoable("edit a weight")
    def set_weight(self, filter_index: int, row: int, col: int, value: float, channel: int = 0) -> None:
        value = self._checked_value(value, "a kernel weight")
        kernels = self._conv.kernels
        if kernels[row, col, channel, filter_index] == value:
            return
        new = np.array(kernels)
        new[row, col, channel, filter_index] = value
        self._set_kernels(new)

    @settles
    @undoable("change the kernel")
    def set_filter_kernel(self, filter_index: int, kernel: np.ndarray) -> None:
        """Replace one filter's (kh, kw) or (kh, kw, C) weights (a preset, a rotation, ...)."""
        arr = np.asarray(kernel, dtype=np.float32)
        kernels = self._conv.kernels
        kh, kw, c, _ = kernels.shape
        if arr.ndim == 2:
            arr = np.repeat(arr[:, :, None], c, axis=2)
        if arr.shape != (kh, kw, c):
            raise EditError(f"this filter's kernel is {kh}x{kw}; got {arr.shape[0]}x{arr.shape[1]}")
        if not np.isfinite(arr).all():
            raise EditError("a kernel weight is not a finite number")
        new = np.array(kernels)
        new[:, :, :, filter_index] = arr
        self._set_kernels(new)

    @settles
    @undoable("edit the bias")
    def set_bias(self, filter_index: int, value: float) -> None:
        value = self._checked_value(value, "a bias")
        conv = self._conv
        new = np.array(conv.bias)
        new[filter_index] = value
        self._set_conv(replace(conv, bias=_frozen(new)))
        self.recompute()
        self.kernels_changed.emit()

    def _set_kernels(self, new: np.ndarray) -> None:
        self._set_conv(replace(self._conv, kernels=_frozen(new)))
        self.recompute()
        self.kernels_changed.emit()

    @settles
    @undoable("transform the kernel")
    def transform_filter(self, filter_index: int, transform: Callable[[np.ndarray], np.ndarray]) -> None:
        """Replace one filter by ``transform`` of its (kh, kw, C) weights (rotate, flip, negate, ...)."""
        kernels = self._conv.kernels
        try:
            new = transform(np.array(kernels[:, :, :, filter_index]))
        except ConvError as exc:
            raise EditError(str(exc)) from None
        if new.shape[:2] != kernels.shape[:2]:
            kh, kw = kernels.shape[:2]
            raise EditError(
                f"a {kh}x{kw} kernel would turn into {new.shape[0]}x{new.shape[1]}: every filter shares one "
                "kernel_size, so only square kernels can be rotated"
            )
        self.set_filter_kernel(filter_index, new)

    @settles
    @undoable("apply a preset")
    def apply_preset(self, filter_index: int, kernel: np.ndarray) -> None:
        """Put a (kh, kw) preset into one filter; a preset of another size changes kernel_size first."""
        arr = np.asarray(kernel, dtype=np.float32)
        spec = self._conv.spec
        if arr.shape[:2] != spec.kernel_size:
            spec = replace(spec, kernel_size=(int(arr.shape[0]), int(arr.shape[1])))
            self._check_fits(self._selected_input_shape(), spec)
            self._reshape_layer(spec)
            self.spec_changed.emit()
        self.set_filter_kernel(filter_index, arr)

    @settles
    @undoable("randomize like Keras")
    def randomize(self, kernels: np.ndarray) -> None:
        """Every filter from "randomize like Keras" (glorot_uniform) at once; biases back to zero."""
        arr = _frozen(kernels, "the kernels")
        conv = self._conv
        if arr.shape != conv.kernels.shape:
            raise EditError(f"random kernels of shape {arr.shape} do not fit the layer's {conv.kernels.shape}")
        self._set_conv(replace(conv, kernels=arr, bias=_frozen(np.zeros_like(conv.bias))))
        self.recompute()
        self.kernels_changed.emit()

    @settles
    @undoable("add a filter")
    def add_filter(self, kernel: np.ndarray | None = None, bias: float = 0.0, after: int | None = None) -> None:
        """Insert a filter (zeros unless given) after ``after`` (default: at the end) and select it."""
        conv = self._conv
        if conv.spec.filters >= MAX_FILTERS:
            raise EditError(f"a layer here has at most {MAX_FILTERS} filters")
        kh, kw, c, f = conv.kernels.shape
        at = f if after is None else after + 1
        new_k = np.zeros((kh, kw, c, 1), np.float32) if kernel is None else _frozen(kernel, "the new kernel")
        new_k = new_k.reshape(kh, kw, c, 1)
        bias = self._checked_value(bias, "the new filter's bias")
        kernels = np.concatenate([conv.kernels[..., :at], new_k, conv.kernels[..., at:]], axis=3)
        biases = np.concatenate([conv.bias[:at], [bias], conv.bias[at:]]).astype(np.float32)
        self._replace_filters(kernels, biases, at)

    @settles
    @undoable("duplicate a filter")
    def duplicate_filter(self, filter_index: int) -> None:
        conv = self._conv
        self.add_filter(conv.kernels[..., filter_index], float(conv.bias[filter_index]), after=filter_index)

    @settles
    @undoable("remove a filter")
    def remove_filter(self, filter_index: int) -> None:
        conv = self._conv
        if conv.spec.filters <= 1:
            raise EditError("a layer needs at least one filter")
        kernels = np.delete(conv.kernels, filter_index, axis=3)
        bias = np.delete(conv.bias, filter_index)
        self._replace_filters(kernels, bias, min(filter_index, kernels.shape[3] - 1))

    def _replace_filters(self, kernels: np.ndarray, bias: np.ndarray, selected: int) -> None:
        k, b = _frozen(kernels, "the kernels"), _frozen(bias, "the bias")
        self._set_conv(Conv2DLayer(replace(self._conv.spec, filters=int(k.shape[3])), k, b))
        self._view = replace(self._view, selected_filter=selected)
        self.recompute()
        self.spec_changed.emit()
        self.kernels_changed.emit()
        self.view_changed.emit()

    # ------------------------------------------------------------------ layer edits
    @settles
    @undoable("change the layer")
    def set_spec(self, spec: ConvSpec) -> None:
        """Change the layer; kernels stay centred where they overlap; new weights start at zero."""
        if spec == self._conv.spec:
            return
        self._check_limits(spec)
        self._check_fits(self._selected_input_shape(), spec)
        self._reshape_layer(spec)
        self.recompute()
        self.spec_changed.emit()
        self.kernels_changed.emit()

    def _reshape_layer(self, spec: ConvSpec) -> None:
        """Crop or zero-pad kernels and bias to a new spec (no recompute, no signal).

        The weights stay centred: the kernel's centre cell, index (k - 1) // 2 on each axis (the cell
        that padding="same" lines up with the output cell), stays the centre cell. So an even change
        pads or crops both sides equally, an odd one puts the extra row or column at the side that
        keeps that anchor, and growing then shrinking back gives the same kernel.
        """

        def centred_span(old_side: int, new_side: int) -> tuple[slice, slice]:
            """Where the kept weights go in the new kernel, and where they come from in the old one."""
            shift = (new_side - 1) // 2 - (old_side - 1) // 2
            start_new, start_old = max(shift, 0), max(-shift, 0)
            kept = min(new_side - start_new, old_side - start_old)
            return slice(start_new, start_new + kept), slice(start_old, start_old + kept)

        kh, kw = spec.kernel_size
        conv = self._conv
        old = conv.kernels
        new = np.zeros((kh, kw, old.shape[2], spec.filters), dtype=np.float32)
        f = min(spec.filters, old.shape[3])
        rows_new, rows_old = centred_span(old.shape[0], kh)
        cols_new, cols_old = centred_span(old.shape[1], kw)
        new[rows_new, cols_new, :, :f] = old[rows_old, cols_old, :, :f]
        bias = np.zeros(spec.filters, dtype=np.float32)
        bias[:f] = conv.bias[:f]
        self._set_conv(Conv2DLayer(spec, _frozen(new), _frozen(bias)))
        if self._view.selected_filter >= spec.filters:
            self._view = replace(self._view, selected_filter=spec.filters - 1)

    # ------------------------------------------------------------------ stack edits
    @settles
    def select_layer(self, index: int) -> None:
        """The layer the views show, the edits change and the window steps."""
        if not 0 <= index < len(self._layers):
            raise EditError(f"there is no layer {index + 1}")
        if index != self._selected_layer:
            self._selected_layer = index
            self._after_selection()

    def _after_selection(self) -> None:
        """The channel shown and the step clamped to the selected layer; every view told."""
        self._clamp_channel()
        self._step = max(0, min(self._step, self.steps - 1))
        self._announce_data()
        self.result_changed.emit()

    def _clamp_channel(self) -> None:
        """The channel shown is one the selected layer has: of its output, or a held Conv2D's filters
        (a stack session's saved channel may be another layer's)."""
        i = self._selected_layer
        layer = self._layers[i]
        if i < len(self._links.outputs):
            shape = self._links.outputs[i]
            channels = int(shape[-1]) if len(shape) == 3 else 1
        elif isinstance(layer, Conv2DLayer):
            channels = layer.spec.filters
        else:
            return
        if self._view.selected_filter >= channels:
            self._view = replace(self._view, selected_filter=channels - 1)

    def _shape_before(self, at: int) -> tuple[int, ...]:
        """What a layer put at position ``at`` would receive; refused while a layer above does not fit."""
        if at == 0:
            return tuple(self._input.shape)
        if at - 1 < self._links.fits:
            return self._links.outputs[at - 1]
        raise EditError(self._not_computed(at - 1).replace("not computed: ", "first fix: "))

    @settles
    @undoable("add a layer")
    def add_layer(self, class_name: str, at: int | None = None, config: dict[str, Any] | None = None,
                  seed: int = 0) -> None:
        """A new layer at ``at`` (default: the end) with Keras's defaults and initializers, selected.
        Refused when it does not fit what it would receive; layers below that stop fitting are marked."""
        n = len(self._layers)
        at = n if at is None else at
        if not 0 <= at <= n:
            raise EditError(f"a layer can go at positions 1 to {n + 1}, not {at + 1}")
        if n >= MAX_LAYERS:
            raise EditError(f"a stack here has at most {MAX_LAYERS} layers")
        shape = self._shape_before(at)
        cfg = stack_ops.default_config(class_name, shape, last=at == n) if config is None else config
        self._check_sizes(cfg)
        try:
            layer = stack_ops.build_layer(class_name, cfg, shape, seed=seed)
        except _ENGINE_REFUSALS as exc:
            raise EditError(f"{class_name} at position {at + 1}: {exc}") from None
        if isinstance(layer, Conv2DLayer):
            self._check_limits(layer.spec)
        self._insert(at, layer, engine.stack.default_name(class_name, set(self._names)))

    def _insert(self, at: int, layer: Layer, name: str) -> None:
        self._layers = (*self._layers[:at], layer, *self._layers[at:])
        self._names = (*self._names[:at], name, *self._names[at:])
        self._opened = (*self._opened[:at], None, *self._opened[at:])  # a new layer was never opened
        self._selected_layer = at
        self._restack()

    def _restack(self) -> None:
        """After the stack's shape changed: recompute from the first changed layer, tell every view."""
        self.recompute()
        self._after_selection()

    @settles
    @undoable("remove a layer")
    def remove_layer(self, index: int) -> None:
        """Take a layer out; the next one (or the last) is selected. Layers below that stop fitting are marked."""
        n = len(self._layers)
        if not 0 <= index < n:
            raise EditError(f"there is no layer {index + 1}")
        if n == 1:
            raise EditError("a model needs at least one layer")
        self._layers = self._layers[:index] + self._layers[index + 1:]
        self._names = self._names[:index] + self._names[index + 1:]
        self._opened = self._opened[:index] + self._opened[index + 1:]
        self._selected_layer = min(index, n - 2)
        self._restack()

    @settles
    @undoable("move a layer")
    def move_layer(self, index: int, delta: int) -> None:
        """Move a layer up (-1) or down (+1); it stays selected."""
        to = index + delta
        n = len(self._layers)
        if not (0 <= index < n and 0 <= to < n) or delta == 0:
            raise EditError(f"layer {index + 1} cannot move {'up' if delta < 0 else 'down'}")
        layers, names, opened = list(self._layers), list(self._names), list(self._opened)
        layers[index], layers[to] = layers[to], layers[index]
        names[index], names[to] = names[to], names[index]
        opened[index], opened[to] = opened[to], opened[index]
        self._layers, self._names, self._selected_layer = tuple(layers), tuple(names), to
        self._opened = tuple(opened)
        self._restack()

    @settles
    @undoable("duplicate a layer")
    def duplicate_layer(self, index: int) -> None:
        """A copy of a layer (its settings and weights) right after it, selected."""
        if not 0 <= index < len(self._layers):
            raise EditError(f"there is no layer {index + 1}")
        if len(self._layers) >= MAX_LAYERS:
            raise EditError(f"a stack here has at most {MAX_LAYERS} layers")
        layer = self._layers[index]
        self._insert(index + 1, layer, engine.stack.default_name(layer.keras_class, set(self._names)))

    @settles
    @undoable("change the layer")
    def set_layer_config(self, index: int, config: dict[str, Any]) -> None:
        """New settings of a layer (not a Conv2D's: ``set_spec``); weights carry over where they fit.
        Refused when the layer would not fit what it receives."""
        if not 0 <= index < len(self._layers):
            raise EditError(f"there is no layer {index + 1}")
        layer = self._layers[index]
        if index >= len(self._links.inputs):
            raise EditError(self._not_computed(index).replace("not computed: ", "first fix: "))
        self._check_sizes(config)
        try:
            new = stack_ops.reconfigure(layer, config, self._links.inputs[index])
        except _ENGINE_REFUSALS as exc:
            raise EditError(f"{layer_label(index, self._names[index])}: {exc}") from None
        if isinstance(new, Conv2DLayer):
            self._check_limits(new.spec)
        if stack_ops.layer_config(new) == stack_ops.layer_config(layer):
            return
        self._set_layer(index, new)
        self._restack()

    @settles
    @undoable("edit a weight")
    def set_layer_weight(self, index: int, array: int, cell: tuple[int, ...], value: float) -> None:
        """One number of a layer's ``get_weights()[array]`` (a Dense kernel, a BatchNormalization mean, ...)."""
        value = self._checked_value(value, "a weight")
        if not 0 <= index < len(self._layers):
            raise EditError(f"there is no layer {index + 1}")
        layer = self._layers[index]
        weights = [np.array(w) for w in stack_ops.layer_weights(layer)]
        if not 0 <= array < len(weights):
            raise EditError(f"layer {index + 1} has no weight array {array + 1}")
        try:
            if weights[array][cell] == value:
                return
            weights[array][cell] = value
            new = stack_ops.with_weights(layer, weights)
        except (IndexError, *_ENGINE_REFUSALS) as exc:
            raise EditError(str(exc)) from None
        self._set_layer(index, new)
        self._restack()

    @settles
    @undoable("revert the weights")
    def revert_layer_weights(self, index: int) -> None:
        """Layer ``index``'s weights back to those it was opened with (one undo step)."""
        if not 0 <= index < len(self._layers):
            raise EditError(f"there is no layer {index + 1}")
        opened = self._opened[index]
        if index not in self.edited_layers() or opened is None:
            raise EditError(f"{layer_label(index, self._names[index])}: its weights are as they were opened")
        try:
            self._set_layer(index, weight_memory.reverted(self._layers[index], opened))
        except _ENGINE_REFUSALS as exc:
            raise EditError(str(exc)) from None
        self._restack()

    @settles
    @undoable("fit the weights")
    def fit_layer(self, index: int) -> None:
        """Crop or zero-pad the weights of the layer that does not fit to what it now receives (the
        weights that still apply keep their values)."""
        problem = self._links.problem
        if problem is None or problem[0] != index:
            raise EditError(f"layer {index + 1} fits its input already")
        new = stack_ops.fit_weights(self._layers[index], self._links.inputs[index])
        try:
            new.output_shape(self._links.inputs[index])
        except ConvError as exc:
            raise EditError(f"its weights fit now, but the layer still does not: {exc}") from None
        self._set_layer(index, new)
        self._restack()

    @settles
    @undoable("rename the classes")
    def set_class_names(self, names: list[str] | tuple[str, ...]) -> None:
        """Labels of the last layer's outputs (a softmax's classes), saved with the session."""
        outputs = int(self._links.outputs[-1][-1]) if self._links.problem is None else MAX_CLASS_NAMES
        try:
            checked = check_class_names(list(names), outputs)
        except SessionError as exc:
            raise EditError(str(exc)) from None
        if checked != self._class_names:
            self._class_names = checked
            self.layers_changed.emit()

    @settles
    @undoable("paste a model")
    def apply_stack(self, layers: tuple[Layer, ...], names: tuple[str, ...], image: np.ndarray | None = None,
                    value_mode: str | None = None) -> None:
        """A whole new stack (a pasted model) and, when its input shape differs, a new input."""
        if not layers or len(layers) != len(names) or len(set(names)) != len(names):
            raise EditError("a model needs at least one layer, each with its own name")
        new_input = self._input if image is None else _frozen(image, "the input")
        self._check_first_fits(new_input.shape, layers[0])
        self._input, self._layers, self._names = new_input, tuple(layers), tuple(names)
        self._opened = (None,) * len(self._layers)  # a pasted model was never opened: nothing to compare with
        self._class_names = ()
        self._selected_layer = 0
        self._view = replace(self._view, value_mode=value_mode or self._view.value_mode)
        self._restack()

    # ------------------------------------------------------------------ view and cursor
    @settles
    def select_filter(self, filter_index: int) -> None:
        """The filter (the output channel) the views show and step: of the selected layer."""
        layer = self._layers[self._selected_layer]
        if isinstance(layer, Conv2DLayer):
            channels = layer.spec.filters
        else:
            outputs = self._links.outputs
            shape = outputs[self._selected_layer] if self._selected_layer < len(outputs) else (1,)
            channels = int(shape[-1]) if len(shape) == 3 else 1
        if not 0 <= filter_index < channels:
            raise EditError(f"there is no filter {filter_index + 1}")
        if filter_index != self._view.selected_filter:
            self._view = replace(self._view, selected_filter=filter_index)
            self.view_changed.emit()

    @settles
    def set_view(self, **changes: object) -> None:
        """Display settings (colormap, shared_scale, show_activation): no recompute."""
        try:
            view = replace(self._view, **changes)  # type: ignore[arg-type]
        except (SessionError, TypeError) as exc:
            raise EditError(str(exc)) from None
        if view != self._view:
            self._view = view
            self.view_changed.emit()

    @settles
    @undoable("open a picture")
    def replace_input(self, image: np.ndarray, value_mode: str) -> None:
        """A new input of any size and 1 or 3 channels (an opened picture); kernels follow the channels.

        Going from 1 to 3 channels copies each kernel into every channel divided by 3 (so a grey
        picture as RGB gives the same maps); from 3 to 1 sums the channels.
        """
        arr = np.asarray(image, dtype=np.float32)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.ndim != 3 or arr.shape[2] not in (1, 3):
            raise EditError("a picture must be grey (1 channel) or RGB (3 channels)")
        if value_mode not in VALUE_MODES:
            raise EditError(f"unknown value mode {value_mode!r}")
        if not np.isfinite(arr).all():
            raise EditError("the picture holds a value that is not a finite number")
        first = self._layers[0]
        c_old, c_new = self._input.shape[2], arr.shape[2]
        if isinstance(first, Conv2DLayer) and c_new != first.channels:
            summed = first.kernels.sum(axis=2, keepdims=True)
            kernels = summed if c_new == 1 else np.repeat(summed / 3, 3, axis=2)
            first = replace(first, kernels=_frozen(kernels))
        elif not isinstance(first, Conv2DLayer) and c_new != c_old:
            raise EditError(f"this stack's input has {c_old} channel(s): open a picture with as many")
        self._check_first_fits(arr.shape, first)
        self._set_layer(0, first)
        self._input = _frozen(arr)
        self._view = replace(self._view, value_mode=value_mode)
        self._emit_everything()

    @settles
    @undoable("paste a layer")
    def apply_layer(
        self,
        spec: ConvSpec,
        kernels: np.ndarray,
        bias: np.ndarray,
        image: np.ndarray | None = None,
        value_mode: str | None = None,
    ) -> None:
        """The selected Conv2D replaced by a pasted Conv2D line and, when its input_shape differs
        (the first layer only), a new input."""
        if image is not None and self._selected_layer > 0:
            raise EditError("input_shape sets the model's input: select the first layer to paste a line with it")
        new_input = self._input if image is None else _frozen(image, "the input")
        in_shape = new_input.shape if self._selected_layer == 0 else self._selected_input_shape()
        channels = self._conv.channels if in_shape is None else int(in_shape[-1])
        k = _frozen(kernels, "the kernels")
        b = _frozen(bias, "the bias")
        if k.shape != (*spec.kernel_size, channels, spec.filters) or b.shape != (spec.filters,):
            raise EditError("the kernels do not match the pasted layer")
        self._check_limits(spec)
        self._check_fits(in_shape, spec)
        self._input = new_input
        self._set_conv(Conv2DLayer(spec, k, b))
        self._view = replace(
            self._view,
            selected_filter=min(self._view.selected_filter, spec.filters - 1),
            value_mode=value_mode or self._view.value_mode,
        )
        self._emit_everything()

    @settles
    @undoable("retitle")
    def set_lesson(self, title: str, notes: str) -> None:
        """The scene's title and notes. Not a data edit of its own: call it inside the group of the
        edit that made the old words wrong (a pasted layer, an opened picture), which undo reverts."""
        self._title, self._notes = title, notes

    @settles
    @undoable("change the value mode")
    def set_value_mode(self, mode: str, image: np.ndarray | None = None) -> None:
        """Switch binary / grey / byte; ``image`` is the input converted to the new range."""
        if mode not in VALUE_MODES:
            raise EditError(f"unknown value mode {mode!r}")
        old_input = self._input
        if image is not None:
            self.set_input(image)
        try:
            self.set_view(value_mode=mode)
        except EditError:
            if image is not None:
                self.set_input(old_input)
            raise
        if image is None:
            self.input_changed.emit()

    @settles
    def set_step(self, step: int) -> None:
        """Move the window; never recomputes."""
        step = max(0, min(self.steps - 1, int(step)))
        if step != self._step:
            self._step = step
            self.step_changed.emit(step)

    # ------------------------------------------------------------------ recompute
    @settles
    def recompute(self) -> None:
        """The only call into the engine: reruns the layers from the first one whose input or
        weights changed since its result was computed, down to the last one that fits. Heavy jobs
        go to the scheduler.

        Every request gets a generation number; a result that arrives after a newer request was
        made is dropped, so the maps never go back to an older state.
        """
        links = self._links
        new_links = stack_ops.chain(self._layers, self._input.shape)
        self._check_values(new_links)
        self._generation += 1
        self._links = new_links
        if links != self._links:
            self.layers_changed.emit()  # the shapes, the parameter counts or what fits
        fits = self._links.fits
        start = self._first_stale(fits)
        done = self._layers[:fits]
        if start >= fits:
            self._take(fits, self._input, done, self._generation, ())
            return
        x = self._input if start == 0 else self._results[start - 1].output  # current: computed from these layers
        job = StackJob(x, self._layers[start:fits], start, self._links.inputs[start:fits], len(self._layers) > 1)
        if self._computes_here(job):
            self._take(start, self._input, done, self._generation, self._run(job))
        else:
            assert self._scheduler is not None
            self._pending = True
            self._scheduler(self._generation, job, functools.partial(self._take, start, self._input, done))

    def _first_stale(self, fits: int) -> int:
        """The first layer whose cached result no longer holds (its input or a layer above changed)."""
        source, layers = self._computed
        if source is not self._input:
            return 0
        n = min(len(layers), len(self._results), fits)
        for i in range(n):
            if layers[i] is not self._layers[i]:
                return i
        return n

    def _computes_here(self, job: StackJob) -> bool:
        """Light jobs run now; so does one that may overflow, so that it is refused before anything
        changes: each layer is bounded with the last input it was seen to receive."""
        if self._scheduler is None or job.work < SYNC_WORK_LIMIT:
            return True
        for k, (layer, shape) in enumerate(zip(job.layers, job.shapes, strict=True)):
            index = job.start + k
            x = job.x if k == 0 else (self._results[index - 1].output if index - 1 < len(self._results) else None)
            if x is not None and x.shape == shape and may_overflow(x, layer):
                return True
        return False

    @staticmethod
    def _run(job: StackJob) -> tuple[LayerOutput, ...]:
        try:
            return job()
        except _ENGINE_REFUSALS as exc:
            raise EditError(str(exc)) from None

    @settles
    def _take(
        self,
        start: int,
        source: np.ndarray,
        layers: tuple[Layer, ...],
        generation: int,
        outcome: tuple[LayerOutput, ...] | ComputeFailure,
    ) -> None:
        """Results of layers ``start`` on, computed from ``source`` through ``layers``, become current."""
        if generation != self._generation:
            return  # superseded by a newer edit
        if isinstance(outcome, ComputeFailure):
            self._fail(outcome.message)
            return
        self._pending = False
        self._results = self._results[:start] + tuple(outcome)
        self._computed = (source, layers)
        self._step = max(0, min(self._step, self.steps - 1))
        self.result_changed.emit()

    def _fail(self, message: str) -> None:
        """The computation off the thread failed: the last good result stays and the views stop
        saying "computing" (result_changed), after ``compute_failed`` says why."""
        self._pending = False
        self.compute_failed.emit(message)
        self.result_changed.emit()

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _checked_value(value: float, what: str) -> float:
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise EditError(f"{what} must be a number, not {value!r}") from None
        if not np.isfinite(v) or abs(v) > FLOAT32_MAX:
            raise EditError(f"{what} must be a finite number (at most ±3.4e38), not {value!r}")
        return v

    @staticmethod
    def _check_limits(spec: ConvSpec) -> None:
        """kernelscope's caps on a layer (filters, kernel sides, strides, dilation, the dilated span),
        whichever path the layer comes by: the session format checks the same ones."""
        if spec.filters > MAX_FILTERS:
            raise EditError(f"filters: kernelscope shows at most {MAX_FILTERS} filters, not {spec.filters}")
        try:
            check_spec(spec)
        except SessionError as exc:
            raise EditError(str(exc).removeprefix("layer.")) from None

    @staticmethod
    def _check_sizes(config: dict[str, Any]) -> None:
        """The caps on the sizes that decide how many weights a layer draws, before they are drawn:
        a session refuses the same ones, so the document never holds a stack it could not save."""
        units, filters = config.get("units"), config.get("filters")
        if isinstance(units, int) and units > MAX_UNITS:
            raise EditError(f"units: kernelscope computes at most {MAX_UNITS} units, not {units}")
        if isinstance(filters, int) and filters > MAX_FILTERS:
            raise EditError(f"filters: kernelscope shows at most {MAX_FILTERS} filters, not {filters}")

    def _check_values(self, links: stack_ops.Chain) -> None:
        """The caps on what the computed layers' outputs hold (one layer's, and all together), so an
        edit that would make the results outgrow them is refused before anything is computed."""
        problem = output_values_problem(links.outputs)
        if problem is not None:
            i, why = problem
            raise EditError(f"{layer_label(i, self._names[i] if i < len(self._names) else None)} {why}")

    @staticmethod
    def _check_fits(shape: tuple[int, ...] | None, spec: ConvSpec) -> None:
        """A Conv2D of ``spec`` fits what it receives (unknown while a layer above does not fit)."""
        if shape is None:
            return
        if len(shape) != 3:
            raise EditError(f"a Conv2D needs maps (height, width, channels), but receives a vector of {shape[-1]} "
                            "values here: put it before the Flatten")
        try:
            engine.output_shape(tuple(shape), spec)
        except ConvError as exc:
            raise EditError(str(exc)) from None

    def _check_first_fits(self, shape: tuple[int, ...], first: Layer | None = None) -> None:
        """The first layer takes an input of ``shape`` (the layers below are marked, not refused)."""
        try:
            (first or self._layers[0]).output_shape(tuple(shape))
        except ConvError as exc:
            raise EditError(str(exc)) from None
