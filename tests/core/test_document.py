"""The document: the only writer of state; edits apply whole or not at all; one batch per load."""

from collections.abc import Callable

import numpy as np
import pytest

from kernelscope.core import engine
from kernelscope.core.document import Document, EditError
from kernelscope.core.engine import Conv2DLayer, ConvSpec
from kernelscope.files.sessions import Session, ViewState, default_session


class Recorder:
    def __init__(self, doc: Document) -> None:
        self.events: list[str] = []
        for name in ("input_changed", "kernels_changed", "spec_changed", "view_changed", "result_changed"):
            getattr(doc, name).connect(lambda *a, n=name: self.events.append(n))
        doc.step_changed.connect(lambda s: self.events.append(f"step {s}"))


def test_opens_on_the_article_scene() -> None:
    doc = Document()
    assert doc.input.shape == (5, 5, 1)
    assert doc.result.out_shape == (3, 3, 1)
    assert doc.result.feature_maps()[0, 0, 0] == 1.0
    np.testing.assert_array_equal(doc.result.feature_maps()[:, :, 0], [[1, 5, 1], [1, -3, 1], [1, 5, 1]])


def test_arrays_handed_out_are_read_only() -> None:
    doc = Document()
    for arr in (doc.input, doc.kernels, doc.bias, doc.result.maps):
        with pytest.raises(ValueError, match="read-only"):
            arr[(0,) * arr.ndim] = 7


def test_painting_recomputes_to_the_engine_result() -> None:
    doc = Document()
    rec = Recorder(doc)
    doc.paint_cells([(0, 0), (1, 1)], 1.0)
    expected = engine.conv2d(doc.input, doc.kernels, doc.bias)
    np.testing.assert_array_equal(doc.result.feature_maps(), expected)
    assert doc.input[0, 0, 0] == 1.0
    assert rec.events == ["result_changed", "input_changed"]


def test_painting_the_same_value_changes_nothing() -> None:
    doc = Document()
    rec = Recorder(doc)
    doc.paint_cells([(0, 1)], 1.0)  # already white
    assert rec.events == []


def test_weight_edit_and_bias() -> None:
    doc = Document()
    doc.set_weight(0, 1, 1, 5.0)
    assert doc.kernels[1, 1, 0, 0] == 5.0
    doc.set_bias(0, 0.5)
    np.testing.assert_allclose(
        doc.result.feature_maps(), engine.conv2d(doc.input, doc.kernels, doc.bias), rtol=0, atol=0
    )


@pytest.mark.parametrize("bad", ["abc", float("nan"), float("inf"), None])
def test_non_finite_weight_is_refused_and_nothing_changes(bad: object) -> None:
    doc = Document()
    before = doc.kernels.copy()
    rec = Recorder(doc)
    with pytest.raises(EditError, match="number"):
        doc.set_weight(0, 0, 0, bad)  # type: ignore[arg-type]
    np.testing.assert_array_equal(doc.kernels, before)
    assert rec.events == []


def test_spec_that_does_not_fit_is_refused_whole() -> None:
    doc = Document()
    spec_before, kernels_before = doc.spec, doc.kernels.copy()
    with pytest.raises(EditError, match="does not fit a 5x5 input"):
        doc.set_spec(ConvSpec(1, (7, 7)))
    assert doc.spec == spec_before
    np.testing.assert_array_equal(doc.kernels, kernels_before)


def test_spec_change_keeps_overlapping_weights_and_adds_filters() -> None:
    doc = Document()
    doc.set_spec(ConvSpec(3, (3, 3), strides=2))
    assert doc.kernels.shape == (3, 3, 1, 3)
    np.testing.assert_array_equal(doc.kernels[:, :, 0, 0], [[1, 1, 1], [-1, -1, -1], [1, 1, 1]])
    assert not doc.kernels[:, :, :, 1:].any()
    assert doc.result.out_shape == (2, 2, 3)


