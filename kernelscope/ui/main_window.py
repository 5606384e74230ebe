"""The window: panes, menus and the one table that wires the Document to the widgets. No math here."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QFont, QHideEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFrame,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QTabBar,
    QVBoxLayout,
    QWidget,
)

from kernelscope.core import kernel_tools, paint_tools
from kernelscope.core.arithmetic import step_text
from kernelscope.core.colour_scale import COLORMAPS
from kernelscope.core.document import Document, EditError
from kernelscope.core.engine import ConvError, count_params
from kernelscope.core.keras_syntax import LineError, conv2d_line, size_formula
from kernelscope.files.images import SUPPORTED_SUFFIXES, ImageError
from kernelscope.files.lessons import Lesson, list_lessons, load_lesson
from kernelscope.files.recovery import Recovery, discard_recovery
from kernelscope.files.sessions import SUFFIX, VALUE_MODES, SessionError
from kernelscope.ui import theme
from kernelscope.ui.autosave import Autosaver
from kernelscope.ui.compute_worker import ComputeWorker
from kernelscope.ui.file_controller import FileController
from kernelscope.ui.playback import Playback
from kernelscope.ui.settings import Settings
from kernelscope.ui.widgets.conv_controls import ConvControls
from kernelscope.ui.widgets.feature_maps import FeatureMaps
from kernelscope.ui.widgets.filter_list import FilterList
from kernelscope.ui.widgets.input_tools import InputTools
from kernelscope.ui.widgets.kernel_actions import KernelActions
from kernelscope.ui.widgets.kernel_grid import KernelGrid
from kernelscope.ui.widgets.line_paste import LinePaste
from kernelscope.ui.widgets.map_options import MapOptions
from kernelscope.ui.widgets.pixel_grid import PixelGrid
from kernelscope.ui.widgets.step_panel import StepPanel

TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "rotate": kernel_tools.rotate90,
    "flip_h": kernel_tools.flip_horizontal,
    "flip_v": kernel_tools.flip_vertical,
    "negate": kernel_tools.negate,
    "normalize": kernel_tools.normalize,
}


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    # "Feature maps  148x148x32" in projector type is wider than a pane of a 1024-wide screen:
    # it may break onto two lines rather than push the window past the screen's edge.
    label.setWordWrap(True)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.2)
    font.setBold(True)
    label.setFont(font)
    return label


def _column(*parts: tuple[QWidget, int]) -> QWidget:
    box = QFrame()
    box.setFrameShape(QFrame.Shape.StyledPanel)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(8, 6, 8, 6)
    for widget, stretch in parts:
        layout.addWidget(widget, stretch)
    return box


class MainWindow(QMainWindow):
    """Input | layer and kernels | feature maps side by side; the Keras line and messages below."""

    def __init__(
        self, document: Document | None = None, threaded: bool = True, settings: Settings | None = None
    ) -> None:
        super().__init__()
        self.document = document if document is not None else Document()
        self.worker: ComputeWorker | None = ComputeWorker(self) if threaded else None
        self.document.set_scheduler(self.worker)
        self.settings = settings if settings is not None else Settings()
        self.files = FileController(self, self.settings)
        self.autosaver: Autosaver | None = None  # only the interactive app autosaves (app.run)
        self.playback = Playback(self)
        self.setAcceptDrops(True)
        self._build_widgets()
        self._build_layout()
        self._build_menus()
        self._wire()
        self._refresh_all()
        self._refresh_title()
        self.resize(1280, 800)

    # ------------------------------------------------------------------ construction
    def _build_widgets(self) -> None:
        self.input_tools = InputTools()
        self.pixel_grid = PixelGrid()
        self.conv_controls = ConvControls()
        self.filter_list = FilterList()
        self.kernel_grid = KernelGrid()
        presets = [(p.name, p.description) for p in kernel_tools.PRESETS.values()]
        self.kernel_actions = KernelActions(presets)
        self.kernel_actions.set_seed(kernel_tools.new_seed())
        self.map_options = MapOptions()
        self.feature_maps = FeatureMaps()
        self.step_panel = StepPanel()
        self.channel_picker = QComboBox()
        for text in ("colour (all channels)", "R only", "G only", "B only"):
            self.channel_picker.addItem(text)
        self.channel_picker.setAccessibleName("Input channel")
        self.channel_picker.setToolTip("Show and paint one channel of an RGB input, or all of them")
        self.kernel_channel = QTabBar()
        for name in ("R", "G", "B"):
            self.kernel_channel.addTab(f"channel {name}")
        self.kernel_channel.setAccessibleName("Kernel channel")
        self.kernel_channel.setToolTip("Each filter has one kh x kw kernel per input channel: pick which to edit")
        self.line_paste = LinePaste()
        self.lesson_label = QLabel()
        self.lesson_label.setWordWrap(True)
        self.lesson_label.setAccessibleName("What to notice")
        self.input_heading = _heading("Input")
        self.layer_heading = _heading("Layer")
        self.kernel_heading = _heading("Kernel")
        self.maps_heading = _heading("Feature maps")
        self.keras_line = QLabel()
        self.shape_label = QLabel()
        self.message = QLabel()
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        self.keras_line.setFont(mono)
        self.keras_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.keras_line.setToolTip("The Keras code that builds this layer (select to copy)")
        self.shape_label.setFont(mono)
        self.shape_label.setWordWrap(True)
        self.message.setWordWrap(True)
        palette = self.message.palette()
        palette.setColor(self.message.foregroundRole(), Qt.GlobalColor.darkRed)
        self.message.setPalette(palette)
        bold = self.message.font()
        bold.setBold(True)
        self.message.setFont(bold)

    def _build_layout(self) -> None:
        input_col = _column(
            (self.input_heading, 0), (self.input_tools, 0), (self.channel_picker, 0), (self.pixel_grid, 1)
        )
        middle = QWidget()
        ml = QVBoxLayout(middle)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.layer_heading)
        ml.addWidget(self.conv_controls)
        ml.addWidget(self.kernel_heading)
        ml.addWidget(self.filter_list)
        ml.addWidget(self.kernel_channel)
        ml.addWidget(self.kernel_grid, 1)
        ml.addWidget(self.kernel_actions)
        self.filter_list.setMaximumHeight(130)
        self.kernel_grid.setMinimumHeight(150)
        scroll = QScrollArea()
        scroll.setWidget(middle)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        middle.setMinimumWidth(middle.sizeHint().width())
        scroll.setMinimumWidth(middle.minimumWidth() + 12)
        middle_col = _column((scroll, 1))
        maps_col = _column(
            (self.maps_heading, 0), (self.map_options, 0), (self.feature_maps, 1), (self.step_panel, 0)
        )

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        for i, (col, stretch) in enumerate(((input_col, 3), (middle_col, 2), (maps_col, 4))):
            self.splitter.addWidget(col)
            self.splitter.setStretchFactor(i, stretch)
        self.splitter.setChildrenCollapsible(False)

        strip = QWidget()
        sl = QVBoxLayout(strip)
        sl.setContentsMargins(8, 2, 8, 2)
        sl.setSpacing(2)
        sl.addWidget(self.lesson_label)
        sl.addWidget(self.keras_line)
        sl.addWidget(self.line_paste)
        sl.addWidget(self.shape_label)
        sl.addWidget(self.message)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(strip)
        self.setCentralWidget(central)
        self._central_layout = layout
        self._maps_layout = maps_col.layout()
        self._strip = strip

    def _action(self, menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:  # type: ignore[no-untyped-def]
        """A menu action that also works from the keyboard anywhere in the window."""
        action = QAction(text, self)
        if shortcut is not None:
            keys = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(k) for k in keys])
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(lambda _=False: slot())
        menu.addAction(action)
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        f = bar.addMenu("&File")
        self.actions_by_name: dict[str, QAction] = {}
        a = self.actions_by_name
        a["new"] = self._action(
            f, "&New", self.files.new, QKeySequence.StandardKey.New, "Start again from the article's X"
        )
        a["open"] = self._action(f, "&Open...", self.files.open, QKeySequence.StandardKey.Open)
        self.recent_menu = f.addMenu("Open &Recent")
        f.addSeparator()
        a["save"] = self._action(f, "&Save", self.files.save, QKeySequence.StandardKey.Save)
        a["save_as"] = self._action(f, "Save &As...", self.files.save_as, QKeySequence.StandardKey.SaveAs)
        f.addSeparator()
        a["open_image"] = self._action(f, "Open &Image...", self.files.open_image, "Ctrl+I",
                                       "Open a PNG, JPEG, BMP or GIF picture as the input")
        self.export_menu = f.addMenu("&Export")
        x = self.export_menu
        a["export_png"] = self._action(x, "&Window as PNG...", self.files.export_window_png, "Ctrl+E")
        a["export_maps_png"] = self._action(x, "Feature &maps as PNG...", self.files.export_maps_png)
        a["export_gif"] = self._action(x, "Stepping as animated &GIF...", self.files.export_gif, "Ctrl+G")
        a["export_npy"] = self._action(x, "Feature maps as .&npy...", self.files.export_npy)
        a["export_keras"] = self._action(x, "&Keras code...", self.files.export_keras, "Ctrl+K",
                                         "A Python script that rebuilds this layer with these exact weights")
        f.addSeparator()
        a["quit"] = self._action(f, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        e = bar.addMenu("&Edit")
        a["undo"] = self._action(e, "&Undo", self._undo, QKeySequence.StandardKey.Undo)
        a["redo"] = self._action(e, "&Redo", self._redo, [QKeySequence.StandardKey.Redo, "Ctrl+Shift+Z"])
        e.addSeparator()
        a["paste_line"] = self._action(e, "Paste a Conv2D &line", self._focus_line_paste, "Ctrl+L")

        v = bar.addMenu("&View")
        a["reveal"] = self._action(v, "&Reveal maps step by step", self._toggle_reveal, "R",
                                   "The maps fill in cell by cell as the window moves")
        a["reveal"].setCheckable(True)
        a["overlay"] = self._action(v, "&Kernel on the input", self._toggle_overlay, "K",
                                    "Write the kernel's weights on the window")
        a["overlay"].setCheckable(True)
        a["full_screen"] = self._action(
            v, "&Full screen", self._toggle_full_screen, [QKeySequence.StandardKey.FullScreen, "F11"]
        )
        a["full_screen"].setCheckable(True)
        a["projector"] = self._action(v, "&Projector mode", self.toggle_projector, "F5",
                                      "Full screen, large type, high contrast, advanced controls hidden")
        a["projector"].setCheckable(True)
        a["bigger"] = self._action(v, "&Bigger (projector)", lambda: self._change_scale(0.25), "Ctrl+=")
        a["smaller"] = self._action(v, "S&maller (projector)", lambda: self._change_scale(-0.25), "Ctrl+-")
        v.addSeparator()
        theme_menu = v.addMenu("&Theme")
        a["theme_light"] = self._action(theme_menu, "&Light", lambda: self.set_theme("light"))
        a["theme_dark"] = self._action(theme_menu, "&Dark", lambda: self.set_theme("dark"))
        for key in ("theme_light", "theme_dark"):
            a[key].setCheckable(True)
        cmap_menu = v.addMenu("&Colour map")
        self.colormap_actions: dict[str, QAction] = {}
        for name, cmap in COLORMAPS.items():
            act = self._action(cmap_menu, cmap.label, lambda n=name: self._choose_colormap(n))
            act.setCheckable(True)
            self.colormap_actions[name] = act

        s = bar.addMenu("&Step")
        a["play"] = self._action(s, "&Play / pause", self._toggle_play, "Space")
        a["back"] = self._action(s, "&Back one step", lambda: self._step_by(-1), "Left")
        a["forward"] = self._action(s, "&Forward one step", lambda: self._step_by(1), "Right")
        a["first"] = self._action(s, "F&irst step", lambda: self._go_to_step(0), "Home")
        a["last"] = self._action(s, "&Last step", lambda: self._go_to_step(self.document.result.steps - 1), "End")
        a["faster"] = self._action(s, "Fa&ster", lambda: self._change_speed(1.5), ["+", "="])
        a["slower"] = self._action(s, "S&lower", lambda: self._change_speed(1 / 1.5), "-")

        self.lessons_menu = bar.addMenu("&Lessons")
        self._build_lessons_menu()

        h = bar.addMenu("&Help")
        a["shortcuts"] = self._action(h, "&Keyboard shortcuts", self.show_shortcuts, "F1")
        a["about"] = self._action(h, "&About kernelscope", self._about)
        self._refresh_recent()

    def _choose_colormap(self, name: str) -> None:
        self._edit(lambda: self.document.set_view(colormap=name))
        self.settings.set_colormap(name)

    def _build_lessons_menu(self) -> None:
        try:
            lessons = list_lessons()
        except (OSError, SessionError) as exc:
            self.lessons_menu.addAction(f"lessons unavailable: {exc}").setEnabled(False)
            return
        for i, lesson in enumerate(lessons):
            action = self.lessons_menu.addAction(f"&{i + 1}  {lesson.title}")
            action.setToolTip(lesson.notes)
            action.setStatusTip(lesson.notes)
            action.triggered.connect(lambda _=False, les=lesson: self.open_lesson(les))
        self.lessons_menu.setToolTipsVisible(True)

    def open_lesson(self, lesson: Lesson) -> bool:
        try:
            session = load_lesson(lesson)
        except SessionError as exc:
            self.show_message(str(exc))
            return False
        return self.files.open_session(session, f"lesson: {lesson.title}")

    def shortcut_table(self) -> list[tuple[str, str]]:
        """(keys, what they do) for every action that has a key, in menu order."""
        rows = []
        for action in self.actions_by_name.values():
            keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
            if keys:
                rows.append((keys, action.text().replace("&", "")))
        return rows

    def show_shortcuts(self) -> None:
        from kernelscope.ui.shortcuts_dialog import ShortcutsDialog

        dialog = ShortcutsDialog(self.shortcut_table(), self)
        dialog.open()

    def _about(self) -> None:
        from kernelscope import __version__

        QMessageBox.about(
            self, "About kernelscope",
            f"kernelscope {__version__}: make keras.layers.Conv2D visible.\n"
            "Every number is computed exactly as Keras Conv2D computes it (channels_last).",
        )

    # ------------------------------------------------------------------ wiring table
    def _wire(self) -> None:
        doc = self.document
        # widget intent -> MainWindow slot -> document
        self.pixel_grid.cells_painted.connect(self._on_pixel_grid_cells_painted)
        self.input_tools.tool_changed.connect(self.pixel_grid.set_tool)
        self.pixel_grid.fill_requested.connect(self._on_pixel_grid_fill_requested)
        self.input_tools.action_requested.connect(self._on_input_tools_action_requested)
        self.input_tools.shift_requested.connect(self._on_input_tools_shift_requested)
        self.input_tools.resize_requested.connect(self._on_input_tools_resize_requested)
        self.input_tools.value_mode_changed.connect(self._on_input_tools_value_mode_changed)
        self.input_tools.brush_changed.connect(lambda _v: None)  # read when painting
        self.conv_controls.spec_edited.connect(self._on_conv_controls_spec_edited)
        self.filter_list.filter_selected.connect(lambda f: self._edit(lambda: doc.select_filter(f)))
        self.filter_list.add_requested.connect(lambda: self._edit(doc.add_filter))
        self.filter_list.duplicate_requested.connect(lambda f: self._edit(lambda: doc.duplicate_filter(f)))
        self.filter_list.remove_requested.connect(lambda f: self._edit(lambda: doc.remove_filter(f)))
        self.kernel_grid.weight_edited.connect(self._on_kernel_grid_weight_edited)
        self.kernel_grid.entry_refused.connect(self.show_message)
        self.kernel_grid.weight_hovered.connect(self._on_kernel_grid_weight_hovered)
        self.kernel_actions.bias_edited.connect(
            lambda v: self._edit(lambda: doc.set_bias(doc.view.selected_filter, v))
        )
        self.kernel_actions.transform_requested.connect(self._on_kernel_actions_transform_requested)
        self.kernel_actions.preset_requested.connect(self._on_kernel_actions_preset_requested)
        self.kernel_actions.randomize_requested.connect(self._on_kernel_actions_randomize_requested)
        self.map_options.colormap_chosen.connect(lambda n: self._edit(lambda: doc.set_view(colormap=n)))
        self.map_options.shared_scale_toggled.connect(lambda b: self._edit(lambda: doc.set_view(shared_scale=b)))
        self.map_options.show_activation_toggled.connect(
            lambda b: self._edit(lambda: doc.set_view(show_activation=b))
        )
        self.feature_maps.cell_clicked.connect(self._on_feature_maps_cell_clicked)
        self.pixel_grid.stroke_started.connect(self._on_pixel_grid_stroke_started)
        self.pixel_grid.stroke_finished.connect(self._on_pixel_grid_stroke_finished)
        self.step_panel.step_requested.connect(self._go_to_step)
        self.step_panel.play_toggled.connect(self._on_step_panel_play_toggled)
        self.step_panel.speed_changed.connect(self._on_step_panel_speed_changed)
        self.step_panel.reveal_toggled.connect(self._on_step_panel_reveal_toggled)
        self.step_panel.kernel_overlay_toggled.connect(self._on_step_panel_kernel_overlay_toggled)
        self.playback.step_due.connect(self.document.set_step)
        self.playback.finished.connect(lambda: self.step_panel.set_playing(False))
        self.line_paste.line_submitted.connect(self._on_line_paste_line_submitted)
        self.channel_picker.currentIndexChanged.connect(lambda _i: self._refresh_input())
        self.kernel_channel.currentChanged.connect(lambda _i: self._refresh_kernels())
        self.files.path_changed.connect(self._refresh_title)
        self.files.recent_changed.connect(self._refresh_recent)
        # document -> widgets
        doc.input_changed.connect(self._refresh_input)
        doc.kernels_changed.connect(self._refresh_kernels)
        doc.spec_changed.connect(self._refresh_layer)
        doc.view_changed.connect(self._refresh_view)
        doc.result_changed.connect(self._refresh_maps)
        doc.step_changed.connect(self._refresh_step)
        doc.history_changed.connect(self._refresh_title)

    def _disconnect_document(self) -> None:
        doc = self.document
        for sig in (doc.input_changed, doc.kernels_changed, doc.spec_changed, doc.view_changed,
                    doc.result_changed, doc.step_changed, doc.history_changed):
            sig.disconnect()

    # ------------------------------------------------------------------ intents
    def _edit(self, edit: Callable[[], object]) -> bool:
        """Run one document edit; a refusal is shown where the user is looking and changes nothing."""
        try:
            edit()
        except EditError as exc:
            self.show_message(str(exc))
            return False
        self.show_message("")
        return True

    def _on_pixel_grid_cells_painted(self, cells: list[tuple[int, int]], background: bool) -> None:
        value = self._background_value() if background else self.input_tools.brush()
        channel = self._input_channel()
        self._edit(lambda: self.document.paint_cells(cells, value, channel))

    def _input_channel(self) -> int | None:
        """The RGB channel shown and painted, or None for all of them."""
        index = self.channel_picker.currentIndex()
        return index - 1 if index > 0 and self.document.input.shape[2] == 3 else None

    def _kernel_channel_index(self) -> int:
        return self.kernel_channel.currentIndex() if self.document.kernels.shape[2] == 3 else 0

    def _on_pixel_grid_fill_requested(self, row: int, col: int, background: bool) -> None:
        doc = self.document
        cells = paint_tools.flood_fill_cells(doc.input, row, col)
        self._on_pixel_grid_cells_painted(cells, background)

    def _on_input_tools_action_requested(self, action: str) -> None:
        doc = self.document
        lo, hi = doc.value_range
        if action == "clear":
            image = paint_tools.clear(doc.input, self._background_value())
        elif action == "invert":
            image = paint_tools.invert(doc.input, lo, hi)
        elif action == "noise":
            image = paint_tools.mode_noise(doc.input, doc.view.value_mode, 0.1, seed=None)
        else:
            return
        self._edit(lambda: doc.set_input(image))

    def _background_value(self) -> float:
        """The paper under the brush: the end of the value range farther from the brush's value."""
        lo, hi = self.document.value_range
        return hi if abs(self.input_tools.brush() - lo) <= abs(self.input_tools.brush() - hi) else lo

    def _on_input_tools_shift_requested(self, dr: int, dc: int) -> None:
        doc = self.document
        image = paint_tools.shift(doc.input, dr, dc, self._background_value())
        self._edit(lambda: doc.set_input(image))

    def _on_input_tools_resize_requested(self, rows: int, cols: int, mode: str) -> None:
        doc = self.document
        try:
            image = paint_tools.resize(doc.input, rows, cols, mode, self._background_value())
        except ValueError as exc:
            self.show_message(str(exc))
            return
        self._edit(lambda: doc.set_input(image))

    def _on_input_tools_value_mode_changed(self, mode: str) -> None:
        doc = self.document
        image = paint_tools.convert_mode(doc.input, doc.value_range, VALUE_MODES[mode])
        self._edit(lambda: doc.set_value_mode(mode, image))

    def _on_conv_controls_spec_edited(self, spec: object) -> None:
        try:
            self.document.set_spec(spec)  # type: ignore[arg-type]
        except EditError as exc:
            # Back to the layer the document has, so the next edit starts from it; then say why.
            self.conv_controls.set_spec(self.document.spec)
            self.conv_controls.show_problem(str(exc))
            return
        self.conv_controls.show_problem("")

    def _on_kernel_grid_weight_edited(self, row: int, col: int, value: float) -> None:
        f = self.document.view.selected_filter
        ch = self._kernel_channel_index()
        self._edit(lambda: self.document.set_weight(f, row, col, value, ch))

    def _on_kernel_grid_weight_hovered(self, row: int, col: int) -> None:
        if row < 0:
            self.pixel_grid.set_highlight(set())
            return
        self.pixel_grid.set_highlight(set(self.document.result.cells_touched_by(row, col)))

    def _on_kernel_actions_transform_requested(self, name: str) -> None:
        doc = self.document
        self._edit(lambda: doc.transform_filter(doc.view.selected_filter, TRANSFORMS[name]))

    def _on_kernel_actions_preset_requested(self, name: str) -> None:
        doc = self.document
        kh, kw = doc.spec.kernel_size
        try:
            kernel = kernel_tools.preset_kernel(name, kh, kw)
        except ConvError as exc:
            self.show_message(str(exc))
            return
        self._edit(lambda: doc.apply_preset(doc.view.selected_filter, kernel))

    def _on_kernel_actions_randomize_requested(self, seed: int) -> None:
        doc = self.document
        kh, kw, c, f = doc.kernels.shape
        kernels = kernel_tools.randomize_like_keras(kh, kw, c, f, seed)
        if self._edit(lambda: doc.randomize(kernels)):
            limit = kernel_tools.glorot_limit(kh, kw, c, f)
            self.show_message("")
            self.statusBar().showMessage(f"glorot_uniform, seed {seed}: weights in ±{limit:.3f}", 8000)

    def _on_pixel_grid_stroke_started(self, tool: str) -> None:
        if self._stroke_open:
            self.document.end_step()
        self._stroke_open = True
        label = {"pen": "paint stroke", "line": "draw a line", "rect": "draw a rectangle", "fill": "fill"}[tool]
        self.document.begin_step(label)

    def _on_pixel_grid_stroke_finished(self) -> None:
        if self._stroke_open:
            self._stroke_open = False
            self.document.end_step()

    _stroke_open = False

    # ------------------------------------------------------------------ stepping (overlays only)
    def _go_to_step(self, step: int) -> None:
        self.document.set_step(step)

    def _step_by(self, delta: int) -> None:
        self._stop_playing()
        self.document.set_step(self.document.step + delta)

    def _toggle_play(self) -> None:
        self._on_step_panel_play_toggled(not self.playback.is_playing())

    def _on_step_panel_play_toggled(self, playing: bool) -> None:
        if playing:
            self.playback.play(self.document.step, self.document.result.steps)
        else:
            self.playback.stop()
        self.step_panel.set_playing(self.playback.is_playing())

    def _stop_playing(self) -> None:
        if self.playback.is_playing():
            self.playback.stop()
            self.step_panel.set_playing(False)

    def _on_step_panel_speed_changed(self, speed: float) -> None:
        self.playback.set_speed(speed)

    def _change_speed(self, factor: float) -> None:
        speed = min(20.0, max(0.5, self.step_panel.speed() * factor))
        self.step_panel.speed_box.setValue(speed)  # emits speed_changed -> playback

    def _on_step_panel_reveal_toggled(self, on: bool) -> None:
        self.actions_by_name["reveal"].setChecked(on)
        self.feature_maps.set_reveal(on)

    def _toggle_reveal(self) -> None:
        self.step_panel.reveal_box.setChecked(not self.step_panel.reveal())

    def _on_step_panel_kernel_overlay_toggled(self, on: bool) -> None:
        self.actions_by_name["overlay"].setChecked(on)
        self._refresh_step(self.document.step)

    def _toggle_overlay(self) -> None:
        self.step_panel.overlay_box.setChecked(not self.step_panel.kernel_overlay())

    def _toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()
        self.actions_by_name["full_screen"].setChecked(self.isFullScreen())

    # ------------------------------------------------------------------ a pasted Conv2D line
    def _focus_line_paste(self) -> None:
        self.line_paste.field.setFocus()
        self.line_paste.field.selectAll()

    def _on_line_paste_line_submitted(self, text: str) -> None:
        self.apply_line(text)

    def apply_line(self, text: str, seed: int | None = None) -> bool:
        """Configure the layer from a pasted line; on refusal the message names the argument."""
        from kernelscope.core.pasted_layer import paste_line
        from kernelscope.files.images import sample_photo

        seed = self.kernel_actions.seed.value() if seed is None else seed
        try:
            summary = paste_line(self.document, text, seed, sample_photo)
        except (LineError, EditError, ImageError) as exc:
            self.line_paste.show_result(str(exc), ok=False)
            return False
        self.line_paste.show_result(summary, ok=True)
        self.show_message("")
        return True

    # ------------------------------------------------------------------ projector and theme
    _projector = False
    _hidden_for_projector: list[QWidget] = []  # noqa: RUF012 (reassigned per instance)

    def is_projector(self) -> bool:
        return self._projector

    def toggle_projector(self) -> None:
        self.set_projector(not self._projector)

    def set_projector(self, on: bool, full_screen: bool = True) -> None:
        """Large type, high contrast, thick frames and only what the class needs to see."""
        if on == self._projector:
            return
        self._projector = on
        app = QApplication.instance()
        advanced = [self.input_tools, self.conv_controls, self.layer_heading, self.filter_list,
                    self.kernel_actions, self.map_options, self.line_paste, self.shape_label]
        advanced += [self.keras_line, self.lesson_label]
        if on:
            self._hidden_for_projector = [w for w in advanced if not w.isHidden()]
            for w in self._hidden_for_projector:
                w.hide()
            theme.apply(app, self.settings.theme(), self.settings.projector_scale(), high_contrast=True)
            # The arithmetic goes full width under the three panes, as a grid the size of the kernel.
            self._central_layout.insertWidget(1, self.step_panel)
            self.step_panel.show()  # re-parenting hides a widget until the next event loop turn
            self._normal_sizes = self.splitter.sizes()
            total = sum(self._normal_sizes)
            self.splitter.setSizes([int(total * 0.38), int(total * 0.26), int(total * 0.36)])
            if full_screen:
                self.showFullScreen()
        else:
            for w in self._hidden_for_projector:
                w.show()
            self._hidden_for_projector = []
            theme.apply(app, self.settings.theme(), 1.0)
            self._maps_layout.addWidget(self.step_panel)
            self.step_panel.show()
            self.splitter.setSizes(getattr(self, "_normal_sizes", self.splitter.sizes()))
            if self.isFullScreen():
                self.showNormal()
        self.step_panel.set_projector(on)
        self.step_panel.set_columns(self.document.spec.kernel_size[1] if on else 1)
        self._refresh_kernels()
        self._refresh_step(self.document.step)
        self.pixel_grid.set_thick(on)
        self.kernel_grid.set_large(on)
        self.feature_maps.set_thick(on)
        self._apply_fonts()
        self.actions_by_name["projector"].setChecked(on)
        self.actions_by_name["full_screen"].setChecked(self.isFullScreen())

    def _change_scale(self, delta: float) -> None:
        scale = min(2.5, max(1.5, self.settings.projector_scale() + delta))
        self.settings.set_projector_scale(scale)
        if self._projector:
            theme.apply(QApplication.instance(), self.settings.theme(), scale, high_contrast=True)
            self._apply_fonts()
        self.statusBar().showMessage(f"projector scale {scale:g}x", 3000)

    def set_theme(self, name: str) -> None:
        self.settings.set_theme(name)
        scale = self.settings.projector_scale() if self._projector else 1.0
        theme.apply(QApplication.instance(), name, scale, high_contrast=self._projector)
        self.actions_by_name["theme_light"].setChecked(name == "light")
        self.actions_by_name["theme_dark"].setChecked(name == "dark")
        self.feature_maps.set_dark(name == "dark")
        self._apply_fonts()

    def _apply_fonts(self) -> None:
        """Headings and monospace lines follow the application font (the UI scale)."""
        base = QApplication.font()
        for label in (self.input_heading, self.layer_heading, self.kernel_heading, self.maps_heading):
            f = QFont(base)
            f.setPointSizeF(base.pointSizeF() * 1.2)
            f.setBold(True)
            label.setFont(f)
        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(base.pointSizeF())
        for label in (self.keras_line, self.shape_label):
            label.setFont(mono)
        bold = QFont(base)
        bold.setBold(True)
        self.message.setFont(bold)
        self.lesson_label.setFont(base)
        self.step_panel.setFont(base)
        self.feature_maps.setFont(base)

    # ------------------------------------------------------------------ history and files
    def _undo(self) -> None:
        self._stop_playing()
        self.document.undo()

    def _redo(self) -> None:
        self._stop_playing()
        self.document.redo()

    def _refresh_lesson(self) -> None:
        doc = self.document
        text = ""
        if doc.title or doc.notes:
            text = f"<b>{escape(doc.title, quote=False)}</b>  {escape(doc.notes, quote=False)}"
        self.lesson_label.setText(text)
        self.lesson_label.setVisible(bool(text))

    def _refresh_title(self) -> None:
        doc = self.document
        self._refresh_lesson()
        name = self.files.path.name if self.files.path else (doc.title or "untitled")
        self.setWindowTitle(f"{name}[*] - kernelscope")
        self.setWindowModified(doc.modified)
        a = self.actions_by_name
        undo, redo = doc.undo_label(), doc.redo_label()
        a["undo"].setEnabled(undo is not None)
        a["undo"].setText(f"&Undo {undo}" if undo else "&Undo")
        a["redo"].setEnabled(redo is not None)
        a["redo"].setText(f"&Redo {redo}" if redo else "&Redo")

    def _refresh_recent(self) -> None:
        self.recent_menu.clear()
        files = self.settings.recent_files()
        for path in files:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.files.open(p))
        self.recent_menu.setEnabled(bool(files))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            suffix = "." + urls[0].toLocalFile().rsplit(".", 1)[-1].lower()
            if suffix == SUFFIX or suffix in SUPPORTED_SUFFIXES:
                event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            path = urls[0].toLocalFile()
            if path.lower().endswith(SUFFIX):
                self.files.open(path)
            else:
                self.files.open_image(path)

    def _on_feature_maps_cell_clicked(self, filter_index: int, row: int, col: int) -> None:
        self._stop_playing()
        ow = self.document.result.out_shape[1]
        self._edit(lambda: self.document.select_filter(filter_index))
        self.document.set_step(row * ow + col)

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    # ------------------------------------------------------------------ document -> widgets
    def _refresh_all(self) -> None:
        self._refresh_input()
        self._refresh_layer()
        self._refresh_view()

    def _refresh_input(self) -> None:
        doc = self.document
        h, w, c = doc.input.shape
        self.input_heading.setText(f"Input  {h}x{w}x{c}")
        self.channel_picker.setVisible(c == 3 and not self._projector)
        ch = self._input_channel()
        self.pixel_grid.set_image(doc.input if ch is None else doc.input[:, :, ch : ch + 1], doc.value_range)
        self.input_tools.set_state((h, w), doc.view.value_mode, self.input_tools.brush())
        self._refresh_keras_line()

    def _refresh_kernels(self) -> None:
        doc = self.document
        f = doc.view.selected_filter
        if doc.result.out_shape[2] == doc.spec.filters:
            self._refresh_step(doc.step)  # the arithmetic follows the selected filter
        kh, kw, _, nf = doc.kernels.shape
        if self._projector:
            self.kernel_heading.setText(f"Kernel {kh}x{kw}" + (f"  (filter {f + 1})" if nf > 1 else ""))
        else:
            self.kernel_heading.setText(f"Kernel {kh}x{kw}: filter {f + 1} of {nf}")
        self.filter_list.set_filters(doc.kernels, f)
        self.kernel_channel.setVisible(doc.kernels.shape[2] == 3)
        self.kernel_grid.set_kernel(doc.kernels[:, :, self._kernel_channel_index(), f])
        self.kernel_actions.set_bias(float(doc.bias[f]), doc.spec.use_bias)

    def _refresh_layer(self) -> None:
        self.conv_controls.set_spec(self.document.spec)
        self._refresh_kernels()
        self._refresh_keras_line()

    def _refresh_view(self) -> None:
        doc = self.document
        v = doc.view
        self.map_options.set_state(v.colormap, v.shared_scale, v.show_activation, doc.spec.activation != "linear")
        for name, act in self.colormap_actions.items():
            act.setChecked(name == v.colormap)
        self._refresh_kernels()
        # Selecting a filter is a view change too: recolour the maps only when their look changed.
        style = (v.colormap, v.shared_scale, v.show_activation)
        if style != self._map_style:
            self._map_style = style
            self.feature_maps.set_style(v.colormap, v.shared_scale)
            self._refresh_maps()

    _map_style: tuple[object, ...] = ()

    def _refresh_keras_line(self) -> None:
        doc = self.document
        spec = doc.spec
        h, w, c = doc.input.shape
        oh, ow, f = doc.result.out_shape if not doc.computing else (None, None, spec.filters)
        shape = f"{oh}x{ow}x{f}" if oh is not None else "computing..."
        self.keras_line.setText(conv2d_line(spec, (h, w, c)))
        self.shape_label.setText(
            f"output {shape}    parameters {count_params(spec, c)}    "
            f"height: {size_formula(spec, (h, w), 0)}    width: {size_formula(spec, (h, w), 1)}"
        )

    def _refresh_maps(self) -> None:
        doc = self.document
        res = doc.result
        oh, ow, f = res.out_shape
        self.maps_heading.setText(f"Feature maps  {oh}x{ow}x{f}")
        show_activated = doc.view.show_activation or doc.spec.activation == "linear"
        self.feature_maps.set_maps(
            res.maps if show_activated else res.pre_activation, res.value_range(activated=show_activated)
        )
        self.pixel_grid.set_padding(res.pads)
        self.map_options.set_state(
            doc.view.colormap, doc.view.shared_scale, doc.view.show_activation, res.spec.activation != "linear"
        )
        self._refresh_keras_line()
        self.step_panel.set_steps(res.steps)
        self._refresh_step(doc.step)

    def _refresh_step(self, step: int) -> None:
        """One frame of stepping: the window, the cell frames and the arithmetic. Never recomputes."""
        doc = self.document
        res = doc.result
        step = min(step, res.steps - 1)
        if self.step_panel.steps() != res.steps:
            self.step_panel.set_steps(res.steps)
        row, col = res.step_position(step)
        rows, cols = res.tap_coordinates(row, col)
        f = min(doc.view.selected_filter, res.out_shape[2] - 1)
        if self._projector:
            self.step_panel.set_columns(res.spec.kernel_size[1])
        self.pixel_grid.set_window(rows, cols)
        kc = self._kernel_channel_index() if res.kernels.shape[2] == 3 else 0
        self.pixel_grid.set_kernel_overlay(res.kernels[:, :, kc, f] if self.step_panel.kernel_overlay() else None)
        self.feature_maps.set_cell(row, col)
        self.step_panel.set_step(step)
        names = ["R", "G", "B"] if res.input.shape[2] == 3 else None
        self.step_panel.set_text(step_text(res.trace(f, row, col), names, use_bias=res.spec.use_bias))

    # ------------------------------------------------------------------ lifecycle
    def hideEvent(self, event: QHideEvent) -> None:
        self._stop_playing()
        super().hideEvent(event)

    def start_autosave(self, recovery: Recovery | None = None, data_dir: str | None = None,
                       interval_ms: int = 3000) -> Autosaver:
        """Autosave the document from now on; first offer ``recovery`` (from find_recovery) if any."""
        self.autosaver = Autosaver(self.document, data_dir, interval_ms, parent=self)
        self.autosaver.failed.connect(self.statusBar().showMessage)
        self.autosaver.set_source(self.files.path)
        self.files.path_changed.connect(lambda: self.autosaver and self.autosaver.set_source(self.files.path))
        if recovery is not None:
            self.offer_recovery(recovery)
        return self.autosaver

    def ask_restore(self, recovery: Recovery) -> bool:
        """Overridable, like FileController's questions, so tests answer without a dialog."""
        answer = QMessageBox.question(
            self, "Restore the drawing?",
            f"kernelscope closed unexpectedly. Restore the drawing from {recovery.saved_at_text()}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes,
        )
        return answer == QMessageBox.StandardButton.Yes

    def offer_recovery(self, recovery: Recovery) -> None:
        if not self.ask_restore(recovery):
            discard_recovery(recovery.path.parent)
            return
        self.document.load(recovery.session)
        self.document.mark_modified()
        if self.autosaver is not None:
            self.autosaver.adopt()
        source = recovery.source
        self.files.path = source if source is not None and source.is_file() else None
        self.files.path_changed.emit()
        self.statusBar().showMessage(f"restored the drawing from {recovery.saved_at_text()}", 10000)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.may_discard():
            event.ignore()
            return
        if self.autosaver is not None:
            self.autosaver.finish_clean()
        self._stop_playing()
        self._disconnect_document()
        if self.worker is not None:
            self.worker.stop()
            self.document.set_scheduler(None)
        super().closeEvent(event)
