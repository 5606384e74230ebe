"""Heavy computations off the UI thread: one worker, newest request wins, results back on the UI thread.

The document stays Qt-free: it hands this scheduler (generation, job, deliver) and gets the
results through ``deliver`` on the thread that owns it. While a computation runs, newer requests
replace the waiting one instead of queueing behind it, so a drag never builds a backlog. Whatever a
computation raises (MemoryError included) arrives as a ``ComputeFailure``, and the thread goes on.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from kernelscope.core.document import ComputeFailure, Deliver, StackJob


def _one_blas_thread() -> Callable[[], contextlib.AbstractContextManager[object]]:
    """A context that runs BLAS on one thread, so the UI thread keeps a core while we compute.

    Uses threadpoolctl when it is installed (optional: not a dependency); without it the worker
    runs with BLAS's default threads. OpenBLAS's thread count is per process, so for that moment
    the UI thread's own (small, synchronous) BLAS calls run on one thread too.
    """
    try:
        from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]
    except ImportError:
        return contextlib.nullcontext
    try:
        controller = ThreadpoolController().select(user_api="blas")
    except Exception:  # a broken or unknown BLAS: compute as before rather than not at all
        return contextlib.nullcontext
    if not controller.lib_controllers:
        return contextlib.nullcontext
    return lambda: controller.limit(limits=1)


class ComputeWorker(QObject):
    """A single background thread; ``__call__`` is a ``document.Scheduler``."""

    _finished = Signal(object)  # (deliver, generation, result), emitted on the worker thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Condition()
        self._waiting: tuple[int, StackJob, Deliver] | None = None
        self._stopping = False
        self.computations = 0
        # Queued to the thread this object lives on (the UI thread).
        self._finished.connect(self._on_finished)
        self._thread = threading.Thread(target=self._run, name="kernelscope-compute", daemon=True)
        self._thread.start()

    def __call__(self, generation: int, args: StackJob, deliver: Deliver) -> None:
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
        # Found at the first job, not at start: threadpoolctl's import and library scan (holding
        # the GIL) would otherwise slow the window's first paint for every scene.
        one_blas_thread: Callable[[], contextlib.AbstractContextManager[object]] | None = None
        while True:
            with self._lock:
                while self._waiting is None and not self._stopping:
                    self._lock.wait()
                if self._stopping:
                    return
                generation, args, deliver = self._waiting  # type: ignore[misc]
                self._waiting = None
            if one_blas_thread is None:
                one_blas_thread = _one_blas_thread()
            result = self._compute(one_blas_thread, args)
            del args  # while the thread waits, it keeps no arrays alive
            self.computations += 1
            if not self._stopping:
                self._finished.emit((deliver, generation, result))
            del result, deliver

    @staticmethod
    def _compute(
        one_blas_thread: Callable[[], contextlib.AbstractContextManager[object]], args: StackJob
    ) -> Any:
        """The result, or a ComputeFailure: an exception must never end the thread (the maps would
        never update again), and its traceback is dropped with it here."""
        try:
            with one_blas_thread():
                return args()  # a Conv2D's min/max for the colour scale come with it, off the UI thread
        except Exception as exc:  # anything, MemoryError included, becomes one line
            return ComputeFailure.of(exc)

    def _on_finished(self, payload: tuple[Deliver, int, Any]) -> None:
        deliver, generation, result = payload
        deliver(generation, result)
