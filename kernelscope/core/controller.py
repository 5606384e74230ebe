"""What a person's intents do to the document: the window's widgets ask, this carries it out.

Qt-free, so its wiring is tested with a fake view. Every edit is whole or not at all: a refusal is
reported to the view in plain words and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import ExitStack
from typing import Any, Literal, Protocol

import numpy as np

from kernelscope.core import kernel_tools, paint_tools
from kernelscope.core.document import Document, EditError
from kernelscope.core.engine import ConvError, ConvSpec
from kernelscope.core.intents import InputAction, KernelTransform
from kernelscope.core.paint_tools import VALUE_MODES
from kernelscope.core.pasted_layer import PhotoLoader, paste_line

TRANSFORMS: dict[KernelTransform, Callable[[np.ndarray], np.ndarray]] = {
    KernelTransform.ROTATE: kernel_tools.rotate90,
    KernelTransform.FLIP_H: kernel_tools.flip_horizontal,
    KernelTransform.FLIP_V: kernel_tools.flip_vertical,
    KernelTransform.NEGATE: kernel_tools.negate,
    KernelTransform.NORMALIZE: kernel_tools.normalize,
}

STROKE_LABELS = {"pen": "paint stroke", "line": "draw a line", "rect": "draw a rectangle", "fill": "fill"}


class ControllerView(Protocol):
    """What the controller needs from the window: the settings it reads and where it reports."""

    def brush(self) -> float:
        """The value the left button paints."""

    def input_channel(self) -> int | None:
        """The RGB channel shown and painted, or None for all of them."""

    def kernel_channel_index(self) -> int:
        """The input channel whose kernel the grid edits."""

    def seed(self) -> int:
        """The seed "randomize like Keras" uses next (a pasted line's new kernels too)."""

    def show_paste_result(self, text: str, ok: bool) -> None:
        """What a pasted line set and ignored, or why it was refused (the text stays for fixing)."""

    def report(self, text: str) -> None:
        """The message line under the panes; an empty text clears it."""

    def status(self, text: str, ms: int) -> None:
        """A passing note in the status bar."""


class Controller:
    """Turns intents into Document edits; owns nothing but the open paint stroke."""

    def __init__(self, document: Document, view: ControllerView, load_photo: PhotoLoader) -> None:
        self.document = document
        self.view = view
        self._load_photo = load_photo  # the bundled photo, for a line whose input_shape asks for a new input
        self._stroke = ExitStack()
        self._stroke_open = False

    def edit(self, change: Callable[[], object]) -> bool:
        """Run one document edit; a refusal is shown where the user is looking and changes nothing."""
        try:
            change()
        except EditError as exc:
            self.view.report(str(exc))
            return False
        self.view.report("")
        return True

    # ------------------------------------------------------------------ the input
    def background(self) -> float:
        """The paper under the brush: the end of the value range farther from the brush's value."""
        lo, hi = self.document.value_range
        brush = self.view.brush()
        return hi if abs(brush - lo) <= abs(brush - hi) else lo

    def paint(self, cells: Iterable[tuple[int, int]], background: bool) -> None:
        value = self.background() if background else self.view.brush()
        channel = self.view.input_channel()
        self.edit(lambda: self.document.paint_cells(cells, value, channel))

    def fill(self, row: int, col: int, background: bool) -> None:
        self.paint(paint_tools.flood_fill_cells(self.document.input, row, col), background)

    def input_action(self, action: InputAction) -> None:
        doc = self.document
        lo, hi = doc.value_range
        if action is InputAction.CLEAR:
            image = paint_tools.clear(doc.input, self.background())
        elif action is InputAction.INVERT:
            image = paint_tools.invert(doc.input, lo, hi)
        else:
            image = paint_tools.mode_noise(doc.input, doc.view.value_mode, 0.1, seed=None)
        self.edit(lambda: doc.set_input(image))

    def shift(self, rows: int, cols: int) -> None:
        image = paint_tools.shift(self.document.input, rows, cols, self.background())
        self.edit(lambda: self.document.set_input(image))

    def resize(self, rows: int, cols: int, mode: Literal["crop-or-pad", "scale"]) -> None:
        try:
            image = paint_tools.resize(self.document.input, rows, cols, mode, self.background())
        except ValueError as exc:
            self.view.report(str(exc))
            return
        self.edit(lambda: self.document.set_input(image))

    def change_value_mode(self, mode: str) -> None:
        doc = self.document
        image = paint_tools.convert_mode(doc.input, doc.value_range, VALUE_MODES[mode])
        self.edit(lambda: doc.set_value_mode(mode, image))

    def stroke_started(self, tool: str) -> None:
        """A press starts one undo step that lasts until the release (a stroke is one undo)."""
        self.stroke_finished()
        self._stroke.enter_context(self.document.undo_group(STROKE_LABELS[tool]))
        self._stroke_open = True

    def stroke_finished(self) -> None:
        if self._stroke_open:
            self._stroke_open = False
            self._stroke.close()

    # ------------------------------------------------------------------ the layer and its kernels
    def edit_layer(self, spec: ConvSpec) -> str:
        """Apply an edited layer; returns the refusal ("" when applied) for the layer controls."""
        try:
            self.document.set_spec(spec)
        except EditError as exc:
            return str(exc)
        return ""

    def edit_weight(self, row: int, col: int, value: float) -> None:
        doc = self.document
        f, channel = doc.view.selected_filter, self.view.kernel_channel_index()
        self.edit(lambda: doc.set_weight(f, row, col, value, channel))

    def edit_bias(self, value: float) -> None:
        doc = self.document
        self.edit(lambda: doc.set_bias(doc.view.selected_filter, value))

    def transform(self, transform: KernelTransform) -> None:
        doc = self.document
        self.edit(lambda: doc.transform_filter(doc.view.selected_filter, TRANSFORMS[transform]))

    def _conv_selected(self) -> bool:
        """Kernel intents need a Conv2D selected; otherwise say so (the panels that ask are hidden then)."""
        if self.document.selected_class == "Conv2D":
            return True
        self.view.report(f"layer {self.document.selected_layer + 1} is a {self.document.selected_class}: "
                         "select a Conv2D to edit kernels")
        return False

    def preset(self, name: str) -> None:
        doc = self.document
        if not self._conv_selected():
            return
        kh, kw = doc.spec.kernel_size
        try:
            kernel = kernel_tools.preset_kernel(name, kh, kw)
        except ConvError as exc:
            self.view.report(str(exc))
            return
        self.edit(lambda: doc.apply_preset(doc.view.selected_filter, kernel))

    def randomize(self, seed: int) -> None:
        doc = self.document
        if not self._conv_selected():
            return
        kh, kw, c, f = doc.kernels.shape
        kernels = kernel_tools.randomize_like_keras(kh, kw, c, f, seed)
        if self.edit(lambda: doc.randomize(kernels)):
            limit = kernel_tools.glorot_limit(kh, kw, c, f)
            self.view.status(f"glorot_uniform, seed {seed}: weights in ±{limit:.3f}", 8000)

    def select_filter(self, index: int) -> None:
        self.edit(lambda: self.document.select_filter(index))

    def add_filter(self) -> None:
        self.edit(self.document.add_filter)

    def duplicate_filter(self, index: int) -> None:
        self.edit(lambda: self.document.duplicate_filter(index))

    def remove_filter(self, index: int) -> None:
        self.edit(lambda: self.document.remove_filter(index))

    def set_view(self, **changes: Any) -> None:
        self.edit(lambda: self.document.set_view(**changes))

    def paste_line(self, text: str, seed: int | None = None) -> bool:
        """Configure the layer from a pasted Conv2D line; on refusal the message names the argument."""
        seed = self.view.seed() if seed is None else seed
        try:
            with self.document.undo_group("paste a layer"):
                summary = paste_line(self.document, text, seed, self._load_photo)
                self.document.set_lesson("", "")  # a lesson's words were about its own layer
        except ValueError as exc:  # LineError, EditError and the loader's ImageError alike
            self.view.show_paste_result(str(exc), ok=False)
            return False
        self.view.show_paste_result(summary, ok=True)
        self.view.report("")
        return True

    # ------------------------------------------------------------------ the stack
    def select_layer(self, index: int) -> None:
        self.edit(lambda: self.document.select_layer(index))

    def add_layer(self, class_name: str, at: int) -> None:
        """A layer of ``class_name`` at ``at``, with Keras's defaults and "randomize like Keras" weights."""
        seed = self.view.seed()
        self.edit(lambda: self.document.add_layer(class_name, at, seed=seed))

    def remove_layer(self, index: int) -> None:
        self.edit(lambda: self.document.remove_layer(index))

    def move_layer(self, index: int, delta: int) -> None:
        self.edit(lambda: self.document.move_layer(index, delta))

    def duplicate_layer(self, index: int) -> None:
        self.edit(lambda: self.document.duplicate_layer(index))

    def fit_layer(self, index: int) -> None:
        self.edit(lambda: self.document.fit_layer(index))

    def edit_layer_config(self, config: dict[str, Any]) -> str:
        """New settings for the selected layer (not a Conv2D); returns the refusal ("" when applied)."""
        try:
            self.document.set_layer_config(self.document.selected_layer, config)
        except EditError as exc:
            return str(exc)
        return ""

    def edit_layer_weight(self, array: int, cell: tuple[int, ...], value: float) -> None:
        doc = self.document
        self.edit(lambda: doc.set_layer_weight(doc.selected_layer, array, cell, value))

    def rename_classes(self, names: list[str]) -> None:
        self.edit(lambda: self.document.set_class_names(names))

    # ------------------------------------------------------------------ the maps
    def go_to_cell(self, filter_index: int, row: int, col: int) -> None:
        """A click on a map cell: that filter (channel), and the step that computes that cell."""
        doc = self.document
        self.edit(lambda: doc.select_filter(filter_index))
        result = doc.selected_result
        if result is not None and result.output.ndim == 3:
            doc.set_step(row * result.output.shape[1] + col)

    def go_to_unit(self, unit: int) -> None:
        """A click on a vector's value (a Dense unit): the step that computes it."""
        self.document.set_step(unit)
