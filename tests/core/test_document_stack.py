"""The document holding a whole Sequential stack: what a stack session loads into, recomputing only
from the edited layer down, every stack edit with its undo, a stack held (never refused) when a
layer stops fitting, the scheduler path, and a property test that the cache never serves a stale
result."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kernelscope.core import document, engine, stack_ops
from kernelscope.core.document import ComputeFailure, Deliver, Document, EditError, StackJob
from kernelscope.core.engine import (
    ActivationLayer,
    BatchNormalizationLayer,
    Conv2DLayer,
    ConvResult,
    ConvSpec,
    DenseLayer,
    DropoutLayer,
    FlattenLayer,
    GlobalPooling2DLayer,
    Layer,
    Pooling2DLayer,
    ReLULayer,
    RescalingLayer,
    ZeroPadding2DLayer,
)
from kernelscope.core.scene import MAX_FILTERS, MAX_UNITS, Session, SessionError
from kernelscope.files.sessions import load_session, save_session

# --------------------------------------------------------------------------- helpers


def conv(filters: int, kernel: int = 3, activation: str = "relu", **extra: Any) -> dict[str, Any]:
    return {"class_name": "Conv2D", "config": {"filters": filters, "kernel_size": [kernel, kernel],
                                               "activation": activation, **extra}}


def pool(kind: str = "Max", size: int = 2, **extra: Any) -> dict[str, Any]:
    return {"class_name": f"{kind}Pooling2D", "config": {"pool_size": [size, size], **extra}}


FLATTEN: dict[str, Any] = {"class_name": "Flatten", "config": {}}


def dense(units: int, activation: str = "softmax") -> dict[str, Any]:
    return {"class_name": "Dense", "config": {"units": units, "activation": activation}}


def image(shape: tuple[int, ...], seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)


def five_layers() -> Session:
    """Conv2D -> MaxPooling2D -> Conv2D -> Flatten -> Dense(softmax) on a 10x10x2 input."""
    return Session(input=image((10, 10, 2)), layers=[conv(3), pool(), conv(2, 2, "linear"), FLATTEN, dense(4)],
                   title="five")


def fresh_outputs(doc: Document) -> list[np.ndarray]:
    """Every fitting layer of the document's stack computed anew, without the document's cache."""
    outputs: list[np.ndarray] = []
    current = doc.input
    for layer in doc.layers[: doc.links.fits]:
        current = layer.forward(current).output
        outputs.append(current)
    return outputs


def assert_current(doc: Document) -> None:
    """The document's results are exactly what its layers compute now (nothing stale, nothing missing)."""
    assert not doc.computing
    expected = fresh_outputs(doc)
    assert len(doc.results) == len(expected) == doc.links.fits
    for i, (got, want) in enumerate(zip(doc.results, expected, strict=True)):
        assert got.output.shape == want.shape == doc.links.outputs[i], f"layer {i}"
        np.testing.assert_array_equal(got.output, want, err_msg=f"layer {i}")
    if doc.problem is None:
        for got, want in zip(doc.results, engine.forward(doc.input, doc.to_session().layers), strict=True):
            np.testing.assert_array_equal(got.output, want)


def assert_consistent(doc: Document) -> None:
    """The selection, the channel, the step, the names and the shape chain agree with the stack."""
    n = len(doc.layers)
    assert 0 <= doc.selected_layer < n
    assert len(doc.layer_names) == len(set(doc.layer_names)) == n
    assert doc.links == stack_ops.chain(doc.layers, doc.input.shape)
    layer = doc.layers[doc.selected_layer]
    if isinstance(layer, Conv2DLayer):
        assert doc.view.selected_filter < layer.spec.filters
    if doc.computing:
        return  # the older results stay on show until the new ones arrive
    assert 0 <= doc.step < max(doc.steps, 1)
    result = doc.selected_result
    if result is not None and result.output.ndim == 3:
        assert doc.view.selected_filter < result.output.shape[2]


FORWARD_CLASSES: tuple[type, ...] = (
    Pooling2DLayer, GlobalPooling2DLayer, DenseLayer, FlattenLayer, DropoutLayer, ActivationLayer, ReLULayer,
    BatchNormalizationLayer, ZeroPadding2DLayer, RescalingLayer,
)


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """What each forward pass ran on: the layer, or a Conv2D's kernels (it goes through engine.compute)."""
    seen: list[object] = []
    for cls in FORWARD_CLASSES:
        def counting(self: Layer, x: np.ndarray, _original: Callable[..., Any] = cls.forward) -> Any:
            seen.append(self)
            return _original(self, x)

        monkeypatch.setattr(cls, "forward", counting)
    compute = engine.compute

    def counting_compute(x: np.ndarray, kernels: np.ndarray, *args: Any, **kwargs: Any) -> Any:
        seen.append(kernels)
        return compute(x, kernels, *args, **kwargs)

    monkeypatch.setattr(engine, "compute", counting_compute)
    return seen


def indices(doc: Document, seen: list[object]) -> list[int]:
    """The layer index of every forward pass recorded by ``ran``."""
    out = []
    for item in seen:
        (index,) = [i for i, layer in enumerate(doc.layers)
                    if layer is item or (isinstance(layer, Conv2DLayer) and layer.kernels is item)]
        out.append(index)
    return out


class LaterScheduler:
    """Keeps every request; the test delivers when it wants (a worker that takes its time)."""

    def __init__(self) -> None:
        self.requests: list[tuple[int, StackJob, Deliver]] = []

    def __call__(self, generation: int, job: StackJob, deliver: Deliver) -> None:
        self.requests.append((generation, job, deliver))

    def deliver(self, index: int = -1) -> None:
        generation, job, deliver = self.requests[index]
        deliver(generation, job())


def same_data(a: np.ndarray | None, b: np.ndarray) -> bool:
    """The very values, not a copy (a Conv2D's output is a fresh transposed view each time)."""
    return a is not None and np.shares_memory(a, b) and a.shape == b.shape and np.array_equal(a, b)


def config_of(doc: Document, index: int, **changes: Any) -> dict[str, Any]:
    return {"name": doc.layer_names[index], **stack_ops.layer_config(doc.layers[index]), **changes}


# --------------------------------------------------------------------------- loading


def test_a_stack_session_loads_with_every_layer_as_the_engine_computes_it() -> None:
    session = five_layers()
    doc = Document()
    doc.load(session)
    expected = engine.forward(session.input, session.layers)
    assert len(doc.results) == len(expected) == 5
    for got, want in zip(doc.results, expected, strict=True):
        assert got.output.dtype == np.float32
        np.testing.assert_array_equal(got.output, want)
    assert doc.layer_names == ("conv2d", "max_pooling2d", "conv2d_1", "flatten", "dense")
    assert [layer.keras_class for layer in doc.layers] == ["Conv2D", "MaxPooling2D", "Conv2D", "Flatten", "Dense"]
    rows = engine.summary(session.input.shape, session.layers)
    assert [(None, *shape) for shape in doc.links.outputs] == [row[2] for row in rows]
    assert list(doc.links.params) == [row[3] for row in rows] == [57, 0, 26, 0, 76]
    assert doc.links.inputs[0] == (10, 10, 2)
    assert doc.links.inputs[1:] == doc.links.outputs[:-1]
    assert doc.problem is None
    assert (doc.selected_layer, doc.title, doc.undo_label(), doc.modified) == (0, "five", None, False)
    assert doc.to_session() == session


