"""What the controllers ask of the window, in one place: the Qt-free edit controller reads the brush
and the channels and reports refusals; the file controller needs a dialog parent, pictures for PNG
export and the GIF's speed. Neither controller knows the window."""

from __future__ import annotations

from typing import Literal

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QMainWindow, QWidget

from kernelscope.core.document import Document
from kernelscope.ui.widgets.channel_picker import InputChannelPicker, KernelChannelTabs
from kernelscope.ui.widgets.feature_maps import FeatureMaps
from kernelscope.ui.widgets.input_tools import InputTools
from kernelscope.ui.widgets.kernel_actions import KernelActions
from kernelscope.ui.widgets.line_paste import LinePaste
from kernelscope.ui.widgets.status_strip import StatusStrip
from kernelscope.ui.widgets.step_panel import StepPanel


class WindowPorts:
    """Implements ``core.controller.ControllerView`` and ``ui.file_controller.FileHost``."""

    def __init__(
        self, window: QMainWindow, document: Document, input_tools: InputTools, channel_picker: InputChannelPicker,
        kernel_channel: KernelChannelTabs, kernel_actions: KernelActions, line_paste: LinePaste, strip: StatusStrip,
        feature_maps: FeatureMaps, step_panel: StepPanel,
    ) -> None:
        self.window, self.document = window, document
        self._input_tools, self._channel_picker, self._kernel_channel = input_tools, channel_picker, kernel_channel
        self._kernel_actions, self._line_paste = kernel_actions, line_paste
        self._strip, self._feature_maps, self._step_panel = strip, feature_maps, step_panel

    def brush(self) -> float:
        return self._input_tools.brush()

    def input_channel(self) -> int | None:
        return self._channel_picker.channel(self.document.input.shape[2])

    def kernel_channel_index(self) -> int:
        if self.document.selected_class != "Conv2D":
            return 0
        return self._kernel_channel.channel(self.document.kernels.shape[2])

    def seed(self) -> int:
        return self._kernel_actions.seed_value()

    def show_paste_result(self, text: str, ok: bool) -> None:
        self._line_paste.show_result(text, ok=ok)

    def report(self, text: str) -> None:
        self._strip.show_message(text)

    def status(self, text: str, ms: int) -> None:
        self.window.statusBar().showMessage(text, ms)

    def dialog_parent(self) -> QWidget:
        return self.window

    def picture(self, part: Literal["window", "maps"]) -> QImage:
        return self.window.grab().toImage() if part == "window" else self._feature_maps.picture()

    def gif_speed(self) -> float:
        return self._step_panel.speed()
