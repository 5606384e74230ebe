"""How long the feature maps take to plan their tiling, for the map counts a trained model has.

    python bench/mosaic.py

One row per (maps, map size, pane): ``plan_mosaic`` for every map and ``plan_page`` (the page the
pane shows) timed uncached (the first redraw at a new size) and cached (every other redraw), with
the page's size and its pixels per cell. The window redraws the maps within a 16 ms frame.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kernelscope.ui.widgets.map_pages import _plan_mosaic, plan_mosaic, plan_page

CASES = [
    (32, 148, 148, 600, 420),
    (64, 26, 26, 600, 420),
    (128, 30, 30, 570, 180),
    (256, 28, 28, 570, 180),
    (512, 16, 16, 570, 100),
    (512, 30, 30, 570, 180),
    (512, 30, 30, 1150, 330),
    (512, 4, 4, 1150, 330),
]


def _ms(plan, case: tuple[int, int, int, int, int], repeats: int = 5) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeats):
        _plan_mosaic.cache_clear()
        start = time.perf_counter()
        plan(*case)
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def main() -> None:
    print(f"{'maps':>5} {'map':>7} {'pane':>9} {'whole ms':>9} {'page ms':>8} {'cached ms':>9} {'page':>5} "
          f"{'px/cell':>7}")
    for case in CASES:
        count, h, w, width, height = case
        whole, page_ms = _ms(plan_mosaic, case), _ms(plan_page, case)
        page = plan_page(count, h, w, width, height)
        start = time.perf_counter()
        for _ in range(100):
            plan_page(count, h, w, width, height)
        cached = (time.perf_counter() - start) * 10
        print(f"{count:>5} {f'{h}x{w}':>7} {f'{width}x{height}':>9} {whole:>9.2f} {page_ms:>8.2f} {cached:>9.3f} "
              f"{page.count:>5} {page.scale(width, height):>7.2f}")


if __name__ == "__main__":
    main()
