"""The window: panes, menus and the one table that wires the Document to the widgets. No math here."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from kernelscope import kernel_tools, paint_tools
from kernelscope.compute_worker import ComputeWorker
from kernelscope.document import Document, EditError
from kernelscope.engine import ConvError, count_params
from kernelscope.keras_syntax import conv2d_line, size_formula
from kernelscope.sessions import VALUE_MODES
from kernelscope.widgets.conv_controls import ConvControls
from kernelscope.widgets.feature_maps import FeatureMaps
from kernelscope.widgets.filter_list import FilterList
from kernelscope.widgets.input_tools import InputTools
from kernelscope.widgets.kernel_actions import KernelActions
from kernelscope.widgets.kernel_grid import KernelGrid
from kernelscope.widgets.map_options import MapOptions
from kernelscope.widgets.pixel_grid import PixelGrid

TRANSFORMS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "rotate": kernel_tools.rotate90,
    "flip_h": kernel_tools.flip_horizontal,
    "flip_v": kernel_tools.flip_vertical,
    "negate": kernel_tools.negate,
    "normalize": kernel_tools.normalize,
}


def _heading(text: str) -> QLabel:
    label = QLabel(text)
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

    def __init__(self, document: Document | None = None, threaded: bool = True) -> None:
        super().__init__()
        self.document = document if document is not None else Document()
        self.worker: ComputeWorker | None = ComputeWorker(self) if threaded else None
        self.document.set_scheduler(self.worker)
        self.setWindowTitle("kernelscope")
        self._build_widgets()
        self._build_layout()
        self._build_menus()
        self._wire()
        self._refresh_all()
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
        input_col = _column((self.input_heading, 0), (self.input_tools, 0), (self.pixel_grid, 1))
        middle = QWidget()
        ml = QVBoxLayout(middle)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.layer_heading)
        ml.addWidget(self.conv_controls)
        ml.addWidget(self.kernel_heading)
        ml.addWidget(self.filter_list)
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
        maps_col = _column((self.maps_heading, 0), (self.map_options, 0), (self.feature_maps, 1))

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        for i, (col, stretch) in enumerate(((input_col, 3), (middle_col, 2), (maps_col, 4))):
            self.splitter.addWidget(col)
            self.splitter.setStretchFactor(i, stretch)
        self.splitter.setChildrenCollapsible(False)

        strip = QWidget()
        sl = QVBoxLayout(strip)
        sl.setContentsMargins(8, 2, 8, 2)
        sl.setSpacing(2)
        sl.addWidget(self.keras_line)
        sl.addWidget(self.shape_label)
        sl.addWidget(self.message)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(strip)
        self.setCentralWidget(central)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

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
        # document -> widgets
        doc.input_changed.connect(self._refresh_input)
        doc.kernels_changed.connect(self._refresh_kernels)
        doc.spec_changed.connect(self._refresh_layer)
        doc.view_changed.connect(self._refresh_view)
        doc.result_changed.connect(self._refresh_maps)
        doc.step_changed.connect(self._refresh_step)

    def _disconnect_document(self) -> None:
        doc = self.document
        for sig in (doc.input_changed, doc.kernels_changed, doc.spec_changed, doc.view_changed,
                    doc.result_changed, doc.step_changed):
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
        self._edit(lambda: self.document.paint_cells(cells, value))

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
            self.conv_controls.show_problem(str(exc))
            return
        self.conv_controls.show_problem("")

    def _on_kernel_grid_weight_edited(self, row: int, col: int, value: float) -> None:
        f = self.document.view.selected_filter
        self._edit(lambda: self.document.set_weight(f, row, col, value))

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

    def _on_feature_maps_cell_clicked(self, filter_index: int, row: int, col: int) -> None:
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
        self._refresh_maps()

    def _refresh_input(self) -> None:
        doc = self.document
        h, w, c = doc.input.shape
        self.input_heading.setText(f"Input  {h}x{w}x{c}")
        self.pixel_grid.set_image(doc.input, doc.value_range)
        self.input_tools.set_state((h, w), doc.view.value_mode, self.input_tools.brush())
        self._refresh_keras_line()

    def _refresh_kernels(self) -> None:
        doc = self.document
        f = doc.view.selected_filter
        kh, kw, _, nf = doc.kernels.shape
        self.kernel_heading.setText(f"Kernel {kh}x{kw}: filter {f + 1} of {nf}")
        self.filter_list.set_filters(doc.kernels, f)
        self.kernel_grid.set_kernel(doc.kernels[:, :, 0, f])
        self.kernel_actions.set_bias(float(doc.bias[f]), doc.spec.use_bias)

    def _refresh_layer(self) -> None:
        self.conv_controls.set_spec(self.document.spec)
        self._refresh_kernels()
        self._refresh_keras_line()

    def _refresh_view(self) -> None:
        doc = self.document
        v = doc.view
        self.map_options.set_state(v.colormap, v.shared_scale, v.show_activation, doc.spec.activation != "linear")
        self.feature_maps.set_colormap(v.colormap)
        self.feature_maps.set_shared_scale(v.shared_scale)
        self._refresh_kernels()
        self._refresh_maps()

    def _refresh_keras_line(self) -> None:
        doc = self.document
        spec = doc.spec
        h, w, c = doc.input.shape
        self.keras_line.setText(conv2d_line(spec, (h, w, c)))
        oh, ow, f = doc.result.out_shape if not doc.computing else (None, None, spec.filters)
        shape = f"{oh}x{ow}x{f}" if oh is not None else "computing..."
        self.shape_label.setText(
            f"output {shape}    parameters {count_params(spec, c)}\n"
            f"height: {size_formula(spec, (h, w), 0)}\n"
            f"width:  {size_formula(spec, (h, w), 1)}"
        )

    def _refresh_maps(self) -> None:
        doc = self.document
        res = doc.result
        oh, ow, f = res.out_shape
        self.maps_heading.setText(f"Feature maps  {oh}x{ow}x{f}")
        show_activated = doc.view.show_activation or doc.spec.activation == "linear"
        self.feature_maps.set_maps(res.maps if show_activated else res.pre_activation)
        self.pixel_grid.set_padding(res.pads)
        self.map_options.set_state(
            doc.view.colormap, doc.view.shared_scale, doc.view.show_activation, res.spec.activation != "linear"
        )
        self._refresh_keras_line()
        self._refresh_step(doc.step)

    def _refresh_step(self, step: int) -> None:
        res = self.document.result
        row, col = res.step_position(step)
        rows, cols = res.tap_coordinates(row, col)
        self.pixel_grid.set_window(rows, cols)
        self.feature_maps.set_cell(row, col)

    # ------------------------------------------------------------------ lifecycle
    def closeEvent(self, event: QCloseEvent) -> None:
        self._disconnect_document()
        if self.worker is not None:
            self.worker.stop()
            self.document.set_scheduler(None)
        super().closeEvent(event)
