"""How long kernelscope takes to refuse a decompression bomb, and to load the bundled photo.

    python bench/images.py

A bomb is refused from its header, before anything is decoded (docs/images.md), so refusing it
should cost about as much as opening a tiny file; the test suite checks that nothing is decoded,
this script prints what it costs on this machine.
"""

from __future__ import annotations

import statistics
import struct
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kernelscope.files.images import ImageError, load_image, sample_photo_path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(width: int, height: int) -> bytes:
    """A complete PNG of a few dozen bytes whose header claims width x height."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


def median_ms(action, repeats: int = 21) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        bomb = Path(folder) / "bomb.png"
        bomb.write_bytes(bomb_png(30000, 30000))

        def refuse() -> None:
            try:
                load_image(bomb)
            except ImageError:
                return
            raise SystemExit("the bomb was not refused")

        refused_ms = median_ms(refuse)
    photo_ms = median_ms(lambda: load_image(sample_photo_path()))
    print(f"images: 30000x30000 PNG bomb refused in {refused_ms:.3f} ms; "
          f"bundled photo loaded in {photo_ms:.3f} ms (medians of 21)")


if __name__ == "__main__":
    main()
