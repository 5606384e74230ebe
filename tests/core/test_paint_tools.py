"""paint_tools: the drawing tools as pure functions, checked cell by cell (no Qt)."""

from __future__ import annotations

import subprocess
import sys
from collections import deque
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernelscope.core import paint_tools as pt
from kernelscope.core.paint_tools import (
    VALUE_MODES,
    add_noise,
    apply_cells,
    clear,
    convert_mode,
    flood_fill_cells,
    invert,
    line_cells,
    mode_noise,
    rect_cells,
    resize,
    shift,
)

# ---------------------------------------------------------------------------- helpers


def frozen(arr: np.ndarray) -> np.ndarray:
    """A read-only float32 array, like the Document hands out: writing to it raises."""
    a = np.array(arr, dtype=np.float32)
    a.flags.writeable = False
    return a


def article_x() -> np.ndarray:
    """The article's 5x5 X: black -1 on white +1."""
    img = np.ones((5, 5, 1), np.float32)
    for i in range(5):
        img[i, i, 0] = img[i, 4 - i, 0] = -1
    return img


def reference_region(image: np.ndarray, r: int, c: int) -> set[tuple[int, int]]:
    """A plain breadth-first flood fill over all channels, to check the scanline one against."""
    img = image if image.ndim == 3 else image[:, :, None]
    h, w = img.shape[:2]
    start = img[r, c].tolist()
    seen = {(r, c)}
    todo = deque([(r, c)])
    while todo:
        y, x = todo.popleft()
        for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
            if 0 <= ny < h and 0 <= nx < w and (ny, nx) not in seen and img[ny, nx].tolist() == start:
                seen.add((ny, nx))
                todo.append((ny, nx))
    return seen


def spiral_maze(n: int) -> np.ndarray:
    """A 1-wide corridor (0) winding inwards as a square spiral, walls (1) one cell thick between turns."""
    img = np.ones((n, n), np.float32)
    r = c = 0
    img[0, 0] = 0
    top, left, bottom, right = 0, 0, n - 1, n - 1
    for turn in range(4 * n):
        d = turn % 4
        steps = 0
        if d == 0:  # right along the top, then the top edge moves 2 down
            while c < right:
                c += 1
                img[r, c] = 0
                steps += 1
            top += 2
        elif d == 1:  # down the right side
            while r < bottom:
                r += 1
                img[r, c] = 0
                steps += 1
            right -= 2
        elif d == 2:  # left along the bottom
            while c > left:
                c -= 1
                img[r, c] = 0
                steps += 1
            bottom -= 2
        else:  # up the left side, stopping a wall short of the last top row
            while r > top:
                r -= 1
                img[r, c] = 0
                steps += 1
            left += 2
        if steps == 0:
            break
    return img


# ---------------------------------------------------------------------------- value modes


def test_the_scene_and_the_session_format_use_the_one_value_mode_table() -> None:
    from kernelscope.core import scene
    from kernelscope.files import sessions

    assert scene.VALUE_MODES is VALUE_MODES
    assert sessions.VALUE_MODES is VALUE_MODES
    assert VALUE_MODES == {"binary": (-1.0, 1.0), "grey": (0.0, 1.0), "byte": (0.0, 255.0)}


def test_an_opened_picture_is_grey_unless_the_scene_paints_in_grey_or_bytes() -> None:
    assert pt.picture_value_mode("binary") == "grey"
    assert pt.picture_value_mode("grey") == "grey"
    assert pt.picture_value_mode("byte") == "byte"


def test_importing_paint_tools_loads_no_qt() -> None:
    code = (
        "import sys, kernelscope.core.paint_tools; "
        "print(any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------- line


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((2, 2), (2, 2), [(2, 2)]),
        ((0, 0), (0, 4), [(0, 0), (0, 1), (0, 2), (0, 3), (0, 4)]),
        ((4, 1), (0, 1), [(4, 1), (3, 1), (2, 1), (1, 1), (0, 1)]),
        ((0, 0), (3, 3), [(0, 0), (1, 1), (2, 2), (3, 3)]),
        ((0, 4), (4, 0), [(0, 4), (1, 3), (2, 2), (3, 1), (4, 0)]),
        ((0, 0), (1, 4), [(0, 0), (0, 1), (0, 2), (1, 3), (1, 4)]),
        ((0, 0), (4, 2), [(0, 0), (1, 0), (2, 1), (3, 1), (4, 2)]),
    ],
)
def test_line_cells_known_lines(a, b, expected) -> None:
    assert line_cells(a, b) == expected


