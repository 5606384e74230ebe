"""The bundled stack lessons (10 to 12): each is a version 2 stack, `kernelscope summary` prints
Keras's table for it, and it shows what its notes claim: the pooled X, the article's next chapter
built on lesson 09's layer, and a hand-made classifier that names six drawn strokes."""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kernelscope.core import engine
from kernelscope.files.lessons import find_lesson
from kernelscope.files.sessions import Session, SessionError, lessons_dir, load_session

STACK_LESSONS = ["10-x-conv-maxpool", "11-photo-next-chapter", "12-digit-classifier", "13-trained-shapes"]
STROKES = ("|", "-", "\\", "/", "+", "X")


def lesson(name: str) -> Session:
    return load_session(lessons_dir() / f"{name}.kscope")


def outputs(s: Session) -> list[np.ndarray]:
    return engine.forward(s.input, s.layers)


def summary(query: str, tmp_path: Path) -> str:
    """``kernelscope summary`` in a subprocess, in ``tmp_path`` so that no file there shadows the lesson."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("KERNELSCOPE_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "kernelscope", "summary", query],
        capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return proc.stdout


def table_rows(text: str) -> list[tuple[str, str, str]]:
    """(layer (type), output shape, params) of every layer row of Keras's box-drawn table."""
    rows = []
    for line in text.splitlines():
        if line.startswith("│"):
            name, shape, params = (cell.strip() for cell in line.strip("│").split("│"))
            rows.append((name, shape, params))
    return rows


