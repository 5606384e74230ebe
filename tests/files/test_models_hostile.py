"""Model files that are damaged, lying or hostile: one ModelError line each, nothing opened,
no traceback, nothing read beyond the caps."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest

from kernelscope.files import models
from kernelscope.files.models import ModelError, load_model
from tests.files.model_files import model_config, write_h5, write_keras, write_keras_archive

CONV = {"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": [3, 3]},
        "weights": [np.ones((3, 3, 1, 2), np.float32), np.zeros(2, np.float32)]}
DENSE = {"class_name": "Dense", "config": {"units": 3},
         "weights": [np.ones((4, 3), np.float32), np.zeros(3, np.float32)]}


def _one_line(exc: pytest.ExceptionInfo[ModelError], start: str) -> str:
    text = str(exc.value)
    assert "\n" not in text, text
    assert text.startswith(start), text
    return text


def test_not_a_model_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.keras"
    path.write_text("hello")
    with pytest.raises(ModelError) as exc:
        load_model(path)
    assert _one_line(exc, "notes.keras: ") == ("notes.keras: is not a Keras model (neither a .keras zip archive nor an "
                                               "HDF5 .h5 file)")
    (tmp_path / "empty.h5").write_bytes(b"")
    with pytest.raises(ModelError, match=r"^empty\.h5: the file is empty$"):
        load_model(tmp_path / "empty.h5")
    with pytest.raises(ModelError, match=r"^gone\.keras: no such file$"):
        load_model(tmp_path / "gone.keras")


def test_a_directory_and_a_pipe_are_refused_without_blocking(tmp_path: Path) -> None:
    (tmp_path / "dir.keras").mkdir()
    with pytest.raises(ModelError, match=r"^dir\.keras: is a directory, not a Keras model file$"):
        load_model(tmp_path / "dir.keras")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.h5")
        with pytest.raises(ModelError, match=r"^pipe\.h5: is a named pipe \(FIFO\), not a Keras model file$"):
            load_model(tmp_path / "pipe.h5")


def test_damaged_zip_and_hdf5(tmp_path: Path) -> None:
    good = write_keras(tmp_path / "good.keras", [CONV], (5, 5, 1)).read_bytes()
    (tmp_path / "cut.keras").write_bytes(good[: len(good) // 2])
    with pytest.raises(ModelError) as exc:
        load_model(tmp_path / "cut.keras")
    _one_line(exc, "cut.keras: the file is damaged and cannot be read")
    h5 = write_h5(tmp_path / "good.h5", [CONV], (5, 5, 1)).read_bytes()
    (tmp_path / "cut.h5").write_bytes(h5[:600])
    with pytest.raises(ModelError) as exc:
        load_model(tmp_path / "cut.h5")
    _one_line(exc, "cut.h5: the file is damaged and cannot be read")
    flipped = bytearray(good)
    start = flipped.find(b"\x89HDF")
    flipped[start + 2000: start + 2400] = b"\xff" * 400
    (tmp_path / "flipped.keras").write_bytes(bytes(flipped))
    with pytest.raises(ModelError) as exc:
        load_model(tmp_path / "flipped.keras")
    _one_line(exc, "flipped.keras: ")


def test_a_config_without_weights(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"^m\.keras: has no weights \(model\.weights\.h5 is missing from the "
                                         r"archive\)$"):
        load_model(write_keras(tmp_path / "m.keras", [CONV], (5, 5, 1), weights=False))
    with pytest.raises(ModelError, match=r"^m\.h5: the weights \(model_weights\) is missing$"):
        load_model(write_h5(tmp_path / "m.h5", [CONV], (5, 5, 1), weights=False))
    with h5py.File(tmp_path / "w.h5", "w") as f:
        f.create_group("conv2d")
    with pytest.raises(ModelError, match=r"^w\.h5: holds weights only \(no model_config\)"):
        load_model(tmp_path / "w.h5")
    archive = tmp_path / "z.keras"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.txt", "hi")
    with pytest.raises(ModelError, match=r"^z\.keras: is a zip archive without config\.json: not a Keras model$"):
        load_model(archive)


def test_weights_of_the_wrong_shape_are_refused_before_reading(tmp_path: Path) -> None:
    wrong = {**CONV, "weights": [np.ones((3, 3, 1, 3), np.float32), np.zeros(2, np.float32)]}
    with pytest.raises(ModelError) as exc:
        load_model(write_keras(tmp_path / "m.keras", [wrong], (5, 5, 1)))
    assert _one_line(exc, "m.keras: ") == ("m.keras: layer 'conv2d' kernel (layers/conv2d/vars/0) has shape 3x3x1x3, "
                                           "but the layer needs 3x3x1x2")
    with pytest.raises(ModelError) as exc:
        load_model(write_h5(tmp_path / "k.h5", [CONV, {"class_name": "Flatten", "config": {}}, DENSE], (5, 5, 1),
                            keras2=True))
    assert _one_line(exc, "k.h5: ") == ("k.h5: layer 'dense' kernel (model_weights/dense/dense/kernel:0) has shape "
                                        "4x3, but the layer needs 18x3")
    missing = {**CONV, "weights": [CONV["weights"][0]]}
    with pytest.raises(ModelError, match=r"has 1 weight array\(s\) in the file \(layers/conv2d/vars\), but its config "
                                         r"needs 2 \(kernel, bias\)$"):
        load_model(write_keras(tmp_path / "n.keras", [missing], (5, 5, 1)))


@pytest.mark.parametrize(("value", "words"), [
    (np.full((3, 3, 1, 2), np.nan, np.float32), "holds a value that is not a finite number"),
    (np.full((3, 3, 1, 2), 1e300, np.float64), "holds a value that is not a finite number"),
    (np.ones((3, 3, 1, 2), np.int32), "holds int32 values, not floating-point numbers"),
])
def test_weights_that_are_not_finite_floats(tmp_path: Path, value: np.ndarray, words: str) -> None:
    with pytest.raises(ModelError, match=words):
        load_model(write_keras(tmp_path / "m.keras", [{**CONV, "weights": [value, CONV["weights"][1]]}], (5, 5, 1)))


def test_a_negative_moving_variance_is_refused(tmp_path: Path) -> None:
    norm = {"class_name": "BatchNormalization", "config": {},
            "weights": [np.ones(2, np.float32)] * 3 + [np.full(2, -1, np.float32)]}
    with pytest.raises(ModelError, match=r"^m\.keras: layer 'batch_normalization' \(BatchNormalization\): .*variance"):
        load_model(write_keras(tmp_path / "m.keras", [CONV, norm], (5, 5, 1)))


def test_external_links_and_external_storage_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.h5"
    with h5py.File(outside, "w") as f:
        f["kernel"] = np.ones((3, 3, 1, 2), np.float32)
    path = write_h5(tmp_path / "m.h5", [CONV], (5, 5, 1))
    with h5py.File(path, "a") as f:
        group = f["model_weights/conv2d/sequential/conv2d"]
        del group["kernel"]
        group["kernel"] = h5py.ExternalLink(str(outside), "kernel")
    with pytest.raises(ModelError, match=r"is a link to elsewhere \(ExternalLink\)"):
        load_model(path)
    raw = tmp_path / "raw.bin"
    raw.write_bytes(np.ones((3, 3, 1, 2), np.float32).tobytes())
    with h5py.File(path, "a") as f:
        group = f["model_weights/conv2d/sequential/conv2d"]
        del group["kernel"]
        group.create_dataset("kernel", shape=(3, 3, 1, 2), dtype=np.float32, external=[(str(raw), 0, 72)])
    with pytest.raises(ModelError, match="is stored outside the file"):
        load_model(path)


def test_zip_members_are_capped_before_they_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "bomb.keras"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", "{}")
        z.writestr("config.json", b" " * (models.MAX_CONFIG_BYTES + 10))
    with pytest.raises(ModelError, match=r"^bomb\.keras: config\.json claims 8,388,618 bytes, more than kernelscope "
                                         r"reads \(8,388,608\); nothing was opened$"):
        load_model(path)
    # a deflated weights member is inflated into memory only up to its cap (a stored one is read in place)
    monkeypatch.setattr(models, "MAX_WEIGHTS_BYTES", 1000)
    with pytest.raises(ModelError, match=r"^z\.keras: model\.weights\.h5 claims [\d,]+ bytes, more than kernelscope "
                                         r"reads \(1,000\)"):
        load_model(write_keras(tmp_path / "z.keras", [CONV], (5, 5, 1), compress=True))


def test_huge_and_deep_json(tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    path = write_keras_archive(tmp_path / "deep.keras", {}, None)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", deep)
    with pytest.raises(ModelError) as exc:
        load_model(path)
    _one_line(exc, "deep.keras: ")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", "{not json")
    with pytest.raises(ModelError, match=r"^deep\.keras: config\.json is not valid JSON"):
        load_model(path)
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("config.json", json.dumps({"class_name": "Conv2D", "config": {}}))
    with pytest.raises(ModelError, match=r"^deep\.keras: the config is a Conv2D, not a Sequential or functional "
                                         r"model$"):
        load_model(path)


def test_an_input_too_large_for_the_view(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"^m\.keras: the model's input is 2000x2000x1; kernelscope opens inputs up to "
                                         r"1024 on a side"):
        load_model(write_keras(tmp_path / "m.keras", [CONV], (2000, 2000, 1)))


def test_a_vector_input_is_not_an_image(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"^m\.keras: the model takes inputs of shape \(784,\)"):
        load_model(write_keras(tmp_path / "m.keras", [DENSE], (784,)))


def test_a_layer_without_weights_in_the_legacy_group(tmp_path: Path) -> None:
    path = write_h5(tmp_path / "m.h5", [CONV], (5, 5, 1))
    with h5py.File(path, "a") as f:
        del f["model_weights/conv2d"]
    with pytest.raises(ModelError, match=r"^m\.h5: the weights of layer 'conv2d' \(model_weights/conv2d\) is missing$"):
        load_model(path)


def test_a_huge_config_attribute_is_refused_by_its_stored_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "MAX_CONFIG_BYTES", 100)
    path = write_h5(tmp_path / "m.h5", [CONV], (5, 5, 1))
    with pytest.raises(ModelError, match=r"^m\.h5: its model_config holds \d[\d,]* bytes, more than kernelscope reads"):
        load_model(path)


def test_nothing_is_written_next_to_the_file(tmp_path: Path) -> None:
    path = write_keras(tmp_path / "m.keras", [CONV], (5, 5, 1))
    before = {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    load_model(path)
    with pytest.raises(ModelError):
        load_model(tmp_path / "missing.keras")
    assert {p: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before


def test_the_model_config_helper_gives_keras_2_nested_lists() -> None:
    config = model_config([{"class_name": "Flatten", "config": {"name": "flatten"}}], (4, 4, 1), functional=True,
                          keras2=True, input_name="img")
    assert config["config"]["input_layers"] == [["img", 0, 0]]
    assert config["config"]["layers"][1]["inbound_nodes"] == [[["img", 0, 0, {}]]]
