"""The arithmetic of one step, written as the article writes it, and every number true to the trace."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernelscope.core import engine
from kernelscope.core.arithmetic import Group, StepText, format_number, groups_text, plain_text, step_text

LINE_KERNEL = np.array([[1, 1, 1], [-1, -1, -1], [1, 1, 1]], np.float32).reshape(3, 3, 1, 1)
ARTICLE_FIRST_WINDOW = (
    "-1 x 1 = -1",
    "1 x 1 = 1",
    "1 x 1 = 1",
    "1 x -1 = -1",
    "-1 x -1 = 1",
    "1 x -1 = -1",
    "1 x 1 = 1",
    "1 x 1 = 1",
    "-1 x 1 = -1",
)
PRODUCT = re.compile(r"^\s*(\S+)( \(pad\))? x\s+(\S+) =\s+(\S+)$")


def article_x() -> np.ndarray:
    """The article's 5x5 X: black -1 on white +1."""
    x = np.ones((5, 5), np.float32)
    for i in range(5):
        x[i, i] = x[i, 4 - i] = -1
    return x


def article_result(**spec: object) -> engine.ConvResult:
    bias = spec.pop("bias", 0.0)
    return engine.compute(article_x(), LINE_KERNEL, np.array([bias], np.float32), engine.ConvSpec(**spec))  # type: ignore[arg-type]


def product_lines(text: StepText) -> list[str]:
    return [line for g in text.groups for line in g.lines if PRODUCT.match(line)]


def parsed(line: str) -> tuple[float, bool, float, float]:
    m = PRODUCT.match(line)
    assert m, line
    return float(m[1]), bool(m[2]), float(m[3]), float(m[4])


def num(text: str) -> float:
    return float(text.strip("()"))


# ------------------------------------------------------------------ the article's first window


def test_article_first_window_is_nine_lines_as_the_article_writes_them() -> None:
    text = step_text(article_result().trace(0, 0, 0))
    assert text.title == "filter 1, output row 0, column 0"
    assert len(text.groups) == 1
    assert text.groups[0].heading == ""
    assert text.groups[0].lines == ARTICLE_FIRST_WINDOW
    assert text.summary[0] == "SUM = 1"
    assert text.summary == ("SUM = 1", "+ bias 0 = 1")  # linear: no activation line


def test_article_first_window_with_relu() -> None:
    text = step_text(article_result(activation="relu").trace(0, 0, 0))
    assert text.summary == ("SUM = 1", "+ bias 0 = 1", "relu -> 1")


def test_relu_of_a_negative_sum_is_zero() -> None:
    # The centre window of the X under the line kernel sums to -3 (the article's map centre).
    text = step_text(article_result(activation="relu").trace(0, 1, 1))
    assert text.title == "filter 1, output row 1, column 1"
    assert text.summary == ("SUM = -3", "+ bias 0 = -3", "relu -> 0")


def test_bias_is_added_after_the_sum() -> None:
    text = step_text(article_result(bias=-0.5, activation="sigmoid").trace(0, 0, 0))
    assert text.summary == ("SUM = 1", "+ bias -0.5 = 0.5", "sigmoid -> 0.6225")
    text = step_text(article_result(activation="sigmoid").trace(0, 0, 0))
    assert text.summary[-1] == "sigmoid -> 0.7311"


def test_no_bias_is_said_in_words() -> None:
    result = article_result(use_bias=False, activation="relu")
    text = step_text(result.trace(0, 1, 1), use_bias=False)
    assert text.summary == ("SUM = -3", "no bias", "relu -> 0")


def test_same_padding_taps_read_zero_and_say_so() -> None:
    text = step_text(article_result(padding="same").trace(0, 0, 0))
    assert text.groups[0].lines == (
        "0 (pad) x 1 = 0",
        "0 (pad) x 1 = 0",
        "0 (pad) x 1 = 0",
        "0 (pad) x -1 = 0",  # 0 x -1 is -0 in float32: printed 0
        "-1 x -1 = 1",
        "1 x -1 = -1",
        "0 (pad) x 1 = 0",
        "1 x 1 = 1",
        "-1 x 1 = -1",
    )
    assert text.summary[0] == "SUM = 0"


