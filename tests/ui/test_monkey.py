"""A seeded monkey: thousands of random clicks, drags, wheels, keys and layer edits on the whole window.

What must hold throughout: no Python exception escapes into Qt (slots, virtual methods, psygnal
callbacks), no Qt warning (``qt_log_level_fail``), and every few events the window still agrees
with the engine: the result's shape is ``engine.output_shape``, one map a filter, the maps shown are
the engine's for the current document, the other views show the same document, and the event loop
still answers. After the shorter runs, undoing every step gives back the opening scene and redoing
them gives back the last one.

Knobs (environment): ``KERNELSCOPE_MONKEY_EVENTS`` (default 2000), ``KERNELSCOPE_MONKEY_SEED``, and
``KERNELSCOPE_MONKEY_TRACE=1`` to print every event as it fires (a segfault leaves no report; run
with ``-s``). A failure names the seed and the last events; the same seed replays the same run
(the app's random parts draw from the monkey's generator, and the shift arrows do not auto-repeat).

Never touched, with the reason:
- the menu bar, menus and popups (a menu's ``exec`` blocks; the File menu opens file dialogs, which
  the conftest turns into failures); the Presets button opens its menu with a blocking ``exec``, so
  presets are triggered as intents instead, and Insert on the layer list (its Add menu) only notes it;
- mouse presses on combo boxes, and Space/F4/Alt+Down sent to them: they open the list popup, and the
  offscreen platform answers with "does not support raise()/grabbing the keyboard" warnings (platform
  noise, not the app); combos are driven by wheel, arrow keys and ``setCurrentIndex`` instead;
- Ctrl+O/S/N/Q and other Ctrl+letter keys (files, quit): only Ctrl+Z and Ctrl+Shift+Z are sent.
"""

from __future__ import annotations

import os
import random
import sys
import threading
import time
from collections import deque
from collections.abc import Callable

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QKeyEvent, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QMenu,
    QMenuBar,
    QToolButton,
    QWidget,
)

from kernelscope.core import engine, paint_tools
from kernelscope.core.document import Document
from kernelscope.core.engine import ConvSpec
from kernelscope.core.stack_ops import layer_config
from kernelscope.files.sessions import Session, ViewState, default_session
from kernelscope.ui.main_window import MainWindow
from kernelscope.ui.widgets.kernel_grid import KernelGrid
from tests.ui.gui import editor_of

