"""Pictures in: PNG, JPEG, BMP and GIF (first frame) as float32 ``(H, W, C)`` arrays in a value mode.

A picture is checked before it is decoded (format by content, size from the header, completeness), so
a bomb or a truncated file is refused in words. How decoding, colour and resampling work: docs/images.md.
"""

from __future__ import annotations

import errno
import math
import os
import struct
import sys
import tempfile
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QMessageLogContext,
    QRect,
    Qt,
    QtMsgType,
    qInstallMessageHandler,
)
from PySide6.QtGui import QColorSpace, QImage, QImageReader

from kernelscope.core.paint_tools import convert_mode
from kernelscope.core.scene import MAX_INPUT_SIDE, VALUE_MODES
from kernelscope.files.regular_file import FileTooLargeError, NotAFileError, read_bounded
from kernelscope.files.resources import resources_dir

__all__ = [
    "AUTO_MAX_SIDE",
    "FILE_FILTER",
    "FITS",
    "MAX_FILE_BYTES",
    "MAX_PIXELS",
    "MAX_SIDE",
    "SAMPLE_PHOTO",
    "SUPPORTED_SUFFIXES",
    "ImageError",
    "LoadedImage",
    "image_from_qimage",
    "images_dir",
    "load_image",
    "qimage_to_array",
    "sample_photo",
    "sample_photo_path",
]

MAX_PIXELS = 40_000_000
"""Largest picture (width x height, from the file's header) kernelscope opens."""
MAX_SIDE = 1_000_000
"""Longest side kernelscope opens (libpng's own limit; no other format reaches it)."""
MAX_FILE_BYTES = 512 * 1024 * 1024
"""Largest file read at all (a 40-megapixel 16-bit RGBA PNG that barely compresses fits)."""
AUTO_MAX_SIDE = 512
"""With ``size=None``, a picture larger than this on a side is scaled down to fit."""
SUPPORTED_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
"""Suffixes to offer in file dialogs and accept on drops (lower case; loading goes by content)."""
FILE_FILTER = "Pictures (" + " ".join(f"*{s}" for s in SUPPORTED_SUFFIXES) + ")"
"""A QFileDialog name filter for :data:`SUPPORTED_SUFFIXES`."""
FITS = ("crop", "pad", "stretch")
SAMPLE_PHOTO = "cat.png"
"""The bundled 150x150 RGB photo (see ``resources/images/README.md``)."""

Fit = Literal["crop", "pad", "stretch"]
ValueMode = Literal["binary", "grey", "byte"]

_READABLE = "not a picture kernelscope can read (PNG, JPEG, BMP or GIF)"
_TRUNCATED = "the file is empty or truncated"
_DAMAGED = "the file is damaged and cannot be read"
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
)
# What one MAX_PIXELS picture needs decoded at 8 bytes a pixel (RGBA64, a 16-bit PNG), in MB.
_ALLOCATION_LIMIT_MB = math.ceil(MAX_PIXELS * 8 / (1024 * 1024))
_WHITE = 255


class ImageError(ValueError):
    """A picture that cannot be opened, in one plain line that starts with the file's name."""


@dataclass(frozen=True, eq=False)
class LoadedImage:
    """A picture ready for the input grid.

    ``pixels``: float32 ``(H, W, C)``, C = 1 or 3, in the value mode's range, read-only.
    ``source_size``: the picture's own ``(width, height)`` (after EXIF orientation).
    ``notice``: what was done to it in words ("scaled from 4032x3024 to 150x150 (cropped to keep the
    aspect ratio)"), or ``""`` when the pixels are the picture's own.
    """

    pixels: np.ndarray
    source_size: tuple[int, int]
    notice: str = ""


def images_dir() -> Path:
    """The bundled pictures, ``resources/images``."""
    return resources_dir() / "images"


def sample_photo_path() -> Path:
    """The bundled 150x150 RGB photo for the ``Conv2D(32, (3, 3), ..., input_shape=(150, 150, 3))`` lesson."""
    return images_dir() / SAMPLE_PHOTO


