"""Drawing tools for the input grid, as pure functions on NumPy images (no Qt, no state).

Images are float32 ``(H, W, C)`` arrays (a 2-D ``(H, W)`` array is taken as ``C = 1`` and comes back
2-D). Every function returns a NEW array or a list of ``(row, col)`` cells and never writes into its
input, so it is safe on the Document's read-only arrays. The MainWindow turns a tool's cells into one
Document edit (one undo step).

Value modes (the painting ranges) are ``VALUE_MODES``, the one table of them: binary -1/+1 (the
article's black/white), grey 0..1 and byte 0..255. The scene validates its view against it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

import numpy as np

__all__ = [
    "BRUSH_SIZES",
    "MAX_SIDE",
    "MIN_SIDE",
    "VALUE_MODES",
    "add_noise",
    "apply_cells",
    "brush_cells",
    "check_grid_size",
    "clear",
    "convert_mode",
    "flood_fill_cells",
    "invert",
    "line_cells",
    "mode_noise",
    "picture_value_mode",
    "rect_cells",
    "resize",
    "shift",
]

Cell = tuple[int, int]
Value = float | Sequence[float] | np.ndarray
Range = tuple[float, float]

MIN_SIDE = 3
MAX_SIDE = 64
"""Painting grid sides (rows and columns each); loaded images may be larger, but are not resized here."""

VALUE_MODES: dict[str, Range] = {
    "binary": (-1.0, 1.0),
    "grey": (0.0, 1.0),
    "byte": (0.0, 255.0),
}
"""Painting value modes: name -> (lo, hi). "binary" is the article's black -1 / white +1."""


def picture_value_mode(current: str) -> str:
    """The value mode an opened picture takes: grey instead of binary (a photo is not black and
    white), else the mode the scene already paints in. The window and the CLI both ask here."""
    return "grey" if current == "binary" else current


# ---------------------------------------------------------------------------- helpers
def _as3d(image: np.ndarray) -> np.ndarray:
    """A float32 (H, W, C) view or copy of ``image``; never written to."""
    arr = np.asarray(image, dtype=np.float32)
    if arr.ndim == 2:
        return arr[:, :, None]
    if arr.ndim != 3:
        raise ValueError(f"an image must be (rows, columns) or (rows, columns, channels), not shape {arr.shape}")
    return arr


def _like_input(result: np.ndarray, image: np.ndarray) -> np.ndarray:
    """Give the result the input's number of dimensions (2-D in, 2-D out)."""
    return result[:, :, 0] if np.ndim(image) == 2 else result


def _channel_values(value: Value, channels: int, what: str) -> np.ndarray:
    """A scalar or one value per channel, as a float32 (C,) vector."""
    v = np.asarray(value, dtype=np.float32)
    if v.ndim == 0:
        v = np.full(channels, v, np.float32)
    elif v.shape != (channels,):
        raise ValueError(f"{what} must be one number or {channels} (one per channel), not {v.size}")
    if not np.isfinite(v).all():
        raise ValueError(f"{what} must be a finite number")
    return v


def _check_range(lo: float, hi: float) -> None:
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"the value range must run from a lower to a higher number, not {lo} to {hi}")


def _resolve_range(r: str | Range) -> Range:
    if isinstance(r, str):
        try:
            return VALUE_MODES[r]
        except KeyError:
            raise ValueError(f"unknown value mode {r!r}; expected one of {', '.join(VALUE_MODES)}") from None
    lo, hi = float(r[0]), float(r[1])
    _check_range(lo, hi)
    return lo, hi


def check_grid_size(rows: int, cols: int) -> None:
    """Refuse a painting grid outside 3..64 cells on a side, in words."""
    for side in (rows, cols):
        if isinstance(side, bool) or not isinstance(side, (int, np.integer)):
            raise ValueError(f"the grid size must be a whole number of cells, not {side!r}")
        if not MIN_SIDE <= side <= MAX_SIDE:
            raise ValueError(f"the grid must be from {MIN_SIDE} to {MAX_SIDE} cells on a side, not {side}")


# ---------------------------------------------------------------------------- shapes -> cells
BRUSH_SIZES = (1, 3, 5)
"""Brush sides in cells: one cell for a drawing, 3 or 5 to paint a big grid (a photo) in fewer strokes."""


