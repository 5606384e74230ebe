"""Digit heights of what the class reads in projector mode, for every bundled lesson, and whether any
of it is cut off: the input cells under the window (through the loupe), the kernel, the current
output cell (through the focus view), the arithmetic and the SUM line. Every layer of a stack.

    python bench/projector_legibility.py [--size 1024x768] [--bigger N] [--lesson NAME]

Exits 1 if any part's digits are under 24 px or anything is clipped (the classroom issue's aim).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kernelscope.core.document import Document
from kernelscope.files.lessons import find_lesson, list_lessons, load_lesson
from kernelscope.ui.app import application
from kernelscope.ui.legibility import MIN_DIGIT_PX, Part, measure, settle
from kernelscope.ui.main_window import MainWindow
from kernelscope.ui.settings import Settings


def projector_window(session: object, size: tuple[int, int], bigger: int = 0) -> MainWindow:
    """The lesson in projector mode at ``size`` (as on a screen that size), "Bigger" pressed ``bigger`` times."""
    window = MainWindow(Document(session), threaded=False, settings=Settings())  # type: ignore[arg-type]
    window.geometry_keeper.remembering = False
    window.settings.set_projector_scale(1.75)
    window.statusBar()  # the app's window has one (it says what loading and autosave do)
    window.resize(*size)
    window.show()
    window.set_projector(True, full_screen=False)
    window.resize(*size)
    settle()
    for _ in range(bigger):
        window.actions_by_name["bigger"].trigger()
        settle()
    window.statusBar().clearMessage()  # "projector scale 2.25x" goes after three seconds
    window.resize(*size)
    settle()
    return window


def rows(window: MainWindow, every_layer: bool, shots: Path | None, stem: str) -> list[tuple[str, Part]]:
    """Each layer's parts (the layer opened first), and its picture in ``shots`` when asked."""
    doc = window.document
    opened = doc.selected_layer
    layers = [opened] + ([i for i in range(len(doc.layers)) if i != opened] if every_layer else [])
    found = []
    for index in layers:
        if index != doc.selected_layer:
            window.controller.select_layer(index)
        parts = measure(window)
        name = f"{index + 1} {doc.layer_names[index]}" if len(doc.layers) > 1 else ""
        found += [(name, part) for part in parts]
        if shots is not None:
            window.grab().save(str(shots / f"{stem}-layer{index + 1}.png"))
    if doc.selected_layer != opened:
        window.controller.select_layer(opened)
        settle()
    return found


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1024x768", help="screen size WxH (default 1024x768)")
    parser.add_argument("--bigger", type=int, default=0, help='press "Bigger" (Ctrl+=) N times first')
    parser.add_argument("--lesson", action="append", help="only this lesson (repeatable)")
    parser.add_argument("--first-layer", action="store_true", help="a stack's first layer only")
    parser.add_argument("--shots", type=Path, help="save a picture of every layer measured in this folder")
    args = parser.parse_args(argv)
    size = tuple(int(v) for v in args.size.lower().split("x"))
    lessons = [find_lesson(name) for name in args.lesson] if args.lesson else list_lessons()
    application()
    print(f"projector mode at {size[0]}x{size[1]}, Bigger x{args.bigger}: digits >= {MIN_DIGIT_PX} px, "
          "nothing clipped")
    print(f"{'lesson':24} {'layer':16} {'part':13} {'digits':>6}  result")
    failures = 0
    for lesson in lessons:
        window = projector_window(load_lesson(lesson), size, args.bigger)  # type: ignore[arg-type]
        try:
            stem = f"{lesson.name}-{size[0]}x{size[1]}-bigger{args.bigger}"
            if args.shots is not None:
                args.shots.mkdir(parents=True, exist_ok=True)
            for layer, part in rows(window, not args.first_layer, args.shots, stem):
                ok = part.ok()
                failures += not ok
                verdict = "ok" if ok else "FAIL" + (f"  {part.problem}" if part.problem else "  under 24 px")
                print(f"{lesson.name:24} {layer:16} {part.name:13} {part.digit_px:4} px  {verdict}")
        finally:
            window.document.mark_saved()
            window.set_projector(False)
            window.close()
    print(f"{failures} part(s) failing" if failures else "every part ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