def sample_photo(shape: tuple[int, int, int], value_mode: str) -> np.ndarray:
    """The bundled photo as an (H, W, C) input of ``shape``, cropped to fit: a pasted line's picture."""
    h, w, c = shape
    return load_image(sample_photo_path(), channels=c, size=(w, h), fit="crop", value_mode=value_mode).pixels


# --------------------------------------------------------------------------- public API


def load_image(
    path: str | os.PathLike[str],
    *,
    channels: Literal[1, 3] = 3,
    size: tuple[int, int] | None = None,
    fit: Fit = "crop",
    value_mode: ValueMode = "byte",
) -> LoadedImage:
    """Open a PNG, JPEG, BMP or GIF (its first frame) as ``channels`` 1 (grey) or 3 (RGB).

    ``size`` is the target ``(width, height)`` (each 1..1024) or ``None`` for the picture's own size
    (at most 512 on a side); ``fit`` handles a different aspect ratio; see the module docstring.
    Every problem with the file raises one :class:`ImageError` naming it; bad arguments raise
    ``ValueError``.
    """
    label = os.fspath(path)
    _check_options(channels, size, fit, value_mode)
    data = _read_file(Path(label), label)
    fmt = _sniff(data, label)
    scan = _scan(data, fmt)
    if scan.size is not None:  # before anything else: Qt's own decoders may balk at absurd sizes
        _check_pixels(*scan.size, label)
    if scan.damaged:
        raise ImageError(f"{label}: {_DAMAGED}")
    if not scan.header_complete:
        raise ImageError(f"{label}: {_TRUNCATED}")

    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer, fmt.encode("ascii"))
    reader.setAutoDetectImageFormat(False)
    reader.setAutoTransform(True)
    with _decoder_quiet():
        header_size = reader.size()
    width, height = header_size.width(), header_size.height()
    if fmt == "bmp":
        height = abs(height)  # a negative height is a valid top-down BMP
    if width < 1 or height < 1:
        raise ImageError(f"{label}: {_DAMAGED}")
    _check_pixels(width, height, label)
    if not scan.data_complete:
        raise ImageError(f"{label}: {_TRUNCATED}")

    QImageReader.setAllocationLimit(_ALLOCATION_LIMIT_MB)
    with _decoder_quiet():
        image = reader.read()
    buffer.close()
    if image.isNull():
        raise ImageError(f"{label}: {_DAMAGED}")
    notes = [f"showing the first of {scan.frames} frames"] if scan.frames > 1 else []
    return _prepare(image, channels, size, fit, value_mode, notes)


def image_from_qimage(
    qimage: QImage,
    *,
    channels: Literal[1, 3] = 3,
    size: tuple[int, int] | None = None,
    fit: Fit = "crop",
    value_mode: ValueMode = "byte",
    name: str = "the dropped picture",
) -> LoadedImage:
    """Like :func:`load_image` for a picture already in memory (drag and drop of image data, paste).

    ``name`` starts any :class:`ImageError` message. The QImage is not modified.
    """
    _check_options(channels, size, fit, value_mode)
    if not isinstance(qimage, QImage):
        raise TypeError(f"image_from_qimage expects a QImage, not {type(qimage).__name__}")
    if qimage.isNull() or qimage.width() < 1 or qimage.height() < 1:
        raise ImageError(f"{name}: the picture is empty")
    _check_pixels(qimage.width(), qimage.height(), name)
    return _prepare(qimage, channels, size, fit, value_mode, [])


def qimage_to_array(qimage: QImage) -> np.ndarray:
    """A uint8 ``(H, W, B)`` copy of an 8-bit-per-channel QImage, B bytes a pixel.

    Handles ``Format_Grayscale8`` (B = 1), ``Format_RGB888`` (3) and the 4-byte RGBA8888 formats;
    each row is read from its own ``bytesPerLine`` offset, so rows padded to 4 bytes (odd widths)
    come out right.
    """
    depth = {
        QImage.Format.Format_Grayscale8: 1,
        QImage.Format.Format_RGB888: 3,
        QImage.Format.Format_BGR888: 3,
        QImage.Format.Format_RGBA8888: 4,
        QImage.Format.Format_RGBA8888_Premultiplied: 4,
        QImage.Format.Format_RGBX8888: 4,
    }.get(qimage.format())
    if depth is None:
        raise ValueError(f"qimage_to_array: unsupported QImage format {qimage.format().name}")
    h, w, stride = qimage.height(), qimage.width(), qimage.bytesPerLine()
    flat = np.frombuffer(qimage.constBits(), np.uint8, count=stride * h)
    return flat.reshape(h, stride)[:, : w * depth].reshape(h, w, depth).copy()


