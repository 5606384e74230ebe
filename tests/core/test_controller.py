"""The controller's wiring without a window: a fake view, a real Document and a fake photo loader.

Each intent is checked by what it does to the document (exact arrays) and what it tells the view.
No Qt here: this file must run with pytest-qt switched off (the last test checks that).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kernelscope.core import kernel_tools
from kernelscope.core.controller import STROKE_LABELS, Controller
from kernelscope.core.document import Document
from kernelscope.core.engine import ConvSpec, glorot_uniform
from kernelscope.core.intents import InputAction, KernelTransform
from kernelscope.core.scene import default_session

REPO = Path(__file__).resolve().parents[2]
QT_PREFIXES = ("PySide6", "shiboken6", "pyqtgraph")


def _qt_modules() -> list[str]:
    return sorted(m for m in sys.modules if m.startswith(QT_PREFIXES))


_QT_BEFORE_THESE_TESTS = _qt_modules()  # pytest-qt loads PySide6 when the plugin is on

ARTICLE_X = default_session().input[:, :, 0]  # -1 on the diagonals, +1 elsewhere
ARTICLE_LINE = np.array([[1, 1, 1], [-1, -1, -1], [1, 1, 1]], np.float32)


class FakeView:
    """Answers what the controller reads and records every call, in order."""

    def __init__(self, brush: float = -1.0, input_channel: int | None = None, kernel_channel: int = 0,
                 seed: int = 42) -> None:
        self.brush_value = brush
        self.input_channel_value = input_channel
        self.kernel_channel = kernel_channel
        self.seed_value = seed
        self.calls: list[tuple[Any, ...]] = []

    def brush(self) -> float:
        self.calls.append(("brush",))
        return self.brush_value

    def input_channel(self) -> int | None:
        self.calls.append(("input_channel",))
        return self.input_channel_value

    def kernel_channel_index(self) -> int:
        self.calls.append(("kernel_channel_index",))
        return self.kernel_channel

    def seed(self) -> int:
        self.calls.append(("seed",))
        return self.seed_value

    def show_paste_result(self, text: str, ok: bool) -> None:
        self.calls.append(("show_paste_result", text, ok))

    def report(self, text: str) -> None:
        self.calls.append(("report", text))

    def status(self, text: str, ms: int) -> None:
        self.calls.append(("status", text, ms))

    def said(self, name: str) -> list[tuple[Any, ...]]:
        """The arguments of every call to ``name``."""
        return [c[1:] for c in self.calls if c[0] == name]


class FakePhoto:
    """Stands in for the bundled photo: a deterministic ramp of the asked shape; records each call."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[int, int, int], str]] = []

    @staticmethod
    def picture(shape: tuple[int, int, int]) -> np.ndarray:
        return np.linspace(0, 1, int(np.prod(shape)), dtype=np.float32).reshape(shape)

    def __call__(self, shape: tuple[int, int, int], value_mode: str) -> np.ndarray:
        self.calls.append((shape, value_mode))
        return self.picture(shape)


def make(**view_args: Any) -> tuple[Controller, Document, FakeView, FakePhoto]:
    doc, view, photo = Document(), FakeView(**view_args), FakePhoto()
    return Controller(doc, view, photo), doc, view, photo


def state(doc: Document) -> tuple[object, ...]:
    """Everything an edit may change, comparable exactly."""
    return (doc.input.tobytes(), doc.input.shape, doc.kernels.tobytes(), doc.kernels.shape, doc.bias.tobytes(),
            doc.spec, doc.view, doc.result.maps.tobytes())


def x_with(cells: list[tuple[int, int]], value: float) -> np.ndarray:
    out = ARTICLE_X.copy()
    for r, c in cells:
        out[r, c] = value
    return out


# ---------------------------------------------------------------------------- painting the input
@pytest.mark.parametrize(("brush", "background"), [(-1.0, 1.0), (1.0, -1.0), (0.0, 1.0)])
def test_left_paints_the_brush_and_right_the_far_end_of_the_range(brush: float, background: float) -> None:
    ctl, doc, view, _ = make(brush=brush)
    assert ctl.background() == background
    ctl.paint([(0, 1), (2, 2)], background=False)
    np.testing.assert_array_equal(doc.input[:, :, 0], x_with([(0, 1), (2, 2)], brush))
    ctl.paint([(4, 4)], background=True)
    expected = x_with([(0, 1), (2, 2)], brush)
    expected[4, 4] = background
    np.testing.assert_array_equal(doc.input[:, :, 0], expected)
    assert view.said("report") == [("",), ("",)]


