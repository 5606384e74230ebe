"""Stepping: playback, the keys that move the window, and one frame of it (the window on the input,
the cell framed on every map, the arithmetic). A step reads the stored result: it never recomputes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from kernelscope.core.arithmetic import StepText
from kernelscope.core.document import Document
from kernelscope.core.engine import ConvResult, ElementResult, LayerOutput, PoolResult
from kernelscope.core.layer_step_text import layer_step_text
from kernelscope.core.stack_ops import cell_at
from kernelscope.ui.pane_drawing import vector_grid
from kernelscope.ui.playback import MAX_SPEED, MIN_SPEED, Playback
from kernelscope.ui.widgets.feature_maps import FeatureMaps
from kernelscope.ui.widgets.pixel_grid import PixelGrid
from kernelscope.ui.widgets.step_panel import StepPanel
from kernelscope.ui.widgets.vector_bars import VectorBars

CHANNEL_NAMES = ["R", "G", "B"]


class Stepping(QObject):
    """Moves the document's step and draws the frame; the window calls ``draw`` when it is stale."""

    def __init__(
        self,
        document: Document,
        pixel_grid: PixelGrid,
        feature_maps: FeatureMaps,
        step_panel: StepPanel,
        kernel_channel: Callable[[int], int],
        actions: dict[str, QAction],
        vector_bars: VectorBars,
        on_cell: Callable[[int, tuple[int, ...]], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.vector_bars, self.on_cell = vector_bars, on_cell  # the stepped cell: its receptive field lit
        self.pixel_grid, self.feature_maps, self.step_panel = pixel_grid, feature_maps, step_panel
        self._kernel_channel = kernel_channel
        self._actions = actions
        self.columns_follow_kernel = False
        self._drawn_layer = 0  # projector mode writes the products as a kh x kw grid
        self.playback = Playback(self)
        self.playback.step_due.connect(lambda step: self.document.set_step(step))
        self.playback.finished.connect(lambda: self.step_panel.set_playing(False))
        step_panel.step_requested.connect(self.go_to)
        step_panel.play_toggled.connect(self.on_play_toggled)
        step_panel.speed_changed.connect(self.playback.set_speed)
        step_panel.reveal_toggled.connect(self.on_reveal_toggled)
        step_panel.kernel_overlay_toggled.connect(self.on_overlay_toggled)
        step_panel.every_product_toggled.connect(lambda _on: self.draw())

    # ------------------------------------------------------------------ moving
    def go_to(self, step: int) -> None:
        self.document.set_step(step)

    def step_by(self, delta: int) -> None:
        self.stop()
        self.document.set_step(self.document.step + delta)

    def last(self) -> None:
        self.go_to(self.document.steps - 1)

    def toggle_play(self) -> None:
        self.on_play_toggled(not self.playback.is_playing())

    def on_play_toggled(self, playing: bool) -> None:
        if playing:
            self.playback.play(self.document.step, max(1, self.document.steps))
        else:
            self.playback.stop()
        self.step_panel.set_playing(self.playback.is_playing())

    def stop(self) -> None:
        if self.playback.is_playing():
            self.playback.stop()
            self.step_panel.set_playing(False)

    def change_speed(self, factor: float) -> None:
        speed = min(MAX_SPEED, max(MIN_SPEED, self.step_panel.speed() * factor))
        self.step_panel.set_speed(speed)
        self.playback.set_speed(speed)

    # ------------------------------------------------------------------ what a frame shows
    def toggle_reveal(self) -> None:
        on = not self.step_panel.reveal()
        self.step_panel.set_reveal(on)
        self.on_reveal_toggled(on)

    def on_reveal_toggled(self, on: bool) -> None:
        self._actions["reveal"].setChecked(on)
        self.feature_maps.set_reveal(on)

    def toggle_overlay(self) -> None:
        on = not self.step_panel.kernel_overlay()
        self.step_panel.set_kernel_overlay(on)
        self.on_overlay_toggled(on)

    def on_overlay_toggled(self, on: bool) -> None:
        self._actions["overlay"].setChecked(on)
        self.draw()

    def draw(self) -> None:
        """One frame of stepping: the window, the cell frames and the arithmetic."""
        doc = self.document
        res = doc.selected_result
        if res is None:
            self._draw_nothing()
            return
        steps = max(1, doc.steps)
        step = min(doc.step, steps - 1)
        if self.step_panel.steps() != steps:
            self.step_panel.set_steps(steps)
        self.step_panel.set_step(step)
        cell = cell_at(res.output.shape, step, doc.view.selected_filter)
        if len(cell) == 3:
            self.feature_maps.set_current_map(cell[2])  # the map Enter shows large
        if doc.selected_layer != self._drawn_layer:  # another layer's marks do not belong on this input
            self._drawn_layer = doc.selected_layer
            self.pixel_grid.set_highlight(set())
        if isinstance(res, ConvResult):
            self._draw_conv(res, cell)
        else:
            self._draw_other(res, cell)
        self.on_cell(doc.selected_layer, cell)

    def _draw_nothing(self) -> None:
        """The selected layer is not computed: no window, and the step panel says why."""
        doc = self.document
        self.pixel_grid.set_window(None, None)
        self.pixel_grid.set_kernel_overlay(None)
        self.feature_maps.set_cell(None, None)
        self.step_panel.set_steps(1)  # nothing to move through until the layer is computed
        self.step_panel.set_step(0)
        problem = doc.problem
        why = "being computed" if problem is None else problem[1]
        self.step_panel.set_text(StepText(f"layer {doc.selected_layer + 1} is not computed", (), (why,)))

    def _names(self, channels: int) -> list[str] | None:
        return CHANNEL_NAMES if channels == 3 and self.document.selected_layer == 0 else None

    def _draw_conv(self, res: ConvResult, cell: tuple[int, ...]) -> None:
        row, col, f = cell
        rows, cols = res.tap_coordinates(row, col)
        if self.columns_follow_kernel:
            self.step_panel.set_columns(res.spec.kernel_size[1])
        self.pixel_grid.set_window(rows, cols)
        overlay = self.step_panel.kernel_overlay()
        kc = self._kernel_channel(res.kernels.shape[2])
        self.pixel_grid.set_kernel_overlay(res.kernels[:, :, kc, f] if overlay else None)
        self.feature_maps.set_cell(row, col)
        channels = res.input.shape[2]
        many = channels > 3
        self.step_panel.set_many_channels(many)
        collapse = many and not self.step_panel.every_product()
        text = layer_step_text(res, cell, self._names(channels), collapse_channels=collapse)
        self.step_panel.set_text(text)

    def _draw_other(self, res: LayerOutput, cell: tuple[int, ...]) -> None:
        doc = self.document
        self.step_panel.set_many_channels(False)
        self.pixel_grid.set_kernel_overlay(None)
        if self.columns_follow_kernel:
            self.step_panel.set_columns(1)
        rows = cols = None
        winner: set[tuple[int, int]] = set()
        if isinstance(res, PoolResult) and len(cell) == 3:
            rows, cols = res.window(cell[0], cell[1])
            trace = res.trace_cell(cell)
            if trace.winner is not None:  # max pooling: the cell that wins is marked on the input
                winner = {(int(trace.rows[trace.winner]), int(trace.cols[trace.winner]))}
        elif isinstance(res, ElementResult):
            source = res.layer.source(cell, res.input.shape)
            if source is not None and len(source) == 3:
                rows, cols = np.array([[source[0]]]), np.array([[source[1]]])
            elif source is not None and len(source) == 1:  # a vector, drawn wrapped into rows as the pane draws it
                per_row = vector_grid(res.input.size)[1]
                rows, cols = np.array([[source[0] // per_row]]), np.array([[source[0] % per_row]])
        self.pixel_grid.set_window(rows, cols)
        self.pixel_grid.set_highlight(winner)
        if len(cell) == 3:
            self.feature_maps.set_cell(cell[0], cell[1])
        else:
            self.vector_bars.set_current(cell[0])
        last = doc.selected_layer == len(doc.layers) - 1
        names = doc.class_names if last else ()
        channels = res.input.shape[-1] if res.input.ndim == 3 else 0
        self.step_panel.set_text(layer_step_text(res, cell, self._names(channels), class_names=names))