# --------------------------------------------------------------------------- checks


def _check_options(channels: object, size: object, fit: object, value_mode: object) -> None:
    if channels not in (1, 3) or isinstance(channels, bool):
        raise ValueError(f"channels must be 1 (grey) or 3 (RGB), not {channels!r}")
    if fit not in FITS:
        raise ValueError(f"fit must be one of {', '.join(FITS)}, not {fit!r}")
    if value_mode not in VALUE_MODES:
        raise ValueError(f"value_mode must be one of {', '.join(VALUE_MODES)}, not {value_mode!r}")
    if size is not None:
        sides = tuple(size) if isinstance(size, (tuple, list)) else ()
        whole = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in sides)
        if len(sides) != 2 or not whole or not all(1 <= int(v) <= MAX_INPUT_SIDE for v in sides):
            raise ValueError(f"size must be (width, height), each from 1 to {MAX_INPUT_SIDE}, not {size!r}")


def _check_pixels(width: int, height: int, label: str) -> None:
    if width * height > MAX_PIXELS:
        raise ImageError(
            f"{label}: {width}x{height} pixels is too large to open (limit: {MAX_PIXELS // 1_000_000} megapixels)"
        )
    if max(width, height) > MAX_SIDE:
        raise ImageError(
            f"{label}: {width}x{height} pixels is too large to open (limit: {MAX_SIDE:,} pixels on a side)"
        )


_QUIET = threading.Lock()


@contextmanager
def _decoder_quiet() -> Iterator[None]:
    """Keep the decoders' own complaints off the terminal while Qt decodes: libpng prints its errors
    straight to stderr and Qt logs its image warnings, but the one line kernelscope says about the
    file is the message. Anything else written meanwhile is passed on."""
    previous: list[Any] = []

    def handler(mode: QtMsgType, context: QMessageLogContext, message: str) -> None:
        if context.category == "qt.gui.imageio" or "libpng" in message or "JPEG" in message:
            return
        forward = previous[0] if previous else None
        if callable(forward):
            forward(mode, context, message)
        else:
            sys.stderr.write(message + "\n")

    with _QUIET, _libpng_lines_dropped():
        previous.append(qInstallMessageHandler(handler))
        try:
            yield
        finally:
            qInstallMessageHandler(previous[0])


