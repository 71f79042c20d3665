"""Images/s of the ways to load the flowers, on the offline sample at 192 px.

    python benchmarks/data_pipeline.py [--per-class 420] [--passes 9] [--latency-ms 30] [--json FILE]

Prints, for each way, the median and range over ``--passes`` passes (tf.data throughput on a
2-core machine is bimodal: some passes fall to one core's rate):
  reader      flowers_lab's training stream over the shards, uncached (every image decoded),
              once its shuffle buffer is full: the rate a model is fed at
  reader-1st  the same from a fresh start, shuffle-buffer fill included (a one-time cost)
  decode      raw tf.io.decode_jpeg over the same JPEG bytes already in memory, all cores
  files       the same images as individual JPEG files from local disk
  files+lat   individual files with a simulated object-store round trip per open
  shards+lat  the shards with the same round trip per open (16 opens instead of one per image)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

from flowers_lab.data.reader import AUTOTUNE, load_flowers, parse_record  # noqa: E402
from flowers_lab.sources import make_sample  # noqa: E402
from flowers_lab.timing import with_round_trip  # noqa: E402

BATCH = 32
LATENCY_FILES = 320


def rate(make_dataset, images: int, passes: int) -> tuple[float, float, float]:
    """(median, min, max) images/s over ``passes`` full passes of a fresh dataset."""
    rates = []
    for _ in range(passes):
        dataset = make_dataset()
        start = time.perf_counter()
        for _ in dataset:
            pass
        rates.append(images / (time.perf_counter() - start))
    return statistics.median(rates), min(rates), max(rates)


def stream_rate(make_dataset, batches: int, warm: int, passes: int) -> tuple[float, float, float]:
    """(median, min, max) images/s over ``batches`` batches of an endless dataset, after
    ``warm`` batches that fill its buffers."""
    rates = []
    for _ in range(passes):
        batch_iterator = iter(make_dataset())
        for _ in range(warm):
            next(batch_iterator)
        start = time.perf_counter()
        for _ in range(batches):
            next(batch_iterator)
        rates.append(batches * BATCH / (time.perf_counter() - start))
    return statistics.median(rates), min(rates), max(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-class", type=int, default=420, help="sample photos per class (>= 400 for 2000)")
    parser.add_argument("--passes", type=int, default=9)
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    source = make_sample(size=192, per_class=args.per_class, log=None)
    shards = sorted(str(p) for p in source.shards.glob("*.tfrec"))
    jpegs = [
        tf.train.Example.FromString(r).features.feature["image"].bytes_list.value[0]
        for r in tf.data.TFRecordDataset(shards).as_numpy_iterator()
    ]
    count = len(jpegs)
    folder = Path(tempfile.mkdtemp(prefix="flowers-bench-"))
    files = []
    for index, jpeg in enumerate(jpegs):
        files.append(str(folder / f"{index:05d}.jpg"))
        Path(files[-1]).write_bytes(jpeg)
    decode = lambda b: tf.io.decode_jpeg(b, channels=3)  # noqa: E731

    def reader():
        return load_flowers(source.shards, batch_size=BATCH, validation_fraction=0, cache=False, verify=False).train

    def reader_first_pass():
        return reader().take(count // BATCH)

    def raw_decode():
        return tf.data.Dataset.from_tensor_slices(jpegs).map(decode, num_parallel_calls=AUTOTUNE).batch(BATCH)

    def local_files():
        return (
            tf.data.Dataset.from_tensor_slices(files)
            .map(lambda f: decode(tf.io.read_file(f)), num_parallel_calls=AUTOTUNE)
            .batch(BATCH)
        )

    def files_with_latency():  # on the first LATENCY_FILES files: the rate per image is what counts
        return (
            tf.data.Dataset.from_tensor_slices(files[:LATENCY_FILES])
            .map(with_round_trip(tf.io.read_file, args.latency_ms), num_parallel_calls=AUTOTUNE)
            .map(decode, num_parallel_calls=AUTOTUNE)
            .batch(BATCH)
        )

    def shards_with_latency():  # the reader's interleave, each shard opened after the round trip
        open_late = with_round_trip(
            lambda name: tf.data.TFRecordDataset(name).map(lambda r: parse_record(r, 5)), args.latency_ms
        )
        return (
            tf.data.Dataset.from_tensor_slices(shards)
            .interleave(open_late, cycle_length=4, num_parallel_calls=4, deterministic=False)
            .batch(BATCH)
        )

    ways = [
        ("reader-1st", reader_first_pass, count // BATCH * BATCH),
        ("decode", raw_decode, count),
        ("files", local_files, count),
        ("files+lat", files_with_latency, min(count, LATENCY_FILES)),
        ("shards+lat", shards_with_latency, count),
    ]
    machine = f"{os.cpu_count()} cores, {platform.machine()}"
    print(
        f"{count} images of 192x192 in {len(shards)} shards; {machine}; TensorFlow {tf.__version__}; "
        f"{args.passes} passes; latency {args.latency_ms:g} ms per open"
    )
    warm = 2048 // BATCH + 4  # the reader's default shuffle buffer, in batches
    measured = {"reader": stream_rate(reader, count // BATCH, warm, args.passes)}
    for name, make, images in ways:
        measured[name] = rate(make, images, args.passes)
    for name, (median, low, high) in measured.items():
        print(f"  {name:<11}{median:>8.0f} images/s  (range {low:.0f}-{high:.0f})")
    results = {name: figures[0] for name, figures in measured.items()}
    print(f"reader / decode = {results['reader'] / results['decode']:.2f} (target >= 0.85)")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "images": count,
                    "shards": len(shards),
                    "passes": args.passes,
                    "latency_ms": args.latency_ms,
                    "figures": {
                        name: dict(zip(("median", "min", "max"), figures, strict=True))
                        for name, figures in measured.items()
                    },
                },
                indent=1,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
