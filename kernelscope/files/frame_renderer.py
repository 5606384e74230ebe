"""One frame of the stepping, drawn like the article's figures: input and red window, kernel, map, arithmetic.

QImage + QPainter only (QtGui: no widgets, no scene), so the GIF export runs headless with a bare
``QGuiApplication`` (``QT_QPA_PLATFORM=offscreen``). Everything shown is read from one
:class:`~kernelscope.engine.ConvResult`; a frame never recomputes the convolution.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen

from kernelscope.core.arithmetic import StepText, format_number, step_text
from kernelscope.core.cell_text import format_value, text_colour_on
from kernelscope.core.colour_scale import (
    DEFAULT_COLORMAP,
    PADDING_FILL,
    WINDOW_RED,
    lookup_table,
    map_levels,
    weight_colour,
)
from kernelscope.core.engine import ConvError, ConvResult
from kernelscope.core.keras_syntax import conv2d_line
from kernelscope.core.layer_step_text import layer_step_text

__all__ = ["FrameLayout", "FramePainter", "InStack", "frame_layout", "lookup_table", "map_levels", "render_step_frame"]

RED = QColor(*WINDOW_RED)
PAPER = QColor(255, 255, 255)
INK = QColor(25, 25, 30)
MUTED = QColor(95, 95, 110)
GRID_LINE = QColor(140, 140, 140)
PAD_FILL = QColor(*PADDING_FILL)
PAD_TEXT = QColor(105, 105, 125)
HIDDEN = QColor(236, 236, 240)  # a map cell the window has not reached yet (reveal mode)

# Smallest font (pixels) a number in a cell is drawn with; below it the cell stays a colour.
MIN_CELL_FONT_PX = 13
# A number wider than the others (``1.2e-03``) may shrink to this size in its own cell.
MIN_SQUEEZED_PX = 8
# Smallest font for everything else (title, captions, arithmetic) at 960x540 and above.
MIN_TEXT_PX = 14
CHANNEL_NAMES = {3: ("R", "G", "B")}


# --------------------------------------------------------------------------- colours


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class FrameLayout:
    """Where each part of a frame goes (pixels); the tests probe frames through it."""

    width: int
    height: int
    unit: float  # 1.0 at 960x540
    title: QRectF
    subtitle: QRectF
    input_caption: QRectF
    input_origin: QPointF  # top-left of input cell (0, 0); the padding ring lies up and left of it
    input_cell: int
    kernel_caption: QRectF
    kernel_origin: QPointF
    kernel_cell: int
    kernel_slice_gap: float  # vertical room for a channel label above each slice (0 with one channel)
    map_caption: QRectF
    map_origin: QPointF
    map_cell: int
    colour_bar: QRectF | None
    text: QRectF

    def input_cell_rect(self, row: int, col: int) -> QRectF:
        """Input cell (row, col); negative or past-the-end indices are the padding ring."""
        s = self.input_cell
        return QRectF(self.input_origin.x() + col * s, self.input_origin.y() + row * s, s, s)

    def kernel_cell_rect(self, row: int, col: int, channel: int = 0, kh: int = 1) -> QRectF:
        s = self.kernel_cell
        y = self.kernel_origin.y() + channel * (kh * s + self.kernel_slice_gap) + self.kernel_slice_gap
        return QRectF(self.kernel_origin.x() + col * s, y + row * s, s, s)

    def map_cell_rect(self, row: int, col: int) -> QRectF:
        s = self.map_cell
        return QRectF(self.map_origin.x() + col * s, self.map_origin.y() + row * s, s, s)


def _px(unit: float, base: float, floor: int = MIN_TEXT_PX) -> int:
    return max(floor, round(base * unit))


def frame_layout(result: ConvResult, size: tuple[int, int] = (960, 540)) -> FrameLayout:
    """Title band on top; below, input | kernel | map side by side (left) and the arithmetic (right)."""
    width, height = int(size[0]), int(size[1])
    u = min(width / 960.0, height / 540.0)
    m = max(6.0, 14.0 * u)
    title_h = _px(u, 21) * 1.35
    sub_h = _px(u, 15) * 1.35
    title = QRectF(m, m * 0.7, width - 2 * m, title_h)
    subtitle = QRectF(m, title.bottom(), width - 2 * m, sub_h)
    body = QRectF(m, subtitle.bottom() + 10 * u, width - 2 * m, 0)
    body.setBottom(height - m)

    text_w = round(0.33 * body.width())
    gap_text = 22 * u
    grids_w = body.width() - text_w - gap_text

    caption_h = _px(u, 16) * 1.3 + _px(u, 14) * 1.3 + 4 * u  # a name and its shape, two lines
    bar_h = 12 * u + _px(u, 14) * 1.3 + 6 * u  # the map's colour bar and its two labels
    grid_h = body.height() - caption_h

    (top, bottom), (left, right) = result.pads
    h, w, c = result.input.shape
    in_rows, in_cols = h + top + bottom, w + left + right
    kh, kw = result.spec.kernel_size
    oh, ow, _ = result.out_shape
    slice_gap = _px(u, 15) * 1.35 if c > 1 else 0.0
    gap = 22 * u
    avail_w = grids_w - 2 * gap
    k_rows_h = grid_h - c * slice_gap  # height left for kernel cells

    # The kernel keeps cells large enough for its numbers; the input and the map share the rest
    # with one cell size (so a window and its output cell read alike), and the kernel's cells are
    # never larger than theirs unless theirs are too small for numbers anyway. Each panel sits in a
    # slot at least ``slot`` wide, room for its caption (and the map's colour bar).
    cap, slot = 64 * u, 120 * u

    def shared_cell(s_k: float) -> float:
        room = avail_w - max(kw * s_k, slot)
        return min(
            room / (in_cols + ow), (room - slot) / in_cols, (room - slot) / ow,
            grid_h / in_rows, (grid_h - bar_h) / oh, cap,
        )

    s_k = min(k_rows_h / (kh * c), 0.36 * avail_w / kw, cap)
    s_k = min(s_k, max(shared_cell(s_k), 40 * u))
    s_in, s_k = (max(1, math.floor(v)) for v in (shared_cell(s_k), s_k))
    s_map = s_in

    panels = (in_cols * s_in, kw * s_k, ow * s_map)
    slots = [max(p, slot) for p in panels]
    block_h = max(in_rows * s_in, c * (kh * s_k + slice_gap), oh * s_map + bar_h)
    spare = max(0.0, avail_w - sum(slots))
    gap = gap + spare / 4  # spread what is left between and around the panels
    grids_top = body.top() + max(0.0, (grid_h - block_h) / 2.2)
    x = body.left() + spare / 4
    xs = []  # left edge of each panel's cells
    for panel_w, slot_w in zip(panels, slots, strict=True):
        xs.append(x + (slot_w - panel_w) / 2)
        x += slot_w + gap
    y_cells = grids_top + caption_h
    map_w = panels[2]

    def caption_rect(i: int) -> QRectF:
        cw = slots[i] + gap - 6 * u
        return QRectF(xs[i] + panels[i] / 2 - cw / 2, grids_top, cw, caption_h)

    # The arithmetic starts level with the captions when all of it fits below them (judged per
    # scene, not per step, so it never jumps between frames).
    lines = kh * kw * c + (2 * c if c > 1 else 0) + 4
    needed = _px(u, 16) * 1.45 + lines * 1.35 * _px(u, 16)
    text_top = grids_top if body.bottom() - grids_top >= needed else body.top()
    text = QRectF(body.right() - text_w, text_top, text_w, body.bottom() - text_top)

    map_origin = QPointF(xs[2], y_cells)
    bar_room = body.bottom() - (y_cells + oh * s_map)
    colour_bar = None
    if bar_room >= bar_h:
        bar_w = max(map_w, min(slots[2], 110 * u))
        colour_bar = QRectF(xs[2] + map_w / 2 - bar_w / 2, y_cells + oh * s_map + 10 * u, bar_w, 12 * u)
    return FrameLayout(
        width=width,
        height=height,
        unit=u,
        title=title,
        subtitle=subtitle,
        input_caption=caption_rect(0),
        input_origin=QPointF(xs[0] + left * s_in, y_cells + top * s_in),
        input_cell=s_in,
        kernel_caption=caption_rect(1),
        kernel_origin=QPointF(xs[1], y_cells - (slice_gap * 0.15 if c > 1 else 0.0)),
        kernel_cell=s_k,
        kernel_slice_gap=slice_gap,
        map_caption=caption_rect(2),
        map_origin=map_origin,
        map_cell=s_map,
        colour_bar=colour_bar,
        text=text,
    )


# --------------------------------------------------------------------------- fonts and text


@lru_cache(maxsize=256)
def _font(px: int, *, bold: bool = False, mono: bool = False) -> QFont:
    font = QFont("DejaVu Sans Mono" if mono else "DejaVu Sans")
    font.setStyleHint(QFont.StyleHint.TypeWriter if mono else QFont.StyleHint.SansSerif)
    font.setPixelSize(max(1, int(px)))
    font.setBold(bold)
    return font


def _cell_texts(p: QPainter, cells: list[tuple[QRectF, str, QColor]], px: int, margin: float = 0.08) -> None:
    """Numbers centred in cells, at most ``px``, one size for nearly all of them; a rare number too
    wide for that size (``1.2e-03`` among ``0.25``s) is drawn smaller in its own cell. ``margin`` is
    the part of a cell's width kept clear (more where a red frame may be drawn inside the cell)."""
    if not cells:
        return
    metrics = QFontMetricsF(_font(px))
    widths = [max(metrics.horizontalAdvance(line) for line in text.split("\n")) for _, text, _ in cells]
    cell_w = cells[0][0].width()
    room = cell_w - max(3.0, cell_w * margin)
    typical = float(np.percentile(widths, 85, method="lower"))
    if typical > room:
        px = math.floor(px * room / typical)
        if px < MIN_CELL_FONT_PX:
            return
        metrics = QFontMetricsF(_font(px))
        widths = [max(metrics.horizontalAdvance(line) for line in text.split("\n")) for _, text, _ in cells]
    base = _font(px)
    p.setFont(base)
    centre = int(Qt.AlignmentFlag.AlignCenter)
    for (rect, text, colour), wide in zip(cells, widths, strict=True):
        p.setPen(colour)
        if wide <= room:
            p.drawText(rect, centre, text)
            continue
        smaller = math.floor(px * room / wide)
        if smaller >= MIN_SQUEEZED_PX:
            p.setFont(_font(smaller))
            p.drawText(rect, centre, text)
            p.setFont(base)


