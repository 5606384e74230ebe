"""How a number is written in a cell: tiny weights keep their digits, exponents are short."""

from __future__ import annotations

import pytest

from kernelscope.core.cell_text import format_value


@pytest.mark.parametrize(
    ("value", "wide", "medium", "narrow"),
    [
        (1 / 256, "0.0039", "0.004", "4e-3"),  # a Gaussian 5x5 corner weight (issue 13: shown as "3.9...")
        (-1 / 256, "-0.0039", "-0.004", "-4e-3"),
        (0.0049, "0.0049", "0.005", "5e-3"),
        (0.001, "0.001", "0.001", "1e-3"),
        (1.2e-5, "1.2e-5", "1e-5", "1e-5"),
        (-2.5e7, "-2.5e7", "-2e7", "-2e7"),
        (3e38, "3.0e38", "3e38", "3e38"),
    ],
)
def test_tiny_and_huge_values_keep_their_digits_in_short_forms(value: float, wide: str, medium: str,
                                                             narrow: str) -> None:
    assert [format_value(value, w) for w in (80, 40, 20)] == [wide, medium, narrow]
    for text in (wide, medium, narrow):
        assert float(text) == pytest.approx(value, rel=0.5)  # a rounding of the value, never another number


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.0, "0"), (-3.0, "-3"), (1500.0, "1500"), (0.25, "0.25"), (1 / 3, "0.33"), (0.0156, "0.02"), (12.345, "12.35")],
)
def test_ordinary_values_are_unchanged(value: float, text: str) -> None:
    assert format_value(value, 80) == text
