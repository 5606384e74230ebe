"""Write the real-Keras fixtures that tests/files/test_models_real_keras.py compares kernelscope with.

    KERAS_BACKEND=torch python tests/files/keras_real/make_fixtures.py [OUT_DIR]

Keras is a tool for this script only: the tests read what it wrote and never import Keras. Each
model is small and saved by Keras itself (``.keras``, and one legacy ``.h5``); beside each, an
``.npz`` holds the fixed input (``__input__``), every layer's output as Keras computes it, keyed by
the layer's name (a nested model's layers by their own names), and ``model.predict``'s answer
(``__predict__``). Weights are drawn at random, biases and BatchNormalization's moving statistics
too, so no weight is a trivial 0 or 1. ``versions.json`` records the Keras and backend used.
Everything is seeded: running it again gives the same arrays.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras
from keras import layers

_HERE = Path(__file__).resolve().parent
SEED = 16


def randomize(model: keras.Model, rng: np.random.Generator) -> None:
    """Every weight random (variances positive), so a reader that swaps or drops one is caught."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            randomize(layer, rng)
            continue
        values = []
        for variable in layer.weights:
            shape = tuple(variable.shape)
            if "variance" in variable.path:
                values.append(rng.uniform(0.3, 2.0, shape))
            else:
                values.append(rng.normal(0.0, 0.5, shape))
        if values:
            layer.set_weights([v.astype(np.float32) for v in values])


def seq_default() -> keras.Model:
    """A Sequential with Keras's default names."""
    return keras.Sequential([
        keras.Input((12, 12, 1)),
        layers.Conv2D(4, 3, activation="relu"),
        layers.MaxPooling2D(),
        layers.Conv2D(6, 3, activation="relu"),
        layers.Flatten(),
        layers.Dense(5, activation="softmax"),
    ])


def seq_custom_names() -> keras.Model:
    """Names of its own, and global max pooling; the weight groups in the file are still by class."""
    return keras.Sequential([
        keras.Input((11, 13, 2)),
        layers.Conv2D(5, (3, 2), activation="relu", name="first_edges"),
        layers.MaxPooling2D(2, name="shrink"),
        layers.Conv2D(7, 2, padding="same", name="second"),
        layers.GlobalMaxPooling2D(name="strongest"),
        layers.Dense(3, activation="softmax", name="answer"),
    ], name="custom_named")


def functional_chain() -> keras.Model:
    """A functional model that is a single chain, with global average pooling kept 1x1."""
    inputs = keras.Input((10, 10, 1), name="picture")
    x = layers.Conv2D(3, 3, activation="tanh", name="conv_a")(inputs)
    x = layers.AveragePooling2D(2, name="avg")(x)
    x = layers.Conv2D(4, 2, activation="swish", name="conv_b")(x)
    x = layers.GlobalAveragePooling2D(keepdims=True, name="mean")(x)
    x = layers.Flatten(name="flat")(x)
    outputs = layers.Dense(4, activation="sigmoid", name="out")(x)
    return keras.Model(inputs, outputs, name="chain")


def nested_sequential() -> keras.Model:
    """A Sequential feature extractor inside a Sequential: kernelscope flattens it. Its Conv2D has no
    bias and its BatchNormalization no centre (beta)."""
    features = keras.Sequential([
        keras.Input((9, 9, 1)),
        layers.Conv2D(3, 3, use_bias=False, activation="elu", name="inner_conv"),
        layers.BatchNormalization(center=False, epsilon=0.01, name="inner_norm"),
        layers.MaxPooling2D(3, strides=2, padding="same", name="inner_pool"),
    ], name="features")
    return keras.Sequential([
        keras.Input((9, 9, 1)),
        features,
        layers.Flatten(name="flatten"),
        layers.Dense(4, activation="softmax", name="classes"),
    ], name="outer")


def branchy() -> keras.Model:
    """Two parallel branches joined by Add: kernelscope explores the chain up to the branch."""
    inputs = keras.Input((10, 10, 1))
    stem = layers.Conv2D(3, 3, padding="same", activation="relu", name="stem")(inputs)
    left = layers.Conv2D(3, 3, padding="same", name="left")(stem)
    right = layers.Conv2D(3, 1, name="right")(stem)
    joined = layers.Add(name="add")([left, right])
    x = layers.Flatten(name="flatten")(joined)
    outputs = layers.Dense(2, activation="softmax", name="out")(x)
    return keras.Model(inputs, outputs, name="branchy")


