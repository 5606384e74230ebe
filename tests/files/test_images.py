"""Pictures in: every format made here with QImage.save (GIF with Pillow), exact pixels for the lossless
ones, odd widths (row padding), each fit and value mode, the >512 px notice, and every refusal: empty,
truncated (at every length), random bytes, damaged, and a decompression bomb refused from its header."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QColor, QColorSpace, QImage, QImageReader

from kernelscope.core.paint_tools import convert_mode
from kernelscope.files import images
from kernelscope.files.images import (
    FILE_FILTER,
    MAX_PIXELS,
    SUPPORTED_SUFFIXES,
    ImageError,
    LoadedImage,
    image_from_qimage,
    load_image,
    qimage_to_array,
    sample_photo_path,
)
from kernelscope.files.sessions import VALUE_MODES

W, H = 37, 23  # odd width: RGB888 rows are 112 bytes for 111 of pixels, Grayscale8 rows 40 for 37
LOSSLESS = ("png", "bmp")
MODES = tuple(VALUE_MODES)
READABLE = "not a picture kernelscope can read (PNG, JPEG, BMP or GIF)"
TRUNCATED = "the file is empty or truncated"

# --------------------------------------------------------------------------- helpers


def colour_levels(w: int = W, h: int = H) -> np.ndarray:
    """A uint8 (h, w, 3) pattern that differs in every channel, row and column."""
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([(x * 7 + y) % 256, (y * 11 + 3 * x) % 256, (x * y + 40) % 256], axis=-1).astype(np.uint8)


def grey_levels(w: int = W, h: int = H) -> np.ndarray:
    y, x = np.mgrid[0:h, 0:w]
    return ((x * 5 + y * 9) % 256).astype(np.uint8)[..., None]


def to_qimage(levels: np.ndarray) -> QImage:
    """A QImage (RGB888 or Grayscale8) of a uint8 (h, w, 3 | 1) array, set pixel by pixel."""
    h, w, c = levels.shape
    fmt = QImage.Format.Format_RGB888 if c == 3 else QImage.Format.Format_Grayscale8
    img = QImage(w, h, fmt)
    for yy in range(h):
        for xx in range(w):
            v = [int(t) for t in levels[yy, xx]]
            img.setPixelColor(xx, yy, QColor(*v) if c == 3 else QColor(v[0], v[0], v[0]))
    return img


def save(levels: np.ndarray, path: Path, fmt: str, quality: int = -1) -> Path:
    if fmt == "gif":
        return save_gif([levels], path)
    assert to_qimage(levels).save(str(path), fmt.upper(), quality), f"QImage could not save {path}"
    return path


def save_gif(frames: list[np.ndarray], path: Path) -> Path:
    """A GIF by Pillow: lossless (an exact palette) for at most 256 colours in all frames, else quantized."""
    pil_image = pytest.importorskip("PIL.Image", reason="Pillow makes the GIFs (Qt only reads GIF)")
    flat = np.concatenate([f.reshape(-1, f.shape[2]) for f in frames])
    colours, index = np.unique(flat, axis=0, return_inverse=True)
    if len(colours) > 256:
        colours = colours[np.linspace(0, len(colours) - 1, 256).astype(int)]
        index = np.abs(flat[:, None, :].astype(int) - colours[None].astype(int)).sum(axis=2).argmin(axis=1)
    rgb = colours if colours.shape[1] == 3 else np.repeat(colours, 3, axis=1)
    palette = rgb.astype(np.uint8).ravel().tolist()
    pil_frames, start = [], 0
    for f in frames:
        count = f.shape[0] * f.shape[1]
        p = pil_image.fromarray(index.ravel()[start : start + count].astype(np.uint8).reshape(f.shape[:2]), mode="P")
        p.putpalette(palette)
        pil_frames.append(p)
        start += count
    pil_frames[0].save(path, save_all=len(frames) > 1, append_images=pil_frames[1:], duration=100, loop=0)
    return path


def luma(levels: np.ndarray) -> np.ndarray:
    r, g, b = (levels[..., i].astype(np.int64) for i in range(3))
    return ((299 * r + 587 * g + 114 * b + 500) // 1000).astype(np.uint8)[..., None]


def expect(levels: np.ndarray, mode: str) -> np.ndarray:
    """The documented mapping of uint8 levels to a value mode."""
    if mode == "binary":
        return np.where(levels >= 128, 1.0, -1.0).astype(np.float32)
    return convert_mode(levels.astype(np.float32), "byte", mode)


def halves(w: int, h: int) -> np.ndarray:
    """Left half red, right half blue."""
    out = np.zeros((h, w, 3), np.uint8)
    out[:, : w // 2] = (255, 0, 0)
    out[:, w // 2 :] = (0, 0, 255)
    return out


RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int, height: int) -> bytes:
    """A complete, valid-looking PNG of a few dozen bytes whose header claims width x height."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def refused(path: Path, **kwargs: object) -> str:
    with pytest.raises(ImageError) as info:
        load_image(path, **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message[len(f"{path}: ") :]


# --------------------------------------------------------------------------- formats, exact pixels


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fmt", LOSSLESS)
def test_colour_lossless_exact(tmp_path: Path, fmt: str, mode: str) -> None:
    levels = colour_levels()
    path = save(levels, tmp_path / f"c.{fmt}", fmt)
    rgb = load_image(path, channels=3, value_mode=mode)
    assert isinstance(rgb, LoadedImage)
    assert rgb.pixels.dtype == np.float32
    assert rgb.pixels.shape == (H, W, 3)
    assert rgb.source_size == (W, H)
    assert rgb.notice == ""
    np.testing.assert_array_equal(rgb.pixels, expect(levels, mode))
    grey = load_image(path, channels=1, value_mode=mode)
    assert grey.pixels.shape == (H, W, 1)
    np.testing.assert_array_equal(grey.pixels, expect(luma(levels), mode))


@pytest.mark.parametrize("fmt", LOSSLESS)
def test_a_few_pixels_by_hand(tmp_path: Path, fmt: str) -> None:
    levels = np.zeros((3, 5, 3), np.uint8)
    levels[0, :] = [RED, (0, 255, 0), BLUE, WHITE, (128, 128, 128)]
    levels[1, :] = [(127, 127, 127), (0, 0, 0), (10, 20, 30), (200, 100, 50), (1, 2, 3)]
    levels[2, :] = WHITE
    path = save(levels, tmp_path / f"p.{fmt}", fmt)
    byte = load_image(path, channels=3, value_mode="byte").pixels
    assert byte[0, 0].tolist() == [255.0, 0.0, 0.0]
    assert byte[1, 3].tolist() == [200.0, 100.0, 50.0]
    grey = load_image(path, channels=1, value_mode="byte").pixels[..., 0]
    # 0.299 * 255 = 76.245 -> 76; 0.587 * 255 = 149.685 -> 150; 0.114 * 255 = 29.07 -> 29
    assert grey[0].tolist() == [76.0, 150.0, 29.0, 255.0, 128.0]
    assert grey[1, 2] == 18.0  # 2.99 + 11.74 + 3.42 = 18.15
    unit = load_image(path, channels=3, value_mode="grey").pixels
    assert unit[0, 0].tolist() == [1.0, 0.0, 0.0]
    assert unit[0, 4, 0] == np.float32(128 / 255)
    binary = load_image(path, channels=1, value_mode="binary").pixels[..., 0]
    # mid grey: 128 is light (+1), 127 is dark (-1); black -1 on white +1 as in the article
    assert binary[0].tolist() == [-1.0, 1.0, -1.0, 1.0, 1.0]
    assert binary[1, :2].tolist() == [-1.0, -1.0]
    assert binary[2].tolist() == [1.0] * 5


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fmt", LOSSLESS)
def test_grey_picture_lossless_exact(tmp_path: Path, fmt: str, mode: str) -> None:
    levels = grey_levels()
    path = save(levels, tmp_path / f"g.{fmt}", fmt)
    grey = load_image(path, channels=1, value_mode=mode)
    np.testing.assert_array_equal(grey.pixels, expect(levels, mode))
    rgb = load_image(path, channels=3, value_mode=mode)
    np.testing.assert_array_equal(rgb.pixels, expect(np.repeat(levels, 3, axis=2), mode))


@pytest.mark.parametrize("mode", MODES)
def test_gif_exact(tmp_path: Path, mode: str) -> None:
    levels = colour_levels(w=13, h=9)  # <= 256 colours
    path = save_gif([levels], tmp_path / "one.gif")
    loaded = load_image(path, channels=3, value_mode=mode)
    assert loaded.notice == ""
    np.testing.assert_array_equal(loaded.pixels, expect(levels, mode))
    grey = load_image(path, channels=1, value_mode=mode)
    np.testing.assert_array_equal(grey.pixels, expect(luma(levels), mode))


def test_gif_first_frame_of_two(tmp_path: Path) -> None:
    first = np.zeros((H, W, 3), np.uint8)
    first[...] = RED
    first[5:10, 3:20] = WHITE
    second = np.zeros((H, W, 3), np.uint8)
    second[...] = BLUE
    path = save_gif([first, second], tmp_path / "two.gif")
    assert QImageReader(str(path)).imageCount() == 2
    loaded = load_image(path, channels=3)
    np.testing.assert_array_equal(loaded.pixels, first.astype(np.float32))
    assert loaded.notice == "showing the first of 2 frames"
    assert loaded.source_size == (W, H)


@pytest.mark.parametrize("kind", ["colour", "grey"])
def test_jpeg_close(tmp_path: Path, kind: str) -> None:
    # JPEG is lossy: flat blocks of colour come back within a few levels.
    if kind == "colour":
        levels = np.zeros((H, W, 3), np.uint8)
        levels[:, :16] = (200, 60, 30)
        levels[:, 16:] = (20, 120, 220)
    else:
        levels = np.zeros((H, W, 1), np.uint8)
        levels[:, :16] = 40
        levels[:, 16:] = 210
    path = save(levels, tmp_path / f"{kind}.jpg", "jpeg", quality=95)
    rgb = load_image(path, channels=3, value_mode="byte").pixels
    assert rgb.shape == (H, W, 3)
    reference = levels if kind == "colour" else np.repeat(levels, 3, axis=2)
    inner = (slice(2, -2), [*range(2, 13), *range(19, 35)])
    assert np.abs(rgb[inner] - reference[inner]).max() <= 6
    assert np.array_equal(rgb, np.rint(rgb))
    grey = load_image(path, channels=1, value_mode="grey").pixels
    assert grey.shape == (H, W, 1)
    assert grey.min() >= 0.0
    assert grey.max() <= 1.0
    binary = load_image(path, channels=1, value_mode="binary").pixels
    assert set(np.unique(binary).tolist()) <= {-1.0, 1.0}


@pytest.mark.parametrize("fmt", ["png", "bmp", "jpeg", "gif"])
@pytest.mark.parametrize("mode", MODES)
def test_every_format_and_mode_in_range(tmp_path: Path, fmt: str, mode: str) -> None:
    levels = colour_levels(w=15, h=11)
    path = save(levels, tmp_path / f"r.{fmt}", fmt)
    lo, hi = VALUE_MODES[mode]
    for channels in (1, 3):
        for size in (None, (8, 8), (20, 7)):
            pixels = load_image(path, channels=channels, size=size, value_mode=mode).pixels
            assert pixels.shape[2] == channels
            assert pixels.dtype == np.float32
            assert pixels.min() >= lo
            assert pixels.max() <= hi
            if mode == "binary":
                assert set(np.unique(pixels).tolist()) <= {-1.0, 1.0}
            if mode == "byte":
                assert np.array_equal(pixels, np.rint(pixels))


# --------------------------------------------------------------------------- rows padded to 4 bytes


@pytest.mark.parametrize("fmt", [QImage.Format.Format_Grayscale8, QImage.Format.Format_RGB888])
@pytest.mark.parametrize("width", [1, 2, 3, 5, 37])
def test_qimage_to_array_respects_bytes_per_line(fmt: QImage.Format, width: int) -> None:
    depth = 1 if fmt == QImage.Format.Format_Grayscale8 else 3
    levels = colour_levels(w=width, h=7)[..., :depth] if depth == 3 else grey_levels(w=width, h=7)
    img = to_qimage(levels)
    assert img.format() == fmt
    if width % 4:
        assert img.bytesPerLine() > width * depth  # the case this test is for
    np.testing.assert_array_equal(qimage_to_array(img), levels)


def test_qimage_to_array_refuses_other_formats() -> None:
    with pytest.raises(ValueError, match="unsupported QImage format"):
        qimage_to_array(QImage(3, 3, QImage.Format.Format_Mono))


# --------------------------------------------------------------------------- fit policies


@pytest.mark.parametrize("mode", MODES)
def test_crop_keeps_the_centre(tmp_path: Path, mode: str) -> None:
    path = save(halves(40, 20), tmp_path / "wide.png", "png")
    loaded = load_image(path, size=(10, 10), fit="crop", value_mode=mode)
    want = np.zeros((10, 10, 3), np.uint8)
    want[:, :5] = RED
    want[:, 5:] = BLUE
    np.testing.assert_array_equal(loaded.pixels, expect(want, mode))
    assert loaded.notice == "scaled from 40x20 to 10x10 (cropped to keep the aspect ratio)"
    assert loaded.source_size == (40, 20)


@pytest.mark.parametrize("mode", MODES)
def test_pad_fills_with_white_the_modes_max(tmp_path: Path, mode: str) -> None:
    path = save(halves(40, 20), tmp_path / "wide.png", "png")
    loaded = load_image(path, size=(10, 10), fit="pad", value_mode=mode)
    want = np.full((10, 10, 3), 255, np.uint8)
    want[2:7, :5] = RED  # 40x20 -> 10x5, centred: rows 2..6
    want[2:7, 5:] = BLUE
    np.testing.assert_array_equal(loaded.pixels, expect(want, mode))
    assert loaded.pixels[0, 0, 0] == VALUE_MODES[mode][1]
    assert loaded.notice == "scaled from 40x20 to 10x5 and padded to 10x10 with white to keep the aspect ratio"
    grey = load_image(path, channels=1, size=(10, 10), fit="pad", value_mode=mode)
    assert (grey.pixels[[0, 1, 7, 8, 9]] == VALUE_MODES[mode][1]).all()


def test_pad_tall_picture_pads_the_sides(tmp_path: Path) -> None:
    path = save(np.zeros((10, 6, 3), np.uint8), tmp_path / "tall.bmp", "bmp")
    loaded = load_image(path, size=(10, 10), fit="pad")
    assert loaded.notice == "padded from 6x10 to 10x10 with white"
    assert (loaded.pixels[:, 2:8] == 0).all()
    assert (loaded.pixels[:, [0, 1, 8, 9]] == 255).all()


def test_stretch_uses_everything(tmp_path: Path) -> None:
    path = save(halves(40, 20), tmp_path / "wide.png", "png")
    loaded = load_image(path, size=(10, 10), fit="stretch")
    want = np.zeros((10, 10, 3), np.uint8)
    want[:, :5] = RED
    want[:, 5:] = BLUE
    np.testing.assert_array_equal(loaded.pixels, want.astype(np.float32))
    assert loaded.notice == "scaled from 40x20 to 10x10 (stretched)"


@pytest.mark.parametrize("fit", images.FITS)
def test_same_aspect_and_same_size(tmp_path: Path, fit: str) -> None:
    levels = colour_levels(w=40, h=20)
    path = save(levels, tmp_path / "c.png", "png")
    assert load_image(path, size=(20, 10), fit=fit).notice == "scaled from 40x20 to 20x10"  # type: ignore[arg-type]
    same = load_image(path, size=(40, 20), fit=fit)  # type: ignore[arg-type]
    assert same.notice == ""
    np.testing.assert_array_equal(same.pixels, levels.astype(np.float32))


def test_crop_without_scaling(tmp_path: Path) -> None:
    levels = colour_levels(w=12, h=10)
    path = save(levels, tmp_path / "c.png", "png")
    loaded = load_image(path, size=(10, 10), fit="crop")
    assert loaded.notice == "cropped from 12x10 to 10x10 (the centre)"
    np.testing.assert_array_equal(loaded.pixels, levels[:, 1:11].astype(np.float32))


def test_size_is_width_by_height(tmp_path: Path) -> None:
    path = save(colour_levels(w=30, h=30), tmp_path / "sq.png", "png")
    loaded = load_image(path, size=(20, 7), fit="stretch")
    assert loaded.pixels.shape == (7, 20, 3)
    assert loaded.notice == "scaled from 30x30 to 20x7 (stretched)"


@pytest.mark.parametrize("fit", images.FITS)
def test_enlarging_keeps_pixels_crisp(tmp_path: Path, fit: str) -> None:
    x = np.full((5, 5, 1), 255, np.uint8)
    for i in range(5):
        x[i, i] = x[i, 4 - i] = 0  # the article's X
    path = save(x, tmp_path / "x.png", "png")
    loaded = load_image(path, channels=1, size=(25, 25), fit=fit, value_mode="binary")  # type: ignore[arg-type]
    np.testing.assert_array_equal(loaded.pixels[..., 0], np.kron(expect(x, "binary")[..., 0], np.ones((5, 5))))
    assert loaded.notice == "scaled from 5x5 to 25x25"


def test_large_picture_scaled_to_512_with_notice(tmp_path: Path) -> None:
    path = save(halves(1000, 600), tmp_path / "big.png", "png")
    loaded = load_image(path, channels=3)
    assert loaded.pixels.shape == (307, 512, 3)  # 600 * 512 / 1000 = 307.2
    assert loaded.source_size == (1000, 600)
    assert loaded.notice == "scaled from 1000x600 to 512x307 to fit 512 pixels on a side"
    assert loaded.pixels[100, 10].tolist() == list(map(float, RED))
    assert loaded.pixels[100, 500].tolist() == list(map(float, BLUE))
    tall = load_image(save(halves(300, 700), tmp_path / "tall.png", "png"), channels=1)
    assert tall.pixels.shape == (512, 219, 1)  # 300 * 512 / 700 = 219.4
    small = load_image(save(halves(512, 100), tmp_path / "edge.png", "png"))
    assert small.pixels.shape == (100, 512, 3)
    assert small.notice == ""


# --------------------------------------------------------------------------- transparency, colour space


def test_transparency_on_white(tmp_path: Path) -> None:
    img = QImage(4, 2, QImage.Format.Format_ARGB32)
    img.fill(QColor(0, 0, 255, 255))
    img.setPixelColor(0, 0, QColor(0, 0, 0, 0))  # fully transparent
    img.setPixelColor(1, 0, QColor(255, 0, 0, 128))  # half-transparent red
    path = tmp_path / "alpha.png"
    assert img.save(str(path))
    loaded = load_image(path, channels=3)
    assert loaded.pixels[0, 0].tolist() == [255.0, 255.0, 255.0]
    assert loaded.pixels[0, 1].tolist() == [255.0, 127.0, 127.0]
    assert loaded.pixels[1, 3].tolist() == [0.0, 0.0, 255.0]
    assert loaded.notice == "transparent parts shown as white"
    padded = load_image(path, size=(4, 4), fit="pad")
    assert padded.notice == "padded from 4x2 to 4x4 with white; transparent parts shown as white"


def test_embedded_colour_profile_converted_to_srgb(tmp_path: Path) -> None:
    img = to_qimage(np.full((3, 4, 3), (200, 100, 50), np.uint8))
    img.setColorSpace(QColorSpace(QColorSpace.NamedColorSpace.DisplayP3))
    path = tmp_path / "p3.png"
    assert img.save(str(path))
    assert QImage(str(path)).colorSpace() == QColorSpace(QColorSpace.NamedColorSpace.DisplayP3)
    loaded = load_image(path).pixels
    srgb = QImage(str(path)).convertedToColorSpace(QColorSpace(QColorSpace.NamedColorSpace.SRgb))
    want = qimage_to_array(srgb.convertToFormat(QImage.Format.Format_RGB888)).astype(np.float32)
    np.testing.assert_array_equal(loaded, want)
    assert loaded[0, 0].tolist() != [200.0, 100.0, 50.0]


# --------------------------------------------------------------------------- drag and drop of image data


@pytest.mark.parametrize("mode", MODES)
def test_image_from_qimage_matches_the_file(tmp_path: Path, mode: str) -> None:
    levels = colour_levels()
    qimg = to_qimage(levels)
    before = qimage_to_array(qimg)
    loaded = image_from_qimage(qimg, channels=3, value_mode=mode)
    np.testing.assert_array_equal(loaded.pixels, expect(levels, mode))
    np.testing.assert_array_equal(qimage_to_array(qimg), before)  # the input is untouched
    from_file = load_image(save(levels, tmp_path / "c.png", "png"), channels=1, size=(9, 9), value_mode=mode)
    dropped = image_from_qimage(qimg, channels=1, size=(9, 9), value_mode=mode)
    np.testing.assert_array_equal(dropped.pixels, from_file.pixels)
    assert dropped.notice == from_file.notice


def test_image_from_qimage_refusals(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ImageError, match=r"^the dropped picture: the picture is empty$"):
        image_from_qimage(QImage())
    with pytest.raises(TypeError):
        image_from_qimage("not a QImage")  # type: ignore[arg-type]
    monkeypatch.setattr(images, "MAX_PIXELS", 100)
    with pytest.raises(ImageError, match=r"^clipboard: 11x10 pixels is too large to open"):
        image_from_qimage(to_qimage(colour_levels(w=11, h=10)), name="clipboard")
    assert image_from_qimage(to_qimage(colour_levels(w=10, h=10))).pixels.shape == (10, 10, 3)


# --------------------------------------------------------------------------- refusals


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "x.png"
    path.write_bytes(b"")
    assert refused(path) == TRUNCATED


def test_random_bytes(tmp_path: Path) -> None:
    data = np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    assert not data.startswith((b"BM", b"\x89P", b"GIF", b"\xff\xd8"))
    for name in ("noise.png", "noise.jpg", "noise.gif", "noise.bmp", "noise.dat"):
        path = tmp_path / name
        path.write_bytes(data)
        assert refused(path) == READABLE


def test_text_and_svg_are_not_pictures(tmp_path: Path) -> None:
    (tmp_path / "notes.png").write_text("hello")
    assert refused(tmp_path / "notes.png") == READABLE
    svg = tmp_path / "drawing.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>')
    assert refused(svg) == READABLE


@pytest.mark.parametrize("fmt", ["png", "jpeg", "bmp", "gif"])
def test_truncated_halves(tmp_path: Path, fmt: str) -> None:
    full = save(colour_levels(w=64, h=48), tmp_path / f"full.{fmt}", fmt).read_bytes()
    path = tmp_path / f"x.{fmt}"
    path.write_bytes(full[: len(full) // 2])
    assert refused(path) == TRUNCATED


@pytest.mark.parametrize("fmt", ["png", "jpeg", "bmp", "gif"])
def test_truncated_at_every_length(tmp_path: Path, fmt: str) -> None:
    """Never a partial picture, never a Qt warning (qt_log_level_fail), never another exception."""
    full = save(colour_levels(w=9, h=7), tmp_path / f"full.{fmt}", fmt).read_bytes()
    path = tmp_path / f"cut.{fmt}"
    outcomes: dict[int, str] = {}
    for cut in range(len(full)):
        path.write_bytes(full[:cut])
        try:
            outcomes[cut] = f"loaded {load_image(path).pixels.shape}"
        except ImageError as exc:
            outcomes[cut] = str(exc).removeprefix(f"{path}: ")
    loaded = {cut: what for cut, what in outcomes.items() if what.startswith("loaded")}
    refusals = {what for cut, what in outcomes.items() if cut not in loaded}
    assert refusals <= {TRUNCATED, READABLE}
    # Only a GIF missing nothing but its trailer byte (after the first frame) may load, and whole.
    assert loaded == ({len(full) - 1: "loaded (7, 9, 3)"} if fmt == "gif" else {})


def test_damaged_png_checksum(tmp_path: Path) -> None:
    data = bytearray(save(colour_levels(), tmp_path / "ok.png", "png").read_bytes())
    data[40] ^= 0xFF  # inside IDAT: its CRC no longer matches
    path = tmp_path / "bad.png"
    path.write_bytes(bytes(data))
    assert refused(path) == "the file is damaged and cannot be read"


def test_missing_file_and_folder(tmp_path: Path) -> None:
    assert refused(tmp_path / "nope.png") == "cannot read the file (no such file or directory)"
    assert refused(tmp_path) == "is a folder, not a picture"


def test_message_names_the_file_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("photo.jpg").write_bytes(b"not a picture at all")
    with pytest.raises(ImageError) as info:
        load_image("photo.jpg")
    assert str(info.value) == f"photo.jpg: {READABLE}"
    assert isinstance(info.value, ValueError)


def test_content_decides_not_the_suffix(tmp_path: Path) -> None:
    levels = colour_levels()
    png_named_jpg = tmp_path / "really-a-png.JPG"
    assert to_qimage(levels).save(str(png_named_jpg), "PNG")
    np.testing.assert_array_equal(load_image(png_named_jpg).pixels, levels.astype(np.float32))


class _SpyReader(QImageReader):
    reads = 0

    def read(self) -> QImage:  # type: ignore[override]
        type(self).reads += 1
        return super().read()


@pytest.mark.parametrize(("width", "height"), [(30000, 30000), (20000, 20000), (40_000_001, 1)])
def test_decompression_bomb_refused_from_the_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, width: int, height: int
) -> None:
    path = tmp_path / "huge.png"
    path.write_bytes(bomb_png(width, height))
    assert path.stat().st_size < 200
    monkeypatch.setattr(images, "QImageReader", _SpyReader)
    _SpyReader.reads = 0
    message = refused(path)
    assert message == f"{width}x{height} pixels is too large to open (limit: 40 megapixels)"
    assert _SpyReader.reads == 0  # refused before any decoding


def test_bench_prints_what_refusing_a_bomb_costs() -> None:
    """The time a refusal takes belongs to the machine: ``bench/images.py`` prints it, no test bounds it."""
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, str(root / "bench" / "images.py")],
        capture_output=True, text=True, cwd=root, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("images: 30000x30000 PNG bomb refused in ")


def test_bomb_bmp_and_gif_headers(tmp_path: Path) -> None:
    # A BMP header claiming 30000x30000 with no pixel data: "too large" comes before "truncated".
    info = struct.pack("<IiiHHIIiiII", 40, 30000, 30000, 1, 24, 0, 0, 2835, 2835, 0, 0)
    bmp = tmp_path / "huge.bmp"
    bmp.write_bytes(b"BM" + struct.pack("<IHHI", 0, 0, 0, 54) + info + b"\0" * 16)
    assert refused(bmp) == "30000x30000 pixels is too large to open (limit: 40 megapixels)"
    screen = struct.pack("<HHBBB", 65535, 65535, 0, 0, 0)
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x02\x02\x44\x01\x00"
    gif = tmp_path / "huge.gif"
    gif.write_bytes(b"GIF89a" + screen + frame + b"\x3b")
    assert refused(gif) == "65535x65535 pixels is too large to open (limit: 40 megapixels)"


def test_limit_is_the_pixel_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert MAX_PIXELS == 40_000_000
    monkeypatch.setattr(images, "MAX_PIXELS", 110)
    ok = save(colour_levels(w=11, h=10), tmp_path / "ok.png", "png")
    assert load_image(ok).pixels.shape == (10, 11, 3)
    big = save(colour_levels(w=12, h=10), tmp_path / "big.png", "png")
    assert refused(big).startswith("12x10 pixels is too large to open")


def test_allocation_limit_set_for_the_largest_picture(tmp_path: Path) -> None:
    load_image(save(colour_levels(), tmp_path / "c.png", "png"))
    limit_mb = QImageReader.allocationLimit()
    assert limit_mb * 1024 * 1024 >= MAX_PIXELS * 8  # a 16-bit RGBA picture at the limit fits
    assert limit_mb <= 320


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"channels": 2}, "channels must be 1"),
        ({"channels": True}, "channels must be 1"),
        ({"fit": "zoom"}, "fit must be one of crop, pad, stretch"),
        ({"value_mode": "rgb"}, "value_mode must be one of binary, grey, byte"),
        ({"size": (0, 5)}, "size must be"),
        ({"size": (5,)}, "size must be"),
        ({"size": (2000, 10)}, "size must be"),
        ({"size": (True, 5)}, "size must be"),
        ({"size": (5.0, 5)}, "size must be"),
        ({"size": "5x5"}, "size must be"),
    ],
)
def test_bad_arguments_are_value_errors_not_image_errors(tmp_path: Path, kwargs: dict, match: str) -> None:
    path = save(colour_levels(), tmp_path / "c.png", "png")
    with pytest.raises(ValueError, match=match) as info:
        load_image(path, **kwargs)
    assert not isinstance(info.value, ImageError)


