"""A saved model reloads with the same predictions, and never replaces an earlier file."""

import keras
import numpy as np
import pytest

from flowers_lab.saving import export_litert, save_new


def _model():
    model = keras.Sequential(
        [
            keras.Input([8, 8, 3]),
            keras.layers.Rescaling(1 / 127.5, offset=-1),
            keras.layers.Conv2D(4, 3),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(5, activation="softmax", dtype="float32"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def test_the_reloaded_model_predicts_the_same(tmp_path):
    model = _model()
    saved = save_new(model, tmp_path / "flowers.keras")
    assert saved == tmp_path / "flowers.keras"
    batch = np.random.default_rng(0).integers(0, 255, size=(4, 8, 8, 3)).astype("float32")
    np.testing.assert_allclose(
        keras.models.load_model(saved).predict(batch, verbose=0), model.predict(batch, verbose=0), atol=1e-6
    )


def test_an_existing_file_is_kept_and_the_next_free_name_used(tmp_path):
    mine = tmp_path / "flowers.keras"
    mine.write_bytes(b"the learner's own model")
    (tmp_path / "flowers-2.keras").write_bytes(b"another")
    assert save_new(_model(), mine) == tmp_path / "flowers-3.keras"
    assert mine.read_bytes() == b"the learner's own model"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["flowers-2.keras", "flowers-3.keras", "flowers.keras"]


def test_a_name_without_the_keras_suffix_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"flowers.h5: Keras' native format needs a file name ending in .keras"):
        save_new(_model(), tmp_path / "flowers.h5")
    assert not any(tmp_path.iterdir())


def test_a_litert_export_runs_as_the_model_and_keeps_an_existing_file(tmp_path):
    from flowers_lab.litert import interpreter, operators

    model = _model()
    mine = tmp_path / "flowers.tflite"
    mine.write_bytes(b"the learner's own export")
    exported = export_litert(model, mine)
    assert exported == tmp_path / "flowers-2.tflite" and mine.read_bytes() == b"the learner's own export"
    batch = np.random.default_rng(0).integers(0, 255, size=(1, 8, 8, 3)).astype("float32")
    runner = interpreter(exported)
    runner.set_tensor(runner.get_input_details()[0]["index"], batch)
    runner.invoke()
    found = runner.get_tensor(runner.get_output_details()[0]["index"])
    np.testing.assert_allclose(found, model.predict(batch, verbose=0), atol=1e-5)
    assert "CONV_2D" in operators(exported) and not any(op.startswith("Flex") for op in operators(exported))


def test_a_litert_export_refuses_a_name_without_its_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"flowers.keras: a LiteRT model's file name ends in .tflite"):
        export_litert(_model(), tmp_path / "flowers.keras")
    assert not any(tmp_path.iterdir())


def test_without_ai_edge_litert_the_interpreter_is_tensorflows(tmp_path, monkeypatch):
    import sys

    import tensorflow as tf

    from flowers_lab.litert import interpreter

    exported = export_litert(_model(), tmp_path / "flowers.tflite")
    monkeypatch.setitem(sys.modules, "ai_edge_litert.interpreter", None)  # as where it has no wheel
    runner = interpreter(exported)
    assert isinstance(runner, tf.lite.Interpreter)
    assert runner.get_input_details()[0]["shape"].tolist() == [1, 8, 8, 3]
