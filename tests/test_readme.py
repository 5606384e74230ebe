"""The README's front page keeps its promises: the quick start, the pictures, the lesson names."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from kernelscope.files.lessons import find_lesson

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text("utf-8")


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_the_quick_start_makes_a_venv_then_installs_and_tests() -> None:
    block = README.split("## Quick start\n\n```\n")[1].split("```")[0].splitlines()
    assert block == [
        "python -m venv .venv && . .venv/bin/activate",
        "python -m pip install . && kernelscope",
        'python -m pip install -e ".[test]" && python -m pytest',
    ]


@pytest.mark.parametrize(("name", "size"), [("window.png", (1280, 800)), ("projector.png", (1024, 768))])
def test_the_pictures_near_the_top_are_committed_screenshots(name: str, size: tuple[int, int]) -> None:
    assert f"](docs/{name})" in README.split("## Using it")[0]
    assert png_size(ROOT / "docs" / name) == size


def test_the_front_page_summarises_performance_and_links_the_table() -> None:
    section = README.split("## Performance\n")[1].split("\n## ")[0]
    assert len([line for line in section.splitlines() if line.startswith("- ")]) == 5
    assert "[bench/README.md](bench/README.md)" in section
    assert "FAIL" not in README
    bench = (ROOT / "bench" / "README.md").read_text("utf-8")
    assert "ratio core/torch" in bench  # the full table moved there
    for target in re.findall(r"\]\(([^)#]+)", bench):
        assert (ROOT / "bench" / target).resolve().exists(), target


def test_the_xcb_list_and_the_screen_and_numbering_facts_are_stated() -> None:
    assert "libx11-xcb1" in README
    assert "1024x600" in README
    assert "`--filter K` counts filters from 1" in README
    assert "`view.selected_filter` counts from 0" in README


@pytest.mark.parametrize("query", ["05-three-filters", "05-three-filters.kscope", "three-filters", "5", "05", "three",
                                   "THREE"])
def test_every_lesson_name_form_the_readme_gives_opens_lesson_05(query: str) -> None:
    assert f"`{query.removesuffix('.kscope')}`" in README or query.isupper()
    assert find_lesson(query).name == "05-three-filters"


def test_a_lesson_does_not_open_by_its_title() -> None:
    assert "not by its title" in README
    with pytest.raises(LookupError):
        find_lesson("Three filters, three maps")
