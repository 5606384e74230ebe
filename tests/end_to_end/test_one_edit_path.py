"""The command line and the window build scenes through the same Document edits: the same pasted line
and the same picture give the same arrays on both paths (issue 12, "one home per idea").

The window's path is driven as the window drives it: ``Controller.paste_line`` calls
``pasted_layer.paste_line`` with the bundled-photo loader, and Open picture loads the file in
``picture_value_mode`` and hands it to ``Document.replace_input``.
"""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kernelscope import cli
from kernelscope.core import engine
from kernelscope.core.document import Document
from kernelscope.core.paint_tools import picture_value_mode
from kernelscope.core.pasted_layer import paste_line
from kernelscope.files.images import load_image, sample_photo
from kernelscope.files.sessions import Session, default_session, load_session, save_session

ARTICLE = 'model.add(layers.Conv2D(32,(3,3),activation="relu",input_shape=(150,150,3)))'
LINE_KERNEL = np.array([[1, 1, 1], [-1, -1, -1], [1, 1, 1]], np.float32)


def export_npy(*args: str) -> np.ndarray:
    """``kernelscope export ... --npy`` in a subprocess, as a person runs it."""
    out = Path(args[-1])
    proc = subprocess.run(
        [sys.executable, "-m", "kernelscope", "export", *args[:-1], "--npy", str(out)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return np.load(out)


def window_opens_picture(document: Document, path: Path) -> None:
    """File > Open picture with the dialog's defaults: RGB, the picture's own size."""
    mode = picture_value_mode(document.view.value_mode)
    loaded = load_image(path, channels=3, size=None, fit="crop", value_mode=mode)
    document.replace_input(loaded.pixels, mode)


def assert_same_scene(a: Session, b: Session) -> None:
    np.testing.assert_array_equal(a.input, b.input)
    np.testing.assert_array_equal(a.kernels, b.kernels)
    np.testing.assert_array_equal(a.bias, b.bias)
    assert a.spec == b.spec
    assert a.view.value_mode == b.view.value_mode


@pytest.fixture
def colour_picture(tmp_path: Path) -> Path:
    from PySide6.QtGui import QColor, QImage

    img = QImage(9, 7, QImage.Format.Format_RGB32)
    for y in range(7):
        for x in range(9):
            img.setPixelColor(x, y, QColor((x * 29) % 256, (y * 37) % 256, (x * y * 11) % 256))
    path = tmp_path / "colour.png"
    assert img.save(str(path))
    return path


def test_the_article_line_gives_the_same_maps_on_both_paths(tmp_path: Path) -> None:
    maps = export_npy("--conv", ARTICLE, "--seed", "3", str(tmp_path / "maps.npy"))

    window = Document(default_session())
    paste_line(window, ARTICLE, 3, sample_photo)

    assert maps.shape == (148, 148, 32)
    np.testing.assert_array_equal(maps, window.result.feature_maps())
    np.testing.assert_array_equal(window.kernels, engine.glorot_uniform((3, 3, 3, 32), seed=3))
    assert_same_scene(cli.scene_from_line(ARTICLE, None, 3, None), window.to_session())


def test_a_line_whose_kernels_still_fit_keeps_them_on_both_paths(tmp_path: Path) -> None:
    """The CLI used to randomize the kernels for every line; now it keeps them, as the window does."""
    save_session(default_session(), tmp_path / "x.kscope")
    line = "Conv2D(1, (3, 3), activation='relu')"
    maps = export_npy(str(tmp_path / "x.kscope"), "--conv", line, "--seed", "5", str(tmp_path / "maps.npy"))

    window = Document(default_session())
    paste_line(window, line, 5, sample_photo)

    np.testing.assert_array_equal(maps, window.result.feature_maps())
    np.testing.assert_array_equal(maps[:, :, 0], [[1, 5, 1], [1, 0, 1], [1, 5, 1]])  # the X's line kernel, relu
    assert_same_scene(cli.scene_from_line(line, None, 5, load_session(tmp_path / "x.kscope")), window.to_session())


def test_the_same_picture_and_line_give_the_same_maps_on_both_paths(tmp_path: Path, colour_picture: Path) -> None:
    """Open the picture, then paste a line that keeps the kernels: kernels summed, then / 3 per channel."""
    save_session(default_session(), tmp_path / "x.kscope")
    line = "Conv2D(1, 3, padding='same')"
    maps = export_npy(
        str(tmp_path / "x.kscope"), "--conv", line, "--image", str(colour_picture), str(tmp_path / "maps.npy")
    )

    window = Document(default_session())
    window_opens_picture(window, colour_picture)
    paste_line(window, line, 0, sample_photo)

    np.testing.assert_array_equal(maps, window.result.feature_maps())
    assert window.input.shape == (7, 9, 3)
    assert window.view.value_mode == "grey"
    expected_kernels = np.repeat(LINE_KERNEL[:, :, None, None] / 3, 3, axis=2)
    np.testing.assert_array_equal(window.kernels, expected_kernels)
    np.testing.assert_array_equal(maps, engine.conv2d(window.input, expected_kernels, np.zeros(1, np.float32),
                                                      padding="same"))


def test_a_picture_opened_from_the_command_line_is_the_window_s_picture(colour_picture: Path) -> None:
    scene = cli.scene_from_picture(colour_picture)

    window = Document(default_session())
    window_opens_picture(window, colour_picture)

    assert_same_scene(scene, window.to_session())
    assert scene.title == "colour.png"
    np.testing.assert_array_equal(scene.kernels[:, :, 1, 0], LINE_KERNEL / 3)
