"""kernelscope benchmark: prints a table (and writes JSON) of engine and window timings per scene.

    python bench/run.py              # every scene
    python bench/run.py --quick      # the tiny scene only (what the test suite runs)
    python bench/run.py --json out.json

Times are medians over repeats in one run; torch's CPU conv2d is measured beside the engine when
torch is installed (``pip install torch``), otherwise that column says so. Compare ratios, not
absolute numbers: the machines are noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kernelscope.engine import ConvSpec, compute, conv2d


@dataclass(frozen=True)
class Scene:
    name: str
    h: int
    w: int
    c: int
    f: int
    k: int
    strides: int = 1
    padding: str = "valid"
    dilation: int = 1
    window_row: bool = True  # also time edit -> painted in the window


SCENES = [
    Scene("5x5x1, 1 filter 3x3 (the article)", 5, 5, 1, 1, 3),
    Scene("5x5x1, 2 filters 3x3", 5, 5, 1, 2, 3),
    Scene("28x28x1, 16 filters 3x3", 28, 28, 1, 16, 3),
    Scene("64x64x1, 32 filters 5x5", 64, 64, 1, 32, 5),
    Scene("150x150x3, 32 filters 3x3", 150, 150, 3, 32, 3),
    Scene("150x150x3, 32 3x3, stride 2", 150, 150, 3, 32, 3, strides=2, window_row=False),
    Scene("150x150x3, 32 3x3, dilation 2", 150, 150, 3, 32, 3, dilation=2, window_row=False),
    Scene("150x150x3, 32 3x3, same", 150, 150, 3, 32, 3, padding="same", window_row=False),
    Scene("256x256x3, 64 filters 3x3", 256, 256, 3, 64, 3, window_row=False),
    Scene("512x512x3, 64 filters 7x7", 512, 512, 3, 64, 7),
]


@dataclass
class Row:
    scene: str
    out_shape: str
    engine_ms: float
    gflops: float
    torch_ms: float | None
    ratio: float | None
    edit_to_paint_ms: float | None
    step_frame_ms: float | None


def median_ms(fn: Callable[[], object], repeats: int, budget_s: float = 2.0) -> float:
    fn()  # warm up
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < repeats and (time.perf_counter() - start < budget_s or len(times) < 3):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def scene_arrays(s: Scene) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((s.h, s.w, s.c)).astype(np.float32)
    k = rng.standard_normal((s.k, s.k, s.c, s.f)).astype(np.float32)
    b = rng.standard_normal(s.f).astype(np.float32)
    return x, k, b


def torch_conv(s: Scene, x: np.ndarray, k: np.ndarray, b: np.ndarray) -> Callable[[], object] | None:
    try:
        import torch
        import torch.nn.functional as torch_f
    except ImportError:
        return None
    torch.set_num_threads(os.cpu_count() or 1)
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1))[None])
    kt = torch.from_numpy(np.ascontiguousarray(k.transpose(3, 2, 0, 1)))
    bt = torch.from_numpy(b)
    padding: str | int = s.padding if s.strides == 1 else 0
    if s.padding == "same" and s.strides > 1:
        return None  # torch's "same" refuses strides; the engine row still stands

    def run() -> object:
        with torch.no_grad():
            return torch_f.conv2d(xt, kt, bt, stride=s.strides, padding=padding, dilation=s.dilation)

    return run


def window_edit_ms(s: Scene, x: np.ndarray, k: np.ndarray, b: np.ndarray, repeats: int) -> tuple[float, float]:
    """Edit (one kernel weight) -> recompute (off the UI thread for heavy scenes) -> every map and the
    input repainted, offscreen, as the window does it."""
    from kernelscope.app import application
    from kernelscope.document import Document
    from kernelscope.main_window import MainWindow
    from kernelscope.sessions import Session, ViewState

    app = application()
    spec = ConvSpec(s.f, (s.k, s.k), s.strides, s.padding, s.dilation)
    session = Session(input=x, kernels=k, bias=b, spec=spec, view=ViewState(value_mode="grey"))
    window = MainWindow(Document(session))
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    maps = window.feature_maps
    for _ in range(3):
        app.processEvents()
    value = [0.0]

    def edit() -> None:
        value[0] = 1.0 - value[0]
        window.document.set_weight(0, 0, 0, value[0])
        while window.document.computing:  # heavy scenes: wait for the worker's result
            app.processEvents()
        maps.view_widget.viewport().repaint()
        window.pixel_grid.repaint()

    steps = window.document.result.steps
    position = [0]

    def step() -> None:
        position[0] = (position[0] + 1) % steps
        window.document.set_step(position[0])
        maps.view_widget.viewport().repaint()
        window.pixel_grid.repaint()
        window.step_panel.repaint()

    try:
        return median_ms(edit, repeats), median_ms(step, max(20, repeats))
    finally:
        window.document.mark_saved()  # the bench's edits are not the user's: close without asking
        window.close()
        window.deleteLater()
        app.processEvents()


def run(scenes: list[Scene], repeats: int, with_window: bool) -> list[Row]:
    rows = []
    for s in scenes:
        x, k, b = scene_arrays(s)
        spec = ConvSpec(s.f, (s.k, s.k), s.strides, s.padding, s.dilation)
        oh, ow, f = compute(x, k, b, spec).out_shape
        eng = median_ms(lambda: conv2d(x, k, b, s.strides, s.padding, s.dilation), repeats)  # noqa: B023
        flops = 2.0 * oh * ow * f * s.k * s.k * s.c
        tfn = torch_conv(s, x, k, b)
        tms = median_ms(tfn, repeats) if tfn else None
        edit, step = window_edit_ms(s, x, k, b, max(5, repeats // 2)) if with_window and s.window_row else (None, None)
        rows.append(
            Row(s.name, f"{oh}x{ow}x{f}", eng, flops / eng / 1e6, tms, (eng / tms) if tms else None, edit, step)
        )
    return rows


def table(rows: list[Row]) -> str:
    head = (
        f"{'scene':32} {'output':12} {'engine ms':>10} {'GFLOP/s':>8} {'torch ms':>9} {'ratio':>6} "
        f"{'edit->paint ms':>15} {'step frame ms':>14}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        t = f"{r.torch_ms:9.2f}" if r.torch_ms is not None else f"{'n/a':>9}"
        ratio = f"{r.ratio:6.2f}" if r.ratio is not None else f"{'n/a':>6}"
        e = f"{r.edit_to_paint_ms:15.1f}" if r.edit_to_paint_ms is not None else f"{'-':>15}"
        st = f"{r.step_frame_ms:14.2f}" if r.step_frame_ms is not None else f"{'-':>14}"
        lines.append(f"{r.scene:32} {r.out_shape:12} {r.engine_ms:10.2f} {r.gflops:8.1f} {t} {ratio} {e} {st}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="the tiny scene only")
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--no-window", action="store_true", help="skip the offscreen window rows")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = ap.parse_args(argv)
    scenes = SCENES[:1] if args.quick else SCENES
    rows = run(scenes, 5 if args.quick else args.repeats, not args.no_window)
    try:
        import torch

        torch_note = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    except ImportError:
        torch_note = "torch not installed: pip install torch to fill the torch columns"
    print(f"kernelscope bench  {time.strftime('%Y-%m-%d')}  python {platform.python_version()}  "
          f"numpy {np.__version__}  {os.cpu_count()} cores  ({torch_note})")
    print(table(rows))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
