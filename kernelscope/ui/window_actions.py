"""What each menu action and shortcut of the window does: one table, which ``ui.menus`` turns into
actions (the window passes itself; its files, stepping and projector are reached through it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kernelscope.ui.menus import show_about, show_shortcuts


def window_handlers(window: Any) -> dict[str, Callable[[], object]]:
    """What each menu action and shortcut does (``ui.menus`` builds them from one table)."""
    files, doc = window.files, window.document
    s = lambda: window.stepping  # noqa: E731 (built after the menus)
    p = lambda: window.projector  # noqa: E731
    return {
        "new": files.new, "open": files.open, "open_model": files.open_model, "save": files.save,
        "save_as": files.save_as, "quit": window.close,
        "open_image": files.open_image, "export_png": files.export_window_png, "export_gif": files.export_gif,
        "export_maps_png": files.export_maps_png, "export_npy": files.export_npy,
        "export_keras": files.export_keras, "undo": lambda: (s().stop(), doc.undo()),
        "redo": lambda: (s().stop(), doc.redo()), "paste_line": window.line_paste.focus_field,
        "revert_weights": lambda: window.controller.edit(lambda: doc.revert_layer_weights(doc.selected_layer)),
        "reveal": lambda: s().toggle_reveal(),
        "overlay": lambda: s().toggle_overlay(), "full_screen": lambda: p().toggle_full_screen(),
        "projector": lambda: p().toggle(), "bigger": lambda: p().change_scale(0.25),
        "smaller": lambda: p().change_scale(-0.25), "theme_light": lambda: p().set_theme("light"),
        "theme_dark": lambda: p().set_theme("dark"), "play": lambda: s().toggle_play(),
        "back": lambda: s().step_by(-1), "forward": lambda: s().step_by(1), "first": lambda: s().go_to(0),
        "last": lambda: s().last(), "faster": lambda: s().change_speed(1.5),
        "slower": lambda: s().change_speed(1 / 1.5), "about": lambda: show_about(window),
        "shortcuts": lambda: show_shortcuts(window, window.shortcut_table()),
        "zoom_in": lambda: window.pixel_grid.zoom_in(), "zoom_out": lambda: window.pixel_grid.zoom_out(),
        "zoom_fit": lambda: window.pixel_grid.fit(),
        "loupe": lambda: window.pixel_grid.set_loupe(window.actions_by_name["loupe"].isChecked()),
    }