@contextmanager
def _libpng_lines_dropped() -> Iterator[None]:
    """Standard error (the file descriptor, where libpng writes) goes to a temporary file meanwhile;
    afterwards every line but libpng's is written back. Without a standard error, nothing to do."""
    try:
        if sys.stderr is not None:
            sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    try:
        with tempfile.TemporaryFile() as sink:
            os.dup2(sink.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
                sink.seek(0)
                kept = [line for line in sink.read(1 << 16).splitlines(True) if not line.startswith(b"libpng")]
                if kept:
                    os.write(2, b"".join(kept))
    finally:
        os.close(saved)


def _read_file(path: Path, label: str) -> bytes:
    """The file's bytes, read only when it is a regular file (a FIFO would block) and only up to the cap."""
    try:
        return read_bounded(path, MAX_FILE_BYTES)
    except NotAFileError as exc:
        if exc.errno == errno.EISDIR:
            raise ImageError(f"{label}: is a folder, not a picture") from None
        if exc.errno == errno.ELOOP:
            raise ImageError(f"{label}: {exc.strerror}") from None
        raise ImageError(f"{label}: {exc.strerror}, not a picture") from None
    except FileTooLargeError as exc:
        raise ImageError(
            f"{label}: {-(-exc.size // (1024 * 1024))} MB is too large to open "
            f"(limit: {MAX_FILE_BYTES // (1024 * 1024)} MB)"
        ) from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ImageError(f"{label}: cannot read the file ({reason[:1].lower()}{reason[1:]})") from None


def _sniff(data: bytes, label: str) -> str:
    """The format from the first bytes: "png", "jpeg", "gif" or "bmp"."""
    if not data:
        raise ImageError(f"{label}: {_TRUNCATED}")
    for magic, fmt in _MAGIC:
        if data.startswith(magic):
            return fmt
    if any(len(data) < len(magic) and magic.startswith(data) for magic, _ in _MAGIC):
        raise ImageError(f"{label}: {_TRUNCATED}")
    raise ImageError(f"{label}: {_READABLE}")


@dataclass(frozen=True)
class _Scan:
    """What walking a file's structure found, before Qt sees it."""

    header_complete: bool  # everything Qt reads for QImageReader.size() is there
    data_complete: bool  # the (first) picture's data is all there
    damaged: bool = False
    size: tuple[int, int] | None = None  # (width, height) as the header claims, once known
    frames: int = 1


def _scan(data: bytes, fmt: str) -> _Scan:
    return {"png": _scan_png, "jpeg": _scan_jpeg, "gif": _scan_gif, "bmp": _scan_bmp}[fmt](data)


def _scan_png(data: bytes) -> _Scan:
    """Walk the chunks to IEND, checking each CRC (libpng would stop on a bad one, with a warning).
    libpng reads every chunk up to the first IDAT for the header, so that is where the header ends."""
    i, n = 8, len(data)
    size: tuple[int, int] | None = None
    header = False
    while True:
        if i + 12 > n:
            return _Scan(header, False, size=size)
        length, kind = struct.unpack_from(">I4s", data, i)
        end = i + 12 + length
        if i == 8:
            if kind != b"IHDR" or length != 13:
                return _Scan(False, False, damaged=True)
            if end <= n:
                size = struct.unpack_from(">II", data, 16)
        if end > n:
            return _Scan(header, False, size=size)
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(data[i + 4 : end - 4]) != crc:
            return _Scan(header, False, damaged=True, size=size)
        header = header or kind == b"IDAT"
        if kind == b"IEND":
            return _Scan(header, header, damaged=not header, size=size)
        i = end


# Start-of-frame markers (baseline, extended, progressive, lossless; Huffman or arithmetic coded).
_JPEG_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def _scan_jpeg(data: bytes) -> _Scan:
    """Walk the marker segments to the first start-of-scan; the picture is complete when an end-of-image
    marker follows it (inside entropy-coded data a 0xFF byte is always stuffed, so FF D9 is the marker).
    Embedded EXIF thumbnails sit inside APP1 segments and are skipped whole."""
    i, n = 2, len(data)
    size: tuple[int, int] | None = None
    while True:
        if i + 2 > n:
            return _Scan(False, False, size=size)
        if data[i] != 0xFF:
            return _Scan(False, False, damaged=True, size=size)
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            i += 2
            continue
        if marker == 0xD9:  # end of image before any scan
            return _Scan(False, False, damaged=True, size=size)
        if i + 4 > n:
            return _Scan(False, False, size=size)
        (length,) = struct.unpack_from(">H", data, i + 2)
        end = i + 2 + length
        if length < 2 or end > n:
            return _Scan(False, False, size=size)
        if marker in _JPEG_SOF and size is None and length >= 7:
            height, width = struct.unpack_from(">HH", data, i + 5)
            size = (width, height)
        if marker == 0xDA:
            if size is None:
                return _Scan(False, False, damaged=True)
            return _Scan(True, data.find(b"\xff\xd9", end) != -1, size=size)
        i = end


def _scan_gif(data: bytes) -> _Scan:
    """Walk the blocks: the header is complete with the first image descriptor (what Qt reads for the
    size), the data when the first frame's sub-blocks end; ``frames`` counts the complete frames.
    ``size`` is the larger of the logical screen and the first frame on each side."""
    n = len(data)
    if n < 13:
        return _Scan(False, False)
    screen_w, screen_h = struct.unpack_from("<HH", data, 6)
    size = (screen_w, screen_h)
    i = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)
    header = False
    frames = 0

    def skip_sub_blocks(j: int) -> int:
        """Index after the terminating empty sub-block, or -1 when the file ends first."""
        while j < n:
            if data[j] == 0:
                return j + 1
            j += data[j] + 1
        return -1

    while 0 <= i < n:
        block = data[i]
        if block == 0x3B:  # trailer
            break
        if block == 0x21:  # extension: label, then sub-blocks
            i = skip_sub_blocks(i + 2)
        elif block == 0x2C:  # image descriptor, optional local colour table, LZW code size, sub-blocks
            if i + 10 > n:
                break
            if not header:
                frame_w, frame_h = struct.unpack_from("<HH", data, i + 5)
                size = (max(screen_w, frame_w), max(screen_h, frame_h))
                header = True
            flags = data[i + 9]
            i = skip_sub_blocks(i + 10 + (3 << ((flags & 7) + 1) if flags & 0x80 else 0) + 1)
            if i != -1:
                frames += 1
        elif frames == 0:
            return _Scan(header, False, damaged=True, size=size)
        else:
            break  # junk after a complete first frame: Qt reads the first frame only
    return _Scan(header, frames > 0, size=size, frames=max(frames, 1))


