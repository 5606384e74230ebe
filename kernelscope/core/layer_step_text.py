"""The arithmetic of one output cell of any layer, written as a teacher writes it on a whiteboard.

Conv2D keeps the article's products (``arithmetic.step_text``); pooling lists its window and writes
``max(...)`` or ``(a + b) / 2``; Dense writes the largest contributions of one unit first and sums
the rest; the elementwise layers write their one formula. Every text is an
:class:`~kernelscope.core.arithmetic.StepText`, so the step panel and the GIF export show it
unchanged. Every number shown is a number of the layer's trace, formatted; the last one is the
output cell's value. Also the stepping order the window uses for any result (``steps_of``,
``cell_of``, ``step_of``): maps row-major over (H', W') on one channel, vectors unit by unit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kernelscope.core.arithmetic import Group, StepText, format_number, step_text
from kernelscope.core.engine import (
    ConvResult,
    DenseResult,
    DenseTrace,
    ElementResult,
    LayerOutput,
    PoolResult,
    PoolTrace,
    StepTrace,
)

__all__ = ["cell_of", "layer_step_text", "step_of", "steps_of"]

# Above this many input channels a Conv2D step shows one sum per channel, not every product.
COLLAPSE_ABOVE = 3
# A pooling window of more cells than this gets a blank line between its rows (as a Conv2D window).
PLAIN_CELLS = 9
WINNER_MARK = "  <- max"


def _term(v: float) -> str:
    """A number inside a sum: negative ones in parentheses (``1 + (-2) + 3``)."""
    text = format_number(v)
    return f"({text})" if text.startswith("-") else text


def _count(n: int, what: str) -> str:
    """``1 cell``, ``5,172 cells``."""
    return f"{n:,} {what}" + ("" if n == 1 else "s")


def _names(channel_names: Sequence[str] | None, channels: int) -> list[str]:
    """The names of ``channels`` channels: the given ones, else 1, 2, 3, ... as the step panel counts them."""
    if channel_names is None:
        return [str(i + 1) for i in range(channels)]
    if len(channel_names) != channels:
        raise ValueError(f"{len(channel_names)} channel names for {channels} channels")
    return list(channel_names)


def _aligned(pairs: Sequence[tuple[str, str]], sep: str, tails: Sequence[str] = ()) -> tuple[str, ...]:
    """``left sep right`` lines with both columns right-aligned (for the monospace step panel)."""
    if not pairs:
        return ()
    wa = max(len(a) for a, _ in pairs)
    wb = max(len(b) for _, b in pairs)
    tails = list(tails) or [""] * len(pairs)
    return tuple(f"{a:>{wa}}{sep}{b:>{wb}}{t}".rstrip() for (a, b), t in zip(pairs, tails, strict=True))


# --------------------------------------------------------------------------- Conv2D


def _conv_text(
    result: ConvResult, index: tuple[int, ...], channel_names: Sequence[str] | None, collapse: bool | None
) -> StepText:
    if len(index) != 3:
        raise ValueError(f"a Conv2D output cell is (row, col, filter), not {index}")
    row, col, f = (int(i) for i in index)
    trace = result.trace(f, row, col)
    channels = int(trace.products.shape[2])
    if not (channels > COLLAPSE_ABOVE if collapse is None else collapse):
        return step_text(trace, channel_names, use_bias=result.spec.use_bias)
    return _collapsed_conv_text(trace, _names(channel_names, channels), result.spec.use_bias)


def _collapsed_conv_text(trace: StepTrace, names: list[str], use_bias: bool) -> StepText:
    """One line per channel sum and the total: a 64-channel window is 576 products, too many to read."""
    kh, kw, channels = trace.products.shape
    sums = trace.channel_sums.tolist()
    pairs = [(f"channel {name}:", f"sum = {format_number(s)}") for name, s in zip(names, sums, strict=True)]
    heading = f"{channels} channels, {kh}x{kw} products each, summed per channel"
    lines = tuple(f"{a} {b}" for a, b in pairs)
    widths = max(len(a) for a, _ in pairs)
    aligned = tuple(f"{a:<{widths}} {b}" for a, b in pairs)
    summary = [f"SUM = {format_number(trace.total)}"]
    if use_bias:
        summary.append(f"+ bias {format_number(trace.bias)} = {format_number(trace.pre_activation)}")
    else:
        summary.append("no bias")
    if trace.activation != "linear":
        summary.append(f"{trace.activation} -> {format_number(trace.value)}")
    title = f"filter {trace.filter + 1}, output row {trace.out_row}, column {trace.out_col}"
    return StepText(title, (Group(heading, lines, aligned),), tuple(summary))


# --------------------------------------------------------------------------- pooling


def _pool_title(result: PoolResult, trace: PoolTrace, names: list[str]) -> str:
    kind = "max" if trace.kind == "max" else "average"
    channel = f"channel {names[trace.channel]}"
    if result.output.ndim == 1:
        return f"global {kind} pooling, {channel}"
    return f"{kind} pooling, {channel}, output row {trace.out_row}, column {trace.out_col}"


def _cell_name(trace: PoolTrace, i: int, j: int) -> str:
    return f"input ({int(trace.rows[i, j])}, {int(trace.cols[i, j])})"


def _window_group(trace: PoolTrace) -> Group:
    """Every cell of a small window, row by row: its input (row, col) and value, ``pad`` for padding."""
    ph, pw = trace.inputs.shape
    values = trace.inputs.tolist()
    split_rows = ph * pw > PLAIN_CELLS and ph > 1
    pairs: list[tuple[str, str]] = []
    tails: list[str] = []
    breaks: list[int] = []
    for i in range(ph):
        if split_rows and i:
            breaks.append(len(pairs))
        for j in range(pw):
            pad = bool(trace.is_padding[i, j])
            pairs.append((_cell_name(trace, i, j), "pad" if pad else format_number(values[i][j])))
            tails.append(WINNER_MARK if trace.winner == (i, j) else "")
    lines = [f"{a} = {b}{t}" for (a, b), t in zip(pairs, tails, strict=True)]
    aligned = list(_aligned(pairs, " = ", tails))
    for at in reversed(breaks):
        lines.insert(at, "")
        aligned.insert(at, "")
    notes = _padding_note(trace)
    return Group("", (*lines, *notes), (*aligned, *notes))


def _padding_note(trace: PoolTrace) -> list[str]:
    """How many padding cells the window left out, and why that matters for its kind."""
    pads = int(trace.is_padding.sum())
    if not pads:
        return []
    left_out = f"{_count(pads, 'padding cell')} left out"
    if trace.kind == "max":
        return [f"{left_out}: padding never wins"]
    return [f"{left_out}: divided by the {_count(trace.count, 'real cell')}, not {trace.inputs.size}"]


def _window_summary(trace: PoolTrace) -> tuple[str, ...]:
    real = trace.inputs[~trace.is_padding].tolist()
    if trace.kind == "max":
        return (f"max({', '.join(map(format_number, real))}) = {format_number(trace.value)}",)
    terms = " + ".join(map(_term, real))
    return (f"({terms}) / {trace.count} = {format_number(trace.value)}",)


def _many_cells_group(trace: PoolTrace, most_terms: int) -> Group:
    """A window of more than ``most_terms`` cells (a global pool's whole map): the largest cells (max)
    or the first ones (average), then how many more."""
    real = np.flatnonzero(~trace.is_padding.ravel())
    values = trace.inputs.ravel()[real]
    if trace.kind == "max":
        # Largest first; among equals the first in row-major order, so the trace's winner leads.
        order = np.lexsort((real, -values.astype(np.float64)))[:most_terms]
        heading = f"the {order.size} largest of {_count(real.size, 'cell')}"
    else:
        order = np.arange(min(most_terms, real.size))
        heading = f"the first {order.size} of {_count(real.size, 'cell')}"
    rest = real.size - order.size
    heading = heading if rest else ""
    pw = trace.inputs.shape[1]
    pairs: list[tuple[str, str]] = []
    tails: list[str] = []
    for k in order.tolist():
        i, j = divmod(int(real[k]), pw)
        pairs.append((_cell_name(trace, i, j), format_number(float(values[k]))))
        tails.append(WINNER_MARK if trace.winner == (i, j) else "")
    lines = [f"{a} = {b}{t}" for (a, b), t in zip(pairs, tails, strict=True)]
    aligned = list(_aligned(pairs, " = ", tails))
    notes = [f"... and {_count(rest, 'more cell')}"] if rest else []
    notes += _padding_note(trace)
    return Group(heading, (*lines, *notes), (*aligned, *notes))


def _many_cells_summary(trace: PoolTrace) -> tuple[str, ...]:
    cells = _count(trace.count, "cell")
    if trace.kind == "max":
        return (f"max of {cells} = {format_number(trace.value)}",)
    total = format_number(trace.total)
    return (f"SUM of {cells} = {total}", f"{total} / {trace.count:,} = {format_number(trace.value)}")


def _pool_text(
    result: PoolResult, index: tuple[int, ...], channel_names: Sequence[str] | None, most_terms: int
) -> StepText:
    trace = result.trace_cell(index)
    names = _names(channel_names, int(result.input.shape[2]))
    title = _pool_title(result, trace, names)
    if trace.inputs.size > most_terms:
        return StepText(title, (_many_cells_group(trace, most_terms),), _many_cells_summary(trace))
    return StepText(title, (_window_group(trace),), _window_summary(trace))


# --------------------------------------------------------------------------- Dense


def _dense_title(trace: DenseTrace, class_names: Sequence[str]) -> str:
    title = f"unit {trace.unit + 1}"
    if class_names:
        if len(class_names) <= trace.unit:
            raise ValueError(f"{len(class_names)} class names, but this is unit {trace.unit + 1}")
        title += f" ({class_names[trace.unit]})"
    position = trace.index[:-1]
    if len(position) == 2:
        title += f", row {position[0]}, column {position[1]}"
    elif position:
        title += f", position {', '.join(map(str, position))}"
    return title


def _dense_text(result: DenseResult, index: tuple[int, ...], class_names: Sequence[str], most_terms: int) -> StepText:
    trace = result.trace_cell(index)
    products = trace.products.astype(np.float64)
    # Largest |product| first; equal ones in input order.
    order = np.argsort(-np.abs(products), kind="stable")
    shown, rest = order[:most_terms], order[most_terms:]
    inputs, weights = trace.inputs.tolist(), trace.weights.tolist()
    pairs = [
        (f"x[{i}] {format_number(inputs[i])}", f"w {format_number(weights[i])}", format_number(float(products[i])))
        for i in shown.tolist()
    ]
    lines = [f"{x} x {w} = {p}" for x, w, p in pairs]
    wa, wb, wc = (max(len(t[k]) for t in pairs) for k in range(3))
    aligned = [f"{x:<{wa}} x {w:<{wb}} = {p:>{wc}}" for x, w, p in pairs]
    if rest.size:
        more = f"+ {_count(int(rest.size), 'smaller term')} = {format_number(float(products[rest].sum()))}"
        lines.append(more)
        aligned.append(more)
    n = products.size
    heading = f"{_count(n, 'input')}, largest products first" if rest.size else ""
    summary = [
        f"SUM = {format_number(trace.total)}",
        f"+ bias {format_number(trace.bias)} = {format_number(trace.pre_activation)}",
    ]
    if trace.exponentials is not None and trace.exp_sum is not None:  # softmax
        e, s = format_number(float(trace.exponentials[trace.unit])), format_number(trace.exp_sum)
        summary.append(f"softmax: exp(z - max) / sum of exp = {e} / {s} = {format_number(trace.value)}")
    elif trace.activation != "linear":
        summary.append(f"{trace.activation} -> {format_number(trace.value)}")
    group = Group(heading, tuple(lines), tuple(aligned))
    return StepText(_dense_title(trace, class_names), (group,), tuple(summary))


# --------------------------------------------------------------------------- elementwise


def _element_text(result: ElementResult, index: tuple[int, ...], channel_names: Sequence[str] | None) -> StepText:
    trace = result.trace_cell(index)
    cell = trace.index
    if len(cell) == 3:
        names = _names(channel_names, int(result.output.shape[2]))
        where = f"channel {names[cell[2]]}, output row {cell[0]}, column {cell[1]}"
    else:
        where = f"output [{', '.join(map(str, cell))}]"
    group = Group("", (trace.formula,))
    return StepText(f"{result.layer.keras_class}, {where}", (group,), (f"output = {format_number(trace.value)}",))


# --------------------------------------------------------------------------- any layer


def layer_step_text(
    result: LayerOutput,
    index: tuple[int, ...],
    channel_names: Sequence[str] | None = None,
    class_names: Sequence[str] = (),
    most_terms: int = 12,
    collapse_channels: bool | None = None,
) -> StepText:
    """The arithmetic of output cell ``index`` of any layer's ``result``.

    ``channel_names`` name the layer's input channels (the step panel's 1, 2, 3 otherwise);
    ``class_names`` label a Dense unit; ``most_terms`` caps the terms a Dense unit or a large
    pooling window lists (the rest are counted and summed); ``collapse_channels`` writes a Conv2D
    step as one sum per channel (None: when the input has more than three channels).
    """
    if most_terms < 1:
        raise ValueError(f"most_terms must be at least 1, not {most_terms}")
    index = tuple(int(i) for i in index)
    if isinstance(result, ConvResult):
        return _conv_text(result, index, channel_names, collapse_channels)
    if isinstance(result, PoolResult):
        return _pool_text(result, index, channel_names, most_terms)
    if isinstance(result, DenseResult):
        return _dense_text(result, index, class_names, most_terms)
    if isinstance(result, ElementResult):
        return _element_text(result, index, channel_names)
    raise TypeError(f"no step text for a {type(result).__name__}")


# --------------------------------------------------------------------------- stepping


def _map_or_vector(result: LayerOutput) -> tuple[int, ...]:
    shape = tuple(int(n) for n in result.output.shape)
    if len(shape) not in (1, 3):
        raise ValueError(f"an output of shape {shape} is neither maps (H', W', C) nor a vector (units,)")
    return shape


def steps_of(result: LayerOutput) -> int:
    """Steps of one pass: H' * W' positions of maps, one per unit of a vector."""
    shape = _map_or_vector(result)
    return shape[0] * shape[1] if len(shape) == 3 else shape[0]


def cell_of(result: LayerOutput, step: int, channel: int) -> tuple[int, ...]:
    """The output cell of ``step``: (row, col, channel) of maps (row-major), (step,) of a vector
    (``channel`` is then ignored: each step is one unit)."""
    shape = _map_or_vector(result)
    if not 0 <= step < steps_of(result):
        raise ValueError(f"step {step} is outside 0..{steps_of(result) - 1}")
    if len(shape) == 1:
        return (int(step),)
    if not 0 <= channel < shape[2]:
        raise ValueError(f"channel {channel} is outside 0..{shape[2] - 1}")
    row, col = divmod(int(step), shape[1])
    return row, col, int(channel)


def step_of(result: LayerOutput, index: tuple[int, ...]) -> int:
    """The step that shows output cell ``index`` (the inverse of :func:`cell_of`)."""
    shape = _map_or_vector(result)
    if len(index) != len(shape) or not all(0 <= int(i) < n for i, n in zip(index, shape, strict=True)):
        raise ValueError(f"no output cell {tuple(index)} in an output of shape {shape}")
    return int(index[0]) if len(shape) == 1 else int(index[0]) * shape[1] + int(index[1])
