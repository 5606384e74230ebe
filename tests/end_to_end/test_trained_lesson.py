"""Lesson 13 and the bundled trained model: the lesson is the model file as kernelscope opens it, its
drawn X is read as X, other drawings a person paints are read right too, the filters its notes
point at look the way the notes say, and the lesson renders headless."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kernelscope.core import engine
from kernelscope.files.lessons import find_lesson, load_lesson
from kernelscope.files.models import load_model
from kernelscope.files.sessions import Session, resources_dir

MODEL = resources_dir() / "models" / "shapes.keras"
CLASSES = ("X", "+", "-", "=", "O", "/", "\\", "|")


def lesson() -> Session:
    return load_lesson(find_lesson("13"))


def training_script():  # the script's drawings and class order; it needs only NumPy until it trains
    spec = importlib.util.spec_from_file_location("train_shapes", resources_dir() / "models" / "train_shapes.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def answer(session: Session, drawing: np.ndarray) -> tuple[str, float]:
    """The class kernelscope's engine gives ``drawing`` and its probability."""
    probabilities = engine.forward(drawing, session.layers)[-1]
    k = int(np.argmax(probabilities))
    return session.class_names[k], float(probabilities[k])


def drawing(rows: list[str]) -> np.ndarray:
    """A 28x28x1 drawing: '#' a white stroke (1), '.' black (0)."""
    assert len(rows) == 28
    assert all(len(r) == 28 for r in rows)
    return np.array([[[1.0 if ch == "#" else 0.0] for ch in row] for row in rows], np.float32)


PLUS = drawing(["." * 28] * 5 + [".............#.............."] * 8 + ["......###############......."]
               + [".............#.............."] * 9 + ["." * 28] * 5)
RING = drawing([
    "............................",
    "............................",
    "............................",
    "............................",
    "...........######...........",
    ".........##......##.........",
    "........#..........#........",
    ".......#............#.......",
    "......#..............#......",
    "......#..............#......",
    ".....#................#.....",
    ".....#................#.....",
    ".....#................#.....",
    ".....#................#.....",
    ".....#................#.....",
    ".....#................#.....",
    "......#..............#......",
    "......#..............#......",
    ".......#............#.......",
    "........#..........#........",
    ".........##......##.........",
    "...........######...........",
    "............................",
    "............................",
    "............................",
    "............................",
    "............................",
    "............................",
])


def test_the_lesson_is_the_bundled_model_reading_a_drawn_x() -> None:
    s = lesson()
    assert s.title == "A trained network reads your drawing"
    assert s.class_names == CLASSES == training_script().CLASS_NAMES
    assert s.view.value_mode == "grey"
    assert s.layer_names == ("edges", "pool_1", "strokes", "pool_2", "flatten", "dropout", "shape")
    opened = load_model(MODEL, input_array=s.input).session
    for ours, model in zip(s.layers, opened.layers, strict=True):
        assert ours.config == model.config
        for a, b in zip(ours.weights, model.weights, strict=True):
            np.testing.assert_array_equal(a, b)  # the trained weights, none edited
    assert "Opened from shapes.keras" in s.notes
    assert MODEL.stat().st_size < 1024 * 1024


def test_the_lessons_x_is_read_as_x() -> None:
    s = lesson()
    assert s.input.shape == (28, 28, 1)
    assert 0 <= s.input.min() < s.input.max() <= 1
    name, p = answer(s, s.input)
    assert name == "X"
    assert p > 0.99  # the notes: "softmax gives X nearly all"


@pytest.mark.parametrize(("picture", "name"), [(PLUS, "+"), (RING, "O")])
def test_a_drawn_plus_and_ring_are_recognised(picture: np.ndarray, name: str) -> None:
    got, p = answer(lesson(), picture)
    assert got == name
    assert p > 0.9


def test_every_hand_drawing_of_the_training_script_is_recognised_without_keras() -> None:
    """The script's clean drawings (brushes of 1 and 3 cells, the article's shapes scaled up),
    read by kernelscope's own engine from the file: all right, as Keras found when training."""
    s = lesson()
    drawings = training_script().hand_drawings()
    assert len({name for name, _, _ in drawings}) == len(CLASSES)
    wrong = [(name, what, answer(s, d[:, :, None])[0]) for name, what, d in drawings
             if answer(s, d[:, :, None])[0] != name]
    assert wrong == []


def test_the_filters_the_notes_point_at_are_edge_detectors() -> None:
    s = lesson()
    kernels = s.layers[0].weights[0][:, :, 0, :]  # 3 x 3 x 8
    assert "filter 2 (+ on top, - below)" in s.notes
    assert (kernels[0, :, 1] > 0).all()
    assert (kernels[2, :, 1] < 0).all()
    assert "filter 7 (+ left, - right)" in s.notes
    assert (kernels[:, 0, 6] > 0).all()
    assert (kernels[:, 2, 6] < 0).all()


def test_the_shapes_in_the_maps_shrink_as_the_notes_say() -> None:
    s = lesson()
    shapes = [out.shape for out in engine.forward(s.input, s.layers)]
    assert shapes == [(26, 26, 8), (13, 13, 8), (11, 11, 16), (5, 5, 16), (400,), (400,), (8,)]
    for claim in ("26 -> 13", "11 -> 5", "the 400 numbers", "8 maps into 16"):
        assert claim in s.notes


@pytest.mark.slow
def test_the_lesson_renders_headless(tmp_path: Path) -> None:
    out = tmp_path / "l13.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("KERNELSCOPE_DEBUG", None)
    proc = subprocess.run([sys.executable, "-m", "kernelscope", "--screenshot", str(out), "13"],
                          capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with Image.open(out) as image:
        assert image.size[0] >= 800
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None
    assert len(colours) > 50
