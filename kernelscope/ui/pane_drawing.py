"""The window's panes drawn for the selected layer: the input it receives (the painted input for the
first layer, the previous layer's maps for the others), its maps or its vector, the Conv2D kernel
panel, the line under the panes, and which panels the layer needs. The window calls these from its
refreshes; they read the document only."""

from __future__ import annotations

from typing import Any

import numpy as np

from kernelscope.core.engine import ConvResult
from kernelscope.core.layer_text import layer_text
from kernelscope.core.stack_ops import layer_config, layer_weights
from kernelscope.core.weight_memory import edited_cells
from kernelscope.ui.stack_view import result_maps, shape_text

Window = Any  # the main window: its widgets, document, ports and projector (no import of it here)


def _shown_channel(window: Window, channels: int) -> int:
    """The channel of a layer's input shown: the kernel channel edited for a Conv2D, else the one stepped."""
    doc = window.document
    if doc.selected_class == "Conv2D":
        return window.kernel_channel.channel(channels)
    return min(doc.view.selected_filter, channels - 1)


def vector_grid(size: int) -> tuple[int, int]:
    """Rows and columns to show a vector of ``size`` values in reading order: the most square
    exact split (676 -> 26 x 26), or one row when the only splits are thin strips."""
    best = 1
    for rows in range(1, int(size**0.5) + 1):
        if size % rows == 0:
            best = rows
    return (best, size // best) if best * 4 >= int(size**0.5) else (1, size)


def ink(document: Any) -> float:
    """The brush a new scene starts with: the end of the value range farther from most of its
    cells (black on the article's white paper, white on an MNIST-like black one)."""
    lo, hi = document.value_range
    return lo if float(np.median(document.input)) >= (lo + hi) / 2 else hi


def draw_input(window: Window) -> None:
    """The input pane: paintable for the first layer, the maps it reads for any other."""
    doc, w = window.document, window
    index = doc.selected_layer
    if index == 0:
        h, wd, c = doc.input.shape
        w.input_heading.setText(f"Input  {h}x{wd}x{c}")
        w.channel_picker.set_channels(c)
        w.channel_picker.setVisible(c > 1 and not w.projector.on)
        ch = w.ports.input_channel()
        if ch is not None:
            image = doc.input[:, :, ch : ch + 1]
        elif c in (1, 3):
            image = doc.input
        else:
            image = doc.input.mean(axis=2, keepdims=True)  # what painting every channel shows
        w.pixel_grid.set_paintable(True)
        w.pixel_grid.set_image(image, doc.value_range)
        return
    w.channel_picker.setVisible(False)
    w.pixel_grid.set_paintable(False)
    x = doc.layer_input(index)
    before = doc.layer_names[index - 1]
    if x is None:
        w.input_heading.setText(f"Input of layer {index + 1}: {before} is not computed")
        w.pixel_grid.set_image(np.zeros((1, 1, 1), np.float32), (0.0, 1.0))
        return
    lo, hi = float(x.min()), float(x.max())
    value_range = (lo, hi if hi > lo else lo + 1.0)
    if x.ndim == 3:
        ch = _shown_channel(window, x.shape[2])
        if w.projector.on:  # one line at the class's size: the loupe below needs the height
            w.input_heading.setText("Input {}x{}x{}, ch {}".format(*x.shape, ch + 1))
        else:
            w.input_heading.setText("Input: {}'s maps {}x{}x{}, channel {}".format(before, *x.shape, ch + 1))
        w.pixel_grid.set_image(x[:, :, ch : ch + 1], value_range)
    else:
        rows, cols = vector_grid(x.size)
        w.input_heading.setText(f"Input: {before}'s {x.size} values" + (f", {cols} a row" if rows > 1 else ""))
        w.pixel_grid.set_image(x.reshape(rows, cols, 1), value_range)


def draw_maps(window: Window) -> None:
    """The selected layer's maps (or, for a vector, its bars: the stack view draws those)."""
    doc, w = window.document, window
    res = doc.selected_result
    name = doc.layer_names[doc.selected_layer]
    if res is None:
        w.maps_heading.setText(f"{name}: not computed")
        return
    shape = res.output.shape
    if len(shape) != 3:
        w.maps_heading.setText(f"{name} output  {shape_text(shape)}")
        return
    conv = isinstance(res, ConvResult)
    activated = conv and res.spec.activation != "linear"
    show = not activated or doc.view.show_activation
    maps, ranges = result_maps(res, show)
    w.feature_maps.set_noun("filter" if conv else "channel")
    w.feature_maps.set_maps(maps, ranges)
    title = "Feature maps" if len(doc.layers) == 1 else f"{name} output"
    w.maps_heading.setText("{}  {}x{}x{}".format(title, *shape))
    w.map_options.set_state(doc.view.colormap, doc.view.shared_scale, doc.view.show_activation, activated)


def draw_layer_text(window: Window) -> None:
    """The line under the panes: the selected layer as Keras code, its output and parameters."""
    doc, w = window.document, window
    index = doc.selected_layer
    links = doc.links
    out = links.outputs[index] if index < links.fits and not doc.computing else None
    layer = doc.layers[index]
    if doc.selected_class == "Conv2D" and index < len(links.inputs) and len(links.inputs[index]) == 3:
        h, wd, c = links.inputs[index]
        conv_out = (out[0], out[1], out[2]) if out is not None and len(out) == 3 else None
        line, numbers = layer_text(doc.spec, (h, wd, c), conv_out)
        if index > 0:  # Keras reads input_shape on the first layer only
            line = line[: line.rfind(", input_shape=")] + ")" if ", input_shape=" in line else line
        w.status_strip.set_layer_text(line, numbers)
        return
    args = ", ".join(f"{key}={value!r}" for key, value in layer_config(layer).items())
    shape = "x".join(str(n) for n in out) if out is not None else "not computed"
    params = links.params[index] if index < links.fits else "-"
    w.status_strip.set_layer_text(f"layers.{layer.keras_class}({args})", f"output {shape}    parameters {params}")


def draw_kernel_panel(window: Window) -> None:
    """The selected Conv2D's filters, the kernel of one channel and its bias."""
    doc, w = window.document, window
    if doc.selected_class != "Conv2D":
        return
    f = doc.view.selected_filter
    kh, kw, c, nf = doc.kernels.shape
    of = f"  (filter {f + 1})" if nf > 1 else ""
    w.kernel_heading.setText(f"Kernel {kh}x{kw}{of}" if w.projector.on else f"Kernel {kh}x{kw}: filter {f + 1} of {nf}")
    w.filter_list.set_filters(doc.kernels, f)
    w.kernel_channel.set_channels(c)
    w.kernel_channel.setVisible(c > 1)
    ch = w.ports.kernel_channel_index()
    w.filter_images.set_filters(doc.kernels, f, ch, doc.selected_layer == 0)
    opened = doc.opened_weights(doc.selected_layer) if doc.selected_layer in doc.edited_layers() else None
    w.kernel_grid.set_edited(None if not opened else edited_cells(doc.kernels, opened[0])[:, :, ch, f])
    w.kernel_grid.set_kernel(doc.kernels[:, :, ch, f])
    w.kernel_actions.set_bias(float(doc.bias[f]), doc.spec.use_bias)


def show_panels(window: Window) -> None:
    """Which panels the selected layer needs: a Conv2D's kernels or another layer's settings, maps or
    bars, the paint tools for the first layer only; projector mode keeps its own few."""
    doc, w, sv = window.document, window, window.stack_view
    conv, first = sv.selected_is_conv(), doc.selected_layer == 0
    projector = w.projector.on
    for widget in (w.conv_controls, w.filter_views, w.kernel_actions):
        widget.setVisible(conv and not projector)
    for widget in (w.kernel_heading, w.kernel_grid):
        widget.setVisible(conv)
    if not conv:
        w.kernel_channel.setVisible(False)
    w.layer_heading.setVisible(conv and not projector)
    for widget in (w.input_tools, w.brush_size):
        widget.setVisible(first and not projector)
    bars = sv.shows_bars()
    sv.fit_bars()
    w.feature_maps.setVisible(not bars)
    sv.vector_bars.setVisible(bars)
    w.map_options.setVisible(not bars and not projector)
    other = not conv and not projector  # a layer's settings and weights: not for the back of the room
    w.splitter.widget(1).setVisible(conv or not projector)  # nothing for the class there: the room goes to the others
    sv.settings_heading.setVisible(other)
    sv.layer_settings.setVisible(other)
    sv.weight_table.setVisible(other and bool(layer_weights(doc.layers[doc.selected_layer])))
