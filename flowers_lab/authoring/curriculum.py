"""The lessons: their notebooks, the small parameters CI runs them with, and their targets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flowers_lab import __version__
from flowers_lab.errors import DataError

REPOSITORY = "flowers-lab/flowers-lab"
"""The GitHub repository (owner/name) that notebooks install ``flowers_lab`` from and that
their Colab badges open; the one place that names it."""

RELEASE = f"v{__version__}"
"""The tag notebooks install and open: the version they were written for, not the newest."""

CHECKOUT_NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
"""The notebooks beside this package where it is a checkout (an editable install)."""

NOTEBOOKS: Path | None = None
"""The folder the lessons' notebooks are read from and written to; None: ``find_notebooks()``."""


def find_notebooks(folder: Path | None = None) -> Path:
    """The folder of the lessons' notebooks: ``folder`` if given, else ``./notebooks`` (a clone,
    whatever the install), else the checkout's beside this package. A folder counts when it holds
    a lesson's solution; where none does, the error says where it looked, in one line."""
    candidates = [folder] if folder else [Path.cwd() / "notebooks", CHECKOUT_NOTEBOOKS]
    for candidate in candidates:
        if candidate.is_dir() and any(candidate.glob("[0-9][0-9]_*_solution.ipynb")):
            return candidate
    raise DataError(
        f"no lesson notebooks in {' or '.join(str(c) for c in dict.fromkeys(candidates))}: "
        "run from a clone of flowers-lab, or pass --notebooks DIR"
    )


def notebooks() -> Path:
    """``NOTEBOOKS``, or the folder ``find_notebooks()`` finds."""
    return NOTEBOOKS or find_notebooks()


RUNTIMES = {"V5E1": "TPU", "V6E1": "TPU", "T4": "GPU", "L4": "GPU"}
"""Colab's accelerator names (a notebook's ``colab.gpuType``) and the kind of runtime each is."""


SHORT_TRAINING = {"EPOCHS": 2, "STEP_EPOCHS": 1, "STEPS_PER_EPOCH": 2, "ROUNDS": 1, "REPEATS": 1}
"""What ``Lesson.parameters(quick=True, short_training=True)`` trains with."""


@dataclass(frozen=True)
class Point:
    """Something a lesson teaches that its reported figures show, or not."""

    says: str
    """The point, as the report names it when the figures do not show it."""
    shown: Callable[[dict], bool]
    """Whether the lesson's figures show it."""
    at_quick: bool = True
    """Whether the quick run's budget shows it (the tests assert those); where not, the quick run's
    report marks it as not shown at this budget, rather than let it contradict the lesson."""
    untrained: bool = False
    """Whether it shows after a short training on any number of devices too (sizes, not accuracies)."""

    def not_shown(self, figures: dict) -> bool:
        """Whether ``figures`` (a lesson's report) fail to show the point; False where they lack a figure."""
        try:
            return not self.shown(figures)
        except KeyError:
            return False


