"""Receptive fields against the engine itself: light one cell, see which downstream cells change."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kernelscope.core.engine import Layer, LayerError
from kernelscope.core.engine.stack import StackEntry, normalize
from kernelscope.core.receptive_field import Region, receptive_field, receptive_field_size

PROPERTY = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.filter_too_much])


def conv(channels: int, filters: int = 1, **config: Any) -> dict[str, Any]:
    """A linear Conv2D of all-one weights: every input it reads raises every output it makes."""
    config = {"filters": filters, "kernel_size": 3, **config}
    k = config["kernel_size"]
    kh, kw = (k, k) if isinstance(k, int) else k
    weights = [np.ones((kh, kw, channels, filters), np.float32), np.zeros(filters, np.float32)]
    return {"class_name": "Conv2D", "config": config, "weights": weights}


def entries_of(layers: list[dict[str, Any]], shape: tuple[int, int, int]) -> tuple[StackEntry, ...]:
    return normalize(layers, shape)


def engine_layers(entries: tuple[StackEntry, ...]) -> list[Layer]:
    return [e.layer for e in entries]


def brute_force(entries: tuple[StackEntry, ...], level: int, upto: int) -> dict[tuple[int, int], set[tuple[int, int]]]:
    """For every output cell (row, col) of layer ``upto``: the cells of level ``level`` (the input of
    layer ``level``) whose lighting (1 on a dark, zero map, every channel) changes it."""
    shape = entries[level].input_shape
    out_shape = entries[upto].output_shape
    depends: dict[tuple[int, int], set[tuple[int, int]]] = {
        (r, c): set() for r in range(out_shape[0]) for c in range(out_shape[1])
    }
    for r in range(shape[0]):
        for c in range(shape[1]):
            x = np.zeros(shape, np.float32)
            x[r, c, :] = 1
            for entry in entries[level : upto + 1]:
                x = entry.layer.forward(x).output
            lit = np.argwhere(np.abs(x).max(axis=2) > 0)
            for i, j in lit.tolist():
                depends[(i, j)].add((r, c))
    return depends


@st.composite
def stacks(draw: st.DrawFn, valid_only: bool = False) -> tuple[list[dict[str, Any]], tuple[int, int, int]]:
    shape = (draw(st.integers(3, 10)), draw(st.integers(3, 10)), draw(st.integers(1, 2)))
    channels = shape[2]
    layers: list[dict[str, Any]] = []
    paddings = ["valid"] if valid_only else ["valid", "same"]
    kinds = ["Conv2D", "MaxPooling2D", "AveragePooling2D", "ReLU"] + ([] if valid_only else ["ZeroPadding2D"])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(kinds))
        if kind == "Conv2D":
            strides = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
            dilation = (1, 1) if max(strides) > 1 else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
            filters = draw(st.integers(1, 2))
            layers.append(conv(channels, filters, kernel_size=(draw(st.integers(1, 3)), draw(st.integers(1, 3))),
                               strides=strides, dilation_rate=dilation, padding=draw(st.sampled_from(paddings))))
            channels = filters
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            config = {"pool_size": (draw(st.integers(1, 3)), draw(st.integers(1, 3))),
                      "strides": (draw(st.integers(1, 3)), draw(st.integers(1, 3))),
                      "padding": draw(st.sampled_from(paddings))}
            layers.append({"class_name": kind, "config": config})
        elif kind == "ZeroPadding2D":
            pads = [[draw(st.integers(0, 2)), draw(st.integers(0, 2))] for _ in range(2)]
            layers.append({"class_name": kind, "config": {"padding": pads}})
        else:
            layers.append({"class_name": "ReLU", "config": {}})
    return layers, shape


def fitting(case: tuple[list[dict[str, Any]], tuple[int, int, int]]) -> tuple[StackEntry, ...]:
    layers, shape = case
    try:
        return entries_of(layers, shape)
    except LayerError:
        assume(False)
        raise


@PROPERTY
@given(stacks())
def test_every_level_matches_the_cells_that_change(case: tuple[list[dict[str, Any]], tuple[int, int, int]]) -> None:
    entries = fitting(case)
    layers, shape = engine_layers(entries), case[1]
    last = len(entries) - 1
    cells = np.ndindex(*entries[-1].output_shape[:2])
    fields = {cell: receptive_field(layers, shape, last, (*cell, 0)) for cell in cells}
    for level in range(len(entries)):
        truth = brute_force(entries, level, last)
        for cell, regions in fields.items():
            assert len(regions) == len(entries)
            region = regions[level]
            assert region.shape == entries[level].input_shape
            assert region.cells() == truth[cell], (level, cell)
            assert list(region.rows) == sorted(set(region.rows.tolist()))
            assert list(region.cols) == sorted(set(region.cols.tolist()))
            h, w = region.shape[:2]
            assert region.everything == (len(truth[cell]) == h * w)


@PROPERTY
@given(stacks(valid_only=True))
def test_without_padding_every_span_is_the_textbook_size(
    case: tuple[list[dict[str, Any]], tuple[int, int, int]],
) -> None:
    entries = fitting(case)
    layers, shape = engine_layers(entries), case[1]
    last = len(entries) - 1
    size = receptive_field_size(layers, shape, last)
    truth = brute_force(entries, 0, last)
    for cells in truth.values():
        rows, cols = {r for r, _ in cells}, {c for _, c in cells}
        assert (max(rows) - min(rows) + 1, max(cols) - min(cols) + 1) == size


@pytest.mark.parametrize(
    ("layers", "size"),
    [
        ([conv(1)], (3, 3)),
        ([conv(1), conv(1)], (5, 5)),
        ([conv(1), conv(1), conv(1)], (7, 7)),
        ([conv(1, dilation_rate=2)], (5, 5)),
        ([conv(1, kernel_size=(3, 5), dilation_rate=(1, 2))], (3, 9)),
        ([conv(1), {"class_name": "MaxPooling2D", "config": {}}, conv(1)], (8, 8)),
        ([conv(1, strides=2), conv(1, strides=2), conv(1)], (15, 15)),
        ([{"class_name": "ZeroPadding2D", "config": {"padding": 2}}, {"class_name": "ReLU", "config": {}},
          {"class_name": "AveragePooling2D", "config": {"pool_size": 3, "strides": 1}}], (3, 3)),
    ],
)
def test_the_textbook_formula(layers: list[dict[str, Any]], size: tuple[int, int]) -> None:
    """r = 1 + sum((k_i - 1) * d_i * prod(strides before i)); a centre cell of a large same-padded
    input spans exactly that many rows and columns."""
    shape = (41, 41, 1)
    same = [dict(e, config={**e["config"], "padding": "same"}) if e["class_name"] == "Conv2D" else e for e in layers]
    entries = entries_of(same, shape)
    out = entries[-1].output_shape
    regions = receptive_field(engine_layers(entries), shape, len(entries) - 1, (out[0] // 2, out[1] // 2, 0))
    assert receptive_field_size(engine_layers(entries), shape, len(entries) - 1) == size
    rows, cols = regions[0].rows, regions[0].cols
    assert (rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1) == size


def test_dilation_leaves_gaps() -> None:
    entries = entries_of([conv(1, dilation_rate=(2, 3))], (9, 9, 1))
    (region,) = receptive_field(engine_layers(entries), (9, 9, 1), 0, (1, 2, 0))
    assert region.rows.tolist() == [1, 3, 5]
    assert region.cols.tolist() == [2, 5, 8]
    assert not region.everything
    assert region.cells() == {(r, c) for r in (1, 3, 5) for c in (2, 5, 8)}


def test_padding_is_left_out() -> None:
    shape = (4, 4, 1)
    layers = [{"class_name": "ZeroPadding2D", "config": {"padding": 1}}, conv(1, kernel_size=2)]
    entries = entries_of(layers, shape)
    regions = receptive_field(engine_layers(entries), shape, 1, (0, 0, 0))
    assert regions[1].cells() == {(0, 0), (0, 1), (1, 0), (1, 1)}  # padded map: its corner
    assert regions[0].cells() == {(0, 0)}  # only the real cell under it
    assert regions[1].shape == (6, 6, 1)


def test_flatten_reads_one_cell_and_dense_reads_everything() -> None:
    shape = (4, 5, 3)
    layers = [conv(3, 2), {"class_name": "Flatten", "config": {}}, {"class_name": "Dropout", "config": {"rate": 0.5}},
              {"class_name": "Dense", "config": {"units": 4, "activation": "softmax"}}]
    entries = entries_of(layers, shape)
    net = engine_layers(entries)
    flat = receptive_field(net, shape, 1, (7,))  # conv output (1, 0, 1): 3 values a row, 2 channels
    assert flat[1].cells() == {(1, 0)}
    assert flat[0].cells() == {(r, c) for r in (1, 2, 3) for c in (0, 1, 2)}
    dropped = receptive_field(net, shape, 2, (7,))
    assert dropped[2].everything
    assert dropped[2].shape == (12,)
    assert dropped[1].cells() == {(1, 0)}
    dense = receptive_field(net, shape, 3, (2,))
    assert len(dense) == 4
    assert [r.everything for r in dense] == [True] * 4
    assert dense[0].cells() == {(r, c) for r in range(4) for c in range(5)}
    assert dense[3].cells() == set()  # a vector has no map cells
    assert dense[3].rows.size == dense[3].cols.size == 0
    assert receptive_field_size(net, shape, 3) == (4, 5)
    assert receptive_field_size(net, shape, 1) == (3, 3)


def test_global_pooling_and_dense_on_maps() -> None:
    shape = (6, 6, 2)
    layers = [{"class_name": "Dense", "config": {"units": 3}},
              {"class_name": "GlobalMaxPooling2D", "config": {"keepdims": True}},
              {"class_name": "Activation", "config": {"activation": "softmax"}}]
    entries = entries_of(layers, shape)
    net = engine_layers(entries)
    per_position = receptive_field(net, shape, 0, (2, 4, 1))
    assert per_position[0].cells() == {(2, 4)}
    assert receptive_field_size(net, shape, 0) == (1, 1)
    pooled = receptive_field(net, shape, 2, (0, 0, 2))
    assert isinstance(pooled[0], Region)
    assert pooled[2].cells() == {(0, 0)}
    assert pooled[1].everything
    assert pooled[0].everything
    assert len(pooled[0].cells()) == 36
    assert receptive_field_size(net, shape, 2) == (6, 6)


def test_refusals() -> None:
    shape = (5, 5, 1)
    net = engine_layers(entries_of([conv(1)], shape))
    with pytest.raises(ValueError, match="layer 1 is outside"):
        receptive_field(net, shape, 1, (0, 0, 0))
    with pytest.raises(ValueError, match="no output cell"):
        receptive_field(net, shape, 0, (3, 0, 0))
    with pytest.raises(ValueError, match="no output cell"):
        receptive_field(net, shape, 0, (0, 0))
    with pytest.raises(ValueError, match="height, width, channels"):
        receptive_field(net, (5, 5), 0, (0, 0, 0))  # type: ignore[arg-type]
