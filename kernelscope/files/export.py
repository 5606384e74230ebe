"""Files made from a session without a window: the feature maps as .npy (one layer) or .npz (every
layer of a stack), the stepping as an animated GIF."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from kernelscope.core import engine
from kernelscope.core.engine import stack
from kernelscope.files.atomic_file import check_target, write_atomic, write_error
from kernelscope.files.sessions import Session

if TYPE_CHECKING:  # Qt and Pillow load only when a GIF is made
    from PIL.Image import Image as PILImage
    from PySide6.QtGui import QImage


class ExportError(OSError):
    """An export that could not be written; the message names the file and the reason."""


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it, so a crash never leaves half a file.

    A link is written through to its file; a folder, pipe or device, or an empty name, is refused.
    """
    try:
        write_atomic(Path(path), data)
    except OSError as exc:
        raise ExportError(write_error(path, exc, lower=False)) from None


def check_export_target(path: Path) -> None:
    """Refuse a target that is not a regular file (a pipe, a device, a folder, an empty name) before
    any work is done for it."""
    try:
        check_target(Path(path))
    except OSError as exc:
        raise ExportError(write_error(path, exc, lower=False)) from None


def save_png(image: QImage, path: Path) -> None:
    """A QImage as PNG bytes in memory, then one atomic write (no half file on a crash)."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if image.isNull() or not image.save(buffer, "PNG"):
        raise ExportError(f"cannot draw the picture for {path}")
    buffer.close()
    atomic_write_bytes(path, bytes(data.data()))


def feature_maps(session: Session) -> np.ndarray:
    """(H', W', F) float32 maps of a session, exactly as ``keras.layers.Conv2D`` computes them."""
    result = engine.compute(session.input, session.kernels, session.bias, session.spec)
    return np.ascontiguousarray(result.feature_maps())


def layer_outputs(session: Session) -> list[np.ndarray]:
    """Every layer's output (float32, no batch axis), first to last, as Keras computes them.

    A one-Conv2D session's maps are :func:`feature_maps`' own (the window's numbers, bit for bit).
    """
    if session.is_single_conv:
        return [feature_maps(session)]
    return [np.ascontiguousarray(out, dtype=np.float32) for out in stack.forward(session.input, session.layers)]


def layer_number(session: Session, text: str) -> int:
    """The 0-based index of ``--layer N|NAME`` (N counts from 1), or an ExportError in one line
    listing the layers."""
    names = session.layer_names
    cleaned = text.strip()
    if cleaned.isdigit() and 1 <= int(cleaned) <= len(names):
        return int(cleaned) - 1
    if cleaned in names:
        return names.index(cleaned)
    listing = ", ".join(f"{i} {name}" for i, name in enumerate(names, start=1))
    what = f"no layer {cleaned}" if cleaned.isdigit() else f"no layer named {cleaned!r}"
    count = "1 layer" if len(names) == 1 else f"{len(names)} layers"
    raise ExportError(f"{what}: this session has {count}: {listing}")


def _npy_bytes(arr: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, arr)
    return buffer.getvalue()


def export_npy(session: Session, out: Path, layer: int | None = None) -> np.ndarray:
    """Write one layer's output (``layer`` 0-based; default the last) as a NumPy .npy file and return it."""
    check_export_target(out)
    if layer is None and session.is_single_conv:
        maps = feature_maps(session)
    else:
        outputs = layer_outputs(session)
        maps = outputs[-1 if layer is None else layer]
    atomic_write_bytes(Path(out), _npy_bytes(maps))
    return maps


def export_npz(session: Session, out: Path) -> dict[str, np.ndarray]:
    """Write every layer's output as a NumPy .npz file keyed by layer name, and return them."""
    import io
    import zipfile

    check_export_target(out)
    arrays = dict(zip(session.layer_names, layer_outputs(session), strict=True))
    buffer = io.BytesIO()
    # np.savez's own layout, written here so that any layer name is a key (even "file").
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, arr in arrays.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, arr, allow_pickle=False)
    atomic_write_bytes(Path(out), buffer.getvalue())
    return arrays


# --------------------------------------------------------------------------- animated GIF

GIF_FPS_RANGE = (0.5, 20.0)
"""Frames per second a GIF may play at (the window's playback speeds)."""

MAX_GIF_FRAMES = 2500
"""One frame per step; beyond this a GIF is too long to watch and too large to write."""

GIF_SIZE_RANGE = (200, 3840)
"""Smallest and largest frame side in pixels."""


class ExportCancelled(Exception):  # noqa: N818 - it is not an error: the user asked for it
    """The user stopped an export through its progress callback; nothing was written."""


