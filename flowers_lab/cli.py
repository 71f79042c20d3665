"""The ``flowers-lab`` command: doctor, sample, download, convert, inspect, playgrounds, run, book,
pretrain-backbone."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from flowers_lab.data.schema import CLASSES
from flowers_lab.errors import DataError


def doctor(args: argparse.Namespace) -> int:
    """Versions, accelerator, and which data is here and how to get what is not."""
    import keras
    import tensorflow as tf

    from flowers_lab.accelerator import detect
    from flowers_lab.sources import data_root, downloaded_photos, sample_folder, shard_folder_name

    print(f"TensorFlow {tf.__version__}, Keras {keras.__version__}, backend {keras.backend.backend()}")
    detect()
    root = data_root()
    print(f"data root: {root}  (set FLOWERS_LAB_DATA to move it)")
    photos = downloaded_photos(root)
    print(f"  real photos: {photos or 'missing: run flowers-lab download (needs the network)'}")
    for size in (192, 224, 331, 512):
        shards = root / shard_folder_name(size)
        state = f"{len(list(shards.glob('*.tfrec')))} shards" if shards.is_dir() else "missing"
        hint = f" (flowers-lab convert {photos} {shards} --size {size})" if photos and state == "missing" else ""
        print(f"  real shards {size}px: {state}{hint}")
    sample = sample_folder()
    print(f"  offline sample: {sample if sample.is_dir() else 'missing: run flowers-lab sample'}")
    return 0


def sample(args: argparse.Namespace) -> int:
    """Generate the offline sample: photos and shards."""
    from flowers_lab.sources import make_sample

    found = make_sample(args.size, args.per_class, args.seed, args.shards, folder=args.out)
    print(f"photos in {found.photos}\nshards in {found.shards}")
    return 0


def download(args: argparse.Namespace) -> int:
    """Download the real photos and convert them to shards of each size."""
    from flowers_lab.data.writer import write_shards
    from flowers_lab.sources import data_root, download_photos, shard_folder_name

    root = Path(args.root) if args.root else data_root()
    photos = download_photos(root)
    print(f"photos in {photos}")
    for size in args.sizes:
        write_shards(photos, root / shard_folder_name(size), size=size, overwrite=args.overwrite)
    return 0


def convert(args: argparse.Namespace) -> int:
    """Convert a folder of class sub-folders of photos to shards."""
    from flowers_lab.data.writer import write_shards

    classes = tuple(args.classes.split(",")) if args.classes else CLASSES
    write_shards(args.src, args.out, size=args.size, shards=args.shards, classes=classes, overwrite=args.overwrite)
    return 0


def inspect(args: argparse.Namespace) -> int:
    """Read every shard: records per file and class, image sizes, and what is wrong."""
    from flowers_lab.data.schema import read_classes
    from flowers_lab.data.shards import check_shard, find_shards

    paths = find_shards(args.path)
    classes = read_classes(paths[0].parent)
    per_class: Counter[str] = Counter()
    sizes: Counter[tuple[int, int]] = Counter()
    bad = 0
    for path in paths:
        report = check_shard(path, classes)
        per_class.update(report.per_class)
        sizes.update(report.sizes)
        status = f"BAD: {report.problem}" if report.problem else "ok"
        bad += report.problem is not None
        print(f"{path.name:<28}{report.records:>6} records  {status}")
    print(
        f"{sum(per_class.values())} records in {len(paths)} files; "
        + ", ".join(f"{name} {per_class[name]}" for name in classes)
    )
    print("image sizes: " + ", ".join(f"{h}x{w} ({n})" for (h, w), n in sizes.most_common()))
    if bad:
        print(f"flowers-lab: error: {bad} of {len(paths)} shards are bad", file=sys.stderr)
        return 1
    return 0


def _use_notebooks(folder: Path | None) -> None:
    """Read and write the lessons' notebooks in ``folder`` (--notebooks), or where they are found."""
    from flowers_lab.authoring import curriculum

    curriculum.NOTEBOOKS = curriculum.find_notebooks(folder)


def playgrounds(args: argparse.Namespace) -> int:
    """Make each playground from its solution notebook (with --check: only compare)."""
    from flowers_lab.authoring.playgrounds import sync

    _use_notebooks(args.notebooks)
    drifted = sync(check=args.check)
    if args.check and drifted:
        print(
            f"flowers-lab: error: not what the solutions make: {', '.join(drifted)}; run flowers-lab playgrounds",
            file=sys.stderr,
        )
        return 1
    print(("rewrote " + ", ".join(drifted)) if drifted else "playgrounds and solutions are in step")
    return 0


