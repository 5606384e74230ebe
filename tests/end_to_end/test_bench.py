"""``bench/run.py --quick`` end to end in a subprocess: it runs, prints its table and writes JSON.

No timing is asserted anywhere: the numbers belong to the machine; only their shape is checked.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_bench_writes_sensible_json(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("KERNELSCOPE_DEBUG", None)
    proc = subprocess.run(
        # --keep-blas-env: the tests leave this machine's OpenBLAS variables as they are.
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--keep-blas-env", "--json", str(out)],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "engine ms" in proc.stdout
    assert "start-up to a painted window" in proc.stdout

    data = json.loads(out.read_text())
    assert data["meta"]["matmul_peak_gflops"] > 0
    assert data["meta"]["cores"] >= 1
    assert set(data["startup_ms"]) >= {"kernelscope --screenshot", "PySide6 + pyqtgraph window (floor)"}
    assert all(ms > 0 for ms in data["startup_ms"].values())

    (row,) = data["rows"]
    assert row["scene"].startswith("5x5x1")
    assert row["out_shape"] == "3x3x1"
    assert data["meta"]["blas_overrides_unset"] is None  # kept, as asked
    for key in ("engine_ms", "conv2d_ms", "core_ms", "gflops", "peak_share", "engine_peak_mb", "edit_to_paint_ms",
                "ui_stall_ms", "ui_stall_worst_ms", "step_frame_ms", "drag_move_ms", "window_rss_mb"):
        assert isinstance(row[key], float), key
        assert math.isfinite(row[key]), key
        assert row[key] > 0, key
    assert row["computed_in_worker"] is False  # the tiny scene computes synchronously
    assert row["ui_stall_worst_ms"] >= row["ui_stall_ms"]
    # Every target the row states is a measured value against a number, with a verdict.
    assert {"edit", "stall", "step", "drag"} <= set(row["targets"])
    for verdict in row["targets"].values():
        assert set(verdict) == {"value", "target", "pass"}
        assert isinstance(verdict["pass"], bool)
    if row["torch_ms"] is None:  # torch is optional: the ratio is then left out, not invented
        assert row["ratio"] is None
        assert row["core_ratio"] is None
        assert "ratio" not in row["targets"]
        assert "torch not installed" in data["meta"]["torch"]
    else:
        assert row["ratio"] == row["engine_ms"] / row["torch_ms"]
        assert row["core_ratio"] == row["core_ms"] / row["torch_ms"]
