"""Playback of the steps on a main-thread timer that derives the step from elapsed time.

Deriving (rather than counting ticks) keeps the pace right when a frame is slow: a late tick
jumps to where the clock says, it never queues up. No thread: a step only moves overlays.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal

MIN_SPEED, MAX_SPEED = 0.5, 20.0


class Playback(QObject):
    step_due = Signal(int)  # the step the clock says we should be showing
    finished = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(15)
        self._timer.timeout.connect(self._on_tick)
        self._clock = QElapsedTimer()
        self._start_step = 0
        self._last = 0
        self._steps = 1
        self._speed = 2.0

    def is_playing(self) -> bool:
        return self._timer.isActive()

    def speed(self) -> float:
        return self._speed

    def set_speed(self, steps_per_second: float) -> None:
        """Change the pace mid-play without a jump: restart the clock from the current step."""
        if not MIN_SPEED <= steps_per_second <= MAX_SPEED:
            raise ValueError(f"speed must be from {MIN_SPEED} to {MAX_SPEED} steps per second")
        self._speed = float(steps_per_second)
        if self.is_playing():
            self._restart(self._last)

    def play(self, from_step: int, steps: int) -> None:
        """Play from ``from_step`` (from 0 if it is the last step) to the last step."""
        self._steps = max(1, steps)
        start = 0 if from_step >= self._steps - 1 else from_step
        self._restart(start)
        if start != from_step:
            self.step_due.emit(start)
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _restart(self, step: int) -> None:
        self._start_step = step
        self._last = step
        self._clock.start()

    def _on_tick(self) -> None:
        elapsed_s = self._clock.elapsed() / 1000.0
        target = min(self._steps - 1, self._start_step + int(elapsed_s * self._speed))
        if target != self._last:
            self._last = target
            self.step_due.emit(target)
        if target >= self._steps - 1:
            self._timer.stop()
            self.finished.emit()
