"""Keras model files on the command line: ``kernelscope MODEL``, ``summary MODEL`` and ``export
MODEL --input X.npy``, end to end in subprocesses."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kernelscope.core.engine import forward
from tests.end_to_end.test_cli import assert_one_line_error, run
from tests.files.model_files import write_h5, write_keras

ROOT = Path(__file__).resolve().parents[2]
RNG = np.random.default_rng(3)


def _layers() -> list[dict]:
    """The same model every call."""
    rng = np.random.default_rng(3)
    return [
        {"class_name": "Rescaling", "config": {"scale": 1 / 255}},
        {"class_name": "Conv2D", "config": {"name": "edges", "filters": 2, "kernel_size": [3, 3], "activation": "relu"},
         "weights": [rng.standard_normal((3, 3, 1, 2)).astype(np.float32), np.zeros(2, np.float32)]},
        {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2]}},
        {"class_name": "Flatten", "config": {}},
        {"class_name": "Dense", "config": {"units": 3, "activation": "softmax"},
         "weights": [rng.standard_normal((18, 3)).astype(np.float32), np.zeros(3, np.float32)]},
    ]


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return write_keras(tmp_path / "digits.keras", _layers(), (8, 8, 1), name="digits")


@pytest.fixture
def picture(tmp_path: Path) -> tuple[Path, np.ndarray]:
    x = RNG.uniform(0, 255, (1, 8, 8, 1)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    return tmp_path / "x.npy", x


def test_summary_prints_keras_table_with_the_models_names(model: Path) -> None:
    proc = run("summary", str(model))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == 'Model: "digits"'
    assert any(line.startswith("│ edges (Conv2D)") and "(None, 6, 6, 2)" in line for line in lines)
    assert lines[-3] == " Total params: 77 (308.00 B)"  # Keras prints the totals with a leading space
    assert proc.stderr == ""


def test_export_npz_writes_every_layer_keyed_by_the_models_names(tmp_path: Path, model: Path,
                                                                  picture: tuple[Path, np.ndarray]) -> None:
    out = tmp_path / "out.npz"
    proc = run("export", str(model), "--input", str(picture[0]), "--npz", str(out))
    assert proc.returncode == 0, proc.stderr
    layers = _layers()
    want = forward(picture[1][0], layers)
    with np.load(out) as arrays:
        assert list(arrays) == ["rescaling", "edges", "max_pooling2d", "flatten", "dense"]
        for name, expected in zip(arrays, want, strict=True):
            np.testing.assert_array_equal(arrays[name], expected)
    one = tmp_path / "edges.npy"
    proc = run("export", str(model), "--input", str(picture[0]), "--npy", str(one), "--layer", "edges")
    assert proc.returncode == 0, proc.stderr
    assert "layer 2 (edges), 6x6x2" in proc.stdout
    np.testing.assert_array_equal(np.load(one), want[1])


def test_export_keras_code_from_a_legacy_h5(tmp_path: Path) -> None:
    path = write_h5(tmp_path / "old.h5", _layers(), (8, 8, 1), keras2=True)
    out = tmp_path / "model.py"
    proc = run("export", str(path), "--keras", str(out))
    assert proc.returncode == 0, proc.stderr
    code = out.read_text()
    assert "edges" in code
    assert "set_weights" in code or "weights" in code


def test_a_stopped_chain_still_exports_and_says_where_it_stops(tmp_path: Path) -> None:
    layers = [*_layers()[:3], {"class_name": "Reshape", "config": {"target_shape": [18]}}]
    path = write_keras(tmp_path / "model.keras", layers, (8, 8, 1))
    out = tmp_path / "out.npz"
    proc = run("export", str(path), "--npz", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ("kernelscope: model.keras: layer 'reshape' (Reshape) is a layer type kernelscope does not "
                           "compute; kernelscope explores the chain up to 'max_pooling2d'\n")
    with np.load(out) as arrays:
        assert list(arrays) == ["rescaling", "edges", "max_pooling2d"]


def test_input_errors_are_one_line(tmp_path: Path, model: Path) -> None:
    np.save(tmp_path / "wrong.npy", np.zeros((9, 8, 1), np.float32))
    proc = run("export", str(model), "--input", str(tmp_path / "wrong.npy"), "--npz", str(tmp_path / "o.npz"))
    assert_one_line_error(proc, "digits.keras: the input has shape 9x8x1, but the model takes 8x8x1")
    (tmp_path / "text.npy").write_text("not an array")
    proc = run("export", str(model), "--input", str(tmp_path / "text.npy"), "--npz", str(tmp_path / "o.npz"))
    assert_one_line_error(proc, "--input: ", "is not a NumPy .npy array")
    proc = run("export", str(model), "--input", str(tmp_path / "missing.npy"), "--npz", str(tmp_path / "o.npz"))
    assert_one_line_error(proc, "--input: no such file")
    session = tmp_path / "s.kscope"
    proc = run("export", str(session), "--input", str(tmp_path / "wrong.npy"), "--npz", str(tmp_path / "o.npz"))
    assert_one_line_error(proc, "--input X.npy goes with a Keras model file (.keras, .h5)")
    assert not (tmp_path / "o.npz").exists()


def test_a_damaged_model_is_one_line_and_writes_nothing(tmp_path: Path, model: Path) -> None:
    broken = tmp_path / "broken.keras"
    broken.write_bytes(model.read_bytes()[:300])
    out = tmp_path / "o.npz"
    proc = run("export", str(broken), "--npz", str(out))
    assert_one_line_error(proc, "broken.keras: ")
    assert not out.exists()
    proc = run("summary", str(tmp_path / "missing.h5"))
    assert_one_line_error(proc, "missing.h5: no such file")


def test_the_window_opens_a_model_with_its_input(tmp_path: Path, model: Path, picture: tuple[Path, np.ndarray]) -> None:
    shot = tmp_path / "shot.png"
    proc = run("--screenshot", str(shot), str(model), "--input", str(picture[0]))
    assert proc.returncode == 0, proc.stderr
    assert shot.stat().st_size > 1000
    proc = run("--screenshot", str(tmp_path / "no.png"), "--input", str(picture[0]))
    assert_one_line_error(proc, "--input X.npy goes with a Keras model file")


def test_the_model_bench_opens_millions_of_parameters_in_time() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "model_open.py"), "--quick"], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line for line in proc.stdout.splitlines() if "<3000" in line]
    assert len(rows) == 4
    assert all("4,743,050" in row and row.split("<3000")[1].split()[0] == "ok" for row in rows)


def test_the_command_lines_model_suffixes_are_the_readers() -> None:
    from kernelscope import cli
    from kernelscope.files.models import MODEL_SUFFIXES

    assert cli._MODEL_SUFFIXES == MODEL_SUFFIXES
