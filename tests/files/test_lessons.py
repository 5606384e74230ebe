"""The bundled lessons: each loads, computes like Keras, shows what its notes claim, regenerates
byte for byte, and opens from the command line by name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kernelscope.core import engine
from kernelscope.core.kernel_tools import PRESETS
from kernelscope.files.lessons import (
    AmbiguousLessonError,
    Lesson,
    NoSuchLessonError,
    find_lesson,
    list_lessons,
    load_lesson,
)
from kernelscope.files.sessions import Session, default_session, lessons_dir, load_session, resources_dir

NAMES = [
    "01-article-x",
    "02-plus-minus-equals",
    "03-stride-2",
    "04-25x25-stride-2",
    "05-three-filters",
    "06-same-padding",
    "07-dilation-2",
    "08-sobel-edges",
    "09-photo-32-filters",
    "10-x-conv-maxpool",
    "11-photo-next-chapter",
    "12-digit-classifier",
    "13-trained-shapes",
]
MAKE_LESSONS = lessons_dir() / "make_lessons.py"


def lesson(name: str) -> Session:
    return load_session(lessons_dir() / f"{name}.kscope")


def maps(session: Session, activated: bool = True) -> np.ndarray:
    """(H', W', F) maps as Keras would return them."""
    return engine.compute(session.input, session.kernels, session.bias, session.spec).feature_maps(activated)


def run(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The command in a subprocess, in ``cwd`` so that no file there shadows a lesson name."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("KERNELSCOPE_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "kernelscope", *args],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd,
    )


# --------------------------------------------------------------------------- every lesson


def test_the_bundled_lessons_in_teaching_order() -> None:
    lessons = list_lessons()
    assert [ls.name for ls in lessons] == NAMES
    assert all(ls.path == lessons_dir() / f"{ls.name}.kscope" for ls in lessons)
    assert sorted(p.stem for p in lessons_dir().glob("*.kscope")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_each_lesson_loads_and_computes_like_keras(name: str) -> None:
    s = lesson(name)
    if s.is_single_conv:
        spec = s.spec
        expected = engine.conv2d(
            s.input,
            s.kernels,
            s.bias if spec.use_bias else None,
            strides=spec.strides,
            padding=spec.padding,
            dilation_rate=spec.dilation_rate,
            activation=spec.activation,
        )
        np.testing.assert_array_equal(maps(s), expected)
    else:  # a stack (tests/files/test_stack_lessons.py checks each one): its first layer is a Conv2D
        first = s.layers[0]
        assert first.class_name == "Conv2D"
        config = first.config
        expected = engine.conv2d(
            s.input,
            first.weights[0],
            first.weights[1] if config["use_bias"] else None,
            strides=config["strides"],
            padding=config["padding"],
            dilation_rate=config["dilation_rate"],
            activation=config["activation"],
        )
        every = engine.forward(s.input, s.layers)
        assert len(every) == len(s.layers)
        np.testing.assert_array_equal(every[0], expected)
    assert s.title.strip()
    assert s.notes.strip()
    assert len(s.title) <= 60, "a title is short: it goes in the title bar and the Lessons menu"
    assert s.view.value_mode in ("binary", "grey")
    lo, hi = {"binary": (-1, 1), "grey": (0, 1)}[s.view.value_mode]
    assert s.input.min() >= lo
    assert s.input.max() <= hi


@pytest.mark.parametrize("name", NAMES)
def test_lesson_as_found_matches_its_file(name: str) -> None:
    found = find_lesson(name)
    s = load_lesson(found)
    assert found == Lesson(name, s.title, s.notes, lessons_dir() / f"{name}.kscope")
    assert s == lesson(name)


# --------------------------------------------------------------------------- what the notes claim


def test_01_the_article_x() -> None:
    s = lesson("01-article-x")
    d = default_session()
    np.testing.assert_array_equal(s.input, d.input)
    np.testing.assert_array_equal(s.kernels, d.kernels)
    assert s.spec == d.spec
    m = maps(s)
    assert m.shape == (3, 3, 1)
    assert m[0, 0, 0] == 1  # the first window sums to 1
    np.testing.assert_array_equal(m[:, :, 0], [[1, 5, 1], [1, -3, 1], [1, 5, 1]])


def test_02_plus_minus_equals() -> None:
    s = lesson("02-plus-minus-equals")
    assert s.input.shape == (19, 7, 1)
    assert s.kernels.sum(axis=(0, 1, 2)).tolist() == [0, 0]  # plain white gives 0
    m = maps(s)
    assert m.shape == (17, 5, 2)
    across, down = m[:, :, 0], m[:, :, 1]
    plus, minus, equals = slice(0, 5), slice(6, 11), slice(12, 17)  # the map rows of each shape
    # Horizontal strokes: one bright row in the plus and the minus, two in the equals sign.
    for block, rows in ((plus, 1), (minus, 1), (equals, 2)):
        bright = (across[block] >= 8).any(axis=1)
        assert bright.sum() == rows
    # Vertical strokes: only the plus has one; elsewhere at most the faint ends of a bar.
    assert (down[plus] == 8).all(axis=0).sum() == 1
    assert down[minus].max() <= 2
    assert down[equals].max() <= 4
    assert down[plus].max() == 8


def test_03_stride_2() -> None:
    s = lesson("03-stride-2")
    assert s.spec.strides == (2, 2)
    np.testing.assert_array_equal(s.input, lesson("01-article-x").input)
    result = engine.compute(s.input, s.kernels, s.bias, s.spec)
    assert result.out_shape == (2, 2, 1)
    assert result.steps == 4
    one = maps(lesson("01-article-x"))
    np.testing.assert_array_equal(maps(s), one[::2, ::2])  # the corners of the stride-1 map


def test_04_25x25_stride_2_gives_11x11() -> None:
    s = lesson("04-25x25-stride-2")
    assert s.input.shape == (25, 25, 1)
    assert s.spec.kernel_size == (5, 5)
    assert s.spec.strides == (2, 2)
    result = engine.compute(s.input, s.kernels, s.bias, s.spec)
    assert result.out_shape == (11, 11, 1)
    # "You reach the right edge in the 11th step": step 10 is the last window of the top row.
    assert result.step_position(10) == (0, 10)
    assert result.tap_coordinates(0, 10)[1].max() == 24  # the input's last column
    assert result.tap_coordinates(0, 9)[1].max() == 22
    m = maps(s)[:, :, 0]
    assert m[5, 5] == m.max() == 25  # brightest where the window sits on the crossing
    assert (np.diag(m) >= 17).all()
    assert (np.diag(m[:, ::-1]) >= 17).all()


def test_05_three_filters_three_maps() -> None:
    s = lesson("05-three-filters")
    m = maps(s)
    assert m.shape == (3, 3, 3)
    line, down, up = m[:, :, 0], m[:, :, 1], m[:, :, 2]
    np.testing.assert_array_equal(s.kernels[:, :, 0, 0], PRESETS["article line"].kernel(3, 3))
    np.testing.assert_array_equal(s.kernels[:, :, 0, 1], -PRESETS["diagonal \\"].kernel(3, 3))
    np.testing.assert_array_equal(s.kernels[:, :, 0, 2], -PRESETS["diagonal /"].kernel(3, 3))
    assert line.max() == 5
    assert down[0, 0] == down[2, 2] == 9
    assert up[0, 2] == up[2, 0] == 9


def test_06_same_padding_on_an_even_input() -> None:
    s = lesson("06-same-padding")
    assert s.input.shape == (6, 6, 1)
    assert s.spec.padding == "same"
    assert s.spec.strides == (2, 2)
    result = engine.compute(s.input, s.kernels, s.bias, s.spec)
    assert result.pads == ((0, 1), (0, 1))  # the extra zero goes at the bottom and the right
    assert result.out_shape == (3, 3, 1)
    np.testing.assert_array_equal(maps(s)[:, :, 0], [[9, 9, 6], [9, 9, 6], [6, 6, 4]])


def test_07_dilation_2() -> None:
    s = lesson("07-dilation-2")
    assert s.input.shape == (7, 7, 1)
    assert s.spec.dilation_rate == (2, 2)
    result = engine.compute(s.input, s.kernels, s.bias, s.spec)
    assert result.out_shape == (3, 3, 1)
    rows, cols = result.tap_coordinates(0, 0)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (0, 4, 0, 4)  # a 5x5 area
    expected = np.full((3, 3), -1.0)
    expected[1, 1] = 9
    np.testing.assert_array_equal(maps(s)[:, :, 0], expected)


def test_08_sobel_edges() -> None:
    s = lesson("08-sobel-edges")
    assert s.view.value_mode == "grey"
    assert 16 <= s.input.shape[0] <= 20
    np.testing.assert_array_equal(s.kernels[:, :, 0, 0], PRESETS["Sobel x"].kernel(3, 3))
    np.testing.assert_array_equal(s.kernels[:, :, 0, 1], PRESETS["Sobel y"].kernel(3, 3))
    m = maps(s)
    sx, sy = m[:, :, 0], m[:, :, 1]
    # The square's left side brightens going right (+4), its right side darkens (-4); Sobel y the
    # same going down. Flat areas give 0.
    assert sx.max() == 4
    assert sx.min() == -4
    cols_pos = np.unique(np.nonzero(sx == 4)[1])
    cols_neg = np.unique(np.nonzero(sx == -4)[1])
    assert cols_pos.max() < cols_neg.min()
    np.testing.assert_array_equal(sy, sx.T)  # a square: Sobel y is Sobel x turned
    assert sx[0, 0] == sx[sx.shape[0] // 2, sx.shape[1] // 2] == 0


# --------------------------------------------------------------------------- regenerating


def test_the_photo_lesson_is_the_articles_line() -> None:
    s = lesson("09-photo-32-filters")
    assert s.input.shape == (150, 150, 3)
    assert s.spec.filters == 32
    assert s.spec.activation == "relu"
    from kernelscope.core.engine import compute, count_params

    assert compute(s.input, s.kernels, s.bias, s.spec).out_shape == (148, 148, 32)
    assert count_params(s.spec, 3) == 896


def test_make_lessons_regenerates_the_same_bytes(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(MAKE_LESSONS), str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == [f"{n}.kscope" for n in NAMES]
    for name in made:
        assert (tmp_path / name).read_bytes() == (lessons_dir() / name).read_bytes(), name


def test_lessons_live_in_the_resources_folder() -> None:
    assert lessons_dir() == resources_dir() / "lessons"
    assert MAKE_LESSONS.is_file()


# --------------------------------------------------------------------------- finding a lesson


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("01-article-x", "01-article-x"),
        ("01-ARTICLE-X", "01-article-x"),
        ("article-x", "01-article-x"),
        ("Article-X", "01-article-x"),
        ("01-article-x.kscope", "01-article-x"),
        ("art", "01-article-x"),
        ("01", "01-article-x"),
        ("1", "01-article-x"),
        ("3", "03-stride-2"),
        ("plus", "02-plus-minus-equals"),
        ("04", "04-25x25-stride-2"),
        ("25x25", "04-25x25-stride-2"),
        ("sob", "08-sobel-edges"),
        ("stride-2", "03-stride-2"),  # exact short name beats being a prefix of nothing else
        (" dilation-2 ", "07-dilation-2"),
        ("10", "10-x-conv-maxpool"),
        ("12", "12-digit-classifier"),
        ("photo-next", "11-photo-next-chapter"),
        ("photo-32", "09-photo-32-filters"),
    ],
)
def test_find_lesson(query: str, name: str) -> None:
    assert find_lesson(query).name == name


def test_find_lesson_ambiguous_names_the_candidates() -> None:
    with pytest.raises(AmbiguousLessonError, match="03-stride-2, 06-same-padding, 08-sobel-edges"):
        find_lesson("s")
    with pytest.raises(AmbiguousLessonError, match="09-photo-32-filters, 11-photo-next-chapter"):
        find_lesson("photo")
    with pytest.raises(LookupError):
        find_lesson("0")


@pytest.mark.parametrize("query", ["nope", "", "14", "99-x", "article-y"])
def test_find_lesson_unknown(query: str) -> None:
    with pytest.raises(NoSuchLessonError, match="kernelscope lessons"):
        find_lesson(query)


def test_list_lessons_of_another_folder(tmp_path: Path) -> None:
    assert list_lessons(tmp_path) == []
    assert list_lessons(tmp_path / "missing") == []
    for name in ("b-second", "a-first"):
        (tmp_path / f"{name}.kscope").write_bytes((lessons_dir() / "01-article-x.kscope").read_bytes())
    (tmp_path / "notes.txt").write_text("not a lesson")
    assert [ls.name for ls in list_lessons(tmp_path)] == ["a-first", "b-second"]
    assert find_lesson("a-f", tmp_path).name == "a-first"


# --------------------------------------------------------------------------- the command line


def test_cli_lists_the_lessons(tmp_path: Path) -> None:
    proc = run("lessons", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    lines = proc.stdout.splitlines()
    assert len(lines) == len(NAMES)
    for line, ls in zip(lines, list_lessons(), strict=True):
        name, title = line.split(None, 1)
        assert name == ls.name
        assert title == ls.title
        assert line.startswith(f"{ls.name}  ") or line.startswith(ls.name + " ")


def test_cli_lessons_takes_no_arguments(tmp_path: Path) -> None:
    proc = run("lessons", "extra", cwd=tmp_path)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("name", ["01-article-x", "article-x"])
def test_cli_opens_a_lesson_by_name(name: str, tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    proc = run(name, "--screenshot", str(out), "--size", "800x600", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert out.stat().st_size > 0


def test_cli_unknown_lesson_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    proc = run("no-such-lesson", "--screenshot", str(out), cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == (
        "kernelscope: error: no such file or lesson: no-such-lesson (see 'kernelscope lessons')\n"
    )
    assert not out.exists()


def test_cli_ambiguous_lesson_is_one_line(tmp_path: Path) -> None:
    proc = run("s", "--screenshot", str(tmp_path / "shot.png"), cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("kernelscope: error: ")
    assert "03-stride-2" in lines[0]
