"""The command line, end to end in subprocesses (a second QApplication would abort pytest)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kernelscope import __version__
from kernelscope.core import engine
from kernelscope.files.sessions import default_session, save_session


def run(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("KERNELSCOPE_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "kernelscope", *args],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd,
    )


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("kernelscope: error: ")
    assert "Traceback" not in proc.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_version() -> None:
    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"kernelscope {__version__}"


def test_export_npy_writes_the_engine_maps(tmp_path: Path) -> None:
    session = tmp_path / "x.kscope"
    save_session(default_session(), session)
    out = tmp_path / "maps.npy"
    proc = run("export", str(session), "--npy", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    maps = np.load(out)
    assert maps.shape == (3, 3, 1)
    assert maps.dtype == np.float32
    s = default_session()
    np.testing.assert_array_equal(maps, engine.conv2d(s.input, s.kernels, s.bias))
    np.testing.assert_array_equal(maps[:, :, 0], [[1, 5, 1], [1, -3, 1], [1, 5, 1]])


def test_export_the_article_line_shape(tmp_path: Path) -> None:
    """Conv2D(32, (3, 3), activation="relu", input_shape=(150, 150, 3)) as a session file."""
    rng = np.random.default_rng(0)
    doc = {
        "format": "kernelscope-session", "version": 1,
        "layer": {"filters": 32, "kernel_size": [3, 3], "activation": "relu"},
        "input": rng.random((150, 150, 3)).round(3).tolist(),
        "kernels": engine.glorot_uniform((3, 3, 3, 32), seed=1).tolist(),
        "bias": [0] * 32,
    }
    session = tmp_path / "article.kscope"
    session.write_text(json.dumps(doc))
    out = tmp_path / "maps.npy"
    proc = run("export", str(session), "--npy", str(out))
    assert proc.returncode == 0, proc.stderr
    maps = np.load(out)
    assert maps.shape == (148, 148, 32)
    assert (maps >= 0).all()


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("{not json", "x.kscope"),
        ('{"format": "kernelscope-session", "version": 9}', "newer"),
        ("", "x.kscope"),
    ],
)
def test_bad_session_is_one_line_and_exit_2(tmp_path: Path, content: str, fragment: str) -> None:
    bad = tmp_path / "x.kscope"
    bad.write_text(content)
    out = tmp_path / "maps.npy"
    proc = run("export", str(bad), "--npy", str(out))
    assert_one_line_error(proc, fragment)
    assert not out.exists()


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    assert_one_line_error(run("export", str(tmp_path / "nope.kscope"), "--npy", "o.npy"), "nope.kscope")
    assert_one_line_error(run(str(tmp_path / "nope.kscope"), "--screenshot", str(tmp_path / "s.png")))


def test_unwritable_export_leaves_nothing(tmp_path: Path) -> None:
    session = tmp_path / "x.kscope"
    save_session(default_session(), session)
    out = tmp_path / "no-such-dir" / "maps.npy"
    assert_one_line_error(run("export", str(session), "--npy", str(out)), "maps.npy")
    assert not out.parent.exists()


@pytest.mark.parametrize(
    "args",
    [["--bogus"], ["export"], ["export", "x.kscope"], ["--screenshot", "s.png", "--size", "huge"], ["a", "b"]],
)
def test_bad_arguments_are_one_line(args: list[str], tmp_path: Path) -> None:
    assert_one_line_error(run(*args, cwd=tmp_path))


def test_screenshot_renders_the_article_scene(tmp_path: Path) -> None:
    from PySide6.QtGui import QColor, QImage

    out = tmp_path / "shot.png"
    proc = run("--screenshot", str(out), "--size", "1024x768")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1024, 768)
    # Not blank: black cells of the X, white cells, and the red window frame are all there.
    colours = {QColor(image.pixel(x, y)).name() for x in range(0, 1024, 4) for y in range(0, 768, 4)}
    assert "#000000" in colours
    assert "#ffffff" in colours
    reds = [c for c in colours if QColor(c).red() > 200 and QColor(c).green() < 60 and QColor(c).blue() < 60]
    assert reds, "the red window frame is missing"
    assert len(colours) > 20


def test_export_conv_line_with_the_bundled_photo(tmp_path: Path) -> None:
    out = tmp_path / "maps.npy"
    line = 'model.add(layers.Conv2D(32,(3,3),activation="relu",input_shape=(150,150,3)))'
    proc = run("export", "--conv", line, "--seed", "3", "--npy", str(out))
    assert proc.returncode == 0, proc.stderr
    maps = np.load(out)
    assert maps.shape == (148, 148, 32)
    assert (maps >= 0).all()
    assert maps.max() > 0


def test_export_conv_line_with_an_image_and_keras_code(tmp_path: Path) -> None:
    import ast

    from PySide6.QtGui import QColor, QImage

    img = QImage(20, 12, QImage.Format.Format_RGB32)
    img.fill(QColor(200, 10, 10))
    assert img.save(str(tmp_path / "p.png"))
    proc = run("export", "--conv", "Conv2D(4, 3, padding='same')", "--image", str(tmp_path / "p.png"),
               "--npy", str(tmp_path / "m.npy"), "--keras", str(tmp_path / "k.py"), "--png", str(tmp_path / "w.png"))
    assert proc.returncode == 0, proc.stderr
    assert np.load(tmp_path / "m.npy").shape == (12, 20, 4)
    ast.parse((tmp_path / "k.py").read_text())
    assert (tmp_path / "w.png").stat().st_size > 1000


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["export", "--conv", "Conv2D(32, (3, 3), strides=2, dilation_rate=2)", "--npy", "o.npy"], "--conv"),
        (["export", "--conv", "__import__('os').system('touch hacked')", "--npy", "o.npy"], "--conv"),
        (["export", "--conv", "Conv2D(2, 3)", "--image", "missing.png", "--npy", "o.npy"], "missing.png"),
        (["export", "--image", "x.png", "--npy", "o.npy"], "--conv"),
        (["nope.png", "--screenshot", "s.png"], "nope.png"),
    ],
)
def test_conv_and_image_errors_are_one_line(tmp_path: Path, args: list[str], fragment: str) -> None:
    assert_one_line_error(run(*args, cwd=tmp_path), fragment)
    assert not (tmp_path / "o.npy").exists()
    assert not (tmp_path / "hacked").exists()


def test_open_a_picture_from_the_command_line(tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    out = tmp_path / "shot.png"
    from kernelscope.files.images import sample_photo_path

    proc = run(str(sample_photo_path()), "--screenshot", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert QImage(str(out)).width() == 1280


@pytest.mark.parametrize(
    "args", [["--screenshot", "shot.png"], ["export", "--conv", "Conv2D(2, 3)", "--png", "shot.png"]]
)
def test_drawing_to_a_file_needs_no_display(args: list[str], tmp_path: Path) -> None:
    """On a server or over ssh (no DISPLAY, no platform chosen) Qt would abort looking for X."""
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("KERNELSCOPE_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "kernelscope", *args], capture_output=True, text=True, timeout=120, env=env,
        cwd=tmp_path, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "xcb" not in proc.stderr
    assert (tmp_path / "shot.png").stat().st_size > 1000


# --------------------------------------------------------------------------- issue 14: limits, overflow, the file


def scene_with_kernels(tmp_path: Path, kernel: list[list[float]], name: str) -> Path:
    """The article's scene (a 0/1 X) with one 3x3 kernel of finite float32 weights."""
    import dataclasses

    s = default_session()
    path = tmp_path / name
    save_session(dataclasses.replace(s, kernels=np.array(kernel, np.float32).reshape(3, 3, 1, 1)), path)
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--conv", "Conv2D(2, 3)", "--seed", "-1", "--npy", "o.npy"],
         "--seed: a whole number from 0 to 2147483647 (2**31-1), not -1"),
        (["export", "--conv", "Conv2D(2, 3)", "--seed", "9" * 100, "--npy", "o.npy"],
         "--seed: a whole number from 0 to 2147483647 (2**31-1), not 9999999999999999999999999999999999999..."),
        (["--screenshot", "o.png", "--size", "-5x5"],
         "--size: WIDTHxHEIGHT with each from 200 to 8192, like 1280x800, not -5x5"),
        (["--screenshot", "o.png", "--size", "199x800"],
         "--size: WIDTHxHEIGHT with each from 200 to 8192, like 1280x800, not 199x800"),
        (["export", "--conv", "Conv2D(2, 3)", "--gif", "o.gif", "--fps", "-3"],
         "--fps: frames per second from 0.5 to 20, like 2, not -3"),
        (["export", "--conv", "Conv2D(2, 3)", "--gif", "o.gif", "--filter", "3"],
         "--filter: there is no filter 3: this layer has 2 filters (--filter 1 to 2)"),
        (["export", "--conv", "Conv2D(2, 3)", "--gif", "o.gif", "--filter", "-1"],
         "--filter: there is no filter -1: this layer has 2 filters (--filter 1 to 2)"),
        (["export", "--conv", "Conv2D(1000000, 11)", "--npy", "o.npy"], "--conv: filters: at most 512 (got 1000000)"),
        (["export", "--conv", f"Conv2D({'9' * 100}, 3)", "--npy", "o.npy"],
         "--conv: filters: at most 512 (got a number with 100 digits)"),
        (["export", "--conv", "Conv2D(2, 3, input_shape=(5000, 5000, 3))", "--npy", "o.npy"],
         "--conv: input_shape: at most 1024 pixels on a side (got (5000, 5000, 3))"),
        (["export", "--conv", "Conv2D(2, 3, input_shape=(50, 50, 4))", "--npy", "o.npy"],
         "--conv: input_shape: channels must be 1 (grey) or 3 (RGB) (got (50, 50, 4))"),
        (["export", "--conv", "Conv2D(2, 3)", "--npy", ""], "--npy: a file name like maps.npy, not an empty name"),
        (["--screenshot", ""], "--screenshot: a file name like shot.png, not an empty name"),
    ],
)
def test_a_refused_flag_says_what_is_allowed(tmp_path: Path, args: list[str], message: str) -> None:
    proc = run(*args, cwd=tmp_path)
    assert_one_line_error(proc)
    assert proc.stderr == f"kernelscope: error: {message}\n"
    assert list(tmp_path.iterdir()) == []