def test_plain_text_is_title_products_summary() -> None:
    text = step_text(article_result(activation="relu").trace(0, 0, 0))
    assert plain_text(text) == "\n".join(
        ["filter 1, output row 0, column 0", "", *ARTICLE_FIRST_WINDOW, "", "SUM = 1", "+ bias 0 = 1", "relu -> 1"]
    )


def test_aligned_lines_line_up_and_say_the_same() -> None:
    text = step_text(article_result(padding="same").trace(0, 0, 0))
    group = text.groups[0]
    assert len(group.aligned) == len(group.lines)
    assert len({len(line) for line in group.aligned}) == 1
    assert len({line.index(" x ") for line in group.aligned}) == 1
    assert len({line.index(" = ") for line in group.aligned}) == 1
    for plain, aligned in zip(group.lines, group.aligned, strict=True):
        assert aligned.split() == plain.split()
    assert groups_text(text, aligned=True) == "\n".join(group.aligned)
    assert groups_text(text) == "\n".join(group.lines)


# ------------------------------------------------------------------ several channels


def rgb_result() -> engine.ConvResult:
    """3x3x3 input of whole numbers so every sum is exact: channel sums 9, -18, 0.5 * 9."""
    x = np.stack([np.full((3, 3), 1.0), np.full((3, 3), 2.0), np.full((3, 3), 0.5)], axis=-1)
    k = np.stack([np.ones((3, 3)), -np.ones((3, 3)), np.ones((3, 3))], axis=-1)[..., None]
    return engine.compute(x, k, np.array([1.0]), engine.ConvSpec(activation="relu"))


def test_channels_are_grouped_with_their_sums() -> None:
    text = step_text(rgb_result().trace(0, 0, 0), ("R", "G", "B"))
    assert [g.heading for g in text.groups] == ["channel R", "channel G", "channel B"]
    for group, (line, total) in zip(
        text.groups, [("1 x 1 = 1", "sum = 9"), ("2 x -1 = -2", "sum = -18"), ("0.5 x 1 = 0.5", "sum = 4.5")],
        strict=True,
    ):
        assert group.lines == (line,) * 9 + (total,)
    assert text.summary == ("SUM = 9 + (-18) + 4.5 = -4.5", "+ bias 1 = -3.5", "relu -> 0")


def test_channel_headings_default_to_numbers() -> None:
    text = step_text(rgb_result().trace(0, 0, 0))
    assert [g.heading for g in text.groups] == ["channel 1", "channel 2", "channel 3"]
    assert "channel 2\n2 x -1 = -2" in groups_text(text)
    with pytest.raises(ValueError, match="2 channel names for 3 channels"):
        step_text(rgb_result().trace(0, 0, 0), ("R", "G"))


def test_a_7x7x3_window_gives_147_products_grouped_by_channel_and_kernel_row() -> None:
    rng = np.random.default_rng(7)
    result = engine.compute(
        rng.random((9, 9, 3), dtype=np.float32), rng.normal(size=(7, 7, 3, 2)).astype(np.float32),
        np.array([0.25, -1.0], np.float32), engine.ConvSpec(filters=2, kernel_size=7, padding="same"),
    )
    text = step_text(result.trace(1, 2, 3), "RGB")
    assert text.title == "filter 2, output row 2, column 3"
    assert len(product_lines(text)) == 147
    assert len(text.groups) == 3
    for group in text.groups:
        # Seven blocks of seven products separated by blank lines, then the channel's sum.
        blocks = "\n".join(group.lines[:-1]).split("\n\n")
        assert [len(b.splitlines()) for b in blocks] == [7] * 7
        assert group.lines[-1].startswith("sum = ")
    assert text.summary[0].startswith("SUM = ")
    assert text.summary[0].count(" + ") == 2
    assert any("(pad)" in line for line in product_lines(text))


