"""The one way kernelscope writes a file: never half of one.

Sessions, autosaves and exports all go through :func:`write_atomic`: a temporary file beside the
target, flushed and fsynced, then renamed over it, so the target is either the old file or the
complete new one. Each caller turns the ``OSError`` into its own message.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

__all__ = ["write_atomic"]


def write_atomic(path: Path, data: bytes, mode: int = 0o666, keep_mode: bool = True) -> None:
    """Write ``data`` to ``path`` atomically; ``OSError`` on failure, the temporary file removed.

    A new file gets ``mode`` less the umask; an existing one keeps its permissions when
    ``keep_mode`` (a person's session stays as readable as they made it).
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    old_mode = None
    if keep_mode:
        try:
            old_mode = stat.S_IMODE(os.stat(target).st_mode)
        except OSError:
            pass
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fd = -1  # the file object owns it now
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if old_mode is not None:
            os.chmod(tmp, old_mode)
        os.replace(tmp, target)
    except BaseException:
        if fd >= 0:
            os.close(fd)
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass  # the first error is the one to report
        raise
    _fsync_directory(target.parent)


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable where the platform allows it (POSIX); best effort."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
