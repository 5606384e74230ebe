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

from kernelscope.core import engine
from kernelscope.core.engine import Conv2DLayer, ConvError, ConvResult, ConvSpec, Layer
from kernelscope.core.history import UNDO_BYTES_LIMIT, UNDO_LIMIT, History, Snapshot, undoable
from kernelscope.core.numbers import FLOAT32_MAX
from kernelscope.core.paint_tools import VALUE_MODES
from kernelscope.core.scene import MAX_FILTERS, Session, SessionError, ViewState, check_spec, default_session

__all__ = [
    "SYNC_WORK_LIMIT",
    "UNDO_BYTES_LIMIT",
    "UNDO_LIMIT",
    "ComputeArgs",
    "ComputeFailure",
    "Deliver",
    "Document",
    "EditError",
    "Scheduler",
    "work_of",
]


class EditError(ValueError):
    """An edit the document refused; the message is for the person who made it."""


@dataclass(frozen=True)
class ComputeFailure:
    """What a scheduler delivers instead of a result when the computation raised: one line, and no
    exception kept (its traceback would keep the failed computation's arrays alive)."""

    message: str

    @classmethod
    def of(cls, exc: BaseException) -> ComputeFailure:
        if isinstance(exc, MemoryError):
            return cls("not enough memory to compute the feature maps: the maps show the last result")
        if isinstance(exc, ConvError):
            return cls(str(exc))
        return cls(f"the feature maps could not be computed ({type(exc).__name__}: {exc}): "
                   "the maps show the last result")


ComputeArgs = tuple[np.ndarray, np.ndarray, np.ndarray, ConvSpec]
Deliver = Callable[[int, ConvResult | ComputeFailure], None]
Scheduler = Callable[[int, ComputeArgs, Deliver], None]
"""Runs ``engine.compute(*args)`` somewhere else and calls ``deliver(generation, result)`` on the
thread that owns the document, ``deliver(generation, ComputeFailure.of(exc))`` if it raised.
Without one, the document computes synchronously (tests, CLI)."""

# Scenes cheaper than this many multiply-adds compute synchronously even when a scheduler is set:
# a thread hop and a second repaint would cost more than the convolution.
SYNC_WORK_LIMIT = 25_000_000

# What an edit may raise when it refuses; each reaches the caller as an EditError.
_ENGINE_REFUSALS = (ConvError, ValueError, TypeError)


def work_of(shape: tuple[int, ...], spec: ConvSpec) -> int:
    """Multiply-adds of a convolution: H' * W' * F * kh * kw * C."""
    oh, ow, f = engine.output_shape(tuple(shape), spec)
    return oh * ow * f * spec.kernel_size[0] * spec.kernel_size[1] * int(shape[2])




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
        """The session's one Conv2D becomes the layer list (the window shows one Conv2D for now: a
        stack of other layers is refused here, in the session's own words)."""
        try:
            layer = Conv2DLayer(s.spec, _frozen(s.kernels), _frozen(s.bias))
        except _ENGINE_REFUSALS as exc:
            raise EditError(str(exc)) from None
        return cls(_frozen(s.input), (layer,), s.view, s.title, s.notes, s.layer_names, s.class_names)

    def args(self) -> ComputeArgs:
        layer = self.layers[0]
        assert isinstance(layer, Conv2DLayer)
        return self.input, layer.kernels, layer.bias, layer.spec


def _may_overflow(args: ComputeArgs) -> bool:
    """Whether a pre-activation value could pass float32's range: |x| * sum|w| + |b| bounds every
    one (with room for rounding and the activations' slopes), and costs one pass over the input."""
    x, kernels, bias, _ = args
    with np.errstate(over="ignore"):
        reach = float(np.abs(x).max()) * float(np.abs(kernels).sum(axis=(0, 1, 2), dtype=np.float64).max())
        return not reach + float(np.abs(bias).max()) < FLOAT32_MAX / 4


