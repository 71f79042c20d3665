"""Running LiteRT (TensorFlow Lite) models on the host: the converter on any Keras backend, the
interpreter, and what a model is made of.

LiteRT's interpreter now ships as the ``ai-edge-litert`` package; the one inside TensorFlow
(``tf.lite.Interpreter``) is deprecated and only used where that package does not install.
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path


def interpreter(path: str | Path):
    """A LiteRT interpreter for the model file at ``path``, its tensors allocated."""
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # no wheel for this platform: TensorFlow's own, whose deprecation notice is known
        import tensorflow as tf

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = tf.lite.Interpreter(model_path=str(path))
    else:
        found = Interpreter(model_path=str(path))
    found.allocate_tensors()
    return found


def operators(path: str | Path) -> list[str]:
    """The names of the operators in the model file at ``path``, in order, without repeats. An
    operator named ``Flex...`` is a TensorFlow op (SELECT_TF_OPS): a phone needs TensorFlow's
    large runtime library to run it."""
    details = interpreter(path)._get_ops_details()  # the one way the interpreter tells them
    return list(dict.fromkeys(op["op_name"] for op in details if op["op_name"] != "DELEGATE"))


def convert(model, path: str | Path, **converter) -> None:
    """``model.export(path, format="litert", **converter)`` on any Keras backend
    (``saving.export_litert`` also keeps existing files).

    Keras' LiteRT exporter needs the TensorFlow backend. On another (JAX, on a TPU runtime) the
    model is saved as ``.keras``, which any backend loads, and exported by a Python process whose
    Keras runs on TensorFlow, with the same converter settings: the representative dataset's
    samples are drawn here and handed over. The file is the same either way."""
    import keras

    if keras.backend.backend() == "tensorflow":
        _export(model, path, converter)
    else:
        _export_on_tensorflow(model, Path(path), converter)


def _export(model, path: str | Path, converter: dict) -> None:
    """Keras' exporter, without TensorFlow's INFO lines about the SavedModel it writes on the way."""
    tensorflow_log = logging.getLogger("tensorflow")
    level = tensorflow_log.level
    tensorflow_log.setLevel(logging.WARNING)
    try:
        model.export(str(path), format="litert", verbose=False, **converter)
    finally:
        tensorflow_log.setLevel(level)


def _export_on_tensorflow(model, path: Path, converter: dict) -> None:
    """``_export`` in a new Python process whose Keras backend is TensorFlow."""
    with tempfile.TemporaryDirectory(prefix="flowers-lab-litert-") as folder:
        saved, settings = Path(folder) / "model.keras", Path(folder) / "converter.pickle"
        model.save(saved)
        if "representative_dataset" in converter:  # a generator function: its samples travel instead
            converter = {**converter, "representative_dataset": list(converter["representative_dataset"]())}
        settings.write_bytes(pickle.dumps(converter))
        environment = {**os.environ, "KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2"}
        done = subprocess.run(
            [sys.executable, "-m", "flowers_lab.litert", str(saved), str(path), str(settings)],
            env=environment,
            capture_output=True,
            text=True,
        )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{path}: the LiteRT export on TensorFlow failed: {last}")


def _main(saved: str, path: str, settings: str) -> None:
    """The other process of ``_export_on_tensorflow``: load, export, with the settings it was given."""
    import keras

    converter = pickle.loads(Path(settings).read_bytes())
    if "representative_dataset" in converter:
        samples = converter["representative_dataset"]
        converter["representative_dataset"] = lambda: iter(samples)
    _export(keras.models.load_model(saved, compile=False), path, converter)


if __name__ == "__main__":
    _main(*sys.argv[1:])
