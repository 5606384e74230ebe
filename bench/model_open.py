"""kernelscope model-file benchmark: opening a Keras model with millions of parameters.

    python bench/model_open.py            # every model and format (about 20 s)
    python bench/model_open.py --quick    # the first model only

Each model is written without Keras (h5py + zipfile, ``tests/files/model_files.py``) as a ``.keras``
archive (stored, as Keras writes it, and deflated) and a legacy ``.h5``; each file is then opened in
its own fresh process: ``load ms`` is ``files.models.load_model`` (read, check, build the session),
``forward ms`` the first ``engine.forward`` of the whole chain, ``RSS MB`` the process's peak resident
memory and ``base MB`` its resident memory after the imports, before the file is touched.
Target: load + forward under 3000 ms.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.files.model_files import write_h5, write_keras  # noqa: E402

TARGET_MS = 3000.0

_CHILD = """
import json, sys, time
import numpy as np
from kernelscope.core.engine import forward
from kernelscope.files.models import load_model

def status_mb(key):  # VmHWM (peak) and VmRSS from /proc: ru_maxrss would carry the parent's peak across exec
    for line in open('/proc/self/status'):
        if line.startswith(key + ':'):
            return int(line.split()[1]) / 1024
    return float('nan')

base = status_mb('VmRSS')
t0 = time.perf_counter()
opened = load_model(sys.argv[1])
t1 = time.perf_counter()
forward(opened.session.input, opened.session.layers)
t2 = time.perf_counter()
peak = status_mb('VmHWM')
params = sum(e.params for e in opened.session.layers)
print(json.dumps({"load": (t1 - t0) * 1e3, "forward": (t2 - t1) * 1e3, "rss": peak, "base": base,
                  "params": params, "layers": len(opened.session.layers), "stopped": opened.stopped}))
"""


def _w(rng: np.random.Generator, *shape: int) -> np.ndarray:
    return (rng.standard_normal(shape) * 0.05).astype(np.float32)


def _conv(rng: np.random.Generator, cin: int, filters: int) -> dict:
    return {"class_name": "Conv2D", "config": {"filters": filters, "kernel_size": [3, 3], "activation": "relu"},
            "weights": [_w(rng, 3, 3, cin, filters), _w(rng, filters)]}


def _dense(rng: np.random.Generator, n_in: int, units: int, activation: str = "relu") -> dict:
    return {"class_name": "Dense", "config": {"units": units, "activation": activation},
            "weights": [_w(rng, n_in, units), _w(rng, units)]}


def models() -> list[tuple[str, tuple[int, int, int], list[dict]]]:
    rng = np.random.default_rng(0)
    pool = {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2]}}
    flatten = {"class_name": "Flatten", "config": {}}
    mnist = [_conv(rng, 1, 32), _conv(rng, 32, 64), pool, flatten, _dense(rng, 12 * 12 * 64, 512),
             _dense(rng, 512, 10, "softmax")]
    rgb = [{"class_name": "Rescaling", "config": {"scale": 1 / 255}}, _conv(rng, 3, 32), pool, _conv(rng, 32, 64), pool,
           flatten, _dense(rng, 14 * 14 * 64, 1024), _dense(rng, 1024, 10, "softmax")]
    return [("28x28x1 CNN, Dense 512", (28, 28, 1), mnist), ("64x64x3 CNN, Dense 1024", (64, 64, 3), rgb)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the first model only")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, shape, layers in models()[:1] if args.quick else models():
            files = [
                (".keras stored", write_keras(Path(tmp) / "m.keras", layers, shape)),
                (".keras deflated", write_keras(Path(tmp) / "z.keras", layers, shape, compress=True)),
                (".h5 (Keras 3)", write_h5(Path(tmp) / "m.h5", layers, shape)),
                (".h5 (Keras 2)", write_h5(Path(tmp) / "k2.h5", layers, shape, keras2=True)),
            ]
            for kind, path in files:
                out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True,
                                     check=True, cwd=ROOT)
                row = json.loads(out.stdout)
                row.update(model=label, format=kind, size=path.stat().st_size / 2**20)
                rows.append(row)
    print(f"{'model':<26}{'format':<17}{'params':>11}{'file MB':>9}{'load ms':>9}{'forward ms':>12}"
          f"{'total':>16}{'base MB':>9}{'RSS MB':>8}")
    print("-" * 117)
    for r in rows:
        total = r["load"] + r["forward"]
        verdict = "ok" if total < TARGET_MS else "FAIL"
        print(f"{r['model']:<26}{r['format']:<17}{r['params']:>11,}{r['size']:>9.1f}{r['load']:>9.0f}"
              f"{r['forward']:>12.0f}{total:>8.0f} <3000 {verdict:<2}{r['base']:>8.0f}{r['rss']:>8.0f}")
    return 0 if all(r["load"] + r["forward"] < TARGET_MS for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
