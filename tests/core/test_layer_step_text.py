"""Every layer's step written out: the numbers are the trace's, the last one is the output cell."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kernelscope.core.arithmetic import format_number, plain_text, step_text
from kernelscope.core.engine import ConvResult, DenseResult, LayerOutput, PoolResult
from kernelscope.core.engine.stack import forward_results, normalize
from kernelscope.core.layer_step_text import cell_of, layer_step_text, step_of, steps_of

PROPERTY = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.filter_too_much])
CELL = re.compile(r"^input \(\s*(-?\d+), (-?\d+)\) = (\S+)(  <- max)?$")
DENSE_TERM = re.compile(r"^x\[(\d+)\] (\S+) x w (\S+) = (\S+)$")


def results_of(x: np.ndarray, layers: list[dict[str, Any]]) -> list[LayerOutput]:
    return forward_results(x, normalize(layers, x.shape))


def final_number(lines: tuple[str, ...]) -> str:
    """The last number a step writes: after the last ``=`` or ``->`` of its last line that has one
    (Conv2D without a bias ends in ``no bias``)."""
    last = [line for line in lines if " = " in line or " -> " in line][-1]
    return re.split(r" = | -> ", last)[-1]


def every_cell(result: LayerOutput) -> list[tuple[int, ...]]:
    return [tuple(int(i) for i in index) for index in np.ndindex(*result.output.shape)]


def image(seed: int, shape: tuple[int, ...], whole: bool = False) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if whole:  # small integers: ties for max pooling, exact sums
        return rng.integers(-4, 5, shape).astype(np.float32)
    return rng.standard_normal(shape).astype(np.float32)


def naive_same_split(n: int, k: int, s: int) -> tuple[int, int]:
    out = math.ceil(n / s)
    total = max((out - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def naive_window(x: np.ndarray, pool: tuple[int, int], strides: tuple[int, int], padding: str,
                 index: tuple[int, int, int]) -> list[tuple[int, int, float]]:
    """The real cells of one pooling window, row-major, from Keras's rules (no engine code)."""
    h, w, _ = x.shape
    i, j, ch = index
    top = naive_same_split(h, pool[0], strides[0])[0] if padding == "same" else 0
    left = naive_same_split(w, pool[1], strides[1])[0] if padding == "same" else 0
    return [
        (r, q, float(x[r, q, ch]))
        for r in range(i * strides[0] - top, i * strides[0] - top + pool[0])
        for q in range(j * strides[1] - left, j * strides[1] - left + pool[1])
        if 0 <= r < h and 0 <= q < w
    ]


# --------------------------------------------------------------------------- Conv2D


@st.composite
def conv_cases(draw: st.DrawFn) -> tuple[np.ndarray, dict[str, Any], bool]:
    """A Conv2D entry; whole-number inputs and weights when ``whole`` (every sum then exact)."""
    h, w, c = draw(st.integers(2, 7)), draw(st.integers(2, 7)), draw(st.integers(1, 6))
    k = draw(st.integers(1, 3))
    padding = draw(st.sampled_from(["valid", "same"]))
    if padding == "valid":
        assume(k <= min(h, w))
    filters, use_bias, whole = draw(st.integers(1, 3)), draw(st.booleans()), draw(st.booleans())
    config = {"filters": filters, "kernel_size": k, "strides": draw(st.integers(1, 2)), "padding": padding,
              "activation": draw(st.sampled_from([None, "relu", "tanh"])), "use_bias": use_bias}
    seed = draw(st.integers(0, 2**32 - 1))
    weights = [image(seed + 1, (k, k, c, filters), whole)] + ([image(seed + 2, (filters,), whole)] if use_bias else [])
    entry = {"class_name": "Conv2D", "config": config, "weights": weights}
    return image(seed, (h, w, c), whole), entry, whole


