"""How a value is named in a one-line refusal ("view.step: expected a whole number, got "3""): the
scene's checks and the session reader word their messages with these, so both read alike."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["index_text", "kind_of", "plural", "show_value"]


def plural(n: int, word: str) -> str:
    """``1 filter``, ``2 filters``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def show_value(value: Any, depth: int = 0) -> str:
    """A short JSON-like rendering of any value for a message (bounded, never raises)."""
    if value is None:
        return "null"
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        value = int(value)
        return str(value) if value.bit_length() <= 64 else "a very large whole number"
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if f != f:
            return "NaN"
        if f in (float("inf"), float("-inf")):
            return "Infinity" if f > 0 else "-Infinity"
        return repr(f)
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:40] + "..."
        return json.dumps(text, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        if depth >= 2:
            return "[...]" if value else "[]"
        items = [show_value(v, depth + 1) for v in value[:4]]
        if len(value) > 4:
            items.append(f"... ({len(value)} items)")
        return "[" + ", ".join(items) + "]"
    if isinstance(value, Mapping):
        if depth >= 2 or len(value) > 4:
            return "{...}" if value else "{}"
        return "{" + ", ".join(f"{show_value(k, 2)}: {show_value(v, depth + 1)}" for k, v in value.items()) + "}"
    return f"a {type(value).__name__}"


def kind_of(value: Any) -> str:
    """What a JSON value is, in words, for "expected X, got <kind>"."""
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "a list"
    return show_value(value)


def index_text(path: tuple[int, ...]) -> str:
    """An element's place as it is written after the field name: ``(2, 0)`` -> ``[2][0]``."""
    return "".join(f"[{i}]" for i in path)
