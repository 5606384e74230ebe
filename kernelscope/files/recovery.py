"""Autosave files and recovery after a crash: each window's autosaved session plus a marker, under
a name of its own, guarded by a lock its process holds while it lives (``process_lock``), written
atomically on a background thread, so a run that did not exit cleanly can be offered back at the
next start. Files, timing and failure reporting: docs/autosave.md.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QStandardPaths

from kernelscope.files import sessions
from kernelscope.files.atomic_file import write_atomic
from kernelscope.files.process_lock import ProcessLock
from kernelscope.files.sessions import Session, SessionError

__all__ = [
    "AUTOSAVE_NAME",
    "DATA_DIR_ENV",
    "MARKER_NAME",
    "AutosaveFiles",
    "Recovery",
    "RecoveryScan",
    "Snapshot",
    "data_dir",
    "discard_recovery",
    "find_recoveries",
    "find_recovery",
    "pid_running",
]

DATA_DIR_ENV = "KERNELSCOPE_DATA_DIR"
AUTOSAVE_NAME = "autosave.kscope"  # the single pair of kernelscope before one autosave per window:
MARKER_NAME = "autosave.json"  # still found and offered (liveness by its marker's pid, as then)
_PREFIX = "autosave-"
_SESSION, _MARKER, _LOCK = ".kscope", ".json", ".lock"
UNREADABLE = ".unreadable-"
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


@dataclass(frozen=True)
class AutosaveFiles:
    """One window's autosave: ``<stem>.kscope`` (the session), ``<stem>.json`` (the marker) and
    ``<stem>.lock`` (held by the writing process while it lives) in the data directory."""

    directory: Path
    stem: str

    @classmethod
    def new(cls, directory: Path) -> AutosaveFiles:
        """A name no other window uses: random, so neither a second window nor a reused pid collides."""
        return cls(directory, _PREFIX + secrets.token_hex(6))

    @classmethod
    def of(cls, session_path: Path) -> AutosaveFiles:
        return cls(session_path.parent, session_path.name[: -len(_SESSION)])

    @property
    def legacy(self) -> bool:
        """The one pair of earlier versions: no lock file, its marker's pid says who runs."""
        return self.stem + _SESSION == AUTOSAVE_NAME

    @property
    def session(self) -> Path:
        return self.directory / (self.stem + _SESSION)

    @property
    def marker(self) -> Path:
        return self.directory / (self.stem + _MARKER)

    @property
    def lock(self) -> Path:
        return self.directory / (self.stem + _LOCK)

    def remove(self, lock: ProcessLock | None = None) -> None:
        """The session first, the marker second (a marker alone is never offered), the lock last.
        OSError for anything but "already gone"."""
        _remove(self.session)
        _remove(self.marker)
        if lock is not None:
            lock.release(remove=True)


def _reason(exc: OSError) -> str:
    reason = exc.strerror or type(exc).__name__
    return reason[:1].lower() + reason[1:]


def _write_atomic(path: Path, data: bytes | bytearray) -> None:
    """Private to this user (0600), atomic; OSError on failure. A bytearray is written as it is
    (``write_atomic`` hands it to ``file.write``, which takes any buffer): no copy of the whole file."""
    write_atomic(path, data, mode=0o600)


def _encoded(pieces: Iterator[str]) -> bytearray:
    """UTF-8 of the pieces in a bytearray grown in place (not copied into bytes): never one huge
    string built or encoded in one call, which would hold the GIL (and stall the UI thread) for
    long."""
    data = bytearray()
    for piece in pieces:
        data += piece.encode("utf-8")
        time.sleep(0)  # let a waiting UI thread have the GIL now, not at the end of a switch interval
    return data


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


def _try(action: Callable[[], object]) -> bool:
    try:
        action()
    except OSError:
        return False
    return True


# --------------------------------------------------------------------------- recovery


@dataclass(frozen=True)
class Recovery:
    """An autosave left by a run that did not exit normally."""

    session: Session
    saved_at: datetime  # timezone-aware local time of the last autosave
    source: Path | None  # the file that was being edited, or None for an unsaved drawing
    path: Path  # the autosave file itself

    @property
    def files(self) -> AutosaveFiles:
        return AutosaveFiles.of(self.path)

    @property
    def title(self) -> str:
        """What the person called it: the session's title, else the file's name, else "untitled"."""
        if self.session.title.strip():
            return self.session.title.strip()
        return self.source.name if self.source is not None else "untitled"

    def saved_at_text(self, now: datetime | None = None) -> str:
        """``"today at 14:03"``, ``"yesterday at 09:12"`` or ``"2024-05-01 at 14:03"``."""
        now = now if now is not None else datetime.now().astimezone()
        local = self.saved_at.astimezone(now.tzinfo)
        days = (now.date() - local.date()).days
        day = {0: "today", 1: "yesterday"}.get(days, local.date().isoformat())
        return f"{day} at {local:%H:%M}"

    def discard(self) -> bool:
        """The person declined it: remove its files, unless another window has restored it since.
        True when it is no longer on offer. Never raises."""
        return _try(lambda: _with_orphan(self.files, lambda lock: self.files.remove(lock)))

    def keep_aside(self, reason: str) -> str:
        """It cannot be restored (``reason``): rename it aside, never delete it; the one-line report.
        Never raises."""
        lines: list[str] = []
        try:
            _with_orphan(self.files, lambda lock: lines.append(_keep_aside(self.files, reason, lock)))
        except OSError as exc:
            return f"Could not keep aside the autosave {self.path} ({reason}): {_reason(exc)}"
        return lines[0] if lines else f"Could not restore the autosave {self.path}: {reason}"


