"""The QApplication and the window: start it interactively (with autosave and the offer to restore
after a crash), or render one frame to a PNG and quit."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from collections.abc import Callable
from typing import TYPE_CHECKING

from kernelscope.core.document import Document
from kernelscope.files.sessions import Session

if TYPE_CHECKING:
    from kernelscope.files.recovery import Recovery, RecoveryScan
    from kernelscope.ui.autosave import Autosaver
    from kernelscope.ui.main_window import MainWindow

# Messages Qt's platform plugins print that say nothing about this program: the offscreen plugin
# has no window manager to pass size hints to.
_HARMLESS_QT_MESSAGES = ("This plugin does not support propagateSizeHints()",)


def _install_message_filter() -> None:
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    def handler(kind: QtMsgType, context: object, message: str) -> None:
        if message in _HARMLESS_QT_MESSAGES:
            return
        sys.stderr.write(f"{message}\n")

    qInstallMessageHandler(handler)


def application():  # type: ignore[no-untyped-def]
    """The one QApplication, with kernelscope's names and message filter."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        _install_message_filter()
        app = QApplication(sys.argv[:1])
        app.setApplicationName("kernelscope")
        app.setOrganizationName("kernelscope")
    return app


COMPUTING_MESSAGE = "computing the feature maps..."


def _window(session: Session | None) -> MainWindow:
    """The window on the article's scene; ``session`` is loaded by :func:`_load_after_show`."""
    from kernelscope.ui import theme
    from kernelscope.ui.main_window import MainWindow
    from kernelscope.ui.settings import Settings

    settings = Settings()
    theme.apply(application(), settings.theme())
    doc = Document()
    if session is None and settings.colormap():
        try:
            doc.set_view(colormap=settings.colormap())
        except ValueError:
            pass
    window = MainWindow(doc, settings=settings)
    window.set_theme(settings.theme())
    return window


def _load_after_show(
    window: MainWindow, session: Session | None, announce: bool = True, on_loaded: Callable[[], object] | None = None
) -> None:
    """Load ``session`` into the shown window: a large scene's first maps take seconds, so they are
    computed on the worker while the window says so (``announce``), rather than before it appears.
    A refused session raises EditError and leaves the window on the article's scene."""
    if session is None:
        return
    doc = window.document
    doc.load(session, on_loaded)
    if not doc.computing or not announce:
        return
    bar = window.statusBar()  # made on first use: a screenshot (announce False) has none, as before
    bar.showMessage(COMPUTING_MESSAGE)

    def arrived() -> None:
        if not doc.computing:
            doc.result_changed.disconnect(arrived)
            if bar.currentMessage() == COMPUTING_MESSAGE:
                bar.clearMessage()

    doc.result_changed.connect(arrived)


def _wait_for_maps(window: MainWindow) -> None:
    """Turn the event loop until the worker's maps arrive; a failure there is an EditError."""
    from PySide6.QtCore import QEventLoop

    from kernelscope.core.document import EditError

    doc, failures = window.document, list[str]()

    def failed(message: str) -> None:
        failures.append(message)

    doc.compute_failed.connect(failed)
    try:
        while doc.computing:
            application().processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    finally:
        doc.compute_failed.disconnect(failed)
    if failures:
        raise EditError(failures[-1])


def run(session: Session | None = None, projector: bool = False, path: Path | None = None) -> int:
    """Open the window and run until it closes; ``path`` is the file ``session`` was read from."""
    app = application()
    window = _window(session)
    from kernelscope.files.recovery import find_recoveries

    recovery = find_recoveries()  # before this window's autosave exists
    window.show()
    try:
        _load_after_show(window, session, on_loaded=functools.partial(remember_file, window, path))
    except BaseException:
        window.close()
        raise
    if projector:
        window.set_projector(True)
    start_autosave(window, recovery)
    code = app.exec()
    del window
    return int(code)


def remember_file(window: MainWindow, path: Path | None) -> None:
    """``kernelscope FILE``: the window holds that file as if opened from it (title, Ctrl+S, recent)."""
    if path is None:
        return
    files = window.files
    files.path = path
    files.settings.add_recent_file(path)
    files.settings.set_last_directory(path.parent)
    files.recent_changed.emit()
    files.path_changed.emit()


