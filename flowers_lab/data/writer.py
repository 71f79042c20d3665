"""Writing a folder of class sub-folders of photos as TFRecord shards in the public schema."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flowers_lab.data.photos import scan_photos, square_jpeg
from flowers_lab.data.schema import CLASSES, CLASSES_FILE, make_example, shard_name
from flowers_lab.errors import DataError
from flowers_lab.staging import staging_folder


@dataclass
class WriteReport:
    """What ``write_shards`` wrote and what it left out."""

    shards: list[Path]
    per_class: dict[str, int]
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    enlarged: int = 0

    def summary(self) -> str:
        """A few lines for a person: images per class, files skipped and why."""
        total = sum(self.per_class.values())
        lines = [f"wrote {total} images in {len(self.shards)} shards to {self.shards[0].parent}"]
        lines += [f"  {name:<12}{count:>6}" for name, count in self.per_class.items()]
        if self.enlarged:
            lines.append(f"  {self.enlarged} images smaller than the target were enlarged")
        if self.skipped:
            lines.append(f"skipped {len(self.skipped)} files:")
            lines += [f"  {path}: {why}" for path, why in self.skipped]
        return "\n".join(lines)


def existing_shards(folder: Path) -> list[Path]:
    """The ``.tfrec`` files already in ``folder``."""
    return sorted(folder.glob("*.tfrec")) if folder.is_dir() else []


def write_shards(
    src: str | Path,
    out: str | Path,
    size: int = 192,
    shards: int = 16,
    classes: Sequence[str] = CLASSES,
    overwrite: bool = False,
    seed: int = 0,
    log: Callable[[str], None] | None = print,
) -> WriteReport:
    """Convert ``src/<class>/*`` photos to ``shards`` TFRecord files of ``size`` px squares.

    Photos are shuffled with ``seed`` before sharding, so each shard mixes the classes.
    Shards are written under temporary names and moved into ``out`` only when all are
    complete. Existing shards in ``out`` stop the run unless ``overwrite`` is set.
    """
    import tensorflow as tf

    out = Path(out)
    old = existing_shards(out)
    if old and not overwrite:
        raise DataError(
            f"{out}: already holds {len(old)} shards ({old[0].name}, ...); "
            "pass overwrite=True (--overwrite) to replace them"
        )
    found = scan_photos(src, classes)
    if not found.photos:
        raise DataError(f"{src}: no photos found in the class folders {', '.join(classes)}")
    photos = list(found.photos)
    random.Random(seed).shuffle(photos)
    per_shard = math.ceil(len(photos) / shards)
    report = WriteReport(shards=[], per_class=dict.fromkeys(found.classes, 0), skipped=found.skipped)
    with staging_folder(out, ".writing-") as staging:
        staged: list[str] = []
        count = math.ceil(len(photos) / per_shard)
        for index in range(count):
            examples = []
            for path, class_index in photos[index * per_shard : (index + 1) * per_shard]:
                try:
                    jpeg, enlarged = square_jpeg(path, size)
                except ValueError as error:
                    report.skipped.append((path, str(error)))
                    continue
                report.enlarged += enlarged
                report.per_class[found.classes[class_index]] += 1
                examples.append(make_example(jpeg, class_index, found.classes, size, size))
            if not examples:
                continue
            name = shard_name(len(staged), len(examples))
            with tf.io.TFRecordWriter(str(staging / name)) as writer:
                for example in examples:
                    writer.write(example.SerializeToString(deterministic=True))  # same bytes in every process
            staged.append(name)
            if log:
                log(f"shard {index + 1}/{count}: {name}")
        if not staged:
            raise DataError(f"{src}: none of the {len(photos)} photos could be read")
        for path in old:
            path.unlink()
        if tuple(found.classes) != CLASSES:
            (staging / CLASSES_FILE).write_text("\n".join(found.classes) + "\n")
        elif (out / CLASSES_FILE).exists():
            (out / CLASSES_FILE).unlink()
        for name in [*staged, CLASSES_FILE]:
            if (staging / name).exists():
                (staging / name).replace(out / name)
        report.shards = [out / name for name in staged]
    if log:
        log(report.summary())
    return report