@given(
    st.tuples(st.integers(-70, 70), st.integers(-70, 70)),
    st.tuples(st.integers(-70, 70), st.integers(-70, 70)),
)
def test_line_cells_is_a_gapless_path_from_a_to_b(a, b) -> None:
    cells = line_cells(a, b)
    assert cells[0] == a
    assert cells[-1] == b
    assert len(cells) == max(abs(b[0] - a[0]), abs(b[1] - a[1])) + 1  # one cell per step on the long axis
    assert len(set(cells)) == len(cells)
    for (r0, c0), (r1, c1) in pairwise(cells):
        assert max(abs(r1 - r0), abs(c1 - c0)) == 1
    assert all(isinstance(v, int) for cell in cells for v in cell)


def test_line_cells_accepts_numpy_ints() -> None:
    assert line_cells((np.int64(0), np.int64(0)), (np.int32(0), np.int32(2))) == [(0, 0), (0, 1), (0, 2)]


# ---------------------------------------------------------------------------- rectangle


def test_rect_outline_and_filled() -> None:
    outline = rect_cells((1, 1), (3, 4))
    assert len(outline) == len(set(outline)) == 2 * 4 + 2 * 1  # two rows of 4, two middle ends
    assert set(outline) == {(1, 1), (1, 2), (1, 3), (1, 4), (2, 1), (2, 4), (3, 1), (3, 2), (3, 3), (3, 4)}
    filled = rect_cells((1, 1), (3, 4), filled=True)
    assert filled == [(r, c) for r in range(1, 4) for c in range(1, 5)]


@pytest.mark.parametrize("filled", [False, True])
def test_rect_corners_in_any_order(filled) -> None:
    want = rect_cells((1, 2), (4, 6), filled)
    for a, b in [((4, 6), (1, 2)), ((1, 6), (4, 2)), ((4, 2), (1, 6))]:
        assert rect_cells(a, b, filled) == want
    assert want == sorted(want)  # row by row


def test_rect_degenerate_is_a_line_or_a_point() -> None:
    assert rect_cells((2, 2), (2, 2)) == [(2, 2)]
    assert rect_cells((2, 0), (2, 3)) == [(2, 0), (2, 1), (2, 2), (2, 3)]
    assert rect_cells((0, 1), (3, 1)) == [(0, 1), (1, 1), (2, 1), (3, 1)]
    assert rect_cells((0, 0), (1, 1)) == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_rect_outline_of_a_square_draws_only_the_border() -> None:
    img = apply_cells(np.zeros((5, 5, 1), np.float32), rect_cells((0, 0), (4, 4)), 1)
    assert img[1:4, 1:4].sum() == 0
    assert img.sum() == 16


# ---------------------------------------------------------------------------- flood fill


def test_flood_fill_the_article_x_background() -> None:
    x = article_x()
    # The X's background (+1) splits into four triangles; the top one has 3 + 1 cells.
    top = flood_fill_cells(x, 0, 2)
    assert top == [(0, 1), (0, 2), (0, 3), (1, 2)]
    # The X itself is only diagonally connected, so a 4-connected fill takes one cell.
    assert flood_fill_cells(x, 0, 0) == [(0, 0)]
    assert flood_fill_cells(x, 2, 2) == [(2, 2)]


def test_flood_fill_does_not_leak_through_diagonals() -> None:
    checker = np.indices((4, 4)).sum(axis=0).astype(np.float32) % 2  # cells touch their kind only at corners
    for r in range(4):
        for c in range(4):
            assert flood_fill_cells(checker, r, c) == [(r, c)]
    plus = np.zeros((3, 3), np.float32)
    plus[1, :] = plus[:, 1] = 1
    assert flood_fill_cells(plus, 0, 1) == [(0, 1), (1, 0), (1, 1), (1, 2), (2, 1)]


def test_flood_fill_whole_uniform_image() -> None:
    img = np.full((7, 9, 3), 0.25, np.float32)
    cells = flood_fill_cells(img, 3, 4)
    assert cells == [(r, c) for r in range(7) for c in range(9)]


