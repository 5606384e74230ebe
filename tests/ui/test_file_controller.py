"""Save As and Export keep the name the person typed, ask before replacing a file they did not name,
and write through links, never over pipes (the window must not freeze on one)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from kernelscope.files.sessions import default_session, dumps_session, load_session, save_session
from kernelscope.ui.file_controller import FileController
from kernelscope.ui.main_window import MainWindow
from tests.ui.gui import open_window


@pytest.fixture
def window(qtbot):  # type: ignore[no-untyped-def]
    return open_window(qtbot)


def answer_save_path(monkeypatch: pytest.MonkeyPatch, typed: Path) -> None:
    monkeypatch.setattr(FileController, "ask_save_path", lambda self, *a: str(typed))


def answer_overwrite(monkeypatch: pytest.MonkeyPatch, answer: bool) -> list[Path]:
    asked: list[Path] = []

    def ask(self: FileController, path: Path) -> bool:
        asked.append(path)
        return answer

    monkeypatch.setattr(FileController, "ask_overwrite", ask)
    return asked


def test_a_name_with_another_extension_is_kept(window: MainWindow, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "week1.kscope").write_text("last week")
    answer_save_path(monkeypatch, tmp_path / "week1.part2")
    asked = answer_overwrite(monkeypatch, False)
    assert window.files.save_as()
    assert (tmp_path / "week1.kscope").read_text() == "last week"
    assert load_session(tmp_path / "week1.part2") == window.document.to_session()
    assert window.files.path == tmp_path / "week1.part2"
    assert asked == []


def test_a_name_without_extension_gets_one_without_a_question_when_free(window: MainWindow, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    answer_save_path(monkeypatch, tmp_path / "week1")
    asked = answer_overwrite(monkeypatch, False)
    assert window.files.save_as()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["week1.kscope"]
    assert asked == []


@pytest.mark.parametrize("replace", [True, False])
def test_the_added_extension_asks_before_replacing(window: MainWindow, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch, replace: bool) -> None:
    existing = tmp_path / "week1.kscope"
    existing.write_text("last week")
    answer_save_path(monkeypatch, tmp_path / "week1")
    asked = answer_overwrite(monkeypatch, replace)
    window.document.set_weight(0, 0, 0, 7.0)
    assert window.files.save_as() is replace
    assert asked == [existing]
    if replace:
        assert load_session(existing) == window.document.to_session()
        assert window.files.path == existing
        assert not window.isWindowModified()
    else:
        assert existing.read_text() == "last week"
        assert window.files.path is None
        assert window.isWindowModified()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["week1.kscope"]


def test_an_export_keeps_its_typed_extension(window: MainWindow, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "maps.npy").write_bytes(b"yesterday's maps")
    answer_save_path(monkeypatch, tmp_path / "maps.v2")
    asked = answer_overwrite(monkeypatch, False)
    assert window.files.export_npy() == tmp_path / "maps.v2"
    assert np.load(tmp_path / "maps.v2").shape == (3, 3, 1)
    assert (tmp_path / "maps.npy").read_bytes() == b"yesterday's maps"
    assert asked == []


@pytest.mark.parametrize("replace", [True, False])
def test_an_export_asks_before_replacing_the_file_with_the_added_extension(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, replace: bool
) -> None:
    (tmp_path / "maps.npy").write_bytes(b"yesterday's maps")
    answer_save_path(monkeypatch, tmp_path / "maps")
    asked = answer_overwrite(monkeypatch, replace)
    result = window.files.export_npy()
    assert asked == [tmp_path / "maps.npy"]
    if replace:
        assert result == tmp_path / "maps.npy"
        assert np.load(tmp_path / "maps.npy").shape == (3, 3, 1)
    else:
        assert result is None
        assert (tmp_path / "maps.npy").read_bytes() == b"yesterday's maps"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["maps.npy"]


def test_an_unanswered_overwrite_question_keeps_the_file(window: MainWindow, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """tests/ui/conftest.py answers "no" for any test that does not answer itself."""
    (tmp_path / "maps.npy").write_bytes(b"keep")
    answer_save_path(monkeypatch, tmp_path / "maps")
    assert window.files.export_npy() is None
    assert (tmp_path / "maps.npy").read_bytes() == b"keep"


def test_saving_through_a_link_writes_its_file(window: MainWindow, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "real.kscope"
    save_session(default_session(), real)
    link = tmp_path / "link.kscope"
    link.symlink_to(real)
    assert window.files.open(link)
    window.document.set_weight(0, 0, 0, 9.0)
    assert window.files.save()
    assert link.is_symlink()
    assert load_session(real).kernels[0, 0, 0, 0] == 9.0
    assert real.read_text() != dumps_session(default_session())


def test_a_pipe_is_refused_in_the_window_without_freezing(window: MainWindow, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = tmp_path / "pipe.kscope"
    os.mkfifo(pipe)
    before = window.document.to_session()
    assert not window.files.open(pipe)
    assert window.status_strip.message.text() == f"cannot read {pipe}: is a named pipe (FIFO)"
    assert not window.files.open_image(pipe)
    assert window.status_strip.message.text() == f"{pipe}: is a named pipe (FIFO), not a picture"
    answer_save_path(monkeypatch, pipe)
    assert not window.files.save_as()
    assert "is a named pipe (FIFO), not a file" in window.status_strip.message.text()
    assert window.files.export_npy() is None
    assert window.document.to_session() == before
    assert [p.name for p in tmp_path.iterdir()] == ["pipe.kscope"]


def test_a_heavy_open_superseded_by_an_edit_never_points_save_at_that_file(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file's path follows its scene: while the maps compute the old scene stays, and an edit
    that supersedes the load leaves Save pointing where it pointed, not over the file not shown."""
    from kernelscope.core import document

    monkeypatch.setattr(document, "SYNC_WORK_LIMIT", 0)  # every scene goes to the worker
    requests: list[object] = []
    window.document.set_scheduler(lambda generation, args, deliver: requests.append((generation, args, deliver)))
    target = tmp_path / "heavy.kscope"
    save_session(default_session(), target)
    assert window.files.open(target)
    assert window.document.computing
    assert window.files.path is None  # not yet: the window still shows the scene it had
    window.document.paint_cells([(0, 0)], 1.0)  # an edit supersedes the waiting load
    for generation, args, deliver in requests:  # type: ignore[misc]
        deliver(generation, args())
    assert window.files.path is None
    assert target.read_bytes() == dumps_session(default_session()).encode()