def test_the_constructor_takes_a_stack_session_too() -> None:
    doc = Document(five_layers())
    assert_current(doc)
    assert doc.selected_class == "Conv2D"
    assert doc.result is doc.results[0]


def test_every_layer_type_round_trips_through_the_document_and_a_file(tmp_path: Any) -> None:
    layers = [
        {"class_name": "Rescaling", "config": {"scale": 0.5, "offset": 0.25}},
        {"class_name": "ZeroPadding2D", "config": {"padding": [[1, 2], [0, 1]]}},
        conv(3, padding="same"),
        {"class_name": "BatchNormalization", "config": {"epsilon": 0.01}},
        {"class_name": "ReLU", "config": {"max_value": 6.0}},
        pool("Average", 3, strides=[2, 2], padding="same"),
        {"class_name": "GlobalMaxPooling2D", "config": {"keepdims": True}},
        FLATTEN,
        {"class_name": "Dropout", "config": {"rate": 0.3}},
        dense(4),
        {"class_name": "Activation", "config": {"activation": "tanh"}},
    ]
    session = Session(input=image((9, 9, 4)), layers=layers, class_names=("cat", "dog"), title="all")
    doc = Document(session)
    assert doc.problem is None
    assert_current(doc)
    saved = doc.to_session()
    assert saved == session
    save_session(saved, tmp_path / "all.kscope")
    loaded = load_session(tmp_path / "all.kscope")
    assert loaded == session
    again = Document(loaded)
    for a, b in zip(again.results, doc.results, strict=True):
        np.testing.assert_array_equal(a.output, b.output)
    assert again.class_names == ("cat", "dog")


# --------------------------------------------------------------------------- recompute from the edited layer


def test_a_weight_edit_in_the_last_layer_recomputes_only_that_layer(ran: list[object]) -> None:
    doc = Document(five_layers())
    above = doc.results[:4]
    ran.clear()
    doc.set_layer_weight(4, 0, (0, 1), 0.75)
    assert indices(doc, ran) == [4]
    assert all(a is b for a, b in zip(doc.results[:4], above, strict=True))
    assert doc.layers[4].kernel[0, 1] == np.float32(0.75)
    assert_current(doc)


def test_a_weight_edit_in_the_first_layer_recomputes_every_layer(ran: list[object]) -> None:
    doc = Document(five_layers())
    old = doc.results
    ran.clear()
    doc.set_weight(0, 1, 1, 0.5, channel=1)
    assert indices(doc, ran) == [0, 1, 2, 3, 4]
    assert not any(a is b for a, b in zip(doc.results, old, strict=True))
    assert_current(doc)


def test_a_pooling_change_in_layer_1_recomputes_from_it_down(ran: list[object]) -> None:
    session = Session(input=image((12, 12, 1)), layers=[conv(2), pool(), conv(2, 2), pool("Average"), FLATTEN,
                                                          dense(3)])
    doc = Document(session)
    first = doc.results[0]
    ran.clear()
    doc.set_layer_config(1, config_of(doc, 1, pool_size=[3, 3], strides=[1, 1]))
    assert indices(doc, ran) == [1, 2, 3, 4]  # the Dense no longer fits the longer Flatten: not run
    assert doc.results[0] is first
    assert doc.problem is not None
    assert doc.problem[0] == 5
    assert_current(doc)


def test_a_weight_edit_in_a_middle_layer_reuses_the_cached_input_object(ran: list[object]) -> None:
    doc = Document(five_layers())
    upstream = doc.results[1]
    ran.clear()
    doc.select_layer(2)
    doc.set_bias(0, 0.25)
    assert indices(doc, ran) == [2, 3, 4]
    assert doc.results[1] is upstream
    assert same_data(doc.layer_input(2), upstream.output)
    assert_current(doc)


def test_selection_view_and_class_names_never_recompute(ran: list[object]) -> None:
    doc = Document(five_layers())
    results = doc.results
    ran.clear()
    doc.select_layer(4)
    doc.set_step(2)
    doc.set_class_names(["a", "b"])
    doc.set_view(colormap=doc.view.colormap)
    doc.select_layer(0)
    assert ran == []
    assert doc.results is results


def test_undo_and_redo_recompute_only_from_the_layer_they_change(ran: list[object]) -> None:
    doc = Document(five_layers())
    before = doc.results
    doc.set_layer_weight(4, 1, (2,), -1.5)
    ran.clear()
    doc.undo()
    assert indices(doc, ran) == [4]
    assert all(a is b for a, b in zip(doc.results[:4], before[:4], strict=True))
    np.testing.assert_array_equal(doc.results[4].output, before[4].output)
    ran.clear()
    doc.redo()
    assert indices(doc, ran) == [4]
    assert doc.layers[4].bias[2] == np.float32(-1.5)
    assert_current(doc)


# --------------------------------------------------------------------------- selection and steps


def test_select_layer_shows_its_result_input_and_steps() -> None:
    doc = Document(five_layers())
    doc.select_layer(1)
    assert doc.selected_class == "MaxPooling2D"
    assert doc.selected_result is doc.results[1]
    with pytest.raises(EditError, match="layer 2 is a MaxPooling2D, not a Conv2D"):
        doc.result  # noqa: B018
    with pytest.raises(EditError, match="not a Conv2D"):
        doc.kernels  # noqa: B018
    assert doc.layer_input(0) is doc.input
    for i in range(1, 5):
        assert same_data(doc.layer_input(i), doc.results[i - 1].output)
    assert doc.steps == 4 * 4  # a 4x4x3 map: its positions
    doc.select_layer(3)
    assert doc.steps == 18  # a vector: its values
    doc.select_layer(4)
    assert doc.steps == 4
    doc.set_step(99)
    assert doc.step == 3
    doc.set_step(-5)
    assert doc.step == 0
    with pytest.raises(EditError, match="there is no layer 6"):
        doc.select_layer(5)
    with pytest.raises(EditError):
        doc.select_layer(-1)


def test_selecting_a_smaller_layer_clamps_the_step_and_channel() -> None:
    doc = Document(five_layers())
    doc.select_filter(2)
    doc.set_step(60)  # of conv2d's 8x8 positions
    doc.select_layer(2)
    assert doc.step == 8  # conv2d_1 has 3x3 positions
    assert doc.view.selected_filter == 1  # and 2 maps
    doc.select_layer(4)
    assert doc.step == 3


