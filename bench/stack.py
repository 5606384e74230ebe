"""kernelscope stack benchmark: the window holding a whole Sequential stack (lessons 11 and 12).

    python bench/stack.py                  # both lessons and the layer comparisons (about 15 s)
    python bench/stack.py --quick          # fewer repeats (what the test suite runs, about 8 s)
    python bench/stack.py --json out.json  # rows also as JSON (default bench/results-stack.json)

Each lesson opens in a real ``MainWindow`` (offscreen, the threaded compute worker as the app runs
it) in its own process, as ``bench/run.py`` does for one Conv2D. "Settled" below means: the event
loop turned until a turn repainted nothing (no UpdateRequest reached the window), so the
document's signals, the window's drawing at ``settled`` and the paints it asked for are all done.

- edit first ms: one kernel weight of the first layer edited through the controller (as the
  kernel grid sends it), every layer recomputed (on the worker when the stack is heavy), the
  result delivered and the window settled. Target: 50 ms for lesson 11 (150x150x3), one 16 ms
  frame for lesson 12 (28x28).
- edit last ms: the same for a weight of the last layer that has weights (lesson 11's second
  Conv2D, which its pool follows; lesson 12's Dense); only the layers from it down recompute.
  last/first is the caching ratio. "recomputed" counts the layers whose result changed identity.
- compute ms: the stack job alone (``StackJob`` from that layer, BLAS on one thread as the worker
  runs it): what of the edit is the engine's.
- stall ms: the longest gap between the ticks of a 1 ms ``QTimer`` from just before a first-layer
  edit until 100 ms after its result arrived (median over edits). Target 16 ms.
- select ms: ``document.select_layer`` to each layer in turn, settled (median; the slowest
  layer's median beside it).
- step ms, per layer: that layer selected, then ``stepping.step_by(1)``, settled. Target < 2 ms.
- Pooling and Dense: the engine layer's ``forward`` (what the stack job calls) beside torch's CPU
  equivalent (all cores) where torch is installed, in blocks taken in turn, as ``bench/run.py``
  times Conv2D; ratio = engine / torch.

Window times are the lowest of three block medians (edits, steps); stall and select medians.
Compare ratios within one run: the machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(BENCH.parent))

import contention  # noqa: E402  (bench/contention.py)
import run  # noqa: E402  (bench/run.py: the timing helpers and the notes are shared)

if __name__ == "__main__":
    run._restart_without_blas_overrides(sys.argv[1:], __file__)  # before this process loads OpenBLAS's kernels

import numpy as np  # noqa: E402

from kernelscope.core.engine import DenseLayer, Pooling2DLayer  # noqa: E402

DEFAULT_JSON = BENCH / "results-stack.json"
LESSONS = {"11": 50.0, "12": 16.0}  # lesson -> edit target ms (the Speed section)
STALL_TARGET_MS = 16.0
STEP_TARGET_MS = 2.0


@dataclass
class EditRow:
    lesson: str
    layers: str
    edit_first_ms: float
    edit_last_ms: float
    last_layer: str
    compute_first_ms: float
    compute_last_ms: float
    recomputed_first: int
    recomputed_last: int
    in_worker_first: bool
    in_worker_last: bool
    stall_ms: float
    stall_worst_ms: float
    select_ms: float
    select_worst_ms: float
    select_worst_layer: str
    window_rss_mb: float
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def cache_ratio(self) -> float:
        return self.edit_last_ms / self.edit_first_ms


@dataclass
class StepRow:
    lesson: str
    layer: str
    keras_class: str
    output: str
    step_ms: float
    targets: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class LayerRow:
    name: str
    engine_ms: float
    torch_ms: float | None = None
    ratio: float | None = None


# --------------------------------------------------------------------------- the window (child process)


def window_measure(lesson: str, repeats: int) -> dict[str, Any]:
    """Runs in the child: one lesson's edits, stall, selections and steps in a real window."""
    from PySide6.QtCore import QEvent, QEventLoop, QObject, Qt, QTimer

    from kernelscope.core.document import Document
    from kernelscope.core.engine import Conv2DLayer, DenseLayer
    from kernelscope.core.stack_compute import StackJob
    from kernelscope.files.lessons import find_lesson, load_lesson
    from kernelscope.ui import compute_worker
    from kernelscope.ui.app import application
    from kernelscope.ui.main_window import MainWindow

    app = application()
    window = MainWindow(Document(load_lesson(find_lesson(lesson))))
    window.resize(1280, 800)
    window.show()
    doc, controller = window.document, window.controller

    class Repaints(QObject):
        """Counts the window's UpdateRequests: a turn that had none painted nothing."""

        count = 0

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.UpdateRequest:
                self.count += 1
            return False

    repaints = Repaints()
    window.installEventFilter(repaints)

    def settle() -> None:
        """Turn the event loop until a turn repaints nothing (at most 6 turns)."""
        for _ in range(6):
            before = repaints.count
            app.processEvents()
            if repaints.count == before:
                return

    settle()
    weighted = [i for i, layer in enumerate(doc.layers) if isinstance(layer, (Conv2DLayer, DenseLayer))]
    first, last = weighted[0], weighted[-1]
    value = [0.0]
    in_worker = {first: False, last: False}

    def edit_weight(index: int) -> None:
        """One weight of layer ``index`` edited as its panel sends it (the layer is selected)."""
        value[0] = 0.5 - value[0]
        if isinstance(doc.layers[index], Conv2DLayer):
            controller.edit_weight(0, 0, value[0])
        else:
            controller.edit_layer_weight(0, (0, 0), value[0])
        in_worker[index] |= doc.computing

    def edit(index: int) -> Callable[[], None]:
        def run_edit() -> None:
            edit_weight(index)
            while doc.computing:  # the worker's result arrives through the event loop, idle meanwhile as the app's
                app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
            settle()

        return run_edit

    def recomputed(index: int) -> int:
        """How many layers an edit of layer ``index`` gives a new result."""
        doc.select_layer(index)
        settle()
        before = doc.results
        edit(index)()
        return sum(a is not b for a, b in zip(before, doc.results, strict=True))

    def job_ms(index: int) -> float:
        """The stack job from layer ``index`` alone, BLAS on one thread as the worker runs it."""
        links = doc.links
        x = doc.layer_input(index)
        job = StackJob(x, doc.layers[index: links.fits], index, links.inputs[index: links.fits], True)
        limit = compute_worker._one_blas_thread()
        with limit():
            return run.median_ms(job, max(5, repeats))

    def timed_blocks(fns: dict[str, Callable[[], None]], per_block: int, blocks: int = 3) -> dict[str, float]:
        """Each function's lowest block median, the blocks taken in turn."""
        got: dict[str, list[float]] = {name: [] for name in fns}
        for _ in range(blocks):
            for name, fn in fns.items():
                got[name].append(run.median_ms(fn, per_block, budget_s=1.0))
        return {name: min(v) for name, v in got.items()}

    def select_first() -> None:
        doc.select_layer(first)
        settle()

    def select_last() -> None:
        doc.select_layer(last)
        settle()

    def edits() -> dict[str, float]:
        """First and last edits in alternating blocks, each with its layer selected beforehand
        (selecting is not part of the edit)."""
        got: dict[str, list[float]] = {"first": [], "last": []}
        for _ in range(3):
            for name, index, select in (("first", first, select_first), ("last", last, select_last)):
                select()
                got[name].append(run.median_ms(edit(index), max(3, repeats // 3), budget_s=1.5))
        return {name: min(v) for name, v in got.items()}

    class Heartbeat:
        """The longest gap between 1 ms ticks around one first-layer edit."""

        def __call__(self) -> float:
            loop = QEventLoop()
            timer = QTimer()
            timer.setTimerType(Qt.TimerType.PreciseTimer)
            timer.setInterval(1)
            state: dict[str, Any] = {"last": None, "gap": 0.0, "edited": False, "done": None, "ticks": 0}

            def tick() -> None:
                now = time.perf_counter()
                if state["last"] is not None:
                    state["gap"] = max(state["gap"], now - state["last"])
                state["ticks"] += 1
                if state["ticks"] == 20:  # a few idle ticks first
                    state["edited"] = True
                    edit_weight(first)
                elif state["edited"] and not doc.computing:
                    if state["done"] is None:
                        state["done"] = now
                    elif now - state["done"] > 0.1:
                        loop.quit()
                state["last"] = now

            timer.timeout.connect(tick)
            timer.start()
            loop.exec()
            timer.stop()
            return float(state["gap"] * 1e3)

    def selections() -> tuple[float, float, int]:
        """Selecting each layer in turn, settled: the median, and the slowest layer's median."""
        per_layer: dict[int, list[float]] = {i: [] for i in range(len(doc.layers))}
        order = list(range(len(doc.layers)))
        for _ in range(max(3, repeats // 3)):
            for i in order:
                t0 = time.perf_counter()
                doc.select_layer(i)
                settle()
                per_layer[i].append((time.perf_counter() - t0) * 1e3)
        medians = {i: statistics.median(v) for i, v in per_layer.items()}
        worst = max(medians, key=lambda i: medians[i])
        return statistics.median([t for v in per_layer.values() for t in v]), medians[worst], worst

    def step_frame() -> None:
        if doc.step >= doc.steps - 1:  # wrap outside the timing: step_by stops at the last step
            doc.set_step(0)
            settle()
        t0 = time.perf_counter()
        window.stepping.step_by(1)
        settle()
        step_times.append((time.perf_counter() - t0) * 1e3)

    step_times: list[float] = []

    def steps() -> list[dict[str, Any]]:
        """Per layer: selected, then steps forward, each settled; the lowest of three block medians."""
        per_layer: dict[int, list[float]] = {i: [] for i in range(len(doc.layers))}
        for _ in range(3):
            for i in range(len(doc.layers)):
                doc.select_layer(i)
                settle()
                step_frame()  # warm up: the first frame after a selection draws more
                step_times.clear()
                for _ in range(max(5, repeats)):
                    step_frame()
                per_layer[i].append(statistics.median(step_times))
        out = doc.links.outputs
        return [{"layer": doc.layer_names[i], "keras_class": doc.layers[i].keras_class,
                 "output": "x".join(str(n) for n in out[i]), "step_ms": min(v)} for i, v in per_layer.items()]

    try:
        names = doc.layer_names
        recomputed_first, recomputed_last = recomputed(first), recomputed(last)
        edit_ms = edits()
        stalls = []
        doc.select_layer(first)
        settle()
        for _ in range(max(3, min(7, repeats // 3))):
            stalls.append(Heartbeat()())
        select_ms, select_worst, worst_layer = selections()
        step_rows = steps()
        compute_first, compute_last = job_ms(first), job_ms(last)
    finally:
        doc.mark_saved()  # the bench's edits are not the user's: close without asking
        window.close()
        window.deleteLater()
        app.processEvents()
    return {
        "lesson": lesson,
        "layers": " -> ".join(layer.keras_class for layer in doc.layers),
        "edit_first_ms": edit_ms["first"],
        "edit_last_ms": edit_ms["last"],
        "last_layer": f"{names[last]} ({doc.layers[last].keras_class}, layer {last + 1})",
        "compute_first_ms": compute_first,
        "compute_last_ms": compute_last,
        "recomputed_first": recomputed_first,
        "recomputed_last": recomputed_last,
        "in_worker_first": in_worker[first],
        "in_worker_last": in_worker[last],
        "stall_ms": statistics.median(stalls),
        "stall_worst_ms": max(stalls),
        "select_ms": select_ms,
        "select_worst_ms": select_worst,
        "select_worst_layer": names[worst_layer],
        "window_rss_mb": run.peak_rss_mb(),
        "steps": step_rows,
    }


def run_child(lesson: str, repeats: int, tmp: str) -> dict[str, Any]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", lesson, "--repeats", str(repeats)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=run.child_env(tmp), timeout=600, check=False)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise RuntimeError(f"the window process for lesson {lesson} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- pooling and Dense beside torch


def read_only(x: np.ndarray) -> np.ndarray:
    """A read-only copy, as the stack hands a layer its input (the layer above's output)."""
    out = x.copy()
    out.flags.writeable = False
    return out


def layer_functions(quick: bool) -> dict[str, dict[str, Callable[[], object]]]:
    """Per comparison: the engine layer's forward and, where torch is installed, torch's."""
    rng = np.random.default_rng(0)
    try:
        import torch
        import torch.nn.functional as torch_f
    except ImportError:
        torch = torch_f = None  # type: ignore[assignment]
    else:
        torch.set_num_threads(os.cpu_count() or 1)
    groups: dict[str, dict[str, Callable[[], object]]] = {}
    for h, c in ((148, 32), (72, 64)):
        x = rng.standard_normal((h, h, c)).astype(np.float32)
        xt = None if torch is None else torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1))[None])
        for kind, keras in (("max", "MaxPooling2D"), ("average", "AveragePooling2D")):
            layer = Pooling2DLayer(kind)
            xe = read_only(x)
            fns: dict[str, Callable[[], object]] = {"engine": lambda layer=layer, xe=xe: layer.forward(xe)}
            if torch is not None:
                pool = torch_f.max_pool2d if kind == "max" else torch_f.avg_pool2d

                def torch_pool(pool: Any = pool, xt: Any = xt) -> object:
                    with torch.no_grad():
                        return pool(xt, 2)

                fns["torch"] = torch_pool
            groups[f"{keras}(2) on {h}x{h}x{c}"] = fns
    for n_in, units, activation in ((1568, 10, "softmax"), (9216, 128, "relu")):
        x = rng.standard_normal(n_in).astype(np.float32)
        kernel = (rng.standard_normal((n_in, units)) * n_in**-0.5).astype(np.float32)
        bias = rng.standard_normal(units).astype(np.float32)
        dense = DenseLayer(kernel, bias, activation)
        xe = read_only(x)
        fns = {"engine": lambda dense=dense, xe=xe: dense.forward(xe)}
        if torch is not None:
            xt, bt = torch.from_numpy(x)[None], torch.from_numpy(bias)
            kt = torch.from_numpy(np.ascontiguousarray(kernel.T))  # torch's (out, in) weight
            act = (lambda z: torch.softmax(z, -1)) if activation == "softmax" else torch.relu

            def torch_dense(xt: Any = xt, kt: Any = kt, bt: Any = bt, act: Any = act) -> object:
                with torch.no_grad():
                    return act(torch_f.linear(xt, kt, bt))

            fns["torch"] = torch_dense
        groups[f"Dense {n_in}->{units} {activation}"] = fns
    return groups


def alternating_medians(groups: list[dict[str, Callable[[], object]]], rounds: int,
                        per_block: int = 4) -> list[dict[str, float]]:
    """``run.interleaved_medians`` with the order reversed every other round: a torch block right
    after NumPy's BLAS (whose threads spin on for a while) is slower, so each function meets
    different neighbours and the lowest block median is a quiet one."""
    best: list[dict[str, float]] = [{} for _ in groups]
    for r in range(rounds):
        order = list(enumerate(groups))
        for k, fns in order[::-1] if r % 2 else order:
            names = list(fns)[::-1] if r % 2 else list(fns)
            (got,) = run.interleaved_medians([{name: fns[name] for name in names}], 1, per_block)
            for name, ms in got.items():
                best[k][name] = min(ms, best[k].get(name, ms))
    return best


def layer_rows(quick: bool) -> list[LayerRow]:
    groups = layer_functions(quick)
    medians = alternating_medians(list(groups.values()), rounds=4 if quick else 30)
    rows = []
    for name, med in zip(groups, medians, strict=True):
        row = LayerRow(name, med["engine"])
        if "torch" in med:
            row.torch_ms, row.ratio = med["torch"], med["engine"] / med["torch"]
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- the tables


def edit_row(data: dict[str, Any]) -> EditRow:
    row = EditRow(**{k: v for k, v in data.items() if k != "steps"})
    row.targets = {
        name: v for name, v in (
            ("edit", run.verdict(row.edit_first_ms, LESSONS[row.lesson])),
            ("stall", run.verdict(row.stall_ms, STALL_TARGET_MS)),
        ) if v is not None
    }
    return row


def step_rows(data: dict[str, Any]) -> list[StepRow]:
    rows = []
    for s in data["steps"]:
        row = StepRow(data["lesson"], s["layer"], s["keras_class"], s["output"], s["step_ms"])
        row.targets = {"step": run.verdict(row.step_ms, STEP_TARGET_MS, strict=True)}  # type: ignore[dict-item]
        rows.append(row)
    return rows


def edit_table(rows: list[EditRow]) -> str:
    cell = run.cell
    head = (f"{'lesson':6} {'edit first ms':>16} {'compute':>7} {'edit last ms':>12} {'compute':>7} {'last/first':>10} "
            f"{'recomputed':>10} {'stall ms':>15} {'select ms':>9} {'slowest':>7} {'RSS MB':>6}  layers")
    lines = [head, "-" * len(head)]
    for r in rows:
        t = r.targets
        lines.append(
            f"{r.lesson:6} {cell(r.edit_first_ms, 16, 1, t.get('edit'))} {r.compute_first_ms:7.1f} "
            f"{r.edit_last_ms:12.1f} {r.compute_last_ms:7.1f} {r.cache_ratio:10.2f} "
            f"{f'{r.recomputed_first} / {r.recomputed_last}':>10} {cell(r.stall_ms, 15, 1, t.get('stall'))} "
            f"{r.select_ms:9.1f} {r.select_worst_ms:7.1f} {r.window_rss_mb:6.0f}  {r.layers}"
        )
    return "\n".join(lines)


def step_table(rows: list[StepRow]) -> str:
    head = f"{'lesson':6} {'layer':16} {'type':13} {'output':11} {'step ms':>13}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r.lesson:6} {r.layer:16} {r.keras_class:13} {r.output:11} "
                     f"{run.cell(r.step_ms, 13, 2, r.targets.get('step'), '<')}")
    return "\n".join(lines)


def layer_table(rows: list[LayerRow]) -> str:
    head = f"{'layer':38} {'engine ms':>9} {'torch ms':>8} {'ratio':>6}"
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r.name:38} {r.engine_ms:9.3f} {run.cell(r.torch_ms, 8, 3)} {run.cell(r.ratio, 6, 2)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="few repeats (under 20 s)")
    ap.add_argument("--repeats", type=int, default=15, help="timed calls per block (default 15)")
    ap.add_argument("--keep-blas-env", action="store_true",
                    help="measure with this machine's OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE as they are")
    ap.add_argument("--json", type=Path, default=DEFAULT_JSON, metavar="OUT",
                    help="write the rows as JSON here (default bench/results-stack.json)")
    ap.add_argument("--contended", action="store_true",
                    help="run beside competing CPU-bound processes (cores - 1, normal priority), killed at the end")
    ap.add_argument("--hog", choices=contention.HOG_KINDS, default="python",
                    help="what each competing process runs (default: a pure-Python busy loop)")
    ap.add_argument("--child", help=argparse.SUPPRESS)  # internal: one lesson's window, JSON on stdout
    args = ap.parse_args(argv)

    if args.child:
        print(json.dumps(window_measure(args.child, args.repeats)))
        return 0

    repeats = 3 if args.quick else args.repeats
    started = time.strftime("%Y-%m-%d %H:%M")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    which = contention.describe(args.hog) if args.contended else "quiet (no competing process started)"
    hogs = contention.contention(args.hog) if args.contended else contextlib.nullcontext()
    windows = []
    with hogs, run.scratch_dir() as tmp:
        layers = layer_rows(args.quick)
        print("  measured the layer comparisons", file=sys.stderr, flush=True)
        for lesson in LESSONS:
            windows.append(run_child(lesson, repeats, tmp))
            print(f"  measured lesson {lesson}", file=sys.stderr, flush=True)
    edits = [edit_row(w) for w in windows]
    steps = [row for w in windows for row in step_rows(w)]

    meta = {
        "date": started,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cores": os.cpu_count(),
        "load_average_1min": load,
        "blas": run.blas_note(),
        "blas_overrides_unset": os.environ.get(run.RESTARTED_MARK),
        "torch": run.torch_note(),
        "repeats": repeats,
        "run": which,
    }
    print(f"kernelscope stack bench  {started}  python {meta['python']}  numpy {meta['numpy']}  "
          f"{meta['cores']} cores  load {load:.2f}")
    print(f"run: {which}")
    print(f"{meta['blas']};  {meta['torch']}")
    print()
    print(edit_table(edits))
    print("edit first / last: a weight of the first / last weighted layer edited, recomputed from it and the window "
          "settled; compute: the stack job alone from that layer (one BLAS thread); recomputed: layers with a new "
          "result (first / last); stall: longest 1 ms heartbeat gap; select: each layer selected and settled "
          "(median, slowest layer).")
    for r in edits:
        print(f"  lesson {r.lesson}: last weighted layer {r.last_layer}; "
              f"worker: first {r.in_worker_first}, last {r.in_worker_last}; slowest to select: {r.select_worst_layer}")
    print()
    print(step_table(steps))
    print("step: the layer selected, stepping.step_by(1), the window settled; lowest of three block medians.")
    print()
    print(layer_table(layers))
    print("engine = the layer's forward (what the stack job runs), input (H, W, C); torch: NCHW, all cores; "
          "ratio = engine / torch; lowest block median.")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "meta": meta,
        "edits": [{**asdict(r), "cache_ratio": r.cache_ratio} for r in edits],
        "steps": [asdict(r) for r in steps],
        "layers": [asdict(r) for r in layers],
    }, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
