"""Every filter of a Conv2D layer as a small image, the way practitioners look at a trained first
layer: grey (or the kernel's own RGB) with 0 in the middle grey, so edge and blob detectors show at
a glance. Clicking one asks to select it; the selected one is outlined. They share a tabbed place
with the filter list."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QImage, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QCheckBox, QFrame, QScrollArea, QSizePolicy, QTabWidget, QVBoxLayout, QWidget

__all__ = ["FilterImages", "FilterViews", "filter_pixels"]

GAP = 3  # pixels between thumbnails: room for the selected one's outline
MIN_SIDE, MAX_SIDE = 14, 40
MAX_ROWS_HEIGHT = 92  # the most the thumbnails take in the pane; a side shrinks to keep under it


def filter_pixels(kernels: np.ndarray, channel: int | None, colour: bool) -> np.ndarray:
    """(F, kh, kw, 3) uint8 images of (kh, kw, C, F) kernels on one symmetric scale for the layer
    (0 -> middle grey, the largest |w| -> black or white), so filters compare with each other.

    ``colour``: a 3-channel kernel as the RGB picture it responds to; otherwise grey, of input channel
    ``channel`` or (None) the mean over the channels.
    """
    k = np.asarray(kernels, dtype=np.float64)
    if colour:
        planes = k.transpose(3, 0, 1, 2)  # (F, kh, kw, 3)
    else:
        plane = k.mean(axis=2) if channel is None else k[:, :, min(channel, k.shape[2] - 1), :]
        planes = np.repeat(plane.transpose(2, 0, 1)[..., None], 3, axis=3)
    finite = planes[np.isfinite(planes)]
    limit = float(np.abs(finite).max()) if finite.size else 0.0
    t = np.clip(planes / limit, -1.0, 1.0) if limit > 0 else np.zeros_like(planes)
    t = np.nan_to_num(t, nan=0.0)
    return np.ascontiguousarray(np.rint(127.5 + 127.5 * t).astype(np.uint8))


class _Thumbnails(QWidget):
    """The thumbnails, drawn in rows; a click on one emits its index."""

    clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.images: np.ndarray = np.zeros((0, 1, 1, 3), np.uint8)
        self.selected = 0
        self.tips: list[str] = []  # one a thumbnail
        self.overall_tip = ""
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def side(self, width: int | None = None) -> int:
        """The largest thumbnail side at which every filter fits in MAX_ROWS_HEIGHT at this width."""
        n = len(self.images)
        width = max(1, self.width() if width is None else width)
        for side in range(MAX_SIDE, MIN_SIDE - 1, -1):
            per_row = max(1, (width + GAP) // (side + GAP))
            if math.ceil(n / per_row) * (side + GAP) <= MAX_ROWS_HEIGHT:
                return side
        return MIN_SIDE

    def per_row(self) -> int:
        return max(1, (self.width() + GAP) // (self.side() + GAP))

    def rect_of(self, index: int) -> QRect:
        """Where thumbnail ``index`` is drawn (what a click inside selects)."""
        side, per_row = self.side(), self.per_row()
        row, col = divmod(index, per_row)
        return QRect(col * (side + GAP) + 1, row * (side + GAP) + 1, side, side)

    def index_at(self, point: QPoint) -> int | None:
        for i in range(len(self.images)):
            if self.rect_of(i).adjusted(-1, -1, 1, 1).contains(point):
                return i
        return None

    def heightForWidth(self, width: int) -> int:
        side = self.side(width)
        per_row = max(1, (width + GAP) // (side + GAP))
        return max(1, math.ceil(len(self.images) / per_row)) * (side + GAP) + 1

    def hasHeightForWidth(self) -> bool:
        return True

    def sizeHint(self) -> QSize:
        return QSize(200, self.heightForWidth(max(200, self.width())))

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        height = self.heightForWidth(self.width())
        if self.height() != height:
            self.setFixedHeight(height)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        frame = self.palette().color(QPalette.ColorRole.Mid)
        mark = self.palette().color(QPalette.ColorRole.Highlight)
        text = self.palette().color(QPalette.ColorRole.Text)
        for i, pixels in enumerate(self.images):
            kh, kw = pixels.shape[:2]
            image = QImage(pixels.data, kw, kh, 3 * kw, QImage.Format.Format_RGB888)
            rect = self.rect_of(i)
            painter.drawImage(rect, image)  # nearest neighbour: the kernel's cells stay blocks
            painter.setPen(QPen(frame, 1))
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
        if 0 <= self.selected < len(self.images):
            rect = self.rect_of(self.selected)
            painter.setPen(QPen(text, 1))  # the theme's text colour around the highlight: seen on any base
            painter.drawRect(rect.adjusted(-2, -2, 1, 1))
            painter.setPen(QPen(mark, 2))
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.index_at(event.position().toPoint())
        if index is not None and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(index)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        index = self.index_at(event.position().toPoint())
        self.setToolTip(self.tips[index] if index is not None and index < len(self.tips) else self.overall_tip)


class FilterImages(QWidget):
    """The thumbnails, and for a layer on several channels the choice of the mean; asks for a filter."""

    filter_selected = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._kernels = np.zeros((1, 1, 1, 1), np.float32)
        self._channel = 0
        self._first = True
        self.mean_box = QCheckBox("mean of the channels", self)
        self.mean_box.setToolTip("Each filter's weights averaged over its input channels, instead of the channel "
                                 "picked above the kernel")
        self.mean_box.toggled.connect(lambda _on: self._draw())
        self.thumbnails = _Thumbnails(self)
        self.thumbnails.setAccessibleName("Filter images")
        self.thumbnails.clicked.connect(self._on_thumbnail_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        # the thumbnails scroll: hundreds of filters (or a short pane) never make the pane taller
        self.scroll = QScrollArea(self)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidgetResizable(True)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setMinimumHeight(MIN_SIDE + GAP + 2)
        holder = QWidget()
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        holder_layout.addWidget(self.thumbnails)
        holder_layout.addStretch(1)
        self.scroll.setWidget(holder)
        layout.addWidget(self.mean_box)
        layout.addWidget(self.scroll, 1)

    # ------------------------------------------------------------------ public
    def set_filters(self, kernels: np.ndarray, selected: int, channel: int, first_layer: bool) -> None:
        """Show (kh, kw, C, F) kernels with filter ``selected`` outlined; deeper layers show input
        channel ``channel`` (or the mean); a first layer on 3 channels shows RGB. Emits nothing."""
        k = np.asarray(kernels)
        if k.ndim != 4 or not 0 <= selected < k.shape[3]:
            raise ValueError(f"filter {selected} of kernels shaped {k.shape}")
        self._kernels, self._channel, self._first = k, channel, first_layer
        self.thumbnails.selected = selected
        self._draw()

    def selected(self) -> int:
        return self.thumbnails.selected

    def mode(self) -> str:
        """What the images show: "rgb", "grey", "mean" or "channel N" (1-based)."""
        c = self._kernels.shape[2]
        if self._first and c == 3:
            return "rgb"
        if c == 1:
            return "grey"
        return "mean" if self.mean_box.isChecked() else f"channel {self._channel + 1}"

    def images(self) -> np.ndarray:
        """(F, kh, kw, 3) uint8: the pixels drawn."""
        return self.thumbnails.images

    def thumbnail_rect(self, index: int) -> QRect:
        """Where filter ``index`` is, in the thumbnails' coordinates."""
        return self.thumbnails.rect_of(index)

    # ------------------------------------------------------------------ helpers
    def _draw(self) -> None:
        mode = self.mode()
        k = self._kernels
        kh, kw, c, nf = k.shape
        channel = None if mode == "mean" else self._channel
        self.thumbnails.images = filter_pixels(k, channel, colour=mode == "rgb")
        shown = {
            "rgb": "the RGB colours each filter responds to (mid-grey: 0)",
            "grey": "grey: black negative, mid-grey 0, white positive",
            "mean": f"grey, the mean of its {c} input channels",
        }.get(mode, f"grey, input channel {self._channel + 1} of {c} (the one picked above the kernel)")
        self.thumbnails.tips = [f"filter {f + 1} ({kh}x{kw}): {shown}; click to select it" for f in range(nf)]
        self.thumbnails.overall_tip = f"Every filter of this layer: {shown}; one scale for the whole layer"
        self.thumbnails.setToolTip(self.thumbnails.overall_tip)
        self.mean_box.setVisible(mode not in ("rgb", "grey"))
        self.thumbnails.setFixedHeight(self.thumbnails.heightForWidth(max(1, self.thumbnails.width())))
        self.thumbnails.update()
        rect = self.thumbnails.rect_of(self.thumbnails.selected)
        self.scroll.ensureVisible(rect.center().x(), rect.center().y(), 0, rect.height())

    def _on_thumbnail_clicked(self, index: int) -> None:
        if index != self.thumbnails.selected:
            self.filter_selected.emit(index)


class FilterViews(QTabWidget):
    """The filter list and the filter images as two tabs in one place: the pane grows no taller."""

    def __init__(self, filter_list: QWidget, images: FilterImages, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabPosition(QTabWidget.TabPosition.West)  # the tabs take a little width, no height
        self.setDocumentMode(True)
        # one glyph each: two worded tabs standing on their side would be taller than the list itself
        self.addTab(filter_list, "\u2261")  # ≡ the list
        self.addTab(images, "\u25a6")  # ▦ the images
        self.tabBar().setUsesScrollButtons(False)  # two tabs always fit; scroll arrows only add height
        self.tabBar().setStyleSheet("QTabBar::tab { padding: 2px 1px; }")  # no taller than one list row + buttons
        self.setTabToolTip(0, "List: the filters as a list; add, duplicate or remove one")
        self.setTabToolTip(1, "Images: every filter as a small image, the way one looks at a trained layer's filters")
        self.setAccessibleName("Filters")

    def show_images(self, on: bool = True) -> None:
        self.setCurrentIndex(1 if on else 0)
