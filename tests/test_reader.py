"""The reader: split, shapes, scaling, augmentation, and bad shards stopped with one line."""

import shutil

import keras
import numpy as np
import pytest
import tensorflow as tf

from flowers_lab.data.reader import augment, load_flowers, split_files
from flowers_lab.data.schema import CLASSES, make_example
from flowers_lab.data.writer import write_shards
from flowers_lab.errors import DataError
from flowers_lab.evaluation import dataset_arrays, predict_dataset


def test_split_takes_the_first_19_percent_of_sorted_files_for_validation(tmp_path):
    paths = [tmp_path / f"flowers{i:02d}-230.tfrec" for i in reversed(range(16))]
    train, validation = split_files(paths)
    assert [p.name for p in validation] == ["flowers00-230.tfrec", "flowers01-230.tfrec", "flowers02-230.tfrec"]
    assert len(train) == 13 and train[0].name == "flowers03-230.tfrec"


def test_datasets_have_the_counts_shapes_and_pixel_range_asked_for(sample_shards):
    data = load_flowers(sample_shards, batch_size=8, pixel_range=(-1.0, 1.0))
    short = load_flowers(sample_shards, batch_size=6)
    weights = [b[2].numpy().tolist() for b in short.validation]  # 8 images: 6, then 2 and 4 blanks
    assert weights == [[1.5] * 6, [1.5] * 2 + [0.0] * 4]  # 12 slots for 8 images: each weighs 12 / 8
    assert all(b[0].shape[0] == 6 for b in short.validation)
    assert not next(iter(short.validation.skip(1)))[0].numpy()[2:].any()  # the padding is blank
    assert (data.train_count, data.validation_count) == (52, 8)  # int(15 * 0.19) = 2 shards of 4 validate
    assert (data.steps_per_epoch, data.validation_steps) == (6, 1)
    images, labels = next(iter(data.train))
    assert images.shape == (8, 64, 64, 3) and images.dtype == tf.float32
    raw, _ = next(iter(short.train))
    assert raw.dtype == tf.uint8 and raw.numpy().max() > 200  # by default the model scales
    assert -1.0 <= images.numpy().min() < -0.5 and 0.5 < images.numpy().max() <= 1.0
    assert labels.dtype == tf.int32 and set(labels.numpy()) <= set(range(5))