def test_flood_fill_channel_choice() -> None:
    img = np.zeros((3, 3, 3), np.float32)
    img[:, 2, 1] = 1  # the right column differs only in the green channel
    assert len(flood_fill_cells(img, 0, 0)) == 6
    assert len(flood_fill_cells(img, 0, 0, channel=0)) == 9
    assert len(flood_fill_cells(img, 0, 0, channel=1)) == 6
    with pytest.raises(ValueError, match="channel 3 does not exist"):
        flood_fill_cells(img, 0, 0, channel=3)


def test_flood_fill_outside_gives_nothing() -> None:
    img = np.zeros((4, 4, 1), np.float32)
    assert flood_fill_cells(img, -1, 0) == []
    assert flood_fill_cells(img, 0, 4) == []


@pytest.mark.parametrize("n", [64, 512])
def test_flood_fill_follows_a_long_spiral(n) -> None:
    maze = spiral_maze(n)
    corridor = int((maze == 0).sum())
    assert corridor > n * n // 3  # a path thousands of cells long, deeper than any recursion limit
    cells = flood_fill_cells(maze[:, :, None], 0, 0)
    assert len(cells) == corridor
    assert all(maze[r, c] == 0 for r, c in cells)
    if n == 64:
        assert set(cells) == reference_region(maze, 0, 0)
        assert set(flood_fill_cells(maze, 1, 0)) == reference_region(maze, 1, 0)  # the walls


@given(
    st.integers(1, 9).flatmap(
        lambda h: st.integers(1, 9).flatmap(
            lambda w: st.tuples(
                st.lists(st.integers(0, 2), min_size=h * w, max_size=h * w).map(
                    lambda v: np.array(v, np.float32).reshape(h, w)
                ),
                st.integers(0, h - 1),
                st.integers(0, w - 1),
            )
        )
    )
)
def test_flood_fill_agrees_with_a_plain_breadth_first_search(case) -> None:
    img, r, c = case
    cells = flood_fill_cells(img, r, c)
    assert set(cells) == reference_region(img, r, c)
    assert cells == sorted(cells)


# ---------------------------------------------------------------------------- apply / clear / invert


def test_apply_cells_sets_cells_and_skips_out_of_range() -> None:
    img = np.zeros((3, 4, 1), np.float32)
    out = apply_cells(img, [(0, 0), (2, 3), (-1, 0), (3, 0), (0, 4), (1, -1)], 1.0)
    assert out[0, 0, 0] == 1
    assert out[2, 3, 0] == 1
    assert out.sum() == 2
    assert out.dtype == np.float32


def test_apply_cells_channels_and_colours() -> None:
    img = np.zeros((2, 2, 3), np.float32)
    assert apply_cells(img, [(0, 0)], 5, channel=2)[0, 0].tolist() == [0, 0, 5]
    assert apply_cells(img, [(1, 1)], [0.1, 0.2, 0.3])[1, 1].tolist() == pytest.approx([0.1, 0.2, 0.3])
    assert apply_cells(img, [(1, 1)], 7)[1, 1].tolist() == [7, 7, 7]
    with pytest.raises(ValueError, match="one number or 3"):
        apply_cells(img, [(0, 0)], [1, 2])
    with pytest.raises(ValueError, match="finite"):
        apply_cells(img, [(0, 0)], float("nan"))
    with pytest.raises(ValueError, match="channel 3 does not exist"):
        apply_cells(img, [(0, 0)], 1, channel=3)


def test_apply_cells_with_no_cells_is_a_copy() -> None:
    img = article_x()
    out = apply_cells(img, [], 0)
    assert np.array_equal(out, img)
    assert out is not img


def test_two_dimensional_images_stay_two_dimensional() -> None:
    img = np.zeros((4, 5), np.float32)
    assert apply_cells(img, [(1, 1)], 1).shape == (4, 5)
    assert clear(img, 1).shape == (4, 5)
    assert invert(img, 0, 1).shape == (4, 5)
    assert shift(img, 1, 0, 0).shape == (4, 5)
    assert add_noise(img, 0, 1, 0.5, seed=1).shape == (4, 5)
    assert resize(img, 6, 3).shape == (6, 3)
    assert resize(img, 8, 10, "scale").shape == (8, 10)
    assert convert_mode(img, "grey", "byte").shape == (4, 5)
    with pytest.raises(ValueError, match="rows, columns"):
        clear(np.zeros(4, np.float32), 0)