@PROPERTY
@given(conv_cases())
def test_a_conv2d_step_ends_in_its_output_cell(case: tuple[np.ndarray, dict[str, Any], bool]) -> None:
    x, entry, whole = case
    (result,) = results_of(x, [entry])
    assert isinstance(result, ConvResult)
    channels = x.shape[2]
    for index in every_cell(result):
        text = layer_step_text(result, index)
        trace = result.trace(index[2], index[0], index[1])
        assert final_number(text.summary) == format_number(trace.value)
        # The trace sums in float64, the maps in float32: one rounding apart, exact on whole numbers.
        if whole and entry["config"]["activation"] != "tanh":
            assert trace.value == result.output[index]
        else:
            # float32 rounding scales with the terms summed, not with their (possibly cancelling) total
            scale = 1.0 + float(np.abs(trace.products).sum()) + abs(trace.bias)
            assert trace.value == pytest.approx(float(result.output[index]), rel=1e-5, abs=2e-6 * scale)
        if channels <= 3:  # delegated: the article's products, unchanged
            assert text == step_text(trace, use_bias=entry["config"]["use_bias"])
        else:
            (group,) = text.groups
            assert group.lines == tuple(
                f"channel {ch + 1}: sum = {format_number(s)}" for ch, s in enumerate(trace.channel_sums.tolist())
            )
            assert text.summary[0] == f"SUM = {format_number(trace.total)}"


def test_many_channels_collapse_to_one_sum_each_unless_asked_not_to() -> None:
    x = image(1, (5, 5, 8), whole=True)
    (result,) = results_of(x, [{"class_name": "Conv2D", "config": {"filters": 2, "kernel_size": 3,
                                                                    "activation": "relu"}}])
    trace = result.trace_cell((1, 2, 1))
    names = [f"c{i}" for i in range(8)]
    collapsed = layer_step_text(result, (1, 2, 1), channel_names=names)
    assert collapsed.title == "filter 2, output row 1, column 2"
    assert collapsed.groups[0].lines[5] == f"channel c5: sum = {format_number(float(trace.channel_sums[5]))}"
    assert " x " not in plain_text(collapsed)  # no products
    assert collapsed.summary == (
        f"SUM = {format_number(trace.total)}",
        f"+ bias {format_number(trace.bias)} = {format_number(trace.pre_activation)}",
        f"relu -> {format_number(trace.value)}",
    )
    # The aligned lines say the same, padded.
    assert [" ".join(a.split()) for a in collapsed.groups[0].aligned] == list(collapsed.groups[0].lines)
    full = layer_step_text(result, (1, 2, 1), channel_names=names, collapse_channels=False)
    assert full == step_text(trace, names)
    assert len(full.groups) == 8


def test_few_channels_collapse_only_when_asked() -> None:
    x = image(2, (4, 4, 2))
    (result,) = results_of(x, [{"class_name": "Conv2D", "config": {"filters": 1, "kernel_size": 2,
                                                                    "use_bias": False}}])
    trace = result.trace_cell((0, 0, 0))
    assert layer_step_text(result, (0, 0, 0)) == step_text(trace, use_bias=False)
    collapsed = layer_step_text(result, (0, 0, 0), collapse_channels=True)
    assert len(collapsed.groups[0].lines) == 2
    assert collapsed.summary[1] == "no bias"
    with pytest.raises(ValueError, match="3 channel names for 2 channels"):
        layer_step_text(result, (0, 0, 0), channel_names=["a", "b", "c"], collapse_channels=True)


# --------------------------------------------------------------------------- pooling


@st.composite
def pooling_cases(draw: st.DrawFn) -> tuple[np.ndarray, str, tuple[int, int], tuple[int, int], str]:
    h, w, c = draw(st.integers(1, 8)), draw(st.integers(1, 8)), draw(st.integers(1, 2))
    pool = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    strides = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = draw(st.sampled_from(["valid", "same"]))
    if padding == "valid":
        assume(pool[0] <= h and pool[1] <= w)
    x = image(draw(st.integers(0, 2**32 - 1)), (h, w, c), whole=draw(st.booleans()))
    return x, draw(st.sampled_from(["max", "average"])), pool, strides, padding


