"""Hostile input, fuzzed: every session text and every pasted line either opens or is refused in one
line, and neither path allocates more than a small multiple of what it was given.

Time per case is printed by ``bench/fuzz.py``; here only memory is bounded (timings do not belong in
tests on a shared machine).
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kernelscope.core.controller import Controller
from kernelscope.core.document import Document
from kernelscope.core.keras_syntax import LineError, parse_conv2d_line
from kernelscope.files.sessions import MAX_ELEMENTS, SessionError, default_session, loads_session, session_to_dict

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BASE_BYTES = 4 * 1024 * 1024  # what any parse may use beyond the input's own multiple


def peak_bytes(work: Callable[[], object]) -> int:
    """Peak traced allocation while ``work`` runs, whatever it raises."""
    tracemalloc.start()
    try:
        work()
    except (SessionError, LineError):
        pass
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def one_line_refusal(work: Callable[[], object]) -> str | None:
    """None when ``work`` succeeds; its refusal's text, checked to be one plain line, when it refuses."""
    try:
        work()
    except (SessionError, LineError) as exc:
        message = str(exc)
    else:
        return None
    assert message
    assert "\n" not in message
    assert "Traceback" not in message
    return message


# --------------------------------------------------------------------------- sessions

numbers = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.sampled_from([1e39, -1e39, 3.4e38, 0.0, -0.0]),
)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=20)),
    lambda children: st.one_of(
        st.lists(children, max_size=6), st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=40,
)
FIELDS = ("format", "version", "title", "notes", "layer", "input", "kernels", "bias", "view")


@st.composite
def mutated_sessions(draw: st.DrawFn) -> str:
    """The article's session with fields replaced, dropped, or added; or plain JSON junk."""
    d: dict[str, Any] = session_to_dict(default_session())
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from((*FIELDS, "extra")))
        if draw(st.booleans()):
            d[key] = draw(json_values)
        else:
            d.pop(key, None)
    if draw(st.booleans()):
        layer = d.get("layer")
        if isinstance(layer, dict):
            layer[draw(st.sampled_from(("filters", "kernel_size", "strides", "dilation_rate", "padding")))] = draw(
                json_values
            )
    return json.dumps(d)


@FUZZ
@given(mutated_sessions())
def test_a_mutated_session_opens_or_is_refused_in_one_line(text: str) -> None:
    message = one_line_refusal(lambda: loads_session(text))
    if message is None:
        assert loads_session(text).input.dtype == np.float32


@FUZZ
@given(st.binary(max_size=2000) | st.text(max_size=2000))
def test_bytes_that_are_not_a_session_are_refused_in_one_line(junk: bytes | str) -> None:
    one_line_refusal(lambda: loads_session(junk))


@pytest.mark.parametrize("unit", ["[],", "[[1,", '{"a":1},', "-0,", "1e999,"])
def test_more_values_than_any_scene_are_refused_within_ten_times_the_file(unit: str) -> None:
    """More values and lists than the largest legal scene holds: refused before JSON builds them."""
    body = unit * (MAX_ELEMENTS * 21 // 20)
    text = '{"format": "kernelscope-session", "version": 1, "input": [' + body + "0]}"
    peak = peak_bytes(lambda: loads_session(text))
    assert peak <= 10 * len(text)
    assert one_line_refusal(lambda: loads_session(text))


# --------------------------------------------------------------------------- pasted lines

whole = st.one_of(st.integers(-3, 70), st.integers(10**5, 10**9), st.integers(10**90, 10**100))
argument = st.one_of(
    whole.map(str),
    st.tuples(whole, whole).map(lambda p: f"({p[0]}, {p[1]})"),
    st.tuples(whole, whole, whole).map(lambda p: f"({p[0]}, {p[1]}, {p[2]})"),
    st.sampled_from(['"same"', '"valid"', '"relu"', "None", "True", "1.5", "'x' * 10**9", "[" * 50, "()"]),
)
keywords = st.sampled_from(["strides", "padding", "dilation_rate", "activation", "use_bias", "input_shape", "name"])


@st.composite
def conv_lines(draw: st.DrawFn) -> str:
    args = [draw(argument) for _ in range(draw(st.integers(0, 3)))]
    kwargs = [f"{draw(keywords)}={draw(argument)}" for _ in range(draw(st.integers(0, 3)))]
    call = f"Conv2D({', '.join(args + kwargs)})"
    return draw(st.sampled_from([call, f"model.add(layers.{call})", f"x = layers.{call}(x)"]))


@FUZZ
@given(conv_lines())
def test_a_fuzzed_line_parses_or_is_refused_without_allocating(line: str) -> None:
    peak = peak_bytes(lambda: parse_conv2d_line(line))
    assert peak <= BASE_BYTES


class _View:
    def __init__(self) -> None:
        self.results: list[tuple[str, bool]] = []

    def brush(self) -> float:
        return -1.0

    def input_channel(self) -> int | None:
        return None

    def kernel_channel_index(self) -> int:
        return 0

    def seed(self) -> int:
        return 7

    def show_paste_result(self, text: str, ok: bool) -> None:
        self.results.append((text, ok))

    def report(self, text: str) -> None:
        pass

    def status(self, text: str, ms: int) -> None:
        pass


@FUZZ
@given(conv_lines())
def test_pasting_a_fuzzed_line_into_the_window_is_bounded_and_answers_in_one_line(line: str) -> None:
    """The window's path: a refusal is one line in the paste field and changes nothing."""
    doc = Document()
    view = _View()

    def photo(shape: tuple[int, int, int], mode: str) -> np.ndarray:
        return np.zeros(shape, np.float32)

    before = doc.to_session()
    controller = Controller(doc, view, photo)
    peak = peak_bytes(lambda: controller.paste_line(line))
    (text, ok), = view.results
    assert "\n" not in text
    if not ok:
        assert doc.to_session() == before
    # the largest legal layer pasted here: 64 filters of 11x11x3 weights and a 1024x1024x3 photo
    assert peak <= BASE_BYTES + 2 * 1024 * 1024 * 3 * 4 * 4
