"""The classroom run on a real X server: the app opens one lesson the way ``kernelscope LESSON`` does,
then a teacher presses F5, clicks a feature map, presses Ctrl+= twice and F5 again.

Run by ``tests/end_to_end/test_real_x.py`` in a subprocess on a 1024x768 Xvfb screen with a window
manager. Every key and click goes through X (``xdotool``); what a person would see is read back
in-process and printed as one JSON line, and a picture of the whole X screen is saved at each
stage. Warnings Qt logs go to stderr (``kernelscope.ui.app``'s message filter), which the test
requires to be empty.

    python real_x_classroom.py LESSON SHOT_PREFIX [STEPS]

LESSON: a lesson name or number, or "none" for the article's X; STEPS: a key of ``STEPS``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPoint, QRect, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from kernelscope.files.lessons import find_lesson
from kernelscope.files.sessions import Session, load_session
from kernelscope.ui import app as kapp
from kernelscope.ui.main_window import MainWindow

SETTLE_S = 10.0  # the longest a window manager or the compute worker may take to answer


def wait(ms: int) -> None:
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        QApplication.processEvents()
        time.sleep(0.005)


def wait_until(condition: Callable[[], bool], seconds: float = SETTLE_S) -> bool:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        QApplication.processEvents()
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def settle(window: MainWindow) -> None:
    """Until the window's frame has stayed put for a moment: the window manager answers in turns."""
    last: tuple[int, ...] = ()
    stable_since = time.perf_counter()
    end = stable_since + SETTLE_S
    while time.perf_counter() < end:
        QApplication.processEvents()
        now = rect_list(window.frameGeometry()) + rect_list(window.geometry()) + tuple(window.splitter.sizes())
        if now != last:
            last, stable_since = now, time.perf_counter()
        elif time.perf_counter() - stable_since > 0.4:
            return
        time.sleep(0.01)


def xdotool(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True, timeout=20)
    wait(150)  # the X server has queued the events: let Qt read and deliver them


def rect_list(rect: QRect) -> tuple[int, int, int, int]:
    return rect.x(), rect.y(), rect.width(), rect.height()


def fonts(window: MainWindow) -> dict[str, str]:
    """The application font and the fonts of what the class reads by: headings, step panel, maps."""
    named: dict[str, QWidget] = {
        "input_heading": window.input_heading, "layer_heading": window.layer_heading,
        "kernel_heading": window.kernel_heading, "maps_heading": window.maps_heading,
        "step_panel": window.step_panel, "feature_maps": window.feature_maps,
    }
    return {"application": QApplication.font().toString()} | {n: w.font().toString() for n, w in named.items()}


def panes(window: MainWindow) -> list[list[int]]:
    """[size, minimumSizeHint width] of each splitter pane."""
    splitter = window.splitter
    return [[size, splitter.widget(i).minimumSizeHint().width()] for i, size in enumerate(splitter.sizes())]


def x_frame(window: MainWindow) -> list[int] | None:
    """The window manager's frame as X has it: the client's place on the root window grown by
    ``_NET_FRAME_EXTENTS`` (Qt's own ``frameGeometry`` can lag a state change)."""
    wid = str(int(window.winId()))
    info = subprocess.run(["xwininfo", "-id", wid], capture_output=True, text=True, timeout=10, check=False).stdout
    extents = subprocess.run(["xprop", "-id", wid, "_NET_FRAME_EXTENTS"], capture_output=True, text=True,
                             timeout=10, check=False).stdout
    numbers = {k: int(v) for k, v in re.findall(r"(Absolute upper-left [XY]|Width|Height):\s+(-?\d+)", info)}
    found = re.findall(r"-?\d+", extents.partition("=")[2])
    if len(numbers) < 4:
        return None
    left, right, top, bottom = (int(n) for n in found) if len(found) == 4 else (0, 0, 0, 0)
    return [numbers["Absolute upper-left X"] - left, numbers["Absolute upper-left Y"] - top,
            numbers["Width"] + left + right, numbers["Height"] + top + bottom]


def snapshot(window: MainWindow, name: str, prefix: str) -> dict[str, Any]:
    """What the window is now, and a picture of the whole X screen (the window manager's frame too)."""
    screen = QApplication.primaryScreen()
    path = f"{prefix}-{name}.png"
    screen.grabWindow(0).save(path)
    return {
        "frame": rect_list(window.frameGeometry()), "x_frame": x_frame(window),
        "geometry": rect_list(window.geometry()),
        "full_screen": window.isFullScreen(), "projector": window.is_projector(),
        "splitter": window.splitter.sizes(), "panes": panes(window), "fonts": fonts(window),
        "minimum_size": [window.minimumSizeHint().width(), window.minimumSizeHint().height()],
        "scale": window.settings.projector_scale(), "map_text_px": window.feature_maps.text_px(),
        "screenshot": path,
    }