def test_clear_fills_with_a_value_or_a_colour() -> None:
    assert np.array_equal(clear(article_x(), 1), np.ones((5, 5, 1), np.float32))
    rgb = clear(np.zeros((2, 3, 3), np.float32), [1, 0, 0.5])
    assert rgb.shape == (2, 3, 3)
    assert (rgb[..., 0] == 1).all()
    assert (rgb[..., 2] == 0.5).all()


@pytest.mark.parametrize(
    ("mode", "values", "inverted"),
    [
        ("binary", [-1, 1], [1, -1]),
        ("grey", [0, 0.25, 1], [1, 0.75, 0]),
        ("byte", [0, 100, 255], [255, 155, 0]),
    ],
)
def test_invert_per_mode(mode, values, inverted) -> None:
    lo, hi = VALUE_MODES[mode]
    img = np.array(values, np.float32).reshape(1, -1, 1)
    out = invert(img, lo, hi)
    assert out.ravel().tolist() == pytest.approx(inverted)
    assert out.dtype == np.float32
    assert np.array_equal(invert(out, lo, hi), img)


def test_invert_swaps_the_article_x() -> None:
    x = article_x()
    assert np.array_equal(invert(x, -1, 1), -x)


def test_invert_refuses_a_backwards_range() -> None:
    with pytest.raises(ValueError, match="lower to a higher"):
        invert(article_x(), 1, -1)


# ---------------------------------------------------------------------------- shift


def test_shift_moves_one_cell_each_way_and_fills_the_gap() -> None:
    img = np.arange(12, dtype=np.float32).reshape(3, 4, 1)
    right = shift(img, 0, 1, -1)
    assert right[:, 0, 0].tolist() == [-1, -1, -1]
    assert np.array_equal(right[:, 1:], img[:, :-1])
    left = shift(img, 0, -1, -1)
    assert left[:, -1, 0].tolist() == [-1, -1, -1]
    assert np.array_equal(left[:, :-1], img[:, 1:])
    down = shift(img, 1, 0, 9)
    assert down[0, :, 0].tolist() == [9, 9, 9, 9]
    assert np.array_equal(down[1:], img[:-1])
    up = shift(img, -1, 0, 9)
    assert up[-1, :, 0].tolist() == [9, 9, 9, 9]
    assert np.array_equal(up[:-1], img[1:])
    diagonal = shift(img, 1, 1, 0)
    assert np.array_equal(diagonal[1:, 1:], img[:-1, :-1])


def test_shift_drops_cells_that_leave_the_grid() -> None:
    x = article_x()
    there_and_back = shift(shift(x, 0, 1, 1), 0, -1, 1)
    assert np.array_equal(there_and_back[:, :4], x[:, :4])
    assert (there_and_back[:, 4] == 1).all()  # the right column was lost and refilled


@pytest.mark.parametrize(("dr", "dc"), [(5, 0), (0, -5), (9, 9), (-6, 2)])
def test_shift_by_the_whole_grid_or_more_leaves_only_fill(dr, dc) -> None:
    assert (shift(article_x(), dr, dc, 0.5) == 0.5).all()


def test_shift_by_zero_is_a_copy() -> None:
    x = article_x()
    out = shift(x, 0, 0, 0)
    assert np.array_equal(out, x)
    assert not np.shares_memory(out, x)


def test_shift_fills_with_a_colour() -> None:
    out = shift(np.zeros((3, 3, 3), np.float32), 0, 1, [1, 2, 3])
    assert out[0, 0].tolist() == [1, 2, 3]


# ---------------------------------------------------------------------------- noise


def test_binary_noise_flips_exactly_the_asked_fraction() -> None:
    img = np.ones((10, 10, 1), np.float32)
    out = add_noise(img, -1, 1, 0.2, seed=3, flip=True)
    assert set(np.unique(out).tolist()) == {-1.0, 1.0}
    assert int((out != img).sum()) == 20
    x = article_x()
    assert int((add_noise(x, -1, 1, 0.12, seed=0, flip=True) != x).sum()) == 3  # round(0.12 * 25)


def test_noise_is_reproducible_by_seed() -> None:
    img = np.full((8, 8, 1), 0.5, np.float32)
    a = add_noise(img, 0, 1, 0.3, seed=42)
    assert np.array_equal(a, add_noise(img, 0, 1, 0.3, seed=42))
    assert not np.array_equal(a, add_noise(img, 0, 1, 0.3, seed=43))
    b = add_noise(article_x(), -1, 1, 0.3, seed=7, flip=True)
    assert np.array_equal(b, add_noise(article_x(), -1, 1, 0.3, seed=7, flip=True))


