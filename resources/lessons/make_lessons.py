"""Regenerate the bundled lessons (``NN-name.kscope``) from the seed article's worked examples.

    python resources/lessons/make_lessons.py [OUT_DIR]

Every lesson is built here with NumPy and written with ``kernelscope.sessions.save_session``, so
the files are exactly what kernelscope itself would save, and running this again gives the same
bytes. OUT_DIR defaults to this script's folder. Edit a lesson here, not in its .kscope file.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parents[1]
if (_ROOT / "kernelscope" / "__init__.py").is_file():  # a checkout: use its kernelscope
    sys.path.insert(0, str(_ROOT))

from kernelscope.core.engine import ConvSpec  # noqa: E402
from kernelscope.core.kernel_tools import PRESETS  # noqa: E402
from kernelscope.files.sessions import SUFFIX, Session, ViewState, save_session  # noqa: E402

BLACK, WHITE = -1.0, 1.0  # the article's binary values


def picture(rows: list[str]) -> np.ndarray:
    """An H x W x 1 binary picture from text: '#' is black (-1), '.' is white (+1)."""
    if any(ch not in "#." for row in rows for ch in row):
        raise ValueError(f"a picture is drawn with '#' and '.' only: {rows}")
    return np.array([[[BLACK if ch == "#" else WHITE] for ch in row] for row in rows], np.float32)


def kernel(rows: list[str]) -> np.ndarray:
    """A kh x kw kernel drawn like a picture: '#' is -1 (black), '.' is +1 (white)."""
    return picture(rows)[:, :, 0]


def stack(*kernels: np.ndarray) -> np.ndarray:
    """(kh, kw) kernels, one per filter, in the Keras layout kh x kw x 1 x F."""
    return np.stack([np.asarray(k, np.float32) for k in kernels], axis=-1)[:, :, None, :]


def session(
    x: np.ndarray,
    kernels: np.ndarray,
    spec: ConvSpec,
    title: str,
    notes: str,
    view: ViewState | None = None,
) -> Session:
    return Session(
        input=x,
        kernels=kernels,
        bias=np.zeros(spec.filters, np.float32),
        spec=spec,
        view=view or ViewState(),
        title=title,
        notes=notes,
    )


# The article's pictures and kernels.
X5 = picture([
    "#...#",
    ".#.#.",
    "..#..",
    ".#.#.",
    "#...#",
])
LINE = kernel([  # the article's kernel [[1, 1, 1], [-1, -1, -1], [1, 1, 1]]: a dark row between light rows
    "...",
    "###",
    "...",
])
# The diagonal detectors drawn the article's way (black -1 where the stroke is), so a black stroke
# on white answers +9. (The kernel presets "diagonal \" and "diagonal /" are these negated: they
# answer a white stroke on black.)
DIAG_DOWN = kernel([
    "#..",
    ".#.",
    "..#",
])
DIAG_UP = kernel([
    "..#",
    ".#.",
    "#..",
])


def article_x() -> Session:
    return session(
        X5,
        stack(LINE),
        ConvSpec(1, (3, 3)),
        "The article's X",
        "A 5x5 X drawn in black (-1) on white (+1) and the article's 3x3 line kernel: the first window "
        "sums to 1, and sliding it one cell at a time (stride 1) takes 9 steps and gives a 3x3 feature map.",
    )


def plus_minus_equals() -> Session:
    # The article's three 5x5 shapes one above the other with a white cell around each, so every
    # cell of the 17x5 maps is the centre of a 3x3 window over one cell of a shape or of a gap.
    shapes = picture([
        ".......",
        "...#...",
        "...#...",
        ".#####.",
        "...#...",
        "...#...",
        ".......",
        ".......",
        ".......",
        ".#####.",
        ".......",
        ".......",
        ".......",
        ".......",
        ".#####.",
        ".......",
        ".#####.",
        ".......",
        ".......",
    ])
    # Line detectors whose weights sum to 0, so plain white gives 0 and only strokes show.
    across = np.array([[1, 1, 1], [-2, -2, -2], [1, 1, 1]], np.float32)
    return session(
        shapes,
        stack(across, across.T),
        ConvSpec(2, (3, 3)),
        "The + - = shapes",
        "Filter 1 looks for a dark line across (a horizontal stroke) and filter 2 for a dark line down; "
        "both give 0 on plain white. The horizontal map lights up once in the plus and the minus and "
        "twice in the equals sign, the vertical map only in the plus: together they tell the three "
        "shapes apart.",
    )


def stride_2() -> Session:
    return session(
        X5,
        stack(LINE),
        ConvSpec(1, (3, 3), strides=(2, 2)),
        "Stride 1 vs 2: the X at stride 2",
        "The same X and kernel as the first lesson, but the window jumps two cells at a time: it fits "
        "only twice across and twice down, so there are 4 steps and a 2x2 map instead of 9 steps and "
        "a 3x3 map. The four values are the corners of the stride-1 map (set strides to 1 to compare).",
    )


def big_x_stride_2() -> Session:
    n = 25
    diagonals = np.eye(n, dtype=bool) | np.eye(n, dtype=bool)[::-1]
    x = np.where(diagonals, BLACK, WHITE).astype(np.float32)[:, :, None]
    return session(
        x,
        stack(X5[:, :, 0]),  # the article's 5x5 X as the kernel
        ConvSpec(1, (5, 5), strides=(2, 2)),
        "25x25, a 5x5 kernel, stride 2",
        "The article's question: a 5x5 kernel moving two cells at a time over a 25x25 input reaches "
        "the right edge in the 11th step, and the bottom after 11 rows, so the map is 11x11 "
        "(floor((25 - 5) / 2) + 1 = 11). The kernel is a small X, so the map shows a small X, "
        "brightest (25) where the window sits on the crossing.",
        ViewState(colormap="viridis"),  # every value is positive: a sequential scale shows the X best
    )


def three_filters() -> Session:
    return session(
        X5,
        stack(LINE, DIAG_DOWN, DIAG_UP),
        ConvSpec(3, (3, 3)),
        "Three filters, three maps",
        "The X with three kernels, each drawn like the stroke it looks for: the article's line, a "
        "diagonal \\ and a diagonal /. Each filter makes its own map: the \\ map is brightest (9) "
        "along the X's \\ stroke, the / map along the / stroke, and the line map never passes 5.",
    )


def same_padding() -> Session:
    x = np.full((6, 6, 1), WHITE, np.float32)
    ones = np.ones((3, 3), np.float32)
    return session(
        x,
        stack(ones),
        ConvSpec(1, (3, 3), strides=(2, 2), padding="same"),
        "\"same\" padding on an even input",
        "A 6x6 input at stride 2 needs ceil(6 / 2) = 3 outputs, and three windows of 3 cells two "
        "apart span 7 cells: one more than the input has. Keras adds that one zero at the bottom and "
        "the right, none at the top or left, so with every pixel and weight 1 each output counts its "
        "window's real pixels: 9, 6 along the bottom and the right, 4 in the corner.",
    )


def dilation_2() -> Session:
    x = np.full((7, 7, 1), WHITE, np.float32)
    x[1:6, 1:6] = X5  # the article's X with a white border
    cross = kernel([
        "#.#",
        ".#.",
        "#.#",
    ])
    return session(
        x,
        stack(cross),
        ConvSpec(1, (3, 3), dilation_rate=(2, 2)),
        "Dilation 2",
        "With dilation_rate 2 the 3x3 kernel's nine taps sit two cells apart and cover a 5x5 area, "
        "so a 7x7 input gives a 3x3 map. The kernel is a small X; only the middle window puts its "
        "taps on the big X's corners and centre and scores 9, the other eight score -1.",
    )


def sobel_edges() -> Session:
    x = np.zeros((16, 16, 1), np.float32)
    x[4:12, 4:12] = 1.0  # a white square on black, grey values 0..1
    return session(
        x,
        stack(PRESETS["Sobel x"].kernel(3, 3), PRESETS["Sobel y"].kernel(3, 3)),
        ConvSpec(2, (3, 3)),
        "Edge detection with Sobel",
        "Sobel x answers where the picture changes from left to right, so only the square's left "
        "and right sides light up (+4 where it gets brighter, -4 where it gets darker); Sobel y does "
        "the same for the top and bottom. Flat areas, black or white, give 0.",
        ViewState(value_mode="grey"),
    )


def photo_32_filters() -> Session:
    """The article's own line on the bundled photo (CC0, resources/images/README.md)."""
    from kernelscope.core.engine import glorot_uniform
    from kernelscope.files.images import load_image, sample_photo_path

    x = np.array(load_image(sample_photo_path(), channels=3, size=(150, 150), fit="crop", value_mode="grey").pixels)
    # Rounded to 3 decimals: the file stays small, and the picture is the same to the eye.
    x = np.round(x, 3).astype(np.float32)
    kernels = np.round(glorot_uniform((3, 3, 3, 32), seed=0), 4).astype(np.float32)
    return session(
        x,
        kernels,
        ConvSpec(32, (3, 3), activation="relu"),
        "32 filters on a photo: the article's Conv2D line",
        "Conv2D(32, (3, 3), activation=\"relu\", input_shape=(150, 150, 3)): 32 random filters (as Keras "
        "starts a layer) give 32 maps of 148x148, and each step sums 27 products, 9 per colour channel. "
        "relu keeps only the positive answers, so the maps are dark where a filter disagrees with the photo.",
        ViewState(value_mode="grey", colormap="viridis"),
    )


LESSONS: dict[str, Callable[[], Session]] = {
    "01-article-x": article_x,
    "02-plus-minus-equals": plus_minus_equals,
    "03-stride-2": stride_2,
    "04-25x25-stride-2": big_x_stride_2,
    "05-three-filters": three_filters,
    "06-same-padding": same_padding,
    "07-dilation-2": dilation_2,
    "08-sobel-edges": sobel_edges,
    "09-photo-32-filters": photo_32_filters,
}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1:
        sys.stderr.write("usage: make_lessons.py [OUT_DIR]\n")
        return 2
    out = Path(args[0]) if args else _HERE
    out.mkdir(parents=True, exist_ok=True)
    for name, build in LESSONS.items():
        path = out / f"{name}{SUFFIX}"
        save_session(build(), path, version=1)  # the lessons stay version 1 files for now
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
