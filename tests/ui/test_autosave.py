"""Autosave and crash recovery: written soon after an edit, once per burst, never blocking, gone at a
clean exit, offered after a real SIGKILL, and never an exception for a broken file or a bad folder."""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QStandardPaths

from kernelscope.core.document import Document
from kernelscope.files import recovery as autosave
from kernelscope.files import sessions
from kernelscope.files.recovery import (
    AUTOSAVE_NAME,
    DATA_DIR_ENV,
    MARKER_NAME,
    Recovery,
    data_dir,
    discard_recovery,
    find_recoveries,
    find_recovery,
    pid_running,
)
from kernelscope.files.sessions import default_session, save_session
from kernelscope.ui.autosave import Autosaver

ROOT = Path(__file__).resolve().parents[2]
INTERVAL = 50  # ms
WAIT = 5000  # ms: generous for a loaded CI machine; the waits end as soon as the condition holds


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "data"
    monkeypatch.setenv(DATA_DIR_ENV, str(d))
    return d


@pytest.fixture
def make_saver(qtbot) -> Iterator:  # type: ignore[no-untyped-def]
    """Autosavers that are stopped (their writer thread joined) when the test ends."""
    made: list[Autosaver] = []

    def make(doc: Document, **kwargs: object) -> Autosaver:
        kwargs.setdefault("interval_ms", INTERVAL)
        saver = Autosaver(doc, **kwargs)  # type: ignore[arg-type]
        made.append(saver)
        return saver

    yield make
    for saver in made:
        saver.stop()


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The thread name of every serialization of a session (the autosaver's goes through the module)."""
    calls: list[str] = []
    real = sessions.session_text_pieces

    def counting(s: sessions.Session) -> Iterator[str]:
        calls.append(threading.current_thread().name)
        return real(s)

    monkeypatch.setattr(sessions, "session_text_pieces", counting)
    return calls


def own_files(saver: Autosaver) -> set[str]:
    return {saver.session_path.name, saver.marker_path.name, saver.lock_path.name}


def files(d: Path) -> set[str]:
    return {p.name for p in d.iterdir()} if d.exists() else set()


def dead_pid() -> int:
    """The id of a process that has exited and been reaped."""
    out = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(out.stdout)


def edited_session() -> sessions.Session:
    """The article's scene with one weight typed over (7 where it had -1)."""
    s = default_session()
    kernels = np.array(s.kernels)
    kernels[1, 1, 0, 0] = 7
    return sessions.Session(s.input, kernels, s.bias, s.spec, s.view, s.title, s.notes)


EDITED_TEXT = sessions.dumps_session(edited_session())


def leave_autosave(d: Path, marker: dict[str, object] | str | None, session_text: str | None = None) -> None:
    """Files as a previous run would have left them."""
    d.mkdir(parents=True, exist_ok=True)
    (d / AUTOSAVE_NAME).write_text(EDITED_TEXT if session_text is None else session_text, encoding="utf-8")
    if isinstance(marker, dict):
        (d / MARKER_NAME).write_text(json.dumps(marker), encoding="utf-8")
    elif isinstance(marker, str):
        (d / MARKER_NAME).write_text(marker, encoding="utf-8")


def crashed_marker(**changes: object) -> dict[str, object]:
    marker: dict[str, object] = {
        "pid": dead_pid(),
        "clean_exit": False,
        "source": None,
        "saved_at": "2030-01-02T03:04:05+00:00",
    }
    marker.update(changes)
    return marker


# ---------------------------------------------------------------------------- where


def test_the_environment_variable_chooses_the_folder(data: Path) -> None:
    assert data_dir() == data


def test_without_the_variable_it_is_qts_app_local_data_location(monkeypatch: pytest.MonkeyPatch, qapp) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    unnamed = data_dir()  # pytest-qt's QApplication has another name: built from the generic location
    names = QCoreApplication.applicationName(), QCoreApplication.organizationName()
    try:
        QCoreApplication.setApplicationName("kernelscope")
        QCoreApplication.setOrganizationName("kernelscope")
        qt = Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation))
        assert data_dir() == qt
    finally:
        QCoreApplication.setApplicationName(names[0])
        QCoreApplication.setOrganizationName(names[1])
    assert unnamed == qt


