"""The engine, the undo history and the document must never load Qt or pyqtgraph."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
QT_PREFIXES = ("PySide6", "pyqtgraph", "shiboken6")

PROBE = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
    assert name in sys.modules, name
loaded = sorted(m for m in sys.modules if m.startswith({prefixes!r}))
if loaded:
    sys.exit(f"{{len(loaded)}} Qt modules loaded, e.g. " + ", ".join(loaded[:5]))
"""


def _qt_free_modules() -> list[str]:
    return ["kernelscope.core.engine", "kernelscope.core.history", "kernelscope.core.document"]


def _run_probe(modules: list[str]) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return subprocess.run(
        [sys.executable, "-c", PROBE.format(prefixes=QT_PREFIXES), *modules],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_engine_and_document_import_without_qt() -> None:
    modules = _qt_free_modules()
    proc = _run_probe(modules)
    assert proc.returncode == 0, f"importing {modules}: {proc.stderr}"


def test_the_probe_notices_qt() -> None:
    # The check itself must be able to fail: a Qt import has to be caught.
    proc = _run_probe(["kernelscope.core.engine", "PySide6.QtCore"])
    assert proc.returncode != 0
    assert "PySide6" in proc.stderr
