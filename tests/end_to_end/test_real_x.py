"""The real window on a real X server (Xvfb, Qt's xcb platform), driven by real X input.

Full screen, keyboard focus and X mouse clicks differ from the offscreen platform every other test
uses (spec section 4). ``.ci/run`` installs Xvfb, a window manager (openbox: full screen is the
window manager's job on X) and xdotool with apt; where they are missing the test says so and skips.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture(scope="module")
def x_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, str], bool]]:
    """(environment for a child on a fresh Xvfb display, whether a window manager runs there)."""
    xvfb, xdotool = shutil.which("Xvfb"), shutil.which("xdotool")
    if sys.platform != "linux" or xvfb is None or xdotool is None:
        pytest.skip("needs Linux with Xvfb and xdotool (.ci/run installs them with apt where it can)")
    n = _free_display()
    tmp = tmp_path_factory.mktemp("real-x")
    log = tmp / "xvfb.log"
    with open(log, "wb") as log_file:
        server = subprocess.Popen(
            [xvfb, f":{n}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
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
