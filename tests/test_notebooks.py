"""Every lesson executed end to end with CI's small parameters: the solution by papermill (every
check says Correct, and the lesson reports its figures), its playground as given by nbval (every
cell runs, every check says Not yet). The playground with the solutions pasted in is the
solution's code, cell for cell (tests/test_playgrounds.py)."""

import os
import subprocess
import sys

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_output

from flowers_lab.accelerator import virtual_devices
from flowers_lab.authoring.curriculum import LESSONS
from flowers_lab.authoring.playgrounds import KEY
from flowers_lab.authoring.runner import run_notebook


def _outputs(path):
    """The text each code cell printed or displayed, by cell."""
    texts = []
    for cell in nbformat.read(path, as_version=4).cells:
        text = ""
        for output in cell.get("outputs", []):
            text += output.get("text", "") + output.get("data", {}).get("text/plain", "")
        texts.append((cell, text))
    return texts


def every_check_says_correct(executed):
    """Each check cell of an executed lesson printed exactly one verdict, and each says Correct."""
    said = [(cell, text) for cell, text in _outputs(executed) if cell.source.startswith("check.")]
    assert said and all(text.startswith("✅ Correct") and text.count("Correct:") == 1 for _, text in said), said


MIN_VALIDATION_ACCURACY = {3: 0.85, 4: 0.5, 5: 0.7}
"""Thresholds for the training lessons on the offline sample with their quick parameters (48 px,
250 per class, 8 epochs), set from measurement: lesson 3's frozen offline backbone 0.937 (its dense
classifier, as many epochs, 0.481; at 12 epochs, seeds 0-3 of the sample: 0.928-0.945 and
0.468-0.586 at best, benchmarks/sample_story.py); lesson 4 0.650, 0.684, 0.713 and 0.717
(TensorFlow), 0.705 and 0.671 (JAX on 2 devices), 0.658, 0.696 and 0.751 (JAX on 8); lesson 5 0.827 and
0.814 (0.667 in 5 epochs: below lesson 4, so it trains as long); chance is 0.2."""


def _lesson_figures_hold(lesson, figures, story=True):
    """What each lesson must show beyond its accuracy threshold: the points its quick budget shows
    (``curriculum.Point``; with ``story`` false, after short training on any number of devices,
    only those that do not depend on training), and that it reported what it should."""
    expected = [point for point in lesson.points if (point.at_quick if story else point.untrained)]
    unshown = [point.says for point in expected if not point.shown(figures)]  # a figure missing fails too
    assert not unshown, (unshown, figures)
    if story:  # the points a quick run may not show read figures the lesson reports (KeyError otherwise)
        assert all(isinstance(point.shown(figures), bool) for point in lesson.points)
    if lesson.number == 7:  # each strategy ran on both sets; real digits are learnt from 40 labels
        # (random's final accuracy after 3 rounds, seeds 0-5: 0.63-0.71; the quick run's 2 rounds: 0.567, 0.592)
        for data in ("flowers", "digits"):
            assert {f"{data}_{s}_accuracy" for s in ("bald", "max_entropy", "random")} <= set(figures), figures
        assert not story or figures["digits_random_accuracy"] > 0.4, figures
    if lesson.number == 8:
        assert abs(figures["float32_accuracy"] - figures["validation_accuracy"]) < 0.005, "float32 runs as Keras"
    if lesson.number == 9:  # a profile with the steps marked and tf.data's events
        assert figures["traces"] >= 1 and figures["traced_steps"] == 3 and figures["traced_pipeline_events"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.solution.stem)
def test_the_solution_runs_passes_its_checks_and_reports(lesson, data_root, tmp_path, capfd):
    executed = tmp_path / lesson.solution.name
    figures, error, environment = run_notebook(lesson.solution, executed, lesson.quick, verbose=False)
    assert error is None, error
    printed = capfd.readouterr()  # TensorFlow's, the kernel's and the converter's lines go to the log
    assert (printed.out, printed.err) == ("", ""), printed
    assert executed.with_suffix(".stderr.log").exists()
    assert figures and all(value > 0 for value in figures.values())
    if lesson.number in MIN_VALIDATION_ACCURACY:
        assert figures["validation_accuracy"] >= MIN_VALIDATION_ACCURACY[lesson.number], figures
    _lesson_figures_hold(lesson, figures)
    assert environment["backend"] == "tensorflow" and environment["keras"].startswith("3.")
    if "IMAGE_SIZE" in lesson.quick and lesson.number > 2:  # the training lessons read the sample's shards
        assert (environment["accelerator"], environment["replicas"], environment["data"]) == ("cpu", 1, "sample")
        assert environment["images"] == 5 * lesson.quick["SAMPLE_PER_CLASS"], environment
    built = [text for cell, text in _outputs(executed) if "offline_backbone(IMAGE_SIZE)" in cell.source]
    if built:  # lessons 6 and 10: offline, lesson 3's pretrained network is fine-tuned, and the lesson says so
        assert built[0].startswith("fine-tuning lesson 3's offline MobileNetV2 (alpha 0.35) in place of"), built
    every_check_says_correct(executed)


BACKEND = "tensorflow"
"""The Keras backend the playgrounds run on, asserted by their last cell (the solutions run on
TensorFlow in ``make test``, on JAX over 8 devices in ``make test-thorough``, and on JAX alone in
``make test-tpu-runtime``)."""

