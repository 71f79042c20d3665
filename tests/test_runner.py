"""flowers-lab run: executed copies go to build/, failures name lesson, cell and error, and the
table shows what each lesson reported."""

import io
import json

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from flowers_lab.authoring import curriculum
from flowers_lab.authoring.curriculum import Lesson
from flowers_lab.authoring.runner import NOT_SHOWN, LessonRun, run_lessons, table, write_report


def _notebook(path, *sources):
    notebook = new_notebook(cells=[new_code_cell(source) for source in sources])
    notebook.cells[0].metadata["tags"] = ["parameters"]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)


@pytest.mark.slow
def test_a_run_reports_figures_and_a_failure_with_its_cell(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(curriculum, "NOTEBOOKS", tmp_path)
    good, bad = Lesson(8, "good", "A good lesson", quick={"RATE": 0.5}), Lesson(9, "bad", "A bad lesson")
    _notebook(
        good.solution,
        "RATE = 1.0",
        "from flowers_lab.results import report\nreport(validation_accuracy=RATE, images_per_s=120.0)",
    )
    _notebook(bad.solution, "DIVISOR = 0", "1 / DIVISOR")
    before = good.solution.read_bytes()
    runs = run_lessons([good, bad], out=tmp_path / "build", quick=True)
    assert good.solution.read_bytes() == before, "the committed notebook is never written"
    assert (tmp_path / "build" / "notebooks" / good.solution.name).exists()
    assert runs[0].figures == {"validation_accuracy": 0.5, "images_per_s": 120.0} and runs[0].status == "ok"
    assert runs[1].status == "failed" and runs[1].error.startswith("cell 2: ZeroDivisionError: division by zero")
    printed = table(runs).splitlines()
    assert printed[0].split() == ["lesson", "status", "time", "val.", "accuracy", "figures"]
    assert "8 A good lesson" in printed[1] and " ok " in printed[1] and "0.500" in printed[1]
    assert "images per s 120" in printed[1]
    assert "9 A bad lesson" in printed[2] and "failed" in printed[2] and "ZeroDivisionError" in printed[2]
    assert "lesson 9: failed" in capsys.readouterr().out
    assert runs[0].environment["backend"] == "tensorflow" and "keras" in runs[0].environment

    runs[0].environment.update(data="sample", images=1250, image_size=48, replicas=8)  # as the lesson notes them
    as_json, as_markdown = write_report(runs, tmp_path / "build")
    written = json.loads(as_json.read_text())
    assert written["environment"]["keras"] == runs[0].environment["keras"]
    good_entry, bad_entry = written["lessons"]
    assert (good_entry["lesson"], good_entry["status"], good_entry["validation_accuracy"]) == (8, "ok", 0.5)
    assert good_entry["training_accuracy"] is None and good_entry["seconds"] > 0
    assert bad_entry["status"] == "failed" and bad_entry["error"].startswith("cell 2: ZeroDivisionError")
    markdown = as_markdown.read_text().splitlines()
    assert markdown[0].startswith("# flowers-lab run, ")
    assert "keras 3." in markdown[2] and "backend tensorflow" in markdown[2]
    assert "image_size" not in markdown[2], "what differs by lesson is in the table, not the environment line"
    assert "| 8 A good lesson | ok | tensorflow, 8 replicas |" in markdown[6] and "| - | 50.0% |" in markdown[6]
    assert markdown[6].endswith("| sample, 1,250 images at 48 px |")
    assert markdown[-5:] == [
        "Figures:",
        "- lesson 8: images per s 120",
        "",
        "Failures:",
        f"- lesson 9: {runs[1].error}",
    ]


def test_short_training_cuts_only_the_training_parameters_a_notebook_has():
    convnet, tfrecords = curriculum.lesson(4), curriculum.lesson(2)
    assert convnet.parameters(quick=False) == {}
    assert convnet.parameters(quick=True) == convnet.quick and convnet.quick["EPOCHS"] > 1
    short = convnet.parameters(quick=True, short_training=True)
    assert short == {**convnet.quick, "STEP_EPOCHS": 1, "EPOCHS": 2, "STEPS_PER_EPOCH": 2}
    assert "ROUNDS" not in short, "lesson 4 has no rounds of active learning"
    assert tfrecords.parameters(quick=True, short_training=True) == tfrecords.quick


def test_the_report_marks_a_point_the_figures_do_not_show_and_keeps_quiet_where_they_do(tmp_path):
    """A quick run trains less than a lesson: where its figures contradict the lesson's point,
    the table and the report say so, rather than let an instructor read them as the lesson's."""
    pooling = curriculum.Point("pooling as good as Flatten", lambda f: f["gap"] >= f["flatten"] - 0.02, at_quick=False)
    lesson = Lesson(4, "convnet", "Your own convnet", points=(pooling,))
    shown = LessonRun(lesson, tmp_path / "a.ipynb", 1.0, {"gap": 0.6, "flatten": 0.5})
    contradicted = LessonRun(lesson, tmp_path / "b.ipynb", 1.0, {"gap": 0.32, "flatten": 0.51})
    unreported = LessonRun(lesson, tmp_path / "c.ipynb", 1.0, {"flatten": 0.51})  # failed before reporting gap
    assert (shown.not_shown, contradicted.not_shown, unreported.not_shown) == ([], ["pooling as good as Flatten"], [])
    assert "(not shown: pooling as good as Flatten)" in table([contradicted]).splitlines()[1]
    assert "not shown" not in table([shown])
    as_json, as_markdown = write_report([shown, contradicted], tmp_path / "build")
    assert [entry["not_shown"] for entry in json.loads(as_json.read_text())["lessons"]] == [[], [pooling.says]]
    markdown = as_markdown.read_text().splitlines()
    assert markdown[-2:] == [NOT_SHOWN, "- lesson 4: pooling as good as Flatten"]
    _, quiet = write_report([shown], tmp_path / "quiet")
    assert NOT_SHOWN not in quiet.read_text()


@pytest.mark.slow
def test_progress_says_which_lesson_which_cell_and_the_last_runs_time(tmp_path, monkeypatch):
    monkeypatch.setattr(curriculum, "NOTEBOOKS", tmp_path)
    lessons = [Lesson(8, "one", "One"), Lesson(9, "two", "Two")]
    for lesson in lessons:
        _notebook(lesson.solution, "RATE = 1.0", "RATE * 2")
    first = io.StringIO()
    runs = run_lessons(lessons, out=tmp_path / "build", log=None, progress=first)
    assert "lesson 8 (1 of 2):" in first.getvalue() and "lesson 9 (2 of 2):" in first.getvalue()
    assert "1/2 [00:0" in first.getvalue(), "cells done of the notebook's, and the time so far"
    write_report(runs, tmp_path / "build")
    again = io.StringIO()
    run_lessons(lessons[:1], out=tmp_path / "build", log=None, progress=again)
    reported = json.loads((tmp_path / "build" / "report.json").read_text())["lessons"][0]["seconds"]
    assert f"lesson 8 (1 of 1, {reported:.0f} s last time):" in again.getvalue()
    quiet = run_lessons(lessons[:1], out=tmp_path / "quiet", log=None)  # no terminal: no bar
    assert quiet[0].status == "ok"
