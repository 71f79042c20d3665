"""Training rate of lesson 4's model on several replicas of this CPU, against one device.

    python benchmarks/replicas.py [--steps 12] [--passes 3]

JAX with 1, 2, 4 and 8 virtual devices (``XLA_FLAGS``), TensorFlow with 1 and 2 logical CPUs
mirrored: each configuration in a fresh process, trained as the lessons do (``detect``, the
accelerator's global batch of 32 per replica, the model built in the scope, ``fit`` outside it).
The replicas share the same 2 cores, so the point is that no configuration is many times slower
than one device (as when every device computes the whole batch), not a speed-up.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from flowers_lab.accelerator import virtual_devices

CONFIGURATIONS = [("jax", 1), ("jax", 2), ("jax", 4), ("jax", 8), ("tensorflow", 1), ("tensorflow", 2)]


def measure(steps: int, passes: int) -> dict:
    """In this process: images/s of lesson 4's model, median of ``passes`` epochs of ``steps``."""
    import keras

    from flowers_lab.accelerator import detect, mirrored_cpus
    from flowers_lab.authoring.solutions import answer
    from flowers_lab.data.reader import load_flowers
    from flowers_lab.sources import make_sample

    replicas = int(os.environ.get("REPLICAS", "1"))
    if keras.backend.backend() == "tensorflow" and replicas > 1:
        accelerator = mirrored_cpus(replicas)  # detect() would find no GPU to mirror
    else:
        accelerator = detect(log=None)
    source = make_sample(size=48, per_class=250, log=None)
    data = load_flowers(source.shards, image_size=48, batch_size=accelerator.batch_size)
    keras.utils.set_random_seed(0)
    model = answer(4, "model", image_size=48, accelerator=accelerator)
    model.fit(data.train, steps_per_epoch=2, epochs=1, verbose=0)  # compilation
    rates = []
    for _ in range(passes):
        start = time.perf_counter()
        model.fit(data.train, steps_per_epoch=steps, epochs=1, verbose=0)
        rates.append(steps * data.batch_size / (time.perf_counter() - start))
    return {"replicas": accelerator.replicas, "batch": data.batch_size, "rate": statistics.median(rates)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a configuration, in this process
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.steps, args.passes)))
        return
    found = {}
    for backend, replicas in CONFIGURATIONS:
        environ = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3", "REPLICAS": str(replicas)}
        if backend == "jax":
            environ |= virtual_devices(replicas)
        run = subprocess.run(
            [sys.executable, __file__, "--one", "--steps", str(args.steps), "--passes", str(args.passes)],
            env=environ,
            capture_output=True,
            text=True,
            check=True,
        )
        found[backend, replicas] = json.loads(run.stdout.strip().splitlines()[-1])
        print(f"{backend} {replicas}: {found[backend, replicas]}", file=sys.stderr, flush=True)
    print("| backend | replicas | global batch | images/s | against one device |")
    print("|---|---|---|---|---|")
    for (backend, replicas), figures in found.items():
        ratio = figures["rate"] / found[backend, 1]["rate"]
        print(f"| {backend} | {replicas} | {figures['batch']} | {figures['rate']:.0f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
