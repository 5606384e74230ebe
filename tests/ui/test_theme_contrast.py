"""Every text at least 4.5:1 against its background (WCAG AA), in the light and dark themes and in
projector mode's high contrast: the palette's pairs, and the red lines that explain a refusal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QLabel

from kernelscope.ui import theme
from kernelscope.ui.theme import MIN_CONTRAST, contrast
from tests.ui.gui import open_window

R = QPalette.ColorRole
TEXT_ON = [(R.WindowText, R.Window), (R.Text, R.Base), (R.ButtonText, R.Button), (R.Text, R.AlternateBase),
           (R.HighlightedText, R.Highlight), (R.PlaceholderText, R.Base), (R.ToolTipText, R.ToolTipBase)]
THEMES = [("light", False), ("dark", False), ("light", True), ("dark", True)]
IDS = ["light", "dark", "light-projector", "dark-projector"]


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    """The application's palette, font and style put back after the test changed the theme."""
    app = qapp
    palette, font, style = QPalette(app.palette()), app.font(), app.style().name()
    yield app
    app.setPalette(palette)
    app.setFont(font)
    app.setStyle(style)


def test_the_wcag_ratio_is_computed_as_the_standard_says() -> None:
    assert contrast(QColor(0, 0, 0), QColor(255, 255, 255)) == pytest.approx(21.0)
    assert contrast(QColor(119, 119, 119), QColor(255, 255, 255)) == pytest.approx(4.48, abs=0.01)
    assert contrast(QColor(128, 0, 0), QColor(32, 33, 36)) < 2  # the old dark red on the dark window


@pytest.mark.parametrize(("name", "high_contrast"), THEMES, ids=IDS)
def test_every_palette_text_reads_on_its_background(app: QApplication, name: str, high_contrast: bool) -> None:
    theme.apply(app, name, 1.0, high_contrast)
    p = app.palette()
    for text, background in TEXT_ON:
        assert contrast(p.color(text), p.color(background)) >= MIN_CONTRAST, (text, background)


def ink_and_paper(label: QLabel) -> tuple[QColor, QColor]:
    """What the label's text is drawn in, and the window colour it sits on."""
    return label.palette().color(label.foregroundRole()), label.palette().color(R.Window)


@pytest.mark.parametrize(("name", "high_contrast"), THEMES, ids=IDS)
def test_refusals_read_in_every_theme(app: QApplication, qtbot, tmp_path: Path, name: str,  # type: ignore[no-untyped-def]
                                      high_contrast: bool) -> None:
    w = open_window(qtbot)
    w.set_theme(name)  # View > Theme, as a person picks it
    if high_contrast:
        w.set_projector(True, full_screen=False)
    app.processEvents()  # the theme's palette reaches the widgets
    try:
        junk = tmp_path / "junk.png"
        junk.write_bytes(b"not a picture")
        assert not w.files.open_image(junk)  # the message line explains the refusal
        message = w.status_strip.message
        assert message.text()
        ink, paper = ink_and_paper(message)
        assert paper == app.palette().color(R.Window)
        assert ink.red() > ink.green() + 60  # still a red
        assert contrast(ink, paper) >= MIN_CONTRAST
        w.line_paste.show_result("kernel_size: expected two whole numbers, got (0, 3)", ok=False)
        ink, paper = ink_and_paper(w.line_paste.message)
        assert ink.red() > ink.green() + 60
        assert contrast(ink, paper) >= MIN_CONTRAST
    finally:
        if high_contrast:
            w.set_projector(False)
        w.set_theme("light")
