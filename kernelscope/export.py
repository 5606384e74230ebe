"""Files made from a session without a window: the feature maps as .npy (more formats follow)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from kernelscope import engine
from kernelscope.sessions import Session


class ExportError(OSError):
    """An export that could not be written; the message names the file and the reason."""


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path`` and rename it, so a crash never leaves half a file."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None


def feature_maps(session: Session) -> np.ndarray:
    """(H', W', F) float32 maps of a session, exactly as ``keras.layers.Conv2D`` computes them."""
    result = engine.compute(session.input, session.kernels, session.bias, session.spec)
    return np.ascontiguousarray(result.feature_maps())


def export_npy(session: Session, out: Path) -> np.ndarray:
    """Write the (H', W', F) maps as a NumPy .npy file and return them."""
    import io

    maps = feature_maps(session)
    buffer = io.BytesIO()
    np.save(buffer, maps)
    atomic_write_bytes(Path(out), buffer.getvalue())
    return maps
