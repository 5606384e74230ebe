"""Whether the process that wrote a file still runs, asked in a way a reused process id cannot fool:
the writer holds an exclusive lock on a lock file for as long as it lives, and the system lets go
of it when the process ends, however it ends (a normal exit, a crash, kill -9).

POSIX: ``fcntl.flock``, which also excludes a second open of the same file in the same process (two
windows in one process each hold their own). Windows: ``msvcrt.locking`` on the first byte.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["ProcessLock"]

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


class ProcessLock:
    """An exclusive lock on ``path``, held by this process until :meth:`release` or its end."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd = fd

    @classmethod
    def acquire(cls, path: Path) -> ProcessLock | None:
        """The lock (the file is created if missing), or None when another holder has it.

        OSError when the file cannot be opened at all (a read-only folder, not a file).
        """
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags, 0o600)
        try:
            locked = _try_lock(fd)
        except BaseException:
            os.close(fd)
            raise
        if not locked:
            os.close(fd)
            return None
        return cls(Path(path), fd)

    @property
    def held(self) -> bool:
        return self._fd >= 0

    def release(self, remove: bool = False) -> None:
        """Let go; with ``remove``, delete the lock file first (while still holding it, on POSIX, so
        nobody locks a file that is about to disappear). Idempotent; never raises."""
        if self._fd < 0:
            return
        if remove and os.name == "posix":
            _unlink(self.path)
        try:
            os.close(self._fd)
        except OSError:  # pragma: no cover - nothing useful to do
            pass
        self._fd = -1
        if remove and os.name != "posix":  # pragma: no cover - Windows cannot delete an open file
            _unlink(self.path)

    def __del__(self) -> None:
        self.release()


def _unlink(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass
