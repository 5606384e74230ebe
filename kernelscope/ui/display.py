"""Is there a screen to draw on? Asked before Qt starts, because Qt aborts the whole process (no
exception to catch) when its platform plugin cannot reach the display it was pointed at.

Pure Python, no Qt: a display "answers" when a connection to its socket succeeds. That is what Qt's
xcb and wayland plugins do first, so a stale ``DISPLAY`` (an ssh session gone, an Xvfb stopped) is
caught here instead of in Qt.
"""

from __future__ import annotations

import os
import re
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["X11_SOCKET_DIR", "display_answers", "no_display_reason", "use_offscreen_without_display"]

X11_SOCKET_DIR = Path("/tmp/.X11-unix")
_X11_TCP_BASE = 6000
_CONNECT_SECONDS = 1.0
# Platforms that need no display server (Qt's own names); anything else is left to Qt.
_SCREENLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb", "vkkhrdisplay")


def _connects_unix(address: str) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(_CONNECT_SECONDS)
            sock.connect(address)
        return True
    except OSError:
        return False


def _connects_tcp(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=_CONNECT_SECONDS):
            return True
    except OSError:
        return False


def x11_answers(display: str) -> bool:
    """``[host]:N[.screen]``: the local socket (file or Linux abstract) for no host, else TCP 6000+N."""
    m = re.fullmatch(r"(?:(?P<proto>[a-z]+)/)?(?P<host>[^:]*):(?P<number>\d+)(?:\.\d+)?", display.strip())
    if m is None:
        return False
    number, host = int(m.group("number")), m.group("host")
    if host in ("", "unix") or m.group("proto") == "unix":
        path = str(X11_SOCKET_DIR / f"X{number}")
        return _connects_unix(path) or (sys.platform.startswith("linux") and _connects_unix("\0" + path))
    return _connects_tcp(host, _X11_TCP_BASE + number)


def wayland_answers(name: str, runtime_dir: str | None) -> bool:
    """A Wayland compositor's socket: an absolute path, or a name under XDG_RUNTIME_DIR."""
    path = Path(name) if os.path.isabs(name) else (Path(runtime_dir) / name if runtime_dir else None)
    return path is not None and _connects_unix(str(path))


def display_answers(env: Mapping[str, str] | None = None) -> bool:
    """True when an X server at DISPLAY or a Wayland compositor at WAYLAND_DISPLAY accepts a connection."""
    env = os.environ if env is None else env
    x11, wayland = env.get("DISPLAY", ""), env.get("WAYLAND_DISPLAY", "")
    return bool(x11 and x11_answers(x11)) or bool(wayland and wayland_answers(wayland, env.get("XDG_RUNTIME_DIR")))


def _needs_a_display(env: Mapping[str, str]) -> bool:
    if sys.platform in ("win32", "darwin"):
        return False  # their platforms always have a screen session to ask
    platform = re.split(r"[:;]", env.get("QT_QPA_PLATFORM", ""))[0].strip().lower()
    return platform not in _SCREENLESS_PLATFORMS


def no_display_reason(env: Mapping[str, str] | None = None) -> str | None:
    """Why a window cannot open here, in one line, or None when it can (or Qt is told to draw offscreen)."""
    env = os.environ if env is None else env
    if not _needs_a_display(env) or display_answers(env):
        return None
    x11, wayland = env.get("DISPLAY", ""), env.get("WAYLAND_DISPLAY", "")
    if not x11 and not wayland:
        where = "no display (DISPLAY and WAYLAND_DISPLAY are not set)"
    else:
        named = " or ".join(f"{k}={v}" for k, v in (("DISPLAY", x11), ("WAYLAND_DISPLAY", wayland)) if v)
        where = f"no display answers at {named}"
    return f"cannot open the window: {where}; without a screen use --screenshot OUT.png or kernelscope export"


def use_offscreen_without_display() -> None:
    """Drawing to a file needs no screen: when none answers (a server, CI, ssh, a stale DISPLAY),
    pick Qt's offscreen platform instead of letting Qt abort (also over a chosen xcb or wayland,
    which would abort the same way)."""
    if _needs_a_display(os.environ) and not display_answers():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