def _numbered_kernel(doc: Document, kh: int, kw: int) -> np.ndarray:
    """Give filter 1 the weights 1..kh*kw (each weight says where it was) and return them."""
    doc.set_spec(ConvSpec(1, (kh, kw), padding="same"))
    weights = np.arange(1, kh * kw + 1, dtype=np.float32).reshape(kh, kw)
    doc.set_filter_kernel(0, weights)
    return weights


def test_growing_the_kernel_keeps_the_weights_centred() -> None:
    doc = Document()
    old = _numbered_kernel(doc, 3, 3)
    doc.set_spec(ConvSpec(1, (5, 5), padding="same"))
    grown = doc.kernels[:, :, 0, 0]
    expected = np.zeros((5, 5), np.float32)
    expected[1:4, 1:4] = old  # the old 3x3 in the middle, a ring of zeros around it
    np.testing.assert_array_equal(grown, expected)
    assert grown[2, 2] == old[1, 1]  # the centre weight is still the centre


def test_shrinking_the_kernel_keeps_the_centre() -> None:
    doc = Document()
    old = _numbered_kernel(doc, 5, 5)
    doc.set_spec(ConvSpec(1, (3, 3), padding="same"))
    np.testing.assert_array_equal(doc.kernels[:, :, 0, 0], old[1:4, 1:4])


def test_an_odd_change_keeps_the_centre_cell_and_grows_back_the_same() -> None:
    """The centre cell is (k - 1) // 2: 3 -> 4 adds the row and column after it, 4 -> 5 the ones before."""
    doc = Document()
    old = _numbered_kernel(doc, 3, 3)
    doc.set_spec(ConvSpec(1, (4, 4), padding="same"))
    four = doc.kernels[:, :, 0, 0]
    expected = np.zeros((4, 4), np.float32)
    expected[:3, :3] = old
    np.testing.assert_array_equal(four, expected)
    doc.set_spec(ConvSpec(1, (5, 5), padding="same"))
    np.testing.assert_array_equal(doc.kernels[1:4, 1:4, 0, 0], old)  # 3 -> 4 -> 5 is 3 -> 5
    doc.set_spec(ConvSpec(1, (3, 3), padding="same"))
    np.testing.assert_array_equal(doc.kernels[:, :, 0, 0], old)  # and back again


def test_a_non_square_kernel_is_centred_on_each_axis() -> None:
    doc = Document()
    old = _numbered_kernel(doc, 3, 3)
    doc.set_spec(ConvSpec(1, (1, 5), padding="same"))
    np.testing.assert_array_equal(doc.kernels[:, :, 0, 0], [[0, *old[1], 0]])  # the middle row, centred
    doc.set_spec(ConvSpec(1, (3, 3), padding="same"))
    np.testing.assert_array_equal(doc.kernels[:, :, 0, 0], [[0, 0, 0], old[1], [0, 0, 0]])
    doc.set_spec(ConvSpec(1, (2, 5), padding="same"))
    np.testing.assert_array_equal(doc.kernels[:, :, 0, 0], [[0, *old[1], 0], [0] * 5])  # a 2-row centre is row 0


def test_every_filter_and_channel_stays_centred() -> None:
    doc = Document()
    doc.replace_input(np.zeros((7, 7, 3), np.float32), "grey")
    doc.set_spec(ConvSpec(2, (3, 3), padding="same"))
    kernels = np.arange(1, 3 * 3 * 3 * 2 + 1, dtype=np.float32).reshape(3, 3, 3, 2)
    doc.load(Session(input=doc.input, kernels=kernels, bias=np.zeros(2, np.float32), spec=doc.spec,
                     view=ViewState(value_mode="grey")))
    doc.set_spec(ConvSpec(3, (5, 5), padding="same"))
    np.testing.assert_array_equal(doc.kernels[1:4, 1:4, :, :2], kernels)
    assert not doc.kernels[..., 2].any()  # the new filter starts at zero


