"""How ``cat.png`` was made: Chelsea the cat from scikit-image's sample data, cropped and scaled to 150x150.

The source is ``skimage/data/chelsea.png`` (451x300 RGB) inside the scikit-image 0.26.0 wheel; its
docstring in ``skimage/data/_fetchers.py`` says "No copyright restrictions. CC0 by the photographer
(Stefan van der Walt)". scikit-image is not a dependency of kernelscope: fetch the wheel once, read the
one file straight out of it (a wheel is a zip) and run this script with Qt (PySide6) only::

    pip download --no-deps -d /tmp/skimg scikit-image==0.26.0
    python resources/images/make_photo.py /tmp/skimg/scikit_image-0.26.0-*.whl

Steps: check the source's SHA-256 and licence line, crop the 300x300 square at x = 100..399 (the cat's
face, both eyes and the nose; the centre square would start at x = 75), scale it by exactly one half
with Qt's smooth scaling, and save it as an 8-bit RGB PNG at zlib's strongest compression. The output's
bytes may differ with another Qt or zlib version; its pixels should not.
"""

from __future__ import annotations

import hashlib
import sys
import zipfile
from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage

SOURCE = "skimage/data/chelsea.png"
SOURCE_SHA256 = "596aa1e7cb875eb79f437e310381d26b338a81c2da23439704a73c4651e8c4bb"  # 0.26.0
CROP = QRect(100, 0, 300, 300)
SIDE = 150
OUT = Path(__file__).resolve().with_name("cat.png")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        sys.stderr.write("usage: make_photo.py SCIKIT_IMAGE_WHEEL\n")
        return 2
    with zipfile.ZipFile(argv[0]) as wheel:
        data = wheel.read(SOURCE)
        fetchers = wheel.read("skimage/data/_fetchers.py").decode("utf-8")
    if hashlib.sha256(data).hexdigest() != SOURCE_SHA256:
        sys.stderr.write(f"{SOURCE} in this wheel is not the file cat.png was made from (SHA-256 differs)\n")
        return 1
    if "CC0 by the photographer (Stefan van der Walt)" not in fetchers:
        sys.stderr.write("the licence line for chelsea.png is not in this wheel's skimage/data/_fetchers.py\n")
        return 1
    source = QImage.fromData(data, "PNG")
    if source.isNull() or (source.width(), source.height()) != (451, 300):
        sys.stderr.write(f"{SOURCE}: expected a 451x300 PNG\n")
        return 1
    photo = (
        source.copy(CROP)
        .scaled(SIDE, SIDE, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation)
        .convertToFormat(QImage.Format.Format_RGB888)
    )
    if not photo.save(str(OUT), "PNG", 0):  # for PNG, Qt maps quality 0 to the strongest zlib compression
        sys.stderr.write(f"cannot write {OUT}\n")
        return 1
    sys.stdout.write(
        f"{SOURCE} sha256 {hashlib.sha256(data).hexdigest()}\n"
        f"wrote {OUT} ({OUT.stat().st_size} bytes) sha256 {hashlib.sha256(OUT.read_bytes()).hexdigest()}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
