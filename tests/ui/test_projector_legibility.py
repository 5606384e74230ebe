"""Projector mode at a classroom's 1024x768 (issue 13): what the class reads, measured as drawn (the
digits' tight height in the font each part uses, through the loupe and the focus view), at least
24 px tall and never cut off; "Bigger" makes those digits larger; leaving gives everything back."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication

from kernelscope.core.document import Document
from kernelscope.files.lessons import find_lesson, load_lesson
from kernelscope.ui.legibility import MIN_DIGIT_PX, Part, measure, measure_layers, settle
from kernelscope.ui.main_window import MainWindow


def projector_window(qtbot, lesson: str, size: tuple[int, int] = (1024, 768)) -> MainWindow:  # type: ignore[no-untyped-def]
    """The lesson in projector mode on a screen of ``size`` (computed in the test's thread)."""
    w = MainWindow(Document(load_lesson(find_lesson(lesson))), threaded=False)
    qtbot.addWidget(w)
    w.geometry_keeper.remembering = False
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    w.set_projector(True, full_screen=False)
    w.resize(*size)
    settle()
    return w


def by_name(parts: list[Part]) -> dict[str, Part]:
    return {part.name: part for part in parts}


@pytest.fixture(autouse=True)
def _normal_type_after():  # type: ignore[no-untyped-def]
    """Projector mode scales the application's font: the next test starts from the normal one."""
    yield
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, MainWindow) and widget.is_projector():
            widget.document.mark_saved()
            widget.set_projector(False)


@pytest.mark.parametrize("lesson", ["01-article-x", "05-three-filters", "09-photo-32-filters",
                                    "12-digit-classifier"])
def test_every_number_the_class_reads_is_24_px_and_whole(qtbot, lesson: str) -> None:  # type: ignore[no-untyped-def]
    w = projector_window(qtbot, lesson)
    parts = by_name(measure(w))
    assert set(parts) == {"input", "kernel", "output cell", "arithmetic", "SUM"}
    for part in parts.values():
        assert part.problem == "", part
        assert part.digit_px >= MIN_DIGIT_PX, part


def test_a_photo_reads_through_the_loupe_the_focus_view_and_pages(qtbot) -> None:  # type: ignore[no-untyped-def]
    """150x150x3 with 32 maps: the input's cells and the maps' are specks, so the loupe carries the
    window's numbers, the current map is shown large with its own loupe, and the 27 products page."""
    w = projector_window(qtbot, "09-photo-32-filters")
    assert w.pixel_grid.loupe_visible()
    assert w.feature_maps.focused() == w.document.view.selected_filter
    assert w.feature_maps.auto_focused()
    assert w.feature_maps.loupe_visible()
    panel = w.step_panel
    assert panel.page_count() > 1
    assert panel.product_count() == 27
    assert not panel.products.horizontalScrollBar().isVisible()
    assert panel.summary.text().startswith("SUM = ")  # the SUM is on every page, whole
    w.set_projector(False)
    assert w.feature_maps.focused() is None  # the mosaic the person had
    assert panel.page_count() == 1


def test_a_stack_s_every_layer_is_legible(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = projector_window(qtbot, "12-digit-classifier")
    for index, parts in measure_layers(w):
        for part in parts:
            assert part.ok(), (index, part)
    assert w.document.selected_layer == 0  # the layer opened, selected again


def test_bigger_twice_makes_the_digits_larger_never_smaller(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = projector_window(qtbot, "01-article-x")
    before = by_name(measure(w))
    for _ in range(2):
        w.actions_by_name["bigger"].trigger()  # Ctrl+=
    w.resize(1024, 768)
    after = by_name(measure(w))
    for name in ("input", "kernel", "output cell", "arithmetic", "SUM"):
        assert after[name].ok(), after[name]
        assert after[name].digit_px > before[name].digit_px, name
    w.actions_by_name["smaller"].trigger()  # Ctrl+-: smaller again, never under the promise
    assert by_name(measure(w))["arithmetic"].digit_px < after["arithmetic"].digit_px
    for _ in range(3):
        w.actions_by_name["smaller"].trigger()
    assert all(part.ok() for part in measure(w))


def test_hovering_and_clicking_a_map_never_narrows_another_pane(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Lesson 5: the hover readout once widened the maps' pane and left the input's digits at 10 px."""
    w = projector_window(qtbot, "05-three-filters")
    sizes = w.splitter.sizes()
    fm = w.feature_maps
    k = w.document.view.selected_filter
    centre = fm.cell_scene_rect(k, 2, 2).center()
    fm._on_mouse_moved(QPointF(centre))  # the scene's own hover signal, as a pointer sends it
    settle()
    assert fm.hover.text().startswith(f"filter {k + 1}, row 2, column 2")
    assert w.splitter.sizes() == sizes
    assert by_name(measure(w))["input"].ok()


def test_leaving_projector_gives_back_splitter_fonts_and_maps(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = MainWindow(Document(load_lesson(find_lesson("05-three-filters"))), threaded=False)
    qtbot.addWidget(w)
    w.geometry_keeper.remembering = False
    w.resize(1024, 768)
    w.show()
    qtbot.waitExposed(w)
    settle()
    sizes, font = w.splitter.sizes(), QApplication.font().pointSizeF()
    products_font = w.step_panel.products.font().toString()
    w.set_projector(True, full_screen=False)
    settle()
    assert w.feature_maps.focused() is not None  # three 3x3 maps cannot hold 24 px digits tiled
    w.actions_by_name["bigger"].trigger()
    w.set_projector(False)
    settle()
    assert w.splitter.sizes() == sizes
    assert QApplication.font().pointSizeF() == font
    assert w.step_panel.products.font().toString() == products_font
    assert w.feature_maps.focused() is None
    assert w.kernel_grid.horizontalHeader().isVisible()
    assert w.pixel_grid.loupe_digit_px() in (0, w.pixel_grid.loupe_digit_px())


@pytest.mark.parametrize(("lesson", "layer"), [
    ("10-x-conv-maxpool", 1),
    ("13-trained-shapes", 5),
    ("11-photo-next-chapter", 2),  # its input's heading keeps to one line: the loupe needs that height
])
def test_each_bigger_press_never_shrinks_any_part_of_a_stack_layer(qtbot, lesson: str, layer: int) -> None:  # type: ignore[no-untyped-def]
    """Bigger takes room from the panes for the larger arithmetic: the map's numbers follow the type
    (not the cell) and the loupe gives up a few pixels, never the whole way back to 24."""
    w = projector_window(qtbot, lesson)
    w.controller.select_layer(layer)
    settle()
    sizes = [by_name(measure(w))]
    for _ in range(2):
        w.actions_by_name["bigger"].trigger()  # Ctrl+=
        w.resize(1024, 768)
        settle()
        sizes.append(by_name(measure(w)))
    for name in sizes[0]:
        px = [s[name].digit_px for s in sizes]
        assert px == sorted(px), (name, px)
        assert all(s[name].ok() for s in sizes), name


def test_the_input_heading_keeps_to_one_line_in_projector_mode_and_comes_back(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = projector_window(qtbot, "11-photo-next-chapter")
    w.set_projector(False)
    w.controller.select_layer(2)
    settle()
    assert w.input_heading.text() == "Input: max_pooling2d's maps 74x74x32, channel 1"
    w.set_projector(True, full_screen=False)
    settle()
    assert w.input_heading.text() == "Input 74x74x32, ch 1"
    w.set_projector(False)
    settle()
    assert w.input_heading.text() == "Input: max_pooling2d's maps 74x74x32, channel 1"
