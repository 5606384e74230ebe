"""What a path really is, before kernelscope reads or replaces it.

A FIFO opened for reading blocks forever, ``/dev/zero`` never ends, and replacing a device or a
symbolic link with a regular file loses what was there. So every read and write looks first
(``stat``, never ``open``) and only touches regular files; reads stop at a cap on the bytes
actually read, not on the size a file claims.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from pathlib import Path

__all__ = [
    "LOOP_TEXT",
    "FileTooLargeError",
    "NotAFileError",
    "kind_text",
    "read_bounded",
    "resolve_link",
]

LOOP_TEXT = "is a symbolic link that leads in a circle (a symlink loop)"
_MAX_LINKS = 40  # Linux's own limit on links followed in one path
_CHUNK = 1 << 20


class NotAFileError(OSError):
    """The path is a folder, pipe, device, socket or symlink loop; ``strerror`` says which."""


class FileTooLargeError(OSError):
    """More than the cap was read; ``size`` is what is known of the file's size (at least cap + 1)."""

    def __init__(self, size: int) -> None:
        super().__init__(errno.EFBIG, "file too large")
        self.size = size


def kind_text(mode: int) -> str | None:
    """None for a regular file, else what it is, in words ("a named pipe (FIFO)")."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a device (character special file)"
    if stat.S_ISBLK(mode):
        return "a device (block special file)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _loop() -> NotAFileError:
    return NotAFileError(errno.ELOOP, LOOP_TEXT)


def resolve_link(path: Path) -> Path:
    """The file a chain of symbolic links ends at (``path`` itself when it is no link).

    The final name need not exist (a dangling link names the file to create). Folders on the way
    are left as they are: only the last name is followed, as ``open`` would.
    """
    current = Path(path)
    for _ in range(_MAX_LINKS):
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            return current
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise _loop() from None
            raise
        if not stat.S_ISLNK(st.st_mode):
            return current
        current = current.parent / os.readlink(current)
    raise _loop()


def _stat(path: Path) -> os.stat_result:
    try:
        return os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _loop() from None
        raise


def read_bounded(path: Path, cap: int) -> bytes:
    """The bytes of a regular file, at most ``cap`` of them.

    Refuses (:class:`NotAFileError`) anything else before opening it, and opens without blocking in
    case a pipe took the file's place meanwhile. :class:`FileTooLargeError` when the file holds more
    than ``cap`` bytes, whatever size it claimed (a file that grows is read to ``cap + 1`` at most).
    """
    kind = kind_text(_stat(path).st_mode)
    if kind is not None:
        raise NotAFileError(errno.EISDIR if kind == "a directory" else errno.EINVAL, f"is {kind}")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb", buffering=0) as f:
        st = os.fstat(f.fileno())
        kind = kind_text(st.st_mode)
        if kind is not None:
            raise NotAFileError(errno.EINVAL, f"is {kind}")
        if st.st_size > cap:
            raise FileTooLargeError(st.st_size)
        chunks = [_read_exactly(f, st.st_size + 1)]  # one more byte tells a file that grew
        total = len(chunks[0])
        while total > st.st_size and total <= cap:
            chunk = _read_exactly(f, min(_CHUNK, cap + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    if total > cap:
        raise FileTooLargeError(total)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _read_exactly(f: io.FileIO, n: int) -> bytes:
    """Up to ``n`` bytes, fewer only at the end of the file."""
    parts: list[bytes] = []
    left = n
    while left > 0:
        part = f.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)
