"""Checks for lesson 2, Flower pictures to TFRecords."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from flowers_lab.checks import Feedback, correct, guarded, hint
from flowers_lab.schema import CLASSES, check_example, make_example

_ADVICE = {
    "image": "image: a bytes feature holding the JPEG bytes",
    "class": "class: an int64 feature holding the class index",
    "label": "label: a bytes feature holding the class name, encoded",
    "size": "size: an int64 feature [height, width]",
    "one_hot_class": "one_hot_class: a float feature, 1.0 at the class index and 0.0 elsewhere",
}


def _jpeg(height: int = 10, width: int = 12) -> bytes:
    return tf.io.encode_jpeg(tf.fill([height, width, 3], tf.constant(90, tf.uint8))).numpy()


@guarded
def to_tfrecord(function) -> Feedback:
    """``function(image_bytes, class_name, height, width)`` should return a tf.train.Example
    in the public schema."""
    jpeg = _jpeg()
    example = function(jpeg, "sunflowers", 10, 12)
    if not isinstance(example, tf.train.Example):
        return hint(f"return a tf.train.Example(features=tf.train.Features(feature=...)), "
                    f"not a {type(example).__name__}")
    problem = check_example(example, CLASSES)
    if problem:
        field = next((name for name in _ADVICE if f"'{name}'" in problem), None)
        return hint(problem + (f"; {_ADVICE[field]}" if field else ""))
    feature = example.features.feature
    if feature["class"].int64_list.value[0] != CLASSES.index("sunflowers"):
        return hint(f"'class' should be the index of the class name in CLASSES: {CLASSES.index('sunflowers')} "
                    "for sunflowers")
    if feature["label"].bytes_list.value[0] != b"sunflowers":
        return hint("'label' should be the class name as bytes: class_name.encode()")
    if list(feature["size"].int64_list.value) != [10, 12]:
        return hint("'size' should be [height, width], in that order")
    if int(np.argmax(feature["one_hot_class"].float_list.value)) != CLASSES.index("sunflowers"):
        return hint("'one_hot_class' should have its 1.0 at the class index")
    if feature["image"].bytes_list.value[0] != jpeg:
        return hint("'image' should hold the JPEG bytes you were given, unchanged")
    return correct("your records follow the workshop's schema: image, class, label, size, one_hot_class")


@guarded
def read_tfrecord(function) -> Feedback:
    """``function(serialized)`` should return (image, class index) from one record."""
    records = [make_example(_jpeg(10, 12), index, CLASSES, 10, 12).SerializeToString() for index in (3, 1)]
    results = list(tf.data.Dataset.from_tensor_slices(records).map(function))
    if not isinstance(results[0], tuple) or len(results[0]) != 2:
        return hint("return a pair: image, class")
    image, label = results[0]
    if image.dtype == tf.string:
        return hint("decode the image bytes: tf.io.decode_jpeg(record['image'], channels=3)")
    if tuple(image.shape) != (10, 12, 3):
        return hint(f"a 12x10 JPEG should decode to shape (10, 12, 3), not {tuple(image.shape)}")
    if not label.dtype.is_integer or label.shape.rank != 0:
        return hint("the class should be one integer: the 'class' field, read as "
                    "tf.io.FixedLenFeature([], tf.int64)")
    if [int(r[1]) for r in results] != [3, 1]:
        return hint("the class should come from the record's own 'class' field")
    return correct("each record becomes (image, class)")
