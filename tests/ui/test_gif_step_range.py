"""File > Export > Stepping as animated GIF asks for the steps first: the GIF holds exactly the range
chosen, at the speed chosen; Cancel writes nothing and asks for no file name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from kernelscope.core.scene import Session
from kernelscope.files.export import export_gif
from kernelscope.files.lessons import find_lesson, load_lesson
from kernelscope.files.sessions import default_session
from kernelscope.ui.file_controller import FileController
from kernelscope.ui.main_window import MainWindow
from kernelscope.ui.widgets.gif_options import GifOptions, GifOptionsDialog, GifRequest
from tests.ui.gui import open_window

REAL_ASK = FileController.ask_gif_options  # before tests/ui/conftest.py answers it for every test


def answer_save_path(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[str]:
    asked: list[str] = []

    def ask(self: FileController, caption: str, file_filter: str, suggested: str) -> str:
        asked.append(suggested)
        return str(path)

    monkeypatch.setattr(FileController, "ask_save_path", ask)
    return asked


def answer_gif_options(monkeypatch: pytest.MonkeyPatch, answer: GifOptions | None) -> list[GifRequest]:
    asked: list[GifRequest] = []

    def ask(self: FileController, request: GifRequest) -> GifOptions | None:
        asked.append(request)
        return answer

    monkeypatch.setattr(FileController, "ask_gif_options", ask)
    return asked


def frame_count_and_delay(path: Path) -> tuple[int, int]:
    with Image.open(path) as gif:
        return gif.n_frames, gif.info["duration"]


def big_scene() -> Session:
    s = default_session()
    return Session(np.ones((60, 60, 1), np.float32), s.kernels, s.bias, s.spec)  # 58x58 = 3364 steps


def test_the_gif_holds_exactly_the_chosen_steps_at_the_chosen_speed(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    window = open_window(qtbot)
    window.document.set_step(6)
    out = tmp_path / "steps.gif"
    asked = answer_gif_options(monkeypatch, GifOptions(2, 5, 4.0))
    answer_save_path(monkeypatch, out)
    window.actions_by_name["export_gif"].trigger()
    assert asked == [GifRequest("layer 1 (conv2d)", "filter 1 of 1", 9, 6, window.step_panel.speed(),
                                (0.5, 20.0), 2500)]
    assert frame_count_and_delay(out) == (4, 250)  # steps 3 to 6: B - A + 1 frames, a quarter second each
    same = tmp_path / "direct.gif"
    export_gif(window.document.to_session(), same, fps=4.0, first=2, last=5)
    assert out.read_bytes() == same.read_bytes()
    assert window.statusBar().currentMessage() == f"exported {out}"


def test_cancel_writes_nothing_and_asks_for_no_file(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    window = open_window(qtbot)
    asked = answer_gif_options(monkeypatch, None)  # the file dialog stays unanswered: conftest fails if it opens
    assert window.files.export_gif() is None
    assert len(asked) == 1
    assert list(tmp_path.iterdir()) == []
    assert window.status_strip.message.text() == ""


def test_a_stack_layer_names_what_it_steps(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    window = open_window(qtbot, load_lesson(find_lesson("12")))
    doc = window.document
    doc.select_layer(1)  # max_pooling2d: 13x13 steps on each of 4 channels
    doc.select_filter(2)
    doc.set_step(100)
    out = tmp_path / "pool.gif"
    asked = answer_gif_options(monkeypatch, GifOptions(100, 109, 2.0))
    answer_save_path(monkeypatch, out)
    assert window.files.export_gif() == out
    request = asked[0]
    assert (request.layer, request.stepped, request.steps, request.current) == (
        "layer 2 (max_pooling2d)", "channel 3 of 4", 169, 100)
    assert frame_count_and_delay(out)[0] == 10
    doc.select_layer(3)  # dense: one unit a step
    asked = answer_gif_options(monkeypatch, GifOptions(0, 5, 2.0))
    assert window.files.export_gif() == out
    assert (asked[0].layer, asked[0].stepped, asked[0].steps) == ("layer 4 (dense)", "its 6 units, one a step", 6)
    assert frame_count_and_delay(out)[0] == 6


def test_a_refused_gif_is_said_before_any_question(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot, load_lesson(find_lesson("12")))
    window.document.select_layer(3)
    window.document.select_filter(0)
    monkeypatch.setattr(window.files.host, "gif_speed", lambda: 50.0)
    asked = answer_gif_options(monkeypatch, GifOptions(0, 5, 2.0))
    assert window.files.export_gif() is None
    assert asked == []
    assert window.status_strip.message.text() == "a GIF plays at 0.5 to 20 frames per second, not 50"


def close_the_dialog(qtbot, act) -> list[GifOptionsDialog]:  # type: ignore[no-untyped-def]
    """Once the modal dialog is up, let ``act`` answer it (offscreen: no person to click)."""
    seen: list[GifOptionsDialog] = []

    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, GifOptionsDialog):
            QTimer.singleShot(10, answer)
            return
        seen.append(dialog)
        act(dialog)

    QTimer.singleShot(0, answer)
    return seen


def test_the_dialog_offers_the_cap_around_the_step_and_its_range_is_written(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setattr(FileController, "ask_gif_options", REAL_ASK)
    window: MainWindow = open_window(qtbot, big_scene())
    window.document.set_step(3000)
    out = tmp_path / "big.gif"
    answer_save_path(monkeypatch, out)
    offered: list[tuple[int, int, bool]] = []

    def act(dialog: GifOptionsDialog) -> None:
        offered.append((dialog.from_box.value(), dialog.to_box.value(), dialog.ok_button().isEnabled()))
        dialog.from_box.setValue(1)
        dialog.to_box.setValue(3364)
        offered.append((dialog.from_box.value(), dialog.to_box.value(), dialog.ok_button().isEnabled()))
        dialog.from_box.setValue(3361)
        qtbot.mouseClick(dialog.ok_button(), Qt.MouseButton.LeftButton)

    seen = close_the_dialog(qtbot, act)
    assert window.files.export_gif() == out
    assert len(seen) == 1
    assert offered == [(3364 - 2500 + 1, 3364, True), (1, 3364, False)]  # 2,500 steps up to the last; all: refused
    assert frame_count_and_delay(out)[0] == 4


def test_cancel_in_the_dialog_writes_nothing(qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(FileController, "ask_gif_options", REAL_ASK)
    window = open_window(qtbot)
    seen = close_the_dialog(qtbot, lambda dialog: dialog.reject())
    assert window.files.export_gif() is None
    assert len(seen) == 1
    assert list(tmp_path.iterdir()) == []