@dataclass(frozen=True)
class RecoveryScan:
    """What a start finds: the autosaves to offer (newest first) and those it had to keep aside."""

    offers: tuple[Recovery, ...] = ()
    kept_aside: tuple[str, ...] = field(default=())  # one line per file, each naming the new name

    @property
    def report(self) -> str | None:
        """The kept-aside files in one line for the status bar, or None."""
        if not self.kept_aside:
            return None
        if len(self.kept_aside) == 1:
            return self.kept_aside[0]
        return f"Kept aside {len(self.kept_aside)} autosaves kernelscope cannot read: " + "; ".join(
            line.split(": ", 1)[1] for line in self.kept_aside
        )


def _candidates(directory: Path) -> Iterator[AutosaveFiles]:
    """Every autosave in the folder, by its session file or its lock file (a leftover to clean)."""
    stems = set()
    for entry in directory.iterdir():
        name = entry.name
        for suffix in (_SESSION, _LOCK):
            if name.endswith(suffix) and name.startswith(_PREFIX) and len(name) > len(_PREFIX + suffix):
                stems.add(name[: -len(suffix)])
    if (directory / AUTOSAVE_NAME).is_file():
        stems.add(AUTOSAVE_NAME[: -len(_SESSION)])
    for stem in sorted(stems):
        yield AutosaveFiles(directory, stem)


def _with_orphan(files: AutosaveFiles, action: Callable[[ProcessLock | None], object]) -> bool:
    """Run ``action`` while holding the autosave's lock, only if no running process holds it; True
    if it ran. The legacy pair has no lock: its marker's pid decides, as it did then."""
    if files.legacy:
        marker = _read_marker(files.marker)
        if not marker.clean_exit and marker.pid is not None and pid_running(marker.pid):
            return False
        action(None)
        return True
    lock = ProcessLock.acquire(files.lock)
    if lock is None:
        return False  # a running window's
    try:
        action(lock)
    finally:
        lock.release()
    return True


def _keep_aside(files: AutosaveFiles, reason: str, lock: ProcessLock | None) -> str:
    """Rename the session to ``<name>.unreadable-<time>`` (a name no scan looks at again), drop its
    marker and lock, and say so in one line. OSError if it cannot be renamed."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = files.session.with_name(f"{files.session.name}{UNREADABLE}{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = files.session.with_name(f"{files.session.name}{UNREADABLE}{stamp}-{n}")
    os.replace(files.session, target)
    _try(lambda: files.remove(lock))
    return f"Kept aside an autosave kernelscope cannot read: {target} ({reason})"


def _examine(files: AutosaveFiles, lock: ProcessLock | None, offers: list[Recovery], kept: list[str]) -> None:
    """With the autosave's lock held: offer it, keep it aside, or clean up what is left of it."""
    marker = _read_marker(files.marker)
    if not files.session.is_file() or marker.clean_exit:
        files.remove(lock)  # cleanly ended, or a marker and lock without a session: nothing to offer
        return
    try:
        session = sessions.load_session(files.session)
    except Exception as exc:  # any reason at all: kept, never deleted
        reason = str(exc).removeprefix(f"{files.session}: ") if isinstance(exc, SessionError) else type(exc).__name__
        kept.append(_keep_aside(files, reason, lock))
        return
    saved_at = marker.saved_at or datetime.fromtimestamp(files.session.stat().st_mtime).astimezone()
    offers.append(Recovery(session=session, saved_at=saved_at, source=marker.source, path=files.session))


def find_recoveries(directory: str | os.PathLike[str] | None = None) -> RecoveryScan:
    """Every autosave no running kernelscope holds, newest first; unreadable ones renamed aside.

    An autosave is offered when its lock can be taken (its process is gone, whatever its pid is
    now) and its marker does not say clean_exit (a missing or unreadable marker counts as a crash:
    the session was written first). One marked clean, or a marker and lock without a session, is
    removed. Never raises: a recovery question must never stop kernelscope from starting.
    """
    offers: list[Recovery] = []
    kept: list[str] = []
    try:
        d = _dir(directory)
        if not d.is_dir():
            return RecoveryScan()
        for files in _candidates(d):
            try:
                _with_orphan(files, lambda lock, files=files: _examine(files, lock, offers, kept))  # type: ignore[misc]
            except OSError:
                continue  # this one cannot be looked at now; the next start tries again
    except Exception:
        pass
    offers.sort(key=lambda r: r.saved_at, reverse=True)
    return RecoveryScan(tuple(offers), tuple(kept))


