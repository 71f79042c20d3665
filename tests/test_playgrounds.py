"""The notebooks as committed: clean, one source per lesson, and the check that catches drift."""

import shutil

import nbformat
import pytest

from flowers_lab.authoring import curriculum
from flowers_lab.authoring.curriculum import LESSONS, RELEASE, REPOSITORY
from flowers_lab.authoring.playgrounds import KEY, WORK_REQUIRED, sync
from flowers_lab.authoring.solutions import cells, exercise

NOTEBOOKS = sorted(curriculum.notebooks().glob("*.ipynb"))


def test_every_lesson_has_its_two_notebooks_and_nothing_else_is_there():
    expected = {path.name for lesson in LESSONS for path in (lesson.solution, lesson.playground)}
    assert {path.name for path in NOTEBOOKS} == expected


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_committed_without_outputs_or_execution_counts(path):
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: cell {cell.id}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_each_notebook_opens_with_title_badge_setup_and_parameters(path):
    cells = nbformat.read(path, as_version=4).cells
    roles = [cell.metadata.get(KEY, {}).get("role") for cell in cells[:4]]
    assert roles == ["title", "badge", None, "setup"]
    assert f"github/{REPOSITORY}/blob/{RELEASE}/notebooks/{path.name}" in cells[1].source
    assert f"git+https://github.com/{REPOSITORY}@{RELEASE}" in cells[3].source
    parameters = [cell for cell in cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(parameters) == 1 and cells.index(parameters[0]) > 3


def test_the_committed_notebooks_are_what_the_tool_makes():
    assert sync(check=True) == []


@pytest.fixture
def notebooks_copy(tmp_path, monkeypatch):
    for path in NOTEBOOKS:
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.setattr(curriculum, "NOTEBOOKS", tmp_path)
    return tmp_path


def _edit(path, change):
    notebook = nbformat.read(path, as_version=4)
    change(notebook)
    nbformat.write(notebook, path)


def test_the_check_fails_when_a_solution_changes_and_the_tool_mends_it(notebooks_copy):
    solution = LESSONS[0].solution

    def new_exercise_answer(notebook):
        cell = next(c for c in notebook.cells if "exercise" in c.metadata.get(KEY, {}))
        cell.metadata[KEY]["exercise"] = "a changed instruction."

    _edit(solution, new_exercise_answer)
    assert sync(check=True) == [LESSONS[0].playground.name]
    assert sync() == [LESSONS[0].playground.name]
    assert "# WORK REQUIRED: a changed instruction." in LESSONS[0].playground.read_text()
    assert sync(check=True) == []


def test_outputs_or_a_hand_edited_setup_cell_in_a_solution_are_drift(notebooks_copy):
    def edit_setup(notebook):
        setup = next(c for c in notebook.cells if c.metadata.get(KEY, {}).get("role") == "setup")
        setup.source = "%pip install flowers-lab  # the newest, whatever it is"
        setup.execution_count = 3

    _edit(LESSONS[1].solution, edit_setup)
    assert sync(check=True) == [LESSONS[1].solution.name]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.slug)
def test_playground_exercises_hold_the_starter_not_the_solution(lesson):
    solution = nbformat.read(lesson.solution, as_version=4).cells
    playground = nbformat.read(lesson.playground, as_version=4).cells
    assert len(solution) == len(playground)
    exercises = 0
    for mine, theirs in zip(solution, playground, strict=True):
        meta = mine.metadata.get(KEY, {})
        if "exercise" in meta:
            exercises += 1
            assert theirs.source == WORK_REQUIRED + meta["exercise"] + "\n" + meta["starter"]
            assert mine.source not in theirs.source
        elif meta.get("role") == "title":
            assert "(playground)" in theirs.source and lesson.solution.name in theirs.source
        elif meta.get("role") != "badge":
            assert theirs.source == mine.source
    assert exercises >= 1


@pytest.mark.parametrize("lesson", curriculum.LESSONS, ids=lambda lesson: lesson.slug)
def test_notebooks_open_in_colab_on_the_runtime_their_lesson_needs(lesson):
    for path in (lesson.solution, lesson.playground):
        metadata = nbformat.read(path, as_version=4).metadata
        if lesson.runtime is None:
            assert "accelerator" not in metadata, path.name
        else:
            assert (metadata["accelerator"], metadata["colab"]["gpuType"]) == ("TPU", lesson.runtime), path.name
    # The workshop runs on TPUs: every lesson that trains opens on the TPU runtime (one v5e chip)
    assert {lesson.runtime for lesson in curriculum.LESSONS if lesson.number > 2} == {"V5E1"}


def test_lesson_8_ships_lesson_4s_convnet_as_lesson_4_builds_it():
    """Lesson 8 repeats lesson 4's model cell so that its learner sees the model it exports; the
    two stay one idea: the cell is lesson 4's solution, word for word."""
    model_cell = exercise(4, "model")[0]
    assert model_cell in [cell.source for cell in cells(8)]


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.playground.stem)
def test_a_playground_with_the_solutions_pasted_in_is_the_solutions_code(lesson):
    """What a learner who solved every exercise runs is what CI ran as the solution, cell for cell."""
    solution = nbformat.read(lesson.solution, as_version=4)
    pasted = nbformat.read(lesson.playground, as_version=4)
    for cell, answer in zip(pasted.cells, solution.cells, strict=True):
        if "exercise" in cell.metadata.get(KEY, {}):
            assert cell.source.startswith(WORK_REQUIRED) and cell.source != answer.source
            cell.source = answer.source
    assert [c.source for c in pasted.cells if c.cell_type == "code"] == [
        c.source for c in solution.cells if c.cell_type == "code"
    ]