def test_padded_validation_counts_every_image_once_in_keras_and_in_predict_dataset(sample_shards):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input([64, 64, 3]), keras.layers.Rescaling(1 / 255), keras.layers.Flatten()])
    model.add(keras.layers.Dense(5, activation="softmax"))
    model.compile(loss="sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
    padded = load_flowers(sample_shards, batch_size=6).validation  # 8 images in 12 slots
    images, labels, predicted = predict_dataset(model, padded)
    assert len(images) == len(labels) == len(predicted) == 8
    exact = model.evaluate(images, labels, batch_size=8, verbose=0, return_dict=True)
    found = model.evaluate(padded, verbose=0, return_dict=True)
    assert found == pytest.approx(exact, rel=1e-5)
    assert found["accuracy"] == pytest.approx(np.mean(predicted == labels))


def test_training_images_in_order_are_each_training_image_once_unaugmented(sample_shards):
    data = load_flowers(sample_shards, batch_size=7, augment=lambda image, label: (255 - image, label))
    images, labels = dataset_arrays(data.train_in_order)
    assert len(images) == len(labels) == data.train_count == 52  # 13 of the 16 shards of 4
    again, _ = dataset_arrays(data.train_in_order)
    np.testing.assert_array_equal(images, again)  # in order, and not augmented: the same each time
    seen = {image.tobytes() for image in images}
    assert len(seen) == 52 and not seen & {image.tobytes() for image in dataset_arrays(data.validation)[0]}


def test_images_are_resized_and_labels_can_be_one_hot(sample_shards):
    data = load_flowers(sample_shards, image_size=32, batch_size=4, one_hot=True)
    images, labels, _ = next(iter(data.validation))
    assert images.shape == (4, 32, 32, 3) and labels.shape == (4, 5)
    np.testing.assert_array_equal(labels.numpy().sum(axis=1), 1.0)


def test_training_set_repeats_and_validation_is_stable(sample_shards):
    data = load_flowers(sample_shards, batch_size=8)
    assert sum(1 for _ in data.train.take(20)) == 20  # repeats past its 6 batches
    first = [labels.numpy().tolist() for _, labels, _ in data.validation]
    assert first == [labels.numpy().tolist() for _, labels, _ in data.validation]


def test_augmentation_changes_training_images_only(sample_shards):
    plain = load_flowers(sample_shards, batch_size=12, shuffle_buffer=1)
    augmented = load_flowers(sample_shards, batch_size=12, shuffle_buffer=1, augment=augment)
    tf.random.set_seed(0)
    v1, *_ = next(iter(plain.validation))
    v2, *_ = next(iter(augmented.validation))
    np.testing.assert_array_equal(v1.numpy(), v2.numpy())
    plain_sums = sorted(x.numpy().sum() for x in next(iter(plain.train))[0])
    augmented_sums = sorted(x.numpy().sum() for x in next(iter(augmented.train))[0])
    assert not np.allclose(plain_sums, augmented_sums)  # saturation changed some images


def _shards_with(tmp_path, records_per_file, corrupt=None):
    """Three good shards of real records, the fourth made bad by ``corrupt(path)``."""
    jpeg = tf.io.encode_jpeg(tf.zeros([16, 16, 3], tf.uint8)).numpy()
    for index in range(4):
        path = tmp_path / f"flowers{index:02d}-{records_per_file}.tfrec"
        with tf.io.TFRecordWriter(str(path)) as writer:
            for k in range(records_per_file):
                writer.write(make_example(jpeg, k % 5, CLASSES, 16, 16).SerializeToString())
    bad = tmp_path / f"flowers03-{records_per_file}.tfrec"
    if corrupt:
        corrupt(bad)
    return bad


def test_a_glob_that_matches_nothing_is_one_clear_error(tmp_path):
    with pytest.raises(DataError, match=r"nothing/\*\.tfrec: no \.tfrec files match"):
        load_flowers(f"{tmp_path}/nothing/*.tfrec")


def _truncate(path):
    path.write_bytes(path.read_bytes()[:-30])


def _garble(path):
    data = bytearray(path.read_bytes())
    data[20:40] = b"x" * 20
    path.write_bytes(bytes(data))


def _empty(path):
    path.write_bytes(b"")


def _write_records(path, mutate):
    jpeg = tf.io.encode_jpeg(tf.zeros([16, 16, 3], tf.uint8)).numpy()
    with tf.io.TFRecordWriter(str(path)) as writer:
        for k in range(5):
            example = make_example(jpeg, k, CLASSES, 16, 16)
            if k == 2:
                mutate(example)
            writer.write(example.SerializeToString())


def _missing_field(path):
    _write_records(path, lambda e: e.features.feature.pop("class"))


def _long_one_hot(path):
    _write_records(path, lambda e: e.features.feature["one_hot_class"].float_list.value.append(0.0))


def _not_a_jpeg(path):
    _write_records(path, lambda e: e.features.feature["image"].bytes_list.value.__setitem__(0, b"nope"))


@pytest.mark.parametrize(
    "corrupt, message",
    [
        (_truncate, r"flowers03-5\.tfrec: truncated or corrupt after \d records"),
        (_garble, r"flowers03-5\.tfrec: truncated or corrupt after 0 records"),
        (_empty, r"flowers03-5\.tfrec: holds no records"),
        (_missing_field, r"flowers03-5\.tfrec: record 2 lacks field 'class'"),
        (_long_one_hot, r"flowers03-5\.tfrec: record 2 'one_hot_class' has 6 values, expected 5"),
        (_not_a_jpeg, r"flowers03-5\.tfrec: truncated or corrupt after 2 records"),
    ],
)
def test_bad_shards_stop_with_one_line_naming_the_file(tmp_path, corrupt, message):
    _shards_with(tmp_path, 5, corrupt)
    with pytest.raises(DataError, match=message) as caught:
        load_flowers(tmp_path)
    assert "\n" not in str(caught.value)


def test_a_count_in_the_name_that_does_not_match_the_file_is_reported(tmp_path):
    bad = _shards_with(tmp_path, 5)
    bad.rename(tmp_path / "flowers03-7.tfrec")
    with pytest.raises(DataError, match=r"flowers03-7\.tfrec: name says 7 records, file holds 5"):
        load_flowers(tmp_path)


def test_shards_of_several_image_sizes_stop_with_a_line_naming_a_file_unless_resized(sample_photos, tmp_path):
    mixed = tmp_path / "mixed"
    for size, index in ((48, 0), (96, 1)):
        written = write_shards(sample_photos, tmp_path / str(size), size=size, shards=1, log=None)
        mixed.mkdir(exist_ok=True)
        shutil.copy(written.shards[0], mixed / f"flowers{index:02d}-60.tfrec")
    with pytest.raises(DataError) as error:
        load_flowers(mixed, batch_size=8, validation_fraction=0.5)
    assert str(error.value) == (
        f"{mixed / 'flowers01-60.tfrec'}: holds images of 96x96, flowers00-60.tfrec of 48x48: "
        "images of several sizes cannot be batched; pass image_size to resize them all to one"
    )
    images, _ = next(iter(load_flowers(mixed, image_size=32, batch_size=8, validation_fraction=0.5).train))
    assert images.shape == (8, 32, 32, 3)