def test_a_stack_session_saved_on_a_later_layers_channel_opens_on_one_the_first_layer_has() -> None:
    doc = Document(Session(input=image((8, 8, 1)), layers=[conv(2), conv(8)]))
    doc.select_layer(1)
    doc.select_filter(7)
    saved = doc.to_session()
    reopened = Document(saved)
    assert reopened.selected_layer == 0
    assert reopened.view.selected_filter == 1  # conv2d has 2 filters
    reopened.select_filter(reopened.view.selected_filter)
    doc.load(saved)
    assert doc.view.selected_filter == 1


def test_selecting_a_held_conv2d_keeps_the_channel_within_its_filters() -> None:
    doc = Document(Session(input=image((8, 8, 1)), layers=[conv(8), conv(2)]))
    doc.set_spec(ConvSpec(9, (3, 3)))
    doc.select_filter(8)
    assert doc.problem is not None
    assert doc.problem[0] == 1
    doc.select_layer(1)  # held: no output, but its 2 filters are what the kernel views show
    assert doc.view.selected_filter == 1
    doc.select_filter(doc.view.selected_filter)
    assert doc.kernels[..., doc.view.selected_filter].shape == (3, 3, 8)


def test_a_selected_conv2d_further_down_is_edited_as_the_single_one_was() -> None:
    doc = Document(five_layers())
    first = doc.layers[0]
    doc.select_layer(2)
    assert isinstance(doc.result, ConvResult)
    assert doc.kernels.shape == (2, 2, 3, 2)
    doc.set_weight(1, 0, 1, 0.5, channel=2)
    assert doc.layers[2].kernels[0, 1, 2, 1] == np.float32(0.5)  # type: ignore[attr-defined]
    assert doc.layers[0] is first
    assert_current(doc)


# --------------------------------------------------------------------------- add, remove, move, duplicate


def test_add_layer_uses_keras_defaults_and_unique_default_names() -> None:
    doc = Document(Session(input=image((12, 12, 1)), layers=[conv(2)]))
    doc.add_layer("Conv2D")
    doc.add_layer("Conv2D")
    assert doc.layer_names == ("conv2d", "conv2d_1", "conv2d_2")
    assert doc.selected_layer == 2
    new = doc.layers[2]
    assert isinstance(new, Conv2DLayer)
    assert (new.spec.filters, new.spec.kernel_size, new.spec.activation) == (8, (3, 3), "relu")
    assert new.kernels.shape == (3, 3, 8, 8)
    assert np.count_nonzero(new.bias) == 0
    assert np.count_nonzero(new.kernels) > 0
    doc.add_layer("MaxPooling2D")
    pooling = doc.layers[3]
    assert isinstance(pooling, Pooling2DLayer)
    assert pooling.pool_size == (2, 2)
    assert pooling.strides == (2, 2)
    doc.add_layer("Flatten")
    doc.add_layer("Dense")
    last = doc.layers[-1]
    assert isinstance(last, DenseLayer)
    assert last.activation == "softmax"
    assert last.units == 10
    assert doc.layer_names[3:] == ("max_pooling2d", "flatten", "dense")
    doc.add_layer("ReLU", at=0)
    assert doc.layer_names[0] == "re_lu"
    assert doc.selected_layer == 0
    assert doc.problem is None
    assert_current(doc)
    assert doc.to_session().layer_names == doc.layer_names


def test_add_layer_in_the_middle_marks_the_layers_below_that_stop_fitting() -> None:
    doc = Document(Session(input=image((8, 8, 1)), layers=[conv(2), conv(3)]))
    doc.add_layer("Conv2D", at=1)  # 8 filters in between: conv2d_1 expected 2 channels
    assert doc.layer_names == ("conv2d", "conv2d_2", "conv2d_1")
    assert doc.problem is not None
    assert doc.problem[0] == 2
    assert len(doc.results) == 2
    doc.undo()
    assert doc.layer_names == ("conv2d", "conv2d_1")
    assert doc.problem is None


def test_add_layer_refuses_a_layer_that_does_not_fit_and_changes_nothing() -> None:
    doc = Document(five_layers())
    before = (doc.layers, doc.layer_names, doc.results, doc.selected_layer, doc.undo_label())
    with pytest.raises(EditError, match=r"MaxPooling2D needs maps.*put it before the Flatten"):
        doc.add_layer("MaxPooling2D")
    with pytest.raises(EditError, match="Conv2D needs maps"):
        doc.add_layer("Conv2D", at=4)
    with pytest.raises(EditError, match="cannot compute Conv3D"):
        doc.add_layer("Conv3D")
    with pytest.raises(EditError, match="positions 1 to 6"):
        doc.add_layer("ReLU", at=6)
    with pytest.raises(EditError):
        doc.add_layer("MaxPooling2D", at=3, config={"pool_size": [9, 9]})  # a 3x3 map
    assert (doc.layers, doc.layer_names, doc.results, doc.selected_layer, doc.undo_label()) == before


def test_add_layer_stops_at_the_most_layers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(document, "MAX_LAYERS", 3)
    doc = Document(Session(input=image((8, 8, 1)), layers=[conv(2), FLATTEN]))
    doc.add_layer("Dense")
    with pytest.raises(EditError, match="at most 3 layers"):
        doc.add_layer("Dense")
    with pytest.raises(EditError, match="at most 3 layers"):
        doc.duplicate_layer(2)
    assert len(doc.layers) == 3


def test_add_layer_refuses_sizes_a_session_would_refuse() -> None:
    """Whatever the document holds can be saved: a layer past kernelscope's caps is refused up front."""
    doc = Document(Session(input=image((8, 8, 1)), layers=[conv(2), FLATTEN]))
    before = doc.layers
    with pytest.raises(EditError, match=f"at most {MAX_UNITS} units"):
        doc.add_layer("Dense", config={"units": MAX_UNITS + 1})
    with pytest.raises(EditError, match=f"at most {MAX_FILTERS} filters"):
        doc.add_layer("Conv2D", at=1, config={"filters": MAX_FILTERS + 1, "kernel_size": [3, 3]})
    assert doc.layers is before
    doc.to_session()


def test_remove_layer_selects_the_next_one_and_never_the_last_layer() -> None:
    doc = Document(five_layers())
    doc.select_layer(4)
    doc.remove_layer(4)  # the last: the new last one is selected
    assert doc.layer_names == ("conv2d", "max_pooling2d", "conv2d_1", "flatten")
    assert doc.selected_layer == 3
    assert doc.undo_label() == "remove a layer"
    doc.remove_layer(1)
    assert doc.layer_names == ("conv2d", "conv2d_1", "flatten")
    assert doc.selected_layer == 1
    assert doc.links.outputs == ((8, 8, 3), (7, 7, 2), (98,))
    assert_current(doc)
    doc.remove_layer(0)  # conv2d_1 now takes 2 channels of the input: it fits
    doc.remove_layer(0)
    assert doc.layer_names == ("flatten",)
    with pytest.raises(EditError, match="at least one layer"):
        doc.remove_layer(0)
    with pytest.raises(EditError, match="no layer 3"):
        doc.remove_layer(2)
    for _ in range(4):
        doc.undo()
    assert doc.layer_names == ("conv2d", "max_pooling2d", "conv2d_1", "flatten", "dense")
    assert doc.selected_layer == 4  # what was selected before the first removal
    assert_current(doc)