def click_a_map(window: MainWindow) -> dict[str, Any]:
    """A real X click on the middle cell of the last map drawn. The pointer first rests on the cell
    (as a hand does); when the layout moves under it, the click follows the cell to where it went."""
    maps = window.feature_maps
    shown = maps.shown_maps()
    mosaic = maps.mosaic()
    if not maps.isVisible() or not shown or mosaic is None:
        return {"clicked": None, "reason": "no feature map is shown"}
    k = shown[-1]
    row, col = mosaic.h // 2, mosaic.w // 2

    def cell_on_screen() -> QPoint:
        return maps.view_widget.mapToGlobal(maps.cell_scene_rect(k, row, col).center().toPoint())

    first = cell_on_screen()
    xdotool("mousemove", "--sync", str(first.x()), str(first.y()))
    settle(window)
    aim = cell_on_screen()
    heard: list[tuple[int, int, int]] = []
    maps.cell_clicked.connect(lambda *hit: heard.append(hit))
    xdotool("mousemove", "--sync", str(aim.x()), str(aim.y()))
    xdotool("click", "1")
    wait_until(lambda: bool(heard), 3)
    doc = window.document
    return {"aimed": [k, row, col], "clicked": list(heard[-1]) if heard else None,
            "selected_filter": doc.view.selected_filter, "step": doc.step, "cell_px": maps.cell_px(),
            "map_hw": [mosaic.h, mosaic.w], "pointed_at": [first.x(), first.y()], "cell_moved_to": [aim.x(), aim.y()]}


STEPS = {  # what the teacher does; the shorter runs tell which step breaks what
    "full": ("F5", "click", "bigger", "F5"),
    "plain": ("F5", "F5"),
    "click": ("F5", "click", "F5"),
    "bigger": ("F5", "bigger", "F5"),
}


def scenario(window: MainWindow, prefix: str, steps: tuple[str, ...]) -> dict[str, Any]:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    doc = window.document
    screen = QApplication.primaryScreen()
    seen: dict[str, Any] = {
        "platform": app.platformName(),
        "screen": rect_list(screen.geometry()), "available": rect_list(screen.availableGeometry()),
    }
    seen["maps_ready"] = wait_until(lambda: window.isVisible() and not doc.computing)
    window.activateWindow()
    seen["active"] = wait_until(lambda: QApplication.activeWindow() is window)
    settle(window)
    seen["title"] = doc.title
    seen["stages"] = stages = [("before", snapshot(window, "1-before", prefix))]
    for n, step in enumerate(steps, start=2):
        if step == "F5":
            entering = not window.is_projector()
            xdotool("key", "F5")
            if entering:
                wait_until(lambda: window.isFullScreen() and window.geometry() == screen.geometry())
            else:
                wait_until(lambda: not window.isFullScreen() and not window.is_projector())
            name = "projector" if entering else "after"
        elif step == "click":
            seen["click"] = click_a_map(window)
            name = "clicked"
        else:
            xdotool("key", "ctrl+equal")
            xdotool("key", "ctrl+equal")
            name = "bigger"
        settle(window)
        stages.append((name, snapshot(window, f"{n}-{name}", prefix)))
    return seen


def main() -> int:
    lesson, prefix = sys.argv[1], sys.argv[2]
    steps = STEPS[sys.argv[3] if len(sys.argv) > 3 else "full"]
    session: Session | None = None if lesson == "none" else load_session(find_lesson(lesson).path)
    app = kapp.application()
    result: dict[str, Any] = {}

    def run_scenario() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        window = windows[0]
        try:
            result.update(scenario(window, prefix, steps))
        except Exception as exc:  # said in the JSON line and the exit code; the test shows it
            result["error"] = f"{type(exc).__name__}: {exc}"
        window.document.mark_saved()
        # Ctrl+Q, as a person quits; a watchdog ends a hung run.
        QTimer.singleShot(15000, lambda: (sys.stderr.write("the window did not quit on Ctrl+Q\n"), app.exit(3)))
        subprocess.Popen(["xdotool", "key", "ctrl+q"])

    QTimer.singleShot(0, run_scenario)
    QTimer.singleShot(120000, lambda: (sys.stderr.write("the scenario did not finish\n"), app.exit(4)))
    code = kapp.run(session)  # exactly as ``kernelscope LESSON`` starts: placed, loaded, autosaving
    result["exit_code"] = code
    print(json.dumps(result))
    return code if "error" not in result else 5


if __name__ == "__main__":
    sys.exit(main())
