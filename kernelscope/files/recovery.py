"""Autosave files and recovery after a crash: an autosaved session plus a marker naming the process
that wrote it, written atomically on a background thread, so a run that did not exit cleanly can be
offered back at the next start. Files, timing and failure reporting: docs/autosave.md.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QStandardPaths

from kernelscope.files import sessions
from kernelscope.files.atomic_file import write_atomic
from kernelscope.files.sessions import Session, SessionError

__all__ = [
    "AUTOSAVE_NAME",
    "DATA_DIR_ENV",
    "MARKER_NAME",
    "Recovery",
    "data_dir",
    "discard_recovery",
    "find_recovery",
    "pid_running",
]

DATA_DIR_ENV = "KERNELSCOPE_DATA_DIR"
AUTOSAVE_NAME = "autosave.kscope"
MARKER_NAME = "autosave.json"
APP_NAME = "kernelscope"
MAX_STRETCHED_INTERVAL_MS = 60_000
STRETCH = 10  # the next interval is at least STRETCH times the last write's duration
_MAX_MARKER_BYTES = 64 * 1024


# --------------------------------------------------------------------------- where


def data_dir() -> Path:
    """``$KERNELSCOPE_DATA_DIR`` if set, else Qt's AppLocalDataLocation for "kernelscope".

    Qt builds that location from the running application's names; kernelscope's QApplication is
    named kernelscope/kernelscope (app.py). Without it (tests, headless tools) the same folder is
    built from GenericDataLocation, so every caller agrees on one place.
    """
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    if QCoreApplication.applicationName() == APP_NAME and QCoreApplication.organizationName() == APP_NAME:
        location = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
        if location:
            return Path(location)
    generic = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    base = Path(generic) if generic else Path.home() / ".local" / "share"
    return base / APP_NAME / APP_NAME


def _dir(directory: str | os.PathLike[str] | None) -> Path:
    return data_dir() if directory is None else Path(os.fspath(directory))


# --------------------------------------------------------------------------- processes


def pid_running(pid: object) -> bool:
    """Whether a process with this id exists (``os.kill(pid, 0)`` semantics, without its traps).

    Not a process id (0, negative, not an int, absurdly large) -> False: ``os.kill(0, 0)`` would
    address our own process group. A process of another user -> True. A pid the system has reused
    for an unrelated process also says True: that only means no recovery is offered. On Windows
    ``os.kill`` would *terminate* the process, so the question goes through OpenProcess instead.
    """
    if not isinstance(pid, int) or isinstance(pid, bool) or not 0 < pid < 2**31:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        return _pid_running_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, it just is not ours
    except (OSError, OverflowError, ValueError):
        return True  # cannot tell: the safe answer is "running" (no offer, nothing removed)
    return True


def _pid_running_windows(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes
    from ctypes import wintypes

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    kernel32.OpenProcess.restype = wintypes.HANDLE
    kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
    kernel32.GetExitCodeProcess.argtypes = (wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD))
    kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
    process_query_limited_information, still_active, error_access_denied = 0x1000, 259, 5
    handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
    if not handle:
        return ctypes.get_last_error() == error_access_denied  # type: ignore[attr-defined]
    try:
        code = wintypes.DWORD()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


# --------------------------------------------------------------------------- files


def _reason(exc: OSError) -> str:
    reason = exc.strerror or type(exc).__name__
    return reason[:1].lower() + reason[1:]


def _write_atomic(path: Path, data: bytes) -> None:
    """Private to this user (0600), atomic; OSError on failure."""
    write_atomic(path, data, mode=0o600, keep_mode=False)


def _marker_bytes(pid: int, source: Path | None, clean_exit: bool = False) -> bytes:
    marker = {
        "pid": pid,
        "clean_exit": clean_exit,
        "source": None if source is None else str(source),
        "saved_at": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    return (json.dumps(marker, indent=2) + "\n").encode("utf-8")


@dataclass(frozen=True)
class _Marker:
    pid: int | None  # None: the marker is missing or unreadable
    clean_exit: bool
    source: Path | None
    saved_at: datetime | None


_NO_MARKER = _Marker(None, False, None, None)


def _read_marker(path: Path) -> _Marker:
    """The marker's fields; a missing or malformed marker reads as "unknown process, not clean"."""
    try:
        if path.stat().st_size > _MAX_MARKER_BYTES:
            return _NO_MARKER
        raw = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return _NO_MARKER
    if not isinstance(raw, dict):
        return _NO_MARKER
    pid = raw.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool):
        pid = None
    clean = raw.get("clean_exit") is True
    source = raw.get("source")
    saved_at = None
    text = raw.get("saved_at")
    if isinstance(text, str):
        try:
            saved_at = datetime.fromisoformat(text)
        except ValueError:
            saved_at = None
    if saved_at is not None and saved_at.tzinfo is None:
        saved_at = saved_at.astimezone()
    return _Marker(pid, clean, Path(source) if isinstance(source, str) and source else None, saved_at)