def check_gif_options(
    session: Session,
    fps: float,
    filter_index: int,
    size: tuple[int, int] = (960, 540),
    first: int = 0,
    last: int | None = None,
    layer: int | None = None,
) -> int:
    """Refuse a GIF that cannot or should not be made, before any work; returns its frame count.

    ``filter_index`` is 0-based, as everywhere in the code; messages count filters from 1, as the
    window and the command line (``--filter K``) do. ``first`` and ``last`` are the 0-based steps
    the GIF starts and ends at, both included (default: every step); messages count steps from 1.
    ``layer`` (0-based) picks a stack's layer (default the last); its ``filter_index`` is the output
    channel stepped (a vector's steps are its units, so it has none to pick).
    """
    lo, hi = GIF_FPS_RANGE
    if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not lo <= fps <= hi:
        shown = f"{fps:g}" if isinstance(fps, (int, float)) else repr(fps)
        raise ExportError(f"a GIF plays at {lo:g} to {hi:g} frames per second, not {shown}")
    if not _one_conv_gif(session, layer):
        return _check_layer_gif(session, gif_layer(session, layer), filter_index, size, first, last)
    f = session.spec.filters
    if isinstance(filter_index, bool) or not isinstance(filter_index, int) or not 0 <= filter_index < f:
        shown = str(filter_index + 1) if isinstance(filter_index, int) else repr(filter_index)
        which = "1 filter" if f == 1 else f"{f} filters (1 to {f})"
        raise ExportError(f"there is no filter {shown}: this layer has {which}")
    _check_size(size)
    try:
        oh, ow, _ = engine.output_shape(session.input.shape, session.spec)
    except engine.ConvError as exc:
        raise ExportError(str(exc)) from None
    return _check_frames(oh * ow, first, last, f"of {oh}x{ow} outputs")


def _check_size(size: tuple[int, int]) -> None:
    smin, smax = GIF_SIZE_RANGE
    if len(size) != 2 or not all(isinstance(v, int) and smin <= v <= smax for v in size):
        raise ExportError(f"a GIF frame is {smin} to {smax} pixels on a side, not {size}")


def _check_frames(steps: int, first: int, last: int | None, of: str) -> int:
    first, last = gif_step_range(steps, first, last)
    frames = last - first + 1
    if frames > MAX_GIF_FRAMES:
        raise ExportError(
            f"a GIF is limited to {MAX_GIF_FRAMES} frames: this range has {frames} steps (steps {first + 1} "
            f"to {last + 1} {of}); choose --from/--to or a larger stride"
        )
    return frames


def _one_conv_gif(session: Session, layer: int | None) -> bool:
    """Whether the GIF is today's one-Conv2D scene (the window's own frames, bit for bit)."""
    return session.is_single_conv and layer in (None, 0)


def gif_layer(session: Session, layer: int | None) -> int:
    """The 0-based layer a GIF steps: ``layer``, or the last one (the model's output, as ``--npy``)."""
    count = len(session.layers)
    index = count - 1 if layer is None else layer
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
        raise ExportError(f"there is no layer {index + 1 if isinstance(index, int) else index!r}: "
                          f"this session has {count} layer(s)")
    return index


def layer_label(session: Session, layer: int) -> str:
    """``layer 2 (max_pooling2d)``: how messages name a layer."""
    return f"layer {layer + 1} ({session.layer_names[layer]})"


def layer_steps(session: Session, layer: int) -> tuple[int, int | None]:
    """(steps, channels) of a layer's stepping: H' * W' positions on one of C' channels for maps,
    one step per unit (channels None) for a vector."""
    shape = session.layers[layer].output_shape
    if len(shape) == 3:
        return int(shape[0]) * int(shape[1]), int(shape[2])
    if len(shape) == 1:
        return int(shape[0]), None
    raise ExportError(f"{layer_label(session, layer)} gives an output of shape {shape}, which has no steps to draw")


def _check_layer_gif(
    session: Session, layer: int, channel: int, size: tuple[int, int], first: int, last: int | None
) -> int:
    steps, channels = layer_steps(session, layer)
    what = "filter" if session.layers[layer].class_name == "Conv2D" else "channel"
    label = layer_label(session, layer)
    if isinstance(channel, bool) or not isinstance(channel, int):
        raise ExportError(f"a {what} is a whole number, not {channel!r}")
    if channels is None and channel != 0:
        raise ExportError(f"{label} gives a vector: each step is one of its units, so it has no {what} {channel + 1}")
    if channels is not None and not 0 <= channel < channels:
        which = f"1 {what}" if channels == 1 else f"{channels} {what}s (1 to {channels})"
        raise ExportError(f"there is no {what} {channel + 1}: {label} has {which}")
    _check_size(size)
    shape = session.layers[layer].output_shape
    of = f"of {shape[0]}x{shape[1]} outputs" if channels is not None else f"of {shape[0]} units"
    return _check_frames(steps, first, last, of)