def test_grey_mode_paints_the_brush_and_white_behind_a_dark_brush() -> None:
    ctl, doc, _, _ = make(brush=0.3)
    ctl.change_value_mode("grey")
    grey_x = (ARTICLE_X + 1) / 2
    assert ctl.background() == 1.0
    ctl.paint([(0, 0)], background=False)  # a black cell of the X becomes 0.3
    ctl.paint([(2, 2)], background=True)  # the centre (black) becomes white
    expected = grey_x.copy()
    expected[0, 0], expected[2, 2] = np.float32(0.3), 1.0
    np.testing.assert_array_equal(doc.input[:, :, 0], expected)


def test_one_channel_of_an_rgb_input_is_painted_when_the_view_shows_one() -> None:
    ctl, doc, view, _ = make(brush=0.8, input_channel=1)
    picture = np.zeros((5, 5, 3), np.float32)
    doc.replace_input(picture, "grey")
    ctl.paint([(1, 2), (3, 0)], background=False)
    expected = picture.copy()
    expected[1, 2, 1] = expected[3, 0, 1] = np.float32(0.8)
    np.testing.assert_array_equal(doc.input, expected)
    view.input_channel_value = None  # all channels
    ctl.paint([(4, 4)], background=False)
    expected[4, 4, :] = np.float32(0.8)
    np.testing.assert_array_equal(doc.input, expected)


def test_fill_paints_the_connected_region_only() -> None:
    ctl, doc, _, _ = make(brush=-1.0)
    ctl.fill(0, 2, background=False)  # the white triangle at the top of the X
    np.testing.assert_array_equal(doc.input[:, :, 0], x_with([(0, 1), (0, 2), (0, 3), (1, 2)], -1.0))
    ctl.fill(0, 0, background=True)  # black, 4-connected to the corner: row 0, the triangle, the centre
    expected = np.ones((5, 5), np.float32)
    for r, c in [(3, 1), (3, 3), (4, 0), (4, 4)]:  # the X's lower arms touch the rest only at corners
        expected[r, c] = -1.0
    np.testing.assert_array_equal(doc.input[:, :, 0], expected)


@pytest.mark.parametrize(("brush", "cleared"), [(-1.0, 1.0), (1.0, -1.0)])
def test_clear_fills_with_the_background(brush: float, cleared: float) -> None:
    ctl, doc, _, _ = make(brush=brush)
    ctl.input_action(InputAction.CLEAR)
    np.testing.assert_array_equal(doc.input, np.full((5, 5, 1), cleared, np.float32))


def test_invert_swaps_black_and_white() -> None:
    ctl, doc, _, _ = make()
    ctl.input_action(InputAction.INVERT)
    np.testing.assert_array_equal(doc.input[:, :, 0], -ARTICLE_X)
    ctl.change_value_mode("grey")
    ctl.input_action(InputAction.INVERT)
    np.testing.assert_array_equal(doc.input[:, :, 0], (ARTICLE_X + 1) / 2)


def test_noise_changes_cells_and_stays_in_the_mode_range() -> None:
    ctl, doc, _, _ = make()
    ctl.input_action(InputAction.NOISE)
    flipped = doc.input[:, :, 0] != ARTICLE_X
    assert flipped.sum() == 2  # binary noise flips round(0.1 * 25) cells
    assert set(np.unique(doc.input).tolist()) <= {-1.0, 1.0}
    ctl.change_value_mode("grey")
    before = np.array(doc.input)
    ctl.input_action(InputAction.NOISE)
    assert (doc.input != before).any()
    assert doc.input.min() >= 0.0
    assert doc.input.max() <= 1.0


def test_shift_moves_the_drawing_and_uncovers_background() -> None:
    ctl, doc, _, _ = make(brush=-1.0)
    ctl.shift(1, -2)
    expected = np.ones((5, 5), np.float32)
    expected[1:, :3] = ARTICLE_X[:4, 2:]
    np.testing.assert_array_equal(doc.input[:, :, 0], expected)