_OVERFLOW = "these weights make the maps overflow 32-bit numbers: use smaller values"


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
    """An input, its layers and which one is selected, the view state and the step cursor, plus
    the selected layer's current result. ``spec``, ``kernels``, ``bias`` and ``result`` are the
    selected Conv2D's."""

    _view: ViewState
    _layers: tuple[Layer, ...]

    input_changed = Signal()
    kernels_changed = Signal()
    spec_changed = Signal()
    view_changed = Signal()
    result_changed = Signal()
    step_changed = Signal(int)
    history_changed = Signal()  # undo/redo availability, their names, or the saved state changed
    compute_failed = Signal(str)  # a computation off the thread failed, or a load was refused then: why
    settled = Signal()  # after every change, once, when all of its <noun>_changed are out

    _settle_depth = 0

    def __init__(self, session: Session | None = None, scheduler: Scheduler | None = None) -> None:
        s = session if session is not None else default_session()
        self._scheduler: Scheduler | None = None
        self._generation = 0
        self._pending = False
        self._loading: int | None = None  # the generation of a load waiting for its maps
        self._load_unsaved = False  # mark_modified came while it waited
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
        """True while a newer result than ``result`` is being computed off the UI thread."""
        return self._pending

    # ------------------------------------------------------------------ reading
    @property
    def input(self) -> np.ndarray:
        """(H, W, C) float32, read-only."""
        return self._input

    @property
    def layers(self) -> tuple[Layer, ...]:
        """The layers in order, first on the input (today a single Conv2D)."""
        return self._layers

    @property
    def selected_layer(self) -> int:
        """Index into ``layers`` of the layer the views show and the edits change."""
        return self._selected_layer

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
        return self._result

    @property
    def step(self) -> int:
        return self._step

    @property
    def value_range(self) -> tuple[float, float]:
        """The painting range of the current value mode (binary -1..1, grey 0..1, byte 0..255)."""
        return VALUE_MODES[self._view.value_mode]

    def to_session(self) -> Session:
        conv = self._conv
        return Session(
            input=self._input,
            kernels=conv.kernels,
            bias=conv.bias,
            spec=conv.spec,
            view=replace(self._view, step=self._step),
            title=self._title,
            notes=self._notes,
            # A layer dict only to carry the name: Session normalizes it beside spec, kernels and bias.
            layers=({"class_name": "Conv2D", "config": {"name": self._names[0]}},),  # type: ignore[arg-type]
            class_names=self._class_names[: conv.spec.filters],  # a name per map while filters remain
        )

    @property
    def _conv(self) -> Conv2DLayer:
        """The selected layer, which every edit of today's kernels and spec expects to be a Conv2D."""
        layer = self._layers[self._selected_layer]
        if not isinstance(layer, Conv2DLayer):
            raise EditError(f"layer {self._selected_layer + 1} is a {layer.keras_class}, not a Conv2D")
        return layer

    def _set_conv(self, layer: Conv2DLayer) -> None:
        """Put ``layer`` in the selected layer's place (no recompute, no signal)."""
        layers = list(self._layers)
        layers[self._selected_layer] = layer
        self._layers = tuple(layers)

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
            (self._title, self._notes),
        )

    def _restore(self, s: Snapshot) -> None:
        self._input, self._layers, self._selected_layer = s.input, s.layers, s.selected_layer
        self._title, self._notes = s.lesson
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
        args = scene.args()
        self._generation += 1
        self._loading, self._load_unsaved = None, False
        if self._computes_here(args) or _may_overflow(args):
            try:
                result = self._computed(args)
            except _ENGINE_REFUSALS as exc:
                raise EditError(str(exc)) from None
            self._swap_in(scene, result)
            if on_loaded is not None:
                on_loaded()
        else:
            assert self._scheduler is not None
            self._pending, self._loading = True, self._generation
            self._scheduler(self._generation, args, functools.partial(self._deliver_load, scene, on_loaded))
            self.result_changed.emit()  # the views say "computing" over the scene they still show

    @settles
    def _deliver_load(
        self,
        scene: _Scene,
        on_loaded: Callable[[], object] | None,
        generation: int,
        outcome: ConvResult | ComputeFailure,
    ) -> None:
        if generation != self._generation:
            return  # superseded by a newer edit or load
        self._loading = None
        if isinstance(outcome, ComputeFailure):
            self._fail(outcome.message)
        elif not np.isfinite(outcome.value_range(activated=False)).all():
            self._fail(_OVERFLOW)
        else:
            self._swap_in(scene, outcome, unsaved=self._load_unsaved)
            if on_loaded is not None:
                on_loaded()

    def _swap_in(self, scene: _Scene, result: ConvResult, unsaved: bool = False) -> None:
        """The loaded scene and its maps become the document's, announced as one batch."""
        self._apply(scene)
        self._history.clear()
        self._deliver(self._generation, result)
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
        self.kernels_changed.emit()
        self.spec_changed.emit()
        self.view_changed.emit()
        self.step_changed.emit(self._step)

    def _apply(self, scene: _Scene) -> None:
        self._input, self._layers, self._selected_layer = scene.input, scene.layers, 0
        self._view, self._title, self._notes, self._step = scene.view, scene.title, scene.notes, scene.view.step
        self._names, self._class_names = scene.names, scene.class_names

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
        """Replace the input; refused (nothing changes) if the layer cannot run on it."""
        arr = _frozen(image, "the input")
        if arr.ndim == 2:
            arr = _frozen(arr[:, :, None])
        conv = self._conv
        if arr.ndim != 3 or arr.shape[2] != conv.channels:
            raise EditError(f"the input must have {conv.channels} channel(s)")
        self._check_fits(arr.shape, conv.spec)
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
            self._check_fits(self._input.shape, spec)
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
        self._check_fits(self._input.shape, spec)
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

    # ------------------------------------------------------------------ view and cursor
    @settles
    def select_filter(self, filter_index: int) -> None:
        if not 0 <= filter_index < self._conv.spec.filters:
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
        conv = self._conv
        self._check_fits(arr.shape, conv.spec)
        c_old, c_new = conv.channels, arr.shape[2]
        if c_new != c_old:
            summed = conv.kernels.sum(axis=2, keepdims=True)
            kernels = summed if c_new == 1 else np.repeat(summed / 3, 3, axis=2)
            self._set_conv(replace(conv, kernels=_frozen(kernels)))
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
        """A whole new layer (a pasted Conv2D line) and, when its input_shape differs, a new input."""
        new_input = self._input if image is None else _frozen(image, "the input")
        k = _frozen(kernels, "the kernels")
        b = _frozen(bias, "the bias")
        if k.shape != (*spec.kernel_size, new_input.shape[2], spec.filters) or b.shape != (spec.filters,):
            raise EditError("the kernels do not match the pasted layer")
        self._check_limits(spec)
        self._check_fits(new_input.shape, spec)
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
        step = max(0, min(self._result.steps - 1, int(step)))
        if step != self._step:
            self._step = step
            self.step_changed.emit(step)

    # ------------------------------------------------------------------ recompute
    @settles
    def recompute(self) -> None:
        """The only call into the engine's full convolution; heavy scenes go to the scheduler.

        Every request gets a generation number; a result that arrives after a newer request was
        made is dropped, so the maps never go back to an older state.
        """
        self._generation += 1
        conv = self._conv  # today the selected layer is the only one, so it runs on the input
        args: ComputeArgs = (self._input, conv.kernels, conv.bias, conv.spec)
        if self._computes_here(args) or _may_overflow(args):  # an overflow is refused now, not later
            self._deliver(self._generation, self._computed(args))
        else:
            assert self._scheduler is not None
            self._pending = True
            self._scheduler(self._generation, args, self._deliver)

    def _computes_here(self, args: ComputeArgs) -> bool:
        return self._scheduler is None or work_of(args[0].shape, args[3]) < SYNC_WORK_LIMIT

    @staticmethod
    def _computed(args: ComputeArgs) -> ConvResult:
        with np.errstate(over="ignore", invalid="ignore"):
            result = engine.compute(*args)
        # The pre-activation's min/max, which the colour scale reads next anyway: a NaN or an
        # inf anywhere shows in them, so no separate pass over every value.
        if not np.isfinite(result.value_range(activated=False)).all():
            raise EditError(_OVERFLOW)
        if result.spec.activation != "linear" and not np.isfinite(result.value_range(activated=True)).all():
            raise EditError(_OVERFLOW)  # selu's slope passes float32's edge where its input did not
        return result

    @settles
    def _deliver(self, generation: int, result: ConvResult | ComputeFailure) -> None:
        if generation != self._generation:
            return  # superseded by a newer edit
        if isinstance(result, ComputeFailure):
            self._fail(result.message)
            return
        self._pending = False
        self._result = result
        self._step = max(0, min(self._step, result.steps - 1))
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
    def _check_fits(shape: tuple[int, ...], spec: ConvSpec) -> None:
        try:
            engine.output_shape(tuple(shape), spec)
        except ConvError as exc:
            raise EditError(str(exc)) from None
