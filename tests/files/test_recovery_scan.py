"""Finding what crashed windows left: every orphan offered, the lock (not the pid) decides who is
alive, unreadable autosaves renamed aside and reported once, the old single pair still offered."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from kernelscope.files import sessions
from kernelscope.files.process_lock import ProcessLock
from kernelscope.files.recovery import (
    AUTOSAVE_NAME,
    MARKER_NAME,
    AutosaveFiles,
    discard_recovery,
    find_recoveries,
    find_recovery,
)
from kernelscope.files.sessions import default_session


def dead_pid() -> int:
    out = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(out.stdout)


def scene(weight: float, title: str = "") -> sessions.Session:
    s = default_session()
    kernels = np.array(s.kernels)
    kernels[1, 1, 0, 0] = weight
    return sessions.Session(s.input, kernels, s.bias, s.spec, s.view, title, s.notes)


def leave(
    d: Path, stem: str, weight: float = 7, saved_at: str = "2030-01-02T03:04:05+00:00", pid: int | None = None,
    source: str | None = None, title: str = "", text: str | None = None, lock_file: bool = True,
) -> AutosaveFiles:
    """A new-style autosave as a killed window leaves it: session, marker, and an unheld lock file."""
    d.mkdir(parents=True, exist_ok=True)
    files = AutosaveFiles(d, stem)
    if text is None:
        sessions.save_session(scene(weight, title), files.session)
    else:
        files.session.write_text(text, encoding="utf-8")
    marker = {"pid": dead_pid() if pid is None else pid, "clean_exit": False, "source": source, "saved_at": saved_at}
    files.marker.write_text(json.dumps(marker), encoding="utf-8")
    if lock_file and not files.legacy:
        files.lock.write_bytes(b"")
    return files


def names(d: Path) -> set[str]:
    return {p.name for p in d.iterdir()}


def test_every_orphan_is_offered_newest_first_with_its_title(tmp_path: Path) -> None:
    leave(tmp_path, "autosave-aaaa", 1, "2030-01-01T10:00:00+00:00", title="Edges")
    leave(tmp_path, "autosave-bbbb", 2, "2030-01-03T10:00:00+00:00", source="/work/week1.kscope")
    leave(tmp_path, "autosave-cccc", 3, "2030-01-02T10:00:00+00:00")
    scan = find_recoveries(tmp_path)
    assert scan.report is None
    assert [r.session.kernels[1, 1, 0, 0] for r in scan.offers] == [2, 3, 1]
    assert [r.title for r in scan.offers] == ["week1.kscope", "untitled", "Edges"]
    assert [r.files.stem for r in scan.offers] == ["autosave-bbbb", "autosave-cccc", "autosave-aaaa"]
    assert find_recovery(tmp_path) == scan.offers[0]
    assert len(names(tmp_path)) == 9  # looking changes nothing


def test_a_reused_pid_does_not_hide_an_orphan_the_lock_decides(tmp_path: Path) -> None:
    for pid in (os.getppid(), 1, os.getpid()):  # running processes, none of them holding the lock
        files = leave(tmp_path, "autosave-reused", pid=pid)
        found = find_recovery(tmp_path)
        assert found is not None, pid
        assert found.path == files.session
        assert found.discard()
        assert names(tmp_path) == set()


def test_a_held_lock_means_a_running_window_whatever_the_pid(tmp_path: Path) -> None:
    files = leave(tmp_path, "autosave-alive", pid=dead_pid())
    lock = ProcessLock.acquire(files.lock)  # a second open in this process: flock excludes it too
    assert lock is not None
    try:
        assert find_recoveries(tmp_path).offers == ()
        assert discard_recovery(tmp_path)
        assert names(tmp_path) == {"autosave-alive.kscope", "autosave-alive.json", "autosave-alive.lock"}
        assert ProcessLock.acquire(files.lock) is None
    finally:
        lock.release()
    assert find_recovery(tmp_path) is not None  # released: the window is gone


def test_discarding_one_leaves_the_others(tmp_path: Path) -> None:
    leave(tmp_path, "autosave-one", 1)
    leave(tmp_path, "autosave-two", 2)
    first = find_recoveries(tmp_path).offers[0]
    assert first.discard()
    (left,) = find_recoveries(tmp_path).offers
    assert left.path.name != first.path.name
    assert names(tmp_path) == {left.path.name, left.files.marker.name, left.files.lock.name}


def test_an_orphan_without_a_lock_file_is_still_offered(tmp_path: Path) -> None:
    leave(tmp_path, "autosave-nolock", lock_file=False)
    found = find_recovery(tmp_path)
    assert found is not None
    assert found.discard()
    assert names(tmp_path) == set()


def test_leftovers_without_a_session_and_clean_exits_are_removed(tmp_path: Path) -> None:
    files = leave(tmp_path, "autosave-gone")
    files.session.unlink()  # a marker and lock: the process died between removing them
    clean = leave(tmp_path, "autosave-clean")
    clean.marker.write_text(json.dumps({"pid": 1, "clean_exit": True, "source": None, "saved_at": None}))
    assert find_recoveries(tmp_path).offers == ()
    assert names(tmp_path) == set()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"format": "kernelscope-session", "version": 1, "layer": {"filters": 1, "kernel_siz', "JSON"),
        ('{"format": "kernelscope-session", "version": 99}', "version"),
        ("", ""),
        ("\x00\xff garbage", ""),
    ],
)
def test_an_unreadable_orphan_is_kept_aside_and_reported_once(tmp_path: Path, text: str, reason: str) -> None:
    leave(tmp_path, "autosave-good", 5)
    bad = leave(tmp_path, "autosave-bad", text=text)
    scan = find_recoveries(tmp_path)
    assert [r.path for r in scan.offers] == [tmp_path / "autosave-good.kscope"]  # the others are still offered
    kept = [n for n in names(tmp_path) if n.startswith("autosave-bad")]
    assert len(kept) == 1
    assert kept[0].startswith("autosave-bad.kscope.unreadable-")
    assert (tmp_path / kept[0]).read_bytes() == text.encode("utf-8")  # renamed, byte for byte
    assert not bad.marker.exists()
    assert not bad.lock.exists()
    assert scan.report is not None
    assert scan.report.startswith(f"Kept aside an autosave kernelscope cannot read: {tmp_path / kept[0]} (")
    assert reason in scan.report
    assert "\n" not in scan.report
    again = find_recoveries(tmp_path)
    assert again.report is None  # a later start does not report the same file again
    assert [r.path for r in again.offers] == [tmp_path / "autosave-good.kscope"]
    assert (tmp_path / kept[0]).exists()


def test_an_unknown_key_is_kept_aside_too(tmp_path: Path) -> None:
    d = json.loads(sessions.dumps_session(scene(1)))
    d["from_the_future"] = True
    leave(tmp_path, "autosave-future", text=json.dumps(d))
    scan = find_recoveries(tmp_path)
    assert scan.offers == ()
    assert scan.report is not None
    assert "from_the_future" in scan.report
    assert [n for n in names(tmp_path) if ".unreadable-" in n]


def test_several_kept_aside_are_one_line(tmp_path: Path) -> None:
    leave(tmp_path, "autosave-x", text="{")
    leave(tmp_path, "autosave-y", text="[")
    report = find_recoveries(tmp_path).report
    assert report is not None
    assert report.startswith("Kept aside 2 autosaves kernelscope cannot read: ")
    assert "\n" not in report
    assert report.count(".unreadable-") == 2


def test_keep_aside_renames_an_offer_that_the_window_refused(tmp_path: Path) -> None:
    found = find_recovery(leave(tmp_path, "autosave-refused").directory)
    assert found is not None
    line = found.keep_aside("the result overflows float32")
    (kept,) = names(tmp_path)
    assert kept.startswith("autosave-refused.kscope.unreadable-")
    assert line == f"Kept aside an autosave kernelscope cannot read: {tmp_path / kept} (the result overflows float32)"
    assert find_recoveries(tmp_path).offers == ()


def test_the_old_single_pair_is_found_beside_new_ones(tmp_path: Path) -> None:
    """Migration: an autosave.kscope/autosave.json left by an earlier kernelscope is still offered."""
    leave(tmp_path, "autosave", 9, "2030-01-05T00:00:00+00:00")
    leave(tmp_path, "autosave-new", 4, "2030-01-04T00:00:00+00:00")
    offers = find_recoveries(tmp_path).offers
    assert [r.path.name for r in offers] == [AUTOSAVE_NAME, "autosave-new.kscope"]
    assert offers[0].session.kernels[1, 1, 0, 0] == 9
    assert offers[0].saved_at == datetime.fromisoformat("2030-01-05T00:00:00+00:00")
    assert offers[0].discard()
    assert AUTOSAVE_NAME not in names(tmp_path)
    assert MARKER_NAME not in names(tmp_path)
    assert [r.path.name for r in find_recoveries(tmp_path).offers] == ["autosave-new.kscope"]


def test_unrelated_files_in_the_folder_are_left_alone(tmp_path: Path) -> None:
    unrelated = ("notes.kscope", "autosave-.kscope", "autosave.lock", "autosave-x.kscope.unreadable-1", "x.json")
    for name in unrelated:
        (tmp_path / name).write_text("{")
    assert find_recoveries(tmp_path).offers == ()
    assert find_recoveries(tmp_path).report is None
    assert discard_recovery(tmp_path)
    assert len(names(tmp_path)) == 5


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_lock_file_is_private(tmp_path: Path) -> None:
    lock = ProcessLock.acquire(tmp_path / "x.lock")
    assert lock is not None
    assert stat.S_IMODE(os.stat(tmp_path / "x.lock").st_mode) & 0o077 == 0
    lock.release(remove=True)
    assert not (tmp_path / "x.lock").exists()
    lock.release(remove=True)  # idempotent


def test_an_overflowing_autosave_is_kept_aside_not_a_crash(tmp_path: Path) -> None:
    d = json.loads(sessions.dumps_session(scene(1)))
    d["input"][0][0][0] = 1e39  # finite JSON, beyond float32
    leave(tmp_path, "autosave-huge", text=json.dumps(d))
    scan = find_recoveries(tmp_path)
    assert scan.offers == ()
    assert scan.report is not None
    assert "input" in scan.report
    assert [n for n in names(tmp_path) if n.startswith("autosave-huge.kscope.unreadable-")]
