"""One frame of the stepping of any layer but Conv2D, drawn as the Conv2D frames are: what the layer
receives with the cells this step reads framed in red, the layer's output with the current cell
framed, and the step's arithmetic (``layer_step_text``) in the right column.

Maps are drawn one channel at a time; a vector is a wrapped grid of cells, or labelled bars when it
is short (a softmax with its class names). Conv2D keeps ``frame_renderer.render_step_frame``. QtGui
only, headless like the Conv2D frames; a frame only indexes the layer's result, never recomputes it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPen

from kernelscope.core.arithmetic import StepText, format_number
from kernelscope.core.cell_text import format_value, text_colour_on
from kernelscope.core.colour_scale import DEFAULT_COLORMAP, lookup_table, weight_colour
from kernelscope.core.engine import DenseResult, ElementResult, LayerOutput, PoolResult
from kernelscope.core.layer_step_text import cell_of, layer_step_text, steps_of
from kernelscope.files.frame_renderer import (
    GRID_LINE,
    HIDDEN,
    INK,
    MIN_CELL_FONT_PX,
    MUTED,
    PAD_FILL,
    PAPER,
    FramePainter,
    _cell_texts,
    _draw_line,
    _font,
    _px,
)

__all__ = ["MAX_BARS", "GridPanel", "LayerFrameLayout", "LayerScene", "layer_frame_layout", "render_layer_frame"]

MAX_BARS = 40
"""A vector output of at most this many values is drawn as labelled bars; a longer one as a grid."""
MARKED_TERMS = 12
"""A Dense step lists (and frames) this many of its largest products, as the step panel does."""
BAR = QColor(86, 120, 170)


@dataclass(frozen=True)
class LayerScene:
    """What every frame of one layer's GIF shares: its result, its words and its colours.

    ``input_grey`` greys the input (the session's picture: its value mode's range); None colours it
    with ``colormap`` at ``input_levels`` (the previous layer's maps). ``levels`` colour the output.
    ``class_names`` label a vector output's units (the last layer's, from the session)."""

    result: LayerOutput
    title: str
    subtitle: str
    input_name: str
    output_name: str
    input_levels: tuple[float, float]
    levels: tuple[float, float]
    input_grey: bool = False
    colormap: str = DEFAULT_COLORMAP
    channel_names: tuple[str, ...] | None = None
    class_names: tuple[str, ...] = ()


# --------------------------------------------------------------------------- what a frame shows


@dataclass
class GridPanel:
    """A grid of cells: ``values`` (rows, cols) with a padding ring ((top, bottom), (left, right)) around
    them; ``marks`` are red frames in cell coordinates (r0, c0, r1, c1), ``inner`` a cell framed inside."""

    name: str
    shape: str
    values: np.ndarray
    colouring: str  # "grey", "map" or "weights"
    levels: tuple[float, float]
    pads: tuple[tuple[int, int], tuple[int, int]] = ((0, 0), (0, 0))
    marks: list[tuple[int, int, int, int]] = field(default_factory=list)
    inner: list[tuple[int, int]] = field(default_factory=list)
    small_marks: list[tuple[int, int]] = field(default_factory=list)
    hidden: np.ndarray | None = None
    empty: np.ndarray | None = None
    colour_bar: bool = False

    @property
    def rows(self) -> int:
        return int(self.values.shape[0]) + sum(self.pads[0])

    @property
    def cols(self) -> int:
        return int(self.values.shape[1]) + sum(self.pads[1])


@dataclass
class BarsPanel:
    """A short vector as one labelled bar a unit; ``current`` is framed; units after it hidden in reveal."""

    name: str
    shape: str
    values: np.ndarray
    labels: list[str]
    probabilities: bool
    current: int
    shown: int


Panel = GridPanel | BarsPanel


def _wrap(n: int) -> int:
    """Columns of the grid a vector of ``n`` values is wrapped into (near square, row by row)."""
    return max(1, math.ceil(math.sqrt(n)))


def _vector_grid(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A vector as (rows, cols) values row by row, and which cells past its end stay empty."""
    n = int(values.size)
    cols = _wrap(n)
    rows = math.ceil(n / cols)
    grid = np.zeros(rows * cols, dtype=np.float64)
    grid[:n] = values
    empty = np.arange(rows * cols) >= n
    return grid.reshape(rows, cols), empty.reshape(rows, cols)