def _draw_line(p: QPainter, rect: QRectF, text: str, font: QFont, colour: QColor, align: Qt.AlignmentFlag) -> None:
    """One line of text, elided to fit its rectangle (a frame never draws past its edges)."""
    metrics = QFontMetricsF(font)
    if metrics.horizontalAdvance(text) > rect.width():
        text = metrics.elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
    p.setFont(font)
    p.setPen(colour)
    p.drawText(rect, int(align | Qt.AlignmentFlag.AlignVCenter), text)


@dataclass(frozen=True)
class _Item:
    text: str
    kind: str  # "heading", "line" or "blank"


def _flow(items: list[_Item], rows: int, columns: int) -> list[list[_Item]] | None:
    """Pour lines into at most ``columns`` columns of ``rows`` lines; None if they do not fit.

    A blank line takes half a row; a column never starts with one nor ends with a heading.
    """
    if rows < 1:
        return None
    room = 2 * rows  # in half rows
    cols: list[list[_Item]] = [[]]
    used = 0
    for i, item in enumerate(items):
        need = 1 if item.kind == "blank" else 2
        if item.kind == "blank" and not cols[-1]:
            continue
        orphan = item.kind == "heading" and used + 4 > room and i + 1 < len(items)
        if used + need > room or orphan:
            if item.kind == "blank":
                continue
            cols.append([])
            used = 0
            if len(cols) > columns:
                return None
        cols[-1].append(item)
        used += need
    return cols