def test_resize_pads_with_background_and_a_refused_size_changes_nothing() -> None:
    ctl, doc, view, _ = make(brush=1.0)
    ctl.resize(6, 7, "crop-or-pad")
    expected = np.full((6, 7), -1.0, np.float32)
    expected[:5, :5] = ARTICLE_X
    np.testing.assert_array_equal(doc.input[:, :, 0], expected)
    assert view.said("report")[-1] == ("",)
    before = state(doc)
    ctl.resize(2, 7, "crop-or-pad")
    assert view.said("report")[-1] == ("the grid must be from 3 to 64 cells on a side, not 2",)
    assert state(doc) == before


def test_a_resize_the_kernel_does_not_fit_is_reported() -> None:
    ctl, doc, view, _ = make()
    ctl.preset("Gaussian 5x5")
    before = state(doc)
    ctl.resize(4, 4, "scale")
    assert "does not fit" in view.said("report")[-1][0]
    assert state(doc) == before


def test_binary_to_grey_converts_minus_one_and_one_to_zero_and_one() -> None:
    ctl, doc, _, _ = make()
    ctl.change_value_mode("grey")
    assert doc.view.value_mode == "grey"
    assert doc.value_range == (0.0, 1.0)
    np.testing.assert_array_equal(doc.input[:, :, 0], np.where(ARTICLE_X > 0, 1.0, 0.0))


# ---------------------------------------------------------------------------- strokes and undo
def test_a_pen_stroke_is_one_undo_step_and_undo_restores_the_input() -> None:
    ctl, doc, _, _ = make(brush=-1.0)
    before = np.array(doc.input)
    ctl.stroke_started("pen")
    ctl.paint([(0, 1)], background=False)
    ctl.paint([(0, 2)], background=False)
    ctl.paint([(1, 2)], background=False)
    ctl.stroke_finished()
    assert doc.undo_label() == "paint stroke"
    np.testing.assert_array_equal(doc.input[:, :, 0], x_with([(0, 1), (0, 2), (1, 2)], -1.0))
    doc.undo()
    np.testing.assert_array_equal(doc.input, before)
    assert doc.input.tobytes() == before.tobytes()
    assert doc.undo_label() is None


def test_a_controller_stroke_makes_one_step_and_a_later_refusal_none() -> None:
    """Was test_undo.py's test of Document.begin_step/end_step, now through the controller's stroke."""
    ctl, doc, _, _ = make(brush=-1.0)
    before = state(doc)
    ctl.stroke_started("pen")
    for c in range(5):
        ctl.paint([(2, c)], background=False)
    ctl.stroke_finished()
    assert doc.undo_label() == "paint stroke"
    doc.undo()
    assert state(doc) == before
    assert doc.undo_label() is None
    with pytest.raises(ValueError, match="does not fit"):
        doc.set_spec(ConvSpec(1, (9, 9)))
    assert doc.undo_label() is None
    assert "does not fit" in ctl.edit_layer(ConvSpec(1, (9, 9)))
    assert doc.undo_label() is None


def test_a_new_stroke_closes_the_open_one() -> None:
    ctl, doc, _, _ = make(brush=-1.0)
    ctl.stroke_started("pen")
    ctl.paint([(0, 1)], background=False)
    ctl.stroke_started("line")
    ctl.paint([(0, 2)], background=False)
    ctl.paint([(0, 3)], background=False)
    ctl.stroke_finished()
    assert doc.undo_label() == "draw a line"
    doc.undo()
    np.testing.assert_array_equal(doc.input[:, :, 0], x_with([(0, 1)], -1.0))
    assert doc.undo_label() == "paint stroke"
    doc.undo()
    np.testing.assert_array_equal(doc.input[:, :, 0], ARTICLE_X)
    assert doc.undo_label() is None


def test_finishing_without_a_stroke_does_nothing() -> None:
    ctl, doc, view, _ = make()
    before = state(doc)
    ctl.stroke_finished()
    ctl.stroke_finished()
    assert state(doc) == before
    assert doc.undo_label() is None
    assert view.calls == []
    ctl.paint([(0, 1)], background=False)  # no stroke open: a lone paint is its own step
    assert doc.undo_label() == "paint"


