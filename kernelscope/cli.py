"""The ``kernelscope`` command: open the window, render a screenshot, or export without a window.

Every failure is one line on stderr and exit status 2; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from kernelscope import __version__

EXIT_USAGE = 2


class CliError(Exception):
    """A problem to report in one line before exiting with status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse that reports in one line instead of usage + message."""

    def error(self, message: str) -> NoReturn:
        raise CliError(message)


# Flag values are checked by their argparse ``type``; a CliError from there passes through argparse
# untouched, so each refusal is the flag's own one line saying what it takes.
SIZE_RANGE = (200, 8192)
"""--screenshot's window sides in pixels."""
MAX_SEED = 2**31 - 1
"""The largest glorot_uniform seed: the window's seed box goes as far, so a seed can be typed back."""
_VALUE_FLAGS = ("--size", "--seed", "--fps", "--filter", "--layer")


def _shown(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def _size(text: str) -> tuple[int, int]:
    lo, hi = SIZE_RANGE
    m = re.fullmatch(r"\s*(\d{1,6})\s*[xX]\s*(\d{1,6})\s*", text)
    if not m or not all(lo <= int(v) <= hi for v in m.groups()):
        raise CliError(f"--size: WIDTHxHEIGHT with each from {lo} to {hi}, like 1280x800, not {_shown(text)}")
    return int(m.group(1)), int(m.group(2))


def _seed(text: str) -> int:
    if not re.fullmatch(r"\s*[+-]?\d{1,30}\s*", text) or not 0 <= int(text) <= MAX_SEED:
        raise CliError(f"--seed: a whole number from 0 to {MAX_SEED} (2**31-1), not {_shown(text)}")
    return int(text)


def _named(flag: str, example: str) -> Callable[[str], Path]:
    """A file flag's value: any name but an empty one (``Path("")`` would be the current folder)."""

    def path(text: str) -> Path:
        if not text.strip():
            raise CliError(f"{flag}: a file name like {example}, not an empty name")
        return Path(text)

    return path


def _join_flag_values(argv: Sequence[str]) -> list[str]:
    """``--size -5x5`` as ``--size=-5x5``: argparse would take ``-5x5`` for an option and say only
    "expected one argument"; joined, the value reaches its check and the message says what is allowed."""
    out: list[str] = []
    args = list(argv)
    i = 0
    while i < len(args):
        if args[i] in _VALUE_FLAGS and i + 1 < len(args) and args[i + 1].startswith("-") and args[i + 1] != "--":
            out.append(f"{args[i]}={args[i + 1]}")
            i += 2
            continue
        out.append(args[i])
        i += 1
    return out


def _main_parser() -> _Parser:
    p = _Parser(
        prog="kernelscope",
        description=(
            "Make keras.layers.Conv2D visible. Also: kernelscope export FILE --npy OUT.npy --gif OUT.gif [--layer N], "
            "kernelscope summary FILE (FILE may be a Keras model: .keras, .h5)"
        ),
    )
    p.add_argument(
        "file", nargs="?", type=Path,
        help="a session (.kscope), a Keras model (.keras, .h5), a picture (PNG, JPEG, BMP, GIF) or a lesson name "
        "(kernelscope lessons)",
    )
    p.add_argument(
        "--input", type=_named("--input", "x.npy"), metavar="X.npy",
        help="with a Keras model: its input as a NumPy array (H, W, C), (1, H, W, C) or (H, W)",
    )
    p.add_argument("--version", action="version", version=f"kernelscope {__version__}")
    p.add_argument(
        "--screenshot", type=_named("--screenshot", "shot.png"),
        metavar="OUT.png", help="render the window to a PNG and exit",
    )
    p.add_argument("--size", type=_size, default=(1280, 800), metavar="WxH", help="window size for --screenshot")
    p.add_argument("--projector", action="store_true", help="open in projector mode (large type, full screen)")
    return p


def _fps(text: str) -> float:
    import math

    from kernelscope.files.export import GIF_FPS_RANGE

    lo, hi = GIF_FPS_RANGE
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not lo <= value <= hi:  # NaN fails too
        raise CliError(f"--fps: frames per second from {lo:g} to {hi:g}, like 2, not {_shown(text)}")
    return value


def _filter_number(text: str) -> int:
    if not re.fullmatch(r"\s*[+-]?\d{1,6}\s*", text):
        raise CliError(f"--filter: a filter number counted from 1, like 1, not {_shown(text)}")
    return int(text)


def _step_number(flag: str) -> Callable[[str], int]:
    """--from/--to: a whole number as typed; the scene's own range is checked once it is loaded."""

    def parse(text: str) -> int:
        if not re.fullmatch(r"\s*[+-]?\d{1,9}\s*", text):
            raise CliError(f"{flag}: a step counted from 1, like 1, not {_shown(text)}")
        return int(text)

    return parse


def _gif_steps(session, layer: int | None, first: int | None, last: int | None) -> tuple[int, int | None]:  # type: ignore[no-untyped-def]
    """--from A --to B (counted from 1, both included) as export_gif's 0-based first and last step,
    each refused in one line naming the layer's steps."""
    from kernelscope.core import engine
    from kernelscope.files.export import ExportError, gif_layer, layer_steps

    if session.is_single_conv and layer in (None, 0):
        try:
            oh, ow, _ = engine.output_shape(session.input.shape, session.spec)
        except engine.ConvError as exc:
            raise CliError(str(exc)) from None
        steps = oh * ow
    else:
        try:
            steps, _ = layer_steps(session, gif_layer(session, layer))
        except ExportError as exc:
            raise CliError(f"--gif: {exc}; nothing was written") from None
    start = 1 if first is None else first
    if not 1 <= start <= steps:
        raise CliError(f"--from: a step from 1 to {steps}, like 1, not {start}")
    if last is not None and not start <= last <= steps:
        raise CliError(f"--to: a step from {start} (--from) to {steps}, like {steps}, not {last}")
    return start - 1, None if last is None else last - 1


def _check_filter(session, number: int, layer: int | None) -> None:  # type: ignore[no-untyped-def]
    """--filter K: one of the layer's filters (Conv2D) or output channels; a vector has none."""
    from kernelscope.files.export import gif_layer, layer_label, layer_steps

    if session.is_single_conv and layer in (None, 0):
        f = session.spec.filters
        if not 1 <= number <= f:
            which = "1 filter (--filter 1)" if f == 1 else f"{f} filters (--filter 1 to {f})"
            raise CliError(f"--filter: there is no filter {number}: this layer has {which}")
        return
    index = gif_layer(session, layer)
    _, channels = layer_steps(session, index)
    label = layer_label(session, index)
    if channels is None:
        raise CliError(f"--filter: {label} gives a vector: the GIF steps through its units, so --filter does not apply")
    what = "filter" if session.layers[index].class_name == "Conv2D" else "channel"
    if not 1 <= number <= channels:
        which = f"1 {what} (--filter 1)" if channels == 1 else f"{channels} {what}s (--filter 1 to {channels})"
        raise CliError(f"--filter: there is no {what} {number}: {label} has {which}")


def _export_parser() -> _Parser:
    p = _Parser(prog="kernelscope export", description="Write files from a session without a window.")
    p.add_argument(
        "file", type=Path, nargs="?",
        help="a session (.kscope), a Keras model (.keras, .h5) or a lesson name; optional with --conv",
    )
    p.add_argument(
        "--input", type=_named("--input", "x.npy"), metavar="X.npy",
        help="with a Keras model: its input as a NumPy array (H, W, C), (1, H, W, C) or (H, W)",
    )
    p.add_argument(
        "--npy", type=_named("--npy", "maps.npy"),
        metavar="OUT.npy", help="one layer's output as float32 (the feature maps (H', W', F) of a Conv2D)",
    )
    p.add_argument(
        "--npz", type=_named("--npz", "layers.npz"),
        metavar="OUT.npz", help="every layer's output as float32, keyed by layer name",
    )
    p.add_argument(
        "--layer", metavar="N|NAME",
        help="with --npy, --gif or --png: the layer, counted from 1 or by name (--npy and --gif: default the "
        "last layer; --png: default the layer the window opens on, the first)",
    )
    p.add_argument(
        "--png", type=_named("--png", "window.png"),
        metavar="OUT.png", help="a picture of the window showing the session (with --layer: that layer selected)",
    )
    p.add_argument(
        "--keras", type=_named("--keras", "layer.py"),
        metavar="OUT.py", help="Keras code rebuilding this layer (or Sequential model) and its weights",
    )
    p.add_argument("--conv", metavar="LINE", help='a Conv2D line, e.g. "Conv2D(32, (3, 3), input_shape=(150, 150, 3))"')
    p.add_argument(
        "--image", type=_named("--image", "picture.png"),
        metavar="IMG", help="with --conv: the input picture (default: a bundled photo)"
    )
    p.add_argument(
        "--seed", type=_seed, metavar="N", default=0,
        help=f"with --conv: the glorot_uniform seed, 0 to {MAX_SEED} (default 0)",
    )
    p.add_argument(
        "--gif", type=_named("--gif", "steps.gif"),
        metavar="OUT.gif",
        help="the stepping of one layer (--layer, default the last), one frame per step: what the layer receives "
        "with the cells it reads framed, its output, and each step's arithmetic",
    )
    p.add_argument("--fps", type=_fps, metavar="N", help="GIF frames per second, 0.5 to 20 (default 2)")
    p.add_argument(
        "--filter", type=_filter_number, metavar="K",
        help="the GIF's filter (Conv2D) or output channel, counted from 1 (default 1); a vector's GIF steps its units",
    )
    p.add_argument(
        "--from", dest="from_step", type=_step_number("--from"), metavar="A",
        help="the GIF's first step, counted from 1 (default 1)",
    )
    p.add_argument(
        "--to", dest="to_step", type=_step_number("--to"), metavar="B",
        help="the GIF's last step, included (default the last step)",
    )
    return p


def _offscreen_without_display() -> None:
    from kernelscope.ui.display import use_offscreen_without_display

    use_offscreen_without_display()


def _refuse_overflow(session, what: str) -> None:  # type: ignore[no-untyped-def]
    """Maps beyond float32 are an error, never a file of infinities: checked on the scene before any
    output. A cheap bound (sum of |weights| times the largest |input|, plus |bias|) clears nearly
    every scene; only one that could overflow is computed to find out. A stack is computed."""
    if session is None:
        return
    import numpy as np

    if not session.is_single_conv:
        _refuse_stack_overflow(session, what)
        return

    from kernelscope.core import engine
    from kernelscope.core.numbers import FLOAT32_MAX

    k = np.abs(session.kernels.astype(np.float64)).reshape(-1, session.kernels.shape[-1]).sum(axis=0)
    bound = float(np.max(k * float(np.abs(session.input).max()) + np.abs(session.bias.astype(np.float64))))
    if bound * 2 < FLOAT32_MAX:  # selu scales by ~1.05: the margin covers every activation
        return
    with np.errstate(over="ignore", invalid="ignore"):
        result = engine.compute(session.input, session.kernels, session.bias, session.spec)
        finite = np.isfinite(result.value_range(activated=False)).all() and np.isfinite(result.value_range()).all()
    if not finite:
        raise CliError(
            f"these weights make the maps overflow 32-bit numbers (beyond ±3.4e38): use smaller weights; {what}"
        )


def _refuse_stack_overflow(session, what: str) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    from kernelscope.core.engine import ConvError
    from kernelscope.files.export import layer_outputs

    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            outputs = layer_outputs(session)
    except ConvError as exc:
        raise CliError(str(exc)) from None
    for number, (name, out) in enumerate(zip(session.layer_names, outputs, strict=True), start=1):
        if not np.isfinite(out).all():
            raise CliError(
                f"layer {number} ({name}) overflows 32-bit numbers (beyond ±3.4e38): use smaller weights; {what}"
            )


def _summary(argv: Sequence[str]) -> int:
    parser = _Parser(prog="kernelscope summary", description="Print the model.summary() table of a session's layers.")
    parser.add_argument("file", type=Path, help="a session (.kscope), a Keras model (.keras, .h5) or a lesson name")
    args = parser.parse_args(argv)
    from kernelscope.core.engine import ConvError, stack

    model = _open_model(args.file, None) if _is_model(args.file) else None
    session = model.session if model is not None else _load(_resolve(args.file))
    try:
        if model is None:
            text = stack.summary_text(session.input.shape, session.layers)
        else:
            text = stack.summary_text(session.input.shape, session.layers, model.model_name or "sequential",
                                      model.input_layer)
    except ConvError as exc:
        raise CliError(str(exc)) from None
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _gui_application() -> None:
    """A QGuiApplication for drawing GIF frames: offscreen when there is no display, Qt's noise filtered."""
    _offscreen_without_display()
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.instance() is None:
        from kernelscope.ui.app import _install_message_filter

        _install_message_filter()
        app = QGuiApplication(sys.argv[:1])
        app.setApplicationName("kernelscope")
        app.setOrganizationName("kernelscope")
        _APPS.append(app)


_APPS: list[object] = []  # keeps the QGuiApplication alive until the process exits


def _load(path: Path | None):  # type: ignore[no-untyped-def]
    from kernelscope.files.sessions import SessionError, load_session

    if path is None:
        return None
    try:
        return load_session(path)
    except SessionError as exc:
        raise CliError(str(exc)) from None


def _resolve(path: Path | None) -> Path | None:
    """An existing file as given; otherwise the bundled lesson of that name (``01-article-x``,
    ``article-x``, a unique prefix), or one line saying there is neither."""
    if path is None or path.exists():
        return path
    from kernelscope.files.lessons import AmbiguousLessonError, find_lesson
    from kernelscope.files.sessions import SessionError

    try:
        return find_lesson(str(path)).path
    except (AmbiguousLessonError, SessionError) as exc:  # SessionError: a broken bundled lesson
        raise CliError(str(exc)) from None
    except (LookupError, OSError):
        raise CliError(f"no such file or lesson: {path} (see 'kernelscope lessons')") from None


def _blank_scene(title: str = ""):  # type: ignore[no-untyped-def]
    """The article's layer and X without the article's title and notes, for a scene the CLI builds."""
    import dataclasses

    from kernelscope.files.sessions import default_session

    return dataclasses.replace(default_session(), title=title, notes="")


def _open_picture(document, path: Path, shape: tuple[int, int, int] | None) -> None:  # type: ignore[no-untyped-def]
    """What the window's Open picture does: the picture becomes the input through
    ``Document.replace_input`` (the kernels follow its channels) in the mode the window picks.
    A line's ``input_shape`` sets its size and channels; without one it keeps its own size, as RGB."""
    from kernelscope.core.paint_tools import picture_value_mode
    from kernelscope.files.images import load_image

    mode = picture_value_mode(document.view.value_mode)
    channels, size = (3, None) if shape is None else (shape[2], (shape[1], shape[0]))
    loaded = load_image(path, channels=channels, size=size, fit="crop", value_mode=mode)
    document.replace_input(loaded.pixels, mode)


def scene_from_picture(path: Path):  # type: ignore[no-untyped-def]
    """``kernelscope PICTURE``: the article's layer over the picture, opened as the window opens one
    (grey 0..1; one channel when the picture has no colour)."""
    import numpy as np

    from kernelscope.core.document import Document, EditError
    from kernelscope.core.paint_tools import picture_value_mode
    from kernelscope.files.images import ImageError, load_image
    from kernelscope.files.sessions import SessionError

    try:
        document = Document(_blank_scene(title=path.name))
        mode = picture_value_mode(document.view.value_mode)
        pixels = np.array(load_image(path, channels=3, size=None, fit="crop", value_mode=mode).pixels)
        if np.array_equal(pixels[..., 0], pixels[..., 1]) and np.array_equal(pixels[..., 1], pixels[..., 2]):
            pixels = pixels[..., :1]  # a grey picture stays one channel
        document.replace_input(pixels, mode)
        return document.to_session()
    except (ImageError, EditError, SessionError, ValueError) as exc:
        raise CliError(str(exc)) from None


def _lessons(argv: Sequence[str]) -> int:
    parser = _Parser(prog="kernelscope lessons", description="List the bundled lessons, one per line: name and title.")
    parser.parse_args(argv)
    from kernelscope.files.lessons import list_lessons
    from kernelscope.files.sessions import SessionError

    try:
        lessons = list_lessons()
    except (SessionError, OSError) as exc:
        raise CliError(str(exc)) from None
    width = max((len(lesson.name) for lesson in lessons), default=0)
    sys.stdout.write("".join(f"{lesson.name.ljust(width)}  {lesson.title}\n" for lesson in lessons))
    return 0


def _export(argv: Sequence[str]) -> int:
    args = _export_parser().parse_args(_join_flag_values(argv))
    if args.npy is None and args.npz is None and args.gif is None and args.png is None and args.keras is None:
        raise CliError(
            "export needs an output: --npy OUT.npy, --npz OUT.npz, --gif OUT.gif, --png OUT.png or --keras OUT.py"
        )
    if args.layer is not None and args.npy is None and args.gif is None and args.png is None:
        raise CliError("--layer applies to --npy OUT.npy, --gif OUT.gif or --png OUT.png, which are missing")
    if args.conv is None and (args.image is not None):
        raise CliError("--image goes with --conv LINE")
    if args.conv is None and args.file is None:
        raise CliError("export needs a session FILE (or a Conv2D line with --conv)")
    if args.gif is None and (args.fps is not None or args.filter is not None):
        raise CliError("--fps and --filter apply to --gif OUT.gif, which is missing")
    if args.gif is None and (args.from_step is not None or args.to_step is not None):
        raise CliError("--from and --to apply to --gif OUT.gif, which is missing")
    fps = 2.0 if args.fps is None else args.fps
    filter_index = (1 if args.filter is None else args.filter) - 1
    if args.input is not None and not _is_model(args.file):
        raise CliError("--input X.npy goes with a Keras model file (.keras, .h5)")
    if _is_model(args.file):
        session = _open_model(args.file, args.input).session
    else:
        session = _load(_resolve(args.file)) if args.file is not None else None
    if args.conv is not None:
        session = scene_from_line(args.conv, args.image, args.seed, session)
    from kernelscope.core.engine import ConvError
    from kernelscope.files.export import ExportError, check_gif_options, export_gif, export_npy, layer_number

    layer = None
    if args.layer is not None:
        try:
            layer = layer_number(session, args.layer)
        except ExportError as exc:
            raise CliError(f"--layer: {exc}") from None
    if args.filter is not None:
        _check_filter(session, args.filter, layer)
    first, last = _gif_steps(session, layer, args.from_step, args.to_step) if args.gif is not None else (0, None)
    _refuse_overflow(session, "nothing was written")

    try:
        if args.gif is not None:  # refuse bad GIF options before writing anything
            check_gif_options(session, fps, filter_index, first=first, last=last, layer=layer)
        if args.npy is not None:
            maps = export_npy(session, args.npy, layer)
            if session.is_single_conv:
                sys.stdout.write(f"wrote {args.npy}: feature maps {maps.shape[0]}x{maps.shape[1]}x{maps.shape[2]}\n")
            else:
                index = len(session.layers) - 1 if layer is None else layer
                shape = "x".join(str(n) for n in maps.shape)
                sys.stdout.write(f"wrote {args.npy}: layer {index + 1} ({session.layer_names[index]}), {shape}\n")
        if args.npz is not None:
            from kernelscope.files.export import export_npz

            arrays = export_npz(session, args.npz)
            sys.stdout.write(f"wrote {args.npz}: the outputs of {len(arrays)} layer(s): {', '.join(arrays)}\n")
        if args.keras is not None:
            from kernelscope.files.keras_code import write_keras_code

            write_keras_code(session, args.keras)
            what = "this layer" if session.is_single_conv else f"this Sequential model ({len(session.layers)} layers)"
            sys.stdout.write(f"wrote {args.keras}: Keras code for {what} and its weights\n")
        if args.png is not None:
            from kernelscope.core.document import EditError
            from kernelscope.ui import app

            _offscreen_without_display()
            app.application()  # a full QApplication (a GIF below can draw with it too)
            try:
                if layer is None:
                    app.screenshot(args.png, session)
                else:
                    _screenshot_layer(args.png, session, layer)
            except EditError as exc:
                raise CliError(str(exc)) from None
            shown = "" if layer is None or session.is_single_conv else f" (layer {layer + 1} selected)"
            sys.stdout.write(f"wrote {args.png}{shown}\n")
        if args.gif is not None:
            _gui_application()
            frames = export_gif(
                session, args.gif, fps=fps, filter_index=filter_index, first=first, last=last, layer=layer
            )
            ranged = args.from_step is not None or args.to_step is not None
            steps = f", steps {first + 1} to {first + frames}" if ranged else ""
            sys.stdout.write(
                f"wrote {args.gif}: {frames} frames at {fps:g} per second ({_gif_what(session, layer, filter_index)}"
                f"{steps})\n"
            )
    except (ConvError, ExportError, OSError) as exc:
        raise CliError(str(exc)) from None
    return 0


def _gif_what(session, layer: int | None, filter_index: int) -> str:  # type: ignore[no-untyped-def]
    """What a GIF steps, as its line says: ``filter 1`` (one Conv2D, as before), else the layer and
    its filter, channel or units."""
    from kernelscope.files.export import gif_layer, layer_label, layer_steps

    if session.is_single_conv and layer in (None, 0):
        return f"filter {filter_index + 1}"
    index = gif_layer(session, layer)
    _, channels = layer_steps(session, index)
    if channels is None:
        return f"{layer_label(session, index)}, one unit a step"
    what = "filter" if session.layers[index].class_name == "Conv2D" else "channel"
    return f"{layer_label(session, index)}, {what} {filter_index + 1}"


def _screenshot_layer(out: Path, session, layer: int) -> None:  # type: ignore[no-untyped-def]
    """``app.screenshot`` with ``layer`` selected, as a person clicks it in the layer list (the window
    opens on the first layer). The window is made, loaded and drawn by the app's own steps."""
    from kernelscope.files.export import ExportError, save_png
    from kernelscope.ui import app

    application = app.application()
    window = app._window(session)
    window.geometry_keeper.remembering = False
    window.resize(1280, 800)
    window.show()
    try:
        app._load_after_show(window, session, announce=False)
        app._wait_for_maps(window)
        window.document.select_layer(layer)
        app._wait_for_maps(window)
        for _ in range(3):  # let layouts settle and pyqtgraph fit its views
            application.processEvents()
        image = window.grab().toImage()
        window.document.mark_saved()
    finally:
        window.close()
        application.processEvents()
    try:
        save_png(image, Path(out))
    except ExportError as exc:
        raise OSError(str(exc)) from None


def scene_from_line(line: str, image: Path | None, seed: int, base):  # type: ignore[no-untyped-def]
    """``export --conv LINE``: the scene a person gets in the window by opening the picture and then
    pasting the line (``pasted_layer.paste_line``: kernels kept when their shape still fits, else
    glorot_uniform with ``seed``). The picture is ``image``, or the bundled photo when there is
    neither a picture nor a session (``base``); the line's input_shape sets its size."""
    from kernelscope.core.document import Document, EditError
    from kernelscope.core.keras_syntax import LineError
    from kernelscope.core.pasted_layer import paste_line, read_line
    from kernelscope.files.images import ImageError, sample_photo, sample_photo_path
    from kernelscope.files.sessions import SessionError

    model = _pasted_model(line)
    if model is not None and len(model.layers) > 1:
        return _stack_from_model(model, line, image, seed, base)
    try:
        parsed = read_line(line)  # every limit, before a picture or a kernel is made
    except LineError as exc:
        raise CliError(f"--conv: {exc}") from None
    try:
        document = Document(base if base is not None else _blank_scene())
        picture = image if image is not None else (sample_photo_path() if base is None else None)
        if picture is not None:
            _open_picture(document, picture, parsed.input_shape)
        try:
            paste_line(document, line, seed, sample_photo)
        except (LineError, EditError) as exc:
            raise CliError(f"--conv: {exc}") from None
        return document.to_session()
    except (ImageError, EditError, SessionError, ValueError) as exc:
        raise CliError(str(exc)) from None


def _pasted_model(text: str):  # type: ignore[no-untyped-def]
    """The text as a whole model, or None when it is not one (a single line says why itself)."""
    from kernelscope.core.keras_syntax import LineError, parse_model

    try:
        return parse_model(text)
    except LineError:
        return None


def _stack_from_model(model, text: str, image: Path | None, seed: int, base):  # type: ignore[no-untyped-def]
    """``export --conv`` with a whole model: its layers over the picture (or the bundled photo, or
    the opened session's input), Keras's initializers seeded with ``seed`` for every weight."""
    import numpy as np

    from kernelscope.core.engine import normalize
    from kernelscope.core.keras_syntax import LineError
    from kernelscope.core.pasted_layer import PHOTO_VALUE_MODE, read_model
    from kernelscope.core.scene import Session, ViewState
    from kernelscope.files.images import ImageError, load_image, sample_photo_path
    from kernelscope.files.sessions import SessionError

    known = None if base is None or image is not None else tuple(base.input.shape)
    try:
        model = read_model(text, known)  # every limit, before a picture or a weight is made
    except LineError as exc:
        raise CliError(f"--conv: {exc}") from None
    shape = model.input_shape or known
    try:
        if base is not None and image is None and (shape is None or shape == tuple(base.input.shape)):
            pixels, mode = base.input, base.view.value_mode
        else:
            picture = image if image is not None else sample_photo_path()
            channels = 3 if shape is None else shape[2]
            if channels not in (1, 3):
                raise CliError(f"--conv: a picture gives 1 or 3 channels, not the model's {channels}")
            size = None if shape is None else (shape[1], shape[0])
            loaded = load_image(picture, channels=channels, size=size, fit="crop", value_mode=PHOTO_VALUE_MODE)
            pixels, mode = np.asarray(loaded.pixels), PHOTO_VALUE_MODE
        entries = normalize(model.layers, tuple(np.shape(pixels)), seed)
        return Session(input=pixels, layers=entries, view=ViewState(value_mode=mode), title=model.model_name or "")
    except (ImageError, SessionError, ValueError) as exc:
        raise CliError(f"--conv: {exc}") from None


MAX_INPUT_BYTES = 256 * 1024 * 1024
"""--input X.npy: read up to this many bytes (a 1024x1024x64 float32 input is 256 MB)."""


_MODEL_SUFFIXES = (".keras", ".h5", ".hdf5")  # files.models.MODEL_SUFFIXES, without importing it at start-up


def _is_model(path: Path | None) -> bool:
    if path is None or path.suffix.lower() not in _MODEL_SUFFIXES:
        return False
    from kernelscope.files.models import is_model_file

    return is_model_file(path)


def _read_npy(path: Path):  # type: ignore[no-untyped-def]
    """``--input X.npy`` as an array: a regular file, bounded, no pickles; one line when it is not one."""
    import io

    import numpy as np

    from kernelscope.files.regular_file import FileTooLargeError, read_bounded

    try:
        data = read_bounded(path, MAX_INPUT_BYTES)
    except FileNotFoundError:
        raise CliError(f"--input: no such file: {path}") from None
    except FileTooLargeError:
        raise CliError(f"--input: {path} is larger than {MAX_INPUT_BYTES // 2**20} MB") from None
    except OSError as exc:
        raise CliError(f"--input: {path} {exc.strerror or exc}") from None
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        first = (str(exc).splitlines() or ["unreadable"])[0][:100]
        raise CliError(f"--input: {path} is not a NumPy .npy array ({first})") from None
    if not isinstance(array, np.ndarray):
        raise CliError(f"--input: {path} holds several arrays (.npz); give one array as .npy")
    return array


def _open_model(path: Path, input_path: Path | None):  # type: ignore[no-untyped-def]
    """A Keras model file opened as a session; the line that says where its chain stops goes to stderr."""
    from kernelscope.files.models import ModelError, load_model

    array = None if input_path is None else _read_npy(input_path)
    try:
        opened = load_model(path, array)
    except ModelError as exc:
        raise CliError(str(exc)) from None
    if opened.stopped:
        sys.stderr.write(f"kernelscope: {opened.stopped}\n")
    return opened


def _window(argv: Sequence[str]) -> int:
    args = _main_parser().parse_args(_join_flag_values(argv))
    from kernelscope.files.images import SUPPORTED_SUFFIXES

    session_file = None
    if args.input is not None and not _is_model(args.file):
        raise CliError("--input X.npy goes with a Keras model file (.keras, .h5)")
    if _is_model(args.file):
        session = _open_model(args.file, args.input).session  # not remembered as a file: Ctrl+S saves a session
    elif args.file is not None and args.file.suffix.lower() in SUPPORTED_SUFFIXES:
        session = scene_from_picture(args.file)
    else:
        resolved = _resolve(args.file)
        session = _load(resolved)
        if resolved is not None and resolved == args.file:  # a file of the person's, not a bundled lesson
            session_file = args.file.absolute()
    if args.screenshot is not None:
        _refuse_overflow(session, "nothing was written")
        _offscreen_without_display()
        from kernelscope.core.document import EditError
        from kernelscope.ui import app

        try:
            app.screenshot(args.screenshot, session, args.size, projector=args.projector)
        except (OSError, EditError) as exc:
            raise CliError(str(exc)) from None
        return 0
    from kernelscope.ui.display import no_display_reason

    reason = no_display_reason()
    if reason is not None:
        raise CliError(reason)
    _refuse_overflow(session, "the window did not open")
    from kernelscope.ui import app

    return app.run(session, projector=args.projector, path=session_file)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "export":
            return _export(argv[1:])
        if argv and argv[0] == "lessons":
            return _lessons(argv[1:])
        if argv and argv[0] == "summary":
            return _summary(argv[1:])
        return _window(argv)
    except CliError as exc:
        sys.stderr.write(f"kernelscope: error: {exc}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: still one line, the traceback only on request
        if os.environ.get("KERNELSCOPE_DEBUG"):
            raise
        sys.stderr.write(
            f"kernelscope: internal error: {type(exc).__name__}: {exc} (set KERNELSCOPE_DEBUG=1 for details)\n"
        )
        return EXIT_USAGE