def naive_max_pool(maps: np.ndarray, size: int) -> np.ndarray:
    """Keras's MaxPooling2D((size, size)), strides = size, padding "valid", one window at a time."""
    h, w, c = maps.shape
    out = np.empty((h // size, w // size, c), maps.dtype)
    for i in range(h // size):
        for j in range(w // size):
            out[i, j] = maps[i * size:(i + 1) * size, j * size:(j + 1) * size].max(axis=(0, 1))
    return out


# --------------------------------------------------------------------------- every stack lesson


@pytest.mark.parametrize("name", STACK_LESSONS)
def test_each_stack_lesson_is_a_version_2_stack(name: str) -> None:
    path = lessons_dir() / f"{name}.kscope"
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 2
    s = lesson(name)
    assert not s.is_single_conv
    with pytest.raises(SessionError, match="not one Conv2D: read its layers"):
        _ = s.spec
    assert find_lesson(name).path == path
    assert find_lesson(name[:2]).name == name  # its number finds it
    assert s.title.strip()
    assert len(s.title) <= 60
    assert s.notes.strip()


@pytest.mark.parametrize("name", STACK_LESSONS)
def test_stack_lessons_stay_small(name: str) -> None:
    assert (lessons_dir() / f"{name}.kscope").stat().st_size < 1_500_000


def test_single_conv_lessons_stay_version_1_files() -> None:
    for path in sorted(lessons_dir().glob("*.kscope")):
        version = json.loads(path.read_text(encoding="utf-8"))["version"]
        assert version == (2 if path.stem in STACK_LESSONS else 1), path.name


# --------------------------------------------------------------------------- 10: the X through max pooling


def test_10_summary(tmp_path: Path) -> None:
    text = summary("10-x-conv-maxpool", tmp_path)
    assert table_rows(text) == [
        ("conv2d (Conv2D)", "(None, 5, 5, 2)", "20"),
        ("max_pooling2d (MaxPooling2D)", "(None, 2, 2, 2)", "0"),
    ]
    assert "Total params: 20 " in text


def test_10_pooling_keeps_the_largest_of_each_window() -> None:
    s = lesson("10-x-conv-maxpool")
    np.testing.assert_array_equal(s.input, lesson("01-article-x").input)
    conv, pooled = outputs(s)
    kernels, bias = s.layers[0].weights
    np.testing.assert_array_equal(conv, engine.conv2d(s.input, kernels, bias, padding="same"))
    assert conv.shape == (5, 5, 2)  # "same" keeps the 5x5 size
    assert s.layers[1].config["strides"] == (2, 2)  # Keras's default: the pool size
    np.testing.assert_array_equal(pooled, naive_max_pool(conv, 2))
    assert pooled.shape == (2, 2, 2)  # (5 - 2) // 2 + 1 windows each way
    # The notes: the \ map keeps 9 top left and bottom right, the / map top right and bottom left,
    # and the / map's bottom right is the 5 of the centre where the strokes cross.
    np.testing.assert_array_equal(pooled[:, :, 0], [[9, 2], [2, 9]])
    np.testing.assert_array_equal(pooled[:, :, 1], [[2, 9], [9, 5]])
    assert conv[2, 2, 1] == 5
    # The last row and column fall in no window: changing them changes nothing pooled.
    edited = conv.copy()
    edited[4, :, :] = edited[:, 4, :] = 100
    np.testing.assert_array_equal(naive_max_pool(edited, 2), pooled)


# --------------------------------------------------------------------------- 11: the article's next chapter


def test_11_summary_is_the_next_chapter(tmp_path: Path) -> None:
    text = summary("photo-next-chapter", tmp_path)
    assert table_rows(text) == [
        ("conv2d (Conv2D)", "(None, 148, 148, 32)", "896"),
        ("max_pooling2d (MaxPooling2D)", "(None, 74, 74, 32)", "0"),
        ("conv2d_1 (Conv2D)", "(None, 72, 72, 64)", "18,496"),
        ("max_pooling2d_1 (MaxPooling2D)", "(None, 36, 36, 64)", "0"),
    ]
    assert "Total params: 19,392 " in text


def test_11_starts_with_lesson_09s_layer() -> None:
    s, photo = lesson("11-photo-next-chapter"), lesson("09-photo-32-filters")
    np.testing.assert_array_equal(s.input, photo.input)
    first, same = s.layers[0], photo.layers[0]
    assert first.class_name == same.class_name == "Conv2D"
    assert dict(first.config) == dict(same.config)
    assert len(first.weights) == len(same.weights) == 2
    for mine, theirs in zip(first.weights, same.weights, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    np.testing.assert_array_equal(outputs(s)[0], engine.conv2d(photo.input, photo.kernels, photo.bias,
                                                               activation="relu"))
    assert s.view == photo.view


def test_11_second_conv_is_kerass_seeded_start() -> None:
    s = lesson("11-photo-next-chapter")
    kernel, bias = s.layers[2].weights
    assert kernel.shape == (3, 3, 32, 64)
    limit = np.sqrt(6 / (3 * 3 * 32 + 3 * 3 * 64))  # glorot_uniform's bound
    assert np.abs(kernel).max() < limit
    assert np.abs(kernel).max() > 0.99 * limit  # spread over the whole range, not rounded small
    np.testing.assert_array_equal(bias, np.zeros(64))
    drawn = engine.normalize([entry.to_dict() for entry in s.layers[:2]] + [
        {"class_name": "Conv2D", "config": {"filters": 64, "kernel_size": [3, 3], "activation": "relu"}}
    ], s.input.shape)
    np.testing.assert_array_equal(drawn[2].weights[0], kernel)  # what kernelscope draws when weights are omitted


def test_11_each_layer_computes_from_the_one_before() -> None:
    s = lesson("11-photo-next-chapter")
    conv1, pool1, conv2, pool2 = outputs(s)
    assert [o.shape for o in (conv1, pool1, conv2, pool2)] == [(148, 148, 32), (74, 74, 32), (72, 72, 64),
                                                               (36, 36, 64)]
    np.testing.assert_array_equal(pool1, naive_max_pool(conv1, 2))
    kernel, bias = s.layers[2].weights
    np.testing.assert_allclose(conv2, engine.conv2d(pool1, kernel, bias, activation="relu"), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(pool2, naive_max_pool(conv2, 2))
    assert conv2.max() > 0  # relu leaves something to see


# --------------------------------------------------------------------------- 12: a hand-made classifier


def stroke(img: np.ndarray, *points: tuple[int, int]) -> None:
    """A one-cell pen from point to point (row, col), as someone drags it across the grid."""
    for (r0, c0), (r1, c1) in itertools.pairwise(points):
        n = max(abs(r1 - r0), abs(c1 - c0)) + 1
        rows = np.rint(np.linspace(r0, r1, n)).astype(int)
        cols = np.rint(np.linspace(c0, c1, n)).astype(int)
        img[rows, cols] = 1.0


def drawing(*strokes: list[tuple[int, int]]) -> np.ndarray:
    """A 28x28x1 grey drawing, white strokes on black."""
    img = np.zeros((28, 28), np.float32)
    for points in strokes:
        stroke(img, *points)
    return img[:, :, None]


# Six drawings, each a little off straight, as a hand draws them.
DRAWINGS = {
    "|": drawing([(4, 13), (13, 14), (23, 14)]),
    "-": drawing([(14, 4), (13, 13), (14, 23)]),
    "\\": drawing([(4, 5), (23, 22)]),
    "/": drawing([(4, 22), (23, 4)]),
    "+": drawing([(4, 14), (23, 13)], [(13, 4), (14, 23)]),
    "X": drawing([(4, 4), (23, 23)], [(4, 23), (23, 5)]),
}


def probabilities(s: Session, x: np.ndarray) -> np.ndarray:
    return engine.forward(x, s.layers)[-1]


def test_12_summary(tmp_path: Path) -> None:
    text = summary("12-digit-classifier", tmp_path)
    assert table_rows(text) == [
        ("conv2d (Conv2D)", "(None, 26, 26, 4)", "40"),
        ("max_pooling2d (MaxPooling2D)", "(None, 13, 13, 4)", "0"),
        ("flatten (Flatten)", "(None, 676)", "0"),
        ("dense (Dense)", "(None, 6)", "4,062"),
    ]
    assert "Total params: 4,102 " in text


def test_12_is_a_grey_28x28_drawing_with_named_classes() -> None:
    s = lesson("12-digit-classifier")
    assert s.input.shape == (28, 28, 1)
    assert s.view.value_mode == "grey"
    assert s.input.min() >= 0
    assert s.input.max() <= 1
    assert s.class_names == STROKES
    assert s.layers[-1].config["activation"] == "softmax"


@pytest.mark.parametrize("name", STROKES)
def test_12_names_each_drawn_stroke(name: str) -> None:
    s = lesson("12-digit-classifier")
    p = probabilities(s, DRAWINGS[name])
    assert p.sum() == pytest.approx(1, abs=1e-6)
    assert s.class_names[int(p.argmax())] == name, dict(zip(s.class_names, p.round(3).tolist(), strict=True))
    assert p.max() > 0.9
    assert np.sort(p)[-2] < 0.1  # clearly largest: the runner-up far behind


@pytest.mark.parametrize("shift", [(-3, -3), (3, 2), (0, 4)])
@pytest.mark.parametrize("name", STROKES)
def test_12_a_stroke_drawn_elsewhere_is_the_same_stroke(name: str, shift: tuple[int, int]) -> None:
    s = lesson("12-digit-classifier")
    moved = np.roll(DRAWINGS[name], shift, axis=(0, 1))  # the drawings leave 4 black cells around
    p = probabilities(s, moved)
    assert s.class_names[int(p.argmax())] == name
    assert p.max() > 0.5


def test_12_the_lessons_own_drawing_is_an_x() -> None:
    s = lesson("12-digit-classifier")
    p = outputs(s)[-1]
    assert s.class_names[int(p.argmax())] == "X"
    assert p.max() > 0.9


def test_12_weights_are_written_by_hand() -> None:
    s = lesson("12-digit-classifier")
    kernels, conv_bias = s.layers[0].weights
    assert kernels.shape == (3, 3, 1, 4)
    np.testing.assert_array_equal(kernels.sum(axis=(0, 1, 2)), np.zeros(4))  # flat areas answer 0
    one_cell = np.zeros((3, 3, 1), np.float32)
    for f, cells in enumerate(([(0, 1), (1, 1), (2, 1)], [(1, 0), (1, 1), (1, 2)],
                               [(0, 0), (1, 1), (2, 2)], [(0, 2), (1, 1), (2, 0)])):
        line = one_cell.copy()
        for r, c in cells:
            line[r, c] = 1
        answers = engine.conv2d(line, kernels, conv_bias)[0, 0]
        assert answers.argmax() == f  # filter f is the detector of its own line
        assert answers[f] == 4  # 6 along the line, less the bias of 2
        assert (np.delete(answers, f) <= 0).all()  # relu keeps nothing of another line
    dense_kernel, dense_bias = s.layers[3].weights
    # Every pooled cell votes alike: the kernel repeats one row per detector channel.
    np.testing.assert_array_equal(dense_kernel, np.tile(dense_kernel[:4], (169, 1)))
    np.testing.assert_array_equal(np.unique(dense_kernel), np.float32([-0.1, 0.1]))
    # One stroke alone does not make "+" or "X": those two pay a bias.
    np.testing.assert_array_equal(dense_bias, [0, 0, 0, 0, -4, -4])


@pytest.mark.skipif(importlib.util.find_spec("keras") is None, reason="keras is not installed")
@pytest.mark.parametrize("name", STACK_LESSONS)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # NumPy 2 asks backends for __array__(copy=)
def test_stack_lessons_match_keras(name: str) -> None:  # pragma: no cover - runs where Keras is installed
    import keras  # type: ignore[import-not-found]

    s = lesson(name)
    model = keras.Sequential([keras.Input(s.input.shape)] + [
        getattr(keras.layers, e.class_name).from_config(dict(e.config)) for e in s.layers
    ])
    for k, e in enumerate(s.layers):
        model.layers[k].set_weights(list(e.weights))
    every = keras.Model(model.inputs, [layer.output for layer in model.layers])
    want = every.predict(s.input[None], verbose=0)
    for mine, theirs in zip(outputs(s), want, strict=True):
        np.testing.assert_allclose(mine, theirs[0], rtol=1e-5, atol=1e-5)
    assert model.count_params() == sum(e.params for e in s.layers)
