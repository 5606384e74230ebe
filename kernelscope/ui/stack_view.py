"""The stack in the window: the layer list (as ``model.summary()``), the settings and weights of a
layer that is not a Conv2D, a vector output as bars, the strip of every layer's output, and the
receptive field lit on it. The window shows the Conv2D panels; this decides which panels a
selected layer needs and draws the rest. It reads the document and asks the controller."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from kernelscope.core.colour_scale import map_levels
from kernelscope.core.controller import Controller
from kernelscope.core.document import Document
from kernelscope.core.engine import ACTIVATIONS, ConvResult, DenseLayer, LayerOutput
from kernelscope.core.engine.stack import LAYER_CLASSES
from kernelscope.core.receptive_field import Region, receptive_field
from kernelscope.core.stack_ops import layer_config, layer_weights, weight_roles
from kernelscope.core.weight_memory import edited_cells
from kernelscope.ui.widgets.heading import Heading
from kernelscope.ui.widgets.layer_list import LayerList, LayerRow
from kernelscope.ui.widgets.layer_settings import LayerSettings
from kernelscope.ui.widgets.stack_strip import StackStripArea, StripTile
from kernelscope.ui.widgets.vector_bars import VectorBars
from kernelscope.ui.widgets.weight_table import WeightTable

DENSE_ACTIVATIONS = (*ACTIVATIONS, "softmax")


def shape_text(shape: Sequence[int]) -> str:
    """Keras's output shape with the batch axis: ``(None, 26, 26, 8)``."""
    return "(" + ", ".join(["None", *(str(n) for n in shape)]) + ")"


def map_ranges(maps: np.ndarray) -> np.ndarray:
    """(C, 2) smallest and largest value of each of (C, H, W) maps."""
    flat = maps.reshape(maps.shape[0], -1)
    return np.stack([flat.min(axis=1), flat.max(axis=1)], axis=1)


def channel_first(output: np.ndarray) -> np.ndarray:
    """(H, W, C) maps as (C, H, W), contiguous, as the feature maps view draws them."""
    return np.ascontiguousarray(output.transpose(2, 0, 1))