def brush_cells(cells: Iterable[Cell], size: int, shape: tuple[int, int]) -> list[Cell]:
    """Every cell a brush of ``size`` x ``size`` cells paints when centred on each of ``cells``.

    The brush is a square, not a disc: at sides 3 and 5 a disc is a plus or a blunt square, and a
    square is the shape of the kernel window a student compares it with. ``shape`` is the grid's
    (rows, cols): cells past its edges are dropped. Cells come in stroke order, each once.
    """
    if isinstance(size, bool) or not isinstance(size, int) or size not in BRUSH_SIZES:
        raise ValueError(f"the brush is {', '.join(map(str, BRUSH_SIZES))} cells wide, not {size!r}")
    rows, cols = int(shape[0]), int(shape[1])
    half = size // 2
    seen: dict[Cell, None] = {}
    for r, c in cells:
        for rr in range(max(0, r - half), min(rows, r + half + 1)):
            for cc in range(max(0, c - half), min(cols, c + half + 1)):
                seen.setdefault((rr, cc))
    return list(seen)


def line_cells(a: Cell, b: Cell) -> list[Cell]:
    """Every cell on the segment a-b (Bresenham), both ends included, in order from a to b."""
    (r0, c0), (r1, c1) = (int(a[0]), int(a[1])), (int(b[0]), int(b[1]))
    dr, dc = abs(r1 - r0), abs(c1 - c0)
    sr, sc = (1 if r1 > r0 else -1), (1 if c1 > c0 else -1)
    err = dc - dr
    cells: list[Cell] = []
    while True:
        cells.append((r0, c0))
        if (r0, c0) == (r1, c1):
            return cells
        e2 = 2 * err
        if e2 > -dr:
            err -= dr
            c0 += sc
        if e2 < dc:
            err += dc
            r0 += sr


def rect_cells(a: Cell, b: Cell, filled: bool = False) -> list[Cell]:
    """The rectangle with opposite corners a and b (any order): its outline, or every cell when filled.

    Cells come row by row, each once (a one-row or one-column rectangle is a line).
    """
    top, bottom = sorted((int(a[0]), int(b[0])))
    left, right = sorted((int(a[1]), int(b[1])))
    cells: list[Cell] = []
    for r in range(top, bottom + 1):
        if filled or r in (top, bottom):
            cells.extend((r, c) for c in range(left, right + 1))
        else:
            cells.append((r, left))
            if right != left:
                cells.append((r, right))
    return cells


def flood_fill_cells(image: np.ndarray, r: int, c: int, channel: int | None = None) -> list[Cell]:
    """The 4-connected region around (r, c) whose cells equal the start cell, row by row.

    "Equal" compares every channel when ``channel`` is None, else only that channel. A start outside
    the image gives no cells. Iterative scanline fill: no recursion, fine on 512x512 spirals.
    """
    img = _as3d(image)
    h, w, nc = img.shape
    if not (0 <= r < h and 0 <= c < w):
        return []
    if channel is None:
        same = np.all(img == img[r, c], axis=2)
    else:
        if not 0 <= channel < nc:
            raise ValueError(f"channel {channel} does not exist; the image has {nc} channel(s)")
        same = img[:, :, channel] == img[r, c, channel]
    # Scanline fill over plain Python lists: per-cell NumPy indexing costs far more.
    open_cells = same.tolist()  # True where a cell may still join the region
    region = np.zeros((h, w), dtype=bool)
    stack = [(int(r), int(c))]
    while stack:
        row, col = stack.pop()
        line = open_cells[row]
        if not line[col]:
            continue
        left = col
        while left > 0 and line[left - 1]:
            left -= 1
        right = col
        while right < w - 1 and line[right + 1]:
            right += 1
        for x in range(left, right + 1):
            line[x] = False
        region[row, left : right + 1] = True
        # Seed one cell per run of open cells directly above and below this run.
        for nr in (row - 1, row + 1):
            if 0 <= nr < h:
                nline = open_cells[nr]
                run_open = False
                for x in range(left, right + 1):
                    if nline[x]:
                        if not run_open:
                            stack.append((nr, x))
                            run_open = True
                    else:
                        run_open = False
    rows, cols = np.nonzero(region)
    return list(zip(rows.tolist(), cols.tolist(), strict=True))