def test_removing_a_layer_that_made_the_one_below_fit_keeps_that_layer_whole() -> None:
    doc = Document(five_layers())
    dense_layer = doc.layers[4]
    doc.remove_layer(2)  # the Flatten now gives 48 values; the Dense takes 18
    assert doc.problem is not None
    index, why = doc.problem
    assert index == 3
    assert "18" in why
    assert "48" in why
    assert doc.layers[3] is dense_layer
    assert len(doc.results) == 3
    assert doc.selected_result is not None  # the flatten, selected, is computed
    doc.select_layer(3)
    assert doc.selected_result is None
    assert doc.steps == 0
    with pytest.raises(EditError, match=r"layers\[3\] \(dense\) does not fit its input"):
        doc.result  # noqa: B018


def test_move_layer_keeps_it_selected_and_holds_an_order_that_does_not_fit() -> None:
    doc = Document(five_layers())
    flatten = doc.layers[3]
    doc.move_layer(3, -1)  # Flatten before the second Conv2D
    assert doc.layer_names == ("conv2d", "max_pooling2d", "flatten", "conv2d_1", "dense")
    assert doc.layers[2] is flatten
    assert doc.selected_layer == 2
    assert doc.undo_label() == "move a layer"
    assert doc.problem is not None
    index, why = doc.problem
    assert index == 3
    assert why == "the input must be (height, width) or (height, width, channels), not (48,)"
    assert len(doc.results) == 3
    with pytest.raises(SessionError, match=r"layers\[3\] \(conv2d_1\) does not fit its input"):
        doc.to_session()
    doc.move_layer(2, 1)  # back: fits again
    assert doc.layer_names == ("conv2d", "max_pooling2d", "conv2d_1", "flatten", "dense")
    assert doc.selected_layer == 3
    assert doc.problem is None
    assert_current(doc)
    assert doc.to_session() == five_layers()
    with pytest.raises(EditError, match="cannot move up"):
        doc.move_layer(0, -1)
    with pytest.raises(EditError, match="cannot move down"):
        doc.move_layer(4, 1)


def test_duplicate_layer_copies_settings_and_weights_under_a_new_name() -> None:
    doc = Document(Session(input=image((8, 8, 3)), layers=[conv(3, padding="same"), FLATTEN]))
    doc.duplicate_layer(0)
    assert doc.layer_names == ("conv2d", "conv2d_1", "flatten")
    assert doc.selected_layer == 1
    a, b = doc.layers[0], doc.layers[1]
    assert isinstance(a, Conv2DLayer)
    assert isinstance(b, Conv2DLayer)
    assert a.spec == b.spec
    np.testing.assert_array_equal(a.kernels, b.kernels)
    np.testing.assert_array_equal(a.bias, b.bias)
    assert doc.problem is None
    assert_current(doc)
    doc.set_weight(0, 0, 0, 0.125, channel=2)  # the copy is edited alone
    assert doc.layers[1].kernels[0, 0, 2, 0] == np.float32(0.125)  # type: ignore[attr-defined]
    assert doc.layers[0] is a
    assert_current(doc)
    saved = doc.to_session()
    assert saved.layer_names == ("conv2d", "conv2d_1", "flatten")
    doc.undo()
    doc.undo()
    assert doc.layer_names == ("conv2d", "flatten")
    assert doc.selected_layer == 0


# --------------------------------------------------------------------------- reconfigure and weights


def test_dense_units_grow_keeps_the_old_columns_and_new_ones_start_at_zero() -> None:
    doc = Document(five_layers())
    old = doc.layers[4]
    assert isinstance(old, DenseLayer)
    doc.select_layer(4)
    doc.set_step(3)
    doc.set_layer_config(4, config_of(doc, 4, units=6))
    new = doc.layers[4]
    assert isinstance(new, DenseLayer)
    assert new.kernel.shape == (18, 6)
    assert new.bias.shape == (6,)
    np.testing.assert_array_equal(new.kernel[:, :4], old.kernel)
    np.testing.assert_array_equal(new.bias[:4], old.bias)
    assert not new.kernel[:, 4:].any()
    assert not new.bias[4:].any()
    assert new.activation == "softmax"
    assert doc.undo_label() == "change the layer"
    assert (doc.selected_layer, doc.steps, doc.step) == (4, 6, 3)
    assert_current(doc)
    doc.set_layer_config(4, config_of(doc, 4, units=2))
    np.testing.assert_array_equal(doc.layers[4].kernel, old.kernel[:, :2])  # type: ignore[attr-defined]
    doc.undo()
    doc.undo()
    assert doc.layers[4] is old


def test_a_dense_keeps_its_bias_while_use_bias_is_off_as_a_conv2d_does() -> None:
    doc = Document(five_layers())
    doc.set_layer_weight(4, 1, (0,), 0.75)
    doc.set_layer_config(4, config_of(doc, 4, use_bias=False))
    assert stack_ops.weight_roles(doc.layers[4]) == ["kernel"]
    assert doc.links.params[4] == 18 * 4
    assert_current(doc)  # the kept bias takes no part in the pass
    doc.set_layer_config(4, config_of(doc, 4, use_bias=True))
    assert doc.layers[4].bias[0] == np.float32(0.75)  # type: ignore[attr-defined]
    assert_current(doc)


def test_a_config_that_changes_nothing_is_no_edit() -> None:
    doc = Document(five_layers())
    layer = doc.layers[1]
    doc.set_layer_config(1, config_of(doc, 1))
    assert doc.layers[1] is layer
    assert doc.undo_label() is None


def test_a_pooling_too_large_is_refused_with_the_document_unchanged() -> None:
    doc = Document(five_layers())
    before = (doc.layers, doc.results, doc.links, doc.undo_label(), doc.modified)
    with pytest.raises(EditError, match=r"a 9x9 pool does not fit a 8x8 input"):
        doc.set_layer_config(1, config_of(doc, 1, pool_size=[9, 9]))
    with pytest.raises(EditError):
        doc.set_layer_config(1, config_of(doc, 1, padding="circular"))
    with pytest.raises(EditError, match="at most"):
        doc.set_layer_config(4, config_of(doc, 4, units=MAX_UNITS + 1))
    assert (doc.layers, doc.results, doc.links, doc.undo_label(), doc.modified) == before


def test_set_layer_config_on_a_conv2d_keeps_kernelscopes_limits() -> None:
    """The document never holds what it could not save: a Conv2D's caps hold on this path too."""
    doc = Document(Session(input=image((12, 12, 1)), layers=[conv(2), FLATTEN]))
    before = doc.layers
    with pytest.raises(EditError, match=f"at most {MAX_FILTERS} filters"):
        doc.set_layer_config(0, config_of(doc, 0, filters=MAX_FILTERS + 1))
    with pytest.raises(EditError, match="kernel_size"):
        doc.set_layer_config(0, config_of(doc, 0, kernel_size=[1, 12]))
    assert doc.layers is before
    doc.to_session()


