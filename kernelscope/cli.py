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
        description="Make keras.layers.Conv2D visible. Also: kernelscope export FILE --npy OUT.npy",
    )
    p.add_argument("file", nargs="?", type=Path, help="a session (.kscope) to open")
    p.add_argument("--version", action="version", version=f"kernelscope {__version__}")
    p.add_argument("--screenshot", type=Path, metavar="OUT.png", help="render the window to a PNG and exit")
    p.add_argument("--size", type=_size, default=(1280, 800), metavar="WxH", help="window size for --screenshot")
    return p


def _export_parser() -> _Parser:
    p = _Parser(prog="kernelscope export", description="Write files from a session without a window.")
    p.add_argument("file", type=Path, help="a session (.kscope)")
    p.add_argument("--npy", type=Path, metavar="OUT.npy", help="the feature maps (H', W', F) as float32")
    return p


def _load(path: Path | None):  # type: ignore[no-untyped-def]
    from kernelscope.sessions import SessionError, load_session

    if path is None:
        return None
    try:
        return load_session(path)
    except SessionError as exc:
        raise CliError(str(exc)) from None


def _export(argv: Sequence[str]) -> int:
    args = _export_parser().parse_args(argv)
    if args.npy is None:
        raise CliError("export needs an output: --npy OUT.npy")
    session = _load(args.file)
    from kernelscope.engine import ConvError
    from kernelscope.export import ExportError, export_npy

    try:
        maps = export_npy(session, args.npy)
    except (ConvError, ExportError) as exc:
        raise CliError(str(exc)) from None
    sys.stdout.write(f"wrote {args.npy}: feature maps {maps.shape[0]}x{maps.shape[1]}x{maps.shape[2]}\n")
    return 0


def _window(argv: Sequence[str]) -> int:
    args = _main_parser().parse_args(argv)
    session = _load(args.file)
    from kernelscope import app

    if args.screenshot is not None:
        try:
            app.screenshot(args.screenshot, session, args.size)
        except OSError as exc:
            raise CliError(str(exc)) from None
        return 0
    return app.run(session)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] == "export":
            return _export(argv[1:])
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
