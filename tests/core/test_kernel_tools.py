"""Presets, transforms and Keras-like randomizing: exact values, documented sizes, fresh float32 copies."""

import math

import numpy as np
import pytest

from kernelscope.core import engine
from kernelscope.core import kernel_tools as kt
from kernelscope.core.engine import ConvError

SOBEL_X = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]
PREWITT_X = [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]]
BINOMIAL = np.array([1, 4, 6, 4, 1])

FIXED = {
    "Gaussian 3x3": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16,
    "Gaussian 5x5": np.outer(BINOMIAL, BINOMIAL) / 256,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "Laplacian": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "Sobel x": SOBEL_X,
    "Sobel y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "Prewitt x": PREWITT_X,
    "Prewitt y": [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
    "outline": [[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]],
    "article line": [[1, 1, 1], [-1, -1, -1], [1, 1, 1]],
    "diagonal \\": [[1, -1, -1], [-1, 1, -1], [-1, -1, 1]],
    "diagonal /": [[-1, -1, 1], [-1, 1, -1], [1, -1, -1]],
}
ANY_SIZE = ("identity", "box blur")
SIZES = [(1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (3, 5), (4, 1), (11, 11)]


def assert_fresh_float32(out: np.ndarray, *inputs: np.ndarray) -> None:
    assert out.dtype == np.float32
    assert out.flags.c_contiguous
    assert out.flags.writeable
    for arr in inputs:
        assert not np.shares_memory(out, arr)


# --------------------------------------------------------------------------- presets


def test_presets_are_the_spec_list_in_menu_order() -> None:
    assert list(kt.PRESETS) == [
        "identity", "box blur", "Gaussian 3x3", "Gaussian 5x5", "sharpen", "Laplacian", "Sobel x", "Sobel y",
        "Prewitt x", "Prewitt y", "emboss", "outline", "article line", "diagonal \\", "diagonal /",
    ]
    assert set(kt.PRESETS) == set(FIXED) | set(ANY_SIZE)
    with pytest.raises(TypeError):
        kt.PRESETS["mine"] = kt.PRESETS["identity"]  # type: ignore[index]


@pytest.mark.parametrize("name", list(kt.PRESETS))
def test_every_preset_has_a_one_sentence_description(name: str) -> None:
    preset = kt.PRESETS[name]
    assert preset.name == name
    text = preset.description
    assert text[0].isupper()
    assert text.endswith(".")
    assert text.count(". ") == 0
    assert 20 < len(text) < 110


@pytest.mark.parametrize("name", list(FIXED))
def test_fixed_preset_values_at_their_natural_size(name: str) -> None:
    expected = np.asarray(FIXED[name], dtype=np.float32)
    preset = kt.PRESETS[name]
    assert not preset.any_size
    assert preset.natural_size == expected.shape
    out = kt.preset_kernel(name, *expected.shape)
    np.testing.assert_array_equal(out, expected)
    assert_fresh_float32(out)


@pytest.mark.parametrize("name", list(FIXED))
@pytest.mark.parametrize("size", SIZES)
def test_fixed_preset_at_another_size_keeps_its_natural_size(name: str, size: tuple[int, int]) -> None:
    expected = np.asarray(FIXED[name], dtype=np.float32)
    assert kt.preset_size(name, *size) == expected.shape
    out = kt.preset_kernel(name, *size)
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out, expected)


def test_natural_sizes() -> None:
    assert kt.preset_size("Gaussian 5x5", 3, 3) == (5, 5)
    assert kt.preset_size("Gaussian 3x3", 5, 5) == (3, 3)
    assert kt.PRESETS["identity"].natural_size is None


@pytest.mark.parametrize("size", SIZES)
def test_identity_fits_any_size_with_the_keras_centre(size: tuple[int, int]) -> None:
    kh, kw = size
    out = kt.preset_kernel("identity", kh, kw)
    assert kt.preset_size("identity", kh, kw) == size
    assert out.shape == size
    expected = np.zeros(size, np.float32)
    expected[(kh - 1) // 2, (kw - 1) // 2] = 1
    np.testing.assert_array_equal(out, expected)
    assert_fresh_float32(out)


@pytest.mark.parametrize("size", [(3, 3), (4, 4), (2, 5), (5, 2), (1, 1)])
def test_identity_copies_the_input_under_same_padding(size: tuple[int, int]) -> None:
    """Why the even centre is (k-1)//2: Keras pads the smaller half on top/left."""
    x = np.arange(42, dtype=np.float32).reshape(6, 7)
    k = kt.preset_kernel("identity", *size)[:, :, None, None]
    np.testing.assert_array_equal(engine.conv2d(x, k, padding="same")[:, :, 0], x)


@pytest.mark.parametrize("size", SIZES)
def test_box_blur_fits_any_size_and_averages(size: tuple[int, int]) -> None:
    kh, kw = size
    out = kt.preset_kernel("box blur", kh, kw)
    assert kt.preset_size("box blur", kh, kw) == size
    np.testing.assert_array_equal(out, np.full(size, np.float32(1) / np.float32(kh * kw), np.float32))
    assert math.isclose(float(out.sum(dtype=np.float64)), 1.0, rel_tol=1e-6)
    assert_fresh_float32(out)


def test_article_line_first_window_sums_to_1() -> None:
    """The article's X in -1/+1 and its line kernel: the first window's sum is 1."""
    x = -np.ones((5, 5), np.float32)
    for i in range(5):
        x[i, i] = x[i, 4 - i] = 1
    x = -x  # black (-1) X on white (+1)
    k = kt.preset_kernel("article line", 3, 3)
    assert float((x[:3, :3] * k).sum()) == 1.0


def test_preset_arrays_cannot_be_changed_through_what_they_hand_out() -> None:
    stored = kt.PRESETS["sharpen"].weights
    assert stored is not None
    assert not stored.flags.writeable
    out = kt.preset_kernel("sharpen", 3, 3)
    out[1, 1] = 99
    assert kt.preset_kernel("sharpen", 3, 3)[1, 1] == 5
    assert not np.shares_memory(out, stored)


def test_unknown_preset_and_bad_sizes_are_refused_in_words() -> None:
    with pytest.raises(ConvError, match="no preset called 'blurry'"):
        kt.preset_kernel("blurry", 3, 3)
    with pytest.raises(ConvError, match="no preset"):
        kt.preset_size("blurry", 3, 3)
    with pytest.raises(ConvError, match="at least 1"):
        kt.preset_kernel("identity", 0, 3)
    with pytest.raises(ConvError, match="at least 1"):
        kt.preset_size("box blur", 3, True)  # type: ignore[arg-type]


def test_a_preset_needs_exactly_one_source() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        kt.Preset("nothing", "Nothing.")
    with pytest.raises(ValueError, match="exactly one"):
        kt.Preset("both", "Both.", weights=[[1]], make=lambda kh, kw: np.ones((kh, kw)))


# --------------------------------------------------------------------------- transforms

RNG = np.random.default_rng(7)
SQUARE = RNG.normal(size=(3, 3)).astype(np.float32)
WIDE = RNG.normal(size=(2, 5)).astype(np.float32)
CHANNELS = RNG.normal(size=(3, 4, 3)).astype(np.float32)
STACK = RNG.normal(size=(2, 3, 2, 4)).astype(np.float32)
KERNELS = [SQUARE, WIDE, CHANNELS, STACK, np.ones((1, 1), np.float32)]


@pytest.mark.parametrize("k", KERNELS, ids=lambda k: "x".join(map(str, k.shape)))
def test_rotate90_is_np_rot90_on_the_spatial_axes_and_four_make_identity(k: np.ndarray) -> None:
    before = k.copy()
    once = kt.rotate90(k)
    np.testing.assert_array_equal(once, np.rot90(k, axes=(0, 1)))
    assert once.shape == (k.shape[1], k.shape[0], *k.shape[2:])  # kh and kw swap
    assert_fresh_float32(once, k)
    out = k
    for _ in range(4):
        out = kt.rotate90(out)
    np.testing.assert_array_equal(out, k)
    np.testing.assert_array_equal(k, before)


def test_rotate90_is_counter_clockwise() -> None:
    k = np.array([[1, 2], [3, 4]], np.float32)
    np.testing.assert_array_equal(kt.rotate90(k), [[2, 4], [1, 3]])
    np.testing.assert_array_equal(kt.rotate90(kt.preset_kernel("Sobel x", 3, 3)),
                                  -kt.preset_kernel("Sobel y", 3, 3))


def test_rotate90_keeps_channels_apart() -> None:
    for c in range(CHANNELS.shape[2]):
        np.testing.assert_array_equal(kt.rotate90(CHANNELS)[:, :, c], np.rot90(CHANNELS[:, :, c]))


@pytest.mark.parametrize("k", KERNELS, ids=lambda k: "x".join(map(str, k.shape)))
def test_flips_mirror_the_right_axis_and_are_involutions(k: np.ndarray) -> None:
    h = kt.flip_horizontal(k)
    v = kt.flip_vertical(k)
    np.testing.assert_array_equal(h, k[:, ::-1])
    np.testing.assert_array_equal(v, k[::-1])
    assert_fresh_float32(h, k)
    assert_fresh_float32(v, k)
    np.testing.assert_array_equal(kt.flip_horizontal(h), k)
    np.testing.assert_array_equal(kt.flip_vertical(v), k)


def test_flips_turn_presets_into_each_other() -> None:
    back = kt.preset_kernel("diagonal \\", 3, 3)
    np.testing.assert_array_equal(kt.flip_horizontal(back), kt.preset_kernel("diagonal /", 3, 3))
    np.testing.assert_array_equal(kt.flip_horizontal(kt.preset_kernel("Sobel x", 3, 3)),
                                  -kt.preset_kernel("Sobel x", 3, 3))
    np.testing.assert_array_equal(kt.flip_vertical(kt.preset_kernel("Sobel y", 3, 3)),
                                  -kt.preset_kernel("Sobel y", 3, 3))


@pytest.mark.parametrize("k", KERNELS, ids=lambda k: "x".join(map(str, k.shape)))
def test_negate(k: np.ndarray) -> None:
    out = kt.negate(k)
    np.testing.assert_array_equal(out, -k)
    assert_fresh_float32(out, k)
    np.testing.assert_array_equal(kt.negate(out), k)


def test_transforms_take_lists_and_integers() -> None:
    out = kt.negate([[1, 2], [3, 4]])
    np.testing.assert_array_equal(out, [[-1, -2], [-3, -4]])
    assert_fresh_float32(out)
    assert kt.rotate90(np.eye(2, dtype=np.int64)).dtype == np.float32


def test_transforms_refuse_a_kernel_without_rows_and_columns() -> None:
    for fn in (kt.rotate90, kt.flip_horizontal, kt.flip_vertical, kt.negate, kt.normalize):
        with pytest.raises(ConvError, match="rows and columns"):
            fn(np.ones(3, np.float32))


@pytest.mark.parametrize("k", [*KERNELS, np.array([[1, 2, 1]], np.float32), -np.ones((2, 2), np.float32)],
                         ids=lambda k: "x".join(map(str, k.shape)))
def test_normalize_sums_to_1_keeping_proportions(k: np.ndarray) -> None:
    if abs(float(k.sum())) < 0.1:
        pytest.skip("this random kernel sums to about 0")
    out = kt.normalize(k)
    assert math.isclose(float(out.sum(dtype=np.float64)), 1.0, rel_tol=1e-5)
    np.testing.assert_allclose(out * float(k.sum(dtype=np.float64)), k, rtol=1e-5, atol=1e-6)
    assert_fresh_float32(out, k)


def test_normalize_the_article_line() -> None:
    np.testing.assert_array_equal(kt.normalize(kt.preset_kernel("article line", 3, 3)),
                                  np.asarray(FIXED["article line"], np.float32) / 3)
    already = kt.preset_kernel("Gaussian 3x3", 3, 3)
    np.testing.assert_array_equal(kt.normalize(already), already)


@pytest.mark.parametrize("name", ["Sobel x", "Sobel y", "Prewitt x", "Laplacian", "outline"])
def test_normalize_refuses_a_zero_sum_preset(name: str) -> None:
    k = kt.preset_kernel(name, 3, 3)
    with pytest.raises(ConvError, match=r"^these weights sum to 0, so they cannot be scaled to sum to 1$"):
        kt.normalize(k)


def test_normalize_refuses_zeros_rounding_leftovers_and_non_finite() -> None:
    with pytest.raises(ConvError, match="sum to 0"):
        kt.normalize(np.zeros((3, 3), np.float32))
    leftover = np.array([[0.1, 0.2], [0.3, -0.6000001]], np.float32)  # sums to ~1e-8, not a real sum
    with pytest.raises(ConvError, match="sum to 0"):
        kt.normalize(leftover)
    with pytest.raises(ConvError, match="not all finite"):
        kt.normalize(np.array([[1, np.nan]], np.float32))


# --------------------------------------------------------------------------- randomize


@pytest.mark.parametrize(("kh", "kw", "c", "f"), [(3, 3, 1, 1), (3, 3, 3, 32), (5, 2, 2, 7), (1, 1, 1, 64)])
def test_randomize_like_keras_is_glorot_uniform(kh: int, kw: int, c: int, f: int) -> None:
    out = kt.randomize_like_keras(kh, kw, c, f, seed=123)
    assert out.shape == (kh, kw, c, f)
    assert_fresh_float32(out)
    limit = math.sqrt(6 / (kh * kw * c + kh * kw * f))
    assert kt.glorot_limit(kh, kw, c, f) == pytest.approx(limit)
    assert np.all(out >= -limit)
    assert np.all(out < limit)
    np.testing.assert_array_equal(out, engine.glorot_uniform((kh, kw, c, f), 123))


def test_randomize_spreads_over_the_whole_range() -> None:
    out = kt.randomize_like_keras(7, 7, 3, 64, seed=1)
    limit = kt.glorot_limit(7, 7, 3, 64)
    assert out.min() < -0.95 * limit
    assert out.max() > 0.95 * limit
    assert abs(float(out.mean())) < 0.05 * limit


def test_randomize_seed_reproducibility() -> None:
    a = kt.randomize_like_keras(3, 3, 1, 4, seed=42)
    b = kt.randomize_like_keras(3, 3, 1, 4, seed=42)
    c = kt.randomize_like_keras(3, 3, 1, 4, seed=43)
    np.testing.assert_array_equal(a, b)
    assert not np.shares_memory(a, b)
    assert not np.array_equal(a, c)


def test_randomize_refuses_a_bad_shape() -> None:
    with pytest.raises(ConvError):
        kt.randomize_like_keras(3, 3, 0, 1, seed=1)


def test_new_seed_is_a_31_bit_int_that_reproduces() -> None:
    seeds = {kt.new_seed() for _ in range(20)}
    assert all(isinstance(s, int) and 0 <= s <= 2**31 - 1 for s in seeds)
    assert len(seeds) > 1
    s = kt.new_seed()
    np.testing.assert_array_equal(kt.randomize_like_keras(3, 3, 1, 2, s), kt.randomize_like_keras(3, 3, 1, 2, s))
