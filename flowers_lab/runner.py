"""Executing lessons with papermill and summing up how they went."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flowers_lab.curriculum import Lesson
from flowers_lab.results import MIME


@dataclass
class LessonRun:
    """How one executed notebook went."""

    lesson: Lesson
    notebook: Path
    seconds: float
    figures: dict = field(default_factory=dict)
    error: str | None = None

    @property
    def status(self) -> str:
        return "failed" if self.error else "ok"


def run_notebook(source: Path, executed: Path, parameters: dict, backend: str | None = None) -> tuple[dict, str | None]:
    """Execute ``source`` into ``executed``; return the figures it reported and the error, if any."""
    import nbformat
    import papermill

    executed.parent.mkdir(parents=True, exist_ok=True)
    previous = os.environ.get("KERAS_BACKEND")
    if backend:
        os.environ["KERAS_BACKEND"] = backend  # the kernel inherits this process's environment
    error = None
    try:
        papermill.execute_notebook(str(source), str(executed), parameters=parameters, kernel_name="python3",
                                   cwd=str(executed.parent), progress_bar=False)
    except papermill.PapermillExecutionError as failure:
        error = f"cell {failure.exec_count}: {failure.ename}: {str(failure.evalue).splitlines()[0][:160]}"
    finally:
        if previous is None:
            os.environ.pop("KERAS_BACKEND", None)
        else:
            os.environ["KERAS_BACKEND"] = previous
    figures = {}
    if executed.exists():
        for cell in nbformat.read(executed, as_version=4).cells:
            for output in cell.get("outputs", []):
                figures.update(output.get("data", {}).get(MIME, {}))
    return figures, error


def run_lessons(lessons: Sequence[Lesson], out: Path = Path("build"), quick: bool = False,
                backend: str | None = None, playgrounds: bool = False) -> list[LessonRun]:
    """Execute each lesson's solution (or playground) notebook into ``out/notebooks``."""
    runs = []
    for lesson in lessons:
        source = lesson.playground if playgrounds else lesson.solution
        executed = out / "notebooks" / (f"{source.stem}-{backend}.ipynb" if backend else source.name)
        start = time.perf_counter()
        figures, error = run_notebook(source, executed, lesson.quick if quick else {}, backend)
        runs.append(LessonRun(lesson, executed, time.perf_counter() - start, figures, error))
        print(f"lesson {lesson.number}: {runs[-1].status} in {runs[-1].seconds:.0f} s"
              + (f" ({error})" if error else ""), flush=True)
    return runs


def table(runs: Sequence[LessonRun]) -> str:
    """The runs as a text table: lesson, status, wall time, validation accuracy, other figures."""
    rows = [("lesson", "status", "time", "val. accuracy", "figures")]
    for run in runs:
        figures = dict(run.figures)
        accuracy = figures.pop("validation_accuracy", None)
        rows.append((f"{run.lesson.number} {run.lesson.title}", run.status, f"{run.seconds:.0f} s",
                     f"{accuracy:.3f}" if accuracy is not None else "-",
                     run.error or ", ".join(f"{k.replace('_', ' ')} {v:.4g}" for k, v in figures.items())))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)) + "  " + row[4]
                     for row in rows)