class StackView(QObject):
    """Owns the stack's widgets; ``refresh`` after the document settled, ``light`` on every step."""

    input_field = Signal(object)  # the input-pane cells a hovered cell reads (a set; empty: none hovered)

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.controller: Controller
        self.layer_list = LayerList(LAYER_CLASSES)
        self.settings_heading = Heading("Settings")
        self.layer_settings = LayerSettings(DENSE_ACTIVATIONS)
        self.weight_table = WeightTable()
        self.vector_bars = VectorBars()
        self.vector_bars.setMinimumHeight(60)  # it scrolls: the step panel under it keeps its room
        self.strip_area = StackStripArea()
        self.strip = self.strip_area.strip
        self.problem_box = QWidget()
        self.problem_label = QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet("color: #b00020; font-weight: bold")
        self.fit_button = QPushButton("Fit its weights to what it receives")
        self.fit_button.setToolTip("Crop or zero-pad this layer's weights to its new input; "
                                   "the weights that still apply keep their values")
        column = QVBoxLayout(self.problem_box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.problem_label)
        column.addWidget(self.fit_button, 0, Qt.AlignmentFlag.AlignLeft)
        for widget in (self.problem_box, self.settings_heading, self.layer_settings, self.weight_table,
                       self.vector_bars):
            widget.setVisible(False)  # until a layer needs them: the panes' sizes are measured without them
        self.model_heading = Heading("Model")
        self.model_bar = self._model_bar()
        self._hover: tuple[int, int, int] | None = None  # a strip cell under the pointer: its field is lit
        self._step_cell: tuple[int, tuple[int, ...]] | None = None  # (layer, cell) of the step
        self._strip_shows: tuple[tuple[object, ...], tuple[object, ...]] = ((), ())  # (objects, values) drawn

    def _model_bar(self) -> QWidget:
        """Under the panes: the layer list (model.summary()) and, for a stack, the strip of every output."""
        bar = QWidget()
        row = QHBoxLayout(bar)
        row.setContentsMargins(0, 0, 0, 0)
        column = QVBoxLayout()
        column.setContentsMargins(0, 0, 0, 0)
        self.layer_list.add_leading(self.model_heading)
        column.addWidget(self.layer_list)
        column.addStretch(1)
        row.addLayout(column, 0)
        row.addWidget(self.strip_area, 1)
        return bar

    def wire(self, controller: Controller) -> None:
        """Intents go to ``controller`` (built after the widgets it reads)."""
        self.controller = c = controller
        self.layer_list.layer_selected.connect(c.select_layer)
        self.layer_list.add_requested.connect(c.add_layer)
        self.layer_list.remove_requested.connect(c.remove_layer)
        self.layer_list.duplicate_requested.connect(c.duplicate_layer)
        self.layer_list.move_requested.connect(c.move_layer)
        self.layer_settings.config_edited.connect(self._on_config_edited)
        self.weight_table.weight_edited.connect(c.edit_layer_weight)
        self.weight_table.entry_refused.connect(c.view.report)
        self.vector_bars.unit_clicked.connect(c.go_to_unit)
        self.vector_bars.class_names_edited.connect(c.rename_classes)
        self.fit_button.clicked.connect(lambda: c.fit_layer(self.document.selected_layer))
        self.strip.tile_clicked.connect(lambda t: c.select_layer(max(0, t - 1)))
        self.strip.cell_hovered.connect(self._on_cell_hovered)
        self.strip.cell_clicked.connect(self._on_cell_clicked)

    def disconnect_all(self) -> None:
        """The window closes: nothing reaches the document any more."""
        for widget in (self.layer_list, self.layer_settings, self.weight_table, self.vector_bars, self.fit_button,
                       self.strip):
            widget.blockSignals(True)

    # ------------------------------------------------------------------ what the selection needs
    def selected_is_conv(self) -> bool:
        return self.document.selected_class == "Conv2D"

    def output_is_vector(self) -> bool:
        """The selected layer's output has no rows and columns (Flatten, Dense, a global pool)."""
        doc = self.document
        outputs = doc.links.outputs
        return doc.selected_layer < len(outputs) and len(outputs[doc.selected_layer]) != 3

    def shows_bars(self) -> bool:
        """The maps pane shows bars (a vector), or the bars' message when the layer is not computed."""
        return self.output_is_vector() or self.document.selected_result is None

    # ------------------------------------------------------------------ drawing
    def refresh(self) -> None:
        """The layer list, the selected layer's panels and the strip, from the document."""
        doc = self.document
        links, problem = doc.links, doc.problem
        rows, edited = [], doc.edited_layers()
        for i, (layer, name) in enumerate(zip(doc.layers, doc.layer_names, strict=True)):
            fits = i < links.fits
            why = problem[1] if problem is not None and problem[0] == i else None
            rows.append(LayerRow(name, layer.keras_class, shape_text(links.outputs[i]) if fits else None,
                                 links.params[i] if fits else None, why, fits or why is not None, i in edited))
        total = sum(links.params) if problem is None else None
        self.layer_list.set_rows(rows, doc.selected_layer, total)
        count = len(doc.layers)
        for widget in (self.layer_list.table, self.layer_list.total_label):
            widget.setVisible(count > 1)  # one layer: the panes above are its whole summary
        self.model_heading.setText(f"Model: {count} layers" if count > 1 else
                                   "Model: one layer" + (" \u270e weights edited" if edited else ""))
        self.model_heading.setToolTip("Pick a layer to edit it and step it; Add puts a new one after the picked one"
                                      if count > 1 else "Add layers after this one to make a stack (Add ▾)")
        self._refresh_problem()
        self._refresh_settings()
        self._refresh_vector()
        self._refresh_strip()

    def _refresh_problem(self) -> None:
        doc, problem = self.document, self.document.problem
        mine = problem is not None and problem[0] == doc.selected_layer
        above = problem is not None and problem[0] < doc.selected_layer
        self.problem_box.setVisible(mine or above)
        if mine and problem is not None:
            self.problem_label.setText(f"This layer does not fit what it receives: {problem[1]}")
        elif above and problem is not None:
            where = problem[0]
            self.problem_label.setText(f"Not computed: layer {where + 1} ({doc.layer_names[where]}) above does not "
                                       f"fit ({problem[1]})")
        fixable = mine and bool(layer_weights(doc.layers[doc.selected_layer]))
        self.fit_button.setVisible(fixable)

    def _refresh_settings(self) -> None:
        """The settings form and weight table of a layer that is not a Conv2D (``pane_drawing.show_panels``
        decides whether they show)."""
        doc = self.document
        layer, name = doc.layers[doc.selected_layer], doc.layer_names[doc.selected_layer]
        if self.selected_is_conv():
            return
        weights = layer_weights(layer)
        self.settings_heading.setText(f"{name} ({layer.keras_class})")
        self.layer_settings.set_layer(layer.keras_class, {"name": name, **layer_config(layer)})
        if weights:
            opened = doc.opened_weights(doc.selected_layer) if doc.selected_layer in doc.edited_layers() else None
            self.weight_table.set_edited([None if opened is None or k >= len(opened) else edited_cells(w, opened[k])
                                          for k, w in enumerate(weights)])
            self.weight_table.set_arrays(list(zip(weight_roles(layer), weights, strict=True)))
            if isinstance(layer, DenseLayer) and doc.selected_layer == len(doc.layers) - 1:
                self.weight_table.set_unit_labels(self._labels(layer.units))

    def _labels(self, count: int) -> list[str]:
        names = list(self.document.class_names[:count])
        return names + [""] * (count - len(names))

    def _refresh_vector(self) -> None:
        doc = self.document
        result = doc.selected_result
        if result is None:
            self.vector_bars.set_empty(self.problem_label.text() if doc.problem is not None else "computing…")
            return
        if not self.output_is_vector():
            return
        values = result.output
        last = doc.selected_layer == len(doc.layers) - 1
        layer = doc.layers[doc.selected_layer]
        softmax = isinstance(layer, DenseLayer) and layer.activation == "softmax"
        labels = self._labels(values.size) if last else [""] * values.size
        self.vector_bars.set_values(values, labels, softmax)
        self.fit_bars()

    def fit_bars(self) -> None:
        """The bars as tall as their rows need (up to ten, then they scroll): the step panel under
        them keeps the rest, so its sums never sit on its products."""
        self.vector_bars.fit_to_rows()

    def _refresh_strip(self) -> None:
        doc = self.document
        many = len(doc.layers) > 1
        self.strip_area.setVisible(many)
        if not many:
            return
        channel, colormap = doc.view.selected_filter, doc.view.colormap
        if self._strip_unchanged((doc.input, *doc.results), (doc.layer_names, doc.links.fits, doc.problem, channel,
                                                                colormap, doc.selected_layer)):
            return
        tiles = [self._tile("input", doc.input, channel, colormap)]
        for i, name in enumerate(doc.layer_names):
            result = doc.results[i] if i < len(doc.results) and i < doc.links.fits else None
            tiles.append(self._tile(name, None if result is None else result.output, channel, colormap,
                                    "" if result is not None else self._why_not(i)))
        self.strip.set_colormap(doc.view.colormap)
        self.strip.set_tiles(tiles, doc.selected_layer + 1)

    def _strip_unchanged(self, objects: tuple[object, ...], values: tuple[object, ...]) -> bool:
        """Whether the strip already shows these: the input and results are immutable, so the same
        objects draw the same tiles (an edit waiting for the worker keeps them; recolouring every
        level's values would stall the UI thread for nothing)."""
        (old_objects, old_values), self._strip_shows = self._strip_shows, (objects, values)
        return (len(objects) == len(old_objects) and all(a is b for a, b in zip(objects, old_objects, strict=True))
                and values == old_values)

    def _why_not(self, index: int) -> str:
        problem = self.document.problem
        if problem is None:
            return "computing…"
        return "does not fit" if problem[0] == index else "not computed"

    @staticmethod
    def _tile(name: str, values: np.ndarray | None, channel: int, colormap: str, note: str = "") -> StripTile:
        """One level of the strip: the channel stepped (clamped), coloured on the whole level's scale."""
        if values is None:
            return StripTile(name, None, (0.0, 1.0), note)
        shape = "x".join(str(n) for n in values.shape)
        if values.ndim == 3:
            plane = values[:, :, min(channel, values.shape[2] - 1)]
        else:
            plane = values.reshape(-1)
        return StripTile(f"{name} {shape}", plane, map_levels(values, colormap))

    # ------------------------------------------------------------------ the receptive field
    def light(self, layer: int, cell: tuple[int, ...]) -> None:
        """The step's cell (``cell`` of layer ``layer``'s output): its upstream cells lit on the strip."""
        self._step_cell = (layer, cell)
        if self._hover is None:
            self._light(layer, cell)

    def hover_map_cell(self, channel: int, row: int, col: int) -> None:
        """A cell of the selected layer's maps under the pointer: its field lit, in the input pane too."""
        doc = self.document
        if channel < 0:
            self._hover = None
            self.input_field.emit(set())
            if self._step_cell is not None:
                self._light(*self._step_cell)
            return
        self._hover = (doc.selected_layer + 1, row, col)
        regions = self._light(doc.selected_layer, (row, col, channel))
        if regions:
            last = regions[-1]
            self.input_field.emit(last.cells() if not last.everything or len(last.shape) == 3 else set())

    def _light(self, layer: int, cell: tuple[int, ...]) -> list[Region]:
        doc = self.document
        if layer >= doc.links.fits:
            self.strip.set_lit([])
            return []
        try:
            regions = receptive_field(doc.layers, doc.input.shape, layer, cell)
        except (ValueError, IndexError):
            self.strip.set_lit([])
            return []
        if not self.strip_area.isVisible():
            return regions
        lit: list[tuple[np.ndarray, np.ndarray, bool] | None] = [(r.rows, r.cols, r.everything) for r in regions]
        lit.append(None)  # the cell's own level: framed, not lit
        lit += [None] * (len(doc.layers) - layer - 1)
        self.strip.set_lit(lit)
        if len(cell) == 3:
            self.strip.set_cell(layer + 1, cell[0], cell[1])
        else:
            self.strip.set_cell(layer + 1, cell[0], 0)
        return regions

    def _cell_of_tile(self, tile: int, row: int, col: int) -> tuple[int, ...] | None:
        """The output cell of layer ``tile - 1`` a strip cell stands for (its channel: the one shown)."""
        doc = self.document
        if tile < 1 or tile - 1 >= len(doc.results):
            return None
        shape = doc.results[tile - 1].output.shape
        if len(shape) == 3:
            return row, col, min(doc.view.selected_filter, shape[2] - 1)
        return (row,)

    def _on_cell_hovered(self, tile: int, row: int, col: int) -> None:
        cell = self._cell_of_tile(tile, row, col)
        if cell is None:
            self._hover = None
            if self._step_cell is not None:
                self._light(*self._step_cell)
            return
        self._hover = (tile, row, col)
        self._light(tile - 1, cell)

    def _on_cell_clicked(self, tile: int, row: int, col: int) -> None:
        cell = self._cell_of_tile(tile, row, col)
        if cell is None:
            return
        self.controller.select_layer(tile - 1)
        if len(cell) == 3:
            self.controller.go_to_cell(cell[2], cell[0], cell[1])
        else:
            self.controller.go_to_unit(cell[0])

    # ------------------------------------------------------------------ intents answered here
    def _on_config_edited(self, config: dict[str, object]) -> None:
        problem = self.controller.edit_layer_config(dict(config))
        if problem:  # back to what the document holds, then say why
            self._refresh_settings()
        self.layer_settings.show_problem(problem or None)


def result_maps(result: LayerOutput, activated: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(C, H, W) maps of a map-shaped result and each one's (min, max), for the feature maps view."""
    if isinstance(result, ConvResult):
        maps = result.maps if activated else result.pre_activation
        return maps, result.value_range(activated=activated)
    maps = channel_first(result.output)
    return maps, map_ranges(maps)
