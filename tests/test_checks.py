"""Exercise checks: each judges an answer by what it does. For every check: the solution passes,
the starter and the wrong answers learners write get the hint that names their mistake, and a
right answer written another way passes too."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf
from keras import layers

from flowers_lab import CLASSES
from flowers_lab.authoring.solutions import answer, exercise, namespace
from flowers_lab.checks import (
    Feedback,
    error_line,
    explain,
    lesson01,
    lesson02,
    lesson03,
    lesson04,
    lesson05,
    lesson06,
    lesson07,
    lesson08,
    lesson09,
)
from flowers_lab.data.reader import parse_record

A = tf.data.AUTOTUNE


def passes(feedback: Feedback):
    assert isinstance(feedback, Feedback) and feedback.passed, feedback
    assert repr(feedback).startswith("✅ Correct: ")


def hints(feedback: Feedback, expected: str):
    assert isinstance(feedback, Feedback) and not feedback.passed, feedback
    assert repr(feedback).startswith("❌ Not yet: ")
    assert expected in feedback.message, feedback


# Lesson 1 ---------------------------------------------------------------------------------


def test_decode_jpeg_solution_starter_and_a_right_answer_written_otherwise():
    passes(lesson01.decode_jpeg(answer(1, "decode_jpeg")))
    hints(
        lesson01.decode_jpeg(answer(1, "decode_jpeg", starter=True)),
        "a 24x16 RGB photo should decode to shape (16, 24, 3), not (100, 100, 3)",
    )
    passes(lesson01.decode_jpeg(lambda f: tf.io.decode_image(tf.io.read_file(f), channels=3, expand_animations=False)))


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (lambda f: tf.io.read_file(f), "that is the file's bytes: decode them"),
        (lambda f: (tf.io.decode_jpeg(tf.io.read_file(f)), f), "return only the image here"),
        (lambda f: tf.io.decode_jpeg(tf.io.read_file(f.numpy())), "runs as a TensorFlow graph"),
        (
            lambda f: tf.io.decode_jpeg(f, channels=3),
            "often the file's *name*: read the file first with tf.io.read_file",
        ),
        (
            lambda f: tf.image.convert_image_dtype(tf.io.decode_jpeg(tf.io.read_file(f), channels=3), tf.float32),
            "decode_jpeg gives uint8 pixels (0 to 255); yours are float32",
        ),
    ],
    ids=["bytes only", "pair too soon", ".numpy()", "name decoded", "floats"],
)
def test_decode_jpeg_mistakes(wrong, expected):
    hints(lesson01.decode_jpeg(wrong), expected)


def _image(f):
    return tf.io.decode_jpeg(tf.io.read_file(f), channels=3)


def test_decode_jpeg_and_label_solution_starter_and_right_answers_written_otherwise():
    passes(lesson01.decode_jpeg_and_label(answer(1, "decode_jpeg_and_label")))
    hints(lesson01.decode_jpeg_and_label(answer(1, "decode_jpeg_and_label", starter=True)), "that is the whole path")
    passes(lesson01.decode_jpeg_and_label(lambda f: (_image(f), tf.strings.split(f, "/")[-2])))
    passes(
        lesson01.decode_jpeg_and_label(lambda f: (_image(f), tf.strings.regex_replace(f, r".*/([^/]+)/[^/]+$", r"\1")))
    )


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (lambda f: (_image(f), tf.strings.split(f, "/")[-1]), "that is the file's name; the class is the folder above"),
        (lambda f: _image(f), "return a pair: image, label"),
        (lambda f: (_image(f), f.split("/")[-2]), "not .numpy() or Python string methods"),
        (lambda f: (_image(f), tf.strings.split(f, "/")[1]), "for /"),
    ],
    ids=["file name", "image only", "str.split", "wrong part"],
)
def test_decode_jpeg_and_label_mistakes(wrong, expected):
    hints(lesson01.decode_jpeg_and_label(wrong), expected)


def test_training_batches_solution_starter_and_a_right_answer_written_otherwise():
    passes(lesson01.training_batches(answer(1, "training_batches")))
    hints(lesson01.training_batches(answer(1, "training_batches", starter=True)), "drop_remainder=True")
    feedback = lesson01.training_batches(
        lambda d, b: d.repeat().shuffle(1000).batch(b, drop_remainder=True).prefetch(A)
    )
    passes(feedback)
    assert "not cached" in feedback.message, "Correct says only what it saw"
    for right in (  # cached anywhere before repeat: after the first epoch nothing is read again
        lambda d, b: d.cache().shuffle(100).repeat().batch(b, drop_remainder=True).prefetch(A),
        lambda d, b: d.cache().repeat().shuffle(100).batch(b, drop_remainder=True).prefetch(A),
        lambda d, b: d.cache().shuffle(100, reshuffle_each_iteration=True).repeat().batch(b, True).prefetch(A),
    ):
        feedback = lesson01.training_batches(right)
        passes(feedback)
        assert ", cached" in feedback.message


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (lambda d, b: d.batch(b, drop_remainder=True).shuffle(100).repeat().prefetch(A), "shuffle before .batch()"),
        (lambda d, b: d.shuffle(100).batch(b, drop_remainder=True).prefetch(A), ".repeat() it"),
        (lambda d, b: d.repeat().batch(b, drop_remainder=True).prefetch(A), "the images come in their original order"),
        (
            lambda d, b: d.shuffle(100).cache().repeat().batch(b, drop_remainder=True).prefetch(A),
            "every epoch comes in the same order: shuffle after .cache()",
        ),
        (
            lambda d, b: d.shuffle(2).repeat().batch(b, drop_remainder=True).prefetch(A),
            "the shuffle buffer is too small",
        ),
        (lambda d, b: d.shuffle(100).repeat().batch(b, drop_remainder=True), "end with .prefetch(tf.data.AUTOTUNE)"),
        (lambda d, b: d.shuffle(100).repeat().prefetch(A), "group them with .batch(batch_size)"),
        (
            lambda d, b: d.shuffle(100).repeat().batch(32, drop_remainder=True).prefetch(A),
            "pass batch_size to .batch()",
        ),
        (lambda d, b: d.map(lambda x, y: x).batch(b), "keep the (image, label) pairs"),
        (
            lambda d, b: d.shuffle(100).repeat().cache().batch(b, drop_remainder=True).prefetch(A),
            "the cache never fills, so every epoch is read again",
        ),
        (
            lambda d, b: d.repeat().cache().shuffle(100).batch(b, drop_remainder=True).prefetch(A),
            "a .cache() after .repeat() caches an endless stream",
        ),
    ],
    ids=[
        "batch then shuffle",
        "no repeat",
        "no shuffle",
        "shuffle then cache",
        "tiny buffer",
        "no prefetch",
        "no batch",
        "fixed batch size",
        "labels dropped",
        "cache after repeat",
        "repeat, cache, shuffle",
    ],
)
def test_training_batches_mistakes(wrong, expected):
    hints(lesson01.training_batches(wrong), expected)


def test_validation_batches_solution_starter_and_a_right_answer_written_otherwise():
    passes(lesson01.validation_batches(answer(1, "validation_batches")))
    hints(lesson01.validation_batches(answer(1, "validation_batches", starter=True)), "no .shuffle() for validation")
    passes(lesson01.validation_batches(lambda d, b: d.batch(b).prefetch(A)))


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (lambda d, b: d.batch(b).repeat().prefetch(A), "no .repeat()"),
        (lambda d, b: d.batch(b, drop_remainder=True).prefetch(A), "2 of 22 images are missing: drop_remainder=True"),
        (lambda d, b: d.batch(b), "end with .prefetch"),
        (lambda d, b: d.concatenate(d).batch(b).prefetch(A), "every validation image should come exactly once"),
    ],
    ids=["repeated", "remainder dropped", "no prefetch", "twice"],
)
def test_validation_batches_mistakes(wrong, expected):
    hints(lesson01.validation_batches(wrong), expected)


# Lesson 2 ---------------------------------------------------------------------------------


def test_to_tfrecord_solution_starter_and_a_right_answer_written_otherwise():
    passes(lesson02.to_tfrecord(answer(2, "to_tfrecord")))
    hints(
        lesson02.to_tfrecord(answer(2, "to_tfrecord", starter=True)),
        "lacks field 'class'; class: an int64 feature holding the class index",
    )

    def with_tf_one_hot(image_bytes, class_name, height, width):
        index = CLASSES.index(class_name)
        feature = {
            "image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[image_bytes])),
            "class": tf.train.Feature(int64_list=tf.train.Int64List(value=[index])),
            "label": tf.train.Feature(bytes_list=tf.train.BytesList(value=[bytes(class_name, "utf-8")])),
            "size": tf.train.Feature(int64_list=tf.train.Int64List(value=[height, width])),
            "one_hot_class": tf.train.Feature(
                float_list=tf.train.FloatList(value=tf.one_hot(index, len(CLASSES)).numpy().tolist())
            ),
        }
        return tf.train.Example(features=tf.train.Features(feature=feature))

    passes(lesson02.to_tfrecord(with_tf_one_hot))


def _record(**fields):
    """A to_tfrecord answer whose fields are the solution's, but those given."""
    solution = answer(2, "to_tfrecord")

    def to_tfrecord(image_bytes, class_name, height, width):
        example = solution(image_bytes, class_name, height, width)
        for name, feature in fields.items():
            example.features.feature[name].CopyFrom(feature(image_bytes, class_name, height, width))
        return example

    return to_tfrecord


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (
            _record(size=lambda i, c, h, w: tf.train.Feature(int64_list=tf.train.Int64List(value=[w, h]))),
            "'size' should be [height, width]",
        ),
        (lambda i, c, h, w: {"image": i}, "return a tf.train.Example"),
        (
            lambda i, c, h, w: CLASSES.index(c.upper()),
            "your code raised ValueError: tuple.index(x): x not in tuple (line ",
        ),
        (
            _record(
                **{"class": lambda i, c, h, w: tf.train.Feature(int64_list=tf.train.Int64List(value=CLASSES.index(c)))}
            ),
            "a tf.train.Feature holds a list: wrap a single value in brackets",
        ),
        (
            _record(label=lambda i, c, h, w: tf.train.Feature(bytes_list=tf.train.BytesList(value=[c]))),
            "a BytesList holds bytes, not str: encode text first",
        ),
        (
            _record(one_hot_class=lambda i, c, h, w: tf.train.Feature(float_list=tf.train.FloatList(value=[1.0]))),
            "'one_hot_class' has 1 values, expected 5",
        ),
        (
            _record(
                one_hot_class=lambda i, c, h, w: tf.train.Feature(
                    float_list=tf.train.FloatList(value=[1.0 if n in (0, CLASSES.index(c)) else 0.0 for n in range(5)])
                )
            ),
            "'one_hot_class' should hold a single 1.0, at the class index (3 for sunflowers), and 0.0 elsewhere: "
            "[0.0, 0.0, 0.0, 1.0, 0.0]; yours is [1.0, 0.0, 0.0, 1.0, 0.0], with 2 ones",
        ),
        (
            _record(
                one_hot_class=lambda i, c, h, w: tf.train.Feature(
                    float_list=tf.train.FloatList(value=[float(n == CLASSES.index(c) + 1) for n in range(5)])
                )
            ),
            "should hold a single 1.0, at the class index (3 for sunflowers)",
        ),
    ],
    ids=[
        "size swapped",
        "a dict",
        "crashes",
        "value not in a list",
        "str label",
        "one-hot of one",
        "two ones",
        "off by one",
    ],
)
def test_to_tfrecord_mistakes(wrong, expected):
    hints(lesson02.to_tfrecord(wrong), expected)


