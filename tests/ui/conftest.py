"""UI tests: a modal dialog would hang a headless test, and QSettings must stay out of the user's home."""

import pytest
from PySide6.QtCore import QSettings

from kernelscope.ui.file_controller import FileController
from kernelscope.ui.widgets.gif_options import GifOptions
from kernelscope.ui.widgets.image_options import ImageOptions


@pytest.fixture(autouse=True)
def _no_modal_dialogs(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Answer "discard" at close, fail loudly on a file dialog a test did not answer itself."""
    settings_dir = str(tmp_path_factory.mktemp("qsettings"))
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, settings_dir)
    monkeypatch.setattr(FileController, "ask_save_changes", lambda self: "discard")

    def unanswered(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a test opened a file dialog without answering it")

    monkeypatch.setattr(FileController, "ask_open_path", unanswered)
    monkeypatch.setattr(FileController, "ask_image_options", lambda self, path: ImageOptions(3, None, "crop"))
    monkeypatch.setattr(FileController, "ask_save_path", unanswered)
    # A GIF over every step at the window's speed: what Export GIF wrote before it asked for a range.
    monkeypatch.setattr(FileController, "ask_gif_options",
                        lambda self, request: GifOptions(0, request.steps - 1, request.fps))
    # A name typed without an extension that then matches an existing file: keep it, unless a test says.
    monkeypatch.setattr(FileController, "ask_overwrite", lambda self, path: False)