def screenshot(
    out: Path, session: Session | None = None, size: tuple[int, int] = (1280, 800), projector: bool = False
) -> None:
    """Render the window at ``size`` into a PNG without a display (offscreen works)."""
    app = application()
    window = _window(session)
    window.geometry_keeper.remembering = False  # a rendering is not where the person left the window
    window.resize(*size)
    window.show()
    try:
        _load_after_show(window, session, announce=False)
        _wait_for_maps(window)
    except BaseException:
        window.close()
        raise
    if projector:
        window.set_projector(True, full_screen=False)
        window.resize(*size)
    for _ in range(3):  # let layouts settle and pyqtgraph fit its views
        app.processEvents()
    image = window.grab().toImage()
    window.document.mark_saved()
    window.close()
    app.processEvents()
    from kernelscope.files.export import ExportError, save_png

    try:
        save_png(image, Path(out))
    except ExportError as exc:
        raise OSError(str(exc)) from None


def start_autosave(
    window: MainWindow,
    recovery: RecoveryScan | Recovery | None = None,
    data_dir: str | None = None,
    interval_ms: int = 3000,
) -> Autosaver:
    """Autosave the window's document from now on; first offer what ``find_recoveries`` found."""
    from kernelscope.ui.autosave import Autosaver

    files = window.files
    saver = Autosaver(window.document, data_dir, interval_ms, parent=window)
    saver.failed.connect(window.statusBar().showMessage)
    saver.set_source(files.path)
    files.path_changed.connect(lambda: saver.set_source(files.path))
    window.about_to_close.connect(saver.finish_clean)
    if recovery is not None:
        offer_recovery(window, saver, recovery)
    return saver


def ask_restore(window: MainWindow, recovery: Recovery) -> bool:
    """The question after a crash; replaceable (``app.ask_restore = ...``) so tests answer it."""
    from PySide6.QtWidgets import QMessageBox

    answer = QMessageBox.question(
        window, "Restore the drawing?",
        f"kernelscope closed unexpectedly. Restore \u201c{recovery.title}\u201d from {recovery.saved_at_text()}?\n"
        "No deletes this autosave.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes,
    )
    return answer == QMessageBox.StandardButton.Yes


def _adopt(window: MainWindow, saver: Autosaver, recovery: Recovery) -> None:
    """Once the restored scene is in: its autosave is this window's, and Save goes to its source.
    (A heavy restore that an edit supersedes is not adopted: its file stays for the next start.)"""
    saver.adopt(recovery)
    source = recovery.source
    window.files.path = source if source is not None and source.is_file() else None
    window.files.path_changed.emit()


def offer_recovery(window: MainWindow, saver: Autosaver, found: RecoveryScan | Recovery) -> None:
    """One question per orphaned autosave, newest first, until the person restores one: declined
    ones are removed, and those after a restore stay on disk for the next start (one drawing per
    window). Autosaves that cannot be read were kept aside by the scan: said in one line."""
    from kernelscope.files.recovery import Recovery, RecoveryScan

    scan = RecoveryScan(offers=(found,)) if isinstance(found, Recovery) else found
    problems = [scan.report] if scan.report else []
    restored = None
    for recovery in scan.offers:
        if not ask_restore(window, recovery):
            recovery.discard()
            continue
        try:
            window.document.load(recovery.session, on_loaded=functools.partial(_adopt, window, saver, recovery))
        except Exception as exc:  # refused by the document (all or nothing): keep the file, say so
            problems.append(recovery.keep_aside(str(exc) or type(exc).__name__))
            continue
        window.document.mark_modified()
        restored = f"restored \u201c{recovery.title}\u201d from {recovery.saved_at_text()}"
        break
    if problems:
        sys.stderr.write("; ".join(problems) + "\n")
    if restored or problems:
        window.statusBar().showMessage("; ".join(([restored] if restored else []) + problems), 0 if problems else 10000)
