"""Opening a Keras model in the window as a person does: File > Open Model (Ctrl+M), a drop, the
recent files; what the window says after it; a damaged file changes nothing; saving writes a
session beside the model, never over it; a leading Rescaling sets the painting range."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence

from kernelscope.files.sessions import load_session
from kernelscope.ui.file_controller import FileController
from kernelscope.ui.main_window import MainWindow
from tests.files.model_files import write_h5, write_keras
from tests.ui.gui import open_window

RNG = np.random.default_rng(16)
KERNEL = RNG.normal(0, 0.5, (3, 3, 1, 4)).astype(np.float32)
DENSE = RNG.normal(0, 0.1, (100, 3)).astype(np.float32)


def layers(rescale: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """[Rescaling] -> Conv2D(4) -> MaxPooling2D -> Flatten -> Dense(3, softmax) on 12x12x1."""
    chain: list[dict[str, Any]] = [] if rescale is None else [{"class_name": "Rescaling", "config": rescale}]
    return [*chain,
            {"class_name": "Conv2D", "config": {"name": "edges", "filters": 4, "kernel_size": [3, 3],
                                                "activation": "relu"}, "weights": [KERNEL, np.zeros(4, np.float32)]},
            {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2]}},
            {"class_name": "Flatten", "config": {}},
            {"class_name": "Dense", "config": {"units": 3, "activation": "softmax"},
             "weights": [DENSE, np.zeros(3, np.float32)]}]


@pytest.fixture
def model(tmp_path: Path) -> Path:
    return write_keras(tmp_path / "shapes.keras", layers(), (12, 12, 1))


@pytest.fixture
def window(qtbot) -> MainWindow:  # type: ignore[no-untyped-def]
    return open_window(qtbot)


def answer_open(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[tuple[str, str]]:
    asked: list[tuple[str, str]] = []

    def ask(self: FileController, caption: str, file_filter: str) -> str:
        asked.append((caption, file_filter))
        return str(path)

    monkeypatch.setattr(FileController, "ask_open_path", ask)
    return asked


def message(window: MainWindow) -> str:
    return window.status_strip.message.text()


def edit_a_weight(window: MainWindow) -> None:
    window.controller.edit_weight(0, 0, 7.0)
    assert window.document.kernels[0, 0, 0, 0] == 7.0


def test_ctrl_m_opens_a_model_with_its_names_weights_and_title(  # type: ignore[no-untyped-def]
        window: MainWindow, model: Path, monkeypatch: pytest.MonkeyPatch, qtbot) -> None:
    asked = answer_open(monkeypatch, model)
    action = window.actions_by_name["open_model"]
    assert QKeySequence("Ctrl+M") in action.shortcuts()
    action.trigger()
    qtbot.waitUntil(lambda: window.document.layer_names[0] == "edges")
    doc = window.document
    assert "Keras models (*.keras *.h5 *.hdf5)" in asked[0][1]
    assert [layer.keras_class for layer in doc.layers] == ["Conv2D", "MaxPooling2D", "Flatten", "Dense"]
    np.testing.assert_array_equal(doc.kernels, KERNEL)
    assert doc.input.shape == (12, 12, 1)
    assert doc.title == "shapes.keras"
    assert "shapes.keras" in doc.notes
    assert "shapes.keras" in window.status_strip.lesson_label.text()
    assert "opened shapes.keras: 4 layers" in window.statusBar().currentMessage()
    assert message(window) == ""  # everything opened: nothing to keep on the message line
    assert doc.undo_label() is None  # as opening a session: history starts anew
    assert not doc.modified
    assert doc.edited_layers() == frozenset()
    assert window.settings.recent_files()[0] == str(model.resolve())


def test_ctrl_m_is_bound_once_and_listed_once_in_help(window: MainWindow) -> None:
    bound = [name for name, a in window.actions_by_name.items()
             if any(k.toString() == "Ctrl+M" for k in a.shortcuts())]
    assert bound == ["open_model"]
    rows = [row for row in window.shortcut_table() if "Ctrl+M" in row[0].split(", ")]
    assert rows == [("Ctrl+M", "Open Model...")]


def test_a_chain_that_stops_says_where_on_the_message_line(  # type: ignore[no-untyped-def]
        window: MainWindow, tmp_path: Path, qtbot) -> None:
    branchy = [*layers()[:2], {"class_name": "Add", "config": {"name": "add"}}]
    path = write_keras(tmp_path / "branchy.keras", branchy, (12, 12, 1), functional=True,
                       sources={"add": ["edges", "max_pooling2d"]})
    assert window.files.open_model(path)
    qtbot.waitUntil(lambda: window.document.layer_names[0] == "edges")
    text = message(window)
    assert "'add' (Add)" in text
    assert "branch" in text


def test_a_damaged_file_changes_nothing_not_the_edit_nor_its_undo(  # type: ignore[no-untyped-def]
        window: MainWindow, tmp_path: Path, qtbot) -> None:
    edit_a_weight(window)
    before = (window.document.layers, window.document.input, window.document.undo_label(), window.document.title)
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"PK\x03\x04 this is not a zip at all")
    assert not window.files.open_model(bad)
    text = message(window)
    assert "broken.keras" in text
    assert "\n" not in text
    doc = window.document
    assert (doc.layers, doc.input, doc.undo_label(), doc.title) == before
    assert doc.kernels[0, 0, 0, 0] == 7.0
    doc.undo()
    assert doc.kernels[0, 0, 0, 0] != 7.0
    assert window.files.model_path is None


def test_opening_asks_before_discarding_unsaved_work(  # type: ignore[no-untyped-def]
        window: MainWindow, model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    edit_a_weight(window)
    monkeypatch.setattr(FileController, "ask_save_changes", lambda self: "cancel")
    assert not window.files.open_model(model)
    assert window.document.kernels[0, 0, 0, 0] == 7.0


def test_a_dropped_model_opens_as_a_model(window: MainWindow, model: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(model))])
    enter = QDragEnterEvent(window.rect().center(), Qt.DropAction.CopyAction, data, Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(window.rect().center()), Qt.DropAction.CopyAction, data, Qt.MouseButton.NoButton,
                      Qt.KeyboardModifier.NoModifier)
    window.dropEvent(drop)
    qtbot.waitUntil(lambda: window.document.layer_names[0] == "edges")
    assert window.document.title == "shapes.keras"


def test_a_model_in_the_recent_files_reopens_as_a_model(  # type: ignore[no-untyped-def]
        window: MainWindow, model: Path, qtbot) -> None:
    assert window.files.open_model(model)
    window.files.new()
    qtbot.waitUntil(lambda: window.document.layer_names[0] != "edges")
    (action,) = [a for a in window.recent_menu.actions() if a.text() == str(model.resolve())]
    action.trigger()
    qtbot.waitUntil(lambda: window.document.layer_names[0] == "edges")
    np.testing.assert_array_equal(window.document.kernels, KERNEL)


def test_save_as_suggests_a_session_beside_the_model_and_keeps_the_weights(  # type: ignore[no-untyped-def]
        window: MainWindow, model: Path, monkeypatch: pytest.MonkeyPatch, qtbot) -> None:
    assert window.files.open_model(model)
    qtbot.waitUntil(lambda: window.document.layer_names[0] == "edges")
    suggested: list[str] = []
    target = model.with_suffix(".kscope")

    def ask(self: FileController, caption: str, file_filter: str, name: str) -> str:
        suggested.append(name)
        return str(target)

    monkeypatch.setattr(FileController, "ask_save_path", ask)
    original = model.read_bytes()
    assert window.files.save()  # no path yet: Save asks where, as Save As
    assert suggested == ["shapes.kscope"]
    assert model.read_bytes() == original
    session = load_session(target)
    assert session.layer_names[0] == "edges"
    np.testing.assert_array_equal(session.layers[0].weights[0], KERNEL)
    assert "shapes.keras" in session.notes


def test_save_as_refuses_to_write_a_session_into_a_model_file_name(  # type: ignore[no-untyped-def]
        window: MainWindow, model: Path, monkeypatch: pytest.MonkeyPatch, qtbot) -> None:
    assert window.files.open_model(model)
    qtbot.waitUntil(lambda: window.document.layer_names[0] == "edges")
    monkeypatch.setattr(FileController, "ask_save_path", lambda self, caption, file_filter, name: str(model))
    original = model.read_bytes()
    assert not window.files.save_as()
    assert model.read_bytes() == original
    assert "nothing was written" in message(window)


@pytest.mark.parametrize(("scale", "offset"), [(1 / 255, 0.0), (1 / 127.5, -1.0)])
def test_a_leading_rescaling_paints_bytes_and_says_so(  # type: ignore[no-untyped-def]
        window: MainWindow, tmp_path: Path, scale: float, offset: float, qtbot) -> None:
    path = write_h5(tmp_path / "rescaled.h5", layers({"scale": scale, "offset": offset}), (12, 12, 1))
    assert window.files.open_model(path)
    qtbot.waitUntil(lambda: window.document.layers[0].keras_class == "Rescaling")
    assert window.document.view.value_mode == "byte"
    assert window.document.value_range == (0.0, 255.0)
    assert "0..255" in message(window)
    assert window.input_tools.value_mode.currentData() == "byte"  # the Values box shows it


def colour_picture(path: Path, width: int, height: int) -> Path:
    from PySide6.QtGui import QImage

    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.white)
    for x in range(width // 3, width // 2):
        for y in range(height):
            image.setPixel(x, y, 0xFF0000)
    assert image.save(str(path))
    return path


def test_a_picture_opened_on_a_model_takes_the_models_input_shape(  # type: ignore[no-untyped-def]
        window: MainWindow, model: Path, tmp_path: Path, qtbot) -> None:
    assert window.files.open_model(model)
    qtbot.waitUntil(lambda: window.document.layer_names[0] == "edges")
    assert window.files.picture_shape() == (1, (12, 12))
    # The test's options ask for RGB at the picture's own size: the model's shape wins.
    assert window.files.open_image(colour_picture(tmp_path / "wide.png", 60, 40))
    doc = window.document
    assert doc.input.shape == (12, 12, 1)
    np.testing.assert_array_equal(doc.kernels, KERNEL)  # the trained kernels did not follow the picture
    assert doc.problem is None
    assert len(doc.results) == 4
    assert "as 12x12x1" in window.statusBar().currentMessage()


def test_lesson_12_takes_a_picture_at_28x28_grey(window: MainWindow, tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    (action,) = [a for a in window.lessons_menu.actions() if a.text().startswith("&12  ")]
    action.trigger()
    qtbot.waitUntil(lambda: not window.document.computing)
    kernels = window.document.kernels
    assert window.files.open_image(colour_picture(tmp_path / "photo.png", 90, 50))
    assert window.document.input.shape == (28, 28, 1)
    assert window.document.kernels is kernels
    assert window.document.problem is None


def test_the_options_dialog_shows_what_the_model_fixes(qtbot) -> None:  # type: ignore[no-untyped-def]
    from kernelscope.ui.widgets.image_options import ImageOptionsDialog

    dialog = ImageOptionsDialog("photo.png", colour=True, keep_channels=1, keep_size=(28, 28))
    qtbot.addWidget(dialog)
    assert not dialog.channels_box.isEnabled()
    assert not dialog.size_box.isEnabled()
    assert "model" in dialog.size_box.currentText()
    dialog.fit_box.setCurrentIndex(1)
    options = dialog.options()
    assert (options.channels, options.size, options.fit) == (1, (28, 28), "pad")
    free = ImageOptionsDialog("photo.png", colour=True, keep_channels=3)
    qtbot.addWidget(free)
    assert free.size_box.isEnabled()
    assert free.options().channels == 3


def test_a_single_conv2d_still_takes_the_pictures_own_shape(  # type: ignore[no-untyped-def]
        window: MainWindow, tmp_path: Path) -> None:
    assert window.files.picture_shape() == (None, None)
    assert window.files.open_image(colour_picture(tmp_path / "wide.png", 40, 30))
    assert window.document.input.shape == (30, 40, 3)


def test_a_session_whose_first_layer_rescales_bytes_paints_bytes(  # type: ignore[no-untyped-def]
        window: MainWindow, tmp_path: Path, qtbot) -> None:
    from kernelscope.core.scene import Session, ViewState
    from kernelscope.files.sessions import save_session

    x = np.zeros((12, 12, 1), np.float32)
    x[3:9, 6, 0] = 1.0
    stack = layers({"scale": 1 / 255, "offset": 0.0})[:2]  # Rescaling -> Conv2D
    path = tmp_path / "rescaled.kscope"
    save_session(Session(input=x, layers=stack, view=ViewState(value_mode="grey")), path)
    assert window.files.open(path), message(window)
    qtbot.waitUntil(lambda: window.files.path == path)
    doc = window.document
    assert doc.view.value_mode == "byte"
    assert float(doc.input.max()) == 255.0  # the drawing carried over to 0..255
    assert "you paint 0..255" in message(window)
    plain = tmp_path / "plain.kscope"
    save_session(Session(input=x, layers=layers()[:1], view=ViewState(value_mode="grey")), plain)
    assert window.files.open(plain)
    qtbot.waitUntil(lambda: window.files.path == plain)
    assert window.document.view.value_mode == "grey"
    assert message(window) == ""