def _scan_bmp(data: bytes) -> _Scan:
    """The headers, then (uncompressed) the whole pixel array the header promises."""
    n = len(data)
    if n < 18:
        return _Scan(False, False)
    offset, header_size = struct.unpack_from("<II", data, 10)
    if header_size < 12 or n < 14 + header_size:
        return _Scan(False, False)
    if header_size == 12:  # OS/2 BITMAPCOREHEADER
        width, height, _planes, bpp = struct.unpack_from("<HHHH", data, 18)
        compression = 0
    else:
        if header_size < 20:
            return _Scan(False, False, damaged=True)
        width, height, _planes, bpp, compression = struct.unpack_from("<iiHHI", data, 18)
    size = (abs(width), abs(height))
    if compression in (0, 3, 6):  # BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS
        row = (abs(width) * bpp + 31) // 32 * 4
        return _Scan(True, n >= offset + row * abs(height), size=size)
    return _Scan(True, n > offset, size=size)  # RLE or embedded JPEG/PNG: at least some data


# --------------------------------------------------------------------------- conversion


def _prepare(
    image: QImage,
    channels: int,
    size: tuple[int, int] | None,
    fit: str,
    value_mode: str,
    notes: list[str],
) -> LoadedImage:
    image = _to_srgb(image)
    sw, sh = image.width(), image.height()
    pad_to: tuple[int, int] | None = None
    if size is None:
        if max(sw, sh) > AUTO_MAX_SIDE:
            tw, th = _fit_inside(sw, sh, AUTO_MAX_SIDE, AUTO_MAX_SIDE)
            image = _scaled(image, tw, th)
            notes.insert(0, f"scaled from {sw}x{sh} to {tw}x{th} to fit {AUTO_MAX_SIDE} pixels on a side")
    else:
        tw, th = int(size[0]), int(size[1])
        if (tw, th) != (sw, sh):
            same_aspect = sw * th == sh * tw
            if fit == "crop":
                cw, ch = _crop_size(sw, sh, tw, th)
                if (cw, ch) != (sw, sh):
                    image = image.copy(QRect((sw - cw) // 2, (sh - ch) // 2, cw, ch))
                image = _scaled(image, tw, th)
                if same_aspect:
                    note = f"scaled from {sw}x{sh} to {tw}x{th}"
                elif (cw, ch) == (tw, th):
                    note = f"cropped from {sw}x{sh} to {tw}x{th} (the centre)"
                else:
                    note = f"scaled from {sw}x{sh} to {tw}x{th} (cropped to keep the aspect ratio)"
            elif fit == "pad":
                fw, fh = _fit_inside(sw, sh, tw, th)
                image = _scaled(image, fw, fh)
                pad_to = (tw, th)
                if (fw, fh) == (tw, th):
                    note = f"scaled from {sw}x{sh} to {tw}x{th}"
                elif (fw, fh) == (sw, sh):
                    note = f"padded from {sw}x{sh} to {tw}x{th} with white"
                else:
                    note = (
                        f"scaled from {sw}x{sh} to {fw}x{fh} and padded to {tw}x{th} with white "
                        "to keep the aspect ratio"
                    )
            else:
                image = _scaled(image, tw, th)
                note = f"scaled from {sw}x{sh} to {tw}x{th}" + ("" if same_aspect else " (stretched)")
            notes.insert(0, note)

    rgb, transparent = _rgb_on_white(image)
    if transparent:
        notes.append("transparent parts shown as white")
    levels = _luma(rgb) if channels == 1 else rgb
    if pad_to is not None:
        levels = _pad_centre(levels, *pad_to)
    pixels = convert_mode(levels.astype(np.float32), "byte", value_mode)
    pixels = np.ascontiguousarray(pixels, dtype=np.float32)
    pixels.flags.writeable = False
    return LoadedImage(pixels=pixels, source_size=(sw, sh), notice="; ".join(notes))


def _to_srgb(image: QImage) -> QImage:
    """Colour pictures with an embedded non-sRGB profile converted to sRGB (grey profiles left alone)."""
    cs = image.colorSpace()
    if not cs.isValid() or cs.colorModel() != QColorSpace.ColorModel.Rgb:
        return image
    srgb = QColorSpace(QColorSpace.NamedColorSpace.SRgb)
    if cs == srgb:
        return image
    return image.convertedToColorSpace(srgb)


def _fit_inside(sw: int, sh: int, tw: int, th: int) -> tuple[int, int]:
    """The largest (w, h) with the source's aspect ratio inside (tw, th), each at least 1."""
    if sw * th >= sh * tw:  # wider than the target: the width fills it
        return tw, max(1, min(th, round(sh * tw / sw)))
    return max(1, min(tw, round(sw * th / sh))), th


def _crop_size(sw: int, sh: int, tw: int, th: int) -> tuple[int, int]:
    """The largest (w, h) with the target's aspect ratio inside the source (the centre crop)."""
    if sw * th >= sh * tw:  # wider than the target: crop the sides
        return max(1, min(sw, round(sh * tw / th))), sh
    return sw, max(1, min(sh, round(sw * th / tw)))


def _scaled(image: QImage, w: int, h: int) -> QImage:
    """Smooth (area-averaging) when a side shrinks; nearest-neighbour when only enlarging."""
    if (w, h) == (image.width(), image.height()):
        return image
    # Smooth scaling of alpha is only right on premultiplied pixels; RGB32 is Qt's fast path.
    fmt = QImage.Format.Format_ARGB32_Premultiplied if image.hasAlphaChannel() else QImage.Format.Format_RGB32
    image = image.convertToFormat(fmt)
    shrinks = w < image.width() or h < image.height()
    mode = Qt.TransformationMode.SmoothTransformation if shrinks else Qt.TransformationMode.FastTransformation
    return image.scaled(w, h, Qt.AspectRatioMode.IgnoreAspectRatio, mode)


def _rgb_on_white(image: QImage) -> tuple[np.ndarray, bool]:
    """uint8 (H, W, 3) sRGB, transparent pixels composited onto white; and whether any were."""
    if not image.hasAlphaChannel():
        return qimage_to_array(image.convertToFormat(QImage.Format.Format_RGB888)), False
    rgba = qimage_to_array(image.convertToFormat(QImage.Format.Format_RGBA8888_Premultiplied))
    alpha = rgba[..., 3:]
    # Premultiplied over white: c + 255 * (1 - a/255) = c + 255 - a, exact in integers (c <= a).
    rgb = (rgba[..., :3].astype(np.int16) + (_WHITE - alpha.astype(np.int16))).astype(np.uint8)
    return rgb, bool((alpha < _WHITE).any())


def _luma(rgb: np.ndarray) -> np.ndarray:
    """uint8 (H, W, 1): 0.299 R + 0.587 G + 0.114 B rounded half up, in exact integer arithmetic."""
    weighted = rgb.astype(np.int32) @ np.array([299, 587, 114], np.int32)
    return ((weighted + 500) // 1000).astype(np.uint8)[..., None]


def _pad_centre(levels: np.ndarray, tw: int, th: int) -> np.ndarray:
    """Centre ``levels`` on a white (255) canvas of (th, tw); an odd leftover goes bottom/right."""
    h, w, c = levels.shape
    out = np.full((th, tw, c), _WHITE, np.uint8)
    top, left = (th - h) // 2, (tw - w) // 2
    out[top : top + h, left : left + w] = levels
    return out
