"""Every test: headless Qt (set before PySide6 or pyqtgraph is imported anywhere), no user files.

Nothing here imports Qt: the core tests run without it. The UI fixtures live in ``tests/ui/conftest.py``.
"""

import os

os.environ["QT_QPA_PLATFORM"] = os.environ.get("KERNELSCOPE_TEST_QPA", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
# Keep user settings and autosaves out of tests.
os.environ.setdefault(
    "KERNELSCOPE_DATA_DIR", os.path.join(os.environ.get("TMPDIR", "/tmp"), f"kernelscope-test-data-{os.getpid()}")
)
os.environ.setdefault("XDG_CONFIG_HOME", os.path.join(os.environ.get("TMPDIR", "/tmp"), "kernelscope-test-config"))

from hypothesis import HealthCheck, settings

settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
