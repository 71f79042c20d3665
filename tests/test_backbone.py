"""Lesson 3's backbone: the species it is pretrained on, the pretraining command, the choice of
weights, and that the committed offline weights really transfer."""

import json

import keras
import numpy as np
import pytest

from flowers_lab.backbone import (
    OFFLINE_ALPHA,
    OFFLINE_WEIGHTS,
    PRETRAINING_SPECIES,
    backbone_weights,
    mobilenet_v2,
    offline_backbone,
    pretrain,
    pretrained_weights,
    pretraining_photo,
)
from flowers_lab.data.reader import load_flowers
from flowers_lab.data.schema import CLASSES
from flowers_lab.data.writer import write_shards
from flowers_lab.errors import DataError
from flowers_lab.synthetic.meadow import SPECIES, meadow_photo
from flowers_lab.synthetic.sample import flower_photo, write_sample_photos


def test_meadow_species_are_other_flowers_and_photos_are_deterministic():
    assert len(SPECIES) == 8 and not set(SPECIES) & set(CLASSES)
    assert meadow_photo("poppy", 3).tobytes() == meadow_photo("poppy", 3).tobytes()
    assert meadow_photo("poppy", 3).tobytes() != meadow_photo("poppy", 4).tobytes()
    assert meadow_photo("poppy", 3, seed=1).tobytes() != meadow_photo("poppy", 3).tobytes()


def test_pretraining_draws_the_workshops_species_afresh_never_as_in_a_lessons_sample():
    assert PRETRAINING_SPECIES == (*SPECIES, *CLASSES)
    assert pretraining_photo("poppy", 3).tobytes() == meadow_photo("poppy", 3).tobytes()
    daisy = pretraining_photo("daisy", 3).tobytes()
    assert daisy == flower_photo("daisy", 3, seed=2000).tobytes()
    assert all(daisy != flower_photo("daisy", 3, seed=seed).tobytes() for seed in range(4))


def test_pretrain_saves_loadable_backbone_weights_and_its_recipe(tmp_path, capsys):
    out = tmp_path / "tiny.weights.h5"
    recipe = pretrain(out, per_species=2, image_size=32, epochs=1)
    assert json.loads((tmp_path / "tiny.json").read_text()) == recipe
    assert recipe["images"] == 26 and recipe["species"] == list(PRETRAINING_SPECIES)
    assert recipe["workshop_species_seed"] == 2000 and 0 <= recipe["validation_accuracy"] <= 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.json", "tiny.weights.h5"]
    loaded = mobilenet_v2(48, OFFLINE_ALPHA, out)  # weights of convolutions load at any image size
    again = mobilenet_v2(48, OFFLINE_ALPHA, out)
    random = mobilenet_v2(48, OFFLINE_ALPHA, None)
    for a, b in zip(loaded.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(loaded.get_weights(), random.get_weights(), strict=True))


def test_pretrain_never_replaces_weights_and_names_the_file_it_refuses(tmp_path):
    out = tmp_path / "mine.weights.h5"
    out.write_bytes(b"weights someone made")
    with pytest.raises(DataError, match=r"mine.weights.h5: already exists; pass overwrite \(--overwrite\) to replace"):
        pretrain(out, per_species=1, image_size=32, epochs=1)
    with pytest.raises(DataError, match=r"mine.h5: Keras saves weights to a file named \*.weights.h5"):
        pretrain(tmp_path / "mine.h5", per_species=1, image_size=32, epochs=1)
    assert out.read_bytes() == b"weights someone made" and len(list(tmp_path.iterdir())) == 1


def _offline(**_):
    raise Exception("URL fetch failure on https://example/weights.h5: None -- [Errno -2] Name or service not known")


def test_imagenet_weights_fall_back_when_they_cannot_be_downloaded(capsys):
    assert pretrained_weights(_offline, "imagenet", 96, fallback="offline") == "offline"
    assert (
        "_offline: ImageNet weights cannot be downloaded ([Errno -2] Name or service not known); using offline"
        in capsys.readouterr().out
    )
    assert pretrained_weights(_offline, "imagenet", 96) is None
    assert "using random weights" in capsys.readouterr().out
    assert pretrained_weights(lambda **_: None, "imagenet", 96) == "imagenet"
    assert pretrained_weights(_offline, None, 96) is None


def test_the_offline_choice_gives_the_committed_weights_and_says_how_they_were_made(capsys):
    assert backbone_weights("offline", 1.0, 96) == (str(OFFLINE_WEIGHTS), OFFLINE_ALPHA)
    said = capsys.readouterr().out
    assert said.startswith(f"MobileNetV2: offline weights, alpha {OFFLINE_ALPHA}: pretrained on ")
    assert "13 species (8 others and the workshop's 5; no photo from the sample)" in said
    assert "accuracy on held-out photos" in said
    assert backbone_weights(None, 0.5, 96) == (None, 0.5)


def test_the_offline_network_to_fine_tune_is_lesson_3s_backbone_with_its_pretraining_batch_norm_momentum(capsys):
    network = offline_backbone(48)
    said = capsys.readouterr().out
    assert said.startswith(f"fine-tuning lesson 3's offline MobileNetV2 (alpha {OFFLINE_ALPHA}) in place of an ")
    assert "pretrained on 19,500 synthetic photos" in said
    committed = mobilenet_v2(48, OFFLINE_ALPHA, OFFLINE_WEIGHTS)
    assert all(np.array_equal(a, b) for a, b in zip(network.get_weights(), committed.get_weights(), strict=True))
    norms = [layer for layer in network.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert norms and {layer.momentum for layer in norms} == {0.9}, "the pretraining's momentum, not Keras' 0.999"


SIZE = 48
"""The size the offline backbone was pretrained at, and lesson 3's quick runs use."""


@pytest.fixture(scope="module")
def flowers(tmp_path_factory):
    """The offline flower sample, 100 per class, as shards of SIZE px."""
    root = tmp_path_factory.mktemp("transfer")
    photos = write_sample_photos(root / "photos", per_class=100, log=None)
    write_shards(photos, root / "shards", size=SIZE, log=None)
    return root / "shards"


def _validation_accuracy(pretrained_weights_file, trainable, flowers, epochs=4):
    keras.utils.set_random_seed(1)
    data = load_flowers(flowers, image_size=SIZE, batch_size=32)
    backbone = mobilenet_v2(SIZE, OFFLINE_ALPHA, pretrained_weights_file, bn_momentum=0.9)
    backbone.trainable = trainable
    model = keras.Sequential(
        [
            keras.Input([SIZE, SIZE, 3]),
            keras.layers.Rescaling(1 / 127.5, offset=-1),
            backbone,
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(5, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(
        data.train,
        steps_per_epoch=data.steps_per_epoch,
        epochs=epochs,
        verbose=0,
        validation_data=data.validation,
        validation_steps=data.validation_steps,
    )
    return history.history["val_accuracy"][-1]


TRANSFER_MARGIN = 0.4
"""How much better the frozen pretrained backbone must do than the same network from scratch,
both 4 epochs at 48 px on 100 photos per class; measured: 0.958 against 0.219."""


@pytest.mark.slow
def test_the_frozen_offline_backbone_beats_the_same_network_trained_from_scratch(flowers):
    transferred = _validation_accuracy(OFFLINE_WEIGHTS, trainable=False, flowers=flowers)
    scratch = _validation_accuracy(None, trainable=True, flowers=flowers)
    print(f"frozen offline backbone + new head: {transferred:.3f}; from scratch, all trainable: {scratch:.3f}")
    assert transferred >= scratch + TRANSFER_MARGIN, (transferred, scratch)
