"""Autosave while the person works: a timer on the UI thread takes snapshots of the document, and
the recovery files (``kernelscope.files.recovery``) are written on a background thread. Each
Autosaver (each window) writes files of its own and removes only those.

A change starts a single-shot timer; when it fires the session is written if the document is
modified, so a burst of edits is one write and a long stroke is still saved every interval. After a
slow write the next interval stretches, so autosaving stays a small share of a thread's time.
The whole scheme (files, markers, timing, failures): docs/autosave.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from kernelscope.files.recovery import (
    MAX_STRETCHED_INTERVAL_MS,
    STRETCH,
    Recovery,
    Snapshot,
    _dir,
    _Job,
    _marker_bytes,
    _try,
    _write_atomic,
    _Writer,
)

__all__ = ["Autosaver"]


# --------------------------------------------------------------------------- the autosaver


class Autosaver(QObject):
    """Writes the document to the data directory a moment after it changes (see the module doc).

    Signals (always emitted on the thread that owns the Autosaver):
      ``saved(str)``: the autosave file was written (its path);
      ``failed(str)``: a plain message for the status bar, once per streak of failures.
    """

    saved = Signal(str)
    failed = Signal(str)
    _job_done = Signal(int, str, str, float)  # from the writer thread, queued to this object's thread

    _CHANGE_SIGNALS = ("input_changed", "kernels_changed", "spec_changed", "history_changed")

    def __init__(
        self,
        document: Any,
        data_dir: str | os.PathLike[str] | None = None,
        interval_ms: int = 3000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.directory = _dir(data_dir)
        self.interval_ms = max(0, int(interval_ms))
        self._source: Path | None = None
        self._stopped = False
        self._wrote = False  # this window's files (or a restored autosave's) are on disk
        self._last_write_s = 0.0
        self._failing = False
        self._seq = 0  # the last job handed out
        self._applied = 0  # the newest job whose report was applied
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._on_timeout)
        self._writer = _Writer(self.directory, self._job_done.emit)
        self._job_done.connect(self._on_job_done, Qt.ConnectionType.QueuedConnection)
        for name in self._CHANGE_SIGNALS:
            getattr(document, name).connect(self._on_document_changed)

    # ------------------------------------------------------------------ state
    @property
    def pending(self) -> bool:
        """A change is waiting for the timer."""
        return self._timer.isActive()

    @property
    def session_path(self) -> Path:
        """This window's autosave: a name of its own, so other windows never write over it."""
        return self._writer.files.session

    @property
    def marker_path(self) -> Path:
        return self._writer.files.marker

    @property
    def lock_path(self) -> Path:
        """Locked by this process from the first write until the files are removed."""
        return self._writer.files.lock

    @property
    def source(self) -> Path | None:
        return self._source

    def set_source(self, path: str | os.PathLike[str] | None) -> None:
        """The file being edited, recorded in the marker at the next write (None: unsaved drawing)."""
        self._source = None if path is None else Path(os.fspath(path))

    def next_interval_ms(self) -> int:
        """``interval_ms``, stretched after slow writes so autosaving stays a small share of time."""
        stretched = int(self._last_write_s * 1000 * STRETCH)
        return max(self.interval_ms, min(stretched, MAX_STRETCHED_INTERVAL_MS))

    # ------------------------------------------------------------------ life cycle
    def flush(self) -> bool:
        """If a change is pending, write it now on this thread; True when nothing failed."""
        if self._stopped or not self._timer.isActive():
            return True
        self._timer.stop()
        job = self._job()
        if job is None:
            return True
        self._writer.cancel_queued()
        self._writer.wait()
        kind, message, seconds = self._writer.execute(job)
        self._on_job_done(job.seq, kind, message, seconds)
        return kind != "failed"

    def stop(self) -> None:
        """No more autosaves: stop the timer, let go of the document, finish a write in progress."""
        self._stopped = True
        try:
            self._timer.stop()
        except RuntimeError:  # pragma: no cover - the C++ timer is already gone
            pass
        for name in self._CHANGE_SIGNALS:
            try:
                getattr(self.document, name).disconnect(self._on_document_changed)
            except Exception:  # pragma: no cover - already disconnected by someone else
                pass
        self._writer.cancel_queued()
        self._writer.wait()

    def adopt(self, recovery: Recovery) -> bool:
        """The person restored ``recovery``: its files are now this window's (locked, so no other
        start offers them) until this window's own first write replaces them; saving, undoing back
        or a clean exit removes them. Its source becomes the marker's source until ``set_source``
        says otherwise. False if another running window restored it first (then it is theirs)."""
        self._writer.cancel_queued()
        self._writer.wait()
        self.set_source(recovery.source)
        if not self._writer.inherit(recovery.files, recovery.source):
            return False
        self._wrote = True
        return True

    def finish_clean(self) -> bool:
        """At a normal exit: stop, then remove this window's autosave (the work is saved or discarded).

        Only this window's files (and a restored autosave it took over) are touched: other windows'
        and the autosaves nobody has answered the recovery question for stay. If the files cannot
        be removed, the marker is rewritten with clean_exit true so nothing is offered. Returns True
        when nothing of this window is left to recover. Never raises.
        """
        self.stop()
        try:
            self._writer.remove_all()
        except OSError:
            ok = not self._wrote or _try(
                lambda: _write_atomic(self.marker_path, _marker_bytes(os.getpid(), None, True))
            )
            self._writer.release()
            if not ok:
                return False
        self._wrote = False
        return True

    # ------------------------------------------------------------------ internals
    def _on_document_changed(self, *_args: object) -> None:
        try:
            if not self._stopped and not self._timer.isActive():
                self._timer.start(self.next_interval_ms())
        except RuntimeError:  # the C++ side was deleted before the document let go of us
            self._stopped = True

    def _job(self) -> _Job | None:
        if self.document.problem is not None:
            return None  # a stack that does not fit cannot be saved: the last autosave stays until it fits
        if self.document.modified:
            self._seq += 1
            return _Job("write", self._seq, self._snapshot(), self._source)
        if self._wrote:
            self._seq += 1
            return _Job("remove", self._seq)
        return None  # unchanged, and the files on disk (if any) are not ours to remove

    def _snapshot(self) -> Snapshot:
        """What ``document.to_session()`` holds, without building (checking) the Session here: the
        document's arrays never change once made, so the writer thread can take it from there."""
        return self.document.session_parts()

    def _on_timeout(self) -> None:
        try:
            if self._stopped:
                return
            job = self._job()
            if job is not None:
                self._writer.submit(job)
        except Exception as exc:  # never into the event loop
            self._report(f"Autosave failed: {type(exc).__name__}: {exc}")

    def _on_job_done(self, seq: int, kind: str, message: str, seconds: float) -> None:
        if seq < self._applied:
            return  # an older job reported after a newer one (flush() ran a newer one here)
        self._applied = seq
        if kind == "saved":
            self._wrote = True
            self._last_write_s = seconds
            self._failing = False
            self.saved.emit(message)
        elif kind == "removed":
            self._wrote = False
            self._failing = False
        else:
            self._report(message)

    def _report(self, message: str) -> None:
        if not self._failing:
            self._failing = True
            self.failed.emit(message)
