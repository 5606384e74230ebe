"""Regenerate the bundled lessons (``NN-name.kscope``) from the seed article's worked examples.

    python resources/lessons/make_lessons.py [OUT_DIR]

Every lesson is built here with NumPy and written with ``kernelscope.sessions.save_session``, so
the files are exactly what kernelscope itself would save, and running this again gives the same
bytes. OUT_DIR defaults to this script's folder. Edit a lesson here, not in its .kscope file.
A one-Conv2D lesson stays a version 1 file (older kernelscopes open it); a stack is version 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

_HERE = Path(__file__).resolve().parent
_ROOT = _HERE.parents[1]
if (_ROOT / "kernelscope" / "__init__.py").is_file():  # a checkout: use its kernelscope
    sys.path.insert(0, str(_ROOT))

from kernelscope.core.engine import ConvSpec  # noqa: E402
from kernelscope.core.kernel_tools import PRESETS  # noqa: E402
from kernelscope.files.sessions import SUFFIX, VERSION, Session, ViewState, save_session  # noqa: E402

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


def photo_input() -> np.ndarray:
    """The bundled photo (CC0, resources/images/README.md) as the article's 150x150x3 input."""
    from kernelscope.files.images import load_image, sample_photo_path

    x = np.array(load_image(sample_photo_path(), channels=3, size=(150, 150), fit="crop", value_mode="grey").pixels)
    # Rounded to 3 decimals: the file stays small, and the picture is the same to the eye.
    return np.round(x, 3).astype(np.float32)


def photo_kernels() -> np.ndarray:
    """The 32 random 3x3x3 filters of the article's line, as Keras starts them (rounded: a smaller file)."""
    from kernelscope.core.engine import glorot_uniform

    return np.round(glorot_uniform((3, 3, 3, 32), seed=0), 4).astype(np.float32)


def photo_32_filters() -> Session:
    """The article's own line on the bundled photo."""
    return session(
        photo_input(),
        photo_kernels(),
        ConvSpec(32, (3, 3), activation="relu"),
        "32 filters on a photo: the article's Conv2D line",
        "Conv2D(32, (3, 3), activation=\"relu\", input_shape=(150, 150, 3)): 32 random filters (as Keras "
        "starts a layer) give 32 maps of 148x148, and each step sums 27 products, 9 per colour channel. "
        "relu keeps only the positive answers, so the maps are dark where a filter disagrees with the photo.",
        ViewState(value_mode="grey", colormap="viridis"),
    )


# --------------------------------------------------------------------------- stacks (version 2)


def layer(class_name: str, weights: list[np.ndarray] | None = None, **config: Any) -> dict[str, Any]:
    """A layer entry in the session's form: Keras's class name and get_config() keys; without
    ``weights`` kernelscope draws Keras's seeded initial weights."""
    entry: dict[str, Any] = {"class_name": class_name, "config": config}
    if weights is not None:
        entry["weights"] = weights
    return entry


def conv2d(kernels: np.ndarray, bias: np.ndarray | None = None, **config: Any) -> dict[str, Any]:
    """A Conv2D entry whose filters and kernel size are those of ``kernels`` (kh x kw x C x F)."""
    kh, kw, _, filters = kernels.shape
    b = np.zeros(filters, np.float32) if bias is None else np.asarray(bias, np.float32)
    return layer("Conv2D", [kernels, b], filters=filters, kernel_size=[kh, kw], **config)


def x_conv_maxpool() -> Session:
    return Session(
        input=X5,
        layers=(
            conv2d(stack(DIAG_DOWN, DIAG_UP), padding="same"),
            layer("MaxPooling2D", pool_size=[2, 2]),
        ),
        title="Max pooling: the X's maps shrink to 2x2",
        notes="The X with lesson 5's \\ and / detectors, padding=\"same\" so both maps stay 5x5. "
        "MaxPooling2D((2, 2)) then slides a 2x2 window two cells at a time and keeps only the largest "
        "of its four values: whether a stroke was found in that corner, not exactly where. Two windows "
        "fit across and two down ((5 - 2) // 2 + 1 = 2), so each map becomes 2x2 and its last row and "
        "column are left out. The \\ map keeps 9 top left and bottom right, the / map 9 top right and "
        "bottom left: a tiny sketch of the X. The / map's bottom right is 5, from the centre where the "
        "strokes cross.",
    )


