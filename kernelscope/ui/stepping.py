"""Stepping: playback, the keys that move the window, and one frame of it (the window on the input,
the cell framed on every map, the arithmetic). A step reads the stored result: it never recomputes."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction

from kernelscope.core.arithmetic import step_text
from kernelscope.core.document import Document
from kernelscope.ui.playback import MAX_SPEED, MIN_SPEED, Playback
from kernelscope.ui.widgets.feature_maps import FeatureMaps
from kernelscope.ui.widgets.pixel_grid import PixelGrid
from kernelscope.ui.widgets.step_panel import StepPanel

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
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.pixel_grid, self.feature_maps, self.step_panel = pixel_grid, feature_maps, step_panel
        self._kernel_channel = kernel_channel
        self._actions = actions
        self.columns_follow_kernel = False  # projector mode writes the products as a kh x kw grid
        self.playback = Playback(self)
        self.playback.step_due.connect(lambda step: self.document.set_step(step))
        self.playback.finished.connect(lambda: self.step_panel.set_playing(False))
        step_panel.step_requested.connect(self.go_to)
        step_panel.play_toggled.connect(self.on_play_toggled)
        step_panel.speed_changed.connect(self.playback.set_speed)
        step_panel.reveal_toggled.connect(self.on_reveal_toggled)
        step_panel.kernel_overlay_toggled.connect(self.on_overlay_toggled)

    # ------------------------------------------------------------------ moving
    def go_to(self, step: int) -> None:
        self.document.set_step(step)

    def step_by(self, delta: int) -> None:
        self.stop()
        self.document.set_step(self.document.step + delta)

    def last(self) -> None:
        self.go_to(self.document.result.steps - 1)

    def toggle_play(self) -> None:
        self.on_play_toggled(not self.playback.is_playing())

    def on_play_toggled(self, playing: bool) -> None:
        if playing:
            self.playback.play(self.document.step, self.document.result.steps)
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
        res = doc.result
        step = min(doc.step, res.steps - 1)
        if self.step_panel.steps() != res.steps:
            self.step_panel.set_steps(res.steps)
        row, col = res.step_position(step)
        rows, cols = res.tap_coordinates(row, col)
        f = min(doc.view.selected_filter, res.out_shape[2] - 1)
        if self.columns_follow_kernel:
            self.step_panel.set_columns(res.spec.kernel_size[1])
        self.pixel_grid.set_window(rows, cols)
        overlay = self.step_panel.kernel_overlay()
        kc = self._kernel_channel(res.kernels.shape[2])
        self.pixel_grid.set_kernel_overlay(res.kernels[:, :, kc, f] if overlay else None)
        self.feature_maps.set_cell(row, col)
        self.step_panel.set_step(step)
        names = CHANNEL_NAMES if res.input.shape[2] == 3 else None
        self.step_panel.set_text(step_text(res.trace(f, row, col), names, use_bias=res.spec.use_bias))
