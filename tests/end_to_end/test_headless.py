"""Headless always works (issue 14, item 7): drawing to a file picks Qt's offscreen platform when no
display answers, a stale DISPLAY included, and opening the window without one is one line, exit 2
(Qt itself aborts the process with status 134)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kernelscope.files.sessions import default_session, save_session
from kernelscope.ui import display


def listening_unix(path: Path) -> socket.socket:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(4)
    return server


@pytest.fixture
def socket_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private stand-in for /tmp/.X11-unix (short: AF_UNIX paths are limited to ~100 bytes)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="ksx"))
    monkeypatch.setattr(display, "X11_SOCKET_DIR", folder)
    yield folder
    for p in folder.iterdir():
        p.unlink()
    folder.rmdir()


def test_an_x_server_that_listens_answers(socket_dir: Path) -> None:
    with listening_unix(socket_dir / "X7"):
        assert display.x11_answers(":7")
        assert display.x11_answers(":7.0")
        assert display.x11_answers("unix:7")
        assert display.display_answers({"DISPLAY": ":7"})
        assert display.no_display_reason({"DISPLAY": ":7"}) is None


def test_a_stale_display_does_not_answer(socket_dir: Path) -> None:
    server = listening_unix(socket_dir / "X8")
    server.close()  # the socket file stays, nothing listens: an X server that died
    assert (socket_dir / "X8").exists()
    assert not display.x11_answers(":8")
    assert not display.x11_answers(":9")  # no socket at all
    assert not display.x11_answers("garbage")


def test_a_remote_display_is_asked_over_tcp(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        monkeypatch.setattr(display, "_X11_TCP_BASE", port - 10)
        assert display.x11_answers("127.0.0.1:10.0")
    assert not display.x11_answers("127.0.0.1:10.0")


def test_a_wayland_compositor_is_asked_at_its_socket(socket_dir: Path) -> None:
    env = {"WAYLAND_DISPLAY": "wayland-3", "XDG_RUNTIME_DIR": str(socket_dir)}
    assert not display.display_answers(env)
    with listening_unix(socket_dir / "wayland-3"):
        assert display.display_answers(env)
        assert display.display_answers({"WAYLAND_DISPLAY": str(socket_dir / "wayland-3")})
    assert "WAYLAND_DISPLAY=wayland-3" in str(display.no_display_reason(env))


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="X11 and Wayland only")
def test_why_the_window_cannot_open() -> None:
    assert display.no_display_reason({}) == (
        "cannot open the window: no display (DISPLAY and WAYLAND_DISPLAY are not set); "
        "without a screen use --screenshot OUT.png or kernelscope export"
    )
    assert display.no_display_reason({"QT_QPA_PLATFORM": "offscreen"}) is None  # Qt was told to draw offscreen
    assert display.no_display_reason({"QT_QPA_PLATFORM": "xcb"}) is not None


# --------------------------------------------------------------------------- the command, in subprocesses


def free_display() -> int:
    for n in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not display.x11_answers(f":{n}"):
            return n
    pytest.skip("no free X display number between :90 and :199")


@pytest.fixture
def dead_display_env() -> dict[str, str]:
    """DISPLAY names an X display nobody serves: what an ssh session that ended leaves behind."""
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "KERNELSCOPE_DEBUG")}
    env["DISPLAY"] = f":{free_display()}"
    return env


def kernelscope(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kernelscope", *args], capture_output=True, text=True, timeout=120, env=env, cwd=cwd,
        check=False,
    )


pytestmark = pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="X11 and Wayland only")


@pytest.mark.parametrize(
    ("args", "written"),
    [(["--screenshot", "shot.png"], ["shot.png"]),
     (["export", "--conv", "Conv2D(2, 3, input_shape=(8, 8, 1))", "--png", "shot.png", "--gif", "steps.gif"],
      ["shot.png", "steps.gif"])],
)
def test_a_stale_display_still_draws_to_files(
    dead_display_env: dict[str, str], tmp_path: Path, args: list[str], written: list[str]
) -> None:
    proc = kernelscope(dead_display_env, tmp_path, *args)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    for name in written:
        assert (tmp_path / name).stat().st_size > 1000
    assert (tmp_path / "shot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_dead_wayland_socket_still_draws_to_files(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "KERNELSCOPE_DEBUG")}
    env.update(WAYLAND_DISPLAY="wayland-ks-none", XDG_RUNTIME_DIR=str(tmp_path))
    proc = kernelscope(env, tmp_path, "--screenshot", "shot.png")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "shot.png").exists()


@pytest.mark.parametrize("platform", [None, "xcb"])
def test_opening_the_window_on_a_stale_display_is_one_line(
    dead_display_env: dict[str, str], tmp_path: Path, platform: str | None
) -> None:
    if platform is not None:
        dead_display_env["QT_QPA_PLATFORM"] = platform
    save_session(default_session(), tmp_path / "x.kscope")
    for args in ([], ["x.kscope"]):
        proc = kernelscope(dead_display_env, tmp_path, *args)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr == (
            f"kernelscope: error: cannot open the window: no display answers at DISPLAY={dead_display_env['DISPLAY']}; "
            "without a screen use --screenshot OUT.png or kernelscope export\n"
        )


def test_opening_the_window_without_any_display_is_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    proc = kernelscope(env, tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("kernelscope: error: cannot open the window: no display (DISPLAY and")
