"""Spec section 4, Trust: every bad input gets a clear message and changes nothing.

Met as a person meets it (typed into the kernel grid, set in the layer controls, pasted as a line,
opened as a file, exported to a path that cannot be written), through the document's API, and on
the command line (in subprocesses: one ``kernelscope: error:`` line, status 2, no file written).
"Changes nothing" is checked on the bytes: input, kernels, bias, spec, view, history and maps.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QSpinBox

from kernelscope.core.document import Document, EditError
from kernelscope.core.engine import ConvSpec
from kernelscope.files.sessions import default_session, dumps_session, save_session, session_to_dict
from kernelscope.ui.main_window import MainWindow
from tests.ui.gui import editor_of, type_into

# ------------------------------------------------------------------ helpers


def state(doc: Document) -> tuple[object, ...]:
    """Everything an edit could change, as bytes and values (the step cursor aside)."""
    return (
        doc.input.shape, doc.input.tobytes(),
        doc.kernels.shape, doc.kernels.tobytes(),
        doc.bias.shape, doc.bias.tobytes(),
        doc.spec, doc.view,
        doc.undo_label(), doc.redo_label(), doc.modified,
        doc.result.maps.shape, doc.result.maps.tobytes(),
    )


class Signals:
    """Counts every ``<noun>_changed`` the document emits (a refusal emits none)."""

    NAMES = ("input_changed", "kernels_changed", "spec_changed", "view_changed", "result_changed",
             "history_changed")

    def __init__(self, doc: Document) -> None:
        self.emitted: list[str] = []
        for name in self.NAMES:
            getattr(doc, name).connect(lambda *_a, n=name: self.emitted.append(n))


@pytest.fixture
def window(qtbot):  # type: ignore[no-untyped-def]
    w = MainWindow(Document())
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    return w


def set_spin(qtbot, spin: QSpinBox, value: int) -> None:  # type: ignore[no-untyped-def]
    """Select the box's text, type the number, press Enter (as test_explorer does)."""
    edit = spin.lineEdit()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, str(value))
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def shown_maps(window: MainWindow) -> list[np.ndarray]:
    fm = window.feature_maps
    return [np.array(fm.image_data(f)) for f in range(fm.map_count())]


def assert_maps_unchanged(window: MainWindow, before: list[np.ndarray]) -> None:
    after = shown_maps(window)
    assert len(after) == len(before)
    for a, b in zip(after, before, strict=True):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ the kernel grid, typed


def retype(qtbot, table, row: int, col: int, text: str) -> None:  # type: ignore[no-untyped-def]
    """Open the cell with F2, delete what it holds, type ``text`` (maybe nothing), press Enter."""
    table.setFocus()
    table.setCurrentCell(row, col)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    editor = editor_of(table)
    qtbot.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, text)
    assert editor.text() == text
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: table.state() == QAbstractItemView.State.NoState)


