"""The compute worker survives anything a computation raises, and the app shows its window before
a large scene's first maps (then waits for them when it only takes a screenshot)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from kernelscope.core import document, engine
from kernelscope.core.engine import ConvSpec
from kernelscope.core.scene import Session, ViewState
from kernelscope.ui import app as app_module
from kernelscope.ui.main_window import MainWindow
from tests.ui.gui import open_window


def heavy_ish_scene(title: str = "heavy-ish") -> Session:
    rng = np.random.default_rng(5)
    return Session(
        input=rng.random((48, 40, 3), dtype=np.float32),
        kernels=rng.random((5, 5, 3, 4), dtype=np.float32) - np.float32(0.5),
        bias=np.zeros(4, np.float32),
        spec=ConvSpec(4, (5, 5), activation="gelu"),
        view=ViewState(value_mode="grey"),
        title=title,
    )


@pytest.fixture
def every_compute_on_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any scene counts as heavy: edits and loads go through the window's ComputeWorker."""
    monkeypatch.setattr(document, "SYNC_WORK_LIMIT", 0)


@pytest.fixture
def gated_worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The worker's computations wait for the returned event (the UI thread's never do)."""
    gate = threading.Event()
    real = engine.compute

    def gated(*args):  # type: ignore[no-untyped-def]
        if threading.current_thread() is not threading.main_thread():
            assert gate.wait(20), "the test never let the worker go on"
        return real(*args)

    monkeypatch.setattr(engine, "compute", gated)
    yield gate
    gate.set()


@pytest.mark.usefixtures("every_compute_on_the_worker")
@pytest.mark.parametrize("error", [RuntimeError("boom"), MemoryError()])
def test_a_worker_exception_is_a_message_and_the_next_edit_computes(
    qtbot, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:  # type: ignore[no-untyped-def]
    window = open_window(qtbot)
    doc = window.document
    good, drawn = doc.result, []
    set_maps = window.feature_maps.set_maps
    monkeypatch.setattr(window.feature_maps, "set_maps", lambda maps, *a: (drawn.append(maps), set_maps(maps, *a)))
    real, failures = engine.compute, [error]

    def flaky(*args):  # type: ignore[no-untyped-def]
        if failures:
            raise failures.pop()
        return real(*args)

    monkeypatch.setattr(engine, "compute", flaky)
    doc.set_weight(0, 0, 0, 3.0)
    assert doc.computing
    qtbot.waitUntil(lambda: not doc.computing, timeout=10_000)
    message = window.status_strip.message.text()
    assert ("not enough memory" if isinstance(error, MemoryError) else "RuntimeError: boom") in message
    assert doc.result is good  # the last good maps stay
    assert drawn
    assert all(maps is good.maps for maps in drawn)
    assert "computing" not in window.status_strip.shape_label.text()
    assert window.worker is not None
    assert window.worker._thread.is_alive()

    doc.set_weight(0, 0, 1, 4.0)
    qtbot.waitUntil(lambda: not doc.computing and doc.result is not good, timeout=10_000)
    assert doc.result.kernels[0, 1, 0, 0] == 4.0
    assert doc.result.kernels[0, 0, 0, 0] == 3.0


@pytest.mark.usefixtures("every_compute_on_the_worker")
def test_run_shows_the_window_before_the_first_heavy_compute(
    qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, gated_worker: threading.Event
) -> None:  # type: ignore[no-untyped-def]
    from kernelscope.files.recovery import DATA_DIR_ENV

    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    session, seen = heavy_ish_scene(), []

    def exec_(self) -> int:  # type: ignore[no-untyped-def]
        (window,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]
        doc = window.document
        qtbot.waitExposed(window)
        seen.append((doc.computing, doc.title, window.statusBar().currentMessage(),
                     window.status_strip.shape_label.text()))
        gated_worker.set()
        qtbot.waitUntil(lambda: not doc.computing, timeout=10_000)
        seen.append((doc.title, doc.result.out_shape, window.statusBar().currentMessage(), doc.modified))
        window.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", exec_)
    assert app_module.run(session) == 0
    (computing, title, status, shape), after = seen
    assert computing
    assert title != "heavy-ish"
    assert status == "computing the feature maps..."
    assert "computing..." in shape
    assert after == ("heavy-ish", (44, 36, 4), "", False)


@pytest.mark.usefixtures("every_compute_on_the_worker")
def test_a_screenshot_waits_for_the_loaded_scenes_maps(
    qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, gated_worker: threading.Event
) -> None:  # type: ignore[no-untyped-def]
    from kernelscope.files import export

    session, grabbed = heavy_ish_scene(), []
    real_save: Callable[..., None] = export.save_png

    def save_png(image, path) -> None:  # type: ignore[no-untyped-def]
        grabbed.append(image)
        real_save(image, path)

    monkeypatch.setattr(export, "save_png", save_png)
    states = []
    real_grab = MainWindow.grab

    def grab(self, *args):  # type: ignore[no-untyped-def]
        doc = self.document
        states.append((doc.computing, doc.title, self.maps_heading.text(), doc.result.maps.shape))
        return real_grab(self, *args)

    monkeypatch.setattr(MainWindow, "grab", grab)
    QTimer.singleShot(50, gated_worker.set)  # the worker goes on only once the event loop turns
    out = tmp_path / "shot.png"
    app_module.screenshot(out, session, (900, 600))
    assert out.stat().st_size > 0
    assert states == [(False, "heavy-ish", "Feature maps  44x36x4", (4, 44, 36))]
    assert len(grabbed) == 1
