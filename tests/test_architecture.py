"""The folders keep their promises (kernelscope/core, files, ui: see their __init__ docstrings).

import-linter (run by .ci/run) checks the import contracts; these check what it cannot: external
subpackages (QtWidgets), that nothing forms a circle, and that the core's tests run without Qt.
"""

import json
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "kernelscope"
QT = ("PySide6", "shiboken6", "pyqtgraph")


def modules_in(folder: str) -> list[str]:
    paths = sorted((PACKAGE / folder).rglob("*.py"))
    names = [".".join(p.relative_to(ROOT).with_suffix("").parts) for p in paths]
    return [n.removesuffix(".__init__") for n in names]


def loaded_after_importing(modules: list[str]) -> list[str]:
    """Every module in sys.modules after importing ``modules`` in a fresh interpreter."""
    code = "import importlib, json, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in modules)
    code += "print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return json.loads(out.stdout)


@pytest.mark.parametrize("module", modules_in("core"))
def test_every_core_module_imports_without_qt(module: str) -> None:
    loaded = loaded_after_importing([module])
    assert not [m for m in loaded if m.startswith(QT)]
    assert not [m for m in loaded if m.startswith(("kernelscope.files", "kernelscope.ui"))]


def test_files_never_load_qt_widgets_or_pyqtgraph() -> None:
    loaded = loaded_after_importing(modules_in("files"))
    assert "PySide6.QtWidgets" not in loaded
    assert not [m for m in loaded if m.startswith(("pyqtgraph", "kernelscope.ui"))]


def test_no_import_circles() -> None:
    """Strongly connected modules (type-checking imports included) would be a circle."""
    graph = grimp.build_graph("kernelscope", exclude_type_checking_imports=False)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(module: str) -> None:  # Tarjan's strongly connected components
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in graph.find_modules_directly_imported_by(module):
            if other.startswith("kernelscope") and not _contains(module, other):
                if other not in index:
                    visit(other)
                    low[module] = min(low[module], low[other])
                elif other in stack:
                    low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            component = []
            while True:
                m = stack.pop()
                component.append(m)
                if m == module:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for module in sorted(graph.modules):
        if module.startswith("kernelscope") and module not in index:
            visit(module)
    assert circles == []


def _contains(package: str, module: str) -> bool:
    """A package re-exporting its own submodules is not a circle."""
    return module.startswith(package + ".") or package.startswith(module + ".")


def test_the_window_only_wires() -> None:
    lines = (PACKAGE / "ui" / "main_window.py").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 300


def test_the_core_tests_run_without_qt() -> None:
    code = (
        "import sys, pytest\n"
        # pytest-qt imports the binding when it loads; its ini keys are then unknown, not an error
        "rc = pytest.main(['-q', '-p', 'no:pytest-qt', '-p', 'no:cacheprovider',\n"
        "                  '-W', 'ignore::pytest.PytestConfigWarning', 'tests/core'])\n"
        f"print('QT LOADED' if any(m.startswith({QT!r}) for m in sys.modules) else 'NO QT')\n"
        "sys.exit(int(rc))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:]
    assert out.stdout.strip().endswith("NO QT")
