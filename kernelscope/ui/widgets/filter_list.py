"""The list of filters with a thumbnail each, and the buttons that ask to add, duplicate or remove one.

A layer may have up to the scene's 512 filters: the list scrolls, every row is one
small icon, and an edit redraws only the icons that changed.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, QRect, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QImage, QKeyEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

MAX_FILTERS = 512
"""The scene's filter cap (``core.scene.MAX_FILTERS``; widgets do not import the scene's engine)."""
ICON_PX = 28


def weight_rgb(kernel: np.ndarray) -> np.ndarray:
    """(kh, kw) weights -> (kh, kw, 3) uint8: blue negative, white 0, red positive, scaled by its max |w|.

    The same diverging ramp as the kernel grid's cells, vectorised for a whole thumbnail.
    """
    k = np.asarray(kernel, dtype=np.float64)
    limit = float(np.abs(k).max()) if k.size else 0.0
    t = np.clip(k / limit, -1.0, 1.0) if limit > 0 and np.isfinite(limit) else np.zeros_like(k)
    pos = np.maximum(t, 0.0)
    neg = np.minimum(t, 0.0)
    rgb = np.stack([1.0 + 0.7 * neg, 1.0 - 0.65 * pos + 0.5 * neg, 1.0 - 0.7 * pos], axis=-1)
    return np.ascontiguousarray(np.rint(rgb * 255.0).astype(np.uint8))


def thumbnail(kernel: np.ndarray, side_px: int = ICON_PX, device_pixel_ratio: float = 1.0) -> QPixmap:
    """A square pixmap with the kernel's cells drawn as crisp blocks, centred, aspect kept, framed."""
    rgb = weight_rgb(kernel)
    kh, kw = rgb.shape[:2]
    dev = max(1, round(side_px * device_pixel_ratio))
    pixmap = QPixmap(dev, dev)
    pixmap.fill(Qt.GlobalColor.transparent)
    image = QImage(rgb.data, kw, kh, 3 * kw, QImage.Format.Format_RGB888).copy()
    cell = max(1, (dev - 2) // max(kh, kw))  # whole device pixels per cell keep the blocks even
    w, h = cell * kw, cell * kh
    target = QRect((dev - w) // 2, (dev - h) // 2, w, h)
    painter = QPainter(pixmap)
    painter.drawImage(target, image)  # no smoothing: nearest neighbour, blocks stay blocks
    if cell >= 6:  # faint cell lines where there is room, so equal neighbours stay countable
        painter.setPen(QPen(QColor(0, 0, 0, 40), 1))
        for c in range(1, kw):
            x = target.left() + c * cell
            painter.drawLine(x, target.top(), x, target.bottom())
        for r in range(1, kh):
            y = target.top() + r * cell
            painter.drawLine(target.left(), y, target.right(), y)
    painter.setPen(QPen(QColor(110, 110, 110), 1))
    painter.drawRect(target.adjusted(-1, -1, 0, 0))  # a frame, so an all-zero (white) kernel shows
    painter.end()
    pixmap.setDevicePixelRatio(device_pixel_ratio)
    return pixmap


class FilterList(QWidget):
    """Shows the F filters and asks for changes; its count changes only through set_filters."""

    filter_selected = Signal(int)
    add_requested = Signal()
    duplicate_requested = Signal(int)
    remove_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # What each item's icon and tooltip were drawn from: (kh, kw, C) and the first channel.
        self._drawn: list[tuple[tuple[int, ...], np.ndarray]] = []
        self._dpr = 0.0

        self.list = QListWidget(self)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setIconSize(QSize(ICON_PX, ICON_PX))
        self.list.setSpacing(2)
        self.list.setUniformItemSizes(True)
        self.list.setAccessibleName("Filters")
        self.list.setToolTip("Click a filter to edit its weights. Insert adds one, Delete removes the selected one.")
        self.list.currentRowChanged.connect(self._on_list_current_row_changed)
        self.list.installEventFilter(self)

        self.add_button = QPushButton("Add", self)
        self.add_button.setToolTip(f"Add a filter (one more feature map; at most {MAX_FILTERS}). Key: Insert")
        self.duplicate_button = QPushButton("Duplicate", self)
        self.duplicate_button.setToolTip("Add a copy of the selected filter, to change it and compare the maps")
        self.remove_button = QPushButton("Remove", self)
        self.remove_button.setToolTip("Remove the selected filter and its feature map. Key: Delete")
        self.add_button.clicked.connect(self.add_requested)
        self.duplicate_button.clicked.connect(self._on_duplicate_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)

        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        for b in (self.add_button, self.duplicate_button, self.remove_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)

        self.set_filters(np.zeros((3, 3, 1, 1), np.float32), 0)

    # ------------------------------------------------------------------ public

    def set_filters(self, kernels: np.ndarray, selected: int) -> None:
        """Show a (kh, kw, C, F) kernel stack with filter ``selected`` current; emits nothing."""
        k = np.asarray(kernels)
        if k.ndim != 4 or k.shape[3] < 1:
            raise ValueError(f"kernels must be (kh, kw, channels, filters) with filters >= 1, not {k.shape}")
        count = k.shape[3]
        if not 0 <= selected < count:
            raise ValueError(f"selected filter {selected} is not one of 0..{count - 1}")
        dpr = self.devicePixelRatioF()
        if dpr != self._dpr:  # a move to another screen: every icon is redrawn at the new density
            self._dpr = dpr
            self._drawn = []
        with QSignalBlocker(self.list), QSignalBlocker(self):
            while self.list.count() > count:
                self.list.takeItem(self.list.count() - 1)
            del self._drawn[count:]
            for f in range(count):
                drawn = (k.shape[:3], np.array(k[:, :, 0, f], dtype=np.float32))
                if f == self.list.count():
                    self.list.addItem(QListWidgetItem(f"filter {f + 1}"))
                if f < len(self._drawn) and _same(self._drawn[f], drawn):
                    continue  # an unchanged filter keeps its icon: a weight edit redraws one, not 64
                self._draw_item(self.list.item(f), f, drawn)
                if f < len(self._drawn):
                    self._drawn[f] = drawn
                else:
                    self._drawn.append(drawn)
            self.list.setCurrentRow(selected)
        self.add_button.setEnabled(count < MAX_FILTERS)
        self.duplicate_button.setEnabled(count < MAX_FILTERS)
        self.remove_button.setEnabled(count > 1)

    def count(self) -> int:
        return self.list.count()

    def selected(self) -> int:
        return self.list.currentRow()

    # ------------------------------------------------------------------ Qt

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.list and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            key = event.key()
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                if self.remove_button.isEnabled():
                    self._on_remove_button_clicked()
                return True
            if key == Qt.Key.Key_Insert:
                if self.add_button.isEnabled():
                    self.add_requested.emit()
                return True
        return super().eventFilter(watched, event)

    # ------------------------------------------------------------------ slots

    def _on_list_current_row_changed(self, row: int) -> None:
        if row >= 0:
            self.filter_selected.emit(row)

    def _on_duplicate_button_clicked(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.duplicate_requested.emit(row)

    def _on_remove_button_clicked(self) -> None:
        row = self.list.currentRow()
        if row >= 0 and self.list.count() > 1:
            self.remove_requested.emit(row)

    # ------------------------------------------------------------------ helpers

    def _draw_item(self, item: QListWidgetItem, f: int, drawn: tuple[tuple[int, ...], np.ndarray]) -> None:
        (kh, kw, c), first = drawn
        pixmap = thumbnail(first, ICON_PX, self._dpr)
        icon = QIcon(pixmap)
        icon.addPixmap(pixmap, QIcon.Mode.Selected)  # the selected row shows true colours, not a blue tint
        item.setIcon(icon)
        channels = "1 channel" if c == 1 else f"{c} channels, channel 1 shown"
        item.setToolTip(f"filter {f + 1}: {kh}x{kw} weights ({channels}); blue negative, white 0, red positive")


def _same(a: tuple[tuple[int, ...], np.ndarray], b: tuple[tuple[int, ...], np.ndarray]) -> bool:
    return a[0] == b[0] and np.array_equal(a[1], b[1], equal_nan=True)
