"""How long an autosave holds the UI thread at the largest legal scene (1024x1024x3, 64 filters 11x11).

    python bench/autosave.py            # 5 autosaves
    python bench/autosave.py --count 10

Prints, per autosave, the UI thread's own time (the timer's handler: taking the snapshot and
handing it to the writer thread) and the longest gap between the ticks of a 1 ms QTimer while the
writer serializes and writes (the UI thread waiting for the GIL). The target is under 16 ms.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from kernelscope.core.document import Document
from kernelscope.core.engine import ConvSpec
from kernelscope.core.scene import Session
from kernelscope.ui.autosave import Autosaver


def largest_scene() -> Session:
    rng = np.random.default_rng(0)
    return Session(
        input=rng.random((1024, 1024, 3), dtype=np.float32),
        kernels=rng.standard_normal((11, 11, 3, 64), dtype=np.float32),
        bias=np.zeros(64, np.float32),
        spec=ConvSpec(64, (11, 11), padding="same"),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    doc = Document(largest_scene())
    with tempfile.TemporaryDirectory() as folder:
        saver = Autosaver(doc, data_dir=folder, interval_ms=60_000)
        ui_ms: list[float] = []
        gap_ms: list[float] = []
        for i in range(args.count):
            doc.set_weight(0, 0, 0, float(i + 1))  # modified: the timer starts
            saver._timer.stop()
            loop = QEventLoop()
            saver.saved.connect(loop.quit)
            saver.failed.connect(loop.quit)
            ticks: list[float] = []
            ticker = QTimer()
            ticker.setInterval(1)
            ticker.timeout.connect(lambda ticks=ticks: ticks.append(time.perf_counter()))
            ticker.start()
            start = time.perf_counter()
            saver._on_timeout()  # what the timer does when it fires: the UI thread's whole share
            ui_ms.append((time.perf_counter() - start) * 1000)
            ticks.append(time.perf_counter())
            loop.exec()
            ticker.stop()
            saver.saved.disconnect(loop.quit)
            saver.failed.disconnect(loop.quit)
            gap_ms.append(max(b - a for a, b in itertools.pairwise(ticks)) * 1000 if len(ticks) > 1 else 0.0)
            print(f"autosave {i + 1}: UI thread {ui_ms[-1]:7.1f} ms, longest UI gap while writing {gap_ms[-1]:7.1f} ms")
        saver.finish_clean()
    print(f"median: UI thread {statistics.median(ui_ms):.1f} ms, longest gap {statistics.median(gap_ms):.1f} ms "
          f"(target < 16 ms)")
    app.processEvents()


if __name__ == "__main__":
    main()
