"""Messages that pass: a note in the status bar clears by itself, and a refusal on the message line
stays only until the next action succeeds (a save, an export, an edit)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kernelscope.ui import file_controller
from kernelscope.ui.file_controller import FileController
from tests.ui.gui import open_window


def refuse_a_picture(w, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not a picture")
    assert not w.files.open_image(junk)
    assert w.status_strip.message.text()


def test_a_save_note_clears_by_itself(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(file_controller, "NOTE_MS", 50)  # the same timer, shorter for the test
    monkeypatch.setattr(FileController, "ask_save_path", lambda self, *a: str(tmp_path / "mine.kscope"))
    w = open_window(qtbot)
    w.actions_by_name["save"].trigger()
    bar = w.statusBar()
    assert bar.currentMessage().startswith("saved ")
    qtbot.waitUntil(lambda: bar.currentMessage() == "")


@pytest.mark.parametrize("action", ["save", "export_npy", "weight edit"])
def test_a_refusal_stays_until_the_next_action_succeeds(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                                        action: str) -> None:
    monkeypatch.setattr(FileController, "ask_save_path", lambda self, caption, filt, name: str(tmp_path / name))
    w = open_window(qtbot)
    refuse_a_picture(w, tmp_path)
    w.document.set_step(2)  # looking around is no answer to it
    assert w.status_strip.message.text()
    if action == "weight edit":
        w.controller.edit_weight(0, 0, 2.0)
    else:
        w.actions_by_name[action].trigger()
    assert w.status_strip.message.text() == ""
