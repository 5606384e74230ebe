"""One run of the real window on a real X server, driven by real X input (``xdotool``).

Run by ``tests/test_real_x.py`` in a subprocess with ``DISPLAY`` set and ``QT_QPA_PLATFORM=xcb``:
the offscreen platform the other tests use has no window manager protocol, no keyboard focus
and no input devices, so full screen, focus and X mouse clicks are only tried here. Prints one
JSON line of what a person would have seen; the test asserts on it. Exits the way a person
does (Ctrl+Q), so a clean exit is part of the run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
from PySide6.QtCore import QPoint, QTimer
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from kernelscope.core import engine
from kernelscope.core.document import Document
from kernelscope.ui import app as kapp
from kernelscope.ui.main_window import MainWindow


def wait(ms: int) -> None:
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        QApplication.processEvents()
        time.sleep(0.005)


def xdotool(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True, timeout=20)
    wait(250)  # the X server has queued the events: let Qt read and deliver them


def click_at(global_pos: QPoint) -> None:
    xdotool("mousemove", "--sync", str(global_pos.x()), str(global_pos.y()))
    xdotool("click", "1")


def colours(image: QImage) -> set[str]:
    return {
        QColor(image.pixel(x, y)).name()
        for x in range(0, image.width(), 5)
        for y in range(0, image.height(), 5)
    }


def main() -> int:
    app = kapp.application()
    window = MainWindow(Document(None))  # the article's 5x5 X
    window.move(0, 0)
    window.resize(1280, 800)
    window.show()
    window.activateWindow()
    wait(500)
    seen: dict[str, object] = {"platform": app.platformName()}
    doc = window.document
    screen = app.primaryScreen()
    seen["screen"] = [screen.geometry().width(), screen.geometry().height()]
    seen["active"] = QApplication.activeWindow() is window

    # The X server's own picture of the screen: the window is drawn, not blank.
    shot = screen.grabWindow(0).toImage()
    found = colours(shot)
    seen["screen_has_black_white_red"] = [
        "#000000" in found,
        "#ffffff" in found,
        any(QColor(c).red() > 200 and QColor(c).green() < 60 and QColor(c).blue() < 60 for c in found),
    ]
    seen["screen_colours"] = len(found)

    # Keys through X: the arrows step the window (the main window has the keyboard focus).
    xdotool("key", "Right")
    xdotool("key", "Right")
    seen["step_after_two_rights"] = doc.step
    xdotool("key", "End")
    seen["step_after_end"] = doc.step
    xdotool("key", "Home")
    seen["step_after_home"] = doc.step

    # A real click with the pen on input cell (0, 1), white (+1): it turns black (-1) and the
    # maps are recomputed from the new input.
    grid = window.pixel_grid
    before = float(doc.input[0, 1, 0])
    click_at(grid.mapToGlobal(grid.cell_rect(0, 1).center().toPoint()))
    seen["cell_before_after"] = [before, float(doc.input[0, 1, 0])]
    expected = engine.conv2d(doc.input, doc.kernels, doc.bias)[:, :, 0]
    seen["maps_match_engine"] = bool(np.array_equal(window.feature_maps.image_data(0), expected))
    xdotool("key", "ctrl+z")
    seen["undo_restores"] = float(doc.input[0, 1, 0]) == before

    # F5: projector mode, full screen on the real screen; F5 again: back.
    xdotool("key", "F5")
    wait(300)
    seen["projector_full_screen"] = [window.is_projector(), window.isFullScreen()]
    seen["projector_size"] = [window.width(), window.height()]
    xdotool("key", "F5")
    wait(300)
    seen["after_projector"] = [window.is_projector(), window.isFullScreen(), window.width(), window.height()]

    # Ctrl+Q, as a person quits (nothing unsaved: the undo left the drawing as it opened, and
    # the question on an edited drawing is covered offscreen). A watchdog ends a hung run.
    doc.mark_saved()
    QTimer.singleShot(15000, lambda: (sys.stderr.write("the window did not quit on Ctrl+Q\n"), app.exit(3)))
    QTimer.singleShot(100, lambda: subprocess.Popen(["xdotool", "key", "ctrl+q"]))
    code = app.exec()
    seen["exit_code"] = code
    print(json.dumps(seen))
    return code


if __name__ == "__main__":
    sys.exit(main())
