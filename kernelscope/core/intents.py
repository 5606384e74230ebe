"""The names of what a person asks for, shared by the widgets that emit them and the controller that
carries them out. A leaf module (no imports of the project), so widgets may use it."""

from __future__ import annotations

from enum import Enum


class InputAction(str, Enum):
    """A whole-input edit from the Input tools."""

    CLEAR = "clear"
    INVERT = "invert"
    NOISE = "noise"


class KernelTransform(str, Enum):
    """A change to the selected filter's weights that keeps its size."""

    ROTATE = "rotate"
    FLIP_H = "flip_h"
    FLIP_V = "flip_v"
    NEGATE = "negate"
    NORMALIZE = "normalize"
