"""``--contended``: the competing processes run while the bench measures and are gone after it,
however the bench ends; the header says which run it was."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_contention():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("contention", ROOT / "bench" / "contention.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_hogs_run_inside_the_block_and_are_killed_on_an_exception() -> None:
    contention = load_contention()
    seen: list[subprocess.Popen[bytes]] = []

    def failing_bench() -> None:
        with contention.contention("python", count=2) as procs:
            seen.extend(procs)
            assert all(p.poll() is None for p in procs)  # running
            raise RuntimeError("the bench failed")

    with pytest.raises(RuntimeError, match="the bench failed"):
        failing_bench()
    assert len(seen) == 2
    assert all(p.returncode is not None for p in seen)


def test_numpy_hog_and_unknown_hog() -> None:
    contention = load_contention()
    with contention.contention("numpy", count=1) as procs:
        assert procs[0].poll() is None
    assert procs[0].returncode is not None
    with pytest.raises(ValueError, match="unknown hog"), contention.contention("browser"):
        pass


def test_contended_quick_bench_says_so(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("KERNELSCOPE_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--keep-blas-env", "--no-window", "--contended",
         "--json", str(out)],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "run: contended: " in proc.stdout
    data = json.loads(out.read_text())
    assert data["meta"]["run"].startswith("contended")
    (row,) = data["rows"]
    assert row["new_input_ms"] > 0
    assert row["checked_ms"] > 0
