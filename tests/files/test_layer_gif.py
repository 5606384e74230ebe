"""The stepping GIF of any layer of a stack (issue 15): pooling, Dense softmax, Flatten, and a Conv2D
in the middle. Frames are checked against the layer's own result: the text each frame writes is
``layer_step_text``'s for that step, the framed cells are the ones the step reads and writes, and
there is one frame a step. The stack lessons (10 to 12) are the scenes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kernelscope.core.arithmetic import StepText
from kernelscope.core.engine import DenseResult, PoolResult, stack
from kernelscope.core.layer_step_text import cell_of, layer_step_text, steps_of
from kernelscope.files import frame_renderer, layer_frame_renderer
from kernelscope.files.export import ExportError, check_gif_options, export_gif, qimage_to_pil
from kernelscope.files.layer_frame_renderer import BarsPanel, GridPanel, frame_panels, layer_frame_layout
from kernelscope.files.layer_gif import layer_frames, layer_scene, layer_subtitle
from kernelscope.files.lessons import find_lesson
from kernelscope.files.sessions import Session, load_session

pytestmark = pytest.mark.usefixtures("qapp")

SIZE = (960, 540)


def lesson(name: str) -> Session:
    return load_session(find_lesson(name).path)


def gif_frames(path: Path) -> list[np.ndarray]:
    with Image.open(path) as im:
        frames = []
        for k in range(im.n_frames):
            im.seek(k)
            frames.append(np.asarray(im.convert("RGB")))
        return frames


def is_red(frame: np.ndarray, x: float, y: float) -> bool:
    r, g, b = (int(v) for v in frame[int(y), int(x)])
    return r > 180 and g < 80 and b < 80


def drawn(session: Session, layer: int, step: int, channel: int = 0) -> np.ndarray:
    return np.asarray(qimage_to_pil(layer_frames(session, layer, channel, SIZE)(step)))


@pytest.fixture
def texts(monkeypatch: pytest.MonkeyPatch) -> list[StepText]:
    """Every StepText a frame paints in its arithmetic column, in order."""
    seen: list[StepText] = []
    original = frame_renderer.FramePainter.arithmetic

    def spy(self, text, taps):  # type: ignore[no-untyped-def]
        seen.append(text)
        return original(self, text, taps)

    monkeypatch.setattr(frame_renderer.FramePainter, "arithmetic", spy)
    return seen


# --------------------------------------------------------------------------- one frame a step


@pytest.mark.parametrize(("name", "layer"), [("10", 1), ("12", 1), ("12", 3)])
def test_a_layer_gif_has_one_frame_a_step(tmp_path: Path, name: str, layer: int) -> None:
    session = lesson(name)
    result = stack.forward_results(session.input, session.layers)[layer]
    out = tmp_path / "layer.gif"
    assert export_gif(session, out, layer=layer) == steps_of(result)
    frames = gif_frames(out)
    assert len(frames) == steps_of(result)
    assert all(f.shape == (SIZE[1], SIZE[0], 3) for f in frames)
    for i in range(len(frames) - 1):
        assert not np.array_equal(frames[i], frames[i + 1]), i


def test_the_default_layer_is_the_last(tmp_path: Path) -> None:
    session = lesson("12")
    out = tmp_path / "last.gif"
    assert export_gif(session, out) == 6  # Dense(6): one frame a unit
    assert check_gif_options(session, 2.0, 0) == 6
    assert check_gif_options(session, 2.0, 0, layer=0) == 26 * 26


# --------------------------------------------------------------------------- the text is layer_step_text's


def test_every_pooling_frame_writes_that_step_s_text(texts: list[StepText]) -> None:
    session = lesson("10")
    result = stack.forward_results(session.input, session.layers)[1]
    draw = layer_frames(session, 1, 1, SIZE)
    for step in range(steps_of(result)):
        draw(step)
        assert texts[-1] == layer_step_text(result, cell_of(result, step, 1), most_terms=12)
    assert texts[-1].summary[-1].startswith("max(")


def test_every_softmax_frame_writes_its_unit_with_the_class_name(texts: list[StepText]) -> None:
    session = lesson("12")
    result = stack.forward_results(session.input, session.layers)[3]
    assert isinstance(result, DenseResult)
    assert result.activation == "softmax"
    draw = layer_frames(session, 3, 0, SIZE)
    for unit in range(6):
        draw(unit)
        assert texts[-1] == layer_step_text(result, (unit,), class_names=session.class_names, most_terms=12)
        assert texts[-1].title.startswith(f"unit {unit + 1} ({session.class_names[unit]})")
        assert any("softmax" in line for line in texts[-1].summary)


def test_a_conv2d_in_the_middle_writes_one_sum_per_channel(texts: list[StepText]) -> None:
    session = lesson("11")
    result = stack.forward_results(session.input, session.layers)[2]
    draw = layer_frames(session, 2, 5, SIZE)
    for step in (0, 73):
        draw(step)
        assert texts[-1] == layer_step_text(result, cell_of(result, step, 5))
        assert texts[-1].groups[0].heading.startswith("32 channels")


def test_a_conv2d_of_a_stack_keeps_the_article_s_frame(texts: list[StepText]) -> None:
    """Lesson 10's Conv2D reads one channel: its frame is the one-Conv2D frame, with the stack's line."""
    session = lesson("10")
    result = stack.forward_results(session.input, session.layers)[0]
    image = drawn(session, 0, 7, channel=1)
    assert texts[-1] == layer_step_text(result, cell_of(result, 7, 1))
    layout = frame_renderer.frame_layout(result, SIZE)
    row, col = result.step_position(7)
    cell = layout.map_cell_rect(row, col)
    assert is_red(image, cell.left() + 1, cell.center().y())  # the current map cell is framed
    rows, cols = result.tap_coordinates(row, col)
    corner = layout.input_cell_rect(int(rows.min()), int(cols.min()))
    assert is_red(image, corner.left() + 1, corner.center().y())  # and the window on the input
    assert layer_subtitle(session, 0).startswith("layer 1 of 2: layers.Conv2D(2, (3, 3)")


# --------------------------------------------------------------------------- the framed cells


def test_the_pooling_window_the_winner_and_the_output_cell_are_framed() -> None:
    session = lesson("10")
    result = stack.forward_results(session.input, session.layers)[1]
    assert isinstance(result, PoolResult)
    scene = layer_scene(session, 1)
    for step in range(4):
        image = drawn(session, 1, step)
        text = layer_step_text(result, cell_of(result, step, 0))
        layout = layer_frame_layout(frame_panels(scene, step, 0), SIZE, text)
        trace = result.trace_cell(cell_of(result, step, 0))
        window = layout.cell_rect(0, int(trace.rows.min()), int(trace.cols.min()))
        assert is_red(image, window.left() + 1, window.center().y()), step
        assert trace.winner is not None
        winner = layout.cell_rect(0, int(trace.rows[trace.winner]), int(trace.cols[trace.winner]))
        inset = max(1.0, layout.cell * 0.12) + 1
        assert is_red(image, winner.left() + inset, winner.center().y()), step  # the winner's own frame
        row, col = divmod(step, 2)
        out = layout.cell_rect(1, row, col)
        assert is_red(image, out.left() + 1, out.center().y()), step
        for other in range(4):
            if other != step:
                r, c = divmod(other, 2)
                assert not is_red(image, layout.cell_rect(1, r, c).center().x(), layout.cell_rect(1, r, c).top() + 1)


def test_the_softmax_bars_frame_the_current_unit_and_hide_the_rest() -> None:
    session = lesson("12")
    scene = layer_scene(session, 3)
    panels = frame_panels(scene, 2, 0)
    bars = panels[-1]
    assert isinstance(bars, BarsPanel)
    assert bars.labels == list(session.class_names)
    assert bars.probabilities
    assert bars.shown == 3
    assert isinstance(panels[1], GridPanel)
    assert panels[1].name == "weights"
    result = scene.result
    image = drawn(session, 3, 2)
    layout = layer_frame_layout(panels, SIZE, layer_step_text(result, (2,), class_names=session.class_names))
    row = layout.bar_row_rect(2)
    assert is_red(image, row.left() + 1, row.center().y())
    assert not is_red(image, layout.bar_row_rect(1).left() + 1, layout.bar_row_rect(1).center().y())
    # The twelve largest products' inputs are framed on the flattened input.
    assert len(panels[0].small_marks) == 12


def test_a_flatten_frame_marks_the_input_cell_it_copies() -> None:
    session = lesson("12")
    scene = layer_scene(session, 2)
    step = 4 * 13 + 2  # unit 55: row 1, column 0, channel 3 of the 13x13x4 maps (H, W, C row-major)
    panels = frame_panels(scene, step, 0)
    source = panels[0]
    assert isinstance(source, GridPanel)
    assert source.shape.endswith("channel 3")
    assert source.marks == [(1, 0, 1, 0)]
    out = panels[1]
    assert isinstance(out, GridPanel)
    assert out.hidden is not None
    assert out.empty is not None
    assert int((~out.hidden & ~out.empty).sum()) == step + 1  # reveal: the units stepped so far


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("layer", "channel", "message"),
    [
        (3, 1, "layer 4 (dense) gives a vector: each step is one of its units, so it has no channel 2"),
        (1, 4, "there is no channel 5: layer 2 (max_pooling2d) has 4 channels (1 to 4)"),
        (0, 4, "there is no filter 5: layer 1 (conv2d) has 4 filters (1 to 4)"),
        (4, 0, "there is no layer 5: this session has 4 layer(s)"),
    ],
)
def test_a_channel_or_layer_that_does_not_exist_is_refused(tmp_path: Path, layer: int, channel: int,
                                                          message: str) -> None:
    out = tmp_path / "x.gif"
    with pytest.raises(ExportError) as info:
        export_gif(lesson("12"), out, layer=layer, filter_index=channel)
    assert str(info.value) == message
    assert not out.exists()


def test_the_frame_cap_counts_the_layer_s_steps() -> None:
    session = lesson("11")
    with pytest.raises(ExportError, match=r"this range has 5184 steps \(steps 1 to 5184 of 72x72 outputs\)"):
        check_gif_options(session, 2.0, 0, layer=2)
    assert check_gif_options(session, 2.0, 0, layer=2, first=10, last=19) == 10


def test_layer_frame_renderer_refuses_a_conv2d() -> None:
    session = lesson("10")
    result = stack.forward_results(session.input, session.layers)[0]
    scene = layer_frame_renderer.LayerScene(result, "t", "s", "input", "out", (0.0, 1.0), (0.0, 1.0))
    with pytest.raises(TypeError, match="ConvResult"):
        layer_frame_renderer.render_layer_frame(scene, 0)