@pytest.mark.parametrize("mode", ["grey", "byte"])
def test_continuous_noise_stays_in_range_and_within_amount(mode) -> None:
    lo, hi = VALUE_MODES[mode]
    img = np.linspace(lo, hi, 400, dtype=np.float32).reshape(20, 20, 1)
    out = add_noise(img, lo, hi, 0.1, seed=1)
    assert out.dtype == np.float32
    assert out.min() >= lo
    assert out.max() <= hi
    assert np.abs(out - img).max() <= 0.1 * (hi - lo) + 1e-4
    assert (out != img).mean() > 0.9  # nearly every value moved


def test_noise_amount_zero_changes_nothing_and_one_is_allowed() -> None:
    x = article_x()
    assert np.array_equal(add_noise(x, -1, 1, 0, seed=1, flip=True), x)
    assert np.array_equal(add_noise(x, -1, 1, 0, seed=1), x)
    assert np.array_equal(add_noise(x, -1, 1, 1, seed=1, flip=True), -x)  # every cell flipped


@pytest.mark.parametrize("amount", [-0.1, 1.5, float("nan")])
def test_noise_refuses_an_amount_outside_0_to_1(amount) -> None:
    with pytest.raises(ValueError, match="noise amount must be from 0 to 1"):
        add_noise(article_x(), -1, 1, amount, seed=1)


def test_mode_noise_picks_the_mode_behaviour() -> None:
    x = article_x()
    binary = mode_noise(x, "binary", 0.4, seed=2)
    assert set(np.unique(binary).tolist()) <= {-1.0, 1.0}
    assert int((binary != x).sum()) == 10
    byte = mode_noise(np.full((6, 6, 1), 128, np.float32), "byte", 0.2, seed=2)
    assert np.array_equal(byte, np.round(byte))
    assert byte.min() >= 0
    assert byte.max() <= 255
    grey = mode_noise(np.full((6, 6, 1), 0.5, np.float32), "grey", 0.2, seed=2)
    assert not np.array_equal(grey, np.round(grey))
    with pytest.raises(ValueError, match="unknown value mode 'colour'"):
        mode_noise(x, "colour", 0.1)


# ---------------------------------------------------------------------------- resize


def test_grow_crop_or_pad_keeps_every_cell_top_left() -> None:
    x = article_x()
    out = resize(x, 8, 7, "crop-or-pad", fill=1)
    assert out.shape == (8, 7, 1)
    assert np.array_equal(out[:5, :5], x)
    assert (out[5:] == 1).all()
    assert (out[:, 5:] == 1).all()


def test_shrink_crop_or_pad_keeps_the_cells_that_fit() -> None:
    img = np.arange(36, dtype=np.float32).reshape(6, 6, 1)
    out = resize(img, 4, 3, "crop-or-pad", fill=0)
    assert np.array_equal(out, img[:4, :3])


def test_crop_or_pad_centre_anchor() -> None:
    x = article_x()
    grown = resize(x, 8, 9, "crop-or-pad", fill=1, anchor="centre")
    assert np.array_equal(grown[1:6, 2:7], x)  # 3 spare rows: 1 above, 2 below; 4 spare columns: 2 and 2
    assert grown.sum() == grown.size - 2 * 9  # only the X's nine -1 cells are not +1
    assert np.array_equal(resize(grown, 5, 5, "crop-or-pad", fill=1, anchor="centre"), x)  # and back
    img = np.arange(49, dtype=np.float32).reshape(7, 7, 1)
    assert np.array_equal(resize(img, 3, 4, anchor="centre"), img[2:5, 1:5])


def test_crop_or_pad_grows_in_one_direction_and_shrinks_in_the_other() -> None:
    img = np.arange(30, dtype=np.float32).reshape(5, 6, 1)
    out = resize(img, 8, 4, fill=-1)
    assert np.array_equal(out[:5], img[:, :4])
    assert (out[5:] == -1).all()


def test_crop_or_pad_fills_a_colour() -> None:
    out = resize(np.zeros((3, 3, 3), np.float32), 4, 4, fill=[1, 0, 0])
    assert out[3, 3].tolist() == [1, 0, 0]
    assert out[0, 0].tolist() == [0, 0, 0]


