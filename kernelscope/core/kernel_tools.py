"""Kernel presets and edits (rotate, flip, negate, normalize, randomize like Keras), in pure NumPy.

A kernel here is one channel's ``(kh, kw)`` slice unless a function says otherwise. Every function
returns a new float32 C-contiguous array, never a view of its input, so the Document can keep (and
freeze) what it is given. This module never imports Qt.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import numpy.typing as npt

from kernelscope.core.engine import ConvError, glorot_uniform
from kernelscope.core.numbers import FLOAT32_MAX

__all__ = [
    "PRESETS",
    "Preset",
    "flip_horizontal",
    "flip_vertical",
    "glorot_limit",
    "negate",
    "new_seed",
    "normalize",
    "preset_kernel",
    "preset_size",
    "randomize_like_keras",
    "rotate90",
]

# A sum this small next to the weights' magnitudes is a rounding leftover of 0 (e.g. a negated and
# re-added float32 kernel): scaling by it would give enormous, meaningless weights.
_ZERO_SUM_RTOL = 1e-6


def _fresh(values: object) -> np.ndarray:
    """A private float32 C-contiguous copy: never the caller's array nor a view of it."""
    return np.array(values, dtype=np.float32, order="C", copy=True)


def _spatial(kernel: npt.ArrayLike) -> np.ndarray:
    """The caller's kernel as float32 with its two spatial axes first; a refusal in words otherwise."""
    arr = np.asarray(kernel, dtype=np.float32)
    if arr.ndim < 2:
        raise ConvError(f"a kernel has rows and columns (kh, kw), not the shape {arr.shape}")
    return arr


# --------------------------------------------------------------------------- presets


@dataclass(frozen=True, eq=False)
class Preset:
    """A named starting kernel: either a fixed array at its natural size, or a rule for any size.

    Exactly one of ``weights`` (a fixed (kh, kw) array, stored read-only) and ``make`` (a function
    ``(kh, kw) -> array`` for presets that fit any kernel size) is set.
    """

    name: str
    description: str
    weights: np.ndarray | None = None
    make: Callable[[int, int], np.ndarray] | None = None

    def __post_init__(self) -> None:
        if (self.weights is None) == (self.make is None):
            raise ValueError(f"preset {self.name!r} needs exactly one of weights and make")
        if self.weights is not None:
            fixed = _fresh(self.weights)
            fixed.flags.writeable = False
            object.__setattr__(self, "weights", fixed)

    @property
    def any_size(self) -> bool:
        """True when the preset is defined for every kernel size (identity, box blur)."""
        return self.make is not None

    @property
    def natural_size(self) -> tuple[int, int] | None:
        """The fixed preset's own (kh, kw); None for presets that fit any size."""
        if self.weights is None:
            return None
        kh, kw = self.weights.shape
        return (kh, kw)

    def size(self, kh: int, kw: int) -> tuple[int, int]:
        """The size this preset has when applied to a (kh, kw) kernel."""
        natural = self.natural_size
        if natural is not None:
            return natural
        _check_size(kh, kw)
        return (int(kh), int(kw))

    def kernel(self, kh: int, kw: int) -> np.ndarray:
        """The preset's weights for a (kh, kw) kernel: at (kh, kw) if it fits any size, else natural."""
        if self.weights is not None:
            return _fresh(self.weights)
        assert self.make is not None
        _check_size(kh, kw)
        return _fresh(self.make(int(kh), int(kw)))


def _check_size(kh: int, kw: int) -> None:
    for v in (kh, kw):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ConvError(f"a kernel size is two whole numbers of at least 1, not ({kh!r}, {kw!r})")


def _identity(kh: int, kw: int) -> np.ndarray:
    # Keras's "same" padding puts the smaller half of the padding on top/left, so with an even size
    # the tap that lands on the output cell's own input pixel is (k-1)//2, not k//2.
    k = np.zeros((kh, kw), np.float32)
    k[(kh - 1) // 2, (kw - 1) // 2] = 1.0
    return k


def _box_blur(kh: int, kw: int) -> np.ndarray:
    return np.full((kh, kw), np.float32(1.0) / np.float32(kh * kw), np.float32)


_BINOMIAL_5 = np.array([1, 4, 6, 4, 1], np.float32)


def _w(rows: list[list[int]]) -> np.ndarray:
    return np.array(rows, np.float32)


_SOBEL_X = _w([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
_PREWITT_X = _w([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]])
_DIAGONAL_BACK = _w([[1, -1, -1], [-1, 1, -1], [-1, -1, 1]])

_PRESET_LIST = [
    Preset("identity", "A single 1 at the centre, so the output copies the input.", make=_identity),
    Preset("box blur", "Every weight equal and summing to 1, so each output is the plain average of its window.",
           make=_box_blur),
    Preset("Gaussian 3x3", "A 3x3 blur that weighs the centre most, smoother than a box blur.",
           weights=np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], np.float32) / 16),
    Preset("Gaussian 5x5", "A wider 5x5 blur built from the binomial row 1 4 6 4 1, summing to 1.",
           weights=np.outer(_BINOMIAL_5, _BINOMIAL_5) / 256),
    Preset("sharpen", "Boosts the centre against its four neighbours, so edges look crisper.",
           weights=_w([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])),
    Preset("Laplacian", "Responds where the value changes in any direction and gives 0 on flat areas.",
           weights=_w([[0, 1, 0], [1, -4, 1], [0, 1, 0]])),
    Preset("Sobel x", "Finds vertical edges: positive where values increase from left to right.",
           weights=_SOBEL_X),
    Preset("Sobel y", "Finds horizontal edges: positive where values increase from top to bottom.",
           weights=_SOBEL_X.T),
    Preset("Prewitt x", "Like Sobel x with equal row weights: finds vertical edges.", weights=_PREWITT_X),
    Preset("Prewitt y", "Like Sobel y with equal column weights: finds horizontal edges.",
           weights=_PREWITT_X.T),
    Preset("emboss", "Lights one side of every edge and shades the other, like a raised relief.",
           weights=_w([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])),
    Preset("outline", "Subtracts the eight neighbours from eight times the centre, leaving only outlines.",
           weights=_w([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]])),
    Preset("article line", "The article's kernel: rewards a dark middle row between light rows.",
           weights=_w([[1, 1, 1], [-1, -1, -1], [1, 1, 1]])),
    Preset("diagonal \\", "Rewards a line running from the top left to the bottom right.", weights=_DIAGONAL_BACK),
    Preset("diagonal /", "Rewards a line running from the bottom left to the top right.",
           weights=np.fliplr(_DIAGONAL_BACK)),
]