def test_load_is_one_batch_with_one_recompute(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = Document()
    calls = []
    real = engine.compute
    monkeypatch.setattr(engine, "compute", lambda *a: calls.append(1) or real(*a))
    rng = np.random.default_rng(1)
    session = Session(
        input=rng.random((8, 8, 1), dtype=np.float32),
        kernels=rng.random((3, 3, 1, 4), dtype=np.float32),
        bias=np.zeros(4, np.float32),
        spec=ConvSpec(4, (3, 3)),
        view=ViewState(value_mode="grey"),
    )
    doc.load(session)
    assert len(calls) == 1
    assert doc.result.out_shape == (6, 6, 4)
    assert doc.to_session() == session


def test_stepping_never_recomputes(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = Document()
    calls = []
    monkeypatch.setattr(engine, "compute", lambda *a: calls.append(1))
    for k in range(100):
        doc.set_step(k % doc.result.steps)
        doc.result.trace(0, *doc.result.step_position(doc.step))
    assert calls == []


def test_step_is_clamped_to_the_output() -> None:
    doc = Document()
    doc.set_step(100)
    assert doc.step == 8
    doc.set_step(-4)
    assert doc.step == 0


def test_select_filter_out_of_range_is_refused() -> None:
    doc = Document(default_session())
    with pytest.raises(EditError):
        doc.select_filter(3)


# ------------------------------------------------------------------ the layer list


def test_the_document_holds_one_conv2d_layer_selected() -> None:
    doc = Document()
    assert isinstance(doc.layers, tuple)
    assert len(doc.layers) == 1
    assert doc.selected_layer == 0
    layer = doc.layers[0]
    assert isinstance(layer, Conv2DLayer)
    assert layer.keras_class == "Conv2D"
    assert layer.spec == doc.spec
    assert layer.kernels is doc.kernels
    assert layer.bias is doc.bias


def _layer_is_the_document(doc: Document) -> None:
    layer = doc.layers[doc.selected_layer]
    assert isinstance(layer, Conv2DLayer)
    assert layer.spec == doc.spec
    assert layer.kernels is doc.kernels
    assert layer.bias is doc.bias
    assert doc.result.spec == layer.spec
    assert doc.result.out_shape == layer.output_shape(doc.input.shape)
    assert doc.result.maps.tobytes() == layer.forward(doc.input).maps.tobytes()


def test_spec_kernels_bias_and_result_follow_the_layer_through_edits() -> None:
    doc = Document()
    edits: list[Callable[[], None]] = [
        lambda: doc.set_weight(0, 1, 1, 2.5),
        lambda: doc.set_bias(0, -0.5),
        lambda: doc.set_spec(ConvSpec(2, (3, 3), padding="same", activation="relu")),
        lambda: doc.add_filter(np.ones((3, 3, 1, 1), np.float32), 0.25),
        lambda: doc.remove_filter(1),
        lambda: doc.apply_preset(0, np.ones((2, 2), np.float32)),
        lambda: doc.randomize(engine.glorot_uniform(doc.kernels.shape, seed=1)),
        lambda: doc.replace_input(np.zeros((6, 7, 3), np.float32), "grey"),
        lambda: doc.apply_layer(ConvSpec(1, (2, 2)), np.ones((2, 2, 3, 1)), np.zeros(1)),
    ]
    layers = [doc.layers[0]]
    for edit in edits:
        edit()
        _layer_is_the_document(doc)
        assert doc.layers[0] is not layers[-1], "an edit of the layer makes a new layer"
        layers.append(doc.layers[0])
    assert doc.kernels.shape == (2, 2, 3, 1)
    assert doc.layers[0].count_params(doc.input.shape) == 13


def test_edits_that_change_nothing_keep_the_same_layer() -> None:
    doc = Document()
    layer = doc.layers[0]
    doc.set_weight(0, 0, 0, float(doc.kernels[0, 0, 0, 0]))
    doc.set_spec(doc.spec)
    doc.paint_cells([(0, 0)], float(doc.input[0, 0, 0]))
    doc.set_view(colormap="viridis")
    doc.select_filter(0)
    assert doc.layers[0] is layer
    assert doc.undo_label() is None


def test_a_refused_edit_keeps_the_layer() -> None:
    doc = Document()
    layer = doc.layers[0]
    with pytest.raises(EditError):
        doc.set_spec(ConvSpec(1, (7, 7)))
    with pytest.raises(EditError):
        doc.apply_layer(ConvSpec(2, (3, 3)), np.ones((3, 3, 1, 1)), np.zeros(2))
    assert doc.layers == (layer,)


def test_input_edits_leave_the_layer_alone() -> None:
    doc = Document()
    layer = doc.layers[0]
    doc.paint_cells([(0, 0)], 1.0)
    doc.set_input(np.zeros((6, 6, 1), np.float32))
    doc.replace_input(np.ones((4, 4), np.float32), "grey")  # same channels: kernels stay
    assert doc.layers[0] is layer
    _layer_is_the_document(doc)


def test_to_session_and_load_convert_the_layer_list() -> None:
    doc = Document()
    doc.set_spec(ConvSpec(2, (2, 2), strides=2, padding="same"))
    doc.set_weight(1, 0, 1, 3.0)
    session = doc.to_session()
    assert (session.spec, session.kernels.tobytes(), session.bias.tobytes()) == (
        doc.spec, doc.kernels.tobytes(), doc.bias.tobytes()
    )
    other = Document(session)
    assert len(other.layers) == 1
    assert other.selected_layer == 0
    _layer_is_the_document(other)
    assert other.kernels.tobytes() == doc.kernels.tobytes()
    fresh = Document()
    fresh.load(session)
    _layer_is_the_document(fresh)
    assert fresh.to_session() == session


def test_undo_restores_the_very_layer_objects() -> None:
    doc = Document()
    first = doc.layers
    doc.set_spec(ConvSpec(2, (3, 3)))
    second = doc.layers
    doc.set_weight(1, 0, 0, 4.0)
    doc.undo()
    assert doc.layers is second
    doc.undo()
    assert doc.layers is first
    _layer_is_the_document(doc)
    doc.redo()
    doc.redo()
    assert doc.kernels[0, 0, 0, 1] == 4.0
    _layer_is_the_document(doc)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (ConvSpec(1, (13, 13)), "kernel_size: expected two whole numbers from 1 to 11"),
        (ConvSpec(1, (3, 3), strides=1025), "strides: expected two whole numbers from 1 to 1024"),
        (ConvSpec(1, (11, 11), dilation_rate=200), "spans 2001x2001 cells"),
    ],
)
def test_every_layer_path_keeps_the_scene_limits(spec: ConvSpec, message: str) -> None:
    """A layer the session format would refuse is refused by the document too, so it can be saved."""
    doc = Document(Session(np.zeros((1024, 1024, 1), np.float32), np.zeros((3, 3, 1, 1), np.float32),
                           np.zeros(1, np.float32), ConvSpec(1, (3, 3))))
    before = doc.to_session()
    kernels = np.zeros((*spec.kernel_size, 1, 1), np.float32)
    for edit in (lambda: doc.set_spec(spec), lambda: doc.apply_layer(spec, kernels, np.zeros(1, np.float32))):
        with pytest.raises(EditError, match=message):
            edit()
        assert doc.to_session() == before


def test_a_version_2_scene_keeps_its_layer_name_and_class_names_through_edits() -> None:
    import json

    from kernelscope.files.sessions import dumps_session, loads_session, session_to_dict

    d = session_to_dict(default_session())
    d["layers"][0]["config"]["name"] = "line_detector"
    d["class_names"] = ["an X"]
    doc = Document(loads_session(json.dumps(d)))
    doc.set_weight(0, 0, 0, 2.0)
    saved = json.loads(dumps_session(doc.to_session()))
    assert saved["layers"][0]["config"]["name"] == "line_detector"
    assert saved["class_names"] == ["an X"]


def test_a_stack_loads_with_every_layer_computed_and_saves_back() -> None:
    from kernelscope.core.scene import Session as Scene

    stack = Scene(input=np.zeros((8, 8, 1), np.float32), layers=[
        {"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": [3, 3]}},
        {"class_name": "MaxPooling2D", "config": {}},
    ])
    doc = Document()
    doc.load(stack)
    assert [r.output.shape for r in doc.results] == [(6, 6, 2), (3, 3, 2)]
    assert doc.layer_names == ("conv2d", "max_pooling2d")
    assert doc.problem is None
    assert doc.to_session() == stack