@PROPERTY
@given(pooling_cases())
def test_a_pooling_step_lists_its_window_and_ends_in_the_output(
    case: tuple[np.ndarray, str, tuple[int, int], tuple[int, int], str],
) -> None:
    x, kind, pool, strides, padding = case
    class_name = "MaxPooling2D" if kind == "max" else "AveragePooling2D"
    config = {"pool_size": pool, "strides": strides, "padding": padding}
    (result,) = results_of(x, [{"class_name": class_name, "config": config}])
    for index in every_cell(result):
        text = layer_step_text(result, index)
        assert final_number(text.summary) == format_number(float(result.output[index]))
        assert text.title == f"{kind} pooling, channel {index[2] + 1}, output row {index[0]}, column {index[1]}"
        real = naive_window(x, pool, strides, padding, index)  # type: ignore[arg-type]
        cells = [m for m in map(CELL.match, text.groups[0].lines) if m]
        assert len(cells) == pool[0] * pool[1]
        shown_real = [(int(m[1]), int(m[2]), m[3]) for m in cells if m[3] != "pad"]
        assert shown_real == [(r, q, format_number(v)) for r, q, v in real]
        pads = len(cells) - len(real)
        notes = [line for line in text.groups[0].lines if "left out" in line]
        assert len(notes) == (1 if pads else 0)
        if pads:
            assert notes[0].startswith(f"{pads} padding cell")
        values = ", ".join(format_number(v) for _, _, v in real)
        if kind == "max":
            winners = [(int(m[1]), int(m[2])) for m in cells if m[4]]
            best = max(v for _, _, v in real)
            assert winners == [next((r, q) for r, q, v in real if v == best)]  # the first largest real cell
            assert text.summary == (f"max({values}) = {format_number(float(result.output[index]))}",)
        else:
            assert text.summary[0].endswith(f") / {len(real)} = {format_number(float(result.output[index]))}")
            terms = text.summary[0][1 : text.summary[0].index(") / ")].split(" + ")
            assert [t.strip("()") for t in terms] == [format_number(v) for _, _, v in real]


@pytest.mark.parametrize("n", [4, 5, 6, 7])
def test_average_at_a_same_border_divides_by_the_real_cells(n: int) -> None:
    """Odd and even sizes: the bottom-right window of a 3x3 same pool holds 4 real cells (or 2x2 at odd stride 2)."""
    x = np.arange(1, n * n + 1, dtype=np.float32).reshape(n, n, 1)
    (result,) = results_of(x, [{"class_name": "AveragePooling2D",
                                "config": {"pool_size": 3, "strides": 2, "padding": "same"}}])
    last = result.output.shape[0] - 1
    text = layer_step_text(result, (last, last, 0))
    real = naive_window(x, (3, 3), (2, 2), "same", (last, last, 0))
    assert len(real) < 9
    assert text.summary[0] == (
        f"({' + '.join(format_number(v) for _, _, v in real)}) / {len(real)} = "
        f"{format_number(float(result.output[last, last, 0]))}"
    )
    assert f"left out: divided by the {len(real)} real cells, not 9" in text.groups[0].lines[-1]


def test_max_pooling_marks_the_winner_and_writes_padding_as_pad() -> None:
    x = -np.arange(1, 10, dtype=np.float32).reshape(3, 3, 1)
    (result,) = results_of(x, [{"class_name": "MaxPooling2D", "config": {"pool_size": 2, "padding": "same"}}])
    text = layer_step_text(result, (1, 1, 0), channel_names=["grey"])
    assert text.title == "max pooling, channel grey, output row 1, column 1"
    assert text.groups[0].lines == (
        "input (2, 2) = -9  <- max",
        "input (2, 3) = pad",
        "input (3, 2) = pad",
        "input (3, 3) = pad",
        "3 padding cells left out: padding never wins",
    )
    assert text.summary == ("max(-9) = -9",)
    assert text.groups[0].aligned[0] == "input (2, 2) =  -9  <- max"