def run(args: argparse.Namespace) -> int:
    """Execute the lessons' notebooks with papermill into build/, print how each went and write
    build/report.md and build/report.json."""
    from flowers_lab.authoring.curriculum import LESSONS, lesson
    from flowers_lab.authoring.runner import run_lessons, story, table, write_report

    chosen = [lesson(number) for number in args.lessons] if args.lessons else list(LESSONS)
    _use_notebooks(args.notebooks)
    runs = run_lessons(
        chosen,
        out=args.out,
        quick=args.quick,
        backend=args.backend,
        playgrounds=args.playgrounds,
        verbose=args.verbose,
        progress=sys.stderr if sys.stderr.isatty() else None,  # no bar in a log
    )
    print(table(runs))
    said = story(runs)
    if said:
        print(said)
    print("report: " + ", ".join(str(path) for path in write_report(runs, args.out)))
    return 1 if any(r.error for r in runs) else 0


def book(args: argparse.Namespace) -> int:
    """Make a static site of the last run: its report and every executed notebook (open index.html)."""
    from flowers_lab.authoring.book import write_book

    print(f"book: {write_book(args.out, args.site)}")
    return 0


def pretrain_backbone(args: argparse.Namespace) -> int:
    """Make lesson 3's offline backbone: MobileNetV2 pretrained on 13 synthetic species (8 min on 2 cores)."""
    from flowers_lab.backbone import OFFLINE_WEIGHTS, pretrain

    pretrain(
        args.out or OFFLINE_WEIGHTS,
        per_species=args.per_species,
        image_size=args.size,
        epochs=args.epochs,
        seed=args.seed,
        overwrite=args.overwrite,
    )
    return 0


