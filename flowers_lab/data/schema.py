"""The TFRecord schema of the public flowers shards, and how their files are named.

A record holds ``image`` (JPEG bytes), ``class`` (int64), ``label`` (class name bytes),
``size`` ([height, width] int64) and ``one_hot_class`` (float list). Shards are named
``flowersNN-COUNT.tfrec`` where COUNT is the number of records in the file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

CLASSES: tuple[str, ...] = ("daisy", "dandelion", "roses", "sunflowers", "tulips")
"""The workshop's five classes, in label order."""

FIELDS: tuple[str, ...] = ("image", "class", "label", "size", "one_hot_class")

CLASSES_FILE = "classes.txt"
"""Written beside shards whose classes are not the workshop's five, one name a line."""

_SHARD_NAME = re.compile(r"^flowers(\d+)-(\d+)\.tfrec$")


def shard_name(index: int, count: int) -> str:
    """File name of shard ``index`` holding ``count`` records: ``flowers03-230.tfrec``."""
    return f"flowers{index:02d}-{count}.tfrec"


def count_from_name(path: str | Path) -> int | None:
    """Record count stated by a shard's file name, or None if the name states none."""
    match = _SHARD_NAME.match(Path(path).name)
    return int(match.group(2)) if match else None


def make_example(jpeg: bytes, class_index: int, classes: Sequence[str], height: int, width: int):
    """Build a ``tf.train.Example`` in the public schema."""
    import tensorflow as tf

    one_hot = [0.0] * len(classes)
    one_hot[class_index] = 1.0
    feature = {
        "image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[jpeg])),
        "class": tf.train.Feature(int64_list=tf.train.Int64List(value=[class_index])),
        "label": tf.train.Feature(bytes_list=tf.train.BytesList(value=[classes[class_index].encode()])),
        "size": tf.train.Feature(int64_list=tf.train.Int64List(value=[height, width])),
        "one_hot_class": tf.train.Feature(float_list=tf.train.FloatList(value=one_hot)),
    }
    return tf.train.Example(features=tf.train.Features(feature=feature))


def check_example(example, classes: Sequence[str]) -> str | None:
    """What is wrong with a parsed ``tf.train.Example``, or None if it follows the schema."""
    feature = example.features.feature
    kinds = {
        "image": "bytes_list",
        "class": "int64_list",
        "label": "bytes_list",
        "size": "int64_list",
        "one_hot_class": "float_list",
    }
    for name, kind in kinds.items():
        if name not in feature:
            return f"lacks field '{name}'"
        if feature[name].WhichOneof("kind") != kind:
            return f"field '{name}' is not a {kind}"
    class_index = feature["class"].int64_list.value
    if len(class_index) != 1 or not 0 <= class_index[0] < len(classes):
        return f"'class' is {list(class_index)}, expected one index below {len(classes)}"
    if len(feature["image"].bytes_list.value) != 1:
        return "'image' must hold exactly one JPEG"
    if len(feature["size"].int64_list.value) != 2:
        return f"'size' has {len(feature['size'].int64_list.value)} values, expected 2 (height, width)"
    one_hot = feature["one_hot_class"].float_list.value
    if len(one_hot) != len(classes):
        return f"'one_hot_class' has {len(one_hot)} values, expected {len(classes)}"
    return None


def read_classes(folder: str | Path) -> tuple[str, ...]:
    """Classes of the shards in ``folder``: its ``classes.txt`` if present, else ``CLASSES``."""
    path = Path(folder) / CLASSES_FILE
    if not path.exists():
        return CLASSES
    return tuple(line.strip() for line in path.read_text().splitlines() if line.strip())
