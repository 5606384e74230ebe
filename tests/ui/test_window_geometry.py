"""The window on every screen: its first size fits the screen it opens on, the last geometry comes
back when it still fits, and projector mode gives back exactly the window it took."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray, QRect, QSize
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

from kernelscope.core.document import Document
from kernelscope.ui import app, window_geometry
from kernelscope.ui.main_window import MainWindow
from kernelscope.ui.settings import Settings


def new_window(qtbot, settings: Settings | None = None) -> MainWindow:  # type: ignore[no-untyped-def]
    w = MainWindow(Document(), settings=settings)
    qtbot.addWidget(w)
    return w


def small_screen(monkeypatch: pytest.MonkeyPatch, area: QRect) -> None:
    monkeypatch.setattr(window_geometry, "available_area", lambda window: QRect(area))


def test_the_first_size_fits_the_real_screen(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = new_window(qtbot)
    area = w.screen().availableGeometry()
    assert area.contains(w.geometry())
    assert w.geometry() == window_geometry.first_geometry(area)
    assert w.width() <= 1280
    assert w.height() <= 800


@pytest.mark.parametrize("area", [QRect(0, 0, 1024, 600), QRect(0, 0, 1024, 768), QRect(200, 30, 1280, 800)])
def test_the_first_size_fits_a_small_screen(qtbot, monkeypatch: pytest.MonkeyPatch, area: QRect) -> None:  # type: ignore[no-untyped-def]
    small_screen(monkeypatch, area)
    w = new_window(qtbot)
    assert area.contains(w.geometry())
    assert w.geometry().top() - area.top() >= window_geometry.title_bar_allowance()  # the title bar too
    assert w.width() == min(1280, area.width())
    assert w.height() >= area.height() - 60  # it uses the screen, not a corner of it


def test_a_large_screen_gets_the_preferred_size_centred(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    area = QRect(0, 0, 3840, 2160)
    small_screen(monkeypatch, area)
    w = new_window(qtbot)
    assert w.size() == QSize(1280, 800)
    assert abs(w.geometry().center().x() - area.center().x()) <= 1


def saved(qtbot, rect: QRect) -> Settings:  # type: ignore[no-untyped-def]
    """Settings holding the geometry of a window closed at ``rect``."""
    settings = Settings()
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.setGeometry(rect)
    settings.set_window_geometry(widget.saveGeometry())
    return settings


def placed(qtbot, settings: Settings) -> QWidget:  # type: ignore[no-untyped-def]
    widget = QWidget()
    qtbot.addWidget(widget)
    window_geometry.place(widget, settings)
    return widget


def test_a_saved_geometry_that_fits_comes_back(qtbot) -> None:  # type: ignore[no-untyped-def]
    assert placed(qtbot, saved(qtbot, QRect(40, 50, 700, 500))).geometry() == QRect(40, 50, 700, 500)


def test_a_saved_geometry_too_big_for_this_screen_is_replaced(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Closed on a large monitor, opened on a small classroom laptop: the fitted default."""
    settings = saved(qtbot, QRect(40, 50, 700, 500))
    laptop = QRect(0, 0, 600, 400)
    small_screen(monkeypatch, laptop)
    assert placed(qtbot, settings).geometry() == window_geometry.first_geometry(laptop)


def test_a_saved_geometry_off_this_screen_is_replaced(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """A second monitor that is gone: the window comes back on the one in use."""
    settings = saved(qtbot, QRect(1900, 50, 700, 500))
    area = QRect(0, 0, 1024, 768)
    small_screen(monkeypatch, area)
    assert placed(qtbot, settings).geometry() == window_geometry.first_geometry(area)


def test_unreadable_saved_geometry_gives_the_default(qtbot, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    area = QRect(0, 0, 1024, 768)
    small_screen(monkeypatch, area)
    settings = Settings()
    settings.set_window_geometry(QByteArray(b"not a geometry at all"))
    assert new_window(qtbot, settings).geometry() == window_geometry.first_geometry(area)


def test_saved_frame_reads_what_save_geometry_writes(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = new_window(qtbot)
    w.setGeometry(QRect(20, 30, 640, 480))
    assert window_geometry.saved_frame(w.saveGeometry()) == w.frameGeometry()
    assert window_geometry.saved_frame(QByteArray()) is None


def test_closing_the_window_remembers_its_geometry(qtbot) -> None:  # type: ignore[no-untyped-def]
    settings = Settings()
    w = new_window(qtbot, settings)
    w.show()
    qtbot.waitExposed(w)
    at_close = w.saveGeometry()
    w.close()
    assert settings.window_geometry() == at_close
    assert Settings().window_geometry() == at_close  # stored, not only held


def projector_round_trip(qtbot, w: MainWindow) -> None:  # type: ignore[no-untyped-def]
    w.actions_by_name["projector"].trigger()  # F5
    assert w.is_projector()
    assert w.isFullScreen()
    w.actions_by_name["bigger"].trigger()
    w.actions_by_name["projector"].trigger()
    assert not w.is_projector()


def test_leaving_projector_restores_geometry_splitter_and_fonts(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = new_window(qtbot)
    w.setGeometry(QRect(30, 40, 1100, 820))  # larger than the offscreen screen: kept, not fitted
    w.show()
    qtbot.waitExposed(w)
    w.splitter.setSizes([300, 200, 220])
    before_sizes, before_font = w.splitter.sizes(), QApplication.font().pointSizeF()
    before_heading = w.input_heading.font().pointSizeF()
    projector_round_trip(qtbot, w)
    assert w.geometry() == QRect(30, 40, 1100, 820)
    assert not w.isFullScreen()
    assert w.splitter.sizes() == before_sizes
    assert QApplication.font().pointSizeF() == before_font
    assert w.input_heading.font().pointSizeF() == before_heading


def test_leaving_projector_gives_back_a_maximized_window(qtbot) -> None:  # type: ignore[no-untyped-def]
    w = new_window(qtbot)
    w.setGeometry(QRect(30, 40, 1100, 820))
    w.show()
    qtbot.waitExposed(w)
    w.showMaximized()
    qtbot.waitUntil(w.isMaximized)
    normal = w.normalGeometry()
    assert normal == QRect(30, 40, 1100, 820)
    projector_round_trip(qtbot, w)
    assert w.isMaximized()
    assert not w.isFullScreen()
    assert w.normalGeometry() == normal  # un-maximizing later still gives the person's own window


def test_closing_in_projector_remembers_the_window_from_before(qtbot) -> None:  # type: ignore[no-untyped-def]
    settings = Settings()
    w = new_window(qtbot, settings)
    w.show()
    qtbot.waitExposed(w)
    before = w.saveGeometry()
    w.actions_by_name["projector"].trigger()
    assert w.isFullScreen()
    w.close()
    assert settings.window_geometry() == before


def test_a_screenshot_keeps_its_size_and_does_not_move_the_next_window(tmp_path: Path) -> None:
    settings = Settings()
    out = tmp_path / "small.png"
    app.screenshot(out, size=(1024, 600))
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1024, 600)
    assert settings.window_geometry() is None