def gif_step_range(steps: int, first: int = 0, last: int | None = None) -> tuple[int, int]:
    """The 0-based (first, last) steps of a GIF over ``steps`` steps, ``last`` None meaning the final
    step; an ExportError counting steps from 1 when the range is empty or runs past the scene."""
    end = steps - 1 if last is None else last
    for value in (first, end):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ExportError(f"a GIF's steps are whole numbers, not {value!r}")
    if not 0 <= first <= end < steps:
        raise ExportError(
            f"a GIF runs from step 1 to {steps}, first step before last, not steps {first + 1} to {end + 1}"
        )
    return first, end


def export_gif(
    session: Session,
    out: Path,
    *,
    fps: float = 2.0,
    filter_index: int = 0,
    progress: Callable[[int, int], bool | None] | None = None,
    size: tuple[int, int] = (960, 540),
    first: int = 0,
    last: int | None = None,
    layer: int | None = None,
) -> int:
    """Write the stepping of one filter as a looping GIF, one frame per step (the article's stride1.gif).

    ``layer`` (0-based) picks a stack's layer (default the last); ``filter_index`` is then the output
    channel stepped. A one-Conv2D scene draws the window's frames; any other layer draws what it
    receives, its output and each step's arithmetic (:mod:`kernelscope.files.layer_frame_renderer`).

    ``filter_index`` is 0-based; ``first`` and ``last`` are the 0-based steps of the first and the
    last frame, both included (default: every step). Frames are drawn in reveal mode with the session's value mode,
    colour map, scale and activation toggle. ``progress(done, total)`` is called after each frame;
    returning False cancels: :class:`ExportCancelled` is raised and nothing is written. Needs a
    ``QGuiApplication`` (the command line makes one). Returns the number of frames.

    Frames are encoded one at a time into memory (only what changed, a few kB each), so a long GIF
    never holds thousands of full-size images; the file is written atomically at the end.
    """
    total = check_gif_options(session, fps, filter_index, tuple(size), first, last, layer)  # type: ignore[arg-type]
    check_export_target(out)
    if _one_conv_gif(session, layer):
        draw = _one_conv_frames(session, filter_index, size)
    else:
        from kernelscope.files.layer_gif import layer_frames

        draw = layer_frames(session, gif_layer(session, layer), filter_index, size)

    def frame(step: int) -> PILImage:
        return qimage_to_pil(draw(step))

    # The range's first and last frames hold every colour the animation uses (the last has every map cell revealed).
    opening, closing = frame(first), frame(first + total - 1)
    writer = _GifWriter(round(100.0 / fps) * 10, (opening, closing))  # GIF delays are in 1/100 s
    for done in range(total):
        writer.add(opening if done == 0 else closing if done == total - 1 else frame(first + done))
        if progress is not None and progress(done + 1, total) is False:
            raise ExportCancelled(f"GIF export cancelled after {done + 1} of {total} frames; nothing written")
    atomic_write_bytes(Path(out), writer.finish())
    return total


def _one_conv_frames(session: Session, filter_index: int, size: tuple[int, int]) -> Callable[[int], QImage]:
    """The frames of a one-Conv2D scene: the window's value mode, colour map, scale and activation."""
    from kernelscope.core.colour_scale import map_levels
    from kernelscope.files.frame_renderer import render_step_frame
    from kernelscope.files.sessions import VALUE_MODES

    result = engine.compute(session.input, session.kernels, session.bias, session.spec)
    view = session.view
    maps = result.maps if view.show_activation else result.pre_activation
    levels = map_levels(maps if view.shared_scale else maps[filter_index], view.colormap)

    def frame(step: int) -> QImage:
        return render_step_frame(
            result,
            filter_index,
            step,
            VALUE_MODES[view.value_mode],
            reveal=True,
            colormap=view.colormap,
            size=size,
            use_bias=session.spec.use_bias,
            levels=levels,
            activated=view.show_activation,
        )

    return frame


def qimage_to_pil(image: QImage) -> PILImage:
    """An RGB Pillow image with a copy of a QImage's pixels (any QImage format)."""
    from PIL import Image
    from PySide6.QtGui import QImage

    rgb = image.convertToFormat(QImage.Format.Format_RGB888)
    data = bytes(rgb.constBits())
    return Image.frombuffer("RGB", (rgb.width(), rgb.height()), data, "raw", "RGB", rgb.bytesPerLine(), 1)


