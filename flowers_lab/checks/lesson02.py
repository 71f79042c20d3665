"""Checks for lesson 2, Flower pictures to TFRecords."""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from pathlib import Path

import tensorflow as tf

from flowers_lab.checks import Feedback, correct, guarded, hint
from flowers_lab.data.schema import CLASSES, FIELDS, check_example, make_example
from flowers_lab.data.shards import check_shards
from flowers_lab.errors import DataError


def _jpeg(height: int = 10, width: int = 12) -> bytes:
    return tf.io.encode_jpeg(tf.fill([height, width, 3], tf.constant(90, tf.uint8))).numpy()


@guarded
def to_tfrecord(function) -> Feedback:
    """``function(image_bytes, class_name, height, width)`` should return a tf.train.Example
    in the public schema."""
    jpeg = _jpeg()
    example = function(jpeg, "sunflowers", 10, 12)
    if not isinstance(example, tf.train.Example):
        return hint(
            f"return a tf.train.Example(features=tf.train.Features(feature=...)), not a {type(example).__name__}"
        )
    problem = check_example(example, CLASSES)
    if problem:
        field = next((field for name, field in FIELDS.items() if f"'{name}'" in problem), None)
        return hint(problem + (f"; {field.advice}" if field else ""))
    feature = example.features.feature
    if feature["class"].int64_list.value[0] != CLASSES.index("sunflowers"):
        return hint(
            f"'class' should be the index of the class name in CLASSES: {CLASSES.index('sunflowers')} for sunflowers"
        )
    if feature["label"].bytes_list.value[0] != b"sunflowers":
        return hint("'label' should be the class name as bytes: class_name.encode()")
    if list(feature["size"].int64_list.value) != [10, 12]:
        return hint("'size' should be [height, width], in that order")
    one_hot = list(feature["one_hot_class"].float_list.value)
    expected = [float(index == CLASSES.index("sunflowers")) for index in range(len(CLASSES))]
    if one_hot != expected:
        ones = [index for index, value in enumerate(one_hot) if value == 1.0]
        return hint(
            f"'one_hot_class' should hold a single 1.0, at the class index ({CLASSES.index('sunflowers')} for "
            f"sunflowers), and 0.0 elsewhere: {expected}; yours is {one_hot}"
            + (f", with {len(ones)} ones" if len(ones) > 1 else "")
        )
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
        return hint("the class should be one integer: the 'class' field, read as tf.io.FixedLenFeature([], tf.int64)")
    if [int(r[1]) for r in results] != [3, 1]:
        return hint("the class should come from the record's own 'class' field")
    return correct("each record becomes (image, class)")


_NAME = re.compile(r"^flowers(\d{2,})-(\d+)\.tfrec$")


def _record(index: int) -> bytes:
    """The ``index``-th record of the check: the same bytes in every run, its fields in the order
    class, image, label, size, one_hot_class. Protocol buffers accept fields in any order, and a
    record is their concatenation; with one_hot_class last, a record whose class is not the last
    ends in the zero bytes of a 0.0, as records written by TensorFlow often do."""
    example = make_example(_jpeg(8 + index, 12), index % len(CLASSES), CLASSES, 8 + index, 12)
    fields = example.features.feature
    return b"".join(
        tf.train.Example(features=tf.train.Features(feature={name: fields[name]})).SerializeToString(deterministic=True)
        for name in ("class", "image", "label", "size", "one_hot_class")
    )


@guarded
def write_tfrecords(function) -> Feedback:
    """``function(records, folder, shards)`` should split the serialized records over ``shards``
    files named ``flowersNN-COUNT.tfrec`` that the project's reader accepts, each record once."""
    records = [_record(index) for index in range(11)]
    with tempfile.TemporaryDirectory(prefix="flowers-check-") as folder:
        function(list(records), folder, 3)
        files = sorted(Path(folder).rglob("*"))
        names = [path.name for path in files if path.is_file()]
        if not names:
            return hint(
                "nothing was written in the folder: open one tf.io.TFRecordWriter(path) per shard inside "
                "`folder` and write the records into it"
            )
        bad = [name for name in names if not _NAME.match(name)]
        if bad:
            return hint(
                f"name each file flowersNN-COUNT.tfrec, NN the shard's number in two digits (so that they sort "
                f"in order) and COUNT its records; found {', '.join(bad[:3])}"
            )
        if len(names) != 3:
            return hint(f"11 records over 3 shards should make 3 files; yours made {len(names)}: {', '.join(names)}")
        numbers = [int(match.group(1)) for match in map(_NAME.match, names) if match]
        if numbers != [0, 1, 2]:
            return hint(f"number the shards 00, 01, 02...; yours are numbered {numbers}")
        read = Counter(bytes(r) for r in tf.data.TFRecordDataset([str(p) for p in files]).as_numpy_iterator())
        if read != Counter(records) and read == Counter(record.rstrip(b"\0") for record in records):
            return hint(
                "your records lost their trailing zero bytes: a NumPy array of bytes (np.array_split(records, "
                "shards) makes one) drops them, and a record that ends in 0 is then corrupt; split the list "
                "itself, records[start:end]"
            )
        try:
            reports = check_shards(files, CLASSES)
        except DataError as error:
            return hint(
                f"the project's reader refuses a shard: {Path(str(error).split(': ')[0]).name}: "
                f"{str(error).split(': ', 1)[1]}"
            )
    missing, repeated = Counter(records) - read, read - Counter(records)
    if missing or repeated:
        return hint(
            f"each record should be written exactly once: {sum(missing.values())} of 11 missing, "
            f"{sum(repeated.values())} written again" + (" (the last shard takes what is left over)" if missing else "")
        )
    counts = [report.records for report in reports]
    return correct(
        f"11 records in 3 shards of {', '.join(map(str, counts))}, each named with its count; the "
        "project's reader checked every record"
    )