def _remove(path: Path) -> None:
    """Remove ``path`` if it is there; OSError for anything but "already gone"."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _remove_both(directory: Path) -> None:
    """The session first, the marker second: a marker alone is never offered."""
    _remove(directory / AUTOSAVE_NAME)
    _remove(directory / MARKER_NAME)


# --------------------------------------------------------------------------- recovery


@dataclass(frozen=True)
class Recovery:
    """An autosave left by a run that did not exit normally."""

    session: Session
    saved_at: datetime  # timezone-aware local time of the last autosave
    source: Path | None  # the file that was being edited, or None for an unsaved drawing
    path: Path  # the autosave file itself

    def saved_at_text(self, now: datetime | None = None) -> str:
        """``"today at 14:03"``, ``"yesterday at 09:12"`` or ``"2024-05-01 at 14:03"``."""
        now = now if now is not None else datetime.now().astimezone()
        local = self.saved_at.astimezone(now.tzinfo)
        days = (now.date() - local.date()).days
        day = {0: "today", 1: "yesterday"}.get(days, local.date().isoformat())
        return f"{day} at {local:%H:%M}"


def find_recovery(directory: str | os.PathLike[str] | None = None) -> Recovery | None:
    """The autosave to offer after a crash, or None. Never raises.

    Offered when ``autosave.kscope`` exists and its marker does not say clean_exit and names no
    running process (a missing or unreadable marker counts as a crash: the session was written
    first, so the process died before its first marker). An autosave that does not load is
    removed and None returned; one marked clean is removed too.
    """
    try:
        d = _dir(directory)
        session_path = d / AUTOSAVE_NAME
        if not session_path.is_file():
            return None
        marker = _read_marker(d / MARKER_NAME)
        if marker.clean_exit:
            _try(lambda: _remove_both(d))
            return None
        if marker.pid is not None and pid_running(marker.pid):
            return None  # still running (another window), or a reused pid: not ours to offer
        try:
            session = sessions.load_session(session_path)
            mtime = session_path.stat().st_mtime
        except (SessionError, OSError):
            _try(lambda: _remove_both(d))
            return None
        saved_at = marker.saved_at or datetime.fromtimestamp(mtime).astimezone()
        return Recovery(session=session, saved_at=saved_at, source=marker.source, path=session_path)
    except Exception:  # a recovery question must never stop kernelscope from starting
        return None


def discard_recovery(directory: str | os.PathLike[str] | None = None) -> bool:
    """Remove the autosave files; True when nothing is left. Never raises."""
    return _try(lambda: _remove_both(_dir(directory)))


def _try(action: Callable[[], object]) -> bool:
    try:
        action()
    except OSError:
        return False
    return True


# --------------------------------------------------------------------------- the writer thread


@dataclass(frozen=True)
class _Job:
    kind: str  # "write" or "remove"
    seq: int  # jobs are numbered so a late report of an older job changes nothing
    session: Session | None = None
    source: Path | None = None


class _Writer:
    """One background thread doing one job at a time; a newer job replaces a queued one."""

    def __init__(self, directory: Path, done: Callable[[int, str, str, float], None]) -> None:
        self.directory = directory
        self._done = done
        self._lock = threading.Lock()
        self._next: _Job | None = None
        self._running = False
        self._thread: threading.Thread | None = None

    def submit(self, job: _Job) -> None:
        with self._lock:
            self._next = job
            if self._running:
                return
            self._running = True
            # Not a daemon: an exit waits for a write in progress instead of cutting it off.
            self._thread = threading.Thread(target=self._run, name="kernelscope-autosave")
            self._thread.start()

    def wait(self) -> None:
        """Until the current and queued jobs are done."""
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def cancel_queued(self) -> None:
        with self._lock:
            self._next = None

    def _run(self) -> None:
        while True:
            with self._lock:
                job, self._next = self._next, None
                if job is None:
                    self._running = False
                    return
            kind, message, seconds = self.execute(job)
            try:
                self._done(job.seq, kind, message, seconds)
            except Exception:  # pragma: no cover - the receiver is gone (the app is closing)
                pass

    def execute(self, job: _Job) -> tuple[str, str, float]:
        """Run one job here; ("saved" | "removed" | "failed", message, seconds). Never raises."""
        start = time.perf_counter()
        d = self.directory
        try:
            if job.kind == "write" and job.session is not None:
                d.mkdir(parents=True, exist_ok=True)
                sessions.save_session(job.session, d / AUTOSAVE_NAME)
                _write_atomic(d / MARKER_NAME, _marker_bytes(os.getpid(), job.source))
                return "saved", str(d / AUTOSAVE_NAME), time.perf_counter() - start
            _remove_both(d)
            return "removed", "", time.perf_counter() - start
        except SessionError as exc:
            what = str(exc)
        except OSError as exc:
            where = exc.filename if exc.filename is not None else d
            what = f"cannot write {where}: {_reason(exc)}"
        except Exception as exc:  # a bug must not kill the thread silently
            what = f"{type(exc).__name__}: {exc}"
        if job.kind == "write":
            message = f"Autosave failed: {what}. Save your work with File > Save."
        else:
            message = f"Could not remove the old autosave: {what}"
        return "failed", message, time.perf_counter() - start