OVERFLOW = (
    "kernelscope: error: these weights make the maps overflow 32-bit numbers (beyond ±3.4e38): use smaller "
    "weights; nothing was written\n"
)


@pytest.mark.parametrize(
    "outputs",
    [["--npy", "o.npy"], ["--png", "o.png"], ["--gif", "o.gif"], ["--keras", "o.py"],
     ["--npy", "o.npy", "--png", "o.png", "--gif", "o.gif"]],
)
def test_an_overflowing_export_is_an_error_and_writes_nothing(tmp_path: Path, outputs: list[str]) -> None:
    """3e38 weights are finite float32, but the X's sums of them are not: once +-inf with exit 0."""
    session = scene_with_kernels(tmp_path, [[3e38] * 3] * 3, "over.kscope")
    proc = run("export", str(session), *outputs, cwd=tmp_path)
    assert proc.stderr == OVERFLOW
    assert proc.returncode == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["over.kscope"]


def test_an_overflowing_screenshot_is_an_error(tmp_path: Path) -> None:
    session = scene_with_kernels(tmp_path, [[3e38] * 3] * 3, "over.kscope")
    proc = run(str(session), "--screenshot", "o.png", cwd=tmp_path)
    assert proc.stderr == OVERFLOW
    assert proc.returncode == 2
    assert not (tmp_path / "o.png").exists()