PRESETS: Mapping[str, Preset] = MappingProxyType({p.name: p for p in _PRESET_LIST})
"""Preset name -> Preset, in menu order (read-only)."""


def _preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        known = ", ".join(PRESETS)
        raise ConvError(f"there is no preset called {name!r}: use one of {known}") from None


def preset_kernel(name: str, kh: int, kw: int) -> np.ndarray:
    """The preset as a (kh, kw) kernel when it fits any size (identity, box blur); otherwise at its
    natural size (3x3 or 5x5), whatever (kh, kw) is, and the caller changes kernel_size to match."""
    return _preset(name).kernel(kh, kw)


def preset_size(name: str, kh: int, kw: int) -> tuple[int, int]:
    """The (kh, kw) that ``preset_kernel(name, kh, kw)`` will have, to ask before changing kernel_size."""
    return _preset(name).size(kh, kw)


# --------------------------------------------------------------------------- transforms


def rotate90(kernel: npt.ArrayLike) -> np.ndarray:
    """Rotate a quarter turn counter-clockwise like np.rot90, on the first two (spatial) axes only.

    Works on (kh, kw), (kh, kw, C) and (kh, kw, C, F); a non-square kernel comes back (kw, kh).
    """
    return _fresh(np.rot90(_spatial(kernel), k=1, axes=(0, 1)))


def flip_horizontal(kernel: npt.ArrayLike) -> np.ndarray:
    """Mirror left <-> right (reverse the columns), on any kernel with spatial axes first."""
    return _fresh(_spatial(kernel)[:, ::-1])


def flip_vertical(kernel: npt.ArrayLike) -> np.ndarray:
    """Mirror top <-> bottom (reverse the rows), on any kernel with spatial axes first."""
    return _fresh(_spatial(kernel)[::-1])


def negate(kernel: npt.ArrayLike) -> np.ndarray:
    """Every weight's sign flipped, so the filter answers the opposite pattern."""
    return _fresh(np.negative(_spatial(kernel)))


def normalize(kernel: npt.ArrayLike) -> np.ndarray:
    """Scale every weight by the same factor so that all of them (every channel given) sum to 1.

    A kernel whose weights sum to 0 (Sobel, Laplacian, all zeros) has no such factor: ConvError.
    """
    arr = _spatial(kernel).astype(np.float64)
    if not np.isfinite(arr).all():
        raise ConvError("these weights are not all finite numbers, so they cannot be scaled to sum to 1")
    total = float(arr.sum())
    if total == 0.0 or abs(total) <= _ZERO_SUM_RTOL * float(np.abs(arr).sum()):
        raise ConvError("these weights sum to 0, so they cannot be scaled to sum to 1")
    scaled = arr / total
    if not np.isfinite(scaled).all() or np.abs(scaled).max() > FLOAT32_MAX:
        raise ConvError("these weights sum to almost 0, so scaling them to sum to 1 would overflow")
    return _fresh(scaled)


# --------------------------------------------------------------------------- random


def randomize_like_keras(kh: int, kw: int, channels: int, filters: int, seed: int | None) -> np.ndarray:
    """A (kh, kw, C, F) kernel drawn like Keras's default glorot_uniform; the same seed, the same weights."""
    return _fresh(glorot_uniform((kh, kw, channels, filters), seed))


def new_seed() -> int:
    """A fresh seed in 0 .. 2**31 - 1, short enough to show the user and type back in."""
    return secrets.randbelow(2**31)


def glorot_limit(kh: int, kw: int, channels: int, filters: int) -> float:
    """The bound of randomize_like_keras: sqrt(6 / (kh*kw*C + kh*kw*F)), to explain the numbers."""
    return math.sqrt(6.0 / (kh * kw * channels + kh * kw * filters))
