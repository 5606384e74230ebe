"""Reads bounded by what is actually read, and session text refused cheaply before json.loads builds it."""

from __future__ import annotations

import dataclasses
import os
import time
import tracemalloc
from pathlib import Path

import pytest

from kernelscope.files import regular_file
from kernelscope.files.regular_file import FileTooLargeError, read_bounded
from kernelscope.files.sessions import (
    MAX_DEPTH,
    MAX_ELEMENTS,
    SessionError,
    check_structure,
    default_session,
    dumps_session,
    load_session,
    loads_session,
)


def test_read_bounded_reads_a_small_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(b"abc" * 1000)
    assert read_bounded(path, 3000) == b"abc" * 1000
    with pytest.raises(FileTooLargeError) as info:
        read_bounded(path, 2999)
    assert info.value.size == 3000


def claimed_size(monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    """Make fstat report ``size`` bytes, as a file that grows after it was looked at would."""
    real = os.fstat

    def fstat(fd: int) -> os.stat_result:
        st = real(fd)
        return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid, st.st_gid, size,
                               int(st.st_atime), int(st.st_mtime), int(st.st_ctime)))

    monkeypatch.setattr(regular_file.os, "fstat", fstat)


def test_a_file_that_grows_is_not_read_past_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "growing"
    path.write_bytes(b"x" * 50_000)
    claimed_size(monkeypatch, 10)
    asked: list[int] = []
    real_read = regular_file._read_exactly

    def counting(f, n):  # type: ignore[no-untyped-def]
        data = real_read(f, n)
        asked.append(len(data))
        return data

    monkeypatch.setattr(regular_file, "_read_exactly", counting)
    with pytest.raises(FileTooLargeError) as info:
        read_bounded(path, 1000)
    assert info.value.size == 1001
    assert sum(asked) == 1001  # one byte past the cap tells, and no more is read
    asked.clear()
    assert read_bounded(path, 60_000) == b"x" * 50_000  # grown but under the cap: all of it


def test_a_session_larger_than_the_cap_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kernelscope.files import sessions

    path = tmp_path / "big.kscope"
    path.write_bytes(b" " * (3 * 1024 * 1024))
    monkeypatch.setattr(sessions, "MAX_FILE_BYTES", 2 * 1024 * 1024)
    with pytest.raises(SessionError) as info:
        load_session(path)
    assert str(info.value) == f"cannot read {path}: 3 MB is larger than a session can be (2 MB)"


def test_the_largest_legal_scene_passes_the_pre_check() -> None:
    """1024x1024 RGB pixels, 11x11x3x64 kernels: as many values and lists as a session can hold."""
    pixel = b"[0.5,0.5,0.5]"
    row = b"[" + b",".join([pixel] * 1024) + b"]"
    image = b"[" + b",".join([row] * 1024) + b"]"
    filters = b"[" + b",".join([b"0.1"] * 64) + b"]"
    kernels = b"[" + b",".join([b"[" + b",".join([b"[" + b",".join([filters] * 3) + b"]"] * 11) + b"]"] * 11) + b"]"
    bias = b"[" + b",".join([b"0"] * 64) + b"]"
    notes = b'"' + b"[{,\\\"" * 2000 + b'"'  # commas, brackets and escaped quotes in the notes
    text = dumps_session(default_session(), version=1).encode()
    for key, value in ((b'"input"', image), (b'"kernels"', kernels), (b'"bias"', bias)):
        start = text.index(key) + len(key) + 2
        end = text.index(b"\n  ]", start) + 4 if text[start:start + 2] == b"[\n" else text.index(b"]", start) + 1
        text = text[:start] + value + text[end:]
    text = text.replace(b'"notes": ""', b'"notes": ' + notes)
    elements = text.count(b",") + text.count(b"[") + text.count(b"{")
    assert elements > 4_200_000
    assert elements <= MAX_ELEMENTS
    check_structure(text)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    session = dataclasses.replace(default_session(), title="[" * (MAX_DEPTH + 10) + '" \\" {{', notes="\\")
    text = dumps_session(session)
    assert '\\"' in text
    assert "\\\\" in text
    assert loads_session(text) == session


def test_quote_marks_are_counted() -> None:
    with pytest.raises(SessionError, match=r"^not a kernelscope session: 100,002 quote marks, more than a session"):
        loads_session('{"a": [' + ",".join(['""'] * 50_000) + "]}")


@pytest.mark.parametrize(
    ("unit", "message"),
    [
        (b"[],", r"values and lists, more than the largest scene holds \(4,3"),
        (b"[", r"values and lists"),
        (b"0,", r"values and lists"),
    ],
    ids=["empty lists", "deep", "numbers"],
)
def test_a_huge_file_is_refused_fast_and_in_little_memory(tmp_path: Path, unit: bytes, message: str) -> None:
    path = tmp_path / "huge.kscope"
    size = 12 * 1024 * 1024
    path.write_bytes(b'{"format": "kernelscope-session", "version": 1, "input": ' + unit * (size // len(unit)))
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(SessionError, match=message):
            load_session(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - started < 2.0
    assert peak < 10 * size, f"peak {peak / size:.1f}x the file"


def test_deep_nesting_within_the_counts_is_refused_in_little_memory() -> None:
    text = b"[" * (MAX_ELEMENTS // 2) + b"]" * (MAX_ELEMENTS // 2)
    tracemalloc.start()
    try:
        with pytest.raises(SessionError, match=r"^not a kernelscope session: the JSON is nested too deeply$"):
            loads_session(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10 * len(text)