def _at(index: int, n: int) -> tuple[int, int]:
    """The (row, col) of vector index ``index`` in its wrapped grid."""
    return divmod(index, _wrap(n))


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}" + ("" if n == 1 else "s")


def _maps_shape(shape: tuple[int, ...]) -> str:
    return " × ".join(str(n) for n in shape)


def _input_panel(scene: LayerScene, cell: tuple[int, ...]) -> GridPanel:
    """What the layer receives: one channel of maps (the one this step reads), or a vector."""
    r = scene.result
    x = np.asarray(r.input)  # type: ignore[attr-defined]
    colouring = "grey" if scene.input_grey else "map"
    if isinstance(r, PoolResult):
        trace = r.trace_cell(cell)
        rows, cols = trace.rows, trace.cols
        panel = _channel_panel(scene, x, trace.channel, colouring)
        panel.pads = r.pads
        panel.marks.append((int(rows.min()), int(cols.min()), int(rows.max()), int(cols.max())))
        if trace.winner is not None:
            panel.inner.append((int(rows[trace.winner]), int(cols[trace.winner])))
        if any(r.pads[0]) or any(r.pads[1]):
            panel.shape += ", padding shaded"
        return panel
    if isinstance(r, DenseResult):
        unit = r.trace_cell(cell)
        order = np.argsort(-np.abs(unit.products.astype(np.float64)), kind="stable")[:MARKED_TERMS]
        if x.ndim == 1:
            panel = _vector_panel(scene, x, colouring)
            panel.small_marks.extend(_at(int(i), x.size) for i in order.tolist())
            return panel
        position = tuple(int(i) for i in unit.index[:-1])
        panel = _channel_panel(scene, x, 0, colouring) if x.ndim == 3 else _vector_panel(scene, x.ravel(), colouring)
        if len(position) == 2:
            panel.marks.append((*position, *position))
        return panel
    if isinstance(r, ElementResult):
        source = r.trace_cell(cell).source
        if x.ndim == 3:
            channel = source[2] if source is not None else cell[-1] if len(cell) == 3 else 0
            panel = _channel_panel(scene, x, int(channel), colouring)
            if source is not None:
                panel.marks.append((source[0], source[1], source[0], source[1]))
            return panel
        panel = _vector_panel(scene, x.ravel(), colouring)
        if source is not None:
            flat = int(np.ravel_multi_index(source, x.shape))
            panel.marks.append((*_at(flat, x.size), *_at(flat, x.size)))
        return panel
    raise TypeError(f"no frame for a {type(r).__name__}")


def _channel_panel(scene: LayerScene, x: np.ndarray, channel: int, colouring: str) -> GridPanel:
    h, w, c = x.shape
    names = scene.channel_names or tuple(str(i + 1) for i in range(c))
    shape = f"{h} × {w}" + (f" × {c}, channel {names[channel]}" if c > 1 else "")
    return GridPanel(scene.input_name, shape, x[:, :, channel], colouring, scene.input_levels)


def _vector_panel(scene: LayerScene, x: np.ndarray, colouring: str) -> GridPanel:
    grid, empty = _vector_grid(x)
    shape = _count(int(x.size), "value")
    return GridPanel(scene.input_name, shape, grid, colouring, scene.input_levels, empty=empty)


def _weights_panel(r: DenseResult, unit: int) -> GridPanel:
    """The kernel's column of this unit, laid out as its input is (weight i beside input i)."""
    column = np.asarray(r.kernel[:, unit], dtype=np.float64)
    grid, empty = _vector_grid(column) if np.asarray(r.input).ndim == 1 else (column[None, :], None)
    limit = float(np.abs(column).max()) or 1.0
    return GridPanel("weights", f"unit {unit + 1}'s column", grid, "weights", (-limit, limit), empty=empty)