def test_set_layer_weight_edits_one_cell_and_refuses_what_does_not_hold() -> None:
    session = Session(input=image((6, 6, 2)), layers=[{"class_name": "BatchNormalization", "config": {}}, FLATTEN,
                                                       dense(3, "linear")])
    doc = Document(session)
    doc.set_layer_weight(2, 0, (5, 1), 2.5)
    assert doc.layers[2].kernel[5, 1] == np.float32(2.5)  # type: ignore[attr-defined]
    assert doc.undo_label() == "edit a weight"
    assert_current(doc)
    bn = doc.layers[0]
    assert stack_ops.weight_roles(bn) == ["gamma", "beta", "moving_mean", "moving_variance"]
    doc.set_layer_weight(0, 2, (1,), 0.5)
    assert doc.layers[0].moving_mean[1] == np.float32(0.5)  # type: ignore[attr-defined]
    assert_current(doc)
    before = (doc.layers, doc.results, doc.undo_label())
    with pytest.raises(EditError, match="variance cannot be negative"):
        doc.set_layer_weight(0, 3, (0,), -1.0)
    with pytest.raises(EditError, match="no weight array 5"):
        doc.set_layer_weight(0, 4, (0,), 1.0)
    with pytest.raises(EditError):
        doc.set_layer_weight(2, 0, (99, 0), 1.0)
    with pytest.raises(EditError):
        doc.set_layer_weight(2, 0, (0,), 1.0)  # a row, not one cell
    with pytest.raises(EditError, match="finite"):
        doc.set_layer_weight(2, 1, (0,), float("nan"))
    with pytest.raises(EditError, match="no weight array"):
        doc.set_layer_weight(1, 0, (0,), 1.0)  # a Flatten has no weights
    assert (doc.layers, doc.results, doc.undo_label()) == before
    doc.set_layer_weight(2, 0, (5, 1), 2.5)  # the same value: no edit
    assert doc.layers is before[0]


def test_a_dense_overflow_is_refused_before_anything_changes() -> None:
    doc = Document(Session(input=np.full((4, 4, 1), 1e30, np.float32), layers=[FLATTEN, dense(2, "linear")]))
    before = (doc.layers, doc.results, doc.undo_label())
    with pytest.raises(EditError, match="overflow"):
        doc.set_layer_weight(1, 0, (0, 0), 3e38)
    assert (doc.layers, doc.results, doc.undo_label()) == before
    assert_current(doc)


# --------------------------------------------------------------------------- held, fitted, nothing lost


def two_convs() -> Session:
    return Session(input=image((9, 9, 1)), layers=[conv(3), conv(2, 2), FLATTEN, dense(3)])


def test_fewer_filters_upstream_mark_the_next_conv2d_and_fit_layer_crops_its_weights() -> None:
    doc = Document(two_convs())
    second = doc.layers[1]
    assert isinstance(second, Conv2DLayer)
    doc.set_spec(ConvSpec(2, (3, 3), activation="relu"))
    assert doc.problem is not None
    index, why = doc.problem
    assert index == 1
    assert why == ("the kernels have 3 input channel(s) but the input has 2: each filter needs one kernel slice "
                   "per input channel")
    assert doc.layers[1] is second  # held whole
    assert len(doc.results) == 1
    doc.select_layer(1)
    assert doc.selected_result is None
    assert same_data(doc.layer_input(1), doc.results[0].output)
    with pytest.raises(EditError, match=r"layers\[1\] \(conv2d_1\) does not fit its input"):
        doc.result  # noqa: B018
    with pytest.raises(EditError, match="fits its input already"):
        doc.fit_layer(0)
    doc.fit_layer(1)
    fitted = doc.layers[1]
    assert isinstance(fitted, Conv2DLayer)
    assert fitted.kernels.shape == (2, 2, 2, 2)
    np.testing.assert_array_equal(fitted.kernels, second.kernels[:, :, :2, :])
    np.testing.assert_array_equal(fitted.bias, second.bias)
    assert doc.problem is None
    assert doc.undo_label() == "fit the weights"
    assert_current(doc)
    doc.undo()
    assert doc.layers[1] is second
    assert doc.problem is not None


def test_more_filters_upstream_then_fit_layer_pads_with_zeros() -> None:
    doc = Document(two_convs())
    second = doc.layers[1]
    doc.set_spec(ConvSpec(5, (3, 3), activation="relu"))
    assert doc.problem is not None
    assert doc.problem[0] == 1
    assert "input has 5" in doc.problem[1]
    doc.fit_layer(1)
    fitted = doc.layers[1]
    assert isinstance(fitted, Conv2DLayer)
    assert isinstance(second, Conv2DLayer)
    np.testing.assert_array_equal(fitted.kernels[:, :, :3, :], second.kernels)
    assert not fitted.kernels[:, :, 3:, :].any()
    assert_current(doc)


def test_fit_layer_fits_a_dense_after_the_flatten_grew() -> None:
    doc = Document(five_layers())
    dense_layer = doc.layers[4]
    assert isinstance(dense_layer, DenseLayer)
    doc.select_layer(2)
    doc.set_spec(ConvSpec(2, (1, 1)))  # 4x4x2 = 32 values, the Dense takes 18
    assert doc.problem is not None
    assert doc.problem[0] == 4
    doc.fit_layer(4)
    fitted = doc.layers[4]
    assert isinstance(fitted, DenseLayer)
    assert fitted.kernel.shape == (32, 4)
    np.testing.assert_array_equal(fitted.kernel[:18], dense_layer.kernel)
    assert not fitted.kernel[18:].any()
    assert_current(doc)


def test_fit_layer_refuses_a_layer_whose_weights_are_not_what_does_not_fit() -> None:
    doc = Document(Session(input=image((8, 8, 1)), layers=[conv(2), pool(size=3), FLATTEN]))
    doc.set_spec(ConvSpec(2, (7, 7)))  # a 2x2 map: the 3x3 pool no longer fits
    assert doc.problem is not None
    assert doc.problem[0] == 1
    layers = doc.layers
    with pytest.raises(EditError, match="still does not"):
        doc.fit_layer(1)
    assert doc.layers is layers


def test_an_upstream_change_keeps_every_downstream_weight_and_undo_brings_back_the_results() -> None:
    doc = Document(two_convs())
    layers, results, names = doc.layers, doc.results, doc.layer_names
    doc.set_spec(ConvSpec(4, (3, 3), activation="relu"))
    assert all(a is b for a, b in zip(doc.layers[1:], layers[1:], strict=True))
    assert len(doc.results) == 1
    doc.set_input(image((9, 9, 1), seed=5))  # an edit while the stack is held
    assert doc.problem is not None
    assert doc.layers[1:] == layers[1:]
    doc.undo()
    doc.undo()
    assert doc.layers == layers
    assert doc.layer_names == names
    assert doc.problem is None
    for a, b in zip(doc.results, results, strict=True):
        np.testing.assert_array_equal(a.output, b.output)
    doc.redo()
    assert doc.problem is not None
    assert doc.layers[1:] == layers[1:]
    doc.redo()
    assert_current(doc)