def test_pid_running_never_signals_a_group_and_knows_the_living() -> None:
    assert pid_running(os.getpid())
    assert pid_running(os.getppid())
    for not_a_pid in (0, -1, -os.getpid(), 2**40, True, None, "123", 3.0):
        assert not pid_running(not_a_pid)
    assert not pid_running(dead_pid())


# ---------------------------------------------------------------------------- autosaving


def test_an_edit_is_autosaved_within_the_interval_off_the_ui_thread(  # type: ignore[no-untyped-def]
    data: Path, make_saver, qtbot, writes: list[str]
) -> None:
    doc = Document()
    saver = make_saver(doc)
    saver.set_source(data.parent / "drawing.kscope")
    assert saver.session_path.parent == data
    assert re.fullmatch(r"autosave-[0-9a-f]{12}\.kscope", saver.session_path.name)
    assert saver.marker_path == saver.session_path.with_suffix(".json")
    assert saver.lock_path == saver.session_path.with_suffix(".lock")
    with qtbot.waitSignal(saver.saved, timeout=WAIT) as blocker:
        doc.set_weight(0, 1, 1, 7.0)
        assert saver.pending
    assert blocker.args == [str(saver.session_path)]
    assert files(data) == own_files(saver)  # no temporary file left behind
    assert sessions.load_session(saver.session_path) == doc.to_session()
    marker = json.loads(saver.marker_path.read_text())
    assert set(marker) == {"pid", "clean_exit", "source", "saved_at"}
    assert marker["pid"] == os.getpid()
    assert marker["clean_exit"] is False
    assert marker["source"] == str(data.parent / "drawing.kscope")
    assert abs(datetime.fromisoformat(marker["saved_at"]) - datetime.now().astimezone()) < timedelta(minutes=1)
    assert writes == ["kernelscope-autosave"]  # the UI thread only took a snapshot


def test_nothing_is_written_when_nothing_changed(data: Path, make_saver, qtbot, writes: list[str]) -> None:  # type: ignore[no-untyped-def]
    doc = Document()
    saver = make_saver(doc)
    doc.set_view(colormap="viridis")  # display settings are not work to lose
    doc.set_step(2)
    with pytest.raises(Exception, match="finite"):
        doc.set_weight(0, 0, 0, float("nan"))  # a refused edit changes nothing
    assert not saver.pending
    doc.set_weight(0, 0, 0, 5.0)
    doc.undo()  # back to what was opened: modified is False when the timer fires
    assert saver.pending
    qtbot.waitUntil(lambda: not saver.pending, timeout=WAIT)
    saver.stop()  # joins the writer thread: anything submitted has finished
    assert writes == []
    assert files(data) == set()


