"""Does active learning save labels? Lesson 7's experiment, on the flower sample and on real digits.

    python benchmarks/active_learning.py [--data flowers digits] [--repeats 3] [--rounds 20]
        [--size 64] [--per-class 100] [--json out.json]

Runs the lesson's own code (its models, its entropy, BALD and acquire, its digits split; read
from the solution notebook) with its parameters as defaults: BALD, max entropy and random
acquisition, each repeated. Prints per data set the mean validation accuracy per labelled count
and the labels each strategy needed to reach 95% and 99% of random's final accuracy, with the saving.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from flowers_lab.authoring.curriculum import lesson  # noqa: E402
from flowers_lab.authoring.solutions import namespace  # noqa: E402
from flowers_lab.data.reader import load_flowers  # noqa: E402
from flowers_lab.evaluation import dataset_arrays  # noqa: E402
from flowers_lab.sources import resolve_data  # noqa: E402
from flowers_lab.uncertainty import compare_strategies, saving_table, target_accuracy  # noqa: E402


def main() -> None:
    defaults = lesson(7).defaults()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", nargs="+", choices=["flowers", "digits"], default=["flowers", "digits"])
    parser.add_argument("--repeats", type=int, default=defaults["REPEATS"])
    parser.add_argument("--rounds", type=int, default=defaults["ROUNDS"])
    parser.add_argument("--epochs", type=int, default=defaults["ROUND_EPOCHS"])
    parser.add_argument("--size", type=int, default=defaults["IMAGE_SIZE"], help="flower image size")
    parser.add_argument("--per-class", type=int, default=defaults["SAMPLE_PER_CLASS"], help="flower sample size")
    parser.add_argument("--json", type=Path, help="also write every curve to this file")
    args = parser.parse_args()
    code = namespace(7, image_size=args.size)
    strategies = {"BALD": code["bald"], "max entropy": code["entropy"], "random": None}
    experiment = dict(
        pick=code["acquire"],
        per_round=defaults["PER_ROUND"],
        rounds=args.rounds,
        epochs=args.epochs,
        passes=defaults["PASSES"],
        repeats=args.repeats,
    )
    found = {}
    for name in args.data:
        if name == "flowers":
            source = resolve_data(None, size=args.size, sample_per_class=args.per_class, online=False)
            data = load_flowers(source.shards, image_size=args.size)
            (images, labels), validation = dataset_arrays(data.train_in_order), dataset_arrays(data.validation)
            build, start = (lambda: code["flower_model"](args.size)), defaults["START_PER_CLASS"]
        else:
            (images, labels), validation = code["digit_sets"]()
            build, start = code["digits_model"], defaults["DIGITS_START_PER_CLASS"]
        began = time.perf_counter()
        curves = compare_strategies(
            strategies,
            build=build,
            images=images,
            labels=labels,
            validation=validation,
            start_per_class=start,
            **experiment,
        )
        seconds = time.perf_counter() - began
        print(f"\n## {name}: a pool of {len(images)}, {len(validation[1])} validating, {seconds / 60:.0f} min\n")
        print("| labels | " + " | ".join(curves) + " |\n" + "|---" * (len(curves) + 1) + "|")
        for index, count in enumerate(next(iter(curves.values()))[0].labelled):
            means = [np.mean([run.accuracy[index] for run in runs]) for runs in curves.values()]
            print(f"| {count} | " + " | ".join(f"{value:.3f}" for value in means) + " |")
        for share in (0.95, 0.99):
            print(
                f"\n{share:.0%} of random's final accuracy: "
                + saving_table(curves, target_accuracy(curves, share=share))
            )
        found[name] = {strategy: [vars(run) for run in runs] for strategy, runs in curves.items()}
    if args.json:
        arguments = {name: str(value) for name, value in vars(args).items()}
        args.json.write_text(json.dumps({"arguments": arguments, "curves": found}, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