def _writer(name, split):
    def write_tfrecords(records, folder, shards):
        for index, part in enumerate(split(records, shards)):
            with tf.io.TFRecordWriter(os.path.join(folder, name(index, len(part), shards))) as writer:
                for record in part:
                    writer.write(record)

    return write_tfrecords


def _good_name(index, count, shards):
    return f"flowers{index:02d}-{count}.tfrec"


def _even(records, shards):
    return [records[i * len(records) // shards : (i + 1) * len(records) // shards] for i in range(shards)]


def test_write_tfrecords_solution_starter_and_a_right_answer_written_otherwise():
    passes(lesson02.write_tfrecords(answer(2, "write_tfrecords")))
    hints(lesson02.write_tfrecords(answer(2, "write_tfrecords", starter=True)), "found flowers.tfrec")
    per_file = -(-11 // 3)  # the workshop's way: full files, the last one shorter
    feedback = lesson02.write_tfrecords(
        _writer(_good_name, lambda r, s: [r[i : i + per_file] for i in range(0, len(r), per_file)])
    )
    passes(feedback)
    assert "3 shards of 4, 4, 3" in feedback.message


def _serialized_objects(records, folder, shards):
    with tf.io.TFRecordWriter(os.path.join(folder, "flowers00-11.tfrec")) as writer:
        for record in records:
            writer.write(tf.train.Example.FromString(record))


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (
            _writer(_good_name, lambda r, s: [r[i * (len(r) // s) : (i + 1) * (len(r) // s)] for i in range(s)]),
            "2 of 11 missing, 0 written again (the last shard takes what is left over)",
        ),
        (_writer(_good_name, lambda r, s: [r] * s), "0 of 11 missing, 22 written again"),
        (_writer(lambda i, n, s: f"flowers{i}-{n}.tfrec", _even), "NN the shard's number in two digits"),
        (
            _writer(lambda i, n, s: f"flowers{i:02d}-{s}.tfrec", _even),
            "flowers01-3.tfrec: name says 3 records, file holds 4",
        ),
        (_writer(lambda i, n, s: f"flowers{i + 1:02d}-{n}.tfrec", _even), "number the shards 00, 01, 02"),
        (_serialized_objects, "write each record serialized, example.SerializeToString()"),
        (lambda records, folder, shards: None, "nothing was written in the folder"),
        (_writer(_good_name, np.array_split), "your records lost their trailing zero bytes: a NumPy array of bytes"),
        (
            _writer(_good_name, lambda r, s: [list(part) for part in np.array_split(np.array(r, dtype=object), s)]),
            None,  # a NumPy array of objects keeps the bytes whole: right
        ),
    ],
    ids=[
        "remainder dropped",
        "all in each",
        "one digit",
        "shard count in name",
        "from 1",
        "Example objects",
        "nothing",
        "np.array_split of the records",
        "np.array_split of objects",
    ],
)
def test_write_tfrecords_mistakes(wrong, expected):
    if expected is None:
        passes(lesson02.write_tfrecords(wrong))
    else:
        hints(lesson02.write_tfrecords(wrong), expected)


def test_write_tfrecords_gives_the_same_verdict_in_every_process():
    """Its records are the same bytes in every run, and most end in a zero byte (the pitfall that
    NumPy's bytes arrays fall into): a verdict that depended on the run would depend on them."""
    records = [lesson02._record(index) for index in range(11)]
    assert sum(record.endswith(b"\0") for record in records) >= 5
    code = "from flowers_lab.checks import lesson02; print([lesson02._record(i).hex() for i in range(11)])"
    import subprocess
    import sys

    again = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert again.strip() == str([record.hex() for record in records])


def test_read_tfrecord_solution_starter_and_a_right_answer_written_otherwise():
    passes(lesson02.read_tfrecord(answer(2, "read_tfrecord")))
    hints(
        lesson02.read_tfrecord(answer(2, "read_tfrecord", starter=True)),
        "the class should come from the record's own 'class' field",
    )

    def full_layout(record):
        parsed = tf.io.parse_single_example(
            record,
            {
                "image": tf.io.FixedLenFeature([], tf.string),
                "class": tf.io.FixedLenFeature([], tf.int64),
                "one_hot_class": tf.io.VarLenFeature(tf.float32),
            },
        )
        return tf.io.decode_image(parsed["image"], channels=3, expand_animations=False), parsed["class"]

    passes(lesson02.read_tfrecord(full_layout))


def _reader(layout, image=lambda bits: tf.io.decode_jpeg(bits, channels=3), label="class"):
    def read_tfrecord(record):
        parsed = tf.io.parse_single_example(record, layout)
        return image(parsed["image"]), parsed[label]

    return read_tfrecord


_IMAGE = {"image": tf.io.FixedLenFeature([], tf.string)}


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (
            _reader({**_IMAGE, "class": tf.io.FixedLenFeature([], tf.int64)}, image=lambda bits: bits),
            "decode the image bytes",
        ),
        (
            _reader({**_IMAGE, "class": tf.io.FixedLenFeature([], tf.string)}),
            "the layout you parse with does not match the record",
        ),
        (
            _reader({**_IMAGE, "label": tf.io.FixedLenFeature([], tf.string)}, label="label"),
            "the class should be one integer",
        ),
        (_reader({**_IMAGE, "class": tf.io.FixedLenFeature([], tf.int32)}), "does not match the record"),
    ],
    ids=["undecoded", "class as string", "label instead of class", "int32"],
)
def test_read_tfrecord_mistakes(wrong, expected):
    hints(lesson02.read_tfrecord(wrong), expected)


# Lesson 3 ---------------------------------------------------------------------------------


def _dense(
    *hidden,
    scale=True,
    flatten=True,
    last=None,
    loss="sparse_categorical_crossentropy",
    weighted=("accuracy",),
    metrics=(),
):
    model = keras.Sequential(
        [
            keras.Input([8, 8, 3]),
            *([layers.Rescaling(1 / 255)] if scale else []),
            *([layers.Flatten()] if flatten else []),
            *hidden,
            *(last or [layers.Dense(5, activation="softmax")]),
        ]
    )
    if loss:
        model.compile(optimizer="adam", loss=loss, metrics=list(metrics), weighted_metrics=list(weighted))
    return model


def _relu(units=20):
    return layers.Dense(units, activation="relu")


def test_dense_classifier_solution_starter_and_right_answers_written_otherwise():
    passes(lesson03.dense_classifier(answer(3, "dense")))
    hints(lesson03.dense_classifier(answer(3, "dense", starter=True)), "add hidden Dense layers")
    logits = _dense(_relu(), last=[layers.Dense(5)], loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    passes(lesson03.dense_classifier(logits))
    passes(
        lesson03.dense_classifier(
            _dense(
                layers.Dense(20),
                layers.ReLU(),
                last=[layers.Dense(5), layers.Softmax()],
                weighted=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
            )
        )
    )
    passes(lesson03.dense_classifier(_dense(_relu(), loss=keras.losses.SparseCategoricalCrossentropy())))
    flatten_then_scale = keras.Sequential(  # scaling commutes with flattening
        [keras.Input([8, 8, 3]), layers.Flatten(), layers.Rescaling(1 / 255), _relu(), layers.Dense(5, "softmax")]
    )
    flatten_then_scale.compile(optimizer="adam", loss="sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
    passes(lesson03.dense_classifier(flatten_then_scale))


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (
            lambda: _dense(layers.Dense(20)),
            "has no activation: without one, stacked Dense layers are a single linear map",
        ),
        (lambda: _dense(_relu(), flatten=False), "lay the pixels out in one vector first with layers.Flatten()"),
        (lambda: _dense(_relu(), scale=False), "start with keras.layers.Rescaling(1 / 255)"),
        (
            lambda: _dense(_relu(), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)),
            "already outputs probabilities (softmax): a loss with from_logits=True applies a second softmax",
        ),
        (lambda: _dense(_relu(), last=[layers.Dense(5)]), "gives raw scores (logits), not probabilities"),
        (
            lambda: _dense(_relu(), loss="categorical_crossentropy"),
            "the labels are class indices (0 to 4), not one-hot",
        ),
        (lambda: _dense(_relu(), loss="mse"), "the labels are class indices"),
        (lambda: _dense(_relu(), weighted=()), 'add weighted_metrics=["accuracy"]'),
        (lambda: _dense(_relu(), weighted=["sparse_categorical_accuracy"]), "(you have sparse_categorical_accuracy)"),
        (
            lambda: _dense(_relu(), weighted=(), metrics=["accuracy"]),
            "your accuracy also counts the blank images that fill up the last validation batch",
        ),
        (
            lambda: _dense(_relu(), weighted=[keras.metrics.Accuracy()]),
            "keras.metrics.Accuracy compares labels and outputs",
        ),
        (lambda: _dense(_relu(), loss=None), "compile the model"),
        (
            lambda: _dense(_relu(), last=[layers.Dense(10, activation="softmax")]),
            "needs 5 units, one per class, not 10",
        ),
        (
            lambda: keras.Sequential(
                [
                    keras.Input([8, 8, 3]),
                    layers.Rescaling(1 / 255),
                    _relu(),  # a dense layer per pixel
                    layers.Flatten(),
                    _relu(),
                    layers.Dense(5, activation="softmax"),
                ]
            ),
            "reads the image before it is flattened: a Dense layer works on the last axis only, so it mixes each "
            "pixel's 3 values alone",
        ),
    ],
    ids=[
        "no relu",
        "no flatten",
        "no rescaling",
        "from_logits on softmax",
        "logits without from_logits",
        "one-hot loss",
        "mse",
        "no metric",
        "other metric name",
        "unweighted accuracy",
        "Accuracy()",
        "not compiled",
        "10 classes",
        "Dense before Flatten",
    ],
)
def test_dense_classifier_mistakes(wrong, expected):
    hints(lesson03.dense_classifier(wrong()), expected)


def _transfer(preprocess, freeze=True, units=5):
    pretrained = keras.applications.MobileNetV2(input_shape=[32, 32, 3], alpha=0.35, include_top=False, weights=None)
    pretrained.trainable = not freeze
    x = keras.Input([32, 32, 3])
    y = layers.Dense(units, activation="softmax")(layers.GlobalAveragePooling2D()(pretrained(preprocess(x))))
    model = keras.Model(x, y)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
    return model, pretrained


def test_transfer_model_solution_starter_and_a_right_answer_written_otherwise():
    solution, starter = exercise(3, "model")
    done = namespace(3)
    exec(solution, done)
    passes(lesson03.transfer_model(done["model"], done["pretrained"]))
    started = namespace(3)
    exec(starter, started)
    hints(lesson03.transfer_model(started["model"], started["pretrained"]), "pretrained.trainable = False")
    started["pretrained"].trainable = False
    hints(lesson03.transfer_model(started["model"], started["pretrained"]), "0, 127.5, 255 reach it as 0, 0.5, 1")
    passes(lesson03.transfer_model(*_transfer(layers.Rescaling(2 / 255, offset=-1))))


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (lambda: _transfer(layers.Rescaling(1 / 255)), "expects pixels from -1 to 1"),
        (lambda: _transfer(layers.Rescaling(1 / 127.5)), "0, 127.5, 255 reach it as 0, 1, 2"),
        (lambda: _transfer(layers.Rescaling(1 / 127.5, offset=-1), freeze=False), "pretrained.trainable = False"),
        (lambda: _transfer(layers.Rescaling(1 / 127.5, offset=-1), units=1000), "needs 5 units"),
        (
            lambda: (
                _transfer(layers.Rescaling(1 / 127.5, offset=-1))[0],
                _transfer(layers.Rescaling(1 / 127.5, offset=-1))[1],
            ),
            "put `pretrained` itself in the model",
        ),
    ],
    ids=["0..1", "0..2", "not frozen", "ImageNet's 1000 classes", "another pretrained"],
)
def test_transfer_model_mistakes(wrong, expected):
    hints(lesson03.transfer_model(*wrong()), expected)