def _output_panel(scene: LayerScene, step: int, cell: tuple[int, ...], reveal: bool) -> Panel:
    r = scene.result
    out = np.asarray(r.output)
    if out.ndim == 3:
        oh, ow, c = out.shape
        channel = cell[2]
        hidden = (np.arange(oh * ow).reshape(oh, ow) > step) if reveal else None
        shape = f"{oh} × {ow}" + (f" × {c}, channel {channel + 1}" if c > 1 else "")
        panel = GridPanel(scene.output_name, shape, out[:, :, channel], "map", scene.levels, hidden=hidden,
                          colour_bar=True)
        panel.marks.append((cell[0], cell[1], cell[0], cell[1]))
        return panel
    values = out.ravel()
    n = int(values.size)
    softmax = isinstance(r, DenseResult) and r.activation == "softmax"
    shown = step + 1 if reveal else n
    if n <= MAX_BARS:
        labels = list(scene.class_names) if len(scene.class_names) == n else [str(i + 1) for i in range(n)]
        shape = _count(n, "value") + (", softmax" if softmax else "")
        return BarsPanel(scene.output_name, shape, values, labels, softmax, step, shown)
    grid, empty = _vector_grid(values)
    hidden = (np.arange(grid.size).reshape(grid.shape) >= shown) & ~empty
    shape = _count(n, "value")
    panel = GridPanel(scene.output_name, shape, grid, "map", scene.levels, hidden=hidden, empty=empty,
                      colour_bar=True)
    at = _at(step, n)
    panel.marks.append((*at, *at))
    return panel


def frame_panels(scene: LayerScene, step: int, channel: int = 0, reveal: bool = True) -> list[Panel]:
    """The panels of step ``step`` (0-based) on output channel ``channel``, left to right."""
    r = scene.result
    cell = cell_of(r, step, channel)
    panels: list[Panel] = [_input_panel(scene, cell)]
    if isinstance(r, DenseResult):
        panels.append(_weights_panel(r, cell[-1]))
    panels.append(_output_panel(scene, step, cell, reveal))
    return panels


# --------------------------------------------------------------------------- layout


@dataclass(frozen=True)
class LayerFrameLayout:
    """Where each part of a frame goes (pixels): the tests probe frames through it."""

    width: int
    height: int
    unit: float
    title: QRectF
    subtitle: QRectF
    captions: tuple[QRectF, ...]
    origins: tuple[QPointF, ...]  # top-left of each panel's cell (0, 0) (inside its padding ring), or its bars
    cell: int  # one cell size for every grid panel
    bars: QRectF | None  # the bars panel's rectangle
    bar_row: float
    colour_bar: QRectF | None
    text: QRectF

    def cell_rect(self, panel: int, row: int, col: int) -> QRectF:
        o = self.origins[panel]
        return QRectF(o.x() + col * self.cell, o.y() + row * self.cell, self.cell, self.cell)

    def bar_row_rect(self, i: int) -> QRectF:
        assert self.bars is not None
        return QRectF(self.bars.left(), self.bars.top() + i * self.bar_row, self.bars.width(), self.bar_row)


def _text_width(text: StepText | None, u: float, body_w: float) -> float:
    """A third of the body, or more (up to 45 %) when the step's lines need it to stay whole."""
    least = round(0.33 * body_w)
    if text is None:
        return least
    mono = QFontMetricsF(_font(_px(u, 15), mono=True))
    bold = QFontMetricsF(_font(_px(u, 15), mono=True, bold=True))
    lines = [line for group in text.groups for line in (group.aligned or group.lines)]
    pieces = [piece for line in text.summary for piece in re.split(r"(?= [+=] )", line)]  # as summaries wrap
    widest = max([mono.horizontalAdvance(line) for line in lines] + [bold.horizontalAdvance(p) for p in pieces],
                 default=0.0) + 4 * u
    return min(max(least, math.ceil(widest)), round(0.45 * body_w))


