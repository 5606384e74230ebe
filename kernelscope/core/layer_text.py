"""The text under the panes: the live Keras line that builds the layer, and its output shape,
parameter count and output-size formulas with the numbers filled in."""

from __future__ import annotations

from kernelscope.core.engine import ConvSpec, count_params
from kernelscope.core.keras_syntax import conv2d_line, size_formula


def layer_text(
    spec: ConvSpec, input_shape: tuple[int, int, int], out_shape: tuple[int, int, int] | None
) -> tuple[str, str]:
    """(``layers.Conv2D(...)``, ``output 3x3x1    parameters 10    height: ...    width: ...``);
    ``out_shape`` None: the output is still being computed."""
    h, w, c = input_shape
    shape = "x".join(map(str, out_shape)) if out_shape is not None else "computing..."
    return conv2d_line(spec, input_shape), (
        f"output {shape}    parameters {count_params(spec, c)}    "
        f"height: {size_formula(spec, (h, w), 0)}    width: {size_formula(spec, (h, w), 1)}"
    )