def test_large_weights_that_do_not_overflow_still_export(tmp_path: Path) -> None:
    """The quick bound says "might overflow"; the real maps (+-2e38 at most) are finite and written."""
    session = scene_with_kernels(tmp_path, [[1e38, 0, 0], [0, -1e38, 0], [0, 0, 0]], "big.kscope")
    proc = run("export", str(session), "--npy", "o.npy", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    maps = np.load(tmp_path / "o.npy")
    s = load_session_file(session)
    np.testing.assert_array_equal(maps, engine.conv2d(s.input, s.kernels, s.bias))
    assert np.isfinite(maps).all()
    assert np.abs(maps).max() == np.float32(2e38)


def load_session_file(path: Path):  # type: ignore[no-untyped-def]
    from kernelscope.files.sessions import load_session

    return load_session(path)


def test_kernelscope_file_opens_the_window_on_that_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The window gets the path (title, Ctrl+S, recent files); a lesson or a picture gets none."""
    from kernelscope import cli
    from kernelscope.files.images import sample_photo_path
    from kernelscope.ui import app

    calls: list[tuple[object, Path | None]] = []
    monkeypatch.setattr(app, "run", lambda session, projector=False, path=None: calls.append((session, path)) or 0)
    session = tmp_path / "week1.kscope"
    save_session(default_session(), session)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["week1.kscope"]) == 0
    assert calls[-1][1] == session
    assert calls[-1][0] == default_session()
    assert cli.main(["01"]) == 0  # the first bundled lesson: saving must not write into the package
    assert calls[-1][1] is None
    assert cli.main([str(sample_photo_path())]) == 0  # a picture: Ctrl+S must not write JSON over it
    assert calls[-1][1] is None
    assert cli.main([]) == 0
    assert calls[-1] == (None, None)


@pytest.mark.parametrize("name", sorted(engine.ACTIVATIONS))
def test_every_activation_stays_within_the_overflow_checks_margin(name: str) -> None:
    """The CLI skips computing when |weights| x |input| + |bias| is under half of float32's range:
    that is safe only while no activation more than doubles a value (an exponential would not be)."""
    z = np.array([-1.7e38, -1e10, -3.0, -1e-3, 0.0, 1e-3, 3.0, 1e10, 1.7e38], np.float32)
    with np.errstate(over="ignore", under="ignore"):
        out = engine.activate(z, name).astype(np.float64)
    assert np.isfinite(out).all()
    assert (np.abs(out) <= 2 * np.abs(z.astype(np.float64)) + 2).all()


# --------------------------------------------------------------------------- stacks (issue 15)


def next_chapter_session():  # type: ignore[no-untyped-def]
    """The next chapter's model on a 150x150x3 picture: Conv2D(32) -> pool -> Conv2D(64) -> pool."""
    from kernelscope.files.sessions import Session

    layers = [
        {"class_name": "Conv2D", "config": {"filters": 32, "kernel_size": [3, 3], "activation": "relu"}},
        {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2]}},
        {"class_name": "Conv2D", "config": {"filters": 64, "kernel_size": [3, 3], "activation": "relu"}},
        {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2]}},
    ]
    x = np.random.default_rng(0).random((150, 150, 3)).astype(np.float32)
    return Session(input=x, layers=layers, title="The next chapter")