# Lesson 4 ---------------------------------------------------------------------------------


def _convnet(*body, head=None, scale=True, size=32, compiled=True):
    model = keras.Sequential(
        [
            keras.Input([size, size, 3]),
            *([layers.Rescaling(1 / 255)] if scale else []),
            *body,
            *(head if head is not None else [layers.GlobalAveragePooling2D()]),
            layers.Dense(5, activation="softmax"),
        ]
    )
    if compiled:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
    return model


def _conv(filters=8, size=3, **options):
    return layers.Conv2D(filters, size, padding="same", **{"activation": "relu", **options})


def _pooled(count, **options):
    return [item for _ in range(count) for item in (_conv(**options), layers.MaxPooling2D(2))]


def _strided(count):
    return [_conv(strides=2) for _ in range(count)]


def test_flatten_convnet_solution_starter_and_right_answers_written_otherwise():
    passes(lesson04.flatten_convnet(answer(4, "flatten_model")))
    hints(lesson04.flatten_convnet(answer(4, "flatten_model", starter=True)), "1 Conv2D layer(s): stack at least 3")
    passes(lesson04.flatten_convnet(_convnet(*_strided(3), head=[layers.Flatten()])))
    bn_relu = [
        item
        for _ in range(3)
        for item in (_conv(activation=None), layers.BatchNormalization(), layers.ReLU(), layers.MaxPooling2D(2))
    ]
    passes(lesson04.flatten_convnet(_convnet(*bn_relu, head=[layers.Flatten(), layers.Dropout(0.2)])))


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (lambda: _convnet(*_pooled(3, activation=None), head=[layers.Flatten()]), "has no activation: stacked linear"),
        (lambda: _convnet(_conv(), _conv(), _conv(), head=[layers.Flatten()]), "the feature maps are still 32x32"),
        (lambda: _convnet(*_pooled(3)), "this first step keeps the Flatten + Dense head"),
        (lambda: _convnet(*_pooled(3), head=[layers.Flatten()], scale=False), "start with keras.layers.Rescaling"),
        (lambda: _convnet(*_pooled(3), head=[layers.Flatten()], compiled=False), "compile the model"),
        (
            lambda: _convnet(_conv(), _conv(), _conv(), layers.MaxPooling2D(8), head=[layers.Flatten()]),
            "three convolutions on the 32x32 map: a convolution's cost grows with the map's area",
        ),
        (
            lambda: _convnet(*_pooled(1), _conv(), _conv(), _conv(), layers.MaxPooling2D(4), head=[layers.Flatten()]),
            "three convolutions on the 16x16 map",
        ),
    ],
    ids=[
        "no activation",
        "no downsampling",
        "GAP already",
        "no rescaling",
        "not compiled",
        "three at full size",
        "three after one pooling",
    ],
)
def test_flatten_convnet_mistakes(wrong, expected):
    hints(lesson04.flatten_convnet(wrong()), expected)


