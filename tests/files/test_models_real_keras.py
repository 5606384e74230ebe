"""Files saved by real Keras (tests/files/keras_real, made by its make_fixtures.py) open in kernelscope,
and every layer's output matches what Keras computed, layer by layer.

Keras is not needed here: the fixtures hold Keras's own outputs. The one live test that saves a
fresh model runs only where Keras is installed (it is skipped in CI).

Tolerance: rtol 1e-5, atol 1e-6. Both sides compute in float32 (about 7 significant digits); the
sums of a Conv2D or Dense come out in another order in NumPy than in Keras's backend, which moves
the last bits (a few ulps per layer, 2.4e-7 at most in these files). A weight read from the wrong
group, transposed or in the wrong order changes outputs by far more than 1e-3.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from kernelscope.engine import forward
from kernelscope.files.models import load_model

HERE = Path(__file__).resolve().parent / "keras_real"
RECORD = json.loads((HERE / "versions.json").read_text())
FIXTURES: dict[str, dict] = RECORD["fixtures"]
CHAINS = [name for name in FIXTURES if name not in ("branchy", "residual")]
RTOL, ATOL = 1e-5, 1e-6


def reference(name: str) -> dict[str, np.ndarray]:
    with np.load(HERE / f"{name}.npz") as data:
        return {key: data[key] for key in data.files}


def opened(name: str):
    ref = reference(name)
    return load_model(HERE / FIXTURES[name]["file"], input_array=ref["__input__"]), ref


def assert_layers_match(session, ref: dict[str, np.ndarray]) -> None:
    outputs = forward(session.input, session.layers)
    for layer_name, ours in zip(session.layer_names, outputs, strict=True):
        np.testing.assert_allclose(ours, ref[layer_name], rtol=RTOL, atol=ATOL, err_msg=layer_name)


def test_the_fixtures_were_saved_by_keras_3() -> None:
    assert RECORD["keras"].startswith("3.")
    assert set(FIXTURES) == {"seq_default", "seq_custom_names", "functional_chain", "nested_sequential", "branchy",
                             "legacy", "every_layer", "residual"}
    total = sum(p.stat().st_size for p in HERE.iterdir() if p.suffix in (".keras", ".h5", ".npz", ".json"))
    assert total < 300 * 1024


@pytest.mark.parametrize("name", CHAINS)
def test_every_layer_matches_keras(name: str) -> None:
    model, ref = opened(name)
    session = model.session
    assert model.stopped is None
    assert session.layer_names == tuple(FIXTURES[name]["layers"])
    np.testing.assert_array_equal(session.input, ref["__input__"])
    assert_layers_match(session, ref)
    last = forward(session.input, session.layers)[-1]
    np.testing.assert_allclose(last, ref["__predict__"], rtol=RTOL, atol=ATOL)  # model.predict's answer
    assert f"Keras {RECORD['keras']}" in session.notes


def test_default_names_are_the_models_not_the_weight_groups() -> None:
    """In one Keras session the default names go on counting (conv2d_3, ...), while the .keras file
    names its weight groups by class within the model (layers/conv2d, layers/conv2d_1)."""
    model, _ = opened("every_layer")
    names = model.session.layer_names
    assert names[:4] == ("rescaling", "zero_padding2d", "conv2d_3", "batch_normalization")
    assert "conv2d_4" in names


def test_a_rescaling_model_is_painted_in_its_range() -> None:
    model, _ = opened("every_layer")
    assert model.session.view.value_mode == "byte"
    assert "0..255" in model.value_note


def test_a_nested_sequential_is_flattened() -> None:
    model, _ = opened("nested_sequential")
    assert model.session.layer_names == ("inner_conv", "inner_norm", "inner_pool", "flatten", "classes")


def test_a_skip_connection_stops_at_the_add_and_names_it() -> None:
    model, ref = opened("residual")
    assert model.session.layer_names == ("stem", "body")
    assert model.stopped == ("residual.keras: layer 'add' (Add) joins two branches; kernelscope explores the chain "
                             "up to 'body'")
    assert model.message().startswith(model.stopped)
    assert_layers_match(model.session, ref)


def test_parallel_branches_open_up_to_the_branch() -> None:
    model, ref = opened("branchy")
    names = model.session.layer_names
    assert names[0] == "stem"
    assert "add" not in names
    assert "flatten" not in names
    assert model.stopped is not None
    assert model.stopped.startswith("branchy.keras: layer ")
    assert model.stopped.endswith(f"kernelscope explores the chain up to '{names[-1]}'")
    assert_layers_match(model.session, ref)


def test_parallel_branches_name_the_joining_layer() -> None:
    model, _ = opened("branchy")
    assert model.stopped == "branchy.keras: layer 'add' (Add) joins two branches; kernelscope explores the chain " \
        f"up to '{model.session.layer_names[-1]}'"


def test_reading_real_files_imports_no_keras_or_backend() -> None:
    files = [str(HERE / f["file"]) for f in FIXTURES.values()]
    code = (
        "import sys\n"
        "from kernelscope.files.models import load_model\n"
        f"for path in {files!r}:\n"
        "    load_model(path)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('keras', 'tensorflow', 'torch', 'jax'))\n"
        "print(bad)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.stdout.strip() == "[]"


# --------------------------------------------------------------------------- live, where Keras is installed


def _keras():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip("keras")


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_a_model_saved_now_by_keras_matches_it(tmp_path: Path, suffix: str) -> None:
    keras = _keras()
    from keras import layers

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras's own deprecation notes are not this test's business
        keras.utils.set_random_seed(3)
        model = keras.Sequential([
            keras.Input((10, 9, 2)),
            layers.Rescaling(2.0, offset=-1.0),
            layers.Conv2D(3, 3, strides=(1, 2), activation="relu", name="first"),
            layers.BatchNormalization(),
            layers.MaxPooling2D(2, padding="same"),
            layers.Flatten(),
            layers.Dense(4, activation="softmax"),
        ])
        rng = np.random.default_rng(3)
        for layer in model.layers:
            layer.set_weights([rng.uniform(0.3, 2.0, w.shape).astype(np.float32) if "variance" in w.path
                               else rng.normal(0, 0.5, w.shape).astype(np.float32) for w in layer.weights])
        x = rng.uniform(0, 1, (1, 10, 9, 2)).astype(np.float32)
        path = tmp_path / f"live{suffix}"
        model.save(path)
        want, current = [], keras.ops.convert_to_tensor(x)
        for layer in model.layers:
            current = layer(current, training=False)
            want.append(keras.ops.convert_to_numpy(current)[0])
        predicted = model.predict(x, verbose=0)[0]
    session = load_model(path, input_array=x).session
    assert session.layer_names == tuple(layer.name for layer in model.layers)
    outputs = forward(session.input, session.layers)
    for name, ours, theirs in zip(session.layer_names, outputs, want, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=RTOL, atol=ATOL, err_msg=name)
    np.testing.assert_allclose(outputs[-1], predicted, rtol=RTOL, atol=ATOL)