@pytest.mark.parametrize(("tool", "label"), [("line", "draw a line"), ("rect", "draw a rectangle"), ("fill", "fill")])
def test_each_tool_names_its_undo_step(tool: str, label: str) -> None:
    assert STROKE_LABELS[tool] == label
    ctl, doc, _, _ = make(brush=-1.0)
    ctl.stroke_started(tool)
    if tool == "fill":
        ctl.fill(0, 2, background=False)
    else:
        ctl.paint([(0, 1), (0, 2)], background=False)
    ctl.stroke_finished()
    assert doc.undo_label() == label
    doc.undo()
    np.testing.assert_array_equal(doc.input[:, :, 0], ARTICLE_X)


# ---------------------------------------------------------------------------- the layer and its kernels
def test_edit_layer_applies_a_spec_that_fits_and_returns_the_refusal_otherwise() -> None:
    ctl, doc, view, _ = make()
    spec = ConvSpec(2, (3, 3), strides=2, padding="same", activation="relu")
    assert ctl.edit_layer(spec) == ""
    assert doc.spec == spec
    assert doc.result.out_shape == (3, 3, 2)
    before = state(doc)
    message = ctl.edit_layer(ConvSpec(1, (7, 7)))
    assert "does not fit" in message
    assert "5x5" in message
    assert state(doc) == before
    assert view.calls == []  # the layer controls show the refusal, not the message line


def test_edit_weight_writes_the_selected_filter_in_the_view_s_kernel_channel() -> None:
    ctl, doc, view, _ = make(kernel_channel=2)
    doc.replace_input(np.zeros((5, 5, 3), np.float32), "grey")
    ctl.add_filter()  # filter 1, selected
    before = np.array(doc.kernels)
    ctl.edit_weight(0, 1, 4.5)
    expected = before.copy()
    expected[0, 1, 2, 1] = 4.5
    np.testing.assert_array_equal(doc.kernels, expected)
    assert ("kernel_channel_index",) in view.calls
    assert view.said("report")[-1] == ("",)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_a_non_finite_weight_is_reported_and_changes_nothing(bad: float) -> None:
    ctl, doc, view, _ = make()
    before = state(doc)
    ctl.edit_weight(1, 1, bad)
    assert state(doc) == before
    (message,) = view.said("report")[-1]
    assert "a kernel weight must be a finite number" in message
    ctl.edit_weight(1, 1, 2.0)  # a good edit clears the message
    assert view.said("report")[-1] == ("",)
    assert doc.kernels[1, 1, 0, 0] == 2.0


def test_edit_bias_sets_the_selected_filter_s_bias() -> None:
    ctl, doc, view, _ = make()
    ctl.add_filter()
    ctl.edit_bias(0.5)
    np.testing.assert_array_equal(doc.bias, [0.0, 0.5])
    ctl.select_filter(0)
    ctl.edit_bias(-2.0)
    np.testing.assert_array_equal(doc.bias, [-2.0, 0.5])
    ctl.edit_bias(float("nan"))
    np.testing.assert_array_equal(doc.bias, [-2.0, 0.5])
    assert "a bias must be a finite number" in view.said("report")[-1][0]


def test_rotate_turns_the_article_s_line_kernel_a_quarter() -> None:
    ctl, doc, _, _ = make()
    ctl.transform(KernelTransform.ROTATE)
    np.testing.assert_array_equal(doc.kernels[:, :, 0, 0], [[1, -1, 1], [1, -1, 1], [1, -1, 1]])
    np.testing.assert_array_equal(doc.kernels[:, :, 0, 0], np.rot90(ARTICLE_LINE))


def test_negate_flips_and_normalize_scales_to_sum_one() -> None:
    ctl, doc, _, _ = make()
    ctl.transform(KernelTransform.NEGATE)
    np.testing.assert_array_equal(doc.kernels[:, :, 0, 0], -ARTICLE_LINE)
    ctl.transform(KernelTransform.NEGATE)
    ctl.transform(KernelTransform.NORMALIZE)  # the line kernel sums to 3
    np.testing.assert_array_equal(doc.kernels[:, :, 0, 0], (ARTICLE_LINE.astype(np.float64) / 3).astype(np.float32))


