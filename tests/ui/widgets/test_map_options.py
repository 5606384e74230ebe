"""MapOptions alone: the state in through ``set_state``, the person's choices out as intents."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from kernelscope.core.colour_scale import COLORMAPS, DEFAULT_COLORMAP
from kernelscope.ui.widgets.map_options import MapOptions

SIGNALS = ("colormap_chosen", "shared_scale_toggled", "show_activation_toggled")


@pytest.fixture
def options(qtbot) -> MapOptions:  # type: ignore[no-untyped-def]
    widget = MapOptions()
    qtbot.addWidget(widget)
    widget.set_state(DEFAULT_COLORMAP, True, True, True)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def emitted(options: MapOptions) -> list[tuple[str, tuple]]:
    log: list[tuple[str, tuple]] = []
    for name in SIGNALS:
        getattr(options, name).connect(lambda *args, name=name: log.append((name, args)))
    return log


def test_lists_every_colour_map_by_its_label(options: MapOptions) -> None:
    combo = options.colormap
    assert [combo.itemData(i) for i in range(combo.count())] == list(COLORMAPS)
    assert [combo.itemText(i) for i in range(combo.count())] == [c.label for c in COLORMAPS.values()]
    for i, cmap in enumerate(COLORMAPS.values()):
        kind = "diverging" if cmap.diverging else "sequential"
        assert combo.itemData(i, Qt.ItemDataRole.ToolTipRole).startswith(kind)


def test_choosing_a_colour_map_by_keyboard_asks_for_its_name(options: MapOptions, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    names = list(COLORMAPS)
    at = names.index(DEFAULT_COLORMAP)
    qtbot.keyClick(options.colormap, Qt.Key.Key_Down)
    assert emitted == [("colormap_chosen", (names[at + 1],))]
    assert options.colormap.currentData() == names[at + 1]


def test_the_boxes_ask_for_one_scale_and_the_activation(options: MapOptions, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(options.shared, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(options.activated, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(options.shared, Qt.MouseButton.LeftButton)
    assert emitted == [
        ("shared_scale_toggled", (False,)),
        ("show_activation_toggled", (False,)),
        ("shared_scale_toggled", (True,)),
    ]


def test_set_state_shows_everything_and_emits_nothing(options: MapOptions, emitted) -> None:  # type: ignore[no-untyped-def]
    options.set_state("viridis", False, False, True)
    assert options.colormap.currentData() == "viridis"
    assert options.colormap.currentText() == COLORMAPS["viridis"].label
    assert not options.shared.isChecked()
    assert not options.activated.isChecked()
    assert options.activated.isEnabled()
    options.set_state("CET-L1", True, True, False)  # a linear layer: nothing to show before/after
    assert not options.activated.isEnabled()
    options.set_state("no such map", True, True, True)
    assert options.colormap.currentIndex() == 0
    assert emitted == []


def test_a_disabled_activation_box_ignores_clicks(options: MapOptions, emitted, qtbot) -> None:  # type: ignore[no-untyped-def]
    options.set_state(DEFAULT_COLORMAP, True, True, False)
    qtbot.mouseClick(options.activated, Qt.MouseButton.LeftButton)
    assert emitted == []
    assert options.activated.isChecked()
