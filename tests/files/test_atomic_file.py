"""The one atomic writer that sessions, autosaves and exports share."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from kernelscope.files.atomic_file import write_atomic
from kernelscope.files.export import export_npy
from kernelscope.files.sessions import default_session


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_a_new_file_gets_the_mode_less_the_umask_and_an_old_one_keeps_its_own(tmp_path: Path) -> None:
    new = tmp_path / "new.bin"
    write_atomic(new, b"abc")
    assert new.read_bytes() == b"abc"
    assert new.stat().st_mode & 0o777 == 0o666 & ~_umask()
    new.chmod(0o640)
    write_atomic(new, b"def")
    assert new.read_bytes() == b"def"
    assert new.stat().st_mode & 0o777 == 0o640
    private = tmp_path / "private.bin"
    write_atomic(private, b"x", mode=0o600, keep_mode=False)
    assert private.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.bin", "private.bin"]


def test_exports_are_as_readable_as_any_new_file(tmp_path: Path) -> None:
    """Exports went through mkstemp once, which made every PNG, GIF and .npy private (0600)."""
    out = tmp_path / "maps.npy"
    export_npy(default_session(), out)
    assert np.load(out).shape == (3, 3, 1)
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()
