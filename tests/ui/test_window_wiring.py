"""The window's wiring: one refresh per Document signal, each run once per change, and the parts
that depend on several signals (maps, layer text, kernel panel, step frame) drawn once."""

from collections import Counter

import pytest

from kernelscope.core.document import Document
from kernelscope.files.lessons import list_lessons
from kernelscope.ui.main_window import MainWindow

REFRESHES = ("_refresh_input", "_refresh_kernels", "_refresh_layer", "_refresh_view", "_refresh_maps",
             "_refresh_step", "_refresh_history")


class CountingWindow(MainWindow):
    """Counts each refresh the wiring table calls (bound at connect time, so subclassing sees them)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        super().__init__(Document(), threaded=False)
        real_draw, real_panel = self.stepping.draw, self._show_kernel_panel

        def draw() -> None:
            self.calls["frame"] += 1
            real_draw()

        def panel() -> None:
            self.calls["kernel panel"] += 1
            real_panel()

        self.stepping.draw, self._show_kernel_panel = draw, panel  # type: ignore[method-assign]
        real_maps = self.feature_maps.set_maps

        def set_maps(*args, **kwargs):  # type: ignore[no-untyped-def]
            self.calls["maps"] += 1
            real_maps(*args, **kwargs)

        self.feature_maps.set_maps = set_maps  # type: ignore[method-assign]


for _name in REFRESHES:
    def _counted(self, *args, _name=_name):  # type: ignore[no-untyped-def]
        self.calls[_name] += 1
        return getattr(MainWindow, _name)(self, *args)

    setattr(CountingWindow, _name, _counted)


@pytest.fixture
def window(qtbot):  # type: ignore[no-untyped-def]
    w = CountingWindow()
    qtbot.addWidget(w)
    w.calls.clear()
    return w


def test_a_lesson_load_runs_each_refresh_once(window: CountingWindow) -> None:
    lesson = list_lessons()[4]  # three filters, three maps
    assert window.files.open_lesson(lesson)
    assert window.document.title == lesson.title
    assert {name: window.calls[name] for name in REFRESHES} == dict.fromkeys(REFRESHES, 1)
    assert window.calls["frame"] == 1
    assert window.calls["kernel panel"] == 1
    assert window.calls["maps"] == 1
    assert window.maps_heading.text().startswith("Feature maps")


def test_a_weight_edit_redraws_what_it_changed_once(window: CountingWindow) -> None:
    window.kernel_grid.weight_edited.emit(1, 1, 7.0)  # what the grid says after typing 7
    assert window.document.kernels[1, 1, 0, 0] == 7
    assert window.calls == Counter({
        "_refresh_kernels": 1, "_refresh_maps": 1, "_refresh_history": 1,
        "kernel panel": 1, "maps": 1, "frame": 1,
    })
    assert window.step_panel.steps() == 9


def test_a_step_draws_one_frame_and_nothing_else(window: CountingWindow) -> None:
    window.actions_by_name["forward"].trigger()
    assert window.document.step == 1
    assert window.calls == Counter({"_refresh_step": 1, "frame": 1})


def test_selecting_a_filter_redraws_the_kernel_panel_and_frame_not_the_maps(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = CountingWindow()
    qtbot.addWidget(w)
    w.files.open_lesson(list_lessons()[4])
    w.calls.clear()
    w.filter_list.filter_selected.emit(2)
    assert w.document.view.selected_filter == 2
    assert w.calls == Counter({"_refresh_view": 1, "kernel panel": 1, "frame": 1})


def test_closing_disconnects_exactly_what_the_table_connected(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = CountingWindow()
    qtbot.addWidget(w)
    doc = w.document
    w.close()
    w.calls.clear()
    doc.set_weight(0, 0, 0, 3.0)  # the document lives on; the closed window hears nothing
    assert w.calls == Counter()