# ---------------------------------------------------------------------------- whole-image edits
def apply_cells(image: np.ndarray, cells: Iterable[Cell], value: Value, channel: int | None = None) -> np.ndarray:
    """A copy with ``cells`` set to ``value`` (one number, or one per channel); out-of-range cells are skipped."""
    img = _as3d(image)
    out = img.copy()
    h, w, nc = out.shape
    idx = np.asarray(list(cells), dtype=np.int64).reshape(-1, 2)
    keep = (idx[:, 0] >= 0) & (idx[:, 0] < h) & (idx[:, 1] >= 0) & (idx[:, 1] < w)
    rr, cc = idx[keep, 0], idx[keep, 1]
    if channel is None:
        out[rr, cc, :] = _channel_values(value, nc, "the painted value")
    else:
        if not 0 <= channel < nc:
            raise ValueError(f"channel {channel} does not exist; the image has {nc} channel(s)")
        out[rr, cc, channel] = _channel_values(value, 1, "the painted value")[0]
    return _like_input(out, image)


def clear(image: np.ndarray, value: Value) -> np.ndarray:
    """A new image of the same shape, every cell ``value`` (one number, or one per channel)."""
    img = _as3d(image)
    out = np.empty(img.shape, np.float32)
    out[...] = _channel_values(value, img.shape[2], "the clear value")
    return _like_input(out, image)


