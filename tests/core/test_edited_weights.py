"""The document remembers every layer's weights as opened: which layers are edited since, which
cells, putting a layer's weights back as one undo step, and the memory following each layer through
undo, redo, added, removed and moved layers, pastes and a save and reload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kernelscope.core import weight_memory
from kernelscope.core.document import Document, EditError
from kernelscope.core.engine import Conv2DLayer, ConvSpec, DenseLayer
from kernelscope.core.scene import Session, default_session
from kernelscope.files.sessions import load_session, save_session


def conv(filters: int, kernel: int = 3) -> dict[str, Any]:
    return {"class_name": "Conv2D", "config": {"filters": filters, "kernel_size": [kernel, kernel],
                                               "activation": "relu"}}


def stack() -> Document:
    """Conv2D(3) -> MaxPooling2D -> Flatten -> Dense(4) on 8x8x1, weights drawn by the session."""
    x = np.random.default_rng(3).uniform(0, 1, (8, 8, 1)).astype(np.float32)
    layers = [conv(3), {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2]}},
              {"class_name": "Flatten", "config": {}}, {"class_name": "Dense", "config": {"units": 4}}]
    return Document(Session(input=x, layers=layers, title="stack"))


def dense_kernel(doc: Document, index: int = 3) -> np.ndarray:
    layer = doc.layers[index]
    assert isinstance(layer, DenseLayer)
    return layer.kernel


def test_a_freshly_opened_document_has_nothing_edited() -> None:
    for doc in (Document(), stack()):
        assert doc.edited_layers() == frozenset()
        assert doc.opened_weights(0) is not None


def test_a_kernel_edit_marks_its_layer_and_undo_clears_the_mark() -> None:
    doc = stack()
    opened = doc.opened_weights(0)
    assert opened is not None
    old = float(doc.kernels[1, 1, 0, 2])
    doc.set_weight(2, 1, 1, old + 5.0)
    assert doc.edited_layers() == {0}
    cells = weight_memory.edited_cells(doc.kernels, opened[0])
    assert cells.sum() == 1
    assert cells[1, 1, 0, 2]
    doc.undo()
    assert doc.edited_layers() == frozenset()
    doc.redo()
    assert doc.edited_layers() == {0}


def test_editing_a_weight_back_to_its_opened_value_is_not_edited() -> None:
    doc = stack()
    old = float(doc.kernels[0, 0, 0, 0])
    doc.set_weight(0, 0, 0, old + 1.0)
    doc.set_weight(0, 0, 0, old)
    assert doc.edited_layers() == frozenset()


def test_a_dense_weight_edit_marks_that_layer_only() -> None:
    doc = stack()
    doc.set_layer_weight(3, 0, (0, 1), 9.0)
    assert doc.edited_layers() == {3}
    opened = doc.opened_weights(3)
    assert opened is not None
    assert opened[0][0, 1] != 9.0


def test_revert_puts_the_opened_weights_back_in_one_undo_step() -> None:
    doc = stack()
    opened_kernels = np.array(doc.kernels)
    doc.set_weight(0, 0, 0, 4.0)
    doc.set_bias(1, 2.5)
    doc.revert_layer_weights(0)
    np.testing.assert_array_equal(doc.kernels, opened_kernels)
    assert doc.edited_layers() == frozenset()
    assert doc.undo_label() == "revert the weights"
    doc.undo()
    assert doc.kernels[0, 0, 0, 0] == 4.0
    assert doc.bias[1] == 2.5
    assert doc.edited_layers() == {0}


def test_revert_keeps_the_layers_settings_when_the_weights_kept_their_shapes() -> None:
    doc = stack()
    doc.set_weight(0, 0, 0, 4.0)
    doc.set_spec(ConvSpec(**{**doc.spec.__dict__, "activation": "tanh"}))
    doc.revert_layer_weights(0)
    assert doc.spec.activation == "tanh"
    assert doc.edited_layers() == frozenset()


def test_revert_after_the_filters_changed_brings_the_opened_layer_back_whole() -> None:
    doc = Document()
    opened = doc.layers[0]
    doc.add_filter()
    assert doc.edited_layers() == {0}
    doc.revert_layer_weights(0)
    assert doc.layers[0] is opened


def test_revert_of_an_unedited_layer_is_refused_and_changes_nothing() -> None:
    doc = stack()
    label = doc.undo_label()
    with pytest.raises(EditError, match="as they were opened"):
        doc.revert_layer_weights(0)
    with pytest.raises(EditError):
        doc.revert_layer_weights(9)
    assert doc.undo_label() == label


def test_the_memory_follows_each_layer_when_layers_move_and_are_removed() -> None:
    doc = stack()
    doc.set_layer_weight(3, 0, (0, 0), 7.0)
    doc.select_layer(1)
    doc.move_layer(1, +1)  # MaxPooling2D <-> Flatten: does not touch the edited Dense
    assert doc.edited_layers() == {3}
    doc.remove_layer(2)  # the MaxPooling2D, now third
    assert [layer.keras_class for layer in doc.layers] == ["Conv2D", "Flatten", "Dense"]
    assert doc.edited_layers() == {2}
    opened = doc.opened_weights(2)
    assert opened is not None
    assert opened[0][0, 0] != 7.0
    doc.revert_layer_weights(2)
    assert doc.edited_layers() == frozenset()
    doc.undo()
    doc.undo()
    doc.undo()  # back before the move
    assert doc.edited_layers() == {3}


def test_an_added_or_duplicated_layer_has_no_opened_weights_and_is_never_edited() -> None:
    doc = stack()
    doc.duplicate_layer(0)
    assert doc.opened_weights(1) is None
    doc.fit_layer(1)  # the copy receives the first layer's 3 maps
    doc.set_weight(0, 0, 0, 3.0)
    assert doc.edited_layers() == frozenset()
    assert doc.opened_weights(2) is not None
    assert doc.layers[2].keras_class == "MaxPooling2D"
    assert doc.opened_weights(4) is not None
    assert doc.layers[4].keras_class == "Dense"
    doc.add_layer("Conv2D", at=2)
    assert doc.opened_weights(2) is None
    for _ in range(4):
        doc.undo()
    assert doc.opened_weights(1) is not None
    assert doc.edited_layers() == frozenset()


def test_a_pasted_model_has_nothing_to_compare_with() -> None:
    doc = stack()
    k = np.ones((3, 3, 1, 2), np.float32)
    doc.apply_stack((Conv2DLayer(ConvSpec(filters=2), k, np.zeros(2, np.float32)),), ("conv2d",))
    assert doc.opened_weights(0) is None
    doc.set_weight(0, 0, 0, 5.0)
    assert doc.edited_layers() == frozenset()
    doc.undo()
    doc.undo()
    assert doc.opened_weights(0) is not None


def test_a_saved_and_reloaded_file_is_not_edited(tmp_path: Path) -> None:
    doc = stack()
    doc.set_weight(0, 0, 0, 6.0)
    path = tmp_path / "edited.kscope"
    save_session(doc.to_session(), path)
    doc.load(load_session(path))
    assert doc.edited_layers() == frozenset()
    assert doc.kernels[0, 0, 0, 0] == 6.0
    opened = doc.opened_weights(0)
    assert opened is not None
    assert opened[0][0, 0, 0, 0] == 6.0


def test_loading_a_new_scene_forgets_the_old_memory() -> None:
    doc = stack()
    doc.set_weight(0, 0, 0, 6.0)
    doc.load(default_session())
    assert doc.edited_layers() == frozenset()
    assert doc.opened_weights(0) is not None
    assert doc.opened_weights(0)[0].shape == doc.kernels.shape  # type: ignore[index]


def test_turning_the_bias_off_is_a_setting_not_an_edit() -> None:
    doc = Document()
    doc.set_spec(ConvSpec(**{**doc.spec.__dict__, "use_bias": False}))
    assert doc.edited_layers() == frozenset()


def test_edited_cells_marks_each_differing_weight_or_all_of_another_shape() -> None:
    a = np.zeros((2, 3), np.float32)
    b = a.copy()
    b[1, 2] = 1
    assert weight_memory.edited_cells(b, a).tolist() == [[False] * 3, [False, False, True]]
    assert weight_memory.edited_cells(b, np.zeros((3, 2))).all()
    assert not weight_memory.edited_cells(b, None).any()