@pytest.mark.parametrize(
    "text",
    ["abc", "1..2", "", "   ", "nan", "NaN", "inf", "-inf", "Infinity", "1e999", "-1e999", "1e39", "1/0", "0/0",
     "--1", "0x10", "1,5", "3 4"],
)
def test_a_typed_weight_that_is_not_a_finite_number_is_refused(window: MainWindow, qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    doc, grid = window.document, window.kernel_grid
    before, maps = state(doc), shown_maps(window)
    signals = Signals(doc)
    row, col = 1, 2
    old_text = grid.item(row, col).text()
    if text.strip():
        type_into(qtbot, grid, row, col, text)  # the first key opens the editor, as a person types
    else:
        retype(qtbot, grid, row, col, text)  # a space is not a key that starts editing: F2 first
    assert state(doc) == before
    assert signals.emitted == []
    assert_maps_unchanged(window, maps)
    assert grid.item(row, col).text() == old_text  # the cell shows the weight again, not the typing
    message = window.status_strip.message.text()
    assert f"'{text.strip()}' is not a number" in message
    assert f"weight ({row}, {col}) stays {old_text}" in message


def test_a_good_weight_after_a_refused_one_clears_the_message(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    type_into(qtbot, window.kernel_grid, 0, 0, "nan")
    assert window.status_strip.message.text()
    type_into(qtbot, window.kernel_grid, 0, 0, "-2.5")
    assert window.document.kernels[0, 0, 0, 0] == -2.5
    assert window.status_strip.message.text() == ""


def test_the_largest_float32_is_still_a_weight(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The limit of the refusal above: 3e38 fits float32 and is kept (it is finite)."""
    type_into(qtbot, window.kernel_grid, 1, 1, "3e38")
    assert window.document.kernels[1, 1, 0, 0] == np.float32(3e38)
    assert window.status_strip.message.text() == ""


def test_weights_whose_maps_would_overflow_are_refused(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    doc = window.document
    type_into(qtbot, window.kernel_grid, 0, 0, "3e38")
    before = state(doc)
    type_into(qtbot, window.kernel_grid, 0, 1, "3e38")  # 3e38 + 3e38 on two white cells: inf
    assert state(doc) == before
    assert window.status_strip.message.text()
    assert np.isfinite(doc.result.maps).all()


# ------------------------------------------------------------------ the layer controls


@pytest.mark.parametrize(("box", "value"), [("kernel_h", 6), ("kernel_h", 9), ("kernel_w", 11)])
def test_a_kernel_larger_than_the_input_is_refused_in_the_layer_controls(
    window: MainWindow, qtbot, box: str, value: int  # type: ignore[no-untyped-def]
) -> None:
    doc, cc = window.document, window.conv_controls
    before, maps = state(doc), shown_maps(window)
    signals = Signals(doc)
    set_spin(qtbot, getattr(cc, box), value)
    assert state(doc) == before
    assert signals.emitted == []
    assert_maps_unchanged(window, maps)
    problem = cc.problem_text()
    assert f"a {value}x{value} kernel does not fit a 5x5 input with padding='valid'" in problem
    assert "padding='same'" in problem  # and says what would work
    assert cc.problem.isVisible()


def test_a_dilated_kernel_larger_than_the_input_is_refused(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    doc, cc = window.document, window.conv_controls
    before = state(doc)
    set_spin(qtbot, cc.dilation_h, 3)  # a 3x3 kernel dilated by 3 spans 7x7 cells
    assert state(doc) == before
    assert "dilated to 7x7" in cc.problem_text()
    assert "does not fit a 5x5 input" in cc.problem_text()


def test_the_same_kernel_fits_with_same_padding(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The refusal above is about 'valid' only: with 'same' the 9x9 kernel is a layer."""
    cc = window.conv_controls
    cc.padding.setCurrentIndex(cc.padding.findData("same"))
    set_spin(qtbot, cc.kernel_h, 9)
    assert window.document.spec.kernel_size == (9, 9)
    assert cc.problem_text() == ""


@pytest.mark.parametrize(("first", "second"), [("dilation_h", "stride_h"), ("stride_w", "dilation_w")])
def test_strides_with_dilation_are_refused(window: MainWindow, qtbot, first: str, second: str) -> None:  # type: ignore[no-untyped-def]
    doc, cc = window.document, window.conv_controls
    set_spin(qtbot, getattr(cc, first), 2)
    assert cc.problem_text() == ""
    before, maps = state(doc), shown_maps(window)
    signals = Signals(doc)
    set_spin(qtbot, getattr(cc, second), 2)
    assert state(doc) == before
    assert signals.emitted == []
    assert_maps_unchanged(window, maps)
    problem = cc.problem_text()
    assert "strides" in problem
    assert "dilation_rate" in problem
    assert "cannot both be above 1" in problem
    assert getattr(cc, second).value() == 1  # the box the person touched goes back
    assert cc.spec() == doc.spec


def test_after_a_refused_layer_the_controls_show_the_document_layer(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    doc, cc = window.document, window.conv_controls
    set_spin(qtbot, cc.kernel_h, 7)
    assert "does not fit" in cc.problem_text()
    assert doc.spec.kernel_size == (3, 3)
    # What the controls show is the layer: 3x3, not the refused 7x7...
    assert (cc.kernel_h.value(), cc.kernel_w.value()) == (3, 3)
    assert cc.spec() == doc.spec
    # ...so the next, unrelated edit applies.
    set_spin(qtbot, cc.filters, 2)
    assert doc.spec.filters == 2
    assert cc.problem_text() == ""


# ------------------------------------------------------------------ a pasted Conv2D line


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("Conv2D(", ""),
        ("abc", ""),
        ("Conv2D(2, (3, 3)", ""),
        ("model.add(LSTM(10))", "LSTM"),
        ("Conv2D(1, (9, 9))", "does not fit"),
        ("Conv2D(2, 3, strides=2, dilation_rate=2)", "dilation"),
        ("Conv2D(nan, 3)", ""),
        ("Conv2D(1e999, 3)", ""),
        ("Conv2D(-1, 3)", ""),
        ("Conv2D(2, (3, 3), padding='circular')", "padding"),
        ("Conv2D(513, 3)", "512"),
    ],
)
def test_a_pasted_line_that_cannot_be_a_layer_is_refused(window: MainWindow, qtbot, line: str, fragment: str) -> None:  # type: ignore[no-untyped-def]
    doc, paste = window.document, window.line_paste
    before, maps = state(doc), shown_maps(window)
    signals = Signals(doc)
    paste.field.setFocus()
    qtbot.keyClicks(paste.field, line)
    qtbot.keyClick(paste.field, Qt.Key.Key_Return)
    assert state(doc) == before
    assert signals.emitted == []
    assert_maps_unchanged(window, maps)
    assert paste.message.isVisible()
    assert paste.message.text().strip()
    assert fragment in paste.message.text()
    assert paste.field.text() == line  # the text stays, to be fixed


# ------------------------------------------------------------------ files opened through the window


def session_text() -> str:
    return dumps_session(default_session())


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return path


def bad_sessions() -> list[tuple[str, Callable[[], str | bytes], str]]:
    """(id, content, a fragment the message must hold)."""
    good = session_to_dict(default_session(), version=1)
    kernels_5x5 = dict(good, kernels=np.zeros((5, 5, 1, 1)).tolist())
    bias_2 = dict(good, bias=[0, 0])
    rgb_input = dict(good, input=np.zeros((5, 5, 3)).tolist())
    nan_weight = dict(good, kernels=np.full((3, 3, 1, 1), np.nan).tolist())
    huge_weight = dict(good, kernels=np.full((3, 3, 1, 1), 1e39).tolist())
    return [
        ("malformed", lambda: "{not json", ""),
        ("truncated", lambda: session_text()[: len(session_text()) // 2], ""),
        ("empty", lambda: "", ""),
        ("binary", lambda: bytes(range(256)), ""),
        ("newer-version", lambda: json.dumps(dict(good, version=99)), "newer"),
        ("kernels-disagree-with-layer", lambda: json.dumps(kernels_5x5), "kernels"),
        ("bias-disagrees-with-filters", lambda: json.dumps(bias_2), "bias"),
        ("channels-disagree", lambda: json.dumps(rgb_input), "kernels"),
        ("nan-weight", lambda: json.dumps(nan_weight), "kernels"),
        ("huge-weight", lambda: json.dumps(huge_weight), "kernels"),
    ]


@pytest.mark.parametrize(("name", "content", "fragment"), bad_sessions(), ids=[b[0] for b in bad_sessions()])
def test_a_bad_session_opened_in_the_window_changes_nothing(
    window: MainWindow, tmp_path: Path, name: str, content: Callable[[], str | bytes], fragment: str
) -> None:
    doc = window.document
    path = write(tmp_path / "bad.kscope", content())
    before, maps = state(doc), shown_maps(window)
    title = window.windowTitle()
    assert window.files.open_without_asking(path) is False
    assert state(doc) == before
    assert_maps_unchanged(window, maps)
    assert window.files.path is None
    assert window.windowTitle() == title
    message = window.status_strip.message.text()
    assert message
    assert fragment in message
    assert "Traceback" not in message


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height (no pixel data: never decoded)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("name", "make", "fragment"),
    [
        ("garbage", lambda d: write(d / "noise.png", bytes(range(256)) * 4), "noise.png"),
        ("text", lambda d: write(d / "notes.png", "not a picture at all"), "notes.png"),
        ("truncated", lambda d: write(d / "cut.png", png_header(8, 8)[:20]), "cut.png"),
        ("huge", lambda d: write(d / "huge.png", png_header(20_000, 20_000)), "too large"),
        ("folder", lambda d: (d / "pictures.png").mkdir() or (d / "pictures.png"), "folder"),
        ("missing", lambda d: d / "nowhere.png", "nowhere.png"),
    ],
)
def test_an_unreadable_or_huge_image_changes_nothing(
    window: MainWindow, tmp_path: Path, name: str, make: Callable[[Path], Path], fragment: str
) -> None:
    doc = window.document
    path = make(tmp_path)
    before, maps = state(doc), shown_maps(window)
    assert window.files.open_image(path) is False
    assert state(doc) == before
    assert_maps_unchanged(window, maps)
    assert fragment in window.status_strip.message.text()


def unwritable_target(tmp_path: Path, where: str) -> Path:
    """A maps.npy path that cannot be written: in a missing folder, under a file, or a folder."""
    (tmp_path / "plain.txt").write_text("a file, not a folder")
    (tmp_path / "maps.npy").mkdir()
    return {
        "missing-folder": tmp_path / "no-such-folder" / "maps.npy",
        "under-a-file": tmp_path / "plain.txt" / "maps.npy",
        "a-folder": tmp_path / "maps.npy",
    }[where]


@pytest.mark.parametrize("where", ["missing-folder", "under-a-file", "a-folder"])
def test_an_unwritable_export_path_is_a_message_and_writes_nothing(
    window: MainWindow, tmp_path: Path, where: str
) -> None:
    target = unwritable_target(tmp_path, where)
    listing = sorted(p.name for p in tmp_path.rglob("*"))
    window.files.ask_save_path = lambda *_args: str(target)  # type: ignore[method-assign]
    before = state(window.document)
    assert window.files.export_npy() is None
    assert state(window.document) == before
    assert sorted(p.name for p in tmp_path.rglob("*")) == listing  # no file, no temporary left behind
    assert window.status_strip.message.text()
    assert "Traceback" not in window.status_strip.message.text()


# ------------------------------------------------------------------ the document's API


NAN, INF = float("nan"), float("inf")


API_CASES: list[object] = [
    # set_input
    pytest.param(lambda d: d.set_input(np.full((5, 5, 1), NAN)), "not a finite number", id="set_input-nan"),
    pytest.param(lambda d: d.set_input(np.full((5, 5, 1), -INF)), "not a finite number", id="set_input-inf"),
    pytest.param(lambda d: d.set_input(np.zeros((5, 5, 3))), "channel", id="set_input-3-channels"),
    pytest.param(lambda d: d.set_input(np.zeros((2, 2, 1))), "does not fit a 2x2 input", id="set_input-too-small"),
    pytest.param(lambda d: d.set_input(np.zeros((0, 0, 1))), "input", id="set_input-empty"),
    pytest.param(lambda d: d.set_input(np.full((5, 5, 1), 1e39)), "finite", id="set_input-1e39"),
    pytest.param(lambda d: d.set_input([["a", "b"], ["c", "d"]]), "number", id="set_input-text"),
    # paint_cells
    pytest.param(lambda d: d.paint_cells([(0, 0)], NAN), "finite", id="paint-nan"),
    pytest.param(lambda d: d.paint_cells([(0, 0)], "x"), "must be a number", id="paint-text"),
    pytest.param(lambda d: d.paint_cells([(0, 0)], 1e39), "finite", id="paint-1e39"),
    # set_weight
    pytest.param(lambda d: d.set_weight(0, 0, 0, "x"), "must be a number", id="set_weight-text"),
    pytest.param(lambda d: d.set_weight(0, 0, 0, NAN), "finite", id="set_weight-nan"),
    pytest.param(lambda d: d.set_weight(0, 0, 0, -INF), "finite", id="set_weight-inf"),
    pytest.param(lambda d: d.set_weight(0, 0, 0, None), "must be a number", id="set_weight-none"),
    pytest.param(lambda d: d.set_weight(0, 0, 0, 1e39), "finite", id="set_weight-1e39"),
    # set_bias
    pytest.param(lambda d: d.set_bias(0, "x"), "must be a number", id="set_bias-text"),
    pytest.param(lambda d: d.set_bias(0, NAN), "finite", id="set_bias-nan"),
    pytest.param(lambda d: d.set_bias(0, INF), "finite", id="set_bias-inf"),
    pytest.param(lambda d: d.set_bias(0, [1, 2]), "must be a number", id="set_bias-list"),
    pytest.param(lambda d: d.set_bias(0, 1e39), "finite", id="set_bias-1e39"),
    # whole kernels
    pytest.param(lambda d: d.set_filter_kernel(0, np.full((3, 3), NAN)), "finite", id="set_filter_kernel-nan"),
    pytest.param(lambda d: d.set_filter_kernel(0, np.zeros((5, 5))), "3x3", id="set_filter_kernel-5x5"),
    pytest.param(lambda d: d.apply_preset(0, np.full((3, 3), INF)), "finite", id="apply_preset-inf"),
    pytest.param(lambda d: d.apply_preset(0, np.ones((7, 7))), "does not fit", id="apply_preset-7x7"),
    pytest.param(lambda d: d.randomize(np.zeros((5, 5, 1, 1))), "do not fit", id="randomize-wrong-shape"),
    pytest.param(lambda d: d.randomize(np.full((3, 3, 1, 1), NAN)), "finite", id="randomize-nan"),
    pytest.param(lambda d: d.add_filter(np.full((3, 3, 1), NAN)), "finite", id="add_filter-nan-kernel"),
    pytest.param(lambda d: d.add_filter(None, NAN), "finite", id="add_filter-nan-bias"),
    # the layer
    pytest.param(lambda d: d.set_spec(ConvSpec(1, (9, 9))), "does not fit a 5x5 input", id="set_spec-9x9"),
    pytest.param(lambda d: d.set_spec(ConvSpec(1, (3, 3), dilation_rate=3)), "dilated to 7x7",
                 id="set_spec-dilated-too-large"),
    pytest.param(lambda d: d.set_spec(ConvSpec(513, (3, 3))), "512", id="set_spec-513-filters"),
    pytest.param(lambda d: d.remove_filter(0), "at least one filter", id="remove-the-last-filter"),
    pytest.param(lambda d: d.select_filter(5), "no filter 6", id="select-a-missing-filter"),
    pytest.param(lambda d: d.apply_layer(ConvSpec(1, (9, 9)), np.zeros((9, 9, 1, 1)), np.zeros(1)),
                 "does not fit", id="apply_layer-9x9"),
    pytest.param(lambda d: d.apply_layer(ConvSpec(1, (3, 3)), np.full((3, 3, 1, 1), NAN), np.zeros(1)),
                 "finite", id="apply_layer-nan-kernels"),
    pytest.param(lambda d: d.apply_layer(ConvSpec(1, (3, 3)), np.zeros((3, 3, 1, 1)), np.array([NAN])),
                 "finite", id="apply_layer-nan-bias"),
    # view, value mode, picture
    pytest.param(lambda d: d.set_view(colormap="rainbow"), "colormap", id="set_view-unknown-colormap"),
    pytest.param(lambda d: d.set_view(show_activation="yes"), "show_activation", id="set_view-not-a-bool"),
    pytest.param(lambda d: d.set_value_mode("sepia"), "sepia", id="set_value_mode-unknown"),
    pytest.param(lambda d: d.replace_input(np.full((5, 5, 1), NAN), "grey"), "finite", id="replace_input-nan"),
    pytest.param(lambda d: d.replace_input(np.zeros((5, 5, 2)), "grey"), "channel", id="replace_input-2-channels"),
    pytest.param(lambda d: d.replace_input(np.zeros((2, 2, 1)), "grey"), "does not fit", id="replace_input-2x2"),
]


@pytest.mark.parametrize(("edit", "fragment"), API_CASES)
def test_a_refused_document_edit_changes_nothing(edit: Callable[[Document], object], fragment: str) -> None:
    doc = Document()
    before = state(doc)
    signals = Signals(doc)
    with pytest.raises(EditError) as refused:
        edit(doc)
    assert fragment in str(refused.value)
    assert state(doc) == before
    assert signals.emitted == []


def test_a_refused_edit_leaves_undo_where_it_was() -> None:
    doc = Document()
    doc.set_weight(0, 0, 0, 2.0)
    doc.set_weight(0, 0, 1, 3.0)
    doc.undo()
    before = state(doc)
    for edit in (lambda: doc.set_weight(0, 0, 0, NAN), lambda: doc.set_spec(ConvSpec(1, (9, 9))),
                 lambda: doc.set_bias(0, "x"), lambda: doc.remove_filter(0)):
        with pytest.raises(EditError):
            edit()
    assert state(doc) == before
    assert doc.redo_label() == "edit a weight"  # the redo step survived the refusals
    doc.redo()
    assert doc.kernels[0, 1, 0, 0] == 3.0


def test_a_refusal_through_the_window_shows_the_documents_message(window: MainWindow, qtbot) -> None:  # type: ignore[no-untyped-def]
    """A refused intent from a widget (Normalize of a kernel summing to 0) reaches the message line."""
    doc = window.document
    doc.set_filter_kernel(0, np.array([[1, 0, -1]] * 3, np.float32))  # sums to 0
    before = state(doc)
    qtbot.mouseClick(window.kernel_actions.buttons["normalize"], Qt.MouseButton.LeftButton)
    assert state(doc) == before
    assert "sum to 0" in window.status_strip.message.text()


# ------------------------------------------------------------------ the command line


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("KERNELSCOPE_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "kernelscope", *args],
        capture_output=True, text=True, timeout=120, env=env, cwd=cwd,
    )


def assert_refused(proc: subprocess.CompletedProcess[str], *fragments: str) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("kernelscope: error:"), lines[0]
    assert "internal error" not in lines[0]
    for fragment in fragments:
        assert fragment in lines[0]
    return lines[0]


@pytest.fixture
def session_file(tmp_path: Path) -> Path:
    path = tmp_path / "x.kscope"
    save_session(default_session(), path)
    return path


def cli_session_cases() -> list[tuple[str, Callable[[], str | bytes], str]]:
    return [(name, content, fragment) for name, content, fragment in bad_sessions() if name != "binary"]


@pytest.mark.parametrize(
    ("name", "content", "fragment"), cli_session_cases(), ids=[c[0] for c in cli_session_cases()]
)
def test_cli_bad_session_exits_2_in_one_line(tmp_path: Path, name: str, content: Callable[[], str | bytes],
                                             fragment: str) -> None:
    bad = write(tmp_path / "bad.kscope", content())
    out = tmp_path / "out"
    out.mkdir()
    proc = run_cli("export", str(bad), "--npy", str(out / "maps.npy"), "--keras", str(out / "layer.py"))
    line = assert_refused(proc, fragment)
    assert "bad.kscope" in line or fragment in line
    assert list(out.iterdir()) == []


def test_cli_missing_file_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "maps.npy"
    assert_refused(run_cli("export", str(tmp_path / "nope.kscope"), "--npy", str(out)), "nope.kscope")
    assert not out.exists()
    shot = tmp_path / "shot.png"
    assert_refused(run_cli(str(tmp_path / "nope.kscope"), "--screenshot", str(shot)), "nope.kscope")
    assert not shot.exists()


def test_cli_unknown_lesson_exits_2(tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    assert_refused(run_cli("no-such-lesson", "--screenshot", str(shot), cwd=tmp_path), "no-such-lesson")
    assert_refused(run_cli("export", "no-such-lesson", "--npy", "maps.npy", cwd=tmp_path), "no-such-lesson")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("where", ["missing-folder", "under-a-file", "a-folder"])
def test_cli_unwritable_npy_path_exits_2(session_file: Path, tmp_path: Path, where: str) -> None:
    target = unwritable_target(tmp_path, where)
    listing = sorted(p.name for p in tmp_path.rglob("*"))
    assert_refused(run_cli("export", str(session_file), "--npy", str(target)), "maps.npy")
    assert sorted(p.name for p in tmp_path.rglob("*")) == listing


@pytest.mark.parametrize(
    ("fps", "fragment"),
    [("abc", "--fps"), ("nan", "--fps"), ("inf", "--fps"), ("", "--fps"), ("0", "frames per second"),
     ("-2", "frames per second"), ("100", "frames per second"), ("1e999", "--fps")],
)
def test_cli_bad_fps_exits_2_and_writes_nothing(session_file: Path, tmp_path: Path, fps: str, fragment: str) -> None:
    gif, npy = tmp_path / "out.gif", tmp_path / "maps.npy"
    proc = run_cli("export", str(session_file), "--gif", str(gif), "--npy", str(npy), f"--fps={fps}")
    assert_refused(proc, fragment)
    assert not gif.exists()
    assert not npy.exists()  # the GIF's options are refused before anything is written


@pytest.mark.parametrize(("number", "fragment"), [("0", "no filter 0"), ("2", "no filter 2"), ("-1", "filter"),
                                                  ("x", "--filter"), ("1.5", "--filter")])
def test_cli_filter_out_of_range_exits_2(session_file: Path, tmp_path: Path, number: str, fragment: str) -> None:
    gif, npy = tmp_path / "out.gif", tmp_path / "maps.npy"
    proc = run_cli("export", str(session_file), "--gif", str(gif), "--npy", str(npy), f"--filter={number}")
    assert_refused(proc, fragment)
    assert not gif.exists()
    assert not npy.exists()


@pytest.mark.parametrize("line", ["Conv2D(", "Conv2D(1, (9, 9), input_shape=(5, 5, 1))",
                                  "Conv2D(2, 3, strides=2, dilation_rate=2)"])
def test_cli_conv_line_that_cannot_be_a_layer_exits_2(tmp_path: Path, line: str) -> None:
    npy = tmp_path / "maps.npy"
    assert_refused(run_cli("export", "--conv", line, "--npy", str(npy)))
    assert not npy.exists()
