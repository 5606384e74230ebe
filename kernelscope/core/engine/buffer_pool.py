"""Output arrays carved from a few kept buffers, so a recompute writes into memory already mapped.

A fresh array of a few hundred KB to a few MB may come straight from the operating system, and
then every page faults on its first write, which made a mid-sized recompute several times slower
whenever the heap had just been trimmed. Arrays of 4 MiB and more are left to NumPy, which asks for
huge pages there.

A buffer is handed out again only when no array made from it is alive (CPython's reference count
says so), so a result that is still shown, saved or stepped through never changes under anyone.
"""

from __future__ import annotations

import math
import sys
import threading

import numpy as np

__all__ = ["BufferPool"]

# Past this size NumPy madvises huge pages, so page faults are few and a fresh array is as fast.
POOLED_MAX_BYTES = 4 << 20
# Below this, malloc serves arrays from memory it keeps: nothing to gain, and a slot to lose.
POOLED_MIN_BYTES = 64 << 10


class BufferPool:
    """Hands out uninitialised float32 arrays; ``keep`` buffers at most are kept for reuse."""

    def __init__(self, keep: int = 8, max_bytes: int = POOLED_MAX_BYTES, min_bytes: int = POOLED_MIN_BYTES) -> None:
        self._keep = keep
        self._max_items = max_bytes // 4
        self._min_items = min_bytes // 4
        self._buffers: list[np.ndarray] = []
        self._lock = threading.Lock()

    @staticmethod
    def _free(buffers: list[np.ndarray], i: int) -> bool:
        # References while free: the list's, and getrefcount's own argument.
        return sys.getrefcount(buffers[i]) <= 2

    def empty(self, shape: tuple[int, ...]) -> np.ndarray:
        """A C-contiguous float32 array of ``shape`` (contents undefined), from a free buffer when
        one is large enough."""
        n = math.prod(shape)
        if not self._min_items <= n <= self._max_items:
            return np.empty(shape, dtype=np.float32)
        with self._lock:
            buffers = self._buffers
            best = -1
            for i in range(len(buffers)):
                fits = buffers[i].size >= n and (best < 0 or buffers[i].size < buffers[best].size)
                if fits and self._free(buffers, i):
                    best = i
            if best < 0:
                buffer = np.empty(n, dtype=np.float32)
                if len(buffers) < self._keep:
                    buffers.append(buffer)
                else:  # replace the smallest free buffer, if any is free
                    free = [i for i in range(len(buffers)) if self._free(buffers, i)]
                    if free:
                        buffers[min(free, key=lambda i: buffers[i].size)] = buffer
                return buffer.reshape(shape)
            return buffers[best][:n].reshape(shape)

    def kept_bytes(self) -> int:
        """Memory the pool holds on to (at most ``keep`` x ``max_bytes``)."""
        with self._lock:
            return sum(b.nbytes for b in self._buffers)