def layer_frame_layout(
    panels: list[Panel], size: tuple[int, int] = (960, 540), text: StepText | None = None
) -> LayerFrameLayout:
    """Title band on top; the panels side by side with one cell size (left), the arithmetic (right)."""
    width, height = int(size[0]), int(size[1])
    u = min(width / 960.0, height / 540.0)
    m = max(6.0, 14.0 * u)
    title = QRectF(m, m * 0.7, width - 2 * m, _px(u, 21) * 1.35)
    subtitle = QRectF(m, title.bottom(), width - 2 * m, _px(u, 15) * 1.35)
    body = QRectF(m, subtitle.bottom() + 10 * u, width - 2 * m, 0)
    body.setBottom(height - m)
    text_w = _text_width(text, u, body.width())
    grids_w = body.width() - text_w - 22 * u
    caption_h = _px(u, 16) * 1.3 + _px(u, 14) * 1.3 + 4 * u
    bar_h = 12 * u + _px(u, 14) * 1.3 + 6 * u
    grid_h = body.height() - caption_h
    gap = 22 * u
    avail_w = grids_w - gap * (len(panels) - 1)
    slot = 120 * u
    grids = [p for p in panels if isinstance(p, GridPanel)]
    bars_panel = next((p for p in panels if isinstance(p, BarsPanel)), None)
    bars_w = min(0.5 * avail_w, 300 * u) if bars_panel is not None else 0.0
    cols = sum(p.cols for p in grids)
    room = avail_w - bars_w
    s = min((room / cols) if cols else 64 * u, 64 * u)
    for p in grids:
        s = min(s, (grid_h - (bar_h if p.colour_bar else 0)) / p.rows)
    narrow = sum(max(0.0, slot - p.cols * s) for p in grids)  # room a small panel's caption takes
    if cols and narrow:
        s = min(s, max(1.0, (room - narrow) / cols))
    s = max(1, math.floor(s))
    bar_row = min(34 * u, grid_h / bars_panel.values.size) if bars_panel is not None else 0.0
    widths = [p.cols * s if isinstance(p, GridPanel) else bars_w for p in panels]
    heights = [p.rows * s if isinstance(p, GridPanel) else bar_row * p.values.size for p in panels]
    slots = [max(w, slot) for w in widths]
    spare = max(0.0, avail_w - sum(slots))
    gap += spare / (len(panels) + 1)
    block_h = max(heights) + (bar_h if any(isinstance(p, GridPanel) and p.colour_bar for p in panels) else 0)
    top = body.top() + max(0.0, (grid_h - block_h) / 2.2)
    y_cells = top + caption_h
    x = body.left() + spare / (len(panels) + 1)
    captions, origins = [], []
    bars = colour_bar = None
    for panel, w, slot_w in zip(panels, widths, slots, strict=True):
        left = x + (slot_w - w) / 2
        cw = slot_w + gap - 6 * u
        captions.append(QRectF(left + w / 2 - cw / 2, top, cw, caption_h))
        if isinstance(panel, GridPanel):
            (pt, _), (pl, _) = panel.pads
            origins.append(QPointF(left + pl * s, y_cells + pt * s))
            below = y_cells + panel.rows * s
            if panel.colour_bar and body.bottom() - below >= bar_h:
                bw = max(w, min(slot_w, 110 * u))
                colour_bar = QRectF(left + w / 2 - bw / 2, below + 10 * u, bw, 12 * u)
        else:
            origins.append(QPointF(left, y_cells))
            bars = QRectF(left, y_cells, w, bar_row * panel.values.size)
        x += slot_w + gap
    lines = 3 + len(text.summary) * 2 + sum(len(g.lines) + 1 for g in text.groups) if text is not None else 0
    text_top = top if body.bottom() - top >= lines * 1.35 * _px(u, 15) else body.top()  # level with the captions
    box = QRectF(body.right() - text_w, text_top, text_w, body.bottom() - text_top)
    return LayerFrameLayout(width, height, u, title, subtitle, tuple(captions), tuple(origins), s, bars, bar_row,
                            colour_bar, box)


# --------------------------------------------------------------------------- painting