NOTEBOOKS_HELP = "the lessons' folder (default: ./notebooks, as in a clone of flowers-lab)"


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument ends in one line (no usage block), exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _at_least(low: int, what: str) -> Callable[[str], int]:
    """An argument type: an integer of at least ``low``, ``what`` saying what it counts."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what} is a whole number, not {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{what} is at least {low}, not {value}")
        return value

    return parse


def _lesson_number(text: str) -> int:
    from flowers_lab.authoring.curriculum import LESSONS

    numbers = [lesson.number for lesson in LESSONS]
    if not text.isdigit() or int(text) not in numbers:
        raise argparse.ArgumentTypeError(f"no lesson {text}: lessons are {', '.join(map(str, numbers))}")
    return int(text)


def _folder(text: str) -> Path:
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: no such folder")
    return path


def _not_a_file(text: str) -> Path:
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: a file is there, not a folder")
    return path


IMAGE_SIZE = _at_least(8, "an image size in px")
SHARDS = _at_least(1, "the number of shards")
SEED = _at_least(0, "a seed")


def _check(args: argparse.Namespace, command: argparse.ArgumentParser) -> None:
    """What no single argument can say: arguments that do not fit together."""
    if args.command == "sample" and args.shards > 5 * args.per_class:
        command.error(f"argument --shards: {args.shards} shards for {5 * args.per_class} photos would leave some empty")
    if args.command == "convert" and args.classes is not None and not all(args.classes.split(",")):
        command.error(f"argument --classes: comma-separated folder names, not {args.classes!r}")


def parser() -> argparse.ArgumentParser:
    """The command line."""
    main_parser = _Parser(prog="flowers-lab", description=__doc__)
    main_parser.add_argument(
        "--verbose", action="store_true", help="also show what TensorFlow, the kernels and the converter print"
    )
    commands = main_parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser("doctor", help=doctor.__doc__).set_defaults(run=doctor)

    p = commands.add_parser("sample", help=sample.__doc__)
    p.add_argument("--out", type=_not_a_file, help="folder (default: under the data root)")
    p.add_argument("--size", type=IMAGE_SIZE, default=192, help="shard image size in px (default 192)")
    p.add_argument("--per-class", type=_at_least(1, "photos per class"), default=100, help="(default 100)")
    p.add_argument("--seed", type=SEED, default=0)
    p.add_argument("--shards", type=SHARDS, default=16)
    p.set_defaults(run=sample)

    p = commands.add_parser("download", help=download.__doc__)
    p.add_argument("--root", type=_not_a_file, help="data root (default: $FLOWERS_LAB_DATA or ./data)")
    p.add_argument("--sizes", type=IMAGE_SIZE, nargs="+", default=[192])
    p.add_argument("--overwrite", action="store_true", help="replace existing shards")
    p.set_defaults(run=download)

    p = commands.add_parser("convert", help=convert.__doc__)
    p.add_argument("src", type=_folder, help="folder of class sub-folders of photos")
    p.add_argument("out", type=_not_a_file, help="folder for the shards")
    p.add_argument("--size", type=IMAGE_SIZE, default=192)
    p.add_argument("--shards", type=SHARDS, default=16)
    p.add_argument("--classes", help="comma-separated class folder names (default: the five flowers)")
    p.add_argument("--overwrite", action="store_true", help="replace existing shards")
    p.set_defaults(run=convert)

    p = commands.add_parser("playgrounds", help=playgrounds.__doc__)
    p.add_argument("--check", action="store_true", help="only compare; exit 1 if any notebook differs")
    p.add_argument("--notebooks", type=_folder, help=NOTEBOOKS_HELP)
    p.set_defaults(run=playgrounds)

    p = commands.add_parser("run", help=run.__doc__)
    p.add_argument("--lessons", type=_lesson_number, nargs="+", help="lesson numbers (default: all)")
    p.add_argument("--quick", action="store_true", help="the small parameters CI uses")
    p.add_argument("--backend", choices=["tensorflow", "jax"], help="Keras backend (default: as detected)")
    p.add_argument("--playgrounds", action="store_true", help="run the playgrounds instead of the solutions")
    p.add_argument("--out", type=_not_a_file, default=Path("build"), help="where executed copies go (default build/)")
    p.add_argument("--notebooks", type=_folder, help=NOTEBOOKS_HELP)
    p.set_defaults(run=run)

    p = commands.add_parser("book", help=book.__doc__)
    p.add_argument(
        "--out", type=_folder, default=Path("build"), help="the run's folder, as given to run (default build/)"
    )
    p.add_argument("--site", type=_not_a_file, help="where the site goes (default: OUT/book)")
    p.set_defaults(run=book)

    p = commands.add_parser("pretrain-backbone", help=pretrain_backbone.__doc__)
    p.add_argument(
        "--out",
        type=Path,
        help="a .weights.h5 file (default: the packaged one, "
        "flowers_lab/backbones/mobilenet_v2_0.35_synthetic.weights.h5)",
    )
    p.add_argument("--per-species", type=_at_least(1, "photos per species"), default=1500, help="(default 1500)")
    p.add_argument("--size", type=_at_least(32, "MobileNetV2's image size in px"), default=48, help="(default 48)")
    p.add_argument("--epochs", type=_at_least(1, "the number of epochs"), default=10)
    p.add_argument("--seed", type=SEED, default=0)
    p.add_argument("--overwrite", action="store_true", help="replace an existing weights file")
    p.set_defaults(run=pretrain_backbone)

    p = commands.add_parser("inspect", help=inspect.__doc__)
    p.add_argument("path", help="folder or glob of .tfrec files")
    p.set_defaults(run=inspect)
    for command in commands.choices.values():  # for _check's errors, in the command's own words
        command.set_defaults(command_parser=command)
    return main_parser


AUTHORING = {"nbformat", "nbclient", "papermill", "ipykernel"}
"""What ``run`` and ``playgrounds`` need beyond a plain install: the ``authoring`` extra."""


def main(argv: list[str] | None = None) -> int:
    """Entry point: run a command; bad input ends in one line on stderr and exit 1. Without
    ``--verbose`` only the project's own words are printed (``flowers_lab.quiet``)."""
    args = parser().parse_args(argv)
    _check(args, args.command_parser)
    if not args.verbose and argv is None:  # this process is the command, not a caller of main()
        from flowers_lab.quiet import native_stderr_to

        native_stderr_to(os.devnull)
    try:
        return args.run(args)
    except DataError as error:
        print(f"flowers-lab: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("flowers-lab: interrupted", file=sys.stderr)
        return 130
    except ModuleNotFoundError as error:
        if error.name not in AUTHORING:
            raise
        print(
            f"flowers-lab: error: this command needs the authoring tools ({error.name} is not installed): "
            'pip install "flowers-lab[authoring]"',
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