def photo_next_chapter() -> Session:
    """The article's next chapter: its photo line, then pooling and a second Conv2D."""
    return Session(
        input=photo_input(),
        layers=(
            conv2d(photo_kernels(), activation="relu"),  # lesson 9's layer, the same weights
            layer("MaxPooling2D", pool_size=[2, 2]),
            layer("Conv2D", filters=64, kernel_size=[3, 3], activation="relu"),  # Keras's seeded start
            layer("MaxPooling2D", pool_size=[2, 2]),
        ),
        title="The next chapter: pooling and a second Conv2D",
        notes="The model the article leaves for its next chapter. Layer 1 is lesson 9's Conv2D(32, (3, 3), "
        "activation=\"relu\", input_shape=(150, 150, 3)): 32 maps of 148x148 and 32 x (27 + 1) = 896 "
        "parameters. MaxPooling2D((2, 2)) keeps the largest value of every 2x2 block: 74x74, and nothing "
        "to learn. Conv2D(64, (3, 3), activation=\"relu\") looks at all 32 maps at once, so each of its "
        "64 filters has 3 x 3 x 32 = 288 weights and a bias: 64 x 289 = 18,496 parameters and 72x72 maps. "
        "The last pooling gives 36x36x64. kernelscope summary prints the table of model.summary(): "
        "19,392 parameters in all. The weights are random, as Keras starts a model: nothing is learned yet.",
        view=ViewState(value_mode="grey", colormap="viridis"),
    )


def grey_picture(rows: list[str]) -> np.ndarray:
    """An H x W x 1 drawing in grey values: '#' is a white stroke (1), ':' a fainter one (0.5), '.' black (0)."""
    values = {"#": 1.0, ":": 0.5, ".": 0.0}
    if any(ch not in values for row in rows for ch in row):
        raise ValueError(f"a grey drawing uses '#', ':' and '.' only: {rows}")
    return np.array([[[values[ch]] for ch in row] for row in rows], np.float32)


# A hand-drawn X on 28x28, white on black like the MNIST digits.
DRAWN_X = grey_picture([
    "............................",
    "............................",
    "............................",
    "............................",
    ".....:......................",
    "......#...............#.....",
    ".......#.............#......",
    "........#...........#.......",
    "........#..........#........",
    ".........#.........#........",
    "..........#.......#.........",
    "...........#.....#..........",
    "............#...#...........",
    ".............#.#............",
    ".............###............",
    "............#...#...........",
    "...........#.....#..........",
    "..........#.......#.........",
    ".........#........#.........",
    "........#..........#........",
    "......##............#.......",
    ".....#...............#......",
    "....:................#......",
    "......................:.....",
    "............................",
    "............................",
    "............................",
    "............................",
])
STROKE_CLASSES = ["|", "-", "\\", "/", "+", "X"]
# Line detectors for a thin white stroke on black: +2 along the stroke, -1 beside it. Each sums
# to 0, so plain black or plain white gives 0, and a one-cell stroke through the middle gives 6.
STROKE_V = np.array([[-1, 2, -1]] * 3, np.float32)
STROKE_H = STROKE_V.T.copy()
STROKE_DOWN = np.where(np.eye(3, dtype=bool), 2, -1).astype(np.float32)
STROKE_UP = STROKE_DOWN[:, ::-1].copy()
# The classifier's vote per detector channel (|, -, \, /), one row per class, the same in every
# cell of the pooled maps: each stroke class wants its own detector and none of the others; "+"
# and "X" want two, and pay a bias so that one stroke alone is not enough.
STROKE_VOTES = np.array([
    [+1, -1, -1, -1],
    [-1, +1, -1, -1],
    [-1, -1, +1, -1],
    [-1, -1, -1, +1],
    [+1, +1, -1, -1],
    [-1, -1, +1, +1],
], np.float32)
STROKE_WEIGHT = 0.1
STROKE_BIAS = [0, 0, 0, 0, -4, -4]


