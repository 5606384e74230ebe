"""The shared number rules, and that every caller of the pair rule agrees with it."""

import re
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernelscope.core import engine
from kernelscope.core.engine import ConvError, ConvSpec
from kernelscope.core.keras_syntax import LineError, parse_conv2d_line, size_formula
from kernelscope.core.numbers import FLOAT32_MAX, is_whole, whole_pair
from kernelscope.core.scene import SessionError, check_pair


def test_float32_max_is_the_largest_finite_float32() -> None:
    assert np.float32(FLOAT32_MAX) == np.finfo(np.float32).max
    with np.errstate(over="ignore"):
        assert np.isinf(np.float32(FLOAT32_MAX) * np.float32(2))


@pytest.mark.parametrize(
    ("value", "pair"),
    [
        (3, (3, 3)),
        (np.int64(2), (2, 2)),
        ((1, 5), (1, 5)),
        ([4, 2], (4, 2)),
        ((np.int32(7), 1), (7, 1)),
        (0, (0, 0)),  # ranges are the caller's
        (-2, (-2, -2)),
        (True, None),
        (np.bool_(True), None),
        ((True, 2), None),
        (3.0, None),
        ((3, 3, 3), None),
        ((3,), None),
        ("3", None),
        (None, None),
        (np.array([3, 3]), None),
    ],
)
def test_whole_pair(value: object, pair: tuple[int, int] | None) -> None:
    got = whole_pair(value)
    assert got == pair
    if got is not None:
        assert all(type(v) is int for v in got)


def test_is_whole_refuses_bools_and_floats() -> None:
    assert is_whole(0)
    assert is_whole(np.uint8(3))
    assert not any(is_whole(v) for v in (False, np.bool_(True), 1.0, "1", None))


_values = st.one_of(
    st.integers(-3, 11),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-3, max_value=11),
    st.lists(st.one_of(st.integers(-3, 11), st.booleans(), st.floats(0, 5)), max_size=3),
)


def _outcome(read: Callable[[], tuple[int, int]], error: type[Exception]) -> tuple[int, int] | str:
    """The pair a caller reads, or its refusal's message."""
    try:
        return read()
    except error as exc:
        return str(exc)


@given(_values)
def test_the_engine_the_scene_and_the_line_parser_accept_the_same_pairs(value: object) -> None:
    """One rule, three refusals: each caller keeps its own words but accepts exactly whole_pair's pairs."""
    expected = whole_pair(value)
    want = expected if expected is not None and min(expected) >= 1 else None
    literal = repr(tuple(value)) if isinstance(value, list) else repr(value)

    by_engine = _outcome(lambda: ConvSpec(1, value).kernel_size, ConvError)  # type: ignore[arg-type]
    by_scene = _outcome(lambda: check_pair(value, "layer.kernel_size", 1, 1024), SessionError)
    by_line = _outcome(lambda: parse_conv2d_line(f"Conv2D(1, {literal})").spec.kernel_size, LineError)

    if want is not None:
        assert by_engine == by_scene == by_line == want
    else:
        assert re.match(r"kernel_size must be (a whole number or a pair of whole numbers|at least 1)", str(by_engine))
        assert str(by_scene).startswith("layer.kernel_size: expected two whole numbers from 1 to 1024, got ")
        assert str(by_line).startswith("kernel_size: ")


@given(
    n=st.integers(1, 40),
    k=st.integers(1, 7),
    s=st.integers(1, 5),
    d=st.integers(1, 4),
    padding=st.sampled_from(["valid", "same"]),
)
def test_size_formula_states_the_engines_output_size(n: int, k: int, s: int, d: int, padding: str) -> None:
    if s > 1 and d > 1:
        d = 1  # Keras refuses strides and dilation both above 1
    spec = ConvSpec(1, (k, 1), (s, 1), padding, (d, 1))
    text = size_formula(spec, (n, 1), 0)
    assert text.split(" = ")[1].split()[0] == str(engine.output_size(n, k, s, d, padding))


def test_the_numbers_module_is_a_leaf() -> None:
    """Widgets import it, so it must not pull in the engine (or Qt)."""
    code = (
        "import sys, kernelscope.core.numbers; "
        "print(sorted(m for m in sys.modules if m.startswith(('kernelscope.core.engine', 'PySide6'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