_PRODUCT = re.compile(r"^(.*) x (.*) = (.*)$")


def _aligned(lines: tuple[str, ...]) -> list[str]:
    """Product lines ("-1 x 1 = -1") padded so the x and = of a group line up (monospace)."""
    parts = [_PRODUCT.match(line) for line in lines]
    found = [m.groups() for m in parts if m]
    if not found:
        return list(lines)
    widths = [max(len(g[k]) for g in found) for k in range(3)]
    out = []
    for line, m in zip(lines, parts, strict=True):
        if m:
            a, b, c = m.groups()
            line = f"{a.rjust(widths[0])} x {b.rjust(widths[1])} = {c.rjust(widths[2])}".rstrip()
        out.append(line)
    return out


def _arithmetic_items(text: StepText, condensed: bool, taps: int) -> list[_Item]:
    items: list[_Item] = []
    for g, group in enumerate(text.groups):
        if g:
            items.append(_Item("", "blank"))
        if group.heading:
            items.append(_Item(group.heading, "heading"))
        if not condensed:
            items.extend(_Item(line, "line" if line else "blank") for line in _aligned(group.lines))
            continue
        sums = [line for line in group.lines if line.startswith("sum = ")]
        if sums:
            items.append(_Item(f"{taps} products, {sums[-1]}", "line"))
        else:
            items.append(_Item(f"{taps} products (too many to list)", "line"))
    return items


