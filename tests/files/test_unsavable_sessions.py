"""A session too large to be read back is refused before a byte is written, by Save and by the
autosave alike: a file that cannot be reopened would lose the work it seems to keep."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kernelscope.core.engine import normalize
from kernelscope.core.scene import Session
from kernelscope.files import recovery
from kernelscope.files.sessions import MAX_ELEMENTS, SessionError, check_savable, load_session, save_session


def _dense_session(units: int) -> Session:
    """A 32x32x8 input flattened into a Dense of ``units``: 8,192 x units weights."""
    x = np.zeros((32, 32, 8), np.float32)
    layers = [{"class_name": "Flatten", "config": {}},
              {"class_name": "Dense", "config": {"units": units},
               "weights": [np.full((8192, units), 0.5, np.float32), np.zeros(units, np.float32)]}]
    return Session(input=x, layers=normalize(layers, x.shape))


def test_a_session_past_the_reading_cap_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    big = _dense_session(600)  # 4.9M weights: more than a session file may hold
    assert big.layers[1].params > MAX_ELEMENTS
    target = tmp_path / "big.kscope"
    with pytest.raises(SessionError, match=r"^cannot save .*big\.kscope: a session holds at most 4,393,394"):
        save_session(big, target)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_is_kept_when_the_larger_session_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "work.kscope"
    small = _dense_session(2)
    save_session(small, target)
    before = target.read_bytes()
    with pytest.raises(SessionError):
        save_session(_dense_session(600), target)
    assert target.read_bytes() == before
    assert load_session(target).layers[1].params == 8192 * 2 + 2


def test_what_is_savable_reads_back(tmp_path: Path) -> None:
    s = _dense_session(40)  # 327,720 weights
    check_savable(s)
    save_session(s, tmp_path / "ok.kscope")
    back = load_session(tmp_path / "ok.kscope")
    np.testing.assert_array_equal(back.layers[1].weights[0], s.layers[1].weights[0])


def test_the_autosave_refuses_it_too_and_says_so(tmp_path: Path) -> None:
    writer = recovery._Writer(tmp_path / "autosave", lambda *report: None)
    kind, message, _ = writer.execute(recovery._Job("write", 1, _dense_session(600)))
    assert kind == "failed"
    assert message.startswith("Autosave failed: a session holds at most 4,393,394 numbers and lists")
    assert not writer.files.session.exists()
    kind, _, _ = writer.execute(recovery._Job("write", 2, _dense_session(2)))
    assert kind == "saved"
    assert load_session(writer.files.session).layers[1].params == 8192 * 2 + 2
    writer.remove_all()
