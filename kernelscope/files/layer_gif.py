"""The frames of one layer of a stack, for the stepping GIF: the layer's result computed once, its
words (title, Keras line, what it receives) and its colours, then one QImage a step.

A Conv2D keeps the one-Conv2D frames (``frame_renderer``); every other layer draws with
``layer_frame_renderer``. The session's input is greyed by its value mode as the window greys it;
another layer's maps are coloured with the session's colour map, as the window colours maps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from kernelscope.core.colour_scale import map_levels
from kernelscope.core.engine import ConvResult, stack
from kernelscope.files.sessions import VALUE_MODES, Session

if TYPE_CHECKING:
    from PySide6.QtGui import QImage

__all__ = ["layer_frames", "layer_subtitle"]

RGB_NAMES = ("R", "G", "B")


def layer_subtitle(session: Session, layer: int) -> str:
    """``layer 2 of 4: layers.MaxPooling2D(pool_size=(2, 2), ...)``: the layer as Keras code writes it
    (a Conv2D as the article writes it, with the shape it receives)."""
    from kernelscope.files.keras_code import keras_layer_line

    entry = session.layers[layer]
    if entry.class_name == "Conv2D":  # the article's own short form, with the shape it receives
        from kernelscope.core.keras_syntax import conv2d_line
        from kernelscope.core.scene import conv_spec

        h, w, c = entry.input_shape
        line = conv2d_line(conv_spec(entry.config), (h, w, c))
    else:
        line = keras_layer_line(entry.class_name, {k: v for k, v in entry.config.items() if k != "name"})
    return f"layer {layer + 1} of {len(session.layers)}: {line}"


def _levels(values: np.ndarray, channel: int | None, colormap: str, shared: bool) -> tuple[float, float]:
    """The colour levels of maps (one channel's, unless the scale is shared) or of a vector."""
    if values.ndim == 3 and not shared and channel is not None:
        return map_levels(values[:, :, channel], colormap)
    return map_levels(values, colormap)


def layer_frames(session: Session, layer: int, channel: int, size: tuple[int, int]) -> Callable[[int], QImage]:
    """A function drawing step ``k`` (0-based) of layer ``layer`` on output channel ``channel``."""
    results = stack.forward_results(session.input, session.layers)
    result = results[layer]
    entry = session.layers[layer]
    view = session.view
    first = layer == 0
    x = np.asarray(result.input)  # type: ignore[attr-defined]
    channels = int(x.shape[2]) if x.ndim == 3 else 0
    names = RGB_NAMES if first and channels == 3 else None
    input_name = "input" if first else session.layer_names[layer - 1]
    if first:
        input_range = VALUE_MODES[view.value_mode]
    else:
        input_range = map_levels(x, view.colormap)
    subtitle = layer_subtitle(session, layer)
    out = np.asarray(result.output)
    out_channel = channel if out.ndim == 3 else None
    levels = _levels(out, out_channel, view.colormap, view.shared_scale)

    if isinstance(result, ConvResult):
        from kernelscope.files.frame_renderer import InStack, render_step_frame

        maps = result.maps if view.show_activation else result.pre_activation
        levels = map_levels(maps if view.shared_scale else maps[channel], view.colormap)
        place = InStack(subtitle, input_name, names, 0, None if first else view.colormap)

        def conv_frame(step: int) -> QImage:
            return render_step_frame(
                result, channel, step, input_range, reveal=True, colormap=view.colormap, size=size,
                levels=levels, activated=view.show_activation, in_stack=place,
            )

        return conv_frame

    from kernelscope.files.layer_frame_renderer import LayerScene, render_layer_frame

    last = layer == len(session.layers) - 1
    scene = LayerScene(
        result=result,
        title=f"{entry.name} ({entry.class_name})",
        subtitle=subtitle,
        input_name=input_name,
        output_name=entry.name,
        input_levels=input_range,
        levels=levels,
        input_grey=first,
        colormap=view.colormap,
        channel_names=names,
        class_names=session.class_names if last else (),
    )

    def frame(step: int) -> QImage:
        return render_layer_frame(scene, step, channel, size=size)

    return frame