def test_a_burst_of_edits_is_one_write(data: Path, make_saver, qtbot, writes: list[str]) -> None:  # type: ignore[no-untyped-def]
    doc = Document()
    saver = make_saver(doc)
    with qtbot.waitSignal(saver.saved, timeout=WAIT):
        for i in range(25):
            doc.set_weight(0, i % 3, (i // 3) % 3, float(i))
        doc.set_bias(0, 0.5)
    saver.stop()
    assert len(writes) == 1
    assert not saver.pending
    assert sessions.load_session(saver.session_path) == doc.to_session()  # the last edit is in it


def test_each_later_change_is_saved_again(data: Path, make_saver, qtbot, writes: list[str]) -> None:  # type: ignore[no-untyped-def]
    doc = Document()
    saver = make_saver(doc)
    with qtbot.waitSignal(saver.saved, timeout=WAIT):
        doc.set_weight(0, 0, 0, 2.0)
    with qtbot.waitSignal(saver.saved, timeout=WAIT):
        doc.paint_cells([(0, 0)], 1.0)  # the X's corner, black (-1) -> white
    assert len(writes) == 2
    assert sessions.load_session(saver.session_path).input[0, 0, 0] == 1


def test_saving_or_undoing_everything_removes_this_runs_autosave(data: Path, make_saver, qtbot) -> None:  # type: ignore[no-untyped-def]
    doc = Document()
    saver = make_saver(doc)
    with qtbot.waitSignal(saver.saved, timeout=WAIT):
        doc.set_weight(0, 0, 0, 2.0)
    doc.mark_saved()  # what File > Save does after writing the file
    qtbot.waitUntil(lambda: files(data) == set(), timeout=WAIT)
    with qtbot.waitSignal(saver.saved, timeout=WAIT):
        doc.set_weight(0, 0, 0, 3.0)
    doc.undo()
    qtbot.waitUntil(lambda: files(data) == set(), timeout=WAIT)


def test_an_earlier_runs_autosave_is_not_removed_by_an_unmodified_document(data: Path, make_saver, qtbot) -> None:  # type: ignore[no-untyped-def]
    leave_autosave(data, crashed_marker())
    doc = Document()
    saver = make_saver(doc)
    doc.load(default_session())  # history_changed, but nothing to save: the old files wait for the question
    qtbot.waitUntil(lambda: not saver.pending, timeout=WAIT)
    saver.stop()
    assert files(data) == {AUTOSAVE_NAME, MARKER_NAME}
    assert find_recovery(data) is not None


def test_flush_writes_a_pending_change_now(data: Path, make_saver) -> None:  # type: ignore[no-untyped-def]
    doc = Document()
    saver = make_saver(doc, interval_ms=60_000)
    assert saver.flush()  # nothing pending: nothing to do
    assert files(data) == set()
    doc.set_weight(0, 2, 2, 4.0)
    assert saver.flush()
    assert not saver.pending
    assert sessions.load_session(saver.session_path).kernels[2, 2, 0, 0] == 4


def test_stop_ends_autosaving(data: Path, make_saver, qtbot) -> None:  # type: ignore[no-untyped-def]
    doc = Document()
    saver = make_saver(doc)
    doc.set_weight(0, 0, 0, 2.0)
    saver.stop()
    assert not saver.pending
    doc.set_weight(0, 0, 0, 3.0)
    assert not saver.pending
    qtbot.wait(3 * INTERVAL)  # an event loop turn in which a forgotten timer would have fired
    assert files(data) == set()


def test_finish_clean_removes_the_autosave(data: Path, make_saver, qtbot) -> None:  # type: ignore[no-untyped-def]
    doc = Document()
    saver = make_saver(doc)
    with qtbot.waitSignal(saver.saved, timeout=WAIT):
        doc.set_weight(0, 0, 0, 2.0)
    doc.set_weight(0, 0, 0, 3.0)  # pending when the window closes: discarded by the person
    assert saver.finish_clean()
    assert files(data) == set()
    assert not saver.pending
    assert find_recovery(data) is None


def test_finish_clean_leaves_another_running_windows_autosave(data: Path, make_saver) -> None:  # type: ignore[no-untyped-def]
    leave_autosave(data, crashed_marker(pid=os.getppid()))  # the parent: certainly running
    saver = make_saver(Document())
    assert saver.finish_clean()
    assert files(data) == {AUTOSAVE_NAME, MARKER_NAME}


def test_finish_clean_leaves_an_earlier_runs_unanswered_autosave(data: Path, make_saver) -> None:  # type: ignore[no-untyped-def]
    leave_autosave(data, crashed_marker())
    saver = make_saver(Document())
    assert saver.finish_clean()
    assert files(data) == {AUTOSAVE_NAME, MARKER_NAME}
    assert find_recovery(data) is not None  # offered again at the next start


def test_an_adopted_recovery_is_replaced_then_removed(data: Path, make_saver, qtbot, writes: list[str]) -> None:  # type: ignore[no-untyped-def]
    leave_autosave(data, crashed_marker(source="/work/drawing.kscope"))
    found = find_recovery(data)
    assert found is not None
    doc = Document()
    saver = make_saver(doc)
    doc.load(found.session)  # the window restores it ...
    saver.adopt(found)  # ... and the autosave becomes this run's
    assert saver.source == Path("/work/drawing.kscope")
    doc.mark_saved()  # saved to a file: the adopted autosave is no longer needed
    qtbot.waitUntil(lambda: files(data) == set(), timeout=WAIT)
    assert writes == []


def test_a_clean_exit_after_restoring_leaves_nothing(data: Path, make_saver) -> None:  # type: ignore[no-untyped-def]
    leave_autosave(data, crashed_marker())
    found = find_recovery(data)
    saver = make_saver(Document())
    saver.adopt(found)
    assert saver.finish_clean()  # the person discarded the restored drawing at close
    assert files(data) == set()


def test_slow_writes_stretch_the_interval(data: Path, make_saver) -> None:  # type: ignore[no-untyped-def]
    saver = make_saver(Document(), interval_ms=3000)
    assert saver.next_interval_ms() == 3000
    saver._last_write_s = 0.05  # a 256x256 photo
    assert saver.next_interval_ms() == 3000
    saver._last_write_s = 1.0
    assert saver.next_interval_ms() == 10_000
    saver._last_write_s = 30.0
    assert saver.next_interval_ms() == autosave.MAX_STRETCHED_INTERVAL_MS


# ---------------------------------------------------------------------------- windows side by side


def test_two_windows_in_one_process_keep_two_autosaves(data: Path, make_saver, qtbot) -> None:  # type: ignore[no-untyped-def]
    first, second = Document(), Document()
    a, b = make_saver(first), make_saver(second)
    assert a.session_path != b.session_path
    with qtbot.waitSignal(a.saved, timeout=WAIT):
        first.set_weight(0, 0, 0, 2.0)
    with qtbot.waitSignal(b.saved, timeout=WAIT):
        second.set_weight(0, 0, 0, 3.0)
    assert files(data) == own_files(a) | own_files(b)
    assert sessions.load_session(a.session_path).kernels[0, 0, 0, 0] == 2  # neither overwrote the other
    assert sessions.load_session(b.session_path).kernels[0, 0, 0, 0] == 3
    assert find_recoveries(data).offers == ()  # both windows run: nothing to offer, nothing removed
    assert discard_recovery(data)
    assert files(data) == own_files(a) | own_files(b)
    assert a.finish_clean()
    assert files(data) == own_files(b)  # closing one never deletes the other's
    assert sessions.load_session(b.session_path).kernels[0, 0, 0, 0] == 3
    with qtbot.waitSignal(b.saved, timeout=WAIT):
        second.set_weight(0, 0, 0, 4.0)  # and the other goes on autosaving
    assert b.finish_clean()
    assert files(data) == set()


def test_the_ui_thread_never_builds_or_serializes_the_session(  # type: ignore[no-untyped-def]
    data: Path, make_saver, qtbot, writes: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    real = sessions.Session.__post_init__

    def counting(self: sessions.Session) -> None:
        built.append(threading.current_thread().name)
        real(self)

    doc = Document()
    saver = make_saver(doc)
    for i in range(3):
        doc.set_weight(0, 1, 1, float(i + 2))
        monkeypatch.setattr(sessions.Session, "__post_init__", counting)
        with qtbot.waitSignal(saver.saved, timeout=WAIT):
            pass  # the timer fires on this (the UI) thread and hands a snapshot to the writer
        monkeypatch.setattr(sessions.Session, "__post_init__", real)
    assert built == ["kernelscope-autosave"] * 3
    assert writes == ["kernelscope-autosave"] * 3
    assert sessions.load_session(saver.session_path) == doc.to_session()


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_every_autosave_file_is_private(data: Path, make_saver, qtbot) -> None:  # type: ignore[no-untyped-def]
    doc = Document()
    saver = make_saver(doc)
    with qtbot.waitSignal(saver.saved, timeout=WAIT):
        doc.set_weight(0, 0, 0, 2.0)
    for path in (saver.session_path, saver.marker_path, saver.lock_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(data.stat().st_mode) & 0o077 == 0  # the folder it made, too


def test_adopting_an_orphan_locks_it_until_the_first_write_replaces_it(  # type: ignore[no-untyped-def]
    data: Path, make_saver, qtbot
) -> None:
    leave_autosave(data, crashed_marker())  # the old single pair: migrated to this window's own name
    found = find_recovery(data)
    assert found is not None
    doc = Document(found.session)
    saver = make_saver(doc)
    assert saver.adopt(found)
    assert find_recoveries(data).offers == ()  # a second start meanwhile is not offered it again
    assert files(data) == {AUTOSAVE_NAME, MARKER_NAME}
    with qtbot.waitSignal(saver.saved, timeout=WAIT):
        doc.mark_modified()
        doc.set_weight(0, 0, 0, 5.0)
    assert files(data) == own_files(saver)  # the old pair went once the new autosave was on disk
    assert sessions.load_session(saver.session_path).kernels[1, 1, 0, 0] == 7


def test_an_orphan_another_window_restored_is_not_adopted_twice(data: Path, make_saver) -> None:  # type: ignore[no-untyped-def]
    first, second = make_saver(Document()), make_saver(Document())
    with_lock = data / "autosave-0123456789ab"
    data.mkdir()
    save_session(edited_session(), with_lock.with_suffix(".kscope"))
    found = find_recovery(data)
    assert found is not None
    assert first.adopt(found)
    assert not second.adopt(found)  # the first window holds it now
    assert found.discard()  # declined in yet another window: no longer on offer there ...
    assert found.path.exists()  # ... but not deleted: the first window holds it
    assert find_recoveries(data).offers == ()
    assert first.finish_clean()
    assert files(data) == set()


# ---------------------------------------------------------------------------- failures


def test_an_unwritable_folder_is_a_message_not_an_exception(tmp_path: Path, make_saver, qtbot) -> None:  # type: ignore[no-untyped-def]
    blocker_file = tmp_path / "not-a-folder"
    blocker_file.write_text("x")
    doc = Document()
    saver = make_saver(doc, data_dir=blocker_file / "data")  # mkdir fails even for root
    messages: list[str] = []
    saver.failed.connect(messages.append)
    with qtbot.waitSignal(saver.failed, timeout=WAIT):
        doc.set_weight(0, 0, 0, 2.0)
    assert len(messages) == 1
    assert messages[0].startswith("Autosave failed: cannot write ")
    assert "not-a-folder" in messages[0]
    assert "File > Save" in messages[0]
    assert "Traceback" not in messages[0]
    doc.set_weight(0, 0, 0, 3.0)
    assert not saver.flush()  # written here and now: fails, says so by its result
    assert len(messages) == 1  # still failing: no second message for the same streak
    doc.set_weight(0, 0, 0, 4.0)
    qtbot.waitUntil(lambda: not saver.pending, timeout=WAIT)
    saver.stop()
    assert len(messages) == 1
    assert doc.kernels[0, 0, 0, 0] == 4  # the edits themselves were never disturbed


def test_a_write_error_reports_once_then_recovers(  # type: ignore[no-untyped-def]
    data: Path, make_saver, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = autosave._write_atomic

    def full_disk(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(autosave, "_write_atomic", full_disk)
    doc = Document()
    saver = make_saver(doc)
    with qtbot.waitSignal(saver.failed, timeout=WAIT) as failed:
        doc.set_weight(0, 0, 0, 2.0)
    assert "no space left on device" in failed.args[0]
    assert files(data) <= {saver.lock_path.name}  # no session written
    monkeypatch.setattr(autosave, "_write_atomic", real)
    with qtbot.waitSignal(saver.saved, timeout=WAIT):
        doc.set_weight(0, 0, 0, 3.0)
    assert sessions.load_session(saver.session_path).kernels[0, 0, 0, 0] == 3


# ---------------------------------------------------------------------------- recovery


def test_a_crashed_runs_autosave_is_offered(data: Path) -> None:
    leave_autosave(data, crashed_marker(source="/work/drawing.kscope"))
    found = find_recovery()  # the environment variable's folder
    assert isinstance(found, Recovery)
    assert found.session.kernels[1, 1, 0, 0] == 7
    assert found.source == Path("/work/drawing.kscope")
    assert found.path == data / AUTOSAVE_NAME
    assert found.saved_at == datetime.fromisoformat("2030-01-02T03:04:05+00:00")
    now = found.saved_at + timedelta(hours=1)
    assert found.saved_at_text(now) == f"today at {found.saved_at.astimezone(now.tzinfo):%H:%M}"
    assert found.saved_at_text(found.saved_at + timedelta(days=9)).startswith("2030-01-02 at ")
    assert discard_recovery()
    assert files(data) == set()
    assert find_recovery() is None


def test_no_folder_or_no_autosave_is_nothing_to_recover(tmp_path: Path) -> None:
    assert find_recovery(tmp_path / "missing") is None
    assert find_recovery(tmp_path) is None
    assert discard_recovery(tmp_path / "missing")


def test_a_running_writer_or_a_clean_exit_is_not_offered(data: Path) -> None:
    leave_autosave(data, crashed_marker(pid=os.getppid()))
    assert find_recovery(data) is None
    assert files(data) == {AUTOSAVE_NAME, MARKER_NAME}  # another window's: left alone
    leave_autosave(data, crashed_marker(clean_exit=True))
    assert find_recovery(data) is None
    assert files(data) == set()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{not json",
        '{"format": "kernelscope-session", "version": 1, "layer": {"filters": 1, "kernel_siz',
        '{"format": "kernelscope-session", "version": 99}',
        "\x00\xff garbage",
    ],
)
def test_a_corrupt_autosave_is_none_and_kept_aside(data: Path, text: str) -> None:
    leave_autosave(data, crashed_marker(), session_text=text)
    scan = find_recoveries(data)
    assert scan.offers == ()
    (kept,) = files(data)  # the marker is gone, the session renamed: never deleted
    assert kept.startswith(AUTOSAVE_NAME + ".unreadable-")
    assert (data / kept).read_bytes() == text.encode("utf-8")
    assert scan.report is not None
    assert scan.report.startswith("Kept aside an autosave kernelscope cannot read: ")
    assert str(data / kept) in scan.report
    assert "\n" not in scan.report
    assert find_recovery(data) is None
    assert find_recoveries(data).report is None  # reported once, not at every start
    assert files(data) == {kept}


@pytest.mark.parametrize(
    "marker",
    [None, "", "{broken", "[1, 2]", json.dumps({"pid": "x", "clean_exit": "no", "source": 5, "saved_at": "soon"})],
)
def test_a_missing_or_broken_marker_still_offers_the_work(data: Path, marker: str | None) -> None:
    """The session is written before the marker: a session alone means a crash during the first write."""
    leave_autosave(data, marker)
    found = find_recovery(data)
    assert found is not None
    assert found.source is None
    assert found.session.kernels[1, 1, 0, 0] == 7
    assert abs(found.saved_at - datetime.now().astimezone()) < timedelta(minutes=1)  # the file's time


def test_find_recovery_never_raises(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    leave_autosave(tmp_path, crashed_marker())

    def broken(path: object) -> object:
        raise RuntimeError("a bug")

    monkeypatch.setattr(sessions, "load_session", broken)
    assert find_recovery(tmp_path) is None
    blocker_file = tmp_path / "file"
    blocker_file.write_text("x")
    assert find_recovery(blocker_file / "sub") is None


# ---------------------------------------------------------------------------- real processes

CHILD = r"""
import os, signal, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from kernelscope.ui.autosave import Autosaver
from kernelscope.core.document import Document

mode = sys.argv[1]
app = QApplication(sys.argv[:1])
doc = Document()
saver = Autosaver(doc, interval_ms=50)  # the folder comes from KERNELSCOPE_DATA_DIR
saver.set_source(sys.argv[2])

def on_saved(path):
    if mode == "crash":
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
    saver.finish_clean()
    app.quit()

def give_up():
    sys.stderr.write("no autosave within 30 s\n")
    app.exit(3)

saver.saved.connect(on_saved)
QTimer.singleShot(30000, give_up)
doc.set_weight(0, 1, 1, 7.0)
sys.exit(app.exec())
"""


def run_child(mode: str, data: Path, source: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env[DATA_DIR_ENV] = str(data)
    return subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(source)],
        capture_output=True, text=True, timeout=120, env=env, cwd=ROOT,
    )


def test_a_killed_process_leaves_its_edit_to_recover(tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = run_child("crash", data, tmp_path / "drawing.kscope")
    if sys.platform != "win32":
        assert proc.returncode == -signal.SIGKILL, proc.stderr
    (session_name,) = {name for name in files(data) if name.endswith(".kscope")}
    stem = session_name.removesuffix(".kscope")
    assert files(data) == {session_name, stem + ".json", stem + ".lock"}, proc.stderr
    found = find_recovery(data)
    assert found is not None
    assert found.session.kernels[1, 1, 0, 0] == 7  # the edit, intact
    assert found.source == tmp_path / "drawing.kscope"
    assert abs(found.saved_at - datetime.now().astimezone()) < timedelta(minutes=5)
    assert discard_recovery(data)
    assert find_recovery(data) is None


def test_a_clean_exit_leaves_nothing_to_recover(tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = run_child("clean", data, tmp_path / "drawing.kscope")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""  # no Qt warnings, no "Fatal Python error"
    assert files(data) == set()
    assert find_recovery(data) is None


# The whole flow through the window: `kernelscope` (app.run) is edited, killed, started again and
# asked whether to restore. app.start_autosave and app.ask_restore (replaceable, like FileController's
# questions) are patched so the child answers and acts without a dialog.

WINDOW_CHILD = r"""
import json, os, signal, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QTimer
from kernelscope.ui import app
from kernelscope.ui.file_controller import FileController

mode = sys.argv[1]
asked = []
app.ask_restore = lambda window, recovery: asked.append(recovery.saved_at_text()) or mode == "restore"
FileController.ask_save_changes = lambda self: "discard"
start_autosave = app.start_autosave

def start(window, recovery=None, data_dir=None, interval_ms=3000):
    saver = start_autosave(window, recovery, data_dir, 50)
    QTimer.singleShot(0, lambda: act(window, saver))
    QTimer.singleShot(30000, lambda: (sys.stderr.write("timed out\n"), os._exit(3)))
    return saver

def act(window, saver):
    if mode == "edit":
        saver.saved.connect(lambda path: os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM)))
        window.kernel_grid.weight_edited.emit(1, 1, 7.0)  # what the grid says after typing 7
        return
    doc = window.document
    print(json.dumps({"asked": asked, "weight": float(doc.kernels[1, 1, 0, 0]), "modified": doc.modified}))
    window.close()  # unsaved: "discard" at the question, then a clean exit

app.start_autosave = start
sys.exit(app.run())
"""


def run_window(mode: str, data: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env[DATA_DIR_ENV] = str(data)
    return subprocess.run(
        [sys.executable, "-c", WINDOW_CHILD, mode], capture_output=True, text=True, timeout=120, env=env, cwd=ROOT
    )


@pytest.mark.parametrize("answer", ["restore", "decline"])
def test_the_whole_flow_through_the_window(tmp_path: Path, answer: str) -> None:
    data = tmp_path / "data"
    killed = run_window("edit", data)
    if sys.platform != "win32":
        assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert find_recovery(data) is not None
    again = run_window(answer, data)
    assert again.returncode == 0, again.stderr
    assert again.stderr == ""
    seen = json.loads(again.stdout)
    assert len(seen["asked"]) == 1  # asked once, with the time of the autosave
    assert " at " in seen["asked"][0]
    if answer == "restore":
        assert seen["weight"] == 7  # the edit is back ...
        assert seen["modified"]  # ... and unsaved: closing asks, Save writes it
    else:
        assert seen["weight"] == -1  # the article's kernel, as at any start
        assert not seen["modified"]
    assert files(data) == set()  # restored-then-discarded or declined: nothing to offer again


def test_two_killed_processes_leave_two_orphans(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for name in ("one.kscope", "two.kscope"):
        proc = run_child("crash", data, tmp_path / name)
        if sys.platform != "win32":
            assert proc.returncode == -signal.SIGKILL, proc.stderr
    offers = find_recoveries(data).offers
    assert sorted(r.source.name for r in offers if r.source is not None) == ["one.kscope", "two.kscope"]
    assert [r.title for r in offers] == ["The article's X"] * 2  # the session's own title comes first
    assert all(r.session.kernels[1, 1, 0, 0] == 7 for r in offers)
    assert offers[0].saved_at >= offers[1].saved_at


def test_the_window_offers_each_orphan_in_turn_and_reports_the_unreadable(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for name in ("first", "second"):  # apart, or the second start would be asked about the first
        killed = run_window("edit", tmp_path / name)
        if sys.platform != "win32":
            assert killed.returncode == -signal.SIGKILL, killed.stderr
        data.mkdir(exist_ok=True)
        for path in (tmp_path / name).iterdir():
            path.rename(data / path.name)
    (data / "autosave-0badf11e0000.kscope").write_text('{"format": "kernelscope-session", "version": 99}')
    restored = run_window("restore", data)
    assert restored.returncode == 0, restored.stderr
    seen = json.loads(restored.stdout)
    assert len(seen["asked"]) == 1  # the newest restored: one drawing per window
    assert seen["weight"] == 7
    (line,) = restored.stderr.splitlines()  # one line, naming the file kept aside
    assert line.startswith("Kept aside an autosave kernelscope cannot read: ")
    (kept,) = (name for name in files(data) if ".unreadable-" in name)
    assert str(data / kept) in line
    assert len(find_recoveries(data).offers) == 1  # the other waits for the next start
    declined = run_window("decline", data)
    assert declined.returncode == 0, declined.stderr
    assert declined.stderr == ""  # reported once, not at every start
    assert len(json.loads(declined.stdout)["asked"]) == 1
    assert files(data) == {kept}  # declined: removed; unreadable: kept


# ---------------------------------------------------------------------------- the offer, in a window


@pytest.fixture
def window(qtbot):  # type: ignore[no-untyped-def]
    from kernelscope.ui.main_window import MainWindow

    w = MainWindow(Document())
    qtbot.addWidget(w)
    return w


def test_a_restore_the_document_refuses_is_kept_aside_and_the_next_is_asked(  # type: ignore[no-untyped-def]
    data: Path, window, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kernelscope.core.document import EditError
    from kernelscope.ui import app

    leave_autosave(data, crashed_marker(saved_at="2030-01-02T03:04:05+00:00"))
    newer = data / "autosave-00000000000a.kscope"
    save_session(edited_session(), newer)
    newer.with_suffix(".json").write_text(json.dumps(crashed_marker(saved_at="2030-01-03T03:04:05+00:00")))
    asked: list[Path] = []
    monkeypatch.setattr(app, "ask_restore", lambda w, r: asked.append(r.path) or True)
    real_load = window.document.load

    def refuse_the_first(session: sessions.Session, on_loaded=None) -> None:  # type: ignore[no-untyped-def]
        if len(asked) == 1:
            raise EditError("the result overflows float32")
        real_load(session, on_loaded)

    monkeypatch.setattr(window.document, "load", refuse_the_first)
    saver = app.start_autosave(window, find_recoveries(), interval_ms=60_000)
    try:
        assert asked == [newer, data / AUTOSAVE_NAME]  # newest first; the refused one did not end the offer
        assert window.document.kernels[1, 1, 0, 0] == 7
        assert window.document.modified
        (kept,) = (name for name in files(data) if ".unreadable-" in name)
        assert kept.startswith(newer.name)
        message = window.statusBar().currentMessage()
        assert message.startswith("restored \u201cThe article's X\u201d from ")
        kept_line = f"Kept aside an autosave kernelscope cannot read: {data / kept} (the result overflows float32)"
        assert kept_line in message
        assert capsys.readouterr().err.count("\n") == 1
    finally:
        assert saver.finish_clean()
    assert files(data) == {kept}  # the restored one was this window's: gone at a clean exit


def test_declining_every_offer_removes_them_all(data: Path, window, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from kernelscope.ui import app

    leave_autosave(data, crashed_marker())
    save_session(edited_session(), data / "autosave-00000000000b.kscope")
    asked: list[str] = []
    monkeypatch.setattr(app, "ask_restore", lambda w, r: asked.append(r.title) and False)
    saver = app.start_autosave(window, find_recoveries(), interval_ms=60_000)
    assert asked == ["The article's X"] * 2
    assert not window.document.modified
    assert window.statusBar().currentMessage() == ""
    assert saver.finish_clean()
    assert files(data) == set()