def test_a_large_window_gets_blank_lines_between_its_rows() -> None:
    x = image(3, (8, 8, 1), whole=True)
    (result,) = results_of(x, [{"class_name": "AveragePooling2D", "config": {"pool_size": [3, 4]}}])
    text = layer_step_text(result, (0, 1, 0), most_terms=20)
    lines = text.groups[0].lines
    assert [i for i, line in enumerate(lines) if not line] == [4, 9]
    assert len(lines) == 12 + 2


# --------------------------------------------------------------------------- global pooling


def test_global_max_pooling_shows_the_largest_cells_and_counts_the_rest() -> None:
    x = image(4, (9, 8, 3))
    (result,) = results_of(x, [{"class_name": "GlobalMaxPooling2D", "config": {}}])
    text = layer_step_text(result, (2,), channel_names=["R", "G", "B"], most_terms=5)
    assert text.title == "global max pooling, channel B"
    lines = text.groups[0].lines
    assert text.groups[0].heading == "the 5 largest of 72 cells"
    assert lines[-1] == "... and 67 more cells"
    shown = [CELL.match(line) for line in lines[:-1]]
    values = sorted(x[:, :, 2].ravel().tolist(), reverse=True)[:5]
    assert [m[3] for m in shown if m] == [format_number(v) for v in values]
    for m in shown:
        assert m is not None
        assert float(x[int(m[1]), int(m[2]), 2]) in values
    assert shown[0] is not None
    assert shown[0][4]  # the winner leads, marked
    assert text.summary == (f"max of 72 cells = {format_number(float(result.output[2]))}",)


def test_global_average_pooling_sums_every_cell_exactly() -> None:
    x = image(5, (72, 72, 2), whole=True)
    (result,) = results_of(x, [{"class_name": "GlobalAveragePooling2D", "config": {"keepdims": True}}])
    assert isinstance(result, PoolResult)
    text = layer_step_text(result, (0, 0, 1))
    total = float(x[:, :, 1].astype(np.float64).sum())
    assert text.groups[0].lines[-1] == "... and 5,172 more cells"
    assert text.groups[0].heading == "the first 12 of 5,184 cells"
    assert [CELL.match(line)[3] for line in text.groups[0].lines[:12]] == [  # type: ignore[index]
        format_number(v) for v in x[0, :12, 1].tolist()
    ]
    assert text.summary == (
        f"SUM of 5,184 cells = {format_number(total)}",
        f"{format_number(total)} / 5,184 = {format_number(float(result.output[0, 0, 1]))}",
    )


def test_a_window_with_few_enough_cells_is_written_whole() -> None:
    x = image(6, (2, 3, 1))
    (result,) = results_of(x, [{"class_name": "GlobalAveragePooling2D", "config": {}}])
    text = layer_step_text(result, (0,))
    assert len(text.groups[0].lines) == 6
    assert text.summary[0].endswith(f"/ 6 = {format_number(float(result.output[0]))}")


# --------------------------------------------------------------------------- Dense


@st.composite
def dense_cases(draw: st.DrawFn) -> tuple[np.ndarray, dict[str, Any], int]:
    n, units = draw(st.integers(1, 40)), draw(st.integers(1, 6))
    activation = draw(st.sampled_from([None, "relu", "sigmoid", "softmax"]))
    x = image(draw(st.integers(0, 2**32 - 1)), (1, 1, n), whole=draw(st.booleans()))
    return x, {"units": units, "activation": activation}, draw(st.integers(1, 15))