def render_layer_frame(
    scene: LayerScene, step: int, channel: int = 0, *, size: tuple[int, int] = (960, 540), reveal: bool = True
) -> QImage:
    """Draw step ``step`` (0-based, ``steps_of`` order) of output channel ``channel`` (maps; a vector's
    steps are its units) as an RGB32 QImage. Needs a ``QGuiApplication`` (fonts)."""
    r = scene.result
    cell = cell_of(r, step, channel)
    panels = frame_panels(scene, step, channel, reveal)
    text = layer_step_text(r, cell, scene.channel_names, scene.class_names, most_terms=MARKED_TERMS)
    layout = layer_frame_layout(panels, size, text)
    image = QImage(layout.width, layout.height, QImage.Format.Format_RGB32)
    image.fill(PAPER)
    p = QPainter(image)
    try:
        p.setRenderHint(QPainter.RenderHint.TextAntialiasing, True)
        p.setClipRect(QRectF(0, 0, layout.width, layout.height))
        painter = _LayerFrame(p, layout)
        painter.header(scene, step, cell)
        for i, shown in enumerate(panels):
            if isinstance(shown, GridPanel):
                painter.grid(i, shown, scene.colormap)
            else:
                painter.bars(i, shown)
        painter.arithmetic(text, None)
    finally:
        p.end()
    return image


def header_words(scene: LayerScene, step: int, cell: tuple[int, ...]) -> str:
    """The title line: where the step is, then the layer's own title."""
    r = scene.result
    steps = steps_of(r)
    out = np.asarray(r.output)
    if out.ndim == 1:
        where = f"unit {step + 1} of {steps}"
    else:
        where = f"step {step + 1} of {steps}  ·  channel {cell[2] + 1} of {out.shape[2]}"
    return f"{where}  ·  {scene.title}"


