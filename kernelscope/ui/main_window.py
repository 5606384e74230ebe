"""The window: its panes, one table that wires the Document to the widgets, one refresh per Document
signal. Intents go to the controller, stepping, projector and files to their own modules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QHideEvent
from PySide6.QtWidgets import QMainWindow

from kernelscope.core import kernel_tools
from kernelscope.core.controller import Controller
from kernelscope.core.document import Document
from kernelscope.core.engine import ACTIVATIONS, ConvResult, ConvSpec
from kernelscope.files.images import sample_photo
from kernelscope.ui import pane_drawing as panes
from kernelscope.ui.compute_worker import ComputeWorker
from kernelscope.ui.file_controller import FileController
from kernelscope.ui.layout import three_panes
from kernelscope.ui.menus import Menus, fill_colour_maps, fill_lessons, fill_recent
from kernelscope.ui.projector import Projector, ProjectorParts
from kernelscope.ui.settings import Settings
from kernelscope.ui.stack_view import StackView
from kernelscope.ui.stepping import Stepping
from kernelscope.ui.widgets.brush_size import BrushSizePicker
from kernelscope.ui.widgets.channel_picker import InputChannelPicker, KernelChannelTabs
from kernelscope.ui.widgets.conv_controls import ConvControls
from kernelscope.ui.widgets.feature_maps import FeatureMaps
from kernelscope.ui.widgets.filter_images import FilterImages, FilterViews
from kernelscope.ui.widgets.filter_list import FilterList
from kernelscope.ui.widgets.heading import Heading
from kernelscope.ui.widgets.input_tools import InputTools
from kernelscope.ui.widgets.kernel_actions import KernelActions
from kernelscope.ui.widgets.kernel_grid import KernelGrid
from kernelscope.ui.widgets.line_paste import LinePaste
from kernelscope.ui.widgets.map_options import MapOptions
from kernelscope.ui.widgets.pixel_grid import PixelGrid
from kernelscope.ui.widgets.status_strip import StatusStrip
from kernelscope.ui.widgets.step_panel import StepPanel
from kernelscope.ui.window_actions import window_handlers
from kernelscope.ui.window_geometry import GeometryKeeper
from kernelscope.ui.window_ports import WindowPorts


class MainWindow(QMainWindow):
    """Input | layer and kernels | feature maps side by side; the Keras line and messages below."""

    about_to_close = Signal()  # the person may close: autosave says goodbye cleanly

    def __init__(self, document: Document | None = None, threaded: bool = True, settings: Settings | None = None):
        super().__init__()
        self.document = document if document is not None else Document()
        self.worker: ComputeWorker | None = ComputeWorker(self) if threaded else None
        self.document.set_scheduler(self.worker)
        self.settings = settings if settings is not None else Settings()
        self.setAcceptDrops(True)
        self._build_widgets()
        self._build_layout()
        self.ports = WindowPorts(self, self.document, self.input_tools, self.channel_picker, self.kernel_channel,
                                 self.kernel_actions, self.line_paste, self.status_strip, self.feature_maps,
                                 self.step_panel)
        self.files = FileController(self.ports, self.settings)
        self.controller = Controller(self.document, self.ports, sample_photo)
        self.stack_view.wire(self.controller)
        self.menus = Menus(self, window_handlers(self))
        self.actions_by_name, self.shortcut_table = self.menus.actions, self.menus.shortcut_table
        self.stepping = Stepping(self.document, self.pixel_grid, self.feature_maps, self.step_panel,
                                 self.kernel_channel.channel, self.actions_by_name, self.stack_view.vector_bars,
                                 self.stack_view.light, self)
        self.projector = Projector(ProjectorParts(
            self, self.splitter, self._panes.central_layout, self._panes.maps_layout,
            (self.input_tools, self.brush_size, self.conv_controls, self.layer_heading, self.filter_views,
             self.kernel_actions, self.map_options, self.stack_view.model_bar),
            (self.input_heading, self.layer_heading, self.kernel_heading, self.maps_heading),
            self.status_strip, self.step_panel, self.pixel_grid, self.kernel_grid, self.feature_maps,
            self.actions_by_name), self.settings, self._on_projector_changed)
        pr = self.projector
        self.is_projector, self.set_projector, self.set_theme = pr.is_on, pr.set, pr.set_theme
        self._fill_menus()
        self._connect(True)
        for refresh in (self._refresh_input, self._refresh_layer, self._refresh_kernels, self._refresh_view,
                        self._refresh_maps, self._refresh_stack, self._refresh_step, self._refresh_history,
                        self._on_settled):
            refresh()
        self.geometry_keeper = GeometryKeeper(self, self.settings, self.projector.geometry_to_remember)

    def _build_widgets(self) -> None:  # the window's own attributes: tests and the controllers reach them
        self.input_tools, self.pixel_grid, self.channel_picker = InputTools(), PixelGrid(), InputChannelPicker()
        self.conv_controls, self.filter_list = ConvControls(ConvSpec, ACTIVATIONS), FilterList()
        self.filter_images = FilterImages()
        self.filter_views = FilterViews(self.filter_list, self.filter_images)  # a tab each: no taller
        self.kernel_channel, self.kernel_grid, self.brush_size = KernelChannelTabs(), KernelGrid(), BrushSizePicker()
        self.kernel_actions = KernelActions([(p.name, p.description) for p in kernel_tools.PRESETS.values()])
        self.kernel_actions.set_seed(kernel_tools.new_seed())
        self.map_options, self.feature_maps, self.step_panel = MapOptions(), FeatureMaps(), StepPanel()
        self.line_paste = LinePaste()
        self.status_strip = StatusStrip(self.line_paste)
        self.input_heading, self.layer_heading = Heading("Input"), Heading("Layer")
        self.stack_view = StackView(self.document)
        self.kernel_heading, self.maps_heading = Heading("Kernel"), Heading("Feature maps")

    def _build_layout(self) -> None:
        sv = self.stack_view
        self.filter_views.setMaximumHeight(130)
        self.filter_list.list.setMinimumHeight(34)  # one filter's row: a short screen keeps the kernel's room
        panes = three_panes(
            [(self.input_heading, 0), (self.input_tools, 0), (self.brush_size, 0), (self.channel_picker, 0),
             (self.pixel_grid, 1)],
            ([(self.layer_heading, 0), (self.conv_controls, 0)],  # a layer's problem: with its weights, in view
             [(sv.problem_box, 0), (self.kernel_heading, 0), (self.filter_views, 0), (self.kernel_channel, 0),
              (self.kernel_grid, 1), (self.kernel_actions, 0), (sv.settings_heading, 0), (sv.layer_settings, 0),
              (sv.weight_table, 1)]),
            [(self.maps_heading, 0), (self.map_options, 0), (self.feature_maps, 1), (sv.vector_bars, 1),
             (self.step_panel, 0)],
            self.status_strip)
        panes.central_layout.insertWidget(1, sv.model_bar)  # under the panes, over the line and messages
        self.setCentralWidget(panes.central)
        self.splitter, self._panes = panes.splitter, panes

    def _fill_menus(self) -> None:
        self.lessons_menu, self.recent_menu = self.menus.menus["lessons"], self.menus.menus["recent"]
        self.actions_by_name["loupe"].setChecked(self.pixel_grid.loupe_on())
        self.colormap_actions = fill_colour_maps(self.menus.menus["colour_map"], lambda n: (
            self.controller.set_view(colormap=n), self.settings.set_colormap(n)))  # and the next start's default
        fill_lessons(self.lessons_menu, self.files.open_lesson)
        self._fill_recent = lambda: fill_recent(self.recent_menu, self.settings.recent_files(), self.files.open)
        self._fill_recent()

    # ------------------------------------------------------------------ the wiring table
    def _wiring(self) -> list[tuple[Any, Callable[..., object]]]:
        c, doc, st = self.controller, self.document, self.stepping
        return [
            (self.pixel_grid.cells_painted, c.paint), (self.pixel_grid.fill_requested, c.fill),
            (self.pixel_grid.stroke_started, c.stroke_started), (self.pixel_grid.stroke_finished, c.stroke_finished),
            (self.input_tools.tool_changed, self.pixel_grid.set_tool),
            (self.brush_size.size_chosen, self.pixel_grid.set_brush_size),
            (self.input_tools.action_requested, c.input_action), (self.input_tools.shift_requested, c.shift),
            (self.input_tools.resize_requested, c.resize), (self.input_tools.value_mode_changed, c.change_value_mode),
            (self.conv_controls.spec_edited, self._on_conv_controls_spec_edited),
            (self.filter_list.filter_selected, c.select_filter), (self.filter_list.add_requested, c.add_filter),
            (self.filter_images.filter_selected, c.select_filter),
            (self.filter_list.duplicate_requested, c.duplicate_filter),
            (self.filter_list.remove_requested, c.remove_filter),
            (self.kernel_grid.weight_edited, c.edit_weight), (self.kernel_grid.entry_refused, self.ports.report),
            (self.kernel_grid.weight_hovered, self._on_kernel_grid_weight_hovered),
            (self.kernel_actions.bias_edited, c.edit_bias), (self.kernel_actions.transform_requested, c.transform),
            (self.kernel_actions.preset_requested, c.preset), (self.kernel_actions.randomize_requested, c.randomize),
            (self.map_options.colormap_chosen, lambda n: c.set_view(colormap=n)),
            (self.map_options.shared_scale_toggled, lambda b: c.set_view(shared_scale=b)),
            (self.map_options.show_activation_toggled, lambda b: c.set_view(show_activation=b)),
            (self.feature_maps.cell_clicked, lambda f, r, col: (st.stop(), c.go_to_cell(f, r, col))),
            (self.feature_maps.cell_hovered, self.stack_view.hover_map_cell),
            (self.feature_maps.focus_changed, lambda k: None if k is None else c.select_filter(k)),
            (self.stack_view.input_field, self._on_input_field),
            (self.line_paste.line_submitted, c.paste_line),
            (self.channel_picker.currentIndexChanged, lambda _i: panes.draw_input(self)),
            (self.kernel_channel.currentChanged, lambda _i: (self._show_kernel_panel(), panes.draw_input(self),
                                                             st.draw())),
            (self.files.path_changed, self._on_files_path_changed), (self.files.recent_changed, self._fill_recent),
            (doc.input_changed, self._refresh_input), (doc.kernels_changed, self._refresh_kernels),
            (doc.spec_changed, self._refresh_layer), (doc.view_changed, self._refresh_view),
            (doc.layers_changed, self._refresh_stack),
            (doc.result_changed, self._refresh_maps), (doc.step_changed, self._refresh_step),
            (doc.history_changed, self._refresh_history), (doc.settled, self._on_settled),
            (doc.compute_failed, self.ports.report),
            (doc.loaded, lambda: self._stale.add("ink")),
        ]

    def _connect(self, on: bool) -> None:
        """Connect the table, or disconnect exactly what was connected (closing the window)."""
        wired, self._wired = (self._wiring(),) * 2 if on else (self._wired, [])
        for signal, slot in wired:
            (signal.connect if on else signal.disconnect)(slot)

    # ------------------------------------------------------------------ Document -> widgets, one refresh a signal
    def _refresh_input(self) -> None:
        self._stale |= {"input", "layer", "tools"}

    def _refresh_kernels(self) -> None:
        self._stale |= {"kernels", "stack"}

    def _refresh_layer(self) -> None:
        if self.stack_view.selected_is_conv():
            self.conv_controls.set_spec(self.document.spec)
        self._stale |= {"layer", "stack"}

    def _refresh_stack(self) -> None:
        self._stale |= {"stack", "panels", "input", "layer", "kernels", "maps", "frame"}

    def _refresh_view(self) -> None:
        v = self.document.view
        for name, act in self.colormap_actions.items():
            act.setChecked(name == v.colormap)
        if (v.colormap, v.shared_scale, v.show_activation) != self._map_style:  # a filter selected: no recolour
            self._map_style = (v.colormap, v.shared_scale, v.show_activation)
            self.feature_maps.set_style(v.colormap, v.shared_scale)
            self._stale |= {"maps", "stack"}
        self._stale |= {"kernels", "frame", "tools"}
        if len(self.document.layers) > 1:  # a later layer's input and the strip show the filter's channel
            self._stale |= {"input", "stack"}

    def _refresh_maps(self) -> None:
        res = self.document.selected_result
        self.pixel_grid.set_padding(getattr(res, "pads", ((0, 0), (0, 0))))
        self._stale |= {"maps", "layer", "frame", "stack", "input", "panels"}

    def _refresh_step(self, _step: int = 0) -> None:
        self._stale.add("frame")

    def _refresh_history(self) -> None:
        doc, a = self.document, self.actions_by_name
        self.status_strip.set_lesson(doc.title, doc.notes)
        self._on_files_path_changed()
        for name, label in (("undo", doc.undo_label()), ("redo", doc.redo_label())):
            a[name].setEnabled(label is not None)
            a[name].setText(f"&{name.title()} {label}" if label else f"&{name.title()}")

    _map_style: tuple[object, ...] = ()
    _stale: set[str] = set()  # noqa: RUF012 (replaced per instance at the first refresh)

    def _on_settled(self) -> None:
        """After a change and its signals: draw each part that depends on several of them once."""
        stale, self._stale = self._stale, set()
        for part, draw in (("panels", lambda: panes.show_panels(self)), ("stack", self.stack_view.refresh),
                           ("input", lambda: panes.draw_input(self)), ("maps", lambda: panes.draw_maps(self)),
                           ("layer", lambda: panes.draw_layer_text(self)), ("kernels", self._show_kernel_panel),
                           ("frame", self.stepping.draw)):
            if part in stale:
                draw()
        if "tools" in stale or "ink" in stale:  # once input and mode agree (set_value_mode: input first)
            doc = self.document
            self.input_tools.set_state(doc.input.shape[:2], doc.view.value_mode,
                                       panes.ink(doc) if "ink" in stale else None)
        self.actions_by_name["revert_weights"].setEnabled(self.document.selected_layer in self.document.edited_layers())

    def _show_kernel_panel(self) -> None:
        panes.draw_kernel_panel(self)

    def _on_files_path_changed(self) -> None:
        self.setWindowTitle(f"{self.files.path.name if self.files.path else (self.document.title or 'untitled')}[*]"
                            " - kernelscope")
        self.setWindowModified(self.document.modified)

    # ------------------------------------------------------------------ intents the window answers itself
    def _on_conv_controls_spec_edited(self, spec: ConvSpec) -> None:
        problem = self.controller.edit_layer(spec)
        if problem and self.stack_view.selected_is_conv():  # back to the document's layer; then say why
            self.conv_controls.set_spec(self.document.spec)
        self.conv_controls.show_problem(problem)

    def _on_kernel_grid_weight_hovered(self, row: int, col: int) -> None:
        res = self.document.selected_result
        cells = set(res.cells_touched_by(row, col)) if row >= 0 and isinstance(res, ConvResult) else set()
        self.pixel_grid.set_highlight(cells)

    def _on_input_field(self, cells: set[tuple[int, int]]) -> None:
        self.pixel_grid.set_highlight(cells)
        if not cells:  # the step's own marks back
            self.stepping.draw()

    def _on_projector_changed(self) -> None:
        self.stepping.columns_follow_kernel = self.projector.on
        panes.show_panels(self)
        panes.draw_input(self)  # its heading: one short line at the class's size
        self._show_kernel_panel()
        self.stepping.draw()

    # ------------------------------------------------------------------ lifecycle
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile() and self.files.can_open(urls[0].toLocalFile()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.files.open_any(urls[0].toLocalFile())

    def hideEvent(self, event: QHideEvent) -> None:
        self.stepping.stop()
        super().hideEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.may_discard():
            event.ignore()
            return
        self.about_to_close.emit()
        self.stepping.stop()
        self._connect(False)
        self.stack_view.disconnect_all()
        if self.worker is not None:
            self.worker.stop()
            self.document.set_scheduler(None)
        super().closeEvent(event)