@PROPERTY
@given(dense_cases())
def test_a_dense_step_lists_the_largest_products_and_sums_the_rest(
    case: tuple[np.ndarray, dict[str, Any], int],
) -> None:
    x, config, most = case
    bias = np.linspace(-1, 1, config["units"]).astype(np.float32)
    kernel = image(7, (x.shape[2], config["units"]))
    layers = [{"class_name": "Flatten", "config": {}},
              {"class_name": "Dense", "config": config, "weights": [kernel, bias]}]
    _, result = results_of(x, layers)
    assert isinstance(result, DenseResult)
    for index in every_cell(result):
        trace = result.trace_cell(index)
        text = layer_step_text(result, index, most_terms=most)
        assert text.title == f"unit {index[0] + 1}"
        assert final_number(text.summary) == format_number(float(result.output[index]))
        lines = text.groups[0].lines
        terms = [DENSE_TERM.match(line) for line in lines]
        shown = [m for m in terms if m]
        assert len(shown) == min(most, x.size)
        products = [abs(float(trace.products[int(m[1])])) for m in shown]
        assert products == sorted(products, reverse=True)
        assert min(products) >= np.abs(trace.products).max(initial=0, where=_rest_mask(trace.products, shown))
        for m in shown:
            i = int(m[1])
            assert m.groups()[1:] == tuple(map(format_number, (float(trace.inputs[i]), float(trace.weights[i]),
                                                                float(trace.products[i]))))
        rest = x.size - len(shown)
        if rest:
            more = re.fullmatch(r"\+ ([\d,]+) smaller terms? = (\S+)", lines[-1])
            assert more is not None
            assert int(more[1].replace(",", "")) == rest
            rest_sum = float(trace.products[_rest_mask(trace.products, shown)].astype(np.float64).sum())
            assert more[2] == format_number(rest_sum)
            shown_sum = sum(float(trace.products[int(m[1])]) for m in shown)
            assert shown_sum + rest_sum == pytest.approx(trace.total, rel=1e-5, abs=1e-5)
        else:
            assert len(lines) == len(shown)
        assert text.summary[:2] == (
            f"SUM = {format_number(trace.total)}",
            f"+ bias {format_number(trace.bias)} = {format_number(trace.pre_activation)}",
        )
        if config["activation"] == "softmax":
            assert trace.exponentials is not None
            assert trace.exp_sum is not None
            e, s = float(trace.exponentials[index[0]]), trace.exp_sum
            assert text.summary[2] == (f"softmax: exp(z - max) / sum of exp = {format_number(e)} / "
                                       f"{format_number(s)} = {format_number(float(result.output[index]))}")


def _rest_mask(products: np.ndarray, shown: list[re.Match[str]]) -> np.ndarray:
    mask = np.ones(products.shape, dtype=bool)
    mask[[int(m[1]) for m in shown]] = False
    return mask


def test_dense_titles_use_the_class_names() -> None:
    x = image(8, (3, 3, 1))
    layers = [{"class_name": "Flatten", "config": {}},
              {"class_name": "Dense", "config": {"units": 3, "activation": "softmax"}}]
    _, result = results_of(x, layers)
    text = layer_step_text(result, (2,), class_names=["cat", "dog", "bird"])
    assert text.title == "unit 3 (bird)"
    assert text.groups[0].heading == ""  # 9 inputs: all shown
    assert len(text.groups[0].lines) == 9
    with pytest.raises(ValueError, match="2 class names"):
        layer_step_text(result, (2,), class_names=["cat", "dog"])


def test_dense_on_maps_names_its_position() -> None:
    x = image(9, (3, 4, 2))
    (result,) = results_of(x, [{"class_name": "Dense", "config": {"units": 2, "activation": "relu"}}])
    text = layer_step_text(result, (1, 3, 0))
    assert text.title == "unit 1, row 1, column 3"
    assert final_number(text.summary) == format_number(float(result.output[1, 3, 0]))


def test_a_big_dense_layer_writes_twelve_terms_and_one_rest_line() -> None:
    x = image(10, (40, 40, 1))
    layers = [{"class_name": "Flatten", "config": {}}, {"class_name": "Dense", "config": {"units": 4}}]
    _, result = results_of(x, layers)
    text = layer_step_text(result, (3,))
    assert len(text.groups[0].lines) == 13
    assert text.groups[0].lines[-1].startswith("+ 1,588 smaller terms = ")
    assert text.groups[0].heading == "1,600 inputs, largest products first"
    assert len(text.summary) == 2  # linear: the pre-activation is the output


# --------------------------------------------------------------------------- elementwise