def test_an_input_too_small_for_the_first_layer_is_refused_but_one_for_a_later_layer_is_held() -> None:
    doc = Document(Session(input=image((8, 8, 1)), layers=[conv(2, 3), pool(size=3), FLATTEN]))
    with pytest.raises(EditError):
        doc.set_input(image((2, 2, 1)))
    doc.set_input(image((4, 4, 1)))  # a 2x2 map for a 3x3 pool
    assert doc.problem is not None
    assert doc.problem[0] == 1
    assert len(doc.results) == 1
    assert_current(doc)


def test_to_session_of_a_held_stack_names_the_layer_and_a_fixed_one_saves(tmp_path: Any) -> None:
    doc = Document(two_convs())
    doc.set_spec(ConvSpec(4, (3, 3), activation="relu"))
    with pytest.raises(SessionError, match=r"layers\[1\] \(conv2d_1\) does not fit its input \(the kernels"):
        doc.to_session()
    doc.fit_layer(1)
    doc.set_class_names(["zero", "one"])
    saved = doc.to_session()
    save_session(saved, tmp_path / "fixed.kscope")
    loaded = load_session(tmp_path / "fixed.kscope")
    assert loaded == saved
    assert loaded.class_names == ("zero", "one")
    reopened = Document(loaded)
    assert reopened.layer_names == doc.layer_names
    for a, b in zip(reopened.results, doc.results, strict=True):
        np.testing.assert_array_equal(a.output, b.output)


def test_to_session_of_a_lone_conv2d_that_does_not_fit_names_it_too() -> None:
    """One Conv2D left on an input it does not fit is a held stack, not a one-Conv2D scene."""
    doc = Document(Session(input=image((8, 8, 1)), layers=[conv(2), conv(3)]))
    doc.remove_layer(0)  # conv2d_1 takes 2 channels; the input has 1
    assert doc.problem is not None
    assert doc.problem[0] == 0
    assert doc.results == ()
    with pytest.raises(SessionError, match=r"layers\[0\] \(conv2d_1\) does not fit its input \(the kernels have 2"):
        doc.to_session()
    doc.fit_layer(0)
    assert doc.to_session().is_single_conv


@pytest.mark.parametrize("index", [5, -1])
def test_an_edit_of_a_layer_that_is_not_there_is_refused(index: int) -> None:
    doc = Document(five_layers())
    layers = doc.layers
    with pytest.raises(EditError, match=f"there is no layer {index + 1}"):
        doc.set_layer_config(index, {"units": 3})
    with pytest.raises(EditError, match=f"there is no layer {index + 1}"):
        doc.set_layer_weight(index, 0, (0, 0), 1.0)
    with pytest.raises(EditError, match=f"there is no layer {index + 1}"):
        doc.duplicate_layer(index)
    with pytest.raises(EditError, match=f"there is no layer {index + 1}"):
        doc.remove_layer(index)
    assert doc.layers is layers
    assert doc.undo_label() is None


# --------------------------------------------------------------------------- class names and pasted models


def test_class_names_are_saved_and_too_many_are_refused() -> None:
    doc = Document(five_layers())
    doc.set_class_names(["cat", "dog", "emu"])
    assert doc.class_names == ("cat", "dog", "emu")
    assert doc.undo_label() == "rename the classes"
    assert doc.to_session().class_names == ("cat", "dog", "emu")
    with pytest.raises(EditError, match="class_names"):
        doc.set_class_names(["a", "b", "c", "d", "e"])  # 4 outputs
    assert doc.class_names == ("cat", "dog", "emu")
    doc.undo()
    assert doc.class_names == ()
    doc.redo()
    assert doc.class_names == ("cat", "dog", "emu")


def test_apply_stack_replaces_the_model_and_undo_brings_the_old_one_back() -> None:
    doc = Document(five_layers())
    old_layers, old_names, old_input = doc.layers, doc.layer_names, doc.input
    doc.set_class_names(["a"])
    doc.select_layer(3)
    pasted = Session(input=image((6, 6, 1)), layers=[conv(2), FLATTEN, dense(5)])
    layers = tuple(entry.layer for entry in pasted.layers)
    doc.apply_stack(layers, pasted.layer_names, image=pasted.input, value_mode="grey")
    assert doc.layers == layers
    assert doc.layer_names == ("conv2d", "flatten", "dense")
    assert doc.input.shape == (6, 6, 1)
    assert doc.view.value_mode == "grey"
    assert doc.class_names == ()
    assert doc.selected_layer == 0
    assert doc.undo_label() == "paste a model"
    assert_current(doc)
    assert doc.to_session().layer_names == ("conv2d", "flatten", "dense")
    doc.undo()
    assert (doc.layers, doc.layer_names, doc.input) == (old_layers, old_names, old_input)
    assert doc.class_names == ("a",)
    assert doc.selected_layer == 3
    assert_current(doc)


def test_apply_stack_refuses_what_cannot_be_a_model() -> None:
    doc = Document(five_layers())
    layers = doc.layers
    with pytest.raises(EditError, match="own name"):
        doc.apply_stack(layers[:2], ("a", "a"))
    with pytest.raises(EditError, match="own name"):
        doc.apply_stack((), ())
    with pytest.raises(EditError, match="does not fit"):
        doc.apply_stack(layers, doc.layer_names, image=image((2, 2, 2)))  # a 3x3 kernel on a 2x2 input
    assert doc.layers is layers
    assert doc.undo_label() is None
    doc.apply_stack((layers[3], layers[1]), ("f", "p"))  # the first fits; the pool below it is marked
    assert doc.problem is not None
    assert doc.problem[0] == 1
    assert "MaxPooling2D needs maps" in doc.problem[1]


# --------------------------------------------------------------------------- undo of every stack edit


EDITS: list[tuple[str, Callable[[Document], None]]] = [
    ("add a layer", lambda d: d.add_layer("ReLU", at=1)),
    ("remove a layer", lambda d: d.remove_layer(1)),
    ("move a layer", lambda d: d.move_layer(2, -1)),
    ("duplicate a layer", lambda d: d.duplicate_layer(1)),
    ("change the layer", lambda d: d.set_layer_config(1, config_of(d, 1, padding="same", pool_size=[3, 3]))),
    ("edit a weight", lambda d: d.set_layer_weight(4, 0, (3, 2), 9.0)),
    ("rename the classes", lambda d: d.set_class_names(["x"])),
    ("change the layer", lambda d: d.set_spec(ConvSpec(4, (3, 3), activation="relu"))),
]