class _GifWriter:
    """A looping GIF encoded frame by frame in memory with Pillow's GIF encoder.

    One palette for every frame (see :func:`_palette`; no dithering, so flat cells stay flat and
    colours never flicker between frames). After the first frame only the rectangle that changed is
    stored, its unchanged pixels transparent, so memory grows with the compressed file (a few kB a
    frame), not with the number of frames.
    """

    TRANSPARENT = 255  # the palette has at most 255 colours, so no pixel ever takes this index

    def __init__(self, duration_ms: int, samples: tuple[PILImage, ...]) -> None:
        colours = _palette(samples, exact=160, size=self.TRANSPARENT)
        self.palette = colours.ravel().tolist()
        self.lut = _index_lut(colours)
        self.duration_ms = duration_ms
        self.chunks: list[bytes] = []
        self.previous: np.ndarray | None = None

    def _indexed(self, pixels: np.ndarray) -> PILImage:
        from PIL import Image

        image = Image.frombytes("P", (pixels.shape[1], pixels.shape[0]), np.ascontiguousarray(pixels).tobytes())
        image.putpalette(self.palette)
        return image

    def add(self, frame: PILImage) -> None:
        from PIL import GifImagePlugin

        rgb = np.asarray(frame.convert("RGB"), dtype=np.uint8)
        pixels = self.lut[_packed(rgb)]
        timing = {"duration": self.duration_ms, "disposal": 1}
        if self.previous is None:
            first = self._indexed(pixels)
            header, _ = GifImagePlugin.getheader(first, info={"loop": 0})
            self.chunks.extend(bytes(b) for b in header)
            self.chunks.extend(bytes(b) for b in GifImagePlugin.getdata(first, **timing))
        else:
            changed = pixels != self.previous
            if not changed.any():
                changed[0, 0] = True  # still one frame per step
            rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
            y0, y1, x0, x1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
            patch = pixels[y0:y1, x0:x1].copy()
            patch[~changed[y0:y1, x0:x1]] = self.TRANSPARENT
            delta = self._indexed(patch)
            data = GifImagePlugin.getdata(delta, offset=(x0, y0), transparency=self.TRANSPARENT, **timing)
            self.chunks.extend(bytes(b) for b in data)
        self.previous = pixels

    def finish(self) -> bytes:
        return b"".join(self.chunks) + b";"


def _packed(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) uint8 colours as one 24-bit number each."""
    r, g, b = (rgb[..., k].astype(np.uint32) for k in range(3))
    return (r << 16) | (g << 8) | b


def _palette(samples: tuple[PILImage, ...], *, exact: int, size: int) -> np.ndarray:
    """At most ``size`` (n, 3) uint8 colours: all of the samples' colours when they are few, else the
    ``exact`` most frequent ones unchanged (paper stays pure white, the window pure red) and a median
    cut of the other pixels."""
    from PIL import Image

    packed = np.concatenate([_packed(np.asarray(s.convert("RGB"))).ravel() for s in samples])
    values, counts = np.unique(packed, return_counts=True)
    if len(values) > size:
        kept = values[np.argsort(counts, kind="stable")[::-1][:exact]]
        rest = packed[~np.isin(packed, kept)]
        rest_rgb = np.stack([(rest >> 16) & 255, (rest >> 8) & 255, rest & 255], axis=1).astype(np.uint8)
        strip = Image.frombytes("RGB", (len(rest_rgb), 1), rest_rgb.tobytes())
        cut = strip.quantize(size - exact, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        extra = np.array(cut.getpalette() or [], dtype=np.uint8).reshape(-1, 3)[: size - exact]
        values = np.concatenate([kept, _packed(extra)])
    return np.stack([(values >> 16) & 255, (values >> 8) & 255, values & 255], axis=1).astype(np.uint8)


def _index_lut(colours: np.ndarray) -> np.ndarray:
    """A 2**24-entry table from a 24-bit colour to its palette index: exact for the palette's own
    colours, the nearest colour (judged at 32 levels a channel) for the rest. One byte a colour, built once."""
    centres = np.arange(32, dtype=np.int32) * 8 + 4
    grid = np.stack(np.meshgrid(centres, centres, centres, indexing="ij"), axis=-1).reshape(-1, 3)
    palette = colours.astype(np.int32)
    nearest = np.empty(len(grid), np.uint8)
    for start in range(0, len(grid), 2048):
        d = ((grid[start : start + 2048, None, :] - palette[None, :, :]) ** 2).sum(axis=2)
        nearest[start : start + 2048] = d.argmin(axis=1)
    lut = nearest.reshape(32, 32, 32).repeat(8, axis=0).repeat(8, axis=1).repeat(8, axis=2).reshape(-1)
    lut[_packed(colours)] = np.arange(len(colours), dtype=np.uint8)
    return lut
