"""What the class reads in projector mode, measured in the window as drawn: the digit height (tight box
of "0123456789" in the font each part really uses) and whether any of it is cut off.

The numbers a lesson is taught with: the input cells under the window (through the loupe when the
cells are too small), the kernel's weights, the current output cell (through the focus view), the
arithmetic and its SUM line. bench/projector_legibility.py prints them; the tests assert them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFont, QFontMetrics, QFontMetricsF
from PySide6.QtWidgets import QApplication, QStyle, QWidget

MIN_DIGIT_PX = 24
Window = Any  # the main window (nothing imports it but the app)


@dataclass(frozen=True)
class Part:
    """One thing the class reads: its digits' height in pixels and what, if anything, is wrong."""

    name: str
    digit_px: int
    problem: str = ""  # "" when nothing is cut off

    def ok(self, least: int = MIN_DIGIT_PX) -> bool:
        return not self.problem and self.digit_px >= least


def digit_px(font: QFont) -> int:
    return round(QFontMetricsF(font).tightBoundingRect("0123456789").height())


def shown_whole(widget: QWidget, rect: QRect | None = None) -> bool:
    """Whether ``rect`` (the whole widget by default) is on screen: the widget and every parent shown,
    and no parent (a scroll area's viewport, a pane, the window) cuts any of it off."""
    if not widget.isVisible():
        return False
    area = widget.rect() if rect is None else rect
    if area.isEmpty():
        return False
    w: QWidget | None = widget
    while w is not None:
        top_left = widget.mapTo(w, area.topLeft()) if w is not widget else area.topLeft()
        placed = QRect(top_left, area.size())
        if not w.rect().contains(placed):
            return False
        w = w.parentWidget()
    return True


def settle() -> None:
    for _ in range(4):
        QApplication.processEvents()


# ---------------------------------------------------------------------------------- the parts


def input_part(window: Window) -> Part:
    grid = window.pixel_grid
    px = grid.window_digit_px()
    shown = grid.loupe_rect() if grid.loupe_visible() else grid.window_frame_rect()
    if shown is None:
        return Part("input", 0, "no window on the input")
    if not shown_whole(grid, shown.toAlignedRect().adjusted(1, 1, -1, -1)):
        return Part("input", px, "the window's cells are cut off")
    return Part("input", px, "" if px else "no digits on the window's cells")


def kernel_part(window: Window) -> Part:
    grid = window.kernel_grid
    if grid.rowCount() == 0:
        return Part("kernel", 0, "no weights")
    margin = grid.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, grid) + 1
    viewport = grid.viewport().rect()
    least, problem = 10**6, ""
    for r in range(grid.rowCount()):
        for c in range(grid.columnCount()):
            item = grid.item(r, c)
            least = min(least, digit_px(item.font()))
            cell = grid.visualItemRect(item)
            if QFontMetrics(item.font()).horizontalAdvance(item.text()) > cell.width() - 2 * margin:
                problem = f"weight {item.text()!r} wider than its cell"
            elif not viewport.contains(cell):
                problem = f"weight ({r}, {c}) outside the grid"
    if not problem and not shown_whole(grid):
        problem = "the kernel grid is cut off"
    return Part("kernel", least, problem)


def maps_part(window: Window) -> Part:
    fm = window.feature_maps
    cell = fm.marks._cell
    if cell is None:
        return Part("output cell", 0, "no current cell")
    k = window.document.view.selected_filter
    if k not in fm.shown_maps():
        return Part("output cell", 0, f"map {k + 1} is not shown")
    if fm.loupe_visible():  # a fine map: its loupe carries the current cell's number
        panel = fm.loupe_rect().toAlignedRect().adjusted(1, 1, -1, -1)
        whole = shown_whole(fm.view_widget, panel)
        return Part("output cell", fm.loupe_digit_px(), "" if whole else "the map's loupe is cut off")
    px = fm.text_px()
    if px is None:
        return Part("output cell", 0, "no digits on the maps")
    font = QFont()
    font.setPixelSize(px)
    rect = fm.cell_scene_rect(k, *cell)
    texts = {(f, r, c): t for f, r, c, t in fm.cell_texts() if (f, r, c) == (k, *cell)}
    text = texts.get((k, *cell), "")
    if QFontMetricsF(font).horizontalAdvance(text) > rect.width():
        return Part("output cell", digit_px(font), f"{text!r} wider than its cell")
    if not shown_whole(fm.view_widget, rect.toAlignedRect().adjusted(1, 1, -1, -1)):
        return Part("output cell", digit_px(font), "the current cell is outside the view")
    return Part("output cell", digit_px(font), "")


