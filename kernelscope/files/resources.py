"""Where the bundled resources are: inside the package in a wheel, beside it in a checkout."""

from __future__ import annotations

from pathlib import Path


def resources_dir() -> Path:
    """The bundled ``resources/`` folder (lessons, pictures)."""
    package = Path(__file__).resolve().parent.parent
    candidates = (package / "resources", package.parent / "resources")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        "kernelscope's resources folder is missing (looked in "
        + " and ".join(str(c) for c in candidates)
        + "); reinstall kernelscope"
    )


def lessons_dir() -> Path:
    """The bundled lessons (session files); the folder may be empty."""
    return resources_dir() / "lessons"