def test_flatten_convnet_feedback_counts_the_heads_weights():
    feedback = lesson04.flatten_convnet(_convnet(*_pooled(3), head=[layers.Flatten()]))
    passes(feedback)
    assert "a Flatten head over 4x4x8 features" in feedback.message and "645 (" in feedback.message


def test_gap_convnet_solution_starter_and_right_answers_written_otherwise():
    flatten_model = answer(4, "flatten_model")
    passes(lesson04.gap_convnet(answer(4, "gap_model")))
    hints(
        lesson04.gap_convnet(answer(4, "gap_model", starter=True, flatten_model=flatten_model)),
        "the Flatten + Dense head still holds 4,805 of your 25,863 weights",
    )
    passes(lesson04.gap_convnet(_convnet(*_strided(3))))
    passes(lesson04.gap_convnet(_convnet(*_pooled(3), head=[layers.GlobalMaxPooling2D()])))
    passes(lesson04.gap_convnet(_convnet(*_pooled(3), head=[layers.GlobalAveragePooling2D(), layers.Flatten()])))
    two_then_pool = [_conv(), _conv(), layers.MaxPooling2D(2), _conv(), _conv(), layers.MaxPooling2D(2), _conv()]
    passes(lesson04.gap_convnet(_convnet(*two_then_pool, layers.MaxPooling2D(2))))


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (
            lambda: _convnet(*_pooled(3), head=[layers.Flatten()]),
            "replace Flatten with layers.GlobalAveragePooling2D()",
        ),
        (lambda: _convnet(*_pooled(3), head=[layers.MaxPooling2D(4), layers.Flatten()]), "the Flatten + Dense head"),
        (lambda: _convnet(*_pooled(3), head=[]), "the output has shape (None, 4, 4, 5)"),
        (lambda: _convnet(_conv(), _conv(), *_pooled(1)), "the feature maps are still 16x16 of 32x32"),
    ],
    ids=["Flatten", "pool then Flatten", "no head", "too little pooling"],
)
def test_gap_convnet_mistakes(wrong, expected):
    hints(lesson04.gap_convnet(wrong()), expected)


