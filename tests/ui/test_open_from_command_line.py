"""The window side of the command line: ``kernelscope FILE`` holds FILE (title, Ctrl+S, recent
files), and a line beyond a limit is a message in the line field, never an exception in Qt."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kernelscope.core import pasted_layer
from kernelscope.files.sessions import default_session, load_session, save_session
from kernelscope.ui import app
from kernelscope.ui.main_window import MainWindow
from tests.ui.gui import open_window


@pytest.fixture
def window(qtbot):  # type: ignore[no-untyped-def]
    return open_window(qtbot)


def test_remember_file_gives_the_window_its_file(window: MainWindow, tmp_path: Path) -> None:
    path = tmp_path / "week1.kscope"
    save_session(default_session(), path)
    app.remember_file(window, path)
    assert window.files.path == path
    assert window.windowTitle().startswith("week1.kscope")
    assert str(path.resolve()) in window.settings.recent_files()
    window.document.set_bias(0, 0.5)
    assert window.files.save()  # Ctrl+S: no Save As dialog (the fixture fails on one)
    assert load_session(path).bias[0] == 0.5


def test_remember_file_without_a_path_leaves_the_window_untitled(window: MainWindow) -> None:
    app.remember_file(window, None)
    assert window.files.path is None


def test_run_hands_the_path_to_the_window(qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """run() as far as the event loop: the window it opens holds the file it was given."""
    path = tmp_path / "x.kscope"
    save_session(default_session(), path)
    opened: list[MainWindow] = []
    build = app._window

    def window_of(session):  # type: ignore[no-untyped-def]
        w = build(session)
        qtbot.addWidget(w)
        opened.append(w)
        return w

    real = app.application()

    class NoLoop:
        """The real QApplication, except that exec returns at once."""

        def __getattr__(self, name: str) -> object:
            return getattr(real, name)

        def exec(self) -> int:
            assert opened[0].files.path == path
            return 0

    monkeypatch.setattr(app, "_window", window_of)
    monkeypatch.setattr(app, "application", NoLoop)
    monkeypatch.setattr(app, "start_autosave", lambda window, recovery: None)
    monkeypatch.setattr("kernelscope.files.recovery.find_recovery", lambda: None)
    assert app.run(load_session(path), path=path) == 0
    assert len(opened) == 1
    assert opened[0].files.path == path


@pytest.mark.parametrize(
    ("line", "message"),
    [("Conv2D(1000000, 11)", "filters: at most 512 (got 1000000)"),
     ("Conv2D(" + "9" * 100 + ", 3)", "filters: at most 512 (got a number with 100 digits)"),
     ("Conv2D(2, 13)", "kernel_size: at most 11 on a side (got 13)")],
)
def test_a_line_beyond_a_limit_is_shown_in_the_line_field(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch, line: str, message: str
) -> None:
    def refuse(*args: object, **kwargs: object) -> np.ndarray:
        raise AssertionError("glorot_uniform ran for a refused line")

    monkeypatch.setattr(pasted_layer, "glorot_uniform", refuse)
    before = window.document.to_session()
    assert not window.controller.paste_line(line)
    assert window.line_paste.message.text() == message
    assert window.line_paste.message.isVisible()
    assert window.document.to_session() == before
