"""Running a lesson's solution cells outside the notebook: its exercise cells as the solution or
as the starter (for the tests of the checks), and the models it builds (for tests and benchmarks)."""

from __future__ import annotations

import ast
import contextlib
import io
import linecache
import re

import keras
import nbformat

from flowers_lab.accelerator import Accelerator
from flowers_lab.authoring.curriculum import lesson
from flowers_lab.authoring.playgrounds import KEY

DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)


def cells(number: int) -> list:
    """The code cells of a lesson's solution, but for the setup cell."""
    return [
        c
        for c in nbformat.read(lesson(number).solution, as_version=4).cells
        if c.cell_type == "code" and c.metadata.get(KEY, {}).get("role") != "setup"
    ]


def exercise(number: int, defines: str) -> tuple[str, str]:
    """(solution, starter) of the exercise cell of lesson ``number`` that defines ``defines``."""
    for cell in cells(number):
        meta = cell.metadata.get(KEY, {})
        if "exercise" in meta and re.search(
            rf"^\s*(def {defines}\(|class {defines}\(|{defines} = )", cell.source, re.MULTILINE
        ):
            return cell.source, meta["starter"]
    raise LookupError(f"lesson {number} has no exercise defining {defines}")


def namespace(number: int, image_size: int = 32, **names) -> dict:
    """What the imports and function definitions of the lesson's cells define (the solution's), with
    the names the model cells read: IMAGE_SIZE, a one-CPU accelerator, no pretrained weights."""
    found = {
        "IMAGE_SIZE": image_size,
        "accelerator": Accelerator("cpu", 1, keras.backend.backend()),
        "weights": None,
        "alpha": 0.35,
        **names,
    }
    from IPython.core.inputtransformer2 import TransformerManager

    python = TransformerManager().transform_cell  # a cell's %magics as the Python they run
    for cell in cells(number):
        for node in ast.parse(python(cell.source)).body:
            if isinstance(node, DEFINITIONS):
                exec(compile(ast.Module([node], type_ignores=[]), f"lesson {number}", "exec"), found)
    return found


def answer(number: int, defines: str, starter: bool = False, image_size: int = 32, **names):
    """What the exercise cell defining ``defines`` defines, run as the solution or the starter;
    its source is in ``linecache`` as a notebook cell's is, so that ``inspect`` finds it."""
    solution, start = exercise(number, defines)
    found = namespace(number, image_size, **names)
    source = start if starter else solution
    filename = f"<lesson {number}: {defines}{' starter' if starter else ''}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)  # for inspect
    with contextlib.redirect_stdout(io.StringIO()):  # model.summary()
        exec(compile(source, filename, "exec"), found)
    return found[defines]