def test_flips_mirror_a_sobel_kernel() -> None:
    ctl, doc, _, _ = make()
    ctl.preset("Sobel x")
    sobel_x = kernel_tools.preset_kernel("Sobel x", 3, 3)
    ctl.transform(KernelTransform.FLIP_H)
    np.testing.assert_array_equal(doc.kernels[:, :, 0, 0], -sobel_x)
    ctl.preset("Sobel y")
    ctl.transform(KernelTransform.FLIP_V)
    np.testing.assert_array_equal(doc.kernels[:, :, 0, 0], -kernel_tools.preset_kernel("Sobel y", 3, 3))


def test_normalizing_a_zero_sum_kernel_is_refused_in_words() -> None:
    ctl, doc, view, _ = make()
    ctl.preset("Sobel x")
    before = state(doc)
    ctl.transform(KernelTransform.NORMALIZE)
    assert view.said("report")[-1] == ("these weights sum to 0, so they cannot be scaled to sum to 1",)
    assert state(doc) == before
    assert doc.undo_label() == "apply a preset"


def test_a_preset_fills_the_selected_filter_and_one_of_another_size_changes_kernel_size() -> None:
    ctl, doc, view, _ = make()
    ctl.add_filter()
    ctl.preset("Laplacian")
    np.testing.assert_array_equal(doc.kernels[:, :, 0, 1], kernel_tools.PRESETS["Laplacian"].kernel(3, 3))
    np.testing.assert_array_equal(doc.kernels[:, :, 0, 0], ARTICLE_LINE)
    ctl.preset("Gaussian 5x5")
    assert doc.spec.kernel_size == (5, 5)
    assert doc.result.out_shape == (1, 1, 2)
    np.testing.assert_array_equal(doc.kernels[:, :, 0, 1], kernel_tools.preset_kernel("Gaussian 5x5", 5, 5))
    assert view.said("report")[-1] == ("",)
    before = state(doc)
    ctl.preset("no such preset")
    assert view.said("report")[-1][0].startswith("there is no preset called 'no such preset'")
    assert state(doc) == before


def test_randomize_draws_glorot_uniform_with_the_seed_and_zeroes_the_bias() -> None:
    ctl, doc, view, _ = make()
    ctl.add_filter()
    ctl.edit_bias(0.75)
    ctl.randomize(1234)
    np.testing.assert_array_equal(doc.kernels, kernel_tools.randomize_like_keras(3, 3, 1, 2, 1234))
    np.testing.assert_array_equal(doc.bias, [0.0, 0.0])
    ((text, ms),) = view.said("status")
    assert "glorot_uniform, seed 1234" in text
    assert f"±{kernel_tools.glorot_limit(3, 3, 1, 2):.3f}" in text
    assert ms > 0


def test_filters_are_selected_added_duplicated_and_removed() -> None:
    ctl, doc, view, _ = make()
    ctl.add_filter()
    assert doc.spec.filters == 2
    assert doc.view.selected_filter == 1
    np.testing.assert_array_equal(doc.kernels[..., 1], np.zeros((3, 3, 1)))
    ctl.duplicate_filter(0)
    assert doc.spec.filters == 3
    assert doc.view.selected_filter == 1
    np.testing.assert_array_equal(doc.kernels[..., 1], doc.kernels[..., 0])
    ctl.select_filter(2)
    assert doc.view.selected_filter == 2
    ctl.select_filter(5)
    assert view.said("report")[-1] == ("there is no filter 6",)
    assert doc.view.selected_filter == 2
    ctl.remove_filter(0)
    ctl.remove_filter(0)
    assert doc.spec.filters == 1
    np.testing.assert_array_equal(doc.kernels[..., 0], np.zeros((3, 3, 1)))
    before = state(doc)
    ctl.remove_filter(0)
    assert view.said("report")[-1] == ("a layer needs at least one filter",)
    assert state(doc) == before


def test_set_view_changes_the_colormap_and_reports_a_bad_name() -> None:
    ctl, doc, view, _ = make()
    ctl.set_view(colormap="viridis")
    assert doc.view.colormap == "viridis"
    assert view.said("report") == [("",)]
    ctl.set_view(colormap="rainbow")
    assert doc.view.colormap == "viridis"
    (message,) = view.said("report")[-1]
    assert message.startswith("view.colormap: expected one of")
    assert message.endswith('got "rainbow"')


