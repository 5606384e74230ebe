"""Large trained models open (issue 16, item 7): 128 to 512 filters are read and computed, and the
chain stops, in one line naming the layer and the cap, only where a layer's output (or all of them
together) would outgrow what kernelscope holds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kernelscope.core.engine import forward
from kernelscope.files.models import MAX_OUTPUT_VALUES, ModelError, load_model
from tests.files.model_files import write_h5, write_keras

RNG = np.random.default_rng(16)


def _conv(filters: int, channels: int, size: int = 3, **config: object) -> dict:
    return {"class_name": "Conv2D", "config": {"filters": filters, "kernel_size": [size, size], "activation": "relu",
                                               **config},
            "weights": [(RNG.standard_normal((size, size, channels, filters)) * 0.05).astype(np.float32),
                        np.zeros(filters, np.float32)]}


POOL = {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2]}}


def wide_model() -> list[dict]:
    """A 256- and a 512-filter layer, as the last blocks of a VGG have."""
    return [_conv(64, 3, padding="same"), POOL, _conv(256, 64, padding="same"), POOL, _conv(512, 256), POOL,
            {"class_name": "GlobalAveragePooling2D", "config": {}}]


@pytest.mark.parametrize("writer", [write_keras, write_h5])
def test_a_model_with_256_and_512_filters_opens_whole(tmp_path: Path, writer) -> None:  # type: ignore[no-untyped-def]
    layers = wide_model()
    opened = load_model(writer(tmp_path / ("m.keras" if writer is write_keras else "m.h5"), layers, (16, 16, 3)))
    assert opened.stopped is None
    entries = opened.session.layers
    assert [e.output_shape for e in entries] == [(16, 16, 64), (8, 8, 64), (8, 8, 256), (4, 4, 256), (2, 2, 512),
                                                (1, 1, 512), (512,)]
    assert np.array_equal(entries[4].weights[0], layers[4]["weights"][0])
    outputs = forward(opened.session.input, entries)
    assert outputs[-1].shape == (512,)


def test_a_layer_whose_maps_outgrow_the_cap_stops_the_chain_with_the_numbers(tmp_path: Path) -> None:
    layers = [_conv(1, 1, size=1, padding="same"), _conv(128, 1, size=1, padding="same"), POOL]
    opened = load_model(write_keras(tmp_path / "big.keras", layers, (1024, 1024, 1)))
    assert opened.stopped == (
        "big.keras: layer 'conv2d_1' (Conv2D) would output 1024x1024x128 = 134,217,728 numbers; kernelscope holds "
        "at most 67,108,864 in one layer's output (1024x1024x64, so memory stays bounded); kernelscope explores the "
        "chain up to 'conv2d'")
    assert opened.session.layer_names == ("conv2d",)


def test_the_outputs_together_stop_the_chain_at_the_stacks_cap(tmp_path: Path) -> None:
    layers = [_conv(32, 1, size=1, padding="same"), _conv(32, 32, size=1, padding="same"),
              {"class_name": "Activation", "config": {"activation": "relu"}}]
    opened = load_model(write_h5(tmp_path / "deep.h5", layers, (1024, 1024, 1)))
    assert MAX_OUTPUT_VALUES == 1024 * 1024 * 64
    assert opened.stopped == (
        "deep.h5: layer 'activation' (Activation) would bring the layers' outputs to 100,663,296 numbers; "
        "kernelscope holds at most 67,108,864 for a whole stack (so memory stays bounded); kernelscope explores "
        "the chain up to 'conv2d_1'")


def test_an_input_larger_than_one_layers_output_is_refused(tmp_path: Path) -> None:
    path = write_keras(tmp_path / "wide.keras", [_conv(1, 65, size=1)], (1024, 1024, 65))
    with pytest.raises(ModelError, match=r"^wide\.keras: the model's input is 1024x1024x65 = 68,157,440 numbers; "
                                         r"kernelscope opens inputs of at most 67,108,864"):
        load_model(path)
