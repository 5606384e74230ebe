"""The real window on a real X server (Xvfb, Qt's xcb platform), driven by real X input.

Full screen, keyboard focus and X mouse clicks differ from the offscreen platform every other test
uses (spec section 4). ``.ci/run`` installs Xvfb, a window manager (openbox: full screen is the
window manager's job on X) and xdotool with apt; where they are missing the test says so and skips.
The classroom tests run ``real_x_classroom.py`` on a 1024x768 screen: what a teacher does with the
projector (issue 13), measured on the real window; what it finds broken is marked xfail with the bug.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SCENARIO = Path(__file__).with_name("real_x_scenario.py")
ROOT = Path(__file__).resolve().parents[2]


def _free_display() -> int:
    for n in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    pytest.skip("no free X display number between :90 and :199")


def _wait_for(path: Path, proc: subprocess.Popen[bytes], seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if path.exists():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.05)
    return False


@contextmanager
def _x_display(tmp: Path, size: str) -> Iterator[tuple[dict[str, str], bool]]:
    """A fresh Xvfb screen of ``size`` ("WxH"), with openbox when installed: (environment for a child
    there, whether a window manager runs). Skips the test, saying why, where that cannot be had."""
    xvfb, xdotool = shutil.which("Xvfb"), shutil.which("xdotool")
    if sys.platform != "linux" or xvfb is None or xdotool is None:
        pytest.skip("needs Linux with Xvfb and xdotool (.ci/run installs them with apt where it can)")
    n = _free_display()
    log = tmp / "xvfb.log"
    with open(log, "wb") as log_file:
        server = subprocess.Popen(
            [xvfb, f":{n}", "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL, stderr=log_file,
        )
    manager: subprocess.Popen[bytes] | None = None
    try:
        if not _wait_for(Path(f"/tmp/.X11-unix/X{n}"), server, 10):
            server.kill()
            server.wait()
            reason = log.read_text(errors="replace").strip().splitlines()
            pytest.skip(f"Xvfb did not start: {reason[-1] if reason else 'no message'}")
        runtime = tmp / "runtime"
        runtime.mkdir(mode=0o700)
        env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
        env.update(
            DISPLAY=f":{n}", QT_QPA_PLATFORM="xcb", XDG_RUNTIME_DIR=str(runtime),
            XDG_CONFIG_HOME=str(tmp / "config"), KERNELSCOPE_DATA_DIR=str(tmp / "data"),
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        )
        env.pop("KERNELSCOPE_DEBUG", None)
        probe = subprocess.run(
            [sys.executable, "-c", "from PySide6.QtWidgets import QApplication; QApplication([])"],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )
        if probe.returncode != 0:
            lines = probe.stderr.strip().splitlines()
            pytest.skip(f"Qt's xcb platform does not load here: {lines[0] if lines else probe.returncode}")
        openbox = shutil.which("openbox")
        if openbox is not None:
            manager = subprocess.Popen([openbox], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
        yield env, manager is not None and manager.poll() is None
    finally:
        for proc in (manager, server):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()


@pytest.fixture(scope="module")
def x_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], bool]]:
    """(environment for a child on a fresh 1920x1080 Xvfb display, whether a window manager runs there)."""
    with _x_display(tmp_path_factory.mktemp("real-x"), "1920x1080") as found:
        yield found


def test_real_window_keys_clicks_full_screen_and_quit(x_server: tuple[dict[str, str], bool]) -> None:
    env, window_manager = x_server
    proc = subprocess.run(
        [sys.executable, str(SCENARIO)], env=env, capture_output=True, text=True, timeout=180, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    # A clean exit: no Qt warning, no "Fatal Python error", nothing at all on stderr.
    assert proc.stderr == ""
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["platform"] == "xcb"
    assert seen["active"], "the window never got the keyboard focus"
    assert seen["screen_has_black_white_red"] == [True, True, True], "the X screen does not show the window"
    assert seen["screen_colours"] > 20
    assert (seen["step_after_two_rights"], seen["step_after_end"], seen["step_after_home"]) == (2, 8, 0)
    assert seen["cell_before_after"] == [1.0, -1.0], "a click with the pen did not paint the cell"
    assert seen["maps_match_engine"]
    assert seen["undo_restores"]
    assert seen["projector_full_screen"] == [True, True]
    if window_manager:  # without one, X has nobody to make a window full screen
        assert seen["projector_size"] == seen["screen"]
    assert seen["after_projector"] == [False, False, 1280, 800]
    assert seen["exit_code"] == 0


# ---------------------------------------------------------------------- the classroom at 1024x768
CLASSROOM = Path(__file__).with_name("real_x_classroom.py")
CLASSROOM_SCREEN = (1024, 768)
ARTICLE_X, PHOTO, STACK = "none", "9", "12"  # the article's X; lesson 9 (photo, 32 filters); lesson 12 (a stack)


@dataclass(frozen=True)
class ClassroomRun:
    """One lesson through F5, a click on a map, Ctrl+= twice and F5 again (``real_x_classroom.py``)."""

    returncode: int
    stderr: str
    seen: dict[str, Any]

    def stage(self, name: str) -> dict[str, Any]:
        return dict(self.seen["stages"])[name]

    def stages(self) -> list[tuple[str, dict[str, Any]]]:
        return [(name, stage) for name, stage in self.seen["stages"]]


@pytest.fixture(scope="module")
def classroom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], ClassroomRun]]:
    """Runs a lesson's classroom scenario on a 1024x768 screen once; every test of it reads that run.
    Each run has its own settings folder, so the window opens as on a first start."""
    tmp = tmp_path_factory.mktemp("classroom")
    with _x_display(tmp, "x".join(map(str, CLASSROOM_SCREEN))) as (env, window_manager):
        if not window_manager:
            pytest.skip("needs a window manager (openbox): full screen and the window's frame are its job")
        runs: dict[str, ClassroomRun] = {}

        def run(lesson: str) -> ClassroomRun:
            if lesson not in runs:
                folder = tmp / f"lesson-{lesson}"
                folder.mkdir()
                proc = subprocess.run(
                    [sys.executable, str(CLASSROOM), lesson, str(folder / "screen")],
                    env=env | {"XDG_CONFIG_HOME": str(folder / "config")},
                    capture_output=True, text=True, timeout=180, check=False,
                )
                lines = proc.stdout.strip().splitlines()
                runs[lesson] = ClassroomRun(proc.returncode, proc.stderr, json.loads(lines[-1]) if lines else {})
            return runs[lesson]

        yield run


def _on_screen(stage: dict[str, Any]) -> bool:
    """The window's client area lies on the screen and its title bar starts on it. The window
    manager's thin side and bottom borders may stand past the edge, as on a maximized window."""
    x, y, w, h = stage["geometry"]
    screen_w, screen_h = CLASSROOM_SCREEN
    frame = stage["x_frame"] or stage["frame"]
    return x >= 0 and y >= 0 and x + w <= screen_w and y + h <= screen_h and frame[1] >= 0


