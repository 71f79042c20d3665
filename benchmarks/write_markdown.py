"""Put the figures of ``make bench`` into BENCHMARKS.md.

    python benchmarks/write_markdown.py FIGURES_DIR BENCHMARKS.md [docs/instructor.md ...]

Each table sits between ``<!-- bench:NAME -->`` and ``<!-- /bench:NAME -->`` markers and is
replaced whole, with the command that produced it and the machine it ran on; the prose around
the markers (what the figures showed, what was changed) is kept.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import re
import sys
from pathlib import Path

import keras
import tensorflow as tf


def machine() -> str:
    return (
        f"{os.cpu_count()} cores ({platform.machine()}), no accelerator, Python {platform.python_version()}, "
        f"TensorFlow {tf.__version__}, Keras {keras.__version__}; {datetime.date.today().isoformat()}"
    )


def _range(figures: dict, digits: int = 0) -> tuple[str, str]:
    return (f"{figures['median']:,.{digits}f}", f"{figures['min']:,.{digits}f}-{figures['max']:,.{digits}f}")


def data_table(found: dict) -> list[str]:
    labels = {
        "reader": "`flowers_lab` reader, uncached, shuffle buffer full (what a model is fed)",
        "reader-1st": "the same from a fresh start, shuffle-buffer fill included",
        "decode": "raw `tf.io.decode_jpeg` of the same bytes in memory, all cores (the limit)",
        "files": "individual JPEG files from local disk",
        "files+lat": f"individual files, {found['latency_ms']:g} ms per open (a bucket)",
        "shards+lat": f"shards, {found['latency_ms']:g} ms per open",
    }
    figures = found["figures"]
    rows = [f"| {labels[name]} | {' | '.join(_range(value))} |" for name, value in figures.items()]
    ratio = figures["reader"]["median"] / figures["decode"]["median"]
    return [
        f"{found['images']:,} images at 192x192 in {found['shards']} shards, {found['passes']} passes.",
        "",
        "| way of loading | images/s, median | range |",
        "|---|---|---|",
        *rows,
        "",
        f"**Reader / raw decode = {ratio:.2f}** (target >= 0.85).",
    ]


def training_table(found: list[dict]) -> list[str]:
    rows = []
    for entry in found:
        reader, memory = _range(entry["reader"], 1), _range(entry["memory"], 1)
        mark = "" if entry["ratio"] >= 0.95 else " (below 0.95)"
        rows.append(
            f"| {entry['lesson']} | {entry['backend']} | {entry['image_size']} px, {entry['steps']} x "
            f"{entry['batch']} per pass | {reader[0]} ({reader[1]}) | {memory[0]} ({memory[1]}) | "
            f"**{entry['ratio']:.2f}**{mark} |"
        )
    return [
        "| lesson | backend | size | reader-fed images/s (range) | memory-fed images/s (range) | ratio |",
        "|---|---|---|---|---|---|",
        *rows,
    ]


def notebook_table(found: dict) -> list[str]:
    rows = [f"| `{name}` | {seconds:.0f} |" for name, seconds in sorted(found["tests"].items(), key=lambda x: -x[1])]
    parts = [
        f"| `{name}` | " + " | ".join(f"{value:.0f}" for value in split.values()) + " |"
        for name, split in found["solutions"].items()
    ]
    kinds = next(iter(found["solutions"].values())).keys() if found["solutions"] else []
    return [
        f"**{found['total']:.0f} s** for the whole notebook part (target: under 360 s, issue 12).",
        "",
        "| test | seconds |",
        "|---|---|",
        *rows,
        "",
        "Where each solution's first run spends its time (seconds):",
        "",
        "| notebook | " + " | ".join(kinds) + " |",
        "|---" * (len(kinds) + 1) + "|",
        *parts,
    ]


def tpu_estimate_table(found: list[dict]) -> list[str]:
    rows = [
        f"| {entry['lesson']} | {entry['image_size']} px | "
        + "; ".join(f"{m['model']}: {m['epochs']} epochs, {m['gflop_per_image']:.2f}" for m in entry["models"])
        + f" | {entry['tflop']:,.0f} | **{entry['seconds'] / 60:.0f} min** |"
        for entry in found
    ]
    return [
        "Training at the workshop's sizes on the real photos' split (2,980 training and 690 validation images),"
        " batch 16. The rate is the original workshop's one TPU timing, lesson 6 in 165 s on a TPU v3-8, which"
        f" used {found[0]['utilisation']:.1%} of that TPU's 420 TFLOP/s by this count; a v5e chip (197 TFLOP/s)"
        " is assumed to reach the same share. Each model takes the larger of its work at that rate and 10 ms"
        " per training step, plus 30 s of compilation: assumptions, not measurements (no TPU can be reached"
        " from here; `benchmarks/tpu_estimate.py` says why each). Lessons 1, 2 and 9 train little or nothing:"
        " the host's input work sets their time, as on any runtime (a few minutes each). Lesson 7's active"
        " learning (hundreds of short trainings on up to 250 images) is bound by steps and compilations and"
        " is not counted here.",
        "",
        "| lesson | image size | models trained (epochs, GFLOP per image per training step) | TFLOP | estimate |",
        "|---|---|---|---|---|",
        *rows,
    ]


SECTIONS = {
    "data": ("data.json", "python benchmarks/data_pipeline.py", data_table),
    "training": (
        "training.json",
        "python benchmarks/training.py; KERAS_BACKEND=jax python benchmarks/training.py --lessons 4",
        training_table,
    ),
    "notebooks": ("notebooks.json", "python benchmarks/notebooks.py", notebook_table),
    "tpu-estimate": ("tpu-estimate.json", "KERAS_BACKEND=jax python benchmarks/tpu_estimate.py", tpu_estimate_table),
}
"""Each section: the figures' file, the command that makes them, the table made of them. A
target holds the sections it has markers for (BENCHMARKS.md all; the instructor's guide one)."""


def main() -> None:
    figures_dir = Path(sys.argv[1])
    for target in map(Path, sys.argv[2:]):
        write(figures_dir, target)


def write(figures_dir: Path, target: Path) -> None:
    """Replace each section of ``target`` whose figures are in ``figures_dir``."""
    text = target.read_text()
    for name, (file, command, table) in SECTIONS.items():
        if not (figures_dir / file).exists():  # measured another time: its section stays as it is
            print(f"{figures_dir / file}: not measured this time; the {name} section is left as it was")
            continue
        found = json.loads((figures_dir / file).read_text())
        if name == "training" and (figures_dir / "training-jax.json").exists():
            found += json.loads((figures_dir / "training-jax.json").read_text())
        body = "\n".join([f"Command: `{command}`. Machine: {machine()}.", "", *table(found)])
        pattern = re.compile(rf"(<!-- bench:{name} -->\n).*?(\n<!-- /bench:{name} -->)", re.S)
        if not pattern.search(text):
            print(f"{target}: no <!-- bench:{name} --> markers; the {name} section is not here")
            continue
        text = pattern.sub(lambda match, body=body: match.group(1) + body + match.group(2), text)
    target.write_text(text)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
