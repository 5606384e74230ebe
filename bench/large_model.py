"""kernelscope large-model benchmark: VGG-like trained models with 128 to 512 filters and millions of
parameters, opened, edited and stepped as the window does (issue 16, item 7).

    python bench/large_model.py             # both models, core and window (about a minute)
    python bench/large_model.py --no-window # core only

Each model is written without Keras (``tests/files/model_files.py``) as a ``.keras`` archive and
measured in its own fresh process:

- ``open ms``: ``files.models.load_model`` plus the document's first forward pass of the whole chain
  (``Document(session)``, which computes synchronously): what opening costs before the first paint;
- ``edit ms``: one weight of a middle Conv2D edited (``Document.set_layer_weight``), which recomputes
  from that layer down (median of 5);
- ``step ms``: one step of the selected 256- or 512-filter layer: ``set_step`` plus the arithmetic
  the step panel shows (``layer_step_text`` of the cell; median over 50 steps);
- ``RSS MB``: the process's peak resident memory (VmHWM);
- ``window ms`` / ``window MB``: ``kernelscope export MODEL --png OUT --layer NAME`` (the window
  offscreen, that layer selected, painted and saved) as a subprocess, its wall time and peak RSS.

Targets: open under 3000 ms; the window's peak RSS under 2048 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.files.model_files import write_keras  # noqa: E402

OPEN_TARGET_MS = 3000.0
RSS_TARGET_MB = 2048.0

_CHILD = """
import json, statistics, sys, time
from kernelscope.core.document import Document
from kernelscope.core.layer_step_text import cell_of, layer_step_text
from kernelscope.files.models import load_model

def status_mb(key):  # VmHWM (peak) and VmRSS from /proc: ru_maxrss would carry the parent's peak across exec
    for line in open('/proc/self/status'):
        if line.startswith(key + ':'):
            return int(line.split()[1]) / 1024
    return float('nan')

path, edit_name, step_name = sys.argv[1:4]
t0 = time.perf_counter()
opened = load_model(path)
t1 = time.perf_counter()
doc = Document(opened.session)
t2 = time.perf_counter()
names = list(doc.layer_names)
edit, step = names.index(edit_name), names.index(step_name)
edits = []
for k in range(5):
    s = time.perf_counter()
    doc.set_layer_weight(edit, 0, (1, 1, 0, 0), 0.01 * (k + 1))
    edits.append((time.perf_counter() - s) * 1e3)
doc.select_layer(step)
result = doc.results[step]
steps = []
for k in range(50):
    s = time.perf_counter()
    doc.set_step((k * 37) % doc.steps)
    layer_step_text(result, cell_of(result, doc.step, doc.view.selected_filter))
    steps.append((time.perf_counter() - s) * 1e3)
print(json.dumps({"load": (t1 - t0) * 1e3, "forward": (t2 - t1) * 1e3, "edit": statistics.median(edits),
                  "step": statistics.median(steps), "rss": status_mb('VmHWM'),
                  "params": sum(e.params for e in opened.session.layers), "layers": len(names),
                  "stopped": opened.stopped}))
"""


def _conv(rng: np.random.Generator, cin: int, filters: int) -> dict:
    w = (rng.standard_normal((3, 3, cin, filters)) * np.sqrt(2 / (9 * cin))).astype(np.float32)
    return {"class_name": "Conv2D", "config": {"filters": filters, "kernel_size": [3, 3], "padding": "same",
                                               "activation": "relu"},
            "weights": [w, np.zeros(filters, np.float32)]}


def _dense(rng: np.random.Generator, n_in: int, units: int, activation: str = "relu") -> dict:
    w = (rng.standard_normal((n_in, units)) * np.sqrt(2 / n_in)).astype(np.float32)
    return {"class_name": "Dense", "config": {"units": units, "activation": activation},
            "weights": [w, np.zeros(units, np.float32)]}


def _vgg(rng: np.random.Generator, side: int, widths: tuple[int, ...], dense: int) -> list[dict]:
    """Blocks of two 3x3 'same' convolutions and a 2x2 pool, then Flatten, Dense, Dense 10 softmax."""
    layers: list[dict] = [{"class_name": "Rescaling", "config": {"scale": 1 / 255}}]
    cin = 3
    for width in widths:
        layers += [_conv(rng, cin, width), _conv(rng, width, width),
                   {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2]}}]
        cin = width
    flat = (side >> len(widths)) ** 2 * cin
    return [*layers, {"class_name": "Flatten", "config": {}}, _dense(rng, flat, dense),
            _dense(rng, dense, 10, "softmax")]


def models() -> list[tuple[str, tuple[int, int, int], list[dict], str, str]]:
    """(label, input shape, layers, the edited layer, the stepped layer); Keras's default names."""
    rng = np.random.default_rng(0)
    return [
        ("64x64x3 VGG 64-128-256", (64, 64, 3), _vgg(rng, 64, (64, 128, 256), 512), "conv2d_2", "conv2d_5"),
        ("128x128x3 VGG 64-...-512", (128, 128, 3), _vgg(rng, 128, (64, 128, 256, 512), 256), "conv2d_3",
         "conv2d_7"),
    ]


def _window(path: Path, layer: str, out: Path) -> tuple[float, float]:
    """Wall ms and peak RSS MB of ``kernelscope export MODEL --png OUT --layer NAME`` (offscreen)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "kernelscope", "export", str(path), "--png", str(out),
                              "--layer", layer], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = (time.perf_counter() - start) * 1e3
    if os.waitstatus_to_exitcode(status) != 0 or not out.exists():
        said = child.stderr.read().decode() if child.stderr else ""
        raise RuntimeError(f"kernelscope export {path.name} --png failed: {said}")
    return wall, usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-window", action="store_true", help="skip the window measurement")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, shape, layers, edit, step in models():
            path = write_keras(Path(tmp) / f"{shape[0]}.keras", layers, shape)
            out = subprocess.run([sys.executable, "-c", _CHILD, str(path), edit, step], capture_output=True,
                                 text=True, check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
            row = json.loads(out.stdout)
            row.update(model=label, size=path.stat().st_size / 2**20, edited=edit, stepped=step)
            if not args.no_window:
                row["window"], row["window_rss"] = _window(path, step, Path(tmp) / "shot.png")
            rows.append(row)
    print(f"{'model':<26}{'params':>12}{'file MB':>9}{'load ms':>9}{'forward ms':>12}{'open ms':>16}"
          f"{'edit ms':>9}{'step ms':>9}{'RSS MB':>8}{'window ms':>11}{'window MB':>16}")
    print("-" * 137)
    ok = True
    for r in rows:
        total = r["load"] + r["forward"]
        fine = total < OPEN_TARGET_MS and r.get("window_rss", 0) < RSS_TARGET_MB and r["stopped"] is None
        ok &= fine
        window = f"{r['window']:>11.0f}{r['window_rss']:>8.0f} <2048" if "window" in r else f"{'-':>11}{'-':>16}"
        print(f"{r['model']:<26}{r['params']:>12,}{r['size']:>9.1f}{r['load']:>9.0f}{r['forward']:>12.0f}"
              f"{total:>8.0f} <3000{r['edit']:>9.1f}{r['step']:>9.2f}{r['rss']:>8.0f}{window}"
              f"  {'ok' if fine else 'FAIL'}")
    print(f"edit: a weight of {rows[0]['edited']} / {rows[-1]['edited']}, recomputed from there down; "
          f"step: {rows[0]['stepped']} / {rows[-1]['stepped']}; stopped: "
          + "; ".join(str(r["stopped"]) for r in rows))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