class _LayerFrame(FramePainter):
    def __init__(self, p: QPainter, layout: LayerFrameLayout) -> None:
        super().__init__(p, layout.unit, layout.text)
        self.lay = layout

    def header(self, scene: LayerScene, step: int, cell: tuple[int, ...]) -> None:
        bold = _font(_px(self.u, 21), bold=True)
        _draw_line(self.p, self.lay.title, header_words(scene, step, cell), bold, INK, Qt.AlignmentFlag.AlignLeft)
        mono = _font(_px(self.u, 15), mono=True)
        _draw_line(self.p, self.lay.subtitle, scene.subtitle, mono, MUTED, Qt.AlignmentFlag.AlignLeft)

    def _colours(self, panel: GridPanel, colormap: str) -> np.ndarray:
        v = np.nan_to_num(panel.values.astype(np.float64))
        lo, hi = panel.levels
        if panel.colouring == "weights":
            limit = hi or 1.0
            flat = [weight_colour(t / limit) for t in v.ravel().tolist()]
            rgb = (np.array(flat).reshape(*v.shape, 3) * 255 + 0.5).astype(np.uint8)
        elif panel.colouring == "grey":
            t = np.clip((v - lo) / (hi - lo), 0.0, 1.0) if hi > lo else np.zeros_like(v)
            rgb = np.repeat(((t * 255 + 0.5).astype(np.uint8))[:, :, None], 3, axis=2)
        else:
            span = hi - lo if hi > lo else 1.0
            idx = np.clip((v - lo) * (255.0 / span) + 0.5, 0, 255).astype(np.uint8)
            rgb = np.array(lookup_table(colormap)[idx], dtype=np.uint8)
        if panel.hidden is not None:
            rgb[panel.hidden] = (HIDDEN.red(), HIDDEN.green(), HIDDEN.blue())
        if panel.empty is not None:
            rgb[panel.empty] = (PAPER.red(), PAPER.green(), PAPER.blue())
        return np.ascontiguousarray(rgb)

    def grid(self, i: int, panel: GridPanel, colormap: str) -> None:
        p, lay, s = self.p, self.lay, self.lay.cell
        self.caption(lay.captions[i], panel.name, panel.shape)
        h, w = panel.values.shape
        (top, bottom), (left, right) = panel.pads
        if top or bottom or left or right:
            p.fillRect(lay.cell_rect(i, -top, -left).united(lay.cell_rect(i, h - 1 + bottom, w - 1 + right)), PAD_FILL)
        rgb = self._colours(panel, colormap)
        cells = QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888)
        p.drawImage(lay.cell_rect(i, 0, 0).united(lay.cell_rect(i, h - 1, w - 1)), cells)
        origin = lay.origins[i]
        self.grid_lines(origin.x() - left * s, origin.y() - top * s, panel.rows, panel.cols, s)
        if panel.empty is not None and panel.empty.any():  # the wrapped vector's tail: no cells there
            for r, c in zip(*np.nonzero(panel.empty), strict=True):
                p.fillRect(lay.cell_rect(i, int(r), int(c)).adjusted(1, 1, 1, 1), PAPER)
        self._numbers(i, panel, rgb)
        width = max(2.0, s * 0.1)
        for r0, c0, r1, c1 in panel.marks:
            self.frame_rect(lay.cell_rect(i, r0, c0).united(lay.cell_rect(i, r1, c1)), width)
        inset = max(1.0, s * 0.12)
        for r, c in panel.inner:
            self.frame_rect(lay.cell_rect(i, r, c).adjusted(inset, inset, -inset, -inset), max(2.0, width * 0.8))
        for r, c in panel.small_marks:
            self.frame_rect(lay.cell_rect(i, r, c), max(1.5, s * 0.08))
        if panel.colour_bar and lay.colour_bar is not None:
            self.colour_bar(lay.colour_bar, lookup_table(colormap), panel.levels)

    def _numbers(self, i: int, panel: GridPanel, rgb: np.ndarray) -> None:
        s = self.lay.cell
        px = min(round(s * 0.36), _px(self.u, 20, 1))
        if px < MIN_CELL_FONT_PX or panel.values.size > 4096:
            return
        values, colours = panel.values.tolist(), rgb.tolist()
        cells = []
        for r, row in enumerate(values):
            for c, v in enumerate(row):
                if (panel.hidden is not None and panel.hidden[r, c]) or (panel.empty is not None and panel.empty[r, c]):
                    continue
                cells.append((self.lay.cell_rect(i, r, c), format_value(v, s), QColor(*text_colour_on(*colours[r][c]))))
        _cell_texts(self.p, cells, px, margin=0.22)

    def bars(self, i: int, panel: BarsPanel) -> None:
        p, lay = self.p, self.lay
        self.caption(lay.captions[i], panel.name, panel.shape)
        assert lay.bars is not None
        box, row_h = lay.bars, lay.bar_row
        px = max(9, min(_px(self.u, 15), math.floor(row_h * 0.62)))
        font = _font(px)
        values = panel.values.astype(np.float64)
        label_w = min(box.width() * 0.3, max(_font_width(font, t) for t in panel.labels) + 8 * self.u)
        value_w = _font_width(font, "100.0%" if panel.probabilities else "-0.00000") + 6 * self.u
        track = QRectF(box.left() + label_w, box.top(), box.width() - label_w - value_w, box.height())
        lo = 0.0 if panel.probabilities else min(0.0, float(values.min()))
        hi = 1.0 if panel.probabilities else max(0.0, float(values.max()))
        span = hi - lo or 1.0
        zero_x = track.left() + (0 - lo) / span * track.width()
        for k, (label, v) in enumerate(zip(panel.labels, values.tolist(), strict=True)):
            row = lay.bar_row_rect(k)
            _draw_line(p, QRectF(row.left(), row.top(), label_w - 6 * self.u, row_h), label, font, INK,
                       Qt.AlignmentFlag.AlignRight)
            if k < panel.shown:
                x1 = track.left() + (v - lo) / span * track.width()
                bar = QRectF(min(zero_x, x1), row.top() + row_h * 0.18, abs(x1 - zero_x), row_h * 0.64)
                p.fillRect(bar, BAR)
                text = f"{v * 100:.1f}%" if panel.probabilities else format_number(v)
                _draw_line(p, QRectF(track.right() + 4 * self.u, row.top(), value_w, row_h), text, font, INK,
                           Qt.AlignmentFlag.AlignLeft)
            else:
                p.fillRect(QRectF(track.left(), row.top() + row_h * 0.18, track.width(), row_h * 0.64), HIDDEN)
        p.setPen(QPen(GRID_LINE, 1))
        p.drawLine(QPointF(zero_x, box.top()), QPointF(zero_x, box.bottom()))
        self.frame_rect(lay.bar_row_rect(panel.current), max(2.0, row_h * 0.08))


def _font_width(font: QFont, text: str) -> float:
    return QFontMetricsF(font).horizontalAdvance(text)
