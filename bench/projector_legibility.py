"""Digit heights (pixels) of every number projector mode shows: input, kernel, maps, arithmetic.

    python bench/projector_legibility.py 1024x768 [LESSON]

The aim (classroom issue): digits at least 24 px tall at 1024x768 in projector mode.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtGui import QFont, QFontMetrics

from kernelscope.files.lessons import find_lesson, load_lesson
from kernelscope.ui.app import _window, application


def digit_height(font: QFont) -> int:
    return QFontMetrics(font).tightBoundingRect("0123456789").height()


def main(argv: list[str]) -> int:
    width, height = (int(v) for v in (argv[0] if argv else "1024x768").split("x"))
    app = application()
    window = _window(load_lesson(find_lesson(argv[1] if len(argv) > 1 else "article-x")))
    window.resize(width, height)
    window.show()
    window.set_projector(True, full_screen=False)
    window.resize(width, height)
    for _ in range(5):
        app.processEvents()
    grid = window.pixel_grid
    f = QFont(grid.font())
    f.setPixelSize(max(8, int(grid.cell_size() * 0.5)))
    rows = [("input", grid.cell_size(), digit_height(f))]
    kg = window.kernel_grid
    f = QFont(kg.font())
    f.setPixelSize(kg._font_px())
    rows.append(("kernel", kg.cell_side(), digit_height(f)))
    fm = window.feature_maps
    rect = fm.cell_scene_rect(0, 0, 0)
    cell = min(rect.width(), rect.height())
    f = QFont()
    f.setPixelSize(int(max(9, min(64, cell * fm.numbers._scale))))
    rows.append(("feature map", cell, digit_height(f)))
    rows.append(("arithmetic", 0, digit_height(window.step_panel.products.font())))
    rows.append(("sum", 0, digit_height(window.step_panel.summary.font())))
    print(f"projector mode at {width}x{height}")
    for name, cell_px, digits in rows:
        size = f"cell {cell_px:.0f} px" if cell_px else ""
        print(f"  {name:12} {size:14} digits {digits} px  {'ok' if digits >= 24 else 'below 24'}")
    window.document.mark_saved()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
