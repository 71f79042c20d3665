"""A saved model reloads with the same predictions, and never replaces an earlier file."""

import keras
import numpy as np
import pytest

from flowers_lab.saving import save_new


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
