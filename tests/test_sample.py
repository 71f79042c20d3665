"""The offline sample: deterministic, reusable, and learnable by a convnet but not by a dense net."""

import keras
import pytest

from flowers_lab.data.reader import load_flowers
from flowers_lab.data.schema import CLASSES
from flowers_lab.errors import DataError
from flowers_lab.sources import make_sample
from flowers_lab.synthetic.sample import flower_photo, write_sample_photos


def _files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*.jpg"))}


def test_the_same_seed_gives_byte_identical_photos(sample_photos, tmp_path):
    again = write_sample_photos(tmp_path / "again", per_class=12, seed=0, log=None)
    assert _files(again) == _files(sample_photos)
    other = write_sample_photos(tmp_path / "other", per_class=12, seed=1, log=None)
    assert _files(other).keys() == _files(sample_photos).keys()
    assert all(a != b for a, b in zip(_files(other).values(), _files(sample_photos).values(), strict=True))


def test_a_photo_depends_only_on_seed_class_and_index(sample_photos, tmp_path):
    fewer = write_sample_photos(tmp_path / "fewer", per_class=3, log=None)
    assert all(sample_photos / name in _paths(sample_photos) for name in _files(fewer))
    assert _files(fewer) == {k: v for k, v in _files(sample_photos).items() if int(k.stem[-4:]) < 3}
    assert flower_photo("roses", 5).tobytes() == flower_photo("roses", 5).tobytes()


def _paths(folder):
    return set(folder.rglob("*.jpg"))


def test_every_class_has_its_photos(sample_photos):
    assert sorted(p.name for p in sample_photos.iterdir() if p.is_dir()) == sorted(CLASSES)
    assert all(len(list((sample_photos / c).glob("*.jpg"))) == 12 for c in CLASSES)


def test_an_existing_sample_is_reused_and_another_folder_is_never_touched(sample_photos, tmp_path):
    stamp = (sample_photos / "daisy" / "daisy_0000.jpg").stat().st_mtime_ns
    assert write_sample_photos(sample_photos, per_class=12, log=None) == sample_photos
    assert (sample_photos / "daisy" / "daisy_0000.jpg").stat().st_mtime_ns == stamp
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "holiday.jpg").write_bytes(b"a user's file")
    with pytest.raises(DataError, match=r"mine: already exists and is not this sample"):
        write_sample_photos(mine, per_class=2, log=None)
    assert [p.name for p in mine.iterdir()] == ["holiday.jpg"]


def _train(model, data, epochs):
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(
        data.train,
        steps_per_epoch=data.steps_per_epoch,
        epochs=epochs,
        validation_data=data.validation,
        validation_steps=data.validation_steps,
        verbose=0,
    )
    return history.history["val_accuracy"]


@pytest.mark.slow
def test_a_small_convnet_learns_the_sample_in_a_few_epochs_and_a_dense_net_does_not(tmp_path):
    source = make_sample(size=48, per_class=250, folder=tmp_path, log=None)
    data = load_flowers(source.shards, batch_size=32)
    keras.utils.set_random_seed(1)
    layers = keras.layers

    def conv(filters):
        return [
            layers.Conv2D(filters, 3, padding="same", use_bias=False),
            layers.BatchNormalization(momentum=0.9),
            layers.Activation("relu"),
        ]

    start = [keras.Input((48, 48, 3)), layers.Rescaling(1 / 255)]
    convnet = keras.Sequential(
        [
            *start,
            *conv(16),
            layers.MaxPooling2D(),
            *conv(32),
            layers.MaxPooling2D(),
            *conv(64),
            layers.MaxPooling2D(),
            *conv(64),
            layers.GlobalAveragePooling2D(),
            layers.Dense(5, activation="softmax"),
        ]
    )
    dense = keras.Sequential(
        [*start, layers.Flatten(), layers.Dense(128, activation="relu"), layers.Dense(5, activation="softmax")]
    )
    convnet_accuracy = _train(convnet, data, epochs=10)
    dense_accuracy = _train(dense, data, epochs=10)
    print(f"convnet {convnet_accuracy}\ndense {dense_accuracy}")
    assert convnet_accuracy[0] < 0.5, "one epoch should not be enough: the sample would be trivial"
    assert max(convnet_accuracy) >= 0.70
    assert max(dense_accuracy) <= max(convnet_accuracy) - 0.15
