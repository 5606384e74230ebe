"""Light, dark and high-contrast palettes and the UI scale, applied to the whole application."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

_BASE_POINT_SIZE: float | None = None

MIN_CONTRAST = 4.5
"""WCAG AA for body text: every text against its background, in every theme."""

_PROBLEM_RED = QColor(190, 0, 20)


def luminance(colour: QColor) -> float:
    """WCAG relative luminance (sRGB)."""

    def linear(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(colour.redF()) + 0.7152 * linear(colour.greenF()) + 0.0722 * linear(colour.blueF())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio, 1 (same) to 21 (black on white)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def problem_red(background: QColor) -> QColor:
    """The red that explains a refusal, readable on ``background``: darkened on a light window,
    lightened on a dark one, only as far as the contrast needs (it stays a red)."""
    towards = QColor(0, 0, 0) if luminance(background) > 0.18 else QColor(255, 255, 255)
    for step in range(21):
        t = step / 20
        red = QColor.fromRgbF(*(a + (b - a) * t for a, b in zip(_PROBLEM_RED.getRgbF()[:3], towards.getRgbF()[:3],
                                                                  strict=True)))
        if contrast(red, background) >= MIN_CONTRAST + 0.2:
            return red
    return towards


def _palette(theme: str, high_contrast: bool) -> QPalette:
    p = QPalette()
    if theme == "dark":
        window, base, text = QColor(32, 33, 36), QColor(20, 21, 24), QColor(235, 235, 235)
        button, highlight = QColor(50, 52, 58), QColor(38, 110, 220)
        if high_contrast:
            window, base, text, button = QColor(0, 0, 0), QColor(0, 0, 0), QColor(255, 255, 255), QColor(30, 30, 30)
    else:
        window, base, text = QColor(240, 240, 240), QColor(255, 255, 255), QColor(20, 20, 20)
        button, highlight = QColor(228, 228, 228), QColor(38, 110, 220)
        if high_contrast:
            window, base, text = QColor(255, 255, 255), QColor(255, 255, 255), QColor(0, 0, 0)
            button = QColor(235, 235, 235)
    for role, colour in (
        (QPalette.ColorRole.Window, window),
        (QPalette.ColorRole.Base, base),
        (QPalette.ColorRole.AlternateBase, button),
        (QPalette.ColorRole.WindowText, text),
        (QPalette.ColorRole.Text, text),
        (QPalette.ColorRole.ButtonText, text),
        (QPalette.ColorRole.ToolTipText, text),
        (QPalette.ColorRole.ToolTipBase, base),
        (QPalette.ColorRole.Button, button),
        (QPalette.ColorRole.Highlight, highlight),
        (QPalette.ColorRole.HighlightedText, QColor(255, 255, 255)),
        (QPalette.ColorRole.PlaceholderText, QColor(150, 150, 150) if theme == "dark" else QColor(105, 105, 105)),
    ):
        p.setColor(role, colour)
    disabled = QColor(120, 120, 120) if theme == "light" else QColor(130, 130, 130)
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return p


def apply(app: QApplication, theme: str = "light", scale: float = 1.0, high_contrast: bool = False) -> None:
    """Set the palette and scale the application font (every widget that inherits it follows)."""
    global _BASE_POINT_SIZE
    app.setStyle("Fusion")
    app.setPalette(_palette(theme, high_contrast))
    font = QFont(app.font())
    if _BASE_POINT_SIZE is None:
        _BASE_POINT_SIZE = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
    font.setPointSizeF(_BASE_POINT_SIZE * scale)
    app.setFont(font)
