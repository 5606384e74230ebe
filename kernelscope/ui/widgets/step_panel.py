"""The step-through panel: transport controls, speed, scrub slider, and one step's arithmetic."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QIcon, QPainter, QPalette, QPixmap, QPolygonF, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from kernelscope.core.arithmetic import StepText, groups_text
from kernelscope.ui.widgets.digit_size import font_for_digits
from kernelscope.ui.widgets.layout_fence import LayoutFence

__all__ = ["StepPanel"]

SPEED_RANGE = (0.5, 20.0)
PROJECTOR_DIGIT_PX = 24  # the arithmetic's digits in projector mode: legible from the back of a room
DEFAULT_SPEED = 2.0

# Glyphs kept as button text (accessibility, tests); the buttons draw vector icons instead because
# common Linux fonts (DejaVu) have no U+23EE/23F8/23ED and would show empty boxes.
GLYPHS = {"first": "⏮", "back": "◀|", "play": "▶", "pause": "⏸", "forward": "|▶", "last": "⏭"}
TRANSPORT = ("first", "back", "play", "forward", "last")

# Each shape in a unit square: triangles as three points, bars as (x0, x1); first/back are mirrored.

_Tri = tuple[tuple[float, float], tuple[float, float], tuple[float, float]]
_SHAPES: dict[str, tuple[tuple[_Tri, ...], tuple[tuple[float, float], ...]]] = {
    "play": ((((0.24, 0.14), (0.86, 0.5), (0.24, 0.86)),), ()),
    "pause": ((), ((0.22, 0.41), (0.59, 0.78))),
    "forward": ((((0.38, 0.16), (0.84, 0.5), (0.38, 0.84)),), ((0.16, 0.3),)),
    "last": (
        (((0.08, 0.2), (0.44, 0.5), (0.08, 0.8)), ((0.42, 0.2), (0.78, 0.5), (0.42, 0.8))),
        ((0.8, 0.92),),
    ),
}
_ICON_SIZES = (16, 24, 32, 48, 64)


def _mirror(kind: str) -> tuple[tuple[_Tri, ...], tuple[tuple[float, float], ...]]:
    tris, bars = _SHAPES[kind]
    flip = tuple(tuple((1 - x, y) for x, y in tri) for tri in tris)
    return flip, tuple((1 - b, 1 - a) for a, b in bars)  # type: ignore[return-value]


def _media_icon(kind: str, colour: QColor) -> QIcon:
    """A transport icon drawn with polygons, sharp at any size (the projector scales the UI)."""
    tris, bars = _mirror({"first": "last", "back": "forward"}[kind]) if kind in ("first", "back") else _SHAPES[kind]
    icon = QIcon()
    for size in _ICON_SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        for tri in tris:
            painter.drawPolygon(QPolygonF([QPointF(x * size, y * size) for x, y in tri]))
        top, height = 0.16 * size, 0.68 * size
        for x0, x1 in bars:
            painter.drawRect(QRectF(x0 * size, top, (x1 - x0) * size, height))
        painter.end()
        icon.addPixmap(pixmap)
    return icon


class StepPanel(QWidget):
    """Transport row, scrub slider, speed, the reveal/kernel toggles and the arithmetic of one step.

    It only asks (``step_requested`` with an absolute, clamped index); the window answers with
    ``set_step``/``set_text``, which never emit.
    """

    step_requested = Signal(int)
    play_toggled = Signal(bool)
    speed_changed = Signal(float)
    reveal_toggled = Signal(bool)
    kernel_overlay_toggled = Signal(bool)
    every_product_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._count = 1
        self._step = 0
        self._columns = 1
        self._projector = False
        self._digit_px = PROJECTOR_DIGIT_PX
        self._text: StepText | None = None
        self._pages: list[list[str]] = [[]]
        self._headings = [""]
        self._page = 0
        self._rendered_for = (0, 0)

        self.title = QLabel("no step")
        self.title.setAccessibleName("Step title")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.first_button = self._button("first", "First step (Home)", "First step")
        self.back_button = self._button("back", "Back one step (Left)", "Back one step")
        self.play_button = self._button("play", "Play / pause the stepping (Space)", "Play")
        self.play_button.setCheckable(True)
        self.forward_button = self._button("forward", "Forward one step (Right)", "Forward one step")
        self.last_button = self._button("last", "Last step (End)", "Last step")
        self._update_icons()

        self.position_label = QLabel()
        self.position_label.setAccessibleName("Step position")
        # In projector mode it carries the title too: on a narrow screen it takes a second line
        # rather than a window wider than the screen.
        self.position_label.setWordWrap(True)
        # Room for "step 999999 of 999999" so the row does not jump as the numbers grow.
        self.position_label.setMinimumWidth(self.position_label.fontMetrics().horizontalAdvance("step 9999 of 9999"))

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName("Step")
        self.slider.setToolTip("Drag to scrub through the steps (one step per output cell, row by row)")
        self.slider.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.speed_box = QDoubleSpinBox()
        self.speed_box.setAccessibleName("Speed")
        self.speed_box.setToolTip("Playback speed in steps per second")
        self.speed_box.setRange(*SPEED_RANGE)
        self.speed_box.setDecimals(1)
        self.speed_box.setSingleStep(0.5)
        self.speed_box.setSuffix(" steps/s")
        self.speed_box.setValue(DEFAULT_SPEED)
        self.speed_box.setKeyboardTracking(False)

        self.reveal_box = QCheckBox("reveal")
        self.reveal_box.setAccessibleName("Reveal")
        self.reveal_box.setToolTip("Fill the feature maps in cell by cell as the window moves (off: finished maps)")
        self.overlay_box = QCheckBox("kernel on input")
        self.overlay_box.setAccessibleName("Kernel on input")
        self.overlay_box.setToolTip("Write the kernel's weights over the window on the input")

        self.every_product_box = QCheckBox("every product")
        self.every_product_box.setAccessibleName("Every product")
        self.every_product_box.setToolTip("With many input channels a step shows each channel's sum; tick to write "
                                          "every product of every channel")
        self.every_product_box.setVisible(False)

        self.products = QPlainTextEdit()
        self.products.setAccessibleName("Products")
        self.products.setToolTip("input x weight = product, one tap a line, row by row over the window")
        self.products.setReadOnly(True)
        self.products.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.products.setUndoRedoEnabled(False)
        self.products.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.products.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        self.summary = QLabel()
        self.summary.setAccessibleName("Sum")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        # Line the summary up with the text inside the products box above it.
        inset = self.products.frameWidth() + round(self.products.document().documentMargin())
        self.summary.setContentsMargins(inset, 2, 0, 0)
        self._apply_fonts()
        self._fit_products()

        transport = QHBoxLayout()
        transport.setSpacing(2)
        for button in self._transport_buttons():
            transport.addWidget(button)
        transport.addSpacing(8)
        self.page_back = self._page_button(Qt.ArrowType.LeftArrow, "Previous page of the arithmetic", -1)
        self.page_label = QLabel()
        self.page_label.setAccessibleName("Arithmetic page")
        self.page_forward = self._page_button(Qt.ArrowType.RightArrow, "Next page of the arithmetic", 1)
        for widget in (self.page_back, self.page_label, self.page_forward):
            transport.addWidget(widget)
            widget.setVisible(False)
        transport.addSpacing(4)
        transport.addWidget(self.slider, 2)  # beside the buttons: a short screen keeps a row for the maps
        transport.addSpacing(4)
        transport.addWidget(LayoutFence(self.position_label), 1)

        options = QHBoxLayout()
        options.addWidget(self.speed_box)
        options.addSpacing(8)
        options.addWidget(self.reveal_box)
        options.addWidget(self.overlay_box)
        options.addWidget(self.every_product_box)
        options.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.setSpacing(2)  # a 1024x600 screen: the products keep their three lines
        layout.addLayout(transport)
        layout.addLayout(options)
        layout.addWidget(LayoutFence(self.title))
        self._body = QGridLayout()
        self._body.setContentsMargins(0, 0, 0, 0)
        self._body.addWidget(self.products, 0, 0)
        self._body.addWidget(LayoutFence(self.summary), 1, 0)
        self._body.setRowStretch(0, 1)
        layout.addLayout(self._body, 1)

        self.first_button.clicked.connect(lambda: self._request(0))
        self.back_button.clicked.connect(lambda: self._request(self._step - 1))
        self.forward_button.clicked.connect(lambda: self._request(self._step + 1))
        self.last_button.clicked.connect(lambda: self._request(self._count - 1))
        self.play_button.toggled.connect(self._on_play_toggled)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.speed_box.valueChanged.connect(self.speed_changed.emit)
        self.reveal_box.toggled.connect(self.reveal_toggled.emit)
        self.overlay_box.toggled.connect(self.kernel_overlay_toggled.emit)
        self.every_product_box.toggled.connect(self.every_product_toggled.emit)

        self.set_steps(1)

    # ------------------------------------------------------------------ building

    def _button(self, kind: str, tip: str, name: str) -> QToolButton:
        button = QToolButton()
        button.setText(GLYPHS[kind])
        button.setToolTip(tip)
        button.setAccessibleName(name)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        button.setAutoRaise(False)
        return button

    def _page_button(self, arrow: Qt.ArrowType, tip: str, delta: int) -> QToolButton:
        button = QToolButton()
        button.setArrowType(arrow)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.clicked.connect(lambda: self.set_page(self._page + delta))
        return button

    def _transport_buttons(self) -> tuple[QToolButton, ...]:
        return self.first_button, self.back_button, self.play_button, self.forward_button, self.last_button

    def _update_icons(self) -> None:
        """Icons in the palette's text colour, as big as a line of text (so UI scaling grows them)."""
        colour = self.palette().color(QPalette.ColorGroup.Active, QPalette.ColorRole.ButtonText)
        self._icons = {kind: _media_icon(kind, colour) for kind in GLYPHS}
        side = max(16, round(self.fontMetrics().height() * 1.1))
        for button, kind in zip(self._transport_buttons(), TRANSPORT, strict=True):
            button.setIconSize(QSize(side, side))
            button.setIcon(self._icons[kind])
        self._show_play_state(self.play_button.isChecked())

    def _apply_fonts(self) -> None:
        """Monospace arithmetic in the panel's own point size, so projector scaling applies to it too."""
        mono = QFont(self.font())
        mono.setFamilies(["DejaVu Sans Mono", "Consolas", "Menlo", "monospace"])
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setFixedPitch(True)
        if getattr(self, "_projector", False):  # legible from the back of a room
            mono = font_for_digits(mono, getattr(self, "_digit_px", PROJECTOR_DIGIT_PX))
        self.products.setFont(mono)
        bold = QFont(mono)
        bold.setBold(True)
        self.summary.setFont(bold)

        title = QFont(self.font())
        title.setBold(True)
        self.title.setFont(title)
        # Show about 9 product lines (the article's 3x3) before scrolling.
        lines = self.products.fontMetrics().lineSpacing()
        self.products.setMinimumHeight(lines * 3)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self._apply_fonts()
            self._update_icons()
        elif event.type() == QEvent.Type.PaletteChange:
            self._update_icons()
        super().changeEvent(event)

    # ------------------------------------------------------------------ API

    def set_steps(self, count: int) -> None:
        """N steps (output positions); with one step there is nothing to move through."""
        if count < 1:
            raise ValueError(f"a convolution has at least one step, not {count}")
        self._count = int(count)
        self._step = min(self._step, self._count - 1)
        movable = self._count > 1
        for widget in (*self._transport_buttons(), self.slider):
            widget.setEnabled(movable)
        with QSignalBlocker(self.slider):
            self.slider.setRange(0, self._count - 1)
            self.slider.setPageStep(max(1, self._count // 10))
            self.slider.setValue(self._step)
        if not movable:
            self.set_playing(False)
        self._update_position()

    def set_step(self, k: int) -> None:
        """Show step k (0-based) without emitting anything."""
        if not 0 <= k < self._count:
            raise ValueError(f"step {k} is outside 0..{self._count - 1}")
        self._step = int(k)
        with QSignalBlocker(self.slider):
            self.slider.setValue(self._step)
        self._update_position()

    def set_columns(self, columns: int) -> None:
        """Write the products as a grid of ``columns`` per line (the kernel's width), as on a
        whiteboard; 1 writes one product a line."""
        self._columns = max(1, int(columns))

    def set_digit_px(self, px: int) -> None:
        """Projector mode's digit height for the arithmetic and the SUM line."""
        self._digit_px = px
        self._apply_fonts()
        self._render()

    def page(self) -> int:
        return self._page

    def page_count(self) -> int:
        """How many pages the arithmetic takes (projector mode pages what the box cannot show at once)."""
        return len(self._pages) if self._projector else 1

    def set_page(self, page: int) -> None:
        self._page = max(0, min(self.page_count() - 1, page))
        if self._projector:
            self._show_page()

    def product_count(self) -> int:
        """How many products the step's arithmetic has (on every page together)."""
        if self._text is None:
            return 0
        return sum(line.count(" x ") for group in self._text.groups for line in group.lines)

    def set_projector(self, on: bool) -> None:
        """Projector mode: only the transport row and the arithmetic, in large type, as a grid."""
        self._projector = on
        bar = Qt.ScrollBarPolicy.ScrollBarAlwaysOff if on else Qt.ScrollBarPolicy.ScrollBarAsNeeded
        self.products.setHorizontalScrollBarPolicy(bar)  # the lines are laid out to fit, page by page
        self.products.setVerticalScrollBarPolicy(bar)
        for widget in (self.slider, self.speed_box, self.reveal_box, self.overlay_box):
            widget.setVisible(not on)
        if on:
            self.every_product_box.setVisible(False)
        self.title.setVisible(not on)  # the position label carries it in projector mode
        self._apply_fonts()
        self._update_position()
        if not on:
            self.products.setMinimumHeight(self.products.fontMetrics().lineSpacing() * 4)
            self.summary.setMinimumHeight(0)
            for widget in (self.page_back, self.page_label, self.page_forward):
                widget.setVisible(False)
        self._render()
        self._fit_products()

    def _fit_products(self) -> None:
        """In projector mode the products box is exactly as tall as its lines (no empty rows)."""
        if not self._projector:
            # Room for the article's nine lines; longer arithmetic scrolls, the maps keep the space.
            spacing = self.products.fontMetrics().lineSpacing()
            frame = 2 * self.products.frameWidth() + 2 * round(self.products.document().documentMargin())
            self.products.setMaximumHeight(10 * spacing + frame + 4)
            return
        lines = max(1, max(len(page) for page in self._pages))
        spacing = self.products.fontMetrics().lineSpacing()
        frame = 2 * self.products.frameWidth() + 2 * round(self.products.document().documentMargin())
        self.products.setFixedHeight(lines * spacing + frame + lines + 4)  # line heights are fractional

    def set_text(self, text: StepText) -> None:
        """Show one step's arithmetic; the products keep their scroll position from step to step."""
        self._text = text
        self.title.setText(text.title)
        if self._projector:
            self._update_position()
            self._render()
            return
        bar = self.products.verticalScrollBar()
        scrolled = bar.value()
        body = _grid_text(text, self._columns) if self._columns > 1 else groups_text(text, aligned=True)
        self.products.setPlainText(body)
        if scrolled:
            bar.setValue(scrolled)
        self.summary.setText("\n".join(text.summary))

    # ------------------------------------------------------------------ projector layout

    def _render(self) -> None:
        """Projector mode: the products as many to a line as the box's width holds (up to the kernel's
        width), in pages of as many lines as the room for them; the SUM lines packed side by side."""
        if not self._projector or self._text is None:
            return
        text = self._text
        self._rendered_for = (self.products.viewport().width(), self.window().height())
        metrics = QFontMetricsF(self.products.font())
        room = self.products.viewport().width() - 2 * self.products.document().documentMargin() - 2
        char = max(1e-6, metrics.horizontalAdvance("0"))
        columns = max(1, self._columns)
        products = [line for group in text.groups for line in (group.aligned or group.lines) if " x " in line]
        widest = max((len(line) for line in products), default=0)
        while columns > 1 and (columns * widest + (columns - 1) * 3) * char > room:
            columns -= 1
        body = _grid_text(text, columns) if columns > 1 else groups_text(text, aligned=True)
        lines = [part for line in body.split("\n") for part in _wrapped(line, int(room / char))]
        per_page, single = self._page_lines()
        if len(lines) <= single:
            per_page = single
        pages: list[list[str]] = []
        for line in lines:
            if not pages or len(pages[-1]) >= per_page:
                if not line.strip():
                    continue  # a page never starts with a blank line
                pages.append([])
            pages[-1].append(line)
        self._pages = pages or [[]]
        self._headings = [self._heading_of(page, lines) for page in self._pages]
        self._page = min(self._page, len(self._pages) - 1)
        # The SUM sits under the products box, as wide (its own width may still be an older one).
        width = self.products.width()
        margins = self.summary.contentsMargins()
        self.summary.setText("\n".join(_packed(list(text.summary), width - margins.left() - margins.right(),
                                               QFontMetricsF(self.summary.font()))))
        # Every wrapped line of the SUM has its height: the layout alone may not ask for it.
        room = max(1, width - margins.left() - margins.right())
        wrapped = self.summary.fontMetrics().boundingRect(QRect(0, 0, room, 100000), Qt.TextFlag.TextWordWrap,
                                                          self.summary.text())
        self.summary.setMinimumHeight(wrapped.height() + margins.top() + margins.bottom())
        self._fit_products()
        self._show_page()

    def _heading_of(self, page: list[str], lines: list[str]) -> str:
        """The channel a page's first line belongs to ("" with one channel)."""
        if self._text is None or len(self._text.groups) < 2 or not page:
            return ""
        headings = {group.heading for group in self._text.groups}
        index = lines.index(page[0]) if page[0] in lines else 0
        for line in reversed(lines[: index + 1]):
            if line in headings:
                return line
        return ""

    def _show_page(self) -> None:
        count = len(self._pages)
        paged = self._projector and count > 1
        for widget in (self.page_back, self.page_label, self.page_forward):
            widget.setVisible(paged)
        if paged:
            heading = self._headings[self._page]
            self.page_label.setText(f"{heading + ' · ' if heading else ''}page {self._page + 1} of {count}")
            self.page_back.setEnabled(self._page > 0)
            self.page_forward.setEnabled(self._page < count - 1)
        self.products.setPlainText("\n".join(self._pages[self._page]))

    def _page_lines(self) -> tuple[int, int]:
        """Lines of products a page holds, and the most one page may hold when it is the only one: the
        box takes a fifth of the window's height (a 3x3 window's three rows at least), up to nearly a
        third to avoid paging; the panes above keep the rest."""
        spacing = max(1, self.products.fontMetrics().lineSpacing())
        height = self.window().height() if self.window() is not self else 768
        return max(3, int(height * 0.2 / spacing)), max(3, int(height * 0.3 / spacing))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._projector and self._rendered_for != (self.products.viewport().width(), self.window().height()):
            self._render()  # another width, or another window height (lines a page holds)

    def set_playing(self, playing: bool) -> None:
        """Reflect the playback state on the play button, without emitting ``play_toggled``."""
        with QSignalBlocker(self.play_button):
            self.play_button.setChecked(playing)
        self._show_play_state(playing)

    def set_speed(self, steps_per_second: float) -> None:
        with QSignalBlocker(self.speed_box):
            self.speed_box.setValue(steps_per_second)

    def set_reveal(self, on: bool) -> None:
        with QSignalBlocker(self.reveal_box):
            self.reveal_box.setChecked(on)

    def set_kernel_overlay(self, on: bool) -> None:
        with QSignalBlocker(self.overlay_box):
            self.overlay_box.setChecked(on)

    def step(self) -> int:
        return self._step

    def steps(self) -> int:
        return self._count

    def speed(self) -> float:
        return float(self.speed_box.value())

    def reveal(self) -> bool:
        return self.reveal_box.isChecked()

    def kernel_overlay(self) -> bool:
        return self.overlay_box.isChecked()

    def set_many_channels(self, many: bool) -> None:
        """Offer "every product" only where a step collapses its channels to their sums."""
        self.every_product_box.setVisible(many and not self._projector)

    def every_product(self) -> bool:
        return self.every_product_box.isChecked()

    # ------------------------------------------------------------------ internals

    def _request(self, k: int) -> None:
        self.step_requested.emit(max(0, min(self._count - 1, k)))

    def _on_slider_value_changed(self, value: int) -> None:
        self._request(value)

    def _on_play_toggled(self, playing: bool) -> None:
        self._show_play_state(playing)
        self.play_toggled.emit(playing)

    def _show_play_state(self, playing: bool) -> None:
        kind = "pause" if playing else "play"
        self.play_button.setText(GLYPHS[kind])
        self.play_button.setIcon(self._icons[kind])
        self.play_button.setAccessibleName("Pause" if playing else "Play")

    def _update_position(self) -> None:
        text = f"step {self._step + 1} of {self._count}"
        if self._projector and self.title.text():
            text += f"   ({self.title.text()})"
        self.position_label.setText(text)


def _wrapped(line: str, width: int) -> list[str]:
    """A line longer than ``width`` characters broken at spaces (a word longer than that stays whole)."""
    if len(line) <= width or width < 8:
        return [line]
    parts, current = [], ""
    for word in line.split(" "):
        candidate = f"{current} {word}" if current else word
        if len(candidate) > width and current:
            parts.append(current)
            current = "  " + word
        else:
            current = candidate
    return [*parts, current]


def _packed(lines: list[str], width: float, metrics: QFontMetricsF, gap: str = "     ") -> list[str]:
    """Whole lines side by side while they fit ``width`` (a line too wide alone stays alone)."""
    packed: list[str] = []
    for line in lines:
        if packed and metrics.horizontalAdvance(packed[-1] + gap + line) <= width:
            packed[-1] += gap + line
        else:
            packed.append(line)
    return packed


def _grid_text(text: StepText, columns: int) -> str:
    """Products laid out kernel row by kernel row (``columns`` a line), other lines as they are."""
    parts = []
    for group in text.groups:
        body = group.aligned or group.lines
        products = [line for line in body if " x " in line]
        others = [line for line in body if line and " x " not in line]
        rows = ["   ".join(products[i : i + columns]) for i in range(0, len(products), columns)]
        parts.append("\n".join(([group.heading] if group.heading else []) + rows + others))
    return "\n\n".join(parts)