HINT = "❌ Not yet: (a hint)"
SANITIZE = "[hint]\nregex: ❌ Not yet: .*\nreplace: ❌ Not yet: (a hint)\n"
"""For nbval: any hint reads as ``HINT``, so that a check cell's output compares equal to it
exactly when it says Not yet."""


def _playground_for_nbval(lesson, copy):
    """The lesson's playground as committed, with CI's short parameters set after its parameters
    cell and ``HINT`` as the expected output of each check: under nbval, a cell that raises or a
    check that does not say Not yet fails the run."""
    notebook = nbformat.read(lesson.playground, as_version=4)
    given = next(i for i, cell in enumerate(notebook.cells) if "parameters" in cell.metadata.get("tags", []))
    short = lesson.parameters(quick=True, short_training=True)
    notebook.cells.insert(given + 1, new_code_cell("\n".join(f"{name} = {value!r}" for name, value in short.items())))
    notebook.cells.append(new_code_cell(f"import keras\nassert keras.backend.backend() == {BACKEND!r}"))
    exercises = [i for i, cell in enumerate(notebook.cells) if "exercise" in cell.metadata.get(KEY, {})]
    assert exercises, "a playground has exercises"
    for index in exercises:
        check = notebook.cells[index + 1]
        assert check.source.startswith("check."), "each exercise is followed by its check"
        check.metadata["tags"] = [*check.metadata.get("tags", []), "nbval-check-output"]
        check.execution_count = 1  # nbval compares the outputs of cells that ran
        check.outputs = [new_output("execute_result", data={"text/plain": HINT}, execution_count=1)]
    copy.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, copy)
    (copy.parent / "sanitize.cfg").write_text(SANITIZE)
    return copy


@pytest.mark.slow
@pytest.mark.thorough
@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.playground.stem)
def test_the_playground_runs_to_the_end_and_each_check_says_not_yet(lesson, data_root, tmp_path):
    """nbval runs the playground as a learner first opens it (CI's short parameters): every cell
    runs, every check gives a hint, and a last cell asserts the backend."""
    copy = _playground_for_nbval(lesson, tmp_path / lesson.playground.name)
    nbval = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--nbval-sanitize-with",
            "sanitize.cfg",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(copy.parent),
            copy.name,
        ],
        cwd=copy.parent,
        env={**os.environ, "KERAS_BACKEND": BACKEND},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert nbval.returncode == 0, nbval.stdout[-3000:]
    cells = sum(cell.cell_type == "code" for cell in nbformat.read(copy, as_version=4).cells)
    assert f"{cells} passed" in nbval.stdout, nbval.stdout[-500:]


FINE_TUNED = {6: ("xception", 71), 10: ("efficientnetb0", 32)}
"""The ImageNet networks lessons 6 and 10 fine-tune (their Keras names, their smallest inputs):
offline the quick runs fine-tune lesson 3's backbone instead, so the 8-device runs build these,
with random weights."""


@pytest.mark.slow
@pytest.mark.thorough
@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.solution.stem)
def test_the_solution_runs_on_jax_over_8_devices(lesson, data_root, tmp_path):
    """Every solution with JAX on 8 virtual devices of the CPU, as on a TPU v5e-8: every cell runs
    and every check says Correct; the distribution that detect() sets applies to the lesson's fit,
    evaluate and predict, unchanged. Short training: the accuracy thresholds are asserted on
    TensorFlow here and on JAX by ``make test-tpu-runtime``."""
    executed = tmp_path / lesson.solution.name
    parameters = lesson.parameters(quick=True, short_training=True)
    if "BATCH_SIZE" in lesson.parameter_names():
        parameters["BATCH_SIZE"] = 32  # 4 images per device: as many steps as one CPU makes
    if lesson.number in FINE_TUNED:  # the ImageNet network itself, as a TPU v5e-8 fine-tunes it (random weights)
        parameters.update(WEIGHTS=None, IMAGE_SIZE=max(parameters["IMAGE_SIZE"], FINE_TUNED[lesson.number][1]))
    eight = virtual_devices(8)
    figures, error, environment = run_notebook(lesson.solution, executed, parameters, backend="jax", environ=eight)
    assert error is None, error
    assert os.environ.get("KERAS_BACKEND") != "jax", "the backend is the kernel's, not this process's"
    assert "XLA_FLAGS" not in os.environ or os.environ["XLA_FLAGS"] != eight["XLA_FLAGS"]
    setup_output = next(text for cell, text in _outputs(executed) if "choose_backend" in cell.source)
    assert setup_output.startswith("flowers_lab: Keras backend jax (set by KERAS_BACKEND)")
    assert figures and environment["backend"] == "jax" and "jax" in environment
    every_check_says_correct(executed)
    if lesson.number > 2:  # the lessons that train look for the accelerator
        detected = next(text for cell, text in _outputs(executed) if cell.source.startswith("accelerator = detect()"))
        assert "CPU, 8 replicas on jax (DataParallel), batch size 256 (32 per replica)" in detected, detected
        assert environment["replicas"] == 8, environment
    _lesson_figures_hold(lesson, figures, story=False)  # lesson 8's files and 9's profile are made on JAX too
    if lesson.number in FINE_TUNED:
        built = next(text for cell, text in _outputs(executed) if "offline_backbone(IMAGE_SIZE)" in cell.source)
        assert FINE_TUNED[lesson.number][0] in built and "MobileNetV2" not in built, built[:2000]
