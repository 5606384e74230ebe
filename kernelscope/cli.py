"""The ``kernelscope`` command: open the window, render a screenshot, or export without a window.

Every failure is one line on stderr and exit status 2; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
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


def _size(text: str) -> tuple[int, int]:
    m = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not m:
        raise argparse.ArgumentTypeError(f"--size takes WIDTHxHEIGHT, like 1280x800, not {text!r}")
    w, h = int(m.group(1)), int(m.group(2))
    if not (200 <= w <= 8192 and 200 <= h <= 8192):
        raise argparse.ArgumentTypeError(f"--size sides must be from 200 to 8192 pixels, not {w}x{h}")
    return w, h


def _main_parser() -> _Parser:
    p = _Parser(
        prog="kernelscope",
        description="Make keras.layers.Conv2D visible. Also: kernelscope export FILE --npy OUT.npy --gif OUT.gif",
    )
    p.add_argument(
        "file", nargs="?", type=Path,
        help="a session (.kscope), a picture (PNG, JPEG, BMP, GIF) or a lesson name (kernelscope lessons)",
    )
    p.add_argument("--version", action="version", version=f"kernelscope {__version__}")
    p.add_argument("--screenshot", type=Path, metavar="OUT.png", help="render the window to a PNG and exit")
    p.add_argument("--size", type=_size, default=(1280, 800), metavar="WxH", help="window size for --screenshot")
    p.add_argument("--projector", action="store_true", help="open in projector mode (large type, full screen)")
    return p


def _fps(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--fps takes a number of frames per second, like 2, not {text!r}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"--fps takes a number of frames per second, like 2, not {text!r}")
    return value


def _filter_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--filter takes a filter number counted from 1, not {text!r}") from None


def _export_parser() -> _Parser:
    p = _Parser(prog="kernelscope export", description="Write files from a session without a window.")
    p.add_argument("file", type=Path, nargs="?", help="a session (.kscope) or a lesson name; optional with --conv")
    p.add_argument("--npy", type=Path, metavar="OUT.npy", help="the feature maps (H', W', F) as float32")
    p.add_argument("--png", type=Path, metavar="OUT.png", help="a picture of the window showing the session")
    p.add_argument("--keras", type=Path, metavar="OUT.py", help="Keras code rebuilding this layer and its weights")
    p.add_argument("--conv", metavar="LINE", help='a Conv2D line, e.g. "Conv2D(32, (3, 3), input_shape=(150, 150, 3))"')
    p.add_argument(
        "--image", type=Path, metavar="IMG", help="with --conv: the input picture (default: a bundled photo)"
    )
    p.add_argument("--seed", type=int, metavar="N", default=0, help="with --conv: the glorot_uniform seed (default 0)")
    p.add_argument("--gif", type=Path, metavar="OUT.gif", help="the stepping of one filter, one frame per step")
    p.add_argument("--fps", type=_fps, metavar="N", help="GIF frames per second, 0.5 to 20 (default 2)")
    p.add_argument("--filter", type=_filter_number, metavar="K", help="the GIF's filter, counted from 1 (default 1)")
    return p


def _offscreen_without_display() -> None:
    """Drawing to a file needs no screen: on a machine without one (a server, CI, ssh) Qt would
    abort looking for X, so pick its offscreen platform unless the person chose one."""
    if sys.platform not in ("win32", "darwin") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


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


def _session_from_image(path: Path):  # type: ignore[no-untyped-def]
    """The article's layer over a picture (grey 0..1, RGB when the picture has colour)."""
    import numpy as np

    from kernelscope.files.images import ImageError, load_image
    from kernelscope.files.sessions import Session, SessionError, ViewState, default_session

    try:
        loaded = load_image(path, channels=3, size=None, fit="crop", value_mode="grey")
        pixels = np.array(loaded.pixels)
        if np.array_equal(pixels[..., 0], pixels[..., 1]) and np.array_equal(pixels[..., 1], pixels[..., 2]):
            pixels = pixels[..., :1]  # a grey picture stays one channel
        base = default_session()
        c = pixels.shape[2]
        kernels = np.repeat(base.kernels, c, axis=2) / c
        return Session(pixels, kernels, base.bias, base.spec, ViewState(value_mode="grey"), title=path.name)
    except (ImageError, SessionError, ValueError) as exc:
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
    args = _export_parser().parse_args(argv)
    if args.npy is None and args.gif is None and args.png is None and args.keras is None:
        raise CliError("export needs an output: --npy OUT.npy, --gif OUT.gif, --png OUT.png or --keras OUT.py")
    if args.conv is None and (args.image is not None):
        raise CliError("--image goes with --conv LINE")
    if args.conv is None and args.file is None:
        raise CliError("export needs a session FILE (or a Conv2D line with --conv)")
    if args.gif is None and (args.fps is not None or args.filter is not None):
        raise CliError("--fps and --filter apply to --gif OUT.gif, which is missing")
    fps = 2.0 if args.fps is None else args.fps
    filter_index = (1 if args.filter is None else args.filter) - 1
    session = _load(_resolve(args.file)) if args.file is not None else None
    if args.conv is not None:
        session = _session_from_line(args.conv, args.image, args.seed, session)
    from kernelscope.core.engine import ConvError
    from kernelscope.files.export import ExportError, check_gif_options, export_gif, export_npy

    try:
        if args.gif is not None:  # refuse bad GIF options before writing anything
            check_gif_options(session, fps, filter_index)
        if args.npy is not None:
            maps = export_npy(session, args.npy)
            sys.stdout.write(f"wrote {args.npy}: feature maps {maps.shape[0]}x{maps.shape[1]}x{maps.shape[2]}\n")
        if args.keras is not None:
            from kernelscope.files.keras_code import write_keras_code

            write_keras_code(session, args.keras)
            sys.stdout.write(f"wrote {args.keras}: Keras code for this layer and its weights\n")
        if args.png is not None:
            from kernelscope.ui import app

            _offscreen_without_display()
            app.application()  # a full QApplication (a GIF below can draw with it too)
            app.screenshot(args.png, session)
            sys.stdout.write(f"wrote {args.png}\n")
        if args.gif is not None:
            _gui_application()
            frames = export_gif(session, args.gif, fps=fps, filter_index=filter_index)
            sys.stdout.write(f"wrote {args.gif}: {frames} frames at {fps:g} per second (filter {filter_index + 1})\n")
    except (ConvError, ExportError, OSError) as exc:
        raise CliError(str(exc)) from None
    return 0


