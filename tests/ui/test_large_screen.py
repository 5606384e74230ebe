"""A 4K screen's room is used: the kernel's cells fill their pane's width and the model strip's
pictures grow with the window, while the type stays at the screen's own size."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from kernelscope.files.lessons import list_lessons, load_lesson
from tests.ui.gui import open_window


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def test_the_kernel_fills_its_pane_on_a_4k_screen(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = open_window(qtbot, size=(3840, 2160))
    settle()
    grid = w.kernel_grid
    assert grid.cell_side() > 120  # the old cap left a 3x3 kernel a small island
    assert 3 * grid.cell_side() >= 0.8 * (grid.width() - grid.verticalHeader().width())
    w.resize(1280, 800)
    settle()
    assert grid.cell_side() <= 120


def test_the_model_strip_grows_with_a_tall_window(qtbot) -> None:  # type: ignore[no-untyped-def]
    lesson = next(ls for ls in list_lessons() if ls.name.startswith("12"))
    w = open_window(qtbot, load_lesson(lesson), size=(1280, 800))
    settle()
    area = w.stack_view.strip_area
    small, font = area.height(), w.stack_view.strip.font().pointSizeF()
    w.resize(3840, 2160)
    settle()
    assert area.height() >= 2160 // 10
    assert area.height() > small
    assert w.stack_view.strip.font().pointSizeF() == font  # the pictures grow, not the type
    w.resize(1280, 800)
    settle()
    assert area.height() == small
