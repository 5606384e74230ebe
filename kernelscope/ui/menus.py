"""The menu bar from one table: every action, its menu, keys and tip. Help > Keyboard shortcuts is
generated from the same actions, so the two cannot disagree."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QMessageBox, QWidget

from kernelscope import __version__
from kernelscope.core.colour_scale import COLORMAPS
from kernelscope.files.lessons import Lesson, list_lessons
from kernelscope.files.sessions import SessionError

Keys = tuple[QKeySequence.StandardKey | str, ...]


@dataclass(frozen=True)
class Item:
    """One action: ``name`` is its handler's key and its key in ``Menus.actions``."""

    menu: str  # "File", "File/Export", "View/Theme"
    name: str
    text: str
    keys: Keys = ()
    tip: str = ""
    checkable: bool = False


@dataclass(frozen=True)
class Separator:
    menu: str


@dataclass(frozen=True)
class Submenu:
    """A menu filled elsewhere (recent files, lessons, colour maps), reachable as ``Menus.menus[name]``."""

    menu: str
    name: str
    title: str


SK = QKeySequence.StandardKey
TABLE: tuple[Item | Separator | Submenu, ...] = (
    Item("&File", "new", "&New", (SK.New,), "Start again from the article's X"),
    Item("&File", "open", "&Open...", (SK.Open,)),
    Item("&File", "open_model", "Open &Model...", ("Ctrl+M",),
         "Open a trained Keras model (.keras, .h5): its layers, real names and weights"),
    Submenu("&File", "recent", "Open &Recent"),
    Separator("&File"),
    Item("&File", "save", "&Save", (SK.Save,)),
    Item("&File", "save_as", "Save &As...", (SK.SaveAs,)),
    Separator("&File"),
    Item("&File", "open_image", "Open &Image...", ("Ctrl+I",), "Open a PNG, JPEG, BMP or GIF picture as the input"),
    Item("&File/&Export", "export_png", "&Window as PNG...", ("Ctrl+E",)),
    Item("&File/&Export", "export_maps_png", "Feature &maps as PNG..."),
    Item("&File/&Export", "export_gif", "Stepping as animated &GIF...", ("Ctrl+G",),
         "The stepping of the selected layer, one frame a step"),
    Item("&File/&Export", "export_npy", "Feature maps as .&npy..."),
    Item("&File/&Export", "export_keras", "&Keras code...", ("Ctrl+K",),
         "A Python script that rebuilds this layer with these exact weights"),
    Separator("&File"),
    Item("&File", "quit", "&Quit", (SK.Quit,)),
    Item("&Edit", "undo", "&Undo", (SK.Undo,)),
    # Not SK.Redo: on X11 it already holds Ctrl+Shift+Z, and a key bound twice is ignored as ambiguous.
    Item("&Edit", "redo", "&Redo", ("Ctrl+Shift+Z", "Ctrl+Y")),
    Separator("&Edit"),
    Item("&Edit", "paste_line", "Paste a Conv2D &line or a model", ("Ctrl+L",)),
    Item("&Edit", "revert_weights", "Re&vert this layer's weights", (),
         "Put the selected layer's weights back as they were opened (the edited ones are marked)"),
    Item("&View", "reveal", "&Reveal maps step by step", ("R",),
         "The maps fill in cell by cell as the window moves", checkable=True),
    Item("&View", "overlay", "&Kernel on the input", ("K",), "Write the kernel's weights on the window",
         checkable=True),
    Item("&View", "full_screen", "&Full screen", (SK.FullScreen, "F11"), checkable=True),
    Item("&View", "projector", "&Projector mode", ("F5",),
         "Full screen, large type, high contrast, advanced controls hidden", checkable=True),
    Item("&View", "bigger", "&Bigger (projector)", ("Ctrl+=",)),
    Item("&View", "smaller", "S&maller (projector)", ("Ctrl+-",)),
    Separator("&View"),
    Item("&View", "zoom_in", "&Zoom in on the input", ("Ctrl+Shift+=",),
         "Larger input cells (also Ctrl+wheel over the input)"),
    Item("&View", "zoom_out", "Zoom &out on the input", ("Ctrl+Shift+-",)),
    Item("&View", "zoom_fit", "Fit the &input", ("Ctrl+0",), "The whole input in view"),
    Item("&View", "loupe", "&Loupe on the window", ("L",),
         "An enlarged view of the window and its neighbours where the input's cells are too small to read",
         checkable=True),
    Separator("&View"),
    Item("&View/&Theme", "theme_light", "&Light", checkable=True),
    Item("&View/&Theme", "theme_dark", "&Dark", checkable=True),
    Submenu("&View", "colour_map", "&Colour map"),
    Item("&Step", "play", "&Play / pause", ("Space",)),
    Item("&Step", "back", "&Back one step", ("Left",)),
    Item("&Step", "forward", "&Forward one step", ("Right",)),
    Item("&Step", "first", "F&irst step", ("Home",)),
    Item("&Step", "last", "&Last step", ("End",)),
    Item("&Step", "faster", "Fa&ster", ("+", "=")),
    Item("&Step", "slower", "S&lower", ("-",)),
    Submenu("", "lessons", "&Lessons"),
    Item("&Help", "shortcuts", "&Keyboard shortcuts", ("F1",)),
    Item("&Help", "about", "&About kernelscope"),
)