def find_recovery(directory: str | os.PathLike[str] | None = None) -> Recovery | None:
    """The newest autosave to offer after a crash, or None (see :func:`find_recoveries`)."""
    offers = find_recoveries(directory).offers
    return offers[0] if offers else None


def discard_recovery(directory: str | os.PathLike[str] | None = None) -> bool:
    """Remove every autosave in the folder that no running kernelscope holds; True when nothing of
    theirs is left. Kept-aside files stay. Never raises."""
    try:
        d = _dir(directory)
        if not d.is_dir():
            return True
        return all(
            _try(lambda files=files: _with_orphan(files, lambda lock, files=files: files.remove(lock)))  # type: ignore[misc]
            for files in list(_candidates(d))
        )
    except Exception:
        return False


# --------------------------------------------------------------------------- the writer thread


class Snapshot(Protocol):
    """The document's pieces as they are now, taken on the UI thread without copying (its arrays
    are immutable); the writer thread builds and checks the Session and serializes it."""

    def session(self) -> Session: ...


@dataclass(frozen=True)
class _Job:
    kind: str  # "write" or "remove"
    seq: int  # jobs are numbered so a late report of an older job changes nothing
    snapshot: Snapshot | Session | None = None
    source: Path | None = None


class _Writer:
    """One background thread doing one job at a time; a newer job replaces a queued one.

    Owns this window's files and their lock (taken at the first write, held until they are removed),
    plus the files of a restored autosave (``inherit``), removed once this window's own replace them.
    """

    def __init__(self, directory: Path, done: Callable[[int, str, str, float], None]) -> None:
        self.directory = directory
        self.files = AutosaveFiles.new(directory)
        self._own_lock: ProcessLock | None = None
        self._inherited: list[tuple[AutosaveFiles, ProcessLock | None]] = []
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

    def inherit(self, files: AutosaveFiles, source: Path | None) -> bool:
        """Take a restored autosave's files (and lock) until this window's own replace them; False
        if another running window holds them. Call with no job running (after ``wait``)."""
        if files.legacy:  # no lock to take: its marker names this process instead, as then
            if not _try(lambda: _write_atomic(files.marker, _marker_bytes(os.getpid(), source))):
                return False
            self._inherited.append((files, None))
            return True
        try:
            lock = ProcessLock.acquire(files.lock)
        except OSError:
            return False
        if lock is None:
            return False
        self._inherited.append((files, lock))
        return True

    def remove_all(self) -> None:
        """This window's files and the inherited ones; OSError if one could not be removed."""
        self.files.remove()
        if self._own_lock is not None:
            self._own_lock.release(remove=True)
            self._own_lock = None
        self._drop_inherited()

    def release(self) -> None:
        """Let go of every lock without removing anything (the process is ending uncleanly)."""
        for _files, lock in self._inherited:
            if lock is not None:
                lock.release()
        if self._own_lock is not None:
            self._own_lock.release()

    def _drop_inherited(self) -> None:
        while self._inherited:
            files, lock = self._inherited[0]
            files.remove(lock)
            self._inherited.pop(0)

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

    def _write(self, job: _Job) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        if self._own_lock is None:
            self._own_lock = ProcessLock.acquire(self.files.lock)
            if self._own_lock is None:  # pragma: no cover - a random name nobody else uses
                raise OSError(0, "another kernelscope holds it", str(self.files.lock))
        snapshot = job.snapshot
        session = snapshot if isinstance(snapshot, Session) else snapshot.session()  # type: ignore[union-attr]
        sessions.check_savable(session)  # an autosave that could not be restored keeps nothing
        _write_atomic(self.files.session, _encoded(sessions.session_text_pieces(session)))
        _write_atomic(self.files.marker, _marker_bytes(os.getpid(), job.source))
        self._drop_inherited()

    def execute(self, job: _Job) -> tuple[str, str, float]:
        """Run one job here; ("saved" | "removed" | "failed", message, seconds). Never raises."""
        start = time.perf_counter()
        try:
            if job.kind == "write" and job.snapshot is not None:
                self._write(job)
                return "saved", str(self.files.session), time.perf_counter() - start
            self.remove_all()
            return "removed", "", time.perf_counter() - start
        except SessionError as exc:
            what = str(exc)
        except OSError as exc:
            where = exc.filename if exc.filename is not None else self.directory
            what = f"cannot write {where}: {_reason(exc)}"
        except Exception as exc:  # a bug must not kill the thread silently
            what = f"{type(exc).__name__}: {exc}"
        if job.kind == "write":
            message = f"Autosave failed: {what}. Save your work with File > Save."
        else:
            message = f"Could not remove the old autosave: {what}"
        return "failed", message, time.perf_counter() - start
