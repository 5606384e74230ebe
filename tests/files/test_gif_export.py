"""The stepping as an animated GIF: the article's stride1.gif / stride2.gif, frame by frame.

In-process tests draw with pytest-qt's ``qapp`` (a QApplication is also a QGuiApplication);
the command line runs in a subprocess, which makes its own QGuiApplication.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kernelscope.core import engine
from kernelscope.files.export import (
    MAX_GIF_FRAMES,
    ExportCancelled,
    ExportError,
    check_gif_options,
    export_gif,
    qimage_to_pil,
)
from kernelscope.files.sessions import Session, ViewState, default_session, save_session

pytestmark = pytest.mark.usefixtures("qapp")

SIZE = (960, 540)


def with_spec(session: Session, **changes: object) -> Session:
    return Session(
        session.input, session.kernels, session.bias, dataclasses.replace(session.spec, **changes), session.view
    )


def compute(session: Session) -> engine.ConvResult:
    return engine.compute(session.input, session.kernels, session.bias, session.spec)


def gif_frames(path: Path) -> list[np.ndarray]:
    with Image.open(path) as im:
        frames = []
        for k in range(im.n_frames):
            im.seek(k)
            frames.append(np.asarray(im.convert("RGB")))
        return frames


def rgb_at(frame: np.ndarray, x: float, y: float) -> tuple[int, int, int]:
    r, g, b = frame[int(y), int(x)]
    return int(r), int(g), int(b)


def is_red(rgb: tuple[int, int, int]) -> bool:
    r, g, b = rgb
    return r > 180 and g < 80 and b < 80


def layout_of(session: Session):  # type: ignore[no-untyped-def]
    from kernelscope.files.frame_renderer import frame_layout

    return frame_layout(compute(session), SIZE)


# --------------------------------------------------------------------------- the article's scenes


def test_stride_1_is_nine_frames_looping_at_the_chosen_speed(tmp_path: Path) -> None:
    out = tmp_path / "stride1.gif"
    assert export_gif(default_session(), out) == 9
    with Image.open(out) as im:
        assert im.format == "GIF"
        assert im.n_frames == 9
        assert im.size == SIZE
        assert im.info["loop"] == 0  # forever
        for k in range(9):
            im.seek(k)
            assert im.info["duration"] == 500  # 2 frames per second by default


def test_stride_2_is_four_frames(tmp_path: Path) -> None:
    out = tmp_path / "stride2.gif"
    assert export_gif(with_spec(default_session(), strides=(2, 2)), out, fps=4) == 4
    with Image.open(out) as im:
        assert im.n_frames == 4
        assert im.info["duration"] == 250


def test_every_frame_differs_from_every_other(tmp_path: Path) -> None:
    out = tmp_path / "stride1.gif"
    export_gif(default_session(), out)
    frames = gif_frames(out)
    for i in range(len(frames)):
        for j in range(i + 1, len(frames)):
            assert not np.array_equal(frames[i], frames[j]), (i, j)


def test_the_red_window_starts_top_left_and_moves_one_cell(tmp_path: Path) -> None:
    session = default_session()
    out = tmp_path / "stride1.gif"
    export_gif(session, out)
    first, second = gif_frames(out)[:2]
    lay = layout_of(session)
    inset = 2  # inside the frame's pen (at least 2 px wide, drawn inside the cells)
    left_edge = lay.input_cell_rect(1, 0)  # the middle row of the window: no corner effects
    next_edge = lay.input_cell_rect(1, 1)
    y = left_edge.center().y()
    assert is_red(rgb_at(first, left_edge.left() + inset, y))
    assert is_red(rgb_at(first, lay.input_cell_rect(0, 1).center().x(), lay.input_cell_rect(0, 1).top() + inset))
    assert not is_red(rgb_at(first, next_edge.left() + inset, y))
    # Step 2: the window has moved right by exactly one cell.
    assert not is_red(rgb_at(second, left_edge.left() + inset, y))
    assert is_red(rgb_at(second, next_edge.left() + inset, y))
    assert is_red(rgb_at(second, lay.input_cell_rect(1, 3).right() - inset, y))


def test_stride_2_moves_the_window_two_cells(tmp_path: Path) -> None:
    session = with_spec(default_session(), strides=(2, 2))
    out = tmp_path / "stride2.gif"
    export_gif(session, out)
    frames = gif_frames(out)
    lay = layout_of(session)
    y = lay.input_cell_rect(1, 0).center().y()
    assert is_red(rgb_at(frames[1], lay.input_cell_rect(1, 2).left() + 2, y))
    assert not is_red(rgb_at(frames[1], lay.input_cell_rect(1, 1).left() + 2, y))
    # Step 3 starts the second output row: two input rows down, back at the left.
    assert is_red(rgb_at(frames[2], lay.input_cell_rect(3, 0).left() + 2, lay.input_cell_rect(3, 0).center().y()))


def test_reveal_mode_colours_only_the_cells_visited_so_far(tmp_path: Path) -> None:
    from kernelscope.files.frame_renderer import HIDDEN

    session = default_session()
    out = tmp_path / "stride1.gif"
    export_gif(session, out)
    frames = gif_frames(out)
    lay = layout_of(session)
    hidden = (HIDDEN.red(), HIDDEN.green(), HIDDEN.blue())

    def coloured(frame: np.ndarray, i: int, j: int) -> bool:
        rect = lay.map_cell_rect(i, j)
        # Near a corner: inside the red frame of the current cell, clear of the number.
        return rgb_at(frame, rect.left() + rect.width() * 0.22, rect.top() + rect.height() * 0.22) != hidden

    cells = [(i, j) for i in range(3) for j in range(3)]
    assert [coloured(frames[0], i, j) for i, j in cells] == [True] + [False] * 8
    assert [coloured(frames[4], i, j) for i, j in cells] == [True] * 5 + [False] * 4
    assert all(coloured(frames[8], i, j) for i, j in cells)
    # The current cell is framed in red; the one visited before is not.
    rect = lay.map_cell_rect(0, 1)
    assert is_red(rgb_at(frames[1], rect.left() + 1, rect.center().y()))
    assert not is_red(rgb_at(frames[1], lay.map_cell_rect(0, 0).left() + 1, rect.center().y()))


def test_full_mode_shows_the_finished_map() -> None:
    from kernelscope.files.frame_renderer import HIDDEN, frame_layout, render_step_frame

    result = compute(default_session())
    frame = np.asarray(qimage_to_pil(render_step_frame(result, 0, 0, (-1.0, 1.0), reveal=False)))
    lay = frame_layout(result, SIZE)
    rect = lay.map_cell_rect(2, 2)
    assert rgb_at(frame, rect.left() + 8, rect.top() + 8) != (HIDDEN.red(), HIDDEN.green(), HIDDEN.blue())


# --------------------------------------------------------------------------- other scenes


def test_same_padding_draws_the_ring_where_keras_pads() -> None:
    from kernelscope.files.frame_renderer import PAD_FILL, PAPER, frame_layout, render_step_frame

    # A 6x6 input at stride 2: Keras pads 0 rows on top and 1 at the bottom (likewise left/right).
    x = np.where(np.random.default_rng(1).random((6, 6, 1)) > 0.5, 1.0, -1.0)
    s = default_session()
    session = with_spec(Session(x, s.kernels, s.bias, s.spec), padding="same", strides=(2, 2))
    result = compute(session)
    assert result.pads == ((0, 1), (0, 1))
    image = render_step_frame(result, 0, 8, (-1.0, 1.0))
    frame = np.asarray(qimage_to_pil(image))
    lay = frame_layout(result, SIZE)
    ring = (PAD_FILL.red(), PAD_FILL.green(), PAD_FILL.blue())
    paper = (PAPER.red(), PAPER.green(), PAPER.blue())

    def corner(row: int, col: int) -> tuple[int, int, int]:
        rect = lay.input_cell_rect(row, col)
        return rgb_at(frame, rect.left() + 4, rect.top() + 4)

    assert corner(6, 0) == ring  # bottom ring
    assert corner(0, 6) == ring  # right ring
    assert corner(6, 6) == ring
    assert corner(-1, 0) == paper  # nothing above
    assert corner(0, -1) == paper  # nothing to the left
    # The last window reaches into the ring: its bottom-right corner is red.
    last = lay.input_cell_rect(6, 6)
    assert is_red(rgb_at(frame, last.right() - 1, last.bottom() - 1))


def test_same_padding_on_the_article_x_pads_all_round() -> None:
    from kernelscope.files.frame_renderer import PAD_FILL, frame_layout, render_step_frame

    result = compute(with_spec(default_session(), padding="same"))
    assert result.pads == ((1, 1), (1, 1))
    frame = np.asarray(qimage_to_pil(render_step_frame(result, 0, 0, (-1.0, 1.0))))
    lay = frame_layout(result, SIZE)
    ring = (PAD_FILL.red(), PAD_FILL.green(), PAD_FILL.blue())
    rect = lay.input_cell_rect(-1, 2)
    assert rgb_at(frame, rect.left() + 4, rect.top() + 4) == ring
    # Step 1's window starts in the padding corner.
    corner = lay.input_cell_rect(-1, -1)
    assert is_red(rgb_at(frame, corner.left() + 1, corner.center().y()))


def rgb_session() -> Session:
    rng = np.random.default_rng(0)
    x = rng.random((5, 5, 3)).round(2)
    k = engine.glorot_uniform((3, 3, 3, 1), seed=2)
    spec = engine.ConvSpec(1, (3, 3), activation="relu")
    return Session(x, k, np.array([0.1], np.float32), spec, ViewState(value_mode="grey"))


def test_three_channels_render_and_export(tmp_path: Path) -> None:
    out = tmp_path / "rgb.gif"
    assert export_gif(rgb_session(), out, fps=1) == 9
    frames = gif_frames(out)
    assert len(frames) == 9
    assert frames[0].reshape(-1, 3).std(axis=0).min() > 10  # colourful, not blank


def test_the_chosen_filter_is_drawn(tmp_path: Path) -> None:
    s = default_session()
    k = np.concatenate([s.kernels, -s.kernels], axis=3)
    session = Session(s.input, k, np.zeros(2, np.float32), dataclasses.replace(s.spec, filters=2))
    one, two = tmp_path / "f1.gif", tmp_path / "f2.gif"
    export_gif(session, one, filter_index=0)
    export_gif(session, two, filter_index=1)
    assert not np.array_equal(gif_frames(one)[0], gif_frames(two)[0])


@pytest.mark.parametrize(
    ("shape", "kernel", "changes"),
    [
        ((9, 9, 3), (5, 5), {}),  # 75 products: only the channel sums fit
        ((12, 12, 1), (11, 11), {"padding": "same"}),  # a wide ring and 121 products
        ((9, 9, 1), (3, 3), {"dilation_rate": (3, 3)}),
        ((7, 40, 1), (3, 3), {"strides": (1, 3)}),  # wide and flat
    ],
)
def test_big_windows_never_draw_outside_the_margins(
    shape: tuple[int, int, int], kernel: tuple[int, int], changes: dict[str, object]
) -> None:
    from kernelscope.files.frame_renderer import render_step_frame

    rng = np.random.default_rng(3)
    x = rng.random(shape).astype(np.float32) * 2 - 1
    k = engine.glorot_uniform((*kernel, shape[2], 1), seed=1)
    spec = engine.ConvSpec(1, kernel, **changes)  # type: ignore[arg-type]
    result = engine.compute(x, k, rng.random(1).astype(np.float32), spec)
    for step in (0, result.steps // 2, result.steps - 1):
        frame = np.asarray(qimage_to_pil(render_step_frame(result, 0, step, (-1.0, 1.0))))
        margin = 5
        for edge in (frame[:margin], frame[-margin:], frame[:, :margin], frame[:, -margin:]):
            assert (edge == 255).all(), "something was drawn in the frame's margin"


def test_frames_scale_with_the_size() -> None:
    from kernelscope.files.frame_renderer import render_step_frame

    result = compute(default_session())
    for size in ((640, 360), (1920, 1080)):
        image = render_step_frame(result, 0, 3, (-1.0, 1.0), size=size)
        assert (image.width(), image.height()) == size


def test_qimage_to_pil_keeps_the_pixels() -> None:
    from PySide6.QtGui import QColor, QImage

    image = QImage(7, 3, QImage.Format.Format_ARGB32)  # odd width: padded rows
    image.fill(QColor(10, 20, 30))
    image.setPixelColor(6, 2, QColor(200, 100, 50))
    pil = qimage_to_pil(image)
    assert pil.size == (7, 3)
    assert pil.getpixel((0, 0)) == (10, 20, 30)
    assert pil.getpixel((6, 2)) == (200, 100, 50)


# --------------------------------------------------------------------------- refusals and cancelling


def test_cancelling_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "cancelled.gif"
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return done < 3

    with pytest.raises(ExportCancelled):
        export_gif(default_session(), out, progress=progress)
    assert calls == [(1, 9), (2, 9), (3, 9)]
    assert list(tmp_path.iterdir()) == []


def test_progress_sees_every_frame(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    export_gif(default_session(), tmp_path / "a.gif", progress=lambda d, t: calls.append((d, t)) is None)
    assert calls == [(k, 9) for k in range(1, 10)]


def test_an_existing_file_survives_a_cancel(tmp_path: Path) -> None:
    out = tmp_path / "keep.gif"
    out.write_bytes(b"old")
    with pytest.raises(ExportCancelled):
        export_gif(default_session(), out, progress=lambda d, t: False)
    assert out.read_bytes() == b"old"


@pytest.mark.parametrize("fps", [0.4, 0, -1, 20.5, float("nan"), float("inf")])
def test_bad_fps_is_refused(tmp_path: Path, fps: float) -> None:
    out = tmp_path / "a.gif"
    with pytest.raises(ExportError, match=r"0\.5 to 20 frames per second"):
        export_gif(default_session(), out, fps=fps)
    assert not out.exists()


def test_speed_limits_are_accepted(tmp_path: Path) -> None:
    session = with_spec(default_session(), strides=(2, 2))
    for fps, ms in ((0.5, 2000), (20, 50), (3, 330)):
        out = tmp_path / f"{fps}.gif"
        export_gif(session, out, fps=fps)
        with Image.open(out) as im:
            assert im.info["duration"] == ms


@pytest.mark.parametrize(("index", "shown"), [(1, "no filter 2"), (-1, "no filter 0"), (5, "no filter 6")])
def test_a_filter_that_does_not_exist_is_refused(tmp_path: Path, index: int, shown: str) -> None:
    out = tmp_path / "a.gif"
    with pytest.raises(ExportError, match=f"{shown}: this layer has 1 filter$"):
        export_gif(default_session(), out, filter_index=index)
    assert not out.exists()


def test_too_many_steps_are_refused_before_any_drawing(tmp_path: Path) -> None:
    s = default_session()
    session = Session(np.ones((60, 60, 1), np.float32), s.kernels, s.bias, s.spec)
    out = tmp_path / "a.gif"
    with pytest.raises(ExportError) as info:
        export_gif(session, out, progress=lambda d, t: pytest.fail("drew a frame"))
    message = str(info.value)
    assert "3364 steps" in message
    assert f"limited to {MAX_GIF_FRAMES} frames" in message
    assert "larger stride" in message
    assert not out.exists()
    assert check_gif_options(with_spec(session, strides=(2, 2)), 2.0, 0) == 29 * 29


def test_an_unwritable_place_is_one_export_error(tmp_path: Path) -> None:
    out = tmp_path / "missing-dir" / "a.gif"
    with pytest.raises(ExportError, match=r"a\.gif"):
        export_gif(default_session(), out)


# --------------------------------------------------------------------------- the command line


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("KERNELSCOPE_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "kernelscope", *args], capture_output=True, text=True, timeout=120, env=env
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("kernelscope: error: ")
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture
def article_file(tmp_path: Path) -> Path:
    path = tmp_path / "x.kscope"
    save_session(default_session(), path)
    return path


def test_cli_writes_a_gif_and_npy_together(article_file: Path, tmp_path: Path) -> None:
    gif, npy = tmp_path / "steps.gif", tmp_path / "maps.npy"
    proc = run("export", str(article_file), "--gif", str(gif), "--fps", "4", "--npy", str(npy))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "9 frames" in proc.stdout
    with Image.open(gif) as im:
        assert im.n_frames == 9
        assert im.info["duration"] == 250
    assert np.load(npy).shape == (3, 3, 1)


def test_cli_gif_without_a_display(article_file: Path, tmp_path: Path) -> None:
    gif = tmp_path / "steps.gif"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run(
        [sys.executable, "-m", "kernelscope", "export", str(article_file), "--gif", str(gif), "--filter", "1"],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert gif.exists()


@pytest.mark.parametrize(("fps", "fragment"), [("30", "not 30"), ("0.1", "0.5 to 20"), ("fast", "--fps")])
def test_cli_bad_fps_is_one_line(article_file: Path, tmp_path: Path, fps: str, fragment: str) -> None:
    gif, npy = tmp_path / "steps.gif", tmp_path / "maps.npy"
    proc = run("export", str(article_file), "--npy", str(npy), "--gif", str(gif), "--fps", fps)
    assert_one_line_error(proc, fragment)
    assert not gif.exists()
    assert not npy.exists()  # refused before anything was written


@pytest.mark.parametrize(("k", "fragment"), [("2", "no filter 2"), ("0", "no filter 0"), ("x", "--filter")])
def test_cli_bad_filter_is_one_line(article_file: Path, tmp_path: Path, k: str, fragment: str) -> None:
    gif = tmp_path / "steps.gif"
    assert_one_line_error(run("export", str(article_file), "--gif", str(gif), "--filter", k), fragment)
    assert not gif.exists()


def test_cli_fps_needs_a_gif(article_file: Path, tmp_path: Path) -> None:
    assert_one_line_error(run("export", str(article_file), "--npy", str(tmp_path / "m.npy"), "--fps", "3"), "--gif")
    assert_one_line_error(run("export", str(article_file)), "--gif")


def test_gif_frames_are_the_rendered_frames(tmp_path: Path) -> None:
    """One shared palette: flat colours (paper, cells, the red frame) come through exactly."""
    from kernelscope.files.frame_renderer import PAPER, RED, render_step_frame

    session = default_session()
    out = tmp_path / "stride1.gif"
    export_gif(session, out)
    result = compute(session)
    for step, frame in enumerate(gif_frames(out)):
        rendered = np.asarray(qimage_to_pil(render_step_frame(result, 0, step, (-1.0, 1.0))))
        same = (frame == rendered).all(axis=2)
        assert same.mean() > 0.99, step
        assert np.abs(frame.astype(int) - rendered.astype(int)).max() < 60
    colours = {tuple(c) for c in gif_frames(out)[0].reshape(-1, 3)[::7].tolist()}
    assert (PAPER.red(), PAPER.green(), PAPER.blue()) in colours
    assert (RED.red(), RED.green(), RED.blue()) in colours
    assert (0, 0, 0) in colours  # the X's black cells


# --------------------------------------------------------------------------- a range of steps


def test_a_step_range_gif_holds_exactly_those_steps(tmp_path: Path) -> None:
    session = default_session()
    full, part = tmp_path / "full.gif", tmp_path / "part.gif"
    export_gif(session, full)
    seen: list[tuple[int, int]] = []
    assert export_gif(session, part, first=2, last=5, progress=lambda d, t: seen.append((d, t))) == 4
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    whole, ranged = gif_frames(full), gif_frames(part)
    assert len(ranged) == 4
    for k, frame in enumerate(ranged):
        assert (frame == whole[2 + k]).mean() > 0.99, k  # step 3 to 6 of the full GIF, in order
    assert (ranged[0] != whole[0]).any()
    assert check_gif_options(session, 2.0, 0, first=8) == 1
    assert check_gif_options(session, 2.0, 0, last=0) == 1


@pytest.mark.parametrize(("first", "last", "shown"), [(-1, None, "not steps 0 to 9"), (9, None, "not steps 10 to 9"),
                                                      (4, 3, "not steps 5 to 4"), (0, 9, "not steps 1 to 10")])
def test_a_range_outside_the_steps_is_refused(tmp_path: Path, first: int, last: int | None, shown: str) -> None:
    out = tmp_path / "a.gif"
    with pytest.raises(ExportError, match=f"a GIF runs from step 1 to 9, first step before last, {shown}$"):
        export_gif(default_session(), out, first=first, last=last)
    assert not out.exists()


def test_the_cap_counts_the_range_not_the_scene() -> None:
    s = default_session()
    session = Session(np.ones((60, 60, 1), np.float32), s.kernels, s.bias, s.spec)  # 58x58 = 3364 steps
    assert check_gif_options(session, 2.0, 0, first=100, last=100 + MAX_GIF_FRAMES - 1) == MAX_GIF_FRAMES
    with pytest.raises(ExportError) as info:
        check_gif_options(session, 2.0, 0, first=100, last=100 + MAX_GIF_FRAMES)
    assert str(info.value) == (
        f"a GIF is limited to {MAX_GIF_FRAMES} frames: this range has {MAX_GIF_FRAMES + 1} steps "
        f"(steps 101 to {101 + MAX_GIF_FRAMES} of 58x58 outputs); choose --from/--to or a larger stride"
    )