# ------------------------------------------------------------------ numbers true to the trace


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (-1, "-1"),
        (5, "5"),
        (0, "0"),
        (-0.0, "0"),
        (1.0, "1"),
        (-3.0, "-3"),
        (0.25, "0.25"),
        (-0.123456, "-0.1235"),
        (0.5, "0.5"),
        (2 / 3, "0.6667"),
        (1.5e-5, "1.5e-05"),
        (-2.5e-7, "-2.5e-07"),
        (0.00123456, "0.001235"),
        (1.23456, "1.235"),
        (12.3456, "12.35"),
        (123.456, "123.5"),
        (1234.56, "1234.6"),
        (12345.67, "12345.7"),
        (100.5, "100.5"),
        (np.float32(0.1), "0.1"),
        (np.float32(-0.7), "-0.7"),
        (1e20, "1e+20"),
        (123456789.0, "123456789"),
        (float("nan"), "nan"),
        (float("-inf"), "-inf"),
    ],
)
def test_format_number(value: float, text: str) -> None:
    assert format_number(value) == text


@given(st.floats(allow_nan=False, allow_infinity=False, width=32))
def test_format_number_reads_back_within_four_significant_digits(value: float) -> None:
    back = float(format_number(value))
    assert back == pytest.approx(value, rel=5.1e-4, abs=1e-300)


@pytest.mark.parametrize(
    ("shape", "spec"),
    [
        ((6, 6, 1), engine.ConvSpec(kernel_size=3, activation="tanh")),
        ((7, 5, 3), engine.ConvSpec(filters=2, kernel_size=(2, 4), padding="same", activation="relu")),
        ((9, 9, 2), engine.ConvSpec(kernel_size=3, dilation_rate=2, activation="softplus")),
        ((8, 8, 3), engine.ConvSpec(kernel_size=5, strides=2, padding="same", activation="linear")),
    ],
)
def test_every_number_parses_back_to_the_trace(shape: tuple[int, int, int], spec: engine.ConvSpec) -> None:
    rng = np.random.default_rng(sum(shape))
    x = (rng.normal(size=shape) * 3).astype(np.float32)
    k = rng.normal(size=(*spec.kernel_size, shape[2], spec.filters)).astype(np.float32)
    b = rng.normal(size=spec.filters).astype(np.float32)
    result = engine.compute(x, k, b, spec)
    oh, ow, _ = result.out_shape
    for f, i, j in [(0, 0, 0), (spec.filters - 1, oh - 1, ow - 1), (0, oh // 2, ow // 2)]:
        trace = result.trace(f, i, j)
        text = step_text(trace)
        c = shape[2]
        seen = []
        for ch, group in enumerate(text.groups):
            lines = [line for line in group.lines if PRODUCT.match(line)]
            seen.extend((*parsed(line), ch) for line in lines)
            if c > 1:
                assert num(group.lines[-1].removeprefix("sum = ")) == pytest.approx(trace.channel_sums[ch], rel=6e-4)
        kh, kw = spec.kernel_size
        assert len(seen) == kh * kw * c
        for n, (inp, pad, w, prod, ch) in enumerate(seen):
            r, col = divmod(n % (kh * kw), kw)
            assert ch == n // (kh * kw)
            assert pad == bool(trace.is_padding[r, col])
            assert inp == pytest.approx(trace.inputs[r, col, ch], rel=6e-4, abs=1e-30)
            assert w == pytest.approx(trace.weights[r, col, ch], rel=6e-4, abs=1e-30)
            assert prod == pytest.approx(trace.products[r, col, ch], rel=6e-4, abs=1e-30)
        sum_line = text.summary[0]
        assert num(sum_line.rsplit(" = ", 1)[1]) == pytest.approx(trace.total, rel=6e-4, abs=1e-30)
        if c > 1:
            terms = sum_line.removeprefix("SUM = ").rsplit(" = ", 1)[0].split(" + ")
            assert [num(t) for t in terms] == pytest.approx(trace.channel_sums.tolist(), rel=6e-4)
        bias_text, pre_text = text.summary[1].removeprefix("+ bias ").split(" = ")
        assert num(bias_text) == pytest.approx(trace.bias, rel=6e-4)
        assert num(pre_text) == pytest.approx(trace.pre_activation, rel=6e-4, abs=1e-30)
        if spec.activation == "linear":
            assert len(text.summary) == 2
        else:
            name, value = text.summary[2].split(" -> ")
            assert name == spec.activation
            assert num(value) == pytest.approx(trace.value, rel=6e-4, abs=1e-30)


def test_step_text_is_frozen() -> None:
    text = step_text(article_result().trace(0, 0, 0))
    with pytest.raises(AttributeError):
        text.title = "x"  # type: ignore[misc]
    assert isinstance(text.groups[0], Group)