@dataclass(frozen=True)
class Lesson:
    """One lesson: a solution notebook (the source) and the playground made from it."""

    number: int
    slug: str
    title: str
    quick: dict = field(default_factory=dict)
    """Parameters that make the lesson small enough for CI (the defaults are the workshop's), and
    repeatable where it trains (``SEED``: the same figures every run on one machine)."""
    target: str = ""
    """What to expect with the real photos: the original workshop's result, said as the original's
    (this edition has not been measured on the real photos: they need the network)."""
    runtime: str | None = "V5E1"
    """The Colab accelerator the lesson opens on (its notebooks' metadata, ``RUNTIMES``): the TPU
    runtime's v5e chip, the workshop's; None: a CPU runtime will do."""
    points: tuple[Point, ...] = ()
    """What the lesson's figures should show."""

    def parameters(self, quick: bool, short_training: bool = False) -> dict:
        """What to run the lesson's notebook with: nothing (the workshop's defaults), or the
        quick ones; with ``short_training`` their models train for one short epoch only (for
        playgrounds, whose starters are not meant to learn, and for re-runs that compare outputs
        which do not depend on training)."""
        if not quick:
            return {}
        if not short_training:
            return dict(self.quick)
        names = self.parameter_names()
        return {**self.quick, **{name: value for name, value in SHORT_TRAINING.items() if name in names}}

    def parameter_names(self) -> set[str]:
        """The names the solution's ``parameters`` cell assigns."""
        return set(self.defaults())

    def defaults(self) -> dict:
        """The values the solution's ``parameters`` cell assigns: the lesson's own sizes."""
        import nbformat

        cells = nbformat.read(self.solution, as_version=4).cells
        found: dict = {}
        exec(next(c.source for c in cells if "parameters" in c.metadata.get("tags", [])), found)
        return {name: value for name, value in found.items() if not name.startswith("__")}

    @property
    def solution(self) -> Path:
        return notebooks() / f"{self.number:02d}_{self.slug}_solution.ipynb"

    @property
    def playground(self) -> Path:
        return notebooks() / f"{self.number:02d}_{self.slug}_playground.ipynb"


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        1,
        "tf_data",
        "Fun with tf.data.Dataset",
        quick={"SAMPLE_PER_CLASS": 20, "IMAGES_TO_TIME": 60, "LATENCY_MS": 20},
        target="a dataset of (image, label) pairs; one-file-at-a-time loading rates",
        runtime=None,
        points=(
            Point(
                "files opened in parallel overlap their round trips: 3 times the rate of one at a time, or more",
                lambda f: f["parallel_bucket_images_per_s"] > 3 * f["bucket_images_per_s"],
            ),
        ),
    ),
    Lesson(
        2,
        "tfrecords",
        "Flower pictures to TFRecords",
        quick={"SAMPLE_PER_CLASS": 20, "IMAGE_SIZE": 96, "IMAGES_TO_TIME": 60, "LATENCY_MS": 20},
        target="16 shards written and read back; shards beat single files behind a round trip",
        runtime=None,
        points=(
            Point(
                "with as many files in flight, shards beat single files behind a round trip",
                lambda f: f["shards_bucket_images_per_s"] > f["files_bucket_images_per_s"],
            ),
        ),
    ),
    Lesson(
        3,
        "transfer_learning",
        "Transfer learning",
        quick={"SAMPLE_PER_CLASS": 250, "IMAGE_SIZE": 48, "EPOCHS": 8, "WEIGHTS": "offline", "SEED": 0},
        target="the original reached 86% validation accuracy in 10 epochs with ImageNet weights (its target: about "
        "75%); the dense classifier far below",
        points=(
            Point(
                "for as many epochs, the dense classifier on pixels far below the frozen backbone (0.2 or more)",
                lambda f: f["dense_validation_accuracy"] < f["validation_accuracy"] - 0.2,
            ),
        ),
    ),
    Lesson(
        4,
        "convnet",
        "Your own convnet",
        quick={"SAMPLE_PER_CLASS": 250, "IMAGE_SIZE": 48, "STEP_EPOCHS": 3, "EPOCHS": 8, "SEED": 0},
        target="the original's model (step 3) reached 70% validation accuracy in 20 epochs (its target: beat "
        "lesson 3's 75%)",
        points=(
            Point(
                "global average pooling does as well as the Flatten head (within 0.02), with far fewer weights",
                lambda f: f["gap_validation_accuracy"] >= f["flatten_validation_accuracy"] - 0.02,
                at_quick=False,
            ),
            Point(
                "step 3's deeper convnet, trained on, above both earlier steps",
                lambda f: (
                    f["validation_accuracy"] > max(f["flatten_validation_accuracy"], f["gap_validation_accuracy"])
                ),
                at_quick=False,
            ),
        ),
    ),
    Lesson(
        5,
        "squeezenet",
        "Squeezenet, the functional way",
        quick={"SAMPLE_PER_CLASS": 250, "IMAGE_SIZE": 48, "EPOCHS": 8, "SEED": 0},
        target="the original reached 81% validation accuracy in 35 epochs (its target: 80%)",
    ),
    Lesson(
        6,
        "xception",
        "Xception, fine-tuned",
        quick={"SAMPLE_PER_CLASS": 250, "IMAGE_SIZE": 48, "EPOCHS": 8, "WEIGHTS": "offline", "SEED": 0},
        target="the original reached 96.8% validation accuracy in 12 epochs with ImageNet weights (its target: "
        "above 95%); offline, lesson 3's pretrained network fine-tuned ends about where lesson 3's frozen one did",
        points=(
            Point("the training loss falls", lambda f: f["training_loss"] < f["first_training_loss"]),
            Point(
                "fine-tuned from pretrained weights, 0.8 or more (offline, lesson 3's network at the quick budget: "
                "0.928-0.937 over seeds 0-3 on TensorFlow, 0.932 on JAX; Xception from random weights: below chance)",
                lambda f: f["validation_accuracy"] >= 0.8,
            ),
        ),
    ),
    Lesson(
        7,
        "uncertainty",
        "How sure is the model? Active learning",
        quick={
            "SAMPLE_PER_CLASS": 250,
            "IMAGE_SIZE": 32,
            "EPOCHS": 3,
            "PASSES": 4,
            "ROUNDS": 2,
            "ROUND_EPOCHS": 30,
            "REPEATS": 1,
            "SEED": 0,
        },
        target="Galaxy Zoo needed 35-60% fewer labels with BALD than at random; this edition's measured saving "
        "on the sample and on real digits is in BENCHMARKS.md",
        points=(
            Point(
                "on the real digits, choosing by uncertainty (BALD, max entropy) ends above random (it did from 80 "
                "labels on in BENCHMARKS.md)",
                lambda f: (
                    min(f["digits_bald_accuracy"], f["digits_max_entropy_accuracy"]) >= f["digits_random_accuracy"]
                ),
                at_quick=False,
            ),
        ),
    ),
    Lesson(
        8,
        "litert",
        "Ship it to a phone: LiteRT",
        quick={"SAMPLE_PER_CLASS": 250, "IMAGE_SIZE": 48, "EPOCHS": 3, "REPRESENTATIVE_IMAGES": 100, "SEED": 0},
        target="int8 at most 30% of float32's size, losing at most 2 points of accuracy (the issue's target)",
        points=(
            Point(
                "int8 at most 30% of float32's size, float16 about half",
                lambda f: f["int8_kb"] <= 0.3 * f["float32_kb"] and f["float16_kb"] < 0.55 * f["float32_kb"],
                untrained=True,
            ),
            Point(
                "int8 loses at most 2 points of float32's accuracy",
                lambda f: f["int8_accuracy"] >= f["float32_accuracy"] - 0.02,
            ),
        ),
    ),
    Lesson(
        9,
        "profiling",
        "Is the accelerator waiting for data?",
        quick={"SAMPLE_PER_CLASS": 250, "IMAGE_SIZE": 32, "STEPS": 12},
        target="one file at a time: the model waits most of each step; parallel, cached and prefetched shards: "
        "at least 90% of the rate from batches in memory",
        points=(
            Point("one file at a time, the model waits most of each step", lambda f: f["files_input_wait"] > 0.5),
            Point(
                "mended, the model waits at most 10% of each step: 90% of its rate or more",
                lambda f: f["fast_input_wait"] <= 0.1,
                untrained=True,
            ),
            Point(
                "each pipeline waits less of each step than the one before: one file at a time, shards one by one, "
                "parallel, cached and prefetched (their rates: once two keep up with the CPU's compute, they tie)",
                lambda f: f["files_input_wait"] > f["shards_input_wait"] > f["fast_input_wait"],
            ),
        ),
    ),
    Lesson(
        10,
        "modern_convnets",
        "From VGG to ResNet to EfficientNet",
        quick={
            "SAMPLE_PER_CLASS": 100,
            "IMAGE_SIZE": 32,
            "EPOCHS": 8,
            "BLOCKS_PER_STAGE": 2,
            "TWIN_SEEDS": 1,
            "FINE_TUNE_EPOCHS": 6,
            "WEIGHTS": "offline",
            "SEED": 0,
        },
        target="EfficientNet-B0: 77.1% top-1 on ImageNet with 5.3M weights, ResNet-50 76.0% with 26M (Tan and Le "
        "2019, Table 2); on the flowers, not measured by the original workshop",
        points=(
            Point(
                "the MBConv network has the fewest weights of the three",
                lambda f: f["efficientnet_weights"] < min(f["vgg_weights"], f["resnet_weights"]),
                untrained=True,
            ),
            Point(
                "the deep residual twin ends with a lower training loss than its plain twin (He et al. 2016, Fig. 4; "
                "at 32 layers it did on every seed of 0-2, at the quick run's 14 it did not: BENCHMARKS.md)",
                lambda f: f["residual_training_loss"] < f["plain_training_loss"],
                at_quick=False,
            ),
            Point(
                "the pretrained network fine-tuned, 0.4 or more (offline, lesson 3's network at the quick run's 32 px "
                "and 6 epochs: 0.594; EfficientNet-B0 from random weights: 0.18, below chance)",
                lambda f: f["validation_accuracy"] >= 0.4,
            ),
        ),
    ),
    Lesson(
        11,
        "training_step",
        "Inside fit: a training step by hand",
        quick={"SAMPLE_PER_CLASS": 250, "IMAGE_SIZE": 48, "EPOCHS": 10, "SEED": 0},
        target="your loop and fit with your train_step train the small convnet as fit does (not in the original "
        "workshop)",
        points=(
            Point(
                "your loop and fit with your train_step each train the convnet to 0.45 or more (fit's built-in step: "
                "0.55-0.62 over seeds 0-1 at the quick budget)",
                lambda f: min(f["loop_validation_accuracy"], f["validation_accuracy"]) >= 0.45,
            ),
        ),
    ),
)


def lesson(number: int) -> Lesson:
    """The lesson with this number."""
    for candidate in LESSONS:
        if candidate.number == number:
            return candidate
    raise ValueError(f"no lesson {number}: lessons are {', '.join(str(x.number) for x in LESSONS)}")