def invert(image: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """v -> lo + hi - v: binary -1/+1 swap, grey v -> 1 - v, byte v -> 255 - v."""
    _check_range(lo, hi)
    out = np.float32(lo + hi) - _as3d(image)
    return _like_input(out.astype(np.float32, copy=False), image)


def shift(image: np.ndarray, dr: int, dc: int, fill: Value) -> np.ndarray:
    """Move the drawing ``dr`` rows down and ``dc`` columns right (negative: up/left).

    Cells moved past the edge are dropped; cells uncovered at the other edge get ``fill``.
    """
    img = _as3d(image)
    h, w, nc = img.shape
    out = np.empty(img.shape, np.float32)
    out[...] = _channel_values(fill, nc, "the fill value")
    dr, dc = int(dr), int(dc)
    if abs(dr) < h and abs(dc) < w:
        src_r, dst_r = slice(max(0, -dr), h - max(0, dr)), slice(max(0, dr), h - max(0, -dr))
        src_c, dst_c = slice(max(0, -dc), w - max(0, dc)), slice(max(0, dc), w - max(0, -dc))
        out[dst_r, dst_c] = img[src_r, src_c]
    return _like_input(out, image)


def add_noise(
    image: np.ndarray,
    lo: float,
    hi: float,
    amount: float,
    seed: int | None = None,
    *,
    flip: bool = False,
    whole: bool = False,
) -> np.ndarray:
    """Noise, reproducible by ``seed``; ``amount`` is from 0 to 1.

    ``flip=True`` (binary mode): exactly ``round(amount * H * W)`` cells, chosen at random, swap
    between lo and hi (``v -> lo + hi - v`` on every channel), so the image stays two-valued.
    ``flip=False`` (grey, byte): every value gets uniform noise in ``[-amount, +amount] * (hi - lo)``
    and is clipped to ``[lo, hi]``; ``whole=True`` then rounds to whole numbers (byte mode).
    ``mode_noise`` picks these flags from a mode name.
    """
    _check_range(lo, hi)
    if not (np.isfinite(amount) and 0 <= amount <= 1):
        raise ValueError(f"the noise amount must be from 0 to 1, not {amount}")
    img = _as3d(image)
    rng = np.random.default_rng(seed)
    if flip:
        h, w, _ = img.shape
        out = img.copy()
        n = round(amount * h * w)
        picked = rng.choice(h * w, size=n, replace=False)
        rr, cc = np.unravel_index(picked, (h, w))
        out[rr, cc, :] = np.float32(lo + hi) - out[rr, cc, :]
    else:
        spread = amount * (hi - lo)
        noise = rng.uniform(-spread, spread, size=img.shape).astype(np.float32)
        out = img + noise
        if whole:
            out = np.round(out)
        out = np.clip(out, np.float32(lo), np.float32(hi)).astype(np.float32, copy=False)
    return _like_input(out, image)


def mode_noise(image: np.ndarray, mode: str, amount: float, seed: int | None = None) -> np.ndarray:
    """``add_noise`` with the right behaviour for a value mode: binary flips cells, byte stays whole."""
    lo, hi = _resolve_range(mode)
    return add_noise(image, lo, hi, amount, seed, flip=mode == "binary", whole=mode == "byte")


def resize(
    image: np.ndarray,
    new_h: int,
    new_w: int,
    mode: Literal["crop-or-pad", "scale"] = "crop-or-pad",
    fill: Value = 0.0,
    anchor: Literal["top-left", "centre"] = "top-left",
) -> np.ndarray:
    """A painting grid of ``new_h`` x ``new_w`` cells (3..64 each) made from ``image``.

    ``"crop-or-pad"`` keeps every drawn cell that still fits and gives new cells ``fill``; ``anchor``
    says where the old drawing sits ("top-left", or "centre", where an odd leftover goes to the
    bottom/right, so growing then shrinking back returns the original). ``"scale"`` resamples
    nearest-neighbour (each new cell takes the old cell under its centre), so the drawing keeps its look.
    """
    check_grid_size(new_h, new_w)
    img = _as3d(image)
    h, w, nc = img.shape
    new_h, new_w = int(new_h), int(new_w)
    if mode == "scale":
        rows = np.minimum(((np.arange(new_h) + 0.5) * h / new_h).astype(np.int64), h - 1)
        cols = np.minimum(((np.arange(new_w) + 0.5) * w / new_w).astype(np.int64), w - 1)
        out = img[rows[:, None], cols[None, :]]
        return _like_input(np.ascontiguousarray(out, dtype=np.float32), image)
    if mode != "crop-or-pad":
        raise ValueError(f"resize mode must be 'crop-or-pad' or 'scale', not {mode!r}")
    if anchor not in ("top-left", "centre"):
        raise ValueError(f"resize anchor must be 'top-left' or 'centre', not {anchor!r}")
    out = np.empty((new_h, new_w, nc), np.float32)
    out[...] = _channel_values(fill, nc, "the fill value")

    def offset(old: int, new: int) -> int:
        """Where old index 0 lands in the new grid (negative: that many old cells are cropped)."""
        if anchor == "top-left":
            return 0
        return (new - old) // 2 if new >= old else -((old - new) // 2)

    dr, dc = offset(h, new_h), offset(w, new_w)
    src_r = slice(max(0, -dr), min(h, new_h - dr))
    src_c = slice(max(0, -dc), min(w, new_w - dc))
    dst_r = slice(src_r.start + dr, src_r.stop + dr)
    dst_c = slice(src_c.start + dc, src_c.stop + dc)
    out[dst_r, dst_c] = img[src_r, src_c]
    return _like_input(out, image)


def convert_mode(image: np.ndarray, old_range: str | Range, new_range: str | Range) -> np.ndarray:
    """Map values linearly from one value mode to another (a mode name or a (lo, hi) pair).

    grey 0.5 -> byte 127.5 -> grey 0.5 (no rounding, so round trips are exact). When the target is
    the binary mode (``"binary"`` or the range (-1, 1)), values are thresholded at the old range's
    midpoint: at or above it -> +1 (white), below -> -1 (black).
    """
    old_lo, old_hi = _resolve_range(old_range)
    new_lo, new_hi = _resolve_range(new_range)
    img = _as3d(image)
    if (new_lo, new_hi) == VALUE_MODES["binary"]:
        mid = (old_lo + old_hi) / 2
        out = np.where(img >= np.float32(mid), np.float32(new_hi), np.float32(new_lo))
    else:
        scale = (new_hi - new_lo) / (old_hi - old_lo)
        out = ((img.astype(np.float64) - old_lo) * scale + new_lo).astype(np.float32)
    return _like_input(out.astype(np.float32, copy=False), image)