def digit_classifier() -> Session:
    """A 28x28 drawing through Conv2D -> MaxPooling2D -> Flatten -> Dense(softmax), weights by hand."""
    cells = 13 * 13  # the pooled maps: (28 - 2) // 2 = 13 on a side
    # Flatten is row-major (row, column, channel), so the kernel's row r reads channel r % 4.
    dense_kernel = np.tile(STROKE_VOTES.T * STROKE_WEIGHT, (cells, 1)).astype(np.float32)
    return Session(
        input=DRAWN_X,
        layers=(
            conv2d(stack(STROKE_V, STROKE_H, STROKE_DOWN, STROKE_UP), np.full(4, -2.0, np.float32),
                   activation="relu"),
            layer("MaxPooling2D", pool_size=[2, 2]),
            layer("Flatten"),
            layer("Dense", [dense_kernel, np.array(STROKE_BIAS, np.float32)], units=6, activation="softmax"),
        ),
        title="A hand-made stroke classifier",
        notes="A 28x28 drawing (white on black, like MNIST) through Conv2D(4) -> MaxPooling2D -> Flatten -> "
        "Dense(6, softmax). Every weight was written by hand, not trained. The four 3x3 filters detect a "
        "thin line going | - \\ or /: +2 along the line, -1 beside it, and a bias of -2 so relu keeps only "
        "clear answers. Pooling gives 13x13x4, Flatten 676 numbers, and each Dense unit adds up whole "
        "channels: \"|\" gets +0.1 for every vertical answer and -0.1 for every other one; \"+\" wants "
        "vertical and horizontal and \"X\" both diagonals, each with a bias of -4 so one stroke alone "
        "does not do. Softmax turns the six sums into probabilities. Draw another stroke with a "
        "one-cell pen and watch the answer change.",
        view=ViewState(value_mode="grey"),
        class_names=tuple(STROKE_CLASSES),
    )


# The bundled trained model's classes, in the order of its softmax (resources/models/train_shapes.py).
SHAPE_CLASSES = ("X", "+", "-", "=", "O", "/", "\\", "|")
SHAPES_MODEL = _ROOT / "resources" / "models" / "shapes.keras"


def trained_shapes() -> Session:
    """The bundled trained model, opened the way a person opens it, reading lesson 12's drawn X."""
    from kernelscope.files.models import load_model

    opened = load_model(SHAPES_MODEL, input_array=DRAWN_X).session
    return Session(
        input=opened.input,
        layers=opened.layers,
        view=opened.view,
        title="A trained network reads your drawing",
        notes="Every weight here was learned: resources/models/shapes.keras was trained with Keras on 48,000 "
        "generated drawings of X + - = O / \\ | and gets 99% of 8,000 new ones right. The input is an X drawn "
        "with a one-cell pen, white (1) on black (0). 'edges' holds the network's own 3x3 edge filters: filter 2 "
        "(+ on top, - below) answers under a stroke's lower edge, filter 7 (+ left, - right) at its right edge; "
        "step one and read its 9 products. The pools keep the largest of each 2x2 block (26 -> 13, 11 -> 5), "
        "'strokes' combines the 8 maps into 16, and 'shape' sums the 400 numbers once per class: softmax gives "
        "X nearly all. Clear the grid and draw a +, an O or a /, or edit a weight of 'edges', and watch the "
        "answer change.\n"
        + opened.notes,
        class_names=SHAPE_CLASSES,
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
    "10-x-conv-maxpool": x_conv_maxpool,
    "11-photo-next-chapter": photo_next_chapter,
    "12-digit-classifier": digit_classifier,
    "13-trained-shapes": trained_shapes,
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
        lesson = build()
        save_session(lesson, path, version=1 if lesson.is_single_conv else VERSION)
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
