"""Pictures that used to get the wrong words: corrupt PNGs with libpng's own lines on the terminal,
a valid 40,000,000x1 PNG and a valid top-down BMP called "damaged"."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

from kernelscope.files.images import MAX_SIDE, ImageError, load_image

ROOT = Path(__file__).resolve().parents[2]


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def grey_png(width: int, height: int, idat: bytes | None = None) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    if idat is None:
        idat = zlib.compress((b"\x00" + b"\x80" * width) * height)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


CORRUPT = {
    "not zlib": grey_png(4, 4, b"this is not a zlib stream"),
    "bad filter byte": grey_png(4, 4, zlib.compress(b"\x09" + b"\x80" * 4 + b"\x00" * 15)),
    "bad IHDR values": grey_png(4, 4).replace(
        chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 0, 0, 0, 0)),
        chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 7, 3, 0, 0, 0)),
    ),
}


def refused(path: Path) -> str:
    with pytest.raises(ImageError) as info:
        load_image(path)
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("name", list(CORRUPT))
def test_a_corrupt_png_says_one_line_and_prints_nothing(tmp_path: Path, capfd: pytest.CaptureFixture[str],
                                                        name: str) -> None:
    path = tmp_path / "corrupt.png"
    path.write_bytes(CORRUPT[name])
    capfd.readouterr()
    assert refused(path) == f"{path}: the file is damaged and cannot be read"
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")


def test_other_writes_to_stderr_during_a_decode_still_show(tmp_path: Path, capfd: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from kernelscope.files import images

    path = tmp_path / "corrupt.png"
    path.write_bytes(CORRUPT["not zlib"])
    real = images.QImageReader.read

    def read_and_talk(self):  # type: ignore[no-untyped-def]
        os.write(2, b"someone else's line\n")
        return real(self)

    monkeypatch.setattr(images.QImageReader, "read", read_and_talk)
    capfd.readouterr()
    refused(path)
    assert capfd.readouterr().err == "someone else's line\n"


def test_the_command_line_shows_only_its_own_line_for_a_corrupt_png(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.png"
    path.write_bytes(CORRUPT["not zlib"])
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run(
        [sys.executable, "-m", "kernelscope", "export", "--conv", "Conv2D(1, 3, input_shape=(8, 8, 1))",
         "--image", str(path), "--npy", str(tmp_path / "out.npy")],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert "libpng" not in proc.stderr
    assert "damaged" in proc.stderr
    assert not (tmp_path / "out.npy").exists()


def test_a_40_megapixel_line_is_too_large_not_damaged(tmp_path: Path) -> None:
    path = tmp_path / "line.png"
    path.write_bytes(grey_png(40_000_000, 1, zlib.compress(b"\x00" + b"\x80" * 40_000_000, 1)))
    assert refused(path) == f"{path}: 40000000x1 pixels is too large to open (limit: 1,000,000 pixels on a side)"
    tall = tmp_path / "tall.png"
    tall.write_bytes(grey_png(1, MAX_SIDE + 1, b""))
    assert refused(tall) == f"{tall}: 1x{MAX_SIDE + 1} pixels is too large to open (limit: 1,000,000 pixels on a side)"


def bmp_24(rows_top_first: list[list[tuple[int, int, int]]], top_down: bool) -> bytes:
    """An uncompressed 24-bit BMP; ``top_down`` stores the rows top first with a negative height."""
    width, height = len(rows_top_first[0]), len(rows_top_first)
    stored = rows_top_first if top_down else rows_top_first[::-1]
    pad = b"\0" * ((4 - width * 3 % 4) % 4)
    pixels = b"".join(b"".join(bytes((b, g, r)) for r, g, b in row) + pad for row in stored)
    info = struct.pack("<IiiHHIIiiII", 40, width, -height if top_down else height, 1, 24, 0, len(pixels),
                       2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 54 + len(pixels), 0, 0, 54) + info + pixels


@pytest.mark.parametrize("top_down", [True, False])
def test_a_top_down_bmp_loads_with_its_rows_in_order(tmp_path: Path, top_down: bool) -> None:
    rows = [[(255, 0, 0), (0, 255, 0), (0, 0, 255)], [(255, 255, 255), (0, 0, 0), (10, 20, 30)]]
    path = tmp_path / "picture.bmp"
    path.write_bytes(bmp_24(rows, top_down))
    loaded = load_image(path, channels=3, value_mode="byte")
    np.testing.assert_array_equal(loaded.pixels, np.array(rows, np.float32))
    assert loaded.source_size == (3, 2)
