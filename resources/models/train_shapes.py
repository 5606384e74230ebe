"""Train the bundled shapes model (``shapes.keras``) on drawings this script makes itself.

    KERAS_BACKEND=torch python resources/models/train_shapes.py [OUT.keras]

Keras (with any backend) is a tool for this script only: kernelscope reads the saved file without
it. The data is generated here, no downloads: the seed article's shapes (X, +, -, =) and four more
(O, /, \\, |), white strokes on black on a 28x28 grid in grey values 0..1 (kernelscope's "grey"
painting mode, MNIST's look), at random positions and sizes, with random stroke widths, a slight
rotation and slant, shaky ends, soft or hard edges and noise. About a third are drawn the way a
person paints on kernelscope's grid (a square brush of 1 or 3 cells, fully saturated, no noise),
so the model answers a drawing made in the app and not only the generator's noisy ones; the
script ends by checking that on hand-made drawings of every class.

Everything is seeded: the same Keras and backend give the same model.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from pathlib import Path

import numpy as np

from kernelscope.core.paint_tools import line_cells  # the cells kernelscope's line tool paints

CLASS_NAMES = ("X", "+", "-", "=", "O", "/", "\\", "|")
"""The model's output order: unit i of the softmax is CLASS_NAMES[i]. Never reorder."""

SIDE = 28
SEED = 16
TRAIN_COUNT = 48_000
HELD_OUT_COUNT = 8_000
EPOCHS = 12
BATCH = 128
BRUSH_SIZES = (1, 3)  # the brush sides a person uses for a drawing on kernelscope's grid

_HERE = Path(__file__).resolve().parent


# ----------------------------------------------------------------------------- shapes as segments
Segment = tuple[tuple[float, float], tuple[float, float]]  # ((x0, y0), (x1, y1)), y grows downwards


def shape_segments(name: str, rng: np.random.Generator) -> list[Segment]:
    """The strokes of one shape in a unit box (-1..1 each way), with a little hand-made wobble."""

    def j(v: float, amount: float = 0.12) -> float:
        return v + float(rng.uniform(-amount, amount))

    if name == "X":
        return [((j(-1), j(-1)), (j(1), j(1))), ((j(-1), j(1)), (j(1), j(-1)))]
    if name == "+":
        cx, cy = j(0, 0.25), j(0, 0.25)
        down = ((cx + j(0, 0.08), j(-1)), (cx + j(0, 0.08), j(1)))
        return [down, ((j(-1), cy + j(0, 0.08)), (j(1), cy + j(0, 0.08)))]
    if name == "-":
        y = j(0, 0.3)
        return [((j(-1), y + j(0, 0.06)), (j(1), y + j(0, 0.06)))]
    if name == "=":
        gap = float(rng.uniform(0.35, 0.75))
        return [((j(-1), -gap + j(0, 0.06)), (j(1), -gap + j(0, 0.06))),
                ((j(-1), gap + j(0, 0.06)), (j(1), gap + j(0, 0.06)))]
    if name == "O":
        n = 24
        t = np.linspace(0, 2 * np.pi, n + 1) + rng.uniform(0, 2 * np.pi)
        r = 1 + rng.uniform(-0.08, 0.08, n + 1)
        r[-1] = r[0]
        pts = np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
        return [((float(a[0]), float(a[1])), (float(b[0]), float(b[1]))) for a, b in itertools.pairwise(pts)]
    if name == "/":
        return [((j(-1), j(1)), (j(1), j(-1)))]
    if name == "\\":
        return [((j(-1), j(-1)), (j(1), j(1)))]
    if name == "|":
        x = j(0, 0.3)
        return [((x + j(0, 0.06), j(-1)), (x + j(0, 0.06), j(1)))]
    raise ValueError(f"unknown shape {name!r}")