# --------------------------------------------------------------------------- the result, the constants


def test_pixels_are_read_only_float32(tmp_path: Path) -> None:
    loaded = load_image(save(colour_levels(), tmp_path / "c.png", "png"), value_mode="grey")
    assert loaded.pixels.flags.c_contiguous
    assert not loaded.pixels.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        loaded.pixels[0, 0, 0] = 1.0


def test_suffixes_and_filter() -> None:
    assert SUPPORTED_SUFFIXES == (".png", ".jpg", ".jpeg", ".bmp", ".gif")
    assert FILE_FILTER == "Pictures (*.png *.jpg *.jpeg *.bmp *.gif)"


def test_bundled_photo() -> None:
    path = sample_photo_path()
    assert path.is_file()
    assert path.stat().st_size < 60 * 1024
    loaded = load_image(path, channels=3, size=(150, 150), value_mode="byte")
    assert loaded.pixels.shape == (150, 150, 3)
    assert loaded.source_size == (150, 150)
    assert loaded.notice == ""
    assert loaded.pixels.std() > 20  # a photo, not a flat fill
    assert not np.array_equal(loaded.pixels[..., 0], loaded.pixels[..., 2])  # in colour
    assert load_image(path, channels=1).pixels.shape == (150, 150, 1)
    readme = (path.parent / "README.md").read_text(encoding="utf-8")
    assert "CC0" in readme
    assert "chelsea.png" in readme
    assert "scikit-image 0.26.0" in readme


