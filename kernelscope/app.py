"""The QApplication and the window: start it interactively, or render one frame to a PNG and quit."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

from kernelscope.document import Document
from kernelscope.sessions import Session

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


def run(session: Session | None = None) -> int:
    """Open the window and run until it closes."""
    app = application()
    from kernelscope.main_window import MainWindow

    window = MainWindow(Document(session))
    window.show()
    code = app.exec()
    del window
    return int(code)


def screenshot(out: Path, session: Session | None = None, size: tuple[int, int] = (1280, 800)) -> None:
    """Render the window at ``size`` into a PNG without a display (offscreen works)."""
    app = application()
    from kernelscope.main_window import MainWindow

    window = MainWindow(Document(session))
    window.resize(*size)
    window.show()
    for _ in range(3):  # let layouts settle and pyqtgraph fit its views
        app.processEvents()
    image = window.grab().toImage()
    window.close()
    app.processEvents()
    if image.isNull() or not image.save(str(out), "PNG"):
        raise OSError(f"cannot write the screenshot to {out}")
