"""One Keras layer as Python code writes it: ``layers.MaxPooling2D(pool_size=(2, 2), ...)``, config
values as Python literals (pairs as tuples, text quoted). Shared by the Keras script and the GIF's
subtitle; imports nothing of kernelscope, so either may use it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["keras_layer_line", "python_value"]


def python_value(value: Any) -> str:
    """A config value as a Python literal: pairs as tuples, text quoted, true as True."""
    if isinstance(value, (list, tuple)):
        items = [python_value(v) for v in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{python_value(k)}: {python_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a Python string literal, escapes included
    if isinstance(value, float):
        return repr(value)
    return repr(value)


def keras_layer_line(class_name: str, config: Mapping[str, Any]) -> str:
    """One layer as the Sequential code writes it: ``layers.MaxPooling2D(name="max_pooling2d", ...)``."""
    args = ", ".join(f"{key}={python_value(value)}" for key, value in config.items())
    return f"layers.{class_name}({args})"
