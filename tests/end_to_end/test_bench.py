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


def test_quick_stack_bench_measures_both_lessons(tmp_path: Path) -> None:
    """``bench/stack.py --quick``: both stack lessons in the window, every layer stepped, the layer
    comparisons; the caching shows in which layers an edit recomputes (not a timing)."""
    out = tmp_path / "stack.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("KERNELSCOPE_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "stack.py"), "--quick", "--keep-blas-env", "--json", str(out)],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    for heading in ("edit first ms", "edit last ms", "stall ms", "select ms", "step ms",
                    "MaxPooling2D(2) on 148x148x32", "Dense 9216->128 relu"):
        assert heading in proc.stdout, heading

    data = json.loads(out.read_text())
    edits = {row["lesson"]: row for row in data["edits"]}
    assert set(edits) == {"11", "12"}
    for row in edits.values():
        for key in ("edit_first_ms", "edit_last_ms", "compute_first_ms", "compute_last_ms", "stall_ms", "select_ms",
                    "window_rss_mb"):
            assert isinstance(row[key], float), key
            assert math.isfinite(row[key]), key
            assert row[key] > 0, key
        assert row["stall_worst_ms"] >= row["stall_ms"]
        assert row["cache_ratio"] == row["edit_last_ms"] / row["edit_first_ms"]
        assert row["recomputed_first"] == 4  # an edit of the first layer reruns the whole stack
        assert {"edit", "stall"} <= set(row["targets"])
    assert edits["11"]["recomputed_last"] == 2  # the second Conv2D and its pool
    assert edits["12"]["recomputed_last"] == 1  # the Dense alone
    assert edits["11"]["in_worker_first"] is True  # 150x150x3 through two Conv2Ds leaves the UI thread
    assert edits["12"]["in_worker_first"] is False
    assert edits["11"]["targets"]["edit"]["target"] == 50.0
    assert edits["12"]["targets"]["edit"]["target"] == 16.0

    steps = data["steps"]
    assert [(s["lesson"], s["keras_class"]) for s in steps] == [
        ("11", "Conv2D"), ("11", "MaxPooling2D"), ("11", "Conv2D"), ("11", "MaxPooling2D"),
        ("12", "Conv2D"), ("12", "MaxPooling2D"), ("12", "Flatten"), ("12", "Dense")]
    for s in steps:
        assert s["step_ms"] > 0
        assert set(s["targets"]["step"]) == {"value", "target", "pass"}

    assert len(data["layers"]) == 6
    for row in data["layers"]:
        assert row["engine_ms"] > 0
        if row["torch_ms"] is None:  # torch is optional: no ratio is invented without it
            assert row["ratio"] is None
        else:
            assert row["ratio"] == row["engine_ms"] / row["torch_ms"]