def residual() -> keras.Model:
    """A skip connection, ResNet's: Add joins the stem and the layer after it."""
    inputs = keras.Input((8, 8, 1))
    stem = layers.Conv2D(2, 3, padding="same", activation="relu", name="stem")(inputs)
    body = layers.Conv2D(2, 3, padding="same", name="body")(stem)
    joined = layers.Add(name="add")([stem, body])
    outputs = layers.Dense(2, activation="softmax", name="out")(layers.Flatten(name="flatten")(joined))
    return keras.Model(inputs, outputs, name="residual")


def legacy_h5() -> keras.Model:
    """Saved with ``model.save('legacy.h5')``: Keras 3's legacy HDF5 format."""
    return keras.Sequential([
        keras.Input((8, 8, 1)),
        layers.Conv2D(2, 3, activation="relu"),
        layers.Flatten(),
        layers.Dense(3, activation="softmax"),
    ])


def every_layer() -> keras.Model:
    """Every layer type kernelscope computes in one chain, with options away from their defaults
    (the other fixtures flatten a map with several cells and pool globally without keepdims)."""
    return keras.Sequential([
        keras.Input((16, 16, 2)),
        layers.Rescaling(1 / 255, offset=-0.5),
        layers.ZeroPadding2D(((1, 2), (0, 1))),
        layers.Conv2D(4, 3, strides=2),
        layers.BatchNormalization(),
        layers.ReLU(max_value=1.5, negative_slope=0.1),
        layers.Conv2D(4, 3, dilation_rate=2, padding="same", activation="tanh"),
        layers.Activation("sigmoid"),
        layers.AveragePooling2D(2, padding="same"),
        layers.MaxPooling2D(2, strides=1),
        layers.GlobalMaxPooling2D(keepdims=True),
        layers.GlobalAveragePooling2D(keepdims=True),  # of one cell: the types in one chain, no more
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(5, activation="softmax"),
    ], name="every_layer")


FIXTURES: dict[str, tuple[Callable[[], keras.Model], str, float]] = {
    # file name -> (builder, suffix, the input's top value)
    "seq_default": (seq_default, ".keras", 1.0),
    "seq_custom_names": (seq_custom_names, ".keras", 1.0),
    "functional_chain": (functional_chain, ".keras", 1.0),
    "nested_sequential": (nested_sequential, ".keras", 1.0),
    "branchy": (branchy, ".keras", 1.0),
    "legacy": (legacy_h5, ".h5", 1.0),
    "every_layer": (every_layer, ".keras", 255.0),
    "residual": (residual, ".keras", 1.0),
}


def flat_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The model's layers in order, a nested Sequential's own layers in its place."""
    out: list[keras.layers.Layer] = []
    for layer in model.layers:
        if isinstance(layer, keras.Sequential):
            out.extend(flat_layers(layer))
        else:
            out.append(layer)
    return out


def layer_outputs(model: keras.Model, x: np.ndarray) -> dict[str, np.ndarray]:
    """Every layer's output for the batch ``x``, keyed by name: a sub-model per layer for a
    functional model, the layers called in turn (inference mode) for a Sequential."""
    outputs: dict[str, np.ndarray] = {}
    if isinstance(model, keras.Sequential):
        current = keras.ops.convert_to_tensor(x)
        for layer in flat_layers(model):
            current = layer(current, training=False)
            outputs[layer.name] = keras.ops.convert_to_numpy(current)
        return outputs
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        sub = keras.Model(model.inputs, layer.output)
        outputs[layer.name] = sub.predict(x, verbose=0)
    return outputs


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else _HERE
    out.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(SEED)
    record: dict[str, object] = {"keras": keras.__version__, "backend": keras.backend.backend(), "fixtures": {}}
    for i, (name, (build, suffix, top)) in enumerate(FIXTURES.items()):
        rng = np.random.default_rng(SEED + i)
        model = build()
        randomize(model, rng)
        shape = tuple(model.inputs[0].shape[1:])
        x = rng.uniform(0.0, top, (1, *shape)).astype(np.float32)
        path = out / f"{name}{suffix}"
        model.save(path)
        arrays = {k: v[0].astype(np.float32) for k, v in layer_outputs(model, x).items()}
        arrays["__input__"] = x[0]
        arrays["__predict__"] = model.predict(x, verbose=0)[0].astype(np.float32)
        last = list(arrays)[-3]
        if "add" not in arrays and not np.allclose(arrays[last], arrays["__predict__"], atol=1e-6):
            raise AssertionError(f"{name}: the layers in turn disagree with model.predict")
        np.savez_compressed(out / f"{name}.npz", **arrays)
        record["fixtures"][name] = {  # type: ignore[index]
            "file": path.name, "class": type(model).__name__, "input_shape": list(shape),
            "layers": [k for k in arrays if not k.startswith("__")],
        }
        sys.stdout.write(f"wrote {path.name} ({path.stat().st_size:,} bytes) and {name}.npz\n")
    (out / "versions.json").write_text(json.dumps(record, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
