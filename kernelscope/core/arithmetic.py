"""The arithmetic of one step written out as the article writes it: ``-1 x 1 = -1``, ``SUM = 1``, ``relu -> 1``.

Pure Python on top of :class:`kernelscope.engine.StepTrace` (no Qt), so the step panel, the GIF
export and the tests all print the same text. Every number shown is a number of the trace,
formatted; nothing is recomputed here.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kernelscope.core.engine import StepTrace

__all__ = ["Group", "StepText", "format_number", "groups_text", "plain_text", "step_text"]

# A window of more taps than this (per channel) gets a blank line between its kernel rows.
# 3x3 stays nine plain lines, as in the article.
PLAIN_TAPS = 9
SIGNIFICANT = 4
PAD_MARK = " (pad)"


@functools.lru_cache(maxsize=8192)
def format_number(v: float) -> str:
    """Integers as integers, else up to 4 significant digits with no trailing zeros; -0 prints 0.

    Large non-integers keep at least one decimal (12345.67 -> "12345.7"), tiny ones go
    scientific as ``%g`` does (0.000015 -> "1.5e-05"). Cached: a step writes hundreds of numbers
    and most (the weights, the inputs the window still covers) were written a step before.
    """
    v = float(v)
    if not math.isfinite(v):
        return str(v)
    if v == 0:
        return "0"
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    magnitude = abs(v)
    if magnitude < 1:
        text = f"{v:.{SIGNIFICANT}g}"
    elif magnitude < 1e15:
        digits = int(math.log10(magnitude)) + 1
        text = f"{v:.{max(1, SIGNIFICANT - digits)}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    else:
        text = f"{v:.{SIGNIFICANT}g}"
    return text


def _term(v: float) -> str:
    """A number inside a sum: negative ones in parentheses (``1 + (-2) + 3``)."""
    text = format_number(v)
    return f"({text})" if text.startswith("-") else text


@dataclass(frozen=True)
class Group:
    """The products of one input channel (``heading`` is "" when there is only one channel).

    ``lines`` are written as the article writes them; ``aligned`` are the same lines with the
    numbers right-aligned in columns, which a monospace view of many terms scans more easily.
    """

    heading: str
    lines: tuple[str, ...]
    aligned: tuple[str, ...] = ()


@dataclass(frozen=True)
class StepText:
    """One step's arithmetic: a title, the product groups, and the summary (SUM, bias, activation)."""

    title: str
    groups: tuple[Group, ...]
    summary: tuple[str, ...]


def step_text(trace: StepTrace, channel_names: Sequence[str] | None = None, use_bias: bool = True) -> StepText:
    """Write out ``trace`` one product a line (input x weight = product), row-major over the window.

    With several channels each channel is a group ending in ``sum = ...`` and the summary starts
    ``SUM = s1 + s2 + s3 = total``; windows larger than 3x3 get a blank line between kernel rows.
    """
    kh, kw, c = trace.products.shape
    if channel_names is not None and len(channel_names) != c:
        raise ValueError(f"{len(channel_names)} channel names for {c} channels")
    names = list(channel_names) if channel_names is not None else [str(i + 1) for i in range(c)]
    # Channel-major Python floats (exact copies of the float32 values), formatted in one map()
    # each: a 7x7x3 window is 441 numbers a step.
    inputs = trace.inputs.transpose(2, 0, 1).reshape(c, kh * kw).tolist()
    weights = trace.weights.transpose(2, 0, 1).reshape(c, kh * kw).tolist()
    products = trace.products.transpose(2, 0, 1).reshape(c, kh * kw).tolist()
    padded = trace.is_padding.ravel().tolist()
    sums = trace.channel_sums.tolist()
    split_rows = kh * kw > PLAIN_TAPS
    groups = []
    for ch in range(c):
        lefts = list(map(format_number, inputs[ch]))
        if any(padded):
            lefts = [left + PAD_MARK if pad else left for left, pad in zip(lefts, padded, strict=True)]
        taps = list(zip(lefts, map(format_number, weights[ch]), map(format_number, products[ch]), strict=True))
        # One (input, weight, product) triple per tap, None where a blank line separates kernel rows.
        terms: list[tuple[str, str, str] | None]
        if split_rows:
            terms = []
            for i in range(kh):
                if i:
                    terms.append(None)
                terms.extend(taps[i * kw : (i + 1) * kw])
        else:
            terms = list(taps)
        tail = (f"sum = {format_number(sums[ch])}",) if c > 1 else ()
        groups.append(Group(f"channel {names[ch]}" if c > 1 else "", *_lines(terms, tail)))

    total = format_number(trace.total)
    if c > 1:
        summary = [f"SUM = {' + '.join(_term(s) for s in sums)} = {total}"]
    else:
        summary = [f"SUM = {total}"]
    if use_bias:
        summary.append(f"+ bias {format_number(trace.bias)} = {format_number(trace.pre_activation)}")
    else:
        summary.append("no bias")
    if trace.activation != "linear":
        summary.append(f"{trace.activation} -> {format_number(trace.value)}")
    title = f"filter {trace.filter + 1}, output row {trace.out_row}, column {trace.out_col}"
    return StepText(title, tuple(groups), tuple(summary))


def _lines(
    terms: list[tuple[str, str, str] | None], tail: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Plain lines (``-1 x 1 = -1``) and the same with right-aligned columns (`` 1 x -1 = -1``)."""
    present = [t for t in terms if t is not None]
    wa, wb, wc = (max(map(len, column)) for column in zip(*present, strict=True))
    plain = tuple("" if t is None else f"{t[0]} x {t[1]} = {t[2]}" for t in terms) + tail
    aligned = tuple("" if t is None else f"{t[0]:>{wa}} x {t[1]:>{wb}} = {t[2]:>{wc}}" for t in terms)
    return plain, aligned + tail


def groups_text(text: StepText, aligned: bool = False) -> str:
    """The product groups as one block; ``aligned`` for a monospace view (the step panel)."""
    parts = []
    for group in text.groups:
        body = group.aligned if aligned and group.aligned else group.lines
        lines = (group.heading, *body) if group.heading else body
        parts.append("\n".join(lines))
    return "\n\n".join(parts)


def plain_text(text: StepText) -> str:
    """Everything, for the clipboard, GIF frames and tests: title, products, summary."""
    return "\n\n".join((text.title, groups_text(text), "\n".join(text.summary)))
