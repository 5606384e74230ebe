"""The one way kernelscope writes a file: never half of one, and never over something that is not a file.

Sessions, autosaves and exports all go through :func:`write_atomic`: a temporary file beside the
target, flushed and fsynced, then renamed over it, so the target is either the old file or the
complete new one. A symbolic link is followed to the file it names (the link stays a link); a
folder, pipe, device or socket at the path is refused before anything is opened. Each caller turns
the ``OSError`` into its own message, most with :func:`write_error`.

Temporary files are named ``.<name>.kscope-tmp-<16 hex digits>``. One left by a run that died
(kill -9, power loss) is removed by the next write in that folder once it is older than
:data:`STALE_TEMP_SECONDS`: a live writer's temporary file lives for seconds, and age is a rule that
works across processes, users' sessions and network folders where process ids mean nothing. Only
regular files with that exact pattern, owned by this user, are ever removed.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import time
from pathlib import Path

from kernelscope.files.regular_file import NotAFileError, kind_text, resolve_link

__all__ = [
    "STALE_TEMP_SECONDS",
    "TEMP_MARK",
    "NotAFileError",
    "check_target",
    "clean_stale_temporaries",
    "write_atomic",
    "write_error",
]

TEMP_MARK = ".kscope-tmp-"
"""In the name of every temporary file kernelscope writes: ``.<name>.kscope-tmp-<hex>``."""
STALE_TEMP_SECONDS = 10 * 60
"""A temporary file untouched this long belongs to a run that died; the next write there removes it."""

_TEMP_NAME = re.compile(r"\..+\.kscope-tmp-[0-9a-f]{16}", re.DOTALL)
_NOT_A_FILE = "not a file (kernelscope writes only to regular files)"


def write_atomic(path: Path, data: bytes | bytearray, mode: int = 0o666, keep_mode: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically and return the file written (a link's target).

    ``OSError`` on failure (:class:`NotAFileError` for what is not a regular file), the temporary
    file removed. A new file gets ``mode`` less the umask; an existing one keeps its permissions when
    ``keep_mode`` (a person's session stays as readable as they made it). Autosaves pass
    ``mode=0o600, keep_mode=False`` to stay private whatever was there before.
    """
    target, st = _real_target(Path(path))
    old_mode = stat.S_IMODE(st.st_mode) if keep_mode and st is not None else None
    clean_stale_temporaries(target.parent)
    tmp = target.with_name(f".{target.name}{TEMP_MARK}{secrets.token_hex(8)}")
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
    return target


def check_target(path: Path) -> Path:
    """The file a write to ``path`` would replace (a link's target); :class:`NotAFileError` when it is
    not a regular file or cannot be one. Lets an export refuse before doing its work."""
    return _real_target(Path(path))[0]


def _real_target(shown: Path) -> tuple[Path, os.stat_result | None]:
    if not shown.name:
        raise NotAFileError(errno.EINVAL, "an empty name is not a file name")
    target = resolve_link(shown)
    via = "" if target == shown else f"leads to {target}, which "
    try:
        st = os.stat(target)
    except FileNotFoundError:
        if via and not target.parent.is_dir():
            raise NotAFileError(errno.ENOENT, f"is a link to {target}, whose folder does not exist") from None
        return target, None
    kind = kind_text(st.st_mode)
    if kind == "a directory":
        raise NotAFileError(errno.EISDIR, f"{via}is a directory")
    if kind is not None:
        raise NotAFileError(errno.EINVAL, f"{via}is {kind}, {_NOT_A_FILE}")
    return target, st


def write_error(path: object, exc: OSError, lower: bool = True) -> str:
    """The one-line message for a failed write: ``cannot write PATH: reason`` (the system's reason
    starts lower case unless ``lower`` is False, as exports have always said it)."""
    shown = '""' if str(path) in ("", ".") else str(path)
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"cannot write {shown}: {reason[:1].lower() + reason[1:] if lower else reason}"


def clean_stale_temporaries(folder: Path, now: float | None = None) -> list[str]:
    """Remove kernelscope's temporary files in ``folder`` older than :data:`STALE_TEMP_SECONDS`.

    Best effort, never raises; returns the names removed. Anything that is not a regular file of
    ours with the exact temporary name is left alone.
    """
    limit = (time.time() if now is None else now) - STALE_TEMP_SECONDS
    uid = getattr(os, "getuid", lambda: None)()
    removed: list[str] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if TEMP_MARK not in entry.name or not _TEMP_NAME.fullmatch(entry.name):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(st.st_mode) or st.st_mtime > limit or (uid is not None and st.st_uid != uid):
                continue
            os.unlink(entry.path)
        except OSError:
            continue
        removed.append(entry.name)
    return removed


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
