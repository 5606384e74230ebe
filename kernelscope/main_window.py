"""The window: panes, menus and the one table that wires the Document to the widgets. No math here."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeySequence
from PySide6.QtWidgets import (
    QGroupBox,
    QLabel,
    QMainWindow,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from kernelscope.document import Document, EditError
from kernelscope.engine import count_params
from kernelscope.keras_syntax import conv2d_line, size_formula
from kernelscope.widgets.feature_maps import FeatureMaps
from kernelscope.widgets.kernel_grid import KernelGrid
from kernelscope.widgets.pixel_grid import PixelGrid


def _pane(title: str, body: QWidget) -> tuple[QGroupBox, QLabel]:
    box = QGroupBox()
    layout = QVBoxLayout(box)
    heading = QLabel(title)
    font = heading.font()
    font.setPointSizeF(font.pointSizeF() * 1.25)
    font.setBold(True)
    heading.setFont(font)
    layout.addWidget(heading)
    layout.addWidget(body, 1)
    return box, heading


class MainWindow(QMainWindow):
    """Input | kernel | feature maps side by side, the layer line and messages below."""

    def __init__(self, document: Document | None = None) -> None:
        super().__init__()
        self.document = document if document is not None else Document()
        self.setWindowTitle("kernelscope")

        self.pixel_grid = PixelGrid()
        self.kernel_grid = KernelGrid()
        self.feature_maps = FeatureMaps()
        self.bias_label = QLabel()
        self.keras_line = QLabel()
        self.shape_label = QLabel()
        self.message = QLabel()

        input_box, self.input_heading = _pane("Input", self.pixel_grid)
        kernel_body = QWidget()
        kl = QVBoxLayout(kernel_body)
        kl.setContentsMargins(0, 0, 0, 0)
        kl.addWidget(self.kernel_grid, 1)
        kl.addWidget(self.bias_label)
        kernel_box, self.kernel_heading = _pane("Kernel", kernel_body)
        maps_box, self.maps_heading = _pane("Feature maps", self.feature_maps)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(input_box)
        splitter.addWidget(kernel_box)
        splitter.addWidget(maps_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setStretchFactor(2, 4)
        splitter.setChildrenCollapsible(False)

        mono = QFont("DejaVu Sans Mono")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(self.font().pointSizeF() * 1.15)
        self.keras_line.setFont(mono)
        self.keras_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.shape_label.setFont(mono)
        self.shape_label.setWordWrap(True)
        self.message.setStyleSheet("color: #b00020; font-weight: bold;")
        self.message.setWordWrap(True)

        strip = QWidget()
        sl = QVBoxLayout(strip)
        sl.setContentsMargins(8, 4, 8, 4)
        sl.addWidget(self.keras_line)
        sl.addWidget(self.shape_label)
        sl.addWidget(self.message)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.addWidget(splitter, 1)
        layout.addWidget(strip)
        self.setCentralWidget(central)
        self._build_menus()
        self._wire()
        self._refresh_all()
        self.resize(1280, 800)

    # ------------------------------------------------------------------ wiring table
    def _wire(self) -> None:
        doc = self.document
        # widget intent -> document
        self.pixel_grid.cells_painted.connect(self._on_pixel_grid_cells_painted)
        self.kernel_grid.weight_edited.connect(self._on_kernel_grid_weight_edited)
        self.kernel_grid.entry_refused.connect(self.show_message)
        self.feature_maps.cell_clicked.connect(self._on_feature_maps_cell_clicked)
        # document -> widgets
        doc.input_changed.connect(self._refresh_input)
        doc.kernels_changed.connect(self._refresh_kernels)
        doc.spec_changed.connect(self._refresh_layer)
        doc.view_changed.connect(self._refresh_kernels)
        doc.result_changed.connect(self._refresh_maps)
        doc.step_changed.connect(self._refresh_step)

    def _disconnect_document(self) -> None:
        doc = self.document
        for sig in (doc.input_changed, doc.kernels_changed, doc.spec_changed, doc.view_changed,
                    doc.result_changed, doc.step_changed):
            sig.disconnect()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

    # ------------------------------------------------------------------ intents
    def _on_pixel_grid_cells_painted(self, cells: list[tuple[int, int]], background: bool) -> None:
        lo, hi = self.document.value_range
        self._try(lambda: self.document.paint_cells(cells, lo if background else hi))

    def _on_kernel_grid_weight_edited(self, row: int, col: int, value: float) -> None:
        f = self.document.view.selected_filter
        self._try(lambda: self.document.set_weight(f, row, col, value))

    def _on_feature_maps_cell_clicked(self, filter_index: int, row: int, col: int) -> None:
        ow = self.document.result.out_shape[1]
        self._try(lambda: self.document.select_filter(filter_index))
        self.document.set_step(row * ow + col)

    def _try(self, edit) -> None:  # type: ignore[no-untyped-def]
        try:
            edit()
        except EditError as exc:
            self.show_message(str(exc))
        else:
            self.show_message("")

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    # ------------------------------------------------------------------ document -> widgets
    def _refresh_all(self) -> None:
        self._refresh_input()
        self._refresh_kernels()
        self._refresh_layer()
        self._refresh_maps()

    def _refresh_input(self) -> None:
        doc = self.document
        h, w, c = doc.input.shape
        self.input_heading.setText(f"Input  {h}x{w}x{c}")
        self.pixel_grid.set_image(doc.input, doc.value_range)

    def _refresh_kernels(self) -> None:
        doc = self.document
        f = doc.view.selected_filter
        kh, kw, _, nf = doc.kernels.shape
        self.kernel_heading.setText(f"Kernel  {kh}x{kw}   filter {f + 1} of {nf}")
        self.kernel_grid.set_kernel(doc.kernels[:, :, 0, f])
        if doc.spec.use_bias:
            self.bias_label.setText(f"bias = {float(doc.bias[f]):g}")
        else:
            self.bias_label.setText("no bias (use_bias=False)")

    def _refresh_layer(self) -> None:
        doc = self.document
        spec = doc.spec
        h, w, c = doc.input.shape
        self.keras_line.setText(conv2d_line(spec, (h, w, c)))
        oh, ow, f = doc.result.out_shape
        self.shape_label.setText(
            f"output {oh}x{ow}x{f}    parameters {count_params(spec, c)}\n"
            f"height: {size_formula(spec, (h, w), 0)}\n"
            f"width:  {size_formula(spec, (h, w), 1)}"
        )
        self.pixel_grid.set_padding(doc.result.pads)

    def _refresh_maps(self) -> None:
        doc = self.document
        res = doc.result
        oh, ow, f = res.out_shape
        self.maps_heading.setText(f"Feature maps  {oh}x{ow}x{f}")
        self.feature_maps.set_maps(res.maps if doc.view.show_activation else res.pre_activation)
        self._refresh_layer()
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
        super().closeEvent(event)
