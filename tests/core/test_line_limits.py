"""A pasted line is held to the scene's limits before anything is built from it (issue 14, item 3):
a huge filters count once drew its random kernels first, for seconds and gigabytes."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from kernelscope.core import pasted_layer
from kernelscope.core.document import Document
from kernelscope.core.keras_syntax import LineError, parse_conv2d_line
from kernelscope.core.pasted_layer import paste_line, read_line
from kernelscope.core.scene import (
    MAX_DILATION,
    MAX_FILTERS,
    MAX_INPUT_SIDE,
    MAX_KERNEL_SIDE,
    MAX_KERNEL_SPAN,
    MAX_MAP_VALUES,
    MAX_STRIDE,
    default_session,
)

HUNDRED_DIGITS = "9" * 100


def no_photo(shape: tuple[int, int, int], value_mode: str) -> np.ndarray:
    raise AssertionError(f"the photo was loaded at {shape} for a line that is refused")


@pytest.fixture
def no_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drawing kernels is the allocation a refused line must never reach."""

    def refuse(*args: object, **kwargs: object) -> np.ndarray:
        raise AssertionError("glorot_uniform ran for a line that is refused")

    monkeypatch.setattr(pasted_layer, "glorot_uniform", refuse)


# (line, the whole message)
REFUSED = [
    ("Conv2D(1000000, 11)", "filters: at most 512 (got 1000000)"),
    (f"Conv2D({HUNDRED_DIGITS}, 3)", "filters: at most 512 (got a number with 100 digits)"),
    ("Conv2D(513, 3)", "filters: at most 512 (got 513)"),
    (
        "Conv2D(65, 3, padding='same', input_shape=(1024, 1024, 3))",
        "this layer would output 1024x1024x65 = 68,157,440 numbers; kernelscope holds at most 67,108,864 in one "
        "layer's output (1024x1024x64, so memory stays bounded)",
    ),
    ("Conv2D(2, 13)", "kernel_size: at most 11 on a side (got 13)"),
    ("Conv2D(2, (3, 12))", "kernel_size: at most 11 on a side (got (3, 12))"),
    (f"Conv2D(2, ({HUNDRED_DIGITS}, 3))", "kernel_size: at most 11 on a side (got a number with 100 digits)"),
    ("Conv2D(2, 3, strides=(1, 1025))", "strides: at most 1024 (got (1, 1025))"),
    (f"Conv2D(2, 3, strides={HUNDRED_DIGITS})", "strides: at most 1024 (got a number with 100 digits)"),
    ("Conv2D(2, 3, dilation_rate=2000)", "dilation_rate: at most 1024 (got 2000)"),
    (
        "Conv2D(2, 11, dilation_rate=200)",
        "dilation_rate: a dilated kernel spans at most 1024 cells on a side "
        "(got 11x11 dilated by (200, 200): 2001x2001)",
    ),
    ("Conv2D(2, 3, input_shape=(5000, 5000, 3))", "input_shape: at most 1024 pixels on a side (got (5000, 5000, 3))"),
    (
        f"Conv2D(2, 3, input_shape=(8, {HUNDRED_DIGITS}, 1))",
        "input_shape: at most 1024 pixels on a side (got a number with 100 digits)",
    ),
    ("Conv2D(2, 3, input_shape=(50, 50, 1000000))", "input_shape: channels must be 1 to 512 (got (50, 50, 1000000))"),
]


@pytest.mark.parametrize(("line", "message"), REFUSED)
@pytest.mark.usefixtures("no_kernels")
def test_a_line_beyond_a_limit_is_refused_before_anything_is_built(line: str, message: str) -> None:
    doc = Document(default_session())
    before = doc.to_session()
    with pytest.raises(LineError) as caught:
        paste_line(doc, line, 0, no_photo)
    assert str(caught.value) == message
    assert doc.to_session() == before
    assert doc.undo_label() is None


def test_a_line_of_more_channels_than_rgb_makes_a_stack_input_of_zeros() -> None:
    doc = Document(default_session())
    summary = paste_line(doc, "Conv2D(2, 3, input_shape=(50, 50, 4))", 0, no_photo)
    assert "input: zeros at 50x50x4" in summary
    assert doc.input.shape == (50, 50, 4)
    assert doc.results[0].output.shape == (48, 48, 2)


def test_the_limits_are_the_scenes() -> None:
    """The parser uses the scene's numbers, so raising a cap in one place raises it everywhere."""
    assert read_line(f"Conv2D({MAX_FILTERS}, {MAX_KERNEL_SIDE})")
    # The largest output one layer may hold: MAX_MAP_VALUES numbers (1024x1024 maps of 64 filters).
    side, filters = MAX_INPUT_SIDE, MAX_MAP_VALUES // (MAX_INPUT_SIDE * MAX_INPUT_SIDE)
    assert read_line(f"Conv2D({filters}, {MAX_KERNEL_SIDE}, padding='same', input_shape=({side}, {side}, 3))")
    with pytest.raises(LineError, match="at most"):
        read_line(f"Conv2D({filters + 1}, {MAX_KERNEL_SIDE}, padding='same', input_shape=({side}, {side}, 3))")
    assert read_line(f"Conv2D(1, 1, strides={MAX_STRIDE})")
    assert read_line(f"Conv2D(1, 1, dilation_rate={MAX_DILATION})")
    widest = (MAX_KERNEL_SPAN - 1) // (MAX_KERNEL_SIDE - 1)
    assert read_line(f"Conv2D(1, {MAX_KERNEL_SIDE}, dilation_rate={widest})")
    for line in (
        f"Conv2D({MAX_FILTERS + 1}, 3)", f"Conv2D(1, {MAX_KERNEL_SIDE + 1})", f"Conv2D(1, 1, strides={MAX_STRIDE + 1})",
        f"Conv2D(1, 1, dilation_rate={MAX_DILATION + 1})", f"Conv2D(1, {MAX_KERNEL_SIDE}, dilation_rate={widest + 1})",
        f"Conv2D(1, 3, input_shape=({MAX_INPUT_SIDE + 1}, 8, 1))",
    ):
        with pytest.raises(LineError, match="at most"):
            read_line(line)


def test_the_parser_alone_keeps_any_channel_count() -> None:
    """Keras takes any channels; only the scene (read_line) asks for grey or RGB."""
    assert parse_conv2d_line("Conv2D(2, 3, input_shape=(50, 50, 4))").input_shape == (50, 50, 4)


@pytest.mark.parametrize("line", ["Conv2D(1000000, 11)", f"Conv2D({HUNDRED_DIGITS}, ({HUNDRED_DIGITS}, 11))"])
def test_a_huge_line_allocates_next_to_nothing(line: str) -> None:
    doc = Document(default_session())
    tracemalloc.start()
    try:
        with pytest.raises(LineError, match="at most"):
            paste_line(doc, line, 0, no_photo)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000


@pytest.mark.parametrize("error", [MemoryError, OverflowError])
def test_running_out_of_memory_is_a_line_error_not_a_crash(error: type[Exception]) -> None:
    """Within the limits a machine can still be short of memory: the window gets a ValueError it shows."""

    def photo(shape: tuple[int, int, int], value_mode: str) -> np.ndarray:
        raise error()

    doc = Document(default_session())
    before = doc.to_session()
    with pytest.raises(LineError, match="does not fit in memory"):
        paste_line(doc, "Conv2D(2, 3, input_shape=(64, 64, 3))", 0, photo)
    assert doc.to_session() == before
