"""Solution notebooks are the source; this makes their playgrounds and keeps both in step.

Cell metadata under ``"flowers_lab"`` says what the tool owns:
``{"role": "badge"}`` and ``{"role": "setup"}`` cells are written from the templates below
(the Colab badge and the install cell, from ``curriculum.REPOSITORY`` and ``RELEASE``);
``{"role": "title"}`` is the heading, whose "(solution)" becomes "(playground)";
``{"exercise": "what to do", "starter": "code"}`` marks a solution cell that the playground
replaces with ``# WORK REQUIRED: what to do`` and the starter code, which runs but is not yet
right, so a learner can run the whole playground and see where they stand.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import nbformat

from flowers_lab.authoring.curriculum import LESSONS, RELEASE, REPOSITORY, RUNTIMES, Lesson
from flowers_lab.errors import DataError

KEY = "flowers_lab"
WORK_REQUIRED = "# WORK REQUIRED: "


def colab_url(notebook_name: str) -> str:
    """The address that opens a notebook of this release in Colab."""
    return f"https://colab.research.google.com/github/{REPOSITORY}/blob/{RELEASE}/notebooks/{notebook_name}"


def badge(notebook_name: str) -> str:
    """Markdown of an "Open in Colab" badge for a notebook of this release."""
    return f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(notebook_name)})"


def setup_cell() -> str:
    """The first code cell: install ``flowers_lab`` in Colab, then choose the Keras backend."""
    return (
        "# In Colab: install flowers_lab, the version this notebook was written for.\n"
        "import importlib.util\n"
        "\n"
        'if importlib.util.find_spec("flowers_lab") is None:\n'
        f'    %pip install -q "flowers-lab @ git+https://github.com/{REPOSITORY}@{RELEASE}"\n'
        "\n"
        "# Keras runs on TensorFlow, or on JAX on a TPU runtime (which has no TensorFlow TPU\n"
        "# support); tf.data feeds the model from the host CPU either way.\n"
        "from flowers_lab.accelerator import choose_backend\n"
        "\n"
        "backend = choose_backend()"
    )


def colab_metadata(lesson: Lesson) -> dict:
    """Notebook metadata that makes Colab open the lesson on the runtime it needs."""
    if lesson.runtime is None:
        return {"colab": {"provenance": []}}
    return {"accelerator": RUNTIMES[lesson.runtime], "colab": {"provenance": [], "gpuType": lesson.runtime}}


def clean(notebook: nbformat.NotebookNode, lesson: Lesson, name: str) -> nbformat.NotebookNode:
    """The notebook with no outputs or execution counts, its setup cell and its badge (for
    the notebook file ``name``) written from the templates, and Colab's runtime metadata."""
    notebook = copy.deepcopy(notebook)
    for key in ("accelerator", "colab"):
        notebook.metadata.pop(key, None)
    notebook.metadata.update(colab_metadata(lesson))
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        role = cell.metadata.get(KEY, {}).get("role")
        if role == "setup":
            cell.source = setup_cell()
        elif role == "badge":
            cell.source = badge(name)
    return notebook


def playground(solution: nbformat.NotebookNode, lesson: Lesson) -> nbformat.NotebookNode:
    """The playground of a lesson, from its solution notebook."""
    notebook = clean(solution, lesson, lesson.playground.name)
    for cell in notebook.cells:
        meta = cell.metadata.get(KEY, {})
        if meta.get("role") == "title":
            cell.source = cell.source.replace("(solution)", "(playground)") + (
                "\n\n> **This is the playground.** Cells marked `WORK REQUIRED` are yours to write; the "
                "check after each one tells you whether your answer is right, and gives a hint if not. "
                f"Stuck? The answers are in `{lesson.solution.name}`."
            )
        elif "exercise" in meta:
            cell.source = WORK_REQUIRED + meta["exercise"] + "\n" + meta["starter"]
            cell.metadata[KEY] = {"exercise": meta["exercise"]}
    return notebook


def expected(lesson: Lesson) -> dict:
    """Path -> the text each of the lesson's notebooks should have."""
    if not lesson.solution.exists():
        raise DataError(f"{lesson.solution}: lesson {lesson.number}'s solution notebook is missing")
    solution = nbformat.read(lesson.solution, as_version=4)
    return {
        lesson.solution: nbformat.writes(clean(solution, lesson, lesson.solution.name)) + "\n",
        lesson.playground: nbformat.writes(playground(solution, lesson)) + "\n",
    }


def sync(lessons: Sequence[Lesson] = LESSONS, check: bool = False) -> list[str]:
    """Regenerate playgrounds and header cells (or, with ``check``, only compare); return
    the notebooks that differed from what the tool makes."""
    drifted = []
    for lesson in lessons:
        for path, text in expected(lesson).items():
            current = path.read_text() if path.exists() else None
            if current != text:
                drifted.append(path.name)
                if not check:
                    path.write_text(text)
    return drifted
