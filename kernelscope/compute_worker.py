"""Heavy convolutions off the UI thread: one worker, newest request wins, results back on the UI thread.

The document stays Qt-free: it hands this scheduler (generation, args, deliver) and gets the
result through ``deliver`` on the thread that owns it. While a computation runs, newer requests
replace the waiting one instead of queueing behind it, so a drag never builds a backlog.
"""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Signal

from kernelscope import engine
from kernelscope.document import ComputeArgs, Deliver


class ComputeWorker(QObject):
    """A single background thread; ``__call__`` is a ``document.Scheduler``."""

    _finished = Signal(object)  # (deliver, generation, result), emitted on the worker thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Condition()
        self._waiting: tuple[int, ComputeArgs, Deliver] | None = None
        self._stopping = False
        self.computations = 0
        # Queued to the thread this object lives on (the UI thread).
        self._finished.connect(self._on_finished)
        self._thread = threading.Thread(target=self._run, name="kernelscope-compute", daemon=True)
        self._thread.start()

    def __call__(self, generation: int, args: ComputeArgs, deliver: Deliver) -> None:
        with self._lock:
            self._waiting = (generation, args, deliver)  # a newer request replaces an older one
            self._lock.notify()

    def stop(self, timeout: float = 5.0) -> None:
        """Finish the running computation (if any), drop the waiting one, and end the thread."""
        with self._lock:
            self._stopping = True
            self._waiting = None
            self._lock.notify()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                while self._waiting is None and not self._stopping:
                    self._lock.wait()
                if self._stopping:
                    return
                generation, args, deliver = self._waiting  # type: ignore[misc]
                self._waiting = None
            try:
                result: Any = engine.compute(*args)
            except engine.ConvError as exc:  # the document validated; keep the UI alive regardless
                result = exc
            self.computations += 1
            if not self._stopping:
                self._finished.emit((deliver, generation, result))

    def _on_finished(self, payload: tuple[Deliver, int, Any]) -> None:
        deliver, generation, result = payload
        if not isinstance(result, Exception):
            deliver(generation, result)