@pytest.mark.parametrize(("label", "edit"), EDITS, ids=[f"{i}-{label}" for i, (label, _) in enumerate(EDITS)])
def test_every_stack_edit_is_one_named_undo_step_that_restores_the_selection(
    label: str, edit: Callable[[Document], None]
) -> None:
    doc = Document(five_layers())
    doc.select_layer(2)
    before = (doc.layers, doc.layer_names, doc.class_names, doc.selected_layer, doc.links)
    outputs = [r.output for r in doc.results]
    events: list[str] = []
    doc.settled.connect(lambda: events.append("settled"))
    doc.layers_changed.connect(lambda: events.append("layers_changed"))
    edit(doc)
    assert events.count("settled") == 1
    assert events[-1] == "settled"
    assert "layers_changed" in events
    after = (doc.layers, doc.layer_names, doc.class_names, doc.links)
    assert doc.undo_label() == label
    assert doc.modified
    assert_current(doc)
    doc.undo()
    assert (doc.layers, doc.layer_names, doc.class_names, doc.selected_layer, doc.links) == before
    assert doc.redo_label() == label
    assert not doc.modified
    for got, want in zip(doc.results, outputs, strict=True):
        np.testing.assert_array_equal(got.output, want)
    doc.redo()
    assert (doc.layers, doc.layer_names, doc.class_names, doc.links) == after
    assert_current(doc)


def test_undo_after_selecting_elsewhere_puts_back_the_selection_of_the_edit() -> None:
    doc = Document(five_layers())
    doc.select_layer(2)
    doc.add_layer("Dense")
    assert doc.selected_layer == 5
    doc.select_layer(1)
    doc.undo()
    assert doc.selected_layer == 2
    doc.redo()
    assert doc.selected_layer == 1  # redo brings back the state undo left, selection included


def test_a_refused_edit_inside_a_group_puts_back_the_stack_edits_before_it() -> None:
    doc = Document(five_layers())
    layers, names, results = doc.layers, doc.layer_names, doc.results

    def add_then_refuse() -> None:
        with doc.undo_group("two edits"):
            doc.add_layer("ReLU", at=2)
            doc.set_layer_config(1, config_of(doc, 1, pool_size=[99, 99]))

    with pytest.raises(EditError, match="pool does not fit"):
        add_then_refuse()
    assert (doc.layers, doc.layer_names) == (layers, names)
    assert doc.undo_label() is None
    for a, b in zip(doc.results, results, strict=True):
        np.testing.assert_array_equal(a.output, b.output)


# --------------------------------------------------------------------------- the scheduler path


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> LaterScheduler:
    monkeypatch.setattr(document, "SYNC_WORK_LIMIT", 0)
    return LaterScheduler()


def events_of(doc: Document) -> list[str]:
    events: list[str] = []
    doc.result_changed.connect(lambda: events.append("result_changed"))
    doc.compute_failed.connect(lambda text: events.append(f"failed: {text}"))
    return events


def test_an_edit_in_one_layer_sends_a_job_from_that_layer_on_its_cached_input(later: LaterScheduler) -> None:
    doc = Document(five_layers(), scheduler=later)
    assert later.requests == []
    assert not doc.computing
    results = doc.results
    doc.set_layer_weight(2, 1, (0,), 0.5)
    assert doc.computing
    (_, job, _), = later.requests
    assert job.start == 2
    assert same_data(job.x, results[1].output)
    assert job.layers == doc.layers[2:]
    assert doc.results is results  # the old ones while computing
    later.deliver()
    assert not doc.computing
    assert all(a is b for a, b in zip(doc.results[:2], results[:2], strict=True))
    assert_current(doc)


def test_a_newer_edit_below_a_pending_one_starts_from_the_pending_layer(later: LaterScheduler) -> None:
    doc = Document(five_layers(), scheduler=later)
    doc.set_weight(0, 0, 0, 0.5)  # layer 0: a job for every layer
    doc.set_layer_weight(4, 0, (0, 0), 0.25)  # layer 4 while that job waits
    assert [job.start for _, job, _ in later.requests] == [0, 0]  # never from the stale results
    events = events_of(doc)
    later.deliver(0)  # the older job arrives late: dropped
    assert events == []
    assert doc.computing
    later.deliver(1)
    assert not doc.computing
    assert events == ["result_changed"]
    assert_current(doc)
    later.deliver(0)  # even later: still dropped
    assert_current(doc)


def test_undo_of_a_pending_edit_takes_the_results_it_still_has(later: LaterScheduler) -> None:
    doc = Document(five_layers(), scheduler=later)
    results = doc.results
    doc.set_weight(0, 0, 0, 0.5)
    assert doc.computing
    doc.undo()
    assert not doc.computing  # nothing to compute: the cached results hold for the old stack
    assert len(later.requests) == 1
    assert all(a is b for a, b in zip(doc.results, results, strict=True))
    later.deliver(0)
    assert all(a is b for a, b in zip(doc.results, results, strict=True))
    assert_current(doc)


def test_while_computing_an_older_result_of_the_same_shape_stays_on_show(later: LaterScheduler) -> None:
    doc = Document(five_layers(), scheduler=later)
    old = doc.results[0]
    doc.set_weight(0, 0, 0, 0.5)
    assert doc.computing
    assert doc.selected_result is old  # the maps a weight drag shows until the new ones arrive
    assert same_data(doc.layer_input(1), old.output)


def test_while_computing_after_a_removal_no_other_layers_result_is_shown(later: LaterScheduler) -> None:
    doc = Document(Session(input=image((8, 8, 2)), layers=[conv(2), conv(8), FLATTEN]), scheduler=later)
    doc.remove_layer(0)  # conv2d_1 (8 filters) now takes the input; the old first result has 2 maps
    assert doc.computing
    assert doc.spec.filters == 8
    result = doc.selected_result
    assert result is None or result.output.shape[-1] == 8


def test_an_overflowing_weight_below_a_pending_job_is_refused_too(later: LaterScheduler) -> None:
    doc = Document(Session(input=np.full((10, 10, 2), 100, np.float32), layers=five_layers().layers),
                   scheduler=later)
    doc.set_weight(0, 0, 0, 0.5)  # a job from layer 0 waits
    doc.select_layer(2)
    with pytest.raises(EditError, match="overflow"):
        doc.set_weight(0, 0, 0, 3e38)


def test_a_failure_off_the_thread_keeps_the_last_results_and_says_why(later: LaterScheduler) -> None:
    doc = Document(five_layers(), scheduler=later)
    results = doc.results
    doc.set_layer_weight(4, 0, (0, 0), 0.5)
    events = events_of(doc)
    generation, _, deliver = later.requests[-1]
    deliver(generation, ComputeFailure.of(MemoryError()))
    assert not doc.computing
    assert doc.results is results
    assert events[0].startswith("failed: not enough memory")
    assert events[1:] == ["result_changed"]
    doc.set_layer_weight(4, 0, (0, 1), 0.5)  # the next edit computes from the layer edited first
    (_, job, _) = later.requests[-1]
    assert job.start == 4
    later.deliver()
    assert_current(doc)


