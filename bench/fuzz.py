"""Time and memory per hostile case: fuzzed session texts, large repetitive files and pasted lines.

    python bench/fuzz.py [--cases N] [--seed S]

Prints one row per family: cases, median and slowest time per case, and the largest peak
allocation relative to the input. The tests bound memory; time is only measured here.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator

from kernelscope.core.keras_syntax import LineError, parse_conv2d_line
from kernelscope.files.sessions import SessionError, default_session, loads_session, session_to_dict

FIELDS = ("format", "version", "title", "notes", "layer", "input", "kernels", "bias", "view")


def junk_value(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(7 if depth < 3 else 4)
    if kind == 0:
        return rng.choice([None, True, False, "", "x" * rng.randrange(50)])
    if kind == 1:
        return rng.choice([0, -1, 1, 64, 65, 1024, 1025, 10**40, -(10**40)])
    if kind == 2:
        return rng.choice([0.5, -0.0, 3.4e38, 1e39, 1e-45])
    if kind == 3:
        return "".join(rng.choice("ab\u2028\x00{}[]\"") for _ in range(rng.randrange(10)))
    if kind == 4:
        return [junk_value(rng, depth + 1) for _ in range(rng.randrange(5))]
    if kind == 5:
        return {str(junk_value(rng, 3)): junk_value(rng, depth + 1) for _ in range(rng.randrange(4))}
    return [[[rng.random()] for _ in range(rng.randrange(1, 6))] for _ in range(rng.randrange(1, 6))]


def sessions(rng: random.Random, n: int) -> Iterator[str]:
    base = session_to_dict(default_session())
    for _ in range(n):
        d = json.loads(json.dumps(base))
        for _ in range(rng.randrange(1, 4)):
            key = rng.choice((*FIELDS, "extra"))
            if rng.random() < 0.7:
                d[key] = junk_value(rng)
            else:
                d.pop(key, None)
        yield json.dumps(d)


def big_files(rng: random.Random, n: int) -> Iterator[str]:
    for _ in range(n):
        unit = rng.choice(["[],", "[[1,", '{"a":', "1e999,", "-0,"])
        body = unit * (rng.randrange(1, 9) * 1024 * 1024 // len(unit))
        yield '{"format": "kernelscope-session", "version": 1, "input": [' + body + "]}"


def lines(rng: random.Random, n: int) -> Iterator[str]:
    values = ["1", "3", "64", "65", "11", "12", "1024", "1025", "10**9", "9" * 100, '"same"', "(2, 2)", "(3, 3, 3)"]
    keys = ["strides", "padding", "dilation_rate", "activation", "input_shape", "use_bias"]
    for _ in range(n):
        args = [rng.choice(values) for _ in range(rng.randrange(0, 3))]
        kwargs = [f"{rng.choice(keys)}={rng.choice(values)}" for _ in range(rng.randrange(0, 3))]
        yield f"model.add(layers.Conv2D({', '.join(args + kwargs)}))"


def measure(cases: Iterator[str], work: Callable[[str], object]) -> tuple[int, float, float, float, float]:
    times, ratios, peaks = [], [], []
    for case in cases:
        tracemalloc.start()
        start = time.perf_counter()
        try:
            work(case)
        except (SessionError, LineError):
            pass
        times.append(time.perf_counter() - start)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        ratios.append(peak / max(1, len(case)))
        peaks.append(peak)
    return len(times), statistics.median(times) * 1000, max(times) * 1000, max(peaks) / 2**20, max(ratios)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    rows = [
        ("mutated sessions", measure(sessions(rng, args.cases), loads_session)),
        ("1-8 MB repetitive files", measure(big_files(rng, max(4, args.cases // 30)), loads_session)),
        ("pasted Conv2D lines", measure(lines(rng, args.cases), parse_conv2d_line)),
    ]
    print(f"{'family':26s} {'cases':>6s} {'median ms':>10s} {'max ms':>9s} {'peak MB':>8s} {'peak / input':>13s}")
    for name, (n, median, slowest, peak, ratio) in rows:
        print(f"{name:26s} {n:6d} {median:10.2f} {slowest:9.1f} {peak:8.2f} {ratio:12.1f}x")


if __name__ == "__main__":
    main()
