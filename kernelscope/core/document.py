"""The one observable state of a kernelscope session, and the only place that writes it.

Widgets ask for edits through the main window; the document validates them, applies them whole or
not at all, recomputes through the engine and announces ``<noun>_changed``. No Qt here: psygnal
signals, so the document is tested (and reused headless) without a QApplication.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import numpy as np
from psygnal import Signal

from kernelscope.core import engine
from kernelscope.core.engine import ConvError, ConvResult, ConvSpec
from kernelscope.core.scene import MAX_FILTERS, VALUE_MODES, Session, SessionError, ViewState, default_session


class EditError(ValueError):
    """An edit the document refused; the message is for the person who made it."""


ComputeArgs = tuple[np.ndarray, np.ndarray, np.ndarray, ConvSpec]
Deliver = Callable[[int, ConvResult], None]
Scheduler = Callable[[int, ComputeArgs, Deliver], None]
"""Runs ``engine.compute(*args)`` somewhere else and calls ``deliver(generation, result)`` on the
thread that owns the document. Without one, the document computes synchronously (tests, CLI)."""

# Scenes cheaper than this many multiply-adds compute synchronously even when a scheduler is set:
# for them a thread hop and a second repaint would cost more than the convolution itself.
SYNC_WORK_LIMIT = 25_000_000


def work_of(shape: tuple[int, ...], spec: ConvSpec) -> int:
    """Multiply-adds of a convolution: H' * W' * F * kh * kw * C."""
    oh, ow, f = engine.output_shape(tuple(shape), spec)
    return oh * ow * f * spec.kernel_size[0] * spec.kernel_size[1] * int(shape[2])


@dataclass(frozen=True)
class _Snapshot:
    """The data an undo step restores (arrays are immutable, so references are enough)."""

    input: np.ndarray
    kernels: np.ndarray
    bias: np.ndarray
    spec: ConvSpec
    value_mode: str
    selected_filter: int

    def same_as(self, other: _Snapshot) -> bool:
        return (
            self.input is other.input
            and self.kernels is other.kernels
            and self.bias is other.bias
            and self.spec == other.spec
            and self.value_mode == other.value_mode
        )


F = TypeVar("F", bound=Callable[..., Any])
UNDO_LIMIT = 200


def undoable(label: str) -> Callable[[F], F]:
    """Make a Document edit one undo step named ``label`` (nested edits fold into the outer one)."""

    def wrap(method: F) -> F:
        @functools.wraps(method)
        def inner(self: Document, *args: Any, **kwargs: Any) -> Any:
            self._open_step(label)
            before = self._open[-1][1]
            try:
                return method(self, *args, **kwargs)
            except (EditError, ConvError, ValueError, TypeError) as exc:
                # Whole or not at all: whatever the edit got to change is put back.
                if len(self._open) == 1 and not before.same_as(self._snapshot()):
                    self._restore(before, record=False)
                if isinstance(exc, EditError):
                    raise
                raise EditError(str(exc)) from None
            finally:
                self._close_step()

        return inner  # type: ignore[return-value]

    return wrap


FLOAT32_MAX = float(np.finfo(np.float32).max)


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


class Document:
    """Input, kernels, bias, layer, view state and the step cursor, plus the current result."""

    _view: ViewState

    input_changed = Signal()
    kernels_changed = Signal()
    spec_changed = Signal()
    view_changed = Signal()
    result_changed = Signal()
    step_changed = Signal(int)
    history_changed = Signal()  # undo/redo availability, their names, or the saved state changed

    def __init__(self, session: Session | None = None, scheduler: Scheduler | None = None) -> None:
        s = session if session is not None else default_session()
        self._scheduler: Scheduler | None = None
        self._generation = 0
        self._pending = False
        self._undo: list[tuple[str, _Snapshot]] = []
        self._redo: list[tuple[str, _Snapshot]] = []
        self._open: list[tuple[str, _Snapshot]] = []
        self._saved: _Snapshot | None = None
        self._apply(s)
        self._saved = self._snapshot()
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
    def kernels(self) -> np.ndarray:
        """(kh, kw, C, F) float32 in Keras layout, read-only."""
        return self._kernels

    @property
    def bias(self) -> np.ndarray:
        return self._bias

    @property
    def spec(self) -> ConvSpec:
        return self._spec

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
        return Session(
            input=self._input,
            kernels=self._kernels,
            bias=self._bias,
            spec=self._spec,
            view=replace(self._view, step=self._step),
            title=self._title,
            notes=self._notes,
        )

    # ------------------------------------------------------------------ history
    def _snapshot(self) -> _Snapshot:
        return _Snapshot(
            self._input, self._kernels, self._bias, self._spec, self._view.value_mode, self._view.selected_filter
        )

    def _open_step(self, label: str) -> None:
        self._open.append((label, self._snapshot()))

    def _close_step(self) -> None:
        label, before = self._open.pop()
        if self._open or before.same_as(self._snapshot()):
            return  # nested in a larger step, or nothing changed (a refused edit changes nothing)
        self._undo.append((label, before))
        del self._undo[:-UNDO_LIMIT]
        self._redo.clear()
        self.history_changed.emit()

    def begin_step(self, label: str) -> None:
        """Start one undo step that spans several edits (a paint stroke: press to release)."""
        self._open_step(label)

    def end_step(self) -> None:
        self._close_step()

    def undo_label(self) -> str | None:
        return self._undo[-1][0] if self._undo else None

    def redo_label(self) -> str | None:
        return self._redo[-1][0] if self._redo else None

    def undo(self) -> None:
        if self._undo:
            label, before = self._undo.pop()
            self._redo.append((label, self._snapshot()))
            self._restore(before)

    def redo(self) -> None:
        if self._redo:
            label, after = self._redo.pop()
            self._undo.append((label, self._snapshot()))
            self._restore(after)

    def _restore(self, s: _Snapshot, record: bool = True) -> None:
        self._input, self._kernels, self._bias, self._spec = s.input, s.kernels, s.bias, s.spec
        self._view = replace(self._view, value_mode=s.value_mode, selected_filter=s.selected_filter)
        self._emit_everything()
        if record:
            self.history_changed.emit()

    @property
    def modified(self) -> bool:
        """Whether the data differ from what was last saved or opened."""
        return self._saved is None or not self._saved.same_as(self._snapshot())

    def mark_saved(self) -> None:
        self._saved = self._snapshot()
        self.history_changed.emit()

    def mark_modified(self) -> None:
        """The data are in no file (a restored autosave): saving is needed, closing asks first."""
        self._saved = None
        self.history_changed.emit()

    # ------------------------------------------------------------------ whole-session edits
    def load(self, session: Session) -> None:
        """Replace everything in one batch (one recompute, every signal once); history starts anew."""
        self._apply(session)
        self._undo.clear()
        self._redo.clear()
        self._emit_everything()
        self.mark_saved()

    def _emit_everything(self) -> None:
        self.recompute()
        self.input_changed.emit()
        self.kernels_changed.emit()
        self.spec_changed.emit()
        self.view_changed.emit()
        self.step_changed.emit(self._step)

    def _apply(self, s: Session) -> None:
        self._input = _frozen(s.input)
        self._kernels = _frozen(s.kernels)
        self._bias = _frozen(s.bias)
        self._spec = s.spec
        self._view = s.view
        self._title = s.title
        self._notes = s.notes
        self._step = s.view.step

    # ------------------------------------------------------------------ input edits
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

    @undoable("edit the input")
    def set_input(self, image: np.ndarray) -> None:
        """Replace the input; refused (nothing changes) if the layer cannot run on it."""
        arr = _frozen(image, "the input")
        if arr.ndim == 2:
            arr = _frozen(arr[:, :, None])
        if arr.ndim != 3 or arr.shape[2] != self._kernels.shape[2]:
            raise EditError(f"the input must have {self._kernels.shape[2]} channel(s)")
        self._check_fits(arr.shape, self._spec)
        self._input = arr
        self.recompute()
        self.input_changed.emit()

    # ------------------------------------------------------------------ kernel edits
    @undoable("edit a weight")
    def set_weight(self, filter_index: int, row: int, col: int, value: float, channel: int = 0) -> None:
        value = self._checked_value(value, "a kernel weight")
        if self._kernels[row, col, channel, filter_index] == value:
            return
        new = np.array(self._kernels)
        new[row, col, channel, filter_index] = value
        self._set_kernels(new)

    @undoable("change the kernel")
    def set_filter_kernel(self, filter_index: int, kernel: np.ndarray) -> None:
        """Replace one filter's (kh, kw) or (kh, kw, C) weights (a preset, a rotation, ...)."""
        arr = np.asarray(kernel, dtype=np.float32)
        kh, kw, c, _ = self._kernels.shape
        if arr.ndim == 2:
            arr = np.repeat(arr[:, :, None], c, axis=2)
        if arr.shape != (kh, kw, c):
            raise EditError(f"this filter's kernel is {kh}x{kw}; got {arr.shape[0]}x{arr.shape[1]}")
        if not np.isfinite(arr).all():
            raise EditError("a kernel weight is not a finite number")
        new = np.array(self._kernels)
        new[:, :, :, filter_index] = arr
        self._set_kernels(new)

    @undoable("edit the bias")
    def set_bias(self, filter_index: int, value: float) -> None:
        value = self._checked_value(value, "a bias")
        new = np.array(self._bias)
        new[filter_index] = value
        self._bias = _frozen(new)
        self.recompute()
        self.kernels_changed.emit()

    def _set_kernels(self, new: np.ndarray) -> None:
        self._kernels = _frozen(new)
        self.recompute()
        self.kernels_changed.emit()

    @undoable("transform the kernel")
    def transform_filter(self, filter_index: int, transform: Callable[[np.ndarray], np.ndarray]) -> None:
        """Replace one filter by ``transform`` of its (kh, kw, C) weights (rotate, flip, negate, ...)."""
        try:
            new = transform(np.array(self._kernels[:, :, :, filter_index]))
        except ConvError as exc:
            raise EditError(str(exc)) from None
        if new.shape[:2] != self._kernels.shape[:2]:
            kh, kw = self._kernels.shape[:2]
            raise EditError(
                f"a {kh}x{kw} kernel would turn into {new.shape[0]}x{new.shape[1]}: every filter shares one "
                "kernel_size, so only square kernels can be rotated"
            )
        self.set_filter_kernel(filter_index, new)

    @undoable("apply a preset")
    def apply_preset(self, filter_index: int, kernel: np.ndarray) -> None:
        """Put a (kh, kw) preset into one filter; a preset of another size changes kernel_size first."""
        arr = np.asarray(kernel, dtype=np.float32)
        if arr.shape[:2] != self._spec.kernel_size:
            spec = replace(self._spec, kernel_size=(int(arr.shape[0]), int(arr.shape[1])))
            self._check_fits(self._input.shape, spec)
            self._reshape_layer(spec)
            self.spec_changed.emit()
        self.set_filter_kernel(filter_index, arr)

    @undoable("randomize like Keras")
    def randomize(self, kernels: np.ndarray) -> None:
        """Every filter from "randomize like Keras" (glorot_uniform) at once; biases back to zero."""
        arr = _frozen(kernels, "the kernels")
        if arr.shape != self._kernels.shape:
            raise EditError(f"random kernels of shape {arr.shape} do not fit the layer's {self._kernels.shape}")
        self._bias = _frozen(np.zeros_like(self._bias))
        self._set_kernels(arr)

    @undoable("add a filter")
    def add_filter(self, kernel: np.ndarray | None = None, bias: float = 0.0, after: int | None = None) -> None:
        """Insert a filter (zeros unless given) after ``after`` (default: at the end) and select it."""
        if self._spec.filters >= MAX_FILTERS:
            raise EditError(f"a layer here has at most {MAX_FILTERS} filters")
        kh, kw, c, f = self._kernels.shape
        at = f if after is None else after + 1
        new_k = np.zeros((kh, kw, c, 1), np.float32) if kernel is None else _frozen(kernel, "the new kernel")
        new_k = new_k.reshape(kh, kw, c, 1)
        bias = self._checked_value(bias, "the new filter's bias")
        kernels = np.concatenate([self._kernels[..., :at], new_k, self._kernels[..., at:]], axis=3)
        biases = np.concatenate([self._bias[:at], [bias], self._bias[at:]]).astype(np.float32)
        self._replace_filters(kernels, biases, at)

    @undoable("duplicate a filter")
    def duplicate_filter(self, filter_index: int) -> None:
        self.add_filter(self._kernels[..., filter_index], float(self._bias[filter_index]), after=filter_index)

    @undoable("remove a filter")
    def remove_filter(self, filter_index: int) -> None:
        if self._spec.filters <= 1:
            raise EditError("a layer needs at least one filter")
        kernels = np.delete(self._kernels, filter_index, axis=3)
        bias = np.delete(self._bias, filter_index)
        self._replace_filters(kernels, bias, min(filter_index, kernels.shape[3] - 1))

    def _replace_filters(self, kernels: np.ndarray, bias: np.ndarray, selected: int) -> None:
        k, b = _frozen(kernels, "the kernels"), _frozen(bias, "the bias")
        self._spec = replace(self._spec, filters=int(k.shape[3]))
        self._kernels = k
        self._bias = b
        self._view = replace(self._view, selected_filter=selected)
        self.recompute()
        self.spec_changed.emit()
        self.kernels_changed.emit()
        self.view_changed.emit()

    # ------------------------------------------------------------------ layer edits
    @undoable("change the layer")
    def set_spec(self, spec: ConvSpec) -> None:
        """Change the layer; kernels are kept where they overlap; new weights start at zero."""
        if spec == self._spec:
            return
        if spec.filters > MAX_FILTERS:
            raise EditError(f"filters: kernelscope shows at most {MAX_FILTERS} filters, not {spec.filters}")
        self._check_fits(self._input.shape, spec)
        self._reshape_layer(spec)
        self.recompute()
        self.spec_changed.emit()
        self.kernels_changed.emit()

    def _reshape_layer(self, spec: ConvSpec) -> None:
        """Crop or zero-pad kernels and bias to a new spec (no recompute, no signal)."""
        kh, kw = spec.kernel_size
        old = self._kernels
        new = np.zeros((kh, kw, old.shape[2], spec.filters), dtype=np.float32)
        h, w, f = min(kh, old.shape[0]), min(kw, old.shape[1]), min(spec.filters, old.shape[3])
        new[:h, :w, :, :f] = old[:h, :w, :, :f]
        bias = np.zeros(spec.filters, dtype=np.float32)
        bias[:f] = self._bias[:f]
        self._spec = spec
        self._kernels = _frozen(new)
        self._bias = _frozen(bias)
        if self._view.selected_filter >= spec.filters:
            self._view = replace(self._view, selected_filter=spec.filters - 1)

    # ------------------------------------------------------------------ view and cursor
    def select_filter(self, filter_index: int) -> None:
        if not 0 <= filter_index < self._spec.filters:
            raise EditError(f"there is no filter {filter_index + 1}")
        if filter_index != self._view.selected_filter:
            self._view = replace(self._view, selected_filter=filter_index)
            self.view_changed.emit()

    def set_view(self, **changes: object) -> None:
        """Display settings (colormap, shared_scale, show_activation): no recompute."""
        try:
            view = replace(self._view, **changes)  # type: ignore[arg-type]
        except (SessionError, TypeError) as exc:
            raise EditError(str(exc)) from None
        if view != self._view:
            self._view = view
            self.view_changed.emit()

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
        self._check_fits(arr.shape, self._spec)
        c_old, c_new = self._kernels.shape[2], arr.shape[2]
        if c_new != c_old:
            summed = self._kernels.sum(axis=2, keepdims=True)
            kernels = summed if c_new == 1 else np.repeat(summed / 3, 3, axis=2)
            self._kernels = _frozen(kernels)
        self._input = _frozen(arr)
        self._view = replace(self._view, value_mode=value_mode)
        self._emit_everything()

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
        if spec.filters > MAX_FILTERS:
            raise EditError(f"filters: kernelscope shows at most {MAX_FILTERS} filters, not {spec.filters}")
        self._check_fits(new_input.shape, spec)
        self._input = new_input
        self._spec = spec
        self._kernels = k
        self._bias = b
        self._view = replace(
            self._view,
            selected_filter=min(self._view.selected_filter, spec.filters - 1),
            value_mode=value_mode or self._view.value_mode,
        )
        self._emit_everything()

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

    def set_step(self, step: int) -> None:
        """Move the window; never recomputes."""
        step = max(0, min(self._result.steps - 1, int(step)))
        if step != self._step:
            self._step = step
            self.step_changed.emit(step)

    # ------------------------------------------------------------------ recompute
    def recompute(self) -> None:
        """The only call into the engine's full convolution; heavy scenes go to the scheduler.

        Every request gets a generation number; a result that arrives after a newer request was
        made is dropped, so the maps never go back to an older state.
        """
        self._generation += 1
        args: ComputeArgs = (self._input, self._kernels, self._bias, self._spec)
        if self._scheduler is None or work_of(self._input.shape, self._spec) < SYNC_WORK_LIMIT:
            with np.errstate(over="ignore", invalid="ignore"):
                result = engine.compute(*args)
            # The pre-activation's min/max, which the colour scale reads next anyway: a NaN or an
            # inf anywhere shows in them, so no separate pass over every value.
            if not np.isfinite(result.value_range(activated=False)).all():
                raise EditError("these weights make the maps overflow 32-bit numbers: use smaller values")
            self._deliver(self._generation, result)
        else:
            self._pending = True
            self._scheduler(self._generation, args, self._deliver)

    def _deliver(self, generation: int, result: ConvResult) -> None:
        if generation != self._generation:
            return  # superseded by a newer edit
        self._pending = False
        self._result = result
        self._step = max(0, min(self._step, result.steps - 1))
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
    def _check_fits(shape: tuple[int, ...], spec: ConvSpec) -> None:
        try:
            engine.output_shape(tuple(shape), spec)
        except ConvError as exc:
            raise EditError(str(exc)) from None
