"""The QApplication and the window: start it interactively, or render one frame to a PNG and quit."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from kernelscope.core.document import Document
from kernelscope.files.sessions import Session

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


def _window(session: Session | None):  # type: ignore[no-untyped-def]
    from kernelscope.ui import theme
    from kernelscope.ui.main_window import MainWindow
    from kernelscope.ui.settings import Settings

    settings = Settings()
    theme.apply(application(), settings.theme())
    doc = Document(session)
    if session is None and settings.colormap():
        try:
            doc.set_view(colormap=settings.colormap())
        except ValueError:
            pass
    window = MainWindow(doc, settings=settings)
    window.set_theme(settings.theme())
    return window


def run(session: Session | None = None, projector: bool = False) -> int:
    """Open the window and run until it closes."""
    app = application()
    window = _window(session)
    from kernelscope.files.recovery import find_recovery

    recovery = find_recovery()  # before anything can autosave over it
    window.show()
    if projector:
        window.set_projector(True)
    window.start_autosave(recovery)
    code = app.exec()
    del window
    return int(code)


def screenshot(
    out: Path, session: Session | None = None, size: tuple[int, int] = (1280, 800), projector: bool = False
) -> None:
    """Render the window at ``size`` into a PNG without a display (offscreen works)."""
    app = application()
    window = _window(session)
    window.resize(*size)
    window.show()
    if projector:
        window.set_projector(True, full_screen=False)
        window.resize(*size)
    for _ in range(3):  # let layouts settle and pyqtgraph fit its views
        app.processEvents()
    image = window.grab().toImage()
    window.document.mark_saved()
    window.close()
    app.processEvents()
    from kernelscope.files.export import ExportError
    from kernelscope.ui.file_controller import _save_png

    try:
        _save_png(image, Path(out))
    except ExportError as exc:
        raise OSError(str(exc)) from None
