"""What the offline sample teaches when the lessons' models train on it at equal budgets (the
same 48 px images, 250 per class, 12 epochs, batch 32, Adam): a dense net on pixels stays far
below a small convnet, which learns in a few epochs but not in one; squeezenet with batch
normalisation beats the convnet, and the frozen offline backbone with a new head beats it too.
Margins from benchmarks/sample_story.py over seeds 0-3 (BENCHMARKS.md): convnet 0.69-0.84, dense
0.19-0.34 below it, squeezenet 0.02-0.21 above it, the frozen backbone 0.09-0.25 above it."""

from pathlib import Path

import pytest

from flowers_lab.authoring.curriculum import lesson
from flowers_lab.authoring.runner import LessonRun, write_report
from flowers_lab.authoring.story import equal_budget, fine_tuning_told, told


def test_the_report_says_whether_the_lessons_tell_the_story_and_which_step_breaks_it(tmp_path):
    figures = {
        3: {"dense_validation_accuracy": 0.4, "validation_accuracy": 0.9},
        4: {"validation_accuracy": 0.7},
        5: {"validation_accuracy": 0.8},
    }
    assert told(figures) == "dense 0.400 < convnet 0.700 < squeezenet 0.800 < transfer 0.900: holds"
    figures[5]["validation_accuracy"] = 0.7  # a tie is not a win
    assert (
        told(figures)
        == "dense 0.400, convnet 0.700, squeezenet 0.700, transfer 0.900: does not hold (squeezenet not above convnet)"
    )
    figures[3]["validation_accuracy"] = 0.6
    assert told(figures).endswith(": does not hold (squeezenet not above convnet, transfer not above squeezenet)")
    runs = [LessonRun(lesson(number), Path(f"{number}.ipynb"), 1.0, figures[number]) for number in (3, 4, 5)]
    markdown = write_report(runs, tmp_path)[1].read_text()
    assert "The workshop's story (validation accuracy, lessons 3-5): dense 0.400, convnet 0.700" in markdown
    write_report(runs[1:], tmp_path)  # lesson 3 did not run: nothing to say
    assert told({4: figures[4], 5: figures[5]}) is None and "story" not in (tmp_path / "report.md").read_text()


def test_the_report_says_whether_fine_tuning_ended_above_the_frozen_backbone_and_why_not_offline(tmp_path):
    figures = {3: {"validation_accuracy": 0.86}, 6: {"validation_accuracy": 0.968}}
    assert fine_tuning_told(figures) == "lesson 6 fine-tuned 0.968 > lesson 3 frozen 0.860: holds"
    assert fine_tuning_told(figures, offline=True).endswith(": holds")
    figures[6]["validation_accuracy"] = 0.86  # a tie is not a win
    assert fine_tuning_told(figures) == "lesson 6 fine-tuned 0.860 > lesson 3 frozen 0.860: does not hold"
    assert fine_tuning_told({6: figures[6]}) is None
    runs = [
        LessonRun(lesson(3), Path("3.ipynb"), 1.0, {"validation_accuracy": 0.941}, environment={"data": "sample"}),
        LessonRun(lesson(6), Path("6.ipynb"), 1.0, {"validation_accuracy": 0.928}, environment={"data": "sample"}),
    ]
    markdown = write_report(runs, tmp_path)[1].read_text()
    assert (
        "Fine-tuning against the frozen backbone (validation accuracy): lesson 6 fine-tuned 0.928 > lesson 3 frozen "
        "0.941: does not hold (offline, lesson 6 fine-tunes lesson 3's backbone, which was pretrained on the five "
        "species)." in markdown
    )
    assert "The workshop's story" not in markdown, "lessons 4 and 5 did not run"


@pytest.mark.slow
@pytest.mark.thorough
def test_the_lessons_models_at_equal_budgets_tell_the_workshops_story(data_root):
    found = equal_budget(seed=0, rows=("dense", "convnet", "transfer"), log=print)  # lesson 4's sample
    best = {row: max(figures["validation"]) for row, figures in found.items()}
    convnet = found["convnet"]["validation"]
    assert convnet[0] < 0.5, "one epoch should not be enough: the sample would be trivial"
    assert best["convnet"] >= 0.70, found
    assert best["dense"] <= best["convnet"] - 0.15, found
    assert best["transfer"] >= best["convnet"] + 0.05, found
    # Squeezenet's best of 12 epochs beats the convnet's as soon as one epoch does: it stops there.
    squeezenet = equal_budget(seed=0, rows=("squeezenet",), stop_above=best["convnet"], log=print)["squeezenet"]
    assert max(squeezenet["validation"]) > best["convnet"], (squeezenet, found)
