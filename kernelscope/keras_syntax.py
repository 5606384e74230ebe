"""The layer as Keras code: ``layers.Conv2D(...)`` written from a ConvSpec, and the size formula."""

from __future__ import annotations

from kernelscope.engine import ConvSpec, padding_amounts


def _pair(p: tuple[int, int]) -> str:
    return f"({p[0]}, {p[1]})"


def conv2d_line(spec: ConvSpec, input_shape: tuple[int, int, int]) -> str:
    """The shortest ``layers.Conv2D`` call that builds this layer (defaults left out, as people write it)."""
    args = [str(spec.filters), _pair(spec.kernel_size)]
    if spec.strides != (1, 1):
        args.append(f"strides={_pair(spec.strides)}")
    if spec.padding != "valid":
        args.append(f'padding="{spec.padding}"')
    if spec.dilation_rate != (1, 1):
        args.append(f"dilation_rate={_pair(spec.dilation_rate)}")
    if spec.activation != "linear":
        args.append(f'activation="{spec.activation}"')
    if not spec.use_bias:
        args.append("use_bias=False")
    args.append(f"input_shape=({input_shape[0]}, {input_shape[1]}, {input_shape[2]})")
    return f"layers.Conv2D({', '.join(args)})"


def size_formula(spec: ConvSpec, input_hw: tuple[int, int], axis: int) -> str:
    """The output-size formula for one axis with the numbers filled in, e.g. ``floor((5 - 3) / 1) + 1 = 3``."""
    n = input_hw[axis]
    k, s, d = spec.kernel_size[axis], spec.strides[axis], spec.dilation_rate[axis]
    if spec.padding == "same":
        out = -(-n // s)
        before, after = padding_amounts(input_hw, spec)[axis]
        return f"ceil({n} / {s}) = {out}   (zero padding {before} before, {after} after)"
    out = (n - d * (k - 1) - 1) // s + 1
    if d == 1:
        return f"floor(({n} - {k}) / {s}) + 1 = {out}"
    return f"floor(({n} - {d} * ({k} - 1) - 1) / {s}) + 1 = {out}"