def place(segments: list[Segment], rng: np.random.Generator, name: str) -> list[Segment]:
    """Scale (each way), slant, rotate slightly and move the unit-box strokes onto the 28x28 grid."""
    half = float(rng.uniform(4.5, 12.5))  # half the shape's size in cells
    aspect = float(rng.uniform(0.65, 1.5))
    sx, sy = half * np.sqrt(aspect), half / np.sqrt(aspect)
    angle = np.deg2rad(rng.uniform(-12, 12))
    if name in ("-", "|"):
        sx = sy = half
    elif name == "=":  # tall enough that its two lines stay apart
        sy = max(sy, 4.0)
    elif name in ("/", "\\"):  # a lone stroke at any slant from 28 to 62 degrees, steep or flat
        slant = np.deg2rad(rng.uniform(28, 62))
        sx, sy, angle = half * np.sqrt(2) * np.cos(slant), half * np.sqrt(2) * np.sin(slant), 0.0
    shear = float(rng.uniform(-0.15, 0.15))
    cos, sin = np.cos(angle), np.sin(angle)
    extent_x, extent_y = min(sx, 13.0), min(sy, 13.0)
    cx = float(rng.uniform(extent_x + 0.5, SIDE - 0.5 - extent_x)) if extent_x < 13.5 else SIDE / 2
    cy = float(rng.uniform(extent_y + 0.5, SIDE - 0.5 - extent_y)) if extent_y < 13.5 else SIDE / 2

    def move(p: tuple[float, float]) -> tuple[float, float]:
        x, y = p[0] * sx, p[1] * sy
        x += shear * y
        return (cx + cos * x - sin * y, cy + sin * x + cos * y)

    return [(move(a), move(b)) for a, b in segments]


# ----------------------------------------------------------------------------- rasterising
_YY, _XX = np.mgrid[0:SIDE, 0:SIDE].astype(np.float32) + 0.5  # cell centres


def segment_distance(seg: Segment) -> np.ndarray:
    """Each cell centre's distance to a segment."""
    (x0, y0), (x1, y1) = seg
    dx, dy = x1 - x0, y1 - y0
    length2 = dx * dx + dy * dy
    t = np.zeros_like(_XX) if length2 == 0 else np.clip(((_XX - x0) * dx + (_YY - y0) * dy) / length2, 0, 1)
    return np.hypot(_XX - (x0 + t * dx), _YY - (y0 + t * dy))


def soft_strokes(segments: list[Segment], width: float) -> np.ndarray:
    """Anti-aliased strokes: 1 within half the width of a stroke, fading over one cell."""
    d = np.min([segment_distance(s) for s in segments], axis=0)
    return np.clip(width / 2 - d + 0.5, 0, 1).astype(np.float32)


def brush_strokes(segments: list[Segment], brush: int) -> np.ndarray:
    """Strokes painted like a person on kernelscope's grid: a square brush of ``brush`` cells along
    each segment's cells, value 1 on 0."""
    image = np.zeros((SIDE, SIDE), np.float32)
    half = brush // 2
    for (x0, y0), (x1, y1) in segments:
        ends = [(int(np.clip(np.floor(y), 0, SIDE - 1)), int(np.clip(np.floor(x), 0, SIDE - 1)))
                for x, y in ((x0, y0), (x1, y1))]
        for r, c in line_cells(ends[0], ends[1]):
            image[max(0, r - half): r + half + 1, max(0, c - half): c + half + 1] = 1.0
    return image


def stroke_room(name: str, segments: list[Segment], span: float) -> float:
    """The widest stroke that keeps the shape a shape: a small X drawn too thick is a blob, and the
    two lines of a squat = drawn too thick merge into a -."""
    room = span / 5 + 1
    if name == "=":
        (_, ya), (_, yb) = segments[0][0], segments[1][0]
        room = min(room, abs(yb - ya) - 1.5)
    return room


def draw(name: str, rng: np.random.Generator) -> np.ndarray:
    """One random drawing of a shape: 28x28 grey values 0..1, white on black."""
    segments = place(shape_segments(name, rng), rng, name)
    style = rng.random()
    points = np.array([p for seg in segments for p in seg])
    span = float(np.ptp(points, axis=0).max())
    widest = stroke_room(name, segments, span)
    blocks = [s for s in (2, 3, 4, 5) if span / s >= (6 if name == "O" else 5) and s <= widest]
    brushes = [b for b in BRUSH_SIZES if b <= widest] or [1]
    if style < 0.35:  # painted in the app: hard square brush, fully saturated, nothing else
        return brush_strokes(segments, int(rng.choice(brushes)))
    if style < 0.45 and blocks:  # pixel art: drawn one cell wide on a coarse grid, each cell made s x s
        s = int(rng.choice(blocks))
        coarse = brush_strokes([((x0 / s, y0 / s), (x1 / s, y1 / s)) for (x0, y0), (x1, y1) in segments], 1)
        return np.kron(coarse, np.ones((s, s), np.float32))[:SIDE, :SIDE]
    width = float(rng.uniform(1.0, max(1.0, min(3.6, widest))))
    image = soft_strokes(segments, width) * float(rng.uniform(0.6, 1.0))
    if rng.random() < 0.3:
        image = np.where(image > 0.5, 1.0, 0.0).astype(np.float32)  # hard edges
    image += rng.normal(0, rng.uniform(0, 0.12), image.shape).astype(np.float32)
    speckles = rng.random(image.shape) < rng.uniform(0, 0.03)
    image[speckles] = rng.random(int(speckles.sum())).astype(np.float32)
    return np.clip(image, 0, 1).astype(np.float32)