def test_a_heavy_stack_loads_whole_when_every_layer_arrives(later: LaterScheduler) -> None:
    doc = Document(scheduler=later)
    old = doc.results
    doc.load(five_layers())
    assert doc.computing
    (_, job, _), = later.requests
    assert (job.start, len(job.layers)) == (0, 5)
    assert doc.results is old
    assert doc.title != "five"
    later.deliver()
    assert not doc.computing
    assert doc.title == "five"
    assert doc.layer_names == ("conv2d", "max_pooling2d", "conv2d_1", "flatten", "dense")
    assert_current(doc)
    assert (doc.undo_label(), doc.modified) == (None, False)


def test_a_conv2d_that_may_overflow_is_computed_at_once_and_refused(later: LaterScheduler) -> None:
    doc = Document(Session(input=np.full((10, 10, 2), 100, np.float32), layers=five_layers().layers),
                   scheduler=later)
    before = (doc.layers, doc.results, doc.undo_label())
    with pytest.raises(EditError, match="overflow"):
        doc.set_weight(0, 1, 1, 3e38)
    assert later.requests == []
    assert (doc.layers, doc.results, doc.undo_label()) == before
    assert not doc.computing


def test_a_stack_job_names_the_layer_that_overflows() -> None:
    x = np.full((2, 2, 1), 3e38, np.float32)
    layers = (FlattenLayer(), DenseLayer(np.full((4, 1), 3e38, np.float32), np.zeros(1, np.float32)))
    job = StackJob(x, layers, 0, ((2, 2, 1), (4,)), named=True)
    with pytest.raises(engine.ConvError, match=r"layer 2 \(Dense\): .*overflow"):
        job()


# --------------------------------------------------------------------------- property: never a stale result


@st.composite
def stacks(draw: st.DrawFn) -> Session:
    side = draw(st.integers(5, 9))
    channels = draw(st.integers(1, 3))
    layers: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["Conv2D", "MaxPooling2D", "AveragePooling2D", "ReLU"]))
        if kind == "Conv2D":
            layers.append(conv(draw(st.integers(1, 3)), draw(st.integers(1, 3)),
                               draw(st.sampled_from(["relu", "linear"])), padding="same"))
        elif kind == "ReLU":
            layers.append({"class_name": "ReLU", "config": {}})
        else:
            layers.append(pool(kind.removesuffix("Pooling2D"), draw(st.integers(1, 2)), padding="same"))
    if draw(st.booleans()):
        layers += [FLATTEN, dense(draw(st.integers(1, 4)), draw(st.sampled_from(["softmax", "linear", "relu"])))]
    seed = draw(st.integers(0, 2**16))
    return Session(input=image((side, side, channels), seed), layers=layers)


EDIT_KINDS = ["weight", "weight", "spec", "pool", "units", "move", "add", "duplicate", "remove", "fit", "input",
              "select", "undo", "redo"]


WANTS: dict[str, Callable[[Layer], bool]] = {
    "weight": lambda layer: bool(stack_ops.layer_weights(layer)),
    "spec": lambda layer: isinstance(layer, Conv2DLayer),
    "pool": lambda layer: isinstance(layer, Pooling2DLayer),
    "units": lambda layer: isinstance(layer, DenseLayer),
}


def apply_random_edit(doc: Document, kind: str, data: st.DataObject) -> None:
    n = len(doc.layers)
    wants = WANTS.get(kind, lambda layer: True)
    candidates = [i for i, layer in enumerate(doc.layers) if wants(layer)]
    if not candidates:
        return
    index = data.draw(st.sampled_from(candidates))
    layer = doc.layers[index]
    value = data.draw(st.floats(-2, 2, allow_nan=False, width=32))
    if kind == "weight":
        weights = stack_ops.layer_weights(layer)
        array = data.draw(st.integers(0, len(weights) - 1))
        cell = tuple(data.draw(st.integers(0, side - 1)) for side in weights[array].shape)
        doc.set_layer_weight(index, array, cell, value)
    elif kind == "spec":
        doc.select_layer(index)
        doc.set_spec(ConvSpec(data.draw(st.integers(1, 3)), (data.draw(st.integers(1, 3)),) * 2, padding="same"))
    elif kind == "pool":
        side = data.draw(st.integers(1, 3))
        doc.set_layer_config(index, config_of(doc, index, pool_size=[side, side], strides=[side, side]))
    elif kind == "units":
        doc.set_layer_config(index, config_of(doc, index, units=data.draw(st.integers(1, 5))))
    elif kind == "move":
        doc.move_layer(index, data.draw(st.sampled_from([-1, 1])))
    elif kind == "add":
        doc.add_layer(data.draw(st.sampled_from(["ReLU", "MaxPooling2D", "Conv2D", "Dense"])),
                      at=data.draw(st.integers(0, n)), seed=data.draw(st.integers(0, 9)))
    elif kind == "duplicate":
        doc.duplicate_layer(index)
    elif kind == "remove":
        doc.remove_layer(index)
    elif kind == "fit" and doc.problem is not None:
        doc.fit_layer(doc.problem[0])
    elif kind == "input":
        h, w, _ = doc.input.shape
        doc.paint_cells([(data.draw(st.integers(0, h - 1)), data.draw(st.integers(0, w - 1)))], value)
    elif kind == "select":
        doc.select_layer(index)
        doc.set_step(data.draw(st.integers(0, 100)))
        if isinstance(layer, Conv2DLayer):
            doc.select_filter(data.draw(st.integers(0, layer.spec.filters - 1)))
    elif kind == "undo":
        doc.undo()
    elif kind == "redo":
        doc.redo()


def run_edits(doc: Document, data: st.DataObject, later: LaterScheduler | None = None) -> None:
    for kind in data.draw(st.lists(st.sampled_from(EDIT_KINDS), min_size=1, max_size=8)):
        try:
            apply_random_edit(doc, kind, data)
        except EditError:
            pass
        if later is not None and later.requests and data.draw(st.booleans()):
            later.deliver()  # the newest job arrives; older ones are dropped when they come
            later.deliver(0)
        assert_consistent(doc)
        if not doc.computing:
            assert_current(doc)
    if later is not None and doc.computing:
        later.deliver()
    assert_current(doc)


PROPERTY = settings(max_examples=80, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@PROPERTY
@given(session=stacks(), data=st.data())
def test_the_cache_never_serves_a_stale_result(session: Session, data: st.DataObject) -> None:
    doc = Document(session)
    assert_current(doc)
    run_edits(doc, data)


@PROPERTY
@given(session=stacks(), data=st.data())
def test_the_cache_never_serves_a_stale_result_off_the_thread(session: Session, data: st.DataObject) -> None:
    later = LaterScheduler()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(document, "SYNC_WORK_LIMIT", 0)
        doc = Document(session, scheduler=later)
        run_edits(doc, data, later)
