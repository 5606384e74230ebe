"""What the engine has already checked, remembered by the arrays' identity.

The document hands the engine immutable float32 arrays: read-only, as is all the memory they use,
so they can never change. Once such an array passed the checks (its values finite, its kernels
turned into the GEMM's matrix), the same object needs no check, copy or matrix again: a recompute
after an input edit reuses the kernels' matrix, one after a weight edit trusts the input. Entries
hold weak references, so an id reused by a new array after the old one died never matches.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Hashable
from typing import Any, Generic, TypeVar

import numpy as np

__all__ = ["IdentityCache", "immutable_float32"]

Value = TypeVar("Value")


def immutable_float32(value: Any) -> bool:
    """A float32 ndarray that nobody can change: read-only, as is every array whose memory it uses."""
    if type(value) is not np.ndarray or value.dtype != np.float32:
        return False
    arr: Any = value
    while isinstance(arr, np.ndarray):
        if arr.flags.writeable:
            return False
        arr = arr.base
    return arr is None or isinstance(arr, bytes)


class IdentityCache(Generic[Value]):
    """Up to ``size`` values, each keyed by some arrays' identities (plus any hashable extra); the
    oldest entry goes first. Safe to share between the UI thread and the compute worker."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: dict[Hashable, tuple[list[weakref.ref[np.ndarray]], Value]] = {}
        self._lock = threading.Lock()

    def get(self, arrays: tuple[np.ndarray, ...], extra: Hashable = None) -> Value | None:
        """The value kept for these very arrays, while they are alive and read-only. (An owner may
        make its array writable again: the entry is dropped when that is seen, but an array changed
        and frozen again between two calls is not noticed. The document never does that.)"""
        key = (*[id(a) for a in arrays], extra)
        entry = self._entries.get(key)
        if entry is None:
            return None
        refs, value = entry
        for ref, arr in zip(refs, arrays):  # noqa: B905  (same length: the key holds one id per array)
            if ref() is not arr:  # a dead array's id
                return None
            if arr.flags.writeable:  # taken back by its owner: no longer to be trusted
                with self._lock:
                    self._entries.pop(key, None)
                return None
        return value

    def put(self, arrays: tuple[np.ndarray, ...], value: Value, extra: Hashable = None) -> None:
        """Remember ``value`` for ``arrays``, which the caller found immutable."""
        key = (*[id(a) for a in arrays], extra)
        entry = ([weakref.ref(a) for a in arrays], value)
        entries = self._entries
        with self._lock:
            entries.pop(key, None)
            entries[key] = entry
            if len(entries) > self._size:
                del entries[next(iter(entries))]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
