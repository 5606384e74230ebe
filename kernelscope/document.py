"""The one observable state of a kernelscope session, and the only place that writes it.

Widgets ask for edits through the main window; the document validates them, applies them whole or
not at all, recomputes through the engine and announces ``<noun>_changed``. No Qt here: psygnal
signals, so the document is tested (and reused headless) without a QApplication.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

import numpy as np
from psygnal import Signal

from kernelscope import engine
from kernelscope.engine import ConvError, ConvResult, ConvSpec
from kernelscope.sessions import VALUE_MODES, Session, ViewState, default_session


class EditError(ValueError):
    """An edit the document refused; the message is for the person who made it."""


def _frozen(arr: np.ndarray) -> np.ndarray:
    out = np.array(arr, dtype=np.float32, copy=True, order="C")
    out.flags.writeable = False
    return out


class Document:
    """Input, kernels, bias, layer, view state and the step cursor, plus the current result."""

    input_changed = Signal()
    kernels_changed = Signal()
    spec_changed = Signal()
    view_changed = Signal()
    result_changed = Signal()
    step_changed = Signal(int)

    def __init__(self, session: Session | None = None) -> None:
        s = session if session is not None else default_session()
        self._apply(s)
        self.recompute()

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

    # ------------------------------------------------------------------ whole-session edits
    def load(self, session: Session) -> None:
        """Replace everything in one batch: one recompute, then every signal once."""
        self._apply(session)
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

    def set_input(self, image: np.ndarray) -> None:
        """Replace the input; refused (nothing changes) if the layer cannot run on it."""
        arr = np.asarray(image, dtype=np.float32)
        if arr.ndim == 2:
            arr = arr[:, :, None]
        if arr.ndim != 3 or arr.shape[2] != self._kernels.shape[2]:
            raise EditError(f"the input must have {self._kernels.shape[2]} channel(s)")
        if not np.isfinite(arr).all():
            raise EditError("the input holds a value that is not a finite number")
        self._check_fits(arr.shape, self._spec)
        self._input = _frozen(arr)
        self.recompute()
        self.input_changed.emit()

    # ------------------------------------------------------------------ kernel edits
    def set_weight(self, filter_index: int, row: int, col: int, value: float, channel: int = 0) -> None:
        value = self._checked_value(value, "a kernel weight")
        if self._kernels[row, col, channel, filter_index] == value:
            return
        new = np.array(self._kernels)
        new[row, col, channel, filter_index] = value
        self._set_kernels(new)

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

    # ------------------------------------------------------------------ layer edits
    def set_spec(self, spec: ConvSpec) -> None:
        """Change the layer; kernels are kept where they overlap; new weights start at zero."""
        self._check_fits(self._input.shape, spec)
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
        self.recompute()
        self.spec_changed.emit()
        self.kernels_changed.emit()

    # ------------------------------------------------------------------ view and cursor
    def select_filter(self, filter_index: int) -> None:
        if not 0 <= filter_index < self._spec.filters:
            raise EditError(f"there is no filter {filter_index + 1}")
        if filter_index != self._view.selected_filter:
            self._view = replace(self._view, selected_filter=filter_index)
            self.view_changed.emit()

    def set_step(self, step: int) -> None:
        """Move the window; never recomputes."""
        step = max(0, min(self._result.steps - 1, int(step)))
        if step != self._step:
            self._step = step
            self.step_changed.emit(step)

    # ------------------------------------------------------------------ recompute
    def recompute(self) -> None:
        """The only call into the engine's full convolution."""
        self._result = engine.compute(self._input, self._kernels, self._bias, self._spec)
        self._step = min(self._step, self._result.steps - 1)
        self.result_changed.emit()

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _checked_value(value: float, what: str) -> float:
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise EditError(f"{what} must be a number, not {value!r}") from None
        if not np.isfinite(v):
            raise EditError(f"{what} must be a finite number, not {value!r}")
        return v

    @staticmethod
    def _check_fits(shape: tuple[int, ...], spec: ConvSpec) -> None:
        try:
            engine.output_shape(tuple(shape), spec)
        except ConvError as exc:
            raise EditError(str(exc)) from None
