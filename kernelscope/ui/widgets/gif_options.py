"""What a GIF of the stepping will hold, asked before its file name: the steps it runs over and its speed.

A GIF has at most a few thousand frames, one a step, so a big layer is exported a range at a time;
the dialog says so and refuses a range that is too long rather than failing after the file dialog.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)


@dataclass(frozen=True)
class GifRequest:
    """What the window would step, already checked: the texts shown and the numbers the range lives in.

    ``current`` is the 0-based step the window shows; ``fps_range`` and ``cap`` are the export's limits.
    """

    layer: str
    stepped: str
    steps: int
    current: int
    fps: float
    fps_range: tuple[float, float]
    cap: int


@dataclass(frozen=True)
class GifOptions:
    """The 0-based first and last steps (both included, as ``export_gif`` takes them) and the speed."""

    first: int
    last: int
    fps: float

    @property
    def frames(self) -> int:
        return self.last - self.first + 1


def default_range(steps: int, current: int, cap: int) -> tuple[int, int]:
    """Every step when they fit in ``cap`` frames, else ``cap`` steps around ``current`` (0-based, included)."""
    if steps <= cap:
        return 0, steps - 1
    first = min(max(current - cap // 2, 0), steps - cap)
    return first, first + cap - 1


def range_problem(first: int, last: int, cap: int) -> str:
    """Why ``first``..``last`` (counted from 1) cannot be a GIF, or "" when it can."""
    if first > last:
        return f"From is after To: choose a first step at most {last:,}."
    if last - first + 1 > cap:
        return f"At most {cap:,} frames: choose a range of at most {cap:,} steps."
    return ""


def duration(seconds: float) -> str:
    """``4.5 s`` or ``12 min 5 s``: how long a loop plays."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes:,} min {rest} s"


class GifOptionsDialog(QDialog):
    """From / To counted from 1 (as the command line's ``--from``/``--to``), frames per second, and
    the frame count that follows; OK is disabled while the range cannot be exported."""

    def __init__(self, request: GifRequest, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request = request
        self.setWindowTitle("Export the stepping as a GIF")
        first, last = default_range(request.steps, min(max(request.current, 0), request.steps - 1), request.cap)
        self.from_box = self._step_box("From step", "The first step in the GIF (its first frame)", first)
        self.to_box = self._step_box("To step", "The last step in the GIF (its last frame)", last)
        self.fps_box = QDoubleSpinBox()
        self.fps_box.setAccessibleName("Frames per second")
        self.fps_box.setToolTip("How fast the GIF plays: one frame a step (starts at the window's speed)")
        self.fps_box.setRange(*request.fps_range)
        self.fps_box.setDecimals(1)
        self.fps_box.setSingleStep(0.5)
        self.fps_box.setValue(request.fps)
        self.frames_label = QLabel()
        self.frames_label.setAccessibleName("Frames")
        self.problem_label = QLabel()
        self.problem_label.setAccessibleName("Why not")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Layer", QLabel(request.layer))
        form.addRow("Steps through", QLabel(request.stepped))
        at = min(max(request.current, 0), request.steps - 1) + 1
        form.addRow("Steps", QLabel(f"1 to {request.steps:,} (the window is at {at:,})"))
        form.addRow("From step", self.from_box)
        form.addRow("To step", self.to_box)
        form.addRow("Frames per second", self.fps_box)
        form.addRow("GIF", self.frames_label)
        form.addRow(self.problem_label)
        form.addRow(self.buttons)
        self._reserve_room_for_the_refusal()
        for box in (self.from_box, self.to_box):
            box.valueChanged.connect(self._update)
        self.fps_box.valueChanged.connect(self._update)
        self._update()

    def _step_box(self, name: str, tip: str, step: int) -> QSpinBox:
        box = QSpinBox()
        box.setAccessibleName(name)
        box.setToolTip(f"{tip}, counted from 1 as --from/--to on the command line")
        box.setRange(1, self.request.steps)
        box.setGroupSeparatorShown(True)
        box.setValue(step + 1)
        return box

    def _reserve_room_for_the_refusal(self) -> None:
        """The longest refusal fits from the start, so typing a range never resizes or clips the dialog."""
        bold = QFont(self.font())
        bold.setBold(True)
        longest = max(range_problem(2, 1, self.request.cap), range_problem(1, self.request.cap + 1, self.request.cap),
                      key=QFontMetrics(bold).horizontalAdvance)
        self.problem_label.setMinimumWidth(QFontMetrics(bold).horizontalAdvance(longest) + 4)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._reserve_room_for_the_refusal()

    def ok_button(self) -> QPushButton:
        return self.buttons.button(QDialogButtonBox.StandardButton.Ok)

    def options(self) -> GifOptions:
        """The range as 0-based steps and the speed, as chosen."""
        return GifOptions(self.from_box.value() - 1, self.to_box.value() - 1, self.fps_box.value())

    def _update(self) -> None:
        first, last = self.from_box.value(), self.to_box.value()
        problem = range_problem(first, last, self.request.cap)
        frames = last - first + 1
        if first <= last:
            noun = "frame" if frames == 1 else "frames"
            self.frames_label.setText(f"{frames:,} {noun}, {duration(frames / self.fps_box.value())} a loop")
        else:
            self.frames_label.setText("no frames")
        self.problem_label.setText(problem or f"A GIF has one frame a step, at most {self.request.cap:,}.")
        weight = QFont()  # only the weight: size and family still follow the dialog's font
        weight.setBold(bool(problem))
        self.problem_label.setFont(weight)
        self.ok_button().setEnabled(not problem)