def _wrap_summary(lines: tuple[str, ...], metrics: QFontMetricsF, width: float) -> list[str]:
    """A summary line too wide for the column breaks before a " + " or " = " (numbers stay whole)."""
    out: list[str] = []
    for line in lines:
        if metrics.horizontalAdvance(line) <= width:
            out.append(line)
            continue
        pieces = re.split(r"(?= [+=] )", line)
        current = pieces[0]
        for piece in pieces[1:]:
            if metrics.horizontalAdvance(current + piece) <= width:
                current += piece
            else:
                out.append(current)
                current = "   " + piece.lstrip()
        out.append(current)
    return out


# --------------------------------------------------------------------------- the frame


@dataclass(frozen=True)
class InStack:
    """Where a Conv2D frame's layer sits in a Sequential stack: the line under the title, the name
    of what it receives, its input channels' names, and the one input channel drawn when the layer
    reads more than three (its step then writes one sum per channel)."""

    subtitle: str
    input_name: str = "input"
    channel_names: tuple[str, ...] | None = None
    input_channel: int = 0
    input_colormap: str | None = None  # colour a one-channel input (another layer's maps) as maps are


def _one_channel(result: ConvResult, channel: int) -> ConvResult:
    """The result as drawn with one input channel: its slice of the input and of the kernels (the
    maps and the window positions are the layer's own; the text comes from the whole result)."""
    if not 0 <= channel < result.input.shape[2]:
        raise ConvError(f"input channel {channel + 1} does not exist: the layer reads {result.input.shape[2]}")
    k = slice(channel, channel + 1)
    return dataclasses.replace(
        result,
        input=result.input[:, :, k],
        kernels=result.kernels[:, :, k, :],
        padded=result.padded[:, :, k],
        channels=result.channels[k],
    )


def render_step_frame(
    result: ConvResult,
    filter_index: int,
    step: int,
    value_range: tuple[float, float],
    *,
    reveal: bool = True,
    colormap: str = DEFAULT_COLORMAP,
    size: tuple[int, int] = (960, 540),
    use_bias: bool = True,
    levels: tuple[float, float] | None = None,
    activated: bool = True,
    in_stack: InStack | None = None,
) -> QImage:
    """Draw step ``step`` (row-major, 0-based) of filter ``filter_index`` (0-based) as an RGB32 QImage.

    ``value_range`` greys the input (low black, high white). ``reveal`` colours only the map cells
    the window has already visited; otherwise the finished map is shown. ``levels`` are the map's
    colour levels (default: :func:`map_levels` of this filter); ``activated`` picks the map after
    (default) or before the activation; ``use_bias=False`` writes "no bias" (as does a layer
    without one). ``in_stack`` places the layer in a Sequential stack (its line, what it receives,
    one input channel drawn when there are more than three). Needs a ``QGuiApplication`` (fonts).
    """
    f = result.out_shape[2]
    if not 0 <= filter_index < f:
        raise ConvError(f"filter {filter_index + 1} does not exist: this layer has {f} filter(s)")
    out_row, out_col = result.step_position(step)
    maps = (result.maps if activated else result.pre_activation)[filter_index]
    if levels is None:
        levels = map_levels(maps, colormap)
    channels = int(result.input.shape[2])
    trace = result.trace(filter_index, out_row, out_col)
    if in_stack is None:
        names = CHANNEL_NAMES.get(channels)
        text = step_text(trace, channel_names=names, use_bias=use_bias and result.spec.use_bias)
    else:
        text = layer_step_text(result, (out_row, out_col, filter_index), in_stack.channel_names)
    shown = result if in_stack is None or channels <= 3 else _one_channel(result, in_stack.input_channel)
    layout = frame_layout(shown, size)

    image = QImage(layout.width, layout.height, QImage.Format.Format_RGB32)
    image.fill(PAPER)
    p = QPainter(image)
    try:
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        p.setClipRect(QRectF(0, 0, layout.width, layout.height))
        frame = _Frame(p, layout, shown, filter_index, step, value_range, in_stack, channels)
        frame.header()
        frame.input_grid(trace.rows, trace.cols)
        frame.kernel_grid()
        frame.map_grid(maps, lookup_table(colormap), levels, reveal, activated)
        collapsed = in_stack is not None and channels > 3  # one sum per channel, not products
        frame.arithmetic(text, None if collapsed else trace.products.shape[0] * trace.products.shape[1])
    finally:
        p.end()
    return image


