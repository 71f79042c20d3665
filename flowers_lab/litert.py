"""Running LiteRT (TensorFlow Lite) models on the host: the interpreter, and what a model is made of.

LiteRT's interpreter now ships as the ``ai-edge-litert`` package; the one inside TensorFlow
(``tf.lite.Interpreter``) is deprecated and only used where that package does not install.
"""

from __future__ import annotations

import logging
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
    """``model.export(path, format="litert", **converter)`` without TensorFlow's INFO lines about
    the SavedModel it writes on the way (``saving.export_litert`` also keeps existing files)."""
    tensorflow_log = logging.getLogger("tensorflow")
    level = tensorflow_log.level
    tensorflow_log.setLevel(logging.WARNING)
    try:
        model.export(str(path), format="litert", verbose=False, **converter)
    finally:
        tensorflow_log.setLevel(level)
