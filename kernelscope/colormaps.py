"""The colour maps the feature maps can use: names, labels and kind (no Qt, so sessions can check names)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Colormap:
    name: str
    label: str
    diverging: bool


COLORMAPS: dict[str, Colormap] = {
    c.name: c
    for c in (
        Colormap("CET-D1A", "blue-white-red", True),
        Colormap("CET-CBD1", "blue-yellow (colour-blind safe)", True),
        Colormap("CET-D1", "soft blue-red", True),
        Colormap("viridis", "viridis", False),
        Colormap("cividis", "cividis (colour-blind safe)", False),
        Colormap("CET-L1", "grey", False),
    )
}
"""Diverging maps are centred on zero (signed values); sequential ones span min..max."""

DEFAULT_COLORMAP = "CET-D1A"
