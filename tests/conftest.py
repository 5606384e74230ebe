"""Headless Qt for every test: set before PySide6 or pyqtgraph is imported anywhere."""

import os

os.environ["QT_QPA_PLATFORM"] = os.environ.get("KERNELSCOPE_TEST_QPA", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
# Keep user settings and autosaves out of tests.
os.environ.setdefault(
    "KERNELSCOPE_DATA_DIR", os.path.join(os.environ.get("TMPDIR", "/tmp"), f"kernelscope-test-data-{os.getpid()}")
)
os.environ.setdefault("XDG_CONFIG_HOME", os.path.join(os.environ.get("TMPDIR", "/tmp"), "kernelscope-test-config"))

from hypothesis import HealthCheck, settings

settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _no_modal_dialogs(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A modal dialog would hang a headless test: answer "discard" at close, fail loudly on a file
    dialog a test did not answer itself, and keep QSettings out of the user's home."""
    import importlib.util

    if importlib.util.find_spec("kernelscope.file_controller") is None:
        return
    from PySide6.QtCore import QSettings

    from kernelscope.file_controller import FileController

    settings_dir = str(tmp_path_factory.mktemp("qsettings"))
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, settings_dir)
    monkeypatch.setattr(FileController, "ask_save_changes", lambda self: "discard")

    def unanswered(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a test opened a file dialog without answering it")

    monkeypatch.setattr(FileController, "ask_open_path", unanswered)
    from kernelscope.widgets.image_options import ImageOptions

    monkeypatch.setattr(FileController, "ask_image_options", lambda self, path: ImageOptions(3, None, "crop"))
    monkeypatch.setattr(FileController, "ask_save_path", unanswered)