def test_no_qguiapplication_needed(tmp_path: Path) -> None:
    """The CLI and worker threads load pictures with no application object at all."""
    fmts = ["png", "jpeg", "bmp"]
    for fmt in fmts:
        save(colour_levels(), tmp_path / f"c.{fmt}", fmt)
    try:
        save_gif([colour_levels(w=13, h=9)], tmp_path / "c.gif")
        fmts.append("gif")
    except pytest.skip.Exception:
        pass
    script = (
        "import sys\n"
        "from PySide6.QtCore import QCoreApplication\n"
        "from kernelscope.files.images import load_image\n"
        "for name in sys.argv[1:]:\n"
        "    load_image(name, channels=1, size=(8, 8))\n"
        "assert QCoreApplication.instance() is None\n"
        "print('ok', len(sys.argv) - 1)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    files = [str(tmp_path / f"c.{fmt}") for fmt in fmts]
    result = subprocess.run(
        [sys.executable, "-c", script, *files],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"ok {len(fmts)}"
    assert result.stderr == ""


def test_exif_orientation_applied(tmp_path: Path) -> None:
    pil_image = pytest.importorskip("PIL.Image", reason="Pillow writes the EXIF orientation tag")
    levels = np.zeros((4, 6, 3), np.uint8)  # 6 wide, 4 high; the left column dark, the rest light
    levels[...] = 230
    levels[:, 0] = 20
    exif = pil_image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    path = tmp_path / "phone.jpg"
    pil_image.fromarray(levels).save(path, quality=95, exif=exif)
    loaded = load_image(path, channels=1, value_mode="binary")
    assert loaded.source_size == (4, 6)  # as displayed: 4 wide, 6 high
    assert loaded.pixels.shape == (6, 4, 1)
    assert (loaded.pixels[0, :, 0] == -1).all()  # the dark column is now the top row
    assert (loaded.pixels[1:] == 1).all()
