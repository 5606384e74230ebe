"""Files that are not what they seem: links, pipes, devices, folders and loops, written and read.

Every refusal happens before anything is opened (a FIFO opened for reading would hang the test),
and nothing that is not a regular file is ever replaced.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from kernelscope.files import atomic_file
from kernelscope.files.atomic_file import STALE_TEMP_SECONDS, TEMP_MARK, write_atomic
from kernelscope.files.export import ExportError, export_npy
from kernelscope.files.images import ImageError, load_image
from kernelscope.files.keras_code import write_keras_code
from kernelscope.files.sessions import SessionError, default_session, dumps_session, load_session, save_session

NOT_A_FILE = "not a file (kernelscope writes only to regular files)"
LOOP = "is a symbolic link that leads in a circle (a symlink loop)"


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    path = tmp_path / "pipe.kscope"
    os.mkfifo(path)
    return path


@pytest.fixture
def device(tmp_path: Path) -> Path:
    """A character device (the same numbers as /dev/null) made in the temp folder, never the real one."""
    path = tmp_path / "null.kscope"
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (OSError, AttributeError):
        pytest.skip("making a device file needs root (or CAP_MKNOD)")
    return path


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --------------------------------------------------------------------------- writes


def test_a_fifo_is_refused_as_a_target_and_stays_a_fifo(fifo: Path) -> None:
    before = listing(fifo.parent)
    with pytest.raises(SessionError) as info:
        save_session(default_session(), fifo)
    assert str(info.value) == f"cannot write {fifo}: is a named pipe (FIFO), {NOT_A_FILE}"
    with pytest.raises(ExportError, match=re.escape(f"cannot write {fifo}: is a named pipe (FIFO), {NOT_A_FILE}")):
        export_npy(default_session(), fifo)
    with pytest.raises(ExportError, match="named pipe"):
        write_keras_code(default_session(), fifo)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert listing(fifo.parent) == before


def test_a_device_is_refused_as_a_target_and_stays_a_device(device: Path) -> None:
    with pytest.raises(SessionError) as info:
        save_session(default_session(), device)
    assert str(info.value) == f"cannot write {device}: is a device (character special file), {NOT_A_FILE}"
    with pytest.raises(ExportError, match="character special file"):
        export_npy(default_session(), device)
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert listing(device.parent) == [device.name]


def test_a_link_to_a_pipe_names_where_it_leads(tmp_path: Path, fifo: Path) -> None:
    link = tmp_path / "link.kscope"
    link.symlink_to(fifo)
    with pytest.raises(SessionError) as info:
        save_session(default_session(), link)
    assert str(info.value) == f"cannot write {link}: leads to {fifo}, which is a named pipe (FIFO), {NOT_A_FILE}"
    assert link.is_symlink()
    assert stat.S_ISFIFO(os.stat(link).st_mode)


@pytest.mark.parametrize("relative", [True, False])
def test_saving_through_a_link_changes_its_file_and_keeps_the_link(tmp_path: Path, relative: bool) -> None:
    (tmp_path / "real").mkdir()
    real = tmp_path / "real" / "week1.kscope"
    real.write_text("the old session")
    real.chmod(0o640)
    link = tmp_path / "link.kscope"
    link.symlink_to(Path("real") / "week1.kscope" if relative else real)
    text = os.readlink(link)
    save_session(default_session(), link)
    assert link.is_symlink()
    assert os.readlink(link) == text
    assert real.read_text() == dumps_session(default_session())
    assert real.stat().st_mode & 0o777 == 0o640
    assert listing(tmp_path) == ["link.kscope", "real"]
    assert listing(tmp_path / "real") == ["week1.kscope"]
    assert load_session(link) == default_session()


def test_a_chain_of_links_is_followed_to_the_end(tmp_path: Path) -> None:
    real = tmp_path / "maps.npy"
    (tmp_path / "b.npy").symlink_to(real)
    (tmp_path / "a.npy").symlink_to(tmp_path / "b.npy")
    export_npy(default_session(), tmp_path / "a.npy")
    assert np.load(real).shape == (3, 3, 1)
    assert (tmp_path / "a.npy").is_symlink()
    assert (tmp_path / "b.npy").is_symlink()


def test_a_dangling_link_creates_its_file_when_the_folder_exists(tmp_path: Path) -> None:
    link = tmp_path / "link.kscope"
    link.symlink_to(tmp_path / "new.kscope")
    save_session(default_session(), link)
    assert link.is_symlink()
    assert load_session(tmp_path / "new.kscope") == default_session()

    nowhere = tmp_path / "nowhere.kscope"
    nowhere.symlink_to(tmp_path / "missing" / "x.kscope")
    with pytest.raises(SessionError) as info:
        save_session(default_session(), nowhere)
    assert str(info.value) == (
        f"cannot write {nowhere}: is a link to {tmp_path / 'missing' / 'x.kscope'}, whose folder does not exist"
    )
    assert not (tmp_path / "missing").exists()


def test_a_symlink_loop_has_its_own_message_for_writes(tmp_path: Path) -> None:
    loop = tmp_path / "loop.kscope"
    loop.symlink_to(tmp_path / "other.kscope")
    (tmp_path / "other.kscope").symlink_to(loop)
    with pytest.raises(SessionError) as info:
        save_session(default_session(), loop)
    assert str(info.value) == f"cannot write {loop}: {LOOP}"
    with pytest.raises(ExportError, match=re.escape(LOOP)):
        export_npy(default_session(), loop)
    assert listing(tmp_path) == ["loop.kscope", "other.kscope"]
    assert loop.is_symlink()


def test_a_folder_is_refused_as_a_target(tmp_path: Path) -> None:
    (tmp_path / "maps.npy").mkdir()
    with pytest.raises(ExportError, match=re.escape(f"cannot write {tmp_path / 'maps.npy'}: is a directory")):
        export_npy(default_session(), tmp_path / "maps.npy")
    assert (tmp_path / "maps.npy").is_dir()


def test_an_empty_name_is_a_one_line_refusal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ExportError) as info:
        export_npy(default_session(), Path(""))
    assert str(info.value) == 'cannot write "": an empty name is not a file name'
    assert listing(tmp_path) == []


def test_autosaves_stay_private_whatever_was_there(tmp_path: Path) -> None:
    path = tmp_path / "autosave.kscope"
    path.write_text("old")
    path.chmod(0o644)
    write_atomic(path, b"new", mode=0o600, keep_mode=False)
    assert path.read_bytes() == b"new"
    assert path.stat().st_mode & 0o777 == 0o600


# --------------------------------------------------------------------------- temporary files


def test_the_temporary_file_has_a_recognisable_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        seen.extend(p.name for p in tmp_path.iterdir())
        real_fsync(fd)

    monkeypatch.setattr(atomic_file.os, "fsync", spy)
    write_atomic(tmp_path / "maps.npy", b"data")
    monkeypatch.undo()
    assert any(re.fullmatch(r"\.maps\.npy\.kscope-tmp-[0-9a-f]{16}", name) for name in seen), seen
    assert listing(tmp_path) == ["maps.npy"]


def test_stale_temporaries_are_cleaned_at_the_next_write_and_nothing_else(tmp_path: Path) -> None:
    old = time.time() - STALE_TEMP_SECONDS - 60
    stale = tmp_path / f".x.kscope{TEMP_MARK}0123456789abcdef"
    fresh = tmp_path / f".maps.npy{TEMP_MARK}fedcba9876543210"  # another writer, busy right now
    not_ours = [
        tmp_path / f".x.kscope{TEMP_MARK}nothex0123456789",
        tmp_path / ".x.kscope.0123abcd.tmp",
        tmp_path / f"x.kscope{TEMP_MARK}0123456789abcdef",  # not hidden
    ]
    for path in (stale, fresh, *not_ours):
        path.write_bytes(b"half a file")
    folder = tmp_path / f".y{TEMP_MARK}0123456789abcdef"
    folder.mkdir()
    link = tmp_path / f".z{TEMP_MARK}0123456789abcdef"
    link.symlink_to(tmp_path / "elsewhere")
    for path in (stale, *not_ours, folder):
        os.utime(path, (old, old))
    os.utime(link, (old, old), follow_symlinks=False)

    save_session(default_session(), tmp_path / "x.kscope")
    assert not stale.exists()
    assert fresh.exists()
    assert folder.is_dir()
    assert link.is_symlink()
    assert all(p.exists() for p in not_ours)


def test_only_the_folder_written_is_cleaned(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    stale = tmp_path / "b" / f".x{TEMP_MARK}0123456789abcdef"
    stale.write_bytes(b"")
    os.utime(stale, (0, 0))
    write_atomic(tmp_path / "a" / "x", b"")
    assert stale.exists()
    write_atomic(tmp_path / "b" / "x", b"")
    assert not stale.exists()


# --------------------------------------------------------------------------- reads


def test_reading_a_fifo_is_refused_without_blocking(fifo: Path) -> None:
    with pytest.raises(SessionError) as info:
        load_session(fifo)
    assert str(info.value) == f"cannot read {fifo}: is a named pipe (FIFO)"
    with pytest.raises(ImageError) as image_info:
        load_image(fifo)
    assert str(image_info.value) == f"{fifo}: is a named pipe (FIFO), not a picture"


def test_reading_a_device_is_refused_before_it_is_opened() -> None:
    # Only ever read: /dev/zero never ends, so reading it would be the bug this guards against.
    with pytest.raises(SessionError) as info:
        load_session("/dev/zero")
    assert str(info.value) == "cannot read /dev/zero: is a device (character special file)"
    with pytest.raises(ImageError) as image_info:
        load_image("/dev/zero")
    assert str(image_info.value) == "/dev/zero: is a device (character special file), not a picture"


def test_reading_a_symlink_loop_says_so(tmp_path: Path) -> None:
    loop = tmp_path / "loop.kscope"
    loop.symlink_to(loop)
    with pytest.raises(SessionError) as info:
        load_session(loop)
    assert str(info.value) == f"cannot read {loop}: {LOOP}"
    assert "no such file" not in str(info.value)
    with pytest.raises(ImageError) as image_info:
        load_image(loop)
    assert str(image_info.value) == f"{loop}: {LOOP}"


def test_reading_through_a_link_to_a_pipe_is_refused(tmp_path: Path, fifo: Path) -> None:
    link = tmp_path / "cat.png"
    link.symlink_to(fifo)
    with pytest.raises(ImageError, match="named pipe"):
        load_image(link)


# --------------------------------------------------------------------------- the command line


def kernelscope(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    return subprocess.run([sys.executable, "-m", "kernelscope", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=120, check=False)


def test_the_command_line_refuses_an_empty_output_name_in_one_line(tmp_path: Path) -> None:
    session = tmp_path / "s.kscope"
    save_session(default_session(), session)
    proc = kernelscope("export", str(session), "--npy", "", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == "kernelscope: error: --npy: a file name like maps.npy, not an empty name\n"
    assert listing(tmp_path) == ["s.kscope"]


def test_the_command_line_refuses_a_fifo_session_without_hanging(fifo: Path, tmp_path: Path) -> None:
    proc = kernelscope("export", str(fifo), "--npy", "out.npy", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == f"kernelscope: error: cannot read {fifo}: is a named pipe (FIFO)\n"


def test_a_private_session_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "autosave.kscope"
    path.write_text("an old autosave")
    path.chmod(0o644)
    save_session(default_session(), path, private=True)
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_session(path) == default_session()