def dataset(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` drawings (count x 28 x 28 x 1) and their class numbers, classes in turn."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % len(CLASS_NAMES)
    rng.shuffle(labels)
    images = np.stack([draw(CLASS_NAMES[k], rng) for k in labels])[..., None]
    return images, labels.astype(np.int64)


# ----------------------------------------------------------------------------- hand-made drawings
def text_picture(rows: list[str], scale: int = 1) -> np.ndarray:
    """A drawing from text ('#' white stroke, '.' black), scaled up by whole cells and centred on 28x28."""
    small = np.array([[1.0 if ch == "#" else 0.0 for ch in row] for row in rows], np.float32)
    big = np.kron(small, np.ones((scale, scale), np.float32))
    image = np.zeros((SIDE, SIDE), np.float32)
    top, left = (SIDE - big.shape[0]) // 2, (SIDE - big.shape[1]) // 2
    image[top: top + big.shape[0], left: left + big.shape[1]] = big
    return image


ARTICLE_X = ["#...#", ".#.#.", "..#..", ".#.#.", "#...#"]
ARTICLE_PLUS = ["..#..", "..#..", "#####", "..#..", "..#.."]
ARTICLE_MINUS = [".....", ".....", "#####", ".....", "....."]
ARTICLE_EQUALS = [".....", "#####", ".....", "#####", "....."]


def painted(strokes: list[tuple[tuple[int, int], tuple[int, int]]], brush: int) -> np.ndarray:
    """Lines from cell to cell ((row, col) ends) painted with a square brush, as in the app."""
    segments = [((c0 + 0.5, r0 + 0.5), (c1 + 0.5, r1 + 0.5)) for (r0, c0), (r1, c1) in strokes]
    return brush_strokes(segments, brush)


def circle_strokes(r: int, c: int, radius: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    t = np.linspace(0, 2 * np.pi, 17)
    pts = [(round(r + radius * np.sin(a)), round(c + radius * np.cos(a))) for a in t]
    return list(itertools.pairwise(pts))


def hand_drawings() -> list[tuple[str, str, np.ndarray]]:
    """(class, description, drawing): clean drawings a person makes on the grid, every class."""
    drawings: list[tuple[str, str, np.ndarray]] = [
        ("X", "the article's 5x5 X, each cell 5x5", text_picture(ARTICLE_X, 5)),
        ("X", "the article's 5x5 X, each cell 4x4", text_picture(ARTICLE_X, 4)),
        ("+", "the article's 5x5 plus, each cell 4x4", text_picture(ARTICLE_PLUS, 4)),
        ("-", "the article's 5x5 minus, each cell 4x4", text_picture(ARTICLE_MINUS, 4)),
        ("=", "the article's 5x5 equals, each cell 4x4", text_picture(ARTICLE_EQUALS, 4)),
    ]
    for brush in (1, 3):
        b = f"brush {brush}"
        drawings += [
            ("X", f"{b}: big X corner to corner", painted([((3, 3), (24, 24)), ((3, 24), (24, 3))], brush)),
            ("X", f"{b}: small X top left", painted([((3, 4), (13, 14)), ((3, 14), (13, 4))], brush)),
            ("+", f"{b}: big plus", painted([((4, 14), (23, 14)), ((13, 4), (13, 23))], brush)),
            ("+", f"{b}: small plus bottom right", painted([((14, 19), (24, 19)), ((19, 14), (19, 24))], brush)),
            ("-", f"{b}: long minus", painted([((14, 4), (14, 23))], brush)),
            ("-", f"{b}: short minus high up", painted([((8, 9), (8, 19))], brush)),
            ("=", f"{b}: equals", painted([((10, 5), (10, 22)), ((17, 5), (17, 22))], brush)),
            ("=", f"{b}: small equals", painted([((12, 9), (12, 18)), ((16, 9), (16, 18))], brush)),
            ("O", f"{b}: big ring", painted(circle_strokes(14, 14, 10), brush)),
            ("O", f"{b}: small ring", painted(circle_strokes(10, 17, 6), brush)),
            ("/", f"{b}: long /", painted([((23, 4), (4, 23))], brush)),
            ("/", f"{b}: short steep /", painted([((20, 10), (6, 17))], brush)),
            ("\\", f"{b}: long \\", painted([((4, 4), (23, 23))], brush)),
            ("\\", f"{b}: short steep \\", painted([((6, 10), (20, 17))], brush)),
            ("|", f"{b}: tall |", painted([((3, 14), (24, 14))], brush)),
            ("|", f"{b}: short | on the left", painted([((8, 6), (19, 6))], brush)),
        ]
    return drawings


def say(text: str) -> None:
    sys.stdout.write(text + "\n")


# ----------------------------------------------------------------------------- the model
def build_model():  # -> keras.Sequential (keras is imported late: the drawings above need NumPy and kernelscope)
    import keras
    from keras import layers

    return keras.Sequential(
        [
            keras.Input((SIDE, SIDE, 1), name="drawing"),
            layers.Conv2D(8, 3, activation="relu", name="edges"),
            layers.MaxPooling2D(2, name="pool_1"),
            layers.Conv2D(16, 3, activation="relu", name="strokes"),
            layers.MaxPooling2D(2, name="pool_2"),
            layers.Flatten(name="flatten"),
            layers.Dropout(0.3, name="dropout"),
            layers.Dense(len(CLASS_NAMES), activation="softmax", name="shape"),
        ],
        name="shapes",
    )


def confusion(truth: np.ndarray, guess: np.ndarray) -> np.ndarray:
    matrix = np.zeros((len(CLASS_NAMES), len(CLASS_NAMES)), np.int64)
    np.add.at(matrix, (truth, guess), 1)
    return matrix


def print_confusion(matrix: np.ndarray) -> None:
    say("confusion (rows: true class, columns: predicted):")
    say("      " + "".join(f"{n:>6}" for n in CLASS_NAMES))
    for name, row in zip(CLASS_NAMES, matrix, strict=True):
        say(f"{name:>6}" + "".join(f"{v:>6}" for v in row))
    worst = [(int(matrix[i, j]), CLASS_NAMES[i], CLASS_NAMES[j])
             for i in range(len(CLASS_NAMES)) for j in range(len(CLASS_NAMES)) if i != j and matrix[i, j]]
    for count, a, b in sorted(worst, reverse=True)[:5]:
        say(f"  {a} taken for {b}: {count}")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else _HERE / "shapes.keras"

    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    keras.utils.set_random_seed(SEED)
    try:
        import torch

        torch.use_deterministic_algorithms(True)
        torch.set_num_threads(2)
    except ImportError:  # another backend: seeded, perhaps not bit-for-bit
        pass

    start = time.perf_counter()
    x_train, y_train = dataset(TRAIN_COUNT, SEED)
    x_test, y_test = dataset(HELD_OUT_COUNT, SEED + 1)  # another seed: drawings the model never saw
    say(f"generated {TRAIN_COUNT} training and {HELD_OUT_COUNT} held-out drawings "
          f"in {time.perf_counter() - start:.1f} s")

    model = build_model()
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.summary()
    model.fit(x_train, y_train, batch_size=BATCH, epochs=EPOCHS, validation_split=0.1, shuffle=True, verbose=2)

    guess = model.predict(x_test, batch_size=512, verbose=0).argmax(axis=1)
    accuracy = float((guess == y_test).mean())
    say(f"held-out accuracy: {accuracy:.2%} on {HELD_OUT_COUNT} generated drawings (seed {SEED + 1})")
    print_confusion(confusion(y_test, guess))

    drawings = hand_drawings()
    probs = model.predict(np.stack([d for _, _, d in drawings])[..., None], verbose=0)
    right = 0
    say(f"hand-made drawings (clean, brushes {BRUSH_SIZES}, values 0 and 1):")
    for (name, what, _), p in zip(drawings, probs, strict=True):
        k = int(p.argmax())
        right += CLASS_NAMES[k] == name
        mark = "ok " if CLASS_NAMES[k] == name else "MISS"
        say(f"  {mark} {name:>2} -> {CLASS_NAMES[k]:>2} ({p[k]:.0%})  {what}")
    say(f"hand-made drawings recognised: {right} of {len(drawings)}")

    model.save(out)
    say(f"wrote {out} ({out.stat().st_size:,} bytes) with Keras {keras.__version__} "
          f"({keras.backend.backend()} backend) in {time.perf_counter() - start:.0f} s")
    return 0 if right == len(drawings) and accuracy > 0.97 else 1


if __name__ == "__main__":
    sys.exit(main())