def test_scale_up_by_a_whole_factor_repeats_each_cell() -> None:
    x = article_x()
    out = resize(x, 10, 15, "scale")
    assert np.array_equal(out, np.repeat(np.repeat(x, 2, axis=0), 3, axis=1))
    assert np.array_equal(resize(out, 5, 5, "scale"), x)  # and back down


def test_scale_keeps_the_look_at_odd_sizes() -> None:
    x = article_x()
    for size in (3, 7, 12, 64):
        out = resize(x, size, size, "scale")
        assert out.shape == (size, size, 1)
        assert set(np.unique(out).tolist()) <= {-1.0, 1.0}  # nearest neighbour: no new values
        assert out[[0, 0, -1, -1], [0, -1, 0, -1], 0].tolist() == [-1, -1, -1, -1]  # corners of the X
        assert np.array_equal(out, out[:, ::-1])  # the X stays mirror-symmetric
    # Downscaling a large image works (a loaded photo may be bigger than a painting grid).
    big = np.random.default_rng(0).random((150, 150, 3), dtype=np.float32)
    small = resize(big, 64, 64, "scale")
    assert small.shape == (64, 64, 3)
    assert small.flags.c_contiguous


def test_resize_same_size_is_a_copy() -> None:
    x = article_x()
    for mode in ("crop-or-pad", "scale"):
        out = resize(x, 5, 5, mode)
        assert np.array_equal(out, x)
        assert not np.shares_memory(out, x)


@pytest.mark.parametrize(
    ("rows", "cols", "message"),
    [
        (2, 5, "the grid must be from 3 to 64 cells on a side, not 2"),
        (5, 65, "the grid must be from 3 to 64 cells on a side, not 65"),
        (0, 5, "not 0"),
        (-4, 5, "not -4"),
        (5.5, 5, "a whole number of cells, not 5.5"),
        ("8", 5, "a whole number of cells, not '8'"),
        (True, 5, "a whole number of cells"),
    ],
)
def test_resize_refuses_sizes_outside_3_to_64(rows, cols, message) -> None:
    with pytest.raises(ValueError, match=message):
        resize(article_x(), rows, cols)
    pt.check_grid_size(3, 64)  # the limits themselves are fine
    pt.check_grid_size(np.int64(64), np.int32(3))


def test_resize_refuses_unknown_modes_and_anchors() -> None:
    with pytest.raises(ValueError, match="'crop-or-pad' or 'scale', not 'stretch'"):
        resize(article_x(), 6, 6, "stretch")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'top-left' or 'centre', not 'middle'"):
        resize(article_x(), 6, 6, anchor="middle")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- value modes


def test_convert_between_grey_and_byte_is_linear_and_exact() -> None:
    grey = np.array([0, 0.2, 0.5, 1], np.float32).reshape(1, 4, 1)
    byte = convert_mode(grey, "grey", "byte")
    assert byte.ravel().tolist() == pytest.approx([0, 51, 127.5, 255])
    assert np.array_equal(convert_mode(byte, (0, 255), (0, 1)), grey)
    assert byte.dtype == np.float32


def test_convert_from_binary_maps_black_and_white() -> None:
    x = article_x()
    grey = convert_mode(x, "binary", "grey")
    assert set(np.unique(grey).tolist()) == {0.0, 1.0}
    assert np.array_equal(grey == 0, x == -1)
    assert set(np.unique(convert_mode(x, "binary", "byte")).tolist()) == {0.0, 255.0}
    assert np.array_equal(convert_mode(grey, "grey", "binary"), x)  # round trip


def test_convert_to_binary_thresholds_at_the_midpoint() -> None:
    grey = np.array([0, 0.49, 0.5, 0.51, 1], np.float32).reshape(1, 5, 1)
    assert convert_mode(grey, "grey", "binary").ravel().tolist() == [-1, -1, 1, 1, 1]
    byte = np.array([0, 127, 128, 255], np.float32).reshape(1, 4, 1)
    assert convert_mode(byte, (0, 255), (-1, 1)).ravel().tolist() == [-1, -1, 1, 1]


def test_convert_refuses_unknown_modes_and_empty_ranges() -> None:
    with pytest.raises(ValueError, match="unknown value mode 'rgb'"):
        convert_mode(article_x(), "binary", "rgb")
    with pytest.raises(ValueError, match="lower to a higher"):
        convert_mode(article_x(), (1, 1), "grey")


