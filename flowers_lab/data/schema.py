"""The TFRecord schema of the public flowers shards, and how their files are named.

A record holds ``image`` (JPEG bytes), ``class`` (int64), ``label`` (class name bytes),
``size`` ([height, width] int64) and ``one_hot_class`` (float list). Shards are named
``flowersNN-COUNT.tfrec`` where COUNT is the number of records in the file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

CLASSES: tuple[str, ...] = ("daisy", "dandelion", "roses", "sunflowers", "tulips")
"""The workshop's five classes, in label order."""


@dataclass(frozen=True)
class Field:
    """One feature of a record: its name, its kind of list, how many values (None: one per
    class) and what it holds."""

    name: str
    kind: str
    length: int | None
    holds: str

    @property
    def advice(self) -> str:
        """How to write it, for a learner: "class: an int64 feature holding the class index"."""
        kind = {"bytes_list": "a bytes", "int64_list": "an int64", "float_list": "a float"}[self.kind]
        return f"{self.name}: {kind} feature holding {self.holds}"

    def parse_spec(self):
        """How ``tf.io.parse_single_example`` reads it: one value or a fixed length as a dense
        tensor, one value per class as a sparse one (``tf.sparse.to_dense`` makes it dense)."""
        import tensorflow as tf

        dtype = {"bytes_list": tf.string, "int64_list": tf.int64, "float_list": tf.float32}[self.kind]
        if self.length is None:
            return tf.io.VarLenFeature(dtype)
        return tf.io.FixedLenFeature([] if self.length == 1 else [self.length], dtype)


SCHEMA: tuple[Field, ...] = (
    Field("image", "bytes_list", 1, "the JPEG bytes"),
    Field("class", "int64_list", 1, "the class index"),
    Field("label", "bytes_list", 1, "the class name, encoded"),
    Field("size", "int64_list", 2, "[height, width]"),
    Field("one_hot_class", "float_list", None, "1.0 at the class index and 0.0 elsewhere"),
)
"""The record layout, described once: checking records, reading them and the learners' hints use it."""

FIELDS: dict[str, Field] = {field.name: field for field in SCHEMA}

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
    """What is wrong with a parsed ``tf.train.Example``, or None if it follows ``SCHEMA``."""
    feature = example.features.feature
    for field in SCHEMA:
        if field.name not in feature:
            return f"lacks field '{field.name}'"
        if feature[field.name].WhichOneof("kind") != field.kind:
            return f"field '{field.name}' is not a {field.kind}"
    class_index = feature["class"].int64_list.value
    if len(class_index) != 1 or not 0 <= class_index[0] < len(classes):
        return f"'class' is {list(class_index)}, expected one index below {len(classes)}"
    for field in SCHEMA:
        values = getattr(feature[field.name], field.kind).value
        expected = len(classes) if field.length is None else field.length
        if len(values) != expected:
            return f"'{field.name}' has {len(values)} values, expected {expected} ({field.holds})"
    return None


def read_classes(folder: str | Path) -> tuple[str, ...]:
    """Classes of the shards in ``folder``: its ``classes.txt`` if present, else ``CLASSES``."""
    path = Path(folder) / CLASSES_FILE
    if not path.exists():
        return CLASSES
    return tuple(line.strip() for line in path.read_text().splitlines() if line.strip())