# ---------------------------------------------------------------------------- a pasted line
def test_a_pasted_line_applies_and_new_kernels_use_the_view_s_seed() -> None:
    ctl, doc, view, photo = make(seed=31)
    assert ctl.paste_line('Conv2D(2, (3, 3), activation="relu")')
    assert doc.spec == ConvSpec(2, (3, 3), activation="relu")
    np.testing.assert_array_equal(doc.kernels, glorot_uniform((3, 3, 1, 2), seed=31))
    np.testing.assert_array_equal(doc.bias, [0.0, 0.0])
    assert photo.calls == []
    ((summary, ok),) = view.said("show_paste_result")
    assert ok is True
    assert summary == ('layer set: layers.Conv2D(2, (3, 3), activation="relu", input_shape=(5, 5, 1));  '
                       "kernels: glorot_uniform, seed 31")
    assert view.calls[-2:] == [("show_paste_result", summary, True), ("report", "")]


def test_an_explicit_seed_wins_over_the_view_s() -> None:
    ctl, doc, view, _ = make(seed=31)
    assert ctl.paste_line("Conv2D(3, (2, 2))", seed=5)
    np.testing.assert_array_equal(doc.kernels, glorot_uniform((2, 2, 1, 3), seed=5))
    assert ("seed",) not in view.calls


def test_a_pasted_input_shape_loads_the_photo() -> None:
    ctl, doc, view, photo = make()
    assert ctl.paste_line("Conv2D(2, (3, 3), input_shape=(8, 8, 3))")
    assert photo.calls == [((8, 8, 3), "grey")]
    np.testing.assert_array_equal(doc.input, FakePhoto.picture((8, 8, 3)))
    assert doc.view.value_mode == "grey"
    assert doc.kernels.shape == (3, 3, 3, 2)
    assert doc.result.out_shape == (6, 6, 2)
    (summary, ok), = view.said("show_paste_result")
    assert ok is True
    assert "input: the bundled photo at 8x8x3" in summary


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('Conv2D(2, (3, 3), padding="sideways")', "padding"),
        ("Conv2D(1, (7, 7))", "does not fit"),
        ("", "it is empty"),
    ],
)
def test_a_refused_line_is_shown_and_changes_nothing(line: str, message: str) -> None:
    ctl, doc, view, photo = make()
    before = state(doc)
    assert not ctl.paste_line(line)
    ((text, ok),) = view.said("show_paste_result")
    assert ok is False
    assert message in text
    assert view.said("report") == []  # the refusal stays by the paste field, for fixing
    assert state(doc) == before
    assert doc.undo_label() is None
    assert photo.calls == []


# ---------------------------------------------------------------------------- the maps
def test_a_map_cell_selects_its_filter_and_the_step_that_computes_it() -> None:
    ctl, doc, _, _ = make()
    ctl.resize(5, 8, "crop-or-pad")  # maps of 3 rows by 6 columns: the step is row * 6 + col
    ctl.add_filter()
    ctl.select_filter(0)
    ctl.go_to_cell(1, 2, 4)
    assert doc.view.selected_filter == 1
    assert doc.step == 2 * 6 + 4
    ctl.go_to_cell(0, 0, 5)
    assert doc.view.selected_filter == 0
    assert doc.step == 5


# ---------------------------------------------------------------------------- no Qt
def test_zz_these_tests_ran_without_qt() -> None:
    """Last in the file. With pytest-qt on (the usual run) Qt is already loaded, so run this file
    again with the plugin off; there every test above runs and then this checks sys.modules."""
    if not _QT_BEFORE_THESE_TESTS:
        assert _qt_modules() == []
        return
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:pytest-qt",
         "-W", "ignore::pytest.PytestConfigWarning", str(Path(__file__))],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert " failed" not in proc.stdout


def test_a_pasted_line_clears_the_lesson_words_and_undo_brings_them_back() -> None:
    import dataclasses

    doc = Document(dataclasses.replace(default_session(), title="The article's X", notes="Look at the diagonal."))
    controller = Controller(doc, FakeView(), FakePhoto())
    assert controller.paste_line("Conv2D(2, (2, 2))")
    assert (doc.title, doc.notes) == ("", "")
    assert doc.undo_label() == "paste a layer"
    doc.undo()
    assert (doc.title, doc.notes) == ("The article's X", "Look at the diagonal.")
    assert doc.spec.filters == 1
    assert not controller.paste_line("Conv2D(0, 3)")  # refused: the words stay
    assert doc.title == "The article's X"