class FramePainter:
    """What a frame of any layer draws alike: captions, grid lines, red frames, the colour bar and
    the arithmetic column (``text_box``), so every layer's frames read as the Conv2D frames do."""

    def __init__(self, p: QPainter, unit: float, text_box: QRectF) -> None:
        self.p = p
        self.u = unit
        self.text_box = text_box

    def caption(self, rect: QRectF, name: str, shape: str) -> None:
        """A panel's name (bold) over its shape, centred on the panel."""
        name_h, shape_h = _px(self.u, 16) * 1.3, _px(self.u, 14) * 1.3
        centre = Qt.AlignmentFlag.AlignHCenter
        _draw_line(self.p, QRectF(rect.left(), rect.top(), rect.width(), name_h), name,
                   _font(_px(self.u, 16), bold=True), INK, centre)
        _draw_line(self.p, QRectF(rect.left(), rect.top() + name_h, rect.width(), shape_h), shape,
                   _font(_px(self.u, 14)), MUTED, centre)

    def grid_lines(self, x0: float, y0: float, rows: int, cols: int, s: int) -> None:
        if s < 6:
            return
        p = self.p
        p.setPen(QPen(GRID_LINE, 1))
        for i in range(rows + 1):
            p.drawLine(QPointF(x0, y0 + i * s), QPointF(x0 + cols * s, y0 + i * s))
        for j in range(cols + 1):
            p.drawLine(QPointF(x0 + j * s, y0), QPointF(x0 + j * s, y0 + rows * s))

    def frame_rect(self, rect: QRectF, width: float) -> None:
        """A red frame drawn inside ``rect`` so it never spills onto a neighbour panel."""
        self.p.setPen(QPen(RED, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.SquareCap, Qt.PenJoinStyle.MiterJoin))
        self.p.setBrush(Qt.BrushStyle.NoBrush)
        self.p.drawRect(rect.adjusted(width / 2, width / 2, -width / 2, -width / 2))


    def colour_bar(self, bar: QRectF, lut: np.ndarray, levels: tuple[float, float]) -> None:
        p = self.p
        # In steps rather than a smooth ramp: a GIF has 256 colours, and steps stay crisp in it.
        steps = max(8, min(32, int(bar.width() // 4)))
        for k in range(steps):
            colour = QColor(*(int(v) for v in lut[round(k * 255 / (steps - 1))]))
            x0 = bar.left() + bar.width() * k / steps
            p.fillRect(QRectF(x0, bar.top(), bar.width() / steps + 0.5, bar.height()), colour)
        p.setPen(QPen(GRID_LINE, 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(bar)
        font = _font(_px(self.u, 14))
        label_h = _px(self.u, 14) * 1.3
        half = QRectF(bar.left(), bar.bottom() + 2, bar.width() / 2, label_h)
        _draw_line(p, half, format_number(levels[0]), font, MUTED, Qt.AlignmentFlag.AlignLeft)
        half.moveLeft(bar.center().x())
        _draw_line(p, half, format_number(levels[1]), font, MUTED, Qt.AlignmentFlag.AlignRight)

    # ------------------------------------------------------------------ arithmetic
    def arithmetic(self, text: StepText, taps: int | None) -> None:
        """The step's arithmetic in the right column: every product when it fits (in as many
        columns as the width allows), else each channel's sum; then SUM, bias and activation.
        ``taps`` None (a text that is not one Conv2D window's products): the lines that fit, then
        how many more there are."""
        p, box = self.p, self.text_box
        p.save()
        p.setClipRect(box)
        sizes = sorted({_px(self.u, v) for v in (18, 17, 16, 15, 14)}, reverse=True)
        choice = None
        for condensed in (False, True) if taps is not None else (False,):
            items = _arithmetic_items(text, condensed, taps or 0)
            for px in sizes:
                choice = self._fit(items, text, px)
                if choice is not None:
                    break
            if choice is not None:
                break
        if choice is None and taps is None:
            choice = self._cut(_arithmetic_items(text, False, 0), text, sizes)
        if choice is None:  # nothing fits even condensed at the smallest size: clip what does not
            px = sizes[-1]
            items = _arithmetic_items(text, True, taps or 0)
            lh = math.ceil(px * 1.35)
            rows = max(1, int((box.height() - self._title_h(text) - lh * (len(text.summary) + 1.9)) // lh))
            choice = (px, [items[:rows]])
        px, columns = choice
        self._paint_text(text, px, columns)
        p.restore()

    def _cut(self, items: list[_Item], text: StepText, sizes: list[int]) -> tuple[int, list[list[_Item]]]:
        """As many lines as one column holds at the smallest size, the last saying how many more
        there are (a line too wide is elided)."""
        box = self.text_box
        px = sizes[-1]
        lh = math.ceil(px * 1.35)
        summary = _wrap_summary(text.summary, QFontMetricsF(_font(px, bold=True, mono=True)), box.width())
        rows = max(2, int((box.height() - self._title_h(text) - lh * (len(summary) + 0.9)) // lh))
        lines = [it for it in items if it.kind != "blank"]
        kept = lines[: rows - 1]
        more = sum(1 for it in lines[rows - 1:] if it.kind == "line")
        return px, [[*kept, _Item(f"... and {more} more line{'' if more == 1 else 's'}", "line")]]

    def _fit(self, items: list[_Item], text: StepText, px: int) -> tuple[int, list[list[_Item]]] | None:
        box = self.text_box
        lh = math.ceil(px * 1.35)
        mono, bold = QFontMetricsF(_font(px, mono=True)), QFontMetricsF(_font(px, bold=True, mono=True))
        summary = _wrap_summary(text.summary, bold, box.width())
        widths = [
            (bold if it.kind == "heading" else mono).horizontalAdvance(it.text) for it in items if it.kind != "blank"
        ]
        col_w = max(widths, default=0.0)
        if col_w > box.width():
            return None
        gap = 2.0 * mono.horizontalAdvance("0")
        columns = max(1, int((box.width() + gap) // (col_w + gap))) if col_w > 0 else 1
        rows = int((box.height() - self._title_h(text) - lh * (len(summary) + 0.9)) // lh)
        flowed = _flow(items, rows, columns)
        return None if flowed is None else (px, flowed)

    def _title_lines(self, text: StepText) -> list[str]:
        """The title on one line, or broken after a comma when it is wider than the column."""
        metrics = QFontMetricsF(_font(_px(self.u, 16), bold=True))
        width = self.text_box.width()
        if metrics.horizontalAdvance(text.title) <= width:
            return [text.title]
        lines = [""]
        for piece in text.title.split(", "):
            joined = f"{lines[-1]}, {piece}" if lines[-1] else piece
            if lines[-1] and metrics.horizontalAdvance(joined) > width:
                lines.append(piece)
            else:
                lines[-1] = joined
        return lines

    def _title_h(self, text: StepText) -> float:
        return _px(self.u, 16) * 1.45 * len(self._title_lines(text))

    def _paint_text(self, text: StepText, px: int, columns: list[list[_Item]]) -> None:
        p, box = self.p, self.text_box
        lh = math.ceil(px * 1.35)
        title_font = _font(_px(self.u, 16), bold=True)
        title = QRectF(box.left(), box.top(), box.width(), self._title_h(text))
        line_h = _px(self.u, 16) * 1.45
        for k, line in enumerate(self._title_lines(text)):
            rect = QRectF(box.left(), box.top() + k * line_h, box.width(), line_h)
            _draw_line(p, rect, line, title_font, INK, Qt.AlignmentFlag.AlignLeft)
        mono, heading = _font(px, mono=True), _font(px, bold=True, mono=True)
        y0 = title.bottom() + 0.25 * lh
        metrics = QFontMetricsF(mono)
        gap = 2.0 * metrics.horizontalAdvance("0")
        col_w = (box.width() - gap * (len(columns) - 1)) / max(1, len(columns))
        x = box.left()
        bottom = y0
        for column in columns:
            y = y0
            for item in column:
                if item.kind != "blank":
                    font, colour = (heading, MUTED) if item.kind == "heading" else (mono, INK)
                    _draw_line(p, QRectF(x, y, col_w, lh), item.text, font, colour, Qt.AlignmentFlag.AlignLeft)
                y += lh if item.kind != "blank" else lh * 0.5
            bottom = max(bottom, y)
            x += col_w + gap
        y = bottom + 0.3 * lh
        p.setPen(QPen(GRID_LINE, 1))
        rule = min(box.width(), 14 * metrics.horizontalAdvance("0"))
        p.drawLine(QPointF(box.left(), y), QPointF(box.left() + rule, y))
        y += 0.3 * lh
        summary_font = _font(px, bold=True, mono=True)
        for line in _wrap_summary(text.summary, QFontMetricsF(summary_font), box.width()):
            _draw_line(p, QRectF(box.left(), y, box.width(), lh), line, summary_font, INK, Qt.AlignmentFlag.AlignLeft)
            y += lh



class _Frame(FramePainter):
    """The painting of one frame, part by part (kept apart so each part stays short)."""

    def __init__(
        self,
        p: QPainter,
        layout: FrameLayout,
        result: ConvResult,
        filter_index: int,
        step: int,
        value_range: tuple[float, float],
        in_stack: InStack | None = None,
        channels: int = 1,
    ) -> None:
        super().__init__(p, layout.unit, layout.text)
        self.lay = layout
        self.r = result
        self.f = filter_index
        self.step = step
        self.range = value_range
        self.stack = in_stack
        self.channels = channels  # the layer's input channels (the result drawn may show one of them)

    def _one_of_many(self) -> str | None:
        """"channel k of C" when one input channel stands for many, else None."""
        if self.stack is None or self.channels == int(self.r.input.shape[2]):
            return None
        return f"channel {self.stack.input_channel + 1} of {self.channels}"

    # ------------------------------------------------------------------ text bits
    def header(self) -> None:
        lay, spec, r = self.lay, self.r.spec, self.r

        def pair(v: tuple[int, int]) -> str:
            return str(v[0]) if v[0] == v[1] else f"({v[0]}, {v[1]})"

        parts = [
            f"step {self.step + 1} of {r.steps}",
            f"filter {self.f + 1} of {spec.filters}",
            f"stride {pair(spec.strides)}",
        ]
        if spec.dilation_rate != (1, 1):
            parts.append(f"dilation {pair(spec.dilation_rate)}")
        parts.append(f"padding {spec.padding}")
        if spec.activation != "linear":
            parts.append(spec.activation)
        bold = _font(_px(self.u, 21), bold=True)
        _draw_line(self.p, lay.title, "  ·  ".join(parts), bold, INK, Qt.AlignmentFlag.AlignLeft)
        if self.stack is not None:
            line = self.stack.subtitle
        else:
            line = conv2d_line(spec, tuple(int(v) for v in r.input.shape))  # type: ignore[arg-type]
        _draw_line(self.p, lay.subtitle, line, _font(_px(self.u, 15), mono=True), MUTED, Qt.AlignmentFlag.AlignLeft)

    # ------------------------------------------------------------------ input
    def input_grid(self, rows: np.ndarray, cols: np.ndarray) -> None:
        p, lay, r = self.p, self.lay, self.r
        h, w, c = r.input.shape
        (top, bottom), (left, right) = r.pads
        s = lay.input_cell
        one = self._one_of_many()
        shape = f"{h} × {w}" + (f" × {c}" if c > 1 else "") if one is None else f"{h} × {w} × {self.channels}, {one}"
        padded = ", zero padding shaded" if top or bottom or left or right else ""
        name = "input" if self.stack is None else self.stack.input_name
        self.caption(lay.input_caption, name, shape + padded)

        lo, hi = self.range
        t = np.clip((r.input - lo) / (hi - lo), 0.0, 1.0) if hi > lo else np.zeros_like(r.input)
        rgb = (t * 255 + 0.5).astype(np.uint8)
        if c == 1 and self.stack is not None and self.stack.input_colormap is not None:
            rgb = np.array(lookup_table(self.stack.input_colormap)[rgb[:, :, 0]], dtype=np.uint8)
        elif c == 1:
            rgb = np.repeat(rgb, 3, axis=2)
        rgb = np.ascontiguousarray(rgb[:, :, :3])
        cells = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
        if top or bottom or left or right:
            ring = lay.input_cell_rect(-top, -left).united(lay.input_cell_rect(h - 1 + bottom, w - 1 + right))
            p.fillRect(ring, PAD_FILL)
        body = lay.input_cell_rect(0, 0).united(lay.input_cell_rect(h - 1, w - 1))
        p.drawImage(body, cells)
        x0 = lay.input_origin.x() - left * s
        y0 = lay.input_origin.y() - top * s
        self.grid_lines(x0, y0, h + top + bottom, w + left + right, s)
        self.input_numbers(rgb)

        width = max(2.0, s * 0.1)
        r0, r1 = int(rows.min()), int(rows.max())
        c0, c1 = int(cols.min()), int(cols.max())
        self.frame_rect(lay.input_cell_rect(r0, c0).united(lay.input_cell_rect(r1, c1)), width)
        dh, dw = r.spec.dilation_rate
        if (dh > 1 and rows.shape[0] > 1) or (dw > 1 and cols.shape[1] > 1):  # mark each sampled tap on its own
            inset = max(1.0, s * 0.06)
            tap_w = max(1.5, width * 0.6)
            for tr, tc in zip(rows.ravel().tolist(), cols.ravel().tolist(), strict=True):
                self.frame_rect(lay.input_cell_rect(tr, tc).adjusted(inset, inset, -inset, -inset), tap_w)

    def input_numbers(self, rgb: np.ndarray) -> None:
        p, lay, r = self.p, self.lay, self.r
        h, w, c = r.input.shape
        (top, bottom), (left, right) = r.pads
        s = lay.input_cell
        px = min(round(s * (0.38 if c == 1 else 0.26)), _px(self.u, 20, 1))
        if px < MIN_CELL_FONT_PX or (h + top + bottom) * (w + left + right) > 4096:
            return
        values = r.input.tolist()
        colours = rgb.tolist()
        cells = []
        for row in range(-top, h + bottom):
            for col in range(-left, w + right):
                rect = lay.input_cell_rect(row, col)
                if 0 <= row < h and 0 <= col < w:
                    text = "\n".join(format_value(v, s) for v in values[row][col])
                    cells.append((rect, text, QColor(*text_colour_on(*colours[row][col]))))
                else:
                    cells.append((rect, "0", PAD_TEXT))
        _cell_texts(p, cells, px, margin=0.22)

    # ------------------------------------------------------------------ kernel
    def kernel_grid(self) -> None:
        p, lay, r = self.p, self.lay, self.r
        kh, kw = r.spec.kernel_size
        c = r.input.shape[2]
        s = lay.kernel_cell
        self.caption(lay.kernel_caption, "kernel", self._one_of_many() or f"{kh} × {kw}" + (f" × {c}" if c > 1 else ""))
        weights = r.kernels[:, :, :, self.f]
        limit = float(np.abs(weights).max()) or 1.0
        px = min(round(s * 0.38), _px(self.u, 20, 1))
        numbered = tuple(str(i + 1) for i in range(c))
        names = CHANNEL_NAMES.get(c, numbered) if self.stack is None else self.stack.channel_names or numbered
        label_font = _font(_px(self.u, 14), bold=True)
        for ch in range(c):
            first = lay.kernel_cell_rect(0, 0, ch, kh)
            if c > 1:
                label = QRectF(first.left(), first.top() - lay.kernel_slice_gap, kw * s, lay.kernel_slice_gap)
                _draw_line(p, label, f"channel {names[ch]}", label_font, MUTED, Qt.AlignmentFlag.AlignHCenter)
            values = weights[:, :, ch].tolist()
            cells = []
            for i in range(kh):
                for j in range(kw):
                    rect = lay.kernel_cell_rect(i, j, ch, kh)
                    bg = QColor.fromRgbF(*weight_colour(values[i][j] / limit))
                    p.fillRect(rect, bg)
                    ink = QColor(*text_colour_on(bg.red(), bg.green(), bg.blue()))
                    cells.append((rect, format_value(values[i][j], s), ink))
            if px >= MIN_CELL_FONT_PX:
                _cell_texts(p, cells, px)
            self.grid_lines(first.left(), first.top(), kh, kw, s)

    # ------------------------------------------------------------------ feature map
    def map_grid(
        self, maps: np.ndarray, lut: np.ndarray, levels: tuple[float, float], reveal: bool, activated: bool
    ) -> None:
        p, lay, r = self.p, self.lay, self.r
        oh, ow, _ = r.out_shape
        s = lay.map_cell
        when = "" if r.spec.activation == "linear" else (f", after {r.spec.activation}" if activated else ", before")
        self.caption(lay.map_caption, "feature map", f"{oh} × {ow}{when}")
        lo, hi = levels
        finite = np.nan_to_num(maps, nan=0.0, posinf=hi, neginf=lo)  # a float32 overflow stays drawable
        idx = np.clip((finite - lo) * (255.0 / (hi - lo)) + 0.5, 0, 255).astype(np.uint8)
        rgb = np.array(lut[idx], dtype=np.uint8)  # (oh, ow, 3)
        if reveal:
            hidden = np.arange(oh * ow).reshape(oh, ow) > self.step
            rgb[hidden] = (HIDDEN.red(), HIDDEN.green(), HIDDEN.blue())
        rgb = np.ascontiguousarray(rgb)
        cells = QImage(rgb.data, ow, oh, 3 * ow, QImage.Format.Format_RGB888)
        p.drawImage(QRectF(lay.map_origin.x(), lay.map_origin.y(), ow * s, oh * s), cells)
        self.grid_lines(lay.map_origin.x(), lay.map_origin.y(), oh, ow, s)
        px = min(round(s * 0.36), _px(self.u, 20, 1))
        shown = self.step + 1 if reveal else oh * ow
        if px >= MIN_CELL_FONT_PX and oh * ow <= 4096:
            values = maps.ravel().tolist()
            colours = rgb.reshape(-1, 3).tolist()
            cells = []
            for k in range(shown):
                i, j = divmod(k, ow)
                ink = QColor(*text_colour_on(*colours[k]))
                cells.append((lay.map_cell_rect(i, j), format_value(values[k], s), ink))
            _cell_texts(p, cells, px, margin=0.22)
        i, j = divmod(self.step, ow)
        self.frame_rect(lay.map_cell_rect(i, j), max(2.0, s * 0.1))
        if lay.colour_bar is not None:
            self.colour_bar(lay.colour_bar, lut, levels)