def _bug(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"BUG: {reason}")


@pytest.mark.parametrize("lesson", [ARTICLE_X, PHOTO, STACK])
def test_classroom_run_through_x_is_clean(classroom: Callable[[str], ClassroomRun], lesson: str) -> None:
    """F5, a real click on a map, Ctrl+= twice, F5: every step takes, no Qt warning, a clean quit."""
    run = classroom(lesson)
    assert run.returncode == 0, run.stderr or run.seen.get("error")
    assert run.stderr == "", "Qt or the app logged a warning"
    seen = run.seen
    assert seen["platform"] == "xcb"
    assert seen["maps_ready"], "the maps never arrived"
    assert seen["active"], "the window never got the keyboard focus"
    assert [name for name, _ in run.stages()] == ["before", "projector", "clicked", "bigger", "after"]
    projector = run.stage("projector")
    assert projector["projector"]
    assert projector["full_screen"]
    assert projector["geometry"] == [0, 0, *CLASSROOM_SCREEN]
    click = seen["click"]
    assert click["clicked"] is not None, "the click on a map reached no cell"
    filter_index, row, col = click["clicked"]
    assert filter_index == click["aimed"][0]
    if click["cell_px"] >= 2:  # a cell big enough to aim at: exactly that one
        assert click["clicked"] == click["aimed"]
    assert click["selected_filter"] == filter_index
    assert click["step"] == row * click["map_hw"][1] + col, "the click did not step to the cell"
    assert run.stage("bigger")["scale"] == pytest.approx(run.stage("clicked")["scale"] + 0.5)
    assert not run.stage("after")["projector"]
    assert not run.stage("after")["full_screen"]
    assert seen["exit_code"] == 0


@pytest.mark.parametrize("lesson", [ARTICLE_X, PHOTO, STACK])
def test_classroom_fonts_restored(classroom: Callable[[str], ClassroomRun], lesson: str) -> None:
    run = classroom(lesson)
    before, after = run.stage("before")["fonts"], run.stage("after")["fonts"]
    assert after == before
    assert run.stage("bigger")["fonts"]["application"] != before["application"]  # projector type was on


@pytest.mark.parametrize("lesson", [ARTICLE_X, PHOTO, STACK])
def test_classroom_no_pane_under_its_minimum_width(classroom: Callable[[str], ClassroomRun], lesson: str) -> None:
    for name, stage in classroom(lesson).stages():
        for i, (size, minimum) in enumerate(stage["panes"]):
            assert size >= minimum, f"{name}: pane {i} is {size} px < its minimum {minimum} ({stage['screenshot']})"


@pytest.mark.parametrize("lesson", [
    ARTICLE_X,
    PHOTO,
    STACK,
])
def test_classroom_geometry_restored(classroom: Callable[[str], ClassroomRun], lesson: str) -> None:
    run = classroom(lesson)
    before, after = run.stage("before"), run.stage("after")
    assert (after["geometry"], after["x_frame"]) == (before["geometry"], before["x_frame"]), after["screenshot"]


@pytest.mark.parametrize("lesson", [
    ARTICLE_X,
    PHOTO,
    STACK,
])
def test_classroom_splitter_restored(classroom: Callable[[str], ClassroomRun], lesson: str) -> None:
    run = classroom(lesson)
    assert run.stage("after")["splitter"] == run.stage("before")["splitter"], run.stage("after")["screenshot"]


@pytest.mark.parametrize("lesson", [
    ARTICLE_X,
    PHOTO,
    STACK,
])
def test_classroom_window_on_screen(classroom: Callable[[str], ClassroomRun], lesson: str) -> None:
    for name, stage in classroom(lesson).stages():
        assert _on_screen(stage), f"{name}: window at {stage['geometry']} ({stage['screenshot']})"


def test_classroom_bigger_makes_map_digits_bigger(classroom: Callable[[str], ClassroomRun]) -> None:
    run = classroom(ARTICLE_X)
    assert run.stage("bigger")["map_text_px"] >= run.stage("clicked")["map_text_px"]