ELEMENTWISE = [
    ({"class_name": "Flatten", "config": {}}, (5, 4, 3)),
    ({"class_name": "Dropout", "config": {"rate": 0.3}}, (5, 4, 3)),
    ({"class_name": "Activation", "config": {"activation": "tanh"}}, (5, 4, 3)),
    ({"class_name": "Activation", "config": {"activation": "softmax"}}, (5, 4, 3)),
    ({"class_name": "ReLU", "config": {"negative_slope": 0.1, "max_value": 1.0}}, (5, 4, 3)),
    ({"class_name": "BatchNormalization", "config": {}}, (5, 4, 3)),
    ({"class_name": "ZeroPadding2D", "config": {"padding": [[1, 2], [0, 1]]}}, (3, 2, 3)),
    ({"class_name": "Rescaling", "config": {"scale": 0.5, "offset": -1}}, (5, 4, 3)),
]


@pytest.mark.parametrize(("entry", "shape"), ELEMENTWISE, ids=[e["class_name"] for e, _ in ELEMENTWISE])
def test_elementwise_steps_write_the_traces_formula(entry: dict[str, Any], shape: tuple[int, ...]) -> None:
    x = image(11, shape) * 3
    (result,) = results_of(x, [entry])
    for index in every_cell(result):
        text = layer_step_text(result, index, channel_names=["r", "g", "b"])
        trace = result.trace_cell(index)
        assert text.groups[0].lines == (trace.formula,)  # type: ignore[attr-defined]
        assert text.summary == (f"output = {format_number(float(result.output[index]))}",)
        assert text.title.startswith(entry["class_name"] + ", ")
        if len(index) == 3:
            name = "rgb"[index[2]]
            assert text.title.endswith(f"channel {name}, output row {index[0]}, column {index[1]}")
        else:
            assert text.title.endswith(f"output [{index[0]}]")


def test_elementwise_on_a_vector() -> None:
    x = image(12, (2, 2, 2))
    layers = [{"class_name": "Flatten", "config": {}}, {"class_name": "Activation", "config": {"activation": "relu"}}]
    _, result = results_of(x, layers)
    text = layer_step_text(result, (5,))
    assert text.title == "Activation, output [5]"
    assert final_number(text.summary) == format_number(float(result.output[5]))


# --------------------------------------------------------------------------- stepping and refusals


def test_maps_step_row_major_on_one_channel_and_vectors_unit_by_unit() -> None:
    x = image(13, (5, 7, 2))
    layers = [{"class_name": "Conv2D", "config": {"filters": 3, "kernel_size": 2, "strides": [1, 2]}},
              {"class_name": "Flatten", "config": {}}, {"class_name": "Dense", "config": {"units": 4}}]
    conv, flat, dense = results_of(x, layers)
    assert steps_of(conv) == 4 * 3
    assert cell_of(conv, 0, 2) == (0, 0, 2)
    assert cell_of(conv, 5, 1) == (1, 2, 1)
    assert [step_of(conv, cell_of(conv, s, 2)) for s in range(12)] == list(range(12))
    assert steps_of(flat) == 36
    assert steps_of(dense) == 4
    assert cell_of(dense, 3, 99) == (3,)
    assert [step_of(dense, cell_of(dense, s, 0)) for s in range(4)] == [0, 1, 2, 3]
    for bad in (-1, 12):
        with pytest.raises(ValueError, match="step"):
            cell_of(conv, bad, 0)
    with pytest.raises(ValueError, match="channel 3"):
        cell_of(conv, 0, 3)
    with pytest.raises(ValueError, match="no output cell"):
        step_of(conv, (4, 0, 0))
    with pytest.raises(ValueError, match="no output cell"):
        step_of(dense, (0, 0))


def test_refusals() -> None:
    x = image(14, (4, 4, 1))
    (result,) = results_of(x, [{"class_name": "MaxPooling2D", "config": {}}])
    with pytest.raises(ValueError, match="most_terms"):
        layer_step_text(result, (0, 0, 0), most_terms=0)
    with pytest.raises(ValueError, match="2 channel names for 1 channels"):
        layer_step_text(result, (0, 0, 0), channel_names=["a", "b"])
    with pytest.raises(TypeError, match="no step text"):
        layer_step_text(object(), (0,))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no output cell"):
        layer_step_text(result, (2, 0, 0))
