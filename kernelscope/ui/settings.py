"""What kernelscope remembers between runs (QSettings): theme, UI scale, recent files, last folder,
the window's geometry."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

RECENT_LIMIT = 10
THEMES = ("light", "dark")


class Settings:
    """Typed access to QSettings; every read falls back to a default when the stored value is odd."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._s = qsettings if qsettings is not None else QSettings("kernelscope", "kernelscope")

    # theme -------------------------------------------------------------------------------------
    def theme(self) -> str:
        value = self._s.value("view/theme", "light")
        return value if value in THEMES else "light"

    def set_theme(self, theme: str) -> None:
        self._s.setValue("view/theme", theme)

    # projector scale ---------------------------------------------------------------------------
    def projector_scale(self) -> float:
        try:
            value = float(self._s.value("view/projector_scale", 1.75))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return 1.75
        return min(2.5, max(1.5, value))

    def set_projector_scale(self, scale: float) -> None:
        self._s.setValue("view/projector_scale", float(scale))

    # colour map --------------------------------------------------------------------------------
    def colormap(self) -> str | None:
        value = self._s.value("view/colormap", None)
        return value if isinstance(value, str) else None

    def set_colormap(self, name: str) -> None:
        self._s.setValue("view/colormap", name)

    # files -------------------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self._s.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            return []
        return [v for v in value if isinstance(v, str)][:RECENT_LIMIT]

    def add_recent_file(self, path: str | Path) -> list[str]:
        p = str(Path(path).resolve())
        files = [p, *(f for f in self.recent_files() if f != p)][:RECENT_LIMIT]
        self._s.setValue("files/recent", files)
        return files

    def last_directory(self) -> str:
        value = self._s.value("files/last_directory", "")
        return value if isinstance(value, str) and Path(value).is_dir() else str(Path.home())

    def set_last_directory(self, path: str | Path) -> None:
        self._s.setValue("files/last_directory", str(Path(path)))

    # window ------------------------------------------------------------------------------------
    def window_geometry(self) -> QByteArray | None:
        value = self._s.value("window/geometry", None)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_window_geometry(self, geometry: QByteArray) -> None:
        self._s.setValue("window/geometry", geometry)

    def sync(self) -> None:
        self._s.sync()