def digits_session():  # type: ignore[no-untyped-def]
    from kernelscope.files.sessions import Session

    layers = [
        {"class_name": "Conv2D", "config": {"filters": 4, "kernel_size": [3, 3], "activation": "relu"}},
        {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2]}},
        {"class_name": "Flatten", "config": {}},
        {"class_name": "Dense", "config": {"units": 10, "activation": "softmax"}},
    ]
    x = np.linspace(0, 1, 28 * 28, dtype=np.float32).reshape(28, 28, 1)
    return Session(input=x, layers=layers, title="Digits", class_names=tuple("0123456789"))


def test_summary_prints_keras_s_table_for_the_next_chapter(tmp_path: Path) -> None:
    path = tmp_path / "chapter.kscope"
    save_session(next_chapter_session(), path)
    proc = run("summary", str(path))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    rows = [line for line in proc.stdout.splitlines() if "(Conv2D)" in line or "(MaxPooling2D)" in line]
    assert len(rows) == 4
    assert "conv2d (Conv2D)" in rows[0]
    assert "148, 148, 32" in rows[0]
    assert rows[0].rstrip(" │").endswith("896")  # Keras draws the table in box characters
    assert "max_pooling2d (MaxPooling2D)" in rows[1]
    assert "74, 74, 32" in rows[1]
    assert "conv2d_1 (Conv2D)" in rows[2]
    assert "72, 72, 64" in rows[2]
    assert rows[2].rstrip(" │").endswith("18,496")
    assert "36, 36, 64" in rows[3]
    assert "Total params: 19,392" in proc.stdout