def test_convnet_solution_starter_and_right_answers_written_otherwise():
    passes(lesson04.convnet(answer(4, "model", image_size=48)))
    hints(
        lesson04.convnet(answer(4, "model", starter=True, gap_model=answer(4, "gap_model"))),
        "3 Conv2D layer(s): stack at least 5",
    )
    passes(lesson04.convnet(_convnet(*_strided(4), _conv(size=1))))
    x = keras.Input([32, 32, 3])
    y = layers.Rescaling(1 / 255)(x)
    for _ in range(4):
        y = layers.MaxPooling2D(2)(keras.ops.relu(layers.Conv2D(8, 3, padding="same")(y)))
    y = layers.Softmax()(layers.Dense(5)(layers.GlobalAveragePooling2D()(_conv(size=1)(y))))
    functional = keras.Model(x, y)
    functional.compile(optimizer="adam", loss="sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
    passes(lesson04.convnet(functional))
    passes(lesson04.convnet(_convnet(*_pooled(4), _conv(), _conv(size=1))))  # two 3x3 and a 1x1 at one size


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (lambda: _convnet(*_pooled(5)), "add a 1x1 convolution"),
        (lambda: _convnet(*_pooled(4), _conv(size=1, activation=None)), "has no activation"),
        (lambda: _convnet(*_pooled(4), _conv(size=1), head=[layers.Flatten()]), "keep the global-average-pooling head"),
        (lambda: _convnet(*_pooled(4), _conv(size=1), scale=False), "Rescaling(1 / 255)"),
        (
            lambda: _convnet(_conv(size=1), *_pooled(5)),
            "your 1x1 convolution reads 3 channels (the RGB image), before the last 3x3 one: put it after",
        ),
    ],
    ids=["no 1x1", "linear 1x1", "Flatten again", "no rescaling", "1x1 on the input"],
)
def test_convnet_mistakes(wrong, expected):
    hints(lesson04.convnet(wrong()), expected)


# Lesson 5 ---------------------------------------------------------------------------------


def _conv_bn(momentum=0.9, bias=False):
    def conv_bn(x, filters, size):
        x = layers.Conv2D(filters, size, padding="same", use_bias=bias)(x)
        return layers.Activation("relu")(layers.BatchNormalization(momentum=momentum)(x))

    return conv_bn


def _fire(join=layers.concatenate, chained=False, from_input=False, halves=True, **conv):
    conv_bn = _conv_bn(**conv)

    def fire(x, squeeze, expand):
        y = conv_bn(x, squeeze, 1)
        filters = expand // 2 if halves else expand
        y1 = conv_bn(x if from_input else y, filters, 1)
        y3 = conv_bn(y1 if chained else (x if from_input else y), filters, 3)
        return join([y1, y3])

    return fire


def test_fire_solution_starter_and_right_answers_written_otherwise():
    passes(lesson05.fire(answer(5, "fire")))
    hints(lesson05.fire(answer(5, "fire", starter=True)), "kernels 1, 1 and 3; yours has kernels [3]")
    passes(lesson05.fire(_fire(join=lambda tensors: keras.ops.concatenate(tensors, axis=-1))))
    passes(lesson05.fire(_fire(join=layers.Concatenate())))
    passes(lesson05.fire(_fire(join=layers.Concatenate(axis=3))))


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (_fire(chained=True), "both expands should read the squeezed tensor, side by side"),
        (_fire(join=layers.add), "join the two expands with layers.concatenate"),
        (
            _fire(from_input=True),
            "yours has kernels [1, 3]: the squeeze's output is not used; the expands read it, not x",
        ),
        (_fire(halves=False), "gives 12x12x10; yours gives 12x12x20"),
        (_fire(momentum=0.99), "use momentum=0.9"),
        (_fire(bias=True), "use_bias=False"),
        (lambda x, squeeze, expand: x.shape, "return the module's output (a Keras tensor), not a tuple"),
        (
            _fire(join=layers.Concatenate(axis=1)),
            "your concatenate joins the two expands along axis 1 (the height): stack their channels instead",
        ),
        (
            _fire(join=lambda tensors: keras.ops.concatenate(tensors, axis=2)),
            "along axis 2 (the width): stack their channels instead, the last axis",
        ),
    ],
    ids=[
        "chained expands",
        "added",
        "expands read x",
        "full expand each",
        "momentum",
        "bias",
        "a shape",
        "axis 1",
        "axis 2, keras.ops",
    ],
)
def test_fire_mistakes(wrong, expected):
    hints(lesson05.fire(wrong), expected)


def _squeezenet(pools=True, head=layers.GlobalAveragePooling2D, fires=3, scale=True):
    fire = answer(5, "fire")
    x = keras.Input([32, 32, 3])
    y = layers.Rescaling(1 / 255)(x) if scale else x
    for _ in range(fires):
        y = fire(y, 4, 8)
        y = layers.MaxPooling2D(2)(y) if pools else y
    y = layers.Dense(5, activation="softmax")(head()(y))
    model = keras.Model(x, y)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
    return model


def test_squeezenet_solution_starter_and_a_right_answer_written_otherwise():
    passes(lesson05.squeezenet(answer(5, "model", image_size=48)))
    hints(lesson05.squeezenet(answer(5, "model", starter=True, image_size=48)), "0 fire module(s)")
    passes(lesson05.squeezenet(_squeezenet()))


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (
            lambda: _squeezenet(pools=False),
            "the fire modules all work on 32x32 maps: put layers.MaxPooling2D(2) between",
        ),
        (lambda: _squeezenet(head=layers.Flatten), "end with layers.GlobalAveragePooling2D()"),
        (lambda: _squeezenet(fires=1), "1 fire module(s): chain several"),
        (lambda: _squeezenet(scale=False), "Rescaling(1 / 255)"),
    ],
    ids=["no pooling", "Flatten head", "one fire", "no rescaling"],
)
def test_squeezenet_mistakes(wrong, expected):
    hints(lesson05.squeezenet(wrong()), expected)


def _coin_flip(image, label):
    flip = tf.random.uniform([]) < 0.5
    image = tf.cond(flip, lambda: tf.image.flip_left_right(image), lambda: image)
    return tf.image.random_saturation(image, 0.5, 1.5), label