def bars_part(window: Window) -> Part:
    bars = window.stack_view.vector_bars
    current = bars.current()
    if current is None:
        return Part("output value", 0, "no current unit")
    font = QFont(bars.area.font())
    rect = bars.row_rect(current)
    g = bars.geometry_for(bars.viewport().width())
    text = bars.value_text(current)
    if QFontMetrics(font).horizontalAdvance(text) > g.value_width + 2:
        return Part("output value", digit_px(font), f"{text!r} wider than its room")
    if not shown_whole(bars.viewport(), rect):
        return Part("output value", digit_px(font), "the current unit is outside the view")
    return Part("output value", digit_px(font), "")


def arithmetic_part(window: Window) -> Part:
    panel = window.step_panel
    box = panel.products
    px = digit_px(box.font())
    if not shown_whole(box):
        return Part("arithmetic", px, "the products box is cut off")
    shown: list[str] = []
    page = panel.page()
    try:
        for i in range(panel.page_count()):
            panel.set_page(i)
            settle()
            problem = _box_problem(box)
            if problem:
                return Part("arithmetic", px, problem + (f" (page {i + 1})" if panel.page_count() > 1 else ""))
            shown += box.toPlainText().splitlines()
    finally:
        panel.set_page(page)
    expected = panel.product_count()
    found = sum(line.count(" x ") for line in shown)
    if found != expected:
        return Part("arithmetic", px, f"{found} of {expected} products shown")
    return Part("arithmetic", px, "")


def _box_problem(box: Any) -> str:
    metrics = QFontMetricsF(box.font())
    lines = box.toPlainText().splitlines()
    widest = max((metrics.horizontalAdvance(line) for line in lines), default=0.0)
    room = box.viewport().width() - 2 * box.document().documentMargin()
    if widest > room + 0.5 or box.horizontalScrollBar().maximum() > 0:
        return "the widest line is wider than the box"
    if box.verticalScrollBar().maximum() > 0:
        return "lines below the box"
    return ""


def sum_part(window: Window) -> Part:
    label = window.step_panel.summary
    px = digit_px(label.font())
    if not label.text():
        return Part("SUM", px, "no SUM line")
    if not shown_whole(label):
        return Part("SUM", px, "the SUM line is cut off")
    metrics = QFontMetrics(label.font())
    width = label.contentsRect().width()
    if any(metrics.horizontalAdvance(word) > width for word in label.text().split()):
        return Part("SUM", px, "a term wider than the line")
    wrapped = metrics.boundingRect(QRect(0, 0, width, 100000), Qt.TextFlag.TextWordWrap, label.text())
    if wrapped.height() > label.contentsRect().height():
        return Part("SUM", px, "the SUM line's last lines are cut off")
    return Part("SUM", px, "")


def measure(window: Window) -> list[Part]:
    """The parts of the selected layer's step, as the window shows them now."""
    settle()
    # A Dense unit reads its whole input: there is no window to read, its arithmetic shows the terms.
    parts = [] if window.document.selected_class == "Dense" else [input_part(window)]
    if window.document.selected_class == "Conv2D":
        parts.append(kernel_part(window))
    parts.append(bars_part(window) if window.stack_view.output_is_vector() else maps_part(window))
    parts.append(arithmetic_part(window))
    parts.append(sum_part(window))
    return parts


def measure_layers(window: Window) -> list[tuple[int, list[Part]]]:
    """Every layer's parts (layer 1 as opened first), then the selection back where it was."""
    doc = window.document
    opened = doc.selected_layer
    results = [(opened, measure(window))]
    try:
        for index in range(len(doc.layers)):
            if index != opened:
                window.controller.select_layer(index)
                results.append((index, measure(window)))
    finally:
        window.controller.select_layer(opened)
        settle()
    return sorted(results)