def test_summary_of_a_version_1_lesson_and_refusals(tmp_path: Path) -> None:
    proc = run("summary", "article-x")
    assert proc.returncode == 0, proc.stderr
    assert "conv2d (Conv2D)" in proc.stdout
    assert "Total params: 10" in proc.stdout
    assert_one_line_error(run("summary", str(tmp_path / "nope.kscope")), "nope.kscope")
    assert_one_line_error(run("summary"))


def test_export_npz_writes_every_layer_keyed_by_name(tmp_path: Path) -> None:
    from kernelscope.core.engine import stack

    session = digits_session()
    path = tmp_path / "digits.kscope"
    save_session(session, path)
    out = tmp_path / "layers.npz"
    proc = run("export", str(path), "--npz", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "conv2d, max_pooling2d, flatten, dense" in proc.stdout
    expected = stack.forward(session.input, session.layers)
    with np.load(out) as arrays:
        assert list(arrays.keys()) == ["conv2d", "max_pooling2d", "flatten", "dense"]
        for key, want in zip(arrays.keys(), expected, strict=True):
            assert arrays[key].dtype == np.float32
            np.testing.assert_array_equal(arrays[key], want)
        assert arrays["dense"].shape == (10,)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digits.kscope", "layers.npz"]


def test_export_npz_of_one_conv2d_holds_the_engine_maps(tmp_path: Path) -> None:
    out = tmp_path / "layers.npz"
    proc = run("export", "article-x", "--npz", str(out))
    assert proc.returncode == 0, proc.stderr
    s = default_session()
    with np.load(out) as arrays:
        assert list(arrays.keys()) == ["conv2d"]
        np.testing.assert_array_equal(arrays["conv2d"][:, :, 0], [[1, 5, 1], [1, -3, 1], [1, 5, 1]])
        np.testing.assert_array_equal(arrays["conv2d"], engine.conv2d(s.input, s.kernels, s.bias))


@pytest.mark.parametrize(("layer", "shape"), [(None, (10,)), ("2", (13, 13, 4)), ("max_pooling2d", (13, 13, 4)),
                                              ("1", (26, 26, 4)), ("flatten", (676,))])
def test_export_npy_of_one_layer(tmp_path: Path, layer: str | None, shape: tuple[int, ...]) -> None:
    from kernelscope.core.engine import stack

    session = digits_session()
    path = tmp_path / "digits.kscope"
    save_session(session, path)
    out = tmp_path / "one.npy"
    proc = run("export", str(path), "--npy", str(out), *([] if layer is None else ["--layer", layer]))
    assert proc.returncode == 0, proc.stderr
    arr = np.load(out)
    assert arr.shape == shape
    assert arr.dtype == np.float32
    outputs = stack.forward(session.input, session.layers)
    index = {None: 3, "2": 1, "max_pooling2d": 1, "1": 0, "flatten": 2}[layer]
    np.testing.assert_array_equal(arr, outputs[index])
    assert f"layer {index + 1} ({session.layer_names[index]})" in proc.stdout


@pytest.mark.parametrize("layer", ["0", "5", "pool", "-1"])
def test_an_unknown_layer_lists_the_layers(tmp_path: Path, layer: str) -> None:
    path = tmp_path / "digits.kscope"
    save_session(digits_session(), path)
    out = tmp_path / "one.npy"
    proc = run("export", str(path), "--npy", str(out), "--layer", layer)
    assert_one_line_error(proc, "--layer: no layer", "this session has 4 layers: 1 conv2d, 2 max_pooling2d, 3 flatten, "
                          "4 dense")
    assert not out.exists()


def test_export_keras_writes_the_whole_sequential(tmp_path: Path) -> None:
    path = tmp_path / "digits.kscope"
    save_session(digits_session(), path)
    out = tmp_path / "model.py"
    proc = run("export", str(path), "--keras", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "this Sequential model (4 layers)" in proc.stdout
    code = out.read_text("utf-8")
    import ast

    ast.parse(code)
    assert "keras.Input(shape=(28, 28, 1))" in code
    assert "model.layers[0].set_weights([" in code
    assert "model.layers[3].set_weights([" in code
    assert "model.layers[1].set_weights" not in code


def test_layer_needs_an_output_that_takes_it(tmp_path: Path) -> None:
    path = tmp_path / "digits.kscope"
    save_session(digits_session(), path)
    proc = run("export", str(path), "--npz", "all.npz", "--keras", "model.py", "--layer", "2", cwd=tmp_path)
    assert_one_line_error(proc, "--layer applies to --npy OUT.npy, --gif OUT.gif or --png OUT.png, which are missing")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["digits.kscope"]


@pytest.mark.parametrize(
    ("lesson", "flags", "frames", "said"),
    [
        ("10", [], 4, "(layer 2 (max_pooling2d), channel 1)"),  # the default: the last layer
        ("10", ["--layer", "max_pooling2d", "--filter", "2"], 4, "(layer 2 (max_pooling2d), channel 2)"),
        ("10", ["--layer", "1", "--from", "3", "--to", "5"], 3, "(layer 1 (conv2d), filter 1, steps 3 to 5)"),
        ("11", ["--layer", "3", "--filter", "7", "--to", "2"], 2, "(layer 3 (conv2d_1), filter 7, steps 1 to 2)"),
        ("12", ["--fps", "4"], 6, "(layer 4 (dense), one unit a step)"),
    ],
)
def test_a_stack_layer_gif_from_the_command_line(
    tmp_path: Path, lesson: str, flags: list[str], frames: int, said: str
) -> None:
    proc = run("export", lesson, "--gif", "o.gif", *flags, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    fps = "4" if "--fps" in flags else "2"
    assert proc.stdout == f"wrote o.gif: {frames} frames at {fps} per second {said}\n"
    assert gif_frame_count(tmp_path / "o.gif") == frames


def test_a_softmax_gif_of_a_session_with_class_names(tmp_path: Path) -> None:
    path = tmp_path / "digits.kscope"
    save_session(digits_session(), path)
    proc = run("export", str(path), "--gif", "d.gif", "--npy", "d.npy", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "wrote d.gif: 10 frames at 2 per second (layer 4 (dense), one unit a step)" in proc.stdout
    assert gif_frame_count(tmp_path / "d.gif") == 10
    assert np.load(tmp_path / "d.npy").shape == (10,)


@pytest.mark.parametrize(
    ("lesson", "flags", "message"),
    [
        ("12", ["--filter", "2"],
         "--filter: layer 4 (dense) gives a vector: the GIF steps through its units, so --filter does not apply"),
        ("12", ["--layer", "2", "--filter", "5"],
         "--filter: there is no channel 5: layer 2 (max_pooling2d) has 4 channels (--filter 1 to 4)"),
        ("12", ["--layer", "conv2d", "--filter", "9"],
         "--filter: there is no filter 9: layer 1 (conv2d) has 4 filters (--filter 1 to 4)"),
        ("12", ["--from", "7"], "--from: a step from 1 to 6, like 1, not 7"),
        ("12", ["--layer", "2", "--to", "170"], "--to: a step from 1 (--from) to 169, like 169, not 170"),
        ("12", ["--layer", "pool"],
         "--layer: no layer named 'pool': this session has 4 layers: 1 conv2d, 2 max_pooling2d, 3 flatten, 4 dense"),
        ("11", ["--layer", "conv2d", "--filter", "2"],
         "a GIF is limited to 2500 frames: this range has 21904 steps (steps 1 to 21904 of 148x148 outputs); "
         "choose --from/--to or a larger stride"),
    ],
)
def test_a_stack_gif_refusal_is_one_line_and_writes_nothing(
    tmp_path: Path, lesson: str, flags: list[str], message: str
) -> None:
    proc = run("export", lesson, "--gif", "o.gif", "--npy", "o.npy", *flags, cwd=tmp_path)
    assert_one_line_error(proc)
    assert proc.stderr == f"kernelscope: error: {message}\n"
    assert list(tmp_path.iterdir()) == []


def test_png_of_a_stack_shows_the_chosen_layer(tmp_path: Path) -> None:
    from PIL import Image

    first = run("export", "12", "--png", "first.png", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout == "wrote first.png\n"
    dense = run("export", "12", "--png", "dense.png", "--layer", "dense", cwd=tmp_path)
    assert dense.returncode == 0, dense.stderr
    assert dense.stdout == "wrote dense.png (layer 4 selected)\n"
    a = np.asarray(Image.open(tmp_path / "first.png").convert("RGB"))
    b = np.asarray(Image.open(tmp_path / "dense.png").convert("RGB"))
    assert a.shape == b.shape == (800, 1280, 3)
    assert (a != b).any(axis=2).mean() > 0.05  # another layer's settings, input and output are shown
    refused = run("export", "12", "--png", "x.png", "--layer", "9", cwd=tmp_path)
    assert_one_line_error(refused, "--layer: no layer 9")
    assert not (tmp_path / "x.png").exists()


def test_the_window_opens_a_stack_and_screenshots_it(tmp_path: Path) -> None:
    path = tmp_path / "digits.kscope"
    save_session(digits_session(), path)
    shot = tmp_path / "shot.png"
    proc = run(str(path), "--screenshot", str(shot))
    assert proc.returncode == 0, proc.stderr
    assert shot.exists()
    assert shot.stat().st_size > 10_000


NEXT_CHAPTER = (
    'model = keras.Sequential([keras.Input(shape=(150, 150, 3)), layers.Conv2D(32, (3, 3), activation="relu"), '
    'layers.MaxPooling2D((2, 2)), layers.Conv2D(64, (3, 3), activation="relu"), layers.MaxPooling2D((2, 2))])'
)


def test_a_pasted_model_exports_every_layer_as_the_engine_computes_it(tmp_path: Path) -> None:
    from kernelscope.core.engine import forward, normalize
    from kernelscope.core.keras_syntax import parse_model
    from kernelscope.files.images import load_image, sample_photo_path

    out = tmp_path / "chapter.npz"
    proc = run("export", "--conv", NEXT_CHAPTER, "--seed", "5", "--npz", str(out))
    assert proc.returncode == 0, proc.stderr
    saved = np.load(out)
    assert list(saved) == ["conv2d", "max_pooling2d", "conv2d_1", "max_pooling2d_1"]
    photo = load_image(sample_photo_path(), channels=3, size=(150, 150), fit="crop", value_mode="grey").pixels
    expected = forward(photo, normalize(parse_model(NEXT_CHAPTER).layers, (150, 150, 3), 5))
    for name, want in zip(saved, expected, strict=True):
        np.testing.assert_array_equal(saved[name], want)
    assert saved["max_pooling2d_1"].shape == (36, 36, 64)


def test_a_pasted_model_that_does_not_fit_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "x.npz"
    text = NEXT_CHAPTER.replace("(150, 150, 3)", "(8, 8, 3)")
    proc = run("export", "--conv", text, "--npz", str(out))
    assert proc.returncode == 2
    assert proc.stderr.startswith("kernelscope: error: --conv: ")
    assert proc.stderr.count("\n") == 1
    assert not out.exists()


# --------------------------------------------------------------------------- issue 13: a GIF's step range


def gif_frame_count(path: Path) -> int:
    from PIL import Image

    with Image.open(path) as im:
        return int(im.n_frames)


@pytest.mark.parametrize(
    ("flags", "frames", "said"),
    [
        (["--from", "3", "--to", "7"], 5, "5 frames at 2 per second (filter 1, steps 3 to 7)"),
        (["--from", "9"], 1, "1 frames at 2 per second (filter 1, steps 9 to 9)"),
        (["--to", "2"], 2, "2 frames at 2 per second (filter 1, steps 1 to 2)"),
        ([], 9, "9 frames at 2 per second (filter 1)\n"),
    ],
)
def test_a_gif_of_a_step_range_has_one_frame_per_step(
    tmp_path: Path, flags: list[str], frames: int, said: str
) -> None:
    proc = run("export", "01", "--gif", "o.gif", *flags, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"wrote o.gif: {said}" + ("" if said.endswith("\n") else "\n")
    assert gif_frame_count(tmp_path / "o.gif") == frames


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--from", "0"], "--from: a step from 1 to 9, like 1, not 0"),
        (["--from", "10"], "--from: a step from 1 to 9, like 1, not 10"),
        (["--from", "x"], "--from: a step counted from 1, like 1, not x"),
        (["--to", "10"], "--to: a step from 1 (--from) to 9, like 9, not 10"),
        (["--from", "5", "--to", "4"], "--to: a step from 5 (--from) to 9, like 9, not 4"),
        (["--to", "-2"], "--to: a step from 1 (--from) to 9, like 9, not -2"),
    ],
)
def test_a_step_range_outside_the_scene_is_refused_in_one_line(
    tmp_path: Path, flags: list[str], message: str
) -> None:
    proc = run("export", "01", "--gif", "o.gif", "--npy", "o.npy", *flags, cwd=tmp_path)
    assert_one_line_error(proc)
    assert proc.stderr == f"kernelscope: error: {message}\n"
    assert list(tmp_path.iterdir()) == []


def test_from_and_to_need_a_gif(tmp_path: Path) -> None:
    proc = run("export", "01", "--npy", "o.npy", "--from", "2", cwd=tmp_path)
    assert proc.stderr == "kernelscope: error: --from and --to apply to --gif OUT.gif, which is missing\n"
    assert list(tmp_path.iterdir()) == []


def test_a_range_over_the_frame_cap_says_the_cap_and_a_way_out(tmp_path: Path) -> None:
    s = default_session()
    big = tmp_path / "big.kscope"
    save_session(type(s)(np.ones((60, 60, 1), np.float32), s.kernels, s.bias, s.spec), big)  # 3364 steps
    proc = run("export", str(big), "--gif", "o.gif", "--from", "2", cwd=tmp_path)
    assert proc.stderr == (
        "kernelscope: error: a GIF is limited to 2500 frames: this range has 3363 steps "
        "(steps 2 to 3364 of 58x58 outputs); choose --from/--to or a larger stride\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.kscope"]
