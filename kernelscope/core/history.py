"""Undo and redo for the document: snapshots, undo groups and the saved marker.

An edit (or a group of edits, such as a paint stroke from press to release) becomes one named
step holding the state from before it. Arrays and layers are immutable, so a snapshot is a few
references and two states are told apart by identity, never by comparing every value.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np

from kernelscope.core.engine import Layer

UNDO_LIMIT = 200
"""Steps kept; the oldest go first."""

UNDO_BYTES_LIMIT = 256 * 1024 * 1024
"""Memory the kept steps' arrays may hold (an array shared by several steps counts once); past it
the oldest steps go first, but the newest step is always kept."""


@dataclass(frozen=True)
class Snapshot:
    """The data an undo step restores, plus the selection that goes back with it."""

    input: np.ndarray
    layers: tuple[Layer, ...]
    value_mode: str
    selected_layer: int
    selected_filter: int
    lesson: tuple[str, str] = ("", "")  # title and notes: a paste or a picture clears them, undo brings them back
    names: tuple[str, ...] = ()  # each layer's Keras name
    class_names: tuple[str, ...] = ()  # the labels of the last layer's outputs
    opened: tuple[Layer | None, ...] = ()  # each layer as it was opened (None: added since), for "edited"

    def arrays(self) -> Iterator[np.ndarray]:
        """The arrays this snapshot keeps alive: the input and every layer's weights."""
        yield self.input
        for layer in self.layers:
            yield from (v for v in getattr(layer, "__dict__", {}).values() if isinstance(v, np.ndarray))

    def same_as(self, other: Snapshot) -> bool:
        """Whether the data are the same (the selection is no edit of its own)."""
        return (
            self.input is other.input
            and len(self.layers) == len(other.layers)
            and all(a is b for a, b in zip(self.layers, other.layers, strict=True))
            and self.value_mode == other.value_mode
            and self.names == other.names
            and self.class_names == other.class_names
        )


class History:
    """The undo and redo stacks, the undo groups open now, and the state last saved.

    ``take`` reads the current snapshot; ``put_back`` restores one (and announces it); ``changed``
    says that undo/redo availability, their labels or the saved state changed. An exception of a
    ``refusals`` type that leaves the outermost open group puts back what the group changed.
    """

    def __init__(
        self,
        take: Callable[[], Snapshot],
        put_back: Callable[[Snapshot], None],
        changed: Callable[[], None],
        refusals: tuple[type[BaseException], ...],
        limit: int = UNDO_LIMIT,
        bytes_limit: int = UNDO_BYTES_LIMIT,
    ) -> None:
        self._take = take
        self._put_back = put_back
        self._changed = changed
        self._refusals = refusals
        self._limit = limit
        self._bytes_limit = bytes_limit
        self._undo: list[tuple[str, Snapshot]] = []
        self._redo: list[tuple[str, Snapshot]] = []
        self._open: list[tuple[str, Snapshot]] = []
        self._saved: Snapshot | None = take()

    # ------------------------------------------------------------------ groups
    @contextlib.contextmanager
    def group(self, label: str) -> Iterator[None]:
        """Everything inside is one step named ``label``; nested groups fold into the outer one."""
        before = self._take()
        self._open.append((label, before))
        try:
            yield
        except self._refusals:
            # Whole or not at all: whatever the group got to change is put back.
            if len(self._open) == 1 and not before.same_as(self._take()):
                self._put_back(before)
            raise
        finally:
            self._close()

    def _close(self) -> None:
        label, before = self._open.pop()
        if self._open or before.same_as(self._take()):
            return  # nested in a larger step, or nothing changed (a refused edit changes nothing)
        self._undo.append((label, before))
        del self._undo[: -self._limit]
        self._redo.clear()
        self._trim()
        self._changed()

    def _trim(self) -> None:
        """Drop the oldest steps until the arrays the steps keep fit ``bytes_limit`` (the newest stays)."""
        while len(self._undo) > 1 and self.held_bytes() > self._bytes_limit:
            del self._undo[0]

    def held_bytes(self) -> int:
        """Bytes of the distinct arrays the undo and redo steps keep (views count as their base)."""
        owners: dict[int, int] = {}
        for _, snapshot in (*self._undo, *self._redo):
            for arr in snapshot.arrays():
                while isinstance(arr.base, np.ndarray):
                    arr = arr.base
                owners[id(arr)] = arr.nbytes
        return sum(owners.values())

    # ------------------------------------------------------------------ undo and redo
    def undo_label(self) -> str | None:
        return self._undo[-1][0] if self._undo else None

    def redo_label(self) -> str | None:
        return self._redo[-1][0] if self._redo else None

    def undo(self) -> None:
        if self._undo:
            label, before = self._undo.pop()
            self._redo.append((label, self._take()))
            self._put_back(before)
            self._changed()

    def redo(self) -> None:
        if self._redo:
            label, after = self._redo.pop()
            self._undo.append((label, self._take()))
            self._put_back(after)
            self._trim()
            self._changed()

    def clear(self) -> None:
        """Forget every step (a new scene was opened); the saved marker is left to the caller."""
        self._undo.clear()
        self._redo.clear()

    # ------------------------------------------------------------------ saved or not
    @property
    def modified(self) -> bool:
        """Whether the data differ from what was last saved or opened."""
        return self._saved is None or not self._saved.same_as(self._take())

    def mark_saved(self) -> None:
        self._saved = self._take()
        self._changed()

    def mark_modified(self) -> None:
        """The data are in no file: saving is needed until the next save."""
        self._saved = None
        self._changed()


class Undoable(Protocol):
    """An object whose edits can run inside an undo group (the document)."""

    def undo_group(self, label: str) -> contextlib.AbstractContextManager[None]: ...


M = TypeVar("M", bound=Callable[..., Any])


def undoable(label: str) -> Callable[[M], M]:
    """Make a method one undo step named ``label`` (called inside another edit, it folds into it)."""

    def wrap(method: M) -> M:
        @functools.wraps(method)
        def inner(self: Undoable, *args: Any, **kwargs: Any) -> Any:
            with self.undo_group(label):
                return method(self, *args, **kwargs)

        return inner  # type: ignore[return-value]

    return wrap
