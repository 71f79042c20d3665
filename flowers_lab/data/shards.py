"""Finding TFRecord shards and checking them against the schema."""

from __future__ import annotations

import glob
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flowers_lab.data.schema import check_example, count_from_name
from flowers_lab.errors import DataError, one_line


@dataclass
class ShardReport:
    """What one shard holds, and what is wrong with it (``problem`` is None when nothing)."""

    path: Path
    records: int = 0
    per_class: Counter = field(default_factory=Counter)
    sizes: Counter = field(default_factory=Counter)
    problem: str | None = None


def find_shards(location: str | Path) -> list[Path]:
    """Shards in a directory (``*.tfrec``) or matching a glob, sorted by name.

    Sorting makes the training/validation split the same on every file system.
    """
    location = str(location)
    pattern = str(Path(location) / "*.tfrec") if Path(location).is_dir() else location
    paths = sorted(Path(p) for p in glob.glob(pattern))
    if not paths:
        raise DataError(f"{location}: no .tfrec files match")
    return paths


def check_shard(path: Path, classes: Sequence[str]) -> ShardReport:
    """Read every record of ``path``: count it, check its schema and its JPEG header.

    The count is compared with the one in the file name.
    """
    import tensorflow as tf
    from google.protobuf.message import DecodeError

    report = ShardReport(path=path)
    try:
        for raw in tf.data.TFRecordDataset(str(path)).as_numpy_iterator():
            where = f"record {report.records}"
            example = tf.train.Example.FromString(raw)
            problem = check_example(example, classes)
            if problem:
                report.problem = f"{where} {problem}"
                return report
            feature = example.features.feature
            height, width, _ = tf.io.extract_jpeg_shape(feature["image"].bytes_list.value[0]).numpy()
            report.sizes[(int(height), int(width))] += 1
            report.per_class[classes[feature["class"].int64_list.value[0]]] += 1
            report.records += 1
    except (tf.errors.DataLossError, tf.errors.InvalidArgumentError, DecodeError) as error:
        report.problem = f"truncated or corrupt after {report.records} records ({one_line(error)})"
        return report
    stated = count_from_name(path)
    if report.records == 0:
        report.problem = "holds no records"
    elif stated is not None and stated != report.records:
        report.problem = f"name says {stated} records, file holds {report.records}"
    return report


def check_shards(paths: Sequence[Path], classes: Sequence[str]) -> list[ShardReport]:
    """``check_shard`` for each path; raise ``DataError`` naming the first bad shard."""
    reports = [check_shard(path, classes) for path in paths]
    for report in reports:
        if report.problem:
            raise DataError(f"{report.path}: {report.problem}")
    return reports
