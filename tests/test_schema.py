"""The public schema, and compatibility with the original workshop's writer and reader."""

import numpy as np
import tensorflow as tf

from flowers_lab.data.reader import load_flowers
from flowers_lab.data.schema import CLASSES, FIELDS, SCHEMA, check_example, count_from_name, make_example, shard_name


def test_shard_names_state_their_counts():
    assert shard_name(3, 230) == "flowers03-230.tfrec"
    assert count_from_name("/x/flowers15-220.tfrec") == 220
    assert count_from_name("/x/other.tfrec") is None


def test_examples_follow_the_schema_and_wrong_ones_are_named():
    example = make_example(b"jpeg", 2, CLASSES, 192, 192)
    assert check_example(example, CLASSES) is None
    del example.features.feature["label"]
    assert check_example(example, CLASSES) == "lacks field 'label'"
    example = make_example(b"jpeg", 2, CLASSES, 192, 192)
    example.features.feature["one_hot_class"].float_list.value.append(0.0)
    assert check_example(example, CLASSES) == (
        "'one_hot_class' has 6 values, expected 5 (1.0 at the class index and 0.0 elsewhere)"
    )
    example = make_example(b"jpeg", 2, CLASSES, 192, 192)
    example.features.feature["size"].int64_list.value.append(3)
    assert check_example(example, CLASSES) == "'size' has 3 values, expected 2 ([height, width])"


def test_the_schema_is_described_once_and_read_back_from_its_description():
    assert [field.name for field in SCHEMA] == ["image", "class", "label", "size", "one_hot_class"]
    assert FIELDS["class"].advice == "class: an int64 feature holding the class index"
    specs = {name: field.parse_spec() for name, field in FIELDS.items()}
    parsed = tf.io.parse_single_example(make_example(b"jpeg", 3, CLASSES, 4, 6).SerializeToString(), specs)
    assert parsed["class"].numpy() == 3 and parsed["label"].numpy() == b"sunflowers"
    assert parsed["size"].numpy().tolist() == [4, 6]
    assert tf.sparse.to_dense(parsed["one_hot_class"]).numpy().tolist() == [0, 0, 0, 1, 0]
    eighth_class = make_example(b"j", 7, [*CLASSES, "a", "b", "c"], 1, 1)
    assert "expected one index below 5" in check_example(eighth_class, CLASSES)


# The original workshop's writer ("Flower pictures to TFRecords"), as it was.
def _bytestring_feature(list_of_bytestrings):
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=list_of_bytestrings))


def _int_feature(list_of_ints):
    return tf.train.Feature(int64_list=tf.train.Int64List(value=list_of_ints))


def _float_feature(list_of_floats):
    return tf.train.Feature(float_list=tf.train.FloatList(value=list_of_floats))


ORIGINAL_CLASSES = [b"daisy", b"dandelion", b"roses", b"sunflowers", b"tulips"]  # bytes, as there


def original_to_tfrecord(tfrec_filewriter, img_bytes, label, height, width):
    class_num = np.argmax(np.array(ORIGINAL_CLASSES) == label)
    one_hot_class = np.eye(len(ORIGINAL_CLASSES))[class_num]
    feature = {
        "image": _bytestring_feature([img_bytes]),
        "class": _int_feature([class_num]),
        "label": _bytestring_feature([label]),
        "size": _int_feature([height, width]),
        "one_hot_class": _float_feature(one_hot_class.tolist()),
    }
    return tf.train.Example(features=tf.train.Features(feature=feature))


# The original workshop's reader (lessons 3 to 6), as it was.
def original_read_tfrecord(example):
    features = {
        "image": tf.io.FixedLenFeature([], tf.string),
        "class": tf.io.FixedLenFeature([], tf.int64),
        "one_hot_class": tf.io.VarLenFeature(tf.float32),
    }
    example = tf.io.parse_single_example(example, features)
    image = tf.io.decode_jpeg(example["image"], channels=3)
    image = tf.cast(image, tf.float32) / 255.0
    image = tf.reshape(image, [64, 64, 3])
    class_label = tf.cast(example["class"], tf.int32)
    one_hot_class = tf.reshape(tf.sparse.to_dense(example["one_hot_class"]), [5])
    return image, class_label, one_hot_class


def test_our_shards_load_with_the_original_reader(sample_shards):
    files = sorted(str(p) for p in sample_shards.glob("*.tfrec"))
    seen = 0
    for image, class_label, one_hot in tf.data.TFRecordDataset(files).map(original_read_tfrecord):
        assert image.shape == (64, 64, 3)
        assert int(tf.argmax(one_hot)) == int(class_label)
        seen += 1
    assert seen == 60


def test_original_shards_load_with_our_reader(tmp_path):
    labels = [CLASSES[i % 5] for i in range(12)]
    for shard in range(3):
        with tf.io.TFRecordWriter(str(tmp_path / f"flowers{shard:02d}-4.tfrec")) as writer:
            for label in labels[shard * 4 : shard * 4 + 4]:
                colour = np.full([32, 32, 3], 40 * CLASSES.index(label), np.uint8)
                jpeg = tf.io.encode_jpeg(colour, optimize_size=True, chroma_downsampling=False).numpy()
                writer.write(original_to_tfrecord(writer, jpeg, label.encode(), 32, 32).SerializeToString())
    data = load_flowers(tmp_path, batch_size=4, validation_fraction=0.34)
    assert (data.train_count, data.validation_count) == (8, 4)
    images, classes, _ = next(iter(data.validation))
    assert images.shape == (4, 32, 32, 3)
    np.testing.assert_allclose(images.numpy().mean(axis=(1, 2, 3)), classes.numpy() * 40, atol=3)
