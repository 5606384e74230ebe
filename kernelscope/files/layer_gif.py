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
from kernelscope.files.keras_line import keras_layer_line
from kernelscope.files.sessions import VALUE_MODES, Session

if TYPE_CHECKING:
    from PySide6.QtGui import QImage

    from kernelscope.files.layer_frame_renderer import LayerScene

__all__ = ["layer_frames", "layer_scene", "layer_subtitle"]

RGB_NAMES = ("R", "G", "B")


def layer_subtitle(session: Session, layer: int) -> str:
    """``layer 2 of 4: layers.MaxPooling2D(pool_size=(2, 2), ...)``: the layer as Keras code writes it
    (a Conv2D as the article writes it, with the shape it receives)."""
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


def layer_scene(session: Session, layer: int, channel: int = 0) -> LayerScene:
    """What every frame of layer ``layer`` (0-based) shares: its result, words and colours (output
    levels of ``channel`` when the session's scale is per map)."""
    from kernelscope.files.layer_frame_renderer import LayerScene

    result = stack.forward_results(session.input, session.layers)[layer]
    entry = session.layers[layer]
    view = session.view
    first = layer == 0
    x = np.asarray(result.input)  # type: ignore[attr-defined]
    channels = int(x.shape[2]) if x.ndim == 3 else 0
    out = np.asarray(result.output)
    if isinstance(result, ConvResult):  # the window's maps: after or before the activation
        out = (result.maps if view.show_activation else result.pre_activation).transpose(1, 2, 0)
    last = layer == len(session.layers) - 1
    return LayerScene(
        result=result,
        title=f"{entry.name} ({entry.class_name})",
        subtitle=layer_subtitle(session, layer),
        input_name="input" if first else session.layer_names[layer - 1],
        output_name=entry.name,
        input_levels=VALUE_MODES[view.value_mode] if first else map_levels(x, view.colormap),
        levels=_levels(out, channel if out.ndim == 3 else None, view.colormap, view.shared_scale),
        input_grey=first,
        colormap=view.colormap,
        channel_names=RGB_NAMES if first and channels == 3 else None,
        class_names=session.class_names if last else (),
    )


def layer_frames(session: Session, layer: int, channel: int, size: tuple[int, int]) -> Callable[[int], QImage]:
    """A function drawing step ``k`` (0-based) of layer ``layer`` on output channel ``channel``."""
    scene = layer_scene(session, layer, channel)
    result = scene.result
    if isinstance(result, ConvResult):
        from kernelscope.files.frame_renderer import InStack, render_step_frame

        view = session.view
        colours = None if scene.input_grey else view.colormap
        place = InStack(scene.subtitle, scene.input_name, scene.channel_names, 0, colours)

        def conv_frame(step: int) -> QImage:
            return render_step_frame(
                result, channel, step, scene.input_levels, reveal=True, colormap=view.colormap, size=size,
                levels=scene.levels, activated=view.show_activation, in_stack=place,
            )

        return conv_frame

    from kernelscope.files.layer_frame_renderer import render_layer_frame

    def frame(step: int) -> QImage:
        return render_layer_frame(scene, step, channel, size=size)

    return frame