# ---------------------------------------------------------------------------- inputs are never touched

_CALLS = {
    "apply_cells": lambda a: apply_cells(a, [(0, 0), (1, 1)], 0.5),
    "apply_cells channel": lambda a: apply_cells(a, [(0, 0)], 0.5, channel=0),
    "flood_fill_cells": lambda a: flood_fill_cells(a, 0, 1),
    "clear": lambda a: clear(a, 0),
    "invert": lambda a: invert(a, -1, 1),
    "shift": lambda a: shift(a, 1, -1, 0),
    "shift zero": lambda a: shift(a, 0, 0, 0),
    "noise flip": lambda a: add_noise(a, -1, 1, 0.5, seed=1, flip=True),
    "noise": lambda a: add_noise(a, -1, 1, 0.5, seed=1),
    "mode_noise byte": lambda a: mode_noise(a, "byte", 0.5, seed=1),
    "resize grow": lambda a: resize(a, 7, 8, fill=1),
    "resize shrink": lambda a: resize(a, 3, 3, anchor="centre"),
    "resize same": lambda a: resize(a, 5, 5),
    "resize scale": lambda a: resize(a, 10, 10, "scale"),
    "resize scale same": lambda a: resize(a, 5, 5, "scale"),
    "convert": lambda a: convert_mode(a, "binary", "grey"),
    "convert binary": lambda a: convert_mode(a, "binary", "binary"),
}


@pytest.mark.parametrize("name", list(_CALLS))
@pytest.mark.parametrize("channels", [None, 1, 3])
def test_read_only_inputs_are_never_mutated(name, channels) -> None:
    base = article_x()[:, :, 0] if channels is None else np.repeat(article_x(), channels, axis=2)
    image = frozen(base)
    before = image.copy()
    result = _CALLS[name](image)
    assert np.array_equal(image, before)
    if isinstance(result, np.ndarray):
        assert result.dtype == np.float32
        assert result.flags.writeable
        assert not np.shares_memory(result, image)
        result[...] = 0  # the caller owns the result
        assert np.array_equal(image, before)


# ---------------------------------------------------------------------------- brush size
def _square(r: int, c: int, half: int) -> set[tuple[int, int]]:
    return {(rr, cc) for rr in range(r - half, r + half + 1) for cc in range(c - half, c + half + 1)}


def test_a_one_cell_brush_paints_the_cells_themselves() -> None:
    assert pt.brush_cells([(0, 0), (2, 3)], 1, (5, 5)) == [(0, 0), (2, 3)]


@pytest.mark.parametrize("size", [3, 5])
def test_a_brush_paints_the_square_centred_on_the_cell(size: int) -> None:
    cells = pt.brush_cells([(5, 6)], size, (12, 12))
    assert len(cells) == size * size
    assert set(cells) == _square(5, 6, size // 2)


def test_a_brush_is_clipped_at_the_edges() -> None:
    assert set(pt.brush_cells([(0, 0)], 3, (4, 6))) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert set(pt.brush_cells([(3, 5)], 5, (4, 6))) == {(r, c) for r in (1, 2, 3) for c in (3, 4, 5)}
    assert pt.brush_cells([(9, 9)], 1, (4, 6)) == []


def test_a_brush_along_a_stroke_lists_each_cell_once_in_stroke_order() -> None:
    stroke = line_cells((2, 2), (2, 5))
    cells = pt.brush_cells(stroke, 3, (8, 8))
    assert len(cells) == len(set(cells))
    assert set(cells) == {(r, c) for r in (1, 2, 3) for c in range(1, 7)}
    assert cells[:9] == sorted(_square(2, 2, 1))  # the first cell's square comes first, row by row


def test_brush_cells_never_touch_an_image() -> None:
    image = np.zeros((6, 6, 1), np.float32)
    painted = apply_cells(image, pt.brush_cells([(0, 5)], 5, image.shape[:2]), 1.0)
    assert painted[:, :, 0].sum() == 9  # rows 0..2, columns 3..5
    assert image.sum() == 0


@pytest.mark.parametrize("size", [0, 2, 4, 7, True, 3.0])
def test_a_brush_size_other_than_1_3_5_is_refused(size: object) -> None:
    with pytest.raises(ValueError, match="brush is 1, 3, 5 cells wide"):
        pt.brush_cells([(0, 0)], size, (5, 5))  # type: ignore[arg-type]