def test_augment_solution_starter_and_right_answers_written_otherwise():
    passes(lesson05.augment(answer(5, "augment")))
    hints(lesson05.augment(answer(5, "augment", starter=True)), "no image was flipped")
    passes(lesson05.augment(_coin_flip))
    passes(
        lesson05.augment(
            lambda image, label: (tf.image.random_brightness(tf.image.random_flip_left_right(image), 0.2), label)
        )
    )


def _flipped_always(image, label):
    return tf.image.random_saturation(tf.image.flip_left_right(image), 0, 2), label


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (_flipped_always, "every image is flipped"),
        (
            lambda image, label: (tf.image.random_flip_up_down(tf.image.random_flip_left_right(image)), label),
            "flip left-right only",
        ),
        (lambda image, label: (tf.image.random_flip_left_right(image), label), "the colours never change"),
        (lambda image, label: (tf.image.random_flip_left_right(image), 0), "leave the label as it is"),
        (lambda image, label: tf.image.random_flip_left_right(image), "return the pair: image, label"),
        (
            lambda image, label: (
                tf.image.convert_image_dtype(tf.image.random_flip_left_right(image), tf.float32),
                label,
            ),
            "keep the image's shape and dtype",
        ),
    ],
    ids=["always flipped", "upside down", "no colour change", "label lost", "image only", "floats"],
)
def test_augment_mistakes(wrong, expected):
    hints(lesson05.augment(wrong), expected)


# Lesson 6 ---------------------------------------------------------------------------------


def _fine_tune(freeze=False, output_dtype=None, scale=1 / 127.5, separate_softmax=False, cast_after=False):
    def fine_tune_model(pretrained):
        pretrained.trainable = not freeze
        x = keras.Input(pretrained.input_shape[1:])
        y = layers.GlobalAveragePooling2D()(pretrained(layers.Rescaling(scale, offset=-1 if scale < 0.01 else 0)(x)))
        if separate_softmax:
            y = layers.Activation("softmax", dtype="float32")(layers.Dense(5)(y))
        elif cast_after:  # the softmax in the policy's 16 bits, then a float32 identity
            y = layers.Activation("linear", dtype="float32")(layers.Dense(5, activation="softmax")(y))
        else:
            y = layers.Dense(5, activation="softmax", dtype=output_dtype)(y)
        model = keras.Model(x, y)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
        return model

    return fine_tune_model


def test_fine_tune_model_solution_starter_and_a_right_answer_written_otherwise():
    passes(lesson06.fine_tune_model(answer(6, "fine_tune_model")))
    hints(lesson06.fine_tune_model(answer(6, "fine_tune_model", starter=True)), "leave pretrained.trainable = True")
    passes(lesson06.fine_tune_model(_fine_tune(separate_softmax=True)))
    assert keras.config.dtype_policy().name == "float32", "the check puts the policy back"


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (
            _fine_tune(),
            "under mixed_float16 your output is float16: float16 (GPUs) cannot hold a probability below 6e-8",
        ),
        (
            _fine_tune(),
            "under mixed_bfloat16 your output is bfloat16: bfloat16 (TPUs) has float32's range, so nothing "
            "rounds to 0, but only 2 to 3 significant digits: 0.9985, 0.999 and 1.003 all become 1.0",
        ),
        (
            _fine_tune(cast_after=True),
            "under mixed_float16 your softmax (dense",
        ),
        (
            _fine_tune(cast_after=True),
            "computes in float16 and only its result becomes float32: the probabilities were already rounded",
        ),
        (_fine_tune(freeze=True, output_dtype="float32"), "leave pretrained.trainable = True"),
        (_fine_tune(output_dtype="float32", scale=1 / 255), "expects pixels from -1 to 1"),
        (lambda pretrained: pretrained, "return a model with `pretrained` itself in it"),
    ],
    ids=[
        "no float32 output on GPUs",
        "on TPUs",
        "softmax cast afterwards",
        "softmax cast afterwards, why",
        "frozen",
        "0..1 pixels",
        "the pretrained model alone",
    ],
)
def test_fine_tune_model_mistakes(wrong, expected):
    """On a CPU (float32 everywhere) a head without dtype="float32" looks right: the check builds the
    model under each mixed policy, so CPU learners meet the point of the exercise too."""
    assert keras.config.dtype_policy().name == "float32"
    hints(lesson06.fine_tune_model(wrong), expected)


def test_learning_rate_solution_starter_and_a_right_answer_written_otherwise():
    passes(lesson06.learning_rate(answer(6, "learning_rate")))
    hints(lesson06.learning_rate(answer(6, "learning_rate", starter=True)), "ramp linearly")

    def with_interp(epoch, start, peak, minimum, ramp_epochs, sustain_epochs, decay):
        after = max(0, epoch - ramp_epochs - sustain_epochs)
        ramp = float(np.interp(epoch, [0, ramp_epochs], [start, peak]))
        return ramp if epoch <= ramp_epochs + sustain_epochs else (peak - minimum) * decay**after + minimum

    passes(lesson06.learning_rate(with_interp))


def _schedule(ramp_shift=0, towards_zero=False, sustain=True, exponent_shift=0):
    def learning_rate(epoch, start, peak, minimum, ramp_epochs, sustain_epochs, decay):
        sustain_epochs = sustain_epochs if sustain else 0
        if epoch < ramp_epochs:
            return start + (peak - start) * (epoch + ramp_shift) / ramp_epochs
        if epoch < ramp_epochs + sustain_epochs:
            return peak
        k = epoch - ramp_epochs - sustain_epochs + exponent_shift
        return peak * decay**k if towards_zero else minimum + (peak - minimum) * decay**k

    return learning_rate


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (_schedule(ramp_shift=1), "the ramp is one epoch ahead"),
        (_schedule(towards_zero=True), "decay towards the minimum, not towards 0"),
        (_schedule(sustain=False), "epochs 3 to 5 should hold the peak, 0.001"),
        (_schedule(exponent_shift=1), "With start=1e-05, peak=0.0004"),
    ],
    ids=["ramp ahead", "decays to 0", "no sustain", "decay a step early"],
)
def test_learning_rate_mistakes(wrong, expected):
    hints(lesson06.learning_rate(wrong), expected)


# Lesson 7 ---------------------------------------------------------------------------------


def _log(p):
    return np.log(np.clip(p, 1e-12, 1))