def key_sequences(keys: Keys) -> list[QKeySequence]:
    """Each distinct, non-empty sequence once: a platform's standard key may already hold an explicit
    one (Qt ignores a key bound twice as ambiguous) or hold an empty one (Help showed ", F11")."""
    found: dict[str, QKeySequence] = {}
    for seq in map(QKeySequence, keys):
        text = seq.toString(QKeySequence.SequenceFormat.PortableText)
        if text:
            found.setdefault(text, seq)
    return list(found.values())


class Menus:
    """The window's menu bar and its actions; each action also works from the keyboard anywhere."""

    def __init__(self, window: QMainWindow, handlers: Mapping[str, Callable[[], object]]) -> None:
        self.actions: dict[str, QAction] = {}
        self.menus: dict[str, QMenu] = {}
        by_path: dict[str, QMenu] = {}

        def menu(path: str) -> QMenu:
            if path not in by_path:
                parent, _, title = path.rpartition("/")
                if parent:
                    by_path[path] = menu(parent).addMenu(title)
                else:
                    by_path[path] = DemandMenu(title, window)
                    window.menuBar().addMenu(by_path[path])
            return by_path[path]

        for item in TABLE:
            if isinstance(item, Separator):
                menu(item.menu).addSeparator()
            elif isinstance(item, Submenu):
                self.menus[item.name] = menu(item.menu).addMenu(item.title) if item.menu else menu(item.title)
            else:
                self.actions[item.name] = self._action(window, menu(item.menu), item, handlers[item.name])

    @staticmethod
    def _action(window: QMainWindow, menu: QMenu, item: Item, slot: Callable[[], object]) -> QAction:
        action = QAction(item.text, window)
        if item.keys:
            action.setShortcuts(key_sequences(item.keys))
        if item.tip:
            action.setStatusTip(item.tip)
            action.setToolTip(item.tip)
        action.setCheckable(item.checkable)
        action.triggered.connect(lambda _=False: slot())
        menu.addAction(action)
        window.addAction(action)
        return action

    def shortcut_table(self) -> list[tuple[str, str]]:
        """(keys, what they do) for every action that has a key, in menu order."""
        rows = []
        for action in self.actions.values():
            texts = (k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
            keys = ", ".join(dict.fromkeys(t for t in texts if t))
            if keys:
                rows.append((keys, action.text().replace("&", "")))
        return rows


def fill_colour_maps(menu: QMenu, choose: Callable[[str], object]) -> dict[str, QAction]:
    """View > Colour map: one checkable action per map, by name."""
    actions = {}
    for name, cmap in COLORMAPS.items():
        action = menu.addAction(cmap.label)
        action.setCheckable(True)
        action.triggered.connect(lambda _=False, n=name: choose(n))
        actions[name] = action
    return actions


class DemandMenu(QMenu):
    """A menu bar menu that may be filled the first time it opens or its actions are read: the
    Lessons menu reads every lesson file, the largest part of start-up, which the first paint
    does not need."""

    def __init__(self, title: str, parent: QWidget) -> None:
        super().__init__(title, parent)
        self._filler: Callable[[], None] | None = None
        self.aboutToShow.connect(self._fill_once)

    def fill_on_demand(self, filler: Callable[[], None]) -> None:
        self._filler = filler

    def actions(self) -> list[QAction]:  # type: ignore[override]
        self._fill_once()
        return super().actions()

    def _fill_once(self) -> None:
        filler, self._filler = self._filler, None
        if filler is not None:
            filler()


def fill_lessons(menu: QMenu, open_lesson: Callable[[Lesson], object]) -> None:
    """The Lessons menu, when it first opens (at once for a plain menu)."""
    if isinstance(menu, DemandMenu):
        menu.fill_on_demand(lambda: _fill_lessons(menu, open_lesson))
    else:
        _fill_lessons(menu, open_lesson)


def _fill_lessons(menu: QMenu, open_lesson: Callable[[Lesson], object]) -> None:
    """Numbered titles, the lesson's notes as the tip (or why there are none)."""
    try:
        lessons = list_lessons()
    except (OSError, SessionError) as exc:
        menu.addAction(f"lessons unavailable: {exc}").setEnabled(False)
        return
    for i, lesson in enumerate(lessons):
        action = menu.addAction(f"&{i + 1}  {lesson.title}")
        action.setToolTip(lesson.notes)
        action.setStatusTip(lesson.notes)
        action.triggered.connect(lambda _=False, les=lesson: open_lesson(les))
    menu.setToolTipsVisible(True)


def fill_recent(menu: QMenu, paths: Sequence[str], open_path: Callable[[str], object]) -> None:
    """File > Open Recent, rebuilt whenever the list changes."""
    menu.clear()
    for path in paths:
        menu.addAction(path).triggered.connect(lambda _=False, p=path: open_path(p))
    menu.setEnabled(bool(paths))


def show_shortcuts(parent: QWidget, rows: list[tuple[str, str]]) -> None:
    """Help > Keyboard shortcuts, from the actions themselves."""
    from kernelscope.ui.shortcuts_dialog import ShortcutsDialog

    ShortcutsDialog(rows, parent).open()


def show_about(parent: QWidget) -> None:
    QMessageBox.about(
        parent, "About kernelscope",
        f"kernelscope {__version__}: make keras.layers.Conv2D visible.\n"
        "Every number is computed exactly as Keras Conv2D computes it (channels_last).",
    )
