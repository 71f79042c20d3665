"""Does the offline sample tell the workshop's story? The lessons' models at equal budgets.

    python benchmarks/sample_story.py [--seeds 0 1 2 3] [--size 48] [--per-class 250] [--epochs 12]

Each model is the one a solution notebook builds (run from its own cells): lesson 3's dense
classifier on raw pixels, lesson 4's convnet, lesson 5's squeezenet with batch normalisation,
and lesson 3's frozen offline backbone with a new head (``flowers_lab.authoring.story``). Prints
each model's best validation accuracy per seed, then the mean and range over the seeds beside the
original workshop's figure on the real photos; ``--json`` also writes every curve.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from flowers_lab.authoring.story import MODELS, WORKSHOP, equal_budget  # noqa: E402
from flowers_lab.backbone import OFFLINE_WEIGHTS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--size", type=int, default=48)
    parser.add_argument("--per-class", type=int, default=250)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--models", nargs="+", choices=list(MODELS), default=list(MODELS))
    parser.add_argument("--backbone", type=Path, default=OFFLINE_WEIGHTS, help="lesson 3's offline weights")
    parser.add_argument("--json", type=Path, help="also write every curve to this file")
    args = parser.parse_args()
    runs = {
        seed: equal_budget(seed, args.size, args.per_class, args.epochs, tuple(args.models), args.backbone)
        for seed in args.seeds
    }
    print("\n| model | best validation accuracy, mean | range | seconds | the workshop, real photos |")
    print("|---|---|---|---|---|")
    for row in args.models:
        best = [max(runs[seed][row]["validation"]) for seed in args.seeds]
        seconds = statistics.mean(runs[seed][row]["seconds"] for seed in args.seeds)
        workshop = f"{WORKSHOP[row]:.2f}" if WORKSHOP[row] else "-"
        print(f"| {row} | {statistics.mean(best):.3f} | {min(best):.3f}-{max(best):.3f} | {seconds:.0f} | {workshop} |")
    if args.json:
        arguments = {name: str(value) for name, value in vars(args).items()}
        args.json.write_text(json.dumps({"arguments": arguments, "runs": runs}, indent=1) + "\n")


if __name__ == "__main__":
    main()