def test_entropy_solution_starter_and_right_answers_written_otherwise():
    passes(lesson07.entropy(answer(7, "entropy")))
    hints(lesson07.entropy(answer(7, "entropy", starter=True)), "the entropy of the mean prediction is [0.0, 1.609")
    passes(lesson07.entropy(lambda p: -(p.mean(0) * np.log(p.mean(0) + 1e-12)).sum(-1)))
    bits = lesson07.entropy(lambda p: -np.sum(p.mean(0) * np.log2(np.clip(p.mean(0), 1e-12, 1)), axis=-1))
    passes(bits)
    assert "in bits" in bits.message
    passes(lesson07.entropy(lambda p: -tf.reduce_sum(tf.math.xlogy(p.mean(0), p.mean(0)), axis=-1)))  # TensorFlow


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (lambda p: -np.sum(p.mean(0) * np.log(p.mean(0)), axis=-1), "nan where a probability is exactly 0"),
        (lambda p: np.sum(p.mean(0) * _log(p.mean(0)), axis=-1), "your entropy is negative"),
        (lambda p: -np.sum(p * _log(p), axis=-1).mean(0), "yours is the entropy of each pass, averaged"),
        (lambda p: -np.sum(p[0] * _log(p[0]), axis=-1), "yours is the entropy of the first pass only"),
        (lambda p: -np.sum(p[-1] * _log(p[-1]), axis=-1), "yours is the entropy of the last pass only"),
        (lambda p: -np.sum(p.mean(0) * _log(p.mean(0))), "shape (3,); yours gives a single number"),
        (lambda p: -np.sum(p.mean(1) * _log(p.mean(1)), axis=-1), "shape (3,); yours gives shape (4,)"),
        (lambda p: -(p.mean(0) * _log(p.mean(0))), "shape (3,); yours gives shape (3, 5)"),
        (lambda p: -np.sum(p.mean(0) * _log(p.mean(0)), axis=-1) / np.log(5), "yours gives [0.0, 1.0, 0.431]"),
    ],
    ids=[
        "log 0",
        "no minus",
        "mean of entropies",
        "first pass",
        "last pass",
        "all summed",
        "mean over images",
        "no class sum",
        "normalised",
    ],
)
def test_entropy_mistakes(wrong, expected):
    hints(lesson07.entropy(wrong), expected)


def test_bald_solution_starter_and_right_answers_written_otherwise():
    passes(lesson07.bald(answer(7, "bald")))
    hints(lesson07.bald(answer(7, "bald", starter=True)), "that is the predictive entropy")
    h = answer(7, "entropy")
    passes(lesson07.bald(lambda p: h(p) + np.mean(np.sum(p * _log(p), axis=-1), axis=0)))
    passes(
        lesson07.bald(
            lambda p: np.array([h(p[:, [i]])[0] for i in range(p.shape[1])]) - (-np.sum(p * _log(p), -1)).mean(0)
        )
    )
    passes(lesson07.bald(lambda p: (h(p) - (-np.sum(p * _log(p), -1)).mean(0)) / np.log(2)))  # in bits


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (lambda p: -np.sum(p * _log(p), axis=-1).mean(0) - answer(7, "entropy")(p), "your BALD is negative"),
        (lambda p: answer(7, "entropy")(p) - answer(7, "entropy")(p), "your BALD is 0 for every image"),
        (lambda p: answer(7, "entropy")(p) + np.sum(p * np.log(p), axis=-1).mean(0), "nan where a probability"),
        (lambda p: answer(7, "entropy")(p) - (-np.sum(p * _log(p), axis=-1)), "yours gives shape (4, 3)"),
        (lambda p: answer(7, "entropy")(p) - (-np.sum(p * _log(p), axis=-1)).max(0), "BALD is [0.0, 0.0, 0.693]"),
    ],
    ids=["reversed", "entropy of the mean twice", "log 0", "no mean over passes", "max not mean"],
)
def test_bald_mistakes(wrong, expected):
    hints(lesson07.bald(wrong), expected)


def test_acquire_solution_starter_and_right_answers_written_otherwise():
    passes(lesson07.acquire(answer(7, "acquire")))
    hints(lesson07.acquire(answer(7, "acquire", starter=True)), "the 3 highest are images 14, 40 and 23")
    passes(lesson07.acquire(lambda s, u, k: u[np.argsort(-s)[:k]]))
    passes(lesson07.acquire(lambda s, u, k: [u[i] for i in sorted(range(len(s)), key=lambda i: s[i])[len(s) - k :]]))
    passes(lesson07.acquire(lambda s, u, k: u[np.argpartition(s, len(s) - k)[len(s) - k :]] if k else u[:0]))


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (lambda s, u, k: np.argsort(s)[::-1][:k], "those are positions in the pool ([1, 5, 3])"),
        (lambda s, u, k: u[np.argsort(s)[:k]], "those are the 3 lowest scores"),
        (lambda s, u, k: np.sort(s)[::-1][:k], "acquire returns the scores themselves"),
        (lambda s, u, k: u[np.argsort(s)[-k:]], "a slice [-count:] with count 0 is [-0:]"),
        (lambda s, u, k: u[np.argsort(s)[::-1][: k + 1]], "should choose 3 images; yours chose 4"),
        (lambda s, u, k: u[np.argmax(s)], "should choose 3 images; yours chose 1"),
    ],
    ids=["positions", "lowest", "scores", "minus zero slice", "one too many", "argmax"],
)
def test_acquire_mistakes(wrong, expected):
    hints(lesson07.acquire(wrong), expected)


# Lesson 8 ---------------------------------------------------------------------------------

TRAIN = np.random.default_rng(0).integers(0, 256, size=(150, 8, 8, 3), dtype=np.uint8)  # uint8 pixels


def _representative(**names):
    return answer(8, "representative_dataset", train_images=TRAIN, REPRESENTATIVE_IMAGES=120, IMAGE_SIZE=8, **names)


def test_representative_dataset_solution_starter_and_right_answers_written_otherwise():
    passes(lesson08.representative_dataset(_representative()))
    hints(
        lesson08.representative_dataset(answer(8, "representative_dataset", starter=True, IMAGE_SIZE=8)),
        "your pixels go up to 1",  # a blank image: its pixels are 0
    )
    passes(lesson08.representative_dataset(lambda: ([tf.cast(x[None], tf.float32).numpy()] for x in TRAIN)))
    passes(lesson08.representative_dataset(lambda: [(np.float32(x)[None],) for x in TRAIN[:100]]))


def _yielding(make):
    def representative_dataset():
        yield from make()

    return representative_dataset


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (_yielding(lambda: ([x.astype("float32")] for x in TRAIN)), "batch of 1: shape [1, height, width, 3]"),
        (_yielding(lambda: ([TRAIN[i : i + 32].astype("float32")] for i in range(0, 150, 32))), "one image of shape"),
        (_yielding(lambda: ([x[None]] for x in TRAIN)), "the converter takes float32 images"),
        (_yielding(lambda: ([x[None].astype("float32") / 255] for x in TRAIN)), "your pixels go up to 1"),
        (_yielding(lambda: (x[None].astype("float32") for x in TRAIN)), "yield [image], not a bare ndarray"),
        (_yielding(lambda: ([x[None].astype("float32"), 0] for x in TRAIN)), "without the label"),
        (_yielding(lambda: ([x[None].astype("float32")] for x in TRAIN[:10])), "yours yields 10 images"),
        (_yielding(lambda: iter(())), "yields nothing"),
        ((lambda: ([x[None].astype("float32")] for x in TRAIN))(), "pass the function itself"),
    ],
    ids=["no batch", "a batch of 32", "uint8", "divided by 255", "bare array", "label", "too few", "empty", "called"],
)
def test_representative_dataset_mistakes(wrong, expected):
    hints(lesson08.representative_dataset(wrong), expected)