_MODE_NOISE = paint_tools.mode_noise
EVENTS = int(os.environ.get("KERNELSCOPE_MONKEY_EVENTS", "2000"))
SEED = int(os.environ.get("KERNELSCOPE_MONKEY_SEED", "20250611"))
TRACE = bool(os.environ.get("KERNELSCOPE_MONKEY_TRACE"))  # print every event as it fires (a crash leaves no report)
CHECK_EVERY = 25
SMALL_RUN = max(300, EVENTS * 3 // 20)  # the shorter runs: 300 in CI

Button = Qt.MouseButton
Key = Qt.Key
Mod = Qt.KeyboardModifier

# Digits, '-', '.', a few letters (r and k are window shortcuts), editing and moving keys.
PLAIN_KEYS: list[Key | str] = [
    *"0123456789", "-", ".", "+", "/", "a", "e", "x", "r", "k", "z", "n",
    Key.Key_Return, Key.Key_Enter, Key.Key_Tab, Key.Key_Backtab, Key.Key_Escape,
    Key.Key_Left, Key.Key_Right, Key.Key_Up, Key.Key_Down, Key.Key_Space, Key.Key_Home, Key.Key_End,
    Key.Key_PageUp, Key.Key_PageDown, Key.Key_Delete, Key.Key_Backspace, Key.Key_Insert, Key.Key_F2,
]
# Pasted Conv2D lines: good ones, ones the document refuses, ones that do not parse.
PASTED_LINES = [
    "Conv2D(2, (3, 3))",
    'layers.Conv2D(4, 5, padding="same", strides=2)',
    'Conv2D(3, (3, 3), activation="relu", input_shape=(12, 12, 3))',
    "Conv2D(2, (2, 3), input_shape=(9, 7, 1))",
    "Conv2D(1, (9, 9))",
    "Conv2D(8, 3, strides=2, dilation_rate=2)",
    "Conv2D(65, 3)",
    "Conv2D(-1, 3)",
    "Conv2D(1e999, 3)",
    "Conv2D(nan, (3, 3))",
    "Conv2D(2, (3, 3), padding='circular')",
    "Conv2D(",
    "Conv2D(2, (3, 3)",
    "model.add(Dense(10))",
    "abc",
    "1..2",
]
_PUNCT = {"-": Key.Key_Minus, ".": Key.Key_Period, "+": Key.Key_Plus, "/": Key.Key_Slash, " ": Key.Key_Space}
COMBO_UNSAFE_KEYS = {Key.Key_Space, Key.Key_F4}  # open the list popup (see the module docstring)


class Monkey:
    """One seeded run over one window: picks targets, fires events, keeps a log for the failure message."""

    def __init__(self, window: MainWindow, qtbot, seed: int, label: str) -> None:  # type: ignore[no-untyped-def]
        self.window = window
        self.qtbot = qtbot
        self.seed = seed
        self.label = label
        self.rng = random.Random(seed)
        self.log: deque[str] = deque(maxlen=25)
        self.errors: list[str] = []
        self.counts: dict[str, int] = {}
        self.index = 0
        self.busy = 0  # events fired while a result was still being computed
        # A seed replays the run: the random parts of the app draw from the monkey's generator too,
        # and the shift arrows do not auto-repeat (how often they would fire depends on the clock).
        window.kernel_actions.set_seed(self.rng.randrange(2**31 - 1))
        tools = window.input_tools
        for arrow in (tools.shift_left, tools.shift_up, tools.shift_down, tools.shift_right):
            arrow.setAutoRepeat(False)

    def noise(self, image: np.ndarray, mode: str, amount: float, seed: int | None = None) -> np.ndarray:
        """paint_tools.mode_noise with a seed from the monkey's generator (the app asks for a fresh one)."""
        return _MODE_NOISE(image, mode, amount, seed=self.rng.randrange(2**32) if seed is None else seed)

    # ------------------------------------------------------------------ failure reporting
    def fail(self, what: str) -> None:
        recent = "\n  ".join(self.log)
        pytest.fail(
            f"monkey ({self.label}) failed at event {self.index} with KERNELSCOPE_MONKEY_SEED={self.seed}: {what}\n"
            f"last events:\n  {recent}",
            pytrace=False,
        )

    def record_exception(self, exc_type, exc, tb) -> None:  # type: ignore[no-untyped-def]
        import traceback

        self.errors.append("".join(traceback.format_exception(exc_type, exc, tb)))

    # ------------------------------------------------------------------ targets
    def targets(self) -> list[QWidget]:
        found = []
        for w in self.window.findChildren(QWidget):
            if not shiboken6.isValid(w) or not w.isVisible() or not w.isEnabled() or self._excluded(w):
                continue
            found.append(w)
        return found

    @staticmethod
    def _excluded(w: QWidget) -> bool:
        p: QWidget | None = w
        while p is not None:
            if isinstance(p, (QMenu, QMenuBar)):
                return True
            p = p.parentWidget()
        return isinstance(w, QToolButton) and w.menu() is not None

    def point_in(self, w: QWidget, outside: float = 0.05) -> QPoint:
        r = w.rect()
        if self.rng.random() < outside:  # sometimes a little past the edge, as a sloppy drag does
            return QPoint(self.rng.randint(-20, r.width() + 20), self.rng.randint(-20, r.height() + 20))
        return QPoint(self.rng.randint(0, max(0, r.width() - 1)), self.rng.randint(0, max(0, r.height() - 1)))

    # ------------------------------------------------------------------ primitive events
    @staticmethod
    def mouse(w: QWidget, kind: QEvent.Type, pos: QPoint, button: Button, buttons: Button,
              mods: Mod = Mod.NoModifier) -> None:
        if not shiboken6.isValid(w):
            return
        ev = QMouseEvent(kind, QPointF(pos), w.mapToGlobal(QPointF(pos)), button, buttons, mods)
        QApplication.sendEvent(w, ev)

    def click(self, w: QWidget, pos: QPoint, button: Button, double: bool = False) -> None:
        self.mouse(w, QEvent.Type.MouseButtonPress, pos, button, button)
        self.mouse(w, QEvent.Type.MouseButtonRelease, pos, button, Button.NoButton)
        if double:
            self.mouse(w, QEvent.Type.MouseButtonDblClick, pos, button, button)
            self.mouse(w, QEvent.Type.MouseButtonRelease, pos, button, Button.NoButton)

    def drag(self, w: QWidget, points: list[QPoint], button: Button) -> None:
        self.mouse(w, QEvent.Type.MouseButtonPress, points[0], button, button)
        for p in points[1:]:
            self.mouse(w, QEvent.Type.MouseMove, p, Button.NoButton, button)
        self.mouse(w, QEvent.Type.MouseButtonRelease, points[-1], button, Button.NoButton)

    def wheel(self, w: QWidget, pos: QPoint, steps: int, mods: Mod) -> None:
        if not shiboken6.isValid(w):
            return
        ev = QWheelEvent(QPointF(pos), w.mapToGlobal(QPointF(pos)), QPoint(0, 0), QPoint(0, 120 * steps),
                         Button.NoButton, mods, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(w, ev)

    @staticmethod
    def key_event(w: QWidget, key: Key | str, mods: Mod) -> None:
        """Press and release sent straight to the widget (no shortcut map: offscreen has no focus)."""
        if isinstance(key, str):
            code, text = Key(ord(key.upper())) if key.isalnum() else _PUNCT[key], key
        else:
            code, text = key, {Key.Key_Return: "\r", Key.Key_Enter: "\r", Key.Key_Space: " ",
                               Key.Key_Tab: "\t", Key.Key_Escape: "\x1b"}.get(key, "")
        if mods & Mod.ControlModifier:
            text = ""
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            if not shiboken6.isValid(w):
                return
            QApplication.sendEvent(w, QKeyEvent(kind, code, mods, text))

    # ------------------------------------------------------------------ the random actions
    def act(self) -> None:
        self.busy += self.window.document.computing
        roll = self.rng.random()
        if roll < 0.22:
            self.act_click()
        elif roll < 0.27:
            self.act_lone_button()
        elif roll < 0.42:
            self.act_drag()
        elif roll < 0.52:
            self.act_wheel()
        elif roll < 0.82:
            self.act_key()
        else:
            self.act_intent()

    def note(self, kind: str, text: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        self.log.append(f"#{self.index} {text}")
        if TRACE:
            sys.stderr.write(f"monkey {self.label} #{self.index} {text}\n")
            sys.stderr.flush()

    @staticmethod
    def name(w: QWidget) -> str:
        parts = [type(w).__name__]
        if w.accessibleName():
            parts.append(repr(w.accessibleName()))
        elif isinstance(w, QAbstractButton) and w.text():
            parts.append(repr(w.text()))
        elif w.objectName():
            parts.append(w.objectName())
        parent = w.parentWidget()
        if parent is not None:
            parts.append(f"in {type(parent).__name__}")
        return " ".join(parts)

    def pick(self) -> QWidget:
        return self.rng.choice(self.targets())

    def act_click(self) -> None:
        w = self.pick()
        if isinstance(w, QComboBox):  # a click opens the popup: wheel it instead
            self.act_wheel(w)
            return
        button = Button.LeftButton if self.rng.random() < 0.8 else Button.RightButton
        pos = self.point_in(w)
        double = self.rng.random() < 0.08
        self.note("click", f"{'double-' if double else ''}click {button.name} at {pos.toTuple()} on {self.name(w)}")
        self.click(w, pos, button, double)

    def act_lone_button(self) -> None:
        w = self.pick()
        if isinstance(w, QComboBox):
            return
        button = self.rng.choice([Button.LeftButton, Button.RightButton])
        pos = self.point_in(w)
        if self.rng.random() < 0.5:
            self.note("press", f"press {button.name} at {pos.toTuple()} on {self.name(w)}")
            self.mouse(w, QEvent.Type.MouseButtonPress, pos, button, button)
        else:
            self.note("release", f"release {button.name} at {pos.toTuple()} on {self.name(w)}")
            self.mouse(w, QEvent.Type.MouseButtonRelease, pos, button, Button.NoButton)

    def drag_surfaces(self) -> list[QWidget]:
        win = self.window
        return [win.pixel_grid, win.pixel_grid, win.kernel_grid.viewport(), win.feature_maps.view_widget.viewport()]

    def act_drag(self) -> None:
        if self.rng.random() < 0.8:
            w = self.rng.choice(self.drag_surfaces())
        else:
            w = self.pick()
            if isinstance(w, QComboBox):
                return
        if not w.isVisible():
            return
        n = self.rng.randint(2, 12)
        points = [self.point_in(w, outside=0.15) for _ in range(n)]
        button = Button.LeftButton if self.rng.random() < 0.75 else Button.RightButton
        self.note("drag", f"drag {button.name} through {[p.toTuple() for p in points]} on {self.name(w)}")
        self.drag(w, points, button)

    def act_wheel(self, w: QWidget | None = None) -> None:
        if w is None:
            w = self.pick() if self.rng.random() < 0.6 else self.rng.choice(self.drag_surfaces())
        pos = self.point_in(w)
        steps = self.rng.choice([-3, -1, -1, 1, 1, 2])
        mods = Mod.ShiftModifier if self.rng.random() < 0.2 else Mod.NoModifier
        self.note("wheel", f"wheel {steps:+d}{' shift' if mods != Mod.NoModifier else ''} at {pos.toTuple()} "
                           f"on {self.name(w)}")
        self.wheel(w, pos, steps, mods)

    def act_key(self) -> None:
        w = self.pick()
        r = self.rng.random()
        if r < 0.06:
            key, mods = Key.Key_Z, Mod.ControlModifier
        elif r < 0.1:
            key, mods = Key.Key_Z, Mod.ControlModifier | Mod.ShiftModifier
        else:
            key, mods = self.rng.choice(PLAIN_KEYS), Mod.NoModifier
            if self.rng.random() < 0.1:
                mods = Mod.ShiftModifier
        if isinstance(w, QComboBox) and (key in COMBO_UNSAFE_KEYS or key == " "):
            key = Key.Key_Down
        via_qtest = self.rng.random() < 0.5  # QTest also offers the key to the window's shortcuts
        shown = key if isinstance(key, str) else key.name
        self.note("key", f"key {shown} {mods.name if mods != Mod.NoModifier else ''} "
                         f"{'(qtest)' if via_qtest else '(sendEvent)'} on {self.name(w)}")
        if via_qtest:
            self.qtbot.keyClick(w, key, mods)
        else:
            self.key_event(w, key, mods)

    # ------------------------------------------------------------------ direct intents
    def act_intent(self) -> None:
        intents: list[tuple[float, Callable[[], str]]] = [
            (5.0, self.intent_layer),
            (1.0, self.intent_resize),
            (0.6, self.intent_value_mode),
            (0.8, self.intent_preset),
            (0.8, self.intent_undo_redo),
            (0.6, self.intent_map_cell),
            (0.4, self.intent_colormap),
            (0.3, self.intent_view_toggle),
            (0.8, self.intent_paste_line),
        ]
        fn = self.rng.choices([fn for _, fn in intents], weights=[w for w, _ in intents])[0]
        text = fn()
        self.note("intent", f"intent {text}")

    def intent_layer(self) -> str:
        """Set one layer control to a random value, often one the document must refuse."""
        cc = self.window.conv_controls
        doc = self.window.document
        if not cc.isVisible():
            return "layer controls hidden (the selected layer is not a Conv2D)"
        h, w = doc.input.shape[:2]
        choice = self.rng.randrange(10)
        if choice == 0:
            v = self.rng.choice([1, 2, 3, 4, 8, 16, 64])
            cc.filters.setValue(v)
            return f"filters {v}"
        if choice in (1, 2):
            spin = self.rng.choice([cc.kernel_h, cc.kernel_w])
            v = self.rng.choice([1, 2, 3, 5, min(11, max(h, w) + 1), 9, 11])  # 9 or h+1 on a small input: refused
            spin.setValue(v)
            return f"{spin.accessibleName()} {v} (input {h}x{w}, padding {doc.spec.padding})"
        if choice in (3, 4):
            spin = self.rng.choice([cc.stride_h, cc.stride_w])
            v = self.rng.choice([1, 1, 2, 3, 8])
            spin.setValue(v)
            return f"{spin.accessibleName()} {v} (dilation {doc.spec.dilation_rate})"
        if choice in (5, 6):
            spin = self.rng.choice([cc.dilation_h, cc.dilation_w])
            v = self.rng.choice([1, 1, 2, 3, 8])
            spin.setValue(v)
            return f"{spin.accessibleName()} {v} (strides {doc.spec.strides})"
        if choice == 7:
            i = self.rng.randrange(cc.padding.count())
            cc.padding.setCurrentIndex(i)
            return f"padding {cc.padding.itemData(i)}"
        if choice == 8:
            i = self.rng.randrange(cc.activation.count())
            cc.activation.setCurrentIndex(i)
            return f"activation {cc.activation.itemData(i)}"
        link = self.rng.choice([cc.kernel_link, cc.stride_link, cc.dilation_link, cc.use_bias])
        link.click()
        return f"toggle {link.accessibleName()}"

    def intent_resize(self) -> str:
        tools = self.window.input_tools
        rows, cols = self.rng.randint(3, 24), self.rng.randint(3, 24)
        tools.rows.setValue(rows)
        tools.cols.setValue(cols)
        tools.resize_mode.setCurrentIndex(self.rng.randrange(tools.resize_mode.count()))
        if tools.apply_size.isEnabled():
            tools.apply_size.click()
        return f"resize the input to {rows}x{cols} ({tools.resize_mode.currentData()})"

    def intent_value_mode(self) -> str:
        box = self.window.input_tools.value_mode
        i = self.rng.randrange(box.count())
        box.setCurrentIndex(i)
        return f"value mode {box.itemData(i)}"

    def intent_preset(self) -> str:
        actions = self.window.kernel_actions.preset_actions
        if not self.window.kernel_actions.isVisible():
            return "presets hidden (the selected layer is not a Conv2D)"
        name = self.rng.choice(sorted(actions))
        actions[name].trigger()
        return f"preset {name}"

    def intent_undo_redo(self) -> str:
        name = self.rng.choice(["undo", "undo", "redo"])
        action = self.window.actions_by_name[name]
        if action.isEnabled():
            action.trigger()
        return f"{name} ({'enabled' if action.isEnabled() else 'disabled'})"

    def intent_map_cell(self) -> str:
        """A real click on a random feature-map cell (where it is drawn, not a signal)."""
        fm = self.window.feature_maps
        mosaic = fm.mosaic()
        if mosaic is None or mosaic.count == 0:
            return "map cell (no mosaic)"
        k = fm.shown_maps()[self.rng.randrange(mosaic.count)]  # in the focus view: the focused map
        r, c = self.rng.randrange(mosaic.h), self.rng.randrange(mosaic.w)
        centre = fm.view_widget.mapFromScene(fm.cell_scene_rect(k, r, c).center())
        self.click(fm.view_widget.viewport(), centre, Button.LeftButton)
        return f"click map cell filter {k + 1} ({r}, {c}) at {centre.toTuple()}"

    def intent_colormap(self) -> str:
        box = self.window.map_options.colormap
        i = self.rng.randrange(box.count())
        box.setCurrentIndex(i)
        return f"colour map {box.itemData(i)}"

    def intent_view_toggle(self) -> str:
        name = self.rng.choice(["reveal", "overlay"])
        self.window.actions_by_name[name].trigger()
        return f"toggle {name}"

    def intent_paste_line(self) -> str:
        """Type a Conv2D line into the paste field and press Enter: some apply, most are refused."""
        paste = getattr(self.window, "line_paste", None)
        if paste is None or not paste.field.isVisible():
            return "paste a line (no field)"
        line = self.rng.choice(PASTED_LINES)
        paste.field.clear()
        self.qtbot.keyClicks(paste.field, line)
        self.qtbot.keyClick(paste.field, Key.Key_Return)
        return f"paste {line!r}"

    # ------------------------------------------------------------------ the run
    def settle(self) -> None:
        QApplication.processEvents()
        popup = QApplication.activePopupWidget()
        while popup is not None:  # nothing should open one; close it rather than let it eat events
            self.note("popup", f"closed a popup {type(popup).__name__}")
            popup.close()
            QApplication.processEvents()
            popup = QApplication.activePopupWidget()

    def check(self) -> None:
        """The invariants: shapes, one map a filter, the engine's maps, a responsive window."""
        win = self.window
        doc = win.document
        if not win.isVisible():
            self.fail("the window closed")
        try:
            self.qtbot.waitUntil(lambda: not doc.computing, timeout=10_000)
        except Exception:
            self.fail("the document is still computing after 10 s")
        self.check_stack(doc)
        x = doc.layer_input(doc.selected_layer)
        if doc.selected_class != "Conv2D" or doc.selected_result is None or x is None:
            self.check_answers()
            return
        expected_shape = engine.output_shape(x.shape, doc.spec)
        if doc.result.out_shape != expected_shape:
            self.fail(f"result shape {doc.result.out_shape} != engine.output_shape {expected_shape} for {doc.spec}")
        fm = win.feature_maps
        if fm.map_count() != doc.spec.filters:
            self.fail(f"the feature-map widget shows {fm.map_count()} maps for {doc.spec.filters} filters")
        ref = engine.compute(x, doc.kernels, doc.bias, doc.spec)
        activated = doc.view.show_activation or doc.spec.activation == "linear"
        expected = ref.maps if activated else ref.pre_activation
        for f in range(doc.spec.filters):
            try:
                np.testing.assert_allclose(fm.image_data(f), expected[f], rtol=1e-6, atol=1e-6)
            except AssertionError as exc:
                self.fail(f"map {f + 1} differs from the engine's:\n{exc}")
        # The other views show the same document.
        f = doc.view.selected_filter
        if win.filter_list.count() != doc.spec.filters:
            self.fail(f"the filter list shows {win.filter_list.count()} filters for {doc.spec.filters}")
        channels = range(x.shape[2])  # an RGB scene (or a layer's maps) shows and edits one channel at a time
        shown_kernel = win.kernel_grid.kernel()
        if not any(np.array_equal(shown_kernel, doc.kernels[:, :, c, f]) for c in channels):
            self.fail(f"the kernel grid shows {shown_kernel} for filter {f + 1}'s {doc.kernels[..., f]}")
        image = win.pixel_grid.image()
        if not (np.array_equal(image, x) or any(np.array_equal(image, x[:, :, c : c + 1]) for c in channels)):
            self.fail("the pixel grid does not show the document's input")
        if win.step_panel.steps() != doc.result.steps:
            self.fail(f"the step panel has {win.step_panel.steps()} steps for {doc.result.steps} output cells")
        self.check_answers()

    def check_stack(self, doc) -> None:  # type: ignore[no-untyped-def]
        """Every layer's result is what the engine computes for the document's layers now."""
        if doc.problem is not None or len(doc.results) != len(doc.layers):
            return
        fresh = engine.forward(doc.input, doc.to_session().layers)
        for i, (got, want) in enumerate(zip(doc.results, fresh, strict=True)):
            if got.output.shape != want.shape or not np.allclose(got.output, want, rtol=1e-5, atol=1e-5):
                self.fail(f"layer {i + 1}'s result is not the engine's for the document's layers now")

    def check_answers(self) -> None:
        """The event loop answers: the window is not stuck."""
        answered: list[bool] = []
        QTimer.singleShot(0, lambda: answered.append(True))
        try:
            self.qtbot.waitUntil(lambda: bool(answered), timeout=5_000)
        except Exception:
            self.fail("the event loop did not answer within 5 s")

    def run(self, events: int, hurry: float = 0.0) -> None:
        """``hurry``: the share of events fired without letting the event loop run first (so edits
        pile up while a result is still on its way from the worker)."""
        for self.index in range(1, events + 1):
            self.act()
            if self.rng.random() >= hurry or self.index % CHECK_EVERY == 0:
                self.settle()
            if self.errors:
                self.fail(f"an exception escaped into Qt:\n{self.errors[0]}")
            if self.index % CHECK_EVERY == 0 or self.index == events:
                self.check()
        # Leave nothing running: a stroke half done, the playback clock.
        self.window.stepping.stop()
        self.settle()


@pytest.fixture
def record_exceptions(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Route every exception that reaches an excepthook (Qt slots and virtuals, psygnal callbacks run
    from them, the compute thread) into the monkey's log, then on to pytest-qt's own capture."""
    sinks: list[Callable[..., None]] = []
    previous = sys.excepthook
    previous_thread = threading.excepthook

    def hook(exc_type, exc, tb):  # type: ignore[no-untyped-def]
        for sink in sinks:
            sink(exc_type, exc, tb)
        previous(exc_type, exc, tb)

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        for sink in sinks:
            sink(args.exc_type, args.exc_value, args.exc_traceback)
        previous_thread(args)

    monkeypatch.setattr(sys, "excepthook", hook)
    monkeypatch.setattr(threading, "excepthook", thread_hook)
    return sinks


def open_window(qtbot, session: Session | None) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(Document(session))
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()  # QTest key clicks then also reach the window's shortcuts
    return window


def run_monkey(qtbot, sinks, session: Session | None, events: int, seed: int, label: str,  # type: ignore[no-untyped-def]
               monkeypatch: pytest.MonkeyPatch, hurry: float = 0.0) -> Monkey:
    window = open_window(qtbot, session)
    monkey = Monkey(window, qtbot, seed, label)
    monkeypatch.setattr(paint_tools, "mode_noise", monkey.noise)
    # Insert on the layer list opens its Add menu, whose exec blocks (see "Never touched" above).
    monkeypatch.setattr(window.stack_view.layer_list.add_button, "showMenu",
                        lambda: monkey.note("menu", "Insert: the Add layer menu (not opened: its exec blocks)"))
    sinks.append(monkey.record_exception)
    started = time.perf_counter()
    monkey.check()
    monkey.run(events, hurry)
    elapsed = time.perf_counter() - started
    print(f"\nmonkey {label}: {events} events in {elapsed:.1f} s, seed {seed}, {monkey.busy} while computing, "
          f"{sorted(monkey.counts.items())}")
    return monkey


# ------------------------------------------------------------------ sessions


def three_channel_session() -> Session:
    rng = np.random.default_rng(3)
    return Session(
        input=rng.random((8, 8, 3)).round(2).astype(np.float32),
        kernels=rng.uniform(-1, 1, (3, 3, 3, 2)).round(2).astype(np.float32),
        bias=np.array([0.1, -0.2], np.float32),
        spec=ConvSpec(2, (3, 3), activation="relu"),
        view=ViewState(value_mode="grey"),
        title="RGB",
    )


def same_stride_two_session() -> Session:
    base = default_session()
    x = np.pad(base.input, ((1, 1), (1, 1), (0, 0)), constant_values=1.0)  # 7x7: odd, so the padding is uneven
    k = np.concatenate([base.kernels, base.kernels.transpose(1, 0, 2, 3)], axis=3)
    return Session(
        input=x, kernels=k, bias=np.zeros(2, np.float32),
        spec=ConvSpec(2, (3, 3), strides=(2, 2), padding="same"),
        title="same, stride 2",
    )


# ------------------------------------------------------------------ tests


def test_monkey_the_article_window(qtbot, record_exceptions, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkey = run_monkey(qtbot, record_exceptions, None, EVENTS, SEED, "article X", monkeypatch)
    # The run really exercised the window: every kind of event was fired, and the monkey reached
    # the places the invariants are about.
    for kind in ("click", "drag", "wheel", "key", "intent"):
        assert monkey.counts.get(kind, 0) > 0, f"no {kind} events with seed {SEED}"


def data(doc: Document) -> tuple[object, ...]:
    """The document's data: the input, every layer (its class, settings and every array it holds), the names."""
    layers = tuple(
        (layer.keras_class, repr(layer_config(layer)),
         tuple((v.shape, v.tobytes()) for v in vars(layer).values() if isinstance(v, np.ndarray)))
        for layer in doc.layers
    )
    return (doc.input.shape, doc.input.tobytes(), layers, doc.layer_names, doc.view.value_mode)


def undo_and_redo_everything(monkey: Monkey, start: tuple[object, ...]) -> None:
    """Undo back to the opening scene, then redo to where the monkey left it (the test lifted the
    history's limit before the run, so every step is still there)."""
    win, doc = monkey.window, monkey.window.document
    # A lone press may have left a stroke open: release it.
    monkey.mouse(win.pixel_grid, QEvent.Type.MouseButtonRelease, QPoint(0, 0), Button.LeftButton, Button.NoButton)
    monkey.settle()
    end = data(doc)
    undone = 0
    while doc.undo_label() is not None:
        win.actions_by_name["undo"].trigger()
        undone += 1
    monkey.settle()
    if data(doc) != start:
        monkey.fail(f"undoing all {undone} steps did not give back the opening scene")
    for _ in range(undone):
        win.actions_by_name["redo"].trigger()
    monkey.settle()
    if data(doc) != end:  # (steps the monkey itself undid are still on the redo stack)
        monkey.fail(f"redoing all {undone} steps did not give back the monkey's last scene")
    monkey.check()
    print(f"monkey {monkey.label}: {undone} steps undone and redone")


def unlimited_history(monkeypatch: pytest.MonkeyPatch) -> None:
    from kernelscope.core import document

    monkeypatch.setattr(document, "UNDO_LIMIT", 1_000_000)


def test_monkey_a_three_channel_session(qtbot, record_exceptions, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    session = three_channel_session()
    unlimited_history(monkeypatch)
    monkey = run_monkey(qtbot, record_exceptions, session, SMALL_RUN, SEED + 1, "3 channels", monkeypatch)
    undo_and_redo_everything(monkey, data(Document(session)))


def test_monkey_same_padding_stride_two(qtbot, record_exceptions, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    session = same_stride_two_session()
    window_check = engine.output_shape(session.input.shape, session.spec)
    assert window_check == (4, 4, 2)
    unlimited_history(monkeypatch)
    monkey = run_monkey(qtbot, record_exceptions, session, SMALL_RUN, SEED + 2, "same, stride 2", monkeypatch)
    undo_and_redo_everything(monkey, data(Document(session)))


def test_monkey_with_every_recompute_on_the_worker(qtbot, record_exceptions, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Heavy scenes compute off the UI thread; here every scene does, so edits arrive while a result
    is on its way (the maps may lag a moment, never show an older state once it lands)."""
    from kernelscope.core import document

    monkeypatch.setattr(document, "SYNC_WORK_LIMIT", 0)
    monkey = run_monkey(qtbot, record_exceptions, None, SMALL_RUN, SEED + 3, "worker thread", monkeypatch, hurry=0.8)
    assert monkey.window.worker is not None
    assert monkey.window.worker.computations > 0
    assert monkey.busy > 0, "no event found the document computing"


# ------------------------------------------------------------------ what the monkey found, pinned


def test_kernel_grid_shrinks_under_an_open_editor(qtbot) -> None:  # type: ignore[no-untyped-def]
    """Found by the monkey (seed 2, event 3634, in an earlier draft of this file): a weight half typed
    at (3, 7) of an 11x11 kernel, then the layer goes 5x5.
    Removing rows hid a scroll bar; the viewport resize re-entered ``set_kernel`` in the middle of
    Qt's row removal, which removed the editor's column there: a segmentation fault."""
    grid = KernelGrid()
    qtbot.addWidget(grid)
    grid.resize(400, 400)
    grid.show()
    grid.set_kernel(np.zeros((11, 11), np.float32))
    grid.setCurrentCell(3, 7)
    qtbot.keyClicks(grid, "6")
    editor_of(grid)
    grid.set_kernel(np.ones((5, 5), np.float32))
    assert (grid.rowCount(), grid.columnCount()) == (5, 5)
    assert [grid.item(r, c).text() for r in range(5) for c in range(5)] == ["1"] * 25


def test_the_layer_shrinks_while_a_weight_is_typed(qtbot) -> None:  # type: ignore[no-untyped-def]
    """The same through the window: the half-typed weight is dropped, the grid follows the layer."""
    window = open_window(qtbot, None)
    cc = window.conv_controls
    cc.padding.setCurrentIndex(cc.padding.findData("same"))
    cc.kernel_h.setValue(11)
    assert window.document.spec.kernel_size == (11, 11)
    grid = window.kernel_grid
    grid.setCurrentCell(3, 7)
    qtbot.keyClicks(grid, "6")
    editor_of(grid)
    cc.kernel_h.setValue(5)
    assert window.document.spec.kernel_size == (5, 5)
    assert (grid.rowCount(), grid.columnCount()) == (5, 5)
    expected = np.zeros((5, 5), np.float32)
    expected[1:4, 1:4] = [[1, 1, 1], [-1, -1, -1], [1, 1, 1]]  # kernels stay centred (issue 13: not top-left)
    np.testing.assert_array_equal(window.document.kernels[:, :, 0, 0], expected)
    np.testing.assert_array_equal(grid.kernel(), expected)


@pytest.mark.parametrize(
    ("values", "diverging", "indices"),
    [
        ([-3e38, 0.0, 3e38], True, (0, 128, 255)),
        ([-3e38, 0.0, 3e38], False, (0, 128, 255)),
        ([0.0, 1e-44, 2e-44], False, (0, 128, 255)),  # float32 denormals: 7 and 14 times 2**-149
        ([0.0, 1e-44, 2e-44], True, (128, 191, 255)),
    ],
    ids=["huge-diverging", "huge-sequential", "denormal-sequential", "denormal-diverging"],
)
def test_map_colours_at_the_ends_of_float32(values: list[float], diverging: bool, indices: tuple[int, ...]) -> None:
    """Found by the monkey (seed 23, earlier draft): a map spanning 1e-44 (softplus far below 0) made
    255 / span overflow in float32;
    a weight of 3e38 made the span itself overflow. Both warnings escaped from a repaint."""
    from kernelscope.core.colour_scale import colour_maps, lookup_table, scale_levels

    maps = np.array([[values]], np.float32)
    lut = lookup_table("viridis")
    colours = colour_maps(maps, scale_levels(maps, diverging, shared=True), lut)
    np.testing.assert_array_equal(colours[0, 0], lut[list(indices)])