def _session_from_line(line: str, image: Path | None, seed: int, base):  # type: ignore[no-untyped-def]
    """A session from a pasted Conv2D line: its layer, glorot_uniform kernels (seeded), and the
    picture (or the bundled photo) at the line's input_shape."""
    import numpy as np

    from kernelscope.core.engine import ConvError, glorot_uniform
    from kernelscope.core.keras_syntax import LineError, parse_conv2d_line
    from kernelscope.files.images import ImageError, load_image, sample_photo_path
    from kernelscope.files.sessions import Session, SessionError, ViewState

    try:
        parsed = parse_conv2d_line(line)
    except LineError as exc:
        raise CliError(f"--conv: {exc}") from None
    if parsed.input_shape is not None:
        h, w, c = parsed.input_shape
        size: tuple[int, int] | None = (w, h)
    elif base is not None and image is None:
        h, w, c = base.input.shape
        size = None
    else:
        c, size = 3, None
    try:
        if image is None and base is not None and parsed.input_shape in (None, tuple(base.input.shape)):
            pixels = np.array(base.input)
            mode = base.view.value_mode
        else:
            loaded = load_image(image or sample_photo_path(), channels=c, size=size, fit="crop", value_mode="grey")
            pixels, mode = np.array(loaded.pixels), "grey"
        spec = parsed.spec
        kernels = glorot_uniform((*spec.kernel_size, pixels.shape[2], spec.filters), seed=seed)
        return Session(pixels, kernels, np.zeros(spec.filters, np.float32), spec, ViewState(value_mode=mode))
    except (ImageError, SessionError, ConvError, ValueError) as exc:
        raise CliError(str(exc)) from None


def _window(argv: Sequence[str]) -> int:
    args = _main_parser().parse_args(argv)
    from kernelscope.files.images import SUPPORTED_SUFFIXES

    if args.file is not None and args.file.suffix.lower() in SUPPORTED_SUFFIXES:
        session = _session_from_image(args.file)
    else:
        session = _load(_resolve(args.file))
    from kernelscope.ui import app

    if args.screenshot is not None:
        _offscreen_without_display()
        try:
            app.screenshot(args.screenshot, session, args.size, projector=args.projector)
        except OSError as exc:
            raise CliError(str(exc)) from None
        return 0
    return app.run(session, projector=args.projector)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "export":
            return _export(argv[1:])
        if argv and argv[0] == "lessons":
            return _lessons(argv[1:])
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