def _details(interpreter):
    return interpreter.get_input_details()[0], interpreter.get_output_details()[0]


def _run(interpreter, given, image):
    interpreter.set_tensor(given["index"], image)
    interpreter.invoke()


def _no_quantizing(interpreter, image):
    given, taken = _details(interpreter)
    _run(interpreter, given, image[None].astype("float32"))
    return interpreter.get_tensor(taken["index"])[0]


def _no_dequantizing(interpreter, image):
    given, taken = _details(interpreter)
    if given["dtype"] == np.uint8:
        scale, zero = given["quantization"]
        image = np.clip(np.round(image / scale + zero), 0, 255)
    _run(interpreter, given, image[None].astype(given["dtype"]))
    return interpreter.get_tensor(taken["index"])[0]


def _zero_point_ignored(interpreter, image):
    given, taken = _details(interpreter)
    if given["dtype"] == np.uint8:
        image = np.clip(np.round(image / given["quantization"][0]), 0, 255)
    _run(interpreter, given, image[None].astype(given["dtype"]))
    scores = interpreter.get_tensor(taken["index"])[0]
    return scores * taken["quantization"][0] if taken["dtype"] == np.uint8 else scores


def _cast_not_quantized(interpreter, image):
    given, taken = _details(interpreter)
    _run(interpreter, given, image[None].astype(given["dtype"]))
    scores = interpreter.get_tensor(taken["index"])[0]
    return scores * taken["quantization"][0] if taken["dtype"] == np.uint8 else scores


def test_classify_solution_starter_and_a_right_answer_written_otherwise():
    passes(lesson08.classify(answer(8, "classify")))
    hints(lesson08.classify(answer(8, "classify", starter=True)), "the int8 model's output is uint8")

    def another(interpreter, image):
        given, taken = _details(interpreter)
        scale, zero = given["quantization"]
        quantized = (image / scale + zero).round().clip(0, 255) if scale else image
        _run(interpreter, given, np.expand_dims(quantized, 0).astype(given["dtype"]))
        out_scale, out_zero = taken["quantization"]
        scores = interpreter.get_tensor(taken["index"]).astype("float32")[0]
        return (scores - out_zero) * out_scale if out_scale else scores

    passes(lesson08.classify(another))


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (_no_quantizing, "the int8 model takes uint8: quantize the image first"),
        (_no_dequantizing, "the int8 model's output is uint8"),
        (_zero_point_ignored, "(the zero point here is 128)"),
        (_cast_not_quantized, "differ from the Keras model's by up to"),
        (lambda interpreter, image: _no_quantizing(interpreter, image)[None], "not the batch of one"),
        (lambda interpreter, image: _no_quantizing(interpreter, image).argmax(), "yours returns shape ()"),
    ],
    ids=["float into uint8", "output not dequantized", "zero point ignored", "cast only", "batch", "argmax"],
)
def test_classify_mistakes(wrong, expected):
    hints(lesson08.classify(wrong), expected)


# Lesson 9 ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pipeline_parts(sample_shards):
    """What lesson 9's pipelines are given: shard files like a bucket's, 20 ms a round trip, and
    lesson 4's convnet at the shards' 64 px."""
    from types import SimpleNamespace

    from flowers_lab.timing import like_a_bucket, tfrecords_with_round_trip

    files = like_a_bucket(tf.data.Dataset.from_tensor_slices(sorted(str(p) for p in sample_shards.glob("*.tfrec"))))
    manual = tf.data.Options()
    manual.experimental_optimization.apply_default_optimizations = False
    names = dict(read_shard=tfrecords_with_round_trip(20), data=SimpleNamespace(classes=CLASSES), manual=manual)
    return files, names, answer(4, "model", image_size=64)


def test_fast_pipeline_solution_and_starter_are_measured(pipeline_parts):
    files, names, model = pipeline_parts
    passes(lesson09.fast_pipeline(answer(9, "fast_pipeline", **names), model, files, 8))
    hints(
        lesson09.fast_pipeline(answer(9, "fast_pipeline", starter=True, **names), model, files, 8),
        "read several shards at once: interleave(read_shard, cycle_length=16, num_parallel_calls=16)",
    )


@pytest.mark.parametrize(
    "wrong, expected",
    [
        (lambda files, b: files, "each element should be a batch of (images, labels)"),
        (lambda files, b: [1, 2], "should return a tf.data.Dataset, not a list"),
        (
            lambda files, b: files.interleave(tf.data.TFRecordDataset).map(lambda r: parse_record(r, 5)).batch(b),
            "[8, height, width, 3]; yours has shape (None, None, None, 3): batch(batch_size, drop_remainder=True)",
        ),
    ],
    ids=["records", "a list", "batch of unknown size"],
)
def test_fast_pipeline_mistakes_seen_before_measuring(pipeline_parts, wrong, expected):
    files, _, model = pipeline_parts
    hints(lesson09.fast_pipeline(wrong, model, files, 8), expected)


def test_a_pipelines_steps_name_what_it_lacks():
    files = tf.data.Dataset.from_tensor_slices(["a.tfrec"])
    slow = files.flat_map(tf.data.TFRecordDataset).map(tf.strings.length).repeat().batch(2)
    assert lesson09.transformations(slow) == ["Batch", "Repeat", "Map", "FlatMap", "TensorSlice"]
    advice = " ".join(lesson09._missing(lesson09.transformations(slow)))
    for lacking in ("num_parallel_calls=16", "num_parallel_calls=tf.data.AUTOTUNE", "cache()", "prefetch"):
        assert lacking in advice
    parallel = files.interleave(tf.data.TFRecordDataset, num_parallel_calls=2).map(
        tf.strings.length, num_parallel_calls=2
    )
    assert lesson09._missing(lesson09.transformations(parallel.cache().batch(2).prefetch(1))) == []
    unprefetched = lesson09._missing(
        lesson09.transformations(parallel.cache().batch(2).with_options(tf.data.Options()))
    )
    assert len(unprefetched) == 1 and "prefetch" in unprefetched[0]


# When the learner's code raises -----------------------------------------------------------


def _raised(function):
    try:
        list(tf.data.Dataset.from_tensor_slices(["/tmp/none/x.jpg"]).map(function))
    except Exception as error:
        return error
    raise AssertionError("expected an error")


def test_the_informative_line_of_a_graph_error_is_shown_not_its_node():
    error = _raised(lambda f: tf.strings.split(f, "/")[9])
    assert "[[{{node" in str(error)
    assert error_line(error) == "slice index 9 of dimension 0 out of bounds."
    assert explain(error).message.startswith(
        "your code raised InvalidArgumentError: slice index 9 of dimension 0 out of bounds."
    )


def test_an_error_found_while_tracing_shows_the_line_after_in_user_code():
    error = _raised(lambda f: f.upper())
    assert str(error).lstrip().startswith("in user code:")
    assert error_line(error) == "AttributeError: 'SymbolicTensor' object has no attribute 'upper'"
    assert "not .numpy() or Python string methods" in explain(error).message
