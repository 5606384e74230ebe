"""Competing CPU-bound processes for ``--contended`` runs: what a classroom laptop has beside the app.

One process per core less one, at normal priority, each a pure-Python busy loop (``--hog numpy``:
a NumPy float32 matmul loop instead, which also takes memory bandwidth). They are ended when the
``with`` block ends, however it ends (an exception, Ctrl+C, SIGTERM), and each also ends by itself
once its parent is gone, so a bench killed outright leaves none behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from types import FrameType

HOG_KINDS = ("python", "numpy")

_HOG = """
import os, sys
parent = int(sys.argv[1])
kind = sys.argv[2]
if kind == "numpy":
    import numpy as np
    a = np.ones((256, 256), np.float32)
    step = lambda: a @ a
else:
    def step():
        n = 0
        for i in range(200_000):
            n += i
while os.getppid() == parent:  # the bench is gone: stop
    step()
"""


def hog_count() -> int:
    return max(1, (os.cpu_count() or 1) - 1)


def describe(kind: str, count: int | None = None) -> str:
    n = hog_count() if count is None else count
    what = "pure-Python busy loop" if kind == "python" else "NumPy 256x256 matmul loop"
    return f"contended: {n} competing CPU-bound process{'es' if n != 1 else ''} ({what}, normal priority)"


@contextlib.contextmanager
def contention(kind: str = "python", count: int | None = None) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Run ``count`` (default: cores - 1) busy processes for the duration of the block."""
    if kind not in HOG_KINDS:
        raise ValueError(f"unknown hog {kind!r}: use one of {', '.join(HOG_KINDS)}")
    n = hog_count() if count is None else count
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")  # one core each
    procs: list[subprocess.Popen[bytes]] = []
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)  # unwinds through the finally below

    signal.signal(signal.SIGTERM, on_term)
    try:
        for _ in range(n):
            procs.append(subprocess.Popen([sys.executable, "-c", _HOG, str(os.getpid()), kind], env=env,
                                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL))
        yield procs
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait()
        signal.signal(signal.SIGTERM, previous)
