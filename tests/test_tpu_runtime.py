"""Every lesson as a learner gets it on Colab's TPU runtime, rebuilt by ``.ci/tpu-runtime``:
Python 3.13, the runtime's jax and keras, then a plain (non-editable) ``pip install`` of the
project. Each lesson runs quick on JAX through ``flowers-lab run``, as an instructor's pre-flight
does from a clone: the command finds the clone's notebooks in the working folder.

Run by ``make test-tpu-runtime`` with that environment's pytest; ``make test`` leaves these out
(marker ``tpu_runtime``): they test the installed package, not the checkout."""

import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

import pytest

import flowers_lab
from flowers_lab.authoring.curriculum import LESSONS

pytestmark = pytest.mark.tpu_runtime

CLONE = Path(__file__).resolve().parents[1]
PINS = dict(
    re.match(r"([a-z]+)(?:\[\w+\])?==(\S+)", line).groups()
    for line in (CLONE / ".ci" / "colab-tpu-runtime.txt").read_text().splitlines()
    if line and not line.startswith("#")
)
"""The runtime's own versions: {"jax": "0.7.2", "keras": "3.13.2"}."""

COMMAND = Path(sys.executable).parent / "flowers-lab"


def test_this_is_the_tpu_runtime_with_the_project_installed_not_linked():
    assert platform.python_version_tuple()[:2] == ("3", "13"), platform.python_version()
    assert Path(flowers_lab.__file__).is_relative_to(sys.prefix), (
        f"{flowers_lab.__file__}: not installed in {sys.prefix}"
    )
    import importlib.metadata

    assert {name: importlib.metadata.version(name) for name in PINS} == PINS, "the runtime's jax and keras are kept"


def test_run_outside_a_clone_says_where_it_looked_in_one_line(tmp_path):
    done = subprocess.run([COMMAND, "run", "--quick"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1 and done.stderr.count("\n") == 1, done.stderr
    assert done.stderr.startswith(f"flowers-lab: error: no lesson notebooks in {tmp_path / 'notebooks'} or ")
    assert not (tmp_path / "build").exists()


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.solution.stem)
def test_the_lesson_runs_quick_on_jax_from_the_installed_package(lesson, data_root, tmp_path):
    from test_notebooks import MIN_VALIDATION_ACCURACY, _lesson_figures_hold, every_check_says_correct

    out = tmp_path / "build"
    done = subprocess.run(
        [COMMAND, "run", "--quick", "--backend", "jax", "--lessons", str(lesson.number), "--out", str(out)],
        cwd=CLONE,  # a clone: its notebooks are found in the working folder
        env={**os.environ, "FLOWERS_LAB_DATA": str(data_root)},
        capture_output=True,
        text=True,
    )
    report = json.loads((out / "report.json").read_text())["lessons"][0]
    assert done.returncode == 0 and report["status"] == "ok", report["error"] or done.stderr[-2000:]
    assert done.stderr == "", "only the project's own words: " + done.stderr[-2000:]
    said = done.stdout.splitlines()
    assert re.fullmatch(rf"lesson {lesson.number}: ok in \d+ s", said[0]) and said[-1].startswith("report: "), said
    environment, figures = report["environment"], report["figures"]
    assert environment["backend"] == "jax" and environment["python"].startswith("3.13.")
    assert {name: environment[name] for name in PINS} == PINS
    if lesson.number > 2:
        assert environment["replicas"] == 1, "one v5e chip: one JAX device"
    if lesson.number in MIN_VALIDATION_ACCURACY:
        assert figures["validation_accuracy"] >= MIN_VALIDATION_ACCURACY[lesson.number], figures
    _lesson_figures_hold(lesson, figures)
    every_check_says_correct(report["notebook"])
